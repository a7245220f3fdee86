//! Screens, one folder each. They read [`AppState`] and act through [`App`] (the
//! signed-in account's actions); they never touch the network or the store.

pub mod avatar;
pub mod chat;
pub mod contacts;
pub mod feed;
pub mod login;
pub mod profile;
pub mod rooms;
pub mod shell;
pub mod update;
pub mod window;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::App;
use crate::proto::json::number_text;
use crate::state::{AppState, Route};

/// `text` between Unicode isolates (FSI … PDI), for a name or JID someone else chose inside
/// a plain-text sentence (a dialog, a label): its own direction controls, such as U+202E,
/// then cannot reorder the words around it. In markup, `<bdi>` does the same.
/// A CSS length, `56px` (see [`number_text`]: no float formatting in the wasm).
pub fn px(n: f64) -> String {
    number_text(n) + "px"
}

pub fn isolate(text: &str) -> String {
    format!("\u{2068}{text}\u{2069}")
}

/// The whole app: the sign-in screen, or the signed-in shell around the current route.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    let app = App::provide(state);

    let read_route = move || {
        let hash = window().location().hash().unwrap_or_default();
        state.route.set(Route::from_hash(&hash));
    };
    read_route();
    let listener = window_event_listener(leptos::ev::hashchange, move |_| read_route());
    on_cleanup(move || listener.remove());

    // A remembered account comes back from the device store before any socket opens;
    // until the store answered, the sign-in screen would only flash.
    let booted = RwSignal::new(false);
    spawn_local(async move {
        app.boot().await;
        booted.set(true);
    });

    // A remembered account opens without signing in: index.html's sign-in form goes as
    // soon as the signed-in screen is there (the sign-in screen takes it over instead).
    Effect::new(move |_| {
        if state.account.with(Option::is_some) {
            login::handover::discard();
        }
    });

    view! {
        <>
            <update::UpdateBanner/>
            <Show
                when=move || state.account.with(Option::is_some)
                fallback=move || booted.get().then(|| view! { <login::LoginScreen/> })
            >
                <shell::Shell/>
            </Show>
        </>
    }
}
