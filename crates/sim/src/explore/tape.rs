//! A schedule as a tape of choices, and the [`Chooser`] that reads it to the world.
//!
//! Every nondeterministic decision of an explored run (a message's latency or loss, which of
//! several simultaneous events goes first, a KRaft election timeout, when the leader crashes)
//! is one choice: an index below its arity. A run replays the tape's choices and extends it
//! with first options (index 0) where it runs out; the search then moves the last choice that
//! has an option left to its next option and replays (stateless DFS).

use std::cell::RefCell;
use std::rc::Rc;

use crate::time::Time;
use crate::world::{Chooser, Delivery, Message, Node};
use crate::NodeId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Choice {
    pub(crate) index: usize,
    /// How many options there were; 0 for a choice given to a replay and not yet reached.
    pub(crate) arity: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Tape {
    pub(crate) choices: Vec<Choice>,
    /// Choices consumed so far by this run.
    pub(crate) pos: usize,
    /// False while warming up: every choice is its first option and nothing is recorded.
    pub(crate) exploring: bool,
    /// Messages this run chose to lose so far.
    pub(crate) losses: u32,
    /// A given choice was out of range (a replay of a vector from elsewhere).
    pub(crate) diverged: bool,
    /// One line per choice, kept when replaying for a person.
    pub(crate) log: Option<Vec<String>>,
}

impl Tape {
    /// The option taken among `arity`; `what` says what is chosen, for the log.
    pub(crate) fn choose(&mut self, arity: usize, what: impl FnOnce() -> String) -> usize {
        if arity <= 1 || !self.exploring {
            return 0;
        }
        let index = match self.choices.get_mut(self.pos) {
            Some(choice) => {
                if choice.arity == 0 {
                    choice.arity = arity;
                }
                // The engine is deterministic: the same prefix offers the same choices.
                assert_eq!(choice.arity, arity, "replay diverged at choice {}", self.pos);
                if choice.index >= arity {
                    self.diverged = true;
                    choice.index = arity - 1;
                }
                choice.index
            }
            None => {
                self.choices.push(Choice { index: 0, arity });
                0
            }
        };
        if let Some(log) = self.log.as_mut() {
            log.push(format!("choice {}: {} -> option {index} of {arity}", self.pos, what()));
        }
        self.pos += 1;
        index
    }
}

/// What an explored network may do with a message.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub(crate) latencies_us: Vec<u64>,
    pub(crate) max_losses: u32,
    /// Election timeouts a KRaft voter may take once exploring (empty: as its PRNG drew).
    pub(crate) election_timeouts_us: Vec<u64>,
    pub(crate) names: Vec<String>,
}

/// Reads the shared tape to the world.
pub(crate) struct TapeChooser<T> {
    pub(crate) tape: Rc<RefCell<Tape>>,
    pub(crate) options: Rc<Options>,
    /// Whether a timer is an election timeout the explorer chooses.
    pub(crate) election_timer: fn(&T) -> bool,
}

impl<N: Node> Chooser<N> for TapeChooser<N::Timer> {
    fn delivery(&mut self, from: NodeId, to: NodeId, to_alive: bool, msg: &N::Msg) -> Delivery {
        let options = &self.options;
        let mut tape = self.tape.borrow_mut();
        let latencies = options.latencies_us.len();
        // A message to a dead process is refused whenever it lands: its latency is not a choice.
        let arity = if to_alive { latencies + usize::from(tape.losses < options.max_losses) } else { 1 };
        let index = tape.choose(arity, || {
            let (from, to) = (&options.names[from], &options.names[to]);
            let label = msg.label();
            let mut choices: Vec<String> = options.latencies_us.iter().map(|us| format!("{us}us")).collect();
            choices.truncate(arity);
            if arity > latencies {
                choices.push("lost".into());
            }
            format!("{label} {from}->{to} takes [{}]", choices.join(" | "))
        });
        match options.latencies_us.get(index) {
            Some(us) => Delivery::AfterUs(*us),
            None => {
                tape.losses += 1;
                Delivery::Lost
            }
        }
    }

    fn refusal_us(&mut self, _from: NodeId, _to: NodeId) -> u64 {
        self.options.latencies_us[0]
    }

    fn first_of(&mut self, due: usize) -> usize {
        self.tape.borrow_mut().choose(due, || format!("which of {due} simultaneous events goes first"))
    }

    fn timer(&mut self, node: NodeId, timer: N::Timer, now: Time, at: Time) -> Time {
        let timeouts = &self.options.election_timeouts_us;
        if timeouts.is_empty() || !(self.election_timer)(&timer) {
            return at;
        }
        let mut tape = self.tape.borrow_mut();
        if !tape.exploring {
            return at;
        }
        let name = &self.options.names[node];
        let index = tape.choose(timeouts.len(), || {
            let ms: Vec<String> = timeouts.iter().map(|us| format!("{}ms", us / 1_000)).collect();
            format!("{name}'s election timeout [{}]", ms.join(" | "))
        });
        now.plus_us(timeouts[index])
    }
}
