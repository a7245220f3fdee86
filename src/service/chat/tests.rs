//! The chat fold on literal stanzas: who may change what, repeats, order, restore.

use super::*;

const ME: &str = "user@example.org";
const BOB: &str = "bob@example.org";

fn chat() -> Chat {
    Chat::new(BareJid::new(ME).unwrap())
}

fn bob() -> BareJid {
    BareJid::new(BOB).unwrap()
}

fn msg(xml: &str) -> Message {
    let el: Element = xml.parse().unwrap();
    Message::try_from(el).unwrap()
}

/// A message from Bob's phone with `payloads` (literal XML) and body `body`.
fn from_bob(id: &str, body: &str, payloads: &str) -> Message {
    msg(&format!(
        "<message xmlns='jabber:client' type='chat' from='{BOB}/phone' to='{ME}/kith' id='{id}'>\
         {body}{payloads}</message>",
        body = if body.is_empty() {
            String::new()
        } else {
            format!("<body>{body}</body>")
        }
    ))
}

/// A message the account sent from another device (as a carbon's or the archive's inside).
fn from_me(id: &str, body: &str, payloads: &str) -> Message {
    msg(&format!(
        "<message xmlns='jabber:client' type='chat' from='{ME}/laptop' to='{BOB}' id='{id}'>\
         {body}{payloads}</message>",
        body = if body.is_empty() {
            String::new()
        } else {
            format!("<body>{body}</body>")
        }
    ))
}

fn text(body: &str) -> Compose {
    Compose::Text {
        body: body.into(),
        reply: None,
        attachment: None,
    }
}

fn bodies(c: &Chat) -> Vec<(bool, String)> {
    c.conversation(&bob())
        .map(|c| {
            c.messages
                .iter()
                .map(|m| (m.outgoing, m.body.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn message<'a>(c: &'a Chat, id: &str) -> &'a ChatMessage {
    c.conversation(&bob()).unwrap().get(id).unwrap()
}

#[test]
fn a_message_each_way_lands_in_the_contacts_conversation() {
    let mut c = chat();
    let got = c.receive(1000.0, &from_bob("b1", "hi", ""), false, true);
    assert_eq!(got.peer, Some(bob()));
    assert!(got.new);
    c.compose(2000.0, "k1", &bob(), text("hello"));
    assert_eq!(
        bodies(&c),
        [(false, "hi".to_owned()), (true, "hello".to_owned())]
    );
    assert_eq!(c.poll_change(), Some(bob()));
    assert_eq!(
        c.poll_change(),
        None,
        "one change per conversation until polled"
    );
    let records = c.take_records();
    assert_eq!(records.len(), 2);
    assert_eq!(
        (records[0].id.as_str(), records[0].outgoing),
        ("<b1", false)
    );
    assert_eq!((records[1].id.as_str(), records[1].outgoing), (">k1", true));
}

#[test]
fn what_is_sent_carries_origin_id_receipt_request_and_marker() {
    let mut c = chat();
    let sent = c.compose(0.0, "k1", &bob(), text("hello"));
    let el = Element::from(sent);
    assert_eq!(el.attr("id"), Some("k1"));
    assert_eq!(el.attr("type"), Some("chat"));
    assert_eq!(el.attr("to"), Some(BOB));
    assert_eq!(
        el.get_child("origin-id", ns::SID)
            .and_then(|o| o.attr("id")),
        Some("k1")
    );
    assert!(el.has_child("request", ns::RECEIPTS));
    assert!(el.has_child("markable", ns::MARKERS));
    assert!(el.has_child("active", ns::CHATSTATES));
}

#[test]
fn a_repeat_by_origin_id_or_archive_id_is_one_message() {
    let mut c = chat();
    let sent = Element::from(c.compose(0.0, "k1", &bob(), text("hello")));
    // The archive's copy of our own message: same origin-id, with the archive id.
    let mut copy = msg(&String::from(&sent));
    copy.from = Some(Jid::new(&format!("{ME}/kith")).unwrap());
    copy.payloads.push(
        Element::builder("stanza-id", ns::SID)
            .a("by", ME)
            .a("id", "A1")
            .build(),
    );
    c.take_records();
    assert!(!c.receive(5.0, &copy, true, false).new);
    assert_eq!(bodies(&c).len(), 1);
    assert_eq!(message(&c, "k1").archive_id.as_deref(), Some("A1"));
    // A message known by its archive id alone, then again with another client id.
    let archived = "<stanza-id xmlns='urn:xmpp:sid:0' by='user@example.org' id='A2'/>";
    assert!(
        c.receive(6.0, &from_bob("b1", "yo", archived), false, false)
            .new
    );
    assert!(
        !c.receive(7.0, &from_bob("b1", "yo", archived), false, true)
            .new
    );
    assert!(
        !c.receive(7.0, &from_bob("b1-again", "yo", archived), false, true)
            .new
    );
    assert_eq!(bodies(&c).len(), 2);
    assert!(c.take_records().len() == 1, "repeats are not stored again");
}

#[test]
fn corrections_only_by_the_original_sender() {
    let mut c = chat();
    c.receive(1.0, &from_bob("b1", "helo", ""), false, true);
    c.compose(2.0, "k1", &bob(), text("hi bob"));
    let fix = |id: &str| format!("<replace xmlns='urn:xmpp:message-correct:0' id='{id}'/>");
    // Bob tries to rewrite what we said: refused.
    assert!(
        !c.receive(
            3.0,
            &from_bob("b2", "I owe Bob money", &fix("k1")),
            false,
            true
        )
        .new
    );
    assert_eq!(message(&c, "k1").body, "hi bob");
    // Bob corrects his own.
    assert!(
        c.receive(4.0, &from_bob("b3", "hello", &fix("b1")), false, true)
            .new
    );
    assert_eq!(message(&c, "b1").body, "hello");
    assert!(message(&c, "b1").edited);
    // Our other device corrects ours.
    c.receive(5.0, &from_me("k2", "hi, Bob", &fix("k1")), true, false);
    assert_eq!(message(&c, "k1").body, "hi, Bob");
    assert_eq!(bodies(&c).len(), 2, "a correction is not a new message");
}

#[test]
fn retractions_only_by_the_original_sender() {
    let mut c = chat();
    c.receive(1.0, &from_bob("b1", "oops", ""), false, true);
    c.compose(2.0, "k1", &bob(), text("mine"));
    let retract = |id: &str| format!("<retract xmlns='urn:xmpp:message-retract:1' id='{id}'/>");
    assert!(
        !c.receive(3.0, &from_bob("b2", "", &retract("k1")), false, true)
            .new
    );
    assert!(!message(&c, "k1").retracted);
    assert!(
        c.receive(4.0, &from_bob("b3", "", &retract("b1")), false, true)
            .new
    );
    assert!(message(&c, "b1").retracted);
    assert_eq!(message(&c, "b1").body, "");
    // Version 0.3's fastening, as older clients send it.
    c.compose(5.0, "k2", &bob(), text("two"));
    let old = "<apply-to xmlns='urn:xmpp:fasten:0' id='k2'><retract xmlns='urn:xmpp:message-retract:0'/></apply-to>";
    c.receive(6.0, &from_me("k3", "", old), true, false);
    assert!(message(&c, "k2").retracted);
    // Our own retraction, as composed.
    let sent = Element::from(c.compose(7.0, "k4", &bob(), Compose::Retract { id: "k1".into() }));
    assert!(message(&c, "k1").retracted);
    assert_eq!(
        sent.get_child("retract", ns::RETRACT)
            .and_then(|r| r.attr("id")),
        Some("k1")
    );
    assert!(
        sent.get_child("body", ns::DEFAULT_NS).is_some(),
        "a fallback body"
    );
}

#[test]
fn reactions_are_one_set_per_side() {
    let mut c = chat();
    c.receive(1.0, &from_bob("b1", "news", ""), false, true);
    let react = |emojis: &str| {
        format!("<reactions xmlns='urn:xmpp:reactions:0' id='b1'>{emojis}</reactions>")
    };
    c.receive(
        2.0,
        &from_bob(
            "r1",
            "",
            &react("<reaction>👍</reaction><reaction>👍</reaction><reaction>🎉</reaction>"),
        ),
        false,
        true,
    );
    c.compose(
        3.0,
        "r2",
        &bob(),
        Compose::React {
            id: "b1".into(),
            emojis: vec!["👍".into()],
        },
    );
    assert_eq!(
        message(&c, "b1").reaction_counts(),
        [("👍".to_owned(), 2, true), ("🎉".to_owned(), 1, false)]
    );
    // Bob's new set replaces his old one.
    c.receive(4.0, &from_bob("r3", "", &react("")), false, true);
    assert_eq!(
        message(&c, "b1").reaction_counts(),
        [("👍".to_owned(), 1, true)]
    );
}

#[test]
fn replies_strip_their_fallback_and_may_name_unknown_ids() {
    let mut c = chat();
    c.receive(1.0, &from_bob("b1", "lunch?", ""), false, true);
    let sent = Element::from(c.compose(
        2.0,
        "k1",
        &bob(),
        Compose::Text {
            body: "yes".into(),
            reply: Some("b1".into()),
            attachment: None,
        },
    ));
    assert_eq!(
        sent.get_child("body", ns::DEFAULT_NS).unwrap().text(),
        "> lunch?\nyes"
    );
    let reply = sent.get_child("reply", ns::REPLY).unwrap();
    assert_eq!(
        (reply.attr("to"), reply.attr("id")),
        (Some(BOB), Some("b1"))
    );
    let fallback = sent.get_child("fallback", ns::FALLBACK).unwrap();
    assert_eq!(fallback.attr("for"), Some(ns::REPLY));
    assert_eq!(message(&c, "k1").body, "yes");
    assert_eq!(message(&c, "k1").reply_to.as_deref(), Some("b1"));
    // A reply to something never seen keeps its text and its link.
    let payloads = "<reply xmlns='urn:xmpp:reply:0' id='nowhere'/>\
        <fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='5'/></fallback>";
    c.receive(3.0, &from_bob("b2", "&gt; ??\nok", payloads), false, true);
    assert_eq!(message(&c, "b2").body, "ok");
    assert_eq!(message(&c, "b2").reply_to.as_deref(), Some("nowhere"));
    // A range past the body is ignored rather than trusted.
    let bad = "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='99'/></fallback>";
    c.receive(4.0, &from_bob("b3", "short", bad), false, true);
    assert_eq!(message(&c, "b3").body, "short");
}

#[test]
fn receipts_and_markers_count_only_from_the_contact_about_our_messages() {
    let mut c = chat();
    for (i, id) in ["k1", "k2", "k3"].iter().enumerate() {
        c.compose(i as f64, id, &bob(), text(id));
    }
    c.receive(1.0, &from_bob("b1", "x", ""), false, true);
    let received = |id: &str| format!("<received xmlns='urn:xmpp:receipts' id='{id}'/>");
    // A receipt from our own other device says nothing about delivery to Bob.
    c.receive(5.0, &from_me("x1", "", &received("k1")), true, false);
    assert_eq!(message(&c, "k1").delivery, Delivery::Sent);
    // A receipt naming Bob's own message changes nothing.
    assert!(
        !c.receive(5.0, &from_bob("x2", "", &received("b1")), false, true)
            .new
    );
    c.receive(6.0, &from_bob("x3", "", &received("k1")), false, true);
    assert_eq!(message(&c, "k1").delivery, Delivery::Delivered);
    c.receive(
        7.0,
        &from_bob(
            "x4",
            "",
            "<displayed xmlns='urn:xmpp:chat-markers:0' id='k2'/>",
        ),
        false,
        true,
    );
    assert_eq!(message(&c, "k1").delivery, Delivery::Read);
    assert_eq!(message(&c, "k2").delivery, Delivery::Read);
    assert_eq!(
        message(&c, "k3").delivery,
        Delivery::Sent,
        "after the marker"
    );
}

#[test]
fn a_receipt_is_asked_for_only_on_a_live_new_message() {
    let mut c = chat();
    let asks = "<request xmlns='urn:xmpp:receipts'/>";
    assert_eq!(
        c.receive(1.0, &from_bob("b1", "hi", asks), false, true)
            .receipt_for
            .as_deref(),
        Some("b1")
    );
    assert_eq!(
        c.receive(1.0, &from_bob("b1", "hi", asks), false, true)
            .receipt_for,
        None
    );
    assert_eq!(
        c.receive(1.0, &from_bob("b2", "old", asks), false, false)
            .receipt_for,
        None
    );
}

#[test]
fn archive_replays_go_where_their_time_says() {
    let mut c = chat();
    c.receive(5_000.0, &from_bob("b2", "second", ""), false, true);
    let delayed = "<delay xmlns='urn:xmpp:delay' stamp='1970-01-01T00:00:01Z'/>";
    c.receive(9_000.0, &from_bob("b1", "first", delayed), false, false);
    assert_eq!(
        bodies(&c),
        [(false, "first".to_owned()), (false, "second".to_owned())]
    );
    assert_eq!(message(&c, "b1").time, 1_000.0);
}

#[test]
fn unread_typing_and_read_marks() {
    let mut c = chat();
    c.receive(
        1_000.0,
        &from_bob(
            "s",
            "",
            "<composing xmlns='http://jabber.org/protocol/chatstates'/>",
        ),
        false,
        true,
    );
    assert!(c.conversation(&bob()).unwrap().typing);
    c.receive(
        2_000.0,
        &from_bob("b1", "one", "<markable xmlns='urn:xmpp:chat-markers:0'/>"),
        false,
        true,
    );
    assert!(
        !c.conversation(&bob()).unwrap().typing,
        "a message ends typing"
    );
    c.receive(
        3_000.0,
        &from_bob("b2", "two", "<markable xmlns='urn:xmpp:chat-markers:0'/>"),
        false,
        true,
    );
    assert_eq!(c.conversation(&bob()).unwrap().unread(), 2);
    assert_eq!(c.mark_read(&bob()), Some((3_000.0, Some("b2".to_owned()))));
    assert_eq!(c.conversation(&bob()).unwrap().unread(), 0);
    assert_eq!(c.mark_read(&bob()), None, "nothing new to mark");
    assert!(
        c.take_records()
            .iter()
            .all(|r| !r.xml.contains("composing")),
        "chat states are not kept"
    );
}

#[test]
fn a_restore_folds_records_as_the_live_session_did() {
    let mut live = chat();
    live.receive(1_000.0, &from_bob("b1", "helo", ""), false, true);
    live.compose(2_000.0, "k1", &bob(), text("hi"));
    live.receive(
        3_000.0,
        &from_bob(
            "b2",
            "hello",
            "<replace xmlns='urn:xmpp:message-correct:0' id='b1'/>",
        ),
        false,
        true,
    );
    live.receive(
        4_000.0,
        &from_bob("x", "", "<received xmlns='urn:xmpp:receipts' id='k1'/>"),
        false,
        true,
    );
    let mut records = live.take_records();
    records.reverse(); // the store reads newest first
    let mut warm = chat();
    warm.restore(&bob(), &records, 1_000.0);
    assert_eq!(
        warm.conversation(&bob()).unwrap().messages,
        live.conversation(&bob()).unwrap().messages
    );
    assert_eq!(warm.conversation(&bob()).unwrap().read_until, 1_000.0);

    // Restored for the list (a few records), then deep for the open conversation: only
    // the deep one spares the next opening its read; folding again changes nothing.
    assert!(!warm.restored_deep(&bob()));
    warm.restore_deep(&bob(), &records, 0.0);
    assert!(warm.restored_deep(&bob()));
    assert_eq!(
        warm.conversation(&bob()).unwrap().messages,
        live.conversation(&bob()).unwrap().messages
    );
}

#[test]
fn groupchat_errors_and_notes_to_self_are_not_conversations() {
    let mut c = chat();
    let group = msg("<message xmlns='jabber:client' type='groupchat' from='room@muc.example.org/bob' id='g'><body>x</body></message>");
    assert_eq!(c.receive(1.0, &group, false, true), Received::default());
    let error = msg("<message xmlns='jabber:client' type='error' from='bob@example.org' id='e'><body>x</body></message>");
    assert_eq!(c.receive(1.0, &error, false, true), Received::default());
    let to_self = msg("<message xmlns='jabber:client' type='chat' from='user@example.org/laptop' to='user@example.org' id='n'><body>x</body></message>");
    assert_eq!(c.receive(1.0, &to_self, true, true), Received::default());
    assert!(c.conversations().is_empty());
}

#[test]
fn an_archived_message_stamped_in_the_second_of_a_live_one_comes_after_it() {
    let mut c = chat();
    c.receive(1_700.0, &from_bob("b1", "live", ""), false, true);
    let stamped = "<delay xmlns='urn:xmpp:delay' stamp='1970-01-01T00:00:01Z'/>";
    c.receive(
        9_000.0,
        &from_bob("b2", "archived later", stamped),
        false,
        false,
    );
    assert_eq!(
        bodies(&c),
        [
            (false, "live".to_owned()),
            (false, "archived later".to_owned())
        ]
    );
}

#[test]
fn a_message_repeated_another_way_is_new_only_once() {
    let mut c = chat();
    assert!(
        c.receive(1_000.0, &from_bob("b1", "hi", ""), false, true)
            .new
    );
    // The same message again, by its id (a carbon without an archive id, a resend).
    assert!(
        !c.receive(2_000.0, &from_bob("b1", "hi", ""), false, true)
            .new
    );
}
