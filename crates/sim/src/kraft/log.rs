//! The replicated metadata log (`__cluster_metadata-0`): entries tagged with the epoch of the
//! leader that appended them. Offsets are 0-based; the log end offset is the next offset.

use super::record::Record;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    pub epoch: u64,
    pub record: Record,
    /// The last record of an atomic batch (a controller operation's records are appended,
    /// replicated and committed together, as Kafka appends one record batch).
    pub batch_end: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    entries: Vec<Entry>,
    /// How many times entries were dropped, and where the last cut was (ghost state for the
    /// invariant checker, which rescans only what may have changed).
    truncations: u64,
    last_cut: u64,
}

impl Log {
    pub fn end_offset(&self) -> u64 {
        self.entries.len() as u64
    }

    pub fn truncations(&self) -> u64 {
        self.truncations
    }

    /// The log end just after the last truncation.
    pub fn last_cut(&self) -> u64 {
        self.last_cut
    }

    pub fn last_epoch(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.epoch)
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, offset: u64) -> Option<&Entry> {
        self.entries.get(usize::try_from(offset).ok()?)
    }

    pub fn append(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// Drop everything at and after `end`.
    pub fn truncate(&mut self, end: u64) {
        let end = usize::try_from(end).unwrap_or(usize::MAX);
        if end < self.entries.len() {
            self.entries.truncate(end);
            self.truncations += 1;
            self.last_cut = end as u64;
        }
    }

    /// KIP-595 `endOffsetForEpoch`: the largest epoch ≤ `epoch` present in the log, and the
    /// offset just past its last entry. `(0, 0)` when the log holds nothing that old.
    pub fn end_offset_for_epoch(&self, epoch: u64) -> (u64, u64) {
        for (i, e) in self.entries.iter().enumerate().rev() {
            if e.epoch <= epoch {
                return (e.epoch, i as u64 + 1);
            }
        }
        (0, 0)
    }

    /// About `max` entries from `from`, extended to the end of the last batch so that a
    /// fetcher's log always ends on a batch boundary.
    pub fn read(&self, from: u64, max: usize) -> Vec<Entry> {
        let start = usize::try_from(from).unwrap_or(usize::MAX).min(self.entries.len());
        let mut end = start.saturating_add(max).min(self.entries.len());
        while end < self.entries.len() && end > start && !self.entries[end - 1].batch_end {
            end += 1;
        }
        self.entries[start..end].to_vec()
    }

    /// A fetch response's records, as a fetcher takes them: appended if they continue the log (an
    /// answer to an older fetch does not). Returns the high watermark the fetcher moves to, if it
    /// moves: the leader's, never past the fetcher's own log end.
    pub fn append_fetched(
        &mut self,
        base_offset: u64,
        entries: Vec<Entry>,
        leader_hw: Option<u64>,
        high_watermark: u64,
    ) -> Option<u64> {
        if base_offset == self.end_offset() {
            self.entries.extend(entries);
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
