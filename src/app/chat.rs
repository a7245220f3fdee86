//! Chat actions: writing to a contact, opening a conversation, reading it. The chat model
//! lives in the connection's client (`service::chat`); its stanzas are kept in the
//! device store's messages, read back at the start and when a conversation opens.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::account::Account;
use super::outbox::fresh_id;
use super::sync::storage_trouble;
use super::UserError;
use crate::proto::jid::BareJid;
use crate::service::chat::Compose;
use crate::store::{CursorRecord, Store};

/// Cursor keeping the archive id of the newest message received (a cold start catches up
/// from it).
pub(super) const ARCHIVE_NEWEST: &str = "archive-newest";
/// Cursor prefix keeping, per conversation, the time up to which it was read.
const READ_PREFIX: &str = "chat-read:";
/// Records of each conversation read back at the start (the list's last line, unread
/// counts); opening a conversation reads more.
const FIRST_RECORDS: usize = 50;
/// Records read when a conversation opens.
const OPEN_RECORDS: usize = 2_000;

impl Account {
    /// Sends `what` to `to`: stored in the outbox first, shown at once (**Pending** until
    /// the server has it), delivered exactly once under its id.
    pub async fn send_message(&self, to: BareJid, what: Compose) -> Result<(), UserError> {
        let Some(connection) = self.connection() else {
            return Err("Chat works in the tab that is connected; this one follows it".into());
        };
        let id = fresh_id();
        let mut entry = None;
        connection.act(|client, now| entry = Some(client.compose_message(now, &id, &to, what)));
        if let Some(entry) = entry {
            self.write(vec![entry]).await;
        }
        Ok(())
    }

    /// Uploads `file` (XEP-0363) and sends its URL to `to` (XEP-0066).
    pub async fn send_file(&self, to: BareJid, file: web_sys::File) -> Result<(), UserError> {
        let media_type = match file.type_() {
            t if t.is_empty() => "application/octet-stream".to_owned(),
            t => t,
        };
        let url = self.upload(&file, &media_type, |_| {}).await?;
        let what = Compose::Text {
            body: String::new(),
            reply: None,
            attachment: Some(url),
        };
        self.send_message(to, what).await
    }

    /// The conversation with `peer` is on screen: its stored history joins what the
    /// client holds, and it is read (if the page is visible).
    pub fn open_conversation(&self, peer: BareJid) {
        let account = self.clone();
        let deep = self
            .connection()
            .is_some_and(|c| c.with_client(|client| client.chat().restored_deep(&peer)));
        if deep {
            // Read already, and kept current since: nothing to fold again.
            self.read_conversation(&peer);
            return;
        }
        spawn_local(async move {
            let store = account.inner.store.clone();
            let jid = account.inner.jid.to_string();
            let records = store
                .messages(&jid, peer.as_str(), None, OPEN_RECORDS)
                .await
                .unwrap_or_default();
            if let Some(c) = account.connection() {
                c.act(|client, _| client.restore_conversation(&peer, &records, 0.0, true));
                account.read_conversation(&peer);
            }
        });
    }

    /// Reads the chat model of this tab's connection (none: nothing to read).
    pub fn with_chat(&self, read: impl FnOnce(&crate::service::chat::Chat)) {
        if let Some(c) = self.connection() {
            c.with_client(|client| read(client.chat()));
        }
    }

    /// The person scrolled past what this device holds of `peer`'s conversation: a page
    /// of older messages from the server's archive.
    pub fn load_older_messages(&self, peer: &BareJid) {
        if let Some(c) = self.connection() {
            c.act(|client, now| {
                client.load_older_messages(now, peer);
            });
        }
    }

    /// The person is writing to `peer` (`true`), or stopped a while ago (XEP-0085 paused).
    pub fn typing(&self, peer: &BareJid, composing: bool) {
        use crate::proto::xep0085::ChatState;
        let state = match composing {
            true => ChatState::Composing,
            false => ChatState::Paused,
        };
        if let Some(c) = self.connection() {
            c.act(|client, now| client.send_chat_state(now, peer, state));
        }
    }

    /// The person sees `peer`'s conversation: mark it read (and tell the contact).
    pub fn read_conversation(&self, peer: &BareJid) {
        let visible = document().visibility_state() == web_sys::VisibilityState::Visible;
        if let (true, Some(c)) = (visible, self.connection()) {
            c.act(|client, now| client.mark_read(now, peer));
        }
    }

    /// Reads the stored conversations into the connection's client at the start.
    pub(super) async fn restore_conversations(&self) {
        let store = self.inner.store.clone();
        let jid = self.inner.jid.to_string();
        let Ok(newest) = store.conversations(&jid).await else {
            return;
        };
        for last in newest {
            let Ok(peer) = BareJid::new(&last.peer) else {
                continue;
            };
            let key = format!("{READ_PREFIX}{}", last.peer);
            let records = store.messages(&jid, &last.peer, None, FIRST_RECORDS).await;
            let read = store.cursor(&jid, &key).await;
            // Whole milliseconds (`keep_read`): no float parsing linked for this.
            let read = read
                .ok()
                .flatten()
                .and_then(|r| r.parse::<u64>().ok())
                .map_or(0.0, |ms| ms as f64);
            let records = records.unwrap_or_default();
            if let Some(c) = self.connection() {
                c.act(|client, _| client.restore_conversation(&peer, &records, read, false));
            }
        }
    }

    /// Keeps a conversation's read position.
    pub(super) fn keep_read(&self, peer: &BareJid, until: f64) {
        let record = CursorRecord {
            account: self.inner.jid.to_string(),
            key: format!("{READ_PREFIX}{peer}"),
            value: (until as u64).to_string(),
        };
        self.keep_cursor(record);
    }

    /// A message from `from` arrived: if the page is hidden and the person allowed it, a
    /// notification — one per conversation (its tag), replaced by the next.
    pub(super) fn notify(&self, client: &crate::service::Client, from: &str) {
        use web_sys::{Notification, NotificationOptions, NotificationPermission};
        if !document().hidden() || Notification::permission() != NotificationPermission::Granted {
            return;
        }
        let Ok(peer) = crate::proto::jid::Jid::new(from).map(|j| j.to_bare()) else {
            return;
        };
        if peer == self.inner.jid {
            return;
        }
        // A contact's name as the person gave it; a stranger only by address.
        let title = client.roster().get(&peer).map_or_else(
            || peer.to_string(),
            |c| self.state().people.name(&peer, c.name.as_deref()),
        );
        let last = client
            .chat()
            .conversation(&peer)
            .and_then(|c| c.last())
            .map(|m| m.body.lines().next().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let options = NotificationOptions::new();
        options.set_body(&last);
        options.set_tag(peer.as_str());
        let _ = Notification::new_with_options(&title, &options);
    }

    pub(super) fn keep_cursor(&self, record: CursorRecord) {
        let (state, store) = (self.state(), self.inner.store.clone());
        spawn_local(async move {
            storage_trouble(state, store.put_cursor(&record).await);
        });
    }
}
