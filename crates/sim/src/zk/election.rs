//! Fast Leader Election (`FastLeaderElection.java`, domain.md §1.1).
//!
//! A LOOKING server runs rounds (`logicalclock`), proposes the best vote it has seen by
//! `totalOrderPredicate`, and stops when a quorum agrees and nothing better arrives within
//! `finalizeWait`. Servers that are not LOOKING answer with their current vote and state, which
//! is how a restarted server joins an established ensemble without a new election.

use crate::sorted::SortedMap;

use crate::time::Time;

use super::ids::node_of_sid;
use super::msg::{Msg, Notification, ServerState, Sid, Vote, Zxid};
use super::server::Server;
use super::{Note, Out, Timer};
use crate::world::Output;

#[derive(Clone, Debug, Default)]
pub struct Fle {
    /// The election round (`logicalclock`); in memory only, so a restarted server starts at 0.
    pub logicalclock: u64,
    /// The vote this server proposes (its `election_epoch` is unused: the round is
    /// `logicalclock`).
    pub proposed: Vote,
    pub recvset: SortedMap<Sid, (Vote, ServerState)>,
    pub outofelection: SortedMap<Sid, (Vote, ServerState)>,
    /// The notification timeout (`notTimeout`): 200 ms doubling to 60 s.
    pub interval_ms: u64,
    /// A quorum agrees and the server waits `finalizeWait` for a better vote.
    pub finalizing: bool,
}

/// How a LOOKING server's election ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decided {
    /// lookForLeader's LOOKING case: a quorum agreed and nothing better came within
    /// finalizeWait.
    Finalized,
    /// receivedFollowingNotification: FOLLOWING/LEADING notifications named a leader that says
    /// LEADING.
    Joined,
}

/// FLE: totalOrderPredicate: higher peerEpoch wins, then higher zxid, then higher sid. A vote
/// for a server without quorum weight (an observer's own vote, leader 0 here) never wins.
pub fn total_order_predicate(new: &Vote, cur: &Vote) -> bool {
    new.leader != 0 && (new.peer_epoch, new.zxid, new.leader) > (cur.peer_epoch, cur.zxid, cur.leader)
}

/// Which step of totalOrderPredicate a winning vote wins by (for narration).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VoteWin {
    /// The proposed server has a higher peerEpoch (it accepted a later ZAB epoch).
    HigherPeerEpoch { theirs: u64, ours: u64 },
    /// Same peerEpoch, and the proposed server has logged a higher zxid.
    HigherZxid { theirs: Zxid, ours: Zxid },
    /// Same peerEpoch and zxid: the higher server id breaks the tie.
    HigherSid { theirs: Sid, ours: Sid },
}

/// FLE: totalOrderPredicate, saying why: `None` when `new` does not beat `cur`.
pub fn vote_win(new: &Vote, cur: &Vote) -> Option<VoteWin> {
    if !total_order_predicate(new, cur) {
        None
    } else if new.peer_epoch != cur.peer_epoch {
        Some(VoteWin::HigherPeerEpoch { theirs: new.peer_epoch, ours: cur.peer_epoch })
    } else if new.zxid != cur.zxid {
        Some(VoteWin::HigherZxid { theirs: new.zxid, ours: cur.zxid })
    } else {
        Some(VoteWin::HigherSid { theirs: new.leader, ours: cur.leader })
    }
}

/// FLE: `Vote.equals`: with a LOOKING side every field counts; between FOLLOWING/LEADING votes
/// only the leader and its epoch do (format version 0x2).
pub fn votes_equal(a: &Vote, a_state: ServerState, b: &Vote, b_state: ServerState) -> bool {
    if a_state == ServerState::Looking || b_state == ServerState::Looking {
        a.leader == b.leader && a.zxid == b.zxid && a.election_epoch == b.election_epoch && a.peer_epoch == b.peer_epoch
    } else {
        a.leader == b.leader && a.peer_epoch == b.peer_epoch
    }
}

impl Server {
    fn has_quorum_for(&self, votes: &SortedMap<Sid, (Vote, ServerState)>, vote: &Vote, state: ServerState) -> bool {
        // hasAllQuorums counts voters only.
        let voters = self.cfg.ensemble as Sid;
        let agree = votes.iter().filter(|(sid, (v, s))| *sid <= voters && votes_equal(v, *s, vote, state)).count();
        agree >= self.cfg.quorum()
    }

    /// FLE: checkLeader: the proposed leader must itself say LEADING, unless it is this server,
    /// in which case the round must be ours.
    fn check_leader(&self, votes: &SortedMap<Sid, (Vote, ServerState)>, leader: Sid, election_epoch: u64) -> bool {
        if leader != self.sid {
            matches!(votes.get(&leader), Some((_, ServerState::Leading)))
        } else {
            self.fle.logicalclock == election_epoch
        }
    }

    pub(crate) fn initial_vote(&self) -> Vote {
        // An observer proposes nobody (FLE's OBSERVER_ID): any voter's vote beats it.
        let leader = if self.is_observer() { 0 } else { self.sid };
        Vote { leader, zxid: self.last_logged_zxid(), election_epoch: 0, peer_epoch: self.current_epoch }
    }

    /// FLE: lookForLeader start: increment logicalclock, vote for yourself, tell every voter.
    pub(crate) fn start_election(&mut self, now: Time, out: &mut Vec<Out>) {
        self.fle.logicalclock += 1;
        self.fle.recvset.clear();
        self.fle.outofelection.clear();
        self.fle.finalizing = false;
        self.fle.proposed = self.initial_vote();
        self.fle.interval_ms = self.cfg.min_notification_interval_ms;
        out.push(Output::Note(Note::ElectionRound { round: self.fle.logicalclock }));
        out.push(Output::CancelTimer(Timer::FinalizeWait));
        self.send_notifications(now, out);
        out.push(Output::SetTimer { timer: Timer::ElectionPoll, at: now.plus_ms(self.fle.interval_ms) });
    }

    fn proposal_notification(&self) -> Notification {
        let mut vote = self.fle.proposed;
        vote.election_epoch = self.fle.logicalclock;
        Notification { vote, state: ServerState::Looking }
    }

    /// FLE: sendNotifications to every voter; the copy to ourselves is handled in place.
    fn send_notifications(&mut self, now: Time, out: &mut Vec<Out>) {
        let n = self.proposal_notification();
        for sid in 1..=self.cfg.ensemble as Sid {
            if sid != self.sid {
                out.push(Output::Send { to: node_of_sid(sid), msg: Msg::Notification(n) });
            }
        }
        if !self.is_observer() {
            self.fle.recvset.insert(self.sid, (n.vote, ServerState::Looking));
        }
        self.check_round_quorum(now, out);
    }

    fn check_round_quorum(&mut self, now: Time, out: &mut Vec<Out>) {
        let proposal = self.proposal_notification().vote;
        if !self.fle.finalizing && self.has_quorum_for(&self.fle.recvset, &proposal, ServerState::Looking) {
            // FLE: a quorum agrees: keep reading for finalizeWait before deciding.
            self.fle.finalizing = true;
            out.push(Output::CancelTimer(Timer::ElectionPoll));
            out.push(Output::SetTimer { timer: Timer::FinalizeWait, at: now.plus_ms(self.cfg.finalize_wait_ms) });
        }
    }

    /// A notification arrives (receiver thread + lookForLeader loop).
    pub(crate) fn on_notification(&mut self, now: Time, from: Sid, n: Notification, out: &mut Vec<Out>) {
        // (`step` passes only servers' notifications: 1 ≤ from ≤ servers.)
        if from == self.sid {
            return;
        }
        if from > self.cfg.ensemble as Sid && !self.is_observer() {
            // FLE: a notification from a non-voter is answered with our current vote, never
            // counted.
            if n.state == ServerState::Looking {
                let reply = match self.state {
                    ServerState::Looking => self.proposal_notification(),
                    state => Notification { vote: self.vote, state },
                };
                out.push(Output::Send { to: node_of_sid(from), msg: Msg::Notification(reply) });
            }
            return;
        }
        if self.state != ServerState::Looking {
            // FLE: a server that is not LOOKING answers a LOOKING one with its current vote.
            if n.state == ServerState::Looking {
                let reply = Notification { vote: self.vote, state: self.state };
                out.push(Output::Send { to: node_of_sid(from), msg: Msg::Notification(reply) });
            }
            return;
        }
        if n.state == ServerState::Looking && n.vote.election_epoch < self.fle.logicalclock {
            // FLE: the receiver sends our current vote back to a LOOKING server in an older round.
            let reply = self.proposal_notification();
            out.push(Output::Send { to: node_of_sid(from), msg: Msg::Notification(reply) });
        }
        if self.fle.finalizing {
            // FLE: during finalizeWait a better vote is put back and the round goes on; anything
            // else is consumed and the wait starts again.
            if total_order_predicate(&n.vote, &self.fle.proposed) {
                self.fle.finalizing = false;
                out.push(Output::CancelTimer(Timer::FinalizeWait));
            } else {
                out.push(Output::SetTimer { timer: Timer::FinalizeWait, at: now.plus_ms(self.cfg.finalize_wait_ms) });
                return;
            }
        }
        // The poll for the next notification starts again.
        out.push(Output::SetTimer { timer: Timer::ElectionPoll, at: now.plus_ms(self.fle.interval_ms) });
        match n.state {
            ServerState::Looking => self.on_looking_notification(now, from, n, out),
            ServerState::Following | ServerState::Leading => self.on_decided_notification(now, from, n, out),
            // FLE: notifications from observers are ignored.
            ServerState::Observing => {}
        }
    }

    fn on_looking_notification(&mut self, now: Time, from: Sid, n: Notification, out: &mut Vec<Out>) {
        if n.vote.election_epoch > self.fle.logicalclock {
            // FLE: a newer round: jump to it, clear recvset, adopt the better of n's vote and our
            // own initial vote, and broadcast.
            self.fle.logicalclock = n.vote.election_epoch;
            self.fle.recvset.clear();
            let own = self.initial_vote();
            match vote_win(&n.vote, &own) {
                Some(why) => self.adopt(n.vote, why, out),
                None => self.fle.proposed = own,
            }
            self.send_notifications(now, out);
        } else if n.vote.election_epoch < self.fle.logicalclock {
            // FLE: notifications from an older round are ignored.
            return;
        } else if let Some(why) = vote_win(&n.vote, &self.fle.proposed) {
            // FLE: same round and n's vote wins totalOrderPredicate: adopt it and broadcast.
            self.adopt(n.vote, why, out);
            self.send_notifications(now, out);
        }
        self.fle.recvset.insert(from, (n.vote, ServerState::Looking));
        self.check_round_quorum(now, out);
    }

    /// Propose `vote`, which won totalOrderPredicate for `why`. Narrated only when the proposed
    /// leader changes (a better vote for the same server is not a switch), and not for an
    /// observer's first proposal (it proposes nobody: it has no vote to switch).
    fn adopt(&mut self, vote: Vote, why: VoteWin, out: &mut Vec<Out>) {
        let before = self.fle.proposed.leader;
        self.fle.proposed = vote;
        if before != 0 && before != vote.leader {
            out.push(Output::Note(Note::VoteSwitched { to: vote.leader, why }));
        }
    }

    /// FLE: receivedFollowingNotification (and receivedLeadingNotification, whose 2-server
    /// Oracle does not apply to 3, 5 or 7 voters): unlike a LOOKING round, the notification
    /// that completes the quorum decides at once; there is no finalizeWait poll.
    fn on_decided_notification(&mut self, now: Time, from: Sid, n: Notification, out: &mut Vec<Out>) {
        if n.vote.election_epoch == self.fle.logicalclock {
            self.fle.recvset.insert(from, (n.vote, n.state));
            if self.has_quorum_for(&self.fle.recvset, &n.vote, n.state)
                && self.check_leader(&self.fle.recvset, n.vote.leader, n.vote.election_epoch)
            {
                self.finish_election(now, n.vote, Decided::Joined, out);
                return;
            }
        }
        // FLE: outofelection: a quorum of FOLLOWING/LEADING servers naming the same leader lets
        // a server join across rounds (how a restarted server rejoins).
        self.fle.outofelection.insert(from, (n.vote, n.state));
        if self.has_quorum_for(&self.fle.outofelection, &n.vote, n.state)
            && self.check_leader(&self.fle.outofelection, n.vote.leader, n.vote.election_epoch)
        {
            self.fle.logicalclock = n.vote.election_epoch;
            self.finish_election(now, n.vote, Decided::Joined, out);
        }
    }

    /// FLE: the notification timeout expired: resend and double the interval (up to 60 s).
    pub(crate) fn on_election_poll(&mut self, now: Time, out: &mut Vec<Out>) {
        if self.state != ServerState::Looking || self.fle.finalizing {
            return;
        }
        self.send_notifications(now, out);
        self.fle.interval_ms = (self.fle.interval_ms * 2).min(self.cfg.max_notification_interval_ms);
        // Still LOOKING (sending decides nothing), but the resend may have completed a quorum.
        if !self.fle.finalizing {
            out.push(Output::SetTimer { timer: Timer::ElectionPoll, at: now.plus_ms(self.fle.interval_ms) });
        }
    }

    /// FLE: nothing better arrived within finalizeWait: the proposal wins.
    pub(crate) fn on_finalize(&mut self, now: Time, out: &mut Vec<Out>) {
        if self.state != ServerState::Looking || !self.fle.finalizing {
            return;
        }
        self.fle.finalizing = false;
        let mut vote = self.fle.proposed;
        vote.election_epoch = self.fle.logicalclock;
        self.finish_election(now, vote, Decided::Finalized, out);
    }

    fn finish_election(&mut self, now: Time, vote: Vote, how: Decided, out: &mut Vec<Out>) {
        if vote.leader == 0 || vote.leader > self.cfg.ensemble as Sid {
            // Only a voter can lead.
            return;
        }
        self.fle.finalizing = false;
        self.fle.recvset.clear();
        self.fle.outofelection.clear();
        self.vote = vote;
        out.push(Output::CancelTimer(Timer::ElectionPoll));
        out.push(Output::CancelTimer(Timer::FinalizeWait));
        let (leader, round) = (vote.leader, vote.election_epoch);
        out.push(Output::Note(match how {
            Decided::Finalized => Note::Elected { leader, round },
            Decided::Joined => Note::Joined { leader, round },
        }));
        if vote.leader == self.sid {
            self.lead(now, out);
        } else {
            self.follow(now, vote.leader, out);
        }
    }
}

#[cfg(test)]
mod tests;
