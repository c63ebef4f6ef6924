//! `POST /h5/deposit` (用户直冲接口): an H5 direct deposit for one of your users.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{DecodeContext, Fields, Idempotency, Operation, private};
use crate::error::Result;
use crate::types::OrderStatus;
use crate::wire::DataFields;

/// Creates an H5 direct deposit (用户直冲). A write: never resent on an unknown outcome.
///
/// Note that this call names the user `member_id`, where the collection order says `customer`.
///
/// ```
/// use gateway_recharge::api::DepositRequest;
/// use rust_decimal::Decimal;
///
/// let req = DepositRequest::new(
///     "user_001",
///     "ORD20250425001",
///     Decimal::new(50000, 2), // 500.00
///     "https://yourapp.com/callback",
///     "https://yourapp.com/return",
///     "Recharge to wallet",
///     "192.168.1.88",
/// );
/// assert_eq!(req.order_no(), "ORD20250425001");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepositRequest {
    member_id: String,
    order_no: String,
    amount: Decimal,
    callback_url: String,
    return_url: String,
    remark: String,
    ip: String,
}

impl DepositRequest {
    /// A deposit, fields in the order of the docs (validated in
    /// [`Client::prepare`](crate::Client::prepare)):
    ///
    /// - `member_id`: your user's id, no whitespace;
    /// - `order_no`: your order number, no whitespace;
    /// - `amount`: positive, at most two decimals, sent as e.g. `"500.00"` (never rounded);
    /// - `callback_url`: where WinPay posts the success callback;
    /// - `return_url`: where the browser goes afterwards;
    /// - `remark`: free text;
    /// - `ip`: the user's IPv4 or IPv6 address.
    pub fn new(
        member_id: impl Into<String>,
        order_no: impl Into<String>,
        amount: Decimal,
        callback_url: impl Into<String>,
        return_url: impl Into<String>,
        remark: impl Into<String>,
        ip: impl Into<String>,
    ) -> Self {
        Self {
            member_id: member_id.into(),
            order_no: order_no.into(),
            amount,
            callback_url: callback_url.into(),
            return_url: return_url.into(),
            remark: remark.into(),
            ip: ip.into(),
        }
    }

    /// Your order number.
    pub fn order_no(&self) -> &str {
        &self.order_no
    }

    /// The amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }
}

impl private::Sealed for DepositRequest {}

impl Operation for DepositRequest {
    const NAME: &'static str = "deposit";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;

    type Response = DepositResponse;

    fn path(&self) -> &str {
        "/h5/deposit"
    }

    fn order_no(&self) -> Option<&str> {
        Some(&self.order_no)
    }

    fn wire_fields(&self, merchant_no: &str, time: &str) -> Result<Vec<(String, String)>> {
        Ok(Fields::with_capacity(10)
            .trusted("merchant_no", merchant_no)
            .id("member_id", &self.member_id)?
            .id("order_no", &self.order_no)?
            .amount("amount", self.amount)?
            .url("callback_url", &self.callback_url)?
            .url("return_url", &self.return_url)?
            .text("remark", &self.remark)?
            .ip("ip", &self.ip)?
            .trusted("time", time)
            .finish())
    }

    fn decode_data(
        &self,
        data: Option<&str>,
        _ctx: &DecodeContext,
    ) -> std::result::Result<DepositResponse, String> {
        let mut d = DataFields::parse(data)?;
        Ok(DepositResponse {
            trade_no: d.non_empty("trade_no")?,
            status: d.status("status")?,
            deposit_page_url: d.url("deposit_page_url")?,
            extra: d.extra(),
        })
    }
}

/// The created deposit.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DepositResponse {
    /// WinPay's order number (`trade_no`).
    pub trade_no: String,
    /// `pending` or `success`.
    pub status: OrderStatus,
    /// The deposit page to send the user to (`deposit_page_url`).
    pub deposit_page_url: String,
    /// Fields the docs do not list, as text (nested values as raw JSON).
    pub extra: BTreeMap<String, String>,
}
