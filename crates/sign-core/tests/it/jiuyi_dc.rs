//! jiuyi-dc (91 card): ASCII order, empty values and the endpoint's unsigned fields skipped,
//! PHP-urlencoded values, then `&appsecret=SECRET`; MD5 uppercase hex.

use std::collections::BTreeMap;

use sign_core::{
    CanonicalParams, CanonicalStyle, Md5Signer, Secret, SecretSuffix, SignatureEncoding, Signer,
    SkipReason, ValueEncoding,
};

use crate::support::{load, masked, params, params_reversed};

#[derive(Debug, serde::Deserialize)]
struct Case {
    name: String,
    endpoint: String,
    secret: String,
    params: BTreeMap<String, String>,
    unsigned_fields: Vec<String>,
    signed_string: String,
    sign: String,
}

pub(crate) fn style() -> CanonicalStyle {
    CanonicalStyle::ascii_raw()
        .skip_empty(true)
        .encoding(ValueEncoding::PhpUrlencode)
}

pub(crate) fn signer(secret: &str) -> Md5Signer {
    Md5Signer::new(Secret::new(secret), SecretSuffix::param("appsecret"))
}

#[track_caller]
fn check(case: &Case, p: &CanonicalParams) {
    let name = &case.name;
    let unsigned: Vec<&str> = case.unsigned_fields.iter().map(String::as_str).collect();
    let canonical = p.to_canonical(&style(), &unsigned);
    assert_eq!(
        format!("{canonical}&appsecret={}", case.secret),
        case.signed_string,
        "{name} ({}): signed string",
        case.endpoint
    );
    let s = signer(&case.secret);
    assert_eq!(
        s.sign_hex_upper(canonical.as_bytes()),
        case.sign,
        "{name}: sign"
    );
    assert_eq!(
        s.sign_encoded(canonical.as_bytes(), SignatureEncoding::HexUpper)
            .expect("MD5 never fails"),
        case.sign
    );
    s.verify_hex(canonical.as_bytes(), &case.sign.to_lowercase())
        .unwrap_or_else(|e| panic!("{name}: verify: {e}"));
    let explanation = p.explain(&style(), &unsigned, &s.masked_suffix());
    assert_eq!(
        explanation.signed_string(),
        masked(&case.signed_string, &case.secret)
    );
    for (key, why) in explanation.skipped() {
        let expected = if key == "sign" {
            SkipReason::Excluded
        } else if case.unsigned_fields.contains(key) {
            SkipReason::Unsigned
        } else {
            assert_eq!(p.get(key), Some(""), "{name}: {key} skipped but not empty");
            SkipReason::Empty
        };
        assert_eq!(*why, expected, "{name}: {key} skipped as {why}");
    }
}

#[test]
fn jiuyi_dc_vectors() {
    let file = load::<Case>("jiuyi-dc.json");
    for case in &file.cases {
        check(case, &params(&case.params));
        check(case, &params_reversed(&case.params));

        // The same case with an empty field and a `sign` field added signs identically.
        let mut noisy = params(&case.params);
        noisy.push("zz_empty", "");
        noisy.push("sign", "F7EC6EE7DB8315B5B9940D7E6AC29514");
        check(case, &noisy);

        // Notifies arrive as a form body with the raw values: read it back and verify.
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &case.params {
            form.append_pair(k, v);
        }
        form.append_pair("sign", &case.sign);
        let received = CanonicalParams::from_form(form.finish().as_bytes()).expect("form");
        check(case, &received);
    }
    assert_eq!(file.cases.len(), 12, "every jiuyi-dc case is checked");
}
