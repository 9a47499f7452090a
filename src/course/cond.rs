//! What a step waits for, read from a cluster's lab (the nodes as the page draws them, its
//! figures, what the engine narrated), so the page and the native tests decide "done" the same
//! way.

use quorumlab_sim::cluster::{NodeKind, NodeView, Role};
use quorumlab_sim::Time;

use crate::session::lab::Lab;

/// A node a step names: by name (`zk3`, `b1`, `c2`), or whoever led or was the controller
/// when the step opened (`@leader`, `@controller`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Named(String),
    Leader,
    Controller,
}

impl Target {
    pub fn parse(text: &str) -> Result<Target, String> {
        match text {
            "@leader" => Ok(Target::Leader),
            "@controller" => Ok(Target::Controller),
            name => {
                let number = name.trim_start_matches(|c: char| c.is_ascii_lowercase());
                let prefix = &name[..name.len() - number.len()];
                let numbered = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit());
                if numbered && matches!(prefix, "zk" | "b" | "c") {
                    Ok(Target::Named(name.to_string()))
                } else {
                    Err(format!("`{name}` is not a node (zk1, b2, c3, @leader, @controller)"))
                }
            }
        }
    }

    /// The node's id in these views, if it has one.
    pub fn resolve(&self, views: &[NodeView], entry: &Entry) -> Option<usize> {
        let name = match self {
            Target::Named(name) => Some(name.as_str()),
            Target::Leader => entry.leader.as_deref(),
            Target::Controller => entry.controller.as_deref(),
        }?;
        views.iter().position(|v| v.name() == name)
    }
}

/// Who led and who was the controller when a step opened, for `@leader` and `@controller`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub leader: Option<String>,
    pub controller: Option<String>,
    /// The moment the step opened.
    pub at: Time,
    /// How many notes the engine had narrated then.
    pub notes: u64,
    /// How many metadata changes had been measured then.
    pub metadata_changes: usize,
}

impl Entry {
    pub fn of(lab: &Lab) -> Entry {
        Entry {
            leader: leader(&lab.views).map(|v| v.name()),
            controller: controller(&lab.views).map(|v| v.name()),
            at: lab.cluster.now(),
            notes: lab.cluster.notes_total(),
            metadata_changes: lab.cluster.metadata_latencies_ms().len(),
        }
    }
}

/// The quorum's leader: ZooKeeper's leading server, KRaft's leader.
pub fn leader(views: &[NodeView]) -> Option<&NodeView> {
    views.iter().find(|v| v.alive && matches!(v.role, Role::Leader | Role::Leading))
}

/// The active Kafka controller: the broker that holds `/controller`, or KRaft's leader.
pub fn controller(views: &[NodeView]) -> Option<&NodeView> {
    views.iter().find(|v| v.alive && v.is_controller)
}

/// A condition on one cluster's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    /// The quorum has a leader (that one, if named).
    Leader(Option<Target>),
    NoLeader,
    /// An active controller (that one, if named).
    Controller(Option<Target>),
    NoController,
    Down(Target),
    Up(Target),
    /// The node shows this role (its slug: `fenced`, `active`, `following`, ...).
    Role(Target, Role),
    /// Every live broker serves (registered, unfenced).
    Registered,
    /// A metadata change has reached every live broker since the step opened (the page's
    /// "metadata latency" figure).
    Metadata,
    /// This long after the step opened.
    After(Time),
    /// The engine narrated this (a narration key, `zk.session_expired`) since the step opened.
    Said(String),
}

impl Cond {
    pub fn parse(text: &str) -> Result<Cond, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let target = |i: usize| words.get(i).map(|w| Target::parse(w)).transpose();
        let one = |i: usize| target(i)?.ok_or_else(|| format!("`{text}`: a node is missing"));
        let cond = match words.first().copied() {
            Some("leader") => Cond::Leader(target(1)?),
            Some("no-leader") => Cond::NoLeader,
            Some("controller") => Cond::Controller(target(1)?),
            Some("no-controller") => Cond::NoController,
            Some("down") => Cond::Down(one(1)?),
            Some("up") => Cond::Up(one(1)?),
            Some("role") => {
                let slug = words.get(2).ok_or_else(|| format!("`{text}`: a role is missing"))?;
                let role = Role::ALL
                    .into_iter()
                    .find(|r| r.slug() == *slug)
                    .ok_or_else(|| format!("`{slug}`: no such role"))?;
                Cond::Role(one(1)?, role)
            }
            Some("registered") => Cond::Registered,
            Some("metadata") => Cond::Metadata,
            Some("after") => {
                let t = words.get(1).ok_or("`after` needs a time")?;
                Cond::After(quorumlab_sim::scenario::parse_time(t).map_err(|e| e.to_string())?)
            }
            Some("said") => {
                let key = words.get(1).ok_or("`said` needs a narration key")?;
                let ok = key.contains('.') && key.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
                if !ok {
                    return Err(format!("`{key}` is not a narration key"));
                }
                Cond::Said(key.to_string())
            }
            _ => return Err(format!("`{text}`: unknown condition")),
        };
        let most = match cond {
            Cond::Leader(_) | Cond::Controller(_) | Cond::Down(_) | Cond::Up(_) | Cond::After(_) | Cond::Said(_) => 2,
            Cond::Role(..) => 3,
            _ => 1,
        };
        if words.len() > most {
            return Err(format!("`{text}`: too many words"));
        }
        Ok(cond)
    }

    /// Whether it holds on this cluster, for a step opened at `entry`.
    pub fn holds(&self, lab: &Lab, entry: &Entry) -> bool {
        let views = &lab.views;
        let is = |t: &Target, f: &dyn Fn(&NodeView) -> bool| t.resolve(views, entry).is_some_and(|i| f(&views[i]));
        match self {
            Cond::Leader(None) => leader(views).is_some(),
            Cond::Leader(Some(t)) => is(t, &|v| leader(views).is_some_and(|l| l.id == v.id)),
            Cond::NoLeader => leader(views).is_none(),
            Cond::Controller(None) => controller(views).is_some(),
            Cond::Controller(Some(t)) => is(t, &|v| controller(views).is_some_and(|c| c.id == v.id)),
            Cond::NoController => controller(views).is_none(),
            Cond::Down(t) => is(t, &|v| !v.alive),
            Cond::Up(t) => is(t, &|v| v.alive),
            Cond::Role(t, role) => is(t, &|v| v.role == *role),
            Cond::Registered => {
                views.iter().filter(|v| v.kind == NodeKind::Broker && v.alive).all(|v| matches!(v.role, Role::Active))
            }
            // A new figure: the latency of a change made after the step opened.
            Cond::Metadata => lab.cluster.metadata_latencies_ms().len() > entry.metadata_changes,
            Cond::After(d) => lab.cluster.now().as_us() >= entry.at.as_us() + d.as_us(),
            Cond::Said(key) => {
                let mut notes = Vec::new();
                lab.cluster.notes(entry.notes, &mut notes);
                notes.iter().any(|n| n.key == key)
            }
        }
    }
}
