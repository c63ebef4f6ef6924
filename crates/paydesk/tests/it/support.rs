//! A scripted HTTP/1.1 server on 127.0.0.1 (ephemeral port): each path answers from its own
//! queue of canned replies (the last one repeats) and every request is recorded, so a test can
//! assert what reached the server, and how many times.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use paydesk::{Client, RetryPolicy, Secret, sign};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::{KEY, MERCHANT};

/// What the server does with one request.
#[derive(Clone, Debug)]
pub(crate) enum Reply {
    /// A JSON body with this HTTP status.
    Json(u16, String),
    /// A body with this status and content type.
    Body(u16, &'static str, String),
    /// Raw bytes written as they are (status line and headers included), then close.
    Raw(Vec<u8>),
    /// Never answer; close after a while.
    Hang,
    /// Close the connection without answering.
    Reset,
}

impl Reply {
    /// `{"code":200,"msg":"SUCCESS","data":<data>}`.
    pub(crate) fn ok(data: &str) -> Self {
        Self::Json(
            200,
            format!(r#"{{"code":200,"msg":"SUCCESS","data":{data}}}"#),
        )
    }

    /// An error envelope with `msg`.
    pub(crate) fn api_error(msg: &str) -> Self {
        Self::Json(200, format!(r#"{{"code":500,"msg":"{msg}","data":null}}"#))
    }
}

/// One request as the server received it.
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
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether `Sign` is the signature of the bytes received, with the test key.
    pub(crate) fn signature_ok(&self) -> bool {
        self.header("Sign") == Some(sign::signature(&Secret::new(KEY), &self.body).as_str())
    }
}

type Routes = Arc<Mutex<HashMap<String, Vec<Reply>>>>;

/// A running scripted server.
pub(crate) struct Server {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Starts a server answering `routes` (path -> replies in order, the last repeating).
    pub(crate) async fn start(routes: Vec<(&str, Vec<Reply>)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let routes: Routes = Arc::new(Mutex::new(
            routes.into_iter().map(|(p, r)| (p.to_owned(), r)).collect(),
        ));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen_in = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(serve(sock, Arc::clone(&routes), Arc::clone(&seen_in)));
            }
        });
        Self { base, seen }
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// Everything received so far.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    /// A client for this server with fast retries and short timeouts.
    pub(crate) fn client(&self) -> Client {
        Client::builder(MERCHANT, KEY)
            .base_url(self.base())
            .timeout(Duration::from_millis(400))
            .retry_policy(
                RetryPolicy::default()
                    .max_attempts(3)
                    .initial_delay(Duration::from_millis(5)),
            )
            .build()
            .expect("client")
    }
}

async fn serve(mut sock: TcpStream, routes: Routes, seen: Arc<Mutex<Vec<Seen>>>) {
    let Some(request) = read_request(&mut sock).await else {
        return;
    };
    let reply = {
        let mut routes = routes.lock().expect("lock");
        match routes.get_mut(&request.path) {
            Some(queue) if queue.len() > 1 => queue.remove(0),
            Some(queue) => queue
                .first()
                .cloned()
                .unwrap_or_else(|| Reply::Json(404, "{}".into())),
            None => Reply::Json(404, r#"{"code":404,"msg":"no route"}"#.into()),
        }
    };
    seen.lock().expect("lock").push(request);
    let bytes = match reply {
        Reply::Json(status, body) => response(status, "application/json", &body),
        Reply::Body(status, ct, body) => response(status, ct, &body),
        Reply::Raw(bytes) => bytes,
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            return;
        }
        Reply::Reset => return,
    };
    let _ = sock.write_all(&bytes).await;
    let _ = sock.shutdown().await;
}

fn response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
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
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
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
