//! Catching up from the server's archive (XEP-0313) after a stream was lost for good.
//!
//! Stream management (XEP-0198) makes a cut connection lose nothing when the stream is
//! resumed. When it cannot be (the server forgot it, or — ejabberd 23.01 — the old
//! session is still stuck writing to the dead socket and "state copying timed out"), the
//! server may drop what it had sent on the old stream: ejabberd re-routes unacknowledged
//! messages only when no other resource is online, and ours is, on the new stream. Its
//! archive has them all. So on every new stream after one that received archived
//! messages, this asks for what was archived after the newest of them (XEP-0313 §5.1,
//! RSM `after` an archive id), page by page.
//!
//! A message lost on the first stream has no newest message before it to go after: so
//! the first stream asks the archive for its newest message (RSM `<before/>`, one item)
//! and keeps that id as where this session's messages begin — or, if the archive was
//! empty, catches up from its start. The initial presence waits for that answer
//! ([`Archive::anchoring`]): before it nothing is routed to the stream but what is
//! archived first, so a stream lost before the answer loses nothing the next one's
//! anchor does not cover (a stream lost right after a presence that went first took
//! the answer, and the messages sent on seeing the presence, with it).
//!
//! Messages are told apart by their archive id (XEP-0359 `<stanza-id by=account>` when
//! live, the result's `id` when replayed), so one that arrives both ways is delivered
//! once. Sans-IO like [`Feed`](super::feed::Feed): [`Archive::start`] after the new
//! stream's initial presence (anything routed after it arrives live, anything before is
//! archived already), [`Archive::poll_request`], [`Archive::handle_response`] and
//! [`Archive::handle_message`].

use std::collections::VecDeque;

use crate::sort::VecSet;

use crate::proto::jid::BareJid;
use crate::proto::ns;
use crate::proto::rfc6120::Iq;
use crate::proto::rfc6121::Message;
use crate::proto::xep0313::{self, ArchivedMessage};
use crate::proto::xep0359::read_stanza_id;
use crate::proto::xml::Attrs;
use minidom::Element;

use crate::proto::xep0059;
use crate::xmpp::IqOutcome;

/// Messages asked per page.
const PAGE: usize = 100;
/// Pages per catch-up: a gap larger than this is history, which the chat screens page.
const MAX_PAGES: u8 = 20;
/// Archive ids remembered to tell a message already delivered.
const REMEMBERED: usize = 2_000;
const ID_PREFIX: &str = "mam-";

/// What [`Archive::handle_message`] made of a message.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// Not the archive's business: a live message seen for the first time, or one
    /// without an archive id.
    Live,
    /// Already delivered (live or from the archive): drop it.
    Duplicate,
    /// A message from our catch-up, not delivered before: deliver this, the original.
    Replayed(Box<Message>),
    /// Looked like an archive result but was not ours to trust (forged, another query).
    Ignored,
}

#[derive(Debug, Clone)]
struct Running {
    iq_id: String,
    query_id: String,
    pages: u8,
    /// Asking only where the session begins (the newest archived id), not replaying.
    anchor: bool,
}

/// Where this session's messages begin in the archive, before any was delivered.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Start {
    /// Not known yet: the first stream asks.
    Unknown,
    /// The archive was empty: everything in it came during this session.
    Empty,
    /// The server keeps no archive for us (it refused the query): nothing to catch up.
    Unavailable,
}

#[derive(Debug, Clone)]
pub struct Archive {
    account: BareJid,
    /// The archive id of the newest message delivered.
    newest: Option<String>,
    seen: VecSet<String>,
    seen_order: VecDeque<String>,
    /// Consulted only while `newest` is `None`.
    start: Start,
    running: Option<Running>,
    requests: VecDeque<Iq>,
    next_id: u64,
}

impl Archive {
    pub fn new(account: BareJid) -> Self {
        Archive {
            account,
            newest: None,
            seen: VecSet::new(),
            seen_order: VecDeque::new(),
            start: Start::Unknown,
            running: None,
            requests: VecDeque::new(),
            next_id: 0,
        }
    }

    /// A new stream is announced: ask for what was archived since the newest message
    /// delivered, or since this session began; on the first stream, ask where it begins.
    /// A catch-up still running from an older stream starts over.
    pub fn start(&mut self) {
        self.running = None;
        self.requests.clear();
        match (self.newest.clone(), self.start) {
            (Some(after), _) => self.ask(Some(after), 0),
            (None, Start::Empty) => self.ask(None, 0),
            (None, Start::Unknown) => self.ask_newest(),
            (None, Start::Unavailable) => {}
        }
    }

    /// Where the next catch-up starts, to keep for a cold start: the archive id of the
    /// newest message delivered, or `""` when the archive was empty as this session
    /// began (everything in it is new); `None` while not known.
    pub fn position(&self) -> Option<&str> {
        match (&self.newest, self.start) {
            (Some(id), _) => Some(id),
            (None, Start::Empty) => Some(""),
            (None, _) => None,
        }
    }

    /// Where an earlier session stopped ([`Archive::position`]): a cold start catches up
    /// from there rather than from this session's beginning.
    pub fn restore(&mut self, position: String) {
        match position.is_empty() {
            true => self.start = Start::Empty,
            false => self.newest = Some(position),
        }
    }

    /// Asking where this session begins, not answered yet: the initial presence waits.
    pub fn anchoring(&self) -> bool {
        self.running.as_ref().is_some_and(|r| r.anchor)
    }

    pub fn poll_request(&mut self) -> Option<Iq> {
        self.requests.pop_front()
    }

    /// Sorts an incoming message: archive results of our query are unwrapped, anything
    /// with an archive id already delivered is a duplicate.
    pub fn handle_message(&mut self, message: &Message) -> Verdict {
        if let Some(result) = message.payloads.iter().find(|p| p.is("result", ns::MAM)) {
            return self.handle_result(message, result);
        }
        match self.archive_id(message) {
            Some(id) if !self.remember(&id) => Verdict::Duplicate,
            Some(id) => {
                self.newest = Some(id);
                Verdict::Live
            }
            // A chat message without an archive id: this server does not say what it
            // archived, so a replay from the archive's start could not be told from what
            // arrived live.
            None if !message.bodies.is_empty() && self.start == Start::Empty => {
                self.start = Start::Unavailable;
                Verdict::Live
            }
            None => Verdict::Live,
        }
    }

    /// The answer to one of our queries: `true` if it was one (the caller stops there).
    pub fn handle_response(&mut self, id: &str, outcome: &IqOutcome) -> bool {
        let Some(running) = self.running.as_ref().filter(|r| r.iq_id == id).cloned() else {
            return id.starts_with(ID_PREFIX);
        };
        self.running = None;
        if running.anchor {
            match outcome {
                // No answer (a lost stream): the next stream asks again.
                IqOutcome::Disconnected | IqOutcome::Timeout => {}
                // No result came before the answer: nothing was archived yet.
                IqOutcome::Result(_) if self.newest.is_none() => self.start = Start::Empty,
                IqOutcome::Result(_) => {}
                _ => self.start = Start::Unavailable,
            }
            return true;
        }
        // XEP-0313 §4.3: `<fin complete='true'/>` ends it; otherwise the next page goes
        // after this one's last. Anything else (no archive, an error) ends it quietly:
        // a catch-up is a repair, the session works without it.
        let IqOutcome::Result(Some(fin)) = outcome else {
            return true;
        };
        if !fin.is("fin", ns::MAM) || fin.attr("complete") == Some("true") {
            return true;
        }
        if let Some(last) = xep0059::last(fin) {
            if running.pages + 1 < MAX_PAGES {
                self.ask(Some(last), running.pages + 1);
            }
        }
        true
    }

    fn handle_result(&mut self, message: &Message, result: &Element) -> Verdict {
        // Only our own archive speaks for us: a result from anyone else is a forgery.
        let ours = message
            .from
            .as_ref()
            .is_none_or(|from| from.to_bare() == self.account && from.resource().is_none());
        let Some(running) = self.running.as_ref().filter(|_| ours) else {
            return Verdict::Ignored;
        };
        let Some(result) = ArchivedMessage::read(result) else {
            return Verdict::Ignored;
        };
        if result.query_id.as_deref() != Some(running.query_id.as_str()) {
            return Verdict::Ignored;
        }
        if running.anchor {
            // Archived before this session: where it begins, not a message to deliver
            // (one delivered live meanwhile is newer and already the newest).
            if self.newest.is_none() {
                self.newest = Some(result.id);
            }
            return Verdict::Duplicate;
        }
        if !self.remember(&result.id) {
            return Verdict::Duplicate;
        }
        // The archive id goes with the message, as on a live one (XEP-0359), so what
        // reads it next knows both arrivals as one.
        let mut message = result.message;
        message.payloads.retain(|p| !p.is("stanza-id", ns::SID));
        message.payloads.push(
            Element::builder("stanza-id", ns::SID)
                .a("by", self.account.as_str())
                .a("id", result.id.as_str())
                .build(),
        );
        self.newest = Some(result.id);
        Verdict::Replayed(Box::new(message))
    }

    /// The id our archive gave a live message (XEP-0359), trusted only when the stanza
    /// comes from our server's side (which strips any `by` ours from what others send).
    fn archive_id(&self, message: &Message) -> Option<String> {
        message
            .payloads
            .iter()
            .filter(|p| p.is("stanza-id", ns::SID))
            .filter_map(read_stanza_id)
            .find(|(_, by)| by.to_bare() == self.account)
            .map(|(id, _)| id)
    }

    /// Notes an archive id; `false` if it was noted before.
    fn remember(&mut self, id: &str) -> bool {
        if !self.seen.insert(id.to_owned()) {
            return false;
        }
        self.seen_order.push_back(id.to_owned());
        if self.seen_order.len() > REMEMBERED {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }

    fn ask(&mut self, after: Option<String>, pages: u8) {
        let iq_id = self.next_iq_id();
        let query = xep0313::query(&iq_id, PAGE, after.as_deref());
        self.send(iq_id, query, pages, false);
    }

    fn ask_newest(&mut self) {
        let iq_id = self.next_iq_id();
        let query = xep0313::newest(&iq_id);
        self.send(iq_id, query, 0, true);
    }

    fn next_iq_id(&mut self) -> String {
        self.next_id += 1;
        format!("{ID_PREFIX}{}", self.next_id)
    }

    fn send(&mut self, iq_id: String, query: Element, pages: u8, anchor: bool) {
        self.requests.push_back(Iq::from_set(iq_id.clone(), query));
        self.running = Some(Running {
            query_id: iq_id.clone(),
            iq_id,
            pages,
            anchor,
        });
    }
}

#[cfg(test)]
mod tests;
