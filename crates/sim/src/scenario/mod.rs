//! Scenario text, shared by both modes, the CLI and the app's permalinks.
//!
//! ```text
//! set broker.session.timeout.ms=9000
//! at 5s create-topic orders partitions=6 rf=3
//! at 8s alter-config orders retention.ms=3600000
//! at 10s crash controller
//! at 12s restart c1
//! at 20s partition c1 c2 | c3 b1 b2
//! at 30s heal
//! at 40s shutdown b2
//! at 41s loss 5
//! at 42.5s loss 0.5
//! ```
//! One action per line, `#` starts a comment (anywhere on a line), blank lines are ignored.
//! Node names stay names here (`c1`, `zk2`, `b3`, `leader`, `controller`); each mode resolves
//! them.
//!
//! - `set <key>=<value>`: key `[a-z0-9._-]+`, value any non-empty token (no whitespace, no `#`).
//! - `at <time> <action> <args>`: time is a decimal number and a unit, `us`, `ms`, `s` or `m`
//!   (`250ms`, `1.5s`, `2m`), exact to the microsecond and at most one year.
//! - Actions: `crash N`, `restart N`, `shutdown N`, `partition N.. | N.. [| N..]`, `heal`,
//!   `loss <percent>` (0 to 100, at most one decimal), `delay <time>` (0s to 10s),
//!   `create-topic <name> partitions=<n> rf=<n>`, `alter-config <topic> <config>=<value>`.
//! - `alter-config` sets one topic config (Kafka's `kafka-configs --alter --entity-type topics
//!   --add-config`): the config name is `[a-z0-9._-]+` (e.g. `retention.ms`,
//!   `cleanup.policy`, `min.insync.replicas`), the value any non-empty token (no whitespace, no
//!   `#`). Names and values are not checked against Kafka's list of topic configs.
//! - Nodes: `c<k>` (KRaft controller), `b<k>` (broker), `zk<k>` (ZooKeeper server) with `k` in
//!   1..=999 without leading zeros, `leader`, `controller`.
//!
//! [`parse`] never panics: the text may come from a URL. Errors carry a 1-based line and column
//! (in chars) and a machine-readable [`ParseErrorKind`] the app translates; their `Display` is
//! English. [`Script::to_text`] renders the canonical text that permalinks carry.
//!
//! Files by concern: this one holds the types and limits; `parser.rs` reads the text,
//! `error.rs` says what is wrong with it, `suggest.rs` offers the nearest valid word,
//! `render.rs` writes the canonical text back, `tests.rs` checks all of it.

// Scenario text comes from users and URLs: nothing in this module may panic on it.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::string_slice)]

use crate::time::Time;

mod error;
mod parser;
mod render;
mod suggest;
#[cfg(test)]
mod tests;

pub use error::{Expected, ParseError, ParseErrorKind, TimeProblem, TopicNameProblem};
pub use parser::{parse, parse_node, parse_time};
pub use render::{format_percent, format_time};

/// Longest scenario text accepted, in bytes (UTF-8).
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Most `at` lines in one scenario.
pub const MAX_STEPS: usize = 2_000;
/// Latest time a step may name: one year of 365 days.
pub const MAX_TIME: Time = Time(365 * 24 * 60 * 60 * 1_000_000);
/// Highest node number in `c<k>`, `b<k>`, `zk<k>`.
pub const MAX_NODE_NUMBER: u32 = 999;
/// Most partitions the topics one scenario creates may have in all (so, one topic too). Two
/// million is ten times the 200,000 a ZooKeeper-mode cluster is advised to stay under, and the
/// size the KRaft scale claims are made at (issue 21); both modes hold it in under 512 MiB
/// because what is identical between nodes (committed records, partition states) is shared.
pub const MAX_PARTITIONS: u32 = 2_000_000;
/// Highest replication factor `create-topic` accepts.
pub const MAX_REPLICATION_FACTOR: u32 = 7;
/// Kafka's `Topic.MAX_NAME_LENGTH`.
pub const MAX_TOPIC_NAME_CHARS: usize = 249;
/// Action words, in the order the suggestions prefer them.
pub const ACTION_NAMES: [&str; 9] =
    ["crash", "restart", "shutdown", "partition", "heal", "loss", "delay", "create-topic", "alter-config"];
/// Longest extra network delay `delay` accepts.
pub const MAX_DELAY: Time = Time(10 * MICROS_PER_S);

const MICROS_PER_MS: u64 = 1_000;
const MICROS_PER_S: u64 = 1_000_000;
const MICROS_PER_MIN: u64 = 60_000_000;
/// A suggestion is offered only this close (Levenshtein distance) to a valid word.
const MAX_SUGGESTION_DISTANCE: usize = 2;
/// Words longer than this get no suggestion (keeps the quadratic distance cheap).
const MAX_SUGGESTION_INPUT_CHARS: usize = 64;

/// A node as the scenario names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeRef {
    /// `c3`, `b1`, `zk2`: a prefix and a 1-based number.
    Named { prefix: NodePrefix, number: u32 },
    /// `leader`: the quorum leader when the action fires.
    Leader,
    /// `controller`: the active Kafka controller when the action fires.
    Controller,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// Extra one-way latency added to every message from now on (0 turns it off).
    DelayUs(u64),
    CreateTopic {
        name: String,
        partitions: u32,
        replication_factor: u32,
    },
    /// Set one config of an existing topic (`kafka-configs --alter --add-config key=value`).
    AlterConfig {
        topic: String,
        key: String,
        value: String,
    },
}

impl ScenarioAction {
    /// Partitions this step creates (0 unless it creates a topic).
    pub fn partitions_created(&self) -> u64 {
        match self {
            ScenarioAction::CreateTopic { partitions, .. } => u64::from(*partitions),
            _ => 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Step {
    pub at: Time,
    pub action: ScenarioAction,
    /// 1-based line of the step in the text. Equality compares it too: after
    /// [`Script::to_text`] the steps sit on new lines, see [`Script::renumbered`].
    pub line: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Script {
    /// `set key=value` lines, in order.
    pub settings: Vec<(String, String)>,
    /// Steps in the order written (the world orders them by time, stably).
    pub steps: Vec<Step>,
}
