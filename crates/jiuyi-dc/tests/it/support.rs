//! Test support: a loopback HTTP/1.1 server on 127.0.0.1 serving scripted replies and faults, and
//! client constructors with a fixed clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiuyi_dc::{Client, FixedClock, RetryPolicy};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

pub(crate) const APPID: &str = "19190009";
pub(crate) const SECRET: &str = "HJH546HKDHK";
pub(crate) const NOW: i64 = 1_763_800_000;

/// What the server does with one request.
#[derive(Clone, Debug)]
pub(crate) enum Behaviour {
    /// Reply with a status, a content type and a body.
    Reply(u16, &'static str, Vec<u8>),
    /// Read the request, then never answer (until the client gives up).
    Hang,
    /// Read the request, then close the connection without a reply.
    Reset,
    /// Announce a body longer than what is sent, then close.
    Truncate(Vec<u8>),
}

impl Behaviour {
    pub(crate) fn json(body: &str) -> Self {
        Self::Reply(200, "application/json", body.as_bytes().to_vec())
    }

    pub(crate) fn status(status: u16, body: &str) -> Self {
        Self::Reply(status, "text/html", body.as_bytes().to_vec())
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub(crate) struct Captured {
    pub(crate) path: String,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl Captured {
    /// The form fields of the body.
    pub(crate) fn fields(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub(crate) fn field(&self, name: &str) -> Option<String> {
        self.fields()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

type Script = Arc<dyn Fn(&Captured, usize) -> Behaviour + Send + Sync>;

/// A loopback server; requests are recorded in order.
pub(crate) struct Server {
    pub(crate) base: String,
    seen: Arc<Mutex<Vec<Captured>>>,
}

impl Server {
    /// Serves `script(request, index)` for every request.
    pub(crate) async fn start(
        script: impl Fn(&Captured, usize) -> Behaviour + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::new(script);
        let seen2 = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen2.clone();
                let script = script.clone();
                tokio::spawn(async move { serve(stream, seen, script).await });
            }
        });
        Self {
            base: format!("http://{addr}"),
            seen,
        }
    }

    /// Always the same behaviour.
    pub(crate) async fn always(b: Behaviour) -> Self {
        Self::start(move |_, _| b.clone()).await
    }

    /// The behaviours in order; the last one repeats.
    pub(crate) async fn sequence(list: Vec<Behaviour>) -> Self {
        Self::start(move |_, i| list[i.min(list.len() - 1)].clone()).await
    }

    pub(crate) fn requests(&self) -> Vec<Captured> {
        self.seen.lock().expect("lock").clone()
    }
}

async fn serve(mut stream: TcpStream, seen: Arc<Mutex<Vec<Captured>>>, script: Script) {
    loop {
        let Some(req) = read_request(&mut stream).await else {
            return;
        };
        let index = {
            let mut s = seen.lock().expect("lock");
            s.push(req.clone());
            s.len() - 1
        };
        match script(&req, index) {
            Behaviour::Reply(status, ct, body) => {
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: {ct}\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                if stream.write_all(head.as_bytes()).await.is_err()
                    || stream.write_all(&body).await.is_err()
                {
                    return;
                }
            }
            Behaviour::Hang => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
            Behaviour::Reset => return,
            Behaviour::Truncate(body) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len() + 100
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
                let _ = stream.flush().await;
                return;
            }
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Captured> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
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
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(Captured {
        path,
        content_type,
        body: buf[head_end..head_end + len].to_vec(),
    })
}

/// A client for `base` with the fixed clock and fast retries.
pub(crate) fn client(base: &str) -> Client {
    builder(base).build().expect("client")
}

pub(crate) fn builder(base: &str) -> jiuyi_dc::ClientBuilder {
    Client::builder(APPID, SECRET)
        .base_url(base)
        .clock(Arc::new(FixedClock::from_millis(NOW * 1000)))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        )
        .timeout(Duration::from_millis(800))
}

/// An offline client (nothing listens on port 9 of loopback in these tests).
pub(crate) fn offline_client_at(now: i64, appid: &str, secret: &str) -> Client {
    Client::builder(appid, secret)
        .base_url("http://127.0.0.1:9")
        .clock(Arc::new(FixedClock::from_millis(now * 1000)))
        .build()
        .expect("client")
}

/// The MD5 form signature of `fields`, computed independently of the crate (PHP urlencode by
/// hand), to check what the server received.
pub(crate) fn independent_sign(fields: &[(String, String)], unsigned: &[&str]) -> String {
    let mut s = independent_canonical(fields, unsigned);
    s.push_str("&appsecret=");
    s.push_str(SECRET);
    sign_core::Md5Signer::new(sign_core::Secret::new(""), sign_core::SecretSuffix::Plain)
        .sign_hex_upper(s.as_bytes())
}

/// The string signed for `fields` before `&appsecret=`, built independently of the crate: every
/// field but `sign`, empty ones and `unsigned`, in byte order, `k=urlencode(v)` joined by `&`.
pub(crate) fn independent_canonical(fields: &[(String, String)], unsigned: &[&str]) -> String {
    let mut v: Vec<&(String, String)> = fields
        .iter()
        .filter(|(k, val)| k != "sign" && !val.is_empty() && !unsigned.contains(&k.as_str()))
        .collect();
    v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    v.iter()
        .map(|(k, val)| format!("{k}={}", php(val)))
        .collect::<Vec<_>>()
        .join("&")
}

fn php(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Request headers carrying `content_type` (none when `None`), as a web framework hands them to
/// `NotifyVerifier::verify`.
pub(crate) fn headers(content_type: Option<&str>) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    if let Some(ct) = content_type {
        let value = http::HeaderValue::from_str(ct).expect("a valid header value");
        headers.insert(http::header::CONTENT_TYPE, value);
    }
    headers
}
