//! The app's reactive state: what the screens read. Fed by the network driver through
//! [`AppState::apply`]; provided once through Leptos context.

use std::collections::HashMap;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::service::presence::Availability;
use crate::service::roster::RosterChange;
use crate::service::{Client, Update};
use crate::xmpp::CloseReason;

/// A User Timing mark, so that the bench (and anyone with devtools) can see where
/// sign-in time goes.
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// Until the chat screen exists, the ids of messages received are kept in
/// `window.__kith_received`: the fault-injection tests count them there (each exactly once).
fn note_received(id: Option<String>) {
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
    log.push(&id.unwrap_or_default().into());
}

/// Where the connection stands, as the status element says it.
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
}

/// The screen under the navigation, chosen by the URL fragment so that Kith works
/// from any sub-path of a static host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Feed,
    Contacts,
}

impl Route {
    pub fn from_hash(hash: &str) -> Route {
        match hash.trim_start_matches('#').trim_start_matches('/') {
            "contacts" => Route::Contacts,
            _ => Route::Feed,
        }
    }

    pub fn href(self) -> &'static str {
        match self {
            Route::Feed => "#/feed",
            Route::Contacts => "#/contacts",
        }
    }
}

/// One row of the contact list.
#[derive(Clone, Debug)]
pub struct ContactRow {
    pub jid: String,
    pub name: String,
    pub availability: RwSignal<Availability>,
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
    /// Each contact's availability signal, by bare JID, so presence touches one row.
    availability: StoredValue<HashMap<String, RwSignal<Availability>>>,
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
            availability: StoredValue::new(HashMap::new()),
        }
    }

    /// Reflects one change of the client's world.
    pub fn apply(&self, client: &Client, update: Update) {
        match update {
            Update::Online(jid) => {
                mark("kith:online");
                self.status.set(ConnectionStatus::Online);
                self.alert.set(None);
                self.account.set(Some(jid.to_bare().to_string()));
            }
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
                self.rebuild_contacts(client)
            }
            Update::Presence(jid) => {
                let key = jid.to_string();
                let signal = self.availability.with_value(|m| m.get(&key).copied());
                if let Some(signal) = signal {
                    signal.set(client.presence().availability(&jid));
                }
            }
            Update::Closed(reason) => self.closed(&reason),
            Update::Message { id, .. } => note_received(id),
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

    fn rebuild_contacts(&self, client: &Client) {
        let known = self.availability.get_value();
        let mut rows: Vec<(String, ContactRow)> = client
            .roster()
            .contacts()
            .map(|c| {
                let jid = c.jid.to_string();
                let now = client.presence().availability(&c.jid);
                let availability = match known.get(&jid) {
                    Some(signal) => {
                        signal.set(now);
                        *signal
                    }
                    None => RwSignal::new(now),
                };
                let name = c.display_name();
                (
                    name.to_lowercase(),
                    ContactRow {
                        jid,
                        name,
                        availability,
                    },
                )
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.jid.cmp(&b.1.jid)));
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
