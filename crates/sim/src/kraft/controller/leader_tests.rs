//! Rule tests for what a leader sends and writes on its own (research note item 6, Kafka 4.1
//! `LeaderState`, `maybeSendBeginQuorumEpochRequests`, `QuorumController.registerWriteNoOpRecord`).

use super::election_tests::leader_of_three;
use super::tests::{sends, step};
use super::*;
use crate::kraft::msg::FetchBody;

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
    // Kafka 4.2 (KAFKA-16926, LeaderState.needToSendBeginQuorumRequests) sends it only to the
    // voters that have not fetched within that second; this model follows 4.1 throughout, and
    // the About text says so.
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

/// Controller 0 of `voters`, leader of epoch 1 at 1 s (its LeaderChangeMessage at offset 0),
/// then `records` NoOps appended: its log ends at `1 + records`.
fn leader_of(voters: Vec<NodeId>, records: usize) -> Controller {
    let n = voters.len();
    let mut c = Controller::new(0, voters, Config::default(), 7);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_secs(1), Input::Timer(Timer::Election));
    for (pre_vote, epoch) in [(true, 0), (false, 1)] {
        for voter in 1..n / 2 + 1 {
            let msg = Msg::VoteResponse { epoch, leader: None, granted: true, pre_vote };
            step(&mut c, Time::from_secs(1), Input::Msg { from: voter as NodeId, msg });
        }
    }
    assert!(c.is_leader() && c.epoch == 1);
    for _ in 0..records {
        c.append_batch(vec![Record::NoOp], &mut Vec::new());
    }
    c
}

fn fetch_at(c: &mut Controller, at_ms: u64, from: NodeId, offset: u64) -> Out {
    let msg = Msg::Fetch { epoch: 1, fetch_offset: offset, last_fetched_epoch: 1 };
    step(c, Time::from_ms(at_ms), Input::Msg { from, msg })
}

#[test]
fn the_high_watermark_is_the_offset_a_majority_of_four_voters_holds() {
    // KIP-595 maybeUpdateHighWatermark: the voters' end offsets sorted high to low, the one at
    // index voters/2. Four voters: the leader at 5, c2 at 5, c3 at 1, c4 never fetched (0):
    // [5, 5, 1, 0][2] = 1; offset 5 is on two of four, not a majority.
    let mut c = leader_of(vec![0, 1, 2, 3], 4);
    assert_eq!((c.log.end_offset(), c.high_watermark), (5, 0));
    fetch_at(&mut c, 1_100, 1, 5);
    assert_eq!(c.high_watermark, 0, "[5, 5, 0, 0]: nothing past the epoch start on three");
    fetch_at(&mut c, 1_200, 2, 1);
    assert_eq!(c.high_watermark, 1);
    fetch_at(&mut c, 1_300, 3, 3);
    assert_eq!(c.high_watermark, 3, "[5, 5, 3, 1]");
    fetch_at(&mut c, 1_400, 2, 5);
    assert_eq!(c.high_watermark, 5);
}

#[test]
fn the_high_watermark_of_five_voters_needs_three_and_never_goes_back() {
    let mut c = leader_of(vec![0, 1, 2, 3, 4], 4);
    fetch_at(&mut c, 1_100, 1, 5);
    assert_eq!(c.high_watermark, 0, "[5, 5, 0, 0, 0]");
    fetch_at(&mut c, 1_200, 4, 2);
    assert_eq!(c.high_watermark, 2, "[5, 5, 2, 0, 0]");
    // A voter reporting a lower offset (it truncated) does not move the high watermark back.
    fetch_at(&mut c, 1_300, 1, 1);
    assert_eq!(c.high_watermark, 2);
}

#[test]
fn a_parked_fetch_is_answered_as_soon_as_it_moves_the_high_watermark() {
    // KIP-595 long poll: a fetch at the leader's log end waits (FetchWait); Kafka completes
    // delayed fetches when the high watermark moves. Three voters: c2 fetching at 1 puts the
    // LeaderChangeMessage on a majority, so the HW becomes 1 and the parked fetch is answered.
    let mut c = leader_of(vec![0, 1, 2], 0);
    let out = fetch_at(&mut c, 1_100, 1, 1);
    assert_eq!(c.high_watermark, 1);
    let records = FetchBody::Records { base_offset: 1, entries: Vec::new().into() };
    let answer = Msg::FetchResponse { epoch: 1, leader: Some(0), high_watermark: Some(1), body: records };
    assert_eq!(
        out,
        vec![
            // Check-quorum: c2 and the leader are a majority; a new 3 s window.
            Output::SetTimer { timer: Timer::CheckQuorum, at: Time::from_ms(4_100) },
            Output::SetTimer { timer: Timer::FetchWait(1), at: Time::from_ms(1_600) },
            Output::CancelTimer(Timer::FetchWait(1)),
            Output::Send { to: 1, msg: answer },
        ]
    );
}

#[test]
fn a_fetch_past_the_end_of_its_last_epoch_is_answered_with_diverging_epoch() {
    // KIP-595: the leader validates (FetchOffset, LastFetchedEpoch) against its log and answers
    // DivergingEpoch(endOffsetForEpoch(LastFetchedEpoch)) when the fetcher's log went further.
    // The leader's log: three entries of epoch 1 (LeaderChangeMessage, two NoOps).
    let mut c = leader_of(vec![0, 1, 2], 2);
    let diverging = |epoch, end_offset| Msg::FetchResponse {
        epoch: 1,
        leader: Some(0),
        high_watermark: None,
        body: FetchBody::Diverging { epoch, end_offset },
    };
    let out = fetch_at(&mut c, 1_100, 1, 5);
    assert_eq!(out, vec![Output::Send { to: 1, msg: diverging(1, 3) }]);
    // An epoch the leader never had: its largest epoch not above it.
    let msg = Msg::Fetch { epoch: 1, fetch_offset: 3, last_fetched_epoch: 0 };
    let out = step(&mut c, Time::from_ms(1_200), Input::Msg { from: 2, msg });
    assert_eq!(out, vec![Output::Send { to: 2, msg: diverging(0, 0) }]);
    // Nothing counted from a diverging fetch: no high watermark, no check-quorum window.
    assert_eq!(c.high_watermark, 0);
    // At the end of epoch 1 exactly: valid, the records from there (none) and the HW moves.
    let out = fetch_at(&mut c, 1_300, 1, 3);
    assert_eq!(c.high_watermark, 3);
    assert!(
        sends(&out).iter().any(|(to, m)| *to == 1 && matches!(m, Msg::FetchResponse { high_watermark: Some(3), .. })),
        "{out:?}"
    );
}

#[test]
fn a_parked_fetch_is_answered_empty_when_its_max_wait_passes() {
    // KIP-595 long poll: a fetch with nothing new waits at most fetch.max.wait.ms (500 ms),
    // then is answered with no records.
    let mut c = leader_of(vec![0, 1, 2], 0);
    fetch_at(&mut c, 1_100, 1, 1);
    let out = fetch_at(&mut c, 1_200, 1, 1);
    assert_eq!(
        out,
        vec![
            Output::SetTimer { timer: Timer::CheckQuorum, at: Time::from_ms(4_200) },
            Output::SetTimer { timer: Timer::FetchWait(1), at: Time::from_ms(1_700) },
        ]
    );
    let out = step(&mut c, Time::from_ms(1_700), Input::Timer(Timer::FetchWait(1)));
    let records = FetchBody::Records { base_offset: 1, entries: Vec::new().into() };
    let answer = Msg::FetchResponse { epoch: 1, leader: Some(0), high_watermark: Some(1), body: records };
    assert_eq!(out, vec![Output::CancelTimer(Timer::FetchWait(1)), Output::Send { to: 1, msg: answer }]);
    // Answered once: a second expiry finds nothing parked.
    assert_eq!(step(&mut c, Time::from_ms(1_701), Input::Timer(Timer::FetchWait(1))), Vec::new());
}

#[test]
fn entries_of_an_earlier_epoch_commit_only_with_the_new_leader_change_message() {
    // Raft §5.4.2 (Figure 8) / KIP-595: a leader counts replicas only past its epoch start
    // offset. Controller 0 holds three entries of epoch 1 and is elected in epoch 2: its
    // LeaderChangeMessage is at offset 3. A follower at 3 puts the old entries on a majority,
    // but they commit only once the LeaderChangeMessage (offset 4) is on one too.
    let mut c = Controller::new(0, vec![0, 1, 2], Config::default(), 7);
    c.epoch = 1;
    for _ in 0..3 {
        c.log.append(crate::kraft::log::Entry { epoch: 1, record: Record::NoOp, batch_end: true });
    }
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_secs(1), Input::Timer(Timer::Election));
    for (pre_vote, epoch) in [(true, 1), (false, 2)] {
        let msg = Msg::VoteResponse { epoch, leader: None, granted: true, pre_vote };
        step(&mut c, Time::from_secs(1), Input::Msg { from: 1, msg });
    }
    assert!(c.is_leader() && c.epoch == 2);
    assert_eq!(c.log.end_offset(), 4);
    let fetch = |offset, last_fetched_epoch| Input::Msg {
        from: 1,
        msg: Msg::Fetch { epoch: 2, fetch_offset: offset, last_fetched_epoch },
    };
    let out = step(&mut c, Time::from_ms(1_100), fetch(3, 1));
    assert_eq!(c.high_watermark, 0, "[4, 3, 0]: offset 3 is the epoch start, not past it");
    // No high watermark is known to followers yet.
    assert!(sends(&out).iter().all(|(_, m)| matches!(m, Msg::FetchResponse { high_watermark: None, .. })), "{out:?}");
    step(&mut c, Time::from_ms(1_200), fetch(4, 2));
    assert_eq!(c.high_watermark, 4);
}
