//! `payhub::axum::serve` in process, with short limits: every phase of a connection is bounded,
//! the connection cap queues rather than refuses, and graceful shutdown completes.

use std::convert::Infallible;
use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::routing::post;
use payhub::axum::{ServeOptions, notify_routes, serve};
use payhub::{Notification, NotifyRouter};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::support::{API_KEY, Callback, MERCHANT_ID, closed_within, exchange, parse};

/// Generous bound for "promptly" on a loaded machine; the limits under test are far shorter.
const PROMPT: Duration = Duration::from_secs(5);

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(options: ServeOptions) -> Self {
        let router =
            NotifyRouter::new().paydesk(paydesk::notify::NotifyVerifier::new(MERCHANT_ID, API_KEY));
        let app = axum::Router::new()
            .nest(
                "/callbacks",
                notify_routes(router, |_n: Notification| async {
                    Ok::<(), Infallible>(())
                }),
            )
            .route(
                "/slow",
                post(|| async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    "too late"
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(
            serve(listener, app, options)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .into_future(),
        );
        Self {
            addr,
            stop: Some(stop),
            task,
        }
    }

    async fn stop(mut self) {
        let _ = self.stop.take().expect("running").send(());
        let out = tokio::time::timeout(PROMPT, &mut self.task)
            .await
            .expect("graceful shutdown completes");
        out.expect("server task").expect("server result");
    }
}

fn short() -> ServeOptions {
    ServeOptions::default()
        .header_read_timeout(Duration::from_millis(300))
        .body_read_timeout(Duration::from_millis(300))
        .request_timeout(Duration::from_millis(600))
}

#[tokio::test]
async fn silent_trickling_and_idle_connections_are_closed_after_the_header_timeout() {
    let server = Server::start(short()).await;
    let started = Instant::now();
    let mut silent = TcpStream::connect(server.addr).await.expect("connect");
    let mut trickle = TcpStream::connect(server.addr).await.expect("connect");
    trickle
        .write_all(b"POST /callbacks/paydesk HTTP/1.1\r\nHost: x\r\nContent-Ty")
        .await
        .expect("write");
    // A complete request, then the connection is kept alive and idle.
    let mut idle = TcpStream::connect(server.addr).await.expect("connect");
    idle.write_all(b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    for (name, s) in [
        ("silent", &mut silent),
        ("trickle", &mut trickle),
        ("idle", &mut idle),
    ] {
        let got = closed_within(s, PROMPT)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if name == "idle" {
            assert_eq!(parse(&got).expect("reply").status, 404);
        }
    }
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "closed by the timeout, not at once"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_stops_coming_fails_and_an_announced_huge_body_is_refused_at_once() {
    let server = Server::start(short()).await;
    let mut stalled = TcpStream::connect(server.addr).await.expect("connect");
    stalled
        .write_all(b"POST /callbacks/paydesk HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"amount\"")
        .await
        .expect("write");
    let got = closed_within(&mut stalled, PROMPT)
        .await
        .expect("stalled body");
    let status = parse(&got).expect("reply").status;
    assert!(status >= 400, "{status}");

    let started = Instant::now();
    let mut huge = TcpStream::connect(server.addr).await.expect("connect");
    huge.write_all(
        b"POST /callbacks/paydesk HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n",
    )
    .await
    .expect("write");
    let got = closed_within(&mut huge, PROMPT).await.expect("huge body");
    assert_eq!(parse(&got).expect("reply").status, 413);
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "refused before the body timeout: {:?}",
        started.elapsed()
    );
    server.stop().await;
}

#[tokio::test]
async fn a_request_over_the_deadline_gets_408() {
    let server = Server::start(short()).await;
    let started = Instant::now();
    let reply = tokio::time::timeout(
        PROMPT,
        exchange(
            server.addr,
            b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
    )
    .await
    .expect("answered")
    .expect("reply");
    assert_eq!(reply.status, 408);
    assert!(started.elapsed() >= Duration::from_millis(500));
    server.stop().await;
}

#[tokio::test]
async fn at_the_connection_cap_new_connections_wait_and_are_then_served() {
    let options = ServeOptions::default()
        .header_read_timeout(Duration::from_millis(800))
        .max_connections(2);
    let server = Server::start(options).await;
    let _a = TcpStream::connect(server.addr).await.expect("connect");
    let _b = TcpStream::connect(server.addr).await.expect("connect");
    // Let the server accept both before the genuine callback arrives.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let cb = Callback::paid("CAP-1");
    let reply = tokio::time::timeout(
        PROMPT,
        exchange(server.addr, &cb.request("/callbacks/paydesk")),
    )
    .await
    .expect("answered once a slot freed")
    .expect("reply");
    assert_eq!((reply.status, reply.body.as_str()), (200, "SUCCESS"));
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "it waited for a slot: {:?}",
        started.elapsed()
    );
    server.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_closes_idle_connections_and_stops_accepting() {
    let server = Server::start(ServeOptions::default()).await;
    let addr = server.addr;
    let cb = Callback::paid("GRACE-1");
    let reply = exchange(addr, &cb.request("/callbacks/paydesk"))
        .await
        .expect("reply");
    assert_eq!((reply.status, reply.body.as_str()), (200, "SUCCESS"));
    // An idle connection (default header timeout 5 s) must not hold the shutdown.
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    server.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    closed_within(&mut idle, PROMPT).await.expect("idle closed");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn a_client_that_never_reads_its_responses_cannot_hold_a_slot() {
    let options = short()
        .max_connection_age(Duration::from_millis(500))
        .max_connections(1);
    let server = Server::start(options).await;
    // Pipelines thousands of requests and never reads: the answers fill the socket buffers and
    // the server's writes stall.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let mut slow = socket.connect(server.addr).await.expect("connect");
    let writer = tokio::spawn(async move {
        let req = b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1000);
        for _ in 0..100 {
            if slow.write_all(&req).await.is_err() {
                break;
            }
        }
        slow
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cb = Callback::paid("SLOW-READER-1");
    let reply = tokio::time::timeout(
        Duration::from_secs(10),
        exchange(server.addr, &cb.request("/callbacks/paydesk")),
    )
    .await
    .expect("the slow reader's slot was freed")
    .expect("reply");
    assert_eq!((reply.status, reply.body.as_str()), (200, "SUCCESS"));
    writer.abort();
    server.stop().await;
}
