//! The sign-in screen.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::config::{server_line, AppConfig};
use crate::net::account::sign_in;
use crate::net::endpoint::load_config;
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
    let config = RwSignal::new(None::<AppConfig>);
    spawn_local(async move {
        if let Ok(c) = load_config().await {
            config.set(Some(c));
        }
    });
    let server = move || {
        config.with(|c| {
            state
                .endpoint
                .with(|last| server_line(&jid.get(), c.as_ref(), last.as_ref()))
        })
    };

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
                <p class="endpoint" id="login-endpoint">{server}</p>
                <label for="login-password">"Password"</label>
                <input
                    id="login-password"
                    type="password"
                    autocomplete="current-password"
                    bind:value=password
                />
                <label class="check">
                    <input
                        type="checkbox"
                        aria-describedby="login-remember-note"
                        bind:checked=remember
                    />
                    "Remember me on this device"
                </label>
                // What the remembered keys are worth, said before they are stored.
                <p class="hint" id="login-remember-note">
                    "This keeps keys derived from your password on this device: until you change your password, anyone using this browser can sign in as you. Signing out with Wipe removes them."
                </p>
                <button type="submit" aria-busy=move || busy().to_string()>"Sign in"</button>
                <Show when=busy>
                    <p role="status" class="connecting">"Connecting…"</p>
                </Show>
            </form>
            <Alert/>
        </main>
    }
}
