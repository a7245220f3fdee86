//! Kith: a distributed social network client speaking XMPP from the browser.
//!
//! Layers, following the data (see DESIGN.md): `net` (WebSocket, HTTP, tabs) → `xmpp`
//! (sans-IO session) → `service` (roster, presence, feed, …) → `app` (the signed-in
//! account: actions, `Update` → `store` and `state`) → `state` (reactive view) → `ui`
//! (screens).
//! `proto` holds the wire formats, one module per specification, on `minidom`.
//! `xmpp`, `proto`, `service` and `config` are pure Rust and build natively for tests;
//! the rest needs a browser.

pub mod config;
pub mod proto;
pub mod service;
pub mod sort;
pub mod store;
pub mod xmpp;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod net;
#[cfg(target_arch = "wasm32")]
pub mod state;
#[cfg(target_arch = "wasm32")]
pub mod ui;

/// Starts the app: a panic banner instead of a dead page, then the UI.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("Kith crashed: {info}").into());
        show_crash_banner();
    }));
    leptos::mount::mount_to_body(ui::App);
}

/// Built with plain DOM calls: after a panic the reactive runtime cannot be trusted.
#[cfg(target_arch = "wasm32")]
fn show_crash_banner() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(banner) = document.create_element("div") else {
        return;
    };
    let _ = banner.set_attribute("role", "alert");
    let _ = banner.set_attribute("class", "crash-banner");
    banner.set_text_content(Some(
        "Kith hit an internal error and stopped. Reload the page to continue; nothing you sent was lost.",
    ));
    if let Some(body) = document.body() {
        let _ = body.prepend_with_node_1(&banner);
    }
}
