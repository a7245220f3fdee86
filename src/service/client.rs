//! The account as a whole: one session plus the services fed by it.
//!
//! Driven like [`Session`]: call the `handle_*` inputs, then drain
//! [`Client::poll_transmit`] and [`Client::poll_update`] and read [`Client::poll_timeout`].

use std::collections::{BTreeSet, VecDeque};

use minidom::Element;
use xmpp_parsers::disco::{DiscoInfoResult, Identity};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::jid::{BareJid, FullJid};
use xmpp_parsers::ns;
use xmpp_parsers::presence::{Presence, Type as PresenceType};
use xmpp_parsers::roster::Roster as RosterQuery;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};

use super::presence::PresenceBook;
use super::roster::{Roster, RosterChange};
use crate::xmpp::{CloseReason, Event, Instant, IqOutcome, Session, SessionConfig};

/// What the app's state must reflect.
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    Online(FullJid),
    /// The stream came back as it was (XEP-0198): nothing to fetch again.
    Resumed,
    /// The socket is gone; the driver should reconnect.
    Disconnected,
    Closed(CloseReason),
    Roster(RosterChange),
    /// The shown availability of this contact may have changed.
    Presence(BareJid),
    /// A message with a body arrived.
    Message {
        from: Option<String>,
        id: Option<String>,
    },
}

#[derive(Clone)]
pub struct Client {
    session: Session,
    roster: Roster,
    presence: PresenceBook,
    roster_request: Option<String>,
    updates: VecDeque<Update>,
}

impl Client {
    pub fn new(config: SessionConfig) -> Self {
        Client {
            session: Session::new(config),
            roster: Roster::default(),
            presence: PresenceBook::default(),
            roster_request: None,
            updates: VecDeque::new(),
        }
    }

    pub fn account(&self) -> &BareJid {
        self.session.jid()
    }

    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    pub fn presence(&self) -> &PresenceBook {
        &self.presence
    }

    pub fn is_closed(&self) -> bool {
        self.session.is_closed()
    }

    /// The stream on the current socket has ended (for good, or until a reconnection).
    pub fn wants_socket_closed(&self) -> bool {
        self.session.wants_socket_closed()
    }

    // ---- inputs -------------------------------------------------------------------

    /// `nonce`: fresh randomness for this connection's SCRAM exchange.
    pub fn handle_connected(&mut self, now: Instant, nonce: &str) {
        self.session.handle_connected(now, nonce);
        self.process(now);
    }

    pub fn handle_frame(&mut self, now: Instant, frame: &str) {
        self.session.handle_frame(now, frame);
        self.process(now);
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        self.session.handle_timeout(now);
        self.process(now);
    }

    pub fn handle_disconnected(&mut self, now: Instant) {
        self.session.handle_disconnected(now);
        self.process(now);
    }

    /// XEP-0352: whether the person is looking at the app (tab visible).
    pub fn set_active(&mut self, now: Instant, active: bool) {
        self.session.set_active(active);
        self.process(now);
    }

    pub fn close(&mut self, now: Instant) {
        // RFC 6121 §4.5: say goodbye before the stream ends.
        let _ = self
            .session
            .send_stanza(now, Presence::new(PresenceType::Unavailable));
        self.session.close(now);
        self.process(now);
    }

    // ---- outputs ------------------------------------------------------------------

    pub fn poll_transmit(&mut self) -> Option<String> {
        self.session.poll_transmit()
    }

    pub fn poll_update(&mut self) -> Option<Update> {
        self.updates.pop_front()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.session.poll_timeout()
    }

    // ---- internals ----------------------------------------------------------------

    fn process(&mut self, now: Instant) {
        while let Some(event) = self.session.poll_event() {
            match event {
                Event::Online(jid) => {
                    // RFC 6121 §2.2: the roster first, initial presence once it is here.
                    // Sent together, a server answers the presence's probes (one per
                    // contact) before it flushes the roster: seconds for a large one.
                    let query = RosterQuery {
                        ver: None,
                        items: vec![],
                    };
                    self.roster_request = self.session.send_iq_get(now, None, query).ok();
                    // A new stream: presence from the old one is stale.
                    self.presence.clear();
                    self.updates.push_back(Update::Online(jid));
                }
                Event::IqResponse { id, outcome } => self.handle_iq_response(now, id, outcome),
                Event::IqRequest(iq) => self.handle_iq_request(now, iq),
                Event::Resumed => self.updates.push_back(Update::Resumed),
                Event::Resent(_) => {} // The outbox (a later issue) tracks these.
                Event::Disconnected => self.updates.push_back(Update::Disconnected),
                Event::Presence(p) => {
                    if let Some(jid) = self.presence.apply(&p) {
                        self.updates.push_back(Update::Presence(jid));
                    }
                }
                Event::Message(message) => {
                    // Chat itself arrives with a later issue; until then the app only
                    // notes which messages with a body reached it.
                    if !message.bodies.is_empty() {
                        self.updates.push_back(Update::Message {
                            from: message.from.map(|j| j.to_string()),
                            id: message.id.map(|id| id.0),
                        });
                    }
                }
                Event::Closed(reason) => {
                    self.presence.clear();
                    self.updates.push_back(Update::Closed(reason));
                }
            }
        }
    }

    fn handle_iq_response(&mut self, now: Instant, id: String, outcome: IqOutcome) {
        if self.roster_request.as_deref() != Some(id.as_str()) {
            return;
        }
        self.roster_request = None;
        if let IqOutcome::Result(payload) = outcome {
            if let Ok(change) = self.roster.apply_result(payload) {
                self.updates.push_back(Update::Roster(change));
            }
        }
        // Whatever became of the roster, we are here: announce ourselves.
        let _ = self
            .session
            .send_stanza(now, Presence::new(PresenceType::None));
    }

    fn handle_iq_request(&mut self, now: Instant, iq: Iq) {
        let (Iq::Get {
            from, id, payload, ..
        }
        | Iq::Set {
            from, id, payload, ..
        }) = iq.clone()
        else {
            return;
        };
        let is_set = matches!(iq, Iq::Set { .. });
        let answer: Result<Option<Element>, StanzaError> =
            if is_set && payload.is("query", ns::ROSTER) {
                let account = self.account().clone();
                match self.roster.apply_push(&account, from.as_ref(), payload) {
                    Ok(change) => {
                        self.updates.push_back(Update::Roster(change));
                        Ok(None)
                    }
                    Err(_) => Err(error(
                        ErrorType::Cancel,
                        DefinedCondition::ServiceUnavailable,
                    )),
                }
            } else if !is_set && payload.is("ping", ns::PING) {
                Ok(None)
            } else if !is_set && payload.is("query", ns::DISCO_INFO) {
                Ok(Some(self.disco_info().into()))
            } else {
                // RFC 6120 §8.4: anything we do not understand gets an error, never silence.
                Err(error(
                    ErrorType::Cancel,
                    DefinedCondition::ServiceUnavailable,
                ))
            };
        let reply = match answer {
            Ok(payload) => Iq::Result {
                from: None,
                to: from,
                id,
                payload,
            },
            Err(error) => Iq::Error {
                from: None,
                to: from,
                id,
                error,
                payload: None,
            },
        };
        let _ = self.session.send_stanza(now, reply);
    }

    /// XEP-0030: who we are and what we understand.
    fn disco_info(&self) -> DiscoInfoResult {
        DiscoInfoResult {
            node: None,
            identities: vec![Identity::new("client", "web", "en", "Kith")],
            features: BTreeSet::from([ns::DISCO_INFO.to_owned(), ns::PING.to_owned()]),
            extensions: vec![],
        }
    }
}

fn error(type_: ErrorType, condition: DefinedCondition) -> StanzaError {
    StanzaError::new(type_, condition, "en", "")
}

#[cfg(test)]
mod tests;
