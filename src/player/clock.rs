//! How far each tick moves virtual time: wall time since the last tick times the speed, slower
//! while an election's messages fly (a display setting only: it never changes what happens),
//! and stopping right after the moment an election starts so that slow motion catches it.

use std::cell::Cell;

use leptos::prelude::*;
use quorumlab_sim::Time;

use super::{Player, SideView};
use crate::session::lab::SLOW_MOTION_FACTOR;

/// How many distinct event times one tick steps through one by one, watching for an election.
const WATCHED_MOMENTS_PER_TICK: usize = 2_000;
/// Slow motion lasts at most this long (wall time) per burst of election messages.
const SLOW_MOTION_BUDGET_MS: f64 = 3_000.0;
/// A tick longer than this (a stalled tab) is cut short.
const MAX_TICK_MS: f64 = 100.0;

/// Wall-time bookkeeping between ticks.
#[derive(Default)]
pub(super) struct Clock {
    last_tick: Cell<f64>,
    /// Slow-motion bookkeeping (wall ms): spent in this burst, calm since the last one.
    slow_ms: Cell<f64>,
    calm_ms: Cell<f64>,
    slowing: Cell<bool>,
}

impl Clock {
    pub(super) fn restart(&self, now_ms: f64) {
        self.last_tick.set(now_ms);
    }

    /// Whether this tick is slowed down.
    pub(super) fn slowing(&self) -> bool {
        self.slowing.get()
    }

    /// The wall ms since the last tick (cut short after a stall), and whether to slow down:
    /// while election messages fly, for at most a few seconds of wall time per burst (a long
    /// ZooKeeper election would crawl).
    fn step(&self, now_ms: f64, electing: bool) -> (f64, bool) {
        let dt_ms = (now_ms - self.last_tick.get()).clamp(0.0, MAX_TICK_MS);
        self.last_tick.set(now_ms);
        let slow = if electing {
            self.calm_ms.set(0.0);
            self.slow_ms.set(self.slow_ms.get() + dt_ms);
            self.slow_ms.get() <= SLOW_MOTION_BUDGET_MS
        } else {
            self.calm_ms.set(self.calm_ms.get() + dt_ms);
            if self.calm_ms.get() > SLOW_MOTION_BUDGET_MS {
                self.slow_ms.set(0.0);
            }
            false
        };
        self.slowing.set(slow);
        (dt_ms, slow)
    }
}

impl Player {
    /// Move every side by the virtual time this tick covers.
    pub(super) fn advance(&self, now_ms: f64) {
        let electing = self.sides.iter().any(|s| s.lab.with_value(|lab| lab.election_in_flight()));
        let (dt_ms, slow) = self.clock.step(now_ms, electing);
        let speed = self.speed.get_untracked();
        let effective = if slow { speed * SLOW_MOTION_FACTOR } else { speed };
        if slow || electing {
            // In slow motion, or past its budget in a long election: one step.
            for side in &self.sides {
                side.lab.update_value(|lab| lab.advance(dt_ms * 1_000.0 * effective));
            }
        } else {
            // Calm: watch for the next election to start, so slow motion catches its beginning.
            self.advance_watching(dt_ms * 1_000.0 * effective);
        }
    }

    /// Advance every side by `virtual_us`, moment by moment, and stop right after the first
    /// moment at which any side sends an election message: a whole election can fit in one
    /// tick, and it must be slowed down before it is over, not after. The sides move through
    /// the same moments, so they keep one clock; the events are the same as in one big step.
    fn advance_watching(&self, virtual_us: f64) {
        let mut until: Option<Time> = None;
        for side in &self.sides {
            until = side.lab.try_update_value(|lab| lab.plan(virtual_us)).flatten().or(until);
        }
        let Some(until) = until else { return };
        let sent = |side: &SideView| side.lab.with_value(|lab| lab.election_messages_sent());
        let before: Vec<u64> = self.sides.iter().map(sent).collect();
        // Bounded: at high speed a tick covers many moments; past the bound, one big step.
        for _ in 0..WATCHED_MOMENTS_PER_TICK {
            let next = self.sides.iter().filter_map(|s| s.lab.with_value(|lab| lab.next_event_time())).min();
            let Some(next) = next.filter(|t| *t <= until) else { break };
            for side in &self.sides {
                side.lab.update_value(|lab| lab.run_events_to(next));
            }
            if self.sides.iter().zip(&before).any(|(side, b)| sent(side) > *b) {
                for side in &self.sides {
                    side.lab.update_value(|lab| lab.refresh());
                }
                return;
            }
        }
        for side in &self.sides {
            side.lab.update_value(|lab| {
                lab.run_events_to(until);
                lab.refresh();
            });
        }
    }
}
