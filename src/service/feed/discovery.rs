//! Where the person's comments nodes go: XEP-0030 on the account's server
//! ([`Feed::discover_comments_service`]), the account's own PEP until a service is found.

use super::*;

/// What the server's disco#items says about where comments nodes go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceHint {
    /// A `comments.DOMAIN` service, as Movim sets servers up.
    Found(Jid),
    /// Ask these (other `comments.*`) with disco#info; the first pubsub service wins.
    Ask(Vec<Jid>),
}

#[derive(Clone, Debug, Default)]
pub(super) struct Discovery {
    pub(super) service: Option<Jid>,
    pub(super) candidates: VecDeque<Jid>,
}

impl Feed {
    /// Looks for the service the person's comments nodes go to (XEP-0030 on the account's
    /// server); until it is found, [`Feed::comments_service`] is the account's own PEP.
    pub fn discover_comments_service(&mut self) {
        if self.discovery.service.is_none() && !self.is_requested(&Request::DiscoItems) {
            self.queue.push_back(Request::DiscoItems);
        }
    }

    /// Where the person's comments nodes are created: the discovered service, else the
    /// account's own PEP.
    pub fn comments_service(&self) -> Jid {
        self.discovery
            .service
            .clone()
            .unwrap_or_else(|| self.account.clone().into())
    }

    pub(super) fn on_disco_items(&mut self, payload: Option<&Element>) {
        let items = payload.and_then(|p| xep0030::read_items(p).ok());
        let Some(items) = items else {
            return;
        };
        match comments_service_hint(self.account.domain().as_str(), &items) {
            ServiceHint::Found(jid) => self.discovery.service = Some(jid),
            ServiceHint::Ask(candidates) => {
                self.discovery.candidates = candidates.into();
                self.ask_next_candidate();
            }
        }
    }

    pub(super) fn on_disco_info(&mut self, jid: Jid, payload: Option<&Element>) {
        let info = payload.and_then(|p| DiscoInfo::try_from(p.clone()).ok());
        if info.as_ref().is_some_and(is_pubsub_service) {
            self.discovery.service = Some(jid);
            self.discovery.candidates.clear();
        } else {
            self.ask_next_candidate();
        }
    }

    pub(super) fn ask_next_candidate(&mut self) {
        if let Some(jid) = self.discovery.candidates.pop_front() {
            self.queue.push_back(Request::DiscoInfo(jid));
        }
    }
}
