//! The store: the account's world kept on this device, so that a reload shows it before
//! the socket opens and nothing written is lost while offline.
//!
//! [`Store`] is the one interface; [`MemoryStore`] implements it in memory (native tests,
//! and the fallback when the browser refuses storage), `idb::IdbStore` on IndexedDB.
//! Only this folder touches IndexedDB. Records are plain serde structs, one per object
//! store, keyed by the account first so that wiping an account is a key-range delete.

pub mod memory;
pub mod schema;

#[cfg(target_arch = "wasm32")]
pub mod device;
#[cfg(target_arch = "wasm32")]
pub mod idb;

use serde::{Deserialize, Serialize};

pub use memory::MemoryStore;

/// Why the store could not do what was asked. The app goes on from memory and says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// No IndexedDB here (private mode, disabled, too old), or it cannot be opened.
    Unavailable(String),
    /// The browser's quota for this site is used up (`QuotaExceededError`).
    QuotaExceeded,
    /// Another tab holds an older version of the database open and will not let go.
    Blocked,
    /// A newer Kith upgraded the database (in another tab); this page is out of date.
    NewerVersion,
    /// Anything else the browser reported.
    Failed(String),
}

impl StoreError {
    /// A sentence for the notice the app shows while it runs from memory.
    pub fn describe(&self) -> String {
        match self {
            StoreError::Unavailable(_) => "This browser does not let Kith keep data on this device (private browsing?). Kith works, but forgets everything when the tab closes.".into(),
            StoreError::QuotaExceeded => "This device's storage for Kith is full. Kith works, but new data is kept only until the tab closes.".into(),
            StoreError::Blocked => "An older Kith tab keeps the local data locked. Close other Kith tabs and reload.".into(),
            StoreError::NewerVersion => "A newer Kith is open in another tab. Reload this tab to use it; until then it keeps new data only in memory.".into(),
            StoreError::Failed(why) => format!("Kith could not use this device's storage ({why}). Kith works, but forgets new data when the tab closes."),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// SCRAM keys kept by "Remember me on this device": enough to sign in again, never the
/// password (RFC 5802 §3: ClientKey and ServerKey derive from the salted password).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedKeys {
    /// `SCRAM-SHA-256` or `SCRAM-SHA-1`.
    pub mechanism: String,
    /// Base64, as the server sent them.
    pub salt: String,
    pub iterations: u32,
    pub client_key: String,
    pub server_key: String,
}

/// The accounts this device knows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// Bare JID; the key.
    pub jid: String,
    /// Present only if the person ticked "Remember me on this device".
    pub keys: Option<RememberedKeys>,
    /// When this account was last signed in (ms since the epoch): the newest one is
    /// warm-started.
    pub last_used: f64,
}

/// One roster item as cached (RFC 6121 §2.1.2 fields that the app shows or sends back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRecord {
    pub account: String,
    pub jid: String,
    pub name: Option<String>,
    /// `none`, `to`, `from` or `both`.
    pub subscription: String,
    pub pending_out: bool,
    pub groups: Vec<String>,
}

/// The cached roster as a whole, with its XEP-0237 version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CachedRoster {
    pub version: Option<String>,
    pub contacts: Vec<ContactRecord>,
}

/// Something the person wrote that the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxRecord {
    pub account: String,
    /// Client-chosen, stable across retries (pubsub item id, origin-id, iq id).
    pub id: String,
    /// Entries of one queue go out in `seq` order.
    pub queue: String,
    /// Order of writing (the app makes it increase); the outbox sorts by it.
    pub seq: f64,
    /// What kind of write this is (`post`, `comment`, `roster-set`, …: see
    /// `service::outbox::WriteKind::as_str`, which reads and writes them).
    pub kind: String,
    /// What it is about: the item's id, or a roster write's contact.
    #[serde(default)]
    pub target: String,
    /// The stanza to send, as it is.
    pub payload: String,
    /// Why the server refused it for good; `None` while it is pending.
    pub failed: Option<String>,
    /// The pubsub item the write creates or changes. Absent for roster writes, and in
    /// records written before Kith kept it (their payload tells).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<ItemRecord>,
    /// A post's access model asked for (`open`, `presence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
    /// The name a roster write gives the contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A pubsub item, by service, node and item id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRecord {
    pub service: String,
    pub node: String,
    pub id: String,
}

/// A cached pubsub item (a post, a comment, a like), kept as the XML that arrived so a
/// newer reader can parse it better.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostRecord {
    pub account: String,
    pub service: String,
    pub node: String,
    pub id: String,
    /// Bare JID of the (trusted) author.
    pub author: String,
    /// A comment's or like's publisher, as the service stamped it (else unverified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// ms since the epoch; the timeline's order.
    pub published: f64,
    /// The `<entry/>` as received or published.
    pub xml: String,
    /// The comments node a post links to, kept beside the XML so that a warm start need
    /// not parse every cached post to find its comments.
    #[serde(default)]
    pub thread: ThreadRecord,
}

/// What [`PostRecord::thread`] knows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThreadRecord {
    /// A record written before Kith kept this (or a comment): parse the XML to know.
    #[default]
    Unknown,
    None,
    Node {
        service: String,
        node: String,
    },
}

/// Where a sync stopped (an RSM `last`, a MAM id, a roster version…), by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorRecord {
    pub account: String,
    pub key: String,
    pub value: String,
}

/// Everything the app keeps on the device. Every method is one transaction.
#[allow(async_fn_in_trait)] // Used only inside this single-threaded app, never as `dyn`.
pub trait Store {
    /// The account used most recently, for the warm start.
    async fn last_account(&self) -> StoreResult<Option<AccountRecord>>;
    async fn put_account(&self, record: &AccountRecord) -> StoreResult<()>;

    async fn roster(&self, account: &str) -> StoreResult<CachedRoster>;
    /// Replaces the whole cached roster (after a full fetch).
    async fn replace_roster(&self, account: &str, roster: &CachedRoster) -> StoreResult<()>;
    /// Applies one push: `Ok(record)` upserts, `Err(jid)` removes.
    async fn update_contact(
        &self,
        account: &str,
        version: Option<&str>,
        change: Result<&ContactRecord, &str>,
    ) -> StoreResult<()>;

    /// The account's unacknowledged writes, in writing order.
    async fn outbox(&self, account: &str) -> StoreResult<Vec<OutboxRecord>>;
    /// Stored with strict durability: once this returns, a crash does not lose it.
    async fn put_outbox(&self, record: &OutboxRecord) -> StoreResult<()>;
    async fn delete_outbox(&self, account: &str, id: &str) -> StoreResult<()>;

    /// The newest `limit` posts (any node), newest first.
    async fn posts(&self, account: &str, limit: usize) -> StoreResult<Vec<PostRecord>>;
    /// One batch, one transaction.
    async fn put_posts(&self, records: &[PostRecord]) -> StoreResult<()>;
    async fn delete_post(
        &self,
        account: &str,
        service: &str,
        node: &str,
        id: &str,
    ) -> StoreResult<()>;

    async fn cursor(&self, account: &str, key: &str) -> StoreResult<Option<String>>;
    async fn put_cursor(&self, record: &CursorRecord) -> StoreResult<()>;

    /// Sign out with "wipe": every record of the account goes, credentials included.
    async fn wipe_account(&self, account: &str) -> StoreResult<()>;
}

#[cfg(test)]
pub(crate) mod testing {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// Runs a future that never waits (the memory store's): one poll must finish it.
    pub fn ready<F: Future>(future: F) -> F::Output {
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(future).poll(&mut cx) {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("the memory store never waits"),
        }
    }
}
