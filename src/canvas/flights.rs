//! The stage's front layer, recorded into a scene: messages in flight (with the vote an election
//! message carries as its label) and each node's countdown ring.

use quorumlab_sim::cluster::{FlightView, NodeView};
use quorumlab_sim::world::VoteInfo;
use quorumlab_sim::MsgClass;

use super::colours::{class_colour, faded_class_colour};
use super::scene::Scene;
use super::stage::Positions;
use crate::session::lab::Lab;

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
/// While a course step highlights something, the messages it is not about are drawn faded,
/// first, so the ones it is about lie on top (see [`lit`]).
pub(super) fn record_flights(scene: &mut Scene, lab: &Lab, pos: &Positions, r: f64) {
    let all = || lab.flights.iter().chain(&lab.landed);
    let picks = label_picks(all().filter(|f| lit(lab, f)));
    for faded in [true, false] {
        for class in MsgClass::ALL {
            let colour = if faded { faded_class_colour(class) } else { class_colour(class) };
            for f in all().filter(|f| f.class == class && lit(lab, f) != faded) {
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
                scene.flight(from, to, times, colour, f.is_response);
                if picks.iter().any(|g| std::ptr::eq(*g, f)) {
                    scene.label(&flight_label(f));
                }
            }
        }
    }
}

/// Whether a message is drawn at full strength: always, unless a course step highlights
/// something; then the classes it names, or, if it names none, the messages to and from the
/// nodes it highlights.
pub(super) fn lit(lab: &Lab, f: &FlightView) -> bool {
    if !lab.spot_msgs.is_empty() {
        return lab.spot_msgs.contains(&f.class);
    }
    lab.spotlight.is_empty() || lab.spotlight.contains(&f.from) || lab.spotlight.contains(&f.to)
}

/// The messages that get a label: per sender, its newest election request. A server sends the
/// same vote to every peer (FLE notifications, pre-votes, votes), so one label tells them all,
/// and the start of an election, when every server broadcasts, still shows every vote.
pub(super) fn label_picks<'a>(flights: impl Iterator<Item = &'a FlightView>) -> Vec<&'a FlightView> {
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
pub(super) fn record_timers(scene: &mut Scene, views: &[NodeView], pos: &Positions, r: f64) {
    for (i, v) in views.iter().enumerate() {
        if let Some((set_at, fires_at)) = v.timer {
            scene.ring(pos.at(i), r + 7.0, set_at.as_us() as f64, fires_at.as_us() as f64);
        }
    }
}
