//! sign-core: `CanonicalParams::from_json_object` and `from_form` on arbitrary bytes, then the
//! canonical string and its explanation in every style. Nothing may panic; the explanation
//! always accounts for every field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sign_core::{CanonicalParams, CanonicalStyle, ValueEncoding};

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
        let canonical = p.to_canonical(&style, &["amount"]);
        let e = p.explain(&style, &["amount"], "&key=***");
        assert_eq!(e.canonical(), canonical);
        assert_eq!(e.included().len() + e.skipped().len(), p.pairs().len());
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = CanonicalParams::from_json_object(data) {
        every_style(&p);
    }
    if let Ok(p) = CanonicalParams::from_form(data) {
        every_style(&p);
    }
});
