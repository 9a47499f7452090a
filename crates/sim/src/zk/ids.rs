//! ZooKeeper mode's ids, converted in one place. A server is named by its `Sid` (`myid`,
//! 1-based: `zk1` is sid 1), a broker by its `BrokerId` (`broker.id`, 1-based: `b1` is 1), and
//! the world knows both by `NodeId` (0-based: the servers first, then the brokers; see
//! [`crate::layout`], which [`Config::layout`] gives for a cluster).

use crate::cluster::NodeKind;
use crate::layout::{self, Layout};
use crate::NodeId;

use super::config::Config;

/// A ZooKeeper server id (`myid`), 1-based: `zkN` has sid N.
pub type Sid = u64;
/// A Kafka broker id (`broker.id`), 1-based: `bN` has id N.
pub type BrokerId = u32;

/// The node id of server `sid` (sid ≥ 1).
pub fn node_of_sid(sid: Sid) -> NodeId {
    (sid - 1) as NodeId
}

/// The sid of the server at node id `node` (a server's node id is below `Config::servers`).
pub fn sid_of_node(node: NodeId) -> Sid {
    node as Sid + 1
}

/// `zk3`.
pub fn server_name(sid: Sid) -> String {
    layout::name(NodeKind::ZkServer, sid as u32)
}

/// `b2`.
pub fn broker_name(broker: BrokerId) -> String {
    layout::name(NodeKind::Broker, broker)
}

impl Config {
    /// Where this cluster's servers and brokers sit: `zk1..zkN` (voters, then observers), then
    /// `b1..bM`.
    pub fn layout(&self) -> Layout {
        Layout::zk(self.servers())
    }

    /// The node id of broker `id`, if this cluster has that broker.
    pub fn broker_node(&self, id: BrokerId) -> Option<NodeId> {
        (id >= 1 && id as usize <= self.brokers).then(|| self.layout().broker_node(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_and_broker_ids_map_to_node_ids_servers_first() {
        let cfg = Config { ensemble: 3, observers: 1, brokers: 2, ..Config::default() };
        assert_eq!((node_of_sid(1), node_of_sid(4), sid_of_node(3)), (0, 3, 4));
        assert_eq!(cfg.layout().broker_node(1), 4);
        assert_eq!((server_name(4), broker_name(2), cfg.layout().name(5)), ("zk4".into(), "b2".into(), "b2".into()));
    }
}
