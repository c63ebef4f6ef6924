//! [`Paydesk`]: Cashy's protocol as the shared [`payhub_runtime::Pipeline`] needs it (how errors
//! are classified, retried and reported) and the words of its notify acknowledgement.
//!
//! The rules, unchanged from the crate's own loop before the pipeline existed:
//! - a **read** is retried on a retryable transport failure (refused connection, timeout,
//!   reset), an HTTP 5xx or a `System_busy` / `System_Maintenance` reply, and on a reply that is
//!   not a readable envelope at all ([`Error::is_retryable`]);
//! - a **create** is sent once and never resent: when it may have been executed (the request
//!   may have reached Cashy, the reply was unreadable, `System_error`, or an undocumented `msg`
//!   with HTTP 5xx) the error becomes [`Error::OutcomeUnknown`]; otherwise (a refused
//!   connection, a documented refusal) it is returned as it is.
//! - Cashy signs no timestamp, so one signed request serves every attempt.

use payhub_runtime::{
    AckWords, Call, Disposition, Idempotency, NoSuchRoute, PreparedRequest, Protocol, RawResponse,
    TransportError,
};

use crate::api::create_kind;
use crate::error::{ApiErrorCode, ConfigError, Error, OutcomeUnknown};

/// Cashy (the `paydesk` crate) as a [`Protocol`] and as the [`AckWords`] of
/// [`notify::Ack`](crate::notify::Ack).
///
/// ```
/// use paydesk::protocol::Paydesk;
/// use payhub_runtime::Protocol as _;
/// assert_eq!(Paydesk::PROVIDER, "paydesk");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Paydesk;

impl Protocol for Paydesk {
    type Error = Error;

    const PROVIDER: &'static str = "paydesk";

    fn transport_error(&self, e: TransportError) -> Error {
        Error::Transport(e)
    }

    fn disposition(&self, e: &Error, idempotency: Idempotency) -> Disposition {
        match idempotency {
            Idempotency::Safe if e.is_retryable() => Disposition::Retry,
            Idempotency::Unsafe if may_have_executed(e) => Disposition::OutcomeUnknown,
            _ => Disposition::Fail,
        }
    }

    fn outcome_unknown(&self, call: &Call<'_>, e: Error) -> Error {
        let kind = create_kind(call.operation);
        OutcomeUnknown::new(call.operation, kind, call.order_no, e).into()
    }

    fn is_envelope(&self, reply: &RawResponse) -> bool {
        crate::api::is_envelope(&reply.body)
    }

    /// HTTP 404 / 405 without Cashy's envelope: a wrong base URL, nothing executed. An
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

impl AckWords for Paydesk {
    /// HTTP 200 with body `SUCCESS`: stored, stop delivering.
    const SUCCESS: (u16, &'static str) = (200, "SUCCESS");
    /// HTTP 500 with body `FAIL`: not stored, deliver again on Cashy's schedule.
    const RETRY: (u16, &'static str) = (500, "FAIL");
}

/// Whether a create that failed this way may still have been processed.
fn may_have_executed(e: &Error) -> bool {
    match e {
        Error::Transport(t) => t.outcome_unknown(),
        Error::Decode(_) => true,
        Error::Api(a) => {
            *a.error_code() == ApiErrorCode::SystemError
                || (matches!(a.error_code(), ApiErrorCode::Unknown(_)) && a.http_status() >= 500)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use payhub_runtime::{Call, Disposition, Idempotency, Protocol as _};

    use super::Paydesk;
    use crate::api::{OrderKind, PayOutRequest};
    use crate::error::{ApiError, ConfigError, DecodeError, Error};

    fn api(status: u16, msg: &str) -> Error {
        ApiError::new("payOut", status, Some("500".into()), msg.into(), b"{}").into()
    }

    fn decode() -> Error {
        DecodeError::new(None, "body is empty").into()
    }

    #[test]
    fn reads_retry_busy_codes_5xx_and_unreadable_replies_only() {
        let d = |e: &Error| Paydesk.disposition(e, Idempotency::Safe);
        assert_eq!(d(&api(200, "System_busy")), Disposition::Retry);
        assert_eq!(d(&api(200, "System_Maintenance")), Disposition::Retry);
        assert_eq!(d(&api(502, "Whatever")), Disposition::Retry);
        assert_eq!(d(&decode()), Disposition::Retry);
        assert_eq!(d(&api(200, "System_error")), Disposition::Fail);
        assert_eq!(d(&api(200, "Sign_verify_error")), Disposition::Fail);
        let field = Error::from(DecodeError::field("amount", "is not a number"));
        assert_eq!(
            d(&field),
            Disposition::Fail,
            "a readable envelope, one bad field"
        );
    }

    #[test]
    fn creates_are_never_retried_and_unknown_only_when_they_may_have_landed() {
        let d = |e: &Error| Paydesk.disposition(e, Idempotency::Unsafe);
        assert_eq!(d(&api(200, "System_busy")), Disposition::Fail);
        assert_eq!(d(&api(200, "System_error")), Disposition::OutcomeUnknown);
        assert_eq!(d(&api(503, "Gateway_down")), Disposition::OutcomeUnknown);
        assert_eq!(
            d(&api(503, "System_busy")),
            Disposition::Fail,
            "documented: not run"
        );
        assert_eq!(d(&api(200, "Params_mchOrderNo_repeat")), Disposition::Fail);
        assert_eq!(d(&decode()), Disposition::OutcomeUnknown);
        let config = Error::from(ConfigError::new("base_url", "x"));
        assert_eq!(d(&config), Disposition::Fail);
    }

    #[test]
    fn outcome_unknown_names_the_operation_kind_and_order() {
        use crate::api::Operation as _;
        let call =
            Call::new(PayOutRequest::NAME, Idempotency::Unsafe, "1002001").order_no(Some("M-1"));
        let e = Paydesk.outcome_unknown(&call, decode());
        let Error::OutcomeUnknown(u) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (u.operation(), u.kind(), u.mch_order_no()),
            ("payOut", Some(OrderKind::PayOut), Some("M-1"))
        );
        assert_eq!(Paydesk.outcome_label(&e), "outcome_unknown");
        let raw = Paydesk.outcome_unknown(&Call::new("raw", Idempotency::Unsafe, "1"), decode());
        assert!(matches!(raw, Error::OutcomeUnknown(u) if u.kind().is_none()));
    }
}
