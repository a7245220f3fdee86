//! The person's writes, stored first (durably, in order) and then handed to whichever
//! tab holds the connection; refused ones wait for the person to retry or discard them.

use leptos::prelude::*;

use super::account::{entry_from_record, Account};
use super::sync::storage_trouble;
use super::UserError;
use crate::net::socket::now;
use crate::net::tabs::TabMessage;
use crate::service::feed::ItemKey;
use crate::service::roster::RosterEdit;
use crate::state::PendingWrite;
use crate::store::{OutboxRecord, Store};

impl Account {
    /// Stores a roster change in the outbox, durably, then hands it to whichever tab
    /// holds the connection. Shown as **Pending** until the server confirms.
    pub async fn edit_roster(&self, edit: RosterEdit) -> Result<(), UserError> {
        let id = fresh_id();
        let payload = String::from(&minidom::Element::from(edit.to_iq(&id)));
        let record = self.record("roster", "roster", id, edit.jid().as_str(), payload);
        self.write(vec![record]).await;
        Ok(())
    }

    /// Stores writes in the outbox, durably and in order, marks them **Pending**, then
    /// hands them to whichever tab holds the connection.
    pub(super) async fn write(&self, records: Vec<OutboxRecord>) {
        let state = self.state();
        let mut pending = state.pending.get_untracked();
        pending.extend(records.iter().map(PendingWrite::from_record));
        state.set_pending(pending);
        for record in &records {
            storage_trouble(state, self.inner.store.put_outbox(record).await);
        }
        match self.connection() {
            Some(connection) => {
                for record in &records {
                    connection.submit(entry_from_record(record));
                }
            }
            None => self.inner.channel.post(&TabMessage::Outbox),
        }
    }

    /// A fresh outbox record for the account; `seq` keeps writing order within a burst.
    pub(super) fn record(
        &self,
        kind: &str,
        queue: &str,
        id: String,
        target: &str,
        payload: String,
    ) -> OutboxRecord {
        let last = &self.inner.last_seq;
        let seq = (now().0 as f64).max(last.get() + 1.0);
        last.set(seq);
        OutboxRecord {
            account: self.inner.jid.to_string(),
            id,
            queue: queue.into(),
            seq,
            kind: kind.into(),
            target: target.into(),
            payload,
            failed: None,
        }
    }

    /// The person dealt with a refused write: try it again as it is, or drop it.
    pub async fn settle_refused(&self, id: String, retry: bool) -> Result<(), UserError> {
        let state = self.state();
        let (store, jid) = (&self.inner.store, &self.inner.jid);
        let records = store
            .outbox(jid.as_str())
            .await
            .map_err(|e| UserError(e.describe()))?;
        let Some(mut record) = records.into_iter().find(|r| r.id == id) else {
            return Ok(());
        };
        let connection = self.connection();
        let mut pending = state.pending.get_untracked();
        if retry {
            record.failed = None;
            storage_trouble(state, store.put_outbox(&record).await);
            if let Some(w) = pending.iter_mut().find(|w| w.id == id) {
                w.failed = None;
            }
            match &connection {
                Some(c) => c.retry(&id, None),
                None => self.inner.channel.post(&TabMessage::Outbox),
            }
        } else {
            storage_trouble(state, store.delete_outbox(jid.as_str(), &id).await);
            pending.retain(|w| w.id != id);
            if let Some(c) = &connection {
                c.discard(&id);
            }
            // A new post that will never exist leaves the timeline (and the cache) too.
            if record.kind == "post" && !pending.iter().any(|w| w.target == record.target) {
                let key = ItemKey::post(jid, &record.target);
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
        state.set_pending(pending);
        Ok(())
    }
}

/// A client-chosen id: random, so two tabs or devices never pick the same.
pub(super) fn fresh_id() -> String {
    let mut bytes = [0u8; 12];
    // The browser always has crypto.getRandomValues; without it ids would collide.
    getrandom::getrandom(&mut bytes).expect("the browser's crypto.getRandomValues");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
