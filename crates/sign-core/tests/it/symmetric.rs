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

/// AES-256 test cases 17 (a 64-bit IV) and 18 (a 480-bit IV) of McGrew and Viega, "The
/// Galois/Counter Mode of Operation (GCM)": IVs that are not 96 bits, whose pre-counter block is
/// `J0 = GHASH_H(IV || 0-pad || 0^64 || [len(IV)]_64)`. Checked against OpenSSL as well.
#[test]
fn gcm_decrypts_the_published_vectors_for_ivs_that_are_not_96_bits() {
    let hex = |s: &str| hex::decode(s).expect("hex");
    let key: [u8; 32] = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
        .try_into()
        .expect("32 bytes");
    let plain = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
         1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let cases = [
        (
            "cafebabefacedbad",
            "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0\
             feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f",
            "3a337dbf46a792c45e454913fe2ea8f2",
        ),
        (
            "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728\
             c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
            "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4\
             0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
            "a44a8266ee1c8eb0c8b5d4cf5ae9f19a",
        ),
    ];
    let gcm = Aes256Gcm::from_key_bytes(key);
    for (iv, ct, tag) in cases {
        let iv = hex(iv);
        let mut sealed = hex(ct);
        sealed.extend(hex(tag));
        let opened = gcm
            .decrypt(&iv, &aad, &sealed)
            .unwrap_or_else(|e| panic!("{}-byte IV: {e}", iv.len()));
        assert_eq!(&*opened, plain.as_slice(), "{}-byte IV", iv.len());
        assert_eq!(
            gcm.encrypt(&iv, &aad, &plain).expect("seal"),
            sealed,
            "{}-byte IV",
            iv.len()
        );
        // A wrong tag, a flipped ciphertext bit or another AAD are refused.
        let mut bad_tag = sealed.clone();
        *bad_tag.last_mut().expect("tag") ^= 1;
        let mut bad_ct = sealed.clone();
        bad_ct[0] ^= 0x80;
        for bad in [
            gcm.decrypt(&iv, &aad, &bad_tag),
            gcm.decrypt(&iv, &aad, &bad_ct),
            gcm.decrypt(&iv, b"", &sealed),
            gcm.decrypt(&iv[..iv.len() - 1], &aad, &sealed),
        ] {
            assert!(matches!(bad, Err(sign_core::Error::Crypto(_))), "{bad:?}");
        }
    }
}

/// Every nonce length from 1 to 64 bytes seals and opens (the 12-byte one through aws-lc-rs, the
/// others through `aes-gcm`); 0 and 65 are refused; a 12-byte nonce agrees with the general
/// derivation's published vector for 96 bits (test case 16).
#[test]
fn gcm_takes_every_nonce_length_from_1_to_64_bytes() {
    let gcm = Aes256Gcm::new(&Secret::new("0123456789abcdef0123456789abcdef")).expect("key");
    let plain = br#"{"trade_state":"SUCCESS"}"#;
    for len in 1..=64usize {
        let nonce: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        let sealed = gcm.encrypt(&nonce, b"", plain).expect("seal");
        assert_eq!(sealed.len(), plain.len() + Aes256Gcm::TAG_LEN, "{len}");
        assert_eq!(
            &*gcm.decrypt(&nonce, b"", &sealed).expect("open"),
            plain,
            "{len}"
        );
        let mut wrong = sealed.clone();
        wrong[plain.len()] ^= 1;
        assert!(gcm.decrypt(&nonce, b"", &wrong).is_err(), "{len}");
    }
    for len in [0usize, 65, 128] {
        let nonce = vec![b'n'; len];
        assert!(gcm.encrypt(&nonce, b"", plain).is_err(), "{len}");
        assert!(gcm.decrypt(&nonce, b"", &[0; 40]).is_err(), "{len}");
    }
    let hex = |s: &str| hex::decode(s).expect("hex");
    let case16 = Aes256Gcm::from_key_bytes(
        hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
            .try_into()
            .expect("32"),
    );
    let sealed = case16
        .encrypt(
            &hex("cafebabefacedbaddecaf888"),
            &hex("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
            &hex(
                "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                 1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            ),
        )
        .expect("seal");
    assert_eq!(
        hex::encode(&sealed[sealed.len() - 16..]),
        "76fc6ece0f4e1768cddf8853bb2d551b"
    );
}
