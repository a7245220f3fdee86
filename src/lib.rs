//! Kith: a distributed social network client speaking XMPP from the browser.
//!
//! Layers, following the data (see DESIGN.md): `net` (WebSocket) → `xmpp` (sans-IO
//! session) → `service` (roster, presence, …) → `state` (reactive view) → `ui` (screens).
//! `proto` holds stanza types xmpp-parsers lacks, one module per specification.

pub mod config;
pub mod proto;
pub mod service;
pub mod xmpp;
