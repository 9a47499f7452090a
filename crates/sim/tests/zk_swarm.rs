//! Swarm test of ZooKeeper mode: `QLAB_SEEDS` seeds (default 2000) from `QLAB_SEED_BASE`
//! (default 0), each an ensemble of 3, 5 or 7 servers (every size the page offers, 0 to 2
//! observers) with random schedules of crashes, restarts, clean shutdowns, partitions and
//! message loss; invariants after every event; liveness after healing (a ZooKeeper leader and
//! an active Kafka controller within a bound). Every failure prints the seed and a one-line
//! replay command:
//!
//! ```text
//! QLAB_SEED=123 cargo test -p quorumlab-sim --test zk_swarm -- replay --nocapture
//! ```
//!
//! A long run over fresh seeds, by hand:
//!
//! ```text
//! QLAB_SEED_BASE=1000000 QLAB_SEEDS=100000 cargo test --release -p quorumlab-sim --test zk_swarm -- swarm
//! ```

use quorumlab_sim::cluster::Cluster as _;
use quorumlab_sim::rng::Rng;
use quorumlab_sim::scenario::{NodePrefix, NodeRef, ScenarioAction};
use quorumlab_sim::time::Time;
use quorumlab_sim::zk::msg::Data;
use quorumlab_sim::zk::{Cluster, Config};

mod swarm;
use swarm::Swarm;

const SWARM: Swarm<Cluster> = Swarm { test: "zk_swarm", build, run_seed };

/// Faults happen in [0, FAULTS_END); then everything heals and restarts.
const FAULTS_END_MS: u64 = 60_000;
/// After healing: FLE's notification timeout may have grown to 60 s on an isolated server, a
/// dead broker's session takes 18 s to expire, and the controller then loads.
const LIVENESS_BOUND_MS: u64 = 100_000;

struct Case {
    config: Config,
    steps: Vec<(u64, ScenarioAction)>,
}

fn node(rng: &mut Rng, config: &Config) -> NodeRef {
    let servers = config.servers() as u64;
    let total = servers + config.brokers as u64;
    match rng.below(total + 2) {
        i if i < servers => NodeRef::Named { prefix: NodePrefix::Zk, number: i as u32 + 1 },
        i if i < total => NodeRef::Named { prefix: NodePrefix::Broker, number: (i - servers) as u32 + 1 },
        i if i == total => NodeRef::Leader,
        _ => NodeRef::Controller,
    }
}

fn named(rng: &mut Rng, config: &Config) -> NodeRef {
    loop {
        let n = node(rng, config);
        if matches!(n, NodeRef::Named { .. }) {
            return n;
        }
    }
}

fn case(seed: u64) -> Case {
    let mut rng = Rng::stream(seed, 0x5357_4152); // "SWAR"
    let config = Config {
        ensemble: [3, 3, 3, 5, 5, 7][rng.below(6) as usize],
        observers: [0, 0, 0, 1, 2][rng.below(5) as usize],
        brokers: 3 + rng.below(2) as usize,
        partitions: 1 + rng.below(12) as u32,
        ..Config::default()
    };
    let mut steps = Vec::new();
    let faults = 2 + rng.below(16);
    for _ in 0..faults {
        let at = rng.below(FAULTS_END_MS);
        let action = match rng.below(10) {
            0..=2 => ScenarioAction::Crash(node(&mut rng, &config)),
            3..=4 => ScenarioAction::Restart(named(&mut rng, &config)),
            5 => ScenarioAction::Shutdown(node(&mut rng, &config)),
            6..=7 => {
                let mut sides = vec![Vec::new(), Vec::new()];
                for i in 0..config.servers() + config.brokers {
                    let n = if i < config.servers() {
                        NodeRef::Named { prefix: NodePrefix::Zk, number: i as u32 + 1 }
                    } else {
                        NodeRef::Named { prefix: NodePrefix::Broker, number: (i - config.servers()) as u32 + 1 }
                    };
                    match rng.below(3) {
                        0 => sides[0].push(n),
                        1 => sides[1].push(n),
                        _ => {}
                    }
                }
                ScenarioAction::Partition(sides)
            }
            8 => ScenarioAction::Heal,
            _ => ScenarioAction::LossPerMille(rng.below(150) as u32),
        };
        steps.push((at, action));
    }
    if rng.below(3) == 0 {
        let at = rng.below(FAULTS_END_MS);
        steps.push((
            at,
            ScenarioAction::CreateTopic {
                name: "extra".into(),
                partitions: 1 + rng.below(8) as u32,
                replication_factor: 2,
            },
        ));
    }
    if rng.below(3) == 0 {
        // A config change: brokers may be down or cut off when its notification fires.
        let at = rng.below(FAULTS_END_MS);
        let value = rng.below(3).to_string();
        steps.push((at, ScenarioAction::AlterConfig { topic: "orders".into(), key: "retention.ms".into(), value }));
    }
    // Heal everything and bring every process back.
    steps.push((FAULTS_END_MS, ScenarioAction::Heal));
    steps.push((FAULTS_END_MS, ScenarioAction::LossPerMille(0)));
    for i in 0..config.servers() {
        steps.push((
            FAULTS_END_MS,
            ScenarioAction::Restart(NodeRef::Named { prefix: NodePrefix::Zk, number: i as u32 + 1 }),
        ));
    }
    for i in 0..config.brokers {
        steps.push((
            FAULTS_END_MS,
            ScenarioAction::Restart(NodeRef::Named { prefix: NodePrefix::Broker, number: i as u32 + 1 }),
        ));
    }
    // A controlled shutdown still running at the heal halts its broker later (3 retries × 5 s
    // at most): bring such brokers back too.
    for i in 0..config.brokers {
        let broker = NodeRef::Named { prefix: NodePrefix::Broker, number: i as u32 + 1 };
        steps.push((FAULTS_END_MS + 30_000, ScenarioAction::Restart(broker)));
    }
    Case { config, steps }
}

fn build(seed: u64) -> Cluster {
    let Case { config, steps } = case(seed);
    let mut cluster = Cluster::new(seed, config);
    for (at, action) in &steps {
        cluster.schedule(Time::from_ms(*at), action).expect("the swarm only names existing nodes");
    }
    cluster
}

/// Run one seed; the error names what failed.
fn run_seed(seed: u64) -> Result<u64, String> {
    let mut c = build(seed);
    let end = Time::from_ms(FAULTS_END_MS + LIVENESS_BOUND_MS);
    c.run_until(end, usize::MAX);
    if let Some(v) = c.violations().first() {
        return Err(format!("invariant violated: {v}"));
    }
    let s = c.summary();
    let leader = s.quorum_leader_history.last().and_then(|p| p.node.clone());
    if leader.is_none() {
        return Err(format!("liveness: no ZooKeeper leader {LIVENESS_BOUND_MS} ms after healing"));
    }
    let controller = c.node_views().iter().any(|v| v.alive && v.is_controller);
    let active = s.nodes.iter().any(|n| n.role == "controller" && n.alive);
    if !(controller && active) {
        return Err(format!("liveness: no Kafka controller {LIVENESS_BOUND_MS} ms after healing"));
    }
    // A config change reaches every live registered broker once healed: by its child watch on
    // /config/changes, or by reading every change when its listener starts.
    let servers = c.config().servers();
    let leader_tree = (1..=servers as u64)
        .filter(|sid| c.world().is_alive(*sid as usize - 1))
        .filter_map(|sid| c.server(sid))
        .find(|s| s.established_epoch().is_some())
        .map(|s| &s.tree);
    // Every broker must have it if a notification was committed after the config's last
    // write. Else only the brokers that read every config at startup after that write: the
    // admin tool writes the config, then the notification, and the model's admin tool does not
    // retry a write lost with its ZooKeeper leader (Kafka's KafkaZkClient retries on
    // CONNECTIONLOSS; an admin process that dies between the two writes is the Kafka case).
    // Brokers that were running then stay unaware.
    let config = leader_tree.and_then(|t| t.get("/config/topics/orders"));
    let notified = |t: &quorumlab_sim::zk::tree::DataTree, written: u64| {
        t.get("/config/changes").is_some_and(|changes| {
            changes
                .children
                .iter()
                .any(|name| t.get(&format!("/config/changes/{name}")).is_some_and(|z| z.stat.czxid > written))
        })
    };
    let notified = match (leader_tree, config) {
        (Some(t), Some(z)) => notified(t, z.stat.mzxid),
        _ => false,
    };
    if let Some((Data::TopicConfig(configs), written)) = config.map(|z| (&z.data, z.stat.mzxid)) {
        for b in 1..=c.config().brokers as u32 {
            let broker = c.broker(b).filter(|x| x.registered && c.world().is_alive(x.node));
            let Some(x) = broker.filter(|x| notified || x.configs_read_at.is_some_and(|at| at >= written)) else {
                continue;
            };
            if !configs.is_empty() && x.topic_configs.get("orders") != Some(configs) {
                let how = if notified { "notified" } else { "read at startup" };
                return Err(format!("liveness: b{b} did not apply the topic config {:?} ({how})", **configs));
            }
        }
    }
    Ok(c.trace_hash())
}

swarm_tests!(chunked to FAULTS_END_MS + 30_000, replayed to FAULTS_END_MS + LIVENESS_BOUND_MS, describe, show);

/// A seed's sizes and its actions, for its replay.
fn describe(seed: u64) -> (String, Vec<(u64, ScenarioAction)>) {
    let Case { config, steps } = case(seed);
    (
        format!(
            "ensemble {} observers {} brokers {} partitions {}",
            config.ensemble, config.observers, config.brokers, config.partitions
        ),
        steps,
    )
}

/// What a replay prints of this mode's nodes.
fn show(c: &Cluster) {
    println!("controllers {:?}", c.summary().controller_history);
    for v in c.node_views() {
        println!("{} {:?} alive={} epoch={} controller={}", v.name(), v.role, v.alive, v.epoch, v.is_controller);
    }
}

#[test]
#[ignore]
fn debug_seed() {
    let seed: u64 = swarm::replay_seed().unwrap_or(0);
    let mut c = build(seed);
    for t in [500u64, 950, 20_040, 20_090] {
        c.run_until(Time::from_ms(t), usize::MAX);
        for sid in 1..=3 {
            let s = c.server(sid).unwrap();
            let st = s.tree.states("orders").map(|v| v[0]);
            println!("t={t} zk{sid} applied={:#x} {:?} p0={:?}", s.applied_zxid(), s.state, st);
        }
        for b in 1..=3 {
            let br = c.broker(b).unwrap();
            if let Some(ctl) = &br.controller {
                println!(
                    "  b{b} ctrl live={:?} p0={:?}",
                    ctl.live,
                    ctl.topics.get("orders").map(|t| t.states.first().copied())
                );
            }
        }
    }
}

#[test]
#[ignore]
fn debug_trace() {
    let seed: u64 = swarm::replay_seed().unwrap_or(0);
    let node: usize = std::env::var("QLAB_NODE").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let from_ms: u64 = std::env::var("QLAB_FROM").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let to_ms: u64 = std::env::var("QLAB_TO").ok().and_then(|v| v.parse().ok()).unwrap_or(u64::MAX);
    let mut c = build(seed);
    c.record_trace();
    c.run_until(Time::from_ms(to_ms.min(FAULTS_END_MS + LIVENESS_BOUND_MS)), usize::MAX);
    println!("records {}", c.trace_records().len());
    for r in c.trace_records() {
        if r.at >= Time::from_ms(from_ms) && (r.node == Some(node) || r.from == Some(node)) {
            let mut d = r.detail.clone();
            d.truncate(220);
            println!("{} {} node={:?} from={:?} {}", r.at, r.kind, r.node, r.from, d);
        }
    }
}

/// Odd but accepted settings and actions never panic (and never break an invariant).
#[test]
fn odd_settings_and_actions_never_panic() {
    let settings: [&[(&str, &str)]; 6] = [
        &[("tickTime", "10"), ("initLimit", "1"), ("syncLimit", "1")],
        &[("zookeeper.session.timeout.ms", "1"), ("minSessionTimeout", "1"), ("maxSessionTimeout", "1")],
        &[("finalizeWait", "0"), ("zookeeper.fastleader.minNotificationInterval", "1")],
        &[("controlled.shutdown.max.retries", "0"), ("controlled.shutdown.retry.backoff.ms", "0")],
        &[("controller.load.batch", "1"), ("controller.load.us.per.partition", "0"), ("replication.factor", "7")],
        &[("unclean.leader.election.enable", "true"), ("observers", "4"), ("brokers", "1"), ("latency.max.us", "0")],
    ];
    for seed in 0..120u64 {
        let mut config = Config::default();
        for (k, v) in settings[(seed % 6) as usize] {
            config.apply_setting(k, v).unwrap();
        }
        let mut rng = Rng::stream(seed, 0x4F44_4421);
        let mut c = Cluster::new(seed, config.clone());
        for _ in 0..20 {
            let at = Time::from_ms(rng.below(20_000));
            let n = node(&mut rng, &config);
            let action = match rng.below(9) {
                0 => ScenarioAction::Crash(n),
                1 => ScenarioAction::Restart(n),
                2 => ScenarioAction::Shutdown(n),
                3 => ScenarioAction::Partition(vec![vec![n], vec![]]),
                4 => ScenarioAction::Heal,
                5 => ScenarioAction::LossPerMille(rng.below(1_001) as u32),
                6 => ScenarioAction::CreateTopic { name: String::new(), partitions: 0, replication_factor: 0 },
                7 => ScenarioAction::CreateTopic { name: "a/b".into(), partitions: u32::MAX, replication_factor: 99 },
                8 if rng.below(2) == 0 => ScenarioAction::AlterConfig {
                    topic: ["", "a/b", "orders", "t1"][rng.below(4) as usize].into(),
                    key: String::new(),
                    value: "x".into(),
                },
                _ => ScenarioAction::CreateTopic {
                    name: format!("t{}", rng.below(3)),
                    partitions: 3,
                    replication_factor: 2,
                },
            };
            // Partitions naming a role are refused; nothing else is.
            let _ = c.schedule(at, &action);
        }
        c.run_until(Time::from_secs(40), usize::MAX);
        assert!(c.violations().is_empty(), "seed {seed}: {:#?}", c.violations());
        let _ = (c.summary(), c.node_views());
    }
}
