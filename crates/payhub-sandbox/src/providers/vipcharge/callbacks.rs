//! vipcharge's status callbacks: the order body and its signed headers.

use serde::Serialize;
use serde_json::value::RawValue;

use super::auth::string_to_sign;
use super::wire::{num, order_status, payload_text};
use super::{SignKind, Vipcharge};
use crate::{Notify, Order, OrderState, ProviderCtx, StateChange};

impl Vipcharge {
    /// The signed callback for a state change (the `notify` hook).
    pub(super) fn notify_for(
        &self,
        ctx: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Option<Notify> {
        order.notify_url.as_ref()?;
        let merchant = self.inner.merchant(&order.merchant_id)?;
        let kind = if payload_text(order, "signType").as_deref() == Some("MD5") {
            SignKind::Md5
        } else {
            SignKind::Rsa
        };
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body {
            order_code: String,
            biz_code: String,
            order_status: i64,
            account: Option<String>,
            product_code: Option<String>,
            settlement_price: Box<RawValue>,
            #[serde(skip_serializing_if = "Option::is_none")]
            finish_time: Option<i64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            fail_reason: Option<String>,
        }
        let body = serde_json::to_vec(&Body {
            order_code: order.platform_order_no.clone(),
            biz_code: order.merchant_order_no.clone(),
            order_status: order_status(order.state),
            account: payload_text(order, "account"),
            product_code: payload_text(order, "productCode"),
            settlement_price: num(order.amount),
            finish_time: order.completed_at.map(|t| t.unix_millis()),
            fail_reason: matches!(order.state, OrderState::Failed | OrderState::Cancelled)
                .then(|| order.reason.clone())
                .flatten(),
        })
        .ok()?;
        let nonce = ctx.next_order_no("CB");
        let ts = change.at.unix_millis().to_string();
        let message = string_to_sign(&merchant.business_id, &nonce, None, &ts, &body);
        let sign = self.inner.sign(merchant, kind, &message)?;
        Some(
            Notify::post(body)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("businessId", &merchant.business_id)
                .header("nonce", nonce)
                .header("timestamp", ts)
                .header("sign", sign),
        )
    }
}
