//! `payhub serve` end to end, on SQLite and on Postgres + Redis: the real binary as a child
//! process on 127.0.0.1, the in-process sandbox sending callbacks to it, and a small merchant
//! app (the sink) that checks each forwarded event's `Payhub-Signature`. Also `events
//! list/show/replay`, `POST /v1/orders`, `orders list` and `reconcile --once` settling an order
//! whose callback could not reach the gateway.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use payhub_sandbox::SandboxHandle;
use serde_json::Value;

use crate::support::{Out, cred, line_reader, run, sandbox, workdir};

const SECRET: &str = "sink-secret-0123456789";
const TOKEN: &str = "api-token-abcdef";

/// The merchant app: records the id of every event whose signature verifies.
#[derive(Clone, Default)]
struct Sink {
    events: Arc<Mutex<Vec<Value>>>,
    refused: Arc<Mutex<u32>>,
}

impl Sink {
    async fn start() -> (Self, String) {
        let sink = Self::default();
        let app = axum::Router::new()
            .route("/events", axum::routing::post(receive))
            .with_state(sink.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("sink binds");
        let url = format!(
            "http://{}/events",
            listener.local_addr().expect("sink address")
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        (sink, url)
    }

    fn events(&self) -> Vec<Value> {
        self.events.lock().expect("sink lock").clone()
    }

    /// How many deliveries of the event of `order_no` arrived.
    fn count(&self, order_no: &str) -> usize {
        self.events()
            .iter()
            .filter(|e| e["merchant_order_no"] == order_no)
            .count()
    }

    async fn wait_for(&self, order_no: &str, n: usize) -> Value {
        let start = Instant::now();
        while self.count(order_no) < n {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the sink got {} deliveries for {order_no}, expected {n}: {:?}",
                self.count(order_no),
                self.events()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.events()
            .into_iter()
            .find(|e| e["merchant_order_no"] == order_no)
            .expect("an event")
    }
}

async fn receive(State(sink): State<Sink>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = headers
        .get(payhub_store::signature::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let valid = payhub_store::signature::verify(
        SECRET.as_bytes(),
        header,
        &body,
        Duration::from_secs(300),
        now,
    );
    if valid.is_err() {
        *sink.refused.lock().expect("sink lock") += 1;
        return StatusCode::BAD_REQUEST;
    }
    let event: Value = serde_json::from_slice(&body).expect("the event is JSON");
    let id = headers
        .get(payhub_store::signature::EVENT_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .expect("Payhub-Event-Id");
    assert_eq!(event["id"].to_string(), id, "the header names the event");
    sink.events.lock().expect("sink lock").push(event);
    StatusCode::OK
}

/// payhub.toml with the sandbox's paydesk and gateway-recharge merchants.
fn config(sb: &SandboxHandle) -> String {
    format!(
        "[paydesk]\nbase_url = \"{}\"\nmerchant_id = {}\napi_key = \"{}\"\n\n\
         [gateway-recharge]\nbase_url = \"{}\"\nmerchant_no = \"{}\"\nkey = \"{}\"\n",
        sb.provider_url("paydesk"),
        cred(sb, "paydesk", "MerchantId"),
        cred(sb, "paydesk", "apiKey"),
        sb.provider_url("gateway_recharge"),
        cred(sb, "gateway_recharge", "merchant_no"),
        cred(sb, "gateway_recharge", "key"),
    )
}

/// A running `payhub serve`, stopped with SIGTERM (killed if it outlives the test).
struct Serve {
    child: Child,
    url: String,
}

impl Serve {
    fn start(dir: &Path, store: &str, extra: &[&str]) -> Self {
        let mut args = vec![
            "serve",
            "--config",
            "payhub.toml",
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend(["--store", store, "--api-token", TOKEN]);
        args.extend(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_payhub"))
            .args(&args)
            .current_dir(dir)
            .env_clear()
            .env("PAYHUB_FORWARD_SECRET", SECRET)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("payhub serve runs");
        let lines = line_reader(child.stdout.take().expect("stdout"));
        let errors = line_reader(child.stderr.take().expect("stderr"));
        let url = match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line
                .strip_prefix("listening: ")
                .unwrap_or_else(|| panic!("first line: {line}"))
                .to_owned(),
            Err(_) => {
                let _ = child.kill();
                let stderr: Vec<String> = errors.try_iter().collect();
                panic!("payhub serve did not start: {}", stderr.join("\n"));
            }
        };
        // Keep draining the output so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        std::thread::spawn(move || {
            for line in errors {
                eprintln!("[serve] {line}");
            }
        });
        Self { child, url }
    }

    /// SIGTERM, then a clean exit within 20 s.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let term = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(term.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "payhub serve exited with {status}");
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "payhub serve did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn create_paydesk(dir: &Path, order_no: &str, notify: &str, extra: &[&str]) -> Out {
    let mut args = vec!["create", "paydesk", "--order-no", order_no, "--currency"];
    args.extend(["TZS", "--amount", "1000", "--notify-url", notify]);
    args.extend(["--mobile-money-phone", "721323213", "--remark", "serve"]);
    args.extend(["--real-name", "Jeck", "--phone", "255700000001"]);
    args.extend(["--email", "payer@example.com"]);
    args.extend(extra);
    run(dir, &args, &[], b"").await
}

async fn create_gateway(dir: &Path, order_no: &str, notify: &str, extra: &[&str]) -> Out {
    let mut args = vec!["create", "gateway-recharge", "--order-no", order_no];
    args.extend([
        "--amount",
        "100.00",
        "--remark",
        "serve",
        "--customer",
        "user123",
        "--ip",
    ]);
    args.extend(["192.168.1.1", "--notify-url", notify]);
    args.extend(["--return-url", "http://127.0.0.1:9/back"]);
    args.extend(extra);
    run(dir, &args, &[], b"").await
}

/// `POST /v1/orders` with `token`; the status and the JSON reply (`null` when not JSON).
async fn post_order(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut req = http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.expect("POST /v1/orders");
    let code = resp.status().as_u16();
    let text = resp.text().await.expect("reply");
    (code, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

async fn events_json(dir: &Path, store: &str) -> Vec<Value> {
    let out = run(
        dir,
        &["events", "list", "--store", store, "--json"],
        &[],
        b"",
    )
    .await;
    serde_json::from_str::<Value>(out.ok())
        .expect("events list --json")
        .as_array()
        .expect("an array")
        .clone()
}

/// What the flow leaves running, for a test to go on with.
struct Flow {
    sb: SandboxHandle,
    serve: Serve,
    dir: PathBuf,
    http: reqwest::Client,
}

/// The whole gateway flow against `store` (and Redis when given); with `reconcile_in_serve`,
/// the lost order is settled by `serve --reconcile`, else by `reconcile --once`.
async fn gateway_flow(
    name: &str,
    store: &str,
    redis: Option<&str>,
    reconcile_in_serve: bool,
) -> Flow {
    let sb = sandbox().await;
    let (sink, sink_url) = Sink::start().await;
    let dir = workdir(name);
    std::fs::write(dir.join("payhub.toml"), config(&sb)).expect("config written");
    let prefix = format!("payhub-cli-test-{}-{name}:", std::process::id());
    let mut extra = vec!["--forward-to", sink_url.as_str(), "--instance-id", name];
    if let Some(redis) = redis {
        extra.extend(["--redis", redis, "--redis-prefix", prefix.as_str()]);
    }
    if reconcile_in_serve {
        extra.push("--reconcile");
    }
    let serve = Serve::start(&dir, store, &extra);
    let http = reqwest::Client::new();
    let base = serve.url.clone();

    // Two providers, their callbacks to the gateway; the sink gets each event, signed.
    let pd_no = format!("SRV-PD-{name}");
    let gw_no = format!("SRV-GW-{name}");
    create_paydesk(&dir, &pd_no, &format!("{base}/callbacks/paydesk"), &[])
        .await
        .ok();
    let notify = format!("{base}/callbacks/gateway-recharge");
    let track = ["--track", "--store", store];
    create_gateway(&dir, &gw_no, &notify, &track).await.ok();
    sb.mark_paid(&pd_no).expect("paydesk paid");
    sb.mark_paid(&gw_no).expect("gateway paid");
    sb.settle().await.expect("callbacks sent");
    let pd_event = sink.wait_for(&pd_no, 1).await;
    assert_eq!(pd_event["provider"], "paydesk");
    assert_eq!(pd_event["status"], "paid");
    let gw_event = sink.wait_for(&gw_no, 1).await;
    assert_eq!(gw_event["provider"], "gateway-recharge");
    // The gateway order was tracked: its callback settled it.
    let start = Instant::now();
    loop {
        let settled = run(
            &dir,
            &["orders", "list", "--state", "settled", "--store", store],
            &[],
            b"",
        )
        .await;
        if settled.ok().contains(&gw_no) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{}",
            settled.stdout
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(*sink.refused.lock().expect("lock"), 0);

    // Health, readiness, metrics.
    for path in ["/healthz", "/readyz"] {
        let r = http.get(format!("{base}{path}")).send().await.expect(path);
        assert_eq!(r.status(), 200, "{path}");
    }
    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    assert!(metrics.contains("payhub_callbacks_total"), "{metrics}");

    // A forged callback (the paid callback of another order, with the old signature): the
    // provider's retry reply, and nothing stored.
    let genuine = sb
        .callbacks_for(&pd_no)
        .into_iter()
        .next()
        .expect("paydesk callback");
    let forged_no = format!("FORGED-{name}");
    let forged_body = genuine.body.replace(&pd_no, &forged_no);
    assert_ne!(forged_body, genuine.body);
    let mut req = http
        .post(format!("{base}/callbacks/paydesk"))
        .body(forged_body);
    for (k, v) in &genuine.headers {
        if !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("host") {
            req = req.header(k, v);
        }
    }
    let resp = req.send().await.expect("forged callback");
    let retry = payhub::Hub::default().retry_ack(payhub::Provider::Paydesk);
    assert_eq!(resp.status().as_u16(), retry.status());
    assert_eq!(resp.text().await.expect("reply"), retry.body());
    // A body over the callback limit: 413, nothing read or stored. The server answers before
    // reading the body and then closes the connection; `Connection: close` keeps the client from
    // pooling it, or the next request could go out on it as it closes (IncompleteMessage).
    let resp = http
        .post(format!("{base}/callbacks/paydesk"))
        .header(reqwest::header::CONNECTION, "close")
        .body(vec![b'x'; payhub::axum::MAX_CALLBACK_BYTES + 1])
        .send()
        .await
        .expect("oversized callback");
    assert_eq!(resp.status(), 413);
    // The genuine callback at an account that is not configured: refused the same way.
    let mut req = http
        .post(format!("{base}/callbacks/paydesk/nope"))
        .body(genuine.body.clone());
    for (k, v) in &genuine.headers {
        if !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("host") {
            req = req.header(k, v);
        }
    }
    let resp = req.send().await.expect("callback for an unknown account");
    assert_eq!(resp.status().as_u16(), retry.status());
    let events = events_json(&dir, store).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        events
            .iter()
            .all(|e| e["merchant_order_no"] != forged_no.as_str())
    );

    // events show (no raw body unless --raw) and replay (delivered again to the sink).
    let id = pd_event["id"].to_string();
    let shown = run(&dir, &["events", "show", &id, "--store", store], &[], b"").await;
    shown.ok();
    assert_eq!(shown.field("merchant_order_no"), pd_no);
    assert_eq!(shown.field("provider"), "paydesk");
    assert!(!shown.stdout.contains("raw_body"), "{}", shown.stdout);
    let sign = genuine
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("sign"))
        .map(|(_, v)| v.clone())
        .expect("Sign header");
    assert!(!shown.stdout.contains(&sign), "{}", shown.stdout);
    let raw = run(
        &dir,
        &["events", "show", &id, "--store", store, "--raw"],
        &[],
        b"",
    )
    .await;
    assert!(raw.ok().contains("raw_body"), "{}", raw.stdout);
    assert!(raw.stdout.contains(&sign));
    let missing = run(
        &dir,
        &["events", "show", "999999", "--store", store],
        &[],
        b"",
    )
    .await;
    missing.failed(1);
    run(&dir, &["events", "replay", &id, "--store", store], &[], b"")
        .await
        .ok();
    sink.wait_for(&pd_no, 2).await;

    // POST /v1/orders: the bearer token, validation, 201 then 200.
    let orders = format!("{base}/v1/orders");
    let body = serde_json::json!({
        "provider": "paydesk", "kind": "checkout", "merchant_order_no": format!("API-{name}"),
        "amount": "12.50", "currency": "TZS", "expires_at": "2030-01-01T00:00:00Z",
        "first_check_at": "2029-06-01T00:00:00Z",
    });
    let (code, _) = post_order(&http, &orders, None, &body).await;
    assert_eq!(code, 401);
    let (code, _) = post_order(&http, &orders, Some("wrong"), &body).await;
    assert_eq!(code, 401);
    let mut bad = body.clone();
    bad["kind"] = "gift".into();
    let (code, err) = post_order(&http, &orders, Some(TOKEN), &bad).await;
    assert_eq!(code, 400);
    assert_eq!(err["error"]["field"], "kind");
    for (field, value) in [
        ("account", Value::from("nope")),
        ("merchant_order_no", Value::Null),
        ("amount", Value::from("ten")),
        ("expires_at", Value::from("tomorrow")),
        ("first_check_at", Value::from("soon")),
        ("provider", Value::from("paypal")),
    ] {
        let mut bad = body.clone();
        bad[field] = value;
        let (code, err) = post_order(&http, &orders, Some(TOKEN), &bad).await;
        assert_eq!(code, 400, "{field}: {err}");
        assert_eq!(err["error"]["field"], field, "{err}");
    }
    let (code, created) = post_order(&http, &orders, Some(TOKEN), &body).await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["state"], "pending");
    let (code, again) = post_order(&http, &orders, Some(TOKEN), &body).await;
    assert_eq!(code, 200);
    assert_eq!(again["id"], created["id"]);

    // An order whose callback cannot reach the gateway, paid: settled by asking the provider,
    // and the sink gets its event through the running forwarder.
    let lost_no = format!("SRV-LOST-{name}");
    let dead = format!("http://127.0.0.1:{}/callbacks/paydesk", closed_port());
    if reconcile_in_serve {
        // Tracked through the API once paid: `serve --reconcile` settles it.
        create_paydesk(&dir, &lost_no, &dead, &[]).await.ok();
        sb.mark_paid(&lost_no).expect("lost order paid");
        let track = serde_json::json!({
            "provider": "paydesk", "account": "default", "kind": "checkout",
            "merchant_order_no": lost_no, "amount": 1000, "currency": "TZS",
            // The callback is known lost: checked now, not on the provider's cadence.
            "first_check_at": time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .expect("a time"),
        });
        let (code, reply) = post_order(&http, &orders, Some(TOKEN), &track).await;
        assert_eq!(code, 201, "{reply}");
    } else {
        // Tracked at create, paid, then settled by `reconcile --once`.
        let args = ["--track", "--store", store, "--first-check", "now"];
        let tracked = create_paydesk(&dir, &lost_no, &dead, &args).await;
        tracked.ok();
        assert!(!tracked.field("tracked").is_empty());
        sb.mark_paid(&lost_no).expect("lost order paid");
        let pending = run(
            &dir,
            &["orders", "list", "--state", "pending", "--store", store],
            &[],
            b"",
        )
        .await;
        assert!(pending.ok().contains(&lost_no), "{}", pending.stdout);
        let mut args = vec!["reconcile", "--once", "--config", "payhub.toml"];
        args.extend(["--store", store]);
        let report = run(&dir, &args, &[], b"").await;
        report.ok();
        assert!(
            report.field("settled").parse::<u32>().expect("a count") >= 1,
            "{}",
            report.stdout
        );
    }
    let lost_event = sink.wait_for(&lost_no, 1).await;
    assert_eq!(lost_event["status"], "paid");
    // The order tracked through the API does not exist at the provider: still open.
    let pending = run(
        &dir,
        &["orders", "list", "--state", "pending", "--store", store],
        &[],
        b"",
    )
    .await;
    let api_order = pending
        .ok()
        .lines()
        .find(|l| l.contains(&format!("API-{name}")))
        .unwrap_or_else(|| panic!("API-{name} pending: {}", pending.stdout));
    // Its first check is when the app asked for it.
    assert!(
        api_order.contains("attempts=0  next_check=2029-06-01T00:00:00Z"),
        "{api_order}"
    );
    assert!(!pending.stdout.contains(&lost_no), "{}", pending.stdout);

    Flow {
        sb,
        serve,
        dir,
        http,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serve_on_sqlite_records_forwards_replays_and_reconciles() {
    let dir: PathBuf = workdir("serve-sqlite-db");
    let url = format!("sqlite://{}", dir.join("payhub.db").display());
    gateway_flow("sqlite", &url, None, true).await.serve.stop();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serve_on_postgres_with_redis_records_forwards_replays_and_reconciles() {
    let db = PgDb::new().await;
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let flow = gateway_flow("postgres", &db.url, Some(&redis), false).await;

    // The store goes away: not ready, and a genuine new callback gets the provider's retry
    // reply (never its success reply), so the provider delivers it again later.
    let no = "SRV-OUTAGE-postgres";
    let dead = format!("http://127.0.0.1:{}/callbacks/paydesk", closed_port());
    create_paydesk(&flow.dir, no, &dead, &[]).await.ok();
    flow.sb.mark_paid(no).expect("paid");
    let start = Instant::now();
    let callback = loop {
        if let Some(c) = flow.sb.callbacks_for(no).into_iter().next() {
            break c;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no callback");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    db.drop_now().await;
    let base = &flow.serve.url;
    let ready = flow
        .http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 503);
    let mut req = flow
        .http
        .post(format!("{base}/callbacks/paydesk"))
        .body(callback.body.clone());
    for (k, v) in &callback.headers {
        if !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("host") {
            req = req.header(k, v);
        }
    }
    let resp = req.send().await.expect("callback during the outage");
    let retry = payhub::Hub::default().retry_ack(payhub::Provider::Paydesk);
    let ok = payhub::Hub::default().ack(payhub::Provider::Paydesk);
    assert_ne!((retry.status(), retry.body()), (ok.status(), ok.body()));
    assert_eq!(resp.status().as_u16(), retry.status());
    assert_eq!(resp.text().await.expect("reply"), retry.body());
    flow.serve.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_to_start_without_its_store() {
    let dir = workdir("serve-no-store");
    std::fs::write(
        dir.join("payhub.toml"),
        "[paydesk]\nbase_url = \"http://127.0.0.1:9\"\nmerchant_id = 1\napi_key = \"k\"\n",
    )
    .expect("config");
    let url = format!("postgres://nobody:hunter2@127.0.0.1:{}/x", closed_port());
    let out = run(
        &dir,
        &[
            "serve",
            "--config",
            "payhub.toml",
            "--listen",
            "127.0.0.1:0",
            "--store",
            &url,
        ],
        &[],
        b"",
    )
    .await;
    let line = out.failed(1);
    assert!(line.contains("cannot connect to the store"), "{line}");
    assert!(!line.contains("hunter2"), "{line}");

    // The read-only commands do not create an empty SQLite store.
    let missing = format!("sqlite://{}", dir.join("none.db").display());
    let out = run(&dir, &["events", "list", "--store", &missing], &[], b"").await;
    assert!(out.failed(1).contains("cannot connect to the store"));
    assert!(!dir.join("none.db").exists());
}

/// The reconciler's (and the forward lease's) flags are checked before anything starts, each
/// error naming its flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciler_flags_are_validated_naming_the_flag() {
    let dir = workdir("serve-reconcile-flags");
    std::fs::write(
        dir.join("payhub.toml"),
        "[paydesk]\nbase_url = \"http://127.0.0.1:9\"\nmerchant_id = 1\napi_key = \"k\"\n",
    )
    .expect("config");
    // A store that cannot be reached: a flag error must come first.
    let store = format!("postgres://nobody@127.0.0.1:{}/x", closed_port());
    let serve = ["serve", "--config", "payhub.toml", "--store", &store];
    let reconcile = [
        "reconcile",
        "--once",
        "--config",
        "payhub.toml",
        "--store",
        &store,
    ];
    let cases: [(&[&str], &[&str], &str); 8] = [
        (
            &serve,
            &["--reconcile", "--reconcile-rate", "0"],
            "--reconcile-rate",
        ),
        (
            &serve,
            &["--reconcile", "--reconcile-batch", "1001"],
            "--reconcile-batch",
        ),
        (
            &serve,
            &["--reconcile", "--reconcile-lease", "0"],
            "--reconcile-lease",
        ),
        (
            &serve,
            &["--reconcile", "--reconcile-query-timeout", "x"],
            "--reconcile-query-timeout",
        ),
        (
            &serve,
            &["--reconcile-rate", "10"],
            "--reconcile-rate needs --reconcile",
        ),
        (&serve, &["--forward-lease", "10"], "--forward-lease"),
        (
            &serve,
            &["--reconcile", "--reconcile-lease", "5"],
            "--reconcile-lease (5 s) must be longer than --reconcile-query-timeout (20 s, its default)",
        ),
        (
            &reconcile,
            &["--reconcile-lease", "3", "--reconcile-query-timeout", "3"],
            "--reconcile-lease (3 s) must be longer than --reconcile-query-timeout (3 s)",
        ),
    ];
    for (command, flags, expected) in cases {
        let args: Vec<&str> = command.iter().chain(flags).copied().collect();
        let out = run(&dir, &args, &[], b"").await;
        let line = out.failed(64);
        assert!(line.contains(expected), "{args:?}: {line}");
    }
}

fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh Postgres database for one test, dropped at the end.
struct PgDb {
    url: String,
    name: String,
}

async fn admin() -> sqlx::PgConnection {
    use sqlx::Connection as _;
    sqlx::PgConnection::connect(&database_url())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "Postgres is not reachable at DATABASE_URL (default 127.0.0.1:5432): {e}; \
                 these tests need it"
            )
        })
}

impl PgDb {
    async fn new() -> Self {
        let name = format!(
            "payhub_cli_{}_{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
        );
        let mut conn = admin().await;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        let mut url = reqwest::Url::parse(&database_url()).expect("DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        Self {
            url: url.to_string(),
            name,
        }
    }
}

impl PgDb {
    /// Drops the database now, closing the connections `payhub serve` holds.
    async fn drop_now(&self) {
        let mut conn = admin().await;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await
        .expect("drop the test database");
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    let mut conn = admin().await;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(_))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_track_records_the_order_also_when_the_outcome_is_unknown() {
    let sb = sandbox().await;
    let dir = workdir("create-track");
    std::fs::write(dir.join("payhub.toml"), config(&sb)).expect("config written");
    let store = format!("sqlite://{}", dir.join("payhub.db").display());
    let track = [
        "--track",
        "--store",
        store.as_str(),
        "--expire-seconds",
        "600",
    ];

    // Created: tracked with what the provider answered.
    let created = create_paydesk(&dir, "TRK-OK-1", "http://127.0.0.1:9/n", &track).await;
    created.ok();
    let id = created.field("tracked");

    // The create's outcome is unknown (the connection closed mid-reply): exit 2, and tracked
    // anyway, so the reconciler finds out.
    sb.add_fault(
        payhub_sandbox::FaultRule::new(payhub_sandbox::FaultKind::CloseMidBody)
            .provider("paydesk")
            .route("/api/payDesk")
            .once(),
    );
    let unknown = create_paydesk(&dir, "TRK-UNK-1", "http://127.0.0.1:9/n", &track).await;
    let line = unknown.failed(2);
    assert!(line.contains("tracked as order"), "{line}");

    // Without --store nothing is sent.
    let refused = create_paydesk(&dir, "TRK-NONE", "http://127.0.0.1:9/n", &["--track"]).await;
    assert!(refused.failed(64).contains("--store"));
    assert!(sb.order("TRK-NONE").is_none());

    let out = run(
        &dir,
        &["orders", "list", "--store", &store, "--json"],
        &[],
        b"",
    )
    .await;
    let orders: Value = serde_json::from_str(out.ok()).expect("JSON");
    let orders = orders.as_array().expect("an array");
    assert_eq!(orders.len(), 2, "{orders:?}");
    let ok = &orders[0];
    assert_eq!(ok["id"].to_string(), id);
    assert_eq!(ok["merchant_order_no"], "TRK-OK-1");
    assert_eq!(ok["provider"], "paydesk");
    assert_eq!(ok["account"], "default");
    assert_eq!(ok["kind"], "checkout");
    assert_eq!(ok["amount"], "1000");
    assert_eq!(ok["currency"], "TZS");
    assert_eq!(ok["state"], "pending");
    assert!(ok["expires_at"].is_string(), "{ok}");
    let platform_no = created.field("order_no");
    assert_eq!(ok["provider_order_no"], platform_no.as_str());
    // First checked on paydesk's cadence: two minutes after the order, when its first
    // callback would have come.
    let next = ok["next_check_at"].as_str().expect("a next check");
    let next = time::OffsetDateTime::parse(next, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    let ahead = (next - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!((60..=121).contains(&ahead), "next check in {ahead} s");
    let unknown = &orders[1];
    assert_eq!(unknown["merchant_order_no"], "TRK-UNK-1");
    assert!(unknown["provider_order_no"].is_null(), "{unknown}");
}
