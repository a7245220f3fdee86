//! Browser tests of the IndexedDB store: the same checks run against the memory twin and
//! the real thing, so the two agree; then upgrades, fallbacks and the other-tab cases.
//! Every test uses its own database and deletes it at the end.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use kith::store::device::{open_device_store_with, DeviceStore};
use kith::store::idb::{store_error, IdbStore};
use kith::store::schema::{self, Step};
use kith::store::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Event, IdbDatabase, IdbFactory, IdbOpenDbRequest, IdbTransactionMode};

wasm_bindgen_test_configure!(run_in_browser);

const A: &str = "alice@example.org";
const B: &str = "bob@example.org";

fn factory() -> IdbFactory {
    web_sys::window().unwrap().indexed_db().unwrap().unwrap()
}

fn unique(test: &str) -> String {
    format!("kith-test-{test}-{}", js_sys::Math::random())
}

/// Resolves on the request's `success`, fails the test on `error` or `blocked`.
async fn settle(request: &web_sys::IdbRequest, blocked: Option<&web_sys::IdbOpenDbRequest>) {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
        if let Some(open) = blocked {
            open.set_onblocked(Some(&reject));
        }
    });
    JsFuture::from(promise)
        .await
        .expect("the request failed or was blocked");
}

async fn delete(name: &str) {
    let request = factory().delete_database(name).unwrap();
    settle(&request, Some(&request)).await;
}

/// Opens `name` at `version` without the code under test, applying the steps of
/// `versions` on upgrade.
async fn raw_open(name: &str, version: u32, versions: &'static [&'static [Step]]) -> IdbDatabase {
    let request = factory().open_with_u32(name, version).unwrap();
    let upgrade = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        let request: IdbOpenDbRequest = event.target().unwrap().unchecked_into();
        let db: IdbDatabase = request.result().unwrap().unchecked_into();
        let tx = request.transaction().unwrap();
        for step in versions.iter().flat_map(|steps| steps.iter()) {
            match *step {
                Step::CreateStore { name, key_path } => {
                    let params = web_sys::IdbObjectStoreParameters::new();
                    params.set_key_path(&path(key_path));
                    db.create_object_store_with_optional_parameters(name, &params)
                        .unwrap();
                }
                Step::CreateIndex {
                    store,
                    name,
                    key_path,
                    ..
                } => {
                    tx.object_store(store)
                        .unwrap()
                        .create_index_with_str_sequence(name, &path(key_path))
                        .unwrap();
                }
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    settle(&request, Some(&request)).await;
    request.result().unwrap().unchecked_into()
}

fn path(parts: &[&str]) -> JsValue {
    match parts {
        [one] => JsValue::from_str(one),
        _ => parts
            .iter()
            .map(|p| JsValue::from_str(p))
            .collect::<Array>()
            .into(),
    }
}

/// Writes one record the way an older build would: a plain object in one transaction.
async fn raw_put(db: &IdbDatabase, store: &str, record: &impl Record) {
    let tx = db
        .transaction_with_str_and_mode(store, IdbTransactionMode::Readwrite)
        .unwrap();
    let value = js_sys::JSON::parse(&record.to_json().to_text()).unwrap();
    tx.object_store(store).unwrap().put(&value).unwrap();
    let done = Promise::new(&mut |resolve: Function, reject: Function| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onabort(Some(&reject));
    });
    JsFuture::from(done).await.unwrap();
}

async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

// Records, as in the memory store's own tests.

fn account(jid: &str, last_used: f64) -> AccountRecord {
    AccountRecord {
        jid: jid.into(),
        keys: None,
        last_used,
    }
}

fn contact(account: &str, jid: &str) -> ContactRecord {
    ContactRecord {
        account: account.into(),
        jid: jid.into(),
        name: None,
        subscription: "both".into(),
        pending_out: false,
        groups: vec![],
    }
}

fn entry(account: &str, id: &str, queue: &str, seq: f64) -> OutboxRecord {
    OutboxRecord {
        account: account.into(),
        id: id.into(),
        queue: queue.into(),
        seq,
        kind: "roster".into(),
        target: String::new(),
        payload: format!("<iq id='{id}'/>"),
        failed: None,
        item: None,
        access: None,
        name: None,
    }
}

fn post(account: &str, id: &str, published: f64) -> PostRecord {
    PostRecord {
        account: account.into(),
        service: "bob@example.org".into(),
        node: "urn:xmpp:microblog:0".into(),
        id: id.into(),
        author: "bob@example.org".into(),
        publisher: None,
        published,
        xml: format!("<entry><id>{id}</id></entry>"),
        thread: ThreadRecord::None,
    }
}

fn message(account: &str, peer: &str, id: &str, time: f64) -> MessageRecord {
    MessageRecord {
        account: account.into(),
        peer: peer.into(),
        id: id.into(),
        time,
        outgoing: false,
        xml: format!("<message id='{id}'><body>{id}</body></message>"),
    }
}

fn ids(records: Vec<MessageRecord>) -> Vec<String> {
    records.into_iter().map(|m| m.id).collect()
}

fn cursor(account: &str, key: &str, value: &str) -> CursorRecord {
    CursorRecord {
        account: account.into(),
        key: key.into(),
        value: value.into(),
    }
}

/// The SHA-1 of `abc`: an avatar's key.
const ABC: &str = "a9993e364706816aba3e25717850c26c9cd0d89d";

fn person(account: &str, jid: &str, nick: Option<&str>, avatar: Option<&str>) -> PersonRecord {
    PersonRecord {
        account: account.into(),
        jid: jid.into(),
        nick: nick.map(Into::into),
        avatar: avatar.map(Into::into),
        ..Default::default()
    }
}

/// Every byte value, so that nothing is lost on the way through JSON.
fn avatar(account: &str, hash: &str) -> AvatarRecord {
    AvatarRecord {
        account: account.into(),
        hash: hash.into(),
        type_: "image/png".into(),
        bytes: (0..=255).collect(),
    }
}

// The shared checks: each starts from an empty store.

async fn the_newest_account_is_the_warm_start(s: &impl Store) {
    assert_eq!(s.last_account().await, Ok(None));
    for (jid, at) in [(A, 2.0), (B, 1.0)] {
        s.put_account(&account(jid, at)).await.unwrap();
    }
    assert_eq!(s.last_account().await.unwrap().unwrap().jid, A);
    // Every field comes back as written, remembered keys included.
    let remembered = AccountRecord {
        jid: B.into(),
        keys: Some(RememberedKeys {
            mechanism: "SCRAM-SHA-256".into(),
            salt: "c2FsdA==".into(),
            iterations: 4096,
            client_key: "Y2xpZW50".into(),
            server_key: "c2VydmVy".into(),
        }),
        last_used: 1_700_000_000_123.5,
    };
    s.put_account(&remembered).await.unwrap();
    assert_eq!(s.last_account().await.unwrap(), Some(remembered));
}

async fn roster_replace_and_pushes_keep_the_version(s: &impl Store) {
    let roster = CachedRoster {
        version: Some("v1".into()),
        contacts: vec![contact(A, "x@y"), contact(A, "z@y")],
    };
    s.replace_roster(A, &roster).await.unwrap();
    assert_eq!(s.roster(A).await.unwrap(), roster);
    s.update_contact(A, Some("v2"), Err("x@y")).await.unwrap();
    s.update_contact(A, Some("v3"), Ok(&contact(A, "w@y")))
        .await
        .unwrap();
    let back = s.roster(A).await.unwrap();
    assert_eq!(back.version.as_deref(), Some("v3"));
    let jids: Vec<_> = back.contacts.iter().map(|c| c.jid.as_str()).collect();
    assert_eq!(jids, ["w@y", "z@y"]);
    assert_eq!(s.roster(B).await.unwrap(), CachedRoster::default());

    // Optional fields survive; a push without a version clears it.
    let named = ContactRecord {
        name: Some("Zoé".into()),
        pending_out: true,
        groups: vec!["Friends".into(), "Work".into()],
        ..contact(A, "z@y")
    };
    s.update_contact(A, None, Ok(&named)).await.unwrap();
    let back = s.roster(A).await.unwrap();
    assert_eq!(back.version, None);
    assert_eq!(back.contacts[1], named);

    // A full fetch replaces everything of that account only.
    s.replace_roster(
        B,
        &CachedRoster {
            version: Some("b1".into()),
            contacts: vec![contact(B, "x@y")],
        },
    )
    .await
    .unwrap();
    let fresh = CachedRoster {
        version: None,
        contacts: vec![contact(A, "q@y")],
    };
    s.replace_roster(A, &fresh).await.unwrap();
    assert_eq!(s.roster(A).await.unwrap(), fresh);
    assert_eq!(s.roster(B).await.unwrap().contacts.len(), 1);

    // A large roster is written a slice at a time, all of it, in one transaction.
    let large = CachedRoster {
        version: Some("big".into()),
        contacts: (0..1234)
            .map(|i| contact(A, &format!("c{i:05}@y")))
            .collect(),
    };
    s.replace_roster(A, &large).await.unwrap();
    assert_eq!(s.roster(A).await.unwrap(), large);
    s.replace_roster(A, &fresh).await.unwrap();
    assert_eq!(s.roster(A).await.unwrap(), fresh);
    assert_eq!(s.roster(B).await.unwrap().contacts.len(), 1);
}

async fn outbox_comes_back_in_writing_order(s: &impl Store) {
    for (id, seq) in [("c", 3.0), ("a", 1.0), ("b", 2.0)] {
        s.put_outbox(&entry(A, id, "q", seq)).await.unwrap();
    }
    s.put_outbox(&entry(B, "z", "q", 0.5)).await.unwrap();
    s.delete_outbox(A, "b").await.unwrap();
    let ids: Vec<_> = s
        .outbox(A)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, ["a", "c"]);
    // A refusal is recorded on the same entry.
    // With every field a typed entry keeps, so they all survive the store.
    let refused = OutboxRecord {
        failed: Some("forbidden".into()),
        kind: "post".into(),
        item: Some(kith::store::ItemRecord {
            service: A.into(),
            node: "urn:xmpp:microblog:0".into(),
            id: "p1".into(),
        }),
        access: Some("open".into()),
        name: Some("Juliet".into()),
        ..entry(A, "a", "q", 1.0)
    };
    s.put_outbox(&refused).await.unwrap();
    assert_eq!(s.outbox(A).await.unwrap()[0], refused);
}

async fn posts_newest_first_and_replaced_by_key(s: &impl Store) {
    s.put_posts(&[post(A, "1", 10.0), post(A, "2", 30.0), post(A, "3", 20.0)])
        .await
        .unwrap();
    // An edit republishes the same item: one record, not two.
    s.put_posts(&[post(A, "1", 40.0)]).await.unwrap();
    let ids: Vec<_> = s
        .posts(A, 3)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(s.posts(A, 1).await.unwrap(), [post(A, "1", 40.0)]);
    assert!(s.posts(A, 0).await.unwrap().is_empty());
    s.delete_post(A, B, "urn:xmpp:microblog:0", "2")
        .await
        .unwrap();
    assert_eq!(s.posts(A, 10).await.unwrap().len(), 2);
    assert!(s.posts(B, 10).await.unwrap().is_empty());
}

async fn cursors_by_account_and_name(s: &impl Store) {
    assert_eq!(s.cursor(A, "mam").await, Ok(None));
    s.put_cursor(&cursor(A, "mam", "1")).await.unwrap();
    s.put_cursor(&cursor(A, "mam", "2")).await.unwrap();
    s.put_cursor(&cursor(B, "mam", "b")).await.unwrap();
    assert_eq!(s.cursor(A, "mam").await.unwrap().as_deref(), Some("2"));
    assert_eq!(s.cursor(B, "mam").await.unwrap().as_deref(), Some("b"));
}

async fn messages_come_back_a_page_at_a_time_newest_first(s: &impl Store) {
    let batch = [
        message(A, B, "1", 10.0),
        message(A, B, "3", 30.0),
        message(A, B, "2", 20.0),
        message(A, B, "4", 40.0),
        message(A, "carol@example.org", "c", 50.0),
        message(B, A, "x", 60.0),
    ];
    s.put_messages(&batch).await.unwrap();
    assert_eq!(
        ids(s.messages(A, B, None, 10).await.unwrap()),
        ["4", "3", "2", "1"]
    );
    assert_eq!(ids(s.messages(A, B, None, 2).await.unwrap()), ["4", "3"]);
    // The next page starts below the oldest shown, exclusive.
    assert_eq!(
        ids(s.messages(A, B, Some(30.0), 2).await.unwrap()),
        ["2", "1"]
    );
    assert_eq!(ids(s.messages(A, B, Some(30.5), 1).await.unwrap()), ["3"]);
    assert!(s.messages(A, B, Some(10.0), 2).await.unwrap().is_empty());
    assert!(s.messages(A, B, None, 0).await.unwrap().is_empty());
    assert!(s
        .messages(A, "nobody@example.org", None, 5)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(ids(s.messages(B, A, None, 5).await.unwrap()), ["x"]);
    // The same id again replaces, every field as written.
    let again = MessageRecord {
        outgoing: true,
        xml: "<message id='1'><body>Zoé &amp; \"co\"</body></message>".into(),
        ..message(A, B, "1", 1_700_000_000_045.5)
    };
    s.put_messages(std::slice::from_ref(&again)).await.unwrap();
    let page = s.messages(A, B, None, 10).await.unwrap();
    assert_eq!(page.len(), 4);
    assert_eq!(page[0], again);
    // Equal times: highest id first, in both stores.
    s.put_messages(&[message(A, B, "0", 40.0), message(A, B, "5", 40.0)])
        .await
        .unwrap();
    assert_eq!(
        ids(s.messages(A, B, Some(1e12), 3).await.unwrap()),
        ["5", "4", "0"]
    );
    s.put_messages(&[]).await.unwrap();
}

async fn conversations_are_each_peers_newest_newest_first(s: &impl Store) {
    assert!(s.conversations(A).await.unwrap().is_empty());
    s.put_messages(&[
        message(A, B, "b1", 10.0),
        message(A, B, "b2", 40.0),
        message(A, B, "b3", 20.0),
        message(A, "carol@example.org", "c1", 30.0),
        message(A, "dave@example.org", "d1", 50.0),
        message(A, "dave@example.org", "d0", 5.0),
        message(A, "erin@example.org", "e1", 30.0),
        message(B, A, "x", 60.0),
        message(B, "zed@example.org", "z", 1.0),
    ])
    .await
    .unwrap();
    // Equal times: the later peer first (the reverse cursor's order).
    assert_eq!(
        ids(s.conversations(A).await.unwrap()),
        ["d1", "b2", "e1", "c1"]
    );
    assert_eq!(ids(s.conversations(B).await.unwrap()), ["x", "z"]);
    // A newer record moves its conversation to the top.
    s.put_messages(&[message(A, "carol@example.org", "c2", 70.0)])
        .await
        .unwrap();
    assert_eq!(
        ids(s.conversations(A).await.unwrap()),
        ["c2", "d1", "b2", "e1"]
    );
}

async fn ten_thousand_messages_in_one_batch(s: &impl Store) {
    // Written out of order, with another conversation's newer records beside them.
    let mut batch: Vec<MessageRecord> = (0..10_000)
        .map(|i| {
            let time = f64::from((i * 7919) % 10_000);
            message(A, B, &format!("m{time}"), time)
        })
        .collect();
    batch.push(message(A, "carol@example.org", "elsewhere", 50_000.0));
    s.put_messages(&batch).await.unwrap();
    let newest = s.messages(A, B, None, 50).await.unwrap();
    let times: Vec<f64> = newest.iter().map(|m| m.time).collect();
    let expected: Vec<f64> = (9950..10_000).rev().map(f64::from).collect();
    assert_eq!(times, expected);
    assert!(newest.iter().all(|m| m.peer == B));
    assert_eq!(s.conversations(A).await.unwrap().len(), 2);
}

async fn wipe_removes_one_account_only(s: &impl Store) {
    for jid in [A, B] {
        s.put_account(&account(jid, 1.0)).await.unwrap();
        s.put_outbox(&entry(jid, "1", "q", 1.0)).await.unwrap();
        s.put_posts(&[post(jid, "1", 1.0)]).await.unwrap();
        s.put_cursor(&cursor(jid, "k", "v")).await.unwrap();
        let roster = CachedRoster {
            version: Some("v".into()),
            contacts: vec![contact(jid, "x@y")],
        };
        s.replace_roster(jid, &roster).await.unwrap();
        s.put_messages(&[message(jid, "c@d", "1", 1.0)])
            .await
            .unwrap();
        s.put_people(&[person(jid, "c@d", Some("C"), Some(ABC))])
            .await
            .unwrap();
        s.put_avatar(&avatar(jid, ABC)).await.unwrap();
    }
    s.wipe_account(A).await.unwrap();
    assert!(s.people(A).await.unwrap().is_empty());
    assert_eq!(s.avatar(A, ABC).await.unwrap(), None);
    assert!(s.avatar_hashes(A).await.unwrap().is_empty());
    assert_eq!(s.people(B).await.unwrap().len(), 1);
    assert_eq!(s.avatar_hashes(B).await.unwrap(), [ABC]);
    assert!(s.messages(A, "c@d", None, 10).await.unwrap().is_empty());
    assert!(s.conversations(A).await.unwrap().is_empty());
    assert_eq!(s.messages(B, "c@d", None, 10).await.unwrap().len(), 1);
    assert!(s.outbox(A).await.unwrap().is_empty());
    assert!(s.posts(A, 10).await.unwrap().is_empty());
    assert_eq!(s.cursor(A, "k").await.unwrap(), None);
    assert_eq!(s.roster(A).await.unwrap(), CachedRoster::default());
    assert_eq!(s.last_account().await.unwrap().unwrap().jid, B);
    assert_eq!(s.outbox(B).await.unwrap().len(), 1);
    assert_eq!(s.posts(B, 10).await.unwrap().len(), 1);
    assert_eq!(s.cursor(B, "k").await.unwrap().as_deref(), Some("v"));
    assert_eq!(s.roster(B).await.unwrap().version.as_deref(), Some("v"));
}

async fn people_and_avatars_by_hash(s: &impl Store) {
    assert!(s.people(A).await.unwrap().is_empty());
    assert_eq!(s.avatar(A, ABC).await.unwrap(), None);
    assert!(s.avatar_hashes(A).await.unwrap().is_empty());
    let bob = person(A, B, Some("Bobby"), Some(ABC));
    let carol = person(A, "carol@example.org", None, None);
    s.put_people(&[bob.clone(), carol.clone(), person(B, A, Some("Al"), None)])
        .await
        .unwrap();
    let mut people = s.people(A).await.unwrap();
    people.sort_by(|a, b| a.jid.cmp(&b.jid));
    assert_eq!(people, [bob.clone(), carol.clone()]);
    // A person's record replaces the one before.
    let renamed = PersonRecord {
        nick: Some("Bob".into()),
        full_name: Some("Robert".into()),
        about: Some("<script>hi</script>".into()),
        ..bob
    };
    s.put_people(std::slice::from_ref(&renamed)).await.unwrap();
    assert!(s.people(A).await.unwrap().contains(&renamed));
    assert_eq!(s.people(A).await.unwrap().len(), 2);

    s.put_avatar(&avatar(A, ABC)).await.unwrap();
    s.put_avatar(&avatar(B, "b".repeat(40).as_str()))
        .await
        .unwrap();
    assert_eq!(s.avatar(A, ABC).await.unwrap(), Some(avatar(A, ABC)));
    // Kept per account.
    assert_eq!(s.avatar(B, ABC).await.unwrap(), None);
    assert_eq!(s.avatar_hashes(A).await.unwrap(), [ABC]);
    assert_eq!(s.avatar_hashes(B).await.unwrap(), ["b".repeat(40)]);
}

/// Runs one check on a fresh memory store and on a fresh IndexedDB store.
macro_rules! twin_test {
    ($($check:ident),* $(,)?) => {$(
        mod $check {
            use super::*;

            #[wasm_bindgen_test]
            async fn memory() {
                super::$check(&MemoryStore::new()).await;
            }

            #[wasm_bindgen_test]
            async fn indexed_db() {
                let name = unique(stringify!($check));
                let store = IdbStore::open_in(&factory(), &name).await.unwrap();
                assert_eq!(store.version(), schema::CURRENT);
                super::$check(&store).await;
                drop(store);
                delete(&name).await;
            }
        }
    )*};
}

twin_test!(
    the_newest_account_is_the_warm_start,
    roster_replace_and_pushes_keep_the_version,
    outbox_comes_back_in_writing_order,
    posts_newest_first_and_replaced_by_key,
    cursors_by_account_and_name,
    messages_come_back_a_page_at_a_time_newest_first,
    conversations_are_each_peers_newest_newest_first,
    ten_thousand_messages_in_one_batch,
    wipe_removes_one_account_only,
    people_and_avatars_by_hash,
);

#[wasm_bindgen_test]
async fn upgrading_from_v1_keeps_the_data() {
    let name = unique("upgrade");
    let v1 = raw_open(&name, 1, &schema::VERSIONS[..1]).await;
    raw_put(&v1, schema::ACCOUNTS, &account(A, 5.0)).await;
    raw_put(&v1, schema::ROSTER, &contact(A, "x@y")).await;
    raw_put(&v1, schema::OUTBOX, &entry(A, "1", "q", 1.0)).await;
    v1.close();

    let store = IdbStore::open_in(&factory(), &name).await.unwrap();
    assert_eq!(store.version(), schema::CURRENT);
    assert_eq!(store.last_account().await.unwrap(), Some(account(A, 5.0)));
    let roster = store.roster(A).await.unwrap();
    assert_eq!(roster.contacts, [contact(A, "x@y")]);
    assert_eq!(roster.version, None);
    assert_eq!(store.outbox(A).await.unwrap(), [entry(A, "1", "q", 1.0)]);
    // The stores of v2 exist and work.
    store.put_posts(&[post(A, "p", 1.0)]).await.unwrap();
    assert_eq!(store.posts(A, 10).await.unwrap(), [post(A, "p", 1.0)]);
    store.put_cursor(&cursor(A, "k", "v")).await.unwrap();
    assert_eq!(store.cursor(A, "k").await.unwrap().as_deref(), Some("v"));
    store
        .update_contact(A, Some("v2"), Ok(&contact(A, "z@y")))
        .await
        .unwrap();
    assert_eq!(
        store.roster(A).await.unwrap().version.as_deref(),
        Some("v2")
    );
    // And those of v3.
    store
        .put_messages(&[message(A, B, "m", 1.0)])
        .await
        .unwrap();
    assert_eq!(store.conversations(A).await.unwrap().len(), 1);
    drop(store);
    delete(&name).await;
}

#[wasm_bindgen_test]
async fn upgrading_from_v2_keeps_the_data_and_gains_messages() {
    let name = unique("upgrade-v2");
    let v2 = raw_open(&name, 2, &schema::VERSIONS[..2]).await;
    raw_put(&v2, schema::POSTS, &post(A, "p", 1.0)).await;
    raw_put(&v2, schema::ROSTER, &contact(A, "x@y")).await;
    raw_put(&v2, schema::OUTBOX, &entry(A, "1", "q", 1.0)).await;
    v2.close();

    let store = IdbStore::open_in(&factory(), &name).await.unwrap();
    assert_eq!(store.version(), schema::CURRENT);
    assert_eq!(store.posts(A, 10).await.unwrap(), [post(A, "p", 1.0)]);
    assert_eq!(store.roster(A).await.unwrap().contacts, [contact(A, "x@y")]);
    assert_eq!(store.outbox(A).await.unwrap(), [entry(A, "1", "q", 1.0)]);
    let hello = message(A, B, "m1", 2.0);
    store
        .put_messages(std::slice::from_ref(&hello))
        .await
        .unwrap();
    assert_eq!(
        store.messages(A, B, None, 10).await.unwrap(),
        std::slice::from_ref(&hello)
    );
    assert_eq!(store.conversations(A).await.unwrap(), [hello]);
    drop(store);
    delete(&name).await;
}

#[wasm_bindgen_test]
async fn upgrading_from_v3_keeps_the_data_and_gains_people_and_avatars() {
    let name = unique("upgrade-v3");
    let v3 = raw_open(&name, 3, &schema::VERSIONS[..3]).await;
    raw_put(&v3, schema::ACCOUNTS, &account(A, 5.0)).await;
    raw_put(&v3, schema::ROSTER, &contact(A, "x@y")).await;
    raw_put(&v3, schema::OUTBOX, &entry(A, "1", "q", 1.0)).await;
    raw_put(&v3, schema::POSTS, &post(A, "p", 1.0)).await;
    raw_put(&v3, schema::CURSORS, &cursor(A, "k", "v")).await;
    raw_put(&v3, schema::MESSAGES, &message(A, B, "m", 1.0)).await;
    v3.close();

    let store = IdbStore::open_in(&factory(), &name).await.unwrap();
    assert_eq!(store.version(), schema::CURRENT);
    assert_eq!(store.last_account().await.unwrap(), Some(account(A, 5.0)));
    assert_eq!(store.roster(A).await.unwrap().contacts, [contact(A, "x@y")]);
    assert_eq!(store.outbox(A).await.unwrap(), [entry(A, "1", "q", 1.0)]);
    assert_eq!(store.posts(A, 10).await.unwrap(), [post(A, "p", 1.0)]);
    assert_eq!(store.cursor(A, "k").await.unwrap().as_deref(), Some("v"));
    assert_eq!(
        store.messages(A, B, None, 10).await.unwrap(),
        [message(A, B, "m", 1.0)]
    );
    let bob = person(A, B, Some("Bobby"), Some(ABC));
    store.put_people(std::slice::from_ref(&bob)).await.unwrap();
    assert_eq!(store.people(A).await.unwrap(), [bob]);
    store.put_avatar(&avatar(A, ABC)).await.unwrap();
    assert_eq!(store.avatar(A, ABC).await.unwrap(), Some(avatar(A, ABC)));
    drop(store);
    delete(&name).await;
}

#[wasm_bindgen_test]
async fn no_indexed_db_falls_back_to_memory() {
    let (store, why) = open_device_store_with(None, &unique("fallback")).await;
    assert!(matches!(why, Some(StoreError::Unavailable(_))));
    assert!(matches!(store, DeviceStore::Memory(_)));
    assert!(!store.is_persistent());
    store.put_outbox(&entry(A, "1", "q", 1.0)).await.unwrap();
    assert_eq!(store.outbox(A).await.unwrap().len(), 1);
}

#[wasm_bindgen_test]
async fn the_device_store_opens_indexed_db_when_it_can() {
    let name = unique("device");
    let (store, why) = open_device_store_with(Some(factory()), &name).await;
    assert_eq!(why, None);
    assert!(store.is_persistent());
    store.put_cursor(&cursor(A, "k", "v")).await.unwrap();
    assert_eq!(store.cursor(A, "k").await.unwrap().as_deref(), Some("v"));
    drop(store);
    delete(&name).await;
}

#[wasm_bindgen_test]
async fn a_newer_tab_is_not_blocked_and_this_one_is_told() {
    let name = unique("versionchange");
    let store = IdbStore::open_in(&factory(), &name).await.unwrap();
    store.put_outbox(&entry(A, "1", "q", 1.0)).await.unwrap();
    let told = Rc::new(Cell::new(false));
    store.on_version_change({
        let told = told.clone();
        move || told.set(true)
    });

    // `raw_open` fails on `blocked`.
    let newer = raw_open(&name, schema::CURRENT + 1, &[]).await;
    assert!(told.get());
    assert_eq!(newer.version() as u32, schema::CURRENT + 1);
    // The old store fails from now on instead of hanging.
    let closed = Err(StoreError::NewerVersion);
    assert_eq!(store.outbox(A).await.map(|o| o.len()), closed);
    drop(store);

    // And this build refuses the newer database rather than touching it.
    let again = IdbStore::open_in(&factory(), &name).await.err();
    assert_eq!(again, Some(StoreError::NewerVersion));
    newer.close();
    delete(&name).await;
}

#[wasm_bindgen_test]
async fn an_old_tab_that_holds_on_blocks_the_open() {
    let name = unique("blocked");
    // An older build's connection without a `versionchange` handler.
    let old = raw_open(&name, 1, &schema::VERSIONS[..1]).await;
    raw_put(&old, schema::ACCOUNTS, &account(A, 1.0)).await;
    let opened = IdbStore::open_in(&factory(), &name).await.err();
    assert_eq!(opened, Some(StoreError::Blocked));

    // Once the old tab goes, the abandoned upgrade is aborted, and a reload upgrades.
    old.close();
    sleep(50).await;
    let store = IdbStore::open_in(&factory(), &name).await.unwrap();
    assert_eq!(store.version(), schema::CURRENT);
    assert_eq!(store.last_account().await.unwrap(), Some(account(A, 1.0)));
    drop(store);
    delete(&name).await;
}

#[wasm_bindgen_test]
fn a_full_disk_is_quota_exceeded() {
    let full = web_sys::DomException::new_with_message_and_name("full", "QuotaExceededError");
    assert_eq!(
        store_error(&full.unwrap().into()),
        StoreError::QuotaExceeded
    );
    let other = web_sys::DomException::new_with_message_and_name("nope", "DataError").unwrap();
    assert!(
        matches!(store_error(&other.into()), StoreError::Failed(why) if why.contains("DataError"))
    );
    let thrown: JsValue = js_sys::Error::new("boom").into();
    assert_eq!(store_error(&thrown), StoreError::Failed("boom".into()));
}

#[wasm_bindgen_test]
async fn a_thousand_posts_in_one_batch() {
    let name = unique("thousand");
    let store = IdbStore::open_in(&factory(), &name).await.unwrap();
    // Written out of order, with another account's newer posts beside them.
    let mut batch: Vec<PostRecord> = (0..1000)
        .map(|i| {
            let published = f64::from((i * 7919) % 1000);
            post(A, &format!("{published}"), published)
        })
        .collect();
    batch.push(post(B, "elsewhere", 5000.0));
    store.put_posts(&batch).await.unwrap();

    let newest = store.posts(A, 50).await.unwrap();
    let times: Vec<f64> = newest.iter().map(|p| p.published).collect();
    let expected: Vec<f64> = (950..1000).rev().map(f64::from).collect();
    assert_eq!(times, expected);
    assert!(newest.iter().all(|p| p.account == A));
    assert_eq!(store.posts(A, 2000).await.unwrap().len(), 1000);
    drop(store);
    delete(&name).await;
}
