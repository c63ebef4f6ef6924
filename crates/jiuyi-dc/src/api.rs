//! The endpoints of the dcapi family, one module each, and the [`Operation`] trait that ties a
//! request type to its path, its unsigned fields, its idempotency and its reply type.
//!
//! | path | request | notes |
//! |------|---------|-------|
//! | `/dcapi/pay` | [`pay::PayRequest`] | direct-recharge order (create, never resent) |
//! | `/dcapi/queryOrder` | [`query_order::QueryOrderRequest`] | direct-recharge order query |
//! | `/dcapi/queryCash` | [`query_cash::QueryCashRequest`] | balance in yuan |
//! | `/dcapi/drawOrder` | [`draw_order::DrawOrderRequest`] | cancel, only while waiting |
//! | `/dcapi/confirmOrder` | [`confirm_order::ConfirmOrderRequest`] | confirm receipt early |
//! | `/dcapi/queryCardCategory` | [`query_card_category::QueryCardCategoryRequest`] | categories |
//! | `/dcapi/queryCardList` | [`query_card_list::QueryCardListRequest`] | product list |
//! | `/dcapi/queryCardInfo` | [`query_card_info::QueryCardInfoRequest`] | one product |
//! | `/dcapi/queryCard` | [`query_card::QueryCardRequest`] | retired list (deprecated) |
//! | `/dcapi/card/payOrder` | [`card_pay_order::CardPayOrderRequest`] | card-code purchase (create) |
//! | `/dcapi/card/queryOrder` | [`card_query_order::CardQueryOrderRequest`] | card order query |
//! | `/dcapi/card/queryCardList` | [`card_query_card_list::CardQueryCardListRequest`] | card list |
//! | `/dcapi/card/queryCardDetail` | [`card_query_card_detail::CardQueryCardDetailRequest`] | one card product |
//! | `/dcapi/card/queryCard` | [`card_query_card::CardQueryCardRequest`] | retired list (deprecated) |

use std::fmt;

use bytes::Bytes;
use payhub_runtime::Idempotency;
use serde_json::value::RawValue;

use crate::Result;

pub mod card_pay_order;
pub mod card_query_card;
pub mod card_query_card_detail;
pub mod card_query_card_list;
pub mod card_query_order;
pub mod confirm_order;
pub mod draw_order;
pub mod pay;
pub mod query_card;
pub mod query_card_category;
pub mod query_card_info;
pub mod query_card_list;
pub mod query_cash;
pub mod query_order;

pub(crate) mod json;
mod products;

pub use json::Other;
pub use products::{
    CardPrice, CardProduct, Category, DirectProduct, DirectProductGroup, ProductPage,
};

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
        pay::PayRequest,
        query_order::QueryOrderRequest,
        query_cash::QueryCashRequest,
        draw_order::DrawOrderRequest,
        confirm_order::ConfirmOrderRequest,
        query_card_category::QueryCardCategoryRequest,
        query_card_list::QueryCardListRequest,
        query_card_info::QueryCardInfoRequest,
        query_card::QueryCardRequest,
        card_pay_order::CardPayOrderRequest,
        card_query_order::CardQueryOrderRequest,
        card_query_card_list::CardQueryCardListRequest,
        card_query_card_detail::CardQueryCardDetailRequest,
        card_query_card::CardQueryCardRequest,
    );
}

/// Reads a reply body of operation `O` received with HTTP `status`, exactly as
/// [`crate::Client::send`] does after the transport: envelope, `code`, then the typed result.
/// Useful to replay stored replies and in tests.
///
/// ```
/// use jiuyi_dc::api::{read_reply, query_cash::QueryCashRequest};
/// let balance = read_reply::<QueryCashRequest>(200, r#"{"code":1,"msg":"ok","result":"348.70"}"#)?;
/// assert_eq!(balance.yuan.to_string(), "348.70");
/// # Ok::<(), jiuyi_dc::Error>(())
/// ```
///
/// # Errors
/// [`crate::Error::Api`] for `code` other than 1; [`crate::Error::Decode`] for a body that is not
/// a dcapi envelope or a field of the wrong type.
pub fn read_reply<O: Operation>(status: u16, body: impl Into<Bytes>) -> Result<O::Response> {
    let reply = crate::client::read_envelope(O::NAME, status, body.into())?;
    O::parse_reply(&reply)
}
