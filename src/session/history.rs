//! What the chart under each cluster plots: a sample every 250 ms of *virtual* time (whether
//! the cluster had an active controller, and how many messages of each class it had sent so far).
//!
//! Samples are taken at fixed virtual-time boundaries, never per frame, so the history is the
//! same whatever the frame rate, speed or pauses were: the sample at boundary `b` is the state
//! after every event at or before `b` (what `run_until(b)` leaves). `Lab` drives the sampling on
//! every path that moves the clock (play, step, act, replay), so a replayed session (step back,
//! reset, permalink) rebuilds the identical history.

use std::collections::VecDeque;

use quorumlab_sim::{MsgClass, Time, MSG_CLASSES};

/// One sample every 250 ms of virtual time.
pub const SAMPLE_EVERY_US: u64 = 250_000;
/// Rates are averaged over the last two seconds (this many samples back): long enough that
/// periodic traffic (heartbeats every 2 s, pings every tick) reads as a level line rather than
/// a saw, short enough that an election's burst stands out.
pub const RATE_SPAN_SAMPLES: usize = 8;
/// Only the last two minutes of virtual time are kept (bounded memory: 481 samples).
pub const KEEP_US: u64 = 120_000_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The boundary (a multiple of `SAMPLE_EVERY_US`).
    pub at: Time,
    /// An active controller: the KRaft quorum leader, or the broker holding `/controller`.
    pub controller: bool,
    /// A quorum leader (KRaft leader, ZooKeeper `LEADING` server).
    pub quorum_leader: bool,
    /// Messages sent since time zero, by class (`MsgClass::index`).
    pub sent: [u64; MSG_CLASSES],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    samples: VecDeque<Sample>,
    next_at: Time,
    /// Changes whenever the samples do (also across a restart), so a chart knows when to redraw.
    version: u64,
}

impl Default for History {
    fn default() -> Self {
        History { samples: VecDeque::new(), next_at: Time::ZERO, version: 0 }
    }
}

impl History {
    /// The next boundary not yet recorded.
    pub fn next_at(&self) -> Time {
        self.next_at
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// Forget everything (the cluster was rebuilt from time zero).
    pub fn restart(&mut self) {
        self.samples.clear();
        self.next_at = Time::ZERO;
        self.version += 1;
    }

    /// Record the sample for boundary `next_at()`, taken from the state as it is now.
    pub fn record(&mut self, controller: bool, quorum_leader: bool, sent: [u64; MSG_CLASSES]) {
        let at = self.next_at;
        while self.samples.front().is_some_and(|s| at.since(s.at) > KEEP_US) {
            self.samples.pop_front();
        }
        self.samples.push_back(Sample { at, controller, quorum_leader, sent });
        self.next_at = at.plus_us(SAMPLE_EVERY_US);
        self.version += 1;
    }

    /// The state stays as it is for every boundary up to `last` (nothing happens before then):
    /// of those alike samples, only the last two minutes' worth would stay, so move on to the
    /// first of them. The history comes out the same as recording every one, at no cost per
    /// boundary: a link to a year from now of a cluster with every node down would otherwise
    /// take 126 million samples to open.
    pub fn fast_forward(&mut self, last: Time) {
        let last_boundary = last.as_us() / SAMPLE_EVERY_US * SAMPLE_EVERY_US;
        let first_kept = Time(last_boundary.saturating_sub(KEEP_US));
        if first_kept > self.next_at {
            self.next_at = first_kept;
        }
    }

    pub fn samples(&self) -> &VecDeque<Sample> {
        &self.samples
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Messages of `class` per second of virtual time over the two seconds before sample `i`
    /// (a shorter span for the very first samples; zero for the first one).
    pub fn rate_per_s(&self, i: usize, class: MsgClass) -> f64 {
        let (Some(now), Some(before)) = (self.samples.get(i), self.samples.get(i.saturating_sub(RATE_SPAN_SAMPLES)))
        else {
            return 0.0;
        };
        let span_us = now.at.since(before.at);
        if span_us == 0 {
            return 0.0;
        }
        let sent = now.sent[class.index()].saturating_sub(before.sent[class.index()]);
        sent as f64 * 1_000_000.0 / span_us as f64
    }

    /// Index of the first sample at or after `from`.
    pub fn first_from(&self, from: Time) -> usize {
        self.samples.partition_point(|s| s.at < from)
    }

    /// Milliseconds without an active controller among the samples from `from` on (each sample
    /// stands for one sampling interval).
    pub fn ms_without_controller(&self, from: Time) -> u64 {
        let absent = self.samples.range(self.first_from(from)..).filter(|s| !s.controller).count() as u64;
        absent * SAMPLE_EVERY_US / 1_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::lab::Lab;
    use quorumlab_sim::setup::{Mode, Setup};

    fn new_lab(mode: Mode) -> Lab {
        Lab::new(Setup { mode, seed: 11, ..Setup::default() }).expect("default setup builds")
    }

    #[test]
    fn samples_sit_on_250_ms_boundaries_up_to_now() {
        let mut lab = new_lab(Mode::Kraft);
        lab.advance(1_100_000.0);
        let at: Vec<u64> = lab.history.samples().iter().map(|s| s.at.as_us()).collect();
        assert_eq!(at, [0, 250_000, 500_000, 750_000, 1_000_000]);
        lab.advance(150_000.0);
        assert_eq!(lab.history.samples().back().map(|s| s.at.as_us()), Some(1_250_000), "a boundary reached exactly");
        assert_eq!(lab.history.next_at().as_us(), 1_500_000);
    }

    #[test]
    fn a_sample_is_the_state_after_every_event_at_or_before_its_boundary() {
        let mut lab = new_lab(Mode::Kraft);
        lab.advance(3_000_000.0);
        let mut fresh = new_lab(Mode::Kraft);
        for s in lab.history.samples() {
            fresh.cluster.run_until(s.at, usize::MAX);
            assert_eq!(s.sent, fresh.cluster.sent_by_class(), "at {:?}", s.at);
            let controller = fresh.cluster.node_views().iter().any(|v| v.alive && v.is_controller);
            assert_eq!(s.controller, controller, "at {:?}", s.at);
        }
    }

    #[test]
    fn history_does_not_depend_on_how_time_was_chunked() {
        for mode in [Mode::Kraft, Mode::Zk] {
            let mut one = new_lab(mode);
            one.advance(20_000_000.0);
            let mut frames = new_lab(mode);
            // Frame-sized steps of uneven length, with fractions of a microsecond carried over.
            let mut k = 0u64;
            while frames.cluster.now() < one.cluster.now() {
                let step = 16_666.7 * (1 + k % 7) as f64;
                let left = one.cluster.now().since(frames.cluster.now()) as f64;
                frames.advance(step.min(left));
                k += 1;
            }
            assert_eq!(frames.cluster.trace_hash(), one.cluster.trace_hash(), "{mode:?}");
            assert_eq!(frames.history.samples(), one.history.samples(), "{mode:?}");
            assert_eq!(one.history.len(), 81);
        }
    }

    /// Every node down at 1 s, back up at 10 minutes: nothing happens in between.
    fn quiet_script(mode: Mode) -> Vec<quorumlab_sim::scenario::Step> {
        let quorum = if mode == Mode::Zk { "zk" } else { "c" };
        let nodes: Vec<String> =
            (1..=3).map(|i| format!("{quorum}{i}")).chain((1..=3).map(|i| format!("b{i}"))).collect();
        let text: String = nodes.iter().map(|n| format!("at 1s crash {n}\nat 10m restart {n}\n")).collect();
        quorumlab_sim::scenario::parse(&text).expect("parses").steps
    }

    #[test]
    fn a_quiet_stretch_is_skipped_and_the_history_is_the_same_as_sampled_one_by_one() {
        for mode in [Mode::Kraft, Mode::Zk] {
            let setup = Setup { mode, seed: 3, ..Setup::default() };
            let steps = quiet_script(mode);
            // In one go to 11 minutes, and in frames of a few seconds each.
            let (one, _) = Lab::open(setup.clone(), &steps, Some(Time::from_secs(660)), u64::MAX).expect("opens");
            let mut frames = Lab::open(setup, &steps, Some(Time::ZERO), u64::MAX).expect("opens").0;
            while frames.cluster.now() < one.cluster.now() {
                frames.advance(3_333_333.3_f64.min(one.cluster.now().since(frames.cluster.now()) as f64));
            }
            assert_eq!(frames.cluster.trace_hash(), one.cluster.trace_hash(), "{mode:?}");
            assert_eq!(frames.history.samples(), one.history.samples(), "{mode:?}");
            assert_eq!(one.history.len(), 481, "{mode:?}: the last two minutes");
            // The restart shows: a controller again by the end, none just after 10 minutes.
            let at = |t: u64| one.history.samples().iter().find(|s| s.at == Time::from_ms(t)).map(|s| s.controller);
            assert_eq!(at(600_000), Some(false), "{mode:?}");
            assert_eq!(one.history.samples().back().map(|s| s.controller), Some(true), "{mode:?}");
            // About 481 samples recorded in all after the stretch, not one per 250 ms of it.
            assert!(one.history.version() < 1_500, "{mode:?}: {} samples recorded", one.history.version());
        }
    }

    #[test]
    fn a_year_with_every_node_down_opens_without_sampling_the_year() {
        let year = Time::from_secs(365 * 86_400);
        for mode in [Mode::Kraft, Mode::Zk] {
            let steps: Vec<_> = quiet_script(mode).into_iter().filter(|s| s.at == Time::from_secs(1)).collect();
            let setup = Setup { mode, seed: 3, ..Setup::default() };
            let (lab, short) =
                Lab::open(setup, &steps, Some(year), crate::session::lab::MAX_OPEN_EVENTS).expect("opens");
            assert_eq!((short, lab.cluster.now()), (None, year), "{mode:?}");
            assert_eq!(lab.history.len(), 481);
            assert!(lab.history.version() < 1_000, "{mode:?}: {} samples recorded", lab.history.version());
        }
    }

    #[test]
    fn sampling_keeps_the_trace_hash() {
        let mut lab = new_lab(Mode::Zk);
        lab.advance(12_345_678.0);
        let mut plain = quorumlab_sim::setup::build(&lab.setup).expect("builds");
        plain.run_until(lab.cluster.now(), usize::MAX);
        assert_eq!(plain.trace_hash(), lab.cluster.trace_hash());
        assert_eq!(plain.events_processed(), lab.cluster.events_processed());
    }

    #[test]
    fn memory_is_bounded_to_the_last_two_minutes() {
        let mut lab = new_lab(Mode::Kraft);
        for _ in 0..30 {
            lab.advance(10_000_000.0);
        }
        let samples = lab.history.samples();
        assert_eq!(samples.len(), (KEEP_US / SAMPLE_EVERY_US) as usize + 1);
        assert_eq!(samples.front().map(|s| s.at.as_us()), Some(300_000_000 - KEEP_US));
        assert_eq!(samples.back().map(|s| s.at.as_us()), Some(300_000_000));
    }

    #[test]
    fn rates_are_messages_per_second_over_the_last_two_seconds() {
        let mut h = History::default();
        let mut sent = [0u64; MSG_CLASSES];
        for i in 0..20u64 {
            // Two fetches every 250 ms = 8 per second; one vote, between samples 4 and 5.
            sent[MsgClass::Fetch.index()] = 2 * i;
            sent[MsgClass::Vote.index()] = u64::from(i >= 5);
            h.record(true, true, sent);
        }
        assert_eq!(h.rate_per_s(0, MsgClass::Fetch), 0.0);
        assert_eq!(h.rate_per_s(1, MsgClass::Fetch), 8.0, "a window not yet full: still per second");
        assert_eq!(h.rate_per_s(15, MsgClass::Fetch), 8.0);
        assert_eq!(h.rate_per_s(4, MsgClass::Vote), 0.0);
        assert_eq!(h.rate_per_s(5, MsgClass::Vote), 0.8, "one vote in the first 1.25 s");
        assert_eq!(h.rate_per_s(12, MsgClass::Vote), 0.5, "one vote in the last 2 s");
        assert_eq!(h.rate_per_s(13, MsgClass::Vote), 0.0, "two seconds later the vote has left the window");
        assert_eq!(h.rate_per_s(99, MsgClass::Vote), 0.0);
    }

    #[test]
    fn crashing_the_leader_shows_a_gap_in_availability() {
        let mut lab = new_lab(Mode::Kraft);
        lab.advance(5_000_000.0);
        let settled = lab.history.ms_without_controller(Time::from_secs(3));
        assert_eq!(settled, 0, "a leader by 3 s");
        let leader = lab.leader().map(|v| v.id).expect("a leader");
        lab.toggle(leader).expect("crash");
        lab.advance(10_000_000.0);
        let gap = lab.history.ms_without_controller(Time::from_secs(3));
        assert!((250..=5_000).contains(&gap), "gap of {gap} ms");
        assert!(lab.history.samples().back().is_some_and(|s| s.controller), "a new controller by the end");
        let votes: u64 = (0..lab.history.len()).map(|i| lab.history.rate_per_s(i, MsgClass::Vote) as u64).sum();
        assert!(votes > 0, "the election shows in the vote rate");
    }

    #[test]
    fn step_back_reset_and_permalinks_rebuild_the_same_history() {
        let mut lab = new_lab(Mode::Zk);
        lab.advance(4_000_000.0);
        let before_crash = lab.cluster.events_processed();
        let early = lab.history.clone();
        lab.toggle(0).expect("crash zk1");
        lab.advance(3_000_000.0);
        assert_eq!(lab.history.len(), 29);
        // Back to before the crash: the chart forgets what came after.
        lab.replay_to(before_crash).expect("replay");
        let last = lab.history.samples().back().map(|s| s.at).expect("samples");
        assert!(last <= lab.cluster.now() && lab.cluster.now() <= Time::from_secs(4));
        assert_eq!(
            lab.history.samples(),
            &early.samples().range(..lab.history.len()).cloned().collect::<VecDeque<_>>()
        );
        lab.toggle(0).expect("crash zk1 again");
        lab.advance(3_000_000.0);
        lab.step();
        let after_step = lab.history.clone();
        lab.step_back().expect("replay");
        lab.step();
        assert_eq!(lab.history.samples(), after_step.samples(), "step back, step");
        assert_ne!(lab.history.version(), after_step.version(), "a rebuilt history is a new version");

        lab.advance(2_000_000.0);
        let text = lab.script_text();
        let script = quorumlab_sim::scenario::parse(&text).expect("our own text parses");
        let again = Lab::from_steps(lab.setup.clone(), &script.steps, Some(lab.cluster.now())).expect("replay");
        assert_eq!(again.history.samples(), lab.history.samples(), "permalink");

        let version = lab.history.version();
        lab.reset().expect("reset");
        assert!(lab.history.is_empty());
        assert_ne!(lab.history.version(), version);
        let mut fresh = Lab::new(lab.setup.clone()).expect("builds");
        lab.advance(2_000_000.0);
        fresh.advance(2_000_000.0);
        assert_eq!(lab.history.samples(), fresh.history.samples(), "reset");
    }
}
