//! The inspector shows what the engine holds: a KRaft controller's log tail and metadata image,
//! a ZooKeeper server's transaction log and znode tree with its ephemeral owners, a ZooKeeper-mode
//! broker's session, watches and replicas.

use quorumlab_sim::cluster::Inspect;
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
    // Its transaction log's tail, ✓ where committed, and the committed and logged zxids.
    let log: Vec<&String> = lines.iter().skip(1).take_while(|l| l.starts_with("✓ ") || l.starts_with("  ")).collect();
    assert!(!log.is_empty() && log.len() <= 12, "{text}");
    assert!(log.iter().all(|l| l.starts_with("✓ ")), "all committed after 6 quiet seconds: {text}");
    let last = lines.iter().find(|l| l.starts_with("committed zxid ")).expect("the zxid line");
    let logged = lines[0].rsplit_once("last zxid ").and_then(|(_, z)| z.split_once(' ')).map(|(z, _)| z).unwrap();
    assert_eq!(last, &format!("committed zxid {logged} · logged zxid {logged}"), "{text}");
    assert!(log.last().unwrap().contains(&format!(" {logged}  ")), "the newest entry is the last zxid: {text}");
    // From the start, the log holds the brokers' sessions and their ephemeral registrations.
    let mut early = build(&Setup { mode: Mode::Zk, seed: 3, partitions: 0, ..Setup::default() }).expect("builds");
    early.run_until(Time::from_ms(600), usize::MAX);
    early.inspect(0, &mut lines);
    let text = lines.join("\n");
    assert!(text.contains("✓     1:1  createSession 0x100000001 (18000 ms)"), "a session is named by its zxid: {text}");
    assert!(text.contains("create -e /brokers/ids/"), "{text}");
    // A broker holds no tree of its own: its session, the controller it knows, its watches and
    // the replicas LeaderAndIsr gave it.
    let controller = c.node_views().iter().find(|v| v.alive && v.is_controller).map(|v| v.name()).expect("one");
    c.inspect(3, &mut lines);
    let text = lines.join("\n");
    assert!(lines[0].starts_with("session 0x") && lines[0].contains(" (18000 ms) · CONNECTED to zk"), "{text}");
    assert!(
        lines[1].starts_with("brokerEpoch 0x") && lines[1].contains(&format!(" · controller {controller} · ")),
        "{text}"
    );
    assert!(
        text.contains("/controller (data)") && text.contains("/brokers/topics (child)") == (controller == "b1"),
        "{text}"
    );
    assert_eq!(
        text.contains("KafkaController epoch 1 · active · liveBrokers [b1,b2,b3]"),
        controller == "b1",
        "{text}"
    );
    assert!(text.contains("orders-0  leader b"), "{text}");
    // A crashed broker keeps nothing in memory.
    c.schedule(
        Time::from_secs(6),
        &quorumlab_sim::scenario::ScenarioAction::Crash(quorumlab_sim::scenario::parse_node("b1").unwrap()),
    )
    .unwrap();
    c.run_until(Time::from_secs(7), usize::MAX);
    c.inspect(3, &mut lines);
    assert_eq!(lines, vec!["down".to_string()]);
}
