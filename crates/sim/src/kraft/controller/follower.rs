//! The follower: fetching from the leader, appending and truncating what it answers, the
//! reconnect backoff, and a resigning leader's EndQuorumEpoch (KIP-595).

use super::{Controller, Out, State, RECONNECT_BACKOFF_MAX_MS, RECONNECT_BACKOFF_MS};
use crate::kraft::msg::{FetchBody, Msg};
use crate::kraft::{Note, Timer};
use crate::time::Time;
use crate::world::Output;
use crate::NodeId;

impl Controller {
    pub(super) fn send_fetch(&self, out: &mut Out) {
        let State::Follower { leader, .. } = &self.state else { return };
        let msg = Msg::Fetch {
            epoch: self.epoch,
            fetch_offset: self.log.end_offset(),
            last_fetched_epoch: self.log.last_epoch(),
        };
        out.push(Output::Send { to: *leader, msg });
    }

    pub(super) fn on_fetch_response(&mut self, now: Time, from: NodeId, reply: FetchReply, out: &mut Out) {
        let FetchReply { epoch, leader, high_watermark: hw, body } = reply;
        let following_sender = matches!(self.state, State::Follower { leader: l, .. } if l == from);
        if !following_sender {
            // Same epoch, and the sender says it leads: follow it (e.g. after a pre-vote).
            if leader == Some(from) && !self.is_leader() {
                self.become_follower(now, epoch, from, out);
            }
            return;
        }
        match body {
            FetchBody::Records { base_offset, entries } => {
                if let Some(hw) = self.log.append_fetched(base_offset, entries, hw, self.high_watermark) {
                    self.high_watermark = hw;
                    self.on_committed(out);
                }
                self.fetched_ok(now, out);
            }
            FetchBody::Diverging { epoch: diverging_epoch, end_offset } => {
                // KIP-595: truncate to the end of the diverging epoch (no further than our own
                // end of that epoch), then fetch again.
                let (to_offset, dropped) = self.log.truncate_diverging(diverging_epoch, end_offset, 0);
                out.push(Output::Note(Note::Truncated { to_offset, dropped }));
                self.fetched_ok(now, out);
            }
            FetchBody::NotLeader => {
                if let Some(l) = leader.filter(|l| *l != from && *l != self.id) {
                    self.become_follower(now, epoch, l, out);
                }
            }
        }
    }

    pub(super) fn fetched_ok(&mut self, now: Time, out: &mut Out) {
        if let State::Follower { has_fetched, backoff_ms, leader_resigned, .. } = &mut self.state {
            *has_fetched = true;
            *backoff_ms = RECONNECT_BACKOFF_MS;
            // The fetch timer starts over at the full fetch timeout.
            *leader_resigned = false;
        }
        self.reset_fetch_timer(now, self.config.fetch_timeout_ms, out);
        self.send_fetch(out);
    }

    pub(super) fn on_unreachable(&mut self, now: Time, to: NodeId, msg: Msg, out: &mut Out) {
        // A BeginQuorumEpoch that could not be delivered is no longer awaited (Kafka:
        // BROKER_NOT_AVAILABLE ends the request): the next round sends it again.
        if let (Msg::BeginQuorumEpoch { .. }, State::Leader(leader)) = (&msg, &mut self.state) {
            leader.begin_quorum_in_flight.remove(&to);
        }
        if let (Msg::Fetch { .. }, State::Follower { leader, backoff_ms, .. }) = (&msg, &mut self.state) {
            if *leader == to {
                // The leader's process is gone: reconnect with backoff; the fetch timer keeps
                // running and decides when to start an election.
                let wait = *backoff_ms;
                *backoff_ms = (*backoff_ms * 2).min(RECONNECT_BACKOFF_MAX_MS);
                out.push(Output::SetTimer { timer: Timer::FetchRetry, at: now.plus_ms(wait) });
            }
        }
    }

    /// Kafka 4.1 `handleEndQuorumEpochRequest`: follow the resigning leader if we knew none
    /// (`maybeTransition`), then, following it, override the fetch timer with our turn among its
    /// preferred successors. `hasFetchedFromLeader` is left as it is (FollowerState has no reset),
    /// so a follower that fetched still rejects pre-votes. Answered in every case.
    pub(super) fn on_end_quorum_epoch(
        &mut self,
        now: Time,
        from: NodeId,
        epoch: u64,
        preferred: &[NodeId],
        out: &mut Out,
    ) {
        self.observe_leader_of_our_epoch(now, Some(from), out);
        let wait = end_epoch_election_backoff_ms(self.id, preferred);
        if let State::Follower { leader, leader_resigned, .. } = &mut self.state {
            if *leader == from {
                *leader_resigned = true;
                out.push(Output::Note(Note::EndQuorumEpochReceived { epoch, backoff_ms: wait }));
                self.reset_fetch_timer(now, wait, out);
            }
        }
        self.answer_end_quorum_epoch(from, out);
    }

    pub(super) fn answer_end_quorum_epoch(&self, to: NodeId, out: &mut Out) {
        out.push(Output::Send { to, msg: Msg::EndQuorumEpochResponse { epoch: self.epoch, leader: self.leader_id } });
    }
}

/// Kafka 4.1 `endEpochElectionBackoff` / `strictExponentialElectionBackoffMs`: the first preferred
/// successor waits 0 ms; the one at position p of n waits min(max, (max >> (n-1)) << (p-1)), max =
/// `election.backoff.max.ms`; a voter not in the list waits max.
fn end_epoch_election_backoff_ms(me: NodeId, preferred: &[NodeId]) -> u64 {
    let max = crate::kraft::ELECTION_BACKOFF_MAX_MS;
    let n = preferred.len() as u32;
    match preferred.iter().position(|v| *v == me).unwrap_or(preferred.len()) as u32 {
        0 => 0,
        pos if pos >= n => max,
        pos => (max >> (n - 1).min(63)).checked_shl(pos - 1).unwrap_or(max).min(max),
    }
}

pub(super) struct FetchReply {
    pub(super) epoch: u64,
    pub(super) leader: Option<NodeId>,
    pub(super) high_watermark: Option<u64>,
    pub(super) body: FetchBody,
}
