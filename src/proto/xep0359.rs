//! XEP-0359: Unique and Stable Stanza IDs.

use crate::proto::jid::Jid;
use minidom::Element;

use super::ns;

/// A `<stanza-id id=… by=…/>`: the id and who assigned it; `None` if malformed.
pub fn read_stanza_id(el: &Element) -> Option<(String, Jid)> {
    if !el.is("stanza-id", ns::SID) {
        return None;
    }
    let by = Jid::new(el.attr("by")?).ok()?;
    Some((el.attr("id")?.to_owned(), by))
}

/// §3.1: the id the sender chose, which stays with the message wherever it goes.
pub fn origin_id(id: &str) -> Element {
    use super::xml::Attrs;
    Element::builder("origin-id", ns::SID).a("id", id).build()
}

/// The `<origin-id/>` of a message's payloads.
pub fn read_origin_id(payloads: &[Element]) -> Option<&str> {
    payloads
        .iter()
        .find(|p| p.is("origin-id", ns::SID))?
        .attr("id")
}
