//! The endpoints of the dcapi family, one module each, and the [`Operation`] trait that ties a
//! request type to its path, its unsigned fields, its idempotency and its reply type.
//!
//! | path | request | notes |
//! |------|---------|-------|
//! | `/dcapi/pay` | [`PayRequest`] | direct-recharge order (create, never resent) |
//! | `/dcapi/queryOrder` | [`QueryOrderRequest`] | direct-recharge order query |
//! | `/dcapi/queryCash` | [`QueryCashRequest`] | balance in yuan |
//! | `/dcapi/drawOrder` | [`DrawOrderRequest`] | cancel, only while waiting |
//! | `/dcapi/confirmOrder` | [`ConfirmOrderRequest`] | confirm receipt early |
//! | `/dcapi/queryCardCategory` | [`QueryCardCategoryRequest`] | categories |
//! | `/dcapi/queryCardList` | [`QueryCardListRequest`] | product list |
//! | `/dcapi/queryCardInfo` | [`QueryCardInfoRequest`] | one product |
//! | `/dcapi/queryCard` | [`QueryCardRequest`] | retired list (deprecated) |
//! | `/dcapi/card/payOrder` | [`CardPayOrderRequest`] | card-code purchase (create) |
//! | `/dcapi/card/queryOrder` | [`CardQueryOrderRequest`] | card order query |
//! | `/dcapi/card/queryCardList` | [`CardQueryCardListRequest`] | card list |
//! | `/dcapi/card/queryCardDetail` | [`CardQueryCardDetailRequest`] | one card product |
//! | `/dcapi/card/queryCard` | [`CardQueryCardRequest`] | retired list (deprecated) |

use std::fmt;

use bytes::Bytes;
use serde_json::value::RawValue;

use crate::Result;

mod card_pay_order;
mod card_query_card;
mod card_query_card_detail;
mod card_query_card_list;
mod card_query_order;
mod confirm_order;
mod draw_order;
mod envelope;
pub(crate) use envelope::is_envelope;
pub(crate) mod json;
mod pay;
mod products;
mod query_card;
mod query_card_category;
mod query_card_info;
mod query_card_list;
mod query_cash;
mod query_order;

pub use card_pay_order::{
    CardOrder, CardPayOrderRequest, CardPayOrderResponse, DEFAULT_AUTO_CONFIRM_HOUR,
};
#[allow(deprecated)] // The retired list endpoints are still offered, deprecated.
pub use card_query_card::{CardProductGroup, CardQueryCardRequest};
pub use card_query_card_detail::CardQueryCardDetailRequest;
pub use card_query_card_list::CardQueryCardListRequest;
pub use card_query_order::CardQueryOrderRequest;
pub use confirm_order::{ConfirmOrderRequest, ConfirmOrderResponse};
pub use draw_order::{DrawOrderRequest, DrawOrderResponse};
pub use json::Other;
pub use pay::{PayRequest, PayResponse};
pub use payhub_runtime::Idempotency;
pub use products::{
    CardPrice, CardProduct, Category, DirectProduct, DirectProductGroup, ProductPage,
};
#[allow(deprecated)]
pub use query_card::QueryCardRequest;
pub use query_card_category::QueryCardCategoryRequest;
pub use query_card_info::QueryCardInfoRequest;
pub use query_card_list::{MAX_PAGE_SIZE, QueryCardListRequest};
pub use query_cash::{Balance, QueryCashRequest};
pub use query_order::{DirectOrder, QueryOrderRequest};

/// The content type of every dcapi request body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

mod sealed {
    pub trait Sealed {}
}

/// One dcapi endpoint: its path, the fields it sends, which of them are unsigned, whether it may be
/// resent, and how its reply is read. Implemented by every `*Request` type of [`crate::api`];
/// sealed, so the provider's rules stay in this crate.
pub trait Operation: sealed::Sealed + fmt::Debug + Send + Sync {
    /// The typed reply.
    type Response: fmt::Debug + Send;

    /// The operation name used in logs and errors (the path after `/dcapi/`).
    const NAME: &'static str;

    /// The request path, e.g. `/dcapi/pay`.
    const PATH: &'static str;

    /// Whether the call may be resent when its outcome is unknown (reads) or not (creates).
    const IDEMPOTENCY: Idempotency;

    /// Fields this endpoint sends but does not sign (the reference marks them 不参与签名).
    const UNSIGNED_FIELDS: &'static [&'static str];

    /// The form fields to send, in order, without `appid` and `sign` (the client adds them).
    /// `now_seconds` is the injected clock's Unix time, used for `datetime`.
    ///
    /// # Errors
    /// [`crate::Error::Validation`] naming the field and the rule it breaks.
    fn form_fields(&self, now_seconds: i64) -> Result<Vec<(&'static str, String)>>;

    /// Reads the `result`/`other` of a `code: 1` reply.
    ///
    /// # Errors
    /// [`crate::Error::Decode`] naming the field that does not have the documented type.
    fn parse_reply(reply: &Reply) -> Result<Self::Response>;

    /// The merchant order number this call concerns, for logs and reconciliation.
    fn out_order_id(&self) -> Option<&str> {
        None
    }

    /// The platform order number this call concerns, for logs.
    fn order_id(&self) -> Option<&str> {
        None
    }
}

/// A successful (`code: 1`) reply envelope: `msg`, `result` and `other` as received.
#[derive(Clone)]
pub struct Reply {
    operation: &'static str,
    status: u16,
    msg: String,
    result: Option<Box<RawValue>>,
    other: Option<Box<RawValue>>,
    body: Bytes,
}

impl Reply {
    pub(crate) fn new(
        operation: &'static str,
        status: u16,
        msg: String,
        result: Option<Box<RawValue>>,
        other: Option<Box<RawValue>>,
        body: Bytes,
    ) -> Self {
        Self {
            operation,
            status,
            msg,
            result,
            other,
            body,
        }
    }

    /// The operation this reply answers.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The provider's `msg` (e.g. `下单成功`).
    pub fn msg(&self) -> &str {
        &self.msg
    }

    /// The raw JSON text of `result`, if present and not `null`.
    pub fn result(&self) -> Option<&RawValue> {
        self.result.as_deref().filter(|r| r.get() != "null")
    }

    /// The raw JSON text of `other`, if present and not `null`.
    pub fn other(&self) -> Option<&RawValue> {
        self.other.as_deref().filter(|r| r.get() != "null")
    }

    /// The whole body as received (may hold card secrets; do not log).
    pub fn raw_body(&self) -> &[u8] {
        &self.body
    }

    pub(crate) fn ctx(&self) -> json::Ctx {
        json::Ctx::new(self.operation, self.status, self.body.clone())
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("msg", &self.msg)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Checks a required text field: not blank, no control characters.
///
/// No length limit: the provider's docs give none for any field, and refusing a value the
/// provider would accept is worse than letting the provider judge it. The checks kept protect
/// the wire: an empty required field would be dropped from the signature ("empty values are not
/// signed"), and control characters would be mangled by form encoding on either side.
pub(crate) fn check_text(field: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(crate::Error::validation(
            field,
            "is required and must not be blank",
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(crate::Error::validation(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Checks an identifier: not empty, visible ASCII characters only (no spaces).
///
/// No length limit (the docs give none; see [`check_text`]). Identifiers are kept to visible
/// ASCII because the signature covers their URL-encoded form, whose encoding of spaces and
/// non-ASCII text the docs leave to PHP defaults on the provider's side.
pub(crate) fn check_id(field: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(crate::Error::validation(field, "is required"));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(crate::Error::validation(
            field,
            "must be visible ASCII characters without spaces",
        ));
    }
    Ok(())
}

macro_rules! sealed {
    ($($t:ty),* $(,)?) => { $( impl sealed::Sealed for $t {} )* };
}

#[allow(deprecated)] // The retired list endpoints are still offered, deprecated.
mod seal_impls {
    use super::*;
    sealed!(
        PayRequest,
        QueryOrderRequest,
        QueryCashRequest,
        DrawOrderRequest,
        ConfirmOrderRequest,
        QueryCardCategoryRequest,
        QueryCardListRequest,
        QueryCardInfoRequest,
        QueryCardRequest,
        CardPayOrderRequest,
        CardQueryOrderRequest,
        CardQueryCardListRequest,
        CardQueryCardDetailRequest,
        CardQueryCardRequest,
    );
}

/// Reads a reply body of operation `O` received with HTTP `status`, exactly as
/// [`crate::Client::send`] does after the transport: envelope, `code`, then the typed result.
/// Useful to replay stored replies and in tests.
///
/// ```
/// use jiuyi_dc::api::{QueryCashRequest, read_reply};
/// let balance = read_reply::<QueryCashRequest>(200, r#"{"code":1,"msg":"ok","result":"348.70"}"#)?;
/// assert_eq!(balance.yuan.to_string(), "348.70");
/// # Ok::<(), jiuyi_dc::Error>(())
/// ```
///
/// # Errors
/// [`crate::Error::Api`] for `code` other than 1; [`crate::Error::Decode`] for a body that is not
/// a dcapi envelope or a field of the wrong type.
pub fn read_reply<O: Operation>(status: u16, body: impl Into<Bytes>) -> Result<O::Response> {
    let reply = envelope::read_envelope(O::NAME, status, body.into())?;
    O::parse_reply(&reply)
}
