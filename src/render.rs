//! The canvas picture, a pure function of (snapshot, now), drawn on two stacked canvases:
//! the back layer holds what changes only with the state (links, nodes and their text, the
//! partition) and is redrawn only when that state changes; the front layer holds what moves
//! every frame (messages in flight, countdown rings, the clock). The front layer is sent as a
//! scene (see `front.rs`) and drawn by stage.js, which places each message by interpolating
//! between its `sent_at` and `deliver_at` at the virtual time it shows, so it moves smoothly
//! between simulation ticks and pause and speed changes come free.

use quorumlab_sim::cluster::{FlightView, NodeKind, NodeView, Role};
use quorumlab_sim::world::VoteInfo;
use quorumlab_sim::MsgClass;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::front::{same, Header, Meter, Pen, Remote, Scene};
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
        Role::Registering => "#64748b",
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
struct Behind<T>(Option<T>);

impl<T> Default for Behind<T> {
    fn default() -> Self {
        Behind(None)
    }
}

impl<T> Behind<T> {
    /// What to show, given this moment's state: at a snap, this moment, and nothing is held; on
    /// a tick, what the previous tick held (nothing on the first tick after a snap), and this
    /// moment is held until the next tick.
    fn pass(&mut self, now: T, snap: bool) -> Option<T> {
        if snap {
            self.0 = None;
            Some(now)
        } else {
            self.0.replace(now)
        }
    }
}

/// How the front layer is drawn (see `front.rs`).
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

/// Text size factor: 1 normally, larger in the projector's large-text mode.
pub const BIG_TEXT: f64 = 1.35;

impl Stage {
    /// Send this tick's scene: the front layer, and the back layer's drawing if what it shows
    /// changed (the worker draws both; see `front.rs`). Returns false if nothing could be drawn. `measure`: read the stage's size again. `snap`: the
    /// front layer shows this moment at once (else it glides there from the previous scene).
    /// `sent_ms`: the page's clock, shared by every side drawn in one go (see `Header::sent_ms`).
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        back: &HtmlCanvasElement,
        front: &HtmlCanvasElement,
        poster: Option<&HtmlCanvasElement>,
        lab: &Lab,
        lang: Lang,
        text_scale: f64,
        dpr: f64,
        measure: bool,
        snap: bool,
        sent_ms: f64,
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
            draw_back(&mut scene.back(meter), &views, &pos, lang, text_scale, &self.shown.cut);
            self.px = px;
        }
        // A worker takes a while to start: until it has drawn, the page shows the back layer
        // itself, on a canvas under the worker's (whose first drawing covers it). Should the
        // worker never draw (a page policy refused its script), the picture stays, unmoving.
        if !opened {
            self.poster_up = false;
        }
        let waiting = remote.in_worker() && !crate::front::worker_has_drawn();
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
    crate::front::replay(&ctx, calls);
    if !first {
        return;
    }
    let poster = poster.clone();
    // Then it goes (its pixels freed, nothing left to composite).
    crate::front::after_worker_drew(move || {
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
fn clock_size(width: f64, r: f64, text_scale: f64, nodes: impl Iterator<Item = (f64, f64)> + Clone) -> f64 {
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
    }
}

/// The line under a node: whom it votes for during an election, else its log end offset and
/// high watermark, its last zxid, or a broker's epoch (and whether it is the controller).
pub(crate) fn node_detail(lang: Lang, v: &NodeView, vote: Option<&NodeView>) -> String {
    match (v.kind, v.last_zxid) {
        _ if vote.is_some() => format!("{} → {}", tr(lang, "label.votes"), vote.map(|w| w.name()).unwrap_or_default()),
        (NodeKind::Controller, _) => format!("LEO {} · HW {}", v.log_end, v.committed),
        // zxid = epoch << 32 | counter: show the two halves.
        (NodeKind::ZkServer, Some(zxid)) => format!("zxid {}:{}", zxid >> 32, zxid & 0xffff_ffff),
        (NodeKind::ZkServer, None) => String::new(),
        // A broker's view of the epoch lives in memory: a crashed one has none to show.
        (NodeKind::Broker, _) if !v.alive => String::new(),
        (NodeKind::Broker, _) if v.is_controller => format!("{} · e{}", tr(lang, "label.controller"), v.epoch),
        (NodeKind::Broker, _) => format!("e{}", v.epoch),
    }
}

/// During an election, the node `v` votes for.
pub(crate) fn vote_of<'a>(v: &NodeView, views: &'a [NodeView]) -> Option<&'a NodeView> {
    voted_for(v).and_then(|id| views.get(id))
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
fn draw_back(pen: &mut Pen, views: &[NodeView], pos: &Positions, lang: Lang, text_scale: f64, cut: &[u8]) {
    let (width, height) = (pos.width, pos.height);
    pen.set_fill_style(BACKGROUND);
    pen.fill_rect(0.0, 0.0, width, height);
    let r = layout::node_radius(width, height, views.len());
    let severed = |i: usize, j: usize| cut.get(i) != cut.get(j);

    // Links between quorum members (brokers only show their traffic).
    let quorum = views.iter().take_while(|v| v.kind != NodeKind::Broker).count();
    pen.set_stroke_style(LINK);
    pen.set_line_width(1.5);
    pen.begin_path();
    for i in 0..quorum {
        for j in (i + 1)..quorum {
            if !severed(i, j) {
                let (a, b) = (pos.at(i), pos.at(j));
                pen.move_to(a.0, a.1);
                pen.line_to(b.0, b.1);
            }
        }
    }
    pen.stroke();
    draw_cuts(pen, pos, quorum, &severed);

    // The lines under each node (role, then detail), as many as fit: below the node, or beside
    // it, away from the ring's centre, where below would run into a neighbour (5 or 7 servers on
    // a flat stage). Where not even the role fits (a crowded embed), the colour still tells
    // the role, and the tooltip and the inspector the rest. The ring and the row of brokers are
    // judged apart, each sized for the longest text it can show (not what it shows now), so
    // that lines do not come and go as roles and offsets change.
    let at: Vec<(f64, f64)> = (0..views.len()).map(|i| pos.at(i)).collect();
    let mut plan = LabelPlan { at: &at, r, stage: (width, height), taken: Vec::new(), places: vec![None; views.len()] };
    let (role_px, role_dy) = role_font(r);
    for brokers in [false, true] {
        let group: Vec<usize> = (0..views.len()).filter(|&i| (views[i].kind == NodeKind::Broker) == brokers).collect();
        let Some(kind) = group.first().map(|&i| views[i].kind) else { continue };
        // Widths in a font: a pen records the font it sets, so measuring uses that font.
        let mut width_in = |font: String, texts: &mut dyn Iterator<Item = &str>| {
            pen.set_font(&font);
            texts.map(|t| pen.measure(t)).fold(0.0, f64::max)
        };
        let mut role_w = |px: f64| {
            width_in(
                font("600", px * text_scale, SANS),
                &mut roles_of(kind).iter().map(|&role| tr(lang, crate::i18n::role_key(role))),
            )
        };
        let one = |px: f64, width: f64| Block {
            lines: 1,
            width,
            depth: (role_dy + px * 0.6) * text_scale,
            line: LINE * text_scale,
            role_px: px,
        };
        let mut blocks = vec![one(role_px, role_w(role_px))];
        if r >= 24.0 {
            let role = blocks[0];
            let small = one(role_px * 0.8, role_w(role_px * 0.8));
            let detail_w = width_in(
                font("400", 12.0 * text_scale, MONO),
                &mut std::iter::once(widest_detail(lang, kind).as_str()),
            )
            .max(role.width);
            blocks.insert(0, Block { lines: 2, width: detail_w, depth: DETAIL_DY * text_scale + 7.0, ..role });
            // A row of brokers a little too close for its widest role ("shutting down") keeps
            // its roles in a smaller font rather than losing them.
            blocks.push(small);
        }
        let _ = blocks.into_iter().any(|block| plan.place(&group, block));
    }
    for (i, v) in views.iter().enumerate() {
        let vote = vote_of(v, views);
        draw_node(pen, v, pos.at(i), r, lang, vote, text_scale, plan.places[i]);
    }
}

/// How far a node's countdown ring reaches beyond its radius (drawn at r + 7, 4 px wide).
const HALO: f64 = 9.0;

/// How far below a node's edge the detail line sits, before the text scale.
const DETAIL_DY: f64 = 39.0;
/// Line spacing of the lines drawn beside a node, before the text scale.
const LINE: f64 = 17.0;

/// The longest detail line a node of this kind shows (see [`node_detail`]).
fn widest_detail(lang: Lang, kind: NodeKind) -> String {
    match kind {
        // An hour of a default cluster: a NoOpRecord every 500 ms, a few thousand offsets.
        NodeKind::Controller => "LEO 9999 · HW 9999".to_string(),
        NodeKind::ZkServer => "zxid 9:9999".to_string(),
        NodeKind::Broker => format!("{} · e99", tr(lang, "label.controller")),
    }
}

/// Where a node's lines go.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    Below,
    Left,
    Right,
}

/// The lines under or beside a node: how many, how wide, how deep below the node's edge they
/// reach (drawn below), and their spacing (drawn beside).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Block {
    lines: u8,
    width: f64,
    depth: f64,
    line: f64,
    /// The role's font size, before the text scale.
    role_px: f64,
}

type Rect = (f64, f64, f64, f64);

fn meet(a: Rect, b: Rect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Places each group's lines so that none runs into a node (its countdown ring included),
/// another node's lines or the stage's edge.
struct LabelPlan<'a> {
    at: &'a [(f64, f64)],
    r: f64,
    stage: (f64, f64),
    /// The lines placed so far.
    taken: Vec<Rect>,
    /// Per node: where its lines go and what they are, or `None` for no lines.
    places: Vec<Option<(Side, Block)>>,
}

impl LabelPlan<'_> {
    fn rect(&self, i: usize, side: Side, b: Block) -> Rect {
        let ((x, y), r) = (self.at[i], self.r);
        let tall = b.lines as f64 * b.line;
        match side {
            Side::Below => (x - b.width / 2.0 - 3.0, y + r + 2.0, x + b.width / 2.0 + 3.0, y + r + b.depth),
            Side::Left => (x - r - HALO - 3.0 - b.width, y - tall / 2.0, x - r - HALO, y + tall / 2.0),
            Side::Right => (x + r + HALO, y - tall / 2.0, x + r + HALO + 3.0 + b.width, y + tall / 2.0),
        }
    }

    fn clear(&self, i: usize, rect: Rect) -> bool {
        let r = self.r + HALO;
        let inside = rect.0 >= 0.0 && rect.1 >= 0.0 && rect.2 <= self.stage.0 && rect.3 <= self.stage.1;
        inside
            && (0..self.at.len()).filter(|&j| j != i).all(|j| {
                let (x, y) = self.at[j];
                !meet(rect, (x - r, y - r, x + r, y + r))
            })
            && self.taken.iter().all(|&t| !meet(rect, t))
    }

    /// Place `block` for every node of `group` (below it, else beside it away from the stage's
    /// middle), or nothing if one of them has no room.
    fn place(&mut self, group: &[usize], block: Block) -> bool {
        let before = self.taken.len();
        let mut chosen = Vec::with_capacity(group.len());
        for &i in group {
            let outward = if self.at[i].0 < self.stage.0 / 2.0 { Side::Left } else { Side::Right };
            let found = [Side::Below, outward]
                .into_iter()
                .map(|side| (side, self.rect(i, side, block)))
                .find(|&(_, rect)| self.clear(i, rect));
            let Some((side, rect)) = found else {
                self.taken.truncate(before);
                return false;
            };
            self.taken.push(rect);
            chosen.push((i, side));
        }
        for (i, side) in chosen {
            self.places[i] = Some((side, block));
        }
        true
    }
}

/// Every role a node of this kind can show.
fn roles_of(kind: NodeKind) -> &'static [Role] {
    match kind {
        NodeKind::Controller => &[
            Role::Unattached,
            Role::Prospective,
            Role::Candidate,
            Role::Leader,
            Role::Follower,
            Role::Resigned,
            Role::Down,
        ],
        NodeKind::ZkServer => &[Role::Looking, Role::Following, Role::Leading, Role::Observing, Role::Down],
        NodeKind::Broker => &[Role::Fenced, Role::Registering, Role::Active, Role::ShuttingDown, Role::Down],
    }
}

/// The role line's font size and its distance below the node, before the text scale: smaller
/// on small stages, which also leave out the second line.
fn role_font(r: f64) -> (f64, f64) {
    if r < 24.0 {
        (10.0, 13.0)
    } else {
        (13.0, 22.0)
    }
}

/// The partition: every quorum link it severs, dashed and crossed out at its middle.
fn draw_cuts(pen: &mut Pen, pos: &Positions, quorum: usize, severed: &dyn Fn(usize, usize) -> bool) {
    pen.set_line_dash(6.0, 5.0);
    pen.set_stroke_style(CUT);
    pen.set_line_width(1.5);
    pen.set_global_alpha(0.7);
    pen.begin_path();
    let mut marks = Vec::new();
    for i in 0..quorum {
        for j in (i + 1)..quorum {
            if severed(i, j) {
                let (a, b) = (pos.at(i), pos.at(j));
                pen.move_to(a.0, a.1);
                pen.line_to(b.0, b.1);
                marks.push(((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0));
            }
        }
    }
    pen.stroke();
    pen.set_line_dash(0.0, 0.0);
    pen.set_global_alpha(1.0);
    pen.set_line_width(2.5);
    pen.begin_path();
    for (x, y) in marks {
        pen.move_to(x - 5.0, y - 5.0);
        pen.line_to(x + 5.0, y + 5.0);
        pen.move_to(x + 5.0, y - 5.0);
        pen.line_to(x - 5.0, y + 5.0);
    }
    pen.stroke();
}

/// Election requests get a text label while at most this many senders have one in flight
/// (more would overlap).
const MAX_LABELS: usize = 5;

fn labelled(f: &FlightView) -> bool {
    !f.is_response
        && matches!(
            f.class,
            MsgClass::PreVote | MsgClass::Vote | MsgClass::BeginEpoch | MsgClass::EndEpoch | MsgClass::Notification
        )
}

/// Messages in flight now, and those that landed since the last scene (the front layer still
/// shows them while it glides through that time), grouped by class so each colour is one path.
fn record_flights(scene: &mut Scene, lab: &Lab, pos: &Positions, r: f64) {
    let all = || lab.flights.iter().chain(&lab.landed);
    let picks = label_picks(all());
    for class in MsgClass::ALL {
        for f in all().filter(|f| f.class == class) {
            let (a, b) = (pos.at(f.from), pos.at(f.to));
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            // Start and end at the node rims, not the centres.
            let (ux, uy) = (dx / len, dy / len);
            let travel = (len - 2.0 * r).max(0.0);
            // Requests and responses on the same link travel side by side.
            let side = if f.is_response { -4.0 } else { 4.0 };
            let from = (a.0 + ux * r - uy * side, a.1 + uy * r + ux * side);
            let to = (from.0 + ux * travel, from.1 + uy * travel);
            let times = (f.sent_at.as_us() as f64, f.deliver_at.as_us() as f64);
            scene.flight(from, to, times, class_colour(class), f.is_response);
            if picks.iter().any(|g| std::ptr::eq(*g, f)) {
                scene.label(&flight_label(f));
            }
        }
    }
}

/// The messages that get a label: per sender, its newest election request. A server sends the
/// same vote to every peer (FLE notifications, pre-votes, votes), so one label tells them all,
/// and the start of an election, when every server broadcasts, still shows every vote.
fn label_picks<'a>(flights: impl Iterator<Item = &'a FlightView>) -> Vec<&'a FlightView> {
    let mut newest: Vec<&FlightView> = Vec::new();
    for f in flights.filter(|f| labelled(f)) {
        match newest.iter_mut().find(|g| g.from == f.from) {
            Some(g) if f.sent_at > g.sent_at => *g = f,
            Some(_) => {}
            None => newest.push(f),
        }
    }
    if newest.len() > MAX_LABELS {
        newest.clear();
    }
    newest
}

fn flight_label(f: &FlightView) -> String {
    match f.vote {
        // The vote tuple a server compares by: proposed leader, (peerEpoch, zxid).
        Some(VoteInfo::Fle { leader, peer_epoch, zxid }) => {
            format!("zk{leader} ({peer_epoch}, {}:{})", zxid >> 32, zxid & 0xffff_ffff)
        }
        Some(VoteInfo::Raft { epoch, last_epoch, last_offset }) => {
            format!("{} e{epoch} ({last_epoch}, {last_offset})", f.label)
        }
        None => f.label.to_string(),
    }
}

/// Countdown rings: each node's election / fetch / session timer (stage.js draws how much is
/// left at the moment it shows).
fn record_timers(scene: &mut Scene, views: &[NodeView], pos: &Positions, r: f64) {
    for (i, v) in views.iter().enumerate() {
        if let Some((set_at, fires_at)) = v.timer {
            scene.ring(pos.at(i), r + 7.0, set_at.as_us() as f64, fires_at.as_us() as f64);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_node(
    pen: &mut Pen,
    v: &NodeView,
    (x, y): (f64, f64),
    r: f64,
    lang: Lang,
    vote: Option<&NodeView>,
    scale: f64,
    lines: Option<(Side, Block)>,
) {
    use std::f64::consts::TAU;
    pen.begin_path();
    pen.arc(x, y, r, 0.0, TAU);
    pen.set_fill_style(role_colour(v.role));
    pen.fill();
    pen.set_line_width(if v.is_controller { 4.0 } else { 1.5 });
    pen.set_stroke_style(if v.is_controller { "#92400e" } else { "#334155" });
    pen.stroke();

    pen.set_text_align("center");
    pen.set_text_baseline("middle");
    pen.set_fill_style(if v.alive { TEXT_ON_DARK } else { "#475569" });
    // A tiny node (an embed side by side) has room for its name only: the epoch's smallest
    // legible size would run into it.
    let tiny = r < 20.0;
    pen.set_font(&font("700", r * 0.5, SANS));
    pen.fill_text(&v.name(), x, if tiny { y } else { y - r * 0.12 });
    pen.set_font(&font("500", (r * 0.3).max(10.0), SANS));
    if v.kind != NodeKind::Broker && !tiny {
        pen.fill_text(&format!("e{}", v.epoch), x, y + r * 0.38);
    }
    if !v.alive {
        pen.set_stroke_style("#475569");
        pen.set_line_width(3.0);
        pen.begin_path();
        pen.move_to(x - r * 0.5, y - r * 0.5);
        pen.line_to(x + r * 0.5, y + r * 0.5);
        pen.move_to(x + r * 0.5, y - r * 0.5);
        pen.line_to(x - r * 0.5, y + r * 0.5);
        pen.stroke();
    }
    // Under the node, or beside it: role, then log end offset / high watermark, as many lines
    // as fit. Large-text mode scales these lines and their spacing.
    pen.set_fill_style(TEXT);
    let Some((side, block)) = lines else {
        pen.set_text_align("start");
        pen.set_text_baseline("alphabetic");
        return;
    };
    let role_dy = role_font(r).1;
    let ((role_x, role_y), (detail_x, detail_y)) = match side {
        Side::Below => ((x, y + r + role_dy * scale), (x, y + r + DETAIL_DY * scale)),
        Side::Left | Side::Right => {
            pen.set_text_align(if side == Side::Left { "right" } else { "left" });
            let tx = if side == Side::Left { x - r - HALO - 2.0 } else { x + r + HALO + 2.0 };
            let top = y - (block.lines as f64 - 1.0) * block.line / 2.0;
            ((tx, top), (tx, top + block.line))
        }
    };
    pen.set_font(&font("600", block.role_px * scale, SANS));
    pen.fill_text(tr(lang, crate::i18n::role_key(v.role)), role_x, role_y);
    if block.lines >= 2 {
        pen.set_font(&font("400", 12.0 * scale, MONO));
        pen.fill_text(&node_detail(lang, v, vote), detail_x, detail_y);
    }
    pen.set_text_align("start");
    pen.set_text_baseline("alphabetic");
}

#[cfg(test)]
mod tests {
    use super::{clock_size, label_picks, Behind, Block, LabelPlan, Side, DETAIL_DY, HALO};
    use quorumlab_sim::cluster::FlightView;
    use quorumlab_sim::{MsgClass, Time};

    fn notification(from: usize, to: usize, sent_ms: u64) -> FlightView {
        FlightView {
            from,
            to,
            class: MsgClass::Notification,
            label: "Notification",
            is_response: false,
            vote: None,
            sent_at: Time::from_ms(sent_ms),
            deliver_at: Time::from_ms(sent_ms + 5),
        }
    }

    #[test]
    fn each_sender_labels_its_newest_election_message_while_few_send() {
        // Three servers each broadcast to the two others, zk1 twice (it switched its vote).
        let mut flights: Vec<FlightView> = (0..3)
            .flat_map(|from| (0..3).filter(move |to| *to != from).map(move |to| notification(from, to, 10)))
            .collect();
        flights.push(notification(0, 1, 12));
        flights.push(FlightView { is_response: true, ..notification(1, 0, 13) });
        let picks = label_picks(flights.iter());
        let senders: Vec<(usize, u64)> = picks.iter().map(|f| (f.from, f.sent_at.as_ms())).collect();
        assert_eq!(senders, [(0, 12), (1, 10), (2, 10)], "one per sender, the newest; no response");
        // Six senders at once: no labels (they would overlap).
        let many: Vec<FlightView> = (0..6).map(|from| notification(from, (from + 1) % 6, 10)).collect();
        assert!(label_picks(many.iter()).is_empty());
    }
    use crate::layout;

    #[test]
    fn lines_go_below_a_node_else_beside_it_else_nowhere() {
        let one = Block { lines: 1, width: 33.0, depth: 20.0, line: 17.0, role_px: 10.0 };
        let plan = |at: &[(f64, f64)], stage: (f64, f64), group: &[usize], block: Block| {
            let mut plan = LabelPlan { at, r: 10.0, stage, taken: Vec::new(), places: vec![None; at.len()] };
            plan.place(group, block).then_some(plan.places)
        };
        // Seven brokers across a 236 px embed stage are 29.5 px apart: "active" (~33 px at
        // 10 px) would touch the next one's, below or beside; three are 59 px apart and fit.
        let row = |n: usize| (0..n).map(|i| (236.0 * (i as f64 + 1.0) / (n as f64 + 1.0), 126.0)).collect::<Vec<_>>();
        let all = |n: usize| (0..n).collect::<Vec<_>>();
        assert_eq!(plan(&row(7), (236.0, 157.0), &all(7), one), None);
        let three = plan(&row(3), (236.0, 157.0), &all(3), one).expect("fits");
        assert!(three.iter().all(|p| *p == Some((Side::Below, one))));
        // A node below and beside another: two lines below the upper one would cover it, so
        // they go beside, away from the middle (the flank of a ring of 7 servers).
        let two = Block { lines: 2, width: 70.0, depth: 45.0, line: 17.0, role_px: 13.0 };
        let pair = [(140.0, 100.0), (180.0, 125.0)];
        let places = plan(&pair, (400.0, 300.0), &[0, 1], two).expect("fits");
        assert_eq!(places, vec![Some((Side::Left, two)), Some((Side::Below, two))]);
        // With no room beside either (the stage's edge), nothing is placed.
        assert_eq!(plan(&pair, (230.0, 300.0), &[0, 1], Block { width: 130.0, ..two }), None);
        // Another group's nodes are obstacles too; a lone node has room.
        assert_eq!(plan(&[(0.0, 0.0)], (10.0, 10.0), &[0], one), None, "not past the stage's edge");
        assert!(plan(&[(100.0, 50.0)], (200.0, 100.0), &[0], one).is_some());
    }

    #[test]
    fn seven_servers_and_six_brokers_side_by_side_keep_every_role_line() {
        use crate::lab::Lab;
        use quorumlab_sim::setup::{Mode, Setup};
        let lab = Lab::new(Setup { mode: Mode::Zk, ensemble: 7, brokers: 6, ..Setup::default() }).expect("builds");
        // One side of the page at 1280×800 and on a 1920×1080 projector (large text, 1.35).
        for ((width, height), scale) in [((590.0, 400.0), 1.0), ((910.0, 607.0), 1.35)] {
            let mut at = Vec::new();
            layout::positions(&lab.views, &mut at);
            let at: Vec<(f64, f64)> = at.iter().map(|(x, y)| (x * width, y * height)).collect();
            let r = layout::node_radius(width, height, at.len());
            let mut plan =
                LabelPlan { at: &at, r, stage: (width, height), taken: Vec::new(), places: vec![None; at.len()] };
            // "following" in 13 px bold and "zxid 9:9999" in 12 px monospace, about.
            let two = Block {
                lines: 2,
                width: 80.0 * scale,
                depth: DETAIL_DY * scale + 7.0,
                line: 17.0 * scale,
                role_px: 13.0,
            };
            let one = Block { lines: 1, width: 70.0 * scale, depth: 30.0 * scale, ..two };
            let servers: Vec<usize> = (0..7).collect();
            let placed = plan.place(&servers, two) || plan.place(&servers, one);
            assert!(placed, "{width}×{height}: at least the role of every server");
            assert!(scale == 1.0 || plan.places[0] == Some((Side::Below, two)), "on the projector, both lines");
            // "shutting down" in 10.4 px bold.
            let one = Block { lines: 1, width: 75.0 * scale, depth: 30.0 * scale, line: 17.0 * scale, role_px: 10.4 };
            assert!(plan.place(&(7..13).collect::<Vec<_>>(), one), "{width}×{height}: a role under every broker");
        }
    }

    #[test]
    fn the_clock_stays_clear_of_the_top_node_on_a_narrow_stage() {
        // Side by side in a 480×320 embed each stage is about 236×157; alone, about 470×194.
        for (width, height, nodes) in [(236.0, 157.0, 6), (236.0, 157.0, 10), (300.0, 204.0, 6), (470.0, 194.0, 6)] {
            let r = layout::node_radius(width, height, nodes);
            let px = clock_size(width, r, 1.0, [(width / 2.0, 0.12 * height)].into_iter());
            // "t = 1234.567 s" (14 characters, the longest in the first 20 minutes) at 0.6 em each.
            let left = width - 12.0 - 14.0 * 0.6 * px;
            assert!(left > width / 2.0 + r, "{width}×{height}: the clock ({px} px) starts at {left}");
        }
        let r = layout::node_radius(1200.0, 816.0, 6);
        let top = [(600.0, 98.0)];
        assert_eq!(clock_size(1200.0, r, 1.0, top.into_iter()), 16.0, "a wide stage keeps the usual size");
        assert_eq!(clock_size(1200.0, r, 1.35, top.into_iter()), 16.0 * 1.35, "and large text grows it");
        // A ring of seven in an embed: the server right of the top one sits under the corner.
        let (width, height) = (458.0, 195.0);
        let r = layout::node_radius(width, height, 10);
        let beside = (0.773 * width, 0.229 * height);
        let px = clock_size(width, r, 1.0, [(width / 2.0, 0.13 * height), beside].into_iter());
        assert!((9.0..16.0).contains(&px), "{px}");
        assert!(beside.0 + r + HALO <= width - 12.0 - 14.0 * 0.6 * px || beside.1 - r - HALO >= 8.0 + px * 1.2);
    }

    #[test]
    fn while_playing_the_back_layer_shows_the_previous_tick_and_a_snap_shows_the_present() {
        let mut held = Behind::default();
        assert_eq!(held.pass(1, true), Some(1), "a snap shows its moment");
        assert_eq!(held.pass(2, false), None, "the first tick after it: the snap's picture stays");
        assert_eq!(held.pass(3, false), Some(2), "each tick shows the one before");
        assert_eq!(held.pass(4, false), Some(3));
        assert_eq!(held.pass(5, true), Some(5), "a pause or a step shows the present at once");
        assert_eq!(held.pass(6, false), None, "and nothing older comes back after it");
        assert_eq!(held.pass(7, false), Some(6));
    }
}
