//! Rule tests for finding the new leader (research note item 2): Kafka 4.1
//! `maybeSendFetchToBestNode`, `maybeSendFetchToAnyBootstrap`, `pollUnattachedCommon` and
//! `maybeHandleCommonResponse` on a follower or Unattached voter.

use super::tests::{following_node_0, notes, sends, step};
use super::*;
use crate::kraft::msg::FetchBody;

fn fetch(epoch: u64) -> Msg {
    Msg::Fetch { epoch, fetch_offset: 0, last_fetched_epoch: 0 }
}

fn not_leader(epoch: u64, leader: Option<NodeId>) -> Msg {
    Msg::FetchResponse { epoch, leader, high_watermark: None, body: FetchBody::NotLeader }
}

#[test]
fn a_follower_whose_leader_refuses_the_connection_asks_another_voter_and_follows_the_leader_it_names() {
    // Controller 1 follows 0 in epoch 1; its fetch to 0 went out at 10 ms.
    let mut c = following_node_0(1);
    // 0's process is gone: the connection is refused (BROKER_NOT_AVAILABLE). 0 backs off and the
    // next fetch goes at once to the other bootstrap server, 2.
    let out = step(&mut c, Time::from_ms(15), Input::Unreachable { to: 0, msg: fetch(1) });
    assert_eq!(
        out,
        vec![
            Output::Send { to: 2, msg: fetch(1) },
            Output::SetTimer { timer: Timer::FetchRetry, at: Time::from_ms(2_015) },
        ]
    );
    // 2 answers NOT_LEADER_OR_FOLLOWER, still knowing 0: nothing moves; 0 is still backing off
    // (50 ms), so 2 is asked again.
    let out = step(&mut c, Time::from_ms(20), Input::Msg { from: 2, msg: not_leader(1, Some(0)) });
    assert_eq!(sends(&out), vec![(2, fetch(1))]);
    // 2 has since been elected in epoch 2 and says so: follow it (maybeTransition) and fetch
    // from it.
    let out = step(&mut c, Time::from_ms(25), Input::Msg { from: 2, msg: not_leader(2, Some(2)) });
    assert_eq!(notes(&out), vec![Note::BecameFollower { epoch: 2, leader: 2 }]);
    assert_eq!(sends(&out), vec![(2, fetch(2))]);
}

#[test]
fn a_follower_whose_fetch_gets_no_answer_for_the_request_timeout_asks_a_bootstrap_server() {
    // A fetch timeout longer than the request timeout shows the request timeout alone.
    let config = Config { fetch_timeout_ms: 5_000, ..Config::default() };
    let mut c = Controller::new(1, vec![0, 1, 2], config, 7);
    step(&mut c, Time::ZERO, Input::Start);
    let begin = Msg::BeginQuorumEpoch { epoch: 1, leader: 0 };
    let out = step(&mut c, Time::from_ms(10), Input::Msg { from: 0, msg: begin });
    assert_eq!(sends(&out)[0], (0, fetch(1)));
    // Nothing comes back (a partition): while the request waits, nothing else is sent.
    let wait = vec![Output::SetTimer { timer: Timer::FetchRetry, at: Time::from_ms(2_010) }];
    assert_eq!(step(&mut c, Time::from_ms(1_000), Input::Timer(Timer::FetchRetry)), wait);
    // controller.quorum.request.timeout.ms = 2 000: the leader's request is reset and the fetch
    // goes to a bootstrap server drawn at random (the leader among them), still following 0.
    let out = step(&mut c, Time::from_ms(2_010), Input::Timer(Timer::FetchRetry));
    assert!(matches!(sends(&out)[..], [(_, Msg::Fetch { epoch: 1, .. })]), "{out:?}");
    assert_eq!(out.last(), Some(&Output::SetTimer { timer: Timer::FetchRetry, at: Time::from_ms(4_010) }));
    assert!(matches!(c.state, State::Follower { leader: 0, .. }));
}

#[test]
fn an_unattached_voter_fetches_from_a_bootstrap_server_and_follows_the_leader_it_learns() {
    let mut c = super::tests::controller(1);
    // Kafka 4.1 pollUnattachedCommon (KAFKA-17030): an Unattached voter fetches while it waits
    // for its election timeout; the server is drawn from its own random stream.
    let out = step(&mut c, Time::ZERO, Input::Start);
    let [(asked, Msg::Fetch { epoch: 0, .. })] = sends(&out)[..] else { panic!("{out:?}") };
    // An answer of its epoch naming a leader it did not know: follow it.
    let out = step(&mut c, Time::from_ms(8), Input::Msg { from: asked, msg: not_leader(0, Some(0)) });
    assert_eq!(notes(&out), vec![Note::BecameFollower { epoch: 0, leader: 0 }]);
    assert_eq!(sends(&out), vec![(0, fetch(0))]);
}

#[test]
fn an_answer_no_longer_awaited_is_ignored() {
    let mut c = following_node_0(1);
    // The fetch went to 0; an answer from 2 (to an earlier request) is not expected.
    assert_eq!(step(&mut c, Time::from_ms(20), Input::Msg { from: 2, msg: not_leader(5, Some(2)) }), Vec::new());
    assert_eq!((c.epoch, c.leader_id), (1, Some(0)));
}

#[test]
fn a_follower_truncates_to_the_diverging_epoch_end_and_fetches_again_from_there() {
    // KIP-595: on DivergingEpoch(epoch, endOffset) the follower truncates to endOffset (no
    // further than its own end of that epoch) and fetches again; a good answer resets the
    // fetch timer.
    let mut c = following_node_0(1);
    let entry = |epoch| crate::kraft::log::Entry { epoch, record: Record::NoOp, batch_end: true };
    let records = Msg::FetchResponse {
        epoch: 1,
        leader: Some(0),
        high_watermark: None,
        body: FetchBody::Records { base_offset: 0, entries: vec![entry(1), entry(1), entry(1)].into() },
    };
    step(&mut c, Time::from_ms(20), Input::Msg { from: 0, msg: records });
    assert_eq!(c.log.end_offset(), 3);
    let diverging = Msg::FetchResponse {
        epoch: 1,
        leader: Some(0),
        high_watermark: None,
        body: FetchBody::Diverging { epoch: 1, end_offset: 1 },
    };
    let out = step(&mut c, Time::from_ms(30), Input::Msg { from: 0, msg: diverging });
    assert_eq!(notes(&out), vec![Note::Truncated { to_offset: 1, dropped: 2 }]);
    assert_eq!(c.log.end_offset(), 1);
    assert!(out.contains(&Output::SetTimer { timer: Timer::FetchTimeout, at: Time::from_ms(2_030) }));
    assert_eq!(sends(&out), vec![(0, Msg::Fetch { epoch: 1, fetch_offset: 1, last_fetched_epoch: 1 })]);
}

#[test]
fn records_from_a_voter_that_is_not_the_leader_are_not_taken() {
    // Only the leader's answers are applied (and reset the fetch timer): c3 answering with
    // records while naming c1 as leader changes nothing.
    let mut c = following_node_0(1);
    step(&mut c, Time::from_ms(15), Input::Unreachable { to: 0, msg: fetch(1) });
    let entry = crate::kraft::log::Entry { epoch: 1, record: Record::NoOp, batch_end: true };
    let records = Msg::FetchResponse {
        epoch: 1,
        leader: Some(0),
        high_watermark: Some(1),
        body: FetchBody::Records { base_offset: 0, entries: vec![entry].into() },
    };
    let out = step(&mut c, Time::from_ms(20), Input::Msg { from: 2, msg: records });
    assert_eq!(c.log.end_offset(), 0);
    assert!(!out.iter().any(|o| matches!(o, Output::SetTimer { timer: Timer::FetchTimeout, .. })), "{out:?}");
    assert!(matches!(c.state, State::Follower { has_fetched: false, .. }));
}
