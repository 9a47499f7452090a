//! The explorer's hook into the world (`crate::explore`): a world given a [`Chooser`] asks it
//! wherever it would otherwise draw from its network's PRNG (a message's latency, its loss) or
//! take the first of several events due at the same instant, and lets it move a timer. A world
//! without one (the app, the CLI, every other test) never looks here: the random path, and so
//! every trace hash, is the same as before the hook existed.

use std::collections::binary_heap::PeekMut;

use super::{Entry, Event, Node, World};
use crate::time::Time;
use crate::NodeId;

/// What becomes of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// It arrives after this many microseconds (FIFO per link still holds).
    AfterUs(u64),
    Lost,
}

/// Decides what a world's network would draw at random, and the order of simultaneous events.
pub trait Chooser<N: Node> {
    /// `msg` leaves `from` for `to` now; `to_alive` says whether `to`'s process is up. Not
    /// asked when a partition cuts the link.
    fn delivery(&mut self, from: NodeId, to: NodeId, to_alive: bool, msg: &N::Msg) -> Delivery;
    /// A connection to a dead process was refused: how long the refusal takes back to the
    /// sender, in microseconds (never lost).
    fn refusal_us(&mut self, from: NodeId, to: NodeId) -> u64;
    /// `due` (at least 2) events are due at the same instant: the index of the one to take
    /// first, `0..due`, in the order the world would take them (the order they were queued).
    fn first_of(&mut self, due: usize) -> usize;
    /// `node` set `timer` at `now` to fire at `at`: when it fires instead (never before `now`).
    fn timer(&mut self, node: NodeId, timer: N::Timer, now: Time, at: Time) -> Time {
        let _ = (node, timer, now);
        at
    }
}

/// The world's chooser, if any. A copy of a world has none: whoever copies it (the explorer's
/// checkpoints) installs its own again.
pub(super) struct Slot<N: Node>(pub(super) Option<Box<dyn Chooser<N>>>);

impl<N: Node> Clone for Slot<N> {
    fn clone(&self) -> Self {
        Slot(None)
    }
}

impl<N: Node> World<N> {
    /// From now on, ask `chooser` instead of the network's PRNG (see [`Chooser`]).
    pub fn set_chooser(&mut self, chooser: Box<dyn Chooser<N>>) {
        self.chooser = Slot(Some(chooser));
    }

    /// Whether the event would do anything if taken now: a timer still set to this instance,
    /// a refusal whose sender is still the same process.
    pub(super) fn is_live(&self, entry: &Entry<N>) -> bool {
        match &entry.event {
            Event::Deliver(_) | Event::Action(_) => true,
            Event::Timer { node, timer } => {
                self.alive[*node] && self.timers[*node].get(timer).is_some_and(|(seq, _)| *seq == entry.seq)
            }
            Event::Refused { sender, sender_incarnation, .. } => {
                self.alive[*sender] && self.incarnation[*sender] == *sender_incarnation
            }
        }
    }

    /// The next event when a chooser decides: of the live events due at the earliest instant,
    /// the one it picks; the others stay queued. Stale events due then are dropped (taking one
    /// would do nothing), and when every event due then is stale, the first is taken, as
    /// without a chooser: never an event of a later instant, which `run_until` has not allowed.
    pub(super) fn pop_chosen(&mut self) -> Option<Entry<N>> {
        let at = self.queue.peek()?.at;
        let mut due = Vec::new();
        while let Some(entry) = self.queue.peek_mut().filter(|e| e.at == at) {
            due.push(PeekMut::pop(entry));
        }
        let (mut live, stale): (Vec<_>, Vec<_>) = due.into_iter().partition(|entry| self.is_live(entry));
        let pick = match (live.len(), self.chooser.0.as_mut()) {
            (0, _) => return stale.into_iter().next(),
            (1, _) | (_, None) => 0,
            (n, Some(chooser)) => chooser.first_of(n).min(n - 1),
        };
        let chosen = live.remove(pick);
        self.queue.extend(live);
        Some(chosen)
    }
}
