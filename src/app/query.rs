//! One request, one awaited answer: for the few reads a screen waits on (an upload
//! slot), on top of the client's `query` and its `Update::Answer`.

use std::cell::RefCell;
use std::collections::HashMap;

use futures_channel::oneshot;
use xmpp_parsers::iq::Iq;

use super::account::connection;
use super::outbox::fresh_id;
use crate::xmpp::IqOutcome;

thread_local! {
    static WAITING: RefCell<HashMap<String, oneshot::Sender<IqOutcome>>> =
        RefCell::new(HashMap::new());
}

/// Sends `build(id)` and waits for its answer; `Disconnected` when this tab has no
/// connection or the connection is lost before the answer.
pub async fn ask(build: impl FnOnce(&str) -> Iq) -> IqOutcome {
    let Some(connection) = connection() else {
        return IqOutcome::Disconnected;
    };
    let id = format!("q-{}", fresh_id());
    let (sender, receiver) = oneshot::channel();
    WAITING.with(|w| w.borrow_mut().insert(id.clone(), sender));
    let iq = build(&id);
    connection.act(move |client, now| client.query(now, iq));
    receiver.await.unwrap_or(IqOutcome::Disconnected)
}

/// The client's `Update::Answer`: wakes whoever asked.
pub fn answered(id: &str, outcome: IqOutcome) {
    if let Some(sender) = WAITING.with(|w| w.borrow_mut().remove(id)) {
        let _ = sender.send(outcome);
    }
}
