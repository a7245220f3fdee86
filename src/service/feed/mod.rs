//! The social feed (XEP-0277 on XEP-0060): the posts of the account and its contacts,
//! their comments and likes, synced with bounded concurrency and kept current by events.
//!
//! Sans-IO and clock-free like [`Client`](super::Client):
//! - inputs: [`Feed::start_sync`], [`Feed::load_older`], [`Feed::fetch_comments`],
//!   [`Feed::discover_comments_service`], [`Feed::handle_response`] (the answers to the
//!   iqs handed out), [`Feed::handle_message`] (pubsub events), and the local echo of the
//!   person's own writes, [`Feed::apply_local`] / [`Feed::apply_local_retract`];
//! - outputs, drained after every input: [`Feed::poll_request`] (iqs to send as they are,
//!   under their own id) and [`Feed::poll_change`] (what to persist and to redraw).
//!
//! The feed never sends writes: the `*_iq` builders of `wire.rs` make the payloads the
//! outbox sends under the item id, so a retry can never duplicate a post.
//!
//! This file holds the sync and its events; `model.rs` the data kept and shared with the
//! screens; `wire.rs` what is read from and written to pubsub services.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use minidom::Element;
use serde::{Deserialize, Serialize};
use xmpp_parsers::disco::{DiscoInfoResult, DiscoItemsResult};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::jid::{BareJid, Jid};
use xmpp_parsers::message::Message;
use xmpp_parsers::ns;
#[cfg(test)]
use xmpp_parsers::stanza_error::StanzaError;

use crate::proto::ns::{MICROBLOG_COMMENTS_PREFIX, MICROBLOG_NOTIFY};
#[cfg(test)]
use crate::proto::xep0115::caps_string;
use crate::proto::xep0115::{self, caps_hash};
use crate::proto::xep0277::Entry;
use crate::store::{CursorRecord, PostRecord, ThreadRecord};
use crate::xmpp::{Instant, IqOutcome};

mod model;
mod wire;

use model::NodeKey;
pub use model::{Access, Comment, Commenter, ItemKey, LazyEntry, Post};
pub use wire::{
    comments_service_hint, configure_node_iq, create_comments_node_iq, create_node_iq,
    delete_node_iq, is_precondition_not_met, is_publish_option_refused, is_pubsub_service,
    publish_iq, retract_iq, without_max_items_option,
};
use wire::{
    disco_info_iq, disco_items_iq, items_iq, read_items, read_items_result, ItemsPage, ReceivedItem,
};

/// Item requests out at the same time: enough to sync a large roster quickly, few enough
/// not to flood the server (or its s2s queues) on sign-in.
pub const MAX_IN_FLIGHT: usize = 6;
/// The [`CursorRecord`] key under which the feed keeps its sync positions.
pub const CURSOR_KEY: &str = "feed";
/// XEP-0115 `node`: who Kith is.
pub const CAPS_NODE: &str = "https://kith.example";

const ID_PREFIX: &str = "feed-";
/// First page of a contact never synced before.
const FIRST_PAGE: u32 = 20;
/// First page of a contact whose newest post we know: usually only a few are new.
const CATCH_UP_PAGE: u32 = 5;
/// A page of Load older, and an RSM page while catching up.
const PAGE: u32 = 20;
/// Catching up stops after this many pages; the rest of the gap is left to Load older.
const MAX_SYNC_PAGES: u8 = 4;
/// Without RSM, paging means asking again for more: never for more than this.
const MAX_ITEMS: u32 = 200;
const COMMENTS_PAGE: u32 = 100;
/// After a sync, comments are fetched for this many of the newest posts, so counts show.
const COMMENTS_AFTER_SYNC: usize = 20;
/// Bounds on what one stanza can make us keep (hostile or broken services).
const MAX_ITEMS_PER_STANZA: usize = 250;
const MAX_THREAD: usize = 2_000;
/// Posts kept of one microblog, in memory and in the store: the newest. A contact (or
/// their server) may publish without end; the timeline reads only the newest anyway.
pub const MAX_POSTS_PER_OWNER: usize = 500;
const MAX_ENTRY_BYTES: usize = 256 * 1024;
const MAX_ID_BYTES: usize = 512;
/// How far ahead of our clock an item's date is believed (clocks differ by a little).
const MAX_FUTURE_MS: i64 = 5 * 60_000;
/// A request nobody answered (the driver lost it) stops holding a slot after this.
const REQUEST_TIMEOUT_MS: u64 = 120_000;
/// How long the server must stay quiet after learning our caps before the feeds it did
/// not push from are fetched ([`Feed::catch_up_after_caps`]).
const SETTLE_MS: u64 = 2_000;
/// Candidates asked about during service discovery, at most.
const MAX_DISCO_CANDIDATES: usize = 8;

/// What changed, for the store and the view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedChange {
    /// A post, comment or like is new or changed: store [`Feed::record`] of it.
    Upserted(ItemKey),
    /// It is gone: delete its record.
    Retracted(ItemKey),
    /// The comments or likes of this post changed.
    CommentsChanged(ItemKey),
    /// [`Feed::progress`] changed (or the sync ended).
    Progress,
    /// Store this [`CursorRecord`] so the next sync fetches only what is new.
    Cursor { key: String, value: String },
}

/// The iqs that delete one of the person's posts ([`Feed::delete_post`]).
#[derive(Clone, Debug)]
pub struct Deletion {
    pub retract: Iq,
    pub comments_node: Option<Iq>,
}

/// What the server's disco#items says about where comments nodes go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceHint {
    /// A `comments.DOMAIN` service, as Movim sets servers up.
    Found(Jid),
    /// Ask these (other `comments.*`) with disco#info; the first pubsub service wins.
    Ask(Vec<Jid>),
}

/// The feed model and its sync scheduler.
#[derive(Clone, Debug)]
pub struct Feed {
    account: BareJid,
    contacts: BTreeSet<BareJid>,
    /// `contacts` came from the roster (a warm start shows the cache before it is in).
    roster_known: bool,
    posts: BTreeMap<ItemKey, Post>,
    threads: BTreeMap<NodeKey, Thread>,
    /// The posts linking each comments node (usually one).
    linked: BTreeMap<NodeKey, BTreeSet<ItemKey>>,
    sources: BTreeMap<BareJid, Source>,
    /// Items shown from a local write and not yet seen from the server.
    local: BTreeSet<ItemKey>,
    queue: VecDeque<Request>,
    in_flight: BTreeMap<String, (Request, Instant)>,
    next_id: u64,
    sync: Option<SyncRun>,
    cursors_dirty: bool,
    discovery: Discovery,
    changes: VecDeque<FeedChange>,
    /// Items removed since [`Feed::restore_newest`], until [`Feed::absorb`] (which must
    /// not bring them back).
    gone: Option<BTreeSet<ItemKey>>,
    /// A [`Feed::catch_up_after_caps`] waiting for the server's pushes.
    settling: Option<Settling>,
}

#[derive(Clone, Debug)]
struct Settling {
    /// The feeds nothing was pushed from yet.
    owners: BTreeSet<BareJid>,
    until: Instant,
    /// Something was pushed since `until` was set: wait on.
    pushed: bool,
}

/// The items of one comments node, each list oldest first.
#[derive(Clone, Debug, Default)]
struct Thread {
    comments: Vec<Comment>,
    likes: Vec<Comment>,
}

impl Thread {
    fn len(&self) -> usize {
        self.comments.len() + self.likes.len()
    }

    fn get(&self, id: &str) -> Option<&Comment> {
        self.comments
            .iter()
            .chain(&self.likes)
            .find(|c| c.key.id == id)
    }

    fn remove(&mut self, id: &str) -> bool {
        let before = self.len();
        self.comments.retain(|c| c.key.id != id);
        self.likes.retain(|c| c.key.id != id);
        before != self.len()
    }

    fn insert(&mut self, comment: Comment) {
        self.remove(&comment.key.id);
        let list = if comment.entry().is_like() {
            &mut self.likes
        } else {
            &mut self.comments
        };
        let at = list.partition_point(|c| c.published <= comment.published);
        list.insert(at, comment);
    }
}

/// Where the sync of one PEP microblog stands. Persisted in the cursor record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    /// The newest item id seen: a catch-up stops when it comes back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    newest: Option<String>,
    /// The RSM `<last>` Load older continues after (XEP-0059 §2.2); `None` when the
    /// service does not page with RSM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    older: Option<String>,
    /// The service has nothing older than what we hold: **Load older** has nothing to
    /// ask it (new posts come at the newest end, which a sync fetches).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    end: bool,
}

#[derive(Clone, Debug, Default)]
struct Source {
    cursor: Cursor,
}

#[derive(Clone, Debug, PartialEq)]
enum Request {
    Page {
        owner: BareJid,
        kind: PageKind,
        max: u32,
        after: Option<String>,
    },
    Comments(NodeKey),
    DiscoItems,
    DiscoInfo(Jid),
}

impl Request {
    /// The same page with half as many items, down to one; `None` for other requests.
    fn smaller(&self) -> Option<Request> {
        match self {
            Request::Page {
                owner,
                kind,
                max,
                after,
            } if *max > 1 => Some(Request::Page {
                owner: owner.clone(),
                kind: kind.clone(),
                max: max / 2,
                after: after.clone(),
            }),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum PageKind {
    /// Page `page` (0 = first) of a sync that stops at `until`, the newest item id known
    /// when it started.
    Sync {
        page: u8,
        until: Option<String>,
    },
    Older,
}

#[derive(Clone, Debug)]
struct SyncRun {
    total: usize,
    pending: BTreeSet<BareJid>,
}

#[derive(Clone, Debug, Default)]
struct Discovery {
    service: Option<Jid>,
    candidates: VecDeque<Jid>,
}

impl Feed {
    pub fn new(account: BareJid) -> Self {
        Feed {
            account,
            contacts: BTreeSet::new(),
            roster_known: false,
            posts: BTreeMap::new(),
            threads: BTreeMap::new(),
            linked: BTreeMap::new(),
            sources: BTreeMap::new(),
            local: BTreeSet::new(),
            queue: VecDeque::new(),
            in_flight: BTreeMap::new(),
            next_id: 0,
            sync: None,
            cursors_dirty: false,
            discovery: Discovery::default(),
            changes: VecDeque::new(),
            gone: None,
            settling: None,
        }
    }

    /// Starts from what the store kept: posts, comments and likes, and the cursor record
    /// (records of another key are ignored, so the lead may pass them all).
    pub fn restore(account: BareJid, records: &[PostRecord], cursors: &[CursorRecord]) -> Self {
        let mut feed = Feed::new(account);
        for record in records {
            feed.restore_one(record);
        }
        let saved = cursors.iter().find(|c| c.key == CURSOR_KEY);
        let parsed =
            saved.and_then(|c| serde_json::from_str::<BTreeMap<String, Cursor>>(&c.value).ok());
        for (jid, cursor) in parsed.unwrap_or_default() {
            if let Ok(jid) = BareJid::new(&jid) {
                feed.sources.entry(jid).or_default().cursor = cursor;
            }
        }
        feed
    }

    /// [`Feed::restore`] from the newest records only, for a first paint that does not
    /// wait for the whole cache; [`Feed::absorb`] adds the rest later.
    pub fn restore_newest(
        account: BareJid,
        records: &[PostRecord],
        cursors: &[CursorRecord],
    ) -> Self {
        let mut feed = Feed::restore(account, records, cursors);
        feed.gone = Some(BTreeSet::new());
        feed
    }

    /// Adds the rest of the store's records after [`Feed::restore_newest`]: what is here
    /// already is as new or newer, and what was retracted meanwhile stays gone. Nothing is
    /// reported as changed (the store has it all) but for records of an older shape.
    pub fn absorb(&mut self, records: &[PostRecord]) {
        let gone = self.gone.take().unwrap_or_default();
        for record in records {
            let key = ItemKey::new(&record.service, &record.node, &record.id);
            if self.item(&key).is_some() || gone.contains(&key) {
                continue;
            }
            self.restore_one(record);
        }
        if self.roster_known {
            self.drop_unfollowed();
        }
    }

    /// A post stored before records said which comments node it links to is reported
    /// as changed, so that it is stored again with it and parsed only this once.
    fn restore_one(&mut self, record: &PostRecord) {
        let Some(post) = post_from_record(record) else {
            return;
        };
        let key = post.key.clone();
        if self.insert(post) && record.thread == ThreadRecord::Unknown && key.node == ns::MICROBLOG
        {
            self.changes.push_back(FeedChange::Upserted(key.clone()));
        }
        self.cap_owner(&key);
    }

    pub fn account(&self) -> &BareJid {
        &self.account
    }

    // ---- inputs -------------------------------------------------------------------

    /// The people whose microblog events are accepted (the roster changed). Whoever left
    /// the roster is forgotten ([`Feed::follow_only`]).
    pub fn set_contacts(&mut self, contacts: impl IntoIterator<Item = BareJid>) {
        self.follow_only(contacts.into_iter().collect());
    }

    /// Fetches what is new from the account itself and every contact (the roster, as the
    /// server has it now: who is no longer on it is forgotten). While a sync runs,
    /// contacts not yet part of it are added to it.
    pub fn start_sync(&mut self, contacts: Vec<BareJid>) {
        self.follow_only(contacts.iter().cloned().collect());
        self.sync_owners(std::iter::once(self.account.clone()).chain(contacts));
    }

    /// Follows the account and `contacts`, no one else: the sync positions, queued
    /// fetches and posts of anyone else go (the store is told, so they do not come back).
    fn follow_only(&mut self, contacts: BTreeSet<BareJid>) {
        self.contacts = contacts;
        self.roster_known = true;
        let gone: Vec<BareJid> = self
            .sources
            .keys()
            .filter(|jid| !self.follows(jid))
            .cloned()
            .collect();
        for jid in &gone {
            self.sources.remove(jid);
            self.cursors_dirty = true;
        }
        let contacts = &self.contacts;
        let account = &self.account;
        self.queue.retain(|r| match r {
            Request::Page { owner, .. } => owner == account || contacts.contains(owner),
            _ => true,
        });
        if let Some(settling) = &mut self.settling {
            settling
                .owners
                .retain(|o| o == account || contacts.contains(o));
        }
        let unfollowed: Vec<BareJid> = self
            .sync
            .iter()
            .flat_map(|run| &run.pending)
            .filter(|jid| !self.follows(jid))
            .cloned()
            .collect();
        self.drop_unfollowed();
        // Their fetches in flight are ignored when answered; the sync does not wait.
        for jid in unfollowed {
            self.finish_source(&jid);
        }
        if !gone.is_empty() {
            self.emit_cursors();
        }
    }

    /// Removes the posts (and so their comments) of anyone not followed.
    fn drop_unfollowed(&mut self) {
        let posts: Vec<ItemKey> = self
            .posts
            .keys()
            .filter(|k| BareJid::new(&k.service).is_ok_and(|jid| !self.follows(&jid)))
            .cloned()
            .collect();
        for key in posts {
            self.remove(&key);
        }
    }

    /// The server has just learnt that we want microblog events (it asked what our caps
    /// mean): what was published since our sync fetched each feed may never be pushed.
    /// Prosody now pushes every followed feed's newest item, which covers that; ejabberd
    /// 23.01 pushes nothing. So the feeds the server has not pushed from once it has been
    /// quiet for [`SETTLE_MS`] are fetched again, down to the newest post known.
    pub fn catch_up_after_caps(&mut self, now: Instant) {
        let owners = std::iter::once(self.account.clone())
            .chain(self.contacts.iter().cloned())
            .collect();
        self.settling = Some(Settling {
            owners,
            until: now + SETTLE_MS,
            pushed: false,
        });
    }

    /// When [`Feed::poll_request`] next has something to do without new input.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.settling.as_ref().map(|s| s.until)
    }

    fn sync_owners(&mut self, owners: impl IntoIterator<Item = BareJid>) {
        let run = self.sync.get_or_insert_with(|| SyncRun {
            total: 0,
            pending: BTreeSet::new(),
        });
        let mut added = vec![];
        for jid in owners {
            if run.pending.insert(jid.clone()) {
                run.total += 1;
                added.push(jid);
            }
        }
        for owner in added {
            let until = self
                .sources
                .entry(owner.clone())
                .or_default()
                .cursor
                .newest
                .clone();
            let max = if until.is_some() {
                CATCH_UP_PAGE
            } else {
                FIRST_PAGE
            };
            self.queue.push_back(Request::Page {
                owner,
                kind: PageKind::Sync { page: 0, until },
                max,
                after: None,
            });
        }
        self.changes.push_back(FeedChange::Progress);
    }

    /// Asks for the next older page of one contact, or — for the timeline — of the
    /// contacts whose oldest known post is the newest (up to [`MAX_IN_FLIGHT`] of them):
    /// their older posts are the ones that sort next below what the timeline shows.
    /// Returns how many contacts were asked.
    pub fn load_older(&mut self, who: Option<BareJid>) -> usize {
        let owners = match who {
            Some(jid) => vec![jid],
            None => self.timeline_frontier(),
        };
        let mut requests = vec![];
        for owner in owners {
            if !self.follows(&owner) {
                continue;
            }
            if let Some(request) = self.older_request(owner) {
                if !self.is_requested(&request) {
                    requests.push(request);
                }
            }
        }
        let asked = requests.len();
        // The person is waiting: ahead of a running sync, in the order chosen.
        for request in requests.into_iter().rev() {
            self.queue.push_front(request);
        }
        asked
    }

    /// Fetches the comments and likes of a post (its page was opened). Returns whether a
    /// request was queued: the post must be known and link a comments node.
    pub fn fetch_comments(&mut self, key: &ItemKey) -> bool {
        self.queue_comments(key, true)
    }

    /// Looks for the service the person's comments nodes go to (XEP-0030 on the account's
    /// server); until it is found, [`Feed::comments_service`] is the account's own PEP.
    pub fn discover_comments_service(&mut self) {
        if self.discovery.service.is_none() && !self.is_requested(&Request::DiscoItems) {
            self.queue.push_back(Request::DiscoItems);
        }
    }

    /// The answer to an iq from [`Feed::poll_request`]. `false`: not one of ours. `now`:
    /// see [`Feed::handle_message`].
    pub fn handle_response(&mut self, now: Instant, id: &str, outcome: &IqOutcome) -> bool {
        let Some((request, _)) = self.in_flight.remove(id) else {
            return false;
        };
        if let (IqOutcome::TooLarge, Some(smaller)) = (outcome, request.smaller()) {
            // An answer over the frame limit (a few very large posts) was skipped unread:
            // ask again at once for half as many. At one item, the page is given up below.
            self.queue.push_front(smaller);
            return true;
        }
        // Item-not-found, forbidden, timeouts…: that request is just done, nothing more.
        let payload = match outcome {
            IqOutcome::Result(payload) => payload.as_ref(),
            IqOutcome::Error(_)
            | IqOutcome::Timeout
            | IqOutcome::Disconnected
            | IqOutcome::TooLarge => None,
        };
        match request {
            Request::Page { owner, .. } if !self.follows(&owner) => {}
            Request::Page {
                owner, kind, max, ..
            } => match payload.and_then(read_items_result) {
                Some(page) => self.on_page(now, owner, kind, max, page),
                None if matches!(kind, PageKind::Sync { .. }) => self.finish_source(&owner),
                None => {}
            },
            Request::Comments(node) => {
                if let Some(page) = payload.and_then(read_items_result) {
                    self.on_comments(now, node, page);
                }
            }
            Request::DiscoItems => self.on_disco_items(payload),
            Request::DiscoInfo(jid) => self.on_disco_info(jid, payload),
        }
        true
    }

    /// A message that may carry a pubsub event. `true` when it was a microblog or comments
    /// event (consumed, even if ignored); other pubsub events are left to other services.
    /// `now`: the driver's clock, ms since the UNIX epoch — dates further ahead than
    /// [`MAX_FUTURE_MS`] are not believed.
    pub fn handle_message(&mut self, now: Instant, message: &Message) -> bool {
        let Some(event) = message
            .payloads
            .iter()
            .find(|p| p.is("event", ns::PUBSUB_EVENT))
        else {
            return false;
        };
        let Some(action) = event.children().next() else {
            return false;
        };
        let Some(node) = action.attr("node") else {
            return false;
        };
        if node != ns::MICROBLOG && !node.starts_with(MICROBLOG_COMMENTS_PREFIX) {
            return false;
        }
        // Pubsub services, PEP included, send events from the service's bare JID (RFC 6120
        // §8.1.2.1: no `from` is the account's own server, on its behalf). A full JID is
        // someone's client: anything it says about a node is not the node's.
        let from = match &message.from {
            None => self.account.clone(),
            Some(jid) if jid.resource().is_some() => return true,
            Some(jid) => jid.to_bare(),
        };
        let wanted = if node == ns::MICROBLOG {
            self.follows(&from)
        } else {
            self.knows_thread(&NodeKey::new(from.as_str(), node))
        };
        if wanted {
            self.apply_event(now, &from, node, action);
        }
        true
    }

    /// Shows the person's own post, comment or like at once, before the server has it.
    /// The ack (or the event) carries the same key, so it replaces this, never duplicates.
    pub fn apply_local(&mut self, key: ItemKey, entry: &Entry) {
        let published = entry.published_or_updated_ms().unwrap_or_default();
        let xml = String::from(&entry.to_element());
        let lazy = LazyEntry::parsed(xml, entry.clone());
        self.local.insert(key.clone());
        let mine = Some(self.account.clone()).filter(|_| key.node != ns::MICROBLOG);
        self.store(Post::new(key, self.account.clone(), published, lazy).published_by(mine));
    }

    /// The server acknowledged the person's write of `key`: it is no longer only local.
    /// (Comments on another account's node bring no notification that would say so.)
    pub fn confirm(&mut self, key: &ItemKey) {
        if self.local.remove(key) {
            self.changes.push_back(FeedChange::Upserted(key.clone()));
            if key.node != ns::MICROBLOG {
                self.comments_changed(key);
            }
        }
    }

    /// Hides what the person just deleted (or a write the server refused for good).
    pub fn apply_local_retract(&mut self, key: &ItemKey) {
        self.local.remove(key);
        self.remove(key);
    }

    // ---- outputs ------------------------------------------------------------------

    /// The next iq to send, as it is. `None` when nothing waits or [`MAX_IN_FLIGHT`]
    /// requests are out.
    pub fn poll_request(&mut self, now: Instant) -> Option<Iq> {
        self.reap(now);
        self.settle(now);
        if self.in_flight.len() >= MAX_IN_FLIGHT {
            return None;
        }
        let request = self.queue.pop_front()?;
        self.next_id += 1;
        let id = format!("{ID_PREFIX}{}", self.next_id);
        let iq = self.build(&id, &request);
        self.in_flight.insert(id, (request, now));
        Some(iq)
    }

    pub fn poll_change(&mut self) -> Option<FeedChange> {
        self.changes.pop_front()
    }

    // ---- reading ------------------------------------------------------------------

    /// `(done, total)` contacts while a sync runs.
    pub fn progress(&self) -> Option<(usize, usize)> {
        let run = self.sync.as_ref()?;
        Some((run.total - run.pending.len(), run.total))
    }

    /// When the last sync started.
    /// Whether **Load older** may find anything: for the timeline, some feed we follow
    /// has not been read to its end; for one person, theirs.
    pub fn has_older(&self, who: Option<&BareJid>) -> bool {
        match who {
            Some(jid) => self.sources.get(jid).is_none_or(|s| !s.cursor.end),
            None => self.sources.values().any(|s| !s.cursor.end),
        }
    }

    /// Whether a sync ever completed for some microblog (cursors were kept).
    pub fn synced_before(&self) -> bool {
        self.sources.values().any(|s| s.cursor.newest.is_some())
    }

    /// Newest first; equal dates by key, so the order is stable.
    pub fn timeline(&self) -> Vec<&Post> {
        let mut posts: Vec<&Post> = self.posts.values().collect();
        posts.sort_by(|a, b| {
            b.published
                .cmp(&a.published)
                .then_with(|| a.key.cmp(&b.key))
        });
        posts
    }

    pub fn post(&self, key: &ItemKey) -> Option<&Post> {
        self.posts.get(key)
    }

    /// The comments of a post, oldest first; likes are not among them.
    pub fn comments(&self, key: &ItemKey) -> &[Comment] {
        self.thread_of(key).map_or(&[], |t| &t.comments)
    }

    /// How many people like the post, and the item id of the person's own like (to
    /// retract it). Counted once per author: the publisher when the service names it,
    /// else the claimed author (only a count is at stake, and an open node lets anyone
    /// publish many items anyway).
    pub fn likes(&self, key: &ItemKey) -> (usize, Option<&str>) {
        let Some(thread) = self.thread_of(key) else {
            return (0, None);
        };
        let likers: BTreeSet<String> = thread.likes.iter().map(liker).collect();
        let mine = thread
            .likes
            .iter()
            .find(|l| liker(l) == self.account.as_str())
            .map(|l| l.key.id.as_str());
        (likers.len(), mine)
    }

    /// Whether `key` is a post on the account's own microblog node: the only posts the
    /// person may edit or delete, and the only ones shown as theirs.
    pub fn is_own(&self, key: &ItemKey) -> bool {
        key.node == ns::MICROBLOG && key.service == self.account.as_str()
    }

    /// The person's own post `key`, to edit: `None` for anything not on the account's own
    /// node, so that an edit never republishes a contact's item id on the person's node.
    pub fn own_post(&self, key: &ItemKey) -> Option<&Post> {
        self.posts.get(key).filter(|p| self.is_own(&p.key))
    }

    /// What deleting the person's post `key` sends, under the iq ids given: its retraction
    /// (with notification, so other clients drop it), and the deletion of the comments
    /// node it links to, if that is a comments node. `None` unless `key` is on the
    /// account's own node: a contact's post (or a forged one) must never retract that
    /// item id from the person's real node, nor delete the node it names.
    pub fn delete_post(&self, key: &ItemKey, retract_id: &str, node_id: &str) -> Option<Deletion> {
        if !self.is_own(key) {
            return None;
        }
        let comments_node = self
            .own_post(key)
            .and_then(|p| p.entry().comments.as_ref())
            .filter(|link| link.node.starts_with(MICROBLOG_COMMENTS_PREFIX))
            .map(|link| delete_node_iq(node_id, Some(link.service.clone()), &link.node));
        Some(Deletion {
            retract: retract_iq(retract_id, None, ns::MICROBLOG, &key.id),
            comments_node,
        })
    }

    /// Whether this item is shown from a local write the server has not confirmed.
    pub fn is_local(&self, key: &ItemKey) -> bool {
        self.local.contains(key)
    }

    /// The record to store for a post, comment or like.
    pub fn record(&self, key: &ItemKey) -> Option<PostRecord> {
        let post = self.item(key)?;
        Some(PostRecord {
            account: self.account.to_string(),
            service: key.service.clone(),
            node: key.node.clone(),
            id: key.id.clone(),
            author: post.author.to_string(),
            publisher: post.publisher.as_ref().map(BareJid::to_string),
            published: post.published as f64,
            xml: post.xml().to_owned(),
            thread: match &post.thread {
                None => ThreadRecord::None,
                Some(node) => ThreadRecord::Node {
                    service: node.service.clone(),
                    node: node.node.clone(),
                },
            },
        })
    }

    /// The sync positions to store under [`CURSOR_KEY`].
    pub fn cursors(&self) -> Vec<(String, String)> {
        vec![(CURSOR_KEY.to_owned(), self.cursor_value())]
    }

    /// Where the person's comments nodes are created: the discovered service, else the
    /// account's own PEP.
    pub fn comments_service(&self) -> Jid {
        self.discovery
            .service
            .clone()
            .unwrap_or_else(|| self.account.clone().into())
    }

    // ---- internals: scheduling ----------------------------------------------------

    fn build(&self, id: &str, request: &Request) -> Iq {
        match request {
            Request::Page {
                owner, max, after, ..
            } => items_iq(
                id,
                owner.clone().into(),
                ns::MICROBLOG,
                *max,
                after.as_deref(),
                true,
            ),
            Request::Comments(node) => {
                let service = BareJid::new(&node.service)
                    .map_or_else(|_| self.account.clone().into(), Jid::from);
                items_iq(id, service, &node.node, COMMENTS_PAGE, None, false)
            }
            Request::DiscoItems => {
                let domain = BareJid::from_parts(None, self.account.domain());
                disco_items_iq(id, domain.into())
            }
            Request::DiscoInfo(jid) => disco_info_iq(id, jid.clone()),
        }
    }

    /// Requests the driver never answered stop holding a slot; they count as timed out.
    fn reap(&mut self, now: Instant) {
        let stale: Vec<String> = self
            .in_flight
            .iter()
            .filter(|(_, (_, sent))| now.millis_since(*sent) > REQUEST_TIMEOUT_MS)
            .map(|(id, _)| id.clone())
            .collect();
        for id in stale {
            self.handle_response(now, &id, &IqOutcome::Timeout);
        }
    }

    fn is_requested(&self, request: &Request) -> bool {
        let same = |r: &Request| match (r, request) {
            (Request::Page { owner: a, .. }, Request::Page { owner: b, .. }) => a == b,
            _ => r == request,
        };
        self.queue.iter().any(same) || self.in_flight.values().any(|(r, _)| same(r))
    }

    fn queue_comments(&mut self, key: &ItemKey, urgent: bool) -> bool {
        let Some(node) = self.posts.get(key).and_then(|p| p.thread.clone()) else {
            return false;
        };
        let request = Request::Comments(node.clone());
        if !self.is_requested(&request) {
            self.threads.entry(node).or_default();
            if urgent {
                self.queue.push_front(request);
            } else {
                self.queue.push_back(request);
            }
        }
        true
    }

    /// The account and its current roster; nobody else.
    fn follows(&self, jid: &BareJid) -> bool {
        *jid == self.account || self.contacts.contains(jid)
    }

    /// Whether a comments node lives on the account's server: a JID of its domain (a PEP
    /// account there) or of a subdomain (its components, such as `comments.DOMAIN`).
    fn on_our_server(&self, node: &NodeKey) -> bool {
        let Ok(service) = BareJid::new(&node.service) else {
            return false;
        };
        let (domain, ours) = (service.domain().as_str(), self.account.domain().as_str());
        domain == ours
            || domain
                .strip_suffix(ours)
                .is_some_and(|sub| sub.ends_with('.'))
    }

    fn knows_thread(&self, node: &NodeKey) -> bool {
        self.threads.contains_key(node) || self.linked.contains_key(node)
    }

    fn timeline_frontier(&self) -> Vec<BareJid> {
        let mut oldest: BTreeMap<&str, i64> = BTreeMap::new();
        for post in self.posts.values() {
            let at = oldest.entry(&post.key.service).or_insert(i64::MAX);
            *at = (*at).min(post.published);
        }
        // A contact of whom we hold nothing comes last: nothing of theirs is on screen.
        let mut open: Vec<(&BareJid, i64)> = self
            .sources
            .iter()
            .filter(|(_, s)| !s.cursor.end)
            .map(|(jid, _)| (jid, oldest.get(jid.as_str()).copied().unwrap_or(i64::MIN)))
            .collect();
        open.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        open.into_iter()
            .take(MAX_IN_FLIGHT)
            .map(|(jid, _)| jid.clone())
            .collect()
    }

    /// RSM `after` the older cursor when the service pages; else the same request for
    /// more items than we hold (the overlap is de-duplicated by key).
    fn older_request(&mut self, owner: BareJid) -> Option<Request> {
        let held = self.held_posts(&owner);
        let source = self.sources.entry(owner.clone()).or_default();
        // Older posts would only push out the ones held once the bound is reached.
        if source.cursor.end || held >= MAX_POSTS_PER_OWNER {
            return None;
        }
        let held = held as u32;
        let (max, after) = match &source.cursor.older {
            Some(last) => (PAGE, Some(last.clone())),
            None if held >= MAX_ITEMS => {
                self.update_cursor(&owner, |c| c.end = true);
                return None;
            }
            None => ((held + PAGE).min(MAX_ITEMS), None),
        };
        Some(Request::Page {
            owner,
            kind: PageKind::Older,
            max,
            after,
        })
    }

    fn held_posts(&self, owner: &BareJid) -> usize {
        let start = ItemKey::new(owner.as_str(), String::new(), String::new());
        self.posts
            .range(start..)
            .take_while(|(k, _)| k.service == owner.as_str())
            .count()
    }

    // ---- internals: results -------------------------------------------------------

    fn on_page(&mut self, now: Instant, owner: BareJid, kind: PageKind, max: u32, page: ItemsPage) {
        for item in &page.items {
            self.accept(now, &owner, ns::MICROBLOG, item);
        }
        let full = page.count >= max as usize;
        match kind {
            PageKind::Sync { page: n, until } => {
                let reached = until
                    .as_ref()
                    .is_some_and(|k| page.items.iter().any(|i| &i.id == k));
                if n == 0 {
                    let newest = newest_id(&page, &self.posts, &owner);
                    self.update_cursor(&owner, |c| c.newest = newest.or(c.newest.take()));
                }
                let next = if until.is_none() {
                    // Never synced: one page; Load older goes on from its end.
                    self.set_older(&owner, page.last.clone(), !full);
                    None
                } else if reached || !full {
                    None
                } else if n + 1 >= MAX_SYNC_PAGES {
                    // A gap is left: Load older continues right where this stopped.
                    if page.last.is_some() {
                        self.set_older(&owner, page.last.clone(), false);
                    }
                    None
                } else {
                    catch_up_request(&owner, n + 1, until, max, page.last.clone())
                };
                match next {
                    Some(request) => self.queue.push_front(request),
                    None => self.finish_source(&owner),
                }
            }
            PageKind::Older => {
                let exhausted = !full || (page.last.is_none() && max >= MAX_ITEMS);
                self.set_older(&owner, page.last.clone(), exhausted);
                self.emit_cursors();
            }
        }
    }

    fn set_older(&mut self, owner: &BareJid, last: Option<String>, exhausted: bool) {
        self.update_cursor(owner, |c| {
            c.older = last;
            c.end = exhausted;
        });
    }

    fn update_cursor(&mut self, owner: &BareJid, change: impl FnOnce(&mut Cursor)) {
        let cursor = &mut self.sources.entry(owner.clone()).or_default().cursor;
        let before = cursor.clone();
        change(cursor);
        self.cursors_dirty |= *cursor != before;
    }

    fn finish_source(&mut self, owner: &BareJid) {
        let Some(run) = &mut self.sync else {
            return;
        };
        if !run.pending.remove(owner) {
            return;
        }
        let finished = run.pending.is_empty();
        self.changes.push_back(FeedChange::Progress);
        if finished {
            self.sync = None;
            self.emit_cursors();
            // Only from our own server: another domain, chosen by the poster, would learn
            // who reads and when. Those are fetched when the post is opened.
            let newest: Vec<ItemKey> = self
                .timeline()
                .into_iter()
                .filter(|p| p.thread.as_ref().is_some_and(|n| self.on_our_server(n)))
                .take(COMMENTS_AFTER_SYNC)
                .map(|p| p.key.clone())
                .collect();
            for key in newest {
                self.queue_comments(&key, false);
            }
        }
    }

    fn emit_cursors(&mut self) {
        if std::mem::take(&mut self.cursors_dirty) {
            self.changes.push_back(FeedChange::Cursor {
                key: CURSOR_KEY.to_owned(),
                value: self.cursor_value(),
            });
        }
    }

    fn cursor_value(&self) -> String {
        let cursors: BTreeMap<&str, &Cursor> = self
            .sources
            .iter()
            .filter(|(_, s)| s.cursor != Cursor::default())
            .map(|(jid, s)| (jid.as_str(), &s.cursor))
            .collect();
        serde_json::to_string(&cursors).unwrap_or_default()
    }

    /// A complete comments result (fewer items than asked) is the whole node: what it
    /// lacks was retracted while we were not listening, unless we just wrote it.
    fn on_comments(&mut self, now: Instant, node: NodeKey, page: ItemsPage) {
        let Ok(service) = BareJid::new(&node.service) else {
            return;
        };
        for item in &page.items {
            self.accept(now, &service, &node.node, item);
        }
        if page.count >= COMMENTS_PAGE as usize {
            return;
        }
        let returned: BTreeSet<&str> = page.items.iter().map(|i| i.id.as_str()).collect();
        let gone: Vec<ItemKey> = self
            .threads
            .get(&node)
            .into_iter()
            .flat_map(|t| t.comments.iter().chain(&t.likes))
            .map(|c| c.key.clone())
            .filter(|k| !returned.contains(k.id.as_str()) && !self.local.contains(k))
            .collect();
        for key in gone {
            self.remove(&key);
        }
    }

    fn on_disco_items(&mut self, payload: Option<&Element>) {
        let items = payload.and_then(|p| DiscoItemsResult::try_from(p.clone()).ok());
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

    fn on_disco_info(&mut self, jid: Jid, payload: Option<&Element>) {
        let info = payload.and_then(|p| DiscoInfoResult::try_from(p.clone()).ok());
        if info.as_ref().is_some_and(is_pubsub_service) {
            self.discovery.service = Some(jid);
            self.discovery.candidates.clear();
        } else {
            self.ask_next_candidate();
        }
    }

    fn ask_next_candidate(&mut self) {
        if let Some(jid) = self.discovery.candidates.pop_front() {
            self.queue.push_back(Request::DiscoInfo(jid));
        }
    }

    // ---- internals: the model -----------------------------------------------------

    /// Events on a node we follow: new or edited items, retractions, a purge or deletion.
    fn apply_event(&mut self, now: Instant, from: &BareJid, node: &str, action: &Element) {
        let service = from.as_str();
        match action.name() {
            "items" => {
                let (items, retracted) = read_items(action);
                if node == ns::MICROBLOG {
                    if let Some(settling) = self.settling.as_mut() {
                        settling.owners.remove(from);
                        settling.pushed = true;
                    }
                    self.settle_by_push(from, &items);
                }
                for item in &items {
                    self.accept(now, from, node, item);
                }
                for id in retracted {
                    self.remove(&ItemKey::new(service, node, id));
                }
            }
            "purge" | "delete" => {
                let keys: Vec<ItemKey> = self.items_of_node(service, node);
                for key in keys {
                    self.remove(&key);
                }
            }
            _ => {}
        }
    }

    /// Coming online with `+notify`, the server pushes each followed microblog's newest
    /// item (XEP-0163 §6.1.2). When that is the newest item we hold, the microblog has
    /// nothing new: its catch-up, if still queued, is not sent. On a warm start most
    /// contacts have posted nothing since, so most fetches (and their server cost) go.
    /// The end of [`Feed::catch_up_after_caps`]'s wait: pushes keep it waiting; once
    /// quiet, the feeds nothing was pushed from are fetched.
    fn settle(&mut self, now: Instant) {
        let Some(settling) = self.settling.as_mut().filter(|s| now >= s.until) else {
            return;
        };
        if std::mem::take(&mut settling.pushed) {
            settling.until = now + SETTLE_MS;
            return;
        }
        if let Some(settling) = self.settling.take() {
            if !settling.owners.is_empty() {
                self.sync_owners(settling.owners);
            }
        }
    }

    fn settle_by_push(&mut self, owner: &BareJid, items: &[ReceivedItem]) {
        let Some(newest) = self
            .sources
            .get(owner)
            .and_then(|s| s.cursor.newest.as_ref())
        else {
            return;
        };
        let known = |id: &str| self.posts.contains_key(&ItemKey::post(owner, id));
        if items.is_empty()
            || !items.iter().any(|i| &i.id == newest)
            || !items.iter().all(|i| known(&i.id))
        {
            return;
        }
        let before = self.queue.len();
        self.queue.retain(|r| {
            !matches!(r, Request::Page { owner: o, kind: PageKind::Sync { page: 0, .. }, .. } if o == owner)
        });
        if self.queue.len() != before {
            self.finish_source(owner);
        }
    }

    fn items_of_node(&self, service: &str, node: &str) -> Vec<ItemKey> {
        if node == ns::MICROBLOG {
            return self
                .posts
                .keys()
                .filter(|k| k.service == service)
                .cloned()
                .collect();
        }
        self.threads
            .get(&NodeKey::new(service, node))
            .into_iter()
            .flat_map(|t| t.comments.iter().chain(&t.likes))
            .map(|c| c.key.clone())
            .collect()
    }

    /// Takes one received item in. `service` owns the node: for PEP, the author's account.
    fn accept(&mut self, now: Instant, service: &BareJid, node: &str, item: &ReceivedItem) {
        let Some(element) = &item.entry else {
            return;
        };
        let Ok(entry) = Entry::parse(element) else {
            return;
        };
        let xml = String::from(element);
        if xml.len() > MAX_ENTRY_BYTES {
            return;
        }
        let key = ItemKey::new(service.as_str(), node, item.id.clone());
        self.local.remove(&key);
        let author = author_of(service, node, item.publisher.as_ref());
        let published = self.believable_date(now, &key, entry.published_or_updated_ms());
        let publisher = item.publisher.clone().filter(|_| node != ns::MICROBLOG);
        let post = Post::new(key, author, published, LazyEntry::parsed(xml, entry));
        self.store(post.published_by(publisher));
    }

    /// The date an item is ordered by: its own (`published`, else `updated`), unless that
    /// is more than [`MAX_FUTURE_MS`] ahead of `now` — then when it first arrived, so a
    /// post dated 9999 neither stays on top nor moves up each time it is sent again.
    fn believable_date(&self, now: Instant, key: &ItemKey, claimed: Option<i64>) -> i64 {
        let claimed = claimed.unwrap_or_default();
        let now = i64::try_from(now.0).unwrap_or(i64::MAX);
        if claimed <= now.saturating_add(MAX_FUTURE_MS) {
            return claimed;
        }
        self.item(key).map_or(now, |held| held.published.min(now))
    }

    /// Inserts or replaces an item, noting the change only when there is one.
    fn store(&mut self, post: Post) {
        if self.item(&post.key) == Some(&post) {
            return;
        }
        let key = post.key.clone();
        if !self.insert(post) {
            return;
        }
        self.changes.push_back(FeedChange::Upserted(key.clone()));
        self.comments_changed(&key);
        self.cap_owner(&key);
    }

    /// Keeps at most [`MAX_POSTS_PER_OWNER`] posts of the microblog `key` is on: the
    /// oldest (the last in timeline order) go, from the store too.
    fn cap_owner(&mut self, key: &ItemKey) {
        if key.node != ns::MICROBLOG {
            return;
        }
        loop {
            let start = ItemKey::new(key.service.clone(), String::new(), String::new());
            let held = self
                .posts
                .range(start..)
                .take_while(|(k, _)| k.service == key.service);
            let mut count = 0;
            let mut oldest: Option<&Post> = None;
            for (_, post) in held {
                count += 1;
                let older = oldest.is_none_or(|o| {
                    (post.published, std::cmp::Reverse(&post.key))
                        < (o.published, std::cmp::Reverse(&o.key))
                });
                if older {
                    oldest = Some(post);
                }
            }
            match oldest {
                Some(post) if count > MAX_POSTS_PER_OWNER => {
                    let gone = post.key.clone();
                    self.local.remove(&gone);
                    self.remove(&gone);
                }
                _ => return,
            }
        }
    }

    /// Puts an item where it belongs; `false` when a thread is full.
    fn insert(&mut self, post: Post) -> bool {
        if post.key.node == ns::MICROBLOG {
            if let Some(node) = &post.thread {
                let posts = self.linked.entry(node.clone()).or_default();
                posts.insert(post.key.clone());
            }
            if let Some(old) = self.posts.insert(post.key.clone(), post) {
                let new = self.posts.get(&old.key).and_then(|p| p.thread.as_ref());
                if old.thread.as_ref() != new {
                    self.unlink(&old);
                }
            }
            return true;
        }
        if !post.key.node.starts_with(MICROBLOG_COMMENTS_PREFIX) {
            return false;
        }
        let thread = self.threads.entry(post.key.node_key()).or_default();
        if thread.len() >= MAX_THREAD && thread.get(&post.key.id).is_none() {
            return false;
        }
        thread.insert(post);
        true
    }

    fn remove(&mut self, key: &ItemKey) {
        if let Some(gone) = &mut self.gone {
            gone.insert(key.clone());
        }
        if key.node == ns::MICROBLOG {
            if let Some(post) = self.posts.remove(key) {
                self.changes.push_back(FeedChange::Retracted(key.clone()));
                self.unlink(&post);
                self.drop_orphan_thread(&post);
            }
        } else if self
            .threads
            .get_mut(&key.node_key())
            .is_some_and(|t| t.remove(&key.id))
        {
            self.changes.push_back(FeedChange::Retracted(key.clone()));
            self.comments_changed(key);
        }
    }

    /// A deleted post takes its comments along, unless another post links them too.
    /// Forgets that `post` links its comments node.
    fn unlink(&mut self, post: &Post) {
        let Some(node) = &post.thread else {
            return;
        };
        if let Some(posts) = self.linked.get_mut(node) {
            posts.remove(&post.key);
            if posts.is_empty() {
                self.linked.remove(node);
            }
        }
    }

    fn drop_orphan_thread(&mut self, post: &Post) {
        let Some(node) = post.thread.clone() else {
            return;
        };
        if self.linked.contains_key(&node) {
            return;
        }
        for comment in self
            .threads
            .remove(&node)
            .into_iter()
            .flat_map(|t| t.comments.into_iter().chain(t.likes))
        {
            self.local.remove(&comment.key);
            self.changes.push_back(FeedChange::Retracted(comment.key));
        }
    }

    /// Tells every post linking to the item's comments node that its thread changed.
    fn comments_changed(&mut self, key: &ItemKey) {
        if key.node == ns::MICROBLOG {
            return;
        }
        let posts: Vec<ItemKey> = self
            .linked
            .get(&key.node_key())
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        for post in posts {
            self.changes.push_back(FeedChange::CommentsChanged(post));
        }
    }

    fn item(&self, key: &ItemKey) -> Option<&Post> {
        if key.node == ns::MICROBLOG {
            return self.posts.get(key);
        }
        self.threads.get(&key.node_key())?.get(&key.id)
    }

    fn thread_of(&self, key: &ItemKey) -> Option<&Thread> {
        self.threads.get(self.posts.get(key)?.thread.as_ref()?)
    }
}

/// Who wrote an item, as far as the service vouches. A post on a PEP microblog node is
/// its owner's, full stop: an item's `publisher` (which any contact can write into an
/// event) never overrides the node. On a comments node, open to anyone, the publisher
/// the service stamped, when it says.
fn author_of(service: &BareJid, node: &str, publisher: Option<&BareJid>) -> BareJid {
    match publisher {
        Some(publisher) if node != ns::MICROBLOG => publisher.clone(),
        _ => service.clone(),
    }
}

/// Who a like counts for; see [`Feed::likes`]. Likes naming nobody count apiece.
fn liker(like: &Comment) -> String {
    like.commenter()
        .jid()
        .map_or_else(|| like.key.id.clone(), BareJid::to_string)
}

/// The id of the newest item of a first page, by date (servers differ in their order).
fn newest_id(page: &ItemsPage, posts: &BTreeMap<ItemKey, Post>, owner: &BareJid) -> Option<String> {
    let date = |id: &str| {
        posts
            .get(&ItemKey::post(owner, id))
            .map_or(i64::MIN, |p| p.published)
    };
    let mut newest: Option<(&str, i64)> = None;
    for item in &page.items {
        let at = date(&item.id);
        if newest.is_none_or(|(_, best)| at > best) {
            newest = Some((&item.id, at));
        }
    }
    newest.map(|(id, _)| id.to_owned())
}

/// The next page of a catch-up: RSM `after` when the service pages, else a larger
/// `max_items` (bounded) whose overlap is de-duplicated.
fn catch_up_request(
    owner: &BareJid,
    page: u8,
    until: Option<String>,
    max: u32,
    last: Option<String>,
) -> Option<Request> {
    let (max, after) = match last {
        Some(last) => (PAGE, Some(last)),
        None if max >= MAX_ITEMS => return None,
        None => ((max * 4).min(MAX_ITEMS), None),
    };
    Some(Request::Page {
        owner: owner.clone(),
        kind: PageKind::Sync { page, until },
        max,
        after,
    })
}

/// A stored item, left unparsed when the record says which comments node it links to.
fn post_from_record(record: &PostRecord) -> Option<Post> {
    let key = ItemKey::new(&record.service, &record.node, &record.id);
    // Older versions stored a post's claimed publisher as its author: the owner it is.
    let service = BareJid::new(&record.service).ok();
    let author = match service {
        Some(owner) if record.node == ns::MICROBLOG => owner,
        _ => BareJid::new(&record.author).ok()?,
    };
    // Records from before `publisher` was kept: a comment's author other than its service
    // was the publisher the service stamped.
    let publisher = match &record.publisher {
        _ if record.node == ns::MICROBLOG => None,
        Some(publisher) => BareJid::new(publisher).ok(),
        None => Some(author.clone()).filter(|a| a.as_str() != record.service),
    };
    let published = record.published as i64;
    let entry = LazyEntry::stored(record.xml.clone());
    let thread = match &record.thread {
        ThreadRecord::Unknown => {
            let post = Post::new(key, author, published, entry);
            return Some(post.published_by(publisher));
        }
        ThreadRecord::None => None,
        ThreadRecord::Node { service, node } => Some(NodeKey::new(service, node)),
    };
    Some(Post {
        key,
        author,
        published,
        publisher,
        thread,
        entry,
    })
}

// ---- caps -------------------------------------------------------------------------

/// XEP-0163 §4: the features to add to the client's disco#info so that PEP sends new
/// posts of contacts as they are published. Comments nodes live on ordinary pubsub
/// services, where `+notify` does not apply; they are fetched instead.
pub fn notify_features() -> Vec<&'static str> {
    vec![ns::MICROBLOG, MICROBLOG_NOTIFY]
}

/// XEP-0115: the `<c/>` for presence, hashing exactly the disco#info the client answers
/// with (so it must include [`notify_features`]).
pub fn caps_element(disco: &DiscoInfoResult) -> Element {
    xep0115::caps_element(CAPS_NODE, disco)
}

/// `node#ver`: how a XEP-0115 disco#info query names these features.
pub fn caps_node(disco: &DiscoInfoResult) -> String {
    let ver = caps_hash(disco);
    format!("{CAPS_NODE}#{}", ver.to_base64())
}

#[cfg(test)]
mod tests;
