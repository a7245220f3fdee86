//! Signing in and out: find the endpoint, open the connection, feed the app state.

use std::cell::RefCell;

use leptos::prelude::Set;
use xmpp_parsers::jid::BareJid;

use super::endpoint::{load_config, websocket_url};
use super::socket::{Connection, Sinks};
use crate::state::AppState;
use crate::xmpp::SessionConfig;

thread_local! {
    /// The account's one live connection.
    static CURRENT: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

pub async fn sign_in(state: AppState, jid: BareJid, password: String) {
    sign_out();
    state.connecting();
    let config = match load_config().await {
        Ok(c) => c,
        Err(message) => return state.failed(message),
    };
    let url = match websocket_url(&config, jid.domain().as_ref()).await {
        Ok(url) => url,
        Err(message) => return state.failed(message),
    };
    let session = SessionConfig::new(jid, password);
    let sinks = Sinks {
        update: Box::new(move |client, update| state.apply(client, update)),
        failure: Box::new(move |message| state.failed(message)),
        retry: Box::new(move |at| state.retry_at.set(at)),
    };
    let connection = Connection::open(&url, session, sinks);
    CURRENT.with(|c| *c.borrow_mut() = Some(connection));
}

/// Ends the current session, if any; the state hears `Closed(Requested)`.
pub fn sign_out() {
    if let Some(connection) = CURRENT.with(|c| c.borrow_mut().take()) {
        connection.close();
    }
}
