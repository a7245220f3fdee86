//! What frames every signed-in screen: navigation, connection status, sign out, alerts.

use leptos::prelude::*;

use crate::app::use_app;
use crate::state::{AppState, Route};
use crate::ui::chat::{ChatsLink, ChatsScreen, ConversationScreen};
use crate::ui::contacts::ContactsScreen;
use crate::ui::feed::{FeedScreen, PersonPage, PostPage};
use crate::ui::profile::ProfileScreen;

/// The page's one alert region; present only while there is something to say.
#[component]
pub fn Alert() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Show when=move || state.alert.with(Option::is_some)>
            <p class="alert" role="alert">{move || state.alert.get().unwrap_or_default()}</p>
        </Show>
    }
}

/// `14:05:09` in the person's own time zone.
fn clock(epoch_ms: f64) -> String {
    let date = js_sys::Date::new(&epoch_ms.into());
    format!(
        "{:02}:{:02}:{:02}",
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}

/// Writes the server refused for good, with its reason: never retried by themselves,
/// so the person chooses.
#[component]
fn Refused() -> impl IntoView {
    let app = use_app();
    let state = app.state;
    let settle = move |id: String, retry: bool| {
        app.act(async move { app.account()?.settle_refused(id, retry).await })
    };
    let refused = move || {
        state.pending.with(|p| {
            p.iter()
                .filter_map(|w| Some((w.id.clone(), w.describe(), w.failed.clone()?)))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || !refused().is_empty()>
            <ul class="refused" aria-label="Refused changes">
                <For
                    each=refused
                    key=|(id, _, reason)| (id.clone(), reason.clone())
                    children=move |(id, what, reason)| {
                        let again = id.clone();
                        view! {
                            <li>
                                <span>{what}" was refused: "{reason}</span>
                                <button type="button" on:click=move |_| settle(again.clone(), true)>"Try again"</button>
                                <button type="button" class="plain" on:click=move |_| settle(id.clone(), false)>"Discard"</button>
                            </li>
                        }
                    }
                />
            </ul>
        </Show>
    }
}

/// Sign out, choosing what this device keeps: the cache (faster next time) or nothing.
#[component]
fn SignOut() -> impl IntoView {
    let app = use_app();
    let asking = RwSignal::new(false);
    let leave = move |wipe: bool| {
        asking.set(false);
        app.act(async move { app.sign_out(wipe).await });
    };
    view! {
        <button type="button" aria-expanded=move || asking.get().to_string() on:click=move |_| asking.update(|a| *a = !*a)>
            "Sign out"
        </button>
        <Show when=move || asking.get()>
            <div role="dialog" aria-label="Sign out" class="sign-out">
                <p>"Keep this account's contacts and posts on this device for next time, or wipe them?"</p>
                <button type="button" on:click=move |_| leave(false)>"Keep data on this device"</button>
                <button type="button" class="danger" on:click=move |_| leave(true)>"Wipe data from this device"</button>
                <button type="button" class="plain" on:click=move |_| asking.set(false)>"Cancel"</button>
            </div>
        </Show>
    }
}

#[component]
pub fn Shell() -> impl IntoView {
    let state = expect_context::<AppState>();
    crate::ui::chat::title_effect();
    let link = move |route: Route, name: &'static str| {
        let href = route.href();
        let current = move || state.route.with(|r| r.section() == route).then_some("page");
        view! { <a href=href aria-current=current>{name}</a> }
    };
    view! {
        <header class="shell">
            <span class="brand">"Kith"</span>
            <nav aria-label="Main">{link(Route::Feed, "Feed")} <ChatsLink/> {link(Route::Contacts, "Contacts")} {link(Route::Profile, "Profile")}</nav>
            <p role="status" class="connection" data-status=move || state.status.get().label()>
                {move || state.status.get().label()}
                {move || state.elsewhere.get().then_some(" (in another tab)")}
                {move || state.retry_at.get().map(|at| format!(" — next try at {}", clock(at)))}
            </p>
            <bdi class="account">{move || state.account.get().unwrap_or_default()}</bdi>
            <SignOut/>
        </header>
        <Alert/>
        <Refused/>
        <Show when=move || state.notice.with(Option::is_some)>
            <p class="notice" role="note">{move || state.notice.get().unwrap_or_default()}</p>
        </Show>
        <main class="screen">
            {move || match state.route.get() {
                Route::Feed => view! { <FeedScreen/> }.into_any(),
                Route::Contacts => view! { <ContactsScreen/> }.into_any(),
                Route::Chats => view! { <ChatsScreen/> }.into_any(),
                Route::Chat(peer) => view! { <ConversationScreen peer=peer/> }.into_any(),
                Route::Room(jid) => view! { <ConversationScreen peer=jid room=true/> }.into_any(),
                Route::Post(key) => view! { <PostPage key=key/> }.into_any(),
                Route::Person(jid) => view! { <PersonPage jid=jid/> }.into_any(),
                Route::Profile => view! { <ProfileScreen/> }.into_any(),
            }}
        </main>
    }
}
