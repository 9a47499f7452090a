//! The stage's colours: each role's, each message class's, and the legends that name them.

use quorumlab_sim::cluster::Role;
use quorumlab_sim::MsgClass;

pub(super) const BACKGROUND: &str = "#f8fafc";
/// The colour of the panel around the stage (`--panel` in styles/main.css): the back layer's
/// corners, outside its rounded edge.
pub(super) const PANEL: &str = "#ffffff";
/// The stage's rounded corners' radius (CSS pixels), drawn by the back layer itself.
pub(super) const CORNER: f64 = 8.0;
pub(super) const LINK: &str = "#e2e8f0";
pub(super) const TEXT: &str = "#0f172a";
pub(super) const TEXT_ON_DARK: &str = "#ffffff";
/// Where two nodes cannot reach each other: the link is drawn dashed red, crossed out midway.
pub(super) const CUT: &str = "#dc2626";

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

/// Each message class's colour, and the same colour faded (for the messages a course step is
/// not about): one table, so the two cannot drift apart.
macro_rules! class_colours {
    ($($class:ident => $hex:literal,)*) => {
        pub fn class_colour(class: MsgClass) -> &'static str {
            match class {
                $(MsgClass::$class => $hex,)*
            }
        }

        /// [`class_colour`] at a quarter of its opacity (`#rrggbb40`).
        pub fn faded_class_colour(class: MsgClass) -> &'static str {
            match class {
                $(MsgClass::$class => concat!($hex, "40"),)*
            }
        }
    };
}

class_colours! {
    PreVote => "#c084fc",
    Vote => "#9333ea",
    BeginEpoch => "#d97706",
    EndEpoch => "#ea580c",
    Fetch => "#60a5fa",
    FetchData => "#16a34a",
    Heartbeat => "#0d9488",
    Notification => "#db2777",
    Proposal => "#ca8a04",
    Ack => "#65a30d",
    Commit => "#059669",
    Sync => "#0284c7",
    Ping => "#94a3b8",
    Watch => "#dc2626",
    ControlRequest => "#e11d48",
    Client => "#475569",
    Other => "#9ca3af",
}

/// The class the legend names `msg.<name>` (`vote`, `watch`, `control`, ...): how the course's
/// files name the messages a step is about.
pub fn class_named(name: &str) -> Option<MsgClass> {
    LEGEND.iter().find(|(_, key)| key.strip_prefix("msg.") == Some(name)).map(|(class, _)| *class)
}

/// The name [`class_named`] reads (`other` for a class the legend does not show).
pub fn class_name(class: MsgClass) -> &'static str {
    LEGEND.iter().find(|(c, _)| *c == class).and_then(|(_, key)| key.strip_prefix("msg.")).unwrap_or("other")
}

/// Every legend entry, (class, i18n key): KRaft mode's first, then ZooKeeper mode's.
const LEGEND: [(MsgClass, &str); 16] = [
    (MsgClass::PreVote, "msg.prevote"),
    (MsgClass::Vote, "msg.vote"),
    (MsgClass::BeginEpoch, "msg.begin"),
    (MsgClass::EndEpoch, "msg.end"),
    (MsgClass::Fetch, "msg.fetch"),
    (MsgClass::FetchData, "msg.fetchdata"),
    (MsgClass::Heartbeat, "msg.heartbeat"),
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

/// The legend's entries for KRaft mode.
pub const KRAFT_LEGEND: &[(MsgClass, &str)] = LEGEND.split_at(7).0;

/// The legend's entries for ZooKeeper mode.
pub const ZK_LEGEND: &[(MsgClass, &str)] = LEGEND.split_at(7).1;
