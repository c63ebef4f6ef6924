//! Integration tests of the transport against real loopback servers.

// Reason: test helpers outside #[test] functions may unwrap; a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

mod pipeline;

use payhub_runtime::{
    Method, PreparedRequest, RetryPolicy, Transport, TransportConfig, TransportErrorKind,
    parse_base_url,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves `reply` (raw HTTP bytes) to every connection, after `delay`; returns the base URL.
async fn serve(reply: &'static [u8], delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = sock.read(&mut buf).await;
                tokio::time::sleep(delay).await;
                let _ = sock.write_all(reply).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

fn transport(base: &str, timeout: Duration, cap: usize) -> Transport {
    let mut cfg = TransportConfig::new();
    cfg.timeout = timeout;
    cfg.max_body_bytes = cap;
    Transport::new(&parse_base_url(base).unwrap(), cfg).unwrap()
}

fn req() -> PreparedRequest {
    PreparedRequest::new("test", Method::Post, "/api/x").body("application/json", b"{}".to_vec())
}

#[tokio::test]
async fn ok_reply_is_returned_raw() {
    let base = serve(
        b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: b\r\n\r\n{\"code\":0 }",
        Duration::ZERO,
    )
    .await;
    let resp = transport(&base, Duration::from_secs(5), 1024)
        .send(&req())
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(&resp.body[..], b"{\"code\":0 }");
    assert_eq!(resp.header("x-a"), Some("b"));
}

#[tokio::test]
async fn body_over_cap_is_refused() {
    let base = serve(
        b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n01234567890123456789",
        Duration::ZERO,
    )
    .await;
    let err = transport(&base, Duration::from_secs(5), 10)
        .send(&req())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge);
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn chunked_body_over_cap_is_refused() {
    let base = serve(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n8\r\n01234567\r\n0\r\n\r\n",
        Duration::ZERO,
    )
    .await;
    let err = transport(&base, Duration::from_secs(5), 10)
        .send(&req())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge);
}

#[tokio::test]
async fn redirect_is_not_followed() {
    let base = serve(
        b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
        Duration::ZERO,
    )
    .await;
    let err = transport(&base, Duration::from_secs(5), 1024)
        .send(&req())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::Redirect);
}

#[tokio::test]
async fn slow_reply_times_out_with_unknown_outcome() {
    let base = serve(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        Duration::from_secs(3),
    )
    .await;
    let err = transport(&base, Duration::from_millis(200), 1024)
        .send(&req())
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.outcome_unknown());
    assert!(err.is_retryable());
}

#[tokio::test]
async fn refused_connection_is_known_not_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = transport(&format!("http://{addr}"), Duration::from_secs(2), 1024)
        .send(&req())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::Connect, "{err:?}");
    assert!(!err.outcome_unknown());
}

#[tokio::test]
async fn reset_mid_body_is_io_error() {
    let base = serve(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\":",
        Duration::ZERO,
    )
    .await;
    let err = transport(&base, Duration::from_secs(5), 1024)
        .send(&req())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::Io, "{err:?}");
    assert!(err.outcome_unknown());
}

#[test]
fn base_url_rules() {
    assert!(parse_base_url("https://api.tokenpay.me").is_ok());
    assert!(parse_base_url("http://localhost:9000/").is_ok());
    assert!(parse_base_url("http://[::1]:9000").is_ok());
    assert!(parse_base_url("http://10.0.0.1").is_err());
    assert!(parse_base_url("ftp://127.0.0.1").is_err());
    assert!(parse_base_url("not a url").is_err());
    assert_eq!(
        parse_base_url("https://a.example/x/").unwrap().as_str(),
        "https://a.example/x"
    );
}

#[tokio::test]
async fn retry_runs_until_success_or_non_retryable() {
    let policy = RetryPolicy::default()
        .max_attempts(4)
        .initial_delay(Duration::from_millis(1));
    let mut seen = Vec::new();
    let out: Result<u32, &str> = policy
        .run(
            |n| {
                seen.push(n);
                async move { if n < 3 { Err("busy") } else { Ok(n) } }
            },
            |e| *e == "busy",
        )
        .await;
    assert_eq!(out, Ok(3));
    assert_eq!(seen, [1, 2, 3]);

    let mut count = 0;
    let out: Result<u32, &str> = policy
        .run(
            |_| {
                count += 1;
                async { Err("fatal") }
            },
            |e| *e == "busy",
        )
        .await;
    assert_eq!(out, Err("fatal"));
    assert_eq!(count, 1);
}

#[test]
fn debug_masks_sensitive_headers() {
    let r = req()
        .sensitive_header("Sign", "SECRETSIG")
        .header("MerchantId", "1");
    let d = format!("{r:?}");
    assert!(!d.contains("SECRETSIG"));
    assert!(d.contains("MerchantId"));
    assert!(r.render().contains("Sign: SECRETSIG"));
}
