//! The reply envelope `{"code":"0","msg":"","data":{...}}`: its checks, the business-error
//! mapping (busy, signature-refused and not-found codes), the optional reply signature, and the
//! hand-off of `data` to the operation's decoder.

use serde::Deserialize;
use serde_json::value::RawValue;
use sign_core::{BorrowedParams, Md5Signer};
use time::UtcOffset;

use super::{DecodeContext, DepositQueryRequest, Operation};
use crate::error::{ApiError, DecodeError, Error, NotifyError, Result, SignatureError};
use crate::sign;
use crate::types::{ErrorCode, PROVIDER_UTC_OFFSET, ReplySignature, instant_from_millis};
use crate::wire::{any_text, scalar_text};

/// The client settings replies are read with, and where [`crate::Client::reconcile`] asks.
#[derive(Clone, Debug)]
pub(crate) struct ReplyRules {
    /// The path of the reconciliation query.
    pub(crate) reconcile_path: String,
    /// The provider's time zone for `trade_time`.
    pub(crate) offset: UtcOffset,
    /// Codes that mean "busy, try again" (reads only).
    pub(crate) busy_codes: Vec<String>,
    /// Codes that mean "the signature was refused".
    pub(crate) signature_rejected_codes: Vec<String>,
    /// Codes that mean "no such order" (for `Client::reconcile`).
    pub(crate) not_found_codes: Vec<String>,
    /// Whether empty values are signed (requests, reply signatures, callbacks).
    pub(crate) sign_empty: bool,
    /// Whether `data.sign` is checked.
    pub(crate) reply_signature: ReplySignature,
}

impl Default for ReplyRules {
    fn default() -> Self {
        Self {
            reconcile_path: super::deposit_query::DEFAULT_PATH.to_owned(),
            offset: PROVIDER_UTC_OFFSET,
            busy_codes: Vec::new(),
            signature_rejected_codes: Vec::new(),
            not_found_codes: Vec::new(),
            sign_empty: true,
            reply_signature: ReplySignature::Ignore,
        }
    }
}

impl ReplyRules {
    /// Checks the envelope of a reply to `request` and decodes its `data`.
    pub(crate) fn decode<O: Operation>(
        &self,
        request: &O,
        signer: &Md5Signer,
        now_millis: i64,
        http_status: u16,
        body: &[u8],
    ) -> Result<O::Response> {
        let op = O::NAME;
        let decode =
            |problem: String| Error::Decode(DecodeError::new(op, Some(http_status), problem, body));
        let envelope = read_envelope(body).map_err(|(problem, truncated)| {
            let mut e = DecodeError::new(op, Some(http_status), problem, body);
            e.truncated = truncated;
            Error::Decode(e)
        })?;
        let code_raw = envelope
            .code
            .ok_or_else(|| decode("reply has no `code`".to_owned()))?;
        let code = scalar_text(code_raw).map_err(|p| decode(format!("`code` {p}")))?;
        if code != "0" {
            let message = envelope
                .msg
                .or(envelope.message)
                .map(any_text)
                .unwrap_or_default();
            return Err(Error::Api(ApiError {
                operation: op,
                http_status,
                busy: self.busy_codes.contains(&code),
                signature_rejected: self.signature_rejected_codes.contains(&code),
                code: ErrorCode::parse(&code),
                message,
                body: String::from_utf8_lossy(body).into_owned(),
                signed: None,
            }));
        }
        let data = envelope.data.map(RawValue::get);
        self.check_signature(op, signer, data)?;
        let ctx = DecodeContext::new(instant_from_millis(now_millis), self.offset);
        request.decode_data(data, &ctx).map_err(decode)
    }

    /// The query [`crate::Client::reconcile`] sends for `order_no`.
    pub(crate) fn reconcile_query(&self, order_no: &str) -> DepositQueryRequest {
        DepositQueryRequest::new(order_no).at_path(&self.reconcile_path)
    }

    /// Whether `e` is WinPay saying it has no such order (a configured not-found code).
    pub(crate) fn is_not_found(&self, e: &Error) -> bool {
        matches!(e, Error::Api(a) if self.not_found_codes.iter().any(|c| c == a.code().as_str()))
    }

    fn check_signature(
        &self,
        op: &'static str,
        signer: &Md5Signer,
        data: Option<&str>,
    ) -> Result<()> {
        if self.reply_signature == ReplySignature::Ignore {
            return Ok(());
        }
        let fail = |problem| {
            Error::Signature(SignatureError {
                operation: op,
                problem,
            })
        };
        let params = data
            .filter(|d| d.trim_start().starts_with('{'))
            .and_then(|d| BorrowedParams::from_json_object(d.as_bytes()).ok());
        let Some(params) = params.filter(|p| p.get(sign::SIGN_FIELD).is_some()) else {
            return match self.reply_signature {
                ReplySignature::Require => Err(fail("is missing")),
                _ => Ok(()),
            };
        };
        let style = sign::style_with(self.sign_empty);
        sign::verify_borrowed(&params, signer, &style).map_err(|e| match e {
            NotifyError::MissingSignature => fail("is missing"),
            NotifyError::MalformedSignature => fail("is not hex"),
            _ => fail("does not match"),
        })
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    code: Option<&'a RawValue>,
    #[serde(borrow, default)]
    msg: Option<&'a RawValue>,
    #[serde(borrow, default)]
    message: Option<&'a RawValue>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// Reads the envelope; on failure, the problem and whether the body looks cut short.
fn read_envelope(body: &[u8]) -> std::result::Result<Envelope<'_>, (String, bool)> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return Err(("reply body is empty".to_owned(), true));
    }
    if trimmed.first() == Some(&b'<') {
        return Err(("reply is an HTML/XML page, not JSON".to_owned(), false));
    }
    if trimmed.first() != Some(&b'{') {
        return Err((
            format!(
                "reply is not a JSON object (starts with `{}`)",
                crate::types::clip(&String::from_utf8_lossy(&trimmed[..trimmed.len().min(16)]))
            ),
            false,
        ));
    }
    serde_json::from_slice::<Envelope<'_>>(body).map_err(|e| {
        if e.is_eof() {
            (format!("reply JSON is truncated ({e})"), true)
        } else {
            (format!("reply is not a JSON envelope ({e})"), false)
        }
    })
}

/// Whether `body` is a WinPay envelope (a JSON object with `code`): an HTTP 404 / 405 with it is
/// WinPay's answer, without it the URL has no route.
pub(crate) fn is_envelope(body: &[u8]) -> bool {
    read_envelope(body).is_ok_and(|e| e.code.is_some())
}
