//! Hostile callbacks (issue 10), for each of the five providers, through its `NotifyVerifier`
//! directly (no server): a valid callback built with the provider's documented rule is accepted,
//! and each attack is refused with its own typed error, asserted by variant:
//!
//! forged signature, malformed signature, missing signature, a signature from another merchant
//! (another secret or key), a callback naming another merchant, tampered amount, tampered status,
//! an unknown field added after signing (refused) next to a properly signed body with an unknown
//! field (accepted, the field kept), wrong content type (where the verifier checks it), an
//! oversized body, and invalid UTF-8 (properly signed, so the UTF-8 check itself is reached).
//!
//! `cargo test -p payhub-sandbox --test callback_attacks`

use http::{HeaderMap, HeaderValue};
use sign_core::{Md5Signer, Secret, SecretSuffix};

/// Bigger than every verifier's default cap (64 KiB).
const OVERSIZED: usize = 65 * 1024;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(
            http::header::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
            HeaderValue::from_str(v).expect("header value"),
        );
    }
    h
}

/// `text` with the first `from` replaced by `to`; panics if `from` is absent (the test would
/// prove nothing).
fn replace_once(text: &[u8], from: &str, to: &str) -> Vec<u8> {
    let s = std::str::from_utf8(text).expect("UTF-8 fixture");
    assert!(s.contains(from), "`{from}` not in {s}");
    s.replacen(from, to, 1).into_bytes()
}

/// A JSON object body with `,"<pad>":"xxxx..."` inserted so it exceeds [`OVERSIZED`].
fn padded_json(body: &[u8]) -> Vec<u8> {
    let s = std::str::from_utf8(body).expect("UTF-8 fixture");
    let close = s.rfind('}').expect("JSON object");
    format!("{},\"pad\":\"{}\"}}", &s[..close], "x".repeat(OVERSIZED)).into_bytes()
}

/// A JSON object with a string containing an invalid UTF-8 byte.
fn invalid_utf8_json(body: &[u8]) -> Vec<u8> {
    let close = body.iter().rposition(|b| *b == b'}').expect("JSON object");
    let mut out = body[..close].to_vec();
    out.extend_from_slice(b",\"note\":\"\xff\xfe\"}");
    out
}

// ---------------------------------------------------------------------------------------------

mod paydesk_attacks {
    use paydesk::Error;
    use paydesk::notify::{Notification, NotifyError, NotifyVerifier};

    use super::*;

    const MERCHANT: u64 = 1002001;
    const KEY: &str = "testApiKey";
    const OTHER_KEY: &str = "anotherMerchantsKey";

    fn body(amount: &str, status: &str, extra: &str) -> Vec<u8> {
        format!(
            r#"{{"amount":{amount},"fee":25.00,"mchOrderNo":"M-ATTACK-1","merchantId":"{MERCHANT}","orderNo":"PAYDESK2761855185098835526","orderStatus":"{status}"{extra}}}"#
        )
        .into_bytes()
    }

    fn sign(key: &str, body: &[u8]) -> String {
        paydesk::sign::signature(&Secret::new(key), body)
    }

    fn verify(
        merchant: &str,
        sign: Option<&str>,
        ct: Option<&str>,
        body: &[u8],
    ) -> Result<Notification, Error> {
        let mut pairs = vec![("MerchantId", merchant)];
        if let Some(s) = sign {
            pairs.push(("Sign", s));
        }
        if let Some(c) = ct {
            pairs.push(("Content-Type", c));
        }
        NotifyVerifier::new(MERCHANT, KEY).verify(&headers(&pairs), body)
    }

    fn refused(what: &str, r: Result<Notification, Error>) -> NotifyError {
        match r {
            Err(Error::Notify(e)) => e,
            other => panic!("{what}: expected Error::Notify, got {other:?}"),
        }
    }

    #[test]
    fn every_attack_is_refused_with_its_own_error() {
        let m = MERCHANT.to_string();
        let ok = body("1000.00", "SUCCESS", "");
        let json = Some("application/json");
        let n = verify(&m, Some(&sign(KEY, &ok)), json, &ok).expect("a valid callback verifies");
        assert!(n.is_success());
        assert_eq!(n.mch_order_no(), "M-ATTACK-1");
        // Lower-case hex is the same signature.
        verify(&m, Some(&sign(KEY, &ok).to_lowercase()), json, &ok).expect("either hex case");

        let e = refused(
            "forged",
            verify(&m, Some("0123456789ABCDEF0123456789ABCDEF"), json, &ok),
        );
        assert!(matches!(e, NotifyError::BadSignature), "forged: {e:?}");
        let e = refused("malformed", verify(&m, Some("not-a-signature"), json, &ok));
        assert!(
            matches!(e, NotifyError::MalformedSignature),
            "malformed: {e:?}"
        );
        let e = refused("missing", verify(&m, None, json, &ok));
        assert!(matches!(e, NotifyError::MissingSignature), "missing: {e:?}");
        let e = refused(
            "other key",
            verify(&m, Some(&sign(OTHER_KEY, &ok)), json, &ok),
        );
        assert!(matches!(e, NotifyError::BadSignature), "other key: {e:?}");
        let e = refused(
            "other merchant",
            verify("1002002", Some(&sign(OTHER_KEY, &ok)), json, &ok),
        );
        assert!(
            matches!(e, NotifyError::WrongMerchant { .. }),
            "other merchant header: {e:?}"
        );
        // A body naming another merchant, even correctly signed with our key.
        let other_body = replace_once(
            &ok,
            "\"merchantId\":\"1002001\"",
            "\"merchantId\":\"1002002\"",
        );
        let e = refused(
            "body merchant",
            verify(&m, Some(&sign(KEY, &other_body)), json, &other_body),
        );
        assert!(
            matches!(e, NotifyError::WrongMerchant { .. }),
            "body merchant: {e:?}"
        );

        let amount = replace_once(&ok, "1000.00", "9000.00");
        let e = refused("amount", verify(&m, Some(&sign(KEY, &ok)), json, &amount));
        assert!(
            matches!(e, NotifyError::BadSignature),
            "tampered amount: {e:?}"
        );
        let failed = body("1000.00", "FAIL", "");
        let e = refused("status", verify(&m, Some(&sign(KEY, &failed)), json, &ok));
        assert!(
            matches!(e, NotifyError::BadSignature),
            "tampered status: {e:?}"
        );

        let added = body("1000.00", "SUCCESS", r#","bonus":"1""#);
        let e = refused(
            "added field",
            verify(&m, Some(&sign(KEY, &ok)), json, &added),
        );
        assert!(
            matches!(e, NotifyError::BadSignature),
            "field added after signing: {e:?}"
        );
        let n = verify(&m, Some(&sign(KEY, &added)), json, &added)
            .expect("a signed body with an unknown field is accepted");
        let Notification::Cashier(c) = n else {
            panic!("cashier notify expected: {n:?}");
        };
        assert_eq!(c.extra.get("bonus"), Some(r#""1""#), "unknown field kept");

        let e = refused(
            "content type",
            verify(&m, Some(&sign(KEY, &ok)), Some("text/plain"), &ok),
        );
        assert!(
            matches!(e, NotifyError::ContentType(_)),
            "content type: {e:?}"
        );
        let big = padded_json(&ok);
        let e = refused("oversized", verify(&m, Some(&sign(KEY, &big)), json, &big));
        assert!(
            matches!(e, NotifyError::BodyTooLarge { .. }),
            "oversized: {e:?}"
        );
        let bad = invalid_utf8_json(&ok);
        let e = refused("utf-8", verify(&m, Some(&sign(KEY, &bad)), json, &bad));
        assert!(matches!(e, NotifyError::NotUtf8), "invalid UTF-8: {e:?}");
        let e = refused(
            "utf-8 unsigned",
            verify(&m, Some(&sign(KEY, &ok)), json, &bad),
        );
        assert!(
            matches!(e, NotifyError::BadSignature),
            "unsigned invalid UTF-8: {e:?}"
        );
        let garbage = b"{not json".to_vec();
        let e = refused(
            "not json",
            verify(&m, Some(&sign(KEY, &garbage)), json, &garbage),
        );
        assert!(
            matches!(e, NotifyError::Malformed(_)),
            "signed garbage: {e:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------

mod gateway_recharge_attacks {
    use gateway_recharge::Error;
    use gateway_recharge::error::NotifyError;
    use gateway_recharge::notify::{Notification, NotifyVerifier};
    use serde_json::{Map, Value, json};
    use sign_core::CanonicalParams;

    use super::*;

    const MERCHANT: &str = "M1234567890";
    const KEY: &str = "adesf235";
    const OTHER_KEY: &str = "otherkey";

    fn fields() -> Map<String, Value> {
        let v = json!({
            "trade_no": "RR241015203135953635",
            "order_no": "ATTACK-1",
            "amount": "200.00",
            "remark": "r",
            "status": "success",
            "trade_time": "2024-10-15 20:31:50",
        });
        v.as_object().expect("object").clone()
    }

    /// The fields as JSON with `sign` computed by the documented rule with `key`.
    fn signed(mut f: Map<String, Value>, key: &str) -> Map<String, Value> {
        let mut params = CanonicalParams::new();
        for (k, v) in &f {
            params.push(k.clone(), v.as_str().expect("string field"));
        }
        let sig = gateway_recharge::sign::sign(
            &params,
            &gateway_recharge::sign::signer(Secret::new(key)),
        );
        f.insert("sign".to_owned(), Value::String(sig));
        f
    }

    fn bytes(f: &Map<String, Value>) -> Vec<u8> {
        serde_json::to_vec(f).expect("JSON")
    }

    fn verify(ct: Option<&str>, body: &[u8]) -> Result<Notification, Error> {
        let pairs: Vec<(&str, &str)> = ct.map(|ct| ("content-type", ct)).into_iter().collect();
        NotifyVerifier::new(MERCHANT, KEY).verify(&headers(&pairs), body)
    }

    fn refused(what: &str, r: Result<Notification, Error>) -> NotifyError {
        match r {
            Err(Error::Notify(e)) => e,
            other => panic!("{what}: expected Error::Notify, got {other:?}"),
        }
    }

    #[test]
    fn every_attack_is_refused_with_its_own_error() {
        let json = Some("application/json");
        let good = signed(fields(), KEY);
        let n = verify(json, &bytes(&good)).expect("a valid callback verifies");
        assert_eq!(n.order_no, "ATTACK-1");
        assert_eq!(n.amount.to_string(), "200.00");
        // The same fields as a form body verify too.
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &good {
            form.append_pair(k, v.as_str().expect("string field"));
        }
        let form = form.finish();
        verify(Some("application/x-www-form-urlencoded"), form.as_bytes()).expect("form body");

        let mut forged = good.clone();
        forged.insert("sign".into(), "0123456789abcdef0123456789abcdef".into());
        let e = refused("forged", verify(json, &bytes(&forged)));
        assert!(matches!(e, NotifyError::BadSignature), "forged: {e:?}");
        forged.insert("sign".into(), "zz-not-hex".into());
        let e = refused("malformed", verify(json, &bytes(&forged)));
        assert!(
            matches!(e, NotifyError::MalformedSignature),
            "malformed: {e:?}"
        );
        let mut missing = good.clone();
        missing.remove("sign");
        let e = refused("missing", verify(json, &bytes(&missing)));
        assert!(matches!(e, NotifyError::MissingSignature), "missing: {e:?}");
        let e = refused(
            "other key",
            verify(json, &bytes(&signed(fields(), OTHER_KEY))),
        );
        assert!(matches!(e, NotifyError::BadSignature), "other key: {e:?}");
        let mut theirs = fields();
        theirs.insert("merchant_no".into(), "M0000000001".into());
        let e = refused(
            "other merchant",
            verify(json, &bytes(&signed(theirs, OTHER_KEY))),
        );
        assert!(
            matches!(e, NotifyError::WrongMerchant { .. }),
            "other merchant: {e:?}"
        );

        let mut amount = good.clone();
        amount.insert("amount".into(), "20000.00".into());
        let e = refused("amount", verify(json, &bytes(&amount)));
        assert!(
            matches!(e, NotifyError::BadSignature),
            "tampered amount: {e:?}"
        );
        let mut status = signed(
            {
                let mut f = fields();
                f.insert("status".into(), "pending".into());
                f
            },
            KEY,
        );
        status.insert("status".into(), "success".into());
        let e = refused("status", verify(json, &bytes(&status)));
        assert!(
            matches!(e, NotifyError::BadSignature),
            "tampered status: {e:?}"
        );
        // Duplicate JSON keys, before or after the signed one: refused outright (parsers disagree
        // on which copy wins, so no reading of the body may be trusted).
        let dup_last = replace_once(&bytes(&good), "\"sign\"", r#""amount":"99999.00","sign""#);
        let dup_first = replace_once(&bytes(&good), "{", r#"{"amount":"99999.00","#);
        for dup in [dup_last, dup_first] {
            let e = refused("duplicate key", verify(json, &dup));
            assert!(
                matches!(e, NotifyError::MalformedBody(ref m) if m.contains("duplicate field `amount`"))
                    || matches!(e, NotifyError::DuplicateField(_)),
                "duplicate amount key: {e:?}"
            );
        }

        let mut added = good.clone();
        added.insert("bonus".into(), "1".into());
        let e = refused("added field", verify(json, &bytes(&added)));
        assert!(
            matches!(e, NotifyError::BadSignature),
            "field added after signing: {e:?}"
        );
        let mut extra = fields();
        extra.insert("bonus".into(), "1".into());
        let n = verify(json, &bytes(&signed(extra, KEY)))
            .expect("a signed body with an unknown field is accepted");
        assert_eq!(n.extra.get("bonus").map(String::as_str), Some("1"));

        let e = refused("content type", verify(Some("text/html"), &bytes(&good)));
        assert!(
            matches!(e, NotifyError::UnsupportedContentType(_)),
            "content type: {e:?}"
        );
        let mut big = fields();
        big.insert("pad".into(), "x".repeat(OVERSIZED).into());
        let e = refused("oversized", verify(json, &bytes(&signed(big, KEY))));
        assert!(
            matches!(e, NotifyError::BodyTooLarge { .. }),
            "oversized: {e:?}"
        );
        let e = refused("utf-8", verify(json, &invalid_utf8_json(&bytes(&good))));
        assert!(matches!(e, NotifyError::NotUtf8), "invalid UTF-8: {e:?}");
        let e = refused("empty", verify(json, b"  "));
        assert!(matches!(e, NotifyError::EmptyBody), "empty: {e:?}");
        let e = refused("not json", verify(json, b"{not json"));
        assert!(
            matches!(e, NotifyError::MalformedBody(_)),
            "not JSON: {e:?}"
        );
        let e = refused(
            "form dup",
            verify(
                Some("application/x-www-form-urlencoded"),
                format!("{form}&amount=1.00").as_bytes(),
            ),
        );
        assert!(
            matches!(e, NotifyError::DuplicateField(_)),
            "duplicate form field: {e:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------

mod jiuyi_dc_attacks {
    use jiuyi_dc::Error;
    use jiuyi_dc::error::NotifyError;
    use jiuyi_dc::notify::{Notification, NotifyVerifier};
    use jiuyi_dc::sign::RequestSigner;

    use super::*;

    const APPID: &str = "19190009";
    const SECRET: &str = "HJH546HKDHK";
    const OTHER_SECRET: &str = "OTHERSECRET1";
    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    /// The documented notify fields plus `price` (the provider may send more fields; the
    /// documented notify carries no amount, so `price` and `account` stand for the money).
    fn fields() -> Vec<(&'static str, String)> {
        vec![
            ("order_id", "API2022040622185551647".to_owned()),
            ("out_order_id", "JY-ATTACK-1".to_owned()),
            ("status", "4".to_owned()),
            ("account", "13800138000".to_owned()),
            ("card_id", "43".to_owned()),
            ("price", "19.80".to_owned()),
        ]
    }

    fn form(fields: &[(&str, String)], secret: Option<&str>) -> Vec<u8> {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            s.append_pair(k, v);
        }
        if let Some(secret) = secret {
            let (sign, _) = RequestSigner::new(Secret::new(secret))
                .sign(fields.iter().map(|(k, v)| (*k, v.as_str())), &[]);
            s.append_pair("sign", &sign);
        }
        s.finish().into_bytes()
    }

    fn verify(ct: Option<&str>, body: &[u8]) -> Result<Notification, Error> {
        let mut h = HeaderMap::new();
        if let Some(ct) = ct {
            h.insert(
                http::header::CONTENT_TYPE,
                ct.parse().expect("header value"),
            );
        }
        NotifyVerifier::new(SECRET)
            .expect_appid(APPID)
            .verify(&h, body)
    }

    fn refused(what: &str, r: Result<Notification, Error>) -> NotifyError {
        match r {
            Err(Error::Notify(e)) => e,
            other => panic!("{what}: expected Error::Notify, got {other:?}"),
        }
    }

    fn with(field: &'static str, value: &str) -> Vec<(&'static str, String)> {
        let mut f = fields();
        match f.iter_mut().find(|(k, _)| *k == field) {
            Some(pair) => pair.1 = value.to_owned(),
            None => f.push((field, value.to_owned())),
        }
        f
    }

    #[test]
    fn every_attack_is_refused_with_its_own_error() {
        let ok = form(&fields(), Some(SECRET));
        let n = verify(FORM, &ok).expect("a valid notify verifies");
        assert!(n.status.is_success());
        assert_eq!(n.out_order_id, "JY-ATTACK-1");

        let forged = replace_once(
            &ok,
            "sign=",
            "sign=0123456789ABCDEF0123456789ABCDEF&x_sign=",
        );
        let e = refused("forged", verify(FORM, &forged));
        assert!(matches!(e, NotifyError::BadSignature), "forged: {e:?}");
        let mut malformed = form(&fields(), None);
        malformed.extend_from_slice(b"&sign=nothex");
        let e = refused("malformed", verify(FORM, &malformed));
        assert!(
            matches!(e, NotifyError::MalformedSignature),
            "malformed: {e:?}"
        );
        let e = refused("missing", verify(FORM, &form(&fields(), None)));
        assert!(matches!(e, NotifyError::MissingSignature), "missing: {e:?}");
        let e = refused(
            "other secret",
            verify(FORM, &form(&fields(), Some(OTHER_SECRET))),
        );
        assert!(
            matches!(e, NotifyError::BadSignature),
            "other secret: {e:?}"
        );
        let theirs = form(&with("appid", "19190010"), Some(SECRET));
        let e = refused("other appid", verify(FORM, &theirs));
        assert!(
            matches!(e, NotifyError::WrongMerchant { .. }),
            "other appid: {e:?}"
        );

        let e = refused(
            "amount",
            verify(FORM, &replace_once(&ok, "price=19.80", "price=1.98")),
        );
        assert!(
            matches!(e, NotifyError::BadSignature),
            "tampered price: {e:?}"
        );
        let e = refused(
            "account",
            verify(FORM, &replace_once(&ok, "account=138", "account=139")),
        );
        assert!(
            matches!(e, NotifyError::BadSignature),
            "tampered account: {e:?}"
        );
        let failed = form(&with("status", "6"), Some(SECRET));
        let e = refused(
            "status",
            verify(FORM, &replace_once(&failed, "status=6", "status=4")),
        );
        assert!(
            matches!(e, NotifyError::BadSignature),
            "tampered status: {e:?}"
        );
        // A second `status` appended after signing.
        let mut dup = failed.clone();
        dup.extend_from_slice(b"&status=4");
        let e = refused("duplicate", verify(FORM, &dup));
        assert!(
            matches!(e, NotifyError::MalformedField { .. }),
            "duplicate status: {e:?}"
        );

        let mut added = ok.clone();
        added.extend_from_slice(b"&bonus=1");
        let e = refused("added field", verify(FORM, &added));
        assert!(
            matches!(e, NotifyError::BadSignature),
            "field added after signing: {e:?}"
        );
        let n = verify(FORM, &form(&with("bonus", "1"), Some(SECRET)))
            .expect("a signed body with an unknown field is accepted");
        assert_eq!(n.extra.get("bonus").map(String::as_str), Some("1"));

        let e = refused("content type", verify(Some("application/xml"), &ok));
        assert!(
            matches!(e, NotifyError::WrongContentType(_)),
            "content type: {e:?}"
        );
        let big = form(&with("pad", &"x".repeat(OVERSIZED)), Some(SECRET));
        let e = refused("oversized", verify(FORM, &big));
        assert!(
            matches!(e, NotifyError::BodyTooLarge { .. }),
            "oversized: {e:?}"
        );
        let mut bad = ok.clone();
        bad.extend_from_slice(b"&note=\xff\xfe");
        let e = refused("utf-8", verify(FORM, &bad));
        assert!(matches!(e, NotifyError::NotUtf8), "invalid UTF-8: {e:?}");
    }

    /// The dcapi rule skips empty values, so an EMPTY field added after signing still verifies:
    /// it carries no value, and the typed notification must not let it override a signed one.
    #[test]
    fn an_empty_field_added_after_signing_changes_nothing_signed() {
        let mut body = form(&fields(), Some(SECRET));
        body.extend_from_slice(b"&evidence=");
        let n = verify(FORM, &body).expect("empty values are outside the signature");
        assert_eq!(n.out_order_id, "JY-ATTACK-1");
        assert!(n.status.is_success());
        assert!(n.evidence.as_deref().unwrap_or_default().is_empty());
    }
}

// ---------------------------------------------------------------------------------------------

mod vipcharge_attacks {
    use sign_core::rsa::{RsaPrivateKey, RsaSha256Signer};
    use sign_core::{SignatureEncoding, Signer as _};
    use vipcharge::notify::{Notification, NotifyError, NotifyVerifier};
    use vipcharge::sign::{PlatformVerifier, string_to_sign};
    use vipcharge::{Error, sign::header};

    use super::*;

    const BUSINESS: &str = "754ea3e3a699404f9b82e8f881107f19";
    const SECRET: &str = "testSignKey";
    const OTHER_SECRET: &str = "anotherSignKey";
    const NONCE: &str = "24bc2c17-0fef-440e-ba32-385c47c6cfa4";
    const TS: &str = "1628772138668";

    fn body(status: &str, price: &str, extra: &str) -> Vec<u8> {
        format!(
            r#"{{"orderCode":"O-ATTACK-1","bizCode":"B-ATTACK-1","orderStatus":{status},"settlementPrice":{price}{extra}}}"#
        )
        .into_bytes()
    }

    fn md5(secret: &str, business: &str, sign_type: Option<&str>, body: &[u8]) -> String {
        let msg = string_to_sign(business, NONCE, sign_type, TS, body);
        Md5Signer::new(Secret::new(secret), SecretSuffix::Plain).sign_hex_upper(&msg)
    }

    fn hdrs(
        business: &str,
        sign: Option<&str>,
        sign_type: Option<&str>,
        ct: Option<&str>,
    ) -> HeaderMap {
        let mut pairs = vec![
            (header::BUSINESS_ID, business),
            (header::NONCE, NONCE),
            (header::TIMESTAMP, TS),
        ];
        if let Some(s) = sign {
            pairs.push((header::SIGN, s));
        }
        if let Some(t) = sign_type {
            pairs.push((header::SIGN_TYPE, t));
        }
        if let Some(c) = ct {
            pairs.push(("Content-Type", c));
        }
        headers(&pairs)
    }

    /// The callbacks are signed at `TS`: the freshness window is measured a minute later.
    fn at_ts() -> std::sync::Arc<vipcharge::FixedClock> {
        std::sync::Arc::new(vipcharge::FixedClock::from_millis(
            1_628_772_138_668 + 60_000,
        ))
    }

    fn verifier() -> NotifyVerifier {
        NotifyVerifier::new(BUSINESS, PlatformVerifier::md5(SECRET)).clock(at_ts())
    }

    fn refused(what: &str, r: Result<Notification, Error>) -> NotifyError {
        match r {
            Err(Error::Notify(e)) => e,
            other => panic!("{what}: expected Error::Notify, got {other:?}"),
        }
    }

    #[test]
    fn every_attack_is_refused_with_its_own_error() {
        let v = verifier();
        let json = Some("application/json");
        let ok = body("2", "12.50", "");
        let sig = md5(SECRET, BUSINESS, Some("MD5"), &ok);
        let n = v
            .verify(&hdrs(BUSINESS, Some(&sig), Some("MD5"), json), &ok)
            .expect("a valid callback verifies");
        assert_eq!(n.order_code(), "O-ATTACK-1");
        assert!(n.status().expect("status").is_success());
        assert_eq!(
            n.settlement_price().map(|d| d.to_string()).as_deref(),
            Some("12.50")
        );

        let h = |sign: &str| hdrs(BUSINESS, Some(sign), Some("MD5"), json);
        let e = refused(
            "forged",
            v.verify(&h("0123456789ABCDEF0123456789ABCDEF"), &ok),
        );
        assert!(matches!(e, NotifyError::BadSignature), "forged: {e:?}");
        let e = refused("malformed", v.verify(&h("not-hex!"), &ok));
        assert!(
            matches!(e, NotifyError::MalformedSignature { .. }),
            "malformed: {e:?}"
        );
        let e = refused(
            "missing",
            v.verify(&hdrs(BUSINESS, None, Some("MD5"), json), &ok),
        );
        assert!(matches!(e, NotifyError::MissingSignature), "missing: {e:?}");
        let e = refused(
            "other secret",
            v.verify(&h(&md5(OTHER_SECRET, BUSINESS, Some("MD5"), &ok)), &ok),
        );
        assert!(
            matches!(e, NotifyError::BadSignature),
            "other secret: {e:?}"
        );
        let other = "00000000000000000000000000000000";
        let theirs = md5(OTHER_SECRET, other, Some("MD5"), &ok);
        let e = refused(
            "other business",
            v.verify(&hdrs(other, Some(&theirs), Some("MD5"), json), &ok),
        );
        assert!(
            matches!(e, NotifyError::WrongMerchant { .. }),
            "other business: {e:?}"
        );
        let e = refused(
            "sign type",
            v.verify(&hdrs(BUSINESS, Some(&sig), Some("SHA256-RSA"), json), &ok),
        );
        assert!(
            matches!(e, NotifyError::SignTypeMismatch { .. }),
            "signType: {e:?}"
        );

        let e = refused("amount", v.verify(&h(&sig), &body("2", "1250.00", "")));
        assert!(
            matches!(e, NotifyError::BadSignature),
            "tampered amount: {e:?}"
        );
        let failed = body("3", "12.50", "");
        let e = refused(
            "status",
            v.verify(&h(&md5(SECRET, BUSINESS, Some("MD5"), &failed)), &ok),
        );
        assert!(
            matches!(e, NotifyError::BadSignature),
            "tampered status: {e:?}"
        );

        let added = body("2", "12.50", r#","bonus":"1""#);
        let e = refused("added field", v.verify(&h(&sig), &added));
        assert!(
            matches!(e, NotifyError::BadSignature),
            "field added after signing: {e:?}"
        );
        let n = v
            .verify(&h(&md5(SECRET, BUSINESS, Some("MD5"), &added)), &added)
            .expect("a signed body with an unknown field is accepted");
        assert_eq!(n.extra().get("bonus").and_then(|b| b.as_str()), Some("1"));

        let e = refused(
            "content type",
            v.verify(
                &hdrs(BUSINESS, Some(&sig), Some("MD5"), Some("text/plain")),
                &ok,
            ),
        );
        assert!(
            matches!(e, NotifyError::ContentType { .. }),
            "content type: {e:?}"
        );
        let big = padded_json(&ok);
        let e = refused(
            "oversized",
            v.verify(&h(&md5(SECRET, BUSINESS, Some("MD5"), &big)), &big),
        );
        assert!(
            matches!(e, NotifyError::BodyTooLarge { .. }),
            "oversized: {e:?}"
        );
        let bad = invalid_utf8_json(&ok);
        let e = refused(
            "utf-8",
            v.verify(&h(&md5(SECRET, BUSINESS, Some("MD5"), &bad)), &bad),
        );
        assert!(matches!(e, NotifyError::NotUtf8), "invalid UTF-8: {e:?}");
        let e = refused(
            "missing nonce",
            v.verify(
                &headers(&[
                    (header::BUSINESS_ID, BUSINESS),
                    (header::TIMESTAMP, TS),
                    (header::SIGN, &sig),
                ]),
                &ok,
            ),
        );
        assert!(
            matches!(e, NotifyError::MissingHeader { name: "nonce" }),
            "no nonce: {e:?}"
        );
    }

    /// SHA256-RSA callbacks, verified with the platform public key: a signature made with another
    /// key (here: an MD5 merchant's secret turned into a base64 string) or over a tampered body is
    /// refused.
    #[test]
    fn rsa_callbacks_refuse_other_keys_and_tampering() {
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/vectors/vipcharge_test_key.pem"
        ))
        .expect("test key");
        let key = RsaPrivateKey::parse(&pem).expect("test key parses");
        let v =
            NotifyVerifier::new(BUSINESS, PlatformVerifier::rsa(key.public_key())).clock(at_ts());
        let ok = body("2", "12.50", "");
        let sign = |b: &[u8]| {
            RsaSha256Signer::new(key.clone())
                .sign_encoded(
                    &string_to_sign(BUSINESS, NONCE, None, TS, b),
                    SignatureEncoding::Base64,
                )
                .expect("signs")
        };
        let sig = sign(&ok);
        let h = |s: &str| hdrs(BUSINESS, Some(s), None, Some("application/json"));
        v.verify(&h(&sig), &ok)
            .expect("a valid RSA callback verifies");
        let e = refused("rsa amount", v.verify(&h(&sig), &body("2", "1250.00", "")));
        assert!(matches!(e, NotifyError::BadSignature), "tampered: {e:?}");
        let md5_sig = md5(SECRET, BUSINESS, None, &ok);
        let e = refused("rsa with md5", v.verify(&h(&md5_sig), &ok));
        assert!(
            matches!(
                e,
                NotifyError::BadSignature | NotifyError::MalformedSignature { .. }
            ),
            "an MD5 signature on an RSA verifier: {e:?}"
        );
        let e = refused(
            "rsa sign type",
            v.verify(&hdrs(BUSINESS, Some(&sig), Some("MD5"), None), &ok),
        );
        assert!(
            matches!(e, NotifyError::SignTypeMismatch { .. }),
            "signType MD5: {e:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------

mod tokenpay_attacks {
    use std::sync::Arc;
    use std::time::Duration;

    use serde_json::{Value, json};
    use tokenpay::sign::{AppKey, reply_signing_string};
    use tokenpay::{Error, Notification, NotifyError, NotifyVerifier};

    use super::*;

    const APP_ID: &str = "8e4b8c2e7c0000000001a1cbd3d59e0b";
    const MCH_ID: &str = "1234567890";
    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const OTHER_SECRET: &str = "fedcba9876543210fedcba9876543210";
    const TS: &str = "1763800001000";
    const NONCE: &str = "nonce-attack-1";
    const RESOURCE_NONCE: &str = "a1b2c3d4e5f6";

    fn key(secret: &str) -> AppKey {
        AppKey::new(&Secret::new(secret)).expect("32-byte secret")
    }

    fn envelope(event: &str, app_id: &str, mch_id: &str) -> Value {
        json!({
            "app_id": app_id,
            "mch_id": mch_id,
            "create_time": "2023-06-26T17:21:17.754429+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event,
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM"}
        })
    }

    /// The envelope with its resource encrypted with `resource_secret`.
    fn body(mut env: Value, amount: u64, resource_secret: &str) -> Vec<u8> {
        let plain = format!(
            r#"{{"out_trade_no":"TP-ATTACK-1","transaction_id":"t1","trade_state":"SUCCESS","amount":{amount},"decimals":6}}"#
        );
        let ct = key(resource_secret)
            .encrypt_resource(RESOURCE_NONCE, None, plain.as_bytes())
            .expect("encrypts");
        let r = env["resource"].as_object_mut().expect("resource");
        r.insert("ciphertext".into(), ct.into());
        r.insert("nonce".into(), RESOURCE_NONCE.into());
        serde_json::to_vec(&env).expect("JSON")
    }

    fn sign(secret: &str, body: &[u8]) -> String {
        key(secret)
            .sign(&reply_signing_string(TS, NONCE, body))
            .expect("signs")
    }

    fn hdrs(sig: Option<&str>, ct: Option<&str>) -> HeaderMap {
        let mut pairs = vec![("TTPay-Timestamp", TS), ("TTPay-Nonce", NONCE)];
        if let Some(s) = sig {
            pairs.push(("TTPay-Signature", s));
        }
        if let Some(c) = ct {
            pairs.push(("Content-Type", c));
        }
        headers(&pairs)
    }

    fn verifier() -> NotifyVerifier {
        // TS is a fixed 2025 time; freshness is checked by default (24 h window).
        NotifyVerifier::new(APP_ID, MCH_ID, SECRET)
            .expect("verifier")
            .clock(Arc::new(tokenpay::FixedClock::from_millis(
                1_763_800_002_000,
            )))
    }

    fn refused(what: &str, r: Result<Notification, Error>) -> NotifyError {
        match r {
            Err(Error::Notify(e)) => e,
            other => panic!("{what}: expected Error::Notify, got {other:?}"),
        }
    }

    #[test]
    fn every_attack_is_refused_with_its_own_error() {
        let v = verifier();
        let json = Some("application/json");
        let ok = body(
            envelope("TRANSACTION.SUCCESS", APP_ID, MCH_ID),
            9_000_000,
            SECRET,
        );
        let sig = sign(SECRET, &ok);
        let n = v
            .verify(&hdrs(Some(&sig), json), &ok)
            .expect("a valid callback verifies");
        assert!(n.is_success());
        let t = n.transaction().expect("a transaction");
        assert_eq!(t.out_trade_no.as_deref(), Some("TP-ATTACK-1"));

        let e = refused(
            "forged",
            v.verify(&hdrs(Some("AAAAAAAAAAAAAAAAAAAAAA=="), json), &ok),
        );
        assert!(matches!(e, NotifyError::BadSignature), "forged: {e:?}");
        let e = refused(
            "malformed",
            v.verify(&hdrs(Some("***not base64***"), json), &ok),
        );
        assert!(
            matches!(
                e,
                NotifyError::MalformedHeader {
                    header: "TTPay-Signature",
                    ..
                }
            ),
            "malformed: {e:?}"
        );
        let e = refused("missing", v.verify(&hdrs(None, json), &ok));
        assert!(
            matches!(e, NotifyError::MissingHeader("TTPay-Signature")),
            "missing: {e:?}"
        );
        let e = refused(
            "other secret",
            v.verify(&hdrs(Some(&sign(OTHER_SECRET, &ok)), json), &ok),
        );
        assert!(
            matches!(e, NotifyError::BadSignature),
            "other secret: {e:?}"
        );
        let theirs = body(
            envelope("TRANSACTION.SUCCESS", "another-app", MCH_ID),
            9_000_000,
            SECRET,
        );
        let e = refused(
            "other app",
            v.verify(&hdrs(Some(&sign(SECRET, &theirs)), json), &theirs),
        );
        assert!(
            matches!(
                e,
                NotifyError::WrongMerchant {
                    field: "app_id",
                    ..
                }
            ),
            "other app: {e:?}"
        );
        let theirs = body(
            envelope("TRANSACTION.SUCCESS", APP_ID, "999"),
            9_000_000,
            SECRET,
        );
        let e = refused(
            "other mch",
            v.verify(&hdrs(Some(&sign(SECRET, &theirs)), json), &theirs),
        );
        assert!(
            matches!(
                e,
                NotifyError::WrongMerchant {
                    field: "mch_id",
                    ..
                }
            ),
            "other mch: {e:?}"
        );
        // A resource sealed with another merchant's secret, under a valid outer signature.
        let foreign = body(
            envelope("TRANSACTION.SUCCESS", APP_ID, MCH_ID),
            9_000_000,
            OTHER_SECRET,
        );
        let e = refused(
            "foreign resource",
            v.verify(&hdrs(Some(&sign(SECRET, &foreign)), json), &foreign),
        );
        assert!(matches!(e, NotifyError::Decrypt), "foreign resource: {e:?}");

        // The amount lives in the encrypted resource: swap in a resource with a bigger amount.
        let bigger = body(
            envelope("TRANSACTION.SUCCESS", APP_ID, MCH_ID),
            90_000_000,
            SECRET,
        );
        let e = refused("amount", v.verify(&hdrs(Some(&sig), json), &bigger));
        assert!(
            matches!(e, NotifyError::BadSignature),
            "tampered amount: {e:?}"
        );
        let failed = body(
            envelope("TRANSACTION.FAIL", APP_ID, MCH_ID),
            9_000_000,
            SECRET,
        );
        let flipped = replace_once(&failed, "TRANSACTION.FAIL", "TRANSACTION.SUCCESS");
        let e = refused(
            "status",
            v.verify(&hdrs(Some(&sign(SECRET, &failed)), json), &flipped),
        );
        assert!(
            matches!(e, NotifyError::BadSignature),
            "tampered status: {e:?}"
        );

        let mut env = envelope("TRANSACTION.SUCCESS", APP_ID, MCH_ID);
        env["bonus"] = "1".into();
        let added_body = body(env, 9_000_000, SECRET);
        let e = refused(
            "added field",
            v.verify(&hdrs(Some(&sig), json), &added_body),
        );
        assert!(
            matches!(e, NotifyError::BadSignature),
            "field added after signing: {e:?}"
        );
        let n = v
            .verify(&hdrs(Some(&sign(SECRET, &added_body)), json), &added_body)
            .expect("a signed body with an unknown field is accepted");
        assert_eq!(
            n.meta().extra.get("bonus").and_then(Value::as_str),
            Some("1")
        );

        let e = refused(
            "content type",
            v.verify(&hdrs(Some(&sig), Some("text/plain")), &ok),
        );
        assert!(
            matches!(e, NotifyError::WrongContentType(_)),
            "content type: {e:?}"
        );
        let big = padded_json(&ok);
        let e = refused(
            "oversized",
            v.verify(&hdrs(Some(&sign(SECRET, &big)), json), &big),
        );
        assert!(
            matches!(e, NotifyError::BodyTooLarge { .. }),
            "oversized: {e:?}"
        );
        let bad = invalid_utf8_json(&ok);
        let e = refused(
            "utf-8",
            v.verify(&hdrs(Some(&sign(SECRET, &bad)), json), &bad),
        );
        assert!(matches!(e, NotifyError::NotUtf8), "invalid UTF-8: {e:?}");
        let stale = verifier().max_age(Duration::from_secs(300)).clock(Arc::new(
            tokenpay::FixedClock::from_millis(1_763_900_000_000),
        ));
        let e = refused("stale", stale.verify(&hdrs(Some(&sig), json), &ok));
        assert!(matches!(e, NotifyError::Stale { .. }), "stale: {e:?}");
    }

    /// `TTPAY-AES-256-ECB` "signs" by encrypting the message with AES in ECB mode, so 16-byte
    /// blocks can be cut and pasted: duplicating a block that lies inside the envelope's
    /// `create_time` (and the matching ciphertext block) yields another body whose signature
    /// checks. This is the provider's scheme, not the crate's choice; what the crate must keep is
    /// that everything money-related comes from the AES-GCM-sealed resource, which a splice
    /// cannot change.
    #[test]
    fn ecb_block_splices_cannot_change_the_sealed_transaction() {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let v = verifier();
        let ok = body(
            envelope("TRANSACTION.SUCCESS", APP_ID, MCH_ID),
            9_000_000,
            SECRET,
        );
        let msg = reply_signing_string(TS, NONCE, &ok);
        let sig = b64.decode(sign(SECRET, &ok)).expect("base64");
        assert_eq!(sig.len() % 16, 0);
        let prefix = msg.len() - ok.len();
        let text = std::str::from_utf8(&msg).expect("UTF-8");
        let start = text.find("2023-06-26T17").expect("create_time");
        let k = start.div_ceil(16); // first block fully inside the value
        assert!(
            16 * (k + 1) <= start + 32,
            "a whole block inside create_time"
        );
        let block = 16 * k..16 * (k + 1);
        let mut spliced = msg[..block.end].to_vec();
        spliced.extend_from_slice(&msg[block.clone()]);
        spliced.extend_from_slice(&msg[block.end..]);
        let mut spliced_sig = sig[..block.end].to_vec();
        spliced_sig.extend_from_slice(&sig[block.clone()]);
        spliced_sig.extend_from_slice(&sig[block.end..]);
        let spliced_body = &spliced[prefix..];
        let original = v
            .verify(
                &hdrs(Some(&b64.encode(&sig)), Some("application/json")),
                &ok,
            )
            .expect("original verifies");
        match v.verify(
            &hdrs(Some(&b64.encode(&spliced_sig)), Some("application/json")),
            spliced_body,
        ) {
            Ok(n) => {
                // Accepted (the scheme allows it): the envelope changed ...
                assert_ne!(n.meta().create_time, original.meta().create_time);
                // ... but not the sealed transaction, nor success.
                assert_eq!(n.transaction(), original.transaction());
                assert_eq!(n.is_success(), original.is_success());
            }
            Err(Error::Notify(e)) => assert!(matches!(e, NotifyError::BadSignature), "{e:?}"),
            Err(e) => panic!("spliced callback: {e:?}"),
        }
    }
}
