//! Hostile input (issue 10): property tests that fill the gaps the provider crates' own suites
//! leave (they each cover a few reply parsers, and feed their notify parsers mostly bytes that
//! never pass the signature check, so the parser behind it is not reached).
//!
//! For each provider:
//! - **every** reply parser (every operation) gets mutated real replies (seeded from the
//!   fixture corpus: leaves replaced by hostile values, keys deleted, huge numbers, wrong types,
//!   truncation) and arbitrary bytes;
//! - the notify verifier gets mutated bodies that are **correctly signed**, so parsing after the
//!   signature check is exercised;
//! - its canonical-string builder round-trips arbitrary field values: what it signs verifies.
//!
//! And sign-core's `CanonicalParams::from_json_object` / `from_form` with every canonical style.
//! Nothing may panic; every result is a value or a typed error. 8,800 cases per run.
//!
//! `cargo test -p payhub-sandbox --test hostile_input`

use std::path::Path;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

/// Cases per property (11 properties: 8,800 cases).
const CASES: u32 = 800;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// The seed corpus: every JSON body found in a provider's fixtures.

fn seeds(provider: &str) -> Vec<Vec<u8>> {
    fn walk(dir: &Path, out: &mut Vec<Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "json")
                && let Ok(text) = std::fs::read_to_string(&p)
                && let Ok(v) = serde_json::from_str::<Value>(&text)
            {
                collect(&v, None, out);
            }
        }
    }
    fn collect(v: &Value, key: Option<&str>, out: &mut Vec<Vec<u8>>) {
        match v {
            Value::String(s) => {
                if let Ok(Value::Object(_) | Value::Array(_)) = serde_json::from_str::<Value>(s) {
                    out.push(s.as_bytes().to_vec());
                }
            }
            Value::Object(m) => {
                if matches!(
                    key,
                    Some("body" | "envelope" | "data" | "resource_plaintext")
                ) {
                    out.push(serde_json::to_vec(v).expect("JSON"));
                }
                for (k, x) in m {
                    collect(x, Some(k), out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| collect(x, key, out)),
            _ => {}
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut out = Vec::new();
    walk(&root.join(provider), &mut out);
    out.sort();
    out.dedup();
    assert!(
        out.len() >= 10,
        "{provider}: only {} seed bodies in fixtures/",
        out.len()
    );
    out
}

// ---------------------------------------------------------------------------------------------
// Mutations.

#[derive(Clone, Debug)]
enum Leaf {
    Null,
    Bool(bool),
    Int(i64),
    /// Raw number text (beyond f64, exponents, negative zero ...).
    Raw(String),
    Str(String),
    Obj,
    Arr,
}

fn leaf() -> impl Strategy<Value = Leaf> {
    prop_oneof![
        Just(Leaf::Null),
        any::<bool>().prop_map(Leaf::Bool),
        any::<i64>().prop_map(Leaf::Int),
        prop_oneof![
            "-?[0-9]{1,40}",
            "-?[0-9]{1,30}\\.[0-9]{1,30}",
            "-?[0-9]\\.?[0-9]{0,3}[eE][-+]?[0-9]{1,4}",
            Just("-0".to_owned()),
            Just("18446744073709551616".to_owned()),
        ]
        .prop_map(Leaf::Raw),
        prop_oneof![
            "\\PC{0,24}",
            "[0-9]{0,20}(\\.[0-9]{0,12})?",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}",
            Just("SUCCESS".to_owned()),
            Just("\u{202e}\u{0}\u{ffff}".to_owned()),
        ]
        .prop_map(Leaf::Str),
        Just(Leaf::Obj),
        Just(Leaf::Arr),
    ]
}

#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the node at this index (pre-order) by a leaf.
    Replace(Index, Leaf),
    /// Delete the node at this index from its parent.
    Delete(Index),
    /// Add a key with a leaf to the object at this index.
    Add(Index, String, Leaf),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), leaf()).prop_map(|(i, l)| Mutation::Replace(i, l)),
        2 => any::<Index>().prop_map(Mutation::Delete),
        1 => (any::<Index>(), "[a-zA-Z_]{1,12}", leaf()).prop_map(|(i, k, l)| Mutation::Add(i, k, l)),
    ]
}

/// A mutated seed: which seed, the mutations, and an optional truncation.
#[derive(Clone, Debug)]
struct Mutated {
    seed: Index,
    mutations: Vec<Mutation>,
    truncate: Option<Index>,
}

fn mutated() -> impl Strategy<Value = Mutated> {
    (
        any::<Index>(),
        prop::collection::vec(mutation(), 0..5),
        prop::option::weighted(0.15, any::<Index>()),
    )
        .prop_map(|(seed, mutations, truncate)| Mutated {
            seed,
            mutations,
            truncate,
        })
}

/// Pre-order paths of every node (as a list of child positions).
fn paths(v: &Value, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(here.clone());
    let children: Vec<&Value> = match v {
        Value::Object(m) => m.values().collect(),
        Value::Array(a) => a.iter().collect(),
        _ => return,
    };
    for (i, c) in children.into_iter().enumerate() {
        here.push(i);
        paths(c, here, out);
        here.pop();
    }
}

fn node<'a>(mut v: &'a mut Value, path: &[usize]) -> &'a mut Value {
    for i in path {
        let len = match &*v {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if *i >= len {
            break;
        }
        v = match v {
            Value::Object(m) => m.values_mut().nth(*i).expect("index checked"),
            Value::Array(a) => &mut a[*i],
            other => other,
        };
    }
    v
}

impl Mutated {
    /// The mutated body; raw number leaves are spliced in as text after serialization.
    fn apply(&self, seeds: &[Vec<u8>]) -> Vec<u8> {
        let seed = self.seed.get(seeds);
        let Ok(mut v) = serde_json::from_slice::<Value>(seed) else {
            return seed.clone();
        };
        let mut raws = Vec::new();
        let mut to_value = |l: &Leaf| match l {
            Leaf::Null => Value::Null,
            Leaf::Bool(b) => Value::Bool(*b),
            Leaf::Int(i) => Value::from(*i),
            Leaf::Raw(r) => {
                raws.push(r.clone());
                Value::String(format!("@@RAW{}@@", raws.len() - 1))
            }
            Leaf::Str(s) => Value::String(s.clone()),
            Leaf::Obj => Value::Object(serde_json::Map::new()),
            Leaf::Arr => Value::Array(Vec::new()),
        };
        for m in &self.mutations {
            let mut all = Vec::new();
            paths(&v, &mut Vec::new(), &mut all);
            match m {
                Mutation::Replace(i, l) => {
                    let path: &Vec<usize> = i.get(&all);
                    *node(&mut v, path) = to_value(l);
                }
                Mutation::Delete(i) => {
                    let path: &Vec<usize> = i.get(&all);
                    if let Some((last, parent)) = path.split_last() {
                        match node(&mut v, parent) {
                            Value::Object(o) => {
                                if let Some(k) = o.keys().nth(*last).cloned() {
                                    o.remove(&k);
                                }
                            }
                            Value::Array(a) if *last < a.len() => {
                                a.remove(*last);
                            }
                            _ => {}
                        }
                    }
                }
                Mutation::Add(i, k, l) => {
                    let value = to_value(l);
                    let path: &Vec<usize> = i.get(&all);
                    if let Value::Object(o) = node(&mut v, path) {
                        o.insert(k.clone(), value);
                    }
                }
            }
        }
        let mut text = serde_json::to_string(&v).expect("JSON");
        for (i, r) in raws.iter().enumerate() {
            text = text.replace(&format!("\"@@RAW{i}@@\""), r);
        }
        let mut bytes = text.into_bytes();
        if let Some(t) = &self.truncate {
            bytes.truncate(t.index(bytes.len() + 1));
        }
        bytes
    }
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![4 => Just(200u16), 1 => 100u16..600]
}

fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..300)
}

// ---------------------------------------------------------------------------------------------

mod paydesk_hostile {
    use std::sync::LazyLock;

    use paydesk::api::{
        BalanceRequest, BankListRequest, OrderKind, PayDeskQueryRequest, PayDeskRequest,
        PayInBankListRequest, PayInQueryRequest, PayInRequest, PayOutQueryRequest, PayOutRequest,
        parse_reply,
    };
    use paydesk::notify::NotifyVerifier;
    use paydesk::{Secret, sign};

    use super::*;

    static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| seeds("paydesk"));
    const KEY: &str = "testApiKey";

    fn every_parser(status: u16, body: &[u8]) -> usize {
        let mut ok = 0;
        ok += usize::from(parse_reply::<PayDeskRequest>(status, body).is_ok());
        ok += usize::from(parse_reply::<PayDeskQueryRequest>(status, body).is_ok());
        ok += usize::from(parse_reply::<PayInRequest>(status, body).is_ok());
        ok += usize::from(parse_reply::<PayInQueryRequest>(status, body).is_ok());
        ok += usize::from(parse_reply::<PayOutRequest>(status, body).is_ok());
        ok += usize::from(parse_reply::<PayOutQueryRequest>(status, body).is_ok());
        ok += usize::from(parse_reply::<BalanceRequest>(status, body).is_ok());
        ok += usize::from(parse_reply::<BankListRequest>(status, body).is_ok());
        ok += usize::from(parse_reply::<PayInBankListRequest>(status, body).is_ok());
        ok
    }

    fn signed_notify(body: &[u8]) {
        let v = NotifyVerifier::new(1002001, KEY);
        let s = sign::signature(&Secret::new(KEY), body);
        let mut h = http::HeaderMap::new();
        h.insert("MerchantId", http::HeaderValue::from_static("1002001"));
        h.insert("Sign", http::HeaderValue::from_str(&s).expect("hex"));
        h.insert(
            "Content-Type",
            http::HeaderValue::from_static("application/json"),
        );
        let _ = v.verify(&h, body);
        for kind in [OrderKind::Cashier, OrderKind::PayIn, OrderKind::PayOut] {
            let _ = v.clone().verify_as(kind).verify(&h, body);
        }
    }

    /// The corpus is real: unmutated seeds parse with some parser.
    #[test]
    fn seeds_are_real_replies() {
        let parsed = SEEDS.iter().filter(|b| every_parser(200, b) > 0).count();
        assert!(parsed >= 5, "only {parsed} of {} seeds parse", SEEDS.len());
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn mutated_replies_and_signed_notifies_never_panic(m in mutated(), status in status(), junk in body_bytes()) {
            let body = m.apply(&SEEDS);
            every_parser(status, &body);
            every_parser(status, &junk);
            signed_notify(&body);
            signed_notify(&junk);
        }
    }
}

// ---------------------------------------------------------------------------------------------

mod gateway_recharge_hostile {
    use std::sync::LazyLock;

    use gateway_recharge::api::{
        BalanceRequest, CreateOrderRequest, DepositQueryRequest, DepositRequest, RawRequest,
    };
    use gateway_recharge::{Client, sign};
    use rust_decimal::Decimal;
    use sign_core::{CanonicalParams, Secret};

    use super::*;

    static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| seeds("gateway-recharge"));
    static CLIENT: LazyLock<Client> = LazyLock::new(|| {
        Client::builder("M1234567890", KEY)
            .base_url("https://gateway.example")
            .build()
            .expect("client")
    });
    const KEY: &str = "adesf235";

    fn every_parser(status: u16, body: &[u8]) -> usize {
        let mut ok = 0;
        let c = &*CLIENT;
        let url = "https://a.example/";
        ok += usize::from(c.decode_reply(&BalanceRequest::new(), status, body).is_ok());
        ok += usize::from(
            c.decode_reply(&DepositQueryRequest::new("O1"), status, body)
                .is_ok(),
        );
        ok += usize::from(
            c.decode_reply(&RawRequest::new("/x", [("a", "b")]), status, body)
                .is_ok(),
        );
        let create = CreateOrderRequest::new("O1", Decimal::ONE, "r", "c", "::1", url, url);
        ok += usize::from(c.decode_reply(&create, status, body).is_ok());
        let deposit = DepositRequest::new("u", "O1", Decimal::ONE, url, url, "r", "::1");
        ok += usize::from(c.decode_reply(&deposit, status, body).is_ok());
        ok
    }

    /// `body` (a JSON object without `sign`) signed by the documented rule, as JSON and as a form.
    fn signed_notify(body: &[u8]) {
        let v = CLIENT.notify_verifier();
        let _ = v.verify(&headers(Some("application/json")), body);
        let Ok(params) = CanonicalParams::from_json_object(body) else {
            return;
        };
        if params.get("sign").is_some() {
            // Kept when the seed did not re-serialize (numbers beyond f64): already verified above.
            return;
        }
        let sig = sign::sign(&params, &sign::signer(Secret::new(KEY)));
        let text = std::str::from_utf8(body).unwrap_or("{}").trim_start();
        let rest = text.strip_prefix('{').unwrap_or("}").trim_start();
        let joined = if rest.starts_with('}') {
            format!("{{\"sign\":\"{sig}\"}}")
        } else {
            format!("{{\"sign\":\"{sig}\",{rest}")
        };
        let r = v.verify(&headers(Some("application/json")), joined.as_bytes());
        if let Err(gateway_recharge::Error::Notify(e)) = &r {
            assert!(
                !e.is_authentication_failure() || params.get("merchant_no").is_some(),
                "a correctly signed body failed authentication: {e:?}"
            );
        }
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(params.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())));
        form.append_pair("sign", &sig);
        let _ = v.verify(
            &headers(Some("application/x-www-form-urlencoded")),
            form.finish().as_bytes(),
        );
    }

    /// `verify` with a `Content-Type` header (or none).
    fn headers(ct: Option<&str>) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        if let Some(ct) = ct {
            let value = http::HeaderValue::from_str(ct).expect("header value");
            h.insert(http::header::CONTENT_TYPE, value);
        }
        h
    }

    fn without_sign(body: Vec<u8>) -> Vec<u8> {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(mut m)) => {
                m.remove("sign");
                serde_json::to_vec(&m).expect("JSON")
            }
            _ => body,
        }
    }

    /// The corpus is real: unmutated seeds parse with some parser.
    #[test]
    fn seeds_are_real_replies() {
        let parsed = SEEDS.iter().filter(|b| every_parser(200, b) > 0).count();
        assert!(parsed >= 5, "only {parsed} of {} seeds parse", SEEDS.len());
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn mutated_replies_and_signed_notifies_never_panic(m in mutated(), status in status(), junk in body_bytes()) {
            let body = m.apply(&SEEDS);
            every_parser(status, &body);
            every_parser(status, &junk);
            signed_notify(&without_sign(body));
            signed_notify(&junk);
        }

        /// The canonical builder: whatever string fields are signed verify, in any order, and a
        /// changed value does not.
        #[test]
        fn arbitrary_fields_sign_and_verify(
            fields in prop::collection::btree_map("[a-z_]{1,10}", "\\PC{0,16}", 1..8),
            flip in any::<Index>(),
        ) {
            let fields: Vec<(String, String)> =
                fields.into_iter().filter(|(k, _)| k != "sign").collect();
            prop_assume!(!fields.is_empty());
            let signer = sign::signer(Secret::new(KEY));
            let mut p = CanonicalParams::new();
            for (k, v) in fields.iter().rev() {
                p.push(k.clone(), v.clone());
            }
            let sig = sign::sign(&p, &signer);
            let mut forward = CanonicalParams::new();
            for (k, v) in &fields {
                forward.push(k.clone(), v.clone());
            }
            prop_assert_eq!(&sign::sign(&forward, &signer), &sig, "order does not matter");
            forward.push("sign", sig.clone());
            prop_assert!(sign::verify(&forward, &signer).is_ok());
            let (k, v) = flip.get(&fields);
            let mut changed = CanonicalParams::new();
            for (k2, v2) in &fields {
                changed.push(k2.clone(), if k2 == k { format!("{v}x") } else { v2.clone() });
            }
            changed.push("sign", sig);
            prop_assert!(sign::verify(&changed, &signer).is_err());
        }
    }
}

// ---------------------------------------------------------------------------------------------

#[allow(deprecated)] // The retired card endpoints still parse replies and are fuzzed too.
mod jiuyi_dc_hostile {
    use std::sync::LazyLock;

    use jiuyi_dc::api::CardPayOrderRequest;
    use jiuyi_dc::api::CardQueryCardDetailRequest;
    use jiuyi_dc::api::CardQueryCardListRequest;
    use jiuyi_dc::api::CardQueryCardRequest;
    use jiuyi_dc::api::CardQueryOrderRequest;
    use jiuyi_dc::api::ConfirmOrderRequest;
    use jiuyi_dc::api::DrawOrderRequest;
    use jiuyi_dc::api::PayRequest;
    use jiuyi_dc::api::QueryCardCategoryRequest;
    use jiuyi_dc::api::QueryCardInfoRequest;
    use jiuyi_dc::api::QueryCardListRequest;
    use jiuyi_dc::api::QueryCardRequest;
    use jiuyi_dc::api::QueryCashRequest;
    use jiuyi_dc::api::QueryOrderRequest;
    use jiuyi_dc::api::read_reply;
    use jiuyi_dc::notify::NotifyVerifier;
    use jiuyi_dc::sign::RequestSigner;
    use sign_core::{CanonicalParams, Secret};

    use super::*;

    static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| seeds("jiuyi-dc"));
    const SECRET: &str = "HJH546HKDHK";

    /// Request headers with `content_type` (none for `None`), for `NotifyVerifier::verify`.
    fn ct(content_type: Option<&str>) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        if let Some(v) = content_type {
            h.insert(http::header::CONTENT_TYPE, v.parse().expect("header value"));
        }
        h
    }

    fn every_parser(status: u16, body: &[u8]) -> usize {
        let mut ok = 0;
        let b = || body.to_vec();
        ok += usize::from(read_reply::<PayRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<QueryOrderRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<QueryCashRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<DrawOrderRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<ConfirmOrderRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<QueryCardCategoryRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<QueryCardListRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<QueryCardInfoRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<QueryCardRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<CardPayOrderRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<CardQueryOrderRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<CardQueryCardListRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<CardQueryCardDetailRequest>(status, b()).is_ok());
        ok += usize::from(read_reply::<CardQueryCardRequest>(status, b()).is_ok());
        ok
    }

    /// The fields of `body` (JSON object) signed by the dcapi rule, as a form and as JSON.
    fn signed_notify(body: &[u8]) {
        let v = NotifyVerifier::new(SECRET);
        let _ = v.verify(&ct(None), body);
        let Ok(params) = CanonicalParams::from_json_object(body) else {
            return;
        };
        let fields: Vec<(&str, &str)> = params
            .pairs()
            .iter()
            .filter(|(k, _)| k != "sign")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (sig, _) = RequestSigner::new(Secret::new(SECRET)).sign(fields.iter().copied(), &[]);
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(fields.iter().copied());
        form.append_pair("sign", &sig);
        let r = v.verify(
            &ct(Some("application/x-www-form-urlencoded")),
            form.finish().as_bytes(),
        );
        if let Err(jiuyi_dc::Error::Notify(e)) = &r {
            assert!(
                !matches!(e, jiuyi_dc::error::NotifyError::BadSignature),
                "a correctly signed form failed: {e:?}"
            );
        }
        let mut json = serde_json::Map::new();
        for (k, v) in &fields {
            json.insert((*k).to_owned(), Value::String((*v).to_owned()));
        }
        json.insert("sign".into(), sig.into());
        let _ = v.verify(
            &ct(Some("application/json")),
            &serde_json::to_vec(&json).expect("JSON"),
        );
    }

    /// The corpus is real: unmutated seeds parse with some parser.
    #[test]
    fn seeds_are_real_replies() {
        let parsed = SEEDS.iter().filter(|b| every_parser(200, b) > 0).count();
        assert!(parsed >= 5, "only {parsed} of {} seeds parse", SEEDS.len());
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn mutated_replies_and_signed_notifies_never_panic(m in mutated(), status in status(), junk in body_bytes()) {
            let body = m.apply(&SEEDS);
            every_parser(status, &body);
            every_parser(status, &junk);
            signed_notify(&body);
            signed_notify(&junk);
        }

        /// The canonical builder (PHP urlencode, empty values skipped): any values sign and verify
        /// through a form notify, whatever their characters.
        #[test]
        fn arbitrary_fields_sign_and_verify(
            fields in prop::collection::btree_map("[a-z_]{1,10}", "\\PC{1,16}", 1..8),
        ) {
            let fields: Vec<(String, String)> = fields
                .into_iter()
                .filter(|(k, v)| k != "sign" && !v.trim().is_empty())
                .collect();
            prop_assume!(!fields.is_empty());
            let pairs = || fields.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            let (sig, explanation) = RequestSigner::new(Secret::new(SECRET)).sign(pairs(), &[]);
            prop_assert!(!explanation.signed_string().contains(SECRET));
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.extend_pairs(pairs());
            form.append_pair("sign", &sig);
            let r = NotifyVerifier::new(SECRET).verify(&ct(Some("application/x-www-form-urlencoded")), form.finish().as_bytes());
            if let Err(jiuyi_dc::Error::Notify(e)) = &r {
                prop_assert!(
                    !matches!(e, jiuyi_dc::error::NotifyError::BadSignature | jiuyi_dc::error::NotifyError::MalformedSignature),
                    "signed fields failed verification: {:?}", e
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------

mod vipcharge_hostile {
    use std::sync::LazyLock;

    use rust_decimal::Decimal;
    use sign_core::{Md5Signer, Secret, SecretSuffix};
    use vipcharge::api::{
        AlipayCouponsRequest, AlipayTransferRequest, BalanceRequest, BatchItem, BatchRequest,
        CouponRequest, GasCardRequest, OrderInfoRequest, ProductCodeRequest, ProductListRequest,
        RedPacketRequest, VipChargeRequest, WechatCouponsRequest, WechatTransferRequest,
    };
    use vipcharge::notify::{CallbackHeaders, NotifyVerifier};
    use vipcharge::sign::{PlatformVerifier, string_to_sign};
    use vipcharge::types::GasCardType;
    use vipcharge::{Client, Credentials};

    use super::*;

    static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| seeds("vipcharge"));
    static CLIENT: LazyLock<Client> = LazyLock::new(|| {
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/vectors/vipcharge_test_key.pem"
        ))
        .expect("test key");
        Client::builder("166", "166", Credentials::md5(SECRET))
            .base_url("https://open.example.com")
            .card_key(pem)
            .build()
            .expect("client")
    });
    const SECRET: &str = "testSignKey";

    fn every_parser(status: u16, body: &[u8]) -> usize {
        let mut ok = 0;
        let c = &*CLIENT;
        let h = http::HeaderMap::new();
        let one = Decimal::ONE;
        ok += usize::from(
            c.read_reply(&VipChargeRequest::new("p", "a", "b"), status, &h, body)
                .is_ok(),
        );
        ok += usize::from(
            c.read_reply(&OrderInfoRequest::by_biz_code("b"), status, &h, body)
                .is_ok(),
        );
        ok += usize::from(
            c.read_reply(&OrderInfoRequest::by_order_code("o"), status, &h, body)
                .is_ok(),
        );
        ok += usize::from(
            c.read_reply(&CouponRequest::new("p", "b"), status, &h, body)
                .is_ok(),
        );
        ok += usize::from(
            c.read_reply(&BalanceRequest::new(), status, &h, body)
                .is_ok(),
        );
        ok += usize::from(
            c.read_reply(&ProductListRequest::new(), status, &h, body)
                .is_ok(),
        );
        ok += usize::from(
            c.read_reply(&ProductCodeRequest::new("p"), status, &h, body)
                .is_ok(),
        );
        ok += usize::from(
            c.read_reply(&AlipayTransferRequest::new("b", "p", one), status, &h, body)
                .is_ok(),
        );
        ok += usize::from(
            c.read_reply(
                &AlipayCouponsRequest::new("13800138000", "p"),
                status,
                &h,
                body,
            )
            .is_ok(),
        );
        ok += usize::from(
            c.read_reply(&WechatTransferRequest::new("openid", "p"), status, &h, body)
                .is_ok(),
        );
        ok += usize::from(
            c.read_reply(&WechatCouponsRequest::new("openid"), status, &h, body)
                .is_ok(),
        );
        ok += usize::from(
            c.read_reply(
                &GasCardRequest::new("100011", GasCardType::Sinopec),
                status,
                &h,
                body,
            )
            .is_ok(),
        );
        ok += usize::from(
            c.read_reply(&RedPacketRequest::new("t"), status, &h, body)
                .is_ok(),
        );
        let batch = BatchRequest::new("B1", "p").item(BatchItem::new("b1", "a1"));
        ok += usize::from(c.read_reply(&batch, status, &h, body).is_ok());
        ok
    }

    fn signed_notify(body: &[u8]) {
        let msg = string_to_sign("166", "n-1", None, "1628757969177", body);
        let sig = Md5Signer::new(Secret::new(SECRET), SecretSuffix::Plain).sign_hex_upper(&msg);
        let h = CallbackHeaders::new()
            .header("businessId", "166")
            .header("nonce", "n-1")
            .header("timestamp", "1628757969177")
            .header("sign", &sig)
            .header("Content-Type", "application/json");
        // Freshness off: this drives the body parser, which a stale timestamp would skip.
        let r = NotifyVerifier::new("166", PlatformVerifier::md5(SECRET))
            .freshness(None)
            .verify(&h.to_header_map(), body);
        if let Err(vipcharge::Error::Notify(e)) = &r {
            assert!(
                !matches!(e, vipcharge::notify::NotifyError::BadSignature),
                "a correctly signed body failed: {e:?}"
            );
        }
    }

    /// The corpus is real: unmutated seeds parse with some parser.
    #[test]
    fn seeds_are_real_replies() {
        let parsed = SEEDS.iter().filter(|b| every_parser(200, b) > 0).count();
        assert!(parsed >= 5, "only {parsed} of {} seeds parse", SEEDS.len());
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn mutated_replies_and_signed_notifies_never_panic(m in mutated(), status in status(), junk in body_bytes()) {
            let body = m.apply(&SEEDS);
            every_parser(status, &body);
            every_parser(status, &junk);
            signed_notify(&body);
            signed_notify(&junk);
        }

        /// The string to sign: sorted non-empty headers, then the body bytes, for any visible
        /// header values; it verifies through the callback path for any body.
        #[test]
        fn string_to_sign_round_trips(
            business in "[!-~]{1,24}", nonce in "[!-~]{1,36}", ts in "[0-9]{10,13}",
            body in prop::collection::vec(any::<u8>(), 0..200),
        ) {
            let msg = string_to_sign(&business, &nonce, Some("MD5"), &ts, &body);
            prop_assert!(msg.ends_with(&body));
            prop_assert_eq!(&msg, &string_to_sign(&business, &nonce, Some("MD5"), &ts, &body));
            let head = String::from_utf8_lossy(&msg[..msg.len() - body.len()]).into_owned();
            prop_assert_eq!(head, format!("businessId={business}&nonce={nonce}&signType=MD5&timestamp={ts}"));
            let sig = Md5Signer::new(Secret::new(SECRET), SecretSuffix::Plain).sign_hex_upper(&msg);
            let h = CallbackHeaders::new()
                .header("businessId", &business)
                .header("nonce", &nonce)
                .header("signType", "MD5")
                .header("timestamp", &ts)
                .header("sign", &sig);
            let r = NotifyVerifier::new(business.clone(), PlatformVerifier::md5(SECRET)).freshness(None).verify(&h.to_header_map(), &body);
            if let Err(vipcharge::Error::Notify(e)) = &r {
                prop_assert!(
                    !matches!(e, vipcharge::notify::NotifyError::BadSignature),
                    "signed callback failed: {:?}", e
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------

mod tokenpay_hostile {
    use std::sync::LazyLock;

    use tokenpay::api::{
        BalanceRequest, CloseOrderRequest, ClosePayoutRequest, CreatePayoutRequest,
        CurrenciesRequest, DeleteWalletRequest, InsertWalletRequest, PrepayRequest,
        QueryOrderRequest, QueryPayoutRequest, QueryWalletRequest, UpdateWalletRequest,
    };
    use tokenpay::sign::{AppKey, reply_signing_string, request_signing_string};
    use tokenpay::{Client, NotifyError, NotifyVerifier, RawResponse, Secret};

    use super::*;

    static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| seeds("tokenpay"));
    static CLIENT: LazyLock<Client> = LazyLock::new(|| {
        Client::builder(APP_ID, MCH_ID, SECRET)
            .base_url("https://api.tokenpay.example")
            .build()
            .expect("client")
    });
    static KEY: LazyLock<AppKey> =
        LazyLock::new(|| AppKey::new(&Secret::new(SECRET)).expect("key"));
    const APP_ID: &str = "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd";
    const MCH_ID: &str = "1234567890";
    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn every_parser(status: u16, body: &[u8]) -> usize {
        let mut ok = 0;
        let c = &*CLIENT;
        for signed in [false, true] {
            let mut headers = http::HeaderMap::new();
            if signed {
                let sig = KEY
                    .sign(&reply_signing_string("1763800001000", "n", body))
                    .expect("signs");
                headers.insert(
                    "TTPay-Timestamp",
                    http::HeaderValue::from_static("1763800001000"),
                );
                headers.insert("TTPay-Nonce", http::HeaderValue::from_static("n"));
                headers.insert("TTPay-Signature", sig.parse().expect("header"));
            }
            let r = RawResponse {
                status,
                headers,
                body: body.to_vec().into(),
                elapsed: std::time::Duration::ZERO,
            };
            ok += usize::from(c.read_reply::<PrepayRequest>(&r).is_ok());
            ok += usize::from(c.read_reply::<QueryOrderRequest>(&r).is_ok());
            ok += usize::from(c.read_reply::<CloseOrderRequest>(&r).is_ok());
            ok += usize::from(c.read_reply::<CreatePayoutRequest>(&r).is_ok());
            ok += usize::from(c.read_reply::<QueryPayoutRequest>(&r).is_ok());
            ok += usize::from(c.read_reply::<ClosePayoutRequest>(&r).is_ok());
            ok += usize::from(c.read_reply::<BalanceRequest>(&r).is_ok());
            ok += usize::from(c.read_reply::<CurrenciesRequest>(&r).is_ok());
            ok += usize::from(c.read_reply::<InsertWalletRequest>(&r).is_ok());
            ok += usize::from(c.read_reply::<UpdateWalletRequest>(&r).is_ok());
            ok += usize::from(c.read_reply::<DeleteWalletRequest>(&r).is_ok());
            ok += usize::from(c.read_reply::<QueryWalletRequest>(&r).is_ok());
        }
        ok
    }

    fn verify_signed(body: &[u8]) -> Result<tokenpay::Notification, tokenpay::Error> {
        let sig = KEY
            .sign(&reply_signing_string("1763800001000", "nonce-1", body))
            .expect("signs");
        let mut h = http::HeaderMap::new();
        h.insert(
            "TTPay-Timestamp",
            http::HeaderValue::from_static("1763800001000"),
        );
        h.insert("TTPay-Nonce", http::HeaderValue::from_static("nonce-1"));
        h.insert("TTPay-Signature", sig.parse().expect("header"));
        NotifyVerifier::new(APP_ID, MCH_ID, SECRET)
            .expect("verifier")
            .verify(&h, body)
    }

    /// A correctly signed callback whose envelope is `body`; if it has a `resource` object, its
    /// ciphertext is (re)made from `plain`, so the decrypted-resource parser is reached too.
    fn signed_notify(body: &[u8], plain: &[u8]) {
        let mut bytes = body.to_vec();
        if let Ok(Value::Object(mut env)) = serde_json::from_slice::<Value>(body) {
            env.insert("app_id".into(), APP_ID.into());
            env.insert("mch_id".into(), MCH_ID.into());
            if let Some(Value::Object(r)) = env.get_mut("resource") {
                let ct = KEY
                    .encrypt_resource("a1b2c3d4e5f6", None, plain)
                    .expect("encrypts");
                r.insert("ciphertext".into(), ct.into());
                r.insert("nonce".into(), "a1b2c3d4e5f6".into());
                r.remove("associated_data");
            }
            bytes = serde_json::to_vec(&env).expect("JSON");
        }
        if let Err(tokenpay::Error::Notify(e)) = verify_signed(&bytes) {
            assert!(
                !matches!(e, NotifyError::BadSignature),
                "a signed callback failed: {e:?}"
            );
        }
    }

    /// The corpus is real: unmutated seeds parse with some parser.
    #[test]
    fn seeds_are_real_replies() {
        let parsed = SEEDS.iter().filter(|b| every_parser(200, b) > 0).count();
        assert!(parsed >= 5, "only {parsed} of {} seeds parse", SEEDS.len());
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn mutated_replies_and_signed_notifies_never_panic(
            m in mutated(), p in mutated(), status in status(), junk in body_bytes(),
        ) {
            let body = m.apply(&SEEDS);
            let plain = p.apply(&SEEDS);
            every_parser(status, &body);
            every_parser(status, &junk);
            signed_notify(&body, &plain);
            signed_notify(&junk, &junk);
        }

        /// Both signing strings: `PATH\nTS\nNONCE\nBODY` and `TS\nNONCE\nBODY`, signed and
        /// verified by the app key for any body; one flipped body byte fails.
        #[test]
        fn signing_strings_round_trip(
            path in "/[a-z/]{0,20}(\\?[a-z=&]{0,10})?", ts in "[0-9]{13}", nonce in "[0-9A-F]{32}",
            body in prop::collection::vec(any::<u8>(), 1..200), at in any::<Index>(),
        ) {
            let req = request_signing_string(&path, &ts, &nonce, &body);
            prop_assert_eq!(req.len(), path.len() + ts.len() + nonce.len() + body.len() + 3);
            let sig = KEY.sign(&req).expect("signs");
            prop_assert!(KEY.verify(&req, &sig).is_ok());
            let rep = reply_signing_string(&ts, &nonce, &body);
            prop_assert!(req.ends_with(&rep));
            let sig = KEY.sign(&rep).expect("signs");
            let mut changed = body.clone();
            let i = at.index(changed.len());
            changed[i] ^= 0x01;
            prop_assert!(KEY.verify(&reply_signing_string(&ts, &nonce, &changed), &sig).is_err());
        }
    }
}

// ---------------------------------------------------------------------------------------------

mod sign_core_hostile {
    use std::sync::LazyLock;

    use sign_core::{CanonicalParams, CanonicalStyle, ValueEncoding};

    use super::*;

    static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
        let mut all = Vec::new();
        for p in [
            "paydesk",
            "gateway-recharge",
            "jiuyi-dc",
            "vipcharge",
            "tokenpay",
        ] {
            all.extend(seeds(p));
        }
        all
    });

    fn styles() -> [CanonicalStyle; 4] {
        [
            CanonicalStyle::ascii_raw(),
            CanonicalStyle::ascii_raw().skip_empty(true),
            CanonicalStyle::ascii_raw()
                .skip_empty(true)
                .encoding(ValueEncoding::PhpUrlencode),
            CanonicalStyle::ascii_raw()
                .exclude(["sign", "sign_type"])
                .separators(",", ":"),
        ]
    }

    fn every_style(p: &CanonicalParams) {
        for style in styles() {
            let c = p.to_canonical(&style, &["amount"]);
            let e = p.explain(&style, &["amount"], "&key=***");
            assert_eq!(e.canonical(), c);
            assert_eq!(e.included().len() + e.skipped().len(), p.pairs().len());
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn from_json_object_and_from_form_never_panic(m in mutated(), junk in body_bytes()) {
            let body = m.apply(&SEEDS);
            for bytes in [&body, &junk] {
                if let Ok(p) = CanonicalParams::from_json_object(bytes) {
                    every_style(&p);
                }
                let p = CanonicalParams::from_form(bytes).expect("from_form never fails today");
                every_style(&p);
            }
        }

        /// Canonical strings do not depend on the order fields arrive in (ASCII order), and the
        /// raw style of a JSON object's string fields is exactly `k=v` joined by `&`.
        #[test]
        fn canonical_strings_are_order_free(
            fields in prop::collection::btree_map("[!-~&&[^\"\\\\]]{1,10}", "\\PC{0,12}", 0..10),
            seed in any::<u64>(),
        ) {
            let json = serde_json::to_vec(&fields).expect("JSON");
            let p = CanonicalParams::from_json_object(&json).expect("an object of strings");
            prop_assume!(!fields.contains_key("sign") && !fields.contains_key("sign_type"));
            let mut shuffled: Vec<(&String, &String)> = fields.iter().collect();
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let j = usize::try_from(state >> 33).unwrap_or(0) % (i + 1);
                shuffled.swap(i, j);
            }
            let mut q = CanonicalParams::new();
            for (k, v) in shuffled {
                q.push(k.clone(), v.clone());
            }
            for style in styles() {
                prop_assert_eq!(p.to_canonical(&style, &[]), q.to_canonical(&style, &[]));
            }
            let expected: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            prop_assert_eq!(p.to_canonical(&CanonicalStyle::ascii_raw(), &[]), expected.join("&"));
        }
    }
}
