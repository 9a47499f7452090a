//! Rule tests for an observer finding the leader (research note item 2, Kafka 4.1
//! `pollFollowerAsObserver`, `maybeSendFetchToBestNode`, `maybeSendFetchToAnyBootstrap`).

use super::*;
use crate::kraft::log::Entry;
use crate::kraft::record::Record;

type Step = Vec<Output<Msg, Timer, Note>>;

fn broker() -> Broker {
    Broker::new(5, vec![0, 1, 2], Config::default(), 7)
}

fn step(b: &mut Broker, at_ms: u64, input: Input<Msg, Timer, Cmd>) -> Step {
    let mut out = Vec::new();
    b.step(Time::from_ms(at_ms), input, &mut out);
    out
}

fn fetches(out: &Step) -> Vec<NodeId> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send { to, msg: Msg::Fetch { .. } } => Some(*to),
            _ => None,
        })
        .collect()
}

fn the_fetch(out: &Step) -> NodeId {
    match fetches(out)[..] {
        [to] => to,
        _ => panic!("one fetch expected: {out:?}"),
    }
}

fn answer(b: &mut Broker, at_ms: u64, from: NodeId, epoch: u64, leader: Option<NodeId>, body: FetchBody) -> Step {
    step(b, at_ms, Input::Msg { from, msg: Msg::FetchResponse { epoch, leader, high_watermark: Some(0), body } })
}

/// Broker 5, started at 0 ms, told by the voter it asked that 0 leads epoch 1; its fetch to 0
/// is in flight.
fn following_0() -> (Broker, Step) {
    let mut b = broker();
    let asked = the_fetch(&step(&mut b, 0, Input::Start));
    let out = answer(&mut b, 10, asked, 1, Some(0), FetchBody::NotLeader);
    assert_eq!(b.leader, Some(0));
    (b, out)
}

#[test]
fn an_observer_asks_a_random_voter_and_follows_the_leader_it_names() {
    let (_, out) = following_0();
    assert!(out.contains(&Output::Note(Note::BrokerFollows { leader: 0, epoch: 1 })));
    assert!(out.contains(&Output::Send { to: 0, msg: Msg::BrokerRegistration { incarnation: 1 } }));
    assert_eq!(fetches(&out), vec![0]);
    assert!(out.contains(&Output::SetTimer { timer: Timer::FetchTimeout, at: Time::from_ms(2_010) }));
}

#[test]
fn an_observer_whose_leader_refuses_asks_another_voter_and_follows_the_new_leader_at_once() {
    let (mut b, _) = following_0();
    // 0 crashed: its connection is refused; 0 backs off and another voter is asked at once
    // (the engine used to retry 0 with a backoff until its 2 s fetch timeout).
    let asked = the_fetch(&step(
        &mut b,
        15,
        Input::Unreachable { to: 0, msg: Msg::Fetch { epoch: 1, fetch_offset: 0, last_fetched_epoch: 0 } },
    ));
    assert_ne!(asked, 0);
    // Not elected yet: the voter still names 0, and the next fetch goes to a voter again.
    let again = the_fetch(&answer(&mut b, 20, asked, 1, Some(0), FetchBody::NotLeader));
    assert_ne!(again, 0, "0 is backing off for 50 ms");
    // Now 2 leads epoch 2: the answer says so and the broker follows it (maybeTransition).
    let out = answer(&mut b, 30, again, 2, Some(2), FetchBody::NotLeader);
    assert!(out.contains(&Output::Note(Note::BrokerFollows { leader: 2, epoch: 2 })), "{out:?}");
    assert_eq!(fetches(&out), vec![2]);
}

#[test]
fn after_its_fetch_timeout_an_observer_sends_every_fetch_to_a_random_voter_until_one_succeeds() {
    let (mut b, _) = following_0();
    // Kafka 4.0/4.1 pollFollowerAsObserver: no successful fetch for 2 s → every fetch goes to a
    // random bootstrap server, the leader kept (its request to 0 timed out at the same time).
    let out = step(&mut b, 2_010, Input::Timer(Timer::FetchTimeout));
    assert_eq!(out[0], Output::Note(Note::BrokerFetchTimeout));
    let mut asked = the_fetch(&out);
    let mut picks = vec![asked];
    let mut t = 2_010;
    while asked != 0 {
        t += 5;
        asked = the_fetch(&answer(&mut b, t, asked, 1, Some(0), FetchBody::NotLeader));
        picks.push(asked);
    }
    assert_eq!(b.leader, Some(0));
    // 0 answers with records: a successful fetch resets the fetch timer, and fetches go to the
    // leader again.
    let entry = Entry { epoch: 1, record: Record::NoOp, batch_end: true };
    let records = FetchBody::Records { base_offset: 0, entries: vec![entry].into() };
    let out = answer(&mut b, t + 5, 0, 1, Some(0), records);
    assert!(out.contains(&Output::SetTimer { timer: Timer::FetchTimeout, at: Time::from_ms(t + 5 + 2_000) }));
    for i in 0..5 {
        let out = answer(
            &mut b,
            t + 10 + i,
            0,
            1,
            Some(0),
            FetchBody::Records { base_offset: 1, entries: Vec::new().into() },
        );
        assert_eq!(fetches(&out), vec![0], "{picks:?}");
    }
}

// ---- KIP-631 lifecycle and KIP-595 observer rules (issue 22) ----------------------------------

fn registered(broker_epoch: u64) -> Msg {
    Msg::BrokerRegistrationResponse { epoch: 1, leader: Some(0), error: None, broker_epoch: Some(broker_epoch) }
}

fn heartbeat_answer(error: Option<BrokerError>, is_fenced: bool, should_shut_down: bool) -> Msg {
    Msg::BrokerHeartbeatResponse { epoch: 1, leader: Some(0), error, is_caught_up: true, is_fenced, should_shut_down }
}

fn from_0(b: &mut Broker, at_ms: u64, msg: Msg) -> Step {
    step(b, at_ms, Input::Msg { from: 0, msg })
}

fn notes(out: &Step) -> Vec<Note> {
    out.iter()
        .filter_map(|o| match o {
            Output::Note(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// Broker 5 following 0, registered with broker epoch 7 (fenced).
fn registered_broker() -> Broker {
    let (mut b, _) = following_0();
    let out = from_0(&mut b, 20, registered(7));
    assert_eq!(notes(&out), vec![Note::BrokerRegistered { broker_epoch: 7 }]);
    // KIP-631: the first heartbeat goes at once, with the broker epoch.
    let hb = Msg::BrokerHeartbeat { broker_epoch: 7, current_metadata_offset: 0, want_shut_down: false };
    assert_eq!(out.last(), Some(&Output::Send { to: 0, msg: hb }));
    assert_eq!((b.broker_epoch, b.lifecycle), (Some(7), Lifecycle::Fenced));
    b
}

#[test]
fn a_broker_is_unfenced_and_fenced_as_its_heartbeat_answers_say() {
    // KIP-631: IsFenced in the heartbeat response drives the broker's state.
    let mut b = registered_broker();
    assert_eq!(notes(&from_0(&mut b, 30, heartbeat_answer(None, true, false))), Vec::new());
    assert_eq!(notes(&from_0(&mut b, 40, heartbeat_answer(None, false, false))), vec![Note::BrokerUnfencedNow]);
    assert_eq!(b.lifecycle, Lifecycle::Active);
    assert_eq!(notes(&from_0(&mut b, 50, heartbeat_answer(None, false, false))), Vec::new());
    assert_eq!(notes(&from_0(&mut b, 60, heartbeat_answer(None, true, false))), vec![Note::BrokerFencedNow]);
    assert_eq!(b.lifecycle, Lifecycle::Fenced);
    // NOT_CONTROLLER changes nothing.
    assert_eq!(from_0(&mut b, 70, heartbeat_answer(Some(BrokerError::NotController), false, false)), Vec::new());
    assert_eq!(b.lifecycle, Lifecycle::Fenced);
}

#[test]
fn a_stale_broker_epoch_makes_the_broker_register_again() {
    // KIP-631 / KIP-380: STALE_BROKER_EPOCH: the registration was replaced; register anew.
    let mut b = registered_broker();
    from_0(&mut b, 40, heartbeat_answer(None, false, false));
    let out = from_0(&mut b, 50, heartbeat_answer(Some(BrokerError::StaleBrokerEpoch), false, false));
    assert_eq!(notes(&out), vec![Note::BrokerStaleEpoch]);
    assert_eq!(out.last(), Some(&Output::Send { to: 0, msg: Msg::BrokerRegistration { incarnation: 1 } }));
    assert_eq!((b.broker_epoch, b.lifecycle), (None, Lifecycle::Starting));
    // A second stale answer (to an older heartbeat) while unregistered changes nothing.
    assert_eq!(from_0(&mut b, 60, heartbeat_answer(Some(BrokerError::StaleBrokerEpoch), false, false)), Vec::new());
    // An unregistered broker ignores a plain heartbeat answer.
    assert_eq!(from_0(&mut b, 70, heartbeat_answer(None, false, false)), Vec::new());
    assert_eq!(b.lifecycle, Lifecycle::Starting);
}

#[test]
fn a_duplicate_registration_is_retried_after_the_heartbeat_interval() {
    let (mut b, _) = following_0();
    let dup = Msg::BrokerRegistrationResponse {
        epoch: 1,
        leader: Some(0),
        error: Some(BrokerError::DuplicateBrokerRegistration),
        broker_epoch: None,
    };
    let out = from_0(&mut b, 20, dup);
    assert_eq!(
        out,
        vec![
            Output::Note(Note::BrokerDuplicateRegistration { retry_ms: 2_000 }),
            Output::SetTimer { timer: Timer::Heartbeat, at: Time::from_ms(2_020) },
        ]
    );
    // A late second registration answer after registering is ignored, an error as well.
    let mut b = registered_broker();
    assert_eq!(from_0(&mut b, 30, registered(9)), Vec::new());
    assert_eq!(b.broker_epoch, Some(7));
    let dup = Msg::BrokerRegistrationResponse {
        epoch: 1,
        leader: Some(0),
        error: Some(BrokerError::DuplicateBrokerRegistration),
        broker_epoch: None,
    };
    assert_eq!(from_0(&mut b, 40, dup), Vec::new());
}

#[test]
fn a_heartbeat_goes_every_interval_to_the_leader_only() {
    let mut b = broker();
    step(&mut b, 0, Input::Start);
    // No leader known: nothing sent, the timer set again.
    assert_eq!(
        step(&mut b, 2_000, Input::Timer(Timer::Heartbeat)),
        vec![Output::SetTimer { timer: Timer::Heartbeat, at: Time::from_ms(4_000) }]
    );
    let mut b = registered_broker();
    let out = step(&mut b, 2_000, Input::Timer(Timer::Heartbeat));
    let hb = Msg::BrokerHeartbeat { broker_epoch: 7, current_metadata_offset: 0, want_shut_down: false };
    assert_eq!(
        out,
        vec![Output::Send { to: 0, msg: hb }, Output::SetTimer { timer: Timer::Heartbeat, at: Time::from_ms(4_000) }]
    );
}

#[test]
fn controlled_shutdown_waits_for_shutdown_now_and_gives_up_after_its_timeout() {
    // KIP-631: WantShutDown in heartbeats until the controller answers ShouldShutDown.
    let mut b = registered_broker();
    from_0(&mut b, 30, heartbeat_answer(None, false, false));
    let out = step(&mut b, 100, Input::Shutdown);
    let hb = Msg::BrokerHeartbeat { broker_epoch: 7, current_metadata_offset: 0, want_shut_down: true };
    assert_eq!(
        out,
        vec![
            Output::Note(Note::BrokerShuttingDown),
            Output::SetTimer { timer: Timer::ShutdownDone, at: Time::from_ms(100 + CONTROLLED_SHUTDOWN_GIVE_UP_MS) },
            Output::Send { to: 0, msg: hb },
        ]
    );
    assert_eq!(step(&mut b, 101, Input::Shutdown), Vec::new(), "once");
    let out = from_0(&mut b, 110, heartbeat_answer(None, false, false));
    assert_eq!(out, vec![Output::SetTimer { timer: Timer::Heartbeat, at: Time::from_ms(210) }]);
    // A stale epoch while shutting down: re-register, still shutting down.
    from_0(&mut b, 120, heartbeat_answer(Some(BrokerError::StaleBrokerEpoch), false, false));
    assert_eq!(b.lifecycle, Lifecycle::ShuttingDown);
    let mut b = registered_broker();
    from_0(&mut b, 30, heartbeat_answer(None, false, false));
    step(&mut b, 100, Input::Shutdown);
    let out = from_0(&mut b, 110, heartbeat_answer(None, false, true));
    assert_eq!(out, vec![Output::Note(Note::BrokerShutdownDone), Output::Halt]);
    let out = step(&mut b, 200, Input::Timer(Timer::ShutdownDone));
    assert_eq!(out, vec![Output::Note(Note::BrokerShutdownGaveUp), Output::Halt]);
}

#[test]
fn a_fenced_or_unregistered_broker_shuts_down_at_once() {
    let mut b = registered_broker();
    assert_eq!(step(&mut b, 100, Input::Shutdown), vec![Output::Note(Note::BrokerShutdownDone), Output::Halt]);
    let (mut b, _) = following_0();
    assert_eq!(step(&mut b, 100, Input::Shutdown), vec![Output::Note(Note::BrokerShutdownDone), Output::Halt]);
}

#[test]
fn an_observer_applies_only_committed_records_from_its_leader() {
    // KIP-631: brokers replay the log up to the high watermark only; KIP-595: only the
    // leader's answers are taken; an older epoch's answer is ignored.
    let (mut b, _) = following_0();
    let entry = |epoch| Entry { epoch, record: Record::NoOp, batch_end: true };
    let records = |hw| Msg::FetchResponse {
        epoch: 1,
        leader: Some(0),
        high_watermark: hw,
        body: FetchBody::Records { base_offset: 0, entries: vec![entry(1), entry(1)].into() },
    };
    from_0(&mut b, 20, records(Some(1)));
    assert_eq!((b.log.end_offset(), b.high_watermark, b.image.applied), (2, 1, 1));
    // An answer of an older epoch: nothing taken.
    let old = Msg::FetchResponse {
        epoch: 0,
        leader: Some(0),
        high_watermark: Some(2),
        body: FetchBody::Records { base_offset: 2, entries: vec![entry(1)].into() },
    };
    from_0(&mut b, 30, old);
    assert_eq!((b.log.end_offset(), b.high_watermark), (2, 1));
    // DivergingEpoch never truncates below what was applied (committed).
    let diverging = Msg::FetchResponse {
        epoch: 1,
        leader: Some(0),
        high_watermark: None,
        body: FetchBody::Diverging { epoch: 0, end_offset: 0 },
    };
    let out = from_0(&mut b, 40, diverging);
    assert_eq!(notes(&out), vec![Note::Truncated { to_offset: 1, dropped: 1 }]);
}

#[test]
fn a_newer_epoch_without_a_leader_makes_the_observer_unattached() {
    let (mut b, _) = following_0();
    let out = from_0(
        &mut b,
        20,
        Msg::FetchResponse { epoch: 2, leader: None, high_watermark: None, body: FetchBody::NotLeader },
    );
    assert!(out.contains(&Output::CancelTimer(Timer::FetchTimeout)), "{out:?}");
    assert_eq!((b.epoch, b.leader), (2, None));
    // No fetch timeout without a leader.
    assert_eq!(step(&mut b, 3_000, Input::Timer(Timer::FetchTimeout)), Vec::new());
    // An answer naming this broker itself as leader is not followed.
    let (mut b, _) = following_0();
    from_0(
        &mut b,
        20,
        Msg::FetchResponse { epoch: 2, leader: Some(5), high_watermark: None, body: FetchBody::NotLeader },
    );
    assert_eq!((b.epoch, b.leader), (2, None));
}

#[test]
fn an_answer_the_observer_no_longer_awaits_is_ignored() {
    // Kafka 4.1 handleInboundMessage: its fetch went to 0; an answer from 1 moves nothing.
    let (mut b, _) = following_0();
    let out = step(
        &mut b,
        20,
        Input::Msg {
            from: 1,
            msg: Msg::FetchResponse { epoch: 5, leader: Some(1), high_watermark: None, body: FetchBody::NotLeader },
        },
    );
    assert_eq!(out, Vec::new());
    assert_eq!((b.epoch, b.leader), (1, Some(0)));
}

#[test]
fn the_same_leader_in_a_newer_epoch_is_followed_again_and_said() {
    let (mut b, _) = following_0();
    let out = answer(&mut b, 20, 0, 2, Some(0), FetchBody::NotLeader);
    assert!(out.contains(&Output::Note(Note::BrokerFollows { leader: 0, epoch: 2 })), "{out:?}");
    // Still unregistered: it asks the leader of the new epoch to register it.
    assert!(out.contains(&Output::Send { to: 0, msg: Msg::BrokerRegistration { incarnation: 1 } }));
    assert_eq!((b.epoch, b.leader), (2, Some(0)));
}

#[test]
fn records_from_the_leader_naming_another_leader_are_not_taken() {
    // Only an answer from the leader that names itself carries the leader's log.
    let (mut b, _) = following_0();
    let entry = Entry { epoch: 1, record: Record::NoOp, batch_end: true };
    let records = FetchBody::Records { base_offset: 0, entries: vec![entry].into() };
    let out = answer(&mut b, 20, 0, 1, Some(2), records);
    assert_eq!(b.log.end_offset(), 0);
    assert!(!out.iter().any(|o| matches!(o, Output::SetTimer { timer: Timer::FetchTimeout, .. })), "{out:?}");
}
