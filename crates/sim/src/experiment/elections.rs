//! Elections: how long a metadata quorum is without a leader after its leader crashes, over
//! many seeds (a distribution, drawn as a CDF), for a KRaft quorum and a ZooKeeper ensemble,
//! across election-timeout settings.
//!
//! Each run: a quorum alone (no brokers), `at T crash leader`, where T is a warm-up plus a
//! point drawn per seed uniformly within one heartbeat interval (the Raft paper crashed the
//! leader "at a uniformly random point within its heartbeat interval"). Time without a leader
//! runs from the crash to the moment a new leader is elected (KRaft: a voter becomes Leader;
//! ZooKeeper: a leader has established its epoch, a quorum having synced with it).
//!
//! Presets:
//! - [`fig16`]: the setup of the Raft paper's Figure 16 (Ongaro & Ousterhout 2014, §9.3):
//!   5 voters, a broadcast time of about 15 ms (7 ms one way, so a round trip of ~15 ms), a
//!   minimum timeout of 150 ms and timeouts drawn from 150–150, 150–155, 150–200 and
//!   150–300 ms, heartbeats every half minimum timeout. In KRaft: fetch timeout 150 ms (the
//!   failure detector; Kafka's is fixed, not randomised), election timeout range
//!   [150, max) through the **model setting** `model.election.timeout.max.ms` (Kafka has no
//!   such knob: it always draws from [T, 2T)), and fetch long-polls of 75 ms (**model
//!   setting** `model.fetch.max.wait.ms`, Kafka's is a constant 500 ms) in place of the paper's
//!   heartbeats. Pre-vote (KIP-996) stays on, as in Kafka 4.1. A ZooKeeper ensemble of 5 at
//!   the same scale: tickTime 30 ms (a hung leader would be given up after syncLimit 5 × 30 =
//!   150 ms), with FLE's finalizeWait 200 ms (ZooKeeper's default) and 50 ms.
//!   Not reproduced: the paper's servers had logs of different lengths and a synchronised
//!   heartbeat just before each crash (to provoke split votes).
//!
//! What the runs show, and why: a crashed process's connections are refused at once (the
//! network model), and a ZooKeeper follower whose leader connection breaks goes LOOKING at once
//! (`Learner` reading from a closed socket), so ZooKeeper's time without a leader after a crash
//! is FLE's finalizeWait plus a sync, nearly the same on every seed. A KRaft voter does not
//! react to a failed fetch: it waits out its fetch timeout (`controller.quorum.fetch.timeout.ms`,
//! not randomised), then pre-votes and votes; only a split vote brings the randomised election
//! timeout in, which is where the range's width matters (with 150–150 ms the voters time out
//! together forever and never elect even a first leader: the row says `had_leader: false`).
//! - [`kafka_defaults`]: Kafka's and zoo_sample.cfg's own settings (fetch timeout 2 s,
//!   election timeout [1 s, 2 s); tickTime 2 s, syncLimit 5).
//!
//! ## Calibration
//! Nothing here is fitted: the distributions come from the protocols' timers and the network
//! model. The paper's Figure 16 curves are what the KRaft preset can be compared with (the
//! paper recommends 150–300 ms); they are not used to tune anything.

use crate::experiment::sim::{setup_for, Sim};
use crate::experiment::{mix, Advance, Progress, Sweep};
use crate::scenario::{NodeRef, ScenarioAction, Step};
use crate::setup::{Mode, Setup};
use crate::time::Time;
use crate::NodeId;

/// One election-timeout setting: a mode, its quorum and its `set` lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectionSetting {
    /// Short name of the setting (`kraft 150-300ms`), what a chart's legend says.
    pub label: String,
    pub mode: Mode,
    /// Voters: KRaft controllers (3–5) or ZooKeeper servers (3, 5, 7).
    pub voters: usize,
    pub settings: Vec<(String, String)>,
    /// Warm-up before the crash window (the quorum has a leader by then).
    pub warmup_ms: u64,
    /// The crash comes uniformly within this window after the warm-up (one heartbeat).
    pub crash_window_ms: u64,
    /// A run gives up this long after the crash (its row then has no time).
    pub give_up_ms: u64,
}

fn kraft_fig16(max_ms: u64) -> ElectionSetting {
    let set = |k: &str, v: u64| (k.to_string(), v.to_string());
    ElectionSetting {
        label: format!("kraft 150-{max_ms}ms"),
        mode: Mode::Kraft,
        voters: 5,
        settings: vec![
            set("controller.quorum.fetch.timeout.ms", 150),
            set("controller.quorum.election.timeout.ms", 150),
            set("model.election.timeout.max.ms", max_ms),
            set("model.fetch.max.wait.ms", 75),
            set("net.latency.ms", 7),
        ],
        warmup_ms: 3_000,
        crash_window_ms: 75,
        give_up_ms: 30_000,
    }
}

fn zk_fig16(finalize_wait_ms: u64) -> ElectionSetting {
    let set = |k: &str, v: u64| (k.to_string(), v.to_string());
    ElectionSetting {
        label: format!("zk tick 30ms finalizeWait {finalize_wait_ms}ms"),
        mode: Mode::Zk,
        voters: 5,
        settings: vec![
            set("ticktime", 30),
            set("synclimit", 5),
            set("zookeeper.fastleader.finalizewait", finalize_wait_ms),
            set("latency.min.us", 7_000),
            set("latency.max.us", 7_001),
        ],
        warmup_ms: 3_000,
        // The leader pings every tickTime / 2.
        crash_window_ms: 15,
        give_up_ms: 30_000,
    }
}

/// The Raft paper's Figure 16 setup (see the module docs).
pub fn fig16() -> Vec<ElectionSetting> {
    let mut v: Vec<ElectionSetting> = [150, 155, 200, 300].into_iter().map(kraft_fig16).collect();
    v.extend([200, 50].into_iter().map(zk_fig16));
    v
}

/// Kafka's and zoo_sample.cfg's defaults, with KRaft's election timeout at 1 s (default) and
/// 500 ms (`controller.quorum.election.timeout.ms`).
pub fn kafka_defaults() -> Vec<ElectionSetting> {
    let kraft = |timeout_ms: u64| ElectionSetting {
        label: format!("kraft election {timeout_ms}-{}ms", 2 * timeout_ms),
        mode: Mode::Kraft,
        voters: 3,
        settings: vec![("controller.quorum.election.timeout.ms".into(), timeout_ms.to_string())],
        warmup_ms: 10_000,
        crash_window_ms: 500,
        give_up_ms: 60_000,
    };
    let zk = ElectionSetting {
        label: "zk zoo_sample.cfg".into(),
        mode: Mode::Zk,
        voters: 3,
        settings: Vec::new(),
        warmup_ms: 10_000,
        crash_window_ms: 1_000,
        give_up_ms: 60_000,
    };
    vec![kraft(1_000), kraft(500), zk]
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectionParams {
    pub settings: Vec<ElectionSetting>,
    /// Runs per setting (seeds `first_seed..first_seed + seeds`).
    pub seeds: u64,
    pub first_seed: u64,
}

impl Default for ElectionParams {
    fn default() -> Self {
        ElectionParams { settings: fig16(), seeds: 1_000, first_seed: 1 }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectionRow {
    pub setting: String,
    pub mode: Mode,
    pub voters: usize,
    pub seed: u64,
    /// From the crash to the new leader; `None` if none came within the setting's give-up.
    pub leaderless_ms: Option<u64>,
    /// When the leader crashed (ms).
    pub crash_at_ms: u64,
    /// Whether the quorum had a leader to crash (with no randomness at all, KRaft's voters
    /// time out together forever and never elect a first one).
    pub had_leader: bool,
    pub violations: usize,
    pub script: String,
    pub link: String,
}

impl super::table::Row for ElectionRow {
    const COLUMNS: &'static [&'static str] =
        &["setting", "mode", "voters", "seed", "leaderless_ms", "crash_at_ms", "had_leader", "violations", "link"];
    fn cells(&self) -> Vec<super::table::Cell> {
        vec![
            (&self.setting).into(),
            self.mode.as_str().into(),
            self.voters.into(),
            self.seed.into(),
            self.leaderless_ms.into(),
            self.crash_at_ms.into(),
            self.had_leader.into(),
            self.violations.into(),
            (&self.link).into(),
        ]
    }
}

pub struct ElectionSweep {
    params: ElectionParams,
    next: u64,
    current: Option<ElectionRun>,
}

impl ElectionSweep {
    pub fn new(params: ElectionParams) -> Result<ElectionSweep, String> {
        for s in &params.settings {
            let ok = match s.mode {
                Mode::Kraft => (3..=5).contains(&s.voters),
                Mode::Zk => [3, 5, 7].contains(&s.voters),
            };
            if !ok {
                return Err(format!("{}: {} voters is not a size this mode takes", s.label, s.voters));
            }
        }
        Ok(ElectionSweep { params, next: 0, current: None })
    }

    fn total(&self) -> u64 {
        self.params.seeds * self.params.settings.len() as u64
    }
}

impl Sweep for ElectionSweep {
    type Row = ElectionRow;

    fn advance(&mut self, max_events: usize) -> Advance<ElectionRow> {
        if self.current.is_none() {
            if self.next >= self.total() {
                return Advance::Finished;
            }
            let seeds = self.params.seeds.max(1);
            let setting = &self.params.settings[(self.next / seeds) as usize];
            let seed = self.params.first_seed + self.next % seeds;
            match ElectionRun::new(setting, seed) {
                Ok(run) => self.current = Some(run),
                Err(row) => {
                    self.next += 1;
                    return Advance::Row(*row);
                }
            }
        }
        super::slice_current(&mut self.current, |run| run.advance(max_events), || self.next += 1)
    }

    fn progress(&self) -> Progress {
        Progress { done: self.next as usize, total: self.total() as usize }
    }
}

struct ElectionRun {
    sim: Sim,
    crash_at: Time,
    give_up_at: Time,
    /// The leader just before the crash.
    old: Option<NodeId>,
    crashed: bool,
    row: ElectionRow,
}

impl ElectionRun {
    fn new(setting: &ElectionSetting, seed: u64) -> Result<ElectionRun, Box<ElectionRow>> {
        let extra: Vec<(&str, String)> = setting.settings.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let mut setup: Setup = setup_for(setting.mode, seed, setting.voters, 0, 0, &extra);
        // Integer draw per seed, independent of the engine's streams: a point in the window.
        let offset_us = mix(seed, 0x454C_4543) % (setting.crash_window_ms * 1_000).max(1);
        let crash_at = Time::from_ms(setting.warmup_ms).plus_us(offset_us);
        setup.script.steps = vec![Step { at: crash_at, action: ScenarioAction::Crash(NodeRef::Leader), line: 0 }];
        setup.script = setup.script.renumbered();
        let row = ElectionRow {
            setting: setting.label.clone(),
            mode: setting.mode,
            voters: setting.voters,
            seed,
            leaderless_ms: None,
            crash_at_ms: crash_at.as_ms(),
            had_leader: false,
            violations: 0,
            script: setup.script.to_text(),
            link: crate::experiment::link_for(&setup),
        };
        match Sim::build(&setup) {
            Ok(sim) => Ok(ElectionRun {
                sim,
                crash_at,
                give_up_at: crash_at.plus_ms(setting.give_up_ms),
                old: None,
                crashed: false,
                row,
            }),
            // A setting this mode refuses: the row says nothing was measured.
            Err(_) => Err(Box::new(row)),
        }
    }

    fn advance(&mut self, max_events: usize) -> Option<ElectionRow> {
        for _ in 0..max_events.max(1) {
            if !self.crashed {
                if self.sim.cluster().next_event_time().is_none_or(|t| t >= self.crash_at) {
                    self.old = self.sim.quorum_leader();
                    self.row.had_leader = self.old.is_some();
                    self.crashed = true;
                    if self.old.is_none() {
                        return Some(self.finish());
                    }
                }
            } else if self.sim.now() >= self.crash_at {
                let leader = self.sim.quorum_leader();
                if self.old.is_some() && leader.is_some() && leader != self.old {
                    self.row.leaderless_ms = Some(self.sim.now().since(self.crash_at) / 1_000);
                    return Some(self.finish());
                }
            }
            if !self.sim.step_until(self.give_up_at) {
                return Some(self.finish());
            }
        }
        None
    }

    fn finish(&mut self) -> ElectionRow {
        self.row.violations = self.sim.cluster().violations().len();
        self.row.clone()
    }
}

/// The value below which `per_mille`/1000 of the measured times fall (rows without a time
/// count as longer than any), or `None` if that share includes runs that never elected.
pub fn percentile(rows: &[&ElectionRow], per_mille: u64) -> Option<u64> {
    let mut times: Vec<u64> = rows.iter().map(|r| r.leaderless_ms.unwrap_or(u64::MAX)).collect();
    times.sort_unstable();
    let n = times.len() as u64;
    if n == 0 {
        return None;
    }
    let index = ((n * per_mille).div_ceil(1_000)).clamp(1, n) - 1;
    times.get(index as usize).copied().filter(|t| *t != u64::MAX)
}
