//! Usage and configuration errors: one line on stderr, exit code 64 for a usage error and 1
//! otherwise, no secret.

use crate::support::{run, workdir};

#[tokio::test]
async fn errors_are_one_line_with_exit_code_1_or_64_for_usage() {
    let dir = workdir("errors");
    // A missing credential names the flag, the variable and the config key.
    let args = [
        "query",
        "paydesk",
        "M1",
        "--base-url",
        "http://127.0.0.1:9",
        "--merchant-id",
        "1002001",
    ];
    let line = run(&dir, &args, &[], b"").await.failed(1).to_owned();
    assert_eq!(
        line,
        "error: paydesk: no apiKey: pass --secret, set PAYDESK_API_KEY or add `api_key` to [paydesk] in payhub.toml"
    );
    // A flag another provider uses.
    let args = ["create", "paydesk", "--chain", "TRON"];
    let line = run(&dir, &args, &[], b"").await.failed(64).to_owned();
    assert!(
        line.starts_with("error: --chain does not apply to paydesk"),
        "{line}"
    );
    // A query kind the provider does not have.
    let args = ["query", "jiuyi-dc", "J1", "--kind", "payout"];
    let line = run(&dir, &args, &[], b"").await.failed(64).to_owned();
    assert_eq!(line, "error: jiuyi-dc has no `--kind payout` query");
    // A field the request does not have.
    let args = [
        "create",
        "gateway-recharge",
        "--set",
        "colour=red",
        "--order-no",
        "X",
    ];
    let line = run(&dir, &args, &[], b"").await.failed(1).to_owned();
    assert!(line.contains("no field `colour` (from --set)"), "{line}");
    // A malformed config file in the working directory.
    std::fs::write(dir.join("payhub.toml"), "[paydesk]\nmerchant = 1\n").expect("written");
    let line = run(&dir, &["query", "paydesk", "M1"], &[], b"")
        .await
        .failed(1)
        .to_owned();
    assert!(
        line.contains("[paydesk] has no setting `merchant`"),
        "{line}"
    );
    // Secrets given on the command line never appear in an error.
    std::fs::remove_file(dir.join("payhub.toml")).expect("removed");
    let args = [
        "query",
        "paydesk",
        "M1",
        "--base-url",
        "ftp://x",
        "--merchant-id",
        "1",
        "--secret",
        "s3cr3t-value",
    ];
    let out = run(&dir, &args, &[], b"").await;
    assert!(!out.failed(1).contains("s3cr3t-value"), "{}", out.stderr);
    let _ = std::fs::remove_dir_all(dir);
}
