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

/// `FNV_PRIME^k` for k = 0..=8: hashing a zero byte is `(s ^ 0) * P = s * P`, so a run of k zero
/// bytes multiplies the state by `P^k` in one step. Integers in records are mostly small, so
/// their high bytes are zero: skipping them gives the same value several times faster (a
/// FetchResponse carrying two million PartitionRecords is hashed on each of its deliveries).
const FNV_PRIME_POW: [u64; 9] = {
    let mut pow = [1u64; 9];
    let mut k = 1;
    while k < 9 {
        pow[k] = pow[k - 1].wrapping_mul(FNV_PRIME);
        k += 1;
    }
    pow
};

impl TraceHasher {
    #[inline(always)]
    fn byte(&mut self, b: u8) {
        self.state ^= u64::from(b);
        self.state = self.state.wrapping_mul(FNV_PRIME);
    }

    /// The FNV-1a of the `width` low bytes of `n`, little-endian, exactly as `write` would
    /// hash them, with the zero high bytes folded into one multiplication.
    #[inline(always)]
    fn int(&mut self, n: u64, width: u32) {
        let used = (64 - n.leading_zeros()).div_ceil(8).min(width);
        for i in 0..used {
            self.byte((n >> (8 * i)) as u8);
        }
        self.state = self.state.wrapping_mul(FNV_PRIME_POW[(width - used) as usize]);
    }
}

impl Hasher for TraceHasher {
    fn finish(&self) -> u64 {
        self.state
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.byte(*b);
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.byte(n);
    }
    fn write_u16(&mut self, n: u16) {
        self.int(u64::from(n), 2);
    }
    fn write_u32(&mut self, n: u32) {
        self.int(u64::from(n), 4);
    }
    fn write_u64(&mut self, n: u64) {
        self.int(n, 8);
    }
    fn write_u128(&mut self, n: u128) {
        self.int(n as u64, 8);
        self.int((n >> 64) as u64, 8);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_i8(&mut self, n: i8) {
        self.byte(n as u8);
    }
    fn write_i16(&mut self, n: i16) {
        self.write_u16(n as u16);
    }
    fn write_i32(&mut self, n: i32) {
        self.write_u32(n as u32);
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
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

    /// The byte-at-a-time FNV-1a the integer writes must equal.
    fn bytewise(bytes: &[u8]) -> u64 {
        let mut h = TraceHasher::default();
        h.write(bytes);
        h.value()
    }

    #[test]
    fn integers_hash_as_their_little_endian_bytes() {
        let values = [0u64, 1, 0xff, 0x100, 0xffff, 0x1_0000, 0xdead_beef, u64::MAX, 1 << 63, 0x0100_0000_0000_0001];
        for v in values {
            let mut h = TraceHasher::default();
            h.write_u64(v);
            assert_eq!(h.value(), bytewise(&v.to_le_bytes()), "u64 {v:#x}");
            let mut h = TraceHasher::default();
            h.write_u32(v as u32);
            assert_eq!(h.value(), bytewise(&(v as u32).to_le_bytes()), "u32 {v:#x}");
            let mut h = TraceHasher::default();
            h.write_u16(v as u16);
            assert_eq!(h.value(), bytewise(&(v as u16).to_le_bytes()), "u16 {v:#x}");
            let mut h = TraceHasher::default();
            h.write_i64(v as i64);
            assert_eq!(h.value(), bytewise(&v.to_le_bytes()), "i64 {v:#x}");
            let mut h = TraceHasher::default();
            h.write_u128(u128::from(v) << 40 | 7);
            assert_eq!(h.value(), bytewise(&(u128::from(v) << 40 | 7).to_le_bytes()), "u128 {v:#x}");
        }
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
