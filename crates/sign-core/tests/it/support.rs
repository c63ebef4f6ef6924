//! Shared helpers: where the fixtures live, reading a vector file, building parameters, and the
//! list of compiled-in RSA backends.
// Reason: with fewer features some modules are left out, and their helpers have no caller.
#![cfg_attr(
    not(all(
        feature = "md5",
        feature = "aes",
        any(feature = "aws-lc-rs", feature = "rsa")
    )),
    allow(dead_code)
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use sign_core::CanonicalParams;

/// The shared golden vectors (identical copies, never edited).
pub(crate) fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/vectors")
}

/// Fixtures derived from the vectors at test-write time (see the README there).
pub(crate) fn derived_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/vectors-derived")
}

/// One vector file: its provider name, its rule in prose and its cases.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct VectorFile<C> {
    pub(crate) provider: String,
    pub(crate) rule: String,
    pub(crate) cases: Vec<C>,
}

/// Reads and parses `fixtures/vectors/<file>`; panics with the path on any problem.
pub(crate) fn load<C: DeserializeOwned>(file: &str) -> VectorFile<C> {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let parsed: VectorFile<C> = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()));
    assert!(!parsed.rule.is_empty(), "{file}: rule text is empty");
    assert!(!parsed.cases.is_empty(), "{file}: no cases");
    parsed
}

/// Reads a file from `dir` as bytes; panics with the path on failure.
pub(crate) fn read(dir: &Path, file: &str) -> Vec<u8> {
    let path = dir.join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Parameters in the map's (sorted) order.
pub(crate) fn params(map: &BTreeMap<String, String>) -> CanonicalParams {
    let mut p = CanonicalParams::with_capacity(map.len());
    for (k, v) in map {
        p.push(k.as_str(), v.as_str());
    }
    p
}

/// Parameters in reverse order: the canonical string must not depend on input order.
pub(crate) fn params_reversed(map: &BTreeMap<String, String>) -> CanonicalParams {
    let mut p = CanonicalParams::with_capacity(map.len());
    for (k, v) in map.iter().rev() {
        p.push(k.as_str(), v.as_str());
    }
    p
}

/// `signed` with the trailing `secret` replaced by `***`, as an `Explanation` shows it.
pub(crate) fn masked(signed: &str, secret: &str) -> String {
    let head = signed
        .strip_suffix(secret)
        .unwrap_or_else(|| panic!("signed string does not end with the secret: {signed:?}"));
    format!("{head}***")
}

/// The base64 body of a PEM file (header, footer and line breaks removed).
pub(crate) fn pem_body(pem: &[u8]) -> String {
    let text = std::str::from_utf8(pem).expect("PEM is UTF-8");
    text.lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat()
}

/// The DER inside a PEM file, decoded independently of sign-core's PEM reader.
pub(crate) fn pem_der(pem: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(pem_body(pem))
        .expect("PEM body is base64")
}

/// Every RSA backend compiled into this build.
#[cfg(any(feature = "aws-lc-rs", feature = "rsa"))]
pub(crate) fn rsa_backends() -> Vec<&'static dyn sign_core::rsa::RsaBackend> {
    vec![
        #[cfg(feature = "aws-lc-rs")]
        &sign_core::rsa::aws_lc::BACKEND,
        #[cfg(feature = "rsa")]
        &sign_core::rsa::rust_crypto::BACKEND,
    ]
}

/// Flips the lowest bit of byte `i` (modulo the length).
pub(crate) fn flip_bit(bytes: &[u8], i: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let n = out.len();
    out[i % n] ^= 1;
    out
}

#[test]
fn every_vector_file_is_covered_by_this_suite() {
    // A new provider file in the shared vectors must get a test here, not be silently ignored.
    const COVERED: [&str; 5] = [
        "gateway-recharge.json",
        "jiuyi-dc.json",
        "paydesk.json",
        "tokenpay.json",
        "vipcharge.json",
    ];
    let mut found: Vec<String> = std::fs::read_dir(vectors_dir())
        .expect("fixtures/vectors exists")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".json"))
        .collect();
    found.sort();
    assert_eq!(found, COVERED);
    for file in COVERED {
        let v: VectorFile<serde_json::Value> = load(file);
        assert_eq!(format!("{}.json", v.provider), file);
    }
}

#[cfg(all(feature = "aws-lc-rs", feature = "rsa"))]
#[test]
fn both_rsa_backends_are_compiled_in_with_all_features() {
    let names: Vec<&str> = rsa_backends().iter().map(|b| b.name()).collect();
    assert_eq!(names, ["aws-lc-rs", "rsa"]);
}
