//! The person's own profile: avatar, nickname, full name and about text. Edits go through
//! the outbox (**Pending** until the server has them; a refusal is listed by the shell).

use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{use_app, OwnProfile, UserError};
use crate::proto::jid::BareJid;
use crate::proto::ns;
use crate::service::outbox::WriteKind;
use crate::service::people::{display_name, ProfileForm};
use crate::state::ConnectionStatus;

#[component]
pub fn ProfileScreen() -> impl IntoView {
    let app = use_app();
    let state = app.state;
    // `None` until what the account published is read: the form waits for it.
    let own = RwSignal::new(None::<OwnProfile>);
    let (nick, full_name, about) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let error = RwSignal::new(None::<String>);
    let file_input = NodeRef::<Input>::new();

    let show = move |profile: OwnProfile| {
        let shown = ProfileForm::of(Some(&profile.person));
        nick.try_set(shown.nick);
        full_name.try_set(shown.full_name);
        about.try_set(shown.about);
        own.try_set(Some(profile));
    };
    // Read on opening, and again once online if it could not be read before.
    Effect::new(move |_| {
        let online = state.status.get() == ConnectionStatus::Online;
        let wanted = own.with_untracked(|o| match o {
            None => true,
            Some(o) => online && !o.is_read(),
        });
        if let (true, Ok(account)) = (wanted, app.account()) {
            spawn_local(async move { show(account.own_profile().await) });
        }
    });

    let done = move |result: Result<OwnProfile, UserError>| match result {
        Ok(profile) => {
            error.try_set(None);
            own.try_set(Some(profile));
        }
        Err(e) => {
            error.try_set(Some(e.0));
        }
    };
    let change_avatar = move |image: Option<web_sys::File>| {
        spawn_local(async move {
            let result = async { app.account()?.change_avatar(image).await }.await;
            done(result);
        })
    };
    let chosen = move |_| {
        let input = file_input.get_untracked();
        if let Some(file) = input
            .as_ref()
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        {
            change_avatar(Some(file));
        }
        // Else choosing the same file again would not fire `change`.
        if let Some(input) = input {
            input.set_value("");
        }
    };
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = ProfileForm {
            nick: nick.get_untracked(),
            full_name: full_name.get_untracked(),
            about: about.get_untracked(),
        };
        spawn_local(async move {
            let result = async { app.account()?.save_profile(typed).await }.await;
            done(result);
        });
    };

    // What the person is shown as: the own name by the one rule, with what was saved.
    let name = move || {
        let jid = state.account.get().and_then(|a| BareJid::new(&a).ok())?;
        Some(own.with(|o| display_name(&jid, None, o.as_ref().map(|o| &o.person))))
    };
    let avatar = move || own.with(|o| o.as_ref().and_then(OwnProfile::avatar_url));
    // Profile writes waiting for the server, of the avatar (`true`) or of the rest.
    let pending = move |of_avatar: bool| {
        state.pending.with(|p| {
            p.iter().any(|w| {
                let node = w.item.as_ref().map_or("", |i| i.node.as_str());
                let avatar = !matches!(node, ns::NICK | ns::VCARD4_NODE);
                matches!(w.kind, WriteKind::Profile { .. })
                    && w.failed.is_none()
                    && avatar == of_avatar
            })
        })
    };
    let pending_note = move |of_avatar: bool| {
        move || pending(of_avatar).then(|| view! { <p class="pending">"Pending"</p> })
    };

    view! {
        <form class="composer profile" aria-label="Profile" on:submit=save novalidate>
            <fieldset disabled=move || own.with(Option::is_none)>
                <h2><bdi>{name}</bdi></h2>
                {move || avatar().map(|src| view! { <img src=src alt=name width="96" height="96"/> })}
                <div class="composer-row">
                    <button type="button" on:click=move |_| {
                        if let Some(input) = file_input.get_untracked() {
                            input.click();
                        }
                    }>"Change avatar"</button>
                    <input
                        type="file"
                        accept="image/*"
                        aria-label="Avatar image"
                        hidden
                        tabindex="-1"
                        node_ref=file_input
                        on:change=chosen
                    />
                    <button type="button" class="plain" on:click=move |_| change_avatar(None)>
                        "Remove avatar"
                    </button>
                    {pending_note(true)}
                </div>
                <label for="profile-nick">"Nickname"</label>
                <input id="profile-nick" type="text" bind:value=nick/>
                <label for="profile-name">"Full name"</label>
                <input id="profile-name" type="text" bind:value=full_name/>
                <label for="profile-about">"About"</label>
                <textarea id="profile-about" rows="4" bind:value=about></textarea>
                <div class="composer-row">
                    <button type="submit" class="publish">"Save profile"</button>
                    {pending_note(false)}
                </div>
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </fieldset>
        </form>
    }
}
