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

pub use payhub_runtime::Idempotency;
use rust_decimal::Decimal;
use time::{OffsetDateTime, UtcOffset};

use crate::error::{Error, Result};
use crate::types::format_amount;
use crate::wire::check_url;

mod balance;
mod create_order;
mod deposit;
mod deposit_query;
mod raw;

pub use balance::{BalanceRequest, BalanceResponse};
pub use create_order::{CreateOrderRequest, CreateOrderResponse};
pub use deposit::{DepositRequest, DepositResponse};
pub use deposit_query::{DepositQueryRequest, DepositQueryResponse};
pub use raw::{RawReply, RawRequest};

pub(crate) use raw::check_path as check_raw_path;

/// The documented deposit query path, the default of [`crate::ClientBuilder::reconcile_path`].
pub(crate) fn deposit_query_default_path() -> &'static str {
    deposit_query::DEFAULT_PATH
}

/// A WinPay call: its path, whether it may be resent, how to build its fields and how to read
/// its reply. Implemented by the request types of this module only (sealed).
pub trait Operation: private::Sealed + fmt::Debug + Send + Sync {
    /// The typed reply.
    type Response: fmt::Debug + Send;

    /// The operation name used in logs and errors, e.g. `create_order`.
    fn operation_name(&self) -> &'static str;

    /// The path, e.g. `/gateway/recharge`.
    fn path(&self) -> &str;

    /// Whether the call may be resent when its outcome is unknown.
    fn idempotency(&self) -> Idempotency;

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
