//! Browser I/O with no app state: the WebSocket that carries the session, HTTP (endpoint
//! discovery, the upload PUT), the tab lock and channel, the service worker.

pub mod endpoint;
pub mod socket;
pub mod tabs;
pub mod upload;
pub mod worker;

/// Fills `bytes` from the browser's `crypto.getRandomValues` (what the getrandom crate
/// calls, without its error types and their text); `false` if it is missing.
pub fn random_bytes(bytes: &mut [u8]) -> bool {
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    crypto.is_some_and(|c| c.get_random_values_with_u8_array(bytes).is_ok())
}
