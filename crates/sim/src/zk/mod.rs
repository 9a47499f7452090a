//! ZooKeeper mode: a ZooKeeper ensemble running Fast Leader Election and ZAB, with znodes,
//! sessions and watches, and Kafka brokers that use it to elect a controller (domain.md §1, §2).
//!
//! Everything is a sans-IO node on the shared [`World`](crate::world::World): `zk1..zkN` are the
//! voting servers, then the observers `zk(N+1)..zk(N+O)`, then the brokers `b1..bM`; `ids.rs`
//! converts sids and broker ids to node ids.
//!
//! ```text
//! let mut config = zk::Config { ensemble: 5, brokers: 3, partitions: 100, ..zk::Config::default() };
//! config.apply_setting("tickTime", "2000")?;           // `set` lines, real key names
//! let mut cluster = zk::Cluster::new(seed, config);     // implements cluster::Cluster, mode "zk"
//! cluster.schedule(at, &ScenarioAction::Crash(NodeRef::Leader))?;
//! cluster.run_until(Time::from_secs(60), usize::MAX);   // invariants checked after every event
//! ```
//!
//! Setting keys ([`Config::apply_setting`]): `tickTime`, `initLimit`, `syncLimit`,
//! `finalizeWait`, `zookeeper.fastleader.minNotificationInterval`,
//! `zookeeper.fastleader.maxNotificationInterval`, `minSessionTimeout`, `maxSessionTimeout`,
//! `zookeeper.session.timeout.ms`, `unclean.leader.election.enable`,
//! `auto.leader.rebalance.enable`, `leader.imbalance.check.interval.seconds`,
//! `controlled.shutdown.max.retries`, `controlled.shutdown.retry.backoff.ms`, `ensemble`,
//! `observers`, `brokers`, `partitions`, `replication.factor`, `controller.load.batch`,
//! `controller.load.us.per.partition`, `latency.min.us`, `latency.max.us`, `jitter.us`.
//!
//! Files by concept: `server.rs` (a server's state and dispatch), `election.rs` (FLE), `zab.rs`
//! (the learner side of ZAB and the sync choice), `zab/leader.rs` (the ZAB leader), `tree.rs`
//! (znodes), `session.rs` (client connections, sessions, watches on the server), `client.rs`
//! (the ZooKeeper client in each broker), `kafka/` (the broker, and in `kafka/controller/` the
//! Kafka controller), `ids.rs` (sids, broker ids, node ids), `check.rs` (invariants),
//! `latency.rs` (the metadata-change latency), `cluster.rs` (the `Cluster` this mode offers, and
//! its narration), `inspect.rs` (the inspector's lines), `config.rs` (settings), `msg.rs` (wire
//! messages).

pub mod check;
pub mod client;
pub mod cluster;
pub mod config;
pub mod election;
pub mod ids;
mod inspect;
pub mod kafka;
mod latency;
pub mod msg;
pub mod server;
pub mod session;
#[cfg(test)]
pub(crate) mod testkit;
pub mod tree;
pub mod zab;

use crate::time::Time;
use crate::world::{self, RoleRef};
use crate::NodeId;

pub use cluster::Cluster;
pub use config::Config;
pub use kafka::Broker;
pub use msg::{Msg, ServerState, Sid, Zxid};
pub use server::Server;

/// What the app shows under "about this model" for ZooKeeper mode.
pub const ABOUT_ZK_MODEL: &str = "\
ZooKeeper mode simulates a ZooKeeper ensemble of 3, 5 or 7 voting servers (plus optional \
observers) and the Kafka brokers that use it. The servers elect a leader with Fast Leader Election as FastLeaderElection.java does. \
Notifications carry (leader, zxid, election epoch, peer epoch, state); votes are ordered by \
peer epoch, then zxid, then server id; a quorum in a LOOKING round is followed by a 200 ms \
finalize wait; the notification timeout doubles from 200 ms to 60 s; and servers that are not \
looking answer, so a restarted server rejoins without a new election, at once, when a quorum \
of FOLLOWING/LEADING answers names a leader that says LEADING (no finalize wait). The leader \
then runs ZAB as ZooKeeper implements it: FOLLOWERINFO, LEADERINFO and ACKEPOCH (the new epoch \
is one more than the highest acceptedEpoch of the learners that connected in time, observers \
included, once a quorum of voters did); a DIFF, TRUNC or SNAP sync chosen as syncFollower \
chooses it (500 committed proposals in memory, a txn-log diff up to a third of the snapshot); \
NEWLEADER, ACK and UPTODATE, after which every server answers LOOKING servers with the new \
epoch as its vote's peer epoch (updateElectionVote, ZOOKEEPER-1732); then PROPOSAL, ACK and \
COMMIT with zxid = epoch << 32 | counter. The leader pings every half tick, and the initLimit \
and syncLimit timeouts apply, with the values of zoo_sample.cfg, the sample configuration \
ZooKeeper ships and Kafka deployments commonly start from: tickTime 2000 ms, initLimit 10, \
syncLimit 5 (ZooKeeper's built-in tickTime default is 3000, initLimit and syncLimit have none, \
and Kafka's config/zookeeper.properties sets none of them). Observers send OBSERVERINFO, \
learn commits by INFORM, serve clients, and never vote or count toward a quorum. A crashed process's operating \
system resets its connections, so peers notice at once; a partition is noticed only by \
timeouts. The leader tracks sessions in tick-wide buckets and expires them through a \
closeSession transaction that deletes their ephemeral znodes. Watches are one-shot and fire \
before the reply that could reveal the new data. Brokers hold 18 s sessions, register \
/brokers/ids/N, and race for /controller with a multi that bumps /controller_epoch. The \
controller loads the cluster state, writes partition states conditionally on its epoch, and \
sends LeaderAndIsr and UpdateMetadata; brokers reject older controller epochs. \
\
Simplifications: version checks are evaluated when a transaction is \
applied (identically on every server) rather than in the leader's request pipeline, and the \
ops of one multi may not depend on each other. Session ids are the zxid of their \
createSession. A connection that loses a packet is treated as broken (TCP would retransmit or \
time out). Snapshot size is counted in znodes, not bytes, and no snapshots are taken after \
the initial one. Partition state znodes are kept in a compact table, and the initial topic is \
placed round-robin from broker 1. Replication itself is not simulated: a returning replica \
rejoins the ISR when the controller sees it come back (the controller writes it, standing in \
for the leader's AlterPartition, and sends only UpdateMetadata for it). When one read of \
/brokers/ids finds brokers gone and brokers bounced (back in a new session), their failures \
are handled together, then the bounced ones start again. Kafka's controller-to-broker requests \
are not retried. A broker whose old registration still exists retries every tick instead of \
exiting. A controller that loses its ZooKeeper connection in the middle of a write reloads its \
state. The automatic leader rebalance moves every imbalanced partition, without the 10 % \
threshold. Topics are created, and their configs altered, by the ZooKeeper leader on behalf of the admin \
tool, without a session; a config change writes /config/topics/T and a sequential \
/config/changes/config_change_ znode, and every broker holds a child watch on /config/changes, \
reads each new change and then the topic's config, and re-arms the watch (old change znodes \
are never purged, and config values are not validated). The \
controller's metadata load is charged 135 us per partition, read in batches of 1 000; this is \
calibrated on Kafka's published figure of about 14 s for 100 000 partitions. \
The metadata-change latency counts topic creations and topic config changes, from ZooKeeper's \
commit of /brokers/topics/T or of the /config/changes notification to the moment every live \
registered broker has the topic's partitions from UpdateMetadata or has applied the config.";

/// Timers of servers and brokers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// FLE notification timeout (200 ms doubling to 60 s).
    ElectionPoll,
    /// FLE finalizeWait (200 ms).
    FinalizeWait,
    /// Leader: discovery/sync bounded by initLimit ticks.
    InitLimit,
    /// Follower: nothing from the leader for syncLimit (initLimit while syncing) ticks.
    PeerTimeout,
    /// Follower: retry connecting to a leader that is not listening yet.
    LearnerConnect,
    /// Leader: every tickTime/2 (pings, synced-quorum check every tick).
    Tick,
    /// Leader: session expiry, at every tick boundary.
    SessionCheck,
    /// Client: send a PING.
    ClientPing,
    /// Client: nothing heard from the server within the read timeout.
    ClientTimeout,
    /// Client: try to (re)connect.
    Reconnect,
    /// Broker: retry registration (old ephemeral still there).
    RegisterRetry,
    /// Controller: the metadata load's processing time for one batch.
    Load,
    /// Controller: automatic preferred-replica election (5 s after failover, then every
    /// `leader.imbalance.check.interval.seconds`).
    Rebalance,
    /// Broker: controlled shutdown retry backoff.
    ShutdownRetry,
    /// Controller: the processing time of the next partition-state write (the model setting
    /// `controller.write.us.per.partition`; never set while it is 0, the default).
    WriteCost,
}

/// Narration and checker input.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Note {
    ElectionRound {
        round: u64,
    },
    /// A LOOKING round ended: a quorum agreed with this server's proposal and no better vote
    /// came within finalizeWait (`lookForLeader`'s finalize loop).
    Elected {
        leader: Sid,
        round: u64,
    },
    /// This server joined a leader that is already LEADING: FOLLOWING/LEADING notifications
    /// from a quorum named it (`receivedFollowingNotification`), decided at once, with no
    /// finalize wait.
    Joined {
        leader: Sid,
        round: u64,
    },
    /// A LOOKING server changes its proposal to `to`: a notification's vote won
    /// totalOrderPredicate (`why` says by which step).
    VoteSwitched {
        to: Sid,
        why: election::VoteWin,
    },
    Looking,
    NewEpoch {
        epoch: u64,
    },
    Synced {
        mode: &'static str,
    },
    UpToDate,
    Established {
        epoch: u64,
    },
    GaveUp {
        reason: GiveUp,
    },
    /// A learner heard nothing from its leader for `limit` ticks.
    LeaderTimeout {
        limit: Limit,
    },
    LeaderLost,
    /// The leader expires a session it has not heard of for `idle_ms` (≥ its timeout).
    SessionExpired {
        session: u64,
        idle_ms: u64,
        timeout_ms: u64,
    },
    // --- brokers ---
    ZkConnected {
        server: NodeId,
        session: u64,
    },
    ZkDisconnected,
    ZkSessionExpired,
    Registered {
        broker: u32,
        broker_epoch: u64,
    },
    ControllerElected {
        broker: u32,
        epoch: u32,
        zxid: Zxid,
    },
    ControllerResigned {
        broker: u32,
        epoch: u32,
    },
    /// The broker's watch on `/controller` fired with NodeDeleted: it goes for the znode.
    ControllerGone,
    /// The broker's `/controller` create lost the race: the znode exists (NODEEXISTS), or
    /// `/controller_epoch` changed under it (BADVERSION).
    ControllerRaceLost {
        exists: bool,
    },
    /// The controller read `/brokers/ids` after its child watch fired (processBrokerChange):
    /// the brokers whose znode appeared, disappeared, or came back with a larger czxid.
    BrokerChange {
        joined: Vec<u32>,
        left: Vec<u32>,
        bounced: Vec<u32>,
    },
    LoadStarted {
        partitions: u64,
    },
    LoadDone {
        partitions: u64,
        ms: u64,
    },
    /// Partition states written by the controller (committed at `zxid`).
    StatesWritten {
        controller_epoch: u32,
        zxid: Zxid,
        topic: String,
        updates: msg::Shared<Vec<msg::StateUpdate>>,
    },
    StatesCreated {
        controller_epoch: u32,
        zxid: Zxid,
        topic: String,
        states: msg::Shared<Vec<msg::PartState>>,
    },
    /// The ZooKeeper leader applied partition-state writes at `zxid` while `/controller_epoch`
    /// held `epoch_in_force` (the checker's independent view of what committed).
    StatesApplied {
        zxid: Zxid,
        epoch_in_force: u64,
        topic: String,
        changes: msg::States,
        created: bool,
    },
    /// A broker took the partitions of a LeaderAndIsr whose leader epoch is newer than the one
    /// it has, and ignored the others.
    LeaderAndIsrApplied {
        controller_epoch: u32,
        partitions: u32,
        ignored: u32,
    },
    StaleControllerEpoch {
        controller_epoch: u32,
        known: u32,
    },
    Fenced {
        broker: u32,
        epoch: u32,
    },
    ControlledShutdownDone {
        broker: u32,
    },
    TopicCreated {
        topic: String,
        partitions: u32,
    },
    /// The admin tool's config write (`AdminZkClient.changeTopicConfig`), proposed by the
    /// ZooKeeper leader: `/config/topics/T`, then a `/config/changes/config_change_` sequential.
    ConfigChangeWritten {
        topic: String,
        key: String,
        value: String,
    },
    /// `changeTopicConfig` refused: `/brokers/topics/T` does not exist
    /// (UnknownTopicOrPartitionException).
    ConfigRefusedUnknownTopic {
        topic: String,
    },
    /// A broker processed config change `change` (the sequential znode's name) and now uses
    /// these configs for `topic`.
    /// DynamicConfigManager.startup applied a topic's overrides read from `/config/topics/T`.
    TopicConfigLoaded {
        topic: String,
        configs: msg::Shared<Vec<(String, String)>>,
    },
    TopicConfigApplied {
        topic: String,
        change: String,
        configs: msg::Shared<Vec<(String, String)>>,
    },
    /// A protocol rule the node itself saw broken (checked by the invariant checker).
    Violation(String),
    /// What a person's action did (the world notes it).
    Action(world::ActionNote),
}

/// Why a ZooKeeper leader gives up leading and goes LOOKING.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GiveUp {
    /// Discovery or sync did not reach a quorum within initLimit ticks (`getEpochToPropose`,
    /// `waitForEpochAck`, `waitForNewLeaderAck`).
    InitLimit,
    /// Fewer than a quorum of followers were heard from within syncLimit ticks ("Not sufficient
    /// followers synced, only synced with sids").
    NotSynced,
    /// A follower's ACKEPOCH showed a more recent history than the leader's.
    FollowerAhead,
}

/// ZooKeeper's two learner timeouts, in ticks of `tickTime`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// `initLimit`: connecting to the leader and syncing with it.
    InitLimit,
    /// `syncLimit`: once synced.
    SyncLimit,
}

impl Limit {
    /// The setting's name, as ZooKeeper's configuration spells it.
    pub fn name(self) -> &'static str {
        match self {
            Limit::InitLimit => "initLimit",
            Limit::SyncLimit => "syncLimit",
        }
    }

    /// (ticks, tickTime ms) in `config`.
    pub fn ticks(self, config: &Config) -> (u64, u64) {
        let ticks = match self {
            Limit::InitLimit => config.init_limit,
            Limit::SyncLimit => config.sync_limit,
        };
        (ticks, config.tick_time_ms)
    }
}

/// What a user or scenario asks a node to do.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cmd {
    /// `kafka-topics --create` through the admin path (writes `/brokers/topics/T`).
    CreateTopic { name: String, partitions: u32, replication_factor: u32 },
    /// `kafka-configs --zookeeper --alter --entity-type topics --add-config key=value`.
    AlterConfig { topic: String, key: String, value: String },
}

pub type In = world::In<Node>;
pub type Out = world::Out<Node>;

/// A process in ZooKeeper mode.
#[derive(Clone, Debug)]
pub enum Node {
    Server(Box<Server>),
    Broker(Box<Broker>),
}

impl Node {
    pub fn as_server(&self) -> Option<&Server> {
        match self {
            Node::Server(s) => Some(s),
            Node::Broker(_) => None,
        }
    }
    pub fn as_broker(&self) -> Option<&Broker> {
        match self {
            Node::Broker(b) => Some(b),
            Node::Server(_) => None,
        }
    }
}

impl world::Node for Node {
    type Msg = Msg;
    type Timer = Timer;
    type Note = Note;
    type Cmd = Cmd;

    fn step(&mut self, now: Time, input: In, out: &mut Vec<Out>) {
        match self {
            Node::Server(s) => s.step(now, input, out),
            Node::Broker(b) => b.step(now, input, out),
        }
    }

    fn crash(&mut self) {
        match self {
            Node::Server(s) => s.crash(),
            Node::Broker(b) => b.crash(),
        }
    }

    /// A dying process's sockets are closed by its operating system: every peer with a
    /// connection sees a reset at once (a partition still drops it).
    fn farewell(&self) -> Option<Msg> {
        Some(Msg::Reset)
    }

    fn action_note(note: world::ActionNote) -> Note {
        Note::Action(note)
    }

    /// `leader`: the established ZooKeeper leader with the highest epoch; `controller`: the
    /// live broker that holds `/controller` with the highest controller epoch.
    fn resolve(nodes: &[Node], alive: &[bool], role: RoleRef) -> Option<NodeId> {
        let live = |i: &usize| alive.get(*i).copied().unwrap_or(false);
        match role {
            RoleRef::Leader => nodes
                .iter()
                .enumerate()
                .filter(|(i, _)| live(i))
                .filter_map(|(i, n)| n.as_server().and_then(|s| s.established_epoch()).map(|e| (e, i)))
                .max()
                .map(|(_, i)| i),
            RoleRef::Controller => nodes
                .iter()
                .enumerate()
                .filter(|(i, _)| live(i))
                .filter_map(|(i, n)| n.as_broker().and_then(|b| b.controller_epoch()).map(|e| (e, i)))
                .max()
                .map(|(_, i)| i),
        }
    }
}
