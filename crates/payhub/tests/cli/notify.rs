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
    run(&dir, &expect, &[], b"").await.ok();
    // Cashy notifies carry no currency: expecting one is a mismatch, never a silent pass.
    expect.extend(["--expect-currency", "TZS"]);
    let line = run(&dir, &expect, &[], b"").await.failed(1).to_owned();
    assert!(
        line.ends_with("currency expected TZS, got (absent)"),
        "{line}"
    );
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
