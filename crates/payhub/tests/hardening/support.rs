//! Signed paydesk callbacks and a raw HTTP/1.1 client (so nothing hides what is on the wire).

use std::net::SocketAddr;
use std::time::Duration;

use payhub::http::HeaderMap;
use payhub::paydesk::Secret;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

pub(crate) const MERCHANT_ID: u64 = 1_002_001;
pub(crate) const API_KEY: &str = "hardeningApiKey";

/// A paydesk payment callback for `order_no`, signed as paydesk signs it
/// (`Sign` = upper-case hex MD5 of the raw body followed by the apiKey).
pub(crate) struct Callback {
    pub(crate) body: Vec<u8>,
    pub(crate) sign: String,
}

impl Callback {
    pub(crate) fn paid(order_no: &str) -> Self {
        let body = format!(
            r#"{{"amount":1000.00,"completionTime":"2024-12-02 12:07:06","fee":25.0000,"mchOrderNo":"{order_no}","merchantId":"{MERCHANT_ID}","nonceStr":"1733116026894","orderNo":"PAYDESK-{order_no}","orderStatus":"SUCCESS","payCode":"OR.GPNQR","payType":"41","payUrl":"https://payurl.example"}}"#
        )
        .into_bytes();
        let sign = paydesk::sign::signature(&Secret::from(API_KEY), &body);
        Self { body, sign }
    }

    pub(crate) fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "MerchantId",
            MERCHANT_ID.to_string().parse().expect("header"),
        );
        h.insert("Sign", self.sign.parse().expect("header"));
        h.insert("Content-Type", "application/json".parse().expect("header"));
        h
    }

    /// The whole HTTP request, as paydesk would send it to `path`.
    pub(crate) fn request(&self, path: &str) -> Vec<u8> {
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             MerchantId: {MERCHANT_ID}\r\nSign: {}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            self.sign,
            self.body.len()
        )
        .into_bytes();
        req.extend_from_slice(&self.body);
        req
    }
}

/// An HTTP response: status and body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// Sends `request` on a new connection and reads the reply until the server closes it.
pub(crate) async fn exchange(addr: SocketAddr, request: &[u8]) -> std::io::Result<Reply> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(request).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    parse(&raw)
}

pub(crate) fn parse(raw: &[u8]) -> std::io::Result<Reply> {
    let text = String::from_utf8_lossy(raw);
    let bad = || std::io::Error::other(format!("not an HTTP response: {text:?}"));
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(bad)?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    Ok(Reply {
        status,
        body: body.to_owned(),
    })
}

/// Reads until the peer closes (EOF or reset); `Err` when it is still open after `wait`.
pub(crate) async fn closed_within(s: &mut TcpStream, wait: Duration) -> Result<Vec<u8>, String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                // A reset is a close too.
                Err(_) => return,
            }
        }
    })
    .await;
    match read {
        Ok(()) => Ok(got),
        Err(_) => Err(format!(
            "still open after {wait:?} (read so far: {:?})",
            String::from_utf8_lossy(&got)
        )),
    }
}
