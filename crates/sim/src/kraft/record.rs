//! Metadata records (KIP-631; apiKeys from `metadata/src/main/resources/common/metadata/`).
//! Only the fields the model uses are kept.

use crate::world::NodeList;
use crate::NodeId;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Record {
    /// Raft control record appended by a new leader at its epoch start offset (KIP-595).
    LeaderChange { leader: NodeId, voters: NodeList },
    /// NoOpRecord(20): an idle active controller appends one every
    /// `metadata.max.idle.interval.ms` = 500 ms.
    NoOp,
}

impl Record {
    pub fn name(&self) -> &'static str {
        match self {
            Record::LeaderChange { .. } => "LeaderChangeMessage",
            Record::NoOp => "NoOpRecord",
        }
    }
}
