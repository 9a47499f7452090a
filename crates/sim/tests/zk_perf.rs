//! Figures for ZooKeeper mode (printed, never asserted on time):
//! `cargo test -p quorumlab-sim --release --test zk_perf -- --ignored --nocapture`

// Wall-clock figures of the engine, not part of it (crates/sim/clippy.toml bans clocks there).
#![allow(clippy::disallowed_types)]

use std::time::Instant;

use quorumlab_sim::cluster::Cluster as _;
use quorumlab_sim::scenario::{NodeRef, ScenarioAction};
use quorumlab_sim::time::Time;
use quorumlab_sim::zk::{Cluster, Config};

fn large(partitions: u32) -> Config {
    Config { ensemble: 5, brokers: 10, partitions, ..Config::default() }
}

#[test]
#[ignore]
fn a_minute_of_a_large_cluster() {
    for partitions in [1_000, 100_000] {
        let wall = Instant::now();
        let mut c = Cluster::new(1, large(partitions));
        let built = wall.elapsed();
        c.run_until(Time::from_secs(60), usize::MAX);
        println!(
            "60 s, 5 servers + 10 brokers, {partitions} partitions: {} events, build {:?}, total {:?}, violations {}",
            c.events_processed(),
            built,
            wall.elapsed(),
            c.violations().len()
        );
    }
}

/// Controller failover load as the model charges it (domain.md §4 calibration), and the wall
/// time the engine needs to simulate it.
#[test]
#[ignore]
fn controller_failover_load() {
    for partitions in [10_000u32, 100_000, 1_000_000] {
        let wall = Instant::now();
        let mut c = Cluster::new(2, Config { ensemble: 3, brokers: 5, partitions, ..Config::default() });
        c.run_until(Time::from_secs(200), usize::MAX);
        let first_load = wall.elapsed();
        c.schedule(Time::from_secs(200), &ScenarioAction::Shutdown(NodeRef::Controller)).unwrap();
        let start = Instant::now();
        c.run_until(Time::from_secs(400), usize::MAX);
        let mut notes = Vec::new();
        c.notes(0, &mut notes);
        let loads: Vec<String> = notes
            .iter()
            .filter(|n| n.key == "kafka.load_done")
            .map(|n| format!("{} ms at {}", n.args[1], n.at))
            .collect();
        println!(
            "{partitions} partitions: loads {loads:?}; wall: boot+first load {first_load:?}, failover {:?}; ms without active controller {}; violations {}",
            start.elapsed(),
            c.summary().ms_without_controller,
            c.violations().len()
        );
    }
}
