//! People: what Kith knows of a person beyond the roster, and what the person does about
//! others. Sans-IO like the other services: stanzas in, changes out.
//! - [`People`]: each person's nickname (XEP-0172), vCard4 profile (XEP-0292) and avatar
//!   (XEP-0084, else the XEP-0153 vcard-temp photo), from PEP events, fetch results and
//!   presence. PEP data counts only from the person's own bare JID, the PEP service.
//! - [`display_name`]: the one rule naming a person, everywhere.
//! - [`SubscriptionState`]: RFC 6121 §3 subscription states (Appendix A), and what the
//!   contacts list shows of them; [`Requests`]: incoming subscription requests.
//! - [`Blocklist`]: XEP-0191, with [`Blocklist::is_blocked`] for filtering.
//! - `compose_*`: the person's own profile edits as outbox entries.

use std::collections::BTreeSet;

use minidom::Element;

use crate::proto::jid::{BareJid, Jid};
use crate::proto::ns;
use crate::proto::rfc6120::StanzaError;
use crate::proto::rfc6120::{Iq, ParseError};
use crate::proto::rfc6121::{Message, Presence, PresenceType, Subscription};
use crate::proto::xep0030::{self, DiscoInfo};
use crate::proto::xep0084::{self, Info, Metadata};
use crate::proto::xep0153::{self, PhotoUpdate};
use crate::proto::xep0191::{self, Push, PushRejected};
use crate::proto::xep0292::{self, Profile};
use crate::proto::{xep0004, xep0060, xep0172};

use super::feed::{is_precondition_not_met, Access, Ids, ItemKey, Recovery};
use super::outbox::{OutboxEntry, WriteKind};
use super::roster::{Contact, Roster};
use crate::sort::VecMap;

// ---- people ---------------------------------------------------------------------------

/// What a person published about themselves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    /// XEP-0172: the name they chose.
    pub nick: Option<String>,
    /// XEP-0292: their vCard4, `None` when they have none (or an empty one).
    pub profile: Option<Profile>,
    /// XEP-0084: `None` until their metadata said something; `Some(None)`: removed.
    pep_avatar: Option<Option<Info>>,
    /// XEP-0153: the photo hash their clients announce in presence.
    vcard_photo: Option<String>,
}

impl Person {
    /// The avatar's hash, its key in the avatar cache. XEP-0084 is preferred: once its
    /// metadata said anything (an avatar, or none), the vcard-temp photo no longer counts.
    pub fn avatar(&self) -> Option<&str> {
        match &self.pep_avatar {
            Some(info) => info.as_ref().map(|i| i.id.as_str()),
            None => self.vcard_photo.as_deref(),
        }
    }

    /// The XEP-0084 avatar's size and type, when that is where the avatar comes from.
    pub fn avatar_info(&self) -> Option<&Info> {
        self.pep_avatar.as_ref()?.as_ref()
    }

    pub fn full_name(&self) -> Option<&str> {
        self.profile.as_ref()?.full_name.as_deref()
    }
}

/// The name a person is shown by, everywhere: the roster name the user gave them, else
/// the nickname they chose, else their vCard4 full name, else their JID's local part
/// (else its domain: a server or gateway). Blank names count as none.
pub fn display_name(jid: &BareJid, roster_name: Option<&str>, person: Option<&Person>) -> String {
    let nick = person.and_then(|p| p.nick.as_deref());
    given_name(roster_name, nick, person.and_then(Person::full_name))
        .map(str::to_owned)
        .unwrap_or_else(|| local_name(jid))
}

/// [`display_name`] but its last step: the first of the roster name, the nickname and
/// the full name that is not blank, trimmed; `None` when the person has no name but their
/// address (a screen may know a better fallback, such as the name a post claims).
pub fn given_name<'a>(
    roster_name: Option<&'a str>,
    nick: Option<&'a str>,
    full_name: Option<&'a str>,
) -> Option<&'a str> {
    [roster_name, nick, full_name]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|n| !n.is_empty())
}

/// What an avatar without a picture shows of `name`: the first letter or digit of its
/// first two words (`Juliet Capulet`: `JC`), as written; none for a name without any.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .collect()
}

/// [`display_name`]'s last step: the JID's local part, else (a server or gateway) itself.
pub fn local_name(jid: &BareJid) -> String {
    match jid.node() {
        Some(node) => node.to_string(),
        None => jid.to_string(),
    }
}

/// What changed about someone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PersonChange {
    /// Their avatar's hash changed: fetch it ([`avatar_data_iq`], or [`vcard_temp_iq`]
    /// when it came from presence) unless the cache has it.
    Avatar(BareJid),
    Nick(BareJid),
    Profile(BareJid),
}

/// One of the profile nodes, and what an item (or its absence) there says.
enum Published {
    Avatar(Metadata),
    Nick(Option<String>),
    Profile(Option<Profile>),
}

impl Published {
    /// What an empty node (nothing published, or its item retracted) says on `node`.
    fn nothing(node: &str) -> Option<Published> {
        Some(match node {
            ns::AVATAR_METADATA => Published::Avatar(Metadata::default()),
            ns::NICK => Published::Nick(None),
            ns::VCARD4_NODE => Published::Profile(None),
            _ => return None,
        })
    }

    /// The payload of an item of `node`; `None` when it is not one (ignored).
    fn read(node: &str, item: &Element) -> Option<Published> {
        let payload = item.children().next()?;
        Some(match node {
            ns::AVATAR_METADATA => Published::Avatar(Metadata::try_from(payload).ok()?),
            ns::NICK => Published::Nick(xep0172::read(payload).ok()?),
            ns::VCARD4_NODE => {
                let profile = Profile::try_from(payload).ok()?;
                Published::Profile(Some(profile).filter(|p| !p.is_empty()))
            }
            _ => return None,
        })
    }

    /// An `<items/>` of an event or result (same shape in either namespace): the newest
    /// item, else nothing when it was retracted (or, for a result, when there is none).
    fn of_items(items: &Element, empty_is_nothing: bool) -> Option<Published> {
        let node = items.attr("node")?;
        let item = items.children().filter(|c| c.name() == "item").last();
        match item {
            Some(item) => Published::read(node, item),
            None if empty_is_nothing || items.children().any(|c| c.name() == "retract") => {
                Published::nothing(node)
            }
            None => None,
        }
    }
}

/// Everyone's published names, profiles and avatars, as far as Kith has seen them.
#[derive(Clone, Debug)]
pub struct People {
    account: BareJid,
    people: VecMap<BareJid, Person>,
}

impl People {
    pub fn new(account: BareJid) -> People {
        People {
            account,
            people: VecMap::new(),
        }
    }

    pub fn get(&self, jid: &BareJid) -> Option<&Person> {
        self.people.get(jid)
    }

    /// [`display_name`] of `jid`, with the roster's name for them.
    pub fn name(&self, jid: &BareJid, roster: &Roster) -> String {
        let roster_name = roster.get(jid).and_then(|c| c.name.as_deref());
        display_name(jid, roster_name, self.get(jid))
    }

    /// Whose PEP a stanza from `from` speaks for. PEP sends from the owner's bare JID (no
    /// `from`: the account's own server, for the account); a full JID is someone's client,
    /// which speaks for no node.
    fn owner(&self, from: Option<&Jid>) -> Option<BareJid> {
        match from {
            None => Some(self.account.clone()),
            Some(jid) if jid.resource().is_some() => None,
            Some(jid) => Some(jid.to_bare()),
        }
    }

    /// A PEP event (XEP-0163 `+notify`) about an avatar, nickname or vCard4: taken as the
    /// sender's own, and only from the account or someone `known` (a contact): a stranger's
    /// self-description is not kept. An item's `publisher` changes nothing.
    pub fn handle_event(
        &mut self,
        message: &Message,
        known: impl Fn(&BareJid) -> bool,
    ) -> Option<PersonChange> {
        let event = message
            .payloads
            .iter()
            .find(|p| p.is("event", ns::PUBSUB_EVENT))?;
        let action = event.children().next()?;
        let owner = self.owner(message.from.as_ref())?;
        if owner != self.account && !known(&owner) {
            return None;
        }
        let published = match action.name() {
            "items" => Published::of_items(action, false)?,
            "purge" | "delete" => Published::nothing(action.attr("node")?)?,
            _ => return None,
        };
        self.set(owner, published)
    }

    /// The result of [`profile_items_iq`] to `owner`, answered `from`.
    pub fn handle_items(
        &mut self,
        owner: &BareJid,
        from: Option<&Jid>,
        payload: &Element,
    ) -> Option<PersonChange> {
        if self.owner(from).as_ref() != Some(owner) || !payload.is("pubsub", ns::PUBSUB) {
            return None;
        }
        let items = payload.get_child("items", ns::PUBSUB)?;
        let published = Published::of_items(items, true)?;
        self.set(owner.clone(), published)
    }

    /// XEP-0153: the photo hash in a presence from the account or someone `known` (not a
    /// room occupant: their presences are not to be passed here).
    pub fn handle_presence(
        &mut self,
        presence: &Presence,
        known: impl Fn(&BareJid) -> bool,
    ) -> Option<PersonChange> {
        if !matches!(
            presence.type_,
            PresenceType::None | PresenceType::Unavailable
        ) {
            return None;
        }
        let owner = presence.from.as_ref()?.to_bare();
        if owner != self.account && !known(&owner) {
            return None;
        }
        let hash = match xep0153::read_update(presence)? {
            PhotoUpdate::NotReady => return None,
            PhotoUpdate::Removed => None,
            PhotoUpdate::Hash(hash) => Some(hash),
        };
        let person = self.people.get_or_insert(owner.clone(), Person::default());
        let before = person.avatar().map(str::to_owned);
        person.vcard_photo = hash;
        (person.avatar() != before.as_deref()).then_some(PersonChange::Avatar(owner))
    }

    /// The image of the result of [`avatar_data_iq`] to `owner` for `hash`: `None` unless
    /// it came from `owner` and its SHA-1 is `hash`.
    pub fn avatar_data(
        &self,
        owner: &BareJid,
        from: Option<&Jid>,
        hash: &str,
        payload: &Element,
    ) -> Option<Vec<u8>> {
        if self.owner(from).as_ref() != Some(owner) {
            return None;
        }
        let items = payload
            .get_child("items", ns::PUBSUB)
            .filter(|i| i.attr("node") == Some(ns::AVATAR_DATA))?;
        let item = items.children().find(|i| {
            i.is("item", ns::PUBSUB) && i.attr("id").is_some_and(|id| id.eq_ignore_ascii_case(hash))
        })?;
        xep0084::read_data_item(item).ok()
    }

    fn set(&mut self, owner: BareJid, published: Published) -> Option<PersonChange> {
        let person = self.people.get_or_insert(owner.clone(), Person::default());
        match published {
            Published::Avatar(metadata) => {
                let before = person.avatar().map(str::to_owned);
                // An avatar only at a URL someone chose is not fetched (privacy by
                // default): as if the metadata said nothing, so vcard-temp still counts.
                person.pep_avatar = match metadata.in_pep() {
                    Some(info) => Some(Some(info.clone())),
                    None if metadata.is_removed() => Some(None),
                    None => None,
                };
                (person.avatar() != before.as_deref()).then_some(PersonChange::Avatar(owner))
            }
            Published::Nick(nick) if person.nick != nick => {
                person.nick = nick;
                Some(PersonChange::Nick(owner))
            }
            Published::Profile(profile) if person.profile != profile => {
                person.profile = profile;
                Some(PersonChange::Profile(owner))
            }
            Published::Nick(_) | Published::Profile(_) => None,
        }
    }

    /// Forgets whoever is no longer `known` (the account is always kept).
    pub fn retain(&mut self, known: impl Fn(&BareJid) -> bool) {
        let account = self.account.clone();
        self.people.retain(|jid, _| *jid == account || known(jid));
    }
}

/// XEP-0060 §6.5.7: asks for the newest item of `owner`'s profile node `node`
/// ([`ns::AVATAR_METADATA`], [`ns::NICK`] or [`ns::VCARD4_NODE`]).
pub fn profile_items_iq(iq_id: &str, owner: &BareJid, node: &str) -> Iq {
    let pubsub = Element::builder("pubsub", ns::PUBSUB)
        .append(xep0060::items(node, Some(1)))
        .build();
    Iq::from_get(iq_id, pubsub).with_to(owner.clone().into())
}

/// XEP-0084 §4.3: asks `owner` for the image `hash`.
pub fn avatar_data_iq(iq_id: &str, owner: &BareJid, hash: &str) -> Iq {
    Iq::from_get(iq_id, xep0084::data_request(hash)).with_to(owner.clone().into())
}

/// XEP-0153 §3.3: asks for `owner`'s vcard-temp (its photo: [`xep0153::read_photo`],
/// cached under [`xep0153::Photo::hash`] whatever presence announced).
pub fn vcard_temp_iq(iq_id: &str, owner: &BareJid) -> Iq {
    Iq::from_get(iq_id, xep0153::vcard_request()).with_to(owner.clone().into())
}

// ---- subscriptions ----------------------------------------------------------------------

/// RFC 6121 Appendix A: a contact's subscription state as the user's server keeps it.
/// `pending_out` only without `to`, `pending_in` only without `from`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SubscriptionState {
    /// The user sees the contact's presence.
    pub to: bool,
    /// The contact sees the user's presence.
    pub from: bool,
    /// The user asked to see the contact's presence (`ask='subscribe'`).
    pub pending_out: bool,
    /// The contact asked to see the user's and awaits an answer (a listed request).
    pub pending_in: bool,
}

impl SubscriptionState {
    /// From the roster item (if any) and whether a request from them is listed.
    pub fn of(contact: Option<&Contact>, pending_in: bool) -> SubscriptionState {
        let sub = contact.map_or(Subscription::None, |c| c.subscription);
        let to = matches!(sub, Subscription::To | Subscription::Both);
        let from = matches!(sub, Subscription::From | Subscription::Both);
        SubscriptionState {
            to,
            from,
            pending_out: !to && contact.is_some_and(|c| c.pending_out),
            pending_in: !from && pending_in,
        }
    }

    /// Appendix A.2: after the user sends a subscription presence of `type_`.
    pub fn after_sent(self, type_: PresenceType) -> SubscriptionState {
        match type_ {
            PresenceType::Subscribe => SubscriptionState {
                pending_out: !self.to,
                ..self
            },
            PresenceType::Subscribed => self.approved(),
            PresenceType::Unsubscribe => self.without_to(),
            PresenceType::Unsubscribed => self.without_from(),
            _ => self,
        }
    }

    /// Appendix A.3: after the contact's subscription presence of `type_` arrives.
    pub fn after_received(self, type_: PresenceType) -> SubscriptionState {
        match type_ {
            // From an approved contact the server answers by itself: no request.
            PresenceType::Subscribe => SubscriptionState {
                pending_in: !self.from,
                ..self
            },
            // Only an answer to the user's request counts (§3.1.6: others are ignored).
            PresenceType::Subscribed if self.pending_out => SubscriptionState {
                to: true,
                pending_out: false,
                ..self
            },
            PresenceType::Unsubscribe => self.without_from(),
            PresenceType::Unsubscribed => self.without_to(),
            _ => self,
        }
    }

    /// The user approves a pending request (without one: a pre-approval, §3.4, which
    /// changes no state).
    fn approved(self) -> SubscriptionState {
        match self.pending_in {
            true => SubscriptionState {
                from: true,
                pending_in: false,
                ..self
            },
            false => self,
        }
    }

    fn without_to(self) -> SubscriptionState {
        SubscriptionState {
            to: false,
            pending_out: false,
            ..self
        }
    }

    fn without_from(self) -> SubscriptionState {
        SubscriptionState {
            from: false,
            pending_in: false,
            ..self
        }
    }

    /// What the contacts list shows. A request from them shows in the requests list.
    pub fn shown(self) -> Sharing {
        match (self.to, self.from) {
            (true, true) => Sharing::Both,
            (true, false) => Sharing::YouDontShare,
            (false, _) if self.pending_out => Sharing::RequestPending,
            (false, true) => Sharing::TheyDontShare,
            (false, false) => Sharing::Nothing,
        }
    }
}

/// Who sees whose presence, as shown beside a contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// Each sees the other's presence (`both`).
    Both,
    /// They see the user's presence, not the other way round (`from`).
    TheyDontShare,
    /// The user sees theirs, they do not see the user's (`to`).
    YouDontShare,
    /// The user asked to see theirs; no answer yet (`ask='subscribe'`).
    RequestPending,
    Nothing,
}

impl Sharing {
    pub fn label(self) -> Option<&'static str> {
        Some(match self {
            Sharing::Both => "Both",
            Sharing::TheyDontShare => "They don't share",
            Sharing::YouDontShare => "You don't share",
            Sharing::RequestPending => "Awaiting their answer",
            Sharing::Nothing => return None,
        })
    }
}

/// Someone asking to see the user's presence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub jid: BareJid,
    /// The nickname the request claims (XEP-0172 §4.2): a stranger's claim, shown as
    /// one beside the JID, never as a contact's name.
    pub nick: Option<String>,
}

/// Requests kept: anyone may send them, as many as they like.
pub const MAX_REQUESTS: usize = 500;

/// Incoming subscription requests awaiting **Accept** or **Decline**, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Requests {
    list: Vec<Request>,
}

/// Whether the contact already sees the user's presence (the server then answers a new
/// request itself, RFC 6121 §3.1.3).
fn shares_with(roster: &Roster, jid: &BareJid) -> bool {
    roster
        .get(jid)
        .is_some_and(|c| matches!(c.subscription, Subscription::From | Subscription::Both))
}

impl Requests {
    /// An inbound presence: `subscribe` lists a request (not from a blocked JID, nor from
    /// a contact who already sees the user), `unsubscribe` withdraws it. Whether the list
    /// changed.
    pub fn handle_presence(
        &mut self,
        account: &BareJid,
        presence: &Presence,
        roster: &Roster,
        blocked: &Blocklist,
    ) -> bool {
        let Some(from) = &presence.from else {
            return false;
        };
        let jid = from.to_bare();
        match presence.type_ {
            PresenceType::Subscribe => {
                if jid == *account
                    || blocked.is_blocked(from)
                    || shares_with(roster, &jid)
                    || self.contains(&jid)
                    || self.list.len() >= MAX_REQUESTS
                {
                    return false;
                }
                let nick = xep0172::from_presence(presence);
                self.list.push(Request { jid, nick });
                true
            }
            PresenceType::Unsubscribe => self.answered(&jid),
            _ => false,
        }
    }

    /// The user accepted or declined `jid`'s request: it leaves the list.
    pub fn answered(&mut self, jid: &BareJid) -> bool {
        let before = self.list.len();
        self.list.retain(|r| r.jid != *jid);
        self.list.len() != before
    }

    /// Drops the requests of people now blocked, or who already see the user's presence
    /// (after a roster push or a blocklist change).
    pub fn prune(&mut self, roster: &Roster, blocked: &Blocklist) {
        self.list
            .retain(|r| !blocked.is_blocked(&r.jid) && !shares_with(roster, &r.jid));
    }

    pub fn contains(&self, jid: &BareJid) -> bool {
        self.list.iter().any(|r| r.jid == *jid)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Request> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// **Accept**: RFC 6121 §3.1.5 approves the request, and §3.1.1 asks back unless the user
/// already sees `jid`'s presence or asked for it.
pub fn accept(jid: &BareJid, contact: Option<&Contact>) -> Vec<Presence> {
    let state = SubscriptionState::of(contact, true);
    let mut presences = vec![Presence::new(PresenceType::Subscribed).with_to(jid.clone())];
    if !state.to && !state.pending_out {
        presences.push(Presence::new(PresenceType::Subscribe).with_to(jid.clone()));
    }
    presences
}

/// **Decline**: RFC 6121 §3.2.1 refuses (or cancels) `jid`'s subscription.
pub fn decline(jid: &BareJid) -> Presence {
    Presence::new(PresenceType::Unsubscribed).with_to(jid.clone())
}

// ---- blocking ---------------------------------------------------------------------------

/// The JIDs the user blocked (XEP-0191), as the server last said.
#[derive(Clone, Debug, Default)]
pub struct Blocklist {
    jids: BTreeSet<Jid>,
}

impl Blocklist {
    /// The answer to [`blocklist_iq`]: the whole list.
    pub fn apply_result(&mut self, payload: &Element) -> Result<(), ParseError> {
        self.jids = xep0191::read_blocklist(payload)?.into_iter().collect();
        Ok(())
    }

    /// A push (an iq set) `from`, applied only if it is the account's own server's.
    pub fn apply_push(
        &mut self,
        account: &BareJid,
        from: Option<&Jid>,
        payload: &Element,
    ) -> Result<Push, PushRejected> {
        let push = xep0191::read_push(from, account, payload)?;
        match &push {
            Push::Block(jids) => self.jids.extend(jids.iter().cloned()),
            Push::Unblock(jids) if jids.is_empty() => self.jids.clear(),
            Push::Unblock(jids) => {
                for jid in jids {
                    self.jids.remove(jid);
                }
            }
        }
        Ok(push)
    }

    /// Whether anything from `jid` is to be hidden. XEP-0191 §3.3 matches as privacy
    /// lists do (XEP-0016 §2.1): an item blocks its exact JID, a bare JID all its
    /// resources, a domain everyone there.
    pub fn is_blocked(&self, jid: &Jid) -> bool {
        if self.jids.is_empty() {
            return false;
        }
        let domain = BareJid::from_parts(None, jid.domain());
        let domain_resource = jid.resource().map(|r| Jid::from(domain.with_resource(r)));
        self.jids.contains(jid)
            || self.jids.contains(&*jid.to_bare())
            || domain_resource.is_some_and(|j| self.jids.contains(&j))
            || self.jids.contains(&*domain)
    }

    pub fn jids(&self) -> impl Iterator<Item = &Jid> {
        self.jids.iter()
    }

    pub fn len(&self) -> usize {
        self.jids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jids.is_empty()
    }
}

pub fn blocklist_iq(iq_id: &str) -> Iq {
    Iq::from_get(iq_id, xep0191::blocklist_request())
}

/// **Block**.
pub fn block_iq(iq_id: &str, jid: &Jid) -> Iq {
    Iq::from_set(iq_id, xep0191::block(std::slice::from_ref(jid)))
}

/// **Unblock**.
pub fn unblock_iq(iq_id: &str, jid: &Jid) -> Iq {
    Iq::from_set(iq_id, xep0191::unblock(std::slice::from_ref(jid)))
}

// ---- the person's own profile -----------------------------------------------------------

/// The outbox queue of avatar writes: data before metadata (XEP-0084 §4.1, so nobody
/// fetches data not there yet), the vcard-temp copy last.
pub const AVATAR_QUEUE: &str = ns::AVATAR_METADATA;
/// The item id of a singleton node's one item (XEP-0060 §12.20).
const CURRENT: &str = "current";

/// An image cropped and sized for publishing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvatarImage {
    pub bytes: Vec<u8>,
    /// `image/png` or `image/jpeg`.
    pub type_: String,
    pub width: u16,
    pub height: u16,
}

/// XEP-0060 §7.1.5: publishes `payload` as item `item_id` of the account's PEP node
/// `node`, on condition that the node's access model is `access`.
fn pep_publish(iq_id: String, node: &str, item_id: &str, payload: Element, access: Access) -> Iq {
    let options = xep0004::submit(
        ns::PUBSUB_PUBLISH_OPTIONS,
        [xep0004::field("pubsub#access_model", access.as_str())],
    );
    Iq::from_set(
        iq_id,
        xep0060::publish(node, item_id, payload, Some(options)),
    )
}

fn profile_write(
    account: &BareJid,
    queue: &str,
    item: (&str, &str),
    iq: Iq,
    access: Option<Access>,
) -> OutboxEntry {
    let (node, item_id) = item;
    OutboxEntry::new(
        iq.id().to_owned(),
        queue,
        WriteKind::Profile { access },
        Some(ItemKey::new(account.as_str(), node, item_id)),
        iq,
    )
}

/// **Change avatar** (`Some`) or **Remove avatar** (`None`): XEP-0084 §4.1 data item
/// then §4.2 metadata item, both with the image's SHA-1 as item id (removal: empty
/// metadata, §4.5); then, when `legacy`, the XEP-0153 vcard-temp copy. Leave `legacy`
/// off on a server that converts by itself (its account advertises
/// [`ns::PEP_VCARD_CONVERSION`]): Prosody's vcard_legacy also turns a vcard-temp set into
/// a vCard4, and this photo-only vCard would then empty the person's profile.
pub fn compose_avatar(
    account: &BareJid,
    image: Option<&AvatarImage>,
    access: Access,
    legacy: bool,
    ids: Ids<'_>,
) -> Vec<OutboxEntry> {
    let mut entries = vec![];
    let (id, metadata) = match image {
        Some(image) => {
            let info = Info::of(&image.bytes, &image.type_, image.width, image.height);
            let data = xep0084::data(&image.bytes);
            let iq = pep_publish(ids(), ns::AVATAR_DATA, &info.id, data, access);
            let item = (ns::AVATAR_DATA, info.id.as_str());
            entries.push(profile_write(account, AVATAR_QUEUE, item, iq, Some(access)));
            (info.id.clone(), Metadata { infos: vec![info] })
        }
        None => (CURRENT.to_owned(), Metadata::default()),
    };
    let iq = pep_publish(ids(), ns::AVATAR_METADATA, &id, (&metadata).into(), access);
    let item = (ns::AVATAR_METADATA, id.as_str());
    entries.push(profile_write(account, AVATAR_QUEUE, item, iq, Some(access)));
    if legacy {
        let photo = image.map(|i| (i.type_.as_str(), i.bytes.as_slice()));
        let iq = Iq::from_set(ids(), xep0153::vcard_with_photo(photo));
        let item = (ns::VCARD_TEMP, CURRENT);
        entries.push(profile_write(account, AVATAR_QUEUE, item, iq, None));
    }
    entries
}

/// **Nickname** saved: XEP-0172 §4.5 (blank: the empty nick that removes it).
pub fn compose_nick(
    account: &BareJid,
    nick: Option<&str>,
    access: Access,
    ids: Ids<'_>,
) -> OutboxEntry {
    let iq = pep_publish(ids(), ns::NICK, CURRENT, xep0172::nick(nick), access);
    profile_write(account, ns::NICK, (ns::NICK, CURRENT), iq, Some(access))
}

/// **Save profile**: the vCard4 on its PEP node (XEP-0292 §3).
pub fn compose_profile(
    account: &BareJid,
    profile: &Profile,
    access: Access,
    ids: Ids<'_>,
) -> OutboxEntry {
    let (node, item_id) = (ns::VCARD4_NODE, xep0292::ITEM_ID);
    let iq = pep_publish(ids(), node, item_id, profile.into(), access);
    profile_write(account, node, (node, item_id), iq, Some(access))
}

/// The nickname and vCard4 fields of the **Profile** screen, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileForm {
    pub nick: String,
    pub full_name: String,
    pub about: String,
}

impl ProfileForm {
    /// What `person` (the account) published, as the form shows it.
    pub fn of(person: Option<&Person>) -> ProfileForm {
        let profile = person.and_then(|p| p.profile.as_ref());
        let text = |field: Option<&String>| field.cloned().unwrap_or_default();
        ProfileForm {
            nick: text(person.and_then(|p| p.nick.as_ref())),
            full_name: text(profile.and_then(|p| p.full_name.as_ref())),
            about: text(profile.and_then(|p| p.note.as_ref())),
        }
    }
}

/// A typed field as published: trimmed, blank as none.
fn typed(text: &str) -> Option<String> {
    Some(text.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// **Save profile**: the writes that make the account's nickname and vCard4 say what
/// `form` says, given what it published (`published`, then updated to what is now
/// written): only what changed, so a save that changes nothing sends nothing. The vCard's
/// fields the form does not show (URL, locality, birthday, its nickname) stay as they were.
pub fn compose_profile_edits(
    account: &BareJid,
    published: &mut Person,
    form: &ProfileForm,
    access: Access,
    ids: Ids<'_>,
) -> Vec<OutboxEntry> {
    let mut entries = vec![];
    let nick = typed(&form.nick);
    if nick != published.nick {
        entries.push(compose_nick(account, nick.as_deref(), access, ids));
        published.nick = nick;
    }
    let old = published.profile.clone().unwrap_or_default();
    let new = Profile {
        full_name: typed(&form.full_name),
        note: typed(&form.about),
        ..old.clone()
    };
    if new != old {
        entries.push(compose_profile(account, &new, access, ids));
        published.profile = Some(new).filter(|p| !p.is_empty());
    }
    entries
}

/// What a profile write the server answered with `error` can still do ([`Recovery`], as
/// [`super::feed::recover`] decides for posts). XEP-0060 §7.1.5 `precondition-not-met`:
/// the node has another access model (another client made it so). It is reconfigured to
/// the one asked for, only that (its other settings are the server's or that client's),
/// and the write goes once more; never twice (`tried`).
pub fn recover(entry: &OutboxEntry, error: &StanzaError, tried: bool) -> Recovery {
    match (&entry.kind, &entry.item) {
        (
            WriteKind::Profile {
                access: Some(access),
            },
            Some(item),
        ) if !tried && is_precondition_not_met(error) => {
            let form = xep0004::submit(
                ns::PUBSUB_CONFIGURE,
                [xep0004::field("pubsub#access_model", access.as_str())],
            );
            let id = format!("{}-configure", entry.id);
            Recovery::Resend {
                before: vec![Iq::from_set(id, xep0060::configure(&item.node, form))],
                without_max_items: false,
            }
        }
        _ => Recovery::Refuse,
    }
}

/// XEP-0030 about the account itself: whether its server converts XEP-0084 avatars to
/// vcard-temp photos by itself ([`converts_vcard`]).
pub fn account_info_iq(iq_id: &str, account: &BareJid) -> Iq {
    Iq::from_get(iq_id, xep0030::info_query()).with_to(account.clone().into())
}

/// XEP-0398: the account's disco#info advertises [`ns::PEP_VCARD_CONVERSION`]; then
/// [`compose_avatar`] leaves the vcard-temp copy to the server.
pub fn converts_vcard(info: Element) -> bool {
    DiscoInfo::try_from(info)
        .is_ok_and(|info| info.features.iter().any(|f| f == ns::PEP_VCARD_CONVERSION))
}

/// What a profile write was, in words, for the list of refused writes.
pub fn describe_write(item: Option<&ItemKey>) -> &'static str {
    match item.map(|i| i.node.as_str()) {
        Some(ns::NICK) => "Changing your nickname",
        Some(ns::VCARD4_NODE) => "Saving your profile",
        _ => "Changing your avatar",
    }
}

pub mod fetch;

#[cfg(test)]
mod tests;
