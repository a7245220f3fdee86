//! Browser benchmarks of the IndexedDB store, on the real `IdbStore` in headless Chromium:
//! a 1,000-post sync batch written by `put_posts` (one transaction), and the newest 50 of
//! 1,000 cached posts read back by `posts`. Reported by `scripts/bench`, never asserted;
//! not part of `cargo test` (a bench target), so `scripts/test` does not run it.
//!
//!   CHROMEDRIVER=/usr/bin/chromedriver cargo bench --target wasm32-unknown-unknown --bench store
//!
//! The posts are Movim-shaped Atom entries (tests/fixtures/xep0277/movim-post.xml), about
//! 1.5 KB each, every one with its own id, author, date and a few words of its own text so
//! that the browser's storage cannot compress them away. Each timed batch goes into an
//! emptied store; emptying it and making the records are not timed.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use kith::store::idb::IdbStore;
use kith::store::{PostRecord, Store, ThreadRecord};
use wasm_bindgen_test::{wasm_bindgen_bench, wasm_bindgen_test_configure, Criterion, Instant};

wasm_bindgen_test_configure!(run_in_browser);

const ACCOUNT: &str = "alice@localhost";
const NODE: &str = "urn:xmpp:microblog:0";
/// A sync batch: what one pubsub page of a first feed sync brings at most.
const BATCH: usize = 1_000;
/// The timeline's first screen.
const FIRST_SCREEN: usize = 50;
const FIXTURE: &str = include_str!("../tests/fixtures/xep0277/movim-post.xml");
const FIXTURE_ID: &str = "b1a8d9b0-5a8e-4c55-9c5b-8f3c2a1e0d11";
const FIXTURE_AUTHOR: &str = "romeo@montague.example";
const FIXTURE_SENTENCE: &str = "We walked the";
/// 2026-04-02T09:15:00Z, the fixture's date; posts are a minute apart from there.
const EPOCH_MS: f64 = 1_775_121_300_000.0;

const WORDS: &[&str] = &[
    "river", "orchard", "lantern", "harbour", "meadow", "copper", "thistle", "quarry", "ferry",
    "market", "glacier", "pepper", "violin", "compass", "saddle", "bramble", "tunnel", "kettle",
    "pigeon", "marble", "canyon", "ribbon", "walnut", "beacon",
];

/// A few words picked by a xorshift of `seed`: different text in every post.
fn words(seed: u64, bytes: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = String::new();
    while out.len() < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(WORDS[(x % WORDS.len() as u64) as usize]);
        out.push(' ');
    }
    out
}

/// Post number `n` (of all batches): 100 authors, a minute apart, newest last.
fn post(n: u64) -> PostRecord {
    let author = format!("contact{:04}@localhost", n % 100 + 1);
    let id = format!("{:08x}-5a8e-4c55-9c5b-{:012x}", n as u32, n);
    let published = EPOCH_MS + n as f64 * 60_000.0;
    let date: String = js_sys::Date::new(&published.into()).to_iso_string().into();
    let own = words(n, 90);
    let xml = FIXTURE
        .replace(FIXTURE_ID, &id)
        .replace(FIXTURE_AUTHOR, &author)
        .replace("2026-04-02T09:15:00Z", &date)
        .replace(FIXTURE_SENTENCE, &format!("{own}— {FIXTURE_SENTENCE}"));
    PostRecord {
        account: ACCOUNT.into(),
        service: author.clone(),
        node: NODE.into(),
        id,
        author,
        publisher: None,
        published,
        xml,
        thread: ThreadRecord::None,
    }
}

fn batch(first: u64) -> Vec<PostRecord> {
    (first..first + BATCH as u64).map(post).collect()
}

/// A database of its own, deleted by [`forget`].
async fn open(purpose: &str) -> (IdbStore, String) {
    let name = format!("kith-bench-{purpose}-{}", js_sys::Math::random());
    let store = IdbStore::open(&name).await.expect("IndexedDB opens");
    (store, name)
}

/// Closes the store, then lets the browser delete its database. (The benchmark closures
/// must be `'static`, so they hold the store by `Rc`; they are gone by now.)
fn forget(store: Rc<IdbStore>, name: &str) {
    drop(Rc::try_unwrap(store).ok());
    if let Some(factory) = web_sys::window().and_then(|w| w.indexed_db().ok().flatten()) {
        let _ = factory.delete_database(name);
    }
}

#[wasm_bindgen_bench]
async fn put_posts(c: &mut Criterion) {
    // A batch takes a good fraction of a second: criterion's minimum of 10 samples, and
    // time for about two batches per sample.
    let mut c = std::mem::take(c)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    let (store, name) = open("put").await;
    let store = Rc::new(store);
    let sizes: usize = batch(0).iter().map(|p| p.xml.len()).sum();
    wasm_bindgen_test::console_log!("{BATCH} posts of {} bytes of XML on average", sizes / BATCH);
    let next = Rc::new(Cell::new(0u64));
    c.bench_async_function("put_posts 1000", |b| {
        let (store, next) = (store.clone(), next.clone());
        Box::pin(b.iter_custom_future(move |iters| {
            let (store, next) = (store.clone(), next.clone());
            async move {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    store.wipe_account(ACCOUNT).await.expect("wipe");
                    let records = batch(next.get());
                    next.set(next.get() + BATCH as u64);
                    let start = Instant::now();
                    store.put_posts(&records).await.expect("put_posts");
                    timed += start.elapsed();
                }
                timed
            }
        }))
    })
    .await;
    forget(store, &name);
}

#[wasm_bindgen_bench]
async fn newest_posts(c: &mut Criterion) {
    let mut c = std::mem::take(c)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let (store, name) = open("read").await;
    let store = Rc::new(store);
    store.put_posts(&batch(0)).await.expect("put_posts");
    let newest = store.posts(ACCOUNT, FIRST_SCREEN).await.expect("posts");
    assert_eq!(newest.len(), FIRST_SCREEN);
    assert_eq!(newest[0].published, post(BATCH as u64 - 1).published);
    c.bench_async_function("posts 50 of 1000", |b| {
        let store = store.clone();
        Box::pin(b.iter_future(move || {
            let store = store.clone();
            async move { store.posts(ACCOUNT, FIRST_SCREEN).await.expect("posts") }
        }))
    })
    .await;
    forget(store, &name);
}
