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

use http::HeaderMap;
use payhub_runtime::metrics::{self, CallbackOutcome};
use payhub_runtime::{DEFAULT_MAX_NOTIFY_BODY_BYTES, Protocol as _};
use sign_core::{Md5Signer, Secret};

use crate::api::{Fields, OrderKind};
pub use crate::error::NotifyError;
use crate::error::{DecodeError, Error};
use crate::protocol::Paydesk;
use crate::sign::{self, MERCHANT_ID_HEADER, SIGN_HEADER};

mod notification;

pub use notification::{Notification, PayInNotification, PayOutNotification};

/// The answer Cashy expects to a notify: [`Ack::success`] is HTTP 200 with body `SUCCESS`
/// (stored, stop delivering), [`Ack::retry`] HTTP 500 with body `FAIL` (deliver again).
///
/// ```
/// use paydesk::notify::Ack;
/// assert_eq!((Ack::success().status(), Ack::success().body()), (200, "SUCCESS"));
/// assert_eq!((Ack::retry().status(), Ack::retry().body()), (500, "FAIL"));
/// assert_eq!(Ack::success().content_type(), "text/plain; charset=utf-8");
/// assert_eq!(Ack::success().into_response().body(), "SUCCESS");
/// ```
pub type Ack = payhub_runtime::Ack<Paydesk>;

/// The notify headers this crate reads, as text.
#[derive(Clone, Copy)]
struct NotifyHeaders<'a> {
    merchant_id: Option<&'a str>,
    sign: Option<&'a str>,
    content_type: Option<&'a str>,
}

/// Verifies Cashy notifies for one merchant. Cheap to clone; build it once.
#[derive(Clone)]
pub struct NotifyVerifier {
    merchant_id: u64,
    signer: Md5Signer,
    max_body_bytes: usize,
    kind: Option<OrderKind>,
}

impl fmt::Debug for NotifyVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyVerifier")
            .field("merchant_id", &self.merchant_id)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl NotifyVerifier {
    /// A verifier for `merchant_id`, checking signatures with `api_key`; the order kind of
    /// each notify comes from its `orderNo` prefix. [`Client::notify_verifier`](crate::Client)
    /// gives one with the client's credentials and its
    /// [`max_notify_body_bytes`](crate::ClientBuilder::max_notify_body_bytes).
    pub fn new(merchant_id: u64, api_key: impl Into<Secret>) -> Self {
        Self {
            merchant_id,
            signer: sign::signer(api_key.into()),
            max_body_bytes: DEFAULT_MAX_NOTIFY_BODY_BYTES,
            kind: None,
        }
    }

    /// The body size cap (default [`DEFAULT_MAX_NOTIFY_BODY_BYTES`], 64 KiB: a notify is a few
    /// hundred bytes).
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

    /// Reads every notify as an order of `kind` (for a `notifyUrl` dedicated to one kind),
    /// without looking at the `orderNo` prefix. A setting, not a second entry: notifies are
    /// still checked with [`NotifyVerifier::verify`].
    ///
    /// ```
    /// use paydesk::api::OrderKind;
    /// use paydesk::notify::NotifyVerifier;
    /// let payouts = NotifyVerifier::new(1002001, "testApiKey").verify_as(OrderKind::PayOut);
    /// # let _ = payouts;
    /// ```
    #[must_use]
    pub fn verify_as(mut self, kind: OrderKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Verifies a notify and returns it typed: size, content type, `MerchantId`, `Sign` over
    /// the raw `body`, then the JSON. Records the `payhub_callbacks_total` metric (`verified`
    /// or `refused`).
    ///
    /// # Errors
    /// [`Error::Notify`] with the precise [`NotifyError`].
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Notification, Error> {
        let result = read_headers(headers)
            .and_then(|headers| self.check(headers, body))
            .and_then(|text| self.parse(text));
        let outcome = match result {
            Ok(_) => CallbackOutcome::Verified,
            Err(_) => CallbackOutcome::Refused,
        };
        metrics::callback(Paydesk::PROVIDER, outcome);
        result.map_err(Error::Notify)
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

    fn parse(&self, text: &str) -> Result<Notification, NotifyError> {
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
        let kind = match self.kind {
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

fn read_headers(headers: &HeaderMap) -> Result<NotifyHeaders<'_>, NotifyError> {
    let get = |name: &'static str| {
        headers
            .get(name)
            .map(|v| v.to_str().map_err(|_| NotifyError::MalformedHeader(name)))
            .transpose()
    };
    Ok(NotifyHeaders {
        merchant_id: get(MERCHANT_ID_HEADER)?,
        sign: get(SIGN_HEADER)?,
        content_type: get("content-type")?,
    })
}
