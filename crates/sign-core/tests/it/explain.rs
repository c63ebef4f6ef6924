//! Snapshots of `Explanation`'s Display, one case per canonical style, so a change to what users
//! see when debugging a "bad sign" is reviewed like any other change.

use std::collections::BTreeMap;

use sign_core::{CanonicalParams, Explanation, Md5Signer, Secret, SecretSuffix, Signer};

use crate::support::params;

#[track_caller]
fn snapshot(name: &str, e: &Explanation, secret: &str) {
    let rendered = e.to_string();
    assert!(!rendered.contains(secret), "{name}: secret in explanation");
    insta::assert_snapshot!(name, rendered);
}

#[test]
fn ascii_raw_style_gateway_recharge_callback() {
    // Received callback: every field but `sign`, raw values, empty values kept.
    let body = br#"{"trade_no":"RR241015203135953635","order_no":"1728995495","amount":"200.00","remark":"","status":"success","trade_time":"2024-10-15 20:31:50","sign":"75a22322245516066c853fddd0136d2b"}"#;
    let p = CanonicalParams::from_json_object(body).expect("object");
    let signer = crate::gateway_recharge::signer("adesf235");
    let e = p.explain(
        &crate::gateway_recharge::style(),
        &[],
        &signer.masked_suffix(),
    );
    snapshot("ascii_raw_gateway_recharge_callback", &e, "adesf235");
}

#[test]
fn php_urlencode_style_jiuyi_dc_pay() {
    let map: BTreeMap<String, String> = [
        ("appid", "19190009"),
        ("card_id", "43"),
        ("account", "用户 a+b@example.com"),
        ("number", "1"),
        ("out_order_id", "JY202611220001"),
        ("datetime", "1763800000"),
        ("notify_url", "https://merchant.test/jy/notify?a=1&b=x y~z"),
        ("money", ""),
        ("check", "1"),
        ("sign", "stale"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let signer = crate::jiuyi_dc::signer("HJH546HKDHK");
    let e = params(&map).explain(
        &crate::jiuyi_dc::style(),
        &["check"],
        &signer.masked_suffix(),
    );
    snapshot("php_urlencode_jiuyi_dc_pay", &e, "HJH546HKDHK");
}

#[test]
fn header_style_vipcharge_md5() {
    let map: BTreeMap<String, String> = [
        ("businessId", "166"),
        ("nonce", "b1946ac9-2492-4d23-87c6-235b4d261118"),
        ("timestamp", "1628757969177"),
        ("signType", "MD5"),
        ("sign", "AB44336F4848C1E7C31B3FE6DFD8C057"),
        ("traceId", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let headers = params(&map);
    let body = r#"{"orderCode":"33976","bizCode":"33976"}"#;
    let signer = Md5Signer::new(Secret::new("testSignKey"), SecretSuffix::Plain);
    // The header part explains which headers went in; the message adds the body.
    let e = headers.explain(&crate::vipcharge::style(), &[], "");
    snapshot("header_style_vipcharge_headers", &e, "testSignKey");
    let msg = crate::vipcharge::message(&headers, body);
    let e = Explanation::for_message(msg.as_bytes(), &signer.masked_suffix());
    snapshot("header_style_vipcharge_message", &e, "testSignKey");
}

#[test]
fn whole_message_style_paydesk() {
    let body = br#"{"nonceStr":"4190026990"}"#;
    let signer = Md5Signer::new(Secret::new("testApiKey"), SecretSuffix::Plain);
    let e = Explanation::for_message(body, &signer.masked_suffix());
    assert_eq!(e.canonical(), r#"{"nonceStr":"4190026990"}"#);
    assert!(e.included().is_empty() && e.skipped().is_empty());
    snapshot("whole_message_paydesk", &e, "testApiKey");
}
