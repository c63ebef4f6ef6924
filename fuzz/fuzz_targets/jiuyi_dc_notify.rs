//! jiuyi-dc: the notify verifier. The input is read as form pairs, signed with the dcapi rule
//! and sent as a form and as JSON, so the reader behind the signature check is reached; a
//! correctly signed notify never fails its signature.
#![no_main]

use jiuyi_dc::notify::NotifyVerifier;
use jiuyi_dc::sign::RequestSigner;
use libfuzzer_sys::fuzz_target;
use sign_core::Secret;

const SECRET: &str = "HJH546HKDHK";

/// Request headers with `content_type` (none for `None`), for `NotifyVerifier::verify`.
fn ct(content_type: Option<&'static str>) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    if let Some(v) = content_type {
        h.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(v));
    }
    h
}

fuzz_target!(|data: &[u8]| {
    let v = NotifyVerifier::new(SECRET);
    let _ = v.verify(&ct(None), data);
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(data)
        .filter(|(k, _)| k != "sign")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let pairs = || fields.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let (sig, _) = RequestSigner::new(Secret::new(SECRET)).sign(pairs(), &[]);
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(pairs());
    form.append_pair("sign", &sig);
    if let Err(jiuyi_dc::Error::Notify(e)) = v.verify(
        &ct(Some("application/x-www-form-urlencoded")),
        form.finish().as_bytes(),
    ) {
        assert!(
            !matches!(e, jiuyi_dc::error::NotifyError::BadSignature),
            "a correctly signed notify failed: {e:?}"
        );
    }
    let mut json = serde_json::Map::new();
    for (k, val) in pairs() {
        json.insert(k.to_owned(), val.into());
    }
    json.insert("sign".into(), sig.into());
    let _ = v.verify(
        &ct(Some("application/json")),
        &serde_json::to_vec(&json).expect("JSON"),
    );
});
