//! tokenpay (TTPay): AES-256-ECB/PKCS#7 over `PATH\nTIMESTAMP\nNONCE\nBODY` (requests) or
//! `TIMESTAMP\nNONCE\nBODY` (replies and callbacks), base64; callback resources are
//! AEAD_AES_256_GCM with the app secret.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sign_core::aes::{Aes256EcbSigner, Aes256Gcm};
use sign_core::{Error, Secret, SignatureEncoding, Signer, Verifier};

use crate::support::{flip_bit, load};

#[derive(Debug, serde::Deserialize)]
struct Case {
    name: String,
    kind: String,
    app_id: Option<String>,
    mch_id: Option<String>,
    app_secret: String,
    method: Option<String>,
    path: Option<String>,
    timestamp: Option<String>,
    nonce: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    body: String,
    signed_string: String,
    signature: String,
    authorization: Option<String>,
    resource_plaintext: Option<String>,
}

#[track_caller]
fn check_signature(case: &Case, signed: &str) {
    let name = &case.name;
    assert_eq!(signed, case.signed_string, "{name}: signed string");
    let s = Aes256EcbSigner::new(&Secret::new(case.app_secret.as_str())).expect("32-byte secret");
    let sig = s
        .sign_encoded(signed.as_bytes(), SignatureEncoding::Base64)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(sig, case.signature, "{name}: signature");
    s.verify_encoded(
        signed.as_bytes(),
        &case.signature,
        SignatureEncoding::Base64,
    )
    .unwrap_or_else(|e| panic!("{name}: verify: {e}"));
    let raw = STANDARD.decode(&case.signature).expect("base64");
    assert_eq!(
        raw.len(),
        (signed.len() / 16 + 1) * 16,
        "{name}: PKCS#7 length"
    );
    assert_eq!(
        &*s.decrypt(&raw).expect("decrypts"),
        signed.as_bytes(),
        "{name}: decrypt"
    );
    for i in [0, raw.len() / 2, raw.len() - 1] {
        assert!(matches!(
            s.verify(signed.as_bytes(), &flip_bit(&raw, i)),
            Err(Error::BadSignature)
        ));
    }
    assert!(matches!(
        s.verify(&flip_bit(signed.as_bytes(), 0), &raw),
        Err(Error::BadSignature)
    ));
}

fn header<'a>(case: &'a Case, name: &str) -> &'a str {
    case.headers
        .as_ref()
        .and_then(|h| h.get(name))
        .unwrap_or_else(|| panic!("{}: header {name}", case.name))
}

#[test]
fn tokenpay_vectors() {
    let file = load::<Case>("tokenpay.json");
    let (mut requests, mut replies, mut callbacks) = (0, 0, 0);
    for case in &file.cases {
        match case.kind.as_str() {
            "request" => {
                let f = |v: &Option<String>| v.clone().expect("request field");
                let (path, ts, nonce) = (f(&case.path), f(&case.timestamp), f(&case.nonce));
                assert!(matches!(f(&case.method).as_str(), "GET" | "POST"));
                if f(&case.method) == "GET" {
                    assert!(case.body.is_empty(), "{}: GET has no body", case.name);
                }
                check_signature(case, &format!("{path}\n{ts}\n{nonce}\n{}", case.body));
                let authorization = format!(
                    "TTPAY-AES-256-ECB app_id={},mch_id={},nonce_str={nonce},timestamp={ts},\
                     signature={}",
                    f(&case.app_id),
                    f(&case.mch_id),
                    case.signature
                );
                assert_eq!(Some(authorization), case.authorization, "{}", case.name);
                requests += 1;
            }
            "reply" | "callback" => {
                let ts = header(case, "TTPay-Timestamp");
                let nonce = header(case, "TTPay-Nonce");
                assert_eq!(
                    header(case, "TTPay-Signature"),
                    case.signature,
                    "{}",
                    case.name
                );
                check_signature(case, &format!("{ts}\n{nonce}\n{}", case.body));
                if case.kind == "callback" {
                    check_resource(case);
                    callbacks += 1;
                } else {
                    replies += 1;
                }
            }
            other => panic!("{}: unknown kind {other}", case.name),
        }
    }
    assert_eq!((requests, replies, callbacks), (5, 1, 1));
}

fn check_resource(case: &Case) {
    let name = &case.name;
    let body: serde_json::Value = serde_json::from_str(&case.body).expect("callback body");
    let resource = &body["resource"];
    assert_eq!(resource["algorithm"], "AEAD_AES_256_GCM", "{name}");
    let ciphertext = STANDARD
        .decode(resource["ciphertext"].as_str().expect("ciphertext"))
        .expect("ciphertext is base64");
    let nonce = resource["nonce"].as_str().expect("nonce").as_bytes();
    let aad = resource["associated_data"]
        .as_str()
        .unwrap_or_default()
        .as_bytes();
    let gcm = Aes256Gcm::new(&Secret::new(case.app_secret.as_str())).expect("32-byte secret");
    let plain = gcm
        .decrypt(nonce, aad, &ciphertext)
        .unwrap_or_else(|e| panic!("{name}: decrypt: {e}"));
    let expected = case.resource_plaintext.as_deref().expect("plaintext");
    assert_eq!(
        std::str::from_utf8(&plain).expect("UTF-8"),
        expected,
        "{name}"
    );

    // Re-encrypting gives the same bytes (GCM is deterministic for a fixed nonce).
    assert_eq!(
        gcm.encrypt(nonce, aad, expected.as_bytes())
            .expect("encrypt"),
        ciphertext
    );
    // A flipped bit, a wrong AAD, a wrong nonce length or a truncated tag are all refused.
    for bad in [
        gcm.decrypt(nonce, aad, &flip_bit(&ciphertext, 3)),
        gcm.decrypt(nonce, b"x", &ciphertext),
        gcm.decrypt(&nonce[..11], aad, &ciphertext),
        gcm.decrypt(nonce, aad, &ciphertext[..Aes256Gcm::TAG_LEN - 1]),
    ] {
        assert!(matches!(bad, Err(Error::Crypto(_))), "{name}: {bad:?}");
    }
}
