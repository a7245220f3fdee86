//! One request, one awaited answer: for the few reads an action waits on (an upload
//! slot), on top of the client's `query` and its `Update::Answer`.

use std::cell::RefCell;

use crate::proto::rfc6120::Iq;
use futures::future::LocalBoxFuture;
use futures_channel::oneshot;

use super::account::Account;
use super::outbox::fresh_id;
use crate::sort::VecMap;
use crate::xmpp::IqOutcome;

/// The account's queries awaiting their answer, by iq id.
pub(super) type Waiting = RefCell<VecMap<String, oneshot::Sender<IqOutcome>>>;

impl Account {
    /// Sends `build(id)` and waits for its answer; `Disconnected` when this tab has no
    /// connection or the connection is lost before the answer. Only the request is built
    /// per caller: the waiting is one future for all (each caller's own would be linked
    /// again).
    pub(super) fn ask(&self, build: impl FnOnce(&str) -> Iq) -> LocalBoxFuture<'_, IqOutcome> {
        let id = format!("q-{}", fresh_id());
        let iq = build(&id);
        Box::pin(self.ask_iq(id, iq))
    }

    async fn ask_iq(&self, id: String, iq: Iq) -> IqOutcome {
        let Some(connection) = self.connection() else {
            return IqOutcome::Disconnected;
        };
        let (sender, receiver) = oneshot::channel();
        self.inner.waiting.borrow_mut().insert(id, sender);
        connection.act(move |client, now| client.query(now, iq));
        receiver.await.unwrap_or(IqOutcome::Disconnected)
    }

    /// The client's `Update::Answer`: wakes whoever asked.
    pub(super) fn answered(&self, id: &str, outcome: IqOutcome) {
        let sender = self.inner.waiting.borrow_mut().remove(id);
        if let Some(sender) = sender {
            let _ = sender.send(outcome);
        }
    }
}
