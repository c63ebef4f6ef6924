//! Balance inquiry, `POST /v1/merchant/balance` (the address line says POST; one curl example
//! says GET).

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{
    Idempotency, Method, Operation, ReplyMeta, WireContext, check_code, need, private, to_json,
};
use crate::error::Result;
use crate::types::{Chain, Currency, Network, UnixMillis, minor_to_decimal};
use crate::wire::{FieldError, Fields};

/// The merchant balance of one currency on one chain.
///
/// ```
/// use tokenpay::api::BalanceRequest;
/// use tokenpay::types::{Chain, Currency};
/// let _req = BalanceRequest::new(Chain::Tron, Currency::Usdt);
/// ```
#[derive(Clone, Debug)]
pub struct BalanceRequest {
    chain: Chain,
    currency: Currency,
}

impl BalanceRequest {
    /// The balance of `currency` on `chain`.
    pub fn new(chain: Chain, currency: Currency) -> Self {
        Self { chain, currency }
    }
}

#[derive(Serialize)]
struct Wire<'a> {
    chain: &'a str,
    currency: &'a str,
}

impl private::Sealed for BalanceRequest {}

impl Operation for BalanceRequest {
    type Response = BalanceResponse;
    const NAME: &'static str = "balance";
    const METHOD: Method = Method::Post;
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    fn path_and_query(&self, _: &WireContext<'_>) -> String {
        "/v1/merchant/balance".to_owned()
    }

    fn reference(&self) -> Option<(&'static str, &str)> {
        Some(("currency", self.currency.as_str()))
    }

    fn validate(&self) -> Result<()> {
        check_code("chain", self.chain.as_str())?;
        check_code("currency", self.currency.as_str())
    }

    fn body(&self, ctx: &WireContext<'_>) -> Result<Vec<u8>> {
        to_json(
            ctx,
            Wire {
                chain: self.chain.as_str(),
                currency: self.currency.as_str(),
            },
        )
    }

    fn parse_data(
        data: Option<&str>,
        meta: ReplyMeta,
        _: &WireContext<'_>,
    ) -> std::result::Result<BalanceResponse, String> {
        let balance = parse_balance(need(data)?).map_err(|e| e.render())?;
        Ok(BalanceResponse {
            balance,
            request_id: meta.request_id,
        })
    }
}

fn parse_balance(text: &str) -> std::result::Result<MerchantBalance, FieldError> {
    let mut f = Fields::parse("data", text)?;
    let minor = f
        .u128_opt("balance")?
        .ok_or_else(|| FieldError::new("data.balance", "is missing"))?;
    let decimal = f
        .u32_opt("decimal")?
        .or(f.u32_opt("decimals")?)
        .ok_or_else(|| {
            FieldError::new("data.decimal", "is missing, so `balance` cannot be scaled")
        })?;
    let balance = minor_to_decimal(minor, decimal).ok_or_else(|| {
        FieldError::new(
            "data.balance",
            format!("`{minor}` with {decimal} decimals does not fit a decimal"),
        )
    })?;
    Ok(MerchantBalance {
        merchant_id: f.i64_opt("merchant_id")?,
        mch_id: f.str_opt("mch_id")?,
        network: f.parse_opt("network")?,
        chain: f.parse_opt("chain")?,
        currency: f.parse_opt("currency")?,
        balance,
        balance_minor: minor,
        decimal,
        create_time: f.time_opt("create_time")?,
        modify_time: f.time_opt("modify_time")?,
        cash_time: f.time_opt("cash_time")?,
        extra: f.extra(),
    })
}

/// A balance (`merchantBalance`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct MerchantBalance {
    /// tokenpay's internal merchant number.
    pub merchant_id: Option<i64>,
    /// The merchant id.
    pub mch_id: Option<String>,
    /// Token standard.
    pub network: Option<Network>,
    /// Chain.
    pub chain: Option<Chain>,
    /// Currency.
    pub currency: Option<Currency>,
    /// The balance in major units (`balance` scaled by `decimal`).
    pub balance: Decimal,
    /// The balance as sent, in minor units.
    pub balance_minor: u128,
    /// Precision.
    pub decimal: u32,
    /// `create_time`.
    pub create_time: Option<UnixMillis>,
    /// `modify_time`.
    pub modify_time: Option<UnixMillis>,
    /// Last withdrawal (`cash_time`).
    pub cash_time: Option<UnixMillis>,
    /// Members this crate does not type.
    pub extra: Map<String, Value>,
}

/// The balance.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BalanceResponse {
    /// The balance.
    pub balance: MerchantBalance,
    /// tokenpay's `request_id`.
    pub request_id: Option<String>,
}
