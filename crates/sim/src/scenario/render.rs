//! The canonical text: how nodes, actions, steps, times and percentages are written back
//! (what permalinks carry).

use std::fmt::{self, Write as _};
use std::str::FromStr;

use super::parser::{parse, parse_node};
use super::{NodePrefix, NodeRef, ParseError, ParseErrorKind, ScenarioAction, Script, Step};
use super::{MICROS_PER_MIN, MICROS_PER_MS, MICROS_PER_S};
use crate::time::Time;

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
