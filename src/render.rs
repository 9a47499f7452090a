//! The canvas picture, a pure function of (snapshot, now), drawn on two stacked canvases:
//! the back layer holds what changes only with the state (links, nodes and their text, the
//! partition) and is redrawn only when that state changes; the front layer holds what moves
//! every frame (messages in flight, countdown rings, the clock). In-flight messages are placed
//! by interpolating between `sent_at` and `deliver_at`, so pause and speed changes come free.

use quorumlab_sim::cluster::{FlightView, NodeKind, NodeView, Role};
use quorumlab_sim::world::VoteInfo;
use quorumlab_sim::{MsgClass, Time};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::front::{same, Painter, Remote};
use crate::i18n::{tr, Lang};
use crate::lab::Lab;
use crate::layout;

const BACKGROUND: &str = "#f8fafc";
const LINK: &str = "#e2e8f0";
const TEXT: &str = "#0f172a";
const TEXT_ON_DARK: &str = "#ffffff";

pub fn role_colour(role: Role) -> &'static str {
    match role {
        Role::Leader | Role::Leading => "#d97706",
        Role::Follower | Role::Following => "#2563eb",
        Role::Candidate => "#9333ea",
        Role::Prospective | Role::Looking => "#c084fc",
        Role::Unattached => "#64748b",
        Role::Resigned | Role::ShuttingDown => "#ea580c",
        Role::Observing => "#0891b2",
        Role::Fenced => "#be123c",
        Role::Active => "#059669",
        Role::Down => "#cbd5e1",
    }
}

pub fn class_colour(class: MsgClass) -> &'static str {
    match class {
        MsgClass::PreVote => "#c084fc",
        MsgClass::Vote => "#9333ea",
        MsgClass::BeginEpoch => "#d97706",
        MsgClass::EndEpoch => "#ea580c",
        MsgClass::Fetch => "#60a5fa",
        MsgClass::FetchData => "#16a34a",
        MsgClass::Heartbeat => "#0d9488",
        MsgClass::Notification => "#db2777",
        MsgClass::Proposal => "#ca8a04",
        MsgClass::Ack => "#65a30d",
        MsgClass::Commit => "#059669",
        MsgClass::Sync => "#0284c7",
        MsgClass::Ping => "#94a3b8",
        MsgClass::Watch => "#dc2626",
        MsgClass::ControlRequest => "#e11d48",
        MsgClass::Client => "#475569",
        MsgClass::Other => "#9ca3af",
    }
}

/// The legend's entries for KRaft mode: (class, i18n key).
pub const KRAFT_LEGEND: &[(MsgClass, &str)] = &[
    (MsgClass::PreVote, "msg.prevote"),
    (MsgClass::Vote, "msg.vote"),
    (MsgClass::BeginEpoch, "msg.begin"),
    (MsgClass::EndEpoch, "msg.end"),
    (MsgClass::Fetch, "msg.fetch"),
    (MsgClass::FetchData, "msg.fetchdata"),
    (MsgClass::Heartbeat, "msg.heartbeat"),
];

/// The legend's entries for ZooKeeper mode.
pub const ZK_LEGEND: &[(MsgClass, &str)] = &[
    (MsgClass::Notification, "msg.notification"),
    (MsgClass::Sync, "msg.sync"),
    (MsgClass::Proposal, "msg.proposal"),
    (MsgClass::Ack, "msg.ack"),
    (MsgClass::Commit, "msg.commit"),
    (MsgClass::Ping, "msg.ping"),
    (MsgClass::Client, "msg.client"),
    (MsgClass::Watch, "msg.watch"),
    (MsgClass::ControlRequest, "msg.control"),
];

/// What the back layer shows: when this is unchanged, the back layer is not redrawn.
#[derive(Clone, Default, PartialEq)]
struct Look {
    px: (u32, u32),
    dpr_bits: u64,
    scale_bits: u64,
    lang: Option<Lang>,
    nodes: Vec<NodeLook>,
    cut: Vec<u8>,
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

/// One canvas and its 2D context, sized to its CSS box times the device pixel ratio.
#[derive(Default)]
struct Layer {
    ctx: Option<CanvasRenderingContext2d>,
    px: (u32, u32),
}

impl Layer {
    /// Size the backing store; returns the context, scaled to CSS pixels.
    fn fit(&mut self, canvas: &HtmlCanvasElement, px: (u32, u32), dpr: f64) -> Option<&CanvasRenderingContext2d> {
        if self.ctx.is_none() || self.px != px {
            canvas.set_width(px.0);
            canvas.set_height(px.1);
            self.ctx = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into().ok());
            self.px = px;
        }
        let ctx = self.ctx.as_ref()?;
        let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        Some(ctx)
    }
}

/// Fonts of the front layer, rebuilt only when the text scale changes.
#[derive(Default)]
struct Fonts {
    scale_bits: u64,
    label: String,
    clock: String,
}

/// A cluster's stage: both layers and what was last drawn on the back one.
#[derive(Default)]
pub struct Stage {
    back: Layer,
    front: Front,
    positions: Vec<(f64, f64)>,
    shown: Look,
    next: Look,
    fonts: Fonts,
    dots: Vec<Dot>,
    /// The stage's CSS size as last measured (measuring can force a layout, so not every frame).
    css: Option<(f64, f64)>,
}

/// How the front layer is drawn (see `front.rs`).
#[derive(Default)]
enum Front {
    /// Not decided yet (no frame drawn).
    #[default]
    Unopened,
    /// Straight onto the canvas, here.
    Direct(Layer, HtmlCanvasElement),
    /// By a worker that holds the canvas.
    Remote(Box<Remote>, HtmlCanvasElement),
}

/// Text size factor: 1 normally, larger in the projector's large-text mode.
pub const BIG_TEXT: f64 = 1.35;

impl Stage {
    /// Draw the front layer, and the back layer if what it shows changed. Returns false if a
    /// canvas has no 2D context (nothing drawn). `measure`: read the stage's size again.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        back: &HtmlCanvasElement,
        front: &HtmlCanvasElement,
        lab: &Lab,
        lang: Lang,
        text_scale: f64,
        dpr: f64,
        measure: bool,
    ) -> bool {
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
        self.look(lab, px, dpr, lang, text_scale);
        let resized = self.back.px != px;
        if resized || self.next != self.shown {
            let Some(ctx) = self.back.fit(back, px, dpr) else { return false };
            let pos = Positions { at: &self.positions, width, height };
            draw_back(ctx, lab, &pos, lang, text_scale, &self.next.cut);
            std::mem::swap(&mut self.shown, &mut self.next);
        }
        if self.fonts.scale_bits != text_scale.to_bits() || self.fonts.label.is_empty() {
            self.fonts = Fonts {
                scale_bits: text_scale.to_bits(),
                label: font("600", 11.0 * text_scale, SANS),
                clock: font("600", 16.0 * text_scale, MONO),
            };
        }
        let opened = match &self.front {
            Front::Direct(_, canvas) | Front::Remote(_, canvas) => same(canvas, front),
            Front::Unopened => false,
        };
        if !opened {
            self.front = match Remote::open(front) {
                Some(remote) => Front::Remote(Box::new(remote), front.clone()),
                None => Front::Direct(Layer::default(), front.clone()),
            };
        }
        let pos = Positions { at: &self.positions, width, height };
        let r = layout::node_radius(width, height, lab.views.len());
        let now = lab.cluster.now();
        let fonts = &self.fonts;
        let dots = &mut self.dots;
        let mut paint = |p: &mut dyn Painter| {
            draw_timers(p, &lab.views, &pos, r, now);
            draw_flights(p, lab, &pos, r, now, &fonts.label, dots);
            draw_clock(p, now, width, &fonts.clock);
        };
        match &mut self.front {
            Front::Remote(remote, _) => {
                remote.recorder.start(px, dpr, (width, height));
                paint(&mut remote.recorder);
                remote.post();
            }
            Front::Direct(layer, canvas) => {
                let Some(ctx) = layer.fit(canvas, px, dpr) else { return false };
                ctx.clear_rect(0.0, 0.0, width, height);
                let mut ctx = ctx.clone();
                paint(&mut ctx);
            }
            Front::Unopened => return false,
        }
        true
    }

    /// Fill `next` with what the back layer should show now.
    fn look(&mut self, lab: &Lab, px: (u32, u32), dpr: f64, lang: Lang, text_scale: f64) {
        let next = &mut self.next;
        next.px = px;
        next.dpr_bits = dpr.to_bits();
        next.scale_bits = text_scale.to_bits();
        next.lang = Some(lang);
        next.nodes.clear();
        next.nodes.extend(lab.views.iter().map(|v| NodeLook {
            role: v.role,
            alive: v.alive,
            is_controller: v.is_controller,
            epoch: v.epoch,
            log_end: v.log_end,
            committed: v.committed,
            last_zxid: v.last_zxid,
            vote: voted_for(v),
        }));
        next.cut = lab.cluster.partition_sides();
    }
}

/// During an election, whom a node votes for (shown under it).
fn voted_for(v: &NodeView) -> Option<usize> {
    let voting = matches!(v.role, Role::Looking | Role::Candidate | Role::Prospective | Role::Unattached);
    v.vote.filter(|_| voting && v.alive)
}

const SANS: &str = "system-ui, sans-serif";
const MONO: &str = "ui-monospace, monospace";

fn font(weight: &str, px: f64, family: &str) -> String {
    format!("{weight} {}px {family}", px.round().max(8.0) as u32)
}

/// Node centres in CSS pixels.
struct Positions<'a> {
    at: &'a [(f64, f64)],
    width: f64,
    height: f64,
}

impl Positions<'_> {
    fn at(&self, i: usize) -> (f64, f64) {
        self.at.get(i).map_or((0.0, 0.0), |(x, y)| (x * self.width, y * self.height))
    }
}

/// Where two nodes cannot reach each other: the link is drawn dashed red, crossed out midway.
const CUT: &str = "#dc2626";

/// The back layer; `cut` is each node's partition side (0: none).
fn draw_back(ctx: &CanvasRenderingContext2d, lab: &Lab, pos: &Positions, lang: Lang, text_scale: f64, cut: &[u8]) {
    let (width, height) = (pos.width, pos.height);
    ctx.set_fill_style_str(BACKGROUND);
    ctx.fill_rect(0.0, 0.0, width, height);
    let r = layout::node_radius(width, height, lab.views.len());
    let severed = |i: usize, j: usize| cut.get(i) != cut.get(j);

    // Links between quorum members (brokers only show their traffic).
    let quorum = lab.views.iter().take_while(|v| v.kind != NodeKind::Broker).count();
    ctx.set_stroke_style_str(LINK);
    ctx.set_line_width(1.5);
    ctx.begin_path();
    for i in 0..quorum {
        for j in (i + 1)..quorum {
            if !severed(i, j) {
                let (a, b) = (pos.at(i), pos.at(j));
                ctx.move_to(a.0, a.1);
                ctx.line_to(b.0, b.1);
            }
        }
    }
    ctx.stroke();
    draw_cuts(ctx, pos, quorum, &severed);

    for (i, v) in lab.views.iter().enumerate() {
        let vote = voted_for(v).and_then(|id| lab.views.get(id));
        draw_node(ctx, v, pos.at(i), r, lang, vote, text_scale);
    }
}

/// The partition: every quorum link it severs, dashed and crossed out at its middle.
fn draw_cuts(ctx: &CanvasRenderingContext2d, pos: &Positions, quorum: usize, severed: &dyn Fn(usize, usize) -> bool) {
    let dash = js_sys::Array::of2(&6.0.into(), &5.0.into());
    let _ = ctx.set_line_dash(&dash);
    ctx.set_stroke_style_str(CUT);
    ctx.set_line_width(1.5);
    ctx.set_global_alpha(0.7);
    ctx.begin_path();
    let mut marks = Vec::new();
    for i in 0..quorum {
        for j in (i + 1)..quorum {
            if severed(i, j) {
                let (a, b) = (pos.at(i), pos.at(j));
                ctx.move_to(a.0, a.1);
                ctx.line_to(b.0, b.1);
                marks.push(((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0));
            }
        }
    }
    ctx.stroke();
    let _ = ctx.set_line_dash(&js_sys::Array::new());
    ctx.set_global_alpha(1.0);
    ctx.set_line_width(2.5);
    ctx.begin_path();
    for (x, y) in marks {
        ctx.move_to(x - 5.0, y - 5.0);
        ctx.line_to(x + 5.0, y + 5.0);
        ctx.move_to(x + 5.0, y - 5.0);
        ctx.line_to(x - 5.0, y + 5.0);
    }
    ctx.stroke();
}

/// Election requests get a text label, but only while few fly at once (more would overlap).
const MAX_LABELS: usize = 4;

fn labelled(f: &FlightView) -> bool {
    !f.is_response
        && matches!(
            f.class,
            MsgClass::PreVote | MsgClass::Vote | MsgClass::BeginEpoch | MsgClass::EndEpoch | MsgClass::Notification
        )
}

/// A message in flight where it is drawn this frame.
#[derive(Clone, Copy)]
struct Dot {
    /// Where its wire starts, and where the message is now.
    from: (f64, f64),
    at: (f64, f64),
    class: MsgClass,
    is_response: bool,
}

/// Messages in flight, batched by colour (one path per class for wires, one for dots), then the
/// few election labels.
fn draw_flights(
    p: &mut dyn Painter,
    lab: &Lab,
    pos: &Positions,
    r: f64,
    now: Time,
    label_font: &str,
    dots: &mut Vec<Dot>,
) {
    use std::f64::consts::TAU;
    let radius = (r * 0.22).clamp(4.0, 8.0);
    dots.clear();
    let mut present = [false; quorumlab_sim::MSG_CLASSES];
    for f in &lab.flights {
        let span = f.deliver_at.since(f.sent_at).max(1) as f64;
        let p = (now.since(f.sent_at) as f64 / span).clamp(0.0, 1.0);
        let (a, b) = (pos.at(f.from), pos.at(f.to));
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        // Start and end at the node rims, not the centres.
        let (ux, uy) = (dx / len, dy / len);
        let (sx, sy) = (a.0 + ux * r, a.1 + uy * r);
        let travel = (len - 2.0 * r).max(0.0);
        // Requests and responses on the same link travel side by side.
        let side = if f.is_response { -4.0 } else { 4.0 };
        let at = (sx + ux * travel * p - uy * side, sy + uy * travel * p + ux * side);
        dots.push(Dot { from: (sx - uy * side, sy + ux * side), at, class: f.class, is_response: f.is_response });
        present[f.class.index()] = true;
    }
    for class in MsgClass::ALL.into_iter().filter(|c| present[c.index()]) {
        let colour = class_colour(class);
        let of_class = || dots.iter().filter(move |d| d.class == class);
        // The wire lights up while a message is on it: short LAN hops still leave a trace.
        // One CSS pixel wide: wider antialiased strokes cost several times more to rasterize
        // without a GPU, and an election puts hundreds of them on the stage at once.
        p.alpha(0.4);
        p.stroke_style(colour);
        p.line_width(1.0);
        p.begin();
        for d in of_class() {
            p.move_to(d.from.0, d.from.1);
            p.line_to(d.at.0, d.at.1);
        }
        p.stroke();
        p.alpha(1.0);
        // Requests are filled dots, responses hollow ones.
        p.begin();
        for d in of_class().filter(|d| !d.is_response) {
            p.move_to(d.at.0 + radius, d.at.1);
            p.arc(d.at.0, d.at.1, radius, 0.0, TAU);
        }
        p.fill_style(colour);
        p.fill();
        if of_class().any(|d| d.is_response) {
            p.begin();
            for d in of_class().filter(|d| d.is_response) {
                p.move_to(d.at.0 + radius, d.at.1);
                p.arc(d.at.0, d.at.1, radius, 0.0, TAU);
            }
            p.fill_style(BACKGROUND);
            p.fill();
            p.line_width(2.5);
            p.stroke();
        }
    }
    if lab.flights.iter().filter(|f| labelled(f)).count() > MAX_LABELS {
        return;
    }
    for (f, d) in lab.flights.iter().zip(dots.iter()).filter(|(f, _)| labelled(f)) {
        p.fill_style(class_colour(f.class));
        let text = match f.vote {
            // The vote tuple a server compares by: proposed leader, (peerEpoch, zxid).
            Some(VoteInfo::Fle { leader, peer_epoch, zxid }) => {
                format!("zk{leader} ({peer_epoch}, {}:{})", zxid >> 32, zxid & 0xffff_ffff)
            }
            Some(VoteInfo::Raft { epoch, last_epoch, last_offset }) => {
                format!("{} e{epoch} ({last_epoch}, {last_offset})", f.label)
            }
            None => f.label.to_string(),
        };
        p.text(label_font, &text, d.at.0 + radius + 3.0, d.at.1 - radius - 2.0, false);
    }
}

/// Countdown rings: how much of each node's election / fetch / session timeout is left,
/// batched into one path per colour (the track, then the time left, red when nearly out).
fn draw_timers(p: &mut dyn Painter, views: &[NodeView], pos: &Positions, r: f64, now: Time) {
    use std::f64::consts::{FRAC_PI_2, TAU};
    let left = |v: &NodeView| {
        v.timer.map(|(set_at, fires_at)| {
            let total = fires_at.since(set_at).max(1) as f64;
            (fires_at.since(now) as f64 / total).clamp(0.0, 1.0)
        })
    };
    let ring = r + 7.0;
    p.line_width(4.0);
    for (colour, wanted) in [("#cbd5e1", None), ("#475569", Some(false)), ("#dc2626", Some(true))] {
        p.begin();
        for (i, v) in views.iter().enumerate() {
            let Some(left) = left(v) else { continue };
            let (x, y) = pos.at(i);
            match wanted {
                None => {
                    p.move_to(x + ring, y);
                    p.arc(x, y, ring, 0.0, TAU);
                }
                Some(urgent) if urgent == (left < 0.25) => {
                    let start = -FRAC_PI_2;
                    p.move_to(x + ring * start.cos(), y + ring * start.sin());
                    p.arc(x, y, ring, start, start + TAU * left);
                }
                Some(_) => {}
            }
        }
        p.stroke_style(colour);
        p.stroke();
    }
}

fn draw_node(
    ctx: &CanvasRenderingContext2d,
    v: &NodeView,
    (x, y): (f64, f64),
    r: f64,
    lang: Lang,
    vote: Option<&NodeView>,
    scale: f64,
) {
    use std::f64::consts::TAU;
    ctx.begin_path();
    let _ = ctx.arc(x, y, r, 0.0, TAU);
    ctx.set_fill_style_str(role_colour(v.role));
    ctx.fill();
    ctx.set_line_width(if v.is_controller { 4.0 } else { 1.5 });
    ctx.set_stroke_style_str(if v.is_controller { "#92400e" } else { "#334155" });
    ctx.stroke();

    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    ctx.set_fill_style_str(if v.alive { TEXT_ON_DARK } else { "#475569" });
    ctx.set_font(&font("700", r * 0.5, SANS));
    let _ = ctx.fill_text(&v.name(), x, y - r * 0.12);
    ctx.set_font(&font("500", (r * 0.3).max(10.0), SANS));
    if v.kind != NodeKind::Broker {
        let _ = ctx.fill_text(&format!("e{}", v.epoch), x, y + r * 0.38);
    }
    if !v.alive {
        ctx.set_stroke_style_str("#475569");
        ctx.set_line_width(3.0);
        ctx.begin_path();
        ctx.move_to(x - r * 0.5, y - r * 0.5);
        ctx.line_to(x + r * 0.5, y + r * 0.5);
        ctx.move_to(x + r * 0.5, y - r * 0.5);
        ctx.line_to(x - r * 0.5, y + r * 0.5);
        ctx.stroke();
    }
    // Under the node: role, then log end offset / high watermark (small stages: role only).
    // Large-text mode scales these lines and their spacing.
    ctx.set_fill_style_str(TEXT);
    let small = r < 24.0;
    let (role_px, role_dy) = if small { (10.0, 13.0) } else { (13.0, 22.0) };
    ctx.set_font(&font("600", role_px * scale, SANS));
    let _ = ctx.fill_text(tr(lang, crate::i18n::role_key(v.role)), x, y + r + role_dy * scale);
    if !small {
        ctx.set_font(&font("400", 12.0 * scale, MONO));
        let detail = match (v.kind, v.last_zxid) {
            _ if vote.is_some() => {
                format!("{} → {}", tr(lang, "label.votes"), vote.map(|w| w.name()).unwrap_or_default())
            }
            (NodeKind::Controller, _) => format!("LEO {} · HW {}", v.log_end, v.committed),
            // zxid = epoch << 32 | counter: show the two halves.
            (NodeKind::ZkServer, Some(zxid)) => format!("zxid {}:{}", zxid >> 32, zxid & 0xffff_ffff),
            (NodeKind::ZkServer, None) => String::new(),
            (NodeKind::Broker, _) if v.is_controller => format!("{} · e{}", tr(lang, "label.controller"), v.epoch),
            (NodeKind::Broker, _) => format!("e{}", v.epoch),
        };
        let _ = ctx.fill_text(&detail, x, y + r + 39.0 * scale);
    }
    ctx.set_text_align("start");
    ctx.set_text_baseline("alphabetic");
}

fn draw_clock(p: &mut dyn Painter, now: Time, width: f64, clock_font: &str) {
    let ms = now.as_ms();
    p.fill_style(TEXT);
    p.text(clock_font, &format!("t = {}.{:03} s", ms / 1_000, ms % 1_000), width - 12.0, 24.0, true);
}
