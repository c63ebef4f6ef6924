//! Jittered exponential backoff for idempotent calls (queries, balance, lists).
//!
//! Writes are never retried here: a create whose outcome is unknown is reported to the caller,
//! who reconciles by querying. Full jitter spreads retries of many clients apart.

use std::time::Duration;

use rand::Rng as _;

/// How often and how patiently to retry an idempotent call.
///
/// ```
/// use std::time::Duration;
/// use payhub_runtime::RetryPolicy;
/// let p = RetryPolicy::default().max_attempts(4).initial_delay(Duration::from_millis(100));
/// assert_eq!(p.attempts(), 4);
/// assert!(p.delay_for(1) <= Duration::from_millis(100));
/// assert!(p.delay_for(3) <= Duration::from_millis(400));
/// assert_eq!(RetryPolicy::none().attempts(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial: Duration,
    max: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, 200 ms initial delay, 5 s cap.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial: Duration::from_millis(200),
            max: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts including the first (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Delay cap before the first retry; doubles each retry.
    #[must_use]
    pub fn initial_delay(mut self, d: Duration) -> Self {
        self.initial = d;
        self
    }

    /// Upper bound of any single delay.
    #[must_use]
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max = d;
        self
    }

    /// Total attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// A random delay in `[0, min(max, initial * 2^(retry-1))]` before retry number `retry` (1-based).
    pub fn delay_for(&self, retry: u32) -> Duration {
        let exp = self
            .initial
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        let cap = exp.min(self.max);
        let millis = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        if millis == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }

    /// Runs `op` (given the 1-based attempt number) until it succeeds, fails with an error
    /// `retryable` rejects, or attempts run out. Sleeps with tokio between attempts.
    ///
    /// # Errors
    /// The last error from `op`.
    pub async fn run<T, E, F, Fut>(&self, mut op: F, retryable: impl Fn(&E) -> bool) -> Result<T, E>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut attempt = 1;
        loop {
            match op(attempt).await {
                Ok(v) => return Ok(v),
                Err(e) if attempt < self.max_attempts && retryable(&e) => {
                    tokio::time::sleep(self.delay_for(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}
