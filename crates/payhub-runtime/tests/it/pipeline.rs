//! The pipeline against real loopback servers: reads retried, writes never resent once they may
//! have landed, each attempt signed afresh when the protocol asks, and the metrics recorded.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use payhub_runtime::{
    Call, ClientOptions, Disposition, Idempotency, Method, NoSuchRoute, Pipeline, PreparedRequest,
    Protocol, RawResponse, RetryPolicy, TransportError,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
enum TestError {
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    #[error("busy (HTTP {0})")]
    Busy(u16),
    #[error("refused")]
    Refused,
    #[error(transparent)]
    NoRoute(NoSuchRoute),
    #[error("outcome unknown of {operation} {order:?}: {cause}")]
    OutcomeUnknown {
        operation: &'static str,
        order: Option<String>,
        cause: Box<TestError>,
    },
}

#[derive(Default)]
struct TestProtocol;

impl Protocol for TestProtocol {
    type Error = TestError;
    const PROVIDER: &'static str = "test";

    fn transport_error(&self, e: TransportError) -> TestError {
        e.into()
    }

    fn disposition(&self, e: &TestError, idempotency: Idempotency) -> Disposition {
        match (e, idempotency) {
            (TestError::Busy(_), Idempotency::Safe) => Disposition::Retry,
            (TestError::Transport(t), Idempotency::Safe) if t.is_retryable() => Disposition::Retry,
            (TestError::Transport(t), Idempotency::Unsafe) if !t.outcome_unknown() => {
                Disposition::Retry
            }
            (TestError::Transport(_) | TestError::Busy(_), Idempotency::Unsafe) => {
                Disposition::OutcomeUnknown
            }
            _ => Disposition::Fail,
        }
    }

    fn outcome_unknown(&self, call: &Call<'_>, e: TestError) -> TestError {
        TestError::OutcomeUnknown {
            operation: call.operation,
            order: call.order_no.map(str::to_owned),
            cause: Box::new(e),
        }
    }

    fn outcome_label(&self, e: &TestError) -> &'static str {
        match e {
            TestError::Transport(_) => "transport",
            TestError::Busy(_) => "busy",
            TestError::Refused => "api",
            TestError::OutcomeUnknown { .. } => "outcome_unknown",
            TestError::NoRoute(_) => "config",
        }
    }

    fn is_envelope(&self, reply: &RawResponse) -> bool {
        reply.body.starts_with(b"{\"code\"")
    }

    fn no_such_route(&self, e: NoSuchRoute) -> TestError {
        TestError::NoRoute(e)
    }
}

/// The same protocol, signing each attempt afresh.
struct Resigning;

impl Protocol for Resigning {
    type Error = TestError;
    const PROVIDER: &'static str = "test-resign";
    const RESIGN_EACH_ATTEMPT: bool = true;

    fn transport_error(&self, e: TransportError) -> TestError {
        TestProtocol.transport_error(e)
    }
    fn disposition(&self, e: &TestError, i: Idempotency) -> Disposition {
        TestProtocol.disposition(e, i)
    }
    fn outcome_unknown(&self, call: &Call<'_>, e: TestError) -> TestError {
        TestProtocol.outcome_unknown(call, e)
    }
    fn outcome_label(&self, e: &TestError) -> &'static str {
        TestProtocol.outcome_label(e)
    }
    fn is_envelope(&self, reply: &RawResponse) -> bool {
        TestProtocol.is_envelope(reply)
    }
    fn no_such_route(&self, e: NoSuchRoute) -> TestError {
        TestProtocol.no_such_route(e)
    }
}

/// A server answering the n-th request (1-based) with `reply(n)`, or holding it forever when
/// `reply` gives `None`; counts requests and keeps each request's `X-Nonce` header.
struct Server {
    base: String,
    requests: Arc<AtomicU32>,
    nonces: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn server(reply: fn(u32) -> Option<&'static [u8]>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicU32::new(0));
    let nonces = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (count, seen) = (Arc::clone(&requests), Arc::clone(&nonces));
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (count, seen) = (Arc::clone(&count), Arc::clone(&seen));
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
                if let Some(line) = text.lines().find(|l| l.starts_with("x-nonce:")) {
                    seen.lock()
                        .unwrap()
                        .push(line["x-nonce:".len()..].trim().to_owned());
                }
                let number = count.fetch_add(1, Ordering::SeqCst) + 1;
                match reply(number) {
                    Some(bytes) => {
                        let _ = sock.write_all(bytes).await;
                        let _ = sock.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    Server {
        base: format!("http://{addr}"),
        requests,
        nonces,
    }
}

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
const BUSY: &[u8] = b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

fn pipeline(base: &str, timeout: Duration, attempts: u32) -> Pipeline {
    let mut options = ClientOptions::new(Some(base));
    options.transport.timeout = timeout;
    options.transport.call_deadline = Some(Duration::from_secs(5));
    options.retry = RetryPolicy::default()
        .max_attempts(attempts)
        .initial_delay(Duration::from_millis(5));
    options.pipeline().unwrap()
}

fn parse(reply: &RawResponse) -> Result<String, TestError> {
    match reply.status {
        200 => Ok(String::from_utf8_lossy(&reply.body).into_owned()),
        500..=599 => Err(TestError::Busy(reply.status)),
        _ => Err(TestError::Refused),
    }
}

fn request(idempotency: Idempotency, nonce: u32) -> PreparedRequest {
    PreparedRequest::new("op", Method::Post, "/x")
        .header("X-Nonce", nonce.to_string())
        .body("application/json", b"{}".to_vec())
        .idempotency(idempotency)
}

#[tokio::test]
async fn a_read_is_retried_until_it_succeeds() {
    let s = server(|n| Some(if n < 3 { BUSY } else { OK })).await;
    let p = pipeline(&s.base, Duration::from_secs(2), 3);
    let call = Call::new("op", Idempotency::Safe, "M1");
    let got = p
        .execute(
            &TestProtocol,
            call,
            || Ok(request(Idempotency::Safe, 1)),
            parse,
        )
        .await
        .unwrap();
    assert_eq!(got, "ok");
    assert_eq!(s.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_write_that_may_have_landed_is_sent_once_and_reported_unknown() {
    let s = server(|_| Some(BUSY)).await;
    let p = pipeline(&s.base, Duration::from_secs(2), 3);
    let call = Call::new("create", Idempotency::Unsafe, "M1").order_no(Some("A-1"));
    let err = p
        .execute(
            &TestProtocol,
            call,
            || Ok(request(Idempotency::Unsafe, 1)),
            parse,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TestError::OutcomeUnknown { operation: "create", order: Some(o), .. } if o == "A-1"),
        "{err:?}"
    );
    assert_eq!(s.requests.load(Ordering::SeqCst), 1, "never resent");
}

#[tokio::test]
async fn a_write_that_timed_out_is_unknown_and_not_resent() {
    let s = server(|_| None).await;
    let p = pipeline(&s.base, Duration::from_millis(200), 3);
    let call = Call::new("create", Idempotency::Unsafe, "M1");
    let err = p
        .execute(
            &TestProtocol,
            call,
            || Ok(request(Idempotency::Unsafe, 1)),
            parse,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, TestError::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(s.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_final_refusal_is_returned_at_once() {
    let s = server(|_| Some(b"HTTP/1.1 400 No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
        .await;
    let p = pipeline(&s.base, Duration::from_secs(2), 3);
    let err = p
        .execute(
            &TestProtocol,
            Call::new("op", Idempotency::Safe, "M1"),
            || Ok(request(Idempotency::Safe, 1)),
            parse,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, TestError::Refused), "{err:?}");
    assert_eq!(s.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_404_or_405_without_the_envelope_is_no_such_route_naming_the_url_never_unknown() {
    const HTML_404: &[u8] = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 12\r\nConnection: close\r\n\r\n<h1>404</h1>";
    const EMPTY_405: &[u8] =
        b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    for status in [404, 405] {
        for idempotency in [Idempotency::Unsafe, Idempotency::Safe] {
            let s = match status {
                404 => server(|_| Some(HTML_404)).await,
                _ => server(|_| Some(EMPTY_405)).await,
            };
            let p = pipeline(&format!("{}/wrong", s.base), Duration::from_secs(2), 3);
            let err = p
                .execute(
                    &TestProtocol,
                    Call::new("create", idempotency, "M1").order_no(Some("A-1")),
                    || {
                        Ok(
                            PreparedRequest::new("create", Method::Post, "/x?sign=SECRET")
                                .body("application/json", b"{}".to_vec())
                                .idempotency(idempotency),
                        )
                    },
                    parse,
                )
                .await
                .unwrap_err();
            let TestError::NoRoute(e) = &err else {
                panic!("{idempotency:?} {status}: {err:?}")
            };
            assert_eq!(e.url(), format!("{}/wrong/x", s.base));
            assert_eq!(
                (e.status(), e.method(), e.operation()),
                (status, Method::Post, "create")
            );
            let text = err.to_string();
            assert!(text.contains(&format!("POST {}/wrong/x", s.base)), "{text}");
            assert!(text.contains("check base_url"), "{text}");
            assert!(!text.contains("SECRET"), "no query string: {text}");
            assert_eq!(s.requests.load(Ordering::SeqCst), 1, "never resent");
        }
    }
}

#[tokio::test]
async fn a_404_with_the_providers_envelope_is_parsed_as_its_answer() {
    let s = server(|_| {
        Some(b"HTTP/1.1 404 Not Found\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{\"code\":404}")
    })
    .await;
    let p = pipeline(&s.base, Duration::from_secs(2), 3);
    let err = p
        .execute(
            &TestProtocol,
            Call::new("create", Idempotency::Unsafe, "M1"),
            || Ok(request(Idempotency::Unsafe, 1)),
            parse,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, TestError::Refused), "{err:?}");
}

#[tokio::test]
async fn a_resigning_protocol_signs_every_attempt_afresh_and_others_sign_once() {
    for (resign, expected) in [(true, vec!["1", "2", "3"]), (false, vec!["1", "1", "1"])] {
        let s = server(|n| Some(if n < 3 { BUSY } else { OK })).await;
        let p = pipeline(&s.base, Duration::from_secs(2), 3);
        let signed = AtomicU32::new(0);
        let prepare = || {
            let n = signed.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(request(Idempotency::Safe, n))
        };
        let call = Call::new("op", Idempotency::Safe, "M1");
        let got = if resign {
            p.execute(&Resigning, call, prepare, parse).await
        } else {
            p.execute(&TestProtocol, call, prepare, parse).await
        };
        assert_eq!(got.unwrap(), "ok");
        assert_eq!(*s.nonces.lock().unwrap(), expected, "resign = {resign}");
    }
}

#[test]
fn calls_and_retries_are_counted_by_provider_operation_and_outcome() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let s = server(|n| Some(if n < 2 { BUSY } else { OK })).await;
            let p = pipeline(&s.base, Duration::from_secs(2), 3);
            let call = Call::new("query", Idempotency::Safe, "M1");
            p.execute(
                &TestProtocol,
                call,
                || Ok(request(Idempotency::Safe, 1)),
                parse,
            )
            .await
            .unwrap();
            let s = server(|_| Some(BUSY)).await;
            let p = pipeline(&s.base, Duration::from_secs(2), 1);
            let call = Call::new("create", Idempotency::Unsafe, "M1");
            let _ = p
                .execute(
                    &TestProtocol,
                    call,
                    || Ok(request(Idempotency::Unsafe, 1)),
                    parse,
                )
                .await;
        });
    });
    let mut seen = Vec::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let mut labels: Vec<String> = key
            .key()
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let value = match value {
            DebugValue::Counter(n) => n.to_string(),
            DebugValue::Histogram(v) => format!("{} samples", v.len()),
            DebugValue::Gauge(g) => g.to_string(),
        };
        seen.push(format!("{} {} {value}", key.key().name(), labels.join(",")));
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "payhub_call_duration_seconds operation=create,provider=test 1 samples",
            "payhub_call_duration_seconds operation=query,provider=test 1 samples",
            "payhub_call_retries_total operation=query,provider=test 1",
            "payhub_calls_total operation=create,outcome=outcome_unknown,provider=test 1",
            "payhub_calls_total operation=query,outcome=ok,provider=test 1",
        ]
    );
}
