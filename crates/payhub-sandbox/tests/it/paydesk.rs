//! The paydesk module over raw HTTP: the golden vector, callbacks on schedule, validation,
//! duplicates, queries, payouts, balance and expiry.

use std::time::Duration;

use payhub_sandbox::{CallbackStatus, OrderState, Sandbox, SandboxTime};
use serde_json::Value;

use crate::support::{
    API_KEY, Listener, MERCHANT, START_MS, client, post, post_raw, request_vectors, sandbox, sign,
    tza_body, vector,
};

const MINUTE: i64 = 60_000;

fn verify_sign(body: &[u8], header: &str) -> bool {
    sign_core::Md5Signer::new(
        sign_core::Secret::new(API_KEY),
        sign_core::SecretSuffix::Plain,
    )
    .verify_hex(body, header)
    .is_ok()
}

#[tokio::test]
async fn create_tza_vector_paid_and_callback_retried_on_schedule() {
    let sb = sandbox().await;
    let listener = Listener::start(&[500, 500, 500, 200]).await;
    sb.redirect_callbacks(Some(&listener.url));

    // The request exactly as in the golden vector, signed by hand.
    let v = vector("create_tza");
    let body = v["body"].as_str().unwrap();
    let sig = sign(body);
    assert_eq!(
        sig,
        v["sign"].as_str().unwrap(),
        "hand-made Sign equals the vector's"
    );
    let reply = post_raw(
        &sb,
        "/api/payDesk",
        &[
            ("MerchantId", v["merchant_id"].as_str().unwrap()),
            ("Sign", &sig),
            ("Content-Type", "application/json"),
        ],
        body.to_owned(),
    )
    .await;
    assert_eq!(
        (reply.http, reply.code(), reply.msg()),
        (200, 200, "SUCCESS"),
        "{:?}",
        reply.body
    );
    let data = reply.data();
    assert_eq!(data["merchantId"], MERCHANT);
    assert_eq!(data["mchOrderNo"], "1386556787811426305");
    assert_eq!(data["amount"], "1000");
    // Start 2024-12-02 09:00:00 UTC + 3600 s, in Tanzania time (GMT+3).
    assert_eq!(data["expireTime"], "2024-12-02 13:00:00");
    let order_no = data["orderNo"].as_str().unwrap().to_owned();
    assert!(order_no.starts_with("PAYDESK"), "{order_no}");
    assert!(
        data["payUrl"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/paydesk/cashier/{order_no}"))
    );

    // Mark it paid through the control API.
    let resp = client()
        .post(format!(
            "{}/_sandbox/orders/1386556787811426305/paid",
            sb.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let marked: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(marked["state"], "success");
    assert_eq!(marked["fee"], "15", "1.5 % default payin fee");

    // First attempt at once, then 1, 2, 4 minutes after the previous one.
    sb.settle().await.unwrap();
    for _ in 0..3 {
        assert!(sb.advance_to_next_due().await.unwrap().is_some());
    }
    let cbs = sb.callbacks_for("1386556787811426305");
    assert_eq!(cbs.len(), 1);
    let cb = &cbs[0];
    assert_eq!(cb.status, CallbackStatus::Delivered);
    let offsets: Vec<i64> = cb
        .attempts
        .iter()
        .map(|a| a.sent_at.unix_millis() - START_MS)
        .collect();
    assert_eq!(offsets, [0, MINUTE, 3 * MINUTE, 7 * MINUTE]);
    let statuses: Vec<Option<u16>> = cb.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(500), Some(200)]);
    let acks: Vec<bool> = cb.attempts.iter().map(|a| a.acknowledged).collect();
    assert_eq!(acks, [false, false, false, true]);
    assert_eq!(cb.attempts[3].body_snippet, "SUCCESS");
    assert_eq!(sb.next_due(), None, "nothing left once delivered");

    // The listener saw four identical, correctly signed notifies.
    let hits = listener.hits();
    assert_eq!(hits.len(), 4);
    for h in &hits {
        assert_eq!(h.body, hits[0].body);
        assert_eq!(h.headers["MerchantId"], MERCHANT);
        assert!(
            verify_sign(&h.body, h.headers["Sign"].to_str().unwrap()),
            "notify Sign verifies"
        );
        assert!(
            h.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
    }
    let text = std::str::from_utf8(&hits[0].body).unwrap();
    assert!(text.starts_with(r#"{"amount":1000.00,"completionTime":"2024-12-02 12:00:00","fee":15.0000,"mchOrderNo":"1386556787811426305","merchantId":"1002001","#), "{text}");
    let json: Value = serde_json::from_str(text).unwrap();
    assert_eq!(json["orderStatus"], "SUCCESS");
    assert_eq!(json["orderNo"], order_no.as_str());
    // A changed byte no longer verifies.
    let mut tampered = hits[0].body.to_vec();
    tampered[10] ^= 1;
    assert!(!verify_sign(
        &tampered,
        hits[0].headers["Sign"].to_str().unwrap()
    ));
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn whole_schedule_runs_under_an_accelerated_clock() {
    // 20 000x: one sandbox minute per 3 real milliseconds; the 1023-minute schedule takes ~3 s.
    let sb = Sandbox::builder()
        .clock_speed(20_000)
        .start_time(SandboxTime::from_unix_millis(START_MS))
        .start()
        .await
        .unwrap();
    let listener = Listener::start(&[503]).await;
    sb.redirect_callbacks(Some(&listener.url));
    let r = post(&sb, "/api/payDesk", &tza_body("FAST1", "2000", 86_400)).await;
    assert_eq!(r.msg(), "SUCCESS");
    let paid = sb.mark_paid("FAST1").unwrap();
    let t0 = paid.completed_at.unwrap().unix_millis();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sb
        .callbacks_for("FAST1")
        .first()
        .is_none_or(|c| c.status == CallbackStatus::Pending)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "schedule did not finish"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cb = &sb.callbacks_for("FAST1")[0];
    assert_eq!(cb.status, CallbackStatus::GaveUp);
    assert_eq!(cb.attempts.len(), 11, "first attempt plus 10 retries");
    let minutes: Vec<i64> = cb
        .attempts
        .iter()
        .map(|a| (a.scheduled_at.unix_millis() - t0) / MINUTE)
        .collect();
    assert_eq!(minutes, [0, 1, 3, 7, 15, 31, 63, 127, 255, 511, 1023]);
    for a in &cb.attempts {
        let lag = a.sent_at.unix_millis() - a.scheduled_at.unix_millis();
        assert!(
            (0..=60 * MINUTE).contains(&lag),
            "attempt {} sent {lag} ms late",
            a.number
        );
        assert_eq!(a.status, Some(503));
    }
    assert_eq!(listener.hits().len(), 11);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn redirects_count_as_received_and_non_loopback_urls_are_blocked() {
    let sb = sandbox().await;
    // No redirect: the order's notify URL is https://merchant.com/... and is never called.
    assert_eq!(
        post(&sb, "/api/payDesk", &tza_body("EXT1", "1000", 3600))
            .await
            .msg(),
        "SUCCESS"
    );
    sb.mark_paid("EXT1").unwrap();
    sb.settle().await.unwrap();
    let a = &sb.callbacks_for("EXT1")[0].attempts[0];
    assert_eq!(a.error.as_deref(), Some("blocked: non-loopback notify URL"));
    assert!(!a.acknowledged);

    let listener = Listener::start(&[302]).await;
    sb.redirect_callbacks(Some(&listener.url));
    assert_eq!(
        post(&sb, "/api/payDesk", &tza_body("R302", "1000", 3600))
            .await
            .msg(),
        "SUCCESS"
    );
    sb.mark_failed("R302").unwrap();
    sb.settle().await.unwrap();
    let cb = &sb.callbacks_for("R302")[0];
    assert_eq!(
        cb.status,
        CallbackStatus::Delivered,
        "HTTP 302 counts as received"
    );
    assert_eq!(cb.attempts.len(), 1);
    let body: Value = serde_json::from_slice(&listener.hits()[0].body).unwrap();
    assert_eq!(body["orderStatus"], "FAIL");
}

#[tokio::test]
async fn every_request_vector_signature_is_accepted() {
    let sb = sandbox().await;
    for v in request_vectors() {
        let name = v["name"].as_str().unwrap();
        let body = v["body"].as_str().unwrap();
        assert_eq!(sign(body), v["sign"].as_str().unwrap(), "{name}");
        let (path, want) = match name {
            "create_doc_body" | "create_tza" => ("/api/payDesk", "SUCCESS"),
            "get_balance" | "get_balance_one_more_space" => ("/api/getBalance", "SUCCESS"),
            // The docs' own query example has a 33-character nonceStr (documented as
            // string(32)); the signature passes, the length rule then refuses it.
            "query_doc_body" => ("/api/payDeskQuery", "Params_nonceStr_error"),
            _ => ("/api/payDeskQuery", "Params_mchOrderNo_notExist"),
        };
        let r = post_raw(
            &sb,
            path,
            &[
                ("MerchantId", MERCHANT),
                ("Sign", v["sign"].as_str().unwrap()),
                ("Content-Type", "application/json"),
            ],
            body.to_owned(),
        )
        .await;
        assert_eq!(r.msg(), want, "{name}: {:?}", r.body);
    }
}

#[track_caller]
fn expect(r: &crate::support::Reply, http: u16, code: i64, msg: &str) {
    assert_eq!(
        (r.http, r.code(), r.msg()),
        (http, code, msg),
        "{:?}",
        r.body
    );
    assert!(r.data().is_null(), "errors carry no data: {:?}", r.body);
}

#[tokio::test]
async fn bad_requests_get_the_provider_error_shape() {
    let sb = sandbox().await;
    let good = tza_body("BAD1", "1000", 3600);
    let sig = sign(&good);
    let json = ("Content-Type", "application/json");
    let mid = ("MerchantId", MERCHANT);

    let wrong = "0".repeat(32);
    expect(
        &post_raw(
            &sb,
            "/api/payDesk",
            &[mid, ("Sign", &wrong), json],
            good.clone(),
        )
        .await,
        200,
        401,
        "Sign_verify_error",
    );
    expect(
        &post_raw(&sb, "/api/payDesk", &[mid, json], good.clone()).await,
        200,
        401,
        "Sign_verify_error",
    );
    expect(
        &post_raw(
            &sb,
            "/api/payDesk",
            &[mid, ("Sign", "not hex"), json],
            good.clone(),
        )
        .await,
        200,
        401,
        "Sign_verify_error",
    );
    expect(
        &post_raw(&sb, "/api/payDesk", &[("Sign", &sig), json], good.clone()).await,
        200,
        401,
        "MerchantId_is_null",
    );
    expect(
        &post_raw(
            &sb,
            "/api/payDesk",
            &[("MerchantId", "abc"), ("Sign", &sig), json],
            good.clone(),
        )
        .await,
        200,
        401,
        "MerchantId_not_Number",
    );
    expect(
        &post_raw(
            &sb,
            "/api/payDesk",
            &[("MerchantId", "999"), ("Sign", &sig), json],
            good.clone(),
        )
        .await,
        200,
        401,
        "Merchant_not_exist",
    );
    expect(
        &post_raw(
            &sb,
            "/api/payDesk",
            &[mid, ("Sign", &sig), ("Content-Type", "text/plain")],
            good.clone(),
        )
        .await,
        200,
        500,
        "RequestContentType_not_json",
    );
    expect(
        &post_raw(&sb, "/api/payDesk", &[mid, ("Sign", &sign("")), json], "").await,
        200,
        500,
        "RequestBody_is_null",
    );
    let resp = client()
        .get(format!("{}/api/getBalance", sb.provider_url("paydesk")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(body["msg"], "RequestMethod_not_post");

    // A body signed correctly but not JSON.
    expect(
        &post(&sb, "/api/payDesk", "{\"amount\":").await,
        200,
        500,
        "Params_jsonFormat_error",
    );
    expect(
        &post(&sb, "/api/payDesk", "[1,2]").await,
        200,
        500,
        "Params_jsonFormat_error",
    );

    // Field rules, each naming the field.
    for (from, to, msg) in [
        (
            r#","email":"example@maildomain.com""#,
            "",
            "Params_email_Required",
        ),
        (r#""nonceStr":"nBAD1","#, "", "Params_nonceStr_Required"),
        (r#""amount":1000"#, r#""amount":499"#, "Params_amount_error"),
        (
            r#""amount":1000"#,
            r#""amount":1000.5"#,
            "Params_amount_error",
        ),
        (
            r#""currency":"TZS""#,
            r#""currency":"EUR""#,
            "Params_currency_error",
        ),
        (
            r#""reusableStatus":false"#,
            r#""reusableStatus":true"#,
            "Params_reusableStatus_error",
        ),
        (
            r#""expireTime":3600"#,
            r#""expireTime":-1"#,
            "Params_expireTime_error",
        ),
        (
            r#""notifyUrl":"https://merchant.com/webhooks""#,
            r#""notifyUrl":"ftp://x""#,
            "Params_notifyUrl_error",
        ),
        (
            r#""email":"example@maildomain.com""#,
            r#""email":"nope""#,
            "Params_email_error",
        ),
        (
            r#""mobileMoneyPhone":"721323213","#,
            "",
            "Params_mobileMoneyPhone_Required",
        ),
        (
            r#""realName":"Jeck""#,
            &format!(r#""realName":"{}""#, "x".repeat(65)),
            "Params_realName_error",
        ),
        (
            r#""mchOrderNo":"BAD1""#,
            &format!(r#""mchOrderNo":"{}""#, "9".repeat(33)),
            "Params_mchOrderNo_error",
        ),
    ] {
        let body = good.replace(from, to);
        assert_ne!(body, good, "{msg}: replacement applies");
        expect(&post(&sb, "/api/payDesk", &body).await, 200, 500, msg);
    }

    // Oversized body: the provider's envelope with HTTP 413, not a reset or a hang. The server
    // may close the connection after it (the body was not read to its end): `Connection: close`
    // keeps the shared client from sending the next request on it as it closes.
    let big = format!(r#"{{"nonceStr":"1","pad":"{}"}}"#, "x".repeat(300 * 1024));
    let big_sig = sign(&big);
    let headers = [
        ("MerchantId", MERCHANT),
        ("Sign", big_sig.as_str()),
        ("Content-Type", "application/json"),
        ("Connection", "close"),
    ];
    expect(
        &post_raw(&sb, "/api/getBalance", &headers, big).await,
        413,
        500,
        "RequestBody_too_large",
    );

    // Unknown path under the provider.
    expect(
        &post(&sb, "/api/nope", r#"{"nonceStr":"1"}"#).await,
        404,
        404,
        "Request_path_notExist",
    );

    // Nothing was created by any of these, and the sandbox still works.
    assert!(sb.orders(&Default::default()).is_empty());
    assert_eq!(post(&sb, "/api/payDesk", &good).await.msg(), "SUCCESS");
    // Lower-case signatures are accepted too.
    let other = tza_body("BAD2", "1000", 3600);
    let lower = sign(&other).to_lowercase();
    let r = post_raw(&sb, "/api/payDesk", &[mid, ("Sign", &lower), json], other).await;
    assert_eq!(r.msg(), "SUCCESS");
}

#[tokio::test]
async fn duplicate_mch_order_no_is_refused() {
    let sb = sandbox().await;
    let body = tza_body("DUP1", "1000", 3600);
    assert_eq!(post(&sb, "/api/payDesk", &body).await.msg(), "SUCCESS");
    let again = body.replace("nDUP1", "nDUP1-again");
    expect(
        &post(&sb, "/api/payDesk", &again).await,
        200,
        500,
        "Params_mchOrderNo_repeat",
    );
    assert_eq!(sb.orders(&Default::default()).len(), 1);
    // Uniqueness is per family: a payin may reuse the number.
    let payin = payin_body("DUP1", 888, 1000);
    assert_eq!(post(&sb, "/api/payIn", &payin).await.msg(), "SUCCESS");
    expect(
        &post(&sb, "/api/payIn", &payin).await,
        200,
        500,
        "Params_mchOrderNo_repeat",
    );
}

fn payin_body(mch: &str, pay_type: i64, amount: i64) -> String {
    format!(
        r#"{{"nonceStr":"x{mch}","currency":"TZS","payType":{pay_type},"amount":{amount},"reusableStatus":false,"mchOrderNo":"{mch}","expireTime":10000,"notifyUrl":"https://x.example.com/callback","remark":"r","realName":"jack","phone":"747258206","email":"jack@gmail.com","idType":"1","idCard":"19770602000000000123","mobileMoneyPhone":"7472512345"}}"#
    )
}

fn payout_body(mch: &str, amount: i64) -> String {
    format!(
        r#"{{"nonceStr":"y{mch}","accountName":"jack","accountNo":"713512345","accountType":"1","currency":"TZS","amount":{amount},"mchOrderNo":"{mch}","notifyUrl":"https://x.example.com/payOut/callback","idType":"1","idCard":"19870331141130000329","phone":"713512345","email":"jack@gmail.com","remark":"r"}}"#
    )
}

async fn balance(sb: &payhub_sandbox::SandboxHandle) -> (f64, f64) {
    let r = post(sb, "/api/getBalance", r#"{"nonceStr":"b"}"#).await;
    assert_eq!(r.data()["mchId"], MERCHANT);
    (
        r.data()["balance"].as_f64().unwrap(),
        r.data()["unBalance"].as_f64().unwrap(),
    )
}

#[tokio::test]
async fn payins_payouts_queries_and_a_balance_that_moves() {
    let sb = sandbox().await;
    let listener = Listener::start(&[200]).await;
    sb.redirect_callbacks(Some(&listener.url));
    assert_eq!(balance(&sb).await, (10_000_000.0, 0.0));

    // Payin: PayLink returns a URL, fee quoted at creation, charged on success.
    let r = post(&sb, "/api/payIn", &payin_body("PI1", 888, 20000)).await;
    assert_eq!(r.msg(), "SUCCESS", "{:?}", r.body);
    assert!(r.data()["orderNo"].as_str().unwrap().starts_with("PAYIN"));
    assert_eq!(r.data()["orderFee"], "300");
    assert!(r.data()["payUrl"].is_string());
    let push = post(&sb, "/api/payIn", &payin_body("PI2", 810, 20000)).await;
    assert!(push.data()["payUrl"].is_null(), "USSD push has no URL");
    expect(
        &post(&sb, "/api/payIn", &payin_body("PI3", 813, 20000)).await,
        200,
        500,
        "Params_payType_error",
    );
    let q = post(
        &sb,
        "/api/payInQuery",
        r#"{"mchOrderNo":"PI1","nonceStr":"q"}"#,
    )
    .await;
    assert_eq!(
        (q.data()["orderStatus"].as_str(), q.data()["fee"].as_str()),
        (Some("PAYING"), Some("0"))
    );
    assert!(q.data()["completionTime"].is_null());
    sb.advance(Duration::from_secs(90));
    sb.mark_paid("PI1").unwrap();
    let q = post(
        &sb,
        "/api/payInQuery",
        r#"{"mchOrderNo":"PI1","nonceStr":"q"}"#,
    )
    .await;
    assert_eq!(q.data()["orderStatus"], "SUCCESS");
    assert_eq!(q.data()["fee"], "300");
    assert_eq!(q.data()["payType"], "888");
    assert_eq!(q.data()["completionTime"], "2024-12-02 12:01:30");
    assert_eq!(balance(&sb).await, (10_019_700.0, 0.0));

    // Payout: amount + 1 % fee frozen at creation.
    let r = post(&sb, "/api/payOut", &payout_body("PO1", 30000)).await;
    assert_eq!(r.msg(), "SUCCESS", "{:?}", r.body);
    assert_eq!(
        (r.data()["orderStatus"].as_str(), r.data()["fee"].as_str()),
        (Some("PROCESSING"), Some("300"))
    );
    assert_eq!(balance(&sb).await, (9_989_400.0, 30_300.0));
    sb.mark("PO1", OrderState::Failed, Some("ACCOUNT_AND_MNO_NOT_MATCH"))
        .unwrap();
    assert_eq!(
        balance(&sb).await,
        (10_019_700.0, 0.0),
        "a failed payout is refunded"
    );
    let q = post(
        &sb,
        "/api/payOutQuery",
        r#"{"mchOrderNo":"PO1","nonceStr":"q"}"#,
    )
    .await;
    assert_eq!(
        (
            q.data()["orderStatus"].as_str(),
            q.data()["resultDesc"].as_str()
        ),
        (Some("FAIL"), Some("ACCOUNT_AND_MNO_NOT_MATCH"))
    );

    assert_eq!(
        post(&sb, "/api/payOut", &payout_body("PO2", 40000))
            .await
            .msg(),
        "SUCCESS"
    );
    sb.mark_cancelled("PO2").unwrap();
    assert_eq!(
        post(&sb, "/api/payOut", &payout_body("PO3", 50000))
            .await
            .msg(),
        "SUCCESS"
    );
    sb.mark_paid("PO3").unwrap();
    assert_eq!(balance(&sb).await, (9_969_200.0, 0.0));
    // Funds: 5,000,000 + fee fits once, not twice.
    assert_eq!(
        post(&sb, "/api/payOut", &payout_body("PO4", 5_000_000))
            .await
            .msg(),
        "SUCCESS"
    );
    expect(
        &post(&sb, "/api/payOut", &payout_body("PO5", 5_000_000)).await,
        200,
        500,
        "Merchant_amount_notEnough",
    );
    expect(
        &post(
            &sb,
            "/api/payOut",
            &payout_body("PO6", 30000).replace(r#""accountType":"1""#, r#""accountType":"3""#),
        )
        .await,
        200,
        500,
        "Params_accountType_error",
    );
    let raw = client()
        .post(format!("{}/api/getBalance", sb.provider_url("paydesk")))
        .header("MerchantId", MERCHANT)
        .header("Sign", sign(r#"{"nonceStr":"b"}"#))
        .header("Content-Type", "application/json")
        .body(r#"{"nonceStr":"b"}"#)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        raw,
        r#"{"msg":"SUCCESS","code":200,"data":{"mchId":"1002001","balance":4919200.00,"unBalance":5050000.00}}"#
    );

    // Payout notifies: FAIL with the reason, CANCEL with the default reason, SUCCESS.
    sb.settle().await.unwrap();
    let bodies: Vec<Value> = listener
        .hits()
        .iter()
        .map(|h| serde_json::from_slice(&h.body).unwrap())
        .collect();
    let find = |mch: &str| {
        bodies
            .iter()
            .find(|b| b["mchOrderNo"] == mch)
            .unwrap_or_else(|| panic!("no notify for {mch}"))
            .clone()
    };
    assert_eq!(find("PI1")["orderStatus"], "SUCCESS");
    assert_eq!(find("PI1")["payType"], "888");
    assert_eq!(
        (
            find("PO1")["orderStatus"].as_str(),
            find("PO1")["resultDesc"].as_str()
        ),
        (Some("FAIL"), Some("ACCOUNT_AND_MNO_NOT_MATCH"))
    );
    assert_eq!(
        (
            find("PO2")["orderStatus"].as_str(),
            find("PO2")["resultDesc"].as_str()
        ),
        (Some("CANCEL"), Some("UNKNOWN_ERROR"))
    );
    assert_eq!(find("PO3")["orderStatus"], "SUCCESS");
    assert!(find("PO3")["resultDesc"].is_null());
    for h in listener.hits() {
        assert!(verify_sign(&h.body, h.headers["Sign"].to_str().unwrap()));
    }

    // Bank lists.
    for path in ["/api/bankListQuery", "/api/payInBankListQuery"] {
        let r = post(&sb, path, r#"{"nonceStr":"k"}"#).await;
        let banks = r.data().as_array().unwrap();
        assert_eq!(banks.len(), 2);
        assert_eq!(banks[0]["bankId"], 1);
        assert_eq!(banks[0]["bankCode"], "SBX001");
    }

    // Queries: by orderNo, missing keys, unknown keys, wrong family.
    let po1 = sb.order("PO1").unwrap().platform_order_no;
    let q = post(
        &sb,
        "/api/payOutQuery",
        &format!(r#"{{"orderNo":"{po1}","nonceStr":"q"}}"#),
    )
    .await;
    assert_eq!(q.data()["mchOrderNo"], "PO1");
    expect(
        &post(
            &sb,
            "/api/payInQuery",
            &format!(r#"{{"orderNo":"{po1}","nonceStr":"q"}}"#),
        )
        .await,
        200,
        500,
        "Params_order_notExist",
    );
    expect(
        &post(&sb, "/api/payDeskQuery", r#"{"nonceStr":"q"}"#).await,
        200,
        500,
        "Params_orderNo_Required",
    );
    expect(
        &post(
            &sb,
            "/api/payDeskQuery",
            r#"{"mchOrderNo":"nope","nonceStr":"q"}"#,
        )
        .await,
        200,
        500,
        "Params_mchOrderNo_notExist",
    );

    // Transitions the provider does not have are refused.
    assert!(
        sb.mark_cancelled("PI2").is_err(),
        "a payin cannot be cancelled"
    );
    assert!(sb.mark_expired("PO4").is_err(), "a payout does not expire");
    assert!(sb.mark_paid("PO1").is_err(), "final orders stay final");
}

#[tokio::test]
async fn cashier_orders_expire_after_expire_time() {
    let sb = sandbox().await;
    let listener = Listener::start(&[200]).await;
    sb.redirect_callbacks(Some(&listener.url));
    assert_eq!(
        post(&sb, "/api/payDesk", &tza_body("EXP1", "1000", 60))
            .await
            .msg(),
        "SUCCESS"
    );
    let query = r#"{"mchOrderNo":"EXP1","nonceStr":"q"}"#;
    sb.advance(Duration::from_secs(59));
    sb.settle().await.unwrap();
    assert_eq!(
        post(&sb, "/api/payDeskQuery", query).await.data()["orderStatus"],
        "PAYING"
    );
    assert_eq!(
        sb.next_due().map(|t| t.unix_millis()),
        Some(START_MS + 60_000)
    );
    sb.advance(Duration::from_secs(1));
    sb.settle().await.unwrap();
    let o = sb.order("EXP1").unwrap();
    assert_eq!(o.state, OrderState::Expired);
    assert_eq!(o.completed_at.unwrap().unix_millis(), START_MS + 60_000);
    let q = post(&sb, "/api/payDeskQuery", query).await;
    assert_eq!(q.data()["orderStatus"], "FAIL");
    assert_eq!(q.data()["completionTime"], "2024-12-02 12:01:00");
    let cbs = sb.callbacks_for("EXP1");
    assert_eq!(cbs.len(), 1);
    assert_eq!(cbs[0].order_state, OrderState::Expired);
    let body: Value = serde_json::from_slice(&listener.hits()[0].body).unwrap();
    assert_eq!(body["orderStatus"], "FAIL");
    // Too late to pay.
    assert!(sb.mark_paid("EXP1").is_err());
}

#[tokio::test]
async fn config_changes_credentials_schedule_and_expiry_notifies() {
    let table: toml::Table = toml::from_str(
        r#"
        merchants = [{ merchant_id = "42", api_key = "otherKey", balance = "5" }]
        retry_minutes = [2, 5]
        retry_from = "first"
        notify_on_expiry = false
        "#,
    )
    .unwrap();
    let sb = Sandbox::builder()
        .clock_speed(0)
        .start_time(SandboxTime::from_unix_millis(START_MS))
        .provider_config("paydesk", table)
        .start()
        .await
        .unwrap();
    let creds = sb.credentials("paydesk");
    assert_eq!(
        creds.iter().map(|c| c.value()).collect::<Vec<_>>(),
        ["42", "otherKey"]
    );
    assert!(format!("{creds:?}").contains("***") && !format!("{creds:?}").contains("otherKey"));
    // The default merchant is gone; the configured one signs with its own key.
    expect(
        &post(&sb, "/api/getBalance", r#"{"nonceStr":"b"}"#).await,
        200,
        401,
        "Merchant_not_exist",
    );
    let body = r#"{"nonceStr":"b"}"#;
    let sig = sign_core::Md5Signer::new(
        sign_core::Secret::new("otherKey"),
        sign_core::SecretSuffix::Plain,
    )
    .sign_hex_upper(body.as_bytes());
    let r = post_raw(
        &sb,
        "/api/getBalance",
        &[
            ("MerchantId", "42"),
            ("Sign", &sig),
            ("Content-Type", "application/json"),
        ],
        body,
    )
    .await;
    assert_eq!(r.data()["balance"].as_f64(), Some(5.0));

    let listener = Listener::start(&[500]).await;
    sb.redirect_callbacks(Some(&listener.url));
    let create = tza_body("CFG1", "1000", 30);
    let sig = sign_core::Md5Signer::new(
        sign_core::Secret::new("otherKey"),
        sign_core::SecretSuffix::Plain,
    )
    .sign_hex_upper(create.as_bytes());
    let r = post_raw(
        &sb,
        "/api/payDesk",
        &[
            ("MerchantId", "42"),
            ("Sign", &sig),
            ("Content-Type", "application/json"),
        ],
        create,
    )
    .await;
    assert_eq!(r.msg(), "SUCCESS");
    sb.advance(Duration::from_secs(30));
    sb.settle().await.unwrap();
    assert_eq!(sb.order("CFG1").unwrap().state, OrderState::Expired);
    assert!(sb.callbacks().is_empty(), "notify_on_expiry = false");

    let create = tza_body("CFG2", "1000", 3600);
    let sig = sign_core::Md5Signer::new(
        sign_core::Secret::new("otherKey"),
        sign_core::SecretSuffix::Plain,
    )
    .sign_hex_upper(create.as_bytes());
    post_raw(
        &sb,
        "/api/payDesk",
        &[
            ("MerchantId", "42"),
            ("Sign", &sig),
            ("Content-Type", "application/json"),
        ],
        create,
    )
    .await;
    let t0 = sb
        .mark_paid("CFG2")
        .unwrap()
        .completed_at
        .unwrap()
        .unix_millis();
    while sb.advance_to_next_due().await.unwrap().is_some() {}
    let cb = &sb.callbacks_for("CFG2")[0];
    let offsets: Vec<i64> = cb
        .attempts
        .iter()
        .map(|a| (a.sent_at.unix_millis() - t0) / MINUTE)
        .collect();
    assert_eq!(offsets, [0, 2, 5], "offsets from the first attempt");
    assert_eq!(cb.status, CallbackStatus::GaveUp);

    // Bad settings name the field.
    let bad: toml::Table =
        toml::from_str(r#"merchants = [{ merchant_id = "x1", api_key = "k" }]"#).unwrap();
    let err = Sandbox::builder()
        .provider_config("paydesk", bad)
        .start()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("merchant_id `x1` must be numeric"),
        "{err}"
    );
    let bad: toml::Table = toml::from_str("payin_fee_rat = \"1\"").unwrap();
    let err = Sandbox::builder()
        .provider_config("paydesk", bad)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("payin_fee_rat"), "{err}");
}

#[tokio::test]
async fn hostile_bodies_always_get_an_envelope() {
    let sb = sandbox().await;
    // Valid by the documented rules (IDR has no maximum) and absurdly large: no overflow.
    let huge = tza_body("HUGE1", "79228162514264337593543950335", 3600)
        .replace(r#""currency":"TZS""#, r#""currency":"IDR""#);
    assert_eq!(post(&sb, "/api/payDesk", &huge).await.msg(), "SUCCESS");
    sb.mark_paid("HUGE1").unwrap();
    assert_eq!(
        post(&sb, "/api/getBalance", r#"{"nonceStr":"b"}"#)
            .await
            .msg(),
        "SUCCESS"
    );
    let e = tza_body("HUGE2", "1e40", 3600).replace(r#""currency":"TZS""#, r#""currency":"IDR""#);
    assert_eq!(
        post(&sb, "/api/payDesk", &e).await.msg(),
        "Params_amount_error"
    );

    // Deterministic mutations of a valid body, each signed correctly, to every route.
    let base = vector("create_tza")["body"].as_str().unwrap().to_owned();
    let routes = [
        "/api/payDesk",
        "/api/payDeskQuery",
        "/api/payIn",
        "/api/payInQuery",
        "/api/payOut",
        "/api/payOutQuery",
        "/api/getBalance",
        "/api/bankListQuery",
        "/api/payInBankListQuery",
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    for i in 0..180 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut bytes = base.clone().into_bytes();
        match i % 4 {
            0 => bytes.truncate(usize::try_from(seed % 200).unwrap()),
            1 => {
                let at = usize::try_from(seed % bytes.len() as u64).unwrap();
                bytes[at] = u8::try_from(seed >> 56).unwrap();
            }
            2 => {
                bytes = format!(
                    r#"{{"nonceStr":"n","mchOrderNo":{},"orderNo":[{}]}}"#,
                    seed,
                    seed >> 3
                )
                .into_bytes()
            }
            _ => {
                bytes = format!(r#"{{"nonceStr":"n","amount":"{}","currency":null}}"#, seed)
                    .into_bytes()
            }
        }
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let r = post(&sb, routes[i % routes.len()], &body).await;
        assert!(
            r.code() == 200 || r.code() == 500 || r.code() == 401,
            "{i}: {:?}",
            r.body
        );
        assert!(!r.msg().is_empty());
    }
}
