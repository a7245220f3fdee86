//! Every XML namespace (and link relation) Kith reads or writes, by the spec that defines it.

/// RFC 6120 §4.8.2: the stanzas of a client stream.
pub const DEFAULT_NS: &str = "jabber:client";
/// RFC 6120 §4.8.1: stream-level elements (features, errors).
pub const STREAM: &str = "http://etherx.jabber.org/streams";
/// RFC 6120 §4.9.3: stream error conditions.
pub const XMPP_STREAMS: &str = "urn:ietf:params:xml:ns:xmpp-streams";
/// RFC 6120 §8.3.3: stanza error conditions.
pub const XMPP_STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
/// RFC 6120 §6: SASL negotiation.
pub const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
/// RFC 6120 §7: resource binding.
pub const BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
/// RFC 6121 §2: the roster.
pub const ROSTER: &str = "jabber:iq:roster";
/// RFC 6121 §2.6.1: the stream feature announcing roster versioning.
pub const ROSTER_VERSIONING: &str = "urn:xmpp:features:rosterver";
/// RFC 6121 §3.4.1.
pub const PRE_APPROVAL: &str = "urn:xmpp:features:pre-approval";
/// RFC 7395: XMPP over WebSocket framing (`<open/>`, `<close/>`).
pub const WEBSOCKET: &str = "urn:ietf:params:xml:ns:xmpp-framing";
/// XEP-0004: data forms.
pub const DATA_FORMS: &str = "jabber:x:data";
/// XEP-0030: service discovery.
pub const DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
pub const DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
/// XEP-0045: multi-user chat.
pub const MUC: &str = "http://jabber.org/protocol/muc";
pub const MUC_USER: &str = "http://jabber.org/protocol/muc#user";
pub const MUC_ADMIN: &str = "http://jabber.org/protocol/muc#admin";
pub const MUC_OWNER: &str = "http://jabber.org/protocol/muc#owner";
/// XEP-0045 §15.5.3: the form type of a room configuration.
pub const MUC_ROOMCONFIG: &str = "http://jabber.org/protocol/muc#roomconfig";
/// XEP-0045 §15.5.4: the form type of a room's disco#info extension.
pub const MUC_ROOMINFO: &str = "http://jabber.org/protocol/muc#roominfo";
/// XEP-0059: result set management.
pub const RSM: &str = "http://jabber.org/protocol/rsm";
/// XEP-0060: publish-subscribe.
pub const PUBSUB: &str = "http://jabber.org/protocol/pubsub";
pub const PUBSUB_ERRORS: &str = "http://jabber.org/protocol/pubsub#errors";
pub const PUBSUB_EVENT: &str = "http://jabber.org/protocol/pubsub#event";
pub const PUBSUB_OWNER: &str = "http://jabber.org/protocol/pubsub#owner";
/// XEP-0060 §16.4.3: the form type of a node configuration.
pub const PUBSUB_CONFIGURE: &str = "http://jabber.org/protocol/pubsub#node_config";
/// XEP-0060 §7.1.5: the form type of publish options.
pub const PUBSUB_PUBLISH_OPTIONS: &str = "http://jabber.org/protocol/pubsub#publish-options";
/// XEP-0071: XHTML (the content of rich posts).
pub const XHTML: &str = "http://www.w3.org/1999/xhtml";
/// XEP-0115: entity capabilities.
pub const CAPS: &str = "http://jabber.org/protocol/caps";
/// XEP-0054: vcard-temp (the legacy vCard, where XEP-0153 clients find an avatar).
pub const VCARD_TEMP: &str = "vcard-temp";
/// XEP-0153: the presence payload announcing the vcard-temp photo's hash.
pub const VCARD_UPDATE: &str = "vcard-temp:x:update";
/// XEP-0084: User Avatar, its two PEP nodes (and the `+notify` of metadata).
pub const AVATAR_DATA: &str = "urn:xmpp:avatar:data";
pub const AVATAR_METADATA: &str = "urn:xmpp:avatar:metadata";
pub const AVATAR_METADATA_NOTIFY: &str = "urn:xmpp:avatar:metadata+notify";
/// XEP-0172: User Nickname (payload namespace and PEP node alike).
pub const NICK: &str = "http://jabber.org/protocol/nick";
pub const NICK_NOTIFY: &str = "http://jabber.org/protocol/nick+notify";
/// XEP-0191: Blocking Command.
pub const BLOCKING: &str = "urn:xmpp:blocking";
/// XEP-0292: vCard4 over XMPP: the payload namespace (RFC 6351) and the PEP node.
pub const VCARD4: &str = "urn:ietf:params:xml:ns:vcard-4.0";
pub const VCARD4_NODE: &str = "urn:xmpp:vcard4";
pub const VCARD4_NOTIFY: &str = "urn:xmpp:vcard4+notify";
/// The account feature of a server that keeps vcard-temp and the PEP avatar and vCard4
/// in step itself (Prosody's mod_vcard_legacy).
pub const PEP_VCARD_CONVERSION: &str = "urn:xmpp:pep-vcard-conversion:0";
/// XEP-0198: stream management.
pub const SM: &str = "urn:xmpp:sm:3";
/// XEP-0199: XMPP ping.
pub const PING: &str = "urn:xmpp:ping";
/// XEP-0203: delayed delivery.
pub const DELAY: &str = "urn:xmpp:delay";
/// XEP-0249: direct MUC invitations.
pub const CONFERENCE: &str = "jabber:x:conference";
/// XEP-0277: microblogging over XMPP (the PEP node of posts).
pub const MICROBLOG: &str = "urn:xmpp:microblog:0";
/// XEP-0277 §4: a post's comments live on the node with this prefix followed by the post id.
pub const MICROBLOG_COMMENTS_PREFIX: &str = "urn:xmpp:microblog:0:comments/";
/// XEP-0163 §4: the `+notify` feature that asks PEP to send new microblog posts.
pub const MICROBLOG_NOTIFY: &str = "urn:xmpp:microblog:0+notify";
/// XEP-0297: stanza forwarding (inside MAM results).
pub const FORWARD: &str = "urn:xmpp:forward:0";
/// XEP-0313: message archive management.
pub const MAM: &str = "urn:xmpp:mam:2";
/// XEP-0352: client state indication.
pub const CSI: &str = "urn:xmpp:csi:0";
/// XEP-0359: unique and stable stanza ids.
pub const SID: &str = "urn:xmpp:sid:0";
/// XEP-0363: HTTP file upload.
pub const HTTP_UPLOAD: &str = "urn:xmpp:http:upload:0";
/// RFC 4287: Atom, the envelope of a XEP-0277 microblog entry.
pub const ATOM: &str = "http://www.w3.org/2005/Atom";
/// RFC 6415 XRD, the format of `/.well-known/host-meta`.
pub const XRD: &str = "http://docs.oasis-open.org/ns/xri/xrd-1.0";
/// XEP-0156 §3: the link relation of an XMPP-over-WebSocket endpoint.
pub const ALT_CONNECTIONS_WEBSOCKET: &str = "urn:xmpp:alt-connections:websocket";
/// XEP-0066: out-of-band data (a file's URL beside a message).
pub const OOB: &str = "jabber:x:oob";
/// XEP-0085: chat state notifications.
pub const CHATSTATES: &str = "http://jabber.org/protocol/chatstates";
/// XEP-0184: message delivery receipts.
pub const RECEIPTS: &str = "urn:xmpp:receipts";
/// XEP-0280: message carbons.
pub const CARBONS: &str = "urn:xmpp:carbons:2";
/// XEP-0308: last message correction.
pub const CORRECT: &str = "urn:xmpp:message-correct:0";
/// XEP-0333: displayed markers.
pub const MARKERS: &str = "urn:xmpp:chat-markers:0";
/// XEP-0334: message processing hints.
pub const HINTS: &str = "urn:xmpp:hints";
/// XEP-0424: message retraction (and the XEP-0422 fastening of its version 0.3).
pub const RETRACT: &str = "urn:xmpp:message-retract:1";
pub const RETRACT_0: &str = "urn:xmpp:message-retract:0";
pub const FASTEN: &str = "urn:xmpp:fasten:0";
/// XEP-0425: moderated message retraction (version 0.3, and the fastening form of 0.2).
pub const MODERATE: &str = "urn:xmpp:message-moderate:1";
pub const MODERATE_0: &str = "urn:xmpp:message-moderate:0";
/// XEP-0402: PEP native bookmarks (the node, and its `+notify` feature).
pub const BOOKMARKS: &str = "urn:xmpp:bookmarks:1";
pub const BOOKMARKS_NOTIFY: &str = "urn:xmpp:bookmarks:1+notify";
/// XEP-0428: fallback indication.
pub const FALLBACK: &str = "urn:xmpp:fallback:0";
/// XEP-0444: message reactions.
pub const REACTIONS: &str = "urn:xmpp:reactions:0";
/// XEP-0461: message replies.
pub const REPLY: &str = "urn:xmpp:reply:0";
