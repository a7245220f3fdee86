//! RFC 6121 §4: who is online, per contact, from the presence of each of their resources.

use std::collections::HashMap;

use crate::proto::jid::BareJid;
use crate::proto::rfc6121::{Presence, PresenceType as Type, Show};

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
    pub fn from_show(show: Option<&Show>) -> Availability {
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

/// Resources kept per contact: people have a few devices; more is someone flooding.
const MAX_RESOURCES: usize = 16;
/// Resources kept in all: a very large roster's worth.
const MAX_ENTRIES: usize = 8_192;

#[derive(Clone, Debug, PartialEq)]
struct ResourcePresence {
    availability: Availability,
    priority: i8,
    status: Option<String>,
    /// When it was last heard from, in updates: the stalest makes room.
    heard: u64,
}

/// The presence of the resources of the account and its contacts, grouped by bare JID,
/// and bounded: anyone may send presence to us, as often and from as many resources as
/// they like.
#[derive(Clone, Debug, Default)]
pub struct PresenceBook {
    by_contact: HashMap<BareJid, HashMap<String, ResourcePresence>>,
    /// Resources held, all contacts together.
    entries: usize,
    /// Counts updates, for [`ResourcePresence::heard`].
    updates: u64,
}

impl PresenceBook {
    /// Applies one presence from someone `known` (the account itself or a roster
    /// contact: nobody else's presence is shown); returns the contact whose shown
    /// availability may have changed.
    pub fn apply(
        &mut self,
        presence: &Presence,
        known: impl Fn(&BareJid) -> bool,
    ) -> Option<BareJid> {
        let from = presence.from.as_ref()?;
        let bare = from.to_bare();
        if !known(&bare) {
            return None;
        }
        let resource = from.resource().map(|r| r.to_string()).unwrap_or_default();
        match presence.type_ {
            Type::None => {
                self.updates += 1;
                let entry = ResourcePresence {
                    availability: Availability::from_show(presence.show.as_ref()),
                    priority: presence.priority,
                    status: presence.statuses.values().next().cloned(),
                    heard: self.updates,
                };
                self.make_room(&bare, &resource)?;
                let resources = self.by_contact.entry(bare.clone()).or_default();
                if resources.insert(resource, entry).is_none() {
                    self.entries += 1;
                }
            }
            Type::Unavailable => {
                let resources = self.by_contact.get_mut(&bare)?;
                if resource.is_empty() {
                    self.entries -= resources.len();
                    resources.clear();
                } else if resources.remove(&resource).is_some() {
                    self.entries -= 1;
                }
                if resources.is_empty() {
                    self.by_contact.remove(&bare);
                }
            }
            // RFC 6121 §4.7.2.1 treats a presence error from a contact as unavailable.
            Type::Error => {
                let resources = self.by_contact.remove(&bare)?;
                self.entries -= resources.len();
            }
            _ => return None,
        }
        Some(bare)
    }

    /// Before a new `resource` of `contact` is kept: past [`MAX_RESOURCES`] its stalest
    /// one goes; past [`MAX_ENTRIES`] in all, `None` (it is not kept).
    fn make_room(&mut self, contact: &BareJid, resource: &str) -> Option<()> {
        let resources = self.by_contact.get_mut(contact);
        let held = resources.as_ref().map_or(0, |r| r.len());
        match resources {
            Some(resources) if resources.contains_key(resource) => {}
            Some(resources) if held >= MAX_RESOURCES => {
                let stalest = resources
                    .iter()
                    .min_by_key(|(_, r)| r.heard)
                    .map(|(name, _)| name.clone())?;
                resources.remove(&stalest);
                self.entries -= 1;
            }
            _ if self.entries >= MAX_ENTRIES => return None,
            _ => {}
        }
        Some(())
    }

    /// Forgets whoever is no longer `known` (a contact was removed from the roster).
    pub fn retain(&mut self, known: impl Fn(&BareJid) -> bool) {
        self.by_contact.retain(|jid, _| known(jid));
        self.entries = self.by_contact.values().map(HashMap::len).sum();
    }

    #[cfg(test)]
    fn entries(&self) -> usize {
        self.entries
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
        self.entries = 0;
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

    fn anyone(_: &BareJid) -> bool {
        true
    }

    fn from(jid: &str) -> Presence {
        presence(&format!("<presence xmlns='jabber:client' from='{jid}'/>"))
    }

    #[test]
    fn presence_from_strangers_is_not_kept() {
        let mut book = PresenceBook::default();
        let known = |jid: &BareJid| *jid == juliet();
        for i in 0..10_000 {
            assert_eq!(
                book.apply(&from(&format!("s{i}@evil.example/r")), known),
                None
            );
        }
        assert_eq!(book.entries(), 0);
        assert_eq!(book.by_contact.len(), 0);
        assert_eq!(
            book.apply(&from("juliet@example.com/balcony"), known),
            Some(juliet())
        );
        assert_eq!(book.entries(), 1);
    }

    #[test]
    fn ten_thousand_resources_of_one_contact_stay_bounded() {
        let mut book = PresenceBook::default();
        for i in 0..10_000 {
            book.apply(&from(&format!("juliet@example.com/r{i}")), anyone);
        }
        assert_eq!(book.entries(), MAX_RESOURCES);
        assert_eq!(book.by_contact[&juliet()].len(), MAX_RESOURCES);
        // The stalest made room: the newest are kept.
        assert!(book.by_contact[&juliet()].contains_key("r9999"));
        assert!(!book.by_contact[&juliet()].contains_key("r0"));
        assert_eq!(book.availability(&juliet()), Availability::Online);
        // Leaving, one by one, empties the book.
        for i in 0..10_000 {
            book.apply(
                &presence(&format!("<presence xmlns='jabber:client' type='unavailable' from='juliet@example.com/r{i}'/>")),
                anyone,
            );
        }
        assert_eq!(book.entries(), 0);
        assert!(book.by_contact.is_empty(), "no empty entries left behind");
    }

    #[test]
    fn ten_thousand_contacts_stay_within_the_total_bound() {
        let mut book = PresenceBook::default();
        for i in 0..10_000 {
            for r in ["a", "b"] {
                book.apply(&from(&format!("c{i}@example.net/{r}")), anyone);
            }
        }
        assert_eq!(book.entries(), MAX_ENTRIES);
        // A contact kept can still change and leave.
        let first = BareJid::new("c0@example.net").unwrap();
        book.apply(&presence("<presence xmlns='jabber:client' from='c0@example.net/a'><show>dnd</show><priority>9</priority></presence>"), anyone);
        assert_eq!(book.availability(&first), Availability::DoNotDisturb);
        book.apply(
            &presence("<presence xmlns='jabber:client' type='unavailable' from='c0@example.net'/>"),
            anyone,
        );
        assert_eq!(book.availability(&first), Availability::Offline);
        assert_eq!(book.entries(), MAX_ENTRIES - 2);
    }

    #[test]
    fn a_removed_contact_is_forgotten() {
        let mut book = PresenceBook::default();
        book.apply(&from("juliet@example.com/balcony"), anyone);
        book.apply(&from("nurse@example.com/kitchen"), anyone);
        book.retain(|jid| *jid != juliet());
        assert_eq!(book.availability(&juliet()), Availability::Offline);
        assert_eq!(book.entries(), 1);
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
            )), anyone);
            assert_eq!(changed, Some(juliet()));
            assert_eq!(book.availability(&juliet()), expected, "{show}");
        }
    }

    #[test]
    fn best_resource_wins_and_unavailable_removes_one() {
        let mut book = PresenceBook::default();
        book.apply(&presence("<presence xmlns='jabber:client' from='juliet@example.com/phone'><show>away</show><priority>5</priority></presence>"), anyone);
        book.apply(&presence("<presence xmlns='jabber:client' from='juliet@example.com/laptop'><priority>1</priority><status>Reading</status></presence>"), anyone);
        assert_eq!(
            book.availability(&juliet()),
            Availability::Away,
            "priority comes first"
        );
        book.apply(&presence(
            "<presence xmlns='jabber:client' type='unavailable' from='juliet@example.com/phone'/>",
        ), anyone);
        assert_eq!(book.availability(&juliet()), Availability::Online);
        assert_eq!(book.status(&juliet()), Some("Reading"));
        book.apply(&presence(
            "<presence xmlns='jabber:client' type='unavailable' from='juliet@example.com/laptop'/>",
        ), anyone);
        assert_eq!(book.availability(&juliet()), Availability::Offline);
    }

    #[test]
    fn equal_priority_prefers_the_more_reachable() {
        let mut book = PresenceBook::default();
        book.apply(&presence("<presence xmlns='jabber:client' from='juliet@example.com/a'><show>xa</show></presence>"), anyone);
        book.apply(&presence("<presence xmlns='jabber:client' from='juliet@example.com/b'><show>dnd</show></presence>"), anyone);
        assert_eq!(book.availability(&juliet()), Availability::DoNotDisturb);
    }

    #[test]
    fn error_and_subscription_presences() {
        let mut book = PresenceBook::default();
        book.apply(
            &presence("<presence xmlns='jabber:client' from='juliet@example.com/a'/>"),
            anyone,
        );
        book.apply(&presence("<presence xmlns='jabber:client' type='error' from='juliet@example.com'><error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"), anyone);
        assert_eq!(book.availability(&juliet()), Availability::Offline);
        assert_eq!(
            book.apply(
                &presence(
                    "<presence xmlns='jabber:client' type='subscribe' from='nurse@example.com'/>"
                ),
                anyone
            ),
            None
        );
        assert_eq!(
            book.apply(&presence("<presence xmlns='jabber:client'/>"), anyone),
            None,
            "no sender"
        );
    }
}
