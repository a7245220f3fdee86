//! XEP-0363: HTTP File Upload — the slot request and the slot it answers with.

use minidom::Element;

use super::xml::Attrs;

use super::ns;

/// §4: asks for a slot for a file.
pub fn slot_request(filename: &str, size: u64, content_type: &str) -> Element {
    Element::builder("request", ns::HTTP_UPLOAD)
        .a("content-type", content_type)
        .a("filename", filename)
        .a("size", size.to_string())
        .build()
}

/// A slot as read: the PUT URL and its headers, the GET URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotAnswer {
    pub put: String,
    pub headers: Vec<(String, String)>,
    pub get: String,
}

/// Reads a `<slot/>`; `None` when malformed, or when a header is not one of the three
/// §4 allows (Authorization, Cookie, Expires): nothing else may be passed to the PUT.
pub fn read_slot(el: &Element) -> Option<SlotAnswer> {
    if !el.is("slot", ns::HTTP_UPLOAD) {
        return None;
    }
    let put = el.get_child("put", ns::HTTP_UPLOAD)?;
    let get = el.get_child("get", ns::HTTP_UPLOAD)?;
    let headers = put
        .children()
        .filter(|h| h.is("header", ns::HTTP_UPLOAD))
        .map(|h| {
            let name = match h.attr("name")?.to_ascii_lowercase().as_str() {
                "authorization" => "Authorization",
                "cookie" => "Cookie",
                "expires" => "Expires",
                _ => return None,
            };
            Some((name.to_owned(), h.text()))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(SlotAnswer {
        put: put.attr("url")?.to_owned(),
        headers,
        get: get.attr("url")?.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_passes_on_only_the_three_allowed_headers() {
        let slot = |headers: &str| {
            read_slot(
                &format!(
                    "<slot xmlns='urn:xmpp:http:upload:0'><put url='https://u/p'>{headers}</put><get url='https://u/g'/></slot>"
                )
                .parse()
                .unwrap(),
            )
        };
        let ok = slot("<header name='authorization'>Basic x</header>").unwrap();
        assert_eq!(
            ok.headers,
            vec![("Authorization".to_owned(), "Basic x".to_owned())]
        );
        assert_eq!(
            (ok.put.as_str(), ok.get.as_str()),
            ("https://u/p", "https://u/g")
        );
        assert_eq!(slot("<header name='Host'>evil</header>"), None);
        assert_eq!(slot("<header>x</header>"), None);
    }
}
