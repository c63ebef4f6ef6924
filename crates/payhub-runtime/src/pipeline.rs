//! [`Pipeline`]: the one way every provider crate sends a call: prepare -> send -> classify ->
//! retry -> parse, inside one span with one schema and one set of metrics.
//!
//! Why here: the five provider crates used to carry five copies of this loop, each with its own
//! span fields, its own retry test and its own way of turning an ambiguous create into "outcome
//! unknown". A provider now supplies only its protocol, a small [`Protocol`] value: how to wrap a
//! transport failure, how to classify an error, how to report an unknown outcome. Everything
//! else (the deadline shared by all attempts, the jittered retries of reads, the rule that a
//! write is never resent once it may have reached the provider, tracing and metrics) is decided
//! once, here.

use std::error::Error as StdError;
use std::time::Instant;

use tracing::{Instrument as _, Span, field};

use crate::{
    Deadline, Idempotency, NoSuchRoute, PreparedRequest, RawResponse, RetryPolicy, Transport,
    TransportError, metrics,
};

/// What the pipeline does with an error of one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Disposition {
    /// The request did not take effect, or it is a read: another attempt is safe and may help
    /// (a connection refused, a timeout of a query, a "busy" code).
    Retry,
    /// A write that may have been executed: never resent; reported through
    /// [`Protocol::outcome_unknown`] so the caller reconciles by querying.
    OutcomeUnknown,
    /// Final: returned as it is (an API refusal, a validation error).
    Fail,
}

/// One provider's protocol, as the pipeline needs it. Implemented by a small value in each
/// provider crate (its signing and parsing stay in the crate; this trait is only the seam).
///
/// ```
/// use payhub_runtime::{Call, Disposition, Idempotency, Protocol, TransportError};
///
/// #[derive(Debug, thiserror::Error)]
/// enum MyError {
///     #[error(transparent)]
///     Transport(#[from] TransportError),
///     #[error("busy")]
///     Busy,
///     #[error("outcome unknown: {0}")]
///     OutcomeUnknown(Box<MyError>),
///     #[error(transparent)]
///     Config(#[from] payhub_runtime::NoSuchRoute),
/// }
///
/// struct MyProtocol;
/// impl Protocol for MyProtocol {
///     type Error = MyError;
///     const PROVIDER: &'static str = "myprovider";
///     fn transport_error(&self, e: TransportError) -> MyError { e.into() }
///     fn disposition(&self, e: &MyError, idempotency: Idempotency) -> Disposition {
///         match (e, idempotency) {
///             (MyError::Busy, _) => Disposition::Retry,
///             (MyError::Transport(t), Idempotency::Safe) if t.is_retryable() => Disposition::Retry,
///             (MyError::Transport(t), Idempotency::Unsafe) if t.outcome_unknown() => Disposition::OutcomeUnknown,
///             _ => Disposition::Fail,
///         }
///     }
///     fn outcome_unknown(&self, _call: &Call<'_>, e: MyError) -> MyError {
///         MyError::OutcomeUnknown(Box::new(e))
///     }
///     fn outcome_label(&self, e: &MyError) -> &'static str {
///         match e {
///             MyError::Transport(_) => "transport",
///             MyError::Busy => "api",
///             MyError::OutcomeUnknown(_) => "outcome_unknown",
///             MyError::Config(_) => "config",
///         }
///     }
///     fn is_envelope(&self, reply: &payhub_runtime::RawResponse) -> bool {
///         reply.body.starts_with(b"{\"code\"")
///     }
///     fn no_such_route(&self, e: payhub_runtime::NoSuchRoute) -> MyError { e.into() }
/// }
/// ```
pub trait Protocol: Send + Sync {
    /// The provider crate's error type.
    type Error: StdError + Send + Sync + 'static;

    /// The provider's name in spans and metrics (`"paydesk"`).
    const PROVIDER: &'static str;

    /// Whether each attempt is signed afresh (a new timestamp and nonce), or the one prepared
    /// request is resent as it is. Default: signed once.
    const RESIGN_EACH_ATTEMPT: bool = false;

    /// Wraps a transport failure in the crate's error.
    fn transport_error(&self, e: TransportError) -> Self::Error;

    /// What to do with this error of one attempt of a call with this idempotency.
    fn disposition(&self, e: &Self::Error, idempotency: Idempotency) -> Disposition;

    /// The crate's "outcome unknown" error for a write that may have been executed.
    fn outcome_unknown(&self, call: &Call<'_>, e: Self::Error) -> Self::Error;

    /// A short, stable label of the error for the span's `outcome` field and the metrics
    /// (`"transport"`, `"api"`, `"decode"`, ...).
    fn outcome_label(&self, e: &Self::Error) -> &'static str;

    /// Whether `reply` carries the provider's own reply envelope (its JSON error or success
    /// shape), so that an HTTP 404 or 405 with it is the provider's API answer, parsed as usual.
    /// Asked only for those two statuses: a 404 / 405 without the envelope (an HTML page, an
    /// empty body, another server's JSON) means the URL has no route, and the pipeline returns
    /// [`Protocol::no_such_route`] without parsing the reply.
    fn is_envelope(&self, reply: &RawResponse) -> bool;

    /// The crate's configuration error for a request that reached no route of the provider's
    /// API (HTTP 404 / 405 without its envelope): the request was not executed, so it is never
    /// "outcome unknown", and resending it cannot help; [`Protocol::disposition`] must answer
    /// [`Disposition::Fail`] for it. Its message should be `e`'s, which names the URL called
    /// and says to check `base_url`.
    fn no_such_route(&self, e: NoSuchRoute) -> Self::Error;

    /// Attaches what the request signed to an error of this attempt (an API refusal keeps it
    /// for an explicit explanation). Default: unchanged.
    fn with_request(&self, e: Self::Error, prepared: &PreparedRequest) -> Self::Error {
        let _ = prepared;
        e
    }
}

/// What a call is about, for its span: one schema for every provider. No secret and no
/// personal data belongs here: order numbers and the merchant id only.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    /// The operation's stable name (`"payin"`, `"queryOrder"`).
    pub operation: &'static str,
    /// Whether the call may be retried blindly.
    pub idempotency: Idempotency,
    /// The merchant (account) id the call is made for.
    pub merchant: &'a str,
    /// The merchant's own order number, when the call concerns one.
    pub order_no: Option<&'a str>,
    /// The provider's order number, when the call concerns one.
    pub provider_order_no: Option<&'a str>,
}

impl<'a> Call<'a> {
    /// A call of `operation` for `merchant`, with no order numbers.
    pub fn new(operation: &'static str, idempotency: Idempotency, merchant: &'a str) -> Self {
        Self {
            operation,
            idempotency,
            merchant,
            order_no: None,
            provider_order_no: None,
        }
    }

    /// The merchant's order number.
    #[must_use]
    pub fn order_no(mut self, order_no: Option<&'a str>) -> Self {
        self.order_no = order_no;
        self
    }

    /// The provider's order number.
    #[must_use]
    pub fn provider_order_no(mut self, provider_order_no: Option<&'a str>) -> Self {
        self.provider_order_no = provider_order_no;
        self
    }
}

/// The sending half every client shares: the capped transport, the retry policy and the call
/// deadline. Cheap to share (`Transport` holds a pooled client).
#[derive(Clone, Debug)]
pub struct Pipeline {
    transport: Transport,
    retry: RetryPolicy,
}

impl Pipeline {
    /// A pipeline over `transport`, retrying reads with `retry`.
    pub fn new(transport: Transport, retry: RetryPolicy) -> Self {
        Self { transport, retry }
    }

    /// The base URL calls go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// The transport (base URL, timeouts).
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The retry policy for reads.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Runs one call: `prepare` builds the signed request (once, or before every attempt when
    /// [`Protocol::RESIGN_EACH_ATTEMPT`]), the transport sends it within the call's
    /// [`Deadline`], `parse` reads the reply (envelope, API code, typed data), and errors are
    /// classified by the protocol: reads are retried with jittered backoff while time is left;
    /// a write is resent only when the protocol says it certainly did not take effect, and a
    /// write that may have been executed becomes the protocol's "outcome unknown".
    /// A reply of HTTP 404 or 405 without the provider's envelope ([`Protocol::is_envelope`])
    /// is not parsed: the URL has no route, nothing was executed, and the call ends with the
    /// protocol's [`Protocol::no_such_route`] configuration error naming the URL.
    ///
    /// Everything happens in one `payhub.call` span (provider, operation, merchant, order
    /// numbers, attempt, http_status, outcome, latency_ms), made when `execute` is called, and
    /// the metrics of [`crate::metrics`] are recorded.
    ///
    /// Not an `async fn`: the call's future is built here, inside its span's wrapper, and
    /// returned. An `async fn` would build it on its first poll and move it into its own
    /// future, a copy of a few kilobytes on every call.
    ///
    /// # Errors
    /// The error of the last attempt, as the protocol wraps it.
    pub fn execute<P, T>(
        &self,
        protocol: &P,
        call: Call<'_>,
        prepare: impl Fn() -> Result<PreparedRequest, P::Error>,
        parse: impl Fn(&RawResponse) -> Result<T, P::Error>,
    ) -> impl Future<Output = Result<T, P::Error>>
    where
        P: Protocol,
    {
        let span = taken(call_span(P::PROVIDER, &call));
        let entered = span.clone();
        self.run(protocol, call, prepare, parse, span)
            .instrument(entered)
    }

    /// The call itself; it owns what [`Pipeline::execute`] hands it.
    async fn run<P, T>(
        &self,
        protocol: &P,
        call: Call<'_>,
        prepare: impl Fn() -> Result<PreparedRequest, P::Error>,
        parse: impl Fn(&RawResponse) -> Result<T, P::Error>,
        span: Span,
    ) -> Result<T, P::Error>
    where
        P: Protocol,
    {
        let (prepare, parse, span) = (&prepare, &parse, &span);
        let started = Instant::now();
        let deadline = self.transport.deadline();
        let result = match prepare() {
            Err(e) => Err(e),
            Ok(first) => {
                let first = &first;
                let attempt = |n: u32| {
                    // A protocol that signs a timestamp and nonce signs each retry afresh.
                    let fresh = (P::RESIGN_EACH_ATTEMPT && n > 1).then(prepare);
                    if n > 1 {
                        metrics::retry(P::PROVIDER, call.operation);
                    }
                    async move {
                        let owned;
                        let prepared = match fresh {
                            Some(p) => {
                                owned = p?;
                                &owned
                            }
                            None => first,
                        };
                        self.attempt(protocol, prepared, n, deadline, parse, span)
                            .await
                    }
                };
                let retry =
                    |e: &P::Error| protocol.disposition(e, call.idempotency) == Disposition::Retry;
                self.retry
                    .run_until(deadline, attempt, retry)
                    .await
                    .map_err(|e| {
                        if protocol.disposition(&e, call.idempotency) == Disposition::OutcomeUnknown
                        {
                            protocol.outcome_unknown(&call, e)
                        } else {
                            e
                        }
                    })
            }
        };
        let elapsed = started.elapsed();
        span.record(
            "latency_ms",
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        );
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => protocol.outcome_label(e),
        };
        span.record("outcome", outcome);
        metrics::call(P::PROVIDER, call.operation, outcome, elapsed);
        if let Err(e) = &result {
            // Errors carry no secret and no personal value (field names and lengths only).
            tracing::warn!(error = %e, "call failed");
        }
        result
    }

    async fn attempt<P, T>(
        &self,
        protocol: &P,
        prepared: &PreparedRequest,
        attempt: u32,
        deadline: Deadline,
        parse: &impl Fn(&RawResponse) -> Result<T, P::Error>,
        span: &Span,
    ) -> Result<T, P::Error>
    where
        P: Protocol,
    {
        span.record("attempt", attempt);
        match self.transport.send_until(prepared, deadline).await {
            Ok(reply) => {
                span.record("http_status", reply.status);
                // A 404 / 405 that is not the provider's answer: the URL has no route, so
                // nothing was executed (a wrong base URL), whatever the call.
                if NoSuchRoute::is_route_status(reply.status) && !protocol.is_envelope(&reply) {
                    let url = format!("{}{}", self.transport.base_url(), prepared.path_and_query());
                    return Err(protocol.no_such_route(NoSuchRoute::new(
                        prepared.operation(),
                        prepared.method(),
                        &url,
                        reply.status,
                    )));
                }
                parse(&reply).map_err(|e| protocol.with_request(e, prepared))
            }
            Err(e) => Err(protocol.transport_error(e)),
        }
    }
}

/// `span`, or [`Span::none`] when nothing would ever see it: no subscriber takes it and the
/// `log` fallback of `tracing` (which turns a span nobody takes into `log` records at its own
/// level, and its entries and exits at TRACE) would print nothing, its maximum level being
/// below INFO. A none span's records, entries and exits are each one branch; a disabled span
/// still formats its records for the fallback and calls into it on every poll (about 600
/// instructions per call, in `cargo xtask bench --only instructions`).
fn taken(span: Span) -> Span {
    if span.is_disabled() && log::max_level() < log::Level::Info {
        Span::none()
    } else {
        span
    }
}

/// The span of one call; the same fields for every provider.
fn call_span(provider: &'static str, call: &Call<'_>) -> Span {
    tracing::info_span!(
        "payhub.call",
        provider,
        operation = call.operation,
        merchant = call.merchant,
        order_no = call.order_no.map(field::display),
        provider_order_no = call.provider_order_no.map(field::display),
        attempt = field::Empty,
        http_status = field::Empty,
        outcome = field::Empty,
        latency_ms = field::Empty,
    )
}

/// The metrics and span label of a provider crate's error, the same words in every crate:
/// `config`, `validation`, `transport`, `outcome_unknown`, `decode`, `api`, `signature`,
/// `notify`. Expands to an exhaustive `match` over the shared variant names (tuple or struct
/// variants alike), so a crate that adds a variant must choose its label: the body of
/// [`Protocol::outcome_label`].
///
/// ```
/// #[derive(Debug)]
/// enum Error { Config(u8), Validation(u8), Transport(u8), OutcomeUnknown(u8), Decode(u8),
///              Api(u8), Signature { operation: &'static str }, Notify(u8) }
/// let e = Error::Signature { operation: "pay" };
/// assert_eq!(payhub_runtime::outcome_label!(Error, &e), "signature");
/// assert_eq!(payhub_runtime::outcome_label!(Error, &Error::Api(1)), "api");
/// ```
#[macro_export]
macro_rules! outcome_label {
    ($Error:ident, $e:expr) => {
        match $e {
            $Error::Config { .. } => "config",
            $Error::Validation { .. } => "validation",
            $Error::Transport { .. } => "transport",
            $Error::OutcomeUnknown { .. } => "outcome_unknown",
            $Error::Decode { .. } => "decode",
            $Error::Api { .. } => "api",
            $Error::Signature { .. } => "signature",
            $Error::Notify { .. } => "notify",
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a_call() -> Call<'static> {
        Call::new("payDesk", Idempotency::Unsafe, "1002001")
    }

    #[test]
    fn a_span_nothing_would_see_is_none_and_any_other_is_kept() {
        // No subscriber, and the `log` fallback would print nothing (no logger: level Off).
        log::set_max_level(log::LevelFilter::Off);
        let span = call_span("paydesk", &a_call());
        // The fallback is on in this build: the span nobody takes still has its metadata.
        assert!(span.is_disabled() && span.metadata().is_some());
        assert!(taken(span).is_none());
        // A log level that prints the span's records: the fallback needs the span.
        log::set_max_level(log::LevelFilter::Info);
        let kept = taken(call_span("paydesk", &a_call()));
        log::set_max_level(log::LevelFilter::Off);
        assert_eq!(kept.metadata().map(|m| m.name()), Some("payhub.call"));
        // A subscriber that takes it.
        let subscriber = tracing_subscriber::fmt()
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = taken(call_span("paydesk", &a_call()));
            assert!(!span.is_disabled() && !span.is_none());
        });
    }
}
