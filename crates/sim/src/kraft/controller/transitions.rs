//! Role changes of a controller (KIP-595 QuorumState, with KIP-996 Prospective): how it becomes
//! Unattached, Prospective, Candidate, Leader, Follower or Resigned, and what each change sets
//! up (timers, votes requested, the LeaderChangeMessage, BeginQuorumEpoch, EndQuorumEpoch).

use super::{Controller, LeaderState, Lease, Out, State, REQUEST_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS};
use crate::kraft::msg::Msg;
use crate::kraft::record::Record;
use crate::kraft::{Note, Timer};
use crate::sorted::SortedSet;
use crate::time::Time;
use crate::world::Output;
use crate::NodeId;

impl State {
    /// The QuorumState's name: `Unattached`, `Prospective`, `Candidate`, `Leader`, `Follower`,
    /// `Resigned`.
    pub fn name(&self) -> &'static str {
        match self {
            State::Unattached => "Unattached",
            State::Prospective { .. } => "Prospective",
            State::Candidate { .. } => "Candidate",
            State::Leader(_) => "Leader",
            State::Follower { .. } => "Follower",
            State::Resigned { .. } => "Resigned",
        }
    }
}

/// The role changes this model makes (KIP-595's QuorumState with KIP-996's Prospective, as in
/// Kafka 4.x). Every change of a running controller is checked against it in debug builds.
pub(super) fn legal_transition(from: &State, to: &State) -> bool {
    match (from, to) {
        // A higher epoch (from any role), a lost pre-vote, a resigned leader's election timeout.
        (_, State::Unattached) => true,
        // A fetch or election timeout with pre-vote on (a candidate's too, in Kafka 4.x).
        (State::Unattached | State::Follower { .. } | State::Candidate { .. }, State::Prospective { .. }) => true,
        // A won pre-vote, or a timeout with pre-vote off.
        (
            State::Unattached | State::Follower { .. } | State::Candidate { .. } | State::Prospective { .. },
            State::Candidate { .. },
        ) => true,
        (State::Candidate { .. }, State::Leader(_)) => true,
        // A leader becomes known (a leader learns of another only in a newer epoch).
        (_, State::Follower { .. }) => true,
        // Only a leader resigns (check-quorum, shutdown).
        (State::Leader(_), State::Resigned { .. }) => true,
        _ => false,
    }
}

impl Controller {
    /// Every role change of a running controller goes through here; a crash, and the start
    /// after it, set the state a process boots into.
    pub(super) fn transition(&mut self, next: State) {
        debug_assert!(
            legal_transition(&self.state, &next),
            "node {}: {} → {} is not a QuorumState transition",
            self.id,
            self.state.name(),
            next.name()
        );
        self.state = next;
    }

    pub(super) fn begin_election(&mut self, now: Time, out: &mut Out) {
        if !self.is_voter(self.id) {
            return;
        }
        if self.config.pre_vote {
            self.become_prospective(now, out);
        } else {
            self.become_candidate(now, out);
        }
    }

    pub(super) fn become_unattached(&mut self, now: Time, epoch: u64, out: &mut Out) {
        debug_assert!(epoch >= self.epoch, "node {}: epochs only grow ({} → {epoch})", self.id, self.epoch);
        let kept = self.kept_election_deadline(now);
        self.cancel_role_timers(out);
        if epoch > self.epoch {
            self.epoch = epoch;
            self.voted_for = None;
        }
        self.leader_id = None;
        self.transition(State::Unattached);
        out.push(Output::Note(Note::BecameUnattached { epoch: self.epoch }));
        match kept {
            Some(countdown) => self.keep_countdown(countdown, out),
            None => self.reset_election_timer(now, out),
        }
        // Kafka 4.1 pollUnattachedCommon (KAFKA-17030): an Unattached voter fetches from the
        // bootstrap servers while it waits, to learn of a leader.
        self.poll_fetch(now, out);
    }

    /// Kafka 4.1 `QuorumState.transitionToUnattached`: a Candidate, an Unattached voter, a
    /// Resigned leader and a Prospective whose pre-vote was not rejected keep the election time
    /// they have left; a Follower, a Leader and a rejected Prospective draw a new [T, 2T).
    fn kept_election_deadline(&self, now: Time) -> Option<(Time, Time)> {
        let keeps = match &self.state {
            State::Candidate { .. } | State::Unattached | State::Resigned { .. } => true,
            State::Prospective { .. } => !self.vote_rejected(),
            State::Leader(_) | State::Follower { .. } => false,
        };
        self.timer_view.filter(|(_, at)| keeps && *at >= now)
    }

    pub(super) fn become_prospective(&mut self, now: Time, out: &mut Out) {
        let leader = match &self.state {
            State::Follower { leader, .. } => Some(*leader),
            _ => None,
        };
        self.cancel_role_timers(out);
        self.transition(State::Prospective { granted: self.own_vote(), rejected: SortedSet::new(), leader });
        out.push(Output::Note(Note::BecameProspective { epoch: self.epoch }));
        self.ask_for_votes(now, true, out);
    }

    pub(super) fn become_candidate(&mut self, now: Time, out: &mut Out) {
        self.cancel_role_timers(out);
        // KIP-595: bump the epoch and vote for ourselves; both are persisted first.
        self.epoch += 1;
        self.voted_for = Some(self.id);
        self.leader_id = None;
        self.transition(State::Candidate { granted: self.own_vote(), rejected: SortedSet::new() });
        out.push(Output::Note(Note::BecameCandidate { epoch: self.epoch }));
        self.ask_for_votes(now, false, out);
    }

    pub(super) fn become_leader(&mut self, now: Time, out: &mut Out) {
        self.cancel_role_timers(out);
        self.leader_id = Some(self.id);
        let epoch_start_offset = self.log.end_offset();
        // QuorumController.claim(): nothing is reloaded, the committed state is in memory;
        // the uncommitted tail joins the working image.
        let mut working = self.image.clone();
        working.replay(&self.log, epoch_start_offset);
        // Kafka 4.1 ClusterControlManager.activate(): every unfenced registration gets a contact
        // time of now, a full session (KAFKA-19130; 4.0.0 gave one to fenced brokers too).
        let leases = working
            .brokers
            .iter()
            .filter(|(_, r)| !r.fenced)
            .map(|(b, r)| (*b, Lease::new(r.broker_epoch, now)))
            .collect();
        self.transition(State::Leader(LeaderState::new(epoch_start_offset, working, leases)));
        out.push(Output::Note(Note::BecameLeader { epoch: self.epoch }));
        // Kafka 4.1 pollLeader: a leader elected while shutting down resigns at once.
        if self.shutdown_deadline.is_some() {
            let preferred = self.preferred_successors();
            self.resign(now, preferred, out);
            return;
        }
        // KIP-595: the new leader appends a LeaderChangeMessage; the high watermark may only
        // pass the epoch start once it is on a majority (Raft §5.4.2).
        let voters = self.voters.clone().into();
        self.append(Record::LeaderChange { leader: self.id, voters }, out);
        // LeaderState: the BeginQuorumEpoch timer starts expired (`time.timer(0)`).
        self.send_begin_quorum_epoch(now, out);
        let fetch_timeout = self.config.fetch_timeout_ms;
        out.push(Output::SetTimer { timer: Timer::CheckQuorum, at: now.plus_ms(fetch_timeout * 3 / 2) });
        out.push(Output::SetTimer { timer: Timer::NoOp, at: now.plus_ms(self.config.noop_interval_ms) });
        // Kafka 4.x periodic task maybeFenceStaleBroker, first run one period after activation.
        out.push(Output::SetTimer { timer: Timer::SessionCheck, at: now.plus_us(self.fence_check_period_us()) });
        self.maybe_advance_high_watermark(out);
    }

    pub(super) fn become_follower(&mut self, now: Time, epoch: u64, leader: NodeId, out: &mut Out) {
        if self.follow(now, epoch, leader, out) {
            self.poll_fetch(now, out);
        }
    }

    /// Follower of `leader` in `epoch`, with a new fetch timer; whether the process goes on (a
    /// shutdown ends here). The caller sends the next fetch.
    pub(super) fn follow(&mut self, now: Time, epoch: u64, leader: NodeId, out: &mut Out) -> bool {
        debug_assert!(epoch >= self.epoch, "node {}: epochs only grow ({} → {epoch})", self.id, self.epoch);
        debug_assert!(
            !self.is_leader() || epoch > self.epoch,
            "node {}: a leader follows another only in a newer epoch",
            self.id
        );
        self.cancel_role_timers(out);
        if epoch > self.epoch {
            self.epoch = epoch;
            self.voted_for = None;
        }
        self.leader_id = Some(leader);
        self.transition(State::Follower { leader, has_fetched: false, leader_resigned: false });
        out.push(Output::Note(Note::BecameFollower { epoch: self.epoch, leader }));
        // Kafka 4.1 maybeCompleteShutdown: a shutdown completes once a remote leader is known.
        if self.shutdown_deadline.is_some() {
            out.push(Output::Halt);
            return false;
        }
        self.reset_fetch_timer(now, self.config.fetch_timeout_ms, out);
        true
    }

    /// Step down (graceful shutdown or failed check-quorum): Resigned at the same epoch, and
    /// EndQuorumEpoch to every other voter (KIP-595; Kafka 4.1 `transitionToResigned`).
    pub(super) fn resign(&mut self, now: Time, preferred: Vec<NodeId>, out: &mut Out) {
        self.cancel_role_timers(out);
        self.transition(State::Resigned { unacked: self.other_voters(), preferred });
        out.push(Output::Note(Note::Resigned { epoch: self.epoch }));
        self.reset_election_timer(now, out);
        self.send_end_quorum_epoch(now, out);
    }

    pub(super) fn other_voters(&self) -> SortedSet<NodeId> {
        self.voters.iter().copied().filter(|v| *v != self.id).collect()
    }

    /// Kafka 4.1 `pollResigned`: EndQuorumEpoch to every voter that has not answered one, again
    /// after the request timeout (a simplification: Kafka retries a refused connection after
    /// `controller.quorum.retry.backoff.ms`, the model only after the request timeout).
    pub(super) fn send_end_quorum_epoch(&mut self, now: Time, out: &mut Out) {
        let State::Resigned { unacked, preferred } = &self.state else { return };
        if unacked.is_empty() {
            return;
        }
        let msg = Msg::EndQuorumEpoch { epoch: self.epoch, leader: self.id, preferred: preferred.clone().into() };
        for &voter in unacked {
            out.push(Output::Send { to: voter, msg: msg.clone() });
        }
        out.push(Output::SetTimer { timer: Timer::EndQuorumResend, at: now.plus_ms(REQUEST_TIMEOUT_MS) });
    }

    /// KIP-595 EndQuorumEpoch's PreferredSuccessors (Kafka 4.1
    /// `LeaderState.nonLeaderVotersByDescendingFetchOffset`): the other voters by fetch offset,
    /// highest first, ties by id, those that never fetched last (`ReplicaState.compareTo`).
    pub(super) fn preferred_successors(&self) -> Vec<NodeId> {
        let State::Leader(leader) = &self.state else { return Vec::new() };
        let mut preferred: Vec<NodeId> = self.other_voters().iter().copied().collect();
        let key = |v: &NodeId| {
            let end = leader.voter_end.get(v).copied();
            (end.is_none(), std::cmp::Reverse(end.unwrap_or(0)), *v)
        };
        // See insertion_sort_by for why not std's sorts.
        crate::sorted::insertion_sort_by(&mut preferred, |a, b| key(a) < key(b));
        preferred
    }

    /// A graceful shutdown (Kafka 4.1 `KafkaRaftClient.shutdown(5000)`): a leader resigns and
    /// stays up, answering votes and sending EndQuorumEpoch, until it learns of a remote leader
    /// (`maybeCompleteShutdown`) or the timeout passes. A follower knows a remote leader: it stops
    /// at once; so does a lone voter. Unattached, Prospective and Candidate voters wait like the
    /// resigned leader, without starting elections.
    pub(super) fn shutdown(&mut self, now: Time, out: &mut Out) {
        if self.shutdown_deadline.is_some() {
            return;
        }
        let remote_leader = self.leader_id.is_some_and(|l| l != self.id);
        if remote_leader || self.voters.len() == 1 {
            out.push(Output::Halt);
            return;
        }
        let deadline = now.plus_ms(SHUTDOWN_TIMEOUT_MS);
        self.shutdown_deadline = Some(deadline);
        out.push(Output::SetTimer { timer: Timer::ShutdownDone, at: deadline });
        if self.is_leader() {
            let preferred = self.preferred_successors();
            self.resign(now, preferred, out);
        }
    }
}
