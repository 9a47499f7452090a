//! The player: it runs the page's clusters on one virtual clock. A tick every `TICK_MS` while
//! playing and visible advances every side by the same virtual time (slowing down while an
//! election's messages fly, `clock.rs`), sends each stage its scene and, a few times a second,
//! publishes what the DOM shows (`publish.rs`). The person's actions go through it too
//! (`actions.rs`), and it writes the page's address (`links.rs`).
//!
//! The loop is a pausable handle, in the shape of leptos-use's `use_raf_fn`: [`Player::resume`]
//! starts it (if playing, visible and on screen), it stops itself when any of those ends, and
//! [`Player::close`] (the page's `on_cleanup`) stops it for good.

mod actions;
mod clock;
mod links;
mod publish;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;
use quorumlab_sim::cluster::Cluster;
use quorumlab_sim::scenario::MAX_TIME;
use quorumlab_sim::setup::Mode;

use crate::canvas::{Stage, BIG_TEXT};
use crate::chart::ChartCache;
use crate::i18n::Lang;
use crate::session::lab::Lab;
use crate::session::snapshot::{Line, Snapshot};

/// How often the simulation moves while playing (wall ms). Between ticks, the stage's moving
/// layer glides on its own (stage.js), so the page's main thread has no per-frame work.
const TICK_MS: f64 = 50.0;

/// The reactive handles of one side (cheap to copy into closures).
#[derive(Clone, Copy)]
pub struct SideView {
    pub lab: StoredValue<Lab, LocalStorage>,
    /// The stage's two layers: what changes with the state, and what moves every frame.
    pub canvas: NodeRef<html::Canvas>,
    /// The stage's first picture, drawn by the page while the drawing worker starts.
    pub poster: NodeRef<html::Canvas>,
    pub front: NodeRef<html::Canvas>,
    /// The chart under the stage (none in embed mode).
    pub chart: NodeRef<html::Canvas>,
    pub snapshot: RwSignal<Snapshot>,
    pub narration: RwSignal<Vec<Line>>,
    pub mode: Mode,
    pub node_count: usize,
    /// The node shown in the inspector, and what it shows.
    pub inspected: RwSignal<Option<usize>>,
    pub inspector: RwSignal<Vec<String>>,
    /// How the inspector words a node: set by the inspector's body, whose code (and the
    /// engine's inspection text) comes in its chunk (`src/lazy.rs`), when it first opens.
    pub inspect_with: StoredValue<Option<Inspector>>,
}

/// What the inspector shows of a node of a cluster (`quorumlab_sim::cluster::Inspect`).
pub type Inspector = fn(&dyn Cluster, usize, &mut Vec<String>);

impl SideView {
    pub fn new(lab: Lab) -> SideView {
        SideView {
            node_count: lab.views.len(),
            mode: lab.setup.mode,
            snapshot: RwSignal::new(Snapshot::of(&lab)),
            narration: RwSignal::new(Vec::new()),
            canvas: NodeRef::new(),
            poster: NodeRef::new(),
            front: NodeRef::new(),
            chart: NodeRef::new(),
            inspected: RwSignal::new(None),
            inspector: RwSignal::new(Vec::new()),
            inspect_with: StoredValue::new(None),
            lab: StoredValue::new_local(lab),
        }
    }

    /// The i18n key of this side's name.
    pub fn mode_key(&self) -> &'static str {
        match self.mode {
            Mode::Kraft => "mode.kraft",
            Mode::Zk => "mode.zk",
        }
    }
}

/// Per-side state the loop keeps between ticks.
#[derive(Default)]
struct SideCache {
    notes_seen: Cell<u64>,
    stage: RefCell<Stage>,
    chart: RefCell<ChartCache>,
}

/// Runs the page's clusters (see the module's comment).
pub struct Player {
    pub sides: Vec<SideView>,
    caches: Vec<SideCache>,
    pub playing: RwSignal<bool>,
    speed: Memo<f64>,
    lang: RwSignal<Lang>,
    /// A tick is due (the loop runs).
    running: Cell<bool>,
    /// The page is gone: the loop never starts again.
    closed: Cell<bool>,
    /// The next tick, to cancel it.
    next_tick: Cell<Option<TimeoutHandle>>,
    clock: clock::Clock,
    last_publish: Cell<f64>,
    last_measure: Cell<f64>,
    drawn: Cell<bool>,
    /// False while an embed's stage is scrolled out of view (below the fold): no ticks.
    on_screen: Cell<bool>,
    /// The compact layout for an iframe (`embed=1`, kept in the address).
    pub embed: bool,
    /// Large text for a projector (kept in the address).
    big: RwSignal<bool>,
    /// The address the page keeps while it shows the course (its chapter and step), instead of
    /// the clusters' permalink.
    pub pinned: Option<Rc<dyn Fn() -> String>>,
}

fn perf_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

fn document_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

impl Player {
    pub fn new(
        sides: Vec<SideView>,
        playing: RwSignal<bool>,
        speed: Memo<f64>,
        lang: RwSignal<Lang>,
        big: RwSignal<bool>,
        embed: bool,
    ) -> Player {
        Player {
            caches: sides.iter().map(|_| SideCache::default()).collect(),
            sides,
            playing,
            speed,
            lang,
            running: Cell::new(false),
            closed: Cell::new(false),
            next_tick: Cell::new(None),
            clock: clock::Clock::default(),
            last_publish: Cell::new(0.0),
            last_measure: Cell::new(0.0),
            drawn: Cell::new(false),
            on_screen: Cell::new(true),
            embed,
            big,
            pinned: None,
        }
    }

    /// How much larger the text drawn on canvases is (large-text mode for a projector).
    fn text_scale(&self) -> f64 {
        if self.big.get_untracked() {
            BIG_TEXT
        } else {
            1.0
        }
    }

    pub fn both(&self) -> bool {
        self.sides.len() > 1
    }

    /// Whether ticks may run: playing, the tab shown, the stage on screen, the page open.
    fn may_run(&self) -> bool {
        self.playing.get_untracked() && !document_hidden() && self.on_screen.get() && !self.closed.get()
    }

    /// Start the loop if it may run and is not running.
    pub fn resume(self: &Rc<Self>) {
        if self.running.get() || !self.may_run() {
            return;
        }
        self.running.set(true);
        self.clock.restart(perf_now());
        self.schedule(TICK_MS);
    }

    /// An embed scrolled into or out of view.
    pub fn set_on_screen(self: &Rc<Self>, visible: bool) {
        self.on_screen.set(visible);
        self.resume();
    }

    /// The page is gone: cancel the next tick, and never start again.
    pub fn close(&self) {
        self.closed.set(true);
        self.running.set(false);
        if let Some(tick) = self.next_tick.take() {
            tick.clear();
        }
    }

    fn schedule(self: &Rc<Self>, wait_ms: f64) {
        let me = Rc::clone(self);
        let wait = std::time::Duration::from_micros((wait_ms * 1_000.0) as u64);
        self.next_tick.set(set_timeout_with_handle(move || me.tick(), wait).ok());
    }

    fn tick(self: Rc<Self>) {
        self.next_tick.set(None);
        // Virtual time ends after a year (the latest moment a link can name): stop there.
        if self.sides.iter().all(|s| s.lab.with_value(|lab| lab.cluster.now() >= MAX_TIME)) {
            self.playing.set(false);
        }
        if !self.may_run() {
            self.running.set(false);
            if !self.closed.get() {
                self.publish(true);
            }
            return;
        }
        let t = perf_now();
        self.advance(t);
        // The stage's size is read again twice a second (reading it can force a layout).
        let measure = t - self.last_measure.get() >= 500.0;
        if measure {
            self.last_measure.set(t);
        }
        self.paint(measure, false);
        self.publish(false);
        // Aim at one tick from this one's start, whatever this one cost.
        self.schedule((TICK_MS - (perf_now() - t)).max(0.0));
    }
}
