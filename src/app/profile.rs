//! The person's own profile: what the account published about itself (nickname, vCard4,
//! avatar), read from its PEP when the **Profile** screen opens, and its edits, which go
//! through the outbox like posts (`service::people` composes them).

use crate::proto::base64;
use crate::proto::ns;
use crate::proto::xep0084::sha1_hex;
use crate::service::feed::Access;
use crate::service::outbox::WriteKind;
use crate::service::people::{self, People, Person, ProfileForm};
use crate::xmpp::IqOutcome;
use leptos::prelude::*;

use super::account::Account;
use super::outbox::fresh_id;
use super::UserError;

/// What the **Profile** screen asks of [`Account::profile`].
pub enum ProfileEdit {
    /// What the account published ([`Account::own_profile`]).
    Read,
    /// **Change avatar** with this image (cropped square and resized here), or **Remove
    /// avatar** (`None`).
    Avatar(Option<web_sys::File>),
    /// **Save profile**: the nickname and vCard4 as the form says, only what changed.
    Save(ProfileForm),
}

/// What the **Profile** screen shows.
#[derive(Clone, Debug, Default)]
pub struct OwnProfile {
    /// The nickname and vCard4 as the server last said, with this tab's saves since.
    pub person: Person,
    /// The avatar: its hash, and the image as a `data:` URL.
    pub avatar: Option<(String, String)>,
    /// Read from the server: until then, a save could not tell what it changes.
    read: bool,
}

impl OwnProfile {
    pub fn is_read(&self) -> bool {
        self.read
    }

    pub fn avatar_url(&self) -> Option<String> {
        self.avatar.as_ref().map(|(_, url)| url.clone())
    }
}

/// An image as an `img` source. Only an image type goes into the URL (it is the account's
/// own data, but another client may have published it).
fn data_url(type_: &str, bytes: &[u8]) -> Option<String> {
    let subtype = type_.strip_prefix("image/")?;
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"+.-".contains(&b);
    (!subtype.is_empty() && subtype.bytes().all(plain))
        .then(|| format!("data:{type_};base64,{}", base64::encode(bytes)))
}

impl Account {
    /// The account's nickname, vCard4 and avatar, from its PEP; what this tab last knew
    /// while offline, while the connection is another tab's, or while its own profile
    /// writes are still on their way (they are newer than what the server has; a refused
    /// one is not).
    async fn own_profile(&self) -> OwnProfile {
        let cached = self.inner.own.borrow().clone();
        let writing = self.state().pending.with_untracked(|p| {
            p.iter()
                .any(|w| matches!(w.kind, WriteKind::Profile { .. }) && w.failed.is_none())
        });
        if writing || self.connection().is_none() {
            return cached;
        }
        let me = self.jid();
        if let IqOutcome::Result(Some(info)) = self.ask(|id| people::account_info_iq(id, me)).await
        {
            self.inner.converts.set(Some(people::converts_vcard(info)));
        }
        let mut people = People::new(me.clone());
        for node in [ns::NICK, ns::VCARD4_NODE, ns::AVATAR_METADATA] {
            match self.ask(|id| people::profile_items_iq(id, me, node)).await {
                // (The session took the answer only from where it was asked.)
                IqOutcome::Result(Some(payload)) => {
                    people.handle_items(me, None, &payload);
                }
                // No such node (item-not-found): nothing published there.
                IqOutcome::Error(_) => {}
                _ => return cached,
            }
        }
        let person = people.get(me).cloned().unwrap_or_default();
        let avatar = match person.avatar_info() {
            None => None,
            Some(info) if cached.avatar.as_ref().is_some_and(|a| a.0 == info.id) => cached.avatar,
            Some(info) => {
                let answer = self
                    .ask(|id| people::avatar_data_iq(id, me, &info.id))
                    .await;
                let bytes = match answer {
                    IqOutcome::Result(Some(payload)) => {
                        people.avatar_data(me, None, &info.id, &payload)
                    }
                    _ => None,
                };
                bytes
                    .and_then(|b| data_url(&info.type_, &b))
                    .map(|url| (info.id.clone(), url))
            }
        };
        let own = OwnProfile {
            person,
            avatar,
            read: true,
        };
        *self.inner.own.borrow_mut() = own.clone();
        own
    }

    /// Who may read the profile: as the person's posts (the own microblog's access model,
    /// contacts until a post said otherwise).
    fn profile_access(&self) -> Access {
        self.read_feed(|feed| feed.own_access())
            .unwrap_or(Access::Presence)
    }

    /// What the **Profile** screen asked for, done: `Ok` is the profile as it now stands.
    /// Edits are outbox writes, stored, then sent.
    pub async fn profile(&self, edit: ProfileEdit) -> Result<OwnProfile, UserError> {
        let entries = match edit {
            ProfileEdit::Read => return Ok(self.own_profile().await),
            ProfileEdit::Avatar(image) => {
                let image = match image {
                    Some(file) => Some(crate::net::upload::avatar(&file).await?),
                    None => None,
                };
                // XEP-0153's vcard-temp copy, unless the server makes it (or it is not
                // known whether it does: the screen could not ask, offline).
                let legacy = self.inner.converts.get() == Some(false);
                let entries = people::compose_avatar(
                    self.jid(),
                    image.as_ref(),
                    self.profile_access(),
                    legacy,
                    &mut fresh_id,
                );
                self.inner.own.borrow_mut().avatar = image.and_then(|image| {
                    let url = data_url(&image.type_, &image.bytes)?;
                    Some((sha1_hex(&image.bytes), url))
                });
                entries
            }
            ProfileEdit::Save(form) => {
                let access = self.profile_access();
                let mut own = self.inner.own.borrow_mut();
                if !own.read {
                    return Err("Your profile could not be read from your server yet, and \
                                saving now could erase what is there. Try again once online."
                        .into());
                }
                let person = &mut own.person;
                people::compose_profile_edits(self.jid(), person, &form, access, &mut fresh_id)
            }
        };
        self.write(entries).await;
        Ok(self.inner.own.borrow().clone())
    }
}
