//! The store on IndexedDB, written straight on web-sys.
//!
//! Not on indexed_db_futures: its `versionchange` listener needs the `version-change`
//! feature (tokio macros), its upgrade callback does not expose the upgrade transaction
//! (indexes on older stores), an aborted transaction loses its error (the quota), and a
//! probe doing the same operations cost about +39 KB gzip of wasm against +8 KB here.
//!
//! Every method builds one transaction, issues all its requests synchronously, then awaits
//! the transaction's `complete` (or `abort`) and reads the requests' results. Nothing is
//! awaited while a transaction is open, so no transaction can auto-commit half-way or
//! hang on an inactive request. Records cross as JSON text ([`Record`], and the browser's
//! `JSON.parse`), which yields the plain objects the compound key paths need; times are
//! finite `f64`, so they stay numbers.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    DomException, Event, IdbCursorDirection, IdbCursorWithValue, IdbDatabase, IdbFactory,
    IdbIndexParameters, IdbKeyRange, IdbObjectStore, IdbObjectStoreParameters, IdbOpenDbRequest,
    IdbRequest, IdbTransaction, IdbTransactionMode, IdbVersionChangeEvent,
};

use super::schema::{self, Step};
use super::*;

/// Why an upgrade was abandoned when the database on disk is newer than this build.
const NEWER_ELSEWHERE: &str = "A newer Kith is open in another tab — reload";
/// How long `open` waits after `blocked` for the older tab to let go before it gives up
/// with [`StoreError::Blocked`]: a current Kith tab closes at once on `versionchange`,
/// so only an old or frozen tab takes longer, and the app should not wait on it.
pub const BLOCKED_GRACE_MS: i32 = 3_000;
/// The cursors-store key of the roster's XEP-0237 version.
pub const ROSTER_VERSION_KEY: &str = "roster-version";

#[wasm_bindgen]
extern "C" {
    // web-sys has the options overload only behind `web_sys_unstable_apis`.
    #[wasm_bindgen(js_name = IDBDatabase)]
    type DatabaseWithOptions;

    #[wasm_bindgen(method, catch, js_name = transaction)]
    fn transaction_with_options(
        this: &DatabaseWithOptions,
        stores: &JsValue,
        mode: &str,
        options: &JsValue,
    ) -> Result<IdbTransaction, JsValue>;
}

/// Maps what the browser threw or reported to a [`StoreError`]: a DOMException named
/// `QuotaExceededError` is the full disk; anything else is `Failed` with its name.
pub fn store_error(error: &JsValue) -> StoreError {
    if let Some(e) = error.dyn_ref::<DomException>() {
        if e.name() == "QuotaExceededError" {
            return StoreError::QuotaExceeded;
        }
        return StoreError::Failed(format!("{}: {}", e.name(), e.message()));
    }
    if let Some(e) = error.dyn_ref::<js_sys::Error>() {
        return StoreError::Failed(String::from(e.message()));
    }
    StoreError::Failed(error.as_string().unwrap_or_else(|| format!("{error:?}")))
}

/// A one-shot value filled from a JS callback and awaited from Rust; the first fill wins.
struct Slot<T>(Rc<RefCell<(Option<T>, Option<Waker>)>>);

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Slot(self.0.clone())
    }
}

impl<T> Slot<T> {
    fn new() -> Self {
        Slot(Rc::new(RefCell::new((None, None))))
    }

    fn fill(&self, value: T) {
        let waker = {
            let mut inner = self.0.borrow_mut();
            if inner.0.is_some() {
                return;
            }
            inner.0 = Some(value);
            inner.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for Slot<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut inner = self.0.borrow_mut();
        match inner.0.take() {
            Some(value) => Poll::Ready(value),
            None => {
                inner.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

fn js_error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

fn to_js(value: &Json) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&value.to_text())
}

fn to_js_all<T: Record>(records: &[T]) -> Result<Array, JsValue> {
    Ok(to_js(&Json::Array(records.iter().map(Record::to_json).collect()))?.unchecked_into())
}

/// The value as JSON; `None` for `undefined` (a `get` that found nothing).
fn json_of(value: &JsValue) -> Result<Option<Json>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let text: String = js_sys::JSON::stringify(value)?.into();
    Json::parse(&text).map(Some).map_err(|e| js_error(&e))
}

fn from_js<T: Record>(value: &JsValue) -> Result<Option<T>, JsValue> {
    match json_of(value)? {
        Some(json) => T::from_json(&json).map(Some).map_err(|e| js_error(&e)),
        None => Ok(None),
    }
}

fn from_js_all<T: Record>(value: &JsValue) -> Result<Vec<T>, JsValue> {
    match json_of(value)? {
        Some(Json::Array(items)) => items
            .iter()
            .map(|item| T::from_json(item).map_err(|e| js_error(&e)))
            .collect(),
        Some(_) => Err(js_error("not a list")),
        None => Ok(Vec::new()),
    }
}

fn key(parts: &[&str]) -> JsValue {
    parts
        .iter()
        .map(|p| JsValue::from_str(p))
        .collect::<Array>()
        .into()
}

/// Every key `[account, …]`: a shorter array sorts before its extensions, and an array
/// sorts after every string and number, so `[account, []]` bounds them all.
fn account_range(account: &str) -> Result<JsValue, JsValue> {
    let lower = key(&[account]);
    let upper: JsValue = Array::of2(&account.into(), &Array::new()).into();
    IdbKeyRange::bound(&lower, &upper).map(Into::into)
}

/// `[…prefix, n]` for every number `n` (below `before` if given): an index on strings
/// then a number, such as (account, seq) or (account, peer, time). The bound must be
/// a number: a string would sort after every number and bound nothing.
fn numbers(prefix: &[&str], before: Option<f64>) -> Result<JsValue, JsValue> {
    let bound = |n: f64| {
        let parts: Array = key(prefix).unchecked_into();
        parts.push(&n.into());
        parts
    };
    IdbKeyRange::bound_with_lower_open_and_upper_open(
        &bound(f64::NEG_INFINITY),
        &bound(before.unwrap_or(f64::INFINITY)),
        false,
        before.is_some(),
    )
    .map(Into::into)
}

/// A single-name key path is the plain string, so the accounts store is keyed by the
/// bare JID itself; longer ones are arrays (compound keys).
fn key_path(path: &[&str]) -> JsValue {
    match path {
        [one] => JsValue::from_str(one),
        _ => key(path),
    }
}

fn apply(db: &IdbDatabase, upgrade: &IdbTransaction, steps: &[Step]) -> Result<(), JsValue> {
    for step in steps {
        match *step {
            Step::CreateStore {
                name,
                key_path: path,
            } => {
                let params = IdbObjectStoreParameters::new();
                params.set_key_path(&key_path(path));
                db.create_object_store_with_optional_parameters(name, &params)?;
            }
            Step::CreateIndex {
                store,
                name,
                key_path: path,
                unique,
            } => {
                let params = IdbIndexParameters::new();
                params.set_unique(unique);
                upgrade
                    .object_store(store)?
                    .create_index_with_str_sequence_and_optional_parameters(
                        name,
                        &key_path(path),
                        &params,
                    )?;
            }
        }
    }
    Ok(())
}

/// Clears the open request's handlers when `open` ends, however it ends, so a late
/// event never calls a dropped closure.
struct OpenHandlers {
    request: IdbOpenDbRequest,
    _closures: Vec<Closure<dyn FnMut(Event)>>,
}

impl Drop for OpenHandlers {
    fn drop(&mut self) {
        self.request.set_onsuccess(None);
        self.request.set_onerror(None);
        self.request.set_onblocked(None);
        self.request.set_onupgradeneeded(None);
    }
}

enum Opened {
    Done,
    Failed(JsValue),
    Blocked,
}

type Callback = Rc<RefCell<Option<Rc<dyn Fn()>>>>;

/// The Kith database, open at [`schema::CURRENT`]. Dropping it closes the connection.
pub struct IdbStore {
    db: IdbDatabase,
    closed: Rc<Cell<bool>>,
    on_version_change: Callback,
    _version_change: Closure<dyn FnMut(Event)>,
}

/// The durability a write asks for.
#[derive(Clone, Copy, PartialEq)]
enum Durability {
    /// The browser's default (Chromium: relaxed); caches that a sync refills.
    Default,
    /// Flushed to disk before `complete`: what the person wrote.
    Strict,
}

/// One transaction: requests go in synchronously, then [`Tx::done`] awaits its end.
struct Tx {
    tx: IdbTransaction,
    end: Slot<Result<(), JsValue>>,
    _handlers: [Closure<dyn FnMut(Event)>; 2],
}

impl Tx {
    fn store(&self, name: &str) -> Result<IdbObjectStore, JsValue> {
        self.tx.object_store(name)
    }

    /// Runs the synchronous part; if it throws, the transaction is aborted so nothing of
    /// it is written.
    fn issue<T>(&self, f: impl FnOnce(&Self) -> Result<T, JsValue>) -> StoreResult<T> {
        f(self).map_err(|e| {
            let _ = self.tx.abort();
            store_error(&e)
        })
    }

    /// `complete` is Ok; `abort` carries the transaction's error (the failed request's,
    /// e.g. `QuotaExceededError`), so an abort surfaces as Err and never hangs.
    async fn done(self) -> StoreResult<()> {
        self.end.clone().await.map_err(|e| store_error(&e))
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        self.tx.set_oncomplete(None);
        self.tx.set_onabort(None);
    }
}

impl IdbStore {
    /// Opens `name` in this window's IndexedDB.
    pub async fn open(name: &str) -> StoreResult<IdbStore> {
        let factory = web_sys::window()
            .ok_or_else(|| StoreError::Unavailable("no window".into()))?
            .indexed_db()
            .map_err(|e| StoreError::Unavailable(describe_js(&e)))?
            .ok_or_else(|| StoreError::Unavailable("no IndexedDB".into()))?;
        Self::open_in(&factory, name).await
    }

    /// Opens `name` at [`schema::CURRENT`], replaying the missing schema steps.
    ///
    /// Errors: the factory refusing to open (private mode, `SecurityError`) is
    /// `Unavailable`; a newer database on disk is `NewerVersion`; another tab
    /// holding an older version open for [`BLOCKED_GRACE_MS`] after `blocked` is
    /// `Blocked` — the upgrade is then aborted should it proceed later, so the disk
    /// stays as the other tab knows it until a reload.
    pub async fn open_in(factory: &IdbFactory, name: &str) -> StoreResult<IdbStore> {
        let request = factory
            .open_with_u32(name, schema::CURRENT)
            .map_err(|e| StoreError::Unavailable(describe_js(&e)))?;
        let outcome = Slot::<Opened>::new();
        let upgrade_error = Rc::new(RefCell::new(None::<JsValue>));

        let on_upgrade = Closure::<dyn FnMut(Event)>::new({
            let upgrade_error = upgrade_error.clone();
            move |event: Event| {
                let event: IdbVersionChangeEvent = event.unchecked_into();
                let Some(request) = event
                    .target()
                    .and_then(|t| t.dyn_into::<IdbOpenDbRequest>().ok())
                else {
                    return;
                };
                let Some(upgrade) = request.transaction() else {
                    return;
                };
                let result = (|| {
                    let db: IdbDatabase = request.result()?.unchecked_into();
                    // Our version is CURRENT, so the old one is below it: Some.
                    let steps = schema::upgrade(event.old_version() as u32)
                        .ok_or_else(|| js_error(NEWER_ELSEWHERE))?;
                    apply(&db, &upgrade, &steps)
                })();
                if let Err(e) = result {
                    *upgrade_error.borrow_mut() = Some(e);
                    let _ = upgrade.abort();
                }
            }
        });
        let on_success = Closure::<dyn FnMut(Event)>::new({
            let outcome = outcome.clone();
            move |_: Event| outcome.fill(Opened::Done)
        });
        let on_error = Closure::<dyn FnMut(Event)>::new({
            let outcome = outcome.clone();
            move |event: Event| {
                let error = event
                    .target()
                    .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                    .and_then(|r| r.error().ok().flatten())
                    .map(JsValue::from)
                    .unwrap_or_else(|| js_error("the database did not open"));
                outcome.fill(Opened::Failed(error));
            }
        });
        let on_blocked = Closure::<dyn FnMut(Event)>::new({
            let outcome = outcome.clone();
            move |_: Event| {
                let later = outcome.clone();
                let give_up = Closure::once_into_js(move || later.fill(Opened::Blocked));
                let armed = web_sys::window().and_then(|w| {
                    w.set_timeout_with_callback_and_timeout_and_arguments_0(
                        give_up.unchecked_ref(),
                        BLOCKED_GRACE_MS,
                    )
                    .ok()
                });
                if armed.is_none() {
                    outcome.fill(Opened::Blocked);
                }
            }
        });
        request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        request.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
        request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        request.set_onblocked(Some(on_blocked.as_ref().unchecked_ref()));
        let handlers = OpenHandlers {
            request: request.clone(),
            _closures: vec![on_upgrade, on_success, on_error, on_blocked],
        };

        let opened = outcome.await;
        drop(handlers);
        match opened {
            Opened::Done => {
                let db: IdbDatabase = request
                    .result()
                    .map_err(|e| store_error(&e))?
                    .unchecked_into();
                Ok(Self::with_db(db))
            }
            Opened::Failed(error) => {
                let error = upgrade_error.borrow_mut().take().unwrap_or(error);
                Err(open_error(&error))
            }
            Opened::Blocked => {
                // The request cannot be cancelled; if the other tab lets go later, the
                // upgrade is aborted (nothing changes) and no connection is left open.
                let abort = Closure::once_into_js(|event: Event| {
                    let upgrade = event
                        .target()
                        .and_then(|t| t.dyn_into::<IdbOpenDbRequest>().ok())
                        .and_then(|r| r.transaction());
                    if let Some(upgrade) = upgrade {
                        let _ = upgrade.abort();
                    }
                });
                request.set_onupgradeneeded(Some(abort.unchecked_ref()));
                Err(StoreError::Blocked)
            }
        }
    }

    fn with_db(db: IdbDatabase) -> IdbStore {
        let closed = Rc::new(Cell::new(false));
        let on_version_change: Callback = Rc::new(RefCell::new(None));
        // A newer tab wants to upgrade (or the database is being deleted): let go at
        // once so it is not blocked, and tell the app, which asks for a reload.
        let handler = Closure::<dyn FnMut(Event)>::new({
            let closed = closed.clone();
            let on_version_change = on_version_change.clone();
            move |event: Event| {
                if let Some(db) = event
                    .target()
                    .and_then(|t| t.dyn_into::<IdbDatabase>().ok())
                {
                    db.close();
                }
                closed.set(true);
                let callback = on_version_change.borrow().clone();
                if let Some(callback) = callback {
                    callback();
                }
            }
        });
        db.set_onversionchange(Some(handler.as_ref().unchecked_ref()));
        IdbStore {
            db,
            closed,
            on_version_change,
            _version_change: handler,
        }
    }

    /// Called once this store has closed itself because another tab upgrades or deletes
    /// the database; every later operation fails with `NewerVersion`.
    pub fn on_version_change(&self, callback: impl Fn() + 'static) {
        *self.on_version_change.borrow_mut() = Some(Rc::new(callback));
    }

    /// The version of the open database (always [`schema::CURRENT`]).
    pub fn version(&self) -> u32 {
        self.db.version() as u32
    }

    fn tx(&self, stores: &[&str], write: Option<Durability>) -> StoreResult<Tx> {
        if self.closed.get() {
            return Err(StoreError::NewerVersion);
        }
        let names: JsValue = stores
            .iter()
            .map(|s| JsValue::from_str(s))
            .collect::<Array>()
            .into();
        let tx = match write {
            None => self
                .db
                .transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readonly),
            Some(Durability::Default) => self
                .db
                .transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readwrite),
            Some(Durability::Strict) => {
                let options = js_sys::Object::new();
                js_sys::Reflect::set(&options, &"durability".into(), &"strict".into())
                    .map_err(|e| store_error(&e))?;
                self.db
                    .unchecked_ref::<DatabaseWithOptions>()
                    .transaction_with_options(&names, "readwrite", &options)
            }
        }
        .map_err(|e| store_error(&e))?;

        let end = Slot::new();
        let on_complete = Closure::<dyn FnMut(Event)>::new({
            let end = end.clone();
            move |_: Event| end.fill(Ok(()))
        });
        let on_abort = Closure::<dyn FnMut(Event)>::new({
            let end = end.clone();
            move |event: Event| {
                let error = event
                    .target()
                    .and_then(|t| t.dyn_into::<IdbTransaction>().ok())
                    .and_then(|t| t.error())
                    .map(JsValue::from)
                    .unwrap_or_else(|| js_error("the transaction was aborted"));
                end.fill(Err(error));
            }
        });
        tx.set_oncomplete(Some(on_complete.as_ref().unchecked_ref()));
        tx.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
        Ok(Tx {
            tx,
            end,
            _handlers: [on_complete, on_abort],
        })
    }

    /// Up to `limit` values of `index` over `range`, highest key first, in one transaction.
    /// With `per_peer` (an index on `[account, peer, …]`), only the first of each peer:
    /// the cursor then jumps to `[account, peer]`, which sorts before every key of that
    /// peer, so it lands on the previous peer's highest — one step per conversation.
    async fn walk_back(
        &self,
        store: &str,
        index: &str,
        range: Result<JsValue, JsValue>,
        limit: usize,
        per_peer: bool,
    ) -> StoreResult<JsValue> {
        let found = Array::new();
        if limit == 0 {
            return Ok(found.into());
        }
        let tx = self.tx(&[store], None)?;
        // The cursor walks inside its own success events, so it never leaves the
        // transaction; it stops at `limit` by not continuing.
        let step = Closure::<dyn FnMut(Event)>::new({
            let found = found.clone();
            move |event: Event| {
                let Some(request) = event.target().and_then(|t| t.dyn_into::<IdbRequest>().ok())
                else {
                    return;
                };
                let cursor = request
                    .result()
                    .ok()
                    .and_then(|c| c.dyn_into::<IdbCursorWithValue>().ok());
                if let Some(cursor) = cursor {
                    if let Ok(value) = cursor.value() {
                        found.push(&value);
                    }
                    if (found.length() as usize) < limit {
                        let next = if per_peer {
                            // `[account, peer]`, from the key `[account, peer, time]`.
                            let peer = cursor
                                .key()
                                .map(|k| k.unchecked_into::<Array>().slice(0, 2));
                            peer.and_then(|peer| cursor.continue_with_key(&peer))
                        } else {
                            cursor.continue_()
                        };
                        if next.is_err() {
                            if let Some(tx) = request.transaction() {
                                let _ = tx.abort();
                            }
                        }
                    }
                }
            }
        });
        let request = tx.issue(|tx| {
            tx.store(store)?
                .index(index)?
                .open_cursor_with_range_and_direction(&range?, IdbCursorDirection::Prev)
        })?;
        request.set_onsuccess(Some(step.as_ref().unchecked_ref()));
        let end = tx.done().await;
        request.set_onsuccess(None);
        end?;
        Ok(found.into())
    }

    /// One batch of records (`to_js_all`'s), one transaction.
    async fn put_all(&self, store: &str, values: Result<Array, JsValue>) -> StoreResult<()> {
        let values = values.map_err(|e| store_error(&e))?;
        if values.length() == 0 {
            return Ok(());
        }
        let tx = self.tx(&[store], Some(Durability::Default))?;
        tx.issue(|tx| {
            let store = tx.store(store)?;
            for value in values.iter() {
                store.put(&value)?;
            }
            Ok(())
        })?;
        tx.done().await
    }
}

impl Drop for IdbStore {
    fn drop(&mut self) {
        self.db.set_onversionchange(None);
        self.db.close();
    }
}

fn describe_js(error: &JsValue) -> String {
    match store_error(error) {
        StoreError::Failed(why) => why,
        other => format!("{other:?}"),
    }
}

/// Open failures: a newer version on disk, the quota, or no usable IndexedDB.
fn open_error(error: &JsValue) -> StoreError {
    let name = error.dyn_ref::<DomException>().map(|e| e.name());
    match name.as_deref() {
        Some("VersionError") => StoreError::NewerVersion,
        _ => match store_error(error) {
            StoreError::Failed(why) => StoreError::Unavailable(why),
            other => other,
        },
    }
}

fn read<T: Record>(request: &IdbRequest) -> StoreResult<Option<T>> {
    request
        .result()
        .and_then(|value| from_js(&value))
        .map_err(|e| store_error(&e))
}

fn read_all<T: Record>(request: &IdbRequest) -> StoreResult<Vec<T>> {
    request
        .result()
        .and_then(|value| from_js_all(&value))
        .map_err(|e| store_error(&e))
}

/// Writes the roster version beside the roster (absent = `None`).
/// Contacts written per task by `replace_roster`.
const ROSTER_SLICE: usize = 500;

/// Whether `request` succeeded, once it is settled.
async fn succeeded(request: &IdbRequest) -> bool {
    let settled = Slot::new();
    let on_success = Closure::<dyn FnMut(Event)>::new({
        let settled = settled.clone();
        move |_: Event| settled.fill(true)
    });
    let on_error = Closure::<dyn FnMut(Event)>::new({
        let settled = settled.clone();
        move |_: Event| settled.fill(false)
    });
    request.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
    request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let ok = settled.await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    ok
}

fn put_roster_version(tx: &Tx, account: &str, version: Option<&str>) -> Result<(), JsValue> {
    let cursors = tx.store(schema::CURSORS)?;
    match version {
        Some(value) => {
            let record = CursorRecord {
                account: account.into(),
                key: ROSTER_VERSION_KEY.into(),
                value: value.into(),
            };
            cursors.put(&to_js(&record.to_json())?)?;
        }
        None => {
            cursors.delete(&key(&[account, ROSTER_VERSION_KEY]))?;
        }
    }
    Ok(())
}

impl Store for IdbStore {
    async fn last_account(&self) -> StoreResult<Option<AccountRecord>> {
        let tx = self.tx(&[schema::ACCOUNTS], None)?;
        let all = tx.issue(|tx| tx.store(schema::ACCOUNTS)?.get_all())?;
        tx.done().await?;
        // Few accounts: reading them all beats an index on `last_used`.
        Ok(read_all::<AccountRecord>(&all)?
            .into_iter()
            .max_by(|a, b| a.last_used.total_cmp(&b.last_used)))
    }

    async fn put_account(&self, record: &AccountRecord) -> StoreResult<()> {
        let tx = self.tx(&[schema::ACCOUNTS], Some(Durability::Default))?;
        tx.issue(|tx| tx.store(schema::ACCOUNTS)?.put(&to_js(&record.to_json())?))?;
        tx.done().await
    }

    async fn roster(&self, account: &str) -> StoreResult<CachedRoster> {
        let tx = self.tx(&[schema::ROSTER, schema::CURSORS], None)?;
        let (contacts, version) = tx.issue(|tx| {
            let contacts = tx
                .store(schema::ROSTER)?
                .get_all_with_key(&account_range(account)?)?;
            let version = tx
                .store(schema::CURSORS)?
                .get(&key(&[account, ROSTER_VERSION_KEY]))?;
            Ok((contacts, version))
        })?;
        tx.done().await?;
        Ok(CachedRoster {
            version: read::<CursorRecord>(&version)?.map(|c| c.value),
            contacts: read_all(&contacts)?,
        })
    }

    async fn replace_roster(&self, account: &str, roster: &CachedRoster) -> StoreResult<()> {
        let tx = self.tx(
            &[schema::ROSTER, schema::CURSORS],
            Some(Durability::Default),
        )?;
        let store = tx.issue(|tx| {
            let store = tx.store(schema::ROSTER)?;
            store.delete(&account_range(account)?)?;
            put_roster_version(tx, account, roster.version.as_deref())?;
            Ok(store)
        })?;
        // A slice of the contacts per task, in one transaction: the next slice goes in
        // when the last request of this one succeeded (the continuation runs in that
        // event's microtasks, while the transaction is still active), and the page gets
        // its thread back in between. 5,000 contacts in one go held it for 200-360 ms.
        for slice in roster.contacts.chunks(ROSTER_SLICE) {
            let last = tx.issue(|_| {
                let mut last = None;
                for contact in to_js_all(slice)?.iter() {
                    last = Some(store.put(&contact)?);
                }
                Ok(last)
            })?;
            if let Some(request) = last {
                // An error aborts the transaction; `done` reports it.
                if !succeeded(&request).await {
                    break;
                }
            }
        }
        tx.done().await
    }

    async fn update_contact(
        &self,
        account: &str,
        version: Option<&str>,
        change: Result<&ContactRecord, &str>,
    ) -> StoreResult<()> {
        let tx = self.tx(
            &[schema::ROSTER, schema::CURSORS],
            Some(Durability::Default),
        )?;
        tx.issue(|tx| {
            let store = tx.store(schema::ROSTER)?;
            match change {
                Ok(contact) => store.put(&to_js(&contact.to_json())?)?,
                Err(jid) => store.delete(&key(&[account, jid]))?,
            };
            put_roster_version(tx, account, version)
        })?;
        tx.done().await
    }

    async fn outbox(&self, account: &str) -> StoreResult<Vec<OutboxRecord>> {
        let tx = self.tx(&[schema::OUTBOX], None)?;
        let all = tx.issue(|tx| {
            tx.store(schema::OUTBOX)?
                .index(schema::OUTBOX_BY_SEQ)?
                .get_all_with_key(&numbers(&[account], None)?)
        })?;
        tx.done().await?;
        read_all(&all)
    }

    async fn put_outbox(&self, record: &OutboxRecord) -> StoreResult<()> {
        let tx = self.tx(&[schema::OUTBOX], Some(Durability::Strict))?;
        tx.issue(|tx| tx.store(schema::OUTBOX)?.put(&to_js(&record.to_json())?))?;
        tx.done().await
    }

    async fn delete_outbox(&self, account: &str, id: &str) -> StoreResult<()> {
        let tx = self.tx(&[schema::OUTBOX], Some(Durability::Strict))?;
        tx.issue(|tx| tx.store(schema::OUTBOX)?.delete(&key(&[account, id])))?;
        tx.done().await
    }

    async fn posts(&self, account: &str, limit: usize) -> StoreResult<Vec<PostRecord>> {
        let (store, index) = (schema::POSTS, schema::POSTS_BY_PUBLISHED);
        let found = self
            .walk_back(store, index, numbers(&[account], None), limit, false)
            .await?;
        from_js_all(&found).map_err(|e| store_error(&e))
    }

    async fn put_posts(&self, records: &[PostRecord]) -> StoreResult<()> {
        self.put_all(schema::POSTS, to_js_all(records)).await
    }

    async fn delete_post(
        &self,
        account: &str,
        service: &str,
        node: &str,
        id: &str,
    ) -> StoreResult<()> {
        let tx = self.tx(&[schema::POSTS], Some(Durability::Default))?;
        tx.issue(|tx| {
            tx.store(schema::POSTS)?
                .delete(&key(&[account, service, node, id]))
        })?;
        tx.done().await
    }

    async fn cursor(&self, account: &str, key_name: &str) -> StoreResult<Option<String>> {
        let tx = self.tx(&[schema::CURSORS], None)?;
        let found = tx.issue(|tx| tx.store(schema::CURSORS)?.get(&key(&[account, key_name])))?;
        tx.done().await?;
        Ok(read::<CursorRecord>(&found)?.map(|c| c.value))
    }

    async fn put_cursor(&self, record: &CursorRecord) -> StoreResult<()> {
        let tx = self.tx(&[schema::CURSORS], Some(Durability::Default))?;
        tx.issue(|tx| tx.store(schema::CURSORS)?.put(&to_js(&record.to_json())?))?;
        tx.done().await
    }

    async fn messages(
        &self,
        account: &str,
        peer: &str,
        before: Option<f64>,
        limit: usize,
    ) -> StoreResult<Vec<MessageRecord>> {
        let (store, index) = (schema::MESSAGES, schema::MESSAGES_BY_PEER_TIME);
        let range = numbers(&[account, peer], before);
        let found = self.walk_back(store, index, range, limit, false).await?;
        from_js_all(&found).map_err(|e| store_error(&e))
    }

    async fn put_messages(&self, records: &[MessageRecord]) -> StoreResult<()> {
        self.put_all(schema::MESSAGES, to_js_all(records)).await
    }

    async fn conversations(&self, account: &str) -> StoreResult<Vec<MessageRecord>> {
        let (store, index) = (schema::MESSAGES, schema::MESSAGES_BY_PEER_TIME);
        let found = self
            .walk_back(store, index, account_range(account), usize::MAX, true)
            .await?;
        let mut newest = from_js_all(&found).map_err(|e| store_error(&e))?;
        crate::sort::sort_by(&mut newest, MessageRecord::newest_first);
        Ok(newest)
    }

    async fn people(&self, account: &str) -> StoreResult<Vec<PersonRecord>> {
        let tx = self.tx(&[schema::PEOPLE], None)?;
        let all = tx.issue(|tx| {
            tx.store(schema::PEOPLE)?
                .get_all_with_key(&account_range(account)?)
        })?;
        tx.done().await?;
        read_all(&all)
    }

    async fn put_people(&self, records: &[PersonRecord]) -> StoreResult<()> {
        self.put_all(schema::PEOPLE, to_js_all(records)).await
    }

    async fn avatar(&self, account: &str, hash: &str) -> StoreResult<Option<AvatarRecord>> {
        let tx = self.tx(&[schema::AVATARS], None)?;
        let found = tx.issue(|tx| tx.store(schema::AVATARS)?.get(&key(&[account, hash])))?;
        tx.done().await?;
        read(&found)
    }

    async fn put_avatar(&self, record: &AvatarRecord) -> StoreResult<()> {
        let tx = self.tx(&[schema::AVATARS], Some(Durability::Default))?;
        tx.issue(|tx| tx.store(schema::AVATARS)?.put(&to_js(&record.to_json())?))?;
        tx.done().await
    }

    async fn avatar_hashes(&self, account: &str) -> StoreResult<Vec<String>> {
        let tx = self.tx(&[schema::AVATARS], None)?;
        // The keys alone, `[account, hash]`: never the images.
        let keys = tx.issue(|tx| {
            tx.store(schema::AVATARS)?
                .get_all_keys_with_key(&account_range(account)?)
        })?;
        tx.done().await?;
        let keys: Array = keys.result().map_err(|e| store_error(&e))?.unchecked_into();
        Ok(keys
            .iter()
            .filter_map(|k| k.unchecked_into::<Array>().get(1).as_string())
            .collect())
    }

    async fn wipe_account(&self, account: &str) -> StoreResult<()> {
        let stores = schema::stores();
        // Credentials go too: strict, so a crash right after cannot bring them back.
        let tx = self.tx(&stores, Some(Durability::Strict))?;
        tx.issue(|tx| {
            for step in schema::upgrade(0).unwrap_or_default() {
                if let Step::CreateStore { name, key_path } = step {
                    let store = tx.store(name)?;
                    if key_path.len() == 1 {
                        // The accounts store: keyed by the bare JID itself.
                        store.delete(&account.into())?;
                    } else {
                        store.delete(&account_range(account)?)?;
                    }
                }
            }
            Ok(())
        })?;
        tx.done().await
    }
}
