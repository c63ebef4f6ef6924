//! Transport policy (issue 10), checked through each provider's public client:
//!
//! - `https` is required for non-loopback base URLs (plain `http` only for 127.0.0.1, ::1 and
//!   localhost), at `build()`;
//! - a redirect answering a signed POST (create or read) is not followed: the redirect target
//!   never sees the request, and the call ends with a typed error (an unknown outcome for a
//!   create);
//! - reply bodies are capped: a reply over the cap (with or without `Content-Length`) is a typed
//!   error, not an allocation;
//! - timeouts are on by default: a provider that accepts the connection and never answers ends
//!   the call after the default total timeout (30 s, measured on tokio's paused clock, so the
//!   test takes milliseconds).
//!
//! `cargo test -p payhub-sandbox --test transport`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{StatusCode, header};

/// Bigger than every client's default reply cap (4 MiB).
const HUGE: usize = 4 * 1024 * 1024 + 1;

/// A misbehaving provider. The first path segment picks the behaviour, so a client's base URL
/// `http://127.0.0.1:PORT/<mode>` selects it whatever path the operation appends:
/// `redirect` (307 to `/target`), `found` (302 to `/target`), `big` (a body over 4 MiB with its
/// `Content-Length`), `chunked` (the same streamed without a length), `small` (2 KiB),
/// `silent` (never answers);
/// `target` counts the requests that reach it.
#[derive(Clone)]
struct Server {
    base: String,
    target_hits: Arc<AtomicUsize>,
}

async fn behave(State(hits): State<Arc<AtomicUsize>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let mode = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match mode {
        "redirect" | "found" => {
            let status = if mode == "redirect" {
                StatusCode::TEMPORARY_REDIRECT
            } else {
                StatusCode::FOUND
            };
            (status, [(header::LOCATION, "/target/elsewhere")]).into_response()
        }
        "target" => {
            hits.fetch_add(1, Ordering::SeqCst);
            (StatusCode::OK, "{}").into_response()
        }
        "big" => (
            [(header::CONTENT_TYPE, "application/json")],
            vec![b' '; HUGE],
        )
            .into_response(),
        "chunked" => Response::new(Body::new(Chunks { left: HUGE })),
        "small" => (
            [(header::CONTENT_TYPE, "application/json")],
            vec![b' '; 2048],
        )
            .into_response(),
        "silent" => std::future::pending().await,
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A body of `left` bytes in 64 KiB frames, with no length announced (chunked encoding).
struct Chunks {
    left: usize,
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if self.left == 0 {
            return std::task::Poll::Ready(None);
        }
        let n = self.left.min(65_536);
        self.left -= n;
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from(vec![b' '; n])))))
    }
}

impl Server {
    async fn start() -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let app = Router::new().fallback(behave).with_state(Arc::clone(&hits));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base,
            target_hits: hits,
        }
    }

    fn url(&self, mode: &str) -> String {
        format!("{}/{mode}", self.base)
    }

    fn hits(&self) -> usize {
        self.target_hits.load(Ordering::SeqCst)
    }
}

/// How a call ended, reduced to what these tests check. `unknown` is set when the client
/// reported an unknown outcome (creates).
#[derive(Debug, PartialEq, Eq)]
enum End {
    Ok,
    Redirect { unknown: bool },
    TooLarge { unknown: bool },
    Timeout { unknown: bool },
    Other(String),
}

fn kind_end(kind_debug: &str, unknown: bool) -> End {
    if kind_debug.contains("Redirect") {
        End::Redirect { unknown }
    } else if kind_debug.contains("BodyTooLarge") {
        End::TooLarge { unknown }
    } else if kind_debug.contains("Timeout") {
        End::Timeout { unknown }
    } else {
        End::Other(kind_debug.to_owned())
    }
}

type Fut<'a> = std::pin::Pin<Box<dyn Future<Output = End> + 'a>>;

/// Builds a client for a base URL, with an optional reply cap.
type Build = fn(&str, Option<usize>) -> Result<Box<dyn Calls>, String>;

/// One provider's client, as these tests need it.
struct Provider {
    name: &'static str,
    /// Builds a client for `base` (with a reply cap when given); `Err` on a refused
    /// configuration.
    build: Build,
}

trait Calls {
    fn create(&self) -> Fut<'_>;
    fn read(&self) -> Fut<'_>;
}

/// The checks every provider must pass.
async fn check(p: &Provider) {
    let name = p.name;
    // https off loopback.
    for (url, ok) in [
        ("http://api.example.com", false),
        ("http://10.0.0.7:8080", false),
        ("ftp://api.example.com", false),
        ("https://api.example.com", true),
        ("http://127.0.0.1:9", true),
        ("http://localhost:9", true),
        ("http://[::1]:9", true),
    ] {
        assert_eq!((p.build)(url, None).is_ok(), ok, "{name}: base URL {url}");
    }

    let server = Server::start().await;
    // Redirects are not followed, for creates and reads, 307 and 302.
    for mode in ["redirect", "found"] {
        let c = (p.build)(&server.url(mode), None).expect("client");
        let end = c.create().await;
        assert!(
            matches!(end, End::Redirect { unknown: true }),
            "{name}: create answered by a {mode}: {end:?}"
        );
        let end = c.read().await;
        assert!(
            matches!(end, End::Redirect { .. }),
            "{name}: read answered by a {mode}: {end:?}"
        );
    }
    assert_eq!(server.hits(), 0, "{name}: a redirect was followed");

    // The cap is a setting: 2 KiB pass the default, not a 1 KiB cap.
    let c = (p.build)(&server.url("small"), None).expect("client");
    let end = c.read().await;
    assert!(
        !matches!(end, End::TooLarge { .. }),
        "{name}: 2 KiB under the default cap: {end:?}"
    );
    let c = (p.build)(&server.url("small"), Some(1024)).expect("client");
    let end = c.read().await;
    assert!(
        matches!(end, End::TooLarge { .. }),
        "{name}: 2 KiB over a 1 KiB cap: {end:?}"
    );

    // Bodies are capped, with and without Content-Length; and a small cap is honoured.
    for mode in ["big", "chunked"] {
        let c = (p.build)(&server.url(mode), None).expect("client");
        let end = c.create().await;
        assert!(
            matches!(end, End::TooLarge { unknown: true }),
            "{name}: create with a {mode} reply: {end:?}"
        );
        let end = c.read().await;
        assert!(
            matches!(end, End::TooLarge { .. }),
            "{name}: read with a {mode} reply: {end:?}"
        );
    }
}

/// The default total timeout ends a call to a provider that never answers. Runs on tokio's
/// paused clock: the 30 s pass in milliseconds.
async fn check_default_timeout(p: &Provider) {
    let server = Server::start().await;
    let c = (p.build)(&server.url("silent"), None).expect("client");
    let started = tokio::time::Instant::now();
    let end = c.create().await;
    let waited = started.elapsed();
    assert!(
        matches!(end, End::Timeout { unknown: true }),
        "{}: create to a silent provider: {end:?}",
        p.name
    );
    assert!(
        waited >= Duration::from_secs(29) && waited <= Duration::from_secs(31),
        "{}: default total timeout took {waited:?}, expected 30 s",
        p.name
    );
}

// ---------------------------------------------------------------------------------------------

mod paydesk_transport {
    use paydesk::api::{PayDeskQueryRequest, PayDeskRequest};
    use paydesk::{Client, Error};
    use rust_decimal::Decimal;

    use super::*;

    fn end<T>(r: Result<T, Error>) -> End {
        match r {
            Ok(_) => End::Ok,
            Err(Error::Transport(t)) => kind_end(&format!("{:?}", t.kind()), false),
            Err(Error::OutcomeUnknown(u)) => match u.cause() {
                Error::Transport(t) => kind_end(&format!("{:?}", t.kind()), true),
                other => End::Other(format!("unknown: {other}")),
            },
            Err(e) => End::Other(e.to_string()),
        }
    }

    struct C(Client);

    impl Calls for C {
        fn create(&self) -> Fut<'_> {
            Box::pin(async move {
                let req =
                    PayDeskRequest::new("M-T-1", "TZS", Decimal::from(1000), "https://a.example/n")
                        .mobile_money_phone("721323213")
                        .real_name("Jeck")
                        .phone("255700000001")
                        .email("payer@example.com")
                        .remark("t");
                end(self.0.send(&req).await)
            })
        }

        fn read(&self) -> Fut<'_> {
            Box::pin(async move {
                end(self
                    .0
                    .send(&PayDeskQueryRequest::by_mch_order_no("M-T-1"))
                    .await)
            })
        }
    }

    const P: Provider = Provider {
        name: "paydesk",
        build: |base, cap| {
            let b = Client::builder(1002001, "k")
                .base_url(base)
                .retry_policy(paydesk::RetryPolicy::none());
            match cap {
                Some(n) => b.max_body_bytes(n),
                None => b,
            }
            .build()
            .map(|c| Box::new(C(c)) as Box<dyn Calls>)
            .map_err(|e| e.to_string())
        },
    };

    #[tokio::test]
    async fn transport_policy() {
        check(&P).await;
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn default_timeout() {
        check_default_timeout(&P).await;
    }

    /// An injected reqwest client that follows redirects has already re-sent the signed POST to
    /// the redirect target by the time payhub sees the reply; that cannot be undone from here
    /// (the builder docs say to disable redirects on an injected client). What payhub does is
    /// refuse the redirected reply: the call ends as a redirect with an unknown outcome, never
    /// as a success built from the wrong server's answer.
    #[tokio::test]
    async fn injected_client_redirect_is_refused_not_trusted() {
        let server = Server::start().await;
        let client = Client::builder(1002001, "k")
            .base_url(server.url("redirect"))
            .http_client(reqwest::Client::new())
            .build()
            .expect("client");
        let end = C(client).create().await;
        assert!(
            matches!(end, End::Redirect { unknown: true }),
            "a followed redirect must be refused as an unknown outcome: {end:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------

mod gateway_recharge_transport {
    use gateway_recharge::api::{CreateOrderRequest, DepositQueryRequest};
    use gateway_recharge::payhub_runtime::RetryPolicy;
    use gateway_recharge::{Client, Error};
    use rust_decimal::Decimal;

    use super::*;

    fn end<T>(r: Result<T, Error>) -> End {
        match r {
            Ok(_) => End::Ok,
            Err(Error::Transport(t)) => kind_end(&format!("{:?}", t.kind()), false),
            Err(Error::OutcomeUnknown(u)) => match u.cause() {
                Error::Transport(t) => kind_end(&format!("{:?}", t.kind()), true),
                other => End::Other(format!("unknown: {other}")),
            },
            Err(e) => End::Other(e.to_string()),
        }
    }

    struct C(Client);

    impl Calls for C {
        fn create(&self) -> Fut<'_> {
            Box::pin(async move {
                let u = "https://a.example/";
                let req = CreateOrderRequest::new("GW-T-1", Decimal::ONE, "r", "c", "::1", u, u);
                end(self.0.send(&req).await)
            })
        }

        fn read(&self) -> Fut<'_> {
            Box::pin(async move { end(self.0.send(&DepositQueryRequest::new("GW-T-1")).await) })
        }
    }

    const P: Provider = Provider {
        name: "gateway-recharge",
        build: |base, cap| {
            let b = Client::builder("M1234567890", "k")
                .base_url(base)
                .retry_policy(RetryPolicy::none());
            match cap {
                Some(n) => b.max_body_bytes(n),
                None => b,
            }
            .build()
            .map(|c| Box::new(C(c)) as Box<dyn Calls>)
            .map_err(|e| e.to_string())
        },
    };

    #[tokio::test]
    async fn transport_policy() {
        check(&P).await;
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn default_timeout() {
        check_default_timeout(&P).await;
    }
}

// ---------------------------------------------------------------------------------------------

mod jiuyi_dc_transport {
    use jiuyi_dc::api::PayRequest;
    use jiuyi_dc::api::QueryOrderRequest;
    use jiuyi_dc::{Client, Error, RetryPolicy};

    use super::*;

    fn end<T>(r: Result<T, Error>) -> End {
        match r {
            Ok(_) => End::Ok,
            Err(Error::Transport(t)) => kind_end(&format!("{:?}", t.kind()), false),
            Err(Error::OutcomeUnknown(u)) => match u.cause() {
                Error::Transport(t) => kind_end(&format!("{:?}", t.kind()), true),
                other => End::Other(format!("unknown: {other}")),
            },
            Err(e) => End::Other(e.to_string()),
        }
    }

    struct C(Client);

    impl Calls for C {
        fn create(&self) -> Fut<'_> {
            Box::pin(async move {
                end(self
                    .0
                    .send(&PayRequest::new("43", "13800138000", "JY-T-1"))
                    .await)
            })
        }

        fn read(&self) -> Fut<'_> {
            Box::pin(async move {
                end(self
                    .0
                    .send(&QueryOrderRequest::by_out_order_id("JY-T-1"))
                    .await)
            })
        }
    }

    const P: Provider = Provider {
        name: "jiuyi-dc",
        build: |base, cap| {
            let b = Client::builder("19190009", "s")
                .base_url(base)
                .retry_policy(RetryPolicy::none());
            match cap {
                Some(n) => b.max_body_bytes(n),
                None => b,
            }
            .build()
            .map(|c| Box::new(C(c)) as Box<dyn Calls>)
            .map_err(|e| e.to_string())
        },
    };

    #[tokio::test]
    async fn transport_policy() {
        check(&P).await;
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn default_timeout() {
        check_default_timeout(&P).await;
    }

    /// The documented escape hatch: `danger_allow_http(true)` lets plain http through (the
    /// provider's own docs show http gateways); without it, it is refused.
    #[test]
    fn plain_http_only_with_the_danger_switch() {
        let b = || Client::builder("19190009", "s").base_url("http://gw.example.com");
        assert!(b().build().is_err());
        assert!(b().danger_allow_http(true).build().is_ok());
    }
}

// ---------------------------------------------------------------------------------------------

mod vipcharge_transport {
    use vipcharge::api::{OrderInfoRequest, VipChargeRequest};
    use vipcharge::error::UnknownReason;
    use vipcharge::{Client, Credentials, Error, RetryPolicy};

    use super::*;

    fn end<T>(r: Result<T, Error>) -> End {
        match r {
            Ok(_) => End::Ok,
            Err(Error::Transport(t)) => kind_end(&format!("{:?}", t.kind()), false),
            Err(Error::OutcomeUnknown(u)) => match u.reason() {
                UnknownReason::Transport(k) => kind_end(&format!("{k:?}"), true),
                other => End::Other(format!("unknown: {other}")),
            },
            Err(e) => End::Other(e.to_string()),
        }
    }

    struct C(Client);

    impl Calls for C {
        fn create(&self) -> Fut<'_> {
            Box::pin(async move {
                end(self
                    .0
                    .send(&VipChargeRequest::new("87103", "13800138000", "VIP-T-1"))
                    .await)
            })
        }

        fn read(&self) -> Fut<'_> {
            Box::pin(
                async move { end(self.0.send(&OrderInfoRequest::by_biz_code("VIP-T-1")).await) },
            )
        }
    }

    const P: Provider = Provider {
        name: "vipcharge",
        build: |base, cap| {
            let b = Client::builder("166", "166", Credentials::md5("k"))
                .base_url(base)
                .retry_policy(RetryPolicy::none());
            match cap {
                Some(n) => b.max_body_bytes(n),
                None => b,
            }
            .build()
            .map(|c| Box::new(C(c)) as Box<dyn Calls>)
            .map_err(|e| e.to_string())
        },
    };

    #[tokio::test]
    async fn transport_policy() {
        check(&P).await;
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn default_timeout() {
        check_default_timeout(&P).await;
    }
}

// ---------------------------------------------------------------------------------------------

mod tokenpay_transport {
    use tokenpay::api::{PrepayRequest, QueryOrderRequest};
    use tokenpay::types::{Chain, Currency};
    use tokenpay::{Client, Error, RetryPolicy};

    use super::*;

    fn end<T>(r: Result<T, Error>) -> End {
        match r {
            Ok(_) => End::Ok,
            Err(Error::Transport(t)) => kind_end(&format!("{:?}", t.kind()), false),
            Err(Error::OutcomeUnknown(u)) => match u.cause() {
                Error::Transport(t) => kind_end(&format!("{:?}", t.kind()), true),
                other => End::Other(format!("unknown: {other}")),
            },
            Err(e) => End::Other(e.to_string()),
        }
    }

    struct C(Client);

    impl Calls for C {
        fn create(&self) -> Fut<'_> {
            Box::pin(async move {
                let req = PrepayRequest::new(
                    "TP-T-1",
                    "9".parse().expect("amount"),
                    Chain::Tron,
                    Currency::Usdt,
                );
                end(self.0.send(&req).await)
            })
        }

        fn read(&self) -> Fut<'_> {
            Box::pin(async move {
                end(self
                    .0
                    .send(&QueryOrderRequest::by_out_trade_no("TP-T-1"))
                    .await)
            })
        }
    }

    const P: Provider = Provider {
        name: "tokenpay",
        build: |base, cap| {
            let b = Client::builder("app", "mch", "0123456789abcdef0123456789abcdef")
                .base_url(base)
                .retry_policy(RetryPolicy::none());
            match cap {
                Some(n) => b.max_body_bytes(n),
                None => b,
            }
            .build()
            .map(|c| Box::new(C(c)) as Box<dyn Calls>)
            .map_err(|e| e.to_string())
        },
    };

    #[tokio::test]
    async fn transport_policy() {
        check(&P).await;
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn default_timeout() {
        check_default_timeout(&P).await;
    }
}
