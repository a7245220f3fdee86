//! The outbox: everything the person writes waits here until the server acknowledged
//! it, under an id the client chose (pubsub item id, origin-id) so that sending it again
//! can never make a second copy. Sans-IO like the session: the store keeps the entries
//! durably, the session sends them; the outbox decides what goes next and what an
//! answer means.
//!
//! Entries are typed: the services that compose a write ([`Feed`](super::feed::Feed)'s
//! `compose_*`, [`RosterEdit::compose`]) say what it is ([`WriteKind`]) and which item it
//! creates or changes, so nobody parses a payload to learn what was sent; the payload
//! is read only to send it. [`OutboxEntry::from_record`] and [`OutboxEntry::to_record`]
//! are the one conversion to and from the store.

use crate::proto::jid::BareJid;
use crate::proto::ns;
use crate::proto::rfc6120::{DefinedCondition, ErrorType, StanzaError};
use minidom::Element;

use super::feed::{Access, ItemKey};
use super::roster::RosterEdit;
use crate::store::{ItemRecord, OutboxRecord};

/// What a write does. [`WriteKind::as_str`] is the kind its stored record keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteKind {
    /// A post published (new or edited) on the person's microblog, asking for `access`
    /// (which the recovery from a refused publish needs: [`crate::service::feed::recover`]).
    Post {
        access: Access,
    },
    /// A new post's comments node, created before the post.
    CommentsNode,
    /// A deleted post's comments node, deleted after it.
    DeleteCommentsNode,
    Comment,
    Like,
    /// Retracts the person's like.
    Unlike,
    /// Retracts one of the person's posts.
    Delete,
    /// Adds, renames or removes a contact.
    Roster(RosterEdit),
    /// A chat message (or a correction, retraction or reaction) to a contact: a
    /// `<message/>`, acknowledged by stream management rather than by an answer.
    Message {
        to: BareJid,
    },
    /// A publish to one of the person's profile nodes (avatar, nickname, vCard4), asking
    /// for `access`; `None` for the vcard-temp copy of the avatar, which has none. The
    /// item says which ([`crate::service::people`]).
    Profile {
        access: Option<Access>,
    },
    /// Adds, changes or removes a room's bookmark (XEP-0402); the item is the bookmark
    /// (its id the room's JID).
    Bookmark,
}

impl WriteKind {
    /// The outbox record's `kind`: stored, so these strings never change meaning. Two
    /// older ones are only read: `comments-node` (either node write) and `roster`.
    pub fn as_str(&self) -> &'static str {
        match self {
            WriteKind::Post { .. } => "post",
            WriteKind::CommentsNode => "create-comments-node",
            WriteKind::DeleteCommentsNode => "delete-comments-node",
            WriteKind::Comment => "comment",
            WriteKind::Like => "like",
            WriteKind::Unlike => "unlike",
            WriteKind::Delete => "delete",
            WriteKind::Roster(RosterEdit::Set { .. }) => "roster-set",
            WriteKind::Roster(RosterEdit::Remove(_)) => "roster-remove",
            WriteKind::Message { .. } => "message",
            WriteKind::Profile { .. } => "profile",
            WriteKind::Bookmark => "bookmark",
        }
    }

    /// The roster change this write makes, if it is one.
    pub fn roster(&self) -> Option<&RosterEdit> {
        match self {
            WriteKind::Roster(edit) => Some(edit),
            _ => None,
        }
    }

    /// Whether the server's acknowledgement means the item now exists there as written
    /// (the feed stops showing it as only local).
    pub fn publishes(&self) -> bool {
        matches!(
            self,
            WriteKind::Post { .. } | WriteKind::Comment | WriteKind::Like
        )
    }
}

/// One thing to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Chosen by the client, stable across retries: the iq's id.
    pub id: String,
    /// What must stay in order: a conversation, a pubsub node. Different queues do not
    /// wait for each other.
    pub queue: String,
    pub kind: WriteKind,
    /// The pubsub item the write creates or changes: the post for a post, its deletion
    /// and its comments node; the comment or like itself for a comment, like or unlike.
    /// `None` for roster writes.
    pub item: Option<ItemKey>,
    /// The stanza, ready to send again as it is.
    pub payload: String,
    pub state: EntryState,
}

impl OutboxEntry {
    /// A new entry, waiting to be sent: `payload` is serialised here, once.
    pub fn new(
        id: String,
        queue: impl Into<String>,
        kind: WriteKind,
        item: Option<ItemKey>,
        payload: impl Into<Element>,
    ) -> OutboxEntry {
        OutboxEntry {
            id,
            queue: queue.into(),
            kind,
            item,
            payload: String::from(&payload.into()),
            state: EntryState::Pending,
        }
    }

    /// The record the store keeps for `account`, `seq` its place in writing order.
    pub fn to_record(&self, account: &str, seq: f64) -> OutboxRecord {
        let (access, name) = match &self.kind {
            WriteKind::Post { access } => (Some(access.as_str().to_owned()), None),
            WriteKind::Profile { access } => (access.map(|a| a.as_str().to_owned()), None),
            WriteKind::Roster(RosterEdit::Set { name, .. }) => (None, name.clone()),
            _ => (None, None),
        };
        // `target`, as Kith kept it before entries were typed: the contact of a roster
        // write, else the item's id.
        let target = match (&self.kind, &self.item) {
            (WriteKind::Roster(edit), _) => edit.jid().to_string(),
            (WriteKind::Message { to }, _) => to.to_string(),
            (_, Some(item)) => item.id.clone(),
            (_, None) => String::new(),
        };
        OutboxRecord {
            account: account.to_owned(),
            id: self.id.clone(),
            queue: self.queue.clone(),
            seq,
            kind: self.kind.as_str().to_owned(),
            target,
            payload: self.payload.clone(),
            failed: match &self.state {
                EntryState::Failed(reason) => Some(reason.clone()),
                EntryState::Pending | EntryState::InFlight => None,
            },
            item: self.item.as_ref().map(|k| ItemRecord {
                service: k.service.clone(),
                node: k.node.clone(),
                id: k.id.clone(),
            }),
            access,
            name,
        }
    }

    /// The entry a stored record holds. `None` for a record this version cannot read (a
    /// newer Kith's, say): it stays in the store untouched rather than being refused.
    ///
    /// The one migration: a record written before entries were typed has only `kind`
    /// and `target`, so its payload is read once here to learn the item and what the
    /// write does ([`legacy`]).
    pub fn from_record(record: &OutboxRecord) -> Option<OutboxEntry> {
        let item = record
            .item
            .as_ref()
            .map(|i| ItemKey::new(i.service.clone(), i.node.clone(), i.id.clone()));
        let contact = || BareJid::new(&record.target).ok();
        let kind = match (record.kind.as_str(), &item) {
            ("post", Some(_)) => WriteKind::Post {
                access: Access::from_option(record.access.as_deref().unwrap_or_default()),
            },
            ("create-comments-node", Some(_)) => WriteKind::CommentsNode,
            ("delete-comments-node", Some(_)) => WriteKind::DeleteCommentsNode,
            ("comment", Some(_)) => WriteKind::Comment,
            ("like", Some(_)) => WriteKind::Like,
            ("unlike", Some(_)) => WriteKind::Unlike,
            ("delete", Some(_)) => WriteKind::Delete,
            ("roster-set", _) => WriteKind::Roster(RosterEdit::Set {
                jid: contact()?,
                name: record.name.clone(),
                groups: vec![],
            }),
            ("roster-remove", _) => WriteKind::Roster(RosterEdit::Remove(contact()?)),
            ("message", _) => WriteKind::Message { to: contact()? },
            ("profile", Some(_)) => WriteKind::Profile {
                access: record.access.as_deref().map(Access::from_option),
            },
            ("bookmark", Some(_)) => WriteKind::Bookmark,
            _ => return legacy::entry(record),
        };
        Some(OutboxEntry::restored(record, kind, item))
    }

    /// `record`'s entry, once what it writes is known.
    fn restored(record: &OutboxRecord, kind: WriteKind, item: Option<ItemKey>) -> OutboxEntry {
        OutboxEntry {
            id: record.id.clone(),
            queue: record.queue.clone(),
            kind,
            item,
            payload: record.payload.clone(),
            state: state_of(record),
        }
    }
}

/// A write the screens show while the server has not acknowledged it: **Pending**, or
/// refused with the reason. The same for the tab holding the connection (fed by
/// [`Update`](super::Update)s) and for the others (read from the stored records).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingWrite {
    pub id: String,
    pub kind: WriteKind,
    /// The item it creates or changes ([`OutboxEntry::item`]).
    pub item: Option<ItemKey>,
    /// The server refused it for good: why. The person retries or discards.
    pub failed: Option<String>,
}

impl PendingWrite {
    /// What is Pending or refused, as stored records say (unreadable ones left out).
    pub fn all_from(records: &[OutboxRecord]) -> Vec<PendingWrite> {
        records
            .iter()
            .filter_map(PendingWrite::from_record)
            .collect()
    }

    pub fn from_entry(entry: &OutboxEntry) -> PendingWrite {
        PendingWrite {
            id: entry.id.clone(),
            kind: entry.kind.clone(),
            item: entry.item.clone(),
            failed: match &entry.state {
                EntryState::Failed(reason) => Some(reason.clone()),
                EntryState::Pending | EntryState::InFlight => None,
            },
        }
    }

    /// `None` for a record this version cannot read ([`OutboxEntry::from_record`]).
    pub fn from_record(record: &OutboxRecord) -> Option<PendingWrite> {
        OutboxEntry::from_record(record).map(|e| PendingWrite::from_entry(&e))
    }

    /// Whether this write shows on item `key` (**Pending**, or its refusal): only the
    /// item it creates or changes ([`OutboxEntry::item`]). A comment or like is its own
    /// item: it never marks the post it is about.
    pub fn marks(&self, key: &ItemKey) -> bool {
        self.item.as_ref() == Some(key)
    }

    /// What the write was, in words, for the list of refused writes.
    pub fn describe(&self) -> String {
        match &self.kind {
            WriteKind::Roster(RosterEdit::Set { jid, .. }) => format!("Adding {jid}"),
            WriteKind::Roster(RosterEdit::Remove(jid)) => format!("Removing {jid}"),
            WriteKind::Post { .. } => "Publishing a post".into(),
            WriteKind::CommentsNode => "Setting up a post's comments".into(),
            WriteKind::DeleteCommentsNode => "Deleting a post's comments".into(),
            WriteKind::Comment => "A comment".into(),
            WriteKind::Like => "A like".into(),
            WriteKind::Unlike => "Taking back a like".into(),
            WriteKind::Delete => "Deleting a post".into(),
            WriteKind::Message { to } => format!("A message to {to}"),
            WriteKind::Profile { .. } => super::people::describe_write(self.item.as_ref()).into(),
            WriteKind::Bookmark => match &self.item {
                Some(item) => format!("Keeping the room {} in your list", item.id),
                None => "Keeping a room in your list".into(),
            },
        }
    }
}

/// What the screens show on item `key` from the writes waiting, oldest first: `None`
/// when none marks it, else the newest one's refusal (`Some(None)`: **Pending**).
pub fn shown_on<'a>(writes: &'a [PendingWrite], key: &ItemKey) -> Option<Option<&'a str>> {
    writes
        .iter()
        .rev()
        .find(|w| w.marks(key))
        .map(|w| w.failed.as_deref())
}

fn state_of(record: &OutboxRecord) -> EntryState {
    match &record.failed {
        Some(reason) => EntryState::Failed(reason.clone()),
        None => EntryState::Pending,
    }
}

/// Reading the records of Kith before typed entries: `kind` (`post`, `comments-node`,
/// `comment`, `like`, `unlike`, `delete`, `roster`), `target` (the post's item id, or the
/// contact) and the payload, read once for the rest.
mod legacy {
    use super::*;
    use crate::proto::rfc6121::{RosterItem, RosterQuery, Subscription};

    pub(super) fn entry(record: &OutboxRecord) -> Option<OutboxEntry> {
        let account = &record.account;
        let own_post = || ItemKey::new(account.as_str(), ns::MICROBLOG, record.target.as_str());
        let iq = || record.payload.parse::<Element>().ok();
        let (kind, item) = match record.kind.as_str() {
            "post" => (
                WriteKind::Post {
                    access: publish_access(&iq()?),
                },
                Some(own_post()),
            ),
            "delete" => (WriteKind::Delete, Some(own_post())),
            "comments-node" => {
                let creates = iq()?
                    .get_child("pubsub", ns::PUBSUB)
                    .is_some_and(|p| p.has_child("create", ns::PUBSUB));
                let kind = match creates {
                    true => WriteKind::CommentsNode,
                    false => WriteKind::DeleteCommentsNode,
                };
                (kind, Some(own_post()))
            }
            "comment" => (WriteKind::Comment, Some(changed_item(&iq()?, account)?)),
            "like" => (WriteKind::Like, Some(changed_item(&iq()?, account)?)),
            "unlike" => (WriteKind::Unlike, Some(changed_item(&iq()?, account)?)),
            "roster" => (WriteKind::Roster(roster_edit(&iq()?)?), None),
            _ => return None,
        };
        Some(OutboxEntry::restored(record, kind, item))
    }

    /// The item a publish or retract names: (service, node, item id).
    fn changed_item(iq: &Element, account: &str) -> Option<ItemKey> {
        let service = iq.attr("to").unwrap_or(account);
        let pubsub = iq.get_child("pubsub", ns::PUBSUB)?;
        let action = pubsub
            .get_child("publish", ns::PUBSUB)
            .or_else(|| pubsub.get_child("retract", ns::PUBSUB))?;
        let id = action.get_child("item", ns::PUBSUB)?.attr("id")?;
        Some(ItemKey::new(service, action.attr("node")?, id))
    }

    /// The access model a publish asked for in its publish-options.
    fn publish_access(iq: &Element) -> Access {
        iq.get_child("pubsub", ns::PUBSUB)
            .and_then(|p| p.get_child("publish-options", ns::PUBSUB))
            .into_iter()
            .flat_map(|options| options.children())
            .flat_map(|form| form.children())
            .find(|field| field.attr("var") == Some("pubsub#access_model"))
            .and_then(|field| field.children().next())
            .map_or(Access::Presence, |value| Access::from_option(&value.text()))
    }

    /// The one item of a roster set (RFC 6121 §2.3, §2.5).
    pub(super) fn roster_edit(iq: &Element) -> Option<RosterEdit> {
        let query = RosterQuery::try_from(iq.get_child("query", ns::ROSTER)?.clone()).ok()?;
        let [item] = <[RosterItem; 1]>::try_from(query.items).ok()?;
        Some(if item.subscription == Subscription::Remove {
            RosterEdit::Remove(item.jid)
        } else {
            RosterEdit::Set {
                jid: item.jid,
                name: item.name,
                groups: item.groups,
            }
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryState {
    /// Waiting for its turn or for the connection.
    Pending,
    /// Sent; no answer yet.
    InFlight,
    /// The server refused it for good; the sentence says why. It waits for the person
    /// to edit or discard it, and holds back its queue meanwhile so order is kept.
    Failed(String),
}

/// What the server's answer means for an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Acknowledged,
    /// Offline, timed out, or the server asked us to wait: send the same id again later.
    Retry,
    Rejected(String),
}

impl Outcome {
    /// RFC 6120 §8.3.2: `wait` errors are temporary; `cancel`, `modify` and `auth` will not
    /// change by resending the same thing.
    pub fn from_error(error: &StanzaError) -> Outcome {
        if error.type_ == ErrorType::Wait {
            return Outcome::Retry;
        }
        let reason = match error.defined_condition {
            DefinedCondition::Forbidden | DefinedCondition::NotAuthorized => {
                "The server does not allow this"
            }
            DefinedCondition::NotAcceptable | DefinedCondition::PolicyViolation => {
                "The server did not accept this (it may be too large or not allowed there)"
            }
            DefinedCondition::ItemNotFound | DefinedCondition::RemoteServerNotFound => {
                "The place this was sent to does not exist"
            }
            DefinedCondition::ResourceConstraint => "The server is out of room for this",
            _ => "The server refused this",
        };
        Outcome::Rejected(reason.to_owned())
    }
}

/// The entry id is already in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateId(pub String);

/// Entries in the order they were written.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    entries: Vec<OutboxEntry>,
}

impl Outbox {
    /// After a reload: whatever was in flight may or may not have arrived, so it goes
    /// again — under the same id, which makes the repeat harmless.
    pub fn restore(entries: Vec<OutboxEntry>) -> Outbox {
        let mut outbox = Outbox { entries };
        outbox.on_disconnected();
        outbox
    }

    pub fn entries(&self) -> &[OutboxEntry] {
        &self.entries
    }

    /// Whether `id` still waits for the server (the UI shows **Pending**).
    pub fn is_pending(&self, id: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.id == id && !matches!(e.state, EntryState::Failed(_)))
    }

    /// Adds a new entry, waiting to be sent (whatever state it came with).
    pub fn enqueue(&mut self, entry: OutboxEntry) -> Result<(), DuplicateId> {
        if self.entries.iter().any(|e| e.id == entry.id) {
            return Err(DuplicateId(entry.id));
        }
        self.entries.push(OutboxEntry {
            state: EntryState::Pending,
            ..entry
        });
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&OutboxEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The next entry to send, now marked in flight: the oldest entry of a queue, when
    /// nothing older in that queue is unfinished.
    pub fn next_to_send(&mut self) -> Option<&OutboxEntry> {
        self.next_to_send_except(|_| false)
    }

    /// [`Outbox::next_to_send`], passing over the entries `held` names (and what waits
    /// behind them in their queues).
    pub fn next_to_send_except(
        &mut self,
        held: impl Fn(&OutboxEntry) -> bool,
    ) -> Option<&OutboxEntry> {
        let mut blocked: Vec<&str> = vec![];
        let mut chosen = None;
        for (i, entry) in self.entries.iter().enumerate() {
            if blocked.contains(&entry.queue.as_str()) {
                continue;
            }
            if entry.state == EntryState::Pending && !held(entry) {
                chosen = Some(i);
                break;
            }
            blocked.push(&entry.queue);
        }
        let entry = &mut self.entries[chosen?];
        entry.state = EntryState::InFlight;
        Some(entry)
    }

    /// Applies the server's answer; an acknowledged entry leaves the outbox (the store
    /// deletes it then, and only then).
    pub fn on_outcome(&mut self, id: &str, outcome: Outcome) {
        let Some(i) = self.entries.iter().position(|e| e.id == id) else {
            return;
        };
        match outcome {
            Outcome::Acknowledged => {
                self.entries.remove(i);
            }
            Outcome::Retry => self.entries[i].state = EntryState::Pending,
            Outcome::Rejected(reason) => self.entries[i].state = EntryState::Failed(reason),
        }
    }

    /// The connection dropped: nothing is in flight any more.
    pub fn on_disconnected(&mut self) {
        for entry in &mut self.entries {
            if entry.state == EntryState::InFlight {
                entry.state = EntryState::Pending;
            }
        }
    }

    /// The person edited a failed entry (or just asked to try again): same id, new payload.
    pub fn retry(&mut self, id: &str, payload: Option<String>) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.id == id) {
            if let Some(payload) = payload {
                entry.payload = payload;
            }
            entry.state = EntryState::Pending;
        }
    }

    pub fn discard(&mut self, id: &str) {
        self.entries.retain(|e| e.id != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(id: &str, queue: &str) -> OutboxEntry {
        OutboxEntry {
            id: id.into(),
            queue: queue.into(),
            kind: WriteKind::Comment,
            item: None,
            payload: format!("<x id='{id}'/>"),
            state: EntryState::Pending,
        }
    }

    fn outbox(items: &[(&str, &str)]) -> Outbox {
        let mut o = Outbox::default();
        for (id, queue) in items {
            o.enqueue(write(id, queue)).unwrap();
        }
        o
    }

    fn send(o: &mut Outbox) -> Option<String> {
        o.next_to_send().map(|e| e.id.clone())
    }

    #[test]
    fn an_entry_leaves_only_when_acknowledged() {
        let mut o = outbox(&[("a", "q")]);
        assert!(o.is_pending("a"));
        assert_eq!(send(&mut o).as_deref(), Some("a"));
        assert_eq!(send(&mut o), None, "in flight, not sent twice");
        assert!(o.is_pending("a"));
        o.on_outcome("a", Outcome::Acknowledged);
        assert!(!o.is_pending("a"));
        assert!(o.entries().is_empty());
    }

    #[test]
    fn a_retry_sends_the_same_id_and_payload() {
        let mut o = outbox(&[("a", "q")]);
        let first = o.next_to_send().unwrap().clone();
        o.on_outcome("a", Outcome::Retry);
        let again = o.next_to_send().unwrap().clone();
        assert_eq!((again.id, again.payload), (first.id, first.payload));
    }

    #[test]
    fn order_is_kept_per_queue_only() {
        let mut o = outbox(&[("a1", "alice"), ("a2", "alice"), ("b1", "bob")]);
        assert_eq!(send(&mut o).as_deref(), Some("a1"));
        assert_eq!(
            send(&mut o).as_deref(),
            Some("b1"),
            "bob's queue does not wait for alice's"
        );
        assert_eq!(send(&mut o), None, "a2 waits for a1");
        o.on_outcome("a1", Outcome::Acknowledged);
        assert_eq!(send(&mut o).as_deref(), Some("a2"));
    }

    #[test]
    fn a_permanent_failure_is_kept_for_the_person_and_holds_its_queue() {
        let mut o = outbox(&[("a1", "alice"), ("a2", "alice"), ("b1", "bob")]);
        send(&mut o);
        o.on_outcome("a1", Outcome::Rejected("too large".into()));
        assert_eq!(o.entries()[0].state, EntryState::Failed("too large".into()));
        assert!(
            !o.is_pending("a1"),
            "failed is shown as failed, not pending"
        );
        assert_eq!(send(&mut o).as_deref(), Some("b1"));
        assert_eq!(
            send(&mut o),
            None,
            "never retried by itself, and a2 stays behind it"
        );
        o.retry("a1", Some("<x id='a1' smaller=''/>".into()));
        assert_eq!(o.next_to_send().unwrap().payload, "<x id='a1' smaller=''/>");
        o.on_outcome("a1", Outcome::Acknowledged);
        assert_eq!(send(&mut o).as_deref(), Some("a2"));
        o.discard("a2");
        assert_eq!(o.entries().len(), 1);
    }

    #[test]
    fn disconnection_and_reload_put_in_flight_entries_back() {
        let mut o = outbox(&[("a", "q"), ("b", "r")]);
        send(&mut o);
        send(&mut o);
        let saved = o.entries().to_vec();
        o.on_disconnected();
        assert!(o.entries().iter().all(|e| e.state == EntryState::Pending));
        let mut reloaded = Outbox::restore(saved);
        assert_eq!(send(&mut reloaded).as_deref(), Some("a"));
    }

    #[test]
    fn ids_are_unique() {
        let mut o = outbox(&[("a", "q")]);
        assert_eq!(o.enqueue(write("a", "q")), Err(DuplicateId("a".into())));
    }

    #[test]
    fn errors_are_classified() {
        let err = |t, c| StanzaError::new(t, c, "en", "");
        assert_eq!(
            Outcome::from_error(&err(ErrorType::Wait, DefinedCondition::ResourceConstraint)),
            Outcome::Retry
        );
        for condition in [
            DefinedCondition::Forbidden,
            DefinedCondition::NotAcceptable,
            DefinedCondition::PolicyViolation,
        ] {
            assert!(matches!(
                Outcome::from_error(&err(ErrorType::Cancel, condition)),
                Outcome::Rejected(_)
            ));
        }
        assert!(matches!(
            Outcome::from_error(&err(ErrorType::Modify, DefinedCondition::NotAcceptable)),
            Outcome::Rejected(reason) if reason.contains("too large")
        ));
    }

    // ---- records ------------------------------------------------------------------

    const ME: &str = "user@example.org";
    const MB: &str = "urn:xmpp:microblog:0";
    const NODE: &str = "urn:xmpp:microblog:0:comments/p1";

    fn juliet() -> BareJid {
        BareJid::new("juliet@example.com").unwrap()
    }

    fn every_kind() -> Vec<(WriteKind, Option<ItemKey>)> {
        let post = Some(ItemKey::new(ME, MB, "p1"));
        let comment = Some(ItemKey::new("pubsub.example.com", NODE, "c1"));
        vec![
            (
                WriteKind::Post {
                    access: Access::Open,
                },
                post.clone(),
            ),
            (
                WriteKind::Post {
                    access: Access::Presence,
                },
                post.clone(),
            ),
            (WriteKind::CommentsNode, post.clone()),
            (WriteKind::DeleteCommentsNode, post.clone()),
            (WriteKind::Comment, comment.clone()),
            (WriteKind::Like, comment.clone()),
            (WriteKind::Unlike, comment),
            (WriteKind::Delete, post),
            (
                WriteKind::Roster(RosterEdit::Set {
                    jid: juliet(),
                    name: Some("Juliet".into()),
                    groups: vec![],
                }),
                None,
            ),
            (
                WriteKind::Roster(RosterEdit::Set {
                    jid: juliet(),
                    name: None,
                    groups: vec![],
                }),
                None,
            ),
            (WriteKind::Roster(RosterEdit::Remove(juliet())), None),
            (
                WriteKind::Profile {
                    access: Some(Access::Open),
                },
                Some(ItemKey::new(
                    ME,
                    "http://jabber.org/protocol/nick",
                    "current",
                )),
            ),
            (
                WriteKind::Profile { access: None },
                Some(ItemKey::new(ME, "vcard-temp", "current")),
            ),
        ]
    }

    #[test]
    fn write_kinds_keep_the_strings_stored_outbox_records_carry() {
        let kinds: Vec<&str> = every_kind().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "post",
                "post",
                "create-comments-node",
                "delete-comments-node",
                "comment",
                "like",
                "unlike",
                "delete",
                "roster-set",
                "roster-set",
                "roster-remove",
                "profile",
                "profile",
            ]
        );
    }

    #[test]
    fn an_entry_comes_back_from_its_record_as_it_was() {
        for (kind, item) in every_kind() {
            for state in [EntryState::Pending, EntryState::Failed("too large".into())] {
                let entry = OutboxEntry {
                    id: "w1".into(),
                    queue: "q".into(),
                    kind: kind.clone(),
                    item: item.clone(),
                    // Never read back: anything will do.
                    payload: "<iq/>".into(),
                    state,
                };
                let record = entry.to_record(ME, 7.0);
                assert_eq!((record.account.as_str(), record.seq), (ME, 7.0));
                assert_eq!(OutboxEntry::from_record(&record), Some(entry));
            }
        }
        // In flight is not a stored state: a reload sends it again.
        let (kind, item) = every_kind().remove(0);
        let mut entry = write("w2", "q");
        (entry.kind, entry.item, entry.state) = (kind, item, EntryState::InFlight);
        let back = OutboxEntry::from_record(&entry.to_record(ME, 1.0)).unwrap();
        assert_eq!(back.state, EntryState::Pending);
    }

    /// A record as Kith stored it before entries were typed.
    fn legacy(kind: &str, target: &str, payload: &str) -> OutboxRecord {
        OutboxRecord {
            account: ME.into(),
            id: "w1".into(),
            queue: "q".into(),
            seq: 1.0,
            kind: kind.into(),
            target: target.into(),
            payload: payload.into(),
            failed: None,
            item: None,
            access: None,
            name: None,
        }
    }

    #[test]
    fn records_of_the_previous_version_still_restore() {
        let publish = |to: &str, node: &str, options: &str| {
            format!(
                "<iq xmlns='jabber:client' id='w1' type='set'{to}>\
                 <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
                 <publish node='{node}'><item id='c1'><entry xmlns='http://www.w3.org/2005/Atom'/></item></publish>\
                 {options}</pubsub></iq>"
            )
        };
        let options = |access: &str| {
            format!(
                "<publish-options><x xmlns='jabber:x:data' type='submit'>\
                 <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>\
                 <field var='pubsub#access_model'><value>{access}</value></field></x></publish-options>"
            )
        };
        let to = " to='pubsub.example.com'";
        let retract = format!(
            "<iq xmlns='jabber:client' id='w1' type='set'{to}>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <retract node='{NODE}' notify='true'><item id='c1'/></retract></pubsub></iq>"
        );
        let create = format!(
            "<iq xmlns='jabber:client' id='w1' type='set'{to}>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='{NODE}'/></pubsub></iq>"
        );
        let delete = format!(
            "<iq xmlns='jabber:client' id='w1' type='set'{to}>\
             <pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><delete node='{NODE}'/></pubsub></iq>"
        );
        let roster = |item: &str| {
            format!(
                "<iq xmlns='jabber:client' id='w1' type='set'>\
                 <query xmlns='jabber:iq:roster'>{item}</query></iq>"
            )
        };
        let post = Some(ItemKey::new(ME, MB, "p1"));
        let comment = Some(ItemKey::new("pubsub.example.com", NODE, "c1"));
        let cases = [
            (
                legacy("post", "p1", &publish("", MB, &options("open"))),
                WriteKind::Post {
                    access: Access::Open,
                },
                post.clone(),
            ),
            (
                legacy("post", "p1", &publish("", MB, &options("presence"))),
                WriteKind::Post {
                    access: Access::Presence,
                },
                post.clone(),
            ),
            (
                legacy("comments-node", "p1", &create),
                WriteKind::CommentsNode,
                post.clone(),
            ),
            (
                legacy("comments-node", "p1", &delete),
                WriteKind::DeleteCommentsNode,
                post.clone(),
            ),
            (
                legacy("comment", "p1", &publish(to, NODE, "")),
                WriteKind::Comment,
                comment.clone(),
            ),
            (
                legacy("like", "p1", &publish(to, NODE, "")),
                WriteKind::Like,
                comment.clone(),
            ),
            (legacy("unlike", "p1", &retract), WriteKind::Unlike, comment),
            (legacy("delete", "p1", "<iq/>"), WriteKind::Delete, post),
            (
                legacy(
                    "roster",
                    "juliet@example.com",
                    &roster("<item jid='juliet@example.com' name='Juliet'/>"),
                ),
                WriteKind::Roster(RosterEdit::Set {
                    jid: juliet(),
                    name: Some("Juliet".into()),
                    groups: vec![],
                }),
                None,
            ),
            (
                legacy(
                    "roster",
                    "juliet@example.com",
                    &roster("<item jid='juliet@example.com' subscription='remove'/>"),
                ),
                WriteKind::Roster(RosterEdit::Remove(juliet())),
                None,
            ),
        ];
        for (mut record, kind, item) in cases {
            record.failed = Some("refused".into());
            let entry = OutboxEntry::from_record(&record).unwrap();
            assert_eq!((&entry.kind, &entry.item), (&kind, &item), "{record:?}");
            assert_eq!(
                (entry.id.as_str(), entry.queue.as_str(), &entry.payload),
                ("w1", "q", &record.payload)
            );
            assert_eq!(entry.state, EntryState::Failed("refused".into()));
        }
    }

    #[test]
    fn a_record_this_version_cannot_read_is_left_alone() {
        for record in [
            legacy("poll", "p1", "<iq/>"),
            legacy("comment", "p1", "not xml"),
            legacy("roster", "x", "<iq xmlns='jabber:client'/>"),
            legacy("roster-set", "not a jid@@", "<iq/>"),
        ] {
            assert_eq!(OutboxEntry::from_record(&record), None, "{record:?}");
        }
    }

    #[test]
    fn a_write_marks_only_the_item_it_changes() {
        let post = ItemKey::new(ME, MB, "p1");
        let like = ItemKey::new("pubsub.example.com", NODE, "l1");
        let pending = |id: &str, kind, item: &ItemKey, failed: Option<&str>| PendingWrite {
            id: id.into(),
            kind,
            item: Some(item.clone()),
            failed: failed.map(str::to_owned),
        };
        let writes = [
            pending("w1", WriteKind::Like, &like, None),
            pending("w2", WriteKind::Unlike, &like, Some("no")),
        ];
        assert_eq!(shown_on(&writes, &post), None, "a like is not its post");
        assert_eq!(shown_on(&writes, &like), Some(Some("no")), "the newest");
        let writes = [pending(
            "w3",
            WriteKind::Post {
                access: Access::Open,
            },
            &post,
            None,
        )];
        assert_eq!(shown_on(&writes, &post), Some(None));
        assert_eq!(writes[0].describe(), "Publishing a post");
    }
}
