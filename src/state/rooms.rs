//! What the room screens show: the rooms beside the conversations, the room open (its
//! messages go to the chat's open conversation, drawn by the same list) and who is in it.

use leptos::prelude::*;

use crate::proto::jid::BareJid;
use crate::proto::xep0045::{JoinError, JoinErrorKind};
use crate::service::chat::{ChatMessage, Delivery};
use crate::service::presence::Availability;
use crate::service::rooms::{JoinState, Removal, Room, RoomMessage, Rooms};

use super::chat::{ChatState, OpenConversation};

/// Where the account stands in a room, as the screens say it.
#[derive(Clone, Debug, PartialEq)]
pub enum RoomStatus {
    Joining,
    Joined,
    /// Not in it: why, as a sentence (empty when the person left).
    Out(String),
}

/// One room of the Chats screen.
#[derive(Clone, Debug, PartialEq)]
pub struct RoomRow {
    pub jid: String,
    /// The room's name, else its address.
    pub name: String,
    pub status: RoomStatus,
    /// Bookmarked or entered: listed among the conversations. (A refused join is not.)
    pub listed: bool,
    /// The first line of the newest message.
    pub last: String,
    pub time: f64,
    pub unread: usize,
    pub mentions: usize,
}

/// The room on screen, beyond its messages.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpenRoom {
    pub jid: String,
    pub name: String,
    pub subject: Option<String>,
    pub nick: String,
    pub status: Option<RoomStatus>,
}

/// One row of the occupants list.
#[derive(Clone, Debug, PartialEq)]
pub struct OccupantRow {
    pub nick: String,
    pub role: &'static str,
    pub affiliation: &'static str,
    pub availability: Availability,
}

#[derive(Clone, Copy, Default)]
pub struct RoomsState {
    /// Every room known, newest activity first.
    pub rows: RwSignal<Vec<RoomRow>>,
    pub open: RwSignal<OpenRoom>,
    /// The open room's occupants, moderators first, then by nickname.
    pub occupants: RwSignal<Vec<OccupantRow>>,
}

impl RoomsState {
    /// Redraws the rooms, and the open one's messages (into `chat`'s open conversation).
    pub fn show(&self, rooms: &Rooms, chat: &ChatState) {
        let mut rows: Vec<RoomRow> = rooms
            .rooms()
            .map(|(jid, r)| row(rooms, jid, Some(r)))
            .chain(
                rooms
                    .bookmarks()
                    .filter(|b| rooms.room(&b.room).is_none())
                    .map(|b| row(rooms, &b.room, None)),
            )
            .collect();
        crate::sort::sort_by(&mut rows, |a, b| {
            b.time.total_cmp(&a.time).then_with(|| a.name.cmp(&b.name))
        });
        if self.rows.with_untracked(|r| *r != rows) {
            self.rows.set(rows);
        }
        let open = self.open.with_untracked(|o| o.jid.clone());
        if let Ok(jid) = BareJid::new(&open) {
            self.show_open(rooms, &jid, chat);
        }
    }

    /// Puts `jid`'s room on screen: its name, subject and state here, its messages into
    /// the chat's open conversation.
    pub fn show_open(&self, rooms: &Rooms, jid: &BareJid, chat: &ChatState) {
        let room = rooms.room(jid);
        let open = OpenRoom {
            jid: jid.to_string(),
            name: name(rooms, jid, room),
            subject: room.and_then(|r| r.subject.clone()),
            nick: room.map_or_else(|| rooms.default_nick().to_owned(), |r| r.nick.clone()),
            status: room.map(status),
        };
        if self.open.with_untracked(|o| *o != open) {
            self.open.set(open);
        }
        let messages = room.map_or_else(Vec::new, |r| {
            r.messages.iter().map(|m| shown(m, &r.nick)).collect()
        });
        chat.open.set(OpenConversation {
            peer: jid.to_string(),
            messages,
            typing: false,
        });
    }

    /// Redraws the occupants of the open room, if it is `jid`.
    pub fn show_occupants(&self, rooms: &Rooms, jid: &BareJid) {
        if self.open.with_untracked(|o| o.jid != jid.as_str()) {
            return;
        }
        let rows = rooms.room(jid).map_or_else(Vec::new, |r| {
            r.occupants()
                .into_iter()
                .map(|(nick, o)| OccupantRow {
                    nick: nick.to_owned(),
                    role: o.role.as_str(),
                    affiliation: o.affiliation.as_str(),
                    availability: o.availability,
                })
                .collect()
        });
        self.occupants.set(rows);
    }

    /// The room's row, if known (a join under way, refused, or done).
    pub fn status(&self, jid: &str) -> Option<RoomStatus> {
        self.rows
            .with(|rows| rows.iter().find(|r| r.jid == jid).map(|r| r.status.clone()))
    }

    pub fn clear(&self) {
        self.rows.set(Vec::new());
        self.open.set(OpenRoom::default());
        self.occupants.set(Vec::new());
    }
}

fn row(rooms: &Rooms, jid: &BareJid, room: Option<&Room>) -> RoomRow {
    let last = room.and_then(|r| r.messages.iter().rev().find(|m| !m.retracted));
    let status = room.map_or(RoomStatus::Out(String::new()), status);
    let bookmarked = rooms.bookmark(jid).is_some();
    RoomRow {
        jid: jid.to_string(),
        name: name(rooms, jid, room),
        listed: bookmarked || matches!(status, RoomStatus::Joining | RoomStatus::Joined),
        status,
        last: last
            .map(|m| {
                let line = m.body.lines().next().unwrap_or_default();
                format!("{}: {line}", m.nick)
            })
            .unwrap_or_default(),
        time: last.map_or(0.0, |m| m.time),
        unread: room.map_or(0, Room::unread),
        mentions: room.map_or(0, Room::unread_mentions),
    }
}

/// The room's name from its disco#info, else its bookmark's, else its address.
fn name(rooms: &Rooms, jid: &BareJid, room: Option<&Room>) -> String {
    room.and_then(|r| r.info.as_ref())
        .and_then(|i| i.name.clone())
        .or_else(|| rooms.bookmark(jid).and_then(|b| b.name.clone()))
        .unwrap_or_else(|| jid.to_string())
}

fn status(room: &Room) -> RoomStatus {
    match &room.state {
        JoinState::Joining => RoomStatus::Joining,
        JoinState::Joined => RoomStatus::Joined,
        JoinState::Failed(error) => RoomStatus::Out(refusal(error)),
        JoinState::Removed { why, reason } => {
            let why = match why {
                Removal::Kicked => "You were kicked from this room",
                Removal::Banned => "You were banned from this room",
                Removal::NotMember => "You are no longer a member of this room",
                Removal::MembersOnly => "This room is now for members only",
                Removal::Shutdown => "The room's service shut down",
            };
            RoomStatus::Out(match reason {
                Some(reason) => format!("{why}: {reason}"),
                None => format!("{why}."),
            })
        }
        JoinState::Left => RoomStatus::Out(String::new()),
    }
}

/// Why a room refused the account, as something a person can act on.
fn refusal(error: &JoinError) -> String {
    let why = match error.kind {
        JoinErrorKind::NickConflict => "That nickname is taken in this room: choose another.",
        JoinErrorKind::PasswordRequired => "This room needs a password.",
        JoinErrorKind::MembersOnly => "Only members may enter this room.",
        JoinErrorKind::Banned => "You are banned from this room.",
        JoinErrorKind::Full => "This room is full.",
        JoinErrorKind::Other(_) => "The room could not be entered.",
    };
    match &error.text {
        Some(text) => format!("{why} ({text})"),
        None => why.to_owned(),
    }
}

/// A room's message as the message list draws it: the sender's nickname on it, the
/// account's reactions first, then everyone else's (each occupant's set in turn).
fn shown(m: &RoomMessage, own_nick: &str) -> ChatMessage {
    let mut reactions: [Vec<String>; 2] = Default::default();
    for (nick, set) in &m.reactions {
        reactions[usize::from(nick != own_nick)].extend(set.iter().cloned());
    }
    ChatMessage {
        id: m.id.clone(),
        archive_id: m.stanza_id.clone(),
        outgoing: m.outgoing,
        time: m.time,
        body: m.body.clone(),
        edited: m.edited,
        retracted: m.retracted,
        reply_to: m.reply_to.clone(),
        attachment: m.attachment.clone(),
        reactions,
        delivery: Delivery::Sent,
        markable: false,
        nick: Some(m.nick.clone()),
        mentions_me: m.mentions_me,
    }
}
