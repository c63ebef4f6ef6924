//! [`Deadline`]: the one time budget a call's attempts and retry pauses share.

use std::time::Duration;

use tokio::time::Instant;

/// The moment by which a call must be over. Every attempt's HTTP timeout is capped at the time
/// left ([`Transport::send_until`](crate::Transport::send_until)), and
/// [`RetryPolicy::run_until`](crate::RetryPolicy::run_until) neither sleeps past it nor starts an
/// attempt with too little time left. A provider client starts one per call with
/// [`Transport::deadline`](crate::Transport::deadline) (its `call_deadline` setting).
///
/// ```
/// use std::time::Duration;
/// use payhub_runtime::Deadline;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let d = Deadline::after(Duration::from_secs(3));
/// assert!(d.remaining().is_some_and(|left| left <= Duration::from_secs(3)));
/// assert_eq!(d.cap(Duration::from_secs(10)) <= Duration::from_secs(3), true);
/// assert_eq!(Deadline::none().remaining(), None);
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// `budget` from now (no deadline if the instant cannot be represented).
    pub fn after(budget: Duration) -> Self {
        Self(Instant::now().checked_add(budget))
    }

    /// No deadline: attempts keep their own timeout, pauses their full length.
    pub fn none() -> Self {
        Self(None)
    }

    /// Time left (zero once passed); `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.0
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// `d`, shortened to the time left.
    pub fn cap(&self, d: Duration) -> Duration {
        self.remaining().map_or(d, |left| left.min(d))
    }

    /// Whether the deadline has passed.
    pub fn is_past(&self) -> bool {
        self.remaining().is_some_and(|left| left.is_zero())
    }
}
