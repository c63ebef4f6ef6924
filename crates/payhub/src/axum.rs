//! A ready callback endpoint for axum (feature `axum`), and a server to expose it safely.
//!
//! [`notify_routes`] mounts `POST /{provider}` (e.g. `/paydesk`, `/jiuyi-dc`) and
//! `POST /{provider}/{account}` (an account of a [`Hub`](crate::Hub) with several per provider,
//! for providers whose callbacks do not name their merchant): it takes the raw body (verification always runs on the bytes received), verifies it with the
//! [`NotifyRouter`], deduplicates it, calls your async function with the typed
//! [`Notification`], and answers the provider's own acknowledgement, or the provider's retry
//! reply when your function fails or the callback does not verify. A body announced larger
//! than [`MAX_CALLBACK_BYTES`] is refused at once (`413`), before it is read.
//!
//! # Serving callbacks
//!
//! Serve it with [`serve`], not with a bare `axum::serve`: a callback endpoint faces the
//! internet, and `axum::serve` waits forever for a client that trickles its headers or never
//! sends the body it announced; a few hundred such connections use up the process's file
//! handles and every genuine callback is refused until they go. [`serve`] bounds each phase
//! ([`ServeOptions`]: headers 5 s, gaps in the body 10 s, whole request 30 s, connection age
//! 60 s, 512 connections by default), keeps accepting after running out of file handles, and
//! shuts down gracefully.
//!
//! ```no_run
//! # #[cfg(feature = "paydesk")]
//! # async fn run() -> std::io::Result<()> {
//! use payhub::axum::{ServeOptions, notify_routes, serve};
//! use payhub::{Notification, NotifyRouter};
//!
//! let router = NotifyRouter::new()
//!     .paydesk(payhub::paydesk::notify::NotifyVerifier::new(1002001, "apiKey"));
//! let app = axum::Router::new().nest(
//!     "/callbacks",
//!     notify_routes(router, |n: Notification| async move {
//!         // Record the payment; return Err to have the provider deliver again.
//!         println!("{:?} {}", n.provider(), n.status());
//!         Ok::<(), std::io::Error>(())
//!     }),
//! );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, app, ServeOptions::default())
//!     .with_graceful_shutdown(async {
//!         let _ = tokio::signal::ctrl_c().await;
//!     })
//!     .await
//! # }
//! ```
//!
//! `examples/callback_server.rs` is a complete service for all five providers.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use tower_http::limit::RequestBodyLimitLayer;

pub use crate::serve::{Serve, ServeOptions, serve};
use crate::{Ack, Delivery, Notification, NotifyRouter, Provider, Verified};

/// The largest callback body accepted by the endpoint (each provider's verifier caps it too).
pub const MAX_CALLBACK_BYTES: usize = 256 * 1024;

/// Your code that handles a verified notification. Implemented for every
/// `Fn(Notification) -> impl Future<Output = Result<(), E>>` with `E: Display`.
pub trait NotifyHandler: Clone + Send + Sync + 'static {
    /// The handler's error; it is logged and makes the provider deliver again.
    type Error: Display + Send;

    /// Handles one verified notification.
    fn handle(
        &self,
        notification: Notification,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

impl<F, Fut, E> NotifyHandler for F
where
    F: Fn(Notification) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Display + Send,
{
    type Error = E;

    fn handle(&self, notification: Notification) -> impl Future<Output = Result<(), E>> + Send {
        self(notification)
    }
}

/// Your code that handles a verified callback together with the account it is for (a
/// [`Hub`](crate::Hub) with several accounts per provider). Implemented for every
/// `Fn(Verified) -> impl Future<Output = Result<(), E>>` with `E: Display`.
pub trait AccountHandler: Clone + Send + Sync + 'static {
    /// The handler's error; it is logged and makes the provider deliver again (with an inbox:
    /// logged only, the event being recorded).
    type Error: Display + Send;

    /// Handles one verified callback.
    fn handle(&self, verified: Verified) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

impl<F, Fut, E> AccountHandler for F
where
    F: Fn(Verified) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Display + Send,
{
    type Error = E;

    fn handle(&self, verified: Verified) -> impl Future<Output = Result<(), E>> + Send {
        self(verified)
    }
}

/// A [`NotifyHandler`] as an [`AccountHandler`]: the account is dropped.
#[derive(Clone)]
struct NotificationOnly<H>(H);

impl<H: NotifyHandler> AccountHandler for NotificationOnly<H> {
    type Error = H::Error;

    fn handle(&self, verified: Verified) -> impl Future<Output = Result<(), H::Error>> + Send {
        self.0.handle(verified.notification)
    }
}

struct Shared<H> {
    router: NotifyRouter,
    handler: H,
}

/// An axum router with `POST /{provider}` for every provider, answering each with its own
/// acknowledgement. Nest it under any prefix, and serve it with [`serve`] (see the
/// [module docs](self#serving-callbacks)).
///
/// `router` may be a [`NotifyRouter`] or a [`Hub`](crate::Hub) (`NotifyRouter::from(hub)`):
/// `POST /{provider}` picks the account from the callback (or the provider's only account),
/// `POST /{provider}/{account}` uses the named one and refuses a callback for an account that
/// is not configured (with the provider's retry reply, so it comes back once it is).
pub fn notify_routes<H: NotifyHandler>(
    router: impl Into<NotifyRouter>,
    handler: H,
) -> axum::Router {
    account_routes(router, NotificationOnly(handler))
}

/// [`notify_routes`] whose handler also learns the account each callback is for (what
/// `payhub serve` uses to settle tracked orders).
pub fn account_routes<H: AccountHandler>(
    router: impl Into<NotifyRouter>,
    handler: H,
) -> axum::Router {
    let shared = Arc::new(Shared {
        router: router.into(),
        handler,
    });
    axum::Router::new()
        .route("/{provider}", post(endpoint::<H>))
        .route("/{provider}/{account}", post(account_endpoint::<H>))
        .layer(DefaultBodyLimit::max(MAX_CALLBACK_BYTES))
        // Refuses a larger `Content-Length` before reading anything (413), so a client that
        // announces megabytes and sends nothing does not wait for the body timeout.
        .layer(RequestBodyLimitLayer::new(MAX_CALLBACK_BYTES))
        .with_state(shared)
}

async fn endpoint<H: AccountHandler>(
    State(shared): State<Arc<Shared<H>>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    deliver(&shared, &provider, None, &headers, &body).await
}

async fn account_endpoint<H: AccountHandler>(
    State(shared): State<Arc<Shared<H>>>,
    Path((provider, account)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    deliver(&shared, &provider, Some(&account), &headers, &body).await
}

async fn deliver<H: AccountHandler>(
    shared: &Shared<H>,
    provider: &str,
    account: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let Ok(provider) = provider.parse::<Provider>() else {
        return (StatusCode::NOT_FOUND, "unknown provider").into_response();
    };
    let handler = shared.handler.clone();
    let (ack, delivery) = shared
        .router
        .deliver_to(provider, account, headers, body, |v| async move {
            handler.handle(v).await
        })
        .await;
    match &delivery {
        Delivery::HandlerFailed(n, e) => {
            tracing::warn!(provider = provider.name(), key = n.dedupe_key(), error = %e, "notify handler failed");
        }
        Delivery::Rejected(e) => {
            tracing::warn!(provider = provider.name(), error = %e, "callback rejected");
        }
        _ => {}
    }
    ack_response(&ack)
}

/// Renders an [`Ack`] as an axum response.
pub fn ack_response(ack: &Ack) -> Response {
    let status = StatusCode::from_u16(ack.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, ack.body()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ack.content_type()),
    );
    resp
}
