//! KRaft RPCs (KIP-595: Vote = apiKey 52, BeginQuorumEpoch = 53, EndQuorumEpoch = 54, Fetch;
//! KIP-631: BrokerRegistration = 62, BrokerHeartbeat = 63).

use super::log::Entries;
use crate::world::{Message, MsgClass, NodeList};
use crate::NodeId;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    /// Vote v2; `pre_vote` is KIP-996's PreVote flag.
    Vote {
        epoch: u64,
        candidate: NodeId,
        last_epoch: u64,
        last_offset: u64,
        pre_vote: bool,
    },
    VoteResponse {
        epoch: u64,
        leader: Option<NodeId>,
        granted: bool,
        pre_vote: bool,
    },
    BeginQuorumEpoch {
        epoch: u64,
        leader: NodeId,
    },
    BeginQuorumEpochResponse {
        epoch: u64,
    },
    /// Sent by a resigning leader with its preferred successors, best first.
    EndQuorumEpoch {
        epoch: u64,
        leader: NodeId,
        preferred: NodeList,
    },
    /// The receiver's epoch and the leader it knows: acknowledges an EndQuorumEpoch (the resigned
    /// leader sends it again to voters that have not).
    EndQuorumEpochResponse {
        epoch: u64,
        leader: Option<NodeId>,
    },
    /// FETCH(FetchOffset, LastFetchedEpoch); the replica id is the sender.
    Fetch {
        epoch: u64,
        fetch_offset: u64,
        last_fetched_epoch: u64,
    },
    FetchResponse {
        epoch: u64,
        leader: Option<NodeId>,
        high_watermark: Option<u64>,
        body: FetchBody,
    },
    /// KIP-631 BrokerRegistration, sent by a starting broker to the active controller.
    BrokerRegistration {
        incarnation: u64,
    },
    /// `broker_epoch` is `None` on an error (NOT_CONTROLLER, DUPLICATE_BROKER_REGISTRATION);
    /// `leader` names the quorum leader if known.
    BrokerRegistrationResponse {
        epoch: u64,
        leader: Option<NodeId>,
        error: Option<BrokerError>,
        broker_epoch: Option<u64>,
    },
    /// KIP-631 BrokerHeartbeat every `broker.heartbeat.interval.ms`.
    BrokerHeartbeat {
        broker_epoch: u64,
        current_metadata_offset: u64,
        want_shut_down: bool,
    },
    BrokerHeartbeatResponse {
        epoch: u64,
        leader: Option<NodeId>,
        error: Option<BrokerError>,
        is_caught_up: bool,
        is_fenced: bool,
        should_shut_down: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BrokerError {
    /// NOT_CONTROLLER: the receiver is not the active controller.
    NotController,
    /// STALE_BROKER_EPOCH: the registration was replaced; register again.
    StaleBrokerEpoch,
    /// DUPLICATE_BROKER_REGISTRATION: another incarnation of this broker id holds a valid
    /// session (Kafka 4.1 `ClusterControlManager.registerBroker`).
    DuplicateBrokerRegistration,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FetchBody {
    /// Records starting at `base_offset` (maybe none: the long poll expired).
    Records { base_offset: u64, entries: Entries },
    /// The fetcher's log diverges: truncate to at most `end_offset` of `epoch`, fetch again.
    Diverging { epoch: u64, end_offset: u64 },
    /// NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH: `leader` says who is, if known.
    NotLeader,
}

impl Msg {
    /// The sender's epoch on a KIP-595 quorum RPC (Vote, BeginQuorumEpoch, EndQuorumEpoch,
    /// Fetch and their responses); `None` on the KIP-631 broker RPCs, which a controller judges
    /// by broker epoch instead.
    pub fn quorum_epoch(&self) -> Option<u64> {
        match self {
            Msg::Vote { epoch, .. }
            | Msg::VoteResponse { epoch, .. }
            | Msg::BeginQuorumEpoch { epoch, .. }
            | Msg::BeginQuorumEpochResponse { epoch }
            | Msg::EndQuorumEpoch { epoch, .. }
            | Msg::EndQuorumEpochResponse { epoch, .. }
            | Msg::Fetch { epoch, .. }
            | Msg::FetchResponse { epoch, .. } => Some(*epoch),
            Msg::BrokerRegistration { .. }
            | Msg::BrokerRegistrationResponse { .. }
            | Msg::BrokerHeartbeat { .. }
            | Msg::BrokerHeartbeatResponse { .. } => None,
        }
    }
}

impl Message for Msg {
    fn class(&self) -> MsgClass {
        match self {
            Msg::Vote { pre_vote: true, .. } | Msg::VoteResponse { pre_vote: true, .. } => MsgClass::PreVote,
            Msg::Vote { .. } | Msg::VoteResponse { .. } => MsgClass::Vote,
            Msg::BeginQuorumEpoch { .. } | Msg::BeginQuorumEpochResponse { .. } => MsgClass::BeginEpoch,
            Msg::EndQuorumEpoch { .. } | Msg::EndQuorumEpochResponse { .. } => MsgClass::EndEpoch,
            Msg::Fetch { .. } => MsgClass::Fetch,
            Msg::FetchResponse { body: FetchBody::Records { entries, .. }, .. } if !entries.is_empty() => {
                MsgClass::FetchData
            }
            Msg::FetchResponse { .. } => MsgClass::Fetch,
            Msg::BrokerRegistration { .. } | Msg::BrokerRegistrationResponse { .. } => MsgClass::ControlRequest,
            Msg::BrokerHeartbeat { .. } | Msg::BrokerHeartbeatResponse { .. } => MsgClass::Heartbeat,
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Msg::Vote { pre_vote: true, .. } => "PreVote",
            Msg::Vote { .. } => "Vote",
            Msg::VoteResponse { pre_vote: true, .. } => "PreVoteResponse",
            Msg::VoteResponse { .. } => "VoteResponse",
            Msg::BeginQuorumEpoch { .. } => "BeginQuorumEpoch",
            Msg::BeginQuorumEpochResponse { .. } => "BeginQuorumEpochResponse",
            Msg::EndQuorumEpoch { .. } => "EndQuorumEpoch",
            Msg::EndQuorumEpochResponse { .. } => "EndQuorumEpochResponse",
            Msg::Fetch { .. } => "Fetch",
            Msg::FetchResponse { .. } => "FetchResponse",
            Msg::BrokerRegistration { .. } => "BrokerRegistration",
            Msg::BrokerRegistrationResponse { .. } => "BrokerRegistrationResponse",
            Msg::BrokerHeartbeat { .. } => "BrokerHeartbeat",
            Msg::BrokerHeartbeatResponse { .. } => "BrokerHeartbeatResponse",
        }
    }

    fn vote(&self) -> Option<crate::world::VoteInfo> {
        match self {
            Msg::Vote { epoch, last_epoch, last_offset, .. } => {
                Some(crate::world::VoteInfo::Raft { epoch: *epoch, last_epoch: *last_epoch, last_offset: *last_offset })
            }
            _ => None,
        }
    }

    fn is_response(&self) -> bool {
        matches!(
            self,
            Msg::VoteResponse { .. }
                | Msg::BeginQuorumEpochResponse { .. }
                | Msg::EndQuorumEpochResponse { .. }
                | Msg::FetchResponse { .. }
                | Msg::BrokerRegistrationResponse { .. }
                | Msg::BrokerHeartbeatResponse { .. }
        )
    }
}
