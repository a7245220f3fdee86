//! What minidom needs said twice: attribute names as plain strings on builders, and
//! `xml:lang`, which lives in the XML namespace.

use minidom::rxml::{Namespace, NcName};
use minidom::{Element, ElementBuilder, IntoAttributeValue};

/// The XML namespace of `xml:lang`.
const XML: &str = "http://www.w3.org/XML/1998/namespace";

pub(crate) trait Attrs {
    /// Sets attribute `name` (a literal NCName; `None` values are left out).
    fn a(self, name: &str, value: impl IntoAttributeValue) -> Self;
    /// Sets `xml:lang` unless `lang` is `None` or empty.
    fn lang(self, lang: Option<&str>) -> Self;
}

impl Attrs for ElementBuilder {
    fn a(self, name: &str, value: impl IntoAttributeValue) -> Self {
        match NcName::try_from(name) {
            Ok(name) => self.attr(name, value),
            Err(_) => self,
        }
    }

    fn lang(self, lang: Option<&str>) -> Self {
        match (lang.filter(|l| !l.is_empty()), NcName::try_from("lang")) {
            (Some(lang), Ok(name)) => self.attr_ns(Namespace::XML, name, lang),
            _ => self,
        }
    }
}

/// The `xml:lang` of an element, `""` when it has none.
pub(crate) fn lang(el: &Element) -> String {
    el.attr_ns(XML, "lang").unwrap_or_default().to_owned()
}

/// The trimmed text of `el`, `None` when blank, cut to `max_chars` characters: names and
/// profile fields are someone else's text, kept in memory and in the store.
pub(crate) fn trimmed_text(el: &Element, max_chars: usize) -> Option<String> {
    let text = el.text();
    let text = text.trim();
    (!text.is_empty()).then(|| text.chars().take(max_chars).collect())
}
