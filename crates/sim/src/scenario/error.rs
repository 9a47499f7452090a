//! Why a scenario text was rejected, and where: [`ParseError`] with a machine-readable
//! [`ParseErrorKind`] the app translates; `Display` gives the English message.

use std::fmt;

use super::{MAX_NODE_NUMBER, MAX_TOPIC_NAME_CHARS};

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
    /// The whole text is longer than [`MAX_TEXT_BYTES`](super::MAX_TEXT_BYTES); the position is
    /// the first char past it.
    TextTooLong {
        max_bytes: usize,
    },
    /// More than [`MAX_STEPS`](super::MAX_STEPS) `at` lines; the position is the first one too many.
    TooManySteps {
        max_steps: usize,
    },
    /// The topics created add up to more than [`MAX_PARTITIONS`](super::MAX_PARTITIONS)
    /// partitions; the position is the step that goes over.
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
    /// A time later than [`MAX_TIME`](super::MAX_TIME) (one year).
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
pub(super) fn write_suggestion(f: &mut fmt::Formatter<'_>, suggestion: Option<&str>, otherwise: &str) -> fmt::Result {
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
