//! The person's writes, stored first (durably, in order) and then handed to whichever
//! tab holds the connection; refused ones wait for the person to retry or discard them.

use leptos::prelude::*;

use super::account::{account, channel, connection, store, with_feed};
use super::persist::storage_trouble;
use super::socket::now;
use super::tabs::TabMessage;
use crate::service::outbox::{OutboxEntry, WriteKind};
use crate::service::roster::RosterEdit;
use crate::state::{AppState, PendingWrite};
use crate::store::{OutboxRecord, Store};

/// Stores a roster change in the outbox, durably, then hands it to whichever tab holds
/// the connection. Shown as **Pending** until the server confirms.
pub async fn edit_roster(state: AppState, edit: RosterEdit) {
    if account().is_none() {
        return;
    }
    let record = record(edit.compose(fresh_id()));
    write(state, vec![record]).await;
}

/// Stores writes in the outbox, durably and in order, marks them **Pending**, then hands
/// them to whichever tab holds the connection.
pub(super) async fn write(state: AppState, records: Vec<OutboxRecord>) {
    let Some(channel) = channel() else {
        return;
    };
    let mut pending = state.pending.get_untracked();
    pending.extend(records.iter().filter_map(PendingWrite::from_record));
    state.set_pending(pending);
    let store = store(state).await;
    for record in &records {
        storage_trouble(state, store.put_outbox(record).await);
    }
    match connection() {
        Some(connection) => {
            for entry in records.iter().filter_map(OutboxEntry::from_record) {
                connection.submit(entry);
            }
        }
        None => channel.post(&TabMessage::Outbox),
    }
}

/// A composed entry's outbox record for the account; `seq` keeps writing order within a
/// burst.
pub(super) fn record(entry: OutboxEntry) -> OutboxRecord {
    thread_local! {
        static LAST: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    }
    let seq = LAST.with(|last| {
        let seq = (now().0 as f64).max(last.get() + 1.0);
        last.set(seq);
        seq
    });
    let account = account().map(|j| j.to_string()).unwrap_or_default();
    entry.to_record(&account, seq)
}

/// The person dealt with a refused write: try it again as it is, or drop it.
pub async fn settle_refused(state: AppState, id: String, retry: bool) {
    let (Some(jid), connection, Some(channel)) = (account(), connection(), channel()) else {
        return;
    };
    let store = store(state).await;
    let Ok(records) = store.outbox(jid.as_str()).await else {
        return;
    };
    let Some(mut record) = records.into_iter().find(|r| r.id == id) else {
        return;
    };
    let mut pending = state.pending.get_untracked();
    if retry {
        record.failed = None;
        storage_trouble(state, store.put_outbox(&record).await);
        if let Some(w) = pending.iter_mut().find(|w| w.id == id) {
            w.failed = None;
        }
        match &connection {
            Some(c) => c.retry(&id, None),
            None => channel.post(&TabMessage::Outbox),
        }
    } else {
        storage_trouble(state, store.delete_outbox(jid.as_str(), &id).await);
        pending.retain(|w| w.id != id);
        if let Some(c) = &connection {
            c.discard(&id);
        }
        // A new post that will never exist leaves the timeline (and the cache) too.
        let post = OutboxEntry::from_record(&record)
            .filter(|e| matches!(e.kind, WriteKind::Post { .. }))
            .and_then(|e| e.item);
        if let Some(key) = post.filter(|key| !pending.iter().any(|w| w.marks(key))) {
            let result = store
                .delete_post(jid.as_str(), &key.service, &key.node, &key.id)
                .await;
            storage_trouble(state, result);
            with_feed(state, move |feed, connection| match connection {
                Some(c) => c.act(move |client, now| client.apply_local_retract(now, &key)),
                None => feed.apply_local_retract(&key),
            });
        }
        channel.post(&TabMessage::Outbox);
        channel.post(&TabMessage::Posts);
    }
    state.set_pending(pending);
}

/// A client-chosen id: random, so two tabs or devices never pick the same.
pub(super) fn fresh_id() -> String {
    let mut bytes = [0u8; 12];
    // The browser always has crypto.getRandomValues; without it ids would collide.
    getrandom::getrandom(&mut bytes).expect("the browser's crypto.getRandomValues");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
