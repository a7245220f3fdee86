//! Arbitrary pubsub events from arbitrary senders into the feed: it must never panic,
//! and whatever anyone sends, a post is attributed only to its node's owner, is "own"
//! only on the account's node, comes only from someone followed, and stays bounded.
//!
//! Steps are separated by NUL. A step's first byte picks what it is, its second the
//! sender; the rest is either raw XML inside `<event/>` or a recipe for items built from
//! a few forgeries (publishers, claimed authors, dates, comments links).
#![no_main]

use kith::service::feed::{Feed, MAX_POSTS_PER_OWNER};
use kith::xmpp::Instant;
use libfuzzer_sys::fuzz_target;
use minidom::Element;
use kith::proto::jid::BareJid;
use kith::proto::rfc6121::Message;

const ACCOUNT: &str = "user@example.org";
const MICROBLOG: &str = "urn:xmpp:microblog:0";
/// 2026-12-01: the driver's clock reads ms since the UNIX epoch.
const NOW: u64 = 1_796_083_200_000;

/// Senders, full JIDs among them; `None`: no `from` (the account's server).
const SENDERS: [Option<&str>; 9] = [
    Some(ACCOUNT),
    Some("user@example.org/other"),
    Some("romeo@montague.example"),
    Some("romeo@montague.example/phone"),
    Some("carol@example.net"),
    Some("mallory@evil.example"),
    Some("comments.montague.example"),
    Some("comments.montague.example/x"),
    None,
];
const CONTACTS: [&str; 2] = ["romeo@montague.example", "carol@example.net"];
const NODES: [&str; 4] = [
    MICROBLOG,
    "urn:xmpp:microblog:0:comments/p1",
    "urn:xmpp:microblog:0:comments/other",
    "http://jabber.org/protocol/nick",
];
const PUBLISHERS: [Option<&str>; 5] = [
    None,
    Some(ACCOUNT),
    Some("carol@example.net"),
    Some("user@example.org/kith"),
    Some("not a jid@@"),
];
const DATES: [Option<&str>; 4] = [
    None,
    Some("2026-11-30T10:00:00Z"),
    Some("9999-12-31T23:59:59Z"),
    Some("0001-01-01T00:00:00Z"),
];

fn pick<T: Copy>(list: &[T], byte: u8) -> T {
    list[usize::from(byte) % list.len()]
}

/// One item of a recipe: id, publisher, claimed author, date, and whether the entry
/// links the comments node every follower knows (on Romeo's comments service).
fn recipe_item(chunk: &[u8]) -> String {
    let byte = |i: usize| chunk.get(i).copied().unwrap_or(0);
    let publisher =
        pick(&PUBLISHERS, byte(1)).map_or(String::new(), |p| format!(" publisher='{p}'"));
    let author = match byte(2) % 4 {
        0 => String::new(),
        1 => format!("<author><uri>xmpp:{ACCOUNT}</uri></author>"),
        2 => "<author><name>Carol</name><uri>xmpp:carol@example.net</uri></author>".to_owned(),
        _ => "<author><uri>xmpp:romeo@montague.example</uri></author>".to_owned(),
    };
    let date =
        pick(&DATES, byte(3)).map_or(String::new(), |d| format!("<published>{d}</published>"));
    let link = if byte(4) % 2 == 0 {
        "<link rel='replies' title='comments' \
         href='xmpp:comments.montague.example?;node=urn:xmpp:microblog:0:comments/p1'/>"
    } else {
        ""
    };
    let title = if byte(4) % 3 == 0 { "♥" } else { "t" };
    format!(
        "<item id='i{}'{publisher}><entry xmlns='http://www.w3.org/2005/Atom'>\
         <title>{title}</title>{author}{date}{link}</entry></item>",
        byte(0) % 16
    )
}

fn inner(kind: u8, rest: &[u8]) -> Option<String> {
    let node = pick(&NODES, rest.first().copied().unwrap_or(0));
    let body = rest.get(1..).unwrap_or_default();
    Some(match kind {
        1 => {
            let items: String = body.chunks(5).take(40).map(recipe_item).collect();
            format!("<items node='{node}'>{items}</items>")
        }
        2 => {
            let ids: String = body
                .iter()
                .take(8)
                .map(|b| format!("<retract id='i{}'/>", b % 16))
                .collect();
            format!("<items node='{node}'>{ids}</items>")
        }
        3 => format!("<purge node='{node}'/>"),
        _ => std::str::from_utf8(rest).ok()?.to_owned(),
    })
}

fn message(from: Option<&str>, inner: &str) -> Option<Message> {
    let from = from.map_or(String::new(), |f| format!(" from='{f}'"));
    let xml = format!(
        "<message xmlns='jabber:client'{from} to='{ACCOUNT}/kith' type='headline'>\
         <event xmlns='http://jabber.org/protocol/pubsub#event'>{inner}</event></message>"
    );
    Message::try_from(xml.parse::<Element>().ok()?).ok()
}

fn jid(text: &str) -> BareJid {
    BareJid::new(text).expect("a valid JID")
}

/// The invariants, after every step.
fn check(feed: &Feed, contacts: &[BareJid], now: Instant) {
    let account = jid(ACCOUNT);
    let timeline = feed.timeline();
    for post in &timeline {
        let key = &post.key;
        assert_eq!(key.node, MICROBLOG, "only microblog posts in the timeline");
        assert_eq!(
            post.author.as_str(),
            key.service,
            "a post is its node's owner's"
        );
        assert_eq!(
            feed.is_own(key),
            key.service == ACCOUNT,
            "own only on our node"
        );
        assert!(
            post.author == account || contacts.contains(&post.author),
            "{} is not followed",
            post.author
        );
        assert!(
            post.published <= now.0 as i64 + 5 * 60_000,
            "a date from the future"
        );
        if !feed.is_own(key) {
            assert!(feed.own_post(key).is_none());
            assert!(
                feed.compose_delete(key, &mut || "r".to_owned()).is_none(),
                "deleting another's post"
            );
        }
        let _ = feed.comments(key).iter().map(|c| c.commenter()).count();
        let _ = feed.likes(key);
    }
    for owner in std::iter::once(&account).chain(contacts) {
        let posts = feed.timeline().iter().filter(|p| &p.author == owner).count();
        assert!(posts <= MAX_POSTS_PER_OWNER);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut feed = Feed::new(jid(ACCOUNT));
    let mut contacts: Vec<BareJid> = CONTACTS.iter().map(|c| jid(c)).collect();
    feed.set_contacts(contacts.clone());
    // Romeo's post linking the comments node the recipes publish on, so comment events
    // are taken in.
    let seed = format!(
        "<items node='{MICROBLOG}'>{}</items>",
        recipe_item(&[1, 0, 0, 1, 0])
    );
    let mut now = Instant(NOW);
    if let Some(m) = message(Some("romeo@montague.example"), &seed) {
        feed.handle_message(now, &m);
    }
    for step in data.split(|b| *b == 0) {
        let (kind, sender) = (
            step.first().copied().unwrap_or(0),
            step.get(1).copied().unwrap_or(0),
        );
        now = now + u64::from(sender) * 60_000;
        let rest = step.get(2..).unwrap_or_default();
        if kind % 8 == 4 {
            // The roster changed: keep the contacts whose bit is set.
            contacts = CONTACTS
                .iter()
                .enumerate()
                .filter(|(i, _)| sender & (1 << i) != 0)
                .map(|(_, c)| jid(c))
                .collect();
            feed.set_contacts(contacts.clone());
        } else if let Some(inner) = inner(kind % 8, rest) {
            if let Some(m) = message(pick(&SENDERS, sender), &inner) {
                feed.handle_message(now, &m);
            }
        }
        while feed.poll_change().is_some() {}
        check(&feed, &contacts, now);
    }
});
