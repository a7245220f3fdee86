//! The sign-in screen.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::net::account::sign_in;
use crate::state::{AppState, ConnectionStatus};
use crate::ui::shell::Alert;

#[component]
pub fn LoginScreen() -> impl IntoView {
    let state = expect_context::<AppState>();
    let jid = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let jid_error = RwSignal::new(None::<String>);
    let busy = move || state.status.get() == ConnectionStatus::Connecting;

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy() {
            return;
        }
        spawn_local(async move {
            let typed = jid.get_untracked();
            let outcome = sign_in(
                state,
                &typed,
                password.get_untracked(),
                remember.get_untracked(),
            )
            .await;
            jid_error.set(outcome.err());
        });
    };

    view! {
        <main class="login">
            <h1>"Kith"</h1>
            <p class="tagline">"Your social network, on any XMPP account."</p>
            <form on:submit=submit novalidate>
                <label for="login-jid">"Jabber ID"</label>
                <input
                    id="login-jid"
                    type="text"
                    autocomplete="username"
                    autocapitalize="none"
                    spellcheck="false"
                    placeholder="name@example.org"
                    aria-invalid=move || jid_error.with(Option::is_some).to_string()
                    aria-describedby="login-jid-error"
                    bind:value=jid
                />
                <Show when=move || jid_error.with(Option::is_some)>
                    <p id="login-jid-error" class="field-error" role="alert">
                        {move || jid_error.get().unwrap_or_default()}
                    </p>
                </Show>
                <label for="login-password">"Password"</label>
                <input
                    id="login-password"
                    type="password"
                    autocomplete="current-password"
                    bind:value=password
                />
                <label class="check">
                    <input type="checkbox" bind:checked=remember/>
                    "Remember me on this device"
                </label>
                <button type="submit" aria-busy=move || busy().to_string()>"Sign in"</button>
                <Show when=busy>
                    <p role="status" class="connecting">"Connecting…"</p>
                </Show>
            </form>
            <Alert/>
        </main>
    }
}
