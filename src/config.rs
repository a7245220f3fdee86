//! What the host and the person tell Kith before it connects: the host's `config.json`
//! beside `index.html`, and the Jabber ID typed into the sign-in form.

use serde::Deserialize;
use xmpp_parsers::jid::BareJid;

/// `config.json`, all optional: `{"default_domain": "...", "websocket_url": "wss://..."}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AppConfig {
    #[serde(default)]
    pub default_domain: Option<String>,
    #[serde(default)]
    pub websocket_url: Option<String>,
}

impl AppConfig {
    pub fn from_json(text: &str) -> Result<AppConfig, String> {
        serde_json::from_str(text).map_err(|e| format!("config.json is not valid: {e}"))
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
    let jid = xmpp_parsers::jid::Jid::new(&full).map_err(|_| {
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
