//! XEP-0191: Blocking Command — the blocklist, blocking and unblocking, and the pushes
//! the server sends every resource when the list changes.

use minidom::Element;

use super::jid::{BareJid, Jid};
use super::ns;
use super::rfc6120::ParseError;
use super::xml::Attrs;

/// §3.2: the payload of the iq get asking for the blocklist.
pub fn blocklist_request() -> Element {
    Element::builder("blocklist", ns::BLOCKING).build()
}

fn items(el: &Element) -> Result<Vec<Jid>, ParseError> {
    el.children()
        .filter(|c| c.is("item", ns::BLOCKING))
        .map(|item| {
            item.attr("jid")
                .and_then(|j| Jid::new(j).ok())
                .ok_or(ParseError("a blocklist item without a JID"))
        })
        .collect()
}

fn with_items(name: &str, jids: &[Jid]) -> Element {
    Element::builder(name, ns::BLOCKING)
        .append_all(
            jids.iter()
                .map(|j| Element::builder("item", ns::BLOCKING).a("jid", j).build()),
        )
        .build()
}

/// §3.2: the JIDs of a blocklist result.
pub fn read_blocklist(el: &Element) -> Result<Vec<Jid>, ParseError> {
    if !el.is("blocklist", ns::BLOCKING) {
        return Err(ParseError("not a blocklist"));
    }
    items(el)
}

/// §3.3: blocks `jids` (at least one: an empty block is a `bad-request`).
pub fn block(jids: &[Jid]) -> Element {
    debug_assert!(!jids.is_empty(), "a block names whom it blocks");
    with_items("block", jids)
}

/// §3.4 (§3.5 when `jids` is empty: unblocks everyone).
pub fn unblock(jids: &[Jid]) -> Element {
    with_items("unblock", jids)
}

/// A change of the blocklist the server pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Push {
    Block(Vec<Jid>),
    /// Empty: everyone was unblocked (§3.5).
    Unblock(Vec<Jid>),
}

/// Why a push was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushRejected {
    /// Only the account's own server (no `from`, or the account's bare JID) pushes its
    /// blocklist: anyone else would be unblocking themselves.
    ForeignSender(Jid),
    Malformed(ParseError),
}

/// Reads the payload of a blocklist push (an iq set) that came `from`.
pub fn read_push(
    from: Option<&Jid>,
    account: &BareJid,
    payload: &Element,
) -> Result<Push, PushRejected> {
    if let Some(from) = from {
        if from.resource().is_some() || from.to_bare() != *account {
            return Err(PushRejected::ForeignSender(from.clone()));
        }
    }
    let malformed = PushRejected::Malformed;
    if payload.is("block", ns::BLOCKING) {
        let jids = items(payload).map_err(malformed)?;
        if jids.is_empty() {
            return Err(malformed(ParseError("a block without items")));
        }
        Ok(Push::Block(jids))
    } else if payload.is("unblock", ns::BLOCKING) {
        Ok(Push::Unblock(items(payload).map_err(malformed)?))
    } else {
        Err(malformed(ParseError("not a blocklist push")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    fn jid(text: &str) -> Jid {
        Jid::new(text).unwrap()
    }

    fn account() -> BareJid {
        BareJid::new("juliet@capulet.com").unwrap()
    }

    #[test]
    fn the_blocklist_is_asked_and_read() {
        assert_eq!(
            blocklist_request(),
            el("<blocklist xmlns='urn:xmpp:blocking'/>")
        );
        let result = el("<blocklist xmlns='urn:xmpp:blocking'>\
            <item jid='romeo@montague.net'/><item jid='iago@shakespeare.lit/evil'/><item jid='spam.example'/>\
            </blocklist>");
        assert_eq!(
            read_blocklist(&result).unwrap(),
            vec![
                jid("romeo@montague.net"),
                jid("iago@shakespeare.lit/evil"),
                jid("spam.example")
            ]
        );
        assert_eq!(
            read_blocklist(&el("<blocklist xmlns='urn:xmpp:blocking'/>")).unwrap(),
            Vec::<Jid>::new()
        );
        assert!(read_blocklist(&el(
            "<blocklist xmlns='urn:xmpp:blocking'><item/></blocklist>"
        ))
        .is_err());
        assert!(read_blocklist(&el(
            "<blocklist xmlns='urn:xmpp:blocking'><item jid='@@'/></blocklist>"
        ))
        .is_err());
    }

    #[test]
    fn block_and_unblock_are_built() {
        assert_eq!(
            block(&[jid("romeo@montague.net")]),
            el("<block xmlns='urn:xmpp:blocking'><item jid='romeo@montague.net'/></block>")
        );
        assert_eq!(
            unblock(&[jid("romeo@montague.net")]),
            el("<unblock xmlns='urn:xmpp:blocking'><item jid='romeo@montague.net'/></unblock>")
        );
        assert_eq!(unblock(&[]), el("<unblock xmlns='urn:xmpp:blocking'/>"));
    }

    #[test]
    fn pushes_from_the_account_are_read() {
        let block = el("<block xmlns='urn:xmpp:blocking'><item jid='romeo@montague.net'/></block>");
        assert_eq!(
            read_push(None, &account(), &block),
            Ok(Push::Block(vec![jid("romeo@montague.net")]))
        );
        let own = jid("juliet@capulet.com");
        assert_eq!(
            read_push(
                Some(&own),
                &account(),
                &el("<unblock xmlns='urn:xmpp:blocking'/>")
            ),
            Ok(Push::Unblock(vec![]))
        );
        assert!(matches!(
            read_push(None, &account(), &el("<block xmlns='urn:xmpp:blocking'/>")),
            Err(PushRejected::Malformed(_))
        ));
        assert!(matches!(
            read_push(
                None,
                &account(),
                &el("<blocklist xmlns='urn:xmpp:blocking'/>")
            ),
            Err(PushRejected::Malformed(_))
        ));
    }

    #[test]
    fn a_forged_push_is_refused() {
        // The blocked contact unblocking themselves, or anyone planting a block.
        let unblock =
            el("<unblock xmlns='urn:xmpp:blocking'><item jid='romeo@montague.net'/></unblock>");
        for from in [
            "romeo@montague.net",
            "romeo@montague.net/orchard",
            "juliet@capulet.com/balcony",
            "capulet.com",
        ] {
            let from = jid(from);
            assert_eq!(
                read_push(Some(&from), &account(), &unblock),
                Err(PushRejected::ForeignSender(from.clone()))
            );
        }
    }
}
