//! XEP-0461: Message Replies.

use minidom::Element;

use super::ns;
use super::rfc6121::Message;
use super::xml::Attrs;

/// §2: this message answers message `id`, written by `to`.
pub fn reply(to: &str, id: &str) -> Element {
    Element::builder("reply", ns::REPLY)
        .a("to", to)
        .a("id", id)
        .build()
}

/// The id of the message this one answers.
pub fn read(message: &Message) -> Option<&str> {
    message
        .payloads
        .iter()
        .find(|p| p.is("reply", ns::REPLY))?
        .attr("id")
}
