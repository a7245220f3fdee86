//! A tab that does not hold the account's connection follows the one that does: it
//! hears over the tabs' channel what changed and redraws from the shared store.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::account::{cached, cached_feed, Account, CACHED_ITEMS};
use crate::net::tabs::TabMessage;
use crate::service::feed::Feed;
use crate::service::outbox::{EntryState, OutboxEntry};
use crate::state::PendingWrite;
use crate::store::Store;
use crate::xmpp::CloseReason;

impl Account {
    /// What this tab does when another tab of the same account speaks.
    pub(super) fn heard(&self, message: TabMessage) {
        let state = self.state();
        let (store, jid) = (self.inner.store.clone(), self.inner.jid.clone());
        match (message, self.connection()) {
            // A follower changed the shared outbox: the tab holding the connection sends
            // what it wrote, drops what it discarded and retries what it asked to retry.
            // What is Pending then comes from the client.
            (TabMessage::Outbox, Some(leader)) => spawn_local(async move {
                let Ok(records) = store.outbox(jid.as_str()).await else {
                    return;
                };
                let held: Vec<(String, bool)> = leader.with_client(|client| {
                    let entries = client.outbox().entries().iter();
                    entries
                        .map(|e| (e.id.clone(), matches!(e.state, EntryState::Failed(_))))
                        .collect()
                });
                for (id, failed) in held {
                    match records.iter().find(|r| r.id == id) {
                        None => leader.discard(&id),
                        Some(r) if failed && r.failed.is_none() => leader.retry(&id, None),
                        Some(_) => {}
                    }
                }
                for record in records.iter().filter(|r| r.failed.is_none()) {
                    if let Some(entry) = OutboxEntry::from_record(record) {
                        leader.submit(entry);
                    }
                }
            }),
            (TabMessage::StatusAsked, Some(_)) => self.inner.channel.post(&TabMessage::Status {
                status: state.status.get_untracked(),
            }),
            (TabMessage::Outbox | TabMessage::Roster, None) => {
                let account = self.clone();
                spawn_local(async move {
                    let (roster, outbox) = cached(&store, &jid).await;
                    state.pending.set(PendingWrite::all_from(&outbox));
                    state.set_roster(&roster);
                    // The feed draws the Pending marks: redraw it with them.
                    account.with_feed(|_, _| {});
                })
            }
            (TabMessage::Posts, None) => self.reload_feed(),
            (TabMessage::People, None) => self.reload_people(),
            (TabMessage::SignOut, _) => {
                self.inner.app.leave(false);
                state.closed(&CloseReason::Requested);
            }
            (TabMessage::Status { status }, None) => state.status.set(status),
            _ => {}
        }
    }

    /// A follower redraws from the store; reloads asked for while one runs become one
    /// more.
    fn reload_feed(&self) {
        let reload = &self.inner.sync.reload;
        let (running, _) = reload.get();
        if running {
            reload.set((true, true));
            return;
        }
        reload.set((true, false));
        let weak = self.downgrade();
        spawn_local(async move {
            loop {
                // Signed out meanwhile: nothing to redraw.
                let Some(account) = Account::upgrade(&weak) else {
                    return;
                };
                let (store, jid) = (account.inner.store.clone(), account.inner.jid.clone());
                let (records, cursors) = cached_feed(&store, &jid, CACHED_ITEMS).await;
                let feed = Feed::restore(jid, &records, &cursors);
                if account.is_signed_in() {
                    account.state().show_feed(&feed);
                }
                *account.inner.feed.borrow_mut() = feed;
                let reload = &account.inner.sync.reload;
                if !reload.get().1 {
                    reload.set((false, false));
                    return;
                }
                reload.set((true, false));
            }
        });
    }
}
