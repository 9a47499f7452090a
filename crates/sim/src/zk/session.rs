//! The server side of the client protocol (domain.md §1.3, §1.4): connections, session
//! touches, expiry by the leader through closeSession, and one-shot watches fired when a
//! transaction is applied, before its reply (so a client sees the event before the data).

use std::collections::BTreeSet;
use std::rc::Rc;

use crate::time::Time;
use crate::world::Output;
use crate::NodeId;

use super::msg::{
    ClientOp, ClientPacket, Data, EventType, Msg, Op, OpResult, Origin, ReadOp, Txn, TxnBody, WatchKind, ZkResult, Zxid,
};
use super::server::{Role, Server};
use super::tree::Trigger;
use super::zab::expiry_deadline;
use super::{Note, Out, Timer};

/// One client connection.
#[derive(Clone, Debug, Default)]
pub struct Conn {
    /// 0 while the session is being created.
    pub session: u64,
    pub timeout_ms: u64,
    pub send_seq: u32,
    pub recv_seq: u32,
}

impl Server {
    fn send_client(&mut self, client: NodeId, pkt: ClientPacket, out: &mut Vec<Out>) {
        if let Some(conn) = self.conns.get_mut(&client) {
            out.push(Output::Send { to: client, msg: Msg::Client { seq: conn.send_seq, pkt } });
            conn.send_seq += 1;
        }
    }

    /// Forget a client connection and the watches it held.
    pub(crate) fn drop_conn(&mut self, client: NodeId) {
        if self.conns.remove(&client).is_none() {
            return;
        }
        for table in [&mut self.data_watches, &mut self.child_watches] {
            table.retain(|_, set| {
                set.remove(&client);
                !set.is_empty()
            });
        }
    }

    fn reset_conn(&mut self, client: NodeId, out: &mut Vec<Out>) {
        out.push(Output::Send { to: client, msg: Msg::Reset });
        self.drop_conn(client);
    }

    /// A server leaving the quorum closes every client connection.
    pub(crate) fn close_all_conns(&mut self, out: &mut Vec<Out>) {
        for client in self.conns.keys() {
            out.push(Output::Send { to: *client, msg: Msg::Reset });
        }
        self.conns.clear();
        self.data_watches.clear();
        self.child_watches.clear();
        self.touches.clear();
    }

    /// A client packet touches its session: the leader resets the deadline, a follower passes
    /// the touch on in its next PING (`Learner.ping`).
    fn touch(&mut self, now: Time, client: NodeId) {
        let Some(conn) = self.conns.get(&client) else {
            return;
        };
        if conn.session == 0 {
            return;
        }
        let (session, timeout) = (conn.session, conn.timeout_ms);
        match &self.role {
            Role::Leading(_) => self.touch_session(now, session),
            _ => {
                self.touches.insert(session, timeout);
            }
        }
    }

    pub(crate) fn touch_session(&mut self, now: Time, session: u64) {
        let tick = self.cfg.tick_time_ms;
        if let Role::Leading(l) = &mut self.role {
            if let Some((deadline, timeout)) = l.sessions.get_mut(&session) {
                *deadline = expiry_deadline(now.as_ms() + *timeout, tick);
            }
        }
    }

    pub(crate) fn on_client(&mut self, now: Time, client: NodeId, seq: u32, pkt: ClientPacket, out: &mut Vec<Out>) {
        if let ClientPacket::Connect { session, timeout_ms, last_zxid_seen, watches } = pkt {
            if seq == 0 {
                self.on_connect(now, client, session, timeout_ms, last_zxid_seen, watches, out);
            }
            return;
        }
        let serving = self.serving();
        let Some(conn) = self.conns.get_mut(&client) else {
            out.push(Output::Send { to: client, msg: Msg::Reset });
            return;
        };
        if seq != conn.recv_seq || !serving {
            self.reset_conn(client, out);
            return;
        }
        conn.recv_seq += 1;
        let session = conn.session;
        self.touch(now, client);
        match pkt {
            ClientPacket::Ping => self.send_client(client, ClientPacket::PingReply, out),
            ClientPacket::Request { xid, op } if session != 0 => {
                let origin = Origin { server: self.sid, client, xid };
                match op {
                    ClientOp::Read(read) => self.on_read(client, xid, read, out),
                    ClientOp::Write { ops, multi } => {
                        self.submit(now, session, origin, TxnBody::Write { ops, multi }, out)
                    }
                    ClientOp::CloseSession => self.submit(now, session, origin, TxnBody::CloseSession { session }, out),
                }
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_connect(
        &mut self,
        now: Time,
        client: NodeId,
        session: u64,
        timeout_ms: u64,
        last_zxid_seen: Zxid,
        watches: Vec<(String, WatchKind)>,
        out: &mut Vec<Out>,
    ) {
        self.drop_conn(client);
        if !self.serving() || last_zxid_seen > self.applied_zxid() {
            // Not serving, or behind what the client has seen ("client must try another
            // server"): refuse the connection.
            out.push(Output::Send { to: client, msg: Msg::Reset });
            return;
        }
        let timeout_ms = self.cfg.negotiate_session_timeout(timeout_ms);
        self.conns.insert(client, Conn { session: 0, timeout_ms, send_seq: 0, recv_seq: 1 });
        if session == 0 {
            // createSession goes through ZAB; the reply waits for the commit.
            let origin = Origin { server: self.sid, client, xid: 0 };
            self.submit(now, 0, origin, TxnBody::CreateSession { timeout_ms }, out);
            return;
        }
        let Some(&granted) = self.tree.sessions.get(&session) else {
            // The session expired while the client was away.
            self.send_client(client, ClientPacket::Connected { session: 0, timeout_ms: 0 }, out);
            self.drop_conn(client);
            return;
        };
        if let Some(conn) = self.conns.get_mut(&client) {
            conn.session = session;
            conn.timeout_ms = granted;
        }
        self.touch(now, client);
        self.send_client(client, ClientPacket::Connected { session, timeout_ms: granted }, out);
        // SetWatches: re-register, firing at once what changed since the client's last zxid.
        for (path, kind) in watches {
            self.rearm_watch(client, path, kind, last_zxid_seen, out);
        }
    }

    fn rearm_watch(&mut self, client: NodeId, path: String, kind: WatchKind, since: Zxid, out: &mut Vec<Out>) {
        let zxid = self.applied_zxid();
        let node = self.tree.get(&path);
        let fire = match (kind, node) {
            (WatchKind::Data, None) | (WatchKind::Child, None) => Some(EventType::NodeDeleted),
            (WatchKind::Data, Some(n)) if n.stat.mzxid > since => Some(EventType::NodeDataChanged),
            (WatchKind::Exist, Some(_)) => Some(EventType::NodeCreated),
            (WatchKind::Child, Some(n)) if n.stat.pzxid > since => Some(EventType::NodeChildrenChanged),
            _ => None,
        };
        match fire {
            Some(event) => self.send_client(client, ClientPacket::Event { path, event, zxid }, out),
            None if kind == WatchKind::Child => {
                self.child_watches.entry(path).or_default().insert(client);
            }
            None => {
                self.data_watches.entry(path).or_default().insert(client);
            }
        }
    }

    fn on_read(&mut self, client: NodeId, xid: u64, read: ReadOp, out: &mut Vec<Out>) {
        let result = self.tree.read(&read);
        match (&read, &result) {
            // getData/getChildren set a watch only on an existing node; exists always does.
            (ReadOp::GetData { path, watch: true }, Ok(_)) | (ReadOp::Exists { path, watch: true }, _) => {
                self.data_watches.entry(path.clone()).or_default().insert(client);
            }
            (ReadOp::GetChildren { path, watch: true }, Ok(_)) => {
                self.child_watches.entry(path.clone()).or_default().insert(client);
            }
            _ => {}
        }
        let zxid = self.applied_zxid();
        self.send_client(client, ClientPacket::Reply { xid, zxid, result }, out);
    }

    /// After applying a committed transaction: fire watches, then answer the client whose
    /// request it was, then the session bookkeeping.
    pub(crate) fn after_apply(
        &mut self,
        now: Time,
        txn: &Txn,
        result: ZkResult,
        triggers: &[Trigger],
        out: &mut Vec<Out>,
    ) {
        self.fire_watches(txn.zxid, triggers, out);
        let mine = txn.origin.filter(|o| o.server == self.sid);
        match &txn.body {
            TxnBody::CreateSession { timeout_ms } => {
                let tick = self.cfg.tick_time_ms;
                if let Role::Leading(l) = &mut self.role {
                    l.sessions.insert(txn.zxid, (expiry_deadline(now.as_ms() + timeout_ms, tick), *timeout_ms));
                }
                if let Some(o) = mine {
                    if let Some(conn) = self.conns.get_mut(&o.client).filter(|c| c.session == 0) {
                        conn.session = txn.zxid;
                        let timeout_ms = conn.timeout_ms;
                        self.touch(now, o.client);
                        self.send_client(o.client, ClientPacket::Connected { session: txn.zxid, timeout_ms }, out);
                    }
                }
            }
            TxnBody::CloseSession { session } => {
                if let Role::Leading(l) = &mut self.role {
                    l.sessions.remove(session);
                    l.closing.remove(session);
                }
                self.touches.remove(session);
                if let Some(o) = mine {
                    self.send_client(o.client, ClientPacket::Reply { xid: o.xid, zxid: txn.zxid, result }, out);
                }
                let holders: Vec<NodeId> =
                    self.conns.iter().filter(|(_, c)| c.session == *session).map(|(n, _)| *n).collect();
                for client in holders {
                    self.reset_conn(client, out);
                }
            }
            TxnBody::Write { ops, .. } => {
                if matches!(self.role, Role::Leading(_)) {
                    self.note_states_applied(txn.zxid, ops, &result, out);
                }
                if let Some(o) = mine {
                    self.send_client(o.client, ClientPacket::Reply { xid: o.xid, zxid: txn.zxid, result }, out);
                }
            }
        }
    }

    /// Tell the checker what partition states committed (only the leader, which applies every
    /// committed transaction first and in zxid order).
    fn note_states_applied(&self, zxid: Zxid, ops: &[Op], result: &ZkResult, out: &mut Vec<Out>) {
        let Ok(result) = result else { return };
        let results: &[OpResult] = match result {
            OpResult::Multi(r) => r,
            single => std::slice::from_ref(single),
        };
        let epoch_in_force = match self.tree.get("/controller_epoch").map(|n| &n.data) {
            Some(Data::Int(e)) => *e,
            _ => 0,
        };
        for (op, r) in ops.iter().zip(results) {
            let (topic, changes, created) = match (op, r) {
                (Op::SetStates { topic, updates }, OpResult::StatesSet { failed }) => {
                    let ok = updates.iter().filter(|u| !failed.contains(&u.partition)).map(|u| (u.partition, u.state));
                    (topic, ok.collect::<Vec<_>>(), false)
                }
                (Op::CreateStates { topic, states }, OpResult::StatesCreated) => {
                    (topic, states.iter().enumerate().map(|(p, s)| (p as u32, *s)).collect(), true)
                }
                _ => continue,
            };
            let note =
                Note::StatesApplied { zxid, epoch_in_force, topic: topic.clone(), changes: Rc::new(changes), created };
            out.push(Output::Note(note));
        }
    }

    fn fire_watches(&mut self, zxid: Zxid, triggers: &[Trigger], out: &mut Vec<Out>) {
        if triggers.is_empty() || (self.data_watches.is_empty() && self.child_watches.is_empty()) {
            return;
        }
        // A delete fires the data and the child watch of a node: one event per client.
        let mut sent: BTreeSet<(NodeId, &str)> = BTreeSet::new();
        for t in triggers {
            let table = if t.child_watch { &mut self.child_watches } else { &mut self.data_watches };
            let Some(clients) = table.remove(&t.path) else {
                continue;
            };
            for client in clients {
                if t.event == EventType::NodeDeleted && !sent.insert((client, t.path.as_str())) {
                    continue;
                }
                let pkt = ClientPacket::Event { path: t.path.clone(), event: t.event, zxid };
                if let Some(conn) = self.conns.get_mut(&client) {
                    out.push(Output::Send { to: client, msg: Msg::Client { seq: conn.send_seq, pkt } });
                    conn.send_seq += 1;
                }
            }
        }
    }

    /// The leader's session tracker: every tickTime, expire the sessions whose bucket is due by
    /// proposing closeSession (which deletes their ephemerals when applied).
    pub(crate) fn on_session_check(&mut self, now: Time, out: &mut Vec<Out>) {
        let tick = self.cfg.tick_time_ms;
        let Role::Leading(l) = &self.role else { return };
        if !l.is_established() {
            return;
        }
        let due: Vec<u64> = l
            .sessions
            .iter()
            .filter(|(s, (deadline, _))| *deadline <= now.as_ms() && !l.closing.contains(s))
            .map(|(s, _)| *s)
            .collect();
        for session in due {
            out.push(Output::Note(Note::SessionExpired { session }));
            self.propose(now, 0, None, TxnBody::CloseSession { session }, out);
        }
        if matches!(self.role, Role::Leading(_)) {
            out.push(Output::SetTimer {
                timer: Timer::SessionCheck,
                at: Time::from_ms(expiry_deadline(now.as_ms(), tick)),
            });
        }
    }
}
