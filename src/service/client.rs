//! The account as a whole: one session plus the services fed by it.
//!
//! Driven like [`Session`]: call the `handle_*` inputs, then drain
//! [`Client::poll_transmit`] and [`Client::poll_update`] and read [`Client::poll_timeout`].

use std::collections::VecDeque;

use crate::sort::{VecMap, VecSet};

use crate::proto::jid::{BareJid, FullJid, Jid};
use crate::proto::ns;
use crate::proto::rfc6120::{DefinedCondition, ErrorType, Iq, StanzaError};
use crate::proto::rfc6121::{
    Message, MessageType, Presence, PresenceType, RosterQuery, Subscription,
};
use crate::proto::xep0030::{DiscoInfo, Identity};
use minidom::Element;

use super::archive::{Archive, Verdict};
use super::chat::{Chat, Compose};
use super::feed::{self, Feed, FeedChange, Recovery};
use super::outbox::{
    DuplicateId, EntryState, Outbox, OutboxEntry, Outcome, PendingWrite, WriteKind,
};
use super::people::fetch::{AvatarBytes, Fetched, Fetches};
use super::people::{self, Blocklist, People, PersonChange, Requests};
use super::presence::PresenceBook;
use super::rooms::Rooms;
use super::roster::{Roster, RosterChange, RosterEdit};
use crate::proto::xep0115;
use crate::proto::xep0277::Entry;
use crate::proto::xml::Attrs;
use crate::proto::{xep0085, xep0184, xep0191, xep0280, xep0333};
use crate::store::MessageRecord;
use crate::xmpp::framing::{FrameError, FrameParser};
use crate::xmpp::scram::Derivation;
use crate::xmpp::session::iq_id;
use crate::xmpp::{
    CloseReason, Event, Instant, IqOutcome, MessageAcks, ScramKeys, Session, SessionConfig,
};

/// `wait` answers (RFC 6120 §8.3.2) an outbox entry takes, sent again at once each time,
/// before it waits for the person instead: a server that keeps saying "wait" (ejabberd
/// 23.01's `resource-constraint`, a Mnesia "Database failure" under concurrent node
/// creation) must not be answered by an endless stream of the same write.
const MAX_WAITS: u8 = 3;

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
    /// This conversation changed ([`Client::chat`] has it as it now stands).
    Conversation(BareJid),
    /// Chat stanzas to keep.
    MessageRecords(Vec<MessageRecord>),
    /// The person read `peer`'s conversation up to `until` (ms since the epoch): keep it.
    ReadUntil {
        peer: BareJid,
        until: f64,
    },
    /// Where the next session's archive catch-up starts (keep it): see
    /// [`Archive::position`].
    ArchiveNewest(String),
    /// The incoming subscription requests changed ([`Client::requests`]).
    Requests,
    /// The block list changed ([`Client::blocklist`]).
    Blocklist,
    /// This stream's initial presence is out: contacts see the account available, and
    /// what they send from now on arrives live (before it, only in the archive).
    Available,
    /// A catch-up could not fetch all that a lost stream missed ([`Archive::take_gap`]):
    /// messages may be missing.
    ArchiveGap,
    /// The server acknowledged this outbox entry: it may leave the store.
    Delivered(String),
    /// The server refused this outbox entry for good; the person decides what next.
    Refused {
        id: String,
        reason: String,
    },
    /// What the outbox holds changed: the writes still waiting or refused, in writing
    /// order — the one source of what the screens mark **Pending** or refused.
    Outbox(Vec<PendingWrite>),
    /// The feed changed (posts, comments, sync progress, cursors to keep).
    Feed(FeedChange),
    /// What this person published about themselves (nickname, vCard4, avatar hash)
    /// changed: [`Client::people`] has it.
    Person(BareJid),
    /// An avatar image arrived, checked against its hash: keep it under that hash (the
    /// client never asks for it again, [`Client::restore_avatars`]).
    Avatar(AvatarBytes),
    /// The answer to a [`Client::query`].
    Answer {
        id: String,
        outcome: IqOutcome,
    },
    /// This room changed: its state, subject or messages ([`Client::rooms`]).
    Room(BareJid),
    /// Who is in this room changed.
    Occupants(BareJid),
    /// The account is now in this room (entered, or entered again): it may want its
    /// bookmark ([`Client::compose_bookmark`]).
    RoomJoined(BareJid),
    /// The bookmarked rooms changed: keep them ([`Rooms::bookmarks_record`]).
    Bookmarks,
}

#[derive(Clone)]
pub struct Client {
    session: Session,
    roster: Roster,
    presence: PresenceBook,
    roster_request: Option<String>,
    outbox: Outbox,
    feed: Feed,
    archive: Archive,
    chat: Chat,
    /// Archive queries for a conversation's older messages, by id (iq and query), and the
    /// conversations whose archive has no more.
    history: VecMap<String, BareJid>,
    history_done: VecSet<BareJid>,
    history_asked: u32,
    /// The archive position last reported ([`Update::ArchiveNewest`]).
    archive_reported: Option<String>,
    /// Ids of [`Client::query`] requests still unanswered.
    queries: VecSet<String>,
    /// The outbox's entries (id, refusal) as last reported in [`Update::Outbox`].
    reported: Vec<(String, Option<String>)>,
    /// Outbox entries already retried after reconfiguring their node: once only.
    reconfigured: VecSet<String>,
    /// What this stream's last presence announced: `None` before the initial presence,
    /// else whether its caps asked for microblog notifications.
    notify: Option<bool>,
    /// The initial presence waits for the first answer of a cold sync of more than one
    /// wave ([`Feed::awaits_first_wave`]) and for the archive's anchor
    /// ([`Archive::anchoring`]); `Some(notify)`: whether it asks for notifications at once.
    presence_deferred: Option<bool>,
    /// This stream's one catch-up after the server learnt what our `+notify` caps mean
    /// ([`Client::catch_up_after_caps`]) is asked for.
    caps_caught_up: bool,
    /// The server refused `pubsub#max_items` as a publish option (ejabberd 23.01): from
    /// then on, publishes go without it ([`feed::without_max_items_option`]).
    max_items_option_refused: bool,
    /// `wait` answers per outbox entry so far ([`MAX_WAITS`]).
    waits: VecMap<String, u8>,
    /// Incoming subscription requests (RFC 6121 §3.1.3) awaiting Accept or Decline.
    requests: Requests,
    /// XEP-0191: whom the account blocks, as its server last said; and the id of this
    /// stream's request for the list.
    blocklist: Blocklist,
    blocklist_request: Option<String>,
    /// What people publish about themselves, and what of it is fetched.
    people: People,
    fetches: Fetches,
    /// Rooms and bookmarks (see `client/rooms.rs`): this stream's bookmarks request, the
    /// rooms' disco#info requests by id, and the rooms last reported entered.
    rooms: Rooms,
    bookmarks_request: Option<String>,
    room_info: VecMap<String, BareJid>,
    rooms_entered: VecSet<BareJid>,
    updates: VecDeque<Update>,
}

impl Client {
    pub fn new(config: SessionConfig) -> Self {
        let feed = Feed::new(config.jid.clone());
        Self::restore(config, Roster::default(), Outbox::default(), feed)
    }

    /// Starts from what this device remembered: the roster (its version lets the server
    /// answer "unchanged") and the writes not yet acknowledged.
    pub fn restore(config: SessionConfig, roster: Roster, outbox: Outbox, feed: Feed) -> Self {
        let archive = Archive::new(config.jid.clone());
        let chat = Chat::new(config.jid.clone());
        let people = People::new(config.jid.clone());
        let rooms = Rooms::new(config.jid.clone());
        let mut session = Session::new(config);
        if !feed.synced_before() {
            // A first sync reads every contact's microblog: stream management after it.
            session.defer_stream_management();
        }
        Client {
            archive,
            chat,
            history: VecMap::new(),
            history_done: VecSet::new(),
            history_asked: 0,
            archive_reported: None,
            session,
            roster,
            presence: PresenceBook::default(),
            roster_request: None,
            outbox,
            feed,
            queries: VecSet::new(),
            reconfigured: VecSet::new(),
            reported: Vec::new(),
            notify: None,
            presence_deferred: None,
            caps_caught_up: false,
            max_items_option_refused: false,
            waits: VecMap::new(),
            requests: Requests::default(),
            blocklist: Blocklist::default(),
            blocklist_request: None,
            people,
            fetches: Fetches::default(),
            rooms,
            bookmarks_request: None,
            room_info: VecMap::new(),
            rooms_entered: VecSet::new(),
            updates: VecDeque::new(),
        }
    }

    pub fn people(&self) -> &People {
        &self.people
    }

    /// The hashes of the avatars this device keeps: never fetched again.
    pub fn restore_avatars(&mut self, hashes: impl IntoIterator<Item = String>) {
        self.fetches.restore(hashes);
    }

    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    pub fn chat(&self) -> &Chat {
        &self.chat
    }

    pub fn requests(&self) -> &Requests {
        &self.requests
    }

    pub fn blocklist(&self) -> &Blocklist {
        &self.blocklist
    }

    /// **Accept** `jid`'s request (RFC 6121 §3.1.5), asking back for theirs (§3.1.1).
    /// `false` when not connected (the request stays listed).
    pub fn accept_request(&mut self, now: Instant, jid: &BareJid) -> bool {
        let presences = people::accept(jid, self.roster.get(jid));
        self.answer_request(now, jid, presences)
    }

    /// **Decline** `jid`'s request (RFC 6121 §3.2.1).
    pub fn decline_request(&mut self, now: Instant, jid: &BareJid) -> bool {
        self.answer_request(now, jid, vec![people::decline(jid)])
    }

    fn answer_request(&mut self, now: Instant, jid: &BareJid, presences: Vec<Presence>) -> bool {
        for presence in presences {
            if self.session.send_stanza(now, presence).is_err() {
                return false;
            }
        }
        if self.requests.answered(jid) {
            self.updates.push_back(Update::Requests);
        }
        true
    }

    /// Where the archive catch-up of a previous session stopped ([`Update::ArchiveNewest`]):
    /// the first stream then asks for what was archived since (a cold start catches up).
    pub fn restore_archive(&mut self, newest: String) {
        self.archive_reported = Some(newest.clone());
        self.archive.restore(newest);
    }

    /// A conversation's stored records ([`Chat::restore`]).
    /// `deep`: all the device reads for an open conversation ([`Chat::restore_deep`]).
    pub fn restore_conversation(
        &mut self,
        peer: &BareJid,
        records: &[MessageRecord],
        read_until: f64,
        deep: bool,
    ) {
        if self.restore_room(peer, records, read_until) {
            return;
        }
        match deep {
            true => self.chat.restore_deep(peer, records, read_until),
            false => self.chat.restore(peer, records, read_until),
        }
        self.drain_chat();
    }

    /// What the person wrote to `to`, as an outbox entry under `id` (also the message's
    /// origin-id), shown at once; the caller stores the entry, then [`Client::submit`]s it.
    pub fn compose_message(
        &mut self,
        now: Instant,
        id: &str,
        to: &BareJid,
        what: Compose,
    ) -> OutboxEntry {
        if self.rooms.is_room(to) {
            if let Some(entry) = self.compose_room_message(now, id, to, what.clone()) {
                return entry;
            }
        }
        let message = self.chat.compose(now.0 as f64, id, to, what);
        self.drain_chat();
        OutboxEntry::new(
            id.to_owned(),
            format!("chat:{to}"),
            WriteKind::Message { to: to.clone() },
            None,
            message,
        )
    }

    /// Older messages of `peer`'s conversation from the server's archive (XEP-0313 `with`,
    /// RSM `before` the oldest archive id held), a page at a time; `false` if none is
    /// asked (one is on its way, the archive has no more, or we are offline).
    pub fn load_older_messages(&mut self, now: Instant, peer: &BareJid) -> bool {
        const PAGE: usize = 50;
        if self.history_done.contains(peer)
            || self.history.values().any(|p| p == peer)
            || self.rooms.is_room(peer)
        {
            return false;
        }
        let before = self
            .chat
            .conversation(peer)
            .and_then(|c| c.messages.iter().find_map(|m| m.archive_id.clone()))
            .unwrap_or_default();
        self.history_asked += 1;
        let id = format!("history-{}", self.history_asked);
        let query = crate::proto::xep0313::history(&id, peer.as_str(), PAGE, &before);
        let sent = self
            .session
            .send_prepared_iq(now, Iq::from_set(id.clone(), query))
            .is_ok();
        if sent {
            self.history.insert(id, peer.clone());
        }
        self.process(now);
        sent
    }

    /// A result of one of our history queries, unwrapped, if `message` is one our own
    /// archive sent (anyone else's is a forgery, left to the archive to ignore).
    fn history_result(&self, message: &Message) -> Option<Message> {
        let result = message.payloads.iter().find(|p| p.is("result", ns::MAM))?;
        self.history.get(result.attr("queryid")?)?;
        let ours = message
            .from
            .as_ref()
            .is_none_or(|from| from.resource().is_none() && from.to_bare() == *self.account());
        let archived = crate::proto::xep0313::ArchivedMessage::read(result).filter(|_| ours)?;
        let mut original = archived.message;
        original.payloads.retain(|p| !p.is("stanza-id", ns::SID));
        original.payloads.push(
            Element::builder("stanza-id", ns::SID)
                .a("by", self.account().as_str())
                .a("id", archived.id.as_str())
                .build(),
        );
        Some(original)
    }

    /// The person is looking at `peer`'s conversation: it is read, and a contact who asked
    /// is told (XEP-0333; never a stranger: that would tell them we are here).
    pub fn mark_read(&mut self, now: Instant, peer: &BareJid) {
        if self.rooms.is_room(peer) {
            return self.mark_room_read(peer);
        }
        let Some((until, marker)) = self.chat.mark_read(peer) else {
            return;
        };
        self.updates.push_back(Update::ReadUntil {
            peer: peer.clone(),
            until,
        });
        if let Some(id) = marker.filter(|_| self.roster.contains(peer)) {
            self.send_to_contact(now, peer, xep0333::displayed(&id));
        }
        self.drain_chat();
    }

    /// XEP-0085: the person is typing to `peer` (`Composing`), stopped (`Paused`) or left.
    /// Only to contacts.
    pub fn send_chat_state(&mut self, now: Instant, peer: &BareJid, state: xep0085::ChatState) {
        if self.roster.contains(peer) {
            self.send_to_contact(now, peer, state.element());
        }
    }

    /// A chat message carrying only `payload` (a receipt, a marker, a chat state): not
    /// stored, not retried, and marked so the server neither stores it offline nor
    /// archives it (XEP-0334).
    fn send_to_contact(&mut self, now: Instant, to: &BareJid, payload: Element) {
        let mut message = Message::new(Some(to.clone().into()));
        message.payloads = vec![payload, Element::builder("no-store", ns::HINTS).build()];
        let _ = self.session.send_stanza(now, message);
    }

    /// The rest of the cached feed, read after the first paint ([`Feed::absorb`]).
    pub fn absorb_cached(&mut self, records: &[crate::store::PostRecord]) {
        self.feed.absorb(records);
    }

    /// The person's own write, shown at once (it waits in the outbox meanwhile).
    pub fn apply_local(&mut self, now: Instant, key: feed::ItemKey, entry: &Entry) {
        self.feed.apply_local(key, entry);
        self.process(now);
    }

    pub fn apply_local_retract(&mut self, now: Instant, key: &feed::ItemKey) {
        self.feed.apply_local_retract(key);
        self.process(now);
    }

    /// Load older posts (of one person, or for the timeline); how many feeds were asked.
    pub fn load_older(&mut self, now: Instant, who: Option<BareJid>) -> usize {
        let asked = self.feed.load_older(who);
        self.process(now);
        asked
    }

    /// A post's page opened: fetch its comments.
    pub fn fetch_comments(&mut self, now: Instant, key: &feed::ItemKey) {
        self.feed.fetch_comments(key);
        self.process(now);
    }

    /// Sends a read-only request under the caller's id; the answer comes back as
    /// [`Update::Answer`]. Not for writes: those go through the outbox.
    pub fn query(&mut self, now: Instant, iq: Iq) {
        let id = iq_id(&iq).to_owned();
        match self.session.send_prepared_iq(now, iq) {
            Ok(()) => {
                self.queries.insert(id);
            }
            Err(_) => self.updates.push_back(Update::Answer {
                id,
                outcome: IqOutcome::Disconnected,
            }),
        }
        self.process(now);
    }

    /// The keys of the verified sign-in, for "Remember me on this device".
    pub fn scram_keys(&self) -> Option<&ScramKeys> {
        self.session.scram_keys()
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
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

    /// Where the server asked the next connection to go (see [`Session::poll_redirect`]).
    pub fn poll_redirect(&mut self) -> Option<String> {
        self.session.poll_redirect()
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

    /// See [`Session::poll_derivation`].
    pub fn poll_derivation(&mut self) -> Option<Derivation> {
        self.session.poll_derivation()
    }

    /// See [`Session::handle_salted_password`].
    pub fn handle_salted_password(&mut self, now: Instant, exchange: &str, salted: Option<&[u8]>) {
        self.session.handle_salted_password(now, exchange, salted);
        self.process(now);
    }

    /// See [`Session::frame_parser`]: a large frame, parsed a slice at a time.
    pub fn frame_parser(&self, frame: String) -> FrameParser {
        self.session.frame_parser(frame)
    }

    /// See [`Session::handle_parsed`].
    pub fn handle_parsed(
        &mut self,
        now: Instant,
        frame: &str,
        parsed: Result<Element, FrameError>,
    ) {
        self.session.handle_parsed(now, frame, parsed);
        self.process(now);
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        self.session.handle_timeout(now);
        self.archive.handle_timeout(now);
        let contacts = self.roster.contacts().map(|c| c.jid.clone());
        self.fetches.handle_timeout(now, contacts);
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

    /// Queues something the person wrote (already stored durably by the caller) and
    /// sends it as soon as the stream allows. `payload` is an iq under the entry's `id`.
    pub fn submit(&mut self, now: Instant, entry: OutboxEntry) -> Result<(), DuplicateId> {
        self.outbox.enqueue(entry)?;
        self.pump_outbox(now);
        self.report_outbox();
        Ok(())
    }

    /// The person asked to try a refused entry again, perhaps edited.
    pub fn retry(&mut self, now: Instant, id: &str, payload: Option<String>) {
        self.outbox.retry(id, payload);
        self.pump_outbox(now);
        self.report_outbox();
    }

    pub fn discard(&mut self, id: &str) {
        self.outbox.discard(id);
        self.report_outbox();
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
        [
            self.session.poll_timeout(),
            self.feed.poll_timeout(),
            self.archive.poll_timeout(),
            self.fetches.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    // ---- internals ----------------------------------------------------------------

    fn process(&mut self, now: Instant) {
        self.process_session(now);
        if let Some(notify) = self.presence_deferred {
            if !self.feed.awaits_first_wave() && !self.archive.anchoring() {
                self.presence_deferred = None;
                // Straight to notifications if the sync is already over.
                self.announce(now, notify || self.feed.progress().is_none());
            }
        }
        // Reads the feed and the archive want, while the stream is up; a refused send is
        // an answer too.
        while self.session.is_online() {
            let announced = self.notify.is_some();
            let Some(iq) = self
                .archive
                .poll_request(announced)
                .or_else(|| self.feed.poll_request(now))
            else {
                break;
            };
            let id = iq_id(&iq).to_owned();
            if self.session.send_prepared_iq(now, iq).is_err()
                && !self.archive.handle_response(&id, &IqOutcome::Disconnected)
            {
                self.feed
                    .handle_response(now, &id, &IqOutcome::Disconnected);
            }
        }
        // Profile fetches after the roster, as the feed's.
        while self.session.is_online() && self.roster_request.is_none() {
            let Some(iq) = self.fetches.poll_request() else {
                break;
            };
            let id = iq_id(&iq).to_owned();
            if self.session.send_prepared_iq(now, iq).is_err() {
                let lost = IqOutcome::Disconnected;
                self.fetches.handle_response(&id, &lost, &mut self.people);
                break;
            }
        }
        while let Some(change) = self.feed.poll_change() {
            self.updates.push_back(Update::Feed(change));
        }
        if self.archive.take_gap() {
            self.updates.push_back(Update::ArchiveGap);
        }
        if let Some(position) = self.archive.position() {
            if self.archive_reported.as_deref() != Some(position) {
                self.archive_reported = Some(position.to_owned());
                self.updates
                    .push_back(Update::ArchiveNewest(position.to_owned()));
            }
        }
        if self.notify == Some(false) && self.feed.progress().is_none() {
            // The first sync is in: now the server may push what is new.
            self.announce(now, true);
        }
        // (The roster comes first; the sync starts with its answer.)
        if self.session.stream_management_deferred()
            && self.session.is_online()
            && self.roster_request.is_none()
            && self.feed.progress().is_none()
        {
            self.session.enable_stream_management();
            // Messages held back for it go now.
            self.pump_outbox(now);
        }
        self.process_rooms(now);
        self.report_outbox();
    }

    /// Reports the outbox's entries when which are waiting or refused changed.
    fn report_outbox(&mut self) {
        let entries = self.outbox.entries();
        let now: Vec<(&str, Option<&str>)> = entries
            .iter()
            .map(|e| match &e.state {
                EntryState::Failed(reason) => (e.id.as_str(), Some(reason.as_str())),
                _ => (e.id.as_str(), None),
            })
            .collect();
        let same = now.len() == self.reported.len()
            && now
                .iter()
                .zip(&self.reported)
                .all(|(a, b)| a.0 == b.0 && a.1 == b.1.as_deref());
        if same {
            return;
        }
        self.reported = now
            .iter()
            .map(|(id, failed)| (id.to_string(), failed.map(str::to_owned)))
            .collect();
        let pending = entries.iter().map(PendingWrite::from_entry).collect();
        self.updates.push_back(Update::Outbox(pending));
    }

    /// Available presence with XEP-0115 caps; `notify` adds the `+notify` features that
    /// make the server push contacts' new posts (and, at once, each one's newest).
    fn announce(&mut self, now: Instant, notify: bool) {
        let mut presence = Presence::new(PresenceType::None);
        presence
            .payloads
            .push(xep0115::caps_element(&self.disco_info(notify)));
        if self.session.send_stanza(now, presence).is_ok() && self.notify.replace(notify).is_none()
        {
            self.updates.push_back(Update::Available);
        }
    }

    fn process_session(&mut self, now: Instant) {
        while let Some(event) = self.session.poll_event() {
            match event {
                Event::Online(jid) => {
                    // RFC 6121 §2.2: the roster first, initial presence once it is here.
                    // Sent together, a server answers the presence's probes (one per
                    // contact) before it flushes the roster: seconds for a large one.
                    // XEP-0237: with the cached version, an unchanged roster costs nothing.
                    // An empty `ver` says "I keep versions but have none yet".
                    let ver = self
                        .session
                        .offers_roster_versioning()
                        .then(|| self.roster.version().unwrap_or_default().to_owned());
                    let query = RosterQuery { ver, items: vec![] };
                    self.roster_request = self.session.send_iq_get(now, None, query).ok();
                    // XEP-0280: what the account's other devices send and receive, here too.
                    let _ = self.session.send_iq_set(now, None, xep0280::enable());
                    // XEP-0191 §3.1: asking for the block list also subscribes to its pushes.
                    self.blocklist_request = self
                        .session
                        .send_iq_get(now, None, xep0191::blocklist_request())
                        .ok();
                    // A new stream: presence from the old one is stale, and ours is
                    // not sent yet.
                    self.presence.clear();
                    self.notify = None;
                    self.presence_deferred = None;
                    self.caps_caught_up = false;
                    self.fetches.new_stream();
                    self.rooms_on_new_stream(now);
                    self.updates.push_back(Update::Online(jid));
                }
                Event::IqResponse { id, outcome } => self.handle_iq_response(now, id, outcome),
                Event::IqRequest(iq) => self.handle_iq_request(now, iq),
                Event::Resumed => {
                    self.updates.push_back(Update::Resumed);
                    self.pump_outbox(now);
                }
                // Resent messages stay in flight until acknowledged on the new stream.
                Event::Resent(_) => {}
                Event::Acked(ids) => {
                    for id in ids {
                        let message = self
                            .outbox
                            .get(&id)
                            .is_some_and(|e| matches!(e.kind, WriteKind::Message { .. }));
                        if message {
                            self.outbox.on_outcome(&id, Outcome::Acknowledged);
                            self.updates.push_back(Update::Delivered(id));
                        }
                    }
                    self.pump_outbox(now);
                }
                Event::Disconnected => self.updates.push_back(Update::Disconnected),
                Event::Presence(p) => {
                    // A room's occupant is never a contact.
                    if self.rooms.handle_presence(&p) {
                        continue;
                    }
                    let account = self.account().clone();
                    let (roster, blocked) = (&self.roster, &self.blocklist);
                    if self.requests.handle_presence(&account, &p, roster, blocked) {
                        self.updates.push_back(Update::Requests);
                    }
                    let known = is_known(self.session.jid(), &self.roster);
                    if let Some(jid) = self.presence.apply(&p, known) {
                        self.updates.push_back(Update::Presence(jid));
                    }
                    // XEP-0153: the photo hash it may announce.
                    let known = is_known(self.session.jid(), &self.roster);
                    if let Some(change) = self.people.handle_presence(&p, known) {
                        self.person_changed(change);
                    }
                }
                Event::Message(message) => {
                    if let Some(original) = self.history_result(&message) {
                        self.handle_message(now, original, false);
                        continue;
                    }
                    // A room's message says nothing of the account's archive.
                    if message.type_ == MessageType::Groupchat {
                        self.handle_message(now, message, true);
                        continue;
                    }
                    match self.archive.handle_message(&message) {
                        Verdict::Live => self.handle_message(now, message, true),
                        Verdict::Replayed(original) => self.handle_message(now, *original, false),
                        Verdict::Duplicate | Verdict::Ignored => {}
                    }
                }
                Event::Closed(reason) => {
                    self.presence.clear();
                    self.updates.push_back(Update::Closed(reason));
                }
            }
        }
    }

    /// `live`: it came now, not from the archive.
    fn handle_message(&mut self, now: Instant, message: Message, live: bool) {
        if self.feed.handle_message(now, &message) {
            return;
        }
        // Bookmarks before the profile nodes: any other PEP event is a person's.
        if self.rooms.handle_bookmarks_push(&message) {
            return self.drain_rooms();
        }
        if self.handle_profile_event(&message) {
            return;
        }
        let account = self.account().clone();
        let (message, outgoing, carbon) = match xep0280::read(&message, &account) {
            xep0280::Carbon::No => {
                let own = message
                    .from
                    .as_ref()
                    .is_some_and(|f| f.to_bare() == account);
                (message, own, false)
            }
            xep0280::Carbon::Sent(inner) => (*inner, true, true),
            xep0280::Carbon::Received(inner) => (*inner, false, true),
            xep0280::Carbon::Forged => return,
        };
        if self.handle_room_message(now, &message, outgoing, live && !carbon) {
            return self.drain_rooms();
        }
        let received = self
            .chat
            .receive(now.0 as f64, &message, outgoing, live && !carbon);
        // Once per message, however many ways it came (live, a carbon, a server's resend
        // after a lost stream, the archive).
        if received.new && !message.bodies.is_empty() {
            self.updates.push_back(Update::Message {
                from: message.from.as_ref().map(|j| j.to_string()),
                id: message.id.clone(),
            });
        }
        // XEP-0184 §8: receipts only to contacts, so a stranger learns nothing of us.
        if let (Some(id), Some(peer), Some(from)) =
            (received.receipt_for, received.peer, message.from)
        {
            if self.roster.contains(&peer) {
                let mut receipt = Message::new(Some(from));
                receipt.payloads = vec![xep0184::received(&id)];
                let _ = self.session.send_stanza(now, receipt);
            }
        }
        self.drain_chat();
    }

    /// A PEP event (about an avatar, a nickname or a vCard4: [`People::handle_event`]);
    /// `false` if `message` carries none.
    fn handle_profile_event(&mut self, message: &Message) -> bool {
        if !message
            .payloads
            .iter()
            .any(|p| p.is("event", ns::PUBSUB_EVENT))
        {
            return false;
        }
        self.fetches.handle_event(message, self.session.jid());
        let known = is_known(self.session.jid(), &self.roster);
        if let Some(change) = self.people.handle_event(message, known) {
            self.person_changed(change);
        }
        true
    }

    /// Someone's published self changed: shown, and a new avatar fetched.
    fn person_changed(&mut self, change: PersonChange) {
        self.fetches.handle_change(&self.people, &change);
        let (PersonChange::Avatar(jid) | PersonChange::Nick(jid) | PersonChange::Profile(jid)) =
            change;
        self.updates.push_back(Update::Person(jid));
    }

    /// Reports what the chat service changed and what it wants kept.
    fn drain_chat(&mut self) {
        let records = self.chat.take_records();
        if !records.is_empty() {
            self.updates.push_back(Update::MessageRecords(records));
        }
        while let Some(peer) = self.chat.poll_change() {
            self.updates.push_back(Update::Conversation(peer));
        }
    }

    fn handle_iq_response(&mut self, now: Instant, id: String, outcome: IqOutcome) {
        if let Some(fetched) = self
            .fetches
            .handle_response(&id, &outcome, &mut self.people)
        {
            match fetched {
                Some(Fetched::Avatar(avatar)) => self.updates.push_back(Update::Avatar(avatar)),
                Some(Fetched::Person(
                    PersonChange::Avatar(jid)
                    | PersonChange::Nick(jid)
                    | PersonChange::Profile(jid),
                )) => self.updates.push_back(Update::Person(jid)),
                None => {}
            }
            return;
        }
        if let Some(peer) = self.history.remove(&id) {
            // XEP-0313 §4.3: `complete` says there is no more; a refusal says the same.
            let more = matches!(&outcome, IqOutcome::Result(Some(fin))
                if fin.is("fin", ns::MAM) && fin.attr("complete") != Some("true"));
            let lost = matches!(outcome, IqOutcome::Disconnected | IqOutcome::Timeout);
            if !more && !lost {
                self.history_done.insert(peer);
            }
            return;
        }
        if self.archive.handle_response(&id, &outcome)
            || self.feed.handle_response(now, &id, &outcome)
            || self.handle_room_answer(&id, &outcome)
        {
            return;
        }
        if self.queries.remove(&id) {
            self.updates.push_back(Update::Answer { id, outcome });
            return;
        }
        if self.outbox.get(&id).is_some() {
            return self.handle_outbox_answer(now, id, outcome);
        }
        if self.blocklist_request.as_deref() == Some(id.as_str()) {
            self.blocklist_request = None;
            // A server without XEP-0191 refuses: nothing is blocked then.
            if let IqOutcome::Result(Some(payload)) = &outcome {
                if self.blocklist.apply_result(payload).is_ok() {
                    self.blocklist_changed();
                }
            }
            return;
        }
        if self.roster_request.as_deref() != Some(id.as_str()) {
            return;
        }
        self.roster_request = None;
        if let IqOutcome::Result(payload) = outcome {
            if let Ok(change) = self.roster.apply_result(payload) {
                self.forget_presence_of_strangers();
                self.updates.push_back(Update::Roster(change));
            }
        }
        // A new stream after one that was lost: what the server archived since the last
        // message we got may never arrive otherwise (see `archive`).
        self.archive.start(now);
        // The feeds of everyone on the roster (and our own).
        let notify = self.feed.synced_before();
        let contacts = self.roster.contacts().map(|c| c.jid.clone()).collect();
        self.feed.start_sync(contacts);
        self.feed.discover_comments_service();
        // Whatever became of the roster, we are here: announce ourselves. Notifications
        // are asked for at once only if the feed synced before: the newest post of each
        // contact that the server pushes then spares fetching an unchanged microblog. On
        // a first sign-in those pushes would only repeat what the sync fetches, and cost
        // the server as much again while it is busiest; they are asked for after it.
        // There, the presence also waits for the sync's first answer: a server handles
        // it (a broadcast and a probe per contact, each contact's PEP service looking at
        // our caps) before it answers the first pages sent with it, and Prosody writes no
        // answer before it handled all it read at once.
        // And it waits for where this session begins in the archive, if that is asked:
        // anything routed to us before is archived before it (see `archive`).
        if (!notify && self.feed.awaits_first_wave()) || self.archive.anchoring() {
            self.presence_deferred = Some(notify);
        } else {
            self.announce(now, notify);
        }
        // Writes go after the roster, so that a roster edit lands on a known roster.
        self.pump_outbox(now);
    }

    /// Requests from people now blocked go; what shows them redraws.
    fn blocklist_changed(&mut self) {
        let before = self.requests.len();
        self.requests.prune(&self.roster, &self.blocklist);
        if self.requests.len() != before {
            self.updates.push_back(Update::Requests);
        }
        self.updates.push_back(Update::Blocklist);
    }

    fn forget_presence_of_strangers(&mut self) {
        let known = is_known(self.session.jid(), &self.roster);
        self.presence.retain(known);
        let known = is_known(self.session.jid(), &self.roster);
        self.people.retain(known);
    }

    fn handle_outbox_answer(&mut self, now: Instant, id: String, outcome: IqOutcome) {
        let Some(entry) = self.outbox.get(&id).cloned() else {
            return;
        };
        let outcome = match outcome {
            IqOutcome::Result(_) => Outcome::Acknowledged,
            IqOutcome::Error(error) => {
                let tried = self.reconfigured.contains(&id);
                let recovery = match entry.kind {
                    WriteKind::Bookmark => self.recover_bookmark(&entry, &error, tried),
                    WriteKind::Profile { .. } => people::recover(&entry, &error, tried),
                    _ => feed::recover(&entry, &error, tried),
                };
                match recovery {
                    Recovery::Done => Outcome::Acknowledged,
                    Recovery::Resend {
                        before,
                        without_max_items,
                    } => {
                        self.reconfigured.insert(id.clone());
                        self.max_items_option_refused |= without_max_items;
                        for iq in before {
                            let _ = self.session.send_prepared_iq(now, iq);
                        }
                        Outcome::Retry
                    }
                    Recovery::Refuse => self.refusal(&id, &error),
                }
            }
            IqOutcome::Timeout | IqOutcome::Disconnected => Outcome::Retry,
            // An answer too large to read (an error echoing a large write, say): sending
            // the same again would only bring it back.
            IqOutcome::TooLarge => {
                Outcome::Rejected("The server's answer to this was too large to read".to_owned())
            }
        };
        self.outbox.on_outcome(&id, outcome.clone());
        if outcome != Outcome::Retry {
            self.reconfigured.remove(&id);
            self.waits.remove(&id);
        }
        match outcome {
            Outcome::Acknowledged => {
                if let (true, Some(key)) = (entry.kind.publishes(), &entry.item) {
                    self.feed.confirm(key);
                }
                if let WriteKind::Post { access } = entry.kind {
                    self.feed.published_with(access);
                }
                // RFC 6121 §3.1.1: a contact added here is also asked for their presence.
                if let WriteKind::Roster(RosterEdit::Set { jid, .. }) = entry.kind {
                    let subscribed = self.roster.get(&jid).is_some_and(|c| {
                        c.pending_out
                            || matches!(c.subscription, Subscription::To | Subscription::Both)
                    });
                    if !subscribed {
                        let ask = Presence::new(PresenceType::Subscribe).with_to(jid);
                        let _ = self.session.send_stanza(now, ask);
                    }
                }
                self.updates.push_back(Update::Delivered(id));
            }
            Outcome::Rejected(reason) => self.updates.push_back(Update::Refused { id, reason }),
            Outcome::Retry => {}
        }
        self.pump_outbox(now);
    }

    /// What an error answer means for outbox entry `id`, counting its `wait`s.
    fn refusal(&mut self, id: &str, error: &StanzaError) -> Outcome {
        let outcome = Outcome::from_error(error);
        if outcome != Outcome::Retry {
            return outcome;
        }
        let waits = self.waits.get_or_insert(id.to_owned(), 0);
        *waits += 1;
        if *waits > MAX_WAITS {
            Outcome::Rejected("The server is busy; try again later".to_owned())
        } else {
            Outcome::Retry
        }
    }

    /// Sends whatever the outbox allows, while the stream is up and the roster is in.
    fn pump_outbox(&mut self, now: Instant) {
        if !self.session.is_online() || self.roster_request.is_some() {
            return;
        }
        // Messages wait while stream management does (see `send_message_entry`).
        let hold = self.session.message_acks() == MessageAcks::NotYet;
        let rooms = self.rooms_not_entered();
        let held = |e: &OutboxEntry| match &e.kind {
            WriteKind::Message { to } => hold || rooms.contains(to),
            _ => false,
        };
        while let Some(entry) = self.outbox.next_to_send_except(held) {
            let id = entry.id.clone();
            if let WriteKind::Message { .. } = entry.kind {
                let payload = entry.payload.clone();
                if !self.send_message_entry(now, id, &payload) {
                    return;
                }
                continue;
            }
            let iq = parse_iq(&entry.payload).map(|iq| match self.max_items_option_refused {
                true => feed::without_max_items_option(&iq).unwrap_or(iq),
                false => iq,
            });
            let Some(iq) = iq.filter(|iq| iq_id(iq) == id) else {
                let reason = "Kith could not read this saved change again".to_owned();
                self.outbox
                    .on_outcome(&id, Outcome::Rejected(reason.clone()));
                self.updates.push_back(Update::Refused { id, reason });
                continue;
            };
            if self.session.send_prepared_iq(now, iq).is_err() {
                self.outbox.on_outcome(&id, Outcome::Retry);
                return;
            }
        }
    }

    /// Sends a message from the outbox; `false` if the stream is gone. It stays in flight
    /// until the server confirms it (XEP-0198: [`Event::Acked`]); where the server never
    /// will, it is as sent as it gets. While stream management waits (a first sync), it
    /// is held back ([`Client::pump_outbox`]): a cut would lose it unseen.
    fn send_message_entry(&mut self, now: Instant, id: String, payload: &str) -> bool {
        let message = payload.parse::<Element>().ok();
        let Some(message) = message.filter(|m| m.attr("id") == Some(id.as_str())) else {
            let reason = "Kith could not read this saved message again".to_owned();
            self.outbox
                .on_outcome(&id, Outcome::Rejected(reason.clone()));
            self.updates.push_back(Update::Refused { id, reason });
            return true;
        };
        if self.session.send_stanza(now, message).is_err() {
            self.outbox.on_outcome(&id, Outcome::Retry);
            return false;
        }
        if self.session.message_acks() == MessageAcks::Never {
            self.outbox.on_outcome(&id, Outcome::Acknowledged);
            self.updates.push_back(Update::Delivered(id));
        }
        true
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
        let mut catch_up = false;
        let answer: Result<Option<Element>, StanzaError> =
            if is_set && payload.is("query", ns::ROSTER) {
                let account = self.account().clone();
                match self.roster.apply_push(&account, from.as_ref(), payload) {
                    Ok(change) => {
                        // The feed takes events only from contacts: tell it of this one.
                        self.feed
                            .set_contacts(self.roster.contacts().map(|c| c.jid.clone()));
                        self.forget_presence_of_strangers();
                        self.updates.push_back(Update::Roster(change));
                        Ok(None)
                    }
                    Err(_) => Err(error(
                        ErrorType::Cancel,
                        DefinedCondition::ServiceUnavailable,
                    )),
                }
            } else if is_set && payload.ns() == ns::BLOCKING {
                let account = self.account().clone();
                match self.blocklist.apply_push(&account, from.as_ref(), &payload) {
                    Ok(_) => {
                        self.blocklist_changed();
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
                // XEP-0115 §6.2: a query names the caps it asks about (`node#ver`); the
                // answer echoes it and matches it.
                let node = payload.attr("node").map(str::to_owned);
                let quiet = xep0115::caps_node(&self.disco_info(false));
                let notify = node.as_deref() != Some(quiet.as_str());
                let mut info = self.disco_info(notify);
                catch_up = notify && node.is_some() && self.is_own_server(from.as_ref());
                info.node = node;
                Ok(Some(info.into()))
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
        if catch_up {
            self.catch_up_after_caps(now);
        }
    }

    /// The server asked what our `+notify` caps mean: until our answer it did not know
    /// we want microblog events, so what was published since each feed was fetched may
    /// never be pushed. Prosody sends each contact's newest item once it learns; ejabberd
    /// 23.01 does only if it knew the caps when our presence reached the contact (its
    /// `caps_update` hook runs before the answer is in). One catch-up per stream, of the
    /// feeds the server did not push from ([`Feed::catch_up_after_caps`]).
    fn catch_up_after_caps(&mut self, now: Instant) {
        if self.notify != Some(true) || self.caps_caught_up {
            return;
        }
        self.caps_caught_up = true;
        self.feed.catch_up_after_caps(now);
        self.fetches.catch_up_after_caps(now);
    }

    /// A request from our own server, as it asks: from our domain, our bare JID (Prosody's
    /// PEP) or this very resource (ejabberd). Not a contact's client, nor our account's
    /// other devices, whose curiosity about our caps says nothing about the server's.
    fn is_own_server(&self, from: Option<&Jid>) -> bool {
        let Some(jid) = from else {
            return true;
        };
        let account = self.account();
        match jid.resource() {
            None => {
                jid.as_str() == account.as_str()
                    || (jid.node().is_none() && jid.domain() == account.domain())
            }
            Some(_) => self
                .session
                .bound_jid()
                .is_some_and(|bound| jid.as_str() == bound.as_str()),
        }
    }

    /// XEP-0030: who we are and what we understand; `notify`: with the `+notify`
    /// features (see [`Client::announce`]).
    fn disco_info(&self, notify: bool) -> DiscoInfo {
        DiscoInfo {
            node: None,
            identities: vec![Identity::new("client", "web", "en", "Kith")],
            features: [ns::DISCO_INFO, ns::PING]
                .into_iter()
                .chain(xep0115::notify_features().into_iter().filter(|_| notify))
                .chain([ns::BOOKMARKS_NOTIFY].into_iter().filter(|_| notify))
                .map(str::to_owned)
                .collect(),
            forms: vec![],
        }
    }
}

/// Whose presence is kept: the account's own resources' and its contacts'. Anyone can
/// send us presence; a stranger's would only fill memory.
fn is_known<'a>(account: &'a BareJid, roster: &'a Roster) -> impl Fn(&BareJid) -> bool + 'a {
    move |jid| jid == account || roster.contains(jid)
}

/// An outbox payload as the iq it is.
fn parse_iq(payload: &str) -> Option<Iq> {
    let element = payload.parse::<Element>().ok()?;
    Iq::try_from(element).ok()
}

fn error(type_: ErrorType, condition: DefinedCondition) -> StanzaError {
    StanzaError::new(type_, condition, "en", "")
}

mod rooms;

#[cfg(test)]
mod tests;
