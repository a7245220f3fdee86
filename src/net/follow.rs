//! A tab that does not hold the account's connection follows the one that does: it
//! hears over the tabs' channel what changed and redraws from the shared store.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use xmpp_parsers::jid::BareJid;

use super::account::{cached, cached_feed, channel, leave, CACHED_ITEMS};
use super::socket::Connection;
use super::tabs::TabMessage;
use crate::service::feed::Feed;
use crate::service::outbox::OutboxEntry;
use crate::state::{AppState, PendingWrite};
use crate::store::device::DeviceStore;
use crate::store::Store;
use crate::xmpp::CloseReason;

thread_local! {
    /// A follower's reload of the feed from the store: running, and asked again since.
    static RELOAD: std::cell::Cell<(bool, bool)> = const { std::cell::Cell::new((false, false)) };
}

/// A follower redraws from the store; reloads asked for while one runs become one more.
fn reload_feed(state: AppState, store: Rc<DeviceStore>, jid: BareJid, view: Rc<RefCell<Feed>>) {
    let (running, _) = RELOAD.get();
    if running {
        RELOAD.set((true, true));
        return;
    }
    RELOAD.set((true, false));
    spawn_local(async move {
        loop {
            let (records, cursors) = cached_feed(&store, &jid, CACHED_ITEMS).await;
            let feed = Feed::restore(jid.clone(), &records, &cursors);
            state.show_feed(&feed);
            *view.borrow_mut() = feed;
            let (_, again) = RELOAD.get();
            if !again {
                break;
            }
            RELOAD.set((true, false));
        }
        RELOAD.set((false, false));
    });
}

/// What this tab does when another tab of the same account speaks.
pub(super) fn heard(
    state: AppState,
    store: Rc<DeviceStore>,
    jid: BareJid,
    connection: Rc<RefCell<Option<Connection>>>,
    view: Rc<RefCell<Feed>>,
) -> impl Fn(TabMessage) + 'static {
    move |message: TabMessage| {
        let leader = connection.borrow().clone();
        match (message, leader) {
            // A follower wrote to the shared outbox: the tab holding the connection sends.
            (TabMessage::Outbox, Some(leader)) => {
                let (store, jid) = (store.clone(), jid.clone());
                spawn_local(async move {
                    let Ok(records) = store.outbox(jid.as_str()).await else {
                        return;
                    };
                    for record in records.iter().filter(|r| r.failed.is_none()) {
                        if let Some(entry) = OutboxEntry::from_record(record) {
                            leader.submit(entry);
                        }
                    }
                    state.set_pending(
                        records
                            .iter()
                            .filter_map(PendingWrite::from_record)
                            .collect(),
                    );
                });
            }
            (TabMessage::StatusAsked, Some(_)) => {
                if let Some(live) = channel() {
                    live.post(&TabMessage::Status {
                        status: state.status.get_untracked(),
                    });
                }
            }
            (TabMessage::Outbox | TabMessage::Roster, None) => {
                let (store, jid) = (store.clone(), jid.clone());
                spawn_local(async move {
                    let (roster, outbox) = cached(&store, &jid).await;
                    state.pending.set(
                        outbox
                            .iter()
                            .filter_map(PendingWrite::from_record)
                            .collect(),
                    );
                    state.set_roster(&roster);
                });
            }
            (TabMessage::Posts, None) => {
                reload_feed(state, store.clone(), jid.clone(), view.clone())
            }
            (TabMessage::SignOut, _) => {
                leave(false);
                state.closed(&CloseReason::Requested);
            }
            (TabMessage::Status { status }, None) => state.status.set(status),
            _ => {}
        }
    }
}
