//! The inspector shows what the engine holds: a KRaft controller's log tail and metadata image,
//! a ZooKeeper server's znode tree with its ephemeral owners.

use quorumlab_sim::setup::{build, Mode, Setup};
use quorumlab_sim::Time;

#[test]
fn kraft_controller_shows_its_log_with_committed_marks_and_the_partitions() {
    let mut c = build(&Setup { mode: Mode::Kraft, seed: 3, ..Setup::default() }).expect("builds");
    c.run_until(Time::from_secs(6), usize::MAX);
    let mut lines = Vec::new();
    c.inspect(0, &mut lines);
    let text = lines.join("\n");
    let leader = c.node_views().iter().find(|v| v.is_controller).map(|v| v.name()).expect("a leader");
    let role = if leader == "c1" { "leader" } else { "follower" };
    assert!(lines[0].starts_with(&format!("role {role} · epoch ")), "{text}");
    assert!(lines[0].contains(&format!("vote/leader {leader} · LEO ")), "{text}");
    assert!(text.contains("✓"), "{text}");
    assert!(text.contains("NoOpRecord") || text.contains("PartitionRecord"), "{text}");
    assert!(text.contains("orders-0  leader b"), "{text}");
    assert!(text.contains("b1  active"), "{text}");
}

#[test]
fn zookeeper_server_shows_ephemeral_broker_and_controller_znodes() {
    let mut c = build(&Setup { mode: Mode::Zk, seed: 3, ..Setup::default() }).expect("builds");
    c.run_until(Time::from_secs(6), usize::MAX);
    let mut lines = Vec::new();
    c.inspect(0, &mut lines);
    let text = lines.join("\n");
    assert!(lines[0].contains(" · acceptedEpoch 1 · currentEpoch 1 · last zxid 1:"), "{text}");
    assert!(text.contains("/brokers/ids/1  v0  ephemeral, session 0x"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("/controller ") && l.contains("ephemeral")), "{text}");
    assert!(text.contains("/brokers/topics/orders/partitions/0/state"), "{text}");
    // A broker holds no tree of its own.
    c.inspect(3, &mut lines);
    assert!(lines.is_empty());
}
