//! The leader (the active controller): appending batches, answering fetches (records,
//! DivergingEpoch, long polls), advancing the high watermark past the epoch start offset
//! (KIP-595 `maybeUpdateHighWatermark`) and completing writes once committed.

use super::{Controller, Out, State, MAX_FETCH_RECORDS, REQUEST_TIMEOUT_MS};
use crate::kraft::log::Entry;
use crate::kraft::msg::{FetchBody, Msg};
use crate::kraft::record::Record;
use crate::kraft::Timer;
use crate::time::Time;
use crate::world::Output;
use crate::NodeId;

impl Controller {
    pub(super) fn append(&mut self, record: Record, out: &mut Out) {
        self.append_batch(vec![record], out);
    }

    /// Append one atomic batch (the records of one controller operation) and replay it into
    /// the working image.
    pub(super) fn append_batch(&mut self, records: Vec<Record>, out: &mut Out) {
        self.append_records(records, out);
    }

    /// [`Self::append_batch`] of `n` records given one by one (a topic's two million
    /// PartitionRecords are made straight into the log's batch, never held twice).
    pub(super) fn append_records(&mut self, records: impl IntoIterator<Item = Record>, out: &mut Out) {
        let State::Leader(leader) = &mut self.state else { return };
        let epoch = self.epoch;
        // Collected at its exact size: the callers' iterators know it (a list; a topic record
        // chained to one record per partition).
        let mut entries: Vec<Entry> =
            records.into_iter().map(|record| Entry { epoch, record, batch_end: false }).collect();
        if let Some(last) = entries.last_mut() {
            last.batch_end = true;
        }
        self.log.append_batch(entries);
        leader.working.replay(&self.log, self.log.end_offset());
        self.maybe_advance_high_watermark(out);
        self.answer_all_parked(out);
    }

    /// Kafka 3.9.1 to 4.1 `maybeSendBeginQuorumEpochRequests` (KAFKA-16536, BeginQuorumEpoch as
    /// the leader's heartbeat): every `fetch.timeout / 2` = 1 s, BeginQuorumEpoch to every other
    /// voter, answered or not, except one whose last is still awaiting its answer within the
    /// request timeout (the request manager's one request in flight per node). This models 4.1;
    /// 4.2 (KAFKA-16926) sends only to voters that have not fetched in the last second.
    pub(super) fn send_begin_quorum_epoch(&mut self, now: Time, out: &mut Out) {
        let State::Leader(leader) = &mut self.state else { return };
        let msg = Msg::BeginQuorumEpoch { epoch: self.epoch, leader: self.id };
        for &voter in self.voters.iter().filter(|v| **v != self.id) {
            let in_flight = leader
                .begin_quorum_in_flight
                .get(&voter)
                .is_some_and(|sent| now.since(*sent) < REQUEST_TIMEOUT_MS * 1_000);
            if !in_flight {
                leader.begin_quorum_in_flight.insert(voter, now);
                out.push(Output::Send { to: voter, msg: msg.clone() });
            }
        }
        out.push(Output::SetTimer {
            timer: Timer::BeginQuorumResend,
            at: now.plus_ms(self.config.fetch_timeout_ms / 2),
        });
    }

    /// A fetch of our epoch (`on_msg` answered the others).
    pub(super) fn on_fetch(
        &mut self,
        now: Time,
        from: NodeId,
        fetch_offset: u64,
        last_fetched_epoch: u64,
        out: &mut Out,
    ) {
        let is_voter = self.is_voter(from);
        let majority = self.majority();
        let check_quorum_ms = self.config.fetch_timeout_ms * 3 / 2;
        let State::Leader(leader) = &mut self.state else {
            self.answer_not_leader(from, out);
            return;
        };
        // KIP-595: validate (FetchOffset, LastFetchedEpoch) against our log. An empty fetcher's
        // (0, 0) always passes: no entry has epoch 0, so the log's end of epoch 0 is (0, 0).
        let (found_epoch, end_offset) = self.log.end_offset_for_epoch(last_fetched_epoch);
        if found_epoch != last_fetched_epoch || end_offset < fetch_offset {
            let msg = Msg::FetchResponse {
                epoch: self.epoch,
                leader: Some(self.id),
                high_watermark: self.known_high_watermark(),
                body: FetchBody::Diverging { epoch: found_epoch, end_offset },
            };
            out.push(Output::Send { to: from, msg });
            return;
        }
        if is_voter {
            leader.voter_end.insert(from, fetch_offset);
            leader.fetched_since_check.insert(from);
            // Check-quorum: a majority (counting ourselves) fetched; start a new window.
            if leader.fetched_since_check.len() + 1 >= majority {
                leader.fetched_since_check.clear();
                out.push(Output::SetTimer { timer: Timer::CheckQuorum, at: now.plus_ms(check_quorum_ms) });
            }
        } else {
            leader.observer_end.insert(from, fetch_offset);
        }
        let hw = self.high_watermark;
        let hw_news = hw > leader.epoch_start_offset && leader.hw_sent.get(&from).is_none_or(|s| *s < hw);
        let had_data = fetch_offset < self.log.end_offset() || hw_news;
        if had_data {
            self.answer_fetch(from, fetch_offset, out);
            self.maybe_advance_high_watermark(out);
        } else {
            // Long poll: hold the fetch until new data arrives or the max wait passes.
            let State::Leader(leader) = &mut self.state else { return };
            leader.parked.insert(from, fetch_offset);
            out.push(Output::SetTimer {
                timer: Timer::FetchWait(from),
                at: now.plus_ms(self.config.fetch_max_wait_ms),
            });
            self.maybe_advance_high_watermark(out);
        }
    }

    /// NOT_LEADER_OR_FOLLOWER (or a fetch of another epoch): no records, and who leads as far
    /// as we know.
    pub(super) fn answer_not_leader(&self, to: NodeId, out: &mut Out) {
        debug_assert!(!self.is_leader() || self.leader_id == Some(self.id), "a leader knows it leads");
        let msg = Msg::FetchResponse {
            epoch: self.epoch,
            leader: self.leader_id,
            high_watermark: None,
            body: FetchBody::NotLeader,
        };
        out.push(Output::Send { to, msg });
    }

    pub(super) fn known_high_watermark(&self) -> Option<u64> {
        match &self.state {
            State::Leader(leader) if self.high_watermark <= leader.epoch_start_offset => None,
            _ => Some(self.high_watermark),
        }
    }

    pub(super) fn answer_fetch(&mut self, to: NodeId, fetch_offset: u64, out: &mut Out) {
        let entries = self.log.read(fetch_offset, MAX_FETCH_RECORDS);
        let high_watermark = self.known_high_watermark();
        if let (State::Leader(leader), Some(hw)) = (&mut self.state, high_watermark) {
            leader.hw_sent.insert(to, hw);
        }
        let msg = Msg::FetchResponse {
            epoch: self.epoch,
            leader: Some(self.id),
            high_watermark,
            body: FetchBody::Records { base_offset: fetch_offset, entries },
        };
        out.push(Output::Send { to, msg });
    }

    pub(super) fn answer_parked(&mut self, replica: NodeId, out: &mut Out) {
        let State::Leader(leader) = &mut self.state else { return };
        if let Some(offset) = leader.parked.remove(&replica) {
            out.push(Output::CancelTimer(Timer::FetchWait(replica)));
            self.answer_fetch(replica, offset, out);
        }
    }

    pub(super) fn answer_all_parked(&mut self, out: &mut Out) {
        let State::Leader(leader) = &mut self.state else { return };
        let parked = std::mem::take(&mut leader.parked);
        for (replica, offset) in parked {
            out.push(Output::CancelTimer(Timer::FetchWait(replica)));
            self.answer_fetch(replica, offset, out);
        }
    }

    /// KIP-595: HW = the offset at index voters/2 of the voters' end offsets sorted high to
    /// low, and only once it passes this epoch's start offset (`maybeUpdateHighWatermark`).
    pub(super) fn maybe_advance_high_watermark(&mut self, out: &mut Out) {
        let State::Leader(leader) = &self.state else { return };
        let mut ends: Vec<u64> = self
            .voters
            .iter()
            .map(|v| if *v == self.id { self.log.end_offset() } else { leader.voter_end.get(v).copied().unwrap_or(0) })
            .collect();
        // High to low (written `b < a`: the only `<` here, so .cargo/mutants.toml can name it).
        crate::sorted::insertion_sort_by(&mut ends, |a, b| b < a);
        let candidate = ends[self.voters.len() / 2];
        if candidate > leader.epoch_start_offset && candidate > self.high_watermark {
            self.high_watermark = candidate;
            self.on_committed(out);
            self.answer_all_parked(out);
        }
    }

    /// The high watermark moved: replay the newly committed records and complete the writes
    /// that were waiting for them.
    pub(super) fn on_committed(&mut self, out: &mut Out) {
        self.image.replay(&self.log, self.high_watermark);
        if let State::Leader(leader) = &mut self.state {
            let hw = self.high_watermark;
            let ready = leader.pending.iter().take_while(|(wait, _, _)| *wait <= hw).count();
            for (_, to, msg) in leader.pending.drain(..ready) {
                out.push(Output::Send { to, msg });
            }
        }
    }
}
