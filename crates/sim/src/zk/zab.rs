//! ZAB as ZooKeeper implements it ("ZAB 1.0", domain.md §1.2; `Leader.java`, `LearnerHandler.java`,
//! `Learner.java`): discovery (FOLLOWERINFO, LEADERINFO, ACKEPOCH), synchronization (DIFF, TRUNC
//! or SNAP, NEWLEADER, ACK, UPTODATE) and broadcast (PROPOSAL, ACK, COMMIT), with PINGs every
//! tickTime/2 and the initLimit/syncLimit timeouts. This file holds the learner side and
//! `syncFollower`'s choice; the leader is in `zab/leader.rs`.

use std::rc::Rc;

use crate::time::Time;
use crate::world::Output;

use super::ids::{node_of_sid, server_name};
use super::msg::{
    epoch_of, Msg, Origin, QuorumPacket, Request, ServerState, Sid, SnapRef, SyncMode, SyncPayload, Txn, TxnBody, Zxid,
};
use super::server::{Role, Server};
use super::{Limit, Note, Out, Timer};

/// `ZKDatabase.DEFAULT_COMMIT_LOG_COUNT`: committed proposals kept in memory for DIFF.
pub const COMMIT_LOG_COUNT: usize = 500;
/// `zookeeper.snapshotSizeFactor`: a txn-log DIFF is used while it is at most 0.33 × the
/// snapshot size (the model measures both in znodes and transactions, not bytes).
pub const SNAPSHOT_SIZE_FACTOR_PERCENT: usize = 33;
/// `zookeeper.leaderConnectDelayDuringRetryMs`.
pub const LEADER_CONNECT_DELAY_MS: u64 = 100;

#[cfg(test)]
mod epoch_rules;
#[cfg(test)]
mod follower_rules;
mod leader;
#[cfg(test)]
mod leader_rules;
#[cfg(test)]
mod timeout_rules;
pub use leader::{Leader, LeaderPhase, Learner, LearnerPhase, Tracked};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowerPhase {
    /// FOLLOWERINFO sent, waiting for LEADERINFO.
    Discovery,
    /// ACKEPOCH sent, receiving the sync.
    Sync,
    /// NEWLEADER taken and acknowledged: waiting for UPTODATE.
    NewLeader,
    /// UPTODATE received: serving.
    Broadcast,
}

#[derive(Clone, Debug)]
pub struct Follower {
    pub leader: Sid,
    pub phase: FollowerPhase,
    pub send_seq: u32,
    pub recv_seq: u32,
    pub pending: Option<Box<SyncPayload>>,
    /// Highest COMMIT received before UPTODATE.
    pub early_commit: Zxid,
}

impl Follower {
    pub fn is_up_to_date(&self) -> bool {
        self.phase == FollowerPhase::Broadcast
    }

    /// The learner's read timeout: initLimit ticks while it connects and syncs (Learner
    /// .connectToLeader), syncLimit from NEWLEADER on (syncWithLeader, `case Leader.NEWLEADER`:
    /// `sock.setSoTimeout(self.tickTime * self.syncLimit)`).
    pub fn read_limit(&self) -> Limit {
        match self.phase {
            FollowerPhase::Discovery | FollowerPhase::Sync => Limit::InitLimit,
            FollowerPhase::NewLeader | FollowerPhase::Broadcast => Limit::SyncLimit,
        }
    }
}

/// What `syncFollower` sends a learner whose last zxid is `peer_last`; `from` is the index of
/// the first log entry that follows as PROPOSAL (and COMMIT) packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    Diff { from: usize },
    Trunc { to: Zxid, from: usize },
    Snap { from: usize },
}

/// ZAB: `LearnerHandler.syncFollower`'s choice between DIFF, TRUNC and SNAP (domain.md §1.2).
pub fn sync_plan(log: &[Rc<Txn>], base_zxid: Zxid, committed_len: usize, tree_size: usize, peer_last: Zxid) -> Plan {
    let committed_len = committed_len.min(log.len());
    let max_committed = committed_len.checked_sub(1).and_then(|i| log.get(i)).map_or(base_zxid, |t| t.zxid);
    if peer_last == max_committed {
        // ZAB: syncFollower sends an empty DIFF when the learner's zxid equals the leader's
        // lastProcessedZxid (outstanding proposals follow).
        return Plan::Diff { from: committed_len };
    }
    if peer_last > max_committed {
        // ZAB: syncFollower chooses TRUNC when the learner is ahead of maxCommittedLog.
        return Plan::Trunc { to: max_committed, from: committed_len };
    }
    let window_start = committed_len.saturating_sub(COMMIT_LOG_COUNT);
    let min_committed = window_start.checked_sub(1).and_then(|i| log.get(i)).map_or(base_zxid, |t| t.zxid);
    if peer_last >= min_committed {
        // ZAB: within the in-memory committed log (last 500 proposals): DIFF.
        return diff_or_trunc(log, base_zxid, peer_last);
    }
    if peer_last >= base_zxid {
        // ZAB: further behind: DIFF from the txn log if it is small next to the snapshot.
        let missing = committed_len - log.partition_point(|t| t.zxid <= peer_last).min(committed_len);
        if missing * 100 <= tree_size * SNAPSHOT_SIZE_FACTOR_PERCENT {
            return diff_or_trunc(log, base_zxid, peer_last);
        }
    }
    // ZAB: otherwise SNAP.
    Plan::Snap { from: committed_len }
}

/// `queueCommittedProposals`: DIFF from the learner's zxid if the log has it; if the learner's
/// last zxid is not in our log (it logged a proposal that never committed), TRUNC to the entry
/// before it first.
fn diff_or_trunc(log: &[Rc<Txn>], base_zxid: Zxid, peer_last: Zxid) -> Plan {
    if peer_last == base_zxid {
        return Plan::Diff { from: 0 };
    }
    match log.binary_search_by(|t| t.zxid.cmp(&peer_last)) {
        Ok(i) => Plan::Diff { from: i + 1 },
        Err(i) => {
            let to = i.checked_sub(1).and_then(|j| log.get(j)).map_or(base_zxid, |t| t.zxid);
            Plan::Trunc { to, from: i }
        }
    }
}

impl Server {
    fn tick_ms(&self) -> u64 {
        self.cfg.tick_time_ms
    }

    // ------------------------------------------------------------------ follower

    /// Become a follower: connect to the leader and send FOLLOWERINFO.
    pub(crate) fn follow(&mut self, now: Time, leader: Sid, out: &mut Vec<Out>) {
        // QuorumPeer: FOLLOWING (OBSERVING) only as the outcome of a LOOKING round.
        debug_assert!(
            matches!(self.role, Role::Looking) && self.state == ServerState::Looking,
            "{}: follows {} while {}",
            server_name(self.sid),
            server_name(leader),
            self.state
        );
        let observer = self.is_observer();
        self.state = if observer { ServerState::Observing } else { ServerState::Following };
        let mut f = Follower {
            leader,
            phase: FollowerPhase::Discovery,
            send_seq: 0,
            recv_seq: 0,
            pending: None,
            early_commit: 0,
        };
        // ZAB: the learner sends FOLLOWERINFO (OBSERVERINFO) with zxid = (acceptedEpoch, 0).
        let accepted_epoch = self.accepted_epoch;
        let pkt = if observer {
            QuorumPacket::ObserverInfo { accepted_epoch }
        } else {
            QuorumPacket::FollowerInfo { accepted_epoch }
        };
        send_on(&mut f.send_seq, leader, pkt, out);
        self.role = Role::Following(Box::new(f));
        // The learner's socket timeout is initLimit ticks during sync.
        out.push(Output::SetTimer { timer: Timer::PeerTimeout, at: now.plus_ms(self.tick_ms() * self.cfg.init_limit) });
    }

    fn send_to_leader(&mut self, pkt: QuorumPacket, out: &mut Vec<Out>) {
        if let Role::Following(f) = &mut self.role {
            send_on(&mut f.send_seq, f.leader, pkt, out);
        }
    }

    fn on_follower_packet(&mut self, now: Time, from: Sid, seq: u32, pkt: QuorumPacket, out: &mut Vec<Out>) {
        let Role::Following(f) = &mut self.role else {
            return;
        };
        if from != f.leader {
            // Not our leader's connection (an old leader still broadcasting): close it.
            out.push(Output::Send { to: node_of_sid(from), msg: Msg::Reset });
            return;
        }
        if seq != f.recv_seq {
            // A hole in the TCP stream: the connection is broken.
            self.go_looking(now, out);
            return;
        }
        f.recv_seq += 1;
        match pkt {
            QuorumPacket::LeaderInfo { new_epoch } => self.on_leader_info(now, new_epoch, out),
            QuorumPacket::Sync(payload) => {
                if let Role::Following(f) = &mut self.role {
                    f.pending = Some(payload);
                }
            }
            QuorumPacket::NewLeader { zxid } => self.on_new_leader(now, zxid, out),
            QuorumPacket::UpToDate { committed } => self.on_up_to_date(now, committed, out),
            QuorumPacket::Proposal(txn) => self.on_proposal(now, txn, out),
            QuorumPacket::Commit { zxid } => self.on_commit(now, zxid, out),
            QuorumPacket::Inform(txn) => self.on_inform(now, txn, out),
            QuorumPacket::Ping { .. } => {
                // Learner.ping: answer with the session touches collected since the last one.
                let touches: Vec<(u64, u64)> = std::mem::take(&mut self.touches).into_iter().collect();
                self.send_to_leader(QuorumPacket::Ping { touches }, out);
            }
            _ => {}
        }
        if let Role::Following(f) = &self.role {
            // Learner: the next read waits at most the socket's timeout, as the packet left it
            // (initLimit ticks, syncLimit from NEWLEADER on).
            let (ticks, tick_ms) = f.read_limit().ticks(&self.cfg);
            out.push(Output::SetTimer { timer: Timer::PeerTimeout, at: now.plus_ms(tick_ms * ticks) });
        }
    }

    fn on_leader_info(&mut self, now: Time, new_epoch: u64, out: &mut Vec<Out>) {
        if new_epoch < self.accepted_epoch {
            // Learner: "Leaders epoch is less than accepted epoch": give up on this leader.
            self.go_looking(now, out);
            return;
        }
        let current_epoch = if new_epoch > self.accepted_epoch {
            self.accepted_epoch = new_epoch; // durable
            Some(self.current_epoch)
        } else {
            // ZAB: ACKEPOCH carries −1 when this epoch was already accepted.
            None
        };
        let last_zxid = self.last_logged_zxid();
        self.send_to_leader(QuorumPacket::AckEpoch { current_epoch, last_zxid }, out);
        if let Role::Following(f) = &mut self.role {
            f.phase = FollowerPhase::Sync;
        }
    }

    /// NEWLEADER: make the synced history durable, take the new epoch, ACK.
    fn on_new_leader(&mut self, now: Time, zxid: Zxid, out: &mut Vec<Out>) {
        let Role::Following(f) = &mut self.role else {
            return;
        };
        let Some(payload) = f.pending.take() else {
            self.go_looking(now, out);
            return;
        };
        let mode_note = match &payload.mode {
            SyncMode::Diff => "DIFF",
            SyncMode::Trunc { .. } => "TRUNC",
            SyncMode::Snap(_) => "SNAP",
        };
        match payload.mode {
            SyncMode::Diff => {}
            SyncMode::Trunc { zxid: to } => {
                let keep = self.log.partition_point(|t| t.zxid <= to);
                self.log.truncate(keep);
                if keep < self.applied {
                    self.reset_tree();
                }
            }
            SyncMode::Snap(SnapRef(snapshot)) => {
                self.base = snapshot;
                self.log.clear();
                self.reset_tree();
            }
        }
        let mut last = self.last_logged_zxid();
        for txn in payload.txns {
            if txn.zxid > last {
                last = txn.zxid;
                self.log.push(txn);
            }
        }
        self.current_epoch = epoch_of(zxid); // durable
        out.push(Output::Note(Note::Synced { mode: mode_note }));
        self.send_to_leader(QuorumPacket::Ack { zxid }, out);
        if last > zxid {
            // Proposals of the current epoch that came with the sync are acknowledged too.
            self.send_to_leader(QuorumPacket::Ack { zxid: last }, out);
        }
        if let Role::Following(f) = &mut self.role {
            // Learner.syncWithLeader: from NEWLEADER on, the read timeout is syncLimit ticks.
            f.phase = FollowerPhase::NewLeader;
        }
    }

    fn on_up_to_date(&mut self, now: Time, committed: Zxid, out: &mut Vec<Out>) {
        let Role::Following(f) = &mut self.role else {
            return;
        };
        f.phase = FollowerPhase::Broadcast;
        let through = committed.max(f.early_commit);
        // ZOOKEEPER-1732: Learner.syncWithLeader, after UPTODATE, calls
        // QuorumPeer.updateElectionVote(newEpoch) (followers and observers): the vote we answer
        // LOOKING servers with now carries the epoch of NEWLEADER as its peerEpoch.
        self.vote.peer_epoch = self.current_epoch;
        self.apply_through(now, through, out);
        out.push(Output::Note(Note::UpToDate));
    }

    fn on_proposal(&mut self, now: Time, txn: Rc<Txn>, out: &mut Vec<Out>) {
        if txn.zxid <= self.last_logged_zxid() {
            // Out of order on a FIFO channel cannot happen: treat the stream as broken.
            self.go_looking(now, out);
            return;
        }
        let zxid = txn.zxid;
        self.log.push(txn); // logged (fsync) before the ACK
        self.send_to_leader(QuorumPacket::Ack { zxid }, out);
    }

    fn on_commit(&mut self, now: Time, zxid: Zxid, out: &mut Vec<Out>) {
        let Role::Following(f) = &mut self.role else {
            return;
        };
        if f.phase != FollowerPhase::Broadcast {
            f.early_commit = f.early_commit.max(zxid);
            return;
        }
        if zxid > self.last_logged_zxid() {
            // A COMMIT for a proposal we never logged: the stream is broken.
            self.go_looking(now, out);
            return;
        }
        self.apply_through(now, zxid, out);
    }

    /// Retry the connection to the leader (a new connection: FOLLOWERINFO again).
    pub(crate) fn on_learner_connect(&mut self, out: &mut Vec<Out>) {
        let accepted_epoch = self.accepted_epoch;
        let pkt = if self.is_observer() {
            QuorumPacket::ObserverInfo { accepted_epoch }
        } else {
            QuorumPacket::FollowerInfo { accepted_epoch }
        };
        if let Role::Following(f) = &mut self.role {
            // Nothing received from the leader yet (so still in Discovery: the phase moves only
            // on a leader's packet).
            if f.recv_seq == 0 {
                f.send_seq = 0;
                send_on(&mut f.send_seq, f.leader, pkt, out);
            }
        }
    }

    /// INFORM: an observer logs and applies a committed transaction.
    fn on_inform(&mut self, now: Time, txn: Rc<Txn>, out: &mut Vec<Out>) {
        if txn.zxid <= self.last_logged_zxid() {
            self.go_looking(now, out);
            return;
        }
        let zxid = txn.zxid;
        self.log.push(txn);
        let Role::Following(f) = &mut self.role else { return };
        if f.phase == FollowerPhase::Broadcast {
            self.apply_through(now, zxid, out);
        } else {
            f.early_commit = f.early_commit.max(zxid);
        }
    }

    pub(crate) fn on_peer_timeout(&mut self, now: Time, out: &mut Vec<Out>) {
        if let Role::Following(f) = &self.role {
            // ZAB: a follower that hears nothing for syncLimit (initLimit while syncing) ticks
            // goes LOOKING.
            out.push(Output::Note(Note::LeaderTimeout { limit: f.read_limit() }));
            self.go_looking(now, out);
        }
    }

    /// Forward a client write to the leader (REQUEST), or propose it if we lead.
    pub(crate) fn submit(&mut self, now: Time, session: u64, origin: Origin, body: TxnBody, out: &mut Vec<Out>) {
        match &self.role {
            Role::Leading(_) => self.propose(now, session, Some(origin), body, out),
            Role::Following(_) => {
                let req = Request { session, origin, body };
                self.send_to_leader(QuorumPacket::Request(Box::new(req)), out);
            }
            Role::Looking => {}
        }
    }

    // ------------------------------------------------------------------ both

    pub(crate) fn on_quorum(&mut self, now: Time, from: Sid, seq: u32, pkt: QuorumPacket, out: &mut Vec<Out>) {
        match &self.role {
            Role::Following(_) => self.on_follower_packet(now, from, seq, pkt, out),
            Role::Leading(_) => self.on_leader_packet(now, from, seq, pkt, out),
            Role::Looking => {
                // Only the leader listens on the learner port: refuse.
                if matches!(pkt, QuorumPacket::FollowerInfo { .. }) {
                    out.push(Output::Send { to: node_of_sid(from), msg: Msg::Reset });
                }
            }
        }
    }

    /// The connection to `from` was reset (it closed it, or its process is gone).
    pub(crate) fn on_quorum_reset(&mut self, now: Time, from: Sid, out: &mut Vec<Out>) {
        match &mut self.role {
            Role::Following(f) if f.leader == from && f.recv_seq == 0 => {
                // Learner.connectToLeader: the leader is not listening yet: retry after
                // leaderConnectDelayDuringRetryMs (100 ms), within initLimit.
                out.push(Output::SetTimer { timer: Timer::LearnerConnect, at: now.plus_ms(LEADER_CONNECT_DELAY_MS) });
            }
            Role::Following(f) if f.leader == from => {
                out.push(Output::Note(Note::LeaderLost));
                self.go_looking(now, out);
            }
            Role::Leading(l) => {
                l.learners.remove(&from);
            }
            _ => {}
        }
    }
}

/// Send a packet on a numbered connection.
fn send_on(seq: &mut u32, to: Sid, pkt: QuorumPacket, out: &mut Vec<Out>) {
    out.push(Output::Send { to: node_of_sid(to), msg: Msg::Quorum { seq: *seq, pkt } });
    *seq += 1;
}

/// `ExpiryQueue.roundToNextInterval`: deadlines sit in tickTime-wide buckets.
pub fn expiry_deadline(time_ms: u64, tick_ms: u64) -> u64 {
    let tick = tick_ms.max(1);
    (time_ms / tick + 1) * tick
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod sync_tests;
