//! What the explorer needs of each mode: building its cluster from a plan, and which of its
//! timers are election timeouts the explorer may choose.

use std::fmt::Debug;

use super::Plan;
use crate::cluster::ModeCluster;
use crate::kraft::{self, KraftCluster};
use crate::world;
use crate::zk;

/// A mode's cluster the explorer can drive: copied (its core) and hashed (`Debug`).
pub(crate) trait Explorable: ModeCluster + Sized {
    fn build(plan: &Plan) -> Self;
    /// Whether the explorer chooses this timer's deadline among the plan's election timeouts.
    fn is_election_timer(timer: &<Self::Node as world::Node>::Timer) -> bool;
}

/// The bounds every explored mode meets (the state hash reads the nodes and the checker by
/// their `Debug` text; checkpoints copy them).
pub(crate) trait Copyable: Explorable<Node = Self::N, Watch = Self::W> {
    type N: world::Node + Clone + Debug;
    type W: crate::cluster::Observer<Self::N> + Clone + Debug;
}

impl<M> Copyable for M
where
    M: Explorable,
    M::Node: Clone + Debug,
    M::Watch: Clone + Debug,
{
    type N = M::Node;
    type W = M::Watch;
}

impl Explorable for KraftCluster {
    fn build(plan: &Plan) -> Self {
        let config = kraft::Config {
            controllers: plan.quorum,
            brokers: plan.brokers,
            partitions: 0,
            ..kraft::Config::default()
        };
        KraftCluster::new(plan.seed, config)
    }

    fn is_election_timer(timer: &kraft::Timer) -> bool {
        *timer == kraft::Timer::Election
    }
}

impl Explorable for zk::Cluster {
    fn build(plan: &Plan) -> Self {
        let config =
            zk::Config { ensemble: plan.quorum, brokers: plan.brokers, partitions: 0, ..zk::Config::default() };
        zk::Cluster::new(plan.seed, config)
    }

    /// FLE has no random election timeout: its races are in the order of its notifications.
    fn is_election_timer(_timer: &zk::Timer) -> bool {
        false
    }
}
