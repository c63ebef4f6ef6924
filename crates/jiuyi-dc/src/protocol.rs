//! [`JiuyiDc`]: the dcapi protocol as the shared pipeline of `payhub_runtime` needs it (how a
//! failure is classified, retried or reported as an unknown outcome) and the words of its
//! callback acknowledgement.

use payhub_runtime::{
    AckWords, Call, Disposition, Idempotency, NoSuchRoute, PreparedRequest, Protocol, RawResponse,
    TransportError,
};

use crate::Error;
use crate::error::OutcomeUnknownError;

/// The 91 card dcapi protocol. A unit value: the client passes it to the runtime's pipeline,
/// and [`crate::notify::Ack`] takes its words from it.
///
/// ```
/// use jiuyi_dc::protocol::JiuyiDc;
/// use payhub_runtime::Protocol as _;
/// assert_eq!(JiuyiDc::PROVIDER, "jiuyi-dc");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JiuyiDc;

impl Protocol for JiuyiDc {
    type Error = Error;

    const PROVIDER: &'static str = "jiuyi-dc";

    fn transport_error(&self, e: TransportError) -> Error {
        Error::Transport(e)
    }

    /// Reads are retried on retryable transport failures, HTTP 5xx / 429 and bodies that are
    /// not JSON. A create is sent once: a transport failure that may have reached the provider,
    /// or any unreadable reply, is an unknown outcome; every other error is final.
    fn disposition(&self, e: &Error, idempotency: Idempotency) -> Disposition {
        match idempotency {
            Idempotency::Unsafe => match e {
                Error::Transport(t) if t.outcome_unknown() => Disposition::OutcomeUnknown,
                Error::Decode(_) => Disposition::OutcomeUnknown,
                _ => Disposition::Fail,
            },
            _ if e.is_retryable() => Disposition::Retry,
            _ => Disposition::Fail,
        }
    }

    fn outcome_unknown(&self, call: &Call<'_>, e: Error) -> Error {
        Error::OutcomeUnknown(OutcomeUnknownError::new(
            call.operation,
            call.order_no.unwrap_or(""),
            e,
        ))
    }

    fn is_envelope(&self, reply: &RawResponse) -> bool {
        crate::api::is_envelope(&reply.body)
    }

    /// HTTP 404 / 405 without dcapi's envelope: a wrong base URL, nothing executed. An
    /// [`Error::Config`] on `base_url` whose message names the URL called; never retried,
    /// never "outcome unknown".
    fn no_such_route(&self, e: NoSuchRoute) -> Error {
        Error::config("base_url", e.to_string())
    }

    fn outcome_label(&self, e: &Error) -> &'static str {
        payhub_runtime::outcome_label!(Error, e)
    }

    /// An API refusal keeps what the request signed (secret masked), for "bad sign" debugging.
    fn with_request(&self, e: Error, prepared: &PreparedRequest) -> Error {
        match e {
            Error::Api(a) => Error::Api(a.with_signed(prepared.signed())),
            other => other,
        }
    }
}

/// HTTP 200 with the plain body `success` stops deliveries; anything else is a failure to the
/// provider, which delivers again on its schedule: HTTP 500 `fail`.
impl AckWords for JiuyiDc {
    const SUCCESS: (u16, &'static str) = (200, "success");
    const RETRY: (u16, &'static str) = (500, "fail");
}
