//! XEP-0313: Message Archive Management — the query Kith sends and the results it reads.

use minidom::Element;

use super::xml::Attrs;

use super::ns;
use super::rfc6121::Message;
use super::xep0059;

/// §4: a query with id `query_id`, paged by RSM: `max` messages `after` an archive id,
/// or from the oldest.
pub fn query(query_id: &str, max: usize, after: Option<&str>) -> Element {
    Element::builder("query", ns::MAM)
        .a("queryid", query_id)
        .append(xep0059::set(max, after))
        .build()
}

/// §4 with XEP-0059 §2.5: the newest archived message alone.
pub fn newest(query_id: &str) -> Element {
    Element::builder("query", ns::MAM)
        .a("queryid", query_id)
        .append(xep0059::last_page(1))
        .build()
}

/// §4.1.1 and §4.2: one conversation's messages (`with`, a bare JID), the `max` before an
/// archive id (`""`: the newest).
pub fn history(query_id: &str, with: &str, max: usize, before: &str) -> Element {
    let form = super::xep0004::submit(ns::MAM, [super::xep0004::field("with", with)]);
    Element::builder("query", ns::MAM)
        .a("queryid", query_id)
        .append(form)
        .append(xep0059::page_before(max, before))
        .build()
}

/// A `<result/>` of a query: which query, the archive id and the message it forwards.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchivedMessage {
    pub query_id: Option<String>,
    pub id: String,
    pub message: Message,
}

impl ArchivedMessage {
    /// `None` when `result` is not a well-formed result (XEP-0297 `<forwarded/>` with the
    /// message inside).
    pub fn read(result: &Element) -> Option<ArchivedMessage> {
        if !result.is("result", ns::MAM) {
            return None;
        }
        let forwarded = result.get_child("forwarded", ns::FORWARD)?;
        let mut message =
            Message::try_from(forwarded.get_child("message", ns::DEFAULT_NS)?.clone()).ok()?;
        // §5.1.2: when it was archived is the forwarding's XEP-0203 stamp; the message
        // keeps it as if it came delayed (its own stamp, if it has one, stays).
        if let Some(delay) = forwarded.get_child("delay", ns::DELAY) {
            if !message.payloads.iter().any(|p| p.is("delay", ns::DELAY)) {
                message.payloads.push(delay.clone());
            }
        }
        Some(ArchivedMessage {
            query_id: result.attr("queryid").map(str::to_owned),
            id: result.attr("id")?.to_owned(),
            message,
        })
    }
}
