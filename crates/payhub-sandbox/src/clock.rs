//! Sandbox time: a clock that runs at a chosen speed and can be advanced by hand.
//!
//! Everything time-based in the sandbox (order expiry, scheduled transitions, callback retry
//! schedules, the timestamps in replies and notifies) reads this clock, never the system clock.
//! A test can therefore run a provider's whole 17-hour retry schedule in milliseconds, either with
//! a speed factor (`speed(60_000)`: one sandbox minute per real millisecond) or with a frozen clock
//! (`speed(0)`) moved by [`SandboxClock::advance`].

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use time::{OffsetDateTime, UtcOffset};
use tokio::sync::watch;

/// A point in sandbox time, in milliseconds since the Unix epoch (UTC).
///
/// ```
/// use payhub_sandbox::SandboxTime;
/// use std::time::Duration;
/// let t = SandboxTime::from_unix_millis(1_700_000_000_000);
/// assert_eq!((t + Duration::from_secs(60)).unix_millis(), 1_700_000_060_000);
/// assert_eq!(t.format_local(3), "2023-11-15 01:13:20");
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct SandboxTime(i64);

impl SandboxTime {
    /// A time from milliseconds since the Unix epoch.
    pub const fn from_unix_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch.
    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// The time as a UTC [`OffsetDateTime`], or `None` when out of range.
    pub fn to_offset_datetime(self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000).ok()
    }

    /// `yyyy-MM-dd HH:mm:ss` at a whole-hour UTC offset (the format most providers use for
    /// `completionTime`, `expireTime` and similar fields). Out-of-range values render as
    /// `1970-01-01 00:00:00`.
    pub fn format_local(self, utc_offset_hours: i8) -> String {
        let offset = UtcOffset::from_hms(utc_offset_hours, 0, 0).unwrap_or(UtcOffset::UTC);
        let dt = self
            .to_offset_datetime()
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(offset);
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )
    }

    /// The duration from `earlier` to `self`, or zero when `earlier` is later.
    pub fn saturating_since(self, earlier: SandboxTime) -> Duration {
        Duration::from_millis(u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0))
    }
}

impl std::ops::Add<Duration> for SandboxTime {
    type Output = SandboxTime;
    fn add(self, rhs: Duration) -> SandboxTime {
        SandboxTime(
            self.0
                .saturating_add(i64::try_from(rhs.as_millis()).unwrap_or(i64::MAX)),
        )
    }
}

impl fmt::Display for SandboxTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_offset_datetime() {
            Some(dt) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                dt.year(),
                u8::from(dt.month()),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                dt.millisecond()
            ),
            None => write!(f, "{}ms", self.0),
        }
    }
}

#[derive(Debug)]
struct ClockState {
    /// Sandbox time at `base_real`.
    base: SandboxTime,
    base_real: Instant,
    /// Sandbox milliseconds per real millisecond; 0 freezes the clock.
    speed: u32,
}

impl ClockState {
    fn now(&self) -> SandboxTime {
        let real = self.base_real.elapsed();
        let scaled = real.as_millis().saturating_mul(u128::from(self.speed));
        self.base + Duration::from_millis(u64::try_from(scaled).unwrap_or(u64::MAX))
    }
}

/// The sandbox clock. Cheap to clone; all clones share one time line.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use payhub_sandbox::{SandboxClock, SandboxTime};
/// use std::time::Duration;
/// let clock = SandboxClock::new(SandboxTime::from_unix_millis(0), 0); // frozen
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now().unix_millis(), 90_000);
/// # }
/// ```
#[derive(Clone)]
pub struct SandboxClock {
    state: Arc<Mutex<ClockState>>,
    changed: Arc<watch::Sender<u64>>,
}

impl fmt::Debug for SandboxClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxClock")
            .field("now", &self.now())
            .field("speed", &self.speed())
            .finish()
    }
}

impl SandboxClock {
    /// A clock that starts at `start` and runs `speed` times faster than real time (0 = frozen;
    /// move it with [`advance`](Self::advance)).
    pub fn new(start: SandboxTime, speed: u32) -> Self {
        let (tx, _rx) = watch::channel(0);
        Self {
            state: Arc::new(Mutex::new(ClockState {
                base: start,
                base_real: Instant::now(),
                speed,
            })),
            changed: Arc::new(tx),
        }
    }

    /// A clock starting at the current system time.
    pub fn starting_now(speed: u32) -> Self {
        let now = OffsetDateTime::now_utc();
        let millis = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        Self::new(SandboxTime::from_unix_millis(millis), speed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        // A poisoned clock mutex only means a panic elsewhere while holding it; the state
        // (two numbers) is still consistent, so keep going.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current sandbox time.
    pub fn now(&self) -> SandboxTime {
        self.lock().now()
    }

    /// The speed factor (0 = frozen).
    pub fn speed(&self) -> u32 {
        self.lock().speed
    }

    /// Changes the speed factor from now on (0 freezes the clock).
    pub fn set_speed(&self, speed: u32) {
        {
            let mut s = self.lock();
            let now = s.now();
            s.base = now;
            s.base_real = Instant::now();
            s.speed = speed;
        }
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Moves sandbox time forward by `by` and wakes everything waiting on the clock.
    pub fn advance(&self, by: Duration) -> SandboxTime {
        let now = {
            let mut s = self.lock();
            let now = s.now() + by;
            s.base = now;
            s.base_real = Instant::now();
            now
        };
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
        now
    }

    /// Moves sandbox time forward to `to` (no-op when `to` is not later than now).
    pub fn advance_to(&self, to: SandboxTime) -> SandboxTime {
        let now = self.now();
        if to > now {
            self.advance(to.saturating_since(now))
        } else {
            now
        }
    }

    /// A receiver that changes whenever the clock is advanced or its speed changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Waits until sandbox time reaches `deadline`. Wakes early on [`advance`](Self::advance)
    /// and [`set_speed`](Self::set_speed), so a frozen clock moved by hand releases waiters at
    /// once.
    pub async fn sleep_until(&self, deadline: SandboxTime) {
        let mut changes = self.subscribe();
        loop {
            let (now, speed) = {
                let s = self.lock();
                (s.now(), s.speed)
            };
            if now >= deadline {
                return;
            }
            let remaining = deadline.saturating_since(now);
            if speed == 0 {
                if changes.changed().await.is_err() {
                    return;
                }
            } else {
                let real_ms = remaining.as_millis().div_ceil(u128::from(speed)).max(1);
                // Cap each sleep so a clock change is never missed for long.
                let real = Duration::from_millis(u64::try_from(real_ms).unwrap_or(u64::MAX))
                    .min(Duration::from_secs(1));
                tokio::select! {
                    () = tokio::time::sleep(real) => {}
                    r = changes.changed() => if r.is_err() { return },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_moves_only_by_hand() {
        let c = SandboxClock::new(SandboxTime::from_unix_millis(1_000), 0);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(c.now().unix_millis(), 1_000);
        c.advance(Duration::from_secs(60));
        assert_eq!(c.now().unix_millis(), 61_000);
        c.advance_to(SandboxTime::from_unix_millis(10));
        assert_eq!(c.now().unix_millis(), 61_000);
    }

    #[test]
    fn fast_clock_runs_faster() {
        let c = SandboxClock::new(SandboxTime::from_unix_millis(0), 1000);
        std::thread::sleep(Duration::from_millis(20));
        assert!(c.now().unix_millis() >= 20_000, "{}", c.now().unix_millis());
    }

    #[tokio::test]
    async fn sleep_until_wakes_on_advance() {
        let c = SandboxClock::new(SandboxTime::from_unix_millis(0), 0);
        let c2 = c.clone();
        let waiter =
            tokio::spawn(
                async move { c2.sleep_until(SandboxTime::from_unix_millis(60_000)).await },
            );
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiter.is_finished());
        c.advance(Duration::from_secs(60));
        tokio::time::timeout(Duration::from_secs(2), waiter)
            .await
            .expect("woken")
            .expect("joined");
    }

    #[test]
    fn formats_local_time() {
        let t = SandboxTime::from_unix_millis(0);
        assert_eq!(t.format_local(3), "1970-01-01 03:00:00");
        assert_eq!(t.to_string(), "1970-01-01T00:00:00.000Z");
    }
}
