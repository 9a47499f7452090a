//! The replicated metadata log (`__cluster_metadata-0`): entries tagged with the epoch of the
//! leader that appended them. Offsets are 0-based; the log end offset is the next offset.
//!
//! What a leader appends is never changed, and every replica that fetches it holds the same
//! records: so a log is a list of views into shared, immutable batches ([`Batch`]), and a fetch
//! response carries views too ([`Entries`]). A record appended once is stored once, however many
//! controllers and brokers hold it (two million PartitionRecords on 3 controllers and 6 brokers
//! would otherwise be eighteen million copies). Truncation only shortens a log's views.

use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::{Rc, Weak};

use super::partitions::{ChangeRun, Chunk};
use super::record::Record;
use crate::sorted::SortedMap;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    pub epoch: u64,
    pub record: Record,
    /// The last record of an atomic batch (a controller operation's records are appended,
    /// replicated and committed together, as Kafka appends one record batch).
    pub batch_end: bool,
}

/// Entries appended together by one leader, shared by every log and message that holds them.
pub struct Batch {
    entries: Box<[Entry]>,
    /// Partition states built from runs of this batch's PartitionRecords, by the index of the
    /// run's first entry (see `partitions.rs`): every image that replays the run takes the same
    /// states rather than building its own. A cache of a pure function of `entries`, held
    /// weakly (while some image holds the states).
    pub(super) built: RefCell<SortedMap<u32, Weak<Chunk>>>,
    /// Runs of this batch's PartitionChangeRecords on one chunk each, by the index of the
    /// run's first entry, with the chunks replaying them gave (held weakly, see `partitions.rs`):
    /// an image that replays a run onto the chunk another image replayed it onto takes that
    /// image's result. A few words per run, never a chunk; dropped with the batch.
    pub(super) changed: RefCell<SortedMap<u32, ChangeRun>>,
}

impl Batch {
    pub fn new(entries: Vec<Entry>) -> Rc<Batch> {
        Rc::new(Batch {
            entries: entries.into_boxed_slice(),
            built: RefCell::new(SortedMap::new()),
            changed: RefCell::new(SortedMap::new()),
        })
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

/// Entries `from..to` of a shared batch.
#[derive(Clone)]
pub struct Slice {
    pub batch: Rc<Batch>,
    pub from: u32,
    pub to: u32,
}

impl Slice {
    pub fn entries(&self) -> &[Entry] {
        &self.batch.entries[self.from as usize..self.to as usize]
    }

    fn len(&self) -> u64 {
        u64::from(self.to - self.from)
    }
}

/// A run of entries made of shared slices (a fetch response's records). Compared, hashed and
/// printed as the `Vec<Entry>` it stands for, so the trace hash is the same as when fetch
/// responses carried copies.
#[derive(Clone, Default)]
pub struct Entries {
    slices: Vec<Slice>,
    len: usize,
}

impl Entries {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.slices.iter().flat_map(Slice::entries)
    }

    pub fn slices(&self) -> &[Slice] {
        &self.slices
    }

    fn push(&mut self, slice: Slice) {
        if slice.to > slice.from {
            self.len += slice.len() as usize;
            self.slices.push(slice);
        }
    }
}

impl From<Vec<Entry>> for Entries {
    fn from(entries: Vec<Entry>) -> Entries {
        let mut out = Entries::default();
        let to = entries.len() as u32;
        out.push(Slice { batch: Batch::new(entries), from: 0, to });
        out
    }
}

impl PartialEq for Entries {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Entries {}

impl Hash for Entries {
    /// `Vec<Entry>`'s hash: the length, then each entry.
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len);
        for entry in self.iter() {
            entry.hash(state);
        }
    }
}

impl fmt::Debug for Entries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[derive(Clone, Default)]
pub struct Log {
    /// (offset of the slice's first entry, the slice), in offset order, without gaps.
    slices: Vec<(u64, Slice)>,
    end: u64,
    /// How many times entries were dropped, and where the last cut was (ghost state for the
    /// invariant checker, which rescans only what may have changed).
    truncations: u64,
    last_cut: u64,
}

impl PartialEq for Log {
    fn eq(&self, other: &Self) -> bool {
        (self.end, self.truncations, self.last_cut) == (other.end, other.truncations, other.last_cut)
            && self.iter().eq(other.iter())
    }
}

impl Eq for Log {}

impl fmt::Debug for Log {
    /// As the `Vec<Entry>`-backed log printed itself (the explorer hashes this text).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct List<'a>(&'a Log);
        impl fmt::Debug for List<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.0.iter()).finish()
            }
        }
        f.debug_struct("Log")
            .field("entries", &List(self))
            .field("truncations", &self.truncations)
            .field("last_cut", &self.last_cut)
            .finish()
    }
}

impl Log {
    pub fn end_offset(&self) -> u64 {
        self.end
    }

    pub fn truncations(&self) -> u64 {
        self.truncations
    }

    /// The log end just after the last truncation.
    pub fn last_cut(&self) -> u64 {
        self.last_cut
    }

    pub fn last_epoch(&self) -> u64 {
        self.last().map_or(0, |e| e.epoch)
    }

    fn last(&self) -> Option<&Entry> {
        self.slices.last().and_then(|(_, s)| s.entries().last())
    }

    /// Every entry, in offset order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.slices.iter().flat_map(|(_, s)| s.entries())
    }

    /// A copy of every entry (for tests and views).
    pub fn entries(&self) -> Vec<Entry> {
        self.iter().cloned().collect()
    }

    /// The shared slices, each with the offset of its first entry.
    pub fn slices(&self) -> &[(u64, Slice)] {
        &self.slices
    }

    /// The index in `slices` of the slice holding `offset`.
    fn slice_index(&self, offset: u64) -> Option<usize> {
        if offset >= self.end {
            return None;
        }
        Some(self.slices.partition_point(|(start, _)| *start <= offset) - 1)
    }

    pub fn get(&self, offset: u64) -> Option<&Entry> {
        let (start, slice) = &self.slices[self.slice_index(offset)?];
        slice.entries().get((offset - start) as usize)
    }

    /// The slice holding `offset` and the entry's index in its batch.
    pub fn locate(&self, offset: u64) -> Option<(&Slice, u32)> {
        let (start, slice) = &self.slices[self.slice_index(offset)?];
        Some((slice, slice.from + (offset - start) as u32))
    }

    pub fn append(&mut self, entry: Entry) {
        self.append_batch(vec![entry]);
    }

    /// Append entries as one new shared batch.
    pub fn append_batch(&mut self, entries: Vec<Entry>) {
        let to = entries.len() as u32;
        self.push(Slice { batch: Batch::new(entries), from: 0, to });
    }

    fn push(&mut self, slice: Slice) {
        if slice.to > slice.from {
            let len = slice.len();
            self.slices.push((self.end, slice));
            self.end += len;
        }
    }

    /// Drop everything at and after `end`.
    pub fn truncate(&mut self, end: u64) {
        if end >= self.end {
            return;
        }
        while self.slices.last().is_some_and(|(start, _)| *start >= end) {
            self.slices.pop();
        }
        if let Some((start, slice)) = self.slices.last_mut() {
            slice.to = slice.from + (end - *start) as u32;
        }
        self.end = end;
        self.truncations += 1;
        self.last_cut = end;
    }

    /// KIP-595 `endOffsetForEpoch`: the largest epoch ≤ `epoch` present in the log, and the
    /// offset just past its last entry. `(0, 0)` when the log holds nothing that old.
    pub fn end_offset_for_epoch(&self, epoch: u64) -> (u64, u64) {
        for (start, slice) in self.slices.iter().rev() {
            for (i, e) in slice.entries().iter().enumerate().rev() {
                if e.epoch <= epoch {
                    return (e.epoch, start + i as u64 + 1);
                }
            }
        }
        (0, 0)
    }

    /// Every entry from `offset` on, with its offset.
    fn iter_from(&self, offset: u64) -> impl Iterator<Item = (u64, &Entry)> {
        let first = self.slice_index(offset).unwrap_or(self.slices.len());
        self.slices[first..]
            .iter()
            .flat_map(|(start, s)| s.entries().iter().enumerate().map(move |(i, e)| (start + i as u64, e)))
            .skip_while(move |(o, _)| *o < offset)
    }

    /// About `max` entries from `from`, extended to the end of the last batch so that a
    /// fetcher's log always ends on a batch boundary. Shares the entries, copies none.
    pub fn read(&self, from: u64, max: usize) -> Entries {
        let start = from.min(self.end);
        let mut end = start.saturating_add(max as u64).min(self.end);
        if end < self.end && end > start && self.get(end - 1).is_some_and(|e| !e.batch_end) {
            end = self.iter_from(end).find(|(_, e)| e.batch_end).map_or(self.end, |(o, _)| o + 1);
        }
        let mut out = Entries::default();
        let Some(first) = self.slice_index(start) else { return out };
        for (slice_start, slice) in &self.slices[first..] {
            if *slice_start >= end {
                break;
            }
            let from = slice.from + start.saturating_sub(*slice_start) as u32;
            let to = slice.from + (end.min(slice_start + slice.len()) - slice_start) as u32;
            out.push(Slice { batch: slice.batch.clone(), from, to });
        }
        out
    }

    /// A fetch response's records, as a fetcher takes them: appended if they continue the log (an
    /// answer to an older fetch does not). Returns the high watermark the fetcher moves to, if it
    /// moves: the leader's, never past the fetcher's own log end.
    pub fn append_fetched(
        &mut self,
        base_offset: u64,
        entries: Entries,
        leader_hw: Option<u64>,
        high_watermark: u64,
    ) -> Option<u64> {
        if base_offset == self.end_offset() {
            for slice in entries.slices {
                self.push(slice);
            }
        }
        leader_hw.map(|hw| hw.min(self.end_offset())).filter(|hw| *hw > high_watermark)
    }

    /// KIP-595 DivergingEpoch: truncate to the end of the diverging epoch, no further than this
    /// log's own end of that epoch and not below `floor`. Returns (the new end, entries dropped).
    pub fn truncate_diverging(&mut self, epoch: u64, end_offset: u64, floor: u64) -> (u64, u64) {
        let (_, own_end) = self.end_offset_for_epoch(epoch);
        let truncate_to = end_offset.min(own_end).max(floor);
        let dropped = self.end_offset().saturating_sub(truncate_to);
        self.truncate(truncate_to);
        (truncate_to, dropped)
    }

    /// Raft's up-to-date check, as KIP-595 states it: compare (last epoch, end offset).
    pub fn is_up_to_date(&self, last_epoch: u64, end_offset: u64) -> bool {
        (last_epoch, end_offset) >= (self.last_epoch(), self.end_offset())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(epochs: &[u64]) -> Log {
        let mut log = Log::default();
        for &epoch in epochs {
            log.append(Entry { epoch, record: Record::NoOp, batch_end: true });
        }
        log
    }

    #[test]
    fn end_offset_for_epoch_finds_largest_epoch_not_above() {
        // KIP-595: the leader answers a fetch with DivergingEpoch(endOffsetForEpoch(lastFetchedEpoch)).
        let log = log_of(&[1, 1, 2, 2, 4]);
        assert_eq!(log.end_offset_for_epoch(1), (1, 2));
        assert_eq!(log.end_offset_for_epoch(2), (2, 4));
        assert_eq!(log.end_offset_for_epoch(3), (2, 4));
        assert_eq!(log.end_offset_for_epoch(4), (4, 5));
        assert_eq!(log.end_offset_for_epoch(0), (0, 0));
    }

    #[test]
    fn up_to_date_compares_epoch_first() {
        let log = log_of(&[1, 1, 2]);
        assert!(log.is_up_to_date(3, 1));
        assert!(log.is_up_to_date(2, 3));
        assert!(!log.is_up_to_date(2, 2));
        assert!(!log.is_up_to_date(1, 9));
    }

    #[test]
    fn read_and_truncate_clamp() {
        let mut log = log_of(&[1, 1, 1]);
        assert_eq!(log.read(2, 10).len(), 1);
        assert!(log.read(9, 10).is_empty());
        log.truncate(10);
        assert_eq!(log.end_offset(), 3);
        log.truncate(1);
        assert_eq!(log.end_offset(), 1);
    }
}
