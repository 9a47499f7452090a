//! The simulation as the page holds it: the cluster (outside the reactive graph), what the
//! person did to it, and per-frame scratch buffers reused to avoid allocating each frame.

use quorumlab_sim::cluster::{Cluster, FlightView, NodeKind, NodeView, Role};
use quorumlab_sim::scenario::{NodePrefix, NodeRef, ScenarioAction, Step};
use quorumlab_sim::setup::{build, Setup, SetupError};
use quorumlab_sim::{MsgClass, RunStop, Time};

use crate::history::History;

/// Most events one frame may process (a cap, so a frame can never hang the page).
pub const MAX_EVENTS_PER_FRAME: usize = 50_000;
/// While election messages fly between live nodes, the display runs this much slower, so a
/// person can follow them (a display setting only: it never changes what happens).
pub const SLOW_MOTION_FACTOR: f64 = 0.05;

/// A person's action with the exact moment it was taken: the virtual time and how many events
/// had been processed (several events can share one time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub at: Time,
    pub events_before: u64,
    pub action: ScenarioAction,
}

pub struct Lab {
    pub cluster: Box<dyn Cluster>,
    pub setup: Setup,
    pub views: Vec<NodeView>,
    pub flights: Vec<FlightView>,
    /// Actions the person took, in order, so the session can be replayed exactly.
    pub actions: Vec<Recorded>,
    /// What the chart plots, sampled on virtual-time boundaries by every path below that moves
    /// the clock (so replays rebuild it exactly).
    pub history: History,
    /// Virtual time not yet applied (sub-microsecond remainders of frame steps).
    carry_us: f64,
}

impl Lab {
    pub fn new(setup: Setup) -> Result<Lab, SetupError> {
        let cluster = build(&setup)?;
        let mut lab = Lab {
            cluster,
            setup,
            views: Vec::new(),
            flights: Vec::new(),
            actions: Vec::new(),
            history: History::default(),
            carry_us: 0.0,
        };
        lab.refresh();
        Ok(lab)
    }

    /// Re-read node views and in-flight messages after the world moved.
    pub fn refresh(&mut self) {
        self.views = self.cluster.node_views();
        self.cluster.flights(&mut self.flights);
    }

    /// True when messages of an election are in flight: the app slows down for them.
    pub fn election_in_flight(&self) -> bool {
        self.flights.iter().any(|f| {
            matches!(
                f.class,
                MsgClass::PreVote | MsgClass::Vote | MsgClass::BeginEpoch | MsgClass::EndEpoch | MsgClass::Notification
            )
        })
    }

    /// Advance virtual time by `virtual_us` (fractional parts carry over to the next frame).
    pub fn advance(&mut self, virtual_us: f64) {
        let total = self.carry_us + virtual_us.max(0.0);
        let whole = total.floor();
        self.carry_us = total - whole;
        if whole >= 1.0 {
            let until = self.cluster.now().plus_us(whole as u64);
            self.run_sampled(until, MAX_EVENTS_PER_FRAME);
            self.refresh();
        }
    }

    /// `run_until(until)`, stopping at every sample boundary on the way to record the state
    /// there. `run_until(b); run_until(until)` equals `run_until(until)`, so the trace is the
    /// same as without sampling. At most `max_events` events in all.
    fn run_sampled(&mut self, until: Time, max_events: usize) -> RunStop {
        let start = self.cluster.events_processed();
        let left = |lab: &Lab| max_events.saturating_sub((lab.cluster.events_processed() - start) as usize);
        while self.history.next_at() <= until {
            if self.cluster.run_until(self.history.next_at(), left(self)) == RunStop::EventCap {
                return RunStop::EventCap;
            }
            self.record_sample();
        }
        self.cluster.run_until(until, left(self))
    }

    /// Record the boundaries the state already stands for: those the clock has reached with no
    /// event pending at or before them (before an action is applied at `now`).
    fn sample_reached(&mut self) {
        loop {
            let at = self.history.next_at();
            if at > self.cluster.now() || self.cluster.next_event_time().is_some_and(|t| t <= at) {
                return;
            }
            self.record_sample();
        }
    }

    /// Before processing the event at `next`: every boundary before it is final now.
    fn sample_before(&mut self, next: Time) {
        while self.history.next_at() < next {
            self.record_sample();
        }
    }

    /// Process one event, recording the boundaries it steps over first.
    fn step_sampled(&mut self) -> bool {
        let Some(next) = self.cluster.next_event_time() else { return false };
        self.sample_before(next);
        self.cluster.step_one()
    }

    fn record_sample(&mut self) {
        let views = self.cluster.node_views();
        let controller = views.iter().any(|v| v.alive && v.is_controller);
        let quorum_leader = views.iter().any(|v| v.alive && matches!(v.role, Role::Leader | Role::Leading));
        self.history.record(controller, quorum_leader, self.cluster.sent_by_class());
    }

    /// Crash a live node or restart a dead one, now. Returns the action taken.
    pub fn toggle(&mut self, id: usize) -> Option<ScenarioAction> {
        let view = self.views.get(id)?;
        let prefix = match view.kind {
            NodeKind::Controller => NodePrefix::Controller,
            NodeKind::ZkServer => NodePrefix::Zk,
            NodeKind::Broker => NodePrefix::Broker,
        };
        let node = NodeRef::Named { prefix, number: view.number };
        let action = if view.alive { ScenarioAction::Crash(node) } else { ScenarioAction::Restart(node) };
        self.act(action.clone())?;
        Some(action)
    }

    /// Schedule an action now and apply it at once, even while paused.
    pub fn act(&mut self, action: ScenarioAction) -> Option<()> {
        let now = self.cluster.now();
        let events_before = self.cluster.events_processed();
        self.sample_reached();
        self.cluster.schedule(now, &action).ok()?;
        self.cluster.run_until(now, MAX_EVENTS_PER_FRAME);
        self.actions.push(Recorded { at: now, events_before, action });
        self.refresh();
        Some(())
    }

    /// Build from a permalink: the person's actions as scenario steps, replayed the way they
    /// were taken (run to the moment, then act), then run to `until`.
    pub fn from_steps(setup: Setup, steps: &[Step], until: Option<Time>) -> Result<Lab, SetupError> {
        let mut lab = Lab::new(setup)?;
        for step in steps {
            lab.run_sampled(step.at, usize::MAX);
            let events_before = lab.cluster.events_processed();
            lab.sample_reached();
            if lab.cluster.schedule(step.at, &step.action).is_ok() {
                lab.cluster.run_until(step.at, usize::MAX);
                lab.actions.push(Recorded { at: step.at, events_before, action: step.action.clone() });
            }
        }
        if let Some(until) = until {
            lab.run_sampled(until, usize::MAX);
        }
        lab.refresh();
        Ok(lab)
    }

    /// The person's actions as scenario text (for permalinks): `at 1234567us crash c1`.
    pub fn script_text(&self) -> String {
        let mut text = String::new();
        for r in &self.actions {
            text.push_str(&format!("at {}us {}\n", r.at.as_us(), r.action));
        }
        text
    }

    /// Run to `until` (side by side: both clusters to the same moment).
    pub fn run_to(&mut self, until: Time) {
        self.run_sampled(until, MAX_EVENTS_PER_FRAME);
        self.carry_us = 0.0;
        self.refresh();
    }

    /// Who `leader` or `controller` names right now, if anyone (for narration).
    pub fn cluster_target_name(&self, target: &NodeRef) -> Option<String> {
        let found = match target {
            NodeRef::Leader => self.leader(),
            NodeRef::Controller => self.views.iter().find(|v| v.alive && v.is_controller),
            NodeRef::Named { .. } => None,
        };
        found.map(|v| v.name())
    }

    /// Process exactly the next event (the "step" control).
    pub fn step(&mut self) {
        if self.step_sampled() {
            self.carry_us = 0.0;
            self.refresh();
        }
    }

    /// Rebuild from the seed and replay the person's actions up to `events` processed events.
    /// Same seed, same actions at the same moments: the identical state (and trace hash).
    pub fn replay_to(&mut self, events: u64) -> Result<(), SetupError> {
        self.cluster = build(&self.setup)?;
        // The chart's history is rebuilt along the way, sampled exactly as it was live.
        self.history.restart();
        let actions = std::mem::take(&mut self.actions);
        for recorded in actions {
            if recorded.events_before > events {
                break;
            }
            while self.cluster.events_processed() < recorded.events_before && self.step_sampled() {}
            if recorded.at > self.cluster.now() {
                // Move the clock to the moment of the action without processing more events.
                self.cluster.run_until(recorded.at, 0);
            }
            self.sample_reached();
            if self.cluster.schedule(recorded.at, &recorded.action).is_ok() {
                self.actions.push(recorded);
            }
        }
        while self.cluster.events_processed() < events && self.step_sampled() {}
        self.carry_us = 0.0;
        self.refresh();
        Ok(())
    }

    /// Step back: the state just before the last processed event.
    pub fn step_back(&mut self) -> Result<(), SetupError> {
        let events = self.cluster.events_processed().saturating_sub(1);
        self.replay_to(events)
    }

    /// Start again from the same seed, forgetting the person's actions.
    pub fn reset(&mut self) -> Result<(), SetupError> {
        self.actions.clear();
        self.replay_to(0)
    }

    pub fn leader(&self) -> Option<&NodeView> {
        self.views.iter().find(|v| v.alive && matches!(v.role, Role::Leader | Role::Leading))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> Lab {
        Lab::new(Setup { seed: 11, ..Setup::default() }).expect("default setup builds")
    }

    #[test]
    fn step_back_then_step_returns_to_the_identical_state() {
        let mut lab = lab();
        lab.advance(3_000_000.0);
        let leader = lab.leader().map(|v| v.id).expect("a leader after 3 s");
        lab.toggle(leader).expect("crash");
        lab.advance(2_500_000.0);
        let (events, hash) = (lab.cluster.events_processed(), lab.cluster.trace_hash());
        lab.step();
        let after = (lab.cluster.events_processed(), lab.cluster.trace_hash());
        assert_eq!(after.0, events + 1);
        lab.step_back().expect("replay");
        assert_eq!((lab.cluster.events_processed(), lab.cluster.trace_hash()), (events, hash));
        lab.step();
        assert_eq!((lab.cluster.events_processed(), lab.cluster.trace_hash()), after);
        assert_eq!(lab.actions.len(), 1, "the crash is kept");
    }

    #[test]
    fn a_permalink_replays_to_the_identical_state() {
        let mut lab = lab();
        lab.advance(2_345_678.0);
        lab.toggle(1).expect("crash c2");
        lab.advance(1_234_567.0);
        lab.toggle(1).expect("restart c2");
        lab.advance(3_000_001.0);
        let text = lab.script_text();
        let script = quorumlab_sim::scenario::parse(&text).expect("our own text parses");
        let again = Lab::from_steps(lab.setup.clone(), &script.steps, Some(lab.cluster.now())).expect("replay");
        assert_eq!(again.cluster.events_processed(), lab.cluster.events_processed());
        assert_eq!(again.cluster.trace_hash(), lab.cluster.trace_hash());
        assert_eq!(again.actions, lab.actions);
    }

    #[test]
    fn stepping_back_before_an_action_forgets_it_and_reset_forgets_all() {
        let mut lab = lab();
        lab.advance(2_000_000.0);
        let before = lab.cluster.events_processed();
        lab.toggle(0).expect("crash c1");
        lab.advance(1_000_000.0);
        lab.replay_to(before.saturating_sub(1)).expect("replay");
        assert!(lab.actions.is_empty());
        assert!(lab.views[0].alive);
        lab.advance(500_000.0);
        lab.reset().expect("reset");
        assert_eq!(lab.cluster.events_processed(), 0);
        assert_eq!(lab.cluster.now(), Time::ZERO);
    }
}
