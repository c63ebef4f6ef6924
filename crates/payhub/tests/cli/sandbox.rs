//! `payhub sandbox`: ephemeral port, banner, `--write-config` read by the other commands,
//! clean exit on SIGINT.

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
        .stderr(Stdio::null())
        .spawn()
        .expect("payhub sandbox starts");
    let lines = line_reader(child.stdout.take().expect("stdout"));
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
    let created = run(&dir, &args, &[], b"").await;
    created.ok();
    let queried = run(&dir, &["query", "jiuyi-dc", "CLI-SB-1"], &[], b"").await;
    assert_eq!(queried.field("order_id"), created.field("order_id"));

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
