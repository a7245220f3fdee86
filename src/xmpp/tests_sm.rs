//! XEP-0198 in the session, one test per rule, with a scripted server and virtual time.

use crate::proto::date::DateTime;
use crate::proto::jid::Jid;
use crate::proto::ns;
use crate::proto::rfc6121::Message;
use minidom::Element;

use super::testing::*;
use super::*;

fn frames(s: &mut Session) -> Vec<Element> {
    std::iter::from_fn(|| s.poll_transmit())
        .map(|f| f.parse::<Element>().unwrap())
        .collect()
}

fn events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn sm(name: &str, attrs: &str) -> String {
    format!("<{name} xmlns='urn:xmpp:sm:3' {attrs}/>")
}

fn message(id: &str) -> Message {
    let mut m = Message::new(Some(Jid::new("juliet@example.com").unwrap()));
    m.id = Some(id.to_owned());
    m
}

fn is_sm(el: &Element, name: &str) -> bool {
    el.is(name, ns::SM)
}

/// Online with stream management enabled and resumable as `sm-1`.
fn managed() -> Session {
    let mut s = Session::new(config());
    s.handle_connected(Instant(0), NONCE);
    let mut after_bind = vec![];
    sign_in_offering(BIND_SM_FEATURES, |f| {
        s.handle_frame(Instant(0), f);
        after_bind = frames(&mut s);
        after_bind.clone()
    });
    assert!(is_sm(&after_bind[0], "enable"), "{after_bind:?}");
    assert_eq!(after_bind[0].attr("resume"), Some("true"));
    s.handle_frame(Instant(0), &sm("enabled", "id='sm-1' resume='true'"));
    assert_eq!(events(&mut s), vec![Event::Online(BOUND.parse().unwrap())]);
    assert!(s.resumable());
    s
}

/// Sends `n` messages m0..m{n-1}; returns the frames that went out.
fn send_messages(s: &mut Session, from: usize, n: usize) -> Vec<Element> {
    for i in from..from + n {
        s.send_stanza(Instant(1_000 + i as u64), message(&format!("m{i}")))
            .unwrap();
    }
    frames(s)
}

#[test]
fn no_enable_when_the_server_has_no_stream_management() {
    let mut s = Session::new(config());
    s.handle_connected(Instant(0), NONCE);
    let mut after_bind = vec![];
    sign_in(|f| {
        s.handle_frame(Instant(0), f);
        after_bind = frames(&mut s);
        after_bind.clone()
    });
    assert!(after_bind.iter().all(|f| !f.has_ns(ns::SM)));
    s.send_stanza(Instant(1), message("x")).unwrap();
    assert!(
        frames(&mut s).iter().all(|f| !f.has_ns(ns::SM)),
        "no <r/> without SM"
    );
}

#[test]
fn r_is_answered_at_once_with_the_inbound_count() {
    let mut s = managed();
    s.handle_frame(Instant(1), &sm("r", ""));
    let a = frames(&mut s);
    assert!(is_sm(&a[0], "a") && a[0].attr("h") == Some("0"));
    // Only message, presence and iq count; nonzas and unknown elements do not.
    s.handle_frame(
        Instant(2),
        "<message xmlns='jabber:client' from='juliet@example.com/x'><body>1</body></message>",
    );
    s.handle_frame(
        Instant(2),
        "<presence xmlns='jabber:client' from='juliet@example.com/x'/>",
    );
    s.handle_frame(
        Instant(2),
        "<iq xmlns='jabber:client' type='result' id='nobody'/>",
    );
    s.handle_frame(Instant(2), "<unknown xmlns='urn:example'/>");
    s.handle_frame(Instant(2), &sm("a", "h='0'"));
    s.handle_frame(Instant(3), &sm("r", ""));
    let a = frames(&mut s);
    assert_eq!(a.last().unwrap().attr("h"), Some("3"));
}

#[test]
fn acks_are_requested_once_per_batch() {
    let mut s = managed();
    let out = send_messages(&mut s, 0, 3);
    assert_eq!(out.len(), 4);
    assert!(out[..3].iter().all(|f| f.is("message", ns::DEFAULT_NS)));
    assert!(is_sm(&out[3], "r"), "one <r/> after the batch");
    assert!(frames(&mut s).is_empty());
    s.handle_frame(Instant(2), &sm("a", "h='3'"));
    assert!(
        frames(&mut s).is_empty(),
        "nothing left to confirm, nothing asked"
    );
}

#[test]
fn one_ack_request_is_out_at_a_time() {
    let mut s = managed();
    let out = send_messages(&mut s, 0, 1);
    assert!(is_sm(&out[1], "r"));
    // A second batch before the <a/>: no second <r/> (a sync sends one request per
    // answer; each <r/> costs the server an <a/>).
    let out = send_messages(&mut s, 1, 1);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].is("message", ns::DEFAULT_NS));
    // The <a/> covers the first; the second is asked about now.
    s.handle_frame(Instant(2), &sm("a", "h='1'"));
    let out = frames(&mut s);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(is_sm(&out[0], "r"));
    s.handle_frame(Instant(3), &sm("a", "h='2'"));
    assert!(frames(&mut s).is_empty());
    // An <r/> lost with its socket does not stop the asking: <resumed/> answers it.
    send_messages(&mut s, 2, 1);
    s.handle_disconnected(Instant(4));
    s.handle_connected(Instant(5), NONCE);
    authenticate(BIND_SM_FEATURES, |f| {
        s.handle_frame(Instant(5), f);
        frames(&mut s)
    });
    s.handle_frame(Instant(6), &sm("resumed", "previd='sm-1' h='3'"));
    frames(&mut s);
    let out = send_messages(&mut s, 3, 1);
    assert!(is_sm(out.last().unwrap(), "r"), "{out:?}");
}

#[test]
fn over_ack_is_a_protocol_error() {
    let mut s = managed();
    send_messages(&mut s, 0, 2);
    s.handle_frame(Instant(2), &sm("a", "h='5'"));
    // The stream cannot be trusted: it is dropped, not resumed, and nothing is lost —
    // both messages go again on the next stream.
    assert_eq!(events(&mut s), vec![Event::Disconnected]);
    assert!(!s.resumable());
    s.handle_connected(Instant(3), NONCE);
    sign_in_offering(BIND_SM_FEATURES, |f| {
        s.handle_frame(Instant(3), f);
        frames(&mut s)
    });
    assert_eq!(
        events(&mut s).last(),
        Some(&Event::Resent(vec!["m0".into(), "m1".into()]))
    );
}

#[test]
fn final_ack_before_close() {
    let mut s = managed();
    s.handle_frame(
        Instant(1),
        "<message xmlns='jabber:client' from='juliet@example.com/x'><body>1</body></message>",
    );
    events(&mut s);
    s.close(Instant(2));
    let out = frames(&mut s);
    let n = out.len();
    assert!(is_sm(&out[n - 2], "a") && out[n - 2].attr("h") == Some("1"));
    assert!(out[n - 1].is("close", ns::WEBSOCKET));
}

#[test]
fn resume_after_transport_loss_resends_only_the_unacked() {
    let mut s = managed();
    send_messages(&mut s, 0, 4);
    s.handle_frame(Instant(2), &sm("a", "h='1'"));
    s.handle_frame(
        Instant(2),
        "<message xmlns='jabber:client' from='juliet@example.com/x'><body>in</body></message>",
    );
    events(&mut s);
    s.handle_disconnected(Instant(3));
    assert_eq!(events(&mut s), vec![Event::Disconnected]);

    s.handle_connected(Instant(4), NONCE);
    let sent = authenticate(BIND_SM_FEATURES, |f| {
        s.handle_frame(Instant(4), f);
        frames(&mut s)
    });
    // No bind: a resume naming the old stream and what we handled from it.
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(is_sm(&sent[0], "resume"));
    assert_eq!(sent[0].attr("previd"), Some("sm-1"));
    assert_eq!(sent[0].attr("h"), Some("1"));

    s.handle_frame(Instant(5), &sm("resumed", "previd='sm-1' h='2'"));
    // The server had handled one more of ours: the outbox learns which.
    assert_eq!(
        events(&mut s),
        vec![Event::Acked(vec!["m1".into()]), Event::Resumed]
    );
    let again: Vec<_> = frames(&mut s)
        .into_iter()
        .filter(|f| f.is("message", ns::DEFAULT_NS))
        .map(|f| f.attr("id").unwrap().to_owned())
        .collect();
    assert_eq!(
        again,
        vec!["m2", "m3"],
        "m0, m1 were handled; m2, m3 go again, in order"
    );
    assert!(s.is_online());
    // The resent ones are still counted: h=4 covers them.
    s.handle_frame(Instant(6), &sm("a", "h='4'"));
    assert_eq!(
        events(&mut s),
        vec![Event::Acked(vec!["m2".into(), "m3".into()])]
    );
}

#[test]
fn pending_iq_survives_a_resumption() {
    let mut s = managed();
    let id = ask_roster(&mut s, 1).unwrap();
    frames(&mut s);
    s.handle_disconnected(Instant(2));
    assert_eq!(
        events(&mut s),
        vec![Event::Disconnected],
        "no iq outcome yet"
    );
    s.handle_connected(Instant(3), NONCE);
    authenticate(BIND_SM_FEATURES, |f| {
        s.handle_frame(Instant(3), f);
        frames(&mut s)
    });
    s.handle_frame(Instant(4), &sm("resumed", "previd='sm-1' h='0'"));
    s.handle_frame(
        Instant(4),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'/>"),
    );
    let ev = events(&mut s);
    assert!(
        matches!(&ev[1], Event::IqResponse { id: got, outcome: IqOutcome::Result(None) } if *got == id)
    );
}

fn failed_resume(failed: &str) -> (Session, Vec<Element>, Vec<Event>) {
    let mut s = managed();
    send_messages(&mut s, 0, 3);
    s.send_stanza(
        Instant(1_500),
        crate::proto::rfc6121::Presence::new(crate::proto::rfc6121::PresenceType::None),
    )
    .unwrap();
    frames(&mut s);
    s.handle_disconnected(Instant(2_000));
    events(&mut s);
    s.handle_connected(Instant(3_000), NONCE);
    let sent = authenticate(BIND_SM_FEATURES, |f| {
        s.handle_frame(Instant(3_000), f);
        frames(&mut s)
    });
    assert!(is_sm(&sent[0], "resume"));
    s.handle_frame(Instant(3_000), failed);
    let bind = frames(&mut s);
    assert!(
        bind[0].has_child("bind", ns::BIND),
        "a fresh bind after <failed/>"
    );
    let id = bind[0].attr("id").unwrap().to_owned();
    s.handle_frame(
        Instant(3_000),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{BOUND}2</jid></bind></iq>"),
    );
    let out = frames(&mut s);
    let ev = events(&mut s);
    (s, out, ev)
}

#[test]
fn failed_resume_without_h_binds_enables_and_resends_with_delay() {
    let (s, out, ev) = failed_resume(&sm("failed", ""));
    assert!(
        is_sm(&out[0], "enable"),
        "stream management again on the new stream"
    );
    let resent: Vec<&Element> = out
        .iter()
        .filter(|f| f.is("message", ns::DEFAULT_NS))
        .collect();
    assert_eq!(resent.len(), 3);
    for (i, m) in resent.iter().enumerate() {
        assert_eq!(m.attr("id"), Some(format!("m{i}").as_str()));
        let delay = m.get_child("delay", ns::DELAY).expect("a XEP-0203 stamp");
        let stamp: DateTime = delay.attr("stamp").unwrap().parse().unwrap();
        let first_sent: DateTime = Instant(1_000 + i as u64).to_xep0082().parse().unwrap();
        assert_eq!(stamp, first_sent, "stamped with when it was first sent");
    }
    assert!(
        out.iter().all(|f| !f.is("presence", ns::DEFAULT_NS)),
        "old presence is not repeated"
    );
    assert_eq!(
        ev,
        vec![
            Event::Online(format!("{BOUND}2").parse().unwrap()),
            Event::Resent(vec!["m0".into(), "m1".into(), "m2".into()])
        ]
    );
    assert!(
        !s.resumable(),
        "the stale id is gone until <enabled/> says otherwise"
    );
}

#[test]
fn failed_resume_with_h_resends_only_what_the_server_missed() {
    let (_, out, ev) = failed_resume(&sm("failed", "h='2'"));
    let resent: Vec<_> = out
        .iter()
        .filter(|f| f.is("message", ns::DEFAULT_NS))
        .map(|f| f.attr("id").unwrap())
        .collect();
    assert_eq!(resent, vec!["m2"]);
    assert_eq!(ev.last(), Some(&Event::Resent(vec!["m2".into()])));
}

#[test]
fn a_stale_resumption_id_is_not_tried_twice() {
    let (mut s, _, _) = failed_resume(&sm("failed", ""));
    // The socket drops again before the new stream's <enabled/>.
    s.handle_disconnected(Instant(4_000));
    events(&mut s);
    s.handle_connected(Instant(5_000), NONCE);
    let sent = authenticate(BIND_SM_FEATURES, |f| {
        s.handle_frame(Instant(5_000), f);
        frames(&mut s)
    });
    assert!(
        sent[0].has_child("bind", ns::BIND),
        "binds instead of resuming sm-1: {sent:?}"
    );
}

#[test]
fn unacked_stanzas_survive_a_server_that_stopped_offering_stream_management() {
    let mut s = managed();
    send_messages(&mut s, 0, 2);
    s.handle_disconnected(Instant(2));
    events(&mut s);
    s.handle_connected(Instant(3), NONCE);
    // The restarted server has no XEP-0198 any more: bind, and resend what was unacked.
    let mut after_bind = vec![];
    sign_in(|f| {
        s.handle_frame(Instant(3), f);
        after_bind = frames(&mut s);
        after_bind.clone()
    });
    let resent: Vec<_> = after_bind
        .iter()
        .filter(|f| f.is("message", ns::DEFAULT_NS))
        .map(|f| f.attr("id").unwrap())
        .collect();
    assert_eq!(resent, vec!["m0", "m1"]);
    assert_eq!(
        events(&mut s).last(),
        Some(&Event::Resent(vec!["m0".into(), "m1".into()]))
    );
}

#[test]
fn a_stanza_nested_too_deep_is_counted_and_skipped_not_fatal() {
    // A stranger's hostile message must neither crash us nor cut the stream.
    let mut s = managed();
    let depth = crate::xmpp::framing::MAX_DEPTH + 10;
    let bomb = format!(
        "<message xmlns='jabber:client' from='mallory@evil.example/x'>{}{}</message>",
        "<x xmlns='urn:evil'>".repeat(depth),
        "</x>".repeat(depth)
    );
    s.handle_frame(Instant(5), &bomb);
    assert!(events(&mut s).is_empty());
    assert!(s.is_online());
    s.handle_frame(Instant(6), &sm("r", ""));
    let answer = frames(&mut s);
    assert!(is_sm(&answer[0], "a"));
    assert_eq!(answer[0].attr("h"), Some("1"), "the bomb counts as handled");
}

#[test]
fn an_oversized_stanza_is_counted_and_skipped_not_fatal() {
    let mut s = managed();
    let padding = "a".repeat(crate::xmpp::framing::DEFAULT_MAX_FRAME_BYTES);
    let post = format!(
        "<message xmlns='jabber:client' from='juliet@example.com'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:microblog:0'><item id='1'><x xmlns='urn:example'>{padding}</x></item></items></event></message>"
    );
    s.handle_frame(Instant(5), &post);
    assert!(events(&mut s).is_empty());
    assert!(frames(&mut s).is_empty(), "no stream error, no close");
    assert!(s.is_online());
    // An oversized frame that is no stanza is skipped too, but not counted: the server
    // counts only stanzas (XEP-0198 §4).
    s.handle_frame(
        Instant(6),
        &format!("<unknown xmlns='urn:example'>{padding}</unknown>"),
    );
    assert!(s.is_online());
    s.handle_frame(Instant(7), &sm("r", ""));
    let answer = frames(&mut s);
    assert!(is_sm(&answer[0], "a"));
    assert_eq!(
        answer[0].attr("h"),
        Some("1"),
        "the stanza counts as handled"
    );
}
