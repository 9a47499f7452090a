//! Rule tests for why a controller starts an election (KIP-595, KIP-996): each path is
//! narrated with its cause just before the pre-vote.

use super::*;
use crate::kraft::msg::FetchBody;

pub(super) fn controller(id: NodeId) -> Controller {
    Controller::new(id, vec![0, 1, 2], Config::default(), 7)
}

pub(super) fn step(c: &mut Controller, now: Time, input: Input<Msg, Timer, Cmd>) -> Out {
    let mut out = Vec::new();
    c.step(now, input, &mut out);
    out
}

pub(super) fn notes(out: &Out) -> Vec<Note> {
    out.iter()
        .filter_map(|o| match o {
            Output::Note(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// Controller `id` started and following c1 (node 0) in epoch 1, at 10 ms.
pub(super) fn following_node_0(id: NodeId) -> Controller {
    let mut c = controller(id);
    step(&mut c, Time::ZERO, Input::Start);
    let begin = Msg::BeginQuorumEpoch { epoch: 1, leader: 0 };
    step(&mut c, Time::from_ms(10), Input::Msg { from: 0, msg: begin });
    assert!(matches!(c.state, State::Follower { leader: 0, .. }));
    c
}

#[test]
fn an_unattached_voter_says_its_election_timeout_expired_with_no_leader_known() {
    let mut c = controller(2);
    step(&mut c, Time::ZERO, Input::Start);
    let (set, at) = c.timer_view.expect("an election timer");
    // KIP-595: the election timeout is uniform in [T, 2T), T = 1 000 ms.
    let timeout_ms = at.since(set) / 1_000;
    assert!((1_000..2_000).contains(&timeout_ms), "{timeout_ms}");
    let out = step(&mut c, at, Input::Timer(Timer::Election));
    assert_eq!(out[0], Output::Note(Note::NoLeaderTimeout { epoch: 0, timeout_ms }));
    assert_eq!(notes(&out), vec![Note::NoLeaderTimeout { epoch: 0, timeout_ms }, Note::BecameProspective { epoch: 0 }]);
}

#[test]
fn a_follower_that_hears_nothing_for_the_fetch_timeout_says_so_before_its_pre_vote() {
    let mut c = following_node_0(1);
    // KIP-595: fetch timeout 2 000 ms from the last successful fetch (here: from following).
    assert_eq!(c.timer_view, Some((Time::from_ms(10), Time::from_ms(2_010))));
    let out = step(&mut c, Time::from_ms(2_010), Input::Timer(Timer::FetchTimeout));
    assert_eq!(notes(&out), vec![Note::FetchTimeout { epoch: 1 }, Note::BecameProspective { epoch: 1 }]);
}

#[test]
fn a_preferred_successor_says_the_leader_resigned_not_that_fetches_timed_out() {
    for (id, wait_ms) in [(1, 0), (2, 500)] {
        let mut c = following_node_0(id);
        let end = Msg::EndQuorumEpoch { epoch: 1, leader: 0, preferred: vec![1, 2].into() };
        let out = step(&mut c, Time::from_ms(100), Input::Msg { from: 0, msg: end });
        // KIP-595: the first preferred candidate waits 0 ms, the second 500 ms.
        assert_eq!(notes(&out), vec![Note::EndQuorumEpochReceived { epoch: 1, backoff_ms: wait_ms }]);
        let at = Time::from_ms(100 + wait_ms);
        assert!(out.contains(&Output::SetTimer { timer: Timer::FetchTimeout, at }));
        let out = step(&mut c, at, Input::Timer(Timer::FetchTimeout));
        assert_eq!(
            notes(&out),
            vec![Note::SuccessorTurn { epoch: 1, resigned: 0 }, Note::BecameProspective { epoch: 1 }],
            "c{}",
            id + 1
        );
    }
}

/// A one-voter quorum's leader (epoch 1) whose log holds topic `orders` (topic id 1).
pub(super) fn single_voter_leader_with_orders() -> Controller {
    let mut c = Controller::new(0, vec![0], Config::default(), 7);
    step(&mut c, Time::ZERO, Input::Start);
    let (_, at) = c.timer_view.expect("an election timer");
    step(&mut c, at, Input::Timer(Timer::Election));
    assert!(c.is_leader());
    let mut out = Vec::new();
    c.append_batch(vec![Record::Topic { name: "orders".into(), topic_id: 1 }], &mut out);
    assert_eq!(c.high_watermark, 2);
    c
}

fn alter(topic: &str, key: &str, value: &str) -> Input<Msg, Timer, Cmd> {
    Input::Client(Cmd::AlterConfig { topic: topic.into(), key: key.into(), value: value.into() })
}

#[test]
fn the_active_controller_appends_a_config_record_for_an_existing_topic() {
    let mut c = single_voter_leader_with_orders();
    let out = step(&mut c, Time::from_secs(3), alter("orders", "retention.ms", "3600000"));
    // KIP-631: one ConfigRecord (resource type TOPIC); a one-voter quorum commits it at once.
    let change = crate::kraft::Change::ConfigAltered {
        topic: "orders".into(),
        key: "retention.ms".into(),
        value: "3600000".into(),
    };
    assert_eq!(out, vec![Output::Note(Note::MetadataChange { change, epoch: 1, end_offset: 3 })]);
    let record = Record::Config {
        resource_type: crate::kraft::record::ConfigResourceType::Topic,
        resource_name: "orders".into(),
        name: "retention.ms".into(),
        value: "3600000".into(),
    };
    assert_eq!(c.log.get(2).map(|e| &e.record), Some(&record));
    assert_eq!(c.image.topic_config("orders", "retention.ms"), Some("3600000"));
    // The same value again changes nothing: no record (ConfigurationControlManager).
    let out = step(&mut c, Time::from_secs(4), alter("orders", "retention.ms", "3600000"));
    let unchanged =
        Note::ConfigUnchanged { topic: "orders".into(), key: "retention.ms".into(), value: "3600000".into() };
    assert_eq!(out, vec![Output::Note(unchanged)]);
    assert_eq!(c.log.end_offset(), 3);
}

#[test]
fn an_unknown_topic_is_refused_with_no_record_and_a_follower_does_nothing() {
    let mut c = single_voter_leader_with_orders();
    let out = step(&mut c, Time::from_secs(3), alter("payments", "retention.ms", "1"));
    // ConfigResourceExistenceChecker: UNKNOWN_TOPIC_OR_PARTITION.
    assert_eq!(out, vec![Output::Note(Note::ConfigRefusedUnknownTopic { topic: "payments".into() })]);
    assert_eq!(c.log.end_offset(), 2);
    let mut follower = following_node_0(1);
    assert_eq!(step(&mut follower, Time::from_secs(3), alter("orders", "retention.ms", "1")), Vec::new());
}

// ---- the epoch check at the top of `on_msg` ---------------------------------------------------

pub(super) fn sends(out: &Out) -> Vec<(NodeId, Msg)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send { to, msg } => Some((*to, msg.clone())),
            _ => None,
        })
        .collect()
}

pub(super) fn vote(epoch: u64, candidate: NodeId, pre_vote: bool) -> Input<Msg, Timer, Cmd> {
    Input::Msg { from: candidate, msg: Msg::Vote { epoch, candidate, last_epoch: 0, last_offset: 0, pre_vote } }
}

#[test]
fn a_vote_from_an_older_epoch_is_rejected_with_our_epoch_and_leader() {
    let mut c = following_node_0(1);
    let out = step(&mut c, Time::from_ms(20), vote(0, 2, false));
    let rejected = Msg::VoteResponse { epoch: 1, leader: Some(0), granted: false, pre_vote: false };
    assert_eq!(out, vec![Output::Send { to: 2, msg: rejected }]);
    assert_eq!((c.epoch, c.voted_for), (1, None));
}

#[test]
fn a_standard_vote_of_a_newer_epoch_moves_to_unattached_there_before_it_is_judged() {
    let mut c = following_node_0(1);
    let out = step(&mut c, Time::from_ms(20), vote(2, 2, false));
    // KIP-595: Unattached at epoch 2 first; then, no vote cast yet in epoch 2, it is granted.
    assert_eq!(
        notes(&out),
        vec![
            Note::BecameUnattached { epoch: 2 },
            Note::VoteCast { candidate: 2, epoch: 2, pre_vote: false, granted: true }
        ]
    );
    let granted = Msg::VoteResponse { epoch: 2, leader: None, granted: true, pre_vote: false };
    // Unattached, it also fetches from a bootstrap server (Kafka 4.1 pollUnattachedCommon).
    let fetch = Msg::Fetch { epoch: 2, fetch_offset: 0, last_fetched_epoch: 0 };
    assert_eq!(sends(&out), vec![(0, fetch), (2, granted)]);
    assert_eq!((c.epoch, c.voted_for, c.state.clone()), (2, Some(2), State::Unattached));
}

#[test]
fn a_vote_of_a_newer_epoch_from_a_non_voter_or_for_another_node_moves_nothing() {
    let mut c = following_node_0(1);
    let rejected = Msg::VoteResponse { epoch: 1, leader: Some(0), granted: false, pre_vote: false };
    let from_non_voter = step(&mut c, Time::from_ms(20), vote(3, 7, false));
    assert_eq!(from_non_voter, vec![Output::Send { to: 7, msg: rejected.clone() }]);
    let msg = Msg::Vote { epoch: 3, candidate: 0, last_epoch: 0, last_offset: 0, pre_vote: false };
    let for_another = step(&mut c, Time::from_ms(21), Input::Msg { from: 2, msg });
    assert_eq!(for_another, vec![Output::Send { to: 2, msg: rejected }]);
    assert!(matches!(c.state, State::Follower { leader: 0, .. }) && c.epoch == 1);
}

#[test]
fn responses_of_a_newer_epoch_move_to_it_and_older_ones_are_dropped() {
    let mut c = following_node_0(1);
    let old = Msg::FetchResponse { epoch: 0, leader: Some(2), high_watermark: None, body: FetchBody::NotLeader };
    // Dropped, but the answer frees the fetcher: the next fetch goes to the leader.
    let fetch = Msg::Fetch { epoch: 1, fetch_offset: 0, last_fetched_epoch: 0 };
    assert_eq!(sends(&step(&mut c, Time::from_ms(20), Input::Msg { from: 0, msg: old })), vec![(0, fetch)]);
    let old_vote = Msg::VoteResponse { epoch: 0, leader: None, granted: true, pre_vote: false };
    assert_eq!(step(&mut c, Time::from_ms(21), Input::Msg { from: 2, msg: old_vote }), Vec::new());
    // A BeginQuorumEpoch answer names no leader: Unattached at its epoch, fetching from a
    // bootstrap server.
    let newer = Msg::BeginQuorumEpochResponse { epoch: 3 };
    let out = step(&mut c, Time::from_ms(22), Input::Msg { from: 2, msg: newer });
    assert_eq!(notes(&out), vec![Note::BecameUnattached { epoch: 3 }]);
    let [(asked, Msg::Fetch { epoch: 3, .. })] = sends(&out)[..] else { panic!("{out:?}") };
    // A fetch answer that names a leader: follow it there.
    let newer = Msg::FetchResponse { epoch: 4, leader: Some(2), high_watermark: None, body: FetchBody::NotLeader };
    let out = step(&mut c, Time::from_ms(23), Input::Msg { from: asked, msg: newer });
    assert_eq!(notes(&out), vec![Note::BecameFollower { epoch: 4, leader: 2 }]);
    assert_eq!((c.epoch, c.leader_id), (4, Some(2)));
}

#[test]
fn a_fetch_of_another_epoch_is_answered_not_leader_with_the_leader_known() {
    let fetch = |epoch| Input::Msg { from: 5, msg: Msg::Fetch { epoch, fetch_offset: 0, last_fetched_epoch: 0 } };
    let not_leader = |leader| Msg::FetchResponse {
        epoch: 1,
        leader: Some(leader),
        high_watermark: None,
        body: FetchBody::NotLeader,
    };
    let mut follower = following_node_0(1);
    for epoch in [0, 1, 4] {
        let out = step(&mut follower, Time::from_ms(20), fetch(epoch));
        assert_eq!(out, vec![Output::Send { to: 5, msg: not_leader(0) }], "epoch {epoch}");
    }
    let mut leader = single_voter_leader_with_orders();
    for epoch in [0, 2] {
        let out = step(&mut leader, Time::from_ms(20), fetch(epoch));
        assert_eq!(out, vec![Output::Send { to: 5, msg: not_leader(0) }], "epoch {epoch}");
    }
}

#[test]
fn begin_quorum_epoch_of_an_older_epoch_is_answered_with_ours_and_a_newer_one_is_followed() {
    let mut c = following_node_0(1);
    let old = Msg::BeginQuorumEpoch { epoch: 0, leader: 2 };
    let out = step(&mut c, Time::from_ms(20), Input::Msg { from: 2, msg: old });
    assert_eq!(out, vec![Output::Send { to: 2, msg: Msg::BeginQuorumEpochResponse { epoch: 1 } }]);
    let newer = Msg::BeginQuorumEpoch { epoch: 2, leader: 2 };
    let out = step(&mut c, Time::from_ms(21), Input::Msg { from: 2, msg: newer });
    assert_eq!(notes(&out), vec![Note::BecameFollower { epoch: 2, leader: 2 }]);
    assert_eq!(sends(&out).last(), Some(&(2, Msg::BeginQuorumEpochResponse { epoch: 2 })));
}

#[test]
fn an_end_quorum_epoch_of_an_older_epoch_is_answered_with_ours_and_a_newer_one_is_followed_first() {
    // Kafka 4.1 handleEndQuorumEpochRequest: FENCED_LEADER_EPOCH for an older epoch (answered
    // with our epoch and leader); for a newer one maybeTransition follows the resigning leader,
    // then its preferred-successor wait applies.
    let mut c = following_node_0(1);
    let old = Msg::EndQuorumEpoch { epoch: 0, leader: 2, preferred: vec![1].into() };
    let out = step(&mut c, Time::from_ms(100), Input::Msg { from: 2, msg: old });
    assert_eq!(out, vec![Output::Send { to: 2, msg: Msg::EndQuorumEpochResponse { epoch: 1, leader: Some(0) } }]);
    let newer = Msg::EndQuorumEpoch { epoch: 2, leader: 2, preferred: vec![1].into() };
    let out = step(&mut c, Time::from_ms(200), Input::Msg { from: 2, msg: newer });
    assert_eq!(
        notes(&out),
        vec![Note::BecameFollower { epoch: 2, leader: 2 }, Note::EndQuorumEpochReceived { epoch: 2, backoff_ms: 0 }]
    );
    assert_eq!(sends(&out).last(), Some(&(2, Msg::EndQuorumEpochResponse { epoch: 2, leader: Some(2) })));
}

#[test]
fn only_quorum_state_transitions_are_legal() {
    use super::transitions::legal_transition;
    let leader = match single_voter_leader_with_orders().state {
        State::Leader(l) => State::Leader(l),
        other => panic!("{other:?}"),
    };
    let votes = || (SortedSet::new(), SortedSet::new());
    let (granted, rejected) = votes();
    let prospective = State::Prospective { granted, rejected, leader: None };
    let (granted, rejected) = votes();
    let candidate = State::Candidate { granted, rejected };
    let follower = State::Follower { leader: 0, has_fetched: false, leader_resigned: false };
    let resigned = State::Resigned { unacked: SortedSet::new(), preferred: Vec::new() };
    let all = [State::Unattached, prospective, candidate, leader, follower, resigned];
    let mut legal = Vec::new();
    for from in &all {
        for to in &all {
            if legal_transition(from, to) {
                legal.push(format!("{} → {}", from.name(), to.name()));
            }
        }
    }
    // KIP-595 QuorumState with KIP-996's Prospective (Kafka 4.x: a candidate whose election
    // times out goes back to Prospective).
    assert_eq!(
        legal,
        [
            "Unattached → Unattached",
            "Unattached → Prospective",
            "Unattached → Candidate",
            "Unattached → Follower",
            "Prospective → Unattached",
            "Prospective → Candidate",
            "Prospective → Follower",
            "Candidate → Unattached",
            "Candidate → Prospective",
            "Candidate → Candidate",
            "Candidate → Leader",
            "Candidate → Follower",
            "Leader → Unattached",
            "Leader → Follower",
            "Leader → Resigned",
            "Follower → Unattached",
            "Follower → Prospective",
            "Follower → Candidate",
            "Follower → Follower",
            "Resigned → Unattached",
            "Resigned → Follower",
        ]
    );
}

#[test]
fn begin_quorum_epoch_is_followed_only_from_the_leader_it_names() {
    // KIP-595: BeginQuorumEpoch comes from the new leader itself. One of a newer epoch that
    // names another node than its sender moves nothing and is answered with our epoch.
    let mut c = following_node_0(1);
    let out =
        step(&mut c, Time::from_ms(20), Input::Msg { from: 2, msg: Msg::BeginQuorumEpoch { epoch: 2, leader: 1 } });
    assert_eq!(out, vec![Output::Send { to: 2, msg: Msg::BeginQuorumEpochResponse { epoch: 1 } }]);
    assert_eq!((c.epoch, c.leader_id), (1, Some(0)));
    // The same from the leader we already follow (its periodic resend): answered, nothing reset.
    let out =
        step(&mut c, Time::from_ms(1_000), Input::Msg { from: 0, msg: Msg::BeginQuorumEpoch { epoch: 1, leader: 0 } });
    assert_eq!(out, vec![Output::Send { to: 0, msg: Msg::BeginQuorumEpochResponse { epoch: 1 } }]);
    assert_eq!(c.timer_view, Some((Time::from_ms(10), Time::from_ms(2_010))));
}

#[test]
fn begin_quorum_epoch_of_our_epoch_makes_an_unattached_voter_follow_its_sender() {
    // An Unattached voter that voted in epoch 1 learns the winner from its BeginQuorumEpoch.
    let mut c = controller(1);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_ms(5), vote(1, 2, false));
    assert_eq!((c.epoch, c.voted_for), (1, Some(2)));
    let out =
        step(&mut c, Time::from_ms(10), Input::Msg { from: 2, msg: Msg::BeginQuorumEpoch { epoch: 1, leader: 2 } });
    assert_eq!(notes(&out), vec![Note::BecameFollower { epoch: 1, leader: 2 }]);
    assert_eq!(sends(&out).last(), Some(&(2, Msg::BeginQuorumEpochResponse { epoch: 1 })));
    // Same epoch, naming a node other than its sender: not followed.
    let mut c = controller(1);
    step(&mut c, Time::ZERO, Input::Start);
    step(&mut c, Time::from_ms(5), vote(1, 2, false));
    let out =
        step(&mut c, Time::from_ms(10), Input::Msg { from: 0, msg: Msg::BeginQuorumEpoch { epoch: 1, leader: 2 } });
    assert_eq!(out, vec![Output::Send { to: 0, msg: Msg::BeginQuorumEpochResponse { epoch: 1 } }]);
    assert_eq!(c.state, State::Unattached);
}

#[test]
fn end_quorum_epoch_of_a_newer_epoch_is_followed_only_from_the_leader_it_names() {
    let mut c = following_node_0(1);
    let end = Msg::EndQuorumEpoch { epoch: 2, leader: 0, preferred: vec![1].into() };
    let out = step(&mut c, Time::from_ms(20), Input::Msg { from: 2, msg: end });
    assert_eq!(out, vec![Output::Send { to: 2, msg: Msg::EndQuorumEpochResponse { epoch: 1, leader: Some(0) } }]);
    assert!(matches!(c.state, State::Follower { leader: 0, leader_resigned: false, .. }) && c.epoch == 1);
}

#[test]
fn an_unattached_voter_retries_its_bootstrap_fetch_when_the_retry_timer_fires() {
    let mut c = controller(1);
    let out = step(&mut c, Time::ZERO, Input::Start);
    let [(asked, Msg::Fetch { .. })] = sends(&out)[..] else { panic!("{out:?}") };
    // No answer within the request timeout (2 s): the fetch goes out again.
    let out = step(&mut c, Time::from_ms(900), Input::Timer(Timer::FetchRetry));
    assert!(sends(&out).is_empty(), "still awaiting {asked}: {out:?}");
    let out = step(&mut c, Time::from_ms(2_000), Input::Timer(Timer::FetchRetry));
    assert!(matches!(sends(&out)[..], [(_, Msg::Fetch { epoch: 0, .. })]), "{out:?}");
}
