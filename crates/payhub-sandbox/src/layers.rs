//! The layers the frame puts around the routers: one access-log line per request (method,
//! path, status, latency; never bodies, queries or headers, which carry order data and
//! signatures) around the whole server, and, around every provider router, fault injection
//! plus the provider and fault the access line names.

use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};

use crate::body::{ModuleScope, read_limited};
use crate::fault::{FaultKind, FaultTarget};
use crate::shared::Shared;

/// State of the provider layer.
#[derive(Clone)]
pub(crate) struct LayerState {
    pub(crate) shared: Arc<Shared>,
    pub(crate) scope: ModuleScope,
}

/// What a provider router adds to the access-log line of its requests.
#[derive(Clone, Debug)]
struct ProviderNote {
    provider: &'static str,
    fault: Option<String>,
}

/// Logs one line per request, whatever answered it (control API, UI, a provider module, the
/// not-found fallback): `method`, `path` (without the query), `status`, `latency_ms`, and for
/// provider routes `provider` and the injected `fault`, if any. Target `payhub_sandbox::access`.
pub(crate) async fn access_log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let resp = next.run(req).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let status = resp.status().as_u16();
    match resp.extensions().get::<ProviderNote>() {
        Some(note) => tracing::info!(
            target: "payhub_sandbox::access",
            method = %method,
            path = %path,
            status,
            latency_ms,
            provider = note.provider,
            fault = note.fault.as_deref(),
            "request"
        ),
        None => tracing::info!(
            target: "payhub_sandbox::access",
            method = %method,
            path = %path,
            status,
            latency_ms,
            "request"
        ),
    }
    resp
}

/// Applies request faults and notes the provider (and fault) for the access log.
pub(crate) async fn provider_layer(
    State(st): State<LayerState>,
    mut req: Request,
    next: Next,
) -> Response {
    let name = st.scope.module.name();
    let route = req.uri().path().to_owned();
    req.extensions_mut().insert(st.scope.clone());

    let mut orders = Vec::new();
    if st.shared.faults.needs_orders(name, &route) {
        let (parts, body) = req.into_parts();
        let bytes = match read_limited(body, st.scope.limit).await {
            Ok(b) => b,
            Err(r) => return st.scope.module.reject(&r),
        };
        orders = order_refs(st.scope.module.order_keys(), parts.uri.query(), &bytes);
        req = Request::from_parts(parts, Body::from(bytes));
    }
    let fault = st
        .shared
        .faults
        .check(FaultTarget::Requests, name, Some(&route), &orders);
    let fault_name = fault.as_ref().map(|(id, f)| format!("#{id} {f:?}"));
    let mut resp = match fault {
        None => next.run(req).await,
        Some((_, kind)) => apply(&st, kind, req, next).await,
    };
    resp.extensions_mut().insert(ProviderNote {
        provider: name,
        fault: fault_name,
    });
    resp
}

async fn apply(st: &LayerState, kind: FaultKind, req: Request, next: Next) -> Response {
    match kind {
        FaultKind::Delay { ms } => {
            let resp = next.run(req).await;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            resp
        }
        FaultKind::HttpStatus {
            status,
            after_handler,
        } => {
            if after_handler {
                drop(next.run(req).await);
            }
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            (status, format!("sandbox fault: HTTP {}", status.as_u16())).into_response()
        }
        FaultKind::HtmlError {
            status,
            after_handler,
        } => {
            if after_handler {
                drop(next.run(req).await);
            }
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let reason = status.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
                code = status.as_u16()
            );
            (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
        }
        FaultKind::ProviderError {
            error,
            after_handler,
        } => {
            if after_handler {
                drop(next.run(req).await);
            }
            st.scope.module.fault_reply(&error).unwrap_or_else(|| {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("sandbox fault: provider error {error}"),
                )
                    .into_response()
            })
        }
        FaultKind::CloseMidBody => {
            let (mut parts, bytes) = buffered(next.run(req).await).await;
            let half = bytes.slice(..bytes.len() / 2);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            let pause = Box::pin(tokio::time::sleep(Duration::from_millis(50)));
            Response::from_parts(
                parts,
                Body::new(FailingBody {
                    first: Some(half),
                    pause,
                }),
            )
        }
        FaultKind::TruncatedJson => {
            let (mut parts, bytes) = buffered(next.run(req).await).await;
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)))
        }
        FaultKind::WrongSignature => {
            let (mut parts, bytes) = buffered(next.run(req).await).await;
            let mut body = bytes.to_vec();
            if !st
                .scope
                .module
                .tamper_reply_signature(&mut parts.headers, &mut body)
            {
                tracing::warn!(
                    provider = st.scope.module.name(),
                    "wrong_signature fault: this provider does not sign replies"
                );
            }
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(body))
        }
    }
}

async fn buffered(resp: Response) -> (http::response::Parts, Bytes) {
    let (parts, body) = resp.into_parts();
    // Our own handler's reply: bounded by what the module produced.
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    (parts, bytes)
}

/// The values of `keys` in the query string, a JSON object body or a form body.
pub(crate) fn order_refs(keys: &[&str], query: Option<&str>, body: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut take_pairs = |pairs: url::form_urlencoded::Parse<'_>| {
        for (k, v) in pairs {
            if keys.contains(&k.as_ref()) && !v.is_empty() {
                out.push(v.into_owned());
            }
        }
    };
    if let Some(q) = query {
        take_pairs(url::form_urlencoded::parse(q.as_bytes()));
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(map)) => {
            for k in keys {
                match map.get(*k) {
                    Some(serde_json::Value::String(s)) => out.push(s.clone()),
                    Some(serde_json::Value::Number(n)) => out.push(n.to_string()),
                    _ => {}
                }
            }
        }
        _ => take_pairs(url::form_urlencoded::parse(body)),
    }
    out
}

/// A body that yields its first chunk, waits a moment (so hyper flushes the head and that
/// chunk to the socket), then fails: hyper drops the connection mid-body.
struct FailingBody {
    first: Option<Bytes>,
    pause: Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for FailingBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if let Some(b) = self.first.take() {
            return Poll::Ready(Some(Ok(http_body::Frame::data(b))));
        }
        match self.pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "sandbox fault: connection closed mid-body",
            )))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_refs_from_json_form_and_query() {
        let keys = &["mchOrderNo", "orderNo"];
        assert_eq!(
            order_refs(keys, None, br#"{"mchOrderNo":"M1","orderNo":7,"x":"y"}"#),
            ["M1", "7"]
        );
        assert_eq!(
            order_refs(keys, Some("orderNo=P1"), b"mchOrderNo=M2&a=b"),
            ["P1", "M2"]
        );
        assert!(order_refs(keys, None, b"\xff\xfe").is_empty());
    }
}
