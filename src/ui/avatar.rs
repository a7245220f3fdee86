//! A person's face, the same wherever they appear: their avatar image, named by their
//! name (`<img alt=NAME>`), else their initials on the colour XEP-0392 gives their JID,
//! named the same way (`role="img"`).

use leptos::prelude::*;

use crate::app::use_app;
use crate::proto::xep0392;
use crate::service::people::initials;

/// `jid`'s avatar, named `name`; `large`: the person page's. Its image is read from the
/// device's cache the first time a face shows it. (A new name draws a new avatar.)
#[component]
pub fn Avatar(
    #[prop(into)] jid: String,
    #[prop(into)] name: String,
    #[prop(optional)] large: bool,
) -> impl IntoView {
    let app = use_app();
    let people = app.state.people;
    let src = {
        let jid = jid.clone();
        Memo::new(move |_| people.src(&jid))
    };
    {
        let jid = jid.clone();
        Effect::new(move |_| {
            if let Some(hash) = people.missing(&jid) {
                app.show_avatar(hash);
            }
        });
    }
    // CSS hsl() from the XEP's hue in whole degrees: its HSLuv conversion would link
    // float maths and formatting for a shade no one compares across clients.
    let colour = format!("hsl({} 60% 38%)", xep0392::hue_degrees(&jid));
    let class = if large { "avatar large" } else { "avatar" };
    let letters = initials(&name);
    move || {
        match src.get() {
        src if src.is_empty() => view! {
            <span class=class role="img" aria-label=name.clone() style:background-color=colour.clone()>
                <span aria-hidden="true">{letters.clone()}</span>
            </span>
        }
        .into_any(),
        src => view! { <img class=class src=src alt=name.clone()/> }.into_any(),
    }
    }
}
