//! Property tests: arbitrary replies and callbacks never panic; any change to a signed callback
//! (body byte or signed header) fails verification; money keeps its exact decimal text; prepared
//! requests always verify over the bytes they send.

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use rust_decimal::Decimal;
use sign_core::rsa::{RsaPrivateKey, RsaSha256Signer};
use sign_core::{Md5Signer, Secret, SecretSuffix, SignatureEncoding, Signer as _};
use vipcharge::api::{BalanceRequest, CouponRequest, OrderInfoRequest, VipChargeRequest};
use vipcharge::error::Error;
use vipcharge::notify::{CallbackHeaders, NotifyError};
use vipcharge::sign::{PlatformVerifier, string_to_sign};
use vipcharge::{Client, FixedClock, NotifyVerifier};

use crate::support::{SECRET, key_pem, md5_client, public_key};

fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| md5_client("https://open.example.com"))
}

fn rsa_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::parse(&key_pem()).expect("key"))
}

const BODY: &str = r#"{"orderCode":"O1","bizCode":"B1","orderStatus":2,"settlementPrice":1.50}"#;
const NONCE: &str = "cb-nonce";
const TS: &str = "1628757969177";

fn md5_headers(body: &[u8]) -> CallbackHeaders {
    let msg = string_to_sign("166", NONCE, None, TS, body);
    let sign = Md5Signer::new(Secret::new(SECRET), SecretSuffix::Plain).sign_hex_upper(&msg);
    headers("166", NONCE, TS, &sign)
}

fn rsa_headers(body: &[u8]) -> CallbackHeaders {
    let msg = string_to_sign("166", NONCE, None, TS, body);
    let sign = RsaSha256Signer::new(rsa_key().clone())
        .sign_encoded(&msg, SignatureEncoding::Base64)
        .expect("sign");
    headers("166", NONCE, TS, &sign)
}

fn headers(business: &str, nonce: &str, ts: &str, sign: &str) -> CallbackHeaders {
    CallbackHeaders::new()
        .header("businessId", business)
        .header("nonce", nonce)
        .header("timestamp", ts)
        .header("sign", sign)
}

/// The verifiers' clock: a minute after [`TS`], so the signed callbacks are fresh.
fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::from_millis(1_628_757_969_177 + 60_000))
}

fn md5_verifier() -> NotifyVerifier {
    NotifyVerifier::new("166", PlatformVerifier::md5(SECRET)).clock(clock())
}

fn rsa_verifier() -> NotifyVerifier {
    NotifyVerifier::new("166", PlatformVerifier::rsa(rsa_key().public_key())).clock(clock())
}

proptest! {
    #[test]
    fn arbitrary_replies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), status in 100u16..600) {
        let c = client();
        let h = http::HeaderMap::new();
        let _ = c.read_reply(&VipChargeRequest::new("p", "a", "b"), status, &h, &body);
        let _ = c.read_reply(&OrderInfoRequest::by_biz_code("b"), status, &h, &body);
        let _ = c.read_reply(&CouponRequest::new("p", "b"), status, &h, &body);
        let _ = c.read_reply(&BalanceRequest::new(), status, &h, &body);
    }

    #[test]
    fn arbitrary_envelopes_never_panic(status in any::<i64>(), data in "[ -~]{0,64}") {
        let body = format!(r#"{{"status":{status},"message":"m","data":{{"couponInfo":[{{"cdkey":"{}"}}],"settlementPrice":"{}"}}}}"#, data.replace(['"', '\\'], ""), data.replace(['"', '\\'], ""));
        let r = client().read_reply(&CouponRequest::new("p", "b"), 200, &http::HeaderMap::new(), body.as_bytes());
        if status != 0 {
            prop_assert!(r.is_err());
        }
    }

    #[test]
    fn arbitrary_callbacks_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        sign in "[ -~]{0,400}",
        business in "[ -~]{0,12}",
    ) {
        let h = headers(&business, NONCE, TS, &sign);
        prop_assert!(md5_verifier().verify(&h.to_header_map(), &body).is_err());
        prop_assert!(rsa_verifier().verify(&h.to_header_map(), &body).is_err());
    }

    #[test]
    fn any_changed_body_byte_fails_md5_verification(i in 0..BODY.len(), bit in 0u8..8) {
        let h = md5_headers(BODY.as_bytes());
        prop_assert!(md5_verifier().verify(&h.to_header_map(), BODY.as_bytes()).is_ok());
        let mut tampered = BODY.as_bytes().to_vec();
        tampered[i] ^= 1 << bit;
        let err = md5_verifier().verify(&h.to_header_map(), &tampered).expect_err("tampered body verified");
        prop_assert!(matches!(err, Error::Notify(NotifyError::BadSignature)), "{:?}", err);
    }

    #[test]
    fn any_changed_signed_header_fails_verification(which in 0usize..3, suffix in "[0-9A-Za-z]{1,4}") {
        let body = BODY.as_bytes();
        let msg = string_to_sign("166", NONCE, None, TS, body);
        let sign = Md5Signer::new(Secret::new(SECRET), SecretSuffix::Plain).sign_hex_upper(&msg);
        let changed = |v: &str| format!("{v}{suffix}");
        let h = match which {
            0 => headers(&changed("166"), NONCE, TS, &sign),
            1 => headers("166", &changed(NONCE), TS, &sign),
            _ => headers("166", NONCE, &changed(TS), &sign),
        };
        let err = md5_verifier().verify(&h.to_header_map(), body).expect_err("changed header verified");
        let expected_merchant = which == 0;
        prop_assert_eq!(matches!(err, Error::Notify(NotifyError::WrongMerchant { .. })), expected_merchant);
        if !expected_merchant {
            prop_assert!(matches!(err, Error::Notify(NotifyError::BadSignature)), "{:?}", err);
        }
        // A `signType` header that was not signed changes the string too.
        let h = md5_headers(body).header("signType", "MD5");
        prop_assert!(md5_verifier().verify(&h.to_header_map(), body).is_err());
    }

    #[test]
    fn settlement_price_keeps_its_exact_text(mantissa in any::<i64>(), scale in 0u32..=12, quoted in any::<bool>()) {
        let d = Decimal::new(mantissa, scale);
        let text = d.to_string();
        let price = if quoted { format!("\"{text}\"") } else { text.clone() };
        let body = format!(r#"{{"status":0,"data":{{"orderCode":"O","settlementPrice":{price}}}}}"#);
        let r = client()
            .read_reply(&VipChargeRequest::new("p", "a", "b"), 200, &http::HeaderMap::new(), body.as_bytes())
            .expect("reads");
        prop_assert_eq!(r.settlement_price(), Some(d));
        prop_assert_eq!(r.settlement_price().map(|p| p.to_string()), Some(text));
    }

    #[test]
    fn prepared_requests_verify_over_the_bytes_sent(account in "[^\\p{Cc}\\s][^\\p{Cc}]{0,30}[^\\p{Cc}\\s]", biz in "[A-Za-z0-9_-]{1,32}") {
        let prepared = client()
            .prepare(&VipChargeRequest::new("87103", account.clone(), biz.clone()))
            .expect("valid request");
        let body = prepared.body_bytes();
        let parsed: serde_json::Value = serde_json::from_slice(body).expect("body is JSON");
        prop_assert_eq!(parsed["account"].as_str(), Some(account.as_str()));
        prop_assert_eq!(parsed["bizCode"].as_str(), Some(biz.as_str()));
        let msg = string_to_sign(
            "166",
            prepared.header_value("nonce").expect("nonce"),
            prepared.header_value("signType"),
            prepared.header_value("timestamp").expect("timestamp"),
            body,
        );
        let expected = Md5Signer::new(Secret::new(SECRET), SecretSuffix::Plain).sign_hex_upper(&msg);
        prop_assert_eq!(prepared.header_value("sign"), Some(expected.as_str()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_changed_body_byte_fails_rsa_verification(i in 0..BODY.len(), bit in 0u8..8) {
        let h = rsa_headers(BODY.as_bytes());
        let mut tampered = BODY.as_bytes().to_vec();
        tampered[i] ^= 1 << bit;
        let err = rsa_verifier().verify(&h.to_header_map(), &tampered).expect_err("tampered body verified");
        prop_assert!(matches!(err, Error::Notify(NotifyError::BadSignature)), "{:?}", err);
    }
}

#[test]
fn rsa_callbacks_verify_on_every_backend() {
    for backend in crate::support::backends() {
        let v =
            NotifyVerifier::new("166", PlatformVerifier::rsa(public_key(backend))).clock(clock());
        let n = v
            .verify(
                &rsa_headers(BODY.as_bytes()).to_header_map(),
                BODY.as_bytes(),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", backend.name()));
        assert_eq!(n.settlement_price(), Some(Decimal::new(150, 2)));
        assert_eq!(n.dedupe_key(), "O1:2");
    }
}
