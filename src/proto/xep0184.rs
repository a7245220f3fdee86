//! XEP-0184: Message Delivery Receipts.

use minidom::Element;

use super::ns;
use super::rfc6121::Message;
use super::xml::Attrs;

/// §5.1: asks the recipient to say when the message arrived.
pub fn request() -> Element {
    Element::builder("request", ns::RECEIPTS).build()
}

/// §5.2: says message `id` arrived.
pub fn received(id: &str) -> Element {
    Element::builder("received", ns::RECEIPTS)
        .a("id", id)
        .build()
}

pub fn requested(message: &Message) -> bool {
    message
        .payloads
        .iter()
        .any(|p| p.is("request", ns::RECEIPTS))
}

/// The id a receipt acknowledges.
pub fn read_received(message: &Message) -> Option<&str> {
    message
        .payloads
        .iter()
        .find(|p| p.is("received", ns::RECEIPTS))?
        .attr("id")
}
