//! RFC 6121: XMPP IM — presence, messages and the roster. Read from `minidom` elements
//! into small plain types (only what Kith uses), written back with `Element::builder`.

use crate::proto::jid::{BareJid, Jid};
use minidom::Element;

use super::xml::Attrs;

use super::ns;
use super::rfc6120::{jid_attr, ParseError};
use crate::sort::VecMap;

// ---- presence (§4) ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PresenceType {
    /// Available: no `type`.
    #[default]
    None,
    Error,
    Probe,
    Subscribe,
    Subscribed,
    Unavailable,
    Unsubscribe,
    Unsubscribed,
}

impl PresenceType {
    const ALL: [(PresenceType, &'static str); 7] = [
        (PresenceType::Error, "error"),
        (PresenceType::Probe, "probe"),
        (PresenceType::Subscribe, "subscribe"),
        (PresenceType::Subscribed, "subscribed"),
        (PresenceType::Unavailable, "unavailable"),
        (PresenceType::Unsubscribe, "unsubscribe"),
        (PresenceType::Unsubscribed, "unsubscribed"),
    ];

    fn as_str(self) -> Option<&'static str> {
        Self::ALL.iter().find(|(t, _)| *t == self).map(|(_, s)| *s)
    }
}

/// §4.7.2.1: the availability sub-state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    Away,
    Chat,
    Dnd,
    Xa,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Presence {
    pub from: Option<Jid>,
    pub to: Option<Jid>,
    pub id: Option<String>,
    pub type_: PresenceType,
    pub show: Option<Show>,
    /// `<status/>` texts by `xml:lang` (`""` when none is given).
    pub statuses: VecMap<String, String>,
    pub priority: i8,
    pub payloads: Vec<Element>,
}

impl Presence {
    pub fn new(type_: PresenceType) -> Presence {
        Presence {
            from: None,
            to: None,
            id: None,
            type_,
            show: None,
            statuses: VecMap::new(),
            priority: 0,
            payloads: vec![],
        }
    }

    pub fn with_to(mut self, to: impl Into<Jid>) -> Presence {
        self.to = Some(to.into());
        self
    }
}

impl TryFrom<Element> for Presence {
    type Error = ParseError;

    fn try_from(el: Element) -> Result<Presence, ParseError> {
        if !el.is("presence", ns::DEFAULT_NS) {
            return Err(ParseError("not a presence"));
        }
        let type_ = match el.attr("type") {
            None => PresenceType::None,
            Some(t) => PresenceType::ALL
                .iter()
                .find(|(_, s)| *s == t)
                .map(|(p, _)| *p)
                .ok_or(ParseError("a presence of unknown type"))?,
        };
        let mut presence = Presence {
            from: jid_attr(&el, "from")?,
            to: jid_attr(&el, "to")?,
            id: el.attr("id").map(str::to_owned),
            ..Presence::new(type_)
        };
        for child in el.children() {
            if child.is("show", ns::DEFAULT_NS) {
                if presence.show.is_some() {
                    return Err(ParseError("two <show/>"));
                }
                presence.show = Some(match child.text().as_str() {
                    "away" => Show::Away,
                    "chat" => Show::Chat,
                    "dnd" => Show::Dnd,
                    "xa" => Show::Xa,
                    _ => return Err(ParseError("an unknown <show/>")),
                });
            } else if child.is("status", ns::DEFAULT_NS) {
                let lang = super::xml::lang(child);
                presence.statuses.insert(lang, child.text());
            } else if child.is("priority", ns::DEFAULT_NS) {
                presence.priority = child
                    .text()
                    .trim()
                    .parse()
                    .map_err(|_| ParseError("a priority that is no number"))?;
            } else {
                presence.payloads.push(child.clone());
            }
        }
        Ok(presence)
    }
}

impl From<Presence> for Element {
    fn from(p: Presence) -> Element {
        let show = p.show.map(|show| {
            let text = match show {
                Show::Away => "away",
                Show::Chat => "chat",
                Show::Dnd => "dnd",
                Show::Xa => "xa",
            };
            Element::builder("show", ns::DEFAULT_NS)
                .append(text)
                .build()
        });
        let statuses = p.statuses.into_iter().map(|(lang, text)| {
            Element::builder("status", ns::DEFAULT_NS)
                .lang(Some(&lang))
                .append(text)
                .build()
        });
        Element::builder("presence", ns::DEFAULT_NS)
            .a("from", p.from.map(|j| j.to_string()))
            .a("to", p.to.map(|j| j.to_string()))
            .a("id", p.id)
            .a("type", p.type_.as_str())
            .append_all(show)
            .append_all(statuses)
            .append(
                Element::builder("priority", ns::DEFAULT_NS)
                    .append(p.priority.to_string())
                    .build(),
            )
            .append_all(p.payloads)
            .build()
    }
}

// ---- messages (§5) ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MessageType {
    Chat,
    Error,
    Groupchat,
    Headline,
    #[default]
    Normal,
}

impl MessageType {
    const ALL: [(MessageType, &'static str); 5] = [
        (MessageType::Chat, "chat"),
        (MessageType::Error, "error"),
        (MessageType::Groupchat, "groupchat"),
        (MessageType::Headline, "headline"),
        (MessageType::Normal, "normal"),
    ];

    fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(t, _)| *t == self)
            .map_or("normal", |(_, s)| s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub from: Option<Jid>,
    pub to: Option<Jid>,
    pub id: Option<String>,
    pub type_: MessageType,
    /// `<body/>` texts by `xml:lang` (`""` when none is given).
    pub bodies: VecMap<String, String>,
    /// Every child but bodies and the thread (a `<subject/>` is kept here).
    pub payloads: Vec<Element>,
}

impl Message {
    /// A chat message to `to`.
    pub fn new(to: Option<Jid>) -> Message {
        Message {
            from: None,
            to,
            id: None,
            type_: MessageType::Chat,
            bodies: VecMap::new(),
            payloads: vec![],
        }
    }
}

impl TryFrom<Element> for Message {
    type Error = ParseError;

    fn try_from(el: Element) -> Result<Message, ParseError> {
        if !el.is("message", ns::DEFAULT_NS) {
            return Err(ParseError("not a message"));
        }
        let type_ = match el.attr("type") {
            None => MessageType::Normal,
            Some(t) => MessageType::ALL
                .iter()
                .find(|(_, s)| *s == t)
                .map(|(m, _)| *m)
                .ok_or(ParseError("a message of unknown type"))?,
        };
        let mut message = Message {
            from: jid_attr(&el, "from")?,
            to: jid_attr(&el, "to")?,
            id: el.attr("id").map(str::to_owned),
            type_,
            bodies: VecMap::new(),
            payloads: vec![],
        };
        for child in el.children() {
            if child.is("body", ns::DEFAULT_NS) {
                let lang = super::xml::lang(child);
                message.bodies.insert(lang, child.text());
            } else if child.is("thread", ns::DEFAULT_NS) {
                // Not used by Kith; kept out of the payloads as it is not one. A `<subject/>`
                // stays among them: a room's subject is one (XEP-0045 §8.1).
            } else {
                message.payloads.push(child.clone());
            }
        }
        Ok(message)
    }
}

impl From<Message> for Element {
    fn from(m: Message) -> Element {
        let bodies = m.bodies.into_iter().map(|(lang, text)| {
            Element::builder("body", ns::DEFAULT_NS)
                .lang(Some(&lang))
                .append(text)
                .build()
        });
        Element::builder("message", ns::DEFAULT_NS)
            .a("from", m.from.map(|j| j.to_string()))
            .a("to", m.to.map(|j| j.to_string()))
            .a("id", m.id)
            .a("type", m.type_.as_str())
            .append_all(bodies)
            .append_all(m.payloads)
            .build()
    }
}

// ---- roster (§2) --------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Subscription {
    #[default]
    None,
    From,
    To,
    Both,
    Remove,
}

/// One `<item/>` of a roster query.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterItem {
    pub jid: BareJid,
    pub name: Option<String>,
    pub subscription: Subscription,
    /// `ask='subscribe'`: our subscription request is pending.
    pub ask: bool,
    pub groups: Vec<String>,
}

impl RosterItem {
    pub fn new(jid: BareJid, name: Option<String>, subscription: Subscription) -> RosterItem {
        RosterItem {
            jid,
            name,
            subscription,
            ask: false,
            groups: vec![],
        }
    }
}

/// `<query xmlns='jabber:iq:roster'/>`: a roster get, result or push.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RosterQuery {
    pub ver: Option<String>,
    pub items: Vec<RosterItem>,
}

impl TryFrom<Element> for RosterQuery {
    type Error = ParseError;

    fn try_from(el: Element) -> Result<RosterQuery, ParseError> {
        if !el.is("query", ns::ROSTER) {
            return Err(ParseError("not a roster query"));
        }
        let mut items = vec![];
        for item in el.children().filter(|c| c.is("item", ns::ROSTER)) {
            let jid = item
                .attr("jid")
                .and_then(|j| BareJid::new(j).ok())
                .ok_or(ParseError("a roster item without a bare JID"))?;
            let subscription = match item.attr("subscription") {
                None | Some("none") => Subscription::None,
                Some("from") => Subscription::From,
                Some("to") => Subscription::To,
                Some("both") => Subscription::Both,
                Some("remove") => Subscription::Remove,
                Some(_) => return Err(ParseError("an unknown subscription")),
            };
            let ask = match item.attr("ask") {
                None => false,
                Some("subscribe") => true,
                Some(_) => return Err(ParseError("an unknown ask")),
            };
            items.push(RosterItem {
                jid,
                name: item.attr("name").map(str::to_owned),
                subscription,
                ask,
                groups: item
                    .children()
                    .filter(|g| g.is("group", ns::ROSTER))
                    .map(Element::text)
                    .collect(),
            });
        }
        Ok(RosterQuery {
            ver: el.attr("ver").map(str::to_owned),
            items,
        })
    }
}

impl From<RosterQuery> for Element {
    fn from(query: RosterQuery) -> Element {
        let items = query.items.into_iter().map(|item| {
            let subscription = match item.subscription {
                Subscription::None => None,
                Subscription::From => Some("from"),
                Subscription::To => Some("to"),
                Subscription::Both => Some("both"),
                Subscription::Remove => Some("remove"),
            };
            Element::builder("item", ns::ROSTER)
                .a("jid", item.jid.to_string())
                .a("name", item.name)
                .a("subscription", subscription)
                .a("ask", item.ask.then_some("subscribe"))
                .append_all(
                    item.groups
                        .into_iter()
                        .map(|g| Element::builder("group", ns::ROSTER).append(g).build()),
                )
                .build()
        });
        Element::builder("query", ns::ROSTER)
            .a("ver", query.ver)
            .append_all(items)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    #[test]
    fn presence_reads_show_status_priority_and_payloads() {
        let p = Presence::try_from(el("<presence xmlns='jabber:client' from='a@b/c'><show>dnd</show>\
            <status xml:lang='en'>Busy</status><priority>-5</priority><c xmlns='http://jabber.org/protocol/caps'/></presence>"))
        .unwrap();
        assert_eq!(p.type_, PresenceType::None);
        assert_eq!(p.show, Some(Show::Dnd));
        assert_eq!(p.statuses.get("en").map(String::as_str), Some("Busy"));
        assert_eq!(p.priority, -5);
        assert_eq!(p.payloads.len(), 1);
    }

    #[test]
    fn malformed_presence_and_messages_are_refused() {
        for xml in [
            "<presence xmlns='jabber:client' type='online'/>",
            "<presence xmlns='jabber:client'><show>online</show></presence>",
            "<presence xmlns='jabber:client'><priority>1000</priority></presence>",
            "<presence xmlns='jabber:client' from='@@'/>",
        ] {
            assert!(Presence::try_from(el(xml)).is_err(), "{xml}");
        }
        for xml in [
            "<message xmlns='jabber:client' type='shout'/>",
            "<message xmlns='jabber:client' to='@@'/>",
            "<presence xmlns='jabber:client'/>",
        ] {
            assert!(Message::try_from(el(xml)).is_err(), "{xml}");
        }
    }

    #[test]
    fn a_message_keeps_its_bodies_apart_from_its_payloads() {
        let m = Message::try_from(el("<message xmlns='jabber:client' id='m'><body>Hi</body>\
            <thread>t</thread><stanza-id xmlns='urn:xmpp:sid:0' id='s' by='a@b'/></message>"))
        .unwrap();
        assert_eq!(m.type_, MessageType::Normal);
        assert_eq!(m.bodies.get("").map(String::as_str), Some("Hi"));
        assert_eq!(m.payloads.len(), 1);
        assert_eq!(m.id.as_deref(), Some("m"));
    }

    #[test]
    fn roster_items_need_a_bare_jid_and_a_known_subscription() {
        let query = |item: &str| {
            RosterQuery::try_from(el(&format!(
                "<query xmlns='jabber:iq:roster'>{item}</query>"
            )))
        };
        assert!(query("<item jid='a@b/c'/>").is_err());
        assert!(query("<item/>").is_err());
        assert!(query("<item jid='a@b' subscription='some'/>").is_err());
        assert!(query("<item jid='a@b' ask='maybe'/>").is_err());
        let ok =
            query("<item jid='a@b' ask='subscribe' subscription='from'><group>G</group></item>")
                .unwrap();
        assert_eq!(ok.items[0].subscription, Subscription::From);
        assert!(ok.items[0].ask);
        assert_eq!(ok.items[0].groups, vec!["G".to_owned()]);
    }
}
