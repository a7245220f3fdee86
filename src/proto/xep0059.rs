//! XEP-0059: Result Set Management — what Kith reads of a result set by hand.

use crate::proto::ns;
use minidom::Element;

/// `<set><max/><after/>?</set>`: asks for `max` items, after a position if given.
pub fn set(max: usize, after: Option<&str>) -> Element {
    let child = |name: &str, text: String| Element::builder(name, ns::RSM).append(text).build();
    Element::builder("set", ns::RSM)
        .append(child("max", max.to_string()))
        .append_all(after.map(|a| child("after", a.to_owned())))
        .build()
}

/// `<set><max/><before/></set>`: the last `max` items (§2.5, paging backwards from the end).
pub fn last_page(max: usize) -> Element {
    page_before(max, "")
}

/// `<set><max/><before>id</before></set>`: the `max` items before `id` (§2.5); an empty
/// `id` is the last page.
pub fn page_before(max: usize, id: &str) -> Element {
    Element::builder("set", ns::RSM)
        .append(
            Element::builder("max", ns::RSM)
                .append(max.to_string())
                .build(),
        )
        .append(
            Element::builder("before", ns::RSM)
                .append_all((!id.is_empty()).then(|| id.to_owned()))
                .build(),
        )
        .build()
}

/// The `<last/>` of the RSM `<set/>` under `parent`: where the next page starts. Read on
/// its own: a strict reader (xmpp-parsers' `SetResult` was one) refuses a whole set for a
/// detail we never use (a negative `first/@index`, seen from ejabberd), losing the position.
pub fn last(parent: &Element) -> Option<String> {
    parent
        .get_child("set", ns::RSM)
        .and_then(|set| set.get_child("last", ns::RSM))
        .map(Element::text)
        .filter(|last| !last.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_is_read_from_any_set_that_has_one() {
        let el = |xml: &str| xml.parse::<Element>().unwrap();
        let rsm = "http://jabber.org/protocol/rsm";
        let refused_by_set_result = el(&format!(
            "<fin xmlns='urn:xmpp:mam:2'><set xmlns='{rsm}'><first index='-1'>a</first><last>b</last></set></fin>"
        ));
        assert_eq!(last(&refused_by_set_result).as_deref(), Some("b"));
        let empty = el(&format!(
            "<fin xmlns='urn:xmpp:mam:2'><set xmlns='{rsm}'><last/></set></fin>"
        ));
        assert_eq!(last(&empty), None);
        assert_eq!(last(&el("<fin xmlns='urn:xmpp:mam:2'/>")), None);
    }
}
