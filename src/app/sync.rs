//! `Update` → store and → state, in one place. Every change the connection's client
//! reports is written to the device store (the roster after a paint, the feed behind, in
//! batches) and shown: in the tab holding the connection the state is fed by the client
//! directly, the store written behind it; the account's other tabs hear once the store
//! has it and redraw from there ([`super::follow`]). The feed's redraws are throttled to
//! one per burst.

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::account::{keys_to_record, Account, ENDPOINT};
use crate::net::socket::now;
use crate::net::tabs::TabMessage;
use crate::service::feed::FeedChange;
use crate::service::roster::RosterChange;
use crate::service::{Client, Update};
use crate::state::{AppState, ConnectionStatus, Route};
use crate::store::{AccountRecord, CursorRecord, PostRecord, Store, StoreError};
use crate::xmpp::CloseReason;

/// What the store and the screen are behind on, per account.
#[derive(Default)]
pub(super) struct Sync {
    /// Feed writes not yet in IndexedDB, and whether a flush is under way.
    post_ops: RefCell<(Vec<PostOp>, bool)>,
    /// A feed redraw is scheduled; when the last one ran (ms since the epoch).
    redraw: (Cell<bool>, Cell<f64>),
    /// A follower's reload of the feed from the store: running, and asked again since.
    pub(super) reload: Cell<(bool, bool)>,
    /// A redraw of the chats is scheduled; with the open room's occupants.
    chats: Cell<bool>,
    occupants: Cell<bool>,
    /// People's records not yet in IndexedDB, and whether a write is scheduled.
    pub(super) people: RefCell<(Vec<crate::store::PersonRecord>, bool)>,
}

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

impl Account {
    /// One change of the client's world: stored, shown, and told to the other tabs.
    pub(super) fn on_update(&self, client: &Client, update: Update) {
        self.persist(client, &update);
        if let Update::Available | Update::Resumed | Update::Disconnected = update {
            let status = match update {
                Update::Disconnected => ConnectionStatus::Connecting,
                _ => ConnectionStatus::Online,
            };
            self.inner.channel.post(&TabMessage::Status { status });
        }
        self.state().apply(client, update);
    }

    /// Writes what `update` changed to the device store; other tabs hear once it is
    /// there.
    fn persist(&self, client: &Client, update: &Update) {
        let state = self.state();
        let jid = &self.inner.jid;
        let remember = self.inner.remember;
        let url = self.inner.url.borrow().clone();
        let account = jid.to_string();
        let store = self.inner.store.clone();
        let weak = self.downgrade();
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
                    value: url,
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
                    tell(&weak, TabMessage::Roster);
                });
            }
            Update::Delivered(id) => {
                let id = id.clone();
                spawn_local(async move {
                    storage_trouble(state, store.delete_outbox(&account, &id).await);
                    tell(&weak, TabMessage::Outbox);
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
                    tell(&weak, TabMessage::Outbox);
                });
            }
            Update::Answer { id, outcome } => self.answered(id, outcome.clone()),
            Update::Message {
                from: Some(from), ..
            } => self.notify(client, from),
            Update::MessageRecords(records) => {
                let records = records.clone();
                spawn_local(async move {
                    storage_trouble(state, store.put_messages(&records).await);
                });
            }
            Update::ReadUntil { peer, until } => self.keep_read(peer, *until),
            Update::ArchiveNewest(id) => self.keep_cursor(CursorRecord {
                account,
                key: super::chat::ARCHIVE_NEWEST.into(),
                value: id.clone(),
            }),
            Update::Person(jid) => self.person_changed(client, jid),
            Update::Avatar(avatar) => self.keep_avatar(avatar),
            Update::Conversation(_) | Update::Room(_) => self.redraw_chats_soon(),
            Update::Occupants(_) => {
                self.inner.sync.occupants.set(true);
                self.redraw_chats_soon();
            }
            Update::RoomJoined(room) => self.bookmark_joined(room.clone()),
            Update::Bookmarks => {
                self.keep_bookmarks(client.rooms().bookmarks_record());
                self.redraw_chats_soon();
            }
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
                self.queue_post_ops(ops, hold);
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
}

/// One write of the feed cache, in the order the feed changed.
enum PostOp {
    Put(PostRecord),
    Delete(String, String, String),
}

impl Account {
    /// Write-behind for the feed cache: a sync burst of hundreds of posts becomes a few
    /// transactions (consecutive puts together), in order, and other tabs hear once.
    /// `hold`: queue only (a sync runs); the next call without it writes everything.
    fn queue_post_ops(&self, ops: Vec<PostOp>, hold: bool) {
        /// Held writes beyond this go anyway (a sync that never ends must not hold them).
        const MAX_HELD: usize = 5_000;
        const PUT_BATCH: usize = 250;
        let start = {
            let mut q = self.inner.sync.post_ops.borrow_mut();
            q.0.extend(ops);
            let start = !q.1 && !q.0.is_empty() && (!hold || q.0.len() >= MAX_HELD);
            q.1 |= start;
            start
        };
        if !start {
            return;
        }
        // The flush finishes even if the account signs out meanwhile: it is the person's.
        let account = self.clone();
        spawn_local(async move {
            let (state, store) = (account.state(), account.inner.store.clone());
            let jid = account.inner.jid.to_string();
            loop {
                let ops = std::mem::take(&mut account.inner.sync.post_ops.borrow_mut().0);
                if ops.is_empty() {
                    break;
                }
                let mut puts = Vec::new();
                for op in ops {
                    match op {
                        PostOp::Put(record) => puts.push(record),
                        PostOp::Delete(service, node, id) => {
                            if !puts.is_empty() {
                                let batch = std::mem::take(&mut puts);
                                storage_trouble(state, store.put_posts(&batch).await);
                            }
                            let result = store.delete_post(&jid, &service, &node, &id).await;
                            storage_trouble(state, result);
                        }
                    }
                }
                // A sync's worth at once would be one long task (serialising MBs of
                // XML): a few hundred per transaction keep the page responsive.
                for batch in puts.chunks(PUT_BATCH) {
                    storage_trouble(state, store.put_posts(batch).await);
                }
            }
            account.inner.sync.post_ops.borrow_mut().1 = false;
            account.inner.channel.post(&TabMessage::Posts);
        });
    }

    /// The feed redrawn at most once a frame (every 100 ms while a sync runs over posts
    /// on screen, [`crate::service::feed::redraw_delay_ms`]): a sync answers in dozens of
    /// frames a second, and each redraw walks the whole timeline.
    pub(super) fn redraw_soon(&self, client: &Client) {
        let (scheduled, last) = &self.inner.sync.redraw;
        let state = self.state();
        let on_screen = state.feed.timeline.with_untracked(|t| !t.is_empty());
        let feed = client.feed();
        let wait = crate::service::feed::redraw_delay_ms(
            feed.progress().is_some(),
            on_screen,
            // Only asked until the first posts are on screen.
            !on_screen && !feed.timeline().is_empty(),
            js_sys::Date::now() - last.get(),
        );
        if wait.is_none() {
            // Even with a redraw scheduled. The one at the next frame still runs: what
            // the same burst changes after this (the pending marks of a write) shows then.
            last.set(js_sys::Date::now());
            state.show_feed(feed);
        }
        if scheduled.replace(true) {
            return;
        }
        let wait = wait.unwrap_or(16.0);
        let weak = self.downgrade();
        let run = wasm_bindgen::closure::Closure::once_into_js(move || {
            let Some(account) = Account::upgrade(&weak) else {
                return;
            };
            let (scheduled, last) = &account.inner.sync.redraw;
            scheduled.set(false);
            last.set(js_sys::Date::now());
            if let Some(c) = account.connection() {
                let state = account.state();
                c.with_client(|client| state.show_feed(client.feed()));
            }
        });
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                wasm_bindgen::JsCast::unchecked_ref(&run),
                wait as i32,
            );
        }
    }
}

impl Account {
    /// The chats redrawn once per burst: an archive catch-up brings a message a frame,
    /// and each redraw copies the open conversation. The one on screen is then read.
    fn redraw_chats_soon(&self) {
        if self.inner.sync.chats.replace(true) {
            return;
        }
        let weak = self.downgrade();
        let run = wasm_bindgen::closure::Closure::once_into_js(move || {
            let Some(account) = Account::upgrade(&weak) else {
                return;
            };
            account.inner.sync.chats.set(false);
            let Some(c) = account.connection() else {
                return;
            };
            let state = account.state();
            let open = state.route.with_untracked(|r| match r {
                Route::Chat(peer) | Route::Room(peer) => crate::proto::jid::BareJid::new(peer).ok(),
                _ => None,
            });
            let occupants = account.inner.sync.occupants.replace(false);
            c.with_client(|client| {
                state.chat.show(
                    client.chat(),
                    client.roster(),
                    client.blocklist(),
                    &state.people,
                    None,
                );
                state.rooms.show(client.rooms(), &state.chat);
                if let Some(room) = open.as_ref().filter(|_| occupants) {
                    state.rooms.show_occupants(client.rooms(), room);
                }
            });
            if let Some(peer) = open {
                account.read_conversation(&peer);
            }
        });
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                wasm_bindgen::JsCast::unchecked_ref(&run),
                30,
            );
        }
    }
}

/// Tells the account's other tabs, if the account is still signed in here.
fn tell(account: &std::rc::Weak<super::account::Inner>, message: TabMessage) {
    if let Some(account) = Account::upgrade(account) {
        account.inner.channel.post(&message);
    }
}
