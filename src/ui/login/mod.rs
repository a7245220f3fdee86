//! The sign-in screen.

pub mod handover;

use leptos::ev::SubmitEvent;
use leptos::html;
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
    let (jid_field, password_field, remember_field, sign_in_button) = (
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Button>::new(),
    );
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
                use handover::Focus;
                let text = |field: NodeRef<html::Input>, caret: &Option<handover::Selection>| {
                    if let Some(input) = field.get_untracked() {
                        let _ = input.focus();
                        if let Some(caret) = caret {
                            caret.restore(&input);
                        }
                    }
                };
                match &typed.focus {
                    Some(Focus::Jid(caret)) => text(jid_field, caret),
                    Some(Focus::Password(caret)) => text(password_field, caret),
                    Some(Focus::Remember) => text(remember_field, &None),
                    Some(Focus::SignIn) => {
                        if let Some(button) = sign_in_button.get_untracked() {
                            let _ = button.focus();
                        }
                    }
                    None => {}
                }
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
                    node_ref=jid_field
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
                    node_ref=password_field
                    bind:value=password
                />
                <label class="check">
                    <input
                        type="checkbox"
                        aria-describedby="login-remember-note"
                        node_ref=remember_field
                        bind:checked=remember
                    />
                    "Remember me on this device"
                </label>
                // What the remembered keys are worth, said before they are stored.
                <p class="hint" id="login-remember-note">
                    "This keeps keys derived from your password on this device: until you change your password, anyone using this browser can sign in as you. Signing out with Wipe removes them."
                </p>
                <button type="submit" node_ref=sign_in_button aria-busy=move || busy().to_string()>"Sign in"</button>
                <Show when=busy>
                    <p role="status" class="connecting">"Connecting…"</p>
                </Show>
            </form>
            <Alert/>
        </main>
    }
}
