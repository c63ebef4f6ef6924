//! `POST /v1/openapi/merchant/business/balance` (查询业务余额): the business balance.

use payhub_runtime::Idempotency;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{BodyContext, FromReply, Operation, ParseContext, Sealed};
use crate::error::{DecodeError, ValidationError};
use crate::wire::Fields;

/// Queries the balance of the client's business. The body is the client's `businessId` and
/// `merchantId` (in that order, as in the docs' signature example).
///
/// ```
/// let req = vipcharge::api::BalanceRequest::new();
/// # let _ = req;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BalanceRequest {
    _private: (),
}

impl BalanceRequest {
    /// The balance query (it has no parameters of its own).
    pub fn new() -> Self {
        Self::default()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    business_id: &'a str,
    merchant_id: &'a str,
}

impl Sealed for BalanceRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&Wire {
            business_id: ctx.business_id,
            merchant_id: ctx.merchant_id,
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        None
    }
}

impl Operation for BalanceRequest {
    type Response = BalanceResponse;
    const NAME: &'static str = "business/balance";
    const PATH: &'static str = "/v1/openapi/merchant/business/balance";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
}

/// The business balance.
///
/// The reply page is cut after `data`; the fields read here are those of the docs' envelope
/// example (`merchantId`, `businessId`, `creditLine` = credit limit, `amount` = balance). Every
/// other field is kept in [`BalanceResponse::extra`].
#[derive(Clone, Debug, PartialEq)]
pub struct BalanceResponse {
    merchant_id: Option<String>,
    business_id: Option<String>,
    credit_line: Option<Decimal>,
    amount: Option<Decimal>,
    extra: Map<String, Value>,
}

impl BalanceResponse {
    /// The merchant ID echoed back.
    pub fn merchant_id(&self) -> Option<&str> {
        self.merchant_id.as_deref()
    }

    /// The business ID echoed back.
    pub fn business_id(&self) -> Option<&str> {
        self.business_id.as_deref()
    }

    /// The credit limit (`creditLine`), read from its text.
    pub fn credit_line(&self) -> Option<Decimal> {
        self.credit_line
    }

    /// The balance (`amount`), read from its text.
    pub fn amount(&self) -> Option<Decimal> {
        self.amount
    }

    /// Fields of `data` this version does not type, as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

impl FromReply for BalanceResponse {
    fn from_reply(data: Option<&RawValue>, _ctx: &ParseContext<'_>) -> Result<Self, DecodeError> {
        let mut f = Fields::data(data)?;
        Ok(Self {
            merchant_id: f.opt_string("merchantId")?,
            business_id: f.opt_string("businessId")?,
            credit_line: f.opt_decimal("creditLine")?,
            amount: f.opt_decimal("amount")?,
            extra: f.rest(),
        })
    }
}
