//! RFC 6121 §4: who is online, per contact, from the presence of each of their resources.

use std::collections::HashMap;

use xmpp_parsers::jid::BareJid;
use xmpp_parsers::presence::{Presence, Show, Type};

/// How reachable a contact is, as shown beside their name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Availability {
    #[default]
    Offline,
    ExtendedAway,
    Away,
    DoNotDisturb,
    Online,
    FreeToChat,
}

impl Availability {
    fn from_show(show: Option<&Show>) -> Availability {
        match show {
            None => Availability::Online,
            Some(Show::Chat) => Availability::FreeToChat,
            Some(Show::Away) => Availability::Away,
            Some(Show::Xa) => Availability::ExtendedAway,
            Some(Show::Dnd) => Availability::DoNotDisturb,
        }
    }

    /// Words for people; the presence element's `show` values are not meant for them.
    pub fn label(self) -> &'static str {
        match self {
            Availability::Offline => "Offline",
            Availability::ExtendedAway => "Away for a while",
            Availability::Away => "Away",
            Availability::DoNotDisturb => "Do not disturb",
            Availability::Online => "Online",
            Availability::FreeToChat => "Online, free to chat",
        }
    }

    /// A stable token for styling.
    pub fn token(self) -> &'static str {
        match self {
            Availability::Offline => "offline",
            Availability::ExtendedAway => "xa",
            Availability::Away => "away",
            Availability::DoNotDisturb => "dnd",
            Availability::Online => "online",
            Availability::FreeToChat => "chat",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct ResourcePresence {
    availability: Availability,
    priority: i8,
    status: Option<String>,
}

/// The presence of every resource we have heard from, grouped by bare JID.
#[derive(Clone, Debug, Default)]
pub struct PresenceBook {
    by_contact: HashMap<BareJid, HashMap<String, ResourcePresence>>,
}

impl PresenceBook {
    /// Applies one presence; returns the contact whose shown availability may have changed.
    pub fn apply(&mut self, presence: &Presence) -> Option<BareJid> {
        let from = presence.from.as_ref()?;
        let bare = from.to_bare();
        let resource = from.resource().map(|r| r.to_string()).unwrap_or_default();
        match presence.type_ {
            Type::None => {
                let entry = ResourcePresence {
                    availability: Availability::from_show(presence.show.as_ref()),
                    priority: presence.priority.0,
                    status: presence.statuses.values().next().cloned(),
                };
                self.by_contact
                    .entry(bare.clone())
                    .or_default()
                    .insert(resource, entry);
            }
            Type::Unavailable => {
                let resources = self.by_contact.get_mut(&bare)?;
                if resource.is_empty() {
                    resources.clear();
                } else {
                    resources.remove(&resource);
                }
            }
            // RFC 6121 §4.7.2.1 treats a presence error from a contact as unavailable.
            Type::Error => {
                self.by_contact.remove(&bare);
            }
            _ => return None,
        }
        Some(bare)
    }

    /// The best resource wins: highest priority, then the most reachable.
    pub fn availability(&self, jid: &BareJid) -> Availability {
        self.best(jid).map(|r| r.availability).unwrap_or_default()
    }

    pub fn status(&self, jid: &BareJid) -> Option<&str> {
        self.best(jid).and_then(|r| r.status.as_deref())
    }

    fn best(&self, jid: &BareJid) -> Option<&ResourcePresence> {
        self.by_contact
            .get(jid)?
            .values()
            .max_by_key(|r| (r.priority, r.availability))
    }

    /// Everyone goes offline when our connection ends.
    pub fn clear(&mut self) {
        self.by_contact.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minidom::Element;

    fn presence(xml: &str) -> Presence {
        Presence::try_from(xml.parse::<Element>().unwrap()).unwrap()
    }

    fn juliet() -> BareJid {
        BareJid::new("juliet@example.com").unwrap()
    }

    #[test]
    fn unknown_contact_is_offline() {
        assert_eq!(
            PresenceBook::default().availability(&juliet()),
            Availability::Offline
        );
    }

    #[test]
    fn show_values_map_to_availability() {
        for (show, expected) in [
            ("", Availability::Online),
            ("<show>away</show>", Availability::Away),
            ("<show>xa</show>", Availability::ExtendedAway),
            ("<show>dnd</show>", Availability::DoNotDisturb),
            ("<show>chat</show>", Availability::FreeToChat),
        ] {
            let mut book = PresenceBook::default();
            let changed = book.apply(&presence(&format!(
                "<presence xmlns='jabber:client' from='juliet@example.com/balcony'>{show}</presence>"
            )));
            assert_eq!(changed, Some(juliet()));
            assert_eq!(book.availability(&juliet()), expected, "{show}");
        }
    }

    #[test]
    fn best_resource_wins_and_unavailable_removes_one() {
        let mut book = PresenceBook::default();
        book.apply(&presence("<presence xmlns='jabber:client' from='juliet@example.com/phone'><show>away</show><priority>5</priority></presence>"));
        book.apply(&presence("<presence xmlns='jabber:client' from='juliet@example.com/laptop'><priority>1</priority><status>Reading</status></presence>"));
        assert_eq!(
            book.availability(&juliet()),
            Availability::Away,
            "priority comes first"
        );
        book.apply(&presence(
            "<presence xmlns='jabber:client' type='unavailable' from='juliet@example.com/phone'/>",
        ));
        assert_eq!(book.availability(&juliet()), Availability::Online);
        assert_eq!(book.status(&juliet()), Some("Reading"));
        book.apply(&presence(
            "<presence xmlns='jabber:client' type='unavailable' from='juliet@example.com/laptop'/>",
        ));
        assert_eq!(book.availability(&juliet()), Availability::Offline);
    }

    #[test]
    fn equal_priority_prefers_the_more_reachable() {
        let mut book = PresenceBook::default();
        book.apply(&presence("<presence xmlns='jabber:client' from='juliet@example.com/a'><show>xa</show></presence>"));
        book.apply(&presence("<presence xmlns='jabber:client' from='juliet@example.com/b'><show>dnd</show></presence>"));
        assert_eq!(book.availability(&juliet()), Availability::DoNotDisturb);
    }

    #[test]
    fn error_and_subscription_presences() {
        let mut book = PresenceBook::default();
        book.apply(&presence(
            "<presence xmlns='jabber:client' from='juliet@example.com/a'/>",
        ));
        book.apply(&presence("<presence xmlns='jabber:client' type='error' from='juliet@example.com'><error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"));
        assert_eq!(book.availability(&juliet()), Availability::Offline);
        assert_eq!(
            book.apply(&presence(
                "<presence xmlns='jabber:client' type='subscribe' from='nurse@example.com'/>"
            )),
            None
        );
        assert_eq!(
            book.apply(&presence("<presence xmlns='jabber:client'/>")),
            None,
            "no sender"
        );
    }
}
