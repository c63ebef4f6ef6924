//! `payhub sandbox`: ephemeral port, banner, `--write-config` (mode 0600) read by the other
//! commands and by the control subcommands (`orders`, `pay`, `callbacks`, `advance`), the
//! request log on stderr, clean exit on SIGINT: also one sent during start-up from a script (where SIGINT starts out
//! ignored), and with half-sent requests open.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{line_reader, run, workdir};

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_command_serves_writes_its_config_and_exits_cleanly_on_sigint() {
    let dir = workdir("sandbox");
    let mut child = Command::new(env!("CARGO_BIN_EXE_payhub"))
        .args(["sandbox", "--port", "0", "--write-config", "payhub.toml"])
        .current_dir(&dir)
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("payhub sandbox starts");
    let lines = line_reader(child.stdout.take().expect("stdout"));
    let log = line_reader(child.stderr.take().expect("stderr"));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut banner = Vec::new();
    while !banner
        .last()
        .is_some_and(|l: &String| l.starts_with("press Ctrl-C"))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => banner.push(line),
            Err(e) => {
                let _ = child.kill();
                panic!("no banner ({e}): {banner:?}");
            }
        }
    }
    let url = banner[0]
        .strip_prefix("payhub sandbox listening on ")
        .expect("URL line")
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    let text = banner.join("\n");
    assert!(text.contains(&format!("paydesk: {url}/paydesk")), "{text}");
    assert!(
        text.contains(&format!("gateway-recharge: {url}/gateway_recharge")),
        "{text}"
    );
    assert!(text.contains("  apiKey: testApiKey"), "{text}");

    let health = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(format!("{url}/_sandbox/health"))
        .send()
        .await
        .expect("health")
        .text()
        .await
        .expect("body");
    assert_eq!(health, r#"{"ok":true}"#);

    // The written payhub.toml is picked up from the working directory with no flags.
    let mut args = vec![
        "create",
        "jiuyi-dc",
        "--order-no",
        "CLI-SB-1",
        "--card-id",
        "43",
    ];
    args.extend(["--account", "13800138000"]);
    args.extend(["--notify-url", "http://127.0.0.1:9/notify"]);
    let created = run(&dir, &args, &[], b"").await;
    created.ok();
    let queried = run(&dir, &["query", "jiuyi-dc", "CLI-SB-1"], &[], b"").await;
    assert_eq!(queried.field("order_id"), created.field("order_id"));

    // The config holds secrets: owner-only, and the banner says so.
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join("payhub.toml"))
            .expect("config written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    assert!(
        text.contains("payhub.toml (mode 0600: it holds the sandbox's secrets"),
        "{text}"
    );
    let config = std::fs::read_to_string(dir.join("payhub.toml")).expect("config");
    assert!(
        config.contains(&format!("[sandbox]\nurl = \"{url}\"")),
        "{config}"
    );

    // The control subcommands find the sandbox through the written payhub.toml.
    let orders = run(
        &dir,
        &["sandbox", "orders", "--provider", "jiuyi-dc"],
        &[],
        b"",
    )
    .await;
    let listed = orders.ok().to_owned();
    assert!(
        listed.contains("jiuyi-dc  CLI-SB-1  ") && listed.contains(&created.field("order_id")),
        "{listed}"
    );
    let paid = run(&dir, &["sandbox", "pay", "CLI-SB-1"], &[], b"").await;
    assert!(
        paid.ok().contains("CLI-SB-1") && paid.stdout.contains("success"),
        "{}",
        paid.stdout
    );
    let advanced = run(&dir, &["sandbox", "advance", "90s", "--json"], &[], b"").await;
    let clock: serde_json::Value = serde_json::from_str(advanced.ok()).expect("JSON");
    assert!(clock["now_ms"].as_u64().is_some(), "{clock}");
    let callbacks = run(&dir, &["sandbox", "callbacks", "CLI-SB-1"], &[], b"").await;
    assert!(
        callbacks.ok().contains("jiuyi-dc  CLI-SB-1  success"),
        "{}",
        callbacks.stdout
    );
    let unknown = run(&dir, &["sandbox", "pay", "NO-SUCH-ORDER"], &[], b"").await;
    assert!(
        unknown.failed(1).contains("NO-SUCH-ORDER"),
        "{}",
        unknown.stderr
    );
    // Each request the sandbox served is logged on stderr.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut logged = Vec::new();
    while !logged.iter().any(|l: &String| l.contains("/dcapi/pay")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match log.recv_timeout(left) {
            Ok(line) => logged.push(line),
            Err(e) => panic!("no request log ({e}): {logged:?}"),
        }
    }

    let pid = child.id().to_string();
    let kill = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("payhub sandbox did not exit on SIGINT");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Waits for `child` to exit; on timeout kills its process group (it leads one) and fails.
#[cfg(unix)]
async fn wait_for_group(
    child: &mut std::process::Child,
    limit: Duration,
    what: &str,
) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_command_started_from_a_script_stops_on_an_early_sigint() {
    use std::os::unix::process::CommandExt as _;
    let dir = workdir("sandbox-script");
    // A background job of a non-interactive shell starts with SIGINT ignored; the SIGINT 50 ms
    // later arrives while the sandbox is still starting.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" sandbox --port 0 >/dev/null 2>&1 & pid=$!; sleep 0.05; kill -INT "$pid"; wait "$pid""#)
        .arg(env!("CARGO_BIN_EXE_payhub"))
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("sh starts");
    let status = wait_for_group(
        &mut child,
        Duration::from_secs(10),
        "SIGINT sent 50 ms after start-up was lost",
    )
    .await;
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_command_exits_0_on_sigint_with_half_sent_requests_open() {
    use std::io::Write as _;
    let dir = workdir("sandbox-stalled");
    let mut child = Command::new(env!("CARGO_BIN_EXE_payhub"))
        .args(["sandbox", "--port", "0"])
        .current_dir(&dir)
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("payhub sandbox starts");
    let lines = line_reader(child.stdout.take().expect("stdout"));
    let first = lines
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("no banner: {e}")
        });
    let addr = first
        .strip_prefix("payhub sandbox listening on http://")
        .expect("URL line")
        .to_owned();
    // Half a request head, and a whole head with half its body: both stall.
    let mut conns = Vec::new();
    for part in [
        "POST /paydesk/api/payDesk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le",
        "POST /paydesk/api/payDesk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{",
    ] {
        let mut c = std::net::TcpStream::connect(&addr).expect("connect");
        c.write_all(part.as_bytes()).expect("write");
        conns.push(c);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill runs")
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(12);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("payhub sandbox did not exit within its 5 s grace plus margin");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    let _ = std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr);
    assert!(status.success(), "{status:?}: {stderr}");
    drop(conns);
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_start_is_the_same_command_and_quiet_logs_nothing() {
    let dir = workdir("sandbox-start");
    let mut child = Command::new(env!("CARGO_BIN_EXE_payhub"))
        .args(["sandbox", "start", "--port", "0", "--quiet"])
        .current_dir(&dir)
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("payhub sandbox start runs");
    let lines = line_reader(child.stdout.take().expect("stdout"));
    let first = lines.recv_timeout(Duration::from_secs(20)).expect("banner");
    let url = first
        .strip_prefix("payhub sandbox listening on ")
        .expect("URL line")
        .to_owned();
    // One request through the control API: `--quiet` keeps it out of stderr.
    let out = run(&dir, &["sandbox", "orders", "--sandbox", &url], &[], b"").await;
    assert_eq!(out.ok(), "no orders\n");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = wait_for_group(&mut child, Duration::from_secs(10), "sandbox start").await;
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    let _ = std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr);
    assert!(stderr.is_empty(), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
