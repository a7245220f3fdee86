//! The signed-in account: one value, created at sign-in (or at a warm start from the
//! device store), dropped at sign-out. It holds the account's connection when this tab
//! holds the account's lock; otherwise it follows the tab that does ([`super::follow`]).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use crate::proto::jid::BareJid;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::sync::{after_paint, Sync};
use super::{App, UserError};
use crate::config::account_jid;
use crate::net::socket::{Connection, Sinks};
use crate::net::tabs::{TabChannel, TabLock, TabMessage};
use crate::service::feed::{Feed, ACCESS_KEY, CURSOR_KEY};
use crate::service::outbox::{Outbox, OutboxEntry};
use crate::service::roster::Roster;
use crate::service::Client;
use crate::state::{AppState, ConnectionStatus, PendingWrite};
use crate::store::device::DeviceStore;
use crate::store::{CursorRecord, OutboxRecord, PostRecord, RememberedKeys, Store};
use crate::xmpp::endpoint::check_websocket_uri;
use crate::xmpp::{CloseReason, ScramHash, ScramKeys, Secret, SessionConfig};

/// Cursor keeping the WebSocket URL last used, so a warm start needs no discovery.
pub(super) const ENDPOINT: &str = "websocket-url";
/// How many cached items (posts, comments, likes) a start reads back.
pub(super) const CACHED_ITEMS: usize = 3_000;
/// The newest items (posts, comments, likes) restored before the first paint: more than
/// a screenful of posts, few enough to read and restore in a few milliseconds.
const FIRST_CACHED_ITEMS: usize = 100;

/// The signed-in account of this tab. Cheap to clone; callbacks (the connection's, the
/// tab channel's, the lock's) hold it weakly, so it goes when the app lets it go.
#[derive(Clone)]
pub struct Account {
    pub(super) inner: Rc<Inner>,
}

pub(super) struct Inner {
    pub(super) jid: BareJid,
    /// The app this account lives in (its state, its device store and config).
    pub(super) app: App,
    pub(super) store: Rc<DeviceStore>,
    /// Keep SCRAM keys (never the password) so that a reload signs in by itself.
    pub(super) remember: bool,
    /// The endpoint: where every connection of this account goes.
    pub(super) url: RefCell<String>,
    /// Set once this tab holds the account's lock and has connected.
    pub(super) connection: RefCell<Option<Connection>>,
    /// The feed as the store has it, shown while this tab has no connection (before it
    /// connects, or while another tab holds it).
    pub(super) feed: RefCell<Feed>,
    pub(super) channel: TabChannel,
    lock: RefCell<Option<TabLock>>,
    /// The last outbox `seq` given, so a burst of writes keeps its order.
    pub(super) last_seq: Cell<f64>,
    /// The upload service found for this account (see [`super::upload`]).
    pub(super) upload: RefCell<Option<super::upload::Found>>,
    /// Queries awaiting their answer (see [`super::query`]).
    pub(super) waiting: super::query::Waiting,
    /// The account's own profile as last read or saved (see [`super::profile`]).
    pub(super) own: RefCell<super::profile::OwnProfile>,
    /// Whether the server makes the vcard-temp copy of an avatar itself, once asked.
    pub(super) converts: Cell<Option<bool>>,
    /// What the store and the screen are behind on (see [`super::sync`]).
    pub(super) sync: Sync,
}

/// What a start brings from the device store.
struct Cached {
    roster: Roster,
    outbox: Vec<OutboxRecord>,
    feed: Feed,
    /// Where the archive catch-up stopped ([`super::chat::ARCHIVE_NEWEST`]).
    archive: Option<String>,
    /// The rooms' bookmarks ([`super::rooms::BOOKMARKS`]).
    bookmarks: Option<String>,
}

impl App {
    /// At page load: if this device remembers an account, show its cached world at once
    /// and connect in the background. Otherwise the sign-in screen stays.
    pub async fn boot(&self) {
        let state = self.state;
        crate::state::mark("kith:boot");
        let store = self.store().await;
        crate::state::mark("kith:store");
        let Ok(Some(record)) = store.last_account().await else {
            return;
        };
        let (Some(keys), Ok(jid)) = (
            record.keys.as_ref().and_then(keys_from_record),
            BareJid::new(&record.jid),
        ) else {
            return;
        };
        // The newest page of the feed first, so the first screenful does not wait for
        // the whole cache (the rest joins after that paint); read beside the roster and
        // the endpoint, as IndexedDB runs read transactions side by side.
        let ((roster, outbox), (records, cursors), stored, archive, people, bookmarks) = futures::join!(
            cached(&store, &jid),
            cached_feed(&store, &jid, FIRST_CACHED_ITEMS),
            store.cursor(jid.as_str(), ENDPOINT),
            store.cursor(jid.as_str(), super::chat::ARCHIVE_NEWEST),
            store.people(jid.as_str()),
            store.cursor(jid.as_str(), super::rooms::BOOKMARKS),
        );
        // Names and faces before the rows that show them.
        state.people.set_all(&people.unwrap_or_default());
        state.show_cached(jid.as_str(), &roster, PendingWrite::all_from(&outbox));
        state.status.set(ConnectionStatus::Offline);
        let feed = Feed::restore_newest(jid.clone(), &records, &cursors);
        state.show_feed(&feed);
        let complete = records.len() < FIRST_CACHED_ITEMS;
        // A stored endpoint Kith would no longer open (from before the ws: rule) is
        // looked up again like a missing one.
        let url = match stored
            .ok()
            .flatten()
            .filter(|url| check_websocket_uri(url).is_ok())
        {
            Some(url) => url,
            None => match self.endpoint(jid.domain().as_str()).await {
                Ok(url) => url,
                Err(message) => {
                    state.alert.set(Some(message.0));
                    return;
                }
            },
        };
        let cached = Cached {
            roster,
            outbox,
            feed,
            archive: archive.ok().flatten(),
            bookmarks: bookmarks.ok().flatten(),
        };
        let account = self.start(store, jid, Secret::Keys(keys), true, cached, url);
        if !complete {
            after_paint(async move { account.restore_rest().await });
        }
    }

    /// Signs in with what was typed. A Jabber ID that cannot be one is an `Err` for
    /// beside the field, before anything goes on the wire; every later problem reaches
    /// the state's alert. `remember` keeps SCRAM keys (never the password) so that a
    /// reload signs in by itself.
    pub async fn sign_in(
        &self,
        typed_jid: &str,
        password: String,
        remember: bool,
    ) -> Result<(), UserError> {
        let state = self.state;
        let config = match self.config().await {
            Ok(c) => c,
            Err(message) => {
                state.failed(message.0);
                return Ok(());
            }
        };
        // The host's default domain lets people type only their name.
        let jid = account_jid(typed_jid, config.default_domain.as_deref())?;
        self.leave(false);
        state.connecting();
        let url = match self.endpoint(jid.domain().as_ref()).await {
            Ok(url) => url,
            Err(message) => {
                state.failed(message.0);
                return Ok(());
            }
        };
        let store = self.store().await;
        // Whatever this device cached for the account: its roster version spares a
        // refetch, its outbox goes out once online.
        // Read side by side, as IndexedDB runs read transactions.
        let ((roster, outbox), (records, cursors), archive, people, bookmarks) = futures::join!(
            cached(&store, &jid),
            cached_feed(&store, &jid, CACHED_ITEMS),
            store.cursor(jid.as_str(), super::chat::ARCHIVE_NEWEST),
            store.people(jid.as_str()),
            store.cursor(jid.as_str(), super::rooms::BOOKMARKS),
        );
        state.people.set_all(&people.unwrap_or_default());
        state.pending.set(PendingWrite::all_from(&outbox));
        let feed = Feed::restore(jid.clone(), &records, &cursors);
        let cached = Cached {
            roster,
            outbox,
            feed,
            archive: archive.ok().flatten(),
            bookmarks: bookmarks.ok().flatten(),
        };
        self.start(
            store,
            jid,
            Secret::Password(password),
            remember,
            cached,
            url,
        );
        Ok(())
    }

    /// Signs out. `wipe` deletes everything this device keeps for the account;
    /// otherwise the cache stays (for a faster next sign-in) but the remembered keys go,
    /// so the next visit asks for the password.
    pub async fn sign_out(&self, wipe: bool) -> Result<(), UserError> {
        let account = self.leave(true);
        self.state.closed(&CloseReason::Requested);
        let Some(account) = account else {
            return Ok(());
        };
        let (store, jid) = (account.inner.store.clone(), account.inner.jid.to_string());
        drop(account);
        let result = if wipe {
            self.state.images.forget_upload_hosts(&jid);
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
        result.map_err(|e| UserError(e.describe()))
    }

    /// Ends this tab's part in the signed-in account, if any: closes the connection (if
    /// it held it), lets the lock go and, when `tell` is set, makes the account's other
    /// tabs sign out too. Hands back the account, now inert.
    pub(super) fn leave(&self, tell: bool) -> Option<Account> {
        let account = self.set_account(None)?;
        account.close(tell);
        Some(account)
    }

    /// Connects once this tab holds the account's lock; until then it follows the tab
    /// that does. `warm`: the cached world is already on screen, so a first failure to
    /// connect is retried rather than sending the person back to the sign-in screen.
    fn start(
        &self,
        store: Rc<DeviceStore>,
        jid: BareJid,
        secret: Secret,
        remember: bool,
        cached: Cached,
        url: String,
    ) -> Account {
        let state = self.state;
        let warm = matches!(secret, Secret::Keys(_));
        state
            .endpoint
            .set(Some((jid.domain().to_string(), url.clone())));
        let inner = Rc::new_cyclic(|weak: &Weak<Inner>| {
            let weak = weak.clone();
            Inner {
                channel: TabChannel::open(&format!("kith:{jid}"), move |message| {
                    if let Some(account) = Account::upgrade(&weak) {
                        account.heard(message);
                    }
                }),
                jid,
                app: *self,
                store,
                remember,
                url: RefCell::new(url),
                connection: RefCell::new(None),
                feed: RefCell::new(cached.feed),
                lock: RefCell::new(None),
                last_seq: Cell::new(0.0),
                upload: RefCell::new(None),
                waiting: Default::default(),
                own: Default::default(),
                converts: Cell::new(None),
                sync: Sync::default(),
            }
        });
        let account = Account { inner };
        self.leave(false);
        self.set_account(Some(account.clone()));
        let weak = Rc::downgrade(&account.inner);
        let (roster, outbox, archive) = (cached.roster, cached.outbox, cached.archive);
        let bookmarks = cached.bookmarks;
        let acquired = move || {
            if let Some(account) = Account::upgrade(&weak) {
                account.connect(secret, roster, &outbox, (archive, bookmarks), warm);
            }
        };
        let weak = Rc::downgrade(&account.inner);
        let waiting = move || {
            if let Some(account) = Account::upgrade(&weak) {
                account.state().elsewhere.set(true);
                account.inner.channel.post(&TabMessage::StatusAsked);
            }
        };
        let lock = TabLock::acquire(&format!("kith:{}", account.inner.jid), acquired, waiting);
        *account.inner.lock.borrow_mut() = Some(lock);
        account
    }
}

impl Account {
    pub(super) fn upgrade(weak: &Weak<Inner>) -> Option<Account> {
        weak.upgrade().map(|inner| Account { inner })
    }

    pub(super) fn downgrade(&self) -> Weak<Inner> {
        Rc::downgrade(&self.inner)
    }

    pub(super) fn state(&self) -> AppState {
        self.inner.app.state
    }

    pub fn jid(&self) -> &BareJid {
        &self.inner.jid
    }

    /// Whether this is still the account signed in here (an action or a store read
    /// may finish after sign-out; what it would show then belongs to no one).
    pub(super) fn is_signed_in(&self) -> bool {
        self.inner
            .app
            .account()
            .is_ok_and(|current| Rc::ptr_eq(&current.inner, &self.inner))
    }

    /// This tab's connection, if it holds it.
    pub(super) fn connection(&self) -> Option<Connection> {
        self.inner.connection.borrow().clone()
    }

    /// This tab now holds the account's lock: it opens the connection.
    fn connect(
        &self,
        secret: Secret,
        roster: Roster,
        outbox: &[OutboxRecord],
        (archive, bookmarks): (Option<String>, Option<String>),
        warm: bool,
    ) {
        let inner = &self.inner;
        self.state().elsewhere.set(false);
        let mut config = SessionConfig::with_secret(inner.jid.clone(), secret);
        // The browser's WebCrypto runs SCRAM's PBKDF2 (see `net::socket`).
        config.derive_elsewhere = true;
        let mut client = Client::restore(
            config,
            roster,
            Outbox::restore(outbox.iter().filter_map(OutboxEntry::from_record).collect()),
            inner.feed.borrow().clone(),
        );
        if let Some(newest) = archive {
            client.restore_archive(newest);
        }
        if let Some(bookmarks) = bookmarks {
            client.restore_bookmarks(&bookmarks);
        }
        let url = inner.url.borrow().clone();
        let connection = Connection::open(&url, client, self.sinks(), warm);
        // The avatars this device keeps are never fetched: the client knows their hashes
        // long before the roster and presence that lead to any fetch.
        let (store, jid, kept) = (inner.store.clone(), inner.jid.clone(), connection.clone());
        spawn_local(async move {
            if let Ok(hashes) = store.avatar_hashes(jid.as_str()).await {
                kept.act(move |client, _| client.restore_avatars(hashes));
            }
        });
        *inner.connection.borrow_mut() = Some(connection);
        // The conversations this device keeps, after the first paint.
        let account = self.clone();
        after_paint(async move { account.restore_conversations().await });
    }

    /// What the connection's changes do: see [`super::sync`].
    fn sinks(&self) -> Sinks {
        let weak = self.downgrade();
        let (w1, w2, w3, w4, w5) = (weak.clone(), weak.clone(), weak.clone(), weak.clone(), weak);
        Sinks {
            update: Box::new(move |client, update| {
                if let Some(account) = Account::upgrade(&w1) {
                    account.on_update(client, update);
                }
            }),
            failure: Box::new(move |message| {
                if let Some(account) = Account::upgrade(&w2) {
                    account.on_failure(message);
                }
            }),
            retry: Box::new(move |at| {
                if let Some(account) = Account::upgrade(&w3) {
                    account.state().retry_at.set(at);
                }
            }),
            settled: Box::new(move |client| {
                if let Some(account) = Account::upgrade(&w4) {
                    account.redraw_soon(client);
                }
            }),
            endpoint_failed: Box::new(move |failed| {
                if let Some(account) = Account::upgrade(&w5) {
                    account.rediscover(failed);
                }
            }),
        }
    }

    /// The first socket could not open: sign-in failed.
    fn on_failure(&self, message: String) {
        self.inner.channel.post(&TabMessage::Status {
            status: ConnectionStatus::Offline,
        });
        self.state().failed(message);
    }

    /// The endpoint failed to open while the browser is online: look it up again; a new
    /// one takes over from the next attempt. A network failure leaves the old in place.
    fn rediscover(&self, failed: String) {
        let weak = self.downgrade();
        let domain = self.inner.jid.domain().to_string();
        spawn_local(async move {
            let Some(app) = Account::upgrade(&weak).map(|a| a.inner.app) else {
                return;
            };
            let Ok(found) = app.endpoint(&domain).await else {
                return;
            };
            let Some(account) = Account::upgrade(&weak) else {
                return;
            };
            if found == failed {
                return;
            }
            *account.inner.url.borrow_mut() = found.clone();
            account.state().endpoint.set(Some((domain, found.clone())));
            if let Some(c) = account.connection() {
                c.set_endpoint(&found);
            }
        });
    }

    /// The rest of the cache, after the warm start painted the newest page.
    async fn restore_rest(&self) {
        let records = self
            .inner
            .store
            .posts(self.inner.jid.as_str(), CACHED_ITEMS)
            .await
            .unwrap_or_default();
        let state = self.state();
        self.with_feed(move |feed, connection| {
            feed.absorb(&records);
            if let Some(c) = connection {
                c.act(move |client, _| client.absorb_cached(&records));
                c.with_client(|client| state.show_feed(client.feed()));
            }
        });
    }

    /// Runs `change` on the feed this tab shows: the connection's when it holds it
    /// (which redraws by itself), else the store's copy, redrawn here.
    pub(super) fn with_feed(&self, change: impl FnOnce(&mut Feed, Option<&Connection>)) {
        let connection = self.connection();
        let mut feed = self.inner.feed.borrow_mut();
        change(&mut feed, connection.as_ref());
        if connection.is_none() && self.is_signed_in() {
            self.state().show_feed(&feed);
        }
    }

    /// Reads the feed this tab shows.
    pub(super) fn read_feed<T>(&self, read: impl FnOnce(&Feed) -> T) -> T {
        match self.connection() {
            Some(c) => c.with_client(|client| read(client.feed())),
            None => read(&self.inner.feed.borrow()),
        }
    }

    /// Closes the connection (if this tab held it), lets the lock go and, when `tell`
    /// is set, makes the other tabs of the account sign out too.
    fn close(&self, tell: bool) {
        let inner = &self.inner;
        if let Some(connection) = inner.connection.borrow_mut().take() {
            connection.close();
        }
        if tell {
            inner.channel.post(&TabMessage::SignOut);
        }
        if let Some(lock) = inner.lock.borrow_mut().take() {
            lock.release();
        }
        inner.channel.close();
    }
}

pub(super) async fn cached(store: &DeviceStore, jid: &BareJid) -> (Roster, Vec<OutboxRecord>) {
    let (roster, outbox) = futures::join!(store.roster(jid.as_str()), store.outbox(jid.as_str()));
    (
        Roster::restore(&roster.unwrap_or_default()),
        outbox.unwrap_or_default(),
    )
}

/// The feed as this device cached it, newest first: posts, comments, likes (at most
/// `limit`) and sync positions.
pub(super) async fn cached_feed(
    store: &DeviceStore,
    jid: &BareJid,
    limit: usize,
) -> (Vec<PostRecord>, Vec<CursorRecord>) {
    let (records, feed, access) = futures::join!(
        store.posts(jid.as_str(), limit),
        store.cursor(jid.as_str(), CURSOR_KEY),
        store.cursor(jid.as_str(), ACCESS_KEY),
    );
    let records = records.unwrap_or_default();
    let cursors = [(CURSOR_KEY, feed), (ACCESS_KEY, access)]
        .into_iter()
        .filter_map(|(key, value)| {
            Some(CursorRecord {
                account: jid.to_string(),
                key: key.into(),
                value: value.ok()??,
            })
        })
        .collect();
    (records, cursors)
}

pub(super) fn keys_to_record(keys: &ScramKeys) -> RememberedKeys {
    use crate::proto::base64::encode;
    RememberedKeys {
        mechanism: keys.hash.mechanism().into(),
        salt: encode(&keys.salt),
        iterations: keys.iterations,
        client_key: encode(&keys.client_key),
        server_key: encode(&keys.server_key),
    }
}

fn keys_from_record(record: &RememberedKeys) -> Option<ScramKeys> {
    use crate::proto::base64::decode;
    Some(ScramKeys {
        hash: ScramHash::PREFERENCE
            .into_iter()
            .find(|h| h.mechanism() == record.mechanism)?,
        salt: decode(&record.salt)?,
        iterations: record.iterations,
        client_key: decode(&record.client_key)?,
        server_key: decode(&record.server_key)?,
    })
}
