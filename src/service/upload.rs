//! XEP-0363 HTTP File Upload: find the server's upload service, ask it for a slot, read
//! the answer. The HTTP PUT itself is the browser's (`net::upload`).

use minidom::Element;
use xmpp_parsers::disco::{DiscoInfoQuery, DiscoInfoResult, DiscoItemsQuery, DiscoItemsResult};
use xmpp_parsers::http_upload::{SlotRequest, SlotResult};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::jid::Jid;
use xmpp_parsers::ns;

/// Where to PUT the file and where it will be readable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub put: String,
    /// `Authorization`, `Cookie`, `Expires`, as the service asked.
    pub headers: Vec<(String, String)>,
    pub get: String,
}

/// The server's items, among which an upload service usually is.
pub fn items_iq(id: &str, domain: &Jid) -> Iq {
    Iq::from_get(
        id.to_owned(),
        DiscoItemsQuery {
            node: None,
            rsm: None,
        },
    )
    .with_to(domain.clone())
}

pub fn info_iq(id: &str, service: &Jid) -> Iq {
    Iq::from_get(id.to_owned(), DiscoInfoQuery { node: None }).with_to(service.clone())
}

/// The services worth asking: the domain itself first (some servers upload there), then
/// its items.
pub fn candidates(domain: &Jid, items: Option<Element>) -> Vec<Jid> {
    let listed = items
        .and_then(|el| DiscoItemsResult::try_from(el).ok())
        .map(|r| r.items.into_iter().map(|i| i.jid).collect::<Vec<_>>())
        .unwrap_or_default();
    std::iter::once(domain.clone()).chain(listed).collect()
}

/// `Some(max size in bytes, if the service says)` when this disco#info is an upload
/// service.
pub fn upload_limit(info: Option<Element>) -> Option<Option<u64>> {
    let info = DiscoInfoResult::try_from(info?).ok()?;
    if !info.features.iter().any(|f| f == ns::HTTP_UPLOAD) {
        return None;
    }
    // XEP-0363 §2: the limit travels in a form of FORM_TYPE urn:xmpp:http:upload:0.
    let limit = info.extensions.iter().find_map(|form| {
        form.fields
            .iter()
            .find(|f| f.var.as_deref() == Some("max-file-size"))
            .and_then(|f| f.values.first())
            .and_then(|v| v.parse().ok())
    });
    Some(limit)
}

pub fn slot_iq(id: &str, service: &Jid, filename: &str, size: u64, media_type: &str) -> Iq {
    let request = SlotRequest {
        filename: filename.to_owned(),
        size,
        content_type: Some(media_type.to_owned()),
    };
    Iq::from_get(id.to_owned(), request).with_to(service.clone())
}

/// The slot in an answer; `None` if it is not one, or its URLs are not HTTP(S).
pub fn slot(answer: Option<Element>) -> Option<Slot> {
    let result = SlotResult::try_from(answer?).ok()?;
    let http = |url: &str| url.starts_with("https://") || url.starts_with("http://");
    if !http(&result.put.url) || !http(&result.get.url) {
        return None;
    }
    Some(Slot {
        put: result.put.url,
        headers: result
            .put
            .headers
            .into_iter()
            .map(|h| (h.name.as_str().to_owned(), h.value))
            .collect(),
        get: result.get.url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
