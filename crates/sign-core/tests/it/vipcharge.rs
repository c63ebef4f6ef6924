//! vipcharge: the headers `businessId`, `nonce`, `signType` (when sent) and `timestamp`, empty
//! ones dropped, sorted, `k=v` joined by `&`, immediately followed by the body bytes. MD5 with the
//! secret appended (uppercase hex), or RSASSA-PKCS1-v1_5/SHA-256 (base64), on every backend.

use std::collections::BTreeMap;

use sign_core::{CanonicalParams, CanonicalStyle, Md5Signer, Secret, SecretSuffix, SkipReason};

use crate::support::{load, params, params_reversed};

#[derive(Debug, serde::Deserialize)]
// Reason: the key file names are read only when an RSA backend is compiled in.
#[cfg_attr(not(any(feature = "aws-lc-rs", feature = "rsa")), allow(dead_code))]
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) algorithm: String,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) body: String,
    pub(crate) signed_string: String,
    pub(crate) sign: String,
    pub(crate) secret: Option<String>,
    pub(crate) private_key_pem_file: Option<String>,
    pub(crate) public_key_pem_file: Option<String>,
}

pub(crate) fn style() -> CanonicalStyle {
    CanonicalStyle::ascii_raw().skip_empty(true)
}

/// The header canonical string followed by the body: the exact bytes signed.
pub(crate) fn message(headers: &CanonicalParams, body: &str) -> String {
    let mut m = headers.to_canonical(&style(), &[]);
    m.push_str(body);
    m
}

#[test]
fn vipcharge_message_construction() {
    let file = load::<Case>("vipcharge.json");
    for case in &file.cases {
        assert!(
            matches!(case.kind.as_str(), "request" | "callback"),
            "{}",
            case.name
        );
        assert_eq!(
            message(&params(&case.headers), &case.body),
            case.signed_string,
            "{}",
            case.name
        );
        assert_eq!(
            message(&params_reversed(&case.headers), &case.body),
            case.signed_string
        );

        // A `sign` header and an empty header never enter the string.
        let mut with_noise = params(&case.headers);
        with_noise.push("sign", &case.sign);
        with_noise.push("signType", "");
        if !case.headers.contains_key("signType") {
            assert_eq!(
                message(&with_noise, &case.body),
                case.signed_string,
                "{}",
                case.name
            );
        }
        let e = with_noise.explain(&style(), &[], "");
        assert!(
            e.skipped()
                .contains(&("sign".to_owned(), SkipReason::Excluded))
        );
    }
}

#[test]
fn vipcharge_md5_vectors() {
    let file = load::<Case>("vipcharge.json");
    let mut checked = 0;
    for case in file.cases.iter().filter(|c| c.algorithm == "MD5") {
        let secret = case.secret.as_deref().expect("MD5 case has a secret");
        let s = Md5Signer::new(Secret::new(secret), SecretSuffix::Plain);
        let msg = message(&params(&case.headers), &case.body);
        assert_eq!(s.sign_hex_upper(msg.as_bytes()), case.sign, "{}", case.name);
        s.verify_hex(msg.as_bytes(), &case.sign.to_lowercase())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[cfg(any(feature = "aws-lc-rs", feature = "rsa"))]
mod rsa {
    use sign_core::rsa::{RsaPrivateKey, RsaPublicKey, RsaSha256Signer, RsaSha256Verifier};
    use sign_core::{Error, SignatureEncoding, Signer, Verifier};

    use super::{Case, message};
    use crate::support::{flip_bit, load, params, read, rsa_backends, vectors_dir};

    #[test]
    fn vipcharge_sha256_rsa_vectors_on_every_backend() {
        let file = load::<Case>("vipcharge.json");
        let cases: Vec<&Case> = file
            .cases
            .iter()
            .filter(|c| c.algorithm == "SHA256-RSA")
            .collect();
        assert_eq!(cases.len(), 5);
        for backend in rsa_backends() {
            for case in &cases {
                let name = format!("{} on {}", case.name, backend.name());
                let pem = read(
                    &vectors_dir(),
                    case.private_key_pem_file.as_deref().expect("key"),
                );
                let pub_pem = read(
                    &vectors_dir(),
                    case.public_key_pem_file.as_deref().expect("pub key"),
                );
                let key = RsaPrivateKey::parse_with(&pem, backend)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(key.bits(), 2048);
                let msg = message(&params(&case.headers), &case.body);
                let signer = RsaSha256Signer::new(key.clone());
                let sig = signer
                    .sign_encoded(msg.as_bytes(), SignatureEncoding::Base64)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(sig, case.sign, "{name}: signature");

                // The published public key verifies it on every backend, whoever signed.
                for verify_backend in rsa_backends() {
                    let public = RsaPublicKey::parse_with(&pub_pem, verify_backend)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    let v = RsaSha256Verifier::new(public);
                    v.verify_encoded(msg.as_bytes(), &case.sign, SignatureEncoding::Base64)
                        .unwrap_or_else(|e| {
                            panic!("{name}: verify on {}: {e}", verify_backend.name())
                        });
                    let raw = SignatureEncoding::Base64
                        .decode(&case.sign)
                        .expect("base64");
                    for i in [0, 100, raw.len() - 1] {
                        assert!(
                            matches!(
                                v.verify(msg.as_bytes(), &flip_bit(&raw, i)),
                                Err(Error::BadSignature)
                            ),
                            "{name}: flipped signature bit {i} verified"
                        );
                    }
                    assert!(matches!(
                        v.verify(&flip_bit(msg.as_bytes(), 7), &raw),
                        Err(Error::BadSignature)
                    ));
                    assert!(matches!(
                        v.verify(msg.as_bytes(), &raw[..raw.len() - 1]),
                        Err(Error::BadSignature)
                    ));
                }
                // The public half of the private key verifies too.
                RsaSha256Verifier::new(key.public_key())
                    .verify_encoded(msg.as_bytes(), &case.sign, SignatureEncoding::Base64)
                    .unwrap_or_else(|e| panic!("{name}: derived public key: {e}"));
            }
        }
    }
}
