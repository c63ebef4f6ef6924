//! `RUST_LOG` turns on the CLI's tracing output on stderr; without it, stderr carries only the
//! usual one-line error and stdout is the same either way.

use std::process::{Command, Stdio};

use payhub_sandbox::{Sandbox, SandboxHandle};

fn cred(sb: &SandboxHandle, module: &str, label: &str) -> String {
    sb.credentials(module)
        .iter()
        .find(|c| c.label() == label)
        .map(|c| c.value().to_owned())
        .unwrap_or_else(|| panic!("{module} has no credential `{label}`"))
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `payhub query paydesk <order>` against the sandbox, in a clean environment plus `extra`.
async fn query(sb: &SandboxHandle, order: &str, extra: &[(&str, &str)]) -> Out {
    let dir = std::env::temp_dir().join(format!("payhub-hardening-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_payhub"));
    cmd.args(["query", "paydesk", order])
        .current_dir(&dir)
        .env_clear()
        .env("PAYDESK_BASE_URL", sb.provider_url("paydesk"))
        .env("PAYDESK_MERCHANT_ID", cred(sb, "paydesk", "MerchantId"))
        .env("PAYDESK_API_KEY", cred(sb, "paydesk", "apiKey"))
        .envs(extra.iter().copied())
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("payhub runs"))
        .await
        .expect("runner");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test]
async fn rust_log_writes_tracing_to_stderr_and_nothing_without_it() {
    let sb = Sandbox::builder().start().await.expect("sandbox starts");
    // An order that does not exist: one exchange with the sandbox, then a one-line error.
    let quiet = query(&sb, "NO-SUCH-ORDER-1", &[]).await;
    let logged = query(&sb, "NO-SUCH-ORDER-1", &[("RUST_LOG", "debug")]).await;

    assert!(
        quiet.stderr.lines().all(|l| l.starts_with("error: ")),
        "without RUST_LOG only the error line: {:?}",
        quiet.stderr
    );
    assert!(
        !quiet.stderr.contains("DEBUG") && !quiet.stderr.contains(" INFO "),
        "{:?}",
        quiet.stderr
    );
    // The paydesk client's per-attempt event and its span (provider, operation).
    assert!(
        logged.stderr.contains("DEBUG") && logged.stderr.contains("paydesk"),
        "RUST_LOG=debug shows the SDK's tracing output: {:?}",
        logged.stderr
    );
    assert!(
        logged.stderr.lines().count() > quiet.stderr.lines().count(),
        "{:?}",
        logged.stderr
    );
    assert_eq!(quiet.code, logged.code, "same outcome");
    assert_eq!(quiet.stdout, logged.stdout, "stdout unchanged");
    // The apiKey never reaches the logs.
    assert!(!logged.stderr.contains(&cred(&sb, "paydesk", "apiKey")));
    // An invalid filter is ignored rather than failing the command.
    let bad = query(&sb, "NO-SUCH-ORDER-1", &[("RUST_LOG", "=[")]).await;
    assert_eq!(bad.code, quiet.code);
    assert_eq!(bad.stderr, quiet.stderr);
    sb.shutdown().await.expect("sandbox stops");
}
