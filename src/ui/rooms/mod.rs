//! Rooms: **Join room** on the Chats screen, the rooms among the **Conversations**, and
//! what a room's view adds to a conversation's (its subject, where the account stands,
//! **Leave room**, the windowed **Occupants**). Its messages are the conversation's list.

use leptos::ev::SubmitEvent;
use leptos::html::Div;
use leptos::prelude::*;

use crate::app::{room_address, use_app};
use crate::proto::jid::BareJid;
use crate::state::rooms::{OccupantRow, RoomRow, RoomStatus};
use crate::state::{AppState, Route};
use crate::ui::px;

/// Fixed occupant row height (CSS `.occupant`): windowing places rows by it.
const ROW_PX: f64 = 32.0;
/// Rows rendered beyond each edge of the viewport.
const OVERSCAN: usize = 8;

fn go(route: Route) {
    let _ = window().location().set_hash(&route.href());
}

/// **Join room**: a form with **Room address**, **Nickname** (the account's local part
/// unless changed) and an optional password; the room's answer shown beside it, the room
/// opened once in.
#[component]
pub fn JoinRoom() -> impl IntoView {
    let app = use_app();
    let state = app.state;
    let open = RwSignal::new(false);
    let address = RwSignal::new(String::new());
    let nick = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    // The room asked to enter, until it answers.
    let asked = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let toggle = move |_| {
        if !open.get_untracked() && nick.with_untracked(String::is_empty) {
            let local = state.account.with_untracked(|a| {
                a.as_deref()
                    .and_then(|a| a.split_once('@'))
                    .map(|(local, _)| local.to_owned())
            });
            nick.set(local.unwrap_or_default());
        }
        open.update(|o| *o = !*o);
    };
    Effect::new(move |_| {
        let Some(jid) = asked.get() else {
            return;
        };
        match state.rooms.status(&jid) {
            Some(RoomStatus::Joined) => {
                asked.set(None);
                open.set(false);
                address.set(String::new());
                password.set(String::new());
                go(Route::Room(jid));
            }
            Some(RoomStatus::Out(why)) => {
                asked.set(None);
                error.set(Some(match why.is_empty() {
                    true => "The room could not be entered.".to_owned(),
                    false => why,
                }));
            }
            Some(RoomStatus::Joining) | None => {}
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let room = match room_address(&address.get_untracked()) {
            Ok(room) => room,
            Err(e) => return error.set(Some(e.0)),
        };
        let chosen = nick.get_untracked().trim().to_owned();
        if chosen.is_empty() {
            return error.set(Some("Choose a nickname for this room".into()));
        }
        let secret = Some(password.get_untracked()).filter(|p| !p.is_empty());
        let jid = room.to_string();
        match app
            .account()
            .and_then(|a| a.join_room(room, &chosen, secret))
        {
            Ok(()) => asked.set(Some(jid)),
            Err(e) => error.set(Some(e.0)),
        }
    };
    view! {
        <button type="button" class="plain" aria-expanded=move || open.get().to_string() on:click=toggle>"Join room"</button>
        <Show when=move || open.get()>
            <form class="join-room" on:submit=submit novalidate>
                <label>"Room address"
                    <input type="text" aria-label="Room address" autocapitalize="none" spellcheck="false"
                        placeholder="room@conference.example.org" bind:value=address/>
                </label>
                <label>"Nickname"
                    <input type="text" aria-label="Nickname" autocapitalize="none" spellcheck="false" bind:value=nick/>
                </label>
                <label>"Password (if the room has one)"
                    <input type="password" aria-label="Room password" autocomplete="off" bind:value=password/>
                </label>
                <button type="submit">"Join"</button>
                <Show when=move || asked.with(Option::is_some)>
                    <p role="status">"Joining…"</p>
                </Show>
                <Show when=move || error.with(Option::is_some)>
                    <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
            </form>
        </Show>
    }
}

/// The rooms of the **Conversations** list: the bookmarked ones and those entered.
#[component]
pub fn RoomItems() -> impl IntoView {
    let state = expect_context::<AppState>();
    let item = |row: RoomRow| {
        let href = Route::Room(row.jid.clone()).href();
        let (unread, mentions) = (row.unread, row.mentions);
        view! {
            <li class="conversation room">
                <a href=href><bdi>{row.name}</bdi></a>
                <span>
                    {(unread > 0).then(|| view! { <span class="unread">{unread}" unread"</span> })}
                    {(mentions > 0).then(|| view! { " " <span class="mention-count">{mentions}" mentioning you"</span> })}
                </span>
                <span class="last"><bdi>{row.last}</bdi></span>
            </li>
        }
    };
    move || {
        state.rooms.rows.with(|rows| {
            rows.iter()
                .filter(|r| r.listed)
                .cloned()
                .map(item)
                .collect_view()
        })
    }
}

/// What a room's view shows above its messages: the subject, where the account stands,
/// **Leave room**.
#[component]
pub fn RoomHeader(jid: BareJid) -> impl IntoView {
    let app = use_app();
    let state = app.state;
    let open = state.rooms.open;
    let subject = move || open.with(|o| o.subject.clone());
    let leave = {
        let jid = jid.clone();
        move |_| {
            let jid = jid.clone();
            app.act(async move { app.account()?.leave_room(jid).await });
            go(Route::Chats);
        }
    };
    let rejoin = move |_| {
        let nick = open.with_untracked(|o| o.nick.clone());
        let room = jid.clone();
        if let Err(e) = app.account().and_then(|a| a.join_room(room, &nick, None)) {
            state.alert.set(Some(e.0));
        }
    };
    let status = move || open.with(|o| o.status.clone());
    view! {
        <Show when=move || subject().is_some()>
            <p class="subject"><bdi>{move || subject().unwrap_or_default()}</bdi></p>
        </Show>
        {move || match status() {
            Some(RoomStatus::Joined) => None,
            Some(RoomStatus::Joining) => Some(view! { <p role="status">"Joining…"</p> }.into_any()),
            other => {
                let why = match other {
                    Some(RoomStatus::Out(why)) if !why.is_empty() => why,
                    _ => "You are not in this room.".to_owned(),
                };
                Some(view! {
                    <p class="room-out" role="alert">{why}" "
                        <button type="button" class="plain" on:click=rejoin.clone()>"Join"</button>
                    </p>
                }.into_any())
            }
        }}
        <p class="room-actions">
            <button type="button" class="plain danger" on:click=leave>"Leave room"</button>
        </p>
    }
}

/// **Occupants** of the open room, windowed with fixed rows: a room of thousands keeps a
/// few dozen in the DOM.
#[component]
pub fn Occupants() -> impl IntoView {
    let state = expect_context::<AppState>();
    let viewport = NodeRef::<Div>::new();
    let scroll_top = RwSignal::new(0.0);
    let height = RwSignal::new(320.0);
    let measure = move || {
        if let Some(el) = viewport.get_untracked() {
            scroll_top.set(el.scroll_top() as f64);
            let h = el.client_height() as f64;
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
    let total = Signal::derive(move || state.rooms.occupants.with(Vec::len));
    let visible = move || {
        let first = ((scroll_top.get() / ROW_PX) as usize).saturating_sub(OVERSCAN);
        let count = (height.get() / ROW_PX).ceil() as usize + 2 * OVERSCAN;
        state.rooms.occupants.with(|rows| {
            rows.iter()
                .enumerate()
                .skip(first)
                .take(count)
                .map(|(i, row)| (i, row.clone()))
                .collect::<Vec<_>>()
        })
    };
    let item = move |(index, row): (usize, OccupantRow)| {
        let detail = match row.affiliation {
            "none" => row.role.to_owned(),
            affiliation => format!("{}, {affiliation}", row.role),
        };
        view! {
            <li
                class="occupant"
                aria-setsize=move || total.get().to_string()
                aria-posinset=(index + 1).to_string()
                style:top=px(index as f64 * ROW_PX)
            >
                <span class="presence-dot" data-show=row.availability.token() aria-hidden="true"></span>
                <bdi class="occupant-nick">{row.nick}</bdi>
                <span class="occupant-role">{detail}" · "{row.availability.label()}</span>
            </li>
        }
    };
    view! {
        <h3>"Occupants (" {move || total.get()} ")"</h3>
        <div class="occupants-viewport" node_ref=viewport on:scroll=move |_| measure()>
            <ul
                role="list"
                aria-label="Occupants"
                class="occupant-list"
                style:height=move || px(total.get() as f64 * ROW_PX)
            >
                <For each=visible key=|(i, row)| (*i, row.nick.clone()) children=item/>
            </ul>
        </div>
    }
}
