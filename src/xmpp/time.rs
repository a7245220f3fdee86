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

impl Instant {
    /// XEP-0082 date-time in UTC, for instants the driver took from the UNIX epoch.
    pub fn to_xep0082(self) -> String {
        let secs = (self.0 / 1000) as i64;
        let millis = self.0 % 1000;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xep0082_stamps() {
        assert_eq!(Instant(0).to_xep0082(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Instant(951_782_400_123).to_xep0082(),
            "2000-02-29T00:00:00.123Z"
        );
        assert_eq!(
            Instant(1_795_780_799_999).to_xep0082(),
            "2026-11-27T11:59:59.999Z"
        );
    }
}
