//! XEP-0359: Unique and Stable Stanza IDs.

use crate::proto::jid::Jid;
use minidom::Element;

use super::ns;

/// A `<stanza-id id=… by=…/>`: the id and who assigned it; `None` if malformed.
pub fn read_stanza_id(el: &Element) -> Option<(String, Jid)> {
    if !el.is("stanza-id", ns::SID) {
        return None;
    }
    let by = Jid::new(el.attr("by")?).ok()?;
    Some((el.attr("id")?.to_owned(), by))
}
