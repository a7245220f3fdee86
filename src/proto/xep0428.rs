//! XEP-0428: Fallback Indication — which part of a body is only for older clients.

use minidom::Element;

use super::ns;
use super::rfc6121::Message;
use super::xml::Attrs;

/// §2: the body's characters `start..end` are the fallback for specification `for_`.
pub fn fallback(for_: &str, start: usize, end: usize) -> Element {
    Element::builder("fallback", ns::FALLBACK)
        .a("for", for_)
        .append(
            Element::builder("body", ns::FALLBACK)
                .a("start", start.to_string())
                .a("end", end.to_string())
                .build(),
        )
        .build()
}

/// `body` without the fallback for `for_`: the range counts Unicode code points (§2). A
/// fallback without a range covers the whole body; a range outside it is ignored.
pub fn strip(message: &Message, for_: &str, body: &str) -> String {
    let Some(fallback) = message
        .payloads
        .iter()
        .find(|p| p.is("fallback", ns::FALLBACK) && p.attr("for") == Some(for_))
    else {
        return body.to_owned();
    };
    let Some(range) = fallback.get_child("body", ns::FALLBACK) else {
        return String::new();
    };
    let at = |name| range.attr(name).and_then(|n| n.parse::<usize>().ok());
    let (Some(start), Some(end)) = (at("start"), at("end")) else {
        return body.to_owned();
    };
    let count = body.chars().count();
    if start > end || end > count {
        return body.to_owned();
    }
    body.chars()
        .enumerate()
        .filter(|(i, _)| *i < start || *i >= end)
        .map(|(_, c)| c)
        .collect()
}
