//! `verify-notify` on vector callbacks: the typed notification and the exact ack; tampered
//! or unexpected callbacks fail with one line.

use serde_json::Value;

use crate::support::{case, run, text, workdir};

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
    assert_eq!(out.field("payment_status"), "paid");

    // Signed, but not for the order and amount the merchant expects.
    let mut expect = args.to_vec();
    expect.extend([
        "--expect-order-no",
        "1313068703462109184",
        "--expect-amount",
        "358320",
    ]);
    let out = run(&dir, &expect, &[], b"").await;
    out.ok();
    assert!(!out.stdout.contains("currency_check"), "{}", out.stdout);
    // Cashy notifies carry no currency: a genuine one is not failed as a mismatch, and the
    // output says the currency was not checked (never a silent pass).
    expect.extend(["--expect-currency", "TZS"]);
    let out = run(&dir, &expect, &[], b"").await;
    out.ok();
    assert_eq!(
        out.field("currency_check"),
        "not checked: the callback does not state a currency"
    );
    assert_eq!(
        out.stderr.trim_end(),
        "note: paydesk: --expect-currency not checked: the callback does not state a currency"
    );
    assert_eq!(out.field("payment_status"), "paid");
    // The other expectations are still compared.
    let mut wrong_amount = expect.clone();
    let at = wrong_amount
        .iter()
        .position(|a| *a == "358320")
        .expect("amount arg");
    wrong_amount[at] = "1";
    let line = run(&dir, &wrong_amount, &[], b"")
        .await
        .failed(1)
        .to_owned();
    assert!(line.ends_with("amount expected 1, got 358320.00"), "{line}");
    let mut wrong = args.to_vec();
    wrong.extend([
        "--expect-order-no",
        "1313068703462109184",
        "--expect-amount",
        "3583.20",
    ]);
    let out = run(&dir, &wrong, &[], b"").await;
    let line = out.failed(1);
    assert!(
        line.contains("amount expected 3583.20, got 358320.00"),
        "{line}"
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);

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
    assert_eq!(out.field("kind"), "collection");
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
    assert_eq!(json["ack_status"], 200);
    assert_eq!(json["payment_status"], "paid");
    assert_eq!(json["status"], "SUCCESS");
    assert_eq!(json["amount"], "15.000000");
    let _ = std::fs::remove_dir_all(dir);
}

/// `--expect-currency` where the callback states no currency (gateway-recharge) is reported as
/// not checked and does not fail the genuine callback; where it states one (tokenpay), a
/// different currency still fails.
#[tokio::test]
async fn expect_currency_is_compared_only_where_the_callback_states_one() {
    let dir = workdir("notify-currency");
    let c = case("gateway-recharge", "callback_success");
    let args = [
        "verify-notify",
        "gateway-recharge",
        "--merchant-no",
        "M1234567890",
        "--key",
        text(&c["secret"]),
        "--expect-order-no",
        "1728995495",
        "--expect-amount",
        "200",
        "--expect-currency",
        "CNY",
        "--json",
    ];
    let out = run(&dir, &args, &[], text(&c["body"]).as_bytes()).await;
    let json: Value = serde_json::from_str(out.ok()).expect("JSON");
    assert_eq!(
        json["currency_check"],
        "not checked: the callback does not state a currency"
    );
    assert_eq!(json["payment_status"], "paid");
    assert!(
        out.stderr
            .contains("the callback does not state a currency"),
        "{}",
        out.stderr
    );

    let c = case("tokenpay", "callback_payment_success");
    let headers: Vec<String> = c["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(k, v)| format!("{k}: {}", text(v)))
        .collect();
    let base = [
        "verify-notify",
        "tokenpay",
        "--app-id",
        "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd",
        "--mch-id",
        "1234567890",
        "--secret",
        text(&c["app_secret"]),
        "--expect-order-no",
        "fb722ca8-ed7b-444b-9f58-0b5c8a7b52cb",
        "--expect-currency",
    ];
    let with = |currency: &'static str| {
        let mut a: Vec<&str> = base.to_vec();
        a.push(currency);
        for h in &headers {
            a.extend(["-H", h.as_str()]);
        }
        a
    };
    let out = run(&dir, &with("usdt"), &[], text(&c["body"]).as_bytes()).await;
    out.ok();
    assert!(!out.stdout.contains("currency_check"), "{}", out.stdout);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let out = run(&dir, &with("TRX"), &[], text(&c["body"]).as_bytes()).await;
    let line = out.failed(1);
    assert!(line.ends_with("currency expected TRX, got USDT"), "{line}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A saved vipcharge callback is checked for its signature, not its age: `verify-notify` reads
/// it without the live endpoint's 24 h freshness window (this vector was signed in 2021).
#[tokio::test]
async fn verify_notify_checks_a_saved_vipcharge_callback_whatever_its_age() {
    let dir = workdir("notify-vip-old");
    let c = case("vipcharge", "callback_status_report_no_sign_type");
    let key = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/vectors")
        .join(text(&c["public_key_pem_file"]));
    let key = key.to_str().expect("path");
    let mut args = vec![
        "verify-notify",
        "vipcharge",
        "--business-id",
        "166",
        "--sign-type",
        "SHA256-RSA",
        "--platform-public-key",
        key,
        "--json",
    ];
    let headers: Vec<String> = c["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(k, v)| format!("{k}: {}", text(v)))
        .chain([format!("sign: {}", text(&c["sign"]))])
        .collect();
    for h in &headers {
        args.extend(["-H", h.as_str()]);
    }
    let out = run(&dir, &args, &[], text(&c["body"]).as_bytes()).await;
    let json: Value = serde_json::from_str(out.ok()).expect("JSON");
    assert_eq!(json["order_code"], "O20260101000001");
    assert_eq!(json["timestamp"], "1628757969177");
    assert_eq!(json["ack_status"], 200);
    let _ = std::fs::remove_dir_all(dir);
}
