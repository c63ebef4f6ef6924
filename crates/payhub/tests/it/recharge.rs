//! `Recharge` through the facade against a real loopback server: an accepted vipcharge order
//! whose reply lacks `orderCode` is a receipt (not an error), the receipt exposes the cost, and a
//! forged reply to a create is an unknown outcome (query, never "failed").

use std::time::Duration;

use payhub::vipcharge::api::VipChargeRequest;
use payhub::{PaymentStatus, Provider, Recharge, vipcharge};
use rust_decimal::Decimal;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// Serves `replies` in order, one per connection: `(extra headers, JSON body)`, HTTP 200.
async fn serve(replies: Vec<(Vec<(&'static str, String)>, String)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        for (headers, body) in replies {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0_u8; 4096];
            // Read the head, then as many body bytes as Content-Length says.
            loop {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
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
            let mut head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(body.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    base
}

fn client(base: &str) -> vipcharge::Client {
    vipcharge::Client::builder("166", "166", vipcharge::Credentials::md5("k"))
        .base_url(base)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

#[tokio::test]
async fn vipcharge_accepted_without_order_code_is_a_receipt_with_its_cost() {
    let base = serve(vec![(
        vec![],
        r#"{"status":0,"message":"success","data":{"bizCode":"VC-NOCODE","settlementPrice":"19.80"}}"#
            .to_owned(),
    )])
    .await;
    let receipt = client(&base)
        .recharge(&VipChargeRequest::new("87103", "w23b52", "VC-NOCODE"))
        .await
        .expect("an accepted order, not an error");
    assert_eq!(receipt.provider, Provider::Vipcharge);
    assert_eq!(receipt.merchant_order_no, "VC-NOCODE");
    assert_eq!(receipt.provider_order_no, None);
    assert_eq!(receipt.status, PaymentStatus::Pending);
    assert_eq!(receipt.cost, Some(Decimal::new(1980, 2)));
}

#[tokio::test]
async fn vipcharge_forged_create_reply_is_an_unknown_outcome_through_the_facade() {
    let body = r#"{"status":0,"message":"success","data":{"orderCode":"O-X","settlementPrice":1}}"#;
    let base = serve(vec![(
        vec![
            ("businessId", "166".to_owned()),
            ("nonce", "forged".to_owned()),
            ("timestamp", "1628757969177".to_owned()),
            ("signType", "MD5".to_owned()),
            ("sign", "0123456789ABCDEF0123456789ABCDEF".to_owned()),
        ],
        body.to_owned(),
    )])
    .await;
    let err = client(&base)
        .recharge(&VipChargeRequest::new("87103", "w23b52", "VC-FORGED"))
        .await
        .expect_err("a forged reply is not acted on");
    assert!(err.is_outcome_unknown(), "{err}");
    assert_eq!(err.provider(), Some(Provider::Vipcharge));
}
