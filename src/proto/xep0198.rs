//! XEP-0198: Stream Management — the nonzas, built and read.

use minidom::Element;

use super::xml::Attrs;

use super::ns;

fn nonza(name: &str) -> minidom::ElementBuilder {
    Element::builder(name, ns::SM)
}

/// `<enable resume='true'/>`.
pub fn enable() -> Element {
    nonza("enable").a("resume", "true").build()
}

/// `<a h=…/>`: what we handled.
pub fn a(h: u32) -> Element {
    nonza("a").a("h", h.to_string()).build()
}

/// `<r/>`: asks the server what it handled.
pub fn r() -> Element {
    nonza("r").build()
}

/// `<resume h=… previd=…/>`.
pub fn resume(h: u32, previd: &str) -> Element {
    nonza("resume")
        .a("h", h.to_string())
        .a("previd", previd)
        .build()
}

/// The `h` of an `<a/>`, `<resumed/>` or `<failed/>`: `None` when absent or not a number.
pub fn h(el: &Element) -> Option<u32> {
    el.attr("h")?.parse().ok()
}

/// An `<enabled/>`: the resumption id when the server allows resumption, or `None` for a
/// malformed one.
pub fn read_enabled(el: &Element) -> Option<Option<String>> {
    let resume = match el.attr("resume") {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => return None,
    };
    Some(el.attr("id").filter(|_| resume).map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabled_gives_an_id_only_when_resumption_is_allowed() {
        let read = |xml: &str| read_enabled(&xml.parse::<Element>().unwrap());
        assert_eq!(
            read("<enabled xmlns='urn:xmpp:sm:3' id='s' resume='true'/>"),
            Some(Some("s".into()))
        );
        assert_eq!(read("<enabled xmlns='urn:xmpp:sm:3' id='s'/>"), Some(None));
        assert_eq!(
            read("<enabled xmlns='urn:xmpp:sm:3' id='s' resume='perhaps'/>"),
            None
        );
        assert_eq!(
            h(&"<a xmlns='urn:xmpp:sm:3' h='-1'/>".parse().unwrap()),
            None
        );
        assert_eq!(
            h(&"<a xmlns='urn:xmpp:sm:3' h='4294967295'/>".parse().unwrap()),
            Some(u32::MAX)
        );
    }
}
