//! `zk::Cluster`: the ZooKeeper-mode world (servers `zk1..zkN`, brokers `b1..bM`), its invariant
//! checker and role histories, behind the shared [`Cluster`](crate::cluster::Cluster) trait.

use std::rc::Rc;

use crate::cluster::{self, ActionError, Core, ModeCluster, NodeKind, NodeView, Observer, Role, Roles};
use crate::scenario::{NodePrefix, ScenarioAction};
#[cfg(feature = "summary")]
use crate::summary::{NodeSummary, Summary};
use crate::time::Time;
use crate::world::{Action, RoleRef, Target, World};
use crate::NodeId;

use super::check::Checker;
use super::config::Config;
use super::election::{votes_equal, VoteWin};
use super::ids::{broker_name, node_of_sid, server_name, BrokerId, Sid};
use super::inspect::{config_text, inspect_broker, inspect_server};
use super::kafka::{
    Broker, BROKER_IDS_PATH, CONFIG_CHANGES_PATH, CONFIG_TOPICS_PATH, CONTROLLER_EPOCH_PATH, TOPICS_PATH,
};
use super::latency::Latency;
use super::msg::{isr_bit, Assignment, Data, PartState, ServerState, Shared, Snapshot};
use super::server::{Role as ServerRole, Server};
use super::tree::DataTree;
use super::{Cmd, GiveUp, Limit, Node, Note, Timer};

/// What the cluster checks and measures after every event. `Clone` and `Debug` for the
/// explorer (`crate::explore`): its checkpoints copy it, its state hash reads it.
#[derive(Clone, Debug)]
pub(crate) struct Watch {
    checker: Checker,
    latency: Latency,
}

impl Observer<Node> for Watch {
    fn after_event(&mut self, world: &World<Node>) {
        self.checker.check(world);
        self.latency.observe(world);
    }

    /// The established ZooKeeper leader, and the broker holding `/controller`: active once it
    /// has loaded the cluster state.
    fn roles(world: &World<Node>) -> Roles {
        let leader = world
            .resolve(&Target::Role(RoleRef::Leader))
            .and_then(|id| world.node(id).as_server().and_then(|s| s.established_epoch()).map(|e| (id, e)));
        let controller = world
            .resolve(&Target::Role(RoleRef::Controller))
            .and_then(|id| world.node(id).as_broker().and_then(|b| b.controller_epoch()).map(|e| (id, u64::from(e))));
        let active =
            controller.is_some_and(|(id, _)| world.node(id).as_broker().is_some_and(|b| b.is_active_controller()));
        Roles { leader, controller, active }
    }

    fn violations(&self) -> &[String] {
        &self.checker.violations
    }

    fn latency_ms(&self) -> &[u64] {
        &self.latency.done_ms
    }
}

pub struct Cluster {
    core: Core<Node, Watch>,
    config: Rc<Config>,
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
        let watch = Watch { checker, latency: Latency::new(&base.tree, base.applied_count) };
        let core = Core::new(world, watch, config.layout());
        Cluster { core, config }
    }

    pub fn world(&self) -> &World<Node> {
        &self.core.world
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn server(&self, sid: Sid) -> Option<&Server> {
        self.core.world.nodes().get(self.config.layout().quorum_node(sid)).and_then(|n| n.as_server())
    }

    pub fn broker(&self, id: BrokerId) -> Option<&Broker> {
        self.core.world.nodes().get(self.config.layout().broker_node(id)).and_then(|n| n.as_broker())
    }

    /// Schedule a raw world action (tests and the app's direct controls).
    pub fn schedule_action(&mut self, at: Time, action: Action<Cmd>) {
        self.core.world.schedule(at, action);
    }

    fn view_server(&self, id: NodeId, s: &Server) -> NodeView {
        let alive = self.core.world.is_alive(id);
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
        let read_limit = match &s.role {
            ServerRole::Following(f) => f.read_limit(),
            _ => Limit::InitLimit,
        };
        let timers = [
            (Timer::ElectionPoll, s.fle.interval_ms),
            (Timer::FinalizeWait, self.config.finalize_wait_ms),
            (Timer::PeerTimeout, tick * read_limit.ticks(&self.config).0),
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
        let alive = self.core.world.is_alive(id);
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
            self.core.world.timer_deadline(id, *t).map(|at| (Time(at.0.saturating_sub(length_ms * 1_000)), at))
        })
    }
}

impl ModeCluster for Cluster {
    type Node = Node;
    type Watch = Watch;
    const MODE: &'static str = "zk";

    fn core(&self) -> &Core<Node, Watch> {
        &self.core
    }

    fn core_mut(&mut self) -> &mut Core<Node, Watch> {
        &mut self.core
    }

    fn node_named(&self, prefix: NodePrefix, number: u32) -> Option<NodeId> {
        let layout = self.config.layout();
        match prefix {
            NodePrefix::Zk if (1..=self.config.servers() as u32).contains(&number) => {
                Some(layout.quorum_node(u64::from(number)))
            }
            NodePrefix::Broker if (1..=self.config.brokers as u32).contains(&number) => {
                Some(layout.broker_node(number))
            }
            NodePrefix::Zk | NodePrefix::Broker | NodePrefix::Controller => None,
        }
    }

    fn client_request(&self, action: &ScenarioAction) -> Result<Action<Cmd>, ActionError> {
        if self.config.brokers == 0 {
            return Err(ActionError::NotInThisMode);
        }
        let cmd = match action {
            // The admin path needs ZooKeeper, not the controller: the ZooKeeper leader writes
            // /brokers/topics/T, and the controller (now or once elected) creates the
            // partition states when its child watch fires.
            ScenarioAction::CreateTopic { name, partitions, replication_factor } => Cmd::CreateTopic {
                name: name.clone(),
                partitions: *partitions,
                replication_factor: *replication_factor,
            },
            // Like create-topic: `kafka-configs --zookeeper` needs ZooKeeper only. With no
            // established ZooKeeper leader at that moment the request is lost.
            ScenarioAction::AlterConfig { topic, key, value } => {
                Cmd::AlterConfig { topic: topic.clone(), key: key.clone(), value: value.clone() }
            }
            _ => return Err(ActionError::NotInThisMode),
        };
        Ok(Action::Client(Target::Role(RoleRef::Leader), cmd))
    }

    fn view(&self, id: NodeId, node: &Node) -> NodeView {
        match node {
            Node::Server(s) => self.view_server(id, s),
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
        self.core.summary("zk", nodes)
    }

    fn inspect(&self, node: NodeId, out: &mut Vec<String>) {
        out.clear();
        match self.core.world.nodes().get(node) {
            Some(Node::Server(server)) => inspect_server(server, out),
            Some(Node::Broker(broker)) => {
                inspect_broker(broker, self.core.world.is_alive(node), self.config.layout(), out)
            }
            None => {}
        }
    }
}

/// (setting, ticks, tickTime ms, ticks × tickTime ms) of `limit` in the running configuration.
fn limit_args(limit: Limit, config: &Config) -> Vec<String> {
    let (ticks, tick_ms) = limit.ticks(config);
    vec![limit.name().to_string(), ticks.to_string(), tick_ms.to_string(), (ticks * tick_ms).to_string()]
}

/// A note as a translatable key and its arguments (the app's i18n layer words them). The
/// timings a note states come from the running configuration, so a `set` line changes the words.
fn note_text(note: &Note, config: &Config) -> (&'static str, Vec<String>) {
    let (zk, layout) = (server_name, config.layout());
    match note {
        Note::ElectionRound { round } => ("zk.election_round", vec![round.to_string()]),
        // FLE: lookForLeader's finalize loop polls for finalizeWait before deciding.
        Note::Elected { leader, round } => {
            ("zk.elected", vec![zk(*leader), round.to_string(), config.finalize_wait_ms.to_string()])
        }
        // FLE: receivedFollowingNotification decides at once.
        Note::Joined { leader, round } => ("zk.joined", vec![zk(*leader), round.to_string()]),
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
        Note::GaveUp { reason: GiveUp::InitLimit } => ("zk.gave_up_init_limit", limit_args(Limit::InitLimit, config)),
        Note::GaveUp { reason: GiveUp::NotSynced } => ("zk.gave_up_not_synced", limit_args(Limit::SyncLimit, config)),
        Note::GaveUp { reason: GiveUp::FollowerAhead } => ("zk.gave_up_follower_ahead", vec![]),
        Note::LeaderTimeout { limit } => ("zk.leader_timeout", limit_args(*limit, config)),
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

    #[test]
    fn a_vote_switch_note_names_the_new_leader_and_the_deciding_step() {
        let text = |why| note_text(&Note::VoteSwitched { to: 3, why }, &Config::default());
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
    fn timings_in_the_words_come_from_the_running_configuration() {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let default = Config::default();
        let mut set = Config::default();
        for (key, value) in [("finalizeWait", "80"), ("tickTime", "3000"), ("initLimit", "4"), ("syncLimit", "2")] {
            set.apply_setting(key, value).unwrap();
        }
        // FLE: the finalize loop's wait; receivedFollowingNotification has none to state.
        let elected = Note::Elected { leader: 3, round: 2 };
        assert_eq!(note_text(&elected, &default), ("zk.elected", strings(&["zk3", "2", "200"])));
        assert_eq!(note_text(&elected, &set), ("zk.elected", strings(&["zk3", "2", "80"])));
        assert_eq!(note_text(&Note::Joined { leader: 3, round: 2 }, &set), ("zk.joined", strings(&["zk3", "2"])));
        // Which limit fired, in ticks, the tick, and their product.
        let timeout = |limit| note_text(&Note::LeaderTimeout { limit }, &set);
        assert_eq!(timeout(Limit::InitLimit), ("zk.leader_timeout", strings(&["initLimit", "4", "3000", "12000"])));
        assert_eq!(timeout(Limit::SyncLimit), ("zk.leader_timeout", strings(&["syncLimit", "2", "3000", "6000"])));
        let gave_up = |reason| note_text(&Note::GaveUp { reason }, &default);
        assert_eq!(
            gave_up(GiveUp::InitLimit),
            ("zk.gave_up_init_limit", strings(&["initLimit", "10", "2000", "20000"]))
        );
        assert_eq!(
            gave_up(GiveUp::NotSynced),
            ("zk.gave_up_not_synced", strings(&["syncLimit", "5", "2000", "10000"]))
        );
        assert_eq!(gave_up(GiveUp::FollowerAhead), ("zk.gave_up_follower_ahead", vec![]));
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
