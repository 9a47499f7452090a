//! One simulated run of an experiment: a cluster built from a [`Setup`] exactly as the page
//! builds it from an address, stepped one event at a time with an event budget, and the few
//! things about its state the experiments read, in both modes.

use crate::cluster::Cluster;
use crate::kraft::{KraftCluster, Lifecycle, INITIAL_TOPIC};
use crate::scenario::Script;
use crate::setup::{build_kraft, build_zk, Mode, Setup, SetupError};
use crate::time::Time;
use crate::world::{RoleRef, Target};
use crate::zk;
use crate::NodeId;

/// The setup of one run: the sizes as the page's address carries them (`controllers`,
/// `ensemble`, `brokers`, `partitions`), then `extra` settings (and the caller's steps).
pub(crate) fn setup_for(
    mode: Mode,
    seed: u64,
    quorum: usize,
    brokers: usize,
    partitions: u32,
    extra: &[(&str, String)],
) -> Setup {
    let defaults = Setup::default();
    let mut script = Script::default();
    script.settings.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    Setup {
        mode,
        seed,
        controllers: if mode == Mode::Kraft { quorum } else { defaults.controllers },
        ensemble: if mode == Mode::Zk { quorum } else { defaults.ensemble },
        brokers,
        partitions,
        script,
    }
}

/// The page address (relative: `?mode=…`) that opens this setup: one cluster, its seed and
/// sizes, and the script in `s`, as `src/link/mod.rs` writes them. `partitions=N` is the
/// initial topic's size (issue 21 asks the page for it; `Setup::partitions`, `qlab run
/// --partitions`).
pub fn link_for(setup: &Setup) -> String {
    let mut q = format!(
        "?mode={}&seed={}&controllers={}&ensemble={}&brokers={}&partitions={}",
        setup.mode.as_str(),
        setup.seed,
        setup.controllers,
        setup.ensemble,
        setup.brokers,
        setup.partitions
    );
    let text = setup.script.to_text();
    if !text.is_empty() {
        q.push_str("&s=");
        q.push_str(&encode_component(&text));
    }
    q
}

/// Percent-encoding as the browser's `encodeURIComponent` does it: what it leaves as it is
/// stays, the rest is `%XX` (the app's links on a host use it too).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A cluster of either mode, with its own type (the experiments read its state).
pub(crate) enum Sim {
    Kraft(Box<KraftCluster>),
    Zk(Box<zk::Cluster>),
}

/// What a live broker's metadata says of one partition's leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Known {
    /// The broker has no state for the partition.
    Unknown,
    /// Leader −1.
    NoLeader,
    /// The leader, by broker number (`b3` is 3).
    Leader(u32),
}

impl Sim {
    pub(crate) fn build(setup: &Setup) -> Result<Sim, SetupError> {
        Ok(match setup.mode {
            Mode::Kraft => Sim::Kraft(Box::new(build_kraft(setup)?)),
            Mode::Zk => Sim::Zk(Box::new(build_zk(setup)?)),
        })
    }

    pub(crate) fn cluster(&self) -> &dyn Cluster {
        match self {
            Sim::Kraft(c) => c.as_ref(),
            Sim::Zk(c) => c.as_ref(),
        }
    }

    pub(crate) fn cluster_mut(&mut self) -> &mut dyn Cluster {
        match self {
            Sim::Kraft(c) => c.as_mut(),
            Sim::Zk(c) => c.as_mut(),
        }
    }

    /// Process the next event if it comes no later than `end`; false when none is left.
    pub(crate) fn step_until(&mut self, end: Time) -> bool {
        let c = self.cluster_mut();
        match c.next_event_time() {
            Some(at) if at <= end => c.step_one(),
            _ => false,
        }
    }

    pub(crate) fn now(&self) -> Time {
        self.cluster().now()
    }

    /// Number of brokers.
    pub(crate) fn brokers(&self) -> u32 {
        match self {
            Sim::Kraft(c) => c.config().brokers as u32,
            Sim::Zk(c) => c.config().brokers as u32,
        }
    }

    /// Node id of broker `number` (1-based).
    pub(crate) fn broker_node(&self, number: u32) -> NodeId {
        match self {
            Sim::Kraft(c) => c.layout().broker_node(number),
            Sim::Zk(c) => c.config().layout().broker_node(number),
        }
    }

    pub(crate) fn is_alive(&self, node: NodeId) -> bool {
        match self {
            Sim::Kraft(c) => c.world().is_alive(node),
            Sim::Zk(c) => c.world().is_alive(node),
        }
    }

    /// Whether broker `number` is up and serving: KRaft, unfenced; ZooKeeper mode, registered.
    pub(crate) fn broker_serving(&self, number: u32) -> bool {
        let node = self.broker_node(number);
        if !self.is_alive(node) {
            return false;
        }
        match self {
            Sim::Kraft(c) => c.broker(number as usize).is_some_and(|b| b.lifecycle == Lifecycle::Active),
            Sim::Zk(c) => c.broker(number).is_some_and(|b| b.registered),
        }
    }

    /// The broker number of the ZooKeeper-mode controller (alive, holding `/controller`).
    pub(crate) fn zk_controller_broker(&self) -> Option<u32> {
        let Sim::Zk(c) = self else { return None };
        (1..=self.brokers()).find(|&b| {
            self.is_alive(self.broker_node(b)) && c.broker(b).is_some_and(|br| br.controller_epoch().is_some())
        })
    }

    /// The quorum leader (KRaft's leader, ZooKeeper's established leader), if any.
    pub(crate) fn quorum_leader(&self) -> Option<NodeId> {
        match self {
            Sim::Kraft(c) => c.active_controller().map(|ctrl| ctrl.id),
            Sim::Zk(c) => {
                let w = c.world();
                w.resolve(&Target::Role(RoleRef::Leader))
                    .filter(|id| w.node(*id).as_server().is_some_and(|s| s.established_epoch().is_some()))
            }
        }
    }

    /// An active Kafka controller exists (ZooKeeper mode: it has also loaded the state).
    pub(crate) fn controller_active(&self) -> bool {
        self.cluster().controller_gaps().0.is_none()
    }

    /// How many partitions of the initial topic broker `number`'s metadata holds.
    pub(crate) fn partitions_known(&self, number: u32) -> u64 {
        match self {
            Sim::Kraft(c) => c.broker(number as usize).map_or(0, |b| {
                let id = b.image.topic_ids.get(INITIAL_TOPIC);
                id.and_then(|id| b.image.topics.get(id)).map_or(0, |t| t.partitions.len() as u64)
            }),
            Sim::Zk(c) => c
                .broker(number)
                .and_then(|b| b.metadata_topics.get(c.config().topic.as_str()))
                .map_or(0, |set| u64::from(set.len())),
        }
    }

    /// The leader of partition `p` of the initial topic as broker `number`'s metadata says.
    pub(crate) fn leader_known(&self, number: u32, p: u32) -> Known {
        match self {
            Sim::Kraft(c) => {
                let Some(b) = c.broker(number as usize) else { return Known::Unknown };
                let id = b.image.topic_ids.get(INITIAL_TOPIC);
                let part = id.and_then(|id| b.image.topics.get(id)).and_then(|t| t.partitions.get(p as usize));
                match part {
                    None => Known::Unknown,
                    Some(s) => s.leader.map_or(Known::NoLeader, |l| Known::Leader(c.layout().kind_and_number(l).1)),
                }
            }
            Sim::Zk(c) => {
                let cached = c.broker(number).and_then(|b| b.metadata_topics.get(c.config().topic.as_str()));
                match cached.and_then(|set| set.leader(p)) {
                    None => Known::Unknown,
                    Some(l) if l < 0 => Known::NoLeader,
                    Some(l) => Known::Leader(l as u32),
                }
            }
        }
    }
}
