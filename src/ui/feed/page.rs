//! A post's own page: the post, its comments, and a form to add one.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::composer::{Composer, ComposerDraft};
use super::post::{iso, when, PostArticle};
use crate::app::use_app;
use crate::service::feed::ItemKey;
use crate::state::feed::CommentView;
use crate::state::Route;
use crate::ui::avatar::Avatar;

#[component]
pub fn PostPage(key: ItemKey) -> impl IntoView {
    let app = use_app();
    let feed = app.state.feed;
    provide_context(ComposerDraft::new());
    // Comments are fetched when the page opens, not for every post in the feed.
    {
        let key = key.clone();
        app.act(async move { app.account()?.open_post(key).await });
    }
    let post = {
        let key = key.clone();
        Memo::new(move |_| feed.post(&key))
    };
    let comments = {
        let key = key.clone();
        Memo::new(move |_| {
            feed.comments
                .with(|c| c.get(&key).cloned().unwrap_or_default())
        })
    };
    let count = move || comments.with(Vec::len);

    view! {
        <section class="post-page" aria-label="Post">
            <p class="back"><a href=Route::Feed.href()>"Back to the feed"</a></p>
            <Composer always=false/>
            <Show
                when=move || post.with(Option::is_some)
                fallback=|| view! { <p class="empty" role="status">"Loading the post…"</p> }
            >
                <PostArticle post position=None standalone=true/>
            </Show>
            <h3 class="comments-heading">"Comments"</h3>
            <Show when=move || count() == 0>
                <p class="empty">"No comments yet."</p>
            </Show>
            <ul role="list" aria-label="Comments" class="comment-list">
                <For
                    each=move || comments.get()
                    key=|c| (c.id.clone(), c.pending, c.text.clone())
                    children=|c| view! { <CommentItem comment=c/> }
                />
            </ul>
            <CommentForm key/>
        </section>
    }
}

#[component]
fn CommentItem(comment: CommentView) -> impl IntoView {
    let published = comment.published;
    view! {
        <li class="comment">
            <p class="byline">
                {byline(&comment)}
                {(published > 0.0).then(|| view! {
                    " · "
                    <time datetime=iso(published)>{when(published)}</time>
                })}
                {comment.pending.then_some(view! { " · " <span class="pending">"Pending"</span> })}
            </p>
            <p class="comment-text">{comment.text}</p>
        </li>
    }
}

/// Who wrote a comment: a link to them when the service vouches; a claim shows the JID
/// it names, marked as unverified; nobody, "unknown".
fn byline(comment: &CommentView) -> AnyView {
    let name = comment.author_name.clone();
    if comment.author.is_empty() {
        return view! { <span class="author unverified"><bdi>{name}</bdi></span> }.into_any();
    }
    let href = Route::Person(comment.author.clone()).href();
    if comment.verified {
        let jid = comment.author.clone();
        return view! { <Avatar jid name=name.clone() decorative=true/> <a href=href><bdi>{name}</bdi></a> }
            .into_any();
    }
    view! {
        <a href=href class="unverified" title="Only the comment itself says it is by this address">
            <bdi>{name}</bdi>
        </a>
        " (unverified)"
    }
    .into_any()
}

#[component]
fn CommentForm(key: ItemKey) -> impl IntoView {
    let app = use_app();
    let text = RwSignal::new(String::new());
    let invalid = RwSignal::new(None::<String>);
    let send = Action::new_local(move |(key, typed): &(ItemKey, String)| {
        let (key, typed) = (key.clone(), typed.clone());
        async move {
            let sent = async { app.account()?.comment(key, typed).await }.await;
            if sent.is_ok() {
                text.try_set(String::new());
            }
            sent
        }
    });
    let busy = move || send.pending().get();
    // What was typed wrong, else why the last comment did not go.
    let error = move || {
        invalid.get().or_else(|| {
            send.value()
                .with(|v| v.clone().and_then(Result::err).map(|e| e.0))
        })
    };
    let key = StoredValue::new(key);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if send.pending().get_untracked() {
            return;
        }
        let typed = text.get_untracked();
        if typed.trim().is_empty() {
            invalid.set(Some("Write something to comment.".into()));
            return;
        }
        invalid.set(None);
        send.clear();
        send.dispatch_local((key.get_value(), typed.trim().to_owned()));
    };
    view! {
        <form class="comment-form" on:submit=submit novalidate>
            <label for="comment-text">"Comment"</label>
            <textarea
                id="comment-text"
                rows="2"
                aria-invalid=move || error().is_some().to_string()
                aria-describedby="comment-error"
                bind:value=text
            ></textarea>
            <Show when=move || error().is_some()>
                <p id="comment-error" class="field-error" role="alert">
                    {move || error().unwrap_or_default()}
                </p>
            </Show>
            <button type="submit" aria-busy=move || busy().to_string()>"Send comment"</button>
        </form>
    }
}
