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
    use kith::proto::{rfc6120, rfc6121, xep0030, xep0198, xep0313, xep0359, xep0363};
    let _ = rfc6120::Iq::try_from(el.clone());
    let _ = rfc6120::StanzaError::try_from(el.clone());
    let _ = rfc6121::Presence::try_from(el.clone());
    let _ = rfc6121::Message::try_from(el.clone());
    let _ = rfc6121::RosterQuery::try_from(el.clone());
    let _ = rfc6120::StreamFeatures::read(&el);
    let _ = rfc6120::read_stream_error(&el);
    let _ = rfc6120::SaslCondition::read_failure(&el);
    let _ = rfc6120::sasl_data(&el);
    let _ = rfc6120::read_bind(&el);
    let _ = xep0198::h(&el);
    let _ = xep0198::read_enabled(&el);
    let _ = xep0030::DiscoInfo::try_from(el.clone());
    let _ = xep0030::read_items(&el);
    let _ = xep0313::ArchivedMessage::read(&el);
    let _ = xep0359::read_stanza_id(&el);
    let _ = xep0363::read_slot(&el);
    let mut roster = kith::service::roster::Roster::default();
    let account = kith::proto::jid::BareJid::new("user@example.org").unwrap();
    let _ = roster.apply_push(&account, None, el.clone());
    let _ = roster.apply_result(Some(el.clone()));
    let _ = kith::xmpp::framing::to_frame(&Element::from(el));
});
