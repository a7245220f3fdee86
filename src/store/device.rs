//! The store the app opens: IndexedDB when the browser gives it, memory otherwise, with
//! the reason so the app can say why it will forget.

use super::idb::IdbStore;
use super::*;

/// Either store behind one type, so the app holds one value whatever it got.
pub enum DeviceStore {
    Idb(IdbStore),
    Memory(MemoryStore),
}

/// Opens `name` in this window's IndexedDB; falls back to memory with the reason.
pub async fn open_device_store(name: &str) -> (DeviceStore, Option<StoreError>) {
    // A throwing getter (some privacy modes) counts as "no IndexedDB" too.
    let factory = web_sys::window().and_then(|w| w.indexed_db().ok().flatten());
    open_device_store_with(factory, name).await
}

/// As [`open_device_store`] with the factory given; `None` means "no IndexedDB here",
/// which lets tests take the fallback without breaking the browser.
pub async fn open_device_store_with(
    factory: Option<web_sys::IdbFactory>,
    name: &str,
) -> (DeviceStore, Option<StoreError>) {
    let Some(factory) = factory else {
        let why = StoreError::Unavailable("no IndexedDB in this browser".into());
        return (DeviceStore::Memory(MemoryStore::new()), Some(why));
    };
    match IdbStore::open_in(&factory, name).await {
        Ok(store) => {
            request_persistence();
            (DeviceStore::Idb(store), None)
        }
        Err(why) => (DeviceStore::Memory(MemoryStore::new()), Some(why)),
    }
}

/// Asks the browser not to evict Kith's data under storage pressure. Best effort and not
/// awaited: the answer (or a prompt, in some browsers) must not delay the warm start.
fn request_persistence() {
    let Some(window) = web_sys::window() else {
        return;
    };
    // `navigator.storage` is missing outside secure contexts; `persist` then throws.
    if let Ok(promise) = window.navigator().storage().persist() {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        });
    }
}

impl DeviceStore {
    /// Whether data survives the tab.
    pub fn is_persistent(&self) -> bool {
        matches!(self, DeviceStore::Idb(_))
    }

    /// See [`IdbStore::on_version_change`]; the memory store never changes version.
    pub fn on_version_change(&self, callback: impl Fn() + 'static) {
        if let DeviceStore::Idb(store) = self {
            store.on_version_change(callback);
        }
    }
}

macro_rules! delegate {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            DeviceStore::Idb($store) => $call.await,
            DeviceStore::Memory($store) => $call.await,
        }
    };
}

impl Store for DeviceStore {
    async fn last_account(&self) -> StoreResult<Option<AccountRecord>> {
        delegate!(self, s => s.last_account())
    }

    async fn put_account(&self, record: &AccountRecord) -> StoreResult<()> {
        delegate!(self, s => s.put_account(record))
    }

    async fn roster(&self, account: &str) -> StoreResult<CachedRoster> {
        delegate!(self, s => s.roster(account))
    }

    async fn replace_roster(&self, account: &str, roster: &CachedRoster) -> StoreResult<()> {
        delegate!(self, s => s.replace_roster(account, roster))
    }

    async fn update_contact(
        &self,
        account: &str,
        version: Option<&str>,
        change: Result<&ContactRecord, &str>,
    ) -> StoreResult<()> {
        delegate!(self, s => s.update_contact(account, version, change))
    }

    async fn outbox(&self, account: &str) -> StoreResult<Vec<OutboxRecord>> {
        delegate!(self, s => s.outbox(account))
    }

    async fn put_outbox(&self, record: &OutboxRecord) -> StoreResult<()> {
        delegate!(self, s => s.put_outbox(record))
    }

    async fn delete_outbox(&self, account: &str, id: &str) -> StoreResult<()> {
        delegate!(self, s => s.delete_outbox(account, id))
    }

    async fn posts(&self, account: &str, limit: usize) -> StoreResult<Vec<PostRecord>> {
        delegate!(self, s => s.posts(account, limit))
    }

    async fn put_posts(&self, records: &[PostRecord]) -> StoreResult<()> {
        delegate!(self, s => s.put_posts(records))
    }

    async fn delete_post(
        &self,
        account: &str,
        service: &str,
        node: &str,
        id: &str,
    ) -> StoreResult<()> {
        delegate!(self, s => s.delete_post(account, service, node, id))
    }

    async fn cursor(&self, account: &str, key: &str) -> StoreResult<Option<String>> {
        delegate!(self, s => s.cursor(account, key))
    }

    async fn put_cursor(&self, record: &CursorRecord) -> StoreResult<()> {
        delegate!(self, s => s.put_cursor(record))
    }

    async fn messages(
        &self,
        account: &str,
        peer: &str,
        before: Option<f64>,
        limit: usize,
    ) -> StoreResult<Vec<MessageRecord>> {
        delegate!(self, s => s.messages(account, peer, before, limit))
    }

    async fn put_messages(&self, records: &[MessageRecord]) -> StoreResult<()> {
        delegate!(self, s => s.put_messages(records))
    }

    async fn conversations(&self, account: &str) -> StoreResult<Vec<MessageRecord>> {
        delegate!(self, s => s.conversations(account))
    }

    async fn people(&self, account: &str) -> StoreResult<Vec<PersonRecord>> {
        delegate!(self, s => s.people(account))
    }

    async fn put_people(&self, records: &[PersonRecord]) -> StoreResult<()> {
        delegate!(self, s => s.put_people(records))
    }

    async fn avatar(&self, account: &str, hash: &str) -> StoreResult<Option<AvatarRecord>> {
        delegate!(self, s => s.avatar(account, hash))
    }

    async fn put_avatar(&self, record: &AvatarRecord) -> StoreResult<()> {
        delegate!(self, s => s.put_avatar(record))
    }

    async fn avatar_hashes(&self, account: &str) -> StoreResult<Vec<String>> {
        delegate!(self, s => s.avatar_hashes(account))
    }

    async fn wipe_account(&self, account: &str) -> StoreResult<()> {
        delegate!(self, s => s.wipe_account(account))
    }
}
