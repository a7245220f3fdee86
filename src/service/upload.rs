//! XEP-0363 HTTP File Upload: find the server's upload service, ask it for a slot, read
//! the answer. The HTTP PUT itself is the browser's (`net::upload`).

use crate::proto::jid::Jid;
use crate::proto::ns;
use crate::proto::rfc6120::Iq;
use crate::proto::xep0030::{self, DiscoInfo};
use crate::proto::xep0363;
use minidom::Element;

/// Where to PUT the file and where it will be readable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub put: String,
    /// `Authorization`, `Cookie`, `Expires`, as the service asked.
    pub headers: Vec<(String, String)>,
    pub get: String,
}

/// The server's items, among which an upload service usually is.
/// A size in megabytes (10⁶ bytes) with one decimal, `12.3`, rounded half up: integer
/// arithmetic, since `{:.1}` of a float links its exact formatting into the wasm (5 KB).
pub fn megabytes(bytes: u64) -> String {
    let tenths = bytes / 100_000 + u64::from(bytes % 100_000 >= 50_000);
    format!("{}.{}", tenths / 10, tenths % 10)
}

pub fn items_iq(id: &str, domain: &Jid) -> Iq {
    Iq::from_get(id, xep0030::items_query()).with_to(domain.clone())
}

pub fn info_iq(id: &str, service: &Jid) -> Iq {
    Iq::from_get(id, xep0030::info_query()).with_to(service.clone())
}

/// The services worth asking: the domain itself first (some servers upload there), then
/// its items.
pub fn candidates(domain: &Jid, items: Option<Element>) -> Vec<Jid> {
    let listed = items
        .and_then(|el| xep0030::read_items(&el).ok())
        .map(|items| items.into_iter().map(|i| i.jid).collect::<Vec<_>>())
        .unwrap_or_default();
    std::iter::once(domain.clone()).chain(listed).collect()
}

/// `Some(max size in bytes, if the service says)` when this disco#info is an upload
/// service.
pub fn upload_limit(info: Option<Element>) -> Option<Option<u64>> {
    let info = DiscoInfo::try_from(info?).ok()?;
    if !info.features.iter().any(|f| f == ns::HTTP_UPLOAD) {
        return None;
    }
    // XEP-0363 §2: the limit travels in a form of FORM_TYPE urn:xmpp:http:upload:0.
    let limit = info.forms.iter().find_map(|form| {
        form.fields
            .iter()
            .find(|f| f.var.as_deref() == Some("max-file-size"))
            .and_then(|f| f.values.first())
            .and_then(|v| v.parse().ok())
    });
    Some(limit)
}

pub fn slot_iq(id: &str, service: &Jid, filename: &str, size: u64, media_type: &str) -> Iq {
    let request = xep0363::slot_request(filename, size, media_type);
    Iq::from_get(id, request).with_to(service.clone())
}

/// The title published with an image: the caption the person typed, else a neutral word.
/// Never the local file name, which can say more than the person meant to (a name, a
/// date, a place).
pub fn attachment_title(caption: &str) -> String {
    match caption.trim() {
        "" => "Image".to_owned(),
        caption => caption.to_owned(),
    }
}

/// The file name asked for in the slot, which most servers put in the download URL: a
/// neutral one with the extension of its type, never the local file name.
pub fn upload_name(media_type: &str) -> String {
    let extension = match media_type {
        "image/jpeg" => ".jpg",
        "image/png" => ".png",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        "image/avif" => ".avif",
        _ => "",
    };
    format!("image{extension}")
}

/// Whether `head` (the first bytes of a file) starts a JPEG: SOI and a marker.
pub fn is_jpeg(head: &[u8]) -> bool {
    head.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// The longest side a re-encoded image keeps.
pub const MAX_SIDE: u32 = 2560;

/// `(width, height)` scaled down, keeping the aspect ratio, so that neither exceeds
/// `max`; never below one pixel.
pub fn bounded_size(width: u32, height: u32, max: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max {
        return (width.max(1), height.max(1));
    }
    let scale = |side: u32| {
        ((u64::from(side) * u64::from(max) + u64::from(longest) / 2) / u64::from(longest)).max(1)
            as u32
    };
    (scale(width), scale(height))
}

/// The longest side of an avatar Kith publishes: twice XEP-0084's 96 px, sharp on
/// high-density screens, small enough to travel in a stanza.
pub const AVATAR_SIDE: u32 = 192;
/// A PNG avatar larger than this (a photo) goes as JPEG instead: the image travels
/// base64-encoded in a stanza, once more in the vcard-temp copy.
pub const AVATAR_PNG_MAX: usize = 64 * 1024;

/// The centred square of a `width` × `height` image, `(x, y, side)`, and the side it is
/// drawn at: at most `max`, never enlarged. Nothing for an empty image.
pub fn avatar_square(width: u32, height: u32, max: u32) -> Option<((u32, u32, u32), u32)> {
    let side = width.min(height);
    (side > 0).then(|| {
        (
            ((width - side) / 2, (height - side) / 2, side),
            side.min(max),
        )
    })
}

/// The slot in an answer; `None` if it is not one, or its URLs are not HTTP(S).
pub fn slot(answer: Option<Element>) -> Option<Slot> {
    let result = xep0363::read_slot(&answer?)?;
    let http = |url: &str| url.starts_with("https://") || url.starts_with("http://");
    if !http(&result.put) || !http(&result.get) {
        return None;
    }
    Some(Slot {
        put: result.put,
        headers: result.headers,
        get: result.get,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn megabytes_with_one_decimal() {
        for (bytes, text) in [
            (0, "0.0"),
            (49_999, "0.0"),
            (50_000, "0.1"),
            (1_000_000, "1.0"),
            (1_049_999, "1.0"),
            (1_250_000, "1.3"),
            (10_485_760, "10.5"),
            (104_857_600, "104.9"),
            (u64::MAX, "18446744073709.6"),
        ] {
            assert_eq!(megabytes(bytes), text, "{bytes}");
        }
    }

    fn el(xml: &str) -> Option<Element> {
        Some(xml.parse().unwrap())
    }

    #[test]
    fn the_upload_service_and_its_limit_are_found() {
        let info = el("<query xmlns='http://jabber.org/protocol/disco#info'>\
            <identity category='store' type='file' name='HTTP File Upload'/>\
            <feature var='urn:xmpp:http:upload:0'/>\
            <x type='result' xmlns='jabber:x:data'>\
              <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field>\
              <field var='max-file-size'><value>5242880</value></field></x></query>");
        assert_eq!(upload_limit(info), Some(Some(5_242_880)));
        let pubsub = el("<query xmlns='http://jabber.org/protocol/disco#info'>\
            <identity category='pubsub' type='service'/><feature var='http://jabber.org/protocol/pubsub'/></query>");
        assert_eq!(upload_limit(pubsub), None);
        let domain: Jid = "example.org".parse().unwrap();
        let items = el("<query xmlns='http://jabber.org/protocol/disco#items'>\
            <item jid='upload.example.org'/><item jid='pubsub.example.org'/></query>");
        let found: Vec<String> = candidates(&domain, items)
            .iter()
            .map(Jid::to_string)
            .collect();
        assert_eq!(
            found,
            ["example.org", "upload.example.org", "pubsub.example.org"]
        );
    }

    #[test]
    fn an_image_is_published_under_its_caption_or_a_neutral_name() {
        assert_eq!(attachment_title(""), "Image");
        assert_eq!(attachment_title("  \n"), "Image");
        assert_eq!(attachment_title(" The bay at dawn "), "The bay at dawn");
        assert_eq!(upload_name("image/jpeg"), "image.jpg");
        assert_eq!(upload_name("image/png"), "image.png");
        assert_eq!(upload_name("application/octet-stream"), "image");
    }

    #[test]
    fn jpegs_are_recognised_and_bounded() {
        assert!(is_jpeg(&[0xFF, 0xD8, 0xFF, 0xE1]));
        assert!(!is_jpeg(b"\x89PNG"));
        assert!(!is_jpeg(&[0xFF, 0xD8]));
        assert_eq!(bounded_size(800, 600, MAX_SIDE), (800, 600));
        assert_eq!(bounded_size(4000, 3000, MAX_SIDE), (2560, 1920));
        assert_eq!(bounded_size(3000, 4000, MAX_SIDE), (1920, 2560));
        assert_eq!(bounded_size(100_000, 1, MAX_SIDE), (2560, 1));
        assert_eq!(bounded_size(0, 0, MAX_SIDE), (1, 1));
        assert_eq!(bounded_size(u32::MAX, u32::MAX, MAX_SIDE), (2560, 2560));
    }

    #[test]
    fn an_avatar_is_the_centred_square_at_most_192_px() {
        assert_eq!(
            avatar_square(4000, 3000, AVATAR_SIDE),
            Some(((500, 0, 3000), 192))
        );
        assert_eq!(
            avatar_square(300, 1001, AVATAR_SIDE),
            Some(((0, 350, 300), 192))
        );
        assert_eq!(
            avatar_square(50, 80, AVATAR_SIDE),
            Some(((0, 15, 50), 50)),
            "never enlarged"
        );
        assert_eq!(avatar_square(0, 80, AVATAR_SIDE), None);
    }

    #[test]
    fn a_slot_is_read_and_only_http_urls_are_accepted() {
        let answer = "<slot xmlns='urn:xmpp:http:upload:0'>\
            <put url='https://upload.example.org/put/a.png'><header name='Authorization'>Basic x</header></put>\
            <get url='https://upload.example.org/get/a.png'/></slot>";
        let slot = slot(el(answer)).unwrap();
        assert_eq!(slot.put, "https://upload.example.org/put/a.png");
        assert_eq!(
            slot.headers,
            [("Authorization".to_owned(), "Basic x".to_owned())]
        );
        assert_eq!(slot.get, "https://upload.example.org/get/a.png");
        let hostile = answer.replace("https://upload.example.org/get", "javascript:alert(1)//");
        assert_eq!(super::slot(el(&hostile)), None);
        let iq = String::from(&Element::from(slot_iq(
            "u1",
            &"upload.example.org".parse().unwrap(),
            "a.png",
            10,
            "image/png",
        )));
        assert!(
            iq.contains("filename='a.png'") && iq.contains("content-type='image/png'"),
            "{iq}"
        );
    }
}
