//! Virtual time in microseconds. Nothing in the engine reads a wall clock.

use std::fmt;

/// A point in virtual time, in microseconds since the start of the simulation.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Time(pub u64);

impl Time {
    pub const ZERO: Time = Time(0);
    pub const MAX: Time = Time(u64::MAX);

    pub const fn from_ms(ms: u64) -> Time {
        Time(ms * 1_000)
    }
    pub const fn from_secs(s: u64) -> Time {
        Time(s * 1_000_000)
    }
    pub const fn as_us(self) -> u64 {
        self.0
    }
    pub const fn as_ms(self) -> u64 {
        self.0 / 1_000
    }
    pub const fn plus_us(self, us: u64) -> Time {
        Time(self.0.saturating_add(us))
    }
    pub const fn plus_ms(self, ms: u64) -> Time {
        Time(self.0.saturating_add(ms.saturating_mul(1_000)))
    }
    /// Microseconds from `earlier` to `self`, zero if `earlier` is later.
    pub const fn since(self, earlier: Time) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 / 1_000;
        write!(f, "{}.{:03}s", ms / 1_000, ms % 1_000)
    }
}
