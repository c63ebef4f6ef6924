//! `examples/callback_server.rs`, run with 256 file handles, against 300 connections that send
//! half a request and stall: every one is closed by the server within 20 s, and genuine signed
//! callbacks sent meanwhile are acknowledged within those 20 s.
//!
//! With a bare `axum::serve` those connections are held forever: the server runs out of file
//! handles and no genuine callback gets through.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use crate::support::{API_KEY, Callback, MERCHANT_ID, closed_within, exchange};

const FILE_HANDLES: u32 = 256;
const STALLED: usize = 300;
const WITHIN: Duration = Duration::from_secs(20);

/// Builds the example with the features of this test build (so the library is not rebuilt) and
/// returns its path, as cargo reports it.
fn build_example() -> PathBuf {
    let mut features = vec!["full"];
    if cfg!(feature = "sandbox") {
        features.push("sandbox");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", "payhub", "--example", "callback_server"])
        .args(["--features", &features.join(",")])
        .arg("--message-format=json-render-diagnostics")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit());
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let out = cmd.output().expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo build --example callback_server failed"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "callback_server")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reports the example's executable")
}

/// The example, killed when dropped.
struct Example {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Example {
    /// Starts `exe` with `ulimit -n 256`, configured for paydesk through its environment
    /// variables, on an ephemeral port of 127.0.0.1; waits for its address line.
    fn start(exe: &Path, dir: &Path) -> Self {
        let log = dir.join("server.log");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -n {FILE_HANDLES} && exec \"$0\""))
            .arg(exe)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("PAYHUB_LISTEN", "127.0.0.1:0")
            .env("PAYDESK_MERCHANT_ID", MERCHANT_ID.to_string())
            .env("PAYDESK_API_KEY", API_KEY)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("the example starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                panic!(
                    "no address line within 30 s; log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            });
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line {line:?}; log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            });
        Self { child, addr, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// What a stalled client sends before going silent.
fn stall(i: usize) -> &'static [u8] {
    // 270 of the 300 hold their connection until a timeout: more than the 256 file handles.
    match i % 10 {
        // Full headers announcing a 10 MB body, then nothing (refused at once: 413).
        0 => b"POST /callbacks/paydesk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n",
        // Full headers, a few bytes of a small body, then nothing.
        1 | 2 => b"POST /callbacks/paydesk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"amount\":",
        // Nothing at all.
        3 => b"",
        // Headers cut off mid-way.
        _ => b"POST /callbacks/paydesk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_are_closed_and_genuine_callbacks_get_through() {
    let exe = tokio::task::spawn_blocking(build_example)
        .await
        .expect("build");
    let dir = std::env::temp_dir().join(format!("payhub-hardening-slow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let server = Example::start(&exe, &dir);
    let addr = server.addr;
    if let Ok(limits) = std::fs::read_to_string(format!("/proc/{}/limits", server.child.id())) {
        let open_files = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap_or_default()
            .split_whitespace()
            .nth(3)
            .unwrap_or_default()
            .to_owned();
        assert_eq!(open_files, FILE_HANDLES.to_string(), "{limits}");
    }

    // Before: a genuine callback is acknowledged.
    let cb = Callback::paid("SLOW-BEFORE");
    let reply = exchange(addr, &cb.request("/callbacks/paydesk"))
        .await
        .expect("reply");
    assert_eq!((reply.status, reply.body.as_str()), (200, "SUCCESS"));

    // 300 connections that send half a request and stall.
    let started = Instant::now();
    let mut stalled = JoinSet::new();
    for i in 0..STALLED {
        let mut s = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
            .await
            .unwrap_or_else(|_| panic!("connect {i}: timed out"))
            .unwrap_or_else(|e| panic!("connect {i}: {e}"));
        stalled.spawn(async move {
            // The server may already have closed it; that is fine.
            let _ = s.write_all(stall(i)).await;
            let left = WITHIN.saturating_sub(started.elapsed());
            closed_within(&mut s, left)
                .await
                .map(|_| started.elapsed())
                .map_err(|e| format!("stalled connection {i} ({:?}): {e}", stall(i).len()))
        });
    }

    // Meanwhile, genuine callbacks (the provider retrying), each on its own connection.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut genuine = JoinSet::new();
    for n in 0..3 {
        let cb = Callback::paid(&format!("SLOW-{n}"));
        genuine.spawn(async move {
            let left = WITHIN.saturating_sub(started.elapsed());
            let reply =
                tokio::time::timeout(left, exchange(addr, &cb.request("/callbacks/paydesk")))
                    .await
                    .map_err(|_| format!("genuine callback {n}: no answer within {WITHIN:?}"))?
                    .map_err(|e| format!("genuine callback {n}: {e}"))?;
            if (reply.status, reply.body.as_str()) != (200, "SUCCESS") {
                return Err(format!("genuine callback {n}: {reply:?}"));
            }
            Ok(started.elapsed())
        });
    }

    let mut failures = Vec::new();
    let mut acked = Vec::new();
    while let Some(r) = genuine.join_next().await {
        match r.expect("task") {
            Ok(t) => acked.push(t),
            Err(e) => failures.push(e),
        }
    }
    let mut last_close = Duration::ZERO;
    while let Some(r) = stalled.join_next().await {
        match r.expect("task") {
            Ok(t) => last_close = last_close.max(t),
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures, first ones: {:#?}\nserver log:\n{}",
        failures.len(),
        &failures[..failures.len().min(5)],
        server.log()
    );
    eprintln!(
        "genuine callbacks acknowledged after {acked:?}; last stalled connection closed after {last_close:?}"
    );

    // After: the server is still up and answering.
    let cb = Callback::paid("SLOW-AFTER");
    let reply = tokio::time::timeout(
        Duration::from_secs(10),
        exchange(addr, &cb.request("/callbacks/paydesk")),
    )
    .await
    .expect("answered")
    .expect("reply");
    assert_eq!((reply.status, reply.body.as_str()), (200, "SUCCESS"));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
