//! Wire formats xmpp-parsers does not cover, one module per specification.

/// XEP-0156: Discovering Alternative XMPP Connection Methods (host-meta).
pub mod host_meta;
pub mod ns;
