//! Which remote images in posts load by themselves. An image loads as soon as it is in
//! the page, and its request tells the host the reader's address and when they read: a
//! tracking pixel. So only hosts the reader already talks to load by themselves — their
//! own server (its domain and subdomains, its WebSocket host, its upload hosts) and the
//! author's server; any other image waits until the person asks (DESIGN.md, "Privacy by
//! default").

/// What to do with one image address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Load {
    /// Load it now.
    Now,
    /// Show a placeholder until the person allows it.
    Ask,
    /// Never load it: `http:` on an `https:` page, or no web address at all.
    Never,
}

/// The hosts trusted for one post, and what the person allowed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageSources {
    /// Trusted with their subdomains: the account's domain, the author's.
    domains: Vec<String>,
    /// Trusted exactly: the WebSocket endpoint's host, the upload services' hosts.
    hosts: Vec<String>,
    /// The page is `https:`: an `http:` image would cross the network in clear.
    secure_page: bool,
    /// The person allowed every image (the setting) or this post's (**Show image**).
    allow_all: bool,
}

impl ImageSources {
    pub fn new(secure_page: bool) -> Self {
        ImageSources {
            secure_page,
            ..Default::default()
        }
    }

    /// Trusts `domain` (a JID's domain) and its subdomains.
    pub fn domain(mut self, domain: &str) -> Self {
        if let Some(domain) = normal_host(domain) {
            self.domains.push(domain);
        }
        self
    }

    /// Trusts exactly the host of `url` (any scheme: `wss:`, `https:`).
    pub fn host_of(mut self, url: &str) -> Self {
        if let Some(host) = host_of(url) {
            self.hosts.push(host);
        }
        self
    }

    /// Trusts exactly `host`.
    pub fn host(mut self, host: &str) -> Self {
        if let Some(host) = normal_host(host) {
            self.hosts.push(host);
        }
        self
    }

    pub fn allow_all(mut self, allow: bool) -> Self {
        self.allow_all = allow;
        self
    }

    /// What to do with the image at `src` (already through `xhtml::safe_url`).
    pub fn load(&self, src: &str) -> Load {
        let scheme = src
            .split_once(':')
            .map(|(s, _)| s.trim().to_ascii_lowercase());
        match scheme.as_deref() {
            Some("https") => {}
            Some("http") if !self.secure_page => {}
            _ => return Load::Never,
        }
        if self.allow_all || host_of(src).is_some_and(|host| self.trusts(&host)) {
            Load::Now
        } else {
            Load::Ask
        }
    }

    fn trusts(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h == host)
            || self.domains.iter().any(|domain| {
                host == domain
                    // An address is not a domain: `x.1` must not pass for a subdomain of `1`.
                    || (!is_numeric(domain)
                        && host
                            .strip_suffix(domain.as_str())
                            .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1))
            })
    }
}

/// Whether the last label of `host` is a number, or `host` an IPv6 literal: an address
/// to the browser, never a name with subdomains.
fn is_numeric(host: &str) -> bool {
    host.starts_with('[')
        || host.rsplit('.').next().is_some_and(|label| {
            label.bytes().all(|b| b.is_ascii_digit()) || label.starts_with("0x") || label.is_empty()
        })
}

/// The host of `url`, lowercased, as the browser would connect to it; `None` when it
/// is anything but plain ASCII letters, digits, dots and dashes (or an IPv6 literal),
/// so that an address read differently by the browser is never trusted.
///
/// Follows the WHATWG URL parser where it matters: any run of `/` and `\` after the
/// scheme, `\` ending the authority like `/`, the last `@` ending the user info.
pub fn host_of(url: &str) -> Option<String> {
    let (_, rest) = url.trim().split_once(':')?;
    let rest = rest.trim_start_matches(['/', '\\']);
    let authority = rest.split(['/', '\\', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if host_port.starts_with('[') {
        &host_port[..=host_port.find(']')?]
    } else {
        host_port.split(':').next()?
    };
    normal_host(host)
}

/// `host` lowercased without a final dot, if it is plain ASCII (see [`host_of`]).
fn normal_host(host: &str) -> Option<String> {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let ipv6 = host.starts_with('[')
        && host.ends_with(']')
        && host[1..host.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'));
    let name = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    (ipv6 || name).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Alice on example.org, connected through wss://xmpp.example.net, uploading to
    /// files.example.com, reading Bob of capulet.example.
    fn sources(secure: bool) -> ImageSources {
        ImageSources::new(secure)
            .domain("example.org")
            .domain("capulet.example")
            .host_of("wss://xmpp.example.net:5443/ws")
            .host("files.example.com")
    }

    #[test]
    fn own_author_endpoint_and_upload_hosts_load_by_themselves() {
        let s = sources(true);
        for src in [
            "https://example.org/a.png",
            "https://upload.example.org/file_share/x/a.jpg",
            "https://deep.upload.EXAMPLE.org./a.png",
            "https://capulet.example:8443/a.png",
            "https://media.capulet.example/a.png",
            "https://xmpp.example.net/a.png",
            "https://files.example.com/get/a.png",
            "https://user:pass@example.org/a.png",
            "https://tracker.example@example.org/a.png",
        ] {
            assert_eq!(s.load(src), Load::Now, "{src}");
        }
    }

    #[test]
    fn any_other_host_waits_for_the_person() {
        let s = sources(true);
        for src in [
            "https://tracker.example/pixel.gif",
            "https://example.org.tracker.example/p.gif",
            "https://notexample.org/p.gif",
            "https://example.org@tracker.example/p.gif",
            // The browser reads `\` as `/`: the host is tracker.example.
            "https://tracker.example\\@example.org/p.gif",
            "https://tracker.example\\.example.org/p.gif",
            "https:///tracker.example/p.gif",
            // Only exactly the endpoint and upload hosts, not their subdomains.
            "https://x.xmpp.example.net/p.gif",
            "https://x.files.example.com/p.gif",
            // Anything the browser might read otherwise is never trusted.
            "https://example%2Eorg/p.gif",
            "https://exämple.org/p.gif",
            "https://2130706433/p.gif",
        ] {
            assert_eq!(s.load(src), Load::Ask, "{src}");
        }
        assert_eq!(
            s.clone()
                .allow_all(true)
                .load("https://tracker.example/p.gif"),
            Load::Now
        );
    }

    #[test]
    fn http_images_never_load_on_an_https_page() {
        let s = sources(true).allow_all(true);
        assert_eq!(s.load("http://example.org/a.png"), Load::Never);
        assert_eq!(s.load("HTTP://tracker.example/a.png"), Load::Never);
        assert_eq!(s.load("data:image/png;base64,AA"), Load::Never);
        assert_eq!(s.load("xmpp:romeo@montague.example"), Load::Never);
        // On an http page (a loopback test server) http is as good as the page.
        let plain = sources(false);
        assert_eq!(plain.load("http://example.org/a.png"), Load::Now);
        assert_eq!(plain.load("http://tracker.example/a.png"), Load::Ask);
    }

    #[test]
    fn addresses_are_trusted_exactly_never_as_domains() {
        let s = ImageSources::new(false)
            .domain("1")
            .host_of("ws://127.0.0.1:5280/xmpp-websocket")
            .host_of("https://[::1]:5281/x");
        assert_eq!(s.load("http://127.0.0.1:8090/a.png"), Load::Now);
        assert_eq!(s.load("http://[::1]/a.png"), Load::Now);
        assert_eq!(s.load("http://127.0.0.2/a.png"), Load::Ask);
        assert_eq!(s.load("http://0x7f.0.0.1/a.png"), Load::Ask);
        assert_eq!(host_of("wss://[::1]:5281/"), Some("[::1]".into()));
        assert_eq!(host_of("https://"), None);
        assert_eq!(host_of("nonsense"), None);
    }
}
