//! Finding the WebSocket endpoint: the host's `config.json`, else XEP-0156 discovery.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

use crate::config::AppConfig;
use crate::proto::host_meta::{discovery_urls, HostMeta};

/// Reads `config.json` beside `index.html` (the app keeps it: see `app::App::config`).
/// Missing is the defaults; broken is reported; `None` when the network did not answer
/// at all.
pub async fn fetch_config() -> Result<Option<AppConfig>, String> {
    // Relative, so a deployment under a sub-path finds its own file.
    let Some(response) = get("config.json").await else {
        return Ok(None);
    };
    if !response.ok() {
        return Ok(Some(AppConfig::default()));
    }
    let text = text(&response).await.map_err(|e| {
        let why = e.as_string().or_else(|| {
            let error = e.dyn_ref::<js_sys::Error>()?;
            Some(String::from(error.message()))
        });
        format!("config.json could not be read: {}", why.unwrap_or_default())
    })?;
    AppConfig::from_json(&text).map(Some)
}

/// `fetch(url)`, as it is (gloo-net's `Request::get`, without linking its streams and
/// JSON); `None` when the network did not answer.
async fn get(url: &str) -> Option<Response> {
    let window = web_sys::window()?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.ok()?;
    response.dyn_into().ok()
}

/// The response's body as text.
async fn text(response: &Response) -> Result<String, wasm_bindgen::JsValue> {
    let text = JsFuture::from(response.text()?).await?;
    Ok(text.as_string().unwrap_or_default())
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
        let Some(response) = get(url).await else {
            continue;
        };
        if !response.ok() {
            continue;
        }
        let Ok(text) = text(&response).await else {
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
