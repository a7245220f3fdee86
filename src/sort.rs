//! One sort for the whole app. `slice::sort_by` builds a separate copy of the standard
//! library's driftsort for every element type and comparator (about 4 KB of wasm each);
//! these helpers order indices through a single `&dyn` comparator instead, so the wasm
//! links one sort however many lists are sorted.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `items` by `cmp`, stable (equal items keep their order), like `sort_by`.
pub fn sort_by<T>(items: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let order = order(items.len(), &|a, b| cmp(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// Sorts `items` by their natural order, stable.
pub fn sort<T: Ord>(items: &mut Vec<T>) {
    sort_by(items, T::cmp);
}

/// `collect::<BTreeSet<_>>()` without its sort: collecting into a B-tree sorts the items
/// first (another driftsort per type); inserting them one by one reuses `insert`, which
/// the set links anyway.
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    for item in items {
        set.insert(item);
    }
    set
}

/// `collect::<BTreeMap<_, _>>()` without its sort (see [`set_of`]); of equal keys, the
/// last value stays, as with `collect`.
pub fn map_of<K: Ord, V>(entries: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (key, value) in entries {
        map.insert(key, value);
    }
    map
}

/// A map kept as a sorted `Vec`, for maps of a few entries (iqs in flight, a stanza's
/// texts by language) or few thousand small ones: each key and value type of a `BTreeMap`
/// links its own B-tree code (about 7 KB of wasm), this one a binary search and a `Vec`.
/// Iterates in key order, as a `BTreeMap` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VecMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap(Vec::new())
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap(Vec::new())
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// The value now under `key`, inserted if there was none.
    pub fn get_or_insert(&mut self, key: K, value: V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key, value));
                i
            }
        };
        &mut self.0[i].1
    }

    /// Like `BTreeMap::insert`: the value that was there, replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the entries for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A set kept as a sorted `Vec` (see [`VecMap`]); iterates in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VecSet<T>(VecMap<T, ()>);

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet(VecMap::default())
    }
}

impl<T: Ord> VecSet<T> {
    pub const fn new() -> Self {
        VecSet(VecMap::new())
    }

    /// Like `BTreeSet::insert`: whether it was not there yet.
    pub fn insert(&mut self, item: T) -> bool {
        self.0.insert(item, ()).is_none()
    }

    pub fn contains<Q: Ord + ?Sized>(&self, item: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.0.contains_key(item)
    }

    /// Whether it was there.
    pub fn remove<Q: Ord + ?Sized>(&mut self, item: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.0.remove(item).is_some()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.keys()
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    /// By insertion, not a sort (see [`set_of`]).
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut set = VecSet::new();
        for item in items {
            set.insert(item);
        }
        set
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for VecSet<T> {
    fn from(items: [T; N]) -> Self {
        items.into_iter().collect()
    }
}

impl<'a, T> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (T, ())>, fn(&(T, ())) -> &T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0 .0.iter().map(|(item, ())| item)
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = std::iter::Map<std::vec::IntoIter<(T, ())>, fn((T, ())) -> T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().map(|(item, ())| item)
    }
}

/// The positions `0..n` in the order `cmp` gives them, equal ones by position (stable).
fn order(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| cmp(a, b).then(a.cmp(&b)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vec_maps_and_sets_behave_as_b_trees() {
        let mut map = VecMap::new();
        let mut tree = BTreeMap::new();
        for (i, key) in ["k2", "k10", "k1", "a", "k2", "z", "k10"]
            .into_iter()
            .enumerate()
        {
            assert_eq!(
                map.insert(key.to_owned(), i),
                tree.insert(key.to_owned(), i)
            );
        }
        assert_eq!(map.remove("a"), tree.remove("a"));
        assert_eq!(map.remove("nothing"), tree.remove("nothing"));
        assert_eq!(map.get("k2"), tree.get("k2"));
        assert!(map.contains_key("z") && !map.contains_key("a"));
        *map.get_or_insert("k3".into(), 0) += 5;
        *map.get_or_insert("k3".into(), 0) += 5;
        *tree.entry("k3".into()).or_insert(0) += 5;
        *tree.entry("k3".into()).or_insert(0) += 5;
        assert_eq!(map.len(), tree.len());
        assert!(map.iter().eq(tree.iter()));
        assert!(map.values().eq(tree.values()));
        assert!(map.clone().into_iter().eq(tree.clone()));

        let set: VecSet<&str> = ["b", "a", "c", "a"].into_iter().collect();
        assert!(set.iter().eq(["a", "b", "c"].iter()));
        let mut set = set;
        assert!(!set.insert("b") && set.insert("d"));
        assert!(set.remove("a") && !set.remove("a"));
        assert!(set.contains("d") && !set.contains("a"));
        assert_eq!(set.len(), 3);
        assert!(set.into_iter().eq(["b", "c", "d"]));
    }

    #[test]
    fn orders_and_keeps_equal_items_in_place() {
        let mut items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e'), (3, 'f')];
        sort_by(&mut items, |a, b| a.0.cmp(&b.0));
        assert_eq!(
            items,
            [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c'), (3, 'f')]
        );
        sort_by(&mut items, |a, b| b.0.cmp(&a.0));
        assert_eq!(
            items,
            [(3, 'a'), (3, 'c'), (3, 'f'), (2, 'd'), (1, 'b'), (1, 'e')]
        );
    }

    #[test]
    fn matches_the_standard_stable_sort() {
        // Many ties, in a pseudo-random order: the same result as `sort_by`.
        let mut items: Vec<(u32, usize)> = (0..500).map(|i| ((i * 7919 % 31) as u32, i)).collect();
        let mut expected = items.clone();
        expected.sort_by_key(|a| a.0);
        sort_by(&mut items, |a, b| a.0.cmp(&b.0));
        assert_eq!(items, expected);
        let mut words = vec!["b", "a", "c", "a"];
        sort(&mut words);
        assert_eq!(words, ["a", "a", "b", "c"]);
        let mut none: Vec<u8> = Vec::new();
        assert_eq!(
            map_of([("b", 1), ("a", 2), ("b", 3)]),
            [("b", 1), ("a", 2), ("b", 3)].into_iter().collect()
        );
        assert_eq!(
            set_of(["b", "a", "b"]),
            ["b", "a", "b"].into_iter().collect()
        );
        sort(&mut none);
        assert!(none.is_empty());
    }
}
