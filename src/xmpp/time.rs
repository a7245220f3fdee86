//! The session's notion of time: milliseconds on a monotonic clock the driver reads.

use std::ops::Add;

/// A point in time, in milliseconds since an origin the driver chose.
///
/// The core never reads a clock; every `handle_*` call carries `now`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub u64);

impl Instant {
    pub fn millis_since(self, earlier: Instant) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<u64> for Instant {
    type Output = Instant;
    fn add(self, millis: u64) -> Instant {
        Instant(self.0.saturating_add(millis))
    }
}
