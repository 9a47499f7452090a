//! What both modes' swarm tests (`kraft_swarm.rs`, `zk_swarm.rs`) share: which seeds to run, the
//! loop over them with a replay command per failure, determinism, and runs cut into chunks.

use quorumlab_sim::cluster::Cluster;
use quorumlab_sim::rng::Rng;
use quorumlab_sim::scenario::ScenarioAction;
use quorumlab_sim::{RunStop, Time};

/// One mode's swarm: its test file's name (for the replay command), how a seed's cluster is
/// built, and how a seed is run and judged (its trace hash, or what failed).
pub struct Swarm<C> {
    pub test: &'static str,
    pub build: fn(u64) -> C,
    pub run_seed: fn(u64) -> Result<u64, String>,
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// `QLAB_SEED`, for the replay and debug tests.
pub fn replay_seed() -> Option<u64> {
    env_u64("QLAB_SEED")
}

impl<C: Cluster> Swarm<C> {
    pub fn hint(&self, seed: u64) -> String {
        format!("replay: QLAB_SEED={seed} cargo test -p quorumlab-sim --test {} -- replay --nocapture", self.test)
    }

    /// Every seed of `QLAB_SEED_BASE..QLAB_SEED_BASE + QLAB_SEEDS` (default `0..2000`, so a
    /// long run by hand can cover fresh seeds); fails listing each failed seed and its replay.
    pub fn run_all(&self) {
        let base = env_u64("QLAB_SEED_BASE").unwrap_or(0);
        let seeds = base..base.saturating_add(env_u64("QLAB_SEEDS").unwrap_or(2_000));
        let n = seeds.end - seeds.start;
        let mut failures = Vec::new();
        for seed in seeds {
            if let Err(e) = (self.run_seed)(seed) {
                failures.push(format!("seed {seed}: {e}\n  {}", self.hint(seed)));
            }
        }
        assert!(failures.is_empty(), "{} of {n} seeds failed:\n{}", failures.len(), failures.join("\n"));
    }

    /// A seed run twice gives the same result, and two seeds different ones.
    pub fn deterministic(&self) {
        for seed in [1, 7, 42] {
            let a = (self.run_seed)(seed);
            let b = (self.run_seed)(seed);
            assert_eq!(a, b, "seed {seed} is not deterministic\n{}", self.hint(seed));
            assert!(a.is_ok(), "{a:?}");
        }
        assert_ne!((self.run_seed)(1), (self.run_seed)(2));
    }

    /// Run to `end_ms` in random chunks, with small event caps too (the caller goes on where the
    /// cap stopped): the same trace hash and event count as one run.
    pub fn chunked(&self, end_ms: u64) {
        for seed in [3, 11, 29] {
            let whole = {
                let mut c = (self.build)(seed);
                c.run_until(Time::from_ms(end_ms), usize::MAX);
                (c.trace_hash(), c.events_processed())
            };
            let mut rng = Rng::stream(seed, 0x4348_554E); // "CHUN"
            let mut c = (self.build)(seed);
            let mut t = 0;
            while t < end_ms {
                t = (t + 1 + rng.below(700)).min(end_ms);
                while c.run_until(Time::from_ms(t), 1 + rng.below(50) as usize) == RunStop::EventCap {}
            }
            assert_eq!((c.trace_hash(), c.events_processed()), whole, "seed {seed}\n{}", self.hint(seed));
        }
    }

    /// Replay the seed `QLAB_SEED` names (nothing without it): what `case` says of it (a line
    /// and its actions), every narration line, who led, then `show`'s lines (each mode's
    /// nodes), the violations, and the seed's verdict.
    pub fn replay(
        &self,
        case: impl FnOnce(u64) -> (String, Vec<(u64, ScenarioAction)>),
        end_ms: u64,
        show: impl FnOnce(&C),
    ) {
        let Some(seed) = replay_seed() else { return };
        let (line, steps) = case(seed);
        println!("seed {seed}: {line}");
        for (at, a) in &steps {
            println!("  at {at}ms {a:?}");
        }
        let mut c = (self.build)(seed);
        c.run_until(Time::from_ms(end_ms), usize::MAX);
        let mut notes = Vec::new();
        c.notes(0, &mut notes);
        for n in &notes {
            println!("{} node {} {} {:?}", n.at, n.node, n.key, n.args);
        }
        let s = c.summary();
        println!("leaders {:?}", s.quorum_leader_history);
        show(&c);
        println!("violations {:#?}", s.violations);
        if let Err(e) = (self.run_seed)(seed) {
            panic!("seed {seed}: {e}\n{}", self.hint(seed));
        }
    }
}

/// The tests every swarm has, over its `SWARM`: every seed, determinism, chunked runs to
/// `end_ms`, and the replay of `QLAB_SEED` to `replay_ms` (`describe`: a seed's line and
/// actions; `show`: the mode's own lines about its nodes).
#[macro_export]
macro_rules! swarm_tests {
    (chunked to $end_ms:expr, replayed to $replay_ms:expr, $describe:expr, $show:expr) => {
        #[test]
        fn swarm() {
            SWARM.run_all();
        }

        #[test]
        fn same_seed_same_trace_hash() {
            SWARM.deterministic();
        }

        #[test]
        fn chunked_runs_give_the_same_trace_hash() {
            SWARM.chunked($end_ms);
        }

        /// `QLAB_SEED=<n> cargo test -p quorumlab-sim --test <this file> -- replay --nocapture`
        #[test]
        fn replay() {
            SWARM.replay($describe, $replay_ms, $show);
        }
    };
}
