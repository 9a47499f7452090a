//! FNV-1a 64 as a `Hasher` whose output does not depend on the target: `usize`/`isize` (used by
//! `#[derive(Hash)]` for enum discriminants and slice lengths) are widened to 64 bits and all
//! integers are written little-endian, so wasm32 and x86_64 give the same trace hash.

use std::hash::{Hash, Hasher};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceHasher {
    state: u64,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher { state: FNV_OFFSET }
    }
}

impl TraceHasher {
    pub fn add<T: Hash + ?Sized>(&mut self, value: &T) {
        value.hash(self);
    }
    pub fn value(&self) -> u64 {
        self.state
    }
}

impl Hasher for TraceHasher {
    fn finish(&self) -> u64 {
        self.state
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.state ^= u64::from(*b);
            self.state = self.state.wrapping_mul(FNV_PRIME);
        }
    }
    fn write_u16(&mut self, n: u16) {
        self.write(&n.to_le_bytes());
    }
    fn write_u32(&mut self, n: u32) {
        self.write(&n.to_le_bytes());
    }
    fn write_u64(&mut self, n: u64) {
        self.write(&n.to_le_bytes());
    }
    fn write_u128(&mut self, n: u128) {
        self.write(&n.to_le_bytes());
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_i16(&mut self, n: i16) {
        self.write(&n.to_le_bytes());
    }
    fn write_i32(&mut self, n: i32) {
        self.write(&n.to_le_bytes());
    }
    fn write_i64(&mut self, n: i64) {
        self.write(&n.to_le_bytes());
    }
    fn write_isize(&mut self, n: isize) {
        self.write_i64(n as i64);
    }
}

/// Feed `h` with the `Debug` text of `value`: a hash of a whole state for the types that
/// derive `Debug` but not `Hash` (the explorer's state hash). The text reaches `h` in one
/// piece, not in the many short ones `Debug` writes.
pub fn hash_debug(value: &impl std::fmt::Debug, h: &mut impl Hasher) {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(4096);
    // Writing to a String cannot fail.
    let _ = write!(text, "{value:?}");
    h.write(text.as_bytes());
}

/// The trace hash as people see it: 16 lowercase hex digits.
pub fn hex(hash: u64) -> String {
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_known_vector() {
        // FNV-1a 64 of "a" is af63dc4c8601ec8c (reference test vector).
        let mut h = TraceHasher::default();
        h.write(b"a");
        assert_eq!(h.value(), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn usize_is_hashed_as_u64() {
        let mut a = TraceHasher::default();
        a.write_usize(5);
        let mut b = TraceHasher::default();
        b.write_u64(5);
        assert_eq!(a.value(), b.value());
    }
}
