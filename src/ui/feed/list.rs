//! The timeline, windowed: posts have different heights, so each rendered row is measured
//! and an offset table places the rest (estimated until seen). Only the rows near the
//! viewport are in the DOM; padding above and below stands in for the others, so a
//! 1,000-post timeline costs what a dozen posts do. The page itself scrolls.

use std::collections::HashMap;

use leptos::html::Ul;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::post::PostArticle;
use crate::app::use_app;
use crate::service::feed::ItemKey;
use crate::state::AppState;
use crate::ui::px;

/// Height assumed for a post not yet rendered (a title, a paragraph, the actions).
const ESTIMATE_PX: f64 = 220.0;
/// Rendered beyond each edge of the viewport, so fast scrolling shows no gaps.
const OVERSCAN_PX: f64 = 600.0;
/// A bound on the DOM however small posts are.
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

/// Where `el` starts on the page, without `getBoundingClientRect` (no extra web-sys feature).
fn page_top(el: &HtmlElement) -> f64 {
    let mut top = 0.0;
    let mut next = Some(el.clone());
    while let Some(el) = next {
        top += el.offset_top() as f64;
        next = el.offset_parent().and_then(|p| p.dyn_into().ok());
    }
    top
}

/// The posts of the timeline, all or one `author`'s, as a list named `label`.
#[component]
pub fn PostList(
    #[prop(into)] label: String,
    /// Only this bare JID's posts (a person's page).
    author: Option<String>,
    /// What an empty list says.
    #[prop(into)]
    empty: String,
) -> impl IntoView {
    let app = use_app();
    let feed = app.state.feed;
    // A person's page loads that person's older posts; the feed everyone's.
    let owner = StoredValue::new(
        author
            .as_deref()
            .and_then(|a| crate::proto::jid::BareJid::new(a).ok()),
    );
    let load_older = move |_| {
        let owner = owner.get_value();
        app.act(async move { app.account()?.load_older(owner).await })
    };
    let keys = Memo::new(move |_| {
        feed.timeline.with(|posts| {
            posts
                .iter()
                .filter(|p| author.as_ref().is_none_or(|a| &p.author == a))
                .map(|p| p.key.clone())
                .collect::<Vec<_>>()
        })
    });
    let heights = RwSignal::new(HashMap::<ItemKey, f64>::new());
    let offsets = Memo::new(move |_| {
        heights.with(|measured| {
            keys.with(|keys| {
                let mut offsets = Vec::with_capacity(keys.len() + 1);
                let mut y = 0.0;
                offsets.push(y);
                for key in keys {
                    y += measured.get(key).copied().unwrap_or(ESTIMATE_PX);
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
    let rows = Memo::new(move |_| {
        let (start, end) = range.get();
        keys.with(|k| k.get(start..end).map(<[_]>::to_vec).unwrap_or_default())
    });
    let padding = move |edge: usize| {
        let (start, end) = range.get();
        offsets.with(|o| match edge {
            0 => o[start],
            _ => o[o.len() - 1] - o[end],
        })
    };

    let list = NodeRef::<Ul>::new();
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
        let changed: Vec<(ItemKey, f64)> = keys.with_untracked(|keys| {
            heights.with_untracked(|known| {
                (0..items.length())
                    .filter_map(|i| {
                        let item: HtmlElement = items.item(i)?.dyn_into().ok()?;
                        let pos: usize = item.get_attribute("data-pos")?.parse().ok()?;
                        let key = keys.get(pos)?;
                        let h = item.offset_height() as f64;
                        (h > 0.0 && known.get(key) != Some(&h)).then(|| (key.clone(), h))
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
        rows.track();
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

    let total = Signal::derive(move || keys.with(Vec::len));
    let reveal = move |_| {
        feed.reveal_incoming();
        // The person asked for the new posts: take them to the top, where they are.
        if let Some(list) = list.get_untracked() {
            let top = page_top(&list) - 80.0;
            if window().scroll_y().unwrap_or(0.0) > top {
                window().scroll_to_with_x_and_y(0.0, top.max(0.0));
            }
        }
    };
    let incoming = move || feed.incoming.with(Vec::len);
    let has_incoming = move || incoming() > 0;

    view! {
        <Show when=has_incoming>
            <button type="button" class="new-posts" on:click=reveal>
                {move || match incoming() {
                    1 => "1 new post".to_owned(),
                    n => format!("{n} new posts"),
                }}
            </button>
        </Show>
        <Show when=move || total.get() == 0>
            <p class="empty">{empty.clone()}</p>
        </Show>
        <ul
            role="list"
            aria-label=label
            class="post-list"
            node_ref=list
            style:padding-top=move || px(padding(0))
            style:padding-bottom=move || px(padding(1))
        >
            <For
                each=move || rows.get()
                key=ItemKey::clone
                children=move |key| view! { <PostRow post_key=key keys total/> }
            />
        </ul>
        <Show when=move || feed.more.get()>
            <button type="button" class="plain load-older" on:click=load_older>
                "Load older"
            </button>
        </Show>
    }
}

/// One row: follows its post by key, so a like or a new comment count redraws only itself.
#[component]
fn PostRow(post_key: ItemKey, keys: Memo<Vec<ItemKey>>, total: Signal<usize>) -> impl IntoView {
    let feed = expect_context::<AppState>().feed;
    let post = {
        let key = post_key.clone();
        Memo::new(move |_| feed.post(&key))
    };
    let index = Memo::new(move |_| {
        keys.with(|keys| keys.iter().position(|k| *k == post_key))
            .unwrap_or(0)
    });
    view! {
        <li class="post-row" data-pos=move || index.get().to_string()>
            <PostArticle post position=Some((index.into(), total)) standalone=false/>
        </li>
    }
}
