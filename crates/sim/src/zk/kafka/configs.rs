//! Dynamic topic configs on a broker (Kafka ZK mode: `DynamicConfigManager` with its
//! `ZkNodeChangeNotificationListener` on `/config/changes`): the overrides read at startup, then
//! each change notification, the topic config it names, and the watch re-armed by every read.

use crate::world::Output;

use super::{Broker, Purpose, CONFIG_CHANGES_PATH, CONFIG_CHANGE_PREFIX, CONFIG_TOPICS_PATH};
use crate::zk::client::ClientEvent;
use crate::zk::msg::{ClientOp, Data, OpResult, ReadOp, Shared, ZkError, ZkResult, Zxid};
use crate::zk::{Note, Out};

impl Broker {
    /// Kafka ZK mode: the broker's DynamicConfigManager starts a ZkNodeChangeNotificationListener
    /// on `/config/changes` once the broker is registered, and again in every new session (its
    /// watch died with the old one).
    pub(super) fn start_config_listener(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
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
    pub(super) fn load_configs(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.configs_loaded {
            return;
        }
        let read = ReadOp::GetChildren { path: CONFIG_TOPICS_PATH.into(), watch: false };
        self.zk.request(Purpose::StartupConfigs, ClientOp::Read(read), out, events);
    }

    pub(super) fn on_startup_configs(
        &mut self,
        result: ZkResult,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
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
            self.zk.request(Purpose::StartupConfig { topic }, ClientOp::Read(read), out, events);
        }
    }

    /// TopicConfigHandler.processConfigChanges at startup. Reads on one session are answered in
    /// order, so a notification's read issued later cannot be overwritten by this older one.
    pub(super) fn on_startup_config(&mut self, topic: String, result: ZkResult, out: &mut Vec<Out>) {
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
    pub(super) fn process_config_changes(&mut self, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        let read = ReadOp::GetChildren { path: CONFIG_CHANGES_PATH.into(), watch: true };
        self.zk.request(Purpose::ConfigChanges, ClientOp::Read(read), out, events);
    }

    pub(super) fn on_config_changes(&mut self, result: ZkResult, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
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
            self.zk.request(Purpose::ConfigChange { seq, name }, ClientOp::Read(read), out, events);
        }
    }

    /// `processNotification`: the change names `topics/T`; read that topic's config.
    pub(super) fn on_config_change(
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
                        self.zk.request(purpose, ClientOp::Read(read), out, events);
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
    pub(super) fn on_topic_config(
        &mut self,
        topic: String,
        seq: u64,
        change: String,
        result: ZkResult,
        out: &mut Vec<Out>,
    ) {
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
    pub(super) fn config_read_lost(&mut self) {
        self.config_retry = true;
        self.config_change_requested = self.last_executed_change;
    }
}
