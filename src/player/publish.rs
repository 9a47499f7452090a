//! What the player shows: each stage's scene (every tick), the charts (a few times a second),
//! and the DOM's snapshots, narration and inspector (a few times a second, at once on a step,
//! an action or a pause, or when a node changes role, epoch, liveness or votes).

use std::cell::Cell;

use leptos::prelude::*;

use super::{perf_now, Player, SideCache, SideView};
use crate::session::snapshot::{Line, Snapshot};

/// How often (wall time) the DOM snapshot (stats, narration, timeline) is refreshed while
/// playing. A node changing role, epoch, liveness or votes publishes the snapshot at once; new
/// narration lines wait for the regular refresh (during an election that was nearly every tick).
const PUBLISH_EVERY_MS: f64 = 250.0;
const NARRATION_LINES: usize = 40;

impl Player {
    /// Draw one frame of every side from the current state (also used while paused).
    pub fn draw(&self) {
        self.paint(true, true);
    }

    /// Draw every side; `measure`: read each stage's size first; `snap`: show this moment at
    /// once (else the moving layer glides to it from the previous tick).
    pub(super) fn paint(&self, measure: bool, snap: bool) {
        let lang = self.lang.get_untracked();
        let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).max(1.0);
        let text_scale = self.text_scale();
        let mut any = false;
        // One clock reading for every side: both stages glide from the same moment.
        let sent_ms = web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.time_origin() + p.now());
        for (side, cache) in self.sides.iter().zip(&self.caches) {
            let (Some(back), Some(front)) = (side.canvas.get_untracked(), side.front.get_untracked()) else { continue };
            let poster = side.poster.get_untracked();
            let mut stage = cache.stage.borrow_mut();
            let canvases = crate::canvas::stage::Canvases { back: &back, front: &front, poster: poster.as_ref() };
            let how = crate::canvas::stage::How { lang, text_scale, dpr, measure, snap, sent_ms };
            any |= side.lab.with_value(|lab| stage.draw(canvases, lab, how));
        }
        // Drawn here on the page (without a worker, or the posters while it starts): the first
        // picture is on screen.
        if any && !self.drawn.replace(true) {
            crate::canvas::worker::first_picture();
        }
    }

    /// Refresh the DOM snapshots and narration (throttled unless `force`).
    pub fn publish(&self, force: bool) {
        let t = perf_now();
        // An action a limit of the page's link refused: say why (actions publish at once).
        for side in &self.sides {
            if let Some(Some((key, args))) = side.lab.try_update_value(|lab| lab.refused.take()) {
                let at_ms = side.lab.with_value(|lab| lab.cluster.now().as_ms());
                push_lines(side, [Line { serial: 0, at_ms, node: String::new(), key, args }]);
            }
        }
        if force {
            crate::hooks::replace_url(&self.address());
        }
        let due = force || t - self.last_publish.get() >= PUBLISH_EVERY_MS;
        let slowing = self.clock.slowing() && self.playing.get_untracked();
        for (side, cache) in self.sides.iter().zip(&self.caches) {
            let changed = side.lab.with_value(|lab| side.snapshot.with_untracked(|s| s.differs_at_once(lab)));
            if due || changed {
                publish_side(side, cache, due, slowing);
            }
        }
        if due {
            self.last_publish.set(t);
        }
        self.draw_charts(force);
    }

    /// Redraw each side's chart if its history changed: at most every
    /// `chart::REDRAW_EVERY_MS` of wall time unless `force` (an action, a pause, the language).
    /// Paused with nothing new, nothing is drawn.
    pub fn draw_charts(&self, force: bool) {
        let (lang, t) = (self.lang.get_untracked(), perf_now());
        let zoom = self.text_scale();
        for (side, cache) in self.sides.iter().zip(&self.caches) {
            let Some(canvas) = side.chart.get_untracked() else { continue };
            side.lab.with_value(|lab| {
                cache.chart.borrow_mut().update(&canvas, &lab.history, side.mode, lang, force, t, zoom);
            });
        }
    }

    /// Narrate every side again from its first note (after its history was replayed).
    pub(super) fn renarrate(&self) {
        for (side, cache) in self.sides.iter().zip(&self.caches) {
            cache.notes_seen.set(0);
            side.narration.set(Vec::new());
            pull_notes(side, &cache.notes_seen);
        }
    }
}

/// One side's snapshot, narration (if `due`) and inspector.
fn publish_side(side: &SideView, cache: &SideCache, due: bool, slowing: bool) {
    let mut next = side.lab.with_value(Snapshot::of);
    next.slow_motion = slowing;
    if side.snapshot.with_untracked(|s| *s != next) {
        side.snapshot.set(next);
    }
    if due {
        pull_notes(side, &cache.notes_seen);
    }
    if let (Some(node), Some(inspect)) = (side.inspected.get_untracked(), side.inspect_with.get_value()) {
        let mut lines = Vec::new();
        side.lab.with_value(|lab| inspect(&*lab.cluster, node, &mut lines));
        if side.inspector.with_untracked(|l| *l != lines) {
            side.inspector.set(lines);
        }
    }
}

/// The side's notes since the last time, as narration lines.
fn pull_notes(side: &SideView, seen: &Cell<u64>) {
    let mut fresh = Vec::new();
    side.lab.with_value(|lab| {
        if lab.cluster.notes_total() > seen.get() {
            lab.cluster.notes(seen.get(), &mut fresh);
            seen.set(lab.cluster.notes_total());
        }
    });
    if fresh.is_empty() {
        return;
    }
    let names: Vec<String> = side.lab.with_value(|lab| lab.views.iter().map(|v| v.name()).collect());
    let lines = fresh.into_iter().map(|n| Line {
        serial: 0,
        at_ms: n.at.as_ms(),
        node: names.get(n.node).cloned().unwrap_or_default(),
        key: n.key,
        args: n.args,
    });
    push_lines(side, lines);
}

fn push_lines(side: &SideView, lines: impl IntoIterator<Item = Line>) {
    thread_local!(static SERIAL: Cell<u64> = const { Cell::new(0) });
    side.narration.update(|all| {
        all.extend(lines.into_iter().map(|line| Line { serial: SERIAL.with(|n| n.replace(n.get() + 1)), ..line }));
        let excess = all.len().saturating_sub(NARRATION_LINES);
        all.drain(..excess);
    });
}
