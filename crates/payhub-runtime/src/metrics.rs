//! The metrics every payhub crate records, through the [`metrics`] facade crate.
//!
//! Why a facade: the application chooses the exporter (Prometheus, StatsD, OpenTelemetry) by
//! installing a recorder; payhub installs none, so without one these calls cost a relaxed atomic
//! load and do nothing. The names are stable and documented here, in one place, for every
//! provider:
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `payhub_calls_total` | counter | `provider`, `operation`, `outcome` | calls made, by result (`ok`, or the error label: `transport`, `api`, `decode`, `outcome_unknown`, `signature`, ...) |
//! | `payhub_call_duration_seconds` | histogram | `provider`, `operation` | the whole call, retries included |
//! | `payhub_call_retries_total` | counter | `provider`, `operation` | attempts after the first |
//! | `payhub_callbacks_total` | counter | `provider`, `outcome` | callbacks `verified`, `refused` or `duplicate` |
//!
//! Labels hold names only: never an order number, a merchant's secret or a payer's data.

use std::time::Duration;

/// Counter: calls by provider, operation and outcome.
pub const CALLS_TOTAL: &str = "payhub_calls_total";
/// Histogram: call duration in seconds, retries included.
pub const CALL_DURATION_SECONDS: &str = "payhub_call_duration_seconds";
/// Counter: retries (attempts after the first).
pub const CALL_RETRIES_TOTAL: &str = "payhub_call_retries_total";
/// Counter: callbacks by provider and outcome.
pub const CALLBACKS_TOTAL: &str = "payhub_callbacks_total";

/// What became of a received callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackOutcome {
    /// Its signature (and freshness) verified.
    Verified,
    /// Refused: bad signature, stale, malformed.
    Refused,
    /// A redelivery of an event already handled.
    Duplicate,
}

impl CallbackOutcome {
    /// The label value (`verified`, `refused`, `duplicate`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Refused => "refused",
            Self::Duplicate => "duplicate",
        }
    }
}

/// Records a finished call.
pub fn call(
    provider: &'static str,
    operation: &'static str,
    outcome: &'static str,
    took: Duration,
) {
    ::metrics::counter!(CALLS_TOTAL, "provider" => provider, "operation" => operation, "outcome" => outcome)
        .increment(1);
    ::metrics::histogram!(CALL_DURATION_SECONDS, "provider" => provider, "operation" => operation)
        .record(took.as_secs_f64());
}

/// Records a retry of a call.
pub fn retry(provider: &'static str, operation: &'static str) {
    ::metrics::counter!(CALL_RETRIES_TOTAL, "provider" => provider, "operation" => operation)
        .increment(1);
}

/// Records what became of a callback.
///
/// ```
/// use payhub_runtime::metrics::{self, CallbackOutcome};
/// metrics::callback("paydesk", CallbackOutcome::Verified); // a no-op without a recorder
/// ```
pub fn callback(provider: &'static str, outcome: CallbackOutcome) {
    ::metrics::counter!(CALLBACKS_TOTAL, "provider" => provider, "outcome" => outcome.as_str())
        .increment(1);
}
