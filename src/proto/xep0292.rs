//! XEP-0292: vCard4 Over XMPP — the fields of a person's profile Kith shows and edits,
//! in the RFC 6351 XML of vCard 4, as published on PEP node `urn:xmpp:vcard4`.

use minidom::Element;

use super::ns;
use super::rfc6120::ParseError;
use super::xml::trimmed_text;

/// The item id of the one vCard a PEP node holds (XEP-0060 §12.20: singleton nodes).
pub const ITEM_ID: &str = "current";
/// The longest field kept, in characters (the note; the others are shorter): the vCard
/// is someone else's text.
pub const MAX_NOTE_CHARS: usize = 4096;
const MAX_FIELD_CHARS: usize = 1024;

/// A person's profile: each field optional, fields Kith does not show are not read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// `fn` (RFC 6350 §6.2.1).
    pub full_name: Option<String>,
    /// `nickname` (§6.2.3), the first one.
    pub nickname: Option<String>,
    /// `note` (§6.7.2): the "About" text.
    pub note: Option<String>,
    /// `url` (§6.7.8), the first one.
    pub url: Option<String>,
    /// `adr`'s `locality` (§6.3.1).
    pub locality: Option<String>,
    /// `bday` (§6.2.5), as written (`1966-08-06`, `--08-06`…).
    pub birthday: Option<String>,
}

impl Profile {
    pub fn is_empty(&self) -> bool {
        *self == Profile::default()
    }
}

/// The first non-blank value of property `name` held in one of `kinds` of value element.
fn value(vcard: &Element, name: &str, kinds: &[&str], max: usize) -> Option<String> {
    vcard
        .children()
        .filter(|p| p.is(name, ns::VCARD4))
        .flat_map(|p| p.children())
        .filter(|v| kinds.iter().any(|k| v.is(k, ns::VCARD4)))
        .find_map(|v| trimmed_text(v, max))
}

impl TryFrom<&Element> for Profile {
    type Error = ParseError;

    fn try_from(vcard: &Element) -> Result<Profile, ParseError> {
        if !vcard.is("vcard", ns::VCARD4) {
            return Err(ParseError("not a vCard4"));
        }
        let text = |name| value(vcard, name, &["text"], MAX_FIELD_CHARS);
        Ok(Profile {
            full_name: text("fn"),
            nickname: text("nickname"),
            note: value(vcard, "note", &["text"], MAX_NOTE_CHARS),
            url: value(vcard, "url", &["uri"], MAX_FIELD_CHARS),
            locality: value(vcard, "adr", &["locality"], MAX_FIELD_CHARS),
            birthday: value(
                vcard,
                "bday",
                &["date", "date-time", "date-and-or-time", "text"],
                MAX_FIELD_CHARS,
            ),
        })
    }
}

impl From<&Profile> for Element {
    fn from(profile: &Profile) -> Element {
        let property = |name: &str, kind: &str, value: &Option<String>| {
            let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
            Some(
                Element::builder(name, ns::VCARD4)
                    .append(Element::builder(kind, ns::VCARD4).append(value).build())
                    .build(),
            )
        };
        let properties = [
            property("fn", "text", &profile.full_name),
            property("nickname", "text", &profile.nickname),
            property("note", "text", &profile.note),
            property("url", "uri", &profile.url),
            property("adr", "locality", &profile.locality),
            property("bday", "date", &profile.birthday),
        ];
        Element::builder("vcard", ns::VCARD4)
            .append_all(properties.into_iter().flatten())
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    /// Shaped like what Movim publishes, with fields Kith does not read.
    const MOVIM: &str = "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
        <fn><text>Juliet Capulet</text></fn>\
        <nickname><text>Jules</text></nickname>\
        <bday><date>1996-08-06</date></bday>\
        <url><uri>https://capulet.lit/</uri></url>\
        <note><text>  Wherefore art thou?  </text></note>\
        <adr><locality>Verona</locality><country>Italy</country></adr>\
        <email><text>juliet@capulet.lit</text></email>\
        <impp><uri>xmpp:juliet@capulet.lit</uri></impp>\
        <x-unknown xmlns='urn:example'>ignored</x-unknown>\
        </vcard>";

    #[test]
    fn a_vcard_is_read_and_unknown_fields_ignored() {
        let profile = Profile::try_from(&el(MOVIM)).unwrap();
        assert_eq!(
            profile,
            Profile {
                full_name: Some("Juliet Capulet".into()),
                nickname: Some("Jules".into()),
                note: Some("Wherefore art thou?".into()),
                url: Some("https://capulet.lit/".into()),
                locality: Some("Verona".into()),
                birthday: Some("1996-08-06".into()),
            }
        );
    }

    #[test]
    fn a_profile_round_trips() {
        let profile = Profile::try_from(&el(MOVIM)).unwrap();
        let built = Element::from(&profile);
        assert_eq!(
            built,
            el("<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
                <fn><text>Juliet Capulet</text></fn>\
                <nickname><text>Jules</text></nickname>\
                <note><text>Wherefore art thou?</text></note>\
                <url><uri>https://capulet.lit/</uri></url>\
                <adr><locality>Verona</locality></adr>\
                <bday><date>1996-08-06</date></bday></vcard>")
        );
        assert_eq!(Profile::try_from(&built).unwrap(), profile);
    }

    #[test]
    fn blank_fields_are_left_out_both_ways() {
        let profile = Profile {
            full_name: Some("  ".into()),
            note: Some("About me".into()),
            ..Profile::default()
        };
        let built = Element::from(&profile);
        assert_eq!(
            built,
            el("<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><note><text>About me</text></note></vcard>")
        );
        let read = Profile::try_from(&built).unwrap();
        assert_eq!(read.full_name, None);
        let empty = Profile::try_from(&el(
            "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text> </text></fn><fn><text>Second</text></fn></vcard>",
        ))
        .unwrap();
        assert_eq!(empty.full_name.as_deref(), Some("Second"));
        assert!(Profile::default().is_empty());
    }

    #[test]
    fn other_birthday_forms_and_limits() {
        let profile = Profile::try_from(&el(&format!(
            "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><bday><date-and-or-time>--08-06</date-and-or-time></bday>\
             <note><text>{}</text></note></vcard>",
            "x".repeat(MAX_NOTE_CHARS + 10)
        )))
        .unwrap();
        assert_eq!(profile.birthday.as_deref(), Some("--08-06"));
        assert_eq!(profile.note.unwrap().len(), MAX_NOTE_CHARS);
        assert!(Profile::try_from(&el("<vcard xmlns='vcard-temp'/>")).is_err());
    }
}
