//! Finding the WebSocket endpoint: the host's `config.json`, else XEP-0156 discovery.

use std::cell::RefCell;

use gloo_net::http::Request;

use crate::config::AppConfig;
use crate::proto::host_meta::{discovery_urls, HostMeta};

thread_local! {
    /// `config.json` as first read: it does not change while the page lives.
    static CONFIG: RefCell<Option<AppConfig>> = const { RefCell::new(None) };
}

/// Reads `config.json` beside `index.html`, once. Missing is fine; broken is reported.
pub async fn load_config() -> Result<AppConfig, String> {
    if let Some(config) = CONFIG.with(|c| c.borrow().clone()) {
        return Ok(config);
    }
    let Some(config) = fetch_config().await? else {
        // Offline (the app shell came from the service worker): the defaults for now,
        // and the host's file again on the next call.
        return Ok(AppConfig::default());
    };
    CONFIG.with(|c| *c.borrow_mut() = Some(config.clone()));
    Ok(config)
}

/// `None` when the network did not answer at all.
async fn fetch_config() -> Result<Option<AppConfig>, String> {
    // Relative, so a deployment under a sub-path finds its own file.
    let response = match Request::get("config.json").send().await {
        Ok(r) => r,
        Err(_) => return Ok(None),
    };
    if !response.ok() {
        return Ok(Some(AppConfig::default()));
    }
    let text = response
        .text()
        .await
        .map_err(|e| format!("config.json could not be read: {e}"))?;
    AppConfig::from_json(&text).map(Some)
}

/// The WebSocket URL for `domain`, or a sentence naming every place we looked.
pub async fn websocket_url(config: &AppConfig, domain: &str) -> Result<String, String> {
    if let Some(url) = config.websocket_url_for(domain) {
        return Ok(url.to_owned());
    }
    discover(domain).await
}

/// XEP-0156 discovery alone: what `domain` says today, ignoring any preset or stored
/// endpoint. A link Kith refuses (plain `ws:` off this machine) is reported as such.
pub async fn discover(domain: &str) -> Result<String, String> {
    let mut refused = None;
    let urls = discovery_urls(domain);
    for (i, url) in urls.iter().enumerate() {
        let Ok(response) = Request::get(url).send().await else {
            continue;
        };
        if !response.ok() {
            continue;
        }
        let Ok(text) = response.text().await else {
            continue;
        };
        let meta = if i == 0 {
            HostMeta::from_xrd(&text)
        } else {
            HostMeta::from_jrd(&text)
        };
        let Ok(meta) = meta else { continue };
        if let Some(ws) = meta.websocket_url() {
            return Ok(ws.to_owned());
        }
        refused = refused.or(meta.refused);
    }
    if let Some(why) = refused {
        return Err(why);
    }
    Err(format!(
        "Could not find how to connect to {domain}: nothing usable at {} or {}",
        urls[0], urls[1]
    ))
}
