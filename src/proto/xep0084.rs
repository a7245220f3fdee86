//! XEP-0084: User Avatar — the metadata and data items on the two PEP nodes, the
//! payloads that publish an avatar, and the check that data is what its id says.

use minidom::Element;
use sasl::common::scram::{ScramProvider, Sha1};

use super::ns;
use super::rfc6120::ParseError;
use super::xml::Attrs;

/// One `<info/>` of a metadata item: one format the avatar is available in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// The hex SHA-1 of the image bytes, lowercase: the id of its data item.
    pub id: String,
    pub bytes: u32,
    /// The image's media type (`image/png`).
    pub type_: String,
    pub width: Option<u16>,
    pub height: Option<u16>,
    /// §4.2.1: where to fetch an image that is not in the data node (a host the person
    /// chose: not fetched without asking, by the privacy rule).
    pub url: Option<String>,
}

impl Info {
    /// The info of an image Kith publishes in the data node.
    pub fn of(bytes: &[u8], type_: &str, width: u16, height: u16) -> Info {
        Info {
            id: sha1_hex(bytes),
            bytes: bytes.len() as u32,
            type_: type_.to_owned(),
            width: Some(width),
            height: Some(height),
            url: None,
        }
    }
}

/// A metadata item's `<metadata/>`. §4.5: none at all (`<metadata/>`) means the person
/// removed their avatar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    pub infos: Vec<Info>,
}

impl Metadata {
    pub fn is_removed(&self) -> bool {
        self.infos.is_empty()
    }

    /// The format stored in the data node (no `url`): the one to fetch by its id. §4.2.1
    /// asks for `image/png` there, so a PNG goes first if there are several.
    pub fn in_pep(&self) -> Option<&Info> {
        let stored = || self.infos.iter().filter(|i| i.url.is_none());
        stored()
            .find(|i| i.type_ == "image/png")
            .or_else(|| stored().next())
    }
}

fn number<T: std::str::FromStr>(el: &Element, name: &str) -> Option<T> {
    el.attr(name).and_then(|n| n.parse().ok())
}

/// A hex SHA-1 as the XEP writes ids; uppercase is read as the same id.
fn read_id(text: &str) -> Option<String> {
    (text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

impl TryFrom<&Element> for Metadata {
    type Error = ParseError;

    fn try_from(el: &Element) -> Result<Metadata, ParseError> {
        if !el.is("metadata", ns::AVATAR_METADATA) {
            return Err(ParseError("not avatar metadata"));
        }
        let infos = el
            .children()
            .filter(|c| c.is("info", ns::AVATAR_METADATA))
            .map(|info| {
                Ok(Info {
                    id: info
                        .attr("id")
                        .and_then(read_id)
                        .ok_or(ParseError("an avatar info without a SHA-1 id"))?,
                    bytes: number(info, "bytes")
                        .ok_or(ParseError("an avatar info without size"))?,
                    type_: info
                        .attr("type")
                        .filter(|t| !t.is_empty())
                        .ok_or(ParseError("an avatar info without type"))?
                        .to_owned(),
                    width: number(info, "width"),
                    height: number(info, "height"),
                    url: info.attr("url").map(str::to_owned),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Metadata { infos })
    }
}

impl From<&Metadata> for Element {
    fn from(metadata: &Metadata) -> Element {
        let infos = metadata.infos.iter().map(|i| {
            Element::builder("info", ns::AVATAR_METADATA)
                .a("bytes", i.bytes.to_string())
                .a("height", i.height.map(|h| h.to_string()))
                .a("id", i.id.as_str())
                .a("type", i.type_.as_str())
                .a("url", i.url.as_deref())
                .a("width", i.width.map(|w| w.to_string()))
                .build()
        });
        Element::builder("metadata", ns::AVATAR_METADATA)
            .append_all(infos)
            .build()
    }
}

/// The lowercase hex SHA-1 of `bytes`: an avatar's id.
pub fn sha1_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    Sha1::hash(bytes)
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

/// §4.2: the data's SHA-1 is its id. Anything else is refused: an id is how the image is
/// cached, so a wrong one would show one person's picture for another's.
pub fn verify(id: &str, bytes: &[u8]) -> bool {
    read_id(id).is_some_and(|id| id == sha1_hex(bytes))
}

/// §4.1: the data item's payload (its item id: [`sha1_hex`] of `bytes`).
pub fn data(bytes: &[u8]) -> Element {
    Element::builder("data", ns::AVATAR_DATA)
        .append(super::base64::encode(bytes))
        .build()
}

/// The image of a data `<item/>` (of an items result or event), refused unless its
/// SHA-1 is the item's id.
pub fn read_data_item(item: &Element) -> Result<Vec<u8>, ParseError> {
    let id = item
        .attr("id")
        .ok_or(ParseError("avatar data without id"))?;
    let data = item
        .get_child("data", ns::AVATAR_DATA)
        .ok_or(ParseError("no avatar data"))?;
    let bytes = super::base64::decode_wrapped(&data.text())
        .ok_or(ParseError("avatar data that is not base64"))?;
    if !verify(id, &bytes) {
        return Err(ParseError("avatar data whose SHA-1 is not its id"));
    }
    Ok(bytes)
}

/// XEP-0060 §6.5.8: asks for the one data item `id` (the payload of an iq get to the
/// avatar's owner).
pub fn data_request(id: &str) -> Element {
    let item = Element::builder("item", ns::PUBSUB).a("id", id).build();
    let items = Element::builder("items", ns::PUBSUB)
        .a("node", ns::AVATAR_DATA)
        .append(item)
        .build();
    Element::builder("pubsub", ns::PUBSUB).append(items).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    /// SHA-1 of the three bytes `abc` (FIPS 180 test vector).
    const ABC: &str = "a9993e364706816aba3e25717850c26c9cd0d89d";

    #[test]
    fn sha1_ids_are_lowercase_hex() {
        assert_eq!(sha1_hex(b"abc"), ABC);
        assert!(verify(ABC, b"abc"));
        assert!(verify(&ABC.to_ascii_uppercase(), b"abc"));
        assert!(!verify(ABC, b"abd"));
        assert!(!verify("abc", b"abc"));
    }

    #[test]
    fn metadata_is_read_with_every_format() {
        let xml = "<metadata xmlns='urn:xmpp:avatar:metadata'>\
            <info bytes='12345' width='64' height='64' id='111F4B3C50D7B0DF729D299BC6F8E9EF9066971F' type='image/jpeg' url='http://avatars.example.org/happy.gif'/>\
            <info bytes='3' id='a9993e364706816aba3e25717850c26c9cd0d89d' type='image/png' width='1' height='1'/>\
            <pointer><x xmlns='http://example.com/virtualworlds'/></pointer></metadata>";
        let metadata = Metadata::try_from(&el(xml)).unwrap();
        assert_eq!(metadata.infos.len(), 2);
        let remote = &metadata.infos[0];
        assert_eq!(remote.id, "111f4b3c50d7b0df729d299bc6f8e9ef9066971f");
        assert_eq!(
            (remote.bytes, remote.width, remote.height),
            (12345, Some(64), Some(64))
        );
        assert_eq!(
            remote.url.as_deref(),
            Some("http://avatars.example.org/happy.gif")
        );
        let stored = metadata.in_pep().unwrap();
        assert_eq!(
            (stored.id.as_str(), stored.type_.as_str()),
            (ABC, "image/png")
        );
        assert!(!metadata.is_removed());
        // What is built reads back the same.
        let again = Metadata::try_from(&Element::from(&metadata)).unwrap();
        assert_eq!(again, metadata);
    }

    #[test]
    fn empty_metadata_means_removed() {
        let metadata =
            Metadata::try_from(&el("<metadata xmlns='urn:xmpp:avatar:metadata'/>")).unwrap();
        assert!(metadata.is_removed());
        assert_eq!(metadata.in_pep(), None);
        assert_eq!(
            Element::from(&metadata),
            el("<metadata xmlns='urn:xmpp:avatar:metadata'/>")
        );
    }

    #[test]
    fn malformed_metadata_is_refused() {
        for info in [
            "<info bytes='3' type='image/png'/>",
            "<info bytes='3' id='not-a-hash' type='image/png'/>",
            "<info id='a9993e364706816aba3e25717850c26c9cd0d89d' type='image/png'/>",
            "<info bytes='-3' id='a9993e364706816aba3e25717850c26c9cd0d89d' type='image/png'/>",
            "<info bytes='3' id='a9993e364706816aba3e25717850c26c9cd0d89d'/>",
        ] {
            let xml = format!("<metadata xmlns='urn:xmpp:avatar:metadata'>{info}</metadata>");
            assert!(Metadata::try_from(&el(&xml)).is_err(), "{info}");
        }
        assert!(Metadata::try_from(&el("<metadata xmlns='urn:xmpp:avatar:data'/>")).is_err());
    }

    #[test]
    fn publish_payloads_carry_the_hash_of_the_bytes() {
        let bytes = b"\x89PNG fake image";
        let info = Info::of(bytes, "image/png", 192, 192);
        assert_eq!(info.id, sha1_hex(bytes));
        assert_eq!(info.bytes, bytes.len() as u32);
        let data = data(bytes);
        assert_eq!(
            data,
            el(&format!(
                "<data xmlns='urn:xmpp:avatar:data'>{}</data>",
                crate::proto::base64::encode(bytes)
            ))
        );
        let metadata = Element::from(&Metadata {
            infos: vec![info.clone()],
        });
        assert_eq!(
            metadata,
            el(&format!(
                "<metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='{}' height='192' id='{}' type='image/png' width='192'/></metadata>",
                bytes.len(),
                info.id
            ))
        );
        // The data item, as a contact fetches it, verifies.
        let item = Element::builder("item", ns::PUBSUB)
            .a("id", info.id.as_str())
            .append(data)
            .build();
        assert_eq!(read_data_item(&item).unwrap(), bytes);
    }

    #[test]
    fn data_whose_hash_is_not_its_id_is_refused() {
        // `YWJj` is `abc`; wrapped lines are fine.
        let item = |id: &str, data: &str| {
            el(&format!(
                "<item xmlns='http://jabber.org/protocol/pubsub' id='{id}'><data xmlns='urn:xmpp:avatar:data'>{data}</data></item>"
            ))
        };
        assert_eq!(read_data_item(&item(ABC, "YW\nJj")).unwrap(), b"abc");
        let other = sha1_hex(b"abd");
        assert!(
            read_data_item(&item(&other, "YWJj")).is_err(),
            "substituted image"
        );
        assert!(read_data_item(&item(ABC, "YWJj!")).is_err(), "not base64");
        assert!(read_data_item(&el("<item xmlns='http://jabber.org/protocol/pubsub'><data xmlns='urn:xmpp:avatar:data'>YWJj</data></item>")).is_err());
    }

    #[test]
    fn data_request_names_the_item() {
        assert_eq!(
            data_request(ABC),
            el(&format!(
                "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'><item id='{ABC}'/></items></pubsub>"
            ))
        );
    }
}
