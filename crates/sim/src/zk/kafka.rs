//! A Kafka broker in ZooKeeper mode (domain.md §2; `KafkaController.scala`, `KafkaZkClient.scala`):
//! registration under `/brokers/ids`, the race for `/controller`, the broker side of the
//! controller's requests, topic creation through the admin path and controlled shutdown. The
//! controller itself (on the winner of the race) is in `kafka/controller.rs`.

use crate::sorted::SortedMap;
use std::rc::Rc;

use crate::rng::Rng;
use crate::time::Time;
use crate::world::{Input, Output};
use crate::NodeId;

use super::client::{ClientEvent, ZkClient};
use super::config::Config;
use super::msg::{
    Assignment, ClientOp, Data, EventType, KafkaMsg, Msg, Op, OpResult, ReadOp, Shared, ZkError, ZkResult, Zxid,
};
use super::tree::DataTree;
use super::{Cmd, In, Note, Out, Timer};

pub(crate) mod controller;
pub use controller::{Controller, CtrlEvent, CtrlPhase, CtrlPurpose, TopicCtx, FIRST_REBALANCE_DELAY_MS};

pub const CONTROLLER_PATH: &str = "/controller";
pub const CONTROLLER_EPOCH_PATH: &str = "/controller_epoch";
pub const BROKER_IDS_PATH: &str = "/brokers/ids";
pub const TOPICS_PATH: &str = "/brokers/topics";
/// `ConfigEntityTypeZNode` for topics: `/config/topics/T` holds a topic's config overrides.
pub const CONFIG_TOPICS_PATH: &str = "/config/topics";
/// `ConfigEntityChangeNotificationZNode`: the sequential change notifications live here.
pub const CONFIG_CHANGES_PATH: &str = "/config/changes";
/// `ConfigEntityChangeNotificationSequenceZNode.SequenceNumberPrefix`.
pub const CONFIG_CHANGE_PREFIX: &str = "config_change_";

/// A set of partition numbers, one bit each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartitionSet {
    words: Vec<u64>,
    len: u32,
}

impl PartitionSet {
    pub fn insert(&mut self, partition: u32) {
        let (word, bit) = ((partition / 64) as usize, partition % 64);
        if self.words.len() <= word {
            self.words.resize(word + 1, 0);
        }
        if let Some(w) = self.words.get_mut(word) {
            if *w & (1 << bit) == 0 {
                *w |= 1 << bit;
                self.len += 1;
            }
        }
    }

    pub fn contains(&self, partition: u32) -> bool {
        self.words.get((partition / 64) as usize).is_some_and(|w| w & (1 << (partition % 64)) != 0)
    }

    /// How many partitions the set holds.
    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Why the broker sent a ZooKeeper request (the callback of an async call).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    Register,
    CheckRegistration,
    WatchController,
    ReadController,
    ReadControllerEpoch,
    Elect {
        epoch: u32,
        zk_version: u32,
    },
    Reclaim,
    CreateTopic,
    /// ZkNodeChangeNotificationListener: getChildren(/config/changes) with a watch.
    ConfigChanges,
    /// Read one change notification.
    ConfigChange {
        seq: u64,
        name: String,
    },
    /// DynamicConfigManager.startup: the topics that have config overrides.
    StartupConfigs,
    /// One topic's overrides, read at startup (`fetchAllEntityConfigs`).
    StartupConfig {
        topic: String,
    },
    /// The config of the topic a notification names (`fetchEntityConfig`).
    TopicConfig {
        topic: String,
        seq: u64,
        change: String,
    },
    Close,
    Ctrl(CtrlPurpose),
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
    pub replicas: SortedMap<String, Vec<Option<(i32, u32)>>>,
    pub metadata_partitions: u64,
    /// MetadataCache: the partitions of each topic that some UpdateMetadata has given this
    /// broker (read by the metadata-change latency measurement, never by the protocol).
    pub metadata_topics: SortedMap<String, PartitionSet>,
    pub live_brokers: Vec<u32>,
    /// When each of `live_brokers` last entered that list (read by the metadata-change latency
    /// measurement, never by the protocol: a bounced broker's id is listed before and after).
    pub listed_since: SortedMap<u32, Time>,
    /// Controlled shutdown in progress: attempts so far.
    pub shutting_down: Option<u32>,
    electing: bool,
    /// Topic config overrides this broker applied, from `/config/topics/T`.
    pub topic_configs: SortedMap<String, Shared<Vec<(String, String)>>>,
    /// ZkNodeChangeNotificationListener.lastExecutedChange (−1 is `None`).
    pub last_executed_change: Option<u64>,
    /// The newest change whose reads are under way (so a second child event does not read it
    /// twice).
    config_change_requested: Option<u64>,
    /// The session in which the notification listener was started (its child watch is tied to
    /// the session; a new session starts it again).
    config_listener_session: u64,
    /// A config read failed with CONNECTIONLOSS: run the listener again on reconnect (Kafka's
    /// `retryRequestUntilConnected`).
    config_retry: bool,
    /// DynamicConfigManager.startup has read every topic's overrides in this process.
    configs_loaded: bool,
    /// The server's zxid when this process read `/config/topics` at startup, while that
    /// read's per-topic reads stand: every config written up to it is applied here.
    pub configs_read_at: Option<Zxid>,
}

/// The admin tool's writes for `AdminZkClient.changeTopicConfig(topic, configs)`, read from
/// `tree`: `None` when the topic does not exist (`validateTopicConfig`:
/// UnknownTopicOrPartitionException). Otherwise `setOrCreateEntityConfigs` (setData on
/// `/config/topics/T` with the full merged config, or create it) and then
/// `createConfigChangeNotification` (a persistent sequential `/config/changes/config_change_`
/// naming `topics/T`), as two requests.
pub(crate) fn change_topic_config_ops(tree: &DataTree, topic: &str, key: &str, value: &str) -> Option<[Op; 2]> {
    tree.get(&format!("{TOPICS_PATH}/{topic}"))?;
    let path = format!("{CONFIG_TOPICS_PATH}/{topic}");
    // kafka-configs reads the current overrides and writes them back with the new one.
    let mut configs: Vec<(String, String)> = match tree.get(&path).map(|z| &z.data) {
        Some(Data::TopicConfig(current)) => current.iter().filter(|(k, _)| k != key).cloned().collect(),
        _ => Vec::new(),
    };
    configs.push((key.to_string(), value.to_string()));
    crate::sorted::insertion_sort_by(&mut configs, |a, b| a < b);
    let data = Data::TopicConfig(Shared::new(configs));
    let write_config = match tree.get(&path) {
        Some(_) => Op::SetData { path, data, version: None },
        None => Op::Create { path, data, ephemeral: false, sequential: false },
    };
    let notify = Op::Create {
        path: format!("{CONFIG_CHANGES_PATH}/{CONFIG_CHANGE_PREFIX}"),
        data: Data::ConfigChange { entity_path: format!("topics/{topic}") },
        ephemeral: false,
        sequential: true,
    };
    Some([write_config, notify])
}

/// The admin path's write (`AdminZkClient.createTopic`): `/brokers/topics/T` with a round-robin
/// assignment over the brokers, or `None` for a request Kafka would refuse (empty name or one
/// with '/', more than 249 characters; the model also caps a topic at a million partitions,
/// the scenario parser's limit).
pub(crate) fn create_topic_op(cfg: &Config, name: &str, partitions: u32, rf: u32) -> Option<Op> {
    if name.is_empty() || name.len() > 249 || name.contains('/') || partitions == 0 || partitions > 1_000_000 {
        return None;
    }
    let assignment = Assignment::round_robin(partitions, rf, cfg.brokers as u32);
    Some(Op::Create {
        path: format!("{TOPICS_PATH}/{name}"),
        data: Data::Assignment(Shared::new(assignment)),
        ephemeral: false,
        sequential: false,
    })
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
            replicas: SortedMap::new(),
            metadata_partitions: 0,
            metadata_topics: SortedMap::new(),
            live_brokers: Vec::new(),
            listed_since: SortedMap::new(),
            shutting_down: None,
            electing: false,
            topic_configs: SortedMap::new(),
            last_executed_change: None,
            config_change_requested: None,
            config_listener_session: 0,
            config_retry: false,
            configs_loaded: false,
            configs_read_at: None,
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
            // The admin tool writes configs through ZooKeeper, not through a broker.
            Input::Client(Cmd::AlterConfig { .. }) => {}
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
            if self.config_retry {
                self.config_retry = false;
                self.process_config_changes(out, events);
                self.load_configs(out, events);
            }
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
                // KafkaController's ControllerChange handler: every broker's watch fires; each
                // reads /controller and, if it is still free, tries to create it (elect).
                out.push(Output::Note(Note::ControllerGone));
                // Reelect: our own /controller vanished means our session ended.
                self.resign(out);
                self.known_controller = None;
                self.watch_controller(out, events);
            }
            (CONTROLLER_PATH, _) => self.watch_controller(out, events),
            (BROKER_IDS_PATH, EventType::NodeChildrenChanged) => self.enqueue(CtrlEvent::BrokerChange),
            (TOPICS_PATH, EventType::NodeChildrenChanged) => self.enqueue(CtrlEvent::TopicChange),
            // ZkNodeChangeNotificationListener.ChangeNotificationHandler.handleChildChange.
            (CONFIG_CHANGES_PATH, EventType::NodeChildrenChanged) => self.process_config_changes(out, events),
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
                    self.start_config_listener(out, events);
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
                    self.start_config_listener(out, events);
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
                Err(e @ (ZkError::NodeExists | ZkError::BadVersion)) => {
                    out.push(Output::Note(Note::ControllerRaceLost { exists: e == ZkError::NodeExists }));
                    self.watch_controller(out, events)
                }
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
            Purpose::ConfigChanges => self.on_config_changes(result, out, events),
            Purpose::ConfigChange { seq, name } => self.on_config_change(seq, name, result, out, events),
            Purpose::TopicConfig { topic, seq, change } => self.on_topic_config(topic, seq, change, result, out),
            Purpose::StartupConfigs => self.on_startup_configs(result, zxid, out, events),
            Purpose::StartupConfig { topic } => self.on_startup_config(topic, result, out),
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

    // ------------------------------------------------------------------ config changes

    /// Kafka ZK mode: the broker's DynamicConfigManager starts a ZkNodeChangeNotificationListener
    /// on `/config/changes` once the broker is registered, and again in every new session (its
    /// watch died with the old one).
    fn start_config_listener(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.config_listener_session == self.zk.session {
            return;
        }
        self.config_listener_session = self.zk.session;
        self.process_config_changes(out, events);
        self.load_configs(out, events);
    }

    /// DynamicConfigManager.startup, after the listener's init: "apply all existing ... configs
    /// to bootstrap the overrides" (`fetchAllEntityConfigs(Topic)`). Once per process: a change
    /// whose notification never committed still reaches a broker when it restarts.
    fn load_configs(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.configs_loaded {
            return;
        }
        let read = ReadOp::GetChildren { path: CONFIG_TOPICS_PATH.into(), watch: false };
        self.request(Purpose::StartupConfigs, ClientOp::Read(read), out, events);
    }

    fn on_startup_configs(&mut self, result: ZkResult, zxid: Zxid, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let Ok(OpResult::Children { children, .. }) = result else {
            // Lost with the connection: read them again with the listener (`config_retry`).
            self.config_retry = true;
            return;
        };
        self.configs_loaded = true;
        // The reads that follow, on the same session, see at least this state.
        self.configs_read_at = Some(zxid);
        for (topic, _) in children {
            let read = ReadOp::GetData { path: format!("{CONFIG_TOPICS_PATH}/{topic}"), watch: false };
            self.request(Purpose::StartupConfig { topic }, ClientOp::Read(read), out, events);
        }
    }

    /// TopicConfigHandler.processConfigChanges at startup. Reads on one session are answered in
    /// order, so a notification's read issued later cannot be overwritten by this older one.
    fn on_startup_config(&mut self, topic: String, result: ZkResult, out: &mut Vec<Out>) {
        let configs = match result {
            Ok(OpResult::Data { data: Data::TopicConfig(configs), .. }) => configs,
            Err(ZkError::ConnectionLoss) => {
                self.configs_loaded = false;
                self.configs_read_at = None;
                self.config_retry = true;
                return;
            }
            _ => return,
        };
        // No overrides: nothing to apply (a new process starts with none).
        if !configs.is_empty() && self.topic_configs.get(&topic) != Some(&configs) {
            self.topic_configs.insert(topic.clone(), configs.clone());
            out.push(Output::Note(Note::TopicConfigLoaded { topic, configs }));
        }
    }

    /// `processNotifications`: getChildren with a watch (which also re-arms the one-shot
    /// child watch), then every change newer than lastExecutedChange, in sequence order.
    fn process_config_changes(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let read = ReadOp::GetChildren { path: CONFIG_CHANGES_PATH.into(), watch: true };
        self.request(Purpose::ConfigChanges, ClientOp::Read(read), out, events);
    }

    fn on_config_changes(&mut self, result: ZkResult, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let children = match result {
            Ok(OpResult::Children { children, .. }) => children,
            Err(ZkError::ConnectionLoss) => {
                self.config_retry = true;
                return;
            }
            _ => return,
        };
        let mut changes: Vec<(u64, String)> = children
            .into_iter()
            .filter_map(|(name, _)| {
                let seq = name.strip_prefix(CONFIG_CHANGE_PREFIX)?.parse::<u64>().ok()?;
                Some((seq, name))
            })
            .collect();
        crate::sorted::insertion_sort_by(&mut changes, |a, b| a < b);
        for (seq, name) in changes {
            if self.config_change_requested.is_some_and(|done| seq <= done) {
                continue;
            }
            self.config_change_requested = Some(seq);
            let read = ReadOp::GetData { path: format!("{CONFIG_CHANGES_PATH}/{name}"), watch: false };
            self.request(Purpose::ConfigChange { seq, name }, ClientOp::Read(read), out, events);
        }
    }

    /// `processNotification`: the change names `topics/T`; read that topic's config.
    fn on_config_change(
        &mut self,
        seq: u64,
        name: String,
        result: ZkResult,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        match result {
            Ok(OpResult::Data { data: Data::ConfigChange { entity_path }, .. }) => {
                match entity_path.strip_prefix("topics/") {
                    Some(topic) => {
                        let read = ReadOp::GetData { path: format!("{CONFIG_TOPICS_PATH}/{topic}"), watch: false };
                        let purpose = Purpose::TopicConfig { topic: topic.to_string(), seq, change: name };
                        self.request(purpose, ClientOp::Read(read), out, events);
                    }
                    None => self.last_executed_change = Some(seq),
                }
            }
            Err(ZkError::ConnectionLoss) => self.config_read_lost(),
            // Gone (purged) or not a change notification: skip it, as Kafka logs and moves on.
            _ => self.last_executed_change = self.last_executed_change.max(Some(seq)),
        }
    }

    /// TopicConfigHandler.processConfigChanges: the topic's logs now use these overrides.
    fn on_topic_config(&mut self, topic: String, seq: u64, change: String, result: ZkResult, out: &mut Vec<Out>) {
        let configs = match result {
            Ok(OpResult::Data { data: Data::TopicConfig(configs), .. }) => configs,
            Err(ZkError::ConnectionLoss) => return self.config_read_lost(),
            // No `/config/topics/T`: getEntityConfigs gives empty Properties.
            _ => Shared::new(Vec::new()),
        };
        self.last_executed_change = self.last_executed_change.max(Some(seq));
        self.topic_configs.insert(topic.clone(), configs.clone());
        out.push(Output::Note(Note::TopicConfigApplied { topic, change, configs }));
    }

    /// A read of the listener was lost with the connection: read again after reconnecting,
    /// from the last change fully applied.
    fn config_read_lost(&mut self) {
        self.config_retry = true;
        self.config_change_requested = self.last_executed_change;
    }

    // ------------------------------------------------------------------ broker side

    fn on_kafka(&mut self, now: Time, from: NodeId, msg: KafkaMsg, out: &mut Vec<Out>) {
        match msg {
            KafkaMsg::LeaderAndIsr { controller_epoch, partitions } => {
                if self.reject_stale(from, controller_epoch, "LeaderAndIsr response", out) {
                    return;
                }
                let (mut applied, mut ignored) = (0, 0);
                for t in partitions.iter() {
                    let known = self.replicas.get_or_insert(t.topic.clone(), Default::default());
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
                        } else {
                            ignored += 1;
                        }
                    }
                }
                out.push(Output::Note(Note::LeaderAndIsrApplied { controller_epoch, partitions: applied, ignored }));
                self.reply_control(from, "LeaderAndIsr response", false, out);
            }
            KafkaMsg::UpdateMetadata { controller_epoch, live_brokers, partitions } => {
                if self.reject_stale(from, controller_epoch, "UpdateMetadata response", out) {
                    return;
                }
                self.listed_since.retain(|b, _| live_brokers.contains(b));
                for b in &live_brokers {
                    if !self.listed_since.contains_key(b) {
                        self.listed_since.insert(*b, now);
                    }
                }
                self.live_brokers = live_brokers;
                self.metadata_partitions =
                    self.metadata_partitions.max(partitions.iter().map(|t| t.states.len() as u64).sum());
                // Kafka ZK mode: MetadataCache.updateMetadata caches every partition state the
                // request carries.
                for t in partitions.iter() {
                    if !self.metadata_topics.contains_key(&t.topic) {
                        self.metadata_topics.insert(t.topic.clone(), PartitionSet::default());
                    }
                    if let Some(known) = self.metadata_topics.get_mut(&t.topic) {
                        for (p, _) in &t.states {
                            known.insert(*p);
                        }
                    }
                }
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
        if let Some(op) = create_topic_op(&self.cfg, &name, partitions, rf) {
            self.request(Purpose::CreateTopic, ClientOp::Write { ops: vec![op], multi: false }, out, events);
        }
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
    use crate::zk::msg::{isr_bit, ClientPacket, PartState, TopicStates, WatchKind};
    use crate::zk::testkit::config;
    use crate::zk::tree::Stat;

    fn broker(id: u32) -> Broker {
        let cfg = config();
        let node = cfg.layout().broker_node(id);
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

    fn update_metadata(controller_epoch: u32, topic: &str, partitions: &[u32]) -> In {
        let state = PartState { leader: 1, leader_epoch: 0, controller_epoch, isr: isr_bit(1) };
        let states = partitions.iter().map(|p| (*p, state)).collect();
        let partitions = Shared::new(vec![TopicStates { topic: topic.into(), states }]);
        Input::Msg {
            from: 4,
            msg: Msg::Kafka(KafkaMsg::UpdateMetadata { controller_epoch, live_brokers: vec![1], partitions }),
        }
    }

    #[test]
    fn update_metadata_caches_the_partitions_it_carries_unless_it_is_stale() {
        let mut b = broker(1);
        step(&mut b, update_metadata(2, "payments", &[0, 2]));
        step(&mut b, update_metadata(2, "payments", &[2, 70]));
        let known = &b.metadata_topics["payments"];
        assert_eq!(known.len(), 3);
        assert!(known.contains(0) && known.contains(2) && known.contains(70) && !known.contains(1));
        // STALE_CONTROLLER_EPOCH: an older controller's UpdateMetadata is not cached.
        step(&mut b, update_metadata(1, "orders", &[0]));
        assert!(!b.metadata_topics.contains_key("orders"));
    }

    fn client(seq: u32, pkt: ClientPacket) -> In {
        Input::Msg { from: 0, msg: Msg::Client { seq, pkt } }
    }

    fn request(seq: u32, xid: u64, op: ClientOp) -> Out {
        Output::Send { to: 0, msg: Msg::Client { seq, pkt: ClientPacket::Request { xid, op } } }
    }

    fn read(seq: u32, xid: u64, read: ReadOp) -> Out {
        request(seq, xid, ClientOp::Read(read))
    }

    fn reply(seq: u32, xid: u64, zxid: Zxid, result: ZkResult) -> In {
        client(seq, ClientPacket::Reply { xid, zxid, result })
    }

    /// After this, server→broker packets continue at seq 2 and the broker's requests at xid 3.
    fn registered_broker_1() -> (Broker, Vec<Out>) {
        let mut b = broker(1);
        step(&mut b, Input::Start);
        step(&mut b, client(0, ClientPacket::Connected { session: 0x1_0000_0001, timeout_ms: 18_000 }));
        let stat = Stat { czxid: 0x1_0000_0002, ..Stat::default() };
        let out =
            step(&mut b, reply(1, 1, 0x1_0000_0002, Ok(OpResult::Created { path: "/brokers/ids/1".into(), stat })));
        (b, out)
    }

    #[test]
    fn a_registered_broker_watches_the_config_change_notifications() {
        let (b, out) = registered_broker_1();
        // Kafka ZK mode: after registering, the broker's elector watches /controller and its
        // DynamicConfigManager's ZkNodeChangeNotificationListener reads /config/changes with a
        // child watch (KafkaZkClient.getChildren registers one).
        let sends: Vec<Out> = out.into_iter().filter(|o| matches!(o, Output::Send { .. })).collect();
        assert_eq!(
            sends,
            vec![
                read(2, 2, ReadOp::Exists { path: CONTROLLER_PATH.into(), watch: true }),
                read(3, 3, ReadOp::GetChildren { path: CONFIG_CHANGES_PATH.into(), watch: true }),
                // DynamicConfigManager.startup then reads every topic's overrides.
                read(4, 4, ReadOp::GetChildren { path: CONFIG_TOPICS_PATH.into(), watch: false }),
            ]
        );
        assert!(b.topic_configs.is_empty());
        assert_eq!(b.last_executed_change, None);
    }

    #[test]
    fn a_config_change_event_reads_the_change_then_the_topic_config_and_re_arms_the_watch() {
        let (mut b, _) = registered_broker_1();
        let children = |names: &[&str]| {
            Ok(OpResult::Children { children: names.iter().map(|n| (n.to_string(), 0)).collect(), pzxid: 0 })
        };
        step(&mut b, reply(2, 2, 0x1_0000_0002, Ok(OpResult::Exists(None))));
        step(&mut b, reply(3, 3, 0x1_0000_0002, children(&[])));
        step(&mut b, reply(4, 4, 0x1_0000_0002, children(&[])));
        assert!(b.zk.watches.contains_key(&(CONFIG_CHANGES_PATH.to_string(), WatchKind::Child)));
        // The admin tool wrote /config/topics/orders and config_change_0000000000: the child
        // watch fires. processNotifications: getChildren again (re-arming the one-shot watch).
        let event = ClientPacket::Event {
            path: CONFIG_CHANGES_PATH.into(),
            event: EventType::NodeChildrenChanged,
            zxid: 0x1_0000_0009,
        };
        let out = step(&mut b, client(5, event));
        let change = "config_change_0000000000";
        let watch_again = read(6, 6, ReadOp::GetChildren { path: CONFIG_CHANGES_PATH.into(), watch: true });
        assert_eq!(out.iter().filter(|o| matches!(o, Output::Send { .. })).collect::<Vec<_>>(), vec![&watch_again]);
        // Every change newer than lastExecutedChange, in order: read it.
        let out = step(&mut b, reply(6, 6, 0x1_0000_0009, children(&[change, "not_a_change"])));
        let read_change = read(7, 7, ReadOp::GetData { path: format!("{CONFIG_CHANGES_PATH}/{change}"), watch: false });
        assert_eq!(out, vec![Output::SetTimer { timer: Timer::ClientTimeout, at: Time::from_ms(12_001) }, read_change]);
        // It names topics/orders: fetchEntityConfig reads /config/topics/orders.
        let data = Data::ConfigChange { entity_path: "topics/orders".into() };
        let out = step(&mut b, reply(7, 7, 0x1_0000_0009, Ok(OpResult::Data { data, stat: Stat::default() })));
        let read_config = read(8, 8, ReadOp::GetData { path: "/config/topics/orders".into(), watch: false });
        assert_eq!(out, vec![Output::SetTimer { timer: Timer::ClientTimeout, at: Time::from_ms(12_001) }, read_config]);
        // TopicConfigHandler applies it; lastExecutedChange = 0.
        let configs = Shared::new(vec![("retention.ms".to_string(), "3600000".to_string())]);
        let data = Data::TopicConfig(configs.clone());
        let out = step(&mut b, reply(8, 8, 0x1_0000_0009, Ok(OpResult::Data { data, stat: Stat::default() })));
        assert_eq!(
            out,
            vec![
                Output::SetTimer { timer: Timer::ClientTimeout, at: Time::from_ms(12_001) },
                Output::Note(Note::TopicConfigApplied { topic: "orders".into(), change: change.into(), configs }),
            ]
        );
        assert_eq!(b.last_executed_change, Some(0));
        assert_eq!(b.topic_configs["orders"][0], ("retention.ms".to_string(), "3600000".to_string()));
        // A later event lists the same change again: it is not read twice.
        step(
            &mut b,
            client(
                9,
                ClientPacket::Event {
                    path: CONFIG_CHANGES_PATH.into(),
                    event: EventType::NodeChildrenChanged,
                    zxid: 0,
                },
            ),
        );
        let out = step(&mut b, reply(10, 9, 0x1_0000_000a, children(&[change])));
        assert!(!out.iter().any(|o| matches!(o, Output::Send { .. })), "{out:?}");
    }

    #[test]
    fn at_startup_the_broker_applies_every_topic_config_without_a_notification() {
        // A config whose change notification never committed (its writer's ZooKeeper leader
        // lost the proposal): a restarted broker still applies it, from DynamicConfigManager's
        // startup read of /config/topics.
        let (mut b, _) = registered_broker_1();
        let topics = Ok(OpResult::Children { children: vec![("orders".to_string(), 0)], pzxid: 0 });
        let out = step(&mut b, reply(2, 4, 0x1_0000_0002, topics));
        let read_config = read(5, 5, ReadOp::GetData { path: "/config/topics/orders".into(), watch: false });
        assert!(out.contains(&read_config), "{out:?}");
        let configs = Shared::new(vec![("retention.ms".to_string(), "2".to_string())]);
        let data = Data::TopicConfig(configs.clone());
        let out = step(&mut b, reply(3, 5, 0x1_0000_0002, Ok(OpResult::Data { data, stat: Stat::default() })));
        assert!(
            out.contains(&Output::Note(Note::TopicConfigLoaded { topic: "orders".into(), configs: configs.clone() }))
        );
        assert_eq!(b.topic_configs["orders"], configs);
        // No notification was processed.
        assert_eq!(b.last_executed_change, None);
    }

    #[test]
    fn leader_and_isr_is_applied_only_for_a_newer_leader_epoch() {
        let mut b = broker(1);
        step(&mut b, Input::Msg { from: 4, msg: lai(2, 2, 5) });
        let out = step(&mut b, Input::Msg { from: 4, msg: lai(2, 1, 5) });
        assert!(out.contains(&Output::Note(Note::LeaderAndIsrApplied {
            controller_epoch: 2,
            partitions: 0,
            ignored: 1
        })));
        assert_eq!(b.replicas["t"][0], Some((2, 5)));
    }
}
