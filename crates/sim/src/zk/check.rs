//! Invariants of ZooKeeper mode, evaluated after every event (DESIGN.md "Checked as it runs").
//!
//! - ZAB: at most one established leader per epoch; every server applies the same sequence of
//!   transactions (position n holds the same zxid and digest chain everywhere), so committed
//!   transactions are never lost or reordered, and zxids increase along that sequence.
//! - Sessions: a server's tree never holds an ephemeral of a closed session, and the leader
//!   expires a session only once it has not heard of it for the session timeout.
//! - Watches: clients report a watch that fired without being armed (twice) or a read that saw
//!   new data before its event (see `client.rs`).
//! - Kafka: one controller per controller epoch, epochs increase with the zxid of the election;
//!   a partition-state write commits only under the controller epoch `/controller_epoch` holds
//!   when it is applied (stale controllers are fenced); leader epochs increase; clean leaders
//!   come from the ISR (all three judged from what the ZooKeeper leader applied, not from what
//!   the controller believes);
//!   brokers never apply a request from an older controller epoch than one they applied.

use crate::sorted::SortedMap;

use crate::world::World;
use crate::NodeId;

use super::ids::{broker_name, server_name};
use super::msg::{PartState, Sid, Zxid};
use super::{Node, Note};

const MAX_VIOLATIONS: usize = 100;

#[derive(Clone, Debug, Default)]
pub struct Checker {
    pub violations: Vec<String>,
    unclean_allowed: bool,
    established: SortedMap<u64, Sid>,
    /// Position in the applied sequence → (zxid, digest chain).
    positions: SortedMap<u64, (Zxid, u64)>,
    last_seen: Vec<(u64, u64)>,
    notes_seen: u64,
    controllers: SortedMap<u32, u32>,
    controller_zxids: SortedMap<Zxid, u32>,
    /// Per topic, by partition: the last committed state and its zxid.
    partitions: SortedMap<String, Vec<(PartState, Zxid)>>,
    states_zxid: Zxid,
    broker_epochs: SortedMap<NodeId, u32>,
}

impl Checker {
    pub fn new(nodes: usize, unclean_allowed: bool) -> Checker {
        Checker { unclean_allowed, last_seen: vec![(u64::MAX, 0); nodes], ..Checker::default() }
    }

    /// Seed the partition mirror with the initial topic.
    pub fn seed_partitions(&mut self, topic: &str, states: &[PartState]) {
        self.partitions.insert(topic.to_string(), states.iter().map(|s| (*s, 0)).collect());
    }

    fn violation(&mut self, world: &World<Node>, text: String) {
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(format!(
                "seed {} event {} t={}: {text}",
                world.seed(),
                world.events_processed(),
                world.now()
            ));
        }
    }

    pub fn check(&mut self, world: &World<Node>) {
        self.check_servers(world);
        self.check_notes(world);
    }

    fn check_servers(&mut self, world: &World<Node>) {
        for (id, node) in world.nodes().iter().enumerate() {
            let Node::Server(s) = node else {
                if !world.is_alive(id) {
                    self.broker_epochs.remove(&id);
                }
                continue;
            };
            if let Some(epoch) = s.established_epoch() {
                let holder = *self.established.get_or_insert(epoch, s.sid);
                if holder != s.sid {
                    self.violation(
                        world,
                        format!(
                            "ZAB: two established leaders in epoch {epoch}: {} and {}",
                            server_name(holder),
                            server_name(s.sid)
                        ),
                    );
                }
            }
            // ZAB: zxids increase along every server's log.
            if let [.., a, b] = s.log.as_slice() {
                if a.zxid >= b.zxid {
                    let text = format!("ZAB: {} logged {:#x} after {:#x}", server_name(s.sid), b.zxid, a.zxid);
                    self.violation(world, text);
                }
            }
            let count = s.applied_count();
            let key = (count, s.digest);
            if self.last_seen.get(id) == Some(&key) {
                continue;
            }
            if let Some(slot) = self.last_seen.get_mut(id) {
                *slot = key;
            }
            let zxid = s.applied_zxid();
            match self.positions.get(&count) {
                Some(&(z, d)) if (z, d) != (zxid, s.digest) => {
                    self.violation(
                        world,
                        format!(
                            "ZAB: {} applied {count} transactions ending at zxid {zxid:#x}, another server ended that prefix at {z:#x} (digest differs: committed history diverged)",
                            server_name(s.sid)
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    let before = self.positions.range(..count).next_back().map(|(_, (z, _))| *z);
                    let after = self.positions.range(count + 1..).next().map(|(_, (z, _))| *z);
                    if before.is_some_and(|b| b >= zxid && count > 0) || after.is_some_and(|a| a <= zxid) {
                        self.violation(
                            world,
                            format!(
                                "ZAB: zxids do not increase along the applied sequence at position {count} ({zxid:#x})"
                            ),
                        );
                    }
                    self.positions.insert(count, (zxid, s.digest));
                }
            }
            for owner in s.tree.ephemerals.keys() {
                if !s.tree.sessions.contains_key(owner) {
                    let text =
                        format!("sessions: {} holds ephemerals of closed session {owner:#x}", server_name(s.sid));
                    self.violation(world, text);
                }
            }
        }
    }

    fn check_notes(&mut self, world: &World<Node>) {
        let total = world.notes_total();
        let new = total.saturating_sub(self.notes_seen);
        self.notes_seen = total;
        if new == 0 {
            return;
        }
        let notes: Vec<(NodeId, Note)> =
            world.notes().rev().take(new as usize).map(|n| (n.node, n.note.clone())).collect();
        for (node, note) in notes.into_iter().rev() {
            self.check_note(world, node, note);
        }
    }

    fn check_note(&mut self, world: &World<Node>, node: NodeId, note: Note) {
        match note {
            Note::Violation(text) => self.violation(world, format!("node {node}: {text}")),
            Note::SessionExpired { session, idle_ms, timeout_ms } if idle_ms < timeout_ms => {
                // Ephemerals disappear only after expiry: never before the session's timeout has
                // passed since the leader last heard of it.
                let text = format!("sessions: {session:#x} expired after {idle_ms} ms idle (timeout {timeout_ms} ms)");
                self.violation(world, text);
            }
            Note::ControllerElected { broker, epoch, zxid } => {
                if self.controllers.get(&epoch) == Some(&broker) {
                    // The same controller taking its epoch up again (after a lost reply, or
                    // from a lagging server): not a new election.
                    return;
                }
                let holder = *self.controllers.get_or_insert(epoch, broker);
                if holder != broker {
                    self.violation(
                        world,
                        format!(
                            "Kafka: two controllers in controller epoch {epoch}: {} and {}",
                            broker_name(holder),
                            broker_name(broker)
                        ),
                    );
                }
                if zxid != 0 {
                    let before = self.controller_zxids.range(..zxid).next_back().map(|(_, e)| *e);
                    if before.is_some_and(|e| e >= epoch) {
                        self.violation(
                            world,
                            format!("Kafka: controller epoch {epoch} elected after epoch {before:?}"),
                        );
                    }
                    self.controller_zxids.insert(zxid, epoch);
                }
            }
            Note::StatesApplied { zxid, epoch_in_force, topic, changes, created } => {
                if zxid <= self.states_zxid {
                    return;
                }
                self.states_zxid = zxid;
                if created {
                    self.partitions.insert(topic, changes.iter().map(|(_, s)| (s, zxid)).collect());
                    return;
                }
                let mut found = Vec::new();
                let mirror = self.partitions.get_or_insert(topic.clone(), Default::default());
                for (p, s) in changes.iter() {
                    // Fencing: a state write commits only under the controller epoch in force.
                    if u64::from(s.controller_epoch) != epoch_in_force {
                        found.push(format!(
                            "Kafka: {topic}-{p} written by controller epoch {} while /controller_epoch is {epoch_in_force}",
                            s.controller_epoch
                        ));
                    }
                    let Some(slot) = mirror.get_mut(p as usize) else { continue };
                    let old = slot.0;
                    if s.leader_epoch < old.leader_epoch
                        || (s.leader != old.leader && s.leader_epoch <= old.leader_epoch)
                    {
                        found.push(format!(
                            "Kafka: {topic}-{p} leader epoch went {} → {}",
                            old.leader_epoch, s.leader_epoch
                        ));
                    }
                    if s.leader > 0 && s.leader != old.leader && !self.unclean_allowed && !old.in_isr(s.leader as u32) {
                        found.push(format!(
                            "Kafka: {topic}-{p} got leader {} from outside its ISR",
                            broker_name(s.leader as u32)
                        ));
                    }
                    *slot = (s, zxid);
                }
                for text in found {
                    self.violation(world, text);
                }
            }
            Note::LeaderAndIsrApplied { controller_epoch, .. } => {
                let max = self.broker_epochs.get_or_insert(node, 0);
                if controller_epoch < *max {
                    let known = *max;
                    self.violation(
                        world,
                        format!("Kafka: node {node} applied LeaderAndIsr of controller epoch {controller_epoch} after epoch {known}"),
                    );
                } else {
                    *max = controller_epoch;
                }
            }
            _ => {}
        }
    }
}
