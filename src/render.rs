//! The canvas picture, a pure function of (snapshot, now): in-flight messages are placed by
//! interpolating between `sent_at` and `deliver_at`, so pause and speed changes come free.

use quorumlab_sim::cluster::{FlightView, NodeKind, NodeView, Role};
use quorumlab_sim::world::VoteInfo;
use quorumlab_sim::{MsgClass, Time};
use web_sys::CanvasRenderingContext2d;

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

/// Scratch space kept between frames.
#[derive(Default)]
pub struct Scratch {
    positions: Vec<(f64, f64)>,
}

pub fn draw(ctx: &CanvasRenderingContext2d, lab: &Lab, scratch: &mut Scratch, width: f64, height: f64, lang: Lang) {
    ctx.set_fill_style_str(BACKGROUND);
    ctx.fill_rect(0.0, 0.0, width, height);
    layout::positions(&lab.views, &mut scratch.positions);
    let pos = |i: usize| scratch.positions.get(i).map_or((0.0, 0.0), |(x, y)| (x * width, y * height));
    let r = layout::node_radius(width, height, lab.views.len());
    let now = lab.cluster.now();

    // Links between quorum members (brokers only show their traffic).
    ctx.set_stroke_style_str(LINK);
    ctx.set_line_width(1.5);
    ctx.begin_path();
    let quorum = lab.views.iter().take_while(|v| v.kind != NodeKind::Broker).count();
    for i in 0..quorum {
        for j in (i + 1)..quorum {
            let (a, b) = (pos(i), pos(j));
            ctx.move_to(a.0, a.1);
            ctx.line_to(b.0, b.1);
        }
    }
    ctx.stroke();

    draw_flights(ctx, lab, &pos, r, now);
    for (i, v) in lab.views.iter().enumerate() {
        // During an election, show whom each node votes for.
        let voting = matches!(v.role, Role::Looking | Role::Candidate | Role::Prospective | Role::Unattached);
        let vote = v.vote.filter(|_| voting && v.alive).and_then(|id| lab.views.get(id));
        draw_node(ctx, v, pos(i), r, now, lang, vote);
    }
    draw_clock(ctx, now, width);
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

fn draw_flights(ctx: &CanvasRenderingContext2d, lab: &Lab, pos: &dyn Fn(usize) -> (f64, f64), r: f64, now: Time) {
    let dot = (r * 0.22).clamp(4.0, 8.0);
    let show_labels = lab.flights.iter().filter(|f| labelled(f)).count() <= MAX_LABELS;
    for f in &lab.flights {
        let span = f.deliver_at.since(f.sent_at).max(1) as f64;
        let p = (now.since(f.sent_at) as f64 / span).clamp(0.0, 1.0);
        let (a, b) = (pos(f.from), pos(f.to));
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        // Start and end at the node rims, not the centres.
        let (ux, uy) = (dx / len, dy / len);
        let (sx, sy) = (a.0 + ux * r, a.1 + uy * r);
        let travel = (len - 2.0 * r).max(0.0);
        // Requests and responses on the same link travel side by side.
        let side = if f.is_response { -4.0 } else { 4.0 };
        let x = sx + ux * travel * p - uy * side;
        let y = sy + uy * travel * p + ux * side;
        let colour = class_colour(f.class);
        // The wire lights up while a message is on it: short LAN hops still leave a trace.
        ctx.set_global_alpha(0.35);
        ctx.set_stroke_style_str(colour);
        ctx.set_line_width(2.0);
        ctx.begin_path();
        ctx.move_to(sx - uy * side, sy + ux * side);
        ctx.line_to(x, y);
        ctx.stroke();
        ctx.set_global_alpha(1.0);
        ctx.begin_path();
        let _ = ctx.arc(x, y, dot, 0.0, std::f64::consts::TAU);
        if f.is_response {
            ctx.set_fill_style_str(BACKGROUND);
            ctx.fill();
            ctx.set_stroke_style_str(colour);
            ctx.set_line_width(2.5);
            ctx.stroke();
        } else {
            ctx.set_fill_style_str(colour);
            ctx.fill();
        }
        if show_labels && labelled(f) {
            ctx.set_fill_style_str(colour);
            ctx.set_font("600 11px system-ui, sans-serif");
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
            let _ = ctx.fill_text(&text, x + dot + 3.0, y - dot - 2.0);
        }
    }
}

fn draw_node(
    ctx: &CanvasRenderingContext2d,
    v: &NodeView,
    (x, y): (f64, f64),
    r: f64,
    now: Time,
    lang: Lang,
    vote: Option<&NodeView>,
) {
    use std::f64::consts::{FRAC_PI_2, TAU};
    // Countdown ring: how much of the election / fetch timeout is left.
    if let Some((set_at, fires_at)) = v.timer {
        let total = fires_at.since(set_at).max(1) as f64;
        let left = (fires_at.since(now) as f64 / total).clamp(0.0, 1.0);
        ctx.set_stroke_style_str("#cbd5e1");
        ctx.set_line_width(4.0);
        ctx.begin_path();
        let _ = ctx.arc(x, y, r + 7.0, 0.0, TAU);
        ctx.stroke();
        ctx.set_stroke_style_str(if left < 0.25 { "#dc2626" } else { "#475569" });
        ctx.begin_path();
        let _ = ctx.arc(x, y, r + 7.0, -FRAC_PI_2, -FRAC_PI_2 + TAU * left);
        ctx.stroke();
    }
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
    ctx.set_font(&format!("700 {}px system-ui, sans-serif", (r * 0.5).round() as u32));
    let _ = ctx.fill_text(&v.name(), x, y - r * 0.12);
    ctx.set_font(&format!("500 {}px system-ui, sans-serif", (r * 0.3).round().max(10.0) as u32));
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
    ctx.set_fill_style_str(TEXT);
    let small = r < 24.0;
    ctx.set_font(if small { "600 10px system-ui, sans-serif" } else { "600 13px system-ui, sans-serif" });
    let _ = ctx.fill_text(tr(lang, crate::i18n::role_key(v.role)), x, y + r + if small { 13.0 } else { 22.0 });
    if small {
        ctx.set_text_align("start");
        ctx.set_text_baseline("alphabetic");
        return;
    }
    ctx.set_font("12px ui-monospace, monospace");
    let detail = match (v.kind, v.last_zxid) {
        _ if vote.is_some() => format!("{} → {}", tr(lang, "label.votes"), vote.map(|w| w.name()).unwrap_or_default()),
        (NodeKind::Controller, _) => format!("LEO {} · HW {}", v.log_end, v.committed),
        // zxid = epoch << 32 | counter: show the two halves.
        (NodeKind::ZkServer, Some(zxid)) => format!("zxid {}:{}", zxid >> 32, zxid & 0xffff_ffff),
        (NodeKind::ZkServer, None) => String::new(),
        (NodeKind::Broker, _) if v.is_controller => format!("{} · e{}", tr(lang, "label.controller"), v.epoch),
        (NodeKind::Broker, _) => format!("e{}", v.epoch),
    };
    let _ = ctx.fill_text(&detail, x, y + r + 39.0);
    ctx.set_text_align("start");
    ctx.set_text_baseline("alphabetic");
}

fn draw_clock(ctx: &CanvasRenderingContext2d, now: Time, width: f64) {
    let ms = now.as_ms();
    ctx.set_fill_style_str(TEXT);
    ctx.set_font("600 16px ui-monospace, monospace");
    ctx.set_text_align("right");
    let _ = ctx.fill_text(&format!("t = {}.{:03} s", ms / 1_000, ms % 1_000), width - 12.0, 24.0);
    ctx.set_text_align("start");
}
