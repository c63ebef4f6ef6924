//! [`GatewayRecharge`]: WinPay's protocol as the shared [`payhub_runtime::Pipeline`] needs it:
//! which failures are retried, which make a create's outcome unknown, and the callback
//! acknowledgement words.
//!
//! The rules, unchanged from the crate's own loop:
//! - a read ([`Idempotency::Safe`]) is retried on connection failures, timeouts, resets, HTTP
//!   5xx, empty or truncated replies, and the configured busy codes
//!   ([`Error::is_retryable`]);
//! - a create is sent once: a transport failure after the request may have left, or a 2xx / 5xx
//!   reply that cannot be read, is [`Error::OutcomeUnknown`]; a refused connection is a plain
//!   [`Error::Transport`] (the request never left) and is not resent either.
//!
//! ```
//! use gateway_recharge::protocol::GatewayRecharge;
//! use gateway_recharge::payhub_runtime::{Ack, Protocol};
//! assert_eq!(<GatewayRecharge as Protocol>::PROVIDER, "gateway-recharge");
//! assert_eq!(Ack::<GatewayRecharge>::success().body(), "SUCCESS");
//! ```

use payhub_runtime::{
    AckWords, Call, Disposition, Idempotency, NoSuchRoute, PreparedRequest, Protocol, RawResponse,
    TransportError,
};

use crate::error::{Error, OutcomeUnknown};

/// WinPay (`gateway-recharge`): the provider's protocol value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GatewayRecharge;

impl Protocol for GatewayRecharge {
    type Error = Error;

    const PROVIDER: &'static str = "gateway-recharge";

    fn transport_error(&self, e: TransportError) -> Error {
        Error::Transport(e)
    }

    fn disposition(&self, e: &Error, idempotency: Idempotency) -> Disposition {
        match idempotency {
            Idempotency::Safe if e.is_retryable() => Disposition::Retry,
            Idempotency::Safe => Disposition::Fail,
            // Anything not declared a read is a write.
            _ if unsure(e) => Disposition::OutcomeUnknown,
            _ => Disposition::Fail,
        }
    }

    fn outcome_unknown(&self, call: &Call<'_>, e: Error) -> Error {
        Error::OutcomeUnknown(OutcomeUnknown {
            operation: call.operation,
            order_no: call.order_no.map(str::to_owned),
            cause: Box::new(e),
        })
    }

    fn is_envelope(&self, reply: &RawResponse) -> bool {
        crate::api::is_envelope(&reply.body)
    }

    /// HTTP 404 / 405 without WinPay's envelope: a wrong base URL, nothing executed. An
    /// [`Error::Config`] on `base_url` whose message names the URL called; never retried,
    /// never "outcome unknown".
    fn no_such_route(&self, e: NoSuchRoute) -> Error {
        Error::config("base_url", e.to_string())
    }

    fn outcome_label(&self, e: &Error) -> &'static str {
        payhub_runtime::outcome_label!(Error, e)
    }

    /// An API refusal keeps what the request signed (key masked), for "bad sign" debugging.
    fn with_request(&self, e: Error, prepared: &PreparedRequest) -> Error {
        match e {
            Error::Api(a) => Error::Api(a.with_signed(prepared.signed())),
            other => other,
        }
    }
}

/// A create failed in a way that may still have created the order: report, never resend.
fn unsure(e: &Error) -> bool {
    match e {
        Error::Transport(t) => t.outcome_unknown(),
        Error::Decode(d) => d
            .http_status()
            .is_some_and(|s| (200..300).contains(&s) || s >= 500),
        _ => false,
    }
}

impl AckWords for GatewayRecharge {
    /// HTTP 200 with the plain body `SUCCESS` (uppercase): stops deliveries.
    const SUCCESS: (u16, &'static str) = (200, "SUCCESS");
    /// HTTP 500 with the body `FAIL`: WinPay delivers again every 10 s, 10 times in all.
    const RETRY: (u16, &'static str) = (500, "FAIL");
}
