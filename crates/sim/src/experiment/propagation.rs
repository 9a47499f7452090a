//! Propagation: how long a metadata change takes to reach every broker, against the number of
//! brokers, in both modes. Each run (3 controllers / 3 ZooKeeper servers, the topic `orders`
//! with 6 partitions) creates a topic `payments` (6 partitions, 3 replicas) once the cluster
//! has settled and, 10 s later, alters one of its configs (`retention.ms`). The latency is the
//! engine's metadata-change latency (`kraft/latency.rs`, `zk/latency.rs`): from the moment the
//! change enters the metadata store (KRaft: the active controller appends it; ZooKeeper: the
//! znode write commits) to the moment every live broker has applied it.
//!
//! What moves it: in ZooKeeper mode a new topic goes store → controller's watch → controller
//! reads and writes partition states → LeaderAndIsr and UpdateMetadata pushed to brokers, and
//! a config change reaches each broker through its own watch on `/config/changes` and its own
//! reads. In KRaft every broker fetches the metadata log (long-polling the leader) and applies
//! records once committed.
//!
//! ZooKeeper mode is modelled up to 64 brokers (ISR sets are 64-bit masks): its points stop
//! there; KRaft's go on to 200.
//!
//! ## Calibration
//! No per-broker or per-request processing cost is charged in either mode: the latencies are
//! network round trips and protocol steps (the ZooKeeper commit, watch delivery, the long-poll
//! fetch, `append.linger.ms` left out: see the KRaft model's About text). This is a guess in
//! both modes: neither §4 figure measures propagation; a chart of it must say so.

use crate::experiment::sim::{setup_for, Sim};
use crate::experiment::{PointRun, Points};
use crate::scenario::{ScenarioAction, Step};
use crate::setup::Mode;
use crate::time::Time;

/// The range of broker counts (3 … 100).
pub const DEFAULT_BROKERS: [usize; 7] = [3, 6, 12, 25, 50, 64, 100];
/// ZooKeeper mode's most brokers (`zk::Config`: 64).
pub const ZK_MAX_BROKERS: usize = 64;
pub const KRAFT_MAX_BROKERS: usize = 200;
/// When the topic is created (every broker has registered by then).
pub const CREATE_AT_MS: u64 = 30_000;
/// When its config is altered.
pub const ALTER_AT_MS: u64 = 40_000;
/// When a run stops waiting.
const END_MS: u64 = 70_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropagationParams {
    pub brokers: Vec<usize>,
    pub modes: Vec<Mode>,
    /// Runs per point (seeds `first_seed..first_seed + seeds`).
    pub seeds: u64,
    pub first_seed: u64,
}

impl Default for PropagationParams {
    fn default() -> Self {
        PropagationParams {
            brokers: DEFAULT_BROKERS.to_vec(),
            modes: vec![Mode::Zk, Mode::Kraft],
            seeds: 1,
            first_seed: 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropagationRow {
    pub mode: Mode,
    pub brokers: usize,
    pub seed: u64,
    /// create-topic: store → every live broker knows all its partitions.
    pub create_topic_ms: Option<u64>,
    /// alter-config: store → every live broker applied it.
    pub alter_config_ms: Option<u64>,
    /// Every broker was serving before the first change.
    pub settled: bool,
    pub violations: usize,
    pub script: String,
    pub link: String,
}

impl super::table::Row for PropagationRow {
    const COLUMNS: &'static [&'static str] =
        &["mode", "brokers", "seed", "create_topic_ms", "alter_config_ms", "settled", "violations", "link"];
    fn cells(&self) -> Vec<super::table::Cell> {
        vec![
            self.mode.as_str().into(),
            self.brokers.into(),
            self.seed.into(),
            self.create_topic_ms.into(),
            self.alter_config_ms.into(),
            self.settled.into(),
            self.violations.into(),
            (&self.link).into(),
        ]
    }
}

/// Each point: the number of brokers, the mode, the seed.
pub type PropagationSweep = Points<(usize, Mode, u64), PropagationRow>;

impl PropagationSweep {
    pub fn new(params: PropagationParams) -> Result<PropagationSweep, String> {
        if let Some(b) = params.brokers.iter().find(|b| !(1..=KRAFT_MAX_BROKERS).contains(*b)) {
            return Err(format!("brokers must be 1 to {KRAFT_MAX_BROKERS} (got {b})"));
        }
        let mut points = Vec::new();
        for &b in &params.brokers {
            for &mode in &params.modes {
                if mode == Mode::Zk && b > ZK_MAX_BROKERS {
                    continue;
                }
                for seed in params.first_seed..params.first_seed + params.seeds {
                    points.push((b, mode, seed));
                }
            }
        }
        Ok(Points::over(points, |&(brokers, mode, seed)| Box::new(PropagationRun::new(mode, brokers, seed))))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    BeforeCreate,
    /// Waiting for a latency past this many.
    Create {
        seen: usize,
    },
    BeforeAlter,
    Alter {
        seen: usize,
    },
}

struct PropagationRun {
    sim: Option<Sim>,
    stage: Stage,
    row: PropagationRow,
}

impl PropagationRun {
    fn new(mode: Mode, brokers: usize, seed: u64) -> PropagationRun {
        let mut setup = setup_for(mode, seed, 3, brokers, 6, &[]);
        let step = |at: u64, action: ScenarioAction| Step { at: Time::from_ms(at), action, line: 0 };
        setup.script.steps = vec![
            step(
                CREATE_AT_MS,
                ScenarioAction::CreateTopic { name: "payments".into(), partitions: 6, replication_factor: 3 },
            ),
            step(
                ALTER_AT_MS,
                ScenarioAction::AlterConfig {
                    topic: "payments".into(),
                    key: "retention.ms".into(),
                    value: "3600000".into(),
                },
            ),
        ];
        setup.script = setup.script.renumbered();
        let row = PropagationRow {
            mode,
            brokers,
            seed,
            create_topic_ms: None,
            alter_config_ms: None,
            settled: false,
            violations: 0,
            script: setup.script.to_text(),
            link: crate::experiment::link_for(&setup),
        };
        PropagationRun { sim: Sim::build(&setup).ok(), stage: Stage::BeforeCreate, row }
    }
}

impl PointRun for PropagationRun {
    type Row = PropagationRow;

    fn advance(&mut self, max_events: usize) -> Option<PropagationRow> {
        let Some(sim) = self.sim.as_mut() else { return Some(self.row.clone()) };
        let end = Time::from_ms(END_MS);
        for _ in 0..max_events.max(1) {
            let next = sim.cluster().next_event_time();
            let seen = sim.cluster().metadata_latencies_ms().len();
            match self.stage {
                Stage::BeforeCreate if next.is_none_or(|t| t >= Time::from_ms(CREATE_AT_MS)) => {
                    self.row.settled = (1..=sim.brokers()).all(|b| sim.broker_serving(b));
                    self.stage = Stage::Create { seen };
                }
                Stage::Create { seen: before } if seen > before => {
                    self.row.create_topic_ms = sim.cluster().metadata_latencies_ms().get(before).copied();
                    self.stage = Stage::BeforeAlter;
                }
                Stage::BeforeAlter if next.is_none_or(|t| t >= Time::from_ms(ALTER_AT_MS)) => {
                    self.stage = Stage::Alter { seen };
                }
                Stage::Alter { seen: before } if seen > before => {
                    self.row.alter_config_ms = sim.cluster().metadata_latencies_ms().get(before).copied();
                    break;
                }
                _ => {}
            }
            if !sim.step_until(end) {
                break;
            }
        }
        let finished = self.row.alter_config_ms.is_some() || sim.cluster().next_event_time().is_none_or(|t| t > end);
        if !finished {
            return None;
        }
        self.row.violations = sim.cluster().violations().len();
        Some(self.row.clone())
    }
}
