//! A cluster's stage, a pure function of (snapshot, now), drawn on two stacked canvases: the
//! back layer holds what changes only with the state (links, nodes and their text, the
//! partition; `back.rs`) and is redrawn only when that state changes; the front layer holds
//! what moves every frame (messages in flight, countdown rings, the clock; `flights.rs`). Both
//! are sent as a scene (`scene.rs`) and drawn by stage.js, which places each message by
//! interpolating between its `sent_at` and `deliver_at` at the virtual time it shows, so it
//! moves smoothly between simulation ticks and pause and speed changes come free.

use quorumlab_sim::cluster::{NodeView, Role};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::back::{draw_back, voted_for, HALO};
use super::flights::{record_flights, record_timers};
use super::layout;
use super::scene::{Header, Meter};
use super::worker::{same, Remote};
use crate::i18n::Lang;
use crate::session::lab::Lab;

/// What the back layer shows: when this is unchanged, the back layer is not redrawn.
#[derive(Clone, Default, PartialEq)]
struct Look {
    px: (u32, u32),
    dpr_bits: u64,
    scale_bits: u64,
    lang: Option<Lang>,
    nodes: Vec<NodeLook>,
    cut: Vec<u8>,
    /// The nodes a course step highlights (empty: none).
    spotlight: Vec<usize>,
}

/// One node as the back layer draws it (no timers: those move, so the front layer draws them).
#[derive(Clone, PartialEq)]
struct NodeLook {
    role: Role,
    alive: bool,
    is_controller: bool,
    epoch: u64,
    log_end: u64,
    committed: u64,
    last_zxid: Option<u64>,
    /// Whom it votes for, shown only while it takes part in an election.
    vote: Option<usize>,
}

/// Fonts of the front layer, rebuilt only when the text scale changes.
#[derive(Default)]
struct Fonts {
    /// The text scale and the clock's size they were made for.
    scale_bits: (u64, u64),
    label: String,
    clock: String,
}

/// A cluster's stage: both layers and what was last drawn on the back one.
#[derive(Default)]
pub struct Stage {
    front: Front,
    /// Measures the back layer's text on the page.
    meter: Option<Meter>,
    positions: Vec<(f64, f64)>,
    shown: Look,
    /// While playing, the back layer shows the previous tick's state, held here for one tick:
    /// the front layer glides through the time between two ticks, and a node must not turn
    /// leader before the votes that make it one are seen landing.
    held: Behind<(Look, Vec<NodeView>)>,
    fonts: Fonts,
    /// The stage's CSS size as last measured (measuring can force a layout, so not every frame).
    css: Option<(f64, f64)>,
    /// The pixel size the back layer was last drawn at.
    px: (u32, u32),
    /// Whether the poster (the page's own picture while the worker starts) is up.
    poster_up: bool,
}

/// A state shown one tick late (see `Stage::held`).
pub(super) struct Behind<T>(Option<T>);

impl<T> Default for Behind<T> {
    fn default() -> Self {
        Behind(None)
    }
}

impl<T> Behind<T> {
    /// What to show, given this moment's state: at a snap, this moment, and nothing is held; on
    /// a tick, what the previous tick held (nothing on the first tick after a snap), and this
    /// moment is held until the next tick.
    pub(super) fn pass(&mut self, now: T, snap: bool) -> Option<T> {
        if snap {
            self.0 = None;
            Some(now)
        } else {
            self.0.replace(now)
        }
    }
}

/// How the front layer is drawn (see `worker.rs`).
#[derive(Default)]
enum Front {
    /// Not decided yet (no frame drawn).
    #[default]
    Unopened,
    /// By `stage.js`, in a worker or on the page, for this canvas.
    Open(Box<Remote>, HtmlCanvasElement),
    /// This canvas could not be given a renderer.
    Failed(HtmlCanvasElement),
}

/// The canvases of a stage.
#[derive(Clone, Copy)]
pub struct Canvases<'a> {
    pub back: &'a HtmlCanvasElement,
    pub front: &'a HtmlCanvasElement,
    /// The page's own first picture, shown while the drawing worker starts.
    pub poster: Option<&'a HtmlCanvasElement>,
}

/// How to draw a stage this time.
#[derive(Clone, Copy)]
pub struct How {
    pub lang: Lang,
    /// How much larger the text is (large text for a projector).
    pub text_scale: f64,
    /// Device pixels per CSS pixel.
    pub dpr: f64,
    /// Read the stage's size again.
    pub measure: bool,
    /// The front layer shows this moment at once (else it glides there from the last scene).
    pub snap: bool,
    /// The page's clock, shared by every side drawn in one go (see `Header::sent_ms`).
    pub sent_ms: f64,
}

/// Text size factor: 1 normally, larger in the projector's large-text mode.
pub const BIG_TEXT: f64 = 1.35;

impl Stage {
    /// Send this tick's scene: the front layer, and the back layer's drawing if what it shows
    /// changed (the worker draws both). Returns false if nothing could be drawn.
    pub fn draw(&mut self, canvases: Canvases, lab: &Lab, how: How) -> bool {
        let Canvases { back, front, poster } = canvases;
        let How { lang, text_scale, dpr, measure, snap, sent_ms } = how;
        let (width, height) = match self.css {
            Some(size) if !measure => size,
            _ => {
                let size = (back.client_width().max(1) as f64, back.client_height().max(1) as f64);
                self.css = Some(size);
                size
            }
        };
        let px = ((width * dpr).round() as u32, (height * dpr).round() as u32);
        layout::positions(&lab.views, &mut self.positions);
        let opened = match &self.front {
            Front::Open(_, canvas) | Front::Failed(canvas) => same(canvas, front),
            Front::Unopened => false,
        };
        if !opened {
            self.front = match Remote::open(front, back) {
                Some(remote) => Front::Open(Box::new(remote), front.clone()),
                None => Front::Failed(front.clone()),
            };
        }
        // New canvases (or a new size) show this moment, drawn whole.
        let resized = !opened || self.px != px;
        let current = (look(lab, px, dpr, lang, text_scale), lab.views.clone());
        // A snap (a step, an action, a pause) or a new size shows this moment; a tick shows the
        // state held from the previous one (nothing new on the first tick after a snap).
        let back_views = match self.held.pass(current, snap || resized) {
            Some((next, views)) if resized || next != self.shown => {
                self.shown = next;
                Some(views)
            }
            _ => None,
        };
        let r = layout::node_radius(width, height, lab.views.len());
        let pos = Positions { at: &self.positions, width, height };
        let clock_px = clock_size(width, r, text_scale, (0..lab.views.len()).map(|i| pos.at(i)));
        if self.fonts.scale_bits != (text_scale.to_bits(), clock_px.to_bits()) || self.fonts.label.is_empty() {
            self.fonts = Fonts {
                scale_bits: (text_scale.to_bits(), clock_px.to_bits()),
                label: font("600", 11.0 * text_scale, SANS),
                clock: font("600", clock_px, MONO),
            };
        }
        let Front::Open(remote, _) = &mut self.front else { return false };
        let header = Header {
            px,
            scale: dpr,
            css: (width, height),
            now_us: lab.cluster.now().as_us() as f64,
            snap,
            dot: (r * 0.22).clamp(4.0, 8.0),
            clock: (width - 12.0, 8.0 + clock_px),
            sent_ms,
        };
        let scene = &mut remote.scene;
        scene.start(&header, &self.fonts.label, &self.fonts.clock);
        record_timers(scene, &lab.views, &pos, r);
        record_flights(scene, lab, &pos, r);
        if let Some(views) = back_views {
            let meter = self.meter.get_or_insert_with(Meter::open);
            let marks = super::back::Marks { cut: &self.shown.cut, spotlight: &self.shown.spotlight };
            draw_back(&mut scene.back(meter), &views, &pos, lang, text_scale, marks);
            self.px = px;
        }
        // A worker takes a while to start: until it has drawn, the page shows the back layer
        // itself, on a canvas under the worker's (whose first drawing covers it). Should the
        // worker never draw (a page policy refused its script), the picture stays, unmoving.
        if !opened {
            self.poster_up = false;
        }
        let waiting = remote.in_worker() && !super::worker::worker_has_drawn();
        if let (true, Some(poster), Some(calls)) = (waiting, poster, remote.scene.back_calls()) {
            show_poster(poster, px, dpr, (width, height), calls, !self.poster_up);
            self.poster_up = true;
        }
        remote.post();
        true
    }
}

/// Draw the back layer's `calls` on `poster`, a canvas of the page, until the worker has drawn.
/// `first`: the first drawing on this poster (it then arranges for the poster to go).
fn show_poster(poster: &HtmlCanvasElement, px: (u32, u32), dpr: f64, css: (f64, f64), calls: &[f64], first: bool) {
    use wasm_bindgen::JsCast;
    let Some(ctx) = poster.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    poster.set_width(px.0);
    poster.set_height(px.1);
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, css.0, css.1);
    super::worker::replay(&ctx, calls);
    if !first {
        return;
    }
    let poster = poster.clone();
    // Then it goes (its pixels freed, nothing left to composite).
    super::worker::after_worker_drew(move || {
        poster.set_width(0);
        poster.set_height(0);
        let _ = poster.style().set_property("display", "none");
    });
}

/// The clock's font size in CSS pixels: 16 (times the text scale), smaller where
/// "t = 123.456 s", right-aligned in the top right corner, would run into a node (radius `r`,
/// its countdown ring included): the top of the ring on a narrow stage (an embed side by side),
/// the servers beside it in a ring of seven. A monospace digit is about 0.6 em, and the text is
/// 11 to 13 characters (room is kept for 14).
pub(super) fn clock_size(width: f64, r: f64, text_scale: f64, nodes: impl Iterator<Item = (f64, f64)> + Clone) -> f64 {
    let clear = |px: f64| {
        let (left, bottom) = (width - 12.0 - 14.0 * 0.6 * px, 8.0 + px * 1.2);
        nodes.clone().all(|(x, y)| x + r + HALO <= left || y - r - HALO >= bottom)
    };
    let mut px = 16.0 * text_scale;
    while px > 9.0 && !clear(px) {
        px -= 1.0;
    }
    px.max(9.0)
}

/// What the back layer should show now.
fn look(lab: &Lab, px: (u32, u32), dpr: f64, lang: Lang, text_scale: f64) -> Look {
    Look {
        px,
        dpr_bits: dpr.to_bits(),
        scale_bits: text_scale.to_bits(),
        lang: Some(lang),
        nodes: lab
            .views
            .iter()
            .map(|v| NodeLook {
                role: v.role,
                alive: v.alive,
                is_controller: v.is_controller,
                epoch: v.epoch,
                log_end: v.log_end,
                committed: v.committed,
                last_zxid: v.last_zxid,
                vote: voted_for(v),
            })
            .collect(),
        cut: lab.cluster.partition_sides(),
        spotlight: lab.spotlight.clone(),
    }
}

pub(super) const SANS: &str = "system-ui, sans-serif";
pub(super) const MONO: &str = "ui-monospace, monospace";

pub(super) fn font(weight: &str, px: f64, family: &str) -> String {
    format!("{weight} {}px {family}", px.round().max(8.0) as u32)
}

/// Node centres in CSS pixels.
pub(super) struct Positions<'a> {
    pub(super) at: &'a [(f64, f64)],
    pub(super) width: f64,
    pub(super) height: f64,
}

impl Positions<'_> {
    pub(super) fn at(&self, i: usize) -> (f64, f64) {
        self.at.get(i).map_or((0.0, 0.0), |(x, y)| (x * self.width, y * self.height))
    }
}
