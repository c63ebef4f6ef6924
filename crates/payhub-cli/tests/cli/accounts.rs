//! Several accounts per provider in `payhub.toml` (`[[paydesk]]`, `[[vipcharge]]`) against a
//! sandbox that knows two merchants of each: `--merchant` picks the account for `create` and
//! `query` (the sandbox order carries that merchant's id), a missing or unknown name is a usage
//! error naming the accounts, and `verify-notify` finds the account from the callback, says
//! which one verified it and when only the previous key of a rotation did.

use std::path::Path;

use payhub::paydesk::Secret;
use payhub::paydesk::sign::signature;
use payhub_sandbox::{CallbackRecord, OrderState, Sandbox, SandboxHandle};

use crate::support::{Out, run, workdir};

const PAYDESK: &str = r#"merchants = [
    { merchant_id = "1002001", api_key = "tzKey" },
    { merchant_id = "1002002", api_key = "keKey" },
]"#;

const VIPCHARGE: &str = r#"merchants = [
    { merchant_id = "166", business_id = "166", secret = "secretA" },
    { merchant_id = "177", business_id = "178", secret = "secretB" },
]"#;

async fn two_merchant_sandbox() -> SandboxHandle {
    let table = |text: &str| text.parse::<toml::Table>().expect("sandbox config");
    Sandbox::builder()
        .provider_config("paydesk", table(PAYDESK))
        .provider_config("vipcharge", table(VIPCHARGE))
        .start()
        .await
        .expect("sandbox starts")
}

/// The CLI's config: two paydesk accounts (`ke` rotating its key: the sandbox signs with the
/// current one, `keOld` is still accepted) and two vipcharge accounts.
fn config(sb: &SandboxHandle) -> String {
    let pd = sb.provider_url("paydesk");
    let vc = sb.provider_url("vipcharge");
    format!(
        r#"
[[paydesk]]
name = "tz"
base_url = "{pd}"
merchant_id = 1002001
api_key = "tzKey"

[[paydesk]]
name = "ke"
base_url = "{pd}"
merchant_id = 1002002
api_key = "keKey"
previous_api_key = "keOld"

[[vipcharge]]
name = "a"
base_url = "{vc}"
merchant_id = "166"
business_id = "166"
sign_type = "MD5"
secret = "secretA"

[[vipcharge]]
name = "b"
base_url = "{vc}"
merchant_id = "177"
business_id = "178"
sign_type = "MD5"
secret = "secretB"
"#
    )
}

async fn create_paydesk(dir: &Path, order_no: &str, extra: &[&str]) -> Out {
    let mut args = vec!["create", "paydesk", "--order-no", order_no, "--currency"];
    args.extend(["TZS", "--amount", "1000", "--notify-url"]);
    args.extend([
        "http://127.0.0.1:9/notify",
        "--mobile-money-phone",
        "721323213",
    ]);
    args.extend(["--remark", "cli", "--real-name", "Jeck", "--phone"]);
    args.extend(["255700000001", "--email", "payer@example.com"]);
    args.extend(extra);
    run(dir, &args, &[], b"").await
}

/// The callback the sandbox sent for `order` once it was paid.
async fn paid_callback(sb: &SandboxHandle, order: &str) -> CallbackRecord {
    sb.mark(order, OrderState::Success, None).expect("paid");
    sb.settle().await.expect("settled");
    sb.callbacks_for(order)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("a callback for {order}"))
}

/// `verify-notify PROVIDER` of `body` with `headers` (from a file), plus `extra` arguments.
async fn verify(
    dir: &Path,
    provider: &str,
    headers: &[(String, String)],
    body: &str,
    extra: &[&str],
) -> Out {
    let file = dir.join(format!("callback-{provider}.json"));
    std::fs::write(&file, body).expect("body written");
    let file = file.to_str().expect("path").to_owned();
    let lines: Vec<String> = headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    let mut args = vec!["verify-notify", provider, "--file", &file];
    for h in &lines {
        args.extend(["-H", h.as_str()]);
    }
    args.extend(extra);
    run(dir, &args, &[], b"").await
}

/// The callback's headers with its `Sign` replaced by the signature with `key`.
fn resigned(c: &CallbackRecord, key: &str) -> Vec<(String, String)> {
    let sign = signature(&Secret::from(key), c.body.as_bytes());
    c.headers
        .iter()
        .map(|(k, v)| {
            if k.eq_ignore_ascii_case("sign") {
                (k.clone(), sign.clone())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchant_picks_the_paydesk_account_and_verify_notify_finds_it_from_the_callback() {
    let sb = two_merchant_sandbox().await;
    let dir = workdir("accounts-paydesk");
    std::fs::write(dir.join("payhub.toml"), config(&sb)).expect("config written");

    // Each account creates under its own merchant.
    let tz = create_paydesk(&dir, "ACC-TZ-1", &["--merchant", "tz"]).await;
    tz.ok();
    assert_eq!(tz.field("merchant"), "tz");
    let tz_order = tz.field("order_no");
    let order = sb.order(&tz_order).expect("tz order in the sandbox");
    assert_eq!(order.merchant_id, "1002001");
    let ke = create_paydesk(&dir, "ACC-KE-1", &["--merchant", "ke"]).await;
    ke.ok();
    let ke_order = ke.field("order_no");
    let order = sb.order(&ke_order).expect("ke order in the sandbox");
    assert_eq!(order.merchant_id, "1002002");

    // Queries go to the same account (an order of the other merchant is not found).
    let q = run(
        &dir,
        &["query", "paydesk", "ACC-KE-1", "--merchant", "ke"],
        &[],
        b"",
    )
    .await;
    q.ok();
    assert_eq!(q.field("order_no"), ke_order);
    assert_eq!(q.field("merchant"), "ke");
    let q = run(
        &dir,
        &["query", "paydesk", "ACC-TZ-1", "--merchant", "tz"],
        &[],
        b"",
    )
    .await;
    q.ok();
    assert_eq!(q.field("order_no"), tz_order);
    run(
        &dir,
        &["query", "paydesk", "ACC-TZ-1", "--merchant", "ke"],
        &[],
        b"",
    )
    .await
    .failed(1);

    // No --merchant with two accounts: a usage error naming both, nothing sent.
    let out = create_paydesk(&dir, "ACC-NONE", &[]).await;
    let line = out.failed(64);
    assert!(
        line.contains("--merchant") && line.contains("ke, tz"),
        "{line}"
    );
    assert!(sb.order("ACC-NONE").is_none());
    let line = run(&dir, &["query", "paydesk", "ACC-TZ-1"], &[], b"")
        .await
        .failed(64)
        .to_owned();
    assert!(line.contains("ke, tz"), "{line}");
    // An unknown name lists the configured ones.
    let out = create_paydesk(&dir, "ACC-UG", &["--merchant", "ug"]).await;
    let line = out.failed(64);
    assert!(
        line.contains("no account `ug`") && line.contains("ke, tz"),
        "{line}"
    );
    // Credential flags would mix merchants: refused for [[paydesk]] accounts.
    let args = [
        "query",
        "paydesk",
        "ACC-TZ-1",
        "--merchant",
        "tz",
        "--api-key",
        "x",
    ];
    let line = run(&dir, &args, &[], b"").await.failed(64).to_owned();
    assert!(line.contains("[[paydesk]]"), "{line}");
    // `sign` signs with the chosen account's key.
    let input = br#"{"mchOrderNo":"S1"}"#;
    let sign = |m: &'static str| {
        let dir = dir.clone();
        async move {
            let args = [
                "sign",
                "paydesk",
                "--op",
                "query",
                "--nonce",
                "n1",
                "--merchant",
                m,
            ];
            run(&dir, &args, &[], input).await.ok().trim().to_owned()
        }
    };
    let (sig_tz, sig_ke) = (sign("tz").await, sign("ke").await);
    assert_ne!(sig_tz, sig_ke);
    let body = br#"{"mchOrderNo":"S1","nonceStr":"n1"}"#;
    assert_eq!(sig_ke, signature(&Secret::from("keKey"), body));

    // verify-notify: the account comes from the callback's MerchantId.
    let cb_tz = paid_callback(&sb, &tz_order).await;
    let cb_ke = paid_callback(&sb, &ke_order).await;
    assert_eq!(cb_ke.header("MerchantId"), Some("1002002"));
    let out = verify(&dir, "paydesk", &cb_tz.headers, &cb_tz.body, &[]).await;
    out.ok();
    assert_eq!(out.field("merchant"), "tz");
    assert_eq!(out.field("key"), "current");
    assert_eq!(out.field("order_no"), tz_order);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let out = verify(&dir, "paydesk", &cb_ke.headers, &cb_ke.body, &["--json"]).await;
    let json: serde_json::Value = serde_json::from_str(out.ok()).expect("JSON");
    assert_eq!(json["merchant"], "ke");
    assert_eq!(json["key"], "current");
    assert_eq!(json["order_no"], ke_order.as_str());

    // Signed with ke's previous key: accepted, and the output says so.
    let old = resigned(&cb_ke, "keOld");
    let out = verify(&dir, "paydesk", &old, &cb_ke.body, &[]).await;
    out.ok();
    assert_eq!(out.field("merchant"), "ke");
    assert_eq!(out.field("key"), "previous");
    assert!(
        out.stderr.contains("account `ke`") && out.stderr.contains("previous key"),
        "{}",
        out.stderr
    );
    // Signed with neither key (nor with tz's): refused.
    for key in ["someoneElse", "tzKey"] {
        let forged = resigned(&cb_ke, key);
        let out = verify(&dir, "paydesk", &forged, &cb_ke.body, &[]).await;
        let line = out.failed(1);
        assert!(line.contains("signature"), "{line}");
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }
    // A merchant no account has.
    let stranger: Vec<(String, String)> = cb_ke
        .headers
        .iter()
        .map(|(k, v)| {
            let v = if k.eq_ignore_ascii_case("MerchantId") {
                "1009999".to_owned()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    let out = verify(&dir, "paydesk", &stranger, &cb_ke.body, &[]).await;
    let line = out.failed(1);
    assert!(
        line.contains("1009999") && line.contains("ke, tz"),
        "{line}"
    );
    // --merchant naming an unknown account.
    let out = verify(
        &dir,
        "paydesk",
        &cb_ke.headers,
        &cb_ke.body,
        &["--merchant", "ug"],
    )
    .await;
    let line = out.failed(64);
    assert!(line.contains("`ug`") && line.contains("ke, tz"), "{line}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchant_picks_the_vipcharge_account_and_verify_notify_routes_by_business_id() {
    let sb = two_merchant_sandbox().await;
    let dir = workdir("accounts-vipcharge");
    std::fs::write(dir.join("payhub.toml"), config(&sb)).expect("config written");
    let create = |merchant: &'static str, order_no: &'static str| {
        let dir = dir.clone();
        async move {
            let args = [
                "create",
                "vipcharge",
                "--order-no",
                order_no,
                "--product-code",
                "87103",
                "--account",
                "w23b52",
                "--notify-url",
                "http://127.0.0.1:9/notify",
                "--merchant",
                merchant,
            ];
            run(&dir, &args, &[], b"").await
        }
    };
    let a = create("a", "ACC-VA-1").await;
    a.ok();
    let b = create("b", "ACC-VB-1").await;
    b.ok();
    assert_eq!(b.field("merchant"), "b");
    let (a_code, b_code) = (a.field("order_code"), b.field("order_code"));
    assert_eq!(sb.order(&a_code).expect("order a").merchant_id, "166");
    assert_eq!(sb.order(&b_code).expect("order b").merchant_id, "178");
    let q = run(
        &dir,
        &["query", "vipcharge", "ACC-VB-1", "--merchant", "b"],
        &[],
        b"",
    )
    .await;
    q.ok();
    assert_eq!(q.field("order_code"), b_code);
    let line = run(&dir, &["query", "vipcharge", "ACC-VB-1"], &[], b"")
        .await
        .failed(64)
        .to_owned();
    assert!(
        line.contains("a, b") && line.contains("--merchant"),
        "{line}"
    );

    let cb = paid_callback(&sb, &b_code).await;
    assert_eq!(cb.header("businessId"), Some("178"));
    let out = verify(&dir, "vipcharge", &cb.headers, &cb.body, &[]).await;
    out.ok();
    assert_eq!(out.field("merchant"), "b");
    assert_eq!(out.field("key"), "current");
    assert_eq!(out.field("order_code"), b_code);
    // Checked with account a's secret (--merchant a), b's callback is refused.
    let out = verify(
        &dir,
        "vipcharge",
        &cb.headers,
        &cb.body,
        &["--merchant", "a"],
    )
    .await;
    out.failed(1);
    let _ = std::fs::remove_dir_all(dir);
}

/// One `[paydesk]` table keeps working, flags still layer over it, and a previous key there is
/// honoured by `verify-notify` too (the account is `default`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_table_keeps_working_and_may_rotate_its_key() {
    let sb = two_merchant_sandbox().await;
    let dir = workdir("accounts-single");
    let pd = sb.provider_url("paydesk");
    std::fs::write(
        dir.join("payhub.toml"),
        format!(
            "[paydesk]\nbase_url = \"{pd}\"\nmerchant_id = 1002001\napi_key = \"wrong\"\n\
             previous_api_key = \"tzOld\"\n"
        ),
    )
    .expect("config written");
    // The flag wins over the file's key.
    let args = ["--api-key", "tzKey"];
    let out = create_paydesk(&dir, "ACC-S-1", &args).await;
    out.ok();
    assert!(!out.stdout.contains("merchant:"), "{}", out.stdout);
    let order = out.field("order_no");
    assert_eq!(sb.order(&order).expect("order").merchant_id, "1002001");
    // --merchant names the single account `default` only.
    let mut q = vec!["query", "paydesk", "ACC-S-1", "--merchant", "default"];
    q.extend(args);
    run(&dir, &q, &[], b"").await.ok();
    let mut q = vec!["query", "paydesk", "ACC-S-1", "--merchant", "tz"];
    q.extend(args);
    let line = run(&dir, &q, &[], b"").await.failed(64).to_owned();
    assert!(line.contains("configured: default"), "{line}");

    let cb = paid_callback(&sb, &order).await;
    let old = resigned(&cb, "tzOld");
    let out = verify(&dir, "paydesk", &old, &cb.body, &["--api-key", "tzKey"]).await;
    out.ok();
    assert_eq!(out.field("merchant"), "default");
    assert_eq!(out.field("key"), "previous");
    let out = verify(
        &dir,
        "paydesk",
        &cb.headers,
        &cb.body,
        &["--api-key", "tzKey"],
    )
    .await;
    out.ok();
    assert_eq!(out.field("key"), "current");
    let out = verify(&dir, "paydesk", &cb.headers, &cb.body, &[]).await;
    out.failed(1);
    let _ = std::fs::remove_dir_all(dir);
}
