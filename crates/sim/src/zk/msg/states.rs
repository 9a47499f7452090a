//! The partition states a Kafka request carries (LeaderAndIsr, UpdateMetadata): views of one
//! shared table rather than copies, hashed, compared and printed as the lists they stand for.

use super::*;

/// Partition states grouped by topic, as LeaderAndIsr and UpdateMetadata carry them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TopicStates {
    pub topic: String,
    pub states: States,
}

/// Which entries of a [`States::View`]'s table it holds (by position): one bit each, and how
/// many.
#[derive(Debug, PartialEq, Eq)]
pub struct Positions {
    words: Vec<u64>,
    len: usize,
}

impl Positions {
    /// None of a table of `entries`.
    pub fn none(entries: usize) -> Positions {
        Positions { words: vec![0; entries.div_ceil(64)], len: 0 }
    }

    pub fn insert(&mut self, position: usize) {
        if let Some(w) = self.words.get_mut(position / 64) {
            let bit = 1u64 << (position % 64);
            if *w & bit == 0 {
                *w |= bit;
                self.len += 1;
            }
        }
    }

    pub fn contains(&self, position: usize) -> bool {
        self.words.get(position / 64).is_some_and(|w| w & (1u64 << (position % 64)) != 0)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The list a [`States::View`] reads its `(partition, state)` pairs from, shared.
#[derive(Clone)]
pub enum Table {
    Pairs(Rc<Vec<(u32, PartState)>>),
    /// A write's updates: each one's partition and new state.
    Updates(Shared<Vec<StateUpdate>>),
    /// A topic's states by partition number (a topic's creation).
    Dense(Shared<Vec<PartState>>),
}

impl Table {
    pub fn len(&self) -> usize {
        match self {
            Table::Pairs(pairs) => pairs.len(),
            Table::Updates(updates) => updates.len(),
            Table::Dense(states) => states.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pairs, in order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (u32, PartState)> + '_> {
        match self {
            Table::Pairs(pairs) => Box::new(pairs.iter().copied()),
            Table::Updates(updates) => Box::new(updates.iter().map(|u| (u.partition, u.state))),
            Table::Dense(states) => Box::new(states.iter().enumerate().map(|(p, s)| (p as u32, *s))),
        }
    }
}

/// The `(partition, state)` pairs of one topic in a request or a note: a list of their own, or
/// a view of a list that several share (the states a failover or a write tells brokers, the
/// write the checker is told of), all of it or the entries `only` names. A view reads,
/// compares, prints and hashes exactly as the list of the same pairs (so trace hashes do not
/// depend on which it is); at two million partitions it saves a 32-byte pair per partition and
/// request.
#[derive(Clone)]
pub enum States {
    List(Vec<(u32, PartState)>),
    View { table: Table, only: Option<Rc<Positions>> },
}

impl States {
    pub fn len(&self) -> usize {
        match self {
            States::List(list) => list.len(),
            States::View { table, only: None } => table.len(),
            States::View { only: Some(only), .. } => only.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pairs, in their order in the list (or table).
    pub fn iter(&self) -> Box<dyn Iterator<Item = (u32, PartState)> + '_> {
        match self {
            States::List(list) => Box::new(list.iter().copied()),
            States::View { table, only: None } => table.iter(),
            States::View { table, only: Some(only) } => {
                Box::new(table.iter().enumerate().filter(|(i, _)| only.contains(*i)).map(|(_, pair)| pair))
            }
        }
    }

    /// The pairs as a list of their own.
    pub fn to_vec(&self) -> Vec<(u32, PartState)> {
        self.iter().collect()
    }
}

impl From<Vec<(u32, PartState)>> for States {
    fn from(list: Vec<(u32, PartState)>) -> States {
        States::List(list)
    }
}

impl Hash for States {
    /// As `Vec<(u32, PartState)>` hashes: the length, then each pair.
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            States::List(list) => list.hash(state),
            States::View { .. } => {
                state.write_usize(self.len());
                for pair in self.iter() {
                    pair.hash(state);
                }
            }
        }
    }
}

impl PartialEq for States {
    fn eq(&self, other: &States) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
impl Eq for States {}

impl PartialEq<Vec<(u32, PartState)>> for States {
    fn eq(&self, other: &Vec<(u32, PartState)>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().copied())
    }
}

impl fmt::Debug for States {
    /// As the list of the same pairs prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
