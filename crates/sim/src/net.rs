//! The network: per-link latency with deterministic jitter, FIFO per link (the protocols run
//! over TCP), message loss, and partitions. A partition drops packets silently; only timeouts
//! notice. A crashed process is different and is handled by the world: its peers' connections
//! are refused at once.

use crate::rng::Rng;
use crate::time::Time;
use crate::NodeId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetConfig {
    /// Lowest and highest base latency of a link, one way, in microseconds.
    pub latency_min_us: u64,
    pub latency_max_us: u64,
    /// Extra random delay per message, in microseconds.
    pub jitter_us: u64,
}

impl Default for NetConfig {
    fn default() -> Self {
        // A LAN: a few milliseconds one way.
        NetConfig { latency_min_us: 2_000, latency_max_us: 5_000, jitter_us: 1_000 }
    }
}

#[derive(Clone, Debug)]
pub struct Network {
    n: usize,
    base_latency_us: Vec<u64>,
    last_delivery: Vec<Time>,
    /// Side of each node while a partition is in force; `0` means "not named", connected to all.
    side: Vec<u8>,
    loss_per_mille: u32,
    /// Added to every message's latency (the `delay` action): a slow network.
    extra_delay_us: u64,
    config: NetConfig,
    rng: Rng,
    pub dropped: u64,
}

impl Network {
    pub fn new(n: usize, config: NetConfig, seed: u64) -> Network {
        let mut setup = Rng::stream(seed, 0x4E45_5453); // "NETS"
        let base_latency_us = (0..n * n)
            .map(|_| setup.range(config.latency_min_us, config.latency_max_us.max(config.latency_min_us + 1)))
            .collect();
        Network {
            n,
            base_latency_us,
            last_delivery: vec![Time::ZERO; n * n],
            side: vec![0; n],
            loss_per_mille: 0,
            extra_delay_us: 0,
            config,
            rng: Rng::stream(seed, 0x4E45_5452), // "NETR"
            dropped: 0,
        }
    }

    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    /// True when a partition separates `a` from `b`.
    pub fn cut(&self, a: NodeId, b: NodeId) -> bool {
        let (sa, sb) = (self.side[a], self.side[b]);
        sa != 0 && sb != 0 && sa != sb
    }

    pub fn partitioned(&self) -> bool {
        self.side.iter().any(|s| *s != 0)
    }

    pub fn side_of(&self, node: NodeId) -> u8 {
        self.side[node]
    }

    /// Each group becomes one side; nodes in no group stay connected to everyone.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.side = vec![0; self.n];
        for (i, group) in groups.iter().enumerate() {
            for &node in group {
                if node < self.n {
                    self.side[node] = (i + 1).min(255) as u8;
                }
            }
        }
    }

    pub fn heal(&mut self) {
        self.side = vec![0; self.n];
    }

    pub fn set_loss_per_mille(&mut self, per_mille: u32) {
        self.loss_per_mille = per_mille.min(1000);
    }

    pub fn loss_per_mille(&self) -> u32 {
        self.loss_per_mille
    }

    pub fn set_extra_delay_us(&mut self, us: u64) {
        self.extra_delay_us = us;
    }

    pub fn extra_delay_us(&self) -> u64 {
        self.extra_delay_us
    }

    /// When a message sent now from `from` to `to` arrives, or `None` if the network drops it.
    pub fn route(&mut self, now: Time, from: NodeId, to: NodeId) -> Option<Time> {
        if self.cut(from, to) || self.rng.chance_per_mille(self.loss_per_mille) {
            self.dropped += 1;
            return None;
        }
        Some(self.arrival(now, from, to))
    }

    /// Arrival time on a working link, FIFO with earlier messages on the same link.
    pub fn arrival(&mut self, now: Time, from: NodeId, to: NodeId) -> Time {
        let link = from * self.n + to;
        let jitter = self.rng.below(self.config.jitter_us + 1);
        self.arrival_after(now, from, to, self.base_latency_us[link] + jitter)
    }

    /// As [`Network::route`], but the latency (`Some(us)`) or the loss (`None`) is decided by
    /// the caller (the explorer's chooser) instead of this network's link latencies and PRNG,
    /// which it leaves untouched. `decide` is asked only when no partition cuts the link.
    pub fn route_decided(
        &mut self,
        now: Time,
        from: NodeId,
        to: NodeId,
        decide: impl FnOnce() -> Option<u64>,
    ) -> Option<Time> {
        let Some(latency_us) = (!self.cut(from, to)).then(decide).flatten() else {
            self.dropped += 1;
            return None;
        };
        Some(self.arrival_after(now, from, to, latency_us))
    }

    /// Arrival time of a message taking `latency_us` (plus the `delay` action's), FIFO with
    /// earlier messages on the same link (TCP).
    pub fn arrival_after(&mut self, now: Time, from: NodeId, to: NodeId, latency_us: u64) -> Time {
        let link = from * self.n + to;
        let mut at = now.plus_us(latency_us + self.extra_delay_us);
        if at <= self.last_delivery[link] {
            at = self.last_delivery[link].plus_us(1);
        }
        self.last_delivery[link] = at;
        at
    }

    /// What of this network decides the future of a world driven by a chooser at `now` (the
    /// explorer's state hash): partitions, loss, the `delay` action, and the links whose last
    /// delivery is still ahead (FIFO holds later messages behind it). Not the link latencies or
    /// the PRNG, which a chooser does not use.
    pub fn fingerprint(&self, now: Time, h: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        (&self.side, self.loss_per_mille, self.extra_delay_us).hash(h);
        for (link, last) in self.last_delivery.iter().enumerate() {
            if *last > now {
                (link, *last).hash(h);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delay_slows_every_link_by_that_much_and_zero_restores_it() {
        let config = NetConfig { jitter_us: 0, ..NetConfig::default() };
        let mut plain = Network::new(3, config.clone(), 9);
        let mut slow = Network::new(3, config, 9);
        slow.set_extra_delay_us(250_000);
        for (from, to) in [(0, 1), (1, 2), (2, 0)] {
            let now = Time(1_000_000);
            let fast = plain.route(now, from, to).expect("no loss");
            assert_eq!(slow.route(now, from, to), Some(fast.plus_us(250_000)));
        }
        slow.set_extra_delay_us(0);
        let later = Time(5_000_000);
        assert_eq!(slow.route(later, 0, 1), plain.route(later, 0, 1));
    }
}
