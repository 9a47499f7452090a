//! The Kafka controller in ZooKeeper mode (domain.md §2.2–§2.6; `KafkaController.scala`,
//! `PartitionStateMachine.scala`, `ReplicaStateMachine.scala`): the metadata load on failover,
//! broker changes, partition leader election, topic creation, controlled shutdown, the automatic
//! preferred-replica election, and fencing by controller epoch.
//!
//! It runs inside the broker that holds `/controller`, as its own state machine ([`Controller`],
//! whose [`CtrlPhase`] says whether it is loading, waiting to reload or active), driven through
//! [`CtrlHandler`]: the controller and the parts of its broker it uses (the broker's ZooKeeper
//! session, its own replica side, its controlled shutdown), borrowed for one call, in the shape
//! of openraft's `Engine::vote_handler()`.
//!
//! Files by concern: this one holds the state, its phases and the handler; `load.rs` the context
//! load (`initializeControllerContext`); `events.rs` the event thread (broker and topic changes,
//! controlled shutdown, preferred election); `elections.rs` new leaders and ISRs
//! (PartitionStateMachine); `writes.rs` the fenced state writes and what follows them;
//! `requests.rs` LeaderAndIsr and UpdateMetadata to brokers; `rule_tests.rs` and `tests.rs` rule
//! tests.

use std::collections::VecDeque;

use crate::sorted::{SortedMap, SortedSet};
use crate::time::Time;

use super::replica::BrokerSide;
use super::shutdown::Shutdown;
use super::Purpose;
use crate::zk::client::{ClientEvent, ZkClient};
use crate::zk::config::Config;
use crate::zk::ids::BrokerId;
use crate::zk::msg::{Assignment, ClientOp, PartState, ReadOp, Shared, StateUpdate, ZkError, ZkResult, Zxid};
use crate::zk::tree::StateZnode;
use crate::zk::Out;

mod elections;
mod events;
mod load;
mod requests;
#[cfg(test)]
mod rule_tests;
#[cfg(test)]
mod tests;
mod writes;

pub(crate) use events::Pumped;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CtrlPurpose {
    Brokers,
    Topics,
    Topic(String),
    States { topic: String },
    Write,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CtrlEvent {
    BrokerChange,
    TopicChange,
    ControlledShutdown { broker: u32 },
    PreferredReplicaElection,
}

/// The first automatic rebalance runs 5 s after failover (`onControllerFailover`).
pub const FIRST_REBALANCE_DELAY_MS: u64 = 5_000;

#[derive(Clone, Debug)]
pub struct TopicCtx {
    pub assignment: Shared<Assignment>,
    pub states: Vec<StateZnode>,
}

/// One controller write: a multi with the controller-epoch check (KAFKA-6082).
#[derive(Clone, Debug)]
pub(super) enum Write {
    Set { topic: String, updates: Shared<Vec<StateUpdate>> },
    Create { topic: String, assignment: Shared<Assignment>, states: Shared<Vec<PartState>> },
}

/// The controller's writes, in order, one at a time: the front one is in flight once sent, and
/// its reply pops it.
#[derive(Clone, Debug, Default)]
pub(super) struct WriteQueue {
    queue: VecDeque<Write>,
    in_flight: bool,
    /// The front write's processing time is being charged (`Timer::WriteCost`), and has been.
    charging: bool,
    charged: bool,
}

impl WriteQueue {
    pub(super) fn push_back(&mut self, write: Write) {
        self.queue.push_back(write);
    }

    pub(super) fn front(&self) -> Option<&Write> {
        self.queue.front()
    }

    pub(super) fn len(&self) -> usize {
        self.queue.len()
    }

    /// Drop every write, sent or not.
    pub(super) fn clear(&mut self) {
        self.queue.clear();
        self.in_flight = false;
        self.charging = false;
        self.charged = false;
    }

    /// The front write was answered: take it off.
    fn answered(&mut self) -> Option<Write> {
        self.in_flight = false;
        self.queue.pop_front()
    }

    /// The front write's processing time is up (`Timer::WriteCost`); false if nothing was
    /// being charged (a timer left over from before a reload).
    pub(super) fn charge_done(&mut self) -> bool {
        if !self.charging {
            return false;
        }
        self.charging = false;
        self.charged = true;
        true
    }
}

/// Where the controller is in its life (`onControllerFailover`, then the event thread).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtrlPhase {
    /// `initializeControllerContext`: reading brokers, topics and every partition state.
    Loading,
    /// The ZooKeeper connection was lost in the middle of an operation: the state is read again
    /// once the session is connected (until then, replies are taken as the load's).
    Reload,
    /// Loaded: the event thread handles one event at a time.
    Active,
}

impl CtrlPhase {
    /// Loading, or waiting to load again.
    pub fn is_loading(self) -> bool {
        matches!(self, CtrlPhase::Loading | CtrlPhase::Reload)
    }
}

#[derive(Clone, Debug)]
pub struct Controller {
    pub epoch: u32,
    pub epoch_zk_version: u32,
    pub phase: CtrlPhase,
    /// The event thread is handling an event (the load counts as one): the next one waits.
    pub busy: bool,
    pub live: SortedMap<u32, Zxid>,
    pub shutting_down: SortedSet<u32>,
    pub topics: SortedMap<String, TopicCtx>,
    pub(super) queue: VecDeque<CtrlEvent>,
    pub(super) writes: WriteQueue,
    reply_shutdown: Vec<u32>,
    /// Load progress: topics left to read, and the partition to read next in the current one.
    to_load: VecDeque<String>,
    next_from: u32,
    load_started: Time,
    pub loaded_partitions: u64,
    /// Topics seen in `/brokers/topics` whose states are not created yet.
    pending_topics: VecDeque<String>,
    /// Brokers died and no partition state changed: once this event is done, tell every live
    /// broker the new live set (`onBrokerFailure`).
    announce_live: bool,
    /// Bounced brokers (the same id in a new session, with a larger czxid): out of `live` while
    /// `onBrokerFailure`'s writes for them run, then back through `onBrokerStartup`.
    bounced: Vec<(u32, Zxid)>,
}

impl Controller {
    pub(super) fn new(epoch: u32, epoch_zk_version: u32, now: Time) -> Controller {
        Controller {
            epoch,
            epoch_zk_version,
            phase: CtrlPhase::Loading,
            busy: false,
            live: SortedMap::new(),
            shutting_down: SortedSet::new(),
            topics: SortedMap::new(),
            queue: VecDeque::new(),
            writes: WriteQueue::default(),
            reply_shutdown: Vec::new(),
            to_load: VecDeque::new(),
            next_from: 0,
            load_started: now,
            loaded_partitions: 0,
            pending_topics: VecDeque::new(),
            announce_live: false,
            bounced: Vec::new(),
        }
    }

    /// Every phase change goes through here: loading starts afresh from any phase, a lost
    /// connection can come at any time, and only a load in progress ends in Active.
    fn set_phase(&mut self, next: CtrlPhase) {
        debug_assert!(
            matches!(
                (self.phase, next),
                (_, CtrlPhase::Loading) | (_, CtrlPhase::Reload) | (CtrlPhase::Loading, CtrlPhase::Active)
            ),
            "controller epoch {}: {:?} → {next:?}",
            self.epoch,
            self.phase
        );
        self.phase = next;
    }

    /// An event for the event thread, unless the same one is already waiting.
    pub(super) fn enqueue(&mut self, event: CtrlEvent) {
        if !self.queue.contains(&event) {
            self.queue.push_back(event);
        }
    }

    /// The ZooKeeper connection broke under a request: drop what was in progress and reload
    /// once connected again.
    fn lost_connection(&mut self) {
        self.restore_bounced();
        self.set_phase(CtrlPhase::Reload);
        self.busy = false;
        self.writes.clear();
    }

    /// An event ended early: the bounced brokers waiting for their startup are live again. After
    /// a lost connection the reload tells everyone; after a failed write, `on_write_done` runs
    /// their startup at once.
    fn restore_bounced(&mut self) {
        for (b, czxid) in std::mem::take(&mut self.bounced) {
            self.live.insert(b, czxid);
        }
    }

    fn bounced_ids(&self) -> Vec<u32> {
        self.bounced.iter().map(|(b, _)| *b).collect()
    }

    fn live_ids(&self) -> Vec<u32> {
        self.live.keys().copied().collect()
    }

    pub fn partitions(&self) -> u64 {
        self.topics.values().map(|t| t.states.len() as u64).sum()
    }
}

/// What a reply meant for the broker: whether the controller was fenced by a newer one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub(crate) enum CtrlOutcome {
    Handled,
    /// The epoch check of a write failed (KAFKA-6082): the broker must resign.
    Fenced,
}

/// The controller and the parts of its broker it uses, borrowed for one call: requests go out
/// on the broker's ZooKeeper session (replies and immediate failures come back as `events`),
/// requests to its own broker are delivered to `local` in place, and its controlled shutdown
/// may be granted.
pub(crate) struct CtrlHandler<'a> {
    pub(crate) ctrl: &'a mut Controller,
    pub(crate) now: Time,
    /// The broker this controller runs on.
    pub(crate) me: BrokerId,
    pub(crate) cfg: &'a Config,
    pub(crate) zk: &'a mut ZkClient,
    pub(crate) local: BrokerSide<'a>,
    pub(crate) shutdown: &'a mut Option<Shutdown>,
    pub(crate) out: &'a mut Vec<Out>,
    pub(crate) events: &'a mut Vec<ClientEvent>,
}

impl CtrlHandler<'_> {
    /// A reply to one of the controller's requests.
    pub(crate) fn on_reply(&mut self, purpose: CtrlPurpose, result: ZkResult, zxid: Zxid) -> CtrlOutcome {
        if matches!(result, Err(ZkError::ConnectionLoss) | Err(ZkError::SessionExpired)) {
            self.ctrl.lost_connection();
            return CtrlOutcome::Handled;
        }
        match purpose {
            CtrlPurpose::Brokers => self.on_brokers(result),
            CtrlPurpose::Topics => self.on_topics(result),
            CtrlPurpose::Topic(topic) => self.on_topic_data(topic, result),
            CtrlPurpose::States { topic } => self.on_states(topic, result),
            CtrlPurpose::Write => return self.on_write_done(result, zxid),
        }
        CtrlOutcome::Handled
    }

    fn read(&mut self, purpose: CtrlPurpose, read: ReadOp) {
        self.zk.request(Purpose::Ctrl(purpose), ClientOp::Read(read), self.out, self.events);
    }

    /// New leaders and ISRs for every partition that needs them (see `Controller::plan_elections`).
    fn plan_elections(&mut self, leaving: &SortedSet<u32>) {
        self.ctrl.plan_elections(self.cfg.unclean_leader_election, leaving);
    }
}
