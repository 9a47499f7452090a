//! The states seen so far: state hash → the fewest deliveries it was reached after. An open
//! addressing table of plain `u64`s (12 bytes a state), never iterated, so its order cannot
//! leak into a run; the engine's crates ban `HashMap` for the iteration order it would bring.

/// The state hash's hasher: eight bytes a step (the trace hash's FNV takes one at a time, and
/// the state hash feeds whole `Debug` texts), finished with MurmurHash3's avalanche. Native
/// only and never shown, so unlike the trace hash it need not agree across targets.
#[derive(Default)]
pub(crate) struct StateHasher {
    state: u64,
}

impl StateHasher {
    fn mix(&mut self, word: u64) {
        self.state = (self.state.rotate_left(26) ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

impl std::hash::Hasher for StateHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.mix(u64::from_le_bytes(word.try_into().unwrap_or_default()));
        }
        let mut last = [0u8; 8];
        let rest = words.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.mix(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 59));
    }

    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    fn finish(&self) -> u64 {
        let mut h = self.state;
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^= h >> 33;
        h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        h ^ (h >> 33)
    }
}

pub(crate) struct Visited {
    /// (hash, depth); hash 0 marks an empty slot (a state hashing to 0 is stored as 1).
    slots: Vec<(u64, u32)>,
    len: usize,
}

impl Default for Visited {
    fn default() -> Self {
        Visited { slots: vec![(0, 0); 1 << 16], len: 0 }
    }
}

/// What [`Visited::visit`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Visit {
    /// Never seen: go on.
    New,
    /// Seen, but only after more deliveries: go on, more budget is left this time.
    Shallower,
    /// Seen after as few deliveries or fewer: everything from here was explored already.
    Seen,
}

impl Visited {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Record reaching the state `hash` after `depth` deliveries.
    pub(crate) fn visit(&mut self, hash: u64, depth: u32) -> Visit {
        let hash = hash.max(1);
        let slot = self.find(hash);
        match &mut self.slots[slot] {
            (0, _) => {
                self.slots[slot] = (hash, depth);
                self.len += 1;
                if self.len * 2 > self.slots.len() {
                    self.grow();
                }
                Visit::New
            }
            (_, seen) if *seen <= depth => Visit::Seen,
            (_, seen) => {
                *seen = depth;
                Visit::Shallower
            }
        }
    }

    /// The slot holding `hash`, or the empty one where it belongs (linear probing).
    fn find(&self, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        while self.slots[slot].0 != 0 && self.slots[slot].0 != hash {
            slot = (slot + 1) & mask;
        }
        slot
    }

    fn grow(&mut self) {
        let bigger = vec![(0, 0); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        for (hash, depth) in old.into_iter().filter(|(hash, _)| *hash != 0) {
            let slot = self.find(hash);
            self.slots[slot] = (hash, depth);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_seen_again_only_with_no_more_budget() {
        let mut v = Visited::default();
        assert_eq!(v.visit(7, 5), Visit::New);
        assert_eq!(v.visit(7, 5), Visit::Seen);
        assert_eq!(v.visit(7, 6), Visit::Seen);
        assert_eq!(v.visit(7, 3), Visit::Shallower);
        assert_eq!(v.visit(7, 4), Visit::Seen);
        assert_eq!(v.visit(0, 1), Visit::New);
        for h in 0..200_000u64 {
            v.visit(h.wrapping_mul(0x1234_5678_9ABC_DEF1), 0);
        }
        assert!(v.len() > 199_000);
        assert_eq!(v.visit(7, 3), Visit::Seen);
    }
}
