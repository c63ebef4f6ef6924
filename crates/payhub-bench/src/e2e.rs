//! Figure 3: paydesk `payDesk` create-order calls end to end over loopback keep-alive.
//!
//! A minimal axum server on 127.0.0.1 (its own thread and runtime) answers every POST with
//! Cashy's documented `payDesk` success reply. Ours is `client.send(&request)`: validation,
//! serialization, signing, the runtime transport (timeout, body cap), the tracing span (no
//! subscriber installed) and the typed parse of the reply. The floor is a raw reqwest POST of
//! the same pre-built bytes and headers on one reused `reqwest::Client`, reading the whole reply.
//! Both sides run on the same client runtime, interleaved batch by batch, at concurrency 1 (one
//! call after another) and 64 (64 tasks, each calling in a loop); the figure is wall time per
//! call, so at concurrency 64 it is the inverse of throughput.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;

use crate::Res;
use crate::harness::{Settings, median};
use crate::signing::paydesk_request;
use crate::table::{Row, Unit};

/// The goal: at most 1.15 times the raw POST.
pub(crate) const GOAL: f64 = 1.15;

/// Cashy's `payDesk` response example (fixture `pay_desk/ok/reply_doc.json`).
const REPLY: &str = r#"{"msg":"SUCCESS","code":200,"data":{"merchantId":"100001","mchOrderNo":"M165690800000001","orderNo":"PAYDESKxxxxxxxxxxxxxxxxxx","payUrl":"http://paydesk.testpage.com/PAYDESKxxxxxxxxxxxxxxx","amount":"100000","expireTime":"2022-12-06 17:48:40"}}"#;

/// The canned server, stopped on drop.
struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Res<Self> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<SocketAddr, String>>();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bench-server".to_owned())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("server runtime: {e}")));
                        return;
                    }
                };
                rt.block_on(async move {
                    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(format!("bind 127.0.0.1:0: {e}")));
                            return;
                        }
                    };
                    let addr = listener.local_addr().map_err(|e| e.to_string());
                    let _ = ready_tx.send(addr);
                    let app = axum::Router::new().fallback(axum::routing::post(|| async {
                        ([(http::header::CONTENT_TYPE, "application/json")], REPLY)
                    }));
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stop_rx.await;
                        })
                        .await;
                });
            })?;
        let addr = ready_rx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|e| format!("server did not start: {e}"))??;
        Ok(Self {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The raw POST: a pre-built request on a reused client.
struct Raw {
    http: reqwest::Client,
    url: String,
    merchant_id: String,
    sign: String,
    body: Bytes,
    /// A total timeout around the exchange, as the runtime transport arms on every attempt
    /// (one `tokio::time::timeout` over the request and the whole reply).
    timeout: Option<Duration>,
}

/// The raw POST of `$raw` ([`Raw`]) and its whole reply, `Ok(())` or a description.
macro_rules! raw_post {
    ($raw:expr) => {{
        let raw: &Raw = $raw;
        let resp = raw
            .http
            .post(&raw.url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header("MerchantId", &raw.merchant_id)
            .header("Sign", &raw.sign)
            .body(raw.body.clone())
            .send()
            .await
            .map_err(|e| format!("raw POST: {e}"))?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(format!("raw POST: HTTP {}", resp.status()));
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| format!("raw POST body: {e}"))?;
        std::hint::black_box(body);
        Ok::<(), String>(())
    }};
}

/// One side of the comparison.
enum Side {
    Ours {
        client: paydesk::Client,
        request: Box<paydesk::api::PayDeskRequest>,
    },
    Raw(Raw),
}

impl Side {
    /// One call; `Err` describes a failure (which aborts the figure: a failing call is not a
    /// measurement).
    async fn call(&self) -> Result<(), String> {
        match self {
            Self::Ours { client, request } => client
                .send(request.as_ref())
                .await
                .map(|r| {
                    std::hint::black_box(r);
                })
                .map_err(|e| format!("paydesk send: {e}")),
            // The floor's code inline in this `async fn`, as it always was; the timed side
            // runs the same code inside the timer.
            Self::Raw(raw) => match raw.timeout {
                None => raw_post!(raw),
                Some(t) => tokio::time::timeout(t, async { raw_post!(raw) })
                    .await
                    .map_err(|_| "raw POST: timed out".to_owned())?,
            },
        }
    }
}

/// Runs `per_task` calls on each of `concurrency` tasks; wall nanoseconds per call.
async fn batch(side: &Arc<Side>, concurrency: usize, per_task: usize) -> Res<f64> {
    let started = Instant::now();
    if concurrency == 1 {
        for _ in 0..per_task {
            side.call().await?;
        }
    } else {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let side = Arc::clone(side);
            tasks.spawn(async move {
                for _ in 0..per_task {
                    side.call().await?;
                }
                Ok::<(), String>(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.map_err(|e| format!("task: {e}"))??;
        }
    }
    let calls = (concurrency * per_task) as f64;
    Ok(started.elapsed().as_secs_f64() * 1e9 / calls)
}

/// Calls per task so a batch lasts about `target`, from a timed probe.
async fn calibrate(side: &Arc<Side>, concurrency: usize, target: Duration) -> Res<usize> {
    // Warm-up: opens the connections the pool will keep.
    batch(side, concurrency, 4).await?;
    let probe = 16;
    let per_call = batch(side, concurrency, probe).await?;
    let calls = target.as_secs_f64() * 1e9 / per_call;
    Ok(((calls / concurrency as f64).ceil() as usize).clamp(2, 100_000))
}

async fn compare(
    ours: &Arc<Side>,
    raw: &Arc<Side>,
    concurrency: usize,
    settings: Settings,
) -> Res<(f64, f64)> {
    let target = settings.batch * 4;
    let n_ours = calibrate(ours, concurrency, target).await?;
    let n_raw = calibrate(raw, concurrency, target).await?;
    // Every figure gets the full number of rounds: on a shared VM the loopback round trip drifts
    // by tens of percent within seconds, and fewer rounds made the concurrency-64 median swing.
    let rounds = settings.rounds;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            a.push(batch(ours, concurrency, n_ours).await?);
            b.push(batch(raw, concurrency, n_raw).await?);
        } else {
            b.push(batch(raw, concurrency, n_raw).await?);
            a.push(batch(ours, concurrency, n_ours).await?);
        }
    }
    Ok((median(&mut a), median(&mut b)))
}

/// The three sides over the server at `base`: ours, the raw POST and the raw POST with the
/// runtime's default 30 s timeout; each has made one successful call.
async fn sides(base: &str) -> Res<[Arc<Side>; 3]> {
    let client = paydesk::Client::builder(1002001, "testApiKey")
        .base_url(base)
        .build()?;
    let request = paydesk_request()?;
    // The floor sends the bytes ours would send (one nonce, fixed for the run).
    let prepared = client.prepare(&request)?;
    let raw_side = |timeout: Option<Duration>| -> Res<Raw> {
        Ok(Raw {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            url: format!("{base}{}", prepared.path_and_query()),
            merchant_id: prepared
                .header_value("MerchantId")
                .unwrap_or_default()
                .to_owned(),
            sign: prepared.header_value("Sign").unwrap_or_default().to_owned(),
            body: Bytes::copy_from_slice(prepared.body_bytes()),
            timeout,
        })
    };
    let raw = Arc::new(Side::Raw(raw_side(None)?));
    // The runtime's default total timeout, one timer around each exchange as the transport has.
    let timed = Arc::new(Side::Raw(raw_side(Some(Duration::from_secs(30)))?));
    let ours = Arc::new(Side::Ours {
        client,
        request: Box::new(request),
    });
    for side in [&ours, &raw, &timed] {
        side.call().await?;
    }
    Ok([ours, raw, timed])
}

/// The client's runtime: two workers, as an app's would have on these machines.
fn client_runtime() -> Res<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Which side [`alone`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Alone {
    /// `client.send(&request)`.
    Ours,
    /// The raw POST of the same bytes.
    Raw,
}

/// Runs `calls` calls of one side (`concurrency` tasks, `calls / concurrency` each) and nothing
/// else (the server and the client set up as for the timed figure): the process the
/// `instructions` group counts under callgrind.
pub(crate) fn alone(which: Alone, calls: usize, concurrency: usize) -> Res<()> {
    let server = Server::start()?;
    let base = format!("http://{}", server.addr);
    let rt = client_runtime()?;
    let result = rt.block_on(async {
        let [ours, raw, _] = sides(&base).await?;
        let side = match which {
            Alone::Ours => ours,
            Alone::Raw => raw,
        };
        batch(&side, concurrency, calls / concurrency.max(1))
            .await
            .map(drop)
    });
    drop(rt);
    drop(server);
    result
}

pub(crate) fn run(settings: Settings) -> Res<Vec<Row>> {
    let server = Server::start()?;
    let base = format!("http://{}", server.addr);
    let rt = client_runtime()?;
    let result = rt.block_on(async {
        let [ours, raw, timed] = sides(&base).await?;
        let mut rows = Vec::new();
        for concurrency in [1, 64] {
            let (o, f) = compare(&ours, &raw, concurrency, settings).await?;
            rows.push(Row {
                figure: format!("create order paydesk, loopback, concurrency {concurrency}"),
                ours_ns: o,
                floor_ns: Some(f),
                goal: Some(GOAL),
                unit: Unit::PerOpAndRate,
            });
        }
        for concurrency in [1, 64] {
            let (t, f) = compare(&timed, &raw, concurrency, settings).await?;
            rows.push(Row {
                figure: format!("raw POST + 30 s timeout vs raw POST, concurrency {concurrency}"),
                ours_ns: t,
                floor_ns: Some(f),
                goal: None,
                unit: Unit::PerOpAndRate,
            });
        }
        Ok::<_, Box<dyn std::error::Error>>(rows)
    });
    drop(rt);
    drop(server);
    result
}
