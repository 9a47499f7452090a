//! Rule tests of the ZooKeeper-mode Kafka controller, one per rule of `KafkaController.scala`,
//! `PartitionStateMachine.scala`, `ReplicaStateMachine.scala` and `ControllerChannelManager` as
//! the model runs them (issue 22), in the style of etcd-raft's `raft_paper_test.go`: drive the
//! controller through its broker and assert what it asks ZooKeeper, what it sends brokers and
//! what it keeps. `tests.rs` holds the older ones (bounced brokers, failover requests).

use std::rc::Rc;

use super::*;
use crate::world::Output;
use crate::zk::client::{ClientEvent, ConnState};
use crate::zk::kafka::Shutdown;
use crate::zk::kafka::{Broker, Purpose, BROKER_IDS_PATH, CONTROLLER_EPOCH_PATH, TOPICS_PATH};
use crate::zk::msg::{
    isr_bit, ClientOp, ClientPacket, Data, KafkaMsg, Msg, Op, OpResult, PartState, ReadOp, Shared, StateUpdate,
    TopicStates, ZkError, ZkResult, Zxid,
};
use crate::zk::testkit::config;
use crate::zk::{Note, Out, Timer};

// The Kafka requests in `out`, as (recipient broker, message), in order. (Requests to broker 1
// itself are delivered in place and show in its own state instead.)
use super::tests::kafka_sent as sent;

const T1: Time = Time::from_ms(1);

fn us(us: u64) -> Time {
    Time::ZERO.plus_us(us)
}

/// Broker 1 with `cfg`, its ZooKeeper connection up (requests go out as packets to node 0).
fn broker_with(cfg: Config) -> Broker {
    let node = cfg.layout().broker_node(1);
    let mut b = Broker::new(1, node, Rc::new(cfg), 1);
    b.zk.state = ConnState::Connected;
    b
}

fn cfg() -> Config {
    (*config()).clone()
}

/// Broker 1 controls epoch 2 (`/controller_epoch` at zkVersion 5), loaded and idle, with
/// brokers 1–3 live (czxids 10, 20, 30) and topic "t": partition p has replicas
/// `replicas[rf·p..rf·p+rf]` and state `states[p]` at zkVersion 7.
fn active_with(cfg: Config, rf: u32, replicas: Vec<u32>, states: Vec<PartState>) -> Broker {
    let mut b = broker_with(cfg);
    let mut c = Controller::new(2, 5, Time::ZERO);
    c.phase = CtrlPhase::Active;
    c.live = [(1, 10), (2, 20), (3, 30)].into_iter().collect();
    let assignment = Shared::new(Assignment { rf, replicas });
    let states = states.into_iter().map(|state| StateZnode { state, version: 7, mzxid: 0 }).collect();
    c.topics.insert("t".into(), TopicCtx { assignment, states });
    b.controller = Some(Box::new(c));
    b
}

fn active(rf: u32, replicas: Vec<u32>, states: Vec<PartState>) -> Broker {
    active_with(cfg(), rf, replicas, states)
}

fn ctrl(b: &Broker) -> &Controller {
    b.controller.as_deref().expect("broker 1 is the controller")
}

fn ctrl_mut(b: &mut Broker) -> &mut Controller {
    b.controller.as_deref_mut().expect("broker 1 is the controller")
}

fn state(leader: i32, leader_epoch: u32, isr: &[u32]) -> PartState {
    PartState { leader, leader_epoch, controller_epoch: 1, isr: isr.iter().fold(0, |m, b| m | isr_bit(*b)) }
}

/// Run `f` on broker 1's controller handler at `now`: what it output, and the client events
/// (replies, immediate failures) it caused.
fn handle(b: &mut Broker, now: Time, f: impl FnOnce(&mut CtrlHandler<'_>)) -> (Vec<Out>, Vec<ClientEvent>) {
    let (mut out, mut events) = (Vec::new(), Vec::new());
    f(&mut b.ctrl(now, &mut out, &mut events).expect("broker 1 is the controller"));
    (out, events)
}

/// A ZooKeeper reply to one of the controller's requests, through the broker.
fn reply(b: &mut Broker, now: Time, purpose: CtrlPurpose, result: ZkResult, zxid: Zxid) -> Vec<Out> {
    let (mut out, mut events) = (Vec::new(), Vec::new());
    b.on_reply(now, Purpose::Ctrl(purpose), result, zxid, &mut out, &mut events);
    out
}

/// The ZooKeeper requests in `out`, in order.
fn zk_ops(out: &[Out]) -> Vec<ClientOp> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send { msg: Msg::Client { pkt: ClientPacket::Request { op, .. }, .. }, .. } => Some(op.clone()),
            _ => None,
        })
        .collect()
}

fn notes(out: &[Out]) -> Vec<Note> {
    out.iter()
        .filter_map(|o| match o {
            Output::Note(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

fn timers(out: &[Out]) -> Vec<(Timer, Time)> {
    out.iter()
        .filter_map(|o| match o {
            Output::SetTimer { timer, at } => Some((*timer, *at)),
            _ => None,
        })
        .collect()
}

fn um(epoch: u32, live: &[u32], topic: &str, states: Vec<(u32, PartState)>) -> KafkaMsg {
    KafkaMsg::UpdateMetadata {
        controller_epoch: epoch,
        live_brokers: live.to_vec(),
        partitions: Shared::new(vec![TopicStates { topic: topic.into(), states: states.into() }]),
    }
}

fn live_set(epoch: u32, live: &[u32]) -> KafkaMsg {
    KafkaMsg::UpdateMetadata { controller_epoch: epoch, live_brokers: live.to_vec(), partitions: Shared::new(vec![]) }
}

fn lai(epoch: u32, topic: &str, states: Vec<(u32, PartState)>) -> KafkaMsg {
    KafkaMsg::LeaderAndIsr {
        controller_epoch: epoch,
        partitions: Shared::new(vec![TopicStates { topic: topic.into(), states: states.into() }]),
    }
}

/// The multi every controller write is: the epoch check, then the state write.
fn fenced_write(zk_version: u32, op: Op) -> ClientOp {
    ClientOp::Write {
        ops: vec![Op::Check { path: CONTROLLER_EPOCH_PATH.into(), version: zk_version }, op],
        multi: true,
    }
}

fn set_states(updates: Vec<StateUpdate>) -> Op {
    Op::SetStates { topic: "t".into(), updates: Shared::new(updates) }
}

fn committed(failed: Vec<u32>) -> ZkResult {
    Ok(OpResult::Multi(vec![OpResult::Checked, OpResult::StatesSet { failed }]))
}

fn brokers_read(children: &[(u32, Zxid)]) -> ZkResult {
    let children = children.iter().map(|(b, z)| (b.to_string(), *z)).collect();
    Ok(OpResult::Children { children, pzxid: 0 })
}

fn children(names: &[&str]) -> ZkResult {
    Ok(OpResult::Children { children: names.iter().map(|n| (n.to_string(), 0)).collect(), pzxid: 0 })
}

fn assignment(rf: u32, replicas: Vec<u32>) -> ZkResult {
    let data = Data::Assignment(Shared::new(Assignment { rf, replicas }));
    Ok(OpResult::Data { data, stat: crate::zk::tree::Stat::default() })
}

fn znodes(from: u32, states: &[PartState]) -> ZkResult {
    let states = states.iter().map(|s| StateZnode { state: *s, version: 3, mzxid: 9 }).collect();
    Ok(OpResult::States { from, states })
}

fn get_children(path: &str) -> ClientOp {
    ClientOp::Read(ReadOp::GetChildren { path: path.into(), watch: true })
}

fn get_assignment(topic: &str) -> ClientOp {
    ClientOp::Read(ReadOp::GetData { path: format!("{TOPICS_PATH}/{topic}"), watch: false })
}

fn get_states(topic: &str, from: u32, count: u32) -> ClientOp {
    ClientOp::Read(ReadOp::GetStates { topic: topic.into(), from, count })
}

/// Broker 1 has just won epoch 2 at `at` with `cfg`: its controller starts loading.
fn loading(cfg: Config, at: Time) -> (Broker, Vec<Out>) {
    let mut b = broker_with(cfg);
    b.controller = Some(Box::new(Controller::new(2, 5, at)));
    let (out, _) = handle(&mut b, at, |h| h.start_load());
    (b, out)
}

#[test]
fn the_load_reads_brokers_topics_assignments_then_states_in_batches_charged_per_partition() {
    // onControllerFailover → initializeControllerContext: the live brokers and the topics (both
    // with child watches), then each topic's assignment and every partition state, read in
    // batches of `controller.load.batch`; each batch's processing time is charged per partition.
    let cfg = Config { load_batch: 2, load_us_per_partition: 1_000, auto_leader_rebalance: false, ..cfg() };
    let (mut b, out) = loading(cfg, Time::from_ms(1_000));
    assert_eq!(notes(&out), vec![Note::LoadStarted { partitions: 0 }]);
    assert_eq!(zk_ops(&out), vec![get_children(BROKER_IDS_PATH)]);
    assert!(ctrl(&b).busy, "the load is the event thread's first event");
    let at = Time::from_ms(1_010);
    let out = reply(&mut b, at, CtrlPurpose::Brokers, brokers_read(&[(1, 10), (2, 20)]), 0);
    assert_eq!(zk_ops(&out), vec![get_children(TOPICS_PATH)]);
    let out = reply(&mut b, at, CtrlPurpose::Topics, children(&["t", "u"]), 0);
    assert_eq!(zk_ops(&out), vec![get_assignment("t")]);
    let out = reply(&mut b, at, CtrlPurpose::Topic("t".into()), assignment(1, vec![1, 2, 2]), 0);
    assert_eq!(zk_ops(&out), vec![get_states("t", 0, 2)]);
    let t = [state(1, 3, &[1]), state(2, 3, &[2]), state(2, 3, &[2])];
    let states_of = |topic: &str| CtrlPurpose::States { topic: topic.into() };
    let out = reply(&mut b, at, states_of("t"), znodes(0, &t[..2]), 0);
    assert_eq!(timers(&out), vec![(Timer::Load, Time::from_ms(1_012))], "2 partitions × 1 000 µs");
    assert!(zk_ops(&out).is_empty(), "the next batch waits for the processing time");
    let (out, _) = handle(&mut b, Time::from_ms(1_012), |h| h.load_next());
    assert_eq!(zk_ops(&out), vec![get_states("t", 2, 2)]);
    let out = reply(&mut b, Time::from_ms(1_020), states_of("t"), znodes(2, &t[2..]), 0);
    assert_eq!(timers(&out), vec![(Timer::Load, Time::from_ms(1_021))]);
    let (out, _) = handle(&mut b, Time::from_ms(1_021), |h| h.load_next());
    assert_eq!(zk_ops(&out), vec![get_assignment("u")], "t's three partitions are read: next topic");
    let out = reply(&mut b, Time::from_ms(1_030), CtrlPurpose::Topic("u".into()), assignment(1, vec![2, 1]), 0);
    assert_eq!(zk_ops(&out), vec![get_states("u", 0, 2)]);
    let u = [state(2, 3, &[2]), state(1, 3, &[1])];
    reply(&mut b, Time::from_ms(1_040), states_of("u"), znodes(0, &u), 0);
    assert_eq!(ctrl(&b).loaded_partitions, 5);
    let (out, _) = handle(&mut b, Time::from_ms(1_250), |h| h.load_next());
    // Done: 5 partitions in 250 ms. No rebalance timer (disabled), nothing to elect or write.
    assert_eq!(notes(&out)[0], Note::LoadDone { partitions: 5, ms: 250 });
    assert!(timers(&out).is_empty() && zk_ops(&out).is_empty(), "{out:?}");
    let c = ctrl(&b);
    assert_eq!((c.phase, c.busy, c.partitions()), (CtrlPhase::Active, false, 5));
    assert_eq!(c.topics["t"].states[2], StateZnode { state: t[2], version: 3, mzxid: 9 });
    // onControllerFailover: the live set, LeaderAndIsr for b2's replicas, every partition.
    let all = Shared::new(vec![
        TopicStates { topic: "t".into(), states: vec![(0, t[0]), (1, t[1]), (2, t[2])].into() },
        TopicStates { topic: "u".into(), states: vec![(0, u[0]), (1, u[1])].into() },
    ]);
    let mine = Shared::new(vec![
        TopicStates { topic: "t".into(), states: vec![(1, t[1]), (2, t[2])].into() },
        TopicStates { topic: "u".into(), states: vec![(0, u[0])].into() },
    ]);
    assert_eq!(
        sent(&out),
        vec![
            (2, live_set(2, &[1, 2])),
            (2, KafkaMsg::LeaderAndIsr { controller_epoch: 2, partitions: mine }),
            (2, KafkaMsg::UpdateMetadata { controller_epoch: 2, live_brokers: vec![1, 2], partitions: all }),
        ]
    );
    // Broker 1's own replicas and cache, delivered in place.
    assert_eq!(b.replicas["t"].iter().collect::<Vec<_>>(), vec![Some((1, 3))]);
    assert_eq!(b.replicas["u"].iter().collect::<Vec<_>>(), vec![None, Some((1, 3))]);
    assert_eq!((b.live_brokers.clone(), b.metadata_partitions), (vec![1, 2], 5));
}

#[test]
fn the_first_automatic_rebalance_is_five_seconds_after_the_load() {
    // onControllerFailover: scheduleAutoLeaderRebalanceTask(delay = 5 s) when
    // auto.leader.rebalance.enable (the default).
    let (mut b, _) = loading(cfg(), Time::from_ms(100));
    reply(&mut b, Time::from_ms(110), CtrlPurpose::Brokers, brokers_read(&[(1, 10)]), 0);
    let out = reply(&mut b, Time::from_ms(120), CtrlPurpose::Topics, children(&[]), 0);
    assert_eq!(notes(&out), vec![Note::LoadDone { partitions: 0, ms: 20 }]);
    assert_eq!(timers(&out), vec![(Timer::Rebalance, Time::from_ms(5_120))]);
    assert_eq!((ctrl(&b).phase, ctrl(&b).busy), (CtrlPhase::Active, false));
}

#[test]
fn a_topic_without_state_znodes_is_created_once_the_load_is_done() {
    // initializeControllerContext: a topic created while there was no controller has no
    // partition states: its partitions are NewPartition, and onNewPartitionCreation runs after
    // the load. A topic whose znode is gone by the time its assignment is read is skipped.
    let cfg = Config { auto_leader_rebalance: false, ..cfg() };
    let (mut b, _) = loading(cfg, Time::ZERO);
    reply(&mut b, T1, CtrlPurpose::Brokers, brokers_read(&[(1, 10), (2, 20)]), 0);
    let out = reply(&mut b, T1, CtrlPurpose::Topics, children(&["gone", "n"]), 0);
    assert_eq!(zk_ops(&out), vec![get_assignment("gone")]);
    let out = reply(&mut b, T1, CtrlPurpose::Topic("gone".into()), Err(ZkError::NoNode), 0);
    assert_eq!(zk_ops(&out), vec![get_assignment("n")], "skipped");
    reply(&mut b, T1, CtrlPurpose::Topic("n".into()), assignment(2, vec![2, 1]), 0);
    let at = Time::from_ms(2);
    let out = reply(&mut b, at, CtrlPurpose::States { topic: "n".into() }, Err(ZkError::NoNode), 0);
    assert_eq!(timers(&out), vec![(Timer::Load, at)], "nothing read, nothing charged");
    assert!(ctrl(&b).topics.is_empty() && ctrl(&b).phase == CtrlPhase::Loading);
    let (out, _) = handle(&mut b, at, |h| h.load_next());
    assert_eq!(notes(&out)[0], Note::LoadDone { partitions: 0, ms: 2 });
    assert_eq!(zk_ops(&out), vec![get_assignment("n")], "onNewPartitionCreation reads it again");
    assert!(ctrl(&b).busy, "the creation is part of the failover event");
}

#[test]
fn a_load_step_left_over_from_an_earlier_load_does_nothing_once_active() {
    // initializeControllerContext runs once per load: a `Timer::Load` that fires after the
    // load ended does nothing.
    let mut b = active(1, vec![2], vec![state(2, 1, &[2])]);
    ctrl_mut(&mut b).to_load.push_back("t".into());
    let (out, _) = handle(&mut b, T1, |h| h.load_next());
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(ctrl(&b).phase, CtrlPhase::Active);
}

#[test]
fn the_event_thread_waits_while_busy_loading_or_disconnected() {
    // ControllerEventManager: one event at a time, none before the load is done (domain.md
    // §2.6: no partition leader election until then), none without a ZooKeeper connection.
    let mut b = active(1, vec![2], vec![state(2, 1, &[2])]);
    ctrl_mut(&mut b).enqueue(CtrlEvent::BrokerChange);
    ctrl_mut(&mut b).busy = true;
    let (out, _) = handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Idle));
    assert!(out.is_empty());
    ctrl_mut(&mut b).busy = false;
    ctrl_mut(&mut b).phase = CtrlPhase::Loading;
    handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Idle));
    ctrl_mut(&mut b).phase = CtrlPhase::Active;
    b.zk.state = ConnState::Disconnected;
    handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Idle));
    assert_eq!(ctrl(&b).queue.len(), 1, "the event still waits");
    b.zk.state = ConnState::Connected;
    let (out, _) = handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Started));
    assert_eq!(zk_ops(&out), vec![get_children(BROKER_IDS_PATH)]);
    assert!(ctrl(&b).busy && ctrl(&b).queue.is_empty());
    handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Idle));
}

#[test]
fn a_change_already_waiting_is_not_queued_twice_and_changes_reread_with_a_watch() {
    // KafkaController.processBrokerChange / processTopicChange: each watch fire queues its
    // event once (a second fire while it waits adds nothing): the handler re-reads the
    // children and re-arms the one-shot watch (§2.3).
    let mut b = active(1, vec![2], vec![state(2, 1, &[2])]);
    let c = ctrl_mut(&mut b);
    c.enqueue(CtrlEvent::TopicChange);
    c.enqueue(CtrlEvent::BrokerChange);
    c.enqueue(CtrlEvent::TopicChange);
    assert_eq!(c.queue, vec![CtrlEvent::TopicChange, CtrlEvent::BrokerChange]);
    let (out, _) = handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Started));
    assert_eq!(zk_ops(&out), vec![get_children(TOPICS_PATH)]);
}

#[test]
fn on_broker_failure_the_dead_brokers_leaderships_move_and_isrs_shrink_in_one_fenced_write() {
    // processBrokerChange → onBrokerFailure: b3's znode is gone. p1 (led by b3) goes
    // OfflinePartition → OnlinePartition with the first live ISR replica (b2); b3 leaves p0's
    // ISR (OfflineReplica). Each new state has leader epoch + 1 and this controller's epoch, in
    // one multi with a CheckOp on /controller_epoch's zkVersion (KAFKA-6082).
    let mut b = active(2, vec![2, 3, 3, 2], vec![state(2, 4, &[2, 3]), state(3, 6, &[3, 2])]);
    ctrl_mut(&mut b).shutting_down.insert(3);
    ctrl_mut(&mut b).busy = true;
    let out = reply(&mut b, T1, CtrlPurpose::Brokers, brokers_read(&[(1, 10), (2, 20)]), 0);
    assert_eq!(notes(&out), vec![Note::BrokerChange { joined: vec![], left: vec![3], bounced: vec![] }]);
    let p0 = PartState { leader: 2, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(2) };
    let p1 = PartState { leader: 2, leader_epoch: 7, controller_epoch: 2, isr: isr_bit(2) };
    let updates = vec![
        StateUpdate { partition: 0, state: p0, expected_version: 7 },
        StateUpdate { partition: 1, state: p1, expected_version: 7 },
    ];
    assert_eq!(zk_ops(&out), vec![fenced_write(5, set_states(updates.clone()))]);
    assert!(sent(&out).is_empty(), "brokers hear of it once it is written");
    assert!(!ctrl(&b).shutting_down.contains(&3), "a dead broker is no longer shutting down");
    // Committed: LeaderAndIsr to the surviving replica, UpdateMetadata to every live broker.
    let out = reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, committed(vec![]), 40);
    let note = Note::StatesWritten { controller_epoch: 2, zxid: 40, topic: "t".into(), updates: Shared::new(updates) };
    assert_eq!(notes(&out)[0], note);
    assert_eq!(
        sent(&out),
        vec![(2, lai(2, "t", vec![(0, p0), (1, p1)])), (2, um(2, &[1, 2], "t", vec![(0, p0), (1, p1)]))]
    );
    assert_eq!(b.live_brokers, vec![1, 2], "the controller's own broker too");
    let c = ctrl(&b);
    // The context holds the written states at their new zkVersion.
    assert_eq!(c.topics["t"].states[1], StateZnode { state: p1, version: 8, mzxid: 40 });
    assert!(!c.busy && c.writes.len() == 0, "the event is done");
}

#[test]
fn on_broker_failure_with_nothing_to_elect_the_live_set_goes_out_when_the_event_ends() {
    // KAFKA-13225: b3 hosted no replica, so no partition state changes: onBrokerFailure's last
    // step sends UpdateMetadata with the live brokers to every live broker.
    let mut b = active(2, vec![1, 2], vec![state(1, 4, &[1, 2])]);
    ctrl_mut(&mut b).busy = true;
    let out = reply(&mut b, T1, CtrlPurpose::Brokers, brokers_read(&[(1, 10), (2, 20)]), 0);
    assert!(zk_ops(&out).is_empty() && sent(&out).is_empty(), "{out:?}");
    assert!(!ctrl(&b).busy);
    let (out, _) = handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Announced));
    assert_eq!(sent(&out), vec![(2, live_set(2, &[1, 2]))]);
    assert_eq!(b.live_brokers, vec![1, 2]);
    let (out, _) = handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Idle));
    assert!(out.is_empty(), "announced once");
}

#[test]
fn on_broker_failure_that_changes_a_state_does_not_announce_the_live_set_again() {
    // KafkaController.onBrokerFailure (KAFKA-13225): the changed partitions' UpdateMetadata
    // already carries the live set.
    let mut b = active(2, vec![3, 2], vec![state(3, 4, &[3, 2])]);
    ctrl_mut(&mut b).busy = true;
    reply(&mut b, T1, CtrlPurpose::Brokers, brokers_read(&[(1, 10), (2, 20)]), 0);
    reply(&mut b, T1, CtrlPurpose::Write, committed(vec![]), 40);
    handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Idle));
}

#[test]
fn on_broker_startup_the_others_learn_the_new_broker_and_it_gets_full_metadata() {
    // onBrokerStartup: UpdateMetadata without partitions to the existing brokers; to the new
    // one, UpdateMetadata with every partition, then LeaderAndIsr for its replicas; its
    // partitions' UpdateMetadata to every live broker. Its replica rejoins the ISR (the
    // model's stand-in for catch-up) without a new leader epoch.
    let p0 = state(2, 4, &[2]);
    let p1 = state(2, 2, &[2]);
    let mut b = active(1, vec![2, 2], vec![p0, p1]);
    if let Some(t) = ctrl_mut(&mut b).topics.get_mut("t") {
        t.assignment = Shared::new(Assignment { rf: 2, replicas: vec![2, 3, 2, 1] });
    }
    ctrl_mut(&mut b).live.remove(&3);
    ctrl_mut(&mut b).busy = true;
    let out = reply(&mut b, T1, CtrlPurpose::Brokers, brokers_read(&[(1, 10), (2, 20), (3, 30)]), 0);
    assert_eq!(notes(&out)[0], Note::BrokerChange { joined: vec![3], left: vec![], bounced: vec![] });
    assert_eq!(
        sent(&out),
        vec![
            (2, live_set(2, &[1, 2, 3])),
            (3, um(2, &[1, 2, 3], "t", vec![(0, p0), (1, p1)])),
            (3, lai(2, "t", vec![(0, p0)])),
            (2, um(2, &[1, 2, 3], "t", vec![(0, p0)])),
            (3, um(2, &[1, 2, 3], "t", vec![(0, p0)])),
        ]
    );
    let grown0 = PartState { isr: isr_bit(2) | isr_bit(3), controller_epoch: 2, ..p0 };
    let grown1 = PartState { isr: isr_bit(2) | isr_bit(1), controller_epoch: 2, ..p1 };
    let updates = vec![
        StateUpdate { partition: 0, state: grown0, expected_version: 7 },
        StateUpdate { partition: 1, state: grown1, expected_version: 7 },
    ];
    assert_eq!(zk_ops(&out), vec![fenced_write(5, set_states(updates))]);
}

#[test]
fn a_controlled_shutdown_moves_leadership_away_and_answers_once_written() {
    // KafkaController.doControlledShutdown (§2.5): for the partitions b2 leads, the first live
    // ISR replica not shutting down; b2 leaves every ISR it is in; both states get a new leader
    // epoch; then the answer, with the leaderships b2 still has (none).
    let mut b = active(2, vec![2, 3, 3, 2], vec![state(2, 4, &[2, 3]), state(3, 6, &[3, 2])]);
    ctrl_mut(&mut b).enqueue(CtrlEvent::ControlledShutdown { broker: 2 });
    let (out, _) = handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Started));
    let p0 = PartState { leader: 3, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(3) };
    let p1 = PartState { leader: 3, leader_epoch: 7, controller_epoch: 2, isr: isr_bit(3) };
    let updates = vec![
        StateUpdate { partition: 0, state: p0, expected_version: 7 },
        StateUpdate { partition: 1, state: p1, expected_version: 7 },
    ];
    assert_eq!(zk_ops(&out), vec![fenced_write(5, set_states(updates))]);
    assert!(ctrl(&b).shutting_down.contains(&2));
    let out = reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, committed(vec![]), 40);
    let both = vec![(0, p0), (1, p1)];
    assert_eq!(
        sent(&out),
        vec![
            (2, lai(2, "t", both.clone())),
            (3, lai(2, "t", both.clone())),
            (2, um(2, &[1, 2, 3], "t", both.clone())),
            (3, um(2, &[1, 2, 3], "t", both)),
            (2, KafkaMsg::ControlledShutdownResponse { ok: true, remaining: 0 }),
        ]
    );
}

#[test]
fn a_controlled_shutdown_leaves_a_partition_no_in_sync_replica_can_take_over() {
    // KafkaController.doControlledShutdown: ControlledShutdownPartitionLeaderElectionStrategy
    // picks a live ISR replica that is not shutting down; with none (b2 is p0's sole ISR
    // member) the election fails and b2 keeps leading, even with unclean election enabled (b3
    // is live but out of the ISR). Nothing is written; the answer counts the leadership left,
    // and b2 retries (§2.5).
    let cfg = Config { unclean_leader_election: true, ..cfg() };
    let mut b = active_with(cfg, 2, vec![2, 3], vec![state(2, 4, &[2])]);
    ctrl_mut(&mut b).enqueue(CtrlEvent::ControlledShutdown { broker: 2 });
    let (out, _) = handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Started));
    assert!(zk_ops(&out).is_empty(), "{out:?}");
    assert_eq!(sent(&out), vec![(2, KafkaMsg::ControlledShutdownResponse { ok: false, remaining: 1 })]);
    assert!(!ctrl(&b).busy);
    // A later broker change leaves it too: the leader is alive, only shutting down.
    ctrl_mut(&mut b).busy = true;
    let out = reply(&mut b, T1, CtrlPurpose::Brokers, brokers_read(&[(1, 10), (2, 20), (3, 30)]), 0);
    assert!(zk_ops(&out).is_empty(), "{out:?}");
}

#[test]
fn a_controlled_shutdown_whose_write_fails_is_answered_with_the_leaderships_left() {
    // KafkaController.doControlledShutdown answers with partitionLeadersOnBroker: the move of
    // p0 to b3 fails, b2 still leads it, so the answer says so and b2 will retry.
    let mut b = active(2, vec![2, 3], vec![state(2, 4, &[2, 3])]);
    ctrl_mut(&mut b).enqueue(CtrlEvent::ControlledShutdown { broker: 2 });
    let (out, _) = handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Started));
    let p0 = PartState { leader: 3, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(3) };
    let updates = vec![StateUpdate { partition: 0, state: p0, expected_version: 7 }];
    assert_eq!(zk_ops(&out), vec![fenced_write(5, set_states(updates))]);
    let out = reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, Err(ZkError::NoNode), 0);
    assert_eq!(sent(&out), vec![(2, KafkaMsg::ControlledShutdownResponse { ok: false, remaining: 1 })]);
    assert!(!ctrl(&b).busy && ctrl(&b).writes.len() == 0, "a failed write ends the event");
}

#[test]
fn an_unclean_election_gives_a_dead_leaders_partition_to_the_first_live_replica() {
    // PartitionStateMachine (unclean.leader.election.enable): no live ISR replica, so the
    // first live replica in assignment order leads, alone in the ISR.
    let cfg = Config { unclean_leader_election: true, ..cfg() };
    let mut b = active_with(cfg, 3, vec![3, 4, 2], vec![state(3, 4, &[3, 4])]);
    ctrl_mut(&mut b).busy = true;
    let out = reply(&mut b, T1, CtrlPurpose::Brokers, brokers_read(&[(1, 10), (2, 20)]), 0);
    let p0 = PartState { leader: 2, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(2) };
    let updates = vec![StateUpdate { partition: 0, state: p0, expected_version: 7 }];
    assert_eq!(zk_ops(&out), vec![fenced_write(5, set_states(updates))]);
}

#[test]
fn the_controllers_own_controlled_shutdown_is_granted_in_place() {
    // KafkaServer.controlledShutdown on the controller's broker asks itself: nothing goes over
    // the network, and with no leadership left its shutdown is granted (the broker then closes
    // its session).
    let mut b = active(2, vec![1, 2], vec![state(1, 4, &[1, 2])]);
    b.shutting_down = Some(Shutdown::Asking { attempts: 0 });
    ctrl_mut(&mut b).enqueue(CtrlEvent::ControlledShutdown { broker: 1 });
    handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Started));
    let out = reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, committed(vec![]), 40);
    assert!(sent(&out).iter().all(|(_, m)| !matches!(m, KafkaMsg::ControlledShutdownResponse { .. })));
    assert_eq!(b.shutting_down, Some(Shutdown::Granted));
}

#[test]
fn the_controllers_own_controlled_shutdown_waits_while_it_still_leads() {
    // KafkaServer.controlledShutdown: its write failed, broker 1 still leads p0, so its
    // shutdown is not granted (it retries).
    let mut b = active(2, vec![1, 2], vec![state(1, 4, &[1, 2])]);
    b.shutting_down = Some(Shutdown::Asking { attempts: 0 });
    ctrl_mut(&mut b).enqueue(CtrlEvent::ControlledShutdown { broker: 1 });
    handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Started));
    reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, Err(ZkError::NoNode), 0);
    assert_eq!(b.shutting_down, Some(Shutdown::Asking { attempts: 0 }));
}

#[test]
fn a_new_topics_partitions_are_created_led_by_their_first_live_replica() {
    // onNewPartitionCreation: NewPartition → OnlinePartition. The first live replica leads at
    // leader epoch 0, the live replicas form the ISR; the states are created in one fenced
    // multi; then LeaderAndIsr to the live replicas and UpdateMetadata to every live broker.
    let mut b = active(1, vec![2], vec![state(2, 1, &[2])]);
    ctrl_mut(&mut b).live.remove(&3);
    ctrl_mut(&mut b).enqueue(CtrlEvent::TopicChange);
    handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Started));
    let out = reply(&mut b, T1, CtrlPurpose::Topics, children(&["t", "u"]), 0);
    assert_eq!(zk_ops(&out), vec![get_assignment("u")], "only the topic the controller does not know");
    let out = reply(&mut b, T1, CtrlPurpose::Topic("u".into()), assignment(2, vec![3, 2, 3, 1, 3, 3]), 0);
    let s = |leader, isr| PartState { leader, leader_epoch: 0, controller_epoch: 2, isr };
    let states = vec![s(2, isr_bit(2)), s(1, isr_bit(1)), s(-1, 0)];
    let create = Op::CreateStates { topic: "u".into(), states: Shared::new(states.clone()) };
    assert_eq!(zk_ops(&out), vec![fenced_write(5, create)]);
    let created = Ok(OpResult::Multi(vec![OpResult::Checked, OpResult::StatesCreated]));
    let out = reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, created, 50);
    assert_eq!(
        notes(&out)[..2],
        [
            Note::StatesCreated {
                controller_epoch: 2,
                zxid: 50,
                topic: "u".into(),
                states: Shared::new(states.clone())
            },
            Note::TopicCreated { topic: "u".into(), partitions: 3 },
        ]
    );
    let all: Vec<(u32, PartState)> = states.iter().copied().enumerate().map(|(p, s)| (p as u32, s)).collect();
    assert_eq!(sent(&out), vec![(2, lai(2, "u", vec![all[0]])), (2, um(2, &[1, 2], "u", all.clone()))]);
    assert_eq!(b.replicas["u"].iter().collect::<Vec<_>>(), vec![None, Some((1, 0))], "b1 leads p1");
    let c = ctrl(&b);
    assert_eq!(c.topics["u"].states[2], StateZnode { state: states[2], version: 0, mzxid: 50 });
    assert!(!c.busy);
}

#[test]
fn a_topic_gone_before_its_assignment_is_read_is_skipped() {
    // KafkaController.processTopicChange: a topic deleted before its assignment is read has
    // nothing to create; with none left the event ends.
    let mut b = active(1, vec![2], vec![state(2, 1, &[2])]);
    ctrl_mut(&mut b).enqueue(CtrlEvent::TopicChange);
    handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Started));
    reply(&mut b, T1, CtrlPurpose::Topics, children(&["t", "u", "v"]), 0);
    let out = reply(&mut b, T1, CtrlPurpose::Topic("u".into()), Err(ZkError::NoNode), 0);
    assert_eq!(zk_ops(&out), vec![get_assignment("v")]);
    let out = reply(&mut b, T1, CtrlPurpose::Topic("v".into()), Err(ZkError::NoNode), 0);
    assert!(zk_ops(&out).is_empty() && !ctrl(&b).busy, "nothing to create: the event is done");
    assert_eq!(ctrl(&b).topics.keys().collect::<Vec<_>>(), vec!["t"]);
}

#[test]
fn the_preferred_replica_election_gives_leadership_back_to_a_live_in_sync_preferred_replica() {
    // Auto leader rebalance: the preferred replica (first in the assignment) leads again when
    // it is alive, not shutting down and in the ISR; leader epoch + 1, ISR unchanged.
    let replicas = vec![1, 2, 2, 3, 3, 1, 2, 1, 4, 2];
    let states = vec![
        state(2, 4, &[1, 2]), // → b1
        state(3, 4, &[3]),    // b2 is out of the ISR
        state(1, 4, &[1, 3]), // b3 is shutting down
        state(2, 4, &[1, 2]), // b2 already leads
        state(2, 4, &[2, 4]), // b4 is not alive (its last ISR place kept)
    ];
    let mut b = active(2, replicas, states);
    ctrl_mut(&mut b).shutting_down.insert(3);
    ctrl_mut(&mut b).enqueue(CtrlEvent::PreferredReplicaElection);
    let (out, _) = handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Started));
    let p0 = PartState { leader: 1, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(1) | isr_bit(2) };
    let updates = vec![StateUpdate { partition: 0, state: p0, expected_version: 7 }];
    assert_eq!(zk_ops(&out), vec![fenced_write(5, set_states(updates))]);
}

#[test]
fn with_no_imbalance_the_preferred_replica_election_writes_nothing() {
    // KafkaController.checkAndTriggerAutoLeaderRebalance: every partition is led by its
    // preferred replica, so nothing is elected and the event ends.
    let mut b = active(2, vec![2, 1], vec![state(2, 4, &[1, 2])]);
    ctrl_mut(&mut b).enqueue(CtrlEvent::PreferredReplicaElection);
    let (out, _) = handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Started));
    assert!(zk_ops(&out).is_empty() && !ctrl(&b).busy, "{out:?}");
}

/// b3 died leading both partitions of "t" and p0 of "u": the broker change is read, and the
/// first write (t's) is out.
fn b3_died_leading_two_topics(cfg: Config) -> (Broker, Vec<Out>) {
    let mut b = active_with(cfg, 2, vec![3, 2, 3, 2], vec![state(3, 4, &[3, 2]), state(3, 6, &[3, 2])]);
    let u = TopicCtx {
        assignment: Shared::new(Assignment { rf: 2, replicas: vec![3, 1] }),
        states: vec![StateZnode { state: state(3, 1, &[1, 3]), version: 2, mzxid: 0 }],
    };
    ctrl_mut(&mut b).topics.insert("u".into(), u);
    ctrl_mut(&mut b).busy = true;
    let out = reply(&mut b, T1, CtrlPurpose::Brokers, brokers_read(&[(1, 10), (2, 20)]), 0);
    (b, out)
}

fn moved_to(leader: i32, leader_epoch: u32) -> PartState {
    PartState { leader, leader_epoch, controller_epoch: 2, isr: isr_bit(leader as u32) }
}

#[test]
fn the_controller_writes_one_multi_at_a_time_in_order() {
    // ControllerEventManager: the event thread waits on each ZooKeeper write, so the
    // controller's writes go out one by one; each reply sends the next.
    let (mut b, out) = b3_died_leading_two_topics(cfg());
    let t = vec![
        StateUpdate { partition: 0, state: moved_to(2, 5), expected_version: 7 },
        StateUpdate { partition: 1, state: moved_to(2, 7), expected_version: 7 },
    ];
    assert_eq!(zk_ops(&out), vec![fenced_write(5, set_states(t))]);
    assert_eq!(ctrl(&b).writes.len(), 2);
    let (out, _) = handle(&mut b, T1, |h| h.start_writes());
    assert!(zk_ops(&out).is_empty(), "t's write is in flight: {out:?}");
    let out = reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, committed(vec![]), 40);
    let u = vec![StateUpdate { partition: 0, state: moved_to(1, 2), expected_version: 2 }];
    let u = Op::SetStates { topic: "u".into(), updates: Shared::new(u) };
    assert_eq!(zk_ops(&out), vec![fenced_write(5, u)]);
    assert!(ctrl(&b).busy);
    let out = reply(&mut b, Time::from_ms(3), CtrlPurpose::Write, committed(vec![]), 41);
    assert!(zk_ops(&out).is_empty() && !ctrl(&b).busy);
    // A reply with no write in flight (a stale one) changes nothing.
    let out = reply(&mut b, Time::from_ms(4), CtrlPurpose::Write, committed(vec![]), 42);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn each_write_waits_for_its_processing_time_per_partition() {
    // The model setting controller.write.us.per.partition: the write goes out once its
    // partitions' processing time is up (one timer per write); a timer left over from before
    // a reload sends nothing.
    let cfg = Config { write_us_per_partition: 300, ..cfg() };
    let (mut b, out) = b3_died_leading_two_topics(cfg);
    assert!(zk_ops(&out).is_empty());
    assert_eq!(timers(&out), vec![(Timer::WriteCost, us(1_600))], "2 partitions × 300 µs");
    let (out, _) = handle(&mut b, us(1_000), |h| h.start_writes());
    assert!(out.is_empty(), "still charging: {out:?}");
    let (out, _) = handle(&mut b, us(1_600), |h| h.write_charged());
    assert_eq!(zk_ops(&out).len(), 1, "{out:?}");
    assert!(timers(&out).is_empty());
    let (out, _) = handle(&mut b, us(1_700), |h| h.write_charged());
    assert!(out.is_empty(), "no write was being charged: {out:?}");
    // The reply: u's write (one partition) is charged in turn.
    let out = reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, committed(vec![]), 40);
    assert!(zk_ops(&out).is_empty());
    assert_eq!(timers(&out), vec![(Timer::WriteCost, us(2_300))]);
}

#[test]
fn a_state_written_by_someone_else_makes_the_controller_reload() {
    // Each state is written conditionally on its zkVersion: p1's no longer matched (someone
    // else wrote it). p0's write stands and goes out; then the whole state is read again
    // (the model's simplification) and the writes still planned are dropped.
    let (mut b, _) = b3_died_leading_two_topics(cfg());
    let out = reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, committed(vec![1]), 40);
    let p0 = moved_to(2, 5);
    let ok = vec![StateUpdate { partition: 0, state: p0, expected_version: 7 }];
    assert_eq!(
        notes(&out)[..2],
        [
            Note::StatesWritten { controller_epoch: 2, zxid: 40, topic: "t".into(), updates: Shared::new(ok) },
            Note::LoadStarted { partitions: 0 },
        ]
    );
    assert_eq!(sent(&out), vec![(2, lai(2, "t", vec![(0, p0)])), (2, um(2, &[1, 2], "t", vec![(0, p0)]))]);
    assert_eq!(zk_ops(&out), vec![get_children(BROKER_IDS_PATH)], "u's write is dropped");
    let c = ctrl(&b);
    assert_eq!((c.phase, c.busy, c.writes.len()), (CtrlPhase::Loading, true, 0));
    assert!(c.topics.is_empty());
}

#[test]
fn a_lost_connection_drops_the_writes_and_reloads_once_connected() {
    // KafkaZkClient.retryRequestsUntilConnected: a request failed with CONNECTIONLOSS (or the
    // session expired): what was in progress is dropped; once the session is connected again
    // the controller reads the whole state.
    for lost in [ZkError::ConnectionLoss, ZkError::SessionExpired] {
        let (mut b, _) = b3_died_leading_two_topics(cfg());
        let out = reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, Err(lost), 0);
        assert!(out.is_empty(), "{out:?}");
        let c = ctrl(&b);
        assert_eq!((c.phase, c.busy, c.writes.len()), (CtrlPhase::Reload, false, 0), "{lost:?}");
        handle(&mut b, T1, |h| assert_eq!(h.next_event(), Pumped::Idle));
        b.registered = true;
        let (mut out, mut events) = (Vec::new(), Vec::new());
        b.on_zk_event(Time::from_ms(3), ClientEvent::Connected { new_session: false }, &mut out, &mut events);
        assert_eq!(notes(&out), vec![Note::LoadStarted { partitions: 0 }]);
        assert_eq!(zk_ops(&out).last(), Some(&get_children(BROKER_IDS_PATH)));
        assert_eq!((ctrl(&b).phase, ctrl(&b).busy), (CtrlPhase::Loading, true));
    }
}

#[test]
fn a_lost_connection_during_a_bounce_brings_the_bounced_broker_back_in_its_new_session() {
    // b2 restarted (czxid 20 → 25) and leads p0: it is out of the live set while its
    // leadership moves. The connection breaks under that write: b2 is live again, and the
    // reload will tell every broker.
    let mut b = active(2, vec![2, 3], vec![state(2, 4, &[2, 3])]);
    ctrl_mut(&mut b).busy = true;
    reply(&mut b, T1, CtrlPurpose::Brokers, brokers_read(&[(1, 10), (2, 25), (3, 30)]), 0);
    assert_eq!(ctrl(&b).live.keys().copied().collect::<Vec<_>>(), vec![1, 3]);
    reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, Err(ZkError::ConnectionLoss), 0);
    let c = ctrl(&b);
    assert_eq!(c.live.get(&2), Some(&25));
    assert!(c.bounced.is_empty());
}

#[test]
fn a_failed_read_ends_nothing_but_a_lost_connection_reloads() {
    // KafkaController.processBrokerChange: a read of /brokers/ids that fails for another
    // reason is ignored (the watch fires again).
    let mut b = active(1, vec![2], vec![state(2, 1, &[2])]);
    ctrl_mut(&mut b).busy = true;
    let out = reply(&mut b, T1, CtrlPurpose::Brokers, Err(ZkError::NoNode), 0);
    assert!(out.is_empty());
    assert_eq!((ctrl(&b).phase, ctrl(&b).live.len()), (CtrlPhase::Active, 3));
    let out = reply(&mut b, T1, CtrlPurpose::Topics, Err(ZkError::NoNode), 0);
    assert!(out.is_empty());
    reply(&mut b, T1, CtrlPurpose::Brokers, Err(ZkError::ConnectionLoss), 0);
    assert_eq!(ctrl(&b).phase, CtrlPhase::Reload);
}

#[test]
fn a_controller_fenced_by_a_newer_epoch_says_so_and_resigns() {
    // KAFKA-6082: the CheckOp on /controller_epoch failed (BADVERSION): a newer controller
    // exists. This one resigns and watches /controller to learn who it is.
    let (mut b, _) = b3_died_leading_two_topics(cfg());
    let out = reply(&mut b, Time::from_ms(2), CtrlPurpose::Write, Err(ZkError::BadVersion), 0);
    assert_eq!(
        notes(&out),
        vec![Note::Fenced { broker: 1, epoch: 2 }, Note::ControllerResigned { broker: 1, epoch: 2 }]
    );
    assert!(sent(&out).is_empty() && b.controller.is_none());
    let exists = ClientOp::Read(ReadOp::Exists { path: crate::zk::kafka::CONTROLLER_PATH.into(), watch: true });
    assert_eq!(zk_ops(&out), vec![exists]);
}
