//! When to try the next connection: exponential backoff with jitter, capped, so that a
//! server coming back is not met by every client at the same instant.

/// First retry after about a second, doubling up to [`Backoff::CAP_MS`].
#[derive(Clone, Debug, Default)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    pub const BASE_MS: u64 = 1_000;
    pub const CAP_MS: u64 = 60_000;

    /// The delay before the next attempt; `random` is any value from the driver's RNG.
    /// "Equal jitter": half the window fixed, half random, so retries never bunch at zero.
    pub fn next_delay(&mut self, random: u32) -> u64 {
        let window = Self::BASE_MS
            .saturating_mul(1 << self.attempt.min(16))
            .min(Self::CAP_MS);
        self.attempt = self.attempt.saturating_add(1);
        window / 2 + u64::from(random) % (window / 2 + 1)
    }

    /// After a successful connection the next failure starts from the beginning.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_within_their_window_and_cap() {
        let mut b = Backoff::default();
        let windows = [
            1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
        ];
        for window in windows {
            let mut probe = b.clone();
            let low = probe.next_delay(0);
            let mut probe = b.clone();
            let high = probe.next_delay(u32::MAX);
            assert_eq!(low, window / 2);
            assert!(high <= window && high >= low, "{high} in {window}");
            b.next_delay(12345);
        }
        for _ in 0..100 {
            assert!(b.next_delay(u32::MAX) <= Backoff::CAP_MS);
        }
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::default();
        for _ in 0..5 {
            b.next_delay(0);
        }
        b.reset();
        assert_eq!(b.next_delay(0), 500);
    }
}
