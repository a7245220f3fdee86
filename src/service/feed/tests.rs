use super::*;
use crate::proto::rfc6120::{DefinedCondition, ErrorType};
use crate::proto::xep0030::{DiscoInfo, Identity};
use crate::proto::xep0115::{caps_element, caps_string, notify_features, CAPS_NODE};
use crate::service::outbox::{OutboxEntry, WriteKind};
use crate::store::Record;

const MOVIM_POST: &str = include_str!("../../../tests/fixtures/xep0277/movim-post.xml");
const MOVIM_COMMENT: &str = include_str!("../../../tests/fixtures/xep0277/movim-comment.xml");
const MOVIM_LIKE: &str = include_str!("../../../tests/fixtures/xep0277/movim-like.xml");
const SPEC_TEXT_POST: &str = include_str!("../../../tests/fixtures/xep0277/spec-text-post.xml");
const MINIMAL_POST: &str = include_str!("../../../tests/fixtures/xep0277/minimal-post.xml");
const HOSTILE_POST: &str = include_str!("../../../tests/fixtures/xep0277/hostile-post.xml");
const HTML_POST: &str = include_str!("../../../tests/fixtures/xep0277/html-post.xml");

const MOVIM_POST_ID: &str = "b1a8d9b0-5a8e-4c55-9c5b-8f3c2a1e0d11";
const COMMENTS_NODE: &str = "urn:xmpp:microblog:0:comments/b1a8d9b0-5a8e-4c55-9c5b-8f3c2a1e0d11";
const COMMENTS_SERVICE: &str = "comments.montague.example";

fn jid(text: &str) -> BareJid {
    BareJid::new(text).unwrap()
}

fn me() -> BareJid {
    jid("user@example.org")
}

fn romeo() -> BareJid {
    jid("romeo@montague.example")
}

/// The driver's clock reads ms since the UNIX epoch: `ms` after 2026-12-01, later than
/// every date the fixtures carry.
fn t(ms: u64) -> Instant {
    Instant(NOW + ms)
}

const NOW: u64 = 1_796_083_200_000;

fn element(xml: &str) -> Element {
    xml.parse().unwrap()
}

/// A small post of `id`, published `minute` minutes after 10:00.
fn entry(id: &str, title: &str, minute: u32) -> String {
    format!(
        "<entry xmlns='http://www.w3.org/2005/Atom'><id>{id}</id><title>{title}</title>\
         <published>2026-04-02T10:{minute:02}:00Z</published></entry>"
    )
}

fn item(id: &str, publisher: Option<&str>, entry: &str) -> String {
    let publisher = publisher.map_or(String::new(), |p| format!(" publisher='{p}'"));
    format!("<item id='{id}'{publisher}>{entry}</item>")
}

/// An items result of `node` holding `items`, with an RSM `<last>` if given.
fn result(node: &str, items: &[String], last: Option<&str>) -> Element {
    let set = last.map_or(String::new(), |l| {
        format!("<set xmlns='http://jabber.org/protocol/rsm'><last>{l}</last></set>")
    });
    element(&format!(
        "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='{node}'>{}</items>{set}</pubsub>",
        items.concat()
    ))
}

/// `n` posts `p{first}`…, newest first, as PEP returns them.
fn posts(first: u32, n: u32) -> Vec<String> {
    (first..first + n)
        .rev()
        .map(|i| {
            item(
                &format!("p{i}"),
                None,
                &entry(&format!("p{i}"), "post", i % 60),
            )
        })
        .collect()
}

fn event(from: &str, inner: &str) -> Message {
    let xml = format!(
        "<message xmlns='jabber:client' from='{from}' to='user@example.org/kith' type='headline'>\
         <event xmlns='http://jabber.org/protocol/pubsub#event'>{inner}</event></message>"
    );
    Message::try_from(element(&xml)).unwrap()
}

fn requests(feed: &mut Feed, now: Instant) -> Vec<Iq> {
    std::iter::from_fn(|| feed.poll_request(now)).collect()
}

fn changes(feed: &mut Feed) -> Vec<FeedChange> {
    std::iter::from_fn(|| feed.poll_change()).collect()
}

fn id_of(iq: &Iq) -> String {
    match iq {
        Iq::Get { id, .. } | Iq::Set { id, .. } | Iq::Result { id, .. } | Iq::Error { id, .. } => {
            id.clone()
        }
    }
}

fn to_of(iq: &Iq) -> Option<String> {
    match iq {
        Iq::Get { to, .. } | Iq::Set { to, .. } => to.as_ref().map(Jid::to_string),
        _ => None,
    }
}

fn payload_of(iq: &Iq) -> Element {
    match iq {
        Iq::Get { payload, .. } | Iq::Set { payload, .. } => payload.clone(),
        _ => panic!("not a request: {iq:?}"),
    }
}

fn answer(feed: &mut Feed, iq: &Iq, payload: Element) {
    assert!(feed.handle_response(t(0), &id_of(iq), &IqOutcome::Result(Some(payload))));
}

fn fail(feed: &mut Feed, iq: &Iq, condition: DefinedCondition) {
    let error = StanzaError::new(ErrorType::Cancel, condition, "en", "");
    assert!(feed.handle_response(t(0), &id_of(iq), &IqOutcome::Error(error)));
}

/// The XML of an iq, compared as elements so attribute order does not matter.
fn assert_xml(iq: Iq, expected: &str) {
    assert_eq!(Element::from(iq), element(expected));
}

fn titles(feed: &Feed) -> Vec<String> {
    feed.timeline()
        .iter()
        .map(|p| p.entry().title.clone())
        .collect()
}

/// The Movim post's comments service pushing `items` on its comments node.
fn comments_event(items: &[String]) -> Message {
    let publish = format!("<items node='{COMMENTS_NODE}'>{}</items>", items.concat());
    event(COMMENTS_SERVICE, &publish)
}

/// The cursor record the store keeps for `feed`.
fn cursor_records(feed: &Feed) -> Vec<CursorRecord> {
    feed.cursors()
        .into_iter()
        .map(|(key, value)| CursorRecord {
            account: me().to_string(),
            key,
            value,
        })
        .collect()
}

/// The feed as the next start restores it from what the store kept: every post and the
/// cursors.
fn reloaded(feed: &Feed) -> Feed {
    let cursors = cursor_records(feed);
    let records: Vec<PostRecord> = feed
        .timeline()
        .iter()
        .filter_map(|p| feed.record(&p.key))
        .collect();
    Feed::restore(me(), &records, &cursors)
}

/// A feed that synced romeo's microblog (holding the Movim post) and nobody else.
fn synced_with_movim_post() -> Feed {
    let mut feed = Feed::new(me());
    feed.start_sync(vec![romeo()]);
    for iq in requests(&mut feed, t(0)) {
        let items = if to_of(&iq).as_deref() == Some("romeo@montague.example") {
            vec![item(MOVIM_POST_ID, None, MOVIM_POST)]
        } else {
            vec![]
        };
        answer(&mut feed, &iq, result(ns::MICROBLOG, &items, None));
    }
    changes(&mut feed);
    feed
}

// ---- sync ---------------------------------------------------------------------------

#[test]
fn sync_keeps_at_most_six_requests_out_and_reports_progress() {
    let mut feed = Feed::new(me());
    let contacts: Vec<BareJid> = (0..10).map(|i| jid(&format!("c{i}@example.net"))).collect();
    feed.start_sync(contacts);
    assert_eq!(
        feed.progress(),
        Some((0, 11)),
        "the account itself and ten contacts"
    );
    assert_eq!(changes(&mut feed), [FeedChange::Progress]);

    let first = requests(&mut feed, t(0));
    assert_eq!(first.len(), MAX_IN_FLIGHT);
    assert_eq!(
        to_of(&first[0]).as_deref(),
        Some("user@example.org"),
        "own posts first"
    );
    assert!(first.iter().all(|iq| id_of(iq).starts_with("feed-")));
    assert_eq!(
        payload_of(&first[1]),
        element(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <items node='urn:xmpp:microblog:0' max_items='5'/>\
             <set xmlns='http://jabber.org/protocol/rsm'><max>5</max></set></pubsub>"
        ),
        "the first wave asks for small pages"
    );

    answer(&mut feed, &first[0], result(ns::MICROBLOG, &[], None));
    assert_eq!(feed.progress(), Some((1, 11)));
    assert_eq!(changes(&mut feed), [FeedChange::Progress]);
    let next = requests(&mut feed, t(1));
    assert_eq!(next.len(), 1, "one slot freed, one more request");

    let mut out: Vec<Iq> = first[1..].iter().cloned().chain(next).collect();
    while let Some(iq) = out.pop() {
        answer(&mut feed, &iq, result(ns::MICROBLOG, &[], None));
        out.extend(requests(&mut feed, t(2)));
    }
    assert_eq!(feed.progress(), None, "done");
    assert!(
        !feed.handle_response(t(0), "feed-1", &IqOutcome::Timeout),
        "answered already"
    );
    assert!(
        !feed.handle_response(t(0), "other-7", &IqOutcome::Timeout),
        "not ours"
    );
}

/// The first requests of a cold sync of `n` contacts, answered or not.
fn cold_sync(n: usize) -> (Feed, Vec<Iq>) {
    let mut feed = Feed::new(me());
    let contacts: Vec<BareJid> = (0..n).map(|i| jid(&format!("c{i}@example.net"))).collect();
    feed.start_sync(contacts);
    let first = requests(&mut feed, t(0));
    (feed, first)
}

/// `n` posts of contact `c`, newest first, ids `c-p{first}`….
fn contact_posts(c: usize, first: u32, n: u32) -> Vec<String> {
    (first..first + n)
        .rev()
        .map(|i| {
            let id = format!("c{c}-p{i}");
            item(&id, None, &entry(&id, &id, i % 60))
        })
        .collect()
}

#[test]
fn a_cold_sync_asks_the_first_wave_for_small_pages_and_the_rest_of_them_last() {
    let (mut feed, first) = cold_sync(8);
    assert_eq!(
        first.iter().map(page_size).collect::<Vec<_>>(),
        vec![(Some("5".to_owned()), Some("5".to_owned())); MAX_IN_FLIGHT]
    );
    // c0 (second in the wave) pages with RSM: 5 of its 20.
    answer(
        &mut feed,
        &first[1],
        result(ns::MICROBLOG, &contact_posts(0, 16, 5), Some("c0-p16")),
    );
    assert_eq!(titles(&feed).len(), 5, "shown at once");
    assert_eq!(feed.progress(), Some((0, 9)), "c0 is not done yet");
    // The freed slot goes to a contact not asked yet, with a full first page.
    let next = requests(&mut feed, t(1));
    assert_eq!(next.len(), 1);
    assert_eq!(to_of(&next[0]).as_deref(), Some("c5@example.net"));
    assert_eq!(page_size(&next[0]), (Some("20".into()), Some("20".into())));
    // Everyone else's first page answered: c0's rest comes last, after where it stopped.
    let mut out: Vec<Iq> = first.iter().skip(2).cloned().chain(next).collect();
    out.insert(0, first[0].clone());
    let rest = answer_all_but(&mut feed, out, "c0@example.net");
    assert_eq!(feed.progress(), Some((8, 9)));
    let [rest] = rest.as_slice() else {
        panic!("{rest:?}");
    };
    assert_xml(
        rest.clone(),
        &format!(
            "<iq xmlns='jabber:client' type='get' id='{}' to='c0@example.net'>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <items node='urn:xmpp:microblog:0'/>\
             <set xmlns='http://jabber.org/protocol/rsm'><max>15</max><after>c0-p16</after></set>\
             </pubsub></iq>",
            id_of(rest)
        ),
    );
    answer(
        &mut feed,
        rest,
        result(ns::MICROBLOG, &contact_posts(0, 1, 15), Some("c0-p1")),
    );
    assert_eq!(feed.progress(), None);
    assert_eq!(titles(&feed).len(), 20);
    let cursors = cursor_records(&feed);
    assert!(
        cursors[0]
            .value
            .contains(r#""c0@example.net":{"newest":"c0-p20","older":"c0-p1"}"#),
        "{cursors:?}"
    );
}

#[test]
fn without_rsm_the_rest_of_a_small_first_page_is_the_full_page_deduplicated() {
    let (mut feed, first) = cold_sync(8);
    // Prosody 0.12 ignores RSM: the newest 5, no <set/>.
    answer(
        &mut feed,
        &first[1],
        result(ns::MICROBLOG, &contact_posts(0, 16, 5), None),
    );
    // c1 has only 3 posts: a short page is the whole feed, done at once.
    answer(
        &mut feed,
        &first[2],
        result(ns::MICROBLOG, &contact_posts(1, 1, 3), None),
    );
    assert_eq!(feed.progress(), Some((1, 9)));
    assert!(!feed.has_older(Some(&jid("c1@example.net"))));
    let out: Vec<Iq> = [&first[0]]
        .into_iter()
        .chain(&first[3..])
        .cloned()
        .collect();
    let rest = answer_all_but(&mut feed, out, "c0@example.net");
    let [rest] = rest.as_slice() else {
        panic!("{rest:?}");
    };
    assert_eq!(page_size(rest), (Some("20".into()), Some("20".into())));
    changes(&mut feed);
    answer(
        &mut feed,
        rest,
        result(ns::MICROBLOG, &contact_posts(0, 1, 20), None),
    );
    let new = changes(&mut feed)
        .into_iter()
        .filter(|c| matches!(c, FeedChange::Upserted(_)))
        .count();
    assert_eq!(new, 15, "the five known are not new");
    assert_eq!(feed.progress(), None);
    assert_eq!(titles(&feed).len(), 23);
    assert!(feed.has_older(Some(&jid("c0@example.net"))), "a full page");
}

#[test]
fn a_sync_of_one_wave_asks_full_pages_at_once() {
    let (_, first) = cold_sync(MAX_IN_FLIGHT - 1);
    assert_eq!(first.len(), MAX_IN_FLIGHT);
    assert!(first
        .iter()
        .all(|iq| page_size(iq) == (Some("20".into()), Some("20".into()))));
}

#[test]
fn one_contacts_error_does_not_stop_the_others() {
    let mut feed = Feed::new(me());
    let contacts = ["a@x.example", "b@x.example", "c@x.example", "d@x.example"].map(jid);
    feed.start_sync(contacts.to_vec());
    let out = requests(&mut feed, t(0));
    assert_eq!(out.len(), 5);
    fail(&mut feed, &out[1], DefinedCondition::ItemNotFound);
    fail(&mut feed, &out[2], DefinedCondition::Forbidden);
    fail(&mut feed, &out[3], DefinedCondition::FeatureNotImplemented);
    assert!(feed.handle_response(t(0), &id_of(&out[4]), &IqOutcome::Timeout));
    assert_eq!(feed.progress(), Some((4, 5)));
    let items = vec![item("p1", None, &entry("p1", "mine", 1))];
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &items, None));
    assert_eq!(feed.progress(), None);
    assert_eq!(titles(&feed), ["mine"]);
}

#[test]
fn a_lost_request_stops_holding_its_slot() {
    let mut feed = Feed::new(me());
    let contacts: Vec<BareJid> = (0..8).map(|i| jid(&format!("c{i}@example.net"))).collect();
    feed.start_sync(contacts);
    assert_eq!(requests(&mut feed, t(0)).len(), MAX_IN_FLIGHT);
    assert!(requests(&mut feed, t(60_000)).is_empty());
    assert_eq!(
        requests(&mut feed, t(200_000)).len(),
        3,
        "the rest, as the lost ones timed out"
    );
    assert_eq!(feed.progress(), Some((6, 9)));
}

#[test]
fn fixture_entries_in_a_result_make_the_timeline_newest_first() {
    let mut feed = Feed::new(me());
    feed.start_sync(vec![romeo()]);
    let out = requests(&mut feed, t(0));
    let items = vec![
        item("spec-1", None, SPEC_TEXT_POST),
        item(MOVIM_POST_ID, None, MOVIM_POST),
        item("min-1", None, MINIMAL_POST),
        item("html-1", None, HTML_POST),
        item(
            "broken",
            None,
            "<entry xmlns='http://www.w3.org/2005/Atom'/>",
        ),
        "<item id='no-payload'/>".to_owned(),
    ];
    answer(&mut feed, &out[1], result(ns::MICROBLOG, &items, None));
    let timeline = feed.timeline();
    let mut sorted = timeline.clone();
    sorted.sort_by_key(|p| std::cmp::Reverse(p.published));
    assert_eq!(timeline, sorted);
    assert_eq!(timeline.len(), 4, "entries that do not parse are skipped");

    let key = ItemKey::post(&romeo(), MOVIM_POST_ID);
    let post = feed.post(&key).unwrap();
    assert_eq!(post.entry().title, "Spring in the hills");
    assert_eq!(post.author, romeo());
    assert_eq!(post.published, 1_775_121_300_000, "2026-04-02T09:15:00Z");
    let upserts = changes(&mut feed)
        .into_iter()
        .filter(|c| matches!(c, FeedChange::Upserted(_)))
        .count();
    assert_eq!(upserts, 4);
    let record = feed.record(&key).unwrap();
    assert_eq!(
        (
            record.service.as_str(),
            record.node.as_str(),
            record.author.as_str()
        ),
        (
            "romeo@montague.example",
            ns::MICROBLOG,
            "romeo@montague.example"
        )
    );
    assert_eq!(
        element(&record.xml),
        element(MOVIM_POST),
        "the entry as received"
    );
    assert!(posts_by(&feed, &romeo()).len() == 4 && posts_by(&feed, &me()).is_empty());
}

#[test]
fn equal_dates_are_ordered_by_key() {
    let mut feed = Feed::new(me());
    feed.set_contacts([romeo()]);
    let items = [
        item("b", None, &entry("b", "B", 5)),
        item("a", None, &entry("a", "A", 5)),
    ];
    let inner = format!(
        "<items node='urn:xmpp:microblog:0'>{}</items>",
        items.concat()
    );
    feed.handle_message(t(0), &event("romeo@montague.example", &inner));
    let inner = format!(
        "<items node='urn:xmpp:microblog:0'>{}</items>",
        item("c", None, &entry("c", "C", 7))
    );
    feed.handle_message(t(0), &event("romeo@montague.example", &inner));
    assert_eq!(titles(&feed), ["C", "A", "B"]);
}

#[test]
fn a_forged_author_on_someone_elses_pep_is_not_trusted() {
    let juliet = jid("juliet@capulet.example");
    let mut feed = Feed::new(me());
    feed.start_sync(vec![juliet.clone()]);
    let out = requests(&mut feed, t(0));
    // Claims mallory@evil.example; the publisher attribute names the real one.
    let items = vec![
        item("hostile-1", None, HOSTILE_POST),
        item(
            "forged-2",
            Some("juliet@capulet.example/phone"),
            &HOSTILE_POST.replace("hostile-1", "forged-2"),
        ),
    ];
    answer(&mut feed, &out[1], result(ns::MICROBLOG, &items, None));
    for id in ["hostile-1", "forged-2"] {
        let post = feed.post(&ItemKey::post(&juliet, id)).unwrap();
        assert_eq!(post.author, juliet);
        assert_eq!(
            post.entry().claimed_author(),
            Some(jid("mallory@evil.example"))
        );
    }
    assert!(posts_by(&feed, &jid("mallory@evil.example")).is_empty());
}

/// Any contact can send a pubsub event naming any publisher; the post on a microblog
/// node is its owner's whatever the item says, and never the account's own.
#[test]
fn a_post_belongs_to_its_nodes_owner_whatever_publisher_it_names() {
    let mut feed = Feed::new(me());
    feed.set_contacts([romeo(), jid("carol@example.net")]);
    for (id, publisher) in [
        ("as-carol", "carol@example.net"),
        ("as-me", "user@example.org"),
    ] {
        let inner = format!(
            "<items node='urn:xmpp:microblog:0'>{}</items>",
            item(id, Some(publisher), &entry(id, "forged", 1))
        );
        assert!(feed.handle_message(t(0), &event("romeo@montague.example", &inner)));
        let post = feed.post(&ItemKey::post(&romeo(), id)).unwrap();
        assert_eq!(post.author, romeo(), "{id}: the node's owner");
        assert!(!feed.is_own(&post.key), "{id}: not the account's");
    }
    assert!(posts_by(&feed, &jid("carol@example.net")).is_empty());
    assert!(posts_by(&feed, &me()).is_empty());
    // What an older version stored under the forged author is read back as the owner's.
    let mut record = feed.record(&ItemKey::post(&romeo(), "as-me")).unwrap();
    record.author = me().to_string();
    let restored = Feed::restore(me(), &[record], &[]);
    assert_eq!(restored.timeline()[0].author, romeo());
}

// ---- paging and cursors -------------------------------------------------------------

#[test]
fn an_rsm_last_is_kept_and_used_by_load_older() {
    let mut feed = Feed::new(me());
    feed.start_sync(vec![romeo()]);
    let out = requests(&mut feed, t(0));
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &[], None));
    answer(
        &mut feed,
        &out[1],
        result(ns::MICROBLOG, &posts(21, 20), Some("p21")),
    );
    assert_eq!(feed.progress(), None);
    let cursor = changes(&mut feed).into_iter().find_map(|c| match c {
        FeedChange::Cursor { key, value } => Some((key, value)),
        _ => None,
    });
    assert_eq!(
        cursor,
        Some((
            CURSOR_KEY.to_owned(),
            // The account's own feed was empty: read to its end.
            r#"{"romeo@montague.example":{"newest":"p40","older":"p21"},"user@example.org":{"end":true}}"#
                .to_owned()
        ))
    );
    assert!(feed.has_older(Some(&romeo())));
    assert!(!feed.has_older(Some(&me())));

    assert_eq!(feed.load_older(Some(romeo())), 1);
    assert_eq!(feed.load_older(Some(romeo())), 0, "already asked");
    let older = requests(&mut feed, t(1));
    assert_eq!(to_of(&older[0]).as_deref(), Some("romeo@montague.example"));
    assert_eq!(
        payload_of(&older[0]),
        element(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <items node='urn:xmpp:microblog:0'/>\
             <set xmlns='http://jabber.org/protocol/rsm'><max>20</max><after>p21</after></set></pubsub>"
        )
    );
    answer(
        &mut feed,
        &older[0],
        result(ns::MICROBLOG, &posts(11, 10), Some("p11")),
    );
    assert_eq!(feed.timeline().len(), 30);
    assert_eq!(
        feed.load_older(Some(romeo())),
        0,
        "a short page: nothing older left"
    );
    assert!(!feed.has_older(None));
    // Which the next start knows too.
    let cursor = feed.cursors().remove(0);
    let cursors = [CursorRecord {
        account: me().to_string(),
        key: cursor.0,
        value: cursor.1,
    }];
    let restored = Feed::restore(me(), &[], &cursors);
    assert!(!restored.has_older(None));
}

/// How many items a page request asks for: `(max_items, RSM max)`.
fn page_size(iq: &Iq) -> (Option<String>, Option<String>) {
    let pubsub = payload_of(iq);
    let max_items = pubsub
        .get_child("items", ns::PUBSUB)
        .and_then(|i| i.attr("max_items"))
        .map(str::to_owned);
    let rsm = pubsub
        .get_child("set", ns::RSM)
        .and_then(|s| s.get_child("max", ns::RSM))
        .map(Element::text);
    (max_items, rsm)
}

#[test]
fn a_page_too_large_to_read_is_asked_again_smaller_down_to_one_item() {
    let mut feed = Feed::new(me());
    feed.start_sync(vec![romeo()]);
    let out = requests(&mut feed, t(0));
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &[], None));
    let mut asked = out[1].clone();
    let mut sizes = vec![];
    loop {
        assert_eq!(to_of(&asked).as_deref(), Some("romeo@montague.example"));
        let (max_items, rsm) = page_size(&asked);
        assert_eq!(max_items, rsm);
        sizes.push(max_items.unwrap());
        assert!(feed.handle_response(t(0), &id_of(&asked), &IqOutcome::TooLarge));
        let next = requests(&mut feed, t(1));
        match next.as_slice() {
            [] => break,
            [one] => asked = one.clone(),
            more => panic!("{more:?}"),
        }
        assert!(sizes.len() < 10, "no loop: {sizes:?}");
    }
    assert_eq!(sizes, ["20", "10", "5", "2", "1"]);
    // One item too large to read: that contact's sync ends there, the sync with it.
    assert_eq!(feed.progress(), None);

    // Load older halves its RSM page the same way, and keeps where it was.
    feed.update_cursor(&romeo(), |c| c.older = Some("p21".into()));
    assert_eq!(feed.load_older(Some(romeo())), 1);
    let older = requests(&mut feed, t(2));
    assert!(feed.handle_response(t(0), &id_of(&older[0]), &IqOutcome::TooLarge));
    let smaller = requests(&mut feed, t(3));
    assert_eq!(page_size(&smaller[0]), (None, Some("10".into())));
    assert_eq!(
        payload_of(&smaller[0])
            .get_child("set", ns::RSM)
            .unwrap()
            .get_child("after", ns::RSM)
            .map(Element::text),
        Some("p21".into())
    );
    answer(
        &mut feed,
        &smaller[0],
        result(ns::MICROBLOG, &posts(11, 10), Some("p11")),
    );
    assert_eq!(feed.timeline().len(), 10);
    assert!(
        feed.has_older(Some(&romeo())),
        "a full page of the size asked"
    );
}

#[test]
fn an_rsm_last_is_read_even_from_a_set_xmpp_parsers_refuses() {
    let mut feed = Feed::new(me());
    feed.start_sync(vec![romeo()]);
    let out = requests(&mut feed, t(0));
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &[], None));
    let mut page = result(ns::MICROBLOG, &posts(21, 20), None);
    // A negative index does not fit RSM's unsigned one: the whole set is refused by
    // `SetResult`, but its `<last/>` is all the next page needs.
    page.append_child(element(
        "<set xmlns='http://jabber.org/protocol/rsm'><first index='-1'>p40</first>\
         <last>p21</last><count>40</count></set>",
    ));
    answer(&mut feed, &out[1], page);
    assert_eq!(feed.load_older(Some(romeo())), 1);
    let older = requests(&mut feed, t(1));
    let set = payload_of(&older[0]);
    let set = set
        .get_child("set", "http://jabber.org/protocol/rsm")
        .unwrap();
    assert_eq!(
        set.get_child("after", "http://jabber.org/protocol/rsm")
            .unwrap()
            .text(),
        "p21"
    );
}

#[test]
fn without_rsm_load_older_asks_for_more_and_deduplicates() {
    let mut feed = Feed::new(me());
    feed.start_sync(vec![romeo()]);
    let out = requests(&mut feed, t(0));
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &[], None));
    answer(
        &mut feed,
        &out[1],
        result(ns::MICROBLOG, &posts(21, 20), None),
    );
    changes(&mut feed);

    assert_eq!(feed.load_older(Some(romeo())), 1);
    let older = requests(&mut feed, t(1));
    assert_eq!(
        payload_of(&older[0]),
        element(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <items node='urn:xmpp:microblog:0' max_items='40'/>\
             <set xmlns='http://jabber.org/protocol/rsm'><max>40</max></set></pubsub>"
        )
    );
    // Prosody answers with the newest 40: the 20 known again, and 15 older ones.
    answer(
        &mut feed,
        &older[0],
        result(ns::MICROBLOG, &posts(6, 35), None),
    );
    let new: Vec<FeedChange> = changes(&mut feed)
        .into_iter()
        .filter(|c| matches!(c, FeedChange::Upserted(_)))
        .collect();
    assert_eq!(new.len(), 15, "only the older ones are new: {new:?}");
    assert_eq!(feed.timeline().len(), 35);
    assert_eq!(feed.load_older(None), 0, "fewer than asked: that was all");
}

#[test]
fn load_older_for_the_timeline_asks_those_whose_oldest_post_is_newest() {
    let mut feed = Feed::new(me());
    let (a, b) = (jid("a@x.example"), jid("b@x.example"));
    feed.start_sync(vec![a.clone(), b.clone()]);
    let out = requests(&mut feed, t(0));
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &[], None));
    let page = |prefix: &str, minute: u32| -> Vec<String> {
        (0..20)
            .map(|i| {
                let id = format!("{prefix}{i}");
                item(&id, None, &entry(&id, "x", minute))
            })
            .collect()
    };
    answer(
        &mut feed,
        &out[1],
        result(ns::MICROBLOG, &page("a", 10), None),
    );
    answer(
        &mut feed,
        &out[2],
        result(ns::MICROBLOG, &page("b", 30), None),
    );
    assert_eq!(
        feed.load_older(None),
        2,
        "the account's own PEP had everything"
    );
    let older = requests(&mut feed, t(1));
    let asked: Vec<_> = older.iter().filter_map(to_of).collect();
    assert_eq!(
        asked,
        ["b@x.example", "a@x.example"],
        "b's oldest post is newer, though a sorts first by name"
    );
}

#[test]
fn the_next_sync_stops_at_the_newest_known_post() {
    let mut feed = Feed::new(me());
    feed.start_sync(vec![romeo()]);
    let out = requests(&mut feed, t(0));
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &[], None));
    answer(
        &mut feed,
        &out[1],
        result(ns::MICROBLOG, &posts(1, 20), None),
    );

    // After a reload: two new posts, the small first page reaches the known one.
    let mut feed = reloaded(&feed);
    feed.start_sync(vec![romeo()]);
    let out = requests(&mut feed, t(10));
    assert_eq!(
        payload_of(&out[1])
            .get_child("items", ns::PUBSUB)
            .unwrap()
            .attr("max_items"),
        Some("5")
    );
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &[], None));
    answer(
        &mut feed,
        &out[1],
        result(ns::MICROBLOG, &posts(18, 5), Some("p18")),
    );
    assert!(
        requests(&mut feed, t(11)).is_empty(),
        "caught up: no second page"
    );
    assert_eq!(feed.progress(), None);
    assert_eq!(feed.timeline().len(), 22);
    assert!(feed.cursors()[0].1.contains(r#""newest":"p22""#));
}

#[test]
fn a_pushed_newest_item_already_held_spares_that_contacts_catch_up() {
    let contacts: Vec<BareJid> = (1..=8).map(|i| jid(&format!("c{i}@example.org"))).collect();
    let mut feed = Feed::new(me());
    feed.start_sync(contacts.clone());
    while let Some(iq) = feed.poll_request(t(0)) {
        let owner = to_of(&iq).unwrap_or_else(|| me().to_string());
        let items: Vec<String> = (1..=3)
            .map(|i| {
                let id = format!("{owner}-p{i}");
                item(&id, None, &entry(&id, &id, i))
            })
            .collect();
        answer(&mut feed, &iq, result(ns::MICROBLOG, &items, None));
    }
    assert_eq!(feed.progress(), None);

    // The next start: six catch-ups go out, three wait.
    let mut feed = reloaded(&feed);
    feed.start_sync(contacts.clone());
    let first = requests(&mut feed, t(10));
    assert_eq!(first.len(), MAX_IN_FLIGHT);
    let waiting: Vec<String> = ["c6", "c7", "c8"]
        .iter()
        .map(|c| format!("{c}@example.org"))
        .collect();
    assert!(first
        .iter()
        .all(|iq| !waiting.contains(&to_of(iq).unwrap_or_default())));
    // The server pushes newest items: c7's is the one we hold, c8's is new.
    let push = |owner: &str, id: &str| {
        let xml = format!(
            "<items node='urn:xmpp:microblog:0'>{}</items>",
            item(id, None, &entry(id, id, 9))
        );
        event(owner, &xml)
    };
    feed.handle_message(t(0), &push("c7@example.org", "c7@example.org-p3"));
    feed.handle_message(t(0), &push("c8@example.org", "c8@example.org-p9"));
    assert_eq!(feed.progress(), Some((1, 9)), "c7 is done without a fetch");
    for iq in &first {
        answer(&mut feed, iq, result(ns::MICROBLOG, &[], None));
    }
    let rest: Vec<String> = requests(&mut feed, t(11))
        .iter()
        .filter_map(to_of)
        .collect();
    assert_eq!(rest, ["c6@example.org", "c8@example.org"]);
}

#[test]
fn a_sync_that_misses_the_known_post_pages_further_bounded() {
    let mut feed = Feed::new(me());
    feed.start_sync(vec![romeo()]);
    let out = requests(&mut feed, t(0));
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &[], None));
    answer(
        &mut feed,
        &out[1],
        result(ns::MICROBLOG, &posts(1, 3), None),
    );

    // RSM: the next page continues after the first page's last item.
    feed.start_sync(vec![romeo()]);
    let out = requests(&mut feed, t(10));
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &[], None));
    answer(
        &mut feed,
        &out[1],
        result(ns::MICROBLOG, &posts(100, 5), Some("p100")),
    );
    let second = requests(&mut feed, t(11));
    let set = payload_of(&second[0])
        .get_child("set", ns::RSM)
        .unwrap()
        .clone();
    assert_eq!(set.get_child("after", ns::RSM).unwrap().text(), "p100");
    answer(
        &mut feed,
        &second[0],
        result(ns::MICROBLOG, &posts(80, 20), Some("p80")),
    );
    let third = requests(&mut feed, t(12));
    answer(
        &mut feed,
        &third[0],
        result(ns::MICROBLOG, &posts(60, 20), Some("p60")),
    );
    let fourth = requests(&mut feed, t(13));
    answer(
        &mut feed,
        &fourth[0],
        result(ns::MICROBLOG, &posts(40, 20), Some("p40")),
    );
    assert!(
        requests(&mut feed, t(14)).is_empty(),
        "bounded: the gap is left to Load older"
    );
    assert_eq!(feed.progress(), None);
    assert!(feed.cursors()[0].1.contains(r#""older":"p40""#));

    // Without RSM: the same request again with a larger max_items.
    let mut feed = Feed::new(me());
    feed.start_sync(vec![romeo()]);
    let out = requests(&mut feed, t(0));
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &[], None));
    answer(
        &mut feed,
        &out[1],
        result(ns::MICROBLOG, &posts(1, 3), None),
    );
    feed.start_sync(vec![romeo()]);
    let out = requests(&mut feed, t(10));
    answer(&mut feed, &out[0], result(ns::MICROBLOG, &[], None));
    answer(
        &mut feed,
        &out[1],
        result(ns::MICROBLOG, &posts(100, 5), None),
    );
    let again = requests(&mut feed, t(11));
    let items = payload_of(&again[0])
        .get_child("items", ns::PUBSUB)
        .unwrap()
        .clone();
    assert_eq!(items.attr("max_items"), Some("20"));
    answer(
        &mut feed,
        &again[0],
        result(ns::MICROBLOG, &posts(86, 19), None),
    );
    assert_eq!(
        feed.progress(),
        None,
        "fewer than asked: nothing more to page"
    );
}

#[test]
fn restore_round_trips_posts_comments_and_cursors() {
    let mut feed = synced_with_movim_post();
    let post = ItemKey::post(&romeo(), MOVIM_POST_ID);
    assert!(feed.fetch_comments(&post));
    let out = requests(&mut feed, t(1));
    let items = vec![
        item("c1", None, MOVIM_COMMENT),
        item("l1", None, MOVIM_LIKE),
    ];
    answer(&mut feed, &out[0], result(COMMENTS_NODE, &items, None));
    let keys: Vec<ItemKey> = changes(&mut feed)
        .into_iter()
        .filter_map(|c| match c {
            FeedChange::Upserted(key) => Some(key),
            _ => None,
        })
        .chain([post.clone()])
        .collect();
    let records: Vec<PostRecord> = keys.iter().filter_map(|k| feed.record(k)).collect();
    assert_eq!(records.len(), 3);
    let cursors = cursor_records(&feed);

    let restored = Feed::restore(me(), &records, &cursors);
    assert_eq!(restored.timeline(), feed.timeline());
    assert_eq!(restored.comments(&post), feed.comments(&post));
    assert_eq!(restored.likes(&post), (1, None));
    assert_eq!(restored.cursors(), feed.cursors());
    for key in &keys {
        assert_eq!(restored.record(key), feed.record(key));
    }
}

#[test]
fn restored_posts_stay_unparsed_until_read_and_still_find_their_comments() {
    let mut feed = synced_with_movim_post();
    let post = ItemKey::post(&romeo(), MOVIM_POST_ID);
    let from = COMMENTS_SERVICE;
    feed.handle_message(
        t(0),
        &comments_event(&[
            item("c1", None, MOVIM_COMMENT),
            item("l1", None, MOVIM_LIKE),
        ]),
    );
    let record = feed.record(&post).unwrap();
    assert_eq!(
        record.thread,
        ThreadRecord::Node {
            service: from.into(),
            node: COMMENTS_NODE.into()
        }
    );
    let comments: Vec<PostRecord> = ["c1", "l1"]
        .iter()
        .map(|id| {
            feed.record(&ItemKey::new(from, COMMENTS_NODE, *id))
                .unwrap()
        })
        .collect();
    let records = [vec![record], comments].concat();

    let restored = Feed::restore(me(), &records, &[]);
    let timeline = restored.timeline();
    assert!(!timeline[0].lazy_entry().is_parsed());
    // Counting comments and likes needs the link, which the record carries.
    assert_eq!(restored.comments(&post).len(), 1);
    assert_eq!(restored.likes(&post), (1, None));
    assert!(timeline[0].has_thread());
    assert!(!timeline[0].lazy_entry().is_parsed());
    // Reading it parses it, once.
    assert_eq!(timeline[0].entry().title, titles(&feed)[0]);
    assert!(timeline[0].lazy_entry().is_parsed());
}

#[test]
fn the_rest_of_the_cache_joins_later_without_undoing_what_happened_meanwhile() {
    let mut feed = Feed::new(me());
    feed.start_sync(vec![romeo()]);
    for iq in requests(&mut feed, t(0)) {
        let items = if to_of(&iq).as_deref() == Some("romeo@montague.example") {
            (1..=4)
                .map(|i| {
                    item(
                        &format!("p{i}"),
                        None,
                        &entry(&format!("p{i}"), &format!("Post {i}"), i),
                    )
                })
                .collect()
        } else {
            vec![]
        };
        answer(&mut feed, &iq, result(ns::MICROBLOG, &items, None));
    }
    changes(&mut feed);
    let records: Vec<PostRecord> = feed
        .timeline()
        .iter()
        .filter_map(|p| feed.record(&p.key))
        .collect();
    assert_eq!(titles(&feed), ["Post 4", "Post 3", "Post 2", "Post 1"]);

    // The first paint restores the newest two.
    let mut restored = Feed::restore_newest(me(), &records[..2], &[]);
    restored.set_contacts([romeo()]);
    assert_eq!(titles(&restored), ["Post 4", "Post 3"]);
    // Meanwhile p1 is retracted and p4 edited.
    let retract = "<items node='urn:xmpp:microblog:0'><retract id='p1'/></items>";
    restored.handle_message(t(0), &event("romeo@montague.example", retract));
    let edit = format!(
        "<items node='urn:xmpp:microblog:0'>{}</items>",
        item("p4", None, &entry("p4", "Post 4, edited", 4))
    );
    restored.handle_message(t(0), &event("romeo@montague.example", &edit));
    changes(&mut restored);

    restored.absorb(&records);
    assert_eq!(titles(&restored), ["Post 4, edited", "Post 3", "Post 2"]);
    assert!(
        changes(&mut restored).is_empty(),
        "the store has it all already"
    );
}

#[test]
fn records_from_before_the_thread_field_are_parsed_to_find_it() {
    let feed = synced_with_movim_post();
    let post = ItemKey::post(&romeo(), MOVIM_POST_ID);
    let mut record = feed.record(&post).unwrap();
    record.thread = ThreadRecord::Unknown;
    let json = record
        .to_json()
        .to_text()
        .replace(",\"thread\":\"Unknown\"", "");
    assert!(!json.contains("thread"));
    let old = PostRecord::from_json(&Json::parse(&json).unwrap()).unwrap();
    assert_eq!(old.thread, ThreadRecord::Unknown);

    let mut restored = Feed::restore(me(), &[old], &[]);
    assert_eq!(restored.record(&post), feed.record(&post));
    assert!(restored.timeline()[0].has_thread());
    // Reported, so the store keeps it with the thread from now on.
    assert_eq!(changes(&mut restored), [FeedChange::Upserted(post)]);
}

#[test]
fn a_stored_entry_that_no_longer_parses_shows_as_unreadable() {
    let feed = synced_with_movim_post();
    let post = ItemKey::post(&romeo(), MOVIM_POST_ID);
    let mut record = feed.record(&post).unwrap();
    record.xml = "<entry xmlns='http://www.w3.org/2005/Atom'><broken".into();
    let restored = Feed::restore(me(), &[record], &[]);
    let timeline = restored.timeline();
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].entry().title, "(this post could not be read)");
}

#[test]
fn a_republished_post_linking_another_node_moves_its_comment_counts() {
    let mut feed = synced_with_movim_post();
    let post = ItemKey::post(&romeo(), MOVIM_POST_ID);
    feed.handle_message(t(0), &comments_event(&[item("c1", None, MOVIM_COMMENT)]));
    assert_eq!(feed.comments(&post).len(), 1);
    // The same item id republished without a comments link.
    let bare = entry(MOVIM_POST_ID, "Edited", 5);
    let edit = format!(
        "<items node='urn:xmpp:microblog:0'>{}</items>",
        item(MOVIM_POST_ID, None, &bare)
    );
    feed.handle_message(t(0), &event("romeo@montague.example", &edit));
    assert_eq!(titles(&feed), ["Edited"]);
    assert!(feed.comments(&post).is_empty());
    assert!(!feed.timeline()[0].has_thread());
}

// ---- events -------------------------------------------------------------------------

#[test]
fn events_add_edit_and_retract_posts() {
    let mut feed = Feed::new(me());
    feed.set_contacts([romeo()]);
    let publish = |title: &str| {
        format!(
            "<items node='urn:xmpp:microblog:0'>{}</items>",
            item("e1", None, &entry("e1", title, 1))
        )
    };
    assert!(feed.handle_message(t(0), &event("romeo@montague.example", &publish("first"))));
    let key = ItemKey::post(&romeo(), "e1");
    assert_eq!(changes(&mut feed), [FeedChange::Upserted(key.clone())]);
    assert!(feed.handle_message(t(0), &event("romeo@montague.example", &publish("first"))));
    assert_eq!(changes(&mut feed), [], "the same again changes nothing");
    feed.handle_message(t(0), &event("romeo@montague.example", &publish("edited")));
    assert_eq!(changes(&mut feed), [FeedChange::Upserted(key.clone())]);
    assert_eq!(titles(&feed), ["edited"]);

    let retract = "<items node='urn:xmpp:microblog:0'><retract id='e1'/></items>";
    assert!(feed.handle_message(t(0), &event("romeo@montague.example", retract)));
    assert_eq!(changes(&mut feed), [FeedChange::Retracted(key)]);
    assert!(feed.timeline().is_empty());
}

#[test]
fn own_posts_arrive_from_the_accounts_pep() {
    let mut feed = Feed::new(me());
    let inner = format!(
        "<items node='urn:xmpp:microblog:0'>{}</items>",
        item("mine", None, &entry("mine", "hello", 1))
    );
    feed.handle_message(t(0), &event("user@example.org", &inner));
    assert_eq!(posts_by(&feed, &me()).len(), 1);
    assert!(feed.is_own(&ItemKey::post(&me(), "mine")));
    let mine_elsewhere = ItemKey::new(me().as_str(), COMMENTS_NODE, "mine");
    assert!(!feed.is_own(&mine_elsewhere), "only the microblog node");
}

#[test]
fn events_from_strangers_and_other_nodes_are_ignored() {
    let mut feed = Feed::new(me());
    feed.set_contacts([romeo()]);
    let post = format!(
        "<items node='urn:xmpp:microblog:0'>{}</items>",
        item("s1", None, &entry("s1", "spam", 1))
    );
    assert!(
        feed.handle_message(t(0), &event("spammer@evil.example", &post)),
        "consumed"
    );
    let nick = "<items node='http://jabber.org/protocol/nick'><item id='current'/></items>";
    assert!(
        !feed.handle_message(t(0), &event("romeo@montague.example", nick)),
        "for another service"
    );
    let comments = format!(
        "<items node='urn:xmpp:microblog:0:comments/x'>{}</items>",
        item("c1", None, MOVIM_COMMENT)
    );
    assert!(feed.handle_message(t(0), &event("comments.evil.example", &comments)));
    assert!(feed.timeline().is_empty());
    assert_eq!(changes(&mut feed), []);
}

/// PEP events come from the owner's bare JID; a full JID is a contact's client sending
/// a plain message, whatever it carries.
#[test]
fn events_from_a_full_jid_are_ignored() {
    let mut feed = synced_with_movim_post();
    feed.set_contacts([romeo()]);
    let post = format!(
        "<items node='urn:xmpp:microblog:0'>{}</items>",
        item("f1", Some("user@example.org"), &entry("f1", "forged", 1))
    );
    for from in ["romeo@montague.example/phone", "user@example.org/other"] {
        assert!(feed.handle_message(t(0), &event(from, &post)), "consumed");
    }
    let comment = format!(
        "<items node='{COMMENTS_NODE}'>{}</items>",
        item("c1", None, MOVIM_COMMENT)
    );
    assert!(feed.handle_message(t(0), &event("comments.montague.example/x", &comment)));
    let retract = "<items node='urn:xmpp:microblog:0'><retract id='b1a8d9b0-5a8e-4c55-9c5b-8f3c2a1e0d11'/></items>";
    assert!(feed.handle_message(t(0), &event("romeo@montague.example/phone", retract)));
    assert_eq!(changes(&mut feed), []);
    assert_eq!(feed.timeline().len(), 1, "only the synced post");
    assert!(feed
        .comments(&ItemKey::post(&romeo(), MOVIM_POST_ID))
        .is_empty());
}

/// Only the account and its current roster are followed: a contact removed from the
/// roster is forgotten (cursor, posts) and what they send is ignored.
#[test]
fn a_removed_contacts_events_are_ignored_and_their_feed_forgotten() {
    let mut feed = synced_with_movim_post();
    let before = cursor_records(&feed);
    assert!(before[0].value.contains("romeo@montague.example"));
    feed.set_contacts([]);
    let seen = changes(&mut feed);
    assert!(seen.contains(&FeedChange::Retracted(ItemKey::post(
        &romeo(),
        MOVIM_POST_ID
    ))));
    assert!(
        seen.iter()
            .any(|c| matches!(c, FeedChange::Cursor { value, .. }
            if !value.contains("romeo@montague.example"))),
        "{seen:?}"
    );
    let post = format!(
        "<items node='urn:xmpp:microblog:0'>{}</items>",
        item("late", None, &entry("late", "still here?", 1))
    );
    assert!(feed.handle_message(t(0), &event("romeo@montague.example", &post)));
    assert!(feed.timeline().is_empty());
    assert!(!feed.has_older(None), "nobody left to page through");
    assert_eq!(changes(&mut feed), []);

    // Removed while the app was closed: the next sync (with the roster) forgets them too.
    let mut feed = reloaded(&synced_with_movim_post());
    feed.start_sync(vec![]);
    assert!(feed.timeline().is_empty());
    assert!(!cursor_records(&feed)[0].value.contains("romeo"));
    let out = requests(&mut feed, t(10));
    assert_eq!(out.len(), 1, "the account's own feed only");

    // The rest of the cache, read after the roster came, does not bring them back.
    let held = synced_with_movim_post();
    let records = vec![held
        .record(&ItemKey::post(&romeo(), MOVIM_POST_ID))
        .unwrap()];
    let mut feed = Feed::restore_newest(me(), &[], &cursor_records(&held));
    feed.start_sync(vec![]);
    changes(&mut feed);
    feed.absorb(&records);
    assert!(feed.timeline().is_empty());
    assert_eq!(
        changes(&mut feed),
        [FeedChange::Retracted(ItemKey::post(
            &romeo(),
            MOVIM_POST_ID
        ))],
        "and the store drops them"
    );
}

/// A contact (or their server) can publish without end: what we keep of one microblog
/// is bounded, the newest kept, and the store is told to drop the rest.
#[test]
fn ten_thousand_items_from_one_contact_stay_capped() {
    let mut feed = Feed::new(me());
    feed.set_contacts([romeo()]);
    let dated = |i: u32| {
        format!(
            "<entry xmlns='http://www.w3.org/2005/Atom'><title>n{i}</title>\
             <published>2026-01-01T{:02}:{:02}:{:02}Z</published></entry>",
            i / 3600,
            i / 60 % 60,
            i % 60
        )
    };
    let mut stored = BTreeSet::new();
    for batch in 0..40 {
        let items: String = (batch * 250..(batch + 1) * 250)
            .map(|i| item(&format!("n{i}"), None, &dated(i)))
            .collect();
        let inner = format!("<items node='urn:xmpp:microblog:0'>{items}</items>");
        feed.handle_message(t(0), &event("romeo@montague.example", &inner));
        for change in changes(&mut feed) {
            match change {
                FeedChange::Upserted(key) => stored.insert(key),
                FeedChange::Retracted(key) => stored.remove(&key),
                _ => false,
            };
        }
    }
    assert_eq!(feed.timeline().len(), MAX_POSTS_PER_OWNER);
    assert_eq!(stored.len(), MAX_POSTS_PER_OWNER, "the store holds as many");
    assert_eq!(titles(&feed)[0], "n9999", "the newest are kept");
    assert_eq!(
        titles(&feed).last().unwrap(),
        &format!("n{}", 10_000 - MAX_POSTS_PER_OWNER)
    );
    // Nothing older is asked for: it would only push out what is held.
    assert_eq!(feed.load_older(Some(romeo())), 0);
    // A store that held more (before this bound) is trimmed on restore.
    let records: Vec<PostRecord> = (0..MAX_POSTS_PER_OWNER as u32 + 10)
        .map(|i| {
            let key = ItemKey::post(&romeo(), format!("r{i}"));
            let mut record = feed.record(&ItemKey::post(&romeo(), "n9999")).unwrap();
            record.id = key.id;
            record.published = f64::from(i);
            record
        })
        .collect();
    let mut restored = Feed::restore(me(), &records, &[]);
    assert_eq!(restored.timeline().len(), MAX_POSTS_PER_OWNER);
    let dropped = changes(&mut restored)
        .into_iter()
        .filter(|c| matches!(c, FeedChange::Retracted(_)))
        .count();
    assert_eq!(dropped, 10);
}

/// A date far ahead would keep a post on top forever (and crowd the newest posts out of
/// the startup cache read): for ordering it counts as when it arrived.
#[test]
fn a_post_dated_9999_sorts_as_now() {
    let mut feed = Feed::new(me());
    feed.set_contacts([romeo()]);
    let publish = |id: &str, date: &str| {
        let entry = format!(
            "<entry xmlns='http://www.w3.org/2005/Atom'><title>{id}</title>\
             <published>{date}</published></entry>"
        );
        format!(
            "<items node='urn:xmpp:microblog:0'>{}</items>",
            item(id, None, &entry)
        )
    };
    let romeo = "romeo@montague.example";
    feed.handle_message(
        t(0),
        &event(romeo, &publish("future", "9999-12-31T23:59:59Z")),
    );
    feed.handle_message(
        t(0),
        &event(romeo, &publish("earlier", "2026-11-30T23:00:00Z")),
    );
    // A clock a minute fast is believed.
    feed.handle_message(
        t(0),
        &event(romeo, &publish("skewed", "2026-12-01T00:01:00Z")),
    );
    assert_eq!(titles(&feed), ["skewed", "future", "earlier"]);
    let future = ItemKey::post(&jid(romeo), "future");
    assert_eq!(feed.post(&future).unwrap().published, NOW as i64);
    assert_eq!(feed.record(&future).unwrap().published, NOW as f64);

    // A day later it has not moved up, even sent again; newer posts go above it.
    let day = 86_400_000;
    feed.handle_message(
        t(day),
        &event(romeo, &publish("future", "9999-12-31T23:59:59Z")),
    );
    feed.handle_message(
        t(day),
        &event(romeo, &publish("next", "2026-12-01T12:00:00Z")),
    );
    assert_eq!(titles(&feed), ["next", "skewed", "future", "earlier"]);
}

#[test]
fn hostile_and_malformed_events_are_ignored_without_panic() {
    let mut feed = Feed::new(me());
    feed.set_contacts([romeo()]);
    let from = "romeo@montague.example";
    for inner in [
        "",
        "<items/>",
        "<items node='urn:xmpp:microblog:0'/>",
        "<items node='urn:xmpp:microblog:0'><item/><item id=''/><retract/></items>",
        "<items node='urn:xmpp:microblog:0'><item id='x'><entry/></item></items>",
        "<items node='urn:xmpp:microblog:0'><item id='x'><foo xmlns='urn:other'/></item></items>",
        "<purge node='urn:xmpp:microblog:0'/>",
        "<configuration node='urn:xmpp:microblog:0'/>",
    ] {
        feed.handle_message(t(0), &event(from, inner));
    }
    let long_id = "i".repeat(600);
    let inner = format!(
        "<items node='urn:xmpp:microblog:0'>{}</items>",
        item(&long_id, None, &entry("x", "long", 1))
    );
    feed.handle_message(t(0), &event(from, &inner));
    assert!(feed.timeline().is_empty());

    let many: String = (0..1_000)
        .map(|i| item(&format!("m{i}"), None, &entry("m", "many", 1)))
        .collect();
    feed.handle_message(
        t(0),
        &event(
            from,
            &format!("<items node='urn:xmpp:microblog:0'>{many}</items>"),
        ),
    );
    assert_eq!(feed.timeline().len(), MAX_ITEMS_PER_STANZA);
    feed.handle_message(t(0), &event(from, "<purge node='urn:xmpp:microblog:0'/>"));
    assert!(feed.timeline().is_empty(), "a purge empties the node");

    let no_event = Message::try_from(element(
        "<message xmlns='jabber:client' from='romeo@montague.example'><body>hi</body></message>",
    ))
    .unwrap();
    assert!(!feed.handle_message(t(0), &no_event));
}

// ---- comments and likes -------------------------------------------------------------

#[test]
fn comments_are_fetched_from_the_linked_node_and_split_from_likes() {
    let mut feed = synced_with_movim_post();
    let post = ItemKey::post(&romeo(), MOVIM_POST_ID);
    assert!(!feed.fetch_comments(&ItemKey::post(&romeo(), "unknown")));
    assert!(feed.fetch_comments(&post));
    let out = requests(&mut feed, t(1));
    assert_eq!(to_of(&out[0]).as_deref(), Some("comments.montague.example"));
    assert_eq!(
        payload_of(&out[0]),
        element(&format!(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='{COMMENTS_NODE}' max_items='100'/></pubsub>"
        ))
    );
    let nurse_again = MOVIM_LIKE.replace("0d9e8f7a", "1d9e8f7a");
    let my_like = Entry::new_like("mine", &me(), "2026-04-02T11:00:00Z".parse().unwrap());
    let items = vec![
        item("c1", Some("juliet@capulet.example"), MOVIM_COMMENT),
        item("l1", Some("nurse@capulet.example"), MOVIM_LIKE),
        item("l2", Some("nurse@capulet.example/tablet"), &nurse_again),
        item(
            "l3",
            Some("user@example.org"),
            &String::from(&my_like.to_element()),
        ),
    ];
    answer(&mut feed, &out[0], result(COMMENTS_NODE, &items, None));
    let comments = feed.comments(&post);
    assert_eq!(comments.len(), 1);
    assert_eq!(
        comments[0].entry().title,
        "Looks wonderful, which month was this?"
    );
    assert_eq!(comments[0].author, jid("juliet@capulet.example"));
    assert_eq!(feed.likes(&post), (2, Some("l3")), "the nurse once, and me");
    assert!(changes(&mut feed).contains(&FeedChange::CommentsChanged(post)));
}

#[test]
fn a_publisher_overrules_the_author_a_comment_or_like_claims() {
    let mut feed = synced_with_movim_post();
    let post = ItemKey::post(&romeo(), MOVIM_POST_ID);
    feed.fetch_comments(&post);
    let out = requests(&mut feed, t(1));
    // Mallory publishes a comment and a like, both claiming to be Juliet's.
    let juliet_like = MOVIM_LIKE.replace("nurse@capulet.example", "juliet@capulet.example");
    let items = vec![
        item("c1", Some("mallory@evil.example/x"), MOVIM_COMMENT),
        item("l1", Some("mallory@evil.example"), &juliet_like),
        item("l2", None, &juliet_like.replace("0d9e8f7a", "1d9e8f7a")),
    ];
    answer(&mut feed, &out[0], result(COMMENTS_NODE, &items, None));
    let comment = &feed.comments(&post)[0];
    assert_eq!(
        comment.entry().claimed_author(),
        Some(jid("juliet@capulet.example"))
    );
    assert_eq!(
        comment.commenter(),
        Commenter::Verified(jid("mallory@evil.example"))
    );
    // Mallory's like and the unverified one claiming Juliet are two people's.
    assert_eq!(feed.likes(&post), (2, None));
}

/// The posts of `author` in the timeline, newest first.
fn posts_by<'a>(feed: &'a Feed, author: &BareJid) -> Vec<&'a Post> {
    let mut posts = feed.timeline();
    posts.retain(|p| &p.author == author);
    posts
}

/// Who the feed says wrote comment `id` under the post `key`.
fn commenter(feed: &Feed, key: &ItemKey, id: &str) -> Commenter {
    feed.comments(key)
        .iter()
        .find(|c| c.key.id == id)
        .map(Comment::commenter)
        .unwrap()
}

/// Comments nodes are open to anyone: a comment naming nobody is by nobody known, never
/// by the node's (or the post's) owner; a claim without a publisher stays a claim.
#[test]
fn a_comment_without_publisher_or_author_is_not_attributed_to_the_owner() {
    // Romeo's post keeps its comments on his own PEP, as Kith does without a service.
    let node = "urn:xmpp:microblog:0:comments/p1";
    let post = MOVIM_POST
        .replace(COMMENTS_SERVICE, "romeo@montague.example")
        .replace(COMMENTS_NODE, node);
    let mut feed = Feed::new(me());
    feed.set_contacts([romeo()]);
    let publish = format!(
        "<items node='urn:xmpp:microblog:0'>{}</items>",
        item("p1", None, &post)
    );
    feed.handle_message(t(0), &event("romeo@montague.example", &publish));
    let key = ItemKey::post(&romeo(), "p1");
    let anonymous = "<entry xmlns='http://www.w3.org/2005/Atom'><id>c1</id><title>Hi</title>\
                     <published>2026-04-02T10:01:00Z</published></entry>";
    let items = [
        item("c1", None, anonymous),
        item("c2", None, &MOVIM_COMMENT.replace("7f0c2e44", "8f0c2e44")),
        item(
            "c3",
            Some("romeo@montague.example"),
            &anonymous.replace("c1", "c3"),
        ),
    ];
    feed.handle_message(
        t(0),
        &event(
            "romeo@montague.example",
            &format!("<items node='{node}'>{}</items>", items.concat()),
        ),
    );
    let by = |id: &str| commenter(&feed, &key, id);
    assert_eq!(by("c1"), Commenter::Unknown);
    assert_eq!(by("c2"), Commenter::Claimed(jid("juliet@capulet.example")));
    assert_eq!(
        by("c3"),
        Commenter::Verified(romeo()),
        "the service said who published it"
    );
    // And so once stored and read back.
    let records: Vec<PostRecord> = ["c1", "c2", "c3"]
        .iter()
        .filter_map(|id| feed.record(&ItemKey::new(romeo().as_str(), node, *id)))
        .chain(feed.record(&key))
        .collect();
    let feed = Feed::restore(me(), &records, &[]);
    let by = |id: &str| commenter(&feed, &key, id);
    assert_eq!(by("c1"), Commenter::Unknown);
    assert_eq!(by("c3"), Commenter::Verified(romeo()));
}

#[test]
fn likes_without_a_publisher_count_per_claimed_author() {
    let mut feed = synced_with_movim_post();
    let post = ItemKey::post(&romeo(), MOVIM_POST_ID);
    feed.fetch_comments(&post);
    let out = requests(&mut feed, t(1));
    let my_like = Entry::new_like("mine", &me(), "2026-04-02T11:00:00Z".parse().unwrap());
    let items = vec![
        item("l1", None, MOVIM_LIKE),
        item("l2", None, &MOVIM_LIKE.replace("0d9e8f7a", "1d9e8f7a")),
        item("l3", None, &String::from(&my_like.to_element())),
    ];
    answer(&mut feed, &out[0], result(COMMENTS_NODE, &items, None));
    assert_eq!(feed.likes(&post), (2, Some("l3")));
    let like = feed.record(&ItemKey::new(
        "comments.montague.example",
        COMMENTS_NODE,
        "l1",
    ));
    assert_eq!(
        like.unwrap().author,
        "comments.montague.example",
        "unverified: the service"
    );
}

#[test]
fn comment_events_add_and_remove_comments_and_likes() {
    let mut feed = synced_with_movim_post();
    let post = ItemKey::post(&romeo(), MOVIM_POST_ID);
    let from = COMMENTS_SERVICE;
    assert!(feed.handle_message(
        t(0),
        &comments_event(&[
            item("c1", None, MOVIM_COMMENT),
            item("l1", None, MOVIM_LIKE),
        ])
    ));
    assert_eq!((feed.comments(&post).len(), feed.likes(&post).0), (1, 1));
    let comment = ItemKey::new(from, COMMENTS_NODE, "c1");
    let seen = changes(&mut feed);
    assert!(seen.contains(&FeedChange::Upserted(comment.clone())));
    assert!(seen.contains(&FeedChange::CommentsChanged(post.clone())));

    let retract = format!("<items node='{COMMENTS_NODE}'><retract id='l1'/></items>");
    feed.handle_message(t(0), &event(from, &retract));
    assert_eq!(feed.likes(&post), (0, None));
    let seen = changes(&mut feed);
    assert!(seen.contains(&FeedChange::Retracted(ItemKey::new(
        from,
        COMMENTS_NODE,
        "l1"
    ))));
    assert!(seen.contains(&FeedChange::CommentsChanged(post)));
}

/// After a sync, comments are fetched (for their counts) only from the account's own
/// server; another domain, which the poster chose, learns of the reader only once the
/// post is opened.
#[test]
fn a_sync_fetches_comments_of_the_newest_posts_afterwards_from_our_server_only() {
    let mut feed = synced_with_movim_post();
    assert_eq!(requests(&mut feed, t(1)), [], "comments.montague.example");
    assert!(feed.fetch_comments(&ItemKey::post(&romeo(), MOVIM_POST_ID)));
    let out = requests(&mut feed, t(1));
    assert_eq!(to_of(&out[0]).as_deref(), Some("comments.montague.example"));

    // Posts whose comments live on our server (its comments service, a PEP there).
    let juliet = jid("juliet@example.org");
    let on = |service: &str, id: &str| {
        MOVIM_POST
            .replace(COMMENTS_SERVICE, service)
            .replace(MOVIM_POST_ID, id)
    };
    let mut feed = Feed::new(me());
    feed.start_sync(vec![romeo(), juliet.clone()]);
    for iq in requests(&mut feed, t(0)) {
        let items = match to_of(&iq).as_deref() {
            Some("juliet@example.org") => vec![
                item("j1", None, &on("comments.example.org", "j1")),
                item("j2", None, &on("juliet@example.org", "j2")),
            ],
            Some("romeo@montague.example") => vec![
                item("r1", None, &on("romeo@montague.example", "r1")),
                item("r2", None, &on("pubsub.evil.example", "r2")),
            ],
            _ => vec![],
        };
        answer(&mut feed, &iq, result(ns::MICROBLOG, &items, None));
    }
    let mut asked: Vec<String> = requests(&mut feed, t(1)).iter().filter_map(to_of).collect();
    asked.sort();
    assert_eq!(asked, ["comments.example.org", "juliet@example.org"]);
}

#[test]
fn a_complete_comments_result_drops_what_was_retracted_meanwhile_but_not_local_writes() {
    let mut feed = synced_with_movim_post();
    let post = ItemKey::post(&romeo(), MOVIM_POST_ID);
    let service = "comments.montague.example";
    let old = format!(
        "<items node='{COMMENTS_NODE}'>{}</items>",
        item("gone", None, MOVIM_COMMENT)
    );
    feed.handle_message(t(0), &event(service, &old));
    let mine = Entry::new_comment(
        "mine",
        &me(),
        None,
        "Lovely",
        "2026-04-02T12:00:00Z".parse().unwrap(),
    );
    let my_key = ItemKey::new(service, COMMENTS_NODE, "mine");
    feed.apply_local(my_key.clone(), &mine);
    assert!(feed.is_local(&my_key));
    assert_eq!(feed.comments(&post).len(), 2);

    assert!(feed.fetch_comments(&post));
    let out = requests(&mut feed, t(1));
    assert_eq!(out.len(), 1);
    let items = vec![item("c1", None, MOVIM_COMMENT)];
    answer(&mut feed, &out[0], result(COMMENTS_NODE, &items, None));
    let ids: Vec<&str> = feed
        .comments(&post)
        .iter()
        .map(|c| c.key.id.as_str())
        .collect();
    assert_eq!(ids, ["c1", "mine"]);
}

// ---- the person's own posts ---------------------------------------------------------

/// Edit and Delete act on the account's own node only: a contact's post (or one forged
/// to look like the person's) must never make us retract that item id from the
/// person's real node, nor delete the comments node it names.
#[test]
fn edit_or_delete_of_an_item_of_another_node_builds_no_request() {
    let mut feed = synced_with_movim_post();
    let forged = format!(
        "<items node='urn:xmpp:microblog:0'>{}</items>",
        item("f1", Some("user@example.org"), MOVIM_POST)
    );
    feed.handle_message(t(0), &event("romeo@montague.example", &forged));
    for key in [
        ItemKey::post(&romeo(), MOVIM_POST_ID),
        ItemKey::post(&romeo(), "f1"),
        ItemKey::new(me().as_str(), COMMENTS_NODE, "c1"),
        ItemKey::new(COMMENTS_SERVICE, ns::MICROBLOG, MOVIM_POST_ID),
    ] {
        assert!(feed.own_post(&key).is_none(), "{key:?} edited");
        assert!(
            feed.delete_post(&key, "r1", "d1").is_none(),
            "{key:?} deleted"
        );
    }

    // The person's own post, linking a comments node: both go.
    let mine = Entry::parse(&element(
        &MOVIM_POST.replace("romeo@montague.example", "user@example.org"),
    ))
    .unwrap();
    let key = ItemKey::post(&me(), "mine");
    feed.apply_local(key.clone(), &mine);
    assert!(feed.own_post(&key).is_some());
    let deletion = feed.delete_post(&key, "r1", "d1").unwrap();
    assert_xml(
        deletion.retract,
        "<iq xmlns='jabber:client' id='r1' type='set'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
         <retract node='urn:xmpp:microblog:0' notify='true'><item id='mine'/></retract></pubsub></iq>",
    );
    assert_xml(
        deletion.comments_node.unwrap(),
        &format!(
            "<iq xmlns='jabber:client' id='d1' to='{COMMENTS_SERVICE}' type='set'>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>\
             <delete node='{COMMENTS_NODE}'/></pubsub></iq>"
        ),
    );
    // A link that names anything but a comments node deletes no node.
    let odd = MOVIM_POST
        .replace("romeo@montague.example", "user@example.org")
        .replace(COMMENTS_NODE, "urn:xmpp:microblog:0");
    feed.apply_local(key.clone(), &Entry::parse(&element(&odd)).unwrap());
    let deletion = feed.delete_post(&key, "r1", "d1").unwrap();
    assert!(deletion.comments_node.is_none());
}

// ---- local echo ---------------------------------------------------------------------

#[test]
fn a_local_post_is_replaced_by_its_echo_not_duplicated() {
    let mut feed = Feed::new(me());
    let draft = Entry::new_comment(
        "n1",
        &me(),
        None,
        "Hello",
        "2026-04-02T12:00:00Z".parse().unwrap(),
    );
    let key = ItemKey::post(&me(), "n1");
    feed.apply_local(key.clone(), &draft);
    assert_eq!(changes(&mut feed), [FeedChange::Upserted(key.clone())]);
    assert!(feed.is_local(&key));
    let echo = format!(
        "<items node='urn:xmpp:microblog:0'><item id='n1'>{}</item></items>",
        String::from(&draft.to_element())
    );
    feed.handle_message(t(0), &event("user@example.org", &echo));
    assert_eq!(feed.timeline().len(), 1);
    assert!(!feed.is_local(&key));
    feed.apply_local_retract(&key);
    assert_eq!(changes(&mut feed), [FeedChange::Retracted(key)]);
    assert!(feed.timeline().is_empty());
}

// ---- writing ------------------------------------------------------------------------

#[test]
fn publish_carries_the_entry_under_its_id_with_publish_options() {
    let entry = Entry::parse(&element(MINIMAL_POST)).unwrap();
    assert_xml(
        publish_iq("p1", None, ns::MICROBLOG, &entry, Some(Access::Presence)),
        "<iq xmlns='jabber:client' id='p1' type='set'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
         <publish node='urn:xmpp:microblog:0'><item id='min-1'>\
         <entry xmlns='http://www.w3.org/2005/Atom'><title>Just a title</title><id>min-1</id>\
         <published>2026-01-15T08:00:00Z</published><updated>2026-01-15T08:00:00Z</updated></entry>\
         </item></publish>\
         <publish-options><x xmlns='jabber:x:data' type='submit'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>\
         <field var='pubsub#access_model'><value>presence</value></field>\
         <field var='pubsub#max_items'><value>max</value></field>\
         </x></publish-options></pubsub></iq>",
    );
    let comment = Entry::new_comment(
        "c9",
        &me(),
        None,
        "Hi",
        "2026-04-02T12:00:00Z".parse().unwrap(),
    );
    let iq = publish_iq(
        "p2",
        Some(Jid::new("comments.example.org").unwrap()),
        "urn:xmpp:microblog:0:comments/x",
        &comment,
        None,
    );
    assert_eq!(to_of(&iq).as_deref(), Some("comments.example.org"));
    let payload = payload_of(&iq);
    assert!(
        payload.get_child("publish-options", ns::PUBSUB).is_none(),
        "someone else's node is taken as it is"
    );
}

#[test]
fn node_configuration_creation_retraction_and_deletion() {
    assert_xml(
        configure_node_iq("c1", ns::MICROBLOG, Access::Open),
        "<iq xmlns='jabber:client' id='c1' type='set'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='urn:xmpp:microblog:0'>\
         <x xmlns='jabber:x:data' type='submit'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#node_config</value></field>\
         <field var='pubsub#access_model'><value>open</value></field>\
         <field var='pubsub#max_items'><value>max</value></field>\
         </x></configure></pubsub></iq>",
    );
    let service = Jid::new("comments.example.org").unwrap();
    assert_xml(
        create_comments_node_iq("n1", &service, "urn:xmpp:microblog:0:comments/x"),
        "<iq xmlns='jabber:client' id='n1' to='comments.example.org' type='set'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
         <create node='urn:xmpp:microblog:0:comments/x'/><configure>\
         <x xmlns='jabber:x:data' type='submit'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#node_config</value></field>\
         <field var='pubsub#access_model'><value>open</value></field>\
         <field var='pubsub#publish_model'><value>open</value></field>\
         <field var='pubsub#max_items'><value>max</value></field>\
         <field var='pubsub#itemreply'><value>publisher</value></field>\
         </x></configure></pubsub></iq>",
    );
    assert_xml(
        retract_iq("r1", None, ns::MICROBLOG, "e1"),
        "<iq xmlns='jabber:client' id='r1' type='set'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
         <retract node='urn:xmpp:microblog:0' notify='true'><item id='e1'/></retract></pubsub></iq>",
    );
    assert_xml(
        delete_node_iq("d1", Some(service), "urn:xmpp:microblog:0:comments/x"),
        "<iq xmlns='jabber:client' id='d1' to='comments.example.org' type='set'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>\
         <delete node='urn:xmpp:microblog:0:comments/x'/></pubsub></iq>",
    );
}

/// The `<error/>` ejabberd 23.01 answered to a publish carrying `pubsub#max_items` as a
/// publish option, as it came from the server.
const EJABBERD_MAX_ITEMS_REFUSED: &str = "<error xmlns='jabber:client' type='wait'>\
    <resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
    <text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Unknown field &apos;pubsub#max_items&apos; of type &apos;http://jabber.org/protocol/pubsub#publish-options&apos;</text>\
    </error>";

#[test]
fn a_refused_max_items_option_is_told_from_other_refusals() {
    let error = |xml: &str| StanzaError::try_from(element(xml)).unwrap();
    assert!(is_publish_option_refused(&error(
        EJABBERD_MAX_ITEMS_REFUSED
    )));
    // ejabberd's answer when the access model differs: the reconfigure path, not this one.
    let precondition = error(
        "<error xmlns='jabber:client' type='cancel'>\
         <precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/>\
         <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
    );
    assert!(is_precondition_not_met(&precondition));
    assert!(!is_publish_option_refused(&precondition));
    // Refusals that no other publish options would change.
    for condition in ["forbidden", "item-not-found", "internal-server-error"] {
        let other = error(&format!(
            "<error xmlns='jabber:client' type='cancel'><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
        ));
        assert!(!is_publish_option_refused(&other), "{condition}");
    }
}

#[test]
fn a_publish_without_max_items_keeps_its_item_id_and_access_model() {
    let entry = Entry::parse(&element(MINIMAL_POST)).unwrap();
    let publish = publish_iq("p1", None, ns::MICROBLOG, &entry, Some(Access::Open));
    assert_xml(
        without_max_items_option(&publish).unwrap(),
        "<iq xmlns='jabber:client' id='p1' type='set'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
         <publish node='urn:xmpp:microblog:0'><item id='min-1'>\
         <entry xmlns='http://www.w3.org/2005/Atom'><title>Just a title</title><id>min-1</id>\
         <published>2026-01-15T08:00:00Z</published><updated>2026-01-15T08:00:00Z</updated></entry>\
         </item></publish>\
         <publish-options><x xmlns='jabber:x:data' type='submit'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>\
         <field var='pubsub#access_model'><value>open</value></field>\
         </x></publish-options></pubsub></iq>",
    );
    let stripped = without_max_items_option(&publish).unwrap();
    assert_eq!(
        without_max_items_option(&stripped),
        None,
        "nothing left to take"
    );
    // Comments, likes and other writes are not touched.
    let service = Jid::new("juliet@example.com").unwrap();
    let comment = Entry::new_comment(
        "c9",
        &me(),
        None,
        "Hi",
        "2026-04-02T12:00:00Z".parse().unwrap(),
    );
    let node = "urn:xmpp:microblog:0:comments/x";
    for other in [
        publish_iq("p2", Some(service.clone()), node, &comment, None),
        publish_iq("p3", None, ns::MICROBLOG, &entry, None),
        retract_iq("r1", None, ns::MICROBLOG, "e1"),
        configure_node_iq("c1", ns::MICROBLOG, Access::Open),
    ] {
        assert_eq!(without_max_items_option(&other), None, "{other:?}");
    }
}

#[test]
fn the_microblog_node_is_created_keeping_every_item() {
    assert_xml(
        create_node_iq("p1-create", ns::MICROBLOG, Access::Presence),
        "<iq xmlns='jabber:client' id='p1-create' type='set'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
         <create node='urn:xmpp:microblog:0'/><configure>\
         <x xmlns='jabber:x:data' type='submit'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#node_config</value></field>\
         <field var='pubsub#access_model'><value>presence</value></field>\
         <field var='pubsub#max_items'><value>max</value></field>\
         </x></configure></pubsub></iq>",
    );
}

#[test]
fn precondition_not_met_is_recognised() {
    let error = |xml: &str| StanzaError::try_from(element(xml)).unwrap();
    assert!(is_precondition_not_met(&error(
        "<error xmlns='jabber:client' type='cancel'>\
         <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
         <precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/></error>"
    )));
    assert!(!is_precondition_not_met(&error(
        "<error xmlns='jabber:client' type='cancel'>\
         <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
    )));
    assert!(!is_precondition_not_met(&error(
        "<error xmlns='jabber:client' type='modify'>\
         <not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
         <payload-too-big xmlns='http://jabber.org/protocol/pubsub#errors'/></error>"
    )));
}

// ---- discovery and caps -------------------------------------------------------------

#[test]
fn the_comments_service_is_discovered() {
    let mut feed = Feed::new(me());
    assert_eq!(
        feed.comments_service(),
        Jid::from(me()),
        "own PEP until found"
    );
    feed.discover_comments_service();
    let out = requests(&mut feed, t(0));
    assert_eq!(to_of(&out[0]).as_deref(), Some("example.org"));
    assert!(payload_of(&out[0]).is("query", ns::DISCO_ITEMS));
    answer(
        &mut feed,
        &out[0],
        element(
            "<query xmlns='http://jabber.org/protocol/disco#items'>\
             <item jid='upload.example.org'/><item jid='pubsub.example.org'/>\
             <item jid='comments.social.example.org'/></query>",
        ),
    );
    let out = requests(&mut feed, t(1));
    assert_eq!(out.len(), 1, "a generic pubsub component is not asked");
    assert_eq!(
        to_of(&out[0]).as_deref(),
        Some("comments.social.example.org")
    );
    assert!(payload_of(&out[0]).is("query", ns::DISCO_INFO));
    answer(
        &mut feed,
        &out[0],
        element(
            "<query xmlns='http://jabber.org/protocol/disco#info'>\
             <identity category='pubsub' type='service'/>\
             <feature var='http://jabber.org/protocol/pubsub'/></query>",
        ),
    );
    assert_eq!(
        feed.comments_service().to_string(),
        "comments.social.example.org"
    );

    let items = xep0030::read_items(&element(
        "<query xmlns='http://jabber.org/protocol/disco#items'>\
         <item jid='pubsub.example.org'/><item jid='comments.example.org'/></query>",
    ))
    .unwrap();
    assert_eq!(
        comments_service_hint("example.org", &items),
        ServiceHint::Found(Jid::new("comments.example.org").unwrap())
    );
}

#[test]
fn caps_hash_what_the_client_announces() {
    // XEP-0115 §5.2, the simple generation example.
    let disco = DiscoInfo {
        node: None,
        identities: vec![Identity::new("client", "pc", "", "Exodus 0.9.1")],
        features: [
            "http://jabber.org/protocol/caps",
            "http://jabber.org/protocol/disco#info",
            "http://jabber.org/protocol/disco#items",
            "http://jabber.org/protocol/muc",
        ]
        .map(String::from)
        .into(),
        forms: vec![],
    };
    let c = caps_element(&disco);
    assert!(c.is("c", ns::CAPS));
    assert_eq!(c.attr("hash"), Some("sha-1"));
    assert_eq!(c.attr("node"), Some(CAPS_NODE));
    assert_eq!(c.attr("ver"), Some("QgayPKawpkPSDYmwT/WM94uAlu0="));
    assert!(notify_features().contains(&"urn:xmpp:microblog:0+notify"));
}

#[test]
fn caps_sort_a_feature_before_its_notify_twin() {
    // XEP-0115 §5.1 sorts the features themselves: `urn:xmpp:microblog:0` before
    // `urn:xmpp:microblog:0+notify`. ejabberd 23.01 recomputes the hash and ignores caps
    // that do not match (no live posts then); the e2e tests on ejabberd check it accepts this `ver`.
    let disco = DiscoInfo {
        node: None,
        identities: vec![Identity::new("client", "web", "en", "Kith")],
        features: ["http://jabber.org/protocol/disco#info", "urn:xmpp:ping"]
            .into_iter()
            .chain(notify_features())
            .map(String::from)
            .collect(),
        forms: vec![],
    };
    assert_eq!(
        String::from_utf8(caps_string(&disco)).unwrap(),
        "client/web/en/Kith<http://jabber.org/protocol/disco#info<\
         http://jabber.org/protocol/nick+notify<urn:xmpp:avatar:metadata+notify<\
         urn:xmpp:microblog:0<urn:xmpp:microblog:0+notify<urn:xmpp:ping<\
         urn:xmpp:vcard4+notify<"
    );
    // (Python's hashlib.sha1 of that string, in base64.)
    assert_eq!(
        caps_element(&disco).attr("ver"),
        Some("/WamZA1c8fcgBqdiDii5XHVggko=")
    );
}

#[test]
fn a_retracted_post_takes_its_comments_along() {
    let mut feed = synced_with_movim_post();
    let from = COMMENTS_SERVICE;
    feed.handle_message(t(0), &comments_event(&[item("c1", None, MOVIM_COMMENT)]));
    changes(&mut feed);
    let retract =
        format!("<items node='urn:xmpp:microblog:0'><retract id='{MOVIM_POST_ID}'/></items>");
    feed.handle_message(t(0), &event("romeo@montague.example", &retract));
    assert_eq!(
        changes(&mut feed),
        [
            FeedChange::Retracted(ItemKey::post(&romeo(), MOVIM_POST_ID)),
            FeedChange::Retracted(ItemKey::new(from, COMMENTS_NODE, "c1")),
        ]
    );
    assert!(feed
        .record(&ItemKey::new(from, COMMENTS_NODE, "c1"))
        .is_none());
}

// ---- composed writes ----------------------------------------------------------------

/// Ids `id1`, `id2`… in the order the composer asks for them.
fn counter() -> impl FnMut() -> String {
    let mut n = 0;
    move || {
        n += 1;
        format!("id{n}")
    }
}

fn at(iso: &str) -> crate::proto::date::DateTime {
    iso.parse().unwrap()
}

/// What each entry is: kind, item, queue; all composed pending.
fn kinds(composed: &Composed) -> Vec<(WriteKind, Option<ItemKey>, String)> {
    assert!(composed
        .entries
        .iter()
        .all(|e| e.state == crate::service::outbox::EntryState::Pending));
    composed
        .entries
        .iter()
        .map(|e| (e.kind.clone(), e.item.clone(), e.queue.clone()))
        .collect()
}

/// The payload an entry will send, read back.
fn iq_of(entry: &OutboxEntry) -> Iq {
    Iq::try_from(element(&entry.payload)).unwrap()
}

fn post_input(title: &str, access: Access, editing: Option<ItemKey>) -> PostInput {
    PostInput {
        title: title.into(),
        markdown: "Hello".into(),
        access,
        enclosures: vec![],
        editing,
    }
}

const COMMENTS_NODE_CONFIG: &str = "<configure><x xmlns='jabber:x:data' type='submit'>\
     <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#node_config</value></field>\
     <field var='pubsub#access_model'><value>open</value></field>\
     <field var='pubsub#publish_model'><value>open</value></field>\
     <field var='pubsub#max_items'><value>max</value></field>\
     <field var='pubsub#itemreply'><value>publisher</value></field></x></configure>";

fn publish_options(access: &str) -> String {
    format!(
        "<publish-options><x xmlns='jabber:x:data' type='submit'>\
         <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>\
         <field var='pubsub#access_model'><value>{access}</value></field>\
         <field var='pubsub#max_items'><value>max</value></field></x></publish-options>"
    )
}

#[test]
fn a_new_post_creates_its_comments_node_then_publishes_the_entry() {
    let feed = Feed::new(me());
    let input = post_input(" First ", Access::Open, None);
    let composed = feed
        .compose_post(input, at("2026-12-01T10:00:00Z"), &mut counter())
        .unwrap();
    // The item id is drawn first, then one iq id per write, in sending order.
    let key = ItemKey::post(&me(), "id1");
    let mb = ns::MICROBLOG.to_owned();
    assert_eq!(
        kinds(&composed),
        [
            (WriteKind::CommentsNode, Some(key.clone()), mb.clone()),
            (
                WriteKind::Post {
                    access: Access::Open
                },
                Some(key.clone()),
                mb
            ),
        ]
    );
    let [node, post] = [&composed.entries[0], &composed.entries[1]];
    assert_eq!((node.id.as_str(), post.id.as_str()), ("id2", "id3"));
    // No comments service found yet: the account's own PEP takes the node.
    assert_xml(
        iq_of(node),
        &format!(
            "<iq xmlns='jabber:client' id='id2' to='user@example.org' type='set'>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <create node='urn:xmpp:microblog:0:comments/id1'/>{COMMENTS_NODE_CONFIG}</pubsub></iq>"
        ),
    );
    assert_xml(
        iq_of(post),
        &format!(
            "<iq xmlns='jabber:client' id='id3' type='set'>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <publish node='urn:xmpp:microblog:0'><item id='id1'>\
             <entry xmlns='http://www.w3.org/2005/Atom'><title>First</title>\
             <author><uri>xmpp:user@example.org</uri></author>\
             <content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>Hello</p></div></content>\
             <content type='text'>Hello</content>\
             <link href='xmpp:user@example.org?;node=urn:xmpp:microblog:0;item=id1' rel='alternate'/>\
             <link href='xmpp:user@example.org?;node=urn:xmpp:microblog:0:comments/id1' rel='replies' title='comments'/>\
             <id>id1</id><published>2026-12-01T10:00:00Z</published>\
             <updated>2026-12-01T10:00:00Z</updated></entry></item></publish>{}</pubsub></iq>",
            publish_options("open")
        ),
    );
    let (echo_key, echo) = composed.echo;
    assert_eq!(echo_key, key);
    assert_eq!(echo.unwrap().title, "First");
}

#[test]
fn a_contacts_post_asks_for_the_presence_access_model_on_the_comments_service() {
    let mut feed = Feed::new(me());
    feed.discovery.service = Some(Jid::new(COMMENTS_SERVICE).unwrap());
    let input = post_input("Mine", Access::Presence, None);
    let composed = feed
        .compose_post(input, at("2026-12-01T10:00:00Z"), &mut counter())
        .unwrap();
    let key = ItemKey::post(&me(), "id1");
    assert_eq!(
        kinds(&composed),
        [
            (
                WriteKind::CommentsNode,
                Some(key.clone()),
                ns::MICROBLOG.to_owned()
            ),
            (
                WriteKind::Post {
                    access: Access::Presence
                },
                Some(key),
                ns::MICROBLOG.to_owned()
            ),
        ]
    );
    assert_eq!(
        to_of(&iq_of(&composed.entries[0])).as_deref(),
        Some(COMMENTS_SERVICE)
    );
    let payload = payload_of(&iq_of(&composed.entries[1]));
    assert_eq!(
        payload.get_child("publish-options", ns::PUBSUB).cloned(),
        Some(
            element(&format!(
                "<pubsub xmlns='http://jabber.org/protocol/pubsub'>{}</pubsub>",
                publish_options("presence")
            ))
            .get_child("publish-options", ns::PUBSUB)
            .unwrap()
            .clone()
        )
    );
    let entry = composed.echo.1.unwrap();
    assert_eq!(
        entry.comments.unwrap().uri(),
        "xmpp:comments.montague.example?;node=urn:xmpp:microblog:0:comments/id1"
    );
}

#[test]
fn a_new_post_with_an_image_carries_it_as_an_enclosure() {
    let feed = Feed::new(me());
    let mut input = post_input("Cat", Access::Open, None);
    let image = crate::proto::xep0277::Link {
        href: "https://upload.example.org/cat.jpg".into(),
        media_type: Some("image/jpeg".into()),
        title: Some("A cat".into()),
        length: Some(1234),
    };
    input.enclosures.push(image.clone());
    let composed = feed
        .compose_post(input, at("2026-12-01T10:00:00Z"), &mut counter())
        .unwrap();
    let published = Entry::parse(
        payload_of(&iq_of(&composed.entries[1]))
            .get_child("publish", ns::PUBSUB)
            .and_then(|p| p.get_child("item", ns::PUBSUB))
            .and_then(|i| i.get_child("entry", "http://www.w3.org/2005/Atom"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(published.enclosures, [image]);
    assert_eq!(composed.echo.1.unwrap().enclosures, published.enclosures);
    assert_eq!(
        composed.entries[1].kind,
        WriteKind::Post {
            access: Access::Open
        }
    );
}

#[test]
fn a_title_is_needed() {
    let feed = Feed::new(me());
    let input = post_input("  ", Access::Open, None);
    let mut ids = counter();
    let result = feed.compose_post(input, at("2026-12-01T10:00:00Z"), &mut ids);
    assert_eq!(result.err(), Some("A post needs a title"));
}

#[test]
fn an_edit_keeps_the_item_id_published_and_comments_and_adds_the_image() {
    let mut feed = Feed::new(me());
    let original = feed
        .compose_post(
            post_input("First", Access::Open, None),
            at("2026-12-01T10:00:00Z"),
            &mut counter(),
        )
        .unwrap();
    let (key, entry) = original.echo;
    feed.apply_local(key.clone(), &entry.unwrap());
    let mut input = post_input("Second", Access::Presence, Some(key.clone()));
    input.enclosures.push(crate::proto::xep0277::Link {
        href: "https://upload.example.org/cat.jpg".into(),
        media_type: Some("image/jpeg".into()),
        title: Some("A cat".into()),
        length: Some(1234),
    });
    let mut ids = || "e1".to_owned();
    let composed = feed
        .compose_post(input, at("2026-12-02T09:00:00Z"), &mut ids)
        .unwrap();
    // Only the post: its comments node exists already.
    assert_eq!(
        kinds(&composed),
        [(
            WriteKind::Post {
                access: Access::Presence
            },
            Some(key.clone()),
            ns::MICROBLOG.to_owned()
        )]
    );
    assert_xml(
        iq_of(&composed.entries[0]),
        &format!(
            "<iq xmlns='jabber:client' id='e1' type='set'>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <publish node='urn:xmpp:microblog:0'><item id='id1'>\
             <entry xmlns='http://www.w3.org/2005/Atom'><title>Second</title>\
             <author><uri>xmpp:user@example.org</uri></author>\
             <content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>Hello</p></div></content>\
             <content type='text'>Hello</content>\
             <link href='https://upload.example.org/cat.jpg' rel='enclosure' type='image/jpeg' title='A cat' length='1234'/>\
             <link href='xmpp:user@example.org?;node=urn:xmpp:microblog:0;item=id1' rel='alternate'/>\
             <link href='xmpp:user@example.org?;node=urn:xmpp:microblog:0:comments/id1' rel='replies' title='comments'/>\
             <id>id1</id><published>2026-12-01T10:00:00Z</published>\
             <updated>2026-12-02T09:00:00Z</updated></entry></item></publish>{}</pubsub></iq>",
            publish_options("presence")
        ),
    );
    // A post of someone else's, or gone, cannot be edited.
    for key in [ItemKey::post(&romeo(), "id1"), ItemKey::post(&me(), "gone")] {
        let input = post_input("Third", Access::Open, Some(key));
        let result = feed.compose_post(input, at("2026-12-02T09:00:00Z"), &mut counter());
        assert_eq!(result.err(), Some("This post can no longer be edited here"));
    }
}

/// Romeo's Movim post, whose comments node is on his comments service.
fn feed_with_romeos_post() -> (Feed, ItemKey) {
    let mut feed = Feed::new(me());
    let key = ItemKey::post(&romeo(), MOVIM_POST_ID);
    feed.apply_local(key.clone(), &Entry::parse(&element(MOVIM_POST)).unwrap());
    (feed, key)
}

#[test]
fn a_comment_goes_to_the_posts_comments_node() {
    let (feed, key) = feed_with_romeos_post();
    let now = at("2026-12-01T10:00:00Z");
    assert_eq!(
        feed.compose_comment(&key, " \n ", now.clone(), &mut counter())
            .err(),
        Some("Write something first")
    );
    let composed = feed
        .compose_comment(&key, " Nice! ", now.clone(), &mut counter())
        .unwrap();
    let item = ItemKey::new(COMMENTS_SERVICE, COMMENTS_NODE, "id1");
    assert_eq!(
        kinds(&composed),
        [(WriteKind::Comment, Some(item.clone()), COMMENTS_NODE.into())]
    );
    assert_eq!(composed.entries[0].id, "id2");
    let entry = Entry::new_comment("id1", &me(), None, "Nice!", now.clone());
    assert_xml(
        iq_of(&composed.entries[0]),
        &format!(
            "<iq xmlns='jabber:client' id='id2' to='{COMMENTS_SERVICE}' type='set'>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <publish node='{COMMENTS_NODE}'><item id='id1'>{}</item></publish></pubsub></iq>",
            String::from(&entry.to_element())
        ),
    );
    assert_eq!(composed.echo, (item, Some(entry)));
    // A post without a comments link takes none.
    let mut feed = Feed::new(me());
    let bare = ItemKey::post(&me(), "bare");
    feed.apply_local(bare.clone(), &Entry::parse(&element(MINIMAL_POST)).unwrap());
    assert_eq!(
        feed.compose_comment(&bare, "Hi", now, &mut counter()).err(),
        Some("This post does not take comments")
    );
}

#[test]
fn a_like_is_a_heart_comment_and_unlike_retracts_the_own_like() {
    let (mut feed, key) = feed_with_romeos_post();
    let now = at("2026-12-01T10:00:00Z");
    // Nothing to unlike yet.
    assert!(feed
        .compose_like(&key, false, now.clone(), &mut counter())
        .is_none());
    let liked = feed
        .compose_like(&key, true, now.clone(), &mut counter())
        .unwrap();
    let item = ItemKey::new(COMMENTS_SERVICE, COMMENTS_NODE, "id1");
    assert_eq!(
        kinds(&liked),
        [(WriteKind::Like, Some(item.clone()), COMMENTS_NODE.into())]
    );
    let like = Entry::new_like("id1", &me(), now.clone());
    assert!(like.is_like());
    assert_xml(
        iq_of(&liked.entries[0]),
        &format!(
            "<iq xmlns='jabber:client' id='id2' to='{COMMENTS_SERVICE}' type='set'>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <publish node='{COMMENTS_NODE}'><item id='id1'>{}</item></publish></pubsub></iq>",
            String::from(&like.to_element())
        ),
    );
    assert_eq!(liked.echo, (item.clone(), Some(like.clone())));
    feed.apply_local(item.clone(), &like);
    assert_eq!(feed.likes(&key), (1, Some("id1")));

    let mut ids = || "u1".to_owned();
    let unliked = feed.compose_like(&key, false, now, &mut ids).unwrap();
    assert_eq!(
        kinds(&unliked),
        [(WriteKind::Unlike, Some(item.clone()), COMMENTS_NODE.into())]
    );
    assert_eq!(unliked.entries[0].kind.as_str(), "unlike");
    assert_xml(
        iq_of(&unliked.entries[0]),
        &format!(
            "<iq xmlns='jabber:client' id='u1' to='{COMMENTS_SERVICE}' type='set'>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <retract node='{COMMENTS_NODE}' notify='true'><item id='id1'/></retract></pubsub></iq>"
        ),
    );
    assert_eq!(unliked.echo, (item, None));
}

#[test]
fn a_delete_retracts_the_post_then_deletes_its_comments_node() {
    let mut feed = Feed::new(me());
    let mine = Entry::parse(&element(
        &MOVIM_POST.replace("romeo@montague.example", "user@example.org"),
    ))
    .unwrap();
    let key = ItemKey::post(&me(), "mine");
    feed.apply_local(key.clone(), &mine);
    let composed = feed.compose_delete(&key, &mut counter()).unwrap();
    let mb = ns::MICROBLOG.to_owned();
    assert_eq!(
        kinds(&composed),
        [
            (WriteKind::Delete, Some(key.clone()), mb.clone()),
            (WriteKind::DeleteCommentsNode, Some(key.clone()), mb),
        ]
    );
    assert_xml(
        iq_of(&composed.entries[0]),
        "<iq xmlns='jabber:client' id='id1' type='set'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
         <retract node='urn:xmpp:microblog:0' notify='true'><item id='mine'/></retract></pubsub></iq>",
    );
    assert_xml(
        iq_of(&composed.entries[1]),
        &format!(
            "<iq xmlns='jabber:client' id='id2' to='{COMMENTS_SERVICE}' type='set'>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>\
             <delete node='{COMMENTS_NODE}'/></pubsub></iq>"
        ),
    );
    assert_eq!(composed.echo, (key, None));
    // Someone else's post: nothing.
    let (feed, romeos) = feed_with_romeos_post();
    assert!(feed.compose_delete(&romeos, &mut counter()).is_none());
}

// ---- recovering refused writes ----------------------------------------------------

const PRECONDITION_NOT_MET: &str = "<error xmlns='jabber:client' type='cancel'>\
     <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
     <precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/></error>";
const CONFLICT: &str = "<error xmlns='jabber:client' type='cancel'>\
     <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>";
const FORBIDDEN: &str = "<error xmlns='jabber:client' type='auth'>\
     <forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>";

fn stanza_error(xml: &str) -> StanzaError {
    StanzaError::try_from(element(xml)).unwrap()
}

/// A new post and its comments node, composed as the app does (`id1` the item).
fn new_post(access: Access) -> (OutboxEntry, OutboxEntry) {
    let composed = Feed::new(me())
        .compose_post(
            post_input("First", access, None),
            at("2026-12-01T10:00:00Z"),
            &mut counter(),
        )
        .unwrap();
    let [node, post] = <[OutboxEntry; 2]>::try_from(composed.entries).unwrap();
    (node, post)
}

#[test]
fn a_post_refused_for_its_access_model_reconfigures_its_node_once() {
    let (_, post) = new_post(Access::Open);
    let error = stanza_error(PRECONDITION_NOT_MET);
    assert_eq!(
        recover(&post, &error, false),
        Recovery::Resend {
            before: vec![configure_node_iq(
                "id3-configure",
                ns::MICROBLOG,
                Access::Open
            )],
            without_max_items: false,
        }
    );
    assert_eq!(recover(&post, &error, true), Recovery::Refuse, "once only");
    // The access model asked for is the one the node is set to.
    let (_, contacts) = new_post(Access::Presence);
    let Recovery::Resend { before, .. } = recover(&contacts, &error, false) else {
        panic!("not resent");
    };
    assert_eq!(
        before,
        [configure_node_iq(
            "id3-configure",
            ns::MICROBLOG,
            Access::Presence
        )]
    );
}

#[test]
fn a_post_whose_max_items_option_is_refused_creates_and_configures_then_goes_without_it() {
    let (_, post) = new_post(Access::Open);
    let error = stanza_error(EJABBERD_MAX_ITEMS_REFUSED);
    assert_eq!(
        recover(&post, &error, false),
        Recovery::Resend {
            before: vec![
                create_node_iq("id3-create", ns::MICROBLOG, Access::Open),
                configure_node_iq("id3-configure", ns::MICROBLOG, Access::Open),
            ],
            without_max_items: true,
        }
    );
    assert_eq!(recover(&post, &error, true), Recovery::Refuse);
}

#[test]
fn creating_a_comments_node_that_exists_is_done_and_other_refusals_stand() {
    let (node, post) = new_post(Access::Open);
    let conflict = stanza_error(CONFLICT);
    assert_eq!(recover(&node, &conflict, false), Recovery::Done);
    assert_eq!(recover(&node, &conflict, true), Recovery::Done);
    assert_eq!(
        recover(&node, &stanza_error(FORBIDDEN), false),
        Recovery::Refuse
    );
    // A post's conflict, or any refusal of a comment, like or deletion, stands.
    assert_eq!(recover(&post, &conflict, false), Recovery::Refuse);
    assert_eq!(
        recover(&post, &stanza_error(FORBIDDEN), false),
        Recovery::Refuse
    );
    let (feed, key) = feed_with_romeos_post();
    let now = at("2026-12-01T10:00:00Z");
    let comment = feed
        .compose_comment(&key, "Hi", now.clone(), &mut counter())
        .unwrap();
    let like = feed.compose_like(&key, true, now, &mut counter()).unwrap();
    for entry in [&comment.entries[0], &like.entries[0]] {
        for error in [PRECONDITION_NOT_MET, EJABBERD_MAX_ITEMS_REFUSED, CONFLICT] {
            assert_eq!(
                recover(entry, &stanza_error(error), false),
                Recovery::Refuse,
                "{:?} {error}",
                entry.kind
            );
        }
    }
}

// ---- what pending writes mark -------------------------------------------------------

#[test]
fn a_pending_like_or_comment_marks_only_itself_not_the_post() {
    use crate::service::outbox::{shown_on, PendingWrite};
    let (mut feed, post) = feed_with_romeos_post();
    let now = at("2026-12-01T10:00:00Z");
    let like = feed
        .compose_like(&post, true, now.clone(), &mut counter())
        .unwrap();
    let comment = feed
        .compose_comment(&post, "Nice", now.clone(), &mut || "k".to_owned())
        .unwrap();
    let pending: Vec<PendingWrite> = like
        .entries
        .iter()
        .chain(&comment.entries)
        .map(PendingWrite::from_entry)
        .collect();
    assert_eq!(shown_on(&pending, &post), None, "the post is not Pending");
    assert_eq!(shown_on(&pending, &like.echo.0), Some(None), "the like is");
    assert_eq!(
        shown_on(&pending, &comment.echo.0),
        Some(None),
        "the comment is"
    );
    // Unliking marks the like it takes back, still not the post.
    feed.apply_local(like.echo.0.clone(), like.echo.1.as_ref().unwrap());
    let unlike = feed
        .compose_like(&post, false, now, &mut counter())
        .unwrap();
    let pending = [PendingWrite::from_entry(&unlike.entries[0])];
    assert_eq!(shown_on(&pending, &post), None);
    assert_eq!(shown_on(&pending, &like.echo.0), Some(None));
    // The post's own writes mark it (a deletion too, until it is gone).
    let (node, publish) = new_post(Access::Open);
    let own = ItemKey::post(&me(), "id1");
    for entry in [&node, &publish] {
        assert_eq!(
            shown_on(&[PendingWrite::from_entry(entry)], &own),
            Some(None)
        );
    }
}

#[test]
fn the_first_posts_of_a_sync_are_drawn_at_once() {
    // Nothing on screen yet: the first page is drawn at once, even right after a redraw.
    assert_eq!(redraw_delay_ms(true, false, true, 1.0), None);
    // Nothing to show either: the next frame (the sync status).
    assert_eq!(redraw_delay_ms(true, false, false, 1.0), Some(16.0));
    // Over posts on screen, a sync redraws at most every 100 ms.
    assert_eq!(redraw_delay_ms(true, true, true, 1.0), Some(99.0));
    assert_eq!(redraw_delay_ms(true, true, true, 90.0), Some(16.0));
    assert_eq!(redraw_delay_ms(true, true, true, 5_000.0), Some(16.0));
    // No sync: every change at the next frame.
    assert_eq!(redraw_delay_ms(false, true, true, 1.0), Some(16.0));
}

/// Answers every request (and those that follow) with an empty page, except the ones to
/// `held`, which come back unanswered.
fn answer_all_but(feed: &mut Feed, mut out: Vec<Iq>, held: &str) -> Vec<Iq> {
    let mut rest = vec![];
    while !out.is_empty() {
        for iq in std::mem::take(&mut out) {
            if to_of(&iq).as_deref() == Some(held) {
                rest.push(iq);
            } else {
                answer(feed, &iq, result(ns::MICROBLOG, &[], None));
            }
        }
        out = requests(feed, t(2));
    }
    rest
}
