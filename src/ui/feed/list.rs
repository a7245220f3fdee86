//! The timeline, windowed (`ui::window`): a 1,000-post timeline costs what a dozen
//! posts do.

use leptos::html::Ul;
use leptos::prelude::*;

use super::post::PostArticle;
use crate::app::use_app;
use crate::service::feed::ItemKey;
use crate::state::AppState;
use crate::ui::px;
use crate::ui::window::{page_top, row_key, windowed};

/// Height assumed for a post not yet rendered (a title, a paragraph, the actions).
const ESTIMATE_PX: f64 = 220.0;

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
    let hashed = Memo::new(move |_| {
        keys.with(|k| {
            k.iter()
                .map(|k| row_key(&[&k.service, &k.node, &k.id]))
                .collect()
        })
    });
    let list = NodeRef::<Ul>::new();
    let win = windowed(hashed, list, ESTIMATE_PX);
    let rows = Memo::new(move |_| {
        let (start, end) = win.range.get();
        keys.with(|k| k.get(start..end).map(<[_]>::to_vec).unwrap_or_default())
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
            style:padding-top=move || px(win.padding(false))
            style:padding-bottom=move || px(win.padding(true))
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
