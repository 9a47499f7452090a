//! Rule tests for what a leader sends and writes on its own (research note item 6, Kafka 4.1
//! `LeaderState`, `maybeSendBeginQuorumEpochRequests`, `QuorumController.registerWriteNoOpRecord`).

use super::election_tests::leader_of_three;
use super::tests::{sends, step};
use super::*;

fn begin(epoch: u64) -> Msg {
    Msg::BeginQuorumEpoch { epoch, leader: 0 }
}

fn answer(c: &mut Controller, at_ms: u64, from: NodeId) {
    let out = step(c, Time::from_ms(at_ms), Input::Msg { from, msg: Msg::BeginQuorumEpochResponse { epoch: 1 } });
    assert_eq!(out, Vec::new());
}

#[test]
fn the_leader_sends_begin_quorum_epoch_to_every_voter_every_second_answered_or_not() {
    // leader_of_three won at 1 s and sent BeginQuorumEpoch to both at once (the timer starts
    // expired); both answered.
    let mut c = leader_of_three();
    answer(&mut c, 1_010, 1);
    answer(&mut c, 1_010, 2);
    // Kafka 3.9.1–4.1 (KAFKA-16536): every fetch.timeout / 2 = 1 s, to every other voter.
    let resend = |c: &mut Controller, at_ms: u64| step(c, Time::from_ms(at_ms), Input::Timer(Timer::BeginQuorumResend));
    let out = resend(&mut c, 2_000);
    assert_eq!(
        out,
        vec![
            Output::Send { to: 1, msg: begin(1) },
            Output::Send { to: 2, msg: begin(1) },
            Output::SetTimer { timer: Timer::BeginQuorumResend, at: Time::from_ms(3_000) },
        ]
    );
    // c2 answers, c3 does not: its request is still in flight at 3 s (request timeout 2 s), so
    // only c2 gets one; at 4 s c3's has timed out and it gets one again, c2's is in flight.
    answer(&mut c, 2_010, 1);
    assert_eq!(sends(&resend(&mut c, 3_000)), vec![(1, begin(1))]);
    assert_eq!(sends(&resend(&mut c, 4_000)), vec![(2, begin(1))]);
}

#[test]
fn the_active_controller_writes_a_noop_every_idle_interval_even_while_it_writes_other_records() {
    let mut c = Controller::new(0, vec![0], Config::default(), 7);
    step(&mut c, Time::ZERO, Input::Start);
    let (_, at) = c.timer_view.expect("an election timer");
    let out = step(&mut c, at, Input::Timer(Timer::Election));
    let mut next = at.plus_ms(500);
    assert!(out.contains(&Output::SetTimer { timer: Timer::NoOp, at: next }));
    let end = c.log.end_offset();
    let mut noops = 0;
    for i in 0..20 {
        // A metadata write just before every other NoOp: Kafka 4.x's writeNoOpRecord periodic
        // task does not look at other writes (the engine wrote a NoOp only when idle).
        if i % 2 == 0 {
            c.append_batch(vec![Record::Topic { name: format!("t{i}"), topic_id: 10 + i }], &mut Vec::new());
        }
        let out = step(&mut c, next, Input::Timer(Timer::NoOp));
        next = next.plus_ms(500);
        assert!(out.contains(&Output::SetTimer { timer: Timer::NoOp, at: next }), "{out:?}");
        noops = (end..c.log.end_offset()).filter(|o| c.log.get(*o).is_some_and(|e| e.record == Record::NoOp)).count();
    }
    // metadata.max.idle.interval.ms = 500: 20 NoOpRecords in 10 s.
    assert_eq!(noops, 20);
}
