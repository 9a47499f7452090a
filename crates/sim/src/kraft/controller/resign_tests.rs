//! Rule tests for a leader that steps down (research note item 5, Kafka 4.1 `pollLeader`,
//! `pollResigned`, `maybeCompleteShutdown`, `handleEndQuorumEpochRequest`).

use super::election_tests::leader_of_three;
use super::tests::{following_node_0, notes, sends, step};
use super::*;
use crate::kraft::msg::FetchBody;

fn from(node: NodeId, msg: Msg) -> Input<Msg, Timer, Cmd> {
    Input::Msg { from: node, msg }
}

fn fetch(offset: u64, last_epoch: u64) -> Msg {
    Msg::Fetch { epoch: 1, fetch_offset: offset, last_fetched_epoch: last_epoch }
}

fn end_quorum(preferred: Vec<NodeId>) -> Msg {
    Msg::EndQuorumEpoch { epoch: 1, leader: 0, preferred: preferred.into() }
}

fn halts(out: &Out) -> bool {
    out.contains(&Output::Halt)
}

#[test]
fn a_leader_shut_down_stays_up_answering_votes_until_it_learns_the_new_leader() {
    let mut c = leader_of_three();
    // c3 fetched up to the LeaderChangeMessage; c2 never fetched: c3 is preferred, c2 last.
    step(&mut c, Time::from_secs(2), from(2, fetch(1, 1)));
    let out = step(&mut c, Time::from_secs(3), Input::Shutdown);
    assert_eq!(notes(&out), vec![Note::Resigned { epoch: 1 }]);
    let end = end_quorum(vec![2, 1]);
    assert_eq!(sends(&out), vec![(1, end.clone()), (2, end)]);
    // KafkaRaftClientDriver: shutdown(5000); the leader does not stop after a short linger.
    assert!(out.contains(&Output::SetTimer { timer: Timer::ShutdownDone, at: Time::from_secs(8) }), "{out:?}");
    assert!(!halts(&out));
    // testLeaderGracefulShutdown: "We should still be able to handle vote requests during
    // graceful shutdown": a newer standard vote moves it to Unattached and it is granted.
    let vote = Msg::Vote { epoch: 2, candidate: 2, last_epoch: 1, last_offset: 1, pre_vote: false };
    let out = step(&mut c, Time::from_ms(3_150), from(2, vote));
    assert_eq!(sends(&out), vec![(2, Msg::VoteResponse { epoch: 2, leader: None, granted: true, pre_vote: false })]);
    assert!(!halts(&out) && c.state == State::Unattached);
    // Unattached while shutting down: its election timeout starts nothing.
    assert_eq!(step(&mut c, Time::from_ms(5_000), Input::Timer(Timer::Election)), Vec::new());
    // maybeCompleteShutdown: hasRemoteLeader() once the new leader's BeginQuorumEpoch arrives.
    let out = step(&mut c, Time::from_ms(5_100), from(2, Msg::BeginQuorumEpoch { epoch: 2, leader: 2 }));
    assert_eq!(notes(&out), vec![Note::BecameFollower { epoch: 2, leader: 2 }]);
    assert_eq!(out.last(), Some(&Output::Halt), "nothing is sent after the process stops: {out:?}");
    assert!(sends(&out).is_empty());
}

#[test]
fn a_leader_shutting_down_grants_a_pre_vote_and_stays_up_until_a_new_leader_is_known() {
    // Kafka 4.1 maybeCompleteShutdown: a resigned leader shutting down completes only once
    // hasRemoteLeader(); until then it answers votes. A prospective's pre-vote of the next epoch
    // (KIP-996; handleVoteRequest moves to Unattached at the request's epoch, pre-votes
    // included) is granted, and the process keeps running.
    let mut c = leader_of_three();
    step(&mut c, Time::from_secs(2), from(2, fetch(1, 1)));
    assert!(!halts(&step(&mut c, Time::from_secs(3), Input::Shutdown)));
    let pre_vote = Msg::Vote { epoch: 2, candidate: 2, last_epoch: 1, last_offset: 1, pre_vote: true };
    let out = step(&mut c, Time::from_ms(3_100), from(2, pre_vote));
    assert_eq!(sends(&out), vec![(2, Msg::VoteResponse { epoch: 2, leader: None, granted: true, pre_vote: true })]);
    assert!(!halts(&out), "{out:?}");
    assert_eq!((c.epoch, c.state.clone(), c.voted_for), (2, State::Unattached, None), "a pre-vote records no vote");
    // The same prospective's standard vote is granted too; still up, no leader known yet.
    let vote = Msg::Vote { epoch: 2, candidate: 2, last_epoch: 1, last_offset: 1, pre_vote: false };
    let out = step(&mut c, Time::from_ms(3_150), from(2, vote));
    assert_eq!(sends(&out), vec![(2, Msg::VoteResponse { epoch: 2, leader: None, granted: true, pre_vote: false })]);
    assert!(!halts(&out));
    // The new leader's BeginQuorumEpoch: now it stops.
    let out = step(&mut c, Time::from_ms(3_300), from(2, Msg::BeginQuorumEpoch { epoch: 2, leader: 2 }));
    assert_eq!(out.last(), Some(&Output::Halt));
}

#[test]
fn a_resigned_leader_sends_end_quorum_epoch_again_to_the_voters_that_did_not_answer() {
    let mut c = leader_of_three();
    step(&mut c, Time::from_secs(3), Input::Shutdown);
    let ack = Msg::EndQuorumEpochResponse { epoch: 1, leader: Some(0) };
    assert_eq!(step(&mut c, Time::from_ms(3_010), from(1, ack)), Vec::new());
    // pollResigned: EndQuorumEpoch to the unacked voters, after controller.quorum.request.timeout.ms.
    let out = step(&mut c, Time::from_secs(5), Input::Timer(Timer::EndQuorumResend));
    assert_eq!(sends(&out), vec![(2, end_quorum(vec![1, 2]))]);
    assert!(out.contains(&Output::SetTimer { timer: Timer::EndQuorumResend, at: Time::from_secs(7) }));
    // The shutdown timeout ends it.
    assert_eq!(step(&mut c, Time::from_secs(8), Input::Timer(Timer::ShutdownDone)), vec![Output::Halt]);
}

#[test]
fn a_check_quorum_failure_resigns_with_end_quorum_epoch_like_a_shutdown() {
    let mut c = leader_of_three();
    step(&mut c, Time::from_secs(2), from(1, fetch(1, 1)));
    let out = step(&mut c, Time::from_secs(5), Input::Timer(Timer::CheckQuorum));
    // Kafka 4.1 pollLeader: `transitionToResigned(state.nonLeaderVotersByDescendingFetchOffset())`
    // for a shutdown, resign() and a check-quorum failure alike.
    assert_eq!(notes(&out), vec![Note::CheckQuorumFailed { epoch: 1 }, Note::Resigned { epoch: 1 }]);
    let end = end_quorum(vec![1, 2]);
    assert_eq!(sends(&out), vec![(1, end.clone()), (2, end)]);
    assert!(!out.iter().any(|o| matches!(o, Output::SetTimer { timer: Timer::ShutdownDone, .. })));
}

#[test]
fn after_end_quorum_epoch_a_follower_that_fetched_still_rejects_pre_votes() {
    let mut c = following_node_0(1);
    let records = Msg::FetchResponse {
        epoch: 1,
        leader: Some(0),
        high_watermark: None,
        body: FetchBody::Records { base_offset: 0, entries: Vec::new().into() },
    };
    step(&mut c, Time::from_ms(50), from(0, records));
    assert!(matches!(c.state, State::Follower { has_fetched: true, .. }));
    let out = step(&mut c, Time::from_ms(100), from(0, end_quorum(vec![2, 1])));
    assert_eq!(notes(&out), vec![Note::EndQuorumEpochReceived { epoch: 1, backoff_ms: 500 }]);
    // FollowerState.overrideFetchTimeout only moves the timer: hasFetchedFromLeader stays true.
    let pre_vote = Msg::Vote { epoch: 1, candidate: 2, last_epoch: 0, last_offset: 0, pre_vote: true };
    let out = step(&mut c, Time::from_ms(110), from(2, pre_vote));
    assert_eq!(notes(&out), vec![Note::VoteCast { candidate: 2, epoch: 1, pre_vote: true, granted: false }]);
}

#[test]
fn a_follower_the_resigning_leader_did_not_name_waits_election_backoff_max() {
    let mut c = following_node_0(2);
    let out = step(&mut c, Time::from_ms(100), from(0, end_quorum(vec![1])));
    // strictExponentialElectionBackoffMs: a position past the list → election.backoff.max.ms.
    assert_eq!(notes(&out), vec![Note::EndQuorumEpochReceived { epoch: 1, backoff_ms: 1_000 }]);
    assert!(out.contains(&Output::SetTimer { timer: Timer::FetchTimeout, at: Time::from_ms(1_100) }));
    assert_eq!(sends(&out), vec![(0, Msg::EndQuorumEpochResponse { epoch: 1, leader: Some(0) })]);
}

#[test]
fn a_leader_restarted_as_resigned_tells_every_voter_to_elect_at_once() {
    let mut c = leader_of_three();
    c.crash();
    let out = step(&mut c, Time::from_secs(4), Input::Start);
    // QuorumState.initialize: Resigned with no preferred successors; pollResigned still sends
    // EndQuorumEpoch, and an empty list gives every follower a 0 ms wait.
    let end = end_quorum(Vec::new());
    assert_eq!(sends(&out), vec![(1, end.clone()), (2, end.clone())]);
    let mut f = following_node_0(1);
    let out = step(&mut f, Time::from_ms(4_010), from(0, end));
    assert_eq!(notes(&out), vec![Note::EndQuorumEpochReceived { epoch: 1, backoff_ms: 0 }]);
}

#[test]
fn a_follower_restarted_follows_the_leader_its_quorum_state_names() {
    // KIP-595 / Kafka 4.1 QuorumState.initialize: the quorum-state file holds (epoch, leader);
    // a voter that recorded another node as leader restarts as its Follower (only a node that
    // recorded itself starts Resigned), and fetches from it.
    let mut c = following_node_0(1);
    c.crash();
    let out = step(&mut c, Time::from_secs(4), Input::Start);
    assert_eq!(notes(&out), vec![Note::Started { epoch: 1 }, Note::BecameFollower { epoch: 1, leader: 0 }]);
    assert_eq!(sends(&out), vec![(0, fetch(0, 0))]);
    assert!(matches!(c.state, State::Follower { leader: 0, has_fetched: false, leader_resigned: false }));
    assert!(out.contains(&Output::SetTimer { timer: Timer::FetchTimeout, at: Time::from_secs(6) }));
}

#[test]
fn a_resigned_leader_moves_to_unattached_in_the_next_epoch_after_its_election_timeout() {
    // KIP-595: after its election timeout a Resigned leader becomes Unattached(epoch + 1).
    let mut c = leader_of_three();
    step(&mut c, Time::from_secs(2), Input::Timer(Timer::CheckQuorum));
    assert!(matches!(c.state, State::Resigned { .. }));
    let (_, at) = c.timer_view.expect("an election timer");
    let out = step(&mut c, at, Input::Timer(Timer::Election));
    assert_eq!(notes(&out), vec![Note::BecameUnattached { epoch: 2 }]);
    assert_eq!((c.epoch, c.voted_for, c.leader_id, c.state.clone()), (2, None, None, State::Unattached));
}

#[test]
fn a_follower_or_a_lone_voter_shuts_down_at_once_and_others_wait_for_a_leader() {
    // Kafka 4.1 maybeCompleteShutdown: a shutdown completes once a remote leader is known.
    let mut f = following_node_0(1);
    assert_eq!(step(&mut f, Time::from_secs(1), Input::Shutdown), vec![Output::Halt]);
    let mut lone = Controller::new(0, vec![0], Config::default(), 7);
    step(&mut lone, Time::ZERO, Input::Start);
    assert_eq!(step(&mut lone, Time::from_secs(1), Input::Shutdown), vec![Output::Halt]);
    // An Unattached voter of three knows no leader: it waits up to the shutdown timeout (5 s),
    // without starting an election, and fetches no more.
    let mut c = super::tests::controller(1);
    step(&mut c, Time::ZERO, Input::Start);
    let out = step(&mut c, Time::from_secs(1), Input::Shutdown);
    assert_eq!(out, vec![Output::SetTimer { timer: Timer::ShutdownDone, at: Time::from_secs(6) }]);
    assert_eq!(step(&mut c, Time::from_secs(1), Input::Shutdown), Vec::new(), "once");
    assert_eq!(step(&mut c, Time::from_secs(2), Input::Timer(Timer::Election)), Vec::new());
    assert_eq!(step(&mut c, Time::from_secs(2), Input::Timer(Timer::FetchRetry)), Vec::new());
}

#[test]
fn a_voter_that_voted_and_then_followed_does_not_vote_again_in_that_epoch() {
    // KIP-595: at most one vote per epoch, kept in the quorum-state file whatever the role:
    // c2 votes for c3 in epoch 1, follows c3, loses its pre-vote and is Unattached in epoch 1
    // again; c1 asking for epoch 1 is refused.
    let mut c = super::tests::controller(1);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_ms(5), super::tests::vote(1, 2, false));
    step(&mut c, Time::from_ms(10), from(2, Msg::BeginQuorumEpoch { epoch: 1, leader: 2 }));
    assert!(matches!(c.state, State::Follower { leader: 2, .. }));
    assert_eq!(c.voted_for, Some(2));
    step(&mut c, Time::from_ms(2_010), Input::Timer(Timer::FetchTimeout));
    for voter in [0, 2] {
        let no = Msg::VoteResponse { epoch: 1, leader: Some(2), granted: false, pre_vote: true };
        step(&mut c, Time::from_ms(2_020), from(voter, no));
    }
    assert_eq!((c.epoch, c.voted_for), (1, Some(2)));
    let out = step(&mut c, Time::from_ms(2_030), super::tests::vote(1, 0, false));
    assert_eq!(notes(&out), vec![Note::VoteCast { candidate: 0, epoch: 1, pre_vote: false, granted: false }]);
}

#[test]
fn a_new_leader_sets_its_periodic_timers() {
    // KIP-595: BeginQuorumEpoch every fetch.timeout / 2 = 1 s, check-quorum after 1.5 × fetch
    // timeout = 3 s; KIP-631: a NoOp every 500 ms; the stale-broker check every session / 8.
    let mut c = Controller::new(0, vec![0, 1, 2], Config::default(), 7);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_secs(1), Input::Timer(Timer::Election));
    step(
        &mut c,
        Time::from_secs(1),
        from(1, Msg::VoteResponse { epoch: 0, leader: None, granted: true, pre_vote: true }),
    );
    let out = step(
        &mut c,
        Time::from_secs(1),
        from(1, Msg::VoteResponse { epoch: 1, leader: None, granted: true, pre_vote: false }),
    );
    let timers: Vec<_> = out.iter().filter(|o| matches!(o, Output::SetTimer { .. })).cloned().collect();
    assert_eq!(
        timers,
        vec![
            Output::SetTimer { timer: Timer::BeginQuorumResend, at: Time::from_ms(2_000) },
            Output::SetTimer { timer: Timer::CheckQuorum, at: Time::from_ms(4_000) },
            Output::SetTimer { timer: Timer::NoOp, at: Time::from_ms(1_500) },
            Output::SetTimer { timer: Timer::SessionCheck, at: Time::from_ms(1_000).plus_us(9_000_000 / 8) },
        ]
    );
}

#[test]
fn the_preferred_successors_wait_strictly_exponential_backoffs() {
    // Kafka 4.1 strictExponentialElectionBackoffMs: position p of n waits
    // min(max, (max >> (n - 1)) << (p - 1)), the first 0 ms, one not named max (1 000 ms).
    use super::follower::end_epoch_election_backoff_ms as wait;
    let four = [4, 3, 2, 1];
    assert_eq!(four.map(|me| wait(me, &four)), [0, 125, 250, 500]);
    assert_eq!(wait(0, &four), 1_000);
    let three = [2, 1, 3];
    assert_eq!(three.map(|me| wait(me, &three)), [0, 250, 500]);
    // Five named (more than this model's voters allow, but the formula's): 62 << 3 = 496.
    let five = [1, 2, 3, 4, 5];
    assert_eq!(five.map(|me| wait(me, &five)), [0, 62, 124, 248, 496]);
    assert_eq!(wait(0, &five), 1_000);
    assert_eq!(wait(0, &[]), 0);
}

#[test]
fn a_begin_quorum_epoch_that_could_not_be_delivered_is_sent_again_at_the_next_round() {
    // Kafka: BROKER_NOT_AVAILABLE ends the request, so the next round (1 s) sends it again
    // without waiting for the request timeout.
    let mut c = leader_of_three();
    let begin = Msg::BeginQuorumEpoch { epoch: 1, leader: 0 };
    assert_eq!(step(&mut c, Time::from_ms(1_005), Input::Unreachable { to: 2, msg: begin.clone() }), Vec::new());
    let out = step(&mut c, Time::from_secs(2), Input::Timer(Timer::BeginQuorumResend));
    // c2's request is still awaited (sent at 1 s, request timeout 2 s); c3's ended.
    assert_eq!(sends(&out), vec![(2, begin)]);
}

#[test]
fn a_voter_whose_pre_vote_was_rejected_keeps_the_vote_it_cast_in_that_epoch() {
    // KIP-595: one vote per epoch. c2 voted for c3 in epoch 1, then ran a pre-vote (same
    // epoch) that a majority rejected: Unattached in epoch 1 again, its vote still recorded,
    // so c1 asking for epoch 1 is refused.
    let mut c = super::tests::controller(1);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_ms(5), super::tests::vote(1, 2, false));
    step(&mut c, Time::from_ms(1_500), Input::Timer(Timer::Election));
    assert!(matches!(c.state, State::Prospective { leader: None, .. }));
    for voter in [0, 2] {
        let no = Msg::VoteResponse { epoch: 1, leader: None, granted: false, pre_vote: true };
        step(&mut c, Time::from_ms(1_510), from(voter, no));
    }
    assert_eq!((c.state.clone(), c.epoch, c.voted_for), (State::Unattached, 1, Some(2)));
    let out = step(&mut c, Time::from_ms(1_520), super::tests::vote(1, 0, false));
    assert_eq!(notes(&out), vec![Note::VoteCast { candidate: 0, epoch: 1, pre_vote: false, granted: false }]);
}
