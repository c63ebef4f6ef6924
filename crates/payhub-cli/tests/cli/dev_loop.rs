//! The developer loop, run through the real binary: exit codes (64 for usage, 2 for an unknown
//! outcome, 1 otherwise) and `--help` naming them, `--json` errors, a negative `--amount`
//! reaching the validator, every missing field in one run, `--template` inputs that work on
//! every provider, the README's `sign` / `verify-notify` lines with the shipped example files,
//! and connection errors that name the server without repeating themselves.

use std::path::{Path, PathBuf};
use std::process::Command;

use payhub_sandbox::{FaultKind, FaultRule, SandboxHandle};
use serde_json::Value;

use crate::support::{Out, cred, run, sandbox, workdir};

fn json(out: &Out) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {:?}", out.stdout))
}

#[tokio::test]
async fn usage_errors_exit_64_and_help_names_the_exit_codes() {
    let dir = workdir("usage");
    let line = run(&dir, &["create"], &[], b"").await.failed(64).to_owned();
    assert!(line.contains("<PROVIDER>"), "{line}");
    let line = run(&dir, &["create", "paydesk", "--bogus"], &[], b"")
        .await
        .failed(64)
        .to_owned();
    assert!(line.contains("unexpected argument '--bogus'"), "{line}");
    let line = run(&dir, &["query", "nowhere-pay", "M1"], &[], b"")
        .await
        .failed(64)
        .to_owned();
    assert!(line.contains("nowhere-pay"), "{line}");

    let help = run(&dir, &["--help"], &[], b"").await;
    let text = help.ok();
    for code in ["1 error", "2 outcome unknown", "64 usage error"] {
        assert!(text.contains(code), "{code}: {text}");
    }
    assert!(
        text.contains("listen") && text.contains("trigger"),
        "{text}"
    );

    // With --json a usage error is a JSON object on stdout, nothing on stderr.
    let out = run(&dir, &["create", "paydesk", "--bogus", "--json"], &[], b"").await;
    assert_eq!(out.code, 64);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "usage");
    assert_eq!(v["error"]["exit_code"], 64);
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--bogus")),
        "{v}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_negative_amount_reaches_the_validator() {
    let dir = workdir("negative");
    let args = [
        "create",
        "gateway-recharge",
        "--order-no",
        "N1",
        "--amount",
        "-5",
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
        "--base-url",
        "http://127.0.0.1:9",
        "--merchant-id",
        "M1",
        "--key",
        "k",
    ];
    let line = run(&dir, &args, &[], b"").await.failed(1).to_owned();
    assert!(line.contains("amount"), "{line}");
    assert!(
        !line.contains("unexpected argument") && !line.contains("could not connect"),
        "the provider's validator answers, before any I/O: {line}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn every_missing_field_is_named_in_one_run() {
    let dir = workdir("missing");
    let out = run(
        &dir,
        &["create", "gateway-recharge", "--order-no", "X"],
        &[],
        b"",
    )
    .await;
    let line = out.failed(64).to_owned();
    for part in [
        "`amount` (--amount)",
        "`remark` (--remark)",
        "`customer` (--customer)",
        "`ip` (--ip)",
        "`callback_url` (--notify-url)",
        "`return_url` (--return-url)",
        "`payhub create gateway-recharge --template`",
    ] {
        assert!(line.contains(part), "{part}: {line}");
    }
    // `sign` reads a JSON input: no `--set` hint there.
    let args = [
        "sign",
        "gateway-recharge",
        "--key",
        "k",
        "--merchant-no",
        "M1",
    ];
    let line = run(&dir, &args, &[], br#"{"order_no":"X"}"#)
        .await
        .failed(1)
        .to_owned();
    assert!(
        line.contains(
            "the input lacks `amount`, `remark`, `customer`, `ip`, `callback_url`, `return_url`"
        ),
        "{line}"
    );
    assert!(!line.contains("--set"), "{line}");
    assert!(
        line.contains("`payhub sign gateway-recharge --template`"),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The credential flags of each provider on the sandbox.
fn creds(sb: &SandboxHandle, provider: &str) -> Vec<String> {
    let module = provider.replace('-', "_");
    let mut out = vec!["--base-url".to_owned(), sb.provider_url(&module)];
    let c = |label: &str| cred(sb, &module, label);
    let pairs: Vec<(&str, String)> = match provider {
        "gateway-recharge" => vec![("--merchant-id", c("merchant_no")), ("--secret", c("key"))],
        "paydesk" => vec![
            ("--merchant-id", c("MerchantId")),
            ("--secret", c("apiKey")),
        ],
        "tokenpay" => vec![
            ("--app-id", c("app_id")),
            ("--mch-id", c("mch_id")),
            ("--secret", c("app_secret")),
        ],
        "vipcharge" => vec![
            ("--merchant-id", c("merchantId")),
            ("--business-id", c("businessId")),
            ("--secret", c("secret (MD5)")),
        ],
        "jiuyi-dc" => vec![("--app-id", c("appid")), ("--secret", c("appsecret"))],
        other => panic!("{other}"),
    };
    for (flag, value) in pairs {
        out.push(flag.to_owned());
        out.push(value);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_are_complete_inputs_on_every_provider() {
    let sb = sandbox().await;
    let dir = workdir("template");
    for provider in [
        "gateway-recharge",
        "jiuyi-dc",
        "paydesk",
        "tokenpay",
        "vipcharge",
    ] {
        let creds = creds(&sb, provider);
        let creds: Vec<&str> = creds.iter().map(String::as_str).collect();
        // sign: the template is an input `sign` takes as it is.
        for op in ["create", "query"] {
            let out = run(
                &dir,
                &["sign", provider, "--template", "--op", op],
                &[],
                b"",
            )
            .await;
            let input = out.ok().to_owned();
            let fields: Value = serde_json::from_str(&input).expect("a JSON object");
            assert!(fields.as_object().is_some_and(|o| !o.is_empty()), "{input}");
            let mut args = vec!["sign", provider, "--op", op];
            args.extend(&creds);
            let signed = run(&dir, &args, &[], input.as_bytes()).await;
            assert!(!signed.ok().trim().is_empty(), "{provider} {op}");
        }
        // create: the template is a command line the sandbox accepts.
        let out = run(&dir, &["create", provider, "--template"], &[], b"").await;
        let line = out.ok().trim().to_owned();
        assert!(!line.contains('\''), "plain words: {line}");
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(&words[..3], ["payhub", "create", provider], "{line}");
        let mut args: Vec<&str> = words[1..].to_vec();
        args.extend(&creds);
        run(&dir, &args, &[], b"").await.ok();
        // --json: the same fields as `sign --template`.
        let out = run(
            &dir,
            &["create", provider, "--template", "--json"],
            &[],
            b"",
        )
        .await;
        let as_json: Value = serde_json::from_str(out.ok()).expect("JSON");
        let sign_template = run(&dir, &["sign", provider, "--template"], &[], b"").await;
        let expected: Value = serde_json::from_str(sign_template.ok()).expect("JSON");
        assert_eq!(as_json, expected, "{provider}");
    }
    sb.shutdown().await.expect("sandbox stops");
    let _ = std::fs::remove_dir_all(dir);
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs a README line through `sh` in the workspace root, with the built `payhub` first on the
/// PATH.
fn sh(line: &str) -> Out {
    let bin = Path::new(env!("CARGO_BIN_EXE_payhub"))
        .parent()
        .expect("bin dir")
        .to_owned();
    let out = Command::new("sh")
        .args(["-c", line])
        .current_dir(workspace_root())
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .output()
        .expect("sh runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn the_readme_sign_and_verify_lines_work_with_the_shipped_files() {
    for readme in ["README.md", "crates/payhub-cli/README.md"] {
        let text = std::fs::read_to_string(workspace_root().join(readme)).expect("README");
        let line = |prefix: &str| {
            text.lines()
                .map(str::trim)
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("{readme}: no line `{prefix}...`"))
                .to_owned()
        };
        let sign = line("payhub sign gateway-recharge --explain --key adesf235 < ");
        assert!(
            sign.contains("crates/payhub-cli/examples/request.json"),
            "{sign}"
        );
        let out = sh(&sign);
        assert!(
            out.ok()
                .contains("signature: 972287ff9d3050a6552fe6bc9922b282"),
            "{readme}: {}",
            out.stdout
        );
        assert!(out.stdout.contains("&key=***"), "{}", out.stdout);
        let verify = line("payhub verify-notify paydesk --file ");
        assert!(
            verify.contains("crates/payhub-cli/examples/body.json"),
            "{verify}"
        );
        let out = sh(&verify);
        assert_eq!(out.field("ack_body"), "SUCCESS", "{readme}");
        assert_eq!(out.field("status"), "SUCCESS");
    }
}

#[tokio::test]
async fn connection_errors_name_the_server_once_and_json_errors_carry_the_kind() {
    let dir = workdir("connect");
    let args = [
        "query",
        "paydesk",
        "M1",
        "--base-url",
        "http://127.0.0.1:9",
        "--merchant-id",
        "1",
        "--api-key",
        "k",
    ];
    let out = run(&dir, &args, &[], b"").await;
    let line = out.failed(1).to_owned();
    assert!(line.contains("could not connect to 127.0.0.1:9"), "{line}");
    assert_no_repeats(&line);
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let out = run(&dir, &with_json, &[], b"").await;
    assert_eq!(out.code, 1);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "transport");
    assert_eq!(v["error"]["exit_code"], 1);
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("127.0.0.1:9")),
        "{v}"
    );
    // A config file path that does not exist: the OS error once.
    let out = run(
        &dir,
        &["query", "paydesk", "M1", "--config", "missing.toml"],
        &[],
        b"",
    )
    .await;
    let line = out.failed(1).to_owned();
    assert_eq!(line.matches("(os error 2)").count(), 1, "{line}");
    let _ = std::fs::remove_dir_all(dir);
}

/// No `": "`-separated fragment follows an identical one, and no OS error appears twice.
#[track_caller]
fn assert_no_repeats(line: &str) {
    let parts: Vec<&str> = line.split(": ").collect();
    for pair in parts.windows(2) {
        assert_ne!(pair[0], pair[1], "repeated fragment in {line}");
    }
    assert!(line.matches("(os error").count() <= 1, "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_outcome_advises_the_cli_query_not_the_library_call() {
    let sb = sandbox().await;
    let dir = workdir("unknown-advice");
    sb.add_fault(
        FaultRule::new(FaultKind::CloseMidBody)
            .provider("tokenpay")
            .route("/v1/transaction/prepayment")
            .once(),
    );
    let creds = creds(&sb, "tokenpay");
    let mut args = vec![
        "create",
        "tokenpay",
        "--order-no",
        "U3",
        "--amount",
        "9.5",
        "--currency",
        "USDT",
        "--chain",
        "TRON",
    ];
    args.extend(creds.iter().map(String::as_str));
    let out = run(&dir, &args, &[], b"").await;
    let line = out.failed(2).to_owned();
    assert!(line.contains("run `payhub query tokenpay U3`"), "{line}");
    assert!(!line.contains("Client::reconcile"), "{line}");
    assert!(!line.contains("prepay: prepay"), "{line}");
    assert_no_repeats(&line);
    args.push("--json");
    sb.add_fault(
        FaultRule::new(FaultKind::CloseMidBody)
            .provider("tokenpay")
            .route("/v1/transaction/prepayment")
            .once(),
    );
    args[3] = "U4";
    let out = run(&dir, &args, &[], b"").await;
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "outcome_unknown");
    assert_eq!(v["error"]["exit_code"], 2);
    sb.shutdown().await.expect("sandbox stops");
    let _ = std::fs::remove_dir_all(dir);
}
