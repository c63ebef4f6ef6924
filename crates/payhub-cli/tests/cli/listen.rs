//! The Stripe-CLI loop: `payhub listen --forward-to` relays the sandbox's callbacks to an app,
//! `payhub trigger` makes them happen, and an app that fails gets the provider's retries.
//!
//! The app here answers gateway-recharge's success word (`SUCCESS`) and fails paydesk with a
//! 500; it verifies every callback it gets with the provider crate's verifier (so the relay
//! kept method, headers and body intact).

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use payhub_sandbox::{CallbackStatus, SandboxHandle};
use serde_json::Value;

use crate::support::{cred, line_reader, run, sandbox, workdir};

/// What the app received: provider (from the path), merchant order number, verified.
type Received = Arc<Mutex<Vec<(String, String)>>>;

struct App {
    received: Received,
    paydesk: payhub::paydesk::notify::NotifyVerifier,
    gateway: payhub::gateway_recharge::notify::NotifyVerifier,
}

async fn callback(
    State(app): State<Arc<App>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    match provider.as_str() {
        "gateway-recharge" => match app.gateway.verify(&headers, &body) {
            Ok(n) => {
                app.received
                    .lock()
                    .expect("lock")
                    .push((provider, n.order_no.clone()));
                (StatusCode::OK, "SUCCESS")
            }
            Err(_) => (StatusCode::BAD_REQUEST, "bad signature"),
        },
        "paydesk" => match app.paydesk.verify(&headers, &body) {
            Ok(n) => {
                app.received
                    .lock()
                    .expect("lock")
                    .push((provider, n.mch_order_no().to_owned()));
                (StatusCode::INTERNAL_SERVER_ERROR, "boom")
            }
            Err(_) => (StatusCode::BAD_REQUEST, "bad signature"),
        },
        _ => (StatusCode::NOT_FOUND, "unknown provider"),
    }
}

/// Starts the app on 127.0.0.1:0; returns its callback URL pattern.
async fn start_app(sb: &SandboxHandle, received: Received) -> String {
    let merchant: u64 = cred(sb, "paydesk", "MerchantId").parse().expect("number");
    let app = App {
        received,
        paydesk: payhub::paydesk::notify::NotifyVerifier::new(
            merchant,
            cred(sb, "paydesk", "apiKey"),
        ),
        gateway: payhub::gateway_recharge::notify::NotifyVerifier::new(
            cred(sb, "gateway_recharge", "merchant_no"),
            cred(sb, "gateway_recharge", "key"),
        ),
    };
    let router = axum::Router::new()
        .route("/callbacks/{provider}", axum::routing::post(callback))
        .with_state(Arc::new(app));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("app listens");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}/callbacks/{{provider}}")
}

/// `payhub listen` as a child; returns it once it says it is ready, with its stdout lines.
fn start_listen(
    dir: &std::path::Path,
    sandbox: &str,
    forward_to: &str,
    json: bool,
) -> (Child, std::sync::mpsc::Receiver<String>) {
    let mut args = vec!["listen", "--forward-to", forward_to, "--sandbox", sandbox];
    if json {
        args.push("--json");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_payhub"))
        .args(&args)
        .current_dir(dir)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("payhub listen starts");
    let lines = line_reader(child.stdout.take().expect("stdout"));
    let errs = line_reader(child.stderr.take().expect("stderr"));
    match errs.recv_timeout(Duration::from_secs(20)) {
        Ok(line) if line.starts_with("Ready: ") => {}
        other => {
            let _ = child.kill();
            panic!("listen not ready: {other:?}");
        }
    }
    (child, lines)
}

/// Waits for `n` more lines.
fn take_lines(
    lines: &std::sync::mpsc::Receiver<String>,
    n: usize,
    child: &mut Child,
) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut got = Vec::new();
    while got.len() < n {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(l) => got.push(l),
            Err(e) => {
                let _ = child.kill();
                panic!("{e}: only {got:?}");
            }
        }
    }
    got
}

/// SIGINT, then the exit status within 10 s.
async fn interrupt(child: &mut Child) -> std::process::ExitStatus {
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("payhub listen did not exit on SIGINT");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `order_no` a `payhub trigger` printed.
fn triggered(out: &crate::support::Out) -> String {
    out.ok();
    out.field("order_no")
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_forwards_triggered_callbacks_and_a_failing_app_gets_retries() {
    let sb = sandbox().await;
    let dir = workdir("listen");
    let received: Received = Arc::default();
    let forward_to = start_app(&sb, Arc::clone(&received)).await;
    let url = sb.base_url().to_owned();
    let (mut child, lines) = start_listen(&dir, &url, &forward_to, true);

    // Two providers: the app acknowledges gateway-recharge, fails paydesk.
    let gw = triggered(
        &run(
            &dir,
            &[
                "trigger",
                "gateway-recharge",
                "checkout.paid",
                "--sandbox",
                &url,
            ],
            &[],
            b"",
        )
        .await,
    );
    let pd_out = run(
        &dir,
        &[
            "trigger",
            "paydesk",
            "checkout.paid",
            "--sandbox",
            &url,
            "--json",
        ],
        &[],
        b"",
    )
    .await;
    let pd_json: Value = serde_json::from_str(pd_out.ok()).expect("JSON");
    assert_eq!(pd_json["state"], "success", "{pd_json}");
    let pd = pd_json["order_no"].as_str().expect("order_no").to_owned();

    let mut seen: Vec<Value> = take_lines(&lines, 2, &mut child)
        .iter()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    seen.sort_by_key(|v| v["provider"].as_str().map(str::to_owned));
    assert_eq!(seen[0]["provider"], "gateway-recharge", "{seen:?}");
    assert_eq!(seen[0]["order"], gw.as_str());
    assert_eq!(seen[0]["state"], "success");
    assert_eq!(seen[0]["status"], 200);
    assert_eq!(seen[0]["body"], "SUCCESS");
    assert_eq!(seen[1]["provider"], "paydesk");
    assert_eq!(seen[1]["order"], pd.as_str());
    assert_eq!(seen[1]["status"], 500);
    assert_eq!(seen[1]["body"], "boom");
    assert_eq!(seen[1]["attempt"], 1);
    assert!(seen[1]["latency_ms"].as_u64().is_some());

    // paydesk retries a minute later (sandbox time): the app fails again.
    run(
        &dir,
        &["sandbox", "advance", "61s", "--sandbox", &url],
        &[],
        b"",
    )
    .await
    .ok();
    let retry: Value = serde_json::from_str(&take_lines(&lines, 1, &mut child)[0]).expect("JSON");
    assert_eq!(retry["provider"], "paydesk");
    assert_eq!(retry["order"], pd.as_str());
    assert_eq!(retry["attempt"], 2);
    assert_eq!(retry["status"], 500);

    // The app got both providers' callbacks, verified, paydesk's twice.
    {
        let got = received.lock().expect("lock").clone();
        assert!(
            got.contains(&("gateway-recharge".to_owned(), gw.clone())),
            "{got:?}"
        );
        let pd_hits = got
            .iter()
            .filter(|(p, o)| p == "paydesk" && *o == pd)
            .count();
        assert_eq!(pd_hits, 2, "{got:?}");
    }
    // The sandbox's record: gateway-recharge delivered, paydesk's 500s recorded and retried.
    let gw_cb = sb.callbacks_for(&gw);
    assert_eq!(gw_cb.len(), 1);
    assert_eq!(gw_cb[0].status, CallbackStatus::Delivered);
    let pd_cb = sb.callbacks_for(&pd);
    assert_eq!(pd_cb.len(), 1);
    assert_eq!(
        pd_cb[0].status,
        CallbackStatus::Pending,
        "more retries to come"
    );
    assert_eq!(pd_cb[0].attempts.len(), 2);
    assert!(
        pd_cb[0]
            .attempts
            .iter()
            .all(|a| a.status == Some(500) && !a.acknowledged)
    );

    // Ctrl-C clears the redirect: the next callback goes to the order's own notify URL.
    let status = interrupt(&mut child).await;
    assert!(status.success(), "{status:?}");
    let after = triggered(
        &run(
            &dir,
            &[
                "trigger",
                "gateway-recharge",
                "checkout.paid",
                "--sandbox",
                &url,
            ],
            &[],
            b"",
        )
        .await,
    );
    let cb = sb.callbacks_for(&after);
    assert_eq!(cb.len(), 1);
    assert!(
        cb[0].url.ends_with(":3000/callbacks/gateway-recharge"),
        "{}",
        cb[0].url
    );
    sb.shutdown().await.expect("sandbox stops");
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_prints_one_line_per_delivery_and_trigger_lists_and_drives_existing_orders() {
    let sb = sandbox().await;
    let dir = workdir("listen-text");
    let received: Received = Arc::default();
    let forward_to = start_app(&sb, Arc::clone(&received)).await;
    let url = sb.base_url().to_owned();

    let list = run(&dir, &["trigger", "--list"], &[], b"").await;
    let text = list.ok().to_owned();
    for (provider, event) in [
        ("gateway-recharge", "checkout.paid"),
        ("paydesk", "checkout.failed"),
        ("tokenpay", "checkout.paid"),
        ("vipcharge", "recharge.failed"),
        ("jiuyi-dc", "recharge.success"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(provider) && l.contains(event)),
            "{provider} {event}: {text}"
        );
    }
    let bad = run(
        &dir,
        &["trigger", "paydesk", "recharge.success", "--sandbox", &url],
        &[],
        b"",
    )
    .await;
    assert!(bad.failed(64).contains("checkout.paid"), "{}", bad.stderr);

    // An order created with `payhub create`, driven by `trigger --order`.
    let mut args = vec![
        "create",
        "gateway-recharge",
        "--order-no",
        "LT-1",
        "--amount",
        "10.00",
        "--remark",
        "r",
        "--customer",
        "c",
        "--ip",
        "192.168.1.1",
        "--notify-url",
        "http://127.0.0.1:9/n",
        "--return-url",
        "http://127.0.0.1:9/r",
    ];
    let base = sb.provider_url("gateway_recharge");
    let mno = cred(&sb, "gateway_recharge", "merchant_no");
    let key = cred(&sb, "gateway_recharge", "key");
    args.extend(["--base-url", &base, "--merchant-id", &mno, "--key", &key]);
    run(&dir, &args, &[], b"").await.ok();

    let (mut child, lines) = start_listen(&dir, &url, &forward_to, false);
    let out = run(
        &dir,
        &[
            "trigger",
            "gateway-recharge",
            "checkout.paid",
            "--order",
            "LT-1",
            "--sandbox",
            &url,
        ],
        &[],
        b"",
    )
    .await;
    assert_eq!(triggered(&out), "LT-1");
    let line = take_lines(&lines, 1, &mut child).remove(0);
    for part in [
        "gateway-recharge",
        "LT-1",
        "success",
        "attempt 1",
        "-> 200 \"SUCCESS\"",
        " ms",
    ] {
        assert!(line.contains(part), "{part}: {line}");
    }
    assert_eq!(
        received.lock().expect("lock").clone(),
        [("gateway-recharge".to_owned(), "LT-1".to_owned())]
    );
    assert!(interrupt(&mut child).await.success());
    sb.shutdown().await.expect("sandbox stops");
    let _ = std::fs::remove_dir_all(dir);
}
