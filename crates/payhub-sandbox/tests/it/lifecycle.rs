//! Life cycle of a running sandbox: shutdown with stalled connections, and the retention of
//! final orders (removed after a configurable sandbox time, so long load tests stay flat).

use std::time::{Duration, Instant};

use payhub_sandbox::{CallbackStatus, OrderFilter, OrderState, Sandbox, SandboxTime};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::{Listener, START_MS, client, post, tza_body};

/// Opens connections that send part of a request and then stall: half a request head, and a
/// full head with half its body.
pub(crate) async fn stalled_connections(addr: std::net::SocketAddr) -> Vec<TcpStream> {
    let mut conns = Vec::new();
    for part in [
        "POST /paydesk/api/payDesk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le".to_owned(),
        "POST /paydesk/api/payDesk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"mchOrderNo\":".to_owned(),
        "GET /_sandbox/hea".to_owned(),
    ] {
        let mut c = TcpStream::connect(addr).await.expect("connect");
        c.write_all(part.as_bytes()).await.expect("write");
        c.flush().await.expect("flush");
        conns.push(c);
    }
    // Let the server accept and start reading them.
    tokio::time::sleep(Duration::from_millis(100)).await;
    conns
}

#[tokio::test]
async fn shutdown_closes_half_sent_requests_after_the_grace_and_succeeds() {
    let sb = Sandbox::builder()
        .clock_speed(0)
        .shutdown_grace(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let conns = stalled_connections(sb.addr()).await;
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(10), sb.shutdown())
        .await
        .expect("shutdown returns");
    let took = started.elapsed();
    assert!(
        result.is_ok(),
        "shutdown with stalled connections: {result:?}"
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "waited the grace, then closed: {took:?}"
    );
    // Every stalled connection was closed by the sandbox (EOF or reset, not a hang).
    for mut c in conns {
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_secs(2), c.read(&mut buf))
            .await
            .expect("connection closed, not left hanging");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    }
}

#[tokio::test]
async fn shutdown_still_finishes_a_request_in_flight_within_the_grace() {
    let sb = Sandbox::builder().clock_speed(0).start().await.unwrap();
    let addr = sb.addr();
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /_sandbox/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let shutdown = tokio::spawn(sb.shutdown());
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The rest of the request arrives during the grace period and is answered.
    c.write_all(b"\r\n").await.unwrap();
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), c.read_to_end(&mut reply)).await;
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.ends_with(r#"{"ok":true}"#), "{reply}");
    shutdown.await.unwrap().unwrap();
}

async fn info(sb: &payhub_sandbox::SandboxHandle) -> Value {
    client()
        .get(format!("{}/_sandbox/info", sb.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap()
}

#[tokio::test]
async fn final_orders_are_removed_after_the_retention_others_are_kept() {
    let retention = Duration::from_secs(600);
    let sb = Sandbox::builder()
        .clock_speed(0)
        .start_time(SandboxTime::from_unix_millis(START_MS))
        .order_retention(Some(retention))
        .start()
        .await
        .unwrap();
    // The first two callbacks are acknowledged, every later one refused (retried).
    let listener = Listener::start(&[200, 200, 503]).await;
    sb.redirect_callbacks(Some(&listener.url));
    for no in ["PAID1", "FAIL1", "OPEN1", "RETRY1"] {
        let r = post(&sb, "/api/payDesk", &tza_body(no, "1000", 86_400)).await;
        assert_eq!(r.msg(), "SUCCESS", "{no}");
    }
    sb.mark_paid("PAID1").unwrap();
    sb.mark_failed("FAIL1").unwrap();
    sb.settle().await.unwrap();
    sb.mark_paid("RETRY1").unwrap();
    sb.settle().await.unwrap();
    assert_eq!(
        sb.callbacks_for("PAID1")[0].status,
        CallbackStatus::Delivered
    );
    assert_eq!(
        sb.callbacks_for("RETRY1")[0].status,
        CallbackStatus::Pending
    );
    assert_eq!(sb.orders(&OrderFilter::default()).len(), 4);

    // Just before the retention has run: everything is still there.
    sb.advance(retention - Duration::from_secs(1));
    sb.settle().await.unwrap();
    assert_eq!(sb.orders(&OrderFilter::default()).len(), 4);
    assert!(sb.order("PAID1").is_some());

    // Past it: the paid and failed orders (callbacks delivered) are gone with their callback
    // records; the open order and the one whose callback is still retried stay.
    sb.advance(Duration::from_secs(2));
    sb.settle().await.unwrap();
    let left: Vec<String> = sb
        .orders(&OrderFilter::default())
        .into_iter()
        .map(|o| o.merchant_order_no)
        .collect();
    assert_eq!(left, ["OPEN1", "RETRY1"]);
    assert!(sb.order("PAID1").is_none() && sb.order("FAIL1").is_none());
    assert!(sb.callbacks_for("PAID1").is_empty());
    assert_eq!(sb.callbacks_for("RETRY1").len(), 1);
    let i = info(&sb).await;
    assert_eq!(i["orders"], 2);
    assert_eq!(i["orders_removed"], 2);
    assert_eq!(i["order_retention_ms"], 600_000);

    // The provider's query and the control API say "not found".
    let q = post(
        &sb,
        "/api/payDeskQuery",
        r#"{"mchOrderNo":"PAID1","nonceStr":"q"}"#,
    )
    .await;
    assert_ne!(q.msg(), "SUCCESS", "{:?}", q.body);
    let ctl = client()
        .get(format!("{}/_sandbox/orders/PAID1", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(ctl.status(), 404);
    // The merchant order number is free again.
    let again = post(&sb, "/api/payDesk", &tza_body("PAID1", "1000", 86_400)).await;
    assert_eq!(again.msg(), "SUCCESS");

    // The retried callback gives up after its last attempt (1023 minutes); the order stays
    // for the retention after that attempt, then goes.
    while sb.advance_to_next_due().await.unwrap().is_some() {
        if sb.callbacks_for("RETRY1")[0].status != CallbackStatus::Pending {
            break;
        }
    }
    let cb = &sb.callbacks_for("RETRY1")[0];
    assert_eq!(cb.status, CallbackStatus::GaveUp);
    let last = cb.attempts.last().unwrap().sent_at;
    assert!(
        sb.order("RETRY1").is_some(),
        "kept while its callback was retried"
    );
    sb.clock()
        .advance_to(last + (retention - Duration::from_secs(1)));
    sb.settle().await.unwrap();
    assert!(
        sb.order("RETRY1").is_some(),
        "kept for the retention after its last attempt"
    );
    sb.advance(Duration::from_secs(2));
    sb.settle().await.unwrap();
    assert!(sb.order("RETRY1").is_none());
    assert!(sb.callbacks_for("RETRY1").is_empty());
    // Open orders are never removed while open (this one expires after a day, then goes).
    let open = sb.order("OPEN1").unwrap();
    assert_eq!(open.state, OrderState::Paying);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_default_retention_is_an_hour_and_none_keeps_orders_forever() {
    for (retention, gone) in [(None::<Option<Duration>>, true), (Some(None), false)] {
        let mut b = Sandbox::builder()
            .clock_speed(0)
            .start_time(SandboxTime::from_unix_millis(START_MS));
        if let Some(r) = retention {
            b = b.order_retention(r);
        }
        let sb = b.start().await.unwrap();
        let listener = Listener::start(&[200]).await;
        sb.redirect_callbacks(Some(&listener.url));
        assert_eq!(
            post(&sb, "/api/payDesk", &tza_body("D1", "1000", 86_400))
                .await
                .msg(),
            "SUCCESS"
        );
        sb.mark_paid("D1").unwrap();
        sb.settle().await.unwrap();
        sb.advance(Duration::from_secs(3599));
        sb.settle().await.unwrap();
        assert!(sb.order("D1").is_some());
        sb.advance(Duration::from_secs(365 * 24 * 3600));
        sb.settle().await.unwrap();
        assert_eq!(sb.order("D1").is_none(), gone, "{retention:?}");
        sb.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn a_long_run_of_orders_stays_flat() {
    // 300 orders paid one sandbox minute apart with a 10-minute retention: the store never
    // holds more than the last ~10 minutes' worth.
    let sb = Sandbox::builder()
        .clock_speed(0)
        .start_time(SandboxTime::from_unix_millis(START_MS))
        .order_retention(Some(Duration::from_secs(600)))
        .start()
        .await
        .unwrap();
    let listener = Listener::start(&[200]).await;
    sb.redirect_callbacks(Some(&listener.url));
    let mut most = 0;
    for n in 0..300 {
        let no = format!("LOAD{n}");
        assert_eq!(
            post(&sb, "/api/payDesk", &tza_body(&no, "1000", 86_400))
                .await
                .msg(),
            "SUCCESS"
        );
        sb.mark_paid(&no).unwrap();
        sb.settle().await.unwrap();
        sb.advance(Duration::from_secs(60));
        sb.settle().await.unwrap();
        let held = sb.orders(&OrderFilter::default()).len();
        most = most.max(held);
    }
    assert!(most <= 11, "at most 11 orders held at once, saw {most}");
    assert!(sb.callbacks().len() <= 11, "{}", sb.callbacks().len());
    let held = sb.orders(&OrderFilter::default()).len() as u64;
    assert_eq!(
        info(&sb).await["orders_removed"].as_u64().unwrap() + held,
        300
    );
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn retention_from_the_config_file() {
    let cfg =
        payhub_sandbox::SandboxConfig::from_toml_str("[orders]\nretention_secs = 60\n").unwrap();
    let sb = Sandbox::builder()
        .config(cfg)
        .clock_speed(0)
        .start_time(SandboxTime::from_unix_millis(START_MS))
        .start()
        .await
        .unwrap();
    assert_eq!(info(&sb).await["order_retention_ms"], 60_000);
    sb.shutdown().await.unwrap();
    let forever =
        payhub_sandbox::SandboxConfig::from_toml_str("[orders]\nretention_secs = 0\n").unwrap();
    let sb = Sandbox::builder()
        .config(forever)
        .clock_speed(0)
        .start()
        .await
        .unwrap();
    assert_eq!(info(&sb).await["order_retention_ms"], Value::Null);
    sb.shutdown().await.unwrap();
    let bad =
        payhub_sandbox::SandboxConfig::from_toml_str("[orders]\nretention = 60\n").unwrap_err();
    assert!(bad.to_string().contains("retention"), "{bad}");
}

#[tokio::test]
async fn balances_do_not_move_when_orders_are_removed() {
    let sb = Sandbox::builder()
        .clock_speed(0)
        .start_time(SandboxTime::from_unix_millis(START_MS))
        .order_retention(Some(Duration::from_secs(60)))
        .start()
        .await
        .unwrap();
    let listener = Listener::start(&[200]).await;
    sb.redirect_callbacks(Some(&listener.url));
    let balance = |sb: &payhub_sandbox::SandboxHandle| {
        let sb_url = sb.provider_url("paydesk");
        async move {
            let body = r#"{"nonceStr":"b"}"#;
            let r = client()
                .post(format!("{sb_url}/api/getBalance"))
                .header("MerchantId", crate::support::MERCHANT)
                .header("Sign", crate::support::sign(body))
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let v: Value = serde_json::from_str(&r).unwrap();
            assert_eq!(v["msg"], "SUCCESS", "{v}");
            v["data"].clone()
        }
    };
    let opening = balance(&sb).await;
    for no in ["B1", "B2", "B3"] {
        assert_eq!(
            post(&sb, "/api/payDesk", &tza_body(no, "1000", 86_400))
                .await
                .msg(),
            "SUCCESS"
        );
    }
    sb.mark_paid("B1").unwrap();
    sb.mark_paid("B2").unwrap();
    sb.mark_failed("B3").unwrap();
    sb.settle().await.unwrap();
    let paid = balance(&sb).await;
    assert_ne!(paid, opening, "paid orders are credited");
    sb.advance(Duration::from_secs(120));
    sb.settle().await.unwrap();
    assert!(sb.orders(&OrderFilter::default()).is_empty(), "all removed");
    assert_eq!(balance(&sb).await, paid, "the balance stays");
    sb.shutdown().await.unwrap();
}
