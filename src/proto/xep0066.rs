//! XEP-0066: Out of Band Data — a file's URL beside a message, shown inline by clients.

use minidom::Element;

use super::ns;
use super::rfc6121::Message;

/// §3: `<x xmlns='jabber:x:oob'><url>…</url></x>`.
pub fn url(url: &str) -> Element {
    Element::builder("x", ns::OOB)
        .append(Element::builder("url", ns::OOB).append(url).build())
        .build()
}

pub fn read(message: &Message) -> Option<String> {
    let x = message.payloads.iter().find(|p| p.is("x", ns::OOB))?;
    Some(x.get_child("url", ns::OOB)?.text()).filter(|u| !u.is_empty())
}
