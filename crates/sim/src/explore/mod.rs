//! A bounded exhaustive explorer over the real engines: every schedule of a small cluster, up
//! to a bound, with every invariant checked in every state reached. The shape of stateright's
//! or TLA+'s TLC, but the transitions are the engine's own `step` functions, not a model of
//! them.
//!
//! How (see `search.rs`): the world is given a [`Chooser`](crate::world::Chooser) that answers
//! from a tape of choices wherever its network would draw at random, so a schedule is a vector
//! of choice indices: each message's latency (one of [`Plan::latencies_us`], or lost while
//! [`Plan::max_losses`] allows), which of several events due at the same instant goes first,
//! each KRaft election timeout once exploring (one of [`Plan::election_timeouts_ms`]), and when
//! the leader crashes. The cluster first warms up with the first option everywhere (no
//! branching) until [`Plan::explore_from`]; from there a stateless depth-first search replays
//! the tape and extends it, moving the last choice with an option left to its next option
//! each time a schedule ends. Replays start from checkpoints (copies of the cluster taken
//! along the current schedule), not from time zero. A schedule ends when its invariants
//! break, after [`Plan::max_deliveries`] deliveries or [`Plan::horizon`] of virtual time, once
//! the election settled (every live quorum member follows one leader newer than the crashed
//! one), or at a state already explored with as much budget left (pruned by a state hash of
//! every process, timer, message in flight and the invariant checker's memory).
//!
//! What it does not cover: latencies other than the listed ones (so not every interleaving a
//! continuous network allows, only those the listed latencies and the ties between them
//! produce); losses beyond the budget; messages to a dead process always take the first
//! latency (they are refused whenever they land); before `explore_from` nothing branches.

mod args;
mod modes;
pub mod report;
mod search;
mod tape;
mod visited;

use crate::kraft::KraftCluster;
use crate::setup::Mode;
use crate::time::Time;
use crate::zk;
use search::Search;

pub use report::{Found, Report};
pub use search::{Probe, Replayed};

/// What to explore, and how far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Names the plan in reports and replay commands (`kraft-crash`).
    pub name: String,
    pub mode: Mode,
    /// KRaft controllers or ZooKeeper servers.
    pub quorum: usize,
    pub brokers: usize,
    /// Seeds the processes' own PRNGs (KRaft's election timeouts while warming up).
    pub seed: u64,
    /// Warm up until then, taking the first option of every choice.
    pub explore_from: Time,
    /// Crash the quorum leader once, after any of `0..=w` deliveries of the explored part;
    /// `None`: no crash.
    pub crash_window: Option<u32>,
    /// The latencies a message to a live process may take, in microseconds (the first is
    /// also what every message takes while warming up).
    pub latencies_us: Vec<u64>,
    /// How many messages one schedule may lose.
    pub max_losses: u32,
    /// KRaft: the election timeouts a voter may take once exploring, instead of the one its
    /// PRNG drew from `[T, 2T)` (empty: as drawn). Two close values let split votes happen.
    pub election_timeouts_ms: Vec<u64>,
    /// Deliveries (to a live process) after `explore_from` at which a schedule ends.
    pub max_deliveries: u32,
    /// Virtual time after `explore_from` at which a schedule ends.
    pub horizon: Time,
    /// End a schedule once the election settled.
    pub stop_when_settled: bool,
    /// Stop after this many distinct states (the report says the search is incomplete).
    pub max_states: u64,
}

impl Plan {
    /// The plans `make explore` runs, by name, each with 3 voters or servers whose leader
    /// crashes within 2 deliveries of 3 s, messages taking 2 or 5 ms: `kraft-crash` (0 brokers,
    /// one message may be lost, election timeouts of 1000 or 1004 ms, 28 deliveries), `zk-crash`
    /// (0 brokers, two losses, 48 deliveries: more than any schedule makes in its 20 s) and
    /// `zk-crash-broker` (one broker, so ZAB carries its session and znodes; one loss, 24
    /// deliveries).
    pub fn preset(name: &str) -> Option<Plan> {
        let kraft = Plan {
            name: name.to_string(),
            mode: Mode::Kraft,
            quorum: 3,
            brokers: 0,
            seed: 1,
            explore_from: Time::from_secs(3),
            crash_window: Some(2),
            latencies_us: vec![2_000, 5_000],
            max_losses: 1,
            election_timeouts_ms: vec![1_000, 1_004],
            max_deliveries: 28,
            horizon: Time::from_secs(20),
            stop_when_settled: true,
            max_states: 50_000_000,
        };
        let zk = Plan { mode: Mode::Zk, election_timeouts_ms: Vec::new(), ..kraft.clone() };
        match name {
            "kraft-crash" => Some(kraft),
            "zk-crash" => Some(Plan { max_losses: 2, max_deliveries: 48, ..zk }),
            "zk-crash-broker" => Some(Plan { brokers: 1, max_deliveries: 24, ..zk }),
            _ => None,
        }
    }

    /// The names [`Plan::preset`] knows.
    pub const PRESETS: [&'static str; 3] = ["kraft-crash", "zk-crash", "zk-crash-broker"];

    /// The same plan with a smaller bound (the quick test, `--deliveries`).
    pub fn with_max_deliveries(self, max_deliveries: u32) -> Plan {
        Plan { max_deliveries, ..self }
    }
}

/// Explore every schedule of `plan` (up to its bounds); stops at the first violation.
pub fn explore(plan: &Plan) -> Report {
    explore_until(plan, None)
}

/// As [`explore`], but `probe` is checked after every event too, and a schedule where it
/// says something is reported as a violation (tests look for a kind of schedule this way).
pub fn explore_until(plan: &Plan, probe: Option<Probe>) -> Report {
    match plan.mode {
        Mode::Kraft => Search::<KraftCluster>::new(plan).with_probe(probe).explore(),
        Mode::Zk => Search::<zk::Cluster>::new(plan).with_probe(probe).explore(),
    }
}

/// Run the one schedule `choices` of `plan` (as [`Found::choices`] gives it; missing choices
/// take their first option) until it ends (or `probe` says something), keeping a log of every
/// choice; `trace` keeps the world's readable trace too (with the `trace` feature).
pub fn replay(plan: &Plan, choices: &[usize], trace: bool, probe: Option<Probe>) -> Replayed {
    match plan.mode {
        Mode::Kraft => Search::<KraftCluster>::new(plan).with_probe(probe).replay(choices, trace),
        Mode::Zk => Search::<zk::Cluster>::new(plan).with_probe(probe).replay(choices, trace),
    }
}
