//! KRaft mode: a quorum of controllers running Kafka's Raft over the metadata log
//! (KIP-595, KIP-996 pre-vote, KIP-631 metadata). See `ABOUT_KRAFT_MODEL` for what the model
//! simplifies.
//!
//! Files by concept: `controller/` (a voter: quorum state, elections, fetch, and what the active
//! controller does for brokers), `broker.rs` (an observer broker), `fetcher.rs` (where a
//! follower's or observer's next fetch goes), `log.rs` and `record.rs` (the metadata log and its
//! records), `image.rs` (the metadata image replayed from it), `partitions.rs` (its partition
//! states, in chunks shared between images), `msg.rs` (RPCs), `check.rs` (invariants),
//! `latency.rs` (the metadata-change latency), `cluster.rs` (the `Cluster` this mode offers, and
//! its narration).

pub mod broker;
pub mod check;
pub mod cluster;
pub mod controller;
pub mod fetcher;
pub mod image;
mod latency;
pub mod log;
pub mod msg;
mod partitions;
pub mod record;

pub use broker::{Broker, Lifecycle};
pub use cluster::KraftCluster;
pub use controller::{Controller, State};
pub use image::MetadataImage;
pub use msg::{FetchBody, Msg};

use crate::cluster::SettingError;
use crate::net::NetConfig;
use crate::time::Time;
use crate::world::{self, In, Out, RoleRef};
use crate::NodeId;

/// `election.backoff.max.ms` (used for EndQuorumEpoch successor backoff).
pub const ELECTION_BACKOFF_MAX_MS: u64 = 1_000;
/// The topic created at start when `Config::partitions` > 0.
pub const INITIAL_TOPIC: &str = "orders";
/// How long a broker in controlled shutdown waits for the controller's SHUTDOWN_NOW before it
/// stops anyway (a model choice; Kafka waits much longer).
pub const CONTROLLED_SHUTDOWN_GIVE_UP_MS: u64 = 30_000;

pub const ABOUT_KRAFT_MODEL: &str = "KRaft mode follows Kafka 4.1: KIP-595 (Kafka's Raft), \
KIP-996 (pre-vote) and KIP-631 (metadata records and broker lifecycle), with Kafka's defaults: \
fetch timeout 2 s, election timeout uniform in [1 s, 2 s), check-quorum after 1.5 × fetch \
timeout, request timeout 2 s, BeginQuorumEpoch to every voter every second (the leader's \
heartbeat in 3.9.1 to 4.1; 4.2 sends it only to voters that did not fetch within that second, \
KAFKA-16926), a NoOpRecord every 500 ms whether or not anything else was written, \
long-polling fetches of up to 500 ms, broker heartbeats every 2 s and a 9 s broker session. A \
replica whose leader does not answer, and a voter or broker that knows no leader, fetches from a \
voter picked at random and follows the leader it names; a broker with no successful fetch for \
the fetch timeout sends each fetch to a random voter until one succeeds (4.1; 4.2 changed it). A \
Prospective gives up when a majority rejects it or its election timeout passes; a candidate that \
loses waits out its election timeout (4.1; 4.0.0 backed off exponentially). A leader that fails \
check-quorum or shuts down resigns with EndQuorumEpoch naming its successors by fetch offset; \
shutting down, it stays up to 5 s, answering votes, until it learns the new leader. Brokers are \
observers: they fetch the metadata log, replay only what is committed, and learn partition \
leadership only from it. A broker restarted while its previous run's session is still valid is \
refused (DUPLICATE_BROKER_REGISTRATION) and asks again every 2 s; the active controller looks for \
expired sessions every session / 8 = 1.125 s, fences at most one broker per look, and moves its \
leaderships to the first live in-sync replica in assignment order; a new active controller gives \
every unfenced broker a full session. Left out, which matters when comparing with ZooKeeper \
mode: partition data is not replicated, so a returning broker rejoins the ISR of a led partition \
as soon as it is unfenced (in Kafka its leader adds it with AlterPartition once it has caught \
up) and no ISR shrinks for lag (replica.lag.time.max.ms); no preferred-leader rebalancing (Kafka \
runs it every 300 s in both modes; this model only in ZooKeeper mode); no eligible leader \
replicas (KIP-966, on by default in new 4.1 clusters) and no unclean election; controller \
writes are appended at once, not batched for controller.quorum.append.linger.ms = 25 ms, so the \
metadata latency reads up to 25 ms lower; no snapshots (KIP-630) and the log is never trimmed; \
the voter set is static (no KIP-853 reconfiguration). Also simplified: records of one controller \
operation form one atomic batch, sent whole; no topic deletion; topic configs are altered one at \
a time with a ConfigRecord, and config names and values are not validated; replicas are placed \
round-robin over active brokers without racks or a random start; topic ids are small numbers; \
a broker waiting for SHUTDOWN_NOW asks again every 100 ms and gives up after 30 s, and one that \
cannot register never gives up (Kafka: after 60 s); a create-topic or alter-config request with \
no active controller is lost rather than retried; votes and pre-votes are sent once (Kafka sends \
them again to silent voters after the request timeout), EndQuorumEpoch again only after the \
request timeout; a voter does not fetch from itself.";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub controllers: usize,
    pub brokers: usize,
    /// KIP-996 pre-vote (on by default; turn off to show the disruption it prevents).
    pub pre_vote: bool,
    /// `controller.quorum.fetch.timeout.ms`
    pub fetch_timeout_ms: u64,
    /// `controller.quorum.election.timeout.ms`
    pub election_timeout_ms: u64,
    /// MODEL SETTING, not a Kafka config: the upper end of the election timeout's random range
    /// (exclusive), `None` for Kafka's fixed 2 × `election_timeout_ms` (KIP-595: uniform in
    /// [T, 2T)). Kafka exposes no such knob; it is here so that an experiment can draw timeouts
    /// from the ranges of the Raft paper's Figure 16 (150–150 ms, 150–155 ms, …). Scenario key
    /// `model.election.timeout.max.ms`.
    pub election_timeout_max_ms: Option<u64>,
    /// `metadata.max.idle.interval.ms`
    pub noop_interval_ms: u64,
    /// Raft fetch long-poll wait (Kafka: a constant 500 ms, `KafkaRaftClient`'s fetch max wait).
    /// MODEL SETTING under `model.fetch.max.wait.ms`: the Figure 16 preset shortens it below
    /// its 150 ms fetch timeout, as the paper's heartbeats came every half minimum timeout.
    pub fetch_max_wait_ms: u64,
    /// `broker.heartbeat.interval.ms`
    pub broker_heartbeat_interval_ms: u64,
    /// `broker.session.timeout.ms`
    pub broker_session_timeout_ms: u64,
    /// Partitions of the topic `orders` the first active controller creates once enough
    /// brokers are unfenced (0: none); replication factor min(3, brokers).
    pub partitions: u32,
    pub net: NetConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            controllers: 3,
            brokers: 0,
            pre_vote: true,
            fetch_timeout_ms: 2_000,
            election_timeout_ms: 1_000,
            election_timeout_max_ms: None,
            noop_interval_ms: 500,
            fetch_max_wait_ms: 500,
            broker_heartbeat_interval_ms: 2_000,
            broker_session_timeout_ms: 9_000,
            partitions: 0,
            net: NetConfig::default(),
        }
    }
}

impl Config {
    /// The election timeout's random range in µs, `[lo, hi)`: KIP-595's [T, 2T) unless the
    /// model setting `election_timeout_max_ms` says otherwise (a range of one value when
    /// max ≤ T: every voter waits exactly T).
    pub fn election_timeout_range_us(&self) -> (u64, u64) {
        let lo = self.election_timeout_ms * 1_000;
        let hi = self.election_timeout_max_ms.map_or(2 * lo, |max| (max * 1_000).max(lo));
        (lo, hi)
    }

    /// Apply one `set key=value` line (real Kafka config names where one exists).
    pub fn apply_setting(&mut self, key: &str, value: &str) -> Result<(), SettingError> {
        let bad = || SettingError::BadValue { key: key.to_string(), value: value.to_string() };
        let ms = |lo: u64, hi: u64| value.parse::<u64>().ok().filter(|v| (lo..=hi).contains(v)).ok_or_else(bad);
        match key {
            "controller.quorum.fetch.timeout.ms" => self.fetch_timeout_ms = ms(10, 600_000)?,
            "controller.quorum.election.timeout.ms" => self.election_timeout_ms = ms(10, 600_000)?,
            "metadata.max.idle.interval.ms" => self.noop_interval_ms = ms(10, 600_000)?,
            // Model settings (not Kafka configs): see the fields' docs.
            "model.election.timeout.max.ms" => self.election_timeout_max_ms = Some(ms(10, 600_000)?),
            "model.fetch.max.wait.ms" => self.fetch_max_wait_ms = ms(1, 600_000)?,
            "broker.heartbeat.interval.ms" => self.broker_heartbeat_interval_ms = ms(10, 600_000)?,
            "broker.session.timeout.ms" => self.broker_session_timeout_ms = ms(10, 600_000)?,
            "quorum.pre.vote" | "pre.vote" => {
                self.pre_vote = match value {
                    "true" | "on" => true,
                    "false" | "off" => false,
                    _ => return Err(bad()),
                }
            }
            "net.latency.ms" => {
                let v = ms(0, 10_000)?;
                self.net.latency_min_us = v * 1_000;
                self.net.latency_max_us = v * 1_000 + 1;
            }
            _ => return Err(SettingError::UnknownKey(key.to_string())),
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    Election,
    FetchTimeout,
    FetchRetry,
    BeginQuorumResend,
    /// A resigned leader sends EndQuorumEpoch again to the voters that have not answered.
    EndQuorumResend,
    CheckQuorum,
    NoOp,
    /// The long poll of this replica's parked fetch expires.
    FetchWait(NodeId),
    ShutdownDone,
    /// Broker: send the next BrokerHeartbeat (or BrokerRegistration).
    Heartbeat,
    /// Active controller: fence brokers whose session lease expired.
    SessionCheck,
}

/// What the narration can say about a controller.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Note {
    Started {
        epoch: u64,
    },
    FetchTimeout {
        epoch: u64,
    },
    /// An Unattached voter's election timeout (`timeout_ms`, drawn from [T, 2T)) expired with
    /// no leader known: why it starts an election.
    NoLeaderTimeout {
        epoch: u64,
        timeout_ms: u64,
    },
    /// A preferred successor's EndQuorumEpoch wait is over (`resigned` stepped down): why it
    /// starts an election.
    SuccessorTurn {
        epoch: u64,
        resigned: NodeId,
    },
    BecameProspective {
        epoch: u64,
    },
    PreVoteLost {
        epoch: u64,
    },
    /// A majority rejected the pre-vote (Kafka `EpochElection.isVoteRejected`): it gives up
    /// before its election timeout.
    PreVoteRejected {
        epoch: u64,
    },
    BecameCandidate {
        epoch: u64,
    },
    ElectionTimedOut {
        epoch: u64,
    },
    BecameLeader {
        epoch: u64,
    },
    BecameFollower {
        epoch: u64,
        leader: NodeId,
    },
    BecameUnattached {
        epoch: u64,
    },
    Resigned {
        epoch: u64,
    },
    CheckQuorumFailed {
        epoch: u64,
    },
    EndQuorumEpochReceived {
        epoch: u64,
        backoff_ms: u64,
    },
    VoteCast {
        candidate: NodeId,
        epoch: u64,
        pre_vote: bool,
        granted: bool,
    },
    Truncated {
        to_offset: u64,
        dropped: u64,
    },
    /// The active controller appended a metadata change (one atomic batch) ending before
    /// `end_offset`.
    MetadataChange {
        change: Change,
        epoch: u64,
        end_offset: u64,
    },
    /// The active controller refused to create a topic.
    TopicRefused {
        name: String,
        reason: RefuseReason,
    },
    /// The active controller refused to alter a topic's config: the topic does not exist
    /// (UNKNOWN_TOPIC_OR_PARTITION).
    ConfigRefusedUnknownTopic {
        topic: String,
    },
    /// The config already has that value: the controller writes no record (KIP-631
    /// `ConfigurationControlManager`: records only for changed topic configs).
    ConfigUnchanged {
        topic: String,
        key: String,
        value: String,
    },
    // Brokers.
    /// A broker found the quorum leader (the active controller) and fetches from it.
    BrokerFollows {
        leader: NodeId,
        epoch: u64,
    },
    /// A broker heard nothing from its fetch target within the fetch timeout.
    BrokerFetchTimeout,
    /// The registration was committed: broker epoch, still fenced.
    BrokerRegistered {
        broker_epoch: u64,
    },
    /// The heartbeat response says the broker is now unfenced (true) or fenced (false).
    BrokerUnfencedNow,
    BrokerFencedNow,
    /// The controller replaced this registration: register again.
    BrokerStaleEpoch,
    /// DUPLICATE_BROKER_REGISTRATION: the previous run's session is still valid; the broker asks
    /// again in `retry_ms`.
    BrokerDuplicateRegistration {
        retry_ms: u64,
    },
    BrokerShuttingDown,
    BrokerShutdownDone,
    BrokerShutdownGaveUp,
    /// What a person's action did (the world notes it).
    Action(world::ActionNote),
}

/// What a metadata change did (for narration and the latency metric).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    Registered {
        broker: NodeId,
        broker_epoch: u64,
        /// PartitionChangeRecords written first, for a previous incarnation still in ISRs.
        partition_changes: u64,
    },
    Unfenced {
        broker: NodeId,
        partition_changes: u64,
    },
    Fenced {
        broker: NodeId,
        partition_changes: u64,
    },
    ControlledShutdown {
        broker: NodeId,
        partition_changes: u64,
    },
    ShutdownNow {
        broker: NodeId,
    },
    TopicCreated {
        name: String,
        partitions: u32,
        replication_factor: u32,
    },
    /// One ConfigRecord for a topic.
    ConfigAltered {
        topic: String,
        key: String,
        value: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RefuseReason {
    /// TOPIC_ALREADY_EXISTS
    AlreadyExists,
    /// INVALID_PARTITIONS / INVALID_REPLICATION_FACTOR (zero)
    Invalid,
    /// INVALID_REPLICATION_FACTOR: fewer active brokers than replicas.
    NotEnoughBrokers { replication_factor: u32, active: u32 },
}

/// A client operation (the admin client's request to the active controller).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cmd {
    CreateTopic {
        name: String,
        partitions: u32,
        replication_factor: u32,
    },
    /// IncrementalAlterConfigs with one SET of one topic config.
    AlterConfig {
        topic: String,
        key: String,
        value: String,
    },
}

/// Hashed into the trace. `CreateTopic` hashes as it did when it was the only variant (a
/// derived `Hash` writes no discriminant for a one-variant enum), so the trace hashes of
/// scenarios without `alter-config` did not change when `AlterConfig` was added.
impl std::hash::Hash for Cmd {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Cmd::CreateTopic { name, partitions, replication_factor } => {
                (name, partitions, replication_factor).hash(state)
            }
            Cmd::AlterConfig { topic, key, value } => ("AlterConfig", topic, key, value).hash(state),
        }
    }
}

/// A process in KRaft mode.
// One value per process, kept in the world's Vec and never moved: variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Node {
    Controller(Controller),
    Broker(Broker),
}

impl Node {
    pub fn as_controller(&self) -> Option<&Controller> {
        match self {
            Node::Controller(c) => Some(c),
            Node::Broker(_) => None,
        }
    }
    pub fn as_broker(&self) -> Option<&Broker> {
        match self {
            Node::Broker(b) => Some(b),
            Node::Controller(_) => None,
        }
    }
}

impl world::Node for Node {
    type Msg = Msg;
    type Timer = Timer;
    type Note = Note;
    type Cmd = Cmd;

    fn step(&mut self, now: Time, input: In<Self>, out: &mut Vec<Out<Self>>) {
        match self {
            Node::Controller(c) => c.step(now, input, out),
            Node::Broker(b) => b.step(now, input, out),
        }
    }

    fn crash(&mut self) {
        match self {
            Node::Controller(c) => c.crash(),
            Node::Broker(b) => b.crash(),
        }
    }

    fn action_note(note: world::ActionNote) -> Note {
        Note::Action(note)
    }

    fn resolve(nodes: &[Self], alive: &[bool], role: RoleRef) -> Option<NodeId> {
        match role {
            // In KRaft the quorum leader is the active controller.
            RoleRef::Leader | RoleRef::Controller => {
                let mut best: Option<(u64, NodeId)> = None;
                for (id, node) in nodes.iter().enumerate() {
                    let Node::Controller(c) = node else { continue };
                    if alive.get(id).copied().unwrap_or(false) && c.is_leader() && best.is_none_or(|(e, _)| c.epoch > e)
                    {
                        best = Some((c.epoch, id));
                    }
                }
                best.map(|(_, id)| id)
            }
        }
    }
}

#[cfg(test)]
mod config_tests {
    use super::Config;

    #[test]
    fn the_election_timeout_range_is_kafkas_unless_the_model_setting_changes_it() {
        let mut c = Config::default();
        // KIP-595: uniform in [T, 2T).
        assert_eq!(c.election_timeout_range_us(), (1_000_000, 2_000_000));
        c.apply_setting("controller.quorum.election.timeout.ms", "150").unwrap();
        assert_eq!(c.election_timeout_range_us(), (150_000, 300_000));
        // The Raft paper's Figure 16 ranges: 150–155 ms, and 150–150 ms (no randomness).
        c.apply_setting("model.election.timeout.max.ms", "155").unwrap();
        assert_eq!(c.election_timeout_range_us(), (150_000, 155_000));
        c.apply_setting("model.election.timeout.max.ms", "150").unwrap();
        assert_eq!(c.election_timeout_range_us(), (150_000, 150_000));
        c.apply_setting("model.fetch.max.wait.ms", "75").unwrap();
        assert_eq!(c.fetch_max_wait_ms, 75);
    }
}
