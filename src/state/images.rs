//! What the person allowed of remote images in posts (see `service::images`), and the
//! upload hosts their own images come from. The setting and the hosts are kept in this
//! browser's `localStorage`: a preference of the device, read before any account is.

use std::collections::HashSet;

use leptos::prelude::*;

use super::feed::PostKey;
use crate::service::images::ImageSources;

const ALWAYS_KEY: &str = "kith.images.always";
const UPLOAD_HOSTS_KEY: &str = "kith.images.upload-hosts";

fn storage() -> Option<web_sys::Storage> {
    // A throwing getter (some privacy modes) counts as no storage: nothing is kept.
    web_sys::window()?.local_storage().ok().flatten()
}

#[derive(Clone, Copy)]
pub struct ImageChoices {
    /// **Always show images**.
    pub always: RwSignal<bool>,
    /// Posts whose images the person chose to see (**Show image**), for this page's life.
    pub shown: RwSignal<HashSet<PostKey>>,
    /// Hosts the account's uploads were served from.
    pub upload_hosts: RwSignal<Vec<String>>,
}

impl Default for ImageChoices {
    fn default() -> Self {
        Self::new()
    }
}

impl ImageChoices {
    pub fn new() -> Self {
        let stored = |key: &str| storage().and_then(|s| s.get_item(key).ok().flatten());
        ImageChoices {
            always: RwSignal::new(stored(ALWAYS_KEY).as_deref() == Some("1")),
            shown: RwSignal::new(HashSet::new()),
            upload_hosts: RwSignal::new(
                stored(UPLOAD_HOSTS_KEY)
                    .map(|s| s.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default(),
            ),
        }
    }

    pub fn set_always(&self, always: bool) {
        self.always.set(always);
        if let Some(s) = storage() {
            let _ = if always {
                s.set_item(ALWAYS_KEY, "1")
            } else {
                s.remove_item(ALWAYS_KEY)
            };
        }
    }

    /// **Show image** on one post.
    pub fn show(&self, post: PostKey) {
        self.shown.update(|shown| {
            shown.insert(post);
        });
    }

    /// Remembers the host an upload of the account is served from.
    pub fn add_upload_host(&self, url: &str) {
        let Some(host) = crate::service::images::host_of(url) else {
            return;
        };
        if self.upload_hosts.with_untracked(|h| h.contains(&host)) {
            return;
        }
        self.upload_hosts.update(|hosts| hosts.push(host));
        if let Some(s) = storage() {
            let _ = s.set_item(
                UPLOAD_HOSTS_KEY,
                &self.upload_hosts.get_untracked().join(" "),
            );
        }
    }

    /// The hosts trusted for a post by `author` (bare JID), read reactively: the signed-in
    /// account's domain, the author's, the WebSocket endpoint's host, the upload hosts.
    pub fn sources(&self, state: &super::AppState, author: &str, post: &PostKey) -> ImageSources {
        let domain = |jid: &str| jid.rsplit('@').next().unwrap_or(jid).to_owned();
        let secure = web_sys::window()
            .and_then(|w| w.location().protocol().ok())
            .is_none_or(|p| p != "http:");
        let mut sources = ImageSources::new(secure).domain(&domain(author));
        if let Some(account) = state.account.get() {
            sources = sources.domain(&domain(&account));
        }
        if let Some((domain, url)) = state.endpoint.get() {
            sources = sources.domain(&domain).host_of(&url);
        }
        for host in self.upload_hosts.get() {
            sources = sources.host(&host);
        }
        let allowed = self.always.get() || self.shown.with(|s| s.contains(post));
        sources.allow_all(allowed)
    }
}
