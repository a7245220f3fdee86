//! Rooms (XEP-0045 multi-user chat) and the bookmarks that remember them (XEP-0402).
//!
//! Each room has a join state machine: [`JoinState::Joining`] until the room sends the
//! account's own presence (status 110, else the presence of its own occupant JID), then
//! [`JoinState::Joined`]; an error presence fails the join with a reason a person can act
//! on, and a self-presence of type unavailable ends it (left, kicked, banned, removed).
//!
//! Occupants are a map keyed by nickname, applied one presence at a time without any
//! per-presence report: a room of thousands sends thousands of presences on entering, and
//! the screen should redraw once per batch. [`Rooms::poll_change`] says that a room's
//! occupants changed, once until polled.
//!
//! Messages fold like one-to-one chat ([`super::chat`]): every stanza that makes a room's
//! history is kept as a [`MessageRecord`] (the room's bare JID as `peer`), and the history
//! is what [`Rooms`] makes of them in time order. A message is known by the room's
//! `stanza-id` (XEP-0359), trusted only when `by` is the room and the room announced
//! stanza ids; without one, by its sender's nickname and origin-id (else id). So the
//! history a room sends on entering, its archive's replay and the echo of what the
//! account sent are one message each.
//!
//! Trust: a message from `room@service/nick` is that occupant's, never a contact's (see
//! [`conversation_key`]); occupants correct, retract and react as themselves only; the
//! room itself (its bare JID) alone moderates (XEP-0425) and sets no one's words.
//! Bookmark pushes are read only from the account's own bare JID
//! ([`crate::proto::xep0402::read_push`]).
//!
//! Sans-IO: the client feeds presences, messages and bookmarks in, sends what
//! [`Rooms::poll_presence`] gives, and drains [`Rooms::poll_change`] and
//! [`Rooms::take_records`].

use std::collections::{HashMap, HashSet, VecDeque};

use minidom::Element;

use crate::proto::jid::{BareJid, FullJid, Jid};
use crate::proto::ns;
use crate::proto::rfc6121::{Message, MessageType, Presence, PresenceType};
use crate::proto::xep0045::{
    self, status, Affiliation, History, JoinError, MucUser, Role, RoomInfo,
};
use crate::proto::xep0313::ArchivedMessage;
use crate::proto::xep0402::{self, Bookmark};
use crate::proto::xml::Attrs;
use crate::proto::{xep0066, xep0203, xep0308, xep0359, xep0424, xep0425, xep0444, xep0461};
use crate::service::chat::{body_of, reaction, retraction, text_body, Compose};
use crate::service::presence::Availability;
use crate::sort::VecMap;
use crate::store::MessageRecord;

/// Why the room sent the account out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// 307.
    Kicked,
    /// 301.
    Banned,
    /// 321: the affiliation changed (membership taken away).
    NotMember,
    /// 322: the room became members-only.
    MembersOnly,
    /// 332: the service is shutting down.
    Shutdown,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub enum JoinState {
    /// Asked to enter; the room's presences are arriving.
    #[default]
    Joining,
    Joined,
    /// The room refused: nickname taken, password needed, members only, banned…
    Failed(JoinError),
    /// Sent out while in the room, with the reason given.
    Removed {
        why: Removal,
        reason: Option<String>,
    },
    /// The account left (or was never in).
    Left,
}

/// Someone in a room.
#[derive(Clone, Debug, PartialEq)]
pub struct Occupant {
    /// The real JID, when the room shows it.
    pub jid: Option<BareJid>,
    pub affiliation: Affiliation,
    pub role: Role,
    pub availability: Availability,
}

/// One message of a room as it now stands.
#[derive(Clone, Debug, PartialEq)]
pub struct RoomMessage {
    /// What corrections name: the origin-id, else the message's id, else the stanza id.
    pub id: String,
    /// The room's id (XEP-0359): what retractions, reactions, replies, moderation and
    /// archive paging name.
    pub stanza_id: Option<String>,
    /// The sender's nickname when it was sent.
    pub nick: String,
    pub outgoing: bool,
    /// ms since the epoch (the delay stamp, else when it arrived).
    pub time: f64,
    /// The text, corrected, without reply fallbacks; empty once retracted.
    pub body: String,
    pub edited: bool,
    pub retracted: bool,
    /// Retracted by a moderator (XEP-0425), with the reason they gave.
    pub moderated: bool,
    pub moderation_reason: Option<String>,
    /// The message this one answers (XEP-0461), by its room id.
    pub reply_to: Option<String>,
    pub attachment: Option<String>,
    /// Each occupant's reaction set (XEP-0444), by nickname.
    pub reactions: Vec<(String, Vec<String>)>,
    /// The body mentions the account's nickname.
    pub mentions_me: bool,
}

impl RoomMessage {
    fn is(&self, id: &str) -> bool {
        self.id == id || self.stanza_id.as_deref() == Some(id)
    }

    /// The id to name this message by on the wire: the room's, else its own.
    pub fn room_id(&self) -> &str {
        self.stanza_id.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Room {
    /// The account's nickname in the room.
    pub nick: String,
    password: Option<String>,
    pub state: JoinState,
    pub subject: Option<String>,
    /// The room was created by entering (201): it waits for its configuration, instant
    /// or chosen (XEP-0045 §10.1).
    pub created: bool,
    /// The last nickname change the room refused.
    pub nick_refused: Option<JoinError>,
    /// From the room's disco#info, once asked ([`Rooms::set_info`]).
    pub info: Option<RoomInfo>,
    occupants: HashMap<String, Occupant>,
    /// Oldest first.
    pub messages: Vec<RoomMessage>,
    /// Stanza ids of the messages held.
    seen: HashSet<String>,
    /// Messages up to this time (ms since the epoch) were seen by the person.
    pub read_until: f64,
    /// A nickname asked for, not yet confirmed.
    nick_asked: Option<String>,
}

impl Room {
    pub fn occupant(&self, nick: &str) -> Option<&Occupant> {
        self.occupants.get(nick)
    }

    pub fn occupant_count(&self) -> usize {
        self.occupants.len()
    }

    /// The account's own occupant (its role and affiliation), once joined.
    pub fn me(&self) -> Option<&Occupant> {
        self.occupants.get(&self.nick)
    }

    /// Occupants by role (moderators first), then nickname.
    pub fn occupants(&self) -> Vec<(&str, &Occupant)> {
        let mut all: Vec<(&str, &Occupant)> = self
            .occupants
            .iter()
            .map(|(n, o)| (n.as_str(), o))
            .collect();
        crate::sort::sort_by(&mut all, |a, b| {
            b.1.role.cmp(&a.1.role).then_with(|| a.0.cmp(b.0))
        });
        all
    }

    pub fn get(&self, id: &str) -> Option<&RoomMessage> {
        self.messages.iter().rev().find(|m| m.is(id))
    }

    fn find(&mut self, id: &str, nick: Option<&str>) -> Option<&mut RoomMessage> {
        self.messages
            .iter_mut()
            .rev()
            .find(|m| m.is(id) && nick.is_none_or(|n| m.nick == n))
    }

    /// Others' messages the person has not seen.
    pub fn unread(&self) -> usize {
        self.unseen().count()
    }

    /// Of those, the ones that mention the account's nickname.
    pub fn unread_mentions(&self) -> usize {
        self.unseen().filter(|m| m.mentions_me).count()
    }

    fn unseen(&self) -> impl Iterator<Item = &RoomMessage> {
        self.messages
            .iter()
            .filter(|m| !m.outgoing && !m.retracted && m.time > self.read_until)
    }

    fn is_in(&self) -> bool {
        matches!(self.state, JoinState::Joining | JoinState::Joined)
    }
}

fn occupant_jid(room: &BareJid, nick: &str) -> Option<FullJid> {
    room.with_resource_str(nick).ok()
}

/// What changed, each at most once until polled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomChange {
    /// The room's state, subject or messages.
    Room(BareJid),
    /// Who is in the room: redraw the occupants list.
    Occupants(BareJid),
    Bookmarks,
}

/// What the client should make of a room message [`Rooms::handle_message`] took.
#[derive(Debug, Default, PartialEq)]
pub struct Received {
    /// A message new to the room (not a repeat, a correction or a reaction).
    pub new: bool,
    /// New, arrived live (not history), from someone else, and mentioning the account's
    /// nickname: to notify.
    pub mention: bool,
}

/// Which conversation a message belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConversationKey {
    /// One-to-one with a contact (or a stranger).
    Contact(BareJid),
    /// A room's groupchat.
    Room(BareJid),
    /// A private message with a room's occupant (`room@service/nick`): kept apart from
    /// any contact's chat, as the occupant is whoever holds that nickname.
    Private(FullJid),
}

/// The conversation of a message (`outgoing`: the account sent it, so the other side is
/// `to`). A groupchat message belongs to its room, and only to a room the account knows
/// (`is_room`); a one-to-one message from a room's occupant is private to that occupant;
/// `None` when the message names no other side.
pub fn conversation_key(
    message: &Message,
    outgoing: bool,
    is_room: impl Fn(&BareJid) -> bool,
) -> Option<ConversationKey> {
    let other = if outgoing { &message.to } else { &message.from };
    let other = other.as_ref()?;
    let bare = other.to_bare();
    if message.type_ == MessageType::Groupchat {
        return is_room(&bare).then_some(ConversationKey::Room(bare));
    }
    match other.clone().try_into_full() {
        Ok(full) if is_room(&bare) || xep0045::is_private(message) => {
            Some(ConversationKey::Private(full))
        }
        // The room itself (a notice, an invitation): never a contact.
        Err(_) if is_room(&bare) => Some(ConversationKey::Room(bare)),
        _ => Some(ConversationKey::Contact(bare)),
    }
}

/// Whether `body` mentions `nick`: the nickname as a whole word, in any case.
pub fn mentions(body: &str, nick: &str) -> bool {
    if nick.trim().is_empty() {
        return false;
    }
    let (body, nick) = (crate::proto::lowercase(body), crate::proto::lowercase(nick));
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    body.match_indices(&nick).any(|(at, _)| {
        !word(body[..at].chars().next_back()) && !word(body[at + nick.len()..].chars().next())
    })
}

/// The result of folding one stanza into a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fold {
    Nothing,
    /// Something about a message held changed (correction, retraction, reaction, its id).
    Changed,
    New,
}

#[derive(Clone, Debug)]
pub struct Rooms {
    account: BareJid,
    /// The nickname rooms are entered with unless told otherwise.
    nick: String,
    rooms: HashMap<BareJid, Room>,
    bookmarks: VecMap<BareJid, Bookmark>,
    changes: VecDeque<RoomChange>,
    presences: VecDeque<Presence>,
    records: Vec<MessageRecord>,
}

impl Rooms {
    pub fn new(account: BareJid) -> Self {
        let nick = account.node().map(|n| n.to_string()).unwrap_or_default();
        Rooms {
            account,
            nick,
            rooms: HashMap::new(),
            bookmarks: VecMap::new(),
            changes: VecDeque::new(),
            presences: VecDeque::new(),
            records: Vec::new(),
        }
    }

    /// The account's nickname (XEP-0172), used for rooms entered without one.
    pub fn set_default_nick(&mut self, nick: &str) {
        if !nick.trim().is_empty() {
            self.nick = nick.to_owned();
        }
    }

    pub fn default_nick(&self) -> &str {
        &self.nick
    }

    pub fn room(&self, jid: &BareJid) -> Option<&Room> {
        self.rooms.get(jid)
    }

    /// Every room known here, in no order.
    pub fn rooms(&self) -> impl Iterator<Item = (&BareJid, &Room)> {
        self.rooms.iter()
    }

    /// A room the account is in, was in this session, or keeps a bookmark of.
    pub fn is_room(&self, jid: &BareJid) -> bool {
        self.rooms.contains_key(jid) || self.bookmarks.contains_key(jid)
    }

    /// [`conversation_key`] with the rooms known here.
    pub fn conversation_key(&self, message: &Message, outgoing: bool) -> Option<ConversationKey> {
        conversation_key(message, outgoing, |j| self.is_room(j))
    }

    pub fn poll_change(&mut self) -> Option<RoomChange> {
        self.changes.pop_front()
    }

    /// Presences to send (entering, leaving, changing nickname).
    pub fn poll_presence(&mut self) -> Option<Presence> {
        self.presences.pop_front()
    }

    /// Records to keep, in arrival order.
    pub fn take_records(&mut self) -> Vec<MessageRecord> {
        std::mem::take(&mut self.records)
    }

    fn changed(&mut self, change: RoomChange) {
        if !self.changes.contains(&change) {
            self.changes.push_back(change);
        }
    }

    // ---- entering and leaving ---------------------------------------------------------

    /// Enters `room` as `nick` (the default nickname if `None`); `false` if the nickname
    /// cannot be one (no valid resource).
    pub fn join(
        &mut self,
        room: BareJid,
        nick: Option<&str>,
        password: Option<String>,
        history: History,
    ) -> bool {
        let nick = nick.unwrap_or(&self.nick).to_owned();
        let Ok(occupant) = room.with_resource_str(&nick) else {
            return false;
        };
        self.presences
            .push_back(xep0045::join(occupant, password.as_deref(), history));
        let r = self.rooms.entry(room.clone()).or_default();
        r.nick = nick;
        r.password = password;
        r.state = JoinState::Joining;
        r.nick_asked = None;
        r.occupants.clear();
        self.changed(RoomChange::Room(room.clone()));
        self.changed(RoomChange::Occupants(room));
        true
    }

    /// Leaves `room` (XEP-0045 §7.14).
    pub fn leave(&mut self, room: &BareJid) {
        let Some(r) = self.rooms.get_mut(room) else {
            return;
        };
        if r.is_in() {
            if let Some(to) = occupant_jid(room, &r.nick) {
                self.presences
                    .push_back(Presence::new(PresenceType::Unavailable).with_to(to));
            }
        }
        r.state = JoinState::Left;
        r.occupants.clear();
        self.changed(RoomChange::Room(room.clone()));
        self.changed(RoomChange::Occupants(room.clone()));
    }

    /// Asks `room` for a new nickname (§7.6); the room confirms with status 303.
    pub fn change_nick(&mut self, room: &BareJid, nick: &str) -> bool {
        let Some(r) = self
            .rooms
            .get_mut(room)
            .filter(|r| r.state == JoinState::Joined)
        else {
            return false;
        };
        let Some(to) = occupant_jid(room, nick) else {
            return false;
        };
        r.nick_asked = Some(nick.to_owned());
        r.nick_refused = None;
        self.presences
            .push_back(Presence::new(PresenceType::None).with_to(to));
        true
    }

    /// A new stream (not a resumed one): the rooms the account was in are entered again,
    /// asking for what was said since the newest message held.
    pub fn rejoin(&mut self) {
        let again: Vec<(BareJid, String, Option<String>, History)> = self
            .rooms
            .iter()
            .filter(|(_, r)| r.is_in())
            .map(|(jid, r)| {
                let history = match r.messages.last() {
                    Some(m) => History::Since(m.time),
                    None => History::RoomDefault,
                };
                (jid.clone(), r.nick.clone(), r.password.clone(), history)
            })
            .collect();
        for (room, nick, password, history) in again {
            self.join(room, Some(&nick), password, history);
        }
    }

    /// What the room's disco#info says; among it, whether its stanza ids are to be trusted.
    pub fn set_info(&mut self, room: &BareJid, info: RoomInfo) {
        if let Some(r) = self.rooms.get_mut(room) {
            r.info = Some(info);
            self.changed(RoomChange::Room(room.clone()));
        }
    }

    /// The room created by entering it was configured (instant or chosen).
    pub fn configured(&mut self, room: &BareJid) {
        if let Some(r) = self.rooms.get_mut(room).filter(|r| r.created) {
            r.created = false;
            self.changed(RoomChange::Room(room.clone()));
        }
    }

    // ---- presence ---------------------------------------------------------------------

    /// A presence from the stream: `true` if it came from a room known here (then it is
    /// the room's, never a contact's presence, and the caller stops there).
    pub fn handle_presence(&mut self, presence: &Presence) -> bool {
        let Some(from) = presence.from.as_ref() else {
            return false;
        };
        let jid = from.to_bare();
        let Some(room) = self.rooms.get_mut(&jid) else {
            return false;
        };
        if !room.is_in() {
            return true;
        }
        let nick = from.resource().map(|r| r.to_string());
        let (room_changed, occupants_changed) = match presence.type_ {
            PresenceType::Error => on_error(room, nick.as_deref(), presence),
            PresenceType::Unavailable | PresenceType::None => match (nick, MucUser::read(presence))
            {
                (Some(nick), Some(user)) => on_occupant(room, nick, &user, presence),
                _ => (false, false),
            },
            _ => (false, false),
        };
        if room_changed {
            self.changed(RoomChange::Room(jid.clone()));
        }
        if occupants_changed {
            self.changed(RoomChange::Occupants(jid));
        }
        true
    }

    // ---- messages ---------------------------------------------------------------------

    /// A groupchat message from the stream; `None` when it is no message of a room known
    /// here (the caller goes on with it). `live`: it arrived now (not from an archive).
    pub fn handle_message(&mut self, now: f64, message: &Message, live: bool) -> Option<Received> {
        if message.type_ != MessageType::Groupchat {
            return None;
        }
        let from = message.from.as_ref()?;
        let jid = from.to_bare();
        let room = self.rooms.get_mut(&jid)?;
        let nick = from.resource().map(|r| r.to_string());
        let Some(nick) = nick else {
            // The room itself: its subject may come from it, and moderation only from it.
            let changed = match (xep0045::subject(message), xep0425::read(message)) {
                (Some(subject), _) => set_subject(room, subject),
                (_, Some(moderation)) => moderate(room, &moderation),
                _ => false,
            };
            if changed {
                self.changed(RoomChange::Room(jid));
            }
            return Some(Received::default());
        };
        if let Some(subject) = xep0045::subject(message) {
            if set_subject(room, subject) {
                self.changed(RoomChange::Room(jid));
            }
            return Some(Received::default());
        }
        let trusted = room.info.as_ref().is_some_and(|i| i.stanza_ids);
        let stanza_id = trusted.then(|| room_stanza_id(&jid, message)).flatten();
        let outgoing = nick == room.nick;
        let time = xep0203::stamp(message).unwrap_or(now);
        let fold = apply(room, message, &nick, outgoing, time, stanza_id.clone());
        let received = Received {
            new: fold == Fold::New,
            // History a room sends on entering is delayed: not news.
            mention: fold == Fold::New
                && live
                && !outgoing
                && xep0203::stamp(message).is_none()
                && mentions(&body_of(message), &room.nick),
        };
        if fold != Fold::Nothing {
            self.record(&jid, message, outgoing, time, stanza_id);
            self.changed(RoomChange::Room(jid));
        }
        Some(received)
    }

    /// A message from `room`'s archive (XEP-0313). The caller checked that the result
    /// came from the room's bare JID for a query it runs; the result's id is then the
    /// room's stanza id.
    pub fn handle_archived(&mut self, now: f64, room: &BareJid, result: &ArchivedMessage) {
        let message = &result.message;
        let Some(r) = self.rooms.get_mut(room) else {
            return;
        };
        let Some(nick) = message
            .from
            .as_ref()
            .filter(|f| f.to_bare() == *room)
            .and_then(|f| f.resource())
            .map(|n| n.to_string())
        else {
            return;
        };
        let outgoing = nick == r.nick;
        let time = xep0203::stamp(message).unwrap_or(now);
        let sid = Some(result.id.clone());
        if apply(r, message, &nick, outgoing, time, sid.clone()) != Fold::Nothing {
            self.record(room, message, outgoing, time, sid);
            self.changed(RoomChange::Room(room.clone()));
        }
    }

    /// Stored records of `room` (a warm start), with the time up to which it was read.
    pub fn restore(&mut self, room: &BareJid, records: &[MessageRecord], read_until: f64) {
        let mut records: Vec<&MessageRecord> = records.iter().collect();
        crate::sort::sort_by(&mut records, |a, b| a.time.total_cmp(&b.time));
        let r = self.rooms.entry(room.clone()).or_insert_with(|| Room {
            state: JoinState::Left,
            ..Room::default()
        });
        r.read_until = r.read_until.max(read_until);
        if r.nick.is_empty() {
            // Who the account is in the room, for mentions, until it enters.
            let bookmarked = self.bookmarks.get(room).and_then(|b| b.nick.clone());
            r.nick = bookmarked.unwrap_or_else(|| self.nick.clone());
        }
        for record in records {
            let message = record
                .xml
                .parse::<Element>()
                .ok()
                .and_then(|el| Message::try_from(el).ok());
            let Some(message) = message else { continue };
            let Some(nick) = message.from.as_ref().and_then(|f| f.resource()) else {
                continue;
            };
            // Records keep only the room's stanza id, checked when it arrived.
            let sid = room_stanza_id(room, &message);
            apply(
                r,
                &message,
                nick.as_ref(),
                record.outgoing,
                record.time,
                sid,
            );
        }
        self.changed(RoomChange::Room(room.clone()));
    }

    /// What the person wrote in `room`, as the groupchat `<message/>` to send (id `id`,
    /// also its origin-id), shown at once as the account's own. `None` if the room is not
    /// known.
    pub fn compose(
        &mut self,
        now: f64,
        id: &str,
        room: &BareJid,
        what: Compose,
    ) -> Option<Message> {
        let r = self.rooms.get_mut(room)?;
        let mut message = Message::new(Some(room.clone().into()));
        message.type_ = MessageType::Groupchat;
        message.id = Some(id.to_owned());
        let mut payloads = vec![xep0359::origin_id(id)];
        let room_id = |r: &Room, target: &str| r.get(target).map(|m| m.room_id().to_owned());
        let body = match what {
            Compose::Text {
                body,
                reply,
                attachment,
            } => {
                let quoted = reply.and_then(|target| {
                    let original = r.get(&target)?;
                    let author = occupant_jid(room, &original.nick)?;
                    let id = original.room_id().to_owned();
                    Some((author.to_string(), id, original.body.clone()))
                });
                text_body(body, quoted, attachment, &mut payloads)
            }
            Compose::Correct { id: original, body } => {
                // XEP-0308 names the message's own id, in a room as in a chat.
                let target = r.get(&original).map_or(original.clone(), |m| m.id.clone());
                payloads.push(xep0308::replace(&target));
                body
            }
            Compose::Retract { id: original } => {
                let target = room_id(r, &original).unwrap_or(original);
                retraction(&target, &mut payloads)
            }
            Compose::React {
                id: original,
                emojis,
            } => {
                let target = room_id(r, &original).unwrap_or(original);
                reaction(&target, &emojis, &mut payloads)
            }
        };
        if !body.is_empty() {
            message.bodies.insert(String::new(), body);
        }
        message.payloads = payloads;
        // As the room will echo it: from the account's occupant.
        let mut shown = message.clone();
        shown.from = occupant_jid(room, &r.nick).map(Jid::from);
        let nick = r.nick.clone();
        if apply(r, &shown, &nick, true, now, None) != Fold::Nothing {
            self.record(room, &shown, true, now, None);
        }
        self.changed(RoomChange::Room(room.clone()));
        Some(message)
    }

    /// The person saw `room`: what it held is read. The time read up to, or `None` if
    /// nothing new was read.
    pub fn mark_read(&mut self, room: &BareJid) -> Option<f64> {
        let r = self.rooms.get_mut(room)?;
        let newest = r.messages.last()?.time;
        if newest <= r.read_until {
            return None;
        }
        r.read_until = newest;
        self.changed(RoomChange::Room(room.clone()));
        Some(newest)
    }

    /// The record of a stanza of `room`. Its id: the room's stanza id, else what the
    /// sender knows it by, prefixed by side (`>` the account's, `<nick/` an occupant's);
    /// the account's own keep their origin-id, so the room's echo replaces the record
    /// written when it was sent.
    fn record(
        &mut self,
        room: &BareJid,
        message: &Message,
        outgoing: bool,
        time: f64,
        stanza_id: Option<String>,
    ) {
        let nick = message
            .from
            .as_ref()
            .and_then(|f| f.resource())
            .map(|n| n.to_string())
            .unwrap_or_default();
        let key = key(message, stanza_id.as_deref())
            .map(str::to_owned)
            .unwrap_or_else(|| crate::proto::json::number_text(time));
        let id = match (outgoing, &stanza_id) {
            (true, _) => format!(">{key}"),
            (false, Some(sid)) => format!("#{sid}"),
            (false, None) => format!("<{nick}/{key}"),
        };
        // Only the room's stanza id, checked, is kept: a restore trusts what it reads.
        let mut kept = message.clone();
        kept.payloads.retain(|p| !p.is("stanza-id", ns::SID));
        if let Some(sid) = stanza_id {
            kept.payloads.push(
                Element::builder("stanza-id", ns::SID)
                    .a("by", room.as_str())
                    .a("id", sid)
                    .build(),
            );
        }
        self.records.push(MessageRecord {
            account: self.account.to_string(),
            peer: room.to_string(),
            id,
            time,
            outgoing,
            xml: String::from(&Element::from(kept)),
        });
    }

    // ---- bookmarks (XEP-0402) ---------------------------------------------------------

    pub fn bookmarks(&self) -> impl Iterator<Item = &Bookmark> {
        self.bookmarks.values()
    }

    pub fn bookmark(&self, room: &BareJid) -> Option<&Bookmark> {
        self.bookmarks.get(room)
    }

    /// Every bookmark, as the account's PEP node holds them (on sign-in): the ones marked
    /// autojoin are entered unless already.
    /// A room bookmarked before and missing now was removed elsewhere: it is left.
    pub fn set_bookmarks(&mut self, all: Vec<Bookmark>) {
        let before = std::mem::replace(&mut self.bookmarks, VecMap::new());
        for bookmark in all {
            self.bookmarks.insert(bookmark.room.clone(), bookmark);
        }
        for room in before.keys() {
            if !self.bookmarks.contains_key(room) {
                self.leave(room);
            }
        }
        self.autojoin();
        self.changed(RoomChange::Bookmarks);
    }

    /// The bookmarks as this device keeps them between visits: the shape of an items
    /// result ([`xep0402::read_items`]).
    pub fn bookmarks_record(&self) -> String {
        let items = self.bookmarks.values().map(|b| {
            Element::builder("item", ns::PUBSUB)
                .a("id", b.room.as_str())
                .append(b.to_element())
                .build()
        });
        let items = Element::builder("items", ns::PUBSUB)
            .a("node", ns::BOOKMARKS)
            .append_all(items)
            .build();
        String::from(&Element::builder("pubsub", ns::PUBSUB).append(items).build())
    }

    /// The bookmarks this device kept ([`Rooms::bookmarks_record`]), before the server
    /// says: a warm start lists the rooms and enters the autojoin ones once online.
    pub fn restore_bookmarks(&mut self, record: &str) {
        let all = record
            .parse::<Element>()
            .ok()
            .and_then(|e| xep0402::read_items(&e));
        if let Some(all) = all {
            self.set_bookmarks(all);
        }
    }

    /// Whether `room`, now entered, is to be bookmarked (again): it has no autojoin
    /// bookmark with the nickname it was entered with.
    pub fn wants_bookmark(&self, room: &BareJid) -> bool {
        let Some(r) = self
            .rooms
            .get(room)
            .filter(|r| r.state == JoinState::Joined)
        else {
            return false;
        };
        !self
            .bookmarks
            .get(room)
            .is_some_and(|b| b.autojoin && b.nick.as_deref() == Some(r.nick.as_str()))
    }

    /// A bookmarks event from the stream; `true` if it was one from the account's own PEP
    /// service. A bookmark added with autojoin is entered; one removed leaves its room.
    pub fn handle_bookmarks_push(&mut self, message: &Message) -> bool {
        let Some(changes) = xep0402::read_push(message, &self.account) else {
            return false;
        };
        for change in changes {
            match change {
                xep0402::Change::Set(bookmark) => {
                    self.bookmarks.insert(bookmark.room.clone(), bookmark);
                }
                xep0402::Change::Removed(room) => {
                    self.bookmarks.remove(&room);
                    self.leave(&room);
                }
            }
        }
        self.autojoin();
        self.changed(RoomChange::Bookmarks);
        true
    }

    /// Bookmarks `room` as now entered (nickname, password, any name or extensions a
    /// bookmark already had): the pubsub payload to publish to the account's PEP.
    pub fn bookmark_room(&mut self, room: &BareJid, autojoin: bool) -> Option<Element> {
        let r = self.rooms.get(room)?;
        let mut bookmark = self
            .bookmarks
            .get(room)
            .cloned()
            .unwrap_or_else(|| Bookmark::new(room.clone()));
        bookmark.autojoin = autojoin;
        bookmark.nick = Some(r.nick.clone()).filter(|n| !n.is_empty());
        bookmark.password = r.password.clone();
        if bookmark.name.is_none() {
            bookmark.name = r.info.as_ref().and_then(|i| i.name.clone());
        }
        let payload = xep0402::publish(&bookmark);
        self.bookmarks.insert(room.clone(), bookmark);
        self.changed(RoomChange::Bookmarks);
        Some(payload)
    }

    /// Forgets the bookmark of `room` and leaves it: the pubsub payload that retracts it
    /// (the account's other devices leave it too).
    pub fn remove_bookmark(&mut self, room: &BareJid) -> Element {
        self.bookmarks.remove(room);
        self.leave(room);
        self.changed(RoomChange::Bookmarks);
        xep0402::retract(room)
    }

    fn autojoin(&mut self) {
        let due: Vec<Bookmark> = self
            .bookmarks
            .values()
            .filter(|b| b.autojoin)
            .filter(|b| !self.rooms.get(&b.room).is_some_and(Room::is_in))
            .cloned()
            .collect();
        for b in due {
            let history = match self.rooms.get(&b.room).and_then(|r| r.messages.last()) {
                Some(m) => History::Since(m.time),
                None => History::RoomDefault,
            };
            let nick = b.nick.clone();
            if !self.join(b.room.clone(), nick.as_deref(), b.password.clone(), history) {
                self.join(b.room, None, b.password, history);
            }
        }
    }
}

// ---- presence folding -------------------------------------------------------------------

/// An error presence: while entering, the join failed; while in, a nickname change was
/// refused. Returns (room changed, occupants changed).
fn on_error(room: &mut Room, nick: Option<&str>, presence: &Presence) -> (bool, bool) {
    let error = JoinError::read(presence);
    match room.state {
        JoinState::Joining => {
            room.state = JoinState::Failed(error.unwrap_or(JoinError {
                kind: xep0045::JoinErrorKind::Other(
                    crate::proto::rfc6120::DefinedCondition::UndefinedCondition,
                ),
                text: None,
            }));
            room.occupants.clear();
            (true, true)
        }
        JoinState::Joined if nick.is_some() && nick == room.nick_asked.as_deref() => {
            room.nick_asked = None;
            room.nick_refused = error;
            (true, false)
        }
        _ => (false, false),
    }
}

/// An occupant's presence. Returns (room changed, occupants changed).
fn on_occupant(room: &mut Room, nick: String, user: &MucUser, presence: &Presence) -> (bool, bool) {
    // §7.2.3: status 110 marks the account's own; a room that leaves it out is known by
    // the account's occupant JID.
    let own = user.has(status::SELF) || nick == room.nick;
    if presence.type_ == PresenceType::Unavailable {
        if user.has(status::NICK_CHANGED) {
            // §7.6.3: the old nickname leaves, the new one arrives in the next presence.
            if let Some(new) = user.item.nick.clone() {
                let occupant = room.occupants.remove(&nick);
                if let Some(occupant) = occupant {
                    room.occupants.insert(new.clone(), occupant);
                }
                if own {
                    room.nick = new;
                    room.nick_asked = None;
                }
                return (own, true);
            }
        }
        if !own {
            return (false, room.occupants.remove(&nick).is_some());
        }
        let why = [
            (status::BANNED, Removal::Banned),
            (status::KICKED, Removal::Kicked),
            (status::REMOVED_AFFILIATION, Removal::NotMember),
            (status::REMOVED_MEMBERS_ONLY, Removal::MembersOnly),
            (status::REMOVED_SHUTDOWN, Removal::Shutdown),
        ]
        .into_iter()
        .find(|(code, _)| user.has(*code))
        .map(|(_, why)| why);
        room.state = match why {
            Some(why) => JoinState::Removed {
                why,
                reason: user.item.reason.clone(),
            },
            None => JoinState::Left,
        };
        room.occupants.clear();
        return (true, true);
    }
    let occupant = Occupant {
        jid: user.item.jid.as_ref().map(Jid::to_bare),
        affiliation: user.item.affiliation,
        role: user.item.role,
        availability: Availability::from_show(presence.show.as_ref()),
    };
    let occupants_changed = room.occupants.get(&nick) != Some(&occupant);
    let mut room_changed = false;
    if own {
        // §7.2.12: the service may have chosen another nickname (210).
        if nick != room.nick {
            room.nick = nick.clone();
            room_changed = true;
        }
        if room.state == JoinState::Joining {
            room.state = JoinState::Joined;
            room.created = user.has(status::CREATED);
            room_changed = true;
        }
    }
    room.occupants.insert(nick, occupant);
    (room_changed, occupants_changed)
}

// ---- message folding --------------------------------------------------------------------

fn set_subject(room: &mut Room, subject: String) -> bool {
    let subject = Some(subject).filter(|s| !s.is_empty());
    if room.subject == subject {
        return false;
    }
    room.subject = subject;
    true
}

/// The room's moderation (from its bare JID) of the message it knows as `target`.
fn moderate(room: &mut Room, moderation: &xep0425::Moderation) -> bool {
    let Some(target) = moderation.target.as_deref() else {
        return false;
    };
    match room
        .messages
        .iter_mut()
        .rev()
        .find(|m| m.stanza_id.as_deref() == Some(target))
    {
        Some(m) if !m.moderated => {
            retract(m);
            m.moderated = true;
            m.moderation_reason = moderation.reason.clone();
            true
        }
        _ => false,
    }
}

fn retract(m: &mut RoomMessage) {
    m.retracted = true;
    m.body.clear();
    m.attachment = None;
}

/// The room's own `<stanza-id by=room/>` of a message, if it has one.
fn room_stanza_id(room: &BareJid, message: &Message) -> Option<String> {
    message
        .payloads
        .iter()
        .filter_map(xep0359::read_stanza_id)
        .find(|(_, by)| by == room)
        .map(|(id, _)| id)
}

/// What a message is known by on its sender's side: its origin-id, else its id, else the
/// room's id.
fn key<'a>(message: &'a Message, stanza_id: Option<&'a str>) -> Option<&'a str> {
    xep0359::read_origin_id(&message.payloads)
        .or(message.id.as_deref())
        .or(stanza_id)
}

/// Folds one stanza from occupant `nick` into `room`.
fn apply(
    room: &mut Room,
    message: &Message,
    nick: &str,
    outgoing: bool,
    time: f64,
    stanza_id: Option<String>,
) -> Fold {
    // A tombstone from the room's archive: the message itself, moderated.
    let tombstone = xep0425::read(message).filter(|m| m.target.is_none());
    if tombstone.is_none() {
        // Occupants correct, retract and react as themselves only.
        if let Some(id) = xep0424::read(message) {
            return match room.find(id, Some(nick)) {
                Some(m) if !m.retracted => {
                    retract(m);
                    Fold::Changed
                }
                _ => Fold::Nothing,
            };
        }
        if let Some(id) = xep0308::read(message) {
            let body = body_of(message);
            let mentions_me = !outgoing && mentions(&body, &room.nick);
            return match room.find(id, Some(nick)) {
                Some(m) if !m.retracted && m.body != body => {
                    m.mentions_me = mentions_me;
                    m.body = body;
                    m.edited = true;
                    Fold::Changed
                }
                _ => Fold::Nothing,
            };
        }
        if let Some((id, set)) = xep0444::read(message) {
            let Some(m) = room.find(id, None) else {
                return Fold::Nothing;
            };
            let at = m.reactions.iter().position(|(n, _)| n == nick);
            return match (at, set.is_empty()) {
                (Some(at), _) if m.reactions[at].1 == set => Fold::Nothing,
                (Some(at), true) => {
                    m.reactions.remove(at);
                    Fold::Changed
                }
                (Some(at), false) => {
                    m.reactions[at].1 = set;
                    Fold::Changed
                }
                (None, true) => Fold::Nothing,
                (None, false) => {
                    m.reactions.push((nick.to_owned(), set));
                    Fold::Changed
                }
            };
        }
    }
    let attachment = xep0066::read(message);
    if message.bodies.is_empty() && attachment.is_none() && tombstone.is_none() {
        return Fold::Nothing;
    }
    // Never dropped for want of an id: one without any is known by when it came.
    let id = key(message, stanza_id.as_deref())
        .map_or_else(|| crate::proto::json::number_text(time), str::to_owned);
    if tombstone.is_none() && stanza_id.as_ref().is_some_and(|s| room.seen.contains(s)) {
        return Fold::Nothing;
    }
    // Held already: by the room's id, else by the sender's when one side lacks the
    // room's (the echo of the account's own, the room's history against its archive).
    let held = room
        .messages
        .iter_mut()
        .rev()
        .find(|m| match (&stanza_id, &m.stanza_id) {
            (Some(a), Some(b)) => a == b,
            _ => m.id == id && m.nick == nick,
        });
    if let Some(same) = held {
        let mut fold = Fold::Nothing;
        if let Some(sid) = stanza_id.filter(|_| same.stanza_id.is_none()) {
            same.stanza_id = Some(sid.clone());
            room.seen.insert(sid);
            fold = Fold::Changed;
        }
        if let Some(tombstone) = tombstone.filter(|_| !same.moderated) {
            retract(same);
            same.moderated = true;
            same.mentions_me = false;
            same.moderation_reason = tombstone.reason;
            fold = Fold::Changed;
        }
        return fold;
    }
    let mut body = body_of(message);
    if let Some(url) = &attachment {
        if body.trim() == url {
            body.clear();
        }
    }
    let mentions_me = !outgoing && mentions(&body, &room.nick);
    let mut m = RoomMessage {
        id,
        stanza_id: stanza_id.clone(),
        nick: nick.to_owned(),
        outgoing,
        time,
        body,
        edited: false,
        retracted: false,
        moderated: false,
        moderation_reason: None,
        reply_to: xep0461::read(message).map(str::to_owned),
        attachment,
        reactions: vec![],
        mentions_me,
    };
    if let Some(tombstone) = tombstone {
        retract(&mut m);
        m.moderated = true;
        m.mentions_me = false;
        m.moderation_reason = tombstone.reason;
    }
    if let Some(sid) = stanza_id {
        room.seen.insert(sid);
    }
    // As in a chat: where it belongs in time; a stamp to the second goes after what
    // arrived live within that second.
    let whole = (time as u64).is_multiple_of(1000);
    let at = room
        .messages
        .iter()
        .rposition(|m| m.time <= time || (whole && m.time < time + 1000.0))
        .map_or(0, |i| i + 1);
    room.messages.insert(at, m);
    Fold::New
}

#[cfg(test)]
mod tests;
