//! The server's side of a sign-in, as literal frames, shared by the native tests.

use crate::proto::jid::BareJid;
use minidom::Element;

use super::session::NotOnline;
use super::{Instant, Session, SessionConfig};

pub const OPEN: &str = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='example.org' id='s1' version='1.0' xml:lang='en'/>";
pub const SASL_FEATURES: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
pub const BIND_FEATURES: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";
/// Post-authentication features of a server with XEP-0352 (client state indication).
pub const BIND_CSI_FEATURES: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><csi xmlns='urn:xmpp:csi:0'/></stream:features>";
/// Post-authentication features of a server with XEP-0198.
pub const BIND_SM_FEATURES: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>";
// RFC 5802 §5: user "user", password "pencil".
pub const NONCE: &str = "fyko+d2lbbFgONRv9qkxdawL";
pub const SERVER_FIRST: &str =
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
pub const SERVER_FINAL: &str = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";
pub const BOUND: &str = "user@example.org/kith";

pub fn config() -> SessionConfig {
    SessionConfig::new(BareJid::new("user@example.org").unwrap(), "pencil")
}

/// A SASL element carrying `payload` in base64.
pub fn sasl(name: &str, payload: &str) -> String {
    format!(
        "<{name} xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</{name}>",
        crate::proto::base64::encode(payload)
    )
}

/// Plays the server through SCRAM-SHA-1 and binding to [`BOUND`]. `feed` hands one frame
/// to the code under test and returns the frames it sent back.
pub fn sign_in(feed: impl FnMut(&str) -> Vec<Element>) {
    sign_in_offering(BIND_FEATURES, feed)
}

/// SASL up to the post-authentication features; returns what the client sent on them.
pub fn authenticate(features: &str, mut feed: impl FnMut(&str) -> Vec<Element>) -> Vec<Element> {
    feed(OPEN);
    feed(SASL_FEATURES);
    feed(&sasl("challenge", SERVER_FIRST));
    feed(&sasl("success", SERVER_FINAL));
    feed(OPEN);
    feed(features)
}

/// [`sign_in`] with the given post-authentication features.
pub fn sign_in_offering(features: &str, mut feed: impl FnMut(&str) -> Vec<Element>) {
    let sent = authenticate(features, &mut feed);
    let id = sent
        .last()
        .and_then(|bind| bind.attr("id"))
        .expect("a bind request")
        .to_owned();
    feed(&format!(
        "<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{BOUND}</jid></bind></iq>"
    ));
}

/// Sends a roster get (any iq will do) at `at`: the request most tests wait on.
pub fn ask_roster(s: &mut Session, at: u64) -> Result<String, NotOnline> {
    let empty = crate::proto::rfc6121::RosterQuery::default();
    s.send_iq_get(Instant(at), None, empty)
}
