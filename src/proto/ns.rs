//! Namespaces and link relations Kith uses beyond those in `xmpp_parsers::ns`.

/// RFC 6415 XRD, the format of `/.well-known/host-meta`.
pub const XRD: &str = "http://docs.oasis-open.org/ns/xri/xrd-1.0";
/// XEP-0156 §3: the link relation of an XMPP-over-WebSocket endpoint.
pub const ALT_CONNECTIONS_WEBSOCKET: &str = "urn:xmpp:alt-connections:websocket";
/// RFC 4287: Atom, the envelope of a XEP-0277 microblog entry.
pub const ATOM: &str = "http://www.w3.org/2005/Atom";
/// XEP-0277 §4: a post's comments live on the node with this prefix followed by the post id.
pub const MICROBLOG_COMMENTS_PREFIX: &str = "urn:xmpp:microblog:0:comments/";
/// XEP-0163 §4: the `+notify` feature that asks PEP to send new microblog posts.
pub const MICROBLOG_NOTIFY: &str = "urn:xmpp:microblog:0+notify";
/// XEP-0060 §7.1.5: the form type of publish options.
pub const PUBSUB_PUBLISH_OPTIONS: &str = "http://jabber.org/protocol/pubsub#publish-options";
/// RFC 6121 §2.6.1: the stream feature announcing roster versioning.
pub const ROSTER_VERSIONING: &str = "urn:xmpp:features:rosterver";
