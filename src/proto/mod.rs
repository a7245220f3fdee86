//! Wire formats xmpp-parsers does not cover, one module per specification.

/// XEP-0156: Discovering Alternative XMPP Connection Methods (host-meta).
pub mod host_meta;
/// RFC 7622: Jabber IDs, parsed without linking Unicode tables into the wasm.
pub mod jid;
/// Markdown, the source format of posts, rendered to sanitised nodes and XHTML.
pub mod markdown;
pub mod ns;
/// Percent-encoding of URL fragments and `xmpp:` URIs, one crate for both.
pub mod percent;
/// XEP-0059: Result Set Management (the paging position of a result).
pub mod xep0059;
/// XEP-0115: Entity Capabilities (the `ver` hash and the `<c/>` of presence).
pub mod xep0115;
/// XEP-0277: Microblogging over XMPP (Atom entries).
pub mod xep0277;
/// The XHTML/HTML allowlist sanitiser every piece of untrusted markup goes through.
pub mod xhtml;
