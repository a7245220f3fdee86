//! One sort for the whole app. `slice::sort_by` builds a separate copy of the standard
//! library's driftsort for every element type and comparator (about 4 KB of wasm each);
//! these helpers order indices through a single `&dyn` comparator instead, so the wasm
//! links one sort however many lists are sorted.

use std::cmp::Ordering;

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
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        sort_by(&mut items, |a, b| a.0.cmp(&b.0));
        assert_eq!(items, expected);
        let mut words = vec!["b", "a", "c", "a"];
        sort(&mut words);
        assert_eq!(words, ["a", "a", "b", "c"]);
        let mut none: Vec<u8> = Vec::new();
        sort(&mut none);
        assert!(none.is_empty());
    }
}
