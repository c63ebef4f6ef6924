//! The `payhub-sandbox` binary: starts on an ephemeral port, prints its URL and credentials,
//! serves, and exits cleanly on SIGINT: also one sent during start-up (from a script, where
//! SIGINT starts out ignored), and with half-sent requests open.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};

use crate::support::client;

#[cfg(unix)]
#[tokio::test]
async fn binary_serves_and_exits_cleanly_on_sigint() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_payhub-sandbox"))
        .args(["--port", "0", "--speed", "0"])
        .env("RUST_LOG", "payhub_sandbox=warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    let url = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            banner.push(line.clone());
            if line.starts_with("tokenpay:") {
                break;
            }
        }
        banner
            .iter()
            .find_map(|l| {
                l.strip_prefix("payhub-sandbox listening on ")
                    .map(str::to_owned)
            })
            .expect("URL line")
    })
    .await
    .expect("banner within 20 s");
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    let text = banner.join("\n");
    assert!(text.contains("SANDBOX-ONLY"), "{text}");
    assert!(
        text.contains("  MerchantId: 1002001") && text.contains("  apiKey: testApiKey"),
        "{text}"
    );

    let resp = client()
        .get(format!("{url}/_sandbox/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), r#"{"ok":true}"#);

    let pid = child.id().expect("running").to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("exits within 5 s")
        .expect("wait");
    assert!(status.success(), "{status:?}");
}

/// Waits for `child` (the leader of its own process group) to exit; on timeout kills the whole
/// group and fails with `what`.
#[cfg(unix)]
pub(crate) async fn wait_for_group(
    child: &mut std::process::Child,
    limit: Duration,
    what: &str,
) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let group = format!("-{}", child.id());
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &group])
                .status();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs `program args` as a background job of `sh -c` (so it starts with SIGINT ignored, as
/// in any script), sends it SIGINT 50 ms later and returns the job's exit status.
#[cfg(unix)]
pub(crate) async fn sigint_from_a_script(program: &str, args: &str) -> std::process::ExitStatus {
    use std::os::unix::process::CommandExt as _;
    let script = format!(
        r#""$0" {args} >/dev/null 2>&1 & pid=$!; sleep 0.05; kill -INT "$pid"; wait "$pid""#
    );
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(program)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("sh starts");
    wait_for_group(
        &mut child,
        Duration::from_secs(10),
        "SIGINT sent 50 ms after start-up was lost",
    )
    .await
}

#[cfg(unix)]
#[tokio::test]
async fn binary_started_from_a_script_stops_on_an_early_sigint() {
    let status = sigint_from_a_script(env!("CARGO_BIN_EXE_payhub-sandbox"), "--port 0").await;
    assert!(status.success(), "{status:?}");
}

/// Whether the process has a handler for SIGINT (Linux `/proc/<pid>/status`, `SigCgt`).
#[cfg(target_os = "linux")]
fn catches_sigint(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << 1) != 0)
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn binary_exits_0_on_a_sigint_as_soon_as_it_catches_one() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_payhub-sandbox"))
        .args(["--port", "0", "--speed", "0"])
        .env("RUST_LOG", "payhub_sandbox=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let pid = child.id().expect("running");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !catches_sigint(pid) {
        assert!(std::time::Instant::now() < deadline, "never caught SIGINT");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // Most likely still starting up: the handler comes first now.
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("exits within 5 s")
        .expect("wait");
    assert!(status.success(), "{status:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn binary_exits_0_on_sigint_with_half_sent_requests_open() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_payhub-sandbox"))
        .args(["--port", "0", "--speed", "0"])
        .env("RUST_LOG", "payhub_sandbox=warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let line = lines.next_line().await.unwrap().expect("banner");
            if let Some(url) = line.strip_prefix("payhub-sandbox listening on ") {
                return url.to_owned();
            }
        }
    })
    .await
    .expect("banner within 20 s");
    let addr = url.strip_prefix("http://").unwrap().parse().unwrap();
    let _conns = crate::lifecycle::stalled_connections(addr).await;
    let pid = child.id().expect("running").to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = std::time::Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(12), child.wait())
        .await
        .expect("exits within the 5 s grace plus margin")
        .expect("wait");
    assert!(status.success(), "{status:?} after {:?}", started.elapsed());
}

#[tokio::test]
async fn binary_reports_a_bad_config_and_fails() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_payhub-sandbox"))
        .args(["--port", "0", "--config", "/nonexistent/sandbox.toml"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read config file /nonexistent/sandbox.toml"),
        "{err}"
    );
}

/// The request log: one plain-text line per request on stderr (piped, so no colour codes),
/// naming method, path, status and latency, and never bodies, queries or keys.
#[cfg(unix)]
#[tokio::test]
async fn binary_logs_each_request_to_stderr_without_colour_or_secrets() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_payhub-sandbox"))
        .args(["--port", "0", "--speed", "0"])
        .env("RUST_LOG", "payhub_sandbox=info")
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let line = lines.next_line().await.unwrap().expect("banner");
            if let Some(url) = line.strip_prefix("payhub-sandbox listening on ") {
                return url.to_owned();
            }
        }
    })
    .await
    .expect("banner within 20 s");
    let stderr = child.stderr.take().unwrap();
    let collected = tokio::spawn(async move {
        let mut text = String::new();
        let _ =
            tokio::io::AsyncReadExt::read_to_string(&mut BufReader::new(stderr), &mut text).await;
        text
    });

    let health = client()
        .get(format!("{url}/_sandbox/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let listed = client()
        .get(format!(
            "{url}/_sandbox/orders?merchant_order_no=QUERY-MARKER-7"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    // A provider request whose body carries the merchant key: refused (bad sign), never logged.
    let refused = client()
        .post(format!("{url}/gateway-recharge/gateway/balance"))
        .body(r#"{"merchant_no":"M1234567890","time":"1733130000000","sign":"adesf235","note":"BODY-MARKER-9"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 200);
    let missing = client().get(format!("{url}/nowhere")).send().await.unwrap();
    assert_eq!(missing.status(), 404);

    let pid = child.id().expect("running").to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    let log = tokio::time::timeout(Duration::from_secs(5), collected)
        .await
        .expect("stderr closed")
        .unwrap();

    assert!(
        !log.contains('\u{1b}'),
        "no ANSI escapes when piped:\n{log}"
    );
    let request_lines: Vec<&str> = log.lines().filter(|l| l.contains(" request ")).collect();
    for (method, path, status) in [
        ("GET", "/_sandbox/health", 200),
        ("GET", "/_sandbox/orders", 200),
        ("POST", "/gateway-recharge/gateway/balance", 200),
        ("GET", "/nowhere", 404),
    ] {
        let line = request_lines
            .iter()
            .find(|l| l.contains(&format!("method={method} path={path} ")))
            .unwrap_or_else(|| panic!("no line for {method} {path}:\n{log}"));
        assert!(line.contains(&format!("status={status} ")), "{line}");
        assert!(line.contains("latency_ms="), "{line}");
    }
    let provider_line = request_lines
        .iter()
        .find(|l| l.contains("path=/gateway-recharge/"))
        .unwrap();
    assert!(
        provider_line.contains(r#"provider="gateway_recharge""#),
        "{provider_line}"
    );
    assert_eq!(
        request_lines.len(),
        4,
        "exactly one line per request:\n{log}"
    );
    for secret in ["QUERY-MARKER-7", "BODY-MARKER-9", "adesf235", "testApiKey"] {
        assert!(
            !log.contains(secret),
            "`{secret}` leaked into the log:\n{log}"
        );
    }
}
