//! The server side of the client protocol (domain.md §1.3, §1.4): connections, session
//! touches, expiry by the leader through closeSession, and one-shot watches fired when a
//! transaction is applied, before its reply (so a client sees the event before the data).

use crate::sorted::SortedSet;

use crate::time::Time;
use crate::world::Output;
use crate::NodeId;

use super::msg::{
    ClientOp, ClientPacket, Data, EventType, Msg, Op, OpResult, Origin, ReadOp, States, Table, Txn, TxnBody, WatchKind,
    ZkResult, Zxid,
};
use super::server::{Role, Server};
use super::tree::Trigger;
use super::zab::{expiry_deadline, Tracked};
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

    /// How many of this server's clients watch `path`: (data watches, child watches). Like
    /// ZooKeeper's `WatchManager`, one table holds getData and exists watches.
    pub fn watches_on(&self, path: &str) -> (usize, usize) {
        let count =
            |table: &crate::sorted::SortedMap<String, SortedSet<NodeId>>| table.get(path).map_or(0, |c| c.len());
        (count(&self.data_watches), count(&self.child_watches))
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
            if let Some(t) = l.sessions.get_mut(&session) {
                *t = Tracked::touched(now.as_ms(), t.timeout_ms, tick);
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
                self.child_watches.get_or_insert(path, Default::default()).insert(client);
            }
            None => {
                self.data_watches.get_or_insert(path, Default::default()).insert(client);
            }
        }
    }

    fn on_read(&mut self, client: NodeId, xid: u64, read: ReadOp, out: &mut Vec<Out>) {
        let result = self.tree.read(&read);
        match (&read, &result) {
            // getData/getChildren set a watch only on an existing node; exists always does.
            (ReadOp::GetData { path, watch: true }, Ok(_)) | (ReadOp::Exists { path, watch: true }, _) => {
                self.data_watches.get_or_insert(path.clone(), Default::default()).insert(client);
            }
            (ReadOp::GetChildren { path, watch: true }, Ok(_)) => {
                self.child_watches.get_or_insert(path.clone(), Default::default()).insert(client);
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
                    l.sessions.insert(txn.zxid, Tracked::touched(now.as_ms(), *timeout_ms, tick));
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
            // Views of the transaction's own lists when they are what changed (`States`).
            let (topic, changes, created) = match (op, r) {
                (Op::SetStates { topic, updates }, OpResult::StatesSet { failed }) if failed.is_empty() => {
                    (topic, States::View { table: Table::Updates(updates.clone()), only: None }, false)
                }
                (Op::SetStates { topic, updates }, OpResult::StatesSet { failed }) => {
                    let ok = updates.iter().filter(|u| !failed.contains(&u.partition)).map(|u| (u.partition, u.state));
                    (topic, States::List(ok.collect()), false)
                }
                (Op::CreateStates { topic, states }, OpResult::StatesCreated) => {
                    (topic, States::View { table: Table::Dense(states.clone()), only: None }, true)
                }
                _ => continue,
            };
            let note = Note::StatesApplied { zxid, epoch_in_force, topic: topic.clone(), changes, created };
            out.push(Output::Note(note));
        }
    }

    fn fire_watches(&mut self, zxid: Zxid, triggers: &[Trigger], out: &mut Vec<Out>) {
        // A delete fires the data and the child watch of a node: one event per client.
        let mut sent: SortedSet<(NodeId, &str)> = SortedSet::new();
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
        let due: Vec<(u64, Tracked)> = l
            .sessions
            .iter()
            .filter(|(s, t)| t.deadline_ms <= now.as_ms() && !l.closing.contains(s))
            .map(|(s, t)| (*s, *t))
            .collect();
        for (session, t) in due {
            let idle_ms = now.as_ms().saturating_sub(t.last_touch_ms);
            out.push(Output::Note(Note::SessionExpired { session, idle_ms, timeout_ms: t.timeout_ms }));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Input;
    use crate::zk::msg::{make_zxid, OpResult, QuorumPacket};
    use crate::zk::testkit::{established_leader, q, server, step};

    /// Drives client packets and follower ACKs against an established leader (zk3).
    struct Bench {
        leader: Server,
        client_seq: crate::sorted::SortedMap<NodeId, u32>,
        ack_seq: u32,
        now: Time,
    }

    impl Bench {
        fn new() -> Bench {
            Bench { leader: established_leader(), client_seq: Default::default(), ack_seq: 3, now: Time::from_ms(10) }
        }
        fn client(&mut self, client: NodeId, pkt: ClientPacket) -> Vec<Out> {
            let seq = self.client_seq.get_or_insert(client, 0);
            let msg = Msg::Client { seq: *seq, pkt };
            *seq += 1;
            step(&mut self.leader, self.now, Input::Msg { from: client, msg })
        }
        /// zk1 acknowledges everything proposed so far: a quorum with the leader.
        fn ack(&mut self) -> Vec<Out> {
            let zxid = self.leader.last_logged_zxid();
            let msg = q(self.ack_seq, QuorumPacket::Ack { zxid });
            self.ack_seq += 1;
            step(&mut self.leader, self.now, Input::Msg { from: 0, msg })
        }
        fn connect(&mut self, client: NodeId, timeout_ms: u64) -> u64 {
            let connect = ClientPacket::Connect { session: 0, timeout_ms, last_zxid_seen: 0, watches: vec![] };
            self.client(client, connect);
            self.ack();
            self.leader.conns[&client].session
        }
        fn request(&mut self, client: NodeId, xid: u64, op: ClientOp) -> Vec<Out> {
            let mut out = self.client(client, ClientPacket::Request { xid, op });
            out.extend(self.ack());
            out
        }
    }

    fn create(path: &str, ephemeral: bool) -> ClientOp {
        ClientOp::Write {
            ops: vec![Op::Create { path: path.into(), data: Data::Empty, ephemeral, sequential: false }],
            multi: false,
        }
    }

    fn set(path: &str, value: u64) -> ClientOp {
        ClientOp::Write {
            ops: vec![Op::SetData { path: path.into(), data: Data::Int(value), version: None }],
            multi: false,
        }
    }

    /// Client packets sent to `client`, in order.
    fn to_client(out: &[Out], client: NodeId) -> Vec<ClientPacket> {
        out.iter()
            .filter_map(|o| match o {
                Output::Send { to, msg: Msg::Client { pkt, .. } } if *to == client => Some(pkt.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_server_that_is_not_serving_refuses_connections() {
        let mut s = server(1);
        step(&mut s, Time::ZERO, Input::Start);
        let connect = ClientPacket::Connect { session: 0, timeout_ms: 18_000, last_zxid_seen: 0, watches: vec![] };
        let out = step(&mut s, Time::ZERO, Input::Msg { from: 3, msg: Msg::Client { seq: 0, pkt: connect } });
        assert_eq!(out, vec![Output::Send { to: 3, msg: Msg::Reset }]);
    }

    #[test]
    fn create_session_goes_through_zab_with_the_timeout_clamped_to_20_ticks() {
        let mut b = Bench::new();
        let connect = ClientPacket::Connect { session: 0, timeout_ms: 100_000, last_zxid_seen: 0, watches: vec![] };
        let out = b.client(3, connect);
        // Nothing answers the client before the createSession transaction commits.
        assert!(to_client(&out, 3).is_empty());
        let proposals = out
            .iter()
            .filter(|o| {
                matches!(o, Output::Send { msg: Msg::Quorum { pkt: QuorumPacket::Proposal(t), .. }, .. }
                if t.body == TxnBody::CreateSession { timeout_ms: 40_000 })
            })
            .count();
        assert_eq!(proposals, 2);
        let out = b.ack();
        assert_eq!(to_client(&out, 3), vec![ClientPacket::Connected { session: make_zxid(1, 1), timeout_ms: 40_000 }]);
    }

    #[test]
    fn watches_fire_once_and_before_the_reply_that_reveals_the_change() {
        let mut b = Bench::new();
        b.connect(3, 6_000);
        b.connect(4, 6_000);
        b.request(3, 1, create("/a", false));
        let read = ClientOp::Read(ReadOp::GetData { path: "/a".into(), watch: true });
        b.request(3, 2, read);
        // Client 3 changes the node itself: its event comes before its own reply.
        let out = b.request(3, 3, set("/a", 1));
        let pkts = to_client(&out, 3);
        assert!(
            matches!(&pkts[0], ClientPacket::Event { path, event: EventType::NodeDataChanged, .. } if path == "/a")
        );
        assert!(matches!(&pkts[1], ClientPacket::Reply { xid: 3, result: Ok(OpResult::SetData(_)), .. }));
        // One-shot: the next change fires nothing.
        let out = b.request(4, 1, set("/a", 2));
        assert!(to_client(&out, 3).is_empty());
    }

    #[test]
    fn child_watch_fires_node_children_changed_on_create() {
        let mut b = Bench::new();
        b.connect(3, 6_000);
        b.request(3, 1, create("/dir", false));
        b.request(3, 2, ClientOp::Read(ReadOp::GetChildren { path: "/dir".into(), watch: true }));
        let out = b.request(3, 3, create("/dir/x", false));
        let pkts = to_client(&out, 3);
        assert!(
            matches!(&pkts[0], ClientPacket::Event { path, event: EventType::NodeChildrenChanged, .. } if path == "/dir")
        );
    }

    #[test]
    fn the_leader_expires_an_idle_session_by_close_session_which_deletes_its_ephemerals() {
        let mut b = Bench::new();
        let s = b.connect(3, 6_000);
        b.connect(4, 6_000);
        b.request(3, 1, create("/e", true));
        b.request(4, 1, ClientOp::Read(ReadOp::Exists { path: "/e".into(), watch: true }));
        // Client 4 keeps pinging; client 3 is silent. Created at 10 ms with 6 s: the deadline
        // rounds up to the next tick, 8 s.
        b.now = Time::from_ms(5_000);
        b.client(4, ClientPacket::Ping);
        b.now = Time::from_ms(6_000);
        let out = step(&mut b.leader, b.now, Input::Timer(Timer::SessionCheck));
        assert!(!out.iter().any(|o| matches!(o, Output::Note(Note::SessionExpired { .. }))));
        b.now = Time::from_ms(8_000);
        let out = step(&mut b.leader, b.now, Input::Timer(Timer::SessionCheck));
        assert!(out.contains(&Output::Note(Note::SessionExpired { session: s, idle_ms: 7_990, timeout_ms: 6_000 })));
        assert!(b.leader.tree.get("/e").is_some(), "ephemerals go only when closeSession commits");
        let out = b.ack();
        assert!(b.leader.tree.get("/e").is_none());
        assert!(!b.leader.tree.sessions.contains_key(&s));
        let pkts = to_client(&out, 4);
        assert!(matches!(&pkts[0], ClientPacket::Event { path, event: EventType::NodeDeleted, .. } if path == "/e"));
        // The expired client's connection is closed; client 4's session lives on.
        assert!(out.contains(&Output::Send { to: 3, msg: Msg::Reset }));
        assert!(b.leader.tree.sessions.len() == 1);
    }

    #[test]
    fn reconnect_re_registers_watches_and_fires_what_changed_meanwhile() {
        let mut b = Bench::new();
        let s = b.connect(3, 6_000);
        b.request(3, 1, create("/a", false));
        let seen = b.leader.applied_zxid();
        b.request(3, 2, set("/a", 5));
        // The client comes back (as if from another server) having seen only the create.
        b.client_seq.insert(3, 0);
        let connect = ClientPacket::Connect {
            session: s,
            timeout_ms: 6_000,
            last_zxid_seen: seen,
            watches: vec![("/a".into(), WatchKind::Data), ("/b".into(), WatchKind::Exist)],
        };
        let out = b.client(3, connect);
        let pkts = to_client(&out, 3);
        assert_eq!(pkts[0], ClientPacket::Connected { session: s, timeout_ms: 6_000 });
        assert!(
            matches!(&pkts[1], ClientPacket::Event { path, event: EventType::NodeDataChanged, .. } if path == "/a")
        );
        assert_eq!(pkts.len(), 2);
        assert!(b.leader.data_watches.get("/b").is_some_and(|w| w.contains(&3)));
    }

    #[test]
    fn an_unknown_session_is_told_it_expired() {
        let mut b = Bench::new();
        let connect = ClientPacket::Connect { session: 0xdead, timeout_ms: 6_000, last_zxid_seen: 0, watches: vec![] };
        let out = b.client(3, connect);
        assert_eq!(to_client(&out, 3), vec![ClientPacket::Connected { session: 0, timeout_ms: 0 }]);
    }

    // ---- guards and odd cases (issue 22) ------------------------------------------------------

    fn seqs(out: &[Out], client: NodeId) -> Vec<u32> {
        out.iter()
            .filter_map(|o| match o {
                Output::Send { to, msg: Msg::Client { seq, .. } } if *to == client => Some(*seq),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_ping_is_answered_and_every_packet_to_a_client_has_the_next_sequence_number() {
        let mut b = Bench::new();
        b.connect(3, 6_000);
        // Connected was packet 0 of the connection.
        let out = b.client(3, ClientPacket::Ping);
        assert_eq!(to_client(&out, 3), vec![ClientPacket::PingReply]);
        assert_eq!(seqs(&out, 3), vec![1]);
        let out = b.client(3, ClientPacket::Ping);
        assert_eq!(seqs(&out, 3), vec![2]);
    }

    #[test]
    fn a_packet_out_of_sequence_or_from_an_unknown_client_resets_the_connection() {
        // TCP order: a gap in the client's stream breaks the connection.
        let mut b = Bench::new();
        b.connect(3, 6_000);
        let msg = Msg::Client { seq: 5, pkt: ClientPacket::Ping };
        let out = step(&mut b.leader, b.now, Input::Msg { from: 3, msg });
        assert_eq!(out, vec![Output::Send { to: 3, msg: Msg::Reset }]);
        assert!(!b.leader.conns.contains_key(&3));
        let msg = Msg::Client { seq: 1, pkt: ClientPacket::Ping };
        let out = step(&mut b.leader, b.now, Input::Msg { from: 4, msg });
        assert_eq!(out, vec![Output::Send { to: 4, msg: Msg::Reset }]);
    }

    #[test]
    fn a_request_before_the_session_exists_is_not_served() {
        let mut b = Bench::new();
        let connect = ClientPacket::Connect { session: 0, timeout_ms: 6_000, last_zxid_seen: 0, watches: vec![] };
        b.client(3, connect);
        // createSession is not committed yet: a read is dropped, not answered.
        let out = b.client(
            3,
            ClientPacket::Request { xid: 1, op: ClientOp::Read(ReadOp::Exists { path: "/".into(), watch: false }) },
        );
        assert!(to_client(&out, 3).is_empty(), "{out:?}");
    }

    #[test]
    fn a_client_that_saw_a_newer_zxid_is_refused_and_one_that_saw_ours_is_served() {
        // "Client must try another server": this server is behind what the client has seen.
        let mut b = Bench::new();
        let s = b.connect(3, 6_000);
        let seen = b.leader.applied_zxid();
        b.client_seq.insert(3, 0);
        let ahead = ClientPacket::Connect { session: s, timeout_ms: 6_000, last_zxid_seen: seen + 1, watches: vec![] };
        assert_eq!(b.client(3, ahead), vec![Output::Send { to: 3, msg: Msg::Reset }]);
        b.client_seq.insert(3, 0);
        let equal = ClientPacket::Connect { session: s, timeout_ms: 6_000, last_zxid_seen: seen, watches: vec![] };
        assert_eq!(to_client(&b.client(3, equal), 3), vec![ClientPacket::Connected { session: s, timeout_ms: 6_000 }]);
    }

    #[test]
    fn set_watches_fire_what_changed_and_re_register_the_rest() {
        // SetWatches on reconnect: a deleted node fires NodeDeleted, an existing node an exists
        // watch NodeCreated, a changed child list NodeChildrenChanged; unchanged ones are armed.
        let mut b = Bench::new();
        let s = b.connect(3, 6_000);
        b.request(3, 1, create("/same", false));
        b.request(3, 2, create("/kids", false));
        let seen = b.leader.applied_zxid();
        b.request(3, 3, create("/kids/k", false));
        b.client_seq.insert(3, 0);
        let watches = vec![
            ("/gone".into(), WatchKind::Data),
            ("/gone".into(), WatchKind::Child),
            ("/same".into(), WatchKind::Exist),
            ("/same".into(), WatchKind::Data),
            ("/same".into(), WatchKind::Child),
            ("/kids".into(), WatchKind::Child),
            ("/kids".into(), WatchKind::Data),
        ];
        let connect = ClientPacket::Connect { session: s, timeout_ms: 6_000, last_zxid_seen: seen, watches };
        let out = b.client(3, connect);
        let zxid = b.leader.applied_zxid();
        let event = |path: &str, event| ClientPacket::Event { path: path.into(), event, zxid };
        assert_eq!(
            to_client(&out, 3),
            vec![
                ClientPacket::Connected { session: s, timeout_ms: 6_000 },
                event("/gone", EventType::NodeDeleted),
                event("/gone", EventType::NodeDeleted),
                event("/same", EventType::NodeCreated),
                event("/kids", EventType::NodeChildrenChanged),
            ]
        );
        assert_eq!(b.leader.watches_on("/same"), (1, 1));
        assert_eq!(b.leader.watches_on("/kids"), (1, 0));
        assert_eq!(b.leader.watches_on("/gone"), (0, 0));
    }

    #[test]
    fn reads_arm_watches_only_where_zookeeper_does() {
        // getData/getChildren set a watch only on an existing node; exists always does.
        let mut b = Bench::new();
        b.connect(3, 6_000);
        let read = |path: &str, kind: u8| {
            let (path, watch) = (path.to_string(), true);
            ClientOp::Read(match kind {
                0 => ReadOp::GetData { path, watch },
                1 => ReadOp::Exists { path, watch },
                _ => ReadOp::GetChildren { path, watch },
            })
        };
        for (xid, kind) in [(1, 0), (2, 1), (3, 2)] {
            b.request(3, xid, read("/missing", kind));
        }
        assert_eq!(b.leader.watches_on("/missing"), (1, 0), "the exists watch only");
        b.request(3, 4, create("/n", false));
        for (xid, kind) in [(5, 0), (6, 2)] {
            b.request(3, xid, read("/n", kind));
        }
        assert_eq!(b.leader.watches_on("/n"), (1, 1));
    }

    #[test]
    fn a_delete_fires_one_event_per_client_and_a_dropped_client_keeps_no_watch() {
        let mut b = Bench::new();
        b.connect(3, 6_000);
        b.connect(4, 6_000);
        b.request(3, 1, create("/d", false));
        for client in [3, 4] {
            b.request(client, 10, ClientOp::Read(ReadOp::GetData { path: "/d".into(), watch: true }));
            b.request(client, 11, ClientOp::Read(ReadOp::GetChildren { path: "/d".into(), watch: true }));
        }
        // Client 4 goes away: its watches with it, client 3's stay.
        b.leader.drop_conn(4);
        assert_eq!(b.leader.watches_on("/d"), (1, 1));
        let delete = ClientOp::Write { ops: vec![Op::Delete { path: "/d".into(), version: None }], multi: false };
        let out = b.request(3, 12, delete);
        let events = to_client(&out, 3).into_iter().filter(|p| matches!(p, ClientPacket::Event { .. })).count();
        assert_eq!(events, 1, "data and child watch of one node: one NodeDeleted");
        assert_eq!(b.leader.watches_on("/d"), (0, 0));
    }

    #[test]
    fn a_session_being_closed_is_not_expired_twice_and_a_leader_not_established_expires_nothing() {
        let mut b = Bench::new();
        let s = b.connect(3, 6_000);
        b.now = Time::from_ms(8_000);
        let out = step(&mut b.leader, b.now, Input::Timer(Timer::SessionCheck));
        assert!(out.contains(&Output::Note(Note::SessionExpired { session: s, idle_ms: 7_990, timeout_ms: 6_000 })));
        // closeSession not yet committed: the next tick does not propose it again.
        b.now = Time::from_ms(10_000);
        let out = step(&mut b.leader, b.now, Input::Timer(Timer::SessionCheck));
        assert!(!out.iter().any(|o| matches!(o, Output::Note(Note::SessionExpired { .. }))), "{out:?}");
        assert!(out.contains(&Output::SetTimer { timer: Timer::SessionCheck, at: Time::from_ms(12_000) }));
        // A leader still in discovery (no quorum synced) tracks but does not expire.
        let mut l = server(3);
        l.state = crate::zk::msg::ServerState::Looking;
        l.lead(Time::ZERO, &mut Vec::new());
        assert_eq!(step(&mut l, Time::from_ms(60_000), Input::Timer(Timer::SessionCheck)), Vec::new());
    }

    #[test]
    fn the_leader_notes_the_partition_states_it_applied_with_the_controller_epoch_in_force() {
        // The checker's independent view of what committed: every applied CreateStates and the
        // successful updates of a SetStates, with /controller_epoch as it stood.
        use crate::zk::msg::{PartState, Shared, StateUpdate};
        let mut b = Bench::new();
        b.connect(3, 6_000);
        let write = |ops| ClientOp::Write { ops, multi: false };
        let epoch =
            Op::Create { path: "/controller_epoch".into(), data: Data::Int(3), ephemeral: false, sequential: false };
        b.request(3, 1, write(vec![epoch]));
        let state = |leader| PartState { leader, leader_epoch: 0, controller_epoch: 3, isr: 1 };
        let states = Shared::new(vec![state(1), state(2)]);
        let out = b.request(3, 2, write(vec![Op::CreateStates { topic: "t".into(), states }]));
        let applied = |out: &[Out]| -> Vec<Note> {
            out.iter()
                .filter_map(|o| match o {
                    Output::Note(n @ Note::StatesApplied { .. }) => Some(n.clone()),
                    _ => None,
                })
                .collect()
        };
        // What the leader's last write should have noted: these changes of topic t, epoch 3.
        let noted = |b: &Bench, changes: Vec<(u32, PartState)>, created| {
            let zxid = b.leader.applied_zxid();
            vec![Note::StatesApplied { zxid, epoch_in_force: 3, topic: "t".into(), changes: changes.into(), created }]
        };
        assert_eq!(applied(&out), noted(&b, vec![(0, state(1)), (1, state(2))], true));
        // Partition 1's expected version is wrong: only partition 0 changes.
        let updates = Shared::new(vec![
            StateUpdate { partition: 0, state: state(3), expected_version: 0 },
            StateUpdate { partition: 1, state: state(3), expected_version: 7 },
        ]);
        let out =
            b.request(3, 3, ClientOp::Write { ops: vec![Op::SetStates { topic: "t".into(), updates }], multi: true });
        assert_eq!(applied(&out), noted(&b, vec![(0, state(3))], false));
        // A failed write notes nothing.
        let out = b.request(3, 4, write(vec![Op::CreateStates { topic: "t".into(), states: Shared::new(vec![]) }]));
        assert_eq!(applied(&out), Vec::new());
    }
}
