//! A KRaft controller: a voter of the metadata quorum running Kafka's Raft (KIP-595, with
//! KIP-996 pre-vote as in Kafka 4.x). Sans-IO: `step` takes one input and writes outputs.
//!
//! Simplifications (also in `ABOUT_KRAFT_MODEL`): a static voter set (no KIP-853
//! reconfiguration), no snapshots (KIP-630), one outstanding fetch per follower, whole records
//! rather than batches.

use crate::sorted::{SortedMap, SortedSet};

use super::image::MetadataImage;
use super::log::{Entry, Log};
use super::msg::{FetchBody, Msg};
use super::record::Record;
use super::{Cmd, Config, Note, Timer};
use crate::rng::Rng;
use crate::time::Time;
use crate::world::{Input, Output};
use crate::NodeId;

/// Most records sent in one fetch response.
const MAX_FETCH_RECORDS: usize = 64;
/// Reconnect backoff after a refused connection: `reconnect.backoff.ms` 50 doubling to
/// `reconnect.backoff.max.ms` 1000.
const RECONNECT_BACKOFF_MS: u64 = 50;
const RECONNECT_BACKOFF_MAX_MS: u64 = 1_000;
/// How long a shutting-down leader waits for EndQuorumEpoch to leave before it stops.
const SHUTDOWN_LINGER_MS: u64 = 100;

type Out = Vec<Output<Msg, Timer, Note>>;

mod lifecycle;
#[cfg(test)]
mod tests;

// One State per controller, rarely moved: the leader's size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Knows the epoch but no leader; may have voted in it.
    Unattached,
    /// KIP-996: asking for pre-votes at the current epoch; remembers the leader it had.
    Prospective {
        granted: SortedSet<NodeId>,
        rejected: SortedSet<NodeId>,
        leader: Option<NodeId>,
    },
    Candidate {
        granted: SortedSet<NodeId>,
        rejected: SortedSet<NodeId>,
    },
    Leader(LeaderState),
    Follower {
        leader: NodeId,
        has_fetched: bool,
        backoff_ms: u64,
        /// The leader resigned naming this voter a successor (EndQuorumEpoch): the fetch timer
        /// now counts down its turn to stand, not a silent leader.
        leader_resigned: bool,
    },
    /// A leader that stepped down (shutdown or failed check-quorum), waiting out its epoch.
    Resigned,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderState {
    /// Offset of this epoch's LeaderChangeMessage: the high watermark must pass it (§5.4.2).
    pub epoch_start_offset: u64,
    /// Fetch offset last reported by each voter (its log end offset).
    pub voter_end: SortedMap<NodeId, u64>,
    /// Fetch offset last reported by each observer (brokers).
    pub observer_end: SortedMap<NodeId, u64>,
    /// Voters that acknowledged BeginQuorumEpoch (or fetched, which implies it).
    pub acknowledged: SortedSet<NodeId>,
    /// Voters heard from since the check-quorum timer was last reset.
    pub fetched_since_check: SortedSet<NodeId>,
    /// Long-polling fetches waiting for new data: replica → fetch offset.
    pub parked: SortedMap<NodeId, u64>,
    /// The high watermark last sent to each replica: a fetch from one that has not seen the
    /// current one is answered at once (Kafka completes delayed fetches when the HW moves).
    pub hw_sent: SortedMap<NodeId, u64>,
    /// The committed image plus this leader's uncommitted records (Kafka's timeline data
    /// structures): what the active controller decides from. Dropped when it stops leading.
    pub working: MetadataImage,
    /// Soft state (KIP-631 BrokerHeartbeatManager), never in the log: reset on failover.
    pub leases: SortedMap<NodeId, Lease>,
    /// Responses waiting for the high watermark to reach an offset (a controller write
    /// completes only once its records, and everything before them, are committed).
    pub pending: Vec<(u64, NodeId, Msg)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub last_contact: Time,
    /// The broker's last reported metadata offset (next offset to apply).
    pub metadata_offset: u64,
    /// Log end offset after the InControlledShutdown change (BrokerHeartbeatManager).
    pub shutdown_offset: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Controller {
    pub id: NodeId,
    pub voters: Vec<NodeId>,
    config: Config,
    rng: Rng,
    // Durable: the quorum-state file and the log survive a crash.
    pub epoch: u64,
    pub voted_for: Option<NodeId>,
    pub leader_id: Option<NodeId>,
    pub log: Log,
    // Volatile.
    pub state: State,
    pub high_watermark: u64,
    /// The committed metadata, replayed up to the high watermark.
    pub image: MetadataImage,
    /// The countdown the app draws: (set at, fires at).
    pub timer_view: Option<(Time, Time)>,
    last_append: Time,
}

impl Controller {
    /// `voters` in ascending id order (`shutdown` relies on it).
    pub fn new(id: NodeId, voters: Vec<NodeId>, config: Config, seed: u64) -> Controller {
        debug_assert!(voters.windows(2).all(|w| w[0] < w[1]), "voters must be ascending");
        Controller {
            id,
            voters,
            config,
            rng: Rng::stream(seed, 0x4B52_0000 + id as u64), // "KR" + id
            epoch: 0,
            voted_for: None,
            leader_id: None,
            log: Log::default(),
            state: State::Unattached,
            high_watermark: 0,
            image: MetadataImage::default(),
            timer_view: None,
            last_append: Time::ZERO,
        }
    }

    fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    /// (votes granted so far, votes needed) while pre-voting or running for election.
    pub fn tally(&self) -> Option<(u32, u32)> {
        match &self.state {
            State::Prospective { granted, .. } | State::Candidate { granted, .. } => {
                Some((granted.len() as u32, self.majority() as u32))
            }
            _ => None,
        }
    }

    fn is_voter(&self, id: NodeId) -> bool {
        self.voters.contains(&id)
    }

    pub fn is_leader(&self) -> bool {
        matches!(self.state, State::Leader(_))
    }

    pub fn crash(&mut self) {
        // KIP-595: epoch, vote and leader live in the quorum-state file; the log is on disk.
        self.state = State::Unattached;
        self.high_watermark = 0;
        // The image is memory: rebuilt from the log once the high watermark is known again.
        self.image = MetadataImage::default();
        self.timer_view = None;
    }

    /// The image the active controller decides from, if this controller is active.
    pub fn working_image(&self) -> Option<&MetadataImage> {
        match &self.state {
            State::Leader(leader) => Some(&leader.working),
            _ => None,
        }
    }

    pub fn step(&mut self, now: Time, input: Input<Msg, Timer, Cmd>, out: &mut Out) {
        match input {
            Input::Start => self.start(now, out),
            Input::Timer(timer) => self.on_timer(now, timer, out),
            Input::Msg { from, msg } => self.on_msg(now, from, msg, out),
            Input::Unreachable { to, msg } => self.on_unreachable(now, to, msg, out),
            Input::Shutdown => self.shutdown(now, out),
            Input::Client(Cmd::CreateTopic { name, partitions, replication_factor }) => {
                self.create_topic(now, name, partitions, replication_factor, out)
            }
            Input::Client(Cmd::AlterConfig { topic, key, value }) => self.alter_config(now, topic, key, value, out),
        }
    }

    fn start(&mut self, now: Time, out: &mut Out) {
        out.push(Output::Note(Note::Started { epoch: self.epoch }));
        match self.leader_id {
            // KIP-595: a node that restarts while recorded as leader starts as Resigned.
            Some(leader) if leader == self.id => {
                self.state = State::Resigned;
                self.reset_election_timer(now, out);
            }
            Some(leader) => self.become_follower(now, self.epoch, leader, out),
            None => {
                self.state = State::Unattached;
                self.reset_election_timer(now, out);
            }
        }
    }

    // ---- timers ---------------------------------------------------------------------------

    fn reset_election_timer(&mut self, now: Time, out: &mut Out) {
        // KIP-595: election timeout uniform in [T, 2T), T = controller.quorum.election.timeout.ms.
        let t = self.config.election_timeout_ms;
        let at = now.plus_us(self.rng.range(t * 1_000, 2 * t * 1_000));
        self.set_countdown(now, Timer::Election, at, out);
    }

    fn reset_fetch_timer(&mut self, now: Time, after_ms: u64, out: &mut Out) {
        let at = now.plus_ms(after_ms);
        self.set_countdown(now, Timer::FetchTimeout, at, out);
    }

    fn set_countdown(&mut self, now: Time, timer: Timer, at: Time, out: &mut Out) {
        self.timer_view = Some((now, at));
        out.push(Output::SetTimer { timer, at });
    }

    fn cancel_role_timers(&mut self, out: &mut Out) {
        for timer in [
            Timer::Election,
            Timer::FetchTimeout,
            Timer::FetchRetry,
            Timer::BeginQuorumResend,
            Timer::CheckQuorum,
            Timer::NoOp,
            Timer::SessionCheck,
        ] {
            out.push(Output::CancelTimer(timer));
        }
        if let State::Leader(leader) = &self.state {
            for &replica in leader.parked.keys() {
                out.push(Output::CancelTimer(Timer::FetchWait(replica)));
            }
        }
        self.timer_view = None;
    }

    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Out) {
        match (timer, &self.state) {
            (Timer::Election, State::Unattached) => {
                // KIP-595: an Unattached voter starts an election when its election timeout
                // expires with no leader known; say how long it waited.
                let timeout_ms = self.timer_view.map_or(0, |(set, at)| at.since(set) / 1_000);
                out.push(Output::Note(Note::NoLeaderTimeout { epoch: self.epoch, timeout_ms }));
                self.begin_election(now, out);
            }
            (Timer::Election, State::Prospective { leader, .. }) => {
                // KIP-996: a prospective that times out goes back to following (if it knew a
                // leader) or to Unattached, and tries again after another timeout.
                let leader = *leader;
                out.push(Output::Note(Note::PreVoteLost { epoch: self.epoch }));
                match leader {
                    Some(l) => self.become_follower(now, self.epoch, l, out),
                    None => {
                        self.state = State::Unattached;
                        self.reset_election_timer(now, out);
                    }
                }
            }
            (Timer::Election, State::Candidate { .. }) => {
                // Kafka 4.x: a candidate that neither won nor lost waits out its election
                // timeout and returns to Prospective (3.x retried with epoch + 1).
                out.push(Output::Note(Note::ElectionTimedOut { epoch: self.epoch }));
                self.begin_election(now, out);
            }
            (Timer::Election, State::Resigned) => {
                // KIP-595: after its election timeout a resigned leader moves to Unattached(epoch + 1).
                self.become_unattached(now, self.epoch + 1, out);
            }
            (Timer::FetchTimeout, State::Follower { leader, leader_resigned, .. }) => {
                let note = if *leader_resigned {
                    Note::SuccessorTurn { epoch: self.epoch, resigned: *leader }
                } else {
                    Note::FetchTimeout { epoch: self.epoch }
                };
                out.push(Output::Note(note));
                self.begin_election(now, out);
            }
            (Timer::FetchRetry, State::Follower { .. }) => self.send_fetch(out),
            (Timer::BeginQuorumResend, State::Leader(_)) => self.resend_begin_quorum(now, out),
            (Timer::CheckQuorum, State::Leader(_)) => {
                // KIP-595 check-quorum: no fetch from a majority within 1.5 × fetch timeout.
                out.push(Output::Note(Note::CheckQuorumFailed { epoch: self.epoch }));
                self.resign(now, Vec::new(), out);
            }
            (Timer::NoOp, State::Leader(_)) => {
                // metadata.max.idle.interval.ms: append a NoOpRecord when idle.
                if now.since(self.last_append) >= self.config.noop_interval_ms * 1_000 {
                    self.append(now, Record::NoOp, out);
                }
                self.maybe_create_initial_topic(now, out);
                out.push(Output::SetTimer { timer: Timer::NoOp, at: now.plus_ms(self.config.noop_interval_ms) });
            }
            (Timer::FetchWait(replica), State::Leader(_)) => self.answer_parked(replica, out),
            (Timer::SessionCheck, State::Leader(_)) => self.on_session_check(now, out),
            (Timer::ShutdownDone, _) => out.push(Output::Halt),
            _ => {}
        }
    }

    // ---- transitions ----------------------------------------------------------------------

    fn begin_election(&mut self, now: Time, out: &mut Out) {
        if !self.is_voter(self.id) {
            return;
        }
        if self.config.pre_vote {
            self.become_prospective(now, out);
        } else {
            self.become_candidate(now, out);
        }
    }

    fn become_unattached(&mut self, now: Time, epoch: u64, out: &mut Out) {
        self.cancel_role_timers(out);
        if epoch > self.epoch {
            self.epoch = epoch;
            self.voted_for = None;
        }
        self.leader_id = None;
        self.state = State::Unattached;
        out.push(Output::Note(Note::BecameUnattached { epoch: self.epoch }));
        self.reset_election_timer(now, out);
    }

    fn become_prospective(&mut self, now: Time, out: &mut Out) {
        let leader = match &self.state {
            State::Follower { leader, .. } => Some(*leader),
            _ => None,
        };
        self.cancel_role_timers(out);
        let mut granted = SortedSet::new();
        granted.insert(self.id);
        self.state = State::Prospective { granted, rejected: SortedSet::new(), leader };
        out.push(Output::Note(Note::BecameProspective { epoch: self.epoch }));
        self.reset_election_timer(now, out);
        self.request_votes(true, out);
        self.maybe_won_pre_vote(now, out);
    }

    fn become_candidate(&mut self, now: Time, out: &mut Out) {
        self.cancel_role_timers(out);
        // KIP-595: bump the epoch and vote for ourselves; both are persisted first.
        self.epoch += 1;
        self.voted_for = Some(self.id);
        self.leader_id = None;
        let mut granted = SortedSet::new();
        granted.insert(self.id);
        self.state = State::Candidate { granted, rejected: SortedSet::new() };
        out.push(Output::Note(Note::BecameCandidate { epoch: self.epoch }));
        self.reset_election_timer(now, out);
        self.request_votes(false, out);
        self.maybe_won_election(now, out);
    }

    fn become_leader(&mut self, now: Time, out: &mut Out) {
        self.cancel_role_timers(out);
        self.leader_id = Some(self.id);
        let epoch_start_offset = self.log.end_offset();
        let mut acknowledged = SortedSet::new();
        acknowledged.insert(self.id);
        // QuorumController.claim(): nothing is reloaded, the committed state is in memory;
        // the uncommitted tail joins the working image.
        let mut working = self.image.clone();
        working.replay(&self.log, epoch_start_offset);
        // §3.5 clusterControl.activate(): every registered broker gets a full session lease.
        let leases = working
            .brokers
            .keys()
            .map(|&b| (b, Lease { last_contact: now, metadata_offset: 0, shutdown_offset: None }))
            .collect();
        self.state = State::Leader(LeaderState {
            epoch_start_offset,
            voter_end: SortedMap::new(),
            observer_end: SortedMap::new(),
            acknowledged,
            fetched_since_check: SortedSet::new(),
            parked: SortedMap::new(),
            hw_sent: SortedMap::new(),
            working,
            leases,
            pending: Vec::new(),
        });
        out.push(Output::Note(Note::BecameLeader { epoch: self.epoch }));
        // KIP-595: the new leader appends a LeaderChangeMessage; the high watermark may only
        // pass the epoch start once it is on a majority (Raft §5.4.2).
        let voters = self.voters.clone().into();
        self.append(now, Record::LeaderChange { leader: self.id, voters }, out);
        for &voter in &self.voters {
            if voter != self.id {
                out.push(Output::Send { to: voter, msg: Msg::BeginQuorumEpoch { epoch: self.epoch, leader: self.id } });
            }
        }
        let fetch_timeout = self.config.fetch_timeout_ms;
        out.push(Output::SetTimer { timer: Timer::BeginQuorumResend, at: now.plus_ms(fetch_timeout / 2) });
        out.push(Output::SetTimer { timer: Timer::CheckQuorum, at: now.plus_ms(fetch_timeout * 3 / 2) });
        out.push(Output::SetTimer { timer: Timer::NoOp, at: now.plus_ms(self.config.noop_interval_ms) });
        out.push(Output::SetTimer {
            timer: Timer::SessionCheck,
            at: now.plus_ms(self.config.broker_session_timeout_ms),
        });
        self.maybe_advance_high_watermark(out);
    }

    fn become_follower(&mut self, now: Time, epoch: u64, leader: NodeId, out: &mut Out) {
        self.cancel_role_timers(out);
        if epoch > self.epoch {
            self.epoch = epoch;
            self.voted_for = None;
        }
        self.leader_id = Some(leader);
        self.state =
            State::Follower { leader, has_fetched: false, backoff_ms: RECONNECT_BACKOFF_MS, leader_resigned: false };
        out.push(Output::Note(Note::BecameFollower { epoch: self.epoch, leader }));
        self.reset_fetch_timer(now, self.config.fetch_timeout_ms, out);
        self.send_fetch(out);
    }

    /// Step down (graceful shutdown or failed check-quorum): Resigned at the same epoch.
    fn resign(&mut self, now: Time, preferred: Vec<NodeId>, out: &mut Out) {
        self.cancel_role_timers(out);
        if !preferred.is_empty() {
            for &voter in &preferred {
                let msg =
                    Msg::EndQuorumEpoch { epoch: self.epoch, leader: self.id, preferred: preferred.clone().into() };
                out.push(Output::Send { to: voter, msg });
            }
        }
        self.state = State::Resigned;
        out.push(Output::Note(Note::Resigned { epoch: self.epoch }));
        self.reset_election_timer(now, out);
    }

    fn shutdown(&mut self, now: Time, out: &mut Out) {
        if let State::Leader(leader) = &self.state {
            // KIP-595 EndQuorumEpoch: preferred successors sorted by how far they have fetched,
            // ties by id. (Voters are listed in ascending id order, so this is the order a stable
            // sort on the end offset alone gave; see insertion_sort_by for why not std's sorts.)
            let mut preferred: Vec<NodeId> = self.voters.iter().copied().filter(|v| *v != self.id).collect();
            let key = |v: &NodeId| (std::cmp::Reverse(leader.voter_end.get(v).copied().unwrap_or(0)), *v);
            crate::sorted::insertion_sort_by(&mut preferred, |a, b| key(a) < key(b));
            self.resign(now, preferred, out);
            out.push(Output::SetTimer { timer: Timer::ShutdownDone, at: now.plus_ms(SHUTDOWN_LINGER_MS) });
        } else {
            out.push(Output::Halt);
        }
    }

    // ---- elections ------------------------------------------------------------------------

    fn request_votes(&self, pre_vote: bool, out: &mut Out) {
        let msg = Msg::Vote {
            epoch: self.epoch,
            candidate: self.id,
            last_epoch: self.log.last_epoch(),
            last_offset: self.log.end_offset(),
            pre_vote,
        };
        for &voter in &self.voters {
            if voter != self.id {
                out.push(Output::Send { to: voter, msg: msg.clone() });
            }
        }
    }

    fn maybe_won_pre_vote(&mut self, now: Time, out: &mut Out) {
        if let State::Prospective { granted, .. } = &self.state {
            if granted.len() >= self.majority() {
                self.become_candidate(now, out);
            }
        }
    }

    fn maybe_won_election(&mut self, now: Time, out: &mut Out) {
        if let State::Candidate { granted, .. } = &self.state {
            if granted.len() >= self.majority() {
                self.become_leader(now, out);
            }
        }
    }

    fn on_vote_request(&mut self, now: Time, from: NodeId, req: VoteRequest, out: &mut Out) {
        let VoteRequest { epoch, candidate, last_epoch, last_offset, pre_vote } = req;
        if !self.is_voter(candidate) || candidate != from || epoch < self.epoch {
            self.answer_vote(from, false, pre_vote, out);
            return;
        }
        // KIP-595: a standard vote with a higher epoch first moves us to Unattached there.
        // KIP-996: a pre-vote changes nothing.
        if !pre_vote && epoch > self.epoch {
            self.become_unattached(now, epoch, out);
        }
        let up_to_date = self.log.is_up_to_date(last_epoch, last_offset);
        let granted = if pre_vote {
            match &self.state {
                State::Leader(_) => false,
                // KIP-996: a follower grants a pre-vote only if it has not yet fetched from the
                // leader in this epoch (FollowerState.hasFetchedFromLeader).
                State::Follower { has_fetched, .. } => !has_fetched && up_to_date,
                _ => up_to_date,
            }
        } else {
            match &self.state {
                // One vote per epoch, and only while no leader is known.
                State::Unattached | State::Prospective { .. } => match self.voted_for {
                    Some(v) => v == candidate,
                    None => up_to_date,
                },
                // KIP-595: a Follower rejects standard votes; a candidate voted for itself.
                _ => false,
            }
        };
        if granted && !pre_vote {
            // The vote is written to the quorum-state file before the reply.
            self.voted_for = Some(candidate);
            self.reset_election_timer(now, out);
        }
        out.push(Output::Note(Note::VoteCast { candidate, epoch, pre_vote, granted }));
        self.answer_vote(from, granted, pre_vote, out);
    }

    fn answer_vote(&self, to: NodeId, granted: bool, pre_vote: bool, out: &mut Out) {
        let msg = Msg::VoteResponse { epoch: self.epoch, leader: self.leader_id, granted, pre_vote };
        out.push(Output::Send { to, msg });
    }

    fn on_vote_response(&mut self, now: Time, from: NodeId, reply: VoteReply, out: &mut Out) {
        let VoteReply { epoch, leader, granted, pre_vote } = reply;
        if epoch > self.epoch {
            self.observe_higher_epoch(now, epoch, leader, out);
            return;
        }
        if epoch < self.epoch {
            return;
        }
        match &mut self.state {
            State::Prospective { granted: yes, rejected: no, .. } if pre_vote => {
                if granted {
                    yes.insert(from);
                } else {
                    no.insert(from);
                }
                // KIP-996: a rejection that names a leader of this epoch: follow it.
                if let Some(l) = leader.filter(|l| !granted && *l != self.id) {
                    self.become_follower(now, epoch, l, out);
                    return;
                }
                self.maybe_won_pre_vote(now, out);
            }
            State::Candidate { granted: yes, rejected: no } if !pre_vote => {
                if granted {
                    yes.insert(from);
                } else {
                    no.insert(from);
                }
                if let Some(l) = leader.filter(|l| !granted && *l != self.id) {
                    self.become_follower(now, epoch, l, out);
                    return;
                }
                self.maybe_won_election(now, out);
            }
            _ => {}
        }
    }

    /// Every response carries the sender's epoch and leader: a higher epoch wins.
    fn observe_higher_epoch(&mut self, now: Time, epoch: u64, leader: Option<NodeId>, out: &mut Out) {
        match leader {
            Some(l) if l != self.id => self.become_follower(now, epoch, l, out),
            _ => self.become_unattached(now, epoch, out),
        }
    }

    // ---- leader ---------------------------------------------------------------------------

    fn append(&mut self, now: Time, record: Record, out: &mut Out) {
        self.append_batch(now, vec![record], out);
    }

    /// Append one atomic batch (the records of one controller operation) and replay it into
    /// the working image.
    fn append_batch(&mut self, now: Time, records: Vec<Record>, out: &mut Out) {
        let State::Leader(leader) = &mut self.state else { return };
        let n = records.len();
        for (i, record) in records.into_iter().enumerate() {
            let entry = Entry { epoch: self.epoch, record, batch_end: i + 1 == n };
            leader.working.apply(&entry);
            self.log.append(entry);
        }
        self.last_append = now;
        self.maybe_advance_high_watermark(out);
        self.answer_all_parked(out);
    }

    fn resend_begin_quorum(&mut self, now: Time, out: &mut Out) {
        let State::Leader(leader) = &self.state else { return };
        let mut any = false;
        for &voter in &self.voters {
            if !leader.acknowledged.contains(&voter) {
                any = true;
                out.push(Output::Send { to: voter, msg: Msg::BeginQuorumEpoch { epoch: self.epoch, leader: self.id } });
            }
        }
        if any {
            out.push(Output::SetTimer {
                timer: Timer::BeginQuorumResend,
                at: now.plus_ms(self.config.fetch_timeout_ms / 2),
            });
        }
    }

    fn on_fetch(
        &mut self,
        now: Time,
        from: NodeId,
        epoch: u64,
        fetch_offset: u64,
        last_fetched_epoch: u64,
        out: &mut Out,
    ) {
        let is_voter = self.is_voter(from);
        let majority = self.majority();
        let check_quorum_ms = self.config.fetch_timeout_ms * 3 / 2;
        let State::Leader(leader) = &mut self.state else {
            let msg = Msg::FetchResponse {
                epoch: self.epoch,
                leader: self.leader_id,
                high_watermark: None,
                body: FetchBody::NotLeader,
            };
            out.push(Output::Send { to: from, msg });
            return;
        };
        if epoch != self.epoch {
            // FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH: tell the fetcher who leads now.
            let msg = Msg::FetchResponse {
                epoch: self.epoch,
                leader: Some(self.id),
                high_watermark: None,
                body: FetchBody::NotLeader,
            };
            out.push(Output::Send { to: from, msg });
            return;
        }
        // KIP-595: validate (FetchOffset, LastFetchedEpoch) against our log.
        if fetch_offset > 0 || last_fetched_epoch > 0 {
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
        }
        if is_voter {
            leader.voter_end.insert(from, fetch_offset);
            leader.acknowledged.insert(from);
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

    fn known_high_watermark(&self) -> Option<u64> {
        match &self.state {
            State::Leader(leader) if self.high_watermark <= leader.epoch_start_offset => None,
            _ => Some(self.high_watermark),
        }
    }

    fn answer_fetch(&mut self, to: NodeId, fetch_offset: u64, out: &mut Out) {
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

    fn answer_parked(&mut self, replica: NodeId, out: &mut Out) {
        let State::Leader(leader) = &mut self.state else { return };
        if let Some(offset) = leader.parked.remove(&replica) {
            out.push(Output::CancelTimer(Timer::FetchWait(replica)));
            self.answer_fetch(replica, offset, out);
        }
    }

    fn answer_all_parked(&mut self, out: &mut Out) {
        let State::Leader(leader) = &mut self.state else { return };
        let parked = std::mem::take(&mut leader.parked);
        for (replica, offset) in parked {
            out.push(Output::CancelTimer(Timer::FetchWait(replica)));
            self.answer_fetch(replica, offset, out);
        }
    }

    /// KIP-595: HW = the offset at index voters/2 of the voters' end offsets sorted high to
    /// low, and only once it passes this epoch's start offset (`maybeUpdateHighWatermark`).
    fn maybe_advance_high_watermark(&mut self, out: &mut Out) {
        let State::Leader(leader) = &self.state else { return };
        let mut ends: Vec<u64> = self
            .voters
            .iter()
            .map(|v| if *v == self.id { self.log.end_offset() } else { leader.voter_end.get(v).copied().unwrap_or(0) })
            .collect();
        crate::sorted::insertion_sort_by(&mut ends, |a, b| a > b);
        let candidate = ends[self.voters.len() / 2];
        if candidate > leader.epoch_start_offset && candidate > self.high_watermark {
            self.high_watermark = candidate;
            self.on_committed(out);
            self.answer_all_parked(out);
        }
    }

    /// The high watermark moved: replay the newly committed records and complete the writes
    /// that were waiting for them.
    fn on_committed(&mut self, out: &mut Out) {
        self.image.replay(&self.log, self.high_watermark);
        if let State::Leader(leader) = &mut self.state {
            let hw = self.high_watermark;
            let ready = leader.pending.iter().take_while(|(wait, _, _)| *wait <= hw).count();
            for (_, to, msg) in leader.pending.drain(..ready) {
                out.push(Output::Send { to, msg });
            }
        }
    }

    // ---- follower -------------------------------------------------------------------------

    fn send_fetch(&self, out: &mut Out) {
        let State::Follower { leader, .. } = &self.state else { return };
        let msg = Msg::Fetch {
            epoch: self.epoch,
            fetch_offset: self.log.end_offset(),
            last_fetched_epoch: self.log.last_epoch(),
        };
        out.push(Output::Send { to: *leader, msg });
    }

    fn on_fetch_response(&mut self, now: Time, from: NodeId, reply: FetchReply, out: &mut Out) {
        let FetchReply { epoch, leader, high_watermark: hw, body } = reply;
        if epoch > self.epoch {
            self.observe_higher_epoch(now, epoch, leader, out);
            return;
        }
        if epoch < self.epoch {
            return;
        }
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
                if base_offset == self.log.end_offset() {
                    for entry in entries {
                        self.log.append(entry);
                    }
                }
                if let Some(hw) = hw {
                    let hw = hw.min(self.log.end_offset());
                    if hw > self.high_watermark {
                        self.high_watermark = hw;
                        self.on_committed(out);
                    }
                }
                self.fetched_ok(now, out);
            }
            FetchBody::Diverging { epoch: diverging_epoch, end_offset } => {
                // KIP-595: truncate to the end of the diverging epoch (no further than our own
                // end of that epoch), then fetch again.
                let (_, own_end) = self.log.end_offset_for_epoch(diverging_epoch);
                let truncate_to = end_offset.min(own_end);
                let dropped = self.log.end_offset().saturating_sub(truncate_to);
                self.log.truncate(truncate_to);
                out.push(Output::Note(Note::Truncated { to_offset: truncate_to, dropped }));
                self.fetched_ok(now, out);
            }
            FetchBody::NotLeader => {
                if let Some(l) = leader.filter(|l| *l != from && *l != self.id) {
                    self.become_follower(now, epoch, l, out);
                }
            }
        }
    }

    fn fetched_ok(&mut self, now: Time, out: &mut Out) {
        if let State::Follower { has_fetched, backoff_ms, leader_resigned, .. } = &mut self.state {
            *has_fetched = true;
            *backoff_ms = RECONNECT_BACKOFF_MS;
            // The fetch timer starts over at the full fetch timeout.
            *leader_resigned = false;
        }
        self.reset_fetch_timer(now, self.config.fetch_timeout_ms, out);
        self.send_fetch(out);
    }

    fn on_unreachable(&mut self, now: Time, to: NodeId, msg: Msg, out: &mut Out) {
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

    fn on_end_quorum_epoch(&mut self, now: Time, from: NodeId, epoch: u64, preferred: &[NodeId], out: &mut Out) {
        let State::Follower { leader, has_fetched, leader_resigned, .. } = &mut self.state else { return };
        if epoch != self.epoch || *leader != from {
            return;
        }
        // The leader is going away: our pre-vote grants reopen.
        *has_fetched = false;
        if let Some(pos) = preferred.iter().position(|v| *v == self.id) {
            // KIP-595: the first preferred candidate's fetch timer becomes 0; the others get
            // min(max, (max >> (n-1)) << (pos-1)), max = election.backoff.max.ms.
            let max = super::ELECTION_BACKOFF_MAX_MS;
            let n = preferred.len() as u32;
            let wait =
                if pos == 0 { 0 } else { (max >> (n - 1).min(63)).checked_shl(pos as u32 - 1).unwrap_or(max).min(max) };
            *leader_resigned = true;
            out.push(Output::Note(Note::EndQuorumEpochReceived { epoch, backoff_ms: wait }));
            self.reset_fetch_timer(now, wait, out);
        }
    }

    fn on_msg(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Out) {
        match msg {
            Msg::Vote { epoch, candidate, last_epoch, last_offset, pre_vote } => self.on_vote_request(
                now,
                from,
                VoteRequest { epoch, candidate, last_epoch, last_offset, pre_vote },
                out,
            ),
            Msg::VoteResponse { epoch, leader, granted, pre_vote } => {
                self.on_vote_response(now, from, VoteReply { epoch, leader, granted, pre_vote }, out)
            }
            Msg::BeginQuorumEpoch { epoch, leader } => {
                if epoch >= self.epoch && leader == from && leader != self.id {
                    let already =
                        matches!(self.state, State::Follower { leader: l, .. } if l == leader) && epoch == self.epoch;
                    if !already {
                        self.become_follower(now, epoch, leader, out);
                    }
                }
                out.push(Output::Send { to: from, msg: Msg::BeginQuorumEpochResponse { epoch: self.epoch } });
            }
            Msg::BeginQuorumEpochResponse { epoch } => {
                if epoch > self.epoch {
                    self.observe_higher_epoch(now, epoch, None, out);
                } else if let State::Leader(leader) = &mut self.state {
                    if epoch == self.epoch {
                        leader.acknowledged.insert(from);
                    }
                }
            }
            Msg::EndQuorumEpoch { epoch, leader: _, preferred } => {
                self.on_end_quorum_epoch(now, from, epoch, &preferred, out)
            }
            Msg::Fetch { epoch, fetch_offset, last_fetched_epoch } => {
                self.on_fetch(now, from, epoch, fetch_offset, last_fetched_epoch, out)
            }
            Msg::FetchResponse { epoch, leader, high_watermark, body } => {
                self.on_fetch_response(now, from, FetchReply { epoch, leader, high_watermark, body }, out)
            }
            Msg::BrokerRegistration { incarnation } => self.on_broker_registration(now, from, incarnation, out),
            Msg::BrokerHeartbeat { broker_epoch, current_metadata_offset, want_shut_down } => self.on_broker_heartbeat(
                now,
                from,
                HeartbeatRequest { broker_epoch, current_metadata_offset, want_shut_down },
                out,
            ),
            Msg::BrokerRegistrationResponse { .. } | Msg::BrokerHeartbeatResponse { .. } => {}
        }
    }
}

struct HeartbeatRequest {
    broker_epoch: u64,
    current_metadata_offset: u64,
    want_shut_down: bool,
}

struct VoteRequest {
    epoch: u64,
    candidate: NodeId,
    last_epoch: u64,
    last_offset: u64,
    pre_vote: bool,
}

struct VoteReply {
    epoch: u64,
    leader: Option<NodeId>,
    granted: bool,
    pre_vote: bool,
}

struct FetchReply {
    epoch: u64,
    leader: Option<NodeId>,
    high_watermark: Option<u64>,
    body: FetchBody,
}
