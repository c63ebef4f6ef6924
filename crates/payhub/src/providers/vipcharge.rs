//! The redemption open API (`vipcharge`) in the unified vocabulary: [`Recharge`] over VIP
//! charges, status mapping, notification facts.

use vipcharge::api::{OrderInfoRequest, VipChargeRequest};
use vipcharge::notify::Notification;
use vipcharge::types::OrderStatus;

use crate::{Error, NotificationFacts, PaymentStatus, Provider, Recharge, RechargeReceipt};

/// What a status report without a status maps to: `Unknown("(no status)")`.
pub(crate) const NO_STATUS: &str = "(no status)";

pub(crate) fn order_status(s: Option<&OrderStatus>) -> PaymentStatus {
    match s {
        Some(OrderStatus::Accepted | OrderStatus::Processing) => PaymentStatus::Pending,
        Some(OrderStatus::Success) => PaymentStatus::Paid,
        Some(OrderStatus::Failed | OrderStatus::Cancelled) => PaymentStatus::Failed,
        Some(other) => PaymentStatus::Unknown(other.as_str().to_owned()),
        // Status reports may omit the status (the provider's own example does): query the order.
        None => PaymentStatus::Unknown(NO_STATUS.to_owned()),
    }
}

pub(crate) fn status(n: &Notification) -> PaymentStatus {
    order_status(n.status())
}

/// `settlementPrice` is what the merchant pays the platform (the cost), not the order amount:
/// a status report carries no order amount, so `amount` is `None` and not applicable.
pub(crate) fn facts(n: &Notification) -> NotificationFacts {
    NotificationFacts {
        merchant_order_no: n.biz_code().unwrap_or_default().to_owned(),
        amount: None,
        currency: None,
        amount_applies: false,
        cost: n.cost(),
    }
}

impl Recharge for vipcharge::Client {
    type Request = VipChargeRequest;

    async fn recharge(&self, request: &VipChargeRequest) -> Result<RechargeReceipt, Error> {
        let reply = self.send(request).await?;
        // `status` 0 accepted the order; a reply without `orderCode` is still an accepted order,
        // known by its `bizCode`.
        Ok(RechargeReceipt {
            provider: Provider::Vipcharge,
            merchant_order_no: request.biz_code().to_owned(),
            provider_order_no: reply.order_code().map(str::to_owned),
            status: PaymentStatus::Pending,
            cost: reply.cost(),
        })
    }

    async fn recharge_status(&self, merchant_order_no: &str) -> Result<PaymentStatus, Error> {
        // The order query itself: an order the platform does not have stays an error (status 7).
        let info = self
            .send(&OrderInfoRequest::by_biz_code(merchant_order_no))
            .await?;
        Ok(order_status(info.status()))
    }
}

impl From<&OrderStatus> for PaymentStatus {
    fn from(s: &OrderStatus) -> Self {
        order_status(Some(s))
    }
}
