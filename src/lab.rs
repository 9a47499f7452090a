//! The simulation as the page holds it: the cluster (outside the reactive graph), what the
//! person did to it, and per-frame scratch buffers reused to avoid allocating each frame.

use quorumlab_sim::cluster::{Cluster, FlightView, NodeKind, NodeView, Role};
use quorumlab_sim::scenario::{NodePrefix, NodeRef, ScenarioAction};
use quorumlab_sim::setup::{build, Setup, SetupError};
use quorumlab_sim::{MsgClass, Time};

/// Most events one frame may process (a cap, so a frame can never hang the page).
pub const MAX_EVENTS_PER_FRAME: usize = 50_000;
/// Display speed while election messages fly, so a person can follow them.
pub const SLOW_MOTION_SPEED: f64 = 0.02;

pub struct Lab {
    pub cluster: Box<dyn Cluster>,
    pub setup: Setup,
    pub views: Vec<NodeView>,
    pub flights: Vec<FlightView>,
    /// Actions the person took, with when: (time, action), for narration and permalinks.
    pub actions: Vec<(Time, ScenarioAction)>,
    /// Virtual time not yet applied (sub-microsecond remainders of frame steps).
    carry_us: f64,
}

impl Lab {
    pub fn new(setup: Setup) -> Result<Lab, SetupError> {
        let cluster = build(&setup)?;
        let mut lab =
            Lab { cluster, setup, views: Vec::new(), flights: Vec::new(), actions: Vec::new(), carry_us: 0.0 };
        lab.refresh();
        Ok(lab)
    }

    /// Re-read node views and in-flight messages after the world moved.
    pub fn refresh(&mut self) {
        self.views = self.cluster.node_views();
        self.cluster.flights(&mut self.flights);
    }

    /// True when messages of an election are in flight: the app slows down for them.
    pub fn election_in_flight(&self) -> bool {
        self.flights.iter().any(|f| {
            matches!(
                f.class,
                MsgClass::PreVote | MsgClass::Vote | MsgClass::BeginEpoch | MsgClass::EndEpoch | MsgClass::Notification
            )
        })
    }

    /// Advance virtual time by `virtual_us` (fractional parts carry over to the next frame).
    pub fn advance(&mut self, virtual_us: f64) {
        let total = self.carry_us + virtual_us.max(0.0);
        let whole = total.floor();
        self.carry_us = total - whole;
        if whole >= 1.0 {
            let until = self.cluster.now().plus_us(whole as u64);
            self.cluster.run_until(until, MAX_EVENTS_PER_FRAME);
            self.refresh();
        }
    }

    /// Crash a live node or restart a dead one, now. Returns the action taken.
    pub fn toggle(&mut self, id: usize) -> Option<ScenarioAction> {
        let view = self.views.get(id)?;
        let prefix = match view.kind {
            NodeKind::Controller => NodePrefix::Controller,
            NodeKind::ZkServer => NodePrefix::Zk,
            NodeKind::Broker => NodePrefix::Broker,
        };
        let node = NodeRef::Named { prefix, number: view.number };
        let action = if view.alive { ScenarioAction::Crash(node) } else { ScenarioAction::Restart(node) };
        let now = self.cluster.now();
        self.cluster.schedule(now, &action).ok()?;
        // Apply it at once, even while paused.
        self.cluster.run_until(now, MAX_EVENTS_PER_FRAME);
        self.actions.push((now, action.clone()));
        self.refresh();
        Some(action)
    }

    pub fn leader(&self) -> Option<&NodeView> {
        self.views.iter().find(|v| v.alive && matches!(v.role, Role::Leader | Role::Leading))
    }
}
