//! Status-report callbacks (订单状态回调): verify on the raw bytes, then parse; acknowledge with
//! the exact body the platform expects.
//!
//! The platform `POST`s a JSON body with the headers `businessId`, `nonce`, `timestamp` and
//! `sign` (and `signType` when it sends one), signed with the same rule as requests (see
//! [`crate::sign`]) over the **raw** body: never re-serialize before verifying.
//!
//! - MD5 merchants verify with their secret (`PlatformVerifier::md5`), as the docs show.
//! - For SHA256-RSA merchants the docs do not say which key signs callbacks; this crate verifies
//!   with a **platform public key** you configure (`PlatformVerifier::rsa`). Confirm it with the
//!   provider at onboarding. Either can be chosen explicitly.
//!
//! Answer [`Ack::success`] (body `SUCCESS`) once the notification is stored. Anything else makes
//! the platform deliver again after 15 s, 30 s, 3 min, 10 min, 20 min, 30 min, 60 min, 3 h and
//! 6 h ([`RETRY_SCHEDULE`]): the same notification can arrive many times, so handlers must be
//! idempotent ([`Notification::dedupe_key`]).
//!
//! # Replays
//! A callback signs its `timestamp` header, so an old callback replayed later (after a restart
//! emptied a deduplication cache, say) is refused by age: by default a callback may be at most
//! **24 hours** old and **5 minutes** ahead of the clock ([`Freshness`]). The docs do not say
//! whether a redelivery is re-signed with a fresh time, and the retry schedule above spans about
//! 10.5 hours, so the window covers the whole schedule with margin: a genuine late retry is
//! never refused, a days-old replay is ([`NotifyError::Stale`]). The header is documented in
//! milliseconds (13 digits); 10-digit seconds are accepted too. Change the window with
//! [`NotifyVerifier::freshness`] (`None` turns the check off) and the clock with
//! [`NotifyVerifier::clock`]. Inside the window, a replay is stopped by deduplication
//! ([`Notification::dedupe_key`], best kept in a durable store) and by checking the order and
//! its state against your own records.
//!
//! ```
//! use vipcharge::notify::{Ack, CallbackHeaders, NotifyVerifier};
//! use vipcharge::sign::{PlatformVerifier, string_to_sign};
//! use sign_core::{Md5Signer, Secret, SecretSuffix};
//!
//! let body = br#"{"orderCode":"O1","bizCode":"B1","orderStatus":2}"#;
//! let msg = string_to_sign("166", "n-1", None, "1628757969177", body);
//! let sign = Md5Signer::new(Secret::new("k"), SecretSuffix::Plain).sign_hex_upper(&msg);
//! let headers = CallbackHeaders::new()
//!     .header("businessId", "166").header("nonce", "n-1")
//!     .header("timestamp", "1628757969177").header("sign", &sign);
//!
//! // A recorded callback: the clock is pinned to its time (production uses the system clock).
//! let clock = std::sync::Arc::new(vipcharge::FixedClock::from_millis(1628757969177 + 60_000));
//! let verifier = NotifyVerifier::new("166", PlatformVerifier::md5("k")).clock(clock);
//! let n = verifier.verify(&headers.to_header_map(), body).unwrap();
//! assert_eq!(n.order_code(), "O1");
//! assert!(n.status().unwrap().is_success());
//! assert_eq!(Ack::success().body(), "SUCCESS");
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use payhub_runtime::metrics::{self, CallbackOutcome};
use payhub_runtime::{Clock, Protocol, Staleness, SystemClock};

use rust_decimal::Decimal;
use serde_json::{Map, Value};

pub use crate::error::NotifyError;
use crate::error::{DecodeError, Error};
use crate::protocol::Vipcharge;
use crate::sign::{PlatformVerifier, header, string_to_sign};
use crate::types::OrderStatus;
use crate::wire::Fields;

/// Default cap on a callback body (64 KiB): status reports are a few hundred bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = payhub_runtime::DEFAULT_MAX_NOTIFY_BODY_BYTES;

/// When the platform delivers a callback again after a failed one: 15 s, 30 s, 3 min, 10 min,
/// 20 min, 30 min, 60 min, 3 h, 6 h.
pub const RETRY_SCHEDULE: [Duration; 9] = [
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(3 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(20 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(3 * 3600),
    Duration::from_secs(6 * 3600),
];

/// How old, or how far ahead of the verifier's clock, a callback's signed `timestamp` may be.
///
/// The default ([`Freshness::DEFAULT`]) allows 24 hours of age, which covers the platform's whole
/// retry schedule ([`RETRY_SCHEDULE`], about 10.5 hours) with margin in case redeliveries keep
/// their first signing time, and 5 minutes of clock skew into the future.
///
/// ```
/// use std::time::Duration;
/// use vipcharge::notify::Freshness;
/// let f = Freshness::default();
/// assert_eq!(f.max_age(), Duration::from_secs(24 * 3600));
/// assert_eq!(f.max_future_skew(), Duration::from_secs(300));
/// let tighter = Freshness::new(Duration::from_secs(12 * 3600), Duration::from_secs(60));
/// # let _ = tighter;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freshness {
    max_age: Duration,
    max_future_skew: Duration,
}

impl Freshness {
    /// 24 hours of age, 5 minutes ahead.
    pub const DEFAULT: Self =
        Self::new(Duration::from_secs(24 * 3600), Duration::from_secs(5 * 60));

    /// A window: at most `max_age` old and at most `max_future_skew` ahead of the clock. Keep
    /// `max_age` above the retry schedule (about 10.5 hours), or genuine late redeliveries may be
    /// refused.
    pub const fn new(max_age: Duration, max_future_skew: Duration) -> Self {
        Self {
            max_age,
            max_future_skew,
        }
    }

    /// The largest age accepted.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// How far ahead of the clock a timestamp may be (clock skew).
    pub fn max_future_skew(&self) -> Duration {
        self.max_future_skew
    }

    fn check(&self, timestamp: &str, now_millis: i64) -> Result<(), NotifyError> {
        let ts = timestamp_millis(timestamp).ok_or(NotifyError::BadTimestamp)?;
        payhub_runtime::check_freshness(ts, now_millis, Some(self.max_age), self.max_future_skew)
            .map_err(|s| match s {
                Staleness::TooOld {
                    age_secs,
                    max_age_secs,
                } => NotifyError::Stale {
                    age_secs,
                    max_age_secs,
                },
                Staleness::FromTheFuture {
                    ahead_secs,
                    max_skew_secs,
                } => NotifyError::FromTheFuture {
                    ahead_secs,
                    max_future_skew_secs: max_skew_secs,
                },
            })
    }
}

impl Default for Freshness {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Reads a `timestamp` header as milliseconds since the epoch: milliseconds as documented (13
/// digits), or seconds (10 digits). A value below 10^11 is read as seconds (10^11 ms would be
/// 1973; 10^11 s is the year 5138).
fn timestamp_millis(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 16 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = text.parse().ok()?;
    if value < 100_000_000_000 {
        value.checked_mul(1000)
    } else {
        Some(value)
    }
}

/// A callback's headers, built one by one (for frameworks without `http::HeaderMap`, tests and
/// recorded callbacks) and handed to [`NotifyVerifier::verify`] as a map
/// ([`CallbackHeaders::to_header_map`]). Names are matched ASCII case-insensitively.
///
/// ```
/// use vipcharge::notify::CallbackHeaders;
/// let map = CallbackHeaders::new().header("businessId", "166").header("nonce", "n-1").to_header_map();
/// assert_eq!(map.get("businessid").unwrap(), "166");
/// ```
#[derive(Clone, Default)]
pub struct CallbackHeaders {
    headers: Vec<(String, String)>,
}

impl CallbackHeaders {
    /// No headers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header as received.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The headers as an `http::HeaderMap`, for [`NotifyVerifier::verify`]. A name or value that
    /// HTTP cannot carry (a control character) is left out, as no HTTP server would deliver it.
    pub fn to_header_map(&self) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in &self.headers {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_bytes(value.as_bytes()),
            ) {
                map.append(n, v);
            }
        }
        map
    }

    /// Copies the headers of an `http::HeaderMap`; values that are not text are kept as
    /// unreadable and refused as [`NotifyError::MalformedHeader`] if they are needed.
    fn from_header_map(map: &http::HeaderMap) -> Self {
        let mut out = Self::new();
        for (name, value) in map {
            let text = value
                .to_str()
                .map_or_else(|_| "\u{fffd}".to_owned(), str::to_owned);
            out.headers.push((name.as_str().to_owned(), text));
        }
        out
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &'static str) -> Result<&str, NotifyError> {
        let v = self
            .get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or(NotifyError::MissingHeader { name })?;
        if !v.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(NotifyError::MalformedHeader { name });
        }
        Ok(v)
    }
}

impl fmt::Debug for CallbackHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let sensitive = n.eq_ignore_ascii_case(header::SIGN)
                    || n.eq_ignore_ascii_case("authorization")
                    || n.eq_ignore_ascii_case("cookie");
                (n.as_str(), if sensitive { "***" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("CallbackHeaders")
            .field("headers", &masked)
            .finish()
    }
}

/// Verifies status-report callbacks for one business. Cheap to clone; build it once.
///
/// Checks, in order: size, content type, headers, business, the signature over the raw bytes,
/// the freshness of the signed `timestamp` ([`Freshness`], on by default), then the body.
#[derive(Clone, Debug)]
pub struct NotifyVerifier {
    business_id: String,
    verifier: PlatformVerifier,
    max_body: usize,
    status_fields: Vec<String>,
    freshness: Option<Freshness>,
    clock: Arc<dyn Clock>,
}

impl NotifyVerifier {
    /// A verifier for callbacks to `business_id`, checked with `verifier`, with the default
    /// [`Freshness`] window on the system clock.
    pub fn new(business_id: impl Into<String>, verifier: PlatformVerifier) -> Self {
        Self {
            business_id: business_id.into(),
            verifier,
            max_body: DEFAULT_MAX_BODY_BYTES,
            status_fields: crate::types::default_status_fields(),
            freshness: Some(Freshness::DEFAULT),
            clock: Arc::new(SystemClock),
        }
    }

    /// The freshness window of the signed `timestamp` (default [`Freshness::DEFAULT`]: 24 hours
    /// old, 5 minutes ahead); `None` turns the check off, leaving replays to deduplication and
    /// your own order records.
    ///
    /// ```
    /// use std::time::Duration;
    /// use vipcharge::notify::{Freshness, NotifyVerifier};
    /// use vipcharge::sign::PlatformVerifier;
    /// let v = NotifyVerifier::new("166", PlatformVerifier::md5("k"))
    ///     .freshness(Some(Freshness::new(Duration::from_secs(48 * 3600), Duration::from_secs(600))));
    /// let off = NotifyVerifier::new("166", PlatformVerifier::md5("k")).freshness(None);
    /// # let _ = (v, off);
    /// ```
    #[must_use]
    pub fn freshness(mut self, window: Option<Freshness>) -> Self {
        self.freshness = window;
        self
    }

    /// The clock the freshness window is measured against (default: the system clock).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use vipcharge::notify::NotifyVerifier;
    /// use vipcharge::sign::PlatformVerifier;
    /// let v = NotifyVerifier::new("166", PlatformVerifier::md5("k"))
    ///     .clock(Arc::new(vipcharge::FixedClock::from_millis(1_628_757_969_177)));
    /// # let _ = v;
    /// ```
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The largest body accepted (default [`DEFAULT_MAX_BODY_BYTES`]).
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body = limit;
        self
    }

    /// The body fields tried, in order, for the order status (default `orderStatus`, `status`):
    /// the callback page is cut before the field is named.
    #[must_use]
    pub fn order_status_fields<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.status_fields = names.into_iter().map(Into::into).collect();
        self
    }

    /// Verifies a callback from its headers and raw body: size, content type, headers,
    /// business, signature over the raw bytes, freshness, and only then UTF-8 and JSON. Records
    /// the `payhub_callbacks_total` metric (`verified` or `refused`).
    ///
    /// # Errors
    /// [`Error::Notify`] with the precise [`NotifyError`]; answer [`Ack::retry`] (or drop a
    /// forged callback).
    pub fn verify(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Notification, Error> {
        let result = self.check(&CallbackHeaders::from_header_map(headers), body);
        let outcome = match &result {
            Ok(n) => {
                tracing::info!(
                    provider = "vipcharge",
                    operation = "callback",
                    order_code = n.order_code(),
                    biz_code = n.biz_code(),
                    status = n.status().map(OrderStatus::as_str),
                    "callback verified"
                );
                CallbackOutcome::Verified
            }
            Err(e) => {
                tracing::warn!(
                    provider = "vipcharge",
                    operation = "callback",
                    error = %e,
                    "callback refused"
                );
                CallbackOutcome::Refused
            }
        };
        metrics::callback(<Vipcharge as Protocol>::PROVIDER, outcome);
        result.map_err(Error::Notify)
    }

    fn check(&self, headers: &CallbackHeaders, body: &[u8]) -> Result<Notification, NotifyError> {
        if body.len() > self.max_body {
            return Err(NotifyError::BodyTooLarge {
                limit: self.max_body,
                actual: body.len(),
            });
        }
        if let Some(ct) = headers.get("content-type") {
            let essence = ct.split(';').next().unwrap_or_default().trim();
            if !essence.eq_ignore_ascii_case("application/json") {
                return Err(NotifyError::ContentType {
                    received: ct.chars().take(64).collect(),
                });
            }
        }
        let sign = match headers.required(header::SIGN) {
            Ok(s) => s,
            Err(NotifyError::MissingHeader { .. }) => return Err(NotifyError::MissingSignature),
            Err(e) => return Err(e),
        };
        let business_id = headers.required(header::BUSINESS_ID)?;
        let nonce = headers.required(header::NONCE)?;
        let timestamp = headers.required(header::TIMESTAMP)?;
        let sign_type = match headers.get(header::SIGN_TYPE).map(str::trim) {
            None | Some("") => None,
            Some(_) => Some(headers.required(header::SIGN_TYPE)?),
        };
        if business_id != self.business_id {
            return Err(NotifyError::WrongMerchant {
                expected: self.business_id.clone(),
                received: business_id.chars().take(64).collect(),
            });
        }
        if let Some(t) = sign_type
            && !t.eq_ignore_ascii_case(self.verifier.sign_type().as_str())
        {
            return Err(NotifyError::SignTypeMismatch {
                expected: self.verifier.sign_type().as_str(),
                received: t.chars().take(32).collect(),
            });
        }
        let message = string_to_sign(business_id, nonce, sign_type, timestamp, body);
        self.verifier.verify(&message, sign).map_err(|e| match e {
            sign_core::Error::MalformedSignature { encoding } => {
                NotifyError::MalformedSignature { encoding }
            }
            _ => NotifyError::BadSignature,
        })?;
        if let Some(window) = &self.freshness {
            window.check(timestamp, self.clock.now_millis())?;
        }
        std::str::from_utf8(body).map_err(|_| NotifyError::NotUtf8)?;
        let mut f = Fields::parse_bytes(body).map_err(|e| NotifyError::Malformed {
            field: "body".to_owned(),
            reason: match crate::wire::json_error_kind(&e) {
                crate::error::DecodeErrorKind::Truncated => "truncated JSON".to_owned(),
                crate::error::DecodeErrorKind::NotEnvelope => "JSON, but not an object".to_owned(),
                _ => "not JSON".to_owned(),
            },
        })?;
        let mut status = None;
        for name in &self.status_fields {
            if let Some(text) = f.opt_string(name).map_err(|e| NotifyError::malformed(&e))? {
                status = Some(OrderStatus::parse(text.trim()));
                break;
            }
        }
        let read =
            |r: Result<Option<String>, DecodeError>| r.map_err(|e| NotifyError::malformed(&e));
        let order_code = read(f.opt_string("orderCode"))?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| NotifyError::Malformed {
                field: "orderCode".to_owned(),
                reason: "required field is absent".to_owned(),
            })?;
        Ok(Notification {
            order_code,
            biz_code: read(f.opt_string("bizCode"))?,
            status,
            account: read(f.opt_string("account"))?,
            product_code: read(f.opt_string("productCode"))?,
            settlement_price: f
                .opt_decimal("settlementPrice")
                .map_err(|e| NotifyError::malformed(&e))?,
            nonce: nonce.to_owned(),
            timestamp: timestamp.to_owned(),
            extra: f.rest(),
        })
    }
}

/// A verified status report.
///
/// The callback page is cut after `bizCode`: `orderCode` (required) and `bizCode` are typed
/// from the docs; the order status (configurable field names), `account`, `productCode` and
/// `settlementPrice` are read when present; every other field is kept in
/// [`Notification::extra`].
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    order_code: String,
    biz_code: Option<String>,
    status: Option<OrderStatus>,
    account: Option<String>,
    product_code: Option<String>,
    settlement_price: Option<Decimal>,
    nonce: String,
    timestamp: String,
    extra: Map<String, Value>,
}

impl Notification {
    /// The platform order number.
    pub fn order_code(&self) -> &str {
        &self.order_code
    }

    /// The merchant order number.
    pub fn biz_code(&self) -> Option<&str> {
        self.biz_code.as_deref()
    }

    /// The order status, when the callback carries it in a configured field.
    pub fn status(&self) -> Option<&OrderStatus> {
        self.status.as_ref()
    }

    /// The recharged account.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The product code.
    pub fn product_code(&self) -> Option<&str> {
        self.product_code.as_deref()
    }

    /// The settlement amount (`settlementPrice`, 结算金额), read from its text: what the
    /// **merchant pays the platform** for this order, not the amount of the order or what your
    /// customer paid. Never compare it with the amount you expect your customer to pay; check it
    /// against your expected cost instead.
    pub fn settlement_price(&self) -> Option<Decimal> {
        self.settlement_price
    }

    /// The cost of this order to the merchant: the same value as
    /// [`Notification::settlement_price`], under the name that says what it is.
    pub fn cost(&self) -> Option<Decimal> {
        self.settlement_price
    }

    /// The callback's `nonce` header.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// The callback's `timestamp` header (milliseconds, as text).
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// Fields this version does not type, as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// A key that is the same for every delivery of the same report: the order number and the
    /// status. Store it with the state change and ignore a notification whose key is known.
    pub fn dedupe_key(&self) -> String {
        format!(
            "{}:{}",
            self.order_code,
            self.status.as_ref().map_or("-", OrderStatus::as_str)
        )
    }
}

/// The HTTP answer to a callback: `200 SUCCESS` ([`Ack::success`]) or `500 FAIL`
/// ([`Ack::retry`], the body the provider's demo answers; any answer other than `SUCCESS` makes
/// the platform deliver again on its schedule).
///
/// ```
/// use vipcharge::Ack;
/// assert_eq!((Ack::success().status(), Ack::success().body()), (200, "SUCCESS"));
/// assert_eq!((Ack::retry().status(), Ack::retry().body()), (500, "FAIL"));
/// let r = Ack::success().into_response();
/// assert_eq!((r.status().as_u16(), r.body().as_str()), (200, "SUCCESS"));
/// ```
pub type Ack = payhub_runtime::Ack<Vipcharge>;
