//! The store: the account's world kept on this device, so that a reload shows it before
//! the socket opens and nothing written is lost while offline.
//!
//! [`Store`] is the one interface; [`MemoryStore`] implements it in memory (native tests,
//! and the fallback when the browser refuses storage), `idb::IdbStore` on IndexedDB.
//! Only this folder touches IndexedDB. Records are plain structs, one per object store,
//! keyed by the account first so that wiping an account is a key-range delete; each
//! crosses as a JSON object ([`Record`]).

pub mod memory;
pub mod schema;

#[cfg(target_arch = "wasm32")]
pub mod device;
#[cfg(target_arch = "wasm32")]
pub mod idb;

pub use memory::MemoryStore;

use crate::proto::json::Json;

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
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq)]
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
    pub target: String,
    /// The stanza to send, as it is.
    pub payload: String,
    /// Why the server refused it for good; `None` while it is pending.
    pub failed: Option<String>,
    /// The pubsub item the write creates or changes. Absent for roster writes, and in
    /// records written before Kith kept it (their payload tells).
    pub item: Option<ItemRecord>,
    /// A post's access model asked for (`open`, `presence`).
    pub access: Option<String>,
    /// The name a roster write gives the contact.
    pub name: Option<String>,
}

/// A pubsub item, by service, node and item id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRecord {
    pub service: String,
    pub node: String,
    pub id: String,
}

/// A cached pubsub item (a post, a comment, a like), kept as the XML that arrived so a
/// newer reader can parse it better.
#[derive(Clone, Debug, PartialEq)]
pub struct PostRecord {
    pub account: String,
    pub service: String,
    pub node: String,
    pub id: String,
    /// Bare JID of the (trusted) author.
    pub author: String,
    /// A comment's or like's publisher, as the service stamped it (else unverified).
    pub publisher: Option<String>,
    /// ms since the epoch; the timeline's order.
    pub published: f64,
    /// The `<entry/>` as received or published.
    pub xml: String,
    /// The comments node a post links to, kept beside the XML so that a warm start need
    /// not parse every cached post to find its comments.
    pub thread: ThreadRecord,
}

/// What [`PostRecord::thread`] knows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CursorRecord {
    pub account: String,
    pub key: String,
    pub value: String,
}

/// One chat stanza of a conversation (a message, a correction, a retraction, a reaction,
/// a receipt or marker), kept as the XML that arrived or was sent, so the chat service
/// folds a conversation from its records and a newer reader can parse them better.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageRecord {
    pub account: String,
    /// The conversation: the contact's bare JID.
    pub peer: String,
    /// Unique within the conversation (the archive's stanza-id, else the origin-id or
    /// the message id; chosen by the chat service). Putting the same id again replaces.
    pub id: String,
    /// ms since the epoch: the conversation's order.
    pub time: f64,
    /// Sent by this account (from any of its devices).
    pub outgoing: bool,
    /// The `<message/>` as received or sent (unwrapped from carbons or archive results).
    pub xml: String,
}

impl MessageRecord {
    /// Newest first; equal times by conversation then id, highest first: the order of
    /// IndexedDB's reverse cursor on `by_peer_time`, so both stores agree.
    fn newest_first(a: &Self, b: &Self) -> std::cmp::Ordering {
        b.time
            .total_cmp(&a.time)
            .then_with(|| (&b.peer, &b.id).cmp(&(&a.peer, &a.id)))
    }
}

/// What a person published about themselves, as the screens show it (XEP-0172 nickname,
/// XEP-0292 full name and note, the hash of their avatar), so that a warm start names them
/// and shows their face before the server says anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonRecord {
    pub account: String,
    /// Their bare JID.
    pub jid: String,
    pub nick: Option<String>,
    pub full_name: Option<String>,
    /// The vCard4 note: their "About" text.
    pub about: Option<String>,
    /// The lowercase hex SHA-1 of their avatar: its key in the avatars store.
    pub avatar: Option<String>,
}

/// An avatar image, under its hash (the lowercase hex SHA-1 of `bytes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvatarRecord {
    pub account: String,
    pub hash: String,
    /// Its media type, as its owner gave it (`image/png`).
    pub type_: String,
    pub bytes: Vec<u8>,
}

/// A record as the object IndexedDB keeps: the shape serde gave them before (a field
/// per member; `None` as `null`, or absent where marked), so databases written by
/// older builds read as they are.
pub trait Record: Sized {
    fn to_json(&self) -> Json;
    fn from_json(json: &Json) -> Result<Self, String>;
}

impl Record for RememberedKeys {
    fn to_json(&self) -> Json {
        Json::object()
            .with("mechanism", Json::str(&self.mechanism))
            .with("salt", Json::str(&self.salt))
            .with("iterations", Json::Number(self.iterations.into()))
            .with("client_key", Json::str(&self.client_key))
            .with("server_key", Json::str(&self.server_key))
    }

    fn from_json(json: &Json) -> Result<Self, String> {
        let iterations = json.number("iterations")?;
        Ok(RememberedKeys {
            mechanism: json.string("mechanism")?,
            salt: json.string("salt")?,
            iterations: u32_of(iterations).ok_or("\"iterations\" is not a u32")?,
            client_key: json.string("client_key")?,
            server_key: json.string("server_key")?,
        })
    }
}

fn u32_of(n: f64) -> Option<u32> {
    (n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n)).then_some(n as u32)
}

/// A member that may be absent or null, or else an object of type `T`.
fn opt_record<T: Record>(json: &Json, key: &str) -> Result<Option<T>, String> {
    match json.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(value) => T::from_json(value).map(Some),
    }
}

impl Record for AccountRecord {
    fn to_json(&self) -> Json {
        Json::object()
            .with("jid", Json::str(&self.jid))
            .with(
                "keys",
                self.keys.as_ref().map_or(Json::Null, Record::to_json),
            )
            .with("last_used", Json::Number(self.last_used))
    }

    fn from_json(json: &Json) -> Result<Self, String> {
        Ok(AccountRecord {
            jid: json.string("jid")?,
            keys: opt_record(json, "keys")?,
            last_used: json.number("last_used")?,
        })
    }
}

impl Record for ContactRecord {
    fn to_json(&self) -> Json {
        let groups = self.groups.iter().map(|g| Json::str(g)).collect();
        Json::object()
            .with("account", Json::str(&self.account))
            .with("jid", Json::str(&self.jid))
            .with("name", Json::opt_str(self.name.as_deref()))
            .with("subscription", Json::str(&self.subscription))
            .with("pending_out", Json::Bool(self.pending_out))
            .with("groups", Json::Array(groups))
    }

    fn from_json(json: &Json) -> Result<Self, String> {
        let groups = match json.get("groups") {
            Some(Json::Array(items)) => items
                .iter()
                .map(|g| g.as_str().map(str::to_owned))
                .collect::<Option<_>>(),
            _ => None,
        };
        Ok(ContactRecord {
            account: json.string("account")?,
            jid: json.string("jid")?,
            name: json.opt_string("name")?,
            subscription: json.string("subscription")?,
            pending_out: json.boolean("pending_out", None)?,
            groups: groups.ok_or("\"groups\" is not a list of strings")?,
        })
    }
}

impl Record for ItemRecord {
    fn to_json(&self) -> Json {
        Json::object()
            .with("service", Json::str(&self.service))
            .with("node", Json::str(&self.node))
            .with("id", Json::str(&self.id))
    }

    fn from_json(json: &Json) -> Result<Self, String> {
        Ok(ItemRecord {
            service: json.string("service")?,
            node: json.string("node")?,
            id: json.string("id")?,
        })
    }
}

impl Record for OutboxRecord {
    fn to_json(&self) -> Json {
        Json::object()
            .with("account", Json::str(&self.account))
            .with("id", Json::str(&self.id))
            .with("queue", Json::str(&self.queue))
            .with("seq", Json::Number(self.seq))
            .with("kind", Json::str(&self.kind))
            .with("target", Json::str(&self.target))
            .with("payload", Json::str(&self.payload))
            .with("failed", Json::opt_str(self.failed.as_deref()))
            .with_some("item", self.item.as_ref().map(Record::to_json))
            .with_some("access", self.access.as_deref().map(Json::str))
            .with_some("name", self.name.as_deref().map(Json::str))
    }

    fn from_json(json: &Json) -> Result<Self, String> {
        Ok(OutboxRecord {
            account: json.string("account")?,
            id: json.string("id")?,
            queue: json.string("queue")?,
            seq: json.number("seq")?,
            kind: json.string("kind")?,
            // Absent in records written before Kith kept it.
            target: json.opt_string("target")?.unwrap_or_default(),
            payload: json.string("payload")?,
            failed: json.opt_string("failed")?,
            item: opt_record(json, "item")?,
            access: json.opt_string("access")?,
            name: json.opt_string("name")?,
        })
    }
}

impl Record for ThreadRecord {
    /// serde's shape for an enum: `"Unknown"`, `"None"`, `{"Node": {…}}`.
    fn to_json(&self) -> Json {
        match self {
            ThreadRecord::Unknown => Json::str("Unknown"),
            ThreadRecord::None => Json::str("None"),
            ThreadRecord::Node { service, node } => Json::object().with(
                "Node",
                Json::object()
                    .with("service", Json::str(service))
                    .with("node", Json::str(node)),
            ),
        }
    }

    fn from_json(json: &Json) -> Result<Self, String> {
        match json {
            Json::String(s) if s == "Unknown" => Ok(ThreadRecord::Unknown),
            Json::String(s) if s == "None" => Ok(ThreadRecord::None),
            Json::Object(members) if members.len() == 1 => {
                let node = json.get("Node").ok_or("unknown thread")?;
                Ok(ThreadRecord::Node {
                    service: node.string("service")?,
                    node: node.string("node")?,
                })
            }
            _ => Err("unknown thread".into()),
        }
    }
}

impl Record for PostRecord {
    fn to_json(&self) -> Json {
        Json::object()
            .with("account", Json::str(&self.account))
            .with("service", Json::str(&self.service))
            .with("node", Json::str(&self.node))
            .with("id", Json::str(&self.id))
            .with("author", Json::str(&self.author))
            .with_some("publisher", self.publisher.as_deref().map(Json::str))
            .with("published", Json::Number(self.published))
            .with("xml", Json::str(&self.xml))
            .with("thread", self.thread.to_json())
    }

    fn from_json(json: &Json) -> Result<Self, String> {
        Ok(PostRecord {
            account: json.string("account")?,
            service: json.string("service")?,
            node: json.string("node")?,
            id: json.string("id")?,
            author: json.string("author")?,
            publisher: json.opt_string("publisher")?,
            published: json.number("published")?,
            xml: json.string("xml")?,
            // Absent in records written before Kith kept it.
            thread: match json.get("thread") {
                None => ThreadRecord::Unknown,
                Some(thread) => ThreadRecord::from_json(thread)?,
            },
        })
    }
}

impl Record for CursorRecord {
    fn to_json(&self) -> Json {
        Json::object()
            .with("account", Json::str(&self.account))
            .with("key", Json::str(&self.key))
            .with("value", Json::str(&self.value))
    }

    fn from_json(json: &Json) -> Result<Self, String> {
        Ok(CursorRecord {
            account: json.string("account")?,
            key: json.string("key")?,
            value: json.string("value")?,
        })
    }
}

impl Record for MessageRecord {
    fn to_json(&self) -> Json {
        Json::object()
            .with("account", Json::str(&self.account))
            .with("peer", Json::str(&self.peer))
            .with("id", Json::str(&self.id))
            .with("time", Json::Number(self.time))
            .with("outgoing", Json::Bool(self.outgoing))
            .with("xml", Json::str(&self.xml))
    }

    fn from_json(json: &Json) -> Result<Self, String> {
        Ok(MessageRecord {
            account: json.string("account")?,
            peer: json.string("peer")?,
            id: json.string("id")?,
            time: json.number("time")?,
            outgoing: json.boolean("outgoing", None)?,
            xml: json.string("xml")?,
        })
    }
}

impl Record for PersonRecord {
    fn to_json(&self) -> Json {
        let text = |t: &Option<String>| t.as_deref().map(Json::str);
        Json::object()
            .with("account", Json::str(&self.account))
            .with("jid", Json::str(&self.jid))
            .with_some("nick", text(&self.nick))
            .with_some("full_name", text(&self.full_name))
            .with_some("about", text(&self.about))
            .with_some("avatar", text(&self.avatar))
    }

    fn from_json(json: &Json) -> Result<Self, String> {
        Ok(PersonRecord {
            account: json.string("account")?,
            jid: json.string("jid")?,
            nick: json.opt_string("nick")?,
            full_name: json.opt_string("full_name")?,
            about: json.opt_string("about")?,
            avatar: json.opt_string("avatar")?,
        })
    }
}

/// The image as base64 text: records cross as JSON.
impl Record for AvatarRecord {
    fn to_json(&self) -> Json {
        Json::object()
            .with("account", Json::str(&self.account))
            .with("hash", Json::str(&self.hash))
            .with("type", Json::str(&self.type_))
            .with(
                "data",
                Json::str(&crate::proto::base64::encode(&self.bytes)),
            )
    }

    fn from_json(json: &Json) -> Result<Self, String> {
        let data = json.string("data")?;
        Ok(AvatarRecord {
            account: json.string("account")?,
            hash: json.string("hash")?,
            type_: json.string("type")?,
            bytes: crate::proto::base64::decode(&data).ok_or("\"data\" is not base64")?,
        })
    }
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

    /// The newest `limit` records of the conversation with `peer` older than `before`
    /// (all if `None`), newest first: a page of history, scrolling back.
    async fn messages(
        &self,
        account: &str,
        peer: &str,
        before: Option<f64>,
        limit: usize,
    ) -> StoreResult<Vec<MessageRecord>>;
    /// One batch, one transaction; a record replaces the one with the same id.
    async fn put_messages(&self, records: &[MessageRecord]) -> StoreResult<()>;
    /// The newest record of each conversation of the account, newest first: the chat list.
    async fn conversations(&self, account: &str) -> StoreResult<Vec<MessageRecord>>;

    /// What the account's contacts published about themselves, as last seen.
    async fn people(&self, account: &str) -> StoreResult<Vec<PersonRecord>>;
    /// One batch, one transaction; a record replaces the one of the same person.
    async fn put_people(&self, records: &[PersonRecord]) -> StoreResult<()>;

    /// The avatar image under `hash`, if the device keeps it.
    async fn avatar(&self, account: &str, hash: &str) -> StoreResult<Option<AvatarRecord>>;
    async fn put_avatar(&self, record: &AvatarRecord) -> StoreResult<()>;
    /// The hashes of every avatar kept (not the images): what is never fetched again.
    async fn avatar_hashes(&self, account: &str) -> StoreResult<Vec<String>>;

    /// Sign out with "wipe": every record of the account goes, credentials included.
    async fn wipe_account(&self, account: &str) -> StoreResult<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each record from the JSON serde_json wrote for it (what databases of older
    /// builds hold), and back to the same text.
    fn same<T: Record + PartialEq + std::fmt::Debug>(text: &str, record: T) {
        let json = Json::parse(text).unwrap();
        assert_eq!(T::from_json(&json).as_ref(), Ok(&record), "{text}");
        assert_eq!(record.to_json().to_text(), text);
    }

    fn item() -> ItemRecord {
        ItemRecord {
            service: "a@b".into(),
            node: "urn:xmpp:microblog:0".into(),
            id: "p1".into(),
        }
    }

    #[test]
    fn records_read_and_write_as_serde_did() {
        let keys = RememberedKeys {
            mechanism: "SCRAM-SHA-256".into(),
            salt: "c2FsdA==".into(),
            iterations: 4096,
            client_key: "Y2s=".into(),
            server_key: "c2s=".into(),
        };
        same(
            r#"{"jid":"a@b","keys":null,"last_used":1700000000123}"#,
            AccountRecord {
                jid: "a@b".into(),
                keys: None,
                last_used: 1_700_000_000_123.0,
            },
        );
        same(
            r#"{"jid":"a@b","keys":{"mechanism":"SCRAM-SHA-256","salt":"c2FsdA==","iterations":4096,"client_key":"Y2s=","server_key":"c2s="},"last_used":0.5}"#,
            AccountRecord {
                jid: "a@b".into(),
                keys: Some(keys),
                last_used: 0.5,
            },
        );
        same(
            r#"{"account":"a@b","jid":"c@d","name":"Cé \"C\"","subscription":"both","pending_out":false,"groups":["Friends","Work"]}"#,
            ContactRecord {
                account: "a@b".into(),
                jid: "c@d".into(),
                name: Some("Cé \"C\"".into()),
                subscription: "both".into(),
                pending_out: false,
                groups: vec!["Friends".into(), "Work".into()],
            },
        );
        same(
            r#"{"account":"a@b","jid":"c@d","name":null,"subscription":"none","pending_out":true,"groups":[]}"#,
            ContactRecord {
                account: "a@b".into(),
                jid: "c@d".into(),
                name: None,
                subscription: "none".into(),
                pending_out: true,
                groups: vec![],
            },
        );
        let outbox = OutboxRecord {
            account: "a@b".into(),
            id: "w1".into(),
            queue: "q".into(),
            seq: 3.0,
            kind: "post".into(),
            target: "p1".into(),
            payload: "<iq/>".into(),
            failed: None,
            item: Some(item()),
            access: Some("presence".into()),
            name: Some("N".into()),
        };
        same(
            r#"{"account":"a@b","id":"w1","queue":"q","seq":3,"kind":"post","target":"p1","payload":"<iq/>","failed":null,"item":{"service":"a@b","node":"urn:xmpp:microblog:0","id":"p1"},"access":"presence","name":"N"}"#,
            outbox.clone(),
        );
        let refused = OutboxRecord {
            failed: Some("forbidden".into()),
            item: None,
            access: None,
            name: None,
            ..outbox.clone()
        };
        same(
            r#"{"account":"a@b","id":"w1","queue":"q","seq":3,"kind":"post","target":"p1","payload":"<iq/>","failed":"forbidden"}"#,
            refused,
        );
        // Written before Kith kept the target: it reads as empty.
        let old = r#"{"account":"a@b","id":"w1","queue":"q","seq":3,"kind":"post","payload":"<iq/>","failed":null}"#;
        let old = OutboxRecord::from_json(&Json::parse(old).unwrap()).unwrap();
        assert_eq!((old.target.as_str(), old.item), ("", None));

        let post = PostRecord {
            account: "a@b".into(),
            service: "c@d".into(),
            node: "urn:xmpp:microblog:0".into(),
            id: "p1".into(),
            author: "c@d".into(),
            publisher: None,
            published: 1_700_000_000_000.0,
            xml: "<entry xmlns='http://www.w3.org/2005/Atom'/>".into(),
            thread: ThreadRecord::Node {
                service: "pubsub.d".into(),
                node: "comments".into(),
            },
        };
        same(
            r#"{"account":"a@b","service":"c@d","node":"urn:xmpp:microblog:0","id":"p1","author":"c@d","published":1700000000000,"xml":"<entry xmlns='http://www.w3.org/2005/Atom'/>","thread":{"Node":{"service":"pubsub.d","node":"comments"}}}"#,
            post.clone(),
        );
        same(
            r#"{"account":"a@b","service":"c@d","node":"urn:xmpp:microblog:0","id":"p1","author":"c@d","publisher":"e@f","published":1700000000000,"xml":"<entry xmlns='http://www.w3.org/2005/Atom'/>","thread":"None"}"#,
            PostRecord {
                publisher: Some("e@f".into()),
                thread: ThreadRecord::None,
                ..post.clone()
            },
        );
        let unknown = PostRecord {
            thread: ThreadRecord::Unknown,
            ..post.clone()
        };
        let text = unknown.to_json().to_text();
        assert!(text.ends_with(r#","thread":"Unknown"}"#), "{text}");
        let without = Json::parse(&text.replace(r#","thread":"Unknown""#, "")).unwrap();
        assert_eq!(PostRecord::from_json(&without), Ok(unknown));

        same(
            r#"{"account":"a@b","peer":"c@d","id":"m1","time":1700000000000.5,"outgoing":true,"xml":"<message id='m1'/>"}"#,
            MessageRecord {
                account: "a@b".into(),
                peer: "c@d".into(),
                id: "m1".into(),
                time: 1_700_000_000_000.5,
                outgoing: true,
                xml: "<message id='m1'/>".into(),
            },
        );
        same(
            r#"{"account":"a@b","jid":"c@d","nick":"C","full_name":"Cé D","about":"Hi","avatar":"a9993e364706816aba3e25717850c26c9cd0d89d"}"#,
            PersonRecord {
                account: "a@b".into(),
                jid: "c@d".into(),
                nick: Some("C".into()),
                full_name: Some("Cé D".into()),
                about: Some("Hi".into()),
                avatar: Some("a9993e364706816aba3e25717850c26c9cd0d89d".into()),
            },
        );
        same(
            r#"{"account":"a@b","jid":"c@d"}"#,
            PersonRecord {
                account: "a@b".into(),
                jid: "c@d".into(),
                ..Default::default()
            },
        );
        same(
            r#"{"account":"a@b","hash":"a9993e364706816aba3e25717850c26c9cd0d89d","type":"image/png","data":"YWJj"}"#,
            AvatarRecord {
                account: "a@b".into(),
                hash: "a9993e364706816aba3e25717850c26c9cd0d89d".into(),
                type_: "image/png".into(),
                bytes: b"abc".to_vec(),
            },
        );
        same(
            r#"{"account":"a@b","key":"roster-version","value":"v1"}"#,
            CursorRecord {
                account: "a@b".into(),
                key: "roster-version".into(),
                value: "v1".into(),
            },
        );
    }

    #[test]
    fn records_with_missing_or_mistyped_fields_are_refused() {
        for (text, why) in [
            (r#"{"jid":"a@b","last_used":1}"#, None),
            (
                r#"{"keys":null,"last_used":1}"#,
                Some("\"jid\" is not a string"),
            ),
            (
                r#"{"jid":"a@b","keys":null,"last_used":"1"}"#,
                Some("\"last_used\" is not a number"),
            ),
            (
                r#"{"jid":"a@b","keys":{"mechanism":"m","salt":"s","iterations":-1,"client_key":"c","server_key":"s"},"last_used":1}"#,
                Some("\"iterations\" is not a u32"),
            ),
            (
                r#"{"jid":"a@b","keys":{"mechanism":"m","salt":"s","iterations":1.5,"client_key":"c","server_key":"s"},"last_used":1}"#,
                Some("\"iterations\" is not a u32"),
            ),
        ] {
            let read = AccountRecord::from_json(&Json::parse(text).unwrap());
            assert_eq!(read.err().as_deref(), why, "{text}");
        }
        let contact = |groups: &str| {
            let text = format!(
                r#"{{"account":"a","jid":"c","name":null,"subscription":"none","pending_out":false,"groups":{groups}}}"#
            );
            ContactRecord::from_json(&Json::parse(&text).unwrap())
        };
        assert!(contact("[]").is_ok());
        assert!(contact("[1]").is_err());
        assert!(contact("null").is_err());
        let message = |outgoing: &str| {
            let text = format!(
                r#"{{"account":"a","peer":"c","id":"m","time":1,"outgoing":{outgoing},"xml":"<message/>"}}"#
            );
            MessageRecord::from_json(&Json::parse(&text).unwrap())
        };
        assert!(message("false").is_ok());
        assert!(message("\"yes\"").is_err());
        assert!(message("null").is_err());
        for thread in [
            r#""Later""#,
            r#"{"Node":{"service":"s"}}"#,
            r#"{"Other":{}}"#,
            "null",
            "1",
        ] {
            assert!(
                ThreadRecord::from_json(&Json::parse(thread).unwrap()).is_err(),
                "{thread}"
            );
        }
    }
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
