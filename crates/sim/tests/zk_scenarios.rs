//! End-to-end scenarios of ZooKeeper mode through the shared `Cluster` trait.

use quorumlab_sim::cluster::Cluster as _;
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
