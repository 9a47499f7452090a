//! Invariants of KRaft mode, checked after every event (Raft §5.2–5.4, KIP-595, KIP-631).
//!
//! Quorum: election safety (one leader, i.e. one active controller, per epoch), log matching,
//! leader completeness, the committed prefix never changes, a leader's high watermark is
//! monotonic and held by a majority. Metadata: the committed records are replayed into a
//! reference image, where every partition change must keep the leader in the ISR, elect only
//! active brokers, never empty the ISR and never lower a leader epoch; every process's image
//! must be a replay of a prefix of the committed log (compared by running digest), and every
//! broker's leader must be the one leader of its epoch.

use crate::sorted::SortedMap;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use super::controller::Controller;
use super::image::{digest_step, MetadataImage, PartitionState, Partitions};
use super::log::Entry;
use super::partitions::{merge_change, Chunk};
use super::record::Record;
use super::Node;
use crate::hash::TraceHasher;
use crate::layout::Layout;
use crate::world::World;
use crate::NodeId;

fn record_hash(entry: &Entry) -> u64 {
    let mut h = TraceHasher::default();
    entry.record.hash(&mut h);
    h.finish()
}

/// KIP-631 rules on a partition's state `p` after a record: the ISR is never empty and holds
/// only replicas, the leader is in the ISR, a new leader is active, and a leader epoch never
/// goes down (nor is a partition created twice). `before` is the (leader, leader epoch) the
/// record found, `None` for a partition it created; `created` whether it is a PartitionRecord.
fn state_problems(
    reference: &MetadataImage,
    before: Option<(Option<NodeId>, u64)>,
    p: &PartitionState,
    created: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    if p.isr.is_empty() {
        problems.push("empty ISR".to_string());
    }
    if p.isr.iter().any(|r| !p.replicas.contains(r)) {
        problems.push("ISR member that is no replica".to_string());
    }
    if let Some(l) = p.leader.filter(|l| !p.isr.contains(*l)) {
        problems.push(format!("leader {l} not in the ISR (unclean leader)"));
    }
    let leader_changed = before.is_none_or(|(old, _)| old != p.leader);
    if let Some(l) = p.leader.filter(|l| leader_changed && !reference.is_active(*l)) {
        problems.push(format!("new leader {l} is fenced or shutting down"));
    }
    if let Some((_, old_epoch)) = before {
        if created || p.leader_epoch < old_epoch {
            problems.push(format!("leader epoch went from {old_epoch} to {}", p.leader_epoch));
        }
    }
    problems
}

/// Committed entries between two prunings of `Checker::written`, at least.
const PRUNE_AFTER: usize = 4_096;

#[derive(Clone, Debug, Default)]
pub struct Checker {
    controllers: usize,
    /// Election safety: the one leader of each epoch.
    leader_of_epoch: SortedMap<u64, usize>,
    /// The committed prefix as first seen: (epoch, record hash) per offset.
    committed: Vec<(u64, u64)>,
    /// Running image digest after each committed offset.
    committed_digest: Vec<u64>,
    /// The committed log replayed once, to judge each partition change.
    reference: MetadataImage,
    /// Per controller: how far its log was checked against the committed prefix.
    verified: Vec<u64>,
    /// Log matching, inductively: (epoch, offset) → (record hash, previous entry's epoch), for
    /// the entries the committed prefix does not name (see `committed_as_written`).
    written: SortedMap<(u64, u64), (u64, u64)>,
    /// The length of `committed` when `written` was last pruned.
    pruned_at: usize,
    /// Per controller: (log end, truncations) when last scanned.
    scanned: Vec<(u64, u64)>,
    /// Per controller: its high watermark when last seen, and whether it was leader then.
    last_leader_hw: Vec<Option<(u64, u64)>>,
    pub violations: Vec<String>,
}

impl Checker {
    /// `nodes` processes, the first `controllers` of them voters.
    pub fn new(nodes: usize, controllers: usize) -> Checker {
        Checker {
            controllers,
            verified: vec![0; nodes],
            scanned: vec![(0, 0); nodes],
            last_leader_hw: vec![None; nodes],
            ..Checker::default()
        }
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
        let nodes = world.nodes();
        for (id, node) in nodes.iter().enumerate().take(self.controllers) {
            let Node::Controller(c) = node else { continue };
            self.check_election_safety(world, id, c);
            self.check_log_matching(world, id, c);
            self.check_committed_prefix(world, id, c);
            self.check_leader_high_watermark(world, id, c);
        }
        self.check_majority_backed(world);
        self.prune_written();
        for (id, node) in nodes.iter().enumerate() {
            match node {
                Node::Controller(c) => self.check_image(world, id, &c.image),
                Node::Broker(b) => {
                    if world.is_alive(id) {
                        self.check_image(world, id, &b.image);
                        self.check_broker_leader(world, id, b.epoch, b.leader);
                    }
                }
            }
        }
    }

    /// `c2` (the leaders and logs checked are controllers').
    fn name(&self, id: NodeId) -> String {
        Layout::kraft(self.controllers).name(id)
    }

    /// Raft §5.2 election safety: at most one leader per epoch (KRaft: one active controller).
    fn check_election_safety(&mut self, world: &World<Node>, id: usize, c: &Controller) {
        if !c.is_leader() {
            return;
        }
        match self.leader_of_epoch.get(&c.epoch) {
            Some(&other) if other != id => {
                let msg = format!("two leaders in epoch {}: {} and {}", c.epoch, self.name(other), self.name(id));
                self.fail(world, msg);
            }
            Some(_) => {}
            None => {
                self.leader_of_epoch.insert(c.epoch, id);
                // Leader completeness (§5.4.1): a new leader holds every committed entry. Its
                // last one is enough: log matching (checked for every entry of every log) makes
                // equal (epoch, offset) entries mean equal prefixes. A scan of the whole prefix
                // here cost O(log) per election, quadratic under constant elections.
                let Some(last) = self.committed.len().checked_sub(1) else { return };
                let (epoch, hash) = self.committed[last];
                let missing = match c.log.get(last as u64) {
                    None => Some(c.log.end_offset()),
                    Some(e) if e.epoch != epoch || record_hash(e) != hash => Some(last as u64),
                    Some(_) => None,
                };
                if let Some(off) = missing {
                    let msg = format!("leader {} of epoch {} lacks committed offset {off}", self.name(id), c.epoch);
                    self.fail(world, msg);
                }
            }
        }
    }

    /// Log matching (§5.3), checked inductively: an (epoch, offset) is written once, with one
    /// record and one predecessor epoch, so equal entries imply equal prefixes. What a committed
    /// (epoch, offset) was written with is the committed prefix's own record and epoch before
    /// it; `written` holds the others.
    fn check_log_matching(&mut self, world: &World<Node>, id: usize, c: &Controller) {
        let end = c.log.end_offset();
        let truncations = c.log.truncations();
        let (seen_end, seen_truncations) = self.scanned[id];
        // Entries below the last cut are unchanged since the last scan if there was one cut.
        let from = match truncations.checked_sub(seen_truncations).unwrap_or(u64::MAX) {
            0 => seen_end.min(end),
            1 => seen_end.min(c.log.last_cut()),
            _ => 0,
        };
        for offset in from..end {
            let Some(entry) = c.log.get(offset) else { break };
            let prev_epoch = offset.checked_sub(1).and_then(|p| c.log.get(p)).map_or(0, |e| e.epoch);
            let value = (record_hash(entry), prev_epoch);
            let known = self
                .committed_as_written(entry.epoch, offset)
                .or_else(|| self.written.get(&(entry.epoch, offset)).copied());
            match known {
                Some(existing) if existing != value => {
                    let msg = format!(
                        "log matching: {} offset {offset} epoch {} differs from another log",
                        self.name(id),
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

    /// For a committed (epoch, offset), what log matching compares with: the committed record's
    /// hash and the epoch of the committed entry before it.
    fn committed_as_written(&self, epoch: u64, offset: u64) -> Option<(u64, u64)> {
        let &(committed_epoch, hash) = self.committed.get(offset as usize)?;
        let prev_epoch = offset.checked_sub(1).map_or(0, |p| self.committed[p as usize].0);
        (committed_epoch == epoch).then_some((hash, prev_epoch))
    }

    /// Drop from `written` the entries the committed prefix now names, and give their memory
    /// back: otherwise every record ever appended stays there (32 bytes each, 134 MB at the
    /// peak of a 2,000,000-partition run) for as long as the checker runs. Done once the prefix
    /// has grown by half of `written` since the last time, so it costs O(1) per entry.
    fn prune_written(&mut self) {
        let grown = self.committed.len() - self.pruned_at;
        if grown < PRUNE_AFTER.max(self.written.len() / 2) {
            return;
        }
        let committed = &self.committed;
        self.written.retain(|&(epoch, offset), _| committed.get(offset as usize).is_none_or(|(e, _)| *e != epoch));
        self.written.shrink_to_fit();
        self.pruned_at = self.committed.len();
    }

    /// The committed prefix never changes, and no log ever drops a committed entry. Newly
    /// committed records are replayed into the reference image and judged there.
    fn check_committed_prefix(&mut self, world: &World<Node>, id: usize, c: &Controller) {
        let end = c.log.end_offset();
        if end < self.verified[id] {
            let msg = format!("{} truncated committed entries: log end {end} < {}", self.name(id), self.verified[id]);
            self.fail(world, msg);
            self.verified[id] = end;
        }
        let hw = c.high_watermark.min(end);
        for offset in self.verified[id]..hw {
            let Some(entry) = c.log.get(offset) else { break };
            let value = (entry.epoch, record_hash(entry));
            match self.committed.get(offset as usize) {
                Some(existing) if *existing != value => {
                    let msg = format!("committed offset {offset} changed (seen on {})", self.name(id));
                    self.fail(world, msg);
                }
                Some(_) => {}
                None => {
                    self.committed.push(value);
                    let prev = self.committed_digest.last().copied().unwrap_or(0);
                    self.committed_digest.push(digest_step(prev, offset, entry));
                    self.judge_committed(world, c, offset, hw, entry);
                }
            }
        }
        self.verified[id] = self.verified[id].max(hw);
    }

    /// KIP-631 rules on one newly committed record, against the reference image. A run the
    /// reference takes whole (shared states, see `MetadataImage::replay`: PartitionRecords that
    /// fill a chunk, PartitionChangeRecords on one chunk) is judged record by record when it is
    /// taken; its records are then already replayed.
    fn judge_committed(&mut self, world: &World<Node>, c: &Controller, offset: u64, hw: u64, entry: &Entry) {
        if offset < self.reference.applied {
            return;
        }
        let Some((slice, index)) = c.log.locate(offset) else {
            self.judge_one(world, entry);
            return;
        };
        let limit = slice.to.min(index.saturating_add(u32::try_from(hw - offset).unwrap_or(u32::MAX)));
        match &entry.record {
            Record::Partition { topic_id, partition, .. } => {
                let before = self.reference.applied;
                if self.reference.link_run(&slice.batch, index, limit) {
                    let taken = (self.reference.applied - before) as u32;
                    for p in *partition..*partition + taken {
                        self.judge_new_partition(world, *topic_id, p);
                    }
                    return;
                }
            }
            Record::PartitionChange { topic_id, partition, .. } => {
                // The chunk before the run: the run's records are judged on a copy of it, one by
                // one, as `judge_one` judges them on the reference.
                let chunk = *partition as usize / Partitions::CHUNK;
                let applied = self.reference.applied;
                if let Some(states) = self.reference_chunk(*topic_id, chunk) {
                    if self.reference.link_changes(&slice.batch, index, limit) {
                        let taken = (self.reference.applied - applied) as usize;
                        let entries = &slice.batch.entries()[index as usize..index as usize + taken];
                        let judged = self.judge_changes(world, Chunk::clone(&states), entries);
                        // What the reference took is what replaying the records one by one gives.
                        debug_assert!(self.reference_chunk(*topic_id, chunk).is_some_and(|c| *c == judged));
                        return;
                    }
                }
            }
            _ => {}
        }
        self.judge_one(world, entry);
    }

    /// Chunk `chunk` of topic `topic_id` in the reference image.
    fn reference_chunk(&self, topic_id: u32, chunk: usize) -> Option<Rc<Chunk>> {
        self.reference.topics.get(&topic_id)?.partitions.chunk(chunk).cloned()
    }

    /// PartitionChangeRecords on one chunk, replayed onto `states` (the chunk before them) and
    /// judged one by one, as `judge_one` would; the reference has taken them already. The chunk
    /// after them.
    fn judge_changes(&mut self, world: &World<Node>, mut states: Chunk, entries: &[Entry]) -> Chunk {
        for entry in entries {
            let Record::PartitionChange { topic_id, partition, isr, leader } = &entry.record else { continue };
            let Some(p) = states.get_mut(*partition as usize % Partitions::CHUNK) else { continue };
            let before = (p.leader, p.leader_epoch);
            merge_change(p, *isr, *leader);
            for problem in state_problems(&self.reference, Some(before), p, false) {
                self.fail(world, format!("partition {topic_id}-{partition}: {problem}"));
            }
        }
        states
    }

    /// A partition a PartitionRecord created (so none before it): the rules on its state.
    fn judge_new_partition(&mut self, world: &World<Node>, topic_id: u32, partition: u32) {
        let Some(p) = self.reference.partition(topic_id, partition) else { return };
        let problems = state_problems(&self.reference, None, p, true);
        for problem in problems {
            self.fail(world, format!("partition {topic_id}-{partition}: {problem}"));
        }
    }

    fn judge_one(&mut self, world: &World<Node>, entry: &Entry) {
        let (topic_id, partition) = match &entry.record {
            Record::Partition { topic_id, partition, .. } | Record::PartitionChange { topic_id, partition, .. } => {
                (*topic_id, *partition)
            }
            _ => {
                self.reference.apply(entry);
                return;
            }
        };
        let before = self.reference.partition(topic_id, partition).map(|p| (p.leader, p.leader_epoch));
        self.reference.apply(entry);
        let Some(p) = self.reference.partition(topic_id, partition) else { return };
        let problems = state_problems(&self.reference, before, p, matches!(entry.record, Record::Partition { .. }));
        for problem in problems {
            self.fail(world, format!("partition {topic_id}-{partition}: {problem}"));
        }
    }

    /// Every image is a replay of a prefix of the committed log, in order.
    fn check_image(&mut self, world: &World<Node>, id: usize, image: &MetadataImage) {
        if image.applied == 0 {
            return;
        }
        let expected = self.committed_digest.get(image.applied as usize - 1).copied();
        if expected != Some(image.digest) {
            let msg = format!(
                "node {id} applied {} records that are not the committed prefix (committed: {})",
                image.applied,
                self.committed_digest.len()
            );
            self.fail(world, msg);
        }
    }

    /// A broker follows the one leader of its epoch.
    fn check_broker_leader(&mut self, world: &World<Node>, id: NodeId, epoch: u64, leader: Option<NodeId>) {
        let Some(l) = leader else { return };
        if let Some(&real) = self.leader_of_epoch.get(&epoch) {
            if real != l {
                let msg = format!("node {id} follows {} in epoch {epoch}, led by {}", self.name(l), self.name(real));
                self.fail(world, msg);
            }
        }
    }

    /// A leader's high watermark only moves forward within its term.
    fn check_leader_high_watermark(&mut self, world: &World<Node>, id: usize, c: &Controller) {
        let now = if c.is_leader() && world.is_alive(id) { Some((c.epoch, c.high_watermark)) } else { None };
        if let (Some((e0, hw0)), Some((e1, hw1))) = (self.last_leader_hw[id], now) {
            if e0 == e1 && hw1 < hw0 {
                let msg = format!("high watermark of leader {} went back from {hw0} to {hw1}", self.name(id));
                self.fail(world, msg);
            }
        }
        self.last_leader_hw[id] = now;
    }

    /// KIP-595: the high watermark is held by a majority of voters (brokers never count).
    fn check_majority_backed(&mut self, world: &World<Node>) {
        let voters = || world.nodes().iter().take(self.controllers).filter_map(Node::as_controller);
        let majority = self.controllers / 2 + 1;
        let Some(max_hw) = voters().map(|c| c.high_watermark).max() else { return };
        let holders = voters().filter(|c| c.log.end_offset() >= max_hw).count();
        if holders < majority {
            let msg = format!("high watermark {max_hw} is held by {holders} voters, fewer than a majority");
            self.fail(world, msg);
        }
    }

    /// The committed log replayed (for convergence checks in tests).
    pub fn reference(&self) -> &MetadataImage {
        &self.reference
    }
}

#[cfg(test)]
mod tests {
    //! The checker itself: each rule fires on a broken state and stays quiet on a sound one.

    use super::*;
    use crate::kraft::controller::{LeaderState, State};
    use crate::kraft::Config;
    use crate::net::NetConfig;
    use crate::sorted::SortedMap;

    fn entry(epoch: u64, name: &str) -> Entry {
        Entry { epoch, record: Record::Topic { name: name.to_string(), topic_id: 1 }, batch_end: true }
    }

    /// Controller `id` of three at `epoch`, with `log` and high watermark `hw`.
    fn controller(id: NodeId, epoch: u64, leader: bool, log: &[Entry], hw: u64) -> Node {
        let mut c = Controller::new(id, vec![0, 1, 2], Config::default(), 7);
        c.epoch = epoch;
        for e in log {
            c.log.append(e.clone());
        }
        c.high_watermark = hw;
        if leader {
            c.state = State::Leader(LeaderState::new(0, MetadataImage::default(), SortedMap::new()));
        }
        Node::Controller(c)
    }

    /// The checker's findings after it saw c1 lead epoch 1 with [a, b] committed on c1 and c2
    /// (c3's log empty), then `c3` (c1 and c2 unchanged).
    fn violations_when_c3_is(c3: Node) -> Vec<String> {
        let ab = [entry(1, "a"), entry(1, "b")];
        let first =
            vec![controller(0, 1, true, &ab, 2), controller(1, 1, false, &ab, 2), controller(2, 1, false, &[], 0)];
        let mut checker = Checker::new(3, 3);
        checker.after_event(&World::unstarted(1, first.clone(), NetConfig::default()));
        assert_eq!(checker.violations, Vec::<String>::new(), "the first state is sound");
        let mut later = first;
        later[2] = c3;
        checker.after_event(&World::unstarted(1, later, NetConfig::default()));
        checker.violations.iter().map(|v| v.split(": ").skip(1).collect::<Vec<_>>().join(": ")).collect()
    }

    #[test]
    fn a_new_leader_with_every_committed_entry_is_sound() {
        let c3 = controller(2, 2, true, &[entry(1, "a"), entry(1, "b"), entry(2, "c")], 0);
        assert_eq!(violations_when_c3_is(c3), Vec::<String>::new());
    }

    #[test]
    fn a_new_leader_missing_the_last_committed_entry_breaks_leader_completeness() {
        let c3 = controller(2, 2, true, &[entry(1, "a")], 0);
        assert_eq!(violations_when_c3_is(c3), ["leader c3 of epoch 2 lacks committed offset 1"]);
    }

    #[test]
    fn a_new_leader_with_another_last_entry_breaks_completeness_and_log_matching() {
        let c3 = controller(2, 2, true, &[entry(1, "a"), entry(1, "other")], 0);
        let v = violations_when_c3_is(c3);
        assert!(v.contains(&"leader c3 of epoch 2 lacks committed offset 1".to_string()), "{v:?}");
        assert!(v.iter().any(|m| m.starts_with("log matching: c3 offset 1")), "{v:?}");
    }

    #[test]
    fn an_earlier_difference_under_a_matching_last_entry_is_caught_by_log_matching() {
        // Leader completeness looks at the last committed entry only; an older difference
        // can only come with a log-matching violation, which is reported.
        let c3 = controller(2, 2, true, &[entry(1, "other"), entry(1, "b")], 0);
        let v = violations_when_c3_is(c3);
        assert!(v.iter().any(|m| m.starts_with("log matching: c3 offset 0")), "{v:?}");
    }

    #[test]
    fn an_entry_rewritten_after_a_truncation_is_rescanned() {
        // c2 held [a, b]; it truncates to 1 and writes another record at offset 1 in the same
        // epoch. The incremental scan starts at the cut, so it sees the rewrite.
        let ab = [entry(1, "a"), entry(1, "b")];
        let mut nodes =
            vec![controller(0, 1, true, &ab, 0), controller(1, 1, false, &ab, 0), controller(2, 1, false, &[], 0)];
        let mut checker = Checker::new(3, 3);
        checker.after_event(&World::unstarted(1, nodes.clone(), NetConfig::default()));
        let Node::Controller(c2) = &mut nodes[1] else { unreachable!() };
        c2.log.truncate(1);
        c2.log.append(entry(1, "other"));
        checker.after_event(&World::unstarted(1, nodes, NetConfig::default()));
        assert_eq!(checker.violations.len(), 1, "{:?}", checker.violations);
        assert!(checker.violations[0].ends_with("log matching: c2 offset 1 epoch 1 differs from another log"));
    }

    #[test]
    fn committed_entries_leave_the_log_matching_table_and_are_still_matched() {
        // 5,000 entries committed on c1 and c2: the committed prefix names them, so log matching
        // keeps none of them in its own table...
        let log: Vec<Entry> = (0..5_000).map(|i| entry(1, &format!("r{i}"))).collect();
        let mut nodes = vec![
            controller(0, 1, true, &log, 5_000),
            controller(1, 1, false, &log, 5_000),
            controller(2, 1, false, &[], 0),
        ];
        let mut checker = Checker::new(3, 3);
        checker.after_event(&World::unstarted(1, nodes.clone(), NetConfig::default()));
        assert_eq!(checker.violations, Vec::<String>::new());
        assert_eq!(checker.written.len(), 0);
        // ...and a log that holds another record at a committed (epoch, offset) still breaks it.
        let mut other = log[..11].to_vec();
        other[10] = entry(1, "other");
        nodes[2] = controller(2, 1, false, &other, 0);
        checker.after_event(&World::unstarted(1, nodes, NetConfig::default()));
        assert_eq!(checker.violations.len(), 1, "{:?}", checker.violations);
        assert!(checker.violations[0].ends_with("log matching: c3 offset 10 epoch 1 differs from another log"));
    }
}
