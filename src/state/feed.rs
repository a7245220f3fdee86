//! The feed as the screens see it: posts ready to list, their details (bodies sanitised
//! into [`SafeNode`]s, or HTML still to be parsed inertly and sanitised by the UI) made
//! when a screen first shows them, comments and likes per post, sync progress. Fed by
//! `app` from the feed service and the store; screens never build it themselves.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use crate::proto::jid::BareJid;
use leptos::prelude::*;

use super::PendingWrite;
use crate::proto::xep0277::{Content, Entry, Link};
use crate::proto::xhtml::{self, RawNode, SafeNode};
use crate::service::feed::{Access, Comment, Commenter, Feed, ItemKey, LazyEntry, Post};
use crate::service::outbox::{shown_on, WriteKind};

/// A post's body, safe to turn into DOM nodes. Shared, not copied: a redraw of 1,000
/// posts must not copy 1,000 bodies.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// XHTML or plain text, already through the allowlist.
    Nodes(Arc<[SafeNode]>),
    /// `content type="html"`: parse it with the browser's DOMParser (which runs nothing),
    /// then through `proto::xhtml::sanitize` like any other markup.
    Html(Arc<str>),
}

/// A post as shown in the timeline and on its own page. Cheap to build and compare: a
/// redraw builds one per post of the timeline, while only the rows on screen read the
/// [`PostDetails`], which are parsed and sanitised then, once per version of the post.
#[derive(Clone, Debug)]
pub struct PostView {
    pub key: ItemKey,
    /// Bare JID of the trusted author.
    pub author: String,
    /// Milliseconds since the epoch.
    pub published: f64,
    pub comment_count: usize,
    /// One per author.
    pub like_count: usize,
    /// Whether the signed-in account likes it.
    pub liked: bool,
    /// On the signed-in account's own microblog node (whatever the item claims):
    /// **Edit** and **Delete** are offered.
    pub own: bool,
    /// Waiting in the outbox: the text **Pending** shows.
    pub pending: bool,
    /// The server refused it for good: why.
    pub failed: Option<String>,
    /// Whether it was published for **Public** (else **Contacts**).
    pub public: bool,
    /// What the entry says, read on first use.
    pub details: Arc<LazyDetails>,
}

impl PartialEq for PostView {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
            && self.author == other.author
            && self.published == other.published
            && self.comment_count == other.comment_count
            && self.like_count == other.like_count
            && self.liked == other.liked
            && self.own == other.own
            && self.pending == other.pending
            && self.failed == other.failed
            && self.public == other.public
            && (Arc::ptr_eq(&self.details, &other.details) || self.details == other.details)
    }
}

impl PostView {
    /// The entry as the screens show it (parsed and sanitised now if not yet).
    pub fn details(&self) -> &PostDetails {
        self.details.get()
    }
}

/// Everything of a post that comes from its entry.
#[derive(Clone, Debug, PartialEq)]
pub struct PostDetails {
    /// Plain text; always shown (the heading of the post's article).
    pub title: String,
    /// The roster name, else the name in the entry, else the JID's local part.
    pub author_name: String,
    pub body: Body,
    /// Enclosures with an `image/*` type: shown inline.
    pub images: Vec<Link>,
    /// Other enclosures: shown as links.
    pub files: Vec<Link>,
    /// `rel="related"` links: shown as link cards.
    pub related: Vec<Link>,
    pub tags: Vec<String>,
    /// Whether the post has a comments node (so **Comments** and **Like** make sense).
    pub has_comments: bool,
    /// What the composer starts from when editing: title and Markdown source.
    pub edit_title: String,
    pub edit_markdown: String,
}

/// [`PostDetails`], made from the shared entry when first read.
#[derive(Debug)]
pub enum LazyDetails {
    /// Details at hand (tests, previews).
    Ready(PostDetails),
    FromEntry {
        entry: Arc<LazyEntry>,
        author: BareJid,
        roster_name: Option<String>,
        details: OnceLock<PostDetails>,
    },
}

impl LazyDetails {
    pub fn ready(details: PostDetails) -> Arc<Self> {
        Arc::new(LazyDetails::Ready(details))
    }

    fn of(entry: &Arc<LazyEntry>, author: &BareJid, roster_name: Option<String>) -> Arc<Self> {
        Arc::new(LazyDetails::FromEntry {
            entry: entry.clone(),
            author: author.clone(),
            roster_name,
            details: OnceLock::new(),
        })
    }

    /// Whether these are the details `entry`, `author` and `name` make (same version).
    fn made_of(&self, entry: &Arc<LazyEntry>, author: &BareJid, name: &Option<String>) -> bool {
        match self {
            LazyDetails::FromEntry {
                entry: e,
                author: a,
                roster_name: n,
                ..
            } => Arc::ptr_eq(e, entry) && a == author && n == name,
            LazyDetails::Ready(_) => false,
        }
    }

    pub fn get(&self) -> &PostDetails {
        match self {
            LazyDetails::Ready(details) => details,
            LazyDetails::FromEntry {
                entry,
                author,
                roster_name,
                details,
            } => details.get_or_init(|| details_of(entry.get(), author, roster_name.clone())),
        }
    }
}

impl PartialEq for LazyDetails {
    fn eq(&self, other: &Self) -> bool {
        match other {
            LazyDetails::FromEntry {
                entry,
                author,
                roster_name,
                ..
            } if matches!(self, LazyDetails::FromEntry { .. }) => {
                self.made_of(entry, author, roster_name)
            }
            _ => self.get() == other.get(),
        }
    }
}

/// A comment under a post (likes are counted on the post, not listed).
#[derive(Clone, Debug, PartialEq)]
pub struct CommentView {
    pub id: String,
    /// Bare JID of who wrote it, verified or claimed; empty when nobody says.
    pub author: String,
    /// The roster name when the service vouches for the author; else the JID itself (a
    /// claim is not shown with a contact's name), or "unknown".
    pub author_name: String,
    /// The service stamped who published it; else the author is only claimed.
    pub verified: bool,
    pub text: String,
    pub published: f64,
    pub pending: bool,
}

/// Who may read a post (XEP-0060 access model of the node, sent as publish-options).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Visibility {
    /// `presence`: people who see the author's presence.
    #[default]
    Contacts,
    /// `open`: anyone.
    Public,
}

impl Visibility {
    pub fn label(self) -> &'static str {
        match self {
            Visibility::Contacts => "Contacts",
            Visibility::Public => "Public",
        }
    }
}

/// Everything the feed screens read, as signals.
#[derive(Clone, Copy)]
pub struct FeedState {
    /// Newest first: what the Feed list shows.
    pub timeline: RwSignal<Vec<PostView>>,
    /// Posts that arrived while the person was reading, held back so the list does not
    /// jump: "N new posts" reveals them.
    pub incoming: RwSignal<Vec<PostView>>,
    /// `Some((done, total))` while a sync of contacts' feeds runs.
    pub sync: RwSignal<Option<(usize, usize)>>,
    /// Whether **Load older** can fetch more.
    pub more: RwSignal<bool>,
    /// Comments per post, oldest first.
    pub comments: RwSignal<HashMap<ItemKey, Vec<CommentView>>>,
    /// Upload progress of the image being attached, 0.0–1.0.
    pub upload: RwSignal<Option<f64>>,
    /// Each post's details as last shown: a redraw keeps those of unchanged posts, so
    /// what was parsed and sanitised stays done.
    details: StoredValue<HashMap<ItemKey, Arc<LazyDetails>>>,
}

impl Default for FeedState {
    fn default() -> Self {
        Self::new()
    }
}

impl FeedState {
    pub fn new() -> Self {
        FeedState {
            timeline: RwSignal::new(Vec::new()),
            incoming: RwSignal::new(Vec::new()),
            sync: RwSignal::new(None),
            more: RwSignal::new(false),
            comments: RwSignal::new(HashMap::new()),
            upload: RwSignal::new(None),
            details: StoredValue::new(HashMap::new()),
        }
    }

    /// The person asked to see the held-back posts.
    pub fn reveal_incoming(&self) {
        let incoming = self.incoming.try_update(std::mem::take).unwrap_or_default();
        if incoming.is_empty() {
            return;
        }
        self.timeline.update(|timeline| {
            timeline.retain(|p| !incoming.iter().any(|n| n.key == p.key));
            timeline.extend(incoming);
            crate::sort::sort_by(timeline, |a, b| b.published.total_cmp(&a.published));
        });
    }

    pub fn post(&self, key: &ItemKey) -> Option<PostView> {
        self.timeline
            .with(|t| t.iter().find(|p| &p.key == key).cloned())
    }

    /// Redraws from the feed model. Posts that are new since the last redraw and not the
    /// person's own go to `incoming` once the timeline has content and no sync is
    /// filling it, so reading is never interrupted.
    pub fn show(
        &self,
        feed: &Feed,
        names: &dyn Fn(&BareJid) -> Option<String>,
        blocked: &dyn Fn(&BareJid) -> bool,
        pending: &[PendingWrite],
    ) {
        // Nothing of a blocked author shows (XEP-0191 hides them; what was cached before
        // stays cached, and shows again once unblocked).
        let mut posts = feed.timeline();
        posts.retain(|p| !blocked(&p.author));
        let mut known = self
            .details
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        let mut kept = HashMap::with_capacity(posts.len());
        let views: Vec<PostView> = posts
            .iter()
            .map(|post| {
                let key = post.key.clone();
                let name = names(&post.author);
                let details = match known.remove(&key) {
                    Some(d) if d.made_of(post.lazy_entry(), &post.author, &name) => d,
                    _ => LazyDetails::of(post.lazy_entry(), &post.author, name),
                };
                kept.insert(key.clone(), details.clone());
                view(feed, post, key, details, pending)
            })
            .collect();
        self.details.set_value(kept);
        let shown: HashSet<ItemKey> = self
            .timeline
            .with_untracked(|t| t.iter().map(|p| p.key.clone()).collect());
        let held: HashSet<ItemKey> = self
            .incoming
            .with_untracked(|t| t.iter().map(|p| p.key.clone()).collect());
        // The redraw after a sync's last answer runs once the sync is over: it still
        // belongs to the sync (the signal holds the previous redraw's progress).
        let filling =
            shown.is_empty() || feed.progress().is_some() || self.sync.get_untracked().is_some();
        // Posts older than every shown one (the rest of the cache, Load older) go below
        // what is being read: they move nothing, so they are never held back.
        let oldest_shown = self
            .timeline
            .with_untracked(|t| t.last().map(|p| p.published));
        let (mut timeline, mut incoming) = (Vec::new(), Vec::new());
        for view in views {
            let new = !shown.contains(&view.key);
            let above = oldest_shown.is_some_and(|oldest| view.published >= oldest);
            if held.contains(&view.key) || (new && above && !filling && !view.own) {
                incoming.push(view);
            } else {
                timeline.push(view);
            }
        }
        self.sync.set(feed.progress());
        self.more.set(!timeline.is_empty() && feed.has_older(None));
        self.timeline.set(timeline);
        self.incoming.set(incoming);
        let comments = posts
            .iter()
            .filter(|post| post.has_thread())
            .map(|post| {
                let list = feed
                    .comments(&post.key)
                    .iter()
                    .filter(|c| !c.entry().is_like())
                    .filter(|c| match c.commenter() {
                        Commenter::Verified(jid) | Commenter::Claimed(jid) => !blocked(&jid),
                        Commenter::Unknown => true,
                    })
                    .map(|c| {
                        comment_view(
                            c,
                            shown_on(pending, &c.key).is_some_and(|f| f.is_none()),
                            names,
                        )
                    })
                    .collect();
                (post.key.clone(), list)
            })
            .collect();
        self.comments.set(comments);
    }

    pub fn clear(&self) {
        self.timeline.set(Vec::new());
        self.incoming.set(Vec::new());
        self.sync.set(None);
        self.more.set(false);
        self.comments.set(HashMap::new());
        self.upload.set(None);
    }
}

/// A comment as the post page lists it.
fn comment_view(
    c: &Comment,
    pending: bool,
    names: &dyn Fn(&BareJid) -> Option<String>,
) -> CommentView {
    // Never the node's owner: anyone may publish on a comments node.
    let (author, author_name, verified) = match c.commenter() {
        Commenter::Verified(jid) => {
            let name = name_of(&jid, c.entry().name_of(&jid), names);
            (jid.to_string(), name, true)
        }
        Commenter::Claimed(jid) => (jid.to_string(), jid.to_string(), false),
        Commenter::Unknown => (String::new(), "unknown".to_owned(), false),
    };
    CommentView {
        id: c.key.id.clone(),
        author,
        author_name,
        verified,
        text: c.entry().title.clone(),
        published: c.published as f64,
        pending,
    }
}

fn name_of(
    jid: &BareJid,
    claimed: Option<&str>,
    names: &dyn Fn(&BareJid) -> Option<String>,
) -> String {
    names(jid)
        .or_else(|| {
            claimed
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
        })
        .or_else(|| jid.node().map(|n| n.to_string()))
        .unwrap_or_else(|| jid.to_string())
}

/// Markup goes through the allowlist here, once per version of a post.
fn body_of(content: &Content) -> Body {
    match content {
        Content::Xhtml(div) => Body::Nodes(xhtml::sanitize(&[RawNode::from_element(div)]).into()),
        Content::Html(html) => Body::Html(html.as_str().into()),
        Content::Text(text) => Body::Nodes(xhtml::text_to_nodes(text).into()),
        Content::Empty => Body::Nodes(Arc::from([])),
    }
}

/// What a post's entry shows, for a post on screen.
fn details_of(entry: &Entry, author: &BareJid, roster_name: Option<String>) -> PostDetails {
    let body = body_of(&entry.content);
    let (images, files) = entry.enclosures.iter().cloned().partition(|link: &Link| {
        link.media_type
            .as_deref()
            .is_some_and(|t| t.starts_with("image/"))
    });
    let edit_markdown = entry.source.clone().unwrap_or_else(|| match &body {
        Body::Nodes(nodes) => xhtml::plain_text(nodes),
        Body::Html(html) => xhtml::html_to_text(html),
    });
    PostDetails {
        title: entry.title.clone(),
        author_name: name_of(author, entry.name_of(author), &|_| roster_name.clone()),
        body,
        images,
        files,
        related: entry.related.clone(),
        tags: entry.categories.clone(),
        has_comments: entry.comments.is_some(),
        edit_title: entry.title.clone(),
        edit_markdown,
    }
}

/// One post as the timeline lists it: what the feed knows without reading the entry.
fn view(
    feed: &Feed,
    post: &Post,
    key: ItemKey,
    details: Arc<LazyDetails>,
    pending: &[PendingWrite],
) -> PostView {
    let (like_count, my_like) = feed.likes(&post.key);
    // Only the post's own writes (publication, deletion, its comments node) mark it.
    let shown = shown_on(pending, &post.key);
    let own = feed.is_own(&post.key);
    // Who may read it is the own node's model (one for all own posts); a publish still
    // waiting says what it asked for.
    let asked = pending.iter().rev().find_map(|w| match w.kind {
        WriteKind::Post { access } if w.marks(&post.key) && w.failed.is_none() => Some(access),
        _ => None,
    });
    let access = asked.or(feed.own_access());
    PostView {
        key,
        author: post.author.to_string(),
        published: post.published as f64,
        comment_count: feed
            .comments(&post.key)
            .iter()
            .filter(|c| !c.entry().is_like())
            .count(),
        like_count,
        liked: my_like.is_some(),
        own,
        pending: shown.is_some_and(|failed| failed.is_none()),
        failed: shown.flatten().map(str::to_owned),
        public: own && access == Some(Access::Open),
        details,
    }
}
