//! Session tests in the quinn-proto manner: a scripted server speaks literal XML frames,
//! time is virtual, and every frame and event is checked.

use crate::proto::jid::Jid;
use crate::proto::ns;
use crate::proto::rfc6120::SaslCondition;
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use minidom::Element;

use super::*;

use super::testing::*;

fn new_session() -> Session {
    Session::new(config())
}

fn drain_frames(s: &mut Session) -> Vec<Element> {
    std::iter::from_fn(|| s.poll_transmit())
        .map(|f| {
            f.parse::<Element>()
                .expect("we only send well-formed frames")
        })
        .collect()
}

fn drain_events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn online_session() -> Session {
    let mut s = new_session();
    s.handle_connected(Instant(0), NONCE);
    sign_in(|frame| {
        s.handle_frame(Instant(0), frame);
        drain_frames(&mut s)
    });
    assert_eq!(
        drain_events(&mut s),
        vec![Event::Online(BOUND.parse().unwrap())]
    );
    s
}

#[test]
fn handshake_runs_scram_sha1_then_binds() {
    let mut s = new_session();
    let t = Instant(0);
    s.handle_connected(t, NONCE);
    let open = drain_frames(&mut s);
    assert_eq!(open.len(), 1);
    assert!(open[0].is("open", ns::WEBSOCKET));
    assert_eq!(open[0].attr("to"), Some("example.org"));

    s.handle_frame(t, OPEN);
    s.handle_frame(t, SASL_FEATURES);
    let auth = drain_frames(&mut s);
    assert!(auth[0].is("auth", ns::SASL));
    assert_eq!(
        auth[0].attr("mechanism"),
        Some("SCRAM-SHA-1"),
        "PLAIN is never chosen"
    );
    assert_eq!(
        BASE64.decode(auth[0].text()).unwrap(),
        b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"
    );

    s.handle_frame(t, &sasl("challenge", SERVER_FIRST));
    let response = drain_frames(&mut s);
    assert!(response[0].is("response", ns::SASL));
    assert_eq!(
        BASE64.decode(response[0].text()).unwrap(),
        b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
    );

    s.handle_frame(t, &sasl("success", SERVER_FINAL));
    let reopen = drain_frames(&mut s);
    assert!(
        reopen[0].is("open", ns::WEBSOCKET),
        "stream restarts after SASL"
    );
    s.handle_frame(t, OPEN);
    s.handle_frame(t, BIND_FEATURES);
    let bind = drain_frames(&mut s);
    assert!(bind[0].is("iq", ns::DEFAULT_NS));
    assert!(bind[0].has_child("bind", ns::BIND));
    assert!(
        drain_events(&mut s).is_empty(),
        "not online before the bind result"
    );
    assert!(!s.is_online());
}

/// With `derive_elsewhere`, the challenge hands the PBKDF2 out and nothing is sent until
/// the driver answers; its salted password (or `None`: derive here) gives the response a
/// session that derives itself sends, and sign-in goes on as ever.
#[test]
fn the_salted_password_can_be_derived_by_the_driver() {
    let salted = {
        use sasl::common::scram::{ScramProvider, Sha1};
        let salt = BASE64.decode("QSXCR+Q6sek8bf92").unwrap();
        Sha1::derive(&sasl::common::Password::Plain("pencil".into()), &salt, 4096).unwrap()
    };
    for given in [Some(salted.as_slice()), None] {
        let mut config = config();
        config.derive_elsewhere = true;
        let mut s = Session::new(config);
        let t = Instant(0);
        s.handle_connected(t, NONCE);
        s.handle_frame(t, OPEN);
        s.handle_frame(t, SASL_FEATURES);
        drain_frames(&mut s);
        assert_eq!(
            s.poll_derivation(),
            None,
            "nothing to derive before the challenge"
        );
        s.handle_frame(t, &sasl("challenge", SERVER_FIRST));
        assert!(
            drain_frames(&mut s).is_empty(),
            "no response before the derivation"
        );
        let derivation = s.poll_derivation().expect("the derivation to run");
        assert_eq!(s.poll_derivation(), None, "handed out once");
        assert_eq!(
            (
                derivation.hash,
                derivation.password.as_str(),
                derivation.iterations,
                derivation.exchange.as_str()
            ),
            (ScramHash::Sha1, "pencil", 4096, NONCE)
        );
        // An answer for another exchange (an earlier socket's) is ignored.
        s.handle_salted_password(t, "an earlier nonce", Some(&[0; 20]));
        assert!(drain_frames(&mut s).is_empty());
        s.handle_salted_password(t, NONCE, given);
        let response = drain_frames(&mut s);
        assert!(response[0].is("response", ns::SASL));
        assert_eq!(
            BASE64.decode(response[0].text()).unwrap(),
            b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
        );
        // A second answer changes nothing.
        s.handle_salted_password(t, NONCE, given);
        assert!(drain_frames(&mut s).is_empty());
        for frame in [sasl("success", SERVER_FINAL).as_str(), OPEN, BIND_FEATURES] {
            s.handle_frame(t, frame);
        }
        let bind = drain_frames(&mut s);
        let id = bind.last().and_then(|b| b.attr("id")).unwrap();
        s.handle_frame(t, &format!("<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{BOUND}</jid></bind></iq>"));
        assert!(s.is_online());
        assert_eq!(s.scram_keys().unwrap().iterations, 4096);
    }
    // A new socket before the answer: the old exchange's derivation is forgotten.
    let mut config = config();
    config.derive_elsewhere = true;
    let mut s = Session::new(config);
    s.handle_connected(Instant(0), NONCE);
    for frame in [
        OPEN,
        SASL_FEATURES,
        sasl("challenge", SERVER_FIRST).as_str(),
    ] {
        s.handle_frame(Instant(0), frame);
    }
    s.handle_disconnected(Instant(1));
    s.handle_connected(Instant(2), "another-nonce");
    assert_eq!(s.poll_derivation(), None);
}

#[test]
fn full_handshake_goes_online() {
    let s = online_session();
    assert_eq!(s.bound_jid().unwrap().to_string(), "user@example.org/kith");
}

#[test]
fn after_sign_in_only_keys_are_kept_and_they_sign_in_again() {
    let s = online_session();
    let keys = s
        .scram_keys()
        .cloned()
        .expect("keys of the verified exchange");
    assert_eq!(keys.hash, ScramHash::Sha1);
    // A second session from the remembered keys alone, as after a reload.
    let mut again = Session::new(SessionConfig::with_secret(config().jid, Secret::Keys(keys)));
    again.handle_connected(Instant(0), NONCE);
    sign_in(|frame| {
        again.handle_frame(Instant(0), frame);
        drain_frames(&mut again)
    });
    assert!(matches!(
        drain_events(&mut again).as_slice(),
        [Event::Online(_)]
    ));
}

#[test]
fn remembered_keys_for_a_hash_the_server_dropped_ask_for_the_password() {
    let mut keys = online_session().scram_keys().cloned().unwrap();
    keys.hash = ScramHash::Sha256; // SASL_FEATURES offers SHA-1 only.
    let mut s = Session::new(SessionConfig::with_secret(config().jid, Secret::Keys(keys)));
    s.handle_connected(Instant(0), NONCE);
    s.handle_frame(Instant(0), OPEN);
    s.handle_frame(Instant(0), SASL_FEATURES);
    let events = drain_events(&mut s);
    assert_eq!(
        events,
        vec![Event::Closed(CloseReason::Scram(
            scram::ScramError::KeysOutdated
        ))]
    );
    let Event::Closed(reason) = &events[0] else {
        unreachable!()
    };
    assert!(reason.is_final());
    assert!(reason.describe().contains("Sign in with your password"));
}

#[test]
fn scram_sha256_is_preferred_over_sha1() {
    let mut s = new_session();
    s.handle_connected(Instant(0), NONCE);
    s.handle_frame(Instant(0), OPEN);
    s.handle_frame(Instant(0), "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>SCRAM-SHA-256</mechanism></mechanisms></stream:features>");
    let frames = drain_frames(&mut s);
    assert_eq!(
        frames.last().unwrap().attr("mechanism"),
        Some("SCRAM-SHA-256")
    );
}

#[test]
fn plain_only_server_is_refused() {
    let mut s = new_session();
    s.handle_connected(Instant(0), NONCE);
    s.handle_frame(Instant(0), OPEN);
    s.handle_frame(Instant(0), "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>");
    let frames = drain_frames(&mut s);
    assert!(
        frames.iter().all(|f| !f.is("auth", ns::SASL)),
        "no password leaves over PLAIN"
    );
    assert_eq!(
        drain_events(&mut s),
        vec![Event::Closed(CloseReason::NoUsableMechanism(vec![
            "PLAIN".into()
        ]))]
    );
}

#[test]
fn wrong_password_is_reported_in_words() {
    let mut s = new_session();
    s.handle_connected(Instant(0), NONCE);
    s.handle_frame(Instant(0), OPEN);
    s.handle_frame(Instant(0), SASL_FEATURES);
    s.handle_frame(
        Instant(0),
        "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>",
    );
    let events = drain_events(&mut s);
    assert_eq!(
        events,
        vec![Event::Closed(CloseReason::AuthFailed(
            SaslCondition::NotAuthorized
        ))]
    );
    let Event::Closed(reason) = &events[0] else {
        unreachable!()
    };
    assert_eq!(reason.describe(), "Wrong Jabber ID or password");
    assert!(s.is_closed());
}

#[test]
fn bad_server_signature_never_goes_online() {
    let mut s = new_session();
    s.handle_connected(Instant(0), NONCE);
    s.handle_frame(Instant(0), OPEN);
    s.handle_frame(Instant(0), SASL_FEATURES);
    s.handle_frame(Instant(0), &sasl("challenge", SERVER_FIRST));
    s.handle_frame(
        Instant(0),
        &sasl("success", "v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    );
    let frames = drain_frames(&mut s);
    assert!(frames.last().unwrap().is("close", ns::WEBSOCKET));
    assert!(frames
        .iter()
        .all(|f| !f.is("open", ns::WEBSOCKET) || f.attr("to").is_some()));
    assert_eq!(
        drain_events(&mut s),
        vec![Event::Closed(CloseReason::Scram(
            scram::ScramError::BadServerSignature
        ))]
    );
    // A bind offer after that must not bring the session back.
    s.handle_frame(Instant(0), OPEN);
    s.handle_frame(Instant(0), BIND_FEATURES);
    assert!(!s.is_online());
    assert!(drain_events(&mut s).is_empty());
}

#[test]
fn an_iteration_count_that_would_freeze_the_tab_ends_the_sign_in_with_a_sentence() {
    let mut s = new_session();
    s.handle_connected(Instant(0), NONCE);
    s.handle_frame(Instant(0), OPEN);
    s.handle_frame(Instant(0), SASL_FEATURES);
    drain_frames(&mut s);
    let server_first = SERVER_FIRST.replace("i=4096", "i=4294967295");
    s.handle_frame(Instant(0), &sasl("challenge", &server_first));
    let frames = drain_frames(&mut s);
    assert!(
        frames.iter().all(|f| !f.is("response", ns::SASL)),
        "no proof was computed: {frames:?}"
    );
    let events = drain_events(&mut s);
    let [Event::Closed(reason)] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(
        reason,
        &CloseReason::Scram(scram::ScramError::TooManyIterations(u32::MAX))
    );
    assert!(reason.is_final(), "no reconnection to do it again");
    assert_eq!(
        reason.describe(),
        "The server asks this device to hash your password 4,294,967,295 times, which would freeze the page; Kith allows at most 2,000,000, so it did not sign in"
    );
    assert_eq!(
        CloseReason::Scram(scram::ScramError::TooFewIterations(1)).describe(),
        "The server protects your password too weakly (hashing it once; Kith asks for at least 4,096 times), so Kith did not sign in"
    );
}

#[test]
fn stream_error_condition_is_described() {
    let mut s = online_session();
    s.handle_frame(
        Instant(5),
        "<stream:error xmlns:stream='http://etherx.jabber.org/streams'><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Too many logins</text></stream:error>",
    );
    let events = drain_events(&mut s);
    let Some(Event::Closed(reason)) = events.last() else {
        panic!("{events:?}")
    };
    assert_eq!(
        reason,
        &CloseReason::StreamError {
            condition: "policy-violation".into(),
            text: Some("Too many logins".into())
        }
    );
    assert_eq!(
        reason.describe(),
        "The server ended the session: policy violation (Too many logins)"
    );
    assert!(reason.is_final());
}

#[test]
fn server_shutdown_leads_to_a_reconnection() {
    let mut s = online_session();
    s.handle_frame(
        Instant(5),
        "<stream:error xmlns:stream='http://etherx.jabber.org/streams'><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
    );
    assert_eq!(drain_events(&mut s), vec![Event::Disconnected]);
    assert!(drain_frames(&mut s)[0].is("close", ns::WEBSOCKET));
    assert!(s.wants_socket_closed() && !s.is_closed());
    // The next socket signs in again.
    s.handle_connected(Instant(6), NONCE);
    assert!(drain_frames(&mut s)[0].is("open", ns::WEBSOCKET));
}

#[test]
fn iq_result_resolves_the_request() {
    let mut s = online_session();
    let id = ask_roster(&mut s, 10).unwrap();
    let sent = drain_frames(&mut s);
    assert_eq!(sent[0].attr("type"), Some("get"));
    assert!(sent[0].has_child("query", ns::ROSTER));
    s.handle_frame(
        Instant(20),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster'/></iq>"),
    );
    let events = drain_events(&mut s);
    assert!(
        matches!(&events[..], [Event::IqResponse { id: got, outcome: IqOutcome::Result(Some(_)) }] if *got == id)
    );
    assert_eq!(
        s.poll_timeout(),
        Some(Instant(30_020)),
        "only the keepalive is left to wait for"
    );
}

#[test]
fn an_iq_result_payload_arrives_whole_and_odd_results_are_left_to_the_strict_reader() {
    let payload = "<pubsub xmlns='http://jabber.org/protocol/pubsub'>\
        <items node='urn:xmpp:microblog:0'><item id='a'>\
        <entry xmlns='http://www.w3.org/2005/Atom'><title type='text'>Hi &amp; bye</title>\
        <content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>one <b>two</b></p></div></content>\
        </entry></item></items></pubsub>";
    let mut s = online_session();
    let ask = |s: &mut Session, at| ask_roster(s, at).unwrap();
    let id = ask(&mut s, 0);
    s.handle_frame(
        Instant(1),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}' from='user@example.org'>\n  {payload}\n</iq>"),
    );
    let expected: Element = payload.parse().unwrap();
    match &drain_events(&mut s)[..] {
        [Event::IqResponse {
            id: got,
            outcome: IqOutcome::Result(Some(p)),
        }] => {
            assert_eq!(*got, id);
            assert_eq!(p, &expected);
        }
        other => panic!("{other:?}"),
    }
    // A `from` that is no JID: the strict reader refuses it too, so the request stays open.
    let id = ask(&mut s, 2);
    s.handle_frame(
        Instant(3),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}' from='@@'><a xmlns='x'/></iq>"),
    );
    assert!(drain_events(&mut s).is_empty());
    // Two payloads: the strict reader decides, as before (it keeps the first).
    s.handle_frame(
        Instant(4),
        &format!(
            "<iq xmlns='jabber:client' type='result' id='{id}'><a xmlns='x'/><b xmlns='x'/></iq>"
        ),
    );
    match &drain_events(&mut s)[..] {
        [Event::IqResponse {
            outcome: IqOutcome::Result(Some(p)),
            ..
        }] => assert!(p.is("a", "x")),
        other => panic!("{other:?}"),
    }
    let id = ask(&mut s, 5);
    s.handle_frame(
        Instant(6),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'/>"),
    );
    assert!(matches!(
        &drain_events(&mut s)[..],
        [Event::IqResponse {
            outcome: IqOutcome::Result(None),
            ..
        }]
    ));
}

#[test]
fn spoofed_iq_result_is_ignored() {
    let mut s = online_session();
    let id = ask_roster(&mut s, 0).unwrap();
    s.handle_frame(
        Instant(1),
        &format!(
            "<iq xmlns='jabber:client' type='result' from='mallory@evil.example/x' id='{id}'/>"
        ),
    );
    assert!(drain_events(&mut s).is_empty());
    // The real answer, from our own bare JID, still resolves it.
    s.handle_frame(
        Instant(2),
        &format!("<iq xmlns='jabber:client' type='result' from='user@example.org' id='{id}'/>"),
    );
    assert_eq!(drain_events(&mut s).len(), 1);
}

#[test]
fn iq_to_a_contact_must_be_answered_by_that_contact() {
    let mut s = online_session();
    let to: Jid = "juliet@example.com".parse().unwrap();
    let id = s
        .send_iq_get(Instant(0), Some(to), crate::proto::xep0030::info_query())
        .unwrap();
    s.handle_frame(
        Instant(1),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'/>"),
    );
    assert!(
        drain_events(&mut s).is_empty(),
        "no from is not the contact"
    );
    s.handle_frame(
        Instant(1),
        &format!("<iq xmlns='jabber:client' type='result' from='juliet@example.com' id='{id}'/>"),
    );
    assert_eq!(drain_events(&mut s).len(), 1);
}

#[test]
fn unanswered_iq_times_out_once() {
    let mut s = online_session();
    let id = ask_roster(&mut s, 1_000).unwrap();
    // (The keepalive ping falls due first, at 30 000; it yields a frame, not an event.)
    s.handle_timeout(Instant(30_999));
    assert!(drain_events(&mut s).is_empty());
    s.handle_timeout(Instant(31_000));
    assert_eq!(
        drain_events(&mut s),
        vec![Event::IqResponse {
            id: id.clone(),
            outcome: IqOutcome::Timeout
        }]
    );
    // A late answer finds nothing waiting.
    s.handle_frame(
        Instant(40_000),
        &format!("<iq xmlns='jabber:client' type='result' id='{id}'/>"),
    );
    assert!(drain_events(&mut s).is_empty());
}

#[test]
fn connection_loss_without_resumption_resolves_pending_iqs() {
    let mut s = online_session();
    let id = ask_roster(&mut s, 0).unwrap();
    s.handle_disconnected(Instant(5));
    assert_eq!(
        drain_events(&mut s),
        vec![
            Event::IqResponse {
                id,
                outcome: IqOutcome::Disconnected
            },
            Event::Disconnected
        ]
    );
    s.handle_disconnected(Instant(6));
    assert!(drain_events(&mut s).is_empty(), "reported once");
    assert!(!s.is_closed(), "the session waits for a new socket");
    assert_eq!(ask_roster(&mut s, 7), Err(session::NotOnline));
}

#[test]
fn close_sends_framing_close_and_waits_for_the_server() {
    let mut s = online_session();
    s.close(Instant(0));
    let frames = drain_frames(&mut s);
    assert!(frames[0].is("close", ns::WEBSOCKET));
    assert!(drain_events(&mut s).is_empty());
    s.handle_frame(
        Instant(1),
        "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
    );
    assert_eq!(
        drain_events(&mut s),
        vec![Event::Closed(CloseReason::Requested)]
    );
}

#[test]
fn a_server_close_may_name_the_next_endpoint_once() {
    let mut s = online_session();
    s.handle_frame(
        Instant(1),
        "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='wss://node2.example.org/ws'/>",
    );
    assert!(drain_frames(&mut s)[0].is("close", ns::WEBSOCKET));
    assert_eq!(drain_events(&mut s), vec![Event::Disconnected]);
    assert!(s.wants_socket_closed());
    assert_eq!(
        s.poll_redirect().as_deref(),
        Some("wss://node2.example.org/ws")
    );
    assert_eq!(s.poll_redirect(), None, "for the next connection only");
}

#[test]
fn server_close_is_answered() {
    let mut s = online_session();
    s.handle_frame(
        Instant(1),
        "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
    );
    assert!(drain_frames(&mut s)[0].is("close", ns::WEBSOCKET));
    assert_eq!(
        drain_events(&mut s),
        vec![Event::Disconnected],
        "then reconnect"
    );
    assert!(s.wants_socket_closed());
}

#[test]
fn inbound_stanzas_become_events() {
    let mut s = online_session();
    s.handle_frame(Instant(1), "<presence xmlns='jabber:client' from='juliet@example.com/balcony'><show>away</show></presence>");
    s.handle_frame(Instant(1), "<iq xmlns='jabber:client' type='get' id='p1' from='example.org'><ping xmlns='urn:xmpp:ping'/></iq>");
    s.handle_frame(Instant(1), "<message xmlns='jabber:client' from='juliet@example.com/balcony'><body>hi</body></message>");
    s.handle_frame(Instant(1), "<unknown xmlns='urn:example:whatever'/>");
    let events = drain_events(&mut s);
    assert!(matches!(events[0], Event::Presence(_)));
    assert!(matches!(events[1], Event::IqRequest(_)));
    assert!(matches!(events[2], Event::Message(_)));
    assert_eq!(events.len(), 3, "unknown elements are ignored");
    assert!(s.is_online());
}

#[test]
fn malformed_xml_drops_the_stream_for_a_new_one() {
    let mut s = online_session();
    s.handle_frame(Instant(1), "<presence xmlns='jabber:client'");
    assert_eq!(drain_events(&mut s), vec![Event::Disconnected]);
    let out = drain_frames(&mut s);
    assert!(
        out[0].is("error", ns::STREAM) && out[0].has_child("not-well-formed", ns::XMPP_STREAMS)
    );
    assert!(out[1].is("close", ns::WEBSOCKET));
}

/// An iq result of `bytes` bytes at least, as the server relays it.
fn oversized_result(id: &str, from: &str, bytes: usize) -> String {
    format!(
        "<iq xmlns='jabber:client' type='result' id='{id}' from='{from}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:microblog:0'><item id='a'><big xmlns='urn:example'>{}</big></item></items></pubsub></iq>",
        "a".repeat(bytes)
    )
}

#[test]
fn an_oversized_answer_resolves_its_iq_as_too_large_and_the_stream_stays() {
    let mut s = online_session();
    let to: Jid = "juliet@example.com".parse().unwrap();
    let id = s
        .send_iq_get(Instant(0), Some(to), crate::proto::xep0030::info_query())
        .unwrap();
    drain_frames(&mut s);
    let big = |from: &str| oversized_result(&id, from, framing::DEFAULT_MAX_FRAME_BYTES);
    // A stranger's oversized "answer" neither resolves the request nor cuts the stream.
    s.handle_frame(Instant(1), &big("mallory@evil.example/x"));
    assert!(drain_events(&mut s).is_empty());
    assert!(drain_frames(&mut s).is_empty(), "no stream error, no close");
    s.handle_frame(Instant(2), &big("juliet@example.com"));
    assert_eq!(
        drain_events(&mut s),
        vec![Event::IqResponse {
            id: id.clone(),
            outcome: IqOutcome::TooLarge
        }],
        "the caller hears at once, not after a timeout"
    );
    assert!(drain_frames(&mut s).is_empty());
    assert!(s.is_online() && !s.wants_socket_closed());
    // A second copy finds nothing waiting.
    s.handle_frame(Instant(3), &big("juliet@example.com"));
    assert!(drain_events(&mut s).is_empty());
}

#[test]
fn an_oversized_error_resolves_too_and_requests_and_pushes_are_skipped() {
    let mut s = online_session();
    let id = ask_roster(&mut s, 0).unwrap();
    drain_frames(&mut s);
    let padding = "a".repeat(framing::DEFAULT_MAX_FRAME_BYTES);
    for skipped in [
        format!("<iq xmlns='jabber:client' type='get' id='{id}' from='user@example.org'><q xmlns='urn:example'>{padding}</q></iq>"),
        format!("<message xmlns='jabber:client' from='juliet@example.com/x'><body>{padding}</body></message>"),
        format!("<presence xmlns='jabber:client' from='juliet@example.com/x'><status>{padding}</status></presence>"),
    ] {
        s.handle_frame(Instant(1), &skipped);
        assert!(drain_events(&mut s).is_empty());
        assert!(s.is_online());
    }
    // The request is answered all the same (RFC 6120 §8.2.3), the others are not.
    let answers = drain_frames(&mut s);
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0].attr("type"), Some("error"));
    assert_eq!(answers[0].attr("id"), Some(id.as_str()));
    assert_eq!(answers[0].attr("to"), Some("user@example.org"));
    let error = answers[0].get_child("error", ns::DEFAULT_NS).unwrap();
    assert!(error.has_child("policy-violation", ns::XMPP_STANZAS));
    // Our own server's answer may leave `from` out; double quotes read as single ones.
    s.handle_frame(
        Instant(2),
        &format!("<iq xmlns=\"jabber:client\" id=\"{id}\" type=\"error\"><error type='modify'><q xmlns='urn:example'>{padding}</q></error></iq>"),
    );
    assert_eq!(
        drain_events(&mut s),
        vec![Event::IqResponse {
            id,
            outcome: IqOutcome::TooLarge
        }]
    );
    assert!(drain_frames(&mut s).is_empty());
}

#[test]
fn an_oversized_frame_before_sign_in_is_a_policy_violation() {
    let mut config = config();
    config.max_frame_bytes = 200;
    let mut s = Session::new(config);
    s.handle_connected(Instant(0), NONCE);
    s.handle_frame(Instant(0), OPEN);
    drain_frames(&mut s);
    s.handle_frame(
        Instant(0),
        &format!("<x xmlns='urn:example'>{}</x>", "a".repeat(300)),
    );
    let out = drain_frames(&mut s);
    assert!(
        out[0].has_child("policy-violation", ns::XMPP_STREAMS),
        "{out:?}"
    );
}

#[test]
fn bind_to_another_account_is_refused() {
    let mut s = new_session();
    let t = Instant(0);
    s.handle_connected(t, NONCE);
    for f in [OPEN, SASL_FEATURES] {
        s.handle_frame(t, f);
    }
    s.handle_frame(t, &sasl("challenge", SERVER_FIRST));
    s.handle_frame(t, &sasl("success", SERVER_FINAL));
    s.handle_frame(t, OPEN);
    s.handle_frame(t, BIND_FEATURES);
    let id = drain_frames(&mut s)
        .last()
        .unwrap()
        .attr("id")
        .unwrap()
        .to_owned();
    s.handle_frame(t, &format!("<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>other@example.org/x</jid></bind></iq>"));
    assert!(!s.is_online());
    assert_eq!(drain_events(&mut s), vec![Event::Disconnected]);
}

#[test]
fn silence_brings_a_keepalive_ping() {
    let mut s = online_session();
    assert_eq!(s.poll_timeout(), Some(Instant(30_000)));
    // Traffic pushes the ping back.
    s.handle_frame(
        Instant(20_000),
        "<presence xmlns='jabber:client' from='juliet@example.com/x'/>",
    );
    drain_events(&mut s);
    assert_eq!(s.poll_timeout(), Some(Instant(50_000)));
    s.handle_timeout(Instant(49_999));
    assert!(drain_frames(&mut s).is_empty());
    s.handle_timeout(Instant(50_000));
    let ping = drain_frames(&mut s);
    assert!(ping[0].is("iq", ns::DEFAULT_NS) && ping[0].has_child("ping", ns::PING));
    assert_eq!(ping[0].attr("to"), Some("example.org"));
    assert_eq!(
        s.poll_timeout(),
        Some(Instant(60_000)),
        "the ping's deadline"
    );
    // The answer (like any frame) proves the socket alive.
    let id = ping[0].attr("id").unwrap();
    s.handle_frame(
        Instant(50_010),
        &format!("<iq xmlns='jabber:client' type='result' from='example.org' id='{id}'/>"),
    );
    assert!(
        drain_events(&mut s).is_empty(),
        "the pong is ours, not the app's"
    );
    s.handle_timeout(Instant(60_000));
    assert!(s.is_online());
    assert_eq!(s.poll_timeout(), Some(Instant(80_010)));
}

#[test]
fn an_unanswered_ping_declares_the_socket_dead() {
    // A half-open socket: nothing arrives, nothing closes.
    let mut s = online_session();
    s.handle_timeout(Instant(30_000));
    drain_frames(&mut s);
    s.handle_timeout(Instant(40_000));
    assert_eq!(drain_events(&mut s), vec![Event::Disconnected]);
    assert!(s.wants_socket_closed());
    assert!(!s.is_online());
    assert_eq!(s.poll_timeout(), None, "no keepalive between sockets");
}

#[test]
fn client_state_follows_the_tab_where_the_server_supports_it() {
    let mut s = new_session();
    s.handle_connected(Instant(0), NONCE);
    s.set_active(false); // hidden before we were even online
    sign_in_offering(BIND_CSI_FEATURES, |f| {
        s.handle_frame(Instant(0), f);
        drain_frames(&mut s)
    });
    // After binding we said so (the last frame the sign-in produced went by already):
    s.set_active(true);
    let active = drain_frames(&mut s);
    assert!(active[0].is("active", ns::CSI));
    s.set_active(true);
    assert!(drain_frames(&mut s).is_empty(), "no repeat for no change");
    s.set_active(false);
    assert!(drain_frames(&mut s)[0].is("inactive", ns::CSI));

    // A server without CSI hears nothing of it.
    let mut plain = online_session();
    plain.set_active(false);
    assert!(drain_frames(&mut plain).is_empty());
}

#[test]
fn a_hidden_tab_says_inactive_on_its_new_stream() {
    let mut s = new_session();
    s.handle_connected(Instant(0), NONCE);
    s.set_active(false);
    let mut last = vec![];
    sign_in_offering(BIND_CSI_FEATURES, |f| {
        s.handle_frame(Instant(0), f);
        last = drain_frames(&mut s);
        last.clone()
    });
    assert!(last.iter().any(|f| f.is("inactive", ns::CSI)), "{last:?}");
}
