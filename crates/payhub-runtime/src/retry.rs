//! Jittered exponential backoff for idempotent calls (queries, balance, lists).
//!
//! Writes are never retried here: a create whose outcome is unknown is reported to the caller,
//! who reconciles by querying. Full jitter spreads retries of many clients apart. All attempts
//! of a call share one [`Deadline`] ([`RetryPolicy::run_until`]).

use std::time::Duration;

use rand::Rng as _;

use crate::Deadline;

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
    min_attempt: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, 200 ms initial delay, 5 s cap, no retry with less than 100 ms left.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial: Duration::from_millis(200),
            max: Duration::from_secs(5),
            min_attempt: Duration::from_millis(100),
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

    /// The least time a retry must have before the call's deadline (default 100 ms): with less
    /// left after the pause, no new attempt starts and the last error is returned. The first
    /// attempt always runs.
    #[must_use]
    pub fn min_attempt_time(mut self, d: Duration) -> Self {
        self.min_attempt = d;
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
    /// `retryable` rejects, or attempts run out. Sleeps with tokio between attempts. No overall
    /// deadline: see [`RetryPolicy::run_until`].
    ///
    /// # Errors
    /// The last error from `op`.
    pub async fn run<T, E, F, Fut>(&self, op: F, retryable: impl Fn(&E) -> bool) -> Result<T, E>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.run_until(Deadline::none(), op, retryable).await
    }

    /// As [`RetryPolicy::run`], inside `deadline`: a pause never runs past it, and a retry starts
    /// only if at least [`RetryPolicy::min_attempt_time`] is left after its pause; otherwise the
    /// last error is returned at once. `op` caps each attempt's own timeout at the time left
    /// (for HTTP: [`Transport::send_until`](crate::Transport::send_until)), so the whole call
    /// ends by the deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// use payhub_runtime::{Deadline, RetryPolicy};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let policy = RetryPolicy::default().max_attempts(5).initial_delay(Duration::from_millis(400));
    /// let deadline = Deadline::after(Duration::from_millis(50));
    /// let mut tries = 0;
    /// let r: Result<(), &str> = policy
    ///     .run_until(deadline, |_| { tries += 1; async { Err("busy") } }, |_| true)
    ///     .await;
    /// assert_eq!((r, tries), (Err("busy"), 1), "no time left for a retry");
    /// # }
    /// ```
    ///
    /// # Errors
    /// The last error from `op`.
    pub async fn run_until<T, E, F, Fut>(
        &self,
        deadline: Deadline,
        mut op: F,
        retryable: impl Fn(&E) -> bool,
    ) -> Result<T, E>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut attempt = 1;
        loop {
            match op(attempt).await {
                Ok(v) => return Ok(v),
                Err(e) if attempt < self.max_attempts && retryable(&e) => {
                    let delay = self.delay_for(attempt);
                    if let Some(left) = deadline.remaining()
                        && left < delay.saturating_add(self.min_attempt)
                    {
                        tracing::debug!(
                            attempts = attempt,
                            left_ms = u64::try_from(left.as_millis()).unwrap_or(u64::MAX),
                            "call deadline leaves no time for another attempt"
                        );
                        return Err(e);
                    }
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use tokio::time::Instant;

    use super::RetryPolicy;
    use crate::Deadline;

    /// An attempt that takes its whole (capped) timeout and fails, as a hanging server does.
    async fn hang(deadline: Deadline, timeout: Duration) -> Result<(), &'static str> {
        tokio::time::sleep(deadline.cap(timeout)).await;
        Err("timed out")
    }

    #[tokio::test]
    async fn attempts_and_pauses_share_the_deadline() {
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .initial_delay(Duration::from_millis(20));
        let timeout = Duration::from_millis(300);
        let started = Instant::now();
        let deadline = Deadline::after(Duration::from_millis(500));
        let tries = AtomicU32::new(0);
        let r = policy
            .run_until(
                deadline,
                |_| {
                    tries.fetch_add(1, Ordering::Relaxed);
                    hang(deadline, timeout)
                },
                |_| true,
            )
            .await;
        let took = started.elapsed();
        assert_eq!(r, Err("timed out"));
        // Two attempts fit (300 ms, then the 180-200 ms left); not three full timeouts (900 ms).
        assert_eq!(tries.load(Ordering::Relaxed), 2);
        assert!(took >= Duration::from_millis(480), "{took:?}");
        assert!(took < Duration::from_millis(600), "{took:?}");
    }

    #[tokio::test]
    async fn without_a_deadline_every_attempt_runs_its_full_timeout() {
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .initial_delay(Duration::ZERO);
        let started = Instant::now();
        let tries = AtomicU32::new(0);
        let r = policy
            .run(
                |_| {
                    tries.fetch_add(1, Ordering::Relaxed);
                    hang(Deadline::none(), Duration::from_millis(60))
                },
                |_| true,
            )
            .await;
        assert_eq!((r, tries.load(Ordering::Relaxed)), (Err("timed out"), 3));
        assert!(started.elapsed() >= Duration::from_millis(180));
    }

    #[tokio::test]
    async fn a_pause_that_would_end_past_the_deadline_is_not_taken() {
        // 1 s pauses, 200 ms budget: the first failure is returned at once, no sleep.
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .initial_delay(Duration::from_secs(1))
            .min_attempt_time(Duration::ZERO);
        let started = Instant::now();
        let deadline = Deadline::after(Duration::from_millis(200));
        let mut tries = 0;
        let r: Result<(), &str> = policy
            .run_until(
                deadline,
                |_| {
                    tries += 1;
                    async { Err("busy") }
                },
                |_| true,
            )
            .await;
        // The jittered pause may be short enough to fit; either way nothing runs past 200 ms.
        assert_eq!(r, Err("busy"));
        assert!(tries >= 1);
        assert!(started.elapsed() < Duration::from_millis(250));
    }

    #[tokio::test]
    async fn success_and_non_retryable_errors_end_the_run() {
        let policy = RetryPolicy::default().initial_delay(Duration::ZERO);
        let deadline = Deadline::after(Duration::from_secs(5));
        let r = policy
            .run_until(
                deadline,
                |n| async move { if n < 2 { Err(n) } else { Ok(n) } },
                |_| true,
            )
            .await;
        assert_eq!(r, Ok(2));
        let mut tries = 0;
        let r: Result<(), u32> = policy
            .run_until(
                deadline,
                |n| {
                    tries += 1;
                    async move { Err(n) }
                },
                |_| false,
            )
            .await;
        assert_eq!((r, tries), (Err(1), 1));
    }
}
