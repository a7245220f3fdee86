//! The contact list, windowed: only the rows in view are in the DOM, so 5,000 contacts
//! cost what 20 do. Every rendered row carries its position for assistive technology.

use crate::proto::jid::BareJid;
use leptos::ev::SubmitEvent;
use leptos::html::Div;
use leptos::prelude::*;

use crate::app::use_app;
use crate::service::roster::RosterEdit;
use crate::state::{AppState, ContactRow};
use crate::ui::{isolate, px};

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
            <AddContact/>
            <Show when=move || total() == 0>
                <p class="empty">"No contacts yet."</p>
            </Show>
            <div class="contacts-viewport" node_ref=viewport on:scroll=move |_| measure()>
                <ul
                    role="list"
                    aria-label="Contacts"
                    class="contact-list"
                    style:height=move || px(total() as f64 * ROW_PX)
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

/// Adds a contact: stored in the outbox first, so it works offline and survives reload.
#[component]
fn AddContact() -> impl IntoView {
    let app = use_app();
    let state = app.state;
    let jid = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let add = Action::new_local(move |edit: &RosterEdit| {
        let edit = edit.clone();
        async move { app.account()?.edit_roster(edit).await }
    });
    let invalid = RwSignal::new(None::<String>);
    // What was typed wrong, else why the last addition did not happen.
    let error = move || {
        invalid.get().or_else(|| {
            add.value()
                .with(|v| v.clone().and_then(Result::err).map(|e| e.0))
        })
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = jid.get_untracked();
        // Typed by a person: fully prepared, unlike JIDs from the wire.
        let parsed = BareJid::from_typed(typed.trim())
            .ok()
            .filter(|j| j.node().is_some());
        let Some(contact) = parsed else {
            invalid.set(Some(
                "Enter the contact's Jabber ID, like name@example.org".into(),
            ));
            return;
        };
        if state.account.get_untracked().as_deref() == Some(contact.as_str()) {
            invalid.set(Some("That is your own Jabber ID".into()));
            return;
        }
        invalid.set(None);
        let given = name.get_untracked().trim().to_owned();
        let edit = RosterEdit::Set {
            jid: contact,
            name: (!given.is_empty()).then_some(given),
        };
        jid.set(String::new());
        name.set(String::new());
        add.dispatch_local(edit);
    };
    view! {
        <form class="add-contact" on:submit=submit novalidate>
            <label for="add-contact-jid">"Jabber ID of new contact"</label>
            <input
                id="add-contact-jid"
                type="text"
                autocapitalize="none"
                spellcheck="false"
                placeholder="name@example.org"
                aria-invalid=move || error().is_some().to_string()
                aria-describedby="add-contact-error"
                bind:value=jid
            />
            <label for="add-contact-name">"Name"</label>
            <input id="add-contact-name" type="text" bind:value=name/>
            <button type="submit">"Add contact"</button>
            <Show when=move || error().is_some()>
                <p id="add-contact-error" class="field-error" role="alert">
                    {move || error().unwrap_or_default()}
                </p>
            </Show>
        </form>
    }
}

#[component]
fn ContactItem(index: usize, row: ContactRow, total: Signal<usize>) -> impl IntoView {
    let app = use_app();
    let state = app.state;
    let availability = row.availability;
    let jid = row.jid.clone();
    let remove_label = format!("Remove {}", row.name);
    let marker = Signal::derive(move || {
        state.roster_write(&jid).map(|w| match w.failed {
            None => "Pending",
            Some(_) => "Refused",
        })
    });
    let remove = {
        let (jid, name) = (row.jid.clone(), row.name.clone());
        move |_| {
            let ask = format!(
                "Remove {} ({}) from your contacts?",
                isolate(&name),
                isolate(&jid)
            );
            if !window().confirm_with_message(&ask).unwrap_or(false) {
                return;
            }
            if let Ok(jid) = BareJid::new(&jid) {
                let edit = RosterEdit::Remove(jid);
                app.act(async move { app.account()?.edit_roster(edit).await });
            }
        }
    };
    let message_jid = row.jid.clone();
    view! {
        <li
            class="contact"
            aria-setsize=move || total.get().to_string()
            aria-posinset=(index + 1).to_string()
            style:top=px(index as f64 * ROW_PX)
        >
            <span class="presence-dot" data-show=move || availability.get().token() aria-hidden="true"></span>
            <bdi class="contact-name">{row.name}</bdi>
            <bdi class="contact-jid">{row.jid}</bdi>
            <span class="contact-presence">
                {move || availability.get().label()}
                <Show when=move || marker.with(Option::is_some)>
                    <span class="pending">" · "{move || marker.get()}</span>
                </Show>
            </span>
            <crate::ui::chat::MessageButton jid=message_jid/>
            <button type="button" class="plain remove" aria-label=remove_label on:click=remove>
                "Remove"
            </button>
        </li>
    }
}
