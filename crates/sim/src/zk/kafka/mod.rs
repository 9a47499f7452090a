//! A Kafka broker in ZooKeeper mode (domain.md §2; `KafkaServer`, `KafkaZkClient.scala`): its
//! ZooKeeper session, and what each of ZooKeeper's answers is for.
//!
//! Files by concern: this one holds the broker, its `step` and the dispatch of ZooKeeper's
//! events; `race.rs` registration under `/brokers/ids` and the race for `/controller`;
//! `configs.rs` dynamic topic configs; `replica.rs` the broker side of the controller's
//! requests; `shutdown.rs` controlled shutdown; `admin.rs` the admin tool's writes;
//! `controller/` the Kafka controller that runs on the broker holding `/controller`;
//! `tests.rs` rule tests.

use crate::sorted::SortedMap;
use std::rc::Rc;

use crate::rng::Rng;
use crate::time::Time;
use crate::world::{Input, Output};
use crate::NodeId;

use super::client::{ClientEvent, ZkClient};
use super::config::Config;
use super::ids::BrokerId;
use super::msg::{EventType, Msg, Shared, ZkResult, Zxid};
use super::{Cmd, In, Note, Out, Timer};

mod admin;
mod configs;
pub(crate) mod controller;
mod race;
mod replica;
mod shutdown;
#[cfg(test)]
mod tests;

pub(crate) use admin::{change_topic_config_ops, create_topic_op};
pub use controller::{Controller, CtrlEvent, CtrlPhase, CtrlPurpose, TopicCtx, FIRST_REBALANCE_DELAY_MS};
use controller::{CtrlHandler, CtrlOutcome, Pumped};
use replica::BrokerSide;
pub use replica::{PartitionSet, ReplicaSlots};
pub use shutdown::Shutdown;

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

/// Most rounds of client events one step handles (each round's replies may cause requests that
/// fail at once without a connection, and so more events).
const DRAIN_ROUNDS_MAX: usize = 64;

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
    pub id: BrokerId,
    pub node: NodeId,
    pub(crate) cfg: Rc<Config>,
    seed: u64,
    rng: Rng,
    pub zk: ZkClient,
    pub registered: bool,
    /// KIP-380: the czxid of `/brokers/ids/N`.
    pub broker_epoch: u64,
    pub known_controller: Option<BrokerId>,
    /// Highest controller epoch seen in a controller request (older ones are rejected).
    pub max_controller_epoch: u32,
    pub controller: Option<Box<Controller>>,
    /// Leader and leader epoch of the replicas this broker hosts, from LeaderAndIsr.
    /// Per topic, indexed by partition.
    pub replicas: SortedMap<String, ReplicaSlots>,
    pub metadata_partitions: u64,
    /// MetadataCache: the partitions of each topic that some UpdateMetadata has given this
    /// broker (read by the metadata-change latency measurement, never by the protocol).
    pub metadata_topics: SortedMap<String, PartitionSet>,
    pub live_brokers: Vec<u32>,
    /// When each of `live_brokers` last entered that list (read by the metadata-change latency
    /// measurement, never by the protocol: a bounced broker's id is listed before and after).
    pub listed_since: SortedMap<u32, Time>,
    /// Controlled shutdown in progress.
    pub shutting_down: Option<Shutdown>,
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

impl Broker {
    pub fn new(id: BrokerId, node: NodeId, cfg: Rc<Config>, seed: u64) -> Broker {
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
            Input::Timer(timer) => self.on_timer(now, timer, out, &mut events),
            Input::Shutdown => self.start_shutdown(now, out),
            Input::Client(Cmd::CreateTopic { name, partitions, replication_factor }) => {
                self.create_topic(name, partitions, replication_factor, out, &mut events)
            }
            // The admin tool writes configs through ZooKeeper, not through a broker.
            Input::Client(Cmd::AlterConfig { .. }) => {}
        }
        self.drain(now, out, &mut events);
        self.pump(now, out, &mut events);
    }

    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        match timer {
            Timer::ClientPing | Timer::ClientTimeout | Timer::Reconnect => {
                self.zk.on_timer(now, timer, &mut self.rng, out, events)
            }
            Timer::RegisterRetry => self.register(out, events),
            Timer::Load => {
                if let Some(mut ctrl) = self.ctrl(now, out, events) {
                    ctrl.load_next();
                }
            }
            Timer::WriteCost => {
                if let Some(mut ctrl) = self.ctrl(now, out, events) {
                    ctrl.write_charged();
                }
            }
            Timer::ShutdownRetry => self.retry_shutdown(now, out, events),
            Timer::Rebalance if self.is_active_controller() => {
                self.enqueue(CtrlEvent::PreferredReplicaElection);
                let interval = self.cfg.leader_imbalance_check_interval_ms;
                out.push(Output::SetTimer { timer: Timer::Rebalance, at: now.plus_ms(interval) });
            }
            _ => {}
        }
    }

    /// Handle the ZooKeeper client's events until none is left: replies may cause more
    /// requests, which fail at once without a connection (at most `DRAIN_ROUNDS_MAX` rounds).
    fn drain(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        for _ in 0..DRAIN_ROUNDS_MAX {
            if events.is_empty() {
                return;
            }
            for event in std::mem::take(events) {
                self.on_zk_event(now, event, out, events);
            }
        }
    }

    /// At the end of every step: a granted controlled shutdown closes the session, and the
    /// controller's event thread takes its next events (each drained before the next).
    fn pump(&mut self, now: Time, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        self.finish_granted_shutdown(out, events);
        loop {
            let Some(mut ctrl) = self.ctrl(now, out, events) else { return };
            match ctrl.next_event() {
                Pumped::Idle => return,
                Pumped::Announced => {}
                // Requests that failed at once come back as events: handle them now.
                Pumped::Started => self.drain(now, out, events),
            }
        }
    }

    /// The controller's handler for one call, if this broker is the controller: the controller
    /// with the parts of this broker it uses, borrowed for that long.
    pub(crate) fn ctrl<'a>(
        &'a mut self,
        now: Time,
        out: &'a mut Vec<Out>,
        events: &'a mut Vec<ClientEvent>,
    ) -> Option<CtrlHandler<'a>> {
        let Parts { me, cfg, zk, controller, shutdown, side } = self.parts();
        Some(CtrlHandler { ctrl: controller.as_deref_mut()?, now, me, cfg, zk, local: side, shutdown, out, events })
    }

    /// The broker's fields, borrowed apart.
    fn parts(&mut self) -> Parts<'_> {
        Parts {
            me: self.id,
            cfg: &self.cfg,
            zk: &mut self.zk,
            controller: &mut self.controller,
            shutdown: &mut self.shutting_down,
            side: BrokerSide {
                node: self.node,
                max_controller_epoch: &mut self.max_controller_epoch,
                replicas: &mut self.replicas,
                metadata_partitions: &mut self.metadata_partitions,
                metadata_topics: &mut self.metadata_topics,
                live_brokers: &mut self.live_brokers,
                listed_since: &mut self.listed_since,
            },
        }
    }

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
        if matches!(self.shutting_down, Some(Shutdown::Granted | Shutdown::Closing)) {
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
        // A controller that lost its connection mid-operation reloads its state.
        if let Some(mut ctrl) = self.ctrl(now, out, events).filter(|c| c.ctrl.phase == CtrlPhase::Reload) {
            ctrl.start_load();
        }
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
            c.enqueue(event);
        }
    }

    /// A ZooKeeper reply, to the part of the broker that asked.
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
            Purpose::Register => self.on_register_reply(result, out, events),
            Purpose::CheckRegistration => self.on_check_registration(now, result, out, events),
            Purpose::WatchController => self.on_watch_controller_reply(result, out, events),
            Purpose::ReadController => self.on_read_controller(result, out, events),
            Purpose::ReadControllerEpoch => self.on_controller_epoch(result, out, events),
            Purpose::Elect { epoch, zk_version } => self.on_elect(now, (epoch, zk_version), result, zxid, out, events),
            Purpose::Reclaim => self.on_reclaim(now, result, zxid, out, events),
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

    fn on_ctrl_reply(
        &mut self,
        now: Time,
        purpose: CtrlPurpose,
        result: ZkResult,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        let Some(mut ctrl) = self.ctrl(now, out, events) else { return };
        if ctrl.on_reply(purpose, result, zxid) == CtrlOutcome::Fenced {
            // A newer controller exists: resign, and learn who it is.
            self.resign(out);
            self.watch_controller(out, events);
        }
    }
}

/// A broker's fields, borrowed apart so the controller can hold some while the broker side
/// holds others.
struct Parts<'a> {
    me: BrokerId,
    cfg: &'a Config,
    zk: &'a mut ZkClient,
    controller: &'a mut Option<Box<Controller>>,
    shutdown: &'a mut Option<Shutdown>,
    side: BrokerSide<'a>,
}
