//! What the chat screens show: the list of conversations and the one open.

use leptos::prelude::*;

use crate::proto::jid::{BareJid, Jid};
use crate::service::chat::{Chat, ChatMessage};
use crate::service::people::Blocklist;
use crate::service::roster::Roster;

/// One row of the Chats screen.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationRow {
    pub peer: String,
    /// A contact's name by the one rule, else the JID: never a name a stranger gave
    /// themselves.
    pub name: String,
    /// The first line of the newest message.
    pub last: String,
    pub time: f64,
    pub unread: usize,
    /// On the roster: a conversation; otherwise a message request.
    pub contact: bool,
}

/// The conversation on screen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpenConversation {
    pub peer: String,
    pub messages: Vec<ChatMessage>,
    pub typing: bool,
}

#[derive(Clone, Copy, Default)]
pub struct ChatState {
    /// Newest activity first.
    pub rows: RwSignal<Vec<ConversationRow>>,
    pub open: RwSignal<OpenConversation>,
    /// When a catch-up could not fetch all a lost connection missed (ms since the
    /// epoch): messages from before then may be missing.
    pub gap: RwSignal<Option<f64>>,
}

impl ChatState {
    /// Unread messages in conversations with contacts (requests are not counted).
    pub fn unread(&self) -> usize {
        self.rows
            .with(|rows| rows.iter().filter(|r| r.contact).map(|r| r.unread).sum())
    }

    /// Redraws the list, and the open conversation if `changed` is it (or `None`: all).
    /// Conversations with blocked people are not listed.
    pub fn show(
        &self,
        chat: &Chat,
        roster: &Roster,
        blocklist: &Blocklist,
        people: &super::people::PeopleState,
        changed: Option<&BareJid>,
    ) {
        let rows = chat
            .conversations()
            .into_iter()
            .filter(|(peer, _)| !blocklist.is_blocked(&Jid::from((*peer).clone())))
            .filter_map(|(peer, c)| {
                let last = c.messages.iter().rev().find(|m| !m.retracted)?;
                let contact = roster.get(peer);
                Some(ConversationRow {
                    peer: peer.to_string(),
                    name: contact.map_or_else(
                        || peer.to_string(),
                        |c| people.name(&c.jid, c.name.as_deref()),
                    ),
                    last: match last.body.lines().next() {
                        Some(line) => line.to_owned(),
                        None => last.attachment.clone().unwrap_or_default(),
                    },
                    time: last.time,
                    unread: c.unread(),
                    contact: contact.is_some(),
                })
            })
            .collect::<Vec<_>>();
        if self.rows.with_untracked(|r| *r != rows) {
            self.rows.set(rows);
        }
        let open = self.open.with_untracked(|o| o.peer.clone());
        if open.is_empty() || changed.is_some_and(|c| c.as_str() != open) {
            return;
        }
        if let Ok(peer) = BareJid::new(&open) {
            self.show_open(chat, &peer);
        }
    }

    /// Puts `peer`'s conversation on screen.
    /// (None yet, or a room's: left as it is.)
    pub fn show_open(&self, chat: &Chat, peer: &BareJid) {
        let Some((messages, typing)) = chat
            .conversation(peer)
            .map(|c| (c.messages.clone(), c.typing))
        else {
            return;
        };
        self.open.set(OpenConversation {
            peer: peer.to_string(),
            messages,
            typing,
        });
    }

    pub fn clear(&self) {
        self.rows.set(Vec::new());
        self.open.set(OpenConversation::default());
        self.gap.set(None);
    }
}
