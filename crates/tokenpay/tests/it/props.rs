//! Property tests: arbitrary replies and callbacks never panic; any change to a signed callback
//! body or to its signature fails verification; sign/verify round-trips; addresses survive
//! encoding and refuse any single-character change.

use std::sync::LazyLock;

use proptest::prelude::*;
use serde_json::json;
use tokenpay::api::{CurrenciesRequest, PrepayRequest, QueryOrderRequest, QueryWalletRequest};
use tokenpay::notify::NotifyVerifier;
use tokenpay::sign::reply_signing_string;
use tokenpay::types::{Chain, tron_address, validate_address};
use tokenpay::{Client, Error, NotifyError, RawResponse};

use crate::fixtures::callback_body;
use crate::support::{self, APP_ID, MCH_ID};

/// One client for every case: building a reqwest client (TLS roots) per case is slow.
static CLIENT: LazyLock<Client> =
    LazyLock::new(|| support::offline_builder().build().expect("client"));

fn raw(status: u16, body: Vec<u8>) -> RawResponse {
    RawResponse {
        status,
        headers: http::HeaderMap::new(),
        body: body.into(),
        elapsed: std::time::Duration::ZERO,
    }
}

fn verifier() -> NotifyVerifier {
    support::notify_verifier()
}

/// A valid signed order callback: (headers, body).
fn signed_callback() -> (Vec<(String, String)>, Vec<u8>) {
    let envelope = json!({
        "app_id": APP_ID,
        "mch_id": MCH_ID,
        "create_time": "2023-06-26T17:21:17.754429+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM"}
    });
    let plain = r#"{"out_trade_no":"A-1","transaction_id":"t1","trade_state":"SUCCESS","amount":9000000,"decimals":6}"#;
    let body = callback_body(&envelope, Some(plain), "a1b2c3d4e5f6", None);
    let headers = support::sign_headers("TTPay", "1763800001000", "nonce-1", &body);
    (headers, body)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_reply_bytes_never_panic(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let c = &*CLIENT;
        let r = raw(status, body);
        let _ = c.read_reply::<QueryOrderRequest>(&r);
        let _ = c.read_reply::<PrepayRequest>(&r);
        let _ = c.read_reply::<CurrenciesRequest>(&r);
        let _ = c.read_reply::<QueryWalletRequest>(&r);
    }

    #[test]
    fn arbitrary_json_like_replies_never_panic(data in "\\{(\"[a-z_]{1,12}\":(-?[0-9]{1,40}|\"[^\"]{0,20}\"|null|\\{\\}|\\[\\]),?){0,8}\\}") {
        let c = &*CLIENT;
        let body = format!(r#"{{"code":0,"msg":"ok","data":{data}}}"#);
        let r = raw(200, body.into_bytes());
        let _ = c.read_reply::<QueryOrderRequest>(&r);
        let _ = c.read_reply::<PrepayRequest>(&r);
        let _ = c.read_reply::<QueryWalletRequest>(&r);
    }

    #[test]
    fn arbitrary_callbacks_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        ts in "[0-9]{0,14}",
        sig in "[A-Za-z0-9+/=]{0,64}",
    ) {
        let headers = [("TTPay-Timestamp", ts.as_str()), ("TTPay-Nonce", "n"), ("TTPay-Signature", sig.as_str())];
        prop_assert!(verifier().verify(&support::header_map(headers), &body).is_err());
    }

    #[test]
    fn any_body_byte_change_fails(i in any::<prop::sample::Index>(), bit in 0u8..8) {
        let (headers, mut body) = signed_callback();
        prop_assert!(verifier().verify(&support::header_map(headers.clone()), &body).is_ok());
        let at = i.index(body.len());
        body[at] ^= 1 << bit;
        let err = verifier().verify(&support::header_map(headers), &body).expect_err("tampered");
        prop_assert!(matches!(err, Error::Notify(NotifyError::BadSignature)), "{:?}", err);
    }

    #[test]
    fn any_signed_header_change_fails(which in 0usize..3, i in any::<prop::sample::Index>(), c in "[A-Za-z0-9]") {
        let (mut headers, body) = signed_callback();
        let value = &mut headers[which].1;
        let at = i.index(value.len());
        let replaced: String = value.char_indices().map(|(j, ch)| if j == at { c.chars().next().unwrap_or('A') } else { ch }).collect();
        prop_assume!(&replaced != value);
        *value = replaced;
        prop_assert!(verifier().verify(&support::header_map(headers), &body).is_err());
    }

    #[test]
    fn sign_verify_round_trip(ts in "[0-9]{13}", nonce in "[0-9A-F]{32}", body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let key = support::key();
        let msg = reply_signing_string(&ts, &nonce, &body);
        let sig = key.sign(&msg).expect("signs");
        prop_assert!(key.verify(&msg, &sig).is_ok());
        prop_assert_eq!(key.diagnose(&sig, &msg).matches(), true);
        let mut other = msg.clone();
        other.push(b'x');
        prop_assert!(key.verify(&other, &sig).is_err());
    }

    #[test]
    fn tron_addresses_refuse_any_single_change(account in any::<[u8; 20]>(), i in 1usize..34, c in "[1-9A-HJ-NP-Za-km-z]") {
        let a = tron_address(account);
        prop_assert!(validate_address(&Chain::Tron, &a).is_ok());
        let mut chars: Vec<char> = a.chars().collect();
        let new = c.chars().next().unwrap_or('1');
        prop_assume!(chars[i] != new);
        chars[i] = new;
        let changed: String = chars.into_iter().collect();
        prop_assert!(validate_address(&Chain::Tron, &changed).is_err());
    }
}
