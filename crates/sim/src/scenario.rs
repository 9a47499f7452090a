//! Scenario text, shared by both modes, the CLI and the app's permalinks.
//!
//! ```text
//! set broker.session.timeout.ms=9000
//! at 5s create-topic orders partitions=6 rf=3
//! at 10s crash controller
//! at 12s restart c1
//! at 20s partition c1 c2 | c3 b1 b2
//! at 30s heal
//! at 40s shutdown b2
//! ```
//! One action per line, `#` starts a comment. Node names stay names here (`c1`, `zk2`, `b3`,
//! `leader`, `controller`); each mode resolves them.

use crate::time::Time;

/// A node as the scenario names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NodeRef {
    /// `c3`, `b1`, `zk2`: a prefix and a 1-based number.
    Named { prefix: NodePrefix, number: u32 },
    /// `leader`: the quorum leader when the action fires.
    Leader,
    /// `controller`: the active Kafka controller when the action fires.
    Controller,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodePrefix {
    /// `c`: a KRaft controller.
    Controller,
    /// `b`: a Kafka broker.
    Broker,
    /// `zk`: a ZooKeeper server.
    Zk,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ScenarioAction {
    Crash(NodeRef),
    Restart(NodeRef),
    Shutdown(NodeRef),
    /// The sides of a partition, each a list of nodes.
    Partition(Vec<Vec<NodeRef>>),
    Heal,
    /// Message loss in percent, 0..=100 (fractions allowed to one decimal: stored per mille).
    LossPerMille(u32),
    CreateTopic { name: String, partitions: u32, replication_factor: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Step {
    pub at: Time,
    pub action: ScenarioAction,
    /// 1-based line of the step in the text.
    pub line: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Script {
    /// `set key=value` lines, in order.
    pub settings: Vec<(String, String)>,
    /// Steps in the order written (the world orders them by time, stably).
    pub steps: Vec<Step>,
}
