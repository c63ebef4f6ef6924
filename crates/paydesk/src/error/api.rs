//! [`ApiError`]: Cashy refused a request, and [`ApiErrorCode`]: its documented `msg` values.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use sign_core::Explanation;

use super::BodyText;

/// The `msg` values of Cashy's error table (appendix "common error messages"), plus
/// `Payin_Order_Error` seen in the payin examples. `Params_xxx_Required` and `Params_xxx_error`
/// keep the field name. Anything else is [`ApiErrorCode::Unknown`] with the text as received.
///
/// ```
/// use paydesk::error::ApiErrorCode;
/// assert_eq!(ApiErrorCode::parse("Sign_verify_error"), ApiErrorCode::SignVerifyError);
/// assert_eq!(
///     ApiErrorCode::parse("Params_email_Required"),
///     ApiErrorCode::ParamsRequired("email".into())
/// );
/// assert_eq!(ApiErrorCode::parse("Params_amount_error").as_str(), "Params_amount_error");
/// assert!(ApiErrorCode::parse("System_busy").is_retryable());
/// assert_eq!(ApiErrorCode::parse("New_thing"), ApiErrorCode::Unknown("New_thing".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorCode {
    /// `System_error`: the provider failed internally.
    SystemError,
    /// `System_busy`: try again later (retried automatically for reads).
    SystemBusy,
    /// `System_Maintenance`: try again later (retried automatically for reads).
    SystemMaintenance,
    /// `MerchantId_is_null`: the `MerchantId` header is missing.
    MerchantIdIsNull,
    /// `Sign_verify_error`: the `Sign` header does not match the body and apiKey.
    SignVerifyError,
    /// `RequestMethod_not_post`.
    RequestMethodNotPost,
    /// `RequestContentType_not_json`.
    RequestContentTypeNotJson,
    /// `RequestBody_is_null`.
    RequestBodyIsNull,
    /// `MerchantId_not_Number`.
    MerchantIdNotNumber,
    /// `MerchantId_is_error`: unknown merchant id.
    MerchantIdIsError,
    /// `Request_ip_notWhiteList`: the calling IP is not whitelisted for this merchant.
    RequestIpNotWhiteList,
    /// `Params_jsonFormat_error`: the body is not valid JSON for the provider.
    ParamsJsonFormatError,
    /// `Params_accountNo_Format_isIncorrect`.
    ParamsAccountNoFormatIsIncorrect,
    /// `Merchant_amount_notEnough`: insufficient balance for a payout.
    MerchantAmountNotEnough,
    /// `Merchant_not_enabled`.
    MerchantNotEnabled,
    /// `Merchant_not_exist`.
    MerchantNotExist,
    /// `Params_order_notExist`: no order with this `orderNo`.
    ParamsOrderNotExist,
    /// `Params_mchOrderNo_notExist`: no order with this `mchOrderNo`.
    ParamsMchOrderNoNotExist,
    /// `Params_mchOrderNo_repeat`: the `mchOrderNo` was used before (the earlier order stands).
    ParamsMchOrderNoRepeat,
    /// `Channel_Maintenance_time`: the payment channel is in maintenance.
    ChannelMaintenanceTime,
    /// `Payin_Order_Error`: the payin could not be created.
    PayinOrderError,
    /// `Params_<field>_Required`, with the field name.
    ParamsRequired(String),
    /// `Params_<field>_error`, with the field name.
    ParamsInvalid(String),
    /// A `msg` not in the documented table, as received.
    Unknown(String),
}

/// The fixed names, in the order of the provider's table.
const NAMES: &[(&str, ApiErrorCode)] = &[
    ("System_error", ApiErrorCode::SystemError),
    ("System_busy", ApiErrorCode::SystemBusy),
    ("System_Maintenance", ApiErrorCode::SystemMaintenance),
    ("MerchantId_is_null", ApiErrorCode::MerchantIdIsNull),
    ("Sign_verify_error", ApiErrorCode::SignVerifyError),
    ("RequestMethod_not_post", ApiErrorCode::RequestMethodNotPost),
    (
        "RequestContentType_not_json",
        ApiErrorCode::RequestContentTypeNotJson,
    ),
    ("RequestBody_is_null", ApiErrorCode::RequestBodyIsNull),
    ("MerchantId_not_Number", ApiErrorCode::MerchantIdNotNumber),
    ("MerchantId_is_error", ApiErrorCode::MerchantIdIsError),
    (
        "Request_ip_notWhiteList",
        ApiErrorCode::RequestIpNotWhiteList,
    ),
    (
        "Params_jsonFormat_error",
        ApiErrorCode::ParamsJsonFormatError,
    ),
    (
        "Params_accountNo_Format_isIncorrect",
        ApiErrorCode::ParamsAccountNoFormatIsIncorrect,
    ),
    (
        "Merchant_amount_notEnough",
        ApiErrorCode::MerchantAmountNotEnough,
    ),
    ("Merchant_not_enabled", ApiErrorCode::MerchantNotEnabled),
    ("Merchant_not_exist", ApiErrorCode::MerchantNotExist),
    ("Params_order_notExist", ApiErrorCode::ParamsOrderNotExist),
    (
        "Params_mchOrderNo_notExist",
        ApiErrorCode::ParamsMchOrderNoNotExist,
    ),
    (
        "Params_mchOrderNo_repeat",
        ApiErrorCode::ParamsMchOrderNoRepeat,
    ),
    (
        "Channel_Maintenance_time",
        ApiErrorCode::ChannelMaintenanceTime,
    ),
    ("Payin_Order_Error", ApiErrorCode::PayinOrderError),
];

impl ApiErrorCode {
    /// Reads a `msg` value (surrounding whitespace ignored).
    pub fn parse(msg: &str) -> Self {
        let msg = msg.trim();
        if let Some((_, code)) = NAMES.iter().find(|(name, _)| *name == msg) {
            return code.clone();
        }
        let field = |suffix: &str| {
            msg.strip_prefix("Params_")
                .and_then(|rest| rest.strip_suffix(suffix))
                .filter(|f| !f.is_empty() && !f.contains(char::is_whitespace))
                .map(str::to_owned)
        };
        if let Some(f) = field("_Required") {
            Self::ParamsRequired(f)
        } else if let Some(f) = field("_error") {
            Self::ParamsInvalid(f)
        } else {
            Self::Unknown(msg.to_owned())
        }
    }

    /// The `msg` text as the provider writes it.
    pub fn as_str(&self) -> Cow<'_, str> {
        match self {
            Self::ParamsRequired(f) => Cow::Owned(format!("Params_{f}_Required")),
            Self::ParamsInvalid(f) => Cow::Owned(format!("Params_{f}_error")),
            Self::Unknown(m) => Cow::Borrowed(m),
            fixed => Cow::Borrowed(
                NAMES
                    .iter()
                    .find(|(_, c)| c == fixed)
                    .map_or("", |(name, _)| name),
            ),
        }
    }

    /// `System_busy` and `System_Maintenance`: the request was not processed; try later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::SystemBusy | Self::SystemMaintenance)
    }

    /// `Sign_verify_error`: Cashy computed another signature than the one sent.
    pub fn is_signature_rejected(&self) -> bool {
        matches!(self, Self::SignVerifyError)
    }

    /// `Params_order_notExist` and `Params_mchOrderNo_notExist`: no such order.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::ParamsOrderNotExist | Self::ParamsMchOrderNoNotExist
        )
    }
}

impl fmt::Display for ApiErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// Cashy answered, and the answer is an error: `code` is not 200 or `msg` is not `SUCCESS`.
/// Keeps the HTTP status, `code`, `msg` (typed as [`ApiErrorCode`]), the raw body and, for an
/// error returned by [`Client::send`](crate::Client::send), what the request signed
/// ([`ApiError::signed`]). When Cashy rejects the signature (`Sign_verify_error`), `Display` ends
/// with a redacted summary of what was signed ([`Explanation::redacted`]: the body's field names
/// and value lengths and a SHA-256 prefix, never the payer's values), so the log line alone
/// shows the request's shape; `Debug` carries the same summary.
#[derive(Clone)]
pub struct ApiError(Box<Inner>);

#[derive(Clone)]
struct Inner {
    operation: &'static str,
    http_status: u16,
    code: Option<String>,
    msg: String,
    error_code: ApiErrorCode,
    body: Bytes,
    signed: Option<Explanation>,
}

impl ApiError {
    pub(crate) fn new(
        operation: &'static str,
        http_status: u16,
        code: Option<String>,
        msg: String,
        body: &[u8],
    ) -> Self {
        Self(Box::new(Inner {
            operation,
            http_status,
            error_code: ApiErrorCode::parse(&msg),
            code,
            msg,
            body: Bytes::copy_from_slice(body),
            signed: None,
        }))
    }

    /// Records what the refused request signed (the client does this for every sent request).
    pub(crate) fn with_signed(mut self, signed: Option<&Explanation>) -> Self {
        self.0.signed = signed.cloned();
        self
    }

    /// The operation, e.g. `payOut`.
    pub fn operation(&self) -> &'static str {
        self.0.operation
    }

    /// The HTTP status of the reply.
    pub fn http_status(&self) -> u16 {
        self.0.http_status
    }

    /// The envelope's `code` as text (`500`, `401`...), if present.
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// The envelope's `msg` as received (empty if absent).
    pub fn message(&self) -> &str {
        &self.0.msg
    }

    /// `msg` mapped to the documented error names.
    pub fn error_code(&self) -> &ApiErrorCode {
        &self.0.error_code
    }

    /// The raw reply body.
    pub fn body(&self) -> &[u8] {
        &self.0.body
    }

    /// What the refused request signed, apiKey masked: the canonical string and which fields went
    /// in. Set on errors returned by [`Client::send`](crate::Client::send); `None` on errors from
    /// parsing a reply alone.
    ///
    /// **Holds personal data**: the explanation's `Display` and
    /// [`signed_string`](Explanation::signed_string) print the whole signed body (the payer's
    /// phone, email, name, account number). Show it on explicit request, not in logs; for logs
    /// use [`Explanation::redacted`], which the error's own `Display` already includes.
    ///
    /// ```no_run
    /// # async fn run(client: paydesk::Client, req: paydesk::api::PayOutRequest) {
    /// if let Err(paydesk::Error::Api(e)) = client.send(&req).await {
    ///     if e.is_signature_rejected() {
    ///         eprintln!("Cashy computed another signature; we signed:\n{}", e.signed().unwrap());
    ///     }
    /// }
    /// # }
    /// ```
    pub fn signed(&self) -> Option<&Explanation> {
        self.0.signed.as_ref()
    }

    /// Whether Cashy refused the request's signature (`Sign_verify_error`). The usual causes are a
    /// wrong apiKey or a body changed after signing; compare [`ApiError::signed`] with the
    /// provider's expectation.
    pub fn is_signature_rejected(&self) -> bool {
        self.0.error_code.is_signature_rejected()
    }

    /// Whether a read may succeed if tried again (busy/maintenance codes, HTTP 5xx).
    pub fn is_retryable(&self) -> bool {
        self.0.error_code.is_retryable() || self.0.http_status >= 500
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        write!(
            f,
            "{} refused by Cashy: {} (code {}, HTTP {})",
            i.operation,
            if i.msg.is_empty() { "no msg" } else { &i.msg },
            i.code.as_deref().unwrap_or("missing"),
            i.http_status
        )?;
        match &i.signed {
            Some(signed) if i.error_code.is_signature_rejected() => {
                write!(f, "; signed: {}", signed.redacted())
            }
            _ => Ok(()),
        }
    }
}

impl std::error::Error for ApiError {}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        let mut d = f.debug_struct("ApiError");
        d.field("operation", &i.operation)
            .field("http_status", &i.http_status)
            .field("code", &i.code)
            .field("msg", &i.msg)
            .field("error_code", &i.error_code)
            .field("body", &BodyText(&i.body));
        // Only when set, so snapshots of parsed replies keep their shape. Redacted: no values.
        if let Some(signed) = &i.signed {
            d.field("signed", &signed.redacted());
        }
        d.finish()
    }
}
