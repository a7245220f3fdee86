//! The contact list, windowed: only the rows in view are in the DOM, so 5,000 contacts
//! cost what 20 do. Every rendered row carries its position for assistive technology.

use leptos::html::Div;
use leptos::prelude::*;

use crate::state::{AppState, ContactRow};

/// Fixed row height (CSS `--contact-row`); windowing needs it to place rows.
const ROW_PX: f64 = 56.0;
/// Rows rendered beyond each edge so fast scrolling does not show gaps.
const OVERSCAN: usize = 8;

#[component]
pub fn ContactsScreen() -> impl IntoView {
    let state = expect_context::<AppState>();
    let viewport = NodeRef::<Div>::new();
    let scroll_top = RwSignal::new(0.0);
    let height = RwSignal::new(800.0);

    let measure = move || {
        if let Some(el) = viewport.get_untracked() {
            scroll_top.set(el.scroll_top() as f64);
            // Capped by the window: without its stylesheet the viewport would grow to
            // the list's full height and windowing would render everything.
            let window_h = window()
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(800.0);
            let h = (el.client_height() as f64).min(window_h);
            if h > 0.0 {
                height.set(h);
            }
        }
    };
    Effect::new(move |_| {
        if viewport.get().is_some() {
            measure();
        }
    });
    let listener = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || listener.remove());

    let total = move || state.contacts.with(Vec::len);
    let visible = move || {
        let first = ((scroll_top.get() / ROW_PX) as usize).saturating_sub(OVERSCAN);
        let count = (height.get() / ROW_PX).ceil() as usize + 2 * OVERSCAN;
        state.contacts.with(|rows| {
            rows.iter()
                .enumerate()
                .skip(first)
                .take(count)
                .map(|(i, row)| (i, row.clone()))
                .collect::<Vec<_>>()
        })
    };

    view! {
        <section class="contacts" aria-labelledby="contacts-heading">
            <h2 id="contacts-heading">"Contacts"</h2>
            <Show when=move || total() == 0>
                <p class="empty">"No contacts yet."</p>
            </Show>
            <div class="contacts-viewport" node_ref=viewport on:scroll=move |_| measure()>
                <ul
                    role="list"
                    aria-label="Contacts"
                    class="contact-list"
                    style:height=move || format!("{}px", total() as f64 * ROW_PX)
                >
                    <For
                        each=visible
                        key=|(i, row)| (*i, row.jid.clone())
                        children=move |(i, row)| view! { <ContactItem index=i row=row total=Signal::derive(total)/> }
                    />
                </ul>
            </div>
        </section>
    }
}

#[component]
fn ContactItem(index: usize, row: ContactRow, total: Signal<usize>) -> impl IntoView {
    let availability = row.availability;
    view! {
        <li
            class="contact"
            aria-setsize=move || total.get().to_string()
            aria-posinset=(index + 1).to_string()
            style:top=format!("{}px", index as f64 * ROW_PX)
        >
            <span class="presence-dot" data-show=move || availability.get().token() aria-hidden="true"></span>
            <span class="contact-name">{row.name}</span>
            <span class="contact-jid">{row.jid}</span>
            <span class="contact-presence">{move || availability.get().label()}</span>
        </li>
    }
}
