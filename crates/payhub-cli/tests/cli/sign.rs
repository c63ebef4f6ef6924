//! `sign --explain` reproduces the golden vectors (signed string with the secret masked, the
//! signature, included and skipped fields), and refuses inputs that contradict the configuration.

use serde_json::Value;

use crate::support::{case, masked, run, text, workdir};

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
