//! Callbacks: [`NotifyVerifier`] checks a delivery on its raw bytes (size, content type,
//! `TTPay-*` signature, merchant) before reading anything, decrypts the AES-256-GCM `resource`,
//! and returns a typed [`Notification`]; [`Ack`] is the exact answer tokenpay expects.
//!
//! tokenpay delivers at 0 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min, 60 min, 3 h and 6 h until
//! it reads `success`, and the same notification can arrive more than once: make the handler
//! idempotent ([`Notification::dedupe_key`]) and compare the amount with your own order.
//!
//! **Freshness (on by default).** A callback whose signed `TTPay-Timestamp` is more than
//! [`DEFAULT_MAX_AGE`] (24 h) old, or more than [`DEFAULT_MAX_FUTURE_SKEW`] (10 min) ahead of the
//! clock, is refused ([`NotifyError::Stale`], [`NotifyError::FromTheFuture`]), so a captured
//! callback cannot be replayed days later (for example after a restart emptied a dedupe cache).
//! Why 24 h: the docs do not say whether a redelivery is re-signed with a new timestamp, and the
//! last of the ten deliveries comes 6 h after the first, so the window must cover the whole
//! schedule with margin; a genuine late retry is never refused. The timestamp may be 10 digits
//! (seconds, as the docs' examples print) or 13 (milliseconds, as their text says): both are
//! read. Override with [`NotifyVerifier::max_age`], [`NotifyVerifier::max_future_skew`] or
//! [`NotifyVerifier::without_max_age`].
//!
//! **Kinds.** Orders are [`Notification::Order`], payouts (`original_type` `payout` /
//! `payanother`) [`Notification::Payout`], monitored-wallet receipts [`Notification::Wallet`]:
//! only an order is a paid checkout. A payout or wallet resource without `trade_state` takes its
//! state from the event type ([`EventType::implied_state`]); its `amount` is read per
//! [`AmountUnit`] ([`NotifyVerifier::amount_unit`]).
//!
//! ```
//! use tokenpay::notify::{Ack, NotifyVerifier};
//! let verifier = NotifyVerifier::new("8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd", "1234567890", "0123456789abcdef0123456789abcdef").unwrap();
//! let mut headers = http::HeaderMap::new();
//! headers.insert("TTPay-Timestamp", http::HeaderValue::from_static("1763800001000"));
//! headers.insert("TTPay-Nonce", http::HeaderValue::from_static("n"));
//! headers.insert("TTPay-Signature", http::HeaderValue::from_static("AAAA"));
//! let err = verifier.verify(&headers, br#"{"app_id":"x"}"#).unwrap_err();
//! assert!(matches!(err, tokenpay::Error::Notify(tokenpay::NotifyError::BadSignature)));
//! assert_eq!(Ack::retry().status(), 500);
//! assert_eq!(Ack::success().body(), "success");
//! ```

use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use payhub_runtime::metrics::{self, CallbackOutcome};
use payhub_runtime::{Clock, Protocol, Staleness, SystemClock};
use serde_json::{Map, Value};
use sign_core::Secret;

use crate::api::{Lenient, TransactionDetail, parse_lenient, parse_transaction};
use crate::error::{Error, NotifyError, SignatureProblem};
use crate::protocol::Tokenpay;
use crate::sign::{
    AppKey, NONCE_HEADERS, NONCE_LENGTHS, RequestSigner, ResourceError, SIGNATURE_HEADERS,
    SignatureDiagnosis, TIMESTAMP_HEADERS, find_header, reply_signing_string,
};
use crate::types::{AmountUnit, EventType, OriginalType, UnixMillis};
use crate::wire::{FieldError, Fields};

/// The default body cap for callbacks (64 KiB; real ones are about 1 KiB).
pub const DEFAULT_MAX_BODY: usize = 64 * 1024;

/// The default freshness window: a callback signed more than 24 hours ago is refused. It covers
/// tokenpay's whole retry schedule (the last delivery is 6 h after the first, and the docs do not
/// say whether redeliveries are re-signed) with a wide margin, and refuses a replay days later.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// The default tolerance for a callback timestamp ahead of the local clock (clock skew): 10 min.
pub const DEFAULT_MAX_FUTURE_SKEW: Duration = Duration::from_secs(10 * 60);

/// The `resource.nonce` lengths accepted by default: 1 to 64 bytes (the docs never fix it; the
/// usual value is 12).
pub const DEFAULT_RESOURCE_NONCE_LENGTHS: RangeInclusive<usize> = NONCE_LENGTHS;

/// The algorithm every callback resource uses.
pub const RESOURCE_ALGORITHM: &str = "AEAD_AES_256_GCM";

/// Verifies tokenpay callbacks. Cheap to clone; build it once.
#[derive(Clone)]
pub struct NotifyVerifier {
    app_id: String,
    mch_id: String,
    key: Arc<AppKey>,
    max_body: usize,
    max_age: Option<Duration>,
    max_future_skew: Duration,
    nonce_lengths: RangeInclusive<usize>,
    amount_unit: AmountUnit,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for NotifyVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyVerifier")
            .field("app_id", &self.app_id)
            .field("mch_id", &self.mch_id)
            .field("app_secret", &"***")
            .field("max_body", &self.max_body)
            .field("max_age", &self.max_age)
            .field("max_future_skew", &self.max_future_skew)
            .field("resource_nonce_lengths", &self.nonce_lengths)
            .field("amount_unit", &self.amount_unit)
            .finish()
    }
}

impl NotifyVerifier {
    /// A verifier for a webhook service that has no [`crate::Client`].
    ///
    /// # Errors
    /// [`Error::Config`] when the app secret is not 32 bytes or an id is empty.
    pub fn new(
        app_id: impl Into<String>,
        mch_id: impl Into<String>,
        app_secret: impl Into<Secret>,
    ) -> Result<Self, Error> {
        let (app_id, mch_id) = (app_id.into(), mch_id.into());
        for (name, v) in [("app_id", &app_id), ("mch_id", &mch_id)] {
            if v.trim().is_empty() {
                return Err(Error::config(name, "must not be empty"));
            }
        }
        let key = AppKey::new(&app_secret.into())?;
        Ok(Self::from_key(
            app_id,
            mch_id,
            Arc::new(key),
            Arc::new(SystemClock),
        ))
    }

    /// A verifier with a client's credentials and clock.
    pub(crate) fn for_signer(signer: &RequestSigner) -> Self {
        let (app_id, mch_id) = (signer.app_id.clone(), signer.mch_id.clone());
        let (key, clock) = (Arc::clone(&signer.key), Arc::clone(&signer.clock));
        Self::from_key(app_id, mch_id, key, clock)
    }

    fn from_key(app_id: String, mch_id: String, key: Arc<AppKey>, clock: Arc<dyn Clock>) -> Self {
        Self {
            app_id,
            mch_id,
            key,
            max_body: DEFAULT_MAX_BODY,
            max_age: Some(DEFAULT_MAX_AGE),
            max_future_skew: DEFAULT_MAX_FUTURE_SKEW,
            nonce_lengths: DEFAULT_RESOURCE_NONCE_LENGTHS,
            amount_unit: AmountUnit::Auto,
            clock,
        }
    }

    /// The largest body accepted (default 64 KiB).
    ///
    /// ```
    /// let v = tokenpay::notify::NotifyVerifier::new("app", "mch", "0123456789abcdef0123456789abcdef").unwrap();
    /// let _v = v.max_body_bytes(16 * 1024);
    /// ```
    #[must_use]
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Refuses callbacks whose `TTPay-Timestamp` is more than `window` older than the clock
    /// (default [`DEFAULT_MAX_AGE`], 24 h). Keep it above 6 h: tokenpay's last delivery comes 6 h
    /// after the first, and the docs do not say whether redeliveries carry a fresh timestamp.
    ///
    /// ```
    /// let v = tokenpay::notify::NotifyVerifier::new("app", "mch", "0123456789abcdef0123456789abcdef").unwrap();
    /// let _v = v.max_age(std::time::Duration::from_secs(7 * 3600));
    /// ```
    #[must_use]
    pub fn max_age(mut self, window: Duration) -> Self {
        self.max_age = Some(window);
        self
    }

    /// Accepts callbacks however old their timestamp is (the signature is still checked). For
    /// re-checking stored callbacks; a live endpoint should keep a window, or deduplicate
    /// durably, since a captured callback could otherwise be replayed at any time.
    ///
    /// ```
    /// let v = tokenpay::notify::NotifyVerifier::new("app", "mch", "0123456789abcdef0123456789abcdef").unwrap();
    /// let _v = v.without_max_age();
    /// ```
    #[must_use]
    pub fn without_max_age(mut self) -> Self {
        self.max_age = None;
        self
    }

    /// How far a callback's timestamp may be ahead of the clock (default
    /// [`DEFAULT_MAX_FUTURE_SKEW`], 10 min), for clock skew between tokenpay and this host.
    ///
    /// ```
    /// let v = tokenpay::notify::NotifyVerifier::new("app", "mch", "0123456789abcdef0123456789abcdef").unwrap();
    /// let _v = v.max_future_skew(std::time::Duration::from_secs(60));
    /// ```
    #[must_use]
    pub fn max_future_skew(mut self, skew: Duration) -> Self {
        self.max_future_skew = skew;
        self
    }

    /// The `resource.nonce` lengths accepted, in bytes (default 1 to 64,
    /// [`DEFAULT_RESOURCE_NONCE_LENGTHS`]; the docs never fix it, the usual value is 12). The
    /// range is clamped to 1..=64, what AES-GCM here can take (an empty range refuses every
    /// callback); a nonce outside it is refused with [`NotifyError::MalformedField`] naming
    /// `resource.nonce`.
    ///
    /// ```
    /// let v = tokenpay::notify::NotifyVerifier::new("app", "mch", "0123456789abcdef0123456789abcdef").unwrap();
    /// let _strict = v.resource_nonce_lengths(12..=12);
    /// ```
    #[must_use]
    pub fn resource_nonce_lengths(mut self, lengths: RangeInclusive<usize>) -> Self {
        let (lo, hi) = lengths.into_inner();
        self.nonce_lengths = lo.max(*NONCE_LENGTHS.start())..=hi.min(*NONCE_LENGTHS.end());
        self
    }

    /// How the `amount` of payout and wallet callbacks is read (default [`AmountUnit::Auto`]:
    /// `"12.5"` is major units, an integer with `decimals` is minor units). Order callbacks always
    /// carry an integer of minor units with `decimals`.
    ///
    /// ```
    /// let v = tokenpay::notify::NotifyVerifier::new("app", "mch", "0123456789abcdef0123456789abcdef").unwrap();
    /// let _v = v.amount_unit(tokenpay::types::AmountUnit::Major);
    /// ```
    #[must_use]
    pub fn amount_unit(mut self, unit: AmountUnit) -> Self {
        self.amount_unit = unit;
        self
    }

    /// The clock used by the freshness checks ([`NotifyVerifier::max_age`]; a verifier from
    /// [`crate::Client::notify_verifier`] uses the client's clock).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let v = tokenpay::notify::NotifyVerifier::new("app", "mch", "0123456789abcdef0123456789abcdef").unwrap();
    /// let _v = v.clock(Arc::new(tokenpay::FixedClock::from_millis(1_763_800_001_000)));
    /// ```
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Verifies a callback on its raw body and returns it typed.
    ///
    /// Header names are matched case-insensitively; `TTPay-*` is read first, then `tokenpay-*`.
    /// If a `Content-Type` is present it must be JSON.
    ///
    /// Order of checks: size, content type, signature headers, signature over
    /// `TIMESTAMP\nNONCE\nBODY`, freshness (see the [module docs](self)), UTF-8, `app_id`/`mch_id`, resource
    /// algorithm, decryption, the decrypted fields.
    ///
    /// # Errors
    /// [`Error::Notify`] with the precise [`NotifyError`]. Answer with [`Ack::retry`].
    pub fn verify(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Notification, Error> {
        let checked = self.check(headers, body);
        let outcome = match checked {
            Ok(_) => CallbackOutcome::Verified,
            Err(_) => CallbackOutcome::Refused,
        };
        metrics::callback(<Tokenpay as Protocol>::PROVIDER, outcome);
        checked.map_err(Error::Notify)
    }

    fn check<I, K, V>(&self, headers: I, body: &[u8]) -> Result<Notification, NotifyError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        if body.len() > self.max_body {
            return Err(NotifyError::BodyTooLarge {
                limit: self.max_body,
                actual: body.len(),
            });
        }
        let headers = collect(headers);
        if let Some(ct) = find_header(&headers, &["Content-Type"]) {
            let ct = String::from_utf8_lossy(ct);
            let essence = ct.split(';').next().unwrap_or_default().trim();
            if !essence.eq_ignore_ascii_case("application/json") {
                return Err(NotifyError::WrongContentType(
                    ct.chars().take(100).collect(),
                ));
            }
        }
        let ts = header_text(&headers, &TIMESTAMP_HEADERS)?;
        let nonce = header_text(&headers, &NONCE_HEADERS)?;
        let sig = header_text(&headers, &SIGNATURE_HEADERS)?;
        let ts_value = parse_timestamp(ts)?;
        match self.key.verify(&reply_signing_string(ts, nonce, body), sig) {
            Ok(()) => {}
            Err(SignatureProblem::Malformed(_)) => {
                return Err(NotifyError::MalformedHeader {
                    header: SIGNATURE_HEADERS[0],
                    problem: "is not base64",
                });
            }
            Err(_) => return Err(NotifyError::BadSignature),
        }
        self.check_freshness(ts_value)?;
        let text = std::str::from_utf8(body).map_err(|_| NotifyError::NotUtf8)?;
        self.read(text, ts, nonce)
    }

    fn check_freshness(&self, ts: UnixMillis) -> Result<(), NotifyError> {
        let secs = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        payhub_runtime::check_freshness(
            ts.as_millis(),
            self.clock.now_millis(),
            self.max_age,
            self.max_future_skew,
        )
        .map_err(|s| match s {
            Staleness::TooOld {
                age_secs,
                max_age_secs,
            } => NotifyError::Stale {
                age_secs: secs(age_secs),
                max_secs: secs(max_age_secs),
            },
            Staleness::FromTheFuture {
                ahead_secs,
                max_skew_secs,
            } => NotifyError::FromTheFuture {
                ahead_secs: secs(ahead_secs),
                max_secs: secs(max_skew_secs),
            },
        })
    }

    /// Shows what a callback's signature encrypts next to what it should cover, for debugging a
    /// refused delivery (`None` when the signature headers are absent).
    pub fn diagnose<I, K, V>(&self, headers: I, body: &[u8]) -> Option<SignatureDiagnosis>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        let headers = collect(headers);
        let ts = header_text(&headers, &TIMESTAMP_HEADERS).ok()?;
        let nonce = header_text(&headers, &NONCE_HEADERS).ok()?;
        let sig = header_text(&headers, &SIGNATURE_HEADERS).ok()?;
        Some(
            self.key
                .diagnose(sig, &reply_signing_string(ts, nonce, body)),
        )
    }

    fn read(&self, text: &str, ts: &str, nonce: &str) -> Result<Notification, NotifyError> {
        let mut f =
            Fields::parse("", text).map_err(|_| malformed("body", "is not a JSON object"))?;
        let app_id = f.str_req("app_id").map_err(field)?;
        if app_id != self.app_id {
            return Err(NotifyError::WrongMerchant {
                field: "app_id",
                received: app_id,
            });
        }
        let mch_id = f.str_req("mch_id").map_err(field)?;
        if mch_id != self.mch_id {
            return Err(NotifyError::WrongMerchant {
                field: "mch_id",
                received: mch_id,
            });
        }
        let create_time = f.str_opt("create_time").map_err(field)?;
        let resource_type = f.str_opt("resource_type").map_err(field)?;
        let event_type: EventType = f
            .parse_opt("event_type")
            .map_err(field)?
            .ok_or_else(|| malformed("event_type", "is missing"))?;
        let mut r = f
            .object_opt("resource")
            .map_err(field)?
            .ok_or_else(|| malformed("resource", "is missing"))?;
        let original_type: OriginalType = r
            .parse_opt("original_type")
            .map_err(field)?
            .ok_or_else(|| malformed("resource.original_type", "is missing"))?;
        let algorithm = r.str_req("algorithm").map_err(field)?;
        if !algorithm.eq_ignore_ascii_case(RESOURCE_ALGORITHM) {
            return Err(NotifyError::UnsupportedAlgorithm(
                algorithm.chars().take(64).collect(),
            ));
        }
        let ciphertext = r.str_req("ciphertext").map_err(field)?;
        // Read by hand rather than with `str_opt`, so that an empty nonce is reported as 0 bytes
        // rather than as missing.
        let resource_nonce = match r.raw("nonce").map(|v| v.get().trim()) {
            None => return Err(malformed("resource.nonce", "is missing")),
            Some(t) if t.starts_with('"') => serde_json::from_str::<String>(t)
                .map_err(|_| malformed("resource.nonce", "is not a valid string"))?,
            Some(t) if t.bytes().all(|b| b.is_ascii_alphanumeric()) => t.to_owned(),
            Some(_) => return Err(malformed("resource.nonce", "must be a string")),
        };
        if !self.nonce_lengths.contains(&resource_nonce.len()) {
            return Err(malformed(
                "resource.nonce",
                format!(
                    "is {} bytes; {} to {} are accepted",
                    resource_nonce.len(),
                    self.nonce_lengths.start(),
                    self.nonce_lengths.end()
                ),
            ));
        }
        let aad = r.str_opt("associated_data").map_err(field)?;
        let plain = self
            .key
            .decrypt_resource(&resource_nonce, aad.as_deref(), &ciphertext)
            .map_err(|e| match e {
                ResourceError::Base64 => malformed("resource.ciphertext", "is not base64"),
                ResourceError::NonceLength(n) => malformed(
                    "resource.nonce",
                    format!("is {n} bytes; 1 to 64 are accepted"),
                ),
                _ => NotifyError::Decrypt,
            })?;
        let plain = String::from_utf8(plain).map_err(|_| {
            malformed(
                "resource.ciphertext",
                "decrypts to bytes that are not UTF-8",
            )
        })?;
        let meta = NotifyMeta {
            app_id,
            mch_id,
            create_time,
            resource_type,
            event_type,
            original_type: original_type.clone(),
            timestamp: ts.to_owned(),
            nonce: nonce.to_owned(),
            extra: f.extra(),
        };
        let fallback = || meta.event_type.implied_state();
        let lenient = Lenient {
            fallback_state: &fallback,
            amount_unit: self.amount_unit,
        };
        let kind = match &original_type {
            OriginalType::Transaction if meta.event_type.is_wallet() || is_wallet(&plain) => {
                Kind::Wallet
            }
            OriginalType::Transaction => Kind::Order,
            OriginalType::Wallet => Kind::Wallet,
            OriginalType::Payout | OriginalType::Payanother => Kind::Payout,
            _ => Kind::Other,
        };
        let transaction = match kind {
            Kind::Order => Some(parse_transaction("resource", &plain).map_err(field)?),
            Kind::Payout | Kind::Wallet => {
                Some(parse_lenient("resource", &plain, &lenient).map_err(field)?)
            }
            Kind::Other => None,
        };
        Ok(match (kind, transaction) {
            (Kind::Order, Some(transaction)) => {
                Notification::Order(TransactionNotification { meta, transaction })
            }
            (Kind::Payout, Some(transaction)) => {
                Notification::Payout(TransactionNotification { meta, transaction })
            }
            (Kind::Wallet, Some(transaction)) => {
                Notification::Wallet(TransactionNotification { meta, transaction })
            }
            _ => Notification::Other(OtherNotification {
                meta,
                plaintext: plain,
            }),
        })
    }
}

enum Kind {
    Order,
    Payout,
    Wallet,
    Other,
}

/// Whether a decrypted `transaction` resource is a monitored-wallet receipt rather than an
/// order: it names a `wallet_address`, or it has no merchant order number (every order is
/// created with an `out_trade_no`; a deposit to a monitored wallet has none).
fn is_wallet(plain: &str) -> bool {
    let Ok(mut f) = Fields::parse("resource", plain) else {
        return false;
    };
    let has = |f: &mut Fields<'_>, key: &str| f.str_opt(key).ok().flatten().is_some();
    has(&mut f, "wallet_address") || !has(&mut f, "out_trade_no")
}

fn collect<I, K, V>(headers: I) -> Vec<(String, Vec<u8>)>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<[u8]>,
{
    headers
        .into_iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_vec()))
        .collect()
}

fn header_text<'h>(
    headers: &'h [(String, Vec<u8>)],
    names: &[&'static str; 2],
) -> Result<&'h str, NotifyError> {
    let raw = find_header(headers, names).ok_or(NotifyError::MissingHeader(names[0]))?;
    let text = std::str::from_utf8(raw).map_err(|_| NotifyError::MalformedHeader {
        header: names[0],
        problem: "is not UTF-8",
    })?;
    let text = text.trim();
    if text.is_empty() {
        return Err(NotifyError::MissingHeader(names[0]));
    }
    Ok(text)
}

fn parse_timestamp(ts: &str) -> Result<UnixMillis, NotifyError> {
    let bad = NotifyError::MalformedHeader {
        header: TIMESTAMP_HEADERS[0],
        problem: "must be 10 (seconds) or 13 (milliseconds) digits",
    };
    if !(ts.len() == 10 || ts.len() == 13) || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    ts.parse::<i64>()
        .map(UnixMillis::from_wire)
        .map_err(|_| bad)
}

fn malformed(field: &str, problem: impl Into<String>) -> NotifyError {
    NotifyError::MalformedField {
        field: field.to_owned(),
        problem: problem.into(),
    }
}

fn field(e: FieldError) -> NotifyError {
    NotifyError::MalformedField {
        field: e.field,
        problem: e.problem,
    }
}

/// The envelope of a callback, around its decrypted resource.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct NotifyMeta {
    /// The application (checked against the verifier's).
    pub app_id: String,
    /// The merchant (checked against the verifier's).
    pub mch_id: String,
    /// When tokenpay created the notification (RFC 3339 text, e.g.
    /// `2023-06-26T17:21:17.754429+08:00`).
    pub create_time: Option<String>,
    /// `resource_type` (`encrypt-resource`).
    pub resource_type: Option<String>,
    /// `event_type` (open: the docs disagree on the names).
    pub event_type: EventType,
    /// `resource.original_type`.
    pub original_type: OriginalType,
    /// The signed `TTPay-Timestamp`.
    pub timestamp: String,
    /// The signed `TTPay-Nonce`.
    pub nonce: String,
    /// Envelope members this crate does not type.
    pub extra: Map<String, Value>,
}

/// An order, payout or wallet callback.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TransactionNotification {
    /// The envelope.
    pub meta: NotifyMeta,
    /// The decrypted order, payout or wallet receipt.
    pub transaction: TransactionDetail,
}

/// A callback whose `original_type` this crate does not know; the decrypted JSON is kept.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct OtherNotification {
    /// The envelope.
    pub meta: NotifyMeta,
    /// The decrypted resource, as text.
    pub plaintext: String,
}

/// A verified callback.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Notification {
    /// An order of the merchant's (`original_type` `transaction`, with an `out_trade_no`): the
    /// only kind that is a checkout.
    Order(TransactionNotification),
    /// A payout (`original_type` `payout` or `payanother`): money that left. Without
    /// `trade_state` its state comes from the event type ([`EventType::implied_state`]); the
    /// event type sits in the envelope, which the ECB signature protects less well than the
    /// sealed resource (see the crate docs), so confirm such a state with
    /// [`crate::Client::reconcile_payout`] before acting on it. Its `amount` is read per
    /// [`AmountUnit`].
    Payout(TransactionNotification),
    /// A receipt on a monitored wallet: `original_type` `wallet`, an event type containing
    /// `WALLET`, or a `transaction` resource with a `wallet_address` or without an
    /// `out_trade_no` (the wallet page copies the order callback, so that is what tells them
    /// apart). Read like a payout. Not a checkout.
    Wallet(TransactionNotification),
    /// Another kind, kept decrypted but untyped.
    Other(OtherNotification),
}

impl Notification {
    /// The envelope.
    pub fn meta(&self) -> &NotifyMeta {
        match self {
            Self::Order(n) | Self::Payout(n) | Self::Wallet(n) => &n.meta,
            Self::Other(n) => &n.meta,
        }
    }

    /// The event type.
    pub fn event_type(&self) -> &EventType {
        &self.meta().event_type
    }

    /// The decrypted order, payout or wallet receipt, if typed.
    pub fn transaction(&self) -> Option<&TransactionDetail> {
        match self {
            Self::Order(n) | Self::Payout(n) | Self::Wallet(n) => Some(&n.transaction),
            Self::Other(_) => None,
        }
    }

    /// Whether it reports money that arrived or left (`trade_state` `SUCCESS`), whatever the
    /// kind. To fulfil a checkout, use [`Notification::is_order_paid`].
    pub fn is_success(&self) -> bool {
        self.transaction().is_some_and(TransactionDetail::is_paid)
    }

    /// Whether it is an order ([`Notification::Order`]) that is paid: the one test for
    /// fulfilling a checkout. Payouts and wallet receipts are never paid orders.
    pub fn is_order_paid(&self) -> bool {
        matches!(self, Self::Order(n) if n.transaction.is_paid())
    }

    /// A key that is equal for redeliveries of the same state change: original type,
    /// `transaction_id` and `trade_state` (or the signed nonce for untyped callbacks). Store it
    /// to process each change once.
    pub fn dedupe_key(&self) -> String {
        match self.transaction() {
            Some(t) => format!(
                "{}:{}:{}",
                self.meta().original_type,
                t.transaction_id,
                t.trade_state
            ),
            None => format!("{}:{}", self.meta().original_type, self.meta().nonce),
        }
    }
}

/// The answer to a callback: [`Ack::success`] is HTTP 200 `success` (tokenpay stops
/// delivering), [`Ack::retry`] HTTP 500 `fail` (tokenpay delivers again on its schedule).
///
/// ```
/// let r = tokenpay::Ack::success().into_response();
/// assert_eq!((r.status().as_u16(), r.body().as_str()), (200, "success"));
/// ```
pub type Ack = payhub_runtime::Ack<Tokenpay>;
