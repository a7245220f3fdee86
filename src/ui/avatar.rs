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
    /// Beside the written name (a post's byline, a comment): hidden from assistive
    /// technology, which would read the name twice, and not one of the post's images.
    #[prop(optional)]
    decorative: bool,
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
    // The XEP's hue in 24 steps of 15°, each a CSS rule (main.css): its HSLuv conversion
    // would link float maths for a shade no one compares across clients, and a style
    // attribute would be the one inline style on the page.
    let hue = (xep0392::hue_degrees(&jid) / 15 % 24).to_string();
    let class = if large { "avatar large" } else { "avatar" };
    let letters = initials(&name);
    move || match src.get() {
        src if src.is_empty() && decorative => view! {
            <span class=class data-hue=hue.clone() aria-hidden="true">{letters.clone()}</span>
        }
        .into_any(),
        src if src.is_empty() => view! {
            <span class=class role="img" aria-label=name.clone() data-hue=hue.clone()>
                <span aria-hidden="true">{letters.clone()}</span>
            </span>
        }
        .into_any(),
        src if decorative => {
            view! { <img class=class src=src alt="" aria-hidden="true"/> }.into_any()
        }
        src => view! { <img class=class src=src alt=name.clone()/> }.into_any(),
    }
}
