//! 91 card (`jiuyi-dc`) in the unified vocabulary: [`Recharge`] over direct recharges, status
//! mapping, notification facts.

use jiuyi_dc::api::{PayRequest, QueryOrderRequest};
use jiuyi_dc::notify::Notification;
use jiuyi_dc::types::OrderStatus;

use crate::{Error, NotificationFacts, PaymentStatus, Provider, Recharge, RechargeReceipt};

/// Statuses 3 (success, awaiting confirmation) and 4 (completed) are `Paid`: the account was
/// recharged, which is what a merchant fulfils on. Status 3 can still turn into 5 (disputed)
/// until it is confirmed (by you, or automatically after 24 hours), so the provider's own status
/// (`jiuyi_dc::types::OrderStatus::is_final`) is the one to watch for the dispute window.
/// 5 (success, in dispute) is `Disputed`: paid (`is_paid`), not final (`is_final` is `false`),
/// so it is queried again until the dispute ends.
pub(crate) fn order_status(s: &OrderStatus) -> PaymentStatus {
    match s {
        OrderStatus::Waiting | OrderStatus::Matching | OrderStatus::Charging => {
            PaymentStatus::Pending
        }
        OrderStatus::SuccessAwaitingConfirmation | OrderStatus::Completed => PaymentStatus::Paid,
        OrderStatus::Disputed => PaymentStatus::Disputed,
        OrderStatus::Failed => PaymentStatus::Failed,
        other => PaymentStatus::Unknown(other.as_str().to_owned()),
    }
}

pub(crate) fn status(n: &Notification) -> PaymentStatus {
    order_status(&n.status)
}

pub(crate) fn facts(n: &Notification) -> NotificationFacts {
    NotificationFacts {
        merchant_order_no: n.out_order_id.clone(),
        // A direct-recharge notify says what was delivered, never an amount.
        amount: None,
        currency: None,
        amount_applies: false,
        cost: None,
    }
}

impl Recharge for jiuyi_dc::Client {
    type Request = PayRequest;

    async fn recharge(&self, request: &PayRequest) -> Result<RechargeReceipt, Error> {
        let reply = self.send(request).await?;
        Ok(RechargeReceipt {
            provider: Provider::JiuyiDc,
            merchant_order_no: request.out_order_id().to_owned(),
            provider_order_no: Some(reply.order_id),
            status: PaymentStatus::Pending,
            cost: reply.price,
        })
    }

    async fn recharge_status(&self, merchant_order_no: &str) -> Result<PaymentStatus, Error> {
        // A query, not `reconcile`: an order the provider does not have stays an error here.
        let query = QueryOrderRequest::by_out_order_id(merchant_order_no);
        let order = self.send(&query).await?;
        Ok(order_status(&order.status))
    }
}

impl From<&OrderStatus> for PaymentStatus {
    fn from(s: &OrderStatus) -> Self {
        order_status(s)
    }
}
