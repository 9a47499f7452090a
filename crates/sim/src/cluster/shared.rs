//! What both modes' clusters share, written once: a world, what its mode checks after every
//! event ([`Core`], [`Observer`]), who held which role when and the time without an active
//! controller ([`RoleWatch`], [`Downtime`]), and every [`Cluster`] method that only reads them (a
//! blanket impl over [`ModeCluster`], the few things each mode says for itself).

use super::{ActionError, Cluster, FlightView, Gaps, NodeView, NoteView};
#[cfg(feature = "summary")]
use crate::hash::hex;
use crate::layout::Layout;
use crate::scenario::{NodePrefix, NodeRef, ScenarioAction};
use crate::summary::HistoryPoint;
#[cfg(feature = "summary")]
use crate::summary::{NodeSummary, Summary};
use crate::time::Time;
use crate::world::{self, Action, RoleRef, RunStop, Target, TraceRecord, World, MSG_CLASSES};
use crate::NodeId;

/// What a mode checks and measures after every event: its invariant checker and the
/// metadata-change latency. It only reads the world, so it cannot change a run.
pub(crate) trait Observer<N: world::Node> {
    /// After every event.
    fn after_event(&mut self, world: &World<N>);
    /// Who holds the roles now, as this mode defines them.
    fn roles(world: &World<N>) -> Roles;
    /// Invariant violations seen so far.
    fn violations(&self) -> &[String];
    /// Metadata-change latencies measured so far, in ms, oldest first.
    fn latency_ms(&self) -> &[u64];
}

/// Who holds the roles both modes have, at one moment.
pub(crate) struct Roles {
    /// The quorum leader (KRaft's leader, ZooKeeper's established leader) and its epoch.
    pub(crate) leader: Option<(NodeId, u64)>,
    /// The Kafka controller and its controller epoch (in KRaft, the quorum leader).
    pub(crate) controller: Option<(NodeId, u64)>,
    /// Whether that controller is active (ZooKeeper mode: it has also loaded the cluster state).
    pub(crate) active: bool,
}

/// Who held which role when, and the time without an active controller.
#[derive(Clone)]
pub(crate) struct RoleWatch {
    downtime: Downtime,
    leaders: RoleHistory,
    controllers: RoleHistory,
    layout: Layout,
}

impl RoleWatch {
    fn observe<N: world::Node, O: Observer<N>>(&mut self, world: &World<N>) {
        let Roles { leader, controller, active } = O::roles(world);
        let now = world.now();
        self.downtime.observe(now, active);
        self.leaders.observe(now, leader, self.layout);
        self.controllers.observe(now, controller, self.layout);
    }
}

/// A world, what its mode checks after every event, and who held which role when. A copy
/// (the explorer's checkpoints) goes on exactly as the original would.
#[derive(Clone)]
pub(crate) struct Core<N: world::Node, O> {
    pub(crate) world: World<N>,
    pub(crate) watch: O,
    pub(crate) roles: RoleWatch,
}

impl<N: world::Node, O: Observer<N>> Core<N, O> {
    /// `layout` names the nodes in the role histories.
    pub(crate) fn new(world: World<N>, watch: O, layout: Layout) -> Core<N, O> {
        let roles = RoleWatch {
            downtime: Downtime::default(),
            leaders: RoleHistory::default(),
            controllers: RoleHistory::default(),
            layout,
        };
        let mut core = Core { world, watch, roles };
        core.roles.observe::<N, O>(&core.world);
        core
    }

    fn run_until(&mut self, until: Time, max_events: usize) -> RunStop {
        let (watch, roles) = (&mut self.watch, &mut self.roles);
        let stop = self.world.run_until(until, max_events, |w| {
            watch.after_event(w);
            roles.observe::<N, O>(w);
        });
        // The clock may have moved on past the last event.
        self.roles.observe::<N, O>(&self.world);
        stop
    }

    fn step_one(&mut self) -> bool {
        let stepped = self.world.step_one();
        if stepped {
            self.watch.after_event(&self.world);
            self.roles.observe::<N, O>(&self.world);
        }
        stepped
    }

    /// The summary, from the nodes as the mode describes them.
    #[cfg(feature = "summary")]
    pub(crate) fn summary(&self, mode: &'static str, nodes: Vec<NodeSummary>) -> Summary {
        Summary {
            mode,
            seed: self.world.seed(),
            end_ms: self.world.now().as_ms(),
            trace_hash: hex(self.world.trace_hash()),
            events: self.world.events_processed(),
            violations: self.watch.violations().to_vec(),
            controller_history: self.roles.controllers.points.clone(),
            quorum_leader_history: self.roles.leaders.points.clone(),
            nodes,
            messages_by_type: self.world.messages_sent().iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            ms_without_controller: self.roles.downtime.ms_without(self.world.now()),
            metadata_change_latency_ms: self.watch.latency_ms().to_vec(),
        }
    }
}

/// What a mode's cluster says for itself; [`Cluster`] does the rest.
pub(crate) trait ModeCluster {
    type Node: world::Node;
    type Watch: Observer<Self::Node>;
    /// `kraft`, `zk`.
    const MODE: &'static str;

    fn core(&self) -> &Core<Self::Node, Self::Watch>;
    fn core_mut(&mut self) -> &mut Core<Self::Node, Self::Watch>;
    /// The node a scenario names `c2`, `zk1`, `b3`, if this cluster has it.
    fn node_named(&self, prefix: NodePrefix, number: u32) -> Option<NodeId>;
    /// What an admin client's request (`create-topic`, `alter-config`) becomes here: where it
    /// goes differs between the modes.
    fn client_request(&self, action: &ScenarioAction) -> Result<Action<Cmd<Self>>, ActionError>;
    fn view(&self, id: NodeId, node: &Self::Node) -> NodeView;
    /// A note as a translatable key and its arguments (the app's i18n layer words them).
    fn note_text(&self, note: &<Self::Node as world::Node>::Note) -> (&'static str, Vec<String>);
    #[cfg(feature = "summary")]
    fn summary(&self) -> Summary;
    fn inspect(&self, node: NodeId, out: &mut Vec<String>);

    /// Who a scenario's node name means: a node, or a role resolved when the action fires.
    fn target(&self, node: &NodeRef) -> Result<Target, ActionError> {
        match node {
            NodeRef::Leader => Ok(Target::Role(RoleRef::Leader)),
            NodeRef::Controller => Ok(Target::Role(RoleRef::Controller)),
            NodeRef::Named { prefix, number } => {
                self.node_named(*prefix, *number).map(Target::Node).ok_or_else(|| ActionError::NoSuchNode(node.clone()))
            }
        }
    }

    /// What a scenario action does in this cluster, or why it cannot be taken here.
    fn action_for(&self, action: &ScenarioAction) -> Result<Action<Cmd<Self>>, ActionError> {
        Ok(match action {
            ScenarioAction::Crash(n) => Action::Crash(self.target(n)?),
            ScenarioAction::Restart(n) => Action::Restart(self.target(n)?),
            ScenarioAction::Shutdown(n) => Action::Shutdown(self.target(n)?),
            ScenarioAction::Partition(sides) => {
                let mut groups = Vec::with_capacity(sides.len());
                for side in sides {
                    let mut group = Vec::with_capacity(side.len());
                    for n in side {
                        match self.target(n)? {
                            Target::Node(id) => group.push(id),
                            // A partition cuts named nodes, not roles.
                            Target::Role(_) => return Err(ActionError::NotInThisMode),
                        }
                    }
                    groups.push(group);
                }
                Action::Partition(groups)
            }
            ScenarioAction::Heal => Action::Heal,
            ScenarioAction::LossPerMille(p) => Action::LossPerMille(*p),
            ScenarioAction::DelayUs(us) => Action::DelayUs(*us),
            ScenarioAction::CreateTopic { .. } | ScenarioAction::AlterConfig { .. } => self.client_request(action)?,
        })
    }
}

/// The client commands of a mode's nodes.
pub(crate) type Cmd<M> = <<M as ModeCluster>::Node as world::Node>::Cmd;

impl<M: ModeCluster + 'static> Cluster for M {
    fn mode(&self) -> &'static str {
        M::MODE
    }
    fn seed(&self) -> u64 {
        self.core().world.seed()
    }
    fn now(&self) -> Time {
        self.core().world.now()
    }
    fn trace_hash(&self) -> u64 {
        self.core().world.trace_hash()
    }
    fn events_processed(&self) -> u64 {
        self.core().world.events_processed()
    }
    fn last_event_at(&self) -> Time {
        self.core().world.last_event_at()
    }
    fn run_until(&mut self, until: Time, max_events: usize) -> RunStop {
        self.core_mut().run_until(until, max_events)
    }
    fn step_one(&mut self) -> bool {
        self.core_mut().step_one()
    }
    fn next_event_time(&self) -> Option<Time> {
        self.core().world.next_event_time()
    }
    fn schedule(&mut self, at: Time, action: &ScenarioAction) -> Result<(), ActionError> {
        let action = self.action_for(action)?;
        self.core_mut().world.schedule(at, action);
        Ok(())
    }
    fn check(&self, action: &ScenarioAction) -> Result<(), ActionError> {
        self.action_for(action).map(drop)
    }
    fn violations(&self) -> &[String] {
        self.core().watch.violations()
    }
    #[cfg(feature = "summary")]
    fn summary(&self) -> Summary {
        ModeCluster::summary(self)
    }
    fn ms_without_controller(&self) -> u64 {
        let core = self.core();
        core.roles.downtime.ms_without(core.world.now())
    }
    fn controller_gaps(&self) -> (Option<u64>, Option<u64>) {
        let core = self.core();
        core.roles.downtime.gaps.ms(core.world.now())
    }
    fn last_metadata_latency_ms(&self) -> Option<u64> {
        self.core().watch.latency_ms().last().copied()
    }
    fn metadata_latencies_ms(&self) -> &[u64] {
        self.core().watch.latency_ms()
    }
    fn sent_by_class(&self) -> [u64; MSG_CLASSES] {
        self.core().world.sent_by_class()
    }
    fn node_views(&self) -> Vec<NodeView> {
        self.core().world.nodes().iter().enumerate().map(|(id, node)| self.view(id, node)).collect()
    }
    fn flights(&self, out: &mut Vec<FlightView>) {
        self.core().world.flights(out);
    }
    fn landed(&mut self, out: &mut Vec<FlightView>) {
        self.core_mut().world.take_landed(out);
    }
    fn partition_sides(&self) -> Vec<u8> {
        self.core().world.partition_sides()
    }
    fn record_trace(&mut self) {
        self.core_mut().world.record_trace();
    }
    fn trace_records(&self) -> &[TraceRecord] {
        self.core().world.trace()
    }
    fn notes(&self, since: u64, out: &mut Vec<NoteView>) {
        for (index, n) in self.core().world.notes_since(since) {
            let (key, args) = self.note_text(&n.note);
            out.push(NoteView { at: n.at, node: n.node, index, key, args });
        }
    }
    fn notes_total(&self) -> u64 {
        self.core().world.notes_total()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Time without an active controller: the total so far, and the stopwatch of the gaps.
#[derive(Clone, Debug, Default)]
struct Downtime {
    without_us: u64,
    /// Whether a controller was active at the last observation.
    active: bool,
    last_at: Time,
    gaps: Gaps,
}

impl Downtime {
    /// After each event: whether a controller is active now. The time since the last
    /// observation counts as without one if none was active then.
    fn observe(&mut self, now: Time, active: bool) {
        if !self.active {
            self.without_us += now.since(self.last_at);
        }
        self.last_at = now;
        self.active = active;
        self.gaps.observe(now, active);
    }

    /// Whole ms without an active controller up to `now`.
    fn ms_without(&self, now: Time) -> u64 {
        let mut without = self.without_us;
        if !self.active {
            without += now.since(self.last_at);
        }
        without / 1_000
    }
}

/// Who held a role when: a point each time the holder (node and epoch) changes, starting with
/// the first observation.
#[derive(Clone, Debug, Default)]
struct RoleHistory {
    points: Vec<HistoryPoint>,
    current: Option<(NodeId, u64)>,
    started: bool,
}

impl RoleHistory {
    /// `holder` holds the role now (node and epoch).
    fn observe(&mut self, now: Time, holder: Option<(NodeId, u64)>, layout: Layout) {
        if holder != self.current || !self.started {
            self.started = true;
            self.current = holder;
            self.points.push(HistoryPoint {
                t_ms: now.as_ms(),
                node: holder.map(|(id, _)| layout.name(id)),
                epoch: holder.map_or(0, |(_, e)| e),
            });
        }
    }
}
