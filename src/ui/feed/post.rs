//! One post as an `article`: title heading, author, content, likes, comments, and the
//! author's own Edit and Delete.

use leptos::html::Div;
use leptos::prelude::*;

use super::composer::ComposerDraft;
use super::render::{self, Content};
use crate::app::use_app;
use crate::service::images::ImageSources;
use crate::state::feed::PostView;
use crate::state::Route;
use crate::ui::avatar::Avatar;

/// `12 Mar 2026, 14:05` in the person's own locale and time zone.
pub fn when(epoch_ms: f64) -> String {
    thread_local! {
        // One formatter for every post: building one per call is the slow part.
        static FORMAT: js_sys::Function = {
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
            let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options).format()
        };
    }
    let date = js_sys::Date::new(&epoch_ms.into());
    FORMAT
        .with(|format| format.call1(&wasm_bindgen::JsValue::NULL, &date))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// `2026-03-12T13:05:00.000Z`, for `<time datetime>`.
pub fn iso(epoch_ms: f64) -> String {
    js_sys::Date::new(&epoch_ms.into())
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// A post, read through `post` so that only what changed is redrawn: the content DOM is
/// rebuilt only when the content itself differs.
#[component]
pub fn PostArticle(
    post: Memo<Option<PostView>>,
    /// `(posinset, setsize)` inside a list.
    position: Option<(Signal<usize>, Signal<usize>)>,
    /// The post's own page: its title is the page heading and not a link.
    standalone: bool,
) -> impl IntoView {
    let app = use_app();
    let state = app.state;
    let draft = use_context::<ComposerDraft>();
    let field = move |f: fn(&PostView) -> String| {
        Memo::new(move |_| post.with(|p| p.as_ref().map(f).unwrap_or_default()))
    };
    let title = field(|p| p.details().title.clone());
    let author = field(|p| p.author.clone());
    let author_name = field(|p| p.details().author_name.clone());
    let key = Memo::new(move |_| post.with(|p| p.as_ref().map(|p| p.key.clone())));
    let flags = Memo::new(move |_| {
        post.with(|p| {
            p.as_ref().map(|p| Flags {
                published: p.published,
                has_comments: p.details().has_comments,
                comment_count: p.comment_count,
                like_count: p.like_count,
                liked: p.liked,
                own: p.own,
                pending: p.pending,
                failed: p.failed.clone(),
                public: p.public,
            })
        })
    });
    let flag = move |f: fn(&Flags) -> bool| move || flags.with(|x| x.as_ref().is_some_and(f));
    let content = Memo::new(move |_| {
        post.with(|p| {
            p.as_ref().map(|p| {
                let d = p.details();
                Content {
                    body: d.body.clone(),
                    images: d.images.clone(),
                    files: d.files.clone(),
                    related: d.related.clone(),
                    tags: d.tags.clone(),
                }
            })
        })
    });

    // Which images may load: rebuilt (and the content with it) only when the answer
    // changes, as when the person clicks **Show image**.
    let sources = Memo::new(move |_| {
        let (Some(key), author) = (key.get(), author.get()) else {
            return ImageSources::default();
        };
        state.images.sources(&state, &author, &key)
    });
    // Images of this post waiting for **Show image**.
    let held = RwSignal::new(0);
    let body = NodeRef::<Div>::new();
    Effect::new(move |_| {
        let Some(el) = body.get() else { return };
        let waiting = content.with(|c| match c {
            Some(c) => sources.with(|s| render::fill(&el, c, s)),
            None => {
                el.set_text_content(None);
                0
            }
        });
        held.set(waiting);
    });
    let show_images = move |_| {
        if let Some(k) = key.get_untracked() {
            state.images.show(k);
        }
    };

    let href = move || key.with(|k| k.as_ref().map(Route::post_href).unwrap_or_default());
    let heading_text = move || {
        let t = title.get();
        if t.trim().is_empty() {
            "Untitled post".to_owned()
        } else {
            t
        }
    };
    let heading = if standalone {
        view! { <h2 class="post-title">{heading_text}</h2> }.into_any()
    } else {
        view! { <h3 class="post-title"><a href=href>{heading_text}</a></h3> }.into_any()
    };
    let published = move || flags.with(|f| f.as_ref().map(|f| f.published).unwrap_or(0.0));
    let dated = move || published() > 0.0;

    let like = move |_| {
        if let Some(k) = key.get_untracked() {
            let liked = flags.with_untracked(|f| f.as_ref().is_some_and(|f| f.liked));
            app.act(async move { app.account()?.set_like(k, !liked).await });
        }
    };
    let edit = move |_| {
        let (Some(draft), Some(p)) = (draft, post.get_untracked()) else {
            return;
        };
        draft.edit(&p);
    };
    let confirming = RwSignal::new(false);
    let remove = move |_| {
        confirming.set(false);
        if let Some(k) = key.get_untracked() {
            app.act(async move { app.account()?.delete(k).await });
        }
        // A deleted post's page would only say it is missing.
        if standalone {
            let _ = window().location().set_hash(&Route::Feed.href());
        }
    };

    view! {
        <article
            class="post"
            aria-posinset=move || position.map(|(i, _)| (i.get() + 1).to_string())
            aria-setsize=move || position.map(|(_, n)| n.get().to_string())
            data-pending=move || flag(|f| f.pending)().to_string()
        >
            <header>
                {heading}
                <p class="byline">
                    {move || view! { <Avatar jid=author.get() name=author_name.get() decorative=true/> }}
                    <a href=move || Route::Person(author.get()).href()><bdi>{move || author_name.get()}</bdi></a>
                    <Show when=dated>
                        " · "
                        <time datetime=move || iso(published())>{move || when(published())}</time>
                    </Show>
                    <Show when=flag(|f| f.own)>
                        " · "
                        {move || if flag(|f| f.public)() { "Public" } else { "Contacts" }}
                    </Show>
                </p>
            </header>
            <div class="post-content" node_ref=body></div>
            <Show when=move || held.get() != 0>
                <p class="images-held">
                    <button type="button" class="plain" on:click=show_images>"Show image"</button>
                </p>
            </Show>
            <Show when=flag(|f| f.pending)>
                <p class="pending">"Pending"</p>
            </Show>
            <Show when=flag(|f| f.failed.is_some())>
                <p class="failed" role="note">
                    "Not published: "
                    {move || flags.with(|f| f.as_ref().and_then(|f| f.failed.clone()).unwrap_or_default())}
                </p>
            </Show>
            <footer class="post-actions">
                <Show when=flag(|f| f.has_comments)>
                    <button
                        type="button"
                        class="plain like"
                        aria-pressed=move || flag(|f| f.liked)().to_string()
                        on:click=like
                    >
                        "Like "
                        <span class="count">
                            {move || flags.with(|f| f.as_ref().map(|f| f.like_count).unwrap_or(0))}
                        </span>
                    </button>
                    <a class="comments" href=href>
                        "Comments "
                        <span class="count">
                            {move || flags.with(|f| f.as_ref().map(|f| f.comment_count).unwrap_or(0))}
                        </span>
                    </a>
                </Show>
                <Show when=move || flag(|f| f.own)() && draft.is_some()>
                    <button type="button" class="plain" on:click=edit>"Edit"</button>
                </Show>
                <Show when=flag(|f| f.own)>
                    <button
                        type="button"
                        class="plain"
                        aria-expanded=move || confirming.get().to_string()
                        on:click=move |_| confirming.update(|c| *c = !*c)
                    >
                        "Delete"
                    </button>
                </Show>
            </footer>
            <Show when=move || confirming.get()>
                <div class="confirm" role="group" aria-label="Confirm deletion">
                    <p>"Delete this post for everyone? This cannot be undone."</p>
                    <button type="button" class="danger" on:click=remove>"Delete post"</button>
                    <button type="button" class="plain" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </Show>
        </article>
    }
}

/// The small, often-changing part of a post, compared apart from its content.
#[derive(Clone, Debug, PartialEq)]
struct Flags {
    published: f64,
    has_comments: bool,
    comment_count: usize,
    like_count: usize,
    liked: bool,
    own: bool,
    pending: bool,
    failed: Option<String>,
    public: bool,
}
