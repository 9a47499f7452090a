//! A KRaft cluster: the world of controllers (and brokers), its invariant checker, role
//! histories and metrics; what the CLI and the app drive.

use super::check::Checker;
use super::controller::{Controller, State};
use super::{Config, Node, Note, Timer};
use crate::cluster::{ActionError, Cluster, FlightView, NodeKind, NodeView, NoteView, Role};
use crate::hash::hex;
use crate::scenario::{NodePrefix, NodeRef, ScenarioAction};
use crate::summary::{HistoryPoint, NodeSummary, Summary};
use crate::time::Time;
use crate::world::{Action, Message, RoleRef, RunStop, Target, TraceRecord, World};
use crate::NodeId;

pub struct KraftCluster {
    world: World<Node>,
    config: Config,
    checker: Checker,
    history: History,
}

/// Who led when: recorded after every event.
#[derive(Clone, Debug, Default)]
struct History {
    leader: Vec<HistoryPoint>,
    current: Option<(NodeId, u64)>,
    started: bool,
    without_leader_us: u64,
    last_at: Time,
}

impl History {
    fn observe(&mut self, world: &World<Node>) {
        let now = world.now();
        if self.current.is_none() {
            self.without_leader_us += now.since(self.last_at);
        }
        self.last_at = now;
        let leader = world.resolve(&Target::Role(RoleRef::Leader)).map(|id| {
            let Node::Controller(c) = world.node(id);
            (id, c.epoch)
        });
        if leader != self.current || !self.started {
            self.started = true;
            self.current = leader;
            self.leader.push(HistoryPoint {
                t_ms: now.as_ms(),
                node: leader.map(|(id, _)| format!("c{}", id + 1)),
                epoch: leader.map_or(0, |(_, e)| e),
            });
        }
    }
}

impl KraftCluster {
    pub fn new(seed: u64, config: Config) -> KraftCluster {
        let controllers = config.controllers.clamp(1, 9);
        let voters: Vec<NodeId> = (0..controllers).collect();
        let nodes = voters
            .iter()
            .map(|&id| Node::Controller(Controller::new(id, voters.clone(), config.clone(), seed)))
            .collect();
        let world = World::new(seed, nodes, config.net.clone());
        let mut cluster =
            KraftCluster { checker: Checker::new(controllers), world, config, history: History::default() };
        cluster.history.observe(&cluster.world);
        cluster
    }

    pub fn world(&self) -> &World<Node> {
        &self.world
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn controller(&self, id: NodeId) -> Option<&Controller> {
        match self.world.nodes().get(id) {
            Some(Node::Controller(c)) => Some(c),
            None => None,
        }
    }

    fn target(&self, node: &NodeRef) -> Result<Target, ActionError> {
        match node {
            NodeRef::Leader => Ok(Target::Role(RoleRef::Leader)),
            NodeRef::Controller => Ok(Target::Role(RoleRef::Controller)),
            NodeRef::Named { prefix: NodePrefix::Controller, number } => {
                let index = (*number as usize).wrapping_sub(1);
                if index < self.config.controllers.min(self.world.nodes().len()) {
                    Ok(Target::Node(index))
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
            number: id as u32 + 1,
            role,
            alive,
            epoch: c.epoch,
            log_end: c.log.end_offset(),
            committed: c.high_watermark,
            last_zxid: None,
            vote,
            is_controller: alive && c.is_leader(),
            timer,
        }
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

    fn run_until(&mut self, until: Time, max_events: usize) -> RunStop {
        let checker = &mut self.checker;
        let history = &mut self.history;
        let stop = self.world.run_until(until, max_events, |w| {
            checker.after_event(w);
            history.observe(w);
        });
        self.history.observe(&self.world);
        stop
    }

    fn step_one(&mut self) -> bool {
        let stepped = self.world.step_one();
        if stepped {
            self.checker.after_event(&self.world);
            self.history.observe(&self.world);
        }
        stepped
    }

    fn next_event_time(&self) -> Option<Time> {
        self.world.next_event_time()
    }

    fn schedule(&mut self, at: Time, action: &ScenarioAction) -> Result<(), ActionError> {
        let action = match action {
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
            ScenarioAction::CreateTopic { .. } => return Err(ActionError::NotInThisMode),
        };
        self.world.schedule(at, action);
        Ok(())
    }

    fn violations(&self) -> &[String] {
        &self.checker.violations
    }

    fn summary(&self) -> Summary {
        let nodes = self
            .world
            .nodes()
            .iter()
            .enumerate()
            .map(|(id, node)| {
                let Node::Controller(c) = node;
                let view = self.view_controller(id, c);
                NodeSummary {
                    id: view.name(),
                    role: view.role.slug().to_string(),
                    alive: view.alive,
                    epoch: c.epoch,
                    log_end_offset: Some(c.log.end_offset()),
                    high_watermark: Some(c.high_watermark),
                    last_zxid: None,
                }
            })
            .collect();
        let mut without = self.history.without_leader_us;
        if self.history.current.is_none() {
            without += self.world.now().since(self.history.last_at);
        }
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
            ms_without_controller: without / 1_000,
            metadata_change_latency_ms: Vec::new(),
        }
    }

    fn node_views(&self) -> Vec<NodeView> {
        self.world
            .nodes()
            .iter()
            .enumerate()
            .map(|(id, node)| {
                let Node::Controller(c) = node;
                self.view_controller(id, c)
            })
            .collect()
    }

    fn flights(&self, out: &mut Vec<FlightView>) {
        out.clear();
        out.extend(self.world.in_flight().map(|f| FlightView {
            from: f.from,
            to: f.to,
            class: f.msg.class(),
            label: f.msg.label(),
            is_response: f.msg.is_response(),
            sent_at: f.sent_at,
            deliver_at: f.deliver_at,
        }));
    }

    fn partition_sides(&self) -> Vec<u8> {
        (0..self.world.nodes().len()).map(|id| self.world.net.side_of(id)).collect()
    }

    fn record_trace(&mut self) {
        self.world.record_trace();
    }

    fn trace_records(&self) -> &[TraceRecord] {
        self.world.trace()
    }

    fn notes(&self, since: u64, out: &mut Vec<NoteView>) {
        let total = self.world.notes_total();
        let kept = self.world.notes().count() as u64;
        let first_index = total - kept;
        for (i, n) in self.world.notes().enumerate() {
            let index = first_index + i as u64;
            if index < since {
                continue;
            }
            let (key, args) = note_text(&n.note, self.config.fetch_timeout_ms);
            out.push(NoteView { at: n.at, node: n.node, index, key, args });
        }
    }

    fn notes_total(&self) -> u64 {
        self.world.notes_total()
    }
}

fn name(id: NodeId) -> String {
    format!("c{}", id + 1)
}

/// A note as a translatable key and its arguments (the app's i18n layer words them).
fn note_text(note: &Note, fetch_timeout_ms: u64) -> (&'static str, Vec<String>) {
    match note {
        Note::Started { epoch } => ("kraft.started", vec![epoch.to_string()]),
        Note::FetchTimeout { epoch } => ("kraft.fetch_timeout", vec![fetch_timeout_ms.to_string(), epoch.to_string()]),
        Note::BecameProspective { epoch } => ("kraft.prospective", vec![epoch.to_string()]),
        Note::PreVoteLost { epoch } => ("kraft.prevote_lost", vec![epoch.to_string()]),
        Note::BecameCandidate { epoch } => ("kraft.candidate", vec![epoch.to_string()]),
        Note::ElectionTimedOut { epoch } => ("kraft.election_timeout", vec![epoch.to_string()]),
        Note::BecameLeader { epoch } => ("kraft.leader", vec![epoch.to_string()]),
        Note::BecameFollower { epoch, leader } => ("kraft.follower", vec![name(*leader), epoch.to_string()]),
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
            (key, vec![name(*candidate), epoch.to_string()])
        }
        Note::Truncated { to_offset, dropped } => ("kraft.truncated", vec![dropped.to_string(), to_offset.to_string()]),
    }
}
