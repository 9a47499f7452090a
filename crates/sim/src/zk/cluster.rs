//! `zk::Cluster`: the ZooKeeper-mode world (servers `zk1..zkN`, brokers `b1..bM`), its invariant
//! checker and role histories, behind the shared [`Cluster`](crate::cluster::Cluster) trait.

use crate::sorted::SortedSet;
use std::rc::Rc;

use crate::cluster::{self, ActionError, FlightView, NodeKind, NodeView, NoteView, Role};
#[cfg(feature = "summary")]
use crate::hash::hex;
use crate::layout::Layout;
use crate::scenario::{NodePrefix, NodeRef, ScenarioAction};
use crate::summary::HistoryPoint;
#[cfg(feature = "summary")]
use crate::summary::{NodeSummary, Summary};
use crate::time::Time;
use crate::world::{Action, RoleRef, RunStop, Target, TraceRecord, World, MSG_CLASSES};
use crate::NodeId;

use super::check::Checker;
use super::client::ConnState;
use super::config::Config;
use super::election::{votes_equal, VoteWin};
use super::ids::{broker_name, node_of_sid, server_name, BrokerId, Sid};
use super::kafka::controller::CtrlPhase;
use super::kafka::{
    Broker, BROKER_IDS_PATH, CONFIG_CHANGES_PATH, CONFIG_TOPICS_PATH, CONTROLLER_EPOCH_PATH, TOPICS_PATH,
};
use super::latency::Latency;
use super::msg::{
    counter_of, epoch_of, isr_bit, Assignment, Data, Op, PartState, ServerState, Shared, Snapshot, Txn, TxnBody,
    WatchKind,
};
use super::server::{Role as ServerRole, Server};
use super::tree::{DataTree, Znode};
use super::{Cmd, Node, Note, Timer};

/// Who held a role when: recorded after every event.
#[derive(Clone, Debug, Default)]
struct History {
    leader: Vec<HistoryPoint>,
    controller: Vec<HistoryPoint>,
    current_leader: Option<(NodeId, u64)>,
    current_controller: Option<(NodeId, u64)>,
    started: bool,
    /// Time without an *active* controller (one that holds `/controller` and has loaded).
    without_controller_us: u64,
    active: bool,
    last_at: Time,
    gaps: cluster::Gaps,
}

impl History {
    fn observe(&mut self, world: &World<Node>, layout: Layout) {
        let now = world.now();
        if !self.active {
            self.without_controller_us += now.since(self.last_at);
        }
        self.last_at = now;
        let leader = world
            .resolve(&Target::Role(RoleRef::Leader))
            .and_then(|id| world.node(id).as_server().and_then(|s| s.established_epoch()).map(|e| (id, e)));
        let controller = world
            .resolve(&Target::Role(RoleRef::Controller))
            .and_then(|id| world.node(id).as_broker().and_then(|b| b.controller_epoch()).map(|e| (id, u64::from(e))));
        self.active =
            controller.is_some_and(|(id, _)| world.node(id).as_broker().is_some_and(|b| b.is_active_controller()));
        self.gaps.observe(now, self.active);
        if leader != self.current_leader || !self.started {
            self.current_leader = leader;
            self.leader.push(HistoryPoint {
                t_ms: now.as_ms(),
                node: leader.map(|(id, _)| layout.name(id)),
                epoch: leader.map_or(0, |(_, e)| e),
            });
        }
        if controller != self.current_controller || !self.started {
            self.current_controller = controller;
            self.controller.push(HistoryPoint {
                t_ms: now.as_ms(),
                node: controller.map(|(id, _)| layout.name(id)),
                epoch: controller.map_or(0, |(_, e)| e),
            });
        }
        self.started = true;
    }
}

pub struct Cluster {
    world: World<Node>,
    config: Rc<Config>,
    checker: Checker,
    history: History,
    latency: Latency,
}

/// The state every server starts from: Kafka's znodes and the initial topic, as if the cluster
/// had been set up before the simulation began (zxid 0).
fn initial_snapshot(config: &Config) -> (Snapshot, Vec<PartState>) {
    let mut tree = DataTree::new();
    tree.seed(BROKER_IDS_PATH, Data::Empty);
    tree.seed(TOPICS_PATH, Data::Empty);
    tree.seed(CONTROLLER_EPOCH_PATH, Data::Int(0));
    // KafkaZkClient.createTopLevelPaths: the config tree and the change notification root.
    tree.seed(CONFIG_TOPICS_PATH, Data::Empty);
    tree.seed(CONFIG_CHANGES_PATH, Data::Empty);
    let mut states = Vec::new();
    if config.partitions > 0 && config.brokers > 0 {
        let assignment = Assignment::round_robin(config.partitions, config.replication_factor, config.brokers as u32);
        states = (0..assignment.partitions())
            .map(|p| {
                let replicas = assignment.replicas_of(p);
                PartState {
                    leader: replicas.first().map_or(-1, |b| *b as i32),
                    leader_epoch: 0,
                    controller_epoch: 0,
                    isr: replicas.iter().fold(0, |m, b| m | isr_bit(*b)),
                }
            })
            .collect();
        tree.seed(&format!("{TOPICS_PATH}/{}", config.topic), Data::Assignment(Shared::new(assignment)));
        // AdminZkClient.createTopic writes the topic's (empty) config znode first.
        tree.seed(&format!("{CONFIG_TOPICS_PATH}/{}", config.topic), Data::TopicConfig(Shared::new(Vec::new())));
        tree.seed_states(&config.topic, states.clone());
    }
    (Snapshot { tree, zxid: 0, applied_count: 0, digest: 0 }, states)
}

impl Cluster {
    pub fn new(seed: u64, config: Config) -> Cluster {
        let config = Rc::new(config.sanitized());
        let (snapshot, states) = initial_snapshot(&config);
        let base = Rc::new(snapshot);
        let mut nodes = Vec::with_capacity(config.servers() + config.brokers);
        for sid in 1..=config.servers() as u64 {
            nodes.push(Node::Server(Box::new(Server::new(sid, config.clone(), base.clone()))));
        }
        for b in 1..=config.brokers as u32 {
            let node = config.layout().broker_node(b);
            nodes.push(Node::Broker(Box::new(Broker::new(b, node, config.clone(), seed))));
        }
        let n = nodes.len();
        let world = World::new(seed, nodes, config.net.clone());
        let mut checker = Checker::new(n, config.unclean_leader_election);
        checker.seed_partitions(&config.topic, &states);
        let latency = Latency::new(&base.tree, base.applied_count);
        let mut cluster = Cluster { world, config, checker, history: History::default(), latency };
        cluster.history.observe(&cluster.world, cluster.config.layout());
        cluster
    }

    pub fn world(&self) -> &World<Node> {
        &self.world
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn server(&self, sid: Sid) -> Option<&Server> {
        self.world.nodes().get(self.config.layout().quorum_node(sid)).and_then(|n| n.as_server())
    }

    pub fn broker(&self, id: BrokerId) -> Option<&Broker> {
        self.world.nodes().get(self.config.layout().broker_node(id)).and_then(|n| n.as_broker())
    }

    /// Schedule a raw world action (tests and the app's direct controls).
    pub fn schedule_action(&mut self, at: Time, action: Action<Cmd>) {
        self.world.schedule(at, action);
    }

    fn target(&self, node: &NodeRef) -> Result<Target, ActionError> {
        match node {
            NodeRef::Leader => Ok(Target::Role(RoleRef::Leader)),
            NodeRef::Controller => Ok(Target::Role(RoleRef::Controller)),
            NodeRef::Named { prefix: NodePrefix::Zk, number }
                if (1..=self.config.servers() as u32).contains(number) =>
            {
                Ok(Target::Node(self.config.layout().quorum_node(u64::from(*number))))
            }
            NodeRef::Named { prefix: NodePrefix::Broker, number }
                if (1..=self.config.brokers as u32).contains(number) =>
            {
                Ok(Target::Node(self.config.layout().broker_node(*number)))
            }
            NodeRef::Named { .. } => Err(ActionError::NoSuchNode(node.clone())),
        }
    }

    fn view_server(&self, id: NodeId, s: &Server) -> NodeView {
        let alive = self.world.is_alive(id);
        let role = match (alive, s.state) {
            (false, _) => Role::Down,
            (true, ServerState::Looking) => Role::Looking,
            (true, ServerState::Following) => Role::Following,
            (true, ServerState::Leading) => Role::Leading,
            (true, ServerState::Observing) => Role::Observing,
        };
        let vote = match &s.role {
            ServerRole::Looking => Some(s.fle.proposed.leader),
            _ => s.leader_sid(),
        }
        .filter(|sid| *sid >= 1)
        .map(node_of_sid);
        let tick = self.config.tick_time_ms;
        let timers = [
            (Timer::ElectionPoll, s.fle.interval_ms),
            (Timer::FinalizeWait, self.config.finalize_wait_ms),
            (Timer::PeerTimeout, tick * if s.serving() { self.config.sync_limit } else { self.config.init_limit }),
            (Timer::InitLimit, tick * self.config.init_limit),
        ];
        let timer = if alive { self.timer_view(id, &timers) } else { None };
        NodeView {
            id,
            kind: NodeKind::ZkServer,
            number: s.sid as u32,
            role,
            alive,
            epoch: s.accepted_epoch,
            log_end: s.base.applied_count + s.log.len() as u64,
            committed: s.applied_count(),
            last_zxid: Some(s.last_logged_zxid()),
            vote,
            is_controller: false,
            timer,
            tally: if alive && s.state == ServerState::Looking { Some(fle_tally(s)) } else { None },
        }
    }

    fn view_broker(&self, id: NodeId, b: &Broker) -> NodeView {
        let alive = self.world.is_alive(id);
        let role = if !alive {
            Role::Down
        } else if b.shutting_down.is_some() {
            Role::ShuttingDown
        } else if b.registered {
            Role::Active
        } else {
            Role::Registering
        };
        let read_timeout = b.zk.timeout_ms * 2 / 3;
        let timers = [(Timer::ClientTimeout, read_timeout), (Timer::Load, 0)];
        let timer = if alive { self.timer_view(id, &timers) } else { None };
        NodeView {
            id,
            kind: NodeKind::Broker,
            number: b.id,
            role,
            alive,
            epoch: u64::from(b.controller_epoch().unwrap_or(b.max_controller_epoch)),
            log_end: 0,
            committed: 0,
            last_zxid: None,
            vote: b.known_controller.map(|c| self.config.layout().broker_node(c)),
            is_controller: b.controller.is_some(),
            timer,
            tally: None,
        }
    }

    /// (set at, fires at) of the first armed timer among `timers` (set at = deadline − length).
    fn timer_view(&self, id: NodeId, timers: &[(Timer, u64)]) -> Option<(Time, Time)> {
        timers.iter().find_map(|(t, length_ms)| {
            self.world.timer_deadline(id, *t).map(|at| (Time(at.0.saturating_sub(length_ms * 1_000)), at))
        })
    }
}

impl Cluster {
    /// What a scenario action does in this cluster, or why it cannot be taken here.
    fn action_for(&self, action: &ScenarioAction) -> Result<Action<Cmd>, ActionError> {
        Ok(match action {
            ScenarioAction::Crash(n) => Action::Crash(self.target(n)?),
            ScenarioAction::Restart(n) => Action::Restart(self.target(n)?),
            ScenarioAction::Shutdown(n) => Action::Shutdown(self.target(n)?),
            ScenarioAction::Partition(groups) => {
                let mut sides = Vec::with_capacity(groups.len());
                for group in groups {
                    let mut side = Vec::with_capacity(group.len());
                    for n in group {
                        match self.target(n)? {
                            Target::Node(id) => side.push(id),
                            Target::Role(_) => return Err(ActionError::NotInThisMode),
                        }
                    }
                    sides.push(side);
                }
                Action::Partition(sides)
            }
            ScenarioAction::Heal => Action::Heal,
            ScenarioAction::LossPerMille(p) => Action::LossPerMille(*p),
            ScenarioAction::DelayUs(us) => Action::DelayUs(*us),
            ScenarioAction::CreateTopic { name, partitions, replication_factor } => {
                if self.config.brokers == 0 {
                    return Err(ActionError::NotInThisMode);
                }
                let cmd = Cmd::CreateTopic {
                    name: name.clone(),
                    partitions: *partitions,
                    replication_factor: *replication_factor,
                };
                // The admin path needs ZooKeeper, not the controller: the ZooKeeper leader writes
                // /brokers/topics/T, and the controller (now or once elected) creates the
                // partition states when its child watch fires.
                Action::Client(Target::Role(RoleRef::Leader), cmd)
            }
            ScenarioAction::AlterConfig { topic, key, value } => {
                if self.config.brokers == 0 {
                    return Err(ActionError::NotInThisMode);
                }
                // Like create-topic: `kafka-configs --zookeeper` needs ZooKeeper only. With no
                // established ZooKeeper leader at that moment the request is lost.
                let cmd = Cmd::AlterConfig { topic: topic.clone(), key: key.clone(), value: value.clone() };
                Action::Client(Target::Role(RoleRef::Leader), cmd)
            }
        })
    }
}

impl cluster::Cluster for Cluster {
    fn mode(&self) -> &'static str {
        "zk"
    }
    fn seed(&self) -> u64 {
        self.world.seed()
    }
    fn now(&self) -> Time {
        self.world.now()
    }
    fn trace_hash(&self) -> u64 {
        self.world.trace_hash()
    }
    fn events_processed(&self) -> u64 {
        self.world.events_processed()
    }

    fn last_event_at(&self) -> Time {
        self.world.last_event_at()
    }

    fn run_until(&mut self, until: Time, max_events: usize) -> RunStop {
        let layout = self.config.layout();
        let (world, checker, history, latency) =
            (&mut self.world, &mut self.checker, &mut self.history, &mut self.latency);
        let stop = world.run_until(until, max_events, |w| {
            checker.check(w);
            history.observe(w, layout);
            latency.observe(w);
        });
        history.observe(world, layout);
        stop
    }

    fn step_one(&mut self) -> bool {
        let stepped = self.world.step_one();
        if stepped {
            self.checker.check(&self.world);
            self.history.observe(&self.world, self.config.layout());
            self.latency.observe(&self.world);
        }
        stepped
    }

    fn next_event_time(&self) -> Option<Time> {
        self.world.next_event_time()
    }

    fn schedule(&mut self, at: Time, action: &ScenarioAction) -> Result<(), ActionError> {
        let action = self.action_for(action)?;
        self.world.schedule(at, action);
        Ok(())
    }

    fn check(&self, action: &ScenarioAction) -> Result<(), ActionError> {
        self.action_for(action).map(drop)
    }

    fn violations(&self) -> &[String] {
        &self.checker.violations
    }

    #[cfg(feature = "summary")]
    fn summary(&self) -> Summary {
        let nodes = self
            .world
            .nodes()
            .iter()
            .enumerate()
            .map(|(id, node)| match node {
                Node::Server(s) => {
                    let view = self.view_server(id, s);
                    NodeSummary {
                        id: view.name(),
                        role: format!("{:?}", view.role).to_ascii_lowercase(),
                        alive: view.alive,
                        epoch: s.current_epoch,
                        log_end_offset: None,
                        high_watermark: None,
                        last_zxid: Some(s.last_logged_zxid()),
                    }
                }
                Node::Broker(b) => {
                    let view = self.view_broker(id, b);
                    let role = if view.alive && b.controller.is_some() {
                        "controller".to_string()
                    } else {
                        format!("{:?}", view.role).to_ascii_lowercase()
                    };
                    NodeSummary {
                        id: view.name(),
                        role,
                        alive: view.alive,
                        epoch: view.epoch,
                        log_end_offset: None,
                        high_watermark: None,
                        last_zxid: None,
                    }
                }
            })
            .collect();
        Summary {
            mode: "zk",
            seed: self.world.seed(),
            end_ms: self.world.now().as_ms(),
            trace_hash: hex(self.world.trace_hash()),
            events: self.world.events_processed(),
            violations: self.checker.violations.clone(),
            controller_history: self.history.controller.clone(),
            quorum_leader_history: self.history.leader.clone(),
            nodes,
            messages_by_type: self.world.messages_sent().iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            ms_without_controller: self.ms_without_controller(),
            metadata_change_latency_ms: self.latency.done_ms.clone(),
        }
    }

    fn ms_without_controller(&self) -> u64 {
        let mut without = self.history.without_controller_us;
        if !self.history.active {
            without += self.world.now().since(self.history.last_at);
        }
        without / 1_000
    }

    fn controller_gaps(&self) -> (Option<u64>, Option<u64>) {
        self.history.gaps.ms(self.world.now())
    }

    fn last_metadata_latency_ms(&self) -> Option<u64> {
        self.latency.done_ms.last().copied()
    }

    fn sent_by_class(&self) -> [u64; MSG_CLASSES] {
        self.world.sent_by_class()
    }

    fn node_views(&self) -> Vec<NodeView> {
        self.world
            .nodes()
            .iter()
            .enumerate()
            .map(|(id, node)| match node {
                Node::Server(s) => self.view_server(id, s),
                Node::Broker(b) => self.view_broker(id, b),
            })
            .collect()
    }

    fn flights(&self, out: &mut Vec<FlightView>) {
        self.world.flights(out);
    }

    fn landed(&mut self, out: &mut Vec<FlightView>) {
        self.world.take_landed(out);
    }

    fn inspect(&self, node: NodeId, out: &mut Vec<String>) {
        out.clear();
        match self.world.nodes().get(node) {
            Some(Node::Server(server)) => inspect_server(server, out),
            Some(Node::Broker(broker)) => inspect_broker(broker, self.world.is_alive(node), self.config.layout(), out),
            None => {}
        }
    }

    fn partition_sides(&self) -> Vec<u8> {
        self.world.partition_sides()
    }

    fn record_trace(&mut self) {
        self.world.record_trace();
    }

    fn trace_records(&self) -> &[TraceRecord] {
        self.world.trace()
    }

    fn notes(&self, since: u64, out: &mut Vec<NoteView>) {
        for (index, n) in self.world.notes_since(since) {
            let (key, args) = note_text(&n.note, self.config.servers());
            out.push(NoteView { at: n.at, node: n.node, index, key, args });
        }
    }

    fn notes_total(&self) -> u64 {
        self.world.notes_total()
    }
}

/// A broker holds no znodes: it shows its ZooKeeper session and the watches it holds, what it
/// knows of the controller, the replicas it hosts as LeaderAndIsr gave them, and the topic configs
/// it applied from `/config/changes` notifications. Like the servers' lines, in the protocol's
/// own names (ZooKeeper's client states, Kafka's fields), not translated.
fn inspect_broker(broker: &Broker, alive: bool, layout: Layout, out: &mut Vec<String>) {
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
        let phase = if c.phase == CtrlPhase::Loading { "loading" } else { "active" };
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
                let leader = if *leader > 0 { broker_name(*leader as BrokerId) } else { "-1".to_string() };
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
fn config_text(configs: &[(String, String)]) -> String {
    configs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

/// The inspector's lines for one ZooKeeper server.
fn inspect_server(server: &Server, out: &mut Vec<String>) {
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

/// A note as a translatable key and its arguments (the app's i18n layer words them).
fn note_text(note: &Note, servers: usize) -> (&'static str, Vec<String>) {
    let (zk, layout) = (server_name, Layout::zk(servers));
    match note {
        Note::ElectionRound { round } => ("zk.election_round", vec![round.to_string()]),
        Note::Elected { leader, round } => ("zk.elected", vec![zk(*leader), round.to_string()]),
        Note::VoteSwitched { to, why } => match *why {
            VoteWin::HigherPeerEpoch { theirs, ours } => {
                ("zk.vote_switch_epoch", vec![zk(*to), theirs.to_string(), ours.to_string()])
            }
            VoteWin::HigherZxid { theirs, ours } => {
                ("zk.vote_switch_zxid", vec![zk(*to), format!("{theirs:#x}"), format!("{ours:#x}")])
            }
            VoteWin::HigherSid { theirs, ours } => ("zk.vote_switch_sid", vec![zk(theirs), zk(ours)]),
        },
        Note::Looking => ("zk.looking", vec![]),
        Note::NewEpoch { epoch } => ("zk.new_epoch", vec![epoch.to_string()]),
        Note::Synced { mode } => ("zk.synced", vec![mode.to_string()]),
        Note::UpToDate => ("zk.uptodate", vec![]),
        Note::Established { epoch } => ("zk.established", vec![epoch.to_string()]),
        Note::GaveUp { reason } => ("zk.gave_up", vec![reason.to_string()]),
        Note::LeaderTimeout => ("zk.leader_timeout", vec![]),
        Note::LeaderLost => ("zk.leader_lost", vec![]),
        Note::SessionExpired { session, idle_ms, .. } => {
            ("zk.session_expired", vec![format!("{session:#x}"), idle_ms.to_string()])
        }
        Note::ZkConnected { server, session } => {
            ("kafka.zk_connected", vec![layout.name(*server), format!("{session:#x}")])
        }
        Note::ZkDisconnected => ("kafka.zk_disconnected", vec![]),
        Note::ZkSessionExpired => ("kafka.zk_session_expired", vec![]),
        Note::Registered { broker, broker_epoch } => {
            ("kafka.registered", vec![broker.to_string(), format!("{broker_epoch:#x}")])
        }
        // The broker's own notes: the line already names it.
        Note::ControllerElected { epoch, .. } => ("kafka.controller_elected", vec![epoch.to_string()]),
        Note::ControllerResigned { epoch, .. } => ("kafka.controller_resigned", vec![epoch.to_string()]),
        Note::ControllerGone => ("kafka.controller_gone", vec![]),
        Note::ControllerRaceLost { exists: true } => ("kafka.race_lost_exists", vec![]),
        Note::ControllerRaceLost { exists: false } => ("kafka.race_lost_epoch", vec![]),
        Note::BrokerChange { joined, left, bounced } => {
            let names = |ids: &[u32]| ids.iter().copied().map(broker_name).collect::<Vec<_>>().join(", ");
            match (joined.is_empty(), left.is_empty()) {
                _ if !bounced.is_empty() => ("kafka.brokers_bounced", vec![names(bounced)]),
                (false, _) => ("kafka.brokers_joined", vec![names(joined)]),
                _ => ("kafka.brokers_left", vec![names(left)]),
            }
        }
        Note::LoadStarted { .. } => ("kafka.load_started", vec![]),
        Note::LoadDone { partitions, ms } => ("kafka.load_done", vec![partitions.to_string(), ms.to_string()]),
        Note::StatesWritten { topic, updates, controller_epoch, .. } => {
            ("kafka.states_written", vec![topic.clone(), updates.len().to_string(), controller_epoch.to_string()])
        }
        Note::StatesCreated { topic, states, .. } => {
            ("kafka.states_created", vec![topic.clone(), states.len().to_string()])
        }
        Note::StatesApplied { topic, changes, zxid, .. } => {
            ("zk.states_applied", vec![topic.clone(), changes.len().to_string(), format!("{zxid:#x}")])
        }
        Note::LeaderAndIsrApplied { controller_epoch, partitions: 0, ignored } => {
            ("kafka.leader_and_isr_ignored", vec![ignored.to_string(), controller_epoch.to_string()])
        }
        Note::LeaderAndIsrApplied { controller_epoch, partitions, .. } => {
            ("kafka.leader_and_isr", vec![partitions.to_string(), controller_epoch.to_string()])
        }
        Note::StaleControllerEpoch { controller_epoch, known } => {
            ("kafka.stale_controller_epoch", vec![controller_epoch.to_string(), known.to_string()])
        }
        Note::Fenced { epoch, .. } => ("kafka.fenced", vec![epoch.to_string()]),
        Note::ControlledShutdownDone { .. } => ("kafka.controlled_shutdown_done", vec![]),
        Note::TopicCreated { topic, partitions } => {
            ("kafka.topic_created", vec![topic.clone(), partitions.to_string()])
        }
        Note::ConfigChangeWritten { topic, key, value } => {
            ("kafka.config_change_written", vec![topic.clone(), key.clone(), value.clone()])
        }
        Note::ConfigRefusedUnknownTopic { topic } => ("kafka.config_unknown_topic", vec![topic.clone()]),
        Note::TopicConfigLoaded { topic, configs } => {
            ("kafka.config_loaded", vec![topic.clone(), config_text(configs)])
        }
        Note::TopicConfigApplied { topic, change, configs } => {
            ("kafka.config_applied", vec![topic.clone(), change.clone(), config_text(configs)])
        }
        Note::Violation(text) => ("violation", vec![text.clone()]),
        Note::Action(action) => cluster::action_note_text(action, &|id| layout.name(id)),
    }
}

/// FLE: how many voters' latest notifications (recvset, this server's own included) agree with
/// its current proposal, and how many make a quorum (`hasAllQuorums` counts voters only).
fn fle_tally(s: &Server) -> (u32, u32) {
    let voters = s.cfg.ensemble as u64;
    // FLE: the proposal goes out stamped with the current round (logicalclock); compare
    // against that, as termPredicate does in lookForLeader.
    let mut proposal = s.fle.proposed;
    proposal.election_epoch = s.fle.logicalclock;
    let agree = s
        .fle
        .recvset
        .iter()
        .filter(|(sid, (vote, state))| *sid <= voters && votes_equal(vote, *state, &proposal, ServerState::Looking))
        .count();
    (agree as u32, s.cfg.quorum() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Cluster as _;

    use crate::world::{Input, Output};
    use crate::zk::msg::{ClientOp, ClientPacket, EventType, Msg, Op, QuorumPacket, ReadOp};
    use crate::zk::testkit::{established_leader, q, step};
    use crate::zk::Out;

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

    #[test]
    fn a_vote_switch_note_names_the_new_leader_and_the_deciding_step() {
        let text = |why| note_text(&Note::VoteSwitched { to: 3, why }, 3);
        assert_eq!(
            text(VoteWin::HigherPeerEpoch { theirs: 2, ours: 1 }),
            ("zk.vote_switch_epoch", vec!["zk3".to_string(), "2".to_string(), "1".to_string()])
        );
        assert_eq!(
            text(VoteWin::HigherZxid { theirs: 0x1_0000_0004, ours: 0x1_0000_0002 }),
            ("zk.vote_switch_zxid", vec!["zk3".to_string(), "0x100000004".to_string(), "0x100000002".to_string()])
        );
        assert_eq!(
            text(VoteWin::HigherSid { theirs: 3, ours: 2 }),
            ("zk.vote_switch_sid", vec!["zk3".to_string(), "zk2".to_string()])
        );
    }

    #[test]
    fn the_first_election_narrates_each_switch_once_and_only_to_a_higher_sid() {
        // All servers start in round 1 voting for themselves with equal (epoch, zxid): every
        // switch is decided by server id, and nobody ever switches to a lower sid.
        let mut c = Cluster::new(7, Config { ensemble: 3, brokers: 0, partitions: 0, ..Config::default() });
        c.run_until(Time::from_secs(5), usize::MAX);
        let mut notes = Vec::new();
        c.notes(0, &mut notes);
        let switches: Vec<(NodeId, Vec<String>)> =
            notes.iter().filter(|n| n.key == "zk.vote_switch_sid").map(|n| (n.node, n.args.clone())).collect();
        assert!(!switches.is_empty());
        for (node, args) in &switches {
            let to: u64 = args[0].trim_start_matches("zk").parse().unwrap();
            let from: u64 = args[1].trim_start_matches("zk").parse().unwrap();
            assert!(to > from, "zk{} switched from {from} to {to}", node + 1);
        }
        let mut seen = std::collections::BTreeSet::new();
        assert!(switches.iter().all(|s| seen.insert(s.clone())), "a switch narrated twice: {switches:?}");
        assert!(c.violations().is_empty());
    }
}
