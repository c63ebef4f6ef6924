//! `POST /gateway/balance` (余额查询接口): the merchant balance.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{DecodeContext, Fields, Idempotency, Operation, private};
use crate::error::Result;
use crate::wire::DataFields;

/// Queries the merchant balance. A read: retried on transient failures.
///
/// ```
/// use gateway_recharge::api::BalanceRequest;
/// let _req = BalanceRequest::new();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BalanceRequest;

impl BalanceRequest {
    /// The balance query (it has no fields of its own: `merchant_no` and `time` only).
    pub fn new() -> Self {
        Self
    }
}

impl Default for BalanceRequest {
    fn default() -> Self {
        Self::new()
    }
}

impl private::Sealed for BalanceRequest {}

impl Operation for BalanceRequest {
    const NAME: &'static str = "balance";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    type Response = BalanceResponse;

    fn path(&self) -> &str {
        "/gateway/balance"
    }

    fn order_no(&self) -> Option<&str> {
        None
    }

    fn wire_fields(&self, merchant_no: &str, time: &str) -> Result<Vec<(String, String)>> {
        Ok(Fields::with_capacity(2)
            .trusted("merchant_no", merchant_no)
            .trusted("time", time)
            .finish())
    }

    fn decode_data(
        &self,
        data: Option<&str>,
        _ctx: &DecodeContext,
    ) -> std::result::Result<BalanceResponse, String> {
        let mut d = DataFields::parse(data)?;
        Ok(BalanceResponse {
            balance: d.decimal("balance")?,
            freeze: d.decimal("freeze")?,
            extra: d.extra(),
        })
    }
}

/// The merchant balance, as WinPay writes it (four decimals, e.g. `90062.0000`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BalanceResponse {
    /// The balance (`balance`).
    pub balance: Decimal,
    /// The frozen amount (`freeze`).
    pub freeze: Decimal,
    /// Fields the docs do not list, as text (nested values as raw JSON).
    pub extra: BTreeMap<String, String>,
}
