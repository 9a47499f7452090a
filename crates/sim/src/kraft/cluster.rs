//! A KRaft cluster: the world of controllers (and brokers), its invariant checker, role
//! histories and metrics; what the CLI and the app drive.

use super::broker::{Broker, Lifecycle};
use super::check::Checker;
use super::controller::{Controller, State};
use super::{Change, Cmd, Config, Node, Note, RefuseReason, Timer};
use crate::cluster::{ActionError, Cluster, FlightView, NodeKind, NodeView, NoteView, Role};
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

pub struct KraftCluster {
    world: World<Node>,
    config: Config,
    checker: Checker,
    history: History,
    latency: Latency,
    controllers: usize,
}

/// Metadata-change latency: from the active controller's append to the moment every live
/// broker has applied the change (KIP-631 metric of this lesson).
#[derive(Clone, Debug, Default)]
struct Latency {
    notes_seen: u64,
    /// Changes not yet applied everywhere: (appended at, end offset, epoch).
    pending: Vec<(Time, u64, u64)>,
    done_ms: Vec<u64>,
}

/// At most this many changes wait to be measured (a broker cut off forever must not make the
/// list grow without bound).
const LATENCY_PENDING_MAX: usize = 64;

impl Latency {
    fn observe(&mut self, world: &World<Node>, controllers: usize) {
        let total = world.notes_total();
        if total != self.notes_seen {
            let new = (total - self.notes_seen).min(world.notes().count() as u64) as usize;
            self.notes_seen = total;
            for n in world.notes().rev().take(new) {
                if let Note::MetadataChange { epoch, end_offset, .. } = &n.note {
                    if self.pending.len() < LATENCY_PENDING_MAX {
                        self.pending.push((n.at, *end_offset, *epoch));
                    }
                }
            }
        }
        if self.pending.is_empty() {
            return;
        }
        let now = world.now();
        let nodes = world.nodes();
        let done_ms = &mut self.done_ms;
        self.pending.retain(|&(at, end, epoch)| {
            let mut any_live = false;
            for (id, node) in nodes.iter().enumerate().skip(controllers) {
                let Node::Broker(b) = node else { continue };
                if !world.is_alive(id) {
                    continue;
                }
                any_live = true;
                if b.image.applied < end {
                    return true;
                }
                // Applied past it: was it this change, or did another leader's records win?
                if b.log.get(end - 1).is_none_or(|e| e.epoch != epoch) {
                    return false;
                }
            }
            if any_live {
                done_ms.push(now.since(at) / 1_000);
            }
            false
        });
    }
}

/// Who led when: recorded after every event.
#[derive(Clone, Debug, Default)]
struct History {
    leader: Vec<HistoryPoint>,
    current: Option<(NodeId, u64)>,
    started: bool,
    without_leader_us: u64,
    last_at: Time,
    gaps: crate::cluster::Gaps,
}

impl History {
    fn observe(&mut self, world: &World<Node>, layout: Layout) {
        let now = world.now();
        if self.current.is_none() {
            self.without_leader_us += now.since(self.last_at);
        }
        self.last_at = now;
        let leader = world
            .resolve(&Target::Role(RoleRef::Leader))
            .and_then(|id| world.node(id).as_controller().map(|c| (id, c.epoch)));
        // In KRaft the quorum leader is the active controller.
        self.gaps.observe(now, leader.is_some());
        if leader != self.current || !self.started {
            self.started = true;
            self.current = leader;
            self.leader.push(HistoryPoint {
                t_ms: now.as_ms(),
                node: leader.map(|(id, _)| layout.name(id)),
                epoch: leader.map_or(0, |(_, e)| e),
            });
        }
    }
}

impl KraftCluster {
    pub fn new(seed: u64, config: Config) -> KraftCluster {
        let controllers = config.controllers.clamp(1, 9);
        let mut config = config;
        config.controllers = controllers;
        config.brokers = config.brokers.min(200);
        let voters: Vec<NodeId> = (0..controllers).collect();
        let mut nodes: Vec<Node> = voters
            .iter()
            .map(|&id| Node::Controller(Controller::new(id, voters.clone(), config.clone(), seed)))
            .collect();
        for i in 0..config.brokers {
            nodes.push(Node::Broker(Broker::new(controllers + i, voters.clone(), config.clone())));
        }
        let n = nodes.len();
        let world = World::new(seed, nodes, config.net.clone());
        let mut cluster = KraftCluster {
            checker: Checker::new(n, controllers),
            world,
            config,
            history: History::default(),
            latency: Latency::default(),
            controllers,
        };
        cluster.history.observe(&cluster.world, cluster.layout());
        cluster
    }

    pub fn world(&self) -> &World<Node> {
        &self.world
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn controller(&self, id: NodeId) -> Option<&Controller> {
        self.world.nodes().get(id).and_then(Node::as_controller)
    }

    /// Where the controllers and brokers sit: `c1..cN`, then `b1..bM`.
    pub fn layout(&self) -> Layout {
        Layout::kraft(self.controllers)
    }

    /// Broker `number` (1-based, as in `b1`).
    pub fn broker(&self, number: usize) -> Option<&Broker> {
        let id = self.layout().broker_node(u32::try_from(number).ok()?);
        self.world.nodes().get(id).and_then(Node::as_broker)
    }

    /// Node id of broker `number` (1-based).
    pub fn broker_id(&self, number: usize) -> Option<NodeId> {
        self.broker(number).map(|b| b.id)
    }

    pub fn brokers(&self) -> impl Iterator<Item = &Broker> {
        self.world.nodes().iter().filter_map(Node::as_broker)
    }

    /// The active controller (quorum leader), if any.
    pub fn active_controller(&self) -> Option<&Controller> {
        self.world.resolve(&Target::Role(RoleRef::Controller)).and_then(|id| self.controller(id))
    }

    /// Node name: `c1..cN`, `b1..bM`.
    pub fn name(&self, id: NodeId) -> String {
        self.layout().name(id)
    }

    fn target(&self, node: &NodeRef) -> Result<Target, ActionError> {
        match node {
            NodeRef::Leader => Ok(Target::Role(RoleRef::Leader)),
            NodeRef::Controller => Ok(Target::Role(RoleRef::Controller)),
            NodeRef::Named { prefix: NodePrefix::Controller, number } => {
                let index = self.layout().quorum_node(u64::from(*number));
                if index < self.config.controllers.min(self.world.nodes().len()) {
                    Ok(Target::Node(index))
                } else {
                    Err(ActionError::NoSuchNode(node.clone()))
                }
            }
            NodeRef::Named { prefix: NodePrefix::Broker, number } => {
                if (1..=self.config.brokers).contains(&(*number as usize)) {
                    Ok(Target::Node(self.layout().broker_node(*number)))
                } else {
                    Err(ActionError::NoSuchNode(node.clone()))
                }
            }
            NodeRef::Named { .. } => Err(ActionError::NoSuchNode(node.clone())),
        }
    }

    fn node_id(&self, node: &NodeRef) -> Result<NodeId, ActionError> {
        match self.target(node)? {
            Target::Node(id) => Ok(id),
            Target::Role(_) => Err(ActionError::NotInThisMode),
        }
    }

    fn view(&self, id: NodeId, node: &Node) -> NodeView {
        match node {
            Node::Controller(c) => self.view_controller(id, c),
            Node::Broker(b) => self.view_broker(id, b),
        }
    }

    fn view_broker(&self, id: NodeId, b: &Broker) -> NodeView {
        let alive = self.world.is_alive(id);
        let role = match (alive, b.lifecycle) {
            (false, _) => Role::Down,
            (true, Lifecycle::Starting | Lifecycle::Fenced) => Role::Fenced,
            (true, Lifecycle::Active) => Role::Active,
            (true, Lifecycle::ShuttingDown) => Role::ShuttingDown,
        };
        NodeView {
            id,
            kind: NodeKind::Broker,
            number: self.layout().kind_and_number(id).1,
            role,
            alive,
            epoch: b.epoch,
            log_end: b.log.end_offset(),
            committed: b.high_watermark,
            last_zxid: None,
            vote: if alive { b.leader } else { None },
            is_controller: false,
            timer: None,
            tally: None,
        }
    }

    fn view_controller(&self, id: NodeId, c: &Controller) -> NodeView {
        let alive = self.world.is_alive(id);
        let role = if !alive {
            Role::Down
        } else {
            match &c.state {
                State::Unattached => Role::Unattached,
                State::Prospective { .. } => Role::Prospective,
                State::Candidate { .. } => Role::Candidate,
                State::Leader(_) => Role::Leader,
                State::Follower { .. } => Role::Follower,
                State::Resigned => Role::Resigned,
            }
        };
        let vote = match &c.state {
            State::Follower { leader, .. } => Some(*leader),
            State::Leader(_) => Some(id),
            _ => c.voted_for,
        };
        let timer = if alive {
            [Timer::Election, Timer::FetchTimeout]
                .iter()
                .find_map(|t| self.world.timer_deadline(id, *t))
                .and_then(|at| c.timer_view.filter(|(_, end)| *end == at))
        } else {
            None
        };
        NodeView {
            id,
            kind: NodeKind::Controller,
            number: self.layout().kind_and_number(id).1,
            role,
            alive,
            epoch: c.epoch,
            log_end: c.log.end_offset(),
            committed: c.high_watermark,
            last_zxid: None,
            vote,
            is_controller: alive && c.is_leader(),
            timer,
            tally: if alive { c.tally() } else { None },
        }
    }
}

impl KraftCluster {
    /// What a scenario action does in this cluster, or why it cannot be taken here.
    fn action_for(&self, action: &ScenarioAction) -> Result<Action<Cmd>, ActionError> {
        Ok(match action {
            ScenarioAction::Crash(n) => Action::Crash(self.target(n)?),
            ScenarioAction::Restart(n) => Action::Restart(self.target(n)?),
            ScenarioAction::Shutdown(n) => Action::Shutdown(self.target(n)?),
            ScenarioAction::Partition(sides) => {
                let mut groups = Vec::new();
                for side in sides {
                    let ids = side.iter().map(|n| self.node_id(n)).collect::<Result<Vec<_>, _>>()?;
                    groups.push(ids);
                }
                Action::Partition(groups)
            }
            ScenarioAction::Heal => Action::Heal,
            ScenarioAction::LossPerMille(p) => Action::LossPerMille(*p),
            ScenarioAction::DelayUs(us) => Action::DelayUs(*us),
            // The admin client's CreateTopics goes to the active controller; with none at that
            // moment the request is lost (a real client would retry).
            ScenarioAction::CreateTopic { name, partitions, replication_factor } => Action::Client(
                Target::Role(RoleRef::Controller),
                Cmd::CreateTopic {
                    name: name.clone(),
                    partitions: *partitions,
                    replication_factor: *replication_factor,
                },
            ),
            // IncrementalAlterConfigs goes to the active controller too (KIP-590 forwards it
            // there from any broker); with none at that moment it is lost like create-topic.
            ScenarioAction::AlterConfig { topic, key, value } => Action::Client(
                Target::Role(RoleRef::Controller),
                Cmd::AlterConfig { topic: topic.clone(), key: key.clone(), value: value.clone() },
            ),
        })
    }
}

impl Cluster for KraftCluster {
    fn mode(&self) -> &'static str {
        "kraft"
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
        let (controllers, layout) = (self.controllers, self.layout());
        let checker = &mut self.checker;
        let history = &mut self.history;
        let latency = &mut self.latency;
        let stop = self.world.run_until(until, max_events, |w| {
            checker.after_event(w);
            history.observe(w, layout);
            latency.observe(w, controllers);
        });
        self.history.observe(&self.world, layout);
        stop
    }

    fn step_one(&mut self) -> bool {
        let stepped = self.world.step_one();
        if stepped {
            self.checker.after_event(&self.world);
            self.history.observe(&self.world, self.layout());
            self.latency.observe(&self.world, self.controllers);
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
            .map(|(id, node)| {
                let view = self.view(id, node);
                NodeSummary {
                    id: view.name(),
                    role: view.role.slug().to_string(),
                    alive: view.alive,
                    epoch: view.epoch,
                    log_end_offset: Some(view.log_end),
                    high_watermark: Some(view.committed),
                    last_zxid: None,
                }
            })
            .collect();
        Summary {
            mode: "kraft",
            seed: self.world.seed(),
            end_ms: self.world.now().as_ms(),
            trace_hash: hex(self.world.trace_hash()),
            events: self.world.events_processed(),
            violations: self.checker.violations.clone(),
            // In KRaft the active controller is the quorum leader.
            controller_history: self.history.leader.clone(),
            quorum_leader_history: self.history.leader.clone(),
            nodes,
            messages_by_type: self.world.messages_sent().iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            ms_without_controller: self.ms_without_controller(),
            metadata_change_latency_ms: self.latency.done_ms.clone(),
        }
    }

    fn ms_without_controller(&self) -> u64 {
        let mut without = self.history.without_leader_us;
        if self.history.current.is_none() {
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
        self.world.nodes().iter().enumerate().map(|(id, node)| self.view(id, node)).collect()
    }

    fn flights(&self, out: &mut Vec<FlightView>) {
        self.world.flights(out);
    }

    fn landed(&mut self, out: &mut Vec<FlightView>) {
        self.world.take_landed(out);
    }

    fn inspect(&self, node: NodeId, out: &mut Vec<String>) {
        out.clear();
        let (log, hw, image) = match self.world.nodes().get(node) {
            Some(Node::Controller(c)) => (Some(&c.log), c.high_watermark, &c.image),
            Some(Node::Broker(b)) => (None, 0, &b.image),
            None => return,
        };
        // The state variables first: what the quorum protocol decides by.
        if let Some(v) = self.world.nodes().get(node).map(|n| self.view(node, n)) {
            let vote = v.vote.map_or("-".to_string(), |id| self.name(id));
            out.push(format!(
                "role {} · epoch {} · vote/leader {vote} · LEO {} · HW {}",
                v.role.slug(),
                v.epoch,
                v.log_end,
                v.committed
            ));
        }
        if let Some(log) = log {
            // The log tail, newest last; ✓ marks what is below the high watermark (committed).
            let end = log.end_offset();
            for offset in end.saturating_sub(12)..end {
                if let Some(e) = log.get(offset) {
                    let mark = if offset < hw { "✓" } else { " " };
                    out.push(format!("{mark} {offset:>5}  e{}  {}", e.epoch, e.record.name()));
                }
            }
            out.push(format!("HW {hw} · LEO {end}"));
        }
        for id in image.brokers.keys() {
            let state = if image.is_active(*id) { "active" } else { "fenced" };
            out.push(format!("{}  {state}", self.name(*id)));
        }
        for topic in image.topics.values() {
            for (p, part) in topic.partitions.iter().enumerate().take(24) {
                let leader = part.leader.map_or("-1".to_string(), |l| self.name(l));
                let isr: Vec<String> = part.isr.iter().map(|b| self.name(*b)).collect();
                out.push(format!(
                    "{}-{p}  leader {leader}  isr [{}]  leader epoch {}",
                    topic.name,
                    isr.join(","),
                    part.leader_epoch
                ));
            }
        }
        // The replayed ConfigRecords (KIP-631 ConfigurationsImage), one line per topic.
        for (topic, configs) in &image.topic_configs {
            let entries: Vec<String> = configs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push(format!("{topic}  configs  {}", entries.join(", ")));
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
            let (key, args) = note_text(&n.note, &self.config);
            out.push(NoteView { at: n.at, node: n.node, index, key, args });
        }
    }

    fn notes_total(&self) -> u64 {
        self.world.notes_total()
    }
}

/// A note as a translatable key and its arguments (the app's i18n layer words them).
pub fn note_text(note: &Note, config: &Config) -> (&'static str, Vec<String>) {
    let layout = Layout::kraft(config.controllers);
    let name = |id: &NodeId| layout.name(*id);
    match note {
        Note::Started { epoch } => ("kraft.started", vec![epoch.to_string()]),
        Note::FetchTimeout { epoch } => {
            ("kraft.fetch_timeout", vec![config.fetch_timeout_ms.to_string(), epoch.to_string()])
        }
        Note::NoLeaderTimeout { epoch, timeout_ms } => {
            ("kraft.no_leader_timeout", vec![timeout_ms.to_string(), epoch.to_string()])
        }
        Note::SuccessorTurn { epoch, resigned } => ("kraft.successor_turn", vec![name(resigned), epoch.to_string()]),
        Note::BecameProspective { epoch } => ("kraft.prospective", vec![epoch.to_string()]),
        Note::PreVoteLost { epoch } => ("kraft.prevote_lost", vec![epoch.to_string()]),
        Note::BecameCandidate { epoch } => ("kraft.candidate", vec![epoch.to_string()]),
        Note::ElectionTimedOut { epoch } => ("kraft.election_timeout", vec![epoch.to_string()]),
        Note::BecameLeader { epoch } => ("kraft.leader", vec![epoch.to_string()]),
        Note::BecameFollower { epoch, leader } => ("kraft.follower", vec![name(leader), epoch.to_string()]),
        Note::BecameUnattached { epoch } => ("kraft.unattached", vec![epoch.to_string()]),
        Note::Resigned { epoch } => ("kraft.resigned", vec![epoch.to_string()]),
        Note::CheckQuorumFailed { epoch } => ("kraft.check_quorum", vec![epoch.to_string()]),
        Note::EndQuorumEpochReceived { backoff_ms, .. } => ("kraft.end_quorum", vec![backoff_ms.to_string()]),
        Note::VoteCast { candidate, epoch, pre_vote, granted } => {
            let key = match (pre_vote, granted) {
                (true, true) => "kraft.prevote_granted",
                (true, false) => "kraft.prevote_rejected",
                (false, true) => "kraft.vote_granted",
                (false, false) => "kraft.vote_rejected",
            };
            (key, vec![name(candidate), epoch.to_string()])
        }
        Note::Truncated { to_offset, dropped } => ("kraft.truncated", vec![dropped.to_string(), to_offset.to_string()]),
        Note::MetadataChange { change, .. } => match change {
            Change::Registered { broker, broker_epoch } => {
                ("kraft.md_registered", vec![name(broker), broker_epoch.to_string()])
            }
            Change::Unfenced { broker, partition_changes } => {
                ("kraft.md_unfenced", vec![name(broker), partition_changes.to_string()])
            }
            Change::Fenced { broker, partition_changes } => (
                "kraft.md_fenced",
                vec![name(broker), config.broker_session_timeout_ms.to_string(), partition_changes.to_string()],
            ),
            Change::ControlledShutdown { broker, partition_changes } => {
                ("kraft.md_controlled_shutdown", vec![name(broker), partition_changes.to_string()])
            }
            Change::ShutdownNow { broker } => ("kraft.md_shutdown_now", vec![name(broker)]),
            Change::TopicCreated { name: topic, partitions, replication_factor } => {
                ("kraft.md_topic_created", vec![topic.clone(), partitions.to_string(), replication_factor.to_string()])
            }
            Change::ConfigAltered { topic, key, value } => {
                ("kraft.md_config_altered", vec![topic.clone(), key.clone(), value.clone()])
            }
        },
        Note::ConfigRefusedUnknownTopic { topic } => ("kraft.config_unknown_topic", vec![topic.clone()]),
        Note::ConfigUnchanged { topic, key, value } => {
            ("kraft.config_unchanged", vec![topic.clone(), key.clone(), value.clone()])
        }
        Note::TopicRefused { name: topic, reason } => match reason {
            RefuseReason::AlreadyExists => ("kraft.topic_exists", vec![topic.clone()]),
            RefuseReason::Invalid => ("kraft.topic_invalid", vec![topic.clone()]),
            RefuseReason::NotEnoughBrokers { replication_factor, active } => (
                "kraft.topic_not_enough_brokers",
                vec![topic.clone(), replication_factor.to_string(), active.to_string()],
            ),
        },
        Note::BrokerFollows { leader, epoch } => ("kraft.broker_follows", vec![name(leader), epoch.to_string()]),
        Note::BrokerFetchTimeout => ("kraft.broker_fetch_timeout", vec![config.fetch_timeout_ms.to_string()]),
        Note::BrokerRegistered { broker_epoch } => ("kraft.broker_registered", vec![broker_epoch.to_string()]),
        Note::BrokerUnfencedNow => ("kraft.broker_unfenced", Vec::new()),
        Note::BrokerFencedNow => ("kraft.broker_fenced", Vec::new()),
        Note::BrokerStaleEpoch => ("kraft.broker_stale_epoch", Vec::new()),
        Note::BrokerShuttingDown => ("kraft.broker_shutting_down", Vec::new()),
        Note::BrokerShutdownDone => ("kraft.broker_shutdown_done", Vec::new()),
        Note::BrokerShutdownGaveUp => ("kraft.broker_shutdown_gave_up", Vec::new()),
        Note::Action(action) => crate::cluster::action_note_text(action, &|id| name(&id)),
    }
}
