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

/// The checkout status of a callback. Only an order ([`Notification::Order`]) is a checkout: a
/// payout (money that left) or a wallet receipt (a deposit to a monitored wallet, with no
/// merchant order) is never reported as `Paid`; they come back as `Unknown("payout SUCCESS")` /
/// `Unknown("wallet SUCCESS")`, and the provider's own notification tells the rest.
pub(crate) fn status(n: &Notification) -> PaymentStatus {
    match n {
        Notification::Order(o) => trade_state(&o.transaction.trade_state),
        Notification::Payout(p) => {
            PaymentStatus::Unknown(format!("payout {}", p.transaction.trade_state))
        }
        Notification::Wallet(w) => {
            PaymentStatus::Unknown(format!("wallet {}", w.transaction.trade_state))
        }
        _ => PaymentStatus::Unknown(n.event_type().to_string()),
    }
}

/// The facts of a callback. A wallet receipt has no merchant order number (empty); a payout
/// carries the merchant's payout number.
pub(crate) fn facts(n: &Notification) -> NotificationFacts {
    let t = n.transaction();
    let merchant_order_no = match n {
        Notification::Wallet(_) => String::new(),
        _ => t.and_then(|t| t.out_trade_no.clone()).unwrap_or_default(),
    };
    NotificationFacts {
        merchant_order_no,
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
        match self.reconcile(merchant_order_no).await?.into_found() {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokenpay::notify::{Notification, NotifyVerifier};
    use tokenpay::sign::{AppKey, reply_signing_string};
    use tokenpay::{FixedClock, Secret};

    use super::{facts, status};
    use crate::PaymentStatus;

    const APP_ID: &str = "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd";
    const MCH_ID: &str = "1234567890";
    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const TS: &str = "1763800001000";

    /// A verified callback of `original_type` / `event_type` whose resource is `plain`.
    fn verified(event: &str, original_type: &str, plain: &str) -> Notification {
        let key = AppKey::new(&Secret::new(SECRET)).expect("key");
        let nonce = "a1b2c3d4e5f6";
        let ct = key
            .encrypt_resource(nonce, None, plain.as_bytes())
            .expect("seals");
        let body = format!(
            r#"{{"app_id":"{APP_ID}","mch_id":"{MCH_ID}","resource_type":"encrypt-resource","event_type":"{event}","resource":{{"original_type":"{original_type}","algorithm":"AEAD_AES_256_GCM","ciphertext":"{ct}","nonce":"{nonce}"}}}}"#
        );
        let sig = key
            .sign(&reply_signing_string(TS, "n", body.as_bytes()))
            .expect("signs");
        let mut headers = http::HeaderMap::new();
        for (name, value) in [
            ("ttpay-timestamp", TS),
            ("ttpay-nonce", "n"),
            ("ttpay-signature", sig.as_str()),
        ] {
            headers.insert(name, http::HeaderValue::from_str(value).expect("header"));
        }
        NotifyVerifier::new(APP_ID, MCH_ID, SECRET)
            .expect("verifier")
            .clock(Arc::new(FixedClock::from_millis(1_763_800_002_000)))
            .verify(&headers, body.as_bytes())
            .expect("verifies")
    }

    #[test]
    fn payouts_and_wallet_receipts_are_never_a_paid_checkout() {
        let order = verified(
            "TRANSACTION.SUCCESS",
            "transaction",
            r#"{"out_trade_no":"A-1","transaction_id":"t-1","trade_state":"SUCCESS","amount":9000000,"decimals":6,"currency":"USDT"}"#,
        );
        assert_eq!(status(&order), PaymentStatus::Paid);
        assert_eq!(facts(&order).merchant_order_no, "A-1");

        let payout = verified(
            "PAYPAYOUT.SUCCESS",
            "payout",
            r#"{"out_trade_no":"A-1","transaction_id":"p-1","trade_state":"SUCCESS","amount":"9","currency":"USDT"}"#,
        );
        assert!(matches!(payout, Notification::Payout(_)));
        assert_eq!(
            status(&payout),
            PaymentStatus::Unknown("payout SUCCESS".to_owned())
        );
        assert!(!status(&payout).is_paid());

        let payout_no_state = verified(
            "PAYPAYANOTHER.SUCCESS",
            "payanother",
            r#"{"out_trade_no":"P-2","payanother_id":"pa-2","amount":"12.5"}"#,
        );
        assert!(!status(&payout_no_state).is_paid());
        assert_eq!(
            facts(&payout_no_state).amount,
            Some(rust_decimal::Decimal::new(125, 1))
        );

        for (event, original_type, plain) in [
            (
                "SUCCESS",
                "transaction",
                r#"{"transaction_id":"w-1","trade_state":"SUCCESS","amount":5000000,"decimals":6,"currency":"USDT"}"#,
            ),
            (
                "SUCCESS",
                "wallet",
                r#"{"out_trade_no":"A-1","transaction_id":"w-2","trade_state":"SUCCESS","amount":5000000,"decimals":6}"#,
            ),
        ] {
            let wallet = verified(event, original_type, plain);
            assert!(matches!(wallet, Notification::Wallet(_)), "{wallet:?}");
            assert_eq!(
                status(&wallet),
                PaymentStatus::Unknown("wallet SUCCESS".to_owned())
            );
            assert_eq!(facts(&wallet).merchant_order_no, "");
        }
    }
}
