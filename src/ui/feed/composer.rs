//! Writing a post, or editing one of one's own: title, Markdown, who may read it, an image.

use crate::proto::json::number_text;
use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use web_sys::File;

use crate::app::{use_app, Draft};
use crate::service::feed::ItemKey;
use crate::state::feed::{PostView, Visibility};

const TITLE_ID: &str = "composer-title";

/// The form's content, provided by each screen that shows posts so that a post's **Edit**
/// can fill it.
#[derive(Clone, Copy)]
pub struct ComposerDraft {
    title: RwSignal<String>,
    markdown: RwSignal<String>,
    /// `contacts` or `public`: the select's own values.
    visibility: RwSignal<String>,
    image: RwSignal<Option<File>, LocalStorage>,
    /// Published as the image's title; without one the title is a neutral word.
    caption: RwSignal<String>,
    /// The post being edited: publishing replaces it (same item id).
    editing: RwSignal<Option<ItemKey>>,
}

impl Default for ComposerDraft {
    fn default() -> Self {
        Self::new()
    }
}

impl ComposerDraft {
    pub fn new() -> Self {
        ComposerDraft {
            title: RwSignal::new(String::new()),
            markdown: RwSignal::new(String::new()),
            visibility: RwSignal::new("contacts".to_owned()),
            image: RwSignal::new_local(None),
            caption: RwSignal::new(String::new()),
            editing: RwSignal::new(None),
        }
    }

    /// Loads one's own post into the form and brings the form into view.
    pub fn edit(&self, post: &PostView) {
        self.title.set(post.details().edit_title.clone());
        self.markdown.set(post.details().edit_markdown.clone());
        self.visibility
            .set(if post.public { "public" } else { "contacts" }.to_owned());
        self.image.set(None);
        self.caption.set(String::new());
        self.editing.set(Some(post.key.clone()));
        // After the composer (shown only while editing on some screens) has rendered.
        request_animation_frame(|| {
            let title = document().get_element_by_id(TITLE_ID);
            if let Some(title) =
                title.and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
            {
                title.scroll_into_view();
                let _ = title.focus();
            }
        });
    }

    fn clear(&self) {
        self.title.try_set(String::new());
        self.markdown.try_set(String::new());
        self.visibility.try_set("contacts".to_owned());
        self.image.try_set(None);
        self.caption.try_set(String::new());
        self.editing.try_set(None);
    }

    fn visibility(&self) -> Visibility {
        match self.visibility.get_untracked().as_str() {
            "public" => Visibility::Public,
            _ => Visibility::Contacts,
        }
    }
}

/// The form. With `always` false it shows only while a post is being edited (post and
/// person pages); the feed shows it always.
#[component]
pub fn Composer(always: bool) -> impl IntoView {
    let app = use_app();
    let state = app.state;
    let draft = expect_context::<ComposerDraft>();
    let title_error = RwSignal::new(None::<String>);
    let file_input = NodeRef::<Input>::new();
    let publish = Action::new_local(move |outcome: &Draft| {
        let outcome = outcome.clone();
        async move {
            let published = async { app.account()?.publish(outcome).await }.await;
            // The screen may be gone by the time the outbox answered: `try_*` throughout.
            if published.is_ok() {
                draft.clear();
                if let Some(input) = file_input.try_get_untracked().flatten() {
                    input.set_value("");
                }
            }
            published
        }
    });
    let busy = move || publish.pending().get();
    let publish_error = move || publish.value().with(|v| v.clone().and_then(Result::err));
    let title_input = NodeRef::<Input>::new();
    let editing = move || draft.editing.with(Option::is_some);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if publish.pending().get_untracked() {
            return;
        }
        let title = draft.title.get_untracked();
        if title.trim().is_empty() {
            title_error.set(Some("Give your post a title.".into()));
            if let Some(input) = title_input.get_untracked() {
                let _ = input.focus();
            }
            return;
        }
        title_error.set(None);
        publish.clear();
        let outcome = Draft {
            title: title.trim().to_owned(),
            markdown: draft.markdown.get_untracked(),
            visibility: draft.visibility(),
            image: draft.image.get_untracked(),
            caption: draft.caption.get_untracked(),
            editing: draft.editing.get_untracked(),
        };
        publish.dispatch_local(outcome);
    };
    let choose = move |_| {
        if let Some(input) = file_input.get_untracked() {
            input.click();
        }
    };
    let chosen = move |_| {
        let file = file_input
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        draft.image.set(file);
    };
    let remove_image = move |_| {
        draft.image.set(None);
        draft.caption.set(String::new());
        // Else choosing the same file again would not fire `change`.
        if let Some(input) = file_input.get_untracked() {
            input.set_value("");
        }
    };
    let cancel_edit = move |_| {
        draft.clear();
        title_error.set(None);
        publish.clear();
    };
    let image_name = move || draft.image.with(|f| f.as_ref().map(File::name));
    let upload = move || state.feed.upload.get();

    view! {
        <Show when=move || always || editing()>
            <form
                class="composer"
                aria-label=move || if editing() { "Edit post" } else { "New post" }
                on:submit=submit
                novalidate
            >
                <Show when=editing>
                    <p class="editing">
                        "Editing your post"
                        <button type="button" class="plain" on:click=cancel_edit>"Cancel editing"</button>
                    </p>
                </Show>
                <label for=TITLE_ID>"Title"</label>
                <input
                    id=TITLE_ID
                    type="text"
                    required
                    aria-invalid=move || title_error.with(Option::is_some).to_string()
                    aria-describedby="composer-title-error"
                    node_ref=title_input
                    bind:value=draft.title
                />
                <Show when=move || title_error.with(Option::is_some)>
                    <p id="composer-title-error" class="field-error" role="alert">
                        {move || title_error.get().unwrap_or_default()}
                    </p>
                </Show>
                <label for="composer-post">"Post"</label>
                <textarea
                    id="composer-post"
                    rows="4"
                    placeholder="Markdown works: **bold**, _italic_, [a link](https://…), #tags"
                    bind:value=draft.markdown
                ></textarea>
                <div class="composer-row">
                    <label for="composer-visibility">"Visibility"</label>
                    <select id="composer-visibility" bind:value=draft.visibility>
                        <option value="contacts">"Contacts"</option>
                        <option value="public">"Public"</option>
                    </select>
                    <button type="button" class="plain" on:click=choose>"Attach image"</button>
                    <input
                        type="file"
                        accept="image/*"
                        hidden
                        tabindex="-1"
                        node_ref=file_input
                        on:change=chosen
                    />
                    <button type="submit" class="publish" aria-busy=move || busy().to_string()>
                        "Publish"
                    </button>
                </div>
                <Show when=move || image_name().is_some()>
                    <p class="attachment">
                        <span>{move || image_name().unwrap_or_default()}</span>
                        <button
                            type="button"
                            class="plain"
                            aria-label=move || format!("Remove image {}", image_name().unwrap_or_default())
                            on:click=remove_image
                        >
                            "Remove"
                        </button>
                    </p>
                    <p class="attachment">
                        <label for="composer-caption">"Image caption"</label>
                        <input
                            id="composer-caption"
                            type="text"
                            placeholder="Published with the image (else it is called “Image”)"
                            bind:value=draft.caption
                        />
                    </p>
                </Show>
                <Show when=move || upload().is_some()>
                    <p class="upload">
                        <label for="composer-upload">"Uploading image"</label>
                        <progress id="composer-upload" max="1" value=move || number_text(upload().unwrap_or(0.0))></progress>
                    </p>
                </Show>
                <Show when=move || publish_error().is_some()>
                    <p class="field-error" role="alert">{move || publish_error().map(|e| e.0).unwrap_or_default()}</p>
                </Show>
            </form>
        </Show>
    }
}
