//! Rule tests of the controller: fencing, broker changes with bounced brokers, ISR changes,
//! failover requests, offline partitions.

use super::*;
use crate::world::Output;
use crate::zk::client::ClientEvent;
use crate::zk::kafka::{Broker, Purpose};
use crate::zk::msg::{isr_bit, KafkaMsg, Msg, OpResult, PartState, Shared, StateUpdate, ZkError, ZkResult, Zxid};
use crate::zk::testkit::config;
use crate::zk::{Note, Out};

/// New leaders and ISRs, as a broker change plans them.
fn plan_elections(b: &mut Broker) {
    let unclean = b.cfg.unclean_leader_election;
    b.controller.as_mut().unwrap().plan_elections(unclean, &SortedSet::new());
}

fn broker(id: u32) -> Broker {
    let cfg = config();
    let node = cfg.layout().broker_node(id);
    Broker::new(id, node, cfg, 1)
}

#[test]
fn a_controller_whose_epoch_check_fails_is_fenced_and_resigns() {
    let mut b = broker(1);
    let mut c = Controller::new(3, 3, Time::ZERO);
    c.phase = CtrlPhase::Active;
    let updates = Shared::new(vec![StateUpdate { partition: 0, state: PartState::default(), expected_version: 0 }]);
    c.writes.push_back(Write::Set { topic: "t".into(), updates });
    c.busy = true;
    b.controller = Some(Box::new(c));
    let mut out = Vec::new();
    let mut events = Vec::new();
    // KAFKA-6082: the CheckOp on /controller_epoch's zkVersion failed: BADVERSION.
    let purpose = Purpose::Ctrl(CtrlPurpose::Write);
    b.on_reply(Time::from_ms(1), purpose, Err(ZkError::BadVersion), 0, &mut out, &mut events);
    assert_eq!(out[0], Output::Note(Note::Fenced { broker: 1, epoch: 3 }));
    assert_eq!(out[1], Output::Note(Note::ControllerResigned { broker: 1, epoch: 3 }));
    assert!(b.controller.is_none());
}

/// Broker 1 controls brokers 1–3 (czxids 10, 20, 30); `states` for topic "t", whose
/// partition p has replicas `replicas[2p..2p+2]`.
fn controlling(replicas: Vec<u32>, states: Vec<PartState>) -> Broker {
    let mut b = broker(1);
    let mut c = Controller::new(2, 2, Time::ZERO);
    c.phase = CtrlPhase::Active;
    c.busy = true;
    c.live = [(1, 10), (2, 20), (3, 30)].into_iter().collect();
    let assignment = Shared::new(Assignment { rf: 2, replicas });
    let states = states.into_iter().map(|state| StateZnode { state, version: 7, mzxid: 0 }).collect();
    c.topics.insert("t".into(), TopicCtx { assignment, states });
    b.controller = Some(Box::new(c));
    b
}

/// The Kafka requests in `out`, as (recipient broker, message), in order.
pub(super) fn kafka_sent(out: &[Out]) -> Vec<(u32, KafkaMsg)> {
    let cfg = config();
    out.iter()
        .filter_map(|o| match o {
            Output::Send { to, msg: Msg::Kafka(m) } => {
                let b = (1..=cfg.brokers as u32).find(|b| cfg.layout().broker_node(*b) == *to)?;
                Some((b, m.clone()))
            }
            _ => None,
        })
        .collect()
}

fn update_metadata(m: &KafkaMsg) -> Option<(Vec<u32>, usize)> {
    match m {
        KafkaMsg::UpdateMetadata { live_brokers, partitions, .. } => Some((live_brokers.clone(), partitions.len())),
        _ => None,
    }
}

fn brokers_read(children: &[(u32, Zxid)]) -> ZkResult {
    let children = children.iter().map(|(b, z)| (b.to_string(), *z)).collect();
    Ok(OpResult::Children { children, pzxid: 0 })
}

/// b2 leads p0 (replicas [2, 3], ISR {2, 3}, leader epoch 4) and comes back with czxid 25:
/// the controller has read /brokers/ids.
fn b2_bounces_while_leading() -> (Broker, Vec<Out>, Vec<ClientEvent>) {
    let led_by_2 = PartState { leader: 2, leader_epoch: 4, controller_epoch: 1, isr: isr_bit(2) | isr_bit(3) };
    let mut b = controlling(vec![2, 3], vec![led_by_2]);
    let (mut out, mut events) = (Vec::new(), Vec::new());
    b.ctrl(Time::from_ms(1), &mut out, &mut events).unwrap().on_brokers(brokers_read(&[(1, 10), (2, 25), (3, 30)]));
    (b, out, events)
}

#[test]
fn a_bounced_broker_loses_its_leaderships_before_it_starts_again() {
    // processBrokerChange: b2's znode has a larger czxid (25 > 20), so b2 restarted between
    // two reads. Kafka runs onBrokerFailure for it, then onBrokerStartup.
    let (mut b, out, mut events) = b2_bounces_while_leading();
    let c = b.controller.as_ref().unwrap();
    assert_eq!(c.live.keys().copied().collect::<Vec<_>>(), vec![1, 3], "b2 is out of the live set meanwhile");
    let Some(Write::Set { updates, .. }) = c.writes.front() else { panic!("no election planned") };
    // OfflinePartition → OnlinePartition: b3, the next live ISR replica; b2 leaves the ISR.
    let moved = PartState { leader: 3, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(3) };
    assert_eq!(updates.to_vec(), vec![StateUpdate { partition: 0, state: moved, expected_version: 7 }]);
    assert!(kafka_sent(&out).is_empty(), "nothing is sent before the election is written: {out:?}");
    let said = Note::BrokerChange { joined: vec![], left: vec![], bounced: vec![2] };
    assert!(out.contains(&Output::Note(said)), "{out:?}");

    let mut out = Vec::new();
    let written = Ok(OpResult::Multi(vec![OpResult::Checked, OpResult::StatesSet { failed: vec![] }]));
    b.on_reply(Time::from_ms(2), Purpose::Ctrl(CtrlPurpose::Write), written, 40, &mut out, &mut events);
    let sent = kafka_sent(&out);
    let to = |r: u32| sent.iter().filter(|(b, _)| *b == r).map(|(_, m)| m.clone()).collect::<Vec<_>>();
    // b3: the new leadership, the UpdateMetadata without b2, then the one that lists b2 again,
    // then b2's replicas' partitions (OnlineReplica's UpdateMetadata to every live broker).
    let to_3 = to(3);
    assert!(matches!(&to_3[0], KafkaMsg::LeaderAndIsr { .. }), "{to_3:?}");
    assert_eq!(update_metadata(&to_3[1]), Some((vec![1, 3], 1)), "{to_3:?}");
    assert_eq!(update_metadata(&to_3[2]), Some((vec![1, 2, 3], 0)), "{to_3:?}");
    assert_eq!(update_metadata(&to_3[3]), Some((vec![1, 2, 3], 1)), "{to_3:?}");
    assert_eq!(to_3.len(), 4, "{to_3:?}");
    // b2: UpdateMetadata with every partition first, then LeaderAndIsr as a follower of b3,
    // then the partitions of its replicas.
    let to_2 = to(2);
    assert_eq!(update_metadata(&to_2[0]), Some((vec![1, 2, 3], 1)), "{to_2:?}");
    let KafkaMsg::LeaderAndIsr { partitions, .. } = &to_2[1] else { panic!("{to_2:?}") };
    assert_eq!(partitions[0].states, vec![(0, moved)]);
    assert_eq!(update_metadata(&to_2[2]), Some((vec![1, 2, 3], 1)), "{to_2:?}");
    assert_eq!(to_2.len(), 3, "{to_2:?}");
    let c = b.controller.as_ref().unwrap();
    assert_eq!(c.live.get(&2), Some(&25), "b2 is live again, in its new session");
}

#[test]
fn an_isr_that_only_grows_goes_out_in_update_metadata_not_leader_and_isr() {
    // b2 is back and rejoins the ISR of b3's partition: the leader epoch stays 5 (in Kafka
    // the leader grew the ISR with AlterPartition), so the replicas get no LeaderAndIsr.
    let without_2 = PartState { leader: 3, leader_epoch: 5, controller_epoch: 1, isr: isr_bit(3) };
    let mut b = controlling(vec![2, 3], vec![without_2]);
    let (mut out, mut events) = (Vec::new(), Vec::new());
    plan_elections(&mut b);
    b.ctrl(Time::from_ms(1), &mut out, &mut events).unwrap().start_writes();
    let grown = PartState { isr: isr_bit(2) | isr_bit(3), controller_epoch: 2, ..without_2 };
    let c = b.controller.as_ref().unwrap();
    let Some(Write::Set { updates, .. }) = c.writes.front() else { panic!("no ISR change planned") };
    assert_eq!(updates.to_vec(), vec![StateUpdate { partition: 0, state: grown, expected_version: 7 }]);
    let mut out = Vec::new();
    let written = Ok(OpResult::Multi(vec![OpResult::Checked, OpResult::StatesSet { failed: vec![] }]));
    b.on_reply(Time::from_ms(2), Purpose::Ctrl(CtrlPurpose::Write), written, 40, &mut out, &mut events);
    let sent = kafka_sent(&out);
    assert_eq!(sent.len(), 2, "{sent:?}");
    for (_, m) in &sent {
        let KafkaMsg::UpdateMetadata { partitions, .. } = m else { panic!("{m:?}") };
        assert_eq!(partitions[0].states, vec![(0, grown)]);
    }
}

#[test]
fn a_bounced_broker_still_starts_when_the_failure_write_fails() {
    let (mut b, _, mut events) = b2_bounces_while_leading();
    let mut out = Vec::new();
    b.on_reply(Time::from_ms(2), Purpose::Ctrl(CtrlPurpose::Write), Err(ZkError::NoNode), 0, &mut out, &mut events);
    let to_2: Vec<KafkaMsg> = kafka_sent(&out).into_iter().filter(|(b, _)| *b == 2).map(|(_, m)| m).collect();
    assert_eq!(update_metadata(&to_2[0]), Some((vec![1, 2, 3], 1)), "onBrokerStartup still runs: {to_2:?}");
    let c = b.controller.as_ref().unwrap();
    assert_eq!(c.live.get(&2), Some(&25));
    assert!(!c.busy && c.bounced.is_empty());
}

#[test]
fn an_isr_that_grows_and_shrinks_at_once_gets_a_new_leader_epoch() {
    // Replicas [1, 2, 3], leader b1, ISR {1, 3}: in one read of /brokers/ids b3 is gone and
    // b2 is back. b3 leaves the ISR (a shrink bumps the leader epoch) as b2 rejoins it.
    let state = PartState { leader: 1, leader_epoch: 4, controller_epoch: 1, isr: isr_bit(1) | isr_bit(3) };
    let mut b = controlling(vec![1, 2], vec![state]);
    if let Some(c) = b.controller.as_mut() {
        c.live = [(1, 10), (3, 30)].into_iter().collect();
        if let Some(t) = c.topics.get_mut("t") {
            t.assignment = Shared::new(Assignment { rf: 3, replicas: vec![1, 2, 3] });
        }
    }
    let (mut out, mut events) = (Vec::new(), Vec::new());
    b.ctrl(Time::from_ms(1), &mut out, &mut events).unwrap().on_brokers(brokers_read(&[(1, 10), (2, 20)]));
    let c = b.controller.as_ref().unwrap();
    let Some(Write::Set { updates, .. }) = c.writes.front() else { panic!("no write planned") };
    let next = PartState { leader: 1, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(1) | isr_bit(2) };
    assert_eq!(updates.to_vec(), vec![StateUpdate { partition: 0, state: next, expected_version: 7 }]);
    let mut out = Vec::new();
    let written = Ok(OpResult::Multi(vec![OpResult::Checked, OpResult::StatesSet { failed: vec![] }]));
    b.on_reply(Time::from_ms(2), Purpose::Ctrl(CtrlPurpose::Write), written, 40, &mut out, &mut events);
    // The new leader epoch goes to the live replicas in LeaderAndIsr (b1 is this controller).
    let lai: Vec<u32> = kafka_sent(&out)
        .into_iter()
        .filter(|(_, m)| matches!(m, KafkaMsg::LeaderAndIsr { .. }))
        .map(|(b, _)| b)
        .collect();
    assert_eq!(lai, vec![2], "{out:?}");
}

#[test]
fn a_new_controller_sends_the_live_set_then_leader_and_isr_then_the_partitions() {
    // onControllerFailover: sendUpdateMetadataRequest(live, Set.empty), then the replica
    // state machine's startup: LeaderAndIsr to each live replica, and UpdateMetadata with
    // every partition to every live broker, p1 too, whose only replica (b3) is dead.
    let on_2 = PartState { leader: 2, leader_epoch: 4, controller_epoch: 1, isr: isr_bit(2) };
    let offline = PartState { leader: -1, leader_epoch: 3, controller_epoch: 1, isr: isr_bit(3) };
    let mut b = controlling(vec![2, 3], vec![on_2, offline]);
    if let Some(c) = b.controller.as_mut() {
        // The load is what finishes.
        c.phase = CtrlPhase::Loading;
        c.live = [(1, 10), (2, 20)].into_iter().collect();
        if let Some(t) = c.topics.get_mut("t") {
            t.assignment = Shared::new(Assignment { rf: 1, replicas: vec![2, 3] });
        }
    }
    let (mut out, mut events) = (Vec::new(), Vec::new());
    b.ctrl(Time::from_ms(1), &mut out, &mut events).unwrap().finish_load();
    let to: Vec<KafkaMsg> = kafka_sent(&out).into_iter().filter(|(b, _)| *b == 2).map(|(_, m)| m).collect();
    assert_eq!(to.len(), 3, "{to:?}");
    assert_eq!(update_metadata(&to[0]), Some((vec![1, 2], 0)), "{to:?}");
    let KafkaMsg::LeaderAndIsr { partitions, .. } = &to[1] else { panic!("{to:?}") };
    assert_eq!(partitions[0].states, vec![(0, on_2)]);
    let KafkaMsg::UpdateMetadata { partitions, .. } = &to[2] else { panic!("{to:?}") };
    assert_eq!(partitions[0].states, vec![(0, on_2), (1, offline)]);
    assert_eq!(b.metadata_topics.get("t").map(|known| known.len()), Some(2), "the controller's own cache too");
}

#[test]
fn a_bounced_broker_that_hosts_nothing_leaves_and_returns_in_the_live_set() {
    // onBrokerFailure with no partition change (KAFKA-13225): the live set without b2 goes
    // out on its own; then onBrokerStartup's live set with it.
    let led_by_3 = PartState { leader: 3, leader_epoch: 1, controller_epoch: 1, isr: isr_bit(3) | isr_bit(1) };
    let mut b = controlling(vec![3, 1], vec![led_by_3]);
    let (mut out, mut events) = (Vec::new(), Vec::new());
    b.ctrl(Time::from_ms(1), &mut out, &mut events).unwrap().on_brokers(brokers_read(&[(1, 10), (2, 25), (3, 30)]));
    let sent = kafka_sent(&out);
    let to_3: Vec<_> = sent.iter().filter(|(b, _)| *b == 3).filter_map(|(_, m)| update_metadata(m)).collect();
    assert_eq!(to_3, vec![(vec![1, 3], 0), (vec![1, 2, 3], 0)]);
    let to_2: Vec<_> = sent.iter().filter(|(b, _)| *b == 2).map(|(_, m)| m.clone()).collect();
    assert_eq!(update_metadata(&to_2[0]), Some((vec![1, 2, 3], 1)), "{to_2:?}");
    assert_eq!(to_2.len(), 1, "no LeaderAndIsr for a broker that hosts no replica: {to_2:?}");
    let c = b.controller.as_ref().unwrap();
    assert!(!c.busy && c.bounced.is_empty(), "the event is done");
    assert_eq!(c.live.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
}

#[test]
fn offline_partitions_get_the_first_live_isr_replica_in_assignment_order() {
    let mut b = broker(1);
    let mut c = Controller::new(2, 2, Time::ZERO);
    c.phase = CtrlPhase::Active;
    c.live = [(1, 1), (3, 3)].into_iter().collect();
    let assignment = Shared::new(Assignment { rf: 3, replicas: vec![2, 3, 1, 2, 1, 3] });
    let dead_leader = |isr| StateZnode {
        state: PartState { leader: 2, leader_epoch: 4, controller_epoch: 1, isr },
        version: 7,
        mzxid: 0,
    };
    // p0: replicas [2, 3, 1], ISR {2, 1}: b3 is alive but not in the ISR → b1.
    // p1: replicas [2, 1, 3], ISR {2}: no live ISR member → leader −1, ISR kept.
    let states = vec![dead_leader(isr_bit(2) | isr_bit(1)), dead_leader(isr_bit(2))];
    c.topics.insert("t".into(), TopicCtx { assignment, states });
    b.controller = Some(Box::new(c));
    plan_elections(&mut b);
    let c = b.controller.as_ref().unwrap();
    let Some(Write::Set { updates, .. }) = c.writes.front() else { panic!("no write planned") };
    assert_eq!(
        updates.to_vec(),
        vec![
            StateUpdate {
                partition: 0,
                state: PartState { leader: 1, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(1) },
                expected_version: 7,
            },
            StateUpdate {
                partition: 1,
                state: PartState { leader: -1, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(2) },
                expected_version: 7,
            },
        ]
    );
}
