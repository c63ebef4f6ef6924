//! The reply envelope `{code, msg, request_id, data}` and the reply's `TTPay-*` signature:
//! [`read`] turns a [`RawResponse`] into an operation's typed reply or the crate's error.

use payhub_runtime::RawResponse;
use sign_core::Explanation;

use super::{ReplyMeta, WireContext};
use crate::error::{ApiError, DecodeError, Error, Result, SignatureError, SignatureProblem};
use crate::sign::{
    AppKey, NONCE_HEADERS, SIGNATURE_HEADERS, TIMESTAMP_HEADERS, reply_signing_string,
};
use crate::types::ApiCode;
use crate::wire::Fields;

/// What to do with the `TTPay-*` signature of a reply.
///
/// The docs say replies are signed over `TIMESTAMP\nNONCE\nBODY` but do not settle whether live
/// replies always carry a signature. A signature that is **present and wrong** is what a forged
/// reply looks like, so the default ([`ReplySignatureMode::RefuseInvalid`]) refuses it; a reply
/// with **no** signature is accepted with a `warn` event. [`ReplySignatureMode::Strict`] refuses
/// both. Whatever the mode, error replies are reported as [`Error::Api`] (never acted on as
/// success), non-2xx replies are not checked, and callbacks are always verified strictly (see
/// [`crate::notify::NotifyVerifier`]).
///
/// If tokenpay turns out to sign live replies another way (a public integration suggests it may
/// cover only `data`), every reply is refused with [`Error::Signature`] naming a mismatch:
/// [`crate::Client::diagnose_signature`] shows what the signature covers; switch to
/// [`ReplySignatureMode::Warn`] only after checking.
///
/// ```
/// assert_eq!(tokenpay::ReplySignatureMode::default(), tokenpay::ReplySignatureMode::RefuseInvalid);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplySignatureMode {
    /// Do not look at reply signatures.
    Off,
    /// Verify; only log a `warn` event (and a `debug` diagnosis) when missing or wrong. A forged
    /// reply is then trusted: use it only to investigate a signing mismatch.
    Warn,
    /// Verify (default): refuse a success reply whose signature is present but wrong (a
    /// mismatch, a signature that is not base64, or `TTPay-Timestamp` / `TTPay-Nonce` missing
    /// beside it) with [`Error::Signature`] (or [`Error::OutcomeUnknown`] for writes); accept
    /// a reply with no `TTPay-Signature` at all, logging a `warn` event.
    #[default]
    RefuseInvalid,
    /// Verify; refuse a success reply whose signature is missing or wrong with
    /// [`Error::Signature`] (or [`Error::OutcomeUnknown`] for writes).
    Strict,
}

/// How replies are checked: the mode, and during an app-secret rotation the previous key
/// (a reply that verifies only with it is accepted and logged).
#[derive(Debug, Default)]
pub(crate) struct ReplyCheck {
    pub(crate) mode: ReplySignatureMode,
    pub(crate) previous_secret: Option<sign_core::Secret>,
    pub(crate) previous: Option<AppKey>,
}

impl ReplyCheck {
    /// Loads the previous key (a secret that is not 32 bytes is an `Error::Config`).
    pub(crate) fn resolve(mut self) -> Result<Self> {
        if let Some(secret) = self.previous_secret.take() {
            let key = AppKey::new(&secret)
                .map_err(|_| Error::config("previous_app_secret", "must be 32 bytes"))?;
            self.previous = Some(key);
        }
        Ok(self)
    }
}

/// Expands, inside `impl ClientBuilder` (field `replies: ReplyCheck`), the reply setters.
macro_rules! reply_setters {
    () => {
        /// How reply signatures are treated (default [`ReplySignatureMode::RefuseInvalid`]).
        pub fn reply_signatures(mut self, mode: ReplySignatureMode) -> Self {
            self.replies.mode = mode;
            self
        }

        /// During an app-secret rotation, the secret being rotated out: a reply (or, with
        /// [`NotifyVerifier`](crate::notify::NotifyVerifier) built from it, a callback) that
        /// verifies only with it is accepted, with a `warn` event. Requests are always signed
        /// with the current secret. Remove it once the rotation is complete.
        pub fn previous_app_secret(mut self, secret: impl Into<::sign_core::Secret>) -> Self {
            self.replies.previous_secret = Some(secret.into());
            self
        }
    };
}
pub(crate) use reply_setters;

/// Reads a reply: its signature per `mode`, the envelope, then the typed `data` with `parse`.
pub(crate) fn read<T>(
    key: &AppKey,
    check: &ReplyCheck,
    ctx: &WireContext<'_>,
    operation: &'static str,
    raw: &RawResponse,
    parse: impl FnOnce(Option<&str>, ReplyMeta, &WireContext<'_>) -> std::result::Result<T, String>,
) -> Result<T> {
    let signature = check_reply_signature(key, check, operation, raw);
    let envelope = parse_envelope(operation, raw)?;
    if envelope.code != 0 {
        return Err(ApiError::new(
            operation,
            raw.status,
            ApiCode::from_code(envelope.code),
            envelope.msg,
            envelope.request_id,
            &raw.body,
        )
        .into());
    }
    signature?;
    let meta = ReplyMeta {
        msg: envelope.msg,
        request_id: envelope.request_id,
    };
    parse(envelope.data, meta, ctx)
        .map_err(|problem| DecodeError::new(operation, raw.status, problem, &raw.body).into())
}

/// Checks the reply's `TTPay-*` signature per the configured mode. Non-2xx replies (gateway
/// pages) are not signed and not checked.
fn check_reply_signature(
    key: &AppKey,
    check: &ReplyCheck,
    operation: &'static str,
    raw: &RawResponse,
) -> Result<()> {
    let mode = check.mode;
    if mode == ReplySignatureMode::Off || !(200..300).contains(&raw.status) {
        return Ok(());
    }
    let problem = match verify_reply(key, raw) {
        Ok(()) => return Ok(()),
        Err(p) => p,
    };
    if let Some(previous) = &check.previous
        && verify_reply(previous, raw).is_ok()
    {
        tracing::warn!(
            operation,
            "tokenpay reply verified with the previous app secret: the rotation is not complete"
        );
        return Ok(());
    }
    let unsigned = first_header(raw, &SIGNATURE_HEADERS).is_none();
    let refuse = match mode {
        ReplySignatureMode::Strict => true,
        ReplySignatureMode::RefuseInvalid => !unsigned,
        _ => false,
    };
    if refuse {
        return Err(SignatureError::new(operation, problem).into());
    }
    tracing::warn!(
        operation,
        problem = ?problem,
        mode = ?mode,
        "tokenpay reply signature did not verify; reply accepted per reply_signatures"
    );
    if let (Some(ts), Some(nonce), Some(sig)) = (
        first_header(raw, &TIMESTAMP_HEADERS),
        first_header(raw, &NONCE_HEADERS),
        first_header(raw, &SIGNATURE_HEADERS),
    ) {
        let expected = reply_signing_string(ts, nonce, &raw.body);
        let diagnosis = key.diagnose(sig, &expected);
        // Both strings hold the reply body (personal data): lengths and digests only;
        // `Client::diagnose_signature` shows them in full on request.
        let shown = |text: &str| Explanation::for_message(text.as_bytes(), "").digest_prefix();
        tracing::debug!(
            operation,
            matches = diagnosis.matches(),
            problem = diagnosis.problem(),
            decrypted_len = diagnosis.decrypted().len(),
            decrypted_sha256 = %shown(diagnosis.decrypted()),
            expected_len = diagnosis.expected().len(),
            expected_sha256 = %shown(diagnosis.expected()),
            "tokenpay reply signature diagnosis"
        );
    }
    Ok(())
}

fn first_header<'r>(raw: &'r RawResponse, names: &[&str]) -> Option<&'r str> {
    names.iter().find_map(|n| raw.header(n))
}

fn verify_reply(key: &AppKey, raw: &RawResponse) -> std::result::Result<(), SignatureProblem> {
    let ts = first_header(raw, &TIMESTAMP_HEADERS)
        .ok_or(SignatureProblem::Missing(TIMESTAMP_HEADERS[0]))?;
    let nonce =
        first_header(raw, &NONCE_HEADERS).ok_or(SignatureProblem::Missing(NONCE_HEADERS[0]))?;
    let sig = first_header(raw, &SIGNATURE_HEADERS)
        .ok_or(SignatureProblem::Missing(SIGNATURE_HEADERS[0]))?;
    key.verify(&reply_signing_string(ts, nonce, &raw.body), sig)
}

/// The envelope `{code, msg, request_id, data}`.
struct Envelope<'a> {
    code: i64,
    msg: String,
    request_id: Option<String>,
    data: Option<&'a str>,
}

fn parse_envelope<'a>(operation: &'static str, raw: &'a RawResponse) -> Result<Envelope<'a>> {
    let ok_status = (200..300).contains(&raw.status);
    let decode = |problem: &str| -> Error {
        if ok_status {
            DecodeError::garbled(operation, raw.status, problem, &raw.body).into()
        } else {
            DecodeError::http_status(operation, raw.status, &raw.body).into()
        }
    };
    let text = std::str::from_utf8(&raw.body).map_err(|_| decode("the body is not UTF-8"))?;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(decode("the body is empty"));
    }
    if trimmed.starts_with('<') {
        return Err(decode("the body is an HTML page, not JSON"));
    }
    let mut f = Fields::parse("", text)
        .map_err(|_| decode("the body is not a complete JSON object (truncated or malformed)"))?;
    let code = f
        .i64_opt("code")
        .map_err(|e| decode(&e.render()))?
        .ok_or_else(|| decode("`code` is missing"))?;
    let msg = f
        .str_opt("msg")
        .map_err(|e| decode(&e.render()))?
        .unwrap_or_default();
    let request_id = f.str_opt("request_id").map_err(|e| decode(&e.render()))?;
    if code == 0 && !ok_status {
        return Err(DecodeError::http_status(operation, raw.status, &raw.body).into());
    }
    Ok(Envelope {
        code,
        msg,
        request_id,
        data: f.raw("data").map(|r| r.get()),
    })
}

/// Whether `raw` carries tokenpay's envelope (a JSON object with a numeric `code`): an HTTP 404 /
/// 405 with it is tokenpay's answer, without it the URL has no route.
pub(crate) fn is_envelope(raw: &RawResponse) -> bool {
    std::str::from_utf8(&raw.body)
        .ok()
        .and_then(|text| Fields::parse("", text).ok())
        .is_some_and(|mut f| matches!(f.i64_opt("code"), Ok(Some(_))))
}
