//! XEP-0153: vCard-Based Avatars — the photo hash legacy clients announce in presence,
//! the vcard-temp (XEP-0054) photo they fetch, and the vCard Kith sets for them.

use minidom::Element;

use super::ns;
use super::rfc6121::Presence;
use super::xep0084::sha1_hex;

/// §3.2: what a presence says about the sender's vcard-temp photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoUpdate {
    /// `<x/>` without `<photo/>`: the client does not know yet; nothing changes.
    NotReady,
    /// An empty `<photo/>`: no avatar.
    Removed,
    /// The hex SHA-1 of the photo (lowercase).
    Hash(String),
}

/// The presence's photo announcement, if it has one.
pub fn read_update(presence: &Presence) -> Option<PhotoUpdate> {
    let x = presence
        .payloads
        .iter()
        .find(|p| p.is("x", ns::VCARD_UPDATE))?;
    let Some(photo) = x.get_child("photo", ns::VCARD_UPDATE) else {
        return Some(PhotoUpdate::NotReady);
    };
    let hash = photo.text();
    let hash = hash.trim();
    Some(if hash.is_empty() {
        PhotoUpdate::Removed
    } else if hash.len() == 40 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        PhotoUpdate::Hash(hash.to_ascii_lowercase())
    } else {
        // Not a SHA-1: nothing that could be cached or checked.
        PhotoUpdate::NotReady
    })
}

/// §3.1: the presence payload announcing the account's photo (`None`: none).
pub fn update(hash: Option<&str>) -> Element {
    let photo = Element::builder("photo", ns::VCARD_UPDATE)
        .append_all(hash.map(str::to_owned))
        .build();
    Element::builder("x", ns::VCARD_UPDATE)
        .append(photo)
        .build()
}

/// XEP-0054 §3.1: the payload of an iq get asking a contact's (or the own) vCard.
pub fn vcard_request() -> Element {
    Element::builder("vCard", ns::VCARD_TEMP).build()
}

/// A vCard's photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub type_: String,
    pub bytes: Vec<u8>,
}

impl Photo {
    /// What presence announces it by, and the avatar cache keeps it under.
    pub fn hash(&self) -> String {
        sha1_hex(&self.bytes)
    }
}

/// The `<PHOTO><TYPE/><BINVAL/></PHOTO>` of a vCard answer; `None` when it has none, or
/// only an `<EXTVAL/>` link (a host someone chose: not fetched).
pub fn read_photo(vcard: &Element) -> Option<Photo> {
    if !vcard.is("vCard", ns::VCARD_TEMP) {
        return None;
    }
    let photo = vcard.get_child("PHOTO", ns::VCARD_TEMP)?;
    let bytes = super::base64::decode_wrapped(&photo.get_child("BINVAL", ns::VCARD_TEMP)?.text())?;
    if bytes.is_empty() {
        return None;
    }
    let type_ = photo
        .get_child("TYPE", ns::VCARD_TEMP)
        .map(|t| t.text().trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "image/png".to_owned());
    Some(Photo { type_, bytes })
}

/// XEP-0054 §3.2: the vCard to set so legacy clients see the account's avatar (`None`:
/// no photo). A vcard-temp set replaces the whole vCard, and Kith keeps its profile in
/// vCard4 (XEP-0292), so this one carries the photo alone.
pub fn vcard_with_photo(photo: Option<(&str, &[u8])>) -> Element {
    let photo = photo.map(|(type_, bytes)| {
        Element::builder("PHOTO", ns::VCARD_TEMP)
            .append(
                Element::builder("TYPE", ns::VCARD_TEMP)
                    .append(type_)
                    .build(),
            )
            .append(
                Element::builder("BINVAL", ns::VCARD_TEMP)
                    .append(super::base64::encode(bytes))
                    .build(),
            )
            .build()
    });
    Element::builder("vCard", ns::VCARD_TEMP)
        .append_all(photo)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    fn presence(inner: &str) -> Presence {
        Presence::try_from(el(&format!(
            "<presence xmlns='jabber:client' from='juliet@capulet.lit/balcony'>{inner}</presence>"
        )))
        .unwrap()
    }

    #[test]
    fn presence_announces_a_hash_none_or_nothing_yet() {
        let hash = "01B87FCD030B72895FF8E88DB57EC525450F000D";
        assert_eq!(
            read_update(&presence(&format!(
                "<x xmlns='vcard-temp:x:update'><photo>{hash}</photo></x>"
            ))),
            Some(PhotoUpdate::Hash(hash.to_ascii_lowercase()))
        );
        assert_eq!(
            read_update(&presence("<x xmlns='vcard-temp:x:update'><photo/></x>")),
            Some(PhotoUpdate::Removed)
        );
        assert_eq!(
            read_update(&presence("<x xmlns='vcard-temp:x:update'/>")),
            Some(PhotoUpdate::NotReady)
        );
        assert_eq!(
            read_update(&presence(
                "<x xmlns='vcard-temp:x:update'><photo>../../etc</photo></x>"
            )),
            Some(PhotoUpdate::NotReady)
        );
        assert_eq!(read_update(&presence("")), None);
    }

    #[test]
    fn the_update_payload_round_trips() {
        let hash = sha1_hex(b"abc");
        let mut p = presence("");
        p.payloads.push(update(Some(&hash)));
        assert_eq!(read_update(&p), Some(PhotoUpdate::Hash(hash.clone())));
        assert_eq!(
            update(None),
            el("<x xmlns='vcard-temp:x:update'><photo/></x>")
        );
    }

    #[test]
    fn a_vcard_photo_is_read_with_its_type() {
        let vcard = el(
            "<vCard xmlns='vcard-temp'><FN>Juliet</FN><PHOTO><TYPE>image/jpeg</TYPE>\
            <BINVAL>YW\n Jj</BINVAL></PHOTO></vCard>",
        );
        let photo = read_photo(&vcard).unwrap();
        assert_eq!(photo.type_, "image/jpeg");
        assert_eq!(photo.bytes, b"abc");
        assert_eq!(photo.hash(), sha1_hex(b"abc"));
        for xml in [
            "<vCard xmlns='vcard-temp'><FN>Juliet</FN></vCard>",
            "<vCard xmlns='vcard-temp'><PHOTO><EXTVAL>http://evil.example/x.png</EXTVAL></PHOTO></vCard>",
            "<vCard xmlns='vcard-temp'><PHOTO><BINVAL>not base64!</BINVAL></PHOTO></vCard>",
            "<vCard xmlns='vcard-temp'><PHOTO><BINVAL/></PHOTO></vCard>",
            "<vcard xmlns='vcard-temp'/>",
        ] {
            assert_eq!(read_photo(&el(xml)), None, "{xml}");
        }
    }

    #[test]
    fn the_set_vcard_carries_the_photo_alone() {
        let vcard = vcard_with_photo(Some(("image/png", b"abc")));
        assert_eq!(
            vcard,
            el("<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>YWJj</BINVAL></PHOTO></vCard>")
        );
        assert_eq!(read_photo(&vcard).unwrap().bytes, b"abc");
        assert_eq!(vcard_with_photo(None), el("<vCard xmlns='vcard-temp'/>"));
        assert_eq!(vcard_request(), el("<vCard xmlns='vcard-temp'/>"));
    }
}
