//! XEP-0172: User Nickname — the name a person chose for themselves, published on PEP
//! (§4.5) and carried in subscription requests and messages to strangers (§4.2, §4.3).

use minidom::Element;

use super::ns;
use super::rfc6120::ParseError;
use super::rfc6121::Presence;

/// A nickname is someone else's text: kept no longer than this (in characters).
pub const MAX_CHARS: usize = 256;

/// `<nick/>` carrying `nick`; `None` (or blank) is the empty one that removes it (§4.5).
pub fn nick(nick: Option<&str>) -> Element {
    let nick = nick.map(str::trim).filter(|n| !n.is_empty());
    Element::builder("nick", ns::NICK)
        .append_all(nick.map(str::to_owned))
        .build()
}

/// The nickname a `<nick/>` holds: `Ok(None)` for an empty one (no nickname).
pub fn read(el: &Element) -> Result<Option<String>, ParseError> {
    if !el.is("nick", ns::NICK) {
        return Err(ParseError("not a nick"));
    }
    Ok(super::xml::trimmed_text(el, MAX_CHARS))
}

/// The nickname a presence (a subscription request) claims.
pub fn from_presence(presence: &Presence) -> Option<String> {
    presence
        .payloads
        .iter()
        .find_map(|p| read(p).ok().flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    #[test]
    fn a_nick_round_trips() {
        let built = nick(Some("  Romeo "));
        assert_eq!(
            built,
            el("<nick xmlns='http://jabber.org/protocol/nick'>Romeo</nick>")
        );
        assert_eq!(read(&built), Ok(Some("Romeo".to_owned())));
        let empty = nick(Some("   "));
        assert_eq!(empty, el("<nick xmlns='http://jabber.org/protocol/nick'/>"));
        assert_eq!(read(&empty), Ok(None));
        assert_eq!(nick(None), empty);
        assert!(read(&el("<nick xmlns='urn:example'>x</nick>")).is_err());
    }

    #[test]
    fn a_long_nick_is_cut() {
        let long = "é".repeat(MAX_CHARS * 4);
        let read = read(&nick(Some(&long))).unwrap().unwrap();
        assert_eq!(read.chars().count(), MAX_CHARS);
    }

    #[test]
    fn a_subscription_request_carries_a_nick() {
        let presence = Presence::try_from(el(
            "<presence xmlns='jabber:client' from='stpeter@jabber.org' type='subscribe'>\
             <nick xmlns='http://jabber.org/protocol/nick'>Peter</nick></presence>",
        ))
        .unwrap();
        assert_eq!(from_presence(&presence).as_deref(), Some("Peter"));
        let bare = Presence::try_from(el(
            "<presence xmlns='jabber:client' from='stpeter@jabber.org' type='subscribe'/>",
        ))
        .unwrap();
        assert_eq!(from_presence(&bare), None);
    }
}
