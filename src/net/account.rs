//! The signed-in account, end to end: the device store (opened once), the warm start
//! from it, the connection — held by one tab per account (see [`super::tabs`]) — and
//! every change persisted before the other tabs hear of it.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use xmpp_parsers::jid::BareJid;

use super::endpoint::{load_config, websocket_url};
use super::socket::{now, Connection, Sinks};
use super::tabs::{TabChannel, TabLock};
use crate::config::account_jid;
use crate::service::feed::{Feed, FeedChange, ItemKey, CURSOR_KEY};
use crate::service::outbox::{EntryState, Outbox, OutboxEntry};
use crate::service::roster::{Roster, RosterChange, RosterEdit};
use crate::service::{Client, Update};
use crate::state::{AppState, ConnectionStatus, PendingWrite};
use crate::store::device::{open_device_store, DeviceStore};
use crate::store::{
    AccountRecord, CursorRecord, OutboxRecord, PostRecord, RememberedKeys, Store, StoreError,
};
use crate::xmpp::{CloseReason, ScramHash, ScramKeys, Secret, SessionConfig};

/// The IndexedDB database's name.
const DATABASE: &str = "kith";
/// Cursor keeping the WebSocket URL last used, so a warm start needs no discovery.
const ENDPOINT: &str = "websocket-url";
/// How many cached items (posts, comments, likes) a start reads back.
const CACHED_ITEMS: usize = 3_000;
/// The newest items (posts, comments, likes) restored before the first paint: more than
/// a screenful of posts, few enough to read and restore in a few milliseconds.
const FIRST_CACHED_ITEMS: usize = 100;

thread_local! {
    static STORE: RefCell<Option<Rc<DeviceStore>>> = const { RefCell::new(None) };
    static LIVE: RefCell<Option<Live>> = const { RefCell::new(None) };
}

/// The account this tab shows.
struct Live {
    jid: BareJid,
    /// Set once this tab holds the account's lock and has connected.
    connection: Rc<RefCell<Option<Connection>>>,
    /// The feed as the store has it, shown while this tab has no connection (before it
    /// connects, or while another tab holds it).
    feed: Rc<RefCell<Feed>>,
    lock: TabLock,
    channel: Rc<TabChannel>,
}

/// The device store, opened on first use. A browser that refuses storage gets a memory
/// store and the app says so once.
async fn store(state: AppState) -> Rc<DeviceStore> {
    if let Some(store) = STORE.with(|s| s.borrow().clone()) {
        return store;
    }
    let (store, trouble) = open_device_store(DATABASE).await;
    // Another caller may have opened it meanwhile; keep the first.
    if let Some(store) = STORE.with(|s| s.borrow().clone()) {
        return store;
    }
    if let Some(trouble) = trouble {
        state.notice.set(Some(trouble.describe()));
    }
    store.on_version_change(move || {
        state.notice.set(Some(
            "A newer Kith opened in another tab. Reload this tab to keep using it.".into(),
        ))
    });
    let store = Rc::new(store);
    STORE.with(|s| *s.borrow_mut() = Some(store.clone()));
    store
}

/// A failed write is not a failed action: the app keeps the change in memory and says
/// that this device may forget it.
fn storage_trouble(state: AppState, result: Result<(), StoreError>) {
    if let Err(e) = result {
        state.notice.set(Some(e.describe()));
    }
}

/// At page load: if this device remembers an account, show its cached world at once and
/// connect in the background. Otherwise the sign-in screen stays.
pub async fn boot(state: AppState) {
    let store = store(state).await;
    let Ok(Some(record)) = store.last_account().await else {
        return;
    };
    let (Some(keys), Ok(jid)) = (
        record.keys.as_ref().and_then(keys_from_record),
        BareJid::new(&record.jid),
    ) else {
        return;
    };
    let (roster, outbox) = cached(&store, &jid).await;
    state.show_cached(
        jid.as_str(),
        &roster,
        outbox.iter().map(PendingWrite::from_record).collect(),
    );
    state.status.set(ConnectionStatus::Offline);
    // The newest page first, so the first screenful does not wait for the whole cache;
    // the rest joins after that paint.
    let (records, cursors) = cached_feed(&store, &jid, FIRST_CACHED_ITEMS).await;
    let feed = Feed::restore_newest(jid.clone(), &records, &cursors);
    state.show_feed(&feed);
    if records.len() == FIRST_CACHED_ITEMS {
        let (store, jid) = (store.clone(), jid.clone());
        after_paint(async move {
            let records = store
                .posts(jid.as_str(), CACHED_ITEMS)
                .await
                .unwrap_or_default();
            with_feed(state, move |feed, connection| {
                // Signed out (and maybe in as someone else) meanwhile.
                if feed.account() != &jid {
                    return;
                }
                feed.absorb(&records);
                if let Some(c) = connection {
                    c.act(move |client, _| client.absorb_cached(&records));
                    c.with_client(|client| state.show_feed(client.feed()));
                }
            });
        });
    }
    let url = match store.cursor(jid.as_str(), ENDPOINT).await {
        Ok(Some(url)) => url,
        _ => match endpoint(jid.domain().as_str()).await {
            Ok(url) => url,
            Err(message) => {
                state.alert.set(Some(message));
                return;
            }
        },
    };
    start(
        state,
        store,
        jid,
        Secret::Keys(keys),
        true,
        (roster, outbox, feed),
        url,
    );
}

async fn endpoint(domain: &str) -> Result<String, String> {
    let config = load_config().await?;
    websocket_url(&config, domain).await
}

async fn cached(store: &DeviceStore, jid: &BareJid) -> (Roster, Vec<OutboxRecord>) {
    let roster = store.roster(jid.as_str()).await.unwrap_or_default();
    let outbox = store.outbox(jid.as_str()).await.unwrap_or_default();
    (Roster::restore(&roster), outbox)
}

/// The feed as this device cached it, newest first: posts, comments, likes (at most
/// `limit`) and sync positions.
async fn cached_feed(
    store: &DeviceStore,
    jid: &BareJid,
    limit: usize,
) -> (Vec<PostRecord>, Vec<CursorRecord>) {
    let records = store.posts(jid.as_str(), limit).await.unwrap_or_default();
    let cursor = store.cursor(jid.as_str(), CURSOR_KEY).await.ok().flatten();
    let cursors: Vec<CursorRecord> = cursor
        .map(|value| CursorRecord {
            account: jid.to_string(),
            key: CURSOR_KEY.into(),
            value,
        })
        .into_iter()
        .collect();
    (records, cursors)
}

/// Signs in with what was typed. A Jabber ID that cannot be one comes back as `Err`, a
/// sentence for beside the field, before anything goes on the wire; every later problem
/// reaches the state's alert. `remember` keeps SCRAM keys (never the password) so that
/// a reload signs in by itself.
pub async fn sign_in(
    state: AppState,
    typed_jid: &str,
    password: String,
    remember: bool,
) -> Result<(), String> {
    let config = match load_config().await {
        Ok(c) => c,
        Err(message) => {
            state.failed(message);
            return Ok(());
        }
    };
    // The host's default domain lets people type only their name.
    let jid = account_jid(typed_jid, config.default_domain.as_deref())?;
    leave(false);
    state.connecting();
    let url = match websocket_url(&config, jid.domain().as_ref()).await {
        Ok(url) => url,
        Err(message) => {
            state.failed(message);
            return Ok(());
        }
    };
    let store = store(state).await;
    // Whatever this device cached for the account: its roster version spares a refetch,
    // its outbox goes out once online.
    let (roster, outbox) = cached(&store, &jid).await;
    state
        .pending
        .set(outbox.iter().map(PendingWrite::from_record).collect());
    let (records, cursors) = cached_feed(&store, &jid, CACHED_ITEMS).await;
    let feed = Feed::restore(jid.clone(), &records, &cursors);
    start(
        state,
        store,
        jid,
        Secret::Password(password),
        remember,
        (roster, outbox, feed),
        url,
    );
    Ok(())
}

/// Connects once this tab holds the account's lock; until then it follows the tab that
/// does. `warm`: the cached world is already on screen, so a first failure to connect
/// is retried rather than sending the person back to the sign-in screen.
fn start(
    state: AppState,
    store: Rc<DeviceStore>,
    jid: BareJid,
    secret: Secret,
    remember: bool,
    (roster, outbox, feed): (Roster, Vec<OutboxRecord>, Feed),
    url: String,
) {
    let warm = matches!(secret, Secret::Keys(_));
    let connection: Rc<RefCell<Option<Connection>>> = Rc::new(RefCell::new(None));
    let view = Rc::new(RefCell::new(feed));
    let channel = Rc::new(TabChannel::open(
        &format!("kith:{jid}"),
        heard(
            state,
            store.clone(),
            jid.clone(),
            connection.clone(),
            view.clone(),
        ),
    ));
    let acquired = {
        let (store, jid, connection, channel, view) = (
            store.clone(),
            jid.clone(),
            connection.clone(),
            channel.clone(),
            view.clone(),
        );
        move || {
            state.elsewhere.set(false);
            let entries = outbox.iter().map(entry_from_record).collect();
            let client = Client::restore(
                SessionConfig::with_secret(jid.clone(), secret),
                roster,
                Outbox::restore(entries),
                view.borrow().clone(),
            );
            let sinks = sinks(
                state,
                store,
                jid,
                remember,
                url.clone(),
                channel,
                connection.clone(),
            );
            *connection.borrow_mut() = Some(Connection::open(&url, client, sinks, warm));
        }
    };
    let waiting = {
        let channel = channel.clone();
        move || {
            state.elsewhere.set(true);
            channel.post("status?");
        }
    };
    let lock = TabLock::acquire(&format!("kith:{jid}"), acquired, waiting);
    LIVE.with(|l| {
        *l.borrow_mut() = Some(Live {
            jid,
            connection,
            feed: view,
            lock,
            channel,
        })
    });
}

fn entry_from_record(record: &OutboxRecord) -> OutboxEntry {
    OutboxEntry {
        id: record.id.clone(),
        queue: record.queue.clone(),
        payload: record.payload.clone(),
        state: match &record.failed {
            Some(reason) => EntryState::Failed(reason.clone()),
            None => EntryState::Pending,
        },
    }
}

/// What the connection's changes do: persist first, then show, then tell other tabs.
fn sinks(
    state: AppState,
    store: Rc<DeviceStore>,
    jid: BareJid,
    remember: bool,
    url: String,
    channel: Rc<TabChannel>,
    connection: Rc<RefCell<Option<Connection>>>,
) -> Sinks {
    let update = {
        let channel = channel.clone();
        move |client: &Client, update: Update| {
            persist(
                state, &store, &jid, remember, &url, client, &update, &channel,
            );
            if let Update::Online(_) | Update::Resumed | Update::Disconnected = update {
                let status = match update {
                    Update::Disconnected => ConnectionStatus::Connecting,
                    _ => ConnectionStatus::Online,
                };
                channel.post(&format!("status:{}", status.label()));
            }
            state.apply(client, update);
        }
    };
    Sinks {
        update: Box::new(update),
        failure: Box::new(move |message| {
            channel.post("status:Offline");
            state.failed(message)
        }),
        retry: Box::new(move |at| state.retry_at.set(at)),
        settled: Box::new(redraw_soon(state, connection)),
    }
}

/// Runs `task` once the browser has painted: a requestAnimationFrame callback runs just
/// before the paint, and a timer set from it just after.
fn after_paint(task: impl std::future::Future<Output = ()> + 'static) {
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

/// The feed redrawn at most once a frame: a sync answers in dozens of frames a second,
/// and each redraw walks the whole timeline.
fn redraw_soon(
    state: AppState,
    connection: Rc<RefCell<Option<Connection>>>,
) -> impl Fn(&Client) + 'static {
    const FRAME_MS: i32 = 16;
    let scheduled = Rc::new(std::cell::Cell::new(false));
    move |_: &Client| {
        if scheduled.replace(true) {
            return;
        }
        let (connection, scheduled) = (connection.clone(), scheduled.clone());
        let run = wasm_bindgen::closure::Closure::once_into_js(move || {
            scheduled.set(false);
            let connection = connection.borrow().clone();
            if let Some(c) = connection {
                c.with_client(|client| state.show_feed(client.feed()));
            }
        });
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                wasm_bindgen::JsCast::unchecked_ref(&run),
                FRAME_MS,
            );
        }
    }
}

/// Writes what `update` changed to the device store; other tabs hear once it is there.
#[allow(clippy::too_many_arguments)]
fn persist(
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
                channel.post("roster");
            });
        }
        Update::Delivered(id) => {
            let id = id.clone();
            spawn_local(async move {
                storage_trouble(state, store.delete_outbox(&account, &id).await);
                channel.post("outbox");
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
                channel.post("outbox");
            });
        }
        Update::Answer { id, outcome } => super::query::answered(id, outcome.clone()),
        Update::Feed(change) => {
            let feed = client.feed();
            let ops: Vec<PostOp> = match change {
                FeedChange::Upserted(key) => {
                    feed.record(key).map(PostOp::Put).into_iter().collect()
                }
                // Comments and likes are kept with the post; ones retracted while we
                // were away stay in the cache until the post goes.
                FeedChange::CommentsChanged(post) => feed
                    .comments(post)
                    .iter()
                    .filter_map(|c| feed.record(&c.key))
                    .map(PostOp::Put)
                    .collect(),
                FeedChange::Retracted(key) => vec![PostOp::Delete(
                    key.service.clone(),
                    key.node.clone(),
                    key.id.clone(),
                )],
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
                FeedChange::Progress => return,
            };
            queue_post_ops(state, store, account, channel, ops);
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
    /// A follower's reload of the feed from the store: running, and asked again since.
    static RELOAD: std::cell::Cell<(bool, bool)> = const { std::cell::Cell::new((false, false)) };
}

/// Write-behind for the feed cache: a sync burst of hundreds of posts becomes a few
/// transactions (consecutive puts together), in order, and other tabs hear once.
fn queue_post_ops(
    state: AppState,
    store: Rc<DeviceStore>,
    account: String,
    channel: Rc<TabChannel>,
    ops: Vec<PostOp>,
) {
    let start = POST_OPS.with(|q| {
        let mut q = q.borrow_mut();
        q.0.extend(ops);
        let start = !q.1 && !q.0.is_empty();
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
            if !puts.is_empty() {
                storage_trouble(state, store.put_posts(&puts).await);
            }
        }
        POST_OPS.with(|q| q.borrow_mut().1 = false);
        channel.post("posts");
    });
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
fn heard(
    state: AppState,
    store: Rc<DeviceStore>,
    jid: BareJid,
    connection: Rc<RefCell<Option<Connection>>>,
    view: Rc<RefCell<Feed>>,
) -> impl Fn(String) + 'static {
    move |message: String| {
        let leader = connection.borrow().clone();
        match (message.as_str(), leader) {
            // A follower wrote to the shared outbox: the tab holding the connection sends.
            ("outbox", Some(leader)) => {
                let (store, jid) = (store.clone(), jid.clone());
                spawn_local(async move {
                    let Ok(records) = store.outbox(jid.as_str()).await else {
                        return;
                    };
                    for record in records.iter().filter(|r| r.failed.is_none()) {
                        leader.submit(entry_from_record(record));
                    }
                    state.set_pending(records.iter().map(PendingWrite::from_record).collect());
                });
            }
            ("status?", Some(_)) => {
                let label = state.status.get_untracked().label();
                if let Some(live) = LIVE.with(|l| l.borrow().as_ref().map(|l| l.channel.clone())) {
                    live.post(&format!("status:{label}"));
                }
            }
            ("outbox", None) | ("roster", None) => {
                let (store, jid) = (store.clone(), jid.clone());
                spawn_local(async move {
                    let (roster, outbox) = cached(&store, &jid).await;
                    state
                        .pending
                        .set(outbox.iter().map(PendingWrite::from_record).collect());
                    state.set_roster(&roster);
                });
            }
            ("posts", None) => reload_feed(state, store.clone(), jid.clone(), view.clone()),
            ("signout", _) => {
                leave(false);
                state.closed(&CloseReason::Requested);
            }
            (status, None) if status.starts_with("status:") => {
                state.status.set(match &status["status:".len()..] {
                    "Online" => ConnectionStatus::Online,
                    "Connecting" => ConnectionStatus::Connecting,
                    _ => ConnectionStatus::Offline,
                });
            }
            _ => {}
        }
    }
}

/// Stores a roster change in the outbox, durably, then hands it to whichever tab holds
/// the connection. Shown as **Pending** until the server confirms.
pub async fn edit_roster(state: AppState, edit: RosterEdit) {
    let Some(jid) = account() else {
        return;
    };
    let id = fresh_id();
    let record = OutboxRecord {
        account: jid.to_string(),
        id: id.clone(),
        queue: "roster".into(),
        seq: now().0 as f64,
        kind: "roster".into(),
        target: edit.jid().to_string(),
        payload: String::from(&minidom::Element::from(edit.to_iq(&id))),
        failed: None,
    };
    write(state, vec![record]).await;
}

/// The signed-in account of this tab.
pub(super) fn account() -> Option<BareJid> {
    LIVE.with(|l| l.borrow().as_ref().map(|l| l.jid.clone()))
}

/// This tab's connection, if it holds it.
pub(super) fn connection() -> Option<Connection> {
    LIVE.with(|l| {
        l.borrow()
            .as_ref()
            .and_then(|l| l.connection.borrow().clone())
    })
}

/// Runs `change` on the feed this tab shows: the connection's when it holds it (which
/// redraws by itself), else the store's copy, redrawn here.
pub(super) fn with_feed(state: AppState, change: impl FnOnce(&mut Feed, Option<&Connection>)) {
    let Some((connection, view)) = LIVE.with(|l| {
        l.borrow()
            .as_ref()
            .map(|l| (l.connection.borrow().clone(), l.feed.clone()))
    }) else {
        return;
    };
    match connection {
        Some(connection) => change(&mut view.borrow_mut(), Some(&connection)),
        None => {
            change(&mut view.borrow_mut(), None);
            state.show_feed(&view.borrow());
        }
    }
}

/// Stores writes in the outbox, durably and in order, marks them **Pending**, then hands
/// them to whichever tab holds the connection.
pub(super) async fn write(state: AppState, records: Vec<OutboxRecord>) {
    let Some(channel) = LIVE.with(|l| l.borrow().as_ref().map(|l| l.channel.clone())) else {
        return;
    };
    let mut pending = state.pending.get_untracked();
    pending.extend(records.iter().map(PendingWrite::from_record));
    state.set_pending(pending);
    let store = store(state).await;
    for record in &records {
        storage_trouble(state, store.put_outbox(record).await);
    }
    match connection() {
        Some(connection) => {
            for record in &records {
                connection.submit(entry_from_record(record));
            }
        }
        None => channel.post("outbox"),
    }
}

/// A fresh outbox record for the account; `seq` keeps writing order within a burst.
pub(super) fn record(
    kind: &str,
    queue: &str,
    id: String,
    target: &str,
    payload: String,
) -> OutboxRecord {
    thread_local! {
        static LAST: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    }
    let seq = LAST.with(|last| {
        let seq = (now().0 as f64).max(last.get() + 1.0);
        last.set(seq);
        seq
    });
    OutboxRecord {
        account: account().map(|j| j.to_string()).unwrap_or_default(),
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
pub async fn settle_refused(state: AppState, id: String, retry: bool) {
    let Some((jid, connection, channel)) = LIVE.with(|l| {
        l.borrow().as_ref().map(|l| {
            (
                l.jid.clone(),
                l.connection.borrow().clone(),
                l.channel.clone(),
            )
        })
    }) else {
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
            None => channel.post("outbox"),
        }
    } else {
        storage_trouble(state, store.delete_outbox(jid.as_str(), &id).await);
        pending.retain(|w| w.id != id);
        if let Some(c) = &connection {
            c.discard(&id);
        }
        // A new post that will never exist leaves the timeline (and the cache) too.
        if record.kind == "post" && !pending.iter().any(|w| w.target == record.target) {
            let key = ItemKey::post(&jid, &record.target);
            let result = store
                .delete_post(jid.as_str(), &key.service, &key.node, &key.id)
                .await;
            storage_trouble(state, result);
            with_feed(state, move |feed, connection| match connection {
                Some(c) => c.act(move |client, now| client.apply_local_retract(now, &key)),
                None => feed.apply_local_retract(&key),
            });
        }
        channel.post("outbox");
        channel.post("posts");
    }
    state.set_pending(pending);
}

/// Signs out. `wipe` deletes everything this device keeps for the account; otherwise
/// the cache stays (for a faster next sign-in) but the remembered keys go, so the next
/// visit asks for the password.
pub async fn sign_out(state: AppState, wipe: bool) {
    let jid = LIVE.with(|l| l.borrow().as_ref().map(|l| l.jid.to_string()));
    leave(true);
    state.closed(&CloseReason::Requested);
    let (Some(jid), Some(store)) = (jid, STORE.with(|s| s.borrow().clone())) else {
        return;
    };
    let result = if wipe {
        store.wipe_account(&jid).await
    } else {
        match store.last_account().await {
            Ok(Some(mut record)) if record.jid == jid => {
                record.keys = None;
                store.put_account(&record).await
            }
            other => other.map(|_| ()),
        }
    };
    storage_trouble(state, result);
}

/// Ends this tab's part: closes the connection (if it held it), lets the lock go and,
/// when `tell` is set, makes the other tabs of the account sign out too.
fn leave(tell: bool) {
    let Some(live) = LIVE.with(|l| l.borrow_mut().take()) else {
        return;
    };
    if let Some(connection) = live.connection.borrow_mut().take() {
        connection.close();
    }
    if tell {
        live.channel.post("signout");
    }
    live.lock.release();
    live.channel.close();
}

fn keys_to_record(keys: &ScramKeys) -> RememberedKeys {
    use base64::{engine::general_purpose::STANDARD, Engine};
    RememberedKeys {
        mechanism: keys.hash.mechanism().into(),
        salt: STANDARD.encode(&keys.salt),
        iterations: keys.iterations,
        client_key: STANDARD.encode(&keys.client_key),
        server_key: STANDARD.encode(&keys.server_key),
    }
}

fn keys_from_record(record: &RememberedKeys) -> Option<ScramKeys> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    Some(ScramKeys {
        hash: ScramHash::PREFERENCE
            .into_iter()
            .find(|h| h.mechanism() == record.mechanism)?,
        salt: STANDARD.decode(&record.salt).ok()?,
        iterations: record.iterations,
        client_key: STANDARD.decode(&record.client_key).ok()?,
        server_key: STANDARD.decode(&record.server_key).ok()?,
    })
}

/// A client-chosen id: random, so two tabs or devices never pick the same.
pub(super) fn fresh_id() -> String {
    let mut bytes = [0u8; 12];
    // The browser always has crypto.getRandomValues; without it ids would collide.
    getrandom::getrandom(&mut bytes).expect("the browser's crypto.getRandomValues");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
