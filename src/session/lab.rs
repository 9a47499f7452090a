//! The simulation as the page holds it: the cluster (outside the reactive graph), what the
//! person did to it, and per-frame scratch buffers reused to avoid allocating each frame.

use quorumlab_sim::cluster::{Cluster, FlightView, NodeKind, NodeView, Role};
use quorumlab_sim::scenario::{NodePrefix, NodeRef, ScenarioAction, Script, Step, MAX_TIME};
use quorumlab_sim::setup::{Setup, SetupError};
use quorumlab_sim::{MsgClass, RunStop, Time};

use crate::engines::build;
use crate::link::{script_line, settings_line, steps_of};
use crate::session::history::History;

/// Most events one frame may process (a cap, so a frame can never hang the page).
pub const MAX_EVENTS_PER_FRAME: usize = 50_000;
/// Opening a link replays at most this many events per cluster: about a second in the browser
/// (ten hours of a default KRaft cluster); see [`Lab::open`].
pub const MAX_OPEN_EVENTS: u64 = 2_000_000;

/// The messages of an election, shown in slow motion.
const ELECTION_CLASSES: [MsgClass; 5] =
    [MsgClass::PreVote, MsgClass::Vote, MsgClass::BeginEpoch, MsgClass::EndEpoch, MsgClass::Notification];
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
    /// Messages that landed since the previous refresh: the stage still shows them while it
    /// glides through that stretch of time.
    pub landed: Vec<FlightView>,
    /// Actions the person took, in order, so the session can be replayed exactly. After a
    /// step back or a scrub into the past, the later ones wait here and happen again when the
    /// clock reaches them, until the person does something new (which starts a new history).
    pub actions: Vec<Recorded>,
    /// The actions the lab opened with (a link's scenario): what Reset starts again from.
    scripted: Vec<Recorded>,
    /// How many of `actions` the cluster has been given.
    applied: usize,
    /// The latest virtual time this session reached (the end of the timeline).
    pub horizon: Time,
    /// What the chart plots, sampled on virtual-time boundaries by every path below that moves
    /// the clock (so replays rebuild it exactly).
    pub history: History,
    /// Virtual time not yet applied (sub-microsecond remainders of frame steps).
    carry_us: f64,
    /// Why the last action was not taken, when a limit of the page's link refused it: a
    /// narration key and its arguments (the app takes it and tells the person).
    pub refused: Option<(&'static str, Vec<String>)>,
    /// The nodes a course step talks about: drawn highlighted, the others dimmed (empty: none).
    pub spotlight: Vec<usize>,
    /// The message classes a course step talks about: drawn at full strength, the others faded.
    /// Empty while nodes are highlighted: the messages to and from those nodes are the ones.
    pub spot_msgs: Vec<MsgClass>,
}

impl Lab {
    pub fn new(setup: Setup) -> Result<Lab, SetupError> {
        let cluster = build(&setup)?;
        let mut lab = Lab {
            cluster,
            setup,
            views: Vec::new(),
            flights: Vec::new(),
            landed: Vec::new(),
            actions: Vec::new(),
            scripted: Vec::new(),
            applied: 0,
            horizon: Time::ZERO,
            history: History::default(),
            carry_us: 0.0,
            refused: None,
            spotlight: Vec::new(),
            spot_msgs: Vec::new(),
        };
        lab.refresh();
        Ok(lab)
    }

    /// Re-read node views and in-flight messages after the world moved.
    pub fn refresh(&mut self) {
        self.horizon = self.horizon.max(self.cluster.now());
        self.views = self.cluster.node_views();
        self.cluster.flights(&mut self.flights);
        self.cluster.landed(&mut self.landed);
    }

    /// True when messages of an election are in flight: the app slows down for them.
    pub fn election_in_flight(&self) -> bool {
        self.flights.iter().any(|f| ELECTION_CLASSES.contains(&f.class))
    }

    /// Advance virtual time by `virtual_us` (fractional parts carry over to the next frame).
    pub fn advance(&mut self, virtual_us: f64) {
        let total = self.carry_us + virtual_us.max(0.0);
        let whole = total.floor();
        self.carry_us = total - whole;
        if whole >= 1.0 {
            let until = self.cluster.now().plus_us(whole as u64).min(MAX_TIME);
            self.apply_due(until);
            self.run_sampled(until, MAX_EVENTS_PER_FRAME);
            self.refresh();
        }
    }

    /// How far this frame goes: the moment `virtual_us` from now (fractional parts carry over to
    /// the next frame), or `None` if less than a microsecond is due. With [`Lab::run_events_to`], this
    /// is [`Lab::advance`] in pieces.
    pub fn plan(&mut self, virtual_us: f64) -> Option<Time> {
        let total = self.carry_us + virtual_us.max(0.0);
        let whole = total.floor();
        self.carry_us = total - whole;
        (whole >= 1.0).then(|| self.cluster.now().plus_us(whole as u64).min(MAX_TIME))
    }

    /// Process every event at or before `until` and move the clock there, keeping the carried
    /// fraction and not refreshing the views (call [`Lab::refresh`] once done).
    pub fn run_events_to(&mut self, until: Time) {
        self.apply_due(until);
        self.run_sampled(until, MAX_EVENTS_PER_FRAME);
    }

    /// When the next event is due, if any.
    pub fn next_event_time(&self) -> Option<Time> {
        self.cluster.next_event_time()
    }

    /// Election messages sent so far (pre-votes, votes, BeginQuorumEpoch, EndQuorumEpoch, FLE
    /// notifications): when this grows, an election has started.
    pub fn election_messages_sent(&self) -> u64 {
        let sent = self.cluster.sent_by_class();
        ELECTION_CLASSES.iter().map(|c| sent[c.index()]).sum()
    }

    /// `run_until(until)`, stopping at every sample boundary on the way to record the state
    /// there. `run_until(b); run_until(until)` equals `run_until(until)`, so the trace is the
    /// same as without sampling. At most `max_events` events in all.
    fn run_sampled(&mut self, until: Time, max_events: usize) -> RunStop {
        let start = self.cluster.events_processed();
        let left = |lab: &Lab| max_events.saturating_sub((lab.cluster.events_processed() - start) as usize);
        while self.history.next_at() <= until {
            self.skip_quiet(until);
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
        self.skip_quiet(self.cluster.now());
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
        self.skip_quiet(Time(next.as_us().saturating_sub(1)));
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

    /// Up to `last`, the boundaries before the next event all see the state as it is now: let
    /// the history skip those it would not keep.
    fn skip_quiet(&mut self, last: Time) {
        let quiet = match self.cluster.next_event_time() {
            Some(next) => Time(next.as_us().saturating_sub(1)).min(last),
            None => last,
        };
        self.history.fast_forward(quiet);
    }

    fn record_sample(&mut self) {
        let views = self.cluster.node_views();
        let controller = views.iter().any(|v| v.alive && v.is_controller);
        let quorum_leader = views.iter().any(|v| v.alive && matches!(v.role, Role::Leader | Role::Leading));
        self.history.record(controller, quorum_leader, self.cluster.sent_by_class());
    }

    /// Give the cluster the waiting actions taken at or before `until`, each at its moment:
    /// after the events that had happened when it was taken, before the rest. One that cannot
    /// be applied here (a node this cluster lacks) is dropped.
    fn apply_due(&mut self, until: Time) {
        self.apply_due_within(until, u64::MAX);
    }

    /// [`Lab::apply_due`], processing no event past the `event_limit`-th (step back).
    fn apply_due_within(&mut self, until: Time, event_limit: u64) {
        while let Some(recorded) = self.actions.get(self.applied).filter(|r| r.at <= until) {
            let (at, events_before, action) = (recorded.at, recorded.events_before, recorded.action.clone());
            let not_yet =
                |c: &dyn Cluster| c.events_processed() < events_before && c.next_event_time().is_some_and(|t| t <= at);
            while not_yet(&*self.cluster) && self.cluster.events_processed() < event_limit && self.step_sampled() {}
            if not_yet(&*self.cluster) {
                return;
            }
            if at > self.cluster.now() {
                // Move the clock to the moment of the action without processing more events.
                self.cluster.run_until(at, 0);
            }
            self.sample_reached();
            if self.cluster.schedule(at, &action).is_ok() {
                self.actions[self.applied].events_before = self.cluster.events_processed();
                self.applied += 1;
            } else {
                self.actions.remove(self.applied);
            }
        }
    }

    /// The message loss (per mille) and extra latency (µs) in force, from the actions applied.
    pub fn network_settings(&self) -> (u32, u64) {
        let applied = &self.actions[..self.applied.min(self.actions.len())];
        let loss = applied.iter().rev().find_map(|r| match r.action {
            ScenarioAction::LossPerMille(p) => Some(p),
            _ => None,
        });
        let delay = applied.iter().rev().find_map(|r| match r.action {
            ScenarioAction::DelayUs(us) => Some(us),
            _ => None,
        });
        (loss.unwrap_or(0), delay.unwrap_or(0))
    }

    /// Actions taken later than the current moment, waiting to happen again.
    pub fn pending(&self) -> &[Recorded] {
        &self.actions[self.applied.min(self.actions.len())..]
    }

    /// Crash a live node or restart a dead one, now. Returns the action taken.
    pub fn toggle(&mut self, id: usize) -> Option<ScenarioAction> {
        let node = self.node_ref(id)?;
        let alive = self.views.get(id)?.alive;
        let action = if alive { ScenarioAction::Crash(node) } else { ScenarioAction::Restart(node) };
        self.act(action.clone())?;
        Some(action)
    }

    /// How scenario text names node `id` (`c2`, `zk3`, `b1`).
    pub fn node_ref(&self, id: usize) -> Option<NodeRef> {
        let view = self.views.get(id)?;
        let prefix = match view.kind {
            NodeKind::Controller => NodePrefix::Controller,
            NodeKind::ZkServer => NodePrefix::Zk,
            NodeKind::Broker => NodePrefix::Broker,
        };
        Some(NodeRef::Named { prefix, number: view.number })
    }

    /// Cut the `picked` nodes off from all the others (the partition tool).
    pub fn partition(&mut self, picked: &[usize]) -> Option<ScenarioAction> {
        let (inside, outside): (Vec<usize>, Vec<usize>) = (0..self.views.len()).partition(|i| picked.contains(i));
        if inside.is_empty() || outside.is_empty() {
            return None;
        }
        let side = |ids: Vec<usize>| ids.into_iter().filter_map(|i| self.node_ref(i)).collect::<Vec<_>>();
        let action = ScenarioAction::Partition(vec![side(inside), side(outside)]);
        self.act(action.clone())?;
        Some(action)
    }

    /// The quorum leader alone on one side (side by side: the same fault on both clusters).
    pub fn isolate_leader(&mut self) -> Option<ScenarioAction> {
        let leader = self.leader()?.id;
        self.partition(&[leader])
    }

    /// Schedule an action now and apply it at once, even while paused.
    pub fn act(&mut self, action: ScenarioAction) -> Option<()> {
        let now = self.cluster.now();
        let events_before = self.cluster.events_processed();
        // Waiting actions taken at exactly this point happen first; none past it.
        self.apply_due_within(now, events_before);
        self.sample_reached();
        if let Some(why) = self.past_link_limits(now, &action) {
            self.refused = Some(why);
            return None;
        }
        self.cluster.schedule(now, &action).ok()?;
        // Something new: the actions that were waiting in the future belong to another history.
        self.actions.truncate(self.applied);
        self.horizon = now;
        self.cluster.run_until(now, MAX_EVENTS_PER_FRAME);
        self.actions.push(Recorded { at: now, events_before, action });
        self.applied = self.actions.len();
        self.refresh();
        Some(())
    }

    /// Whether taking `action` at `now` would make a history whose link the scenario parser
    /// refuses (too many partitions, steps or characters): then why, for the narration.
    fn past_link_limits(&self, now: Time, action: &ScenarioAction) -> Option<(&'static str, Vec<String>)> {
        use quorumlab_sim::scenario::{MAX_PARTITIONS, MAX_STEPS, MAX_TEXT_BYTES};
        let full = || Some(("narr.link_full", vec![MAX_STEPS.to_string(), (MAX_TEXT_BYTES / 1024).to_string()]));
        if now > MAX_TIME {
            return full();
        }
        let kept = &self.actions[..self.applied];
        let created: u64 = kept.iter().map(|r| r.action.partitions_created()).sum();
        if created + action.partitions_created() > u64::from(MAX_PARTITIONS) {
            let name = match action {
                ScenarioAction::CreateTopic { name, .. } => name.clone(),
                _ => String::new(),
            };
            return Some(("narr.topic_refused", vec![name, MAX_PARTITIONS.to_string()]));
        }
        let text = self.settings_text().len() + kept.iter().map(|r| script_line(r.at, &r.action).len()).sum::<usize>();
        if kept.len() >= MAX_STEPS || text + script_line(now, action).len() > MAX_TEXT_BYTES {
            return full();
        }
        None
    }

    /// Build from a permalink: the person's actions as scenario steps, each taken after every
    /// event up to its moment, then run to `until` (or to the last action). Actions later than
    /// `until` wait, as after a scrub.
    pub fn from_steps(setup: Setup, steps: &[Step], until: Option<Time>) -> Result<Lab, SetupError> {
        Lab::open(setup, steps, until, u64::MAX).map(|(lab, _)| lab)
    }

    /// [`Lab::from_steps`], processing at most `max_events` events: a link may name a moment a
    /// year away, and replaying all of it would freeze the page for minutes. When the budget
    /// runs out first, the lab stops where it got to and the moment asked for comes back with
    /// it (then [`Lab::rewind_to`] the moment reached makes it what a link to that moment shows).
    pub fn open(
        setup: Setup,
        steps: &[Step],
        until: Option<Time>,
        max_events: u64,
    ) -> Result<(Lab, Option<Time>), SetupError> {
        let mut lab = Lab::new(setup)?;
        let mut sorted: Vec<&Step> = steps.iter().collect();
        // Stable, like sort_by_key, and much less wasm (see insertion_sort_by).
        quorumlab_sim::sorted::insertion_sort_by(&mut sorted, |a, b| a.at < b.at);
        lab.actions = sorted
            .into_iter()
            .map(|step| Recorded { at: step.at, events_before: u64::MAX, action: step.action.clone() })
            .collect();
        // Reset starts these again: not those this cluster cannot take (a node it lacks), which
        // opening leaves out too.
        lab.scripted = lab.actions.iter().filter(|r| lab.cluster.check(&r.action).is_ok()).cloned().collect();
        let until = until.or_else(|| lab.actions.last().map(|r| r.at)).unwrap_or(Time::ZERO);
        lab.apply_due_within(until, max_events);
        let left = max_events.saturating_sub(lab.cluster.events_processed());
        let stop = lab.run_sampled(until, usize::try_from(left).unwrap_or(usize::MAX));
        lab.refresh();
        let short = stop == RunStop::EventCap || lab.cluster.now() < until;
        Ok((lab, short.then_some(until)))
    }

    /// The cluster's settings and the person's actions, as a link carries them.
    pub fn script(&self) -> Script {
        let settings = self.setup.script.settings.clone();
        let steps = steps_of(settings.len(), self.actions.iter().map(|r| (r.at, &r.action)));
        Script { settings, steps }
    }

    /// The person's actions as scenario text (for permalinks): `at 1234567us crash c1`.
    pub fn script_text(&self) -> String {
        crate::link::script_text(&self.script())
    }

    /// The cluster's settings from the link, as `set key=value` lines (empty: Kafka's defaults).
    pub fn settings_text(&self) -> String {
        self.setup.script.settings.iter().map(|(key, value)| settings_line(key, value)).collect()
    }

    /// Run to `until` (side by side: both clusters to the same moment).
    pub fn run_to(&mut self, until: Time) {
        self.apply_due(until);
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
        if let Some(next) = self.cluster.next_event_time() {
            if next > MAX_TIME {
                // Virtual time ends after a year, the latest moment a link can name.
                return;
            }
            self.apply_due_within(next, self.cluster.events_processed());
        }
        if self.step_sampled() {
            self.carry_us = 0.0;
            self.refresh();
        }
    }

    /// Rebuild from the seed and replay the person's actions up to `events` processed events.
    /// Same seed, same actions at the same moments: the identical state (and trace hash).
    /// Later actions stay recorded and happen again when the clock reaches them.
    pub fn replay_to(&mut self, events: u64) -> Result<(), SetupError> {
        self.rebuild()?;
        while self.cluster.events_processed() < events {
            if let Some(next) = self.cluster.next_event_time() {
                self.apply_due_within(next, events);
            }
            if self.cluster.events_processed() >= events || !self.step_sampled() {
                break;
            }
        }
        self.apply_due_within(self.cluster.now(), events);
        self.refresh();
        Ok(())
    }

    /// The timeline: rebuild and replay to the moment `at` (every event up to it), keeping
    /// the later actions waiting. Side by side, both clusters rewind to the same moment.
    pub fn rewind_to(&mut self, at: Time) -> Result<(), SetupError> {
        self.rebuild()?;
        self.finish_at(at);
        Ok(())
    }

    /// Take the waiting actions and process every event up to `at` (not past it), then show
    /// it: what a link to `at` opens, also for a lab an open cut short at `at` itself.
    pub fn finish_at(&mut self, at: Time) {
        self.apply_due(at);
        self.run_sampled(at, usize::MAX);
        self.refresh();
    }

    /// A fresh cluster from the seed; the recorded actions wait to be applied again.
    fn rebuild(&mut self) -> Result<(), SetupError> {
        self.cluster = build(&self.setup)?;
        // The chart's history is rebuilt along the way, sampled exactly as it was live.
        self.history.restart();
        self.applied = 0;
        self.carry_us = 0.0;
        Ok(())
    }

    /// Step back: the state just before the last processed event.
    pub fn step_back(&mut self) -> Result<(), SetupError> {
        let events = self.cluster.events_processed().saturating_sub(1);
        self.replay_to(events)
    }

    /// Start again from the same seed with the scenario the lab opened with (an embedded
    /// link's crash happens again), forgetting what the person did since.
    pub fn reset(&mut self) -> Result<(), SetupError> {
        self.actions = self.scripted.clone();
        self.horizon = Time::ZERO;
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
    fn a_link_too_far_to_replay_stops_at_the_budget_and_rewinds_to_what_a_link_there_shows() {
        let mut between = 0;
        for mode in [quorumlab_sim::setup::Mode::Kraft, quorumlab_sim::setup::Mode::Zk] {
            let setup = Setup { seed: 4, mode, ..Setup::default() };
            // A heal 300 days away, and the moment asked for after it.
            let script = quorumlab_sim::scenario::parse("at 2s crash leader\nat 432000m heal").expect("parses");
            let wanted = Time::from_secs(301 * 86_400);
            let (mut lab, short) = Lab::open(setup.clone(), &script.steps, Some(wanted), 20_000).expect("opens");
            assert_eq!(short, Some(wanted), "{mode:?}: the budget ran out first");
            assert!(lab.cluster.events_processed() <= 20_000, "{mode:?}: {}", lab.cluster.events_processed());
            let reached = lab.cluster.now();
            assert!(reached > Time::from_secs(2) && reached < wanted, "{mode:?}: {reached}");
            assert_eq!(lab.applied, 1, "{mode:?}: the crash was applied, the restart waits");
            // Rewound to where it got (as a side that went further is), it is exactly what a
            // link to that moment opens.
            let (there, short) = Lab::open(setup.clone(), &script.steps, Some(reached), u64::MAX).expect("opens");
            assert_eq!(short, None);
            let mut rewound = Lab::open(setup.clone(), &script.steps, Some(wanted), 30_000).expect("opens").0;
            rewound.rewind_to(reached).expect("rewinds");
            lab.finish_at(reached);
            for other in [&lab, &rewound] {
                assert_eq!(there.cluster.trace_hash(), other.cluster.trace_hash(), "{mode:?}");
                assert_eq!(there.cluster.now(), other.cluster.now());
                assert_eq!(there.history.samples(), other.history.samples());
            }
            // So is one finished where it stopped, even when the budget ran out between two
            // events of one moment.
            for budget in 20_000..20_060 {
                let mut cut = Lab::open(setup.clone(), &script.steps, Some(wanted), budget).expect("opens").0;
                let at = cut.cluster.now();
                between += usize::from(cut.next_event_time() == Some(at));
                cut.finish_at(at);
                let there = Lab::open(setup.clone(), &script.steps, Some(at), u64::MAX).expect("opens").0;
                assert_eq!(cut.cluster.trace_hash(), there.cluster.trace_hash(), "{mode:?} {budget}");
                assert_eq!(cut.history.samples(), there.history.samples(), "{mode:?} {budget}");
            }
            // Without a budget worth mentioning, nothing is cut short.
            let (_, short) = Lab::open(setup, &script.steps, Some(Time::from_secs(3)), 20_000).expect("opens");
            assert_eq!(short, None, "{mode:?}");
        }
        assert!(between > 0, "some budget ends inside a moment");
    }

    #[test]
    fn a_topic_past_the_partition_limit_is_refused_so_the_link_still_opens() {
        let text = "at 1s create-topic big partitions=1999998 rf=3";
        let steps = quorumlab_sim::scenario::parse(text).expect("parses").steps;
        let mut lab =
            Lab::from_steps(Setup { seed: 2, ..Setup::default() }, &steps, Some(Time::from_secs(2))).expect("opens");
        let topic =
            |n: u32| ScenarioAction::CreateTopic { name: format!("t{n}"), partitions: n, replication_factor: 3 };
        assert_eq!(lab.act(topic(3)), None, "1,999,998 + 3 is past the limit");
        assert_eq!(lab.refused.take(), Some(("narr.topic_refused", vec!["t3".to_string(), "2000000".to_string()])));
        assert_eq!(lab.act(topic(2)), Some(()), "1,999,998 + 2 is the limit");
        assert_eq!(lab.act(topic(1)), None);
        assert_eq!(lab.act(ScenarioAction::Heal), Some(()), "other actions go on");
        let again = quorumlab_sim::scenario::parse(&lab.script_text()).expect("its link opens");
        assert_eq!(again.steps.len(), 3);
    }

    #[test]
    fn actions_stop_where_the_link_would_no_longer_open_and_the_clock_at_a_year() {
        let mut lab = lab();
        // Topics with 249-character names: the text limit comes before the step limit.
        let mut taken = 0;
        while taken < 3_000 {
            lab.advance(1_000.0);
            let name = format!("{:0>249}", taken);
            let action = ScenarioAction::CreateTopic { name, partitions: 1, replication_factor: 1 };
            if lab.act(action).is_none() {
                break;
            }
            taken += 1;
        }
        assert_eq!(lab.refused.take().map(|(key, _)| key), Some("narr.link_full"), "after {taken} topics");
        let text = lab.script_text();
        assert!(text.len() <= quorumlab_sim::scenario::MAX_TEXT_BYTES && text.len() > 60_000, "{}", text.len());
        assert_eq!(quorumlab_sim::scenario::parse(&text).map(|s| s.steps.len()), Ok(taken), "its link opens");
        assert!(crate::link::Link::parse(&format!("?s={}", crate::link::encode(&text))).1.is_empty());
        // The clock stops at the latest moment a link can name.
        // (Every node down, so nothing happens on the way there.)
        let setup = Setup { seed: 2, ..Setup::default() };
        let down = "at 1s crash c1\nat 1s crash c2\nat 1s crash c3\nat 1s crash b1\nat 1s crash b2\nat 1s crash b3";
        let steps = quorumlab_sim::scenario::parse(down).expect("parses").steps;
        let near = Time(MAX_TIME.as_us() - 1_000_000);
        let (mut late, short) = Lab::open(setup, &steps, Some(near), 100_000).expect("opens");
        assert_eq!((short, late.cluster.now()), (None, near));
        late.advance(5_000_000.0);
        assert_eq!(late.cluster.now(), MAX_TIME);
        assert_eq!(late.plan(1_000_000.0), Some(MAX_TIME));
        // A restart at that last moment: stepping does not go past it either.
        assert!(late
            .act(ScenarioAction::Restart(NodeRef::Named { prefix: NodePrefix::Controller, number: 1 }))
            .is_some());
        for _ in 0..50 {
            late.step();
        }
        assert!(late.cluster.now() <= MAX_TIME && late.next_event_time() > Some(MAX_TIME));
        assert!(quorumlab_sim::scenario::parse(&late.script_text()).is_ok(), "its link still opens");
    }

    #[test]
    fn settings_from_a_link_change_the_cluster_and_go_back_into_its_link() {
        use quorumlab_sim::scenario::Script;
        let gap = |settings: Vec<(String, String)>| {
            let script = Script { settings, steps: Vec::new() };
            let setup = Setup { mode: quorumlab_sim::setup::Mode::Zk, seed: 4, script, ..Setup::default() };
            let steps = quorumlab_sim::scenario::parse("at 10s crash controller").expect("parses").steps;
            let lab = Lab::from_steps(setup, &steps, Some(Time::from_secs(40))).expect("opens");
            (lab.cluster.ms_without_controller(), lab)
        };
        let (default_gap, _) = gap(Vec::new());
        let (short_gap, lab) = gap(vec![("zookeeper.session.timeout.ms".into(), "6000".into())]);
        // The crashed controller's session expires its timeout after its last ping: 18 s by default, 6 s here.
        assert!(default_gap >= 15_000 && short_gap < 8_000, "{default_gap} ms vs {short_gap} ms");
        let text = lab.script_text();
        assert!(text.starts_with("set zookeeper.session.timeout.ms=6000\nat "), "{text}");
        let again = quorumlab_sim::scenario::parse(&text).expect("parses");
        assert_eq!(again.settings, lab.setup.script.settings);
    }

    #[test]
    fn moving_moment_by_moment_gives_the_same_history_as_one_step_and_sees_the_election_start() {
        for mode in [quorumlab_sim::setup::Mode::Kraft, quorumlab_sim::setup::Mode::Zk] {
            let setup = Setup { seed: 5, mode, ..Setup::default() };
            let mut whole = Lab::new(setup.clone()).expect("builds");
            whole.advance(3_000_000.0);
            let mut pieces = Lab::new(setup).expect("builds");
            let until = pieces.plan(3_000_000.0).expect("a frame");
            let mut first_election_at = None;
            while let Some(next) = pieces.next_event_time().filter(|t| *t <= until) {
                pieces.run_events_to(next);
                if first_election_at.is_none() && pieces.election_messages_sent() > 0 {
                    first_election_at = Some(pieces.cluster.now());
                    pieces.refresh();
                    assert!(pieces.election_in_flight(), "{mode:?}: stopped with the election on the wire");
                }
            }
            pieces.run_events_to(until);
            pieces.refresh();
            assert!(first_election_at.is_some_and(|t| t < until), "{mode:?}: the first election starts in the frame");
            assert_eq!(pieces.cluster.now(), whole.cluster.now(), "{mode:?}");
            assert_eq!(pieces.cluster.trace_hash(), whole.cluster.trace_hash(), "{mode:?}");
            assert_eq!(pieces.history, whole.history, "{mode:?}: the same chart samples");
        }
    }

    #[test]
    fn stepping_back_before_an_action_keeps_it_waiting_and_a_new_action_forgets_it() {
        let mut lab = lab();
        lab.advance(2_000_000.0);
        let before = lab.cluster.events_processed();
        lab.toggle(0).expect("crash c1");
        lab.advance(1_000_000.0);
        let (t, hash) = (lab.cluster.now(), lab.cluster.trace_hash());
        lab.replay_to(before.saturating_sub(1)).expect("replay");
        assert!(lab.views[0].alive, "before the crash");
        assert_eq!(lab.pending().len(), 1, "the crash waits");
        assert_eq!(lab.horizon, t, "the timeline still ends where the session got to");
        lab.run_to(t);
        assert!(!lab.views[0].alive, "the crash happened again");
        assert_eq!(lab.cluster.trace_hash(), hash, "the same history");
        // Back again, and this time do something else: the old crash is forgotten.
        lab.replay_to(before.saturating_sub(1)).expect("replay");
        lab.toggle(1).expect("crash c2 instead");
        assert!(lab.pending().is_empty());
        assert_eq!(lab.actions.len(), 1);
        lab.advance(2_000_000.0);
        assert!(lab.views[0].alive);
        lab.reset().expect("reset");
        assert!(lab.actions.is_empty());
        assert_eq!(lab.cluster.events_processed(), 0);
        assert_eq!(lab.cluster.now(), Time::ZERO);
        assert_eq!(lab.horizon, Time::ZERO);
    }

    #[test]
    fn the_partition_tool_cuts_the_picked_nodes_off_and_heal_joins_them() {
        let mut lab = lab();
        lab.advance(3_000_000.0);
        let action = lab.isolate_leader().expect("a leader to isolate");
        let leader = lab.leader().map(|v| v.id).expect("still leading for now");
        assert!(action.to_string().starts_with(&format!("partition {} |", lab.views[leader].name())), "{action}");
        let sides = lab.cluster.partition_sides();
        assert!(sides.iter().enumerate().all(|(i, s)| (*s == sides[leader]) == (i == leader)));
        lab.advance(6_000_000.0);
        let new_leader = lab.leader().map(|v| v.id).expect("the majority elects a new leader");
        assert_ne!(new_leader, leader);
        assert!(lab.partition(&[]).is_none() && lab.partition(&(0..lab.views.len()).collect::<Vec<_>>()).is_none());
        lab.act(ScenarioAction::Heal).expect("heal");
        assert!(lab.cluster.partition_sides().iter().all(|s| *s == 0));
        assert_eq!(lab.script_text().lines().count(), 2);
    }

    #[test]
    fn scrubbing_back_and_forth_across_actions_returns_to_the_identical_state() {
        for mode in [quorumlab_sim::setup::Mode::Kraft, quorumlab_sim::setup::Mode::Zk] {
            let mut lab = Lab::new(Setup { seed: 5, mode, ..Setup::default() }).expect("builds");
            lab.advance(3_000_000.0);
            let leader = lab.leader().map(|v| v.id).expect("a leader after 3 s");
            lab.toggle(leader).expect("crash the leader");
            lab.advance(4_000_000.0);
            lab.toggle(leader).expect("restart it");
            lab.advance(3_000_000.0);
            let (end, hash) = (lab.cluster.now(), lab.cluster.trace_hash());
            lab.rewind_to(Time::from_ms(1_500)).expect("scrub back");
            assert_eq!(lab.cluster.now(), Time::from_ms(1_500));
            assert_eq!(lab.pending().len(), 2);
            lab.rewind_to(Time::from_ms(5_000)).expect("scrub to between the actions");
            assert!(!lab.views[leader].alive, "{mode:?}: crashed at 5 s");
            assert_eq!(lab.pending().len(), 1);
            lab.rewind_to(end).expect("scrub to the end");
            assert_eq!(lab.cluster.trace_hash(), hash, "{mode:?}");
            assert_eq!(lab.horizon, end);
        }
    }

    #[test]
    fn a_permalink_to_a_moment_before_later_actions_keeps_them_waiting() {
        let mut lab = lab();
        lab.advance(2_000_000.0);
        lab.toggle(0).expect("crash c1");
        lab.advance(2_000_000.0);
        let (end, hash) = (lab.cluster.now(), lab.cluster.trace_hash());
        let script = quorumlab_sim::scenario::parse(&lab.script_text()).expect("our own text parses");
        let mut again = Lab::from_steps(lab.setup.clone(), &script.steps, Some(Time::from_ms(1_000))).expect("replay");
        assert_eq!(again.pending().len(), 1);
        again.run_to(end);
        assert_eq!(again.cluster.trace_hash(), hash);
    }

    #[test]
    fn reset_starts_a_links_scenario_again_without_the_persons_actions() {
        let script = quorumlab_sim::scenario::parse("at 2s crash c1").expect("parses");
        let mut lab = Lab::from_steps(Setup { seed: 11, ..Setup::default() }, &script.steps, None).expect("opens");
        assert!(!lab.views[0].alive, "the link's crash");
        lab.advance(1_000_000.0);
        lab.toggle(1).expect("the person crashes c2 too");
        lab.advance(3_000_000.0);
        let (end, hash) = (lab.cluster.now(), lab.cluster.trace_hash());
        lab.reset().expect("reset");
        assert_eq!((lab.cluster.now(), lab.cluster.events_processed()), (Time::ZERO, 0));
        assert_eq!(lab.script_text(), "at 2000000us crash c1\n", "the link's scenario, not the person's click");
        lab.run_to(end);
        assert!(!lab.views[0].alive, "the link's crash happened again");
        assert!(lab.views[1].alive, "the person's did not");
        let fresh = Lab::from_steps(lab.setup.clone(), &script.steps, Some(end)).expect("opens");
        assert_eq!(lab.cluster.trace_hash(), fresh.cluster.trace_hash());
        assert_ne!(lab.cluster.trace_hash(), hash);
        // An action of the link this cluster cannot take (no c9 here) stays left out.
        let script = quorumlab_sim::scenario::parse("at 2s crash c9\nat 3s crash c1").expect("parses");
        let mut lab = Lab::from_steps(Setup { seed: 11, ..Setup::default() }, &script.steps, None).expect("opens");
        assert_eq!(lab.script_text(), "at 3000000us crash c1\n");
        lab.reset().expect("reset");
        assert_eq!(lab.script_text(), "at 3000000us crash c1\n");
    }
}
