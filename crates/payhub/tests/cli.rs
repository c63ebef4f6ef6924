//! End-to-end tests of the `payhub` binary: a sandbox runs in-process on 127.0.0.1 and the built
//! binary is run against it (create + query on all five providers, an unknown outcome, the
//! config file and environment sources), plus `sign --explain` on the golden vectors,
//! `verify-notify` on vector callbacks (and tampered ones), one-line errors, and `payhub sandbox`
//! itself (ephemeral port, `--write-config`, clean exit on SIGINT).
#![cfg(feature = "cli")]

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use payhub_sandbox::{FaultKind, FaultRule, Sandbox, SandboxHandle};
use serde_json::Value;

/// What a run of the binary produced.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    #[track_caller]
    fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// The value of a `key: value` line.
    #[track_caller]
    fn field(&self, key: &str) -> String {
        let prefix = format!("{key}: ");
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no `{key}` in:\n{}", self.stdout))
            .to_owned()
    }

    /// Asserts a failure with `code` and exactly one line on stderr, which is returned.
    #[track_caller]
    fn failed(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert_eq!(self.stderr.lines().count(), 1, "stderr:\n{}", self.stderr);
        assert!(self.stderr.starts_with("error: "), "{}", self.stderr);
        self.stderr.trim_end()
    }
}

/// A fresh, empty working directory (so no stray `payhub.toml` is read).
fn workdir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "payhub-cli-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs the binary in `dir` with a clean environment plus `env`, feeding `stdin`.
fn run_blocking(dir: &Path, args: &[String], env: &[(String, String)], stdin: &[u8]) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_payhub"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("payhub runs");
    {
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(stdin).expect("stdin written");
    }
    let out = child.wait_with_output().expect("payhub exits");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// [`run_blocking`] off the async runtime, so the in-process sandbox keeps serving.
async fn run(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Out {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let stdin = stdin.to_vec();
    tokio::task::spawn_blocking(move || run_blocking(&dir, &args, &env, &stdin))
        .await
        .expect("runner")
}

async fn sandbox() -> SandboxHandle {
    Sandbox::builder().start().await.expect("sandbox starts")
}

/// A credential the sandbox module accepts, by its label.
fn cred(sb: &SandboxHandle, module: &str, label: &str) -> String {
    sb.credentials(module)
        .iter()
        .find(|c| c.label() == label)
        .map(|c| c.value().to_owned())
        .unwrap_or_else(|| panic!("{module} has no credential `{label}`"))
}

fn vectors(provider: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/vectors")
        .join(format!("{provider}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).expect("JSON")
}

fn case(provider: &str, name: &str) -> Value {
    vectors(provider)["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no vector {provider}/{name}"))
}

fn text(v: &Value) -> &str {
    v.as_str().expect("a string")
}

/// The vector's signed string with the secret replaced by `***`, as `--explain` prints it.
fn masked(signed_string: &str, secret: &str) -> String {
    match signed_string.strip_suffix(secret) {
        Some(head) => format!("{head}***"),
        None => format!("{signed_string}***"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_then_query_on_all_five_providers() {
    let sb = sandbox().await;
    let dir = workdir("create");
    let hook = "http://127.0.0.1:9/notify";

    // paydesk: credentials from flags.
    let paydesk_url = sb.provider_url("paydesk");
    let (mid, key) = (
        cred(&sb, "paydesk", "MerchantId"),
        cred(&sb, "paydesk", "apiKey"),
    );
    let creds = [
        "--base-url",
        &paydesk_url,
        "--merchant-id",
        &mid,
        "--api-key",
        &key,
    ];
    let mut args = vec![
        "create",
        "paydesk",
        "--order-no",
        "CLI-PD-1",
        "--currency",
        "TZS",
    ];
    args.extend([
        "--amount",
        "1000",
        "--notify-url",
        hook,
        "--mobile-money-phone",
        "721323213",
    ]);
    args.extend([
        "--remark",
        "cli",
        "--real-name",
        "Jeck",
        "--phone",
        "255700000001",
    ]);
    args.extend([
        "--email",
        "payer@example.com",
        "--set",
        "goodsSubject=Coffee",
    ]);
    args.extend(creds);
    let created = run(&dir, &args, &[], b"").await;
    created.ok();
    let order_no = created.field("order_no");
    assert!(order_no.starts_with("PAYDESK"), "{order_no}");
    assert_eq!(created.field("mch_order_no"), "CLI-PD-1");
    assert!(created.field("pay_url").starts_with("http://127.0.0.1:"));
    let mut args = vec!["query", "paydesk", "CLI-PD-1"];
    args.extend(creds);
    let queried = run(&dir, &args, &[], b"").await;
    queried.ok();
    assert_eq!(queried.field("order_no"), order_no);
    assert_eq!(queried.field("status"), "PAYING");
    assert_eq!(queried.field("final"), "false");
    sb.mark_paid("CLI-PD-1").expect("paid");
    let paid = run(&dir, &args, &[], b"").await;
    assert_eq!(paid.field("status"), "SUCCESS");
    args.push("--json");
    let json: Value = serde_json::from_str(run(&dir, &args, &[], b"").await.ok()).expect("JSON");
    assert_eq!(json["status"], "SUCCESS");
    assert_eq!(json["amount"], "1000");
    assert_eq!(json["final"], true);

    // gateway-recharge: credentials from the provider crate's environment variables.
    let gw_url = sb.provider_url("gateway_recharge");
    let gw_mno = cred(&sb, "gateway_recharge", "merchant_no");
    let gw_key = cred(&sb, "gateway_recharge", "key");
    let env = [
        ("GATEWAY_RECHARGE_BASE_URL", gw_url.as_str()),
        ("GATEWAY_RECHARGE_MERCHANT_NO", gw_mno.as_str()),
        ("GATEWAY_RECHARGE_KEY", gw_key.as_str()),
    ];
    let mut args = vec![
        "create",
        "gateway-recharge",
        "--order-no",
        "CLI-GW-1",
        "--amount",
    ];
    args.extend([
        "100.00",
        "--remark",
        "cli",
        "--customer",
        "user123",
        "--ip",
        "192.168.1.1",
    ]);
    args.extend([
        "--notify-url",
        hook,
        "--return-url",
        "http://127.0.0.1:9/back",
    ]);
    let created = run(&dir, &args, &env, b"").await;
    created.ok();
    let trade_no = created.field("trade_no");
    assert!(created.field("pay_url").starts_with("http://127.0.0.1:"));
    let queried = run(&dir, &["query", "gateway-recharge", "CLI-GW-1"], &env, b"").await;
    queried.ok();
    assert_eq!(queried.field("trade_no"), trade_no);
    assert_eq!(queried.field("amount"), "100.00");
    assert_eq!(queried.field("status"), "pending");

    // tokenpay: credentials from a config file given with --config.
    let config = dir.join("tokenpay.toml");
    std::fs::write(
        &config,
        format!(
            "[tokenpay]\nbase_url = \"{}\"\napp_id = \"{}\"\nmch_id = \"{}\"\napp_secret = \"{}\"\n",
            sb.provider_url("tokenpay"),
            cred(&sb, "tokenpay", "app_id"),
            cred(&sb, "tokenpay", "mch_id"),
            cred(&sb, "tokenpay", "app_secret"),
        ),
    )
    .expect("config written");
    let config = config.to_str().expect("UTF-8 path");
    let mut args = vec![
        "create",
        "tokenpay",
        "--order-no",
        "CLI-TP-1",
        "--amount",
        "9.5",
    ];
    args.extend([
        "--currency",
        "USDT",
        "--chain",
        "TRON",
        "--notify-url",
        hook,
    ]);
    args.extend(["--config", config, "--json"]);
    let created = run(&dir, &args, &[], b"").await;
    let json: Value = serde_json::from_str(created.ok()).expect("JSON");
    assert_eq!(json["out_trade_no"], "CLI-TP-1");
    assert!(!text(&json["prepay_id"]).is_empty());
    let queried = run(
        &dir,
        &["query", "tokenpay", "CLI-TP-1", "--config", config],
        &[],
        b"",
    )
    .await;
    queried.ok();
    assert_eq!(queried.field("status"), "NOTPAY");
    assert_eq!(queried.field("amount"), "9.500000");
    assert_eq!(queried.field("currency"), "USDT");

    // vipcharge: MD5 (the sign type follows from a secret without a private key).
    let vc_url = sb.provider_url("vipcharge");
    let vc_mid = cred(&sb, "vipcharge", "merchantId");
    let vc_bid = cred(&sb, "vipcharge", "businessId");
    let vc_secret = cred(&sb, "vipcharge", "secret (MD5)");
    let creds = [
        "--base-url",
        &vc_url,
        "--merchant-id",
        &vc_mid,
        "--business-id",
        &vc_bid,
        "--secret",
        &vc_secret,
    ];
    let mut args = vec![
        "create",
        "vipcharge",
        "--order-no",
        "CLI-VC-1",
        "--product-code",
    ];
    args.extend(["87103", "--account", "w23b52", "--notify-url", hook]);
    args.extend(creds);
    let created = run(&dir, &args, &[], b"").await;
    created.ok();
    let order_code = created.field("order_code");
    let mut args = vec!["query", "vipcharge", "CLI-VC-1"];
    args.extend(creds);
    let queried = run(&dir, &args, &[], b"").await;
    queried.ok();
    assert_eq!(queried.field("order_code"), order_code);
    assert_eq!(queried.field("product_code"), "87103");
    assert!(
        queried.field("status").ends_with("(accepted)"),
        "{}",
        queried.stdout
    );

    // jiuyi-dc: a direct recharge with a yuan price ceiling.
    let jy_url = sb.provider_url("jiuyi_dc");
    let (appid, secret) = (
        cred(&sb, "jiuyi_dc", "appid"),
        cred(&sb, "jiuyi_dc", "appsecret"),
    );
    let creds = [
        "--base-url",
        &jy_url,
        "--appid",
        &appid,
        "--appsecret",
        &secret,
    ];
    let mut args = vec![
        "create",
        "jiuyi-dc",
        "--order-no",
        "CLI-JY-1",
        "--card-id",
        "43",
    ];
    args.extend([
        "--account",
        "13800138000",
        "--amount",
        "19.80",
        "--money-unit",
        "yuan",
    ]);
    args.extend(creds);
    let created = run(&dir, &args, &[], b"").await;
    created.ok();
    let order_id = created.field("order_id");
    assert!(order_id.starts_with("API"), "{order_id}");
    let mut args = vec!["query", "jiuyi-dc", "CLI-JY-1"];
    args.extend(creds);
    let queried = run(&dir, &args, &[], b"").await;
    queried.ok();
    assert_eq!(queried.field("order_id"), order_id);
    assert!(
        queried.field("status").starts_with("1 "),
        "{}",
        queried.stdout
    );

    sb.shutdown().await.expect("sandbox stops");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_outcome_of_a_create_exits_2_and_the_order_can_be_queried() {
    let sb = sandbox().await;
    let dir = workdir("unknown");
    sb.add_fault(
        FaultRule::new(FaultKind::CloseMidBody)
            .provider("jiuyi_dc")
            .route("/dcapi/pay")
            .once(),
    );
    let url = sb.provider_url("jiuyi_dc");
    let (appid, secret) = (
        cred(&sb, "jiuyi_dc", "appid"),
        cred(&sb, "jiuyi_dc", "appsecret"),
    );
    let creds = ["--base-url", &url, "--app-id", &appid, "--secret", &secret];
    let mut args = vec![
        "create",
        "jiuyi-dc",
        "--order-no",
        "CLI-JY-LOST",
        "--card-id",
        "43",
    ];
    args.extend(["--account", "13800138000"]);
    args.extend(creds);
    let out = run(&dir, &args, &[], b"").await;
    let line = out.failed(2);
    assert!(line.starts_with("error: jiuyi-dc: "), "{line}");
    assert!(line.contains("CLI-JY-LOST"), "{line}");
    // The order was created before the connection dropped: query finds it.
    let mut args = vec!["query", "jiuyi-dc", "CLI-JY-LOST"];
    args.extend(creds);
    let queried = run(&dir, &args, &[], b"").await;
    queried.ok();
    assert_eq!(queried.field("out_order_id"), "CLI-JY-LOST");
    sb.shutdown().await.expect("sandbox stops");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn sign_explain_reproduces_the_golden_vectors() {
    let dir = workdir("sign");

    // gateway-recharge: `time` and `merchant_no` come from the input; the key is masked.
    let c = case("gateway-recharge", "create_seed_values");
    let input = serde_json::to_vec(&c["params"]).expect("JSON");
    let out = run(
        &dir,
        &[
            "sign",
            "gateway-recharge",
            "--explain",
            "--key",
            text(&c["secret"]),
        ],
        &[],
        &input,
    )
    .await;
    out.ok();
    assert_eq!(
        out.field("signed string"),
        masked(text(&c["signed_string"]), text(&c["secret"]))
    );
    assert!(out.field("signed string").ends_with("&key=***"));
    assert_eq!(out.field("signature"), text(&c["sign"]));
    assert!(
        out.stdout.starts_with("POST /gateway/recharge\n"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(text(&c["secret"])), "{}", out.stdout);
    assert_eq!(
        out.field("included"),
        "amount, callback_url, customer, ip, merchant_no, order_no, remark, return_url, time"
    );

    // jiuyi-dc: `check` is sent but skipped from the signature, with the reason.
    let c = case("jiuyi-dc", "pay_all_optional_and_check");
    let input = serde_json::to_vec(&c["params"]).expect("JSON");
    let path = dir.join("pay.json");
    std::fs::write(&path, &input).expect("input written");
    let args = [
        "sign",
        "jiuyi-dc",
        "--explain",
        "--file",
        path.to_str().expect("path"),
        "--appsecret",
        text(&c["secret"]),
    ];
    let out = run(&dir, &args, &[], b"").await;
    out.ok();
    assert_eq!(
        out.field("signed string"),
        masked(text(&c["signed_string"]), text(&c["secret"]))
    );
    assert_eq!(out.field("signature"), text(&c["sign"]));
    assert!(
        out.field("skipped").starts_with("check ("),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("&check=1&sign="), "{}", out.stdout);

    // vipcharge MD5: the header timestamp and nonce are pinned with --timestamp / --nonce.
    let c = case("vipcharge", "vip_charge_md5");
    let h = &c["headers"];
    let args = [
        "sign",
        "vipcharge",
        "--explain",
        "--sign-type",
        "MD5",
        "--secret",
        text(&c["secret"]),
        "--timestamp",
        text(&h["timestamp"]),
        "--nonce",
        text(&h["nonce"]),
    ];
    let out = run(&dir, &args, &[], text(&c["body"]).as_bytes()).await;
    out.ok();
    assert_eq!(
        out.field("signed string"),
        format!("{}***", text(&c["signed_string"]))
    );
    assert_eq!(out.field("signature"), text(&c["sign"]));
    assert_eq!(
        out.field("sign"),
        text(&c["sign"]),
        "the header on the wire"
    );

    // paydesk: the body is signed as serialized; the apiKey is masked.
    let c = case("paydesk", "create_tza");
    let args = [
        "sign",
        "paydesk",
        "--explain",
        "--merchant-id",
        text(&c["merchant_id"]),
        "--api-key",
        text(&c["api_key"]),
    ];
    let out = run(&dir, &args, &[], text(&c["body"]).as_bytes()).await;
    out.ok();
    assert_eq!(
        out.field("signed string"),
        masked(text(&c["signed_string"]), text(&c["api_key"]))
    );
    assert_eq!(out.field("Sign"), text(&c["sign"]));
    assert!(!out.stdout.contains(text(&c["api_key"])), "{}", out.stdout);

    // Without --explain only the signature is printed; --op query signs the query request.
    let c = case("vipcharge", "order_info_md5");
    let h = &c["headers"];
    let args = [
        "sign",
        "vipcharge",
        "--op",
        "query",
        "--merchant-id",
        "166",
        "--business-id",
        text(&h["businessId"]),
        "--secret",
        text(&c["secret"]),
        "--timestamp",
        text(&h["timestamp"]),
        "--nonce",
        text(&h["nonce"]),
    ];
    let out = run(&dir, &args, &[], text(&c["body"]).as_bytes()).await;
    assert_eq!(out.ok(), format!("{}\n", text(&c["sign"])));

    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn sign_refuses_a_wrong_input_signature_and_mismatched_identity() {
    let dir = workdir("sign-bad");
    let c = case("gateway-recharge", "create_seed_values");
    let mut params = c["params"].clone();
    params["sign"] = Value::from("00000000000000000000000000000000");
    let input = serde_json::to_vec(&params).expect("JSON");
    let out = run(
        &dir,
        &["sign", "gateway-recharge", "--explain", "--key", "adesf235"],
        &[],
        &input,
    )
    .await;
    let line = out.failed(1);
    assert!(
        line.contains("does not match the computed `972287ff9d3050a6552fe6bc9922b282`"),
        "{line}"
    );
    assert!(
        out.stdout
            .contains("input sign: 00000000000000000000000000000000 (DIFFERS)")
    );

    let input = serde_json::to_vec(&c["params"]).expect("JSON");
    let args = [
        "sign",
        "gateway-recharge",
        "--key",
        "adesf235",
        "--merchant-no",
        "M999",
    ];
    let line = run(&dir, &args, &[], &input).await.failed(1).to_owned();
    assert!(
        line.contains("`merchant_no` is `M1234567890` but the configured value is `M999`"),
        "{line}"
    );

    let args = [
        "sign",
        "gateway-recharge",
        "--key",
        "adesf235",
        "--timestamp",
        "1",
    ];
    let line = run(&dir, &args, &[], &input).await.failed(1).to_owned();
    assert!(
        line.contains("`time` is 1731681331000 but --timestamp is 1"),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn verify_notify_prints_the_ack_and_refuses_a_tampered_callback() {
    let dir = workdir("notify");
    let c = case("paydesk", "notify_doc_body");
    let body = text(&c["body"]);
    let sign = format!("Sign: {}", text(&c["sign"]));
    let mid = text(&c["merchant_id"]);
    let merchant = format!("MerchantId: {mid}");
    let path = dir.join("notify.json");
    std::fs::write(&path, body).expect("body written");
    let path = path.to_str().expect("path");
    let args = [
        "verify-notify",
        "paydesk",
        "--file",
        path,
        "-H",
        &merchant,
        "--header",
        &sign,
        "--content-type",
        "application/json",
        "--merchant-id",
        mid,
        "--api-key",
        text(&c["api_key"]),
    ];
    let out = run(&dir, &args, &[], b"").await;
    out.ok();
    assert_eq!(out.field("ack_status"), c["ack"]["status"].to_string());
    assert_eq!(out.field("ack_body"), text(&c["ack"]["body"]));
    assert_eq!(out.field("order_no"), "PAYDESK27618551850988355260416");
    assert_eq!(out.field("amount"), "358320.00");
    assert_eq!(out.field("status"), "SUCCESS");

    // One digit of the amount changed: the signature no longer matches.
    let tampered = body.replace("358320.00", "958320.00");
    let args = [
        "verify-notify",
        "paydesk",
        "-H",
        &merchant,
        "-H",
        &sign,
        "--merchant-id",
        mid,
        "--api-key",
        text(&c["api_key"]),
    ];
    let out = run(&dir, &args, &[], tampered.as_bytes()).await;
    let line = out.failed(1);
    assert_eq!(line, "error: paydesk: notify signature does not match");
    assert!(out.stdout.is_empty(), "{}", out.stdout);

    // gateway-recharge from stdin: the signature is a body field; the ack is `SUCCESS`.
    let c = case("gateway-recharge", "callback_success");
    let args = [
        "verify-notify",
        "gateway-recharge",
        "--merchant-no",
        "M1234567890",
        "--key",
        text(&c["secret"]),
    ];
    let out = run(&dir, &args, &[], text(&c["body"]).as_bytes()).await;
    out.ok();
    assert_eq!(out.field("ack_body"), text(&c["ack"]));
    assert_eq!(out.field("amount"), "200.00");
    let forged = text(&c["body"]).replace("\"200.00\"", "\"20000.00\"");
    let line = run(&dir, &args, &[], forged.as_bytes())
        .await
        .failed(1)
        .to_owned();
    assert!(
        line.starts_with("error: gateway-recharge: callback rejected: "),
        "{line}"
    );

    // tokenpay: signed TTPay-* headers, encrypted resource; the ack is lower-case `success`.
    let c = case("tokenpay", "callback_payment_success");
    let headers: Vec<String> = c["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(k, v)| format!("{k}: {}", text(v)))
        .collect();
    let mut args = vec![
        "verify-notify",
        "tokenpay",
        "--app-id",
        "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd",
    ];
    args.extend([
        "--mch-id",
        "1234567890",
        "--secret",
        text(&c["app_secret"]),
        "--json",
    ]);
    for h in &headers {
        args.extend(["-H", h.as_str()]);
    }
    let out = run(&dir, &args, &[], text(&c["body"]).as_bytes()).await;
    let json: Value = serde_json::from_str(out.ok()).expect("JSON");
    assert_eq!(json["ack_body"], text(&c["ack"]));
    assert_eq!(json["status"], "SUCCESS");
    assert_eq!(json["amount"], "15.000000");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn errors_are_one_line_with_exit_code_1() {
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
    let line = run(&dir, &args, &[], b"").await.failed(1).to_owned();
    assert!(
        line.starts_with("error: --chain does not apply to paydesk"),
        "{line}"
    );
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

/// Reads stdout lines of a child on a thread, so the test can wait with a timeout.
fn line_reader(stdout: std::process::ChildStdout) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

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
