//! Screens, one folder each. They read [`AppState`] and never touch the network.

pub mod contacts;
pub mod feed;
pub mod login;
pub mod shell;

use leptos::prelude::*;

use crate::state::{AppState, Route};

/// The whole app: the sign-in screen, or the signed-in shell around the current route.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);

    let read_route = move || {
        let hash = window().location().hash().unwrap_or_default();
        state.route.set(Route::from_hash(&hash));
    };
    read_route();
    let listener = window_event_listener(leptos::ev::hashchange, move |_| read_route());
    on_cleanup(move || listener.remove());

    view! {
        <Show
            when=move || state.account.with(Option::is_some)
            fallback=|| view! { <login::LoginScreen/> }
        >
            <shell::Shell/>
        </Show>
    }
}
