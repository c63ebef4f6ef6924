//! Invariants of canonical strings and digests, checked with proptest (a few thousand cases in
//! all, fast enough for every `cargo test`).

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::Index;
use sign_core::{
    CanonicalParams, CanonicalStyle, Error, Md5Signer, Secret, SecretSuffix, ValueEncoding,
    php_urlencode,
};

const CASES: u32 = 256;

/// The two field-list styles used by providers: raw (WinPay) and PHP-urlencoded with empty
/// values skipped (91 card).
fn styles() -> [CanonicalStyle; 2] {
    [
        CanonicalStyle::ascii_raw(),
        CanonicalStyle::ascii_raw()
            .skip_empty(true)
            .encoding(ValueEncoding::PhpUrlencode),
    ]
}

fn signer() -> Md5Signer {
    Md5Signer::new(Secret::new("s3cr3t"), SecretSuffix::param("key"))
}

fn build(pairs: &[(String, String)]) -> CanonicalParams {
    let mut p = CanonicalParams::with_capacity(pairs.len());
    for (k, v) in pairs {
        p.push(k.as_str(), v.as_str());
    }
    p
}

fn sign(p: &CanonicalParams, style: &CanonicalStyle, unsigned: &[&str]) -> String {
    signer().sign_hex_lower(p.to_canonical(style, unsigned).as_bytes())
}

/// Field names as providers use them (never `sign`, never the unsigned names below).
fn key() -> impl Strategy<Value = String> {
    "[a-z][a-z_]{0,9}".prop_filter("reserved", |k| !matches!(k.as_str(), "sign" | "check"))
}

/// Values with the characters that break naive canonicalizers.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,12}",
        "[&=%+ a-z0-9]{0,8}",
        "\\PC{0,6}",
        Just(String::new()),
    ]
}

fn fields() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map(key(), value(), 1..10)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn input_order_does_not_change_the_canonical_string(
        (sorted, shuffled) in fields()
            .prop_map(|m| m.into_iter().collect::<Vec<_>>())
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
    ) {
        for style in styles() {
            prop_assert_eq!(
                build(&sorted).to_canonical(&style, &[]),
                build(&shuffled).to_canonical(&style, &[])
            );
        }
    }

    #[test]
    fn tampering_an_included_value_changes_the_signature(
        map in fields(),
        pick in any::<Index>(),
        replacement in "[ -~]{1,12}",
    ) {
        let pairs: Vec<(String, String)> = map.into_iter().collect();
        for style in styles() {
            let p = build(&pairs);
            let included = p.explain(&style, &[], "").included().to_vec();
            prop_assume!(!included.is_empty());
            let victim = included[pick.index(included.len())].clone();
            let old = p.get(&victim).unwrap_or_default().to_owned();
            prop_assume!(old != replacement);
            let tampered: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| {
                    if *k == victim { (k.clone(), replacement.clone()) } else { (k.clone(), v.clone()) }
                })
                .collect();
            prop_assert_ne!(sign(&p, &style, &[]), sign(&build(&tampered), &style, &[]));
        }
    }

    #[test]
    fn excluded_and_skipped_fields_never_change_the_signature(
        map in fields(),
        sign_value in value(),
        unsigned_value in value(),
        empty_key in "zz[a-z]{1,4}",
    ) {
        let pairs: Vec<(String, String)> = map.into_iter().collect();
        let base = build(&pairs);
        for style in styles() {
            let expected = sign(&base, &style, &["check"]);
            let mut noisy = base.clone();
            noisy.push("sign", sign_value.as_str());
            noisy.push("check", unsigned_value.as_str());
            prop_assert_eq!(sign(&noisy, &style, &["check"]), expected.clone());
            if style.skips_empty() && base.get(&empty_key).is_none() {
                noisy.push(empty_key.as_str(), "");
                prop_assert_eq!(sign(&noisy, &style, &["check"]), expected);
            }
        }
    }

    #[test]
    fn arbitrary_unicode_and_separators_never_panic(
        pairs in proptest::collection::vec(("\\PC{0,8}|[&=%+]{1,3}", "\\PC{0,8}|[&=%+ ]{0,4}"), 0..8),
    ) {
        let p = build(&pairs);
        for style in styles() {
            let canonical = p.to_canonical(&style, &["&"]);
            let e = p.explain(&style, &["&"], "&key=***");
            prop_assert_eq!(e.canonical(), canonical.as_str());
            prop_assert_eq!(e.included().len() + e.skipped().len(), pairs.len());
            let s = signer();
            let sig = s.sign_hex_upper(canonical.as_bytes());
            prop_assert!(s.verify_hex(canonical.as_bytes(), &sig).is_ok());
        }
        // Raw values are written verbatim: the length is exactly keys, values and separators.
        let raw = p.to_canonical(&CanonicalStyle::ascii_raw(), &[]);
        let kept: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "sign").collect();
        let expected_len: usize = kept.iter().map(|(k, v)| k.len() + 1 + v.len()).sum::<usize>()
            + kept.len().saturating_sub(1);
        prop_assert_eq!(raw.len(), expected_len);
    }

    #[test]
    fn php_urlencoded_canonical_strings_parse_back_to_the_fields(map in fields()) {
        let style = CanonicalStyle::ascii_raw().encoding(ValueEncoding::PhpUrlencode);
        let canonical = build(&map.clone().into_iter().collect::<Vec<_>>()).to_canonical(&style, &[]);
        let parsed: BTreeMap<String, String> = url::form_urlencoded::parse(canonical.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        prop_assert_eq!(parsed, map);
    }

    #[test]
    fn from_json_object_never_panics_on_arbitrary_bytes(
        bytes in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..64),
            "\\{[\"a-z:,0-9\\[\\]{}\\\\ .eE+-]{0,40}".prop_map(String::into_bytes),
        ]
    ) {
        match CanonicalParams::from_json_object(&bytes) {
            Ok(p) => {
                // Only a JSON object is accepted.
                let value: serde_json::Value = serde_json::from_slice(&bytes).expect("valid JSON");
                prop_assert!(value.is_object());
                prop_assert_eq!(p.pairs().len(), value.as_object().map_or(0, |o| o.len()));
            }
            Err(e) => prop_assert!(matches!(e, Error::Params(_))),
        }
    }

    #[test]
    fn from_json_object_keeps_value_text(
        strings in proptest::collection::btree_map("\\PC{1,6}", "\\PC{0,8}", 0..6),
        number in any::<i64>(),
        flag in any::<bool>(),
    ) {
        let mut object = serde_json::Map::new();
        for (k, v) in &strings {
            object.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        object.insert("~number".into(), serde_json::json!(number));
        object.insert("~flag".into(), serde_json::json!(flag));
        object.insert("~null".into(), serde_json::Value::Null);
        object.insert("~nested".into(), serde_json::json!({"a": [1, "x"]}));
        let bytes = serde_json::to_vec(&object).expect("serializes");
        let p = CanonicalParams::from_json_object(&bytes).expect("object");
        for (k, v) in &strings {
            prop_assert_eq!(p.get(k), Some(v.as_str()));
        }
        let number_text = number.to_string();
        prop_assert_eq!(p.get("~number"), Some(number_text.as_str()));
        prop_assert_eq!(p.get("~flag"), Some(if flag { "true" } else { "false" }));
        prop_assert_eq!(p.get("~null"), Some(""));
        prop_assert_eq!(p.get("~nested"), Some(r#"{"a":[1,"x"]}"#));
    }

    #[test]
    fn php_urlencode_is_safe_and_round_trips(s in "\\PC{0,16}|[ -~]{0,16}") {
        let encoded = php_urlencode(&s);
        prop_assert!(
            encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"._+%-".contains(&b)),
            "{encoded}"
        );
        let form = format!("v={encoded}");
        let decoded: Vec<(String, String)> = url::form_urlencoded::parse(form.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        prop_assert_eq!(decoded, vec![("v".to_owned(), s)]);
    }

    #[test]
    fn md5_verify_accepts_either_hex_case(
        msg in proptest::collection::vec(any::<u8>(), 0..64),
        secret in "[ -~]{1,16}",
    ) {
        let s = Md5Signer::new(Secret::new(secret), SecretSuffix::Plain);
        let upper = s.sign_hex_upper(&msg);
        let lower = s.sign_hex_lower(&msg);
        prop_assert_eq!(upper.to_lowercase(), lower.clone());
        let mixed: String = upper
            .chars()
            .enumerate()
            .map(|(i, c)| if i % 2 == 0 { c.to_ascii_lowercase() } else { c })
            .collect();
        for text in [&upper, &lower, &mixed] {
            prop_assert!(s.verify_hex(&msg, text).is_ok(), "{text}");
        }
        // A different digest of the right length is refused.
        let wrong: String = lower
            .chars()
            .enumerate()
            .map(|(i, c)| if i == 0 { if c == '0' { '1' } else { '0' } } else { c })
            .collect();
        prop_assert!(matches!(s.verify_hex(&msg, &wrong), Err(Error::BadSignature)));
    }
}
