//! paydesk (Cashy): MD5 of the body bytes exactly as sent followed by the apiKey, uppercase hex.

use sign_core::{Error, Explanation, Md5Signer, Secret, SecretSuffix, SignatureEncoding, Signer};

use crate::support::{load, masked};

#[derive(Debug, serde::Deserialize)]
struct Case {
    name: String,
    kind: String,
    merchant_id: String,
    api_key: String,
    body: String,
    signed_string: String,
    sign: String,
}

#[test]
fn paydesk_vectors() {
    let file = load::<Case>("paydesk.json");
    let mut checked = 0;
    for case in &file.cases {
        let name = &case.name;
        assert!(
            matches!(case.kind.as_str(), "request" | "notify"),
            "{name}: kind {}",
            case.kind
        );
        assert!(!case.merchant_id.is_empty(), "{name}");
        assert_eq!(
            format!("{}{}", case.body, case.api_key),
            case.signed_string,
            "{name}"
        );
        let s = Md5Signer::new(Secret::new(case.api_key.as_str()), SecretSuffix::Plain);
        assert_eq!(
            s.sign_hex_upper(case.body.as_bytes()),
            case.sign,
            "{name}: sign"
        );
        assert_eq!(
            s.sign_encoded(case.body.as_bytes(), SignatureEncoding::HexUpper)
                .expect("MD5 never fails"),
            case.sign,
            "{name}: sign_encoded"
        );
        // Notifies are compared case-insensitively.
        s.verify_hex(case.body.as_bytes(), &case.sign.to_lowercase())
            .unwrap_or_else(|e| panic!("{name}: verify lowercase: {e}"));
        // One byte more (a re-serialized body) no longer verifies.
        let reserialized = format!("{} ", case.body);
        assert!(matches!(
            s.verify_hex(reserialized.as_bytes(), &case.sign),
            Err(Error::BadSignature)
        ));
        let e = Explanation::for_message(case.body.as_bytes(), &s.masked_suffix());
        assert_eq!(
            e.signed_string(),
            masked(&case.signed_string, &case.api_key),
            "{name}"
        );
        checked += 1;
    }
    assert_eq!(checked, 7, "every paydesk case is checked");
}
