//! The contact list, windowed: only the rows in view are in the DOM, so 5,000 contacts
//! cost what 20 do. Every rendered row carries its position for assistive technology.

use crate::proto::jid::BareJid;
use leptos::ev::SubmitEvent;
use leptos::html::Div;
use leptos::prelude::*;

use crate::app::use_app;
use crate::service::roster::RosterEdit;
use crate::state::{AppState, ContactRow, RequestRow};
use crate::ui::avatar::Avatar;
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

    // "" shows everyone; else the contacts in that group.
    let group = RwSignal::new(String::new());
    let in_group = move |row: &ContactRow| group.with(|g| g.is_empty() || row.groups.contains(g));
    let total = move || {
        state
            .contacts
            .with(|rows| rows.iter().filter(|r| in_group(r)).count())
    };
    let visible = move || {
        let first = ((scroll_top.get() / ROW_PX) as usize).saturating_sub(OVERSCAN);
        let count = (height.get() / ROW_PX).ceil() as usize + 2 * OVERSCAN;
        state.contacts.with(|rows| {
            rows.iter()
                .filter(|r| in_group(r))
                .enumerate()
                .skip(first)
                .take(count)
                .map(|(i, row)| (i, row.clone()))
                .collect::<Vec<_>>()
        })
    };
    let groups = move || {
        let mut all: Vec<String> = state
            .contacts
            .with(|rows| rows.iter().flat_map(|r| r.groups.iter().cloned()).collect());
        all.sort();
        all.dedup();
        all
    };
    let renaming = RwSignal::new(None::<ContactRow>);
    provide_context(Renaming(renaming));

    view! {
        <section class="contacts" aria-labelledby="contacts-heading">
            <h2 id="contacts-heading">"Contacts"</h2>
            <AddContact/>
            <Requests/>
            <Show when=move || !groups().is_empty()>
                <label class="group-filter">
                    "Show group "
                    <select on:change=move |ev| group.set(event_target_value(&ev))>
                        <option value="">"All contacts"</option>
                        {move || groups().into_iter().map(|g| view! { <option value=g.clone()>{g.clone()}</option> }).collect_view()}
                    </select>
                </label>
            </Show>
            <Show when=move || total() == 0>
                <p class="empty">"No contacts yet."</p>
            </Show>
            <RenameDialog renaming/>
            <div class="contacts-viewport" node_ref=viewport on:scroll=move |_| measure()>
                <ul
                    role="list"
                    aria-label="Contacts"
                    class="contact-list"
                    style:height=move || px(total() as f64 * ROW_PX)
                >
                    <For
                        each=visible
                        // What a row shows but its presence (a signal of its own) is in
                        // its key: a new name (a nickname, a rename) or a subscription
                        // change draws the row anew.
                        key=|(i, row)| (*i, row.jid.clone(), row.name.clone(), row.sharing)
                        children=move |(i, row)| view! { <ContactItem index=i row=row total=Signal::derive(total)/> }
                    />
                </ul>
            </div>
            <Blocked/>
        </section>
    }
}

/// The contact being renamed, for the one rename dialog of the screen.
#[derive(Clone, Copy)]
struct Renaming(RwSignal<Option<ContactRow>>);

/// **Rename** (and regroup) a contact: a roster set like adding, through the outbox.
#[component]
fn RenameDialog(renaming: RwSignal<Option<ContactRow>>) -> impl IntoView {
    let app = use_app();
    let name = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(row) = renaming.get() {
            name.set(row.name.clone());
            group.set(row.groups.first().cloned().unwrap_or_default());
        }
    });
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(row) = renaming.get_untracked() else {
            return;
        };
        renaming.set(None);
        let Ok(jid) = BareJid::new(&row.jid) else {
            return;
        };
        let given = name.get_untracked().trim().to_owned();
        let edit = RosterEdit::Set {
            jid,
            name: (!given.is_empty()).then_some(given),
            groups: groups_from(&group.get_untracked()),
        };
        app.act(async move { app.account()?.edit_roster(edit).await });
    };
    let label = move || {
        renaming.with(|r| {
            r.as_ref()
                .map(|r| format!("Rename {}", r.name))
                .unwrap_or_default()
        })
    };
    view! {
        <Show when=move || renaming.with(Option::is_some)>
            <form role="dialog" aria-label=label class="rename-contact" on:submit=save>
                <label>"Name" <input type="text" bind:value=name/></label>
                <label>"Group" <input type="text" bind:value=group/></label>
                <button type="submit">"Save"</button>
                <button type="button" class="plain" on:click=move |_| renaming.set(None)>"Cancel"</button>
            </form>
        </Show>
    }
}

/// A group typed by the person: one group, or none when blank.
fn groups_from(typed: &str) -> Vec<String> {
    let typed = typed.trim();
    match typed.is_empty() {
        true => vec![],
        false => vec![typed.to_owned()],
    }
}

/// **Contact requests**: people asking to see the account's presence. A stranger's
/// claimed nickname shows as a claim beside the JID, never as a contact's name.
#[component]
fn Requests() -> impl IntoView {
    let app = use_app();
    let state = app.state;
    let item = move |row: RequestRow| {
        let answer = move |jid: String, accept: bool| {
            move |_| {
                let Ok(jid) = BareJid::new(&jid) else {
                    return;
                };
                app.act(async move { app.account()?.answer_request(jid, accept).await });
            }
        };
        let block = {
            let jid = row.jid.clone();
            move |_| block_jid(app, &jid, true)
        };
        view! {
            <li class="request">
                <bdi class="contact-jid">{row.jid.clone()}</bdi>
                {row.nick.map(|n| view! { <span class="claimed">" says they are "<bdi>{n}</bdi></span> })}
                <button type="button" on:click=answer(row.jid.clone(), true)>"Accept"</button>
                <button type="button" class="plain" on:click=answer(row.jid.clone(), false)>"Decline"</button>
                <button type="button" class="plain" on:click=block>"Block"</button>
            </li>
        }
    };
    view! {
        <Show when=move || state.requests.with(|r| !r.is_empty())>
            <h3 id="requests-heading">"Contact requests"</h3>
            <ul role="list" aria-label="Contact requests" class="requests">
                {move || state.requests.get().into_iter().map(item).collect_view()}
            </ul>
        </Show>
    }
}

/// **Blocked**: whom the account blocks (XEP-0191), each with **Unblock**.
#[component]
fn Blocked() -> impl IntoView {
    let app = use_app();
    let state = app.state;
    view! {
        <Show when=move || state.blocked.with(|b| !b.is_empty())>
            <h3>"Blocked"</h3>
            <ul role="list" aria-label="Blocked" class="blocked">
                {move || state.blocked.get().into_iter().map(|jid| {
                    let unblock = {
                        let jid = jid.clone();
                        move |_| block_jid(app, &jid, false)
                    };
                    view! {
                        <li><bdi>{jid}</bdi>" "<button type="button" class="plain" on:click=unblock>"Unblock"</button></li>
                    }
                }).collect_view()}
            </ul>
        </Show>
    }
}

/// **Block** or **Unblock** `jid` (a bare JID or a domain).
pub fn block_jid(app: crate::app::App, jid: &str, block: bool) {
    let Ok(jid) = jid.parse::<crate::proto::jid::Jid>() else {
        return;
    };
    app.act(async move { app.account()?.set_blocked(jid, block).await });
}

/// Adds a contact: stored in the outbox first, so it works offline and survives reload.
#[component]
fn AddContact() -> impl IntoView {
    let app = use_app();
    let state = app.state;
    let jid = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
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
            groups: groups_from(&group.get_untracked()),
        };
        jid.set(String::new());
        name.set(String::new());
        group.set(String::new());
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
            <label for="add-contact-group">"Group"</label>
            <input id="add-contact-group" type="text" bind:value=group/>
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
    let renaming = expect_context::<Renaming>().0;
    let rename = {
        let row = row.clone();
        move |_| renaming.set(Some(row.clone()))
    };
    let block = {
        let jid = row.jid.clone();
        move |_| block_jid(app, &jid, true)
    };
    let sharing = row.sharing;
    view! {
        <li
            class="contact"
            aria-setsize=move || total.get().to_string()
            aria-posinset=(index + 1).to_string()
            style:top=px(index as f64 * ROW_PX)
        >
            <span class="face">
                <Avatar jid=row.jid.clone() name=row.name.clone()/>
                <span class="presence-dot" data-show=move || availability.get().token() aria-hidden="true"></span>
            </span>
            <bdi class="contact-name">{row.name}</bdi>
            <bdi class="contact-jid">{row.jid}</bdi>
            <span class="contact-presence">
                {move || availability.get().label()}
                {sharing.map(|s| view! { " · " <span class="sharing">{s}</span> })}
                <Show when=move || marker.with(Option::is_some)>
                    <span class="pending">" · "{move || marker.get()}</span>
                </Show>
            </span>
            <span class="contact-actions">
                <crate::ui::chat::MessageButton jid=message_jid/>
                <button type="button" class="plain" on:click=rename>"Rename"</button>
                <button type="button" class="plain remove" aria-label=remove_label on:click=remove>
                    "Remove"
                </button>
                <button type="button" class="plain" on:click=block>"Block"</button>
            </span>
        </li>
    }
}
