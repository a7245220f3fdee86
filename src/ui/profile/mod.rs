//! The person's own profile: avatar, nickname, full name and about text. Edits go through
//! the outbox (**Pending** until the server has them; a refusal is listed by the shell).

use leptos::html::Input;
use leptos::prelude::*;

use crate::app::{use_app, OwnProfile, ProfileEdit};
use crate::proto::ns;
use crate::service::outbox::WriteKind;
use crate::service::people::{display_name, ProfileForm};
use crate::state::ConnectionStatus;

#[component]
pub fn ProfileScreen() -> impl IntoView {
    let app = use_app();
    let state = app.state;
    // Signals of the types other screens use, so their code is linked once.
    let (nick, full_name, about, name) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let avatar = RwSignal::new(None::<String>);
    // The form waits until what the account published is known; `read`: from the server.
    let (shown, read) = (RwSignal::new(false), RwSignal::new(false));
    let file_input = NodeRef::<Input>::new();

    // Reads, or edits, then shows the profile as it now stands (a read fills the fields).
    let run = move |edit: ProfileEdit| {
        app.act(async move {
            let fill = matches!(edit, ProfileEdit::Read);
            let account = app.account()?;
            let profile: OwnProfile = account.profile(edit).await?;
            name.try_set(display_name(account.jid(), None, Some(&profile.person)));
            avatar.try_set(profile.avatar_url());
            if fill {
                let form = ProfileForm::of(Some(&profile.person));
                nick.try_set(form.nick);
                full_name.try_set(form.full_name);
                about.try_set(form.about);
                read.try_set(profile.is_read());
                shown.try_set(true);
            }
            Ok(())
        })
    };
    // Read on opening, and once online if it could not be read before.
    Effect::new(move |_| {
        let online = state.status.get() == ConnectionStatus::Online;
        if !shown.get_untracked() || (online && !read.get_untracked()) {
            run(ProfileEdit::Read);
        }
    });
    let chosen = move |_| {
        let input = file_input.get_untracked();
        if let Some(file) = input
            .as_ref()
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        {
            run(ProfileEdit::Avatar(Some(file)));
        }
        // Else choosing the same file again would not fire `change`.
        if let Some(input) = input {
            input.set_value("");
        }
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = ProfileForm {
            nick: nick.get_untracked(),
            full_name: full_name.get_untracked(),
            about: about.get_untracked(),
        };
        run(ProfileEdit::Save(typed));
    };
    // "Pending" while profile writes of the avatar (`true`) or of the rest wait.
    let pending = move |of_avatar: bool| {
        move || {
            let waiting = state.pending.with(|p| {
                p.iter().any(|w| {
                    let node = w.item.as_ref().map_or("", |i| i.node.as_str());
                    let avatar = !matches!(node, ns::NICK | ns::VCARD4_NODE);
                    matches!(w.kind, WriteKind::Profile { .. })
                        && w.failed.is_none()
                        && avatar == of_avatar
                })
            });
            waiting.then_some(view! { <p class="pending">"Pending"</p> })
        }
    };

    view! {
        <form class="composer" aria-label="Profile" on:submit=save novalidate>
            <fieldset disabled=move || !shown.get()>
                <h2><bdi>{name}</bdi></h2>
                {move || avatar.get().map(|src| view! { <img src=src alt=name width="96" height="96"/> })}
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
                    <button type="button" class="plain" on:click=move |_| run(ProfileEdit::Avatar(None))>
                        "Remove avatar"
                    </button>
                    {pending(true)}
                </div>
                <label for="profile-nick">"Nickname"</label>
                <input id="profile-nick" type="text" bind:value=nick/>
                <label for="profile-name">"Full name"</label>
                <input id="profile-name" type="text" bind:value=full_name/>
                <label for="profile-about">"About"</label>
                <textarea id="profile-about" rows="4" bind:value=about></textarea>
                <div class="composer-row">
                    <button type="submit" class="publish">"Save profile"</button>
                    {pending(false)}
                </div>
            </fieldset>
        </form>
    }
}
