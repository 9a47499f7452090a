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

// Scenario text comes from users and URLs: nothing in this module may panic on it.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::string_slice)]

use crate::sorted::SortedSet;
use std::fmt::{self, Write as _};
use std::str::FromStr;

use crate::time::Time;

/// Longest scenario text accepted, in bytes (UTF-8).
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Most `at` lines in one scenario.
pub const MAX_STEPS: usize = 2_000;
/// Latest time a step may name: one year of 365 days.
pub const MAX_TIME: Time = Time(365 * 24 * 60 * 60 * 1_000_000);
/// Highest node number in `c<k>`, `b<k>`, `zk<k>`.
pub const MAX_NODE_NUMBER: u32 = 999;
/// Most partitions the topics one scenario creates may have in all (so, one topic too). A
/// million is five times the 200,000 a ZooKeeper-mode cluster is advised to stay under; more
/// would only make the page slow and large (ZooKeeper mode keeps each partition on every
/// server and broker: about half a GiB per million).
pub const MAX_PARTITIONS: u32 = 1_000_000;
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

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a scenario text was rejected, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in chars (not bytes) of the offending token; for something missing, the
    /// column just after the token it should follow.
    pub column: usize,
    pub kind: ParseErrorKind,
}

/// What was wrong, with the data a translation needs. `Display` gives the English message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ParseErrorKind {
    /// The whole text is longer than [`MAX_TEXT_BYTES`]; the position is the first char past it.
    TextTooLong {
        max_bytes: usize,
    },
    /// More than [`MAX_STEPS`] `at` lines; the position is the first one too many.
    TooManySteps {
        max_steps: usize,
    },
    /// The topics created add up to more than [`MAX_PARTITIONS`] partitions; the position is
    /// the step that goes over.
    TooManyPartitions {
        max_total: u32,
    },
    /// A line starts with neither `at` nor `set`.
    UnknownDirective {
        found: String,
        suggestion: Option<String>,
    },
    /// A `set` key outside `[a-z0-9._-]+`.
    BadSettingKey {
        found: String,
    },
    /// `set key` or `set key=` without a value.
    MissingSettingValue {
        key: String,
    },
    /// A time that is not `<number><unit>`.
    BadTime {
        found: String,
        problem: TimeProblem,
    },
    /// A time later than [`MAX_TIME`] (one year).
    TimeTooLarge {
        found: String,
    },
    UnknownAction {
        found: String,
        suggestion: Option<String>,
    },
    UnknownNode {
        found: String,
        suggestion: Option<String>,
    },
    /// `c0`, `b01`, `zk1000`: a node prefix with a number outside 1..=999 or with leading zeros.
    BadNodeNumber {
        found: String,
    },
    /// Points just after the token the argument should follow; a `create-topic` whose first
    /// argument is an option (`partitions=6`) points at that option, where the name belongs.
    MissingArgument {
        what: Expected,
    },
    /// A token after the last argument an action takes.
    UnexpectedArgument {
        found: String,
    },
    /// `partition` with nodes but no `|`.
    PartitionNeedsTwoSides,
    /// A `|` with no node before or after it.
    EmptyPartitionSide,
    /// A node named twice in one partition (on two sides or on the same side).
    DuplicateNode {
        node: String,
    },
    /// Not a number of the form `what` takes.
    BadNumber {
        what: Expected,
        found: String,
    },
    /// A number outside `min..=max` (for the loss percentage, in percent).
    NumberOutOfRange {
        what: Expected,
        found: String,
        min: u32,
        max: u32,
    },
    BadTopicName {
        found: String,
        problem: TopicNameProblem,
    },
    /// A `create-topic` argument other than `partitions=<n>` or `rf=<n>`.
    UnknownTopicOption {
        found: String,
        suggestion: Option<String>,
    },
    DuplicateTopicOption {
        key: String,
    },
    /// An `alter-config` config name outside `[a-z0-9._-]+` (or empty, as in `=1`).
    BadConfigName {
        found: String,
    },
    /// `alter-config <topic> retention.ms` or `retention.ms=` without a value.
    MissingConfigValue {
        key: String,
    },
}

/// What was expected where an argument is missing or malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expected {
    /// `<number><unit>` after `at`.
    Time,
    /// The action word after the time.
    Action,
    Node,
    /// The percentage after `loss`.
    LossPercent,
    /// The duration after `delay`.
    Delay,
    TopicName,
    /// `partitions=<n>`.
    Partitions,
    /// `rf=<n>`.
    ReplicationFactor,
    /// `key=value` after `set`.
    Setting,
    /// `<config>=<value>` after the topic of `alter-config`.
    TopicConfig,
}

/// Why a time token is malformed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TimeProblem {
    Negative,
    /// A number without `us`, `ms`, `s` or `m`.
    MissingUnit,
    UnknownUnit {
        unit: String,
    },
    /// Not `<digits>` or `<digits>.<digits>`.
    BadNumber,
    /// Finer than a microsecond (`1.5us`, `0.0001ms`).
    TooPrecise,
}

/// Why a topic name is invalid (Kafka's `Topic.validate`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TopicNameProblem {
    /// Longer than [`MAX_TOPIC_NAME_CHARS`].
    TooLong { chars: usize },
    /// A char outside `[A-Za-z0-9._-]`.
    BadChar { ch: char },
    /// `.` and `..` are reserved.
    DotOrDotDot,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.kind)
    }
}

impl std::error::Error for ParseError {}

/// ` (did you mean "x"?)` or the fallback hint.
fn write_suggestion(f: &mut fmt::Formatter<'_>, suggestion: Option<&str>, otherwise: &str) -> fmt::Result {
    match suggestion {
        Some(word) => write!(f, " (did you mean \"{word}\"?)"),
        None => f.write_str(otherwise),
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ParseErrorKind as K;
        match self {
            K::TextTooLong { max_bytes } => {
                write!(f, "scenario text is longer than {max_bytes} bytes")
            }
            K::TooManySteps { max_steps } => write!(f, "more than {max_steps} steps"),
            K::TooManyPartitions { max_total } => {
                write!(f, "the topics created add up to more than {max_total} partitions")
            }
            K::UnknownDirective { found, suggestion } => {
                write!(f, "expected \"at\" or \"set\", found \"{found}\"")?;
                write_suggestion(f, suggestion.as_deref(), "")
            }
            K::BadSettingKey { found } => {
                write!(f, "bad setting key \"{found}\" (use lowercase letters, digits, '.', '_' and '-')")
            }
            K::MissingSettingValue { key } => {
                write!(f, "setting \"{key}\" has no value (write {key}=<value>)")
            }
            K::BadTime { found, problem } => write!(f, "bad time \"{found}\": {problem}"),
            K::TimeTooLarge { found } => write!(f, "time too large: \"{found}\" (at most 1 year)"),
            K::UnknownAction { found, suggestion } => {
                write!(f, "unknown action \"{found}\"")?;
                write_suggestion(
                    f,
                    suggestion.as_deref(),
                    " (expected crash, restart, shutdown, partition, heal, loss, delay, create-topic or alter-config)",
                )
            }
            K::UnknownNode { found, suggestion } => {
                write!(f, "unknown node \"{found}\"")?;
                write_suggestion(f, suggestion.as_deref(), " (expected c<k>, b<k>, zk<k>, leader or controller)")
            }
            K::BadNodeNumber { found } => {
                write!(f, "bad node number in \"{found}\" (use 1 to {MAX_NODE_NUMBER}, without leading zeros)")
            }
            K::MissingArgument { what } => write!(f, "missing {}", what.syntax()),
            K::UnexpectedArgument { found } => write!(f, "unexpected \"{found}\""),
            K::PartitionNeedsTwoSides => f.write_str("a partition needs at least two sides separated by \"|\""),
            K::EmptyPartitionSide => f.write_str("empty side in partition (no node next to \"|\")"),
            K::DuplicateNode { node } => {
                write!(f, "node \"{node}\" appears more than once in the partition")
            }
            K::BadNumber { what, found } => {
                write!(f, "bad {} \"{found}\"", what.noun())?;
                match what {
                    Expected::LossPercent => f.write_str(" (expected 0 to 100 with at most one decimal, e.g. 0.5)"),
                    Expected::Time | Expected::Delay => f.write_str(" (expected e.g. 250ms, 1.5s, 2m)"),
                    _ => f.write_str(" (expected a whole number)"),
                }
            }
            K::NumberOutOfRange { what: Expected::Delay, found, .. } => {
                write!(f, "delay \"{found}\" out of range (0s to 10s)")
            }
            K::NumberOutOfRange { what, found, min, max } => {
                write!(f, "{} \"{found}\" out of range ({min} to {max})", what.noun())
            }
            K::BadTopicName { found, problem } => {
                write!(f, "bad topic name \"{found}\": {problem}")
            }
            K::UnknownTopicOption { found, suggestion } => {
                write!(f, "unknown create-topic option \"{found}\"")?;
                write_suggestion(f, suggestion.as_deref(), " (expected partitions=<n> and rf=<n>)")
            }
            K::DuplicateTopicOption { key } => write!(f, "option \"{key}\" given twice"),
            K::BadConfigName { found } => write!(
                f,
                "bad config name \"{found}\" (use lowercase letters, digits, '.', '_' and '-', e.g. retention.ms)"
            ),
            K::MissingConfigValue { key } => {
                write!(f, "config \"{key}\" has no value (write {key}=<value>)")
            }
        }
    }
}

impl Expected {
    /// How the missing argument is written, for "missing ...".
    pub fn syntax(self) -> &'static str {
        match self {
            Expected::Time => "time (e.g. 5s)",
            Expected::Action => "action",
            Expected::Node => "node",
            Expected::LossPercent => "loss percentage",
            Expected::Delay => "delay (e.g. 50ms)",
            Expected::TopicName => "topic name",
            Expected::Partitions => "partitions=<n>",
            Expected::ReplicationFactor => "rf=<n>",
            Expected::Setting => "key=value",
            Expected::TopicConfig => "config=value (e.g. retention.ms=3600000)",
        }
    }

    /// What the value is called, for "bad ..." and "... out of range".
    pub fn noun(self) -> &'static str {
        match self {
            Expected::Time => "time",
            Expected::Action => "action",
            Expected::Node => "node",
            Expected::LossPercent => "loss percentage",
            Expected::Delay => "delay",
            Expected::TopicName => "topic name",
            Expected::Partitions => "partition count",
            Expected::ReplicationFactor => "replication factor",
            Expected::Setting => "setting",
            Expected::TopicConfig => "topic config",
        }
    }
}

impl fmt::Display for TimeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeProblem::Negative => f.write_str("times cannot be negative"),
            TimeProblem::MissingUnit => f.write_str("missing unit (us, ms, s or m)"),
            TimeProblem::UnknownUnit { unit } => {
                write!(f, "unknown unit \"{unit}\" (use us, ms, s or m)")
            }
            TimeProblem::BadNumber => f.write_str("expected a number and a unit, e.g. 250ms or 1.5s"),
            TimeProblem::TooPrecise => f.write_str("finer than a microsecond"),
        }
    }
}

impl fmt::Display for TopicNameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicNameProblem::TooLong { chars } => {
                write!(f, "{chars} chars, at most {MAX_TOPIC_NAME_CHARS} allowed")
            }
            TopicNameProblem::BadChar { ch } => {
                write!(f, "'{ch}' not allowed (use A-Z, a-z, 0-9, '.', '_' and '-')")
            }
            TopicNameProblem::DotOrDotDot => f.write_str("\".\" and \"..\" are reserved"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering: the canonical text

impl NodePrefix {
    /// The prefix as written: `c`, `b`, `zk`.
    pub fn as_str(self) -> &'static str {
        match self {
            NodePrefix::Controller => "c",
            NodePrefix::Broker => "b",
            NodePrefix::Zk => "zk",
        }
    }
}

impl fmt::Display for NodeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeRef::Named { prefix, number } => write!(f, "{}{number}", prefix.as_str()),
            NodeRef::Leader => f.write_str("leader"),
            NodeRef::Controller => f.write_str("controller"),
        }
    }
}

impl FromStr for NodeRef {
    type Err = ParseErrorKind;

    /// One node name, exactly as a scenario line writes it.
    fn from_str(text: &str) -> Result<NodeRef, ParseErrorKind> {
        parse_node(text)
    }
}

impl fmt::Display for ScenarioAction {
    /// The action as a canonical scenario line writes it, after `at <time> `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioAction::Crash(node) => write!(f, "crash {node}"),
            ScenarioAction::Restart(node) => write!(f, "restart {node}"),
            ScenarioAction::Shutdown(node) => write!(f, "shutdown {node}"),
            ScenarioAction::Partition(sides) => {
                f.write_str("partition")?;
                for (index, side) in sides.iter().enumerate() {
                    if index > 0 {
                        f.write_str(" |")?;
                    }
                    for node in side {
                        write!(f, " {node}")?;
                    }
                }
                Ok(())
            }
            ScenarioAction::Heal => f.write_str("heal"),
            ScenarioAction::LossPerMille(per_mille) => write!(f, "loss {}", format_percent(*per_mille)),
            ScenarioAction::DelayUs(us) => write!(f, "delay {}", format_time(Time(*us))),
            ScenarioAction::CreateTopic { name, partitions, replication_factor } => {
                write!(f, "create-topic {name} partitions={partitions} rf={replication_factor}")
            }
            ScenarioAction::AlterConfig { topic, key, value } => write!(f, "alter-config {topic} {key}={value}"),
        }
    }
}

impl fmt::Display for Step {
    /// `at <time> <action>`, canonical.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {} {}", format_time(self.at), self.action)
    }
}

/// A per-mille amount as a percentage with at most one decimal: `5`, `0.5`.
pub fn format_percent(per_mille: u32) -> String {
    let (whole, tenth) = (per_mille / 10, per_mille % 10);
    if tenth == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{tenth}")
    }
}

/// A time in the largest unit that divides it exactly: `1m`, `90s`, `1500ms`, `250us`, `0s`.
pub fn format_time(at: Time) -> String {
    let micros = at.as_us();
    if micros == 0 {
        return "0s".to_string();
    }
    for (unit, size) in [("m", MICROS_PER_MIN), ("s", MICROS_PER_S), ("ms", MICROS_PER_MS)] {
        if micros.is_multiple_of(size) {
            return format!("{}{unit}", micros / size);
        }
    }
    format!("{micros}us")
}

impl Script {
    /// The canonical text: all `set` lines first, then one `at` line per step, in order, each
    /// ending in `\n`; no comments or blank lines. For any script [`parse`] returned,
    /// `parse(&script.to_text()) == Ok(script.renumbered())`: everything survives except the
    /// `line` of each step, which becomes its line in the new text.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for (key, value) in &self.settings {
            // Writing to a String cannot fail.
            let _ = writeln!(text, "set {key}={value}");
        }
        for step in &self.steps {
            let _ = writeln!(text, "{step}");
        }
        text
    }

    /// The same script with each step's `line` set to where [`Script::to_text`] puts it
    /// (settings first, so step `i` lands on line `settings.len() + i + 1`).
    #[must_use]
    pub fn renumbered(mut self) -> Script {
        let first_step_line = self.settings.len() + 1;
        for (index, step) in self.steps.iter_mut().enumerate() {
            step.line = first_step_line + index;
        }
        self
    }
}

impl FromStr for Script {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Script, ParseError> {
        parse(text)
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// A whitespace-separated word of one line, with its 1-based char columns.
#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    text: &'a str,
    column: usize,
    /// The column just after the token's last char.
    end_column: usize,
}

/// An error inside one line: the line number is added by [`parse`].
struct Fault {
    column: usize,
    kind: ParseErrorKind,
}

impl Fault {
    fn at(token: &Token<'_>, kind: ParseErrorKind) -> Fault {
        Fault { column: token.column, kind }
    }
    fn after(token: &Token<'_>, kind: ParseErrorKind) -> Fault {
        Fault { column: token.end_column, kind }
    }
    fn missing(after: &Token<'_>, what: Expected) -> Fault {
        Fault::after(after, ParseErrorKind::MissingArgument { what })
    }
}

/// Parses scenario text (see the module docs for the format). Steps keep the order written.
pub fn parse(text: &str) -> Result<Script, ParseError> {
    if text.len() > MAX_TEXT_BYTES {
        let (line, column) = position_of_byte(text, MAX_TEXT_BYTES);
        let kind = ParseErrorKind::TextTooLong { max_bytes: MAX_TEXT_BYTES };
        return Err(ParseError { line, column, kind });
    }
    let mut script = Script::default();
    for (index, line_text) in text.split('\n').enumerate() {
        let line = index + 1;
        parse_line(line_text, line, &mut script).map_err(|fault| ParseError {
            line,
            column: fault.column,
            kind: fault.kind,
        })?;
    }
    Ok(script)
}

fn parse_line(line_text: &str, line: usize, script: &mut Script) -> Result<(), Fault> {
    let tokens = tokenize(line_text);
    let Some((first, rest)) = tokens.split_first() else {
        return Ok(());
    };
    match first.text {
        "set" => script.settings.push(parse_setting(first, rest)?),
        "at" => {
            if script.steps.len() >= MAX_STEPS {
                let kind = ParseErrorKind::TooManySteps { max_steps: MAX_STEPS };
                return Err(Fault::at(first, kind));
            }
            let (at, action) = parse_step(first, rest)?;
            if let ScenarioAction::CreateTopic { partitions, .. } = &action {
                let before: u64 = script.steps.iter().map(|s| s.action.partitions_created()).sum();
                if before + u64::from(*partitions) > u64::from(MAX_PARTITIONS) {
                    let kind = ParseErrorKind::TooManyPartitions { max_total: MAX_PARTITIONS };
                    return Err(Fault::at(first, kind));
                }
            }
            script.steps.push(Step { at, action, line });
        }
        other => {
            let suggestion = nearest_word(other, &["at", "set"]).map(str::to_string);
            let found = other.to_string();
            return Err(Fault::at(first, ParseErrorKind::UnknownDirective { found, suggestion }));
        }
    }
    Ok(())
}

/// Line and column (1-based, chars) of the char that holds byte `byte` of `text`.
fn position_of_byte(text: &str, byte: usize) -> (usize, usize) {
    let (mut line, mut column) = (1, 1);
    for (start, ch) in text.char_indices() {
        if start + ch.len_utf8() > byte {
            break;
        }
        if ch == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// Splits a line into words at Unicode whitespace, stopping at the first `#`.
fn tokenize(line_text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    // (byte, column) where the current word started.
    let mut start: Option<(usize, usize)> = None;
    let mut end_byte = line_text.len();
    let mut column = 0;
    for (byte, ch) in line_text.char_indices() {
        column += 1;
        if ch == '#' {
            end_byte = byte;
            break;
        }
        if ch.is_whitespace() {
            if let Some((start_byte, start_column)) = start.take() {
                push_token(&mut tokens, line_text, start_byte..byte, start_column, column);
            }
        } else if start.is_none() {
            start = Some((byte, column));
        }
    }
    if let Some((start_byte, start_column)) = start {
        // After the loop `column` counts the `#` if there was one: end at the char before it.
        let end_column = if end_byte < line_text.len() { column } else { column + 1 };
        push_token(&mut tokens, line_text, start_byte..end_byte, start_column, end_column);
    }
    tokens
}

fn push_token<'a>(
    tokens: &mut Vec<Token<'a>>,
    line_text: &'a str,
    bytes: std::ops::Range<usize>,
    column: usize,
    end_column: usize,
) {
    if let Some(text) = line_text.get(bytes) {
        tokens.push(Token { text, column, end_column });
    }
}

/// `set key=value`.
fn parse_setting(set: &Token<'_>, rest: &[Token<'_>]) -> Result<(String, String), Fault> {
    let Some((pair, extra)) = rest.split_first() else {
        return Err(Fault::missing(set, Expected::Setting));
    };
    let (key, value) = match pair.text.split_once('=') {
        Some((key, value)) => (key, Some(value)),
        None => (pair.text, None),
    };
    let key_is_valid = !key.is_empty() && key.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-'));
    if !key_is_valid {
        return Err(Fault::at(pair, ParseErrorKind::BadSettingKey { found: key.to_string() }));
    }
    let value = match value {
        Some(value) if !value.is_empty() => value,
        _ => {
            let kind = ParseErrorKind::MissingSettingValue { key: key.to_string() };
            return Err(Fault::after(pair, kind));
        }
    };
    no_more_arguments(extra)?;
    Ok((key.to_string(), value.to_string()))
}

/// `at <time> <action> <args>`.
fn parse_step(at: &Token<'_>, rest: &[Token<'_>]) -> Result<(Time, ScenarioAction), Fault> {
    let Some((time, rest)) = rest.split_first() else {
        return Err(Fault::missing(at, Expected::Time));
    };
    let when = parse_time(time.text).map_err(|kind| Fault::at(time, kind))?;
    let Some((action, args)) = rest.split_first() else {
        return Err(Fault::missing(time, Expected::Action));
    };
    let parsed = match action.text {
        "crash" => ScenarioAction::Crash(one_node(action, args)?),
        "restart" => ScenarioAction::Restart(one_node(action, args)?),
        "shutdown" => ScenarioAction::Shutdown(one_node(action, args)?),
        "partition" => ScenarioAction::Partition(parse_partition(action, args)?),
        "heal" => {
            no_more_arguments(args)?;
            ScenarioAction::Heal
        }
        "loss" => {
            let Some((percent, extra)) = args.split_first() else {
                return Err(Fault::missing(action, Expected::LossPercent));
            };
            let per_mille = parse_loss_per_mille(percent.text).map_err(|k| Fault::at(percent, k))?;
            no_more_arguments(extra)?;
            ScenarioAction::LossPerMille(per_mille)
        }
        "delay" => {
            let Some((duration, extra)) = args.split_first() else {
                return Err(Fault::missing(action, Expected::Delay));
            };
            let delay = parse_time(duration.text).map_err(|k| Fault::at(duration, k))?;
            if delay > MAX_DELAY {
                let found = duration.text.to_string();
                let kind = ParseErrorKind::NumberOutOfRange { what: Expected::Delay, found, min: 0, max: 10_000 };
                return Err(Fault::at(duration, kind));
            }
            no_more_arguments(extra)?;
            ScenarioAction::DelayUs(delay.as_us())
        }
        "create-topic" => parse_create_topic(action, args)?,
        "alter-config" => parse_alter_config(action, args)?,
        other => {
            let suggestion = suggest_action(other);
            let found = other.to_string();
            return Err(Fault::at(action, ParseErrorKind::UnknownAction { found, suggestion }));
        }
    };
    Ok((when, parsed))
}

fn no_more_arguments(extra: &[Token<'_>]) -> Result<(), Fault> {
    match extra.first() {
        Some(token) => {
            let found = token.text.to_string();
            Err(Fault::at(token, ParseErrorKind::UnexpectedArgument { found }))
        }
        None => Ok(()),
    }
}

/// `crash N`, `restart N`, `shutdown N`: exactly one node.
fn one_node(action: &Token<'_>, args: &[Token<'_>]) -> Result<NodeRef, Fault> {
    let Some((node, extra)) = args.split_first() else {
        return Err(Fault::missing(action, Expected::Node));
    };
    let node_ref = parse_node(node.text).map_err(|kind| Fault::at(node, kind))?;
    no_more_arguments(extra)?;
    Ok(node_ref)
}

/// A partition argument: a node name or a `|` between sides.
enum PartitionItem<'a> {
    Bar(usize),
    Node(Token<'a>),
}

/// `partition N.. | N.. [| N..]`. `|` need not be surrounded by spaces (`c1|c2`).
fn parse_partition(action: &Token<'_>, args: &[Token<'_>]) -> Result<Vec<Vec<NodeRef>>, Fault> {
    if args.is_empty() {
        return Err(Fault::missing(action, Expected::Node));
    }
    let mut sides: Vec<Vec<NodeRef>> = vec![Vec::new()];
    let mut seen: SortedSet<NodeRef> = SortedSet::new();
    let mut last_bar_column = None;
    for item in partition_items(args) {
        match item {
            PartitionItem::Bar(column) => {
                if sides.last().is_none_or(Vec::is_empty) {
                    return Err(Fault { column, kind: ParseErrorKind::EmptyPartitionSide });
                }
                sides.push(Vec::new());
                last_bar_column = Some(column);
            }
            PartitionItem::Node(token) => {
                let node = parse_node(token.text).map_err(|kind| Fault::at(&token, kind))?;
                if !seen.insert(node.clone()) {
                    let kind = ParseErrorKind::DuplicateNode { node: node.to_string() };
                    return Err(Fault::at(&token, kind));
                }
                if let Some(side) = sides.last_mut() {
                    side.push(node);
                }
            }
        }
    }
    match last_bar_column {
        None => Err(Fault::at(action, ParseErrorKind::PartitionNeedsTwoSides)),
        Some(column) if sides.last().is_none_or(Vec::is_empty) => {
            Err(Fault { column, kind: ParseErrorKind::EmptyPartitionSide })
        }
        Some(_) => Ok(sides),
    }
}

/// Splits partition arguments further at `|`, keeping char columns.
fn partition_items<'a>(args: &[Token<'a>]) -> Vec<PartitionItem<'a>> {
    let mut items = Vec::new();
    for token in args {
        let mut piece_start = (0, token.column);
        for (offset, (byte, ch)) in token.text.char_indices().enumerate() {
            if ch != '|' {
                continue;
            }
            let column = token.column + offset;
            if let Some(text) = token.text.get(piece_start.0..byte).filter(|t| !t.is_empty()) {
                let piece = Token { text, column: piece_start.1, end_column: column };
                items.push(PartitionItem::Node(piece));
            }
            items.push(PartitionItem::Bar(column));
            piece_start = (byte + ch.len_utf8(), column + 1);
        }
        if let Some(text) = token.text.get(piece_start.0..).filter(|t| !t.is_empty()) {
            let piece = Token { text, column: piece_start.1, end_column: token.end_column };
            items.push(PartitionItem::Node(piece));
        }
    }
    items
}

/// `create-topic <name> partitions=<n> rf=<n>`, options in any order.
fn parse_create_topic(action: &Token<'_>, args: &[Token<'_>]) -> Result<ScenarioAction, Fault> {
    let Some((name, options)) = args.split_first() else {
        return Err(Fault::missing(action, Expected::TopicName));
    };
    if name.text.contains('=') {
        // `create-topic partitions=6 rf=3`: the name was left out.
        let kind = ParseErrorKind::MissingArgument { what: Expected::TopicName };
        return Err(Fault::at(name, kind));
    }
    validate_topic_name(name.text).map_err(|kind| Fault::at(name, kind))?;
    let mut partitions = None;
    let mut replication_factor = None;
    for option in options {
        let Some((key, value)) = option.text.split_once('=') else {
            let suggestion = suggest_topic_option(option.text);
            let found = option.text.to_string();
            return Err(Fault::at(option, ParseErrorKind::UnknownTopicOption { found, suggestion }));
        };
        let (slot, what, max) = match key {
            "partitions" => (&mut partitions, Expected::Partitions, MAX_PARTITIONS),
            "rf" => (&mut replication_factor, Expected::ReplicationFactor, MAX_REPLICATION_FACTOR),
            _ => {
                let suggestion = suggest_topic_option(key);
                let found = key.to_string();
                let kind = ParseErrorKind::UnknownTopicOption { found, suggestion };
                return Err(Fault::at(option, kind));
            }
        };
        if slot.is_some() {
            let kind = ParseErrorKind::DuplicateTopicOption { key: key.to_string() };
            return Err(Fault::at(option, kind));
        }
        // Point at the value, just after `key=`.
        let value_column = option.column + key.chars().count() + 1;
        let count = parse_count(value, what, 1, max).map_err(|kind| Fault { column: value_column, kind })?;
        *slot = Some(count);
    }
    let end = options.last().unwrap_or(name);
    let Some(partitions) = partitions else {
        return Err(Fault::missing(end, Expected::Partitions));
    };
    let Some(replication_factor) = replication_factor else {
        return Err(Fault::missing(end, Expected::ReplicationFactor));
    };
    Ok(ScenarioAction::CreateTopic { name: name.text.to_string(), partitions, replication_factor })
}

/// `alter-config <topic> <config>=<value>`: exactly one config, split at the first `=`.
fn parse_alter_config(action: &Token<'_>, args: &[Token<'_>]) -> Result<ScenarioAction, Fault> {
    let Some((topic, rest)) = args.split_first() else {
        return Err(Fault::missing(action, Expected::TopicName));
    };
    if topic.text.contains('=') {
        // `alter-config retention.ms=1`: the topic was left out.
        let kind = ParseErrorKind::MissingArgument { what: Expected::TopicName };
        return Err(Fault::at(topic, kind));
    }
    validate_topic_name(topic.text).map_err(|kind| Fault::at(topic, kind))?;
    let Some((entry, extra)) = rest.split_first() else {
        return Err(Fault::missing(topic, Expected::TopicConfig));
    };
    let (key, value) = match entry.text.split_once('=') {
        Some((key, value)) => (key, Some(value)),
        None => (entry.text, None),
    };
    // Kafka's topic config names are lowercase words joined by dots (`retention.ms`).
    let key_is_valid = !key.is_empty() && key.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-'));
    if !key_is_valid {
        return Err(Fault::at(entry, ParseErrorKind::BadConfigName { found: key.to_string() }));
    }
    let value = match value {
        Some(value) if !value.is_empty() => value,
        _ => return Err(Fault::after(entry, ParseErrorKind::MissingConfigValue { key: key.to_string() })),
    };
    no_more_arguments(extra)?;
    Ok(ScenarioAction::AlterConfig { topic: topic.text.to_string(), key: key.to_string(), value: value.to_string() })
}

/// Kafka's `Topic.validate`: `[A-Za-z0-9._-]{1,249}`, not `.` or `..`.
fn validate_topic_name(name: &str) -> Result<(), ParseErrorKind> {
    let bad = |problem| ParseErrorKind::BadTopicName { found: name.to_string(), problem };
    if let Some(ch) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Err(bad(TopicNameProblem::BadChar { ch }));
    }
    // All chars are ASCII now, so bytes are chars.
    if name.len() > MAX_TOPIC_NAME_CHARS {
        return Err(bad(TopicNameProblem::TooLong { chars: name.len() }));
    }
    if name == "." || name == ".." {
        return Err(bad(TopicNameProblem::DotOrDotDot));
    }
    Ok(())
}

/// A whole number in `min..=max`, digits only.
fn parse_count(text: &str, what: Expected, min: u32, max: u32) -> Result<u32, ParseErrorKind> {
    let found = || text.to_string();
    let value = parse_digits(text).ok_or_else(|| ParseErrorKind::BadNumber { what, found: found() })?;
    match u32::try_from(value) {
        Ok(count) if (min..=max).contains(&count) => Ok(count),
        // Overflow saturates to u64::MAX in parse_digits: still out of range.
        _ => Err(ParseErrorKind::NumberOutOfRange { what, found: found(), min, max }),
    }
}

/// ASCII digits to a number, saturating at `u64::MAX`; `None` unless non-empty and all digits.
fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.chars().try_fold(0u64, |value, ch| {
        let digit = ch.to_digit(10)?;
        Some(value.saturating_mul(10).saturating_add(u64::from(digit)))
    })
}

/// `loss <percent>`: 0 to 100 with at most one decimal, an optional `%`; returns per mille.
fn parse_loss_per_mille(text: &str) -> Result<u32, ParseErrorKind> {
    let what = Expected::LossPercent;
    let bad = || ParseErrorKind::BadNumber { what, found: text.to_string() };
    let number = text.strip_suffix('%').unwrap_or(text);
    let (whole, tenth) = match number.split_once('.') {
        Some((whole, tenth)) => (whole, Some(tenth)),
        None => (number, None),
    };
    let whole = parse_digits(whole).ok_or_else(bad)?;
    let tenth = match tenth {
        None => 0,
        Some(digit) if digit.chars().count() == 1 => parse_digits(digit).ok_or_else(bad)?,
        Some(_) => return Err(bad()),
    };
    let per_mille = whole.saturating_mul(10).saturating_add(tenth);
    match u32::try_from(per_mille) {
        Ok(per_mille) if per_mille <= 1_000 => Ok(per_mille),
        _ => Err(ParseErrorKind::NumberOutOfRange { what, found: text.to_string(), min: 0, max: 100 }),
    }
}

/// A time token: `<digits>[.<digits>]<unit>`, unit `us`, `ms`, `s` or `m`, exact to the
/// microsecond, at most [`MAX_TIME`]. Integer maths only (the result decides behaviour).
pub fn parse_time(text: &str) -> Result<Time, ParseErrorKind> {
    let bad = |problem| ParseErrorKind::BadTime { found: text.to_string(), problem };
    let too_large = || ParseErrorKind::TimeTooLarge { found: text.to_string() };
    if text.starts_with('-') {
        return Err(bad(TimeProblem::Negative));
    }
    let unit_start = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let Some((number, unit)) = text.split_at_checked(unit_start) else {
        return Err(bad(TimeProblem::BadNumber));
    };
    if number.is_empty() {
        return Err(bad(TimeProblem::BadNumber));
    }
    let unit_micros = match unit {
        "us" => 1,
        "ms" => MICROS_PER_MS,
        "s" => MICROS_PER_S,
        "m" => MICROS_PER_MIN,
        "" => return Err(bad(TimeProblem::MissingUnit)),
        other => return Err(bad(TimeProblem::UnknownUnit { unit: other.to_string() })),
    };
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (number, ""),
    };
    let has_point = whole.len() < number.len();
    if whole.is_empty() || (has_point && fraction.is_empty()) || fraction.contains('.') {
        return Err(bad(TimeProblem::BadNumber));
    }
    let whole = parse_digits(whole).ok_or_else(|| bad(TimeProblem::BadNumber))?;
    let fraction_micros = fraction_micros(fraction, unit_micros).ok_or_else(|| bad(TimeProblem::TooPrecise))?;
    let micros = whole
        .checked_mul(unit_micros)
        .and_then(|micros| micros.checked_add(fraction_micros))
        .filter(|&micros| micros <= MAX_TIME.as_us())
        .ok_or_else(too_large)?;
    Ok(Time(micros))
}

/// The microseconds of `0.<fraction>` units, `None` unless exact.
fn fraction_micros(fraction: &str, unit_micros: u64) -> Option<u64> {
    let significant = fraction.trim_end_matches('0');
    if significant.is_empty() {
        return Some(0);
    }
    // A unit is at most 6·10⁷ µs, which has at most eight factors of 2 or 5: a fraction with
    // more than nine significant digits cannot come out whole (and 10^len must not overflow).
    let digits = u32::try_from(significant.len()).ok().filter(|&digits| digits <= 9)?;
    let numerator = parse_digits(significant)?.checked_mul(unit_micros)?;
    let denominator = 10u64.checked_pow(digits)?;
    numerator.is_multiple_of(denominator).then(|| numerator / denominator)
}

/// One node name: `c<k>`, `b<k>`, `zk<k>` (k in 1..=999, no leading zeros), `leader`,
/// `controller`.
pub fn parse_node(text: &str) -> Result<NodeRef, ParseErrorKind> {
    match classify_node(text) {
        NodeName::Valid(node) => Ok(node),
        NodeName::BadNumber => Err(ParseErrorKind::BadNodeNumber { found: text.to_string() }),
        NodeName::Unknown => {
            Err(ParseErrorKind::UnknownNode { found: text.to_string(), suggestion: suggest_node(text) })
        }
    }
}

enum NodeName {
    Valid(NodeRef),
    /// A node prefix and digits, but the number is 0, above 999 or has leading zeros.
    BadNumber,
    Unknown,
}

/// Classifies without suggesting (suggestions themselves classify candidates).
fn classify_node(text: &str) -> NodeName {
    match text {
        "leader" => return NodeName::Valid(NodeRef::Leader),
        "controller" => return NodeName::Valid(NodeRef::Controller),
        _ => {}
    }
    let Some((prefix, digits)) = split_node_name(text) else {
        return NodeName::Unknown;
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return NodeName::Unknown;
    }
    let number = parse_digits(digits)
        .filter(|_| !digits.starts_with('0'))
        .and_then(|number| u32::try_from(number).ok())
        .filter(|number| (1..=MAX_NODE_NUMBER).contains(number));
    match number {
        Some(number) => NodeName::Valid(NodeRef::Named { prefix, number }),
        None => NodeName::BadNumber,
    }
}

/// `zk12` → (Zk, "12"); the prefix must be exactly `c`, `b` or `zk`.
fn split_node_name(text: &str) -> Option<(NodePrefix, &str)> {
    if let Some(digits) = text.strip_prefix("zk") {
        return Some((NodePrefix::Zk, digits));
    }
    if let Some(digits) = text.strip_prefix('c') {
        return Some((NodePrefix::Controller, digits));
    }
    text.strip_prefix('b').map(|digits| (NodePrefix::Broker, digits))
}

// ---------------------------------------------------------------------------------------------
// Suggestions

/// `str::to_lowercase` wherever the suggestions below can tell the difference: they only
/// compare against ASCII words and count characters. ASCII letters are lowered, and so are the
/// only two other characters whose lowercase contains ASCII (U+212A KELVIN SIGN → `k`, U+0130
/// CAPITAL I WITH DOT ABOVE → `i` + U+0307). Any other character is kept: its lowercase is one
/// non-ASCII character, which matches none of our words and counts as one character, as it
/// does. This keeps Unicode's case tables (about 16 KB) out of the browser build.
fn push_lowercase(out: &mut String, c: char) {
    match c {
        '\u{212A}' => out.push('k'),
        '\u{130}' => out.push_str("i\u{307}"),
        _ => out.push(c.to_ascii_lowercase()),
    }
}

fn lowercase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_lowercase(&mut out, c);
    }
    out
}

/// Levenshtein distance in chars (insert, delete, substitute each cost 1).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(previous.len());
        let mut left = i + 1;
        current.push(left);
        for (cb, pair) in b.iter().zip(previous.windows(2)) {
            let &[diagonal, above] = pair else { continue };
            let cost = diagonal + usize::from(ca != *cb);
            left = cost.min(above + 1).min(left + 1);
            current.push(left);
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

/// The candidate nearest to `found` (compared in lowercase), if within
/// [`MAX_SUGGESTION_DISTANCE`] and closer than the candidate's own length (so `xy` does not
/// become `at`). Ties go to the earlier candidate.
fn nearest_word<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if found.chars().count() > MAX_SUGGESTION_INPUT_CHARS {
        return None;
    }
    let lowercase = lowercase(found);
    let mut best: Option<(usize, &'a str)> = None;
    for &candidate in candidates {
        let distance = edit_distance(&lowercase, candidate);
        let close = distance <= MAX_SUGGESTION_DISTANCE && distance < candidate.chars().count();
        if close && best.is_none_or(|(best_distance, _)| distance < best_distance) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

fn suggest_action(found: &str) -> Option<String> {
    let alias = match lowercase(found).as_str() {
        "kill" | "stop-hard" => Some("crash"),
        "stop" | "graceful-shutdown" => Some("shutdown"),
        "start" | "recover" | "revive" => Some("restart"),
        "split" | "isolate" | "partition-network" => Some("partition"),
        "repair" | "unpartition" | "reconnect" => Some("heal"),
        "drop" | "packet-loss" => Some("loss"),
        "latency" | "lag" | "slow" => Some("delay"),
        "create" | "topic" | "new-topic" | "add-topic" => Some("create-topic"),
        "config" | "configs" | "alter-configs" | "set-config" | "kafka-configs" => Some("alter-config"),
        _ => None,
    };
    alias.or_else(|| nearest_word(found, &ACTION_NAMES)).map(str::to_string)
}

fn suggest_topic_option(found: &str) -> Option<String> {
    let alias = match lowercase(found).as_str() {
        "replication-factor" | "replication.factor" | "replication_factor" | "replication" | "replicas" | "rf" => {
            Some("rf")
        }
        "partition" | "partitions" | "num.partitions" | "parts" => Some("partitions"),
        _ => None,
    };
    alias.or_else(|| nearest_word(found, &["partitions", "rf"])).map(str::to_string)
}

/// For a name that is not a node: the node the writer most likely meant, e.g. `C1` → `c1`,
/// `broker-2` → `b2`, `zk01` → `zk1`, `z3` → `zk3`, `ledaer` → `leader`.
fn suggest_node(found: &str) -> Option<String> {
    if found.chars().count() > MAX_SUGGESTION_INPUT_CHARS {
        return None;
    }
    let mut cleaned = String::with_capacity(found.len());
    for c in found.chars().filter(|c| !matches!(c, '-' | '_' | '.' | ',' | ';' | ':' | '"' | '\'' | '(' | ')')) {
        push_lowercase(&mut cleaned, c);
    }
    if let NodeName::Valid(node) = classify_node(&cleaned) {
        return Some(node.to_string());
    }
    if let Some(digits_start) = cleaned.find(|c: char| c.is_ascii_digit()) {
        let (word, digits) = cleaned.split_at_checked(digits_start)?;
        let number = parse_digits(digits)
            .and_then(|number| u32::try_from(number).ok())
            .filter(|number| (1..=MAX_NODE_NUMBER).contains(number))?;
        let prefix = node_prefix_for_word(word)?;
        return Some(NodeRef::Named { prefix, number }.to_string());
    }
    nearest_word(&cleaned, &["leader", "controller"]).map(str::to_string)
}

/// The node prefix a word most likely means: `broker` → `b`, `z` → `zk`.
fn node_prefix_for_word(word: &str) -> Option<NodePrefix> {
    match word {
        "c" | "ctrl" | "controller" | "kraft" | "quorum" | "voter" => Some(NodePrefix::Controller),
        "b" | "broker" | "kafka" => Some(NodePrefix::Broker),
        "zk" | "z" | "zoo" | "zookeeper" => Some(NodePrefix::Zk),
        _ => match nearest_word(word, &["controller", "broker", "zookeeper"]) {
            Some("controller") => Some(NodePrefix::Controller),
            Some("broker") => Some(NodePrefix::Broker),
            Some("zookeeper") => Some(NodePrefix::Zk),
            _ => None,
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use ParseErrorKind as K;

    fn c(number: u32) -> NodeRef {
        NodeRef::Named { prefix: NodePrefix::Controller, number }
    }
    fn b(number: u32) -> NodeRef {
        NodeRef::Named { prefix: NodePrefix::Broker, number }
    }
    fn zk(number: u32) -> NodeRef {
        NodeRef::Named { prefix: NodePrefix::Zk, number }
    }

    /// The only step of a one-line script.
    fn action(text: &str) -> ScenarioAction {
        let script = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(script.steps.len(), 1, "{text:?}");
        script.steps[0].action.clone()
    }

    fn time(text: &str) -> u64 {
        parse_time(text).unwrap_or_else(|e| panic!("{text:?}: {e}")).as_us()
    }

    /// (line, column, kind) of the error `text` gives.
    fn error(text: &str) -> (usize, usize, ParseErrorKind) {
        let e = parse(text).expect_err(text);
        (e.line, e.column, e.kind)
    }

    fn unknown_node(found: &str, suggestion: Option<&str>) -> ParseErrorKind {
        K::UnknownNode { found: found.into(), suggestion: suggestion.map(Into::into) }
    }

    fn bad_time(found: &str, problem: TimeProblem) -> ParseErrorKind {
        K::BadTime { found: found.into(), problem }
    }

    const EXAMPLE: &str = "\
set broker.session.timeout.ms=9000
at 5s create-topic orders partitions=6 rf=3
at 10s crash controller
at 12s restart c1
at 20s partition c1 c2 | c3 b1 b2
at 30s heal
at 40s shutdown b2
at 41s loss 5
at 42.5s loss 0.5
";

    // --- The whole format ----------------------------------------------------------------

    #[test]
    fn parses_the_documented_example() {
        let script = parse(EXAMPLE).unwrap();
        assert_eq!(script.settings, vec![("broker.session.timeout.ms".into(), "9000".into())]);
        let expected = vec![
            (5_000_000, ScenarioAction::CreateTopic { name: "orders".into(), partitions: 6, replication_factor: 3 }, 2),
            (10_000_000, ScenarioAction::Crash(NodeRef::Controller), 3),
            (12_000_000, ScenarioAction::Restart(c(1)), 4),
            (20_000_000, ScenarioAction::Partition(vec![vec![c(1), c(2)], vec![c(3), b(1), b(2)]]), 5),
            (30_000_000, ScenarioAction::Heal, 6),
            (40_000_000, ScenarioAction::Shutdown(b(2)), 7),
            (41_000_000, ScenarioAction::LossPerMille(50), 8),
            (42_500_000, ScenarioAction::LossPerMille(5), 9),
        ];
        let expected: Vec<Step> =
            expected.into_iter().map(|(micros, action, line)| Step { at: Time(micros), action, line }).collect();
        assert_eq!(script.steps, expected);
    }

    #[test]
    fn empty_and_blank_texts_are_empty_scripts() {
        for text in ["", "\n", "   \n\t\n", "# only a comment", "  # indented comment\n\n"] {
            assert_eq!(parse(text), Ok(Script::default()), "{text:?}");
        }
    }

    #[test]
    fn comments_start_anywhere_and_lines_count_from_one() {
        let text = "# header\n\nat 1s crash c1 # why\nat 2s heal#no space\n  set a=b#c\r\nat 3s restart c1\r\n";
        let script = parse(text).unwrap();
        let lines: Vec<usize> = script.steps.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![3, 4, 6]);
        assert_eq!(script.steps[1].action, ScenarioAction::Heal);
        assert_eq!(script.settings, vec![("a".into(), "b".into())]);
    }

    #[test]
    fn steps_keep_the_order_written() {
        let script = parse("at 9s heal\nat 1s crash b1\nat 5s heal").unwrap();
        let times: Vec<u64> = script.steps.iter().map(|s| s.at.as_us()).collect();
        assert_eq!(times, vec![9_000_000, 1_000_000, 5_000_000]);
    }

    #[test]
    fn extra_whitespace_between_tokens_is_fine() {
        assert_eq!(action("  at\t5s   crash \u{3000} c1  "), ScenarioAction::Crash(c(1)));
    }

    // --- Directives ----------------------------------------------------------------------

    #[test]
    fn a_line_must_start_with_at_or_set() {
        assert_eq!(
            error("at 1s heal\n  crash c1"),
            (2, 3, K::UnknownDirective { found: "crash".into(), suggestion: None })
        );
        assert_eq!(
            error("AT 1s heal"),
            (1, 1, K::UnknownDirective { found: "AT".into(), suggestion: Some("at".into()) })
        );
        assert_eq!(
            error("sett a=b"),
            (1, 1, K::UnknownDirective { found: "sett".into(), suggestion: Some("set".into()) })
        );
        // Too far from "at" for a two-letter word to count as a typo.
        assert_eq!(error("5s crash c1"), (1, 1, K::UnknownDirective { found: "5s".into(), suggestion: None }));
        assert_eq!(error("한국어 텍스트"), (1, 1, K::UnknownDirective { found: "한국어".into(), suggestion: None }));
    }

    // --- Settings ------------------------------------------------------------------------

    #[test]
    fn settings_keep_order_and_take_any_value_token() {
        let script = parse("set b=2\nset a.b_c-d9=x=y|z\nset b=3\nset ko=값😀").unwrap();
        let expected: Vec<(String, String)> = [("b", "2"), ("a.b_c-d9", "x=y|z"), ("b", "3"), ("ko", "값😀")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(script.settings, expected);
        assert!(script.steps.is_empty());
    }

    #[test]
    fn setting_errors() {
        assert_eq!(error("set"), (1, 4, K::MissingArgument { what: Expected::Setting }));
        assert_eq!(error("set Foo=1"), (1, 5, K::BadSettingKey { found: "Foo".into() }));
        assert_eq!(error("set =1"), (1, 5, K::BadSettingKey { found: "".into() }));
        assert_eq!(error("set 키=1"), (1, 5, K::BadSettingKey { found: "키".into() }));
        assert_eq!(error("set foo"), (1, 8, K::MissingSettingValue { key: "foo".into() }));
        assert_eq!(error("set foo= 1"), (1, 9, K::MissingSettingValue { key: "foo".into() }));
        assert_eq!(error("set foo=#1"), (1, 9, K::MissingSettingValue { key: "foo".into() }));
        assert_eq!(error("set a=1 b=2"), (1, 9, K::UnexpectedArgument { found: "b=2".into() }));
    }

    // --- Times ---------------------------------------------------------------------------

    #[test]
    fn times_in_each_unit() {
        assert_eq!(time("100us"), 100);
        assert_eq!(time("250ms"), 250_000);
        assert_eq!(time("5s"), 5_000_000);
        assert_eq!(time("2m"), 120_000_000);
        assert_eq!(time("0s"), 0);
        assert_eq!(time("0us"), 0);
        assert_eq!(time("007s"), 7_000_000);
    }

    #[test]
    fn decimal_times_are_exact_integers() {
        assert_eq!(time("1.5s"), 1_500_000);
        assert_eq!(time("42.5s"), 42_500_000);
        assert_eq!(time("0.001ms"), 1);
        assert_eq!(time("1.25m"), 75_000_000);
        assert_eq!(time("0.000001s"), 1);
        assert_eq!(time("0.0000001m"), 6);
        assert_eq!(time("2.500000000000000000000s"), 2_500_000);
        assert_eq!(time("3.0us"), 3);
    }

    #[test]
    fn times_up_to_one_year() {
        assert_eq!(time("525600m"), MAX_TIME.as_us());
        assert_eq!(time("31536000000000us"), MAX_TIME.as_us());
        let too_large = |t: &str| Err(K::TimeTooLarge { found: t.into() });
        assert_eq!(parse_time("31536000000001us"), too_large("31536000000001us"));
        assert_eq!(parse_time("525600.000001m"), too_large("525600.000001m"));
        assert_eq!(parse_time("99999999999999999999999999m"), too_large("99999999999999999999999999m"));
        assert_eq!(parse_time("18446744073709551615us"), too_large("18446744073709551615us"));
    }

    #[test]
    fn malformed_times() {
        let cases = [
            ("-5s", TimeProblem::Negative),
            ("-0.5ms", TimeProblem::Negative),
            ("5", TimeProblem::MissingUnit),
            ("1.5", TimeProblem::MissingUnit),
            ("5h", TimeProblem::UnknownUnit { unit: "h".into() }),
            ("5sec", TimeProblem::UnknownUnit { unit: "sec".into() }),
            ("5S", TimeProblem::UnknownUnit { unit: "S".into() }),
            ("1e3s", TimeProblem::UnknownUnit { unit: "e3s".into() }),
            ("5초", TimeProblem::UnknownUnit { unit: "초".into() }),
            ("s", TimeProblem::BadNumber),
            ("abc", TimeProblem::BadNumber),
            ("+5s", TimeProblem::BadNumber),
            (".5s", TimeProblem::BadNumber),
            ("5.s", TimeProblem::BadNumber),
            ("1.2.3s", TimeProblem::BadNumber),
            ("１s", TimeProblem::BadNumber),
            ("1.5us", TimeProblem::TooPrecise),
            ("0.0001ms", TimeProblem::TooPrecise),
            ("0.12345678901s", TimeProblem::TooPrecise),
        ];
        for (text, problem) in cases {
            assert_eq!(parse_time(text), Err(bad_time(text, problem)), "{text:?}");
        }
    }

    #[test]
    fn step_time_errors_point_at_the_time() {
        assert_eq!(error("at"), (1, 3, K::MissingArgument { what: Expected::Time }));
        assert_eq!(error("at   # nothing"), (1, 3, K::MissingArgument { what: Expected::Time }));
        assert_eq!(error("at 5s"), (1, 6, K::MissingArgument { what: Expected::Action }));
        assert_eq!(error("\n  at 5 crash c1"), (2, 6, bad_time("5", TimeProblem::MissingUnit)));
        assert_eq!(error("at 2y heal"), (1, 4, bad_time("2y", TimeProblem::UnknownUnit { unit: "y".into() })));
        assert_eq!(error("at 600000m heal"), (1, 4, K::TimeTooLarge { found: "600000m".into() }));
    }

    #[test]
    fn times_render_in_the_largest_exact_unit() {
        let cases = [
            (0, "0s"),
            (1, "1us"),
            (250, "250us"),
            (1_000, "1ms"),
            (1_500_000, "1500ms"),
            (2_000_000, "2s"),
            (60_000_000, "1m"),
            (90_000_000, "90s"),
            (120_000_000, "2m"),
            (1_000_001, "1000001us"),
            (MAX_TIME.as_us(), "525600m"),
        ];
        for (micros, text) in cases {
            assert_eq!(format_time(Time(micros)), text);
            assert_eq!(time(text), micros);
        }
    }

    // --- Nodes ---------------------------------------------------------------------------

    #[test]
    fn node_names() {
        assert_eq!(parse_node("c1"), Ok(c(1)));
        assert_eq!(parse_node("b999"), Ok(b(999)));
        assert_eq!(parse_node("zk3"), Ok(zk(3)));
        assert_eq!(parse_node("b10"), Ok(b(10)));
        assert_eq!(parse_node("leader"), Ok(NodeRef::Leader));
        assert_eq!(parse_node("controller"), Ok(NodeRef::Controller));
        assert_eq!("zk12".parse::<NodeRef>(), Ok(zk(12)));
    }

    #[test]
    fn node_names_display_as_written() {
        for name in ["c1", "b999", "zk3", "leader", "controller"] {
            assert_eq!(parse_node(name).unwrap().to_string(), name);
        }
    }

    #[test]
    fn node_numbers_are_1_to_999_without_leading_zeros() {
        for name in ["c0", "b01", "zk000", "c1000", "b99999999999999999999999"] {
            assert_eq!(parse_node(name), Err(K::BadNodeNumber { found: name.into() }), "{name}");
        }
    }

    #[test]
    fn unknown_nodes_get_suggestions() {
        let cases = [
            ("C1", Some("c1")),
            ("ZK2", Some("zk2")),
            ("zk-1", Some("zk1")),
            ("b1,", Some("b1")),
            ("broker2", Some("b2")),
            ("Broker-2", Some("b2")),
            ("brokr2", Some("b2")),
            ("controller1", Some("c1")),
            ("z3", Some("zk3")),
            ("zookeeper3", Some("zk3")),
            ("kafka4", Some("b4")),
            ("ledaer", Some("leader")),
            ("Leader", Some("leader")),
            ("controler", Some("controller")),
            ("CONTROLLER", Some("controller")),
            ("c", None),
            ("zk", None),
            ("x1", None),
            ("node", None),
            ("c1a", None),
            ("리더", None),
            ("😀", None),
            ("broker0", None),
        ];
        for (found, suggestion) in cases {
            assert_eq!(parse_node(found), Err(unknown_node(found, suggestion)), "{found}");
        }
    }

    // --- Single-node actions -------------------------------------------------------------

    #[test]
    fn crash_restart_shutdown_take_one_node() {
        assert_eq!(action("at 1s crash zk2"), ScenarioAction::Crash(zk(2)));
        assert_eq!(action("at 1s restart leader"), ScenarioAction::Restart(NodeRef::Leader));
        assert_eq!(action("at 1s shutdown b3"), ScenarioAction::Shutdown(b(3)));
    }

    #[test]
    fn single_node_action_errors() {
        assert_eq!(error("at 1s crash"), (1, 12, K::MissingArgument { what: Expected::Node }));
        assert_eq!(error("at 1s restart # c1"), (1, 14, K::MissingArgument { what: Expected::Node }));
        assert_eq!(error("at 1s shutdown c1 c2"), (1, 19, K::UnexpectedArgument { found: "c2".into() }));
        assert_eq!(error("at 1s crash brokr1"), (1, 13, unknown_node("brokr1", Some("b1"))));
        assert_eq!(error("at 1s crash b0"), (1, 13, K::BadNodeNumber { found: "b0".into() }));
        // Columns count chars, not bytes.
        assert_eq!(error("\u{3000}at 1s crash 노드"), (1, 14, unknown_node("노드", None)));
    }

    #[test]
    fn unknown_actions_get_suggestions() {
        let cases = [
            ("crsh", Some("crash")),
            ("Crash", Some("crash")),
            ("restrat", Some("restart")),
            ("shutdwn", Some("shutdown")),
            ("partiton", Some("partition")),
            ("heel", Some("heal")),
            ("los", Some("loss")),
            ("createtopic", Some("create-topic")),
            ("create_topic", Some("create-topic")),
            ("kill", Some("crash")),
            ("stop", Some("shutdown")),
            ("explode", None),
            ("충돌", None),
        ];
        for (found, suggestion) in cases {
            let kind = K::UnknownAction { found: found.into(), suggestion: suggestion.map(Into::into) };
            assert_eq!(error(&format!("at 1s {found} c1")), (1, 7, kind), "{found}");
        }
    }

    // --- Partitions ----------------------------------------------------------------------

    #[test]
    fn partitions_have_two_or_more_sides() {
        assert_eq!(action("at 1s partition c1 | c2"), ScenarioAction::Partition(vec![vec![c(1)], vec![c(2)]]));
        assert_eq!(
            action("at 1s partition zk1 zk2 | zk3 | leader"),
            ScenarioAction::Partition(vec![vec![zk(1), zk(2)], vec![zk(3)], vec![NodeRef::Leader]])
        );
        // `|` need not be spaced.
        assert_eq!(
            action("at 1s partition c1|c2 c3 |b1"),
            ScenarioAction::Partition(vec![vec![c(1)], vec![c(2), c(3)], vec![b(1)]])
        );
    }

    #[test]
    fn partition_errors() {
        let missing = K::MissingArgument { what: Expected::Node };
        assert_eq!(error("at 1s partition"), (1, 16, missing));
        assert_eq!(error("at 1s partition c1 c2"), (1, 7, K::PartitionNeedsTwoSides));
        assert_eq!(error("at 1s partition | c1"), (1, 17, K::EmptyPartitionSide));
        assert_eq!(error("at 1s partition c1 |"), (1, 20, K::EmptyPartitionSide));
        assert_eq!(error("at 1s partition c1 | | c2"), (1, 22, K::EmptyPartitionSide));
        assert_eq!(error("at 1s partition c1||c2"), (1, 20, K::EmptyPartitionSide));
        assert_eq!(error("at 1s partition |"), (1, 17, K::EmptyPartitionSide));
        assert_eq!(error("at 1s partition c1 c2 | c3 c1"), (1, 28, K::DuplicateNode { node: "c1".into() }));
        assert_eq!(error("at 1s partition leader leader | c1"), (1, 24, K::DuplicateNode { node: "leader".into() }));
        assert_eq!(error("at 1s partition c1|cx"), (1, 20, unknown_node("cx", None)));
        assert_eq!(error("at 1s partition 가|나"), (1, 17, unknown_node("가", None)));
        assert_eq!(error("at 1s partition c1|b2|나"), (1, 23, unknown_node("나", None)));
    }

    // --- Heal and loss -------------------------------------------------------------------

    #[test]
    fn heal_takes_nothing() {
        assert_eq!(action("at 1s heal"), ScenarioAction::Heal);
        assert_eq!(error("at 1s heal all"), (1, 12, K::UnexpectedArgument { found: "all".into() }));
    }

    #[test]
    fn loss_is_stored_per_mille() {
        let cases = [
            ("0", 0),
            ("5", 50),
            ("0.5", 5),
            ("99.9", 999),
            ("100", 1_000),
            ("100.0", 1_000),
            ("12.5%", 125),
            ("007", 70),
        ];
        for (text, per_mille) in cases {
            assert_eq!(action(&format!("at 1s loss {text}")), ScenarioAction::LossPerMille(per_mille), "{text}");
        }
    }

    #[test]
    fn delay_parses_round_trips_and_refuses_bad_values() {
        assert_eq!(action("at 1s delay 50ms"), ScenarioAction::DelayUs(50_000));
        assert_eq!(action("at 1s delay 0s"), ScenarioAction::DelayUs(0));
        assert_eq!(action("at 1s delay 10s"), ScenarioAction::DelayUs(10_000_000));
        assert_eq!(ScenarioAction::DelayUs(1_500_000).to_string(), "delay 1500ms");
        assert_eq!(error("at 1s delay"), (1, 12, K::MissingArgument { what: Expected::Delay }));
        let too_long = K::NumberOutOfRange { what: Expected::Delay, found: "11s".into(), min: 0, max: 10_000 };
        assert_eq!(error("at 1s delay 11s"), (1, 13, too_long.clone()));
        assert_eq!(too_long.to_string(), "delay \"11s\" out of range (0s to 10s)");
        assert!(matches!(error("at 1s delay 50").2, K::BadTime { .. }));
        assert!(matches!(error("at 1s delay 5ms 6ms").2, K::UnexpectedArgument { .. }));
        assert!(
            matches!(error("at 1s latency 5ms").2, K::UnknownAction { suggestion: Some(ref s), .. } if s == "delay")
        );
    }

    #[test]
    fn loss_errors() {
        let bad = |t: &str| K::BadNumber { what: Expected::LossPercent, found: t.into() };
        let out_of_range =
            |t: &str| K::NumberOutOfRange { what: Expected::LossPercent, found: t.into(), min: 0, max: 100 };
        assert_eq!(error("at 1s loss"), (1, 11, K::MissingArgument { what: Expected::LossPercent }));
        for text in ["5.25", "abc", "-1", "1e2", ".5", "5.", "%", "5%%", "٥"] {
            assert_eq!(error(&format!("at 1s loss {text}")), (1, 12, bad(text)), "{text}");
        }
        for text in ["100.1", "101", "99999999999999999999999"] {
            assert_eq!(error(&format!("at 1s loss {text}")), (1, 12, out_of_range(text)), "{text}");
        }
        assert_eq!(error("at 1s loss 5 6"), (1, 14, K::UnexpectedArgument { found: "6".into() }));
    }

    // --- create-topic --------------------------------------------------------------------

    #[test]
    fn create_topic_takes_both_options_in_any_order() {
        let topic = |name: &str, partitions, replication_factor| ScenarioAction::CreateTopic {
            name: name.into(),
            partitions,
            replication_factor,
        };
        assert_eq!(action("at 1s create-topic orders partitions=6 rf=3"), topic("orders", 6, 3));
        assert_eq!(action("at 1s create-topic a.B_c-9 rf=1 partitions=1"), topic("a.B_c-9", 1, 1));
        assert_eq!(action("at 1s create-topic t partitions=1000000 rf=7"), topic("t", 1_000_000, 7));
        let longest = "x".repeat(MAX_TOPIC_NAME_CHARS);
        assert_eq!(action(&format!("at 1s create-topic {longest} partitions=1 rf=1")), topic(&longest, 1, 1));
        assert_eq!(action("at 1s create-topic ... partitions=1 rf=1"), topic("...", 1, 1));
    }

    #[test]
    fn create_topic_name_errors() {
        assert_eq!(error("at 1s create-topic"), (1, 19, K::MissingArgument { what: Expected::TopicName }));
        assert_eq!(
            error("at 1s create-topic partitions=6 rf=3"),
            (1, 20, K::MissingArgument { what: Expected::TopicName })
        );
        let bad_name = |found: &str, problem| K::BadTopicName { found: found.into(), problem };
        assert_eq!(
            error("at 1s create-topic 주문 partitions=6 rf=3"),
            (1, 20, bad_name("주문", TopicNameProblem::BadChar { ch: '주' }))
        );
        assert_eq!(
            error("at 1s create-topic a/b partitions=6 rf=3"),
            (1, 20, bad_name("a/b", TopicNameProblem::BadChar { ch: '/' }))
        );
        assert_eq!(
            error("at 1s create-topic . partitions=6 rf=3"),
            (1, 20, bad_name(".", TopicNameProblem::DotOrDotDot))
        );
        assert_eq!(
            error("at 1s create-topic .. partitions=6 rf=3"),
            (1, 20, bad_name("..", TopicNameProblem::DotOrDotDot))
        );
        let too_long = "x".repeat(MAX_TOPIC_NAME_CHARS + 1);
        assert_eq!(
            error(&format!("at 1s create-topic {too_long} partitions=6 rf=3")),
            (1, 20, bad_name(&too_long, TopicNameProblem::TooLong { chars: 250 }))
        );
    }

    #[test]
    fn create_topic_option_errors() {
        let missing = |what| K::MissingArgument { what };
        assert_eq!(error("at 1s create-topic t"), (1, 21, missing(Expected::Partitions)));
        assert_eq!(error("at 1s create-topic t rf=3"), (1, 26, missing(Expected::Partitions)));
        assert_eq!(error("at 1s create-topic t partitions=3"), (1, 34, missing(Expected::ReplicationFactor)));
        assert_eq!(
            error("at 1s create-topic t rf=3 rf=2 partitions=1"),
            (1, 27, K::DuplicateTopicOption { key: "rf".into() })
        );
        let unknown = |found: &str, suggestion: Option<&str>| K::UnknownTopicOption {
            found: found.into(),
            suggestion: suggestion.map(Into::into),
        };
        assert_eq!(error("at 1s create-topic t partition=6 rf=3"), (1, 22, unknown("partition", Some("partitions"))));
        assert_eq!(
            error("at 1s create-topic t partitions=6 replication-factor=3"),
            (1, 35, unknown("replication-factor", Some("rf")))
        );
        assert_eq!(error("at 1s create-topic t partitions=6 Rf=3"), (1, 35, unknown("Rf", Some("rf"))));
        assert_eq!(error("at 1s create-topic t 6 3"), (1, 22, unknown("6", None)));
        assert_eq!(error("at 1s create-topic t =6"), (1, 22, unknown("", None)));
    }

    #[test]
    fn create_topic_number_errors_point_at_the_value() {
        let bad = |what, found: &str| K::BadNumber { what, found: found.into() };
        let range = |what, found: &str, max| K::NumberOutOfRange { what, found: found.into(), min: 1, max };
        let p = Expected::Partitions;
        let rf = Expected::ReplicationFactor;
        assert_eq!(error("at 1s create-topic t partitions=x rf=3"), (1, 33, bad(p, "x")));
        assert_eq!(error("at 1s create-topic t partitions= rf=3"), (1, 33, bad(p, "")));
        assert_eq!(error("at 1s create-topic t partitions=-1 rf=3"), (1, 33, bad(p, "-1")));
        assert_eq!(error("at 1s create-topic t partitions=1.5 rf=3"), (1, 33, bad(p, "1.5")));
        assert_eq!(error("at 1s create-topic t partitions=0 rf=3"), (1, 33, range(p, "0", MAX_PARTITIONS)));
        assert_eq!(error("at 1s create-topic t partitions=1000001 rf=3"), (1, 33, range(p, "1000001", MAX_PARTITIONS)));
        assert_eq!(
            error("at 1s create-topic t partitions=99999999999999999999999 rf=3"),
            (1, 33, range(p, "99999999999999999999999", MAX_PARTITIONS))
        );
        assert_eq!(error("at 1s create-topic t partitions=1 rf=0"), (1, 38, range(rf, "0", 7)));
        assert_eq!(error("at 1s create-topic t partitions=1 rf=8"), (1, 38, range(rf, "8", 7)));
        assert_eq!(error("at 1s create-topic t partitions=1 rf=셋"), (1, 38, bad(rf, "셋")));
    }

    // --- alter-config --------------------------------------------------------------------

    fn alter(topic: &str, key: &str, value: &str) -> ScenarioAction {
        ScenarioAction::AlterConfig { topic: topic.into(), key: key.into(), value: value.into() }
    }

    #[test]
    fn alter_config_takes_a_topic_and_one_config() {
        assert_eq!(
            action("at 5s alter-config orders retention.ms=3600000"),
            alter("orders", "retention.ms", "3600000")
        );
        assert_eq!(
            action("at 1s alter-config a.B_c-9 cleanup.policy=compact,delete"),
            alter("a.B_c-9", "cleanup.policy", "compact,delete")
        );
        // The value is everything after the first `=`, any non-empty token.
        assert_eq!(action("at 1s alter-config t x=y=z"), alter("t", "x", "y=z"));
        assert_eq!(action("at 1s alter-config t min.insync.replicas=2 # why"), alter("t", "min.insync.replicas", "2"));
        assert_eq!(action("at 1s alter-config t retention.ms=-1"), alter("t", "retention.ms", "-1"));
        assert_eq!(alter("orders", "retention.ms", "1").to_string(), "alter-config orders retention.ms=1");
    }

    #[test]
    fn alter_config_errors() {
        let missing = |what| K::MissingArgument { what };
        assert_eq!(error("at 1s alter-config"), (1, 19, missing(Expected::TopicName)));
        assert_eq!(error("at 1s alter-config retention.ms=1"), (1, 20, missing(Expected::TopicName)));
        assert_eq!(
            error("at 1s alter-config 주문 retention.ms=1"),
            (1, 20, K::BadTopicName { found: "주문".into(), problem: TopicNameProblem::BadChar { ch: '주' } })
        );
        assert_eq!(error("at 1s alter-config t"), (1, 21, missing(Expected::TopicConfig)));
        assert_eq!(
            error("at 1s alter-config t retention.ms"),
            (1, 34, K::MissingConfigValue { key: "retention.ms".into() })
        );
        assert_eq!(
            error("at 1s alter-config t retention.ms="),
            (1, 35, K::MissingConfigValue { key: "retention.ms".into() })
        );
        assert_eq!(
            error("at 1s alter-config t Retention.ms=1"),
            (1, 22, K::BadConfigName { found: "Retention.ms".into() })
        );
        assert_eq!(error("at 1s alter-config t =1"), (1, 22, K::BadConfigName { found: "".into() }));
        assert_eq!(error("at 1s alter-config t 보존=1"), (1, 22, K::BadConfigName { found: "보존".into() }));
        assert_eq!(
            error("at 1s alter-config t retention.ms=1 segment.ms=2"),
            (1, 37, K::UnexpectedArgument { found: "segment.ms=2".into() })
        );
        let suggested = |found: &str| K::UnknownAction { found: found.into(), suggestion: Some("alter-config".into()) };
        assert_eq!(error("at 1s alter-configs t a=1"), (1, 7, suggested("alter-configs")));
        assert_eq!(error("at 1s alterconfig t a=1"), (1, 7, suggested("alterconfig")));
    }

    // --- Limits --------------------------------------------------------------------------

    #[test]
    fn text_longer_than_64_kib_is_rejected_where_it_overflows() {
        let exactly = format!("at 1s heal\n{}", "#".repeat(MAX_TEXT_BYTES - 11));
        assert_eq!(exactly.len(), MAX_TEXT_BYTES);
        assert!(parse(&exactly).is_ok());
        let over = format!("{exactly}x");
        assert_eq!(error(&over), (2, MAX_TEXT_BYTES - 11 + 1, K::TextTooLong { max_bytes: MAX_TEXT_BYTES }));
        // A multi-byte char straddling the limit: no slicing inside it.
        let straddling = format!("{}한", "#".repeat(MAX_TEXT_BYTES - 1));
        assert_eq!(error(&straddling), (1, MAX_TEXT_BYTES, K::TextTooLong { max_bytes: MAX_TEXT_BYTES }));
    }

    #[test]
    fn at_most_2000_steps() {
        let full = "at 1s heal\n".repeat(MAX_STEPS);
        assert_eq!(parse(&full).unwrap().steps.len(), MAX_STEPS);
        let over = format!("set a=b\n{full}  at 1s heal");
        assert_eq!(error(&over), (MAX_STEPS + 2, 3, K::TooManySteps { max_steps: MAX_STEPS }));
    }

    // --- Messages ------------------------------------------------------------------------

    #[test]
    fn display_gives_position_and_english_message() {
        let e = parse("set a=1\n# comment\nat 10s crsh c1").unwrap_err();
        assert_eq!(e.to_string(), r#"line 3, column 8: unknown action "crsh" (did you mean "crash"?)"#);
        let messages = [
            (
                "at 1s crash nodex",
                r#"line 1, column 13: unknown node "nodex" (expected c<k>, b<k>, zk<k>, leader or controller)"#,
            ),
            ("at 1s crash broker1", r#"line 1, column 13: unknown node "broker1" (did you mean "b1"?)"#),
            ("at 1s crash", "line 1, column 12: missing node"),
            ("at 5 heal", r#"line 1, column 4: bad time "5": missing unit (us, ms, s or m)"#),
            ("at 2000000m heal", r#"line 1, column 4: time too large: "2000000m" (at most 1 year)"#),
            (
                "at 1s loss 0.25",
                r#"line 1, column 12: bad loss percentage "0.25" (expected 0 to 100 with at most one decimal, e.g. 0.5)"#,
            ),
            (
                "at 1s create-topic t partitions=1 rf=9",
                r#"line 1, column 38: replication factor "9" out of range (1 to 7)"#,
            ),
            ("at 1s partition c1", r#"line 1, column 7: a partition needs at least two sides separated by "|""#),
        ];
        for (text, message) in messages {
            assert_eq!(parse(text).unwrap_err().to_string(), message);
        }
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.to_string().starts_with("line 3"));
    }

    #[test]
    fn the_topics_of_one_scenario_have_at_most_a_million_partitions_in_all() {
        let two =
            "at 1s create-topic a partitions=600000 rf=3\nat 2s crash c1\nat 3s create-topic b partitions=400000 rf=3";
        assert_eq!(parse(two).map(|s| s.steps.len()), Ok(3), "exactly the limit");
        let three = format!("{two}\n  at 4s create-topic c partitions=1 rf=1");
        assert_eq!(error(&three), (4, 3, K::TooManyPartitions { max_total: MAX_PARTITIONS }));
        assert_eq!(
            parse(&three).unwrap_err().to_string(),
            "line 4, column 3: the topics created add up to more than 1000000 partitions"
        );
    }

    #[test]
    fn every_error_kind_has_a_message() {
        let kinds = [
            K::TextTooLong { max_bytes: 1 },
            K::TooManySteps { max_steps: 1 },
            K::TooManyPartitions { max_total: 1 },
            K::UnknownDirective { found: "x".into(), suggestion: None },
            K::BadSettingKey { found: "X".into() },
            K::MissingSettingValue { key: "k".into() },
            bad_time("x", TimeProblem::Negative),
            bad_time("x", TimeProblem::MissingUnit),
            bad_time("x", TimeProblem::UnknownUnit { unit: "h".into() }),
            bad_time("x", TimeProblem::BadNumber),
            bad_time("x", TimeProblem::TooPrecise),
            K::TimeTooLarge { found: "x".into() },
            K::UnknownAction { found: "x".into(), suggestion: None },
            unknown_node("x", None),
            K::BadNodeNumber { found: "c0".into() },
            K::MissingArgument { what: Expected::Time },
            K::UnexpectedArgument { found: "x".into() },
            K::PartitionNeedsTwoSides,
            K::EmptyPartitionSide,
            K::DuplicateNode { node: "c1".into() },
            K::BadNumber { what: Expected::Partitions, found: "x".into() },
            K::NumberOutOfRange { what: Expected::Partitions, found: "0".into(), min: 1, max: 2 },
            K::BadTopicName { found: ".".into(), problem: TopicNameProblem::DotOrDotDot },
            K::BadTopicName { found: "x".into(), problem: TopicNameProblem::TooLong { chars: 300 } },
            K::UnknownTopicOption { found: "x".into(), suggestion: Some("rf".into()) },
            K::DuplicateTopicOption { key: "rf".into() },
            K::BadConfigName { found: "X".into() },
            K::MissingConfigValue { key: "retention.ms".into() },
            K::MissingArgument { what: Expected::TopicConfig },
        ];
        for kind in kinds {
            let message = kind.to_string();
            assert!(message.len() > 8 && !message.contains('{'), "{kind:?}: {message}");
        }
    }

    // --- Canonical text ------------------------------------------------------------------

    #[test]
    fn to_text_is_canonical() {
        let text = "at 5s create-topic orders rf=3 partitions=6  # comment\n\
                    set broker.session.timeout.ms=9000\n\n\
                    at 1.5s partition c1 c2|c3 b1 b2\n\
                    at 60000ms crash controller\n\
                    at 0.25ms loss 0.5\n\
                    at 90s loss 100.0%\n\
                    at 0s heal\n";
        let script = parse(text).unwrap();
        let canonical = "set broker.session.timeout.ms=9000\n\
                         at 5s create-topic orders partitions=6 rf=3\n\
                         at 1500ms partition c1 c2 | c3 b1 b2\n\
                         at 1m crash controller\n\
                         at 250us loss 0.5\n\
                         at 90s loss 100\n\
                         at 0s heal\n";
        assert_eq!(script.to_text(), canonical);
        // Lines move (settings come first, comments and blank lines go): `renumbered` says where.
        let reparsed = parse(canonical).unwrap();
        assert_ne!(reparsed, script);
        assert_eq!(reparsed, script.clone().renumbered());
        assert_eq!(reparsed.to_text(), canonical);
    }

    #[test]
    fn the_example_round_trips() {
        let script = parse(EXAMPLE).unwrap();
        // Canonical times have no decimal point: the largest unit that divides them exactly.
        assert_eq!(script.to_text(), EXAMPLE.replace("at 42.5s", "at 42500ms"));
        assert_eq!(parse(&script.to_text()), Ok(script.clone().renumbered()));
        assert_eq!(script.clone().renumbered(), script, "the example's lines are already where to_text puts them");
        assert_eq!(EXAMPLE.parse::<Script>(), Ok(script));
        assert_eq!(Script::default().to_text(), "");
    }

    #[test]
    fn steps_display_as_canonical_lines() {
        let step = Step { at: Time(42_500_000), action: ScenarioAction::LossPerMille(5), line: 9 };
        assert_eq!(step.to_string(), "at 42500ms loss 0.5");
        assert_eq!(ScenarioAction::LossPerMille(1_000).to_string(), "loss 100");
        assert_eq!(
            ScenarioAction::Partition(vec![vec![zk(1)], vec![zk(2), NodeRef::Leader], vec![b(1)]]).to_string(),
            "partition zk1 | zk2 leader | b1"
        );
    }

    // --- Helpers -------------------------------------------------------------------------

    #[test]
    fn lowercase_agrees_with_unicode_wherever_suggestions_can_tell() {
        // Same number of characters, and the same character wherever either side is ASCII.
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let ours: Vec<char> = lowercase(&c.to_string()).chars().collect();
            let unicode: Vec<char> = c.to_string().to_lowercase().chars().collect();
            assert_eq!(ours.len(), unicode.len(), "{c:?}");
            for (a, b) in ours.iter().zip(&unicode) {
                assert!(a == b || !(a.is_ascii() || b.is_ascii()), "{c:?}");
            }
        }
        assert_eq!(lowercase("KILL \u{212A}ill \u{130}x ΣΑΣ"), "kill kill i\u{307}x ΣΑΣ");
    }

    #[test]
    fn edit_distance_is_levenshtein() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("crash", "crash"), 0);
        assert_eq!(edit_distance("crsh", "crash"), 1);
        assert_eq!(edit_distance("carsh", "crash"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("리더", "리더십"), 1);
    }

    #[test]
    fn tokens_carry_char_columns() {
        let tokens = tokenize("  한국 ab\tc#d e");
        let seen: Vec<(&str, usize, usize)> = tokens.iter().map(|t| (t.text, t.column, t.end_column)).collect();
        assert_eq!(seen, vec![("한국", 3, 5), ("ab", 6, 8), ("c", 9, 10)]);
    }
}
