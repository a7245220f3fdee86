//! Signing in and out: find the endpoint, open the connection, feed the app state.

use std::cell::RefCell;

use leptos::prelude::Set;

use super::endpoint::{load_config, websocket_url};
use super::socket::{Connection, Sinks};
use crate::config::account_jid;
use crate::state::AppState;
use crate::xmpp::SessionConfig;

thread_local! {
    /// The account's one live connection.
    static CURRENT: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

/// Signs in with what was typed. A Jabber ID that cannot be one comes back as `Err`, a
/// sentence for beside the field, before anything goes on the wire; every later problem
/// reaches the state's alert.
pub async fn sign_in(state: AppState, typed_jid: &str, password: String) -> Result<(), String> {
    let config = match load_config().await {
        Ok(c) => c,
        Err(message) => {
            state.failed(message);
            return Ok(());
        }
    };
    // The host's default domain lets people type only their name.
    let jid = account_jid(typed_jid, config.default_domain.as_deref())?;
    sign_out();
    state.connecting();
    let url = match websocket_url(&config, jid.domain().as_ref()).await {
        Ok(url) => url,
        Err(message) => {
            state.failed(message);
            return Ok(());
        }
    };
    let session = SessionConfig::new(jid, password);
    let sinks = Sinks {
        update: Box::new(move |client, update| state.apply(client, update)),
        failure: Box::new(move |message| state.failed(message)),
        retry: Box::new(move |at| state.retry_at.set(at)),
    };
    let connection = Connection::open(&url, session, sinks);
    CURRENT.with(|c| *c.borrow_mut() = Some(connection));
    Ok(())
}

/// Ends the current session, if any; the state hears `Closed(Requested)`.
pub fn sign_out() {
    if let Some(connection) = CURRENT.with(|c| c.borrow_mut().take()) {
        connection.close();
    }
}
