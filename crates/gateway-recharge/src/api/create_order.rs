//! `POST /gateway/recharge` (代收下单接口): create a collection order and get its cashier URL.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use time::OffsetDateTime;

use super::{DecodeContext, Fields, Idempotency, Operation, private};
use crate::error::Result;
use crate::wire::DataFields;

/// Creates a collection order (代收下单). A write: never resent on an unknown outcome.
///
/// Every field is required by WinPay; the constructor takes them in the order of the docs.
///
/// ```
/// use gateway_recharge::api::CreateOrderRequest;
/// use rust_decimal::Decimal;
///
/// let req = CreateOrderRequest::new(
///     "ORD1234567890",
///     Decimal::new(10000, 2), // 100.00
///     "Test order",
///     "user123",
///     "192.168.1.1",
///     "https://yourapp.com/callback",
///     "https://yourapp.com/return",
/// );
/// assert_eq!(req.order_no(), "ORD1234567890");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateOrderRequest {
    order_no: String,
    amount: Decimal,
    remark: String,
    customer: String,
    ip: String,
    callback_url: String,
    return_url: String,
}

impl CreateOrderRequest {
    /// A collection order. Validation happens in [`Client::prepare`](crate::Client::prepare):
    ///
    /// - `order_no`: your order number (`order_no`), no whitespace;
    /// - `amount`: positive, at most two decimals, sent as e.g. `"100.00"` (never rounded);
    /// - `remark`: free text, echoed in the callback;
    /// - `customer`: your end user's id (`customer`), no whitespace;
    /// - `ip`: the end user's IPv4 or IPv6 address;
    /// - `callback_url`: where WinPay posts the success callback;
    /// - `return_url`: where the browser goes after paying.
    pub fn new(
        order_no: impl Into<String>,
        amount: Decimal,
        remark: impl Into<String>,
        customer: impl Into<String>,
        ip: impl Into<String>,
        callback_url: impl Into<String>,
        return_url: impl Into<String>,
    ) -> Self {
        Self {
            order_no: order_no.into(),
            amount,
            remark: remark.into(),
            customer: customer.into(),
            ip: ip.into(),
            callback_url: callback_url.into(),
            return_url: return_url.into(),
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

impl private::Sealed for CreateOrderRequest {}

impl Operation for CreateOrderRequest {
    const NAME: &'static str = "create_order";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;

    type Response = CreateOrderResponse;

    fn path(&self) -> &str {
        "/gateway/recharge"
    }

    fn order_no(&self) -> Option<&str> {
        Some(&self.order_no)
    }

    fn wire_fields(&self, merchant_no: &str, time: &str) -> Result<Vec<(String, String)>> {
        Ok(Fields::with_capacity(9)
            .trusted("merchant_no", merchant_no)
            .id("order_no", &self.order_no)?
            .amount("amount", self.amount)?
            .text("remark", &self.remark)?
            .id("customer", &self.customer)?
            .ip("ip", &self.ip)?
            .url("callback_url", &self.callback_url)?
            .url("return_url", &self.return_url)?
            .trusted("time", time)
            .finish())
    }

    fn decode_data(
        &self,
        data: Option<&str>,
        ctx: &DecodeContext,
    ) -> std::result::Result<CreateOrderResponse, String> {
        let mut d = DataFields::parse(data)?;
        let trade_no = d.non_empty("trade_no")?;
        let hash = d.text("hash")?;
        let qr_code = d.text("qr_code")?;
        let url = d.url("url")?;
        let pay_timeout_secs = d.u64("pay_timeout")?;
        let expires_at = i64::try_from(pay_timeout_secs)
            .ok()
            .and_then(|s| ctx.now().checked_add(time::Duration::seconds(s)))
            .ok_or_else(|| format!("`data.pay_timeout` is out of range ({pay_timeout_secs})"))?;
        Ok(CreateOrderResponse {
            trade_no,
            hash,
            qr_code,
            url,
            pay_timeout_secs,
            expires_at,
            extra: d.extra(),
        })
    }
}

/// The created collection order: where to send the payer, and until when.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateOrderResponse {
    /// WinPay's order number (`trade_no`), e.g. `RR241115223531937981`.
    pub trade_no: String,
    /// The encrypted cashier token (`hash`), also in the `?hash=` of [`Self::url`].
    pub hash: String,
    /// A deep link / QR payload (`qr_code`, e.g. `rsn://r/RR…`): render it as a QR code as is.
    pub qr_code: String,
    /// The cashier page (`url`) to send the payer to; checked to be an absolute http(s) URL.
    pub url: String,
    /// The payment window in seconds (`pay_timeout`, e.g. `3600`).
    pub pay_timeout_secs: u64,
    /// When the payment window closes: the client's clock when the reply was read plus
    /// `pay_timeout`.
    pub expires_at: OffsetDateTime,
    /// Fields the docs do not list, as text (nested values as raw JSON).
    pub extra: BTreeMap<String, String>,
}

impl CreateOrderResponse {
    /// The payment window as a duration.
    pub fn pay_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.pay_timeout_secs)
    }
}
