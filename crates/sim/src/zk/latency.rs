//! Metadata-change latency in ZooKeeper mode, measured like KRaft's (`kraft/cluster.rs`) so the
//! two sides compare: from the moment a change enters the metadata store to the moment every
//! live registered broker has applied it. Two kinds of change are measured:
//!
//! - **create-topic.** Starts when ZooKeeper commits `/brokers/topics/T` (the admin tool's
//!   `AdminZkClient.createTopic` write). Ends when every live registered broker's metadata cache
//!   holds all of T's partitions. Kafka ZK mode: the controller's child watch on
//!   `/brokers/topics` fires (TopicChange), it reads the assignment, writes the partition
//!   states, then sends LeaderAndIsr to the replicas and UpdateMetadataRequest to every live
//!   broker (`sendRequestsToBrokers` sends UpdateMetadata last), so UpdateMetadata is the end.
//! - **alter-config.** Starts when ZooKeeper commits `/config/changes/config_change_N` (the
//!   second write of `AdminZkClient.changeTopicConfig`). Ends when every live registered broker
//!   has processed change N (`TopicConfigApplied`; its `lastExecutedChange` reached N).
//! - **a broker joins.** Starts when ZooKeeper commits the broker's ephemeral
//!   `/brokers/ids/N` (a new one, or the same id in a new session). Ends when every live
//!   registered broker's metadata cache has listed N among the live brokers since then: the
//!   controller's BrokerChange watch fires, it reads the children, and `onBrokerStartup` sends
//!   UpdateMetadata to the existing brokers and the full metadata to the new one. (When the
//!   controller reads the new znode before it saw the old one go, the broker "bounced": its id
//!   was listed all along, and `onBrokerFailure` takes it out before `onBrokerStartup` puts it
//!   back.) KRaft's counterpart: the RegisterBrokerRecord.
//! - **a broker leaves.** Starts when ZooKeeper commits the deletion of `/brokers/ids/N` (its
//!   session expired or was closed). Ends when no live registered broker's cache lists N:
//!   `onBrokerFailure` elects new leaders for its partitions and shrinks their ISRs, and the
//!   UpdateMetadata that follows carries the new live set. KRaft's counterpart: the fencing
//!   (or controlled shutdown) record with its partition changes.
//!
//! A broker that leaves before its joining was seen everywhere (or joins again before its
//! leaving was) drops the earlier measurement: the controller may never announce it.
//!
//! Why the commit of those znodes stands for KRaft's "the active controller appends the
//! record": each is the one write that puts the change where Kafka's brokers learn of it, and
//! after which everything is propagation (watches, controller work, requests to brokers), just
//! as after KRaft's append everything is replication and broker fetches. The `/config/topics/T`
//! write before the notification is invisible to brokers until the notification exists. The
//! commit rather than the ZAB proposal: nothing in Kafka can see a proposal that has not
//! committed, so the ZooKeeper side starts one quorum round later than KRaft's append (a few
//! milliseconds).
//!
//! The measurement only reads state after each event (the committed data tree of the most
//! advanced server, each broker's caches), so it cannot change the run or its trace hash.

use crate::sorted::{SortedMap, SortedSet};
use crate::time::Time;
use crate::world::World;

use super::kafka::{BROKER_IDS_PATH, CONFIG_CHANGES_PATH, CONFIG_CHANGE_PREFIX, TOPICS_PATH};
use super::msg::{Data, Zxid};
use super::tree::DataTree;
use super::Node;

/// At most this many changes wait to be measured (KRaft's cap: a broker cut off forever must
/// not make the list grow without bound).
const LATENCY_PENDING_MAX: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Change {
    /// A new topic with this many partitions.
    Topic { name: String, partitions: u32 },
    /// The config change notification `config_change_<seq>`.
    Config { seq: u64 },
    /// `/brokers/ids/<id>` created.
    BrokerJoined { id: u32 },
    /// `/brokers/ids/<id>` deleted.
    BrokerLeft { id: u32 },
}

impl Change {
    fn broker(&self) -> Option<u32> {
        match self {
            Change::BrokerJoined { id } | Change::BrokerLeft { id } => Some(*id),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct Latency {
    /// The most transactions any server had applied when last looked at (they are committed).
    applied_seen: u64,
    /// `cversion` of `/brokers/topics` and `/config/changes` when last looked at.
    topics_cversion: u32,
    changes_cversion: u32,
    ids_cversion: u32,
    /// The registered brokers when last looked at, with the czxid of their znode.
    brokers_seen: SortedMap<u32, Zxid>,
    topics_seen: SortedSet<String>,
    /// Changes not yet applied everywhere: (committed at, change).
    pending: Vec<(Time, Change)>,
    pub(super) done_ms: Vec<u64>,
}

impl Latency {
    /// What the initial state already holds is not a change.
    pub(super) fn new(initial: &DataTree, applied_count: u64) -> Latency {
        let mut latency = Latency { applied_seen: applied_count, ..Latency::default() };
        latency.topics_cversion = initial.get(TOPICS_PATH).map_or(0, |z| z.stat.cversion);
        latency.changes_cversion = initial.get(CONFIG_CHANGES_PATH).map_or(0, |z| z.stat.cversion);
        if let Some(topics) = initial.get(TOPICS_PATH) {
            latency.topics_seen = topics.children.clone();
        }
        latency.ids_cversion = initial.get(BROKER_IDS_PATH).map_or(0, |z| z.stat.cversion);
        latency.brokers_seen = registered(initial);
        latency
    }

    /// After every event: start measuring what has just committed, finish what every live
    /// registered broker has applied.
    pub(super) fn observe(&mut self, world: &World<Node>) {
        self.note_commits(world);
        if !self.pending.is_empty() {
            self.finish_applied(world);
        }
    }

    fn note_commits(&mut self, world: &World<Node>) {
        // ZAB: the leader applies a transaction when it commits, before any follower does, and
        // committed transactions are never lost; so the server that has applied the most holds
        // everything committed so far.
        let Some(server) = world.nodes().iter().filter_map(|n| n.as_server()).max_by_key(|s| s.applied_count()) else {
            return;
        };
        if server.applied_count() <= self.applied_seen {
            return;
        }
        self.applied_seen = server.applied_count();
        let now = world.now();
        let tree = &server.tree;
        if let Some(topics) = tree.get(TOPICS_PATH).filter(|z| z.stat.cversion != self.topics_cversion) {
            self.topics_cversion = topics.stat.cversion;
            for name in topics.children.iter() {
                if self.topics_seen.insert(name.clone()) {
                    let partitions = match tree.get(&format!("{TOPICS_PATH}/{name}")).map(|z| &z.data) {
                        Some(Data::Assignment(a)) => a.partitions(),
                        _ => 0,
                    };
                    self.start(now, Change::Topic { name: name.clone(), partitions });
                }
            }
        }
        self.note_brokers(now, tree);
        if let Some(changes) = tree.get(CONFIG_CHANGES_PATH).filter(|z| z.stat.cversion != self.changes_cversion) {
            // ZooKeeper names a sequential child after the parent's cversion at its creation.
            let (from, to) = (self.changes_cversion, changes.stat.cversion);
            self.changes_cversion = to;
            for seq in from..to {
                if changes.children.contains(format!("{CONFIG_CHANGE_PREFIX}{seq:010}").as_str()) {
                    self.start(now, Change::Config { seq: u64::from(seq) });
                }
            }
        }
    }

    fn note_brokers(&mut self, now: Time, tree: &DataTree) {
        let Some(ids) = tree.get(BROKER_IDS_PATH).filter(|z| z.stat.cversion != self.ids_cversion) else {
            return;
        };
        self.ids_cversion = ids.stat.cversion;
        let current = registered(tree);
        let left: Vec<u32> = self.brokers_seen.keys().filter(|id| !current.contains_key(*id)).copied().collect();
        for id in left {
            self.pending.retain(|(_, c)| c.broker() != Some(id));
            self.start(now, Change::BrokerLeft { id });
        }
        for (id, czxid) in current.iter() {
            if self.brokers_seen.get(id) != Some(czxid) {
                self.pending.retain(|(_, c)| c.broker() != Some(*id));
                self.start(now, Change::BrokerJoined { id: *id });
            }
        }
        self.brokers_seen = current;
    }

    fn start(&mut self, at: Time, change: Change) {
        if self.pending.len() < LATENCY_PENDING_MAX {
            self.pending.push((at, change));
        }
    }

    fn finish_applied(&mut self, world: &World<Node>) {
        let now = world.now();
        let done_ms = &mut self.done_ms;
        self.pending.retain(|(at, change)| {
            let (mut any_live, mut any_registered) = (false, false);
            for (id, node) in world.nodes().iter().enumerate() {
                let Some(b) = node.as_broker() else { continue };
                // A crashed broker is skipped; an unregistered one is not in the cluster
                // (the controller sends it nothing until /brokers/ids/N exists again).
                if !world.is_alive(id) {
                    continue;
                }
                any_live = true;
                if !b.registered {
                    continue;
                }
                any_registered = true;
                let applied = match change {
                    Change::Topic { name, partitions } => {
                        b.metadata_topics.get(name.as_str()).is_some_and(|known| known.len() >= *partitions)
                    }
                    Change::Config { seq } => b.last_executed_change.is_some_and(|done| done >= *seq),
                    // Listed since the znode's commit: a bounced broker's id may never have left
                    // the list, but onBrokerFailure takes it out before onBrokerStartup.
                    Change::BrokerJoined { id } => b.listed_since.get(id).is_some_and(|t| *t >= *at),
                    Change::BrokerLeft { id } => !b.live_brokers.contains(id),
                };
                if !applied {
                    return true;
                }
            }
            if !any_live {
                // Nobody left to apply it: drop the measurement (as KRaft does).
                return false;
            }
            if !any_registered {
                // Live brokers that are (re)registering: they will get it once they are back.
                return true;
            }
            done_ms.push(now.since(*at) / 1_000);
            false
        });
    }
}

/// The brokers registered in `tree` (`/brokers/ids/N`) with the czxid of their znode.
fn registered(tree: &DataTree) -> SortedMap<u32, Zxid> {
    let Some(ids) = tree.get(BROKER_IDS_PATH) else { return SortedMap::new() };
    ids.children
        .iter()
        .filter_map(|name| {
            let id = name.parse::<u32>().ok()?;
            Some((id, tree.get(&format!("{BROKER_IDS_PATH}/{name}"))?.stat.czxid))
        })
        .collect()
}
