//! tokenpay: the callback verifier. The input is split at the first NUL into an envelope and a
//! resource plaintext; the plaintext is sealed with AES-256-GCM into the envelope's `resource`
//! and the whole body signed, so decryption and the transaction reader are reached.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tokenpay::sign::{AppKey, reply_signing_string};
use tokenpay::{NotifyError, NotifyVerifier, Secret};

const APP_ID: &str = "app";
const MCH_ID: &str = "mch";
const SECRET: &str = "0123456789abcdef0123456789abcdef";

static KEY: LazyLock<AppKey> = LazyLock::new(|| AppKey::new(&Secret::new(SECRET)).expect("key"));

fuzz_target!(|data: &[u8]| {
    let (envelope, plain) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let mut body = envelope.to_vec();
    if let Ok(Value::Object(mut env)) = serde_json::from_slice::<Value>(envelope) {
        env.insert("app_id".into(), APP_ID.into());
        env.insert("mch_id".into(), MCH_ID.into());
        if let Some(Value::Object(r)) = env.get_mut("resource") {
            let ct = KEY
                .encrypt_resource("a1b2c3d4e5f6", None, plain)
                .expect("encrypts");
            r.insert("ciphertext".into(), ct.into());
            r.insert("nonce".into(), "a1b2c3d4e5f6".into());
            r.remove("associated_data");
        }
        body = serde_json::to_vec(&env).expect("JSON");
    }
    let sig = KEY
        .sign(&reply_signing_string("1763800001000", "nonce-1", &body))
        .expect("signs");
    let mut h = http::HeaderMap::new();
    h.insert(
        "TTPay-Timestamp",
        http::HeaderValue::from_static("1763800001000"),
    );
    h.insert("TTPay-Nonce", http::HeaderValue::from_static("nonce-1"));
    h.insert("TTPay-Signature", sig.parse().expect("header"));
    let v = NotifyVerifier::new(APP_ID, MCH_ID, SECRET).expect("verifier");
    if let Err(tokenpay::Error::Notify(e)) = v.verify(&h, &body) {
        assert!(
            !matches!(e, NotifyError::BadSignature),
            "a correctly signed callback failed: {e:?}"
        );
    }
});
