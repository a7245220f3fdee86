//! One sort for the whole app. `slice::sort_by` builds a separate copy of the standard
//! library's driftsort for every element type and comparator (about 4 KB of wasm each);
//! these helpers order indices through a single `&dyn` comparator instead, so the wasm
//! links one sort however many lists are sorted.

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
