//! A Kafka broker in ZooKeeper mode (domain.md §2; `KafkaController.scala`, `KafkaZkClient.scala`):
//! registration under `/brokers/ids`, the race for `/controller`, and — on the winner — the
//! controller: metadata load, broker-change handling, partition leader election, topic creation,
//! controlled shutdown, and fencing by controller epoch.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use crate::rng::Rng;
use crate::time::Time;
use crate::world::{Input, Output};
use crate::NodeId;

use super::client::{ClientEvent, ZkClient};
use super::config::Config;
use super::msg::{
    isr_bit, Assignment, ClientOp, Data, EventType, KafkaMsg, Msg, Op, OpResult, PartState, ReadOp, Shared,
    StateUpdate, TopicStates, ZkError, ZkResult, Zxid,
};
use super::tree::StateZnode;
use super::{Cmd, In, Note, Out, Timer};

pub const CONTROLLER_PATH: &str = "/controller";
pub const CONTROLLER_EPOCH_PATH: &str = "/controller_epoch";
pub const BROKER_IDS_PATH: &str = "/brokers/ids";
pub const TOPICS_PATH: &str = "/brokers/topics";

/// Why the broker sent a ZooKeeper request (the callback of an async call).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    Register,
    CheckRegistration,
    WatchController,
    ReadController,
    ReadControllerEpoch,
    Elect { epoch: u32, zk_version: u32 },
    Reclaim,
    CreateTopic,
    Close,
    Ctrl(CtrlPurpose),
}

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
enum Write {
    Set { topic: String, updates: Shared<Vec<StateUpdate>> },
    Create { topic: String, assignment: Shared<Assignment>, states: Shared<Vec<PartState>> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtrlPhase {
    /// `initializeControllerContext`: reading brokers, topics and every partition state.
    Loading,
    Active,
}

#[derive(Clone, Debug)]
pub struct Controller {
    pub epoch: u32,
    pub epoch_zk_version: u32,
    pub phase: CtrlPhase,
    pub live: BTreeMap<u32, Zxid>,
    pub shutting_down: BTreeSet<u32>,
    pub topics: BTreeMap<String, TopicCtx>,
    queue: VecDeque<CtrlEvent>,
    busy: bool,
    writes: VecDeque<Write>,
    reply_shutdown: Vec<u32>,
    /// Load progress: topics left to read, and the partition to read next in the current one.
    to_load: VecDeque<String>,
    next_from: u32,
    load_started: Time,
    pub loaded_partitions: u64,
    /// The ZooKeeper connection was lost mid-operation: reload after reconnecting.
    needs_reload: bool,
    /// Topics seen in `/brokers/topics` whose states are not created yet.
    pending_topics: VecDeque<String>,
}

impl Controller {
    fn new(epoch: u32, epoch_zk_version: u32, now: Time) -> Controller {
        Controller {
            epoch,
            epoch_zk_version,
            phase: CtrlPhase::Loading,
            live: BTreeMap::new(),
            shutting_down: BTreeSet::new(),
            topics: BTreeMap::new(),
            queue: VecDeque::new(),
            busy: false,
            writes: VecDeque::new(),
            reply_shutdown: Vec::new(),
            to_load: VecDeque::new(),
            next_from: 0,
            load_started: now,
            loaded_partitions: 0,
            needs_reload: false,
            pending_topics: VecDeque::new(),
        }
    }

    pub fn partitions(&self) -> u64 {
        self.topics.values().map(|t| t.states.len() as u64).sum()
    }
}

#[derive(Clone, Debug)]
pub struct Broker {
    pub id: u32,
    pub node: NodeId,
    pub(crate) cfg: Rc<Config>,
    seed: u64,
    rng: Rng,
    pub zk: ZkClient,
    pub registered: bool,
    /// KIP-380: the czxid of `/brokers/ids/N`.
    pub broker_epoch: u64,
    pub known_controller: Option<u32>,
    /// Highest controller epoch seen in a controller request (older ones are rejected).
    pub max_controller_epoch: u32,
    pub controller: Option<Box<Controller>>,
    /// Leader and leader epoch of the replicas this broker hosts, from LeaderAndIsr.
    /// Per topic, indexed by partition.
    pub replicas: BTreeMap<String, Vec<Option<(i32, u32)>>>,
    pub metadata_partitions: u64,
    pub live_brokers: Vec<u32>,
    /// Controlled shutdown in progress: attempts so far.
    pub shutting_down: Option<u32>,
    electing: bool,
}

fn node_of_broker(cfg: &Config, broker: u32) -> NodeId {
    cfg.servers() + broker as usize - 1
}

impl Broker {
    pub fn new(id: u32, node: NodeId, cfg: Rc<Config>, seed: u64) -> Broker {
        let ensemble = cfg.servers();
        let timeout = cfg.session_timeout_ms;
        Broker {
            id,
            node,
            seed,
            rng: Rng::stream(seed, 0x4B42_0000 + node as u64),
            zk: ZkClient::new(ensemble, timeout, (id as usize).wrapping_sub(1) % ensemble.max(1)),
            cfg,
            registered: false,
            broker_epoch: 0,
            known_controller: None,
            max_controller_epoch: 0,
            controller: None,
            replicas: BTreeMap::new(),
            metadata_partitions: 0,
            live_brokers: Vec::new(),
            shutting_down: None,
            electing: false,
        }
    }

    /// The controller epoch, if this broker holds `/controller`.
    pub fn controller_epoch(&self) -> Option<u32> {
        self.controller.as_ref().map(|c| c.epoch)
    }

    /// Active: holds `/controller` and has loaded the cluster state.
    pub fn is_active_controller(&self) -> bool {
        self.controller.as_ref().is_some_and(|c| c.phase == CtrlPhase::Active)
    }

    /// A broker process keeps nothing in memory across a crash (its logs are not modelled).
    pub fn crash(&mut self) {
        let mut fresh = Broker::new(self.id, self.node, self.cfg.clone(), self.seed);
        // A new incarnation draws new reconnect pauses.
        fresh.rng = Rng::stream(self.seed ^ self.rng.next_u64(), 0x4B42_0000 + self.node as u64);
        *self = fresh;
    }

    pub fn step(&mut self, now: Time, input: In, out: &mut Vec<Out>) {
        let mut events = Vec::new();
        match input {
            Input::Start => self.zk.connect(now, out),
            Input::Msg { from, msg } => match msg {
                Msg::Client { seq, pkt } => self.zk.on_packet(now, from, seq, pkt, &mut self.rng, out, &mut events),
                Msg::Reset => self.zk.on_reset(now, from, &mut self.rng, out, &mut events),
                Msg::Kafka(k) => self.on_kafka(now, from, k, out),
                _ => {}
            },
            Input::Unreachable { to, msg } => {
                if matches!(msg, Msg::Client { .. }) {
                    self.zk.on_reset(now, to, &mut self.rng, out, &mut events);
                }
            }
            Input::Timer(timer) => match timer {
                Timer::ClientPing | Timer::ClientTimeout | Timer::Reconnect => {
                    self.zk.on_timer(now, timer, &mut self.rng, out, &mut events)
                }
                Timer::RegisterRetry => self.register(out, &mut events),
                Timer::Load => self.load_next(now, out, &mut events),
                Timer::ShutdownRetry => self.retry_shutdown(now, out, &mut events),
                Timer::Rebalance if self.is_active_controller() => {
                    self.enqueue(CtrlEvent::PreferredReplicaElection);
                    let interval = self.cfg.leader_imbalance_check_interval_ms;
                    out.push(Output::SetTimer { timer: Timer::Rebalance, at: now.plus_ms(interval) });
                }
                _ => {}
            },
            Input::Shutdown => self.start_shutdown(now, out, &mut events),
            Input::Client(Cmd::CreateTopic { name, partitions, replication_factor }) => {
                self.create_topic(name, partitions, replication_factor, out, &mut events)
            }
        }
        // Replies may cause more requests, which may fail at once: drain until quiet.
        let mut rounds = 0;
        while !events.is_empty() && rounds < 64 {
            rounds += 1;
            for event in std::mem::take(&mut events) {
                self.on_zk_event(now, event, out, &mut events);
            }
        }
        self.pump(now, out, &mut events);
    }

    fn request(&mut self, purpose: Purpose, op: ClientOp, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        self.zk.request(purpose, op, out, events);
    }

    // ------------------------------------------------------------------ ZooKeeper events

    fn on_zk_event(&mut self, now: Time, event: ClientEvent, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        match event {
            ClientEvent::Connected { new_session } => self.on_connected(now, new_session, out, events),
            ClientEvent::Expired => {
                // KafkaController.processExpire: resign; the new session re-registers.
                self.resign(out);
                self.registered = false;
            }
            ClientEvent::Watch { path, event } => self.on_watch(now, &path, event, out, events),
            ClientEvent::Reply { purpose, result, zxid } => self.on_reply(now, purpose, result, zxid, out, events),
        }
    }

    fn on_connected(&mut self, now: Time, new_session: bool, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if new_session {
            self.resign(out);
            self.registered = false;
        }
        if self.shutting_down.is_some_and(|n| n > self.cfg.controlled_shutdown_max_retries) {
            self.close_session(out, events);
            return;
        }
        if !self.registered {
            // KafkaServer.startup: register in ZooKeeper first, then start the controller
            // elector (which watches /controller).
            self.register(out, events);
        } else {
            self.watch_controller(out, events);
        }
        if let Some(c) = self.controller.as_mut() {
            if c.needs_reload {
                c.needs_reload = false;
                self.start_load(now, out, events);
            }
        }
    }

    fn register(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.registered || !self.zk.connected() {
            return;
        }
        let op = Op::Create {
            path: format!("{BROKER_IDS_PATH}/{}", self.id),
            data: Data::Broker(self.id),
            ephemeral: true,
            sequential: false,
        };
        self.request(Purpose::Register, ClientOp::Write { ops: vec![op], multi: false }, out, events);
    }

    /// Every broker watches `/controller` (exists + watch), and races when it is absent.
    fn watch_controller(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let read = ReadOp::Exists { path: CONTROLLER_PATH.into(), watch: true };
        self.request(Purpose::WatchController, ClientOp::Read(read), out, events);
    }

    fn on_watch(&mut self, now: Time, path: &str, event: EventType, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        match (path, event) {
            (CONTROLLER_PATH, EventType::NodeDeleted) => {
                // Reelect: our own /controller vanished means our session ended.
                self.resign(out);
                self.known_controller = None;
                self.watch_controller(out, events);
            }
            (CONTROLLER_PATH, _) => self.watch_controller(out, events),
            (BROKER_IDS_PATH, EventType::NodeChildrenChanged) => self.enqueue(CtrlEvent::BrokerChange),
            (TOPICS_PATH, EventType::NodeChildrenChanged) => self.enqueue(CtrlEvent::TopicChange),
            _ => {}
        }
        let _ = now;
    }

    fn enqueue(&mut self, event: CtrlEvent) {
        if let Some(c) = self.controller.as_mut() {
            if !c.queue.contains(&event) {
                c.queue.push_back(event);
            }
        }
    }

    fn on_reply(
        &mut self,
        now: Time,
        purpose: Purpose,
        result: ZkResult,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        match purpose {
            Purpose::Register => match result {
                Ok(OpResult::Created { stat, .. }) => {
                    self.registered = true;
                    self.broker_epoch = stat.czxid;
                    out.push(Output::Note(Note::Registered { broker: self.id, broker_epoch: stat.czxid }));
                    self.watch_controller(out, events);
                }
                // KafkaZkClient.checkedEphemeralCreate: on NODEEXISTS, read the node; it may be
                // ours (an earlier create committed but its reply was lost).
                Err(ZkError::NodeExists) => {
                    let read = ReadOp::GetData { path: format!("{BROKER_IDS_PATH}/{}", self.id), watch: false };
                    self.request(Purpose::CheckRegistration, ClientOp::Read(read), out, events);
                }
                _ => {}
            },
            Purpose::CheckRegistration => match result {
                Ok(OpResult::Data { stat, .. }) if stat.ephemeral_owner == self.zk.session && !self.registered => {
                    self.registered = true;
                    self.broker_epoch = stat.czxid;
                    out.push(Output::Note(Note::Registered { broker: self.id, broker_epoch: stat.czxid }));
                    self.watch_controller(out, events);
                }
                Ok(OpResult::Data { stat, .. }) if stat.ephemeral_owner == self.zk.session => {}
                // Gone meanwhile: create it now.
                Err(ZkError::NoNode) => self.register(out, events),
                // The previous session's ephemeral is still there: retry every tick until it
                // expires (Kafka would exit here).
                Ok(_) => {
                    out.push(Output::SetTimer { timer: Timer::RegisterRetry, at: now.plus_ms(self.cfg.tick_time_ms) })
                }
                _ => {}
            },
            Purpose::WatchController => match result {
                Ok(OpResult::Exists(None)) => self.elect(out, events),
                Ok(OpResult::Exists(Some(_))) => {
                    let read = ReadOp::GetData { path: CONTROLLER_PATH.into(), watch: false };
                    self.request(Purpose::ReadController, ClientOp::Read(read), out, events);
                }
                _ => {}
            },
            Purpose::ReadController => match result {
                Ok(OpResult::Data { data: Data::Broker(id), stat }) => {
                    self.known_controller = Some(id);
                    if id != self.id {
                        // maybeResign: someone else holds /controller.
                        self.resign(out);
                    } else if self.controller.is_none() && stat.ephemeral_owner == self.zk.session {
                        // Our election went through but its reply was lost: read the epoch.
                        let read = ReadOp::GetData { path: CONTROLLER_EPOCH_PATH.into(), watch: false };
                        self.request(Purpose::Reclaim, ClientOp::Read(read), out, events);
                    }
                }
                Err(ZkError::NoNode) => self.elect(out, events),
                _ => {}
            },
            Purpose::ReadControllerEpoch => {
                self.electing = false;
                if let Ok(OpResult::Data { data: Data::Int(epoch), stat }) = result {
                    // elect(): one multi creates /controller (ephemeral) and bumps
                    // /controller_epoch conditionally on its zkVersion.
                    let new_epoch = (epoch as u32).saturating_add(1);
                    let ops = vec![
                        Op::Create {
                            path: CONTROLLER_PATH.into(),
                            data: Data::Broker(self.id),
                            ephemeral: true,
                            sequential: false,
                        },
                        Op::SetData {
                            path: CONTROLLER_EPOCH_PATH.into(),
                            data: Data::Int(u64::from(new_epoch)),
                            version: Some(stat.version),
                        },
                    ];
                    let purpose = Purpose::Elect { epoch: new_epoch, zk_version: stat.version + 1 };
                    self.request(purpose, ClientOp::Write { ops, multi: true }, out, events);
                }
            }
            Purpose::Elect { epoch, zk_version } => match result {
                Ok(_) => self.become_controller(now, epoch, zk_version, zxid, out, events),
                // NODEEXISTS or BADVERSION: another broker won; learn who.
                Err(ZkError::NodeExists) | Err(ZkError::BadVersion) => self.watch_controller(out, events),
                _ => {}
            },
            Purpose::Reclaim => {
                if let Ok(OpResult::Data { data: Data::Int(epoch), stat }) = result {
                    if self.controller.is_none() {
                        self.become_controller(now, epoch as u32, stat.version, zxid, out, events);
                    }
                }
            }
            Purpose::CreateTopic => {}
            Purpose::Close => out.push(Output::Halt),
            Purpose::Ctrl(p) => self.on_ctrl_reply(now, p, result, zxid, out, events),
        }
    }

    fn elect(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.controller.is_some() || self.electing || self.shutting_down.is_some() || !self.registered {
            return;
        }
        self.electing = true;
        let read = ReadOp::GetData { path: CONTROLLER_EPOCH_PATH.into(), watch: false };
        self.request(Purpose::ReadControllerEpoch, ClientOp::Read(read), out, events);
    }

    fn resign(&mut self, out: &mut Vec<Out>) {
        if let Some(c) = self.controller.take() {
            out.push(Output::Note(Note::ControllerResigned { broker: self.id, epoch: c.epoch }));
        }
    }

    // ------------------------------------------------------------------ controller

    fn become_controller(
        &mut self,
        now: Time,
        epoch: u32,
        zk_version: u32,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        self.known_controller = Some(self.id);
        self.max_controller_epoch = self.max_controller_epoch.max(epoch);
        self.controller = Some(Box::new(Controller::new(epoch, zk_version, now)));
        out.push(Output::Note(Note::ControllerElected { broker: self.id, epoch, zxid }));
        self.start_load(now, out, events);
    }

    /// onControllerFailover: register the watches and read the whole cluster state.
    fn start_load(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        c.phase = CtrlPhase::Loading;
        c.busy = true;
        c.load_started = now;
        c.topics.clear();
        c.to_load.clear();
        c.loaded_partitions = 0;
        out.push(Output::Note(Note::LoadStarted { partitions: 0 }));
        let read = ReadOp::GetChildren { path: BROKER_IDS_PATH.into(), watch: true };
        self.request(Purpose::Ctrl(CtrlPurpose::Brokers), ClientOp::Read(read), out, events);
    }

    fn ctrl_lost_connection(&mut self) {
        if let Some(c) = self.controller.as_mut() {
            c.needs_reload = true;
            c.busy = false;
            c.writes.clear();
            c.phase = CtrlPhase::Loading;
        }
    }

    fn on_ctrl_reply(
        &mut self,
        now: Time,
        purpose: CtrlPurpose,
        result: ZkResult,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        if self.controller.is_none() {
            return;
        }
        if matches!(result, Err(ZkError::ConnectionLoss) | Err(ZkError::SessionExpired)) {
            self.ctrl_lost_connection();
            return;
        }
        match purpose {
            CtrlPurpose::Brokers => self.on_brokers(now, result, out, events),
            CtrlPurpose::Topics => self.on_topics(now, result, out, events),
            CtrlPurpose::Topic(topic) => self.on_topic_data(now, topic, result, out, events),
            CtrlPurpose::States { topic } => self.on_states(now, topic, result, out),
            CtrlPurpose::Write => self.on_write_done(now, result, zxid, out, events),
        }
    }

    fn on_brokers(&mut self, now: Time, result: ZkResult, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Ok(OpResult::Children { children, .. }) = result else {
            return;
        };
        let new_live: BTreeMap<u32, Zxid> =
            children.iter().filter_map(|(name, czxid)| name.parse::<u32>().ok().map(|id| (id, *czxid))).collect();
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        if c.phase == CtrlPhase::Loading {
            c.live = new_live;
            let read = ReadOp::GetChildren { path: TOPICS_PATH.into(), watch: true };
            self.request(Purpose::Ctrl(CtrlPurpose::Topics), ClientOp::Read(read), out, events);
            return;
        }
        // processBrokerChange: new, dead and bounced (same id, larger czxid) brokers.
        let old = std::mem::replace(&mut c.live, new_live);
        let dead: BTreeSet<u32> = old.keys().filter(|b| !c.live.contains_key(b)).copied().collect();
        let joined: Vec<u32> = c.live.iter().filter(|(b, czxid)| old.get(b) != Some(czxid)).map(|(b, _)| *b).collect();
        for b in &dead {
            c.shutting_down.remove(b);
        }
        for b in &joined {
            c.shutting_down.remove(b);
        }
        // onBrokerStartup: the full metadata and the replicas' LeaderAndIsr to returning brokers.
        self.send_full_state_to(now, &joined, out);
        self.plan_elections(&BTreeSet::new());
        self.start_writes(out, events);
    }

    fn on_topics(&mut self, now: Time, result: ZkResult, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Ok(OpResult::Children { children, .. }) = result else {
            return;
        };
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let names: Vec<String> = children.into_iter().map(|(n, _)| n).filter(|n| !c.topics.contains_key(n)).collect();
        if c.phase == CtrlPhase::Loading {
            c.to_load = names.into();
            self.load_next(now, out, events);
        } else {
            c.pending_topics.extend(names);
            self.next_new_topic(out, events);
        }
    }

    fn next_new_topic(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        match c.pending_topics.pop_front() {
            Some(topic) => {
                let read = ReadOp::GetData { path: format!("{TOPICS_PATH}/{topic}"), watch: false };
                self.request(Purpose::Ctrl(CtrlPurpose::Topic(topic)), ClientOp::Read(read), out, events);
            }
            None => self.start_writes(out, events),
        }
    }

    /// One step of the metadata load: the next topic's assignment, or its next batch of states.
    fn load_next(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let batch = self.cfg.load_batch;
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        if c.phase != CtrlPhase::Loading || c.needs_reload {
            return;
        }
        if let Some(topic) = c.to_load.front().cloned() {
            let have = c.topics.get(&topic).map(|t| t.assignment.partitions());
            match have {
                None => {
                    let read = ReadOp::GetData { path: format!("{TOPICS_PATH}/{topic}"), watch: false };
                    self.request(Purpose::Ctrl(CtrlPurpose::Topic(topic)), ClientOp::Read(read), out, events);
                }
                Some(n) if c.next_from < n => {
                    let from = c.next_from;
                    let read = ReadOp::GetStates { topic: topic.clone(), from, count: batch };
                    self.request(Purpose::Ctrl(CtrlPurpose::States { topic }), ClientOp::Read(read), out, events);
                }
                Some(_) => {
                    c.to_load.pop_front();
                    c.next_from = 0;
                    self.load_next(now, out, events);
                }
            }
            return;
        }
        self.finish_load(now, out, events);
    }

    fn on_topic_data(
        &mut self,
        now: Time,
        topic: String,
        result: ZkResult,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let assignment = match result {
            Ok(OpResult::Data { data: Data::Assignment(a), .. }) => a,
            _ => {
                // Gone or not a topic: skip it.
                if c.phase == CtrlPhase::Loading {
                    c.to_load.pop_front();
                    c.next_from = 0;
                    self.load_next(now, out, events);
                } else {
                    self.next_new_topic(out, events);
                }
                return;
            }
        };
        if c.phase == CtrlPhase::Loading {
            c.topics.insert(topic, TopicCtx { assignment, states: Vec::new() });
            c.next_from = 0;
            self.load_next(now, out, events);
            return;
        }
        // onNewPartitionCreation: NewPartition → OnlinePartition: the first live replica leads,
        // the live replicas form the ISR.
        let epoch = c.epoch;
        let states: Vec<PartState> = (0..assignment.partitions())
            .map(|p| {
                let live: Vec<u32> =
                    assignment.replicas_of(p).iter().copied().filter(|b| c.live.contains_key(b)).collect();
                PartState {
                    leader: live.first().map_or(-1, |b| *b as i32),
                    leader_epoch: 0,
                    controller_epoch: epoch,
                    isr: live.iter().fold(0, |m, b| m | isr_bit(*b)),
                }
            })
            .collect();
        c.writes.push_back(Write::Create { topic, assignment, states: Shared::new(states) });
        self.next_new_topic(out, events);
    }

    fn on_states(&mut self, now: Time, topic: String, result: ZkResult, out: &mut Vec<Out>) {
        let us = self.cfg.load_us_per_partition;
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let Ok(OpResult::States { states, .. }) = result else {
            c.to_load.pop_front();
            c.next_from = 0;
            out.push(Output::SetTimer { timer: Timer::Load, at: now });
            return;
        };
        let n = states.len() as u32;
        if let Some(t) = c.topics.get_mut(&topic) {
            t.states.extend(states);
        }
        c.loaded_partitions += u64::from(n);
        c.next_from += n.max(1);
        // The reads' processing cost (see Config::load_batch for the calibration).
        out.push(Output::SetTimer { timer: Timer::Load, at: now.plus_us(u64::from(n) * us) });
    }

    fn finish_load(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        c.phase = CtrlPhase::Active;
        c.busy = false;
        let partitions = c.partitions();
        let ms = now.since(c.load_started) / 1_000;
        out.push(Output::Note(Note::LoadDone { partitions, ms }));
        if self.cfg.auto_leader_rebalance {
            out.push(Output::SetTimer { timer: Timer::Rebalance, at: now.plus_ms(FIRST_REBALANCE_DELAY_MS) });
        }
        // UpdateMetadata to every broker, LeaderAndIsr for every online replica…
        let live: Vec<u32> = c.live.keys().copied().collect();
        self.send_full_state_to(now, &live, out);
        // …then elect leaders for offline partitions.
        self.plan_elections(&BTreeSet::new());
        self.start_writes(out, events);
    }

    /// Everything (re)joining brokers need: UpdateMetadata with every partition, and
    /// LeaderAndIsr for their replicas (built in one pass, shared by all recipients).
    fn send_full_state_to(&mut self, now: Time, brokers: &[u32], out: &mut Vec<Out>) {
        let Some(c) = self.controller.as_ref() else {
            return;
        };
        let mut all = Vec::with_capacity(c.topics.len());
        let mut mine: BTreeMap<u32, Vec<TopicStates>> = brokers.iter().map(|b| (*b, Vec::new())).collect();
        for (topic, t) in &c.topics {
            let states: Vec<(u32, PartState)> = t.states.iter().enumerate().map(|(p, z)| (p as u32, z.state)).collect();
            let mut own: BTreeMap<u32, Vec<(u32, PartState)>> = BTreeMap::new();
            for (p, state) in &states {
                for b in t.assignment.replicas_of(*p) {
                    if mine.contains_key(b) {
                        own.entry(*b).or_default().push((*p, *state));
                    }
                }
            }
            for (b, states) in own {
                if let Some(list) = mine.get_mut(&b) {
                    list.push(TopicStates { topic: topic.clone(), states });
                }
            }
            all.push(TopicStates { topic: topic.clone(), states });
        }
        let epoch = c.epoch;
        let live_brokers: Vec<u32> = c.live.keys().copied().collect();
        let all = Shared::new(all);
        for (b, list) in mine {
            let lai = KafkaMsg::LeaderAndIsr { controller_epoch: epoch, partitions: Shared::new(list) };
            let um = KafkaMsg::UpdateMetadata {
                controller_epoch: epoch,
                live_brokers: live_brokers.clone(),
                partitions: all.clone(),
            };
            self.send_kafka(now, b, lai, out);
            self.send_kafka(now, b, um, out);
        }
    }

    fn send_kafka(&mut self, now: Time, broker: u32, msg: KafkaMsg, out: &mut Vec<Out>) {
        if broker == self.id {
            self.on_kafka(now, self.node, msg, out);
        } else if broker >= 1 && (broker as usize) <= self.cfg.brokers {
            out.push(Output::Send { to: node_of_broker(&self.cfg, broker), msg: Msg::Kafka(msg) });
        }
    }

    /// PartitionStateMachine: new leaders for partitions whose leader is gone (first live ISR
    /// replica in assignment order), ISR shrink for dead replicas, and ISR expansion for
    /// replicas that came back. `leaving` are brokers in controlled shutdown to move away from.
    fn plan_elections(&mut self, leaving: &BTreeSet<u32>) {
        let unclean = self.cfg.unclean_leader_election;
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let epoch = c.epoch;
        let usable = |b: &u32| c.live.contains_key(b) && !c.shutting_down.contains(b) && !leaving.contains(b);
        for (topic, t) in &c.topics {
            let mut updates = Vec::new();
            for (p, z) in t.states.iter().enumerate() {
                let p = p as u32;
                let replicas = t.assignment.replicas_of(p);
                let old = z.state;
                let mut new = old;
                let leader_ok = old.leader > 0 && usable(&(old.leader as u32));
                // OfflineReplica: dead or leaving replicas leave the ISR, but a sole member
                // stays (with leader −1 if it cannot lead).
                let live_isr = replicas.iter().filter(|b| old.in_isr(**b) && usable(b)).fold(0, |m, b| m | isr_bit(*b));
                new.isr = if live_isr == 0 { old.isr } else { live_isr };
                if leader_ok {
                    // A replica that returned rejoins the ISR (stands in for catch-up and
                    // AlterPartition).
                    for b in replicas.iter().filter(|b| c.live.contains_key(b) && !c.shutting_down.contains(b)) {
                        if !leaving.contains(b) {
                            new.isr |= isr_bit(*b);
                        }
                    }
                } else {
                    // OfflinePartition → OnlinePartition: first live replica in the ISR.
                    let clean = replicas.iter().copied().find(|b| old.in_isr(*b) && usable(b));
                    let choice =
                        clean.or_else(|| if unclean { replicas.iter().copied().find(|b| usable(b)) } else { None });
                    match choice {
                        Some(b) => {
                            new.leader = b as i32;
                            if clean.is_none() {
                                new.isr = isr_bit(b);
                            }
                        }
                        None => new.leader = -1,
                    }
                }
                if new.leader != old.leader || new.isr != old.isr {
                    // The controller bumps the leader epoch whenever it changes leader or ISR.
                    if new.leader != old.leader || new.isr & !old.isr == 0 {
                        new.leader_epoch = old.leader_epoch + 1;
                    }
                    new.controller_epoch = epoch;
                    updates.push(StateUpdate { partition: p, state: new, expected_version: z.version });
                }
            }
            if !updates.is_empty() {
                c.writes.push_back(Write::Set { topic: topic.clone(), updates: Shared::new(updates) });
            }
        }
    }

    /// Auto leader rebalance (`auto.leader.rebalance.enable`): give each partition back to its
    /// preferred replica (the first in assignment order) when that replica is alive and in the
    /// ISR. (Kafka only acts above `leader.imbalance.per.broker.percentage` = 10 %; the model
    /// rebalances every imbalanced partition.)
    fn plan_preferred(&mut self) {
        let Some(c) = self.controller.as_mut() else { return };
        let epoch = c.epoch;
        for (topic, t) in &c.topics {
            let mut updates = Vec::new();
            for (p, z) in t.states.iter().enumerate() {
                let Some(&preferred) = t.assignment.replicas_of(p as u32).first() else { continue };
                let usable = c.live.contains_key(&preferred) && !c.shutting_down.contains(&preferred);
                if z.state.leader != preferred as i32 && usable && z.state.in_isr(preferred) {
                    let state = PartState {
                        leader: preferred as i32,
                        leader_epoch: z.state.leader_epoch + 1,
                        controller_epoch: epoch,
                        isr: z.state.isr,
                    };
                    updates.push(StateUpdate { partition: p as u32, state, expected_version: z.version });
                }
            }
            if !updates.is_empty() {
                c.writes.push_back(Write::Set { topic: topic.clone(), updates: Shared::new(updates) });
            }
        }
    }

    fn start_writes(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let check = Op::Check { path: CONTROLLER_EPOCH_PATH.into(), version: c.epoch_zk_version };
        let Some(write) = c.writes.front().cloned() else {
            c.busy = false;
            self.finish_event(out);
            return;
        };
        c.busy = true;
        // Every controller write carries a CheckOp on /controller_epoch (KAFKA-6082).
        let op = match write {
            Write::Set { topic, updates } => Op::SetStates { topic, updates },
            Write::Create { topic, states, .. } => Op::CreateStates { topic, states },
        };
        self.request(
            Purpose::Ctrl(CtrlPurpose::Write),
            ClientOp::Write { ops: vec![check, op], multi: true },
            out,
            events,
        );
    }

    fn on_write_done(
        &mut self,
        now: Time,
        result: ZkResult,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        let id = self.id;
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let Some(write) = c.writes.pop_front() else {
            return;
        };
        let epoch = c.epoch;
        match result {
            Ok(OpResult::Multi(results)) => {
                let failed: BTreeSet<u32> = match results.get(1) {
                    Some(OpResult::StatesSet { failed }) => failed.iter().copied().collect(),
                    _ => BTreeSet::new(),
                };
                let (topic, changed) = match write {
                    Write::Set { topic, updates } => {
                        let ok: Vec<StateUpdate> =
                            updates.iter().filter(|u| !failed.contains(&u.partition)).copied().collect();
                        if let Some(t) = c.topics.get_mut(&topic) {
                            for u in &ok {
                                if let Some(z) = t.states.get_mut(u.partition as usize) {
                                    z.state = u.state;
                                    z.version = u.expected_version + 1;
                                    z.mzxid = zxid;
                                }
                            }
                        }
                        if !failed.is_empty() {
                            // Someone else wrote these: reload (the model's simplification).
                            c.needs_reload = true;
                        }
                        let ok = Shared::new(ok);
                        out.push(Output::Note(Note::StatesWritten {
                            controller_epoch: epoch,
                            zxid,
                            topic: topic.clone(),
                            updates: ok.clone(),
                        }));
                        let changed: Vec<(u32, PartState)> = ok.iter().map(|u| (u.partition, u.state)).collect();
                        (topic, changed)
                    }
                    Write::Create { topic, assignment, states } => {
                        let znodes = states.iter().map(|s| StateZnode { state: *s, version: 0, mzxid: zxid }).collect();
                        c.topics.insert(topic.clone(), TopicCtx { assignment, states: znodes });
                        out.push(Output::Note(Note::StatesCreated {
                            controller_epoch: epoch,
                            zxid,
                            topic: topic.clone(),
                            states: states.clone(),
                        }));
                        out.push(Output::Note(Note::TopicCreated {
                            topic: topic.clone(),
                            partitions: states.len() as u32,
                        }));
                        (topic, states.iter().enumerate().map(|(p, s)| (p as u32, *s)).collect())
                    }
                };
                self.broadcast_changes(now, &topic, changed, out);
                if self.controller.as_ref().is_some_and(|c| c.needs_reload) {
                    if let Some(c) = self.controller.as_mut() {
                        c.needs_reload = false;
                        c.writes.clear();
                    }
                    self.start_load(now, out, events);
                    return;
                }
                self.start_writes(out, events);
            }
            Err(ZkError::BadVersion) => {
                // The epoch check failed: a newer controller exists. We are fenced.
                out.push(Output::Note(Note::Fenced { broker: id, epoch }));
                self.resign(out);
                self.watch_controller(out, events);
            }
            Err(_) | Ok(_) => {
                if let Some(c) = self.controller.as_mut() {
                    c.writes.clear();
                    c.busy = false;
                }
                self.finish_event(out);
            }
        }
    }

    /// LeaderAndIsr to the replicas of the changed partitions, UpdateMetadata to every broker.
    fn broadcast_changes(&mut self, now: Time, topic: &str, changed: Vec<(u32, PartState)>, out: &mut Vec<Out>) {
        let Some(c) = self.controller.as_ref() else {
            return;
        };
        let Some(t) = c.topics.get(topic) else { return };
        let epoch = c.epoch;
        let live: Vec<u32> = c.live.keys().copied().collect();
        let mut per_broker: BTreeMap<u32, Vec<(u32, PartState)>> = BTreeMap::new();
        for (p, s) in &changed {
            for b in t.assignment.replicas_of(*p) {
                if c.live.contains_key(b) {
                    per_broker.entry(*b).or_default().push((*p, *s));
                }
            }
        }
        let um = Shared::new(vec![TopicStates { topic: topic.to_string(), states: changed }]);
        for (b, states) in per_broker {
            let partitions = Shared::new(vec![TopicStates { topic: topic.to_string(), states }]);
            self.send_kafka(now, b, KafkaMsg::LeaderAndIsr { controller_epoch: epoch, partitions }, out);
        }
        for b in live.iter().copied() {
            let msg = KafkaMsg::UpdateMetadata {
                controller_epoch: epoch,
                live_brokers: live.clone(),
                partitions: um.clone(),
            };
            self.send_kafka(now, b, msg, out);
        }
    }

    fn finish_event(&mut self, out: &mut Vec<Out>) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let replies = std::mem::take(&mut c.reply_shutdown);
        let remaining: Vec<(u32, u32)> = replies
            .iter()
            .map(|b| {
                let led = c
                    .topics
                    .values()
                    .map(|t| t.states.iter().filter(|z| z.state.leader == *b as i32).count() as u32)
                    .sum::<u32>();
                (*b, led)
            })
            .collect();
        for (broker, remaining) in remaining {
            if broker == self.id {
                // Our own controlled shutdown: finished by `pump`.
                if remaining == 0 {
                    self.shutting_down = self.shutting_down.map(|_| u32::MAX);
                }
            } else {
                let msg = KafkaMsg::ControlledShutdownResponse { ok: remaining == 0, remaining };
                out.push(Output::Send { to: node_of_broker(&self.cfg, broker), msg: Msg::Kafka(msg) });
            }
        }
    }

    /// The controller's event thread: one event at a time, only once loaded.
    fn pump(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.shutting_down == Some(u32::MAX) {
            self.shutting_down = Some(self.cfg.controlled_shutdown_max_retries + 1);
            out.push(Output::Note(Note::ControlledShutdownDone { broker: self.id }));
            self.close_session(out, events);
        }
        loop {
            let Some(c) = self.controller.as_mut() else {
                return;
            };
            if c.busy || c.phase != CtrlPhase::Active || !self.zk.connected() {
                return;
            }
            let Some(event) = c.queue.pop_front() else {
                return;
            };
            c.busy = true;
            match event {
                CtrlEvent::BrokerChange => {
                    let read = ReadOp::GetChildren { path: BROKER_IDS_PATH.into(), watch: true };
                    self.request(Purpose::Ctrl(CtrlPurpose::Brokers), ClientOp::Read(read), out, events);
                }
                CtrlEvent::TopicChange => {
                    let read = ReadOp::GetChildren { path: TOPICS_PATH.into(), watch: true };
                    self.request(Purpose::Ctrl(CtrlPurpose::Topics), ClientOp::Read(read), out, events);
                }
                CtrlEvent::PreferredReplicaElection => {
                    self.plan_preferred();
                    self.start_writes(out, events);
                }
                CtrlEvent::ControlledShutdown { broker } => {
                    // §2.5: move leadership away and shrink the ISR, then answer.
                    c.reply_shutdown.push(broker);
                    let mut leaving = BTreeSet::new();
                    leaving.insert(broker);
                    self.plan_elections(&leaving);
                    if let Some(c) = self.controller.as_mut() {
                        c.shutting_down.insert(broker);
                    }
                    self.start_writes(out, events);
                }
            }
            // Requests that failed at once come back as events: handle them now.
            let mut rounds = 0;
            while !events.is_empty() && rounds < 64 {
                rounds += 1;
                for event in std::mem::take(events) {
                    self.on_zk_event(now, event, out, events);
                }
            }
        }
    }

    // ------------------------------------------------------------------ broker side

    fn on_kafka(&mut self, now: Time, from: NodeId, msg: KafkaMsg, out: &mut Vec<Out>) {
        match msg {
            KafkaMsg::LeaderAndIsr { controller_epoch, partitions } => {
                if self.reject_stale(from, controller_epoch, "LeaderAndIsr response", out) {
                    return;
                }
                let mut applied = 0;
                for t in partitions.iter() {
                    let known = self.replicas.entry(t.topic.clone()).or_default();
                    for (p, s) in &t.states {
                        let i = *p as usize;
                        if known.len() <= i {
                            known.resize(i + 1, None);
                        }
                        let Some(slot) = known.get_mut(i) else { continue };
                        // LeaderAndIsr is applied only for a newer leader epoch.
                        if slot.is_none_or(|(_, e)| s.leader_epoch > e) {
                            *slot = Some((s.leader, s.leader_epoch));
                            applied += 1;
                        }
                    }
                }
                out.push(Output::Note(Note::LeaderAndIsrApplied { controller_epoch, partitions: applied }));
                self.reply_control(from, "LeaderAndIsr response", false, out);
            }
            KafkaMsg::UpdateMetadata { controller_epoch, live_brokers, partitions } => {
                if self.reject_stale(from, controller_epoch, "UpdateMetadata response", out) {
                    return;
                }
                self.live_brokers = live_brokers;
                self.metadata_partitions =
                    self.metadata_partitions.max(partitions.iter().map(|t| t.states.len() as u64).sum());
                self.reply_control(from, "UpdateMetadata response", false, out);
            }
            KafkaMsg::ControlledShutdown { broker, .. } => {
                if self.is_active_controller() || self.controller.is_some() {
                    self.enqueue(CtrlEvent::ControlledShutdown { broker });
                }
            }
            KafkaMsg::ControlledShutdownResponse { ok, .. } => {
                if ok && self.shutting_down.is_some() {
                    self.shutting_down = Some(u32::MAX);
                }
            }
            KafkaMsg::ControlResponse { .. } => {}
        }
        let _ = now;
    }

    /// Brokers reject requests from an older controller epoch (STALE_CONTROLLER_EPOCH).
    fn reject_stale(&mut self, from: NodeId, controller_epoch: u32, api: &'static str, out: &mut Vec<Out>) -> bool {
        if controller_epoch < self.max_controller_epoch {
            out.push(Output::Note(Note::StaleControllerEpoch { controller_epoch, known: self.max_controller_epoch }));
            self.reply_control(from, api, true, out);
            return true;
        }
        self.max_controller_epoch = controller_epoch;
        false
    }

    fn reply_control(&mut self, to: NodeId, api: &'static str, stale: bool, out: &mut Vec<Out>) {
        if to != self.node {
            out.push(Output::Send { to, msg: Msg::Kafka(KafkaMsg::ControlResponse { api, stale }) });
        }
    }

    /// The admin path: write `/brokers/topics/T` with the assignment; the controller's child
    /// watch on `/brokers/topics` does the rest.
    fn create_topic(
        &mut self,
        name: String,
        partitions: u32,
        rf: u32,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        // Kafka's limits: topic names of at most 249 characters without '/'; the model also
        // caps a topic at a million partitions (the scenario parser's limit).
        if name.is_empty() || name.len() > 249 || name.contains('/') || partitions == 0 || partitions > 1_000_000 {
            return;
        }
        let brokers = self.cfg.brokers as u32;
        let assignment = Assignment::round_robin(partitions, rf, brokers);
        let op = Op::Create {
            path: format!("{TOPICS_PATH}/{name}"),
            data: Data::Assignment(Shared::new(assignment)),
            ephemeral: false,
            sequential: false,
        };
        self.request(Purpose::CreateTopic, ClientOp::Write { ops: vec![op], multi: false }, out, events);
    }

    /// §2.5: ask the controller to move leadership away; retry with backoff; then close the
    /// session (which deletes `/brokers/ids/N`, and `/controller` if we hold it).
    fn start_shutdown(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.shutting_down.is_some() {
            return;
        }
        self.shutting_down = Some(0);
        self.send_controlled_shutdown(now, out, events);
    }

    fn send_controlled_shutdown(&mut self, now: Time, out: &mut Vec<Out>, _events: &mut Vec<ClientEvent>) {
        if self.controller.is_some() {
            self.enqueue(CtrlEvent::ControlledShutdown { broker: self.id });
        } else if let Some(c) = self.known_controller {
            let msg = KafkaMsg::ControlledShutdown { broker: self.id, broker_epoch: self.broker_epoch };
            self.send_kafka(now, c, msg, out);
        }
        out.push(Output::SetTimer {
            timer: Timer::ShutdownRetry,
            at: now.plus_ms(self.cfg.controlled_shutdown_retry_backoff_ms),
        });
    }

    fn retry_shutdown(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Some(attempts) = self.shutting_down else {
            return;
        };
        if attempts >= self.cfg.controlled_shutdown_max_retries {
            if attempts > self.cfg.controlled_shutdown_max_retries + 1 {
                // The close never came back: stop anyway.
                out.push(Output::Halt);
                return;
            }
            self.shutting_down = Some(self.cfg.controlled_shutdown_max_retries + 1);
            self.close_session(out, events);
            out.push(Output::SetTimer { timer: Timer::ShutdownRetry, at: now.plus_ms(self.cfg.tick_time_ms) });
            return;
        }
        self.shutting_down = Some(attempts + 1);
        self.send_controlled_shutdown(now, out, events);
    }

    fn close_session(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        self.shutting_down = Some(self.cfg.controlled_shutdown_max_retries + 2);
        if self.zk.connected() {
            self.request(Purpose::Close, ClientOp::CloseSession, out, events);
        } else {
            out.push(Output::Halt);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zk::testkit::config;

    fn broker(id: u32) -> Broker {
        let cfg = config();
        let node = cfg.servers() + id as usize - 1;
        Broker::new(id, node, cfg, 1)
    }

    fn lai(controller_epoch: u32, leader: i32, leader_epoch: u32) -> Msg {
        let state = PartState { leader, leader_epoch, controller_epoch, isr: isr_bit(1) | isr_bit(2) };
        let partitions = Shared::new(vec![TopicStates { topic: "t".into(), states: vec![(0, state)] }]);
        Msg::Kafka(KafkaMsg::LeaderAndIsr { controller_epoch, partitions })
    }

    fn step(b: &mut Broker, input: In) -> Vec<Out> {
        let mut out = Vec::new();
        b.step(Time::from_ms(1), input, &mut out);
        out
    }

    #[test]
    fn brokers_reject_requests_from_an_older_controller_epoch() {
        let mut b = broker(1);
        step(&mut b, Input::Msg { from: 4, msg: lai(2, 2, 5) });
        assert_eq!(b.replicas["t"][0], Some((2, 5)));
        let out = step(&mut b, Input::Msg { from: 5, msg: lai(1, 3, 9) });
        // STALE_CONTROLLER_EPOCH (ReplicaManager): nothing applied.
        assert_eq!(
            out,
            vec![
                Output::Note(Note::StaleControllerEpoch { controller_epoch: 1, known: 2 }),
                Output::Send {
                    to: 5,
                    msg: Msg::Kafka(KafkaMsg::ControlResponse { api: "LeaderAndIsr response", stale: true })
                },
            ]
        );
        assert_eq!(b.replicas["t"][0], Some((2, 5)));
    }

    #[test]
    fn leader_and_isr_is_applied_only_for_a_newer_leader_epoch() {
        let mut b = broker(1);
        step(&mut b, Input::Msg { from: 4, msg: lai(2, 2, 5) });
        let out = step(&mut b, Input::Msg { from: 4, msg: lai(2, 1, 5) });
        assert!(out.contains(&Output::Note(Note::LeaderAndIsrApplied { controller_epoch: 2, partitions: 0 })));
        assert_eq!(b.replicas["t"][0], Some((2, 5)));
    }

    #[test]
    fn a_controller_whose_epoch_check_fails_is_fenced_and_resigns() {
        let mut b = broker(1);
        let mut c = Controller::new(3, 3, Time::ZERO);
        c.phase = CtrlPhase::Active;
        let updates = Shared::new(vec![StateUpdate { partition: 0, state: PartState::default(), expected_version: 0 }]);
        c.writes.push_back(Write::Set { topic: "t".into(), updates });
        c.busy = true;
        b.controller = Some(Box::new(c));
        let mut out = Vec::new();
        let mut events = Vec::new();
        // KAFKA-6082: the CheckOp on /controller_epoch's zkVersion failed: BADVERSION.
        let purpose = Purpose::Ctrl(CtrlPurpose::Write);
        b.on_reply(Time::from_ms(1), purpose, Err(ZkError::BadVersion), 0, &mut out, &mut events);
        assert_eq!(out[0], Output::Note(Note::Fenced { broker: 1, epoch: 3 }));
        assert_eq!(out[1], Output::Note(Note::ControllerResigned { broker: 1, epoch: 3 }));
        assert!(b.controller.is_none());
    }

    #[test]
    fn offline_partitions_get_the_first_live_isr_replica_in_assignment_order() {
        let mut b = broker(1);
        let mut c = Controller::new(2, 2, Time::ZERO);
        c.phase = CtrlPhase::Active;
        c.live = [(1, 1), (3, 3)].into_iter().collect();
        let assignment = Shared::new(Assignment { rf: 3, replicas: vec![2, 3, 1, 2, 1, 3] });
        let dead_leader = |isr| StateZnode {
            state: PartState { leader: 2, leader_epoch: 4, controller_epoch: 1, isr },
            version: 7,
            mzxid: 0,
        };
        // p0: replicas [2, 3, 1], ISR {2, 1}: b3 is alive but not in the ISR → b1.
        // p1: replicas [2, 1, 3], ISR {2}: no live ISR member → leader −1, ISR kept.
        let states = vec![dead_leader(isr_bit(2) | isr_bit(1)), dead_leader(isr_bit(2))];
        c.topics.insert("t".into(), TopicCtx { assignment, states });
        b.controller = Some(Box::new(c));
        b.plan_elections(&BTreeSet::new());
        let c = b.controller.as_ref().unwrap();
        let Some(Write::Set { updates, .. }) = c.writes.front() else { panic!("no write planned") };
        assert_eq!(
            updates.to_vec(),
            vec![
                StateUpdate {
                    partition: 0,
                    state: PartState { leader: 1, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(1) },
                    expected_version: 7,
                },
                StateUpdate {
                    partition: 1,
                    state: PartState { leader: -1, leader_epoch: 5, controller_epoch: 2, isr: isr_bit(2) },
                    expected_version: 7,
                },
            ]
        );
    }
}
