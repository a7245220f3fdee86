//! What the screens show of people beyond the roster: the names they chose (for the one
//! naming rule, `service::people::display_name`), their About text, and their avatars as
//! object URLs of the cached images.

use leptos::prelude::*;

use crate::proto::jid::BareJid;
use crate::service::people::{given_name, local_name, People};
use crate::sort::VecMap;
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

/// What [`PeopleState`] holds, in one signal: one signal type instead of three, and maps
/// as sorted `Vec`s (see [`VecMap`]), which link far less code than hash maps.
#[derive(Default)]
struct Faces {
    /// By bare JID: the account's contacts (and the account), as last heard or cached.
    known: VecMap<String, PersonView>,
    /// By hash: the object URL of each avatar image read; `None` while the store is read
    /// for it, or when it does not have it (each hash is read once).
    urls: VecMap<String, Option<String>>,
}

#[derive(Clone, Copy)]
pub struct PeopleState {
    faces: RwSignal<Faces>,
}

impl Default for PeopleState {
    fn default() -> Self {
        PeopleState {
            faces: RwSignal::new(Faces::default()),
        }
    }
}

impl PeopleState {
    /// Everyone at once (a warm start, or another tab stored them). Avatars the store did
    /// not have before may be there now: they are asked again.
    pub fn set_all(&self, records: &[PersonRecord]) {
        self.faces.update(|f| {
            f.known = VecMap::new();
            for r in records {
                f.known.insert(r.jid.clone(), PersonView::of_record(r));
            }
            f.urls.retain(|_, url| url.is_some());
        });
    }

    /// One person changed; `false` if they were shown so already.
    pub fn set(&self, jid: &str, view: PersonView) -> bool {
        if self
            .faces
            .with_untracked(|f| f.known.get(jid) == Some(&view))
        {
            return false;
        }
        self.faces.update(|f| {
            f.known.insert(jid.to_owned(), view);
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
        self.faces.with_untracked(|f| {
            let person = f.known.get(jid.as_str());
            let nick = person.and_then(|p| p.nick.as_deref());
            let full_name = person.and_then(|p| p.full_name.as_deref());
            given_name(roster_name, nick, full_name).map(str::to_owned)
        })
    }

    /// `jid`'s About text (tracked).
    pub fn about(&self, jid: &str) -> Option<String> {
        self.faces
            .with(|f| f.known.get(jid).and_then(|p| p.about.clone()))
            .filter(|a| !a.trim().is_empty())
    }

    /// The object URL of `jid`'s avatar, empty while there is none to show (tracked).
    pub fn src(&self, jid: &str) -> String {
        self.faces.with(|f| {
            let hash = f.known.get(jid).and_then(|p| p.avatar.as_deref());
            hash.and_then(|h| f.urls.get(h)?.clone())
                .unwrap_or_default()
        })
    }

    /// The hash of `jid`'s avatar when its image was never asked of the store (tracked).
    pub fn missing(&self, jid: &str) -> Option<String> {
        self.faces.with(|f| {
            let hash = f.known.get(jid)?.avatar.as_deref()?;
            (!f.urls.contains_key(hash)).then(|| hash.to_owned())
        })
    }

    /// The object URL of the image `hash`, once read.
    pub fn url(&self, hash: &str) -> Option<String> {
        self.faces
            .with_untracked(|f| f.urls.get(hash).cloned().flatten())
    }

    /// Whether the store is to be read for `hash`: the first time only. (Untracked: the
    /// faces waiting for it change when it is read.)
    pub fn wants(&self, hash: &str) -> bool {
        self.faces
            .try_update_untracked(|f| {
                !f.urls.contains_key(hash) && f.urls.insert(hash.to_owned(), None).is_none()
            })
            .unwrap_or(false)
    }

    /// The image `hash` (of media type `type_`) is at hand: shown wherever it belongs.
    pub fn show_image(&self, hash: &str, type_: &str, bytes: &[u8]) {
        if self.url(hash).is_some() {
            return;
        }
        let Some(url) = object_url(type_, bytes) else {
            return;
        };
        self.faces.update(|f| {
            f.urls.insert(hash.to_owned(), Some(url));
        });
    }

    /// Signed out: nothing of anyone stays, and the images' URLs are let go.
    pub fn clear(&self) {
        let faces = self.faces.try_update(std::mem::take).unwrap_or_default();
        for url in faces.urls.values().flatten() {
            let _ = web_sys::Url::revoke_object_url(url);
        }
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
