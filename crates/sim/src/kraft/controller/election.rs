//! Elections (KIP-595 Vote, KIP-996 pre-vote): asking for votes, granting them, counting the
//! answers, and stepping aside for a higher epoch.

use super::{Controller, Out, State};
use crate::kraft::msg::Msg;
use crate::kraft::Note;
use crate::sorted::SortedSet;
use crate::time::Time;
use crate::world::Output;
use crate::NodeId;

impl Controller {
    pub(super) fn request_votes(&self, pre_vote: bool, out: &mut Out) {
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

    /// The votes a new round starts with: our own.
    pub(super) fn own_vote(&self) -> SortedSet<NodeId> {
        let mut granted = SortedSet::new();
        granted.insert(self.id);
        granted
    }

    /// Start a round of pre-votes or votes: its timeout, the requests, and (alone in a one-voter
    /// quorum) the win.
    pub(super) fn ask_for_votes(&mut self, now: Time, pre_vote: bool, out: &mut Out) {
        self.reset_election_timer(now, out);
        self.request_votes(pre_vote, out);
        if pre_vote {
            self.maybe_won_pre_vote(now, out);
        } else {
            self.maybe_won_election(now, out);
        }
    }

    pub(super) fn maybe_won_pre_vote(&mut self, now: Time, out: &mut Out) {
        if let State::Prospective { granted, .. } = &self.state {
            if granted.len() >= self.majority() {
                self.become_candidate(now, out);
            }
        }
    }

    pub(super) fn maybe_won_election(&mut self, now: Time, out: &mut Out) {
        if let State::Candidate { granted, .. } = &self.state {
            if granted.len() >= self.majority() {
                self.become_leader(now, out);
            }
        }
    }

    pub(super) fn on_vote_request(&mut self, now: Time, from: NodeId, req: VoteRequest, out: &mut Out) {
        let VoteRequest { epoch, candidate, last_epoch, last_offset, pre_vote } = req;
        if !self.is_candidate_voter(from, candidate) {
            self.answer_vote(from, false, pre_vote, out);
            return;
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

    /// Kafka `EpochElection.isVoteRejected`: the votes granted plus those not yet recorded can
    /// no longer make a majority (3 voters: two rejections; 5 voters: three).
    pub(super) fn vote_rejected(&self) -> bool {
        match &self.state {
            State::Prospective { rejected, .. } | State::Candidate { rejected, .. } => {
                self.voters.len() - rejected.len() < self.majority()
            }
            _ => false,
        }
    }

    /// A vote request is judged only from a voter asking for itself.
    pub(super) fn is_candidate_voter(&self, from: NodeId, candidate: NodeId) -> bool {
        self.is_voter(candidate) && candidate == from
    }

    pub(super) fn answer_vote(&self, to: NodeId, granted: bool, pre_vote: bool, out: &mut Out) {
        let msg = Msg::VoteResponse { epoch: self.epoch, leader: self.leader_id, granted, pre_vote };
        out.push(Output::Send { to, msg });
    }

    pub(super) fn on_vote_response(&mut self, now: Time, from: NodeId, reply: VoteReply, out: &mut Out) {
        let VoteReply { epoch, leader, granted, pre_vote } = reply;
        debug_assert_eq!(epoch, self.epoch, "on_msg settled the epoch");
        // Granted or not: a Prospective that remembers the leader only counts the answer.
        if self.observe_leader_of_our_epoch(now, leader, out) {
            return;
        }
        // Pre-vote answers count while Prospective, vote answers while Candidate.
        let (yes, no) = match &mut self.state {
            State::Prospective { granted, rejected, .. } if pre_vote => (granted, rejected),
            State::Candidate { granted, rejected } if !pre_vote => (granted, rejected),
            _ => return,
        };
        if granted {
            yes.insert(from);
        } else {
            no.insert(from);
        }
        if !granted {
            self.maybe_lost_pre_vote(now, out);
        } else if pre_vote {
            self.maybe_won_pre_vote(now, out);
        } else {
            self.maybe_won_election(now, out);
        }
    }

    /// Kafka 4.1 `maybeHandleElectionLoss`: a Prospective whose pre-vote a majority rejected
    /// (`EpochElection.isVoteRejected`) leaves at once, through
    /// `prospectiveTransitionAfterElectionLoss`. A Candidate only waits out its election
    /// timeout (4.1, KAFKA-18345; 4.0.0 backed off exponentially instead).
    fn maybe_lost_pre_vote(&mut self, now: Time, out: &mut Out) {
        if matches!(self.state, State::Prospective { .. }) && self.vote_rejected() {
            out.push(Output::Note(Note::PreVoteRejected { epoch: self.epoch }));
            self.prospective_lost(now, out);
        }
    }

    /// `prospectiveTransitionAfterElectionLoss`: back to following the leader it remembers
    /// (a new fetch timeout, nothing fetched yet), or to Unattached at the same epoch. Its
    /// election timer: kept if the pre-vote was not rejected (a timeout: nothing left, so it
    /// pre-votes again at once), a new [T, 2T) if it was (`transitionToUnattached`).
    pub(super) fn prospective_lost(&mut self, now: Time, out: &mut Out) {
        let State::Prospective { leader, .. } = &self.state else { return };
        match *leader {
            Some(l) => self.become_follower(now, self.epoch, l, out),
            None if self.vote_rejected() => self.become_unattached(now, self.epoch, out),
            None => {
                self.transition(State::Unattached);
                self.begin_election(now, out);
            }
        }
    }

    /// Kafka 4.1 `maybeHandleCommonResponse`: an answer of our epoch naming a leader, while we
    /// know none, makes us its Follower. Whether it did.
    pub(super) fn observe_leader_of_our_epoch(&mut self, now: Time, leader: Option<NodeId>, out: &mut Out) -> bool {
        match leader.filter(|l| *l != self.id && self.leader_id.is_none() && !self.is_leader()) {
            Some(l) => {
                self.become_follower(now, self.epoch, l, out);
                true
            }
            None => false,
        }
    }

    /// Every response carries the sender's epoch and leader: a higher epoch wins.
    pub(super) fn observe_higher_epoch(&mut self, now: Time, epoch: u64, leader: Option<NodeId>, out: &mut Out) {
        match leader {
            Some(l) if l != self.id => self.become_follower(now, epoch, l, out),
            _ => self.become_unattached(now, epoch, out),
        }
    }
}

pub(super) struct VoteRequest {
    pub(super) epoch: u64,
    pub(super) candidate: NodeId,
    pub(super) last_epoch: u64,
    pub(super) last_offset: u64,
    pub(super) pre_vote: bool,
}

pub(super) struct VoteReply {
    pub(super) epoch: u64,
    pub(super) leader: Option<NodeId>,
    pub(super) granted: bool,
    pub(super) pre_vote: bool,
}
