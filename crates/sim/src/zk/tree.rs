//! The ZooKeeper data tree (`DataTree.java`): znodes with stats and versions, sessions and their
//! ephemeral znodes, and the watch triggers each change causes.
//!
//! Every server applies the same committed transactions in the same order, so version checks
//! are evaluated here, when a transaction is applied, identically everywhere. (ZooKeeper checks
//! them earlier, in the leader's `PrepRequestProcessor`, and logs failed requests as error
//! transactions; the outcome the client sees is the same.)
//!
//! Kafka's partition `state` znodes are kept in a compact table per topic rather than as general
//! znodes, so that a million partitions fit in memory five times over; they behave as persistent
//! znodes with a zkVersion and an mzxid.

use crate::sorted::{SortedMap, SortedSet};
use std::cell::RefCell;
use std::rc::{Rc, Weak};

use super::msg::{
    Data, EventType, Op, OpResult, PartState, ReadOp, StateUpdate, Txn, TxnBody, ZkError, ZkResult, Zxid,
};

/// `StatPersisted`, the fields the model uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Stat {
    pub czxid: Zxid,
    pub mzxid: Zxid,
    pub pzxid: Zxid,
    pub version: u32,
    pub cversion: u32,
    /// Session id owning an ephemeral znode, 0 for persistent ones.
    pub ephemeral_owner: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Znode {
    pub data: Data,
    pub stat: Stat,
    pub children: SortedSet<String>,
}

/// A partition state znode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct StateZnode {
    pub state: PartState,
    pub version: u32,
    pub mzxid: Zxid,
}

/// One topic's partition state znodes, in chunks of [`StateTable::CHUNK`] shared copy on
/// write: every server's tree holds the same states, and a transaction that changes some of them
/// gives the same new chunks on every server, built once (`StateMemo`). So two million state
/// znodes on three servers are about one copy, not three, and a write copies only its chunks.
#[derive(Clone, Default)]
pub struct StateTable {
    chunks: Vec<Rc<Vec<StateZnode>>>,
    len: usize,
}

impl StateTable {
    pub const CHUNK: usize = 1024;

    fn from_states(states: impl Iterator<Item = StateZnode>) -> StateTable {
        let mut chunks = Vec::new();
        let mut len = 0;
        let mut chunk = Vec::with_capacity(Self::CHUNK);
        for z in states {
            chunk.push(z);
            len += 1;
            if chunk.len() == Self::CHUNK {
                chunks.push(Rc::new(std::mem::replace(&mut chunk, Vec::with_capacity(Self::CHUNK))));
            }
        }
        if !chunk.is_empty() {
            chunks.push(Rc::new(chunk));
        }
        StateTable { chunks, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, partition: usize) -> Option<&StateZnode> {
        self.chunks.get(partition / Self::CHUNK)?.get(partition % Self::CHUNK)
    }

    pub fn iter(&self) -> impl Iterator<Item = &StateZnode> {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// The states of partitions `from..to` (clamped).
    pub fn range(&self, from: usize, to: usize) -> Vec<StateZnode> {
        let to = to.min(self.len);
        (from.min(to)..to).filter_map(|p| self.get(p).copied()).collect()
    }

    /// Apply `updates` (a SetStates of transaction `zxid`), as each server does: an update whose
    /// expected version does not match, or of a partition that does not exist, fails. The chunks
    /// it changes are taken from `memo` when another server already applied this transaction to
    /// the same chunk; otherwise built and left there.
    fn set(&mut self, updates: &[StateUpdate], zxid: Zxid, memo: &RefCell<Vec<StateMemo>>, failed: &mut Vec<u32>) {
        let mut start = 0;
        while start < updates.len() {
            let chunk = updates[start].partition as usize / Self::CHUNK;
            let run = updates[start..].iter().take_while(|u| u.partition as usize / Self::CHUNK == chunk).count();
            let part = &updates[start..start + run];
            match self.chunks.get_mut(chunk) {
                None => failed.extend(part.iter().map(|u| u.partition)),
                Some(slot) => {
                    let found = memo
                        .borrow()
                        .iter()
                        .filter(|m| m.is_for(zxid, start, slot))
                        .find_map(|m| Some((m.output.upgrade()?, m.failed.clone())));
                    let (output, run_failed) = found.unwrap_or_else(|| {
                        let mut states = (**slot).clone();
                        let mut run_failed = Vec::new();
                        for u in part {
                            match states.get_mut(u.partition as usize % Self::CHUNK) {
                                Some(z) if z.version == u.expected_version => {
                                    z.state = u.state;
                                    z.version += 1;
                                    z.mzxid = zxid;
                                }
                                _ => run_failed.push(u.partition),
                            }
                        }
                        let output = Rc::new(states);
                        let mut memo = memo.borrow_mut();
                        // An entry whose input or output no server holds any more can never
                        // serve again.
                        memo.retain(|m| m.input.strong_count() > 0 && m.output.strong_count() > 0);
                        memo.push(StateMemo {
                            zxid,
                            start,
                            input: Rc::downgrade(slot),
                            output: Rc::downgrade(&output),
                            failed: run_failed.clone(),
                        });
                        (output, run_failed)
                    });
                    *slot = output;
                    failed.extend(run_failed);
                }
            }
            start += run;
        }
    }
}

impl std::ops::Index<usize> for StateTable {
    type Output = StateZnode;
    fn index(&self, partition: usize) -> &StateZnode {
        self.get(partition).expect("partition within the table")
    }
}

impl PartialEq for StateTable {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for StateTable {}

impl std::fmt::Debug for StateTable {
    /// As the `Vec<StateZnode>` it replaced printed itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// What applying a SetStates transaction (`zxid`, its updates from index `start`) to one chunk
/// of states (`input`, still alive) gave: kept with the transaction's shared payload. The
/// output is held weakly, as the input: the transaction lives as long as the servers' logs,
/// and a strong output kept every table a write ever gave alive with it (at 2,000,000
/// partitions, the failover's, the broker crash's and the shutdown's: 80 MB each). A server
/// that applies the transaction after every other has dropped the output builds it again.
pub struct StateMemo {
    zxid: Zxid,
    start: usize,
    input: Weak<Vec<StateZnode>>,
    output: Weak<Vec<StateZnode>>,
    failed: Vec<u32>,
}

impl StateMemo {
    fn is_for(&self, zxid: Zxid, start: usize, input: &Rc<Vec<StateZnode>>) -> bool {
        self.zxid == zxid
            && self.start == start
            && self.input.strong_count() > 0
            && std::ptr::eq(self.input.as_ptr(), Rc::as_ptr(input))
    }
}

/// A watch trigger: which path, which event (`DataTree.createNode/deleteNode/setData`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trigger {
    pub path: String,
    pub event: EventType,
    /// Data watches (getData/exists) or child watches (getChildren).
    pub child_watch: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DataTree {
    nodes: SortedMap<String, Znode>,
    states: SortedMap<String, StateTable>,
    /// Open sessions and their negotiated timeouts.
    pub sessions: SortedMap<u64, u64>,
    /// Ephemeral znodes of each session (`DataTree.ephemerals`).
    pub ephemerals: SortedMap<u64, SortedSet<String>>,
    /// Last applied zxid.
    pub zxid: Zxid,
}

fn parent_of(path: &str) -> Option<&str> {
    if path == "/" || !path.starts_with('/') {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/"),
        Some(i) => path.get(..i),
        None => None,
    }
}

fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or("")
}

fn valid_path(path: &str) -> bool {
    path == "/" || (path.starts_with('/') && !path.ends_with('/') && !path.contains("//"))
}

impl DataTree {
    /// An empty tree with only `/`.
    pub fn new() -> DataTree {
        let mut nodes = SortedMap::new();
        nodes.insert("/".to_string(), Znode::default());
        DataTree { nodes, ..DataTree::default() }
    }

    pub fn get(&self, path: &str) -> Option<&Znode> {
        self.nodes.get(path)
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len() + self.states.values().map(|s| s.len()).sum::<usize>()
    }

    pub fn states(&self, topic: &str) -> Option<&StateTable> {
        self.states.get(topic)
    }

    pub fn topics(&self) -> impl Iterator<Item = (&String, &StateTable)> {
        self.states.iter().map(|(k, v)| (k, v))
    }

    pub fn paths(&self) -> impl Iterator<Item = (&String, &Znode)> {
        self.nodes.iter().map(|(k, v)| (k, v))
    }

    /// Build-time helper (the initial snapshot): create a persistent znode and its parents.
    pub fn seed(&mut self, path: &str, data: Data) {
        if let Some(parent) = parent_of(path) {
            if !self.nodes.contains_key(parent) {
                self.seed(parent, Data::Empty);
            }
            if let Some(p) = self.nodes.get_mut(parent) {
                p.children.insert(name_of(path).to_string());
                p.stat.cversion += 1;
            }
        }
        self.nodes.insert(path.to_string(), Znode { data, ..Znode::default() });
    }

    /// Build-time helper: the partition states of a topic.
    pub fn seed_states(&mut self, topic: &str, states: Vec<PartState>) {
        let states =
            StateTable::from_states(states.into_iter().map(|state| StateZnode { state, version: 0, mzxid: 0 }));
        self.states.insert(topic.to_string(), states);
    }

    /// A read, as `FinalRequestProcessor` answers it from this server's tree.
    pub fn read(&self, op: &ReadOp) -> ZkResult {
        match op {
            ReadOp::GetData { path, .. } => {
                let node = self.nodes.get(path).ok_or(ZkError::NoNode)?;
                Ok(OpResult::Data { data: node.data.clone(), stat: node.stat })
            }
            ReadOp::Exists { path, .. } => Ok(OpResult::Exists(self.nodes.get(path).map(|n| n.stat))),
            ReadOp::GetChildren { path, .. } => {
                let node = self.nodes.get(path).ok_or(ZkError::NoNode)?;
                let children = node
                    .children
                    .iter()
                    .map(|c| {
                        let full = if path == "/" { format!("/{c}") } else { format!("{path}/{c}") };
                        (c.clone(), self.nodes.get(&full).map(|n| n.stat.czxid).unwrap_or(0))
                    })
                    .collect();
                Ok(OpResult::Children { children, pzxid: node.stat.pzxid })
            }
            ReadOp::GetStates { topic, from, count } => {
                let states = self.states.get(topic).ok_or(ZkError::NoNode)?;
                let from_i = (*from as usize).min(states.len());
                let to = from_i.saturating_add(*count as usize).min(states.len());
                Ok(OpResult::States { from: *from, states: states.range(from_i, to) })
            }
        }
    }

    /// Apply a committed transaction; returns the client's result and the watch triggers, in the
    /// order ZooKeeper fires them.
    pub fn apply(&mut self, txn: &Txn, triggers: &mut Vec<Trigger>) -> ZkResult {
        self.zxid = self.zxid.max(txn.zxid);
        match &txn.body {
            TxnBody::CreateSession { timeout_ms } => {
                self.sessions.insert(txn.zxid, *timeout_ms);
                Ok(OpResult::Exists(None))
            }
            TxnBody::CloseSession { session } => {
                self.close_session(*session, txn.zxid, triggers);
                Ok(OpResult::SessionClosed)
            }
            TxnBody::Write { ops, multi } => {
                // Session 0 is the admin tool's write proposed by the leader itself.
                if txn.session != 0 && !self.sessions.contains_key(&txn.session) {
                    return Err(ZkError::SessionExpired);
                }
                if *multi {
                    // Multi: all or nothing. The ops are validated against the tree as it was
                    // before the multi (the model's multis never depend on each other).
                    for op in ops {
                        self.check(op, txn.session)?;
                    }
                    let mut results = Vec::with_capacity(ops.len());
                    for op in ops {
                        results.push(self.apply_op(op, txn, triggers)?);
                    }
                    Ok(OpResult::Multi(results))
                } else {
                    let op = ops.first().ok_or(ZkError::BadArguments)?;
                    self.check(op, txn.session)?;
                    self.apply_op(op, txn, triggers)
                }
            }
        }
    }

    /// `PrepRequestProcessor`'s checks.
    fn check(&self, op: &Op, session: u64) -> Result<(), ZkError> {
        match op {
            Op::Create { path, ephemeral, sequential, .. } => {
                if !valid_path(path) || path == "/" {
                    return Err(ZkError::BadArguments);
                }
                let parent = parent_of(path).and_then(|p| self.nodes.get(p)).ok_or(ZkError::NoNode)?;
                if parent.stat.ephemeral_owner != 0 {
                    return Err(ZkError::NoChildrenForEphemerals);
                }
                if !sequential && self.nodes.contains_key(path) {
                    return Err(ZkError::NodeExists);
                }
                if *ephemeral && session == 0 {
                    return Err(ZkError::BadArguments);
                }
                Ok(())
            }
            Op::SetData { path, version, .. } | Op::Delete { path, version } => {
                let node = self.nodes.get(path).ok_or(ZkError::NoNode)?;
                if version.is_some_and(|v| v != node.stat.version) {
                    return Err(ZkError::BadVersion);
                }
                if matches!(op, Op::Delete { .. }) && (!node.children.is_empty() || path == "/") {
                    return Err(ZkError::NotEmpty);
                }
                Ok(())
            }
            Op::Check { path, version } => {
                let node = self.nodes.get(path).ok_or(ZkError::NoNode)?;
                if node.stat.version != *version {
                    return Err(ZkError::BadVersion);
                }
                Ok(())
            }
            Op::CreateStates { topic, .. } => {
                if self.states.contains_key(topic) {
                    return Err(ZkError::NodeExists);
                }
                Ok(())
            }
            Op::SetStates { topic, .. } => {
                if !self.states.contains_key(topic) {
                    return Err(ZkError::NoNode);
                }
                Ok(())
            }
        }
    }

    fn apply_op(&mut self, op: &Op, txn: &Txn, triggers: &mut Vec<Trigger>) -> ZkResult {
        let zxid = txn.zxid;
        match op {
            Op::Create { path, data, ephemeral, sequential } => {
                let parent_path = parent_of(path).ok_or(ZkError::NoNode)?.to_string();
                let parent = self.nodes.get_mut(&parent_path).ok_or(ZkError::NoNode)?;
                let path = if *sequential { format!("{path}{:010}", parent.stat.cversion) } else { path.clone() };
                if self.nodes.contains_key(&path) {
                    return Err(ZkError::NodeExists);
                }
                let parent = self.nodes.get_mut(&parent_path).ok_or(ZkError::NoNode)?;
                parent.children.insert(name_of(&path).to_string());
                parent.stat.cversion += 1;
                parent.stat.pzxid = zxid;
                let owner = if *ephemeral { txn.session } else { 0 };
                let stat = Stat { czxid: zxid, mzxid: zxid, pzxid: zxid, ephemeral_owner: owner, ..Stat::default() };
                self.nodes.insert(path.clone(), Znode { data: data.clone(), stat, children: SortedSet::new() });
                if owner != 0 {
                    self.ephemerals.get_or_insert(owner, Default::default()).insert(path.clone());
                }
                // Watches: create fires the node's data watch and the parent's child watch.
                triggers.push(Trigger { path: path.clone(), event: EventType::NodeCreated, child_watch: false });
                triggers.push(Trigger { path: parent_path, event: EventType::NodeChildrenChanged, child_watch: true });
                Ok(OpResult::Created { path, stat })
            }
            Op::SetData { path, data, .. } => {
                let node = self.nodes.get_mut(path).ok_or(ZkError::NoNode)?;
                node.data = data.clone();
                node.stat.version += 1;
                node.stat.mzxid = zxid;
                let stat = node.stat;
                // Watches: setData fires the node's data watch.
                triggers.push(Trigger { path: path.clone(), event: EventType::NodeDataChanged, child_watch: false });
                Ok(OpResult::SetData(stat))
            }
            Op::Delete { path, .. } => {
                self.delete(path, zxid, triggers)?;
                Ok(OpResult::Deleted)
            }
            Op::Check { .. } => Ok(OpResult::Checked),
            Op::CreateStates { topic, states } => {
                let znodes =
                    StateTable::from_states(states.iter().map(|s| StateZnode { state: *s, version: 0, mzxid: zxid }));
                self.states.insert(topic.clone(), znodes);
                Ok(OpResult::StatesCreated)
            }
            Op::SetStates { topic, updates } => {
                let table = self.states.get_mut(topic).ok_or(ZkError::NoNode)?;
                let mut failed = Vec::new();
                table.set(updates, zxid, updates.memo(), &mut failed);
                Ok(OpResult::StatesSet { failed })
            }
        }
    }

    fn delete(&mut self, path: &str, zxid: Zxid, triggers: &mut Vec<Trigger>) -> Result<(), ZkError> {
        let node = self.nodes.remove(path).ok_or(ZkError::NoNode)?;
        if node.stat.ephemeral_owner != 0 {
            if let Some(set) = self.ephemerals.get_mut(&node.stat.ephemeral_owner) {
                set.remove(path);
                if set.is_empty() {
                    self.ephemerals.remove(&node.stat.ephemeral_owner);
                }
            }
        }
        let parent_path = parent_of(path).unwrap_or("/").to_string();
        if let Some(parent) = self.nodes.get_mut(&parent_path) {
            parent.children.remove(name_of(path));
            parent.stat.cversion += 1;
            parent.stat.pzxid = zxid;
        }
        // Watches: delete fires the node's data and child watches and the parent's child watch.
        triggers.push(Trigger { path: path.to_string(), event: EventType::NodeDeleted, child_watch: false });
        triggers.push(Trigger { path: path.to_string(), event: EventType::NodeDeleted, child_watch: true });
        triggers.push(Trigger { path: parent_path, event: EventType::NodeChildrenChanged, child_watch: true });
        Ok(())
    }

    /// closeSession: drop the session and delete all of its ephemeral znodes (§1.3).
    fn close_session(&mut self, session: u64, zxid: Zxid, triggers: &mut Vec<Trigger>) {
        self.sessions.remove(&session);
        if let Some(paths) = self.ephemerals.remove(&session) {
            for path in paths {
                let _ = self.delete(&path, zxid, triggers);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zk::msg::{make_zxid, Shared};

    fn txn(zxid: Zxid, session: u64, body: TxnBody) -> Txn {
        Txn { zxid, session, origin: None, body }
    }
    fn write(op: Op) -> TxnBody {
        TxnBody::Write { ops: vec![op], multi: false }
    }
    fn create(path: &str, ephemeral: bool, sequential: bool) -> Op {
        Op::Create { path: path.into(), data: Data::Empty, ephemeral, sequential }
    }

    #[test]
    fn create_fires_node_then_parent_and_versions_count() {
        let mut t = DataTree::new();
        let mut tr = Vec::new();
        t.apply(&txn(make_zxid(1, 1), 0, TxnBody::CreateSession { timeout_ms: 6000 }), &mut tr).unwrap();
        let z = make_zxid(1, 2);
        let r = t.apply(&txn(z, z - 1, write(create("/a", false, false))), &mut tr).unwrap();
        assert!(matches!(r, OpResult::Created { .. }));
        assert_eq!(
            tr,
            vec![
                Trigger { path: "/a".into(), event: EventType::NodeCreated, child_watch: false },
                Trigger { path: "/".into(), event: EventType::NodeChildrenChanged, child_watch: true },
            ]
        );
        let set = Op::SetData { path: "/a".into(), data: Data::Int(1), version: Some(0) };
        assert!(t.apply(&txn(make_zxid(1, 3), make_zxid(1, 1), write(set.clone())), &mut tr).is_ok());
        // The same conditional write again is stale: BADVERSION (−103).
        assert_eq!(t.apply(&txn(make_zxid(1, 4), make_zxid(1, 1), write(set)), &mut tr), Err(ZkError::BadVersion));
        assert_eq!(t.get("/a").unwrap().stat.version, 1);
    }

    #[test]
    fn close_session_deletes_its_ephemerals_only_and_sequential_names_count() {
        let mut t = DataTree::new();
        let mut tr = Vec::new();
        let s1 = make_zxid(1, 1);
        let s2 = make_zxid(1, 2);
        t.apply(&txn(s1, 0, TxnBody::CreateSession { timeout_ms: 6000 }), &mut tr).unwrap();
        t.apply(&txn(s2, 0, TxnBody::CreateSession { timeout_ms: 6000 }), &mut tr).unwrap();
        t.apply(&txn(make_zxid(1, 3), s1, write(create("/e1", true, false))), &mut tr).unwrap();
        t.apply(&txn(make_zxid(1, 4), s2, write(create("/e2", true, false))), &mut tr).unwrap();
        let r = t.apply(&txn(make_zxid(1, 5), s1, write(create("/q-", false, true))), &mut tr).unwrap();
        assert!(matches!(r, OpResult::Created { ref path, .. } if path == "/q-0000000002"));
        // An ephemeral cannot have children.
        assert_eq!(
            t.apply(&txn(make_zxid(1, 6), s1, write(create("/e1/x", false, false))), &mut tr),
            Err(ZkError::NoChildrenForEphemerals)
        );
        tr.clear();
        t.apply(&txn(make_zxid(1, 7), 0, TxnBody::CloseSession { session: s1 }), &mut tr).unwrap();
        assert!(t.get("/e1").is_none());
        assert!(t.get("/e2").is_some());
        assert_eq!(tr[0], Trigger { path: "/e1".into(), event: EventType::NodeDeleted, child_watch: false });
        // A closed session can no longer write.
        assert_eq!(
            t.apply(&txn(make_zxid(1, 8), s1, write(create("/z", false, false))), &mut tr),
            Err(ZkError::SessionExpired)
        );
    }

    #[test]
    fn servers_share_the_states_a_write_gives_and_the_transaction_keeps_none_of_them() {
        let state = PartState { leader: 1, leader_epoch: 0, controller_epoch: 1, isr: 0b110 };
        let create = write(Op::CreateStates { topic: "t".into(), states: Shared::new(vec![state; 3000]) });
        let moved = PartState { leader: 2, leader_epoch: 1, controller_epoch: 1, isr: 0b100 };
        let updates =
            (0..3000).step_by(2).map(|partition| StateUpdate { partition, state: moved, expected_version: 0 });
        let set = write(Op::SetStates { topic: "t".into(), updates: Shared::new(updates.collect()) });
        let mut a = DataTree::new();
        let mut tr = Vec::new();
        let s = make_zxid(1, 1);
        a.apply(&txn(s, 0, TxnBody::CreateSession { timeout_ms: 6000 }), &mut tr).unwrap();
        a.apply(&txn(make_zxid(1, 2), s, create), &mut tr).unwrap();
        // Two servers holding the same states (as the cluster's are built) apply the same write.
        let mut b = a.clone();
        for t in [&mut a, &mut b] {
            t.apply(&txn(make_zxid(1, 3), s, set.clone()), &mut tr).unwrap();
        }
        let (sa, sb) = (a.states("t").unwrap(), b.states("t").unwrap());
        assert_eq!((sa[2].state, sa[2].version, sa[3].state, sa[3].version), (moved, 1, state, 0));
        assert_eq!(sa, sb);
        assert!(sa.chunks.iter().zip(&sb.chunks).all(|(x, y)| Rc::ptr_eq(x, y)), "one copy for both servers");
        let written = Rc::downgrade(&sa.chunks[0]);
        drop((a, b));
        // The transaction lives on (in every server's log); the table it gave does not.
        assert!(written.upgrade().is_none());
        drop(set);
    }

    #[test]
    fn multi_is_all_or_nothing() {
        let mut t = DataTree::new();
        let mut tr = Vec::new();
        let s = make_zxid(1, 1);
        t.apply(&txn(s, 0, TxnBody::CreateSession { timeout_ms: 6000 }), &mut tr).unwrap();
        t.seed("/controller_epoch", Data::Int(0));
        let ops = vec![
            Op::Create { path: "/controller".into(), data: Data::Broker(1), ephemeral: true, sequential: false },
            Op::SetData { path: "/controller_epoch".into(), data: Data::Int(1), version: Some(7) },
        ];
        let r = t.apply(&txn(make_zxid(1, 2), s, TxnBody::Write { ops, multi: true }), &mut tr);
        assert_eq!(r, Err(ZkError::BadVersion));
        assert!(t.get("/controller").is_none());
    }
}
