//! The sign-in screen.

pub mod handover;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::use_app;
use crate::config::{server_line, AppConfig};
use crate::state::ConnectionStatus;
use crate::ui::shell::Alert;

#[component]
pub fn LoginScreen() -> impl IntoView {
    let app = use_app();
    let state = app.state;
    // What the person already did in index.html's copy of this form, carried over.
    let typed = handover::take();
    let (jid, password, remember) = typed.as_ref().map_or_else(Default::default, |t| {
        (t.jid.clone(), t.password.clone(), t.remember)
    });
    let jid = RwSignal::new(jid);
    let password = RwSignal::new(password);
    let remember = RwSignal::new(remember);
    let sign_in = Action::new_local(
        move |(typed, password, remember): &(String, String, bool)| {
            let (typed, password, remember) = (typed.clone(), password.clone(), *remember);
            async move { app.sign_in(&typed, password, remember).await }
        },
    );
    // A Jabber ID that cannot be one is said beside the field; the rest in the alert.
    let jid_error = move || sign_in.value().with(|v| v.clone().and_then(Result::err));
    let busy =
        move || sign_in.pending().get() || state.status.get() == ConnectionStatus::Connecting;
    let config = RwSignal::new(None::<AppConfig>);
    spawn_local(async move {
        if let Ok(c) = app.config().await {
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

    let send = move || {
        if busy() {
            return;
        }
        sign_in.dispatch_local((
            jid.get_untracked(),
            password.get_untracked(),
            remember.get_untracked(),
        ));
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        send();
    };

    // Once this form is on the page (a microtask later, before any key press can land
    // elsewhere): the focus and caret where they were, and a Sign in already pressed.
    // Untracked, so that it runs once: `send` reads the connection status.
    if let Some(typed) = typed {
        Effect::new(move |_| {
            untrack(|| {
                handover::restore_focus(&typed);
                if typed.submitted {
                    send();
                }
            })
        });
    }

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
                    aria-invalid=move || jid_error().is_some().to_string()
                    aria-describedby="login-jid-error"
                    bind:value=jid
                />
                <Show when=move || jid_error().is_some()>
                    <p id="login-jid-error" class="field-error" role="alert">
                        {move || jid_error().map(|e| e.0).unwrap_or_default()}
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
