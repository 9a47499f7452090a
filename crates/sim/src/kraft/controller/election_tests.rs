//! Rule tests for votes and pre-votes against Kafka 4.1's `KafkaRaftClient` and `QuorumState`
//! (research note items 3 and 4): a vote request of a newer epoch, and how a Prospective ends.

use super::tests::{controller, following_node_0, notes, sends, step, vote};
use super::*;

fn pre_vote_answer(epoch: u64, leader: Option<NodeId>, granted: bool) -> Msg {
    Msg::VoteResponse { epoch, leader, granted, pre_vote: true }
}

fn answer(from: NodeId, msg: Msg) -> Input<Msg, Timer, Cmd> {
    Input::Msg { from, msg }
}

/// Controller `id` of three, Candidate for epoch 1 at 1 s after a pre-vote granted by `voter`.
fn candidate(id: NodeId, voter: NodeId) -> Controller {
    let mut c = controller(id);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_secs(1), Input::Timer(Timer::Election));
    step(&mut c, Time::from_secs(1), answer(voter, pre_vote_answer(0, None, true)));
    assert!(matches!(c.state, State::Candidate { .. }) && c.epoch == 1);
    c
}

/// Controller 0 of three, leader of epoch 1 (its LeaderChangeMessage at offset 0).
pub(super) fn leader_of_three() -> Controller {
    let mut c = candidate(0, 1);
    let granted = Msg::VoteResponse { epoch: 1, leader: None, granted: true, pre_vote: false };
    step(&mut c, Time::from_secs(1), answer(1, granted));
    assert!(c.is_leader());
    c
}

/// A pre-vote from `candidate` whose log ends at (epoch 1, offset 1): as long as the leader's.
fn pre_vote_up_to_date(epoch: u64, candidate: NodeId) -> Input<Msg, Timer, Cmd> {
    answer(candidate, Msg::Vote { epoch, candidate, last_epoch: 1, last_offset: 1, pre_vote: true })
}

// ---- item 3: a pre-vote of a newer epoch ------------------------------------------------------

#[test]
fn a_pre_vote_of_a_newer_epoch_moves_a_follower_to_unattached_there_and_is_answered_with_it() {
    // Kafka 4.1 handleVoteRequest: `if (replicaEpoch > quorum.epoch())
    // transitionToUnattached(replicaEpoch, OptionalInt.empty())`, pre-votes included; the answer
    // carries quorum.epoch() (now the request's) and leaderIdOrSentinel() = -1
    // (KafkaRaftClientPreVoteTest.testHandlePreVoteRequestAsFollower).
    let mut c = following_node_0(1);
    let out = step(&mut c, Time::from_ms(20), vote(2, 2, true));
    assert_eq!(
        notes(&out),
        vec![
            Note::BecameUnattached { epoch: 2 },
            Note::VoteCast { candidate: 2, epoch: 2, pre_vote: true, granted: true }
        ]
    );
    // (Unattached, it fetches from a bootstrap server too: Kafka 4.1 pollUnattachedCommon.)
    let fetch = Msg::Fetch { epoch: 2, fetch_offset: 0, last_fetched_epoch: 0 };
    assert_eq!(sends(&out), vec![(0, fetch), (2, pre_vote_answer(2, None, true))]);
    assert_eq!((c.epoch, c.voted_for, c.leader_id, c.state.clone()), (2, None, None, State::Unattached));
    // From a Follower, QuorumState.transitionToUnattached draws a new election timeout [T, 2T).
    let (set, at) = c.timer_view.expect("an election timer");
    assert_eq!(set, Time::from_ms(20));
    assert!((1_000_000..2_000_000).contains(&at.since(set)), "{at:?}");
}

#[test]
fn a_pre_vote_of_a_newer_epoch_makes_a_leader_step_down_to_unattached() {
    let mut leader = leader_of_three();
    let out = step(&mut leader, Time::from_secs(2), pre_vote_up_to_date(2, 2));
    assert_eq!(
        notes(&out),
        vec![
            Note::BecameUnattached { epoch: 2 },
            Note::VoteCast { candidate: 2, epoch: 2, pre_vote: true, granted: true }
        ]
    );
    assert_eq!(sends(&out).last(), Some(&(2, pre_vote_answer(2, None, true))));
    assert_eq!((leader.epoch, leader.state.clone()), (2, State::Unattached));
}

#[test]
fn a_candidate_moved_to_unattached_by_a_newer_pre_vote_keeps_its_remaining_election_time() {
    // QuorumState.transitionToUnattached: from Candidate, `electionTimeoutMs =
    // candidateStateOrThrow().remainingElectionTimeMs(now)`.
    let mut c = candidate(1, 2);
    let countdown = c.timer_view.expect("the candidate's election timer");
    let out = step(&mut c, Time::from_ms(1_300), vote(2, 2, true));
    assert!(out.contains(&Output::SetTimer { timer: Timer::Election, at: countdown.1 }), "{out:?}");
    assert_eq!((c.epoch, c.state.clone(), c.timer_view), (2, State::Unattached, Some(countdown)));
}

// ---- item 4: leaving Prospective -------------------------------------------------------------

/// Controller 1 of three, following 0 in epoch 1, whose fetch timeout made it Prospective at 2.01 s.
fn prospective_that_followed_node_0() -> Controller {
    let mut c = following_node_0(1);
    step(&mut c, Time::from_ms(2_010), Input::Timer(Timer::FetchTimeout));
    assert!(matches!(c.state, State::Prospective { leader: Some(0), .. }));
    c
}

#[test]
fn a_prospective_that_remembers_the_leader_follows_it_only_once_a_majority_rejected() {
    // Kafka 4.1 handleVoteResponse: a same-epoch answer naming the leader the Prospective
    // already knows is just counted; maybeHandleElectionLoss once EpochElection.isVoteRejected
    // (granted + unrecorded below a majority: two rejections of three) →
    // prospectiveTransitionAfterElectionLoss → Follower.
    let mut c = prospective_that_followed_node_0();
    let out = step(&mut c, Time::from_ms(2_020), answer(0, pre_vote_answer(1, Some(0), false)));
    assert_eq!(out, Vec::new(), "one rejection of three: still Prospective");
    assert!(matches!(c.state, State::Prospective { leader: Some(0), .. }));
    let out = step(&mut c, Time::from_ms(2_030), answer(2, pre_vote_answer(1, Some(0), false)));
    assert_eq!(notes(&out), vec![Note::PreVoteRejected { epoch: 1 }, Note::BecameFollower { epoch: 1, leader: 0 }]);
    // A new Follower: fetch timer 2 000 ms, hasFetchedFromLeader false.
    assert!(out.contains(&Output::SetTimer { timer: Timer::FetchTimeout, at: Time::from_ms(4_030) }));
    assert!(matches!(c.state, State::Follower { leader: 0, has_fetched: false, .. }));
}

#[test]
fn a_leaderless_prospective_follows_a_leader_named_in_a_granted_pre_vote_answer() {
    // maybeHandleCommonResponse: `epoch == quorum.epoch() && leaderId.isPresent() &&
    // !quorum.hasLeader()` → transitionToFollower, granted or not
    // (testProspectiveWithoutLeaderTransitionsToFollower). Counting the grant would have made
    // it Candidate.
    let mut c = controller(1);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_secs(2), Input::Timer(Timer::Election));
    assert!(matches!(c.state, State::Prospective { leader: None, .. }));
    let out = step(&mut c, Time::from_ms(2_010), answer(2, pre_vote_answer(0, Some(0), true)));
    assert_eq!(notes(&out), vec![Note::BecameFollower { epoch: 0, leader: 0 }]);
    assert!(matches!(c.state, State::Follower { leader: 0, .. }) && c.epoch == 0);
}

#[test]
fn a_leaderless_prospective_rejected_by_a_majority_goes_unattached_with_a_new_timeout() {
    let mut c = controller(1);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_secs(2), Input::Timer(Timer::Election));
    step(&mut c, Time::from_ms(2_010), answer(0, pre_vote_answer(0, None, false)));
    assert!(matches!(c.state, State::Prospective { .. }));
    let out = step(&mut c, Time::from_ms(2_020), answer(2, pre_vote_answer(0, None, false)));
    assert_eq!(notes(&out), vec![Note::PreVoteRejected { epoch: 0 }, Note::BecameUnattached { epoch: 0 }]);
    // A rejected Prospective draws a new [T, 2T) (QuorumState.transitionToUnattached).
    let (set, at) = c.timer_view.expect("an election timer");
    assert_eq!(set, Time::from_ms(2_020));
    assert!((1_000_000..2_000_000).contains(&at.since(set)));
}

#[test]
fn a_leaderless_prospective_whose_election_timeout_expires_pre_votes_again_at_once() {
    // pollProspective → prospectiveTransitionAfterElectionLoss → Unattached with the remaining
    // election time (zero: not rejected), so the next poll is Prospective again with a new
    // [T, 2T) and new pre-votes, in the same instant.
    let mut c = controller(1);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_secs(2), Input::Timer(Timer::Election));
    let (_, timeout) = c.timer_view.expect("the pre-vote's election timer");
    let out = step(&mut c, timeout, Input::Timer(Timer::Election));
    assert_eq!(notes(&out), vec![Note::PreVoteLost { epoch: 0 }, Note::BecameProspective { epoch: 0 }]);
    let pre_vote = Msg::Vote { epoch: 0, candidate: 1, last_epoch: 0, last_offset: 0, pre_vote: true };
    assert_eq!(sends(&out), vec![(0, pre_vote.clone()), (2, pre_vote)]);
    assert!(matches!(c.state, State::Prospective { leader: None, .. }));
    assert_eq!(c.timer_view.map(|(set, _)| set), Some(timeout));
}

// ---- counting answers: what a vote answer may and may not do (issue 22) ---------------------

fn vote_answer(epoch: u64, leader: Option<NodeId>, granted: bool) -> Msg {
    Msg::VoteResponse { epoch, leader, granted, pre_vote: false }
}

#[test]
fn the_tally_counts_our_own_vote_and_the_majority_needed_only_while_asking() {
    let mut c = controller(1);
    step(&mut c, Time::ZERO, Input::Start);
    assert_eq!(c.tally(), None, "Unattached asks nobody");
    step(&mut c, Time::from_secs(2), Input::Timer(Timer::Election));
    assert_eq!(c.tally(), Some((1, 2)), "Prospective: its own pre-vote, 2 of 3 needed");
    step(&mut c, Time::from_ms(2_010), answer(2, pre_vote_answer(0, None, true)));
    assert_eq!(c.tally(), Some((1, 2)), "Candidate: its own vote again");
    let five = Controller::new(0, vec![0, 1, 2, 3, 4], Config::default(), 7);
    assert_eq!((five.majority(), five.tally()), (3, None));
}

#[test]
fn a_pre_vote_answer_reaching_a_candidate_is_not_counted_as_a_vote() {
    // KIP-996: pre-vote answers count while Prospective, vote answers while Candidate (Kafka
    // 4.1 handleVoteResponse checks `preVote` against the state). A late pre-vote grant from
    // voter 1 must not make candidate 0 leader.
    let mut c = candidate(0, 2);
    let out = step(&mut c, Time::from_ms(1_010), answer(1, pre_vote_answer(1, None, true)));
    assert_eq!(out, Vec::new());
    assert_eq!(c.tally(), Some((1, 2)));
    // Nor does a late pre-vote rejection count against it.
    step(&mut c, Time::from_ms(1_011), answer(1, pre_vote_answer(1, None, false)));
    assert!(matches!(&c.state, State::Candidate { rejected, .. } if rejected.is_empty()));
    // A real vote answer is counted: the candidate wins.
    let out = step(&mut c, Time::from_ms(1_020), answer(1, vote_answer(1, None, true)));
    assert!(notes(&out).contains(&Note::BecameLeader { epoch: 1 }), "{out:?}");
}

#[test]
fn a_vote_answer_reaching_a_prospective_is_not_counted_as_a_pre_vote() {
    let mut c = controller(1);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_secs(2), Input::Timer(Timer::Election));
    let out = step(&mut c, Time::from_ms(2_010), answer(2, vote_answer(0, None, true)));
    assert_eq!(out, Vec::new());
    assert!(matches!(c.state, State::Prospective { .. }) && c.tally() == Some((1, 2)));
}

#[test]
fn a_candidate_rejected_by_a_majority_waits_out_its_election_timeout() {
    // Kafka 4.1 (KAFKA-18345): only a Prospective leaves at once when a majority rejects it; a
    // Candidate records the rejections and stays until its election timeout.
    let mut c = candidate(0, 2);
    let countdown = c.timer_view;
    for (at, voter) in [(1_010, 1), (1_020, 2)] {
        let out = step(&mut c, Time::from_ms(at), answer(voter, vote_answer(1, None, false)));
        assert_eq!(out, Vec::new());
    }
    assert!(matches!(&c.state, State::Candidate { rejected, .. } if rejected.len() == 2));
    assert_eq!((c.epoch, c.timer_view), (1, countdown));
}

#[test]
fn a_candidate_learns_the_leader_from_a_rejection_that_names_it() {
    // Kafka 4.1 maybeHandleCommonResponse: an answer of our epoch naming a leader while we know
    // none makes us its follower, granted or not.
    let mut c = candidate(0, 2);
    let out = step(&mut c, Time::from_ms(1_010), answer(1, vote_answer(1, Some(2), false)));
    assert_eq!(notes(&out), vec![Note::BecameFollower { epoch: 1, leader: 2 }]);
    assert_eq!((c.epoch, c.leader_id), (1, Some(2)));
    assert!(matches!(c.state, State::Follower { leader: 2, has_fetched: false, .. }));
}

#[test]
fn a_rejection_naming_this_node_as_leader_is_only_counted() {
    // maybeHandleCommonResponse follows a *remote* leader: an answer naming ourselves moves
    // nothing (we would follow ourselves), it is counted as a rejection.
    let mut c = controller(1);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_secs(2), Input::Timer(Timer::Election));
    let out = step(&mut c, Time::from_ms(2_010), answer(2, pre_vote_answer(0, Some(1), false)));
    assert_eq!(out, Vec::new());
    assert!(matches!(&c.state, State::Prospective { rejected, leader: None, .. } if rejected.len() == 1));
    assert_eq!(c.leader_id, None);
}

#[test]
fn a_newer_epoch_answer_naming_this_node_makes_it_unattached_not_its_own_follower() {
    // KIP-595: a response of a higher epoch moves us to it; it names a leader we follow, unless
    // the leader named is ourselves (a leadership we no longer hold): then Unattached.
    let mut c = following_node_0(1);
    let out = step(&mut c, Time::from_ms(20), answer(2, vote_answer(3, Some(1), false)));
    assert_eq!(notes(&out), vec![Note::BecameUnattached { epoch: 3 }]);
    assert_eq!((c.epoch, c.leader_id, c.state.clone()), (3, None, State::Unattached));
    // Naming another node: its follower in that epoch.
    let out = step(&mut c, Time::from_ms(30), answer(2, vote_answer(4, Some(2), false)));
    assert_eq!(notes(&out), vec![Note::BecameFollower { epoch: 4, leader: 2 }]);
    let out = step(&mut c, Time::from_ms(40), answer(0, Msg::EndQuorumEpochResponse { epoch: 5, leader: Some(1) }));
    assert_eq!(notes(&out), vec![Note::BecameUnattached { epoch: 5 }]);
}

#[test]
fn an_up_to_date_check_compares_the_candidate_log_with_ours() {
    // KIP-595: granted only if (lastEpoch, lastOffset) ≥ our log end, epoch first. The leader
    // of three has (epoch 1, offset 1) after its LeaderChangeMessage; followers judge pre-votes.
    let mut c = leader_of_three();
    c.crash();
    step(&mut c, Time::from_secs(4), Input::Start);
    // Resigned at epoch 1; a newer vote moves it to Unattached, then the log is compared.
    let behind = Msg::Vote { epoch: 2, candidate: 1, last_epoch: 0, last_offset: 5, pre_vote: false };
    let out = step(&mut c, Time::from_ms(4_010), answer(1, behind));
    assert!(notes(&out).contains(&Note::VoteCast { candidate: 1, epoch: 2, pre_vote: false, granted: false }));
    assert_eq!(c.voted_for, None);
    let equal = Msg::Vote { epoch: 2, candidate: 2, last_epoch: 1, last_offset: 1, pre_vote: false };
    let out = step(&mut c, Time::from_ms(4_020), answer(2, equal));
    assert!(notes(&out).contains(&Note::VoteCast { candidate: 2, epoch: 2, pre_vote: false, granted: true }));
    assert_eq!(c.voted_for, Some(2));
    // One vote per epoch: another up-to-date candidate is refused, the same one granted again.
    let other = Msg::Vote { epoch: 2, candidate: 1, last_epoch: 1, last_offset: 1, pre_vote: false };
    let out = step(&mut c, Time::from_ms(4_030), answer(1, other));
    assert!(notes(&out).contains(&Note::VoteCast { candidate: 1, epoch: 2, pre_vote: false, granted: false }));
    let again = Msg::Vote { epoch: 2, candidate: 2, last_epoch: 0, last_offset: 0, pre_vote: false };
    let out = step(&mut c, Time::from_ms(4_040), answer(2, again));
    assert!(notes(&out).contains(&Note::VoteCast { candidate: 2, epoch: 2, pre_vote: false, granted: true }));
}

#[test]
fn a_leader_rejects_a_pre_vote_of_its_own_epoch_even_from_an_up_to_date_voter() {
    // KIP-996: a leader of the epoch grants no pre-vote (Kafka 4.1 LeaderState.canGrantVote
    // is false); it stays leader.
    let mut c = leader_of_three();
    let out = step(&mut c, Time::from_ms(1_500), pre_vote_up_to_date(1, 2));
    assert_eq!(notes(&out), vec![Note::VoteCast { candidate: 2, epoch: 1, pre_vote: true, granted: false }]);
    assert_eq!(sends(&out), vec![(2, pre_vote_answer(1, Some(0), false))]);
    assert!(c.is_leader());
}

#[test]
fn a_follower_that_has_not_fetched_yet_grants_an_up_to_date_pre_vote_but_never_a_vote() {
    // KIP-996: FollowerState.canGrantVote for a pre-vote: only before a successful fetch.
    // KIP-595: a Follower rejects standard votes.
    let mut c = following_node_0(1);
    let out = step(&mut c, Time::from_ms(20), vote(1, 2, true));
    assert_eq!(notes(&out), vec![Note::VoteCast { candidate: 2, epoch: 1, pre_vote: true, granted: true }]);
    let out = step(&mut c, Time::from_ms(21), vote(1, 2, false));
    assert_eq!(notes(&out), vec![Note::VoteCast { candidate: 2, epoch: 1, pre_vote: false, granted: false }]);
    assert_eq!(c.voted_for, None);
}
