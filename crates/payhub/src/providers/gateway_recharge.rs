//! WinPay (`gateway-recharge`) in the unified vocabulary: [`Checkout`] over collection orders,
//! status mapping, notification facts.

use gateway_recharge::api::{CreateOrderRequest, DepositQueryRequest};
use gateway_recharge::notify::Notification;
use gateway_recharge::types::OrderStatus;

use crate::{Checkout, Error, NotificationFacts, PaymentLink, PaymentStatus, Provider};

pub(crate) fn order_status(s: &OrderStatus) -> PaymentStatus {
    match s {
        OrderStatus::Pending => PaymentStatus::Pending,
        OrderStatus::Success => PaymentStatus::Paid,
        other => PaymentStatus::Unknown(other.as_str().to_owned()),
    }
}

pub(crate) fn status(n: &Notification) -> PaymentStatus {
    order_status(&n.status)
}

pub(crate) fn facts(n: &Notification) -> NotificationFacts {
    NotificationFacts {
        merchant_order_no: n.order_no.clone(),
        amount: Some(n.amount),
        currency: None,
        amount_applies: true,
        cost: None,
    }
}

impl Checkout for gateway_recharge::Client {
    type Request = CreateOrderRequest;

    async fn create_checkout(&self, request: &CreateOrderRequest) -> Result<PaymentLink, Error> {
        let reply = self.send(request).await?;
        Ok(PaymentLink {
            provider: Provider::GatewayRecharge,
            merchant_order_no: request.order_no().to_owned(),
            provider_order_no: reply.trade_no,
            url: Some(reply.url),
            qr: Some(reply.qr_code).filter(|q| !q.is_empty()),
            expires_at: Some(reply.expires_at),
            expires_local: None,
        })
    }

    async fn checkout_status(&self, merchant_order_no: &str) -> Result<PaymentStatus, Error> {
        let reply = self
            .send(&DepositQueryRequest::new(merchant_order_no))
            .await?;
        Ok(order_status(&reply.status))
    }
}

impl From<&OrderStatus> for PaymentStatus {
    fn from(s: &OrderStatus) -> Self {
        order_status(s)
    }
}
