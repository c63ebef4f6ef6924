//! vipcharge: the callback verifier, with the body correctly signed (MD5 over the sorted
//! headers and the raw body), so the JSON reader behind the signature check is reached.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sign_core::{Md5Signer, Secret, SecretSuffix};
use vipcharge::notify::{CallbackHeaders, NotifyVerifier};
use vipcharge::sign::{PlatformVerifier, string_to_sign};

const SECRET: &str = "testSignKey";

fuzz_target!(|data: &[u8]| {
    let msg = string_to_sign("166", "n-1", None, "1628757969177", data);
    let sig = Md5Signer::new(Secret::new(SECRET), SecretSuffix::Plain).sign_hex_upper(&msg);
    let h = CallbackHeaders::new()
        .header("businessId", "166")
        .header("nonce", "n-1")
        .header("timestamp", "1628757969177")
        .header("sign", &sig);
    let v = NotifyVerifier::new("166", PlatformVerifier::md5(SECRET));
    if let Err(vipcharge::Error::Notify(e)) = v.verify(&h.to_header_map(), data) {
        assert!(
            !matches!(e, vipcharge::notify::NotifyError::BadSignature),
            "a correctly signed callback failed: {e:?}"
        );
    }
});
