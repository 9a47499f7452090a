//! The state hash the explorer (`crate::explore`) prunes by: everything that decides a world's
//! future once a [`Chooser`](super::Chooser) drives it, and nothing of how it got there.

use std::fmt::Debug;
use std::hash::{Hash, Hasher};

use super::{Event, Node, World};
use crate::hash::hash_debug;
use crate::NodeId;

fn one<H: Hasher + Default>(value: &impl Hash) -> u64 {
    let mut h = H::default();
    value.hash(&mut h);
    h.finish()
}

impl<N: Node + Debug> World<N> {
    /// The hash of process `id`'s whole state, read from its `Debug` text (so no protocol
    /// struct needs a `Hash` of its own). It changes only when [`World::changes`] does.
    pub fn node_hash<H: Hasher + Default>(&self, id: NodeId) -> u64 {
        let mut h = H::default();
        hash_debug(&self.nodes[id], &mut h);
        h.finish()
    }

    /// Feed `h` with the state of this world: the clock; each process (whether it is up, its
    /// incarnation, its state as `node_hashes[id]`, which [`World::node_hash`] gives); its
    /// timers; the messages in flight, refusals and actions still to come, as a set (the order
    /// of simultaneous events is the chooser's, so sequence numbers are left out); the
    /// network's partitions, loss and FIFO backlog. Left out too: the trace hash, notes and
    /// counters, and the network's link latencies and PRNG, which a chooser replaces. Two
    /// worlds with the same hash (collisions aside) do the same under the same choices.
    pub fn state_hash<H: Hasher + Default>(&self, h: &mut H, node_hashes: &[u64]) {
        self.now.hash(h);
        for (id, node_hash) in node_hashes.iter().enumerate().take(self.nodes.len()) {
            (self.alive[id], self.incarnation[id], node_hash).hash(h);
            self.timers[id].len().hash(h);
            for (timer, (_, at)) in self.timers[id].iter() {
                (timer, at).hash(h);
            }
        }
        let mut pending: Vec<u64> = self
            .in_flight
            .values()
            .map(|m| one::<H>(&(1u8, m.deliver_at, m.from, m.to, m.to_incarnation, &m.msg)))
            .collect();
        for entry in self.queue.iter().filter(|e| self.is_live(e)) {
            match &entry.event {
                Event::Refused { sender, sender_incarnation, to, msg } => {
                    pending.push(one::<H>(&(2u8, entry.at, sender, sender_incarnation, to, msg)));
                }
                Event::Action(action) => pending.push(one::<H>(&(3u8, entry.at, action))),
                Event::Deliver(_) | Event::Timer { .. } => {}
            }
        }
        pending.sort_unstable();
        pending.hash(h);
        self.net.fingerprint(self.now, h);
    }
}
