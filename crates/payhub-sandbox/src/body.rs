//! The raw-body extractor: the exact request bytes, size-limited, with the provider's error
//! shape when the body is too large or unreadable.
//!
//! Signatures in this project are checked over the bytes received, so handlers take
//! [`RawBody`] rather than a parsed `Json<T>`: verify first, then parse with
//! [`JsonFields`](crate::JsonFields).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequest, Request};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http_body::Body as _;

use crate::provider::{ProviderModule, Rejection};

/// The body limit when none is configured: 256 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// Inserted by the frame into every request to a provider route.
#[derive(Clone)]
pub(crate) struct ModuleScope {
    pub(crate) module: Arc<dyn ProviderModule>,
    pub(crate) limit: usize,
}

/// The request body exactly as received, at most the sandbox's body limit.
///
/// Over the limit, or when the body cannot be read, the extractor answers with the module's
/// [`reject`](crate::ProviderModule::reject) (the provider's own error shape); it reads and
/// discards a bounded amount of the excess first so the client sees the reply instead of a
/// reset, and never waits more than two seconds for a slow sender.
///
/// ```
/// use axum::{Router, routing::post};
/// use payhub_sandbox::RawBody;
/// async fn handler(RawBody(bytes): RawBody) -> String {
///     format!("{} bytes", bytes.len())
/// }
/// let _router: Router = Router::new().route("/api/echo", post(handler));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = Response;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let scope = req.extensions().get::<ModuleScope>().cloned();
        let limit = scope.as_ref().map_or(DEFAULT_BODY_LIMIT, |s| s.limit);
        let reject = |r: Rejection| match &scope {
            Some(s) => s.module.reject(&r),
            None => r.default_response(),
        };
        match read_limited(req.into_body(), limit).await {
            Ok(bytes) => Ok(RawBody(bytes)),
            Err(r) => Err(reject(r)),
        }
    }
}

/// Reads at most `limit` bytes. Past the limit, drains up to 16x more (bounded in time) and
/// reports [`Rejection::BodyTooLarge`].
pub(crate) async fn read_limited(body: axum::body::Body, limit: usize) -> Result<Bytes, Rejection> {
    let mut body = std::pin::pin!(body);
    let mut buf = BytesMut::new();
    loop {
        match std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
            None => return Ok(buf.freeze()),
            Some(Err(_)) => return Err(Rejection::BodyUnreadable),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if buf.len() + data.len() > limit {
                        drain(body, limit.saturating_mul(16).max(8 << 20)).await;
                        return Err(Rejection::BodyTooLarge { limit });
                    }
                    buf.extend_from_slice(&data);
                }
            }
        }
    }
}

async fn drain(mut body: std::pin::Pin<&mut axum::body::Body>, cap: usize) {
    let mut seen = 0usize;
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while seen < cap {
            match std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
                Some(Ok(frame)) => seen += frame.data_ref().map_or(0, Bytes::len),
                _ => return,
            }
        }
    })
    .await;
}
