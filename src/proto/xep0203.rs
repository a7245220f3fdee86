//! XEP-0203: Delayed Delivery — when a message was first sent, for one that arrives
//! late (offline storage, a room's history, an archive).

use super::ns;
use super::rfc6121::Message;

/// The `<delay stamp/>` of a message, in ms since the epoch.
pub fn stamp(message: &Message) -> Option<f64> {
    let stamp = message
        .payloads
        .iter()
        .find(|p| p.is("delay", ns::DELAY))?
        .attr("stamp")?;
    let date = stamp.parse::<super::date::DateTime>().ok()?;
    Some(date.0.timestamp_millis() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_in_ms_and_none_when_unreadable() {
        let read = |payload: &str| {
            let xml = format!("<message xmlns='jabber:client'>{payload}</message>");
            stamp(&Message::try_from(xml.parse::<minidom::Element>().unwrap()).unwrap())
        };
        assert_eq!(
            read("<delay xmlns='urn:xmpp:delay' from='r@c' stamp='2002-10-13T23:58:37.5Z'/>"),
            Some(1_034_553_517_500.0)
        );
        assert_eq!(
            read("<delay xmlns='urn:xmpp:delay' stamp='yesterday'/>"),
            None
        );
        assert_eq!(read(""), None);
    }
}
