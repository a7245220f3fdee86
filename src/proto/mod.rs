//! Wire formats, one module per specification: parsed from `minidom` elements into small
//! plain types (only what Kith uses), built back with `Element::builder`.

/// RFC 4648: base64.
pub mod base64;
/// XEP-0082 date-times.
pub mod date;
/// XEP-0156: Discovering Alternative XMPP Connection Methods (host-meta).
pub mod host_meta;
/// RFC 7622: Jabber IDs, parsed without linking Unicode tables into the wasm.
pub mod jid;
/// RFC 8259: JSON (config.json, JRD, the store's records).
pub mod json;
/// Markdown, the source format of posts, rendered to sanitised nodes and XHTML.
pub mod markdown;
pub mod ns;
/// Percent-encoding of URL fragments and `xmpp:` URIs, one crate for both.
pub mod percent;
/// RFC 6120: iq, stanza and stream errors, stream features, SASL, binding.
pub mod rfc6120;
/// RFC 6121: presence, messages, the roster.
pub mod rfc6121;
/// XEP-0004: data forms (what Kith submits and reads).
pub mod xep0004;
/// XEP-0030: service discovery.
pub mod xep0030;
/// XEP-0045: multi-user chat (rooms).
pub mod xep0045;
/// XEP-0059: Result Set Management (the paging position of a result).
pub mod xep0059;
/// XEP-0060: publish-subscribe requests.
pub mod xep0060;
/// XEP-0066: out-of-band data (attachments).
pub mod xep0066;
/// XEP-0084: User Avatar.
pub mod xep0084;
/// XEP-0085: chat state notifications.
pub mod xep0085;
/// XEP-0115: Entity Capabilities (the `ver` hash and the `<c/>` of presence).
pub mod xep0115;
/// XEP-0153: vCard-based avatars (the vcard-temp photo).
pub mod xep0153;
/// XEP-0172: User Nickname.
pub mod xep0172;
/// XEP-0184: message delivery receipts.
pub mod xep0184;
/// XEP-0191: Blocking Command.
pub mod xep0191;
/// XEP-0198: stream management nonzas.
pub mod xep0198;
/// XEP-0203: delayed delivery (the stamp of a late message).
pub mod xep0203;
/// XEP-0249: direct MUC invitations.
pub mod xep0249;
/// XEP-0277: Microblogging over XMPP (Atom entries).
pub mod xep0277;
/// XEP-0280: message carbons.
pub mod xep0280;
/// XEP-0292: vCard4 over XMPP (the profile).
pub mod xep0292;
/// XEP-0308: last message correction.
pub mod xep0308;
/// XEP-0313: message archive management.
pub mod xep0313;
/// XEP-0333: displayed markers.
pub mod xep0333;
/// XEP-0359: stanza ids.
pub mod xep0359;
/// XEP-0363: HTTP file upload.
pub mod xep0363;
/// XEP-0392: Consistent Color Generation.
pub mod xep0392;
/// XEP-0402: PEP native bookmarks (rooms).
pub mod xep0402;
/// XEP-0424: message retraction.
pub mod xep0424;
/// XEP-0425: moderated message retraction.
pub mod xep0425;
/// XEP-0428: fallback indication.
pub mod xep0428;
/// XEP-0444: message reactions.
pub mod xep0444;
/// XEP-0461: message replies.
pub mod xep0461;
/// The XHTML/HTML allowlist sanitiser every piece of untrusted markup goes through.
pub mod xhtml;
pub(crate) mod xml;

/// Unicode lowercasing (`str::to_lowercase`, final sigma included). In the browser it is
/// the browser's own `toLowerCase`, the same mapping, so the wasm links no case tables
/// (about 16 KB); native builds (tests, fuzzing) use Rust's.
#[cfg(target_arch = "wasm32")]
pub fn lowercase(text: &str) -> String {
    // ASCII, most text it is given, maps the same without crossing to JavaScript.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    js_sys::JsString::from(text).to_lower_case().into()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn lowercase(text: &str) -> String {
    text.to_lowercase()
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn the_browser_lowercases_as_rust_does() {
        for text in [
            "Plain ASCII #Tag_1",
            "ΟΔΟΣ ΣΑΣ",
            "Σ",
            "İstanbul",
            "STRASSE ẞ",
            "ДРУЗЬЯ",
            "ǅemal",
            "ＦＵＬＬ",
            "𐐀𐐁 Deseret",
            "",
        ] {
            assert_eq!(super::lowercase(text), text.to_lowercase(), "{text}");
        }
    }
}
