//! Payout creation, `POST /v1/payanother/payment` (or `/v1/payout/payment`, see
//! [`super::PayoutPaths`]).

use rust_decimal::Decimal;
use serde::Serialize;

use super::{
    Idempotency, Method, Operation, ReplyMeta, TransactionDetail, WireContext, check_chain_address,
    check_code, check_text, check_url, opt, parse_transaction, private, to_json,
};
use crate::error::{Error, Result};
use crate::types::{Chain, Currency};

/// A payout amount. The docs type it as a string without naming the unit; major units (like
/// the order amount) is the default reading, minor units are available if your account is set
/// up that way. Both are written as a JSON string of digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayoutAmount {
    /// Major units, e.g. `12.5` USDT, written as `"12.5"` (default reading).
    Major(Decimal),
    /// Minor units, e.g. `12500000` for 12.5 USDT, written as `"12500000"`.
    Minor(u128),
}

impl From<Decimal> for PayoutAmount {
    fn from(d: Decimal) -> Self {
        Self::Major(d)
    }
}

impl PayoutAmount {
    fn wire(self) -> String {
        match self {
            Self::Major(d) => d.normalize().to_string(),
            Self::Minor(u) => u.to_string(),
        }
    }
}

/// Sends crypto from the merchant balance to `to_address`.
///
/// The docs mark `out_trade_no` optional; this SDK requires it, so that a payout whose outcome
/// is unknown can be looked up ([`crate::Client::reconcile_payout`]) instead of being sent twice.
///
/// ```
/// use std::str::FromStr;
/// use rust_decimal::Decimal;
/// use tokenpay::api::CreatePayoutRequest;
/// use tokenpay::types::{Chain, Currency};
/// let req = CreatePayoutRequest::new(
///     "P-77",
///     Decimal::from_str("25").unwrap(),
///     Chain::Tron,
///     Currency::Usdt,
///     "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
/// )
/// .notify_url("https://merchant.example/tokenpay/payout");
/// assert_eq!(req.out_trade_no(), "P-77");
/// ```
#[derive(Clone, Debug)]
pub struct CreatePayoutRequest {
    out_trade_no: String,
    amount: PayoutAmount,
    chain: Chain,
    currency: Currency,
    to_address: String,
    description: Option<String>,
    attach: Option<String>,
    notify_url: Option<String>,
    address_checksum: bool,
}

impl CreatePayoutRequest {
    /// A payout of `amount` (a [`Decimal`] means major units) to `to_address`.
    pub fn new(
        out_trade_no: impl Into<String>,
        amount: impl Into<PayoutAmount>,
        chain: Chain,
        currency: Currency,
        to_address: impl Into<String>,
    ) -> Self {
        Self {
            out_trade_no: out_trade_no.into(),
            amount: amount.into(),
            chain,
            currency,
            to_address: to_address.into(),
            description: None,
            attach: None,
            notify_url: None,
            address_checksum: true,
        }
    }

    /// A description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// A value echoed back.
    #[must_use]
    pub fn attach(mut self, attach: impl Into<String>) -> Self {
        self.attach = Some(attach.into());
        self
    }

    /// Where tokenpay sends the payout callback (absolute http(s) URL).
    #[must_use]
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// Checks `to_address` for shape only, not its checksum. A mistyped address loses the money:
    /// use it only for addresses you cannot check.
    #[must_use]
    pub fn danger_skip_address_checksum(mut self) -> Self {
        self.address_checksum = false;
        self
    }

    /// The merchant's payout number.
    pub fn out_trade_no(&self) -> &str {
        &self.out_trade_no
    }
}

#[derive(Serialize)]
struct Wire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    out_trade_no: &'a str,
    amount: String,
    chain: &'a str,
    currency: &'a str,
    to_address: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    attach: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_url: Option<&'a str>,
}

impl private::Sealed for CreatePayoutRequest {}

impl Operation for CreatePayoutRequest {
    type Response = CreatePayoutResponse;
    const NAME: &'static str = "create_payout";
    const METHOD: Method = Method::Post;
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;

    fn path_and_query(&self, ctx: &WireContext<'_>) -> String {
        format!("{}/payment", ctx.payout_paths.prefix())
    }

    fn reference(&self) -> Option<(&'static str, &str)> {
        Some(("out_trade_no", &self.out_trade_no))
    }

    fn validate(&self) -> Result<()> {
        check_text("out_trade_no", &self.out_trade_no)?;
        match self.amount {
            PayoutAmount::Major(d) if d <= Decimal::ZERO => {
                return Err(Error::validation("amount", "must be greater than zero"));
            }
            PayoutAmount::Major(d) if d.normalize().scale() > 18 => {
                return Err(Error::validation(
                    "amount",
                    "must have at most 18 decimal places",
                ));
            }
            PayoutAmount::Minor(0) => {
                return Err(Error::validation("amount", "must be greater than zero"));
            }
            _ => {}
        }
        check_code("chain", self.chain.as_str())?;
        check_code("currency", self.currency.as_str())?;
        check_chain_address(
            "to_address",
            &self.chain,
            &self.to_address,
            self.address_checksum,
        )?;
        if let Some(d) = &self.description {
            check_text("description", d)?;
        }
        if let Some(a) = &self.attach
            && a.is_empty()
        {
            return Err(Error::validation("attach", "must not be empty when set"));
        }
        if let Some(u) = &self.notify_url {
            check_url("notify_url", u)?;
        }
        Ok(())
    }

    fn body(&self, ctx: &WireContext<'_>) -> Result<Vec<u8>> {
        to_json(
            ctx,
            Wire {
                description: opt(&self.description),
                out_trade_no: &self.out_trade_no,
                amount: self.amount.wire(),
                chain: self.chain.as_str(),
                currency: self.currency.as_str(),
                to_address: &self.to_address,
                attach: opt(&self.attach),
                notify_url: opt(&self.notify_url),
            },
        )
    }

    fn parse_data(
        data: Option<&str>,
        meta: ReplyMeta,
        _: &WireContext<'_>,
    ) -> std::result::Result<CreatePayoutResponse, String> {
        let payout = data
            .map(|d| parse_transaction("data", d))
            .transpose()
            .map_err(|e| e.render())?;
        Ok(CreatePayoutResponse {
            payout,
            request_id: meta.request_id,
        })
    }
}

/// The created payout.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CreatePayoutResponse {
    /// The payout as tokenpay recorded it (absent if the reply carries no `data`).
    pub payout: Option<TransactionDetail>,
    /// tokenpay's `request_id`.
    pub request_id: Option<String>,
}
