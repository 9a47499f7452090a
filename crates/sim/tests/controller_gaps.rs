//! The stopwatch of time without an active controller, in both modes: the gap running now and
//! the last one that ended, beside the total.

use quorumlab_sim::cluster::Cluster;
use quorumlab_sim::scenario::parse;
use quorumlab_sim::setup::{build, Mode, Setup};
use quorumlab_sim::Time;

fn crashed_at_5s(mode: Mode) -> Box<dyn Cluster> {
    let script = parse("at 5s crash controller").expect("parses");
    build(&Setup { mode, seed: 5, script, ..Setup::default() }).expect("builds")
}

#[test]
fn the_stopwatch_runs_while_there_is_no_controller_and_keeps_the_last_gap() {
    // (mode, the longest first election, the failover's least and most): KRaft waits out the
    // 2 s fetch timeout, counted from each follower's last fetch (a little before the crash),
    // then a pre-vote and a vote (KIP-595, KIP-996); ZooKeeper mode waits
    // for the crashed controller's 18 s session to expire, counted from when its server last
    // heard from it (it pings after a third of that idle, so 12 to 18 s after the crash), then
    // the /controller race and the new controller's load.
    for (mode, first_max_ms, failover_ms) in [(Mode::Kraft, 2_000, 1_500..6_000), (Mode::Zk, 2_000, 12_000..24_000)] {
        let mut c = crashed_at_5s(mode);
        assert_eq!(c.controller_gaps(), (Some(0), None), "{mode:?}: the first election is a gap from time zero");
        c.run_until(Time::from_ms(4_999), usize::MAX);
        let (now, first) = c.controller_gaps();
        assert_eq!(now, None, "{mode:?}: a controller is active before the crash");
        let first = first.expect("the first election ended");
        assert!(first > 0 && first < first_max_ms, "{mode:?}: first gap {first} ms");
        assert_eq!(c.ms_without_controller(), first);
        c.run_until(Time::from_secs(6), usize::MAX);
        assert_eq!(c.controller_gaps(), (Some(1_000), Some(first)), "{mode:?}: one second into the gap");
        c.run_until(Time::from_secs(40), usize::MAX);
        let (now, last) = c.controller_gaps();
        assert_eq!(now, None, "{mode:?}: a new controller by 40 s");
        let last = last.expect("a gap ended");
        assert!(failover_ms.contains(&last), "{mode:?}: failover took {last} ms");
        // Each figure is rounded down to the millisecond on its own.
        let total = c.ms_without_controller();
        assert!(total.abs_diff(first + last) <= 1, "{mode:?}: the total {total} ms is the two gaps");
    }
}
