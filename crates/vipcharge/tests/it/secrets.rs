//! Secrets never print: `Debug`/`Display` of the client, builder, credentials, verifiers,
//! requests, prepared requests, responses holding card codes, notifications and every error
//! variant, and the tracing output of real calls, never contain the secret, private-key
//! material, a signature or a decrypted card code.

use base64::Engine as _;
use payhub_runtime::test_util::LogCapture;
use sign_core::rsa::RsaPublicKey;
use vipcharge::api::{BalanceRequest, CouponRequest, VipChargeRequest};
use vipcharge::card::CardSecret;
use vipcharge::notify::CallbackHeaders;
use vipcharge::sign::PlatformVerifier;
use vipcharge::{Client, Credentials, Error, NotifyVerifier, ReplySignatureMode};

use crate::support::{Canned, SECRET, Server, key_pem, md5_client, pub_pem};

const PIN: &str = "PIN-SECRET-7Q2W";

/// A fragment of the private key's base64 body.
fn key_fragment() -> String {
    let pem = String::from_utf8(key_pem()).expect("utf-8");
    pem.lines()
        .nth(5)
        .expect("key body line")
        .chars()
        .take(40)
        .collect()
}

#[track_caller]
fn assert_clean(what: &str, text: &str, extra: &[&str]) {
    assert!(!text.contains(SECRET), "{what} shows the secret: {text}");
    assert!(
        !text.contains(&key_fragment()),
        "{what} shows private key material: {text}"
    );
    assert!(!text.contains(PIN), "{what} shows a card code: {text}");
    for s in extra {
        assert!(!text.contains(s), "{what} shows {s}: {text}");
    }
}

fn encrypted_pin() -> String {
    let public = RsaPublicKey::parse(&pub_pem()).expect("public key");
    base64::engine::general_purpose::STANDARD
        .encode(public.encrypt_pkcs1v15(PIN.as_bytes()).expect("encrypt"))
}

#[test]
fn debug_and_display_never_show_secrets() {
    let builder = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url("https://x.test")
        .card_key(key_pem());
    assert_clean("ClientBuilder", &format!("{builder:?}"), &[]);
    let client = builder.build().expect("client");
    assert_clean("Client", &format!("{client:?}"), &[]);
    assert_clean(
        "Credentials",
        &format!("{:?}", Credentials::md5(SECRET)),
        &[],
    );
    assert_clean(
        "Credentials",
        &format!("{:?}", Credentials::sha256_rsa_pem(key_pem())),
        &[],
    );
    let rsa = Client::builder("166", "166", Credentials::sha256_rsa_pem(key_pem()))
        .base_url("https://x.test")
        .platform_public_key(pub_pem())
        .build()
        .expect("client");
    assert_clean("Client (RSA)", &format!("{rsa:?}"), &[]);
    assert_clean(
        "PlatformVerifier",
        &format!("{:?}", PlatformVerifier::md5(SECRET)),
        &[],
    );
    assert_clean(
        "NotifyVerifier",
        &format!(
            "{:?}",
            NotifyVerifier::new("166", PlatformVerifier::md5(SECRET))
        ),
        &[],
    );

    let prepared = client
        .prepare(&VipChargeRequest::new("87103", "w23b52", "B1"))
        .expect("prepare");
    let sign = prepared.header_value("sign").expect("sign").to_owned();
    assert_clean("PreparedRequest", &format!("{prepared:?}"), &[&sign]);
    assert_clean("PreparedRequest::render", &prepared.render(), &[]);
    let explained = prepared.signed().expect("explanation");
    assert_clean("Explanation", &format!("{explained} {explained:?}"), &[]);

    let body = format!(
        r#"{{"status":0,"data":{{"couponInfo":[{{"cardNo":"{0}","cdkey":"{0}"}}]}}}}"#,
        encrypted_pin()
    );
    let coupons = client
        .read_reply(
            &CouponRequest::new("P", "B"),
            200,
            &http::HeaderMap::new(),
            body.as_bytes(),
        )
        .expect("decrypts");
    assert_eq!(
        coupons.codes()[0].cdkey().expose(),
        PIN,
        "the code is there when asked for"
    );
    assert_clean(
        "CouponResponse",
        &format!("{coupons:?} {:#?}", coupons.codes()),
        &[],
    );
    let secret = CardSecret::new(PIN);
    assert_clean("CardSecret", &format!("{secret} {secret:?}"), &[]);

    let headers = CallbackHeaders::new().header("sign", "D8DC6AC630F87E8E3540E9AE27713F22");
    assert_clean(
        "CallbackHeaders",
        &format!("{headers:?}"),
        &["D8DC6AC630F87E8E"],
    );
}

#[test]
fn no_error_variant_shows_secrets() {
    let client = md5_client("https://x.test");
    let h = http::HeaderMap::new();
    let errors: Vec<Error> = vec![
        Client::builder("166", "166", Credentials::sha256_rsa_pem(b"garbage!"))
            .base_url("https://x.test")
            .build()
            .expect_err("config"),
        Client::builder("166", "166", Credentials::md5(SECRET))
            .base_url(format!("http://user:{SECRET}@example.com"))
            .build()
            .expect_err("insecure URL"),
        client
            .prepare(&VipChargeRequest::new("p", "a", ""))
            .expect_err("validation"),
        client
            .read_reply(&BalanceRequest::new(), 200, &h, b"<html>")
            .expect_err("decode"),
        client
            .read_reply(
                &BalanceRequest::new(),
                200,
                &h,
                br#"{"status":9,"message":"x"}"#,
            )
            .expect_err("api"),
        client
            .read_reply(
                &VipChargeRequest::new("p", "a", "b"),
                200,
                &h,
                br#"{"status":8}"#,
            )
            .expect_err("outcome unknown"),
        client
            .read_reply(
                &CouponRequest::new("P", "B"),
                200,
                &h,
                br#"{"status":0,"data":{"couponInfo":[{"cdkey":"AAAA"}]}}"#,
            )
            .expect_err("card decryption"),
        Client::builder("166", "166", Credentials::md5(SECRET))
            .base_url("https://x.test")
            .reply_signatures(ReplySignatureMode::Strict)
            .build()
            .expect("client")
            .read_reply(&BalanceRequest::new(), 200, &h, br#"{"status":0}"#)
            .expect_err("signature"),
        NotifyVerifier::new("166", PlatformVerifier::md5(SECRET))
            .verify(&CallbackHeaders::new().to_header_map(), b"{}")
            .expect_err("notify"),
    ];
    let names: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            Error::Config(_) => "Config",
            Error::Validation(_) => "Validation",
            Error::Transport(_) => "Transport",
            Error::OutcomeUnknown(_) => "OutcomeUnknown",
            Error::Decode(_) => "Decode",
            Error::Api(_) => "Api",
            Error::Signature(_) => "Signature",
            Error::Notify(_) => "Notify",
            _ => "other",
        })
        .collect();
    for wanted in [
        "Config",
        "Validation",
        "OutcomeUnknown",
        "Decode",
        "Api",
        "Signature",
        "Notify",
    ] {
        assert!(
            names.contains(&wanted),
            "no {wanted} error built: {names:?}"
        );
    }
    for e in &errors {
        let mut text = format!("{e} {e:?}");
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text.push_str(&format!(" {s} {s:?}"));
            source = s.source();
        }
        assert_clean("error", &text, &[]);
    }
}

#[test]
fn tracing_output_never_shows_secrets() {
    let capture = LogCapture::start();
    let mut signs = Vec::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let data = format!(
            r#"{{"orderCode":"O1","couponInfo":[{{"cdkey":"{}"}}]}}"#,
            encrypted_pin()
        );
        let server = Server::start(vec![
            Canned::json(&format!(r#"{{"status":0,"message":"ok","data":{data}}}"#)),
            Canned::json(r#"{"status":8,"message":"单号重复"}"#),
        ])
        .await;
        let client = Client::builder("166", "166", Credentials::md5(SECRET))
            .base_url(&server.base)
            .card_key(key_pem())
            .build()
            .expect("client");
        let r = client
            .send(&CouponRequest::new("P", "B-LOG"))
            .await
            .expect("coupon");
        assert_eq!(r.codes()[0].cdkey().expose(), PIN);
        let e = client
            .send(&VipChargeRequest::new("p", "a", "B-LOG2"))
            .await
            .expect_err("unknown");
        assert!(e.is_outcome_unknown());
        signs.extend(
            server
                .requests()
                .iter()
                .filter_map(|r| r.header("sign").map(str::to_owned)),
        );
    });
    // Its tasks end (and their spans close) inside the capture.
    drop(rt);
    let verifier = NotifyVerifier::new("166", PlatformVerifier::md5(SECRET));
    let _ = verifier.verify(
        &CallbackHeaders::new()
            .header("businessId", "166")
            .header("nonce", "n")
            .header("timestamp", "1")
            .header("sign", "ABCDEF0123456789ABCDEF0123456789")
            .to_header_map(),
        br#"{"orderCode":"O1"}"#,
    );
    let logs = capture.finish();
    assert!(logs.contains("payhub.call"), "spans are emitted: {logs}");
    assert!(logs.contains("operation=\"order/coupon\""), "{logs}");
    assert!(logs.contains("order_no=B-LOG "), "{logs}");
    assert!(logs.contains("callback refused"), "{logs}");
    assert_eq!(signs.len(), 2);
    let sign_refs: Vec<&str> = signs.iter().map(String::as_str).collect();
    assert_clean(
        "logs",
        &logs,
        &[&sign_refs[..], &["ABCDEF0123456789ABCDEF"]].concat(),
    );
}
