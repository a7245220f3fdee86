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
//! empty, catches up from its start. That question goes before the initial presence,
//! which waits for its answer ([`Archive::anchoring`]); then, after the presence, the
//! archive is asked for what came since the anchor, like on any later stream. So a
//! message routed before the presence (archived only) is fetched, and a stream lost
//! before the anchor's answer had no presence out: nothing was routed to it. (With the
//! presence first, a cut right after it took the answer and what contacts sent on seeing
//! the presence; the next stream's anchor came after those.)
//!
//! Messages are told apart by their archive id (XEP-0359 `<stanza-id by=account>` when
//! live, the result's `id` when replayed), so one that arrives both ways is delivered
//! once. Sans-IO like [`Feed`](super::feed::Feed): [`Archive::start`] on a new stream,
//! [`Archive::poll_request`] (a catch-up only once the stream's initial presence is out:
//! anything routed after it arrives live, anything before is archived already),
//! [`Archive::handle_response`] and [`Archive::handle_message`].

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
use crate::xmpp::{Instant, IqOutcome};

/// Messages asked per page.
const PAGE: usize = 100;
/// Pages per catch-up: a gap larger than this is history, which the chat screens page.
const MAX_PAGES: u8 = 20;
/// Archive ids remembered to tell a message already delivered.
const REMEMBERED: usize = 2_000;
const ID_PREFIX: &str = "mam-";
/// After a catch-up, the archive is asked again this long after the new stream (ms):
/// ejabberd 23.01 archives what a dead session still held only as it times that session
/// out, after the new stream's catch-up has asked.
const ASK_AGAIN_MS: [u64; 3] = [15_000, 60_000, 180_000];

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
    /// Queries to send, each with whether it is the anchor (which goes before presence).
    requests: VecDeque<(Iq, bool)>,
    next_id: u64,
    /// What a lost stream missed could not all be fetched ([`Archive::take_gap`]).
    gap: bool,
    /// When to ask again ([`ASK_AGAIN_MS`]), soonest first.
    again: VecDeque<Instant>,
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
            gap: false,
            again: VecDeque::new(),
        }
    }

    /// A new stream is announced: ask for what was archived since the newest message
    /// delivered, or since this session began; on the first stream, ask where it begins.
    /// A catch-up still running from an older stream starts over; a catch-up is asked
    /// again a little later ([`ASK_AGAIN_MS`]).
    pub fn start(&mut self, now: Instant) {
        self.running = None;
        self.requests.clear();
        self.again.clear();
        let catch_up = self.newest.is_some() || self.start == Start::Empty;
        if catch_up {
            self.again.extend(ASK_AGAIN_MS.iter().map(|&ms| now + ms));
        }
        match (self.newest.clone(), self.start) {
            (Some(after), _) => self.ask(Some(after), 0),
            (None, Start::Empty) => self.ask(None, 0),
            (None, Start::Unknown) => self.ask_newest(),
            // A stream was lost and there is no archive to ask what it missed.
            (None, Start::Unavailable) => self.gap = true,
        }
    }

    /// When [`Archive::handle_timeout`] asks the archive again.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.again.front().copied()
    }

    /// Asks for what was archived after the newest message delivered, if the time came
    /// and no catch-up is running (one that is asks the same).
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut due = false;
        while self.again.front().is_some_and(|&at| at <= now) {
            self.again.pop_front();
            due = true;
        }
        if due && self.running.is_none() {
            match (self.newest.clone(), self.start) {
                (Some(after), _) => self.ask(Some(after), 0),
                (None, Start::Empty) => self.ask(None, 0),
                _ => {}
            }
        }
    }

    /// Whether a catch-up ended short since last asked: the archive refused, or the gap
    /// was longer than [`MAX_PAGES`] pages, or there is no archive. Messages may be
    /// missing; the person is told so, never left to think the conversation whole.
    pub fn take_gap(&mut self) -> bool {
        std::mem::take(&mut self.gap)
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

    /// The next query to send; `announced`: the stream's initial presence is out, which
    /// any query but the anchor waits for.
    pub fn poll_request(&mut self, announced: bool) -> Option<Iq> {
        match self.requests.front() {
            Some((_, anchor)) if announced || *anchor => self.requests.pop_front().map(|r| r.0),
            _ => None,
        }
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
                IqOutcome::Disconnected | IqOutcome::Timeout => return true,
                // No result came before the answer: nothing was archived yet.
                IqOutcome::Result(_) if self.newest.is_none() => self.start = Start::Empty,
                IqOutcome::Result(_) => {}
                _ => {
                    self.start = Start::Unavailable;
                    return true;
                }
            }
            // What came between the anchor and the presence, once the presence is out.
            self.ask(self.newest.clone(), 0);
            return true;
        }
        // XEP-0313 §4.3: `<fin complete='true'/>` ends it; otherwise the next page goes
        // after this one's last. Anything else (no archive, an error) ends it quietly:
        // a catch-up is a repair, the session works without it.
        let fin = match outcome {
            IqOutcome::Result(Some(fin)) => fin,
            // Lost with the stream: the next stream asks again.
            IqOutcome::Disconnected | IqOutcome::Timeout => return true,
            // An empty answer says nothing is missing.
            IqOutcome::Result(None) => return true,
            _ => {
                self.gap = true;
                return true;
            }
        };
        if !fin.is("fin", ns::MAM) || fin.attr("complete") == Some("true") {
            return true;
        }
        match xep0059::last(fin) {
            Some(last) if running.pages + 1 < MAX_PAGES => self.ask(Some(last), running.pages + 1),
            // More than a catch-up fetches, or no way to ask for the next page.
            _ => self.gap = true,
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
        self.requests
            .push_back((Iq::from_set(iq_id.clone(), query), anchor));
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
