//! Browser I/O with no app state: the WebSocket that carries the session, HTTP (endpoint
//! discovery, the upload PUT), the tab lock and channel, the service worker.

pub mod endpoint;
pub mod socket;
pub mod tabs;
pub mod upload;
pub mod worker;
