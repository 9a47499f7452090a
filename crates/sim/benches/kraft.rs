//! KRaft engine benchmark (`cargo bench -p quorumlab-sim --bench kraft`): a plain harness
//! without criterion, to keep builds light. Prints events per second and simulated seconds per
//! wall-clock second for a small cluster and a large one (one minute of simulated time each).
//! Figures, not asserts.

// Wall-clock figures of the engine, not part of it (crates/sim/clippy.toml bans clocks there).
#![allow(clippy::disallowed_types)]

use std::hint::black_box;
use std::time::Instant;

use quorumlab_sim::cluster::Cluster;
use quorumlab_sim::kraft::{Config, KraftCluster};
use quorumlab_sim::scenario::{NodePrefix, NodeRef, ScenarioAction};
use quorumlab_sim::Time;

fn run(label: &str, config: Config, simulated_s: u64, crash_controller: bool) {
    let start = Instant::now();
    let mut c = KraftCluster::new(1, config);
    if crash_controller {
        c.schedule(Time::from_secs(30), &ScenarioAction::Crash(NodeRef::Controller)).expect("schedule");
    }
    c.run_until(Time::from_secs(simulated_s), usize::MAX);
    let wall = start.elapsed().as_secs_f64();
    let events = c.events_processed();
    let s = c.summary();
    let topics = c.brokers().next().map_or(0, |b| b.image.partition_count);
    black_box(c.trace_hash());
    println!(
        "{label}: {events} events in {:.3} s wall = {:.0} events/s, {:.0} simulated s per wall s; \
         partitions replayed by b1: {topics}; violations: {}; metadata-change latency ms (first 5): {:?}",
        wall,
        events as f64 / wall,
        simulated_s as f64 / wall,
        s.violations.len(),
        &s.metadata_change_latency_ms[..s.metadata_change_latency_ms.len().min(5)],
    );
}

/// Constant elections over a long log: the active controller crashes every 8 s and comes back
/// 6 s later, 100 times. Each new leader must hold every committed entry (Raft §5.4.1), which
/// the checker verifies without rescanning the log.
fn elections(label: &str, config: Config) {
    let start = Instant::now();
    let voters = config.controllers as u32;
    let mut c = KraftCluster::new(1, config);
    for i in 0..100 {
        let at = 10_000 + 8_000 * i;
        c.schedule(Time::from_ms(at), &ScenarioAction::Crash(NodeRef::Controller)).expect("schedule");
        for number in 1..=voters {
            let node = NodeRef::Named { prefix: NodePrefix::Controller, number };
            c.schedule(Time::from_ms(at + 6_000), &ScenarioAction::Restart(node)).expect("schedule");
        }
    }
    let simulated_s = 10 + 8 * 100 + 10;
    c.run_until(Time::from_secs(simulated_s), usize::MAX);
    let wall = start.elapsed().as_secs_f64();
    black_box(c.trace_hash());
    println!(
        "{label}: {} events in {wall:.3} s wall, {:.0} simulated s per wall s; violations: {}; log end: {}",
        c.events_processed(),
        simulated_s as f64 / wall,
        c.violations().len(),
        (0..voters as usize).filter_map(|id| c.controller(id)).map(|k| k.log.end_offset()).max().unwrap_or(0),
    );
}

fn main() {
    for _ in 0..2 {
        run(
            "3 controllers + 3 brokers, 6 partitions, 60 s",
            Config { brokers: 3, partitions: 6, ..Config::default() },
            60,
            false,
        );
        run(
            "3 controllers + 3 brokers, controller crash at 30 s, 60 s",
            Config { brokers: 3, partitions: 6, ..Config::default() },
            60,
            true,
        );
        run(
            "5 controllers + 50 brokers + 10,000 partitions, 60 s",
            Config { controllers: 5, brokers: 50, partitions: 10_000, ..Config::default() },
            60,
            false,
        );
        run(
            "5 controllers + 50 brokers + 10,000 partitions, controller crash at 30 s, 60 s",
            Config { controllers: 5, brokers: 50, partitions: 10_000, ..Config::default() },
            60,
            true,
        );
        elections(
            "5 controllers + 6 brokers + 10,000 partitions, controller crashed 100 times, 820 s",
            Config { controllers: 5, brokers: 6, partitions: 10_000, ..Config::default() },
        );
    }
}
