//! The full scale sweep's time and memory (issue 21: the sweep to 2,000,000 partitions, both
//! modes, ≤ 30 s natively): the same code as `qlab experiment scale` and the page, run in a child
//! process of this test binary so that its peak resident set (`VmHWM`, Linux only) is its own.
//! Printed, never asserted on (figures, not tests); `make bench` runs it:
//! `cargo test -p quorumlab-sim --release --test sweep_perf -- --ignored --nocapture`

// Wall-clock figures of the engine, not part of it (crates/sim/clippy.toml bans clocks there).
#![allow(clippy::disallowed_types)]

use std::process::Command;
use std::time::Instant;

use quorumlab_sim::experiment::run_all;
use quorumlab_sim::experiment::scale::{ScaleParams, ScaleSweep};

const CHILD_VAR: &str = "QLAB_SWEEP_PERF_CHILD";

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Run in a child process (by [`full_scale_sweep`]).
#[test]
#[ignore]
fn scale_sweep_in_this_process() {
    if std::env::var(CHILD_VAR).is_err() {
        return;
    }
    let wall = Instant::now();
    // The default sweep: 1,000 to 2,000,000 partitions, as the page's Full runs it.
    let params = ScaleParams::default();
    let sizes = params.partitions.clone();
    let mut sweep = ScaleSweep::new(params).expect("a valid sweep");
    let rows = run_all(&mut sweep);
    println!(
        "FIGURES scale sweep {:?} partitions, both modes: {} rows, wall {:.1} s, peak RSS {} MiB",
        sizes,
        rows.len(),
        wall.elapsed().as_secs_f64(),
        peak_rss_mib().map_or("n/a".to_string(), |m| format!("{m:.0}")),
    );
    assert_eq!(rows.len(), sizes.len() * 2);
}

#[test]
#[ignore]
fn full_scale_sweep() {
    let exe = std::env::current_exe().expect("the test binary");
    let output = Command::new(exe)
        .args(["--ignored", "--exact", "scale_sweep_in_this_process", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, "1")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // libtest may have written "test scale_sweep_in_this_process ... " on the same line.
    let figures = stdout.lines().find_map(|l| l.split_once("FIGURES ")).map_or("no figures", |(_, f)| f);
    println!("{figures}");
    assert!(output.status.success(), "{stdout}");
}
