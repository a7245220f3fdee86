//! RFC 7395: XMPP over WebSocket framing — one complete XML element per text frame,
//! with `<open/>` and `<close/>` in place of the TCP stream header.

use minidom::Element;
use xmpp_parsers::jid::BareJid;
use xmpp_parsers::ns;
use xmpp_parsers::websocket::Open;

/// Frames larger than this are refused before any XML is built from them.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 1024 * 1024;

/// Why an incoming frame could not be turned into an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    TooLarge { bytes: usize, limit: usize },
    NotWellFormed(String),
}

/// Parses one frame into an element, enforcing the size limit first.
pub fn parse_frame(frame: &str, limit: usize) -> Result<Element, FrameError> {
    if frame.len() > limit {
        return Err(FrameError::TooLarge {
            bytes: frame.len(),
            limit,
        });
    }
    frame
        .parse::<Element>()
        .map_err(|e| FrameError::NotWellFormed(e.to_string()))
}

/// Serialises an element into one frame.
pub fn to_frame(element: &Element) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail for an element we built ourselves.
    let _ = element.write_to(&mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// The client's `<open/>` for `domain` (RFC 7395 §3.4).
pub fn open_frame(domain: &BareJid) -> String {
    to_frame(&Element::from(Open::new(domain.clone())))
}

/// The `<close/>` that ends a stream (RFC 7395 §3.6).
pub fn close_frame() -> String {
    to_frame(&Element::bare("close", ns::WEBSOCKET))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_frame_names_the_domain_and_version() {
        let frame = open_frame(&BareJid::new("example.org").unwrap());
        let el: Element = frame.parse().unwrap();
        assert!(el.is("open", ns::WEBSOCKET));
        assert_eq!(el.attr("to"), Some("example.org"));
        assert_eq!(el.attr("version"), Some("1.0"));
    }

    #[test]
    fn close_frame_is_framing_close() {
        let el: Element = close_frame().parse().unwrap();
        assert!(el.is("close", ns::WEBSOCKET));
    }

    #[test]
    fn oversized_frame_is_refused_before_parsing() {
        let big = format!("<x xmlns='a'>{}</x>", "a".repeat(100));
        assert_eq!(
            parse_frame(&big, 50),
            Err(FrameError::TooLarge {
                bytes: big.len(),
                limit: 50
            })
        );
        assert!(parse_frame(&big, 1000).is_ok());
    }

    #[test]
    fn dtds_entities_and_processing_instructions_are_refused() {
        // RFC 6120 §11.1: no DTDs, no entity references beyond the predefined five, no
        // processing instructions — each is a classic way to blow up or probe a parser.
        for hostile in [
            "<!DOCTYPE message [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;'>]><message xmlns='jabber:client'>&b;</message>",
            "<!DOCTYPE message SYSTEM 'file:///etc/passwd'><message xmlns='jabber:client'/>",
            "<message xmlns='jabber:client'>&xxe;</message>",
            "<?xml-stylesheet href='x'?><message xmlns='jabber:client'/>",
            "<message xmlns='jabber:client'><?php echo 1; ?></message>",
        ] {
            assert!(
                matches!(parse_frame(hostile, DEFAULT_MAX_FRAME_BYTES), Err(FrameError::NotWellFormed(_))),
                "{hostile}"
            );
        }
        // The predefined entities and character references are XML, and fine.
        let ok = parse_frame(
            "<body xmlns='jabber:client'>&lt;&gt;&amp;&apos;&quot;&#x2665;</body>",
            DEFAULT_MAX_FRAME_BYTES,
        )
        .unwrap();
        assert_eq!(ok.text(), "<>&'\"♥");
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        for bad in [
            "",
            "<a",
            "<a xmlns='x'></b>",
            "text only",
            "<?xml version='1.0'?><!DOCTYPE a [<!ENTITY e 'x'>]><a xmlns='x'>&e;</a>",
        ] {
            assert!(
                matches!(
                    parse_frame(bad, DEFAULT_MAX_FRAME_BYTES),
                    Err(FrameError::NotWellFormed(_))
                ),
                "{bad:?}"
            );
        }
    }
}
