//! A person's actions are narrated by the world itself, in both modes: the same lines whether
//! an action was clicked, opened from a link, or replayed after a step back (the app narrates
//! from these notes only).

use quorumlab_sim::cluster::{Cluster, NoteView};
use quorumlab_sim::scenario::parse;
use quorumlab_sim::setup::{build, Mode, Setup};
use quorumlab_sim::Time;

fn cluster(mode: Mode, script: &str) -> Box<dyn Cluster> {
    let setup = Setup { mode, seed: 5, script: parse(script).expect("parses"), ..Setup::default() };
    build(&setup).expect("builds")
}

/// The narrated actions: (ms, node name or "-", key, arguments).
fn action_lines(c: &dyn Cluster) -> Vec<(u64, String, &'static str, Vec<String>)> {
    let names: Vec<String> = c.node_views().iter().map(|v| v.name()).collect();
    let mut notes: Vec<NoteView> = Vec::new();
    c.notes(0, &mut notes);
    notes
        .into_iter()
        .filter(|n| n.key.starts_with("narr."))
        .map(|n| (n.at.as_ms(), names.get(n.node).cloned().unwrap_or_else(|| "-".into()), n.key, n.args))
        .collect()
}

fn controller_name(c: &dyn Cluster) -> String {
    let views = c.node_views();
    views.iter().find(|v| v.alive && v.is_controller).map(|v| v.name()).expect("an active controller")
}

fn line(ms: u64, node: &str, key: &'static str, args: &[&str]) -> (u64, String, &'static str, Vec<String>) {
    (ms, node.to_string(), key, args.iter().map(|a| a.to_string()).collect())
}

#[test]
fn every_action_is_narrated_once_at_its_moment_in_both_modes() {
    for (mode, cut_off) in [(Mode::Kraft, "c2"), (Mode::Zk, "zk2")] {
        let script = format!(
            "at 5s crash controller\nat 6s loss 0.5\nat 6s delay 50ms\nat 7s partition {cut_off} | b1\nat 8s heal\n\
             at 9s crash b1\nat 9500ms crash b1\nat 10s restart b1\nat 10s restart b1"
        );
        let mut c = cluster(mode, &script);
        c.run_until(Time::from_ms(4_999), usize::MAX);
        let controller = controller_name(&*c);
        c.run_until(Time::from_secs(12), usize::MAX);
        assert_eq!(
            action_lines(&*c),
            vec![
                line(5_000, &controller, "narr.crash", &[]),
                line(6_000, "-", "narr.loss", &["0.5"]),
                line(6_000, "-", "narr.delay", &["50ms"]),
                line(7_000, "-", "narr.partition", &[cut_off]),
                line(8_000, "-", "narr.heal", &[]),
                // Crashing a dead node or restarting a live one does nothing, and says nothing.
                line(9_000, "b1", "narr.crash", &[]),
                line(10_000, "b1", "narr.restart", &[]),
            ],
            "{mode:?}"
        );
    }
}

#[test]
fn a_restart_is_narrated_before_what_the_node_does_on_starting() {
    let mut c = cluster(Mode::Kraft, "at 5s crash c1\nat 6s restart c1");
    c.run_until(Time::from_secs(7), usize::MAX);
    let mut notes = Vec::new();
    c.notes(0, &mut notes);
    let restart = notes.iter().position(|n| n.key == "narr.restart").expect("narrated");
    assert_eq!(notes[restart].at, Time::from_secs(6));
    let started = notes.iter().position(|n| n.key == "kraft.started" && n.at == Time::from_secs(6));
    assert_eq!(started, Some(restart + 1), "the node's own start comes right after");
}

#[test]
fn a_client_request_with_no_node_to_take_it_is_narrated_as_lost() {
    // KRaft: every controller down, so there is no active controller for CreateTopics.
    let mut c =
        cluster(Mode::Kraft, "at 5s crash c1\nat 5s crash c2\nat 5s crash c3\nat 6s create-topic t partitions=1 rf=1");
    c.run_until(Time::from_secs(7), usize::MAX);
    assert_eq!(action_lines(&*c).last(), Some(&line(6_000, "-", "narr.client_lost", &[])));
    // ZooKeeper mode: the admin path needs the ZooKeeper leader; with the ensemble down, none.
    let mut c = cluster(
        Mode::Zk,
        "at 5s crash zk1\nat 5s crash zk2\nat 5s crash zk3\nat 6s alter-config orders retention.ms=1",
    );
    c.run_until(Time::from_secs(7), usize::MAX);
    assert_eq!(action_lines(&*c).last(), Some(&line(6_000, "-", "narr.client_lost", &[])));
    // With a controller, the request is taken and no such line is written.
    let mut c = cluster(Mode::Kraft, "at 5s create-topic t partitions=1 rf=1");
    c.run_until(Time::from_secs(7), usize::MAX);
    assert!(action_lines(&*c).is_empty());
}

#[test]
fn narrated_actions_leave_the_trace_as_it_was() {
    // Golden hashes, taken before the world narrated actions (notes are not part of the trace):
    // the same as `qlab run --seed 5 --until 20s` printed for these scripts then. ZooKeeper's
    // was re-recorded by protocol fixes since (updateElectionVote, ZOOKEEPER-1732; the learner's
    // syncLimit read timeout from NEWLEADER on), KRaft's when its engine followed Kafka 4.1's
    // rules; the runs' actions are unchanged.
    let script = |cut_off: &str| {
        format!(
            "at 5s crash controller\nat 6s loss 5\nat 7s partition {cut_off} | b1\nat 8s heal\n\
             at 9s create-topic t partitions=2 rf=2"
        )
    };
    for (mode, cut_off, hash) in
        [(Mode::Zk, "zk2", 0xf49e_581e_ba3c_22a7_u64), (Mode::Kraft, "c2", 0x86b7_de4a_e5f6_b955)]
    {
        let mut c = cluster(mode, &script(cut_off));
        c.run_until(Time::from_secs(20), usize::MAX);
        assert_eq!(c.trace_hash(), hash, "{mode:?}");
        assert_eq!(action_lines(&*c).len(), 4, "{mode:?}: crash, loss, partition, heal");
    }
}
