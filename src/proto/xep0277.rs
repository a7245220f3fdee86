//! XEP-0277 microblog entries: the Atom (RFC 4287) `<entry>` of a post, a comment or a
//! like, read tolerantly from what Movim, Converse.js, Libervia and the XEP publish, and
//! written exactly as Movim writes it.

use std::fmt;

use crate::proto::date::DateTime;
use crate::proto::jid::{BareJid, Jid};
use crate::proto::ns::{MICROBLOG, XHTML};
use minidom::rxml::{Namespace, NcName};
use minidom::Element;

use super::xhtml::{self, RawNode};
use super::{markdown, ns, percent};

/// The title of a like: a comment whose title is exactly this.
pub const LIKE: &str = "♥";

/// One microblog entry: a post on `urn:xmpp:microblog:0`, or a comment or like on a
/// comments node.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Atom id; Kith makes it equal to the pubsub item id, which is the authoritative one.
    /// Empty when the entry carries none.
    pub id: String,
    /// Plain text whatever the title's type; a comment's whole text.
    pub title: String,
    pub content: Content,
    /// The Markdown source (`content type="text"`) published beside a richer content.
    pub source: Option<String>,
    pub author_name: Option<String>,
    /// As published: only a claim; who wrote the entry is the feed's decision
    /// (`service::feed`: the node's owner for a post, the stamped publisher for a comment).
    pub author_uri: Option<String>,
    /// Falls back to `updated` when absent or unreadable.
    pub published: Option<DateTime>,
    pub updated: Option<DateTime>,
    /// Attachments. Links whose URL [`xhtml::safe_url`] refuses are dropped when parsing.
    pub enclosures: Vec<Link>,
    /// Link cards.
    pub related: Vec<Link>,
    /// Where the entry lives: the `xmpp:` one if there is one, else the first.
    pub alternate: Option<String>,
    /// Lowercased, each once.
    pub categories: Vec<String>,
    pub comments: Option<CommentsLink>,
}

/// The body of an entry, in order of preference when several are published.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// The `<div xmlns='http://www.w3.org/1999/xhtml'>`; untrusted, render it through
    /// [`xhtml::sanitize`].
    Xhtml(Element),
    /// Escaped HTML, to be parsed by the browser and sanitised.
    Html(String),
    Text(String),
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Link {
    pub href: String,
    pub media_type: Option<String>,
    pub title: Option<String>,
    pub length: Option<u64>,
}

/// Where a post's comments live (XEP-0277 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentsLink {
    pub service: Jid,
    pub node: String,
}

/// What a person writes in the composer; [`Entry::new_post`] makes it an entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PostDraft {
    pub title: String,
    pub markdown: String,
    /// Added to the `#hashtags` found in the Markdown.
    pub tags: Vec<String>,
    pub enclosures: Vec<Link>,
    pub related: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not an `<entry xmlns='http://www.w3.org/2005/Atom'>`.
    NotAnEntry,
    /// Neither a title nor a content: nothing to show.
    NoTitleOrContent,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::NotAnEntry => "not an Atom entry",
            ParseError::NoTitleOrContent => "Atom entry without title or content",
        })
    }
}

impl std::error::Error for ParseError {}

impl Entry {
    pub fn parse(entry: &Element) -> Result<Entry, ParseError> {
        if !entry.is("entry", ns::ATOM) {
            return Err(ParseError::NotAnEntry);
        }
        let text_of = |parent: &Element, name: &str| {
            parent
                .get_child(name, ns::ATOM)
                .map(|c| c.text().trim().to_owned())
                .filter(|t| !t.is_empty())
        };
        let title = entry
            .get_child("title", ns::ATOM)
            .map(text_construct)
            .unwrap_or_default();
        let (content, source) = contents(entry);
        if title.is_empty() && content == Content::Empty {
            return Err(ParseError::NoTitleOrContent);
        }
        let author = entry.get_child("author", ns::ATOM);
        let date = |name: &str| text_of(entry, name).and_then(|t| t.parse::<DateTime>().ok());
        let updated = date("updated");

        let mut parsed = Entry {
            id: text_of(entry, "id").unwrap_or_default(),
            title,
            content,
            source,
            author_name: author.and_then(|a| text_of(a, "name")),
            author_uri: author.and_then(|a| text_of(a, "uri")),
            published: date("published").or_else(|| updated.clone()),
            updated,
            enclosures: Vec::new(),
            related: Vec::new(),
            alternate: None,
            categories: categories(
                entry
                    .children()
                    .filter(|c| c.is("category", ns::ATOM))
                    .filter_map(|c| c.attr("term")),
            ),
            comments: None,
        };
        for link in entry.children().filter(|c| c.is("link", ns::ATOM)) {
            let Some(href) = link.attr("href").and_then(xhtml::safe_url) else {
                continue;
            };
            // RFC 4287 §4.2.7.2: no rel means "alternate".
            match link.attr("rel").unwrap_or("alternate") {
                "enclosure" => parsed.enclosures.push(Link::from_atom(link, href)),
                "related" => parsed.related.push(Link::from_atom(link, href)),
                "alternate" => {
                    let better = parsed
                        .alternate
                        .as_ref()
                        .is_none_or(|a| !a.starts_with("xmpp:") && href.starts_with("xmpp:"));
                    if better {
                        parsed.alternate = Some(href);
                    }
                }
                // Libervia and Movim both title it "comments"; other replies links (RFC
                // 4685 threads over HTTP) are not comment nodes.
                "replies"
                    if parsed.comments.is_none()
                        && link.attr("title").is_none_or(|t| t == "comments") =>
                {
                    parsed.comments = CommentsLink::parse(&href);
                }
                _ => {}
            }
        }
        Ok(parsed)
    }

    /// A new post by `author`, its Markdown rendered to XHTML and kept as the edit source,
    /// its hashtags and `draft.tags` as categories.
    pub fn new_post(
        id: &str,
        author: &BareJid,
        author_name: Option<&str>,
        draft: PostDraft,
        comments: Option<CommentsLink>,
        now: DateTime,
    ) -> Entry {
        let markdown = draft.markdown.trim();
        let (content, source) = if markdown.is_empty() {
            (Content::Empty, None)
        } else {
            (
                Content::Xhtml(markdown::to_xhtml(markdown)),
                Some(markdown.to_owned()),
            )
        };
        let hashtags = markdown::hashtags(markdown);
        Entry {
            content,
            source,
            categories: categories(draft.tags.iter().chain(&hashtags).map(String::as_str)),
            enclosures: draft.enclosures,
            related: draft.related,
            alternate: Some(format!(
                "xmpp:{}?;node={};item={}",
                percent::encode(author.as_str(), percent::XMPP_URI_COMPONENT),
                percent::encode(MICROBLOG, percent::XMPP_URI_COMPONENT),
                percent::encode(id, percent::XMPP_URI_COMPONENT)
            )),
            comments,
            // The envelope (id, title, author, dates) is the same as a comment's.
            ..Entry::new_comment(id, author, author_name, draft.title.trim(), now)
        }
    }

    /// A comment by `author`, published on the post's comments node: its text is the title.
    pub fn new_comment(
        id: &str,
        author: &BareJid,
        author_name: Option<&str>,
        text: &str,
        now: DateTime,
    ) -> Entry {
        Entry {
            id: id.to_owned(),
            title: text.to_owned(),
            content: Content::Empty,
            source: None,
            author_name: author_name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            author_uri: Some(format!(
                "xmpp:{}",
                percent::encode(author.as_str(), percent::XMPP_URI_COMPONENT)
            )),
            published: Some(now.clone()),
            updated: Some(now),
            enclosures: Vec::new(),
            related: Vec::new(),
            alternate: None,
            categories: Vec::new(),
            comments: None,
        }
    }

    pub fn new_like(id: &str, author: &BareJid, now: DateTime) -> Entry {
        Entry::new_comment(id, author, None, LIKE, now)
    }

    pub fn is_like(&self) -> bool {
        self.title.trim() == LIKE
    }

    /// For sorting: `published`, else `updated`, in milliseconds since the epoch.
    pub fn published_or_updated_ms(&self) -> Option<i64> {
        self.published
            .as_ref()
            .or(self.updated.as_ref())
            .map(|d| d.0.timestamp_millis())
    }

    /// The JID the entry claims as author in `author/uri`, unverified.
    pub fn claimed_author(&self) -> Option<BareJid> {
        let uri = XmppUri::parse(self.author_uri.as_deref()?)?;
        Some(uri.jid.into_bare())
    }

    /// The name the entry gives `author` (the one the feed settled on: the node's owner
    /// for a post, the stamped publisher for a comment): none
    /// when the entry claims someone else, as a name that came with an overruled claim is
    /// part of the same forgery.
    pub fn name_of(&self, author: &BareJid) -> Option<&str> {
        let claim = self.claimed_author();
        if claim.is_some_and(|claimed| claimed != *author) {
            return None;
        }
        self.author_name.as_deref()
    }

    /// The entry as Movim publishes it; `title` and `updated` are what Movim's reader
    /// requires, so they are always written (`updated` as long as the entry has a date).
    pub fn to_element(&self) -> Element {
        let mut entry = Element::bare("entry", ns::ATOM);
        entry.append_child(text_element("title", &self.title));
        if self.author_name.is_some() || self.author_uri.is_some() {
            let mut author = Element::bare("author", ns::ATOM);
            if let Some(name) = &self.author_name {
                author.append_child(text_element("name", name));
            }
            if let Some(uri) = &self.author_uri {
                author.append_child(text_element("uri", uri));
            }
            entry.append_child(author);
        }
        match &self.content {
            Content::Xhtml(div) => {
                let mut content = atom_element("content", &[("type", Some("xhtml"))]);
                content.append_child(div.clone());
                entry.append_child(content);
                if let Some(source) = &self.source {
                    entry.append_child(typed_text("content", "text", source));
                }
            }
            Content::Html(html) => {
                entry.append_child(typed_text("content", "html", html));
            }
            Content::Text(text) => {
                entry.append_child(typed_text("content", "text", text));
            }
            Content::Empty => {}
        }
        for term in &self.categories {
            entry.append_child(atom_element("category", &[("term", Some(term))]));
        }
        for (rel, link) in self
            .enclosures
            .iter()
            .map(|l| ("enclosure", l))
            .chain(self.related.iter().map(|l| ("related", l)))
        {
            let length = link.length.map(|l| l.to_string());
            entry.append_child(atom_element(
                "link",
                &[
                    ("rel", Some(rel)),
                    ("href", Some(&link.href)),
                    ("type", link.media_type.as_deref()),
                    ("title", link.title.as_deref()),
                    ("length", length.as_deref()),
                ],
            ));
        }
        if let Some(href) = &self.alternate {
            entry.append_child(atom_element(
                "link",
                &[("rel", Some("alternate")), ("href", Some(href))],
            ));
        }
        if let Some(comments) = &self.comments {
            entry.append_child(atom_element(
                "link",
                &[
                    ("rel", Some("replies")),
                    ("title", Some("comments")),
                    ("href", Some(&comments.uri())),
                ],
            ));
        }
        entry.append_child(text_element("id", &self.id));
        let published = self.published.as_ref().or(self.updated.as_ref());
        let updated = self.updated.as_ref().or(self.published.as_ref());
        for (name, date) in [("published", published), ("updated", updated)] {
            if let Some(date) = date {
                entry.append_child(text_element(name, &xep0082(date)));
            }
        }
        entry
    }
}

impl TryFrom<&Element> for Entry {
    type Error = ParseError;

    fn try_from(element: &Element) -> Result<Entry, ParseError> {
        Entry::parse(element)
    }
}

impl From<&Entry> for Element {
    fn from(entry: &Entry) -> Element {
        entry.to_element()
    }
}

impl Link {
    fn from_atom(link: &Element, href: String) -> Link {
        let attr = |name| {
            link.attr(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Link {
            href,
            media_type: attr("type"),
            title: attr("title"),
            length: link.attr("length").and_then(|l| l.trim().parse().ok()),
        }
    }
}

impl CommentsLink {
    /// The node Movim (and Kith) creates for the comments of post `post_id`.
    pub fn for_post(service: Jid, post_id: &str) -> CommentsLink {
        CommentsLink {
            service,
            node: format!("{}{post_id}", ns::MICROBLOG_COMMENTS_PREFIX),
        }
    }

    /// `xmpp:SERVICE?;node=NODE`, the form Movim writes and reads.
    pub fn uri(&self) -> String {
        format!(
            "xmpp:{}?;node={}",
            percent::encode(self.service.as_str(), percent::XMPP_URI_COMPONENT),
            percent::encode(&self.node, percent::XMPP_URI_COMPONENT)
        )
    }

    pub fn parse(uri: &str) -> Option<CommentsLink> {
        let uri = XmppUri::parse(uri)?;
        Some(CommentsLink {
            service: uri.jid,
            node: uri.node.filter(|n| !n.is_empty())?,
        })
    }
}

/// An RFC 5122 `xmpp:` URI, with the pubsub keys XEP-0277 links use (XEP-0060 §12.22).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmppUri {
    pub jid: Jid,
    /// The query type, such as `message` or `pubsub`; empty in Movim's `?;node=` links.
    pub action: Option<String>,
    pub node: Option<String>,
    pub item: Option<String>,
}

impl XmppUri {
    pub fn parse(uri: &str) -> Option<XmppUri> {
        let uri = uri.trim();
        let rest = uri
            .get(..5)
            .filter(|s| s.eq_ignore_ascii_case("xmpp:"))
            .map(|_| &uri[5..])?;
        // `xmpp://account/target?…`: the account to act from does not matter here.
        let rest = match rest.strip_prefix("//") {
            Some(authority) => authority.split_once('/')?.1,
            None => rest,
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let jid = Jid::new(&percent::decode_lenient(path)?).ok()?;
        let mut pairs = query.split(';');
        let action = pairs
            .next()
            .filter(|a| !a.is_empty())
            .and_then(percent::decode_lenient);
        let (mut node, mut item) = (None, None);
        for (key, value) in pairs.filter_map(|p| p.split_once('=')) {
            match key {
                "node" => node = node.or_else(|| percent::decode_lenient(value)),
                "item" => item = item.or_else(|| percent::decode_lenient(value)),
                _ => {}
            }
        }
        Some(XmppUri {
            jid,
            action,
            node,
            item,
        })
    }
}

/// RFC 4287 §3.1 text constructs reduced to plain text. `type="text"` keeps its line
/// breaks (a comment's text is its title); markup types collapse whitespace as a browser
/// would.
fn text_construct(element: &Element) -> String {
    match element.attr("type").map(str::to_ascii_lowercase).as_deref() {
        Some("xhtml") => {
            let raw = match element.get_child("div", XHTML) {
                Some(div) => RawNode::from_element(div),
                None => RawNode::from_element(element),
            };
            xhtml::plain_text(&xhtml::sanitize(&[raw]))
        }
        Some("html") => xhtml::html_to_text(&element.text()),
        _ => element.text().trim().to_owned(),
    }
}

/// The preferred content (XHTML, then HTML, then text) and, beside a richer one, the
/// text one as its source.
fn contents(entry: &Element) -> (Content, Option<String>) {
    let (mut rich, mut html, mut text) = (None, None, None);
    for content in entry.children().filter(|c| c.is("content", ns::ATOM)) {
        let body = || Some(content.text().trim().to_owned()).filter(|t| !t.is_empty());
        match content.attr("type").map(str::to_ascii_lowercase).as_deref() {
            Some("xhtml") => rich = rich.or_else(|| xhtml_div(content)),
            Some("html") => html = html.or_else(body),
            None | Some("text") => text = text.or_else(body),
            // Out-of-line (`src`) and media types are not a post body Kith can show.
            _ => {}
        }
    }
    match (rich, html, text) {
        (Some(div), _, source) => (Content::Xhtml(div), source),
        (None, Some(html), source) => (Content::Html(html), source),
        (None, None, Some(text)) => (Content::Text(text), None),
        (None, None, None) => (Content::Empty, None),
    }
}

/// RFC 4287 §4.1.3.3 wants one XHTML `div`; some publishers put the markup directly in
/// `content`, which then gets a `div` around it.
fn xhtml_div(content: &Element) -> Option<Element> {
    if let Some(div) = content.get_child("div", XHTML) {
        return Some(xhtml::bounded_copy(div));
    }
    if !content.children().any(|c| c.has_ns(XHTML)) {
        return None;
    }
    let mut div = Element::bare("div", XHTML);
    for node in xhtml::bounded_copy(content).take_nodes() {
        div.append_node(node);
    }
    Some(div)
}

fn categories<'a>(terms: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut categories: Vec<String> = Vec::new();
    for term in terms {
        let term = super::lowercase(term.trim().trim_start_matches('#'));
        if !term.is_empty() && !categories.contains(&term) {
            categories.push(term);
        }
    }
    categories
}

fn atom_element(name: &str, attrs: &[(&str, Option<&str>)]) -> Element {
    let mut element = Element::bare(name, ns::ATOM);
    for (key, value) in attrs {
        if let (Ok(key), Some(value)) = (NcName::try_from(*key), value) {
            element.set_attr(Namespace::NONE, key, *value);
        }
    }
    element
}

fn text_element(name: &str, text: &str) -> Element {
    let mut element = Element::bare(name, ns::ATOM);
    element.append_text_node(text);
    element
}

fn typed_text(name: &str, kind: &str, text: &str) -> Element {
    let mut element = atom_element(name, &[("type", Some(kind))]);
    element.append_text_node(text);
    element
}

/// XEP-0082 form, with `Z` for UTC as Movim writes it.
fn xep0082(date: &DateTime) -> String {
    if date.timezone().local_minus_utc() == 0 {
        date.format("%Y-%m-%dT%H:%M:%SZ")
    } else {
        date.0.to_rfc3339()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::xhtml::SafeNode;

    fn fixture(name: &str) -> Element {
        let xml = match name {
            "movim-post" => include_str!("../../tests/fixtures/xep0277/movim-post.xml"),
            "movim-comment" => include_str!("../../tests/fixtures/xep0277/movim-comment.xml"),
            "movim-like" => include_str!("../../tests/fixtures/xep0277/movim-like.xml"),
            "spec-text-post" => include_str!("../../tests/fixtures/xep0277/spec-text-post.xml"),
            "html-post" => include_str!("../../tests/fixtures/xep0277/html-post.xml"),
            "hostile-post" => include_str!("../../tests/fixtures/xep0277/hostile-post.xml"),
            "minimal-post" => include_str!("../../tests/fixtures/xep0277/minimal-post.xml"),
            _ => unreachable!("no fixture {name}"),
        };
        xml.parse().unwrap()
    }

    fn parse(name: &str) -> Entry {
        Entry::parse(&fixture(name)).unwrap()
    }

    fn date(text: &str) -> Option<DateTime> {
        Some(text.parse().unwrap())
    }

    fn jid(text: &str) -> BareJid {
        BareJid::new(text).unwrap()
    }

    const POST_ID: &str = "b1a8d9b0-5a8e-4c55-9c5b-8f3c2a1e0d11";

    #[test]
    fn movim_post() {
        let entry = parse("movim-post");
        assert_eq!(entry.id, POST_ID);
        assert_eq!(entry.title, "Spring in the hills");
        let Content::Xhtml(div) = &entry.content else {
            panic!("{:?}", entry.content)
        };
        assert!(div.is("div", XHTML));
        assert_eq!(
            div.children().map(Element::name).collect::<Vec<_>>(),
            ["p", "ul", "p"]
        );
        assert_eq!(
            entry.source.as_deref(),
            Some("We walked the **ridge** today.\n\n- blossom\n- wind\n\nMore at [the trail site](https://example.org/trails). #hiking")
        );
        assert_eq!(entry.author_name, None);
        assert_eq!(
            entry.author_uri.as_deref(),
            Some("xmpp:romeo@montague.example")
        );
        assert_eq!(entry.published, date("2026-04-02T09:15:00Z"));
        assert_eq!(entry.updated, date("2026-04-02T09:20:00Z"));
        assert_eq!(entry.published_or_updated_ms(), Some(1_775_121_300_000));
        assert_eq!(
            entry.enclosures,
            [Link {
                href: "https://upload.montague.example/abc/hills.jpg".into(),
                media_type: Some("image/jpeg".into()),
                title: Some("hills.jpg".into()),
                length: None,
            }]
        );
        assert_eq!(
            entry.related,
            [Link {
                href: "https://example.org/trails/ridge".into(),
                media_type: Some("text/html".into()),
                title: Some("The ridge trail".into()),
                length: None,
            }]
        );
        assert_eq!(
            entry.alternate.as_deref(),
            Some("xmpp:romeo@montague.example?;node=urn:xmpp:microblog:0;item=b1a8d9b0-5a8e-4c55-9c5b-8f3c2a1e0d11")
        );
        assert_eq!(entry.categories, ["hiking"]);
        assert_eq!(
            entry.comments,
            Some(CommentsLink {
                service: Jid::new("comments.montague.example").unwrap(),
                node: format!("urn:xmpp:microblog:0:comments/{POST_ID}"),
            })
        );
        assert!(!entry.is_like());
        let romeo = jid("romeo@montague.example");
        assert_eq!(entry.claimed_author(), Some(romeo.clone()));
    }

    #[test]
    fn movim_comment_and_like() {
        let comment = parse("movim-comment");
        assert_eq!(comment.id, "7f0c2e44-1d2b-4e8a-9a61-3c5d7e9f0a22");
        assert_eq!(comment.title, "Looks wonderful, which month was this?");
        assert_eq!(comment.content, Content::Empty);
        assert_eq!(
            comment.author_uri.as_deref(),
            Some("xmpp:juliet@capulet.example")
        );
        assert_eq!(comment.published, date("2026-04-02T10:01:00Z"));
        assert!(!comment.is_like());

        let like = parse("movim-like");
        assert_eq!(like.title, LIKE);
        assert!(like.is_like());
        assert_eq!(like.claimed_author(), Some(jid("nurse@capulet.example")));
    }

    #[test]
    fn spec_text_post() {
        let entry = parse("spec-text-post");
        assert_eq!(
            entry.id,
            "tag:montague.example,2008-05-08:posts-1cb57d9c-1c46-11dd-838c-001143d5d5db"
        );
        assert_eq!(entry.title, "hanging out at the Café Napolitano");
        assert_eq!(
            entry.content,
            Content::Text("Coffee first.\nThen the market: https://market.example/today".into())
        );
        assert_eq!(entry.source, None);
        // The xmpp: alternate wins over the earlier web one.
        assert_eq!(
            entry.alternate.as_deref(),
            Some("xmpp:romeo@montague.example?;node=urn%3Axmpp%3Amicroblog%3A0;item=1cb57d9c-1c46-11dd-838c-001143d5d5db")
        );
        let uri = XmppUri::parse(entry.alternate.as_deref().unwrap()).unwrap();
        assert_eq!(uri.node.as_deref(), Some(MICROBLOG));
        assert_eq!(
            uri.item.as_deref(),
            Some("1cb57d9c-1c46-11dd-838c-001143d5d5db")
        );
        assert_eq!(entry.comments, None);
        assert_eq!(entry.author_uri, None);
        assert_eq!(entry.published, date("2008-05-08T18:30:02Z"));
        let Content::Text(text) = &entry.content else {
            unreachable!()
        };
        let nodes = xhtml::text_to_nodes(text);
        assert!(
            matches!(&nodes[..], [SafeNode::Element { tag: "p", children, .. }]
            if matches!(children.last(), Some(SafeNode::Element { tag: "a", .. })))
        );
    }

    #[test]
    fn html_post() {
        let entry = parse("html-post");
        assert_eq!(entry.id, "c3d4e5f6-html");
        assert_eq!(entry.title, "Release notes");
        assert_eq!(
            entry.content,
            Content::Html("<p>Version <b>2</b> is out.</p><script>window.__kith_pwned = 1</script><p><a href=\"https://example.org/v2\">Changelog</a></p>".into())
        );
        assert_eq!(entry.author_name.as_deref(), Some("Benvolio"));
        assert_eq!(entry.published, date("2026-03-01T12:00:00Z"));
    }

    #[test]
    fn hostile_post() {
        let entry = parse("hostile-post");
        // Titles and names are text: shown literally, never parsed.
        assert_eq!(
            entry.title,
            "<img src=x onerror=\"window.__kith_pwned=1\"> hello"
        );
        assert_eq!(
            entry.author_name.as_deref(),
            Some("<script>window.__kith_pwned=1</script>")
        );
        assert!(entry.enclosures.is_empty());
        assert!(entry.related.is_empty());
        let Content::Xhtml(div) = &entry.content else {
            unreachable!()
        };
        let safe = xhtml::sanitize(&[RawNode::from_element(div)]);
        assert!(!xhtml::plain_text(&safe).contains("__kith_pwned"));
        // Mallory's claim stays a claim (the feed attributes the item to its owner).
        let romeo = jid("romeo@montague.example");
        assert_eq!(entry.claimed_author(), Some(jid("mallory@evil.example")));
        // Mallory's name goes with Mallory's claim.
        assert_eq!(entry.name_of(&romeo), None);
        let mallory = jid("mallory@evil.example");
        assert!(entry
            .name_of(&mallory)
            .is_some_and(|n| n.contains("script")));
        let mut unclaimed = entry.clone();
        unclaimed.author_uri = None;
        assert_eq!(unclaimed.name_of(&romeo), entry.name_of(&mallory));
    }

    #[test]
    fn minimal_post() {
        let entry = parse("minimal-post");
        assert_eq!(entry.id, "min-1");
        assert_eq!(entry.title, "Just a title");
        assert_eq!(entry.content, Content::Empty);
        assert_eq!(entry.updated, date("2026-01-15T08:00:00Z"));
        assert_eq!(entry.published, entry.updated);
        assert_eq!(entry.published_or_updated_ms(), Some(1_768_464_000_000));
        assert_eq!(entry.author_uri, None);
        assert_eq!(entry.claimed_author(), None);
    }

    #[test]
    fn every_fixture_round_trips() {
        for name in [
            "movim-post",
            "movim-comment",
            "movim-like",
            "spec-text-post",
            "html-post",
            "hostile-post",
            "minimal-post",
        ] {
            let entry = parse(name);
            let xml = String::from(&entry.to_element());
            let again = Entry::parse(&xml.parse().unwrap()).unwrap();
            assert_eq!(again, entry, "{name}: {xml}");
        }
    }

    fn now() -> DateTime {
        "2026-05-01T10:00:00Z".parse().unwrap()
    }

    fn romeos_post() -> Entry {
        let romeo = jid("romeo@montague.example");
        let comments = CommentsLink::for_post(Jid::new("pubsub.montague.example").unwrap(), "p-1");
        let draft = PostDraft {
            title: " Spring ".into(),
            markdown: "We walked the **ridge** <today>. #Hiking\n\n- blossom\n- wind".into(),
            tags: vec!["Spring".into(), "hiking".into()],
            enclosures: vec![Link {
                href: "https://upload.montague.example/hills.jpg".into(),
                media_type: Some("image/jpeg".into()),
                title: Some("hills.jpg".into()),
                length: Some(2048),
            }],
            related: vec![],
        };
        Entry::new_post("p-1", &romeo, Some("Romeo"), draft, Some(comments), now())
    }

    #[test]
    fn published_post_follows_movims_reader_rules() {
        let element = romeos_post().to_element();
        let xml = String::from(&element);
        let child = |name: &str| element.get_child(name, ns::ATOM).unwrap();
        assert_eq!(child("title").text(), "Spring");
        assert_eq!(child("id").text(), "p-1");
        assert_eq!(child("updated").text(), "2026-05-01T10:00:00Z");
        assert_eq!(child("published").text(), "2026-05-01T10:00:00Z");
        let author = child("author");
        assert_eq!(
            author.get_child("uri", ns::ATOM).unwrap().text(),
            "xmpp:romeo@montague.example"
        );
        assert_eq!(author.get_child("name", ns::ATOM).unwrap().text(), "Romeo");
        let links: Vec<_> = element
            .children()
            .filter(|c| c.is("link", ns::ATOM))
            .map(|l| {
                (
                    l.attr("rel").unwrap(),
                    l.attr("href").unwrap(),
                    l.attr("title"),
                )
            })
            .collect();
        assert_eq!(
            links,
            [
                (
                    "enclosure",
                    "https://upload.montague.example/hills.jpg",
                    Some("hills.jpg")
                ),
                (
                    "alternate",
                    "xmpp:romeo@montague.example?;node=urn:xmpp:microblog:0;item=p-1",
                    None
                ),
                (
                    "replies",
                    "xmpp:pubsub.montague.example?;node=urn:xmpp:microblog:0:comments/p-1",
                    Some("comments")
                ),
            ]
        );
        let contents: Vec<_> = element
            .children()
            .filter(|c| c.is("content", ns::ATOM))
            .collect();
        assert_eq!(contents.len(), 2);
        assert_eq!(contents[0].attr("type"), Some("xhtml"));
        assert!(xml.contains(
            "<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>We walked the <strong>ridge</strong> &lt;today&gt;. #Hiking</p><ul><li>blossom</li><li>wind</li></ul></div></content>"
        ), "{xml}");
        assert_eq!(contents[1].attr("type"), Some("text"));
        assert_eq!(
            contents[1].text(),
            "We walked the **ridge** <today>. #Hiking\n\n- blossom\n- wind"
        );
        let terms: Vec<_> = element
            .children()
            .filter(|c| c.is("category", ns::ATOM))
            .filter_map(|c| c.attr("term"))
            .collect();
        assert_eq!(terms, ["spring", "hiking"]);
        assert!(xml.contains("length='2048'"));
    }

    #[test]
    fn new_entries_round_trip() {
        let post = romeos_post();
        assert_eq!(Entry::parse(&post.to_element()).unwrap(), post);
        let xml = String::from(&post.to_element());
        assert_eq!(Entry::parse(&xml.parse().unwrap()).unwrap(), post);

        let romeo = jid("romeo@montague.example");
        let comment = Entry::new_comment("c-1", &romeo, None, "Lovely.\nTruly.", now());
        let parsed = Entry::parse(&comment.to_element()).unwrap();
        assert_eq!(parsed, comment);
        assert_eq!(parsed.title, "Lovely.\nTruly.");
        assert!(!parsed.is_like());

        let like = Entry::new_like("l-1", &romeo, now());
        let element = like.to_element();
        assert_eq!(element.get_child("title", ns::ATOM).unwrap().text(), "♥");
        assert!(element.get_child("content", ns::ATOM).is_none());
        assert!(Entry::parse(&element).unwrap().is_like());
    }

    #[test]
    fn malformed_entries() {
        let parse_xml = |xml: &str| Entry::parse(&xml.parse().unwrap());
        assert_eq!(
            parse_xml("<entry xmlns='urn:not-atom'><title>x</title></entry>"),
            Err(ParseError::NotAnEntry)
        );
        assert_eq!(
            parse_xml("<item xmlns='http://www.w3.org/2005/Atom'><title>x</title></item>"),
            Err(ParseError::NotAnEntry)
        );
        assert_eq!(
            parse_xml(
                "<entry xmlns='http://www.w3.org/2005/Atom'><id>x</id><title>  </title></entry>"
            ),
            Err(ParseError::NoTitleOrContent)
        );
        // No title but a body: shown with an empty title. Garbage dates are no dates.
        let entry = parse_xml(
            "<entry xmlns='http://www.w3.org/2005/Atom'><content>body</content>\
             <published>yesterday</published><updated>2026-13-45T99:00:00Z</updated>\
             <link rel='enclosure' href='https://e.example/f' length='-3'/>\
             <link rel='replies' title='comments' href='xmpp:?;node=x'/>\
             <link rel='replies' title='comments' href='https://e.example/comments'/>\
             <category term=' #Tag '/><category term='TAG'/><category/></entry>",
        )
        .unwrap();
        assert_eq!((entry.id.as_str(), entry.title.as_str()), ("", ""));
        assert_eq!(entry.content, Content::Text("body".into()));
        assert_eq!(
            (entry.published.clone(), entry.updated.clone()),
            (None, None)
        );
        assert_eq!(entry.published_or_updated_ms(), None);
        assert_eq!(entry.enclosures[0].length, None);
        assert_eq!(entry.comments, None);
        assert_eq!(entry.categories, ["tag"]);
        // An offset date sorts by its instant.
        let entry = parse_xml(
            "<entry xmlns='http://www.w3.org/2005/Atom'><title>t</title><updated>2026-01-15T10:00:00+02:00</updated></entry>",
        )
        .unwrap();
        assert_eq!(entry.published_or_updated_ms(), Some(1_768_464_000_000));
        assert!(String::from(&entry.to_element())
            .contains("<updated>2026-01-15T10:00:00+02:00</updated>"));
    }

    #[test]
    fn title_and_content_variants() {
        let entry = Entry::parse(
            &"<entry xmlns='http://www.w3.org/2005/Atom'>\
              <title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>Hello <b>bold</b>\n  <script>x()</script>world</div></title>\
              <content type='text'>source</content>\
              <content type='html'>&lt;p&gt;html&lt;/p&gt;</content>\
              <content type='xhtml'><p xmlns='http://www.w3.org/1999/xhtml'>bare</p></content></entry>"
                .parse()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(entry.title, "Hello bold world");
        let Content::Xhtml(div) = &entry.content else {
            panic!()
        };
        assert_eq!(
            String::from(div),
            "<div xmlns='http://www.w3.org/1999/xhtml'><p>bare</p></div>"
        );
        assert_eq!(entry.source.as_deref(), Some("source"));
    }

    #[test]
    fn huge_and_deep_input_does_not_panic() {
        let deep = format!(
            "<div xmlns='http://www.w3.org/1999/xhtml'>{}x{}</div>",
            "<span>".repeat(2_000),
            "</span>".repeat(2_000)
        );
        let xml = format!(
            "<entry xmlns='http://www.w3.org/2005/Atom'><title type='xhtml'>{deep}</title>\
             <content type='xhtml'>{deep}</content><content>{}</content></entry>",
            "long text ".repeat(20_000)
        );
        let entry = Entry::parse(&xml.parse().unwrap()).unwrap();
        // Beyond the depth limit the text is gone, but nothing broke.
        assert!(entry.title.is_empty());
        assert_eq!(entry.source.map(|s| s.len()), Some(199_999));
    }

    #[test]
    fn xmpp_uris() {
        let uri = XmppUri::parse("XMPP://me@x.example/pubsub.x.example?pubsub;action=subscribe;node=a%2Fb%3Bc;item=%E2%99%A5").unwrap();
        assert_eq!(uri.jid, Jid::new("pubsub.x.example").unwrap());
        assert_eq!(uri.action.as_deref(), Some("pubsub"));
        assert_eq!(uri.node.as_deref(), Some("a/b;c"));
        assert_eq!(uri.item.as_deref(), Some("♥"));
        assert_eq!(XmppUri::parse("xmpp:"), None);
        assert_eq!(XmppUri::parse("http://x.example/"), None);
        assert_eq!(XmppUri::parse("xmpp:a@b@c"), None);
        assert_eq!(
            XmppUri::parse("xmpp:x.example?;node=%FF"),
            Some(XmppUri {
                jid: Jid::new("x.example").unwrap(),
                action: None,
                node: None,
                item: None,
            })
        );
        let link = CommentsLink {
            service: Jid::new("c.example").unwrap(),
            node: "odd node;=?#".into(),
        };
        assert_eq!(link.uri(), "xmpp:c.example?;node=odd%20node%3B%3D%3F%23");
        assert_eq!(CommentsLink::parse(&link.uri()), Some(link));
    }
}
