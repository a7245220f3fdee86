//! Long lists, windowed: rows have different heights, so each rendered row is measured
//! and an offset table places the rest (estimated until seen). Only the rows near the
//! viewport are in the DOM; padding above and below stands in for the others, so a list
//! of 10,000 costs what a few dozen rows do. The page itself scrolls. The feed's
//! timeline and a conversation's messages both use it.
//!
//! A row is an `<li data-pos=N>` (its index in `keys`): that is how a measurement finds
//! its key. Keys are hashes ([`row_key`]): one copy of this code serves every list,
//! whatever identifies its rows (each list's own key type would link it again).

use std::collections::HashMap;

use leptos::html::Ul;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// Rendered beyond each edge of the viewport, so fast scrolling shows no gaps.
const OVERSCAN_PX: f64 = 600.0;
/// A bound on the DOM however small rows are.
const MAX_ROWS: usize = 48;

/// The rows to render, `start..end`, for the viewport `top..top + height` in list
/// coordinates, given `offsets` (each row's top, plus the list's end).
fn visible_rows(offsets: &[f64], top: f64, height: f64) -> (usize, usize) {
    let rows = offsets.len() - 1;
    let total = offsets[rows];
    // A list below the fold (or not laid out yet) shows its first screenful.
    let top = top.clamp(0.0, total);
    let (from, to) = (top - OVERSCAN_PX, top + height + OVERSCAN_PX);
    // The first row whose bottom is below `from`, up to the last whose top is above `to`.
    let start = offsets[1..]
        .partition_point(|&bottom| bottom <= from)
        .min(rows);
    let end = offsets[..rows].partition_point(|&y| y < to).max(start);
    (start, end.min(start + MAX_ROWS))
}

/// A row's key from what identifies it (FNV-1a over the parts, each ended by a 0 byte).
pub fn row_key(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.as_bytes().iter().chain(&[0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Where `el` starts on the page, without `getBoundingClientRect` (no extra web-sys feature).
pub fn page_top(el: &HtmlElement) -> f64 {
    let mut top = 0.0;
    let mut next = Some(el.clone());
    while let Some(el) = next {
        top += el.offset_top() as f64;
        next = el.offset_parent().and_then(|p| p.dyn_into().ok());
    }
    top
}

/// What a windowed list renders: the rows `range` and the padding standing in for the
/// rest, above and below.
#[derive(Clone, Copy)]
pub struct Window {
    pub range: Memo<(usize, usize)>,
    offsets: Memo<Vec<f64>>,
}

impl Window {
    /// The list's whole height, as measured and estimated.
    pub fn height(&self) -> f64 {
        self.offsets.with(|o| o[o.len() - 1])
    }

    /// Where row `n` starts in the list (px, as measured and estimated).
    pub fn offset(&self, n: usize) -> f64 {
        self.offsets
            .with_untracked(|o| o.get(n).or(o.last()).copied().unwrap_or(0.0))
    }

    /// The padding above (`false`) or below (`true`) the rendered rows.
    pub fn padding(&self, below: bool) -> f64 {
        let (start, end) = self.range.get();
        self.offsets.with(|o| match below {
            false => o[start],
            true => o[o.len() - 1] - o[end],
        })
    }
}

/// Windows the list `list` of `keys`, each row estimated at `estimate` px until measured.
pub fn windowed(keys: Memo<Vec<u64>>, list: NodeRef<Ul>, estimate: f64) -> Window {
    let heights = RwSignal::new(HashMap::<u64, f64>::new());
    let offsets = Memo::new(move |_| {
        heights.with(|measured| {
            keys.with(|keys| {
                let mut offsets = Vec::with_capacity(keys.len() + 1);
                let mut y = 0.0;
                offsets.push(y);
                for key in keys {
                    y += measured.get(key).copied().unwrap_or(estimate);
                    offsets.push(y);
                }
                offsets
            })
        })
    });
    // The viewport in list coordinates: (top, height).
    let viewport = RwSignal::new((0.0, 800.0));
    let range = Memo::new(move |_| {
        let (top, height) = viewport.get();
        offsets.with(|o| visible_rows(o, top, height))
    });
    let measure = move || {
        let Some(list) = list.try_get_untracked().flatten() else {
            return;
        };
        let page = window();
        let scroll_y = page.scroll_y().unwrap_or(0.0);
        let height = page
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(800.0);
        let now = (scroll_y - page_top(&list), height);
        if viewport.get_untracked() != now {
            viewport.set(now);
        }
        let items = list.children();
        let changed: Vec<(u64, f64)> = keys.with_untracked(|keys| {
            heights.with_untracked(|known| {
                (0..items.length())
                    .filter_map(|i| {
                        let item: HtmlElement = items.item(i)?.dyn_into().ok()?;
                        let pos: usize = item.get_attribute("data-pos")?.parse().ok()?;
                        let key = *keys.get(pos)?;
                        let h = item.offset_height() as f64;
                        (h > 0.0 && known.get(&key) != Some(&h)).then_some((key, h))
                    })
                    .collect()
            })
        });
        if !changed.is_empty() {
            heights.update(|known| known.extend(changed));
        }
    };
    // Measuring waits for the frame: by then the rows and their content are laid out, and
    // a burst of scroll events costs one measurement.
    let frame_pending = StoredValue::new(false);
    let schedule = move || {
        if frame_pending.try_get_value() != Some(false) {
            return;
        }
        frame_pending.set_value(true);
        request_animation_frame(move || {
            if frame_pending.try_set_value(false).is_none() {
                measure();
            }
        });
    };
    Effect::new(move |_| {
        range.track();
        keys.track();
        if list.get().is_some() {
            schedule();
        }
    });
    let on_scroll = window_event_listener(leptos::ev::scroll, move |_| schedule());
    let on_resize = window_event_listener(leptos::ev::resize, move |_| schedule());
    on_cleanup(move || {
        on_scroll.remove();
        on_resize.remove();
    });
    Window { range, offsets }
}

#[cfg(test)]
mod tests {
    use super::{row_key, visible_rows};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn offsets(heights: &[f64]) -> Vec<f64> {
        let mut y = 0.0;
        std::iter::once(0.0)
            .chain(heights.iter().map(|h| {
                y += h;
                y
            }))
            .collect()
    }

    #[wasm_bindgen_test]
    fn the_viewport_and_its_overscan_are_rendered() {
        let o = offsets(&[100.0; 1_000]);
        // Scrolled to 10,000 px with an 800 px viewport: rows 94 to 114 (600 px each side).
        assert_eq!(visible_rows(&o, 10_000.0, 800.0), (94, 114));
        assert_eq!(visible_rows(&o, 0.0, 800.0), (0, 14));
    }

    #[wasm_bindgen_test]
    fn the_dom_stays_bounded_however_small_the_rows() {
        let o = offsets(&[1.0; 10_000]);
        let (start, end) = visible_rows(&o, 5_000.0, 800.0);
        assert_eq!(end - start, 48);
    }

    #[wasm_bindgen_test]
    fn row_keys_tell_parts_apart() {
        assert_ne!(row_key(&["ab", "c"]), row_key(&["a", "bc"]));
        assert_ne!(row_key(&["<", "1"]), row_key(&[">", "1"]));
        assert_eq!(row_key(&["x"]), row_key(&["x"]));
    }

    #[wasm_bindgen_test]
    fn a_page_scrolled_past_the_list_shows_its_last_rows() {
        let o = offsets(&[100.0; 100]);
        let (start, end) = visible_rows(&o, 50_000.0, 800.0);
        assert_eq!(end, 100);
        assert!(start < end && start >= 90, "{start}");
        assert_eq!(visible_rows(&offsets(&[]), 0.0, 800.0), (0, 0));
    }
}
