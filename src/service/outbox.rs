//! The outbox: everything the person writes waits here until the server acknowledged
//! it, under an id the client chose (pubsub item id, origin-id) so that sending it again
//! can never make a second copy. Sans-IO like the session: the store keeps the entries
//! durably, the session sends them; the outbox decides what goes next and what an
//! answer means.

use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};

/// One thing to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Chosen by the client, stable across retries.
    pub id: String,
    /// What must stay in order: a conversation, a pubsub node. Different queues do not
    /// wait for each other.
    pub queue: String,
    /// The stanza, ready to send again as it is.
    pub payload: String,
    pub state: EntryState,
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

    pub fn enqueue(
        &mut self,
        id: String,
        queue: String,
        payload: String,
    ) -> Result<(), DuplicateId> {
        if self.entries.iter().any(|e| e.id == id) {
            return Err(DuplicateId(id));
        }
        self.entries.push(OutboxEntry {
            id,
            queue,
            payload,
            state: EntryState::Pending,
        });
        Ok(())
    }

    /// The next entry to send, now marked in flight: the oldest entry of a queue, when
    /// nothing older in that queue is unfinished.
    pub fn next_to_send(&mut self) -> Option<&OutboxEntry> {
        let mut blocked: Vec<&str> = vec![];
        let mut chosen = None;
        for (i, entry) in self.entries.iter().enumerate() {
            if blocked.contains(&entry.queue.as_str()) {
                continue;
            }
            if entry.state == EntryState::Pending {
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

    fn outbox(items: &[(&str, &str)]) -> Outbox {
        let mut o = Outbox::default();
        for (id, queue) in items {
            o.enqueue(id.to_string(), queue.to_string(), format!("<x id='{id}'/>"))
                .unwrap();
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
        assert_eq!(
            o.enqueue("a".into(), "q".into(), String::new()),
            Err(DuplicateId("a".into()))
        );
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
}
