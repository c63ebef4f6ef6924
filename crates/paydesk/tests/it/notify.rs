//! Notify cases that fixtures cannot hold (non-UTF-8 and oversize bodies, binary header values)
//! and the verifier's entry points.

use http::{HeaderMap, HeaderValue};
use paydesk::api::OrderKind;
use paydesk::notify::{Notification, NotifyError, NotifyVerifier};
use paydesk::{Error, Secret, sign};

use crate::{KEY, MERCHANT, notify_headers, offline_client};

fn headers_for(body: &[u8]) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("MerchantId", HeaderValue::from_static("1002001"));
    let sign = sign::signature(&Secret::new(KEY), body);
    h.insert("Sign", HeaderValue::from_str(&sign).expect("hex"));
    h
}

#[track_caller]
fn notify_error(result: paydesk::Result<Notification>) -> NotifyError {
    match result {
        Err(Error::Notify(e)) => e,
        other => panic!("expected a notify error, got {other:?}"),
    }
}

#[test]
fn oversize_body_is_refused_before_anything_else() {
    let body = vec![b'x'; 2048];
    let v = NotifyVerifier::new(MERCHANT, KEY).max_body_bytes(1024);
    let e = notify_error(v.verify(&HeaderMap::new(), &body));
    assert!(
        matches!(
            e,
            NotifyError::BodyTooLarge {
                len: 2048,
                limit: 1024
            }
        ),
        "{e:?}"
    );
}

#[test]
fn default_cap_is_64_kib() {
    let body = vec![b' '; 64 * 1024 + 1];
    let e = notify_error(NotifyVerifier::new(MERCHANT, KEY).verify(&headers_for(&body), &body));
    assert!(matches!(e, NotifyError::BodyTooLarge { .. }), "{e:?}");
}

#[test]
fn signed_non_utf8_body_is_not_utf8() {
    let body = b"{\"amount\":\"1\",\"x\":\"\xff\xfe\"}";
    let e = notify_error(NotifyVerifier::new(MERCHANT, KEY).verify(&headers_for(body), body));
    assert!(matches!(e, NotifyError::NotUtf8), "{e:?}");
}

#[test]
fn binary_header_value_is_malformed() {
    let body = br#"{"orderNo":"PAYIN1"}"#;
    let mut h = headers_for(body);
    h.insert(
        "MerchantId",
        HeaderValue::from_bytes(b"10\xff").expect("opaque bytes"),
    );
    let e = notify_error(NotifyVerifier::new(MERCHANT, KEY).verify(&h, body));
    assert!(
        matches!(e, NotifyError::MalformedHeader("MerchantId")),
        "{e:?}"
    );
}

#[test]
fn verify_as_sets_the_kind_when_the_prefix_does_not() {
    let body = br#"{"orderStatus":"SUCCESS","amount":"1","mchOrderNo":"M1","orderNo":"X123"}"#;
    let v = offline_client("n").notify_verifier();
    let e = notify_error(v.verify(&headers_for(body), body));
    assert!(
        matches!(&e, NotifyError::UnknownKind(o) if o == "X123"),
        "{e:?}"
    );
    let n = v
        .verify_as(OrderKind::PayOut)
        .verify(&headers_for(body), body)
        .expect("forced kind");
    assert_eq!(n.kind(), OrderKind::PayOut);
    assert_eq!(n.dedupe_key(), "payout:X123:SUCCESS");
}

#[test]
fn client_verifier_applies_max_notify_body_bytes() {
    let body = br#"{"orderStatus":"PAYING","amount":"5","mchOrderNo":"M1","orderNo":"PAYIN5"}"#;
    let client = paydesk::Client::builder(MERCHANT, KEY)
        .base_url("http://127.0.0.1:9")
        .max_notify_body_bytes(16)
        .build()
        .expect("client");
    let e = notify_error(client.notify_verifier().verify(&headers_for(body), body));
    assert!(
        matches!(e, NotifyError::BodyTooLarge { limit: 16, .. }),
        "{e:?}"
    );
    let zero = paydesk::Client::builder(MERCHANT, KEY)
        .base_url("http://127.0.0.1:9")
        .max_notify_body_bytes(0)
        .build();
    assert!(
        matches!(&zero, Err(Error::Config(c)) if c.setting() == "max_notify_body_bytes"),
        "{zero:?}"
    );
}

#[test]
fn verify_reads_headers_case_insensitively_and_any_json_content_type() {
    let body = br#"{"orderStatus":"PAYING","amount":"5","mchOrderNo":"M1","orderNo":"PAYIN5"}"#;
    let sign = sign::signature(&Secret::new(KEY), body);
    let v = NotifyVerifier::new(MERCHANT, KEY);
    let mut headers = HeaderMap::new();
    headers.insert("merchantid", HeaderValue::from_static("1002001"));
    headers.insert("SIGN", HeaderValue::from_str(&sign).expect("hex"));
    let json = HeaderValue::from_static("application/json; charset=utf-8");
    headers.insert("content-type", json);
    let n = v.verify(&headers, body).expect("valid");
    assert_eq!(n.kind(), OrderKind::PayIn);
    assert!(!n.is_final());
    let other_key = NotifyVerifier::new(MERCHANT, "anotherKey");
    let e =
        notify_error(other_key.verify(&notify_headers(Some("1002001"), Some(&sign), None), body));
    assert!(matches!(e, NotifyError::BadSignature), "{e:?}");
}
