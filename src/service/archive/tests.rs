//! The archive catch-up on literal XML, as ejabberd and Prosody send it.

use super::*;

fn account() -> BareJid {
    BareJid::new("user@example.org").unwrap()
}

fn message(xml: &str) -> Message {
    Message::try_from(xml.parse::<Element>().unwrap()).unwrap()
}

/// A chat message from Juliet as our server delivers it live, with its archive id.
fn live(id: &str, sid: &str) -> Message {
    message(&format!(
        "<message xmlns='jabber:client' from='juliet@example.com/balcony' to='user@example.org' type='chat' id='{id}'>\
         <body>{id}</body><stanza-id xmlns='urn:xmpp:sid:0' by='user@example.org' id='{sid}'/></message>"
    ))
}

/// The same message replayed by our archive for query `q`.
fn replayed(from: &str, q: &str, id: &str, sid: &str) -> Message {
    message(&format!(
        "<message xmlns='jabber:client' from='{from}' to='user@example.org/kith'>\
         <result xmlns='urn:xmpp:mam:2' queryid='{q}' id='{sid}'>\
         <forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-11-28T03:32:49Z'/>\
         <message xmlns='jabber:client' from='juliet@example.com/balcony' to='user@example.org' type='chat' id='{id}'><body>{id}</body></message>\
         </forwarded></result></message>"
    ))
}

fn fin(complete: bool, last: &str) -> IqOutcome {
    IqOutcome::Result(Some(
        format!(
            "<fin xmlns='urn:xmpp:mam:2' complete='{complete}'><set xmlns='http://jabber.org/protocol/rsm'>\
             <first>x</first><last>{last}</last></set></fin>"
        )
        .parse()
        .unwrap(),
    ))
}

/// The query asked: its iq id and the archive id it goes after.
fn asked(archive: &mut Archive) -> (String, String) {
    let iq = archive.poll_request(true).expect("a query");
    assert!(archive.poll_request(true).is_none());
    let Iq::Set { id, payload, .. } = iq else {
        panic!("{iq:?}")
    };
    assert!(payload.is("query", ns::MAM));
    assert_eq!(payload.attr("queryid"), Some(id.as_str()));
    let set = payload.get_child("set", ns::RSM).unwrap();
    assert_eq!(set.get_child("max", ns::RSM).unwrap().text(), "100");
    (id, set.get_child("after", ns::RSM).unwrap().text())
}

/// The query asked for where the session begins: its iq id.
/// The anchor: asked before the presence is out.
fn asked_newest(archive: &mut Archive) -> String {
    let iq = archive.poll_request(false).expect("a query");
    assert!(archive.poll_request(true).is_none());
    let Iq::Set { id, payload, .. } = iq else {
        panic!("{iq:?}")
    };
    assert_eq!(
        String::from(&payload),
        format!(
            "<query xmlns='urn:xmpp:mam:2' queryid='{id}'><set xmlns='http://jabber.org/protocol/rsm'>\
             <max>1</max><before/></set></query>"
        )
    );
    id
}

fn empty_fin() -> IqOutcome {
    IqOutcome::Result(Some(
        "<fin xmlns='urn:xmpp:mam:2' complete='true'><set xmlns='http://jabber.org/protocol/rsm'><count>0</count></set></fin>"
            .parse()
            .unwrap(),
    ))
}

#[test]
fn the_first_stream_asks_where_the_session_begins_and_a_lost_one_catches_up_from_there() {
    let mut archive = Archive::new(account());
    archive.start(Instant(0));
    let q = asked_newest(&mut archive);
    // The newest archived message is from before this session: noted, not delivered.
    assert_eq!(
        archive.handle_message(&replayed("user@example.org", &q, "old", "s0")),
        Verdict::Duplicate
    );
    assert!(archive.handle_response(&q, &fin(true, "s0")));
    // Then, once the presence is out (not before), what came since the anchor: a message
    // routed before the presence is only in the archive.
    assert!(
        archive.poll_request(false).is_none(),
        "waits for the presence"
    );
    let (q, after) = asked(&mut archive);
    assert_eq!(after, "s0");
    assert!(matches!(
        archive.handle_message(&replayed("user@example.org", &q, "m0", "s0b")),
        Verdict::Replayed(_)
    ));
    assert!(archive.handle_response(&q, &fin(true, "s0b")));
    assert!(archive.poll_request(true).is_none());
    // The stream is lost before any message arrived live: m1 was archived meanwhile.
    archive.start(Instant(0));
    let (q, after) = asked(&mut archive);
    assert_eq!(after, "s0b");
    assert!(matches!(
        archive.handle_message(&replayed("user@example.org", &q, "m1", "s1")),
        Verdict::Replayed(_)
    ));
}

#[test]
fn an_empty_archive_at_the_start_means_a_lost_stream_replays_it_all() {
    let mut archive = Archive::new(account());
    archive.start(Instant(0));
    let q = asked_newest(&mut archive);
    assert!(archive.handle_response(&q, &empty_fin()));
    archive.start(Instant(0));
    let iq = archive.poll_request(true).expect("a query");
    let Iq::Set { id, payload, .. } = iq else {
        panic!("{iq:?}")
    };
    let set = payload.get_child("set", ns::RSM).unwrap();
    assert!(set.get_child("after", ns::RSM).is_none(), "from the start");
    assert!(matches!(
        archive.handle_message(&replayed("user@example.org", &id, "m0", "s0")),
        Verdict::Replayed(_)
    ));
}

#[test]
fn a_live_message_before_the_answer_is_where_a_catch_up_starts() {
    let mut archive = Archive::new(account());
    archive.start(Instant(0));
    let q = asked_newest(&mut archive);
    assert_eq!(archive.handle_message(&live("m1", "s1")), Verdict::Live);
    // The archive's newest is that same message, or one before it: s1 stays the mark.
    assert_eq!(
        archive.handle_message(&replayed("user@example.org", &q, "m1", "s1")),
        Verdict::Duplicate
    );
    assert!(archive.handle_response(&q, &fin(true, "s1")));
    archive.start(Instant(0));
    assert_eq!(asked(&mut archive).1, "s1");
}

#[test]
fn no_archive_or_no_archive_ids_means_no_catch_up_and_a_lost_answer_is_asked_again() {
    // The server refuses the query: it keeps no archive for us.
    let mut archive = Archive::new(account());
    archive.start(Instant(0));
    let q = asked_newest(&mut archive);
    let refused = IqOutcome::Error(crate::proto::rfc6120::StanzaError::new(
        crate::proto::rfc6120::ErrorType::Cancel,
        crate::proto::rfc6120::DefinedCondition::FeatureNotImplemented,
        "",
        "no archive",
    ));
    assert!(archive.handle_response(&q, &refused));
    assert!(!archive.take_gap(), "nothing lost yet");
    archive.start(Instant(0));
    assert!(archive.poll_request(true).is_none());
    // A stream was lost, and nothing can say what it missed: a gap.
    assert!(archive.take_gap());
    assert!(!archive.take_gap(), "told once");

    // The answer is lost with its stream: the next stream asks again (no gap).
    let mut archive = Archive::new(account());
    archive.start(Instant(0));
    let q = asked_newest(&mut archive);
    assert!(archive.handle_response(&q, &IqOutcome::Disconnected));
    archive.start(Instant(0));
    asked_newest(&mut archive);
    assert!(!archive.take_gap());

    // An empty archive, then chat without archive ids: replaying the archive's start
    // would repeat what arrived live.
    let mut archive = Archive::new(account());
    archive.start(Instant(0));
    let q = asked_newest(&mut archive);
    assert!(archive.handle_response(&q, &empty_fin()));
    let plain = message("<message xmlns='jabber:client' from='juliet@example.com' type='chat' id='m1'><body>hi</body></message>");
    assert_eq!(archive.handle_message(&plain), Verdict::Live);
    archive.start(Instant(0));
    assert!(archive.poll_request(true).is_none());
    assert!(archive.take_gap());
}

#[test]
fn a_new_stream_replays_what_was_archived_after_the_newest_delivered_once() {
    let mut archive = Archive::new(account());
    assert_eq!(archive.handle_message(&live("m1", "s1")), Verdict::Live);
    assert_eq!(archive.handle_message(&live("m2", "s2")), Verdict::Live);
    assert_eq!(
        archive.handle_message(&live("m2", "s2")),
        Verdict::Duplicate
    );

    // The stream is lost for good; the new one asks after s2.
    archive.start(Instant(0));
    let (q, after) = asked(&mut archive);
    assert_eq!(after, "s2");
    // m4 arrives live on the new stream while the archive replays m3 and m4.
    assert_eq!(archive.handle_message(&live("m4", "s4")), Verdict::Live);
    let Verdict::Replayed(m3) =
        archive.handle_message(&replayed("user@example.org", &q, "m3", "s3"))
    else {
        panic!("m3 is replayed")
    };
    assert_eq!(m3.id.as_deref(), Some("m3"));
    assert_eq!(
        archive.handle_message(&replayed("user@example.org", &q, "m4", "s4")),
        Verdict::Duplicate
    );
    assert!(archive.handle_response(&q, &fin(true, "s4")));
    assert!(archive.poll_request(true).is_none(), "complete");
    // And m3 is not delivered live again either.
    assert_eq!(
        archive.handle_message(&live("m3", "s3")),
        Verdict::Duplicate
    );
}

#[test]
fn an_incomplete_answer_pages_on_and_stops_at_a_bound() {
    let mut archive = Archive::new(account());
    archive.handle_message(&live("m1", "s1"));
    archive.start(Instant(0));
    let (q, _) = asked(&mut archive);
    assert!(archive.handle_response(&q, &fin(false, "s100")));
    let (q, after) = asked(&mut archive);
    assert_eq!(after, "s100");
    let mut pages = 2;
    let mut q = q;
    while archive.handle_response(&q, &fin(false, &format!("s{pages}00"))) {
        let Some(iq) = archive.poll_request(true) else {
            break;
        };
        assert!(!archive.take_gap(), "no gap while it pages on");
        q = iq.id().to_owned();
        pages += 1;
    }
    assert_eq!(pages, MAX_PAGES, "bounded");
    // What is past the bound is a gap the person is told of.
    assert!(archive.take_gap());
}

#[test]
fn results_from_anyone_but_our_archive_or_for_another_query_are_ignored() {
    let mut archive = Archive::new(account());
    archive.handle_message(&live("m1", "s1"));
    // No query running: a result is nobody's.
    assert_eq!(
        archive.handle_message(&replayed("user@example.org", "mam-1", "m2", "s2")),
        Verdict::Ignored
    );
    archive.start(Instant(0));
    let (q, _) = asked(&mut archive);
    for from in [
        "juliet@example.com",
        "user@example.org/other",
        "example.org",
    ] {
        assert_eq!(
            archive.handle_message(&replayed(from, &q, "m2", "s2")),
            Verdict::Ignored,
            "{from}"
        );
    }
    assert_eq!(
        archive.handle_message(&replayed("user@example.org", "other", "m2", "s2")),
        Verdict::Ignored
    );
    // A live message claiming another archive's id is not ours to count.
    let foreign = message(
        "<message xmlns='jabber:client' from='juliet@example.com' type='chat' id='m9'><body>x</body>\
         <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id='s2'/></message>",
    );
    assert_eq!(archive.handle_message(&foreign), Verdict::Live);
    assert!(matches!(
        archive.handle_message(&replayed("user@example.org", &q, "m2", "s2")),
        Verdict::Replayed(_)
    ));
}

#[test]
fn a_catch_up_lost_ends_quietly_and_one_refused_is_a_gap() {
    let mut archive = Archive::new(account());
    archive.handle_message(&live("m1", "s1"));
    archive.start(Instant(0));
    let (q, _) = asked(&mut archive);
    assert!(archive.handle_response(&q, &IqOutcome::Disconnected));
    assert!(archive.poll_request(true).is_none());
    assert!(!archive.handle_response("roster-1", &IqOutcome::Disconnected));
    assert!(!archive.take_gap(), "the next stream asks again");

    archive.start(Instant(0));
    let (q, _) = asked(&mut archive);
    let refused = IqOutcome::Error(crate::proto::rfc6120::StanzaError::new(
        crate::proto::rfc6120::ErrorType::Wait,
        crate::proto::rfc6120::DefinedCondition::ResourceConstraint,
        "",
        "busy",
    ));
    assert!(archive.handle_response(&q, &refused));
    assert!(archive.poll_request(true).is_none());
    assert!(archive.take_gap());
}

#[test]
fn a_catch_up_is_asked_again_later_for_what_a_dead_session_still_held() {
    let mut archive = Archive::new(account());
    archive.handle_message(&live("m1", "s1"));
    archive.start(Instant(1_000));
    let (q, after) = asked(&mut archive);
    assert_eq!(after, "s1");
    assert!(archive.handle_response(&q, &empty_fin()));
    assert_eq!(archive.poll_timeout(), Some(Instant(16_000)));
    archive.handle_timeout(Instant(15_999));
    assert!(archive.poll_request(true).is_none(), "not yet");
    // Meanwhile m2 came live; ejabberd has now archived m1½, which the dead session
    // held: asked after the newest delivered, it is replayed once.
    archive.handle_message(&live("m2", "s2"));
    archive.handle_timeout(Instant(16_000));
    let (q, after) = asked(&mut archive);
    assert_eq!(after, "s2");
    assert!(matches!(
        archive.handle_message(&replayed("user@example.org", &q, "m3", "s3")),
        Verdict::Replayed(_)
    ));
    assert!(archive.handle_response(&q, &fin(true, "s3")));
    // The later times come too, then no more.
    assert_eq!(archive.poll_timeout(), Some(Instant(61_000)));
    archive.handle_timeout(Instant(200_000));
    let (_, after) = asked(&mut archive);
    assert_eq!(after, "s3");
    assert_eq!(archive.poll_timeout(), None);

    // The first stream's anchor is no catch-up: nothing to ask again.
    let mut archive = Archive::new(account());
    archive.start(Instant(0));
    asked_newest(&mut archive);
    assert_eq!(archive.poll_timeout(), None);
}
