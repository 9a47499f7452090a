//! A KRaft cluster: the world of controllers (and brokers), its invariant checker, role
//! histories and metrics; what the CLI and the app drive.

use super::broker::{Broker, Lifecycle};
use super::check::Checker;
use super::controller::{Controller, State};
use super::latency::Latency;
use super::{Change, Cmd, Config, Node, Note, RefuseReason, Timer};
use crate::cluster::{ActionError, Core, ModeCluster, NodeKind, NodeView, Observer, Role, Roles};
use crate::layout::Layout;
use crate::scenario::{NodePrefix, ScenarioAction};
#[cfg(feature = "summary")]
use crate::summary::{NodeSummary, Summary};
use crate::world::{Action, RoleRef, Target, World};
use crate::NodeId;

pub struct KraftCluster {
    core: Core<Node, Watch>,
    config: Config,
    controllers: usize,
}

/// What the cluster checks and measures after every event. `Clone` and `Debug` for the
/// explorer (`crate::explore`): its checkpoints copy it, its state hash reads it.
#[derive(Clone, Debug)]
pub(crate) struct Watch {
    checker: Checker,
    latency: Latency,
    controllers: usize,
}

impl Observer<Node> for Watch {
    fn after_event(&mut self, world: &World<Node>) {
        self.checker.after_event(world);
        self.latency.observe(world, self.controllers);
    }

    /// In KRaft the quorum leader is the active controller.
    fn roles(world: &World<Node>) -> Roles {
        let leader = world
            .resolve(&Target::Role(RoleRef::Leader))
            .and_then(|id| world.node(id).as_controller().map(|c| (id, c.epoch)));
        Roles { leader, controller: leader, active: leader.is_some() }
    }

    fn violations(&self) -> &[String] {
        &self.checker.violations
    }

    fn latency_ms(&self) -> &[u64] {
        &self.latency.done_ms
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
            nodes.push(Node::Broker(Broker::new(controllers + i, voters.clone(), config.clone(), seed)));
        }
        let n = nodes.len();
        let world = World::new(seed, nodes, config.net.clone());
        let watch = Watch { checker: Checker::new(n, controllers), latency: Latency::default(), controllers };
        let core = Core::new(world, watch, Layout::kraft(controllers));
        KraftCluster { core, config, controllers }
    }

    pub fn world(&self) -> &World<Node> {
        &self.core.world
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn controller(&self, id: NodeId) -> Option<&Controller> {
        self.core.world.nodes().get(id).and_then(Node::as_controller)
    }

    /// Where the controllers and brokers sit: `c1..cN`, then `b1..bM`.
    pub fn layout(&self) -> Layout {
        Layout::kraft(self.controllers)
    }

    /// Broker `number` (1-based, as in `b1`).
    pub fn broker(&self, number: usize) -> Option<&Broker> {
        let id = self.layout().broker_node(u32::try_from(number).ok()?);
        self.core.world.nodes().get(id).and_then(Node::as_broker)
    }

    /// Node id of broker `number` (1-based).
    pub fn broker_id(&self, number: usize) -> Option<NodeId> {
        self.broker(number).map(|b| b.id)
    }

    pub fn brokers(&self) -> impl Iterator<Item = &Broker> {
        self.core.world.nodes().iter().filter_map(Node::as_broker)
    }

    /// The active controller (quorum leader), if any.
    pub fn active_controller(&self) -> Option<&Controller> {
        self.core.world.resolve(&Target::Role(RoleRef::Controller)).and_then(|id| self.controller(id))
    }

    /// Node name: `c1..cN`, `b1..bM`.
    pub fn name(&self, id: NodeId) -> String {
        self.layout().name(id)
    }

    fn view_broker(&self, id: NodeId, b: &Broker) -> NodeView {
        let alive = self.core.world.is_alive(id);
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
        let alive = self.core.world.is_alive(id);
        let role = if !alive {
            Role::Down
        } else {
            match &c.state {
                State::Unattached => Role::Unattached,
                State::Prospective { .. } => Role::Prospective,
                State::Candidate { .. } => Role::Candidate,
                State::Leader(_) => Role::Leader,
                State::Follower { .. } => Role::Follower,
                State::Resigned { .. } => Role::Resigned,
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
                .find_map(|t| self.core.world.timer_deadline(id, *t))
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

impl ModeCluster for KraftCluster {
    type Node = Node;
    type Watch = Watch;
    const MODE: &'static str = "kraft";

    fn core(&self) -> &Core<Node, Watch> {
        &self.core
    }

    fn core_mut(&mut self) -> &mut Core<Node, Watch> {
        &mut self.core
    }

    fn node_named(&self, prefix: NodePrefix, number: u32) -> Option<NodeId> {
        match prefix {
            NodePrefix::Controller => {
                let index = self.layout().quorum_node(u64::from(number));
                (index < self.config.controllers.min(self.core.world.nodes().len())).then_some(index)
            }
            NodePrefix::Broker if (1..=self.config.brokers).contains(&(number as usize)) => {
                Some(self.layout().broker_node(number))
            }
            NodePrefix::Broker | NodePrefix::Zk => None,
        }
    }

    fn client_request(&self, action: &ScenarioAction) -> Result<Action<Cmd>, ActionError> {
        Ok(match action {
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
            _ => return Err(ActionError::NotInThisMode),
        })
    }

    fn view(&self, id: NodeId, node: &Node) -> NodeView {
        match node {
            Node::Controller(c) => self.view_controller(id, c),
            Node::Broker(b) => self.view_broker(id, b),
        }
    }

    fn note_text(&self, note: &Note) -> (&'static str, Vec<String>) {
        note_text(note, &self.config)
    }

    #[cfg(feature = "summary")]
    fn summary(&self) -> Summary {
        let nodes = self
            .core
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
        self.core.summary("kraft", nodes)
    }

    fn inspect(&self, node: NodeId, out: &mut Vec<String>) {
        out.clear();
        let (log, hw, image) = match self.core.world.nodes().get(node) {
            Some(Node::Controller(c)) => (Some(&c.log), c.high_watermark, &c.image),
            Some(Node::Broker(b)) => (None, 0, &b.image),
            None => return,
        };
        // The state variables first: what the quorum protocol decides by.
        if let Some(v) = self.core.world.nodes().get(node).map(|n| self.view(node, n)) {
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
                let isr: Vec<String> = part.isr.iter().map(|b| self.name(b)).collect();
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
        Note::PreVoteRejected { epoch } => ("kraft.prevote_majority_rejected", vec![epoch.to_string()]),
        Note::BecameCandidate { epoch } => ("kraft.candidate", vec![epoch.to_string()]),
        Note::ElectionTimedOut { epoch } => ("kraft.election_timeout", vec![epoch.to_string()]),
        Note::BecameLeader { epoch } => ("kraft.leader", vec![epoch.to_string()]),
        Note::BecameFollower { epoch, leader } => ("kraft.follower", vec![name(leader), epoch.to_string()]),
        Note::BecameUnattached { epoch } => ("kraft.unattached", vec![epoch.to_string()]),
        Note::Resigned { epoch } => ("kraft.resigned", vec![epoch.to_string()]),
        // KIP-595 check-quorum: 1.5 × the running fetch timeout (LeaderState), as set.
        Note::CheckQuorumFailed { epoch } => {
            ("kraft.check_quorum", vec![(config.fetch_timeout_ms * 3 / 2).to_string(), epoch.to_string()])
        }
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
            Change::Registered { broker, broker_epoch, partition_changes: 0 } => {
                ("kraft.md_registered", vec![name(broker), broker_epoch.to_string()])
            }
            Change::Registered { broker, broker_epoch, partition_changes } => (
                "kraft.md_registered_replacing",
                vec![name(broker), broker_epoch.to_string(), partition_changes.to_string()],
            ),
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
        Note::BrokerDuplicateRegistration { retry_ms } => (
            "kraft.broker_duplicate_registration",
            vec![config.broker_session_timeout_ms.to_string(), retry_ms.to_string()],
        ),
        Note::BrokerShuttingDown => ("kraft.broker_shutting_down", Vec::new()),
        Note::BrokerShutdownDone => ("kraft.broker_shutdown_done", Vec::new()),
        Note::BrokerShutdownGaveUp => {
            ("kraft.broker_shutdown_gave_up", vec![super::CONTROLLED_SHUTDOWN_GIVE_UP_MS.to_string()])
        }
        Note::Action(action) => crate::cluster::action_note_text(action, &|id| name(&id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narration_states_the_timings_of_the_running_configuration() {
        // KIP-595 check-quorum: Kafka 4.1 LeaderState's checkQuorumTimer is
        // `(int) (fetchTimeoutMs * CHECK_QUORUM_TIMEOUT_FACTOR)` (1.5); a broker's fetch timeout
        // and session are KafkaConfig's controller.quorum.fetch.timeout.ms and
        // broker.session.timeout.ms: the words read the running configuration, not the defaults.
        let mut config = Config::default();
        let check_quorum = Note::CheckQuorumFailed { epoch: 2 };
        assert_eq!(note_text(&check_quorum, &config), ("kraft.check_quorum", vec!["3000".into(), "2".into()]));
        // `set controller.quorum.fetch.timeout.ms=4000` changes the words: check-quorum is
        // 1.5 × the fetch timeout.
        config.apply_setting("controller.quorum.fetch.timeout.ms", "4000").unwrap();
        assert_eq!(note_text(&check_quorum, &config).1, vec!["6000".to_string(), "2".into()]);
        assert_eq!(note_text(&Note::BrokerFetchTimeout, &config).1, vec!["4000".to_string()]);
        config.apply_setting("broker.session.timeout.ms", "6000").unwrap();
        config.apply_setting("broker.heartbeat.interval.ms", "1000").unwrap();
        let duplicate = Note::BrokerDuplicateRegistration { retry_ms: 1_000 };
        assert_eq!(note_text(&duplicate, &config).1, vec!["6000".to_string(), "1000".into()]);
    }
}
