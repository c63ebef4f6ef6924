//! Property tests: no input panics, and any change to a signed callback fails verification.

use std::collections::BTreeMap;

use gateway_recharge::api::{BalanceRequest, CreateOrderRequest, DepositQueryRequest, RawRequest};
use gateway_recharge::error::NotifyError;
use gateway_recharge::notify::NotifyVerifier;
use gateway_recharge::{Error, sign};
use proptest::prelude::*;
use rust_decimal::Decimal;
use sign_core::CanonicalParams;

use crate::support::VerifyCt as _;
use crate::support::{KEY, MERCHANT, offline_client};

fn verifier() -> NotifyVerifier {
    NotifyVerifier::new(MERCHANT, KEY)
}

/// A documented callback plus `extra` fields, signed, as a compact JSON body.
fn signed_body(extra: &BTreeMap<String, String>) -> (BTreeMap<String, String>, String) {
    let mut fields: BTreeMap<String, String> = [
        ("trade_no", "RR241015203135953635"),
        ("order_no", "1728995495"),
        ("amount", "200.00"),
        ("remark", "66666"),
        ("status", "success"),
        ("trade_time", "2024-10-15 20:31:50"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in extra {
        fields.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let mut params = CanonicalParams::new();
    for (k, v) in &fields {
        params.push(k.as_str(), v.as_str());
    }
    let mut with_sign = fields.clone();
    with_sign.insert(
        "sign".into(),
        sign::sign(&params, &sign::signer(KEY.into())),
    );
    let body = serde_json::to_string(&with_sign).expect("json");
    (fields, body)
}

fn extra_fields() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map("x_[a-z]{1,6}", "\\PC{0,12}", 0..4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_replies_never_panic(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let c = offline_client();
        let _ = c.decode_reply(&BalanceRequest::new(), status, &body);
        let _ = c.decode_reply(&DepositQueryRequest::new("O1"), status, &body);
        let _ = c.decode_reply(&RawRequest::new("/x", [("a", "b")]), status, &body);
        let create = CreateOrderRequest::new("O1", Decimal::ONE, "r", "c", "::1", "https://a.example/", "https://a.example/");
        let _ = c.decode_reply(&create, status, &body);
    }

    #[test]
    fn arbitrary_envelopes_never_panic(code in "\\PC{0,4}", data in "\\PC{0,80}") {
        let c = offline_client();
        for body in [
            format!(r#"{{"code":"{code}","msg":"","data":{data}}}"#),
            format!(r#"{{"code":0,"msg":"","data":{{"balance":"{data}","freeze":{data}}}}}"#),
        ] {
            let _ = c.decode_reply(&BalanceRequest::new(), 200, body.as_bytes());
            let _ = c.decode_reply(&DepositQueryRequest::new("O1"), 200, body.as_bytes());
        }
    }

    #[test]
    fn arbitrary_callbacks_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        ct in prop_oneof![Just(None), Just(Some("application/json")), Just(Some("application/x-www-form-urlencoded")), Just(Some("text/xml"))],
    ) {
        let _ = verifier().verify_ct(ct, &body);
    }

    #[test]
    fn arbitrary_request_inputs_never_panic(
        order_no in "\\PC{0,20}", remark in "\\PC{0,20}", ip in "\\PC{0,20}", url in "\\PC{0,30}",
        mantissa in any::<i64>(), scale in 0u32..8,
    ) {
        let c = offline_client();
        let amount = Decimal::new(mantissa, scale);
        let req = CreateOrderRequest::new(order_no.clone(), amount, remark, "u", ip, url.clone(), url);
        if let Ok(p) = c.prepare(&req) {
            // Whatever passes validation is signed correctly.
            let params = CanonicalParams::from_json_object(p.body_bytes()).expect("body");
            prop_assert!(sign::verify(&params, &sign::signer(KEY.into())).is_ok());
        }
        let _ = c.prepare(&RawRequest::new(order_no, [("k", "v")]));
    }

    #[test]
    fn signed_callbacks_verify_and_any_field_change_fails(extra in extra_fields(), pick in any::<prop::sample::Index>(), new_value in "\\PC{0,10}") {
        let (fields, body) = signed_body(&extra);
        let n = verifier().verify_ct(Some("application/json"), body.as_bytes()).expect("verifies");
        prop_assert_eq!(n.extra.len(), extra.len());

        // Change one field's value.
        let key = pick.get(&fields.keys().collect::<Vec<_>>()).to_string();
        prop_assume!(fields[&key] != new_value);
        let mut v: BTreeMap<String, String> = serde_json::from_str(&body).expect("json");
        v.insert(key.clone(), new_value);
        let tampered = serde_json::to_string(&v).expect("json");
        let r = verifier().verify_ct(Some("application/json"), tampered.as_bytes());
        prop_assert!(matches!(r, Err(Error::Notify(NotifyError::BadSignature))), "{key}: {r:?}");

        // Remove one field.
        let mut v: BTreeMap<String, String> = serde_json::from_str(&body).expect("json");
        v.remove(&key);
        let removed = serde_json::to_string(&v).expect("json");
        let r = verifier().verify_ct(Some("application/json"), removed.as_bytes());
        prop_assert!(matches!(r, Err(Error::Notify(NotifyError::BadSignature))), "{key}: {r:?}");

        // Add one field.
        let mut v: BTreeMap<String, String> = serde_json::from_str(&body).expect("json");
        v.insert("zz_added".into(), "1".into());
        let added = serde_json::to_string(&v).expect("json");
        let r = verifier().verify_ct(Some("application/json"), added.as_bytes());
        prop_assert!(matches!(r, Err(Error::Notify(NotifyError::BadSignature))), "{r:?}");
    }

    #[test]
    fn changing_any_field_of_a_prepared_request_breaks_its_signature(pick in any::<prop::sample::Index>(), suffix in "[a-z0-9]{1,4}") {
        let c = offline_client();
        let req = CreateOrderRequest::new("ORD1", Decimal::new(10000, 2), "Test order", "user123", "192.168.1.1", "https://a.example/cb", "https://a.example/ret");
        let p = c.prepare(&req).expect("prepare");
        let mut body: BTreeMap<String, String> = serde_json::from_slice(p.body_bytes()).expect("all strings");
        let signer = sign::signer(KEY.into());
        let as_params = |m: &BTreeMap<String, String>| {
            let mut params = CanonicalParams::new();
            for (k, v) in m {
                params.push(k.as_str(), v.as_str());
            }
            params
        };
        prop_assert!(sign::verify(&as_params(&body), &signer).is_ok());
        let keys: Vec<String> = body.keys().filter(|k| *k != "sign").cloned().collect();
        let key = pick.get(&keys).clone();
        body.get_mut(&key).expect("field").push_str(&suffix);
        prop_assert!(matches!(sign::verify(&as_params(&body), &signer), Err(NotifyError::BadSignature)), "{}", key);
    }

    #[test]
    fn flipping_any_byte_never_yields_a_different_verified_callback(extra in extra_fields(), pos in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let (_, body) = signed_body(&extra);
        let original = verifier().verify_ct(Some("application/json"), body.as_bytes()).expect("verifies");
        let mut bytes = body.into_bytes();
        let i = pos.index(bytes.len());
        bytes[i] ^= xor;
        if let Ok(n) = verifier().verify_ct(Some("application/json"), &bytes) {
            // Only a semantically void change (e.g. the hex case of `sign`) may still verify.
            prop_assert_eq!(n, original);
        }
    }
}
