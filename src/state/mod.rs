//! The app's reactive state: what the screens read. Fed by the network driver through
//! [`AppState::apply`]; provided once through Leptos context.

use std::collections::HashMap;

use leptos::prelude::*;

pub mod chat;
pub mod feed;
pub mod images;
pub mod people;
pub mod rooms;

use crate::proto::percent;
use crate::service::feed::{Feed, ItemKey};
/// Something the person wrote that the server has not acknowledged yet: decided in the
/// outbox service, by the item each write changes.
pub use crate::service::outbox::PendingWrite;
use crate::service::people::SubscriptionState;
use crate::service::presence::{Availability, PresenceBook};
use crate::service::roster::{Roster, RosterChange, RosterEdit};
use crate::service::{Client, Update};
use crate::xmpp::CloseReason;

/// A User Timing mark, so that the bench (and anyone with devtools) can see where
/// sign-in time goes.
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// The ids of messages received are kept in `window.__kith_received`: the
/// fault-injection tests count them there (each exactly once), whatever screen is open. Only the build `scripts/test` makes for them has it (the `e2e-hooks` feature),
/// and it keeps the newest [`RECEIVED_KEPT`] ids.
#[cfg(feature = "e2e-hooks")]
fn note_received(id: Option<String>) {
    use wasm_bindgen::JsCast;
    /// Far more than a test sends (200), far less than a long session receives.
    const RECEIVED_KEPT: u32 = 1_000;
    let Some(window) = web_sys::window() else {
        return;
    };
    let key = wasm_bindgen::JsValue::from_str("__kith_received");
    // (Not `Array::from`: that would copy the array, and the push would be lost.)
    let log = match js_sys::Reflect::get(&window, &key).map(|v| v.dyn_into::<js_sys::Array>()) {
        Ok(Ok(log)) => log,
        _ => {
            let log = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&window, &key, &log);
            log
        }
    };
    while log.length() >= RECEIVED_KEPT {
        log.shift();
    }
    log.push(&id.unwrap_or_default().into());
}

/// Where the connection stands, as the status element says it (and as the tab holding
/// the connection tells the others, `net::tabs::TabMessage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionStatus {
    Connecting,
    Online,
    Offline,
}

impl ConnectionStatus {
    pub fn label(self) -> &'static str {
        match self {
            ConnectionStatus::Connecting => "Connecting",
            ConnectionStatus::Online => "Online",
            ConnectionStatus::Offline => "Offline",
        }
    }

    /// The status a [`label`](Self::label) names.
    pub fn from_label(label: &str) -> Option<ConnectionStatus> {
        [
            ConnectionStatus::Connecting,
            ConnectionStatus::Online,
            ConnectionStatus::Offline,
        ]
        .into_iter()
        .find(|s| s.label() == label)
    }
}

/// The screen under the navigation, chosen by the URL fragment so that Kith works
/// from any sub-path of a static host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Feed,
    Contacts,
    /// `#/chats`: the conversations and message requests.
    Chats,
    /// `#/chat/JID`: the conversation with one contact (bare JID).
    Chat(String),
    /// `#/room/JID`: one room (bare JID).
    Room(String),
    /// `#/post/SERVICE/ITEM`: one post on a microblog node, with its comments.
    Post(ItemKey),
    /// `#/person/JID`: one person's posts.
    Person(String),
    /// `#/profile`: the person's own profile.
    Profile,
}

impl Route {
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let mut parts = path.split('/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("contacts"), None, None) => Route::Contacts,
            (Some("profile"), None, None) => Route::Profile,
            (Some("chats"), None, None) => Route::Chats,
            (Some("chat"), Some(jid), None) => match percent::decode_strict(jid) {
                Some(jid) => Route::Chat(jid),
                None => Route::Chats,
            },
            (Some("room"), Some(jid), None) => match percent::decode_strict(jid) {
                Some(jid) => Route::Room(jid),
                None => Route::Chats,
            },
            (Some("post"), Some(service), Some(id)) => {
                match (percent::decode_strict(service), percent::decode_strict(id)) {
                    (Some(service), Some(id)) => {
                        Route::Post(ItemKey::new(service, crate::proto::ns::MICROBLOG, id))
                    }
                    _ => Route::Feed,
                }
            }
            (Some("person"), Some(jid), None) => match percent::decode_strict(jid) {
                Some(jid) => Route::Person(jid),
                None => Route::Feed,
            },
            _ => Route::Feed,
        }
    }

    pub fn href(&self) -> String {
        match self {
            Route::Feed => "#/feed".into(),
            Route::Contacts => "#/contacts".into(),
            Route::Profile => "#/profile".into(),
            Route::Chats => "#/chats".into(),
            Route::Chat(jid) => {
                format!("#/chat/{}", percent::encode(jid, percent::FRAGMENT_SEGMENT))
            }
            Route::Room(jid) => {
                format!("#/room/{}", percent::encode(jid, percent::FRAGMENT_SEGMENT))
            }
            Route::Post(key) => Route::post_href(key),
            Route::Person(jid) => format!(
                "#/person/{}",
                percent::encode(jid, percent::FRAGMENT_SEGMENT)
            ),
        }
    }

    /// `#/post/SERVICE/ITEM` for a post on the microblog node: what links to its page,
    /// without building a [`Route`] (and copying the key) for every row of the timeline.
    pub fn post_href(key: &ItemKey) -> String {
        format!(
            "#/post/{}/{}",
            percent::encode(&key.service, percent::FRAGMENT_SEGMENT),
            percent::encode(&key.id, percent::FRAGMENT_SEGMENT)
        )
    }

    /// Which entry of the main navigation this screen belongs to.
    pub fn section(&self) -> Route {
        match self {
            Route::Contacts => Route::Contacts,
            Route::Profile => Route::Profile,
            Route::Chats | Route::Chat(_) | Route::Room(_) => Route::Chats,
            _ => Route::Feed,
        }
    }
}

/// Whether `jid` is in the block list shown (its bare JID, or its domain).
pub fn is_blocked(blocked: &[String], jid: &crate::proto::jid::BareJid) -> bool {
    blocked
        .iter()
        .any(|b| b == jid.as_str() || *b == jid.domain().as_str())
}

/// One row of the contact list.
#[derive(Clone, Debug)]
pub struct ContactRow {
    pub jid: String,
    pub name: String,
    pub availability: RwSignal<Availability>,
    /// Who sees whose presence, in words ("Both", "Awaiting their answer"…; never "Pending", which is the outbox's word), if anything.
    pub sharing: Option<&'static str>,
    pub groups: Vec<String>,
}

/// Someone asking to see the account's presence: their JID, and the nickname they claim
/// (a stranger's claim, shown as one, never as a contact's name).
#[derive(Clone, Debug, PartialEq)]
pub struct RequestRow {
    pub jid: String,
    pub nick: Option<String>,
}

/// Everything the screens show, as signals.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The signed-in account, once online; `None` shows the sign-in screen.
    pub account: RwSignal<Option<String>>,
    pub status: RwSignal<ConnectionStatus>,
    /// The problem to show in the page's alert region.
    pub alert: RwSignal<Option<String>>,
    pub route: RwSignal<Route>,
    /// When the next reconnection attempt is due (ms since the epoch), while waiting.
    pub retry_at: RwSignal<Option<f64>>,
    /// Contacts sorted by name; replaced only when the roster itself changes.
    pub contacts: RwSignal<Vec<ContactRow>>,
    /// Incoming subscription requests, oldest first.
    pub requests: RwSignal<Vec<RequestRow>>,
    /// Whom the account blocks (XEP-0191), sorted.
    pub blocked: RwSignal<Vec<String>>,
    pub feed: feed::FeedState,
    pub chat: chat::ChatState,
    pub rooms: rooms::RoomsState,
    /// Writes waiting for the server, in writing order.
    pub pending: RwSignal<Vec<PendingWrite>>,
    /// A lasting condition worth knowing (storage refused, another tab connected).
    pub notice: RwSignal<Option<String>>,
    /// Another tab of this browser holds the connection; this one shows the shared store.
    pub elsewhere: RwSignal<bool>,
    /// The domain signed in to and the WebSocket endpoint it connects to (the sign-in
    /// screen shows its host).
    pub endpoint: RwSignal<Option<(String, String)>>,
    /// Which remote images in posts the person allowed.
    pub images: images::ImageChoices,
    /// People's chosen names and avatars.
    pub people: people::PeopleState,
    /// Each contact's availability signal, by bare JID, so presence touches one row.
    availability: StoredValue<HashMap<String, RwSignal<Availability>>>,
    /// The roster last shown, to rebuild the rows when pending writes change.
    roster: StoredValue<Roster>,
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

impl AppState {
    pub fn new() -> Self {
        AppState {
            account: RwSignal::new(None),
            status: RwSignal::new(ConnectionStatus::Offline),
            alert: RwSignal::new(None),
            route: RwSignal::new(Route::Feed),
            retry_at: RwSignal::new(None),
            contacts: RwSignal::new(Vec::new()),
            requests: RwSignal::new(Vec::new()),
            blocked: RwSignal::new(Vec::new()),
            feed: feed::FeedState::new(),
            chat: chat::ChatState::default(),
            rooms: rooms::RoomsState::default(),
            pending: RwSignal::new(Vec::new()),
            notice: RwSignal::new(None),
            elsewhere: RwSignal::new(false),
            endpoint: RwSignal::new(None),
            images: images::ImageChoices::new(),
            people: people::PeopleState::default(),
            availability: StoredValue::new(HashMap::new()),
            roster: StoredValue::new(Roster::default()),
        }
    }

    /// The warm start: the cached world on screen before any socket opens.
    pub fn show_cached(&self, account: &str, roster: &Roster, pending: Vec<PendingWrite>) {
        self.account.set(Some(account.to_owned()));
        self.pending.set(pending);
        self.show_roster(roster, None);
        mark("kith:cached");
    }

    /// Redraws the feed screens from the feed model, with the names of contacts (and the
    /// account's own) by the one rule.
    pub fn show_feed(&self, feed: &Feed) {
        let roster = self.roster.get_value();
        let account = self.account.get_untracked();
        let names = |jid: &crate::proto::jid::BareJid| {
            let contact = roster.get(jid);
            let known = contact.is_some() || account.as_deref() == Some(jid.as_str());
            let roster_name = contact.and_then(|c| c.name.as_deref());
            known.then(|| self.people.given_name(jid, roster_name))?
        };
        let blocked = self.blocked.get_untracked();
        let hidden = |jid: &crate::proto::jid::BareJid| is_blocked(&blocked, jid);
        self.pending
            .with_untracked(|pending| self.feed.show(feed, &names, &hidden, pending));
    }

    /// The conversations list: who is a contact, who is blocked and what people are
    /// called all decide what it shows.
    fn show_chats(&self, client: &Client) {
        let (chat, roster, blocked) = (client.chat(), client.roster(), client.blocklist());
        self.chat.show(chat, roster, blocked, &self.people, None);
    }

    fn show_feed_of(&self, client: &Client) {
        self.show_feed(client.feed());
    }

    /// The roster as another tab stored it.
    pub fn set_roster(&self, roster: &Roster) {
        self.show_roster(roster, None);
    }

    /// The pending writes changed (written, acknowledged, refused, or from another tab).
    pub fn set_pending(&self, pending: Vec<PendingWrite>) {
        self.pending.set(pending);
        let roster = self.roster.get_value();
        self.show_roster(&roster, None);
    }

    /// Whether `jid` has a roster change waiting: `Some(None)` pending, `Some(Some(why))`
    /// refused.
    pub fn roster_write(&self, jid: &str) -> Option<PendingWrite> {
        self.pending.with(|p| {
            p.iter()
                .rev()
                .find(|w| w.kind.roster().is_some_and(|e| e.jid().as_str() == jid))
                .cloned()
        })
    }

    /// Reflects one change of the client's world.
    pub fn apply(&self, client: &Client, update: Update) {
        match update {
            // Signed in; "Online" once contacts can reach us (`Available`).
            Update::Online(jid) => {
                mark("kith:online");
                self.alert.set(None);
                self.account.set(Some(jid.to_bare().to_string()));
            }
            Update::Available => self.status.set(ConnectionStatus::Online),
            Update::Resumed => {
                mark("kith:resumed");
                self.status.set(ConnectionStatus::Online);
                self.alert.set(None);
            }
            // The session lives on; the driver is reconnecting.
            Update::Disconnected => self.status.set(ConnectionStatus::Connecting),
            Update::Roster(change) => {
                if change == RosterChange::Replaced {
                    mark("kith:roster");
                }
                self.show_roster(client.roster(), Some(client.presence()));
                // Who is a contact decides conversation or request.
                self.show_chats(client);
            }
            // Redrawn once per burst (`app::sync`).
            Update::Conversation(_) => {}
            Update::Presence(jid) => {
                let key = jid.to_string();
                let signal = self.availability.with_value(|m| m.get(&key).copied());
                if let Some(signal) = signal {
                    signal.set(client.presence().availability(&jid));
                }
            }
            Update::Closed(reason) => self.closed(&reason),
            #[cfg(feature = "e2e-hooks")]
            Update::Message { id, .. } => note_received(id),
            // Conversations redraw from `Conversation`.
            #[cfg(not(feature = "e2e-hooks"))]
            Update::Message { .. } => {}
            // Redrawn once per burst, by `show_feed` (see `net::socket::Sinks::settled`).
            Update::Feed(_) | Update::Answer { .. } => {}
            Update::Outbox(pending) => self.set_pending(pending),
            Update::ArchiveGap => self.chat.gap.set(Some(js_sys::Date::now())),
            Update::Requests => {
                let rows = client.requests().iter().map(|r| RequestRow {
                    jid: r.jid.to_string(),
                    nick: r.nick.clone(),
                });
                self.requests.set(rows.collect());
            }
            Update::Blocklist => {
                let mut blocked: Vec<String> =
                    client.blocklist().jids().map(|j| j.to_string()).collect();
                crate::sort::sort_by(&mut blocked, |a, b| a.cmp(b));
                self.blocked.set(blocked);
                // What they wrote goes from the screens (and comes back when unblocked).
                self.show_feed_of(client);
                self.show_chats(client);
            }
            // For the store; what they change on screen comes as `Outbox`.
            Update::Delivered(_) | Update::Refused { .. } => {}
            // Stored and shown by `app::people`, once per burst.
            Update::Person(_) | Update::Avatar(_) => {}
            // For the store.
            Update::MessageRecords(_) | Update::ReadUntil { .. } | Update::ArchiveNewest(_) => {}
            // Rooms are redrawn once per burst (`app::sync`).
            Update::Room(_) | Update::Occupants(_) | Update::RoomJoined(_) | Update::Bookmarks => {}
        }
    }

    /// The session ended: back to a usable sign-in screen, saying why unless we asked.
    pub fn closed(&self, reason: &CloseReason) {
        self.status.set(ConnectionStatus::Offline);
        self.retry_at.set(None);
        self.account.set(None);
        self.alert.set(match reason {
            CloseReason::Requested => None,
            other => Some(other.describe()),
        });
        self.pending.set(Vec::new());
        self.feed.clear();
        self.chat.clear();
        self.people.clear();
        self.rooms.clear();
        self.elsewhere.set(false);
        self.roster.set_value(Roster::default());
        self.set_contacts(Vec::new());
    }

    pub fn connecting(&self) {
        self.alert.set(None);
        self.status.set(ConnectionStatus::Connecting);
    }

    /// A failure before any session existed (bad endpoint, unreachable server).
    pub fn failed(&self, message: String) {
        self.status.set(ConnectionStatus::Offline);
        self.account.set(None);
        self.alert.set(Some(message));
    }

    /// Rebuilds the rows from the roster plus contacts added here and not yet confirmed.
    fn show_roster(&self, roster: &Roster, presence: Option<&PresenceBook>) {
        self.roster.set_value(roster.clone());
        let known = self.availability.get_value();
        let added: Vec<crate::service::roster::Contact> = self.pending.with_untracked(|p| {
            p.iter()
                .filter_map(|w| match w.kind.roster() {
                    Some(RosterEdit::Set { jid, name, groups }) if !roster.contains(jid) => {
                        let mut added =
                            crate::service::roster::Contact::added(jid.clone(), name.clone());
                        added.groups = groups.clone();
                        Some(added)
                    }
                    _ => None,
                })
                .collect()
        });
        let mut rows: Vec<(String, ContactRow)> = roster
            .contacts()
            .chain(added.iter())
            .map(|c| {
                let jid = c.jid.to_string();
                // Without presence (warm start, a pending write changed) rows keep theirs.
                let now = presence.map(|p| p.availability(&c.jid));
                let availability = match known.get(&jid) {
                    Some(signal) => {
                        if let Some(now) = now {
                            signal.set(now);
                        }
                        *signal
                    }
                    None => RwSignal::new(now.unwrap_or_default()),
                };
                let name = self.people.name(&c.jid, c.name.as_deref());
                let asked = self
                    .requests
                    .with_untracked(|r| r.iter().any(|r| r.jid == jid));
                let sharing = SubscriptionState::of(Some(c), asked).shown().label();
                (
                    crate::proto::lowercase(&name),
                    ContactRow {
                        jid,
                        name,
                        availability,
                        sharing,
                        groups: c.groups.clone(),
                    },
                )
            })
            .collect();
        crate::sort::sort_by(&mut rows, |a, b| {
            a.0.cmp(&b.0).then_with(|| a.1.jid.cmp(&b.1.jid))
        });
        self.set_contacts(rows.into_iter().map(|(_, row)| row).collect());
    }

    fn set_contacts(&self, rows: Vec<ContactRow>) {
        let index = rows
            .iter()
            .map(|r| (r.jid.clone(), r.availability))
            .collect();
        self.availability.set_value(index);
        self.contacts.set(rows);
    }
}
