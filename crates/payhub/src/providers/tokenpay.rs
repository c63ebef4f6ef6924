//! TokenPay (`tokenpay`) in the unified vocabulary: [`Checkout`] over prepayment orders, status
//! mapping, notification facts.

use tokenpay::api::PrepayRequest;
use tokenpay::notify::Notification;
use tokenpay::types::TradeState;

use crate::{Checkout, Error, NotificationFacts, PaymentLink, PaymentStatus, Provider};

pub(crate) fn trade_state(s: &TradeState) -> PaymentStatus {
    match s {
        TradeState::NotPay => PaymentStatus::Pending,
        TradeState::Success => PaymentStatus::Paid,
        TradeState::Refund => PaymentStatus::Refunded,
        // `CLOSED` covers both a merchant's close and an expiry; no money arrived either way.
        TradeState::Closed => PaymentStatus::Expired,
        other => PaymentStatus::Unknown(other.as_str().to_owned()),
    }
}

pub(crate) fn status(n: &Notification) -> PaymentStatus {
    match n.transaction() {
        Some(t) => trade_state(&t.trade_state),
        None => PaymentStatus::Unknown(n.event_type().to_string()),
    }
}

pub(crate) fn facts(n: &Notification) -> NotificationFacts {
    let t = n.transaction();
    NotificationFacts {
        merchant_order_no: t.and_then(|t| t.out_trade_no.clone()).unwrap_or_default(),
        amount: t.and_then(|t| t.amount),
        currency: t.and_then(|t| t.currency.as_ref()).map(ToString::to_string),
        amount_applies: true,
        cost: None,
    }
}

impl Checkout for tokenpay::Client {
    type Request = PrepayRequest;

    async fn create_checkout(&self, request: &PrepayRequest) -> Result<PaymentLink, Error> {
        let reply = self.send(request).await?;
        Ok(PaymentLink {
            provider: Provider::Tokenpay,
            merchant_order_no: request.out_trade_no().to_owned(),
            provider_order_no: reply.prepay_id,
            url: Some(reply.payment_url.to_string()),
            qr: None,
            expires_at: None,
            expires_local: None,
        })
    }

    async fn checkout_status(&self, merchant_order_no: &str) -> Result<PaymentStatus, Error> {
        match self.reconcile(merchant_order_no).await? {
            Some(t) => Ok(trade_state(&t.trade_state)),
            None => Err(Error::MissingField {
                provider: Provider::Tokenpay,
                field: "transaction",
            }),
        }
    }
}

impl From<&TradeState> for PaymentStatus {
    fn from(s: &TradeState) -> Self {
        trade_state(s)
    }
}
