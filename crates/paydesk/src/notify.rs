//! Cashy's async notifies (callbacks to your `notifyUrl`): verify on the raw bytes, then parse.
//!
//! Cashy `POST`s a JSON body with the headers `MerchantId` and `Sign`, where
//! `Sign = MD5(<raw body> + apiKey)` with your own apiKey. [`NotifyVerifier::verify`] checks, in
//! this order: the body size cap, the content type (JSON, when the header is present), the
//! `MerchantId` header, the `Sign` header (hex in either case, constant-time) over the **raw
//! bytes**, UTF-8, and only then parses the JSON into a typed [`Notification`] (cashier, payin or
//! payout, told apart by the `orderNo` prefix). Answer with [`Ack::success`] (HTTP 200, body
//! `SUCCESS`) once you have stored the result; any other answer makes Cashy deliver again after
//! 1, 2, 4 ... 512 minutes (10 retries), so handle duplicates (see
//! [`Notification::dedupe_key`]).
//!
//! # Replays and freshness
//! Cashy signs no send time: there is no timestamp header, and the body's `completionTime` is
//! when the order completed, repeated unchanged by every legitimate redelivery (which go on for
//! about 17 hours: 1 + 2 + 4 ... + 512 minutes), so no freshness check is possible and a
//! captured genuine notify stays valid. What protects you: the `Sign` over the raw body with
//! your own apiKey (nobody else can make one), the `MerchantId` check, deduplication on
//! [`Notification::dedupe_key`] in a store that outlives the retry schedule (a durable one,
//! not only memory), checking order number and amount against your own order
//! (`payhub::Expected` in the facade), and fulfilling an order once (a replay of a paid order
//! changes nothing).
//!
//! ```
//! use http::HeaderMap;
//! use paydesk::notify::{Ack, Notification, NotifyVerifier};
//! use paydesk::Secret;
//!
//! let key = Secret::new("testApiKey");
//! let verifier = NotifyVerifier::new(1002001, key.clone());
//! let body = br#"{"amount":358320.00,"fee":2500.0000,"mchOrderNo":"1313068703462109184","merchantId":"1002001","orderNo":"PAYDESK27618551850988355260416","orderStatus":"SUCCESS"}"#;
//! let mut headers = HeaderMap::new();
//! headers.insert("MerchantId", "1002001".parse()?);
//! headers.insert("Sign", paydesk::sign::signature(&key, body).parse()?);
//!
//! let notification = verifier.verify(&headers, body)?;
//! assert!(notification.is_success());
//! assert_eq!(notification.mch_order_no(), "1313068703462109184");
//! let ack = Ack::success();
//! assert_eq!((ack.status(), ack.body()), (200, "SUCCESS"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use http::{HeaderMap, HeaderValue, StatusCode};
use sign_core::{Md5Signer, Secret};

use crate::api::{Fields, OrderKind};
use crate::error::{DecodeError, Error};
use crate::sign::{self, MERCHANT_ID_HEADER, SIGN_HEADER};

mod notification;

pub use notification::{Notification, PayInNotification, PayOutNotification};

/// Default cap on a notify body: 64 KiB (a notify is a few hundred bytes).
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// Why a notify was refused. Answer it with [`Ack::retry`] only if you expect a correct
/// delivery later (for example after a deploy); a forged notify should simply be dropped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The body is larger than the cap.
    #[error("notify body has {len} bytes, more than the {limit}-byte cap")]
    BodyTooLarge {
        /// Bytes received.
        len: usize,
        /// The cap.
        limit: usize,
    },
    /// The `Content-Type` header is present and is not JSON.
    #[error("notify content type `{0}` is not application/json")]
    ContentType(String),
    /// A header is missing.
    #[error("notify header `{0}` is missing")]
    MissingHeader(&'static str),
    /// A header is present but unreadable (not visible ASCII, or `MerchantId` not a number).
    #[error("notify header `{0}` is malformed")]
    MalformedHeader(&'static str),
    /// The `Sign` header is missing.
    #[error("notify has no `Sign` header")]
    MissingSignature,
    /// The `Sign` header is not 32 hex digits.
    #[error("notify `Sign` is not 32 hex digits")]
    MalformedSignature,
    /// The signature does not match the raw body and our apiKey.
    #[error("notify signature does not match")]
    BadSignature,
    /// `MerchantId` (header or body) is not ours.
    #[error("notify is for merchant `{got}`, not ours ({expected})")]
    WrongMerchant {
        /// Our merchant id.
        expected: u64,
        /// The id received.
        got: String,
    },
    /// The body is not UTF-8.
    #[error("notify body is not UTF-8")]
    NotUtf8,
    /// The body is not JSON, or a field has the wrong shape (the error names it).
    #[error(transparent)]
    Malformed(DecodeError),
    /// The `orderNo` prefix is none of `PAYDESK`, `PAYIN`, `PAYOUT`: use
    /// [`NotifyVerifier::verify_as`] with the kind your `notifyUrl` is for.
    #[error("cannot tell the order kind from orderNo `{0}`; use verify_as")]
    UnknownKind(String),
}

/// The notify headers this crate reads, for frameworks that do not use [`http::HeaderMap`].
#[derive(Clone, Copy, Default)]
#[non_exhaustive]
pub struct NotifyHeaders<'a> {
    /// `MerchantId`.
    pub merchant_id: Option<&'a str>,
    /// `Sign`.
    pub sign: Option<&'a str>,
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
}

impl<'a> NotifyHeaders<'a> {
    /// The three headers as text.
    pub fn new(
        merchant_id: Option<&'a str>,
        sign: Option<&'a str>,
        content_type: Option<&'a str>,
    ) -> Self {
        Self {
            merchant_id,
            sign,
            content_type,
        }
    }
}

impl fmt::Debug for NotifyHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyHeaders")
            .field("merchant_id", &self.merchant_id)
            .field("sign", &self.sign.map(|_| "***"))
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// Verifies Cashy notifies for one merchant. Cheap to clone; build it once.
#[derive(Clone)]
pub struct NotifyVerifier {
    merchant_id: u64,
    signer: Md5Signer,
    max_body_bytes: usize,
}

impl fmt::Debug for NotifyVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyVerifier")
            .field("merchant_id", &self.merchant_id)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl NotifyVerifier {
    /// A verifier for `merchant_id`, checking signatures with `api_key`.
    pub fn new(merchant_id: u64, api_key: impl Into<Secret>) -> Self {
        Self {
            merchant_id,
            signer: sign::signer(api_key.into()),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// The body size cap (default [`DEFAULT_MAX_BODY_BYTES`]).
    ///
    /// ```
    /// use paydesk::notify::NotifyVerifier;
    /// let v = NotifyVerifier::new(1002001, "testApiKey").max_body_bytes(16 * 1024);
    /// # let _ = v;
    /// ```
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Verifies a notify and returns it typed; the kind comes from the `orderNo` prefix.
    ///
    /// # Errors
    /// [`Error::Notify`] with the precise [`NotifyError`].
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Notification, Error> {
        self.verify_headers(read_headers(headers)?, body, None)
    }

    /// Verifies a notify for an order kind you already know (for example from the `notifyUrl`
    /// path), without looking at the `orderNo` prefix.
    ///
    /// # Errors
    /// [`Error::Notify`] with the precise [`NotifyError`].
    pub fn verify_as(
        &self,
        kind: OrderKind,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, Error> {
        self.verify_headers(read_headers(headers)?, body, Some(kind))
    }

    /// [`NotifyVerifier::verify`] with headers given as text; `kind` as in
    /// [`NotifyVerifier::verify_as`] (or `None` to use the `orderNo` prefix).
    ///
    /// # Errors
    /// [`Error::Notify`] with the precise [`NotifyError`].
    pub fn verify_headers(
        &self,
        headers: NotifyHeaders<'_>,
        body: &[u8],
        kind: Option<OrderKind>,
    ) -> Result<Notification, Error> {
        self.check(headers, body)
            .and_then(|text| self.parse(text, kind))
            .map_err(Error::Notify)
    }

    /// Everything up to a verified UTF-8 body.
    fn check<'b>(
        &self,
        headers: NotifyHeaders<'_>,
        body: &'b [u8],
    ) -> Result<&'b str, NotifyError> {
        if body.len() > self.max_body_bytes {
            return Err(NotifyError::BodyTooLarge {
                len: body.len(),
                limit: self.max_body_bytes,
            });
        }
        if let Some(ct) = headers.content_type {
            let mime = ct.split(';').next().unwrap_or_default().trim();
            if !mime.eq_ignore_ascii_case("application/json") {
                return Err(NotifyError::ContentType(printable(ct, 64)));
            }
        }
        let merchant = headers
            .merchant_id
            .ok_or(NotifyError::MissingHeader(MERCHANT_ID_HEADER))?
            .trim();
        self.check_merchant(merchant)?;
        let sign = headers.sign.ok_or(NotifyError::MissingSignature)?.trim();
        if sign.len() != 32 || !sign.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(NotifyError::MalformedSignature);
        }
        sign::verify(&self.signer, body, sign).map_err(|_| NotifyError::BadSignature)?;
        std::str::from_utf8(body).map_err(|_| NotifyError::NotUtf8)
    }

    fn check_merchant(&self, got: &str) -> Result<(), NotifyError> {
        match got.parse::<u64>() {
            Ok(id) if id == self.merchant_id => Ok(()),
            _ => Err(NotifyError::WrongMerchant {
                expected: self.merchant_id,
                got: printable(got, 32),
            }),
        }
    }

    fn parse(&self, text: &str, kind: Option<OrderKind>) -> Result<Notification, NotifyError> {
        let malformed = |e: DecodeError| NotifyError::Malformed(e.in_notify(text.as_bytes()));
        let mut fields =
            Fields::parse(text).map_err(|e| malformed(e.reworded(|r| format!("body {r}"))))?;
        let merchant_id = match fields.opt_str("merchantId").map_err(malformed)? {
            Some(id) => {
                self.check_merchant(id.trim())?;
                Some(self.merchant_id)
            }
            None => None,
        };
        let order_no = fields.text("orderNo").map_err(malformed)?;
        let kind = match kind {
            Some(k) => k,
            None => kind_of(&order_no)
                .ok_or_else(|| NotifyError::UnknownKind(printable(&order_no, 40)))?,
        };
        Notification::read(kind, order_no, merchant_id, fields).map_err(malformed)
    }
}

/// Untrusted text for an error message: at most `max` characters, control characters as `?`.
fn printable(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The order kind from the `orderNo` prefix.
fn kind_of(order_no: &str) -> Option<OrderKind> {
    if order_no.starts_with("PAYDESK") {
        Some(OrderKind::Cashier)
    } else if order_no.starts_with("PAYIN") {
        Some(OrderKind::PayIn)
    } else if order_no.starts_with("PAYOUT") {
        Some(OrderKind::PayOut)
    } else {
        None
    }
}

fn read_headers(headers: &HeaderMap) -> Result<NotifyHeaders<'_>, Error> {
    let get = |name: &'static str| -> Result<Option<&str>, Error> {
        headers
            .get(name)
            .map(|v| {
                v.to_str()
                    .map_err(|_| Error::Notify(NotifyError::MalformedHeader(name)))
            })
            .transpose()
    };
    Ok(NotifyHeaders {
        merchant_id: get(MERCHANT_ID_HEADER)?,
        sign: get(SIGN_HEADER)?,
        content_type: get("content-type")?,
    })
}

/// The answer Cashy expects to a notify.
///
/// ```
/// use paydesk::notify::Ack;
/// assert_eq!(Ack::success().body(), "SUCCESS");
/// assert_eq!(Ack::success().status(), 200);
/// assert_eq!(Ack::retry().status(), 500);
/// let response = Ack::success().into_response();
/// assert_eq!(response.body(), "SUCCESS");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ack {
    status: StatusCode,
    body: &'static str,
}

impl Ack {
    /// HTTP 200 with body `SUCCESS`: stored, stop delivering.
    pub fn success() -> Self {
        Self {
            status: StatusCode::OK,
            body: "SUCCESS",
        }
    }

    /// HTTP 500 with body `FAIL`: not stored, deliver again on the provider's schedule.
    pub fn retry() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: "FAIL",
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The body text.
    pub fn body(&self) -> &'static str {
        self.body
    }

    /// The content type of the body.
    pub fn content_type(&self) -> &'static str {
        "text/plain; charset=utf-8"
    }

    /// An `http::Response` to return from any `http`-based framework.
    pub fn into_response(self) -> http::Response<String> {
        let mut response = http::Response::new(self.body.to_owned());
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}
