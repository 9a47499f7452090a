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
        body: FetchBody::Records { base_offset: 0, entries: Vec::new() },
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
