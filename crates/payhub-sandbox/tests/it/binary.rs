//! The `payhub-sandbox` binary: starts on an ephemeral port, prints its URL and credentials,
//! serves, and exits cleanly on SIGINT.

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
