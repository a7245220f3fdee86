//! What the person does about others: answer subscription requests, block and unblock
//! (XEP-0191). Roster edits (add, rename, regroup, remove) go through the outbox
//! (`outbox.rs`); these need the connection and say so when there is none.

use crate::proto::jid::{BareJid, Jid};
use crate::service::people;
use crate::xmpp::IqOutcome;

use super::account::Account;
use super::UserError;

const OFFLINE: &str = "Not connected: try again once Kith is online";

impl Account {
    /// **Accept** (`true`) or **Decline** `jid`'s request to see the account's presence.
    pub async fn answer_request(&self, jid: BareJid, accept: bool) -> Result<(), UserError> {
        let connection = self.connection().ok_or(OFFLINE)?;
        let sent = std::cell::Cell::new(false);
        connection.act(|client, now| {
            sent.set(match accept {
                true => client.accept_request(now, &jid),
                false => client.decline_request(now, &jid),
            })
        });
        match sent.get() {
            true => Ok(()),
            false => Err(OFFLINE.into()),
        }
    }

    /// **Block** (`true`) or **Unblock** `jid`. The list itself changes with the server's
    /// push (to every device of the account), not here.
    pub async fn set_blocked(&self, jid: Jid, block: bool) -> Result<(), UserError> {
        let answer = self
            .ask(|id| match block {
                true => people::block_iq(id, &jid),
                false => people::unblock_iq(id, &jid),
            })
            .await;
        match answer {
            IqOutcome::Result(_) => Ok(()),
            IqOutcome::Error(e) => {
                let why = e.texts.values().next().cloned().unwrap_or_default();
                Err(format!("The server refused: {why}")
                    .trim()
                    .to_owned()
                    .into())
            }
            _ => Err(OFFLINE.into()),
        }
    }
}
