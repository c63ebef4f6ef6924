//! [`check_freshness`]: whether a callback's signed time is within its window, the one rule for
//! every provider that signs a time (tokenpay, vipcharge), so the two cannot drift apart.
//!
//! Why a window and not a nonce store: a restarted process has forgotten which callbacks it saw;
//! the signed time still tells an old replay from a genuine retry. Each provider crate reads its
//! own header (its format is the provider's) and keeps its own error variants; the comparison,
//! its overflow handling and the clock-skew allowance live here.

use std::time::Duration;

/// Why a signed time is outside its window: a window has two sides, so this enum is exhaustive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Staleness {
    /// Older than the allowed age.
    #[error("signed {age_secs} s ago, more than the {max_age_secs} s allowed")]
    TooOld {
        /// How old, in whole seconds.
        age_secs: u64,
        /// The allowed age, in whole seconds.
        max_age_secs: u64,
    },
    /// Further ahead of the clock than the allowed skew.
    #[error("signed {ahead_secs} s in the future, more than the {max_skew_secs} s of skew allowed")]
    FromTheFuture {
        /// How far ahead, in whole seconds.
        ahead_secs: u64,
        /// The allowed skew, in whole seconds.
        max_skew_secs: u64,
    },
}

/// Checks a signed time (`signed_at_ms`, Unix milliseconds) against `now_ms`: at most `max_age`
/// old (`None`: any age) and at most `max_future_skew` ahead.
///
/// ```
/// use std::time::Duration;
/// use payhub_runtime::{Staleness, check_freshness};
/// let day = Some(Duration::from_secs(86_400));
/// let skew = Duration::from_secs(300);
/// let now = 1_765_000_000_000;
/// assert!(check_freshness(now - 6 * 3_600_000, now, day, skew).is_ok());
/// assert!(matches!(
///     check_freshness(now - 3 * 86_400_000, now, day, skew),
///     Err(Staleness::TooOld { max_age_secs: 86_400, .. })
/// ));
/// assert!(matches!(check_freshness(now + 600_000, now, None, skew), Err(Staleness::FromTheFuture { .. })));
/// assert!(check_freshness(now - 3 * 86_400_000, now, None, skew).is_ok());
/// ```
///
/// # Errors
/// [`Staleness`] saying which side of the window the time fell and by how much.
pub fn check_freshness(
    signed_at_ms: i64,
    now_ms: i64,
    max_age: Option<Duration>,
    max_future_skew: Duration,
) -> Result<(), Staleness> {
    let limit = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let secs = |ms: i64| u64::try_from(ms / 1000).unwrap_or(u64::MAX);
    if signed_at_ms > now_ms {
        let ahead = signed_at_ms.saturating_sub(now_ms);
        if ahead > limit(max_future_skew) {
            return Err(Staleness::FromTheFuture {
                ahead_secs: secs(ahead),
                max_skew_secs: max_future_skew.as_secs(),
            });
        }
    } else if let Some(max_age) = max_age {
        let age = now_ms.saturating_sub(signed_at_ms);
        if age > limit(max_age) {
            return Err(Staleness::TooOld {
                age_secs: secs(age),
                max_age_secs: max_age.as_secs(),
            });
        }
    }
    Ok(())
}
