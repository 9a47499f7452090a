//! A topic's partition states, kept in chunks shared between images (copy on write): every
//! controller and broker replays the same records, so they can hold the same chunks rather than
//! one copy each. What an image replays whole, as chunks other images built, lives here.

use std::fmt;
use std::rc::Rc;

use super::image::PartitionState;
use super::log::Batch;
use super::record::Record;

/// Partition states in chunks of [`Partitions::CHUNK`], each shared (copy on write) by every
/// image that holds the same states: replaying a topic's PartitionRecords links the chunks the
/// first image to replay them built (kept with the records' batch, see `Log`), so every
/// controller and broker holds one copy of a two-million-partition topic, not one each. A
/// partition change copies only its chunk.
#[derive(Clone, Default)]
pub struct Partitions {
    chunks: Vec<Rc<Vec<PartitionState>>>,
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
    pub(super) fn link(&mut self, chunk: Rc<Vec<PartitionState>>) {
        debug_assert!(self.len.is_multiple_of(Self::CHUNK) && chunk.len() <= Self::CHUNK);
        self.len += chunk.len();
        self.chunks.push(chunk);
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
/// of one topic, at most a chunk, built once per batch and shared.
pub(super) fn built_run(batch: &Batch, index: u32) -> Option<Rc<Vec<PartitionState>>> {
    if let Some(run) = batch.built.borrow().get(&index) {
        return Some(run.clone());
    }
    let entries = batch.entries().get(index as usize..)?;
    let (topic, first, _) = created_state(&entries.first()?.record)?;
    let states: Vec<PartitionState> = entries
        .iter()
        .take(Partitions::CHUNK)
        .map_while(|e| created_state(&e.record))
        .enumerate()
        .take_while(|(i, (t, p, _))| *t == topic && Some(*p) == first.checked_add(*i as u32))
        .map(|(_, (_, _, state))| state)
        .collect();
    let run = Rc::new(states);
    batch.built.borrow_mut().insert(index, run.clone());
    Some(run)
}
