//! What the page's DOM shows of a cluster, taken from its lab a few times a second: a small
//! value compared before publishing, so unchanged state re-renders nothing.

use quorumlab_sim::cluster::NodeView;

use super::lab::Lab;

/// What the DOM shows; compared before publishing so unchanged state re-renders nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub time_us: u64,
    pub events: u64,
    pub hash: u64,
    pub nodes: Vec<NodeView>,
    pub violations: Vec<String>,
    pub slow_motion: bool,
    pub ms_without_controller: u64,
    /// The stopwatch: ms of the gap running now, ms of the last gap that ended.
    pub gaps: (Option<u64>, Option<u64>),
    pub messages: u64,
    pub last_metadata_latency_ms: Option<u64>,
    /// The end of the timeline so far.
    pub horizon_us: u64,
    /// Message loss (per mille) and extra latency (µs) in force.
    pub loss_per_mille: u32,
    pub delay_us: u64,
    /// Each node's side while a partition is in force (0: not named, reaches everyone).
    pub cut: Vec<u8>,
    /// The nodes a course step highlights.
    pub spotlight: Vec<usize>,
}

impl Snapshot {
    pub fn of(lab: &Lab) -> Snapshot {
        let nodes = lab.views.iter().map(|v| NodeView { timer: None, ..v.clone() }).collect();
        let (loss_per_mille, delay_us) = lab.network_settings();
        Snapshot {
            time_us: lab.cluster.now().as_us(),
            events: lab.cluster.events_processed(),
            hash: lab.cluster.trace_hash(),
            nodes,
            violations: lab.cluster.violations().to_vec(),
            slow_motion: false,
            ms_without_controller: lab.cluster.ms_without_controller(),
            gaps: lab.cluster.controller_gaps(),
            // Counted where the summary's messages by type are, so the same total.
            messages: lab.cluster.sent_by_class().iter().sum(),
            last_metadata_latency_ms: lab.cluster.last_metadata_latency_ms(),
            horizon_us: lab.horizon.as_us(),
            loss_per_mille,
            delay_us,
            cut: lab.cluster.partition_sides(),
            spotlight: lab.spotlight.clone(),
        }
    }

    /// Whether a node changed in a way the page shows at once (role, epoch, liveness, votes),
    /// rather than at the next regular update.
    pub fn differs_at_once(&self, lab: &Lab) -> bool {
        self.violations.len() != lab.cluster.violations().len()
            || self.nodes.len() != lab.views.len()
            || self
                .nodes
                .iter()
                .zip(&lab.views)
                .any(|(a, b)| a.role != b.role || a.epoch != b.epoch || a.alive != b.alive || a.tally != b.tally)
    }
}

/// One narration line: when, who, and a translatable key with its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Unique on the page: what the narration list is keyed by, so a line keeps its element,
    /// and a line of another run (after a reset or a step back) gets a new one even where it
    /// has the same note number.
    pub serial: u64,
    pub at_ms: u64,
    pub node: String,
    pub key: &'static str,
    pub args: Vec<String>,
}
