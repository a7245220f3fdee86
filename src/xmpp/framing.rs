//! RFC 7395: XMPP over WebSocket framing — one complete XML element per text frame,
//! with `<open/>` and `<close/>` in place of the TCP stream header.

use crate::proto::jid::BareJid;
use crate::proto::ns;
use minidom::Element;

use crate::proto::xml::Attrs;

/// Frames larger than this are refused before any XML is built from them.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 1024 * 1024;

/// Deeper element nesting than this is refused before minidom builds a tree: its
/// elements drop, clone and compare recursively, and a hostile stanza thousands of
/// levels deep would exhaust the (small) wasm stack. Real stanzas stay far below: a
/// pubsub event with an Atom entry and rich XHTML is some 20 levels.
pub const MAX_DEPTH: usize = 128;

/// Why an incoming frame could not be turned into an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    TooLarge { bytes: usize, limit: usize },
    TooDeep,
    NotWellFormed(String),
}

/// Parses one frame into an element, enforcing the size limit first.
pub fn parse_frame(frame: &str, limit: usize) -> Result<Element, FrameError> {
    let mut parsing = Parsing::default();
    loop {
        if let Some(done) = parsing.advance(frame, limit, usize::MAX) {
            return done;
        }
    }
}

/// One frame parsed a slice at a time: [`parse_frame`] with pauses. A 5,000-contact
/// roster is one frame of some 400 KB, and parsing it in one go holds the page's only
/// thread for longer than a person should wait for a click to answer; the driver parses
/// it a slice at a time instead, giving the browser its thread back in between. Slices
/// are counted in bytes, so this stays free of clocks like the rest of the core; the
/// outcome is the one [`parse_frame`] gives, whatever the slices.
pub struct FrameParser {
    frame: String,
    limit: usize,
    parsing: Parsing,
}

impl FrameParser {
    pub fn new(frame: String, limit: usize) -> Self {
        FrameParser {
            frame,
            limit,
            parsing: Parsing::default(),
        }
    }

    /// The frame as received (for [`crate::xmpp::Session::handle_parsed`]).
    pub fn frame(&self) -> &str {
        &self.frame
    }

    /// Parses up to `bytes` more of the frame (at least one byte); the element, or why
    /// there is none, once the frame is read.
    pub fn advance(&mut self, bytes: usize) -> Option<Result<Element, FrameError>> {
        self.parsing.advance(&self.frame, self.limit, bytes.max(1))
    }
}

/// Where a parse of one frame stands: minidom's tree builder fed by rxml's push parser,
/// as `Element::from_str` does it, but resumable.
#[derive(Default)]
struct Parsing {
    /// The limits were checked (before the first byte is parsed).
    checked: bool,
    /// Bytes of the frame handed to the parser so far.
    at: usize,
    parser: rxml::RawParser,
    tree: minidom::tree_builder::TreeBuilder,
}

impl Parsing {
    fn advance(
        &mut self,
        frame: &str,
        limit: usize,
        bytes: usize,
    ) -> Option<Result<Element, FrameError>> {
        use rxml::error::EndOrError;
        use rxml::Parse;
        if !self.checked {
            self.checked = true;
            if frame.len() > limit {
                return Some(Err(FrameError::TooLarge {
                    bytes: frame.len(),
                    limit,
                }));
            }
            if nesting_exceeds(frame, MAX_DEPTH) {
                return Some(Err(FrameError::TooDeep));
            }
        }
        let not_well_formed =
            |e: minidom::Error| Some(Err(FrameError::NotWellFormed(e.to_string())));
        let end = frame.len().min(self.at.saturating_add(bytes));
        let mut slice = &frame.as_bytes()[self.at..end];
        let at_eof = end == frame.len();
        loop {
            let before = slice.len();
            let event = self.parser.parse(&mut slice, at_eof);
            self.at += before - slice.len();
            match event {
                Ok(Some(event)) => {
                    if let Err(e) = self.tree.process_event(event) {
                        return not_well_formed(e);
                    }
                    if let Some(root) = self.tree.root.take() {
                        return Some(Ok(root));
                    }
                }
                Ok(None) => return not_well_formed(minidom::Error::EndOfDocument),
                Err(EndOrError::NeedMoreData) => return None,
                Err(EndOrError::Error(e)) => return not_well_formed(e.into()),
            }
        }
    }
}

/// How much of a refused frame is searched for its start tag: a stanza's attributes are
/// a few ids and JIDs, and the rest of a hostile frame is not worth reading.
const START_TAG_BYTES: usize = 4096;

/// The start tag of a frame refused unread ([`FrameError::TooLarge`], [`FrameError::TooDeep`]):
/// enough to tell a stanza, and the request it answers, without building the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartTag {
    pub name: String,
    pub xmlns: Option<String>,
    pub id: Option<String>,
    pub from: Option<String>,
    pub type_: Option<String>,
}

impl StartTag {
    /// Reads the start tag within the first [`START_TAG_BYTES`] of `frame`, attribute
    /// values decoded; `None` if it is not there or not well-formed.
    pub fn read(frame: &str) -> Option<StartTag> {
        let bytes = &frame.as_bytes()[..frame.len().min(START_TAG_BYTES)];
        let text = |from: usize, to: usize| std::str::from_utf8(&bytes[from..to]).ok();
        let ends_name = |b: u8| b.is_ascii_whitespace() || matches!(b, b'>' | b'/' | b'=');
        let skip_space = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            i
        };
        let mut i = skip_space(0);
        if bytes.get(i) != Some(&b'<') {
            return None;
        }
        i += 1;
        let start = i;
        while bytes.get(i).is_some_and(|&b| !ends_name(b)) {
            i += 1;
        }
        let name = text(start, i)?;
        if name.is_empty() || name.starts_with(['?', '!']) {
            return None;
        }
        let mut tag = StartTag {
            name: name.to_owned(),
            ..StartTag::default()
        };
        loop {
            i = skip_space(i);
            match bytes.get(i)? {
                b'>' => return Some(tag),
                b'/' => return (bytes.get(i + 1) == Some(&b'>')).then_some(tag),
                _ => {}
            }
            let start = i;
            while bytes.get(i).is_some_and(|&b| !ends_name(b)) {
                i += 1;
            }
            let attr = text(start, i)?;
            i = skip_space(i);
            if attr.is_empty() || bytes.get(i) != Some(&b'=') {
                return None;
            }
            i = skip_space(i + 1);
            let quote = *bytes.get(i).filter(|&&q| q == b'\'' || q == b'"')?;
            let start = i + 1;
            let end = start + bytes[start..].iter().position(|&b| b == quote)?;
            let value = decode_attribute(text(start, end)?)?;
            i = end + 1;
            let slot = match attr {
                "xmlns" => &mut tag.xmlns,
                "id" => &mut tag.id,
                "from" => &mut tag.from,
                "type" => &mut tag.type_,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return None; // A repeated attribute: not XML.
            }
        }
    }

    /// An `<iq/>`, `<message/>` or `<presence/>` (RFC 6120 §8), which XEP-0198 counts.
    pub fn is_stanza(&self) -> bool {
        matches!(self.name.as_str(), "iq" | "message" | "presence")
            && self.xmlns.as_deref() == Some(ns::DEFAULT_NS)
    }
}

/// An attribute value with its entity and character references replaced; `None` for
/// what XML refuses there (`<`, an unknown entity).
fn decode_attribute(raw: &str) -> Option<String> {
    if raw.contains('<') {
        return None;
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let (reference, after) = rest[amp + 1..].split_once(';')?;
        out.push(match reference {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "apos" => '\'',
            "quot" => '"',
            _ => {
                let code = match reference.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => reference.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        });
        rest = after;
    }
    out.push_str(rest);
    Some(out)
}

/// A linear pre-scan of tag nesting. It only has to be right for well-formed XML (the
/// parser refuses the rest): `<` cannot appear inside attribute values, comments and
/// CDATA are skipped, and `/>` closes what it opens.
fn nesting_exceeds(frame: &str, limit: usize) -> bool {
    let bytes = frame.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        i += offset + 1;
        let rest = &bytes[i..];
        let skip_to = |end: &[u8]| rest.windows(end.len()).position(|w| w == end);
        match rest.first() {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(b'!') if rest.starts_with(b"!--") => match skip_to(b"-->") {
                Some(end) => i += end,
                None => return false,
            },
            Some(b'!') if rest.starts_with(b"![CDATA[") => match skip_to(b"]]>") {
                Some(end) => i += end,
                None => return false,
            },
            Some(b'!' | b'?') | None => {}
            Some(_) => {
                let mut quote = None;
                let mut end = None;
                for (j, &b) in rest.iter().enumerate() {
                    match (quote, b) {
                        (Some(q), _) if b == q => quote = None,
                        (Some(_), _) => {}
                        (None, b'"' | b'\'') => quote = Some(b),
                        (None, b'>') => {
                            end = Some(j);
                            break;
                        }
                        _ => {}
                    }
                }
                let Some(end) = end else { return false };
                if rest[..end].last() != Some(&b'/') {
                    depth += 1;
                    if depth > limit {
                        return true;
                    }
                }
                i += end;
            }
        }
    }
    false
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
    let open = Element::builder("open", ns::WEBSOCKET)
        .a("to", domain.to_string())
        .a("version", "1.0")
        .build();
    to_frame(&open)
}

/// The `<close/>` that ends a stream (RFC 7395 §3.6).
pub fn close_frame() -> String {
    to_frame(&Element::bare("close", ns::WEBSOCKET))
}

/// Whether to follow a server's `<close see-other-uri='…'/>` (RFC 7395 §3.6.1) from the
/// endpoint `current`: only to another WebSocket URI, and never from `wss:` down to
/// `ws:`, which would hand the stream to anyone on the path. The browser checks the rest
/// when it opens the socket.
pub fn redirect_target(current: &str, target: &str) -> Option<String> {
    let target = target.trim();
    let secure = |uri: &str| {
        uri.get(..6)
            .is_some_and(|s| s.eq_ignore_ascii_case("wss://"))
    };
    let plain = |uri: &str| {
        uri.get(..5)
            .is_some_and(|s| s.eq_ignore_ascii_case("ws://"))
    };
    let scheme_len = if secure(target) {
        6
    } else if plain(target) && !secure(current) {
        // Plain only where it was plain already, and only on this machine: see
        // `endpoint::check_websocket_uri`.
        super::endpoint::check_websocket_uri(target).ok()?;
        5
    } else {
        return None;
    };
    let host_starts =
        !target[scheme_len..].starts_with(['/', '?', '#']) && target.len() > scheme_len;
    let clean = !target.chars().any(|c| c.is_whitespace() || c.is_control());
    (host_starts && clean).then(|| target.to_owned())
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
    fn redirects_go_to_websocket_uris_and_never_down_to_plain_ws() {
        let secure = "wss://example.org/xmpp-websocket";
        let plain = "ws://127.0.0.1:5280/xmpp-websocket";
        let other = "wss://node2.example.org:5443/ws";
        assert_eq!(redirect_target(secure, other).as_deref(), Some(other));
        assert_eq!(
            redirect_target(secure, &format!(" {other}\n")).as_deref(),
            Some(other)
        );
        assert_eq!(
            redirect_target(plain, other).as_deref(),
            Some(other),
            "up to wss"
        );
        assert_eq!(
            redirect_target(plain, "WS://localhost/x").as_deref(),
            Some("WS://localhost/x")
        );
        for refused in [
            "ws://node2.example.org/ws", // a downgrade
            "WS://node2.example.org/ws",
            "ws://127.0.0.1:5281/elsewhere", // a downgrade, even to loopback
            "https://example.org/ws",        // not a WebSocket
            "javascript:alert(1)",
            "wss:///path-without-host",
            "wss://",
            "wss://exa mple.org/",
            "",
        ] {
            assert_eq!(redirect_target(secure, refused), None, "{refused:?}");
        }
    }

    #[test]
    fn plain_redirects_stay_on_loopback() {
        let plain = "ws://127.0.0.1:5280/xmpp-websocket";
        assert_eq!(
            redirect_target(plain, "ws://[::1]:5281/ws").as_deref(),
            Some("ws://[::1]:5281/ws")
        );
        // Credentials would leave the machine in clear.
        for refused in [
            "ws://example.org/ws",
            "ws://10.0.0.2:5280/ws",
            "ws://x@evil.org/",
        ] {
            assert_eq!(redirect_target(plain, refused), None, "{refused}");
        }
    }

    #[test]
    fn close_frame_is_framing_close() {
        let el: Element = close_frame().parse().unwrap();
        assert!(el.is("close", ns::WEBSOCKET));
    }

    /// What minidom's own parser makes of a frame, as `parse_frame` did before it was
    /// made resumable.
    fn minidom_parse(frame: &str) -> Result<Element, FrameError> {
        frame
            .parse::<Element>()
            .map_err(|e| FrameError::NotWellFormed(e.to_string()))
    }

    /// A frame every way: in one go, and a slice of each size at a time.
    fn sliced(frame: &str, limit: usize) -> Vec<(usize, Result<Element, FrameError>)> {
        [usize::MAX, 1, 2, 3, 7, 64, 1000]
            .into_iter()
            .map(|bytes| {
                let mut parser = FrameParser::new(frame.to_owned(), limit);
                let mut calls = 0;
                loop {
                    calls += 1;
                    assert!(calls <= frame.len() + 2, "{frame:?} never finishes");
                    if let Some(done) = parser.advance(bytes) {
                        return (bytes, done);
                    }
                }
            })
            .collect()
    }

    #[test]
    fn a_frame_parsed_slice_by_slice_is_the_frame_parsed_at_once() {
        let roster = format!(
            "<iq xmlns='jabber:client' type='result' id='r-1'><query xmlns='jabber:iq:roster' ver='7'>{}</query></iq>",
            (1..=300)
                .map(|i| format!("<item jid='c{i}@example.org' name='Zoë &amp; {i}' subscription='both'><group>Fr\u{e9}res</group></item>"))
                .collect::<String>()
        );
        for frame in [
            roster.as_str(),
            "<message xmlns='jabber:client' from='a@b/c'><body>h\u{e9}llo \u{1f600} <![CDATA[<x>]]> &#x2665;</body><!-- c --></message>",
            "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.org' version='1.0'/>",
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
            "<?xml version='1.0'?><a xmlns='x' xml:lang='en'>t</a>",
            "<a xmlns='x'/>  trailing",
            // What is not XML fails the same way, wherever a slice ends.
            "",
            "<a",
            "<a xmlns='x'></b>",
            "<a></a>",
            "<p:a xmlns='x'/>",
            "text only",
            "<message xmlns='jabber:client'>&xxe;</message>",
            "<message xmlns='jabber:client'><?php echo 1; ?></message>",
            "<a xmlns='x'>\u{0}</a>",
        ] {
            let expected = minidom_parse(frame);
            for (bytes, got) in sliced(frame, DEFAULT_MAX_FRAME_BYTES) {
                assert_eq!(got, expected, "{frame:?} in slices of {bytes}");
            }
        }
        let items = parse_frame(&roster, DEFAULT_MAX_FRAME_BYTES).unwrap();
        assert_eq!(
            items
                .get_child("query", "jabber:iq:roster")
                .unwrap()
                .children()
                .count(),
            300
        );
    }

    #[test]
    fn a_frame_parsed_slice_by_slice_is_checked_against_the_limits_first() {
        let big = format!("<x xmlns='a'>{}</x>", "a".repeat(100));
        let deep = format!(
            "{}{}",
            "<a xmlns='x'>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        for (frame, limit, error) in [
            (
                big.as_str(),
                50,
                FrameError::TooLarge {
                    bytes: big.len(),
                    limit: 50,
                },
            ),
            (deep.as_str(), DEFAULT_MAX_FRAME_BYTES, FrameError::TooDeep),
        ] {
            let mut parser = FrameParser::new(frame.to_owned(), limit);
            assert_eq!(parser.advance(1), Some(Err(error)), "{frame:?}");
            assert_eq!(parser.frame(), frame);
        }
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
    fn the_start_tag_of_a_refused_frame_is_read_alone() {
        let big = format!(
            "<iq xmlns='jabber:client' type=\"result\"\n id='a&amp;b&#x2d;&#49;' from='juliet@example.com/x'><x>{}</x></iq>",
            "<".repeat(10_000)
        );
        let tag = StartTag::read(&big).unwrap();
        assert_eq!(
            tag,
            StartTag {
                name: "iq".into(),
                xmlns: Some(ns::DEFAULT_NS.into()),
                id: Some("a&b-1".into()),
                from: Some("juliet@example.com/x".into()),
                type_: Some("result".into()),
            }
        );
        assert!(tag.is_stanza());
        let empty = StartTag::read("<message xmlns='jabber:client' to='a@b' />").unwrap();
        assert!(empty.is_stanza() && empty.id.is_none());
        assert!(!StartTag::read("<r xmlns='urn:xmpp:sm:3'/>")
            .unwrap()
            .is_stanza());
        assert!(
            !StartTag::read("<iq type='result'>").unwrap().is_stanza(),
            "no namespace"
        );
        for unreadable in [
            "",
            "text",
            "<?xml version='1.0'?><iq/>",
            "<!-- c --><iq/>",
            "<iq id='1' id='2'>",
            "<iq id='a<b'>",
            "<iq id='&bogus;'>",
            "<iq id='&#xD800;'>",
            "<iq id=1>",
            "<iq id='unterminated>",
            "<iq =''>",
            "<iq/ >",
        ] {
            assert_eq!(StartTag::read(unreadable), None, "{unreadable:?}");
        }
        // Only the first few KB are searched, whatever follows.
        let long = format!(
            "<iq xmlns='jabber:client' pad='{}' id='x'>",
            "p".repeat(START_TAG_BYTES)
        );
        assert_eq!(StartTag::read(&long), None);
        // A cut inside a multi-byte character is no panic.
        let cut = format!("<iq pad='{}é", "p".repeat(START_TAG_BYTES - 10));
        assert_eq!(StartTag::read(&cut), None);
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused_before_parsing() {
        let deep = |n: usize| format!("{}{}", "<a xmlns='x'>".repeat(n), "</a>".repeat(n));
        assert!(parse_frame(&deep(MAX_DEPTH), DEFAULT_MAX_FRAME_BYTES).is_ok());
        assert_eq!(
            parse_frame(&deep(MAX_DEPTH + 1), DEFAULT_MAX_FRAME_BYTES),
            Err(FrameError::TooDeep)
        );
        // A million-level bomb is refused in linear time, not by the stack.
        assert_eq!(
            parse_frame(&"<a>".repeat(1_000_000), 10 * 1024 * 1024),
            Err(FrameError::TooDeep)
        );
        // Siblings, empty elements, `>` in attributes, comments and CDATA do not nest.
        let wide = format!(
            "<m xmlns='x'>{}<b t='1>2'/><!-- <c><c><c> --><![CDATA[<d><d>]]></m>",
            "<a/><b></b>".repeat(10_000)
        );
        assert!(!nesting_exceeds(&wide, 3));
        assert!(nesting_exceeds("<a><b><c><d/></c></b></a>", 2));
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
