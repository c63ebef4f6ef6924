//! Replay protection of callbacks: the signed `timestamp` must be inside the freshness window
//! (default 24 hours old, 5 minutes ahead), in milliseconds or seconds; overridable, and off.

use std::sync::Arc;
use std::time::Duration;

use sign_core::{Md5Signer, Secret, SecretSuffix};
use vipcharge::notify::{CallbackHeaders, Freshness, NotifyError, NotifyVerifier, RETRY_SCHEDULE};
use vipcharge::sign::{PlatformVerifier, string_to_sign};
use vipcharge::{Client, Credentials, Error, FixedClock};

use crate::support::SECRET;

/// "Now" for these tests: 2026-12-06 12:00:00 UTC, in milliseconds.
const NOW_MS: i64 = 1_796_558_400_000;
const HOUR_MS: i64 = 3_600_000;
const BODY: &[u8] =
    br#"{"orderCode":"O-1","bizCode":"B-1","orderStatus":2,"settlementPrice":19.80}"#;

/// A genuine callback (signed with the secret) carrying `timestamp` as given.
fn callback(timestamp: &str) -> CallbackHeaders {
    let msg = string_to_sign("166", "n-fresh", None, timestamp, BODY);
    let sign = Md5Signer::new(Secret::new(SECRET), SecretSuffix::Plain).sign_hex_upper(&msg);
    CallbackHeaders::new()
        .header("businessId", "166")
        .header("nonce", "n-fresh")
        .header("timestamp", timestamp)
        .header("sign", sign)
}

fn verifier() -> NotifyVerifier {
    NotifyVerifier::new("166", PlatformVerifier::md5(SECRET))
        .clock(Arc::new(FixedClock::from_millis(NOW_MS)))
}

fn refused(r: Result<vipcharge::Notification, Error>) -> NotifyError {
    match r {
        Err(Error::Notify(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn millis(ms: i64) -> String {
    ms.to_string()
}

fn seconds(ms: i64) -> String {
    (ms / 1000).to_string()
}

#[test]
fn a_days_old_genuine_callback_is_refused_by_default_in_both_units() {
    let v = verifier();
    let old = NOW_MS - 3 * 24 * HOUR_MS;
    for ts in [millis(old), seconds(old)] {
        let e = refused(v.verify(&callback(&ts).to_header_map(), BODY));
        assert_eq!(
            e,
            NotifyError::Stale {
                age_secs: 3 * 24 * 3600,
                max_age_secs: 24 * 3600
            },
            "{ts}"
        );
        assert!(e.to_string().contains("259200 s old"), "{e}");
    }
    // Just past the window.
    let e = refused(v.verify(
        &callback(&millis(NOW_MS - 24 * HOUR_MS - 1000)).to_header_map(),
        BODY,
    ));
    assert!(matches!(e, NotifyError::Stale { .. }), "{e:?}");
}

#[test]
fn a_callback_within_the_whole_retry_schedule_passes_in_both_units() {
    let v = verifier();
    // The last redelivery comes about 10.5 hours after the first delivery; if it keeps its
    // first signing time it is that old. Every point of the schedule passes, plus margin.
    let mut elapsed = Duration::ZERO;
    let mut ages = vec![0_i64];
    for step in RETRY_SCHEDULE {
        elapsed += step;
        ages.push(i64::try_from(elapsed.as_millis()).expect("fits"));
    }
    ages.push(23 * HOUR_MS);
    assert!(ages.iter().any(|a| *a > 10 * HOUR_MS), "{ages:?}");
    for age in ages {
        for ts in [millis(NOW_MS - age), seconds(NOW_MS - age)] {
            let n = v
                .verify(&callback(&ts).to_header_map(), BODY)
                .unwrap_or_else(|e| panic!("age {age} ms ({ts}): {e}"));
            assert_eq!(n.order_code(), "O-1");
        }
    }
}

#[test]
fn clock_skew_into_the_future_is_tolerated_up_to_five_minutes() {
    let v = verifier();
    for ts in [millis(NOW_MS + 4 * 60_000), seconds(NOW_MS + 4 * 60_000)] {
        v.verify(&callback(&ts).to_header_map(), BODY)
            .unwrap_or_else(|e| panic!("{ts}: {e}"));
    }
    let e = refused(v.verify(&callback(&millis(NOW_MS + HOUR_MS)).to_header_map(), BODY));
    assert_eq!(
        e,
        NotifyError::FromTheFuture {
            ahead_secs: 3600,
            max_future_skew_secs: 300
        }
    );
}

#[test]
fn a_timestamp_that_is_not_a_unix_time_is_refused_after_the_signature() {
    let v = verifier();
    for ts in [
        "2026-12-06T12:00:00Z",
        "-1796558400000",
        "17965584000001234567",
    ] {
        assert_eq!(
            refused(v.verify(&callback(ts).to_header_map(), BODY)),
            NotifyError::BadTimestamp,
            "{ts}"
        );
    }
    // A forged callback with a bad timestamp is a signature failure first.
    let h = CallbackHeaders::new()
        .header("businessId", "166")
        .header("nonce", "n-fresh")
        .header("timestamp", "nonsense")
        .header("sign", "0123456789ABCDEF0123456789ABCDEF");
    assert_eq!(
        refused(v.verify(&h.to_header_map(), BODY)),
        NotifyError::BadSignature
    );
}

#[test]
fn the_window_is_overridable_and_can_be_turned_off() {
    let old = millis(NOW_MS - 3 * 24 * HOUR_MS);
    let wide = verifier().freshness(Some(Freshness::new(
        Duration::from_secs(4 * 24 * 3600),
        Duration::from_secs(60),
    )));
    wide.verify(&callback(&old).to_header_map(), BODY)
        .expect("inside a 4-day window");
    let off = verifier().freshness(None);
    off.verify(&callback(&old).to_header_map(), BODY)
        .expect("freshness off");
    off.verify(&callback("not-a-time").to_header_map(), BODY)
        .expect("freshness off reads no time");
    let tight = verifier().freshness(Some(Freshness::new(
        Duration::from_secs(60),
        Duration::ZERO,
    )));
    assert!(matches!(
        refused(tight.verify(&callback(&millis(NOW_MS - 120_000)).to_header_map(), BODY)),
        NotifyError::Stale {
            age_secs: 120,
            max_age_secs: 60
        }
    ));
}

#[test]
fn the_client_verifier_uses_the_client_clock_and_window() {
    let old = millis(NOW_MS - 3 * 24 * HOUR_MS);
    let client = |freshness| {
        Client::builder("166", "166", Credentials::md5(SECRET))
            .base_url("https://open.example.com")
            .clock(Arc::new(FixedClock::from_millis(NOW_MS)))
            .notify_freshness(freshness)
            .build()
            .expect("client")
            .notify_verifier()
            .expect("verifier")
    };
    let default = Client::builder("166", "166", Credentials::md5(SECRET))
        .base_url("https://open.example.com")
        .clock(Arc::new(FixedClock::from_millis(NOW_MS)))
        .build()
        .expect("client")
        .notify_verifier()
        .expect("verifier");
    default
        .verify(&callback(&millis(NOW_MS - HOUR_MS)).to_header_map(), BODY)
        .expect("fresh on the client clock");
    assert!(matches!(
        refused(default.verify(&callback(&old).to_header_map(), BODY)),
        NotifyError::Stale { .. }
    ));
    client(None)
        .verify(&callback(&old).to_header_map(), BODY)
        .expect("off through the builder");
}
