//! The world: virtual clock, one event queue ordered by `(time, seq)` (as in Kafka's own
//! `RaftEventSimulationTest`), the network, crash/restart, user actions and the trace hash.
//! Nodes are sans-IO state machines (`Node::step`); the world turns their outputs into future
//! events. User actions are events too, so seed + action log replays a session exactly.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use crate::sorted::SortedMap;
use std::fmt::Debug;
use std::hash::Hash;

use crate::cluster::FlightView;
use crate::hash::TraceHasher;
use crate::net::{NetConfig, Network};
use crate::time::Time;
use crate::NodeId;

mod choice;
mod fingerprint;
mod node_list;
pub use choice::{Chooser, Delivery};
pub use node_list::NodeList;

/// What a message is, for colouring and counting. Shared by both modes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum MsgClass {
    PreVote,
    Vote,
    BeginEpoch,
    EndEpoch,
    Fetch,
    FetchData,
    Heartbeat,
    Notification,
    Proposal,
    Ack,
    Commit,
    Sync,
    Ping,
    Watch,
    ControlRequest,
    Client,
    Other,
}

/// How many message classes there are (the length of [`MsgClass::ALL`]).
pub const MSG_CLASSES: usize = 17;
const _: () = assert!(MsgClass::Other as usize + 1 == MSG_CLASSES, "MSG_CLASSES counts every class");

impl MsgClass {
    /// Every class, in declaration order: `MsgClass::ALL[c.index()] == c`.
    pub const ALL: [MsgClass; MSG_CLASSES] = [
        MsgClass::PreVote,
        MsgClass::Vote,
        MsgClass::BeginEpoch,
        MsgClass::EndEpoch,
        MsgClass::Fetch,
        MsgClass::FetchData,
        MsgClass::Heartbeat,
        MsgClass::Notification,
        MsgClass::Proposal,
        MsgClass::Ack,
        MsgClass::Commit,
        MsgClass::Sync,
        MsgClass::Ping,
        MsgClass::Watch,
        MsgClass::ControlRequest,
        MsgClass::Client,
        MsgClass::Other,
    ];

    /// Position in [`MsgClass::ALL`], for per-class counters kept as arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The vote inside an election message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VoteInfo {
    /// FLE: the proposed leader with the (peerEpoch, zxid) it is compared by.
    Fle { leader: u64, peer_epoch: u64, zxid: u64 },
    /// KIP-595 Vote: the candidate's epoch and its log end (last epoch, end offset).
    Raft { epoch: u64, last_epoch: u64, last_offset: u64 },
}

pub trait Message: Clone + Debug + Hash {
    fn class(&self) -> MsgClass;
    /// The wire name, e.g. "Vote", "FETCH", "PROPOSAL".
    fn label(&self) -> &'static str;
    /// A response travels back to a request's sender; the renderer draws it differently.
    fn is_response(&self) -> bool;
    /// The vote a message carries, for the canvas to print (FLE notifications, Raft votes).
    fn vote(&self) -> Option<VoteInfo> {
        None
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Input<M, T, C> {
    /// The process starts (first boot or restart after a crash).
    Start,
    Msg {
        from: NodeId,
        msg: M,
    },
    Timer(T),
    /// A message could not be delivered: the peer's process is down and refused the connection.
    Unreachable {
        to: NodeId,
        msg: M,
    },
    /// A graceful shutdown was requested; the node answers with `Output::Halt` when done.
    Shutdown,
    Client(C),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Output<M, T, E> {
    Send {
        to: NodeId,
        msg: M,
    },
    /// Set (or reset) the timer of this kind to fire at `at`.
    SetTimer {
        timer: T,
        at: Time,
    },
    CancelTimer(T),
    /// Something worth narrating.
    Note(E),
    /// The process stops (end of a graceful shutdown).
    Halt,
}

/// A role the scenario names and the world resolves when the action fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoleRef {
    /// The quorum leader (KRaft leader, ZooKeeper leader).
    Leader,
    /// The active Kafka controller.
    Controller,
}

/// What a person's action did, as the world narrates it: the same line whether the action was
/// clicked, opened from a link, or replayed after a step back. Like every note, not part of the
/// trace hash.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ActionNote {
    /// The note's node was killed.
    Crashed,
    /// The note's node was started again.
    Restarted,
    /// The network split: the first side's nodes are cut off from the rest.
    Partitioned(Vec<NodeId>),
    Healed,
    LossPerMille(u32),
    DelayUs(u64),
    /// A client's request found no live node in the role it goes to, and is lost (a real client
    /// would retry).
    ClientLost,
}

/// The node of a note that is about no node in particular (the network, a lost request).
pub const NO_NODE: NodeId = NodeId::MAX;

pub trait Node: Sized {
    type Msg: Message;
    type Timer: Copy + Ord + Debug + Hash;
    type Note: Clone + Debug + Hash;
    type Cmd: Clone + Debug + Hash;

    fn step(&mut self, now: Time, input: In<Self>, out: &mut Vec<Out<Self>>);
    /// The process dies: keep what is durable, lose the rest.
    fn crash(&mut self);
    /// What the operating system sends every other node when this process dies or halts
    /// (a TCP FIN/RST on each of its connections), so that peers holding a connection notice at
    /// once. `None` (the default): peers learn of a crash only when they next send to it.
    fn farewell(&self) -> Option<Self::Msg> {
        None
    }
    /// The node holding a role now, as this mode defines it.
    fn resolve(nodes: &[Self], alive: &[bool], role: RoleRef) -> Option<NodeId>;
    /// This mode's note for what a person's action did.
    fn action_note(note: ActionNote) -> Self::Note;
}

pub type In<N> = Input<<N as Node>::Msg, <N as Node>::Timer, <N as Node>::Cmd>;
pub type Out<N> = Output<<N as Node>::Msg, <N as Node>::Timer, <N as Node>::Note>;

/// Who an action applies to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Node(NodeId),
    Role(RoleRef),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action<C> {
    Crash(Target),
    Restart(Target),
    Shutdown(Target),
    /// One group per side; nodes in no group stay connected to everyone.
    Partition(Vec<Vec<NodeId>>),
    Heal,
    LossPerMille(u32),
    DelayUs(u64),
    Client(Target, C),
}

#[derive(Clone, Debug)]
pub struct InFlight<M> {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub msg: M,
    pub sent_at: Time,
    pub deliver_at: Time,
    to_incarnation: u32,
}

impl<M: Message> InFlight<M> {
    fn view(&self) -> FlightView {
        FlightView {
            from: self.from,
            to: self.to,
            class: self.msg.class(),
            label: self.msg.label(),
            is_response: self.msg.is_response(),
            vote: self.msg.vote(),
            sent_at: self.sent_at,
            deliver_at: self.deliver_at,
        }
    }
}

#[derive(Clone, Debug)]
enum Event<N: Node> {
    Deliver(u64),
    Timer { node: NodeId, timer: N::Timer },
    Refused { sender: NodeId, sender_incarnation: u32, to: NodeId, msg: N::Msg },
    Action(Action<N::Cmd>),
}

#[derive(Clone)]
struct Entry<N: Node> {
    at: Time,
    seq: u64,
    event: Event<N>,
}

impl<N: Node> PartialEq for Entry<N> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<N: Node> Eq for Entry<N> {}
impl<N: Node> PartialOrd for Entry<N> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<N: Node> Ord for Entry<N> {
    // BinaryHeap is a max-heap: reverse so the earliest (time, seq) pops first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A narrated moment: who, when, what.
#[derive(Clone, Debug)]
pub struct NoteAt<E> {
    pub at: Time,
    pub node: NodeId,
    pub note: E,
}

/// One line of `qlab trace`: what the world processed.
#[derive(Clone, Debug)]
pub struct TraceRecord {
    pub index: u64,
    pub at: Time,
    pub kind: &'static str,
    pub node: Option<NodeId>,
    pub from: Option<NodeId>,
    pub detail: String,
}

/// Why `run_until` returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStop {
    /// Reached the target time.
    Reached,
    /// Hit the cap on events for one call; call again to go on.
    EventCap,
}

const NOTES_KEPT: usize = 400;
/// Most landed messages kept between two reads of [`World::take_landed`] (the rest are not kept:
/// a display reads them every tick, and past this many it could not show them apart anyway).
pub const LANDED_KEPT: usize = 512;

/// A copy of a world (`Clone`, for the explorer's checkpoints) goes on exactly as the original
/// would, but without the original's chooser.
#[derive(Clone)]
pub struct World<N: Node> {
    now: Time,
    last_event_at: Time,
    seq: u64,
    seed: u64,
    queue: BinaryHeap<Entry<N>>,
    nodes: Vec<N>,
    alive: Vec<bool>,
    incarnation: Vec<u32>,
    /// The seq of the live instance of each (node, timer kind); older timer events are stale.
    timers: Vec<SortedMap<N::Timer, (u64, Time)>>,
    in_flight: SortedMap<u64, InFlight<N::Msg>>,
    pub net: Network,
    hasher: TraceHasher,
    events_processed: u64,
    /// Messages sent so far, by class (`MsgClass::index`), for the app's traffic chart. A
    /// counter beside the trace, never hashed into it.
    sent_by_class: [u64; MSG_CLASSES],
    notes: VecDeque<NoteAt<N::Note>>,
    notes_total: u64,
    messages_sent: SortedMap<&'static str, u64>,
    trace: Option<Vec<TraceRecord>>,
    outbox: Vec<Out<N>>,
    /// Messages that reached their receiver (or were lost there) since the display last read
    /// them: a message can be sent and land between two of its ticks. Never hashed.
    landed: Vec<FlightView>,
    /// Messages handed to a live process so far (the explorer's depth). Never hashed.
    delivered: u64,
    /// How many times each process changed (stepped, crashed), wrapping: the explorer hashes
    /// again only the processes that changed. Never hashed.
    changes: Vec<u32>,
    /// Asked instead of the network's PRNG when set (the explorer); never set otherwise.
    chooser: choice::Slot<N>,
}

impl<N: Node> World<N> {
    /// A world whose nodes all start at time zero.
    pub fn new(seed: u64, nodes: Vec<N>, net: NetConfig) -> World<N> {
        let n = nodes.len();
        let mut world = World::unstarted(seed, nodes, net);
        for node in 0..n {
            world.step_node(node, Input::Start);
        }
        world
    }

    /// A world holding `nodes` exactly as given (tests of invariant checkers build states).
    pub(crate) fn unstarted(seed: u64, nodes: Vec<N>, net: NetConfig) -> World<N> {
        let n = nodes.len();
        let mut world = World {
            now: Time::ZERO,
            last_event_at: Time::ZERO,
            seq: 0,
            seed,
            queue: BinaryHeap::new(),
            alive: vec![true; n],
            incarnation: vec![0; n],
            timers: (0..n).map(|_| SortedMap::new()).collect(),
            in_flight: SortedMap::new(),
            net: Network::new(n, net, seed),
            hasher: TraceHasher::default(),
            events_processed: 0,
            sent_by_class: [0; MSG_CLASSES],
            notes: VecDeque::new(),
            notes_total: 0,
            messages_sent: SortedMap::new(),
            trace: None,
            outbox: Vec::new(),
            landed: Vec::new(),
            delivered: 0,
            changes: vec![0; n],
            chooser: choice::Slot(None),
            nodes,
        };
        world.hasher.add(&seed);
        world
    }

    /// Keep every processed event for `qlab trace` (costs memory; off by default).
    pub fn record_trace(&mut self) {
        self.trace.get_or_insert_with(Vec::new);
    }

    pub fn trace(&self) -> &[TraceRecord] {
        self.trace.as_deref().unwrap_or(&[])
    }

    pub fn now(&self) -> Time {
        self.now
    }

    pub fn last_event_at(&self) -> Time {
        self.last_event_at
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn nodes(&self) -> &[N] {
        &self.nodes
    }
    pub fn node(&self, id: NodeId) -> &N {
        &self.nodes[id]
    }
    pub fn alive(&self) -> &[bool] {
        &self.alive
    }
    pub fn is_alive(&self, id: NodeId) -> bool {
        self.alive.get(id).copied().unwrap_or(false)
    }
    pub fn trace_hash(&self) -> u64 {
        self.hasher.value()
    }
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }
    /// Messages handed to a live process so far.
    pub fn messages_delivered(&self) -> u64 {
        self.delivered
    }
    /// How many times process `id` changed so far (wrapping): equal counts, same state.
    pub fn changes(&self, id: NodeId) -> u32 {
        self.changes[id]
    }
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight<N::Msg>> {
        self.in_flight.values()
    }
    /// Replace `out` with the messages in flight now, for drawing.
    pub fn flights(&self, out: &mut Vec<FlightView>) {
        out.clear();
        out.extend(self.in_flight.values().map(InFlight::view));
    }
    /// Replace `out` with the messages that landed since the last call (at most [`LANDED_KEPT`]).
    pub fn take_landed(&mut self, out: &mut Vec<FlightView>) {
        out.clear();
        std::mem::swap(out, &mut self.landed);
    }
    pub fn notes(&self) -> impl DoubleEndedIterator<Item = &NoteAt<N::Note>> {
        self.notes.iter()
    }
    /// The notes still kept whose sequence number is `since` or later, with that number.
    pub fn notes_since(&self, since: u64) -> impl Iterator<Item = (u64, &NoteAt<N::Note>)> {
        let first_index = self.notes_total - self.notes.len() as u64;
        self.notes.iter().enumerate().map(move |(i, n)| (first_index + i as u64, n)).filter(move |(i, _)| *i >= since)
    }

    /// The side of the current partition each node is on (0: not named).
    pub fn partition_sides(&self) -> Vec<u8> {
        (0..self.nodes.len()).map(|id| self.net.side_of(id)).collect()
    }

    /// How many notes were ever made (the ring keeps the last few hundred).
    pub fn notes_total(&self) -> u64 {
        self.notes_total
    }
    pub fn messages_sent(&self) -> &SortedMap<&'static str, u64> {
        &self.messages_sent
    }
    /// Messages sent so far, by class (indexed by `MsgClass::index`); counted where
    /// `messages_sent` is, so both add up to the same total.
    pub fn sent_by_class(&self) -> [u64; MSG_CLASSES] {
        self.sent_by_class
    }
    /// When the given timer of a node fires next, if it is set.
    pub fn timer_deadline(&self, node: NodeId, timer: N::Timer) -> Option<Time> {
        self.timers[node].get(&timer).map(|(_, at)| *at)
    }
    /// Time of the next pending event, if any.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek().map(|e| e.at)
    }
    pub fn resolve(&self, target: &Target) -> Option<NodeId> {
        match target {
            Target::Node(id) if *id < self.nodes.len() => Some(*id),
            Target::Node(_) => None,
            Target::Role(role) => N::resolve(&self.nodes, &self.alive, *role),
        }
    }

    /// Schedule a user action at `at` (clamped to now: the past cannot change).
    pub fn schedule(&mut self, at: Time, action: Action<N::Cmd>) {
        let at = at.max(self.now);
        self.push(at, Event::Action(action));
    }

    fn push(&mut self, at: Time, event: Event<N>) -> u64 {
        self.seq += 1;
        let seq = self.seq;
        self.queue.push(Entry { at, seq, event });
        seq
    }

    /// Process every event up to and including `until`, then set the clock to `until`.
    /// `run_until(a); run_until(b)` equals `run_until(b)`. At most `max_events` per call.
    pub fn run_until(&mut self, until: Time, max_events: usize, mut after_each: impl FnMut(&Self)) -> RunStop {
        let mut done = 0;
        while let Some(head) = self.queue.peek() {
            if head.at > until {
                break;
            }
            if done >= max_events {
                return RunStop::EventCap;
            }
            self.step_one();
            after_each(self);
            done += 1;
        }
        if until > self.now {
            self.now = until;
        }
        RunStop::Reached
    }

    /// Process exactly the next event, if any; returns false when the queue is empty.
    pub fn step_one(&mut self) -> bool {
        let next = if self.chooser.0.is_some() { self.pop_chosen() } else { self.queue.pop() };
        let Some(Entry { at, seq: _, event }) = next else {
            return false;
        };
        self.now = at;
        self.last_event_at = at;
        self.events_processed += 1;
        self.hasher.add(&at.0);
        match event {
            Event::Deliver(id) => self.deliver(id),
            Event::Timer { node, timer } => self.fire_timer(node, timer, at),
            Event::Refused { sender, sender_incarnation, to, msg } => {
                if self.alive[sender] && self.incarnation[sender] == sender_incarnation {
                    self.hasher.add(&(3u8, sender, to, &msg));
                    self.record("refused", Some(sender), Some(to), || format!("{msg:?}"));
                    self.step_node(sender, Input::Unreachable { to, msg });
                }
            }
            Event::Action(action) => self.apply(action),
        }
        true
    }

    fn deliver(&mut self, id: u64) {
        let Some(m) = self.in_flight.remove(&id) else { return };
        if self.landed.len() < LANDED_KEPT {
            self.landed.push(m.view());
        }
        if self.alive[m.to] && self.incarnation[m.to] == m.to_incarnation {
            self.delivered += 1;
            self.hasher.add(&(1u8, m.from, m.to, &m.msg));
            self.record("deliver", Some(m.to), Some(m.from), || format!("{:?}", m.msg));
            self.step_node(m.to, Input::Msg { from: m.from, msg: m.msg });
        } else if !self.net.cut(m.to, m.from) {
            // The peer's process is gone: the connection is refused and the sender hears of it
            // after one trip back.
            let back = match self.chooser.0.as_mut() {
                None => self.net.arrival(self.now, m.to, m.from),
                Some(chooser) => {
                    let latency_us = chooser.refusal_us(m.to, m.from);
                    self.net.arrival_after(self.now, m.to, m.from, latency_us)
                }
            };
            let sender_incarnation = self.incarnation[m.from];
            self.push(back, Event::Refused { sender: m.from, sender_incarnation, to: m.to, msg: m.msg });
        }
    }

    fn fire_timer(&mut self, node: NodeId, timer: N::Timer, at: Time) {
        match self.timers[node].get(&timer) {
            Some((_, deadline)) if *deadline == at && self.alive[node] => {}
            _ => return,
        }
        self.timers[node].remove(&timer);
        self.hasher.add(&(2u8, node, &timer));
        self.record("timer", Some(node), None, || format!("{timer:?}"));
        self.step_node(node, Input::Timer(timer));
    }

    fn apply(&mut self, action: Action<N::Cmd>) {
        self.hasher.add(&(4u8, &action));
        self.record("action", None, None, || format!("{action:?}"));
        match action {
            Action::Crash(target) => {
                if let Some(id) = self.resolve(&target).filter(|&id| self.alive[id]) {
                    self.note(id, N::action_note(ActionNote::Crashed));
                    self.crash(id);
                }
            }
            Action::Restart(target) => {
                if let Some(id) = self.resolve(&target) {
                    if !self.alive[id] {
                        self.note(id, N::action_note(ActionNote::Restarted));
                        self.alive[id] = true;
                        self.step_node(id, Input::Start);
                    }
                }
            }
            Action::Shutdown(target) => {
                if let Some(id) = self.resolve(&target) {
                    if self.alive[id] {
                        self.step_node(id, Input::Shutdown);
                    }
                }
            }
            Action::Partition(groups) => {
                let cut_off = groups.first().cloned().unwrap_or_default();
                self.net.partition(&groups);
                self.note(NO_NODE, N::action_note(ActionNote::Partitioned(cut_off)));
            }
            Action::Heal => {
                self.net.heal();
                self.note(NO_NODE, N::action_note(ActionNote::Healed));
            }
            Action::LossPerMille(p) => {
                self.net.set_loss_per_mille(p);
                self.note(NO_NODE, N::action_note(ActionNote::LossPerMille(p)));
            }
            Action::DelayUs(us) => {
                self.net.set_extra_delay_us(us);
                self.note(NO_NODE, N::action_note(ActionNote::DelayUs(us)));
            }
            Action::Client(target, cmd) => match self.resolve(&target).filter(|&id| self.alive[id]) {
                Some(id) => self.step_node(id, Input::Client(cmd)),
                None => self.note(NO_NODE, N::action_note(ActionNote::ClientLost)),
            },
        }
    }

    fn note(&mut self, node: NodeId, note: N::Note) {
        self.notes_total += 1;
        if self.notes.len() == NOTES_KEPT {
            self.notes.pop_front();
        }
        self.notes.push_back(NoteAt { at: self.now, node, note });
    }

    fn crash(&mut self, id: NodeId) {
        if !self.alive[id] {
            return;
        }
        if let Some(msg) = self.nodes[id].farewell() {
            for to in 0..self.nodes.len() {
                if to != id {
                    self.send(id, to, msg.clone());
                }
            }
        }
        self.alive[id] = false;
        self.incarnation[id] += 1;
        self.changes[id] = self.changes[id].wrapping_add(1);
        self.timers[id].clear();
        self.nodes[id].crash();
    }

    fn step_node(&mut self, node: NodeId, input: In<N>) {
        let mut out = std::mem::take(&mut self.outbox);
        out.clear();
        self.changes[node] = self.changes[node].wrapping_add(1);
        self.nodes[node].step(self.now, input, &mut out);
        for o in out.drain(..) {
            match o {
                Output::Send { to, msg } => self.send(node, to, msg),
                Output::SetTimer { timer, at } => {
                    let mut at = at.max(self.now);
                    if let Some(chooser) = self.chooser.0.as_mut() {
                        at = chooser.timer(node, timer, self.now, at).max(self.now);
                    }
                    let seq = self.push(at, Event::Timer { node, timer });
                    self.timers[node].insert(timer, (seq, at));
                }
                Output::CancelTimer(timer) => {
                    self.timers[node].remove(&timer);
                }
                Output::Note(note) => self.note(node, note),
                Output::Halt => self.crash(node),
            }
        }
        self.outbox = out;
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: N::Msg) {
        if to >= self.nodes.len() || to == from {
            return;
        }
        self.sent_by_class[msg.class().index()] += 1;
        *self.messages_sent.get_or_insert(msg.label(), 0) += 1;
        let deliver_at = match self.chooser.0.as_mut() {
            None => self.net.route(self.now, from, to),
            Some(chooser) => {
                let to_alive = self.alive[to];
                self.net.route_decided(self.now, from, to, || match chooser.delivery(from, to, to_alive, &msg) {
                    Delivery::AfterUs(us) => Some(us),
                    Delivery::Lost => None,
                })
            }
        };
        let Some(deliver_at) = deliver_at else { return };
        // The deliver event's seq doubles as the message id.
        let id = self.seq + 1;
        self.push(deliver_at, Event::Deliver(id));
        let to_incarnation = self.incarnation[to];
        self.in_flight.insert(id, InFlight { id, from, to, msg, sent_at: self.now, deliver_at, to_incarnation });
    }

    fn record(
        &mut self,
        kind: &'static str,
        node: Option<NodeId>,
        from: Option<NodeId>,
        detail: impl FnOnce() -> String,
    ) {
        // The readable trace costs code size (Debug for every message): only the CLI, which
        // enables the `trace` feature, keeps it. The trace hash does not depend on it.
        #[cfg(feature = "trace")]
        if let Some(trace) = self.trace.as_mut() {
            trace.push(TraceRecord { index: self.events_processed, at: self.now, kind, node, from, detail: detail() });
        }
        #[cfg(not(feature = "trace"))]
        let _ = (kind, node, from, detail);
    }
}
