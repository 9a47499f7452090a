//! A map and a set kept as one sorted `Vec`, in place of `BTreeMap`/`BTreeSet`.
//!
//! Why: each `BTreeMap<K, V>` type monomorphizes the whole B-tree (node splits, merges,
//! iterators); for the engine's forty-odd key/value types that was about 200 KB of the
//! release wasm (727 KB before, 522 KB after). The engine's maps are small (nodes, sessions,
//! watches, topics, messages in flight), so binary search over a `Vec<(K, V)>` keeps the
//! benches where they were, and each type adds only a few short functions.
//!
//! Same behaviour as the std types where the engine can see it: iteration is in ascending key
//! order, `insert` on a present key replaces the value and keeps the key, and `Hash` writes the
//! same bytes as `BTreeMap`'s (the length, then each key and value in order), so trace hashes
//! do not change. Insert and remove move the tail of the `Vec`: O(n), cheap for small maps and
//! for keys that arrive in ascending order (appends).
//!
//! Everything goes through one `find`, so that each map type adds one binary search.

use std::borrow::Borrow;
use std::fmt;
use std::ops::{Bound, RangeBounds};
use std::slice;

/// Sorts `v` by `less`, by insertion. For the engine's short lists (voters, a znode listing
/// that is already sorted but for a few entries): O(n) when nearly sorted, O(n²) at worst.
/// Why not `sort_unstable_by`: each element type it is used with adds a few KB of wasm
/// (quicksort, heapsort fallback, small-sort networks); this adds a few dozen bytes. Stable,
/// so where the order is total (no two elements compare equal unless identical), the result
/// is the one any sort gives.
pub fn insertion_sort_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// A map sorted by key: `BTreeMap`'s API, the parts the engine uses.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap { entries: Vec::new() }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    pub const fn new() -> Self {
        SortedMap { entries: Vec::new() }
    }

    /// `Ok(index)` of `key`, or `Err(index)` where it would go.
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Insert or replace; returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// The value of `key`, inserting `value` first if the key is absent
    /// (`entry(key).or_insert(value)`).
    pub fn get_or_insert(&mut self, key: K, value: V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, value));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Entries in ascending key order, as `&(key, value)`.
    pub fn iter(&self) -> slice::Iter<'_, (K, V)> {
        self.entries.iter()
    }

    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&K, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    pub fn first(&self) -> Option<&(K, V)> {
        self.entries.first()
    }

    pub fn last(&self) -> Option<&(K, V)> {
        self.entries.last()
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }

    /// The index range of the entries whose keys fall in `range`.
    fn span(&self, range: impl RangeBounds<K>) -> (usize, usize) {
        let start = match range.start_bound() {
            Bound::Included(k) => self.find(k).unwrap_or_else(|i| i),
            Bound::Excluded(k) => self.find(k).map_or_else(|i| i, |i| i + 1),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(k) => self.find(k).map_or_else(|i| i, |i| i + 1),
            Bound::Excluded(k) => self.find(k).unwrap_or_else(|i| i),
            Bound::Unbounded => self.entries.len(),
        };
        (start, end.max(start))
    }

    /// Entries whose keys fall in `range`, in ascending key order.
    pub fn range(&self, range: impl RangeBounds<K>) -> slice::Iter<'_, (K, V)> {
        let (start, end) = self.span(range);
        self.entries[start..end].iter()
    }

    pub fn range_mut(&mut self, range: impl RangeBounds<K>) -> impl DoubleEndedIterator<Item = (&K, &mut V)> {
        let (start, end) = self.span(range);
        self.entries[start..end].iter_mut().map(|(k, v)| (&*k, v))
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for SortedMap<K, V> {
    type Output = V;
    /// Panics if `key` is absent, as `BTreeMap` does.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

impl<K: Ord, V> Extend<(K, V)> for SortedMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = SortedMap::new();
        map.extend(iter);
        map
    }
}

impl<'a, K, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = &'a (K, V);
    type IntoIter = slice::Iter<'a, (K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SortedMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.entries.iter().map(|(k, v)| (k, v))).finish()
    }
}

/// A set sorted ascending: `BTreeSet`'s API, the parts the engine uses. A map to `()`, so it
/// hashes like `BTreeSet` (the length, then each element). Not a `Vec<K>`: `Hash` for a slice
/// of integers writes its raw memory in one go (native byte order, `usize` 4 bytes on wasm32),
/// which would differ from `BTreeSet` and between targets.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SortedSet<K> {
    map: SortedMap<K, ()>,
}

impl<K> Default for SortedSet<K> {
    fn default() -> Self {
        SortedSet { map: SortedMap::default() }
    }
}

impl<K: Ord> SortedSet<K> {
    pub const fn new() -> Self {
        SortedSet { map: SortedMap::new() }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }

    pub fn contains<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.map.contains_key(key)
    }

    /// Returns whether `key` was new.
    pub fn insert(&mut self, key: K) -> bool {
        self.map.insert(key, ()).is_none()
    }

    /// Returns whether `key` was present.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.map.remove(key).is_some()
    }

    /// Elements in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone {
        self.map.keys()
    }

    pub fn first(&self) -> Option<&K> {
        self.map.first().map(|(k, _)| k)
    }

    pub fn last(&self) -> Option<&K> {
        self.map.last().map(|(k, _)| k)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.map.retain(|k, _| keep(k));
    }
}

impl<K: Ord> Extend<K> for SortedSet<K> {
    fn extend<I: IntoIterator<Item = K>>(&mut self, iter: I) {
        for k in iter {
            self.insert(k);
        }
    }
}

impl<K: Ord> FromIterator<K> for SortedSet<K> {
    fn from_iter<I: IntoIterator<Item = K>>(iter: I) -> Self {
        let mut set = SortedSet::new();
        set.extend(iter);
        set
    }
}

impl<K: Ord, const N: usize> From<[K; N]> for SortedSet<K> {
    fn from(keys: [K; N]) -> Self {
        keys.into_iter().collect()
    }
}

impl<'a, K> IntoIterator for &'a SortedSet<K> {
    type Item = &'a K;
    type IntoIter = std::iter::Map<slice::Iter<'a, (K, ())>, fn(&'a (K, ())) -> &'a K>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.entries.iter().map(|(k, _)| k)
    }
}

impl<K> IntoIterator for SortedSet<K> {
    type Item = K;
    type IntoIter = std::iter::Map<std::vec::IntoIter<(K, ())>, fn((K, ())) -> K>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.entries.into_iter().map(|(k, _)| k)
    }
}

impl<K: fmt::Debug> fmt::Debug for SortedSet<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.map.entries.iter().map(|(k, _)| k)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insertion_sort_matches_std_sort() {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        for len in 0..40 {
            for _ in 0..20 {
                let mut v: Vec<(u8, u8)> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                        ((seed >> 60) as u8, (seed >> 52) as u8)
                    })
                    .collect();
                let mut expected = v.clone();
                expected.sort_by_key(|x| std::cmp::Reverse(x.0));
                insertion_sort_by(&mut v, |a, b| a.0 > b.0);
                assert_eq!(v, expected);
            }
        }
    }
    use crate::hash::TraceHasher;
    use std::collections::{BTreeMap, BTreeSet};

    fn hash_of<T: std::hash::Hash>(value: &T) -> u64 {
        let mut h = TraceHasher::default();
        h.add(value);
        h.value()
    }

    /// Random operations on both a `SortedMap` and a `BTreeMap`: same contents, same order,
    /// same answers, same hash and the same `Debug` text after every step.
    #[test]
    fn behaves_like_btreemap() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut ours: SortedMap<u32, u64> = SortedMap::new();
        let mut std: BTreeMap<u32, u64> = BTreeMap::new();
        for step in 0..20_000u64 {
            let k = next(64) as u32;
            match next(7) {
                0 | 1 => assert_eq!(ours.insert(k, step), std.insert(k, step)),
                2 => assert_eq!(ours.remove(&k), std.remove(&k)),
                3 => {
                    *ours.get_or_insert(k, step) += 1;
                    *std.entry(k).or_insert(step) += 1;
                }
                4 => {
                    let m = next(5) as u32 + 1;
                    ours.retain(|k, v| !(*k + *v as u32).is_multiple_of(m));
                    std.retain(|k, v| !(*k + *v as u32).is_multiple_of(m));
                }
                5 => {
                    let hi = k + next(10) as u32;
                    let a: Vec<_> = ours.range(k..hi).map(|(k, v)| (*k, *v)).collect();
                    let b: Vec<_> = std.range(k..hi).map(|(k, v)| (*k, *v)).collect();
                    assert_eq!(a, b);
                    let a: Vec<_> = ours.range(..=k).rev().map(|(k, _)| *k).collect();
                    let b: Vec<_> = std.range(..=k).rev().map(|(k, _)| *k).collect();
                    assert_eq!(a, b);
                    let a: Vec<_> = ours.range((Bound::Excluded(k), Bound::Unbounded)).map(|(k, _)| *k).collect();
                    let b: Vec<_> = std.range((Bound::Excluded(k), Bound::Unbounded)).map(|(k, _)| *k).collect();
                    assert_eq!(a, b);
                }
                _ => {
                    if let Some(v) = ours.get_mut(&k) {
                        *v += 7;
                    }
                    if let Some(v) = std.get_mut(&k) {
                        *v += 7;
                    }
                }
            }
            assert!(ours.iter().map(|(k, v)| (k, v)).eq(std.iter()));
            assert_eq!(ours.len(), std.len());
            assert_eq!(ours.get(&k), std.get(&k));
            assert_eq!(ours.contains_key(&k), std.contains_key(&k));
            assert_eq!(ours.first().map(|(k, _)| k), std.first_key_value().map(|(k, _)| k));
            assert_eq!(ours.last().map(|(k, _)| k), std.last_key_value().map(|(k, _)| k));
            assert_eq!(hash_of(&ours), hash_of(&std));
        }
        assert_eq!(format!("{ours:?}"), format!("{std:?}"));
        let collected: SortedMap<u32, u64> = std.iter().rev().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(collected, ours);
    }

    #[test]
    fn set_behaves_like_btreeset() {
        let words = ["b", "a", "c", "a", "/x", "b", "zz", ""];
        let ours: SortedSet<String> = words.iter().map(|w| w.to_string()).collect();
        let std: BTreeSet<String> = words.iter().map(|w| w.to_string()).collect();
        assert!(ours.iter().eq(std.iter()));
        assert_eq!(hash_of(&ours), hash_of(&std));
        assert_eq!(format!("{ours:?}"), format!("{std:?}"));
        assert!(ours.contains("zz") && !ours.contains("d"));
        let mut ours = ours;
        assert!(!ours.insert("a".to_string()));
        assert!(ours.remove("a"));
        assert!(!ours.remove("a"));
        assert_eq!(ours.first().map(String::as_str), Some(""));
        assert_eq!(ours.last().map(String::as_str), Some("zz"));
    }

    #[test]
    fn a_map_of_sets_hashes_like_std() {
        let ours: SortedMap<u64, SortedSet<u64>> = (0..5).map(|k| (k, (0..k).collect())).collect();
        let std: BTreeMap<u64, BTreeSet<u64>> = (0..5).map(|k| (k, (0..k).collect())).collect();
        assert_eq!(hash_of(&ours), hash_of(&std));
    }
}
