//! Namespaces and link relations Kith uses beyond those in `xmpp_parsers::ns`.

/// RFC 6415 XRD, the format of `/.well-known/host-meta`.
pub const XRD: &str = "http://docs.oasis-open.org/ns/xri/xrd-1.0";
/// XEP-0156 §3: the link relation of an XMPP-over-WebSocket endpoint.
pub const ALT_CONNECTIONS_WEBSOCKET: &str = "urn:xmpp:alt-connections:websocket";
