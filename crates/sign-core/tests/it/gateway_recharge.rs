//! gateway-recharge (WinPay): ASCII order, raw values, empty values signed, `sign` excluded, then
//! `&key=SECRET`; MD5 lowercase hex. Callbacks: the same rule over every received field.

use std::collections::BTreeMap;

use sign_core::{
    CanonicalParams, CanonicalStyle, Error, Md5Signer, Secret, SecretSuffix, SignatureEncoding,
    Signer, SkipReason, Verifier,
};

use crate::support::{load, masked, params, params_reversed};

#[derive(Debug, serde::Deserialize)]
struct Case {
    name: String,
    kind: String,
    secret: String,
    params: BTreeMap<String, String>,
    signed_string: String,
    sign: String,
    body: Option<String>,
}

pub(crate) fn style() -> CanonicalStyle {
    CanonicalStyle::ascii_raw()
}

pub(crate) fn signer(secret: &str) -> Md5Signer {
    Md5Signer::new(Secret::new(secret), SecretSuffix::param("key"))
}

#[track_caller]
fn check_signed(case: &Case, p: &CanonicalParams) {
    let name = &case.name;
    let canonical = p.to_canonical(&style(), &[]);
    assert_eq!(
        format!("{canonical}&key={}", case.secret),
        case.signed_string,
        "{name}: signed string"
    );
    let s = signer(&case.secret);
    assert_eq!(
        s.sign_hex_lower(canonical.as_bytes()),
        case.sign,
        "{name}: sign"
    );
    assert_eq!(
        s.sign_encoded(canonical.as_bytes(), SignatureEncoding::HexLower)
            .expect("MD5 never fails"),
        case.sign,
        "{name}: sign_encoded"
    );
    s.verify_hex(canonical.as_bytes(), &case.sign)
        .unwrap_or_else(|e| panic!("{name}: verify lowercase: {e}"));
    s.verify_hex(canonical.as_bytes(), &case.sign.to_uppercase())
        .unwrap_or_else(|e| panic!("{name}: verify uppercase: {e}"));
    let explanation = p.explain(&style(), &[], &s.masked_suffix());
    assert_eq!(
        explanation.signed_string(),
        masked(&case.signed_string, &case.secret),
        "{name}: explanation"
    );
    assert!(
        !explanation.to_string().contains(&case.secret),
        "{name}: secret in explanation"
    );
}

#[test]
fn gateway_recharge_vectors() {
    let file = load::<Case>("gateway-recharge.json");
    let mut checked = 0;
    for case in &file.cases {
        check_signed(case, &params(&case.params));
        check_signed(case, &params_reversed(&case.params));
        match case.kind.as_str() {
            "request" => {}
            "callback" => {
                // Verify on the raw body received: every field but `sign`.
                let body = case.body.as_deref().expect("callback has a body");
                let received = CanonicalParams::from_json_object(body.as_bytes())
                    .unwrap_or_else(|e| panic!("{}: body: {e}", case.name));
                assert_eq!(
                    received.get("sign"),
                    Some(case.sign.as_str()),
                    "{}",
                    case.name
                );
                check_signed(case, &received);
                let explanation = received.explain(&style(), &[], "&key=***");
                assert_eq!(
                    explanation.skipped(),
                    [("sign".to_owned(), SkipReason::Excluded)]
                );
                let canonical = received.to_canonical(&style(), &[]);
                let mut forged = received.clone();
                forged.push("amount_extra", "1");
                let forged = forged.to_canonical(&style(), &[]);
                let s = signer(&case.secret);
                assert!(matches!(
                    s.verify_hex(forged.as_bytes(), &case.sign),
                    Err(Error::BadSignature)
                ));
                assert!(matches!(
                    s.verify_hex(canonical.as_bytes(), "zz"),
                    Err(Error::MalformedSignature { encoding: "hex" })
                ));
            }
            other => panic!("{}: unknown kind {other}", case.name),
        }
        checked += 1;
    }
    assert_eq!(checked, 7, "every gateway-recharge case is checked");
}

#[test]
fn wrong_secret_does_not_verify() {
    let file = load::<Case>("gateway-recharge.json");
    let case = &file.cases[0];
    let canonical = params(&case.params).to_canonical(&style(), &[]);
    let wrong = signer("adesf236");
    assert!(matches!(
        wrong.verify(canonical.as_bytes(), &hex::decode(&case.sign).expect("hex")),
        Err(Error::BadSignature)
    ));
}
