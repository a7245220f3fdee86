//! What the person allowed of remote images in posts (see `service::images`), and the
//! upload hosts their own images come from. Both are kept in this browser's
//! `localStorage`: the setting as a preference of the device, the hosts per account (as
//! `JID HOST` pairs), so another account signing in here does not inherit them; a Wipe
//! at sign-out forgets the account's.

use crate::sort::VecSet;

use leptos::prelude::*;

use crate::service::feed::ItemKey;
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
    pub shown: RwSignal<VecSet<ItemKey>>,
    /// Hosts uploads were served from, with the account (bare JID) that uploaded.
    pub upload_hosts: RwSignal<Vec<(String, String)>>,
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
            shown: RwSignal::new(VecSet::new()),
            upload_hosts: RwSignal::new(
                stored(UPLOAD_HOSTS_KEY)
                    .map(|s| {
                        s.lines()
                            .filter_map(|l| l.split_once(' '))
                            .map(|(jid, host)| (jid.to_owned(), host.to_owned()))
                            .collect()
                    })
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
    pub fn show(&self, post: ItemKey) {
        self.shown.update(|shown| {
            shown.insert(post);
        });
    }

    /// Remembers the host an upload of `account` is served from.
    pub fn add_upload_host(&self, account: &str, url: &str) {
        let Some(host) = crate::service::images::host_of(url) else {
            return;
        };
        let entry = (account.to_owned(), host);
        if self.upload_hosts.with_untracked(|h| h.contains(&entry)) {
            return;
        }
        self.upload_hosts.update(|hosts| hosts.push(entry));
        self.save_upload_hosts();
    }

    /// Forgets the upload hosts of `account` (a Wipe at sign-out).
    pub fn forget_upload_hosts(&self, account: &str) {
        self.upload_hosts
            .update(|hosts| hosts.retain(|(jid, _)| jid != account));
        self.save_upload_hosts();
    }

    fn save_upload_hosts(&self) {
        if let Some(s) = storage() {
            let lines: Vec<String> = self
                .upload_hosts
                .get_untracked()
                .iter()
                .map(|(jid, host)| format!("{jid} {host}"))
                .collect();
            let _ = s.set_item(UPLOAD_HOSTS_KEY, &lines.join("\n"));
        }
    }

    /// The hosts trusted for a post by `author` (bare JID), read reactively: the signed-in
    /// account's domain, the author's, the WebSocket endpoint's host, the upload hosts.
    pub fn sources(&self, state: &super::AppState, author: &str, post: &ItemKey) -> ImageSources {
        let domain = |jid: &str| jid.rsplit('@').next().unwrap_or(jid).to_owned();
        let secure = web_sys::window()
            .and_then(|w| w.location().protocol().ok())
            .is_none_or(|p| p != "http:");
        let mut sources = ImageSources::new(secure).domain(&domain(author));
        let account = state.account.get();
        if let Some(account) = &account {
            sources = sources.domain(&domain(account));
        }
        if let Some((domain, url)) = state.endpoint.get() {
            sources = sources.domain(&domain).host_of(&url);
        }
        for (jid, host) in self.upload_hosts.get() {
            if account.as_deref() == Some(jid.as_str()) {
                sources = sources.host(&host);
            }
        }
        let allowed = self.always.get() || self.shown.with(|s| s.contains(post));
        sources.allow_all(allowed)
    }
}
