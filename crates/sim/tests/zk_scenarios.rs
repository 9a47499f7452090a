//! End-to-end scenarios of ZooKeeper mode through the shared `Cluster` trait.

use quorumlab_sim::cluster::{Cluster as _, Inspect as _};
use quorumlab_sim::scenario::{NodePrefix, NodeRef, ScenarioAction};
use quorumlab_sim::summary::{HistoryPoint, Summary};
use quorumlab_sim::time::Time;
use quorumlab_sim::zk::{Cluster, Config};

fn zk(n: u32) -> NodeRef {
    NodeRef::Named { prefix: NodePrefix::Zk, number: n }
}
fn b(n: u32) -> NodeRef {
    NodeRef::Named { prefix: NodePrefix::Broker, number: n }
}

fn run(seed: u64, config: Config, steps: &[(u64, ScenarioAction)], until_ms: u64) -> Summary {
    let mut c = Cluster::new(seed, config);
    for (at, action) in steps {
        c.schedule(Time::from_ms(*at), action).unwrap();
    }
    c.run_until(Time::from_ms(until_ms), usize::MAX);
    let s = c.summary();
    assert!(s.violations.is_empty(), "{:#?}", s.violations);
    s
}

/// First point at or after `t_ms` whose holder is set.
fn next_holder(history: &[HistoryPoint], t_ms: u64) -> Option<&HistoryPoint> {
    history.iter().find(|p| p.t_ms >= t_ms && p.node.is_some())
}

fn holder_at(history: &[HistoryPoint], t_ms: u64) -> Option<&HistoryPoint> {
    history.iter().rev().find(|p| p.t_ms <= t_ms)
}

#[test]
fn boot_elects_a_zookeeper_leader_and_a_kafka_controller() {
    let s = run(1, Config::default(), &[], 30_000);
    let leader = s.quorum_leader_history.last().unwrap();
    assert_eq!((leader.node.as_deref(), leader.epoch), (Some("zk3"), 1), "highest sid wins on equal zxids");
    let controller = s.controller_history.last().unwrap();
    assert!(controller.node.as_deref().is_some_and(|n| n.starts_with('b')));
    assert_eq!(controller.epoch, 1);
    assert!(s.messages_by_type.contains_key("NOTIFICATION"));
    assert!(s.messages_by_type.contains_key("FOLLOWERINFO"));
    assert!(s.messages_by_type.contains_key("UPTODATE"));
}

#[test]
fn a_crashed_leader_is_replaced_in_well_under_a_second() {
    let s = run(2, Config::default(), &[(20_000, ScenarioAction::Crash(NodeRef::Leader))], 40_000);
    let old = holder_at(&s.quorum_leader_history, 19_999).unwrap().clone();
    let new = next_holder(&s.quorum_leader_history, 20_001).unwrap();
    assert_ne!(old.node, new.node);
    assert!(new.epoch > old.epoch);
    // Connection resets are noticed at once: FLE (+200 ms finalize) + ZAB sync.
    assert!(new.t_ms < 21_000, "took until {}", new.t_ms);
}

#[test]
fn a_partitioned_leader_is_replaced_only_after_sync_limit_ticks() {
    let steps = [(20_000, ScenarioAction::Partition(vec![vec![zk(3)], vec![zk(1), zk(2), b(1), b(2), b(3)]]))];
    let s = run(3, Config::default(), &steps, 60_000);
    assert_eq!(holder_at(&s.quorum_leader_history, 19_999).unwrap().node.as_deref(), Some("zk3"));
    let new = next_holder(&s.quorum_leader_history, 20_001).unwrap();
    assert_ne!(new.node.as_deref(), Some("zk3"));
    // Followers wait syncLimit × tickTime = 10 s of silence before they go LOOKING.
    // (the last PING came up to tickTime/2 before the partition).
    assert!((29_000..31_500).contains(&new.t_ms), "new leader at {}", new.t_ms);
}

#[test]
fn a_restarted_follower_rejoins_without_a_new_election() {
    let steps = [(10_000, ScenarioAction::Crash(zk(1))), (15_000, ScenarioAction::Restart(zk(1)))];
    let s = run(4, Config::default(), &steps, 30_000);
    // One leader, one epoch, the whole time.
    let points: Vec<_> = s.quorum_leader_history.iter().filter(|p| p.node.is_some()).collect();
    assert_eq!(points.len(), 1, "{:?}", s.quorum_leader_history);
    let zk1 = s.nodes.iter().find(|n| n.id == "zk1").unwrap();
    assert_eq!(zk1.role, "following");
}

#[test]
fn a_killed_broker_loses_its_partitions_only_when_its_session_expires() {
    let config = Config { partitions: 12, ..Config::default() };
    let mut c = Cluster::new(5, config);
    c.run_until(Time::from_secs(15), usize::MAX);
    let controller = c.summary().controller_history.last().unwrap().node.clone().unwrap();
    // Kill a broker that is not the controller.
    let victim = if controller == "b1" { 2 } else { 1 };
    c.schedule(Time::from_secs(15), &ScenarioAction::Crash(b(victim))).unwrap();
    c.run_until(Time::from_secs(45), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    let leaders_on = |c: &Cluster| {
        let s = c.server(1).unwrap();
        s.tree.states("orders").unwrap().iter().filter(|z| z.state.leader == victim as i32).count()
    };
    assert_eq!(leaders_on(&c), 0, "the dead broker still leads partitions");
}

#[test]
fn controller_failover_after_the_controller_crashes() {
    let steps = [(15_000, ScenarioAction::Crash(NodeRef::Controller))];
    let s = run(6, Config::default(), &steps, 60_000);
    let old = holder_at(&s.controller_history, 14_999).unwrap().clone();
    let new = next_holder(&s.controller_history, 15_001).unwrap();
    assert_ne!(old.node, new.node);
    assert_eq!(new.epoch, old.epoch + 1);
    // /controller is ephemeral: it goes only when the 18 s session expires.
    // (its last touch was up to one ping interval, 6 s, before the crash; deadlines round up to a tick).
    assert!((15_000 + 12_000..15_000 + 22_000).contains(&new.t_ms), "new controller at {}", new.t_ms);
}

#[test]
fn the_controller_znode_cascade_is_narrated_broker_by_broker() {
    // domain.md §2.2: the session expires, /controller is deleted, every broker's watch fires
    // and they race to create it; one wins with the next controller epoch, the others lose.
    let mut c = Cluster::new(6, Config { brokers: 4, ..Config::default() });
    c.schedule(Time::from_secs(15), &ScenarioAction::Crash(NodeRef::Controller)).unwrap();
    c.run_until(Time::from_secs(45), usize::MAX);
    let mut notes = Vec::new();
    c.notes(0, &mut notes);
    let by = |key: &str| -> Vec<usize> {
        notes.iter().filter(|n| n.at > Time::from_secs(15) && n.key == key).map(|n| n.node).collect()
    };
    let (gone, won) = (by("kafka.controller_gone"), by("kafka.controller_elected"));
    let lost = [by("kafka.race_lost_exists"), by("kafka.race_lost_epoch")].concat();
    assert_eq!(gone.len(), 3, "the three live brokers' watches fired: {gone:?}");
    assert_eq!(won.len(), 1, "{won:?}");
    assert!(gone.contains(&won[0]) && !lost.contains(&won[0]), "{gone:?} {won:?} {lost:?}");
    assert!(!lost.is_empty() && lost.iter().all(|n| gone.contains(n)), "{gone:?} {lost:?}");
}

#[test]
fn a_clean_shutdown_of_the_controller_hands_over_at_once() {
    let steps = [(15_000, ScenarioAction::Shutdown(NodeRef::Controller))];
    let s = run(7, Config::default(), &steps, 30_000);
    let new = next_holder(&s.controller_history, 15_001).unwrap();
    assert!(new.t_ms < 16_000, "new controller at {}", new.t_ms);
}

#[test]
fn create_topic_through_the_admin_path() {
    let steps =
        [(10_000, ScenarioAction::CreateTopic { name: "payments".into(), partitions: 4, replication_factor: 2 })];
    let mut c = Cluster::new(8, Config::default());
    for (at, a) in &steps {
        c.schedule(Time::from_ms(*at), a).unwrap();
    }
    c.run_until(Time::from_secs(15), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    for sid in 1..=3 {
        let states = c.server(sid).unwrap().tree.states("payments").expect("state znodes created");
        assert_eq!(states.len(), 4);
        assert!(states.iter().all(|z| z.state.leader > 0));
    }
}

#[test]
fn actions_on_missing_or_dead_nodes_do_not_panic() {
    let mut c = Cluster::new(9, Config::default());
    assert!(c.schedule(Time::ZERO, &ScenarioAction::Crash(zk(9))).is_err());
    assert!(c
        .schedule(Time::ZERO, &ScenarioAction::Crash(NodeRef::Named { prefix: NodePrefix::Controller, number: 1 }))
        .is_err());
    for a in [
        ScenarioAction::Crash(zk(1)),
        ScenarioAction::Crash(zk(1)),
        ScenarioAction::Restart(zk(2)),
        ScenarioAction::Shutdown(zk(1)),
        ScenarioAction::Restart(zk(1)),
        ScenarioAction::Restart(zk(1)),
        ScenarioAction::Crash(NodeRef::Controller),
        ScenarioAction::Shutdown(NodeRef::Leader),
        ScenarioAction::Heal,
        ScenarioAction::LossPerMille(1000),
        ScenarioAction::LossPerMille(0),
    ] {
        c.schedule(Time::from_secs(5), &a).unwrap();
    }
    c.run_until(Time::from_secs(60), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
}

#[test]
fn controlled_shutdown_moves_leadership_away_before_the_session_closes() {
    let config = Config { partitions: 12, ..Config::default() };
    let mut c = Cluster::new(10, config);
    c.run_until(Time::from_secs(10), usize::MAX);
    let controller = c.summary().controller_history.last().unwrap().node.clone().unwrap();
    let victim: u32 = if controller == "b2" { 3 } else { 2 };
    let led = |c: &Cluster| {
        let s = c.server(1).unwrap();
        s.tree.states("orders").unwrap().iter().filter(|z| z.state.leader == victim as i32).count()
    };
    assert!(led(&c) > 0);
    c.schedule(Time::from_secs(10), &ScenarioAction::Shutdown(b(victim))).unwrap();
    c.run_until(Time::from_secs(12), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    // Within two seconds (not 18): leadership moved, the session closed, the process halted.
    assert_eq!(led(&c), 0);
    let s1 = c.server(1).unwrap();
    assert!(s1.tree.get(&format!("/brokers/ids/{victim}")).is_none());
    assert!(!c.node_views().iter().any(|v| v.name() == format!("b{victim}") && v.alive));
}

#[test]
fn a_broker_whose_zookeeper_server_dies_reconnects_elsewhere_with_the_same_session() {
    let mut c = Cluster::new(11, Config::default());
    c.run_until(Time::from_secs(10), usize::MAX);
    let before: Vec<(u64, u64)> =
        (1..=3).map(|i| (c.broker(i).unwrap().zk.session, c.broker(i).unwrap().broker_epoch)).collect();
    let server = c.broker(1).unwrap().zk.server as u32 + 1;
    c.schedule(Time::from_secs(10), &ScenarioAction::Crash(zk(server))).unwrap();
    c.run_until(Time::from_secs(40), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    let after: Vec<(u64, u64)> =
        (1..=3).map(|i| (c.broker(i).unwrap().zk.session, c.broker(i).unwrap().broker_epoch)).collect();
    assert_eq!(before, after, "no session expired, no re-registration");
    assert_ne!(c.broker(1).unwrap().zk.server as u32 + 1, server);
    assert!(c.broker(1).unwrap().zk.connected());
}

#[test]
fn controller_failover_load_grows_with_the_partition_count() {
    let load_ms = |partitions: u32| {
        let mut c = Cluster::new(12, Config { partitions, ..Config::default() });
        c.schedule(Time::from_secs(30), &ScenarioAction::Shutdown(NodeRef::Controller)).unwrap();
        c.run_until(Time::from_secs(60), usize::MAX);
        assert!(c.violations().is_empty(), "{:#?}", c.violations());
        let mut notes = Vec::new();
        c.notes(0, &mut notes);
        let last = notes.iter().rev().find(|n| n.key == "kafka.load_done").unwrap();
        last.args[1].parse::<u64>().unwrap()
    };
    let small = load_ms(100);
    let large = load_ms(20_000);
    // §4 calibration: ≈ 14 s per 100 000 partitions, so ≈ 2.8 s for 20 000.
    assert!(small < 200, "{small}");
    assert!((2_500..3_500).contains(&large), "{large}");
}

#[test]
fn a_controller_cut_off_from_zookeeper_is_replaced_and_fenced() {
    let mut c = Cluster::new(13, Config::default());
    c.run_until(Time::from_secs(10), usize::MAX);
    let old = c.summary().controller_history.last().unwrap().clone();
    let old_name = old.node.clone().unwrap();
    let old_id: u32 = old_name.trim_start_matches('b').parse().unwrap();
    c.schedule(Time::from_secs(10), &ScenarioAction::Partition(vec![vec![b(old_id)], vec![zk(1), zk(2), zk(3)]]))
        .unwrap();
    c.run_until(Time::from_secs(60), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    let s = c.summary();
    let new = s.controller_history.iter().find(|p| p.t_ms > 10_000 && p.node.is_some() && p.node != old.node).unwrap();
    assert_eq!(new.epoch, old.epoch + 1);
    // Its session expired at the ZooKeeper leader: /controller now names the new controller,
    // and the old one's /brokers/ids entry is gone.
    let s1 = c.server(1).unwrap();
    assert!(s1.tree.get(&format!("/brokers/ids/{old_id}")).is_none());
    // Every other broker follows the newer controller epoch from now on.
    for i in (1..=3).filter(|i| *i != old_id) {
        assert!(c.broker(i).unwrap().max_controller_epoch >= new.epoch as u32);
    }
}

#[test]
fn observers_follow_the_leader_by_inform_and_never_count_toward_a_quorum() {
    let config = Config { ensemble: 3, observers: 2, ..Config::default() };
    let s = run(14, config.clone(), &[], 20_000);
    // Voters lead; observers observe and are numbered after them.
    assert!(s.quorum_leader_history.iter().all(|p| !matches!(p.node.as_deref(), Some("zk4") | Some("zk5"))));
    for id in ["zk4", "zk5"] {
        assert_eq!(s.nodes.iter().find(|n| n.id == id).unwrap().role, "observing");
    }
    assert!(s.messages_by_type.contains_key("OBSERVERINFO"));
    assert!(s.messages_by_type.contains_key("INFORM"));
    // Two voters down: the three servers left (one voter, two observers) are no quorum.
    let steps = [(10_000, ScenarioAction::Crash(zk(1))), (10_000, ScenarioAction::Crash(zk(2)))];
    let mut c = Cluster::new(15, config);
    for (at, a) in &steps {
        c.schedule(Time::from_ms(*at), a).unwrap();
    }
    c.run_until(Time::from_secs(60), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    let last = c.summary().quorum_leader_history.last().unwrap().clone();
    assert_eq!(last.node, None, "observers must not form a quorum");
    // The observers applied the same history as the voters (checked by the invariants too).
    let voter = c.server(3).unwrap();
    let observer = c.server(4).unwrap();
    assert!(observer.applied_count() > 0);
    assert!(observer.applied_count() <= voter.applied_count());
}

#[test]
fn a_topic_created_while_there_is_no_controller_gets_its_partitions_from_the_next_one() {
    let steps = [
        (10_000, ScenarioAction::Crash(NodeRef::Controller)),
        (12_000, ScenarioAction::CreateTopic { name: "payments".into(), partitions: 5, replication_factor: 2 }),
    ];
    let mut c = Cluster::new(16, Config::default());
    for (at, a) in &steps {
        c.schedule(Time::from_ms(*at), a).unwrap();
    }
    c.run_until(Time::from_secs(13), usize::MAX);
    // The admin path wrote the assignment through ZooKeeper; no controller, so no states yet.
    let s1 = c.server(1).unwrap();
    assert!(s1.tree.get("/brokers/topics/payments").is_some());
    assert!(s1.tree.states("payments").is_none());
    c.run_until(Time::from_secs(60), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    let states = c.server(1).unwrap().tree.states("payments").expect("created by the new controller");
    assert_eq!(states.len(), 5);
    assert!(states.iter().all(|z| z.state.leader > 0));
}

#[test]
fn alter_config_writes_the_config_znode_and_a_change_every_live_broker_is_told_of() {
    let script = quorumlab_sim::scenario::parse(
        "at 10s alter-config orders retention.ms=3600000\n\
         at 11s alter-config payments retention.ms=1\n\
         at 12s crash b2\n\
         at 14s alter-config orders cleanup.policy=compact\n\
         at 20s restart b2\n",
    )
    .unwrap();
    let config = Config { brokers: 3, partitions: 4, ..Config::default() };
    let mut c = Cluster::new(8, config);
    for step in &script.steps {
        c.schedule(step.at, &step.action).unwrap();
    }
    c.run_until(Time::from_secs(16), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    let broker_node = |b: u32| 3 + b as usize - 1;
    let applied = |c: &Cluster, change: &str| -> Vec<usize> {
        let mut notes = Vec::new();
        c.notes(0, &mut notes);
        let mut nodes: Vec<usize> =
            notes.iter().filter(|n| n.key == "kafka.config_applied" && n.args[1] == change).map(|n| n.node).collect();
        nodes.sort_unstable();
        nodes
    };
    // Kafka ZK mode: the change notifications fire every broker's child watch on
    // /config/changes; each live broker reads the change and the topic's config.
    assert_eq!(applied(&c, "config_change_0000000000"), vec![broker_node(1), broker_node(2), broker_node(3)]);
    assert_eq!(applied(&c, "config_change_0000000001"), vec![broker_node(1), broker_node(3)], "b2 is down");
    let mut notes = Vec::new();
    c.notes(0, &mut notes);
    let keys: Vec<&str> = notes.iter().map(|n| n.key).collect();
    assert_eq!(keys.iter().filter(|k| **k == "kafka.config_change_written").count(), 2);
    assert_eq!(keys.iter().filter(|k| **k == "kafka.config_unknown_topic").count(), 1);
    let written = notes.iter().find(|n| n.key == "kafka.config_applied" && n.node == broker_node(3)).unwrap();
    assert_eq!(written.args[2], "retention.ms=3600000");
    // Every server holds the same znodes: the merged config and two sequential changes.
    let mut lines = Vec::new();
    let mut child_watches = 0;
    for server in 0..3 {
        c.inspect(server, &mut lines);
        assert!(
            lines.contains(&"/config/topics/orders  v2  {cleanup.policy=compact, retention.ms=3600000}".to_string()),
            "{lines:#?}"
        );
        assert!(lines.contains(&"/config/changes/config_change_0000000001  v0  → topics/orders".to_string()));
        let changes = lines.iter().find(|l| l.starts_with("/config/changes  v")).unwrap();
        child_watches += changes.split("child×").nth(1).map_or(0, |n| n.trim_end_matches(']').parse::<u32>().unwrap());
    }
    // The live brokers re-armed their one-shot watches (b2's died with its process).
    assert_eq!(child_watches, 2);
    // The restarted b2 reads every change at startup (lastExecutedChange starts at -1) once
    // it has registered again (after its old session expired).
    c.run_until(Time::from_secs(45), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    for b in 1..=3 {
        let broker = c.broker(b).unwrap();
        assert_eq!(broker.last_executed_change, Some(1), "b{b}");
        let configs: Vec<(&str, &str)> =
            broker.topic_configs["orders"].iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(configs, [("cleanup.policy", "compact"), ("retention.ms", "3600000")], "b{b}");
    }
    c.inspect(broker_node(2), &mut lines);
    assert!(lines.contains(&"orders  configs  cleanup.policy=compact, retention.ms=3600000".to_string()), "{lines:#?}");
}

// ---- metadata-change latency: ZooKeeper commit → applied on every live registered broker ----

/// The times (µs) of the notes with `key` whose first argument is `arg0`.
fn note_times_us(c: &Cluster, key: &str, arg0: &str) -> Vec<u64> {
    let mut notes = Vec::new();
    c.notes(0, &mut notes);
    notes.iter().filter(|n| n.key == key && n.args.first().is_some_and(|a| a == arg0)).map(|n| n.at.as_us()).collect()
}

/// The last broker's TopicConfigApplied for `change` (µs).
fn config_applied_last_us(c: &Cluster, change: &str) -> u64 {
    let mut notes = Vec::new();
    c.notes(0, &mut notes);
    notes.iter().filter(|n| n.key == "kafka.config_applied" && n.args[1] == change).map(|n| n.at.as_us()).max().unwrap()
}

/// One way on the default network is 2–5 ms plus up to 1 ms of jitter.
const HOP_MIN_MS: u64 = 2;
const HOP_MAX_MS: u64 = 6;

/// How many measurements a run with `seed` and `config` makes while booting (each broker's
/// registration), before any action: the scripts below act no earlier than 4 s.
fn boot_measurements(seed: u64, config: Config) -> usize {
    let mut c = Cluster::new(seed, config);
    c.run_until(Time::from_secs(4), usize::MAX);
    let n = c.summary().metadata_change_latency_ms.len();
    assert_eq!(n, c.config().brokers, "one per broker registration");
    n
}

/// The measurements after the boot's.
fn after_boot(c: &Cluster, seed: u64) -> Vec<u64> {
    let boot = boot_measurements(seed, Config::default());
    c.summary().metadata_change_latency_ms[boot..].to_vec()
}

fn run_script(seed: u64, script: &str, until_s: u64) -> Cluster {
    let script = quorumlab_sim::scenario::parse(script).unwrap();
    let mut c = Cluster::new(seed, Config::default());
    for step in &script.steps {
        c.schedule(step.at, &step.action).unwrap();
    }
    c.run_until(Time::from_secs(until_s), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    c
}

/// Bounds of one create-topic measurement started by an action at `action_ms`: ZooKeeper
/// commits the admin write one ZAB round (≤ 2 hops) after the action; the controller's
/// UpdateMetadata goes out when its state write returns (the `TopicCreated` note) and lands one
/// hop later. Before that: the watch event, the read of the assignment, the state write
/// (request, PROPOSAL, ACK, reply) and the UpdateMetadata, ≥ 8 hops.
fn assert_create_latency(c: &Cluster, topic: &str, action_ms: u64, latency_ms: u64) {
    let created_us = note_times_us(c, "kafka.topic_created", topic)[0];
    let to_created_ms = (created_us - action_ms * 1_000) / 1_000;
    assert!(latency_ms >= 8 * HOP_MIN_MS, "{latency_ms}");
    assert!(latency_ms <= to_created_ms + HOP_MAX_MS, "{latency_ms} vs {to_created_ms}");
    assert!(latency_ms + 2 * HOP_MAX_MS + 1 >= to_created_ms, "{latency_ms} vs {to_created_ms}");
}

/// Bounds of one alter-config measurement: it ends at the last broker's TopicConfigApplied,
/// and started when the change notification committed, ≤ 2 hops after the action. Each broker
/// needs the watch event, getChildren, the change and the topic config: ≥ 7 hops.
fn assert_config_latency(c: &Cluster, change: &str, action_ms: u64, latency_ms: u64) {
    let to_applied_ms = (config_applied_last_us(c, change) - action_ms * 1_000) / 1_000;
    assert!(latency_ms >= 7 * HOP_MIN_MS, "{latency_ms}");
    assert!(latency_ms <= to_applied_ms, "{latency_ms} vs {to_applied_ms}");
    assert!(latency_ms + 2 * HOP_MAX_MS + 1 >= to_applied_ms, "{latency_ms} vs {to_applied_ms}");
}

#[test]
fn metadata_change_latency_measures_a_topic_creation_and_a_config_change_in_order() {
    let c = run_script(
        1,
        "at 5s create-topic payments partitions=3 rf=3\n\
         at 8s alter-config orders retention.ms=3600000\n",
        30,
    );
    let latencies = after_boot(&c, 1);
    assert_eq!(latencies.len(), 2, "{latencies:?}");
    // Each well under the 3 s between the actions, in completion order.
    assert!(latencies.iter().all(|ms| *ms < 3_000), "{latencies:?}");
    assert_create_latency(&c, "payments", 5_000, latencies[0]);
    assert_config_latency(&c, "config_change_0000000000", 8_000, latencies[1]);
    // Every broker has the new topic's partitions in its metadata cache.
    for b in 1..=3 {
        assert_eq!(c.broker(b).unwrap().metadata_topics["payments"].len(), 3, "b{b}");
    }
}

#[test]
fn metadata_change_latency_skips_a_crashed_broker() {
    let c = run_script(
        4,
        "at 4s crash b2\n\
         at 5s create-topic payments partitions=4 rf=2\n\
         at 8s alter-config orders retention.ms=1\n",
        12,
    );
    // b2's session (18 s) has not expired by 12 s: its leaving is not measured yet.
    let latencies = after_boot(&c, 4);
    assert_eq!(latencies.len(), 2, "{latencies:?}");
    assert_create_latency(&c, "payments", 5_000, latencies[0]);
    assert_config_latency(&c, "config_change_0000000000", 8_000, latencies[1]);
    // b2 never learnt of either change: waiting for it would have measured nothing.
    let b2 = c.broker(2).unwrap();
    assert!(!b2.metadata_topics.contains_key("payments"));
    assert_eq!(b2.last_executed_change, None);
}

#[test]
fn a_topic_created_without_a_controller_waits_for_the_controller_session_to_expire() {
    // A crashed controller keeps /controller until its 18 s session expires: no earlier than
    // 18 s after the session last heard of it (≥ 0 s), no later than 18 s after the crash plus
    // the tick-wide expiry bucket (2 s). Only then does a new controller load and create the
    // topic's partitions.
    let c = run_script(
        2,
        "at 4s crash controller\n\
         at 5s create-topic payments partitions=3 rf=3\n",
        60,
    );
    // The crashed controller's leaving (its session expired), then the topic, whose
    // UpdateMetadata the new controller sends after loading.
    let latencies = after_boot(&c, 2);
    assert_eq!(latencies.len(), 2, "{latencies:?}");
    assert!((18_000 - 5_000..4_000 + 18_000 + 2_000 + 1_000 - 5_000).contains(&latencies[1]), "{latencies:?}");
    assert_create_latency(&c, "payments", 5_000, latencies[1]);
}

#[test]
fn a_change_that_never_commits_is_not_measured() {
    // The ZooKeeper leader zk3 is cut off from both followers: it still proposes the admin
    // tool's writes, but no quorum acknowledges them, and the new leader's history drops them.
    let mut c = Cluster::new(1, Config::default());
    c.run_until(Time::from_secs(6), usize::MAX);
    assert!(c.server(3).unwrap().established_epoch().is_some(), "zk3 leads");
    let script = quorumlab_sim::scenario::parse(
        "at 7s partition zk1 zk2 | zk3 b1 b2 b3\n\
         at 7100ms create-topic lost partitions=1 rf=1\n\
         at 7200ms alter-config orders retention.ms=5\n\
         at 20s heal\n\
         at 40s alter-config orders retention.ms=6\n",
    )
    .unwrap();
    for step in &script.steps {
        c.schedule(step.at, &step.action).unwrap();
    }
    c.run_until(Time::from_ms(7_300), usize::MAX);
    // Proposed (logged by zk3: the topic and the two config writes), never committed.
    let zk3 = c.server(3).unwrap();
    assert!(zk3.established_epoch().is_some());
    assert_eq!(zk3.log.len() - zk3.applied, 3);
    c.run_until(Time::from_secs(30), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    assert!(c.server(1).unwrap().tree.get("/brokers/topics/lost").is_none());
    assert!(c.server(1).unwrap().tree.get("/config/changes/config_change_0000000000").is_none());
    assert_eq!(after_boot(&c, 1), Vec::<u64>::new());
    // Once healed, the next change is measured as usual.
    c.run_until(Time::from_secs(50), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    let latencies = after_boot(&c, 1);
    assert_eq!(latencies.len(), 1, "{latencies:?}");
    assert_config_latency(&c, "config_change_0000000000", 40_000, latencies[0]);
}

#[test]
fn metadata_change_latency_is_the_same_however_the_run_is_chunked() {
    let script = "at 5s create-topic payments partitions=3 rf=3\n\
                  at 5100ms crash controller\n\
                  at 8s alter-config payments retention.ms=1000\n\
                  at 9s crash leader\n\
                  at 12s alter-config orders cleanup.policy=compact\n";
    let whole = run_script(3, script, 30);
    let parsed = quorumlab_sim::scenario::parse(script).unwrap();
    let mut chunked = Cluster::new(3, Config::default());
    for step in &parsed.steps {
        chunked.schedule(step.at, &step.action).unwrap();
    }
    let mut t = 0;
    while t < 30_000 {
        t += 333;
        chunked.run_until(Time::from_ms(t.min(30_000)), 50);
    }
    chunked.run_until(Time::from_secs(30), usize::MAX);
    let (a, b) = (whole.summary(), chunked.summary());
    assert_eq!(a.trace_hash, b.trace_hash);
    // The boot's registrations, the three changes, and the crashed controller's leaving.
    assert_eq!(a.metadata_change_latency_ms.len(), 3 + 3 + 1, "{:?}", a.metadata_change_latency_ms);
    assert_eq!(a.metadata_change_latency_ms, b.metadata_change_latency_ms);
}

/// Four brokers, one partition on b1 alone: b4 hosts nothing, so no partition state changes
/// when it leaves or comes back, and only the controller's own UpdateMetadata can tell the
/// other brokers (KafkaController `onBrokerFailure` / `onBrokerStartup`).
fn lonely_b4() -> Config {
    Config { brokers: 4, partitions: 1, replication_factor: 1, ..Config::default() }
}

#[test]
fn a_broker_that_leads_nothing_leaves_and_joins_and_every_broker_is_told() {
    let seed = 5;
    let boot = boot_measurements(seed, lonely_b4());
    let script = quorumlab_sim::scenario::parse(
        "at 5s crash b4
at 40s restart b4
",
    )
    .unwrap();
    let mut c = Cluster::new(seed, lonely_b4());
    for step in &script.steps {
        c.schedule(step.at, &step.action).unwrap();
    }
    let lists = |c: &Cluster, b: u32, id: u32| c.broker(b).unwrap().live_brokers.contains(&id);
    // The narration says what the controller's /brokers/ids watch found.
    let said = |c: &Cluster, key: &str| {
        let mut notes = Vec::new();
        c.notes(0, &mut notes);
        notes.iter().filter(|n| n.key == key && n.args == ["b4"]).count()
    };
    c.run_until(Time::from_secs(4), usize::MAX);
    let joined_at_boot = said(&c, "kafka.brokers_joined");
    assert!((1..=4).all(|b| lists(&c, b, 4)), "every broker knows b4 after the boot");
    // b4's session expires 18 s after it was last heard of (plus the expiry bucket).
    c.run_until(Time::from_secs(30), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    assert!((1..=3).all(|b| !lists(&c, b, 4)), "onBrokerFailure told the others that b4 is gone");
    assert_eq!(said(&c, "kafka.brokers_left"), 1);
    let left = c.summary().metadata_change_latency_ms[boot..].to_vec();
    assert_eq!(left.len(), 1, "{left:?}");
    // The controller's watch event, its getChildren, and the UpdateMetadata: at least 4 hops;
    // no ZooKeeper write in between (b4 was in no ISR).
    assert!((4 * HOP_MIN_MS..200).contains(&left[0]), "{left:?}");
    c.run_until(Time::from_secs(50), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    assert!((1..=4).all(|b| lists(&c, b, 4)), "onBrokerStartup told the others that b4 is back");
    assert_eq!(said(&c, "kafka.brokers_joined"), joined_at_boot + 1);
    let joined = c.summary().metadata_change_latency_ms[boot + 1..].to_vec();
    assert_eq!(joined.len(), 1, "{joined:?}");
    assert!((4 * HOP_MIN_MS..200).contains(&joined[0]), "{joined:?}");
}

#[test]
fn zookeeper_mode_measures_the_brokers_joining_at_boot_as_kraft_does() {
    // Side by side, the two stopwatches count the same kinds of change: KRaft's
    // RegisterBrokerRecords and ZooKeeper's /brokers/ids/N.
    let mut c = Cluster::new(1, Config::default());
    c.run_until(Time::from_secs(4), usize::MAX);
    let zk = c.summary().metadata_change_latency_ms;
    assert_eq!(zk.len(), 3, "{zk:?}");
    assert!(zk.iter().all(|ms| *ms < 1_000), "{zk:?}");
}

/// The model setting `controller.write.us.per.partition` charges the controller's processing
/// of each partition state it writes: a controlled shutdown that writes a few hundred states
/// takes that much longer, and every invariant still holds.
#[test]
fn a_write_cost_per_partition_slows_the_controllers_writes_by_that_much() {
    let shutdown_done_ms = |write_us_per_partition: u64| {
        let config = Config { brokers: 6, partitions: 600, write_us_per_partition, ..Config::default() };
        let mut c = Cluster::new(10, config);
        c.run_until(Time::from_secs(30), usize::MAX);
        let controller = c.summary().controller_history.last().unwrap().node.clone().unwrap();
        let victim: u32 = if controller == "b2" { 3 } else { 2 };
        c.schedule(Time::from_secs(30), &ScenarioAction::Shutdown(b(victim))).unwrap();
        c.run_until(Time::from_secs(60), usize::MAX);
        assert!(c.violations().is_empty(), "{:#?}", c.violations());
        let mut notes = Vec::new();
        c.notes(0, &mut notes);
        let done = notes.iter().find(|n| n.key == "kafka.controlled_shutdown_done" && n.at >= Time::from_secs(30));
        done.map(|n| n.at.as_ms() - 30_000).unwrap()
    };
    let (free, charged) = (shutdown_done_ms(0), shutdown_done_ms(1_000));
    // The victim leads 100 of the 600 partitions (3 replicas on 6 brokers): at least their 100
    // leader elections are written, 1 ms each.
    assert!(charged >= free + 100, "{free} ms, then {charged} ms with 1 ms a partition");
    println!("controlled shutdown: {free} ms free, {charged} ms at 1 ms a partition");
}
