//! The Markdown subset posts are written in (Movim's editor writes the same), rendered
//! by a small parser of our own: a full CommonMark crate would cost more bundle size than
//! the rest of the feed. The output is [`SafeNode`]s, built node by node, so text is
//! escaped by construction and every link goes through [`safe_url`](super::xhtml::safe_url).
//!
//! Blocks: paragraphs (each newline a line break, as people expect in a social post),
//! `#` headings, fenced code, `>` quotes, `-`/`*`/`+`/`1.` lists, `---` rules. Inline:
//! `**strong**`, `*em*`/`_em_`, `~~strike~~`, `` `code` ``, `[text](url)`, `![alt](url)`,
//! bare URLs, backslash escapes.

use minidom::Element;

use super::xhtml::{self, anchor, br, element, linkify, push_text, SafeNode};

/// Quotes and lists nest at most this deep, inline emphasis too; deeper markers stay text.
const MAX_NESTING: usize = 8;

/// Renders Markdown for display (previews use the same DOM builder as posts).
pub fn to_nodes(md: &str) -> Vec<SafeNode> {
    let lines: Vec<&str> = md.lines().collect();
    blocks(&lines, 0)
}

/// Renders Markdown to the `<div xmlns='http://www.w3.org/1999/xhtml'>` of a post.
pub fn to_xhtml(md: &str) -> Element {
    xhtml::to_xhtml_element(&to_nodes(md))
}

/// The `#tags` of a post, lowercased, each once, in order of appearance. `#` must start a
/// word and be followed by a letter or digit, so `# Heading`, `C#` and `&#39;` are not
/// tags; code, URLs and all-digit words (`#1`) are skipped too.
pub fn hashtags(md: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let mut open_fence: Option<&str> = None;
    for line in md.lines() {
        let trimmed = line.trim_start();
        if let Some(fence) = open_fence {
            if closes_fence(trimmed, fence) {
                open_fence = None;
            }
            continue;
        }
        if let Some(fence) = fence(trimmed) {
            open_fence = Some(fence);
            continue;
        }
        // Outside code spans: the even pieces between backticks.
        for piece in line.split('`').step_by(2) {
            for word in piece.split_whitespace() {
                let lower = word.to_ascii_lowercase();
                if lower.contains("://") || lower.contains("xmpp:") {
                    continue;
                }
                let mut prev: Option<char> = None;
                for (i, c) in word.char_indices() {
                    if c == '#' && prev.is_none_or(|p| !(p.is_alphanumeric() || "#&_".contains(p)))
                    {
                        let tag: String = word[i + 1..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
                            .collect();
                        let tag = super::lowercase(tag.trim_end_matches(['_', '-']));
                        let wordy = tag.chars().any(|c| !c.is_ascii_digit());
                        if !tag.is_empty() && wordy && !tags.contains(&tag) {
                            tags.push(tag);
                        }
                    }
                    prev = Some(c);
                }
            }
        }
    }
    tags
}

fn blocks(lines: &[&str], depth: usize) -> Vec<SafeNode> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            i += 1;
        } else if let Some(fence) = fence(trimmed) {
            let start = i + 1;
            i = start;
            while i < lines.len() && !closes_fence(lines[i].trim_start(), fence) {
                i += 1;
            }
            let code = lines[start..i].join("\n");
            i += 1;
            let mut text = Vec::new();
            push_text(&mut text, &code);
            out.push(element("pre", vec![element("code", text)]));
        } else if let Some((level, text)) = heading(trimmed) {
            const TAGS: [&str; 6] = ["h1", "h2", "h3", "h4", "h5", "h6"];
            out.push(element(TAGS[level - 1], inline(text, depth)));
            i += 1;
        } else if is_rule(trimmed) {
            out.push(element("hr", Vec::new()));
            i += 1;
        } else if trimmed.starts_with('>') && depth < MAX_NESTING {
            let mut quoted = Vec::new();
            while let Some(q) = lines.get(i).and_then(|l| l.trim_start().strip_prefix('>')) {
                quoted.push(q.strip_prefix(' ').unwrap_or(q));
                i += 1;
            }
            out.push(element("blockquote", blocks(&quoted, depth + 1)));
        } else if let Some(marker) = list_marker(line).filter(|_| depth < MAX_NESTING) {
            i = list(lines, i, marker, depth, &mut out);
        } else {
            let start = i;
            i += 1;
            while i < lines.len() && !lines[i].trim().is_empty() && !interrupts_paragraph(lines[i])
            {
                i += 1;
            }
            let text: Vec<&str> = lines[start..i].iter().map(|l| l.trim()).collect();
            out.push(element("p", inline(&text.join("\n"), depth)));
        }
    }
    out
}

/// A list starting at `lines[start]`; returns the index after it.
fn list(
    lines: &[&str],
    start: usize,
    first: Marker,
    depth: usize,
    out: &mut Vec<SafeNode>,
) -> usize {
    // Items of this list start left of the first item's content; markers further right
    // belong to a list nested in an item.
    let sibling = |line: &str| {
        list_marker(line).filter(|m| m.delim == first.delim && m.indent < first.content)
    };
    let mut items = Vec::new();
    let mut loose = false;
    let mut i = start;
    while let Some(marker) = lines.get(i).and_then(|l| sibling(l)) {
        let mut body = vec![&lines[i][marker.content..]];
        i += 1;
        while let Some(line) = lines.get(i) {
            let indent = indent_of(line);
            if line.trim().is_empty() {
                // A blank line stays in the item only if the item goes on after it.
                let next = lines[i..].iter().find(|l| !l.trim().is_empty());
                if next.is_none_or(|l| indent_of(l) < marker.content) {
                    break;
                }
                body.push("");
                loose = true;
            } else if indent >= marker.content {
                body.push(&line[marker.content..]);
            } else if list_marker(line).is_some() || interrupts_paragraph(line) {
                break;
            } else {
                // A lazy continuation line of the item's paragraph.
                body.push(line.trim_start());
            }
            i += 1;
        }
        items.push(body);
        let next = lines[i..].iter().position(|l| !l.trim().is_empty());
        match next {
            Some(k) if sibling(lines[i + k]).is_some() => {
                loose |= k > 0;
                i += k;
            }
            _ => break,
        }
    }
    let items = items
        .into_iter()
        .map(|body| {
            let mut children = blocks(&body, depth + 1);
            if !loose {
                // A tight list: item text is not wrapped in paragraphs.
                children = children
                    .into_iter()
                    .flat_map(|node| match node {
                        SafeNode::Element {
                            tag: "p", children, ..
                        } => children,
                        other => vec![other],
                    })
                    .collect();
            }
            element("li", children)
        })
        .collect();
    let mut list = element(if first.ordered { "ol" } else { "ul" }, items);
    if let (SafeNode::Element { attrs, .. }, true) = (&mut list, first.ordered && first.start != 1)
    {
        attrs.push(("start", first.start.to_string()));
    }
    out.push(list);
    i
}

struct Marker {
    indent: usize,
    /// `-`, `*`, `+`, `.` or `)`: a different one starts a new list.
    delim: u8,
    ordered: bool,
    start: u32,
    /// Byte offset of the item's content in its line.
    content: usize,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// `- `, `* `, `+ `, `1. ` or `1) ` after up to any indentation.
fn list_marker(line: &str) -> Option<Marker> {
    let indent = indent_of(line);
    let rest = &line[indent..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (ordered, len) = match rest.as_bytes().get(digits) {
        Some(b'.' | b')') if (1..=9).contains(&digits) => (true, digits + 1),
        Some(b'-' | b'*' | b'+') if digits == 0 => (false, 1),
        _ => return None,
    };
    let after = &rest[len..];
    if !(after.is_empty() || after.starts_with(' ')) || is_rule(rest) {
        return None;
    }
    Some(Marker {
        indent,
        delim: rest.as_bytes()[len - 1],
        ordered,
        start: rest[..digits].parse().unwrap_or(1),
        content: indent + len + usize::from(!after.is_empty()),
    })
}

/// A run of three or more backticks or tildes opening a code block.
fn fence(trimmed: &str) -> Option<&str> {
    let c = trimmed.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = trimmed.len() - trimmed.trim_start_matches(c).len();
    (len >= 3).then(|| &trimmed[..len])
}

fn closes_fence(trimmed: &str, fence: &str) -> bool {
    trimmed.starts_with(fence) && trimmed.trim_start_matches(&fence[..1]).trim().is_empty()
}

/// `# Title` to `###### Title`, with an optional closing run of `#`.
fn heading(trimmed: &str) -> Option<(usize, &str)> {
    let level = trimmed.len() - trimmed.trim_start_matches('#').len();
    let rest = &trimmed[level..];
    if !(1..=6).contains(&level) || !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let text = rest.trim();
    let without_closing = text.trim_end_matches('#');
    let text = if without_closing.is_empty() || without_closing.ends_with(' ') {
        without_closing.trim_end()
    } else {
        text
    };
    Some((level, text))
}

/// `---`, `***` or `___`, spaces allowed between.
fn is_rule(trimmed: &str) -> bool {
    let mut chars = trimmed.chars().filter(|c| *c != ' ' && *c != '\t');
    let Some(first) = chars.next().filter(|c| matches!(c, '-' | '*' | '_')) else {
        return false;
    };
    let mut count = 1;
    for c in chars {
        if c != first {
            return false;
        }
        count += 1;
    }
    count >= 3
}

/// Lines that end a paragraph without a blank line before them. An ordered list must
/// start at 1 to do so, so that "2024. A year" inside a paragraph stays text.
fn interrupts_paragraph(line: &str) -> bool {
    let trimmed = line.trim_start();
    fence(trimmed).is_some()
        || heading(trimmed).is_some()
        || is_rule(trimmed)
        || trimmed.starts_with('>')
        || list_marker(line)
            .is_some_and(|m| (!m.ordered || m.start == 1) && !line[m.content..].trim().is_empty())
}

/// Delimiter, element; longer delimiters first so `**` is not read as two `*`.
const EMPHASIS: [(&str, &str); 5] = [
    ("**", "strong"),
    ("__", "strong"),
    ("~~", "del"),
    ("*", "em"),
    ("_", "em"),
];

/// Inline markup of one block; newlines become `br`.
fn inline(text: &str, depth: usize) -> Vec<SafeNode> {
    let mut out = Vec::new();
    let mut plain = String::new();
    // Delimiters that have no closer after some position have none after any later one:
    // remembering that keeps "****…" linear instead of quadratic.
    let mut unclosed: Vec<&str> = Vec::new();
    let mut unclosed_ticks: Vec<usize> = Vec::new();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let rest = &text[i..];
        let prev = text[..i].chars().next_back();
        if c == '\\' {
            if let Some(escaped) = rest[1..].chars().next().filter(char::is_ascii_punctuation) {
                plain.push(escaped);
                i += 2;
                continue;
            }
        } else if c == '`' {
            let ticks = rest.len() - rest.trim_start_matches('`').len();
            let run = &rest[..ticks];
            let end = match unclosed_ticks.contains(&ticks) {
                true => None,
                false => code_span_end(&rest[ticks..], run),
            };
            if let Some(end) = end {
                flush(&mut plain, &mut out);
                let code = rest[ticks..ticks + end].replace('\n', " ");
                let code = match code.strip_prefix(' ').and_then(|c| c.strip_suffix(' ')) {
                    Some(inner) if !inner.trim().is_empty() => inner.to_owned(),
                    _ => code,
                };
                out.push(element("code", vec![SafeNode::Text(code)]));
                i += 2 * ticks + end;
            } else {
                unclosed_ticks.push(ticks);
                plain.push_str(run);
                i += ticks;
            }
            continue;
        } else if matches!(c, '*' | '_' | '~') && depth < MAX_NESTING {
            let found = EMPHASIS.iter().find_map(|&(delim, tag)| {
                if !rest.starts_with(delim)
                    || unclosed.contains(&delim)
                    || !can_open(text, i, delim)
                {
                    return None;
                }
                let close = find_closer(text, i + delim.len(), delim);
                if close.is_none() {
                    unclosed.push(delim);
                }
                close.map(|close| (delim, tag, close))
            });
            if let Some((delim, tag, close)) = found {
                flush(&mut plain, &mut out);
                let inner = inline(&text[i + delim.len()..close], depth + 1);
                out.push(element(tag, inner));
                i = close + delim.len();
                continue;
            }
        } else if (c == '[' || rest.starts_with("![")) && depth < MAX_NESTING {
            let image = c == '!';
            let label_start = i + 1 + usize::from(image);
            if let Some((label, url, end)) = link_parts(text, label_start) {
                flush(&mut plain, &mut out);
                if image {
                    push_node(&mut out, image_node(label, url));
                } else {
                    match anchor(url, inline(label, depth + 1)) {
                        Ok(link) => out.push(link),
                        Err(children) => children.into_iter().for_each(|n| push_node(&mut out, n)),
                    }
                }
                i = end;
                continue;
            }
        } else if prev.is_none_or(|p| !p.is_alphanumeric()) {
            // A bare URL is taken whole, so `_` or `*` inside it is not emphasis.
            if let Some(len) = xhtml::url_len_at(rest) {
                plain.push_str(&rest[..len]);
                i += len;
                continue;
            }
        }
        plain.push(c);
        i += c.len_utf8();
    }
    flush(&mut plain, &mut out);
    out
}

/// Pending plain text goes out with URLs linked and newlines as `br`.
fn flush(plain: &mut String, out: &mut Vec<SafeNode>) {
    for (n, line) in plain.split('\n').enumerate() {
        if n > 0 {
            out.push(br());
        }
        linkify(line, out);
    }
    plain.clear();
}

fn push_node(out: &mut Vec<SafeNode>, node: SafeNode) {
    match node {
        SafeNode::Text(text) => push_text(out, &text),
        element => out.push(element),
    }
}

/// Where the code span whose opening backtick run was `run` ends: the next run of
/// exactly as many backticks.
fn code_span_end(after: &str, run: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = after[from..].find(run) {
        let at = from + k;
        let len = after[at..].len() - after[at..].trim_start_matches('`').len();
        if len == run.len() {
            return Some(at);
        }
        from = at + len;
    }
    None
}

/// Emphasis opens before a non-space that is not more of the delimiter; `_` only at a
/// word start (`snake_case` is no emphasis).
fn can_open(text: &str, at: usize, delim: &str) -> bool {
    let next = text[at + delim.len()..].chars().next();
    let prev = text[..at].chars().next_back();
    next.is_some_and(|c| !c.is_whitespace() && !delim.starts_with(c))
        && !(delim.starts_with('_') && prev.is_some_and(char::is_alphanumeric))
}

/// The closing delimiter after `from`, past a non-empty content: after a non-space, not
/// inside a longer run of the same character, and for `_` at a word end.
fn find_closer(text: &str, from: usize, delim: &str) -> Option<usize> {
    let ch = delim.chars().next()?;
    let mut search = from + text[from..].chars().next()?.len_utf8();
    while search <= text.len() {
        let at = search + text.get(search..)?.find(delim)?;
        let prev = text[..at].chars().next_back();
        let next = text[at + delim.len()..].chars().next();
        let closes = prev.is_some_and(|p| !p.is_whitespace() && p != ch)
            && next != Some(ch)
            && !(ch == '_' && next.is_some_and(char::is_alphanumeric));
        if closes {
            return Some(at);
        }
        search = at + 1;
    }
    None
}

/// Longer link labels and URLs are not looked for, so that scanning stays linear.
const MAX_LABEL: usize = 500;
const MAX_URL: usize = 4_000;

/// `[label](url)` or `[label](url "title")` starting after the `[` at `label_start`:
/// (label, url, index after the `)`).
fn link_parts(text: &str, label_start: usize) -> Option<(&str, &str, usize)> {
    let mut nesting = 0usize;
    let label_end = text[label_start..]
        .char_indices()
        .take(MAX_LABEL)
        .find_map(|(k, c)| match c {
            '[' => {
                nesting += 1;
                None
            }
            ']' if nesting == 0 => Some(label_start + k),
            ']' => {
                nesting -= 1;
                None
            }
            _ => None,
        })?;
    if text.as_bytes().get(label_end + 1) != Some(&b'(') {
        return None;
    }
    // The URL ends at whitespace or at the `)` that balances its own parentheses.
    let after = &text[label_end + 2..];
    let mut depth = 0usize;
    let (url_len, _) = after.char_indices().take(MAX_URL).find(|&(_, c)| match c {
        '(' => {
            depth += 1;
            false
        }
        ')' if depth == 0 => true,
        ')' => {
            depth -= 1;
            false
        }
        c => c.is_whitespace(),
    })?;
    let url = &after[..url_len];
    let url = url
        .strip_prefix('<')
        .and_then(|u| u.strip_suffix('>'))
        .unwrap_or(url);
    // An optional `"title"` is read past and dropped.
    let mut tail = after[url_len..].trim_start_matches([' ', '\t']);
    if let Some(quote) = tail.chars().next().filter(|c| matches!(c, '"' | '\'')) {
        let (close, _) = tail[1..]
            .char_indices()
            .take(MAX_LABEL)
            .find(|&(_, c)| c == quote)?;
        tail = tail[close + 2..].trim_start_matches([' ', '\t']);
    }
    let tail = tail.strip_prefix(')')?;
    Some((&text[label_start..label_end], url, text.len() - tail.len()))
}

/// An image from a web URL, else its alt text.
fn image_node(alt: &str, url: &str) -> SafeNode {
    match xhtml::safe_url(url).filter(|u| u.starts_with("http")) {
        Some(src) => SafeNode::Element {
            tag: "img",
            attrs: vec![("src", src), ("alt", alt.to_owned())],
            children: Vec::new(),
        },
        None => SafeNode::Text(alt.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::xhtml::{plain_text, sanitize, RawNode};

    fn t(text: &str) -> SafeNode {
        SafeNode::Text(text.to_owned())
    }

    fn link(url: &str, children: Vec<SafeNode>) -> SafeNode {
        anchor(url, children).unwrap()
    }

    fn p(children: Vec<SafeNode>) -> SafeNode {
        element("p", children)
    }

    #[test]
    fn movim_source_renders_like_movims_xhtml() {
        let entry: Element = include_str!("../../tests/fixtures/xep0277/movim-post.xml")
            .parse()
            .unwrap();
        let contents: Vec<_> = entry.children().filter(|c| c.name() == "content").collect();
        let div = contents[0]
            .get_child("div", crate::proto::ns::XHTML)
            .unwrap();
        let source = contents[1].text();
        let [SafeNode::Element {
            children: movim, ..
        }] = &sanitize(&[RawNode::from_element(div)])[..]
        else {
            panic!("one div")
        };
        // Movim links its hashtag to a relative "#hiking", which the sanitiser unlinks.
        assert_eq!(&to_nodes(&source), movim);
        assert_eq!(hashtags(&source), ["hiking"]);
    }

    #[test]
    fn blocks() {
        let md = "# Title #\n\nline one\nline *two*\n## Sub\n> quoted\n> > deeper\n\n---\n```rust\nlet a = 1 < 2;\n\n**not bold**\n```\n1. one\n2. two\n\n3. three\n\n7) seven\n- a\n  - nested\n- b\nlazy";
        assert_eq!(
            to_nodes(md),
            vec![
                element("h1", vec![t("Title")]),
                p(vec![
                    t("line one"),
                    br(),
                    t("line "),
                    element("em", vec![t("two")])
                ]),
                element("h2", vec![t("Sub")]),
                element(
                    "blockquote",
                    vec![
                        p(vec![t("quoted")]),
                        element("blockquote", vec![p(vec![t("deeper")])])
                    ]
                ),
                element("hr", vec![]),
                element(
                    "pre",
                    vec![element("code", vec![t("let a = 1 < 2;\n\n**not bold**")])]
                ),
                element(
                    "ol",
                    vec![
                        element("li", vec![p(vec![t("one")])]),
                        element("li", vec![p(vec![t("two")])]),
                        element("li", vec![p(vec![t("three")])]),
                    ]
                ),
                SafeNode::Element {
                    tag: "ol",
                    attrs: vec![("start", "7".into())],
                    children: vec![element("li", vec![t("seven")])],
                },
                element(
                    "ul",
                    vec![
                        element(
                            "li",
                            vec![
                                t("a"),
                                element("ul", vec![element("li", vec![t("nested")])])
                            ]
                        ),
                        element("li", vec![t("b"), br(), t("lazy")]),
                    ]
                ),
            ]
        );
        // Not blocks: no space after the marker, a year in a paragraph, an unclosed fence.
        assert_eq!(
            to_nodes("#hashtag\n-dash\nIn\n2024. we\n```\ncode"),
            vec![
                p(vec![
                    t("#hashtag"),
                    br(),
                    t("-dash"),
                    br(),
                    t("In"),
                    br(),
                    t("2024. we")
                ]),
                element("pre", vec![element("code", vec![t("code")])]),
            ]
        );
    }

    #[test]
    fn inline_markup() {
        assert_eq!(
            to_nodes(
                "*é* **b** *e* _e_ __b__ ~~s~~ `a*b*` ``x ` y`` \\*lit\\* snake_case_word 2*3*4"
            ),
            vec![p(vec![
                element("em", vec![t("é")]),
                t(" "),
                element("strong", vec![t("b")]),
                t(" "),
                element("em", vec![t("e")]),
                t(" "),
                element("em", vec![t("e")]),
                t(" "),
                element("strong", vec![t("b")]),
                t(" "),
                element("del", vec![t("s")]),
                t(" "),
                element("code", vec![t("a*b*")]),
                t(" "),
                element("code", vec![t("x ` y")]),
                t(" *lit* snake_case_word 2"),
                element("em", vec![t("3")]),
                t("4"),
            ])]
        );
        assert_eq!(
            to_nodes("*a **b** c* ** x ** *unclosed `unclosed"),
            vec![p(vec![
                element(
                    "em",
                    vec![t("a "), element("strong", vec![t("b")]), t(" c")]
                ),
                t(" ** x ** *unclosed `unclosed"),
            ])]
        );
    }

    #[test]
    fn links_and_images() {
        assert_eq!(
            to_nodes("[the *site*](https://e.example/a_(b)) [t](<https://e.example/t> 'title') [bad](javascript:alert(1)) [rel](/x) see https://e.example/snake_case_path. ![cat](https://e.example/c.png) ![x](data:image/png,AA)"),
            vec![p(vec![
                link("https://e.example/a_(b)", vec![t("the "), element("em", vec![t("site")])]),
                t(" "),
                link("https://e.example/t", vec![t("t")]),
                t(" bad rel see "),
                link("https://e.example/snake_case_path", vec![t("https://e.example/snake_case_path")]),
                t(". "),
                SafeNode::Element {
                    tag: "img",
                    attrs: vec![("src", "https://e.example/c.png".into()), ("alt", "cat".into())],
                    children: vec![],
                },
                t(" x"),
            ])]
        );
        assert_eq!(
            to_nodes("[unclosed](https://e.example [a] (b) [c]"),
            vec![p(vec![
                t("[unclosed]("),
                link("https://e.example", vec![t("https://e.example")]),
                t(" [a] (b) [c]"),
            ])]
        );
    }

    #[test]
    fn text_is_escaped_by_construction() {
        let div = to_xhtml("<script>alert(1)</script> & <b>x</b>");
        assert_eq!(
            String::from(&div),
            "<div xmlns='http://www.w3.org/1999/xhtml'><p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;x&lt;/b&gt;</p></div>"
        );
    }

    #[test]
    fn hashtags_skip_code_urls_and_headings() {
        let md = "# Heading\n## Also #Heading-tag\nWalk #Hiking #hiking, #spring_2026! C# &#39; #42 x#y (#paren)\n`#code` https://e.example/#frag [l](https://e.example/#f)\n```\n#fenced\n```\n#Émile #tail-";
        assert_eq!(
            hashtags(md),
            [
                "heading-tag",
                "hiking",
                "spring_2026",
                "paren",
                "émile",
                "tail"
            ]
        );
    }

    #[test]
    fn hostile_sizes_stay_fast_and_shallow() {
        let stars = "*".repeat(50_000) + "a";
        let started = std::time::Instant::now();
        assert_eq!(plain_text(&to_nodes(&stars)).len(), 50_001);
        let brackets = "[".repeat(5_000) + &"](".repeat(5_000);
        to_nodes(&brackets);
        let mixed = "*a _b ~~c `d [e](".repeat(5_000);
        to_nodes(&mixed);
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());

        let quotes = ">".repeat(10_000) + " deep";
        let lists = (0..300)
            .map(|n| format!("{}- x", " ".repeat(2 * n)))
            .collect::<Vec<_>>()
            .join("\n");
        let emphasis = "*a ".repeat(1_000) + &"a*".repeat(1_000);
        for md in [quotes, lists, emphasis] {
            let nodes = to_nodes(&md);
            let depth = crate::proto::xhtml::depth(&nodes);
            assert!(depth <= 2 * MAX_NESTING + 4, "{depth}");
        }
    }
}
