//! Services turn session events into changes of the user's world (contacts, presence,
//! and later the feed), and answer the requests the server sends us. Pure Rust: the
//! `Client` here is driven the same way as the session it wraps.

pub mod archive;
pub mod chat;
pub mod feed;
pub mod images;
pub mod outbox;
pub mod people;
pub mod presence;
pub mod rooms;
pub mod roster;
pub mod upload;

mod client;

pub use client::{Client, Update};
