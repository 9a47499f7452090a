//! Metadata-change latency in KRaft mode: from the active controller's append of a change to
//! the moment every live broker has applied it (`zk/latency.rs` measures ZooKeeper mode the same
//! way, so the two compare). It only reads state after each event, so it cannot change a run.

use super::Node;
use super::Note;
use crate::time::Time;
use crate::world::World;

/// Metadata-change latency: from the active controller's append to the moment every live
/// broker has applied the change (KIP-631 metric of this lesson).
#[derive(Clone, Debug, Default)]
pub(super) struct Latency {
    notes_seen: u64,
    /// Changes not yet applied everywhere: (appended at, end offset, epoch).
    pending: Vec<(Time, u64, u64)>,
    pub(super) done_ms: Vec<u64>,
}

/// At most this many changes wait to be measured (a broker cut off forever must not make the
/// list grow without bound).
const LATENCY_PENDING_MAX: usize = 64;

impl Latency {
    pub(super) fn observe(&mut self, world: &World<Node>, controllers: usize) {
        let total = world.notes_total();
        if total != self.notes_seen {
            let new = (total - self.notes_seen).min(world.notes().count() as u64) as usize;
            self.notes_seen = total;
            for n in world.notes().rev().take(new) {
                if let Note::MetadataChange { epoch, end_offset, .. } = &n.note {
                    if self.pending.len() < LATENCY_PENDING_MAX {
                        self.pending.push((n.at, *end_offset, *epoch));
                    }
                }
            }
        }
        if self.pending.is_empty() {
            return;
        }
        let now = world.now();
        let nodes = world.nodes();
        let done_ms = &mut self.done_ms;
        self.pending.retain(|&(at, end, epoch)| {
            let mut any_live = false;
            for (id, node) in nodes.iter().enumerate().skip(controllers) {
                let Node::Broker(b) = node else { continue };
                if !world.is_alive(id) {
                    continue;
                }
                any_live = true;
                if b.image.applied < end {
                    return true;
                }
                // Applied past it: was it this change, or did another leader's records win?
                if b.log.get(end - 1).is_none_or(|e| e.epoch != epoch) {
                    return false;
                }
            }
            if any_live {
                done_ms.push(now.since(at) / 1_000);
            }
            false
        });
    }
}
