//! The signed-in account: the device store (opened once), the warm start from it, sign
//! in and out, and the connection — held by one tab per account (see [`super::tabs`]);
//! the other tabs follow it ([`super::follow`]). What the connection changes is stored
//! by [`super::persist`]; what the person writes goes through [`super::outbox`].

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use xmpp_parsers::jid::BareJid;

use super::endpoint::{load_config, websocket_url};
use super::follow::heard;
use super::persist::{after_paint, persist, storage_trouble};
use super::socket::{Connection, Sinks};
use super::tabs::{TabChannel, TabLock, TabMessage};
use crate::config::account_jid;
use crate::service::feed::{Feed, CURSOR_KEY};
use crate::service::outbox::{Outbox, OutboxEntry};
use crate::service::roster::Roster;
use crate::service::{Client, Update};
use crate::state::{AppState, ConnectionStatus, PendingWrite};
use crate::store::device::{open_device_store, DeviceStore};
use crate::store::{CursorRecord, OutboxRecord, PostRecord, RememberedKeys, Store};
use crate::xmpp::endpoint::check_websocket_uri;
use crate::xmpp::{CloseReason, ScramHash, ScramKeys, Secret, SessionConfig};

/// The IndexedDB database's name.
const DATABASE: &str = "kith";
/// Cursor keeping the WebSocket URL last used, so a warm start needs no discovery.
pub(super) const ENDPOINT: &str = "websocket-url";
/// How many cached items (posts, comments, likes) a start reads back.
pub(super) const CACHED_ITEMS: usize = 3_000;
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
pub(super) async fn store(state: AppState) -> Rc<DeviceStore> {
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
        outbox
            .iter()
            .filter_map(PendingWrite::from_record)
            .collect(),
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
    // A stored endpoint Kith would no longer open (from before the ws: rule) is looked
    // up again like a missing one.
    let stored = store.cursor(jid.as_str(), ENDPOINT).await.ok().flatten();
    let url = match stored.filter(|url| check_websocket_uri(url).is_ok()) {
        Some(url) => url,
        None => match endpoint(jid.domain().as_str()).await {
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

pub(super) async fn cached(store: &DeviceStore, jid: &BareJid) -> (Roster, Vec<OutboxRecord>) {
    let roster = store.roster(jid.as_str()).await.unwrap_or_default();
    let outbox = store.outbox(jid.as_str()).await.unwrap_or_default();
    (Roster::restore(&roster), outbox)
}

/// The feed as this device cached it, newest first: posts, comments, likes (at most
/// `limit`) and sync positions.
pub(super) async fn cached_feed(
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
    state.pending.set(
        outbox
            .iter()
            .filter_map(PendingWrite::from_record)
            .collect(),
    );
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
    state
        .endpoint
        .set(Some((jid.domain().to_string(), url.clone())));
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
            let entries = outbox.iter().filter_map(OutboxEntry::from_record).collect();
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
                Rc::new(RefCell::new(url.clone())),
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
            channel.post(&TabMessage::StatusAsked);
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

/// What the connection's changes do: persist first, then show, then tell other tabs.
fn sinks(
    state: AppState,
    store: Rc<DeviceStore>,
    jid: BareJid,
    remember: bool,
    url: Rc<RefCell<String>>,
    channel: Rc<TabChannel>,
    connection: Rc<RefCell<Option<Connection>>>,
) -> Sinks {
    let endpoint_failed = {
        let (connection, url, domain) = (connection.clone(), url.clone(), jid.domain().to_string());
        move |failed: String| {
            let (connection, url, domain) = (connection.clone(), url.clone(), domain.clone());
            spawn_local(async move {
                // A network failure here leaves the old endpoint in place.
                let Ok(found) = endpoint(&domain).await else {
                    return;
                };
                if found == failed {
                    return;
                }
                *url.borrow_mut() = found.clone();
                state.endpoint.set(Some((domain, found.clone())));
                if let Some(c) = connection.borrow().as_ref() {
                    c.set_endpoint(&found);
                }
            });
        }
    };
    let update = {
        let channel = channel.clone();
        move |client: &Client, update: Update| {
            let url = url.borrow().clone();
            persist(
                state, &store, &jid, remember, &url, client, &update, &channel,
            );
            if let Update::Online(_) | Update::Resumed | Update::Disconnected = update {
                let status = match update {
                    Update::Disconnected => ConnectionStatus::Connecting,
                    _ => ConnectionStatus::Online,
                };
                channel.post(&TabMessage::Status { status });
            }
            state.apply(client, update);
        }
    };
    Sinks {
        update: Box::new(update),
        failure: Box::new(move |message| {
            channel.post(&TabMessage::Status {
                status: ConnectionStatus::Offline,
            });
            state.failed(message)
        }),
        retry: Box::new(move |at| state.retry_at.set(at)),
        settled: Box::new(redraw_soon(state, connection)),
        endpoint_failed: Box::new(endpoint_failed),
    }
}

/// The feed redrawn at most once a frame (every 100 ms while a sync runs): a sync
/// answers in dozens of frames a second, and each redraw walks the whole timeline.
fn redraw_soon(
    state: AppState,
    connection: Rc<RefCell<Option<Connection>>>,
) -> impl Fn(&Client) + 'static {
    const FRAME_MS: f64 = 16.0;
    // While a sync pours in pages, each redraw walks the whole timeline: a few a second
    // show the progress as well as sixty would, and leave the time to the sync.
    const SYNC_MS: f64 = 100.0;
    let scheduled = Rc::new(std::cell::Cell::new(false));
    let last = Rc::new(std::cell::Cell::new(f64::NEG_INFINITY));
    move |client: &Client| {
        if scheduled.replace(true) {
            return;
        }
        let wait = if client.feed().progress().is_some() {
            (last.get() + SYNC_MS - js_sys::Date::now()).clamp(FRAME_MS, SYNC_MS)
        } else {
            FRAME_MS
        };
        let (connection, scheduled, last) = (connection.clone(), scheduled.clone(), last.clone());
        let run = wasm_bindgen::closure::Closure::once_into_js(move || {
            scheduled.set(false);
            last.set(js_sys::Date::now());
            let connection = connection.borrow().clone();
            if let Some(c) = connection {
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

/// The channel to the account's other tabs.
pub(super) fn channel() -> Option<Rc<TabChannel>> {
    LIVE.with(|l| l.borrow().as_ref().map(|l| l.channel.clone()))
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
        state.images.forget_upload_hosts(&jid);
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
pub(super) fn leave(tell: bool) {
    let Some(live) = LIVE.with(|l| l.borrow_mut().take()) else {
        return;
    };
    if let Some(connection) = live.connection.borrow_mut().take() {
        connection.close();
    }
    if tell {
        live.channel.post(&TabMessage::SignOut);
    }
    live.lock.release();
    live.channel.close();
}

pub(super) fn keys_to_record(keys: &ScramKeys) -> RememberedKeys {
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
