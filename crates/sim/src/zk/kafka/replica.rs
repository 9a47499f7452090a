//! The broker's side of the controller's requests (Kafka ZK mode: `ReplicaManager` for
//! LeaderAndIsr, `MetadataCache` for UpdateMetadata): requests of an older controller epoch are
//! rejected (STALE_CONTROLLER_EPOCH), LeaderAndIsr is applied only for a newer leader epoch, and
//! UpdateMetadata replaces the live brokers and caches the partitions it carries.

use crate::sorted::SortedMap;
use crate::time::Time;
use crate::world::Output;
use crate::NodeId;

use super::shutdown::Shutdown;
use super::{Broker, CtrlEvent};
use crate::zk::msg::{KafkaMsg, Msg, Shared, TopicStates};
use crate::zk::{Note, Out};

/// Leader and leader epoch of each partition of a topic as LeaderAndIsr gave them to a broker,
/// by partition (`None`: no LeaderAndIsr for it): 5 bytes a partition instead of the 12 of a
/// `Vec<Option<(i32, u32)>>`, since every broker keeps one for every partition number up to the
/// highest it hosts.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ReplicaSlots {
    /// Leader broker id (−1: none), `i8::MIN` where the slot is empty.
    leaders: Vec<i8>,
    leader_epochs: Vec<u32>,
}

impl ReplicaSlots {
    const EMPTY: i8 = i8::MIN;

    pub fn len(&self) -> usize {
        self.leaders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.leaders.is_empty()
    }

    pub fn get(&self, partition: usize) -> Option<(i32, u32)> {
        let leader = *self.leaders.get(partition)?;
        (leader != Self::EMPTY).then(|| (i32::from(leader), self.leader_epochs[partition]))
    }

    pub fn iter(&self) -> impl Iterator<Item = Option<(i32, u32)>> + '_ {
        (0..self.len()).map(|p| self.get(p))
    }

    /// Make room for `partition` (empty slots up to it).
    fn reach(&mut self, partition: usize) {
        if self.leaders.len() <= partition {
            self.leaders.resize(partition + 1, Self::EMPTY);
            self.leader_epochs.resize(partition + 1, 0);
        }
    }

    fn set(&mut self, partition: usize, leader: i32, leader_epoch: u32) {
        self.reach(partition);
        self.leaders[partition] = leader_byte(leader);
        self.leader_epochs[partition] = leader_epoch;
    }
}

impl std::fmt::Debug for ReplicaSlots {
    /// As the `Vec<Option<(i32, u32)>>` it replaced printed itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A leader broker id in one byte: broker ids are 1..=64 and −1 for none (config: at most 64
/// brokers).
fn leader_byte(leader: i32) -> i8 {
    i8::try_from(leader).unwrap_or(-1)
}

/// A set of partition numbers, one bit each, with the leader the last UpdateMetadata named for
/// each (Kafka's MetadataCache keeps the whole state; the model keeps what its measurements read).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartitionSet {
    words: Vec<u64>,
    len: u32,
    /// Leader broker id by partition (−1: none), for the partitions in the set (one byte each:
    /// broker ids are 1..=64).
    leaders: Vec<i8>,
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

    /// Adds the partition and records the leader an UpdateMetadata named for it.
    pub fn insert_with_leader(&mut self, partition: u32, leader: i32) {
        self.insert(partition);
        let index = partition as usize;
        if self.leaders.len() <= index {
            self.leaders.resize(index + 1, -1);
        }
        if let Some(slot) = self.leaders.get_mut(index) {
            *slot = leader_byte(leader);
        }
    }

    /// The leader the cached state names (−1: none), if the partition is cached.
    pub fn leader(&self, partition: u32) -> Option<i32> {
        if !self.contains(partition) {
            return None;
        }
        self.leaders.get(partition as usize).map(|l| i32::from(*l))
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

/// The broker's state that the controller's requests change, borrowed from the [`Broker`] so
/// that the controller running in the same process can deliver its own requests in place.
pub(crate) struct BrokerSide<'a> {
    pub(crate) node: NodeId,
    pub(crate) max_controller_epoch: &'a mut u32,
    pub(crate) replicas: &'a mut SortedMap<String, ReplicaSlots>,
    pub(crate) metadata_partitions: &'a mut u64,
    pub(crate) metadata_topics: &'a mut SortedMap<String, PartitionSet>,
    pub(crate) live_brokers: &'a mut Vec<u32>,
    pub(crate) listed_since: &'a mut SortedMap<u32, Time>,
}

impl BrokerSide<'_> {
    /// A controller's LeaderAndIsr or UpdateMetadata (the requests a controller sends brokers).
    pub(crate) fn on_request(&mut self, now: Time, from: NodeId, msg: KafkaMsg, out: &mut Vec<Out>) {
        match msg {
            KafkaMsg::LeaderAndIsr { controller_epoch, partitions } => {
                self.on_leader_and_isr(from, controller_epoch, &partitions, out)
            }
            KafkaMsg::UpdateMetadata { controller_epoch, live_brokers, partitions } => {
                self.on_update_metadata(now, from, controller_epoch, live_brokers, &partitions, out)
            }
            KafkaMsg::ControlledShutdown { .. }
            | KafkaMsg::ControlledShutdownResponse { .. }
            | KafkaMsg::ControlResponse { .. } => {}
        }
    }

    fn on_leader_and_isr(
        &mut self,
        from: NodeId,
        controller_epoch: u32,
        partitions: &Shared<Vec<TopicStates>>,
        out: &mut Vec<Out>,
    ) {
        if self.reject_stale(from, controller_epoch, "LeaderAndIsr response", out) {
            return;
        }
        let (mut applied, mut ignored) = (0, 0);
        for t in partitions.iter() {
            let known = self.replicas.get_or_insert(t.topic.clone(), Default::default());
            for (p, s) in t.states.iter() {
                let i = p as usize;
                known.reach(i);
                // LeaderAndIsr is applied only for a newer leader epoch.
                if known.get(i).is_none_or(|(_, e)| s.leader_epoch > e) {
                    known.set(i, s.leader, s.leader_epoch);
                    applied += 1;
                } else {
                    ignored += 1;
                }
            }
        }
        out.push(Output::Note(Note::LeaderAndIsrApplied { controller_epoch, partitions: applied, ignored }));
        self.reply_control(from, "LeaderAndIsr response", false, out);
    }

    fn on_update_metadata(
        &mut self,
        now: Time,
        from: NodeId,
        controller_epoch: u32,
        live_brokers: Vec<u32>,
        partitions: &Shared<Vec<TopicStates>>,
        out: &mut Vec<Out>,
    ) {
        if self.reject_stale(from, controller_epoch, "UpdateMetadata response", out) {
            return;
        }
        self.listed_since.retain(|b, _| live_brokers.contains(b));
        for b in &live_brokers {
            if !self.listed_since.contains_key(b) {
                self.listed_since.insert(*b, now);
            }
        }
        *self.live_brokers = live_brokers;
        *self.metadata_partitions =
            (*self.metadata_partitions).max(partitions.iter().map(|t| t.states.len() as u64).sum());
        // Kafka ZK mode: MetadataCache.updateMetadata caches every partition state the
        // request carries.
        for t in partitions.iter() {
            if !self.metadata_topics.contains_key(&t.topic) {
                self.metadata_topics.insert(t.topic.clone(), PartitionSet::default());
            }
            if let Some(known) = self.metadata_topics.get_mut(&t.topic) {
                for (p, state) in t.states.iter() {
                    known.insert_with_leader(p, state.leader);
                }
            }
        }
        self.reply_control(from, "UpdateMetadata response", false, out);
    }

    /// Brokers reject requests from an older controller epoch (STALE_CONTROLLER_EPOCH).
    fn reject_stale(&mut self, from: NodeId, controller_epoch: u32, api: &'static str, out: &mut Vec<Out>) -> bool {
        if controller_epoch < *self.max_controller_epoch {
            out.push(Output::Note(Note::StaleControllerEpoch { controller_epoch, known: *self.max_controller_epoch }));
            self.reply_control(from, api, true, out);
            return true;
        }
        *self.max_controller_epoch = controller_epoch;
        false
    }

    fn reply_control(&self, to: NodeId, api: &'static str, stale: bool, out: &mut Vec<Out>) {
        if to != self.node {
            out.push(Output::Send { to, msg: Msg::Kafka(KafkaMsg::ControlResponse { api, stale }) });
        }
    }
}

impl Broker {
    /// A Kafka request or response from another broker (or from this broker's own controller).
    pub(super) fn on_kafka(&mut self, now: Time, from: NodeId, msg: KafkaMsg, out: &mut Vec<Out>) {
        match msg {
            KafkaMsg::LeaderAndIsr { .. } | KafkaMsg::UpdateMetadata { .. } => {
                self.parts().side.on_request(now, from, msg, out)
            }
            KafkaMsg::ControlledShutdown { broker, .. } => {
                if self.controller.is_some() {
                    self.enqueue(CtrlEvent::ControlledShutdown { broker });
                }
            }
            KafkaMsg::ControlledShutdownResponse { ok, .. } => {
                if ok && self.shutting_down.is_some() {
                    self.shutting_down = Some(Shutdown::Granted);
                }
            }
            KafkaMsg::ControlResponse { .. } => {}
        }
    }
}
