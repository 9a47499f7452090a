//! The ZAB leader (`Leader.java`, `LearnerHandler.java`; domain.md §1.2): discovery
//! (getEpochToPropose, waitForEpochAck), synchronization (syncFollower, NEWLEADER, UPTODATE),
//! broadcast (PROPOSAL, ACK, COMMIT in zxid order, INFORM to observers), and the tick loop
//! (PING every tickTime/2, the synced-quorum check every tick).

use crate::sorted::{SortedMap, SortedSet};
use std::rc::Rc;

use crate::time::Time;
use crate::world::Output;

use super::super::ids::{node_of_sid, server_name};
use super::super::msg::{
    make_zxid, Msg, Origin, QuorumPacket, ServerState, Sid, SnapRef, SyncMode, SyncPayload, Txn, TxnBody, Zxid,
};
use super::super::server::{Role, Server};
use super::super::{GiveUp, Note, Out, Timer};
use super::{expiry_deadline, send_on, sync_plan, Plan};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LearnerPhase {
    Info,
    EpochAcked,
    /// Sync and NEWLEADER sent: the learner is in the forwarding set.
    Synced,
    /// NEWLEADER acknowledged.
    Acked,
    UpToDate,
}

/// The leader's `LearnerHandler` for one learner.
#[derive(Clone, Debug)]
pub struct Learner {
    pub phase: LearnerPhase,
    pub send_seq: u32,
    pub recv_seq: u32,
    /// `tickOfNextAckDeadline`.
    pub deadline_tick: u64,
    pub last_zxid: Zxid,
    /// An observer: synced like the others, sent INFORM, never counted.
    pub observer: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LeaderPhase {
    /// Waiting for a quorum of FOLLOWERINFO (`getEpochToPropose`).
    Discovery,
    /// Waiting for a quorum of ACKEPOCH (`waitForEpochAck`).
    EpochAck,
    /// Waiting for a quorum of ACKs of NEWLEADER (`waitForNewLeaderAck`).
    Sync,
    /// Established: broadcasting.
    Broadcast,
}

#[derive(Clone, Debug)]
pub struct Leader {
    pub phase: LeaderPhase,
    pub new_epoch: u64,
    pub learners: SortedMap<Sid, Learner>,
    /// The voters that sent FOLLOWERINFO while the epoch was being chosen (and ourselves):
    /// `connectingFollowers`, which must hold a quorum.
    pub connecting: SortedSet<Sid>,
    /// The highest acceptedEpoch of every learner that sent FOLLOWERINFO or OBSERVERINFO while
    /// the epoch was being chosen (and our own): the new epoch is this + 1.
    pub max_accepted_epoch: u64,
    pub epoch_acks: SortedSet<Sid>,
    pub newleader_acks: SortedSet<Sid>,
    pub next_counter: u64,
    /// Proposals not yet committed and who acknowledged them.
    pub outstanding: SortedMap<Zxid, SortedSet<Sid>>,
    pub committed: Zxid,
    pub tick: u64,
    pub half_tick: bool,
    /// `SessionTrackerImpl`: session → (deadline ms, timeout ms).
    pub sessions: SortedMap<u64, Tracked>,
    /// Sessions whose closeSession is proposed.
    pub closing: SortedSet<u64>,
}

/// A session in the leader's `SessionTrackerImpl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tracked {
    /// The end of the tick-wide bucket the session expires in.
    pub deadline_ms: u64,
    pub timeout_ms: u64,
    /// When the leader last heard of the session (directly, or in a follower's PING).
    pub last_touch_ms: u64,
}

impl Tracked {
    pub fn touched(now_ms: u64, timeout_ms: u64, tick_ms: u64) -> Tracked {
        Tracked { deadline_ms: expiry_deadline(now_ms + timeout_ms, tick_ms), timeout_ms, last_touch_ms: now_ms }
    }
}

impl Leader {
    pub fn is_established(&self) -> bool {
        self.phase == LeaderPhase::Broadcast
    }
    pub fn newleader_zxid(&self) -> Zxid {
        make_zxid(self.new_epoch, 0)
    }
}

impl Server {
    /// Become the leader: wait for a quorum of FOLLOWERINFO within initLimit ticks.
    pub(crate) fn lead(&mut self, now: Time, out: &mut Vec<Out>) {
        // QuorumPeer: LEADING only as the outcome of a LOOKING round, and only for a voter.
        debug_assert!(
            matches!(self.role, Role::Looking) && self.state == ServerState::Looking && !self.is_observer(),
            "{}: leads while {}",
            server_name(self.sid),
            self.state
        );
        self.state = ServerState::Leading;
        let mut connecting = SortedSet::new();
        connecting.insert(self.sid);
        let leader = Leader {
            phase: LeaderPhase::Discovery,
            new_epoch: 0,
            learners: SortedMap::new(),
            connecting,
            max_accepted_epoch: self.accepted_epoch,
            epoch_acks: SortedSet::new(),
            newleader_acks: SortedSet::new(),
            next_counter: 1,
            outstanding: SortedMap::new(),
            committed: 0,
            tick: 0,
            half_tick: false,
            sessions: SortedMap::new(),
            closing: SortedSet::new(),
        };
        self.role = Role::Leading(Box::new(leader));
        out.push(Output::SetTimer { timer: Timer::InitLimit, at: now.plus_ms(self.tick_ms() * self.cfg.init_limit) });
    }

    pub(crate) fn leader_mut(&mut self) -> Option<&mut Leader> {
        match &mut self.role {
            Role::Leading(l) => Some(l),
            _ => None,
        }
    }

    pub(crate) fn send_to_learner(&mut self, sid: Sid, pkt: QuorumPacket, out: &mut Vec<Out>) {
        if let Some(learner) = self.leader_mut().and_then(|l| l.learners.get_mut(&sid)) {
            send_on(&mut learner.send_seq, sid, pkt, out);
        }
    }

    pub(crate) fn on_leader_packet(&mut self, now: Time, from: Sid, seq: u32, pkt: QuorumPacket, out: &mut Vec<Out>) {
        let quorum = self.cfg.quorum();
        let sync_limit = self.cfg.sync_limit;
        let init_limit = self.cfg.init_limit;
        let Role::Leading(l) = &mut self.role else {
            return;
        };
        let info = match pkt {
            QuorumPacket::FollowerInfo { accepted_epoch } => Some((accepted_epoch, false)),
            QuorumPacket::ObserverInfo { accepted_epoch } => Some((accepted_epoch, true)),
            _ => None,
        };
        if let Some((accepted_epoch, observer)) = info {
            if seq != 0 {
                return;
            }
            // A new learner connection (replacing any older one from the same server).
            let learner = Learner {
                phase: LearnerPhase::Info,
                send_seq: 0,
                recv_seq: 1,
                deadline_tick: l.tick + init_limit + sync_limit,
                last_zxid: 0,
                observer,
            };
            l.learners.insert(from, learner);
            match l.phase {
                LeaderPhase::Discovery => {
                    // ZAB: Leader.getEpochToPropose, called by LearnerHandler for FOLLOWERINFO
                    // and OBSERVERINFO alike: `if (lastAcceptedEpoch >= epoch) epoch =
                    // lastAcceptedEpoch + 1` for every learner, observers included; only
                    // `isParticipant(sid)` joins connectingFollowers, whose quorum (with the
                    // leader) fixes the epoch.
                    l.max_accepted_epoch = l.max_accepted_epoch.max(accepted_epoch);
                    if !observer {
                        l.connecting.insert(from);
                    }
                    if l.connecting.len() >= quorum {
                        self.propose_epoch(now, out);
                    }
                }
                _ => {
                    let new_epoch = l.new_epoch;
                    self.send_to_learner(from, QuorumPacket::LeaderInfo { new_epoch }, out);
                }
            }
            return;
        }
        let Some(learner) = l.learners.get_mut(&from) else {
            // No such connection (it was dropped): reset it.
            out.push(Output::Send { to: node_of_sid(from), msg: Msg::Reset });
            return;
        };
        if seq != learner.recv_seq {
            // A hole in the learner's stream: drop the handler and close its connection.
            l.learners.remove(&from);
            out.push(Output::Send { to: node_of_sid(from), msg: Msg::Reset });
            return;
        }
        learner.recv_seq += 1;
        // LearnerHandler: any packet from the learner moves its ack deadline.
        learner.deadline_tick = l.tick + sync_limit;
        match pkt {
            QuorumPacket::AckEpoch { current_epoch, last_zxid } => {
                self.on_ack_epoch(now, from, current_epoch, last_zxid, out)
            }
            QuorumPacket::Ack { zxid } => self.on_ack(now, from, zxid, out),
            QuorumPacket::Ping { touches } => {
                for (session, _) in touches {
                    self.touch_session(now, session);
                }
            }
            // `propose` drops it while the leader is not established.
            QuorumPacket::Request(req) => self.propose(now, req.session, Some(req.origin), req.body, out),
            _ => {}
        }
    }

    pub(crate) fn propose_epoch(&mut self, now: Time, out: &mut Vec<Out>) {
        let Some(l) = self.leader_mut() else { return };
        let new_epoch = l.max_accepted_epoch + 1;
        l.new_epoch = new_epoch;
        l.phase = LeaderPhase::EpochAck;
        self.accepted_epoch = new_epoch; // durable
        let sid = self.sid;
        let Some(l) = self.leader_mut() else { return };
        l.epoch_acks.insert(sid);
        let sids: Vec<Sid> = l.learners.keys().copied().collect();
        out.push(Output::Note(Note::NewEpoch { epoch: new_epoch }));
        for s in sids {
            self.send_to_learner(s, QuorumPacket::LeaderInfo { new_epoch }, out);
        }
        out.push(Output::SetTimer { timer: Timer::InitLimit, at: now.plus_ms(self.tick_ms() * self.cfg.init_limit) });
    }

    pub(crate) fn on_ack_epoch(
        &mut self,
        now: Time,
        from: Sid,
        current_epoch: Option<u64>,
        last_zxid: Zxid,
        out: &mut Vec<Out>,
    ) {
        let ours = (self.current_epoch, self.last_logged_zxid());
        let quorum = self.cfg.quorum();
        let Some(l) = self.leader_mut() else { return };
        let Some(learner) = l.learners.get_mut(&from) else {
            return;
        };
        learner.phase = LearnerPhase::EpochAcked;
        learner.last_zxid = last_zxid;
        let observer = learner.observer;
        match l.phase {
            LeaderPhase::Discovery => {}
            LeaderPhase::EpochAck => {
                if let Some(ce) = current_epoch {
                    if (ce, last_zxid) > ours {
                        // ZAB: the leader aborts if a follower is more recent than itself.
                        out.push(Output::Note(Note::GaveUp { reason: GiveUp::FollowerAhead }));
                        self.go_looking(now, out);
                        return;
                    }
                    // ZAB: ACKEPOCH with −1 does not count, nor does an observer's.
                    if !observer {
                        l.epoch_acks.insert(from);
                    }
                }
                if l.epoch_acks.len() >= quorum {
                    self.start_sync(now, out);
                }
            }
            LeaderPhase::Sync | LeaderPhase::Broadcast => self.sync_learner(from, out),
        }
    }

    /// A quorum acknowledged the epoch: take it and sync every learner that asked.
    pub(crate) fn start_sync(&mut self, now: Time, out: &mut Vec<Out>) {
        let sid = self.sid;
        let Some(l) = self.leader_mut() else { return };
        l.phase = LeaderPhase::Sync;
        l.newleader_acks.insert(sid);
        let new_epoch = l.new_epoch;
        let ready: Vec<Sid> =
            l.learners.iter().filter(|(_, h)| h.phase == LearnerPhase::EpochAcked).map(|(s, _)| *s).collect();
        self.current_epoch = new_epoch; // durable
        for s in ready {
            self.sync_learner(s, out);
        }
        out.push(Output::SetTimer { timer: Timer::InitLimit, at: now.plus_ms(self.tick_ms() * self.cfg.init_limit) });
    }

    /// ZAB: syncFollower, then NEWLEADER; from here the learner gets every new proposal.
    pub(crate) fn sync_learner(&mut self, sid: Sid, out: &mut Vec<Out>) {
        let Some(l) = self.leader_mut() else { return };
        let Some(learner) = l.learners.get(&sid) else {
            return;
        };
        let peer_last = learner.last_zxid;
        let established = l.is_established();
        let newleader = l.newleader_zxid();
        let observer = learner.observer;
        let committed_len = if established { self.applied } else { self.log.len() };
        let plan = sync_plan(&self.log, self.base.zxid, committed_len, self.tree.node_count(), peer_last);
        let (mode, from) = match plan {
            Plan::Diff { from } => (SyncMode::Diff, from),
            Plan::Trunc { to, from } => (SyncMode::Trunc { zxid: to }, from),
            Plan::Snap { from } => (SyncMode::Snap(SnapRef(Rc::new(self.committed_snapshot(committed_len)))), from),
        };
        // Observers get committed transactions only (later ones come as INFORM).
        let until = if observer { committed_len.max(from) } else { self.log.len() };
        let txns = self.log.get(from..until).unwrap_or(&[]).to_vec();
        let payload = SyncPayload { mode, txns };
        self.send_to_learner(sid, QuorumPacket::Sync(Box::new(payload)), out);
        self.send_to_learner(sid, QuorumPacket::NewLeader { zxid: newleader }, out);
        if let Some(learner) = self.leader_mut().and_then(|l| l.learners.get_mut(&sid)) {
            learner.phase = LearnerPhase::Synced;
        }
    }

    pub(crate) fn on_ack(&mut self, now: Time, from: Sid, zxid: Zxid, out: &mut Vec<Out>) {
        let quorum = self.cfg.quorum();
        let Some(l) = self.leader_mut() else { return };
        let newleader = l.newleader_zxid();
        if zxid == newleader {
            let Some(learner) = l.learners.get_mut(&from) else {
                return;
            };
            if learner.phase != LearnerPhase::Synced {
                return;
            }
            learner.phase = LearnerPhase::Acked;
            let observer = learner.observer;
            match l.phase {
                LeaderPhase::Sync => {
                    if !observer {
                        l.newleader_acks.insert(from);
                    }
                    if l.newleader_acks.len() >= quorum {
                        self.establish(now, out);
                    }
                }
                LeaderPhase::Broadcast => {
                    let committed = l.committed;
                    if let Some(learner) = l.learners.get_mut(&from) {
                        learner.phase = LearnerPhase::UpToDate;
                    }
                    self.send_to_learner(from, QuorumPacket::UpToDate { committed }, out);
                }
                _ => {}
            }
            return;
        }
        // ACK of proposals: cumulative, since the learner logs them in order on a FIFO channel.
        // Observers never count.
        if l.learners.get(&from).is_none_or(|h| h.observer) {
            return;
        }
        for (_, acks) in l.outstanding.range_mut(..=zxid) {
            acks.insert(from);
        }
        self.try_commit(now, out);
    }

    /// ZAB: a quorum acknowledged NEWLEADER: commit the history, send UPTODATE, start ticking.
    pub(crate) fn establish(&mut self, now: Time, out: &mut Vec<Out>) {
        let last = self.last_logged_zxid();
        self.apply_through(now, last, out);
        let tick_ms = self.tick_ms();
        let sessions: Vec<(u64, u64)> = self.tree.sessions.iter().map(|(s, t)| (*s, *t)).collect();
        let Some(l) = self.leader_mut() else { return };
        l.phase = LeaderPhase::Broadcast;
        l.committed = last;
        // SessionTrackerImpl: a new leader tracks every session with a full timeout.
        for (session, timeout) in sessions {
            l.sessions.insert(session, Tracked::touched(now.as_ms(), timeout, tick_ms));
        }
        let epoch = l.new_epoch;
        // ZOOKEEPER-1732: Leader.startZkServer (once a quorum ACKed NEWLEADER) calls
        // QuorumPeer.updateElectionVote(getEpoch()): the vote we answer LOOKING servers with now
        // carries the new epoch as its peerEpoch (its zxid and electionEpoch stay as elected).
        self.vote.peer_epoch = epoch;
        let Some(l) = self.leader_mut() else { return };
        let acked: Vec<Sid> =
            l.learners.iter().filter(|(_, h)| h.phase == LearnerPhase::Acked).map(|(s, _)| *s).collect();
        for s in acked {
            if let Some(h) = self.leader_mut().and_then(|l| l.learners.get_mut(&s)) {
                h.phase = LearnerPhase::UpToDate;
            }
            self.send_to_learner(s, QuorumPacket::UpToDate { committed: last }, out);
        }
        out.push(Output::Note(Note::Established { epoch }));
        out.push(Output::CancelTimer(Timer::InitLimit));
        out.push(Output::SetTimer { timer: Timer::Tick, at: now.plus_ms(tick_ms / 2) });
        out.push(Output::SetTimer {
            timer: Timer::SessionCheck,
            at: Time::from_ms(expiry_deadline(now.as_ms(), tick_ms)),
        });
    }

    pub(crate) fn on_init_limit(&mut self, now: Time, out: &mut Vec<Out>) {
        if let Role::Leading(l) = &self.role {
            if !l.is_established() {
                // ZAB: discovery and sync are bounded by initLimit ticks.
                out.push(Output::Note(Note::GaveUp { reason: GiveUp::InitLimit }));
                self.go_looking(now, out);
            }
        }
    }

    /// Every tickTime/2: PING the learners; every tickTime: check that a quorum is synced.
    pub(crate) fn on_tick(&mut self, now: Time, out: &mut Vec<Out>) {
        let quorum = self.cfg.quorum();
        let sid = self.sid;
        let Some(l) = self.leader_mut() else { return };
        if !l.is_established() {
            return;
        }
        l.half_tick = !l.half_tick;
        if !l.half_tick {
            l.tick += 1;
            let tick = l.tick;
            let synced =
                1 + l.learners.iter().filter(|(s, h)| *s != sid && !h.observer && tick <= h.deadline_tick).count();
            if synced < quorum {
                // ZAB: "Not sufficient followers synced": the leader gives up.
                out.push(Output::Note(Note::GaveUp { reason: GiveUp::NotSynced }));
                self.go_looking(now, out);
                return;
            }
        }
        let Some(l) = self.leader_mut() else { return };
        let sids: Vec<Sid> =
            l.learners.iter().filter(|(_, h)| h.phase >= LearnerPhase::Synced).map(|(s, _)| *s).collect();
        for s in sids {
            self.send_to_learner(s, QuorumPacket::Ping { touches: Vec::new() }, out);
        }
        out.push(Output::SetTimer { timer: Timer::Tick, at: now.plus_ms(self.tick_ms() / 2) });
    }

    /// ZAB: log the transaction, send PROPOSAL to the forwarding learners, ack it ourselves.
    pub(crate) fn propose(
        &mut self,
        now: Time,
        session: u64,
        origin: Option<Origin>,
        body: TxnBody,
        out: &mut Vec<Out>,
    ) {
        let sid = self.sid;
        let Some(l) = self.leader_mut() else { return };
        if !l.is_established() {
            return;
        }
        if l.next_counter >= 0xffff_ffff {
            // ZAB (Leader.propose): a proposal whose zxid counter is 0xffffffff forces a
            // re-election ("zxid lower 32 bits have rolled over"): that counter is never used.
            self.go_looking(now, out);
            return;
        }
        let zxid = make_zxid(l.new_epoch, l.next_counter);
        l.next_counter += 1;
        let mut acks = SortedSet::new();
        acks.insert(sid);
        l.outstanding.insert(zxid, acks);
        if let TxnBody::CloseSession { session } = &body {
            l.closing.insert(*session);
        }
        // PROPOSAL to followers only; observers hear of it by INFORM once committed.
        let sids: Vec<Sid> = l
            .learners
            .iter()
            .filter(|(_, h)| h.phase >= LearnerPhase::Synced && !h.observer)
            .map(|(s, _)| *s)
            .collect();
        let txn = Rc::new(Txn { zxid, session, origin, body });
        self.log.push(txn.clone());
        for s in sids {
            self.send_to_learner(s, QuorumPacket::Proposal(txn.clone()), out);
        }
        self.try_commit(now, out);
    }

    /// ZAB: commit in zxid order once a quorum has acknowledged.
    pub(crate) fn try_commit(&mut self, now: Time, out: &mut Vec<Out>) {
        let quorum = self.cfg.quorum();
        loop {
            let Some(l) = self.leader_mut() else { return };
            let Some(&(zxid, ref acks)) = l.outstanding.first() else {
                return;
            };
            if acks.len() < quorum {
                return;
            }
            l.outstanding.remove(&zxid);
            l.committed = zxid;
            let sids: Vec<(Sid, bool)> = l
                .learners
                .iter()
                .filter(|(_, h)| h.phase >= LearnerPhase::Synced)
                .map(|(s, h)| (*s, h.observer))
                .collect();
            let txn = match self.log.binary_search_by(|t| t.zxid.cmp(&zxid)) {
                Ok(i) => self.log.get(i).cloned(),
                Err(_) => None,
            };
            for (s, observer) in sids {
                // COMMIT to followers, INFORM (with the transaction) to observers.
                match (&txn, observer) {
                    (Some(t), true) => self.send_to_learner(s, QuorumPacket::Inform(t.clone()), out),
                    (None, true) => {}
                    (_, false) => self.send_to_learner(s, QuorumPacket::Commit { zxid }, out),
                }
            }
            self.apply_through(now, zxid, out);
        }
    }
}
