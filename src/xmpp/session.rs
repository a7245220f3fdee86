//! The client session: RFC 6120 stream negotiation (SASL SCRAM, resource binding) over
//! RFC 7395 framing, and iq bookkeeping — with no I/O, no clock and no randomness.
//!
//! # Driving a [`Session`]
//! Inputs, each taking `now` (milliseconds since the UNIX epoch, never going back):
//! - [`Session::handle_connected`] once a WebSocket is open, with a fresh SCRAM nonce;
//! - [`Session::handle_frame`] for every text frame received;
//! - [`Session::handle_timeout`] when the instant from [`Session::poll_timeout`] passes;
//! - [`Session::handle_disconnected`] when the socket closed, for whatever reason.
//!
//! Commands: [`Session::send_iq_get`], [`Session::send_iq_set`], [`Session::send_stanza`],
//! [`Session::close`].
//!
//! A session outlives its sockets: when one drops, the session reports
//! [`Event::Disconnected`] and waits for the driver to open another and call
//! `handle_connected` again. With XEP-0198 the stream is then resumed (nothing lost, nothing
//! repeated); without it, or when resumption fails, a new stream is bound and [`Event::Online`]
//! comes again. Only [`Event::Closed`] is final.
//!
//! Outputs, drained after every input or command, in this order:
//! [`Session::poll_transmit`] (frames to write), [`Session::poll_event`] (what happened),
//! [`Session::poll_timeout`] (when to call `handle_timeout` next).

use std::collections::VecDeque;

use crate::sort::VecMap;

use crate::proto::jid::{BareJid, FullJid, Jid};
use minidom::Element;

use crate::proto::date::DateTime;
use crate::proto::ns;
use crate::proto::rfc6120::{
    bind_request, read_bind, read_stream_error, sasl_auth, sasl_data, sasl_response, stream_error,
    DefinedCondition, ErrorType, Iq, SaslCondition, StanzaError, StreamFeatures,
};
use crate::proto::rfc6121::{Message, Presence};
use crate::proto::xep0198;
use crate::proto::xml::Attrs;

use super::framing::{
    close_frame, open_frame, parse_frame, to_frame, FrameError, FrameParser, StartTag,
    DEFAULT_MAX_FRAME_BYTES,
};
use super::scram::{Derivation, FirstReply, ScramClient, ScramError, ScramHash, ScramKeys, Secret};
use super::sm::{AckState, OverAck, Unacked};
use super::time::Instant;

/// What a session needs to know before it starts.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    pub jid: BareJid,
    /// The password until the first sign-in succeeds, then the keys derived from it: a
    /// reconnection needs no password in memory.
    pub secret: Secret,
    /// Resource to ask for; `None` lets the server choose.
    pub resource: Option<String>,
    pub max_frame_bytes: usize,
    /// How long an iq may go unanswered before it resolves as [`IqOutcome::Timeout`].
    pub iq_timeout_ms: u64,
    /// Silence on an online stream after which we ping the server (XEP-0199).
    pub keepalive_idle_ms: u64,
    /// How long that ping may go unanswered before the socket is declared dead.
    pub ping_timeout_ms: u64,
    /// The driver derives the salted password of a SCRAM exchange itself (faster than
    /// this crate can): the session hands it out ([`Session::poll_derivation`]) and waits
    /// for [`Session::handle_salted_password`]. Otherwise the session derives it.
    pub derive_elsewhere: bool,
}

impl SessionConfig {
    pub fn new(jid: BareJid, password: impl Into<String>) -> Self {
        Self::with_secret(jid, Secret::Password(password.into()))
    }

    pub fn with_secret(jid: BareJid, secret: Secret) -> Self {
        SessionConfig {
            jid,
            secret,
            resource: None,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            iq_timeout_ms: 30_000,
            keepalive_idle_ms: 30_000,
            ping_timeout_ms: 10_000,
            derive_elsewhere: false,
        }
    }
}

/// The one outcome every iq we send gets.
#[derive(Debug, Clone, PartialEq)]
pub enum IqOutcome {
    Result(Option<Element>),
    Error(StanzaError),
    Timeout,
    /// The connection ended before an answer came.
    Disconnected,
    /// The answer came but was skipped unread: larger than
    /// [`SessionConfig::max_frame_bytes`] (or nested deeper than the parser allows).
    /// Asking for less may help; asking the same again will not.
    TooLarge,
}

/// Why the session ended.
#[derive(Debug, Clone, PartialEq)]
pub enum CloseReason {
    /// We asked to close.
    Requested,
    /// SASL failed: the server said no to these credentials (or for another reason).
    AuthFailed(SaslCondition),
    /// The server offers no mechanism we are willing to use.
    NoUsableMechanism(Vec<String>),
    /// The server could not prove it knows our password, or broke the SCRAM exchange.
    Scram(ScramError),
    /// The server ended the stream with an error (RFC 6120 §4.9).
    StreamError {
        condition: String,
        text: Option<String>,
    },
    /// The server broke the protocol (bad XML, missing binding, …).
    Protocol(String),
}

impl CloseReason {
    /// Whether trying again cannot help: wrong credentials, an unsafe server, or one that
    /// told us to stop. A restarting server, a timeout or garbled XML are worth a retry.
    pub fn is_final(&self) -> bool {
        match self {
            CloseReason::StreamError { condition, .. } => !matches!(
                condition.as_str(),
                "system-shutdown"
                    | "connection-timeout"
                    | "reset"
                    | "internal-server-error"
                    | "remote-connection-failed"
                    | "see-other-host"
            ),
            CloseReason::Protocol(_) => false,
            _ => true,
        }
    }

    /// A sentence for the person using the app.
    pub fn describe(&self) -> String {
        match self {
            CloseReason::Requested => "Signed out".into(),
            CloseReason::AuthFailed(SaslCondition::NotAuthorized)
            | CloseReason::AuthFailed(SaslCondition::CredentialsExpired) => {
                "Wrong Jabber ID or password".into()
            }
            CloseReason::AuthFailed(SaslCondition::AccountDisabled) => {
                "This account is disabled on its server".into()
            }
            CloseReason::AuthFailed(other) => format!(
                "The server refused to sign you in ({})",
                words(&format!("{other:?}"))
            ),
            CloseReason::NoUsableMechanism(offered) => format!(
                "The server offers no secure way to sign in (it offers: {})",
                if offered.is_empty() {
                    "nothing".into()
                } else {
                    offered.join(", ")
                }
            ),
            CloseReason::Scram(ScramError::BadServerSignature) => {
                "The server could not prove it knows your password; the connection was closed for your safety".into()
            }
            CloseReason::Scram(ScramError::KeysOutdated) => {
                "The sign-in remembered on this device no longer works (was the password changed?). Sign in with your password.".into()
            }
            CloseReason::Scram(ScramError::TooFewIterations(n)) => format!(
                "The server protects your password too weakly (hashing it {}; Kith asks for at least {} times), so Kith did not sign in",
                match n {
                    1 => "once".to_owned(),
                    n => format!("{} times", group_digits(*n)),
                },
                group_digits(super::scram::MIN_ITERATIONS)
            ),
            CloseReason::Scram(ScramError::TooManyIterations(n)) => format!(
                "The server asks this device to hash your password {} times, which would freeze the page; Kith allows at most {}, so it did not sign in",
                group_digits(*n),
                group_digits(super::scram::MAX_ITERATIONS)
            ),
            CloseReason::Scram(e) => format!("Signing in failed: the server broke the exchange ({e:?})"),
            CloseReason::StreamError { condition, text } => match text {
                Some(t) => format!("The server ended the session: {} ({t})", words(condition)),
                None => format!("The server ended the session: {}", words(condition)),
            },
            CloseReason::Protocol(what) => format!("The server sent something Kith cannot read: {what}"),
        }
    }
}

/// `10000000` → `10,000,000`.
fn group_digits(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `system-shutdown` / `SystemShutdown` → `system shutdown`.
fn words(condition: &str) -> String {
    let mut out = String::new();
    for (i, c) in condition.chars().enumerate() {
        if c == '-' || c == '_' {
            out.push(' ');
        } else if c.is_uppercase() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&crate::proto::lowercase(c.encode_utf8(&mut [0; 4])));
        } else {
            out.push(c);
        }
    }
    out
}

/// What the session tells its owner.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Signed in and bound to a new stream: stanzas may flow; what the server knew of the
    /// previous stream (roster pushes, presence) must be fetched again.
    Online(FullJid),
    /// The previous stream was resumed (XEP-0198): nothing was lost.
    Resumed,
    /// Stanzas the server never acknowledged, sent again on a new stream after resumption
    /// failed (messages carry a XEP-0203 delay stamp); their ids, in order.
    Resent(Vec<String>),
    /// The socket went away; open another and call `handle_connected`.
    Disconnected,
    Presence(Presence),
    Message(Message),
    /// An iq get or set addressed to us; the owner must answer it (RFC 6120 §8.2.3).
    IqRequest(Iq),
    IqResponse {
        id: String,
        outcome: IqOutcome,
    },
    /// The server confirmed it handled these messages we sent (XEP-0198), by id.
    Acked(Vec<String>),
    /// The session is over; emitted exactly once.
    Closed(CloseReason),
}

/// Whether the server will confirm each message it handled ([`Event::Acked`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageAcks {
    Confirmed,
    /// No stream management on this server: a message sent is as sure as it gets.
    Never,
    /// Stream management waits ([`Session::defer_stream_management`]) or is being asked
    /// for: a message sent now could be lost unseen.
    NotYet,
}

#[derive(Debug, Clone)]
enum Phase {
    Idle,
    AwaitOpen,
    AwaitFeatures,
    Authenticating(Box<ScramClient>),
    /// XEP-0198 §5: asked to resume `previd` instead of binding.
    Resuming,
    Binding {
        id: String,
    },
    Online {
        jid: FullJid,
    },
    /// Between sockets; the stream may still be resumable.
    Disconnected,
    Closing,
    Closed,
}

/// XEP-0198 state that survives a socket.
#[derive(Debug, Default, Clone)]
struct StreamManagement {
    acks: AckState,
    /// The server agreed (`<enabled/>`): count inbound stanzas and answer `<r/>`.
    enabled: bool,
    /// Set when the server allows resumption.
    resume_id: Option<String>,
}

#[derive(Clone)]
struct PendingIq {
    to: Option<Jid>,
    deadline: Instant,
}

/// A client-to-server XMPP session; see the module docs for how to drive it.
#[derive(Clone)]
pub struct Session {
    config: SessionConfig,
    phase: Phase,
    authenticated: bool,
    transmit: VecDeque<String>,
    events: VecDeque<Event>,
    pending: VecMap<String, PendingIq>,
    next_id: u64,
    id_prefix: String,
    /// The SCRAM nonce of the current connection.
    nonce: String,
    /// Offered in the post-authentication features.
    sm_offered: bool,
    /// XEP-0198 waits for [`Session::enable_stream_management`] on streams that bind.
    sm_deferred: bool,
    sm: Option<StreamManagement>,
    /// The full JID of the stream being resumed.
    bound: Option<FullJid>,
    /// Unacknowledged stanzas from a stream that could not be resumed, sent once the new
    /// stream is bound.
    to_resend: Vec<Unacked>,
    /// When the server was last heard from; silence leads to a keepalive ping.
    last_heard: Instant,
    /// The deadline of the keepalive ping in flight: a half-open socket shows here.
    ping_deadline: Option<Instant>,
    /// XEP-0352 is offered on this stream.
    csi_offered: bool,
    /// XEP-0237: the server keeps roster versions, so a cached roster can be reused.
    roster_versioning: bool,
    pre_approval: bool,
    /// The app is in the background (hidden tab): the server may hold back the unimportant.
    inactive: bool,
    /// Where the server's last `<close/>` sent us (RFC 7395 §3.6.1), not yet polled.
    redirect: Option<String>,
    /// The salted password the SCRAM exchange waits for, not yet polled
    /// ([`SessionConfig::derive_elsewhere`]).
    derivation: Option<Derivation>,
}

/// Stanzas sent before sign-in finished or after the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOnline;

impl Session {
    pub fn new(config: SessionConfig) -> Self {
        Session {
            config,
            phase: Phase::Idle,
            authenticated: false,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            pending: VecMap::new(),
            next_id: 0,
            id_prefix: String::new(),
            nonce: String::new(),
            sm_offered: false,
            sm_deferred: false,
            sm: None,
            bound: None,
            to_resend: Vec::new(),
            last_heard: Instant(0),
            ping_deadline: None,
            csi_offered: false,
            roster_versioning: false,
            pre_approval: false,
            inactive: false,
            redirect: None,
            derivation: None,
        }
    }

    pub fn jid(&self) -> &BareJid {
        &self.config.jid
    }

    /// The keys of the last successful sign-in, for "Remember me on this device".
    pub fn scram_keys(&self) -> Option<&ScramKeys> {
        match &self.config.secret {
            Secret::Keys(keys) if self.authenticated => Some(keys),
            _ => None,
        }
    }

    /// RFC 6121 §2.6: whether the server advertised roster versioning on this stream.
    pub fn offers_roster_versioning(&self) -> bool {
        self.roster_versioning
    }

    /// RFC 6121 §3.4.1: whether the server offered subscription pre-approval.
    pub fn offers_pre_approval(&self) -> bool {
        self.pre_approval
    }

    /// The bound full JID, once online.
    pub fn bound_jid(&self) -> Option<&FullJid> {
        match &self.phase {
            Phase::Online { jid } => Some(jid),
            _ => None,
        }
    }

    pub fn is_online(&self) -> bool {
        matches!(self.phase, Phase::Online { .. })
    }

    /// See [`MessageAcks`].
    pub fn message_acks(&self) -> MessageAcks {
        match (&self.sm, self.sm_offered) {
            (Some(_), _) => MessageAcks::Confirmed,
            (None, false) => MessageAcks::Never,
            (None, true) if self.sm_deferred => MessageAcks::NotYet,
            // Offered, not deferred, yet not asked: it was refused on this stream.
            (None, true) => MessageAcks::Never,
        }
    }

    /// Streams that bind from now on wait for [`Session::enable_stream_management`]
    /// before they ask for XEP-0198: while a bulk read runs (a first feed sync), a server
    /// that keeps a copy of every stanza it sends (Prosody's mod_smacks) would spend as
    /// much again on the copies. What such a stream loses with a cut is read again on the
    /// next (reads are repeated, writes wait in the outbox, messages come from the
    /// archive); nothing can be resumed from it.
    pub fn defer_stream_management(&mut self) {
        self.sm_deferred = true;
    }

    pub fn stream_management_deferred(&self) -> bool {
        self.sm_deferred
    }

    /// Ends [`Session::defer_stream_management`]: asks for XEP-0198 now if online.
    pub fn enable_stream_management(&mut self) {
        self.sm_deferred = false;
        if self.is_online() && self.sm.is_none() {
            self.enable_sm();
        }
    }

    fn enable_sm(&mut self) {
        if self.sm_offered {
            // XEP-0198 §3: our outbound count starts with this request.
            self.transmit.push_back(to_frame(&xep0198::enable()));
            self.sm = Some(StreamManagement::default());
        }
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    // ---- inputs -------------------------------------------------------------------

    /// A socket is open. `nonce` must be fresh and random (printable, no commas): SCRAM
    /// runs again on every connection.
    pub fn handle_connected(&mut self, _now: Instant, nonce: &str) {
        if !matches!(self.phase, Phase::Idle | Phase::Disconnected) {
            return;
        }
        if self.id_prefix.is_empty() {
            // Ids carry part of the first nonce so they do not repeat across sessions.
            self.id_prefix = nonce
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(6)
                .collect();
        }
        self.nonce = nonce.to_owned();
        self.authenticated = false;
        self.derivation = None;
        self.transmit.clear();
        self.open_stream();
    }

    pub fn handle_frame(&mut self, now: Instant, frame: &str) {
        let parsed = parse_frame(frame, self.config.max_frame_bytes);
        self.handle_parsed(now, frame, parsed);
    }

    /// [`Session::handle_frame`] for a frame the driver parsed itself, a slice at a time
    /// ([`FrameParser`], from [`Session::frame_parser`]): what it made of `frame`.
    pub fn handle_parsed(
        &mut self,
        now: Instant,
        frame: &str,
        parsed: Result<Element, FrameError>,
    ) {
        if matches!(self.phase, Phase::Closed) {
            return;
        }
        // Any frame proves the socket alive, the answer to a keepalive ping included.
        self.last_heard = now;
        self.ping_deadline = None;
        let element = match parsed {
            Ok(el) => el,
            // Anyone can send us such a stanza; dropping the stream for it would let a
            // stranger cut us off (and a resumed stream would bring it back). Before
            // sign-in only the server speaks, and it must speak within the limits.
            Err(FrameError::TooLarge { .. } | FrameError::TooDeep)
                if matches!(self.phase, Phase::Online { .. }) =>
            {
                return self.skip_unread(now, frame);
            }
            Err(e) => {
                // RFC 6120 §4.9.3: tell the server why before closing.
                let condition = match e {
                    FrameError::TooLarge { .. } | FrameError::TooDeep => "policy-violation",
                    FrameError::NotWellFormed(_) => "not-well-formed",
                };
                let was_connected = !matches!(self.phase, Phase::Idle | Phase::Disconnected);
                self.fail(CloseReason::Protocol(format!("{e:?}")));
                if was_connected {
                    self.transmit.push_front(to_frame(&stream_error(condition)));
                }
                return;
            }
        };
        self.handle_element(now, element);
    }

    /// The salted password of this connection's SCRAM exchange (what [`Derivation`] asked
    /// for), or `None` to have the session derive it after all (no WebCrypto, or it
    /// failed). An answer for an exchange that is over (the socket dropped meanwhile) is
    /// ignored.
    pub fn handle_salted_password(&mut self, _now: Instant, exchange: &str, salted: Option<&[u8]>) {
        let Phase::Authenticating(scram) = &mut self.phase else {
            return;
        };
        if !scram.awaits_derivation(exchange) {
            return;
        }
        match scram.handle_salted_password(salted) {
            Ok(reply) => self.transmit.push_back(to_frame(&sasl_response(&reply))),
            Err(e) => self.fail(CloseReason::Scram(e)),
        }
    }

    /// A parser for `frame` under this session's limits, to feed it slice by slice and
    /// hand the outcome to [`Session::handle_parsed`].
    pub fn frame_parser(&self, frame: String) -> FrameParser {
        FrameParser::new(frame, self.config.max_frame_bytes)
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        self.resolve_pending(|_, p| p.deadline <= now, IqOutcome::Timeout);
        if !self.is_online() {
            return;
        }
        match self.ping_deadline {
            // A socket that swallows our ping is dead even if it never closed: drop it and
            // let the driver reconnect (resuming, when the server allows).
            Some(deadline) if now >= deadline => {
                self.ping_deadline = None;
                self.lose_stream(true);
                self.transmit.push_back(close_frame());
            }
            None if now >= self.last_heard + self.config.keepalive_idle_ms => {
                let id = self.fresh_id();
                let server = Jid::from(BareJid::from_parts(None, self.config.jid.domain()));
                let ping =
                    Iq::from_get(id, Element::builder("ping", ns::PING).build()).with_to(server);
                self.transmit_stanza(now, to_frame(&Element::from(ping)));
                self.ping_deadline = Some(now + self.config.ping_timeout_ms);
            }
            _ => {}
        }
    }

    pub fn handle_disconnected(&mut self, _now: Instant) {
        match self.phase {
            Phase::Closed | Phase::Disconnected | Phase::Idle => return,
            Phase::Closing => return self.finish(CloseReason::Requested),
            _ => {}
        }
        self.lose_stream(true);
    }

    /// The stream is gone, but not the session: the driver reconnects. If the server keeps
    /// the stream for resumption, pending iqs and unacked stanzas wait for it; otherwise
    /// unacked stanzas wait for the next stream and pending iqs fail.
    fn lose_stream(&mut self, may_resume: bool) {
        self.phase = Phase::Disconnected;
        self.transmit.clear();
        if !(may_resume && self.resumable()) {
            if let Some(mut sm) = self.sm.take() {
                self.to_resend.extend(sm.acks.take_unacked());
            }
            self.fail_pending_unless_resent();
        }
        self.events.push_back(Event::Disconnected);
    }

    /// Whether a lost socket can be followed by a resumption of the same stream.
    pub fn resumable(&self) -> bool {
        self.sm.as_ref().is_some_and(|sm| sm.resume_id.is_some())
    }

    // ---- commands -----------------------------------------------------------------

    /// Sends an iq get; its answer comes back as [`Event::IqResponse`] with the returned id.
    pub fn send_iq_get(
        &mut self,
        now: Instant,
        to: Option<Jid>,
        payload: impl Into<Element>,
    ) -> Result<String, NotOnline> {
        let id = self.fresh_id();
        self.send_iq(now, to, Iq::from_get(id.clone(), payload))?;
        Ok(id)
    }

    pub fn send_iq_set(
        &mut self,
        now: Instant,
        to: Option<Jid>,
        payload: impl Into<Element>,
    ) -> Result<String, NotOnline> {
        let id = self.fresh_id();
        self.send_iq(now, to, Iq::from_set(id.clone(), payload))?;
        Ok(id)
    }

    /// Sends an iq built by the caller, under the caller's id (the outbox's, stable across
    /// retries); its answer comes back as [`Event::IqResponse`] with that id.
    pub fn send_prepared_iq(&mut self, now: Instant, iq: Iq) -> Result<(), NotOnline> {
        let to = match &iq {
            Iq::Get { to, .. } | Iq::Set { to, .. } => to.clone(),
            Iq::Result { .. } | Iq::Error { .. } => return self.send_stanza(now, iq),
        };
        self.send_iq(now, to, iq)
    }

    fn send_iq(&mut self, now: Instant, to: Option<Jid>, iq: Iq) -> Result<(), NotOnline> {
        if !self.is_online() {
            return Err(NotOnline);
        }
        let id = iq.id().to_owned();
        let iq = match &to {
            Some(to) => iq.with_to(to.clone()),
            None => iq,
        };
        self.pending.insert(
            id,
            PendingIq {
                to,
                deadline: now + self.config.iq_timeout_ms,
            },
        );
        self.transmit_stanza(now, to_frame(&Element::from(iq)));
        Ok(())
    }

    /// Sends a presence, message or iq answer as it is.
    pub fn send_stanza(
        &mut self,
        now: Instant,
        stanza: impl Into<Element>,
    ) -> Result<(), NotOnline> {
        if !self.is_online() {
            return Err(NotOnline);
        }
        self.transmit_stanza(now, to_frame(&stanza.into()));
        Ok(())
    }

    /// Every stanza leaves through here, so XEP-0198 counts each exactly once.
    fn transmit_stanza(&mut self, now: Instant, frame: String) {
        if let Some(sm) = &mut self.sm {
            sm.acks.on_sent(frame.clone(), now);
        }
        self.transmit.push_back(frame);
    }

    /// Ends the stream politely (RFC 7395 §3.6); `Closed(Requested)` follows.
    pub fn close(&mut self, _now: Instant) {
        match self.phase {
            Phase::Closed | Phase::Closing => {}
            Phase::Idle | Phase::Disconnected => self.finish(CloseReason::Requested),
            _ => {
                if let Some(sm) = self.sm.as_ref().filter(|sm| sm.enabled) {
                    // XEP-0198 §3: a last ack tells the server what we handled.
                    self.transmit
                        .push_back(to_frame(&xep0198::a(sm.acks.inbound())));
                }
                self.transmit.push_back(close_frame());
                self.phase = Phase::Closing;
            }
        }
    }

    /// XEP-0352: the app went to the background (`false`) or came back (`true`). Remembered
    /// across reconnections; sent only where the server supports it.
    pub fn set_active(&mut self, active: bool) {
        if self.inactive != active {
            return;
        }
        self.inactive = !active;
        if self.is_online() && self.csi_offered {
            self.send_csi();
        }
    }

    fn send_csi(&mut self) {
        let name = if self.inactive { "inactive" } else { "active" };
        let el = Element::builder(name, ns::CSI).build();
        self.transmit.push_back(to_frame(&el));
    }

    // ---- outputs ------------------------------------------------------------------

    pub fn poll_transmit(&mut self) -> Option<String> {
        if self.transmit.is_empty() && self.is_online() {
            // One ack request per batch of stanzas (XEP-0198 §4).
            if let Some(sm) = self.sm.as_mut().filter(|sm| sm.acks.wants_ack_request()) {
                sm.acks.ack_requested();
                return Some(to_frame(&xep0198::r()));
            }
        }
        self.transmit.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// A salted password to derive, then hand to [`Session::handle_salted_password`]
    /// ([`SessionConfig::derive_elsewhere`]); at most one per connection.
    pub fn poll_derivation(&mut self) -> Option<Derivation> {
        self.derivation.take()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        let keepalive = self.is_online().then(|| {
            self.ping_deadline
                .unwrap_or(self.last_heard + self.config.keepalive_idle_ms)
        });
        self.pending
            .values()
            .map(|p| p.deadline)
            .chain(keepalive)
            .min()
    }

    // ---- internals ----------------------------------------------------------------

    fn fresh_id(&mut self) -> String {
        self.next_id += 1;
        format!("{}-{}", self.id_prefix, self.next_id)
    }

    fn open_stream(&mut self) {
        let domain = BareJid::from_parts(None, self.config.jid.domain());
        self.transmit.push_back(open_frame(&domain));
        self.phase = Phase::AwaitOpen;
    }

    fn handle_element(&mut self, now: Instant, el: Element) {
        if el.is("close", ns::WEBSOCKET) {
            return self.handle_server_close(el.attr("see-other-uri"));
        }
        if el.is("error", ns::STREAM) {
            let reason = match read_stream_error(&el) {
                Some((condition, text)) => CloseReason::StreamError { condition, text },
                None => CloseReason::StreamError {
                    condition: "undefined-condition".into(),
                    text: None,
                },
            };
            return self.fail(reason);
        }
        if el.has_ns(ns::SM) {
            return self.handle_sm(now, el);
        }
        match &mut self.phase {
            Phase::AwaitOpen => {
                if el.is("open", ns::WEBSOCKET) {
                    self.phase = Phase::AwaitFeatures;
                } else {
                    self.fail(CloseReason::Protocol("expected <open/>".into()));
                }
            }
            Phase::AwaitFeatures => {
                if !el.is("features", ns::STREAM) {
                    return self.fail(CloseReason::Protocol("expected stream features".into()));
                }
                match StreamFeatures::read(&el) {
                    Ok(features) => self.handle_features(features),
                    Err(e) => self.fail(CloseReason::Protocol(format!("stream features: {e}"))),
                }
            }
            Phase::Authenticating(_) => self.handle_sasl(el),
            Phase::Binding { .. } => self.handle_bind(now, el),
            Phase::Online { .. } | Phase::Closing => self.handle_stanza(now, el),
            Phase::Resuming | Phase::Idle | Phase::Disconnected | Phase::Closed => {}
        }
    }

    fn handle_features(&mut self, features: StreamFeatures) {
        if !self.authenticated {
            let offered = &features.sasl_mechanisms;
            let usable = match &self.config.secret {
                Secret::Password(_) => &ScramHash::PREFERENCE[..],
                // Remembered keys work with the hash they were made with, only.
                Secret::Keys(keys) => std::slice::from_ref(&keys.hash),
            };
            let Some(hash) = usable
                .iter()
                .copied()
                .find(|h| offered.iter().any(|m| m == h.mechanism()))
            else {
                if matches!(self.config.secret, Secret::Keys(_)) {
                    return self.fail(CloseReason::Scram(ScramError::KeysOutdated));
                }
                return self.fail(CloseReason::NoUsableMechanism(offered.clone()));
            };
            let username = self
                .config
                .jid
                .node()
                .map(|n| n.to_string())
                .unwrap_or_default();
            let mut scram =
                ScramClient::with_secret(hash, &username, &self.config.secret, &self.nonce);
            let auth = sasl_auth(hash.mechanism(), &scram.client_first());
            self.transmit.push_back(to_frame(&auth));
            self.phase = Phase::Authenticating(Box::new(scram));
        } else if let (Some(previd), true) = (
            self.sm.as_ref().and_then(|sm| sm.resume_id.clone()),
            features.stream_management,
        ) {
            // XEP-0198 §5: resume instead of binding; `h` tells what we handled.
            let h = self.sm.as_ref().map_or(0, |sm| sm.acks.inbound());
            self.transmit
                .push_back(to_frame(&xep0198::resume(h, &previd)));
            self.sm_offered = true;
            self.phase = Phase::Resuming;
        } else if features.bind {
            self.sm_offered = features.stream_management;
            self.csi_offered = features.csi;
            self.roster_versioning = features.roster_versioning;
            self.pre_approval = features.pre_approval;
            self.bind();
        } else {
            self.fail(CloseReason::Protocol(
                "the server offers no resource binding".into(),
            ));
        }
    }

    fn handle_sasl(&mut self, el: Element) {
        let Phase::Authenticating(scram) = &mut self.phase else {
            return;
        };
        if !el.has_ns(ns::SASL) {
            return self.fail(CloseReason::Protocol(format!(
                "<{}/> during SASL",
                el.name()
            )));
        }
        match el.name() {
            "challenge" => {
                let Some(challenge) = sasl_data(&el) else {
                    return self.fail(CloseReason::Scram(ScramError::Malformed(
                        "challenge is not base64",
                    )));
                };
                let reply = if self.config.derive_elsewhere {
                    scram.handle_server_first_deferred(&challenge)
                } else {
                    scram.handle_server_first(&challenge).map(FirstReply::Reply)
                };
                match reply {
                    Ok(FirstReply::Reply(reply)) => {
                        self.transmit.push_back(to_frame(&sasl_response(&reply)));
                    }
                    Ok(FirstReply::Derive(derivation)) => self.derivation = Some(derivation),
                    Err(e) => self.fail(CloseReason::Scram(e)),
                }
            }
            "success" => {
                let Some(success) = sasl_data(&el) else {
                    return self.fail(CloseReason::Scram(ScramError::BadServerSignature));
                };
                match scram.handle_server_final(&success) {
                    Ok(()) => {
                        if let Some(keys) = scram.keys() {
                            self.config.secret = Secret::Keys(keys.clone());
                        }
                        // RFC 6120 §6.4.6: a fresh stream after SASL success.
                        self.authenticated = true;
                        self.open_stream();
                    }
                    Err(e) => self.fail(CloseReason::Scram(e)),
                }
            }
            "failure" => {
                let condition =
                    SaslCondition::read_failure(&el).unwrap_or(SaslCondition::NotAuthorized);
                self.fail(CloseReason::AuthFailed(condition));
            }
            other => self.fail(CloseReason::Protocol(format!("unexpected SASL <{other}/>"))),
        }
    }

    fn bind(&mut self) {
        let id = self.fresh_id();
        let iq = Iq::from_set(id.clone(), bind_request(self.config.resource.as_deref()));
        self.transmit.push_back(to_frame(&Element::from(iq)));
        self.phase = Phase::Binding { id };
    }

    fn handle_bind(&mut self, now: Instant, el: Element) {
        let Phase::Binding { id } = &self.phase else {
            return;
        };
        if !el.is("iq", ns::DEFAULT_NS) || el.attr("id") != Some(id.as_str()) {
            // Nothing else is expected before binding ends; ignore rather than fail.
            return;
        }
        let bound = match Iq::try_from(el) {
            Ok(Iq::Result {
                payload: Some(payload),
                ..
            }) => read_bind(&payload),
            _ => None,
        };
        match bound {
            Some(jid) if jid.to_bare() == self.config.jid => {
                self.phase = Phase::Online { jid: jid.clone() };
                self.last_heard = now;
                self.bound = Some(jid.clone());
                if let Some(mut old) = self.sm.take() {
                    // We could not even try to resume (the server stopped offering XEP-0198):
                    // what the old stream never confirmed goes on the new one.
                    self.to_resend.extend(old.acks.take_unacked());
                }
                if !self.sm_deferred {
                    self.enable_sm();
                }
                self.events.push_back(Event::Online(jid));
                if self.inactive && self.csi_offered {
                    // A new stream starts active (XEP-0352 §4); say we are not.
                    self.send_csi();
                }
                self.resend_after_failed_resume(now);
            }
            Some(jid) => self.fail(CloseReason::Protocol(format!(
                "bound to {jid}, which is not our account"
            ))),
            None => self.fail(CloseReason::Protocol("resource binding failed".into())),
        }
    }

    fn handle_stanza(&mut self, _now: Instant, mut el: Element) {
        if !el.has_ns(ns::DEFAULT_NS) {
            return; // Unknown top-level elements are ignored (RFC 6120 §8).
        }
        if matches!(el.name(), "iq" | "message" | "presence") {
            if let Some(sm) = self.sm.as_mut().filter(|sm| sm.enabled) {
                sm.acks.on_inbound_stanza();
            }
        }
        match el.name() {
            "iq" => {
                // Unparseable iqs have no id we could trust to answer.
                if let Some(iq) = read_result(&mut el).or_else(|| Iq::try_from(el).ok()) {
                    self.handle_iq(iq);
                }
            }
            "presence" => {
                if let Ok(p) = Presence::try_from(el) {
                    self.events.push_back(Event::Presence(p));
                }
            }
            "message" => {
                if let Ok(m) = Message::try_from(el) {
                    self.events.push_back(Event::Message(m));
                }
            }
            _ => {}
        }
    }

    fn handle_iq(&mut self, iq: Iq) {
        let (id, from, outcome) = match iq {
            Iq::Get { .. } | Iq::Set { .. } => {
                self.events.push_back(Event::IqRequest(iq));
                return;
            }
            Iq::Result {
                id, from, payload, ..
            } => (id, from, IqOutcome::Result(payload)),
            Iq::Error {
                id, from, error, ..
            } => (id, from, IqOutcome::Error(error)),
        };
        self.resolve(id, from.as_ref(), outcome);
    }

    /// An answer from `from` to the iq `id` gives it its outcome.
    fn resolve(&mut self, id: String, from: Option<&Jid>, outcome: IqOutcome) {
        let Some(pending) = self.pending.get(&id) else {
            return; // Not ours, or already resolved.
        };
        if !self.response_from_matches(pending.to.as_ref(), from) {
            return; // A spoofed answer: keep waiting for the real one.
        }
        self.pending.remove(&id);
        self.events.push_back(Event::IqResponse { id, outcome });
    }

    /// A frame refused unread while online ([`FrameError::TooLarge`] or `TooDeep`): only
    /// its start tag is read. A stanza counts as handled for XEP-0198 as if it had been
    /// read; an answer to one of our iqs resolves it as [`IqOutcome::TooLarge`], so that
    /// its caller can ask for less at once instead of waiting for the timeout; a request
    /// gets an error (RFC 6120 §8.2.3: every get and set is answered).
    fn skip_unread(&mut self, now: Instant, frame: &str) {
        let tag = StartTag::read(frame);
        // Only stanzas carry what others wrote, so a start tag too long to read is one.
        if tag.as_ref().is_none_or(StartTag::is_stanza) {
            if let Some(sm) = self.sm.as_mut().filter(|sm| sm.enabled) {
                sm.acks.on_inbound_stanza();
            }
        }
        let Some(tag) = tag.filter(|t| t.is_stanza() && t.name == "iq") else {
            return;
        };
        let (Some(type_), Some(id)) = (tag.type_.as_deref(), tag.id) else {
            return;
        };
        let from = match tag.from.as_deref().map(Jid::new) {
            None => None,
            Some(Ok(jid)) => Some(jid),
            Some(Err(_)) => return,
        };
        match type_ {
            "result" | "error" => self.resolve(id, from.as_ref(), IqOutcome::TooLarge),
            "get" | "set" => {
                let error = StanzaError::new(
                    ErrorType::Modify,
                    DefinedCondition::PolicyViolation,
                    "en",
                    "Too large for this client to read",
                );
                let reply = Iq::Error {
                    from: None,
                    to: from,
                    id,
                    error,
                    payload: None,
                };
                let _ = self.send_stanza(now, reply);
            }
            _ => {}
        }
    }

    /// RFC 6120 §8.1.2.1: an answer comes from whom we asked; for requests to our own
    /// account the server may leave `from` out or use our bare or full JID.
    fn response_from_matches(&self, to: Option<&Jid>, from: Option<&Jid>) -> bool {
        let own = &self.config.jid;
        let is_own = |j: &Jid| j.to_bare() == *own;
        match (to, from) {
            (None, None) => true,
            (None, Some(f)) => is_own(f),
            (Some(t), None) => is_own(t),
            (Some(t), Some(f)) => t == f || (is_own(t) && is_own(f)),
        }
    }

    fn handle_server_close(&mut self, see_other_uri: Option<&str>) {
        if matches!(self.phase, Phase::Closing) {
            return self.finish(CloseReason::Requested);
        }
        // RFC 7395 §3.6.1: "connect there instead", for the next connection only. The
        // driver decides whether to follow ([`super::framing::redirect_target`]).
        self.redirect = see_other_uri.map(str::to_owned);
        // A clean close ends the stream for good (no resumption); the session reconnects.
        self.lose_stream(false);
        // RFC 7395 §3.6: answer the server's close with ours.
        self.transmit.push_back(close_frame());
    }

    /// Ends the stream because of a problem; tells the server when we still can. Problems a
    /// new connection may not have (a restarting server, bad XML) lead to a reconnection;
    /// the others end the session.
    fn fail(&mut self, reason: CloseReason) {
        let connected = !matches!(
            self.phase,
            Phase::Idle | Phase::Closed | Phase::Disconnected
        );
        if reason.is_final() {
            if connected {
                self.transmit.push_back(close_frame());
            }
            self.finish(reason);
        } else if connected {
            self.lose_stream(false);
            self.transmit.push_back(close_frame());
        }
    }

    /// The WebSocket URI the server's last `<close/>` named for the next connection, once.
    pub fn poll_redirect(&mut self) -> Option<String> {
        self.redirect.take()
    }

    /// Whether the driver should drop the current socket: the stream on it has ended.
    pub fn wants_socket_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed | Phase::Disconnected)
    }

    fn finish(&mut self, reason: CloseReason) {
        if matches!(self.phase, Phase::Closed) {
            return;
        }
        self.phase = Phase::Closed;
        self.sm = None;
        self.fail_pending();
        self.events.push_back(Event::Closed(reason));
    }

    fn fail_pending(&mut self) {
        self.resolve_pending(|_, _| true, IqOutcome::Disconnected);
    }

    /// Gives each pending iq that `matches` its one outcome.
    fn resolve_pending(&mut self, matches: impl Fn(&str, &PendingIq) -> bool, outcome: IqOutcome) {
        let done: Vec<String> = self
            .pending
            .iter()
            .filter(|(id, p)| matches(id, p))
            .map(|(id, _)| id.clone())
            .collect();
        for id in done {
            self.pending.remove(&id);
            self.events.push_back(Event::IqResponse {
                id,
                outcome: outcome.clone(),
            });
        }
    }

    // ---- XEP-0198 --------------------------------------------------------------------

    fn handle_sm(&mut self, now: Instant, el: Element) {
        match el.name() {
            "enabled" => {
                let Some(resume_id) = xep0198::read_enabled(&el) else {
                    return;
                };
                if let Some(sm) = &mut self.sm {
                    sm.enabled = true;
                    sm.resume_id = resume_id;
                }
            }
            "r" => {
                if let Some(sm) = self.sm.as_ref().filter(|sm| sm.enabled) {
                    let a = xep0198::a(sm.acks.inbound());
                    self.transmit.push_back(to_frame(&a));
                }
            }
            "a" => {
                let Some(h) = xep0198::h(&el) else {
                    return self.fail(CloseReason::Protocol("an unreadable <a/>".into()));
                };
                self.apply_ack(h);
            }
            "resumed" if matches!(self.phase, Phase::Resuming) => {
                let Some(h) = xep0198::h(&el).filter(|_| el.attr("previd").is_some()) else {
                    return self.fail(CloseReason::Protocol("an unreadable <resumed/>".into()));
                };
                if !self.apply_ack(h) {
                    return;
                }
                let Some(jid) = self.bound.clone() else {
                    return self.fail(CloseReason::Protocol(
                        "resumed a stream we never bound".into(),
                    ));
                };
                self.phase = Phase::Online { jid };
                self.last_heard = now;
                // Everything the server did not handle goes again, in order, counted anew
                // by its `h` (XEP-0198 §5).
                let again: Vec<String> = self
                    .sm
                    .as_ref()
                    .map(|sm| sm.acks.unacked().map(|u| u.frame.clone()).collect())
                    .unwrap_or_default();
                self.transmit.extend(again);
                self.events.push_back(Event::Resumed);
            }
            "failed" if matches!(self.phase, Phase::Resuming) => {
                let h = xep0198::h(&el);
                let mut sm = self.sm.take().unwrap_or_default();
                if let Some(h) = h {
                    // Drop what the old stream did handle; an impossible h is ignored, and
                    // then everything is resent rather than anything lost.
                    if let Ok(confirmed) = sm.acks.on_ack(h) {
                        self.report_acked(confirmed);
                    }
                }
                // The stale id is forgotten, so it can never be tried again.
                self.to_resend = sm.acks.take_unacked();
                self.fail_pending_unless_resent();
                self.bind();
            }
            "failed" => {
                // The server refused <enable/>: carry on without acks; what was counted
                // since is as sure as it will get.
                if let Some(mut sm) = self.sm.take() {
                    self.report_acked(sm.acks.take_unacked());
                }
            }
            _ => {}
        }
    }

    /// Applies an `h`; on an over-ack the stream is closed (XEP-0198 §4).
    fn apply_ack(&mut self, h: u32) -> bool {
        let Some(sm) = &mut self.sm else { return true };
        match sm.acks.on_ack(h) {
            Ok(confirmed) => {
                self.report_acked(confirmed);
                true
            }
            Err(OverAck { h, sent }) => {
                self.fail(CloseReason::Protocol(format!(
                    "the server acknowledged {h} stanzas but we sent {sent}"
                )));
                false
            }
        }
    }

    /// [`Event::Acked`] for the messages among `confirmed`.
    fn report_acked(&mut self, confirmed: Vec<Unacked>) {
        let ids: Vec<String> = confirmed
            .iter()
            .filter(|u| u.frame.starts_with("<message"))
            .filter_map(|u| u.frame.parse::<Element>().ok())
            .filter_map(|el| el.attr("id").map(str::to_owned))
            .collect();
        if !ids.is_empty() {
            self.events.push_back(Event::Acked(ids));
        }
    }

    /// Iqs waiting for an answer keep waiting if they are resent; the others cannot be
    /// answered on a new stream.
    fn fail_pending_unless_resent(&mut self) {
        let resent: Vec<String> = self
            .to_resend
            .iter()
            .filter_map(|u| u.frame.parse::<Element>().ok())
            .filter(|el| el.name() == "iq")
            .filter_map(|el| el.attr("id").map(str::to_owned))
            .collect();
        self.resolve_pending(
            |id, _| !resent.iter().any(|r| r == id),
            IqOutcome::Disconnected,
        );
    }

    /// After a failed resumption: messages again with a XEP-0203 stamp of when they were
    /// first sent, iqs again as they were; presence is not repeated (the new stream
    /// announces itself afresh).
    fn resend_after_failed_resume(&mut self, now: Instant) {
        let mut ids = vec![];
        for unacked in std::mem::take(&mut self.to_resend) {
            let Ok(mut el) = unacked.frame.parse::<Element>() else {
                continue;
            };
            match el.name() {
                "message" => {
                    if let Ok(stamp) = unacked.sent_at.to_xep0082().parse::<DateTime>() {
                        el.append_child(
                            Element::builder("delay", ns::DELAY)
                                .a("stamp", stamp.to_rfc3339())
                                .build(),
                        );
                    }
                }
                "iq" => {}
                _ => continue,
            }
            if let Some(id) = el.attr("id") {
                ids.push(id.to_owned());
            }
            self.transmit_stanza(now, to_frame(&el));
        }
        if !ids.is_empty() {
            self.events.push_back(Event::Resent(ids));
        }
    }
}

/// `<iq type='result'/>` read with its payload moved out as it is, not cloned: a page of
/// posts is tens of KB. Anything unusual (no id, a JID that does not parse, more than one
/// child, text) is left to [`Iq::try_from`], which decides.
fn read_result(el: &mut Element) -> Option<Iq> {
    if el.attr("type") != Some("result") {
        return None;
    }
    let id = el.attr("id")?.to_owned();
    let jid = |name: &str| match el.attr(name) {
        None => Some(None),
        Some(text) => Jid::new(text).ok().map(Some),
    };
    let (from, to) = (jid("from")?, jid("to")?);
    if el.children().nth(1).is_some() || el.texts().any(|t| !t.trim().is_empty()) {
        return None;
    }
    let payload = el.unshift_child();
    Some(Iq::Result {
        from,
        to,
        id,
        payload,
    })
}

/// The id of any kind of iq.
pub(crate) fn iq_id(iq: &Iq) -> &str {
    iq.id()
}
