//! What the host and the person tell Kith before it connects: the host's `config.json`
//! beside `index.html`, and the Jabber ID typed into the sign-in form.

use crate::proto::jid::BareJid;
use crate::proto::json::Json;

use crate::xmpp::endpoint::{check_websocket_uri, websocket_host};

/// `config.json`, all optional: `{"default_domain": "...", "websocket_url": "wss://..."}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppConfig {
    pub default_domain: Option<String>,
    pub websocket_url: Option<String>,
}

impl AppConfig {
    /// Refuses a preset endpoint Kith would not open (plain `ws:` off this machine), so
    /// the host learns at once rather than each person at sign-in.
    pub fn from_json(text: &str) -> Result<AppConfig, String> {
        let invalid = |e: String| format!("config.json is not valid: {e}");
        let json = Json::parse(text).map_err(invalid)?;
        if !matches!(json, Json::Object(_)) {
            return Err(invalid("not an object".into()));
        }
        let config = AppConfig {
            default_domain: json.opt_string("default_domain").map_err(invalid)?,
            websocket_url: json.opt_string("websocket_url").map_err(invalid)?,
        };
        if let Some(url) = &config.websocket_url {
            check_websocket_uri(url).map_err(|why| format!("config.json: {why}"))?;
        }
        Ok(config)
    }

    /// The preset endpoint applies to the host's own domain only: a person signing in to
    /// another server must not have their credentials sent to this host's server.
    pub fn websocket_url_for(&self, domain: &str) -> Option<&str> {
        let url = self.websocket_url.as_deref()?;
        match self.default_domain.as_deref() {
            Some(d) if !d.eq_ignore_ascii_case(domain) => None,
            _ => Some(url),
        }
    }
}

/// Turns what was typed into the Jabber ID box into an account JID, or a sentence saying
/// what is wrong with it.
pub fn account_jid(input: &str, default_domain: Option<&str>) -> Result<BareJid, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("Enter your Jabber ID, like name@example.org".into());
    }
    let full = if input.contains('@') {
        input.to_owned()
    } else {
        match default_domain {
            Some(domain) => format!("{input}@{domain}"),
            None => return Err("Enter your whole Jabber ID, like name@example.org".into()),
        }
    };
    // A resource typed by habit ("me@example.org/phone") is dropped: we bind our own.
    // What a person typed: fully prepared (RFC 7622 §3), unlike JIDs from the wire.
    let jid = crate::proto::jid::Jid::from_typed(&full).map_err(|_| {
        format!("“{input}” is not a valid Jabber ID (it looks like name@example.org)")
    })?;
    let bare = jid.to_bare();
    if bare.node().is_none() {
        return Err(format!(
            "“{input}” is not a valid Jabber ID (it looks like name@example.org)"
        ));
    }
    Ok(bare)
}

/// Where signing in with `typed` connects, as the person should know before sending a
/// password: the host of the host's preset endpoint or of the one last used for that
/// domain, else the domain whose XEP-0156 document will say. `None` until a domain is
/// typed.
pub fn server_line(
    typed: &str,
    config: Option<&AppConfig>,
    last: Option<&(String, String)>,
) -> Option<String> {
    let jid = account_jid(typed, config.and_then(|c| c.default_domain.as_deref())).ok()?;
    let domain = jid.domain().as_str();
    let url = config
        .and_then(|c| c.websocket_url_for(domain))
        .or_else(|| {
            last.filter(|(d, _)| d == domain)
                .map(|(_, url)| url.as_str())
        });
    Some(match url.and_then(websocket_host) {
        Some(host) => format!("Connects to {host}"),
        None => format!("Connects to the server {domain} names in its host-meta"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_json_parses_with_and_without_fields() {
        let c = AppConfig::from_json(
            r#"{"default_domain":"example.org","websocket_url":"wss://example.org/ws"}"#,
        )
        .unwrap();
        assert_eq!(c.default_domain.as_deref(), Some("example.org"));
        assert_eq!(AppConfig::from_json("{}").unwrap(), AppConfig::default());
        assert!(AppConfig::from_json("{").is_err());
    }

    #[test]
    fn config_json_refuses_plain_ws_off_this_machine() {
        let err = AppConfig::from_json(r#"{"websocket_url":"ws://example.org/xmpp-websocket"}"#)
            .unwrap_err();
        assert!(
            err.starts_with("config.json: ") && err.contains("unencrypted"),
            "{err}"
        );
        // The tests' and scripts/run's own server.
        let local =
            AppConfig::from_json(r#"{"websocket_url":"ws://127.0.0.1:5380/xmpp-websocket"}"#);
        assert!(local.is_ok());
    }

    #[test]
    fn preset_endpoint_only_for_the_hosts_domain() {
        let c = AppConfig::from_json(
            r#"{"default_domain":"example.org","websocket_url":"wss://example.org/ws"}"#,
        )
        .unwrap();
        assert_eq!(
            c.websocket_url_for("example.org"),
            Some("wss://example.org/ws")
        );
        assert_eq!(
            c.websocket_url_for("Example.ORG"),
            Some("wss://example.org/ws")
        );
        assert_eq!(c.websocket_url_for("other.net"), None);
        let no_domain =
            AppConfig::from_json(r#"{"websocket_url":"wss://example.org/ws"}"#).unwrap();
        assert_eq!(
            no_domain.websocket_url_for("anything.net"),
            Some("wss://example.org/ws")
        );
    }

    #[test]
    fn the_sign_in_screen_says_where_it_connects() {
        let config = AppConfig::from_json(
            r#"{"default_domain":"example.org","websocket_url":"wss://xmpp.example.org:5443/ws"}"#,
        )
        .unwrap();
        let line = |typed: &str, last: Option<(&str, &str)>| {
            let last = last.map(|(d, u)| (d.to_owned(), u.to_owned()));
            server_line(typed, Some(&config), last.as_ref())
        };
        assert_eq!(line("", None), None);
        assert_eq!(line("alice", None).unwrap(), "Connects to xmpp.example.org");
        assert_eq!(
            line("bob@other.net", None).unwrap(),
            "Connects to the server other.net names in its host-meta"
        );
        // After discovery (or a stored endpoint), for that domain only.
        let found = Some(("other.net", "wss://ws.other.net/xmpp"));
        assert_eq!(
            line("bob@other.net", found).unwrap(),
            "Connects to ws.other.net"
        );
        assert_eq!(
            line("carol@third.org", found).unwrap(),
            "Connects to the server third.org names in its host-meta"
        );
        assert_eq!(
            server_line("a@b.c", None, None).unwrap(),
            "Connects to the server b.c names in its host-meta"
        );
    }

    #[test]
    fn jid_input_is_checked_before_connecting() {
        assert_eq!(
            account_jid(" alice@example.org ", None)
                .unwrap()
                .to_string(),
            "alice@example.org"
        );
        assert_eq!(
            account_jid("alice", Some("example.org"))
                .unwrap()
                .to_string(),
            "alice@example.org"
        );
        assert_eq!(
            account_jid("alice@example.org/phone", None)
                .unwrap()
                .to_string(),
            "alice@example.org"
        );
        assert!(account_jid("", None)
            .unwrap_err()
            .contains("Enter your Jabber ID"));
        assert!(account_jid("alice", None)
            .unwrap_err()
            .contains("whole Jabber ID"));
        for bad in [
            "@example.org",
            "alice@",
            "a@b@c",
            "alice@exa mple.org",
            "example.org/x@",
        ] {
            assert!(account_jid(bad, None).is_err(), "{bad}");
        }
    }
}
