//! Which WebSocket endpoints Kith will open (RFC 7395 §3.1 names `ws:` and `wss:`).
//!
//! SCRAM never sends the password, but what goes over the socket — the SCRAM proof,
//! the keys a remembered device derives from, every message — would cross the network
//! in clear on `ws:`. So `ws:` is opened only to the loopback interface (a server on the
//! same machine, as the tests and `scripts/run` use); everything else must be `wss:`.
//! The rule holds wherever an endpoint comes from: the host's `config.json`, XEP-0156
//! discovery, a stored endpoint, or a server's `<close see-other-uri/>`.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The host part of a `ws:`/`wss:` URI (without port, brackets or user info), or `None`
/// when it is not such a URI or names no host.
pub fn websocket_host(uri: &str) -> Option<&str> {
    let rest = strip_scheme(uri.trim())?.1;
    // As browsers read ws: and wss: (WHATWG URL, special schemes): `\` ends the
    // authority like `/`, so `ws://evil.example\@127.0.0.1/` is evil.example, not loopback.
    let authority = rest.split(['/', '\\', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split_once(']')?.0
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// Whether `host` is this machine: `localhost` (and its subdomains, RFC 6761 §6.3),
/// 127.0.0.0/8 or `::1`.
pub fn is_loopback_host(host: &str) -> bool {
    let lower = host.to_ascii_lowercase();
    lower == "localhost"
        || lower.ends_with(".localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// `Ok` for an endpoint Kith may open; otherwise the sentence to show the person.
pub fn check_websocket_uri(uri: &str) -> Result<(), String> {
    let uri = uri.trim();
    let Some((secure, _)) = strip_scheme(uri) else {
        return Err(format!(
            "“{uri}” is not a WebSocket address (ws:// or wss://)."
        ));
    };
    let Some(host) = websocket_host(uri) else {
        return Err(format!("“{uri}” names no server."));
    };
    if secure || is_loopback_host(host) {
        Ok(())
    } else {
        Err(format!(
            "Kith will not connect to {host} over an unencrypted connection ({uri}): \
             your sign-in and everything you write would cross the network in clear. \
             The server needs a wss:// address."
        ))
    }
}

/// `(secure, rest after "://")` for a `wss:`/`ws:` URI, any case.
fn strip_scheme(uri: &str) -> Option<(bool, &str)> {
    let (scheme, rest) = uri.split_once("://")?;
    if scheme.eq_ignore_ascii_case("wss") {
        Some((true, rest))
    } else if scheme.eq_ignore_ascii_case("ws") {
        Some((false, rest))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_from_websocket_uris() {
        for (uri, host) in [
            ("wss://example.org/xmpp-websocket", Some("example.org")),
            ("WSS://Example.org:5443/ws?x#y", Some("Example.org")),
            ("ws://127.0.0.1:5280/xmpp-websocket", Some("127.0.0.1")),
            ("ws://[::1]:5280/ws", Some("::1")),
            ("ws://user@localhost/ws", Some("localhost")),
            ("wss://", None),
            ("wss:///path", None),
            ("https://example.org/ws", None),
            ("example.org", None),
        ] {
            assert_eq!(websocket_host(uri), host, "{uri}");
        }
    }

    #[test]
    fn plain_ws_only_to_loopback() {
        for ok in [
            "wss://example.org/xmpp-websocket",
            "wss://203.0.113.5/ws",
            "ws://127.0.0.1:5380/xmpp-websocket",
            "ws://127.8.9.10/ws",
            "ws://localhost:5280/ws",
            "WS://LOCALHOST/ws",
            "ws://xmpp.localhost/ws",
            "ws://[::1]:5280/ws",
        ] {
            assert_eq!(check_websocket_uri(ok), Ok(()), "{ok}");
        }
        for refused in [
            "ws://example.org/xmpp-websocket",
            "ws://192.168.1.10:5280/ws",
            "ws://[2001:db8::1]/ws",
            "ws://localhost.example.org/ws",
            "ws://127.0.0.1.example.org/ws",
            "ws://evil@example.org/ws",
            "ws://evil.example\\@127.0.0.1/ws",
            "ws://evil.example\\@localhost:5280/ws",
        ] {
            let err = check_websocket_uri(refused).unwrap_err();
            assert!(err.contains("unencrypted"), "{refused}: {err}");
        }
        assert!(check_websocket_uri("https://example.org/ws")
            .unwrap_err()
            .contains("not a WebSocket address"));
        assert!(check_websocket_uri("wss://").is_err());
    }
}
