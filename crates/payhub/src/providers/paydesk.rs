//! Cashy (`paydesk`) in the unified vocabulary: [`Checkout`] over the cashier, status mapping,
//! notification facts.

use paydesk::api::{PayDeskQueryRequest, PayDeskRequest};
use paydesk::notify::Notification;
use paydesk::types::{PayInStatus, PayOutStatus};

use crate::{Checkout, Error, NotificationFacts, PaymentLink, PaymentStatus, Provider};

pub(crate) fn payin_status(s: &PayInStatus) -> PaymentStatus {
    match s {
        PayInStatus::Paying => PaymentStatus::Pending,
        PayInStatus::Success => PaymentStatus::Paid,
        PayInStatus::Fail | PayInStatus::Cancel => PaymentStatus::Failed,
        other => PaymentStatus::Unknown(other.as_str().to_owned()),
    }
}

pub(crate) fn payout_status(s: &PayOutStatus) -> PaymentStatus {
    match s {
        PayOutStatus::Processing | PayOutStatus::Waiting | PayOutStatus::Paying => {
            PaymentStatus::Pending
        }
        PayOutStatus::Success => PaymentStatus::Paid,
        PayOutStatus::Fail | PayOutStatus::Cancel => PaymentStatus::Failed,
        other => PaymentStatus::Unknown(other.as_str().to_owned()),
    }
}

/// A payin or cashier notify's status. A payout notify is money sent, never a payment
/// received: it maps to `Unknown("payout:<status>")`, never `Paid` (as gateway-recharge
/// payouts do); read the typed notification (or `PaymentStatus::from(&PayOutStatus)`) for
/// payouts.
pub(crate) fn status(n: &Notification) -> PaymentStatus {
    match n {
        Notification::Cashier(p) | Notification::PayIn(p) => payin_status(&p.status),
        Notification::PayOut(p) => PaymentStatus::Unknown(format!("payout:{}", p.status)),
        other => PaymentStatus::Unknown(other.status_text().to_owned()),
    }
}

pub(crate) fn facts(n: &Notification) -> NotificationFacts {
    NotificationFacts {
        merchant_order_no: n.mch_order_no().to_owned(),
        amount: Some(n.amount()),
        currency: None,
        amount_applies: true,
        cost: None,
    }
}

impl Checkout for paydesk::Client {
    type Request = PayDeskRequest;

    async fn create_checkout(&self, request: &PayDeskRequest) -> Result<PaymentLink, Error> {
        let reply = self.send(request).await?;
        Ok(PaymentLink {
            provider: Provider::Paydesk,
            merchant_order_no: reply
                .mch_order_no
                .clone()
                .unwrap_or_else(|| request.mch_order_no().to_owned()),
            provider_order_no: reply.order_no,
            url: reply.pay_url.or(reply.pay_desk_url),
            qr: reply.pay_code,
            expires_at: None,
            expires_local: reply.expire_time,
        })
    }

    async fn checkout_status(&self, merchant_order_no: &str) -> Result<PaymentStatus, Error> {
        let reply = self
            .send(&PayDeskQueryRequest::by_mch_order_no(merchant_order_no))
            .await?;
        Ok(payin_status(&reply.status))
    }
}

impl From<&PayInStatus> for PaymentStatus {
    fn from(s: &PayInStatus) -> Self {
        payin_status(s)
    }
}

impl From<&PayOutStatus> for PaymentStatus {
    fn from(s: &PayOutStatus) -> Self {
        payout_status(s)
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;
    use paydesk::Secret;
    use paydesk::notify::NotifyVerifier;

    use super::*;

    fn notify(body: &[u8]) -> crate::Notification {
        let key = Secret::new("testApiKey");
        let mut headers = HeaderMap::new();
        headers.insert("MerchantId", "1002001".parse().expect("header"));
        let sign = paydesk::sign::signature(&key, body);
        headers.insert("Sign", sign.parse().expect("header"));
        let n = NotifyVerifier::new(1_002_001, key)
            .verify(&headers, body)
            .expect("verifies");
        crate::Notification::Paydesk(n)
    }

    #[test]
    fn a_payout_notify_is_never_a_paid_collection() {
        let payout = notify(
            br#"{"orderStatus":"SUCCESS","amount":100.00,"fee":0,"mchOrderNo":"M16001","merchantId":"1002001","orderNo":"PAYOUT82000001","completionTime":"2022-08-08 08:08:08"}"#,
        );
        let status = payout.status();
        assert!(!status.is_paid(), "{status}");
        assert_eq!(status, PaymentStatus::Unknown("payout:SUCCESS".into()));
        let payin = notify(
            br#"{"orderStatus":"SUCCESS","amount":100.00,"fee":0,"mchOrderNo":"M16002","merchantId":"1002001","orderNo":"PAYIN82000001","completionTime":"2022-08-08 08:08:08"}"#,
        );
        assert_eq!(payin.status(), PaymentStatus::Paid);
    }
}
