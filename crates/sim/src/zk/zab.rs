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
mod tests {
    use super::*;
    use crate::world::Input;
    use crate::zk::config::Config;
    use crate::zk::msg::make_zxid;
    use crate::zk::msg::{Snapshot, Vote};
    use crate::zk::tree::DataTree;
    use crate::zk::In;

    fn server(sid: Sid) -> Server {
        let cfg = Rc::new(Config { ensemble: 3, brokers: 0, partitions: 0, ..Config::default() });
        let base = Rc::new(Snapshot { tree: DataTree::new(), zxid: 0, applied_count: 0, digest: 0 });
        Server::new(sid, cfg, base)
    }

    fn step(s: &mut Server, now: Time, input: In) -> Vec<Out> {
        let mut out = Vec::new();
        s.step(now, input, &mut out);
        out
    }

    fn q(seq: u32, pkt: QuorumPacket) -> Msg {
        Msg::Quorum { seq, pkt }
    }

    fn txn(zxid: Zxid) -> Rc<Txn> {
        Rc::new(Txn { zxid, session: 0, origin: None, body: TxnBody::CreateSession { timeout_ms: 4_000 } })
    }

    fn log(zxids: &[Zxid]) -> Vec<Rc<Txn>> {
        zxids.iter().map(|z| txn(*z)).collect()
    }

    /// zk3 elected leader at t=0 by the votes of zk1 and itself.
    fn leader() -> Server {
        let mut s = server(3);
        s.state = ServerState::Looking;
        s.vote = Vote { leader: 3, zxid: 0, election_epoch: 1, peer_epoch: 0 };
        let mut out = Vec::new();
        s.lead(Time::ZERO, &mut out);
        s
    }

    /// A leader established in epoch 1 with zk1 and zk2 up to date.
    fn established() -> Server {
        let mut l = leader();
        for from in [0, 1] {
            step(&mut l, Time::ZERO, Input::Msg { from, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 0 }) });
        }
        for from in [0, 1] {
            let ack = QuorumPacket::AckEpoch { current_epoch: Some(0), last_zxid: 0 };
            step(&mut l, Time::ZERO, Input::Msg { from, msg: q(1, ack) });
        }
        for from in [0, 1] {
            let ack = QuorumPacket::Ack { zxid: make_zxid(1, 0) };
            step(&mut l, Time::ZERO, Input::Msg { from, msg: q(2, ack) });
        }
        assert_eq!(l.established_epoch(), Some(1));
        l
    }

    #[test]
    fn sync_plan_follows_sync_follower() {
        let e1 = |c| make_zxid(1, c);
        let e2 = |c| make_zxid(2, c);
        let l = log(&[e1(1), e1(2), e1(3), e2(1)]);
        // Equal zxids: an empty DIFF.
        assert_eq!(sync_plan(&l, 0, 4, 10, e2(1)), Plan::Diff { from: 4 });
        // Within the committed log: DIFF of what follows.
        assert_eq!(sync_plan(&l, 0, 4, 10, e1(2)), Plan::Diff { from: 2 });
        assert_eq!(sync_plan(&l, 0, 4, 10, 0), Plan::Diff { from: 0 });
        // Ahead of maxCommittedLog: TRUNC to it (the outstanding proposals follow).
        assert_eq!(sync_plan(&l, 0, 3, 10, e2(1)), Plan::Trunc { to: e1(3), from: 3 });
        assert_eq!(sync_plan(&l, 0, 4, 10, e2(5)), Plan::Trunc { to: e2(1), from: 4 });
        // A proposal the leader never saw (e1(4), never committed): TRUNC to e1(3), then DIFF.
        assert_eq!(sync_plan(&l, 0, 4, 10, e1(4)), Plan::Trunc { to: e1(3), from: 3 });
    }

    #[test]
    fn sync_plan_uses_snap_beyond_the_committed_log_when_the_txn_log_is_large() {
        let zxids: Vec<Zxid> = (1..=(COMMIT_LOG_COUNT as u64 + 100)).map(|c| make_zxid(1, c)).collect();
        let l = log(&zxids);
        let n = l.len();
        // 600 transactions missing, snapshot of 100 znodes: 600 > 0.33 × 100 → SNAP.
        assert_eq!(sync_plan(&l, 0, n, 100, make_zxid(1, 5)), Plan::Snap { from: n });
        // With a large snapshot the txn log is used instead: DIFF.
        assert_eq!(sync_plan(&l, 0, n, 1_000_000, make_zxid(1, 5)), Plan::Diff { from: 5 });
        // The boundary (LearnerHandler: txn log size ≤ 0.33 × snapshot size): 595 missing
        // transactions need a snapshot of at least 595 × 100 / 33 = 1 803.03 znodes.
        assert_eq!(sync_plan(&l, 0, n, 1_804, make_zxid(1, 5)), Plan::Diff { from: 5 });
        assert_eq!(sync_plan(&l, 0, n, 1_803, make_zxid(1, 5)), Plan::Snap { from: n });
    }

    #[test]
    fn leader_proposes_epoch_after_a_quorum_of_followerinfo() {
        let mut l = leader();
        let out = step(
            &mut l,
            Time::from_ms(5),
            Input::Msg { from: 0, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 4 }) },
        );
        assert_eq!(
            out,
            vec![
                // ZAB: new epoch = max(acceptedEpoch) + 1.
                Output::Note(Note::NewEpoch { epoch: 5 }),
                Output::Send { to: 0, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 5 }) },
                Output::SetTimer { timer: Timer::InitLimit, at: Time::from_ms(5 + 20_000) },
            ]
        );
        assert_eq!(l.accepted_epoch, 5);
    }

    #[test]
    fn follower_acks_the_epoch_with_its_current_epoch_or_minus_one() {
        let mut f = server(1);
        f.current_epoch = 2;
        f.accepted_epoch = 2;
        let mut out = Vec::new();
        f.follow(Time::ZERO, 3, &mut out);
        let out = step(
            &mut f,
            Time::from_ms(3),
            Input::Msg { from: 2, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 3 }) },
        );
        assert_eq!(
            out,
            vec![
                Output::Send { to: 2, msg: q(1, QuorumPacket::AckEpoch { current_epoch: Some(2), last_zxid: 0 }) },
                Output::SetTimer { timer: Timer::PeerTimeout, at: Time::from_ms(3 + 20_000) },
            ]
        );
        assert_eq!(f.accepted_epoch, 3);
        // The same epoch again (a new connection): ACKEPOCH carries −1.
        let mut g = server(1);
        g.accepted_epoch = 3;
        g.follow(Time::ZERO, 3, &mut Vec::new());
        let out = step(
            &mut g,
            Time::from_ms(3),
            Input::Msg { from: 2, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 3 }) },
        );
        assert!(out.contains(&Output::Send {
            to: 2,
            msg: q(1, QuorumPacket::AckEpoch { current_epoch: None, last_zxid: 0 })
        }));
    }

    #[test]
    fn follower_rejects_a_leader_epoch_below_its_accepted_epoch() {
        let mut f = server(1);
        f.accepted_epoch = 7;
        f.follow(Time::ZERO, 3, &mut Vec::new());
        step(&mut f, Time::from_ms(3), Input::Msg { from: 2, msg: q(0, QuorumPacket::LeaderInfo { new_epoch: 6 }) });
        assert_eq!(f.state, ServerState::Looking);
    }

    #[test]
    fn leader_gives_up_when_a_follower_is_ahead_of_it() {
        let mut l = leader();
        step(&mut l, Time::ZERO, Input::Msg { from: 0, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 0 }) });
        let ack = QuorumPacket::AckEpoch { current_epoch: Some(0), last_zxid: make_zxid(0, 9) };
        let out = step(&mut l, Time::from_ms(1), Input::Msg { from: 0, msg: q(1, ack) });
        assert!(out.contains(&Output::Note(Note::GaveUp { reason: crate::zk::GiveUp::FollowerAhead })));
        assert_eq!(l.state, ServerState::Looking);
    }

    #[test]
    fn epoch_ack_quorum_sends_diff_and_newleader_then_uptodate_after_newleader_acks() {
        let mut l = leader();
        step(&mut l, Time::ZERO, Input::Msg { from: 0, msg: q(0, QuorumPacket::FollowerInfo { accepted_epoch: 0 }) });
        let ack = QuorumPacket::AckEpoch { current_epoch: Some(0), last_zxid: 0 };
        let out = step(&mut l, Time::from_ms(1), Input::Msg { from: 0, msg: q(1, ack) });
        let diff = SyncPayload { mode: SyncMode::Diff, txns: vec![] };
        assert_eq!(
            out,
            vec![
                Output::Send { to: 0, msg: q(1, QuorumPacket::Sync(Box::new(diff))) },
                Output::Send { to: 0, msg: q(2, QuorumPacket::NewLeader { zxid: make_zxid(1, 0) }) },
                Output::SetTimer { timer: Timer::InitLimit, at: Time::from_ms(1 + 20_000) },
            ]
        );
        assert_eq!(l.current_epoch, 1);
        let out = step(
            &mut l,
            Time::from_ms(2),
            Input::Msg { from: 0, msg: q(2, QuorumPacket::Ack { zxid: make_zxid(1, 0) }) },
        );
        assert_eq!(
            out,
            vec![
                Output::Send { to: 0, msg: q(3, QuorumPacket::UpToDate { committed: 0 }) },
                Output::Note(Note::Established { epoch: 1 }),
                Output::CancelTimer(Timer::InitLimit),
                Output::SetTimer { timer: Timer::Tick, at: Time::from_ms(1_002) },
                Output::SetTimer { timer: Timer::SessionCheck, at: Time::from_ms(2_000) },
            ]
        );
    }

    #[test]
    fn proposals_commit_in_zxid_order_after_a_quorum_of_cumulative_acks() {
        let mut l = established();
        let mut out = Vec::new();
        l.propose(Time::from_ms(10), 0, None, TxnBody::CreateSession { timeout_ms: 4_000 }, &mut out);
        l.propose(Time::from_ms(10), 0, None, TxnBody::CreateSession { timeout_ms: 4_000 }, &mut out);
        let (z1, z2) = (make_zxid(1, 1), make_zxid(1, 2));
        assert_eq!(
            out.iter()
                .filter(|o| matches!(o, Output::Send { msg: Msg::Quorum { pkt: QuorumPacket::Proposal(_), .. }, .. }))
                .count(),
            4
        );
        // zk2 acknowledges z2: on a FIFO channel that covers z1 too; both commit, in order.
        let out = step(&mut l, Time::from_ms(12), Input::Msg { from: 1, msg: q(3, QuorumPacket::Ack { zxid: z2 }) });
        let commits: Vec<Zxid> = out
            .iter()
            .filter_map(|o| match o {
                Output::Send { to: 0, msg: Msg::Quorum { pkt: QuorumPacket::Commit { zxid }, .. } } => Some(*zxid),
                _ => None,
            })
            .collect();
        assert_eq!(commits, vec![z1, z2]);
        assert_eq!(l.applied_zxid(), z2);
        assert_eq!(l.tree.sessions.len(), 2);
    }

    #[test]
    fn follower_logs_acks_and_applies_on_commit_and_a_gap_breaks_the_connection() {
        let mut f = server(1);
        f.follow(Time::ZERO, 3, &mut Vec::new());
        let feed = |f: &mut Server, seq: u32, pkt: QuorumPacket| {
            step(f, Time::from_ms(u64::from(seq)), Input::Msg { from: 2, msg: q(seq, pkt) })
        };
        feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 1 });
        feed(&mut f, 1, QuorumPacket::Sync(Box::new(SyncPayload { mode: SyncMode::Diff, txns: vec![] })));
        let out = feed(&mut f, 2, QuorumPacket::NewLeader { zxid: make_zxid(1, 0) });
        assert!(out.contains(&Output::Send { to: 2, msg: q(2, QuorumPacket::Ack { zxid: make_zxid(1, 0) }) }));
        assert_eq!(f.current_epoch, 1);
        feed(&mut f, 3, QuorumPacket::UpToDate { committed: 0 });
        assert!(f.serving());
        let out = feed(&mut f, 4, QuorumPacket::Proposal(txn(make_zxid(1, 1))));
        assert_eq!(
            out,
            vec![
                Output::Send { to: 2, msg: q(3, QuorumPacket::Ack { zxid: make_zxid(1, 1) }) },
                Output::SetTimer { timer: Timer::PeerTimeout, at: Time::from_ms(4 + 10_000) },
            ]
        );
        assert_eq!(f.applied_zxid(), 0);
        feed(&mut f, 5, QuorumPacket::Commit { zxid: make_zxid(1, 1) });
        assert_eq!(f.applied_zxid(), make_zxid(1, 1));
        // Packet 6 was lost: packet 7 reveals the hole and the follower goes LOOKING.
        feed(&mut f, 7, QuorumPacket::Ping { touches: vec![] });
        assert_eq!(f.state, ServerState::Looking);
    }

    #[test]
    fn trunc_drops_the_uncommitted_tail_of_a_returning_follower() {
        let mut f = server(1);
        f.log = log(&[make_zxid(1, 1), make_zxid(1, 2), make_zxid(1, 3)]);
        f.current_epoch = 1;
        f.accepted_epoch = 1;
        f.follow(Time::ZERO, 3, &mut Vec::new());
        let feed =
            |f: &mut Server, seq: u32, pkt: QuorumPacket| step(f, Time::ZERO, Input::Msg { from: 2, msg: q(seq, pkt) });
        feed(&mut f, 0, QuorumPacket::LeaderInfo { new_epoch: 2 });
        let payload = SyncPayload { mode: SyncMode::Trunc { zxid: make_zxid(1, 2) }, txns: log(&[make_zxid(2, 1)]) };
        feed(&mut f, 1, QuorumPacket::Sync(Box::new(payload)));
        feed(&mut f, 2, QuorumPacket::NewLeader { zxid: make_zxid(2, 0) });
        let zxids: Vec<Zxid> = f.log.iter().map(|t| t.zxid).collect();
        assert_eq!(zxids, vec![make_zxid(1, 1), make_zxid(1, 2), make_zxid(2, 1)]);
    }

    #[test]
    fn leader_pings_every_half_tick_and_gives_up_without_a_synced_quorum() {
        let mut l = established();
        let out = step(&mut l, Time::from_ms(1_000), Input::Timer(Timer::Tick));
        let pings = out
            .iter()
            .filter(|o| matches!(o, Output::Send { msg: Msg::Quorum { pkt: QuorumPacket::Ping { .. }, .. }, .. }))
            .count();
        assert_eq!(pings, 2);
        // Nothing heard from either follower: after syncLimit (5) ticks the quorum is lost.
        let mut now = Time::from_ms(1_000);
        for _ in 0..12 {
            now = now.plus_ms(1_000);
            step(&mut l, now, Input::Timer(Timer::Tick));
            if l.state == ServerState::Looking {
                break;
            }
        }
        assert_eq!(l.state, ServerState::Looking);
        // Last packet at tick 0, deadline tick 0 + syncLimit = 5: the check at tick 6 fails.
        assert_eq!(now, Time::from_ms(12_000));
    }
}

#[cfg(test)]
mod sync_tests {
    use super::*;
    use crate::world::Input;
    use crate::zk::testkit::{established_leader, q, server, step};

    /// The leader commits `n` createSession transactions, acknowledged by zk1.
    fn leader_with(n: usize) -> Server {
        let mut l = established_leader();
        // zk1's stream to the leader is at packet 3 after the sync.
        for ack_seq in (3..).take(n) {
            let mut out = Vec::new();
            l.propose(Time::from_ms(5), 0, None, TxnBody::CreateSession { timeout_ms: 6_000 }, &mut out);
            let zxid = l.last_logged_zxid();
            step(&mut l, Time::from_ms(5), Input::Msg { from: 0, msg: q(ack_seq, QuorumPacket::Ack { zxid }) });
        }
        assert_eq!(l.applied, n);
        l
    }

    /// zk2 (node 1) reconnects to the leader from an empty state; returns the sync packet label.
    fn join(l: &mut Server) -> (Server, &'static str) {
        use crate::world::Message;
        let mut f = server(2);
        f.follow(Time::ZERO, 3, &mut Vec::new());
        let info = QuorumPacket::FollowerInfo { accepted_epoch: 0 };
        let mut to_follower = step(l, Time::from_ms(6), Input::Msg { from: 1, msg: q(0, info) });
        let mut label = "";
        // Shuttle packets both ways until the follower is up to date.
        for _ in 0..8 {
            let mut to_leader = Vec::new();
            for o in to_follower.drain(..) {
                if let Output::Send { to: 1, msg } = o {
                    if matches!(msg, Msg::Quorum { pkt: QuorumPacket::Sync(_), .. }) {
                        label = msg.label();
                    }
                    to_leader.extend(step(&mut f, Time::from_ms(7), Input::Msg { from: 2, msg }));
                }
            }
            for o in to_leader {
                if let Output::Send { to: 2, msg } = o {
                    to_follower.extend(step(l, Time::from_ms(8), Input::Msg { from: 1, msg }));
                }
            }
            if f.serving() {
                break;
            }
        }
        (f, label)
    }

    #[test]
    fn a_learner_within_the_committed_log_gets_a_diff_and_the_same_history() {
        let mut l = leader_with(20);
        let (f, label) = join(&mut l);
        assert_eq!(label, "DIFF");
        assert!(f.serving());
        assert_eq!((f.applied_zxid(), f.applied_count(), f.digest), (l.applied_zxid(), l.applied_count(), l.digest));
    }

    #[test]
    fn a_learner_beyond_the_committed_log_gets_a_snap_and_the_same_state() {
        // 600 > 500 proposals kept in memory, and 600 transactions is far more than a third of
        // a tiny snapshot: SNAP.
        let mut l = leader_with(COMMIT_LOG_COUNT + 100);
        let (f, label) = join(&mut l);
        assert_eq!(label, "SNAP");
        assert!(f.serving());
        assert_eq!((f.applied_zxid(), f.applied_count(), f.digest), (l.applied_zxid(), l.applied_count(), l.digest));
        assert_eq!(f.tree.sessions.len(), COMMIT_LOG_COUNT + 100);
        assert!(f.log.is_empty(), "the snapshot replaced the log");
    }
}
