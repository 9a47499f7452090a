//! Rule tests for a broker that restarts within its session (research note item 1): Kafka 4.1
//! `ClusterControlManager.registerBroker`, `BrokerHeartbeatTracker`, the periodic
//! `maybeFenceStaleBroker` task and `ClusterControlManager.activate`.

use super::tests::{single_voter_leader_with_orders, step};
use super::*;
use crate::kraft::msg::BrokerError;
use crate::kraft::{Change, RefuseReason, INITIAL_TOPIC};

const B: NodeId = 5;

fn register(c: &mut Controller, at_ms: u64, incarnation: u64) -> Out {
    step(c, Time::from_ms(at_ms), Input::Msg { from: B, msg: Msg::BrokerRegistration { incarnation } })
}

fn heartbeat(c: &mut Controller, at_ms: u64, broker_epoch: u64, offset: u64) -> Out {
    let msg = Msg::BrokerHeartbeat { broker_epoch, current_metadata_offset: offset, want_shut_down: false };
    step(c, Time::from_ms(at_ms), Input::Msg { from: B, msg })
}

fn session_check(c: &mut Controller, at_ms: u64) -> Out {
    step(c, Time::from_ms(at_ms), Input::Timer(Timer::SessionCheck))
}

fn records(c: &Controller, from: u64) -> Vec<Record> {
    (from..c.log.end_offset()).filter_map(|o| c.log.get(o).map(|e| e.record.clone())).collect()
}

/// A one-voter leader (log: LeaderChange, Topic `orders`) where broker 5 (incarnation 1)
/// registered at 3 s (broker epoch 2), heartbeated and was unfenced, and leads partition 0 of
/// topic `t` (one replica).
fn leader_with_broker_5() -> Controller {
    let mut c = single_voter_leader_with_orders();
    register(&mut c, 3_000, 1);
    heartbeat(&mut c, 3_000, 2, 3);
    assert!(c.image.is_active(B));
    let create = Cmd::CreateTopic { name: "t".into(), partitions: 1, replication_factor: 1 };
    step(&mut c, Time::from_ms(3_000), Input::Client(create));
    assert_eq!(c.image.leader_count(B), 1);
    c
}

#[test]
fn the_active_controller_checks_for_stale_brokers_every_eighth_of_the_session() {
    let mut c = Controller::new(0, vec![0], Config::default(), 7);
    step(&mut c, Time::ZERO, Input::Start);
    let (_, at) = c.timer_view.expect("an election timer");
    let out = step(&mut c, at, Input::Timer(Timer::Election));
    // QuorumController.maybeFenceStaleBrokerPeriodNs: session / 8 = 1 125 ms after activation.
    assert!(out.contains(&Output::SetTimer { timer: Timer::SessionCheck, at: at.plus_ms(1_125) }), "{out:?}");
}

#[test]
fn a_new_incarnation_is_refused_while_the_old_session_is_valid_and_taken_once_it_is_fenced() {
    let mut c = leader_with_broker_5();
    let end = c.log.end_offset();
    // registerBroker: hasValidSession(5, 2) (last heartbeat 3 s, session 9 s) and another
    // incarnation id → DUPLICATE_BROKER_REGISTRATION, no record.
    let duplicate = Msg::BrokerRegistrationResponse {
        epoch: 1,
        leader: Some(0),
        error: Some(BrokerError::DuplicateBrokerRegistration),
        broker_epoch: None,
    };
    assert_eq!(register(&mut c, 4_000, 2), vec![Output::Send { to: B, msg: duplicate.clone() }]);
    // Still valid at exactly last contact + session (isExpired is strict): refused, not fenced,
    // and it keeps leading its partition.
    assert_eq!(register(&mut c, 12_000, 2), vec![Output::Send { to: B, msg: duplicate }]);
    assert_eq!(
        session_check(&mut c, 12_000),
        vec![Output::SetTimer { timer: Timer::SessionCheck, at: Time::from_ms(13_125) }]
    );
    assert_eq!((c.log.end_offset(), c.image.leader_count(B)), (end, 1));
    // Expired: maybeFenceOneStaleBroker fences it (its partitions first, the FENCE change last)
    // and runs again 10 ms later.
    let out = session_check(&mut c, 12_001);
    let fenced = Change::Fenced { broker: B, partition_changes: 1 };
    assert!(out.contains(&Output::Note(Note::MetadataChange { change: fenced, epoch: 1, end_offset: end + 2 })));
    assert_eq!(out.last(), Some(&Output::SetTimer { timer: Timer::SessionCheck, at: Time::from_ms(12_011) }));
    let fence = Record::BrokerRegistrationChange {
        broker: B,
        broker_epoch: 2,
        fenced: Some(true),
        in_controlled_shutdown: None,
    };
    let move_leader = Record::PartitionChange { topic_id: 2, partition: 0, isr: None, leader: Some(None) };
    assert_eq!(records(&c, end), vec![move_leader, fence]);
    // The next attempt is taken: no cleanup left to do, only the RegisterBrokerRecord.
    register(&mut c, 12_500, 2);
    assert_eq!(records(&c, end + 2), vec![Record::RegisterBroker { broker: B, incarnation: 2, broker_epoch: end + 2 }]);
}

#[test]
fn a_new_incarnation_after_the_session_expired_moves_the_old_leaderships_in_its_batch() {
    let mut c = leader_with_broker_5();
    let end = c.log.end_offset();
    // Session over (3 s + 9 s < 12.5 s) but no fencing check ran yet: accepted at once;
    // handleBrokerShutdown's PartitionChangeRecords first, the RegisterBrokerRecord (fenced)
    // last, no BrokerRegistrationChangeRecord.
    let out = register(&mut c, 12_500, 2);
    let registered =
        Msg::BrokerRegistrationResponse { epoch: 1, leader: Some(0), error: None, broker_epoch: Some(end + 1) };
    assert_eq!(out.last(), Some(&Output::Send { to: B, msg: registered }));
    assert_eq!(
        records(&c, end),
        vec![
            Record::PartitionChange { topic_id: 2, partition: 0, isr: None, leader: Some(None) },
            Record::RegisterBroker { broker: B, incarnation: 2, broker_epoch: end + 1 },
        ]
    );
    // The old incarnation's tracker entry went with it: nothing left to fence.
    assert_eq!(
        session_check(&mut c, 13_000),
        vec![Output::SetTimer { timer: Timer::SessionCheck, at: Time::from_ms(14_125) }]
    );
}

#[test]
fn a_retried_registration_of_the_same_incarnation_writes_nothing() {
    let mut c = leader_with_broker_5();
    let end = c.log.end_offset();
    let out = register(&mut c, 4_000, 1);
    let msg = Msg::BrokerRegistrationResponse { epoch: 1, leader: Some(0), error: None, broker_epoch: Some(2) };
    assert_eq!(out, vec![Output::Send { to: B, msg }]);
    assert_eq!(c.log.end_offset(), end);
}

#[test]
fn a_new_active_controller_gives_a_session_only_to_unfenced_brokers() {
    let mut c = leader_with_broker_5();
    // Broker 6 registers and stays fenced (no heartbeat).
    step(&mut c, Time::from_ms(3_500), Input::Msg { from: 6, msg: Msg::BrokerRegistration { incarnation: 1 } });
    c.crash();
    step(&mut c, Time::from_secs(5), Input::Start);
    // Resigned after the restart; its election timeout → Unattached(2) → a new election.
    while !c.is_leader() {
        let (_, at) = c.timer_view.expect("a timer");
        step(&mut c, at, Input::Timer(Timer::Election));
    }
    let State::Leader(leader) = &c.state else { panic!("{:?}", c.state) };
    // Kafka 4.1 ClusterControlManager.activate (KAFKA-19130): a contact time for unfenced
    // registrations only; fenced broker 6 has no session and so no duplicate check to pass.
    assert_eq!(leader.leases.keys().copied().collect::<Vec<_>>(), vec![B]);
}

// ---- KIP-631 rules of the active controller (issue 22) ---------------------------------------

fn heartbeat_answer(error: Option<BrokerError>, is_fenced: bool, should_shut_down: bool, is_caught_up: bool) -> Msg {
    Msg::BrokerHeartbeatResponse { epoch: 1, leader: Some(0), error, is_caught_up, is_fenced, should_shut_down }
}

fn want_shut_down(c: &mut Controller, at_ms: u64, broker_epoch: u64, offset: u64) -> Out {
    let msg = Msg::BrokerHeartbeat { broker_epoch, current_metadata_offset: offset, want_shut_down: true };
    step(c, Time::from_ms(at_ms), Input::Msg { from: B, msg })
}

fn create(name: &str, partitions: u32, replication_factor: u32) -> Input<Msg, Timer, Cmd> {
    Input::Client(Cmd::CreateTopic { name: name.into(), partitions, replication_factor })
}

#[test]
fn a_controller_that_is_not_active_answers_not_controller_with_the_leader_it_knows() {
    let mut f = super::tests::following_node_0(1);
    let out = step(&mut f, Time::from_ms(20), Input::Msg { from: B, msg: Msg::BrokerRegistration { incarnation: 1 } });
    let msg = Msg::BrokerRegistrationResponse {
        epoch: 1,
        leader: Some(0),
        error: Some(BrokerError::NotController),
        broker_epoch: None,
    };
    assert_eq!(out, vec![Output::Send { to: B, msg }]);
    let out = heartbeat(&mut f, 30, 2, 3);
    let msg = Msg::BrokerHeartbeatResponse {
        epoch: 1,
        leader: Some(0),
        error: Some(BrokerError::NotController),
        is_caught_up: false,
        is_fenced: true,
        should_shut_down: false,
    };
    assert_eq!(out, vec![Output::Send { to: B, msg }]);
    // Nor does it create topics.
    assert_eq!(step(&mut f, Time::from_ms(40), create("x", 1, 1)), Vec::new());
}

#[test]
fn a_heartbeat_with_another_broker_epoch_is_stale() {
    let mut c = leader_with_broker_5();
    let out = heartbeat(&mut c, 4_000, 9, 3);
    assert_eq!(
        out,
        vec![Output::Send { to: B, msg: heartbeat_answer(Some(BrokerError::StaleBrokerEpoch), true, false, false) }]
    );
}

#[test]
fn a_broker_is_unfenced_only_once_it_replayed_past_its_registration() {
    // KIP-631: caught up when CurrentMetadataOffset > the RegisterBrokerRecord's offset
    // (broker epoch 2): at offset 2 it has not replayed it yet.
    let mut c = single_voter_leader_with_orders();
    register(&mut c, 3_000, 1);
    let end = c.log.end_offset();
    let out = heartbeat(&mut c, 3_100, 2, 2);
    assert_eq!(out, vec![Output::Send { to: B, msg: heartbeat_answer(None, true, false, false) }]);
    assert_eq!(c.log.end_offset(), end);
    let out = heartbeat(&mut c, 3_200, 2, 3);
    let unfenced = Change::Unfenced { broker: B, partition_changes: 0 };
    assert!(out.contains(&Output::Note(Note::MetadataChange { change: unfenced, epoch: 1, end_offset: end + 1 })));
    assert_eq!(out.last(), Some(&Output::Send { to: B, msg: heartbeat_answer(None, false, false, true) }));
    // The next heartbeat writes nothing.
    let out = heartbeat(&mut c, 3_300, 2, 4);
    assert_eq!(out, vec![Output::Send { to: B, msg: heartbeat_answer(None, false, false, true) }]);
}

#[test]
fn controlled_shutdown_moves_leaderships_then_answers_shutdown_now_once_brokers_caught_up() {
    // KIP-631: WantShutDown → InControlledShutdown (and the partition leaders moved away) in
    // one batch; SHUTDOWN_NOW (and a FENCE change) once every active broker replayed past it.
    let mut c = leader_with_broker_5();
    // Broker 6 registers and is unfenced; it has replayed up to `seen`.
    let b6_epoch = c.log.end_offset();
    step(&mut c, Time::from_ms(3_500), Input::Msg { from: 6, msg: Msg::BrokerRegistration { incarnation: 1 } });
    let seen = c.log.end_offset();
    let hb6 = |offset| Msg::BrokerHeartbeat {
        broker_epoch: b6_epoch,
        current_metadata_offset: offset,
        want_shut_down: false,
    };
    step(&mut c, Time::from_ms(3_600), Input::Msg { from: 6, msg: hb6(seen) });
    assert!(c.image.is_active(6));
    let end = c.log.end_offset();
    let out = want_shut_down(&mut c, 4_000, 2, end);
    let change = Change::ControlledShutdown { broker: B, partition_changes: 1 };
    assert!(out.contains(&Output::Note(Note::MetadataChange { change, epoch: 1, end_offset: end + 2 })), "{out:?}");
    assert_eq!(out.last(), Some(&Output::Send { to: B, msg: heartbeat_answer(None, false, false, true) }));
    assert_eq!(c.image.leader_count(B), 0);
    // Broker 6 has replayed only up to `seen`: not yet.
    let out = want_shut_down(&mut c, 4_100, 2, end + 2);
    assert_eq!(out, vec![Output::Send { to: B, msg: heartbeat_answer(None, false, false, true) }]);
    step(&mut c, Time::from_ms(4_150), Input::Msg { from: 6, msg: hb6(end + 2) });
    let out = want_shut_down(&mut c, 4_200, 2, end + 2);
    assert!(out.contains(&Output::Note(Note::MetadataChange {
        change: Change::ShutdownNow { broker: B },
        epoch: 1,
        end_offset: end + 3
    })));
    assert_eq!(out.last(), Some(&Output::Send { to: B, msg: heartbeat_answer(None, true, true, true) }));
}

#[test]
fn a_fenced_broker_that_wants_to_shut_down_may_at_once() {
    let mut c = single_voter_leader_with_orders();
    register(&mut c, 3_000, 1);
    let end = c.log.end_offset();
    let out = want_shut_down(&mut c, 3_100, 2, 3);
    assert_eq!(out, vec![Output::Send { to: B, msg: heartbeat_answer(None, true, true, true) }]);
    assert_eq!(c.log.end_offset(), end);
}

#[test]
fn a_write_is_answered_only_once_committed() {
    // QuorumController completes a write when the high watermark passes its records: with
    // three voters, the registration reply waits for a follower's fetch.
    let mut c = super::election_tests::leader_of_three();
    let out = register(&mut c, 1_100, 1);
    assert!(!out.iter().any(|o| matches!(o, Output::Send { to: B, .. })), "{out:?}");
    let end = c.log.end_offset();
    let fetch = Msg::Fetch { epoch: 1, fetch_offset: end, last_fetched_epoch: 1 };
    let out = step(&mut c, Time::from_ms(1_200), Input::Msg { from: 1, msg: fetch });
    let registered =
        Msg::BrokerRegistrationResponse { epoch: 1, leader: Some(0), error: None, broker_epoch: Some(end - 1) };
    assert!(out.contains(&Output::Send { to: B, msg: registered }), "{out:?}");
}

#[test]
fn create_topic_refuses_an_existing_name_zero_sizes_and_too_few_brokers() {
    let mut c = leader_with_broker_5();
    let end = c.log.end_offset();
    let refused = |name: &str, reason| vec![Output::Note(Note::TopicRefused { name: name.into(), reason })];
    assert_eq!(step(&mut c, Time::from_secs(4), create("t", 1, 1)), refused("t", RefuseReason::AlreadyExists));
    assert_eq!(step(&mut c, Time::from_secs(4), create("u", 0, 1)), refused("u", RefuseReason::Invalid));
    assert_eq!(step(&mut c, Time::from_secs(4), create("u", 1, 0)), refused("u", RefuseReason::Invalid));
    let too_few = RefuseReason::NotEnoughBrokers { replication_factor: 2, active: 1 };
    assert_eq!(step(&mut c, Time::from_secs(4), create("u", 1, 2)), refused("u", too_few));
    assert_eq!(c.log.end_offset(), end);
}

#[test]
fn create_topic_places_replicas_round_robin_over_the_active_brokers() {
    let mut c = single_voter_leader_with_orders();
    for (b, at) in [(5, 3_000), (6, 3_010), (7, 3_020)] {
        step(&mut c, Time::from_ms(at), Input::Msg { from: b, msg: Msg::BrokerRegistration { incarnation: 1 } });
    }
    for (b, epoch) in [(5, 2), (6, 3), (7, 4)] {
        let msg = Msg::BrokerHeartbeat { broker_epoch: epoch, current_metadata_offset: 9, want_shut_down: false };
        step(&mut c, Time::from_ms(3_100), Input::Msg { from: b, msg });
    }
    let end = c.log.end_offset();
    step(&mut c, Time::from_secs(4), create("p", 3, 2));
    // Topic id 2 (after `orders`): partition p starts at (2 + p) mod 3 of [5, 6, 7].
    let partition = |p, replicas: Vec<NodeId>| Record::Partition {
        topic_id: 2,
        partition: p,
        leader: replicas.first().copied(),
        isr: crate::world::NodeList::from_slice(&replicas),
        replicas: crate::world::NodeList::from_slice(&replicas),
    };
    assert_eq!(
        records(&c, end),
        vec![
            Record::Topic { name: "p".into(), topic_id: 2 },
            partition(0, vec![7, 5]),
            partition(1, vec![5, 6]),
            partition(2, vec![6, 7]),
        ]
    );
}

fn noop(c: &mut Controller, at_ms: u64) -> Out {
    step(c, Time::from_ms(at_ms), Input::Timer(Timer::NoOp))
}

fn topic_notes(out: &Out) -> Vec<Note> {
    out.iter()
        .filter_map(|o| match o {
            Output::Note(
                n @ (Note::TopicRefused { .. } | Note::MetadataChange { change: Change::TopicCreated { .. }, .. }),
            ) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// A one-voter active controller with `config`, broker 5 registered and unfenced at 3 s.
fn leader_with(config: Config) -> Controller {
    let mut c = Controller::new(0, vec![0], config, 7);
    step(&mut c, Time::ZERO, Input::Start);
    let (_, at) = c.timer_view.expect("an election timer");
    step(&mut c, at, Input::Timer(Timer::Election));
    register(&mut c, 3_000, 1);
    let epoch = c.image.broker(B).map(|r| r.broker_epoch).expect("registered");
    heartbeat(&mut c, 3_000, epoch, epoch + 1);
    assert!(c.image.is_active(B));
    c
}

#[test]
fn the_initial_topic_is_created_once_when_enough_brokers_are_active_and_never_without_partitions() {
    // The model's initial topic (`orders`): created by the active controller once min(3,
    // brokers) brokers are active; with no partitions configured, never (nor refused).
    let mut c = leader_with(Config { brokers: 1, partitions: 2, ..Config::default() });
    let out = noop(&mut c, 3_500);
    let created = Change::TopicCreated { name: INITIAL_TOPIC.into(), partitions: 2, replication_factor: 1 };
    assert!(matches!(&topic_notes(&out)[..], [Note::MetadataChange { change, .. }] if *change == created), "{out:?}");
    assert_eq!(topic_notes(&noop(&mut c, 4_000)), Vec::new(), "once");
    let mut c = leader_with(Config { brokers: 1, partitions: 0, ..Config::default() });
    assert_eq!(topic_notes(&noop(&mut c, 3_500)), Vec::new());
    // Two brokers configured (replication factor 2) but only one active: not yet.
    let mut c = leader_with(Config { brokers: 2, partitions: 2, ..Config::default() });
    assert_eq!(topic_notes(&noop(&mut c, 3_500)), Vec::new());
}

#[test]
fn the_stale_broker_check_fences_the_broker_silent_longest_first_ties_by_id() {
    // maybeFenceOneStaleBroker: one expired session per run; the model takes the oldest last
    // contact, ties by broker id.
    for (b5_ms, b6_ms, first) in [(3_200, 3_100, 6), (3_100, 3_200, 5), (3_100, 3_100, 5)] {
        let mut c = single_voter_leader_with_orders();
        for b in [5, 6] {
            step(&mut c, Time::from_ms(3_000), Input::Msg { from: b, msg: Msg::BrokerRegistration { incarnation: 1 } });
        }
        for (b, at) in [(5, b5_ms), (6, b6_ms)] {
            let epoch = c.image.broker(b).map(|r| r.broker_epoch).expect("registered");
            let msg = Msg::BrokerHeartbeat { broker_epoch: epoch, current_metadata_offset: 9, want_shut_down: false };
            step(&mut c, Time::from_ms(at), Input::Msg { from: b, msg });
        }
        let out = session_check(&mut c, 20_000);
        let fenced: Vec<NodeId> = out
            .iter()
            .filter_map(|o| match o {
                Output::Note(Note::MetadataChange { change: Change::Fenced { broker, .. }, .. }) => Some(*broker),
                _ => None,
            })
            .collect();
        assert_eq!(fenced, vec![first], "b5 at {b5_ms}, b6 at {b6_ms}");
    }
}
