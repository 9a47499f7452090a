//! A ZooKeeper server (`QuorumPeer`): durable state (transaction log, snapshot, acceptedEpoch,
//! currentEpoch), the in-memory database, and dispatch to FLE, ZAB and the client protocol.

use crate::sorted::{SortedMap, SortedSet};
use std::rc::Rc;

use crate::hash::TraceHasher;
use crate::time::Time;
use crate::world::{Input, Output};
use crate::NodeId;

use super::config::Config;
use super::election::Fle;
use super::ids::{node_of_sid, sid_of_node};
use super::kafka::{change_topic_config_ops, create_topic_op};
use super::msg::TxnBody;
use super::msg::{Msg, ServerState, Sid, Snapshot, Txn, Vote, Zxid};
use super::session::Conn;
use super::tree::{DataTree, Trigger};
use super::zab::{Follower, Leader};
use super::{Cmd, In, Note, Out, Timer};

#[derive(Clone, Debug)]
pub enum Role {
    Looking,
    Following(Box<Follower>),
    Leading(Box<Leader>),
}

#[derive(Clone, Debug)]
pub struct Server {
    pub sid: Sid,
    pub(crate) cfg: Rc<Config>,
    // --- durable: survives a crash ---
    pub accepted_epoch: u64,
    pub current_epoch: u64,
    /// The last snapshot taken (or received by SNAP).
    pub base: Rc<Snapshot>,
    /// Transactions logged after `base`, committed or not.
    pub log: Vec<Rc<Txn>>,
    // --- in memory ---
    pub tree: DataTree,
    /// How many entries of `log` are applied to `tree`.
    pub applied: usize,
    /// Digest chain of every applied transaction (checked against the other servers).
    pub digest: u64,
    pub state: ServerState,
    /// The vote that ended the last election (what we answer LOOKING servers with).
    pub vote: Vote,
    pub fle: Fle,
    pub role: Role,
    pub conns: SortedMap<NodeId, Conn>,
    /// Data watches (getData/exists) and child watches (getChildren), by path.
    pub data_watches: SortedMap<String, SortedSet<NodeId>>,
    pub child_watches: SortedMap<String, SortedSet<NodeId>>,
    /// Session touches a follower passes to the leader in its next PING.
    pub touches: SortedMap<u64, u64>,
}

pub fn chain_digest(prev: u64, txn: &Txn) -> u64 {
    let mut h = TraceHasher::default();
    h.add(&(prev, txn));
    h.value()
}

impl Server {
    pub fn new(sid: Sid, cfg: Rc<Config>, base: Rc<Snapshot>) -> Server {
        Server {
            sid,
            cfg,
            accepted_epoch: 0,
            current_epoch: 0,
            tree: base.tree.clone(),
            digest: base.digest,
            base,
            log: Vec::new(),
            applied: 0,
            state: ServerState::Looking,
            vote: Vote::default(),
            fle: Fle::default(),
            role: Role::Looking,
            conns: SortedMap::new(),
            data_watches: SortedMap::new(),
            child_watches: SortedMap::new(),
            touches: SortedMap::new(),
        }
    }

    /// An observer (`peerType=observer`): never votes, never counts toward a quorum.
    pub fn is_observer(&self) -> bool {
        self.sid > self.cfg.ensemble as Sid
    }

    pub fn last_logged_zxid(&self) -> Zxid {
        self.log.last().map_or(self.base.zxid, |t| t.zxid)
    }

    pub fn applied_zxid(&self) -> Zxid {
        match self.applied {
            0 => self.base.zxid,
            n => self.log.get(n - 1).map_or(self.base.zxid, |t| t.zxid),
        }
    }

    /// Transactions applied since the very first state (for the checker).
    pub fn applied_count(&self) -> u64 {
        self.base.applied_count + self.applied as u64
    }

    /// The established leader's epoch, if this server is one.
    pub fn established_epoch(&self) -> Option<u64> {
        match &self.role {
            Role::Leading(l) if l.is_established() => Some(l.new_epoch),
            _ => None,
        }
    }

    /// Serving clients: an established leader, or a follower after UPTODATE.
    pub fn serving(&self) -> bool {
        match &self.role {
            Role::Leading(l) => l.is_established(),
            Role::Following(f) => f.is_up_to_date(),
            Role::Looking => false,
        }
    }

    pub fn leader_sid(&self) -> Option<Sid> {
        match &self.role {
            Role::Leading(_) => Some(self.sid),
            Role::Following(f) => Some(f.leader),
            Role::Looking => None,
        }
    }

    /// The process dies: the log, the snapshot and the epochs stay on disk, the rest is lost.
    pub fn crash(&mut self) {
        let keep = Server::new(self.sid, self.cfg.clone(), self.base.clone());
        let log = std::mem::take(&mut self.log);
        let (accepted, current) = (self.accepted_epoch, self.current_epoch);
        *self = keep;
        self.log = log;
        self.accepted_epoch = accepted;
        self.current_epoch = current;
    }

    pub fn step(&mut self, now: Time, input: In, out: &mut Vec<Out>) {
        match input {
            Input::Start => self.go_looking(now, out),
            Input::Msg { from, msg } => self.on_msg(now, from, msg, out),
            Input::Timer(timer) => self.on_timer(now, timer, out),
            Input::Unreachable { to, msg } => self.on_unreachable(now, to, msg, out),
            Input::Shutdown => {
                self.go_looking_quietly(out);
                out.push(Output::Halt);
            }
            Input::Client(Cmd::CreateTopic { name, partitions, replication_factor }) => {
                // The admin tool (kafka-topics --zookeeper) writes /brokers/topics/T through
                // ZooKeeper; the leader proposes it on the tool's behalf (no session).
                if let Some(op) = create_topic_op(&self.cfg, &name, partitions, replication_factor) {
                    self.propose(now, 0, None, TxnBody::Write { ops: vec![op], multi: false }, out);
                }
            }
            Input::Client(Cmd::AlterConfig { topic, key, value }) => self.alter_config(now, topic, key, value, out),
        }
    }

    /// Kafka ZK mode: `kafka-configs --zookeeper` runs AdminZkClient.changeTopicConfig, two
    /// ZooKeeper writes the leader proposes on the tool's behalf (no session): the topic's
    /// config znode, then the change notification every broker watches for.
    fn alter_config(&mut self, now: Time, topic: String, key: String, value: String, out: &mut Vec<Out>) {
        let Some(ops) = change_topic_config_ops(&self.tree, &topic, &key, &value) else {
            out.push(Output::Note(Note::ConfigRefusedUnknownTopic { topic }));
            return;
        };
        for op in ops {
            self.propose(now, 0, None, TxnBody::Write { ops: vec![op], multi: false }, out);
        }
        out.push(Output::Note(Note::ConfigChangeWritten { topic, key, value }));
    }

    fn is_server(&self, node: NodeId) -> bool {
        node < self.cfg.servers()
    }

    fn on_msg(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Vec<Out>) {
        match msg {
            Msg::Notification(n) if self.is_server(from) => self.on_notification(now, sid_of_node(from), n, out),
            Msg::Quorum { seq, pkt } if self.is_server(from) => self.on_quorum(now, sid_of_node(from), seq, pkt, out),
            Msg::Client { seq, pkt } if !self.is_server(from) => self.on_client(now, from, seq, pkt, out),
            Msg::Reset if self.is_server(from) => self.on_quorum_reset(now, sid_of_node(from), out),
            Msg::Reset => self.drop_conn(from),
            _ => {}
        }
    }

    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Vec<Out>) {
        match timer {
            Timer::ElectionPoll => self.on_election_poll(now, out),
            Timer::FinalizeWait => self.on_finalize(now, out),
            Timer::InitLimit => self.on_init_limit(now, out),
            Timer::PeerTimeout => self.on_peer_timeout(now, out),
            Timer::LearnerConnect => self.on_learner_connect(out),
            Timer::Tick => self.on_tick(now, out),
            Timer::SessionCheck => self.on_session_check(now, out),
            _ => {}
        }
    }

    fn on_unreachable(&mut self, now: Time, to: NodeId, msg: Msg, out: &mut Vec<Out>) {
        match msg {
            // The connection to a crashed peer is reset: noticed at once.
            Msg::Quorum { .. } => self.on_quorum_reset(now, sid_of_node(to), out),
            Msg::Client { .. } => self.drop_conn(to),
            _ => {}
        }
    }

    /// Leave whatever role we had and start a new election round.
    pub(crate) fn go_looking(&mut self, now: Time, out: &mut Vec<Out>) {
        self.go_looking_quietly(out);
        self.start_election(now, out);
    }

    /// Close every connection (clients and learners see a reset) and forget the role.
    fn go_looking_quietly(&mut self, out: &mut Vec<Out>) {
        match std::mem::replace(&mut self.role, Role::Looking) {
            Role::Following(f) => out.push(Output::Send { to: node_of_sid(f.leader), msg: Msg::Reset }),
            Role::Leading(l) => {
                for sid in l.learners.keys() {
                    out.push(Output::Send { to: node_of_sid(*sid), msg: Msg::Reset });
                }
            }
            Role::Looking => {}
        }
        if self.state != ServerState::Looking {
            out.push(Output::Note(Note::Looking));
        }
        self.state = ServerState::Looking;
        self.close_all_conns(out);
        for t in [Timer::InitLimit, Timer::PeerTimeout, Timer::Tick, Timer::SessionCheck, Timer::LearnerConnect] {
            out.push(Output::CancelTimer(t));
        }
    }

    /// Rebuild the in-memory tree from the snapshot (after a truncation below what was applied).
    pub(crate) fn reset_tree(&mut self) {
        self.tree = self.base.tree.clone();
        self.applied = 0;
        self.digest = self.base.digest;
    }

    /// Apply logged transactions up to `zxid`, in zxid order (ZAB: commits in order).
    pub(crate) fn apply_through(&mut self, now: Time, zxid: Zxid, out: &mut Vec<Out>) {
        let mut triggers: Vec<Trigger> = Vec::new();
        while let Some(txn) = self.log.get(self.applied).filter(|t| t.zxid <= zxid).cloned() {
            self.applied += 1;
            triggers.clear();
            let result = self.tree.apply(&txn, &mut triggers);
            self.digest = chain_digest(self.digest, &txn);
            self.after_apply(now, &txn, result, &triggers, out);
        }
    }

    /// The leader's state as a snapshot, for SNAP: its committed tree (before it is
    /// established, its whole log is the history it will commit).
    pub(crate) fn committed_snapshot(&self, committed_len: usize) -> Snapshot {
        if committed_len == self.applied {
            return Snapshot {
                tree: self.tree.clone(),
                zxid: self.applied_zxid(),
                applied_count: self.applied_count(),
                digest: self.digest,
            };
        }
        let mut tree = self.base.tree.clone();
        let mut digest = self.base.digest;
        let mut zxid = self.base.zxid;
        let mut scratch = Vec::new();
        for txn in self.log.iter().take(committed_len) {
            let _ = tree.apply(txn, &mut scratch);
            scratch.clear();
            digest = chain_digest(digest, txn);
            zxid = txn.zxid;
        }
        Snapshot { tree, zxid, applied_count: self.base.applied_count + committed_len as u64, digest }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zk::msg::{make_zxid, Data, Op, QuorumPacket, Shared};
    use crate::zk::testkit::{established_leader, q, step};

    fn alter(topic: &str, key: &str, value: &str) -> In {
        Input::Client(Cmd::AlterConfig { topic: topic.into(), key: key.into(), value: value.into() })
    }

    fn admin_write(counter: u64, op: Op) -> Rc<Txn> {
        Rc::new(Txn {
            zxid: make_zxid(1, counter),
            session: 0,
            origin: None,
            body: TxnBody::Write { ops: vec![op], multi: false },
        })
    }

    #[test]
    fn alter_config_proposes_the_merged_config_then_a_sequential_change_notification() {
        let mut l = established_leader();
        l.tree.seed("/brokers/topics/orders", Data::Empty);
        let current = vec![("cleanup.policy".to_string(), "compact".to_string())];
        l.tree.seed("/config/topics/orders", Data::TopicConfig(Shared::new(current)));
        l.tree.seed("/config/changes", Data::Empty);
        let out = step(&mut l, Time::from_ms(5), alter("orders", "retention.ms", "3600000"));
        // Kafka ZK mode: AdminZkClient.changeTopicConfig = setOrCreateEntityConfigs (the full
        // config, any version) then createConfigChangeNotification (persistent sequential).
        let merged = vec![
            ("cleanup.policy".to_string(), "compact".to_string()),
            ("retention.ms".to_string(), "3600000".to_string()),
        ];
        let set = admin_write(
            1,
            Op::SetData {
                path: "/config/topics/orders".into(),
                data: Data::TopicConfig(Shared::new(merged)),
                version: None,
            },
        );
        let notify = admin_write(
            2,
            Op::Create {
                path: "/config/changes/config_change_".into(),
                data: Data::ConfigChange { entity_path: "topics/orders".into() },
                ephemeral: false,
                sequential: true,
            },
        );
        let proposal = |to, seq, txn: &Rc<Txn>| Output::Send { to, msg: q(seq, QuorumPacket::Proposal(txn.clone())) };
        assert_eq!(
            out,
            vec![
                proposal(0, 4, &set),
                proposal(1, 4, &set),
                proposal(0, 5, &notify),
                proposal(1, 5, &notify),
                Output::Note(Note::ConfigChangeWritten {
                    topic: "orders".into(),
                    key: "retention.ms".into(),
                    value: "3600000".into()
                }),
            ]
        );
        // Once committed, the notification is named from the parent's cversion, 10 digits.
        step(&mut l, Time::from_ms(6), Input::Msg { from: 0, msg: q(3, QuorumPacket::Ack { zxid: make_zxid(1, 2) }) });
        assert!(l.tree.get("/config/changes/config_change_0000000000").is_some());
        assert_eq!(l.tree.get("/config/topics/orders").map(|z| z.stat.version), Some(1));
    }

    #[test]
    fn alter_config_of_a_topic_without_a_config_znode_creates_it() {
        let mut l = established_leader();
        l.tree.seed("/brokers/topics/orders", Data::Empty);
        l.tree.seed("/config/changes", Data::Empty);
        let out = step(&mut l, Time::from_ms(5), alter("orders", "retention.ms", "1"));
        let created = Op::Create {
            path: "/config/topics/orders".into(),
            data: Data::TopicConfig(Shared::new(vec![("retention.ms".to_string(), "1".to_string())])),
            ephemeral: false,
            sequential: false,
        };
        assert_eq!(out[0], Output::Send { to: 0, msg: q(4, QuorumPacket::Proposal(admin_write(1, created))) });
    }

    #[test]
    fn alter_config_of_an_unknown_topic_is_refused_without_a_write() {
        let mut l = established_leader();
        l.tree.seed("/config/changes", Data::Empty);
        let out = step(&mut l, Time::from_ms(5), alter("payments", "retention.ms", "1"));
        // validateTopicConfig: no /brokers/topics/payments → UnknownTopicOrPartitionException.
        assert_eq!(out, vec![Output::Note(Note::ConfigRefusedUnknownTopic { topic: "payments".into() })]);
        assert!(l.log.is_empty());
    }
}
