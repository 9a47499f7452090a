//! What the stage draws as messages in flight: exactly the messages the network holds now, each
//! sent at or before now and delivered after it, in both modes, however often it is read.

use quorumlab_sim::cluster::FlightView;
use quorumlab_sim::setup::{build, Mode, Setup};
use quorumlab_sim::Time;

#[test]
fn flights_are_the_messages_in_flight_now_and_reading_them_again_replaces_the_list() {
    for mode in [Mode::Kraft, Mode::Zk] {
        let mut c = build(&Setup { mode, seed: 7, ..Setup::default() }).expect("builds");
        let mut flights: Vec<FlightView> = Vec::new();
        let mut largest = 0;
        for ms in (0..5_000).step_by(37) {
            c.run_until(Time::from_ms(ms), usize::MAX);
            c.flights(&mut flights);
            let now = c.now();
            for f in &flights {
                assert!(f.sent_at <= now && now < f.deliver_at, "{mode:?} at {ms} ms: {f:?} is not in flight");
            }
            largest = largest.max(flights.len());
            // A second read at the same moment gives the same list, not twice as long.
            let first = flights.clone();
            c.flights(&mut flights);
            assert_eq!(flights, first, "{mode:?} at {ms} ms");
        }
        assert!(largest > 0, "{mode:?}: messages fly in the first five seconds");
    }
}

#[test]
fn landed_gives_each_message_once_when_it_reaches_its_receiver() {
    for mode in [Mode::Kraft, Mode::Zk] {
        let mut c = build(&Setup { mode, seed: 7, ..Setup::default() }).expect("builds");
        let (mut flights, mut landed) = (Vec::new(), Vec::new());
        let mut previous = Time::ZERO;
        let mut short = 0;
        for ms in (50..3_000).step_by(50) {
            c.flights(&mut flights);
            let in_flight_before = flights.clone();
            c.run_until(Time::from_ms(ms), usize::MAX);
            c.landed(&mut landed);
            let now = c.now();
            for f in &landed {
                assert!(
                    previous < f.deliver_at && f.deliver_at <= now,
                    "{mode:?}: {f:?} landed outside ({previous:?}, {now:?}]"
                );
            }
            // Whatever was in flight before and is due by now has landed, and is listed once.
            for f in in_flight_before.iter().filter(|f| f.deliver_at <= now) {
                assert_eq!(landed.iter().filter(|l| *l == f).count(), 1, "{mode:?}: {f:?}");
            }
            // Some were sent and landed between two reads: the display would miss those.
            short += landed.iter().filter(|f| f.sent_at > previous).count();
            // Read again at once: nothing new landed.
            c.landed(&mut landed);
            assert!(landed.is_empty());
            previous = now;
        }
        assert!(short > 0, "{mode:?}: some messages start and land between two reads");
    }
}
