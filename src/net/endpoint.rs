//! Finding the WebSocket endpoint: the host's `config.json`, else XEP-0156 discovery.

use gloo_net::http::Request;

use crate::config::AppConfig;
use crate::proto::host_meta::{discovery_urls, HostMeta};

/// Reads `config.json` beside `index.html` (the app keeps it: see `app::App::config`).
/// Missing is the defaults; broken is reported; `None` when the network did not answer
/// at all.
pub async fn fetch_config() -> Result<Option<AppConfig>, String> {
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
