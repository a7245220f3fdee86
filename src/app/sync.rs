//! The device store's side of the connection: every change the client reports is
//! written (the roster after a paint, the feed behind, in batches) before the account's
//! other tabs hear of it.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use xmpp_parsers::jid::BareJid;

use super::account::{keys_to_record, ENDPOINT};
use super::socket::now;
use super::tabs::{TabChannel, TabMessage};
use crate::service::feed::FeedChange;
use crate::service::roster::RosterChange;
use crate::service::{Client, Update};
use crate::state::AppState;
use crate::store::device::DeviceStore;
use crate::store::{AccountRecord, CursorRecord, PostRecord, Store, StoreError};
use crate::xmpp::CloseReason;

/// A failed write is not a failed action: the app keeps the change in memory and says
/// that this device may forget it.
pub(super) fn storage_trouble(state: AppState, result: Result<(), StoreError>) {
    if let Err(e) = result {
        state.notice.set(Some(e.describe()));
    }
}

/// Runs `task` once the browser has painted: a requestAnimationFrame callback runs just
/// before the paint, and a timer set from it just after.
pub(super) fn after_paint(task: impl std::future::Future<Output = ()> + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return spawn_local(task);
    };
    let later = Closure::once_into_js(move || spawn_local(task));
    let frame = Closure::once_into_js(move || {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback(later.unchecked_ref());
        }
    });
    let _ = window.request_animation_frame(frame.unchecked_ref());
}

/// Writes what `update` changed to the device store; other tabs hear once it is there.
#[allow(clippy::too_many_arguments)]
pub(super) fn persist(
    state: AppState,
    store: &Rc<DeviceStore>,
    jid: &BareJid,
    remember: bool,
    url: &str,
    client: &Client,
    update: &Update,
    channel: &Rc<TabChannel>,
) {
    let account = jid.to_string();
    let (store, channel) = (store.clone(), channel.clone());
    match update {
        Update::Online(_) => {
            let record = AccountRecord {
                jid: account.clone(),
                keys: remember
                    .then(|| client.scram_keys().map(keys_to_record))
                    .flatten(),
                last_used: now().0 as f64,
            };
            let endpoint = CursorRecord {
                account,
                key: ENDPOINT.into(),
                value: url.to_owned(),
            };
            spawn_local(async move {
                storage_trouble(state, store.put_account(&record).await);
                storage_trouble(state, store.put_cursor(&endpoint).await);
            });
        }
        Update::Roster(change) => {
            let roster = client.roster();
            let version = roster.version().map(str::to_owned);
            let write = match change {
                RosterChange::Replaced => Ok(roster.to_cache(jid)),
                RosterChange::Upserted(contact) => Err(roster
                    .get(contact)
                    .map(|c| c.to_record(jid))
                    .ok_or_else(|| contact.to_string())),
                RosterChange::Removed(contact) => Err(Err(contact.to_string())),
            };
            // A whole roster is thousands of records to serialise: after the list is
            // painted, not before (in a hidden tab, once it is shown).
            after_paint(async move {
                let result = match &write {
                    Ok(full) => store.replace_roster(&account, full).await,
                    Err(one) => {
                        let one = one.as_ref().map_err(String::as_str);
                        store
                            .update_contact(&account, version.as_deref(), one)
                            .await
                    }
                };
                storage_trouble(state, result);
                channel.post(&TabMessage::Roster);
            });
        }
        Update::Delivered(id) => {
            let id = id.clone();
            spawn_local(async move {
                storage_trouble(state, store.delete_outbox(&account, &id).await);
                channel.post(&TabMessage::Outbox);
            });
        }
        Update::Refused { id, reason } => {
            let (id, reason) = (id.clone(), reason.clone());
            spawn_local(async move {
                let Ok(entries) = store.outbox(&account).await else {
                    return;
                };
                if let Some(mut record) = entries.into_iter().find(|r| r.id == id) {
                    record.failed = Some(reason);
                    storage_trouble(state, store.put_outbox(&record).await);
                }
                channel.post(&TabMessage::Outbox);
            });
        }
        Update::Answer { id, outcome } => super::query::answered(id, outcome.clone()),
        Update::Feed(change) => {
            let feed = client.feed();
            // While a sync pours pages in, the main thread is what makes the timeline
            // appear: what the server sent is written once it is over (nothing is lost
            // if the tab closes first: the sync's cursors are stored at its end too, so
            // the next start fetches the same again). The person's own writes and all
            // removals go at once (`held` false): those a reload must not lose or bring
            // back.
            let (ops, held): (Vec<PostOp>, bool) = match change {
                FeedChange::Upserted(key) => (
                    feed.record(key).map(PostOp::Put).into_iter().collect(),
                    !feed.is_local(key),
                ),
                // Comments and likes are kept with the post; ones retracted while we
                // were away stay in the cache until the post goes.
                FeedChange::CommentsChanged(post) => {
                    let comments = feed.comments(post);
                    (
                        comments
                            .iter()
                            .filter_map(|c| feed.record(&c.key))
                            .map(PostOp::Put)
                            .collect(),
                        !comments.iter().any(|c| feed.is_local(&c.key)),
                    )
                }
                FeedChange::Retracted(key) => (
                    vec![PostOp::Delete(
                        key.service.clone(),
                        key.node.clone(),
                        key.id.clone(),
                    )],
                    false,
                ),
                FeedChange::Cursor { key, value } => {
                    let cursor = CursorRecord {
                        account,
                        key: key.clone(),
                        value: value.clone(),
                    };
                    spawn_local(async move {
                        storage_trouble(state, store.put_cursor(&cursor).await);
                    });
                    return;
                }
                // Nothing to write, but the end of a sync (no progress left) is when
                // what was held goes.
                FeedChange::Progress => (Vec::new(), true),
            };
            let hold = held && feed.progress().is_some();
            queue_post_ops(state, store, account, channel, ops, hold);
        }
        Update::Closed(reason) if !matches!(reason, CloseReason::Requested) => {
            // Remembered keys that no longer sign in must not be tried at every load.
            if matches!(reason, CloseReason::AuthFailed(_) | CloseReason::Scram(_)) {
                spawn_local(async move {
                    if let Ok(Some(mut record)) = store.last_account().await {
                        if record.jid == account {
                            record.keys = None;
                            storage_trouble(state, store.put_account(&record).await);
                        }
                    }
                });
            }
        }
        _ => {}
    }
}

/// One write of the feed cache, in the order the feed changed.
enum PostOp {
    Put(PostRecord),
    Delete(String, String, String),
}

thread_local! {
    /// Feed writes not yet in IndexedDB, and whether a flush is under way.
    static POST_OPS: RefCell<(Vec<PostOp>, bool)> = const { RefCell::new((Vec::new(), false)) };
}

/// Write-behind for the feed cache: a sync burst of hundreds of posts becomes a few
/// transactions (consecutive puts together), in order, and other tabs hear once.
/// `hold`: queue only (a sync runs); the next call without it writes everything.
fn queue_post_ops(
    state: AppState,
    store: Rc<DeviceStore>,
    account: String,
    channel: Rc<TabChannel>,
    ops: Vec<PostOp>,
    hold: bool,
) {
    /// Held writes beyond this go anyway (a sync that never ends must not hold them all).
    const MAX_HELD: usize = 5_000;
    const PUT_BATCH: usize = 250;
    let start = POST_OPS.with(|q| {
        let mut q = q.borrow_mut();
        q.0.extend(ops);
        let start = !q.1 && !q.0.is_empty() && (!hold || q.0.len() >= MAX_HELD);
        q.1 |= start;
        start
    });
    if !start {
        return;
    }
    spawn_local(async move {
        loop {
            let ops = POST_OPS.with(|q| std::mem::take(&mut q.borrow_mut().0));
            if ops.is_empty() {
                break;
            }
            let mut puts = Vec::new();
            for op in ops {
                match op {
                    PostOp::Put(record) => puts.push(record),
                    PostOp::Delete(service, node, id) => {
                        if !puts.is_empty() {
                            storage_trouble(
                                state,
                                store.put_posts(&std::mem::take(&mut puts)).await,
                            );
                        }
                        let result = store.delete_post(&account, &service, &node, &id).await;
                        storage_trouble(state, result);
                    }
                }
            }
            // A sync's worth at once would be one long task (serialising MBs of XML):
            // a few hundred per transaction keep the page responsive.
            for batch in puts.chunks(PUT_BATCH) {
                storage_trouble(state, store.put_posts(batch).await);
            }
        }
        POST_OPS.with(|q| q.borrow_mut().1 = false);
        channel.post(&TabMessage::Posts);
    });
}
