//! Every fault kind observed by a raw client against paydesk routes, per route and per order,
//! plus wrong signatures on callbacks.

use std::time::{Duration, Instant};

use payhub_sandbox::{FaultKind, FaultRule};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::support::{Listener, MERCHANT, client, post, sandbox, sign, tza_body};

const BALANCE_BODY: &str = r#"{"nonceStr":"b"}"#;
const BALANCE_REPLY: &str = r#"{"msg":"SUCCESS","code":200,"data":{"mchId":"1002001","balance":10000000.00,"unBalance":0.00}}"#;

fn balance_request(
    sb: &payhub_sandbox::SandboxHandle,
    c: &reqwest::Client,
) -> reqwest::RequestBuilder {
    c.post(format!("{}/api/getBalance", sb.provider_url("paydesk")))
        .header("MerchantId", MERCHANT)
        .header("Sign", sign(BALANCE_BODY))
        .header("Content-Type", "application/json")
        .body(BALANCE_BODY)
}

#[tokio::test]
async fn delay_beyond_the_client_timeout_leaves_the_order_created() {
    let sb = sandbox().await;
    sb.add_fault(
        FaultRule::new(FaultKind::Delay { ms: 1500 })
            .provider("paydesk")
            .route("/api/payDesk")
            .once(),
    );
    let body = tza_body("DLY1", "1000", 3600);
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = impatient
        .post(format!("{}/api/payDesk", sb.provider_url("paydesk")))
        .header("MerchantId", MERCHANT)
        .header("Sign", sign(&body))
        .header("Content-Type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1400));
    // The handler ran: the outcome is unknown to the client, but the order exists ...
    let q = post(
        &sb,
        "/api/payDeskQuery",
        r#"{"mchOrderNo":"DLY1","nonceStr":"q"}"#,
    )
    .await;
    assert_eq!(q.data()["orderStatus"], "PAYING");
    // ... so blindly resending the create is refused as a duplicate.
    assert_eq!(
        post(&sb, "/api/payDesk", &body).await.msg(),
        "Params_mchOrderNo_repeat"
    );
    assert_eq!(sb.faults()[0].fired, 1, "one-shot");
}

#[tokio::test]
async fn http_5xx_before_and_after_the_handler() {
    let sb = sandbox().await;
    let id = sb.add_fault(
        FaultRule::new(FaultKind::HttpStatus {
            status: 503,
            after_handler: false,
        })
        .route("/api/getBalance")
        .times(2),
    );
    let c = client();
    for _ in 0..2 {
        let resp = balance_request(&sb, &c).send().await.unwrap();
        assert_eq!(resp.status(), 503);
        assert_eq!(resp.text().await.unwrap(), "sandbox fault: HTTP 503");
    }
    let resp = balance_request(&sb, &c).send().await.unwrap();
    assert_eq!(
        (resp.status().as_u16(), resp.text().await.unwrap()),
        (200, BALANCE_REPLY.to_owned())
    );
    assert!(sb.remove_fault(id));

    sb.add_fault(
        FaultRule::new(FaultKind::HttpStatus {
            status: 502,
            after_handler: true,
        })
        .route("/api/payDesk")
        .once(),
    );
    let body = tza_body("AFT1", "1000", 3600);
    let resp = c
        .post(format!("{}/api/payDesk", sb.provider_url("paydesk")))
        .header("MerchantId", MERCHANT)
        .header("Sign", sign(&body))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    assert!(
        sb.order("AFT1").is_some(),
        "after_handler: the order was created"
    );
}

#[tokio::test]
async fn connection_closed_mid_body() {
    let sb = sandbox().await;
    sb.add_fault(
        FaultRule::new(FaultKind::CloseMidBody)
            .route("/api/getBalance")
            .times(2),
    );

    // reqwest: headers arrive, the body fails.
    let resp = balance_request(&sb, &client()).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.is_err(), "body read must fail");

    // Raw TCP: a Content-Length that the bytes received never reach, then EOF/reset.
    let mut tcp = tokio::net::TcpStream::connect(sb.addr()).await.unwrap();
    let req = format!(
        "POST /paydesk/api/getBalance HTTP/1.1\r\nHost: sandbox\r\nMerchantId: {MERCHANT}\r\nSign: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{BALANCE_BODY}",
        sign(BALANCE_BODY),
        BALANCE_BODY.len()
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server closes the connection, the client does not hang"
    );
    let text = String::from_utf8_lossy(&got).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("headers arrived");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let declared: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("content-length");
    assert_eq!(declared, BALANCE_REPLY.len());
    assert!(
        body.len() < declared,
        "only part of the body arrived: {body}"
    );
    assert!(BALANCE_REPLY.starts_with(body));
}

#[tokio::test]
async fn html_error_page_and_truncated_json() {
    let sb = sandbox().await;
    let c = client();
    sb.add_fault(
        FaultRule::new(FaultKind::HtmlError {
            status: 502,
            after_handler: false,
        })
        .route("/api/getBalance")
        .once(),
    );
    let resp = balance_request(&sb, &c).send().await.unwrap();
    assert_eq!(resp.status(), 502);
    assert_eq!(resp.headers()["content-type"], "text/html");
    let page = resp.text().await.unwrap();
    assert!(
        page.starts_with("<html>") && page.contains("502 Bad Gateway"),
        "{page}"
    );

    sb.add_fault(
        FaultRule::new(FaultKind::TruncatedJson)
            .route("/api/getBalance")
            .once(),
    );
    let resp = balance_request(&sb, &c).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert_eq!(text, &BALANCE_REPLY[..BALANCE_REPLY.len() / 2]);
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());

    // Both rules were one-shot.
    let resp = balance_request(&sb, &c).send().await.unwrap();
    assert_eq!(resp.text().await.unwrap(), BALANCE_REPLY);
}

#[tokio::test]
async fn per_order_faults_touch_only_that_order() {
    let sb = sandbox().await;
    for mch in ["PF1", "PF2"] {
        assert_eq!(
            post(&sb, "/api/payDesk", &tza_body(mch, "1000", 3600))
                .await
                .msg(),
            "SUCCESS"
        );
    }
    sb.add_fault(
        FaultRule::new(FaultKind::HttpStatus {
            status: 500,
            after_handler: false,
        })
        .order("PF1"),
    );
    let c = client();
    let query = |mch: &str| {
        let body = format!(r#"{{"mchOrderNo":"{mch}","nonceStr":"q"}}"#);
        c.post(format!("{}/api/payDeskQuery", sb.provider_url("paydesk")))
            .header("MerchantId", MERCHANT)
            .header("Sign", sign(&body))
            .header("Content-Type", "application/json")
            .body(body)
    };
    assert_eq!(query("PF1").send().await.unwrap().status(), 500);
    assert_eq!(query("PF2").send().await.unwrap().status(), 200);
    assert_eq!(query("PF1").send().await.unwrap().status(), 500, "always");
    assert_eq!(sb.faults()[0].matched, 2);
}

#[tokio::test]
async fn wrong_signature_on_a_callback() {
    let sb = sandbox().await;
    let listener = Listener::start(&[400, 200]).await;
    sb.redirect_callbacks(Some(&listener.url));
    sb.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .on_callbacks()
            .order("WS1")
            .once(),
    );
    assert_eq!(
        post(&sb, "/api/payDesk", &tza_body("WS1", "1000", 3600))
            .await
            .msg(),
        "SUCCESS"
    );
    sb.mark_paid("WS1").unwrap();
    sb.settle().await.unwrap();
    sb.advance_to_next_due().await.unwrap();
    let hits = listener.hits();
    assert_eq!(hits.len(), 2);
    let verify = |h: &crate::support::Hit| {
        sign_core::Md5Signer::new(
            sign_core::Secret::new("testApiKey"),
            sign_core::SecretSuffix::Plain,
        )
        .verify_hex(&h.body, h.headers["Sign"].to_str().unwrap())
        .is_ok()
    };
    assert!(!verify(&hits[0]), "first attempt carries a corrupted Sign");
    assert!(verify(&hits[1]), "the retry is signed correctly");
    let cb = &sb.callbacks_for("WS1")[0];
    assert_eq!(
        cb.attempts.iter().map(|a| a.tampered).collect::<Vec<_>>(),
        [true, false]
    );

    // Replies are not signed by Cashy: the reply fault leaves them unchanged.
    sb.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .route("/api/getBalance")
            .once(),
    );
    let resp = balance_request(&sb, &client()).send().await.unwrap();
    assert_eq!(
        resp.text().await.unwrap(),
        BALANCE_REPLY.replace("10000000.00", "10000985.00")
    );
}

#[tokio::test]
async fn provider_errors_in_the_provider_shape() {
    let sb = sandbox().await;
    sb.add_fault(
        FaultRule::new(FaultKind::ProviderError {
            error: "System_busy".into(),
            after_handler: false,
        })
        .route("/api/getBalance")
        .once(),
    );
    sb.add_fault(
        FaultRule::new(FaultKind::ProviderError {
            error: "Request_ip_notWhiteList".into(),
            after_handler: false,
        })
        .route("/api/bankListQuery")
        .once(),
    );
    let r = post(&sb, "/api/getBalance", BALANCE_BODY).await;
    assert_eq!((r.http, r.code(), r.msg()), (200, 500, "System_busy"));
    assert!(r.data().is_null());
    let r = post(&sb, "/api/bankListQuery", BALANCE_BODY).await;
    assert_eq!((r.code(), r.msg()), (401, "Request_ip_notWhiteList"));
    assert_eq!(
        post(&sb, "/api/getBalance", BALANCE_BODY).await.msg(),
        "SUCCESS",
        "a retry succeeds"
    );
}
