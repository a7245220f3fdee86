//! The sync scheduler: which microblogs to fetch and how far ([`SyncRun`], one [`Cursor`]
//! per [`Source`]), the [`Request`]s queued and in flight under [`MAX_IN_FLIGHT`], paging
//! ([`PageKind`]: catch-up until the newest known item, then **Load older**), and the
//! catch-up after caps, which waits for the server's pushes to settle.

use super::*;

/// First page of a contact never synced before.
const FIRST_PAGE: u32 = 20;
/// The first page of each of the first [`MAX_IN_FLIGHT`] contacts of a larger sync
/// (never synced before): a server that answers a burst of requests before it writes
/// any answer (Prosody reads them together) sends six small pages sooner than six full
/// ones, so the timeline is on screen sooner. The rest of each is fetched last
/// ([`fill_request`]), after every other contact's first page.
const FIRST_WAVE_PAGE: u32 = 5;
/// First page of a contact whose newest post we know: usually only a few are new.
const CATCH_UP_PAGE: u32 = 5;
/// A page of Load older, and an RSM page while catching up.
const PAGE: u32 = 20;
/// Catching up stops after this many pages; the rest of the gap is left to Load older.
const MAX_SYNC_PAGES: u8 = 4;
/// Without RSM, paging means asking again for more: never for more than this.
const MAX_ITEMS: u32 = 200;
/// After a sync, comments are fetched for this many of the newest posts, so counts show.
const COMMENTS_AFTER_SYNC: usize = 20;
/// A request nobody answered (the driver lost it) stops holding a slot after this.
const REQUEST_TIMEOUT_MS: u64 = 120_000;
/// How long the server must stay quiet after learning our caps before the feeds it did
/// not push from are fetched ([`Feed::catch_up_after_caps`]).
const SETTLE_MS: u64 = 2_000;

/// How long the app waits before redrawing the feed after a change, `since_last_ms`
/// after its last redraw; `None`: now, and at the next frame. The first posts to show while nothing is
/// on screen are drawn at once, in the task that brought them: that first paint is what
/// a person waits for, and a timer would queue behind the next pages' messages. Else the
/// next frame, except while a sync pours pages in over what is on screen — then every
/// [`SYNC_REDRAW_MS`] at most, since each redraw walks the whole timeline and a few a
/// second show the progress as well as sixty.
pub fn redraw_delay_ms(
    syncing: bool,
    on_screen: bool,
    to_show: bool,
    since_last_ms: f64,
) -> Option<f64> {
    const FRAME_MS: f64 = 16.0;
    if !on_screen && to_show {
        return None;
    }
    if !syncing || !on_screen {
        return Some(FRAME_MS);
    }
    Some((SYNC_REDRAW_MS - since_last_ms).clamp(FRAME_MS, SYNC_REDRAW_MS))
}

/// See [`redraw_delay_ms`].
const SYNC_REDRAW_MS: f64 = 100.0;

#[derive(Clone, Debug)]
pub(super) struct Settling {
    /// The feeds nothing was pushed from yet.
    pub(super) owners: BTreeSet<BareJid>,
    pub(super) until: Instant,
    /// Something was pushed since `until` was set: wait on.
    pub(super) pushed: bool,
}

/// Where the sync of one PEP microblog stands. Persisted in the cursor record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Cursor {
    /// The newest item id seen: a catch-up stops when it comes back.
    pub(super) newest: Option<String>,
    /// The RSM `<last>` Load older continues after (XEP-0059 §2.2); `None` when the
    /// service does not page with RSM.
    pub(super) older: Option<String>,
    /// The service has nothing older than what we hold: **Load older** has nothing to
    /// ask it (new posts come at the newest end, which a sync fetches).
    pub(super) end: bool,
}

impl Cursor {
    /// `{"newest": …, "older": …, "end": true}`, each only when set.
    fn to_json(&self) -> Json {
        Json::object()
            .with_some("newest", self.newest.as_deref().map(Json::str))
            .with_some("older", self.older.as_deref().map(Json::str))
            .with_some("end", self.end.then_some(Json::Bool(true)))
    }

    pub(super) fn from_json(json: &Json) -> Option<Cursor> {
        matches!(json, Json::Object(_)).then_some(())?;
        Some(Cursor {
            newest: json.opt_string("newest").ok()?,
            older: json.opt_string("older").ok()?,
            end: json.boolean("end", Some(false)).ok()?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct Source {
    pub(super) cursor: Cursor,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Request {
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
    pub(super) fn smaller(&self) -> Option<Request> {
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
pub(super) enum PageKind {
    /// Page `page` (0 = first) of a sync that stops at `until`, the newest item id known
    /// when it started.
    Sync {
        page: u8,
        until: Option<String>,
    },
    Older,
}

#[derive(Clone, Debug)]
pub(super) struct SyncRun {
    pub(super) total: usize,
    pub(super) pending: BTreeSet<BareJid>,
    /// A page of this sync was answered.
    pub(super) answered: bool,
}

/// The id of the newest item of a first page, by date (servers differ in their order).
pub(super) fn newest_id(
    page: &ItemsPage,
    posts: &BTreeMap<ItemKey, Post>,
    owner: &BareJid,
) -> Option<String> {
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

/// The rest of a never-synced contact's first page after a small one ([`FIRST_WAVE_PAGE`]):
/// RSM `after` its end when the service pages, else the full first page again (the
/// overlap is de-duplicated by key).
pub(super) fn fill_request(owner: &BareJid, last: Option<String>) -> Request {
    let (max, after) = match last {
        Some(last) => (FIRST_PAGE - FIRST_WAVE_PAGE, Some(last)),
        None => (FIRST_PAGE, None),
    };
    Request::Page {
        owner: owner.clone(),
        kind: PageKind::Sync {
            page: 1,
            until: None,
        },
        max,
        after,
    }
}

/// The next page of a catch-up: RSM `after` when the service pages, else a larger
/// `max_items` (bounded) whose overlap is de-duplicated.
pub(super) fn catch_up_request(
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

impl Feed {
    pub(super) fn build(&self, id: &str, request: &Request) -> Iq {
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

    /// Fetches what is new from the account itself and every contact (the roster, as the
    /// server has it now: who is no longer on it is forgotten). While a sync runs,
    /// contacts not yet part of it are added to it.
    pub fn start_sync(&mut self, contacts: Vec<BareJid>) {
        self.follow_only(crate::sort::set_of(contacts.iter().cloned()));
        self.sync_owners(std::iter::once(self.account.clone()).chain(contacts));
    }

    /// Follows the account and `contacts`, no one else: the sync positions, queued
    /// fetches and posts of anyone else go (the store is told, so they do not come back).
    pub(super) fn follow_only(&mut self, contacts: BTreeSet<BareJid>) {
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
    pub(super) fn drop_unfollowed(&mut self) {
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
        let owners = crate::sort::set_of(
            std::iter::once(self.account.clone()).chain(self.contacts.iter().cloned()),
        );
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

    pub(super) fn sync_owners(&mut self, owners: impl IntoIterator<Item = BareJid>) {
        let run = self.sync.get_or_insert_with(|| SyncRun {
            total: 0,
            pending: BTreeSet::new(),
            answered: false,
        });
        let fresh = run.total == 0;
        let mut added = vec![];
        for jid in owners {
            if run.pending.insert(jid.clone()) {
                run.total += 1;
                added.push(jid);
            }
        }
        // Only a sync longer than one wave: a smaller one is answered in one burst anyway.
        let wave = if fresh && added.len() > MAX_IN_FLIGHT {
            MAX_IN_FLIGHT
        } else {
            0
        };
        for (n, owner) in added.into_iter().enumerate() {
            let until = self
                .sources
                .entry(owner.clone())
                .or_default()
                .cursor
                .newest
                .clone();
            let max = if until.is_some() {
                CATCH_UP_PAGE
            } else if n < wave {
                FIRST_WAVE_PAGE
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

    /// Whether a sync of more than one wave of requests runs ([`MAX_IN_FLIGHT`] at a
    /// time) and none of its answers is in yet.
    pub fn awaits_first_wave(&self) -> bool {
        self.sync.as_ref().is_some_and(|run| {
            run.total > MAX_IN_FLIGHT && !run.answered && run.pending.len() == run.total
        })
    }

    /// `(done, total)` contacts while a sync runs.
    pub fn progress(&self) -> Option<(usize, usize)> {
        let run = self.sync.as_ref()?;
        Some((run.total - run.pending.len(), run.total))
    }

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

    /// Requests the driver never answered stop holding a slot; they count as timed out.
    pub(super) fn reap(&mut self, now: Instant) {
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

    pub(super) fn is_requested(&self, request: &Request) -> bool {
        let same = |r: &Request| match (r, request) {
            (Request::Page { owner: a, .. }, Request::Page { owner: b, .. }) => a == b,
            _ => r == request,
        };
        self.queue.iter().any(same) || self.in_flight.values().any(|(r, _)| same(r))
    }

    pub(super) fn timeline_frontier(&self) -> Vec<BareJid> {
        // Posts are ordered by key, service first: each author's are side by side, so
        // the oldest per author is one pass into a list sorted by author (no map type of
        // its own to link).
        let mut oldest: Vec<(&str, i64)> = Vec::new();
        for post in self.posts.values() {
            match oldest.last_mut() {
                Some((service, at)) if *service == post.key.service => {
                    *at = (*at).min(post.published);
                }
                _ => oldest.push((&post.key.service, post.published)),
            }
        }
        let oldest_of = |jid: &str| {
            oldest
                .binary_search_by(|(service, _)| (*service).cmp(jid))
                .map_or(i64::MIN, |i| oldest[i].1)
        };
        // A contact of whom we hold nothing comes last: nothing of theirs is on screen.
        let mut open: Vec<(&BareJid, i64)> = self
            .sources
            .iter()
            .filter(|(_, s)| !s.cursor.end)
            .map(|(jid, _)| (jid, oldest_of(jid.as_str())))
            .collect();
        crate::sort::sort_by(&mut open, |a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        open.into_iter()
            .take(MAX_IN_FLIGHT)
            .map(|(jid, _)| jid.clone())
            .collect()
    }

    /// RSM `after` the older cursor when the service pages; else the same request for
    /// more items than we hold (the overlap is de-duplicated by key).
    pub(super) fn older_request(&mut self, owner: BareJid) -> Option<Request> {
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

    pub(super) fn held_posts(&self, owner: &BareJid) -> usize {
        let start = ItemKey::new(owner.as_str(), String::new(), String::new());
        self.posts
            .range(start..)
            .take_while(|(k, _)| k.service == owner.as_str())
            .count()
    }

    pub(super) fn on_page(
        &mut self,
        now: Instant,
        owner: BareJid,
        kind: PageKind,
        max: u32,
        page: ItemsPage,
    ) {
        for item in &page.items {
            self.accept(now, &owner, ns::MICROBLOG, item);
        }
        if let (Some(run), PageKind::Sync { .. }) = (&mut self.sync, &kind) {
            run.answered = true;
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
                let next = if until.is_none() && n == 0 && max == FIRST_WAVE_PAGE && full {
                    // A small first page: the rest of it after everyone's first page.
                    self.queue
                        .push_back(fill_request(&owner, page.last.clone()));
                    return;
                } else if until.is_none() {
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

    pub(super) fn set_older(&mut self, owner: &BareJid, last: Option<String>, exhausted: bool) {
        self.update_cursor(owner, |c| {
            c.older = last;
            c.end = exhausted;
        });
    }

    pub(super) fn update_cursor(&mut self, owner: &BareJid, change: impl FnOnce(&mut Cursor)) {
        let cursor = &mut self.sources.entry(owner.clone()).or_default().cursor;
        let before = cursor.clone();
        change(cursor);
        self.cursors_dirty |= *cursor != before;
    }

    pub(super) fn finish_source(&mut self, owner: &BareJid) {
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

    pub(super) fn emit_cursors(&mut self) {
        if std::mem::take(&mut self.cursors_dirty) {
            self.changes.push_back(FeedChange::Cursor {
                key: CURSOR_KEY.to_owned(),
                value: self.cursor_value(),
            });
        }
    }

    pub(super) fn cursor_value(&self) -> String {
        // `sources` is ordered by JID, which orders as its text: the object's keys come
        // out sorted, as from a map.
        let cursors = self
            .sources
            .iter()
            .filter(|(_, s)| s.cursor != Cursor::default())
            .map(|(jid, s)| (jid.as_str().to_owned(), s.cursor.to_json()));
        Json::Object(cursors.collect()).to_text()
    }

    /// Coming online with `+notify`, the server pushes each followed microblog's newest
    /// item (XEP-0163 §6.1.2). When that is the newest item we hold, the microblog has
    /// nothing new: its catch-up, if still queued, is not sent. On a warm start most
    /// contacts have posted nothing since, so most fetches (and their server cost) go.
    /// The end of [`Feed::catch_up_after_caps`]'s wait: pushes keep it waiting; once
    /// quiet, the feeds nothing was pushed from are fetched.
    pub(super) fn settle(&mut self, now: Instant) {
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

    pub(super) fn settle_by_push(&mut self, owner: &BareJid, items: &[ReceivedItem]) {
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
}
