//! Metadata records (KIP-631; apiKeys from `metadata/src/main/resources/common/metadata/`).
//! Only the fields the model uses are kept. Broker ids are node ids (controllers are
//! `0..N`, brokers `N..N+M`); topic ids are small integers instead of UUIDs.

use crate::world::NodeList;
use crate::NodeId;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Record {
    /// Raft control record appended by a new leader at its epoch start offset (KIP-595).
    LeaderChange { leader: NodeId, voters: NodeList },
    /// NoOpRecord(20): the active controller appends one every `metadata.max.idle.interval.ms`
    /// = 500 ms (Kafka 4.x periodic task writeNoOpRecord; despite the name, idle or not).
    NoOp,
    /// RegisterBrokerRecord(0). KIP-631: a broker registers fenced; its broker epoch is the
    /// offset of this record.
    RegisterBroker { broker: NodeId, incarnation: u64, broker_epoch: u64 },
    /// BrokerRegistrationChangeRecord(17) (replaces Fence/UnfenceBrokerRecord from MV 3.3-IV2):
    /// only the changed fields are set.
    BrokerRegistrationChange {
        broker: NodeId,
        broker_epoch: u64,
        fenced: Option<bool>,
        in_controlled_shutdown: Option<bool>,
    },
    /// TopicRecord(2).
    Topic { name: String, topic_id: u32 },
    /// PartitionRecord(3): a new partition, leader epoch and partition epoch 0.
    Partition { topic_id: u32, partition: u32, replicas: NodeList, isr: NodeList, leader: Option<NodeId> },
    /// PartitionChangeRecord(5): only the changed fields. `leader: Some(None)` is Kafka's
    /// NO_LEADER (-1), `None` is NO_LEADER_CHANGE (-2). Replay bumps the leader epoch when the
    /// leader changes and the partition epoch on every change (`PartitionRegistration.merge`).
    PartitionChange { topic_id: u32, partition: u32, isr: Option<NodeList>, leader: Option<Option<NodeId>> },
    /// ConfigRecord(4): one config of one resource (KIP-631: ResourceType, ResourceName, Name,
    /// Value). The model only sets topic configs, so the value is never null (a delete).
    Config { resource_type: ConfigResourceType, resource_name: String, name: String, value: String },
}

/// `ConfigResource.Type` as ConfigRecord stores it (an int8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigResourceType {
    /// TOPIC = 2.
    Topic,
}

impl ConfigResourceType {
    pub fn code(self) -> i8 {
        match self {
            ConfigResourceType::Topic => 2,
        }
    }
}

impl Record {
    pub fn name(&self) -> &'static str {
        match self {
            Record::LeaderChange { .. } => "LeaderChangeMessage",
            Record::NoOp => "NoOpRecord",
            Record::RegisterBroker { .. } => "RegisterBrokerRecord",
            Record::BrokerRegistrationChange { .. } => "BrokerRegistrationChangeRecord",
            Record::Topic { .. } => "TopicRecord",
            Record::Partition { .. } => "PartitionRecord",
            Record::PartitionChange { .. } => "PartitionChangeRecord",
            Record::Config { .. } => "ConfigRecord",
        }
    }

    /// Records a person would call a metadata change (not Raft bookkeeping).
    pub fn is_metadata_change(&self) -> bool {
        !matches!(self, Record::LeaderChange { .. } | Record::NoOp)
    }
}
