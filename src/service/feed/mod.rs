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
//! The feed never sends writes: `writes.rs` composes them (with the `*_iq` builders of
//! `wire.rs`) for the outbox, which sends them under the item id, so a retry can never
//! duplicate a post.
//!
//! Where things are:
//! - this file: the [`Feed`] itself, its inputs and outputs, the events and results that
//!   change the posts and threads held, and what the screens read;
//! - `sync.rs`: the sync scheduler (requests, paging, cursors, catch-up after caps);
//! - `discovery.rs`: finding the service comments nodes go to;
//! - `records.rs`: restoring from the store and the records to keep in it;
//! - `model.rs`: the data kept and shared with the screens;
//! - `wire.rs`: what is read from and written to pubsub services;
//! - `writes.rs`: the person's writes composed for the outbox (ids and `now` passed in).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::sort::{VecMap, VecSet};

use crate::proto::jid::{BareJid, Jid};
use crate::proto::ns;
use crate::proto::rfc6120::Iq;
#[cfg(test)]
use crate::proto::rfc6120::StanzaError;
use crate::proto::rfc6121::Message;
use crate::proto::xep0030::{self, DiscoInfo};
use minidom::Element;

use crate::proto::json::Json;
use crate::proto::ns::MICROBLOG_COMMENTS_PREFIX;
use crate::proto::xep0277::Entry;
use crate::store::{CursorRecord, PostRecord, ThreadRecord};
use crate::xmpp::{Instant, IqOutcome};

mod discovery;
mod model;
mod records;
mod sync;
mod wire;
mod writes;

use discovery::Discovery;
pub use discovery::ServiceHint;
pub use sync::redraw_delay_ms;
use sync::{Cursor, PageKind, Request, Settling, Source, SyncRun};

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
pub use writes::{recover, Composed, Ids, PostInput, Recovery};

/// Item requests out at the same time: enough to sync a large roster quickly, few enough
/// not to flood the server (or its s2s queues) on sign-in.
pub const MAX_IN_FLIGHT: usize = 6;
/// The [`CursorRecord`] key under which the feed keeps its sync positions.
pub const CURSOR_KEY: &str = "feed";
/// The store's cursor keeping who may read the person's own microblog node, as last
/// set by a publish the server acknowledged (see [`Feed::own_access`]).
pub const ACCESS_KEY: &str = "feed-access";

const ID_PREFIX: &str = "feed-";
const COMMENTS_PAGE: u32 = 100;
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
pub(super) struct Deletion {
    pub(super) retract: Iq,
    pub(super) comments_node: Option<Iq>,
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
    linked: BTreeMap<NodeKey, VecSet<ItemKey>>,
    sources: BTreeMap<BareJid, Source>,
    /// Items shown from a local write and not yet seen from the server.
    local: VecSet<ItemKey>,
    queue: VecDeque<Request>,
    in_flight: VecMap<String, (Request, Instant)>,
    next_id: u64,
    sync: Option<SyncRun>,
    cursors_dirty: bool,
    discovery: Discovery,
    changes: VecDeque<FeedChange>,
    /// Items removed since [`Feed::restore_newest`], until [`Feed::absorb`] (which must
    /// not bring them back).
    gone: Option<VecSet<ItemKey>>,
    /// A [`Feed::catch_up_after_caps`] waiting for the server's pushes.
    settling: Option<Settling>,
    /// Who may read the own microblog node, once known (see [`Feed::own_access`]).
    own_access: Option<Access>,
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
            local: VecSet::new(),
            queue: VecDeque::new(),
            in_flight: VecMap::new(),
            next_id: 0,
            sync: None,
            cursors_dirty: false,
            discovery: Discovery::default(),
            changes: VecDeque::new(),
            gone: None,
            settling: None,
            own_access: None,
        }
    }

    pub fn account(&self) -> &BareJid {
        &self.account
    }

    // ---- inputs -------------------------------------------------------------------

    /// The people whose microblog events are accepted (the roster changed). Whoever left
    /// the roster is forgotten ([`Feed::follow_only`]).
    pub fn set_contacts(&mut self, contacts: impl IntoIterator<Item = BareJid>) {
        self.follow_only(crate::sort::set_of(contacts));
    }

    /// Fetches the comments and likes of a post (its page was opened). Returns whether a
    /// request was queued: the post must be known and link a comments node.
    pub fn fetch_comments(&mut self, key: &ItemKey) -> bool {
        self.queue_comments(key, true)
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

    /// Who may read the person's own posts. XEP-0277 keeps them all on one node, and an
    /// access model is the node's (XEP-0060 §4.5): publishing a Contacts post on an open
    /// node reconfigures it (see [`recover`]), so every own post shows what the node has
    /// now — known from the last publish the server acknowledged. `None` until one was:
    /// the node is then as the server created it (`presence` on Prosody and ejabberd).
    pub fn own_access(&self) -> Option<Access> {
        self.own_access
    }

    /// The server acknowledged a publish to the own node asking for `access`: the node
    /// has that model now (it had it, or was reconfigured to it before the publish).
    pub fn published_with(&mut self, access: Access) {
        if self.own_access != Some(access) {
            self.own_access = Some(access);
            self.changes.push_back(FeedChange::Cursor {
                key: ACCESS_KEY.to_owned(),
                value: access.as_str().to_owned(),
            });
        }
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

    /// Newest first; equal dates by key, so the order is stable.
    pub fn timeline(&self) -> Vec<&Post> {
        let mut posts: Vec<&Post> = self.posts.values().collect();
        crate::sort::sort_by(&mut posts, |a, b| {
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
        let likers: VecSet<String> = thread.likes.iter().map(liker).collect();
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
    pub(super) fn delete_post(
        &self,
        key: &ItemKey,
        retract_id: &str,
        node_id: &str,
    ) -> Option<Deletion> {
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

    // ---- internals: scheduling ----------------------------------------------------

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

    // ---- internals: results -------------------------------------------------------

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
        let gone: Vec<ItemKey> = self
            .threads
            .get(&node)
            .into_iter()
            .flat_map(|t| t.comments.iter().chain(&t.likes))
            .map(|c| c.key.clone())
            // A page of at most COMMENTS_PAGE items: scanning it costs less than a set.
            .filter(|k| !page.items.iter().any(|i| i.id == k.id) && !self.local.contains(k))
            .collect();
        for key in gone {
            self.remove(&key);
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

#[cfg(test)]
mod tests;
