//! XEP-0082: XMPP date-times (RFC 3339 profiles), as chrono reads and writes them.

use std::str::FromStr;

use chrono::{DateTime as ChronoDateTime, FixedOffset};

/// A date-time with the offset it was written with.
#[derive(Debug, Clone, PartialEq)]
pub struct DateTime(pub ChronoDateTime<FixedOffset>);

impl DateTime {
    pub fn timezone(&self) -> FixedOffset {
        self.0.timezone()
    }

    pub fn format(&self, fmt: &str) -> String {
        self.0.format(fmt).to_string()
    }

    /// RFC 3339 with the offset spelt out (`+00:00`), as XEP-0203 stamps are written.
    pub fn to_rfc3339(&self) -> String {
        self.0.to_rfc3339()
    }
}

impl FromStr for DateTime {
    type Err = chrono::ParseError;

    fn from_str(s: &str) -> Result<DateTime, Self::Err> {
        Ok(DateTime(ChronoDateTime::parse_from_rfc3339(s)?))
    }
}
