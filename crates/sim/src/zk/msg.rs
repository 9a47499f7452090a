//! Wire messages of ZooKeeper mode: FLE notifications, ZAB quorum packets (packet names and codes
//! from `Leader.java`), the ZooKeeper client protocol, and the Kafka controller's requests.
//!
//! Quorum and client packets travel on TCP connections. The world's network may drop a single
//! message; on TCP that cannot leave a hole, so each connection numbers its packets and a
//! receiver that sees a gap treats the connection as broken (as TCP would after its
//! retransmissions fail). FLE notifications need no such care: the election resends them.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::rc::Rc;

use crate::hash::TraceHasher;

use crate::world::{Message, MsgClass};

use std::cell::RefCell;

use super::tree::{DataTree, Stat, StateMemo, StateZnode};

mod states;
pub use states::{Positions, States, Table, TopicStates};

/// A large payload shared by messages, logs and trees: cloned by reference, and hashed (for
/// the trace hash and digests) by a digest of its content computed once, when it is built,
/// rather than on every delivery. It also keeps what applying it to a partition-state table
/// gave (`tree::StateMemo`), so that the servers applying the same transaction to the same
/// states share the result rather than each copying the table.
#[derive(Clone)]
pub struct Shared<T> {
    value: Rc<(T, RefCell<Vec<StateMemo>>)>,
    digest: u64,
}

impl<T: Hash> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        let mut h = TraceHasher::default();
        h.add(&value);
        Shared { value: Rc::new((value, RefCell::new(Vec::new()))), digest: h.value() }
    }
}

impl<T> Shared<T> {
    pub(crate) fn memo(&self) -> &RefCell<Vec<StateMemo>> {
        &self.value.1
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    /// As before the memo was kept beside the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared").field("value", &self.value.0).field("digest", &self.digest).finish()
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value.0
    }
}

impl<T> Hash for Shared<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.digest.hash(state);
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest
    }
}
impl<T> Eq for Shared<T> {}

pub use super::ids::Sid;
/// `(epoch << 32) | counter` (ZAB).
pub type Zxid = u64;

pub const fn make_zxid(epoch: u64, counter: u64) -> Zxid {
    (epoch << 32) | (counter & 0xffff_ffff)
}
pub const fn epoch_of(zxid: Zxid) -> u64 {
    zxid >> 32
}
pub const fn counter_of(zxid: Zxid) -> u64 {
    zxid & 0xffff_ffff
}

/// `QuorumPeer.ServerState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServerState {
    Looking,
    Following,
    Leading,
    Observing,
}

/// A vote: whom a server proposes, and the tuple FLE compares (FLE: `Vote`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Vote {
    pub leader: Sid,
    pub zxid: Zxid,
    pub election_epoch: u64,
    pub peer_epoch: u64,
}

/// FLE: `buildMsg` (sid, proposed leader, zxid, electionEpoch, peerEpoch, state).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Notification {
    pub vote: Vote,
    pub state: ServerState,
}

/// Kafka's partition `state` znode: `{leader, leader_epoch, controller_epoch, isr}`.
/// The ISR is a bit set of broker ids (bit `id - 1`; brokers 1..=64 in this model).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct PartState {
    pub leader: i32,
    pub leader_epoch: u32,
    pub controller_epoch: u32,
    pub isr: u64,
}

impl PartState {
    pub fn in_isr(&self, broker: u32) -> bool {
        (1..=64).contains(&broker) && self.isr & (1u64 << (broker - 1)) != 0
    }
}

pub fn isr_bit(broker: u32) -> u64 {
    if (1..=64).contains(&broker) {
        1u64 << (broker - 1)
    } else {
        0
    }
}

/// Replica assignment of a topic (`/brokers/topics/T`): `rf` replicas per partition, flat.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Assignment {
    pub rf: u32,
    pub replicas: Vec<u32>,
}

impl Assignment {
    pub fn partitions(&self) -> u32 {
        if self.rf == 0 {
            0
        } else {
            (self.replicas.len() / self.rf as usize) as u32
        }
    }
    pub fn replicas_of(&self, partition: u32) -> &[u32] {
        let rf = self.rf as usize;
        let start = partition as usize * rf;
        self.replicas.get(start..start + rf).unwrap_or(&[])
    }
    /// Round-robin placement: replica `j` of partition `p` on broker `(p + j) % brokers + 1`.
    /// (Kafka's `assignReplicasToBrokers` also starts at a random broker and shifts followers;
    /// the model keeps the placement fixed so that seeds are comparable.)
    pub fn round_robin(partitions: u32, rf: u32, brokers: u32) -> Assignment {
        let rf = rf.clamp(1, brokers.max(1));
        let mut replicas = Vec::with_capacity(partitions as usize * rf as usize);
        for p in 0..partitions {
            for j in 0..rf {
                replicas.push((p + j) % brokers.max(1) + 1);
            }
        }
        Assignment { rf, replicas }
    }
}

/// What a znode holds. Typed instead of bytes: the model never parses JSON.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Data {
    #[default]
    Empty,
    /// `/controller_epoch`.
    Int(u64),
    /// `/controller` and `/brokers/ids/N`: a broker id.
    Broker(u32),
    /// `/brokers/topics/T`.
    Assignment(Shared<Assignment>),
    /// `/config/topics/T`: `{"version":1,"config":{...}}`, the topic's config overrides sorted
    /// by name.
    TopicConfig(Shared<Vec<(String, String)>>),
    /// `/config/changes/config_change_N`: `{"version":2,"entity_path":"topics/T"}`.
    ConfigChange { entity_path: String },
}

/// One conditional partition-state write (`…/partitions/P/state`, expected zkVersion).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StateUpdate {
    pub partition: u32,
    pub state: PartState,
    pub expected_version: u32,
}

/// A write operation (ZooKeeper `Op`, plus two batched forms for partition states).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Create {
        path: String,
        data: Data,
        ephemeral: bool,
        sequential: bool,
    },
    /// `version: None` is ZooKeeper's −1 (any version).
    SetData {
        path: String,
        data: Data,
        version: Option<u32>,
    },
    Delete {
        path: String,
        version: Option<u32>,
    },
    Check {
        path: String,
        version: u32,
    },
    /// Creates `/brokers/topics/T/partitions/P/state` for every partition (Kafka issues these as
    /// pipelined async creates; the model batches them into one transaction).
    CreateStates {
        topic: String,
        states: Shared<Vec<PartState>>,
    },
    /// Conditional setData on many state znodes; each one is checked on its own zkVersion
    /// (Kafka's `updateLeaderAndIsr` batch), the failures are reported back.
    SetStates {
        topic: String,
        updates: Shared<Vec<StateUpdate>>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReadOp {
    GetData {
        path: String,
        watch: bool,
    },
    Exists {
        path: String,
        watch: bool,
    },
    GetChildren {
        path: String,
        watch: bool,
    },
    /// Reads `count` partition state znodes of a topic from `from` (one pipelined batch).
    GetStates {
        topic: String,
        from: u32,
        count: u32,
    },
}

/// ZooKeeper `KeeperException.Code`s the model produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZkError {
    /// −4
    ConnectionLoss,
    /// −101
    NoNode,
    /// −103
    BadVersion,
    /// −108
    NoChildrenForEphemerals,
    /// −110
    NodeExists,
    /// −111
    NotEmpty,
    /// −112
    SessionExpired,
    /// −8
    BadArguments,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OpResult {
    Created {
        path: String,
        stat: Stat,
    },
    SetData(Stat),
    Deleted,
    Checked,
    StatesCreated,
    /// Partitions whose expected zkVersion did not match.
    StatesSet {
        failed: Vec<u32>,
    },
    Multi(Vec<OpResult>),
    Data {
        data: Data,
        stat: Stat,
    },
    Exists(Option<Stat>),
    /// Children with their czxid (Kafka reads each broker's czxid as its epoch, KIP-380),
    /// and the parent's pzxid.
    Children {
        children: Vec<(String, Zxid)>,
        pzxid: Zxid,
    },
    States {
        from: u32,
        states: Vec<StateZnode>,
    },
    SessionClosed,
}

pub type ZkResult = Result<OpResult, ZkError>;

/// What a transaction does once committed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TxnBody {
    CreateSession {
        timeout_ms: u64,
    },
    CloseSession {
        session: u64,
    },
    /// One op, or a multi (all or nothing).
    Write {
        ops: Vec<Op>,
        multi: bool,
    },
}

/// Who to answer once a transaction is applied: the server the client is connected to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub server: Sid,
    pub client: usize,
    pub xid: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Txn {
    pub zxid: Zxid,
    pub session: u64,
    pub origin: Option<Origin>,
    pub body: TxnBody,
}

/// A state the follower can load (SNAP): the leader's committed tree.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub tree: DataTree,
    pub zxid: Zxid,
    /// How many transactions the tree contains since the very first state, and their digest
    /// chain (for the invariant checker).
    pub applied_count: u64,
    pub digest: u64,
}

/// A snapshot on the wire: shared, hashed by identity (zxid, count, digest), not by content.
#[derive(Clone, Debug)]
pub struct SnapRef(pub Rc<Snapshot>);

impl Hash for SnapRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.0.zxid, self.0.applied_count, self.0.digest).hash(state);
    }
}
impl PartialEq for SnapRef {
    fn eq(&self, other: &Self) -> bool {
        (self.0.zxid, self.0.digest) == (other.0.zxid, other.0.digest)
    }
}
impl Eq for SnapRef {}

/// `LearnerHandler.syncFollower`'s choice.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SyncMode {
    /// DIFF(13): the learner gets the transactions it lacks.
    Diff,
    /// TRUNC(14): the learner drops what follows `zxid`, then gets what it lacks.
    Trunc { zxid: Zxid },
    /// SNAP(15): the learner replaces its state with the leader's snapshot.
    Snap(SnapRef),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyncPayload {
    pub mode: SyncMode,
    /// The PROPOSAL (and COMMIT, up to `committed`) packets that follow the sync packet.
    pub txns: Vec<Rc<Txn>>,
}

/// A client write forwarded by a follower to the leader: REQUEST(1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Request {
    pub session: u64,
    pub origin: Origin,
    pub body: TxnBody,
}

/// ZAB packets (`Leader.java` codes in the comments).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum QuorumPacket {
    /// FOLLOWERINFO(11): zxid = (acceptedEpoch, 0).
    FollowerInfo { accepted_epoch: u64 },
    /// OBSERVERINFO(16): the same from an observer.
    ObserverInfo { accepted_epoch: u64 },
    /// LEADERINFO(17).
    LeaderInfo { new_epoch: u64 },
    /// ACKEPOCH(18): `None` is −1 ("I had already accepted this epoch").
    AckEpoch { current_epoch: Option<u64>, last_zxid: Zxid },
    /// DIFF(13) / TRUNC(14) / SNAP(15) with the proposals that follow.
    Sync(Box<SyncPayload>),
    /// NEWLEADER(10).
    NewLeader { zxid: Zxid },
    /// ACK(3): of NEWLEADER or of proposals up to `zxid` (the channel is FIFO, so an ACK of
    /// `zxid` means every earlier proposal was logged too).
    Ack { zxid: Zxid },
    /// UPTODATE(12): start serving; everything up to `committed` is committed.
    UpToDate { committed: Zxid },
    /// PROPOSAL(2).
    Proposal(Rc<Txn>),
    /// COMMIT(4).
    Commit { zxid: Zxid },
    /// INFORM(8): a committed transaction, to observers (which never acknowledge).
    Inform(Rc<Txn>),
    /// PING(5). From a follower it carries the session touches (`Learner.ping`).
    Ping { touches: Vec<(u64, u64)> },
    /// REQUEST(1).
    Request(Box<Request>),
}

/// The ZooKeeper client protocol (one TCP connection per client).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClientPacket {
    /// ConnectRequest, carrying SetWatches for a reconnect (relative zxid = last seen).
    Connect {
        session: u64,
        timeout_ms: u64,
        last_zxid_seen: Zxid,
        watches: Vec<(String, WatchKind)>,
    },
    /// ConnectResponse; `session == 0` means the session has expired.
    Connected {
        session: u64,
        timeout_ms: u64,
    },
    Request {
        xid: u64,
        op: ClientOp,
    },
    Reply {
        xid: u64,
        zxid: Zxid,
        result: ZkResult,
    },
    /// A watch notification (`WatcherEvent`).
    Event {
        path: String,
        event: EventType,
        zxid: Zxid,
    },
    Ping,
    PingReply,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClientOp {
    Read(ReadOp),
    Write { ops: Vec<Op>, multi: bool },
    CloseSession,
}

/// `Watcher.Event.EventType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventType {
    NodeCreated,
    NodeDeleted,
    NodeDataChanged,
    NodeChildrenChanged,
}

impl EventType {
    pub fn code(self) -> i32 {
        match self {
            EventType::NodeCreated => 1,
            EventType::NodeDeleted => 2,
            EventType::NodeDataChanged => 3,
            EventType::NodeChildrenChanged => 4,
        }
    }
}

/// The client's three watch tables (`ZKWatchManager`): data (getData), exist (exists on a
/// missing node) and child (getChildren).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WatchKind {
    Data,
    Exist,
    Child,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KafkaMsg {
    LeaderAndIsr {
        controller_epoch: u32,
        partitions: Shared<Vec<TopicStates>>,
    },
    UpdateMetadata {
        controller_epoch: u32,
        live_brokers: Vec<u32>,
        partitions: Shared<Vec<TopicStates>>,
    },
    /// The answer to LeaderAndIsr/UpdateMetadata: `stale` is STALE_CONTROLLER_EPOCH.
    ControlResponse {
        api: &'static str,
        stale: bool,
    },
    ControlledShutdown {
        broker: u32,
        broker_epoch: u64,
    },
    ControlledShutdownResponse {
        ok: bool,
        remaining: u32,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    Notification(Notification),
    /// A ZAB packet on a learner connection; `seq` numbers the packets of one direction.
    Quorum {
        seq: u32,
        pkt: QuorumPacket,
    },
    /// A ZooKeeper client packet; `seq` numbers the packets of one direction.
    Client {
        seq: u32,
        pkt: ClientPacket,
    },
    Kafka(KafkaMsg),
    /// The peer closed the connection (TCP RST / FIN).
    Reset,
}

impl Message for Msg {
    fn class(&self) -> MsgClass {
        match self {
            Msg::Notification(_) => MsgClass::Notification,
            Msg::Quorum { pkt, .. } => match pkt {
                QuorumPacket::FollowerInfo { .. }
                | QuorumPacket::ObserverInfo { .. }
                | QuorumPacket::LeaderInfo { .. }
                | QuorumPacket::AckEpoch { .. }
                | QuorumPacket::NewLeader { .. }
                | QuorumPacket::UpToDate { .. } => MsgClass::BeginEpoch,
                QuorumPacket::Sync(_) => MsgClass::Sync,
                QuorumPacket::Ack { .. } => MsgClass::Ack,
                QuorumPacket::Proposal(_) => MsgClass::Proposal,
                QuorumPacket::Commit { .. } | QuorumPacket::Inform(_) => MsgClass::Commit,
                QuorumPacket::Ping { .. } => MsgClass::Ping,
                QuorumPacket::Request(_) => MsgClass::Client,
            },
            Msg::Client { pkt, .. } => match pkt {
                ClientPacket::Event { .. } => MsgClass::Watch,
                ClientPacket::Ping | ClientPacket::PingReply => MsgClass::Heartbeat,
                _ => MsgClass::Client,
            },
            Msg::Kafka(_) => MsgClass::ControlRequest,
            Msg::Reset => MsgClass::Other,
        }
    }

    fn vote(&self) -> Option<crate::world::VoteInfo> {
        match self {
            // FLE: votes compare by (peerEpoch, zxid, sid) (totalOrderPredicate).
            Msg::Notification(n) => Some(crate::world::VoteInfo::Fle {
                leader: n.vote.leader,
                peer_epoch: n.vote.peer_epoch,
                zxid: n.vote.zxid,
            }),
            _ => None,
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Msg::Notification(_) => "NOTIFICATION",
            Msg::Quorum { pkt, .. } => match pkt {
                QuorumPacket::FollowerInfo { .. } => "FOLLOWERINFO",
                QuorumPacket::ObserverInfo { .. } => "OBSERVERINFO",
                QuorumPacket::LeaderInfo { .. } => "LEADERINFO",
                QuorumPacket::AckEpoch { .. } => "ACKEPOCH",
                QuorumPacket::Sync(p) => match p.mode {
                    SyncMode::Diff => "DIFF",
                    SyncMode::Trunc { .. } => "TRUNC",
                    SyncMode::Snap(_) => "SNAP",
                },
                QuorumPacket::NewLeader { .. } => "NEWLEADER",
                QuorumPacket::Ack { .. } => "ACK",
                QuorumPacket::UpToDate { .. } => "UPTODATE",
                QuorumPacket::Proposal(_) => "PROPOSAL",
                QuorumPacket::Commit { .. } => "COMMIT",
                QuorumPacket::Inform(_) => "INFORM",
                QuorumPacket::Ping { .. } => "PING",
                QuorumPacket::Request(_) => "REQUEST",
            },
            Msg::Client { pkt, .. } => match pkt {
                ClientPacket::Connect { .. } => "ConnectRequest",
                ClientPacket::Connected { .. } => "ConnectResponse",
                ClientPacket::Request { op: ClientOp::Read(_), .. } => "read",
                ClientPacket::Request { op: ClientOp::Write { multi: true, .. }, .. } => "multi",
                ClientPacket::Request { op: ClientOp::Write { .. }, .. } => "write",
                ClientPacket::Request { op: ClientOp::CloseSession, .. } => "closeSession",
                ClientPacket::Reply { .. } => "reply",
                ClientPacket::Event { .. } => "WATCH",
                ClientPacket::Ping => "ping",
                ClientPacket::PingReply => "ping reply",
            },
            Msg::Kafka(k) => match k {
                KafkaMsg::LeaderAndIsr { .. } => "LeaderAndIsr",
                KafkaMsg::UpdateMetadata { .. } => "UpdateMetadata",
                KafkaMsg::ControlResponse { api, .. } => api,
                KafkaMsg::ControlledShutdown { .. } => "ControlledShutdown",
                KafkaMsg::ControlledShutdownResponse { .. } => "ControlledShutdownResponse",
            },
            Msg::Reset => "RST",
        }
    }

    fn is_response(&self) -> bool {
        match self {
            Msg::Quorum { pkt, .. } => matches!(pkt, QuorumPacket::AckEpoch { .. } | QuorumPacket::Ack { .. }),
            Msg::Client { pkt, .. } => {
                matches!(pkt, ClientPacket::Connected { .. } | ClientPacket::Reply { .. } | ClientPacket::PingReply)
            }
            Msg::Kafka(k) => {
                matches!(k, KafkaMsg::ControlResponse { .. } | KafkaMsg::ControlledShutdownResponse { .. })
            }
            Msg::Notification(_) | Msg::Reset => false,
        }
    }
}

impl fmt::Display for ServerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServerState::Looking => "LOOKING",
            ServerState::Following => "FOLLOWING",
            ServerState::Leading => "LEADING",
            ServerState::Observing => "OBSERVING",
        })
    }
}

#[cfg(test)]
mod tests;
