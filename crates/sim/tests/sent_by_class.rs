//! The per-class message counter the app's traffic chart reads adds up to the per-type counts of
//! the run summary, in both modes, through elections and failovers.

use quorumlab_sim::scenario::{NodeRef, ScenarioAction};
use quorumlab_sim::setup::{build, Mode, Setup};
use quorumlab_sim::{MsgClass, Time, MSG_CLASSES};

fn counted(mode: Mode, seed: u64) -> ([u64; MSG_CLASSES], quorumlab_sim::sorted::SortedMap<String, u64>) {
    let mut c = build(&Setup { mode, seed, ..Setup::default() }).expect("builds");
    // Nodes send at start-up (time zero): those count too.
    let at_start: u64 = c.summary().messages_by_type.values().sum();
    assert_eq!(c.sent_by_class().iter().sum::<u64>(), at_start);
    c.schedule(Time::from_secs(5), &ScenarioAction::Crash(NodeRef::Leader)).expect("crash");
    c.schedule(Time::from_secs(7), &ScenarioAction::Crash(NodeRef::Controller)).expect("crash");
    c.run_until(Time::from_secs(30), usize::MAX);
    (c.sent_by_class(), c.summary().messages_by_type)
}

fn sum_of(by_type: &quorumlab_sim::sorted::SortedMap<String, u64>, labels: &[&str]) -> u64 {
    labels.iter().map(|l| by_type.get(*l).copied().unwrap_or(0)).sum()
}

#[test]
fn sent_by_class_adds_up_to_the_summary_total_in_kraft_mode() {
    for seed in [1, 7, 42] {
        let (by_class, by_type) = counted(Mode::Kraft, seed);
        assert_eq!(by_class.iter().sum::<u64>(), by_type.values().sum::<u64>(), "seed {seed}");
        // Where a class is exactly a set of wire types, the counts agree type by type.
        assert_eq!(by_class[MsgClass::Vote.index()], sum_of(&by_type, &["Vote", "VoteResponse"]));
        assert_eq!(by_class[MsgClass::PreVote.index()], sum_of(&by_type, &["PreVote", "PreVoteResponse"]));
        assert_eq!(
            by_class[MsgClass::Heartbeat.index()],
            sum_of(&by_type, &["BrokerHeartbeat", "BrokerHeartbeatResponse"])
        );
        assert_eq!(
            by_class[MsgClass::Fetch.index()] + by_class[MsgClass::FetchData.index()],
            sum_of(&by_type, &["Fetch", "FetchResponse"])
        );
        assert!(by_class[MsgClass::Vote.index()] > 0, "a failover sends votes");
    }
}

#[test]
fn sent_by_class_adds_up_to_the_summary_total_in_zookeeper_mode() {
    for seed in [1, 7, 42] {
        let (by_class, by_type) = counted(Mode::Zk, seed);
        assert_eq!(by_class.iter().sum::<u64>(), by_type.values().sum::<u64>(), "seed {seed}");
        assert_eq!(by_class[MsgClass::Notification.index()], sum_of(&by_type, &["NOTIFICATION"]));
        assert_eq!(by_class[MsgClass::Proposal.index()], sum_of(&by_type, &["PROPOSAL"]));
        assert!(by_class[MsgClass::Ping.index()] > 0, "the leader pings its followers");
    }
}

#[test]
fn every_class_has_its_index() {
    for (i, class) in MsgClass::ALL.iter().enumerate() {
        assert_eq!(class.index(), i);
    }
}

/// The figures the app reads on every refresh, without building the summary, are the summary's.
#[test]
fn the_headline_figures_match_the_summary_in_both_modes() {
    for mode in [Mode::Kraft, Mode::Zk] {
        let mut c = build(&Setup { mode, seed: 3, ..Setup::default() }).expect("builds");
        c.schedule(Time::from_secs(5), &ScenarioAction::Crash(NodeRef::Controller)).expect("crash");
        c.schedule(
            Time::from_secs(6),
            &ScenarioAction::CreateTopic { name: "t2".into(), partitions: 2, replication_factor: 3 },
        )
        .expect("create");
        // During the failover (no controller yet) and after it, once a change was measured.
        for until in [6, 40] {
            c.run_until(Time::from_secs(until), usize::MAX);
            let s = c.summary();
            assert_eq!(c.ms_without_controller(), s.ms_without_controller, "{mode:?} at {until} s");
            assert_eq!(c.last_metadata_latency_ms(), s.metadata_change_latency_ms.last().copied());
        }
        assert!(c.ms_without_controller() > 0, "{mode:?}: the crash left a gap");
        assert!(c.last_metadata_latency_ms().is_some(), "{mode:?}: the new topic was measured");
    }
}
