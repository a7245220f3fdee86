//! The data the feed keeps and shares with the screens: the keys of items and comments
//! nodes, posts (and comments, shaped alike) with their lazily parsed entries, and who
//! may read a node.

use std::sync::{Arc, OnceLock};

use crate::proto::jid::BareJid;
use crate::proto::ns;
use minidom::Element;

use crate::proto::xep0277::{Content, Entry};

/// Where an item lives: a post on a PEP microblog node, or a comment or like on a
/// comments node. The store's key too ([`PostRecord`](crate::store::PostRecord)).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemKey {
    /// Bare JID of the pubsub service (for a post, the author's account).
    pub service: String,
    pub node: String,
    pub id: String,
}

impl ItemKey {
    pub fn new(service: impl Into<String>, node: impl Into<String>, id: impl Into<String>) -> Self {
        ItemKey {
            service: service.into(),
            node: node.into(),
            id: id.into(),
        }
    }

    /// A post of `owner`'s microblog.
    pub fn post(owner: &BareJid, id: impl Into<String>) -> Self {
        ItemKey::new(owner.as_str(), ns::MICROBLOG, id)
    }

    pub(super) fn node_key(&self) -> NodeKey {
        NodeKey::new(&self.service, &self.node)
    }
}

/// A comments node, by service and node name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct NodeKey {
    pub(super) service: String,
    pub(super) node: String,
}

impl NodeKey {
    pub(super) fn new(service: &str, node: &str) -> Self {
        NodeKey {
            service: service.to_owned(),
            node: node.to_owned(),
        }
    }
}

/// A post, or a comment or like: an entry and what the feed vouches for about it.
#[derive(Clone, Debug)]
pub struct Post {
    pub key: ItemKey,
    /// The trusted author: for a post, the owner of its microblog node, whatever the
    /// item claims; for a comment or like, the publisher when the service says who
    /// published, else the node's service (see [`Post::commenter`]).
    pub author: BareJid,
    /// ms since the epoch (`published`, else `updated`, else 0).
    pub published: i64,
    /// For a comment or like: the publisher the service stamped on the item, if it did
    /// (the person's own writes count as stamped). Unused for posts.
    pub(super) publisher: Option<BareJid>,
    /// The comments node the entry links to, known without parsing it.
    pub(super) thread: Option<NodeKey>,
    pub(super) entry: Arc<LazyEntry>,
}

impl PartialEq for Post {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
            && self.author == other.author
            && self.published == other.published
            && self.publisher == other.publisher
            && self.thread == other.thread
            && self.xml() == other.xml()
    }
}

impl Post {
    /// A post whose entry is at hand (its comments link is read from it).
    pub(super) fn new(
        key: ItemKey,
        author: BareJid,
        published: i64,
        entry: Arc<LazyEntry>,
    ) -> Self {
        let thread = entry
            .get()
            .comments
            .as_ref()
            .map(|link| NodeKey::new(link.service.to_bare().as_str(), &link.node));
        Post {
            key,
            author,
            published,
            publisher: None,
            thread,
            entry,
        }
    }

    /// The same, with the publisher the service stamped (comments and likes).
    pub(super) fn published_by(mut self, publisher: Option<BareJid>) -> Self {
        self.publisher = publisher;
        self
    }

    /// The entry, parsed now if it came from the store unparsed.
    pub fn entry(&self) -> &Entry {
        self.entry.get()
    }

    /// The entry, shared with the screens (which parse it only for the rows they show).
    pub fn lazy_entry(&self) -> &Arc<LazyEntry> {
        &self.entry
    }

    /// The `<entry/>` as received (or as published), for the store.
    pub fn xml(&self) -> &str {
        self.entry.xml()
    }

    /// Whether the entry links a comments node (without parsing it).
    pub fn has_thread(&self) -> bool {
        self.thread.is_some()
    }

    /// Who wrote a comment or like. A comments node is open to anyone, so its items are
    /// by many people: the publisher when the service names it overrules any claim;
    /// otherwise the entry's claimed author is all there is, shown as a claim. Never the
    /// node's owner: anyone may publish there.
    pub fn commenter(&self) -> Commenter {
        if let Some(publisher) = &self.publisher {
            return Commenter::Verified(publisher.clone());
        }
        match self.entry().claimed_author() {
            Some(jid) => Commenter::Claimed(jid),
            None => Commenter::Unknown,
        }
    }
}

/// Who wrote a comment or like ([`Post::commenter`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Commenter {
    /// The publisher the service stamped on the item.
    Verified(BareJid),
    /// Only the entry's `author/uri` says so: show the JID (not a roster name), marked
    /// unverified.
    Claimed(BareJid),
    /// Nobody says.
    Unknown,
}

impl Commenter {
    /// The JID named, verified or not.
    pub fn jid(&self) -> Option<&BareJid> {
        match self {
            Commenter::Verified(jid) | Commenter::Claimed(jid) => Some(jid),
            Commenter::Unknown => None,
        }
    }
}

/// An Atom entry kept as XML and parsed on first use: a warm start restores thousands of
/// cached posts, and only the few on screen need more than their key, author and date.
/// Shared (`Arc`) between the feed and the screens, so it is parsed at most once.
#[derive(Debug)]
pub struct LazyEntry {
    xml: Box<str>,
    entry: OnceLock<Entry>,
}

impl LazyEntry {
    /// An entry already parsed (received or written now).
    pub fn parsed(xml: String, entry: Entry) -> Arc<Self> {
        Arc::new(LazyEntry {
            xml: xml.into(),
            entry: OnceLock::from(entry),
        })
    }

    /// An entry from the store, parsed when first needed.
    pub fn stored(xml: String) -> Arc<Self> {
        Arc::new(LazyEntry {
            xml: xml.into(),
            entry: OnceLock::new(),
        })
    }

    pub fn xml(&self) -> &str {
        &self.xml
    }

    /// The entry. Stored XML was valid when it was stored; should it no longer parse (a
    /// damaged store), the post shows as unreadable rather than vanishing or failing.
    pub fn get(&self) -> &Entry {
        self.entry.get_or_init(|| {
            self.xml
                .parse::<Element>()
                .ok()
                .and_then(|element| Entry::parse(&element).ok())
                .unwrap_or_else(unreadable)
        })
    }

    pub fn is_parsed(&self) -> bool {
        self.entry.get().is_some()
    }
}

fn unreadable() -> Entry {
    Entry {
        id: String::new(),
        title: "(this post could not be read)".into(),
        content: Content::Empty,
        source: None,
        author_name: None,
        author_uri: None,
        published: None,
        updated: None,
        enclosures: Vec::new(),
        related: Vec::new(),
        alternate: None,
        categories: Vec::new(),
        comments: None,
    }
}

/// A comment is an entry on a comments node, shaped like a post.
pub type Comment = Post;

/// Who may read a node (XEP-0060 §4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Contacts with a presence subscription: the default of a personal microblog.
    Presence,
    /// Anyone: public posts, and comments nodes.
    Open,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Presence => "presence",
            Access::Open => "open",
        }
    }

    /// The model a `pubsub#access_model` value asks for; anything but `open` is read as
    /// the narrower one.
    pub fn from_option(value: &str) -> Access {
        if value == "open" {
            Access::Open
        } else {
            Access::Presence
        }
    }
}
