//! RFC 6121 §2: the contact list — initial fetch, and pushes applied as they come.

use std::collections::BTreeMap;

use crate::proto::jid::{BareJid, Jid};
use crate::proto::rfc6120::Iq;
use crate::proto::rfc6121::{RosterItem, RosterQuery, Subscription};
use minidom::Element;

use super::outbox::{OutboxEntry, WriteKind};
use crate::store::{CachedRoster, ContactRecord};

/// One entry of the contact list.
#[derive(Clone, Debug, PartialEq)]
pub struct Contact {
    pub jid: BareJid,
    /// The name the user gave this contact, if any.
    pub name: Option<String>,
    pub subscription: Subscription,
    /// We asked to see their presence and they have not answered yet.
    pub pending_out: bool,
    pub groups: Vec<String>,
}

impl Contact {
    fn from_item(item: RosterItem) -> Contact {
        Contact {
            name: item
                .name
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
            pending_out: item.ask,
            groups: item.groups,
            subscription: item.subscription,
            jid: item.jid,
        }
    }

    /// A contact the person just added, shown until the server confirms it.
    pub fn added(jid: BareJid, name: Option<String>) -> Contact {
        Contact {
            jid,
            name,
            subscription: Subscription::None,
            pending_out: false,
            groups: vec![],
        }
    }

    /// The cached form; `None` for a record that cannot be a contact any more.
    pub fn from_record(record: &ContactRecord) -> Option<Contact> {
        let subscription = match record.subscription.as_str() {
            "to" => Subscription::To,
            "from" => Subscription::From,
            "both" => Subscription::Both,
            _ => Subscription::None,
        };
        Some(Contact {
            jid: BareJid::new(&record.jid).ok()?,
            name: record.name.clone(),
            subscription,
            pending_out: record.pending_out,
            groups: record.groups.clone(),
        })
    }

    pub fn to_record(&self, account: &BareJid) -> ContactRecord {
        let subscription = match self.subscription {
            Subscription::To => "to",
            Subscription::From => "from",
            Subscription::Both => "both",
            _ => "none",
        };
        ContactRecord {
            account: account.to_string(),
            jid: self.jid.to_string(),
            name: self.name.clone(),
            subscription: subscription.into(),
            pending_out: self.pending_out,
            groups: self.groups.clone(),
        }
    }

    /// The roster name, else the JID's local part, else the whole JID (a server or
    /// gateway): [`super::people::display_name`] without what the contact published.
    pub fn display_name(&self) -> String {
        super::people::display_name(&self.jid, self.name.as_deref(), None)
    }
}

/// How the contact list changed.
#[derive(Clone, Debug, PartialEq)]
pub enum RosterChange {
    /// The whole list was replaced by a fetch result.
    Replaced,
    Upserted(BareJid),
    Removed(BareJid),
}

/// Why a roster push was not applied.
#[derive(Clone, Debug, PartialEq)]
pub enum PushRejected {
    /// RFC 6121 §2.1.6: only our own account may push (CVE-2015-8688 class).
    ForeignSender(Jid),
    /// RFC 6121 §2.1.6: a push carries exactly one item.
    NotOneItem(usize),
    Malformed,
}

/// The user's contact list, as the server last told it.
#[derive(Clone, Debug, Default)]
pub struct Roster {
    version: Option<String>,
    contacts: BTreeMap<BareJid, Contact>,
}

impl Roster {
    /// The roster as this device cached it, to show at once and to send its version
    /// (XEP-0237) so an unchanged roster is not fetched again.
    pub fn restore(cached: &CachedRoster) -> Roster {
        Roster {
            version: cached.version.clone(),
            contacts: crate::sort::map_of(
                cached
                    .contacts
                    .iter()
                    .filter_map(Contact::from_record)
                    .map(|c| (c.jid.clone(), c)),
            ),
        }
    }

    pub fn to_cache(&self, account: &BareJid) -> CachedRoster {
        CachedRoster {
            version: self.version.clone(),
            contacts: self.contacts().map(|c| c.to_record(account)).collect(),
        }
    }

    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    pub fn len(&self) -> usize {
        self.contacts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty()
    }

    pub fn get(&self, jid: &BareJid) -> Option<&Contact> {
        self.contacts.get(jid)
    }

    pub fn contains(&self, jid: &BareJid) -> bool {
        self.contacts.contains_key(jid)
    }

    pub fn contacts(&self) -> impl Iterator<Item = &Contact> {
        self.contacts.values()
    }

    /// Applies the answer to a roster get. An empty answer (XEP-0237: "unchanged")
    /// keeps what we have.
    pub fn apply_result(&mut self, payload: Option<Element>) -> Result<RosterChange, PushRejected> {
        let Some(payload) = payload else {
            return Ok(RosterChange::Replaced);
        };
        let query = RosterQuery::try_from(payload).map_err(|_| PushRejected::Malformed)?;
        self.version = query.ver;
        self.contacts = crate::sort::map_of(
            query
                .items
                .into_iter()
                .filter(|i| i.subscription != Subscription::Remove)
                .map(|i| (i.jid.clone(), Contact::from_item(i))),
        );
        Ok(RosterChange::Replaced)
    }

    /// Applies a roster push after checking that it comes from our own account.
    pub fn apply_push(
        &mut self,
        account: &BareJid,
        from: Option<&Jid>,
        payload: Element,
    ) -> Result<RosterChange, PushRejected> {
        if let Some(from) = from {
            if from.to_bare() != *account || from.resource().is_some() {
                return Err(PushRejected::ForeignSender(from.clone()));
            }
        }
        let query = RosterQuery::try_from(payload).map_err(|_| PushRejected::Malformed)?;
        let [item] = <[RosterItem; 1]>::try_from(query.items)
            .map_err(|items| PushRejected::NotOneItem(items.len()))?;
        if query.ver.is_some() {
            self.version = query.ver;
        }
        let jid = item.jid.clone();
        if item.subscription == Subscription::Remove {
            self.contacts.remove(&jid);
            Ok(RosterChange::Removed(jid))
        } else {
            self.contacts.insert(jid.clone(), Contact::from_item(item));
            Ok(RosterChange::Upserted(jid))
        }
    }
}

/// A change the person asked for, as it waits in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RosterEdit {
    /// Add, rename or regroup (a roster set replaces the item whole: its groups too).
    Set {
        jid: BareJid,
        name: Option<String>,
        groups: Vec<String>,
    },
    Remove(BareJid),
}

impl RosterEdit {
    pub fn jid(&self) -> &BareJid {
        match self {
            RosterEdit::Set { jid, .. } | RosterEdit::Remove(jid) => jid,
        }
    }

    /// RFC 6121 §2.3 / §2.5: a roster set carrying exactly this one item, under `id`.
    pub fn to_iq(&self, id: &str) -> Iq {
        let item = match self {
            RosterEdit::Set { jid, name, groups } => RosterItem {
                groups: groups.clone(),
                ..RosterItem::new(jid.clone(), name.clone(), Subscription::None)
            },
            RosterEdit::Remove(jid) => RosterItem::new(jid.clone(), None, Subscription::Remove),
        };
        Iq::from_set(
            id.to_owned(),
            RosterQuery {
                ver: None,
                items: vec![item],
            },
        )
    }

    /// The outbox entry making this edit, sent under iq id `id`; roster writes keep
    /// their order among themselves.
    pub fn compose(&self, id: String) -> OutboxEntry {
        let iq = self.to_iq(&id);
        OutboxEntry::new(id, ROSTER_QUEUE, WriteKind::Roster(self.clone()), None, iq)
    }
}

/// The outbox queue of roster writes.
pub const ROSTER_QUEUE: &str = "roster";

#[cfg(test)]
mod tests {
    use super::*;

    fn el(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    fn account() -> BareJid {
        BareJid::new("romeo@example.net").unwrap()
    }

    const RESULT: &str = "<query xmlns='jabber:iq:roster' ver='ver11'>\
        <item jid='juliet@example.com' name='Juliet' subscription='both'><group>Friends</group></item>\
        <item jid='mercutio@example.com' subscription='from'/>\
        <item jid='benvolio@example.net' name='  ' subscription='to' ask='subscribe'/>\
        <item jid='irc.example.org' subscription='both'/>\
        </query>";

    #[test]
    fn roster_result_is_parsed() {
        let mut r = Roster::default();
        assert_eq!(r.apply_result(Some(el(RESULT))), Ok(RosterChange::Replaced));
        assert_eq!(r.len(), 4);
        assert_eq!(r.version(), Some("ver11"));
        let juliet = r.get(&BareJid::new("juliet@example.com").unwrap()).unwrap();
        assert_eq!(juliet.display_name(), "Juliet");
        assert_eq!(juliet.subscription, Subscription::Both);
        assert_eq!(juliet.groups, vec!["Friends".to_owned()]);
        let mercutio = r
            .get(&BareJid::new("mercutio@example.com").unwrap())
            .unwrap();
        assert_eq!(
            mercutio.display_name(),
            "mercutio",
            "no name: the local part"
        );
        let benvolio = r
            .get(&BareJid::new("benvolio@example.net").unwrap())
            .unwrap();
        assert_eq!(
            benvolio.display_name(),
            "benvolio",
            "a blank name counts as none"
        );
        assert!(benvolio.pending_out);
        let gateway = r.get(&BareJid::new("irc.example.org").unwrap()).unwrap();
        assert_eq!(gateway.display_name(), "irc.example.org");
    }

    #[test]
    fn empty_result_keeps_a_versioned_roster() {
        let mut r = Roster::default();
        r.apply_result(Some(el(RESULT))).unwrap();
        r.apply_result(None).unwrap();
        assert_eq!(r.len(), 4);
    }

    #[test]
    fn push_adds_updates_and_removes() {
        let mut r = Roster::default();
        r.apply_result(Some(el(RESULT))).unwrap();
        let add = el("<query xmlns='jabber:iq:roster' ver='ver12'><item jid='nurse@example.com' name='Nurse' subscription='none'/></query>");
        let nurse = BareJid::new("nurse@example.com").unwrap();
        assert_eq!(
            r.apply_push(&account(), None, add),
            Ok(RosterChange::Upserted(nurse.clone()))
        );
        assert_eq!(r.get(&nurse).unwrap().display_name(), "Nurse");
        assert_eq!(r.version(), Some("ver12"));

        let from_self: Jid = "romeo@example.net".parse().unwrap();
        let rename = el("<query xmlns='jabber:iq:roster'><item jid='nurse@example.com' name='Angelica' subscription='both'/></query>");
        r.apply_push(&account(), Some(&from_self), rename).unwrap();
        assert_eq!(r.get(&nurse).unwrap().display_name(), "Angelica");

        let remove = el("<query xmlns='jabber:iq:roster'><item jid='nurse@example.com' subscription='remove'/></query>");
        assert_eq!(
            r.apply_push(&account(), None, remove),
            Ok(RosterChange::Removed(nurse.clone()))
        );
        assert!(!r.contains(&nurse));
    }

    #[test]
    fn push_from_anyone_but_our_account_is_ignored() {
        // CVE-2015-8688 class: a contact forging a push to plant or rename entries.
        let mut r = Roster::default();
        r.apply_result(Some(el(RESULT))).unwrap();
        let forged = "<query xmlns='jabber:iq:roster'><item jid='mallory@evil.example' name='Your bank' subscription='both'/></query>";
        for from in [
            "mallory@evil.example",
            "romeo@example.net/phone",
            "example.net",
            "juliet@example.com",
        ] {
            let from: Jid = from.parse().unwrap();
            assert_eq!(
                r.apply_push(&account(), Some(&from), el(forged)),
                Err(PushRejected::ForeignSender(from.clone()))
            );
        }
        assert!(!r.contains(&BareJid::new("mallory@evil.example").unwrap()));
        assert_eq!(r.len(), 4);
    }

    #[test]
    fn the_cache_round_trips_with_its_version() {
        let mut r = Roster::default();
        r.apply_result(Some(el(RESULT))).unwrap();
        let cache = r.to_cache(&account());
        assert_eq!(cache.version.as_deref(), Some("ver11"));
        assert!(cache
            .contacts
            .iter()
            .all(|c| c.account == "romeo@example.net"));
        let back = Roster::restore(&cache);
        assert_eq!(back.version(), Some("ver11"));
        assert_eq!(
            back.contacts().collect::<Vec<_>>(),
            r.contacts().collect::<Vec<_>>()
        );
    }

    #[test]
    fn edits_are_composed_as_one_item_roster_sets() {
        let juliet = BareJid::new("juliet@example.com").unwrap();
        let add = RosterEdit::Set {
            jid: juliet.clone(),
            name: Some("Juliet".into()),
            groups: vec![],
        };
        let remove = RosterEdit::Remove(juliet.clone());
        for (edit, item) in [
            (
                add,
                "<item xmlns='jabber:iq:roster' jid='juliet@example.com' name='Juliet'/>",
            ),
            (
                remove,
                "<item xmlns='jabber:iq:roster' jid='juliet@example.com' subscription='remove'/>",
            ),
        ] {
            let entry = edit.compose("out-1".into());
            assert_eq!(
                (&entry.id, entry.queue.as_str(), &entry.kind, &entry.item),
                (
                    &"out-1".to_owned(),
                    ROSTER_QUEUE,
                    &WriteKind::Roster(edit),
                    &None
                )
            );
            assert_eq!(entry.state, crate::service::outbox::EntryState::Pending);
            let expected = el(&format!(
                "<iq xmlns='jabber:client' id='out-1' type='set'>\
                 <query xmlns='jabber:iq:roster'>{item}</query></iq>"
            ));
            assert_eq!(el(&entry.payload), expected);
        }
    }

    #[test]
    fn push_must_carry_exactly_one_item() {
        let mut r = Roster::default();
        let two = el("<query xmlns='jabber:iq:roster'><item jid='a@b'/><item jid='c@d'/></query>");
        assert_eq!(
            r.apply_push(&account(), None, two),
            Err(PushRejected::NotOneItem(2))
        );
        let none = el("<query xmlns='jabber:iq:roster'/>");
        assert_eq!(
            r.apply_push(&account(), None, none),
            Err(PushRejected::NotOneItem(0))
        );
        let bad = el("<query xmlns='jabber:iq:roster'><item/></query>");
        assert_eq!(
            r.apply_push(&account(), None, bad),
            Err(PushRejected::Malformed)
        );
        assert!(r.is_empty());
    }
}
