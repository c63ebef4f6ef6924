//! [`Vipcharge`]: this provider's protocol as the shared request pipeline
//! ([`payhub_runtime::Pipeline`]) needs it: how a transport failure is wrapped, which errors a
//! read retries, what an order whose outcome is unknown looks like, and the callback
//! acknowledgement words.

use payhub_runtime::{
    AckWords, Call, Disposition, Idempotency, NoSuchRoute, PreparedRequest, Protocol, RawResponse,
    TransportError,
};

use crate::error::{ConfigError, Error, OutcomeUnknown, UnknownReason};

/// The vipcharge protocol (a unit value; the client holds one).
///
/// - Each attempt is signed afresh: the platform refuses a nonce it has seen (status 6), so a
///   retried read carries a new `nonce` and `timestamp` ([`Protocol::RESIGN_EACH_ATTEMPT`]).
/// - Reads are retried on connection failures, timeouts, HTTP 5xx, replies cut short or garbled
///   on the way, and statuses 5, 6, 98, 99. Orders are sent exactly once: a transport failure
///   after the request may have been delivered is [`Error::OutcomeUnknown`].
///
/// [`Protocol::RESIGN_EACH_ATTEMPT`]: payhub_runtime::Protocol::RESIGN_EACH_ATTEMPT
///
/// ```
/// use payhub_runtime::{AckWords, Protocol};
/// assert_eq!(vipcharge::protocol::Vipcharge::PROVIDER, "vipcharge");
/// assert_eq!(<vipcharge::protocol::Vipcharge as AckWords>::SUCCESS, (200, "SUCCESS"));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vipcharge;

impl Protocol for Vipcharge {
    type Error = Error;
    const PROVIDER: &'static str = "vipcharge";
    const RESIGN_EACH_ATTEMPT: bool = true;

    fn transport_error(&self, e: TransportError) -> Error {
        Error::Transport(e)
    }

    fn disposition(&self, e: &Error, idempotency: Idempotency) -> Disposition {
        match idempotency {
            Idempotency::Safe if e.is_retryable() => Disposition::Retry,
            // An order is never resent, not even after a refused connection.
            Idempotency::Unsafe if matches!(e, Error::Transport(t) if t.outcome_unknown()) => {
                Disposition::OutcomeUnknown
            }
            _ => Disposition::Fail,
        }
    }

    fn outcome_unknown(&self, call: &Call<'_>, e: Error) -> Error {
        match e {
            Error::Transport(t) => OutcomeUnknown::new(
                call.operation,
                call.order_no.map(str::to_owned),
                UnknownReason::Transport(t.kind()),
                Some(Box::new(t)),
                None,
            )
            .into(),
            other => other,
        }
    }

    fn is_envelope(&self, reply: &RawResponse) -> bool {
        crate::api::is_envelope(&reply.body)
    }

    /// HTTP 404 / 405 without the platform's envelope: a wrong base URL, nothing executed. An
    /// [`Error::Config`] on `base_url` whose message names the URL called; never retried,
    /// never "outcome unknown".
    fn no_such_route(&self, e: NoSuchRoute) -> Error {
        ConfigError::new("base_url", e.to_string()).into()
    }

    fn outcome_label(&self, e: &Error) -> &'static str {
        payhub_runtime::outcome_label!(Error, e)
    }

    fn with_request(&self, e: Error, prepared: &PreparedRequest) -> Error {
        match e {
            Error::Api(a) => Error::Api(a.with_signed(prepared.signed())),
            other => other,
        }
    }
}

impl AckWords for Vipcharge {
    /// `200` with body `SUCCESS`: the report is stored; the platform stops delivering it.
    const SUCCESS: (u16, &'static str) = (200, "SUCCESS");
    /// `500` with body `FAIL` (the body the provider's demo answers): the platform delivers
    /// again on its schedule. Any answer other than `SUCCESS` has that effect.
    const RETRY: (u16, &'static str) = (500, "FAIL");
}
