//! Scale: for each number of partitions, in both modes, one run with three faults in turn
//! (6 brokers, 3 controllers / 3 ZooKeeper servers, one topic `orders` with replication
//! factor 3):
//!
//! 1. **Controller failover** — `crash controller`: from the crash of the active controller to
//!    the moment a new active controller exists that has loaded what it needs and can act (the
//!    page's stopwatch: ZooKeeper mode's controller is active once `initializeControllerContext`
//!    is done; KRaft's as soon as it leads the quorum, its state being in memory already).
//! 2. **Broker-crash recovery** — `crash bX` (a broker that is not the controller): from the
//!    crash to the moment every partition bX led has, in the metadata of every live broker, a
//!    leader that is not bX.
//! 3. **Controlled shutdown** — `shutdown bY`: from the request to the moment bY leads nothing
//!    and may stop (ZooKeeper mode: the controller granted ControlledShutdown; KRaft: the
//!    controller answered SHUTDOWN_NOW).
//!
//! The faults' times come from a plan that leaves each phase time to finish (ZooKeeper mode's
//! times grow with the partitions its controller must load); the run checks that the cluster
//! had settled before each fault, and if not runs the point again with three times the
//! margins. In ZooKeeper mode a first pass runs up to the failover to learn which brokers held
//! `/controller` before and after it; bX and bY are then chosen among the others so that, with
//! round-robin placement and three replicas, no partition has every replica among the crashed
//! controller, bX and bY (and the run checks that the controllers were those).
//!
//! ## What calibrates which cost (shared/reference/domain.md §4)
//! - **ZooKeeper mode, controller load:** 135 µs per partition state read and deserialised,
//!   in pipelined batches of 1,000 (`zk::Config::load_batch`), calibrated on the 2018 blog's
//!   "controller metadata load for 100,000 partitions: 14 s" (Kafka 1.1, async ZooKeeper
//!   calls). The PR measurements (KAFKA-5642: ≈ 60 s for 100,000 partitions before async
//!   reads; linkedin/kafka: "pushing 60 s" above 200,000) are not fitted: they are what the
//!   model can be checked against.
//! - **ZooKeeper mode, detection:** `zookeeper.session.timeout.ms` = 18 s (Kafka's default) for
//!   a crashed broker or controller; no calibration.
//! - **ZooKeeper mode, partition-state writes:** 300 µs per partition state the controller
//!   writes (leader elections, ISR shrinks), the model setting
//!   `controller.write.us.per.partition` that these runs set (the engine's default is 0),
//!   calibrated on the 2018 blog's "controlled shutdown of a broker with ~10,000 partitions:
//!   3 s" (Kafka 1.1): about 10,000 state writes in 3 s (see
//!   [`zk::config::CALIBRATED_WRITE_US_PER_PARTITION`]). So the controlled shutdown near
//!   10,000 partitions is the calibration, not a test of the model. LeaderAndIsr and
//!   UpdateMetadata cost nothing beyond the network (a guess: the figures are lower bounds).
//!   A broker whose controlled shutdown is not granted within its 3 retries 5 s apart stops
//!   anyway (`shutdown_gave_up`), as Kafka's does.
//! - **KRaft:** no per-record cost is charged; detection is the 2 s fetch timeout (failover)
//!   and the 9 s broker session (fencing), both Kafka defaults. Confluent's "near-
//!   instantaneous failover" and "2 million partitions" are end-to-end claims the model is
//!   judged by, not fitted to.

use crate::experiment::sim::{setup_for, Known, Sim};
use crate::experiment::{PointRun, Points};
use crate::kraft;
use crate::scenario::{NodePrefix, NodeRef, ScenarioAction, Step};
use crate::setup::{Mode, Setup};
use crate::time::Time;
use crate::zk;

/// The partition counts of the default sweep, up to the most the engine takes,
/// [`crate::scenario::MAX_PARTITIONS`] (2,000,000). The 2,000,000 points are the sweep's peak:
/// about 800 MB, and 21–25 s for the whole sweep on a 2-core machine. (They took 1.9 GB while
/// every KRaft image copied each chunk the broker crash's PartitionChangeRecords changed; the
/// images now share those chunks, see `kraft/partitions.rs`.)
pub const DEFAULT_PARTITIONS: [u32; 5] = [1_000, 10_000, 100_000, 1_000_000, 2_000_000];
/// Brokers of every scale run.
pub const DEFAULT_BROKERS: usize = 6;
/// Voters of the metadata quorum (controllers / ZooKeeper servers).
pub const QUORUM: usize = 3;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleParams {
    pub partitions: Vec<u32>,
    /// At least 4 (6 keeps every partition with a live replica: see the module docs).
    pub brokers: usize,
    pub seed: u64,
    /// Modes in the order each size runs them.
    pub modes: Vec<Mode>,
}

impl Default for ScaleParams {
    fn default() -> Self {
        ScaleParams {
            partitions: DEFAULT_PARTITIONS.to_vec(),
            brokers: DEFAULT_BROKERS,
            seed: 1,
            modes: vec![Mode::Zk, Mode::Kraft],
        }
    }
}

/// One run: one mode at one size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleRow {
    pub mode: Mode,
    pub partitions: u32,
    pub brokers: usize,
    pub seed: u64,
    /// Crash of the active controller → a new active controller that can act.
    pub controller_failover_ms: Option<u64>,
    /// Crash of `crashed_broker` → every partition it led has a new leader every live broker
    /// knows.
    pub broker_crash_recovery_ms: Option<u64>,
    /// `shutdown` of `shutdown_broker` → it leads nothing and may stop (`None` if it gave up).
    pub controlled_shutdown_ms: Option<u64>,
    /// The broker stopped without its controlled shutdown granted (ZooKeeper mode: out of
    /// retries; KRaft: no SHUTDOWN_NOW within 30 s).
    pub shutdown_gave_up: bool,
    /// The controller the run crashed (`c2`, or in ZooKeeper mode the broker `b4`).
    pub crashed_controller: String,
    pub crashed_broker: String,
    pub shutdown_broker: String,
    /// Partitions the crashed broker led when it crashed.
    pub partitions_led: u64,
    /// The cluster had settled before each fault and every phase finished in its window.
    pub complete: bool,
    /// Invariant violations (the engine checks every invariant after every event).
    pub violations: usize,
    pub events: u64,
    /// The scenario text that replays this run (with the seed and sizes of `link`).
    pub script: String,
    /// The page address that opens this run (relative, `?mode=…`).
    pub link: String,
}

impl super::table::Row for ScaleRow {
    const COLUMNS: &'static [&'static str] = &[
        "mode",
        "partitions",
        "brokers",
        "seed",
        "controller_failover_ms",
        "broker_crash_recovery_ms",
        "controlled_shutdown_ms",
        "shutdown_gave_up",
        "crashed_controller",
        "crashed_broker",
        "shutdown_broker",
        "partitions_led",
        "complete",
        "violations",
        "events",
        "link",
    ];
    fn cells(&self) -> Vec<super::table::Cell> {
        vec![
            self.mode.as_str().into(),
            self.partitions.into(),
            self.brokers.into(),
            self.seed.into(),
            self.controller_failover_ms.into(),
            self.broker_crash_recovery_ms.into(),
            self.controlled_shutdown_ms.into(),
            self.shutdown_gave_up.into(),
            (&self.crashed_controller).into(),
            (&self.crashed_broker).into(),
            (&self.shutdown_broker).into(),
            self.partitions_led.into(),
            self.complete.into(),
            self.violations.into(),
            self.events.into(),
            (&self.link).into(),
        ]
    }
}

/// Sizes above this are refused (the engine's scenario limit).
pub fn check_partitions(partitions: u32) -> Result<(), String> {
    if partitions == 0 || partitions > crate::scenario::MAX_PARTITIONS {
        return Err(format!("partitions must be 1 to {} (got {partitions})", crate::scenario::MAX_PARTITIONS));
    }
    Ok(())
}

/// Each point: the number of partitions, the mode, the number of brokers, the seed.
pub type ScaleSweep = Points<(u32, Mode, usize, u64), ScaleRow>;

impl ScaleSweep {
    pub fn new(params: ScaleParams) -> Result<ScaleSweep, String> {
        for p in &params.partitions {
            check_partitions(*p)?;
        }
        if !(4..=64).contains(&params.brokers) {
            return Err(format!("brokers must be 4 to 64 (got {})", params.brokers));
        }
        let (brokers, seed) = (params.brokers, params.seed);
        let points =
            params.partitions.iter().flat_map(|p| params.modes.iter().map(move |m| (*p, *m, brokers, seed))).collect();
        Ok(Points::over(points, |&(partitions, mode, brokers, seed)| {
            Box::new(ScaleRun::new(mode, partitions, brokers, seed))
        }))
    }
}

/// When the faults come, in ms, for one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Plan {
    failover_at: u64,
    crash_at: u64,
    shutdown_at: u64,
    end: u64,
}

fn plan(mode: Mode, partitions: u32, margin: u64) -> Plan {
    let whole_s = |ms: u64| ms.div_ceil(1_000) * 1_000;
    match mode {
        Mode::Zk => {
            // The controller's load and writes as the model charges them (a write of every
            // partition's state bounds what one fault makes it write), and the broker session
            // that detects a crash.
            let load = u64::from(partitions) * zk::config::DEFAULT_LOAD_US_PER_PARTITION / 1_000;
            let writes = u64::from(partitions) * zk::config::CALIBRATED_WRITE_US_PER_PARTITION / 1_000;
            let session = zk::Config::default().session_timeout_ms;
            let failover_at = whole_s(margin * (20_000 + 2 * load));
            let crash_at = failover_at + whole_s(session + margin * (10_000 + 2 * load + writes));
            let shutdown_at = crash_at + whole_s(session + margin * (10_000 + writes));
            Plan { failover_at, crash_at, shutdown_at, end: shutdown_at + whole_s(margin * (30_000 + writes)) }
        }
        Mode::Kraft => {
            let session = kraft::Config::default().broker_session_timeout_ms;
            let failover_at = margin * 20_000;
            let crash_at = failover_at + margin * 20_000;
            let shutdown_at = crash_at + session + margin * 20_000;
            // A broker waiting for SHUTDOWN_NOW gives up after 30 s.
            Plan {
                failover_at,
                crash_at,
                shutdown_at,
                end: shutdown_at + kraft::CONTROLLED_SHUTDOWN_GIVE_UP_MS + 10_000,
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// ZooKeeper mode: learn which broker becomes the first controller.
    Probe,
    BeforeFailover,
    Failover {
        crashed: bool,
    },
    BeforeCrash,
    Recovery,
    BeforeShutdown,
    Shutdown {
        notes_from: u64,
    },
    Done,
}

struct ScaleRun {
    mode: Mode,
    partitions: u32,
    brokers: u32,
    /// 1, then 3 when the first attempt's cluster had not settled in time.
    margin: u64,
    plan: Plan,
    sim: Sim,
    setup: Setup,
    stage: Stage,
    /// ZooKeeper mode: the controller the probe saw crash, and the one that replaced it.
    controller: Option<u32>,
    successor: Option<u32>,
    crash_victim: u32,
    shutdown_victim: u32,
    /// Partitions the crashed broker led, and each live broker's progress through them.
    led: Vec<u32>,
    cursors: Vec<(u32, usize)>,
    row: ScaleRow,
}

impl ScaleRun {
    fn new(mode: Mode, partitions: u32, brokers: usize, seed: u64) -> ScaleRun {
        let write_cost = zk::config::CALIBRATED_WRITE_US_PER_PARTITION.to_string();
        let extra: &[(&str, String)] =
            if mode == Mode::Zk { &[("controller.write.us.per.partition", write_cost)] } else { &[] };
        let setup = setup_for(mode, seed, QUORUM, brokers, partitions, extra);
        let row = ScaleRow {
            mode,
            partitions,
            brokers,
            seed,
            controller_failover_ms: None,
            broker_crash_recovery_ms: None,
            controlled_shutdown_ms: None,
            shutdown_gave_up: false,
            crashed_controller: String::new(),
            crashed_broker: String::new(),
            shutdown_broker: String::new(),
            partitions_led: 0,
            complete: false,
            violations: 0,
            events: 0,
            script: String::new(),
            link: String::new(),
        };
        let mut run = ScaleRun {
            mode,
            partitions,
            brokers: brokers as u32,
            margin: 1,
            plan: plan(mode, partitions, 1),
            sim: Self::placeholder(&setup),
            setup,
            stage: Stage::Probe,
            controller: None,
            successor: None,
            crash_victim: 1,
            shutdown_victim: 1,
            led: Vec::new(),
            cursors: Vec::new(),
            row,
        };
        if mode == Mode::Kraft {
            // The controllers are not brokers: any two brokers half the ring apart.
            run.choose_victims(None, None);
            run.start_attempt();
        } else {
            run.start_probe();
        }
        run
    }

    /// ZooKeeper mode: the run up to its failover, to learn which brokers hold `/controller`
    /// before and after it (the same events as the attempt's until its second fault; only the
    /// trace hash may differ, as the attempt schedules two more actions).
    fn start_probe(&mut self) {
        let mut setup = self.setup.clone();
        let at = Time::from_ms(self.plan.failover_at);
        setup.script.steps = vec![Step { at, action: ScenarioAction::Crash(NodeRef::Controller), line: 0 }];
        self.rebuild(&setup);
        self.controller = None;
        self.successor = None;
        self.stage = Stage::Probe;
    }

    /// A world with no partitions, never run: what the run holds until its first real world is
    /// built, and while it builds the next one.
    fn placeholder(setup: &Setup) -> Sim {
        Self::build(&Setup { partitions: 0, script: Default::default(), ..setup.clone() })
    }

    /// Replace the run's world by one built from `setup`, the old one dropped first rather than
    /// alive beside the new one while it is built (the probe's world, ZooKeeper mode, 2,000,000
    /// partitions: 50 MB of the run's peak). What the worlds do is unchanged.
    fn rebuild(&mut self, setup: &Setup) {
        self.sim = Self::placeholder(setup);
        self.sim = Self::build(setup);
    }

    fn build(setup: &Setup) -> Sim {
        // Every setup here is made by `setup_for` from checked sizes: it builds.
        match Sim::build(setup) {
            Ok(sim) => sim,
            Err(e) => unreachable!("experiment setup refused: {e}"),
        }
    }

    /// bX and bY: in ZooKeeper mode neither the crashed controller nor its successor, and no
    /// partition with every replica among the crashed controller, bX and bY (round-robin
    /// placement of three replicas: partition p on p, p+1, p+2); the first such pair from
    /// half the ring away. KRaft (the controllers are not brokers): b1 and the broker half the
    /// ring away.
    fn choose_victims(&mut self, controller: Option<u32>, successor: Option<u32>) {
        let n = self.brokers;
        let Some(c) = controller else {
            (self.crash_victim, self.shutdown_victim) = (1, 1 + n / 2);
            return;
        };
        let ring = |from: u32, k: u32| (from - 1 + k) % n + 1;
        let down = |x: u32, y: u32| (0..n).any(|s| (0..3).all(|k| [c, x, y].contains(&ring(1 + s, k))));
        let usable = |b: u32| b != c && Some(b) != successor;
        for i in 0..n {
            let x = ring(c, n / 2 + i);
            for j in 1..n {
                let y = ring(c, j);
                if usable(x) && usable(y) && x != y && !down(x, y) {
                    (self.crash_victim, self.shutdown_victim) = (x, y);
                    return;
                }
            }
        }
    }

    /// Build the run of this attempt: the script with the plan's faults.
    fn start_attempt(&mut self) {
        let step = |at: u64, action: ScenarioAction| Step { at: Time::from_ms(at), action, line: 0 };
        let broker = |number: u32| NodeRef::Named { prefix: NodePrefix::Broker, number };
        let mut setup = self.setup.clone();
        setup.script.steps = vec![
            step(self.plan.failover_at, ScenarioAction::Crash(NodeRef::Controller)),
            step(self.plan.crash_at, ScenarioAction::Crash(broker(self.crash_victim))),
            step(self.plan.shutdown_at, ScenarioAction::Shutdown(broker(self.shutdown_victim))),
        ];
        setup.script = setup.script.renumbered();
        self.rebuild(&setup);
        self.row.script = setup.script.to_text();
        self.row.link = crate::experiment::link_for(&setup);
        self.row.crashed_broker = format!("b{}", self.crash_victim);
        self.row.shutdown_broker = format!("b{}", self.shutdown_victim);
        self.setup = setup;
        self.stage = Stage::BeforeFailover;
    }

    /// The point again with three times the margins, or its row as far as it came.
    fn retry_or_finish(&mut self) -> Option<ScaleRow> {
        if self.margin == 1 {
            self.margin = 3;
            self.plan = plan(self.mode, self.partitions, self.margin);
            self.row.controller_failover_ms = None;
            self.row.broker_crash_recovery_ms = None;
            self.row.controlled_shutdown_ms = None;
            if self.mode == Mode::Zk {
                self.start_probe();
            } else {
                self.start_attempt();
            }
            return None;
        }
        Some(self.finish(false))
    }

    fn finish(&mut self, complete: bool) -> ScaleRow {
        self.stage = Stage::Done;
        let c = self.sim.cluster();
        self.row.complete = complete;
        self.row.violations = c.violations().len();
        self.row.events = c.events_processed();
        self.row.clone()
    }

    /// Look at the state, then take one event (or finish).
    fn tick(&mut self) -> Option<ScaleRow> {
        let next = self.sim.cluster().next_event_time();
        let ms = Time::from_ms;
        match self.stage {
            Stage::Probe => {
                let holder = self.sim.zk_controller_broker();
                if self.sim.now() < ms(self.plan.failover_at) {
                    self.controller = holder.or(self.controller);
                } else if let (Some(c), Some(now)) = (self.controller, holder) {
                    if now != c && self.sim.controller_active() {
                        self.successor = Some(now);
                        self.choose_victims(Some(c), Some(now));
                        self.start_attempt();
                        return None;
                    }
                }
                if !self.sim.step_until(ms(self.plan.crash_at)) {
                    return self.retry_or_finish();
                }
            }
            Stage::BeforeFailover if next.is_none_or(|t| t >= ms(self.plan.failover_at)) => {
                if !self.settled() {
                    return self.retry_or_finish();
                }
                self.row.crashed_controller = match (&self.sim, self.controller) {
                    (Sim::Kraft(c), _) => self.sim.quorum_leader().map(|id| c.name(id)).unwrap_or_default(),
                    (Sim::Zk(_), Some(b)) => format!("b{b}"),
                    (Sim::Zk(_), None) => String::new(),
                };
                self.stage = Stage::Failover { crashed: false };
            }
            Stage::Failover { crashed } if self.sim.now() >= ms(self.plan.failover_at) => {
                let active = self.sim.controller_active();
                if !crashed && !active {
                    self.stage = Stage::Failover { crashed: true };
                } else if crashed && active {
                    self.row.controller_failover_ms = Some(self.sim.now().since(ms(self.plan.failover_at)) / 1_000);
                    self.stage = Stage::BeforeCrash;
                    return None;
                }
                if !self.sim.step_until(ms(self.plan.crash_at)) {
                    return self.retry_or_finish();
                }
            }
            Stage::BeforeCrash if next.is_none_or(|t| t >= ms(self.plan.crash_at)) => {
                if self.mode == Mode::Zk && self.sim.zk_controller_broker() != self.successor {
                    return self.retry_or_finish();
                }
                self.start_recovery();
                self.stage = Stage::Recovery;
            }
            Stage::Recovery if self.sim.now() >= ms(self.plan.crash_at) => {
                if self.recovered() {
                    self.row.broker_crash_recovery_ms = Some(self.sim.now().since(ms(self.plan.crash_at)) / 1_000);
                    self.stage = Stage::BeforeShutdown;
                    return None;
                }
                if !self.sim.step_until(ms(self.plan.shutdown_at)) {
                    return self.retry_or_finish();
                }
            }
            Stage::BeforeShutdown if next.is_none_or(|t| t >= ms(self.plan.shutdown_at)) => {
                let notes_from = self.sim.cluster().notes_total();
                self.stage = Stage::Shutdown { notes_from };
            }
            Stage::Shutdown { notes_from } => {
                match self.shutdown_outcome(notes_from) {
                    Some(true) => {
                        self.row.controlled_shutdown_ms = Some(self.sim.now().since(ms(self.plan.shutdown_at)) / 1_000);
                        return Some(self.finish(true));
                    }
                    Some(false) => {
                        self.row.shutdown_gave_up = true;
                        return Some(self.finish(true));
                    }
                    None => {}
                }
                // Only the notes the next event makes need a look next time.
                self.stage = Stage::Shutdown { notes_from: self.sim.cluster().notes_total() };
                if !self.sim.step_until(ms(self.plan.end)) {
                    return Some(self.finish(false));
                }
            }
            Stage::Done => return Some(self.row.clone()),
            // Before a fault's moment: just run.
            Stage::BeforeFailover
            | Stage::Failover { .. }
            | Stage::BeforeCrash
            | Stage::Recovery
            | Stage::BeforeShutdown => {
                if !self.sim.step_until(ms(self.plan.end)) {
                    return self.retry_or_finish();
                }
            }
        }
        None
    }

    /// Before the first fault: an active controller, every broker serving and knowing every
    /// partition; in ZooKeeper mode, the controller the probe found.
    fn settled(&self) -> bool {
        let all_brokers = (1..=self.brokers)
            .all(|b| self.sim.broker_serving(b) && self.sim.partitions_known(b) == u64::from(self.partitions));
        let controller_as_probed = self.mode == Mode::Kraft || self.sim.zk_controller_broker() == self.controller;
        self.sim.controller_active() && all_brokers && controller_as_probed
    }

    /// Just before the broker crash: the partitions it leads, and which brokers must learn
    /// their new leaders.
    fn start_recovery(&mut self) {
        let victim = self.crash_victim;
        let witness = (1..=self.brokers).find(|&b| b != victim && self.sim.is_alive(self.sim.broker_node(b)));
        self.led = match witness {
            Some(w) => (0..self.partitions).filter(|&p| self.sim.leader_known(w, p) == Known::Leader(victim)).collect(),
            None => Vec::new(),
        };
        self.row.partitions_led = self.led.len() as u64;
        self.cursors = (1..=self.brokers)
            .filter(|&b| b != victim && self.sim.is_alive(self.sim.broker_node(b)))
            .map(|b| (b, 0))
            .collect();
    }

    /// Every live broker names a leader other than the crashed broker for every partition it
    /// led. Each broker's cursor only moves forward: the check costs O(partitions led) per
    /// broker over the whole phase, plus O(brokers) per event.
    fn recovered(&mut self) -> bool {
        let (sim, led, victim) = (&self.sim, &self.led, self.crash_victim);
        let mut all = true;
        for (broker, cursor) in &mut self.cursors {
            if !sim.is_alive(sim.broker_node(*broker)) {
                continue;
            }
            while let Some(&p) = led.get(*cursor) {
                match sim.leader_known(*broker, p) {
                    Known::Leader(l) if l != victim => *cursor += 1,
                    _ => break,
                }
            }
            all &= *cursor == led.len();
        }
        all
    }

    /// `Some(true)` once the broker shut down cleanly, `Some(false)` if it gave up.
    fn shutdown_outcome(&self, notes_from: u64) -> Option<bool> {
        let victim = self.shutdown_victim;
        let node = self.sim.broker_node(victim);
        match &self.sim {
            Sim::Kraft(c) => {
                c.world().notes_since(notes_from).filter(|(_, n)| n.node == node).find_map(|(_, n)| match n.note {
                    kraft::Note::BrokerShutdownDone => Some(true),
                    kraft::Note::BrokerShutdownGaveUp => Some(false),
                    _ => None,
                })
            }
            Sim::Zk(c) => {
                let done = c
                    .world()
                    .notes_since(notes_from)
                    .any(|(_, n)| matches!(n.note, zk::Note::ControlledShutdownDone { broker } if broker == victim));
                // Out of retries, the broker closes its session and stops without a grant.
                match (done, self.sim.is_alive(node)) {
                    (true, _) => Some(true),
                    (false, false) => Some(false),
                    (false, true) => None,
                }
            }
        }
    }
}

impl PointRun for ScaleRun {
    type Row = ScaleRow;

    fn advance(&mut self, max_events: usize) -> Option<ScaleRow> {
        let mut budget = max_events.max(1);
        while budget > 0 {
            budget -= 1;
            if let Some(row) = self.tick() {
                return Some(row);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn victims_leave_every_partition_a_live_replica() {
        // Round-robin, three replicas on six brokers: partition p lives on p, p+1, p+2.
        for (controller, successor) in (1..=6u32).flat_map(|c| (1..=6u32).filter(move |s| *s != c).map(move |s| (c, s)))
        {
            let mut run = ScaleRun::new(Mode::Zk, 10, 6, 1);
            run.choose_victims(Some(controller), Some(successor));
            let down = [controller, run.crash_victim, run.shutdown_victim];
            assert_eq!(down.iter().collect::<std::collections::BTreeSet<_>>().len(), 3, "{down:?}");
            assert!(run.crash_victim != successor && run.shutdown_victim != successor);
            for p in 0..6u32 {
                let replicas = [(p % 6) + 1, ((p + 1) % 6) + 1, ((p + 2) % 6) + 1];
                assert!(replicas.iter().any(|r| !down.contains(r)), "partition {p} loses every replica: {down:?}");
            }
        }
    }
}
