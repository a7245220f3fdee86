//! Faces and chosen names: what someone published about themselves ([`Update::Person`])
//! is stored and shown once per burst (a sign-in brings one per contact); avatar images
//! ([`Update::Avatar`]) are kept under their hash and shown at once; an image already
//! kept is read from the store when a screen first shows that face.
//!
//! [`Update::Person`]: crate::service::Update::Person
//! [`Update::Avatar`]: crate::service::Update::Avatar

use leptos::task::spawn_local;

use super::account::Account;
use super::sync::storage_trouble;
use super::App;
use crate::net::tabs::TabMessage;
use crate::proto::jid::BareJid;
use crate::service::people::fetch::AvatarBytes;
use crate::service::Client;
use crate::state::people::PersonView;
use crate::store::{AvatarRecord, Store};

/// How long a burst of changes is gathered before one write and one redraw.
const BURST_MS: i32 = 30;

impl App {
    /// A screen shows `hash`'s face and has no image for it yet: the device's cache is
    /// read, once per hash (if it lacks the image, the client fetches it and
    /// [`Update::Avatar`](crate::service::Update::Avatar) shows it).
    pub fn show_avatar(&self, hash: String) {
        let state = self.state;
        let Ok(account) = self.account() else {
            return;
        };
        if !state.people.wants(&hash) {
            return;
        }
        spawn_local(async move {
            let found = account.inner.store.avatar(account.jid().as_str(), &hash);
            if let Ok(Some(image)) = found.await {
                if account.is_signed_in() {
                    state
                        .people
                        .show_image(&image.hash, &image.type_, &image.bytes);
                }
            }
        });
    }
}

impl Account {
    /// `jid`'s published self changed: shown (their face at once, their name with the
    /// burst's redraw) and stored.
    pub(super) fn person_changed(&self, client: &Client, jid: &BareJid) {
        let view = PersonView::of(client.people(), jid);
        let record = view.to_record(self.inner.jid.as_str(), jid.as_str());
        if !self.state().people.set(jid.as_str(), view) {
            return;
        }
        let start = {
            let mut queue = self.inner.sync.people.borrow_mut();
            queue.0.push(record);
            !std::mem::replace(&mut queue.1, true)
        };
        if !start {
            return;
        }
        let weak = self.downgrade();
        let run = wasm_bindgen::closure::Closure::once_into_js(move || {
            if let Some(account) = Account::upgrade(&weak) {
                account.people_burst_over();
            }
        });
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                wasm_bindgen::JsCast::unchecked_ref(&run),
                BURST_MS,
            );
        }
    }

    /// One write for the burst's people, and names redrawn wherever they show.
    fn people_burst_over(&self) {
        let records = {
            let mut queue = self.inner.sync.people.borrow_mut();
            queue.1 = false;
            std::mem::take(&mut queue.0)
        };
        let (state, store, weak) = (self.state(), self.inner.store.clone(), self.downgrade());
        spawn_local(async move {
            storage_trouble(state, store.put_people(&records).await);
            if let Some(account) = Account::upgrade(&weak) {
                account.inner.channel.post(&TabMessage::People);
            }
        });
        self.redraw_names();
    }

    /// Names changed: the contacts, the chats and the feed show them anew.
    fn redraw_names(&self) {
        let state = self.state();
        if let Some(c) = self.connection() {
            c.with_client(|client| {
                state.set_roster(client.roster());
                let (chat, roster, blocked) = (client.chat(), client.roster(), client.blocklist());
                state.chat.show(chat, roster, blocked, &state.people, None);
            });
        }
        // The feed this tab shows, redrawn with them.
        self.with_feed(|_, connection| {
            if let Some(c) = connection {
                c.with_client(|client| state.show_feed(client.feed()));
            }
        });
    }

    /// An avatar image arrived: shown, and kept under its hash.
    pub(super) fn keep_avatar(&self, avatar: &AvatarBytes) {
        let state = self.state();
        state
            .people
            .show_image(&avatar.hash, &avatar.type_, &avatar.bytes);
        let record = AvatarRecord {
            account: self.inner.jid.to_string(),
            hash: avatar.hash.clone(),
            type_: avatar.type_.clone(),
            bytes: avatar.bytes.clone(),
        };
        let (store, weak) = (self.inner.store.clone(), self.downgrade());
        spawn_local(async move {
            storage_trouble(state, store.put_avatar(&record).await);
            if let Some(account) = Account::upgrade(&weak) {
                account.inner.channel.post(&TabMessage::People);
            }
        });
    }

    /// Another tab stored people: this one shows them.
    pub(super) fn reload_people(&self) {
        let (state, store, account) = (self.state(), self.inner.store.clone(), self.clone());
        spawn_local(async move {
            let Ok(records) = store.people(account.jid().as_str()).await else {
                return;
            };
            if !account.is_signed_in() {
                return;
            }
            state.people.set_all(&records);
            account.redraw_names();
        });
    }
}
