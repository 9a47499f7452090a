//! Memory and time at scale (issue 21), printed, never asserted on (figures, not tests);
//! `make bench` runs both:
//! - `two_million_partitions`: each mode at 1,000,000 and 2,000,000 partitions (≤ 512 MiB,
//!   ≤ 5 s): 6 brokers, 3 controllers / 3 ZooKeeper servers, 10 minutes of simulated time, the
//!   controller crashed at 10 s.
//! - `full_scale_sweep`: the default scale sweep, 1,000 to 2,000,000 partitions in both modes
//!   (≤ 30 s), the same code as `qlab experiment scale` and the page.
//!
//! `cargo test -p quorumlab-sim --release --test scale_perf -- --ignored --nocapture`
//!
//! Each measurement runs in a child process of this test binary, so that its peak resident set
//! (`VmHWM` from /proc/self/status, Linux only) is its own.

// Wall-clock figures of the engine, not part of it (crates/sim/clippy.toml bans clocks there).
#![allow(clippy::disallowed_types)]

use std::process::Command;
use std::time::Instant;

use quorumlab_sim::experiment::run_all;
use quorumlab_sim::experiment::scale::{ScaleParams, ScaleSweep};
use quorumlab_sim::scenario;
use quorumlab_sim::setup::{build, Mode, Setup};
use quorumlab_sim::Time;

const MODE_VAR: &str = "QLAB_SCALE_PERF_MODE";
const PARTITIONS_VAR: &str = "QLAB_SCALE_PERF_PARTITIONS";
const SWEEP_VAR: &str = "QLAB_SCALE_PERF_SWEEP";

fn peak_rss_mib() -> String {
    let peak = || {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    };
    peak().map_or("n/a".to_string(), |m| format!("{m:.0}"))
}

/// Run the ignored test `name` in a child process with `vars` set, and print its figures.
fn in_child(name: &str, vars: &[(&str, &str)]) {
    let exe = std::env::current_exe().expect("the test binary");
    let output = Command::new(exe)
        .args(["--ignored", "--exact", name, "--nocapture", "--test-threads=1"])
        .envs(vars.iter().copied())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // libtest may have written "test <name> ... " on the same line.
    let figures = stdout.lines().find_map(|l| l.split_once("FIGURES ")).map_or("no figures", |(_, f)| f);
    println!("{figures}");
    assert!(output.status.success(), "{name} {vars:?}: {stdout}");
}

/// Run in a child process (by [`two_million_partitions`]): one mode, then its figures.
#[test]
#[ignore]
fn one_mode_at_scale() {
    let Ok(mode) = std::env::var(MODE_VAR) else { return };
    let mode = Mode::parse(&mode).expect("kraft or zk");
    let partitions: u32 = std::env::var(PARTITIONS_VAR).ok().and_then(|p| p.parse().ok()).unwrap_or(2_000_000);
    let script = scenario::parse("at 10s crash controller").expect("parses");
    let setup = Setup { mode, brokers: 6, controllers: 3, ensemble: 3, partitions, script, ..Setup::default() };
    let wall = Instant::now();
    let mut cluster = build(&setup).expect("builds");
    cluster.run_until(Time::from_secs(600), usize::MAX);
    let elapsed = wall.elapsed();
    let summary = cluster.summary();
    println!(
        "FIGURES {} {partitions} partitions, 10 min, controller crash: {} events, trace hash {}, wall {:.2} s, peak RSS {} MiB, violations {}",
        mode.as_str(),
        summary.events,
        summary.trace_hash,
        elapsed.as_secs_f64(),
        peak_rss_mib(),
        summary.violations.len()
    );
    assert!(summary.violations.is_empty(), "{:?}", summary.violations);
}

#[test]
#[ignore]
fn two_million_partitions() {
    for partitions in ["1000000", "2000000"] {
        for mode in ["kraft", "zk"] {
            in_child("one_mode_at_scale", &[(MODE_VAR, mode), (PARTITIONS_VAR, partitions)]);
        }
    }
}

/// Run in a child process (by [`full_scale_sweep`]).
#[test]
#[ignore]
fn scale_sweep_in_this_process() {
    if std::env::var(SWEEP_VAR).is_err() {
        return;
    }
    let wall = Instant::now();
    // The default sweep: 1,000 to 2,000,000 partitions, as the page's Full runs it.
    let params = ScaleParams::default();
    let sizes = params.partitions.clone();
    let rows = run_all(&mut ScaleSweep::new(params).expect("a valid sweep"));
    println!(
        "FIGURES scale sweep {sizes:?} partitions, both modes: {} rows, wall {:.1} s, peak RSS {} MiB",
        rows.len(),
        wall.elapsed().as_secs_f64(),
        peak_rss_mib(),
    );
    assert_eq!(rows.len(), sizes.len() * 2);
}

#[test]
#[ignore]
fn full_scale_sweep() {
    in_child("scale_sweep_in_this_process", &[(SWEEP_VAR, "1")]);
}
