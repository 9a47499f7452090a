//! What the inspector shows for a ZooKeeper-mode node, as lines of protocol text: a server's
//! state, transaction log tail and znode tree with the watches on it; a broker's session,
//! controller, replicas and topic configs.

use crate::layout::Layout;
use crate::sorted::SortedSet;

use super::client::ConnState;
use super::ids::{broker_name, server_name, BrokerId};
use super::kafka::Broker;
use super::msg::{counter_of, epoch_of, Data, Op, Txn, TxnBody, WatchKind};
use super::server::Server;
use super::tree::Znode;

/// A broker holds no znodes: it shows its ZooKeeper session and the watches it holds, what it
/// knows of the controller, the replicas it hosts as LeaderAndIsr gave them, and the topic configs
/// it applied from `/config/changes` notifications. Like the servers' lines, in the protocol's
/// own names (ZooKeeper's client states, Kafka's fields), not translated.
pub(super) fn inspect_broker(broker: &Broker, alive: bool, layout: Layout, out: &mut Vec<String>) {
    if !alive {
        out.push("down".to_string());
        return;
    }
    let zk = &broker.zk;
    let connection = match zk.state {
        ConnState::Connected => format!("CONNECTED to {}", layout.name(zk.server)),
        ConnState::Connecting => "CONNECTING".to_string(),
        ConnState::Disconnected => "DISCONNECTED".to_string(),
    };
    out.push(format!(
        "session {:#x} ({} ms) · {connection} · lastZxid {}",
        zk.session,
        zk.timeout_ms,
        zxid_text(zk.last_zxid_seen)
    ));
    // KIP-380: the broker epoch is the czxid of its registration znode.
    let controller = broker.known_controller.map_or("-".to_string(), broker_name);
    out.push(format!(
        "brokerEpoch {:#x} · controller {controller} · controllerEpoch {}",
        broker.broker_epoch, broker.max_controller_epoch
    ));
    if let Some(c) = &broker.controller {
        let live: Vec<String> = c.live.keys().copied().map(broker_name).collect();
        let phase = if c.phase.is_loading() { "loading" } else { "active" };
        out.push(format!("KafkaController epoch {} · {phase} · liveBrokers [{}]", c.epoch, live.join(",")));
    }
    let watches: Vec<String> = zk
        .watches
        .keys()
        .map(|(path, kind)| {
            let kind = match kind {
                WatchKind::Data => "data",
                WatchKind::Exist => "exists",
                WatchKind::Child => "child",
            };
            format!("{path} ({kind})")
        })
        .collect();
    if !watches.is_empty() {
        out.push(format!("watches: {}", watches.join(", ")));
    }
    for (topic, replicas) in &broker.replicas {
        for (p, replica) in replicas.iter().enumerate().take(24) {
            if let Some((leader, leader_epoch)) = replica {
                let leader = if leader > 0 { broker_name(leader as BrokerId) } else { "-1".to_string() };
                out.push(format!("{topic}-{p}  leader {leader}  leaderEpoch {leader_epoch}"));
            }
        }
    }
    for (topic, configs) in &broker.topic_configs {
        out.push(format!("{topic}  configs  {}", config_text(configs)));
    }
    if let Some(seq) = broker.last_executed_change {
        out.push(format!("last config change applied: {}{seq:010}", super::kafka::CONFIG_CHANGE_PREFIX));
    }
}

/// `retention.ms=1, cleanup.policy=compact` (empty when there are none).
pub(super) fn config_text(configs: &[(String, String)]) -> String {
    configs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

/// The inspector's lines for one ZooKeeper server.
pub(super) fn inspect_server(server: &Server, out: &mut Vec<String>) {
    // The znode tree this server holds: version and, for ephemerals, the owning session;
    // then the watches this server's clients hold on it. A watched path with no znode is
    // listed too: an exists watch waits for it to be created (brokers on /controller).
    let zxid = server.last_logged_zxid();
    out.push(format!(
        "{} · acceptedEpoch {} · currentEpoch {} · last zxid {}:{} · round {} · proposed {}",
        server.state,
        server.accepted_epoch,
        server.current_epoch,
        zxid >> 32,
        zxid & 0xffff_ffff,
        server.fle.logicalclock,
        server_name(server.fle.proposed.leader)
    ));
    // The transaction log's tail, newest last (ZAB: logged on PROPOSAL, applied on COMMIT);
    // ✓ marks what this server has committed and applied to its tree.
    const LOG_TAIL: usize = 12;
    let from = server.log.len().saturating_sub(LOG_TAIL);
    for (i, txn) in server.log.iter().enumerate().skip(from) {
        let mark = if i < server.applied { "✓" } else { " " };
        out.push(format!("{mark} {:>7}  {}", zxid_text(txn.zxid), txn_text(txn)));
    }
    let committed = server.applied.checked_sub(1).and_then(|i| server.log.get(i)).map_or(server.base.zxid, |t| t.zxid);
    out.push(format!("committed zxid {} · logged zxid {}", zxid_text(committed), zxid_text(zxid)));
    let absent: SortedSet<&str> = server
        .data_watches
        .keys()
        .chain(server.child_watches.keys())
        .map(String::as_str)
        .filter(|path| server.tree.get(path).is_none())
        .collect();
    let mut listing: Vec<(&str, Option<&Znode>)> =
        server.tree.paths().map(|(path, znode)| (path.as_str(), Some(znode))).collect();
    listing.extend(absent.into_iter().map(|path| (path, None)));
    // Paths are unique (the tree's, then absent ones), so the order is total.
    crate::sorted::insertion_sort_by(&mut listing, |a, b| a.0 < b.0);
    for (path, znode) in listing.into_iter().take(60) {
        let watches = watch_marker(server, path, znode.is_some());
        match znode {
            Some(znode) => {
                let owner = znode.stat.ephemeral_owner;
                let eph = if owner != 0 { format!("  ephemeral, session {owner:#x}") } else { String::new() };
                // Config znodes show what they hold: the overrides, or the entity a change names.
                let data = match &znode.data {
                    Data::TopicConfig(configs) if !configs.is_empty() => format!("  {{{}}}", config_text(configs)),
                    Data::ConfigChange { entity_path } => format!("  → {entity_path}"),
                    _ => String::new(),
                };
                out.push(format!("{path}  v{}{data}{eph}{watches}", znode.stat.version));
            }
            None => out.push(format!("{path}  (no znode){watches}")),
        }
    }
    for (topic, states) in server.tree.topics() {
        for (p, z) in states.iter().enumerate().take(24) {
            let isr: Vec<String> = (1..=64).filter(|b| z.state.in_isr(*b)).map(broker_name).collect();
            out.push(format!(
                "/brokers/topics/{topic}/partitions/{p}/state  v{}  leader {}  isr [{}]  leader epoch {}  controller epoch {}",
                z.version,
                if z.state.leader > 0 { broker_name(z.state.leader as BrokerId) } else { "-1".to_string() },
                isr.join(","),
                z.state.leader_epoch,
                z.state.controller_epoch
            ));
        }
    }
}

/// A zxid as `epoch:counter`, as the stage shows it.
fn zxid_text(zxid: u64) -> String {
    format!("{}:{}", epoch_of(zxid), counter_of(zxid))
}

/// What a logged transaction does, in ZooKeeper's operation names.
fn txn_text(txn: &Txn) -> String {
    match &txn.body {
        // The model names a session by the zxid that created it.
        TxnBody::CreateSession { timeout_ms } => format!("createSession {:#x} ({timeout_ms} ms)", txn.zxid),
        TxnBody::CloseSession { session } => format!("closeSession {session:#x}"),
        TxnBody::Write { ops, multi } => {
            let ops: Vec<String> = ops.iter().map(op_text).collect();
            if *multi {
                format!("multi [{}]", ops.join(", "))
            } else {
                ops.join(", ")
            }
        }
    }
}

fn op_text(op: &Op) -> String {
    match op {
        // zkCli's flags: -e ephemeral, -s sequential.
        Op::Create { path, ephemeral, sequential, .. } => {
            let e = if *ephemeral { "-e " } else { "" };
            let s = if *sequential { "-s " } else { "" };
            format!("create {e}{s}{path}")
        }
        Op::SetData { path, .. } => format!("setData {path}"),
        Op::Delete { path, .. } => format!("delete {path}"),
        Op::Check { path, .. } => format!("check {path}"),
        Op::CreateStates { topic, states } => format!("create {} partition states of {topic}", states.len()),
        Op::SetStates { topic, updates } => format!("setData {} partition states of {topic}", updates.len()),
    }
}

/// `  [watch: data×3, child×1]`: the watches `server`'s clients hold on `path` (empty when
/// none). ZooKeeper's data watches are set by getData and exists; on a path without a znode only
/// exists can have set one, so the marker calls them that there.
fn watch_marker(server: &Server, path: &str, znode_exists: bool) -> String {
    let (data, child) = server.watches_on(path);
    let data_kind = if znode_exists { "data" } else { "exists" };
    let kinds: Vec<String> =
        [(data_kind, data), ("child", child)].iter().filter(|(_, n)| *n > 0).map(|(k, n)| format!("{k}×{n}")).collect();
    if kinds.is_empty() {
        String::new()
    } else {
        format!("  [watch: {}]", kinds.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Cluster as _, Inspect as _};
    use crate::time::Time;
    use crate::world::{Input, Output};
    use crate::zk::msg::{ClientOp, ClientPacket, EventType, Msg, QuorumPacket, ReadOp};
    use crate::zk::testkit::{established_leader, q, step};
    use crate::zk::{Cluster, Config, Out};
    use crate::NodeId;

    /// Clients talking to an established leader (zk3); zk1 acknowledges every proposal.
    struct Clients {
        leader: Server,
        seq: std::collections::BTreeMap<NodeId, u32>,
        ack_seq: u32,
    }

    impl Clients {
        fn new() -> Clients {
            Clients { leader: established_leader(), seq: Default::default(), ack_seq: 3 }
        }
        fn send(&mut self, client: NodeId, pkt: ClientPacket) -> Vec<Out> {
            let seq = self.seq.entry(client).or_insert(0);
            let msg = Msg::Client { seq: *seq, pkt };
            *seq += 1;
            step(&mut self.leader, Time::from_ms(10), Input::Msg { from: client, msg })
        }
        /// A write (or session) commits once zk1 acknowledges it.
        fn commit(&mut self, client: NodeId, pkt: ClientPacket) -> Vec<Out> {
            let mut out = self.send(client, pkt);
            let ack = q(self.ack_seq, QuorumPacket::Ack { zxid: self.leader.last_logged_zxid() });
            self.ack_seq += 1;
            out.extend(step(&mut self.leader, Time::from_ms(10), Input::Msg { from: 0, msg: ack }));
            out
        }
        fn connect(&mut self, client: NodeId) {
            self.commit(
                client,
                ClientPacket::Connect { session: 0, timeout_ms: 6_000, last_zxid_seen: 0, watches: vec![] },
            );
        }
        fn write(&mut self, client: NodeId, xid: u64, op: Op) -> Vec<Out> {
            self.commit(client, ClientPacket::Request { xid, op: ClientOp::Write { ops: vec![op], multi: false } })
        }
        fn read(&mut self, client: NodeId, xid: u64, read: ReadOp) {
            self.send(client, ClientPacket::Request { xid, op: ClientOp::Read(read) });
        }
        /// The znode lines, after checking the state line that heads them (the transaction
        /// log's lines come between).
        fn inspect(&self) -> Vec<String> {
            let mut lines = Vec::new();
            inspect_server(&self.leader, &mut lines);
            assert!(lines[0].starts_with("LEADING · acceptedEpoch 1 · currentEpoch 1 · last zxid 1:"), "{}", lines[0]);
            lines.retain(|line| line.starts_with('/'));
            lines
        }
    }

    fn events(out: &[Out]) -> Vec<(NodeId, String, EventType)> {
        out.iter()
            .filter_map(|o| match o {
                Output::Send { to, msg: Msg::Client { pkt: ClientPacket::Event { path, event, .. }, .. } } => {
                    Some((*to, path.clone(), *event))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn inspect_marks_watched_znodes_and_the_marker_goes_when_the_one_shot_watch_fires() {
        let mut c = Clients::new();
        c.connect(5);
        c.connect(6);
        let session5 = c.leader.conns[&5].session;
        c.write(
            5,
            1,
            Op::Create { path: "/controller".into(), data: Data::Broker(1), ephemeral: true, sequential: false },
        );
        // Watches: getData sets a data watch, getChildren a child watch, exists on a missing
        // path waits for its creation.
        c.read(6, 1, ReadOp::GetData { path: "/controller".into(), watch: true });
        c.read(5, 2, ReadOp::Exists { path: "/controller".into(), watch: true });
        c.read(6, 2, ReadOp::GetChildren { path: "/".into(), watch: true });
        c.read(6, 3, ReadOp::Exists { path: "/admin".into(), watch: true });
        c.read(6, 4, ReadOp::GetChildren { path: "/controller".into(), watch: true });
        assert_eq!(
            c.inspect(),
            vec![
                "/  v0  [watch: child×1]".to_string(),
                "/admin  (no znode)  [watch: exists×1]".to_string(),
                format!("/controller  v0  ephemeral, session {session5:#x}  [watch: data×2, child×1]"),
            ]
        );
        // ZooKeeper: setData fires the node's data watches, once; child watches stay.
        let set = Op::SetData { path: "/controller".into(), data: Data::Broker(2), version: None };
        let out = c.write(5, 3, set);
        assert_eq!(
            events(&out),
            vec![
                (5, "/controller".into(), EventType::NodeDataChanged),
                (6, "/controller".into(), EventType::NodeDataChanged)
            ]
        );
        assert_eq!(
            c.inspect(),
            vec![
                "/  v0  [watch: child×1]".to_string(),
                "/admin  (no znode)  [watch: exists×1]".to_string(),
                format!("/controller  v1  ephemeral, session {session5:#x}  [watch: child×1]"),
            ]
        );
        // create fires the node's exists watch and the parent's child watch.
        c.write(5, 4, Op::Create { path: "/admin".into(), data: Data::Empty, ephemeral: false, sequential: false });
        assert_eq!(
            c.inspect(),
            vec![
                "/  v0".to_string(),
                "/admin  v0".to_string(),
                format!("/controller  v1  ephemeral, session {session5:#x}  [watch: child×1]")
            ]
        );
    }

    /// The counts in a line's `[watch: data×2, child×1]` marker, by kind.
    fn marker(line: &str) -> std::collections::BTreeMap<String, usize> {
        let Some(inner) = line.split("  [watch: ").nth(1) else { return Default::default() };
        inner
            .trim_end_matches(']')
            .split(", ")
            .filter_map(|kind| kind.split_once('×'))
            .map(|(kind, n)| (kind.to_string(), n.parse().unwrap()))
            .collect()
    }

    #[test]
    fn inspect_shows_every_broker_watching_controller_and_the_controller_watching_broker_ids() {
        let config = Config { ensemble: 3, brokers: 3, partitions: 4, ..Config::default() };
        let mut c = Cluster::new(3, config);
        c.run_until(Time::from_secs(30), usize::MAX);
        assert!((1..=3).any(|b| c.broker(b).is_some_and(|b| b.is_active_controller())));
        // Each broker's session lives on one server. Summed over the ensemble, /controller has
        // one data watch per broker (Kafka: every broker watches /controller) and /brokers/ids
        // one child watch (the controller's getChildren).
        let (mut data, mut child) = (0, 0);
        let mut lines = Vec::new();
        for server in 0..3 {
            c.inspect(server, &mut lines);
            for line in &lines {
                let counts = marker(line);
                if line.starts_with("/controller  v") {
                    data += counts.get("data").copied().unwrap_or(0);
                }
                if line.starts_with("/brokers/ids  v") {
                    child += counts.get("child").copied().unwrap_or(0);
                }
            }
        }
        assert_eq!((data, child), (3, 1));
    }
}
