//! The client's rooms (XEP-0045) and their bookmarks (XEP-0402): [`Rooms`] fed from the
//! stream, its presences sent once the account is available, room messages through the
//! outbox like chat messages, bookmarks fetched on every new stream and written through
//! the outbox.

use minidom::Element;

use super::{Client, Update};
use crate::proto::jid::{BareJid, Jid};
use crate::proto::ns;
use crate::proto::rfc6120::{DefinedCondition, Iq, StanzaError};
use crate::proto::rfc6121::{Message, MessageType, Presence};
use crate::proto::xep0030::DiscoInfo;
use crate::proto::xep0045::{History, RoomInfo};
use crate::proto::{xep0060, xep0359, xep0402};
use crate::service::chat::Compose;
use crate::service::feed::{self, ItemKey, Recovery};
use crate::service::outbox::{EntryState, OutboxEntry, Outcome, WriteKind};
use crate::service::rooms::{ConversationKey, JoinState, RoomChange, Rooms};
use crate::store::MessageRecord;
use crate::xmpp::{Instant, IqOutcome};

impl Client {
    pub fn rooms(&self) -> &Rooms {
        &self.rooms
    }

    /// The bookmarks this device kept ([`Rooms::bookmarks_record`]): the rooms are listed
    /// at once, and the autojoin ones entered once online.
    pub fn restore_bookmarks(&mut self, record: &str) {
        self.rooms.restore_bookmarks(record);
    }

    /// Enters `room` as `nick` (the account's default nickname if `None`). Once the room
    /// lets the account in, [`Update::RoomJoined`] says so. `false` if the nickname
    /// cannot be one.
    pub fn join_room(
        &mut self,
        now: Instant,
        room: BareJid,
        nick: Option<&str>,
        password: Option<String>,
    ) -> bool {
        let nick = nick.map(str::trim).filter(|n| !n.is_empty());
        let joined = self.rooms.join(room, nick, password, History::RoomDefault);
        self.process(now);
        joined
    }

    /// The bookmark of `room`, just entered, as an outbox entry under `id` (autojoin, with
    /// its nickname): `None` if it has that bookmark already.
    pub fn compose_bookmark(&mut self, id: &str, room: &BareJid) -> Option<OutboxEntry> {
        if !self.rooms.wants_bookmark(room) {
            return None;
        }
        let payload = self.rooms.bookmark_room(room, true)?;
        self.drain_rooms();
        Some(self.bookmark_entry(id, room, payload))
    }

    /// **Leave room**: the room is left and its bookmark removed (the account's other
    /// devices leave it too), as an outbox entry under `id`.
    pub fn leave_room(&mut self, now: Instant, id: &str, room: &BareJid) -> OutboxEntry {
        let payload = self.rooms.remove_bookmark(room);
        self.process(now);
        self.bookmark_entry(id, room, payload)
    }

    fn bookmark_entry(&self, id: &str, room: &BareJid, payload: Element) -> OutboxEntry {
        let item = ItemKey::new(self.account().as_str(), ns::BOOKMARKS, room.as_str());
        OutboxEntry::new(
            id.to_owned(),
            ns::BOOKMARKS,
            WriteKind::Bookmark,
            Some(item),
            Iq::from_set(id, payload),
        )
    }

    /// What the person wrote in `room` (see [`Client::compose_message`]); `None` if the
    /// room is not known.
    pub(super) fn compose_room_message(
        &mut self,
        now: Instant,
        id: &str,
        room: &BareJid,
        what: Compose,
    ) -> Option<OutboxEntry> {
        let message = self.rooms.compose(now.0 as f64, id, room, what)?;
        self.drain_rooms();
        Some(OutboxEntry::new(
            id.to_owned(),
            format!("chat:{room}"),
            WriteKind::Message { to: room.clone() },
            None,
            message,
        ))
    }

    /// A room's stored records, if they are a room's (groupchat) or `peer` is a room known
    /// here; `false` leaves them to the chat.
    pub(super) fn restore_room(
        &mut self,
        peer: &BareJid,
        records: &[MessageRecord],
        read_until: f64,
    ) -> bool {
        if !self.rooms.is_room(peer) && !records.first().is_some_and(is_groupchat) {
            return false;
        }
        self.rooms.restore(peer, records, read_until);
        self.drain_rooms();
        true
    }

    /// The person saw `room`: what it held is read ([`Update::ReadUntil`]).
    pub(super) fn mark_room_read(&mut self, room: &BareJid) {
        if let Some(until) = self.rooms.mark_read(room) {
            self.updates.push_back(Update::ReadUntil {
                peer: room.clone(),
                until,
            });
        }
        self.drain_rooms();
    }

    /// Messages to a room wait until the account is in it (a room refuses them from
    /// anyone else): the rooms they wait for.
    pub(super) fn rooms_not_entered(&self) -> Vec<BareJid> {
        let entered = |j: &BareJid| {
            self.rooms
                .room(j)
                .is_some_and(|r| r.state == JoinState::Joined)
        };
        self.outbox
            .entries()
            .iter()
            .filter_map(|e| match &e.kind {
                WriteKind::Message { to } if self.rooms.is_room(to) && !entered(to) => {
                    Some(to.clone())
                }
                _ => None,
            })
            .collect()
    }

    /// What to do about a refused bookmark write. XEP-0402 §3.3 publishes with options
    /// that ejabberd 23.01 does not take as such (`max_items`, `send_last_published_item`,
    /// refused with a `wait` that would have us send the same forever): then the node is
    /// created or configured with them, and the bookmark published again without any
    /// option, once. Removing a bookmark that is not there is done.
    pub(super) fn recover_bookmark(
        &mut self,
        entry: &OutboxEntry,
        error: &StanzaError,
        tried: bool,
    ) -> Recovery {
        let id = &entry.id;
        let iq = |suffix: &str, payload: Element| Iq::from_set(format!("{id}-{suffix}"), payload);
        let configure = || {
            iq(
                "configure",
                xep0060::configure(ns::BOOKMARKS, xep0402::node_config()),
            )
        };
        if error.defined_condition == DefinedCondition::ItemNotFound {
            Recovery::Done
        } else if tried {
            Recovery::Refuse
        } else if feed::is_precondition_not_met(error) {
            Recovery::Resend {
                before: vec![configure()],
                without_max_items: false,
            }
        } else if feed::is_publish_option_refused(error) {
            let Some(plain) = without_options(&entry.payload) else {
                return Recovery::Refuse;
            };
            self.outbox.retry(id, Some(plain));
            let create = iq(
                "create",
                xep0060::create(ns::BOOKMARKS, xep0402::node_config()),
            );
            Recovery::Resend {
                before: vec![create, configure()],
                without_max_items: false,
            }
        } else {
            Recovery::Refuse
        }
    }

    // ---- from the stream ------------------------------------------------------------

    /// A new stream (not resumed): the bookmarks are asked for, and the rooms the account
    /// was in entered again once it is available. What was queued for the old stream is
    /// stale.
    pub(super) fn rooms_on_new_stream(&mut self, now: Instant) {
        while self.rooms.poll_presence().is_some() {}
        self.rooms.rejoin();
        self.room_info = crate::sort::VecMap::new();
        self.bookmarks_request = self.session.send_iq_get(now, None, xep0402::request()).ok();
    }

    /// A message that belongs to a room known here (its groupchat, a bookmark event, an
    /// occupant's private message): `true` if taken, and then it is no chat message.
    pub(super) fn handle_room_message(
        &mut self,
        now: Instant,
        message: &Message,
        outgoing: bool,
        live: bool,
    ) -> bool {
        if self.rooms.handle_bookmarks_push(message) {
            return true;
        }
        self.acknowledge_echo(message);
        if let Some(received) = self.rooms.handle_message(now.0 as f64, message, live) {
            if received.mention {
                self.updates.push_back(Update::Message {
                    from: message.from.as_ref().map(Jid::to_string),
                    id: message.id.clone(),
                });
            }
            return true;
        }
        // A private message through a room, or the room's own (an invitation, a notice):
        // never a contact's chat. (Not shown yet.)
        matches!(
            self.rooms.conversation_key(message, outgoing),
            Some(ConversationKey::Private(_) | ConversationKey::Room(_))
        )
    }

    /// The room's echo of a message the account sent: it has it, whatever stream
    /// management says.
    fn acknowledge_echo(&mut self, message: &Message) {
        if message.type_ != MessageType::Groupchat {
            return;
        }
        let Some(from) = message.from.as_ref() else {
            return;
        };
        let room = from.to_bare();
        let own = self
            .rooms
            .room(&room)
            .is_some_and(|r| from.resource().is_some_and(|n| n.as_ref() == r.nick));
        let id = xep0359::read_origin_id(&message.payloads).or(message.id.as_deref());
        let Some(id) = id.filter(|_| own).map(str::to_owned) else {
            return;
        };
        let sent = self.outbox.get(&id).is_some_and(|e| {
            e.state == EntryState::InFlight
                && matches!(&e.kind, WriteKind::Message { to } if *to == room)
        });
        if sent {
            self.outbox.on_outcome(&id, Outcome::Acknowledged);
            self.updates.push_back(Update::Delivered(id));
        }
    }

    /// An answer to the bookmarks request or to a room's disco#info; `false` if `id` is
    /// neither.
    pub(super) fn handle_room_answer(&mut self, id: &str, outcome: &IqOutcome) -> bool {
        if self.bookmarks_request.as_deref() == Some(id) {
            self.bookmarks_request = None;
            match outcome {
                IqOutcome::Result(Some(pubsub)) => {
                    if let Some(all) = xep0402::read_items(pubsub) {
                        self.rooms.set_bookmarks(all);
                    }
                }
                // No node: no bookmarks.
                IqOutcome::Result(None) => self.rooms.set_bookmarks(vec![]),
                IqOutcome::Error(e) if e.defined_condition == DefinedCondition::ItemNotFound => {
                    self.rooms.set_bookmarks(vec![])
                }
                _ => {}
            }
            return true;
        }
        let Some(room) = self.room_info.remove(id) else {
            return false;
        };
        if let IqOutcome::Result(Some(payload)) = outcome {
            if let Ok(info) = DiscoInfo::try_from(payload.clone()) {
                self.rooms.set_info(&room, RoomInfo::read(&info));
            }
        }
        true
    }

    // ---- to the stream and the app --------------------------------------------------

    /// Sends the rooms' presences once this stream's own is out (a room is entered as
    /// the account is, available), and reports what changed.
    pub(super) fn process_rooms(&mut self, now: Instant) {
        if self.session.is_online() && self.notify.is_some() {
            while let Some(presence) = self.rooms.poll_presence() {
                self.send_room_presence(now, presence);
            }
        }
        self.drain_rooms();
        let entered: Vec<BareJid> = self
            .rooms
            .rooms()
            .filter(|(_, r)| r.state == JoinState::Joined)
            .map(|(j, _)| j.clone())
            .collect();
        let new: Vec<BareJid> = entered
            .iter()
            .filter(|j| !self.rooms_entered.contains(*j))
            .cloned()
            .collect();
        self.rooms_entered = entered.into_iter().collect();
        if !new.is_empty() {
            for room in new {
                self.updates.push_back(Update::RoomJoined(room));
            }
            // Messages written for them go now.
            self.pump_outbox(now);
        }
    }

    /// Entering a room whose disco#info is unknown asks for it first: the answer then
    /// comes before the room's history, and says whether its stanza ids are to be trusted.
    fn send_room_presence(&mut self, now: Instant, presence: Presence) {
        let entering = presence.payloads.iter().any(|p| p.is("x", ns::MUC));
        let room = presence.to.as_ref().map(Jid::to_bare);
        if let Some(room) = room.filter(|_| entering) {
            let known = self.rooms.room(&room).is_some_and(|r| r.info.is_some());
            if !known && !self.room_info.values().any(|r| *r == room) {
                let query = Element::builder("query", ns::DISCO_INFO).build();
                if let Ok(id) = self
                    .session
                    .send_iq_get(now, Some(room.clone().into()), query)
                {
                    self.room_info.insert(id, room);
                }
            }
        }
        let _ = self.session.send_stanza(now, presence);
    }

    /// Reports what the rooms changed and what they want kept.
    pub(super) fn drain_rooms(&mut self) {
        let records = self.rooms.take_records();
        if !records.is_empty() {
            self.updates.push_back(Update::MessageRecords(records));
        }
        while let Some(change) = self.rooms.poll_change() {
            self.updates.push_back(match change {
                RoomChange::Room(jid) => Update::Room(jid),
                RoomChange::Occupants(jid) => Update::Occupants(jid),
                RoomChange::Bookmarks => Update::Bookmarks,
            });
        }
    }
}

/// A publish (an outbox payload) without its publish options.
fn without_options(payload: &str) -> Option<String> {
    let iq: Element = payload.parse().ok()?;
    let pubsub = iq.get_child("pubsub", ns::PUBSUB)?;
    let publish = pubsub.get_child("publish", ns::PUBSUB)?.clone();
    let id = iq.attr("id")?;
    let plain = Element::builder("pubsub", ns::PUBSUB)
        .append(publish)
        .build();
    Some(String::from(&Element::from(Iq::from_set(id, plain))))
}

/// Whether a stored record is a room's message (the chat's are never groupchat).
fn is_groupchat(record: &MessageRecord) -> bool {
    record
        .xml
        .parse::<Element>()
        .is_ok_and(|e| e.attr("type") == Some("groupchat"))
}
