//! The run summary both modes produce, printed by `qlab run --json` and shown by the app.

use crate::sorted::SortedMap;

/// A change of who holds a role: `node` is `None` while nobody does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryPoint {
    pub t_ms: u64,
    pub node: Option<String>,
    pub epoch: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeSummary {
    pub id: String,
    pub role: String,
    pub alive: bool,
    pub epoch: u64,
    /// KRaft controllers and brokers.
    pub log_end_offset: Option<u64>,
    pub high_watermark: Option<u64>,
    /// ZooKeeper servers.
    pub last_zxid: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub mode: &'static str,
    pub seed: u64,
    pub end_ms: u64,
    pub trace_hash: String,
    pub events: u64,
    pub violations: Vec<String>,
    pub controller_history: Vec<HistoryPoint>,
    pub quorum_leader_history: Vec<HistoryPoint>,
    pub nodes: Vec<NodeSummary>,
    pub messages_by_type: SortedMap<String, u64>,
    pub ms_without_controller: u64,
    /// Metadata-change latency in ms (append → applied on every live broker), one per change.
    pub metadata_change_latency_ms: Vec<u64>,
}
