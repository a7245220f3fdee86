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
    let iq = archive.poll_request().expect("a query");
    assert!(archive.poll_request().is_none());
    let Iq::Set { id, payload, .. } = iq else {
        panic!("{iq:?}")
    };
    assert!(payload.is("query", ns::MAM));
    assert_eq!(payload.attr("queryid"), Some(id.as_str()));
    let set = payload.get_child("set", ns::RSM).unwrap();
    assert_eq!(set.get_child("max", ns::RSM).unwrap().text(), "100");
    (id, set.get_child("after", ns::RSM).unwrap().text())
}

#[test]
fn nothing_is_asked_before_an_archived_message_was_delivered() {
    let mut archive = Archive::new(account());
    archive.start();
    assert!(archive.poll_request().is_none());
    // Messages without an archive id (a server without XEP-0359) change nothing.
    let plain = message("<message xmlns='jabber:client' from='juliet@example.com' type='chat' id='m1'><body>hi</body></message>");
    assert_eq!(archive.handle_message(&plain), Verdict::Live);
    archive.start();
    assert!(archive.poll_request().is_none());
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
    archive.start();
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
    assert!(archive.poll_request().is_none(), "complete");
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
    archive.start();
    let (q, _) = asked(&mut archive);
    assert!(archive.handle_response(&q, &fin(false, "s100")));
    let (q, after) = asked(&mut archive);
    assert_eq!(after, "s100");
    let mut pages = 2;
    let mut q = q;
    while archive.handle_response(&q, &fin(false, &format!("s{pages}00"))) {
        let Some(iq) = archive.poll_request() else {
            break;
        };
        q = iq.id().to_owned();
        pages += 1;
    }
    assert_eq!(pages, MAX_PAGES, "bounded");
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
    archive.start();
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
fn an_archive_that_refuses_ends_the_catch_up_quietly() {
    let mut archive = Archive::new(account());
    archive.handle_message(&live("m1", "s1"));
    archive.start();
    let (q, _) = asked(&mut archive);
    assert!(archive.handle_response(&q, &IqOutcome::Disconnected));
    assert!(archive.poll_request().is_none());
    assert!(!archive.handle_response("roster-1", &IqOutcome::Disconnected));
}
