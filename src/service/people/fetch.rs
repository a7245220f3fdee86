//! What Kith fetches of other people's profiles, beside [`People`]: each avatar image by
//! its hash, at most once (what the device's cache holds is never asked for, nor what
//! this session asked already), and the profile nodes a server did not push once it
//! learnt our `+notify` caps. Sans-IO: changes in, iqs out ([`Fetches::poll_request`]),
//! answers in, images and changes out.

use minidom::Element;

use super::{avatar_data_iq, profile_items_iq, vcard_temp_iq, People, PersonChange};
use crate::proto::jid::{BareJid, Jid};
use crate::proto::ns;
use crate::proto::rfc6120::Iq;
use crate::proto::rfc6121::Message;
use crate::proto::xep0153;
use crate::sort::{VecMap, VecSet};
use crate::xmpp::{Instant, IqOutcome};

/// Fetches on the wire at once: a roster of avatars changed together must not flood the
/// stream ahead of what the person does.
const MAX_IN_FLIGHT: usize = 8;
/// How long after the server asked what our caps mean the profile nodes it did not push
/// from are fetched ([`Fetches::catch_up_after_caps`]).
const SETTLE_MS: u64 = 2_000;

/// An image fetched and verified: its SHA-1 is `hash`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvatarBytes {
    pub hash: String,
    /// The media type its owner gave (`image/png`).
    pub type_: String,
    pub bytes: Vec<u8>,
}

/// What an answer brought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// An avatar for the cache.
    Avatar(AvatarBytes),
    /// What someone published, read from their node ([`People::handle_items`]).
    Person(PersonChange),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Fetch {
    /// XEP-0084: the data item `hash` of `owner`, announced as `type_`.
    Data {
        owner: BareJid,
        hash: String,
        type_: String,
    },
    /// XEP-0153: `owner`'s vcard-temp, whose photo presence announced as `hash`.
    Vcard { owner: BareJid, hash: String },
    /// The newest item of `owner`'s profile node `node`.
    Items { owner: BareJid, node: &'static str },
}

impl Fetch {
    fn iq(&self, id: &str) -> Iq {
        match self {
            Fetch::Data { owner, hash, .. } => avatar_data_iq(id, owner, hash),
            Fetch::Vcard { owner, .. } => vcard_temp_iq(id, owner),
            Fetch::Items { owner, node } => profile_items_iq(id, owner, node),
        }
    }
}

/// See the module's documentation.
#[derive(Clone, Debug, Default)]
pub struct Fetches {
    /// Avatar hashes the device's cache holds.
    cached: VecSet<String>,
    /// Avatar hashes asked this session, whatever came of it: never asked twice.
    asked: VecSet<String>,
    /// Waiting for a slot, oldest first (a `Vec`: a few at a time, and no deque code).
    queue: Vec<Fetch>,
    in_flight: VecMap<String, Fetch>,
    sent: u32,
    /// Whose profile nodes the server pushed on this stream.
    heard: VecSet<BareJid>,
    catch_up_at: Option<Instant>,
}

/// The owner of a PEP event about a profile node that this module may fetch, if
/// `message` is one: its sender's bare JID (the account's own when there is none).
fn profile_event_owner(message: &Message, account: &BareJid) -> Option<BareJid> {
    let event = message
        .payloads
        .iter()
        .find(|p| p.is("event", ns::PUBSUB_EVENT))?;
    let node = event.children().next()?.attr("node")?;
    if ![ns::AVATAR_METADATA, ns::NICK].contains(&node) {
        return None;
    }
    match &message.from {
        None => Some(account.clone()),
        Some(jid) if jid.resource().is_none() => Some(jid.to_bare()),
        Some(_) => None,
    }
}

impl Fetches {
    /// The hashes the device's avatar cache holds.
    pub fn restore(&mut self, hashes: impl IntoIterator<Item = String>) {
        for hash in hashes {
            self.cached.insert(hash);
        }
    }

    /// A PEP event arrived (already given to [`People::handle_event`]): its owner needs
    /// no catch-up on this stream.
    pub fn handle_event(&mut self, message: &Message, account: &BareJid) {
        if let Some(owner) = profile_event_owner(message, account) {
            self.heard.insert(owner);
        }
    }

    /// Something about `change`'s person changed: a new avatar is fetched unless the
    /// cache has it or it was asked for already — from the XEP-0084 data node when that
    /// is where it comes from, else the vcard-temp that presence announced.
    pub fn handle_change(&mut self, people: &People, change: &PersonChange) {
        let PersonChange::Avatar(owner) = change else {
            return;
        };
        let Some(person) = people.get(owner) else {
            return;
        };
        let Some(hash) = person.avatar() else {
            return;
        };
        if self.cached.contains(hash) || !self.asked.insert(hash.to_owned()) {
            return;
        }
        let (owner, hash) = (owner.clone(), hash.to_owned());
        self.queue.push(match person.avatar_info() {
            Some(info) => Fetch::Data {
                owner,
                hash,
                type_: info.type_.clone(),
            },
            None => Fetch::Vcard { owner, hash },
        });
    }

    /// A new stream: what the server pushes on it is heard anew.
    pub fn new_stream(&mut self) {
        self.heard = VecSet::new();
        self.catch_up_at = None;
    }

    /// The server has just learnt that we want profile events (it asked what our caps
    /// mean). Prosody then pushes each contact's newest items; ejabberd 23.01 does not
    /// when it learnt after our presence reached them. So what was not pushed within
    /// [`SETTLE_MS`] is fetched ([`Fetches::handle_timeout`]).
    pub fn catch_up_after_caps(&mut self, now: Instant) {
        self.catch_up_at = Some(now + SETTLE_MS);
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.catch_up_at
    }

    /// Time passed: once the catch-up is due, the avatar metadata and nickname of each
    /// of `owners` the server did not push from are asked for.
    pub fn handle_timeout(&mut self, now: Instant, owners: impl IntoIterator<Item = BareJid>) {
        if self.catch_up_at.is_none_or(|at| now < at) {
            return;
        }
        self.catch_up_at = None;
        for owner in owners {
            if self.heard.contains(&owner) {
                continue;
            }
            for node in [ns::AVATAR_METADATA, ns::NICK] {
                let owner = owner.clone();
                self.queue.push(Fetch::Items { owner, node });
            }
        }
    }

    /// The next iq to send, while fewer than [`MAX_IN_FLIGHT`] are unanswered.
    pub fn poll_request(&mut self) -> Option<Iq> {
        if self.in_flight.len() >= MAX_IN_FLIGHT || self.queue.is_empty() {
            return None;
        }
        let fetch = self.queue.remove(0);
        self.sent += 1;
        let id = format!("people-{}", self.sent);
        let iq = fetch.iq(&id);
        self.in_flight.insert(id, fetch);
        Some(iq)
    }

    /// The answer to iq `id`; `None` if it is not one of ours, `Some(None)` if it
    /// brought nothing to show. The session matched its sender to the iq's `to`, the
    /// owner. An image counts only if its SHA-1 is the hash asked for.
    pub fn handle_response(
        &mut self,
        id: &str,
        outcome: &IqOutcome,
        people: &mut People,
    ) -> Option<Option<Fetched>> {
        let fetch = self.in_flight.remove(id)?;
        let payload = match outcome {
            IqOutcome::Result(Some(payload)) => payload,
            // Lost with the stream: asked again on the next one.
            IqOutcome::Disconnected => {
                self.queue.insert(0, fetch);
                return Some(None);
            }
            _ => return Some(None),
        };
        Some(self.read(fetch, payload, people))
    }

    fn read(&mut self, fetch: Fetch, payload: &Element, people: &mut People) -> Option<Fetched> {
        let avatar = match fetch {
            Fetch::Items { owner, .. } => {
                let from = Jid::from(owner.clone());
                let change = people.handle_items(&owner, Some(&from), payload)?;
                self.handle_change(people, &change);
                return Some(Fetched::Person(change));
            }
            Fetch::Data { owner, hash, type_ } => {
                let from = Jid::from(owner.clone());
                let bytes = people.avatar_data(&owner, Some(&from), &hash, payload)?;
                AvatarBytes { hash, type_, bytes }
            }
            // Cached under the photo's own hash, whatever presence announced: a photo
            // that is not the announced one is then never shown for it.
            Fetch::Vcard { .. } => {
                let photo = xep0153::read_photo(payload)?;
                AvatarBytes {
                    hash: photo.hash(),
                    type_: photo.type_,
                    bytes: photo.bytes,
                }
            }
        };
        self.cached.insert(avatar.hash.clone());
        Some(Fetched::Avatar(avatar))
    }
}
