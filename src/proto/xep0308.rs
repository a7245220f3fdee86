//! XEP-0308: Last Message Correction.

use minidom::Element;

use super::ns;
use super::rfc6121::Message;
use super::xml::Attrs;

/// §3: this message's body replaces that of message `id`.
pub fn replace(id: &str) -> Element {
    Element::builder("replace", ns::CORRECT).a("id", id).build()
}

/// The id of the message this one corrects.
pub fn read(message: &Message) -> Option<&str> {
    message
        .payloads
        .iter()
        .find(|p| p.is("replace", ns::CORRECT))?
        .attr("id")
}
