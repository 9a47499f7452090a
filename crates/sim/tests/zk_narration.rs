//! What ZooKeeper mode's narration says about how an election ended and which timeout fired,
//! checked on whole runs: the words follow the path the engine took (FLE's finalize loop, or
//! `receivedFollowingNotification` with no finalize wait) and the timings come from the running
//! configuration (a `set` line changes them).

use quorumlab_sim::cluster::{Cluster as _, NoteView};
use quorumlab_sim::scenario::{NodePrefix, NodeRef, ScenarioAction};
use quorumlab_sim::time::Time;
use quorumlab_sim::zk::{Cluster, Config};

fn zk(n: u32) -> NodeRef {
    NodeRef::Named { prefix: NodePrefix::Zk, number: n }
}

fn notes(config: Config, steps: &[(u64, ScenarioAction)], until_ms: u64) -> Vec<NoteView> {
    let mut c = Cluster::new(4, config);
    for (at, action) in steps {
        c.schedule(Time::from_ms(*at), action).unwrap();
    }
    c.run_until(Time::from_ms(until_ms), usize::MAX);
    assert!(c.violations().is_empty(), "{:#?}", c.violations());
    let mut notes = Vec::new();
    c.notes(0, &mut notes);
    notes
}

fn quiet() -> Config {
    Config { brokers: 0, partitions: 0, ..Config::default() }
}

/// (node, key, args) of the notes that end an election.
fn decisions<'a>(notes: impl IntoIterator<Item = &'a NoteView>) -> Vec<(usize, &'static str, Vec<String>)> {
    notes
        .into_iter()
        .filter(|n| n.key == "zk.elected" || n.key == "zk.joined")
        .map(|n| (n.node, n.key, n.args.clone()))
        .collect()
}

#[test]
fn a_looking_round_is_narrated_with_the_finalize_wait_and_a_join_without_it() {
    // zk1 crashes at 5 s and restarts at 9 s: the ensemble still has its leader, so zk1's
    // FOLLOWING/LEADING answers decide at once (FLE: receivedFollowingNotification, no
    // finalizeWait poll) and it is narrated as joining, not as waiting out 200 ms.
    let steps = [(5_000, ScenarioAction::Crash(zk(1))), (9_000, ScenarioAction::Restart(zk(1)))];
    let notes = notes(quiet(), &steps, 12_000);
    // At boot every server is LOOKING: each one's round ends by the finalize loop, 200 ms after
    // its quorum, and the words say so with the configured 200.
    let boot = decisions(notes.iter().filter(|n| n.at < Time::from_secs(1)));
    assert_eq!(boot.len(), 3, "{boot:?}");
    assert!(boot.iter().all(|(_, key, args)| *key == "zk.elected" && args[2] == "200"), "{boot:?}");
    let restart: Vec<_> = notes.iter().filter(|n| n.at >= Time::from_secs(9)).collect();
    let rejoin = decisions(restart.iter().copied());
    assert_eq!(rejoin, vec![(0, "zk.joined", vec!["zk3".to_string(), "1".to_string()])]);
    let joined_at = restart.iter().find(|n| n.key == "zk.joined").unwrap().at;
    assert!(joined_at < Time::from_ms(9_100), "joined at {joined_at:?}: no 200 ms wait");
}

#[test]
fn the_finalize_wait_in_the_words_is_the_configured_one() {
    let mut config = quiet();
    config.apply_setting("finalizeWait", "50").unwrap();
    let notes = notes(config, &[], 2_000);
    let elected = decisions(&notes);
    assert!(!elected.is_empty());
    assert!(elected.iter().all(|(_, key, args)| *key == "zk.elected" && args[2] == "50"), "{elected:?}");
}

#[test]
fn a_follower_timeout_names_the_limit_that_fired_and_its_length_from_the_configuration() {
    // The leader zk3 is cut off at 5 s: its followers hear nothing for syncLimit ticks
    // (Learner: soTimeout = tickTime × syncLimit once synced) and go LOOKING. With tickTime
    // 1000 and syncLimit 3 that is 3 000 ms; the leader gives up when fewer than a quorum of
    // followers were heard from within syncLimit.
    let mut config = quiet();
    config.apply_setting("tickTime", "1000").unwrap();
    config.apply_setting("syncLimit", "3").unwrap();
    let cut = ScenarioAction::Partition(vec![vec![zk(3)], vec![zk(1), zk(2)]]);
    let notes = notes(config, &[(5_000, cut)], 12_000);
    let sync_limit = vec!["syncLimit".to_string(), "3".to_string(), "1000".to_string(), "3000".to_string()];
    let timeouts: Vec<_> = notes.iter().filter(|n| n.key == "zk.leader_timeout").collect();
    assert_eq!(timeouts.len(), 2, "{timeouts:?}");
    assert!(timeouts.iter().all(|n| n.args == sync_limit && n.node != 2), "{timeouts:?}");
    let gave_up: Vec<_> = notes.iter().filter(|n| n.key == "zk.gave_up_not_synced").collect();
    assert_eq!(gave_up.iter().map(|n| (n.node, n.args.clone())).collect::<Vec<_>>(), vec![(2, sync_limit)]);
}
