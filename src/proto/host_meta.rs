//! XEP-0156 host-meta documents, in XRD (XML) and JRD (JSON) form: where a domain's
//! XMPP-over-WebSocket endpoint lives.

use minidom::Element;

use super::json::Json;
use super::ns;
use crate::xmpp::endpoint::check_websocket_uri;

/// The WebSocket endpoints a host-meta document lists that Kith may open, secure ones
/// first, and those it refuses (plain `ws:` off this machine).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostMeta {
    pub websocket_urls: Vec<String>,
    /// Why the first refused link was refused, for when nothing else is usable.
    pub refused: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMetaError {
    NotXrd,
    NotJrd(String),
}

impl HostMeta {
    /// Parses `/.well-known/host-meta` (RFC 6415 XRD).
    pub fn from_xrd(text: &str) -> Result<HostMeta, HostMetaError> {
        let root: Element = text.parse().map_err(|_| HostMetaError::NotXrd)?;
        if !root.is("XRD", ns::XRD) {
            return Err(HostMetaError::NotXrd);
        }
        let links = root
            .children()
            .filter(|c| c.is("Link", ns::XRD))
            .filter(|c| c.attr("rel") == Some(ns::ALT_CONNECTIONS_WEBSOCKET))
            .filter_map(|c| c.attr("href"));
        Ok(HostMeta::from_hrefs(links))
    }

    /// Parses `/.well-known/host-meta.json` (RFC 6415 JRD).
    pub fn from_jrd(text: &str) -> Result<HostMeta, HostMetaError> {
        let jrd = Json::parse(text).map_err(HostMetaError::NotJrd)?;
        if !matches!(jrd, Json::Object(_)) {
            return Err(HostMetaError::NotJrd("not an object".into()));
        }
        let links = match jrd.get("links") {
            None | Some(Json::Null) => &[][..],
            Some(Json::Array(links)) => links,
            Some(_) => return Err(HostMetaError::NotJrd("links is not a list".into())),
        };
        let mut hrefs = Vec::new();
        for link in links {
            let (Json::Object(_), Ok(rel), Ok(href)) =
                (link, link.opt_string("rel"), link.opt_string("href"))
            else {
                return Err(HostMetaError::NotJrd(
                    "a link is not an object of strings".into(),
                ));
            };
            if let (Some(ns::ALT_CONNECTIONS_WEBSOCKET), Some(href)) = (rel.as_deref(), href) {
                hrefs.push(href);
            }
        }
        Ok(HostMeta::from_hrefs(hrefs.iter().map(String::as_str)))
    }

    /// Keeps only `ws:`/`wss:` URLs, `wss:` first; anything else in a WebSocket link is
    /// either a mistake or an attempt to make us connect somewhere odd.
    fn from_hrefs<'a>(hrefs: impl Iterator<Item = &'a str>) -> HostMeta {
        let mut secure = vec![];
        let mut plain = vec![];
        let mut refused = None;
        for href in hrefs.map(str::trim) {
            let lower = href.to_ascii_lowercase();
            if !lower.starts_with("wss://") && !lower.starts_with("ws://") {
                continue;
            }
            match check_websocket_uri(href) {
                Ok(()) if lower.starts_with("wss://") => secure.push(href.to_owned()),
                Ok(()) => plain.push(href.to_owned()),
                Err(why) => {
                    refused.get_or_insert(why);
                }
            }
        }
        secure.extend(plain);
        HostMeta {
            websocket_urls: secure,
            refused,
        }
    }

    pub fn websocket_url(&self) -> Option<&str> {
        self.websocket_urls.first().map(String::as_str)
    }
}

/// The two documents XEP-0156 §3 says to look for, in the order we try them.
pub fn discovery_urls(domain: &str) -> [String; 2] {
    [
        format!("https://{domain}/.well-known/host-meta"),
        format!("https://{domain}/.well-known/host-meta.json"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xrd_with_websocket_and_bosh_links() {
        let xrd = r#"<?xml version='1.0' encoding='utf-8'?>
<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>
  <Link rel="urn:xmpp:alt-connections:xbosh" href="https://example.org/http-bind"/>
  <Link rel="urn:xmpp:alt-connections:websocket" href="ws://localhost:5280/plain"/>
  <Link rel="urn:xmpp:alt-connections:websocket" href="wss://example.org/xmpp-websocket"/>
</XRD>"#;
        let meta = HostMeta::from_xrd(xrd).unwrap();
        assert_eq!(
            meta.websocket_urls,
            vec![
                "wss://example.org/xmpp-websocket",
                "ws://localhost:5280/plain"
            ]
        );
        assert_eq!(
            meta.websocket_url(),
            Some("wss://example.org/xmpp-websocket")
        );
    }

    #[test]
    fn jrd_with_websocket_link() {
        let jrd = r#"{"links":[{"rel":"urn:xmpp:alt-connections:xbosh","href":"https://example.org/http-bind"},
            {"rel":"urn:xmpp:alt-connections:websocket","href":"wss://example.org/ws"}]}"#;
        assert_eq!(
            HostMeta::from_jrd(jrd).unwrap().websocket_url(),
            Some("wss://example.org/ws")
        );
    }

    #[test]
    fn non_websocket_schemes_are_dropped() {
        let jrd = r#"{"links":[{"rel":"urn:xmpp:alt-connections:websocket","href":"javascript:alert(1)"},
            {"rel":"urn:xmpp:alt-connections:websocket","href":"https://example.org/ws"},
            {"rel":"urn:xmpp:alt-connections:websocket"}]}"#;
        assert_eq!(HostMeta::from_jrd(jrd).unwrap().websocket_url(), None);
    }

    #[test]
    fn plain_ws_off_this_machine_is_refused_with_a_reason() {
        let xrd = r#"<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>
  <Link rel="urn:xmpp:alt-connections:websocket" href="ws://example.org/xmpp-websocket"/>
</XRD>"#;
        let meta = HostMeta::from_xrd(xrd).unwrap();
        assert_eq!(meta.websocket_url(), None);
        assert!(meta.refused.unwrap().contains("unencrypted"));
        let jrd = r#"{"links":[{"rel":"urn:xmpp:alt-connections:websocket","href":"ws://example.org/ws"},
            {"rel":"urn:xmpp:alt-connections:websocket","href":"wss://example.org/ws"}]}"#;
        assert_eq!(
            HostMeta::from_jrd(jrd).unwrap().websocket_urls,
            vec!["wss://example.org/ws"]
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert_eq!(
            HostMeta::from_xrd("<html>nope</html>"),
            Err(HostMetaError::NotXrd)
        );
        assert_eq!(HostMeta::from_xrd("not xml"), Err(HostMetaError::NotXrd));
        assert!(HostMeta::from_jrd("<XRD/>").is_err());
        assert!(HostMeta::from_jrd("[]").is_err());
        assert!(HostMeta::from_jrd(r#"{"links":{}}"#).is_err());
        assert!(HostMeta::from_jrd(r#"{"links":[1]}"#).is_err());
        assert!(HostMeta::from_jrd(r#"{"links":[{"rel":5}]}"#).is_err());
        assert_eq!(HostMeta::from_jrd("{}").unwrap(), HostMeta::default());
    }

    #[test]
    fn discovery_tries_xml_then_json() {
        assert_eq!(
            discovery_urls("example.org"),
            [
                "https://example.org/.well-known/host-meta".to_owned(),
                "https://example.org/.well-known/host-meta.json".to_owned()
            ]
        );
    }
}
