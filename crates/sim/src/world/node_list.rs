//! [`NodeList`]: a partition's replicas or ISR, a quorum's voters, kept inline.

use std::cmp::Ordering;
use std::fmt::Debug;
use std::hash::Hash;

use crate::NodeId;

/// A short list of node ids (a partition's replicas or ISR, a quorum's voters: at most
/// [`NodeList::CAPACITY`]) inside anything that is hashed into the trace, kept inline: a
/// partition record or state holds two of them, and two million partitions must not mean four
/// million small allocations on every node. Hashed as the `Vec<u64>` it stands for (length,
/// then each id as a u64): never put a `Vec<usize>` (or `[usize; N]`) in a message, since `Hash`
/// for `[usize]` writes raw memory, 4 bytes per id on wasm32 and 8 on x86_64, so the browser's
/// trace hash would differ from the CLI's.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeList {
    len: u8,
    ids: [u16; NodeList::CAPACITY],
}

impl NodeList {
    /// Most ids a list holds: the largest replication factor (7) and quorum (5).
    pub const CAPACITY: usize = 7;

    /// The list of `ids`. Panics past [`NodeList::CAPACITY`] ids or on an id above `u16::MAX`:
    /// the engine never builds one (replication factor ≤ 7, at most 5 voters, node ids < 4,000).
    pub fn from_slice(ids: &[NodeId]) -> NodeList {
        assert!(ids.len() <= NodeList::CAPACITY, "a NodeList holds at most {} ids", NodeList::CAPACITY);
        let mut list = NodeList::default();
        for id in ids {
            list.push(*id);
        }
        list
    }

    fn push(&mut self, id: NodeId) {
        let id = u16::try_from(id).expect("node ids fit in 16 bits");
        self.ids[self.len as usize] = id;
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = NodeId> + ExactSizeIterator + '_ {
        self.ids[..self.len as usize].iter().map(|id| *id as NodeId)
    }

    pub fn contains(&self, id: NodeId) -> bool {
        self.iter().any(|x| x == id)
    }

    pub fn first(&self) -> Option<NodeId> {
        self.iter().next()
    }

    pub fn to_vec(&self) -> Vec<NodeId> {
        self.iter().collect()
    }

    /// Whether this list holds exactly `ids`, in order.
    pub fn is(&self, ids: &[NodeId]) -> bool {
        self.iter().eq(ids.iter().copied())
    }
}

impl Hash for NodeList {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.len() as u64);
        for id in self.iter() {
            state.write_u64(id as u64);
        }
    }
}

impl Debug for NodeList {
    /// As the `NodeList(Vec<NodeId>)` it replaced printed itself (trace details, the explorer).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("NodeList").field(&self.to_vec()).finish()
    }
}

impl PartialOrd for NodeList {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for NodeList {
    /// Lexicographic, as `Vec<NodeId>` orders.
    fn cmp(&self, other: &Self) -> Ordering {
        self.iter().cmp(other.iter())
    }
}

impl From<Vec<NodeId>> for NodeList {
    fn from(v: Vec<NodeId>) -> NodeList {
        NodeList::from_slice(&v)
    }
}

impl From<&[NodeId]> for NodeList {
    fn from(v: &[NodeId]) -> NodeList {
        NodeList::from_slice(v)
    }
}
