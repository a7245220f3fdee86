//! The only code that touches the network: the WebSocket that carries the session, and
//! the HTTP fetches that find where to open it.

pub mod account;
pub mod endpoint;
pub mod feed;
pub mod follow;
pub mod outbox;
pub mod persist;
pub mod query;
pub mod socket;
pub mod tabs;
pub mod upload;
pub mod worker;
