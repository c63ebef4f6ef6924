//! `create` and `query` on all five providers against the in-process sandbox, with
//! credentials from flags, the environment and a config file; an unknown outcome exits with 2.

use payhub_sandbox::{FaultKind, FaultRule};
use serde_json::Value;

use crate::support::{cred, run, sandbox, text, workdir};

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
