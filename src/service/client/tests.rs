//! The client end to end on literal XML: sign in, roster, presence, pushes, requests.

use crate::proto::jid::BareJid;
use crate::proto::ns;
use minidom::Element;

use super::*;
use crate::service::outbox::{Outbox, OutboxEntry};
use crate::service::presence::Availability;
use crate::service::roster::{Roster, RosterEdit};
use crate::xmpp::testing::{config, sign_in, BOUND, NONCE};

/// What the client sent, but the carbons, block list and bookmarks requests every new
/// stream makes (see `carbons_are_asked_for_on_every_new_stream`,
/// `the_block_list_is_asked_for_…`, `rooms::bookmarks_…`), so that tests see what they
/// are about.
fn frames(c: &mut Client) -> Vec<Element> {
    all_frames(c)
        .into_iter()
        .filter(|f: &Element| {
            let every_stream = f.get_child("enable", ns::CARBONS).is_some()
                || f.get_child("blocklist", ns::BLOCKING).is_some()
                || rooms::is_bookmarks_request(f);
            !(every_stream && f.is("iq", ns::DEFAULT_NS))
        })
        .collect()
}

fn all_frames(c: &mut Client) -> Vec<Element> {
    std::iter::from_fn(|| c.poll_transmit())
        .map(|f| f.parse().unwrap())
        .collect()
}

/// The updates, without the outbox snapshots (`outbox_reports` reads those).
fn updates(c: &mut Client) -> Vec<Update> {
    std::iter::from_fn(|| c.poll_update())
        .filter(|u| !matches!(u, Update::Outbox(_)))
        .collect()
}

/// The outbox snapshots reported: (id, refusal) of each entry.
fn outbox_reports(c: &mut Client) -> Vec<Vec<(String, Option<String>)>> {
    std::iter::from_fn(|| c.poll_update())
        .filter_map(|u| match u {
            Update::Outbox(list) => Some(list.into_iter().map(|w| (w.id, w.failed)).collect()),
            _ => None,
        })
        .collect()
}

fn t() -> Instant {
    Instant(0)
}

/// Plays the server's side of sign-in on a new socket; returns what the client sent last.
fn connect_and_sign_in(c: &mut Client) -> Vec<Element> {
    c.handle_connected(t(), NONCE);
    let mut last = vec![];
    sign_in(|frame| {
        c.handle_frame(t(), frame);
        last = frames(c);
        last.clone()
    });
    last
}

/// The connection is lost and a new stream is signed in (nothing resumed), its roster
/// request answered "unchanged"; what the client sends then is left to read.
fn new_stream(c: &mut Client) {
    c.handle_disconnected(t());
    updates(c);
    let get = connect_and_sign_in(c).pop().unwrap();
    let id = get.attr("id").unwrap();
    c.handle_frame(
        t(),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'/>"),
    );
}

/// Signs in; returns all the client sent after binding (the every-stream requests too).
fn sign_in_seeing_all(c: &mut Client) -> Vec<Element> {
    c.handle_connected(t(), NONCE);
    let mut last = vec![];
    sign_in(|frame| {
        c.handle_frame(t(), frame);
        last = all_frames(c);
        last.clone()
    });
    last
}

/// Signs in and returns the client and the id of its roster request.
fn signed_in() -> (Client, String) {
    let mut c = Client::new(config());
    let last = connect_and_sign_in(&mut c);
    // After binding: the roster get, and no presence until the roster is here.
    assert_eq!(last.len(), 1, "{last:?}");
    assert!(last[0].is("iq", ns::DEFAULT_NS) && last[0].has_child("query", ns::ROSTER));
    assert_eq!(
        updates(&mut c),
        vec![Update::Online(BOUND.parse().unwrap())]
    );
    let id = last[0].attr("id").unwrap().to_owned();
    (c, id)
}

fn with_roster() -> Client {
    with_roster_and_presences().0
}

/// [`with_roster`], and the presences the client sent (its caps).
fn with_roster_and_presences() -> (Client, Vec<Element>) {
    let (mut c, id) = signed_in();
    c.handle_frame(
        t(),
        &format!(
        "<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster' ver='1'>\
         <item jid='juliet@example.com' name='Juliet' subscription='both'/>\
         <item jid='nurse@example.com' subscription='to'/></query></iq>"
    ),
    );
    assert_eq!(updates(&mut c)[0], Update::Roster(RosterChange::Replaced));
    let first = frames(&mut c);
    let mut sent = answer_anchor(&mut c, &first);
    // (The anchor answered again by `quiet_feed` is a stale answer, ignored.)
    sent.extend(first);
    assert!(sent[0].is("presence", ns::DEFAULT_NS) && sent[0].attr("type").is_none());
    let mut presences = vec![sent[0].clone()];
    presences.extend(quiet_feed(&mut c, sent));
    (c, presences)
}

/// The first stream's question to the archive, where this session begins, among `sent`
/// (the archive's newest message is `s0`), and no presence before it is answered.
/// Returns what the client sent after the answer.
fn answer_anchor(c: &mut Client, sent: &[Element]) -> Vec<Element> {
    assert!(
        !sent.iter().any(|f| f.is("presence", ns::DEFAULT_NS)),
        "no presence before the archive's anchor: {sent:?}"
    );
    let anchor = sent
        .iter()
        .find(|f| f.has_child("query", "urn:xmpp:mam:2"))
        .expect("the archive asked where this session begins");
    let q = anchor.attr("id").unwrap().to_owned();
    c.handle_frame(t(), &format!(
        "<message xmlns='jabber:client' from='user@example.org' to='{BOUND}'><result xmlns='urn:xmpp:mam:2' queryid='{q}' id='s0'>\
         <forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-11-28T03:30:00Z'/>\
         <message xmlns='jabber:client' from='juliet@example.com/balcony' to='user@example.org' type='chat' id='m0'><body>0</body></message>\
         </forwarded></result></message>"
    ));
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='result' id='{q}'><fin xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><first>s0</first><last>s0</last></set></fin></iq>"));
    let after = frames(c);
    // The presence, then what the archive got since the anchor (archived, not routed to
    // us, before the presence): nothing here.
    let presence = after.iter().position(|f| f.is("presence", ns::DEFAULT_NS));
    let catch_up = after
        .iter()
        .position(|f| String::from(f).contains("<after>s0</after>"));
    assert!(presence.unwrap() < catch_up.unwrap(), "{after:?}");
    let q = after[catch_up.unwrap()].attr("id").unwrap();
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='result' id='{q}'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>"));
    after
}

/// Answers every iq in `sent` with item-not-found.
fn answer_not_found(c: &mut Client, sent: &[Element]) {
    for iq in sent.iter().filter(|f| f.is("iq", ns::DEFAULT_NS)) {
        let id = iq.attr("id").unwrap();
        let to = iq
            .attr("to")
            .map(|t| format!(" from='{t}'"))
            .unwrap_or_default();
        c.handle_frame(
            t(),
            &format!("<iq xmlns='jabber:client' type='error' id='{id}'{to}><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"),
        );
    }
}

/// Answers the feed's sync and discovery requests with nothing, so that a test sees only
/// what it is about. Returns the presences sent meanwhile.
fn quiet_feed(c: &mut Client, mut sent: Vec<Element>) -> Vec<Element> {
    let mut presences = vec![];
    while !sent.is_empty() {
        answer_not_found(c, &sent);
        sent = frames(c);
        presences.extend(
            sent.iter()
                .filter(|f| f.is("presence", ns::DEFAULT_NS))
                .cloned(),
        );
    }
    updates(c);
    presences
}

#[test]
fn initial_presence_follows_even_a_failed_roster_request() {
    let (mut c, id) = signed_in();
    c.handle_frame(t(), &format!(
        "<iq xmlns='jabber:client' type='error' id='{id}'><error type='wait'><internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
    ));
    let sent = frames(&mut c);
    assert!(answer_anchor(&mut c, &sent)[0].is("presence", ns::DEFAULT_NS));
}

#[test]
fn roster_is_fetched_after_sign_in() {
    let c = with_roster();
    assert_eq!(c.roster().len(), 2);
}

/// A roster of 2,000 contacts handed over whole, and the same one parsed by the driver a
/// slice at a time: the client cannot tell them apart.
#[test]
fn a_large_roster_parsed_in_slices_is_the_roster_handed_over_whole() {
    let (mut whole, id) = signed_in();
    let (mut sliced, id2) = signed_in();
    assert_eq!(id, id2);
    let items: String = (1..=2000)
        .map(|i| format!("<item jid='c{i:04}@example.com' name='C {i}' subscription='both'><group>G</group></item>"))
        .collect();
    let roster = format!(
        "<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster' ver='9'>{items}</query></iq>"
    );
    whole.handle_frame(t(), &roster);
    let mut parser = sliced.frame_parser(roster.clone());
    let mut slices = 1;
    let parsed = loop {
        if let Some(parsed) = parser.advance(16 * 1024) {
            break parsed;
        }
        slices += 1;
    };
    assert!(slices > 4, "{slices} slices");
    sliced.handle_parsed(t(), parser.frame(), parsed);
    assert_eq!(updates(&mut sliced), updates(&mut whole));
    assert_eq!(frames(&mut sliced), frames(&mut whole));
    assert_eq!(sliced.roster().len(), 2000);
    assert_eq!(
        sliced.roster().contacts().collect::<Vec<_>>(),
        whole.roster().contacts().collect::<Vec<_>>()
    );
}

#[test]
fn contact_presence_goes_online_and_offline() {
    let mut c = with_roster();
    let juliet = BareJid::new("juliet@example.com").unwrap();
    c.handle_frame(t(), "<presence xmlns='jabber:client' from='juliet@example.com/balcony'><show>dnd</show></presence>");
    assert_eq!(updates(&mut c), vec![Update::Presence(juliet.clone())]);
    assert_eq!(
        c.presence().availability(&juliet),
        Availability::DoNotDisturb
    );
    c.handle_frame(
        t(),
        "<presence xmlns='jabber:client' type='unavailable' from='juliet@example.com/balcony'/>",
    );
    assert_eq!(updates(&mut c), vec![Update::Presence(juliet.clone())]);
    assert_eq!(c.presence().availability(&juliet), Availability::Offline);
}

#[test]
fn roster_push_is_applied_and_acknowledged() {
    let mut c = with_roster();
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='set' id='push1'><query xmlns='jabber:iq:roster' ver='2'><item jid='carol@example.com' name='Carol' subscription='none'/></query></iq>");
    let carol = BareJid::new("carol@example.com").unwrap();
    assert_eq!(
        updates(&mut c),
        vec![Update::Roster(RosterChange::Upserted(carol.clone()))]
    );
    let reply = frames(&mut c);
    assert_eq!(reply[0].attr("type"), Some("result"));
    assert_eq!(reply[0].attr("id"), Some("push1"));
    assert_eq!(c.roster().get(&carol).unwrap().display_name(), "Carol");
}

#[test]
fn roster_push_from_a_contact_is_refused() {
    let mut c = with_roster();
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='set' id='evil' from='juliet@example.com/balcony'><query xmlns='jabber:iq:roster'><item jid='mallory@evil.example' name='Bank' subscription='both'/></query></iq>");
    assert!(updates(&mut c).is_empty());
    assert!(!c
        .roster()
        .contains(&BareJid::new("mallory@evil.example").unwrap()));
    let reply = frames(&mut c);
    assert_eq!(reply[0].attr("type"), Some("error"));
    assert_eq!(reply[0].attr("to"), Some("juliet@example.com/balcony"));
}

#[test]
fn pings_disco_and_unknown_requests_are_answered() {
    let mut c = with_roster();
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='get' id='p' from='example.org'><ping xmlns='urn:xmpp:ping'/></iq>");
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='get' id='d' from='juliet@example.com/balcony'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='get' id='u' from='juliet@example.com/balcony'><time xmlns='urn:xmpp:time:unknown'/></iq>");
    let replies = frames(&mut c);
    assert_eq!(replies.len(), 3);
    assert_eq!(
        (replies[0].attr("id"), replies[0].attr("type")),
        (Some("p"), Some("result"))
    );
    assert_eq!(
        (replies[1].attr("id"), replies[1].attr("type")),
        (Some("d"), Some("result"))
    );
    let info = replies[1].get_child("query", ns::DISCO_INFO).unwrap();
    assert!(info.children().any(|f| f.attr("var") == Some(ns::PING)));
    assert_eq!(
        (replies[2].attr("id"), replies[2].attr("type")),
        (Some("u"), Some("error"))
    );
}

#[test]
fn sign_out_says_unavailable_then_closes() {
    let mut c = with_roster();
    c.close(t());
    let sent = frames(&mut c);
    assert_eq!(sent[0].attr("type"), Some("unavailable"));
    assert!(sent[1].is("close", ns::WEBSOCKET));
    c.handle_disconnected(t());
    assert_eq!(
        updates(&mut c),
        vec![Update::Closed(CloseReason::Requested)]
    );
}

#[test]
fn presence_is_kept_for_the_account_and_its_contacts_only() {
    let mut c = with_roster();
    let stranger = BareJid::new("mallory@evil.example").unwrap();
    let me = BareJid::new("user@example.org").unwrap();
    let juliet = BareJid::new("juliet@example.com").unwrap();
    c.handle_frame(
        t(),
        "<presence xmlns='jabber:client' from='mallory@evil.example/x'/>",
    );
    assert!(updates(&mut c).is_empty());
    assert_eq!(c.presence().availability(&stranger), Availability::Offline);
    // The account's other device is shown.
    c.handle_frame(
        t(),
        "<presence xmlns='jabber:client' from='user@example.org/phone'><show>away</show></presence>",
    );
    assert_eq!(updates(&mut c), vec![Update::Presence(me.clone())]);
    assert_eq!(c.presence().availability(&me), Availability::Away);
    // A contact removed from the roster is forgotten with it.
    c.handle_frame(
        t(),
        "<presence xmlns='jabber:client' from='juliet@example.com/balcony'/>",
    );
    assert_eq!(c.presence().availability(&juliet), Availability::Online);
    c.handle_frame(
        t(),
        "<iq xmlns='jabber:client' type='set' id='push1'><query xmlns='jabber:iq:roster' ver='2'>\
         <item jid='juliet@example.com' subscription='remove'/></query></iq>",
    );
    assert_eq!(c.presence().availability(&juliet), Availability::Offline);
}

#[test]
fn a_new_stream_after_connection_loss_refetches_and_resets_presence() {
    let mut c = with_roster();
    let juliet = BareJid::new("juliet@example.com").unwrap();
    c.handle_frame(
        t(),
        "<presence xmlns='jabber:client' from='juliet@example.com/balcony'/>",
    );
    updates(&mut c);
    c.handle_disconnected(t());
    assert_eq!(updates(&mut c), vec![Update::Disconnected]);
    assert_eq!(
        c.roster().len(),
        2,
        "the contact list stays while we reconnect"
    );
    // No stream management here, so the reconnection binds a new stream.
    c.handle_connected(t(), NONCE);
    let mut last = vec![];
    sign_in(|frame| {
        c.handle_frame(t(), frame);
        last = frames(&mut c);
        last.clone()
    });
    assert!(
        last[0].has_child("query", ns::ROSTER),
        "the roster is fetched again"
    );
    assert_eq!(
        updates(&mut c),
        vec![Update::Online(BOUND.parse().unwrap())]
    );
    assert_eq!(c.presence().availability(&juliet), Availability::Offline);
}

#[test]
fn a_forged_carbon_is_not_taken_for_the_forwarded_message() {
    // CVE-2017-5589 class: a contact wraps a message "from" someone else in a carbon.
    // Kith does not unwrap carbons yet; whatever reads them later must check that the
    // wrapper comes from our own bare JID. Until then the forgery must not surface at all.
    let mut c = with_roster();
    c.handle_frame(
        t(),
        "<message xmlns='jabber:client' from='mallory@evil.example/x' to='user@example.org/kith'>\
         <received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>\
         <message xmlns='jabber:client' from='juliet@example.com/balcony' to='user@example.org'>\
         <body>Send me your password</body></message></forwarded></received></message>",
    );
    assert!(
        updates(&mut c).is_empty(),
        "no message appears, from Juliet or anyone"
    );
}

#[test]
fn a_message_with_a_body_is_noted() {
    let mut c = with_roster();
    c.handle_frame(
        t(),
        "<message xmlns='jabber:client' type='chat' id='m1' from='juliet@example.com/balcony'><body>hi</body></message>",
    );
    assert_eq!(
        updates(&mut c)[0],
        Update::Message {
            from: Some("juliet@example.com/balcony".into()),
            id: Some("m1".into())
        }
    );
}

// ---- roster versioning (XEP-0237) and the outbox ---------------------------------------

const VER_FEATURES: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><ver xmlns='urn:xmpp:features:rosterver'/></stream:features>";

fn cached_roster() -> Roster {
    Roster::restore(&crate::store::CachedRoster {
        version: Some("v7".into()),
        contacts: vec![crate::store::ContactRecord {
            account: "user@example.org".into(),
            jid: "juliet@example.com".into(),
            name: Some("Juliet".into()),
            subscription: "both".into(),
            pending_out: false,
            groups: vec![],
        }],
    })
}

/// Signs in on a server offering roster versioning; returns the roster request.
fn sign_in_versioned(c: &mut Client) -> Element {
    c.handle_connected(t(), NONCE);
    let mut last = vec![];
    crate::xmpp::testing::sign_in_offering(VER_FEATURES, |frame| {
        c.handle_frame(t(), frame);
        last = frames(c);
        last.clone()
    });
    last.pop().expect("the roster request")
}

#[test]
fn a_cached_roster_sends_its_version_and_an_empty_answer_keeps_it() {
    let mut c = Client::restore(
        config(),
        cached_roster(),
        Outbox::default(),
        crate::service::feed::Feed::new(config().jid),
    );
    let get = sign_in_versioned(&mut c);
    let query = get.get_child("query", ns::ROSTER).unwrap();
    assert_eq!(query.attr("ver"), Some("v7"));
    let id = get.attr("id").unwrap();
    c.handle_frame(
        t(),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'/>"),
    );
    assert_eq!(c.roster().len(), 1, "unchanged: the cache stands");
    assert_eq!(c.roster().version(), Some("v7"));
}

#[test]
fn without_the_feature_no_version_is_sent() {
    // RFC 6121 §2.6.2: only when the server advertised versioning.
    let mut c = Client::restore(
        config(),
        cached_roster(),
        Outbox::default(),
        crate::service::feed::Feed::new(config().jid),
    );
    c.handle_connected(t(), NONCE);
    let mut last = vec![];
    sign_in(|frame| {
        c.handle_frame(t(), frame);
        last = frames(&mut c);
        last.clone()
    });
    let query = last[0].get_child("query", ns::ROSTER).unwrap();
    assert_eq!(query.attr("ver"), None);
}

#[test]
fn no_cache_asks_with_an_empty_version() {
    let mut c = Client::new(config());
    let get = sign_in_versioned(&mut c);
    assert_eq!(
        get.get_child("query", ns::ROSTER).unwrap().attr("ver"),
        Some("")
    );
}

fn add_juliet(id: &str) -> OutboxEntry {
    let edit = RosterEdit::Set {
        jid: BareJid::new("romeo@example.net").unwrap(),
        name: Some("Romeo".into()),
        groups: vec![],
    };
    edit.compose(id.into())
}

#[test]
fn an_entry_written_offline_goes_once_after_the_roster_and_leaves_on_the_result() {
    let mut c = Client::new(config());
    c.submit(t(), add_juliet("w1")).unwrap();
    assert!(frames(&mut c).is_empty(), "offline: nothing on the wire");
    let get = connect_and_sign_in(&mut c).pop().unwrap();
    assert!(
        get.has_child("query", ns::ROSTER),
        "the roster first, the write waits"
    );
    let id = get.attr("id").unwrap();
    c.handle_frame(
        t(),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster'/></iq>"),
    );
    let sent = frames(&mut c);
    let sets: Vec<_> = sent.iter().filter(|f| f.attr("id") == Some("w1")).collect();
    assert_eq!(sets.len(), 1, "{sent:?}");
    assert!(c.outbox().is_pending("w1"));
    updates(&mut c);
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='result' id='w1'/>");
    assert_eq!(updates(&mut c), vec![Update::Delivered("w1".into())]);
    assert!(c.outbox().entries().is_empty());
    let after = frames(&mut c);
    assert!(
        after
            .iter()
            .any(|f| f.is("presence", ns::DEFAULT_NS) && f.attr("type") == Some("subscribe")),
        "a new contact is asked for presence: {after:?}"
    );
}

#[test]
fn a_refused_entry_is_reported_and_not_sent_again() {
    let mut c = with_roster();
    c.submit(t(), add_juliet("w2")).unwrap();
    assert_eq!(frames(&mut c).len(), 1);
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='error' id='w2'><error type='cancel'><not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    assert!(matches!(
        updates(&mut c).as_slice(),
        [Update::Refused { id, .. }] if id == "w2"
    ));
    assert!(frames(&mut c).is_empty());
    assert!(!c.outbox().is_pending("w2"));
    // The person retries: the same id goes again.
    c.retry(t(), "w2", None);
    assert_eq!(frames(&mut c)[0].attr("id"), Some("w2"));
}

#[test]
fn a_lost_connection_resends_the_same_id_once_on_the_next_stream() {
    let mut c = with_roster();
    c.submit(t(), add_juliet("w3")).unwrap();
    frames(&mut c);
    new_stream(&mut c);
    let resent: Vec<_> = frames(&mut c)
        .into_iter()
        .filter(|f| f.attr("id") == Some("w3"))
        .collect();
    assert_eq!(resent.len(), 1);
    assert_eq!(
        c.submit(t(), add_juliet("w3")),
        Err(crate::service::outbox::DuplicateId("w3".into())),
        "another tab's copy of the same entry is not queued twice"
    );
}

// ---- the feed through the client ---------------------------------------------------------

fn caps_of(frame: &Element) -> String {
    let caps = frame
        .get_child("c", "http://jabber.org/protocol/caps")
        .expect("caps in presence");
    assert_eq!(caps.attr("hash"), Some("sha-1"));
    format!(
        "{}#{}",
        caps.attr("node").unwrap(),
        caps.attr("ver").unwrap()
    )
}

fn disco_answer(c: &mut Client, node: Option<&str>) -> String {
    let node = node.map(|n| format!(" node='{n}'")).unwrap_or_default();
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='get' id='d1' from='example.org'><query xmlns='http://jabber.org/protocol/disco#info'{node}/></iq>"));
    String::from(&frames(c)[0])
}

/// The microblog fetches among frames: to whom each goes.
fn microblog_fetches(sent: &[Element]) -> Vec<String> {
    sent.iter()
        .filter(|f| {
            f.get_child("pubsub", ns::PUBSUB)
                .and_then(|p| p.get_child("items", ns::PUBSUB))
                .is_some_and(|i| i.attr("node") == Some(ns::MICROBLOG))
        })
        .filter_map(|f| f.attr("to").map(str::to_owned))
        .collect()
}

#[test]
fn a_server_learning_the_notify_caps_late_is_followed_by_one_catch_up() {
    let (mut c, presences) = with_roster_and_presences();
    let full = caps_of(presences.last().unwrap());
    // A contact's client, or another device of ours, asking about our caps says nothing
    // about our server.
    let idle = c.poll_timeout();
    for from in ["juliet@example.com/phone", "user@example.org/phone"] {
        c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='get' id='d1' from='{from}'><query xmlns='http://jabber.org/protocol/disco#info' node='{full}'/></iq>"));
        let sent = frames(&mut c);
        assert_eq!(sent.len(), 1, "only the answer: {sent:?}");
        assert_eq!(c.poll_timeout(), idle, "{from}: no catch-up waits");
    }
    // Our server asks (ejabberd: from our own full JID): it did not know what those caps
    // mean, so what was published meanwhile may never be pushed. Prosody pushes each
    // feed's newest post now; ejabberd nothing. Once the server is quiet, the feeds it did
    // not push from are fetched again, down to their newest known post.
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='get' id='d2' from='{BOUND}'><query xmlns='http://jabber.org/protocol/disco#info' node='{full}'/></iq>"));
    let sent = frames(&mut c);
    assert_eq!(sent.len(), 1, "the answer, and nothing yet: {sent:?}");
    assert_eq!(sent[0].attr("id"), Some("d2"));
    let quiet_until = c.poll_timeout().expect("a wake-up for the catch-up");
    c.handle_frame(
        Instant(1_000),
        "<message xmlns='jabber:client' from='juliet@example.com' to='user@example.org/kith' type='headline'>\
         <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:microblog:0'>\
         <item id='p9'><entry xmlns='http://www.w3.org/2005/Atom'><id>p9</id><title>Hi</title>\
         <published>2026-11-28T03:00:00Z</published></entry></item></items></event></message>",
    );
    c.handle_timeout(quiet_until);
    // (What goes now is the profiles' own catch-up.)
    let sent = frames(&mut c);
    assert!(
        microblog_fetches(&sent).is_empty(),
        "a push came: still waiting"
    );
    answer_not_found(&mut c, &sent);
    let quiet_until = c.poll_timeout().unwrap();
    c.handle_timeout(quiet_until);
    let sent = frames(&mut c);
    let mut fetched = microblog_fetches(&sent);
    fetched.sort();
    assert_eq!(
        fetched,
        ["nurse@example.com", "user@example.org"],
        "not Juliet's, which the server pushed from: {sent:?}"
    );
    quiet_feed(&mut c, sent);
    // Once a stream.
    c.handle_frame(Instant(5_000), &format!("<iq xmlns='jabber:client' type='get' id='d3' from='user@example.org'><query xmlns='http://jabber.org/protocol/disco#info' node='{full}'/></iq>"));
    c.handle_timeout(Instant(10_000));
    let sent = frames(&mut c);
    assert!(microblog_fetches(&sent).is_empty(), "{sent:?}");
}

#[test]
fn a_first_sign_in_asks_for_microblog_notifications_once_its_sync_is_in() {
    let (mut c, id) = signed_in();
    c.handle_frame(
        t(),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster'/></iq>"),
    );
    let first = frames(&mut c);
    let mut sent = answer_anchor(&mut c, &first);
    sent.extend(first);
    assert!(sent[0].is("presence", ns::DEFAULT_NS));
    let quiet = caps_of(&sent[0]);
    assert!(
        sent[1..]
            .iter()
            .any(|f| f.get_child("pubsub", ns::PUBSUB).is_some()),
        "the feed sync starts: {sent:?}"
    );
    // Asked about those caps meanwhile, the client answers for them, node echoed.
    let answer = disco_answer(&mut c, Some(&quiet));
    assert!(!answer.contains("+notify"), "{answer}");
    assert!(answer.contains(&quiet), "{answer}");

    // The sync over, a new presence asks for notifications.
    let later = quiet_feed(&mut c, sent[1..].to_vec());
    assert_eq!(later.len(), 1, "{later:?}");
    let full = caps_of(&later[0]);
    assert_ne!(full, quiet);
    for node in [Some(full.as_str()), None] {
        let answer = disco_answer(&mut c, node);
        assert!(answer.contains("urn:xmpp:microblog:0+notify"), "{answer}");
    }
}

#[test]
fn a_sign_in_after_a_sync_asks_for_notifications_at_once() {
    let mut feed = crate::service::feed::Feed::new(BareJid::new("user@example.org").unwrap());
    // A feed that synced before: its cursor knows a newest post.
    let cursor = crate::store::CursorRecord {
        account: "user@example.org".into(),
        key: crate::service::feed::CURSOR_KEY.into(),
        value: r#"{"juliet@example.com":{"newest":"p1"}}"#.into(),
    };
    feed = crate::service::feed::Feed::restore(feed.account().clone(), &[], &[cursor]);
    let mut c = Client::restore(config(), Default::default(), Default::default(), feed);
    let last = connect_and_sign_in(&mut c);
    let id = last[0].attr("id").unwrap().to_owned();
    updates(&mut c);
    c.handle_frame(
        t(),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster'/></iq>"),
    );
    let sent = frames(&mut c);
    let caps = caps_of(&answer_anchor(&mut c, &sent)[0]);
    let answer = disco_answer(&mut c, Some(&caps));
    assert!(answer.contains("urn:xmpp:microblog:0+notify"), "{answer}");
}

fn publish_entry(id: &str) -> OutboxEntry {
    let entry = post(id);
    let iq = crate::service::feed::publish_iq(
        id,
        None,
        ns::MICROBLOG,
        &entry,
        Some(crate::service::feed::Access::Open),
    );
    let kind = crate::service::outbox::WriteKind::Post {
        access: crate::service::feed::Access::Open,
    };
    let key = crate::service::feed::ItemKey::new("user@example.org", ns::MICROBLOG, id);
    OutboxEntry::new(id.into(), ns::MICROBLOG, kind, Some(key), iq)
}

fn post(id: &str) -> crate::proto::xep0277::Entry {
    crate::proto::xep0277::Entry::new_post(
        id,
        &BareJid::new("user@example.org").unwrap(),
        None,
        crate::proto::xep0277::PostDraft {
            title: "Hello".into(),
            ..Default::default()
        },
        None,
        "2026-11-27T12:00:00Z".parse().unwrap(),
    )
}

#[test]
fn a_publish_refused_for_its_access_model_reconfigures_the_node_and_goes_once_more() {
    let mut c = with_roster();
    c.submit(t(), publish_entry("p1")).unwrap();
    assert_eq!(frames(&mut c)[0].attr("id"), Some("p1"));
    let precondition = "<iq xmlns='jabber:client' type='error' id='p1'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/></error></iq>";
    c.handle_frame(t(), precondition);
    let sent = frames(&mut c);
    assert_eq!(sent.len(), 2, "{sent:?}");
    let configure = String::from(&sent[0]);
    assert!(
        configure.contains("pubsub#owner") && configure.contains("open"),
        "{configure}"
    );
    assert_eq!(sent[1].attr("id"), Some("p1"), "the same item id again");
    // A second refusal is final: no loop.
    c.handle_frame(t(), precondition);
    assert!(frames(&mut c).is_empty());
    assert!(matches!(
        updates(&mut c).as_slice(),
        [Update::Refused { .. }]
    ));
}

#[test]
fn creating_a_comments_node_that_exists_counts_as_done() {
    let mut c = with_roster();
    let iq = crate::service::feed::create_comments_node_iq(
        "n1",
        &"pubsub.example.org".parse().unwrap(),
        "urn:xmpp:microblog:0:comments/p1",
    );
    let kind = crate::service::outbox::WriteKind::CommentsNode;
    let key = crate::service::feed::ItemKey::new("user@example.org", ns::MICROBLOG, "p1");
    let entry = OutboxEntry::new("n1".into(), ns::MICROBLOG, kind, Some(key), iq);
    c.submit(t(), entry).unwrap();
    frames(&mut c);
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='error' id='n1' from='pubsub.example.org'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    assert_eq!(updates(&mut c), vec![Update::Delivered("n1".into())]);
}

#[test]
fn an_acknowledged_comment_on_someone_elses_node_is_no_longer_pending() {
    // Their node sends us no notification that would confirm it: the ack must.
    let mut c = with_roster();
    let node = "urn:xmpp:microblog:0:comments/p1";
    let entry = crate::proto::xep0277::Entry::new_comment(
        "k1",
        &BareJid::new("user@example.org").unwrap(),
        None,
        "Lovely",
        "2026-11-27T12:00:00Z".parse().unwrap(),
    );
    let service: crate::proto::jid::Jid = "juliet@example.com".parse().unwrap();
    let iq = crate::service::feed::publish_iq("w9", Some(service.clone()), node, &entry, None);
    let key = crate::service::feed::ItemKey::new("juliet@example.com", node, "k1");
    c.apply_local(t(), key.clone(), &entry);
    assert!(c.feed().is_local(&key));
    c.submit(
        t(),
        OutboxEntry::new(
            "w9".into(),
            node,
            crate::service::outbox::WriteKind::Comment,
            Some(key.clone()),
            iq,
        ),
    )
    .unwrap();
    frames(&mut c);
    c.handle_frame(
        t(),
        "<iq xmlns='jabber:client' type='result' id='w9' from='juliet@example.com'/>",
    );
    assert!(!c.feed().is_local(&key));
}

/// ejabberd 23.01's answer to a publish with `pubsub#max_items` among its publish options
/// (the request echoed, then the error), as it came from the server.
fn ejabberd_refuses_max_items(id: &str) -> String {
    format!(
        "<iq xmlns='jabber:client' xml:lang='en' to='{BOUND}' from='user@example.org' type='error' id='{id}'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:microblog:0'><item id='{id}'/></publish></pubsub>\
         <error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
         <text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Unknown field &apos;pubsub#max_items&apos; of type &apos;http://jabber.org/protocol/pubsub#publish-options&apos;</text>\
         </error></iq>"
    )
}

/// The `var`s of the data form in a sent iq, with their first value.
fn form_fields(iq: &Element) -> Vec<(String, String)> {
    fn find<'a>(e: &'a Element, out: &mut Vec<&'a Element>) {
        for child in e.children() {
            if child.is("field", ns::DATA_FORMS) {
                out.push(child);
            }
            find(child, out);
        }
    }
    let mut fields = vec![];
    find(iq, &mut fields);
    fields
        .into_iter()
        .filter(|f| f.attr("var") != Some("FORM_TYPE"))
        .map(|f| {
            let value = f.children().next().map(Element::text).unwrap_or_default();
            (f.attr("var").unwrap().to_owned(), value)
        })
        .collect()
}

#[test]
fn a_refused_max_items_option_makes_the_node_keep_every_item_and_publishes_once_more() {
    let mut c = with_roster();
    let key = crate::service::feed::ItemKey::new("user@example.org", ns::MICROBLOG, "p1");
    c.apply_local(t(), key.clone(), &post("p1"));
    assert!(c.feed().is_local(&key));
    updates(&mut c);
    c.submit(t(), publish_entry("p1")).unwrap();
    let first = frames(&mut c);
    assert_eq!(first.len(), 1);
    assert!(form_fields(&first[0]).contains(&("pubsub#max_items".into(), "max".into())));
    c.handle_frame(t(), &ejabberd_refuses_max_items("p1"));
    let sent = frames(&mut c);
    assert_eq!(sent.len(), 3, "{sent:?}");
    // The node is created (if it is not there yet) and configured (if it is), both
    // keeping every item under the access model the post asked for...
    let create = sent[0].get_child("pubsub", ns::PUBSUB).unwrap();
    assert!(create.has_child("create", ns::PUBSUB), "{:?}", sent[0]);
    assert!(
        sent[1].has_child("pubsub", ns::PUBSUB_OWNER),
        "{:?}",
        sent[1]
    );
    for iq in &sent[..2] {
        assert_eq!(iq.attr("to"), None, "the account's own PEP");
        assert_eq!(
            form_fields(iq),
            [
                ("pubsub#access_model".into(), "open".into()),
                ("pubsub#max_items".into(), "max".into())
            ]
        );
    }
    // ...then the same item under the same id, without the option the server refused.
    assert_eq!(sent[2].attr("id"), Some("p1"));
    assert_eq!(
        form_fields(&sent[2]),
        [("pubsub#access_model".into(), "open".into())]
    );
    assert!(updates(&mut c).is_empty(), "still pending");
    assert!(c.outbox().is_pending("p1"));
    // The answers to the create and configure are not the outbox's business.
    c.handle_frame(
        t(),
        "<iq xmlns='jabber:client' type='result' id='p1-create' from='user@example.org'/>",
    );
    c.handle_frame(
        t(),
        "<iq xmlns='jabber:client' type='result' id='p1-configure' from='user@example.org'/>",
    );
    assert!(updates(&mut c).is_empty());
    c.handle_frame(
        t(),
        "<iq xmlns='jabber:client' type='result' id='p1' from='user@example.org'/>",
    );
    assert_eq!(
        updates(&mut c),
        vec![
            Update::Delivered("p1".into()),
            Update::Feed(FeedChange::Upserted(key.clone())),
            // The node is open now: every own post says Public.
            Update::Feed(FeedChange::Cursor {
                key: crate::service::feed::ACCESS_KEY.into(),
                value: "open".into()
            }),
        ],
        "delivered and confirmed, once"
    );
    assert!(c.outbox().entries().is_empty());
    assert!(!c.feed().is_local(&key));
    // The next post goes without the refused option at once.
    c.submit(t(), publish_entry("p2")).unwrap();
    let next = frames(&mut c);
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(
        form_fields(&next[0]),
        [("pubsub#access_model".into(), "open".into())]
    );
}

#[test]
fn a_second_refusal_after_the_fallback_is_not_answered_by_another_fallback() {
    let mut c = with_roster();
    c.submit(t(), publish_entry("p1")).unwrap();
    frames(&mut c);
    c.handle_frame(t(), &ejabberd_refuses_max_items("p1"));
    assert_eq!(frames(&mut c).len(), 3);
    // A `wait` again: sent again as it is, a bounded number of times, then it is the
    // person's to retry.
    let mut resent = 0;
    loop {
        c.handle_frame(t(), &ejabberd_refuses_max_items("p1"));
        let sent = frames(&mut c);
        if sent.is_empty() {
            break;
        }
        assert_eq!(sent.len(), 1, "no create or configure again: {sent:?}");
        assert_eq!(sent[0].attr("id"), Some("p1"));
        resent += 1;
        assert!(resent <= MAX_WAITS, "a loop");
    }
    assert_eq!(resent, MAX_WAITS);
    assert!(matches!(
        updates(&mut c).as_slice(),
        [Update::Refused { id, .. }] if id == "p1"
    ));
}

#[test]
fn a_wait_answer_is_retried_a_few_times_then_left_to_the_person() {
    let mut c = with_roster();
    c.submit(t(), publish_entry("p1")).unwrap();
    frames(&mut c);
    // ejabberd on Mnesia, two node creations at once: "Transaction aborted: cyclic".
    let busy = "<iq xmlns='jabber:client' type='error' id='p1' from='user@example.org'>\
        <error type='wait'><internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
        <text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Database failure</text></error></iq>";
    for _ in 0..MAX_WAITS {
        c.handle_frame(t(), busy);
        let sent = frames(&mut c);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].attr("id"), Some("p1"), "the same id again");
    }
    c.handle_frame(t(), busy);
    assert!(frames(&mut c).is_empty());
    assert!(matches!(
        updates(&mut c).as_slice(),
        [Update::Refused { .. }]
    ));
    // The person asks again: it goes, and an answer now is final.
    c.retry(t(), "p1", None);
    assert_eq!(frames(&mut c)[0].attr("id"), Some("p1"));
    c.handle_frame(
        t(),
        "<iq xmlns='jabber:client' type='result' id='p1' from='user@example.org'/>",
    );
    let open = Update::Feed(FeedChange::Cursor {
        key: crate::service::feed::ACCESS_KEY.into(),
        value: "open".into(),
    });
    assert_eq!(updates(&mut c), vec![Update::Delivered("p1".into()), open]);
}

#[test]
fn a_prosody_publish_keeps_its_max_items_option() {
    // Prosody takes `max_items` in publish-options: nothing learned, nothing stripped,
    // even after an unrelated refusal.
    let mut c = with_roster();
    c.submit(t(), publish_entry("p1")).unwrap();
    frames(&mut c);
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='error' id='p1'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    assert!(
        frames(&mut c).is_empty(),
        "no fallback for a refusal options do not cause"
    );
    c.discard("p1");
    c.submit(t(), publish_entry("p2")).unwrap();
    let sent = frames(&mut c);
    assert!(form_fields(&sent[0]).contains(&("pubsub#max_items".into(), "max".into())));
}

// ---- archive catch-up --------------------------------------------------------------------

#[test]
fn the_first_presence_waits_for_where_the_archive_begins_even_when_refused() {
    let (mut c, id) = signed_in();
    c.handle_frame(
        t(),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster'/></iq>"),
    );
    let sent = frames(&mut c);
    let is_presence = |f: &Element| f.is("presence", ns::DEFAULT_NS);
    // A presence first would have contacts write to a stream whose loss no catch-up
    // could repair: the archive's newest would be asked after what they wrote.
    assert!(!sent.iter().any(is_presence), "{sent:?}");
    // Signed in, not yet reachable: the status says Online only with the presence out.
    assert!(!updates(&mut c).contains(&Update::Available));
    let anchor = sent
        .iter()
        .find(|f| f.has_child("query", "urn:xmpp:mam:2"))
        .unwrap();
    c.handle_frame(t(), &format!(
        "<iq xmlns='jabber:client' type='error' id='{}'><error type='cancel'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
        anchor.attr("id").unwrap()
    ));
    assert!(frames(&mut c).iter().any(is_presence));
    assert!(updates(&mut c).contains(&Update::Available));
}

#[test]
fn a_catch_up_the_archive_refuses_is_reported_as_a_gap() {
    let mut c = with_roster();
    new_stream(&mut c);
    let sent = frames(&mut c);
    let query = sent
        .iter()
        .find(|f| f.has_child("query", "urn:xmpp:mam:2"))
        .expect("a catch-up after s0");
    assert!(String::from(query).contains("<after>s0</after>"));
    assert!(!updates(&mut c).contains(&Update::ArchiveGap));
    c.handle_frame(t(), &format!(
        "<iq xmlns='jabber:client' type='error' id='{}'><error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
        query.attr("id").unwrap()
    ));
    assert_eq!(
        updates(&mut c)
            .iter()
            .filter(|u| **u == Update::ArchiveGap)
            .count(),
        1
    );
}

#[test]
fn a_new_stream_after_a_lost_one_asks_the_archive_after_its_initial_presence() {
    let mut c = with_roster();
    c.handle_frame(t(), "<message xmlns='jabber:client' from='juliet@example.com/balcony' type='chat' id='m1'><body>1</body><stanza-id xmlns='urn:xmpp:sid:0' by='user@example.org' id='s1'/></message>");
    assert!(
        matches!(updates(&mut c).as_slice(), [Update::Message { id: Some(id), .. }, ..] if id == "m1")
    );
    // A new stream (nothing to resume): the roster, then presence, then the archive.
    new_stream(&mut c);
    let sent = frames(&mut c);
    let presence = sent.iter().position(|f| f.is("presence", ns::DEFAULT_NS));
    let query = sent
        .iter()
        .position(|f| f.has_child("query", "urn:xmpp:mam:2"));
    assert!(presence.unwrap() < query.unwrap(), "{sent:?}");
    let q = sent[query.unwrap()].attr("id").unwrap().to_owned();
    assert!(String::from(&sent[query.unwrap()]).contains("<after>s1</after>"));
    // m2 was lost with the old stream; the archive has it.
    c.handle_frame(t(), &format!(
        "<message xmlns='jabber:client' from='user@example.org' to='{BOUND}'><result xmlns='urn:xmpp:mam:2' queryid='{q}' id='s2'>\
         <forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-11-28T03:32:49Z'/>\
         <message xmlns='jabber:client' from='juliet@example.com/balcony' to='user@example.org' type='chat' id='m2'><body>2</body></message>\
         </forwarded></result></message>"
    ));
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='result' id='{q}'><fin xmlns='urn:xmpp:mam:2' complete='true'><set xmlns='http://jabber.org/protocol/rsm'><last>s2</last></set></fin></iq>"));
    let got: Vec<_> = updates(&mut c)
        .into_iter()
        .filter_map(|u| match u {
            Update::Message { id, from } => Some((id, from)),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        [(
            Some("m2".to_owned()),
            Some("juliet@example.com/balcony".to_owned())
        )]
    );
}

#[test]
fn a_feed_page_over_the_frame_limit_keeps_the_stream_and_is_asked_again_smaller() {
    let (mut c, id) = signed_in();
    c.handle_frame(
        t(),
        &format!(
            "<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster' ver='1'>\
             <item jid='juliet@example.com' subscription='both'/></query></iq>"
        ),
    );
    updates(&mut c);
    let juliets_page = |sent: &[Element]| {
        sent.iter()
            .find(|f| {
                f.attr("to") == Some("juliet@example.com")
                    && f.get_child("pubsub", ns::PUBSUB)
                        .and_then(|p| p.get_child("items", ns::PUBSUB))
                        .is_some_and(|i| i.attr("node") == Some(ns::MICROBLOG))
            })
            .cloned()
            .expect("a page of juliet's microblog")
    };
    let asked = juliets_page(&frames(&mut c));
    // Five posts of 240 KB: some 1.2 MB in one frame, over the 1 MB limit.
    let post = |i: usize| {
        format!(
            "<item id='p{i}'><entry xmlns='http://www.w3.org/2005/Atom'><title>big</title>\
             <content>{}</content><published>2026-04-02T10:0{i}:00Z</published></entry></item>",
            "a".repeat(240 * 1024)
        )
    };
    let answer = format!(
        "<iq xmlns='jabber:client' type='result' id='{}' from='juliet@example.com'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:microblog:0'>{}</items></pubsub></iq>",
        asked.attr("id").unwrap(),
        (0..5).map(post).collect::<String>()
    );
    assert!(answer.len() > 1_200_000);
    c.handle_frame(t(), &answer);
    let after = frames(&mut c);
    assert!(
        !after
            .iter()
            .any(|f| f.is("close", ns::WEBSOCKET) || f.is("error", ns::STREAM)),
        "{after:?}"
    );
    assert!(!c.wants_socket_closed() && !c.is_closed());
    assert!(!updates(&mut c)
        .iter()
        .any(|u| matches!(u, Update::Disconnected | Update::Closed(_))));
    let again = juliets_page(&after);
    let items = again
        .get_child("pubsub", ns::PUBSUB)
        .and_then(|p| p.get_child("items", ns::PUBSUB))
        .unwrap();
    assert_eq!(items.attr("max_items"), Some("10"), "half the page");
}

#[test]
fn a_post_stored_by_the_previous_version_recovers_with_the_access_it_asked_for() {
    // Kith before typed entries stored a post as kind, target and payload only.
    let entry = post("p1");
    let iq = crate::service::feed::publish_iq(
        "w1",
        None,
        ns::MICROBLOG,
        &entry,
        Some(crate::service::feed::Access::Presence),
    );
    let record = crate::store::OutboxRecord {
        account: "user@example.org".into(),
        id: "w1".into(),
        queue: ns::MICROBLOG.into(),
        seq: 1.0,
        kind: "post".into(),
        target: "p1".into(),
        payload: String::from(&Element::from(iq)),
        failed: None,
        item: None,
        access: None,
        name: None,
    };
    let mut c = with_roster();
    c.submit(t(), OutboxEntry::from_record(&record).unwrap())
        .unwrap();
    assert_eq!(frames(&mut c)[0].attr("id"), Some("w1"));
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='error' id='w1'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/></error></iq>");
    let sent = frames(&mut c);
    assert_eq!(
        sent[0],
        Element::from(crate::service::feed::configure_node_iq(
            "w1-configure",
            ns::MICROBLOG,
            crate::service::feed::Access::Presence
        ))
    );
    assert_eq!(sent[1].attr("id"), Some("w1"));
    // Acknowledged: the post it published is no longer only local.
    let key = crate::service::feed::ItemKey::new("user@example.org", ns::MICROBLOG, "p1");
    c.apply_local(t(), key.clone(), &entry);
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='result' id='w1'/>");
    assert!(!c.feed().is_local(&key));
    assert!(updates(&mut c).contains(&Update::Delivered("w1".into())));
}

#[test]
fn an_acknowledged_publish_sets_who_may_read_every_own_post_and_the_store_keeps_it() {
    use crate::service::feed::{Access, Feed, FeedChange, ACCESS_KEY};
    let mut c = with_roster();
    // Nothing published yet: the node is as the server made it.
    assert_eq!(c.feed().own_access(), None);
    c.submit(t(), publish_entry("p1")).unwrap();
    frames(&mut c);
    // Not before the server said yes: a refused publish changes nothing.
    assert_eq!(c.feed().own_access(), None);
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='result' id='p1'/>");
    assert_eq!(c.feed().own_access(), Some(Access::Open));
    let stored = updates(&mut c).into_iter().find_map(|u| match u {
        Update::Feed(FeedChange::Cursor { key, value }) if key == ACCESS_KEY => Some(value),
        _ => None,
    });
    assert_eq!(stored.as_deref(), Some("open"));
    // The next start reads it back.
    let cursor = crate::store::CursorRecord {
        account: "user@example.org".into(),
        key: ACCESS_KEY.into(),
        value: "open".into(),
    };
    let feed = Feed::restore(BareJid::new("user@example.org").unwrap(), &[], &[cursor]);
    assert_eq!(feed.own_access(), Some(Access::Open));
}

#[test]
fn what_is_pending_is_reported_from_the_outbox_as_it_changes() {
    let pending = outbox_reports;
    let mut c = with_roster();
    pending(&mut c);
    c.submit(t(), publish_entry("p1")).unwrap();
    frames(&mut c);
    assert_eq!(pending(&mut c), vec![vec![("p1".to_owned(), None)]]);
    // Sent and not answered yet: still the same, so nothing new is reported.
    c.handle_timeout(t());
    assert!(pending(&mut c).is_empty());
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='error' id='p1'><error type='cancel'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    let refused = pending(&mut c);
    assert_eq!(refused.len(), 1);
    assert!(refused[0][0].1.is_some(), "refused, with its reason");
    c.retry(t(), "p1", None);
    frames(&mut c);
    assert_eq!(pending(&mut c), vec![vec![("p1".to_owned(), None)]]);
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='result' id='p1'/>");
    assert_eq!(pending(&mut c), vec![vec![]]);
    // A discarded refusal leaves too.
    c.submit(t(), publish_entry("p2")).unwrap();
    frames(&mut c);
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='error' id='p2'><error type='cancel'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    pending(&mut c);
    c.discard("p2");
    assert_eq!(pending(&mut c), vec![vec![]]);
}

#[test]
fn a_cold_sync_of_a_large_roster_sends_presence_after_its_first_answer() {
    let (mut c, id) = signed_in();
    let items: String = (0..7)
        .map(|i| format!("<item jid='c{i}@example.com' subscription='both'/>"))
        .collect();
    c.handle_frame(
        t(),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster' ver='1'>{items}</query></iq>"),
    );
    let wave = frames(&mut c);
    assert!(
        !wave.iter().any(|f| f.is("presence", ns::DEFAULT_NS)),
        "the first wave goes alone: {wave:?}"
    );
    let sent = wave.clone();
    let fetches = microblog_fetches(&sent);
    assert_eq!(fetches.len(), feed::MAX_IN_FLIGHT);
    // The first answer is in: now the presence (caps without +notify yet).
    let first = sent
        .iter()
        .find(|f| f.get_child("pubsub", ns::PUBSUB).is_some())
        .unwrap();
    c.handle_frame(
        t(),
        &format!(
            "<iq xmlns='jabber:client' type='result' id='{}' from='{}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:microblog:0'/></pubsub></iq>",
            first.attr("id").unwrap(),
            first.attr("to").unwrap()
        ),
    );
    let mut sent = frames(&mut c);
    // The archive's anchor answered too: now the presence.
    sent.extend(answer_anchor(&mut c, &wave));
    let presences: Vec<&Element> = sent
        .iter()
        .filter(|f| f.is("presence", ns::DEFAULT_NS))
        .collect();
    assert_eq!(presences.len(), 1, "{sent:?}");
    assert_eq!(presences[0].attr("type"), None);
    let quiet = xep0115::caps_node(&crate::proto::xep0030::DiscoInfo {
        node: None,
        identities: vec![crate::proto::xep0030::Identity::new(
            "client", "web", "en", "Kith",
        )],
        features: [ns::DISCO_INFO.to_owned(), ns::PING.to_owned()].into(),
        forms: vec![],
    });
    assert_eq!(caps_of(presences[0]), quiet);
    // The rest of the sync goes on; once it is over, notifications are asked for.
    let others = wave
        .into_iter()
        .filter(|f| f.attr("id") != first.attr("id"));
    let rest = quiet_feed(&mut c, others.chain(sent).collect());
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_ne!(caps_of(&rest[0]), quiet);
}

/// Signs in offering XEP-0198; returns what the client sent after binding.
fn sign_in_with_sm(c: &mut Client) -> Vec<Element> {
    c.handle_connected(t(), NONCE);
    let mut last = vec![];
    crate::xmpp::testing::sign_in_offering(crate::xmpp::testing::BIND_SM_FEATURES, |frame| {
        c.handle_frame(t(), frame);
        last = frames(c);
        last.clone()
    });
    last
}

#[test]
fn a_first_sync_runs_before_stream_management_is_asked_for() {
    let mut c = Client::new(config());
    let sent = sign_in_with_sm(&mut c);
    assert!(sent.iter().all(|f| !f.has_ns(ns::SM)), "{sent:?}");
    let id = sent[0].attr("id").unwrap().to_owned();
    c.handle_frame(
        t(),
        &format!(
            "<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster' ver='1'>\
             <item jid='juliet@example.com' subscription='both'/></query></iq>"
        ),
    );
    // Answer everything with nothing; `<enable/>` comes once the sync is over, once.
    let mut sent = frames(&mut c);
    let mut enables = 0;
    while !sent.is_empty() {
        for frame in &sent {
            if frame.is("enable", ns::SM) {
                assert!(c.feed().progress().is_none(), "only after the sync");
                enables += 1;
            }
        }
        assert!(
            enables > 0 || c.feed().progress().is_some(),
            "the sync ended without <enable/>"
        );
        answer_not_found(&mut c, &sent);
        sent = frames(&mut c);
    }
    assert_eq!(enables, 1);
}

/// A client whose feed synced before (Juliet's microblog is known), as after a reload.
fn synced_before() -> Client {
    let cursor = crate::store::CursorRecord {
        account: "user@example.org".into(),
        key: crate::service::feed::CURSOR_KEY.into(),
        value: r#"{"juliet@example.com":{"newest":"p1"}}"#.into(),
    };
    let feed = Feed::restore(BareJid::new("user@example.org").unwrap(), &[], &[cursor]);
    Client::restore(config(), Default::default(), Default::default(), feed)
}

#[test]
fn a_start_after_a_sync_asks_for_stream_management_at_bind() {
    let mut c = synced_before();
    let sent = sign_in_with_sm(&mut c);
    assert!(sent[0].is("enable", ns::SM), "{sent:?}");
}

// ---- chat --------------------------------------------------------------------------------

use crate::service::chat::Compose;

fn juliet() -> BareJid {
    BareJid::new("juliet@example.com").unwrap()
}

/// The roster answer `id`: Juliet, both ways.
fn answer_roster_with_juliet(c: &mut Client, id: &str) {
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster' ver='1'><item jid='juliet@example.com' subscription='both'/></query></iq>"));
}

fn text(body: &str) -> Compose {
    Compose::Text {
        body: body.into(),
        reply: None,
        attachment: None,
    }
}

fn bodies_with(c: &Client, peer: &str) -> Vec<(bool, String)> {
    c.chat()
        .conversation(&BareJid::new(peer).unwrap())
        .map(|c| {
            c.messages
                .iter()
                .map(|m| (m.outgoing, m.body.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// `inner` (a `<message/>`) wrapped as a XEP-0280 carbon `kind` (sent, received), from `from`.
fn carbon(from: &str, kind: &str, inner: &str) -> String {
    format!(
        "<message xmlns='jabber:client' from='{from}' to='user@example.org/kith'>\
         <{kind} xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>{inner}\
         </forwarded></{kind}></message>"
    )
}

#[test]
fn carbons_are_asked_for_on_every_new_stream() {
    let mut c = Client::new(config());
    let last = sign_in_seeing_all(&mut c);
    let enable = last
        .iter()
        .find(|f| f.has_child("enable", ns::CARBONS))
        .expect("carbons asked for after binding");
    assert_eq!(enable.attr("type"), Some("set"));
}

#[test]
fn a_carbon_from_the_account_is_shown_and_one_from_anyone_else_is_not() {
    let mut c = with_roster();
    let mine = "<message xmlns='jabber:client' type='chat' from='user@example.org/phone' \
                to='juliet@example.com' id='c1'><body>from my phone</body></message>";
    c.handle_frame(t(), &carbon("user@example.org", "sent", mine));
    let theirs = "<message xmlns='jabber:client' type='chat' from='juliet@example.com/balcony' \
                  to='user@example.org/phone' id='j1'><body>to your phone</body></message>";
    c.handle_frame(t(), &carbon("user@example.org", "received", theirs));
    assert_eq!(
        bodies_with(&c, "juliet@example.com"),
        [
            (true, "from my phone".to_owned()),
            (false, "to your phone".to_owned())
        ]
    );
    // Juliet (or her client) wraps words in a "sent" carbon, as if we had said them; and
    // a carbon from our own account's full JID is not the server's either.
    let forged = "<message xmlns='jabber:client' type='chat' from='user@example.org/phone' \
                  to='juliet@example.com' id='f1'><body>I owe Juliet 100 euros</body></message>";
    c.handle_frame(t(), &carbon("juliet@example.com/balcony", "sent", forged));
    c.handle_frame(t(), &carbon("juliet@example.com", "received", forged));
    c.handle_frame(t(), &carbon("user@example.org/phone", "sent", forged));
    assert_eq!(bodies_with(&c, "juliet@example.com").len(), 2);
    assert!(
        c.chat().conversations().len() == 1,
        "no conversation from a forgery"
    );
}

#[test]
fn receipts_go_to_contacts_only() {
    let mut c = with_roster();
    frames(&mut c);
    c.handle_frame(Instant(5_000), "<message xmlns='jabber:client' type='chat' from='juliet@example.com/balcony' id='m1'><body>hi</body><request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/></message>");
    let sent = frames(&mut c);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].attr("to"), Some("juliet@example.com/balcony"));
    assert_eq!(
        sent[0]
            .get_child("received", ns::RECEIPTS)
            .and_then(|r| r.attr("id")),
        Some("m1")
    );
    // A stranger's message is kept (a message request) but not acknowledged.
    c.handle_frame(Instant(6_000), "<message xmlns='jabber:client' type='chat' from='spam@evil.example/x' id='m2'><body>hi</body><request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/></message>");
    assert!(
        frames(&mut c).is_empty(),
        "a receipt would tell a stranger we are here"
    );
    assert_eq!(bodies_with(&c, "spam@evil.example").len(), 1);
    // Displayed markers likewise.
    c.mark_read(t(), &BareJid::new("spam@evil.example").unwrap());
    assert!(frames(&mut c).is_empty());
    c.mark_read(t(), &juliet());
    let sent = frames(&mut c);
    assert_eq!(
        sent[0]
            .get_child("displayed", ns::MARKERS)
            .and_then(|d| d.attr("id")),
        Some("m1")
    );
}

#[test]
fn a_message_without_stream_management_is_delivered_once_sent() {
    let mut c = with_roster();
    let entry = c.compose_message(t(), "k1", &juliet(), text("hello"));
    assert_eq!(entry.kind, WriteKind::Message { to: juliet() });
    assert_eq!(
        bodies_with(&c, "juliet@example.com"),
        [(true, "hello".to_owned())]
    );
    updates(&mut c);
    c.submit(t(), entry).unwrap();
    let sent = frames(&mut c);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].attr("id"), Some("k1"));
    assert!(updates(&mut c).contains(&Update::Delivered("k1".into())));
    assert!(!c.outbox().is_pending("k1"));
}

/// Signs in offering XEP-0198 after an earlier sync (so it is asked for at bind), with
/// Juliet on the roster; returns the client and every frame it sent since `<enable/>`.
fn managed_client() -> (Client, Vec<Element>) {
    let mut c = synced_before();
    c.handle_connected(t(), NONCE);
    let mut after_enable: Vec<Element> = vec![];
    crate::xmpp::testing::sign_in_offering(crate::xmpp::testing::BIND_SM_FEATURES, |frame| {
        c.handle_frame(t(), frame);
        let sent = all_frames(&mut c);
        after_enable.extend(sent.iter().cloned());
        sent
    });
    c.handle_frame(
        t(),
        "<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>",
    );
    let roster = after_enable
        .iter()
        .find(|f| f.has_child("query", ns::ROSTER))
        .and_then(|f| f.attr("id"))
        .unwrap()
        .to_owned();
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='result' id='{roster}'><query xmlns='jabber:iq:roster' ver='1'><item jid='juliet@example.com' subscription='both'/></query></iq>"));
    let start = after_enable
        .iter()
        .position(|f| f.is("enable", ns::SM))
        .unwrap();
    after_enable.drain(..=start);
    (c, after_enable)
}

/// How many stanzas (not nonzas) are in `frames`: what the server's `h` counts.
fn stanzas(frames: &[Element]) -> usize {
    frames
        .iter()
        .filter(|f| matches!(f.name(), "iq" | "message" | "presence"))
        .count()
}

#[test]
fn a_message_is_delivered_when_the_server_acknowledges_it_and_resent_by_the_session_only() {
    let (mut c, mut sent) = managed_client();
    let entry = c.compose_message(t(), "k1", &juliet(), text("hello"));
    c.submit(t(), entry).unwrap();
    sent.extend(all_frames(&mut c));
    let at = sent
        .iter()
        .position(|f| f.attr("id") == Some("k1"))
        .unwrap();
    updates(&mut c);
    // Acknowledged up to just before it: still pending.
    c.handle_frame(
        t(),
        &format!("<a xmlns='urn:xmpp:sm:3' h='{}'/>", stanzas(&sent[..at])),
    );
    assert!(c.outbox().is_pending("k1"));
    // The connection drops; the new stream cannot be resumed: the session sends it again
    // (with its delay stamp), and the outbox does not send a second copy.
    c.handle_disconnected(t());
    c.handle_connected(t(), NONCE);
    let mut again = vec![];
    crate::xmpp::testing::authenticate(crate::xmpp::testing::BIND_SM_FEATURES, |frame| {
        c.handle_frame(t(), frame);
        vec![]
    });
    c.handle_frame(t(), "<failed xmlns='urn:xmpp:sm:3'/>");
    let bind = all_frames(&mut c);
    let bind_id = bind
        .iter()
        .find(|f| f.is("iq", ns::DEFAULT_NS))
        .and_then(|f| f.attr("id"))
        .unwrap()
        .to_owned();
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='result' id='{bind_id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{}</jid></bind></iq>", crate::xmpp::testing::BOUND));
    again.extend(all_frames(&mut c));
    let roster = again
        .iter()
        .find(|f| f.has_child("query", ns::ROSTER))
        .and_then(|f| f.attr("id"))
        .unwrap()
        .to_owned();
    c.handle_frame(
        t(),
        &format!("<iq xmlns='jabber:client' type='result' id='{roster}'/>"),
    );
    again.extend(all_frames(&mut c));
    let copies: Vec<&Element> = again
        .iter()
        .filter(|f| f.attr("id") == Some("k1"))
        .collect();
    assert_eq!(copies.len(), 1, "sent again once: {again:?}");
    assert!(copies[0].has_child("delay", ns::DELAY));
    assert!(c.outbox().is_pending("k1"));
    // The new stream's count covers it.
    c.handle_frame(t(), "<enabled xmlns='urn:xmpp:sm:3'/>");
    let start = again.iter().position(|f| f.is("enable", ns::SM)).unwrap();
    let upto = again
        .iter()
        .position(|f| f.attr("id") == Some("k1"))
        .unwrap();
    assert!(start < upto, "{again:?}");
    updates(&mut c);
    c.handle_frame(
        t(),
        &format!(
            "<a xmlns='urn:xmpp:sm:3' h='{}'/>",
            stanzas(&again[start..=upto])
        ),
    );
    assert!(updates(&mut c).contains(&Update::Delivered("k1".into())));
    assert!(!c.outbox().is_pending("k1"));
}

#[test]
fn a_message_waits_while_stream_management_is_deferred() {
    // A first sign-in: XEP-0198 waits for the feed's first sync, and so does a message.
    let mut c = Client::new(config());
    let sent = sign_in_with_sm(&mut c);
    let id = sent[0].attr("id").unwrap().to_owned();
    answer_roster_with_juliet(&mut c, &id);
    let entry = c.compose_message(t(), "k1", &juliet(), text("hello"));
    c.submit(t(), entry).unwrap();
    let mut sent = frames(&mut c);
    assert!(sent.iter().all(|f| f.attr("id") != Some("k1")), "held");
    let mut seen = false;
    while !sent.is_empty() {
        seen |= sent.iter().any(|f| f.attr("id") == Some("k1"));
        if sent.iter().any(|f| f.is("enable", ns::SM)) {
            c.handle_frame(
                t(),
                "<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>",
            );
        }
        answer_not_found(&mut c, &sent);
        sent = frames(&mut c);
    }
    assert!(seen, "sent once stream management is on");
}

#[test]
fn a_cold_start_catches_up_from_the_stored_archive_position() {
    let mut c = Client::new(config());
    c.restore_archive("A7".into());
    let get = connect_and_sign_in(&mut c).pop().unwrap();
    let id = get.attr("id").unwrap();
    answer_roster_with_juliet(&mut c, id);
    let sent = frames(&mut c);
    let query = sent
        .iter()
        .find(|f| f.has_child("query", ns::MAM))
        .expect("the archive is asked at once");
    assert!(
        String::from(query).contains("<after>A7</after>"),
        "{query:?}"
    );
    let qid = query
        .get_child("query", ns::MAM)
        .unwrap()
        .attr("queryid")
        .unwrap()
        .to_owned();
    let result = |from: &str, id: &str, body: &str| {
        format!("<message xmlns='jabber:client' from='{from}' to='user@example.org/kith'>\
        <result xmlns='urn:xmpp:mam:2' queryid='{qid}' id='{id}'><forwarded xmlns='urn:xmpp:forward:0'>\
        <delay xmlns='urn:xmpp:delay' stamp='2026-12-01T10:00:00Z'/>\
        <message xmlns='jabber:client' type='chat' from='juliet@example.com/balcony' to='user@example.org' id='j{id}'><body>{body}</body></message>\
        </forwarded></result></message>")
    };
    updates(&mut c);
    c.handle_frame(
        t(),
        &result("user@example.org", "A8", "while you were away"),
    );
    // The same query id from a contact is a forgery.
    c.handle_frame(t(), &result("juliet@example.com", "A9", "forged"));
    assert_eq!(
        bodies_with(&c, "juliet@example.com"),
        [(false, "while you were away".to_owned())]
    );
    let m = &c.chat().conversation(&juliet()).unwrap().messages[0];
    assert_eq!(m.time, 1_796_119_200_000.0, "the archive's stamp");
    assert_eq!(m.archive_id.as_deref(), Some("A8"));
    let u = updates(&mut c);
    assert!(u.contains(&Update::ArchiveNewest("A8".into())), "{u:?}");
    assert!(u
        .iter()
        .any(|u| matches!(u, Update::MessageRecords(r) if r.len() == 1)));
}

#[test]
fn an_archive_empty_at_the_first_sign_in_is_replayed_from_its_start_after_a_cold_start() {
    // The first session learns the archive is empty: that is kept...
    let (mut c, id) = signed_in();
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster' ver='1'/></iq>"));
    let sent = frames(&mut c);
    let anchor = sent
        .iter()
        .find(|f| f.has_child("query", ns::MAM))
        .expect("the first stream asks where the archive stands");
    assert!(String::from(anchor).contains("<before/>"));
    let aid = anchor.attr("id").unwrap().to_owned();
    updates(&mut c);
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='result' id='{aid}'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>"));
    assert!(updates(&mut c).contains(&Update::ArchiveNewest(String::new())));
    // ...so the next cold start replays the archive from its start, not from a new anchor.
    let mut c = Client::new(config());
    c.restore_archive(String::new());
    let get = connect_and_sign_in(&mut c).pop().unwrap();
    let id = get.attr("id").unwrap();
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster' ver='1'/></iq>"));
    let query = frames(&mut c)
        .into_iter()
        .find(|f| f.has_child("query", ns::MAM))
        .unwrap();
    let text = String::from(&query);
    assert!(
        !text.contains("<before") && !text.contains("<after"),
        "{text}"
    );
}

#[test]
fn chat_states_go_to_contacts_only() {
    let mut c = with_roster();
    frames(&mut c);
    let composing = crate::proto::xep0085::ChatState::Composing;
    c.send_chat_state(t(), &BareJid::new("spam@evil.example").unwrap(), composing);
    assert!(frames(&mut c).is_empty(), "a stranger learns nothing of us");
    c.send_chat_state(t(), &juliet(), composing);
    let sent = frames(&mut c);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].attr("to"), Some("juliet@example.com"));
    assert!(sent[0].has_child("composing", ns::CHATSTATES));
    assert!(
        sent[0].has_child("no-store", ns::HINTS),
        "not kept offline or archived"
    );
}

#[test]
fn older_messages_come_from_our_archive_a_page_before_the_oldest_held() {
    let mut c = with_roster();
    c.handle_frame(Instant(9_000), "<message xmlns='jabber:client' type='chat' from='juliet@example.com/balcony' id='m9'><body>newest</body><stanza-id xmlns='urn:xmpp:sid:0' by='user@example.org' id='A9'/></message>");
    frames(&mut c);
    assert!(c.load_older_messages(t(), &juliet()));
    assert!(!c.load_older_messages(t(), &juliet()), "one page at a time");
    let sent = frames(&mut c);
    let query = sent[0]
        .get_child("query", ns::MAM)
        .expect("an archive query");
    let text = String::from(query);
    assert!(text.contains("<before>A9</before>"), "{text}");
    assert!(
        text.contains("juliet@example.com"),
        "with the contact: {text}"
    );
    let (id, qid) = (
        sent[0].attr("id").unwrap().to_owned(),
        query.attr("queryid").unwrap().to_owned(),
    );
    let result = |from: &str, aid: &str, body: &str| {
        format!("<message xmlns='jabber:client' from='{from}' to='user@example.org/kith'>\
        <result xmlns='urn:xmpp:mam:2' queryid='{qid}' id='{aid}'><forwarded xmlns='urn:xmpp:forward:0'>\
        <delay xmlns='urn:xmpp:delay' stamp='1970-01-01T00:00:01Z'/>\
        <message xmlns='jabber:client' type='chat' from='juliet@example.com/balcony' to='user@example.org' id='x{aid}'><body>{body}</body></message>\
        </forwarded></result></message>")
    };
    c.handle_frame(t(), &result("user@example.org", "A1", "older"));
    c.handle_frame(t(), &result("juliet@example.com", "A2", "forged history"));
    assert_eq!(
        bodies_with(&c, "juliet@example.com"),
        [(false, "older".to_owned()), (false, "newest".to_owned())]
    );
    // The archive has no more: no further query.
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='result' id='{id}'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>"));
    assert!(!c.load_older_messages(t(), &juliet()));
    assert!(frames(&mut c).is_empty());
}

// ---- contact requests and blocking --------------------------------------------------------

#[test]
fn the_block_list_is_asked_for_and_kept_current_by_pushes_from_the_account_only() {
    let mut c = Client::new(config());
    let last = sign_in_seeing_all(&mut c);
    let get = last
        .iter()
        .find(|f| f.has_child("blocklist", ns::BLOCKING))
        .expect("the block list asked for after binding");
    let id = get.attr("id").unwrap();
    c.handle_frame(t(), &format!(
        "<iq xmlns='jabber:client' type='result' id='{id}'><blocklist xmlns='urn:xmpp:blocking'><item jid='spam@example.net'/></blocklist></iq>"
    ));
    assert!(updates(&mut c).contains(&Update::Blocklist));
    let blocked = |c: &Client, jid: &str| c.blocklist().is_blocked(&jid.parse().unwrap());
    assert!(blocked(&c, "spam@example.net/bot"));
    // A contact cannot block or unblock anyone on the account's behalf.
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='set' id='f1' from='juliet@example.com/balcony'><unblock xmlns='urn:xmpp:blocking'/></iq>");
    let answer = all_frames(&mut c);
    assert_eq!(answer[0].attr("type"), Some("error"), "{answer:?}");
    assert!(blocked(&c, "spam@example.net"));
    // The server's push (another device blocked Romeo) applies, and is answered.
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='set' id='p1'><block xmlns='urn:xmpp:blocking'><item jid='romeo@example.net'/></block></iq>");
    assert_eq!(all_frames(&mut c)[0].attr("type"), Some("result"));
    assert!(blocked(&c, "romeo@example.net"));
    assert!(updates(&mut c).contains(&Update::Blocklist));
}

#[test]
fn a_request_is_listed_then_accepted_with_a_request_back_or_declined() {
    let mut c = with_roster();
    let request = |c: &mut Client, from: &str| {
        c.handle_frame(t(), &format!(
            "<presence xmlns='jabber:client' type='subscribe' from='{from}'><nick xmlns='http://jabber.org/protocol/nick'>Rome</nick></presence>"
        ));
    };
    request(&mut c, "romeo@example.net");
    request(&mut c, "tybalt@example.net");
    assert!(updates(&mut c).contains(&Update::Requests));
    let listed: Vec<String> = c.requests().iter().map(|r| r.jid.to_string()).collect();
    assert_eq!(listed, ["romeo@example.net", "tybalt@example.net"]);

    // Accept: approved, and asked back (Romeo is no contact yet).
    assert!(c.accept_request(t(), &"romeo@example.net".parse().unwrap()));
    let sent = frames(&mut c);
    let types: Vec<_> = sent
        .iter()
        .map(|p| (p.attr("type"), p.attr("to")))
        .collect();
    assert_eq!(
        types,
        [
            (Some("subscribed"), Some("romeo@example.net")),
            (Some("subscribe"), Some("romeo@example.net"))
        ]
    );
    // Decline: refused, and gone from the list.
    assert!(c.decline_request(t(), &"tybalt@example.net".parse().unwrap()));
    let sent = frames(&mut c);
    assert_eq!(sent[0].attr("type"), Some("unsubscribed"));
    assert!(c.requests().is_empty());
    assert!(updates(&mut c).contains(&Update::Requests));

    // A request from a blocked JID is not listed.
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='set' id='p1'><block xmlns='urn:xmpp:blocking'><item jid='mallory@example.net'/></block></iq>");
    request(&mut c, "mallory@example.net");
    assert!(c.requests().is_empty());
}

// ---- people: names and avatars of others -------------------------------------------------

/// A PEP event from `from` on `node` carrying `item` (raw XML).
fn pep_event(from: &str, node: &str, item: &str) -> String {
    format!(
        "<message xmlns='jabber:client' from='{from}' to='{BOUND}' type='headline'>\
         <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='{node}'>{item}</items></event></message>"
    )
}

const IMAGE: &[u8] = b"\x89PNG\r\n\x1a\n not really a picture";

fn metadata_event(from: &str, bytes: &[u8]) -> String {
    let hash = crate::proto::xep0084::sha1_hex(bytes);
    pep_event(
        from,
        ns::AVATAR_METADATA,
        &format!(
            "<item id='{hash}'><metadata xmlns='urn:xmpp:avatar:metadata'>\
             <info bytes='{}' id='{hash}' type='image/png' width='64' height='64'/></metadata></item>",
            bytes.len()
        ),
    )
}

/// The avatar data requests among frames: (to, item id, iq id).
fn avatar_data_requests(sent: &[Element]) -> Vec<(String, String, String)> {
    sent.iter()
        .filter_map(|f| {
            let items = f
                .get_child("pubsub", ns::PUBSUB)?
                .get_child("items", ns::PUBSUB)?;
            (items.attr("node") == Some(ns::AVATAR_DATA)).then_some(())?;
            let item = items.get_child("item", ns::PUBSUB)?.attr("id")?;
            Some((f.attr("to")?.into(), item.into(), f.attr("id")?.into()))
        })
        .collect()
}

/// `owner`'s answer to data request `id`: item `item_id` holding `bytes`.
fn data_answer(id: &str, owner: &str, item_id: &str, bytes: &[u8]) -> String {
    format!(
        "<iq xmlns='jabber:client' type='result' id='{id}' from='{owner}'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'>\
         <item id='{item_id}'><data xmlns='urn:xmpp:avatar:data'>{}</data></item></items></pubsub></iq>",
        crate::proto::base64::encode(bytes)
    )
}

fn person_updates(updates: &[Update]) -> Vec<String> {
    updates
        .iter()
        .filter_map(|u| match u {
            Update::Person(jid) => Some(jid.to_string()),
            _ => None,
        })
        .collect()
}

fn avatars(updates: &[Update]) -> Vec<AvatarBytes> {
    updates
        .iter()
        .filter_map(|u| match u {
            Update::Avatar(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_caps_ask_for_avatar_nick_and_vcard4_notifications() {
    let (mut c, presences) = with_roster_and_presences();
    let full = caps_of(presences.last().unwrap());
    let answer = disco_answer(&mut c, Some(&full));
    for feature in [
        "urn:xmpp:avatar:metadata+notify",
        "http://jabber.org/protocol/nick+notify",
        "urn:xmpp:vcard4+notify",
    ] {
        assert!(answer.contains(feature), "{feature}: {answer}");
    }
}

#[test]
fn a_contacts_new_avatar_is_fetched_by_its_hash_once_and_kept() {
    let mut c = with_roster();
    let hash = crate::proto::xep0084::sha1_hex(IMAGE);
    c.handle_frame(t(), &metadata_event("juliet@example.com", IMAGE));
    assert_eq!(person_updates(&updates(&mut c)), ["juliet@example.com"]);
    let sent = frames(&mut c);
    let asked = avatar_data_requests(&sent);
    assert_eq!(asked.len(), 1, "{sent:?}");
    let (to, item, id) = asked[0].clone();
    assert_eq!(
        (to.as_str(), item.as_str()),
        ("juliet@example.com", hash.as_str())
    );
    // The server pushes the same metadata again (a new presence, another stream): the
    // hash is on its way, not asked again.
    c.handle_frame(t(), &metadata_event("juliet@example.com", IMAGE));
    assert!(avatar_data_requests(&frames(&mut c)).is_empty());
    // An answer from someone else is not the owner's (the session waits on).
    c.handle_frame(t(), &data_answer(&id, "eve@example.net", &hash, IMAGE));
    assert!(avatars(&updates(&mut c)).is_empty());
    c.handle_frame(t(), &data_answer(&id, "juliet@example.com", &hash, IMAGE));
    assert_eq!(
        avatars(&updates(&mut c)),
        [AvatarBytes {
            hash: hash.clone(),
            type_: "image/png".into(),
            bytes: IMAGE.to_vec(),
        }]
    );
    assert_eq!(
        c.people().get(&juliet()).unwrap().avatar(),
        Some(hash.as_str())
    );
    // Kept: a contact who shows the same picture later costs no request either.
    c.handle_frame(t(), &metadata_event("nurse@example.com", IMAGE));
    assert_eq!(person_updates(&updates(&mut c)), ["nurse@example.com"]);
    assert!(avatar_data_requests(&frames(&mut c)).is_empty());
}

#[test]
fn an_avatar_the_device_keeps_is_never_fetched() {
    let mut c = with_roster();
    c.restore_avatars([crate::proto::xep0084::sha1_hex(IMAGE)]);
    c.handle_frame(t(), &metadata_event("juliet@example.com", IMAGE));
    assert_eq!(person_updates(&updates(&mut c)), ["juliet@example.com"]);
    assert!(avatar_data_requests(&frames(&mut c)).is_empty());
}

#[test]
fn data_whose_hash_is_not_the_one_asked_for_is_refused() {
    let mut c = with_roster();
    let hash = crate::proto::xep0084::sha1_hex(IMAGE);
    c.handle_frame(t(), &metadata_event("juliet@example.com", IMAGE));
    let (_, _, id) = avatar_data_requests(&frames(&mut c))[0].clone();
    updates(&mut c);
    // Another picture under the announced id: its SHA-1 is not the id.
    let other = b"someone else's face";
    c.handle_frame(t(), &data_answer(&id, "juliet@example.com", &hash, other));
    assert!(avatars(&updates(&mut c)).is_empty());
}

#[test]
fn profile_events_count_only_from_a_contacts_bare_jid() {
    let mut c = with_roster();
    // A client's full JID speaks for no node; a stranger's self-description is not kept.
    for from in ["juliet@example.com/balcony", "eve@example.net"] {
        c.handle_frame(t(), &metadata_event(from, IMAGE));
        let nick = "<item id='current'><nick xmlns='http://jabber.org/protocol/nick'>Juliet the Great</nick></item>";
        c.handle_frame(t(), &pep_event(from, ns::NICK, nick));
        let got = updates(&mut c);
        assert!(person_updates(&got).is_empty(), "{from}: {got:?}");
        assert!(avatar_data_requests(&frames(&mut c)).is_empty(), "{from}");
        assert_eq!(c.chat().conversations().len(), 0, "{from}: not a message");
    }
    assert_eq!(c.people().get(&juliet()), None);
}

#[test]
fn a_nick_names_a_contact_the_roster_does_not_name() {
    let mut c = with_roster();
    let nick = |n: &str| {
        format!(
            "<item id='current'><nick xmlns='http://jabber.org/protocol/nick'>{n}</nick></item>"
        )
    };
    c.handle_frame(
        t(),
        &pep_event("nurse@example.com", ns::NICK, &nick("Angelica")),
    );
    c.handle_frame(
        t(),
        &pep_event("juliet@example.com", ns::NICK, &nick("Jules")),
    );
    assert_eq!(
        person_updates(&updates(&mut c)),
        ["nurse@example.com", "juliet@example.com"]
    );
    let nurse = BareJid::new("nurse@example.com").unwrap();
    assert_eq!(c.people().name(&nurse, c.roster()), "Angelica");
    // The name the person gave their contact wins.
    assert_eq!(c.people().name(&juliet(), c.roster()), "Juliet");
}

#[test]
fn a_photo_announced_in_presence_is_fetched_from_the_vcard() {
    let mut c = with_roster();
    let hash = crate::proto::xep0084::sha1_hex(IMAGE);
    c.handle_frame(t(), &format!(
        "<presence xmlns='jabber:client' from='juliet@example.com/balcony'><x xmlns='vcard-temp:x:update'><photo>{hash}</photo></x></presence>"
    ));
    assert!(person_updates(&updates(&mut c)).contains(&"juliet@example.com".to_owned()));
    let sent = frames(&mut c);
    let vcard = sent
        .iter()
        .find(|f| f.has_child("vCard", ns::VCARD_TEMP))
        .expect("the vcard-temp asked for");
    assert_eq!(vcard.attr("to"), Some("juliet@example.com"));
    assert_eq!(vcard.attr("type"), Some("get"));
    let id = vcard.attr("id").unwrap();
    c.handle_frame(t(), &format!(
        "<iq xmlns='jabber:client' type='result' id='{id}' from='juliet@example.com'><vCard xmlns='vcard-temp'>\
         <PHOTO><TYPE>image/png</TYPE><BINVAL>{}</BINVAL></PHOTO></vCard></iq>",
        crate::proto::base64::encode(IMAGE)
    ));
    let got = avatars(&updates(&mut c));
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].hash.as_str(), got[0].bytes.as_slice()),
        (hash.as_str(), IMAGE)
    );
    // The same hash announced again (another resource): not asked again.
    c.handle_frame(t(), &format!(
        "<presence xmlns='jabber:client' from='juliet@example.com/phone'><x xmlns='vcard-temp:x:update'><photo>{hash}</photo></x></presence>"
    ));
    assert!(!frames(&mut c)
        .iter()
        .any(|f| f.has_child("vCard", ns::VCARD_TEMP)));
}

#[test]
fn many_new_avatars_are_fetched_a_few_at_a_time() {
    let (mut c, id) = signed_in();
    let items: String = (0..20)
        .map(|i| format!("<item jid='c{i}@example.com' subscription='both'/>"))
        .collect();
    c.handle_frame(t(), &format!(
        "<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster'>{items}</query></iq>"
    ));
    let sent = frames(&mut c);
    quiet_feed(&mut c, sent);
    let mut asked = vec![];
    for i in 0..20 {
        let image = format!("picture {i}");
        c.handle_frame(
            t(),
            &metadata_event(&format!("c{i}@example.com"), image.as_bytes()),
        );
        asked.extend(avatar_data_requests(&frames(&mut c)));
    }
    assert_eq!(asked.len(), 8, "{asked:?}");
    // Each answer lets the next one go.
    let (_, hash, id) = asked[0].clone();
    c.handle_frame(
        t(),
        &data_answer(&id, "c0@example.com", &hash, b"picture 0"),
    );
    let next = avatar_data_requests(&frames(&mut c));
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(next[0].0, "c8@example.com");
}

#[test]
fn after_the_server_learns_the_caps_the_profiles_it_did_not_push_are_fetched() {
    let (mut c, presences) = with_roster_and_presences();
    let full = caps_of(presences.last().unwrap());
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='get' id='d2' from='{BOUND}'><query xmlns='http://jabber.org/protocol/disco#info' node='{full}'/></iq>"));
    frames(&mut c);
    // Prosody pushes Juliet's avatar metadata; ejabberd would push nothing.
    c.handle_frame(Instant(500), &metadata_event("juliet@example.com", IMAGE));
    frames(&mut c);
    updates(&mut c);
    c.handle_timeout(Instant(2_000));
    let sent = frames(&mut c);
    let mut profile_nodes: Vec<(String, String)> = sent
        .iter()
        .filter_map(|f| {
            let items = f
                .get_child("pubsub", ns::PUBSUB)?
                .get_child("items", ns::PUBSUB)?;
            let node = items.attr("node")?;
            [ns::AVATAR_METADATA, ns::NICK]
                .contains(&node)
                .then(|| (f.attr("to").unwrap().to_owned(), node.to_owned()))
        })
        .collect();
    profile_nodes.sort();
    assert_eq!(
        profile_nodes,
        [
            ("nurse@example.com".to_owned(), ns::NICK.to_owned()),
            (
                "nurse@example.com".to_owned(),
                ns::AVATAR_METADATA.to_owned()
            ),
        ],
        "not Juliet's, which the server pushed: {sent:?}"
    );
    // The nurse's nickname, as her PEP service answers.
    let nick = sent
        .iter()
        .find(|f| String::from(*f).contains(ns::NICK))
        .unwrap();
    let id = nick.attr("id").unwrap();
    c.handle_frame(t(), &format!(
        "<iq xmlns='jabber:client' type='result' id='{id}' from='nurse@example.com'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
         <items node='http://jabber.org/protocol/nick'><item id='current'><nick xmlns='http://jabber.org/protocol/nick'>Angelica</nick></item></items></pubsub></iq>"
    ));
    assert_eq!(person_updates(&updates(&mut c)), ["nurse@example.com"]);
    let nurse = BareJid::new("nurse@example.com").unwrap();
    assert_eq!(c.people().name(&nurse, c.roster()), "Angelica");
}

#[test]
fn an_avatar_fetch_lost_with_the_stream_is_asked_again_on_the_next() {
    let mut c = with_roster();
    let hash = crate::proto::xep0084::sha1_hex(IMAGE);
    c.handle_frame(t(), &metadata_event("juliet@example.com", IMAGE));
    assert_eq!(avatar_data_requests(&frames(&mut c)).len(), 1);
    new_stream(&mut c);
    let again = avatar_data_requests(&frames(&mut c));
    assert_eq!(again.len(), 1, "{again:?}");
    let (to, item, id) = again[0].clone();
    assert_eq!(
        (to.as_str(), item.as_str()),
        ("juliet@example.com", hash.as_str())
    );
    c.handle_frame(t(), &data_answer(&id, "juliet@example.com", &hash, IMAGE));
    assert_eq!(avatars(&updates(&mut c)).len(), 1);
}

mod rooms;

// ---- the person's own profile ---------------------------------------------------------

fn avatar_entries() -> Vec<OutboxEntry> {
    let image = crate::service::people::AvatarImage {
        bytes: b"\x89PNG\r\n\x1a\n...".to_vec(),
        type_: "image/png".into(),
        width: 192,
        height: 192,
    };
    let mut n = 0;
    let mut ids = || {
        n += 1;
        format!("a{n}")
    };
    crate::service::people::compose_avatar(
        &BareJid::new("user@example.org").unwrap(),
        Some(&image),
        crate::service::feed::Access::Presence,
        false,
        &mut ids,
    )
}

/// The node an iq publishes to.
fn published_node(iq: &Element) -> Option<&str> {
    iq.get_child("pubsub", ns::PUBSUB)?
        .get_child("publish", ns::PUBSUB)?
        .attr("node")
}

#[test]
fn an_avatar_written_offline_goes_data_then_metadata_each_once_and_leaves_on_its_ack() {
    let mut c = Client::new(config());
    for entry in avatar_entries() {
        c.submit(t(), entry).unwrap();
    }
    assert!(frames(&mut c).is_empty(), "offline: nothing on the wire");
    assert_eq!(
        outbox_reports(&mut c).last().unwrap(),
        &[("a1".to_owned(), None), ("a2".to_owned(), None)],
        "both Pending"
    );
    // Online: after the roster, the data alone; the metadata waits for its ack.
    let get = connect_and_sign_in(&mut c).pop().unwrap();
    let id = get.attr("id").unwrap();
    c.handle_frame(
        t(),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster'/></iq>"),
    );
    let sent = frames(&mut c);
    let writes: Vec<_> = sent
        .iter()
        .filter(|f| published_node(f).is_some())
        .collect();
    assert_eq!(writes.len(), 1, "{sent:?}");
    assert_eq!(
        (writes[0].attr("id"), published_node(writes[0])),
        (Some("a1"), Some(ns::AVATAR_DATA))
    );
    updates(&mut c);
    c.handle_frame(
        t(),
        "<iq xmlns='jabber:client' type='result' id='a1' from='user@example.org'/>",
    );
    assert_eq!(updates(&mut c), vec![Update::Delivered("a1".into())]);
    let next = frames(&mut c);
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(
        (next[0].attr("id"), published_node(&next[0])),
        (Some("a2"), Some(ns::AVATAR_METADATA))
    );
    c.handle_frame(
        t(),
        "<iq xmlns='jabber:client' type='result' id='a2' from='user@example.org'/>",
    );
    assert_eq!(updates(&mut c), vec![Update::Delivered("a2".into())]);
    assert!(c.outbox().entries().is_empty());
    assert!(frames(&mut c).is_empty(), "nothing sent twice");
}

#[test]
fn a_profile_write_on_a_node_with_another_access_model_reconfigures_it_then_a_refusal_stands() {
    let mut c = with_roster();
    let entry = crate::service::people::compose_nick(
        &BareJid::new("user@example.org").unwrap(),
        Some("Romeo"),
        crate::service::feed::Access::Presence,
        &mut || "n1".to_owned(),
    );
    c.submit(t(), entry).unwrap();
    assert_eq!(frames(&mut c)[0].attr("id"), Some("n1"));
    let precondition = "<iq xmlns='jabber:client' type='error' id='n1' from='user@example.org'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/></error></iq>";
    c.handle_frame(t(), precondition);
    let sent = frames(&mut c);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(
        sent[0],
        "<iq xmlns='jabber:client' type='set' id='n1-configure'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>\
         <configure node='http://jabber.org/protocol/nick'><x xmlns='jabber:x:data' type='submit'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#node_config</value></field>\
         <field var='pubsub#access_model'><value>presence</value></field></x></configure></pubsub></iq>"
            .parse::<Element>()
            .unwrap()
    );
    assert_eq!(
        (sent[1].attr("id"), published_node(&sent[1])),
        (Some("n1"), Some(ns::NICK)),
        "the same write again"
    );
    assert!(updates(&mut c).is_empty(), "still Pending");
    // Refused again: it stays, refused with its reason, for the person to retry or discard.
    c.handle_frame(t(), precondition);
    assert!(frames(&mut c).is_empty(), "no loop");
    assert!(matches!(
        updates(&mut c).as_slice(),
        [Update::Refused { id, reason }] if id == "n1" && !reason.is_empty()
    ));
    assert_eq!(c.outbox().entries().len(), 1, "nothing lost");
    c.retry(t(), "n1", None);
    let again = frames(&mut c);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attr("id"), Some("n1"));
    c.handle_frame(
        t(),
        "<iq xmlns='jabber:client' type='result' id='n1' from='user@example.org'/>",
    );
    assert_eq!(updates(&mut c), vec![Update::Delivered("n1".into())]);
}

#[test]
fn a_refused_avatar_holds_its_metadata_back() {
    let mut c = with_roster();
    for entry in avatar_entries() {
        c.submit(t(), entry).unwrap();
    }
    assert_eq!(frames(&mut c).len(), 1);
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='error' id='a1' from='user@example.org'><error type='modify'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    assert!(matches!(
        updates(&mut c).as_slice(),
        [Update::Refused { id, reason }] if id == "a1" && reason.contains("too large")
    ));
    assert!(
        frames(&mut c).is_empty(),
        "no metadata naming data the server does not have"
    );
    assert_eq!(c.outbox().entries().len(), 2);
}
