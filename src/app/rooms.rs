//! Room actions: entering a room, leaving it, and the bookmarks that list the rooms on
//! every device (kept on this device too, so a warm start lists them at once). Writing
//! in a room is writing a message ([`Account::send_message`]).

use leptos::task::spawn_local;

use super::account::Account;
use super::outbox::fresh_id;
use super::UserError;
use crate::proto::jid::BareJid;
use crate::store::CursorRecord;

/// Cursor keeping the bookmarks ([`crate::service::rooms::Rooms::bookmarks_record`]).
pub(super) const BOOKMARKS: &str = "room-bookmarks";

/// A room's address as typed: a bare JID with a local part (`room@service`).
pub fn room_address(typed: &str) -> Result<BareJid, UserError> {
    let typed = typed.trim().trim_start_matches("xmpp:");
    let typed = typed.split('?').next().unwrap_or_default();
    match BareJid::from_typed(typed) {
        Ok(jid) if jid.node().is_some() => Ok(jid),
        _ => Err("Type the room's address, like room@conference.example.org".into()),
    }
}

impl Account {
    /// **Join**: enters `room` as `nick`. The room's answer shows in the room's status;
    /// once in, the room is bookmarked (autojoin) for every device.
    pub fn join_room(
        &self,
        room: BareJid,
        nick: &str,
        password: Option<String>,
    ) -> Result<(), UserError> {
        let Some(connection) = self.connection() else {
            return Err("Rooms work in the tab that is connected; this one follows it".into());
        };
        let mut joined = false;
        connection.act(|client, now| {
            joined = client.join_room(now, room, Some(nick), password);
        });
        // Shown as joining at once (a room refused before still says why until then).
        let state = self.state();
        connection.with_client(|client| state.rooms.show(client.rooms(), &state.chat));
        match joined {
            true => Ok(()),
            false => Err("That nickname cannot be used".into()),
        }
    }

    /// **Leave room**: out of the room, and its bookmark removed (the account's other
    /// devices leave it too).
    pub async fn leave_room(&self, room: BareJid) -> Result<(), UserError> {
        let Some(connection) = self.connection() else {
            return Err("Rooms work in the tab that is connected; this one follows it".into());
        };
        let id = fresh_id();
        let mut entry = None;
        connection.act(|client, now| entry = Some(client.leave_room(now, &id, &room)));
        if let Some(entry) = entry {
            self.write(vec![entry]).await;
        }
        Ok(())
    }

    /// `room` is on screen: its name, subject, messages and occupants as the client has
    /// them; then its stored history, read like a conversation's.
    pub fn open_room(&self, room: BareJid) {
        let state = self.state();
        if let Some(c) = self.connection() {
            c.with_client(|client| {
                state.rooms.show_open(client.rooms(), &room, &state.chat);
                state.rooms.show_occupants(client.rooms(), &room);
            });
        }
        self.open_conversation(room);
    }

    /// The account is in `room` now: its bookmark is written, unless it has it.
    pub(super) fn bookmark_joined(&self, room: BareJid) {
        // Later: this runs while the client reports the change.
        let account = self.clone();
        spawn_local(async move {
            let Some(connection) = account.connection() else {
                return;
            };
            let id = fresh_id();
            let mut entry = None;
            connection.act(|client, _| entry = client.compose_bookmark(&id, &room));
            if let Some(entry) = entry {
                account.write(vec![entry]).await;
            }
        });
    }

    /// Keeps the bookmarks on this device.
    pub(super) fn keep_bookmarks(&self, record: String) {
        self.keep_cursor(CursorRecord {
            account: self.inner.jid.to_string(),
            key: BOOKMARKS.into(),
            value: record,
        });
    }
}
