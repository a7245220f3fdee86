//! Any bytes as a contact's post: the XEP-0277 reader, the sanitiser and the Markdown
//! renderer must answer with a value, never a panic, and what comes out of the
//! sanitiser must be safe whatever went in.
#![no_main]

use kith::proto::xhtml::{safe_url, sanitize, RawNode, SafeNode};
use kith::proto::{markdown, xep0277::Entry};
use libfuzzer_sys::fuzz_target;

/// Every link and image source that survives must pass the URL check again.
fn assert_safe(nodes: &[SafeNode]) {
    for node in nodes {
        if let SafeNode::Element { tag, attrs, children } = node {
            assert!(!matches!(*tag, "script" | "style" | "iframe" | "svg" | "math" | "object"));
            for (name, value) in attrs {
                assert!(!name.starts_with("on"), "{name} kept");
                if matches!(*name, "href" | "src") {
                    assert!(safe_url(value).is_some(), "{value} kept");
                }
            }
            assert_safe(children);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    assert_safe(&markdown::to_nodes(text));
    let _ = markdown::hashtags(text);
    let Ok(el) = kith::xmpp::framing::parse_frame(text, 1 << 20) else { return };
    assert_safe(&sanitize(&[RawNode::from_element(&el)]));
    if let Ok(entry) = Entry::parse(&el) {
        let again = Entry::parse(&entry.to_element());
        assert!(again.is_ok(), "what we write we can read");
    }
});
