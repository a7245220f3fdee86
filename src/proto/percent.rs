//! Percent-encoding (RFC 3986 §2.1), through the `percent-encoding` crate: the sets of
//! characters Kith leaves as they are, and the two ways it decodes.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// One segment of the app's URL fragment (`#/post/SERVICE/ITEM`): everything but unreserved
/// characters (RFC 3986 §2.3) is escaped, except `@`, so a JID stays readable. Routes are
/// links people keep: what this set encodes must not change.
pub const FRAGMENT_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// One component of an `xmpp:` URI (RFC 5122 §2.2): what would end or split it is escaped;
/// `:`, `/` and `@` stay, so node names read as Movim writes them.
pub const XMPP_URI_COMPONENT: &AsciiSet = &FRAGMENT_SEGMENT
    .remove(b':')
    .remove(b'/')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',');

/// `text` as UTF-8 with every byte in `set` (and every non-ASCII byte) as `%XX`.
pub fn encode(text: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(text, set).to_string()
}

/// Decodes what came from outside (a link in a post): a `%` without two hex digits stays
/// as it is; `None` when the bytes are not UTF-8.
pub fn decode_lenient(text: &str) -> Option<String> {
    percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// Decodes what [`encode`] wrote (the app's own routes): `None` for a broken escape or
/// bytes that are not UTF-8, so a mangled route falls back instead of naming another item.
pub fn decode_strict(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let broken = bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if broken {
        return None;
    }
    decode_lenient(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `byte` is left as it is, per the sets' documentation.
    fn kept(byte: u8, extra: &[u8]) -> bool {
        byte.is_ascii_alphanumeric() || extra.contains(&byte)
    }

    #[test]
    fn sets_keep_exactly_what_they_say() {
        for (set, extra) in [
            (FRAGMENT_SEGMENT, &b"-._~@"[..]),
            (XMPP_URI_COMPONENT, &b"-._~:/@!$'()*+,"[..]),
        ] {
            for byte in 0..=u8::MAX {
                let text = String::from_utf8_lossy(&[byte]).into_owned();
                let want = if kept(byte, extra) {
                    text.clone()
                } else {
                    text.bytes().map(|b| format!("%{b:02X}")).collect()
                };
                assert_eq!(encode(&text, set), want, "byte {byte:#04x}");
            }
        }
    }

    #[test]
    fn routes_read_as_before() {
        assert_eq!(
            encode("pubsub.x.example", FRAGMENT_SEGMENT),
            "pubsub.x.example"
        );
        assert_eq!(encode("me@x.example", FRAGMENT_SEGMENT), "me@x.example");
        assert_eq!(
            encode("a/b c#d%e?♥", FRAGMENT_SEGMENT),
            "a%2Fb%20c%23d%25e%3F%E2%99%A5"
        );
        assert_eq!(
            encode("odd node;=?#", XMPP_URI_COMPONENT),
            "odd%20node%3B%3D%3F%23"
        );
        assert_eq!(
            encode("urn:xmpp:microblog:0", XMPP_URI_COMPONENT),
            "urn:xmpp:microblog:0"
        );
    }

    #[test]
    fn round_trips() {
        for text in [
            "",
            "me@x.example",
            "a/b c#d%e?♥",
            "%%41",
            "日本語 / ;=&",
            "\u{0}\n",
        ] {
            for set in [FRAGMENT_SEGMENT, XMPP_URI_COMPONENT] {
                let encoded = encode(text, set);
                assert_eq!(decode_strict(&encoded).as_deref(), Some(text));
                assert_eq!(decode_lenient(&encoded).as_deref(), Some(text));
            }
        }
    }

    #[test]
    fn hostile_input() {
        for broken in ["%", "a%", "%4", "%zz", "%+1", "%-1", "a%4g", "%é1"] {
            assert_eq!(decode_strict(broken), None, "{broken}");
            assert_eq!(decode_lenient(broken).as_deref(), Some(broken), "{broken}");
        }
        for not_utf8 in ["%FF", "%C3", "a%E2%99"] {
            assert_eq!(decode_strict(not_utf8), None, "{not_utf8}");
            assert_eq!(decode_lenient(not_utf8), None, "{not_utf8}");
        }
        assert_eq!(decode_strict("%41%e2%99%a5").as_deref(), Some("A♥"));
    }
}
