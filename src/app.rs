//! The page: one cluster or two side by side (ZooKeeper and KRaft on one seed and one virtual
//! clock), each a stage (canvas + accessible node buttons) with its narration and details.
//! Each `Lab` lives outside the reactive graph; signals hold only controls and a small,
//! throttled snapshot, so the DOM updates a few times a second, not every frame.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;
use quorumlab_sim::cluster::{ActionError, NodeKind, NodeView, SettingError};
use quorumlab_sim::hash::hex;
use quorumlab_sim::kraft::INITIAL_TOPIC;
use quorumlab_sim::scenario::{format_time, NodeRef as SimNode, ScenarioAction, Script, MAX_TIME};
use quorumlab_sim::setup::{check_setting, Mode, Setup};
use quorumlab_sim::{MsgClass, Time};
use wasm_bindgen::{JsCast, JsValue};

use crate::chart::ChartCache;
use crate::i18n::{role_key, tr, trf, Lang};
use crate::lab::{settings_line, Lab, MAX_OPEN_EVENTS, SLOW_MOTION_FACTOR};
use crate::params::{self, Problem, View};
use crate::render::{class_colour, node_detail, vote_of, Stage, BIG_TEXT, KRAFT_LEGEND, ZK_LEGEND};
use crate::scenarios;

/// How often (wall time) the DOM snapshot (stats, narration, timeline) is refreshed while
/// playing. A node changing role, epoch, liveness or votes publishes the snapshot at once; new
/// narration lines wait for the regular refresh (during an election that was nearly every tick).
const PUBLISH_EVERY_MS: f64 = 250.0;
/// How often the simulation moves while playing (wall ms). Between ticks, the stage's moving
/// layer glides on its own (stage.js), so the page's main thread has no per-frame work.
const TICK_MS: f64 = 50.0;
const TICK: std::time::Duration = std::time::Duration::from_millis(TICK_MS as u64);
/// How many distinct event times one frame steps through one by one, watching for an election.
const WATCHED_MOMENTS_PER_FRAME: usize = 2_000;
/// Slow motion lasts at most this long (wall time) per burst of election messages.
const SLOW_MOTION_BUDGET_MS: f64 = 3_000.0;
/// A frame step longer than this (a stalled tab) is cut short.
const MAX_FRAME_MS: f64 = 100.0;
const NARRATION_LINES: usize = 40;
/// Message loss the menu offers, per mille.
const LOSS_CHOICES: [u32; 6] = [0, 10, 50, 100, 250, 500];
/// Extra latency the menu offers, µs.
const DELAY_CHOICES_US: [u64; 6] = [0, 10_000, 50_000, 200_000, 1_000_000, 5_000_000];

/// What the DOM shows; compared before publishing so unchanged state re-renders nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub time_us: u64,
    pub events: u64,
    pub hash: u64,
    pub nodes: Vec<NodeView>,
    pub violations: Vec<String>,
    pub slow_motion: bool,
    pub ms_without_controller: u64,
    /// The stopwatch: ms of the gap running now, ms of the last gap that ended.
    pub gaps: (Option<u64>, Option<u64>),
    pub messages: u64,
    pub last_metadata_latency_ms: Option<u64>,
    /// The end of the timeline so far.
    pub horizon_us: u64,
    /// Message loss (per mille) and extra latency (µs) in force.
    pub loss_per_mille: u32,
    pub delay_us: u64,
    /// Each node's side while a partition is in force (0: not named, reaches everyone).
    pub cut: Vec<u8>,
}

/// One narration line: when, who, and a translatable key with its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Unique on the page (given by [`push_lines`]): what the narration list is keyed by, so a
    /// line keeps its element, and a line of another run (after a reset or a step back) gets a
    /// new one even where it has the same note number.
    pub serial: u64,
    pub at_ms: u64,
    pub node: String,
    pub key: &'static str,
    pub args: Vec<String>,
}

fn snapshot_of(lab: &Lab) -> Snapshot {
    let nodes = lab.views.iter().map(|v| NodeView { timer: None, ..v.clone() }).collect();
    Snapshot {
        time_us: lab.cluster.now().as_us(),
        events: lab.cluster.events_processed(),
        hash: lab.cluster.trace_hash(),
        nodes,
        violations: lab.cluster.violations().to_vec(),
        slow_motion: false,
        ms_without_controller: lab.cluster.ms_without_controller(),
        gaps: lab.cluster.controller_gaps(),
        // Counted where the summary's messages by type are, so the same total.
        messages: lab.cluster.sent_by_class().iter().sum(),
        last_metadata_latency_ms: lab.cluster.last_metadata_latency_ms(),
        horizon_us: lab.horizon.as_us(),
        loss_per_mille: lab.network_settings().0,
        delay_us: lab.network_settings().1,
        cut: lab.cluster.partition_sides(),
    }
}

fn perf_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

fn document_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|m| m.matches())
}

fn browser_lang() -> Lang {
    web_sys::window().and_then(|w| w.navigator().language()).and_then(|l| Lang::parse(&l)).unwrap_or(Lang::En)
}

/// The reactive handles of one side (cheap to copy into closures).
#[derive(Clone, Copy)]
struct SideView {
    lab: StoredValue<Lab, LocalStorage>,
    /// The stage's two layers: what changes with the state, and what moves every frame.
    canvas: NodeRef<html::Canvas>,
    /// The stage's first picture, drawn by the page while the drawing worker starts.
    poster: NodeRef<html::Canvas>,
    front: NodeRef<html::Canvas>,
    /// The chart under the stage (none in embed mode).
    chart: NodeRef<html::Canvas>,
    snapshot: RwSignal<Snapshot>,
    narration: RwSignal<Vec<Line>>,
    mode: Mode,
    node_count: usize,
    /// The node shown in the inspector, and what it shows.
    inspected: RwSignal<Option<usize>>,
    inspector: RwSignal<Vec<String>>,
}

/// Per-side state the animation loop keeps between frames.
#[derive(Default)]
struct SideCache {
    notes_seen: Cell<u64>,
    stage: RefCell<Stage>,
}

/// Owns the simulation tick (every `TICK_MS`): it runs only while playing and visible, and advances
/// every side by the same virtual time, so side-by-side clusters share one clock.
struct Animator {
    sides: Vec<SideView>,
    caches: Vec<SideCache>,
    charts: Vec<RefCell<ChartCache>>,
    playing: RwSignal<bool>,
    speed: Memo<f64>,
    lang: RwSignal<Lang>,
    running: Cell<bool>,
    last_frame: Cell<f64>,
    last_publish: Cell<f64>,
    last_measure: Cell<f64>,
    drawn: Cell<bool>,
    /// Slow-motion bookkeeping (wall ms): spent in this burst, calm since the last one.
    slow_ms: Cell<f64>,
    calm_ms: Cell<f64>,
    slowing: Cell<bool>,
    /// False while an embed's stage is scrolled out of view (below the fold): no frames.
    on_screen: Cell<bool>,
    /// The compact layout for an iframe (`embed=1`, kept in the address).
    embed: bool,
    /// Large text for a projector (kept in the address).
    big: RwSignal<bool>,
}

impl Animator {
    /// How much larger the text drawn on canvases is (large-text mode for a projector).
    fn text_scale(&self) -> f64 {
        if self.big.get_untracked() {
            BIG_TEXT
        } else {
            1.0
        }
    }

    fn both(&self) -> bool {
        self.sides.len() > 1
    }

    fn start(self: &Rc<Self>) {
        if self.running.get() || !self.playing.get_untracked() || document_hidden() || !self.on_screen.get() {
            return;
        }
        self.running.set(true);
        self.last_frame.set(perf_now());
        let me = Rc::clone(self);
        set_timeout(move || me.frame(), TICK);
    }

    fn frame(self: Rc<Self>) {
        // Virtual time ends after a year (the latest moment a link can name): stop there.
        if self.sides.iter().all(|s| s.lab.with_value(|lab| lab.cluster.now() >= MAX_TIME)) {
            self.playing.set(false);
        }
        if !self.playing.get_untracked() || document_hidden() || !self.on_screen.get() {
            self.running.set(false);
            self.publish(true);
            return;
        }
        let t = perf_now();
        let dt_ms = (t - self.last_frame.get()).clamp(0.0, MAX_FRAME_MS);
        self.last_frame.set(t);
        let speed = self.speed.get_untracked();
        let electing = self.sides.iter().any(|s| s.lab.with_value(|lab| lab.election_in_flight()));
        // Display speed only: slow down while election messages fly so they can be seen, for at
        // most a few seconds of wall time per burst (a long ZooKeeper election would crawl).
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
        // The stage's size is read again twice a second (reading it can force a layout).
        let measure = t - self.last_measure.get() >= 500.0;
        if measure {
            self.last_measure.set(t);
        }
        self.paint(measure, false);
        self.publish(false);
        // Aim at one tick from this one's start, whatever this one cost.
        let wait = (TICK_MS - (perf_now() - t)).max(0.0);
        let me = Rc::clone(&self);
        set_timeout(move || me.frame(), std::time::Duration::from_micros((wait * 1_000.0) as u64));
    }

    /// Advance every side by `virtual_us`, moment by moment, and stop right after the first
    /// moment at which any side sends an election message: a whole election can fit in one
    /// frame, and it must be slowed down before it is over, not after. The sides move through
    /// the same moments, so they keep one clock; the events are the same as in one big step.
    fn advance_watching(&self, virtual_us: f64) {
        let mut until = None;
        for side in &self.sides {
            until = side.lab.try_update_value(|lab| lab.plan(virtual_us)).flatten().or(until);
        }
        let Some(until) = until else { return };
        let sent = |side: &SideView| side.lab.with_value(|lab| lab.election_messages_sent());
        let before: Vec<u64> = self.sides.iter().map(sent).collect();
        // Bounded: at high speed a frame covers many moments; past the bound, one big step.
        for _ in 0..WATCHED_MOMENTS_PER_FRAME {
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

    /// Draw one frame of every side from the current state (also used while paused).
    fn draw(&self) {
        self.paint(true, true);
    }

    /// Draw every side; `measure`: read each stage's size first; `snap`: show this moment at
    /// once (else the moving layer glides to it from the previous tick).
    fn paint(&self, measure: bool, snap: bool) {
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
            any |= side.lab.with_value(|lab| {
                stage.draw(&back, &front, poster.as_ref(), lab, lang, text_scale, dpr, measure, snap, sent_ms)
            });
        }
        // Drawn here on the page (without a worker, or the posters while it starts): the first
        // picture is on screen.
        if any && !self.drawn.replace(true) {
            crate::front::first_picture();
        }
    }

    /// Refresh the DOM snapshots and narration (throttled unless `force`).
    fn publish(&self, force: bool) {
        let t = perf_now();
        // An action a limit of the page's link refused: say why (actions publish at once).
        for side in &self.sides {
            if let Some(Some((key, args))) = side.lab.try_update_value(|lab| lab.refused.take()) {
                let at_ms = side.lab.with_value(|lab| lab.cluster.now().as_ms());
                push_lines(side, [Line { serial: 0, at_ms, node: String::new(), key, args }]);
            }
        }
        if force {
            replace_url(&self.link());
        }
        let due = force || t - self.last_publish.get() >= PUBLISH_EVERY_MS;
        let slowing = self.slowing.get() && self.playing.get_untracked();
        for (side, cache) in self.sides.iter().zip(&self.caches) {
            let changed = side.lab.with_value(|lab| {
                side.snapshot.with_untracked(|s| {
                    s.violations.len() != lab.cluster.violations().len()
                        || s.nodes.len() != lab.views.len()
                        || s.nodes.iter().zip(&lab.views).any(|(a, b)| {
                            a.role != b.role || a.epoch != b.epoch || a.alive != b.alive || a.tally != b.tally
                        })
                })
            });
            if due || changed {
                let mut next = side.lab.with_value(snapshot_of);
                next.slow_motion = slowing;
                if side.snapshot.with_untracked(|s| *s != next) {
                    side.snapshot.set(next);
                }
                if due {
                    pull_notes(side, cache);
                }
                if let Some(node) = side.inspected.get_untracked() {
                    let mut lines = Vec::new();
                    side.lab.with_value(|lab| lab.cluster.inspect(node, &mut lines));
                    if side.inspector.with_untracked(|l| *l != lines) {
                        side.inspector.set(lines);
                    }
                }
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
    fn draw_charts(&self, force: bool) {
        let (lang, t) = (self.lang.get_untracked(), perf_now());
        let zoom = self.text_scale();
        for (side, chart) in self.sides.iter().zip(&self.charts) {
            let Some(canvas) = side.chart.get_untracked() else { continue };
            side.lab.with_value(|lab| {
                chart.borrow_mut().update(&canvas, &lab.history, side.mode, lang, force, t, zoom);
            });
        }
    }

    fn renarrate(&self) {
        for (side, cache) in self.sides.iter().zip(&self.caches) {
            cache.notes_seen.set(0);
            side.narration.set(Vec::new());
            pull_notes(side, cache);
        }
    }

    /// One event forward (pauses first). Side by side: both clusters move to the earliest
    /// next event of either, so their clocks stay equal.
    fn step(&self) {
        self.playing.set(false);
        if self.both() {
            let next = self.sides.iter().filter_map(|s| s.lab.with_value(|lab| lab.cluster.next_event_time())).min();
            if let Some(t) = next {
                for side in &self.sides {
                    side.lab.update_value(|lab| lab.run_to(t));
                }
            }
        } else {
            self.sides[0].lab.update_value(|lab| lab.step());
        }
        self.draw();
        self.publish(true);
    }

    /// One event back: replay from the seed to the event before. Side by side, both clusters
    /// go back to just before the latest event of either, so their clocks stay equal.
    fn step_back(&self) {
        self.playing.set(false);
        if self.both() {
            let last = self.sides.iter().map(|s| s.lab.with_value(|lab| lab.cluster.last_event_at())).max();
            match last {
                Some(t) if t.as_us() > 0 => self.rewind_all(Time(t.as_us() - 1)),
                _ => return,
            }
        } else {
            self.sides[0].lab.update_value(|lab| {
                let _ = lab.step_back();
            });
        }
        self.renarrate();
        self.draw();
        self.publish(true);
    }

    fn rewind_all(&self, at: Time) {
        for side in &self.sides {
            side.lab.update_value(|lab| {
                let _ = lab.rewind_to(at);
            });
        }
    }

    /// The timeline: every cluster replayed to the moment `at` (pauses first).
    fn scrub(&self, at: Time) {
        self.playing.set(false);
        self.rewind_all(at);
        self.renarrate();
        self.draw();
        self.publish(true);
    }

    /// One action on one side, or on every side at the same moment (loss, latency, heal,
    /// isolate the leader).
    /// The world narrates what each action did, so a link or a replay tells it the same way.
    fn act_on(&self, only: Option<usize>, act: &dyn Fn(&mut Lab)) {
        for (k, side) in self.sides.iter().enumerate() {
            if only.is_none_or(|i| i == k) {
                side.lab.update_value(act);
            }
        }
        self.draw();
        self.publish(true);
    }

    /// The partition tool: cut the picked nodes of one side off from the rest.
    fn partition(&self, side_index: usize, picked: &[usize]) {
        self.act_on(Some(side_index), &|lab| {
            lab.partition(picked);
        });
    }

    /// The address of this moment: a permalink while one cluster shows, the shared settings
    /// and each side's actions side by side.
    fn link_of(&self, paused: bool) -> String {
        let lang = self.lang.get_untracked();
        if !self.both() {
            return self.sides[0].lab.with_value(|lab| permalink(lab, lang, paused));
        }
        let mut url = self.sides[0].lab.with_value(|lab| both_link(&lab.setup, lang));
        for side in &self.sides {
            side.lab.with_value(|lab| {
                let script = lab.script_text();
                if !script.is_empty() {
                    let key = if lab.setup.mode == Mode::Zk { "szk" } else { "skraft" };
                    url.push_str(&format!("&{key}={}", params::percent_encode(&script)));
                }
            });
        }
        if paused {
            let now = self.sides[0].lab.with_value(|lab| lab.cluster.now().as_us());
            url.push_str(&format!("&t={now}"));
        }
        url
    }

    /// The link's settings (`set` lines) as parameters, side by side each side's own: what a
    /// new seed keeps.
    fn settings_params(&self) -> String {
        self.settings_params_with(None)
    }

    /// [`Animator::settings_params`], with one mode's settings replaced by `text` (`set` lines).
    fn settings_params_with(&self, replace: Option<(Mode, &str)>) -> String {
        let mut params = String::new();
        for side in &self.sides {
            let text = match replace {
                Some((mode, text)) if mode == side.mode => text.to_string(),
                _ => side.lab.with_value(|lab| lab.settings_text()),
            };
            if !text.is_empty() {
                let key = match (self.both(), side.mode) {
                    (false, _) => "s",
                    (true, Mode::Zk) => "szk",
                    (true, Mode::Kraft) => "skraft",
                };
                params.push_str(&format!("&{key}={}", params::percent_encode(&text)));
            }
        }
        params
    }

    /// A fresh run in `view` (one mode, or `None` for side by side) with these sizes (controllers,
    /// ZooKeeper servers, brokers): the same seed, language and large text, and each cluster's
    /// settings where that cluster still shows (side by side in `szk` / `skraft`, alone in `s`).
    /// The actions are not kept: they may name nodes the new cluster lacks.
    fn view_link(&self, view: Option<Mode>, (controllers, ensemble, brokers): (usize, usize, usize)) -> String {
        let setup = self.sides[0].lab.with_value(|lab| lab.setup.clone());
        let setup = Setup { mode: view.unwrap_or(setup.mode), controllers, ensemble, brokers, ..setup };
        let mut link = fresh_link(&setup, view.is_none(), self.lang.get_untracked(), self.big.get_untracked());
        for side in &self.sides {
            let key = match view {
                None if side.mode == Mode::Zk => "szk",
                None => "skraft",
                Some(mode) if mode == side.mode => "s",
                Some(_) => continue,
            };
            let text = side.lab.with_value(|lab| lab.settings_text());
            if !text.is_empty() {
                link.push_str(&format!("&{key}={}", params::percent_encode(&text)));
            }
        }
        link
    }

    /// [`Animator::link_of`] with large text and the embed layout kept.
    fn link(&self) -> String {
        self.link_with(!self.playing.get_untracked())
    }

    /// [`Animator::link`] to the moment on screen, also while playing (Copy link).
    fn link_at_moment(&self) -> String {
        self.link_with(true)
    }

    fn link_with(&self, moment: bool) -> String {
        let mut url = self.link_of(moment);
        if self.big.get_untracked() {
            url.push_str("&big=1");
        }
        if self.embed {
            url.push_str("&embed=1");
        }
        url
    }

    fn reset(&self) {
        for side in &self.sides {
            side.lab.update_value(|lab| {
                let _ = lab.reset();
            });
        }
        self.renarrate();
        self.draw();
        self.publish(true);
    }

    /// Crash or restart a node now (click or Enter on it).
    fn toggle(&self, side_index: usize, id: usize) {
        self.act_on(Some(side_index), &|lab| {
            lab.toggle(id);
        });
    }

    /// A client creates a topic through the controller (on every side at the same moment).
    fn create_topic(&self) {
        self.act_on(None, &|lab| {
            let name = format!("topic-{}", lab.actions.len() + 1);
            lab.act(ScenarioAction::CreateTopic { name, partitions: 3, replication_factor: 3 });
        });
    }

    /// A client changes a config of the initial topic (a metadata write: a ConfigRecord in
    /// KRaft, /config/topics + a /config/changes notification in ZooKeeper mode), on every side
    /// at the same moment. A new retention each time, since an unchanged value writes nothing.
    fn alter_config(&self) {
        self.act_on(None, &|lab| {
            let hours = lab.actions.len() as u64 + 1;
            lab.act(ScenarioAction::AlterConfig {
                topic: INITIAL_TOPIC.to_string(),
                key: "retention.ms".to_string(),
                value: (hours * 3_600_000).to_string(),
            });
        });
    }

    /// The same fault on every side at the same moment ("crash the controller").
    fn fault(&self, target: SimNode) {
        self.act_on(None, &|lab| {
            if lab.cluster_target_name(&target).is_some() {
                lab.act(ScenarioAction::Crash(target.clone()));
            }
        });
    }
}

fn pull_notes(side: &SideView, cache: &SideCache) {
    let seen = cache.notes_seen.get();
    let mut fresh = Vec::new();
    side.lab.with_value(|lab| {
        if lab.cluster.notes_total() > seen {
            lab.cluster.notes(seen, &mut fresh);
            cache.notes_seen.set(lab.cluster.notes_total());
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

/// `Math.random()`: only to pick a new seed (never on the simulation's decision path).
fn js_sys_random() -> f64 {
    #[wasm_bindgen::prelude::wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = Math)]
        fn random() -> f64;
    }
    random()
}

/// A node's accessible name: its id, role and epoch (and whether it is the Kafka controller).
/// It changes only with them, so a screen reader does not re-read a focused node at every
/// record; what moves faster is in [`node_description`].
fn node_label(lang: Lang, v: &NodeView) -> String {
    if !v.alive {
        return trf(lang, "node.down", &[&v.name()]);
    }
    let mut label = trf(lang, "node.label", &[&v.name(), tr(lang, role_key(v.role)), &v.epoch.to_string()]);
    if v.kind == NodeKind::Broker && v.is_controller {
        label.push_str(", ");
        label.push_str(tr(lang, "label.controller"));
    }
    label
}

/// The rest of what the stage shows under a node (log end offset and high watermark, zxid, its
/// vote): the node's accessible description and tooltip.
fn node_description(lang: Lang, v: &NodeView, views: &[NodeView]) -> String {
    if v.kind == NodeKind::Broker || !v.alive {
        return String::new();
    }
    node_detail(lang, v, vote_of(v, views))
}

/// Keep the address bar a permalink: sizes, seed, language, the person's actions and, while
/// paused, the exact moment.
fn permalink(lab: &Lab, lang: Lang, paused: bool) -> String {
    let setup = &lab.setup;
    let size = match setup.mode {
        Mode::Kraft => format!("controllers={}", setup.controllers),
        Mode::Zk => format!("ensemble={}", setup.ensemble),
    };
    let mut url = format!(
        "?mode={}&seed={}&{size}&brokers={}&lang={}",
        setup.mode.as_str(),
        setup.seed,
        setup.brokers,
        lang.code()
    );
    let script = lab.script_text();
    if !script.is_empty() {
        url.push_str("&s=");
        url.push_str(&params::percent_encode(&script));
    }
    if paused {
        url.push_str(&format!("&t={}", lab.cluster.now().as_us()));
    }
    url
}

/// A run from time zero with `setup`'s seed and sizes (New seed, applying settings).
fn fresh_link(setup: &Setup, both: bool, lang: Lang, big: bool) -> String {
    let mut link = if both {
        both_link(setup, lang)
    } else {
        format!(
            "?mode={}&seed={}&controllers={}&ensemble={}&brokers={}&lang={}",
            setup.mode.as_str(),
            setup.seed,
            setup.controllers,
            setup.ensemble,
            setup.brokers,
            lang.code()
        )
    };
    if big {
        link.push_str("&big=1");
    }
    link
}

/// The most a settings field takes (a link carries it in its address).
const MAX_SETTINGS_CHARS: usize = 1_000;

/// Settings typed as `key=value, key=value` (or one per line), as `set` lines, each checked as a
/// link's would be. The first that would be left out is the reason nothing is applied.
fn settings_lines(mode: Mode, typed: &str) -> Result<String, Problem> {
    if typed.chars().count() > MAX_SETTINGS_CHARS {
        return Err(Problem { key: "settings.too_long", args: vec![MAX_SETTINGS_CHARS.to_string()] });
    }
    let mut lines = String::new();
    for item in typed.split([',', '\n']).map(str::trim).filter(|item| !item.is_empty()) {
        let Some((key, value)) = item.split_once('=').map(|(k, v)| (k.trim(), v.trim())) else {
            return Err(Problem { key: "settings.not_pair", args: vec![item.to_string()] });
        };
        if let Err(error) = check_setting(mode, key, value).and_then(|()| page_allows(key, value)) {
            let key =
                if matches!(error, SettingError::UnknownKey(_)) { "settings.unknown" } else { "settings.bad_value" };
            return Err(Problem { key, args: setting_left_out(mode, &error).args });
        }
        lines.push_str(&settings_line(key, value));
    }
    Ok(lines)
}

/// Side by side: the shared parameters (the actions are not carried yet).
fn both_link(setup: &Setup, lang: Lang) -> String {
    format!(
        "?mode=both&seed={}&controllers={}&ensemble={}&brokers={}&lang={}",
        setup.seed,
        setup.controllers,
        setup.ensemble,
        setup.brokers,
        lang.code()
    )
}

/// Which copy button just copied: its label says so for a moment.
const COPIED_LINK: u8 = 1;
const COPIED_EMBED: u8 = 2;
const COPIED_FOR: std::time::Duration = std::time::Duration::from_secs(2);

/// Put `text` on the clipboard and say so on button `which` for two seconds. A page without a
/// clipboard (served over http from another machine) or a browser that refuses offers the
/// text in a prompt, to copy by hand.
fn copy_text(text: &str, lang: Lang, copied: RwSignal<u8>, which: u8) {
    let Some(window) = web_sys::window() else { return };
    let navigator = window.navigator();
    let clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"));
    if !clipboard.is_ok_and(|c| !c.is_undefined()) {
        let _ = window.prompt_with_message_and_default(tr(lang, "copy.by_hand"), text);
        return;
    }
    let by_hand = text.to_string();
    let refused = wasm_bindgen::closure::Closure::once(move |_: JsValue| {
        copied.set(0);
        if let Some(w) = web_sys::window() {
            let _ = w.prompt_with_message_and_default(tr(lang, "copy.by_hand"), &by_hand);
        }
    });
    let _ = navigator.clipboard().write_text(text).catch(&refused);
    refused.forget();
    copied.set(which);
    set_timeout(
        move || {
            if copied.get_untracked() == which {
                copied.set(0);
            }
        },
        COPIED_FOR,
    );
}

fn replace_url(url: &str) {
    let Some(window) = web_sys::window() else { return };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(url));
    }
}

#[component]
pub fn App() -> impl IntoView {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let parsed = params::parse(&search);
    let lang = RwSignal::new(parsed.lang.unwrap_or_else(browser_lang));
    let mut problems: Vec<Problem> = parsed.problems.clone();
    // A permalink opens paused at its moment; so does a page for someone who asked the system
    // for reduced motion (nothing moves until they press Play).
    let start_playing = parsed.until.is_none() && !prefers_reduced_motion();
    let modes: &[Mode] = match parsed.view {
        View::One => &[parsed.setup.mode],
        View::Both => &[Mode::Zk, Mode::Kraft],
    };
    // Every side opens at the same moment: the link's `t`, else the last action on any side
    // (side by side, the clusters share one clock).
    let per_side = modes.iter().filter(|_| parsed.view == View::Both).flat_map(|&m| parsed.own(m).1);
    let until = parsed.until.or_else(|| parsed.steps.iter().chain(per_side).map(|s| s.at).max());
    let mut labs = Vec::new();
    let (mut target, mut too_far) = (until, None);
    let both = parsed.view == View::Both;
    for &mode in modes {
        // Side by side, `s` goes to both clusters and `szk` / `skraft` to one each.
        let (own_key, own_steps, own_settings) = parsed.own(mode);
        let mut steps = parsed.steps.clone();
        let mut settings = parsed.settings.clone();
        if both {
            steps.extend_from_slice(own_steps);
            settings.extend_from_slice(own_settings);
        }
        // Each cluster takes the settings its mode knows, and says which it left out.
        settings.retain(|(key, value)| match check_setting(mode, key, value).and_then(|()| page_allows(key, value)) {
            Ok(()) => true,
            Err(e) => {
                problems.push(setting_left_out(mode, &e));
                false
            }
        });
        let setup = Setup { mode, script: Script { settings, steps: Vec::new() }, ..parsed.setup.clone() };
        let opened = Lab::open(setup, &steps, target, MAX_OPEN_EVENTS).or_else(|e| {
            problems.push(Problem { key: "param.failed", args: vec![e.to_string()] });
            let defaults = Setup { seed: params::DEFAULT_SEED, mode, ..Setup::default() };
            Lab::open(defaults, &[], target, MAX_OPEN_EVENTS)
        });
        match opened {
            Ok((lab, short)) => {
                // An action naming a node this cluster lacks is left out when its moment comes:
                // say so now.
                let sources = [("s", &parsed.steps[..]), (own_key, own_steps)];
                for (param, list) in sources.into_iter().take(if both { 2 } else { 1 }) {
                    for step in list.iter() {
                        if let Err(e) = lab.cluster.check(&step.action) {
                            problems.push(left_out(mode, param, step.line, &e));
                        }
                    }
                }
                if short.is_some() {
                    // Too far to replay on opening: the sides after this one open where it
                    // stopped, and those before it go back there.
                    too_far = too_far.or(short);
                    target = Some(lab.cluster.now());
                }
                labs.push(lab);
            }
            Err(e) => return view! { <p role="alert">{e.to_string()}</p> }.into_any(),
        }
    }
    if let (Some(wanted), Some(reached)) = (too_far, target) {
        for lab in &mut labs {
            if lab.cluster.now() > reached {
                let _ = lab.rewind_to(reached);
            } else {
                // It stopped here, perhaps with events of this very moment still to come.
                lab.finish_at(reached);
            }
            // The timeline ends here too: scrubbing further would replay past the budget.
            lab.horizon = reached;
        }
        if reached < wanted {
            problems
                .push(Problem { key: "param.too_far", args: vec![seconds(wanted.as_ms()), seconds(reached.as_ms())] });
        }
    }
    let (embed, big) = (parsed.embed, parsed.big);
    view! { <Page labs=labs lang=lang problems=problems start_playing=start_playing embed=embed big=big/> }.into_any()
}

/// One cluster size to choose; picking one calls `pick` (which opens a fresh run with it).
fn size_select(
    lang: RwSignal<Lang>,
    key: &'static str,
    id: &'static str,
    choices: &'static [usize],
    now: usize,
    pick: impl Fn(usize) + 'static,
) -> impl IntoView {
    view! {
        <label>
            <span>{text(lang, key)}</span>
            <select
                data-testid=id
                on:change=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                        pick(n);
                    }
                }
            >
                {choices.iter().map(|&n| view! { <option value=n.to_string() selected=n == now>{n.to_string()}</option> }).collect_view()}
            </select>
        </label>
    }
}

/// Every number of brokers a page may show.
const BROKER_CHOICES: [usize; params::MAX_BROKERS + 1] = {
    let mut choices = [0; params::MAX_BROKERS + 1];
    let mut n = 0;
    while n <= params::MAX_BROKERS {
        choices[n] = n;
        n += 1;
    }
    choices
};

/// What a link may set on this page, beyond what the engine takes: not the cluster's size (the
/// page's own parameters say that, within the page's limits), and no KRaft timing so short that
/// elections or idle records never stop (measured: a 10 ms fetch timeout made a million events
/// take seconds, most of it in elections and their invariant checks).
fn page_allows(key: &str, value: &str) -> Result<(), SettingError> {
    const SIZES: [&str; 5] = ["brokers", "partitions", "ensemble", "observers", "controllers"];
    const FLOORS_MS: [(&str, u64); 5] = [
        ("controller.quorum.fetch.timeout.ms", 500),
        ("controller.quorum.election.timeout.ms", 100),
        ("metadata.max.idle.interval.ms", 500),
        ("broker.heartbeat.interval.ms", 100),
        ("broker.session.timeout.ms", 500),
    ];
    let too_low = FLOORS_MS.iter().any(|(k, floor)| *k == key && value.parse::<u64>().is_ok_and(|v| v < *floor));
    if SIZES.contains(&key) || too_low {
        return Err(SettingError::BadValue { key: key.to_string(), value: value.to_string() });
    }
    Ok(())
}

/// The message for a setting a cluster does not take.
fn setting_left_out(mode: Mode, error: &SettingError) -> Problem {
    let cluster = if mode == Mode::Zk { "ZooKeeper" } else { "KRaft" }.to_string();
    match error {
        SettingError::UnknownKey(key) => Problem { key: "param.setting_unknown", args: vec![cluster, key.clone()] },
        SettingError::BadValue { key, value } => {
            Problem { key: "param.setting_bad_value", args: vec![cluster, key.clone(), value.clone()] }
        }
    }
}

/// The message for an action a cluster cannot take (see `Cluster::check`).
fn left_out(mode: Mode, param: &str, line: usize, error: &ActionError) -> Problem {
    let cluster = if mode == Mode::Zk { "ZooKeeper" } else { "KRaft" };
    let mut args = vec![cluster.to_string(), line.to_string(), param.to_string()];
    let key = match error {
        ActionError::NoSuchNode(node) => {
            args.push(node.to_string());
            "param.no_such_node"
        }
        ActionError::NotInThisMode => "param.not_in_mode",
    };
    Problem { key, args }
}

#[component]
fn Page(
    labs: Vec<Lab>,
    lang: RwSignal<Lang>,
    problems: Vec<Problem>,
    start_playing: bool,
    embed: bool,
    big: bool,
) -> impl IntoView {
    let both = labs.len() > 1;
    // The ready-made scenario this address opens, if any (read before the page rewrites it).
    let preset = web_sys::window().and_then(|w| w.location().search().ok()).and_then(|q| scenarios::current(&q));
    let Some(first_setup) = labs.first().map(|l| l.setup.clone()) else {
        return view! { <p role="alert">"no cluster"</p> }.into_any();
    };
    let seed = first_setup.seed;
    let sides: Vec<SideView> = labs
        .into_iter()
        .map(|lab| SideView {
            node_count: lab.views.len(),
            mode: lab.setup.mode,
            snapshot: RwSignal::new(snapshot_of(&lab)),
            narration: RwSignal::new(Vec::new()),
            canvas: NodeRef::new(),
            poster: NodeRef::new(),
            front: NodeRef::new(),
            chart: NodeRef::new(),
            inspected: RwSignal::new(None),
            inspector: RwSignal::new(Vec::new()),
            lab: StoredValue::new_local(lab),
        })
        .collect();
    let playing = RwSignal::new(start_playing);
    let big_text = RwSignal::new(big);
    // Which copy button just copied (its label says so for a moment).
    let copied = RwSignal::new(0_u8);
    let speed_step = RwSignal::new(0_i32);
    let speed = Memo::new(move |_| speed_of(speed_step.get()));
    let animator = StoredValue::new_local(Rc::new(Animator {
        caches: sides.iter().map(|_| SideCache::default()).collect(),
        charts: sides.iter().map(|_| RefCell::default()).collect(),
        sides: sides.clone(),
        playing,
        speed,
        lang,
        running: Cell::new(false),
        last_frame: Cell::new(0.0),
        last_publish: Cell::new(0.0),
        last_measure: Cell::new(0.0),
        drawn: Cell::new(false),
        slow_ms: Cell::new(0.0),
        calm_ms: Cell::new(0.0),
        slowing: Cell::new(false),
        on_screen: Cell::new(true),
        embed,
        big: big_text,
    }));
    let with_anim = move |f: &dyn Fn(&Rc<Animator>)| animator.with_value(|a| f(a));
    let canvases: Vec<NodeRef<html::Canvas>> = sides.iter().map(|s| s.canvas).collect();
    let first_lab = sides[0].lab;
    let slowing = sides[0].snapshot;
    let first_snapshot = sides[0].snapshot;
    let snapshots: Vec<RwSignal<Snapshot>> = sides.iter().map(|s| s.snapshot).collect();
    let horizon_ms = Memo::new(move |_| {
        snapshots.iter().map(|s| s.with(|s| s.horizon_us.max(s.time_us) / 1_000)).max().unwrap_or(0)
    });

    // The controls and the panels (chart, stats, legend, inspector, narration, ...) are built
    // after the first frame is on screen: the first layout, which drawing forces, then covers
    // only the header and the stages, so the picture appears sooner.
    let later = RwSignal::new(false);
    Effect::new(move |_| {
        if later.get() {
            // The page may have grown a scrollbar: measure the stages again, draw the charts.
            with_anim(&|a| {
                a.draw();
                a.draw_charts(true);
            });
        }
    });
    // Start once the canvases exist; restart when play is pressed.
    Effect::new(move |_| {
        let ready = canvases.iter().all(|c| c.get().is_some());
        let play = playing.get();
        if ready {
            if !later.get_untracked() {
                // After the first picture (drawn by the worker, as a rule) and the page's next
                // paint: an animation frame, then a task (or a quarter second, where frames are
                // held back: an embed out of view).
                let show = move || {
                    if !later.get_untracked() {
                        later.set(true);
                    }
                };
                crate::front::after_first_picture(move || {
                    let _ = request_animation_frame_with_handle(move || set_timeout(show, std::time::Duration::ZERO));
                });
                set_timeout(show, std::time::Duration::from_millis(250));
            }
            with_anim(&|a| {
                a.draw();
                if play {
                    a.start();
                } else {
                    a.publish(true);
                }
            });
        }
    });
    // Language: page attribute, URL, and the canvas text.
    // (Their first run is at mount: the start effect draws then, once.)
    Effect::new(move |first: Option<()>| {
        let l = lang.get();
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", l.code());
        }
        with_anim(&|a| {
            replace_url(&a.link());
            if first.is_some() {
                a.draw();
                a.draw_charts(true);
            }
        });
    });
    // Hidden tab: the loop stops itself; start it again when the tab is shown.
    let on_visibility = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        with_anim(&|a| {
            if !document_hidden() {
                a.start();
            }
        })
    });
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let _ = doc.add_event_listener_with_callback("visibilitychange", on_visibility.as_ref().unchecked_ref());
    }
    on_visibility.forget();
    let _resize = window_event_listener(leptos::ev::resize, move |_| {
        with_anim(&|a| {
            a.draw();
            a.draw_charts(true);
        })
    });
    // An embed scrolled out of view (below the fold of its page): the loop stops; back in
    // view, it resumes. The full page goes on while the person reads below its stages.
    let sides_ref = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        let Some(el) = sides_ref.get().filter(|_| embed) else { return };
        let seen = wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let last = entries.get(entries.length().saturating_sub(1));
            let Ok(entry) = last.dyn_into::<web_sys::IntersectionObserverEntry>() else { return };
            let visible = entry.is_intersecting();
            with_anim(&|a| {
                a.on_screen.set(visible);
                if visible {
                    a.start();
                }
            });
        });
        if let Ok(observer) = web_sys::IntersectionObserver::new(seen.as_ref().unchecked_ref()) {
            observer.observe(&el);
        }
        seen.forget();
    });
    // Large text: the address keeps it, the canvas redraws at its new size.
    Effect::new(move |first: Option<()>| {
        let _ = big_text.get();
        with_anim(&|a| {
            replace_url(&a.link());
            if first.is_some() {
                a.draw();
                a.draw_charts(true);
            }
        });
    });

    let help = RwSignal::new(false);
    // Keyboard shortcuts (listed in the help overlay). Keys typed into a field are left alone;
    // Space on a focused button presses that button instead.
    let _keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let tag = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .map(|e| e.tag_name().to_ascii_lowercase())
            .unwrap_or_default();
        if tag == "input" || tag == "textarea" || tag == "select" {
            return;
        }
        let handled = match ev.key().as_str() {
            " " if tag != "button" => {
                playing.update(|p| *p = !*p);
                true
            }
            "ArrowRight" | "." => {
                with_anim(&|a| a.step());
                true
            }
            "ArrowLeft" | "," => {
                with_anim(&|a| a.step_back());
                true
            }
            "r" | "R" => {
                with_anim(&|a| a.reset());
                true
            }
            "c" | "C" => {
                with_anim(&|a| a.fault(SimNode::Controller));
                true
            }
            "?" => {
                help.update(|h| *h = !*h);
                true
            }
            "l" | "L" => {
                big_text.update(|b| *b = !*b);
                true
            }
            "Escape" => {
                help.set(false);
                false
            }
            _ => false,
        };
        if handled {
            ev.prevent_default();
        }
    });

    let problems_view = (!problems.is_empty()).then(|| {
        let problems = problems.clone();
        view! {
            <div class="problems" role="alert" data-testid="problems">
                <ul>
                    {problems
                        .into_iter()
                        .map(|p| {
                            view! {
                                <li>
                                    {move || {
                                        let args: Vec<&str> = p.args.iter().map(String::as_str).collect();
                                        trf(lang.get(), p.key, &args)
                                    }}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        }
    });

    // The clusters' sizes and the view shown; a new size or view is a fresh run with the same
    // seed (see `Animator::view_link`).
    let sizes = first_lab.with_value(|lab| (lab.setup.controllers, lab.setup.ensemble, lab.setup.brokers));
    let shown = if both { None } else { Some(first_lab.with_value(|lab| lab.setup.mode)) };
    let open = move |sizes: (usize, usize, usize)| {
        let link = animator.with_value(|a| a.view_link(shown, sizes));
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_search(&link);
        }
    };
    let stages = sides
        .iter()
        .enumerate()
        .map(|(k, side)| {
            let side = *side;
            let (mode_key, legend) = match side.mode {
                Mode::Kraft => ("mode.kraft", KRAFT_LEGEND),
                Mode::Zk => ("mode.zk", ZK_LEGEND),
            };
            let snapshot = side.snapshot;
            let lab = side.lab;
            let node_count = side.node_count;
            view! {
                <section class="panel side" data-side=side.mode.as_str()>
                    <div class="side-head">
                        <h2 class="mode" data-testid="mode">{text(lang, mode_key)}</h2>
                        {(!embed).then_some(move || later.get().then(|| {
                            let (c, e, b) = sizes;
                            let set = move |at: usize, n: usize| {
                                let mut next = [c, e, b];
                                next[at] = n;
                                open((next[0], next[1], next[2]));
                            };
                            let (key, id, choices, now, at): (_, _, &'static [usize], _, _) = match side.mode {
                                Mode::Kraft => ("size.controllers", "size-controllers", &[3, 4, 5], c, 0),
                                Mode::Zk => ("size.ensemble", "size-ensemble", &[3, 5, 7], e, 1),
                            };
                            let quorum = size_select(lang, key, id, choices, now, move |n| set(at, n));
                            // Side by side both clusters have as many brokers: either choice sets both.
                            let brokers = size_select(lang, "size.brokers", "size-brokers", &BROKER_CHOICES, b, move |n| set(2, n));
                            view! { <div class="sizes">{quorum}{brokers}</div> }
                        }))}
                    </div>
                    <div class="stage" data-testid="stage">
                        <canvas node_ref=side.poster class="poster" aria-hidden="true"></canvas>
                        <canvas node_ref=side.canvas class="back" aria-hidden="true"></canvas>
                        <canvas node_ref=side.front class="front" aria-hidden="true"></canvas>
                        <Show when=move || snapshot.with(|s| s.cut.iter().any(|c| *c != 0))>
                            <p class="cut-banner" data-testid="partition">
                                {move || {
                                    let groups = snapshot.with(|s| partition_groups(&s.nodes, &s.cut));
                                    trf(lang.get(), "partition.banner", &[&groups])
                                }}
                            </p>
                        </Show>
                        <For each=move || 0..node_count key=|i| *i let:i>
                            <button
                                class="node-hit"
                                data-node=move || snapshot.with(|s| s.nodes.get(i).map(|v| v.name()).unwrap_or_default())
                                data-role=move || snapshot.with(|s| s.nodes.get(i).map_or("", |v| v.role.slug()))
                                data-cut=move || snapshot.with(|s| s.cut.get(i).copied().unwrap_or(0).min(4).to_string())
                                style:left=move || node_left(lab, i)
                                style:top=move || node_top(lab, i)
                                aria-label=move || {
                                    snapshot.with(|s| s.nodes.get(i).map(|v| node_label(lang.get(), v)).unwrap_or_default())
                                }
                                title=move || {
                                    snapshot.with(|s| s.nodes.get(i).map(|v| node_description(lang.get(), v, &s.nodes)).unwrap_or_default())
                                }
                                on:click=move |_| with_anim(&|a| a.toggle(k, i))
                            ></button>
                        </For>
                    </div>
                    <Show when=move || later.get()>
                    {(!embed).then(|| view! {
                        <canvas
                            class="chart"
                            data-testid="chart"
                            node_ref=side.chart
                            role="img"
                            aria-label=text(lang, "chart.title")
                            style="display:block;width:100%;height:240px;margin-top:8px;border-radius:8px"
                        ></canvas>
                    })}
                    <Stats lang=lang snapshot=snapshot/>
                    <Legend lang=lang entries=legend/>
                    <Inspector lang=lang side=side with_anim=animator/>
                    <NetworkTool lang=lang side=side index=k with_anim=animator/>
                    <details class="about" data-testid="about">
                        <summary>{text(lang, "about.title")}</summary>
                        <p>{move || tr(lang.get(), if side.mode == Mode::Kraft { "about.kraft" } else { "about.zk" })}</p>
                    </details>
                    </Show>
                </section>
            }
        })
        .collect_view();

    let narration_sides = sides.clone();
    let narrations = move || {
        narration_sides
            .iter()
            .map(|side| {
                let side = *side;
                let mode_key = if side.mode == Mode::Kraft { "mode.kraft" } else { "mode.zk" };
                view! {
                    <section class="panel narration" data-side=side.mode.as_str()>
                        <h2>{text(lang, "narration.title")} {both.then(|| view! { " · " {text(lang, mode_key)} })}</h2>
                        <ol aria-live="polite" data-testid="narration">
                            // Keyed: a new line is one new item, and the lines already there (and
                            // read out by a screen reader) stay as they are.
                            <For each=move || side.narration.get().into_iter().rev() key=|line| line.serial let:line>
                                {
                                    let Line { at_ms, node, key, args, .. } = line;
                                    let at = format!("{}.{:03}s", at_ms / 1000, at_ms % 1000);
                                    let said = move || {
                                        let args: Vec<&str> = args.iter().map(String::as_str).collect();
                                        trf(lang.get(), key, &args)
                                    };
                                    view! {
                                        <li>
                                            <time>{at}</time>
                                            " "
                                            <strong>{node}</strong>
                                            " "
                                            {said}
                                        </li>
                                    }
                                }
                            </For>
                        </ol>
                    </section>
                }
            })
            .collect_view()
    };

    let detail_sides = sides.clone();
    let details = move || {
        detail_sides
        .iter()
        .map(|side| {
            let snapshot = side.snapshot;
            let mode_key = if side.mode == Mode::Kraft { "mode.kraft" } else { "mode.zk" };
            // What this cluster runs with other than Kafka's defaults (from the link).
            let settings: String = side.lab.with_value(|lab| {
                lab.setup.script.settings.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
            });
            let current = settings.clone();
            let field = NodeRef::<html::Input>::new();
            let mode = side.mode;
            // Apply: the same seed from time zero with these settings (the link checks them and
            // says what it left out, as for any link).
            // Why the typed settings were not applied (shown beside the field, which keeps them).
            let refused = RwSignal::new(None::<Problem>);
            let apply = move || {
                let Some(input) = field.get_untracked() else { return };
                let lines = match settings_lines(mode, &input.value()) {
                    Ok(lines) => lines,
                    Err(problem) => return refused.set(Some(problem)),
                };
                let setup = first_lab.with_value(|lab| lab.setup.clone());
                let link = fresh_link(&setup, both, lang.get_untracked(), big_text.get_untracked())
                    + &animator.with_value(|a| a.settings_params_with(Some((mode, &lines))));
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_search(&link);
                }
            };
            view! {
                <details class="panel details" data-testid="details" data-side=side.mode.as_str()>
                    <summary>{text(lang, "details.title")} {both.then(|| view! { " · " {text(lang, mode_key)} })}</summary>
                    <dl>
                        <dt>{text(lang, "details.time_us")}</dt>
                        <dd data-testid="virtual-time-us">{move || snapshot.with(|s| s.time_us)}</dd>
                        <dt>{text(lang, "details.events")}</dt>
                        <dd data-testid="events">{move || snapshot.with(|s| s.events)}</dd>
                        <dt>{text(lang, "details.hash")}</dt>
                        <dd>
                            <code data-testid="trace-hash">{move || snapshot.with(|s| hex(s.hash))}</code>
                        </dd>
                        <dt>{text(lang, "details.settings")}</dt>
                        <dd>
                            <span data-testid="settings">
                                {move || if settings.is_empty() { tr(lang.get(), "details.defaults").to_string() } else { settings.clone() }}
                            </span>
                            <span class="settings-form">
                                <input
                                    node_ref=field
                                    data-testid="settings-input"
                                    aria-label=text(lang, "details.settings")
                                    placeholder=if mode == Mode::Zk { "zookeeper.session.timeout.ms=6000" } else { "quorum.pre.vote=off" }
                                    value=current
                                    maxlength=MAX_SETTINGS_CHARS.to_string()
                                    on:keydown=move |ev| {
                                        if ev.key() == "Enter" {
                                            apply();
                                        }
                                    }
                                />
                                <button data-testid="settings-apply" on:click=move |_| apply()>{text(lang, "btn.apply_settings")}</button>
                            </span>
                            <span class="settings-error" role="alert" data-testid="settings-error">
                                {move || refused.get().map(|p| trf(lang.get(), p.key, &p.args.iter().map(String::as_str).collect::<Vec<_>>()))}
                            </span>
                        </dd>
                        <dt>{text(lang, "details.invariants")}</dt>
                        <dd data-testid="invariants">
                            {move || {
                                let n = snapshot.with(|s| s.violations.len());
                                if n == 0 {
                                    tr(lang.get(), "inv.ok").to_string()
                                } else {
                                    trf(lang.get(), "inv.bad", &[&n.to_string()])
                                }
                            }}
                        </dd>
                    </dl>
                </details>
            }
        })
        .collect_view()
    };

    // The view: one mode, or both side by side; each opens a fresh run with the same seed and
    // sizes (not in an embed, whose page chose it).
    let switches = (!embed).then(|| {
        view! {
            <nav class="views" aria-label=text(lang, "label.view")>
                {[(Some(Mode::Kraft), "view.kraft", "view-kraft"), (Some(Mode::Zk), "view.zk", "view-zk"), (None, "view.both", "view-both")]
                    .into_iter()
                    .map(|(view, key, id)| {
                        view! {
                            <a
                                data-testid=id
                                href=move || {
                                    let _ = (lang.get(), big_text.get());
                                    animator.with_value(|a| a.view_link(view, sizes))
                                }
                                aria-current=(view == shown).then_some("page")
                            >
                                {text(lang, key)}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
        }
    });

    view! {
        <main class="app" class:both=both class:embed=embed class:big=move || big_text.get()>
            <header class="top">
                <div>
                    <h1>{text(lang, "app.title")}</h1>
                    <p class="tagline">{text(lang, "app.tagline")}</p>
                </div>
                <div class="switches">
                    {switches}
                    <div class="lang" role="group" aria-label=text(lang, "label.language")>
                        <button aria-pressed=move || (lang.get() == Lang::En).to_string() on:click=move |_| lang.set(Lang::En)>
                            "English"
                        </button>
                        <button aria-pressed=move || (lang.get() == Lang::Ko).to_string() on:click=move |_| lang.set(Lang::Ko)>
                            "한국어"
                        </button>
                    </div>
                </div>
            </header>
            {problems_view}
            {preset.map(|i| {
                let preset = &scenarios::PRESETS[i];
                view! {
                    <p class="scenario-now" data-testid="scenario-now">
                        <strong>{text(lang, preset.title)}</strong>
                        " "
                        {text(lang, preset.watch)}
                    </p>
                }
            })}
            <div class="sides stages" node_ref=sides_ref>{stages}</div>
            <Show when=move || later.get()>
            <section class="panel dock" data-testid="dock">
                <div class="controls">
                    <button class="primary" data-testid="play" on:click=move |_| playing.update(|p| *p = !*p)>
                        {move || if playing.get() { tr(lang.get(), "btn.pause") } else { tr(lang.get(), "btn.play") }}
                    </button>
                    <button data-testid="step-back" class="extra" on:click=move |_| with_anim(&|a| a.step_back())>
                        {text(lang, "btn.step_back")}
                    </button>
                    <button data-testid="step" class="extra" on:click=move |_| with_anim(&|a| a.step())>
                        {text(lang, "btn.step")}
                    </button>
                    <button data-testid="reset" on:click=move |_| with_anim(&|a| a.reset())>
                        {text(lang, "btn.reset")}
                    </button>
                    <button
                        data-testid="create-topic"
                        class="extra"
                        on:click=move |_| with_anim(&|a| a.create_topic())
                    >
                        {text(lang, "btn.create_topic")}
                    </button>
                    <button
                        data-testid="alter-config"
                        class="extra"
                        on:click=move |_| with_anim(&|a| a.alter_config())
                    >
                        {text(lang, "btn.alter_config")}
                    </button>
                    <button
                        data-testid="new-seed"
                        class="extra"
                        on:click=move |_| {
                            if let Some(w) = web_sys::window() {
                                // A new seed is a new page: the permalink changes with it.
                                let seed = (js_sys_random() * 1_000_000.0) as u64;
                                let setup = first_lab.with_value(|lab| lab.setup.clone());
                                let link = fresh_link(&Setup { seed, ..setup }, both, lang.get_untracked(), big_text.get_untracked())
                                    + &animator.with_value(|a| a.settings_params());
                                let _ = w.location().set_search(&link);
                            }
                        }
                    >
                        {text(lang, "btn.new_seed")}
                    </button>
                    {both.then(|| view! {
                        <button data-testid="crash-controller" class="extra" on:click=move |_| with_anim(&|a| a.fault(SimNode::Controller))>
                            {text(lang, "btn.crash_controller")}
                        </button>
                        <button data-testid="crash-leader" class="extra" on:click=move |_| with_anim(&|a| a.fault(SimNode::Leader))>
                            {text(lang, "btn.crash_leader")}
                        </button>
                        <button data-testid="isolate-leader" class="extra" on:click=move |_| with_anim(&|a| a.act_on(None, &|lab| {
                            lab.isolate_leader();
                        }))>
                            {text(lang, "btn.isolate_leader")}
                        </button>
                    })}
                    <button
                        data-testid="copy-link"
                        class="extra"
                        on:click=move |_| {
                            // The moment on screen, also while playing.
                            let link = animator.with_value(|a| a.link_at_moment());
                            let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
                            let base = href.split('?').next().unwrap_or_default();
                            copy_text(&format!("{base}{link}"), lang.get_untracked(), copied, COPIED_LINK);
                        }
                    >
                        {move || if copied.get() == COPIED_LINK { tr(lang.get(), "btn.copied") } else { tr(lang.get(), "btn.copy_link") }}
                    </button>
                    {(!embed).then(|| view! {
                        <button
                            data-testid="copy-embed"
                            class="extra"
                            on:click=move |_| {
                                let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
                                let sep = if href.contains('?') { "&" } else { "?" };
                                let code = format!(
                                    "<iframe src=\"{href}{sep}embed=1\" width=\"480\" height=\"320\" title=\"Quorum Lab\" loading=\"lazy\" style=\"border:0\"></iframe>"
                                );
                                copy_text(&code, lang.get_untracked(), copied, COPIED_EMBED);
                            }
                        >
                            {move || if copied.get() == COPIED_EMBED { tr(lang.get(), "btn.copied_embed") } else { tr(lang.get(), "btn.copy_embed") }}
                        </button>
                    })}
                    <button data-testid="help" class="extra" aria-expanded=move || help.get().to_string() on:click=move |_| help.update(|h| *h = !*h)>
                        "?"
                    </button>
                    <label class="speed extra">
                        <span>{text(lang, "label.speed")}</span>
                        <input
                            type="range"
                            min="-200"
                            max="200"
                            step="5"
                            data-testid="speed"
                            prop:value=move || speed_step.get().to_string()
                            on:input=move |ev| {
                                if let Ok(v) = event_target_value(&ev).parse::<i32>() {
                                    speed_step.set(v.clamp(-200, 200));
                                }
                            }
                        />
                        <output>{move || format_speed(speed_step.get())}</output>
                    </label>
                    <label class="extra">
                        <span>{text(lang, "label.loss")}</span>
                        <select
                            data-testid="loss"
                            on:change=move |ev| {
                                if let Ok(p) = event_target_value(&ev).parse::<u32>() {
                                    with_anim(&|a| a.act_on(None, &|lab| {
                                        lab.act(ScenarioAction::LossPerMille(p.min(1_000)));
                                    }));
                                }
                            }
                        >
                            {LOSS_CHOICES
                                .iter()
                                .map(|&p| view! {
                                    <option value=p.to_string() selected=move || first_snapshot.with(|s| s.loss_per_mille == p)>
                                        {format!("{}%", p / 10)}
                                    </option>
                                })
                                .collect_view()}
                        </select>
                    </label>
                    <label class="extra">
                        <span>{text(lang, "label.delay")}</span>
                        <select
                            data-testid="delay"
                            on:change=move |ev| {
                                if let Ok(us) = event_target_value(&ev).parse::<u64>() {
                                    with_anim(&|a| a.act_on(None, &|lab| {
                                        lab.act(ScenarioAction::DelayUs(us.min(10_000_000)));
                                    }));
                                }
                            }
                        >
                            {DELAY_CHOICES_US
                                .iter()
                                .map(|&us| view! {
                                    <option value=us.to_string() selected=move || first_snapshot.with(|s| s.delay_us == us)>
                                        {format_time(Time(us))}
                                    </option>
                                })
                                .collect_view()}
                        </select>
                    </label>
                    <button
                        data-testid="big"
                        class="extra"
                        aria-pressed=move || big_text.get().to_string()
                        on:click=move |_| big_text.update(|b| *b = !*b)
                    >
                        {text(lang, "btn.big")}
                    </button>
                    <span class="slowmo" class:on=move || slowing.with(|s| s.slow_motion)>
                        {text(lang, "label.slowmo")}
                    </span>
                    <span class="seed">{text(lang, "label.seed")} " " <code data-testid="seed">{seed}</code></span>
                </div>
                <label class="timeline">
                    <span>{text(lang, "label.timeline")}</span>
                    <input
                        type="range"
                        min="0"
                        step="1"
                        data-testid="timeline"
                        max=move || horizon_ms.get().to_string()
                        prop:value=move || first_snapshot.with(|s| s.time_us / 1_000).to_string()
                        on:input=move |ev| {
                            if let Ok(ms) = event_target_value(&ev).parse::<u64>() {
                                with_anim(&|a| a.scrub(Time::from_ms(ms.min(horizon_ms.get_untracked()))));
                            }
                        }
                    />
                    <output data-testid="timeline-time">
                        {move || format!("{} / {}", seconds(first_snapshot.with(|s| s.time_us / 1_000)), seconds(horizon_ms.get()))}
                    </output>
                </label>
                <p class="hint">
                    {move || tr(lang.get(), if both { "hint.both" } else { "hint.click" })}
                    " "
                    <a href="#scenarios" data-testid="to-scenarios" on:click=move |_| open_scenarios()>
                        {text(lang, "scn.title")}
                    </a>
                </p>
                <Show when=move || help.get()>
                    <div class="help" role="dialog" data-testid="help-overlay" aria-label=text(lang, "help.title")>
                        <h3>{text(lang, "help.title")}</h3>
                        <dl>
                            <dt><kbd>"Space"</kbd></dt><dd>{text(lang, "help.space")}</dd>
                            <dt><kbd>"→"</kbd>" "<kbd>"."</kbd></dt><dd>{text(lang, "help.step")}</dd>
                            <dt><kbd>"←"</kbd>" "<kbd>","</kbd></dt><dd>{text(lang, "help.step_back")}</dd>
                            <dt><kbd>"R"</kbd></dt><dd>{text(lang, "help.reset")}</dd>
                            <dt><kbd>"C"</kbd></dt><dd>{text(lang, "help.crash_controller")}</dd>
                            <dt><kbd>"Tab"</kbd>" "<kbd>"Enter"</kbd></dt><dd>{text(lang, "help.node")}</dd>
                            <dt><kbd>"L"</kbd></dt><dd>{text(lang, "help.big")}</dd>
                            <dt>{text(lang, "label.timeline")}</dt><dd>{text(lang, "help.timeline")}</dd>
                            <dt><kbd>"?"</kbd></dt><dd>{text(lang, "help.help")}</dd>
                        </dl>
                    </div>
                </Show>
            </section>
                <div class="sides">{narrations()}</div>
                <div class="sides">{details()}</div>
                {(!embed).then(|| view! { <Scenarios lang big=big_text current=preset /> })}
            </Show>
        </main>
    }
    .into_any()
}

/// Open the list of ready-made scenarios (the link to it then scrolls there).
fn open_scenarios() {
    if let Some(list) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("scenarios")) {
        let _ = list.set_attribute("open", "");
    }
}

/// Ready-made scenarios, each a link with what to watch in it; the one the page opened is
/// marked and its list open.
#[component]
fn Scenarios(lang: RwSignal<Lang>, big: RwSignal<bool>, current: Option<usize>) -> impl IntoView {
    view! {
        <details class="panel scenarios" id="scenarios" data-testid="scenarios" open=current.is_some()>
            <summary>{text(lang, "scn.title")}</summary>
            <p class="hint">{text(lang, "scn.hint")}</p>
            <ol>
                {scenarios::PRESETS
                    .iter()
                    .enumerate()
                    .map(|(i, preset)| {
                        let here = current == Some(i);
                        view! {
                            <li class:current=here>
                                <a
                                    href=move || scenarios::link(preset, lang.get(), big.get())
                                    aria-current=here.then_some("page")
                                >
                                    {text(lang, preset.title)}
                                </a>
                                <p>{text(lang, preset.watch)}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </details>
    }
}

/// Pick a node and see its state as the engine holds it: log tail and metadata image (KRaft),
/// the znode tree with ephemeral owners and partition state znodes (ZooKeeper).
#[component]
fn Inspector(
    lang: RwSignal<Lang>,
    side: SideView,
    with_anim: StoredValue<Rc<Animator>, LocalStorage>,
) -> impl IntoView {
    let names: Vec<String> = side.lab.with_value(|lab| lab.views.iter().map(|v| v.name()).collect());
    view! {
        <details class="inspector" data-testid="inspector-panel">
            <summary>{text(lang, "inspector.title")}</summary>
            <label>
                {text(lang, "inspector.node")}
                " "
                <select
                    data-testid="inspect-select"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        side.inspected.set(v.parse::<usize>().ok());
                        with_anim.with_value(|a| a.publish(true));
                    }
                >
                    <option value="">"—"</option>
                    {names
                        .into_iter()
                        .enumerate()
                        .map(|(i, n)| view! { <option value=i.to_string()>{n}</option> })
                        .collect_view()}
                </select>
            </label>
            <pre data-testid="inspector">
                {move || {
                    let lines = side.inspector.get();
                    if side.inspected.get().is_some() && lines.is_empty() {
                        tr(lang.get(), "inspector.empty").to_string()
                    } else {
                        lines.join("\n")
                    }
                }}
            </pre>
        </details>
    }
}

/// Per side: the stopwatch of time without an active controller, messages, metadata latency.
#[component]
fn Stats(lang: RwSignal<Lang>, snapshot: RwSignal<Snapshot>) -> impl IntoView {
    view! {
        <dl class="stats">
            <dt>{text(lang, "stats.without_controller")}</dt>
            <dd data-testid="without-controller">{move || snapshot.with(|s| seconds(s.ms_without_controller))}</dd>
            <dt>{text(lang, "stats.stopwatch")}</dt>
            <dd data-testid="stopwatch">
                {move || {
                    let l = lang.get();
                    snapshot.with(|s| match s.gaps {
                        (Some(now), _) => trf(l, "stopwatch.running", &[&seconds(now)]),
                        (None, Some(last)) => trf(l, "stopwatch.last", &[&seconds(last)]),
                        (None, None) => "–".to_string(),
                    })
                }}
            </dd>
            <dt>{text(lang, "stats.messages")}</dt>
            <dd data-testid="messages">{move || snapshot.with(|s| s.messages)}</dd>
            <dt>{text(lang, "stats.tally")}</dt>
            <dd data-testid="tally">
                {move || {
                    let l = lang.get();
                    let entries: Vec<String> = snapshot.with(|s| {
                        s.nodes
                            .iter()
                            .filter_map(|v| {
                                let (votes, needed) = v.tally?;
                                Some(trf(l, "tally.entry", &[&v.name(), &votes.to_string(), &needed.to_string()]))
                            })
                            .collect()
                    });
                    if entries.is_empty() { tr(l, "tally.none").to_string() } else { entries.join(" · ") }
                }}
            </dd>
            <dt>{text(lang, "stats.latency")}</dt>
            <dd data-testid="latency">
                {move || snapshot.with(|s| s.last_metadata_latency_ms.map_or_else(|| "–".to_string(), |ms| format!("{ms} ms")))}
            </dd>
        </dl>
    }
}

fn node_position(lab: StoredValue<Lab, LocalStorage>, i: usize) -> (f64, f64) {
    lab.with_value(|lab| {
        let mut pos = Vec::new();
        crate::layout::positions(&lab.views, &mut pos);
        pos.get(i).copied().unwrap_or((0.5, 0.5))
    })
}

/// A fraction as a CSS percentage with two decimals, without float formatting (which costs
/// download size).
fn percent(fraction: f64) -> String {
    let hundredths = (fraction * 10_000.0).round() as i64;
    format!("{}.{:02}%", hundredths / 100, hundredths.rem_euclid(100))
}

fn node_left(lab: StoredValue<Lab, LocalStorage>, i: usize) -> String {
    percent(node_position(lab, i).0)
}

fn node_top(lab: StoredValue<Lab, LocalStorage>, i: usize) -> String {
    percent(node_position(lab, i).1)
}

/// The speed slider works in hundredths of a decade: -200 is 0.01×, 0 is 1×, 200 is 100×.
fn speed_of(step: i32) -> f64 {
    crate::jsmath::pow(10.0, f64::from(step.clamp(-200, 200)) / 100.0)
}

fn format_speed(step: i32) -> String {
    let hundredths = (speed_of(step) * 100.0).round() as u64;
    if hundredths >= 1_000 {
        format!("{}×", hundredths / 100)
    } else {
        format!("{}.{:02}×", hundredths / 100, hundredths % 100)
    }
}

#[component]
fn Legend(lang: RwSignal<Lang>, entries: &'static [(MsgClass, &'static str)]) -> impl IntoView {
    view! {
        <ul class="legend" aria-label=text(lang, "legend.title")>
            {entries
                .iter()
                .map(|(class, key)| {
                    let colour = class_colour(*class);
                    view! {
                        <li>
                            <span class="swatch" style:background=colour></span>
                            {move || tr(lang.get(), key)}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// `12.345 s`.
/// A translated text that follows the language. One closure type for every such text, so the
/// renderer's code for it is compiled once: each `move || tr(..)` written out is its own type,
/// with its own copy of that code in the download.
fn text(lang: RwSignal<Lang>, key: &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || tr(lang.get(), key)
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1_000, ms % 1_000)
}

/// The partition tool of one cluster: pick the nodes of one side, cut, heal.
#[component]
fn NetworkTool(
    lang: RwSignal<Lang>,
    side: SideView,
    index: usize,
    with_anim: StoredValue<Rc<Animator>, LocalStorage>,
) -> impl IntoView {
    let names: Vec<String> = side.lab.with_value(|lab| lab.views.iter().map(|v| v.name()).collect());
    let total = names.len();
    let picked = RwSignal::new(Vec::<usize>::new());
    let cuttable = move || picked.with(|p| !p.is_empty() && p.len() < total);
    view! {
        <details class="network" data-testid="network-panel">
            <summary>{text(lang, "net.title")}</summary>
            <fieldset>
                <legend>{text(lang, "net.partition")}</legend>
                {names
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| {
                        view! {
                            <label class="pick">
                                <input
                                    type="checkbox"
                                    data-testid="partition-pick"
                                    data-node=name.clone()
                                    prop:checked=move || picked.with(|p| p.contains(&i))
                                    on:change=move |_| {
                                        picked.update(|p| match p.iter().position(|x| *x == i) {
                                            Some(at) => {
                                                p.remove(at);
                                            }
                                            None => p.push(i),
                                        })
                                    }
                                />
                                {name}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <button
                data-testid="cut"
                prop:disabled=move || !cuttable()
                on:click=move |_| {
                    let p = picked.get_untracked();
                    with_anim.with_value(|a| a.partition(index, &p));
                }
            >
                {text(lang, "btn.cut")}
            </button>
            <button
                data-testid="heal"
                on:click=move |_| {
                    with_anim.with_value(|a| {
                        a.act_on(Some(index), &|lab| {
                            lab.act(ScenarioAction::Heal);
                        })
                    });
                    picked.set(Vec::new());
                }
            >
                {text(lang, "btn.heal")}
            </button>
        </details>
    }
}

/// `c1 | c2, c3, b1`: the nodes of each side of a partition (those it does not name last).
fn partition_groups(nodes: &[NodeView], cut: &[u8]) -> String {
    let mut sides: Vec<u8> = cut.iter().copied().filter(|c| *c != 0).collect();
    quorumlab_sim::sorted::insertion_sort_by(&mut sides, |a, b| a < b);
    sides.dedup();
    let names = |side: u8| -> String {
        let picked: Vec<String> = nodes.iter().zip(cut).filter(|(_, c)| **c == side).map(|(v, _)| v.name()).collect();
        picked.join(", ")
    };
    let mut groups: Vec<String> = sides.into_iter().map(names).collect();
    if cut.contains(&0) {
        groups.push(names(0));
    }
    groups.join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_settings_become_set_lines_or_the_first_reason_nothing_is_applied() {
        let typed = " quorum.pre.vote = off,controller.quorum.election.timeout.ms=1500 \n";
        assert_eq!(
            settings_lines(Mode::Kraft, typed),
            Ok("set quorum.pre.vote=off\nset controller.quorum.election.timeout.ms=1500\n".to_string())
        );
        assert_eq!(settings_lines(Mode::Kraft, " , \n"), Ok(String::new()), "nothing typed: Kafka's defaults");
        let refused = |mode, typed: &str| settings_lines(mode, typed).map_err(|p| (p.key, p.args));
        assert_eq!(refused(Mode::Kraft, "quorum.pre.vote=off, =").unwrap_err().0, "settings.unknown");
        assert_eq!(refused(Mode::Kraft, "pre.vote"), Err(("settings.not_pair", vec!["pre.vote".to_string()])));
        assert_eq!(refused(Mode::Zk, "quorum.pre.vote=off").unwrap_err().0, "settings.unknown", "a KRaft key");
        assert_eq!(
            refused(Mode::Kraft, "controller.quorum.fetch.timeout.ms=10"),
            Err((
                "settings.bad_value",
                vec!["KRaft".to_string(), "controller.quorum.fetch.timeout.ms".to_string(), "10".to_string()]
            )),
            "below the page's floor"
        );
        assert!(refused(Mode::Kraft, "brokers=64").is_err(), "not the size");
        assert_eq!(refused(Mode::Kraft, &"x".repeat(MAX_SETTINGS_CHARS + 1)).unwrap_err().0, "settings.too_long");
    }
}
