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

/// Starts the app: the UI, and the test hooks of the e2e build.
///
/// A panic shows the crash banner through assets/signin.js: the shipped build aborts at
/// once (scripts/dist: panic = "immediate-abort", no hook runs), so the wasm traps and
/// the page sees a `WebAssembly.RuntimeError`. Other builds (`trunk serve`, a plain
/// `trunk build`) run the hook below first, for the message, and then trap the same way.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("Kith crashed: {info}").into());
    }));
    #[cfg(feature = "e2e-hooks")]
    panic_on_request();
    leptos::mount::mount_to_body(ui::App);
}

/// For the crash banner's e2e test: panics when the page dispatches `kith-e2e-panic` on
/// the window (in the event handler) or `kith-e2e-panic-task` (in a task, as most of the
/// app's code runs). Only in the e2e build (the `e2e-hooks` feature).
#[cfg(all(target_arch = "wasm32", feature = "e2e-hooks"))]
fn panic_on_request() {
    use wasm_bindgen::{closure::Closure, JsCast};
    let Some(window) = web_sys::window() else {
        return;
    };
    let now = Closure::<dyn Fn()>::new(|| panic!("the e2e suite asked for a panic"));
    let task = Closure::<dyn Fn()>::new(|| {
        wasm_bindgen_futures::spawn_local(async {
            panic!("the e2e suite asked for a panic in a task")
        })
    });
    for (event, handler) in [("kith-e2e-panic", now), ("kith-e2e-panic-task", task)] {
        let _ = window.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
        handler.forget();
    }
}
