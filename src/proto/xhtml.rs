//! The allowlist every piece of untrusted markup goes through before it becomes DOM.
//!
//! Posts arrive as XHTML (already parsed by minidom), as escaped HTML (parsed in the browser
//! with DOMParser) or as plain text. The first two become [`RawNode`] trees, [`sanitize`]
//! walks them against an allowlist and yields [`SafeNode`]s, whose tags and attribute names
//! are `'static` strings of our own: nothing the sender wrote can name an element or an
//! attribute, and the UI builds DOM nodes from them, never `innerHTML`.

use crate::proto::ns::XHTML;
use minidom::rxml::{Namespace, NcName};
use minidom::{Element, Node};

/// Deeper markup is dropped: no post needs it, and it could exhaust the stack.
pub const MAX_DEPTH: usize = 32;
/// At most this many nodes are read from one post and emitted for it, so a hostile post
/// cannot make the DOM huge.
pub const MAX_NODES: usize = 5_000;

/// Markup as a parser saw it, before any judgement: the common input of XHTML from
/// minidom and HTML from the browser's DOMParser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawNode {
    Element {
        /// Local name, lowercased.
        name: String,
        attrs: Vec<(String, String)>,
        children: Vec<RawNode>,
    },
    Text(String),
}

/// Markup that passed the allowlist: safe to turn into DOM nodes as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SafeNode {
    Element {
        tag: &'static str,
        attrs: Vec<(&'static str, String)>,
        children: Vec<SafeNode>,
    },
    Text(String),
}

/// Kept, with the attributes [`safe_attrs`] allows.
#[rustfmt::skip]
const ALLOWED: &[&str] = &[
    "p", "br", "strong", "em", "b", "i", "u", "s", "del", "ins", "code", "pre", "blockquote",
    "q", "cite", "ul", "ol", "li", "a", "img", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "span",
    "div", "sub", "sup", "figure", "figcaption", "abbr", "small", "mark", "dl", "dt", "dd",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
];

/// Dropped with everything inside: their content is code, foreign markup, or controls
/// that act on the page. Any other unknown element is unwrapped to its children.
#[rustfmt::skip]
const DROPPED: &[&str] = &[
    "script", "style", "template", "svg", "math", "iframe", "frame", "frameset", "object",
    "embed", "applet", "param", "form", "input", "button", "select", "option", "optgroup",
    "textarea", "datalist", "output", "noscript", "noembed", "noframes", "link", "meta", "base",
    "head", "title", "canvas", "audio", "video", "source", "track", "picture", "portal",
    "dialog", "xmp", "plaintext", "map", "area", "slot",
];

/// Elements that never have children.
const VOID: &[&str] = &["br", "hr", "img"];

impl RawNode {
    pub fn text(text: impl Into<String>) -> RawNode {
        RawNode::Text(text.into())
    }

    pub fn element(name: &str, attrs: &[(&str, &str)], children: Vec<RawNode>) -> RawNode {
        RawNode::Element {
            name: name.to_ascii_lowercase(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
                .collect(),
            children,
        }
    }

    /// Converts parsed XHTML, keeping only attributes without a namespace (`xlink:href`
    /// must not pass for `href`). Element namespaces are ignored: the allowlist decides by
    /// local name, and whatever passes is rendered as HTML. Depth and size are capped here
    /// already, so the tree handed on is bounded.
    pub fn from_element(element: &Element) -> RawNode {
        let mut budget = MAX_NODES;
        RawNode::from_element_within(element, 0, &mut budget)
    }

    fn from_element_within(element: &Element, depth: usize, budget: &mut usize) -> RawNode {
        *budget = budget.saturating_sub(1);
        let attrs = element
            .attrs()
            .iter()
            .filter(|((ns, _), _)| ns.is_none())
            .map(|((_, name), value)| (name.to_ascii_lowercase(), value.clone()))
            .collect();
        let mut children = Vec::new();
        if depth < MAX_DEPTH {
            for node in element.nodes() {
                if *budget == 0 {
                    break;
                }
                children.push(match node {
                    Node::Element(child) => RawNode::from_element_within(child, depth + 1, budget),
                    Node::Text(text) => {
                        *budget -= 1;
                        RawNode::Text(text.clone())
                    }
                });
            }
        }
        RawNode::Element {
            name: element.name().to_ascii_lowercase(),
            attrs,
            children,
        }
    }
}

/// A copy of parsed XHTML cut at the limits [`sanitize`] applies anyway. minidom clones,
/// compares and drops elements recursively, so a hostile depth must not travel further
/// than the stanza it came in.
pub fn bounded_copy(element: &Element) -> Element {
    let mut budget = MAX_NODES;
    bounded_copy_within(element, 0, &mut budget)
}

fn bounded_copy_within(element: &Element, depth: usize, budget: &mut usize) -> Element {
    *budget = budget.saturating_sub(1);
    let mut copy = Element::bare(element.name(), element.ns());
    for ((ns, name), value) in element.attrs().iter() {
        copy.set_attr(ns.clone(), name.clone(), value.as_str());
    }
    if depth < MAX_DEPTH {
        for node in element.nodes() {
            if *budget == 0 {
                break;
            }
            match node {
                Node::Element(child) => {
                    copy.append_child(bounded_copy_within(child, depth + 1, budget));
                }
                Node::Text(text) => {
                    *budget -= 1;
                    copy.append_text_node(text.as_str());
                }
            }
        }
    }
    copy
}

/// Walks untrusted markup against the allowlist.
pub fn sanitize(nodes: &[RawNode]) -> Vec<SafeNode> {
    let mut out = Vec::new();
    let mut budget = MAX_NODES;
    sanitize_into(nodes, 0, &mut budget, &mut out);
    out
}

fn sanitize_into(nodes: &[RawNode], depth: usize, budget: &mut usize, out: &mut Vec<SafeNode>) {
    if depth > MAX_DEPTH {
        return;
    }
    for node in nodes {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let (name, attrs, children) = match node {
            RawNode::Text(text) => {
                push_text(out, text);
                continue;
            }
            RawNode::Element {
                name,
                attrs,
                children,
            } => (name.to_ascii_lowercase(), attrs, children),
        };
        if DROPPED.contains(&name.as_str()) {
            continue;
        }
        let Some(tag) = ALLOWED.iter().copied().find(|t| *t == name) else {
            sanitize_into(children, depth + 1, budget, out);
            continue;
        };
        let attrs = safe_attrs(tag, attrs);
        let lookup = |key: &str| attrs.iter().find(|(k, _)| *k == key).map(|(_, v)| v);
        if tag == "a" && lookup("href").is_none() {
            // A link that may not point anywhere is just its text.
            sanitize_into(children, depth + 1, budget, out);
            continue;
        }
        if tag == "img" && lookup("src").is_none() {
            if let Some(alt) = lookup("alt") {
                push_text(out, alt);
            }
            continue;
        }
        let mut safe_children = Vec::new();
        if !VOID.contains(&tag) {
            sanitize_into(children, depth + 1, budget, &mut safe_children);
        }
        out.push(SafeNode::Element {
            tag,
            attrs,
            children: safe_children,
        });
    }
}

/// The attributes a kept element may carry: no `style` (CSS can load URLs), no `class`
/// or `id` (they would hook into our own stylesheet and scripts), no event handlers.
fn safe_attrs(tag: &'static str, raw: &[(String, String)]) -> Vec<(&'static str, String)> {
    let get = |name: &str| {
        raw.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let number = |name: &'static str| {
        get(name)
            .map(str::trim)
            .filter(|v| (1..=4).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()))
            .map(|v| (name, v.to_owned()))
    };
    let mut attrs = Vec::new();
    if let Some(title) = get("title") {
        attrs.push(("title", title.to_owned()));
    }
    match tag {
        "a" => {
            if let Some(href) = get("href").and_then(safe_url) {
                attrs.extend(link_attrs(href));
            }
        }
        "img" => {
            // An image loads by itself, so only web URLs: xmpp: and mailto: make no sense.
            if let Some(src) = get("src").and_then(safe_url).filter(|u| is_web(u)) {
                attrs.push(("src", src));
                if let Some(alt) = get("alt") {
                    attrs.push(("alt", alt.to_owned()));
                }
                attrs.extend(number("width"));
                attrs.extend(number("height"));
            } else if let Some(alt) = get("alt").filter(|a| !a.trim().is_empty()) {
                attrs.push(("alt", alt.to_owned()));
            }
        }
        "ol" => attrs.extend(number("start")),
        "td" | "th" => {
            attrs.extend(number("colspan"));
            attrs.extend(number("rowspan"));
        }
        _ => {}
    }
    attrs
}

/// `href` plus, for web links, a new tab that cannot reach back into Kith.
fn link_attrs(href: String) -> Vec<(&'static str, String)> {
    let web = is_web(&href);
    let mut attrs = vec![("href", href)];
    if web {
        attrs.push(("rel", "noopener noreferrer".to_owned()));
        attrs.push(("target", "_blank".to_owned()));
    }
    attrs
}

fn is_web(url: &str) -> bool {
    url.starts_with("https:") || url.starts_with("http:")
}

/// An `a` element for `href` if it is safe, else `children` back to be shown unlinked.
pub(crate) fn anchor(href: &str, children: Vec<SafeNode>) -> Result<SafeNode, Vec<SafeNode>> {
    match safe_url(href) {
        Some(href) => Ok(SafeNode::Element {
            tag: "a",
            attrs: link_attrs(href),
            children,
        }),
        None => Err(children),
    }
}

/// The URL if its scheme is `http`, `https`, `xmpp` or `mailto`, normalised; else `None`.
///
/// Browsers ignore ASCII whitespace and control characters around a URL and tabs and
/// newlines inside it, so `" java\tscript:"` is `javascript:` to them; the scheme is
/// compared after the same clean-up. Relative URLs are refused: a post has no base, so
/// they would resolve against Kith's own origin, which the author cannot mean.
pub fn safe_url(raw: &str) -> Option<String> {
    let raw = raw.trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control());
    let (scheme, rest) = raw.split_once(':')?;
    let scheme: String = scheme
        .chars()
        .filter(|c| !(c.is_ascii_whitespace() || c.is_ascii_control()))
        .collect::<String>()
        .to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https" | "xmpp" | "mailto") {
        return None;
    }
    if rest
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return None;
    }
    let rest: String = rest
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .replace(' ', "%20");
    let web = scheme.starts_with("http");
    if rest.is_empty() || (web && (!rest.starts_with("//") || rest.len() == 2)) {
        return None;
    }
    Some(format!("{scheme}:{rest}"))
}

/// Plain text (`content type="text"`) as paragraphs: blank lines separate paragraphs,
/// single newlines become `br`, web URLs and `xmpp:` URIs become links.
pub fn text_to_nodes(text: &str) -> Vec<SafeNode> {
    let mut paragraphs = Vec::new();
    let mut children = Vec::new();
    let mut budget = MAX_NODES;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim().is_empty() {
            if !children.is_empty() {
                paragraphs.push(element("p", std::mem::take(&mut children)));
            }
            continue;
        }
        if budget == 0 {
            // Past the budget the rest stays one text node rather than disappearing.
            let rest: Vec<&str> = std::iter::once(line).chain(lines).collect();
            push_text(&mut children, &rest.join("\n"));
            break;
        }
        if !children.is_empty() {
            children.push(br());
        }
        linkify(line, &mut children);
        budget = budget.saturating_sub(2);
    }
    if !children.is_empty() {
        paragraphs.push(element("p", children));
    }
    paragraphs
}

/// Appends `text` to `out`, with web URLs and `xmpp:` URIs made into links.
pub(crate) fn linkify(text: &str, out: &mut Vec<SafeNode>) {
    let mut rest = text;
    while let Some((start, end)) = find_url(rest) {
        push_text(out, &rest[..start]);
        let url = &rest[start..end];
        match anchor(url, vec![SafeNode::Text(url.to_owned())]) {
            Ok(link) => out.push(link),
            Err(_) => push_text(out, url),
        }
        rest = &rest[end..];
    }
    push_text(out, rest);
}

/// The byte range of the first URL in `s` that starts a word.
fn find_url(s: &str) -> Option<(usize, usize)> {
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        if matches!(c, 'h' | 'H' | 'x' | 'X') && prev.is_none_or(|p| !p.is_alphanumeric()) {
            if let Some(len) = url_len_at(&s[i..]) {
                return Some((i, i + len));
            }
        }
        prev = Some(c);
    }
    None
}

/// The length of the web URL or `xmpp:` URI `s` starts with, if it starts with one.
pub(crate) fn url_len_at(s: &str) -> Option<usize> {
    let prefix = ["https://", "http://", "xmpp:"]
        .into_iter()
        .find(|p| s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)))?;
    let len = s
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .unwrap_or(s.len());
    let len = trim_url_end(&s[..len]).len();
    (len > prefix.len()).then_some(len)
}

/// Sentence punctuation after a URL is not part of it; a closing parenthesis is, when
/// the URL opened one (Wikipedia-style links).
fn trim_url_end(url: &str) -> &str {
    let mut url = url;
    loop {
        let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'', '*', '_', '~']);
        let trimmed = match trimmed.strip_suffix(')') {
            Some(inner) if inner.matches('(').count() < trimmed.matches(')').count() => inner,
            _ => trimmed,
        };
        if trimmed.len() == url.len() {
            return url;
        }
        url = trimmed;
    }
}

/// Appends text, merging it with a text node just before (one DOM text node, not many).
pub(crate) fn push_text(out: &mut Vec<SafeNode>, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(SafeNode::Text(last)) => last.push_str(text),
        _ => out.push(SafeNode::Text(text.to_owned())),
    }
}

pub(crate) fn element(tag: &'static str, children: Vec<SafeNode>) -> SafeNode {
    SafeNode::Element {
        tag,
        attrs: Vec::new(),
        children,
    }
}

pub(crate) fn br() -> SafeNode {
    element("br", Vec::new())
}

/// The `<div xmlns='http://www.w3.org/1999/xhtml'>` of an XEP-0277 `content type="xhtml"`.
/// `rel` and `target` stay out: they are how Kith opens links, not part of the post.
pub fn to_xhtml_element(nodes: &[SafeNode]) -> Element {
    let mut div = Element::bare("div", XHTML);
    append_xhtml(&mut div, nodes);
    div
}

fn append_xhtml(parent: &mut Element, nodes: &[SafeNode]) {
    for node in nodes {
        match node {
            SafeNode::Text(text) => parent.append_text_node(text.as_str()),
            SafeNode::Element {
                tag,
                attrs,
                children,
            } => {
                let mut child = Element::bare(*tag, XHTML);
                for (name, value) in attrs {
                    if matches!(*name, "rel" | "target") {
                        continue;
                    }
                    if let Ok(name) = NcName::try_from(*name) {
                        child.set_attr(Namespace::NONE, name, value.as_str());
                    }
                }
                append_xhtml(&mut child, children);
                parent.append_child(child);
            }
        }
    }
}

/// The text a reader would see, block boundaries as spaces, whitespace collapsed: for
/// titles, notifications and previews.
pub fn plain_text(nodes: &[SafeNode]) -> String {
    #[rustfmt::skip]
    const INLINE: &[&str] = &[
        "a", "strong", "em", "b", "i", "u", "s", "del", "ins", "code", "q", "cite", "span",
        "sub", "sup", "abbr", "small", "mark",
    ];
    fn walk(nodes: &[SafeNode], out: &mut String) {
        for node in nodes {
            match node {
                SafeNode::Text(text) => out.push_str(text),
                SafeNode::Element { tag, children, .. } if INLINE.contains(tag) => {
                    walk(children, out)
                }
                SafeNode::Element { children, .. } => {
                    out.push(' ');
                    walk(children, out);
                    out.push(' ');
                }
            }
        }
    }
    let mut out = String::new();
    walk(nodes, &mut out);
    collapse_whitespace(&out)
}

pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain text from an HTML string (`type="html"` titles), without an HTML parser: tags
/// are removed, the content of `script` and `style` with them, and common entities
/// decoded. The result is shown as text, so a crafted string can garble it at worst.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let Some(gt) = rest[lt..].find('>') else {
            rest = &rest[lt..];
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        rest = &rest[lt + gt + 1..];
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(name.as_str(), "script" | "style") {
            let close = format!("</{name}");
            rest = match rest.to_ascii_lowercase().find(&close) {
                Some(i) => rest[i..].find('>').map_or("", |j| &rest[i + j + 1..]),
                None => "",
            };
        }
        out.push(' ');
    }
    out.push_str(&decode_entities(rest));
    collapse_whitespace(&out)
}

/// Decodes `&amp;`-style entities that HTML titles use; unknown ones stay as written.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest[1..].find(';').filter(|&i| i <= 10).and_then(|i| {
            let name = &rest[1..=i];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let code = match name.strip_prefix(['#']) {
                        Some(hex) if hex.starts_with(['x', 'X']) => {
                            u32::from_str_radix(&hex[1..], 16).ok()
                        }
                        Some(dec) => dec.parse().ok(),
                        None => None,
                    };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, i + 2))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// How deeply `nodes` nest: the tests' measure of a bounded tree.
#[cfg(test)]
pub(crate) fn depth(nodes: &[SafeNode]) -> usize {
    nodes
        .iter()
        .map(|n| match n {
            SafeNode::Element { children, .. } => 1 + depth(children),
            SafeNode::Text(_) => 0,
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = include_str!("../../tests/fixtures/xep0277/hostile-post.xml");

    fn el(name: &str, attrs: &[(&str, &str)], children: Vec<RawNode>) -> RawNode {
        RawNode::element(name, attrs, children)
    }

    fn text(t: &str) -> RawNode {
        RawNode::text(t)
    }

    /// Every element, depth first.
    fn all_elements(nodes: &[SafeNode]) -> Vec<&SafeNode> {
        let mut found = Vec::new();
        for node in nodes {
            if let SafeNode::Element { children, .. } = node {
                found.push(node);
                found.extend(all_elements(children));
            }
        }
        found
    }

    /// The invariants a sanitised tree must hold whatever went in.
    fn assert_inert(nodes: &[SafeNode]) {
        for node in all_elements(nodes) {
            let SafeNode::Element { tag, attrs, .. } = node else {
                unreachable!()
            };
            assert!(ALLOWED.contains(tag), "tag {tag}");
            for (name, value) in attrs {
                assert!(
                    ["title", "href", "rel", "target", "src", "alt", "width", "height", "start"]
                        .contains(name)
                        || ["colspan", "rowspan"].contains(name),
                    "attribute {name} on {tag}"
                );
                if matches!(*name, "href" | "src") {
                    assert_eq!(safe_url(value).as_deref(), Some(value.as_str()));
                }
            }
        }
        assert!(!plain_text(nodes).contains("__kith_pwned"));
    }

    fn hostile_div() -> Element {
        let entry: Element = HOSTILE.parse().unwrap();
        entry
            .children()
            .find(|c| c.name() == "content")
            .and_then(|c| c.get_child("div", XHTML))
            .unwrap()
            .clone()
    }

    #[test]
    fn hostile_fixture_is_neutralised() {
        let raw = RawNode::from_element(&hostile_div());
        let safe = sanitize(&[raw]);
        assert_inert(&safe);
        let text = plain_text(&safe);
        assert!(text.contains("still readable text"), "{text}");
        assert!(
            text.contains("click") && text.contains("spaced link") && text.contains("data link")
        );
        // The form's button and the SVG go with their content.
        assert!(!text.contains("go"), "{text}");
        // Nothing with a URL survived: every link in the fixture was hostile.
        assert!(all_elements(&safe).iter().all(|n| matches!(
            n,
            SafeNode::Element { attrs, .. } if attrs.iter().all(|(k, _)| *k != "href" && *k != "src")
        )));
        // The styled paragraph stays, without its style.
        assert!(all_elements(&safe).contains(&&element("p", vec![SafeNode::Text("styled".into())])));
    }

    #[test]
    fn html_fixture_content_as_the_browser_would_parse_it() {
        // <p>Version <b>2</b> is out.</p><script>…</script><p><a href="…">Changelog</a></p>
        let raw = vec![
            el(
                "p",
                &[],
                vec![
                    text("Version "),
                    el("b", &[], vec![text("2")]),
                    text(" is out."),
                ],
            ),
            el("script", &[], vec![text("window.__kith_pwned = 1")]),
            el(
                "p",
                &[],
                vec![el(
                    "a",
                    &[("href", "https://example.org/v2")],
                    vec![text("Changelog")],
                )],
            ),
        ];
        let safe = sanitize(&raw);
        assert_inert(&safe);
        assert_eq!(
            safe,
            vec![
                element(
                    "p",
                    vec![
                        SafeNode::Text("Version ".into()),
                        element("b", vec![SafeNode::Text("2".into())]),
                        SafeNode::Text(" is out.".into()),
                    ]
                ),
                element(
                    "p",
                    vec![SafeNode::Element {
                        tag: "a",
                        attrs: vec![
                            ("href", "https://example.org/v2".into()),
                            ("rel", "noopener noreferrer".into()),
                            ("target", "_blank".into()),
                        ],
                        children: vec![SafeNode::Text("Changelog".into())],
                    }]
                ),
            ]
        );
    }

    #[test]
    fn more_vectors() {
        let raw = vec![
            el(
                "IMG",
                &[("SRC", "x"), ("onerror", "window.__kith_pwned=1")],
                vec![],
            ),
            el(
                "img",
                &[
                    ("src", "https://e.example/a.png"),
                    ("onload", "x()"),
                    ("width", "12"),
                    ("height", "1e9"),
                ],
                vec![],
            ),
            el(
                "A",
                &[("HREF", "  javascript:window.__kith_pwned=1")],
                vec![text("a ")],
            ),
            el("a", &[("href", "JaVaScRiPt:alert(1)")], vec![text("b ")]),
            el("a", &[("href", "vbscript:msgbox")], vec![text("c ")]),
            el(
                "a",
                &[("href", "\u{1}javascript:alert(1)")],
                vec![text("d")],
            ),
            el(
                "svg",
                &[],
                vec![el("script", &[], vec![text("window.__kith_pwned=1")])],
            ),
            el(
                "p",
                &[
                    ("style", "background:url(https://t.example/p.png)"),
                    ("class", "x"),
                    ("id", "app"),
                ],
                vec![text("css")],
            ),
            el(
                "font",
                &[("color", "red")],
                vec![
                    el("noscript", &[], vec![text("window.__kith_pwned")]),
                    text("kept "),
                ],
            ),
            el(
                "math",
                &[],
                vec![el(
                    "mi",
                    &[("href", "javascript:x")],
                    vec![text("window.__kith_pwned")],
                )],
            ),
            el("template", &[], vec![text("window.__kith_pwned")]),
            el(
                "a",
                &[("href", "&#106;avascript:alert(1)")],
                vec![text("entity ")],
            ),
            el(
                "a",
                &[("href", "mailto:romeo@montague.example")],
                vec![text("mail ")],
            ),
            el(
                "a",
                &[("href", "xmpp:romeo@montague.example")],
                vec![text("chat")],
            ),
            el("br", &[], vec![text("void elements have no children")]),
        ];
        let safe = sanitize(&raw);
        assert_inert(&safe);
        let elements = all_elements(&safe);
        let img = elements
            .iter()
            .find(|n| matches!(n, SafeNode::Element { tag: "img", .. }))
            .unwrap();
        assert_eq!(
            **img,
            SafeNode::Element {
                tag: "img",
                attrs: vec![
                    ("src", "https://e.example/a.png".into()),
                    ("width", "12".into())
                ],
                children: vec![]
            }
        );
        // mailto: and xmpp: links stay, without the new-tab attributes.
        let links: Vec<_> = elements
            .iter()
            .filter_map(|n| match n {
                SafeNode::Element {
                    tag: "a", attrs, ..
                } => Some(attrs.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            links,
            vec![
                vec![("href", "mailto:romeo@montague.example".to_owned())],
                vec![("href", "xmpp:romeo@montague.example".to_owned())],
            ]
        );
        assert_eq!(plain_text(&safe), "a b c d css kept entity mail chat");
    }

    #[test]
    fn entities_in_parsed_xhtml_cannot_smuggle_markup() {
        let div: Element = "<div xmlns='http://www.w3.org/1999/xhtml'>&lt;script&gt;x&lt;/script&gt;<a href='&#x6A;avascript:x'>j</a></div>"
            .parse()
            .unwrap();
        let safe = sanitize(&[RawNode::from_element(&div)]);
        assert_eq!(
            safe,
            vec![element(
                "div",
                vec![SafeNode::Text("<script>x</script>j".into())]
            )]
        );
    }

    #[test]
    fn namespaced_attributes_do_not_pass_for_plain_ones() {
        let div: Element = "<div xmlns='http://www.w3.org/1999/xhtml' xmlns:x='urn:x'><a x:href='https://e.example/'>t</a></div>"
            .parse()
            .unwrap();
        assert_eq!(
            sanitize(&[RawNode::from_element(&div)]),
            vec![element("div", vec![SafeNode::Text("t".into())])]
        );
    }

    #[test]
    fn depth_and_size_are_bounded() {
        let mut deep = text("bottom");
        for _ in 0..10_000 {
            deep = el("div", &[], vec![deep]);
        }
        let safe = sanitize(std::slice::from_ref(&deep));
        assert!(depth(&safe) <= MAX_DEPTH + 1);
        // Dropping the deep tree iteratively so the test itself does not overflow.
        let mut next = Some(deep);
        while let Some(RawNode::Element { mut children, .. }) = next {
            next = children.pop();
        }

        let wide = vec![el("b", &[], vec![text("x")]); 100_000];
        assert!(all_elements(&sanitize(&wide)).len() <= MAX_NODES);

        let xml = format!(
            "<div xmlns='http://www.w3.org/1999/xhtml'>{}</div>",
            "<i>x</i>".repeat(20_000)
        );
        let RawNode::Element { children, .. } = RawNode::from_element(&xml.parse().unwrap()) else {
            unreachable!()
        };
        assert!(children.len() <= MAX_NODES);
    }

    #[test]
    fn safe_url_allows_four_schemes_only() {
        for ok in [
            "https://example.org/a b",
            " HTTP://example.org",
            "xmpp:romeo@montague.example?message",
            "mailto:juliet@capulet.example",
            "https://example.org/\npath",
        ] {
            assert!(safe_url(ok).is_some(), "{ok}");
        }
        assert_eq!(
            safe_url(" HTTPS://e.example/a b ").as_deref(),
            Some("https://e.example/a%20b")
        );
        assert_eq!(
            safe_url("ht\ttp://e.example/").as_deref(),
            Some("http://e.example/")
        );
        for bad in [
            "javascript:alert(1)",
            " JAVASCRIPT:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{0}javascript:alert(1)",
            "data:text/html,<script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "#hiking",
            "/relative/path",
            "//evil.example/",
            "relative:looking/but/not",
            "https:",
            "https://",
            "http:example.org",
            "https://e.example/\u{7}x",
            "",
        ] {
            assert_eq!(safe_url(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn plain_text_keeps_lines_and_links_urls() {
        let nodes = text_to_nodes(
            "Coffee first.\nThen the market: https://market.example/today.\n\n\nAsk xmpp:romeo@montague.example?message (or see https://en.example/wiki/X_(Y)).",
        );
        let link = |url: &str| anchor(url, vec![SafeNode::Text(url.into())]).unwrap();
        assert_eq!(
            nodes,
            vec![
                element(
                    "p",
                    vec![
                        SafeNode::Text("Coffee first.".into()),
                        br(),
                        SafeNode::Text("Then the market: ".into()),
                        link("https://market.example/today"),
                        SafeNode::Text(".".into()),
                    ]
                ),
                element(
                    "p",
                    vec![
                        SafeNode::Text("Ask ".into()),
                        link("xmpp:romeo@montague.example?message"),
                        SafeNode::Text(" (or see ".into()),
                        link("https://en.example/wiki/X_(Y)"),
                        SafeNode::Text(").".into()),
                    ]
                ),
            ]
        );
        // Not at a word start, or nothing after the scheme: no link.
        assert_eq!(
            text_to_nodes("abchttps://x.example and https:// and xmpp:"),
            vec![element(
                "p",
                vec![SafeNode::Text(
                    "abchttps://x.example and https:// and xmpp:".into()
                )]
            )]
        );
    }

    #[test]
    fn xhtml_element_round_trips_through_the_sanitiser() {
        let nodes = vec![
            element("p", vec![SafeNode::Text("a < b & c".into()), br()]),
            anchor("https://e.example/", vec![SafeNode::Text("e".into())]).unwrap(),
        ];
        let div = to_xhtml_element(&nodes);
        let xml = String::from(&div);
        assert_eq!(
            xml,
            "<div xmlns='http://www.w3.org/1999/xhtml'><p>a &lt; b &amp; c<br/></p><a href='https://e.example/'>e</a></div>"
        );
        assert_eq!(
            sanitize(&[RawNode::from_element(&xml.parse().unwrap())]),
            vec![element("div", nodes)]
        );
    }

    #[test]
    fn html_titles_become_text() {
        assert_eq!(
            html_to_text("Release &lt;em&gt;notes&lt;/em&gt;"),
            "Release <em>notes</em>"
        );
        assert_eq!(html_to_text("Release <em>notes</em>"), "Release notes");
        assert_eq!(
            html_to_text("a<script>x<b></b></SCRIPT>b &amp;&#x41;&#66;&bogus; <unterminated"),
            "a b &AB&bogus; <unterminated"
        );
        assert_eq!(
            html_to_text("&#xD800; &#99999999999; & ;"),
            "&#xD800; &#99999999999; & ;"
        );
    }
}
