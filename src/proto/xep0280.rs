//! XEP-0280: Message Carbons — copies of the account's messages on its other devices.

use minidom::Element;

use super::jid::BareJid;
use super::ns;
use super::rfc6121::Message;

/// §4: the payload of the iq set that turns carbons on for this resource.
pub fn enable() -> Element {
    Element::builder("enable", ns::CARBONS).build()
}

/// What a message is to the carbons protocol.
#[derive(Debug, PartialEq)]
pub enum Carbon {
    /// Not a carbon: the message itself.
    No,
    /// A message another device of the account sent.
    Sent(Box<Message>),
    /// A message another device of the account received.
    Received(Box<Message>),
    /// A carbon wrapper from anyone but the account itself (§11: the CVE-2017-5589
    /// family), or one with nothing readable inside: to be dropped.
    Forged,
}

/// Unwraps a carbon. Only the account's own bare JID (the server, on its behalf) may send
/// one: a `<sent/>` or `<received/>` from a contact is a forgery.
pub fn read(message: &Message, account: &BareJid) -> Carbon {
    let Some((sent, wrapper)) = message.payloads.iter().find_map(|p| {
        (p.ns() == ns::CARBONS && matches!(p.name(), "sent" | "received"))
            .then(|| (p.name() == "sent", p))
    }) else {
        return Carbon::No;
    };
    let ours = match &message.from {
        Some(from) => from.resource().is_none() && from.to_bare() == *account,
        None => false,
    };
    let inner = wrapper
        .get_child("forwarded", ns::FORWARD)
        .and_then(|f| f.get_child("message", ns::DEFAULT_NS))
        .and_then(|m| Message::try_from(m.clone()).ok());
    match (ours, inner) {
        (true, Some(inner)) if sent => Carbon::Sent(Box::new(inner)),
        (true, Some(inner)) => Carbon::Received(Box::new(inner)),
        _ => Carbon::Forged,
    }
}
