//! The `Payhub-Signature` scheme through the public API.

use std::time::Duration;

use payhub_store::signature::{SignatureError, sign, verify};

const NOW: i64 = 1_767_225_600;
const TOL: Duration = Duration::from_secs(300);

#[test]
fn a_signed_body_verifies() {
    let body = br#"{"id":7,"amount":"10.50"}"#;
    let header = sign(b"whsec", NOW, body);
    assert_eq!(verify(b"whsec", &header, body, TOL, NOW + 299), Ok(()));
}

#[test]
fn a_tampered_body_is_refused() {
    let header = sign(b"whsec", NOW, br#"{"amount":"10.50"}"#);
    assert_eq!(
        verify(b"whsec", &header, br#"{"amount":"99.50"}"#, TOL, NOW),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify(b"other-secret", &header, br#"{"amount":"10.50"}"#, TOL, NOW),
        Err(SignatureError::Mismatch)
    );
    // Re-signing the same body with another timestamp does not validate an old signature.
    let v1 = header.split_once(",v1=").expect("v1").1;
    let moved = format!("t={},v1={v1}", NOW + 1);
    assert_eq!(
        verify(b"whsec", &moved, br#"{"amount":"10.50"}"#, TOL, NOW),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_stale_timestamp_is_refused() {
    let header = sign(b"whsec", NOW, b"{}");
    assert_eq!(
        verify(b"whsec", &header, b"{}", TOL, NOW + 3600),
        Err(SignatureError::Stale {
            age_secs: 3600,
            tolerance_secs: 300
        })
    );
}

#[test]
fn a_malformed_header_is_refused() {
    for header in [
        "",
        "t=",
        "v1=ab",
        "t=1767225600",
        "t=x,v1=00",
        "t=1767225600;v1=00",
    ] {
        assert!(
            matches!(
                verify(b"whsec", header, b"{}", TOL, NOW),
                Err(SignatureError::Malformed { .. })
            ),
            "{header:?}"
        );
    }
}
