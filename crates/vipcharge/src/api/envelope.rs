//! Reading a reply: the `{status, message, data}` envelope, the status mapping (an order's
//! "query the order" codes are an unknown outcome), the reply-signature check
//! ([`ReplySignatureMode`]) and the typed `data`.

use payhub_runtime::{Idempotency, RawResponse};
use serde_json::value::RawValue;
use sign_core::rsa::RsaPrivateKey;

use super::{FromReply, Operation, ParseContext};
use crate::error::{
    ApiError, DecodeError, DecodeErrorKind, Error, OutcomeUnknown, Result, SignatureError,
    SignatureErrorKind, UnknownReason,
};
use crate::sign::{PlatformVerifier, header, string_to_sign};
use crate::types::ReplyStatus;
use crate::wire::{Fields, json_error_kind};

/// Whether reply signatures are checked.
///
/// The docs say the platform's "responses or callbacks" carry a `sign` header, but show only
/// the callback case; whether every live reply is signed, and how, is unconfirmed. So the
/// default, [`ReplySignatureMode::RefuseInvalid`], refuses a reply whose signature is **present and
/// wrong** (a forged or altered reply is never acted on) and accepts a reply that carries **no**
/// signature (so unsigned live replies keep working). [`ReplySignatureMode::Strict`] refuses
/// unsigned replies too, once the platform confirms that it signs them.
///
/// A refused reply to an order call is [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown)
/// with [`UnknownReason::ReplySignature`](crate::error::UnknownReason::ReplySignature): the
/// request was delivered and the order may exist, so query it with
/// [`Client::reconcile`](crate::Client::reconcile) and never resend it; a refused reply to a
/// read is [`Error::Signature`](crate::Error::Signature).
///
/// A reply's signature can only be checked with a platform verifier: MD5 merchants have one by
/// default (their secret); `SHA256-RSA` merchants need
/// [`ClientBuilder::platform_public_key`](crate::ClientBuilder::platform_public_key), without
/// which replies are not checked (except in `Strict`, which refuses to build without one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplySignatureMode {
    /// Never check reply signatures.
    Off,
    /// Check a reply that carries `sign` and only **log** a mismatch, acting on the reply anyway.
    /// Unsafe: a forged reply is trusted. Kept for diagnosing a platform whose reply signatures
    /// do not follow the documented rule; never use it in production.
    Warn,
    /// A reply that carries `sign` must verify, else `Error::Signature`; a reply without `sign`
    /// is accepted. The default (the docs do not settle whether live replies are signed).
    #[default]
    RefuseInvalid,
    /// Every 2xx reply must carry a valid signature, else `Error::Signature`. Needs a platform
    /// verifier (MD5 merchants have one by default).
    Strict,
}

/// What reading a reply needs from the client.
#[derive(Clone, Copy)]
pub(crate) struct ReplyReader<'a> {
    pub(crate) verification: ReplySignatureMode,
    pub(crate) platform: Option<&'a PlatformVerifier>,
    pub(crate) previous: Option<&'a PlatformVerifier>,
    pub(crate) card_key: Option<&'a RsaPrivateKey>,
    pub(crate) status_fields: &'a [String],
}

struct Envelope {
    status: ReplyStatus,
    message: String,
    data: Option<Box<RawValue>>,
}

fn read_envelope(body: &[u8]) -> Result<Envelope, DecodeError> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return Err(DecodeError::new(
            DecodeErrorKind::Empty,
            "no bytes received",
        ));
    }
    if trimmed.first() == Some(&b'<') {
        return Err(DecodeError::new(
            DecodeErrorKind::Html,
            "a proxy or gateway error page, or a wrong base URL?",
        ));
    }
    let mut f = Fields::parse_bytes(trimmed).map_err(|e| {
        let kind = json_error_kind(&e);
        DecodeError::new(
            kind,
            format!("stopped at line {}, column {}", e.line(), e.column()),
        )
    })?;
    let code = f
        .opt_i64("status")
        .map_err(|e| DecodeError::field(DecodeErrorKind::NotEnvelope, "status", e.detail()))?
        .ok_or_else(|| {
            DecodeError::field(
                DecodeErrorKind::NotEnvelope,
                "status",
                "required field is absent",
            )
        })?;
    let message = f
        .opt_string("message")
        .unwrap_or_default()
        .unwrap_or_default();
    Ok(Envelope {
        status: ReplyStatus::from_number(code),
        message,
        data: f.take_raw("data"),
    })
}

impl ReplyReader<'_> {
    /// Reads a reply given as its parts (a reply obtained by other means).
    pub(crate) fn read_parts<O: Operation>(
        &self,
        req: &O,
        status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<O::Response> {
        let (headers, body) = (headers.clone(), bytes::Bytes::copy_from_slice(body));
        let elapsed = std::time::Duration::ZERO;
        self.read(
            req,
            &RawResponse {
                status,
                headers,
                body,
                elapsed,
            },
        )
    }

    /// Reads the reply of `req`: signature (2xx replies), envelope, status, typed data.
    pub(crate) fn read<O: Operation>(&self, req: &O, raw: &RawResponse) -> Result<O::Response> {
        let is_order = O::IDEMPOTENCY == Idempotency::Unsafe;
        let biz = || req.biz_code_ref().map(str::to_owned);
        let http_ok = (200..300).contains(&raw.status);
        if http_ok && let Err(refused) = self.check_signature(O::NAME, raw, biz(), is_order) {
            // Under the default `RefuseInvalid`, a body that is not even a readable envelope (cut
            // short or garbled on the way) is reported as unreadable, as without signatures:
            // it is never acted on either way, and a read is then retried.
            let unreadable = self.verification == ReplySignatureMode::RefuseInvalid
                && read_envelope(&raw.body).is_err();
            if !unreadable {
                return Err(refused);
            }
        }
        let unknown = |reason, source: Option<DecodeError>| -> Error {
            OutcomeUnknown::new(
                O::NAME,
                biz(),
                reason,
                source.map(|e| Box::new(e) as _),
                Some(raw.body.clone()),
            )
            .into()
        };
        let envelope = match (read_envelope(&raw.body), http_ok) {
            (Ok(env), true) => env,
            (Ok(env), false) if !env.status.is_success() => env,
            (_, false) => {
                let err = DecodeError::new(
                    DecodeErrorKind::HttpStatus,
                    format!("HTTP {} without a readable error envelope", raw.status),
                )
                .in_reply(O::NAME, raw.status, raw.body.clone());
                return Err(if is_order {
                    unknown(UnknownReason::HttpStatus(raw.status), Some(err))
                } else {
                    err.into()
                });
            }
            (Err(e), true) => {
                let err = e.in_reply(O::NAME, raw.status, raw.body.clone());
                return Err(if is_order {
                    unknown(UnknownReason::UnreadableReply(err.kind()), Some(err))
                } else {
                    err.into()
                });
            }
        };
        if !envelope.status.is_success() {
            if is_order && envelope.status.outcome_unknown() {
                return Err(unknown(
                    UnknownReason::ProviderStatus {
                        status: envelope.status,
                        message: envelope.message,
                    },
                    None,
                ));
            }
            return Err(ApiError::new(
                O::NAME,
                envelope.status,
                envelope.message,
                raw.status,
                biz(),
                raw.body.clone(),
            )
            .into());
        }
        let ctx = ParseContext {
            card_key: self.card_key,
            status_fields: self.status_fields,
        };
        O::Response::from_reply(envelope.data.as_deref(), &ctx).map_err(|e| {
            let err = e
                .under("data")
                .in_reply(O::NAME, raw.status, raw.body.clone());
            if is_order {
                unknown(UnknownReason::AcceptedButUnreadable(err.kind()), Some(err))
            } else {
                err.into()
            }
        })
    }

    /// Checks a reply's `sign` with one verifier.
    fn verify_with(
        &self,
        verifier: &PlatformVerifier,
        raw: &RawResponse,
    ) -> std::result::Result<(), SignatureErrorKind> {
        let text = |name: &str| raw.header(name).map(str::trim).unwrap_or_default();
        let sign = text(header::SIGN);
        if sign.is_empty() {
            return Err(SignatureErrorKind::Missing);
        }
        let sign_type = Some(text(header::SIGN_TYPE)).filter(|t| !t.is_empty());
        if sign_type.is_some_and(|t| !t.eq_ignore_ascii_case(verifier.sign_type().as_str())) {
            return Err(SignatureErrorKind::SignTypeMismatch);
        }
        let message = string_to_sign(
            text(header::BUSINESS_ID),
            text(header::NONCE),
            sign_type,
            text(header::TIMESTAMP),
            &raw.body,
        );
        verifier.verify(&message, sign).map_err(|e| match e {
            sign_core::Error::MalformedSignature { .. } => SignatureErrorKind::Malformed,
            _ => SignatureErrorKind::Mismatch,
        })
    }

    fn check_signature(
        &self,
        operation: &'static str,
        raw: &RawResponse,
        biz_code: Option<String>,
        is_order: bool,
    ) -> Result<()> {
        if self.verification == ReplySignatureMode::Off {
            return Ok(());
        }
        let Some(verifier) = self.platform else {
            return Ok(());
        };
        let mut outcome = self.verify_with(verifier, raw);
        if let (Err(SignatureErrorKind::Mismatch), Some(previous)) = (&outcome, self.previous)
            && self.verify_with(previous, raw).is_ok()
        {
            tracing::warn!(
                operation,
                "vipcharge reply verified with the previous platform key: the rotation is not \
                 complete"
            );
            outcome = Ok(());
        }
        match (outcome, self.verification) {
            (Ok(()), _) => Ok(()),
            (
                Err(SignatureErrorKind::Missing),
                ReplySignatureMode::Warn | ReplySignatureMode::RefuseInvalid,
            ) => Ok(()),
            (Err(kind), ReplySignatureMode::Strict | ReplySignatureMode::RefuseInvalid) => {
                let refused = SignatureError::new(operation, kind, biz_code.clone(), is_order);
                if is_order {
                    // The request was delivered and may have been executed: an unknown outcome,
                    // reported as such so no caller takes the order as failed.
                    Err(OutcomeUnknown::new(
                        operation,
                        biz_code,
                        UnknownReason::ReplySignature(kind),
                        Some(Box::new(refused)),
                        Some(raw.body.clone()),
                    )
                    .into())
                } else {
                    Err(refused.into())
                }
            }
            (Err(kind), _) => {
                tracing::warn!(
                    provider = "vipcharge",
                    operation,
                    problem = ?kind,
                    "reply signature does not verify (ReplySignatureMode::Warn: continuing)"
                );
                Ok(())
            }
        }
    }
}

/// Whether `body` is the platform's `{status, message, data}` envelope (a JSON object with a
/// numeric `status`): an HTTP 404 / 405 with it is the platform's answer (status 4 is its "no
/// such interface method"), without it the URL has no route.
pub(crate) fn is_envelope(body: &[u8]) -> bool {
    read_envelope(body).is_ok()
}
