//! Where each process sits in a world and what it is called, in both modes, in one place.
//!
//! A world's node ids (`NodeId`, 0-based indices) hold the quorum's nodes first (KRaft
//! controllers `c1..cN`, or ZooKeeper servers `zk1..zkN` with the observers last), then the
//! brokers `b1..bM`. People and the protocols number nodes from 1 (a ZooKeeper server's sid is
//! its number, a ZooKeeper-mode broker's `broker.id` is its number): [`Layout`] converts, and
//! [`name`] is the one function that spells a node's name.

use crate::cluster::NodeKind;
use crate::NodeId;

/// `c2`, `zk3`, `b1`: the name of the `number`th (1-based) node of a kind.
pub fn name(kind: NodeKind, number: u32) -> String {
    let prefix = match kind {
        NodeKind::Controller => "c",
        NodeKind::ZkServer => "zk",
        NodeKind::Broker => "b",
    };
    format!("{prefix}{number}")
}

/// The quorum's nodes, then the brokers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// How many quorum nodes come first (KRaft controllers, or ZooKeeper servers with observers).
    pub quorum: usize,
    pub quorum_kind: NodeKind,
}

impl Layout {
    /// KRaft mode: controllers `c1..`, then brokers.
    pub const fn kraft(controllers: usize) -> Layout {
        Layout { quorum: controllers, quorum_kind: NodeKind::Controller }
    }

    /// ZooKeeper mode: servers `zk1..` (voters, then observers), then brokers.
    pub const fn zk(servers: usize) -> Layout {
        Layout { quorum: servers, quorum_kind: NodeKind::ZkServer }
    }

    /// What node `id` is, and its 1-based number among its kind.
    pub fn kind_and_number(self, id: NodeId) -> (NodeKind, u32) {
        if id < self.quorum {
            (self.quorum_kind, id as u32 + 1)
        } else {
            (NodeKind::Broker, (id - self.quorum) as u32 + 1)
        }
    }

    /// `c1`, `zk2`, `b3`.
    pub fn name(self, id: NodeId) -> String {
        let (kind, number) = self.kind_and_number(id);
        name(kind, number)
    }

    /// The node id of quorum node `number` (1-based; 0 gives an id no node has).
    pub fn quorum_node(self, number: u64) -> NodeId {
        (number as NodeId).wrapping_sub(1)
    }

    /// The node id of broker `number` (1-based; 0 gives the last quorum node's id, which holds
    /// no broker).
    pub fn broker_node(self, number: u32) -> NodeId {
        self.quorum.wrapping_add((number as NodeId).wrapping_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_numbers_and_names_round_trip_in_both_modes() {
        let kraft = Layout::kraft(3);
        assert_eq!((0..5).map(|id| kraft.name(id)).collect::<Vec<_>>(), ["c1", "c2", "c3", "b1", "b2"]);
        assert_eq!(kraft.broker_node(2), 4);
        let zk = Layout::zk(5);
        assert_eq!(zk.name(4), "zk5");
        assert_eq!(zk.name(5), "b1");
        assert_eq!((zk.quorum_node(5), zk.broker_node(1)), (4, 5));
        assert_eq!(zk.kind_and_number(6), (NodeKind::Broker, 2));
        // Number 0 names no node of its kind.
        assert_eq!(zk.quorum_node(0), NodeId::MAX);
        assert_eq!(zk.kind_and_number(zk.broker_node(0)).0, NodeKind::ZkServer);
    }
}
