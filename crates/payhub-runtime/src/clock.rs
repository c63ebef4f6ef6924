//! Injectable time, so that signed timestamps in fixtures are byte-stable.

use std::fmt::Debug;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time as Unix milliseconds.
pub trait Clock: Send + Sync + Debug {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;

    /// Seconds since the Unix epoch.
    fn now_seconds(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock frozen at one instant (tests and fixtures).
///
/// ```
/// use payhub_runtime::{Clock, FixedClock};
/// let c = FixedClock::from_millis(1_731_681_331_000);
/// assert_eq!(c.now_seconds(), 1_731_681_331);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(i64);

impl FixedClock {
    /// Frozen at `millis` since the epoch.
    pub fn from_millis(millis: i64) -> Self {
        Self(millis)
    }
}

impl Clock for FixedClock {
    fn now_millis(&self) -> i64 {
        self.0
    }
}
