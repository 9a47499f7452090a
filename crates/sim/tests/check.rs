//! `Cluster::check` says, without scheduling anything, whether `schedule` would take an action:
//! the app uses it to report a link's actions that name nodes a cluster lacks.

use quorumlab_sim::cluster::ActionError;
use quorumlab_sim::scenario::{parse, ScenarioAction};
use quorumlab_sim::setup::{build, Mode, Setup};

fn action(text: &str) -> ScenarioAction {
    parse(&format!("at 1s {text}")).expect("parses").steps.remove(0).action
}

#[test]
fn check_agrees_with_schedule_and_schedules_nothing() {
    let cases = [
        (Mode::Kraft, "crash c3", true),
        (Mode::Kraft, "crash c4", false),
        (Mode::Kraft, "crash zk1", false),
        (Mode::Kraft, "restart b3", true),
        (Mode::Kraft, "partition c1 | c2 c3", true),
        (Mode::Kraft, "partition c1 | c9", false),
        (Mode::Kraft, "crash controller", true),
        (Mode::Zk, "crash zk3", true),
        (Mode::Zk, "crash c1", false),
        (Mode::Zk, "shutdown b4", false),
        (Mode::Zk, "partition leader | zk2", false),
        (Mode::Zk, "create-topic t partitions=1 rf=1", true),
    ];
    for (mode, text, ok) in cases {
        let mut cluster = build(&Setup { mode, ..Setup::default() }).expect("builds");
        let a = action(text);
        let checked = cluster.check(&a);
        assert_eq!(checked.is_ok(), ok, "{mode:?} {text}: {checked:?}");
        let next = cluster.next_event_time();
        let scheduled = cluster.schedule(quorumlab_sim::Time::from_secs(1), &a);
        assert_eq!(checked, scheduled, "{mode:?} {text}");
        if !ok {
            assert_eq!(cluster.next_event_time(), next, "a refused action schedules nothing");
        }
    }
    let zk = build(&Setup { mode: Mode::Zk, ..Setup::default() }).expect("builds");
    let before = zk.next_event_time();
    assert!(matches!(zk.check(&action("crash c1")), Err(ActionError::NoSuchNode(_))));
    assert_eq!(zk.next_event_time(), before);
}
