//! What the screens show of people beyond the roster: the names they chose (for the one
//! naming rule, `service::people::display_name`), their About text, and their avatars as
//! object URLs of the cached images.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;

use crate::proto::jid::BareJid;
use crate::service::people::{given_name, local_name, People};
use crate::store::PersonRecord;

/// What one person published about themselves, as shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonView {
    pub nick: Option<String>,
    pub full_name: Option<String>,
    pub about: Option<String>,
    /// Their avatar's hash.
    pub avatar: Option<String>,
}

impl PersonView {
    pub fn of_record(record: &PersonRecord) -> PersonView {
        PersonView {
            nick: record.nick.clone(),
            full_name: record.full_name.clone(),
            about: record.about.clone(),
            avatar: record.avatar.clone(),
        }
    }

    /// What the client's people service knows of `jid`.
    pub fn of(people: &People, jid: &BareJid) -> PersonView {
        let person = people.get(jid);
        let profile = person.and_then(|p| p.profile.as_ref());
        PersonView {
            nick: person.and_then(|p| p.nick.clone()),
            full_name: profile.and_then(|p| p.full_name.clone()),
            about: profile.and_then(|p| p.note.clone()),
            avatar: person.and_then(|p| p.avatar()).map(str::to_owned),
        }
    }

    pub fn to_record(&self, account: &str, jid: &str) -> PersonRecord {
        PersonRecord {
            account: account.to_owned(),
            jid: jid.to_owned(),
            nick: self.nick.clone(),
            full_name: self.full_name.clone(),
            about: self.about.clone(),
            avatar: self.avatar.clone(),
        }
    }
}

#[derive(Clone, Copy)]
pub struct PeopleState {
    /// By bare JID: the account's contacts (and the account), as last heard or cached.
    known: RwSignal<HashMap<String, PersonView>>,
    /// Object URLs of the avatar images read so far, by hash.
    urls: RwSignal<HashMap<String, String>>,
    /// Hashes asked of the store (being read, or not there): each is read once.
    asked: StoredValue<HashSet<String>>,
}

impl Default for PeopleState {
    fn default() -> Self {
        PeopleState {
            known: RwSignal::new(HashMap::new()),
            urls: RwSignal::new(HashMap::new()),
            asked: StoredValue::new(HashSet::new()),
        }
    }
}

impl PeopleState {
    /// Everyone at once (a warm start, or another tab stored them). Avatars the store did
    /// not have before may be there now: they are asked again.
    pub fn set_all(&self, records: &[PersonRecord]) {
        let known = records
            .iter()
            .map(|r| (r.jid.clone(), PersonView::of_record(r)))
            .collect();
        self.asked.update_value(|asked| {
            self.urls
                .with_untracked(|u| asked.retain(|h| u.contains_key(h)))
        });
        self.known.set(known);
    }

    /// One person changed; `false` if they were shown so already.
    pub fn set(&self, jid: &str, view: PersonView) -> bool {
        if self.known.with_untracked(|k| k.get(jid) == Some(&view)) {
            return false;
        }
        self.known.update(|k| {
            k.insert(jid.to_owned(), view);
        });
        true
    }

    /// The name `jid` is shown by (`roster_name`: the one the person gave them).
    pub fn name(&self, jid: &BareJid, roster_name: Option<&str>) -> String {
        self.given_name(jid, roster_name)
            .unwrap_or_else(|| local_name(jid))
    }

    /// [`given_name`] of `jid`: `None` when they have no name but their address.
    pub fn given_name(&self, jid: &BareJid, roster_name: Option<&str>) -> Option<String> {
        self.known.with_untracked(|k| {
            let person = k.get(jid.as_str());
            let nick = person.and_then(|p| p.nick.as_deref());
            let full_name = person.and_then(|p| p.full_name.as_deref());
            given_name(roster_name, nick, full_name).map(str::to_owned)
        })
    }

    /// `jid`'s About text (tracked).
    pub fn about(&self, jid: &str) -> Option<String> {
        self.known
            .with(|k| k.get(jid).and_then(|p| p.about.clone()))
            .filter(|a| !a.trim().is_empty())
    }

    /// The hash of `jid`'s avatar (tracked).
    pub fn avatar(&self, jid: &str) -> Option<String> {
        self.known
            .with(|k| k.get(jid).and_then(|p| p.avatar.clone()))
    }

    /// The object URL of the image `hash`, once read (tracked).
    pub fn url(&self, hash: &str) -> Option<String> {
        self.urls.with(|u| u.get(hash).cloned())
    }

    /// Whether the store is to be read for `hash`: the first time only.
    pub fn wants(&self, hash: &str) -> bool {
        self.asked
            .try_update_value(|asked| asked.insert(hash.to_owned()))
            .unwrap_or(false)
    }

    /// The image `hash` (of media type `type_`) is at hand: shown wherever it belongs.
    pub fn show_image(&self, hash: &str, type_: &str, bytes: &[u8]) {
        if self.urls.with_untracked(|u| u.contains_key(hash)) {
            return;
        }
        let Some(url) = object_url(type_, bytes) else {
            return;
        };
        self.asked.update_value(|asked| {
            asked.insert(hash.to_owned());
        });
        self.urls.update(|u| {
            u.insert(hash.to_owned(), url);
        });
    }

    /// Signed out: nothing of anyone stays, and the images' URLs are let go.
    pub fn clear(&self) {
        let urls = self.urls.try_update(std::mem::take).unwrap_or_default();
        for url in urls.values() {
            let _ = web_sys::Url::revoke_object_url(url);
        }
        self.asked.set_value(HashSet::new());
        self.known.set(HashMap::new());
    }
}

/// A `blob:` URL of `bytes`. Only an `image/` type is passed on (the browser sniffs the
/// picture anyway; an `<img>` runs no script, SVG or not).
fn object_url(type_: &str, bytes: &[u8]) -> Option<String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    if type_.starts_with("image/") {
        options.set_type(type_);
    }
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}
