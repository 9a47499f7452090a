//! What both modes offer to the CLI and the app: build from a seed and settings, advance,
//! take user actions, summarise, and describe each node for drawing. What the two modes' clusters
//! share is written once in `cluster/shared.rs`.

use crate::scenario::{format_percent, format_time};
use crate::scenario::{NodeRef, ScenarioAction};
#[cfg(feature = "summary")]
use crate::summary::Summary;
use crate::time::Time;
use crate::world::{ActionNote, MsgClass, RunStop, TraceRecord, VoteInfo, MSG_CLASSES};
use crate::NodeId;

mod shared;
pub(crate) use shared::{Core, ModeCluster, Observer, Roles};

/// What kind of process a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// A KRaft controller (voter in the metadata quorum).
    Controller,
    /// A ZooKeeper server.
    ZkServer,
    /// A Kafka broker (KRaft observer, or ZooKeeper client in ZK mode).
    Broker,
}

/// The role a node shows, across both modes. The app translates these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    // KRaft (KIP-595 / KIP-996 states)
    Unattached,
    Prospective,
    Candidate,
    Leader,
    Follower,
    Resigned,
    // ZooKeeper (QuorumPeer.ServerState)
    Looking,
    Following,
    Leading,
    Observing,
    // Brokers
    /// Registered but fenced, or starting and not yet registered (KRaft, KIP-631: a broker
    /// starts fenced).
    Fenced,
    /// ZooKeeper mode: not (yet) registered in `/brokers/ids` (connecting to ZooKeeper, or
    /// registering again in a new session). Fencing is a KRaft notion.
    Registering,
    /// Serving; `controller` says whether it is the active controller (ZK mode).
    Active,
    ShuttingDown,
    /// The process is down.
    Down,
}

impl Role {
    /// Every role, in the order declared.
    pub const ALL: [Role; 15] = [
        Role::Unattached,
        Role::Prospective,
        Role::Candidate,
        Role::Leader,
        Role::Follower,
        Role::Resigned,
        Role::Looking,
        Role::Following,
        Role::Leading,
        Role::Observing,
        Role::Fenced,
        Role::Registering,
        Role::Active,
        Role::ShuttingDown,
        Role::Down,
    ];

    /// A stable lowercase name (`leader`, `prospective`, `down`), for data attributes and JSON.
    pub fn slug(self) -> &'static str {
        match self {
            Role::Unattached => "unattached",
            Role::Prospective => "prospective",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
            Role::Follower => "follower",
            Role::Resigned => "resigned",
            Role::Looking => "looking",
            Role::Following => "following",
            Role::Leading => "leading",
            Role::Observing => "observing",
            Role::Fenced => "fenced",
            Role::Registering => "registering",
            Role::Active => "active",
            Role::ShuttingDown => "shutting_down",
            Role::Down => "down",
        }
    }
}

/// Everything the canvas needs to draw one node, rebuilt on demand (cheap).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    pub id: NodeId,
    pub kind: NodeKind,
    /// 1-based number shown in the name (`c2`, `zk3`, `b1`).
    pub number: u32,
    pub role: Role,
    pub alive: bool,
    /// KRaft epoch, ZAB accepted epoch, or the broker's view of the controller epoch.
    pub epoch: u64,
    /// Log end offset (KRaft) or number of transactions logged (ZK).
    pub log_end: u64,
    /// High watermark (KRaft) or number of committed transactions (ZK).
    pub committed: u64,
    /// Last logged zxid (ZooKeeper servers only).
    pub last_zxid: Option<u64>,
    /// Whom the node votes for or follows right now, if anyone.
    pub vote: Option<NodeId>,
    /// Whether this broker is the active Kafka controller (ZK mode) / the quorum leader.
    pub is_controller: bool,
    /// The timer that matters most for this node (election, fetch, session), as
    /// (set at, fires at), so the app can draw a countdown ring.
    pub timer: Option<(Time, Time)>,
    /// While it runs an election: (votes it holds for itself or its proposal, votes needed).
    pub tally: Option<(u32, u32)>,
}

impl NodeView {
    /// `c2`, `zk3`, `b1`.
    pub fn name(&self) -> String {
        crate::layout::name(self.kind, self.number)
    }
}

/// A message in flight, for drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlightView {
    pub from: NodeId,
    pub to: NodeId,
    pub class: MsgClass,
    pub label: &'static str,
    pub is_response: bool,
    /// The vote it carries (FLE notification, Raft vote request), if any.
    pub vote: Option<VoteInfo>,
    pub sent_at: Time,
    pub deliver_at: Time,
}

/// Why a scenario action could not be scheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionError {
    /// The node does not exist in this cluster (e.g. `c9` with 3 controllers, `zk1` in KRaft mode).
    NoSuchNode(NodeRef),
    /// The action makes no sense in this mode.
    NotInThisMode,
}

/// Why a `set key=value` was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingError {
    UnknownKey(String),
    BadValue { key: String, value: String },
}

pub trait Cluster {
    fn mode(&self) -> &'static str;
    fn seed(&self) -> u64;
    fn now(&self) -> Time;
    fn trace_hash(&self) -> u64;
    fn events_processed(&self) -> u64;
    /// When the last processed event happened (the clock may have moved on since).
    fn last_event_at(&self) -> Time;
    /// Advance to `until` (at most `max_events` events), checking invariants after every event
    /// and recording role histories.
    fn run_until(&mut self, until: Time, max_events: usize) -> RunStop;
    /// Process exactly one event; false when nothing is left.
    fn step_one(&mut self) -> bool;
    /// Time of the next pending event.
    fn next_event_time(&self) -> Option<Time>;
    /// Schedule a scenario action at `at` (clamped to now).
    fn schedule(&mut self, at: Time, action: &ScenarioAction) -> Result<(), ActionError>;
    /// Whether [`Cluster::schedule`] would take the action (the nodes it names exist here).
    fn check(&self, action: &ScenarioAction) -> Result<(), ActionError>;
    /// Invariant violations seen so far (empty while every invariant holds).
    fn violations(&self) -> &[String];
    #[cfg(feature = "summary")]
    fn summary(&self) -> Summary;
    /// Time so far without an active Kafka controller, in ms (cheap: what the app shows on
    /// every refresh, without building the whole summary).
    fn ms_without_controller(&self) -> u64;
    /// The stopwatch: (ms without an active controller so far in the gap running now, ms of
    /// the last gap that ended).
    fn controller_gaps(&self) -> (Option<u64>, Option<u64>);
    /// The newest metadata-change latency measured, in ms.
    fn last_metadata_latency_ms(&self) -> Option<u64>;
    /// Every metadata-change latency measured so far, in ms, in the order they completed.
    fn metadata_latencies_ms(&self) -> &[u64];
    /// Messages sent so far by class, indexed by `MsgClass::index` (cheap: a copy of a counter
    /// the world keeps; not part of the trace hash).
    fn sent_by_class(&self) -> [u64; MSG_CLASSES];
    fn node_views(&self) -> Vec<NodeView>;
    /// Replace `out` with the messages in flight now (sent at or before now, not yet delivered).
    fn flights(&self, out: &mut Vec<FlightView>);
    /// Replace `out` with the messages that reached their receiver (or were lost there) since
    /// the last call, at most `world::LANDED_KEPT`: a display that samples the world a few
    /// times a second still shows the short hops that started and ended in between.
    fn landed(&mut self, out: &mut Vec<FlightView>);
    /// Nodes the current partition separates: `side[node]`, 0 when not named.
    fn partition_sides(&self) -> Vec<u8>;
    /// Start keeping every processed event (for `qlab trace`).
    fn record_trace(&mut self);
    fn trace_records(&self) -> &[TraceRecord];
    /// Narration, newest last: (time, node, text key and arguments) as the mode describes it.
    fn notes(&self, since: u64, out: &mut Vec<NoteView>);
    /// How many notes were ever made (to fetch only the new ones).
    fn notes_total(&self) -> u64;
    /// The cluster as its own type, for [`Inspect`].
    fn as_any(&self) -> &dyn std::any::Any;
}

/// What the inspector shows for one node, as lines of protocol text (record names, znode paths,
/// ids): a KRaft node's log tail and metadata image, a ZooKeeper server's znode tree.
///
/// Not a method of [`Cluster`]: a trait object keeps every method it has, and the app's
/// inspector, which comes in a chunk of its own, is the only caller on the web; through this,
/// the inspector's text is not in the download at start (the same reason as `summary`'s feature).
pub trait Inspect {
    fn inspect(&self, node: NodeId, out: &mut Vec<String>);
}

impl<M: ModeCluster> Inspect for M {
    fn inspect(&self, node: NodeId, out: &mut Vec<String>) {
        ModeCluster::inspect(self, node, out);
    }
}

impl Inspect for dyn Cluster + '_ {
    fn inspect(&self, node: NodeId, out: &mut Vec<String>) {
        let any = self.as_any();
        if let Some(kraft) = any.downcast_ref::<crate::kraft::KraftCluster>() {
            Inspect::inspect(kraft, node, out);
        } else if let Some(zk) = any.downcast_ref::<crate::zk::Cluster>() {
            Inspect::inspect(zk, node, out);
        } else {
            out.clear();
        }
    }
}

/// The stopwatch of time without an active controller: the gap running now and the last one
/// that ended. The first election counts as a gap from time zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gaps {
    since: Option<Time>,
    last_us: Option<u64>,
}

impl Default for Gaps {
    fn default() -> Self {
        Gaps { since: Some(Time::ZERO), last_us: None }
    }
}

impl Gaps {
    /// After each event: whether a controller is active now.
    pub fn observe(&mut self, now: Time, active: bool) {
        match (self.since, active) {
            (Some(start), true) => {
                self.last_us = Some(now.since(start));
                self.since = None;
            }
            (None, false) => self.since = Some(now),
            _ => {}
        }
    }

    /// (ms of the gap running at `now`, ms of the last gap that ended).
    pub fn ms(&self, now: Time) -> (Option<u64>, Option<u64>) {
        (self.since.map(|start| now.since(start) / 1_000), self.last_us.map(|us| us / 1_000))
    }
}

/// A narrated moment, already reduced to a translatable key and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteView {
    pub at: Time,
    pub node: NodeId,
    /// Sequence number of the note (for "only new ones").
    pub index: u64,
    pub key: &'static str,
    pub args: Vec<String>,
}

/// The words for what a person's action did, in both modes (`name` names a node as the mode
/// does): a translatable key and its arguments.
pub fn action_note_text(note: &ActionNote, name: &dyn Fn(NodeId) -> String) -> (&'static str, Vec<String>) {
    match note {
        ActionNote::Crashed => ("narr.crash", Vec::new()),
        ActionNote::Restarted => ("narr.restart", Vec::new()),
        ActionNote::Partitioned(cut_off) => {
            let names: Vec<String> = cut_off.iter().map(|&id| name(id)).collect();
            ("narr.partition", vec![names.join(", ")])
        }
        ActionNote::Healed => ("narr.heal", Vec::new()),
        ActionNote::LossPerMille(per_mille) => ("narr.loss", vec![format_percent(*per_mille)]),
        ActionNote::DelayUs(us) => ("narr.delay", vec![format_time(Time(*us))]),
        ActionNote::ClientLost => ("narr.client_lost", Vec::new()),
    }
}
