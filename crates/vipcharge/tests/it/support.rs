//! Shared test helpers: fixture paths, the vector keys, pinned clients, the compiled-in RSA
//! backends, and a loopback HTTP/1.1 server that serves canned replies and records requests.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use payhub_runtime::{FixedClock, FixedNonce, RetryPolicy};
use sign_core::rsa::{RsaBackend, RsaPrivateKey, RsaPublicKey};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use vipcharge::{Client, ClientBuilder, Credentials};

/// The MD5 secret used across the tests (a made-up value protecting nothing).
pub(crate) const SECRET: &str = "testSignKey";
/// The pinned timestamp and nonce of the vector cases.
pub(crate) const TIMESTAMP: i64 = 1_628_757_969_177;
pub(crate) const NONCE: &str = "b1946ac9-2492-4d23-87c6-235b4d261118";

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn vectors_dir() -> PathBuf {
    root().join("fixtures/vectors")
}

pub(crate) fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The throwaway 2048-bit vector key (PKCS#8 PEM).
pub(crate) fn key_pem() -> Vec<u8> {
    read(&vectors_dir().join("vipcharge_test_key.pem"))
}

/// Its public half (SPKI PEM).
pub(crate) fn pub_pem() -> Vec<u8> {
    read(&vectors_dir().join("vipcharge_test_key.pub.pem"))
}

/// Every RSA backend compiled into this build.
#[allow(clippy::vec_init_then_push)] // the pushes are feature-gated
pub(crate) fn backends() -> Vec<&'static dyn RsaBackend> {
    let mut out: Vec<&'static dyn RsaBackend> = Vec::new();
    #[cfg(feature = "aws-lc-rs")]
    out.push(&sign_core::rsa::aws_lc::BACKEND);
    #[cfg(feature = "rsa")]
    out.push(&sign_core::rsa::rust_crypto::BACKEND);
    out
}

pub(crate) fn private_key(backend: &'static dyn RsaBackend) -> RsaPrivateKey {
    RsaPrivateKey::parse_with(&key_pem(), backend).expect("vector key parses")
}

pub(crate) fn public_key(backend: &'static dyn RsaBackend) -> RsaPublicKey {
    RsaPublicKey::parse_with(&pub_pem(), backend).expect("vector public key parses")
}

/// One reqwest client for the whole binary: building one per test client loads the platform's
/// root certificates each time, which dominates the runtime of the snapshot tests.
pub(crate) fn http() -> reqwest::Client {
    static HTTP: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    HTTP.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("reqwest client")
    })
    .clone()
}

/// A builder with the vector clock and nonce pinned (and the shared HTTP client).
pub(crate) fn pinned(builder: ClientBuilder) -> ClientBuilder {
    builder
        .http_client(http())
        .clock(Arc::new(FixedClock::from_millis(TIMESTAMP)))
        .nonce_source(Arc::new(FixedNonce(NONCE.to_owned())))
}

/// An MD5 client for merchant/business `166` at `base`, pinned, with the vector key as card key.
pub(crate) fn md5_client(base: &str) -> Client {
    pinned(Client::builder("166", "166", Credentials::md5(SECRET)))
        .base_url(base)
        .card_key(key_pem())
        .build()
        .expect("md5 client builds")
}

/// An RSA client for `166` at `base` on `backend`, pinned, verifying with the vector public key.
pub(crate) fn rsa_client(base: &str, backend: &'static dyn RsaBackend) -> Client {
    pinned(Client::builder(
        "166",
        "166",
        Credentials::sha256_rsa(private_key(backend)),
    ))
    .rsa_backend(backend)
    .platform_public_key(pub_pem())
    .base_url(base)
    .build()
    .expect("rsa client builds")
}

/// A live (random nonce, system clock) MD5 client for loopback tests: fast retries, short timeout.
pub(crate) fn live_md5_client(base: &str) -> Client {
    Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url(base)
        .http_client(http())
        .card_key(key_pem())
        .timeout(Duration::from_millis(800))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_delay(Duration::from_millis(5)),
        )
        .build()
        .expect("client builds")
}

/// What the loopback server does with one request.
#[derive(Clone, Debug)]
pub(crate) enum Canned {
    /// Answer with a status, extra headers and a body.
    Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Read the request and never answer (the client times out).
    Hang,
    /// Read the request and close the connection without answering.
    Reset,
    /// Send headers announcing `len` bytes, then only part of the body, then close.
    ShortBody { len: usize, body: Vec<u8> },
}

impl Canned {
    pub(crate) fn json(body: &str) -> Self {
        Self::Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub(crate) fn status(status: u16, content_type: &str, body: &str) -> Self {
        Self::Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
        }
    }
}

/// One request as the server received it.
#[derive(Clone, Debug)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Recorded {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback server answering with `script` in order (the last entry repeats).
pub(crate) struct Server {
    pub(crate) base: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub(crate) async fn start(script: Vec<Canned>) -> Self {
        assert!(
            !script.is_empty(),
            "a server needs at least one canned reply"
        );
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            let mut n = 0usize;
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let canned = script[n.min(script.len() - 1)].clone();
                n += 1;
                let seen = Arc::clone(&seen);
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut sock).await else {
                        return;
                    };
                    seen.lock().expect("lock").push(req);
                    match canned {
                        Canned::Reply {
                            status,
                            headers,
                            body,
                        } => {
                            let mut head = format!(
                                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                                body.len()
                            );
                            for (k, v) in headers {
                                head.push_str(&format!("{k}: {v}\r\n"));
                            }
                            head.push_str("\r\n");
                            let _ = sock.write_all(head.as_bytes()).await;
                            let _ = sock.write_all(&body).await;
                            let _ = sock.shutdown().await;
                        }
                        Canned::Hang => {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                        }
                        Canned::Reset => {
                            drop(sock);
                        }
                        Canned::ShortBody { len, body } => {
                            let head = format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
                            );
                            let _ = sock.write_all(head.as_bytes()).await;
                            let _ = sock.write_all(&body).await;
                            let _ = sock.shutdown().await;
                        }
                    }
                });
            }
        });
        Self {
            base: format!("http://{addr}"),
            requests,
            task,
        }
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?.to_owned();
    let mut parts = request_line.split(' ');
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}
