//! XEP-0115: Entity Capabilities: the verification string of a disco#info, its SHA-1
//! hash, the `<c/>` that announces it in presence, and the XEP-0163 `+notify` features
//! Kith's disco#info carries so that PEP pushes new posts.

use minidom::Element;

use super::xml::Attrs;
use sasl::common::scram::{ScramProvider, Sha1};

use super::ns;
use super::xep0030::DiscoInfo;

use super::ns::MICROBLOG_NOTIFY;

/// XEP-0115 `node`: who Kith is.
pub const CAPS_NODE: &str = "https://kith.example";

/// XEP-0163 §4: the features to add to the client's disco#info so that PEP sends new
/// posts of contacts as they are published, and their avatar metadata (XEP-0084),
/// nicknames (XEP-0172) and vCard4 (XEP-0292) as they change. Comments nodes live on
/// ordinary pubsub services, where `+notify` does not apply; they are fetched instead.
pub fn notify_features() -> Vec<&'static str> {
    vec![
        ns::MICROBLOG,
        MICROBLOG_NOTIFY,
        ns::AVATAR_METADATA_NOTIFY,
        ns::NICK_NOTIFY,
        ns::VCARD4_NOTIFY,
    ]
}

/// The `<c/>` for presence: [`CAPS_NODE`] names the client, `ver` hashes `disco`, which
/// must be exactly the disco#info the client answers with (so it must include
/// [`notify_features`]).
pub fn caps_element(disco: &DiscoInfo) -> Element {
    Element::builder("c", ns::CAPS)
        .a("hash", "sha-1")
        .a("node", CAPS_NODE)
        .a("ver", caps_ver(disco))
        .build()
}

/// `node#ver`: how a XEP-0115 disco#info query names these features.
pub fn caps_node(disco: &DiscoInfo) -> String {
    format!("{CAPS_NODE}#{}", caps_ver(disco))
}

/// The `ver` of `disco`: its verification string's SHA-1 in base64 (§5.1).
pub(crate) fn caps_ver(disco: &DiscoInfo) -> String {
    super::base64::encode(Sha1::hash(&caps_string(disco)))
}

/// XEP-0115 §5.1's verification string, for a disco#info without forms (Kith's has
/// none). Not what xmpp-parsers' `compute_disco` did, which sorts each feature with its `<`
/// already appended: `urn:xmpp:microblog:0+notify<` then sorts before
/// `urn:xmpp:microblog:0<`, the hash differs from the one servers compute, and ejabberd
/// (which checks it) then ignores the `+notify` — no live posts.
pub(crate) fn caps_string(disco: &DiscoInfo) -> Vec<u8> {
    debug_assert!(disco.forms.is_empty(), "forms are not hashed here");
    let mut identities: Vec<_> = disco
        .identities
        .iter()
        .map(|i| {
            let lang = i.lang.as_deref().unwrap_or_default();
            (
                &i.category,
                &i.type_,
                lang,
                i.name.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    crate::sort::sort(&mut identities);
    let mut features: Vec<&str> = disco.features.iter().map(String::as_str).collect();
    crate::sort::sort(&mut features);
    let mut out = String::new();
    for (category, type_, lang, name) in identities {
        out.push_str(&format!("{category}/{type_}/{lang}/{name}<"));
    }
    for feature in features {
        out.push_str(feature);
        out.push('<');
    }
    out.into_bytes()
}
