//! The endpoints: one module per call, each with a validated `<Op>Request` and a typed
//! `<Op>Response`, all sent through [`Client::send`](crate::Client::send).
//!
//! | Request | Path | Kind |
//! |---|---|---|
//! | [`CreateOrderRequest`] | `POST /gateway/recharge` (代收下单, collection order) | create: never resent |
//! | [`DepositRequest`] | `POST /h5/deposit` (用户直冲, H5 direct deposit) | create: never resent |
//! | [`DepositQueryRequest`] | `POST /h5/deposit_query` (充值订单查询) | read: retried |
//! | [`BalanceRequest`] | `POST /gateway/balance` (余额查询) | read: retried |
//! | [`RawRequest`] | a path your account manager gave you (payout pages are not public) | as you declare |
//!
//! Every request value is a JSON string; `merchant_no` comes from the client and `time` (Unix
//! milliseconds) from its clock. All documented fields are required and WinPay signs empty
//! values too, so an empty field is a validation error rather than a silent `k=` in the
//! signature.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

pub use payhub_runtime::Idempotency;
use payhub_runtime::{Clock, Method, PreparedRequest};
use rust_decimal::Decimal;
use sign_core::{Md5Signer, Secret};
use time::{OffsetDateTime, UtcOffset};

use crate::error::{Error, Result};
use crate::types::{check_merchant_no, format_amount};
use crate::wire::check_url;

mod balance;
mod create_order;
mod deposit;
mod deposit_query;
mod envelope;
pub(crate) use envelope::is_envelope;
mod raw;

pub use balance::{BalanceRequest, BalanceResponse};
pub use create_order::{CreateOrderRequest, CreateOrderResponse};
pub use deposit::{DepositRequest, DepositResponse};
pub use deposit_query::{DepositQueryRequest, DepositQueryResponse};
pub use raw::{RawReply, RawRequest};

pub(crate) use envelope::ReplyRules;
pub(crate) use raw::check_path as check_raw_path;

/// What a client needs to turn requests into signed bytes and replies into values, without
/// I/O: the merchant number, the signer, the clock and the reply rules.
pub(crate) struct Codec {
    pub(crate) merchant_no: String,
    signer: Md5Signer,
    clock: Arc<dyn Clock>,
    pub(crate) rules: ReplyRules,
}

impl Codec {
    /// Checks the credentials and the reconcile path (config errors name the setting).
    pub(crate) fn new(
        merchant_no: String,
        key: Secret,
        clock: Arc<dyn Clock>,
        rules: ReplyRules,
    ) -> Result<Self> {
        check_merchant_no(&merchant_no).map_err(|p| Error::config("merchant_no", p))?;
        if key.is_empty() {
            return Err(Error::config("key", "is empty"));
        }
        if check_raw_path(&rules.reconcile_path).is_err() {
            let why = "must be an absolute path like `/h5/deposit_query`";
            return Err(Error::config("reconcile_path", why));
        }
        Ok(Self {
            merchant_no,
            signer: crate::sign::signer(key),
            clock,
            rules,
        })
    }

    /// The signer (for callback verifiers).
    pub(crate) fn signer(&self) -> &Md5Signer {
        &self.signer
    }

    /// Validates, serializes (once) and signs `request`: the exact bytes that go on the wire.
    pub(crate) fn prepare<O: Operation>(&self, request: &O) -> Result<PreparedRequest> {
        let time = self.clock.now_millis().to_string();
        let fields = request.wire_fields(&self.merchant_no, &time)?;
        let sign_empty = self.rules.sign_empty;
        let (body, signed) = crate::sign::signed_body(&fields, &self.signer, sign_empty);
        // Redacted: field names and value lengths, never the customer's values.
        tracing::trace!(signed = %signed.redacted(), "request signed");
        Ok(
            PreparedRequest::new(O::NAME, Method::Post, request.path().to_owned())
                .body("application/json", body)
                .idempotency(request.idempotency())
                .explanation(signed),
        )
    }

    /// Checks a reply's envelope and decodes its `data` for `request`.
    pub(crate) fn decode<O: Operation>(
        &self,
        request: &O,
        http_status: u16,
        body: &[u8],
    ) -> Result<O::Response> {
        let now = self.clock.now_millis();
        self.rules
            .decode(request, &self.signer, now, http_status, body)
    }
}

/// A WinPay call: its name, path, whether it may be resent, how to build its fields and how to
/// read its reply. Implemented by the request types of this module only (sealed).
///
/// ```
/// use gateway_recharge::api::{BalanceRequest, CreateOrderRequest, Idempotency, Operation};
/// assert_eq!(BalanceRequest::NAME, "balance");
/// assert_eq!(BalanceRequest::IDEMPOTENCY, Idempotency::Safe);
/// assert_eq!(CreateOrderRequest::IDEMPOTENCY, Idempotency::Unsafe);
/// ```
pub trait Operation: private::Sealed + fmt::Debug + Send + Sync {
    /// The operation name used in spans, metrics and errors, e.g. `create_order`.
    const NAME: &'static str;

    /// Whether calls of this type may be resent ([`RawRequest`] declares it per value:
    /// [`Operation::idempotency`]).
    const IDEMPOTENCY: Idempotency;

    /// The typed reply.
    type Response: fmt::Debug + Send;

    /// The path, e.g. `/gateway/recharge`.
    fn path(&self) -> &str;

    /// Whether this call may be resent when its outcome is unknown (default
    /// [`Operation::IDEMPOTENCY`]).
    fn idempotency(&self) -> Idempotency {
        Self::IDEMPOTENCY
    }

    /// The merchant order number, when the call has one (for logs and reconciliation).
    fn order_no(&self) -> Option<&str>;

    /// The fields to send (without `sign`), validated, in the documented order.
    #[doc(hidden)]
    fn wire_fields(&self, merchant_no: &str, time: &str) -> Result<Vec<(String, String)>>;

    /// Reads the reply's `data` (the raw JSON text of that member, if any).
    #[doc(hidden)]
    fn decode_data(
        &self,
        data: Option<&str>,
        ctx: &DecodeContext,
    ) -> std::result::Result<Self::Response, String>;
}

mod private {
    /// Seals [`super::Operation`].
    pub trait Sealed {}
}

/// What a reply is decoded against: the client's clock and the provider's time zone.
#[derive(Clone, Copy, Debug)]
pub struct DecodeContext {
    now: OffsetDateTime,
    offset: UtcOffset,
}

impl DecodeContext {
    pub(crate) fn new(now: OffsetDateTime, offset: UtcOffset) -> Self {
        Self { now, offset }
    }

    /// The time the reply was read (from the client's clock).
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// The provider's UTC offset (UTC+8 unless configured).
    pub fn provider_offset(&self) -> UtcOffset {
        self.offset
    }
}

/// Builds a validated field list.
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    /// A value the client produced itself (`merchant_no`, `time`).
    pub(crate) fn trusted(mut self, name: &str, value: &str) -> Self {
        self.0.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Free text: not empty, no surrounding whitespace, no control characters.
    pub(crate) fn text(mut self, name: &str, value: &str) -> Result<Self> {
        check_text(name, value)?;
        self.0.push((name.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// An identifier (order number, user id): text without any whitespace.
    pub(crate) fn id(mut self, name: &str, value: &str) -> Result<Self> {
        check_text(name, value)?;
        if value.chars().any(char::is_whitespace) {
            return Err(Error::validation(name, "must not contain whitespace"));
        }
        self.0.push((name.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// A money amount: positive, at most two decimals, rendered with exactly two.
    pub(crate) fn amount(mut self, name: &str, value: Decimal) -> Result<Self> {
        let text = format_amount(value).map_err(|rule| Error::validation(name, rule))?;
        self.0.push((name.to_owned(), text));
        Ok(self)
    }

    /// An IPv4 or IPv6 address, sent as given.
    pub(crate) fn ip(mut self, name: &str, value: &str) -> Result<Self> {
        check_text(name, value)?;
        if value.parse::<IpAddr>().is_err() {
            return Err(Error::validation(
                name,
                format!(
                    "must be an IPv4 or IPv6 address (got `{}`)",
                    crate::types::clip(value)
                ),
            ));
        }
        self.0.push((name.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// An absolute http(s) URL, sent as given (not re-serialized, so what is signed is what
    /// you wrote).
    pub(crate) fn url(mut self, name: &str, value: &str) -> Result<Self> {
        check_text(name, value)?;
        check_url(value).map_err(|rule| Error::validation(name, rule))?;
        self.0.push((name.to_owned(), value.to_owned()));
        Ok(self)
    }

    pub(crate) fn finish(self) -> Vec<(String, String)> {
        self.0
    }
}

fn check_text(name: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::validation(
            name,
            "is required and must not be empty (WinPay signs empty values)",
        ));
    }
    if value.trim() != value {
        return Err(Error::validation(
            name,
            "must not start or end with whitespace",
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::validation(
            name,
            "must not contain control characters",
        ));
    }
    Ok(())
}
