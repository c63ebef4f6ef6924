//! AES key handling: only 32-byte secrets are accepted, with a typed error naming the length.

use sign_core::aes::{Aes256EcbSigner, Aes256Gcm};
use sign_core::{KeyError, Secret, Signer, Verifier};

#[test]
fn aes_secrets_must_be_exactly_32_bytes() {
    for len in [1, 16, 31, 33, 64] {
        let secret = Secret::new("k".repeat(len));
        let expected = || KeyError::Length {
            what: "app secret",
            expected: 32,
            actual: len,
        };
        assert_eq!(
            Aes256EcbSigner::new(&secret).err(),
            Some(expected()),
            "ECB {len}"
        );
        assert_eq!(Aes256Gcm::new(&secret).err(), Some(expected()), "GCM {len}");
        let msg = expected().to_string();
        assert!(
            msg.contains("32") && msg.contains(&len.to_string()),
            "{msg}"
        );
    }
    assert_eq!(
        Aes256EcbSigner::new(&Secret::new("")).err(),
        Some(KeyError::Empty("app secret"))
    );
    assert_eq!(
        Aes256Gcm::new(&Secret::new("")).err(),
        Some(KeyError::Empty("app secret"))
    );
    // 32 bytes counted in UTF-8, not characters: 31 ASCII + a 2-byte character is 33 bytes.
    let multibyte = Secret::new(format!("{}é", "k".repeat(31)));
    assert_eq!(
        Aes256EcbSigner::new(&multibyte).err(),
        Some(KeyError::Length {
            what: "app secret",
            expected: 32,
            actual: 33
        })
    );
}

#[test]
fn ecb_signature_round_trips_and_grows_with_the_message() {
    let s = Aes256EcbSigner::new(&Secret::new("0123456789abcdef0123456789abcdef")).expect("key");
    for len in [0usize, 1, 15, 16, 17, 1000] {
        let msg = vec![b'x'; len];
        let sig = s.try_sign(&msg).expect("encrypts");
        assert_eq!(sig.len(), (len / 16 + 1) * 16, "len {len}");
        s.verify(&msg, &sig).expect("verifies");
        assert_eq!(&*s.decrypt(&sig).expect("decrypts"), &msg[..]);
    }
    assert!(s.decrypt(&[0u8; 15]).is_err(), "partial block");
}
