//! paydesk: the notify verifier. The body is signed with the verifier's key, so verification
//! passes and the JSON parser behind it is reached; odd first bytes send it unsigned instead.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paydesk::api::OrderKind;
use paydesk::notify::{NotifyHeaders, NotifyVerifier};
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
    let h = NotifyHeaders::new(Some("1002001"), Some(&sig), Some("application/json"));
    let r = v.verify_headers(h, body, None);
    if mode % 2 == 1 {
        assert!(r.is_err(), "an unsigned body verified");
    }
    for kind in [OrderKind::Cashier, OrderKind::PayIn, OrderKind::PayOut] {
        let _ = v.verify_headers(h, body, Some(kind));
    }
});
