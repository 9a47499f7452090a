//! Invariants of KRaft mode, checked after every event (Raft §5.2–5.4, KIP-595).

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use super::controller::Controller;
use super::Node;
use crate::hash::TraceHasher;
use crate::world::World;

fn record_hash(entry: &super::log::Entry) -> u64 {
    let mut h = TraceHasher::default();
    entry.record.hash(&mut h);
    h.finish()
}

#[derive(Clone, Debug, Default)]
pub struct Checker {
    /// Election safety: the one leader of each epoch.
    leader_of_epoch: BTreeMap<u64, usize>,
    /// The committed prefix as first seen: (epoch, record hash) per offset.
    committed: Vec<(u64, u64)>,
    /// Per controller: how far its log was checked against the committed prefix.
    verified: Vec<u64>,
    /// Log matching, inductively: (epoch, offset) → (record hash, previous entry's epoch).
    written: BTreeMap<(u64, u64), (u64, u64)>,
    /// Per controller: (log end, truncations) when last scanned.
    scanned: Vec<(u64, u64)>,
    /// Per controller: its high watermark when last seen, and whether it was leader then.
    last_leader_hw: Vec<Option<(u64, u64)>>,
    pub violations: Vec<String>,
}

impl Checker {
    pub fn new(n: usize) -> Checker {
        Checker { verified: vec![0; n], scanned: vec![(0, 0); n], last_leader_hw: vec![None; n], ..Checker::default() }
    }

    fn fail(&mut self, world: &World<Node>, what: String) {
        if self.violations.len() < 50 {
            self.violations.push(format!(
                "seed {} event {} t={}: {what}",
                world.seed(),
                world.events_processed(),
                world.now()
            ));
        }
    }

    pub fn after_event(&mut self, world: &World<Node>) {
        let voters: Vec<(usize, &Controller)> = world
            .nodes()
            .iter()
            .enumerate()
            .map(|(id, node)| {
                let Node::Controller(c) = node;
                (id, c)
            })
            .collect();
        for &(id, c) in &voters {
            self.check_election_safety(world, id, c);
            self.check_log_matching(world, id, c);
            self.check_committed_prefix(world, id, c);
            self.check_leader_high_watermark(world, id, c);
        }
        self.check_majority_backed(world, &voters);
    }

    /// Raft §5.2 election safety: at most one leader per epoch (KRaft: one active controller).
    fn check_election_safety(&mut self, world: &World<Node>, id: usize, c: &Controller) {
        if !c.is_leader() {
            return;
        }
        match self.leader_of_epoch.get(&c.epoch) {
            Some(&other) if other != id => {
                let msg = format!("two leaders in epoch {}: c{} and c{}", c.epoch, other + 1, id + 1);
                self.fail(world, msg);
            }
            Some(_) => {}
            None => {
                self.leader_of_epoch.insert(c.epoch, id);
                // Leader completeness (§5.4.1): a new leader holds every committed entry.
                let missing = self.committed.iter().enumerate().find(|(off, (epoch, hash))| {
                    c.log.get(*off as u64).is_none_or(|e| e.epoch != *epoch || record_hash(e) != *hash)
                });
                if let Some((off, _)) = missing {
                    let msg = format!("leader c{} of epoch {} lacks committed offset {off}", id + 1, c.epoch);
                    self.fail(world, msg);
                }
            }
        }
    }

    /// Log matching (§5.3), checked inductively: an (epoch, offset) is written once, with one
    /// record and one predecessor epoch, so equal entries imply equal prefixes.
    fn check_log_matching(&mut self, world: &World<Node>, id: usize, c: &Controller) {
        let end = c.log.end_offset();
        let truncations = c.log.truncations();
        let (seen_end, seen_truncations) = self.scanned[id];
        let from = if truncations != seen_truncations { 0 } else { seen_end.min(end) };
        for offset in from..end {
            let Some(entry) = c.log.get(offset) else { break };
            let prev_epoch = offset.checked_sub(1).and_then(|p| c.log.get(p)).map_or(0, |e| e.epoch);
            let value = (record_hash(entry), prev_epoch);
            match self.written.get(&(entry.epoch, offset)) {
                Some(existing) if *existing != value => {
                    let msg = format!(
                        "log matching: c{} offset {offset} epoch {} differs from another log",
                        id + 1,
                        entry.epoch
                    );
                    self.fail(world, msg);
                }
                Some(_) => {}
                None => {
                    self.written.insert((entry.epoch, offset), value);
                }
            }
        }
        self.scanned[id] = (end, truncations);
    }

    /// The committed prefix never changes, and no log ever drops a committed entry.
    fn check_committed_prefix(&mut self, world: &World<Node>, id: usize, c: &Controller) {
        let end = c.log.end_offset();
        if end < self.verified[id] {
            let msg = format!("c{} truncated committed entries: log end {end} < {}", id + 1, self.verified[id]);
            self.fail(world, msg);
            self.verified[id] = end;
        }
        let hw = c.high_watermark.min(end);
        for offset in self.verified[id]..hw {
            let Some(entry) = c.log.get(offset) else { break };
            let value = (entry.epoch, record_hash(entry));
            match self.committed.get(offset as usize) {
                Some(existing) if *existing != value => {
                    let msg = format!("committed offset {offset} changed (seen on c{})", id + 1);
                    self.fail(world, msg);
                }
                Some(_) => {}
                None => self.committed.push(value),
            }
        }
        self.verified[id] = self.verified[id].max(hw);
    }

    /// A leader's high watermark only moves forward within its term.
    fn check_leader_high_watermark(&mut self, world: &World<Node>, id: usize, c: &Controller) {
        let now = if c.is_leader() && world.is_alive(id) { Some((c.epoch, c.high_watermark)) } else { None };
        if let (Some((e0, hw0)), Some((e1, hw1))) = (self.last_leader_hw[id], now) {
            if e0 == e1 && hw1 < hw0 {
                let msg = format!("high watermark of leader c{} went back from {hw0} to {hw1}", id + 1);
                self.fail(world, msg);
            }
        }
        self.last_leader_hw[id] = now;
    }

    /// KIP-595: the high watermark is held by a majority of voters.
    fn check_majority_backed(&mut self, world: &World<Node>, voters: &[(usize, &Controller)]) {
        let majority = voters.len() / 2 + 1;
        let Some(max_hw) = voters.iter().map(|(_, c)| c.high_watermark).max() else { return };
        let holders = voters.iter().filter(|(_, c)| c.log.end_offset() >= max_hw).count();
        if holders < majority {
            let msg = format!("high watermark {max_hw} is held by {holders} voters, fewer than a majority");
            self.fail(world, msg);
        }
    }
}
