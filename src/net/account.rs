//! Signing in and out: find the endpoint, open the connection, feed the app state.

use std::cell::RefCell;

use xmpp_parsers::jid::BareJid;

use super::endpoint::{load_config, websocket_url};
use super::socket::Connection;
use crate::state::AppState;
use crate::xmpp::SessionConfig;

thread_local! {
    /// The account's one live connection.
    static CURRENT: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

/// A fresh SCRAM client nonce: 18 random bytes, base64 (no commas, as RFC 5802 needs).
fn fresh_nonce() -> Result<String, String> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let mut bytes = [0u8; 18];
    getrandom::getrandom(&mut bytes)
        .map_err(|_| "This browser cannot make random numbers".to_owned())?;
    Ok(STANDARD.encode(bytes))
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
    let nonce = match fresh_nonce() {
        Ok(n) => n,
        Err(message) => return state.failed(message),
    };
    let session = SessionConfig::new(jid, password, nonce);
    match Connection::open(
        &url,
        session,
        move |client, update| state.apply(client, update),
        move |message| state.failed(message),
    ) {
        Ok(connection) => CURRENT.with(|c| *c.borrow_mut() = Some(connection)),
        Err(message) => state.failed(message),
    }
}

/// Ends the current session, if any; the state hears `Closed(Requested)`.
pub fn sign_out() {
    if let Some(connection) = CURRENT.with(|c| c.borrow_mut().take()) {
        connection.close();
    }
}
