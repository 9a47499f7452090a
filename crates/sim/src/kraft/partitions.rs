//! A topic's partition states, kept in chunks shared between images (copy on write): every
//! controller and broker replays the same records, so they can hold the same chunks rather than
//! one copy each. What an image replays whole, as chunks other images built, lives here:
//!
//! - a run of PartitionRecords that fills a chunk ([`built_run`]): built by the first image to
//!   replay it, linked by the others while one holds it;
//! - a run of PartitionChangeRecords on one chunk ([`change_run`], [`Partitions::replay_changes`]):
//!   the first image to replay it onto a given chunk builds the changed chunk, and every image
//!   that replays it onto the same chunk (`Rc::ptr_eq`) links that result instead of copying the
//!   chunk for itself. Without this, a broker crash at 2,000,000 partitions (about a million
//!   PartitionChangeRecords, touching every chunk) left 3 controllers, their working image, 6
//!   brokers and the checker's reference with a private copy of nearly the whole table each.
//!
//! Sharing changes no state an image holds, only where it is stored: a linked chunk is equal to
//! what replaying the records one by one gives (the same [`merge_change`] on a copy of the same
//! input), so nothing that reaches the trace depends on it. Pointer equality only decides
//! whether a result can be reused, never what an image contains.

use std::fmt;
use std::rc::{Rc, Weak};

use super::image::PartitionState;
use super::log::Batch;
use super::record::Record;
use crate::world::NodeList;
use crate::NodeId;

/// One chunk of a topic's partition states (at most [`Partitions::CHUNK`]).
pub(super) type Chunk = Vec<PartitionState>;

/// Partition states in chunks of [`Partitions::CHUNK`], each shared (copy on write) by every
/// image that holds the same states: replaying a topic's PartitionRecords links the chunks the
/// first image to replay them built (found through the records' batch, see `Log`), so every
/// controller and broker holds one copy of a two-million-partition topic, not one each.
/// Replaying PartitionChangeRecords links the same way ([`Partitions::replay_changes`]); a
/// change replayed alone (`MetadataImage::apply`) copies only its chunk.
#[derive(Clone, Default)]
pub struct Partitions {
    chunks: Vec<Rc<Chunk>>,
    len: usize,
}

impl Partitions {
    pub const CHUNK: usize = 1024;

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, index: usize) -> Option<&PartitionState> {
        self.chunks.get(index / Self::CHUNK)?.get(index % Self::CHUNK)
    }

    pub fn iter(&self) -> impl Iterator<Item = &PartitionState> {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    pub(super) fn get_mut(&mut self, index: usize) -> Option<&mut PartitionState> {
        if index >= self.len {
            return None;
        }
        Rc::make_mut(&mut self.chunks[index / Self::CHUNK]).get_mut(index % Self::CHUNK)
    }

    pub(super) fn push(&mut self, state: PartitionState) {
        if self.len.is_multiple_of(Self::CHUNK) {
            self.chunks.push(Rc::new(Vec::with_capacity(Self::CHUNK)));
        }
        if let Some(last) = self.chunks.last_mut() {
            Rc::make_mut(last).push(state);
            self.len += 1;
        }
    }

    /// Append a whole chunk built elsewhere (at a chunk boundary, at most CHUNK states).
    pub(super) fn link(&mut self, chunk: Rc<Chunk>) {
        debug_assert!(self.len.is_multiple_of(Self::CHUNK) && chunk.len() <= Self::CHUNK);
        self.len += chunk.len();
        self.chunks.push(chunk);
    }

    /// Chunk `index` (partitions `index * CHUNK ..`), as shared.
    pub(super) fn chunk(&self, index: usize) -> Option<&Rc<Chunk>> {
        self.chunks.get(index)
    }

    /// Replay records `from..to` of `batch`: `run` or, if `to` comes before the run's end, the
    /// first records of it (a log cut inside the run, or a high watermark there). The whole run
    /// takes the chunk [`changed_chunk`] shares; a part of one changes this image's own copy,
    /// as replaying the records one by one would. False (nothing replayed) if the chunk does
    /// not exist.
    pub(super) fn replay_changes(&mut self, batch: &Batch, from: u32, to: u32, run: ChangeRunAt) -> bool {
        let Some(chunk) = self.chunks.get_mut(run.chunk) else { return false };
        if to == run.end {
            *chunk = changed_chunk(batch, from, run, chunk);
        } else {
            apply_changes(Rc::make_mut(chunk), &batch.entries()[from as usize..to as usize]);
        }
        true
    }
}

impl PartialEq for Partitions {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Partitions {}

impl fmt::Debug for Partitions {
    /// As the `Vec<PartitionState>` it replaced printed itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The state a PartitionRecord creates.
fn created_state(record: &Record) -> Option<(u32, u32, PartitionState)> {
    match record {
        Record::Partition { topic_id, partition, replicas, isr, leader } => Some((
            *topic_id,
            *partition,
            PartitionState { replicas: *replicas, isr: *isr, leader: *leader, leader_epoch: 0, partition_epoch: 0 },
        )),
        _ => None,
    }
}

/// The states of the PartitionRecords of `batch` from entry `index` on: consecutive partitions
/// of one topic, at most a chunk, built once per batch and shared. The batch keeps them weakly,
/// as [`ChangeRun`] keeps its results: once every image has changed the chunk (a broker crash
/// at 2,000,000 partitions changes every one), the states as created are dropped rather than
/// kept with the log for good; an image that replays the batch after that builds them again.
pub(super) fn built_run(batch: &Batch, index: u32) -> Option<Rc<Chunk>> {
    if let Some(run) = batch.built.borrow().get(&index).and_then(Weak::upgrade) {
        return Some(run);
    }
    let entries = batch.entries().get(index as usize..)?;
    let (topic, first, _) = created_state(&entries.first()?.record)?;
    let states: Chunk = entries
        .iter()
        .take(Partitions::CHUNK)
        .map_while(|e| created_state(&e.record))
        .enumerate()
        .take_while(|(i, (t, p, _))| *t == topic && Some(*p) == first.checked_add(*i as u32))
        .map(|(_, (_, _, state))| state)
        .collect();
    let run = Rc::new(states);
    batch.built.borrow_mut().insert(index, Rc::downgrade(&run));
    Some(run)
}

/// `PartitionRegistration.merge` for a PartitionChangeRecord: a new leader bumps the leader
/// epoch, every change bumps the partition epoch.
pub(super) fn merge_change(p: &mut PartitionState, isr: Option<NodeList>, leader: Option<Option<NodeId>>) {
    if let Some(isr) = isr {
        p.isr = isr;
    }
    if let Some(leader) = leader {
        p.leader = leader;
        p.leader_epoch += 1;
    }
    p.partition_epoch += 1;
}

/// The topic and partition a PartitionChangeRecord changes.
fn changed_partition(record: &Record) -> Option<(u32, u32)> {
    match record {
        Record::PartitionChange { topic_id, partition, .. } => Some((*topic_id, *partition)),
        _ => None,
    }
}

/// Replay PartitionChangeRecords that all fall in `chunk` (a partition past its end, which
/// does not exist, is left alone, as [`Partitions::get_mut`] leaves it).
fn apply_changes(chunk: &mut Chunk, entries: &[super::log::Entry]) {
    for entry in entries {
        if let Record::PartitionChange { partition, isr, leader, .. } = &entry.record {
            if let Some(p) = chunk.get_mut(*partition as usize % Partitions::CHUNK) {
                merge_change(p, *isr, *leader);
            }
        }
    }
}

/// Where a run of PartitionChangeRecords applies: every record from its first to `end` (not
/// included) changes a partition of topic `topic_id` in chunk `chunk`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ChangeRunAt {
    pub topic_id: u32,
    pub chunk: usize,
    pub end: u32,
}

/// How many (input, result) pairs a run keeps: images that replay a run onto different copies
/// of a chunk (one that replayed part of a run on its own, see [`Partitions::replay_changes`])
/// are few, and one more only costs a copy of one chunk.
const RESULTS_KEPT: usize = 4;

/// A run of PartitionChangeRecords of one batch (kept with the batch, by the index of its first
/// record) and the chunks replaying it gave.
pub(super) struct ChangeRun {
    at: ChangeRunAt,
    /// (a chunk the run was replayed onto, the chunk that gave), oldest first. Both weak: the
    /// memo keeps no chunk alive, so a result lives exactly as long as some image holds it; a
    /// pair whose input or result no image holds is dropped when the next result is recorded.
    /// An input is recognised by its address, which nothing else can take while a weak
    /// reference keeps its allocation. A chunk changed in place afterwards is no longer the one
    /// recorded: `Rc::make_mut` moves a value that has weak references to a new allocation, so
    /// neither an image that changes its input nor one that changes a result fools the memo.
    results: Vec<(Weak<Chunk>, Weak<Chunk>)>,
}

/// The run of PartitionChangeRecords of `batch` that starts at entry `index`: the records from
/// there on that change partitions of the same chunk of the same topic (as the controller
/// writes them, in partition order, after a broker is fenced or unfenced). Found once per batch
/// and index.
pub(super) fn change_run(batch: &Batch, index: u32) -> Option<ChangeRunAt> {
    let entries = batch.entries().get(index as usize..)?;
    let (topic_id, partition) = changed_partition(&entries.first()?.record)?;
    if let Some(run) = batch.changed.borrow().get(&index) {
        return Some(run.at);
    }
    let chunk = partition as usize / Partitions::CHUNK;
    let len = entries
        .iter()
        .map_while(|e| changed_partition(&e.record))
        .take_while(|(t, p)| *t == topic_id && *p as usize / Partitions::CHUNK == chunk)
        .count();
    let at = ChangeRunAt { topic_id, chunk, end: index + len as u32 };
    batch.changed.borrow_mut().insert(index, ChangeRun { at, results: Vec::new() });
    Some(at)
}

/// The chunk that replaying `run` (records `index..run.end` of `batch`) onto `input` gives: the
/// one built by an image that replayed the run onto this same chunk, while some image still
/// holds it; otherwise built now (a copy of `input` with the changes), or, if that equals a
/// result another image still holds, that one (an image that once took a copy of its own, say
/// one restarted and replaying from the start after the others' older chunks were dropped,
/// shares again from here on). Recorded for the next image either way.
fn changed_chunk(batch: &Batch, index: u32, run: ChangeRunAt, input: &Rc<Chunk>) -> Rc<Chunk> {
    let mut memo = batch.changed.borrow_mut();
    let Some(results) = memo.get_mut(&index).map(|r| &mut r.results) else {
        return Rc::new(changed_copy(batch, index, run, input));
    };
    let same_input = |from: &Weak<Chunk>| std::ptr::eq(from.as_ptr(), Rc::as_ptr(input));
    if let Some(found) = results.iter().find(|(from, _)| same_input(from)).and_then(|(_, to)| to.upgrade()) {
        return found;
    }
    let states = changed_copy(batch, index, run, input);
    let changed =
        results.iter().filter_map(|(_, to)| to.upgrade()).find(|to| **to == states).unwrap_or_else(|| Rc::new(states));
    // Pairs whose input or result no image holds any more can never serve again.
    results.retain(|(from, to)| from.strong_count() > 0 && to.strong_count() > 0 && !same_input(from));
    if results.len() >= RESULTS_KEPT {
        results.remove(0);
    }
    results.push((Rc::downgrade(input), Rc::downgrade(&changed)));
    changed
}

/// A copy of `input` with records `index..run.end` of `batch` replayed onto it.
fn changed_copy(batch: &Batch, index: u32, run: ChangeRunAt, input: &Chunk) -> Chunk {
    let mut states = input.clone();
    apply_changes(&mut states, &batch.entries()[index as usize..run.end as usize]);
    states
}

#[cfg(test)]
#[path = "partitions_tests.rs"]
mod tests;
