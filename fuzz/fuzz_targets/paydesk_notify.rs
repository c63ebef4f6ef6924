//! paydesk: the notify verifier. The body is signed with the verifier's key, so verification
//! passes and the JSON parser behind it is reached; odd first bytes send it unsigned instead.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paydesk::api::OrderKind;
use paydesk::http::{HeaderMap, HeaderValue};
use paydesk::notify::NotifyVerifier;
use paydesk::{Secret, sign};

const KEY: &str = "testApiKey";

fuzz_target!(|data: &[u8]| {
    let Some((mode, body)) = data.split_first() else {
        return;
    };
    let v = NotifyVerifier::new(1002001, KEY);
    let sig = if mode % 2 == 0 {
        sign::signature(&Secret::new(KEY), body)
    } else {
        "0123456789ABCDEF0123456789ABCDEF".to_owned()
    };
    let mut h = HeaderMap::new();
    h.insert("MerchantId", HeaderValue::from_static("1002001"));
    h.insert("Sign", HeaderValue::from_str(&sig).expect("hex"));
    h.insert("Content-Type", HeaderValue::from_static("application/json"));
    let r = v.verify(&h, body);
    if mode % 2 == 1 {
        assert!(r.is_err(), "an unsigned body verified");
    }
    for kind in [OrderKind::Cashier, OrderKind::PayIn, OrderKind::PayOut] {
        let _ = v.clone().verify_as(kind).verify(&h, body);
    }
});
