//! [`Tokenpay`]: what the shared [`payhub_runtime::Pipeline`] needs to know about tokenpay's
//! protocol (how its errors are retried, when a write's outcome is unknown) and the words of its
//! callback answer ([`payhub_runtime::AckWords`]).

use payhub_runtime::{
    AckWords, Call, Disposition, Idempotency, NoSuchRoute, PreparedRequest, Protocol, RawResponse,
    Reconciliation,
};

use crate::error::{Error, OutcomeUnknown, Result, TransportError};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.tokenpay.me";

/// The `User-Agent` the provider's examples send.
pub const DEFAULT_USER_AGENT: &str = "tokenpay API (https://tokenpay.me)";

/// The variable [`crate::ClientBuilder::from_env`] reads the API base URL from (optional).
pub const ENV_BASE_URL: &str = "TOKENPAY_BASE_URL";
/// The variable holding the application id.
pub const ENV_APP_ID: &str = "TOKENPAY_APP_ID";
/// The variable holding the merchant id.
pub const ENV_MCH_ID: &str = "TOKENPAY_MCH_ID";
/// The variable holding the 32-byte app secret.
pub const ENV_APP_SECRET: &str = "TOKENPAY_APP_SECRET";

/// tokenpay's protocol, as the runtime's pipeline and [`payhub_runtime::Ack`] use it.
///
/// - Each attempt is signed afresh (a new timestamp and nonce): [`Protocol::RESIGN_EACH_ATTEMPT`].
/// - The rate-limit codes 11001 and 20004 are retried, writes included (tokenpay refused the
///   call without acting on it).
/// - Reads are retried on a refused connection, a timeout, a reset, an HTTP 5xx or 429 without
///   an envelope, and a garbled reply (empty, HTML, truncated, not UTF-8).
/// - A write is retried only when it certainly did not reach tokenpay (a refused connection, a
///   request that could not be built); a write that may have been carried out (timeout, reset,
///   5xx, an unreadable or badly signed reply) is [`Error::OutcomeUnknown`].
///
/// ```
/// use payhub_runtime::Protocol;
/// assert_eq!(<tokenpay::protocol::Tokenpay as Protocol>::PROVIDER, "tokenpay");
/// assert_eq!(tokenpay::notify::Ack::success().body(), "success");
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Tokenpay;

impl Protocol for Tokenpay {
    type Error = Error;
    const PROVIDER: &'static str = "tokenpay";
    const RESIGN_EACH_ATTEMPT: bool = true;

    fn transport_error(&self, e: TransportError) -> Error {
        Error::Transport(e)
    }

    fn disposition(&self, e: &Error, idempotency: Idempotency) -> Disposition {
        let write = idempotency == Idempotency::Unsafe;
        let retry_if = |retry: bool| {
            if retry {
                Disposition::Retry
            } else {
                Disposition::Fail
            }
        };
        let unknown_if = |unknown: bool| {
            if unknown {
                Disposition::OutcomeUnknown
            } else {
                Disposition::Fail
            }
        };
        match e {
            Error::Api(a) => retry_if(a.code().is_retryable()),
            Error::Transport(t) if write => {
                if t.outcome_unknown() {
                    Disposition::OutcomeUnknown
                } else {
                    Disposition::Retry
                }
            }
            Error::Transport(t) => retry_if(t.is_retryable()),
            Error::Decode(d) if d.is_http_status() && write => unknown_if(d.status() >= 500),
            Error::Decode(d) if d.is_http_status() => {
                retry_if(d.status() >= 500 || d.status() == 429)
            }
            // An unreadable or badly signed reply to a write: it may have been carried out.
            Error::Decode(_) | Error::Signature(_) if write => Disposition::OutcomeUnknown,
            // A reply cut short or garbled on the way: a read is safe to ask again.
            Error::Decode(d) => retry_if(d.is_garbled()),
            _ => Disposition::Fail,
        }
    }

    fn outcome_unknown(&self, call: &Call<'_>, e: Error) -> Error {
        let reference = match (call.order_no, call.provider_order_no) {
            (Some(o), _) => Some(("out_trade_no", o.to_owned())),
            (None, Some(p)) => Some((provider_id_field(call.operation), p.to_owned())),
            (None, None) => None,
        };
        OutcomeUnknown::new(call.operation, reference, e).into()
    }

    fn is_envelope(&self, reply: &RawResponse) -> bool {
        crate::api::is_envelope(reply)
    }

    /// HTTP 404 / 405 without tokenpay's envelope: a wrong base URL, nothing executed. An
    /// [`Error::Config`] on `base_url` whose message names the URL called; never retried,
    /// never "outcome unknown".
    fn no_such_route(&self, e: NoSuchRoute) -> Error {
        Error::config("base_url", e.to_string())
    }

    fn outcome_label(&self, e: &Error) -> &'static str {
        payhub_runtime::outcome_label!(Error, e)
    }

    fn with_request(&self, e: Error, prepared: &PreparedRequest) -> Error {
        match e {
            Error::Api(a) => Error::from((*a).with_signed(prepared.signed())),
            other => other,
        }
    }
}

/// The field naming tokenpay's id in an operation's request (`payout_id` to close a payout).
fn provider_id_field(operation: &str) -> &'static str {
    if operation == "close_payout" {
        "payout_id"
    } else {
        "transaction_id"
    }
}

/// The span's view of a request: its reference (`Operation::reference`) as the merchant's or
/// tokenpay's order number (a wallet address or a currency is neither).
pub(crate) fn call<'a>(
    (operation, idempotency): (&'static str, Idempotency),
    merchant: &'a str,
    reference: Option<(&'static str, &'a str)>,
) -> Call<'a> {
    let (order_no, provider_order_no) = match reference {
        Some(("out_trade_no", v)) => (Some(v), None),
        Some((k, v)) if k == provider_id_field(operation) => (None, Some(v)),
        _ => (None, None),
    };
    Call::new(operation, idempotency, merchant)
        .order_no(order_no)
        .provider_order_no(provider_order_no)
}

/// A status query's answer as a reconciliation: "does not exist" (12002, 12003) is `NotFound`.
pub(crate) fn found<T>(answer: Result<T>) -> Result<Reconciliation<T>> {
    match answer {
        Ok(t) => Ok(Reconciliation::Found(t)),
        Err(Error::Api(a)) if a.code().is_not_found() => Ok(Reconciliation::NotFound),
        Err(e) => Err(e),
    }
}

impl AckWords for Tokenpay {
    /// HTTP 200 with the plain body `success`: tokenpay stops delivering.
    const SUCCESS: (u16, &'static str) = (200, "success");
    /// HTTP 500 with the body `fail`: anything but `success` makes tokenpay deliver again on its
    /// schedule.
    const RETRY: (u16, &'static str) = (500, "fail");
}

#[cfg(test)]
mod tests {
    use payhub_runtime::Idempotency::{Safe, Unsafe};

    use super::*;
    use crate::error::{ApiError, DecodeError, SignatureError, SignatureProblem};
    use crate::types::ApiCode;

    fn api(code: i64) -> Error {
        ApiError::new(
            "prepay",
            200,
            ApiCode::from_code(code),
            "m".into(),
            None,
            b"{}",
        )
        .into()
    }

    /// The rules `Client::send` applied before the pipeline, per error and idempotency
    /// (transport errors are covered end to end by the loopback tests).
    #[test]
    fn disposition_keeps_the_crate_rules() {
        use Disposition::{Fail, OutcomeUnknown as Unknown, Retry};
        let http = |s| Error::from(DecodeError::http_status("prepay", s, b"<html>"));
        let garbled = || Error::from(DecodeError::garbled("prepay", 200, "empty", b""));
        let field = || Error::from(DecodeError::new("prepay", 200, "`x` is missing", b"{}"));
        let sig = || Error::from(SignatureError::new("prepay", SignatureProblem::Mismatch));
        let cases = [
            (api(11001), Retry, Retry),
            (api(20004), Retry, Retry),
            (api(12002), Fail, Fail),
            (api(103), Fail, Fail),
            (http(503), Retry, Unknown),
            (http(429), Retry, Fail),
            (http(400), Fail, Fail),
            (garbled(), Retry, Unknown),
            (field(), Fail, Unknown),
            (sig(), Fail, Unknown),
            (Error::validation("amount", "must be positive"), Fail, Fail),
        ];
        for (e, read, write) in cases {
            assert_eq!(Tokenpay.disposition(&e, Safe), read, "read: {e}");
            assert_eq!(Tokenpay.disposition(&e, Unsafe), write, "write: {e}");
        }
    }

    #[test]
    fn outcome_unknown_names_the_order_from_the_call() {
        let e = || api(11000);
        let call = Call::new("prepay", Unsafe, "mch").order_no(Some("A-1"));
        let Error::OutcomeUnknown(o) = Tokenpay.outcome_unknown(&call, e()) else {
            panic!("not OutcomeUnknown")
        };
        assert_eq!(o.reference(), Some(("out_trade_no", "A-1")));
        assert_eq!(o.operation(), "prepay");
        let call = Call::new("close_payout", Unsafe, "mch").provider_order_no(Some("p-9"));
        let Error::OutcomeUnknown(o) = Tokenpay.outcome_unknown(&call, e()) else {
            panic!("not OutcomeUnknown")
        };
        assert_eq!(o.reference(), Some(("payout_id", "p-9")));
        assert_eq!(
            Tokenpay.outcome_label(&Error::OutcomeUnknown(o)),
            "outcome_unknown"
        );
    }

    #[test]
    fn a_request_reference_becomes_the_spans_order_numbers() {
        let c = call(("prepay", Unsafe), "mch", Some(("out_trade_no", "A-1")));
        assert_eq!((c.order_no, c.provider_order_no), (Some("A-1"), None));
        let c = call(
            ("close_order", Unsafe),
            "mch",
            Some(("transaction_id", "t")),
        );
        assert_eq!((c.order_no, c.provider_order_no), (None, Some("t")));
        let c = call(
            ("insert_wallet", Unsafe),
            "mch",
            Some(("wallet_address", "T1")),
        );
        assert_eq!((c.order_no, c.provider_order_no), (None, None));
        assert_eq!(c.merchant, "mch");
    }

    #[test]
    fn reconciliation_is_not_found_only_for_12002_and_12003() {
        assert!(found::<()>(Err(api(12002))).expect("answer").is_not_found());
        assert!(found::<()>(Err(api(12003))).expect("answer").is_not_found());
        assert!(found::<()>(Err(api(11000))).is_err());
        assert_eq!(found(Ok(7)).expect("answer").into_found(), Some(7));
    }
}
