//! Shared test helpers: the vector credentials, pinned clients, signed replies and callbacks, and
//! a scripted loopback HTTP server that records what it receives.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use tokenpay::sign::{AppKey, reply_signing_string};
use tokenpay::{Client, ClientBuilder, FixedClock, FixedNonce, RetryPolicy, Secret};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The credentials of the golden vectors.
pub(crate) const APP_ID: &str = "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd";
pub(crate) const MCH_ID: &str = "1234567890";
pub(crate) const SECRET: &str = "0123456789abcdef0123456789abcdef";
pub(crate) const NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";
pub(crate) const TS_MS: i64 = 1_763_800_000_123;

/// The reply signature headers' pinned values.
pub(crate) const REPLY_TS: &str = "1763800000999";
pub(crate) const REPLY_NONCE: &str = "c5ac7061fccab6bf3e254dcf98995b8c";

/// "Now" for callback verification: one second after the vectors' callbacks were signed
/// (`TTPay-Timestamp` 1763800001000), so the default 24 h freshness window accepts them.
pub(crate) const CALLBACK_NOW_MS: i64 = 1_763_800_002_000;

/// A callback verifier with the vector credentials and the clock at [`CALLBACK_NOW_MS`].
pub(crate) fn notify_verifier() -> tokenpay::NotifyVerifier {
    notify_verifier_at(CALLBACK_NOW_MS)
}

/// A callback verifier with the vector credentials and the clock at `now_ms`.
pub(crate) fn notify_verifier_at(now_ms: i64) -> tokenpay::NotifyVerifier {
    tokenpay::NotifyVerifier::new(APP_ID, MCH_ID, SECRET)
        .expect("verifier")
        .clock(Arc::new(FixedClock::from_millis(now_ms)))
}

pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

pub(crate) fn key() -> AppKey {
    AppKey::new(&Secret::new(SECRET)).expect("32-byte secret")
}

/// A builder with the vector credentials, a pinned clock and nonce, and no retry delay.
pub(crate) fn builder() -> ClientBuilder {
    Client::builder(APP_ID, MCH_ID, SECRET)
        .clock(Arc::new(FixedClock::from_millis(TS_MS)))
        .nonce_source(Arc::new(FixedNonce(NONCE.to_owned())))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_delay(Duration::from_millis(1)),
        )
}

/// One reqwest client for tests that never touch the network: building one (TLS roots) per
/// case is what makes a suite slow.
static OFFLINE_HTTP: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
});

/// As [`builder`], sharing one reqwest client (for tests without I/O).
pub(crate) fn offline_builder() -> ClientBuilder {
    builder().http_client(OFFLINE_HTTP.clone())
}

/// `TTPay-*` headers signing `body` with the vector secret.
pub(crate) fn sign_headers(
    prefix: &str,
    ts: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<(String, String)> {
    let sig = key()
        .sign(&reply_signing_string(ts, nonce, body))
        .expect("signs");
    vec![
        (format!("{prefix}-Timestamp"), ts.to_owned()),
        (format!("{prefix}-Nonce"), nonce.to_owned()),
        (format!("{prefix}-Signature"), sig),
    ]
}

/// A raw HTTP/1.1 response.
pub(crate) fn http(status: u16, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// A signed JSON reply.
pub(crate) fn signed(status: u16, body: &str) -> Vec<u8> {
    let mut headers = sign_headers("TTPay", REPLY_TS, REPLY_NONCE, body.as_bytes());
    headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    http(status, &headers, body.as_bytes())
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub(crate) enum Step {
    /// Writes these raw bytes and closes.
    Reply(Vec<u8>),
    /// Waits, then closes without answering.
    Hang(Duration),
    /// Closes at once without answering (a reset).
    Close,
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback server playing `steps` in order (the last one repeats).
pub(crate) struct Server {
    pub(crate) base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub(crate) async fn start(steps: Vec<Step>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            let mut n = 0usize;
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let step = steps[n.min(steps.len() - 1)].clone();
                n += 1;
                let log = Arc::clone(&log);
                tokio::spawn(serve(sock, step, log));
            }
        });
        Self { base, seen }
    }

    pub(crate) fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

async fn serve(mut sock: TcpStream, step: Step, log: Arc<Mutex<Vec<Seen>>>) {
    let Some(seen) = read_request(&mut sock).await else {
        return;
    };
    log.lock().expect("lock").push(seen);
    match step {
        Step::Reply(bytes) => {
            let _ = sock.write_all(&bytes).await;
            let _ = sock.shutdown().await;
        }
        Step::Hang(d) => tokio::time::sleep(d).await,
        Step::Close => drop(sock),
    }
}

async fn read_request(sock: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        method,
        path,
        headers,
        body,
    })
}

/// `(name, value)` pairs as the `http::HeaderMap` that `NotifyVerifier::verify` takes.
pub(crate) fn header_map<I, K, V>(pairs: I) -> http::HeaderMap
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    pairs
        .into_iter()
        .map(|(k, v)| {
            (
                http::HeaderName::from_bytes(k.as_ref().as_bytes()).expect("header name"),
                http::HeaderValue::from_str(v.as_ref()).expect("header value"),
            )
        })
        .collect()
}
