//! Any bytes as one incoming frame: the frame parser, every stanza type the session and
//! services read, and host-meta must answer with a value, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minidom::Element;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = kith::proto::host_meta::HostMeta::from_xrd(text);
    let _ = kith::proto::host_meta::HostMeta::from_jrd(text);
    let _ = kith::config::AppConfig::from_json(text);
    let _ = kith::config::account_jid(text, Some("example.org"));
    let _ = kith::xmpp::framing::StartTag::read(text);
    let Ok(el) = kith::xmpp::framing::parse_frame(text, 1 << 20) else { return };
    let _ = xmpp_parsers::iq::Iq::try_from(el.clone());
    let _ = xmpp_parsers::presence::Presence::try_from(el.clone());
    let _ = xmpp_parsers::message::Message::try_from(el.clone());
    let _ = xmpp_parsers::stream_features::StreamFeatures::try_from(el.clone());
    let _ = xmpp_parsers::stream_error::StreamError::try_from(el.clone());
    let _ = xmpp_parsers::sm::A::try_from(el.clone());
    let mut roster = kith::service::roster::Roster::default();
    let account = xmpp_parsers::jid::BareJid::new("user@example.org").unwrap();
    let _ = roster.apply_push(&account, None, el.clone());
    let _ = roster.apply_result(Some(el.clone()));
    let _ = kith::xmpp::framing::to_frame(&Element::from(el));
});
