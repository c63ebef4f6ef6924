//! Secrets never print: `Secret` renders masked, and no signer or key shows its material in
//! `Debug` (plain or pretty) or in its errors.

use sign_core::Secret;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

#[track_caller]
fn assert_no_secret(what: &str, rendered: &str, secret: &str) {
    assert!(
        !rendered.contains(secret),
        "{what} leaks the secret: {rendered}"
    );
    // Not even a recognizable piece of it.
    for piece in secret.as_bytes().chunks(8) {
        let piece = std::str::from_utf8(piece).expect("ASCII");
        assert!(
            !rendered.contains(piece),
            "{what} leaks {piece:?}: {rendered}"
        );
    }
}

#[test]
fn secret_debug_and_display_are_masked() {
    let s = Secret::new(SECRET);
    assert_eq!(format!("{s:?}"), "Secret(***)");
    assert_eq!(format!("{s:#?}"), "Secret(***)");
    assert_eq!(format!("{s}"), "Secret(***)");
    assert_eq!(s.expose(), SECRET);
    assert_eq!(s.len(), 32);
    assert!(!s.is_empty());
    let from: Secret = String::from(SECRET).into();
    assert_eq!(from, s);
    assert_no_secret("Option<Secret>", &format!("{:?}", Some(s.clone())), SECRET);
}

#[cfg(feature = "md5")]
#[test]
fn digest_signers_do_not_show_their_secret() {
    use sign_core::{Md5Signer, SecretSuffix};
    let s = Md5Signer::new(Secret::new(SECRET), SecretSuffix::param("key"));
    for rendered in [format!("{s:?}"), format!("{s:#?}")] {
        assert_no_secret("Md5Signer", &rendered, SECRET);
        assert!(rendered.contains("&key=***"), "{rendered}");
    }
}

#[cfg(feature = "sha2")]
#[test]
fn sha256_and_hmac_signers_do_not_show_their_secret() {
    use sign_core::{HmacSha256Signer, SecretSuffix, Sha256Signer};
    let s = Sha256Signer::new(Secret::new(SECRET), SecretSuffix::Plain);
    assert_no_secret("Sha256Signer", &format!("{s:?} {s:#?}"), SECRET);
    let h = HmacSha256Signer::new(Secret::new(SECRET));
    assert_no_secret("HmacSha256Signer", &format!("{h:?} {h:#?}"), SECRET);
}

#[cfg(feature = "aes")]
#[test]
fn aes_ciphers_do_not_show_their_key() {
    use sign_core::aes::{Aes256EcbSigner, Aes256Gcm};
    let ecb = Aes256EcbSigner::new(&Secret::new(SECRET)).expect("key");
    let gcm = Aes256Gcm::new(&Secret::new(SECRET)).expect("key");
    let rendered = format!("{ecb:?} {ecb:#?} {gcm:?} {gcm:#?}");
    assert_no_secret("AES", &rendered, SECRET);
    // Nor the key bytes as numbers (a derived Debug of `[u8; 32]` would print `48, 49, ...`).
    assert!(!rendered.contains("48, 49"), "{rendered}");
    // Errors say what is wrong, never with the key.
    let err = Aes256Gcm::new(&Secret::new(&SECRET[..31])).expect_err("short");
    assert_no_secret("KeyError", &format!("{err} {err:?}"), &SECRET[..31]);
}

#[cfg(any(feature = "aws-lc-rs", feature = "rsa"))]
#[test]
fn rsa_keys_and_signers_do_not_show_key_material() {
    use sign_core::rsa::{RsaPrivateKey, RsaSha256Signer, RsaSha256Verifier};

    use crate::support::{pem_body, read, rsa_backends, vectors_dir};
    let pem = read(&vectors_dir(), "vipcharge_test_key.pem");
    let body = pem_body(&pem);
    for backend in rsa_backends() {
        let key = RsaPrivateKey::parse_with(&pem, backend).expect("parses");
        let rendered = format!(
            "{key:?} {key:#?} {:?} {:?} {:?}",
            key.public_key(),
            RsaSha256Signer::new(key.clone()),
            RsaSha256Verifier::new(key.public_key()),
        );
        assert!(rendered.contains("bits: 2048"), "{rendered}");
        assert!(!rendered.contains("MII"), "{rendered}");
        // The private key's base64 past the common header (where the modulus and the private
        // exponent live) must not appear in any 16-character piece.
        for piece in body.as_bytes()[40..].chunks(16) {
            let piece = std::str::from_utf8(piece).expect("ASCII");
            assert!(!rendered.contains(piece), "Debug leaks {piece}: {rendered}");
        }
    }
    // `KeyMaterial` is public too: its Debug must not list the DER bytes (as numbers or hex).
    let der = crate::support::pem_der(&pem);
    for input in [pem.clone(), der.clone(), body.clone().into_bytes()] {
        let material = sign_core::rsa::KeyMaterial::read(&input).expect("reads");
        let shown = format!("{material:?} {material:#?}");
        let decimal = format!("{:?}", &der[200..206]);
        let decimal = decimal.trim_matches(['[', ']']);
        assert!(
            !shown.contains(decimal),
            "KeyMaterial Debug lists key bytes: {shown}"
        );
        assert!(!shown.contains(&hex::encode(&der[200..206])), "{shown}");
        assert!(
            shown.len() < 200,
            "KeyMaterial Debug too revealing: {shown}"
        );
    }
}
