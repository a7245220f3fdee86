//! The person's writes, stored first (durably, in order) and then handed to whichever
//! tab holds the connection; refused ones wait for the person to retry or discard them.

use super::account::Account;
use super::sync::storage_trouble;
use super::UserError;
use crate::net::socket::now;
use crate::net::tabs::TabMessage;
use crate::service::outbox::{OutboxEntry, WriteKind};
use crate::service::roster::RosterEdit;
use crate::state::PendingWrite;
use crate::store::{OutboxRecord, Store};

impl Account {
    /// Stores a roster change in the outbox, durably, then hands it to whichever tab
    /// holds the connection. Shown as **Pending** until the server confirms.
    pub async fn edit_roster(&self, edit: RosterEdit) -> Result<(), UserError> {
        self.write(vec![edit.compose(fresh_id())]).await;
        Ok(())
    }

    /// Stores writes in the outbox, durably and in order, marks them **Pending**, then
    /// hands them to whichever tab holds the connection.
    pub(super) async fn write(&self, entries: Vec<OutboxEntry>) {
        let state = self.state();
        for entry in &entries {
            let record = self.record(entry);
            storage_trouble(state, self.inner.store.put_outbox(&record).await);
        }
        // The client reports what is Pending; a tab without it reads the stored outbox.
        match self.connection() {
            Some(connection) => {
                for entry in entries {
                    connection.submit(entry);
                }
            }
            None => {
                self.inner.channel.post(&TabMessage::Outbox);
                self.pending_from_store().await;
            }
        }
    }

    /// What is Pending, as the shared outbox in the store has it: for a tab that does
    /// not hold the connection (the one that does hears it from its client).
    pub(super) async fn pending_from_store(&self) {
        if let Ok(records) = self.inner.store.outbox(self.inner.jid.as_str()).await {
            let pending = PendingWrite::all_from(&records);
            if self.is_signed_in() {
                self.state().set_pending(pending);
                // The feed draws the Pending marks: redraw it with them.
                self.with_feed(|_, _| {});
            }
        }
    }

    /// The outbox record of `entry`; `seq` keeps writing order within a burst.
    fn record(&self, entry: &OutboxEntry) -> OutboxRecord {
        let last = &self.inner.last_seq;
        let seq = (now().0 as f64).max(last.get() + 1.0);
        last.set(seq);
        entry.to_record(self.inner.jid.as_str(), seq)
    }

    /// The person dealt with a refused write: try it again as it is, or drop it.
    pub async fn settle_refused(&self, id: String, retry: bool) -> Result<(), UserError> {
        let state = self.state();
        let (store, jid) = (&self.inner.store, &self.inner.jid);
        let mut records = store
            .outbox(jid.as_str())
            .await
            .map_err(|e| UserError(e.describe()))?;
        let Some(at) = records.iter().position(|r| r.id == id) else {
            return Ok(());
        };
        let mut record = records.remove(at);
        let connection = self.connection();
        if retry {
            record.failed = None;
            storage_trouble(state, store.put_outbox(&record).await);
            match &connection {
                Some(c) => c.retry(&id, None),
                None => self.inner.channel.post(&TabMessage::Outbox),
            }
        } else {
            storage_trouble(state, store.delete_outbox(jid.as_str(), &id).await);
            if let Some(c) = &connection {
                c.discard(&id);
            }
            // What stays in the outbox: the records read above, less this one.
            let pending = PendingWrite::all_from(&records);
            // A new post that will never exist leaves the timeline (and the cache) too.
            let post = OutboxEntry::from_record(&record)
                .filter(|e| matches!(e.kind, WriteKind::Post { .. }))
                .and_then(|e| e.item);
            if let Some(key) = post.filter(|key| !pending.iter().any(|w| w.marks(key))) {
                let result = store
                    .delete_post(jid.as_str(), &key.service, &key.node, &key.id)
                    .await;
                storage_trouble(state, result);
                self.with_feed(move |feed, connection| match connection {
                    Some(c) => c.act(move |client, now| client.apply_local_retract(now, &key)),
                    None => feed.apply_local_retract(&key),
                });
            }
            self.inner.channel.post(&TabMessage::Outbox);
            self.inner.channel.post(&TabMessage::Posts);
        }
        if connection.is_none() {
            self.pending_from_store().await;
        }
        Ok(())
    }
}

/// A client-chosen id: random, so two tabs or devices never pick the same.
pub(super) fn fresh_id() -> String {
    let mut bytes = [0u8; 12];
    // The browser always has crypto.getRandomValues; without it ids would collide.
    let random = crate::net::random_bytes(&mut bytes);
    assert!(random, "the browser's crypto.getRandomValues");
    let hex = |n: u8| char::from(b"0123456789abcdef"[usize::from(n)]);
    bytes
        .iter()
        .flat_map(|b| [hex(b >> 4), hex(b & 15)])
        .collect()
}
