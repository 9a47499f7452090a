//! The controller's requests to brokers (`ControllerChannelManager`): LeaderAndIsr to the
//! replicas of partitions with a new leader epoch, UpdateMetadata to every live broker. A request
//! to the controller's own broker is delivered in place, as Kafka's channel to itself does.

use std::rc::Rc;

use crate::sorted::{SortedMap, SortedSet};
use crate::world::Output;

use super::{Controller, CtrlHandler};
use crate::zk::msg::{KafkaMsg, Msg, Positions, Shared, States, Table, TopicStates};

/// What `brokers` are told at failover or startup: every partition, the partitions with a
/// replica on one of them, and each one's own replicas.
struct FullState {
    all: Vec<TopicStates>,
    hosted: Vec<TopicStates>,
    mine: SortedMap<u32, Vec<TopicStates>>,
}

impl Controller {
    /// Built as views of one list of each topic's states (`States::View`), so that the
    /// requests of a failover hold each partition's state once, not once per request.
    fn full_state(&self, brokers: &[u32]) -> FullState {
        let mut all = Vec::with_capacity(self.topics.len());
        let mut hosted = Vec::new();
        let mut mine: SortedMap<u32, Vec<TopicStates>> = brokers.iter().map(|b| (*b, Vec::new())).collect();
        for (topic, t) in &self.topics {
            let n = t.states.len();
            let table = Table::Pairs(Rc::new(t.states.iter().enumerate().map(|(p, z)| (p as u32, z.state)).collect()));
            let mut own: SortedMap<u32, Positions> = brokers.iter().map(|b| (*b, Positions::none(n))).collect();
            let mut ours = Positions::none(n);
            for p in 0..n {
                let mut hosts = false;
                for b in t.assignment.replicas_of(p as u32) {
                    if let Some(only) = own.get_mut(b) {
                        only.insert(p);
                        hosts = true;
                    }
                }
                if hosts {
                    ours.insert(p);
                }
            }
            let view = |only: Positions| TopicStates {
                topic: topic.clone(),
                states: States::View { table: table.clone(), only: Some(Rc::new(only)) },
            };
            for (b, only) in own.into_iter().filter(|(_, only)| !only.is_empty()) {
                if let Some(list) = mine.get_mut(&b) {
                    list.push(view(only));
                }
            }
            if !ours.is_empty() {
                hosted.push(view(ours));
            }
            all.push(TopicStates { topic: topic.clone(), states: States::View { table, only: None } });
        }
        FullState { all, hosted, mine }
    }

    fn update_metadata(&self, partitions: &Shared<Vec<TopicStates>>) -> KafkaMsg {
        KafkaMsg::UpdateMetadata {
            controller_epoch: self.epoch,
            live_brokers: self.live_ids(),
            partitions: partitions.clone(),
        }
    }
}

impl CtrlHandler<'_> {
    /// Send a request to broker `broker`: in place if it is this controller's own.
    pub(super) fn send(&mut self, broker: u32, msg: KafkaMsg) {
        if broker == self.me {
            self.local.on_request(self.now, self.local.node, msg, self.out);
        } else if let Some(to) = self.cfg.broker_node(broker) {
            self.out.push(Output::Send { to, msg: Msg::Kafka(msg) });
        }
    }

    /// The metadata `brokers` need. With `startup` (onBrokerStartup), first UpdateMetadata with
    /// every partition to them. Then the replica state machine's OnlineReplica for their replicas
    /// (onBrokerStartup, and onControllerFailover for every live broker): LeaderAndIsr to each
    /// broker for its replicas (none to a broker that hosts none), and, as
    /// `addLeaderAndIsrRequestForBrokers` adds it, UpdateMetadata with those partitions (at
    /// failover, every partition) to every live broker; the batch sends LeaderAndIsr first.
    pub(super) fn send_full_state_to(&mut self, brokers: &[u32], startup: bool) {
        let c = &*self.ctrl;
        let FullState { all, hosted, mine } = c.full_state(brokers);
        let (all, hosted) = (Shared::new(all), Shared::new(hosted));
        let mut sends = Vec::new();
        if startup {
            sends.extend(brokers.iter().map(|b| (*b, c.update_metadata(&all))));
        }
        for (b, list) in mine.into_iter().filter(|(_, list)| !list.is_empty()) {
            sends.push((b, KafkaMsg::LeaderAndIsr { controller_epoch: c.epoch, partitions: Shared::new(list) }));
        }
        // At failover Kafka's OfflineReplica batch also adds every partition without a live
        // replica (`removeReplicasFromIsr` returns them), so every live broker learns every
        // partition.
        let partitions = if startup { hosted } else { all };
        if !partitions.is_empty() {
            sends.extend(c.live.keys().map(|b| (*b, c.update_metadata(&partitions))));
        }
        for (b, msg) in sends {
            self.send(b, msg);
        }
    }

    /// UpdateMetadata with the live brokers and no partition states
    /// (`sendUpdateMetadataRequest(brokers, Set.empty)`).
    pub(super) fn send_live_set(&mut self, brokers: &[u32]) {
        let none = Shared::new(Vec::new());
        for &b in brokers {
            let msg = self.ctrl.update_metadata(&none);
            self.send(b, msg);
        }
    }

    /// LeaderAndIsr to the replicas of the partitions with a new leader epoch, UpdateMetadata
    /// with every changed partition to every broker. An ISR that only grew keeps its leader
    /// epoch: in Kafka the leader grew it (AlterPartition), and the controller sends only
    /// UpdateMetadata.
    pub(super) fn broadcast_changes(&mut self, topic: &str, changed: Table, new_epoch: &SortedSet<u32>) {
        let c = &*self.ctrl;
        let Some(t) = c.topics.get(topic) else { return };
        let live = c.live_ids();
        // Views of one list of the changed states (see `full_state`).
        let mut per_broker: SortedMap<u32, Positions> = SortedMap::new();
        for (i, (p, _)) in changed.iter().enumerate().filter(|(_, (p, _))| new_epoch.contains(p)) {
            for b in t.assignment.replicas_of(p) {
                if c.live.contains_key(b) {
                    if !per_broker.contains_key(b) {
                        per_broker.insert(*b, Positions::none(changed.len()));
                    }
                    if let Some(only) = per_broker.get_mut(b) {
                        only.insert(i);
                    }
                }
            }
        }
        let table = changed;
        let view = |only: Option<Rc<Positions>>| {
            Shared::new(vec![TopicStates {
                topic: topic.to_string(),
                states: States::View { table: table.clone(), only },
            }])
        };
        let um = view(None);
        let epoch = c.epoch;
        for (b, only) in per_broker {
            let partitions = view(Some(Rc::new(only)));
            self.send(b, KafkaMsg::LeaderAndIsr { controller_epoch: epoch, partitions });
        }
        for b in live {
            let msg = self.ctrl.update_metadata(&um);
            self.send(b, msg);
        }
    }
}
