//! What a broker shows before it serves, in each mode's own words: a ZooKeeper-mode broker is
//! registering (until its `/brokers/ids/N` exists); a KRaft broker starts fenced (KIP-631).

use quorumlab_sim::cluster::{Cluster, NodeKind, Role};
use quorumlab_sim::setup::{build, Mode, Setup};
use quorumlab_sim::Time;

fn broker_roles(c: &dyn Cluster) -> Vec<Role> {
    c.node_views().iter().filter(|v| v.kind == NodeKind::Broker).map(|v| v.role).collect()
}

#[test]
fn brokers_start_registering_in_zookeeper_mode_and_fenced_in_kraft() {
    for (mode, starting) in [(Mode::Zk, Role::Registering), (Mode::Kraft, Role::Fenced)] {
        let mut c = build(&Setup { mode, seed: 3, ..Setup::default() }).expect("builds");
        assert_eq!(broker_roles(&*c), vec![starting; 3], "{mode:?}");
        c.run_until(Time::from_secs(5), usize::MAX);
        assert_eq!(broker_roles(&*c), vec![Role::Active; 3], "{mode:?}");
    }
    assert_eq!(Role::Registering.slug(), "registering");
}
