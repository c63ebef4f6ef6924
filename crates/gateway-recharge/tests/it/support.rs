//! Shared helpers: a fixed client, and a loopback HTTP/1.1 server serving scripted replies.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gateway_recharge::notify::{Notification, NotifyVerifier};
use gateway_recharge::payhub_runtime::{FixedClock, RetryPolicy};
use gateway_recharge::{Client, ClientBuilder};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

pub(crate) const MERCHANT: &str = "M1234567890";
pub(crate) const KEY: &str = "adesf235";
pub(crate) const NOW_MS: i64 = 1_731_681_331_000;

/// The workspace `fixtures/` directory.
pub(crate) fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A builder with the demo credentials and a frozen clock.
pub(crate) fn builder(base_url: &str) -> ClientBuilder {
    Client::builder(MERCHANT, KEY)
        .base_url(base_url)
        .clock(Arc::new(FixedClock::from_millis(NOW_MS)))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_delay(Duration::from_millis(1)),
        )
        .timeout(Duration::from_millis(500))
}

/// A client for pure (no I/O) tests, built once (building a TLS client is the slow part).
pub(crate) fn offline_client() -> Client {
    static CLIENT: std::sync::OnceLock<Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            builder("https://api.winpay.example")
                .build()
                .expect("client builds")
        })
        .clone()
}

/// `NotifyVerifier::verify` with a `Content-Type` header (or none).
pub(crate) trait VerifyCt {
    fn verify_ct(&self, ct: Option<&str>, body: &[u8]) -> gateway_recharge::Result<Notification>;
}

impl VerifyCt for NotifyVerifier {
    fn verify_ct(&self, ct: Option<&str>, body: &[u8]) -> gateway_recharge::Result<Notification> {
        let mut headers = http::HeaderMap::new();
        if let Some(ct) = ct {
            let value = http::HeaderValue::from_str(ct).expect("a valid header value");
            headers.insert(http::header::CONTENT_TYPE, value);
        }
        self.verify(&headers, body)
    }
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub(crate) enum Reply {
    /// Answer with a status, a content type and a body.
    Respond(u16, &'static str, Vec<u8>),
    /// Read the request, then say nothing for this long.
    Hang(Duration),
    /// Read the request, then close the connection without answering.
    Reset,
    /// Write these bytes verbatim, then close.
    Raw(Vec<u8>),
}

impl Reply {
    /// A 200 JSON reply.
    pub(crate) fn json(body: &str) -> Self {
        Self::Respond(200, "application/json", body.as_bytes().to_vec())
    }
}

/// A request as the server received it.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// A loopback server; each connection gets the next scripted reply (the last one repeats).
pub(crate) struct Server {
    pub(crate) url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub(crate) async fn start(script: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = Arc::clone(&seen);
        tokio::spawn(async move {
            let mut n = 0usize;
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let reply = script
                    .get(n)
                    .or(script.last())
                    .cloned()
                    .unwrap_or(Reply::Reset);
                n += 1;
                let seen = Arc::clone(&seen2);
                tokio::spawn(async move { serve_one(stream, reply, seen).await });
            }
        });
        Self { url, seen }
    }

    /// The requests received so far.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

async fn serve_one(mut stream: TcpStream, reply: Reply, seen: Arc<Mutex<Vec<Seen>>>) {
    let Some(req) = read_request(&mut stream).await else {
        return;
    };
    seen.lock().expect("lock").push(req);
    match reply {
        Reply::Respond(status, ct, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: {ct}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
        }
        Reply::Hang(d) => tokio::time::sleep(d).await,
        Reply::Reset => {}
        Reply::Raw(bytes) => {
            let _ = stream.write_all(&bytes).await;
        }
    }
    let _ = stream.shutdown().await;
}

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let mut len = 0usize;
    let mut content_type = None;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            } else if k.eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_owned());
            }
        }
    }
    while buf.len() < head_end + len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        method,
        path,
        content_type,
        body: buf[head_end..].to_vec(),
    })
}
