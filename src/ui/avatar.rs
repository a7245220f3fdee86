//! A person's face, the same wherever they appear: their avatar image, named by their
//! name (`<img alt=NAME>`), else their initials on the colour XEP-0392 gives their JID,
//! named the same way (`role="img"`).

use leptos::prelude::*;

use crate::app::App;
use crate::proto::xep0392;
use crate::service::people::initials;
use crate::state::AppState;

/// `jid`'s avatar, named `name`. `large`: the person page's. The image is read from the
/// device's cache the first time a face shows it (without an [`App`] in context, as in
/// tests, only what the state holds shows).
#[component]
pub fn Avatar(
    #[prop(into)] jid: String,
    #[prop(into)] name: Signal<String>,
    #[prop(optional)] large: bool,
) -> impl IntoView {
    let people = expect_context::<AppState>().people;
    let app = use_context::<App>();
    let hash = {
        let jid = jid.clone();
        Memo::new(move |_| people.avatar(&jid))
    };
    let src = Memo::new(move |_| hash.with(|h| h.as_deref().and_then(|h| people.url(h))));
    Effect::new(move |_| {
        if let (Some(hash), Some(app)) = (hash.get(), app) {
            if src.with(Option::is_none) {
                app.show_avatar(hash);
            }
        }
    });
    // CSS hsl() from the XEP's hue in whole degrees: its HSLuv conversion would link
    // float maths and formatting for a shade no one compares across clients.
    let colour = format!("hsl({} 60% 38%)", xep0392::hue_degrees(&jid));
    let class = if large { "avatar large" } else { "avatar" };
    move || {
        match src.get() {
        Some(src) => view! { <img class=class src=src alt=move || name.get()/> }.into_any(),
        None => view! {
            <span class=class role="img" aria-label=move || name.get() style:background-color=colour.clone()>
                <span aria-hidden="true">{move || initials(&name.get())}</span>
            </span>
        }
        .into_any(),
    }
    }
}
