//! The follower: fetching from the leader, appending and truncating what it answers, the
//! reconnect backoff, and a resigning leader's EndQuorumEpoch (KIP-595).

use super::{Controller, Out, State};
use crate::kraft::msg::{FetchBody, Msg};
use crate::kraft::Note;
use crate::time::Time;
use crate::world::Output;
use crate::NodeId;

impl Controller {
    /// Send the next Fetch if one may go now (Kafka 4.1 `pollFollowerAsVoter` →
    /// `maybeSendFetchToBestNode` for a follower before its fetch timeout, `pollUnattachedCommon`
    /// → `maybeSendFetchToAnyBootstrap` for an Unattached voter), else wake up when one may.
    /// Prospective, Candidate, Leader and Resigned do not fetch, nor a voter shutting down.
    pub(super) fn poll_fetch(&mut self, now: Time, out: &mut Out) {
        if self.shutdown_deadline.is_some() {
            return;
        }
        let next = match &self.state {
            State::Follower { leader, .. } => self.fetcher.to_best_node(now, *leader),
            State::Unattached => self.fetcher.to_any_bootstrap(now),
            _ => return,
        };
        self.fetcher.act(next, now, self.epoch, &self.log, out);
    }

    /// A fetch answer of our epoch that was awaited (`on_msg` settled the rest). Kafka 4.1
    /// `handleFetchResponse` after `maybeHandleCommonResponse`: an answer naming a leader we did
    /// not know makes us its follower (and its records are taken at once); NOT_LEADER_OR_FOLLOWER
    /// from another voter changes nothing else; records and DivergingEpoch from the leader are
    /// applied and reset the fetch timer. Then the next fetch.
    pub(super) fn on_fetch_response(&mut self, now: Time, from: NodeId, reply: FetchReply, out: &mut Out) {
        let FetchReply { epoch, leader, high_watermark: hw, body } = reply;
        let from_leader = leader == Some(from) && !matches!(body, FetchBody::NotLeader);
        if let Some(l) = leader.filter(|l| *l != self.id && self.leader_id.is_none() && !self.is_leader()) {
            if !self.follow(now, epoch, l, out) {
                return;
            }
        }
        let following_sender = matches!(self.state, State::Follower { leader: l, .. } if l == from);
        if following_sender && from_leader {
            match body {
                FetchBody::Records { base_offset, entries } => {
                    if let Some(hw) = self.log.append_fetched(base_offset, entries, hw, self.high_watermark) {
                        self.high_watermark = hw;
                        self.on_committed(out);
                    }
                }
                FetchBody::Diverging { epoch: diverging_epoch, end_offset } => {
                    // KIP-595: truncate to the end of the diverging epoch (no further than our
                    // own end of that epoch), then fetch again.
                    let (to_offset, dropped) = self.log.truncate_diverging(diverging_epoch, end_offset, 0);
                    out.push(Output::Note(Note::Truncated { to_offset, dropped }));
                }
                FetchBody::NotLeader => {}
            }
            self.fetched_ok(now, out);
        }
        self.poll_fetch(now, out);
    }

    /// FollowerState.resetFetchTimeoutForSuccessfulFetch: the fetch timer starts over at the full
    /// fetch timeout, and the follower has fetched from this leader.
    pub(super) fn fetched_ok(&mut self, now: Time, out: &mut Out) {
        if let State::Follower { has_fetched, leader_resigned, .. } = &mut self.state {
            *has_fetched = true;
            *leader_resigned = false;
        }
        self.reset_fetch_timer(now, self.config.fetch_timeout_ms, out);
    }

    pub(super) fn on_unreachable(&mut self, now: Time, to: NodeId, msg: Msg, out: &mut Out) {
        // A BeginQuorumEpoch that could not be delivered is no longer awaited (Kafka:
        // BROKER_NOT_AVAILABLE ends the request): the next round sends it again.
        if let (Msg::BeginQuorumEpoch { .. }, State::Leader(leader)) = (&msg, &mut self.state) {
            leader.begin_quorum_in_flight.remove(&to);
        }
        // The fetch target's process is gone: it backs off (reconnect backoff) and, if that
        // fetch was awaited, the next one goes elsewhere at once; the fetch timer runs on.
        if matches!(msg, Msg::Fetch { .. }) && self.fetcher.refused(to, now) {
            self.poll_fetch(now, out);
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
pub(super) fn end_epoch_election_backoff_ms(me: NodeId, preferred: &[NodeId]) -> u64 {
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
