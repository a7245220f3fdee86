//! XEP-0333: Displayed Markers — "read up to here".

use minidom::Element;

use super::ns;
use super::rfc6121::Message;
use super::xml::Attrs;

/// §3: the sender would like to know when the message is displayed.
pub fn markable() -> Element {
    Element::builder("markable", ns::MARKERS).build()
}

/// §3: message `id` (and everything before it) was displayed.
pub fn displayed(id: &str) -> Element {
    Element::builder("displayed", ns::MARKERS)
        .a("id", id)
        .build()
}

pub fn is_markable(message: &Message) -> bool {
    message
        .payloads
        .iter()
        .any(|p| p.is("markable", ns::MARKERS))
}

/// The id a `displayed` marker names.
pub fn read_displayed(message: &Message) -> Option<&str> {
    message
        .payloads
        .iter()
        .find(|p| p.is("displayed", ns::MARKERS))?
        .attr("id")
}
