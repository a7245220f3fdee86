//! One-to-one chat: conversations folded from the stanzas that make them.
//!
//! Every chat stanza that changes a conversation — a message, a correction (XEP-0308), a
//! retraction (XEP-0424), a reaction set (XEP-0444), a receipt (XEP-0184) or a displayed
//! marker (XEP-0333) — is kept as it arrived ([`MessageRecord`]), and a conversation is
//! what [`Chat::apply`] makes of its records in time order. Live stanzas, carbons of the
//! account's other devices (XEP-0280), archive replays (XEP-0313) and the records of a
//! warm start all take that one path, so a reload shows what the live session showed.
//!
//! Trust: who may change what is decided here, by side — the account (any of its
//! devices) or the contact. Only a message's own side corrects or retracts it; each side
//! has one set of reactions per message; receipts and markers count only from the
//! contact, about the account's messages. Carbons are unwrapped by the client, which
//! accepts them only from the account's bare JID ([`crate::proto::xep0280::read`]).
//!
//! Sans-IO like the other services: the client feeds it and drains
//! [`Chat::poll_change`] and [`Chat::take_records`].

use std::collections::VecDeque;

use minidom::Element;

use crate::proto::jid::{BareJid, Jid};
use crate::proto::ns;
use crate::proto::rfc6121::{Message, MessageType};
use crate::proto::xml::Attrs;
use crate::proto::{
    xep0066, xep0085, xep0184, xep0308, xep0333, xep0359, xep0424, xep0428, xep0444, xep0461,
};
use crate::sort::{VecMap, VecSet};
use crate::store::MessageRecord;

/// How far an own message got. **Pending** is not here: it is read from the outbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Delivery {
    #[default]
    Sent,
    Delivered,
    Read,
}

/// One message of a conversation as it now stands.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatMessage {
    /// What corrections, retractions, reactions, receipts and replies name: the
    /// origin-id, else the message's id.
    pub id: String,
    /// The archive's id, once known: what archive paging starts from.
    pub archive_id: Option<String>,
    pub outgoing: bool,
    /// ms since the epoch (the sender's delay stamp, else when it arrived).
    pub time: f64,
    /// The text, corrected, without reply fallbacks; empty once retracted.
    pub body: String,
    pub edited: bool,
    pub retracted: bool,
    /// The message this one answers (XEP-0461), by id.
    pub reply_to: Option<String>,
    /// A file's URL (XEP-0066), shown as a link.
    pub attachment: Option<String>,
    /// The account's reactions, then the contact's (XEP-0444: one set per side; in a
    /// room, every other occupant's set in turn).
    pub reactions: [Vec<String>; 2],
    pub delivery: Delivery,
    /// Its sender asked to know when it is displayed (XEP-0333).
    pub markable: bool,
    /// In a room: the sender's nickname, and whether the body mentions the account's.
    pub nick: Option<String>,
    pub mentions_me: bool,
}

impl ChatMessage {
    /// Each emoji with how many sides chose it and whether the account is one of them.
    pub fn reaction_counts(&self) -> Vec<(String, usize, bool)> {
        let mut counts: Vec<(String, usize, bool)> = Vec::new();
        for (side, set) in self.reactions.iter().enumerate() {
            for emoji in set {
                match counts.iter_mut().find(|(e, ..)| e == emoji) {
                    Some(count) => count.1 += 1,
                    None => counts.push((emoji.clone(), 1, side == 0)),
                }
                if side == 0 {
                    if let Some(count) = counts.iter_mut().find(|(e, ..)| e == emoji) {
                        count.2 = true;
                    }
                }
            }
        }
        counts
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conversation {
    /// Oldest first.
    pub messages: Vec<ChatMessage>,
    /// Messages up to this time (ms since the epoch) were seen by the person.
    pub read_until: f64,
    /// The contact is typing (XEP-0085 `composing`), live only.
    pub typing: bool,
}

impl Conversation {
    /// The contact's messages the person has not seen.
    pub fn unread(&self) -> usize {
        self.messages
            .iter()
            .filter(|m| !m.outgoing && !m.retracted && m.time > self.read_until)
            .count()
    }

    pub fn last(&self) -> Option<&ChatMessage> {
        self.messages.last()
    }

    pub fn get(&self, id: &str) -> Option<&ChatMessage> {
        self.messages.iter().rev().find(|m| m.id == id)
    }

    fn find(&mut self, id: &str, outgoing: Option<bool>) -> Option<&mut ChatMessage> {
        self.messages
            .iter_mut()
            .rev()
            .find(|m| m.id == id && outgoing.is_none_or(|o| m.outgoing == o))
    }
}

/// What a person writes in a conversation ([`Chat::compose`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Compose {
    Text {
        body: String,
        /// Answers message `id` (XEP-0461), quoted in the fallback body.
        reply: Option<String>,
        /// A file uploaded first (XEP-0363), its URL sent with XEP-0066.
        attachment: Option<String>,
    },
    /// Corrects the account's message `id` (XEP-0308).
    Correct { id: String, body: String },
    /// Retracts the account's message `id` for everyone (XEP-0424).
    Retract { id: String },
    /// The account's whole reaction set for message `id` (XEP-0444).
    React { id: String, emojis: Vec<String> },
}

/// What the client should do about a message [`Chat::receive`]d.
#[derive(Debug, Default, PartialEq)]
pub struct Received {
    /// The conversation it belongs to.
    pub peer: Option<BareJid>,
    /// It carried something new (not a repeat).
    pub new: bool,
    /// The contact asked for a receipt for this id (XEP-0184).
    pub receipt_for: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Chat {
    account: BareJid,
    conversations: VecMap<BareJid, Conversation>,
    changes: VecDeque<BareJid>,
    records: Vec<MessageRecord>,
    /// Conversations restored from all the records the device reads for an open one
    /// ([`Chat::restored_deep`]): opening them again reads nothing more.
    deep: VecSet<BareJid>,
}

impl Chat {
    pub fn new(account: BareJid) -> Self {
        Chat {
            account,
            conversations: VecMap::new(),
            changes: VecDeque::new(),
            records: Vec::new(),
            deep: VecSet::new(),
        }
    }

    pub fn conversation(&self, peer: &BareJid) -> Option<&Conversation> {
        self.conversations.get(peer)
    }

    /// Every conversation, newest activity first.
    pub fn conversations(&self) -> Vec<(&BareJid, &Conversation)> {
        let mut all: Vec<_> = self.conversations.iter().collect();
        let at = |c: &Conversation| c.last().map_or(0.0, |m| m.time);
        crate::sort::sort_by(&mut all, |a, b| at(b.1).total_cmp(&at(a.1)));
        all
    }

    /// A conversation changed (at most once each until polled).
    pub fn poll_change(&mut self) -> Option<BareJid> {
        self.changes.pop_front()
    }

    /// Records to keep, in arrival order.
    pub fn take_records(&mut self) -> Vec<MessageRecord> {
        std::mem::take(&mut self.records)
    }

    /// Stored records of `peer`'s conversation (a warm start, or older ones read later),
    /// with the time up to which it was read.
    pub fn restore(&mut self, peer: &BareJid, records: &[MessageRecord], read_until: f64) {
        let mut records: Vec<&MessageRecord> = records.iter().collect();
        crate::sort::sort_by(&mut records, |a, b| a.time.total_cmp(&b.time));
        let conversation = self
            .conversations
            .get_or_insert(peer.clone(), Conversation::default());
        conversation.read_until = conversation.read_until.max(read_until);
        for record in records {
            let message = record
                .xml
                .parse::<Element>()
                .ok()
                .and_then(|el| Message::try_from(el).ok());
            if let Some(message) = message {
                apply(conversation, &message, record.outgoing, record.time);
            }
        }
        self.changed(peer);
    }

    /// Whether `peer`'s conversation was restored from as many records as opening one
    /// reads ([`Chat::restore_deep`]).
    pub fn restored_deep(&self, peer: &BareJid) -> bool {
        self.deep.contains(peer)
    }

    /// [`Chat::restore`] from all the records the device holds for an open conversation.
    pub fn restore_deep(&mut self, peer: &BareJid, records: &[MessageRecord], read_until: f64) {
        self.restore(peer, records, read_until);
        self.deep.insert(peer.clone());
    }

    /// A message from the stream (live, a carbon's inside, an archive replay): `outgoing`
    /// when the account sent it. `now`: ms since the epoch, its time without a delay stamp;
    /// `live`: it arrived now (a chat state then counts).
    pub fn receive(&mut self, now: f64, message: &Message, outgoing: bool, live: bool) -> Received {
        if !matches!(message.type_, MessageType::Chat | MessageType::Normal) {
            return Received::default();
        }
        let peer = match outgoing {
            true => message.to.as_ref(),
            false => message.from.as_ref(),
        }
        .map(Jid::to_bare);
        let Some(peer) = peer.filter(|p| *p != self.account) else {
            return Received::default();
        };
        let time = delay(message).unwrap_or(now);
        let conversation = self
            .conversations
            .get_or_insert(peer.clone(), Conversation::default());
        let mut changed = false;
        if live && !outgoing {
            if let Some(state) = xep0085::ChatState::read(message) {
                let typing = state == xep0085::ChatState::Composing;
                changed = conversation.typing != typing;
                conversation.typing = typing;
            }
        }
        let new = apply(conversation, message, outgoing, time);
        if new {
            // A message ends its author's typing.
            if !outgoing && !message.bodies.is_empty() {
                conversation.typing = false;
            }
            self.records
                .push(record(&self.account, &peer, message, outgoing, time));
        }
        if new || changed {
            self.changed(&peer);
        }
        let receipt_for = (new && live && !outgoing && xep0184::requested(message))
            .then(|| message.id.clone())
            .flatten();
        Received {
            peer: Some(peer),
            new,
            receipt_for,
        }
    }

    /// What the person wrote, as the `<message/>` to send (id `id`, also its origin-id),
    /// shown at once as the account's own.
    pub fn compose(&mut self, now: f64, id: &str, to: &BareJid, what: Compose) -> Message {
        let mut message = Message::new(Some(to.clone().into()));
        message.id = Some(id.to_owned());
        let mut payloads = vec![xep0359::origin_id(id)];
        let body = match what {
            Compose::Text {
                body,
                reply,
                attachment,
            } => {
                payloads.push(xep0184::request());
                payloads.push(xep0333::markable());
                payloads.push(xep0085::ChatState::Active.element());
                let quoted = reply.and_then(|r| {
                    let c = self.conversations.get(to)?;
                    let original = c.get(&r)?;
                    let author = match original.outgoing {
                        true => self.account.to_string(),
                        false => to.to_string(),
                    };
                    Some((author, r, original.body.clone()))
                });
                text_body(body, quoted, attachment, &mut payloads)
            }
            Compose::Correct { id: original, body } => {
                payloads.push(xep0308::replace(&original));
                body
            }
            Compose::Retract { id: original } => retraction(&original, &mut payloads),
            Compose::React {
                id: original,
                emojis,
            } => reaction(&original, &emojis, &mut payloads),
        };
        if !body.is_empty() {
            message.bodies.insert(String::new(), body);
        }
        message.payloads = payloads;
        let conversation = self
            .conversations
            .get_or_insert(to.clone(), Conversation::default());
        if apply(conversation, &message, true, now) {
            self.records
                .push(record(&self.account, to, &message, true, now));
        }
        self.changed(to);
        message
    }

    /// The person saw `peer`'s conversation: what it held is read. Returns the time read
    /// up to, and the id to mark displayed (XEP-0333) if the newest of the contact's
    /// messages asked for that; `None` if nothing new was read.
    pub fn mark_read(&mut self, peer: &BareJid) -> Option<(f64, Option<String>)> {
        let conversation = self
            .conversations
            .get_or_insert(peer.clone(), Conversation::default());
        let newest = conversation.messages.last()?.time;
        if newest <= conversation.read_until {
            return None;
        }
        conversation.read_until = newest;
        // §3: the newest of the contact's messages, if its sender asked for markers.
        let marker = conversation
            .messages
            .iter()
            .rev()
            .find(|m| !m.outgoing)
            .filter(|m| m.markable)
            .map(|m| m.id.clone());
        self.changed(peer);
        Some((newest, marker))
    }

    fn changed(&mut self, peer: &BareJid) {
        if !self.changes.contains(peer) {
            self.changes.push_back(peer.clone());
        }
    }
}

/// A text's body: the quote of the message it replies to (`(author, id, body)`, XEP-0461
/// §2.2: a fallback older clients show, marked by XEP-0428), then what was written, and
/// an attachment's URL (XEP-0066). Chats and rooms alike.
pub(super) fn text_body(
    body: String,
    quoted: Option<(String, String, String)>,
    attachment: Option<String>,
    payloads: &mut Vec<Element>,
) -> String {
    let mut text = String::new();
    if let Some((author, reply_id, quote)) = quoted {
        for line in quote.lines() {
            text.push_str("> ");
            text.push_str(line);
            text.push('\n');
        }
        let end = text.chars().count();
        payloads.push(xep0461::reply(&author, &reply_id));
        payloads.push(xep0428::fallback(ns::REPLY, 0, end));
    }
    text.push_str(&body);
    if let Some(url) = attachment {
        payloads.push(xep0066::url(&url));
        if body.is_empty() {
            text.push_str(&url);
        }
    }
    text
}

/// XEP-0424 retraction of `target`, with the fallback body older clients show.
pub(super) fn retraction(target: &str, payloads: &mut Vec<Element>) -> String {
    payloads.push(xep0424::retract(target));
    payloads.push(
        Element::builder("fallback", ns::FALLBACK)
            .a("for", ns::RETRACT)
            .build(),
    );
    payloads.push(Element::builder("store", ns::HINTS).build());
    xep0424::FALLBACK_BODY.to_owned()
}

/// XEP-0444: the account's whole set of reactions to `target` (no body).
pub(super) fn reaction(target: &str, emojis: &[String], payloads: &mut Vec<Element>) -> String {
    payloads.push(xep0444::reactions(target, emojis));
    payloads.push(Element::builder("store", ns::HINTS).build());
    String::new()
}

/// The record of a stanza of `peer`'s conversation. Its id: what it is known by on its
/// side (origin-id, else id, else the archive's), so a repeat replaces it; prefixed by
/// side, as the two sides choose ids independently.
fn record(
    account: &BareJid,
    peer: &BareJid,
    message: &Message,
    outgoing: bool,
    time: f64,
) -> MessageRecord {
    let key = key(message)
        .map(str::to_owned)
        .unwrap_or_else(|| crate::proto::json::number_text(time));
    MessageRecord {
        account: account.to_string(),
        peer: peer.to_string(),
        id: format!("{}{key}", if outgoing { '>' } else { '<' }),
        time,
        outgoing,
        xml: String::from(&Element::from(message.clone())),
    }
}

/// What a message is known by: its origin-id, else its id, else its archive id.
fn key(message: &Message) -> Option<&str> {
    xep0359::read_origin_id(&message.payloads)
        .or(message.id.as_deref())
        .or_else(|| {
            message
                .payloads
                .iter()
                .find(|p| p.is("stanza-id", ns::SID))
                .and_then(|p| p.attr("id"))
        })
}

/// The archive id our server gave the message (any `stanza-id` that survived to here:
/// the client keeps only those of the account's own archive, see
/// [`crate::service::archive`]).
fn archive_id(message: &Message) -> Option<String> {
    message
        .payloads
        .iter()
        .find(|p| p.is("stanza-id", ns::SID))
        .and_then(|p| p.attr("id"))
        .map(str::to_owned)
}

/// XEP-0203: when the sender sent it, in ms since the epoch.
fn delay(message: &Message) -> Option<f64> {
    let stamp = message
        .payloads
        .iter()
        .find(|p| p.is("delay", ns::DELAY))?
        .attr("stamp")?;
    let date = stamp.parse::<crate::proto::date::DateTime>().ok()?;
    Some(date.0.timestamp_millis() as f64)
}

/// Folds one stanza into `conversation`; `true` if it changed anything.
fn apply(conversation: &mut Conversation, message: &Message, outgoing: bool, time: f64) -> bool {
    // Only the side that wrote a message may take it back or correct it.
    if let Some(id) = xep0424::read(message) {
        return match conversation.find(id, Some(outgoing)) {
            Some(m) if !m.retracted => {
                m.retracted = true;
                m.body.clear();
                m.attachment = None;
                true
            }
            _ => false,
        };
    }
    if let Some(id) = xep0308::read(message) {
        let body = body_of(message);
        return match conversation.find(id, Some(outgoing)) {
            Some(m) if !m.retracted && m.body != body => {
                m.body = body;
                m.edited = true;
                true
            }
            _ => false,
        };
    }
    if let Some((id, set)) = xep0444::read(message) {
        let side = usize::from(!outgoing);
        return match conversation.find(id, None) {
            Some(m) if m.reactions[side] != set => {
                m.reactions[side] = set;
                true
            }
            _ => false,
        };
    }
    if !outgoing {
        // Receipts and markers: the contact's word about the account's messages.
        if let Some(id) = xep0184::read_received(message) {
            return match conversation.find(id, Some(true)) {
                Some(m) if m.delivery < Delivery::Delivered => {
                    m.delivery = Delivery::Delivered;
                    true
                }
                _ => false,
            };
        }
        if let Some(id) = xep0333::read_displayed(message) {
            let Some(at) = conversation
                .messages
                .iter()
                .position(|m| m.outgoing && m.id == id)
            else {
                return false;
            };
            let mut changed = false;
            for m in conversation.messages[..=at]
                .iter_mut()
                .filter(|m| m.outgoing)
            {
                changed |= m.delivery != Delivery::Read;
                m.delivery = Delivery::Read;
            }
            return changed;
        }
    }
    let attachment = xep0066::read(message);
    if message.bodies.is_empty() && attachment.is_none() {
        return false;
    }
    let Some(id) = key(message).map(str::to_owned) else {
        return false;
    };
    let archive = archive_id(message);
    if let Some(same) = conversation.find(&id, Some(outgoing)) {
        // The same message again (a carbon, an archive replay): it may bring its archive id.
        if same.archive_id.is_none() && archive.is_some() {
            same.archive_id = archive;
        }
        return false;
    }
    if archive.is_some()
        && conversation
            .messages
            .iter()
            .any(|m| m.archive_id == archive)
    {
        return false;
    }
    let mut body = body_of(message);
    if let Some(url) = &attachment {
        // The URL repeated as the body (what clients send for OOB) is the attachment.
        if body.trim() == url {
            body.clear();
        }
    }
    let message = ChatMessage {
        id,
        archive_id: archive,
        outgoing,
        time,
        body,
        edited: false,
        retracted: false,
        reply_to: xep0461::read(message).map(str::to_owned),
        attachment,
        reactions: Default::default(),
        delivery: Delivery::Sent,
        markable: xep0333::is_markable(message),
        nick: None,
        mentions_me: false,
    };
    // Usually the newest; an archive replay or a delayed message goes where it belongs.
    // A stamp to the second (Prosody's have no fraction) goes after what arrived live in
    // that second, as it came after it, not before it by milliseconds the stamp lost.
    // (Integer arithmetic: `f64 %` would link a software fmod, about 1 KB of wasm.)
    let whole = (time as u64).is_multiple_of(1000);
    let at = conversation
        .messages
        .iter()
        .rposition(|m| m.time <= time || (whole && m.time < time + 1000.0))
        .map_or(0, |i| i + 1);
    conversation.messages.insert(at, message);
    true
}

/// The body to show: the language-less one (else any), without a reply's fallback quote.
/// Chats and rooms alike.
pub(super) fn body_of(message: &Message) -> String {
    let body = message
        .bodies
        .get("")
        .or_else(|| message.bodies.values().next())
        .cloned()
        .unwrap_or_default();
    xep0428::strip(message, ns::REPLY, &body)
}

#[cfg(test)]
mod tests;
