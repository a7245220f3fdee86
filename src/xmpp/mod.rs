//! The sans-IO XMPP core: no sockets, no timers, no browser APIs. Pure Rust, driven by
//! values and tested natively.

pub mod backoff;
pub mod endpoint;
pub mod framing;
pub mod scram;
pub mod session;
pub mod sm;
pub mod time;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_sm;

pub use scram::{ScramHash, ScramKeys, Secret};
pub use session::{CloseReason, Event, IqOutcome, MessageAcks, Session, SessionConfig};
pub use time::Instant;
