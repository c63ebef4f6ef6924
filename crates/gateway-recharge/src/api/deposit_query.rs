//! `POST /h5/deposit_query` (用户充值订单查询): the state of a deposit by your order number.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use time::OffsetDateTime;

use super::{DecodeContext, Fields, Idempotency, Operation, private};
use crate::error::Result;
use crate::types::OrderStatus;
use crate::wire::DataFields;

/// Queries a deposit by your order number. A read: retried on transient failures.
///
/// This is also what [`Client::reconcile`](crate::Client::reconcile) sends. Whether WinPay
/// finds `/gateway/recharge` orders through it is not documented; see
/// [`ClientBuilder::reconcile_path`](crate::ClientBuilder::reconcile_path).
///
/// ```
/// use gateway_recharge::api::DepositQueryRequest;
/// assert_eq!(DepositQueryRequest::new("ORD20250425001").order_no(), "ORD20250425001");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepositQueryRequest {
    order_no: String,
    path: Option<String>,
}

impl DepositQueryRequest {
    /// A query for `order_no`.
    pub fn new(order_no: impl Into<String>) -> Self {
        Self {
            order_no: order_no.into(),
            path: None,
        }
    }

    /// Sends the same fields to another path (used by
    /// [`Client::reconcile`](crate::Client::reconcile) with a configured query path).
    pub(crate) fn at_path(mut self, path: &str) -> Self {
        if path != DEFAULT_PATH {
            self.path = Some(path.to_owned());
        }
        self
    }

    /// Your order number.
    pub fn order_no(&self) -> &str {
        &self.order_no
    }
}

/// The documented query path.
pub(crate) const DEFAULT_PATH: &str = "/h5/deposit_query";

impl private::Sealed for DepositQueryRequest {}

impl Operation for DepositQueryRequest {
    const NAME: &'static str = "deposit_query";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    type Response = DepositQueryResponse;

    fn path(&self) -> &str {
        self.path.as_deref().unwrap_or(DEFAULT_PATH)
    }

    fn order_no(&self) -> Option<&str> {
        Some(&self.order_no)
    }

    fn wire_fields(&self, merchant_no: &str, time: &str) -> Result<Vec<(String, String)>> {
        Ok(Fields::with_capacity(3)
            .trusted("merchant_no", merchant_no)
            .id("order_no", &self.order_no)?
            .trusted("time", time)
            .finish())
    }

    fn decode_data(
        &self,
        data: Option<&str>,
        ctx: &DecodeContext,
    ) -> std::result::Result<DepositQueryResponse, String> {
        let mut d = DataFields::parse(data)?;
        Ok(DepositQueryResponse {
            order_no: d.non_empty("order_no")?,
            amount: d.decimal("amount")?,
            status: d.status("status")?,
            trade_no: d.non_empty("trade_no")?,
            trade_time: d.local_time("trade_time", ctx.provider_offset())?,
            extra: d.extra(),
        })
    }
}

/// The state of a deposit.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DepositQueryResponse {
    /// Your order number.
    pub order_no: String,
    /// The amount (`"100"` or `"100.00"`; read from its text).
    pub amount: Decimal,
    /// `pending` or `success`.
    pub status: OrderStatus,
    /// WinPay's order number.
    pub trade_no: String,
    /// `trade_time`, provider-local (`Y-m-d H:i:s`, UTC+8 unless configured) as an instant.
    pub trade_time: OffsetDateTime,
    /// Fields the docs do not list, as text (nested values as raw JSON).
    pub extra: BTreeMap<String, String>,
}
