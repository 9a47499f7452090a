//! KRaft scenarios that must play out as in the real system (issue 3).

use quorumlab_sim::cluster::{Cluster, NodeKind, Role};
use quorumlab_sim::kraft::{Config, KraftCluster};
use quorumlab_sim::scenario::{NodePrefix, NodeRef, ScenarioAction};
use quorumlab_sim::Time;

fn cluster(seed: u64, brokers: usize, partitions: u32) -> KraftCluster {
    KraftCluster::new(seed, Config { brokers, partitions, ..Config::default() })
}

fn dump(c: &KraftCluster) {
    let mut notes = Vec::new();
    c.notes(0, &mut notes);
    for n in &notes {
        println!("{} {} {} {:?}", n.at, c.name(n.node), n.key, n.args);
    }
    for v in c.node_views() {
        println!("{} {:?} epoch {} leo {} hw {} vote {:?}", v.name(), v.role, v.epoch, v.log_end, v.committed, v.vote);
    }
    println!("{:?}", c.violations());
}

#[test]
fn brokers_register_unfence_and_the_initial_topic_is_created() {
    let mut c = cluster(1, 3, 6);
    c.run_until(Time::from_secs(10), usize::MAX);
    dump(&c);
    assert!(c.violations().is_empty(), "{:?}", c.violations());
    let views = c.node_views();
    for v in views.iter().filter(|v| v.kind == NodeKind::Broker) {
        assert_eq!(v.role, Role::Active, "{} is {:?}", v.name(), v.role);
    }
    for b in c.brokers() {
        assert_eq!(b.image.partition_count, 6);
    }
    assert!(!c.summary().metadata_change_latency_ms.is_empty());
}
