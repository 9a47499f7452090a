//! What an exploration found, and how a person replays it: the faults as scenario text, the
//! schedule as a choice vector, and the command that replays that vector.

use std::fmt::Write as _;

use super::search::End;
use super::Plan;
use crate::scenario::format_time;
use crate::setup::Mode;
use crate::time::Time;

/// The figures of one exploration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub plan: String,
    /// Distinct states reached (by state hash).
    pub states: u64,
    /// Events the engine processed, replays included.
    pub events: u64,
    /// Schedules run to their end (including those pruned at a state seen before).
    pub schedules: u64,
    /// Schedules that ended with the election settled.
    pub settled: u64,
    /// Schedules that ended at the delivery bound or the horizon before settling.
    pub at_bound: u64,
    /// Schedules that ended at a state explored before.
    pub pruned: u64,
    /// Schedules after which nothing was left to happen.
    pub quiet: u64,
    /// Most deliveries in one schedule.
    pub max_depth: u32,
    /// False when the search stopped at `max_states` (or at a violation) before the end.
    pub complete: bool,
    pub found: Option<Found>,
}

/// A schedule that breaks an invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The choice vector, without its trailing first options (a replay takes the first option
    /// where the vector ends): [`super::replay`] runs this schedule again.
    pub choices: Vec<usize>,
    /// The violation, as the checker words it.
    pub what: String,
    /// The crash of the leader in this schedule: which node, when.
    pub crash: Option<(String, Time)>,
}

impl Report {
    pub(super) fn count(&mut self, end: &End) {
        self.schedules += 1;
        match end {
            End::Violation(_) => self.complete = false,
            End::AtBound => self.at_bound += 1,
            End::Settled => self.settled += 1,
            End::Pruned => self.pruned += 1,
            End::Quiet => self.quiet += 1,
        }
    }

    /// One line of figures.
    pub fn figures(&self) -> String {
        format!(
            "{}: {} states, {} schedules ({} settled, {} at the bound, {} pruned), {} events, deepest {} deliveries{}",
            self.plan,
            self.states,
            self.schedules,
            self.settled,
            self.at_bound,
            self.pruned,
            self.events,
            self.max_depth,
            if self.complete { ", complete" } else { ", INCOMPLETE" }
        )
    }
}

impl Found {
    /// The choice vector as the replay command takes it: indices joined by commas.
    pub fn choice_text(&self) -> String {
        choice_text(&self.choices)
    }

    /// The violation, the faults as scenario text, and how to replay the exact schedule.
    pub fn explain(&self, plan: &Plan) -> String {
        let mut text = String::new();
        let _ = writeln!(text, "VIOLATION in {}: {}", plan.name, self.what);
        let _ = writeln!(text, "setup: {}", setup_text(plan));
        let _ = writeln!(
            text,
            "faults as scenario text (the page draws its own latencies, so it replays these faults, \
             not this schedule's message timing):"
        );
        for line in scenario_text(plan, self.crash.as_ref()).lines() {
            let _ = writeln!(text, "  {line}");
        }
        let _ = writeln!(
            text,
            "the schedule is not expressible as scenario text (per-message latencies and the order of \
             simultaneous events); its choice vector ({} choices): {}",
            self.choices.len(),
            self.choice_text()
        );
        let _ = writeln!(text, "replay: {}", replay_command(plan, &self.choices));
        text
    }
}

/// Indices joined by commas; `-` for the schedule of first options only.
pub(crate) fn choice_text(choices: &[usize]) -> String {
    if choices.is_empty() {
        return "-".to_string();
    }
    let parts: Vec<String> = choices.iter().map(usize::to_string).collect();
    parts.join(",")
}

/// The mode, sizes and seed, as the page's setup takes them.
pub fn setup_text(plan: &Plan) -> String {
    let quorum = match plan.mode {
        Mode::Kraft => "controllers",
        Mode::Zk => "ZooKeeper servers",
    };
    format!("{} mode, {} {quorum}, {} brokers, seed {}", plan.mode.as_str(), plan.quorum, plan.brokers, plan.seed)
}

/// The faults of a schedule as scenario text: the crash of the leader.
pub fn scenario_text(plan: &Plan, crash: Option<&(String, Time)>) -> String {
    let mut text = String::new();
    if plan.mode == Mode::Zk {
        let _ = writeln!(text, "set brokers={}", plan.brokers);
    }
    if let Some((node, at)) = crash {
        let _ = writeln!(text, "at {} crash leader  # {node} in this schedule", format_time(*at));
    }
    text
}

/// The command that replays `choices` of `plan`, from the repository's root.
pub fn replay_command(plan: &Plan, choices: &[usize]) -> String {
    format!("make explore EXPLORE_ARGS=\"replay {} {}\"", plan.args(), choice_text(choices))
}
