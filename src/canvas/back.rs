//! The stage's back layer: the links between nodes (dashed and crossed out where a partition
//! severs them), each node and the lines under or beside it (role, log end offset and high
//! watermark, zxid, vote), placed so that no line runs into another node's. Redrawn only when
//! what it shows changes.

use quorumlab_sim::cluster::{NodeKind, NodeView, Role};

use super::colours::{role_colour, BACKGROUND, CORNER, CUT, LINK, PANEL, TEXT, TEXT_ON_DARK};
use super::layout;
use super::scene::Pen;
use super::stage::{font, Positions, MONO, SANS};
use crate::i18n::{tr, Lang};

/// The line under a node: whom it votes for during an election, else its log end offset and
/// high watermark, its last zxid, or a broker's epoch (and whether it is the controller).
pub fn node_detail(lang: Lang, v: &NodeView, vote: Option<&NodeView>) -> String {
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
pub fn vote_of<'a>(v: &NodeView, views: &'a [NodeView]) -> Option<&'a NodeView> {
    voted_for(v).and_then(|id| views.get(id))
}

/// During an election, whom a node votes for (shown under it).
pub(super) fn voted_for(v: &NodeView) -> Option<usize> {
    let voting = matches!(v.role, Role::Looking | Role::Candidate | Role::Prospective | Role::Unattached);
    v.vote.filter(|_| voting && v.alive)
}

/// What the back layer marks beyond the nodes themselves.
#[derive(Clone, Copy)]
pub(super) struct Marks<'a> {
    /// Each node's partition side (0: none).
    pub cut: &'a [u8],
    /// The nodes a course step talks about: ringed, the others faded (empty: none).
    pub spotlight: &'a [usize],
}

/// How faint a node the course's step does not talk about is drawn.
const FADED: f64 = 0.28;
/// The ring around a node the course's step talks about.
const SPOT: &str = "#f59e0b";

/// A path around `width` × `height` with corners of radius `r`.
fn rounded_rect(pen: &mut Pen, width: f64, height: f64, r: f64) {
    use std::f64::consts::{FRAC_PI_2, PI};
    pen.begin_path();
    pen.move_to(r, 0.0);
    pen.arc(width - r, r, r, -FRAC_PI_2, 0.0);
    pen.arc(width - r, height - r, r, 0.0, FRAC_PI_2);
    pen.arc(r, height - r, r, FRAC_PI_2, PI);
    pen.arc(r, r, r, PI, PI + FRAC_PI_2);
}

/// The back layer.
pub(super) fn draw_back(pen: &mut Pen, views: &[NodeView], pos: &Positions, lang: Lang, text_scale: f64, marks: Marks) {
    let cut = marks.cut;
    let (width, height) = (pos.width, pos.height);
    // The back layer is opaque (stage.js), so the compositor draws nothing under it: it paints
    // the panel's colour in its corners and the stage, with rounded corners, over it. Rounding
    // the canvases with CSS instead costs the compositor a mask every frame the front changes.
    pen.set_fill_style(PANEL);
    pen.fill_rect(0.0, 0.0, width, height);
    pen.set_fill_style(BACKGROUND);
    rounded_rect(pen, width, height, CORNER);
    pen.fill();
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
                &mut roles_of(kind).map(|role| tr(lang, crate::i18n::role_key(role))),
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
        let faded = !marks.spotlight.is_empty() && !marks.spotlight.contains(&i);
        if faded {
            pen.set_global_alpha(FADED);
        }
        draw_node(pen, v, pos.at(i), r, lang, vote, text_scale, plan.places[i]);
        if faded {
            pen.set_global_alpha(1.0);
        }
    }
    if !marks.spotlight.is_empty() {
        pen.set_stroke_style(SPOT);
        pen.set_line_width(3.0);
        pen.set_line_dash(0.0, 0.0);
        for &i in marks.spotlight.iter().filter(|&&i| i < views.len()) {
            let (x, y) = pos.at(i);
            pen.begin_path();
            pen.arc(x, y, r + HALO + 2.0, 0.0, std::f64::consts::TAU);
            pen.stroke();
        }
    }
}

/// How far a node's countdown ring reaches beyond its radius (drawn at r + 7, 4 px wide).
pub(super) const HALO: f64 = 9.0;

/// How far below a node's edge the detail line sits, before the text scale.
pub(super) const DETAIL_DY: f64 = 39.0;
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
pub(super) enum Side {
    Below,
    Left,
    Right,
}

/// The lines under or beside a node: how many, how wide, how deep below the node's edge they
/// reach (drawn below), and their spacing (drawn beside).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Block {
    pub(super) lines: u8,
    pub(super) width: f64,
    pub(super) depth: f64,
    pub(super) line: f64,
    /// The role's font size, before the text scale.
    pub(super) role_px: f64,
}

pub(super) type Rect = (f64, f64, f64, f64);

fn meet(a: Rect, b: Rect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Places each group's lines so that none runs into a node (its countdown ring included),
/// another node's lines or the stage's edge.
pub(super) struct LabelPlan<'a> {
    pub(super) at: &'a [(f64, f64)],
    pub(super) r: f64,
    pub(super) stage: (f64, f64),
    /// The lines placed so far.
    pub(super) taken: Vec<Rect>,
    /// Per node: where its lines go and what they are, or `None` for no lines.
    pub(super) places: Vec<Option<(Side, Block)>>,
}

impl LabelPlan<'_> {
    pub(super) fn rect(&self, i: usize, side: Side, b: Block) -> Rect {
        let ((x, y), r) = (self.at[i], self.r);
        let tall = b.lines as f64 * b.line;
        match side {
            Side::Below => (x - b.width / 2.0 - 3.0, y + r + 2.0, x + b.width / 2.0 + 3.0, y + r + b.depth),
            Side::Left => (x - r - HALO - 3.0 - b.width, y - tall / 2.0, x - r - HALO, y + tall / 2.0),
            Side::Right => (x + r + HALO, y - tall / 2.0, x + r + HALO + 3.0 + b.width, y + tall / 2.0),
        }
    }

    pub(super) fn clear(&self, i: usize, rect: Rect) -> bool {
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
    pub(super) fn place(&mut self, group: &[usize], block: Block) -> bool {
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

/// Every role a node of this kind can show: its group of `Role::ALL` (declared kind by kind:
/// KRaft controllers' six, ZooKeeper servers' four, brokers' four), and Down.
pub(super) fn roles_of(kind: NodeKind) -> impl Iterator<Item = Role> {
    let group = match kind {
        NodeKind::Controller => 0..6,
        NodeKind::ZkServer => 6..10,
        NodeKind::Broker => 10..14,
    };
    Role::ALL[group].iter().copied().chain([Role::Down])
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
