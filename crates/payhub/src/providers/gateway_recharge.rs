//! WinPay (`gateway-recharge`) in the unified vocabulary: [`Checkout`] over collection orders,
//! status mapping, notification facts.

use gateway_recharge::Reconciliation;
use gateway_recharge::api::CreateOrderRequest;
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

/// A collection callback's status. A payout callback (WinPay's look the same: the verifier's
/// configured [`CallbackKind`](gateway_recharge::notify::CallbackKind) says which) is money
/// sent, never a payment received: it maps to `Unknown("payout:<status>")`, never `Paid`; read
/// the typed notification for payouts.
pub(crate) fn status(n: &Notification) -> PaymentStatus {
    if n.kind.is_payout() {
        return PaymentStatus::Unknown(format!("payout:{}", n.status));
    }
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

    /// Queries where [`Client::reconcile`](gateway_recharge::Client::reconcile) does: the
    /// client's [`reconcile_path`](gateway_recharge::ClientBuilder::reconcile_path) (default
    /// `/h5/deposit_query`).
    async fn checkout_status(&self, merchant_order_no: &str) -> Result<PaymentStatus, Error> {
        match self.reconcile(merchant_order_no).await? {
            Reconciliation::Found(reply) => Ok(order_status(&reply.status)),
            // Only with `not_found_codes` configured; as tokenpay's "no such transaction".
            _ => Err(Error::MissingField {
                provider: Provider::GatewayRecharge,
                field: "order",
            }),
        }
    }
}

impl From<&OrderStatus> for PaymentStatus {
    fn from(s: &OrderStatus) -> Self {
        order_status(s)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use gateway_recharge::notify::{CallbackKind, NotifyVerifier};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    /// The documented callback, signed with the docs' demo key for merchant `M1234567890`.
    const CALLBACK: &[u8] = br#"{"trade_no":"RR241015203135953635","order_no":"1728995495","amount":"200.00","remark":"66666","status":"success","trade_time":"2024-10-15 20:31:50","sign":"75a22322245516066c853fddd0136d2b"}"#;

    fn verified(verifier: &NotifyVerifier) -> crate::Notification {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        let n = verifier
            .verify(&headers, CALLBACK)
            .expect("the documented callback verifies");
        crate::Notification::GatewayRecharge(n)
    }

    #[test]
    fn a_collection_callback_is_paid() {
        let n = verified(&NotifyVerifier::new("M1234567890", "adesf235"));
        assert_eq!(n.status(), PaymentStatus::Paid);
    }

    #[test]
    fn a_payout_callback_is_never_a_paid_collection() {
        let payouts = NotifyVerifier::new("M1234567890", "adesf235");
        for v in [
            payouts.clone().callback_kind(CallbackKind::Payout),
            payouts.clone().payout_order_prefix("1728"),
        ] {
            let n = verified(&v);
            let status = n.status();
            assert!(!status.is_paid(), "{status}");
            assert!(!status.is_final(), "{status}");
            assert_eq!(status, PaymentStatus::Unknown("payout:success".into()));
            // The facts stay readable for the merchant's payout records.
            assert_eq!(n.facts().merchant_order_no, "1728995495");
        }
        // A prefix that does not match leaves the callback a collection.
        let other = verified(&payouts.payout_order_prefix("PO-"));
        assert_eq!(other.status(), PaymentStatus::Paid);
    }

    /// A loopback WinPay that records the path of every request and answers each with a paid
    /// deposit-query reply.
    async fn recording_server() -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let paths: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = paths.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    // Read the head and the body (its Content-Length).
                    loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf);
                        if let Some(end) = text.find("\r\n\r\n") {
                            let len = text[..end]
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("content-length")
                                        .then(|| v.trim().parse::<usize>().ok())
                                        .flatten()
                                })
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + len {
                                break;
                            }
                        }
                    }
                    let text = String::from_utf8_lossy(&buf);
                    let path = text.split(' ').nth(1).unwrap_or_default().to_owned();
                    seen.lock().expect("lock").push(path);
                    let body = r#"{"code":"0","msg":"","data":{"order_no":"ORD-1","amount":"100.00","status":"success","trade_no":"RR241015203135953635","trade_time":"2024-10-15 20:31:50"}}"#;
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(reply.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        (base, paths)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn checkout_status_queries_the_reconcile_path() {
        let (base, paths) = recording_server().await;
        let client = |path: Option<&str>| {
            let b = gateway_recharge::Client::builder("M1234567890", "adesf235")
                .base_url(base.clone())
                .timeout(std::time::Duration::from_secs(5));
            match path {
                Some(p) => b.reconcile_path(p),
                None => b,
            }
            .build()
            .expect("client")
        };
        let custom = client(Some("/gateway/order_query"));
        assert_eq!(
            custom.checkout_status("ORD-1").await.expect("status"),
            PaymentStatus::Paid
        );
        let default = client(None);
        assert_eq!(
            default.checkout_status("ORD-1").await.expect("status"),
            PaymentStatus::Paid
        );
        assert_eq!(
            *paths.lock().expect("lock"),
            ["/gateway/order_query", "/h5/deposit_query"]
        );
    }
}
