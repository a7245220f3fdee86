//! XEP-0444: Message Reactions.

use minidom::Element;

use super::ns;
use super::rfc6121::Message;
use super::xml::Attrs;

/// §3: the sender's whole set of reactions to message `id` (empty: none any more).
pub fn reactions(id: &str, emojis: &[String]) -> Element {
    Element::builder("reactions", ns::REACTIONS)
        .a("id", id)
        .append_all(emojis.iter().map(|e| {
            Element::builder("reaction", ns::REACTIONS)
                .append(e.as_str())
                .build()
        }))
        .build()
}

/// The message reacted to and the sender's set, each emoji once.
pub fn read(message: &Message) -> Option<(&str, Vec<String>)> {
    let el = message
        .payloads
        .iter()
        .find(|p| p.is("reactions", ns::REACTIONS))?;
    let mut set: Vec<String> = Vec::new();
    for r in el.children().filter(|c| c.is("reaction", ns::REACTIONS)) {
        let text = r.text();
        // §3.2: a reaction is one emoji; a long string is not one, and set members are unique.
        if !text.is_empty() && text.chars().count() <= 16 && !set.contains(&text) {
            set.push(text);
        }
    }
    Some((el.attr("id")?, set))
}
