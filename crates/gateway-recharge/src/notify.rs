//! Callbacks to your `callback_url`: verify on the raw bytes, then read them typed, then
//! acknowledge with exactly what WinPay expects.
//!
//! WinPay posts a JSON body (a form body is accepted too) with `trade_no`, `order_no`,
//! `amount`, `remark`, `status` and `trade_time`, signed with the request rule over **every
//! received field except `sign`**, so a field WinPay adds later does not break verification.
//! Reply [`Ack::success`] (the plain body `SUCCESS`); anything else makes WinPay deliver again
//! every 10 seconds, 10 times in all. Deliveries repeat: deduplicate on
//! [`Notification::dedupe_key`] and check the amount against your own order.
//!
//! # Collection or payout?
//! WinPay sends payout (代付) callbacks in exactly the shape of collection (代收) callbacks: its
//! two callback pages show the same fields, the same `status: success` and the same `RR...`
//! trade number, so nothing in the body says which kind it is. A verifier therefore reports
//! the kind you configured ([`Notification::kind`], default [`CallbackKind::Collection`]):
//! give payouts their own `callback_url` and verify them with
//! [`NotifyVerifier::callback_kind`]`(CallbackKind::Payout)` (or
//! [`Client::payout_notify_verifier`](crate::Client::payout_notify_verifier)), or, on one
//! shared URL, number your payouts with a prefix and set [`NotifyVerifier::payout_order_prefix`].
//! A payout's `success` means money **left** your account: never fulfil an order on it.
//!
//! # Replays and freshness
//! The callback carries no signed send time (no `time` field; `trade_time` is when the trade
//! happened, which every legitimate redelivery repeats), so a captured genuine callback stays
//! valid and no freshness check is possible. What protects you: the signature (only WinPay
//! and you hold the key), [`Notification::dedupe_key`] with a deduper that outlives the retry
//! schedule (ideally a durable store keyed on it), checking order number and amount against
//! your own order (`payhub::Expected` in the facade), and fulfilling an order once (a replay of
//! an already paid order changes nothing).
//!
//! ```
//! use gateway_recharge::notify::{Ack, NotifyVerifier};
//!
//! let verifier = NotifyVerifier::new("M1234567890", "adesf235");
//! let mut headers = http::HeaderMap::new();
//! headers.insert(http::header::CONTENT_TYPE, "application/json".parse().unwrap());
//! let body = br#"{"trade_no":"RR241015203135953635","order_no":"1728995495","amount":"200.00","remark":"66666","status":"success","trade_time":"2024-10-15 20:31:50","sign":"75a22322245516066c853fddd0136d2b"}"#;
//! let n = verifier.verify(&headers, body).unwrap();
//! assert!(n.status.is_success());
//! assert_eq!(n.amount.to_string(), "200.00");
//! assert_eq!(Ack::success().body(), "SUCCESS");
//! ```

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use payhub_runtime::metrics::{self, CallbackOutcome};
use payhub_runtime::{DEFAULT_MAX_NOTIFY_BODY_BYTES, Protocol as _};
use rust_decimal::Decimal;
use sign_core::{BorrowedParams, Md5Signer, Secret};
use time::{OffsetDateTime, UtcOffset};

use crate::api::Codec;
use crate::error::{NotifyError, Result};
use crate::protocol::GatewayRecharge;
use crate::sign;
use crate::types::{OrderStatus, PROVIDER_UTC_OFFSET, parse_decimal, parse_local_time};

/// The reply to a callback: [`Ack::success`] is HTTP 200 with the plain body `SUCCESS`
/// (uppercase), which stops deliveries; [`Ack::retry`] is HTTP 500 with `FAIL`, and WinPay
/// delivers again every 10 s, 10 times in all.
///
/// ```
/// use gateway_recharge::notify::Ack;
/// let ack = Ack::success();
/// assert_eq!((ack.status(), ack.body(), ack.content_type()), (200, "SUCCESS", "text/plain; charset=utf-8"));
/// assert!(ack.is_received());
/// assert_ne!(Ack::retry().body(), "SUCCESS");
/// ```
pub type Ack = payhub_runtime::Ack<GatewayRecharge>;

/// The fields this crate reads; everything else goes to [`Notification::extra`].
const KNOWN: [&str; 7] = [
    "trade_no",
    "order_no",
    "amount",
    "remark",
    "status",
    "trade_time",
    "sign",
];

/// What a callback is about. WinPay's body does not say (see the [module docs](self)): the
/// verifier reports what you configured with [`NotifyVerifier::callback_kind`] and
/// [`NotifyVerifier::payout_order_prefix`].
///
/// ```
/// use gateway_recharge::notify::{CallbackKind, NotifyVerifier};
/// let v = NotifyVerifier::new("M1", "k").callback_kind(CallbackKind::Payout);
/// assert!(CallbackKind::Payout.is_payout());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallbackKind {
    /// A collection (代收) or H5 deposit: `success` means money was received. The default.
    #[default]
    Collection,
    /// A payout (代付): `success` means money was sent. Never a payment received.
    Payout,
}

impl CallbackKind {
    /// Whether this is a payout callback.
    pub fn is_payout(self) -> bool {
        matches!(self, Self::Payout)
    }

    /// `collection` or `payout`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collection => "collection",
            Self::Payout => "payout",
        }
    }
}

impl fmt::Display for CallbackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Verifies WinPay callbacks. Cheap to clone; get one from
/// [`Client::notify_verifier`](crate::Client::notify_verifier) or build one here for a webhook
/// service without a client.
#[derive(Clone)]
pub struct NotifyVerifier {
    merchant_no: String,
    signer: Md5Signer,
    offset: UtcOffset,
    sign_empty: bool,
    max_body: usize,
    kind: CallbackKind,
    payout_prefix: Option<String>,
}

impl fmt::Debug for NotifyVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyVerifier")
            .field("merchant_no", &self.merchant_no)
            .field("key", &"***")
            .field("max_body", &self.max_body)
            .field("kind", &self.kind)
            .field("payout_prefix", &self.payout_prefix)
            .finish_non_exhaustive()
    }
}

impl NotifyVerifier {
    /// A verifier for `merchant_no` with its MD5 `key`. The merchant number is checked against
    /// a `merchant_no` field when a callback carries one (the documented callback does not).
    ///
    /// ```
    /// let v = gateway_recharge::notify::NotifyVerifier::new("M1234567890", "key");
    /// ```
    pub fn new(merchant_no: impl Into<String>, key: impl Into<Secret>) -> Self {
        Self {
            merchant_no: merchant_no.into(),
            signer: sign::signer(key.into()),
            offset: PROVIDER_UTC_OFFSET,
            sign_empty: true,
            max_body: DEFAULT_MAX_NOTIFY_BODY_BYTES,
            kind: CallbackKind::Collection,
            payout_prefix: None,
        }
    }

    /// A verifier with a client's merchant number, signer, time zone, signing rule and
    /// callback body cap.
    pub(crate) fn from_parts(codec: &Codec, max_body: usize) -> Self {
        Self {
            merchant_no: codec.merchant_no.clone(),
            signer: codec.signer().clone(),
            offset: codec.rules.offset,
            sign_empty: codec.rules.sign_empty,
            max_body,
            kind: CallbackKind::Collection,
            payout_prefix: None,
        }
    }

    /// What the callbacks this verifier checks are about (default
    /// [`CallbackKind::Collection`]). WinPay's payout callbacks look exactly like collection
    /// callbacks, so point payouts at their own `callback_url` and verify them with
    /// `CallbackKind::Payout`: their `success` then never reads as a payment received.
    ///
    /// ```
    /// use gateway_recharge::notify::{CallbackKind, NotifyVerifier};
    /// let payouts = NotifyVerifier::new("M1", "k").callback_kind(CallbackKind::Payout);
    /// ```
    #[must_use]
    pub fn callback_kind(mut self, kind: CallbackKind) -> Self {
        self.kind = kind;
        self
    }

    /// For one `callback_url` shared by collections and payouts: a callback whose `order_no`
    /// starts with `prefix` is a [`CallbackKind::Payout`] (default: none; an empty prefix is
    /// ignored). Number your payouts with a prefix no collection order uses.
    ///
    /// ```
    /// use gateway_recharge::notify::NotifyVerifier;
    /// let shared = NotifyVerifier::new("M1", "k").payout_order_prefix("PO-");
    /// ```
    #[must_use]
    pub fn payout_order_prefix(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        self.payout_prefix = (!prefix.is_empty()).then_some(prefix);
        self
    }

    fn kind_of(&self, order_no: &str) -> CallbackKind {
        match &self.payout_prefix {
            Some(p) if order_no.starts_with(p.as_str()) => CallbackKind::Payout,
            _ => self.kind,
        }
    }

    /// The largest body accepted (default 64 KiB,
    /// [`payhub_runtime::DEFAULT_MAX_NOTIFY_BODY_BYTES`]).
    ///
    /// ```
    /// let v = gateway_recharge::notify::NotifyVerifier::new("M1", "k").max_body_bytes(4096);
    /// ```
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body = limit;
        self
    }

    /// WinPay's time zone for `trade_time` (default UTC+8).
    ///
    /// ```
    /// let v = gateway_recharge::notify::NotifyVerifier::new("M1", "k")
    ///     .provider_utc_offset(time::UtcOffset::UTC);
    /// ```
    #[must_use]
    pub fn provider_utc_offset(mut self, offset: UtcOffset) -> Self {
        self.offset = offset;
        self
    }

    /// Whether empty values are part of the signed string (default `true`, per the docs'
    /// reference code).
    ///
    /// ```
    /// let v = gateway_recharge::notify::NotifyVerifier::new("M1", "k").sign_empty_values(true);
    /// ```
    #[must_use]
    pub fn sign_empty_values(mut self, sign: bool) -> Self {
        self.sign_empty = sign;
        self
    }

    /// Verifies a callback from its HTTP headers and the raw body bytes as received (before any
    /// parsing by your web framework), then reads it.
    ///
    /// Only `Content-Type` is read from the headers: JSON (`application/json`, `*+json`) and
    /// forms (`application/x-www-form-urlencoded`) are read as such; with no header or
    /// `text/plain` the body is sniffed (`{` means JSON).
    ///
    /// ```
    /// use gateway_recharge::notify::NotifyVerifier;
    /// let form = "trade_no=RR241015203135953635&order_no=1728995495&amount=200.00&remark=66666&status=success&trade_time=2024-10-15%2020%3A31%3A50&sign=75a22322245516066c853fddd0136d2b";
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded".parse().unwrap());
    /// let n = NotifyVerifier::new("M1234567890", "adesf235").verify(&headers, form.as_bytes()).unwrap();
    /// assert_eq!(n.order_no, "1728995495");
    /// ```
    ///
    /// # Errors
    /// [`Error::Notify`](crate::Error::Notify) with the [`NotifyError`]: body too large, empty,
    /// not UTF-8, unsupported content type, malformed, duplicate field, missing / malformed /
    /// bad signature, wrong merchant, missing or malformed field.
    pub fn verify(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Notification> {
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let span = tracing::info_span!(
            "gateway_recharge.notify",
            provider = GatewayRecharge::PROVIDER,
            operation = "notify",
            order_no = tracing::field::Empty,
            trade_no = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let _entered = span.enter();
        match self.verify_inner(content_type, body) {
            Ok(n) => {
                span.record("order_no", n.order_no.as_str());
                span.record("trade_no", n.trade_no.as_str());
                span.record("status", n.status.as_str());
                metrics::callback(GatewayRecharge::PROVIDER, CallbackOutcome::Verified);
                tracing::info!(kind = n.kind.as_str(), "callback verified");
                Ok(n)
            }
            Err(e) => {
                metrics::callback(GatewayRecharge::PROVIDER, CallbackOutcome::Refused);
                tracing::warn!(error = %e, body_len = body.len(), "callback rejected");
                Err(e.into())
            }
        }
    }

    fn verify_inner(
        &self,
        content_type: Option<&str>,
        body: &[u8],
    ) -> std::result::Result<Notification, NotifyError> {
        if body.len() > self.max_body {
            return Err(NotifyError::BodyTooLarge {
                limit: self.max_body,
                actual: body.len(),
            });
        }
        let text = std::str::from_utf8(body).map_err(|_| NotifyError::NotUtf8)?;
        if text.trim().is_empty() {
            return Err(NotifyError::EmptyBody);
        }
        // The fields borrow their text from `body`: only what the notification keeps is copied.
        let params = match body_kind(content_type, text)? {
            BodyKind::Json => BorrowedParams::from_json_object(body)
                .map_err(|e| NotifyError::MalformedBody(e.to_string()))?,
            BodyKind::Form => read_form(body)?,
        };
        if let Some(m) = params.get("merchant_no")
            && m != self.merchant_no
        {
            return Err(NotifyError::WrongMerchant {
                expected: self.merchant_no.clone(),
                received: m.to_owned(),
            });
        }
        sign::verify_borrowed(&params, &self.signer, &sign::style_with(self.sign_empty))?;
        self.read(params)
    }

    /// Reads the verified fields, moving each value out of `params` (repeated keys were refused
    /// already, so each name has one value).
    fn read(&self, params: BorrowedParams<'_>) -> std::result::Result<Notification, NotifyError> {
        let mut pairs = params.into_pairs();
        let mut take = |name: &str| {
            pairs
                .iter_mut()
                .find(|(k, _)| k == name)
                .map(|(_, v)| std::mem::take(v))
        };
        let amount_text = required("amount", take("amount"))?;
        let amount =
            parse_decimal(&amount_text).map_err(|problem| NotifyError::MalformedField {
                field: "amount",
                problem,
            })?;
        let time_text = required("trade_time", take("trade_time"))?;
        let trade_time = parse_local_time(&time_text, self.offset).map_err(|problem| {
            NotifyError::MalformedField {
                field: "trade_time",
                problem,
            }
        })?;
        let trade_no = required("trade_no", take("trade_no"))?.into_owned();
        let order_no = required("order_no", take("order_no"))?.into_owned();
        let remark = take("remark").unwrap_or_default().into_owned();
        let status = OrderStatus::parse(&required("status", take("status"))?);
        let kind = self.kind_of(&order_no);
        Ok(Notification {
            kind,
            trade_no,
            order_no,
            amount,
            remark,
            status,
            trade_time,
            extra: pairs
                .into_iter()
                .filter(|(k, _)| !KNOWN.contains(&k.as_ref()))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        })
    }
}

/// A field that must be present and non-empty.
fn required<'a>(
    name: &'static str,
    value: Option<Cow<'a, str>>,
) -> std::result::Result<Cow<'a, str>, NotifyError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or(NotifyError::MissingField(name))
}

enum BodyKind {
    Json,
    Form,
}

fn body_kind(content_type: Option<&str>, text: &str) -> std::result::Result<BodyKind, NotifyError> {
    let sniff = || {
        if text.trim_start().starts_with('{') {
            BodyKind::Json
        } else {
            BodyKind::Form
        }
    };
    let Some(ct) = content_type else {
        return Ok(sniff());
    };
    let media = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" | "text/json" => Ok(BodyKind::Json),
        m if m.ends_with("+json") => Ok(BodyKind::Json),
        "application/x-www-form-urlencoded" => Ok(BodyKind::Form),
        "" | "text/plain" => Ok(sniff()),
        _ => Err(NotifyError::UnsupportedContentType(crate::types::clip(ct))),
    }
}

fn read_form(body: &[u8]) -> std::result::Result<BorrowedParams<'_>, NotifyError> {
    let params =
        BorrowedParams::from_form(body).map_err(|e| NotifyError::MalformedBody(e.to_string()))?;
    let mut seen = BTreeSet::new();
    for (k, _) in params.pairs() {
        if !seen.insert(k.as_ref()) {
            return Err(NotifyError::DuplicateField(crate::types::clip(k)));
        }
    }
    Ok(params)
}

/// A verified callback.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Notification {
    /// Collection or payout, as configured on the verifier (the body does not say). A payout's
    /// `success` means money was sent, not received.
    pub kind: CallbackKind,
    /// WinPay's order number (`trade_no`).
    pub trade_no: String,
    /// Your order number (`order_no`).
    pub order_no: String,
    /// The amount paid (`amount`), read from its text. Compare it with your order's amount.
    pub amount: Decimal,
    /// Your `remark`, echoed back (empty if absent).
    pub remark: String,
    /// The status (`success` is the only documented value).
    pub status: OrderStatus,
    /// `trade_time`, provider-local (`Y-m-d H:i:s`, UTC+8 unless configured) as an instant.
    pub trade_time: OffsetDateTime,
    /// Other fields received (all were signed), as text.
    pub extra: BTreeMap<String, String>,
}

impl Notification {
    /// A key that is equal for repeated deliveries of the same event: `trade_no` and status.
    pub fn dedupe_key(&self) -> String {
        format!("{}:{}", self.trade_no, self.status)
    }
}
