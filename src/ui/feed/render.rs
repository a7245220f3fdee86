//! Untrusted post content as DOM nodes, built one by one: never `innerHTML`.
//!
//! Tag and attribute names come from the sanitiser's own `&'static str`s; only values are
//! the sender's, and `set_attribute` / `create_text_node` treat them as data. An image its
//! [`ImageSources`] do not allow becomes a text placeholder without any address, so it
//! makes no request at all until the person allows it.

use wasm_bindgen::JsCast;
use web_sys::{Document, DomParser, Element, Node, SupportedType};

use crate::proto::xep0277::Link;
use crate::proto::xhtml::{self, RawNode, SafeNode, MAX_DEPTH, MAX_NODES};
use crate::service::images::{host_of, ImageSources, Load};
use crate::state::feed::Body;

/// What a post shows under its byline, compared as a whole so that the DOM is rebuilt only
/// when it really changed (not when a like or a comment count did).
#[derive(Clone, Debug, PartialEq)]
pub struct Content {
    pub body: Body,
    pub images: Vec<Link>,
    pub files: Vec<Link>,
    pub related: Vec<Link>,
    pub tags: Vec<String>,
}

/// Builds one post's nodes, counting the images held back for the person to allow.
struct Builder<'a> {
    document: &'a Document,
    sources: &'a ImageSources,
    held: usize,
}

/// Replaces the children of `parent` with the post's content. Returns how many images
/// wait for **Show image**.
pub fn fill(parent: &Element, content: &Content, sources: &ImageSources) -> usize {
    let Some(document) = parent.owner_document() else {
        return 0;
    };
    parent.set_text_content(None);
    let mut builder = Builder {
        document: &document,
        sources,
        held: 0,
    };
    match &content.body {
        Body::Nodes(nodes) => builder.append(parent, nodes),
        Body::Html(html) => builder.append(parent, &html_to_nodes(html)),
    }
    if let Some(images) = builder.images(&content.images) {
        let _ = parent.append_child(&images);
    }
    if let Some(files) = builder.links(&content.files, "ul", "post-files") {
        let _ = parent.append_child(&files);
    }
    if let Some(related) = builder.links(&content.related, "div", "post-links") {
        let _ = parent.append_child(&related);
    }
    if !content.tags.is_empty() {
        let _ = parent.append_child(&tags(&document, &content.tags));
    }
    builder.held
}

/// Appends sanitised nodes under `parent`, images as `sources` allow. Returns how many
/// images were held back.
pub fn append(
    document: &Document,
    parent: &Node,
    nodes: &[SafeNode],
    sources: &ImageSources,
) -> usize {
    let mut builder = Builder {
        document,
        sources,
        held: 0,
    };
    builder.append(parent, nodes);
    builder.held
}

impl Builder<'_> {
    fn append(&mut self, parent: &Node, nodes: &[SafeNode]) {
        for node in nodes {
            if let Some(child) = self.build(node) {
                let _ = parent.append_child(&child);
            }
        }
    }

    fn build(&mut self, node: &SafeNode) -> Option<Node> {
        match node {
            SafeNode::Text(text) => Some(self.document.create_text_node(text).into()),
            SafeNode::Element { tag, attrs, .. } if *tag == "img" => {
                let attr = |name| attrs.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
                match attr("src") {
                    Some(src) => self.image(src, attr("alt").map_or("", |a| a), attrs),
                    // An image without an address is its alt text.
                    None => attr("alt").map(|alt| self.document.create_text_node(alt).into()),
                }
            }
            SafeNode::Element {
                tag,
                attrs,
                children,
            } => {
                let element = self.document.create_element(tag).ok()?;
                for (name, value) in attrs {
                    let _ = element.set_attribute(name, value);
                }
                self.append(&element, children);
                Some(element.into())
            }
        }
    }

    /// An `img` if `sources` allow `src`, else a placeholder that names the host.
    fn image(&mut self, src: &str, alt: &str, attrs: &[(&'static str, String)]) -> Option<Node> {
        let load = self.sources.load(src);
        if load != Load::Now {
            return Some(self.held(src, alt, load));
        }
        let img = self.document.create_element("img").ok()?;
        for (name, value) in attrs {
            let _ = img.set_attribute(name, value);
        }
        if !attrs.iter().any(|(k, _)| *k == "alt") {
            let _ = img.set_attribute("alt", alt);
        }
        lazy_image(&img);
        Some(img.into())
    }

    /// What stands in for an image not loaded: its alt text and where it would come from.
    fn held(&mut self, src: &str, alt: &str, load: Load) -> Node {
        let label = match alt.trim() {
            "" => "Image",
            alt => alt,
        };
        let why = if load == Load::Ask {
            self.held += 1;
            let host = host_of(src).unwrap_or_else(|| "another site".into());
            format!(" (not loaded, from {host})")
        } else {
            " (not loaded: its address is not secure)".to_owned()
        };
        let (Ok(span), Ok(bdi)) = (
            self.document.create_element("span"),
            self.document.create_element("bdi"),
        ) else {
            return self
                .document
                .create_text_node(&format!("{label}{why}"))
                .into();
        };
        let _ = span.set_attribute("class", "image-held");
        // The alt text is the sender's: isolated, it cannot reorder the explanation.
        bdi.set_text_content(Some(label));
        let _ = span.append_child(&bdi);
        let _ = span.append_with_str_1(&why);
        span.into()
    }

    /// Image enclosures, shown inline: web URLs only, since an image loads by itself.
    fn images(&mut self, images: &[Link]) -> Option<Element> {
        let container = self.document.create_element("div").ok()?;
        let _ = container.set_attribute("class", "post-images");
        let mut any = false;
        for link in images {
            let Some(src) = xhtml::safe_url(&link.href).filter(|u| is_web(u)) else {
                continue;
            };
            let alt = link.title.as_deref().unwrap_or_default();
            if let Some(image) = self.image(&src, alt, &[("src", src.clone())]) {
                let _ = container.append_child(&image);
                any = true;
            }
        }
        any.then_some(container)
    }

    /// Attachments or related links, each a link whose text is its title or URL.
    fn links(&mut self, links: &[Link], tag: &str, class: &str) -> Option<Element> {
        let container = self.document.create_element(tag).ok()?;
        let _ = container.set_attribute("class", class);
        let mut any = false;
        for link in links {
            let text = link.title.clone().unwrap_or_else(|| file_name(&link.href));
            let Ok(anchor) = xhtml::anchor(&link.href, vec![SafeNode::Text(text)]) else {
                continue;
            };
            let Some(anchor) = self.build(&anchor) else {
                continue;
            };
            let item = if tag == "ul" {
                let Ok(li) = self.document.create_element("li") else {
                    continue;
                };
                let _ = li.append_child(&anchor);
                li.into()
            } else {
                anchor
            };
            let _ = container.append_child(&item);
            any = true;
        }
        any.then_some(container)
    }
}

/// Images that may load do so only when scrolled to, and tell their host nothing of Kith.
fn lazy_image(img: &Element) {
    let _ = img.set_attribute("loading", "lazy");
    let _ = img.set_attribute("decoding", "async");
    let _ = img.set_attribute("referrerpolicy", "no-referrer");
}

/// `content type="html"` through the browser's parser, then the allowlist. A DOMParser
/// document has no browsing context: its scripts never run and its images never load.
pub fn html_to_nodes(html: &str) -> Vec<SafeNode> {
    let parsed = DomParser::new().and_then(|p| p.parse_from_string(html, SupportedType::TextHtml));
    let Some(body) = parsed.ok().and_then(|doc| doc.body()) else {
        return xhtml::text_to_nodes(html);
    };
    let mut budget = MAX_NODES;
    xhtml::sanitize(&raw_children(&body, 0, &mut budget))
}

/// The parsed DOM as [`RawNode`]s, cut at the sanitiser's limits so that a hostile depth
/// cannot exhaust the stack here either.
fn raw_children(parent: &Node, depth: usize, budget: &mut usize) -> Vec<RawNode> {
    let mut out = Vec::new();
    if depth > MAX_DEPTH {
        return out;
    }
    let mut next = parent.first_child();
    while let Some(node) = next {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        match node.node_type() {
            Node::ELEMENT_NODE => {
                let element: &Element = node.unchecked_ref();
                let attrs = element
                    .get_attribute_names()
                    .iter()
                    .filter_map(|name| name.as_string())
                    .filter_map(|name| {
                        let value = element.get_attribute(&name)?;
                        Some((name.to_ascii_lowercase(), value))
                    })
                    .collect();
                out.push(RawNode::Element {
                    name: element.local_name().to_ascii_lowercase(),
                    attrs,
                    children: raw_children(&node, depth + 1, budget),
                });
            }
            Node::TEXT_NODE | Node::CDATA_SECTION_NODE => {
                out.push(RawNode::Text(node.node_value().unwrap_or_default()));
            }
            // Comments and processing instructions say nothing to a reader.
            _ => {}
        }
        next = node.next_sibling();
    }
    out
}

/// The last path segment of a URL, else the URL: what a file link says without a title.
fn file_name(href: &str) -> String {
    href.split(['?', '#'])
        .next()
        .and_then(|path| path.rsplit('/').find(|s| !s.is_empty()))
        .filter(|name| !name.contains(':'))
        .unwrap_or(href)
        .to_owned()
}

fn tags(document: &Document, tags: &[String]) -> Node {
    let Ok(container) = document.create_element("p") else {
        return document.create_text_node("").into();
    };
    let _ = container.set_attribute("class", "post-tags");
    for tag in tags {
        if let Ok(span) = document.create_element("span") {
            span.set_text_content(Some(&format!("#{tag}")));
            let _ = container.append_child(&span);
        }
    }
    container.into()
}

fn is_web(url: &str) -> bool {
    url.starts_with("https:") || url.starts_with("http:")
}
