//! Rule tests for why a controller starts an election (KIP-595, KIP-996): each path is
//! narrated with its cause just before the pre-vote.

use super::*;

fn controller(id: NodeId) -> Controller {
    Controller::new(id, vec![0, 1, 2], Config::default(), 7)
}

fn step(c: &mut Controller, now: Time, input: Input<Msg, Timer, Cmd>) -> Out {
    let mut out = Vec::new();
    c.step(now, input, &mut out);
    out
}

fn notes(out: &Out) -> Vec<Note> {
    out.iter()
        .filter_map(|o| match o {
            Output::Note(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// Controller `id` started and following c1 (node 0) in epoch 1, at 10 ms.
fn following_node_0(id: NodeId) -> Controller {
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
fn single_voter_leader_with_orders() -> Controller {
    let mut c = Controller::new(0, vec![0], Config::default(), 7);
    step(&mut c, Time::ZERO, Input::Start);
    let (_, at) = c.timer_view.expect("an election timer");
    step(&mut c, at, Input::Timer(Timer::Election));
    assert!(c.is_leader());
    let mut out = Vec::new();
    c.append_batch(at, vec![Record::Topic { name: "orders".into(), topic_id: 1 }], &mut out);
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
