//! XEP-0424: Message Retraction.

use minidom::Element;

use super::ns;
use super::rfc6121::Message;
use super::xml::Attrs;

/// §4 (version 0.4): retracts message `id` (its origin-id in a chat).
pub fn retract(id: &str) -> Element {
    Element::builder("retract", ns::RETRACT).a("id", id).build()
}

/// What clients without retraction show (§4, with XEP-0428).
pub const FALLBACK_BODY: &str =
    "This person attempted to retract a previous message, but it's unsupported by your client.";

/// The id of the message retracted: version 0.4's `<retract id/>`, or version 0.3's
/// `<apply-to id><retract/></apply-to>` (XEP-0422), which older clients still send.
pub fn read(message: &Message) -> Option<&str> {
    message
        .payloads
        .iter()
        .find(|p| {
            p.is("retract", ns::RETRACT)
                || (p.is("apply-to", ns::FASTEN) && p.has_child("retract", ns::RETRACT_0))
        })?
        .attr("id")
}
