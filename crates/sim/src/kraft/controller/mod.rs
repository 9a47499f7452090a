//! A KRaft controller: a voter of the metadata quorum running Kafka's Raft (KIP-595, with
//! KIP-996 pre-vote as in Kafka 4.x). Sans-IO: `step` takes one input and writes outputs.
//!
//! Simplifications (also in `ABOUT_KRAFT_MODEL`): a static voter set (no KIP-853
//! reconfiguration), no snapshots (KIP-630), one outstanding fetch per follower, whole records
//! rather than batches.
//!
//! Files by concern: this one holds the state, `step`, the timers and message dispatch;
//! `transitions.rs` the role changes, `election.rs` votes and pre-votes, `leader.rs` serving
//! fetches and the high watermark, `follower.rs` fetching, `lifecycle.rs` what the active
//! controller does for brokers and clients (KIP-631), `tests.rs` rule tests.

use std::cmp::Ordering;

use crate::sorted::{SortedMap, SortedSet};

use super::fetcher::{Fetcher, REQUEST_TIMEOUT_MS};
use super::image::MetadataImage;
use super::log::Log;
use super::msg::Msg;
use super::record::Record;
use super::{Cmd, Config, Note, Timer};
use crate::rng::Rng;
use crate::time::Time;
use crate::world::{Input, Output};
use crate::NodeId;

/// Most records sent in one fetch response.
const MAX_FETCH_RECORDS: usize = 64;
/// Kafka 4.1 `KafkaRaftClientDriver` shuts the raft client down with `shutdown(5000)`: a
/// resigned leader stays up (answering votes, sending EndQuorumEpoch) until it learns of a remote
/// leader or this much time passed.
const SHUTDOWN_TIMEOUT_MS: u64 = 5_000;

type Out = Vec<Output<Msg, Timer, Note>>;

mod election;
#[cfg(test)]
mod election_tests;
#[cfg(test)]
mod fetch_tests;
mod follower;
mod leader;
#[cfg(test)]
mod leader_tests;
mod lifecycle;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod resign_tests;
#[cfg(test)]
mod tests;
mod transitions;

use election::{VoteReply, VoteRequest};
use follower::FetchReply;

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
        /// The leader resigned naming this voter a successor (EndQuorumEpoch): the fetch timer
        /// now counts down its turn to stand, not a silent leader.
        leader_resigned: bool,
    },
    /// A leader that stepped down (shutdown or failed check-quorum), waiting out its epoch; it
    /// sends EndQuorumEpoch naming its preferred successors until every other voter answered.
    Resigned {
        unacked: SortedSet<NodeId>,
        preferred: Vec<NodeId>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderState {
    /// Offset of this epoch's LeaderChangeMessage: the high watermark must pass it (§5.4.2).
    pub epoch_start_offset: u64,
    /// Fetch offset last reported by each voter (its log end offset).
    pub voter_end: SortedMap<NodeId, u64>,
    /// Fetch offset last reported by each observer (brokers).
    pub observer_end: SortedMap<NodeId, u64>,
    /// BeginQuorumEpoch requests awaiting an answer: voter → when sent.
    pub begin_quorum_in_flight: SortedMap<NodeId, Time>,
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

impl LeaderState {
    /// A leader's state as it takes office: its epoch begins at `epoch_start_offset`, its
    /// working image and broker leases as `working` and `leases` say, nothing heard from anyone.
    pub fn new(epoch_start_offset: u64, working: MetadataImage, leases: SortedMap<NodeId, Lease>) -> LeaderState {
        LeaderState {
            epoch_start_offset,
            voter_end: SortedMap::new(),
            observer_end: SortedMap::new(),
            begin_quorum_in_flight: SortedMap::new(),
            fetched_since_check: SortedSet::new(),
            parked: SortedMap::new(),
            hw_sent: SortedMap::new(),
            working,
            leases,
            pending: Vec::new(),
        }
    }
}

/// One entry of Kafka's `BrokerHeartbeatTracker` (keyed by broker id and epoch there; one
/// registration per id is ever live here, so by id with the epoch inside) plus what
/// `BrokerHeartbeatManager` keeps of the broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The registration this contact time belongs to.
    pub broker_epoch: u64,
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
    /// A graceful shutdown is under way; the process stops by then at the latest.
    shutdown_deadline: Option<Time>,
    /// Where the next Fetch goes (followers and Unattached voters).
    fetcher: Fetcher,
}

impl Controller {
    /// `voters` in ascending id order (`shutdown` relies on it).
    pub fn new(id: NodeId, voters: Vec<NodeId>, config: Config, seed: u64) -> Controller {
        debug_assert!(voters.windows(2).all(|w| w[0] < w[1]), "voters must be ascending");
        let fetcher = Fetcher::new(id, &voters, Rng::stream(seed, 0x4B46_0000 + id as u64)); // "KF" + id
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
            shutdown_deadline: None,
            fetcher,
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
        self.shutdown_deadline = None;
        self.fetcher.reset();
    }

    /// The image the active controller decides from, if this controller is active.
    pub fn working_image(&self) -> Option<&MetadataImage> {
        match &self.state {
            State::Leader(leader) => Some(&leader.working),
            _ => None,
        }
    }

    pub fn step(&mut self, now: Time, input: Input<Msg, Timer, Cmd>, out: &mut Out) {
        let first = out.len();
        self.step_inner(now, input, out);
        // The process stops at a Halt: nothing after it is sent or set.
        if let Some(halt) = out[first..].iter().position(|o| matches!(o, Output::Halt)) {
            out.truncate(first + halt + 1);
        }
    }

    fn step_inner(&mut self, now: Time, input: Input<Msg, Timer, Cmd>, out: &mut Out) {
        match input {
            Input::Start => self.start(now, out),
            Input::Timer(timer) => self.on_timer(now, timer, out),
            Input::Msg { from, msg } => self.on_msg(now, from, msg, out),
            Input::Unreachable { to, msg } => self.on_unreachable(now, to, msg, out),
            Input::Shutdown => self.shutdown(now, out),
            Input::Client(Cmd::CreateTopic { name, partitions, replication_factor }) => {
                self.create_topic(name, partitions, replication_factor, out)
            }
            Input::Client(Cmd::AlterConfig { topic, key, value }) => self.alter_config(topic, key, value, out),
        }
    }

    fn start(&mut self, now: Time, out: &mut Out) {
        out.push(Output::Note(Note::Started { epoch: self.epoch }));
        // The process boots Unattached (see `crash`), then takes the role its quorum-state file
        // says.
        match self.leader_id {
            // KIP-595: a node that restarts while recorded as leader starts as Resigned.
            // Kafka 4.1 QuorumState.initialize: with no preferred successors; it still sends
            // EndQuorumEpoch to every other voter (pollResigned).
            Some(leader) if leader == self.id => {
                self.state = State::Resigned { unacked: self.other_voters(), preferred: Vec::new() };
                self.reset_election_timer(now, out);
                self.send_end_quorum_epoch(now, out);
            }
            Some(leader) => self.become_follower(now, self.epoch, leader, out),
            None => {
                self.state = State::Unattached;
                self.reset_election_timer(now, out);
                self.poll_fetch(now, out);
            }
        }
    }

    // ---- timers ---------------------------------------------------------------------------

    fn reset_election_timer(&mut self, now: Time, out: &mut Out) {
        // KIP-595: election timeout uniform in [T, 2T), T = controller.quorum.election.timeout.ms
        // (the model setting `election_timeout_max_ms` can change the upper end).
        let (lo, hi) = self.config.election_timeout_range_us();
        let at = now.plus_us(self.rng.range(lo, hi));
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

    /// The election countdown `(set at, fires at)` carried over into a new role.
    fn keep_countdown(&mut self, countdown: (Time, Time), out: &mut Out) {
        self.timer_view = Some(countdown);
        out.push(Output::SetTimer { timer: Timer::Election, at: countdown.1 });
    }

    fn cancel_role_timers(&mut self, out: &mut Out) {
        for timer in [
            Timer::Election,
            Timer::FetchTimeout,
            Timer::FetchRetry,
            Timer::BeginQuorumResend,
            Timer::EndQuorumResend,
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
        // Kafka 4.1: every role change resets the request manager (`resetConnections`).
        self.fetcher.reset();
    }

    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Out) {
        // Kafka 4.1 pollUnattachedAsVoter / pollProspective / pollCandidate / pollResigned: while
        // shutting down, an election timeout moves nothing; the node waits for a leader or the end
        // of the shutdown timeout.
        if timer == Timer::Election && self.shutdown_deadline.is_some() {
            return;
        }
        match (timer, &self.state) {
            (Timer::Election, State::Unattached) => {
                // KIP-595: an Unattached voter starts an election when its election timeout
                // expires with no leader known; say how long it waited.
                let timeout_ms = self.timer_view.map_or(0, |(set, at)| at.since(set) / 1_000);
                out.push(Output::Note(Note::NoLeaderTimeout { epoch: self.epoch, timeout_ms }));
                self.begin_election(now, out);
            }
            (Timer::Election, State::Prospective { .. }) => {
                // Kafka 4.1 pollProspective: the pre-vote timed out → follow the leader it
                // remembers, or (none) Unattached with no election time left: Prospective again.
                out.push(Output::Note(Note::PreVoteLost { epoch: self.epoch }));
                self.prospective_lost(now, out);
            }
            (Timer::Election, State::Candidate { .. }) => {
                // Kafka 4.x: a candidate that neither won nor lost waits out its election
                // timeout and returns to Prospective (3.x retried with epoch + 1).
                out.push(Output::Note(Note::ElectionTimedOut { epoch: self.epoch }));
                self.begin_election(now, out);
            }
            (Timer::Election, State::Resigned { .. }) => {
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
            (Timer::FetchRetry, State::Follower { .. } | State::Unattached) => self.poll_fetch(now, out),
            (Timer::BeginQuorumResend, State::Leader(_)) => self.send_begin_quorum_epoch(now, out),
            (Timer::CheckQuorum, State::Leader(_)) => {
                // KIP-595 check-quorum: no fetch from a majority within 1.5 × fetch timeout.
                // Kafka 4.1 pollLeader resigns the same way as on shutdown: EndQuorumEpoch to
                // the voters ordered by fetch offset (`nonLeaderVotersByDescendingFetchOffset`).
                out.push(Output::Note(Note::CheckQuorumFailed { epoch: self.epoch }));
                let preferred = self.preferred_successors();
                self.resign(now, preferred, out);
            }
            (Timer::EndQuorumResend, State::Resigned { .. }) => self.send_end_quorum_epoch(now, out),
            (Timer::NoOp, State::Leader(_)) => {
                // Kafka 4.x periodic task writeNoOpRecord (QuorumController.registerWriteNoOpRecord):
                // a NoOpRecord every metadata.max.idle.interval.ms, whether or not anything else
                // was written (3.9's maybeScheduleNextWriteNoOpRecord was unconditional too).
                self.append(Record::NoOp, out);
                self.maybe_create_initial_topic(out);
                out.push(Output::SetTimer { timer: Timer::NoOp, at: now.plus_ms(self.config.noop_interval_ms) });
            }
            (Timer::FetchWait(replica), State::Leader(_)) => self.answer_parked(replica, out),
            (Timer::SessionCheck, State::Leader(_)) => self.on_session_check(now, out),
            (Timer::ShutdownDone, _) => out.push(Output::Halt),
            _ => {}
        }
    }

    /// KIP-595: every quorum RPC carries its sender's epoch. It is compared with ours once, here,
    /// before any handler runs (as raft-rs `Raft::step` and etcd-raft `Step` compare terms): a
    /// handler sees a message of our epoch, or of a newer one that did not move us (a pre-vote,
    /// a vote we reject, a BeginQuorumEpoch that names someone else).
    fn on_msg(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Out) {
        // Kafka 4.1 handleInboundMessage: a fetch answer no longer awaited is ignored.
        if let Msg::FetchResponse { .. } = msg {
            if !self.fetcher.expects(from) {
                return;
            }
            self.fetcher.answered(from);
        }
        let carry_on = match msg.quorum_epoch().map(|epoch| epoch.cmp(&self.epoch)) {
            Some(Ordering::Less) => {
                self.on_stale_epoch(now, from, &msg, out);
                false
            }
            Some(Ordering::Greater) => self.on_newer_epoch(now, from, &msg, out),
            Some(Ordering::Equal) | None => true,
        };
        if carry_on {
            self.dispatch(now, from, msg, out);
        }
    }

    /// A quorum RPC from an older epoch: requests are answered with our epoch (and leader),
    /// responses dropped (a fetch answer still frees the fetcher for the next fetch).
    fn on_stale_epoch(&mut self, now: Time, from: NodeId, msg: &Msg, out: &mut Out) {
        match msg {
            Msg::FetchResponse { .. } => self.poll_fetch(now, out),
            Msg::Vote { pre_vote, .. } => self.answer_vote(from, false, *pre_vote, out),
            Msg::BeginQuorumEpoch { .. } => self.answer_begin_quorum_epoch(from, out),
            // FENCED_LEADER_EPOCH: tell the fetcher who leads now.
            Msg::Fetch { .. } => self.answer_not_leader(from, out),
            Msg::EndQuorumEpoch { .. } => self.answer_end_quorum_epoch(from, out),
            _ => {}
        }
    }

    /// A quorum RPC from a newer epoch: whether its handler still runs.
    fn on_newer_epoch(&mut self, now: Time, from: NodeId, msg: &Msg, out: &mut Out) -> bool {
        match *msg {
            // KIP-595, and Kafka 4.1 `handleVoteRequest` for pre-votes too: a vote request with a
            // higher epoch first moves us (any role, a leader included) to Unattached at that
            // epoch, not voted (`transitionToUnattached(replicaEpoch, OptionalInt.empty())`); the
            // vote is then judged there and answered with the new epoch and no leader.
            Msg::Vote { epoch, candidate, .. } if self.is_candidate_voter(from, candidate) => {
                self.become_unattached(now, epoch, out);
                true
            }
            Msg::Vote { .. } => true,
            // A new leader announces itself: `dispatch` follows it (if it names itself), then
            // answers.
            Msg::BeginQuorumEpoch { .. } => true,
            // Every response carries the sender's epoch and leader: a higher epoch wins.
            Msg::VoteResponse { epoch, leader, .. } | Msg::FetchResponse { epoch, leader, .. } => {
                self.observe_higher_epoch(now, epoch, leader, out);
                false
            }
            Msg::BeginQuorumEpochResponse { epoch } => {
                self.observe_higher_epoch(now, epoch, None, out);
                false
            }
            Msg::EndQuorumEpochResponse { epoch, leader } => {
                self.observe_higher_epoch(now, epoch, leader, out);
                false
            }
            // UNKNOWN_LEADER_EPOCH: not ours to serve; say who we think leads.
            Msg::Fetch { .. } => {
                self.answer_not_leader(from, out);
                false
            }
            // Kafka 4.1 handleEndQuorumEpochRequest: maybeTransition first (follow the resigning
            // leader in its newer epoch), then the request is handled.
            Msg::EndQuorumEpoch { epoch, leader, .. } => {
                if leader == from && leader != self.id {
                    self.become_follower(now, epoch, leader, out);
                }
                true
            }
            Msg::BrokerRegistration { .. }
            | Msg::BrokerRegistrationResponse { .. }
            | Msg::BrokerHeartbeat { .. }
            | Msg::BrokerHeartbeatResponse { .. } => true,
        }
    }

    fn answer_begin_quorum_epoch(&self, to: NodeId, out: &mut Out) {
        out.push(Output::Send { to, msg: Msg::BeginQuorumEpochResponse { epoch: self.epoch } });
    }

    /// The handlers, once the epoch is settled.
    fn dispatch(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Out) {
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
                let following = matches!(self.state, State::Follower { leader: l, .. } if l == leader);
                if leader == from && leader != self.id && !following {
                    self.become_follower(now, epoch, leader, out);
                }
                self.answer_begin_quorum_epoch(from, out);
            }
            Msg::BeginQuorumEpochResponse { .. } => {
                if let State::Leader(leader) = &mut self.state {
                    leader.begin_quorum_in_flight.remove(&from);
                }
            }
            Msg::EndQuorumEpoch { epoch, leader: _, preferred } => {
                self.on_end_quorum_epoch(now, from, epoch, &preferred.to_vec(), out)
            }
            Msg::EndQuorumEpochResponse { leader, .. } => {
                self.observe_leader_of_our_epoch(now, leader, out);
                if let State::Resigned { unacked, .. } = &mut self.state {
                    unacked.remove(&from);
                }
            }
            Msg::Fetch { epoch: _, fetch_offset, last_fetched_epoch } => {
                self.on_fetch(now, from, fetch_offset, last_fetched_epoch, out)
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
