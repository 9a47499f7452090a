//! KRaft quorum: a leader is elected, fails over when it dies, and a restarted node rejoins.

use quorumlab_sim::cluster::{Cluster, Role};
use quorumlab_sim::kraft::{Config, KraftCluster};
use quorumlab_sim::scenario::{NodePrefix, NodeRef, ScenarioAction};
use quorumlab_sim::Time;

fn leader(c: &KraftCluster) -> Option<usize> {
    c.node_views().iter().find(|v| v.role == Role::Leader && v.alive).map(|v| v.id)
}

#[test]
fn elects_a_leader_within_a_few_seconds() {
    for seed in 0..50 {
        let mut c = KraftCluster::new(seed, Config::default());
        c.run_until(Time::from_secs(5), usize::MAX);
        assert!(leader(&c).is_some(), "seed {seed}: no leader after 5 s");
        assert!(c.violations().is_empty(), "{:?}", c.violations());
        let views = c.node_views();
        let l = leader(&c).unwrap_or(0);
        for v in &views {
            if v.id != l {
                assert_eq!(v.role, Role::Follower, "seed {seed}");
            }
            assert!(v.committed > 0, "seed {seed}: high watermark never advanced on c{}", v.id + 1);
        }
    }
}

#[test]
fn fails_over_when_the_leader_crashes_and_the_old_leader_rejoins_as_follower() {
    for seed in 0..50 {
        let mut c = KraftCluster::new(seed, Config::default());
        c.run_until(Time::from_secs(5), usize::MAX);
        let old = leader(&c).expect("leader");
        let old_epoch = c.node_views()[old].epoch;
        c.schedule(Time::from_secs(5), &ScenarioAction::Crash(NodeRef::Leader)).unwrap();
        c.run_until(Time::from_secs(12), usize::MAX);
        let new = leader(&c).unwrap_or_else(|| panic!("seed {seed}: no new leader"));
        assert_ne!(new, old);
        assert!(c.node_views()[new].epoch > old_epoch);
        let name = NodeRef::Named { prefix: NodePrefix::Controller, number: old as u32 + 1 };
        c.schedule(Time::from_secs(12), &ScenarioAction::Restart(name)).unwrap();
        c.run_until(Time::from_secs(16), usize::MAX);
        let v = &c.node_views()[old];
        assert_eq!(v.role, Role::Follower, "seed {seed}: restarted c{} is {:?}", old + 1, v.role);
        assert!(c.violations().is_empty(), "{:?}", c.violations());
    }
}

#[test]
fn same_seed_same_trace_hash_and_chunking_does_not_matter() {
    let run = |chunks: &[u64]| {
        let mut c = KraftCluster::new(7, Config::default());
        c.schedule(Time::from_secs(3), &ScenarioAction::Crash(NodeRef::Leader)).unwrap();
        for &t in chunks {
            c.run_until(Time::from_ms(t), usize::MAX);
        }
        c.trace_hash()
    };
    let whole = run(&[10_000]);
    assert_eq!(whole, run(&[10_000]));
    assert_eq!(whole, run(&[1, 17, 999, 1_000, 2_500, 3_000, 3_001, 7_777, 10_000]));
    let other = {
        let mut c = KraftCluster::new(8, Config::default());
        c.run_until(Time::from_ms(10_000), usize::MAX);
        c.trace_hash()
    };
    assert_ne!(whole, other);
}

#[test]
fn frame_sized_chunks_give_the_same_hash_as_one_run() {
    // The browser advances in ~16.7 ms steps of uneven size.
    let mut chunked = KraftCluster::new(7, Config::default());
    let mut t = 0u64;
    let mut i = 0u64;
    while t < 6_000_000 {
        t += 16_000 + (i * 7_919) % 1_500;
        i += 1;
        chunked.run_until(Time(t), 50_000);
    }
    let mut whole = KraftCluster::new(7, Config::default());
    whole.run_until(Time(t), usize::MAX);
    assert_eq!(chunked.events_processed(), whole.events_processed());
    assert_eq!(chunked.trace_hash(), whole.trace_hash());
}
