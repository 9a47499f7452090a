//! Stall: the metadata quorum (the ZooKeeper ensemble, or the KRaft controllers) cut off from
//! every broker for N seconds, then healed; what that does to Kafka, in each mode. Each run:
//! 6 brokers, 3 ZooKeeper servers / 3 controllers, the topic `orders` with 60 partitions
//! (3 replicas), `at 30s partition <quorum> | <brokers>`, `at 30s+N heal`, and 90 s more.
//! The quorum itself stays healthy: the stall is what the brokers see (a network fault, or an
//! ensemble too slow to answer).
//!
//! - **Broker sessions expired.** ZooKeeper mode: brokers told their ZooKeeper session expired
//!   (the ensemble expires a session it has not heard from for `zookeeper.session.timeout.ms`
//!   = 18 s). KRaft: brokers the active controller fenced (no heartbeat for
//!   `broker.session.timeout.ms` = 9 s).
//! - **Leaderships moved.** Sampled once a second from the start of the stall to the end of the
//!   run in the metadata of the lowest-numbered live broker: how many times a partition's
//!   leader became a broker other than the last one it had (a partition that went leaderless
//!   and came back to the same leader counts nothing; moves a broker never saw, because they
//!   were undone before it fetched, are not counted either).
//! - **Requests failed.** A client model: one request per partition per second, from the
//!   start of the stall to the end of the run, sent to the leader the lowest-numbered live
//!   broker's metadata names; it fails when that names no leader or the leader is not serving
//!   (KRaft: not an unfenced broker; ZooKeeper mode: not registered). A broker cut off from
//!   the quorum goes on serving as long as it believes it may: this counts what clients see,
//!   not what the controller has decided.
//!
//! ## Calibration
//! Only Kafka's and ZooKeeper's default timeouts (the two sessions above, KRaft's 2 s fetch
//! timeout, ZooKeeper's tickTime). The client model is a guess of this experiment, and the
//! chart must say so; no published figure measures it.

use crate::experiment::sim::{setup_for, Known, Sim};
use crate::experiment::{PointRun, Points};
use crate::kraft;
use crate::scenario::{NodePrefix, NodeRef, ScenarioAction, Step};
use crate::setup::Mode;
use crate::time::Time;
use crate::zk;

pub const DEFAULT_STALL_S: [u64; 7] = [0, 5, 10, 15, 20, 25, 30];
pub const BROKERS: usize = 6;
pub const PARTITIONS: u32 = 60;
/// When the stall starts.
pub const STALL_AT_MS: u64 = 30_000;
/// How long a run goes on after the heal.
pub const AFTER_MS: u64 = 90_000;
/// The longest stall accepted.
pub const MAX_STALL_S: u64 = 600;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StallParams {
    pub stall_s: Vec<u64>,
    pub modes: Vec<Mode>,
    pub seeds: u64,
    pub first_seed: u64,
}

impl Default for StallParams {
    fn default() -> Self {
        StallParams { stall_s: DEFAULT_STALL_S.to_vec(), modes: vec![Mode::Zk, Mode::Kraft], seeds: 1, first_seed: 1 }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StallRow {
    pub mode: Mode,
    pub stall_s: u64,
    pub seed: u64,
    pub sessions_expired: u64,
    pub leaderships_moved: u64,
    pub requests_failed: u64,
    pub requests_sent: u64,
    pub violations: usize,
    pub script: String,
    pub link: String,
}

impl super::table::Row for StallRow {
    const COLUMNS: &'static [&'static str] = &[
        "mode",
        "stall_s",
        "seed",
        "sessions_expired",
        "leaderships_moved",
        "requests_failed",
        "requests_sent",
        "violations",
        "link",
    ];
    fn cells(&self) -> Vec<super::table::Cell> {
        vec![
            self.mode.as_str().into(),
            self.stall_s.into(),
            self.seed.into(),
            self.sessions_expired.into(),
            self.leaderships_moved.into(),
            self.requests_failed.into(),
            self.requests_sent.into(),
            self.violations.into(),
            (&self.link).into(),
        ]
    }
}

/// Each point: the stall's length in seconds, the mode, the seed.
pub type StallSweep = Points<(u64, Mode, u64), StallRow>;

impl StallSweep {
    pub fn new(params: StallParams) -> Result<StallSweep, String> {
        if let Some(s) = params.stall_s.iter().find(|s| **s > MAX_STALL_S) {
            return Err(format!("a stall lasts at most {MAX_STALL_S} s (got {s})"));
        }
        let mut points = Vec::new();
        for &s in &params.stall_s {
            for &mode in &params.modes {
                for seed in params.first_seed..params.first_seed + params.seeds {
                    points.push((s, mode, seed));
                }
            }
        }
        Ok(Points::over(points, |&(stall_s, mode, seed)| Box::new(StallRun::new(mode, stall_s, seed))))
    }
}

struct StallRun {
    sim: Option<Sim>,
    end: Time,
    /// The last leader each partition had (per the witness broker), from the start of the
    /// stall on.
    before: Option<Vec<Option<u32>>>,
    /// The next one-second sample of the client model.
    next_sample: Time,
    notes_from: u64,
    row: StallRow,
}

impl StallRun {
    fn new(mode: Mode, stall_s: u64, seed: u64) -> StallRun {
        let mut setup = setup_for(mode, seed, 3, BROKERS, PARTITIONS, &[]);
        let quorum_prefix = if mode == Mode::Kraft { NodePrefix::Controller } else { NodePrefix::Zk };
        let nodes = |prefix: NodePrefix, n: u32| (1..=n).map(|number| NodeRef::Named { prefix, number }).collect();
        let start = Time::from_ms(STALL_AT_MS);
        let heal = start.plus_ms(stall_s * 1_000);
        if stall_s > 0 {
            let sides = vec![nodes(quorum_prefix, 3), nodes(NodePrefix::Broker, BROKERS as u32)];
            setup.script.steps = vec![
                Step { at: start, action: ScenarioAction::Partition(sides), line: 0 },
                Step { at: heal, action: ScenarioAction::Heal, line: 0 },
            ];
            setup.script = setup.script.renumbered();
        }
        let row = StallRow {
            mode,
            stall_s,
            seed,
            sessions_expired: 0,
            leaderships_moved: 0,
            requests_failed: 0,
            requests_sent: 0,
            violations: 0,
            script: setup.script.to_text(),
            link: crate::experiment::link_for(&setup),
        };
        StallRun {
            sim: Sim::build(&setup).ok(),
            end: heal.plus_ms(AFTER_MS),
            before: None,
            next_sample: start,
            notes_from: 0,
            row,
        }
    }

    fn finish(&mut self) -> StallRow {
        if let Some(sim) = &self.sim {
            self.row.violations = sim.cluster().violations().len();
        }
        self.row.clone()
    }

    fn count_expiries(&mut self) {
        let Some(sim) = &self.sim else { return };
        let expired = match sim {
            Sim::Kraft(c) => c
                .world()
                .notes_since(self.notes_from)
                .filter(|(_, n)| {
                    matches!(&n.note, kraft::Note::MetadataChange { change: kraft::Change::Fenced { .. }, .. })
                })
                .count(),
            Sim::Zk(c) => c
                .world()
                .notes_since(self.notes_from)
                .filter(|(_, n)| matches!(n.note, zk::Note::ZkSessionExpired))
                .count(),
        };
        self.row.sessions_expired += expired as u64;
        self.notes_from = sim.cluster().notes_total();
    }

    fn sample_requests(&mut self) {
        let Some(sim) = &self.sim else { return };
        let Some(witness) = witness(sim) else {
            self.row.requests_sent += u64::from(PARTITIONS);
            self.row.requests_failed += u64::from(PARTITIONS);
            return;
        };
        for p in 0..PARTITIONS {
            let known = sim.leader_known(witness, p);
            self.row.requests_sent += 1;
            if !matches!(known, Known::Leader(l) if sim.broker_serving(l)) {
                self.row.requests_failed += 1;
            }
            if let (Known::Leader(l), Some(last)) = (known, self.before.as_mut().and_then(|b| b.get_mut(p as usize))) {
                if last.is_some_and(|was| was != l) {
                    self.row.leaderships_moved += 1;
                }
                *last = Some(l);
            }
        }
    }
}

impl PointRun for StallRun {
    type Row = StallRow;

    fn advance(&mut self, max_events: usize) -> Option<StallRow> {
        let start = Time::from_ms(STALL_AT_MS);
        for _ in 0..max_events.max(1) {
            let Some(sim) = self.sim.as_ref() else { return Some(self.row.clone()) };
            let next = sim.cluster().next_event_time();
            if self.before.is_none() && next.is_none_or(|t| t >= start) {
                self.before = Some(leaders(sim));
                self.notes_from = sim.cluster().notes_total();
            }
            if self.before.is_some() {
                self.count_expiries();
                while self.next_sample <= self.end && next.is_none_or(|t| t >= self.next_sample) {
                    self.sample_requests();
                    self.next_sample = self.next_sample.plus_ms(1_000);
                }
            }
            let Some(sim) = self.sim.as_mut() else { return Some(self.row.clone()) };
            if !sim.step_until(self.end) {
                return Some(self.finish());
            }
        }
        None
    }
}

/// The lowest-numbered live broker: where the client model asks for metadata.
fn witness(sim: &Sim) -> Option<u32> {
    (1..=sim.brokers()).find(|&b| sim.is_alive(sim.broker_node(b)))
}

fn leaders(sim: &Sim) -> Vec<Option<u32>> {
    let leader = |w: u32, p: u32| match sim.leader_known(w, p) {
        Known::Leader(l) => Some(l),
        Known::NoLeader | Known::Unknown => None,
    };
    match witness(sim) {
        Some(w) => (0..PARTITIONS).map(|p| leader(w, p)).collect(),
        None => vec![None; PARTITIONS as usize],
    }
}
