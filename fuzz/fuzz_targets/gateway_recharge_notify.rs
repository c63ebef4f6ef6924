//! gateway-recharge: the callback verifier. When the input is a JSON object its fields are
//! signed with the documented rule (as JSON and as a form), so the reader behind the signature
//! check is reached; a correctly signed body never fails authentication.
#![no_main]

use gateway_recharge::notify::NotifyVerifier;
use gateway_recharge::sign;
use libfuzzer_sys::fuzz_target;
use sign_core::{CanonicalParams, Secret};

const KEY: &str = "adesf235";

/// Headers with this `Content-Type` (or none).
fn headers(ct: Option<&'static str>) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    if let Some(ct) = ct {
        h.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(ct));
    }
    h
}

fuzz_target!(|data: &[u8]| {
    let v = NotifyVerifier::new("M1234567890", KEY);
    let _ = v.verify(&headers(None), data);
    let _ = v.verify(&headers(Some("application/x-www-form-urlencoded")), data);
    let Ok(params) = CanonicalParams::from_json_object(data) else {
        return;
    };
    if params.get("sign").is_some() {
        return;
    }
    let sig = sign::sign(&params, &sign::signer(Secret::new(KEY)));
    let mut json = serde_json::Map::new();
    for (k, val) in params.pairs() {
        json.insert(k.clone(), serde_json::Value::String(val.clone()));
    }
    json.insert("sign".into(), sig.clone().into());
    let body = serde_json::to_vec(&json).expect("JSON");
    if let Err(gateway_recharge::Error::Notify(e)) = v.verify(&headers(Some("application/json")), &body)
    {
        assert!(
            !e.is_authentication_failure() || params.get("merchant_no").is_some(),
            "a correctly signed callback failed: {e:?}"
        );
    }
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(params.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())));
    form.append_pair("sign", &sig);
    let _ = v.verify(
        &headers(Some("application/x-www-form-urlencoded")),
        form.finish().as_bytes(),
    );
});
