//! RSA key loading in every accepted form, the typed refusals, and block-wise PKCS#1 v1.5
//! encryption round trips, once per compiled-in backend.

use sign_core::rsa::{RsaBackend, RsaPrivateKey, RsaPublicKey, RsaSha256Signer, RsaSha256Verifier};
use sign_core::{Error, KeyError, SignatureEncoding, Signer, Verifier};

use crate::support::{derived_dir, pem_body, pem_der, read, rsa_backends, vectors_dir};

/// The message and signature of the vipcharge `doc_signature_example_sha256_rsa` vector.
const MESSAGE: &str = "businessId=754ea3e3a699404f9b82e8f881107f19&nonce=24bc2c17-0fef-440e-ba32-385c47c6cfa4&signType=SHA256-RSA&timestamp=1628772138668{\"businessId\":\"754ea3e3a699404f9b82e8f881107f19\",\"merchantId\":\"eb1bb305ca3940f8adf1d4e964555699\"}";
const SIGNATURE: &str = "ouNLnHa6PexmaF699h9KpkANuz0I63SEsPgKyfyZMd8XKUbjPe4/GcDi3QLAYILn+2c6lpqtGPciXqMl7VFZ/L21E2u+1JbcDwZX+hCtBRprclXsPK9VJCp9FrQhb7fI9l1HMluXJKmXMTdCv2KJkzC28s0oziIAWpMpI4+C7s+G/jYKGCfh9ZgMWWmKjCvNz4rjmfrLPdGFxqmN/U8Ltc/cDUqRGdCPRobgPWeocVdSGjFEIDw7mQ8pyi85x7C4uqNGPiMwCJUcm8+Tvo/4DyLaem5qa1m6PxumFpEuXBIY4XYwn6CT1SmFP3AYnI/UlMuv3mRsI2K7xng7WeHRRw==";

fn private_pkcs8_pem() -> Vec<u8> {
    read(&vectors_dir(), "vipcharge_test_key.pem")
}

fn public_spki_pem() -> Vec<u8> {
    read(&vectors_dir(), "vipcharge_test_key.pub.pem")
}

/// Every accepted encoding of the vipcharge test private key, with a label for messages.
fn private_forms() -> Vec<(&'static str, Vec<u8>)> {
    let pkcs8 = private_pkcs8_pem();
    let pkcs1 = read(&derived_dir(), "vipcharge_test_key.pkcs1.pem");
    let wrapped = String::from_utf8(pkcs8.clone())
        .expect("UTF-8")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        ("PKCS#8 PEM", pkcs8.clone()),
        ("PKCS#8 PEM with CRLF and indentation", {
            let crlf = String::from_utf8(pkcs8.clone())
                .expect("UTF-8")
                .replace('\n', "\r\n");
            format!("\n  {crlf}  \n").into_bytes()
        }),
        ("PKCS#1 PEM", pkcs1.clone()),
        ("PKCS#8 DER", pem_der(&pkcs8)),
        ("PKCS#1 DER", pem_der(&pkcs1)),
        ("PKCS#8 bare base64", pem_body(&pkcs8).into_bytes()),
        ("PKCS#8 bare base64 on several lines", wrapped.into_bytes()),
        ("PKCS#1 bare base64", pem_body(&pkcs1).into_bytes()),
    ]
}

fn public_forms() -> Vec<(&'static str, Vec<u8>)> {
    let spki = public_spki_pem();
    let pkcs1 = read(&derived_dir(), "vipcharge_test_key.pub.pkcs1.pem");
    vec![
        ("SPKI PEM", spki.clone()),
        ("PKCS#1 public PEM", pkcs1.clone()),
        ("SPKI DER", pem_der(&spki)),
        ("PKCS#1 public DER", pem_der(&pkcs1)),
        ("SPKI bare base64", pem_body(&spki).into_bytes()),
    ]
}

#[test]
fn private_key_loads_in_every_form_and_signs_the_vector() {
    for backend in rsa_backends() {
        for (form, bytes) in private_forms() {
            let key = RsaPrivateKey::parse_with(&bytes, backend)
                .unwrap_or_else(|e| panic!("{form} on {}: {e}", backend.name()));
            assert_eq!(key.bits(), 2048, "{form}");
            assert_eq!(key.backend().name(), backend.name());
            let sig = RsaSha256Signer::new(key)
                .sign_encoded(MESSAGE.as_bytes(), SignatureEncoding::Base64)
                .expect("signs");
            assert_eq!(sig, SIGNATURE, "{form} on {}", backend.name());
        }
    }
}

#[test]
fn public_key_loads_in_every_form_and_verifies_the_vector() {
    for backend in rsa_backends() {
        for (form, bytes) in public_forms() {
            let key = RsaPublicKey::parse_with(&bytes, backend)
                .unwrap_or_else(|e| panic!("{form} on {}: {e}", backend.name()));
            assert_eq!(key.bits(), 2048, "{form}");
            // Every form exports the same SPKI.
            assert_eq!(
                pem_der(key.to_pem().expect("exports").as_bytes()),
                pem_der(&public_spki_pem()),
                "{form} on {}",
                backend.name()
            );
            RsaSha256Verifier::new(key)
                .verify_encoded(MESSAGE.as_bytes(), SIGNATURE, SignatureEncoding::Base64)
                .unwrap_or_else(|e| panic!("{form} on {}: {e}", backend.name()));
        }
    }
}

#[test]
fn default_backend_parses_and_is_aws_lc_when_compiled_in() {
    let key = RsaPrivateKey::parse(&private_pkcs8_pem()).expect("parses");
    let expected = if cfg!(feature = "aws-lc-rs") {
        "aws-lc-rs"
    } else {
        "rsa"
    };
    assert_eq!(key.backend().name(), expected);
    assert_eq!(sign_core::rsa::default_backend().name(), expected);
    assert!(RsaPublicKey::parse(&public_spki_pem()).is_ok());
}

#[track_caller]
fn private_err(bytes: &[u8], backend: &'static dyn RsaBackend) -> KeyError {
    match RsaPrivateKey::parse_with(bytes, backend) {
        Ok(k) => panic!("accepted as a private key on {}: {k:?}", backend.name()),
        Err(e) => e,
    }
}

#[track_caller]
fn public_err(bytes: &[u8], backend: &'static dyn RsaBackend) -> KeyError {
    match RsaPublicKey::parse_with(bytes, backend) {
        Ok(k) => panic!("accepted as a public key on {}: {k:?}", backend.name()),
        Err(e) => e,
    }
}

#[test]
fn public_key_where_private_expected() {
    for backend in rsa_backends() {
        for (form, bytes) in public_forms() {
            assert_eq!(
                private_err(&bytes, backend),
                KeyError::PublicWherePrivateExpected,
                "{form} on {}",
                backend.name()
            );
        }
    }
}

#[test]
fn private_key_where_public_expected() {
    for backend in rsa_backends() {
        for (form, bytes) in private_forms() {
            assert_eq!(
                public_err(&bytes, backend),
                KeyError::PrivateWherePublicExpected,
                "{form} on {}",
                backend.name()
            );
        }
    }
}

#[test]
fn short_keys_are_refused_with_their_size() {
    let private = read(&derived_dir(), "rsa1024_test_key.pem");
    let public = read(&derived_dir(), "rsa1024_test_key.pub.pem");
    for backend in rsa_backends() {
        let name = backend.name();
        assert_eq!(
            private_err(&private, backend),
            KeyError::TooShort { bits: 1024 },
            "{name}"
        );
        assert_eq!(
            private_err(&pem_der(&private), backend),
            KeyError::TooShort { bits: 1024 },
            "DER on {name}"
        );
        assert_eq!(
            public_err(&public, backend),
            KeyError::TooShort { bits: 1024 },
            "{name}"
        );
        let msg = private_err(&private, backend).to_string();
        assert!(msg.contains("1024") && msg.contains("2048"), "{msg}");
    }
}

#[test]
fn garbage_is_a_format_error() {
    let no_end = b"-----BEGIN PRIVATE KEY-----\nMIIEvAIBADANBgkqhkiG9w0BAQEFAASC\n".to_vec();
    let bad_body = b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n".to_vec();
    let unknown_label = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec();
    let encrypted =
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
            .to_vec();
    let legacy_encrypted = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----\n".to_vec();
    let cases: [(&str, Vec<u8>); 7] = [
        ("prose", b"this is not a key".to_vec()),
        ("binary", vec![0xff, 0x00, 0x13, 0x37]),
        ("PEM without END", no_end),
        ("PEM body not base64", bad_body),
        ("unknown PEM label", unknown_label),
        ("encrypted PKCS#8", encrypted),
        ("legacy encrypted PEM", legacy_encrypted),
    ];
    for backend in rsa_backends() {
        for (what, bytes) in &cases {
            assert!(
                matches!(private_err(bytes, backend), KeyError::Format(_)),
                "{what} on {}: {:?}",
                backend.name(),
                private_err(bytes, backend)
            );
            assert!(
                matches!(public_err(bytes, backend), KeyError::Format(_)),
                "{what}"
            );
        }
        // DER-looking bytes that are no key: the backend names itself.
        assert_eq!(
            private_err(&[0x30, 0x03, 0x02, 0x01, 0x00], backend),
            KeyError::Rejected {
                backend: backend.name()
            }
        );
        assert_eq!(private_err(b"  \n", backend), KeyError::Empty("key"));
    }
}

#[test]
fn block_wise_decrypt_round_trips_600_bytes_across_backends() {
    let plaintext: Vec<u8> = (0..600u32).map(|i| (i * 7 % 251) as u8).collect();
    let backends = rsa_backends();
    for enc in &backends {
        let public = RsaPublicKey::parse_with(&public_spki_pem(), *enc).expect("public");
        let ciphertext = public.encrypt_pkcs1v15(&plaintext).expect("encrypts");
        // 245 plaintext bytes per 256-byte block: 600 bytes take three blocks.
        assert_eq!(ciphertext.len(), 3 * 256, "on {}", enc.name());
        for dec in &backends {
            let private = RsaPrivateKey::parse_with(&private_pkcs8_pem(), *dec).expect("private");
            let name = format!("{} -> {}", enc.name(), dec.name());
            assert_eq!(
                &*private.decrypt_pkcs1v15(&ciphertext).expect(&name),
                &plaintext[..]
            );
            let b64 = SignatureEncoding::Base64.encode(&ciphertext);
            assert_eq!(
                &*private.decrypt_pkcs1v15_base64(&b64).expect(&name),
                &plaintext[..]
            );
            // Not a whole number of blocks, empty, a corrupted block, bad base64: typed errors.
            assert!(matches!(
                private.decrypt_pkcs1v15(&ciphertext[..700]),
                Err(Error::Crypto(_))
            ));
            assert!(matches!(
                private.decrypt_pkcs1v15(&[]),
                Err(Error::Crypto(_))
            ));
            let mut corrupt = ciphertext.clone();
            corrupt[300] ^= 0x40;
            assert!(matches!(
                private.decrypt_pkcs1v15(&corrupt),
                Err(Error::Crypto(_))
            ));
            assert!(matches!(
                private.decrypt_pkcs1v15_base64("not base64!"),
                Err(Error::MalformedSignature { encoding: "base64" })
            ));
        }
    }
}

#[test]
fn empty_plaintext_encrypts_to_one_block() {
    for backend in rsa_backends() {
        let private = RsaPrivateKey::parse_with(&private_pkcs8_pem(), backend).expect("private");
        let ciphertext = private
            .public_key()
            .encrypt_pkcs1v15(b"")
            .expect("encrypts");
        assert_eq!(ciphertext.len(), 256);
        assert!(
            private
                .decrypt_pkcs1v15(&ciphertext)
                .expect("decrypts")
                .is_empty()
        );
    }
}

#[test]
fn generated_key_exports_and_reloads_on_every_backend() {
    // Generation runs on the default backend only: the `rsa` crate's key generation takes 10 to
    // 80 seconds in an unoptimized test build. FIXME: cover `rust_crypto::BACKEND.generate_2048`
    // once test builds optimize `rsa` and `num-bigint-dig`.
    for backend in [sign_core::rsa::default_backend()] {
        let key = RsaPrivateKey::generate_2048(backend).expect("generates");
        assert_eq!(key.bits(), 2048);
        let pem = key.to_pkcs8_pem().expect("exports");
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let sig = RsaSha256Signer::new(key.clone())
            .try_sign(b"m")
            .expect("signs");
        for other in rsa_backends() {
            let reloaded = RsaPrivateKey::parse_with(pem.as_bytes(), other).expect("reloads");
            let sig2 = RsaSha256Signer::new(reloaded.clone())
                .try_sign(b"m")
                .expect("signs");
            assert_eq!(sig, sig2, "{} -> {}", backend.name(), other.name());
            let public = RsaPublicKey::parse_with(
                key.public_key().to_pem().expect("exports").as_bytes(),
                other,
            )
            .expect("public reloads");
            RsaSha256Verifier::new(public)
                .verify(b"m", &sig)
                .expect("verifies");
        }
    }
}
