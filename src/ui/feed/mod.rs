//! The social feed (XEP-0277): the timeline with its composer, a post's page with its
//! comments, and a person's page. Post content is untrusted and becomes DOM only through
//! [`render`].

mod composer;
mod list;
mod page;
mod post;
pub mod render;

use leptos::prelude::*;

use crate::state::AppState;
use crate::ui::avatar::Avatar;
use composer::{Composer, ComposerDraft};
use list::PostList;
pub use page::PostPage;

#[component]
pub fn FeedScreen() -> impl IntoView {
    provide_context(ComposerDraft::new());
    view! {
        <section class="feed" aria-labelledby="feed-heading">
            <h2 id="feed-heading">"Feed"</h2>
            <Composer always=true/>
            <SyncStatus/>
            <ImageSetting/>
            <PostList
                label="Feed"
                author=None
                empty="Nothing here yet. Write a first post, or add contacts to read theirs."
            />
        </section>
    }
}

/// One person's posts, under their name.
#[component]
pub fn PersonPage(jid: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    provide_context(ComposerDraft::new());
    let name = {
        let jid = jid.clone();
        Memo::new(move |_| {
            let roster = state
                .contacts
                .with(|c| c.iter().find(|c| c.jid == jid).map(|c| c.name.clone()));
            roster
                .or_else(|| {
                    state.feed.timeline.with(|t| {
                        t.iter()
                            .find(|p| p.author == jid)
                            .map(|p| p.details().author_name.clone())
                    })
                })
                .unwrap_or_else(|| jid.clone())
        })
    };
    let empty = format!("No posts from {} yet.", crate::ui::isolate(&jid));
    // Anyone but oneself can be written to.
    let own = state.account.get_untracked().as_deref() == Some(jid.as_str());
    let about = {
        let jid = jid.clone();
        move || state.people.about(&jid)
    };
    view! {
        <section class="feed person" aria-labelledby="person-heading">
            <div class="person-head">
                {
                    let jid = jid.clone();
                    move || view! { <Avatar jid=jid.clone() name=name.get() large=true/> }
                }
                <h2 id="person-heading"><bdi>{move || name.get()}</bdi></h2>
            </div>
            <p class="person-jid"><bdi>{jid.clone()}</bdi></p>
            {move || about().map(|text| view! { <p class="person-about">{text}</p> })}
            {(!own).then(|| view! { <crate::ui::chat::MessageButton jid=jid.clone()/> })}
            <Composer always=false/>
            <PostList label="Posts" author=Some(jid) empty/>
        </section>
    }
}

/// Progress of fetching contacts' feeds, while it runs.
#[component]
fn SyncStatus() -> impl IntoView {
    let sync = expect_context::<AppState>().feed.sync;
    view! {
        <Show when=move || sync.with(Option::is_some)>
            <p role="status" class="feed-sync">
                {move || {
                    let (done, total) = sync.get().unwrap_or_default();
                    format!("Syncing {done} / {total} contacts")
                }}
            </p>
        </Show>
    }
}

/// **Always show images**: images in posts from any host load, not only those from the
/// person's own server and the author's.
#[component]
fn ImageSetting() -> impl IntoView {
    let images = expect_context::<AppState>().images;
    view! {
        <p class="feed-setting">
            <label>
                <input
                    type="checkbox"
                    prop:checked=move || images.always.get()
                    on:change=move |ev| images.set_always(event_target_checked(&ev))
                />
                "Always show images"
            </label>
        </p>
    }
}
