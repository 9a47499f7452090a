//! The ZooKeeper client inside each broker (`ClientCnxn.java`, domain.md §1.3/§1.4): one
//! connection at a time, pings after readTimeout/2 (at most 10 s), a read timeout of ⅔ of the
//! session timeout, reconnection to the next server when the connection breaks, SetWatches on
//! reconnect, and the client's own check that every watch fires once and before the new data.

use crate::sorted::SortedMap;

use crate::rng::Rng;
use crate::time::Time;
use crate::world::Output;
use crate::NodeId;

use super::kafka::Purpose;
use super::msg::{ClientOp, ClientPacket, EventType, Msg, OpResult, ReadOp, WatchKind, ZkError, ZkResult, Zxid};
use super::{Note, Out, Timer};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnState {
    Disconnected,
    Connecting,
    Connected,
}

/// What the connection tells the broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    Connected {
        new_session: bool,
    },
    /// The server said the session is gone (the client sees Expired only on reconnect).
    Expired,
    Reply {
        purpose: Purpose,
        result: ZkResult,
        zxid: Zxid,
    },
    Watch {
        path: String,
        event: EventType,
    },
}

#[derive(Clone, Debug)]
pub struct ZkClient {
    pub ensemble: usize,
    pub requested_timeout_ms: u64,
    pub session: u64,
    pub timeout_ms: u64,
    pub state: ConnState,
    pub server: NodeId,
    next_server: usize,
    send_seq: u32,
    recv_seq: u32,
    next_xid: u64,
    pending: SortedMap<u64, (Purpose, ClientOp)>,
    pub last_zxid_seen: Zxid,
    /// Armed watches and the zxid at which each was set.
    pub watches: SortedMap<(String, WatchKind), Zxid>,
}

impl ZkClient {
    pub fn new(ensemble: usize, requested_timeout_ms: u64, first_server: usize) -> ZkClient {
        ZkClient {
            ensemble: ensemble.max(1),
            requested_timeout_ms,
            session: 0,
            timeout_ms: requested_timeout_ms,
            state: ConnState::Disconnected,
            server: 0,
            next_server: first_server,
            send_seq: 0,
            recv_seq: 0,
            next_xid: 1,
            pending: SortedMap::new(),
            last_zxid_seen: 0,
            watches: SortedMap::new(),
        }
    }

    pub fn connected(&self) -> bool {
        self.state == ConnState::Connected
    }

    fn read_timeout_ms(&self) -> u64 {
        (self.timeout_ms * 2 / 3).max(1)
    }

    /// ClientCnxn: a PING after readTimeout/2 without traffic, never more than 10 s apart.
    fn ping_interval_ms(&self) -> u64 {
        (self.read_timeout_ms() / 2).clamp(1, 10_000)
    }

    fn send(&mut self, pkt: ClientPacket, out: &mut Vec<Out>) {
        out.push(Output::Send { to: self.server, msg: Msg::Client { seq: self.send_seq, pkt } });
        self.send_seq += 1;
    }

    /// Open a connection to the next server in the list.
    pub fn connect(&mut self, now: Time, out: &mut Vec<Out>) {
        self.server = self.next_server % self.ensemble;
        self.next_server = self.next_server.wrapping_add(1);
        self.state = ConnState::Connecting;
        self.send_seq = 0;
        self.recv_seq = 0;
        let watches = self.watches.keys().cloned().collect();
        let pkt = ClientPacket::Connect {
            session: self.session,
            timeout_ms: self.requested_timeout_ms,
            last_zxid_seen: self.last_zxid_seen,
            watches,
        };
        self.send(pkt, out);
        // connectTimeout = session timeout / number of hosts.
        let connect_timeout = (self.requested_timeout_ms / self.ensemble as u64).max(1);
        out.push(Output::SetTimer { timer: Timer::ClientTimeout, at: now.plus_ms(connect_timeout) });
        out.push(Output::CancelTimer(Timer::ClientPing));
    }

    /// Drop the connection; outstanding requests fail with CONNECTIONLOSS. Reconnects after a
    /// short random pause (ClientCnxn sleeps up to a second between attempts).
    pub fn disconnect(&mut self, now: Time, rng: &mut Rng, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.state == ConnState::Disconnected {
            return;
        }
        if self.state == ConnState::Connected {
            out.push(Output::Note(Note::ZkDisconnected));
        }
        out.push(Output::Send { to: self.server, msg: Msg::Reset });
        self.state = ConnState::Disconnected;
        self.fail_pending(ZkError::ConnectionLoss, events);
        out.push(Output::CancelTimer(Timer::ClientPing));
        out.push(Output::CancelTimer(Timer::ClientTimeout));
        out.push(Output::SetTimer { timer: Timer::Reconnect, at: now.plus_ms(rng.below(1_000)) });
    }

    fn fail_pending(&mut self, error: ZkError, events: &mut Vec<ClientEvent>) {
        for (_, (purpose, _)) in std::mem::take(&mut self.pending) {
            events.push(ClientEvent::Reply { purpose, result: Err(error), zxid: 0 });
        }
    }

    /// Send a request; without a connection it fails at once with CONNECTIONLOSS.
    pub fn request(&mut self, purpose: Purpose, op: ClientOp, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        if self.state != ConnState::Connected {
            events.push(ClientEvent::Reply { purpose, result: Err(ZkError::ConnectionLoss), zxid: 0 });
            return;
        }
        let xid = self.next_xid;
        self.next_xid += 1;
        self.pending.insert(xid, (purpose, op.clone()));
        self.send(ClientPacket::Request { xid, op }, out);
    }

    pub fn on_timer(
        &mut self,
        now: Time,
        timer: Timer,
        rng: &mut Rng,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        match timer {
            Timer::ClientPing if self.state == ConnState::Connected => {
                self.send(ClientPacket::Ping, out);
                out.push(Output::SetTimer { timer: Timer::ClientPing, at: now.plus_ms(self.ping_interval_ms()) });
            }
            Timer::ClientTimeout => self.disconnect(now, rng, out, events),
            Timer::Reconnect if self.state == ConnState::Disconnected => self.connect(now, out),
            _ => {}
        }
    }

    /// The server closed the connection or is unreachable.
    pub fn on_reset(
        &mut self,
        now: Time,
        from: NodeId,
        rng: &mut Rng,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        if from == self.server {
            self.disconnect(now, rng, out, events);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn on_packet(
        &mut self,
        now: Time,
        from: NodeId,
        seq: u32,
        pkt: ClientPacket,
        rng: &mut Rng,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        if from != self.server || self.state == ConnState::Disconnected {
            return;
        }
        if seq != self.recv_seq {
            // A hole in the stream: the connection is broken.
            self.disconnect(now, rng, out, events);
            return;
        }
        self.recv_seq += 1;
        out.push(Output::SetTimer { timer: Timer::ClientTimeout, at: now.plus_ms(self.read_timeout_ms()) });
        match pkt {
            ClientPacket::Connected { session, timeout_ms } => self.on_connected(now, session, timeout_ms, out, events),
            ClientPacket::Reply { xid, zxid, result } => self.on_reply(xid, zxid, result, out, events),
            ClientPacket::Event { path, event, zxid } => self.on_event(path, event, zxid, out, events),
            _ => {}
        }
    }

    fn on_connected(
        &mut self,
        now: Time,
        session: u64,
        timeout_ms: u64,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        if session == 0 {
            // Expired: the session and its watches are gone; start over with a new session.
            out.push(Output::Note(Note::ZkSessionExpired));
            self.session = 0;
            self.watches.clear();
            self.fail_pending(ZkError::SessionExpired, events);
            events.push(ClientEvent::Expired);
            self.connect(now, out);
            return;
        }
        let new_session = self.session != session;
        self.session = session;
        self.timeout_ms = timeout_ms;
        self.state = ConnState::Connected;
        out.push(Output::Note(Note::ZkConnected { server: self.server, session }));
        out.push(Output::SetTimer { timer: Timer::ClientPing, at: now.plus_ms(self.ping_interval_ms()) });
        out.push(Output::SetTimer { timer: Timer::ClientTimeout, at: now.plus_ms(self.read_timeout_ms()) });
        events.push(ClientEvent::Connected { new_session });
    }

    fn on_reply(&mut self, xid: u64, zxid: Zxid, result: ZkResult, out: &mut Vec<Out>, events: &mut Vec<ClientEvent>) {
        self.last_zxid_seen = self.last_zxid_seen.max(zxid);
        let Some((purpose, op)) = self.pending.remove(&xid) else {
            return;
        };
        if let ClientOp::Read(read) = &op {
            self.check_and_arm(read, &result, zxid, out);
        }
        events.push(ClientEvent::Reply { purpose, result, zxid });
    }

    /// Watches fire before the new data is readable: a read that shows a change newer than an
    /// armed watch means the event was not delivered first.
    fn check_and_arm(&mut self, read: &ReadOp, result: &ZkResult, zxid: Zxid, out: &mut Vec<Out>) {
        let (path, watch) = match read {
            ReadOp::GetData { path, watch } | ReadOp::Exists { path, watch } | ReadOp::GetChildren { path, watch } => {
                (path, *watch)
            }
            ReadOp::GetStates { .. } => return,
        };
        let seen = match result {
            Ok(OpResult::Data { stat, .. }) | Ok(OpResult::Exists(Some(stat))) => {
                Some((WatchKind::Data, stat.mzxid.max(stat.czxid)))
            }
            Ok(OpResult::Children { pzxid, .. }) => Some((WatchKind::Child, *pzxid)),
            _ => None,
        };
        if let Some((kind, changed_at)) = seen {
            for k in [kind, WatchKind::Exist] {
                if let Some(armed_at) = self.watches.get(&(path.clone(), k)) {
                    if changed_at > *armed_at {
                        out.push(Output::Note(Note::Violation(format!(
                            "watch: {path} changed at zxid {changed_at:#x} was read before its event (armed at {armed_at:#x})"
                        ))));
                    }
                }
            }
        }
        if !watch {
            return;
        }
        let kind = match (read, result) {
            (ReadOp::GetData { .. }, Ok(_)) => WatchKind::Data,
            (ReadOp::Exists { .. }, Ok(OpResult::Exists(Some(_)))) => WatchKind::Data,
            (ReadOp::Exists { .. }, Ok(_)) => WatchKind::Exist,
            (ReadOp::GetChildren { .. }, Ok(_)) => WatchKind::Child,
            _ => return,
        };
        self.watches.get_or_insert((path.clone(), kind), zxid);
    }

    fn on_event(
        &mut self,
        path: String,
        event: EventType,
        zxid: Zxid,
        out: &mut Vec<Out>,
        events: &mut Vec<ClientEvent>,
    ) {
        // A notification does not advance lastZxid (ClientCnxn: its header carries zxid −1);
        // only replies do. Otherwise an event processed just before a lost one would hide the
        // lost change from the next server's SetWatches.
        let _ = zxid;
        // ZKWatchManager.materialize: which of our watches this event consumes (one-shot).
        let kinds: &[WatchKind] = match event {
            EventType::NodeCreated | EventType::NodeDataChanged => &[WatchKind::Data, WatchKind::Exist],
            EventType::NodeChildrenChanged => &[WatchKind::Child],
            EventType::NodeDeleted => &[WatchKind::Data, WatchKind::Exist, WatchKind::Child],
        };
        let mut any = false;
        for k in kinds {
            any |= self.watches.remove(&(path.clone(), *k)).is_some();
        }
        if !any {
            out.push(Output::Note(Note::Violation(format!("watch: {event:?} on {path} fired without an armed watch"))));
        }
        events.push(ClientEvent::Watch { path, event });
    }
}
