//! Callbacks (issues 23 and 24): `resource.nonce` of any length from 1 to 64 bytes, payout and
//! wallet callbacks typed apart from orders, and freshness on by default with 10- and 13-digit
//! timestamps.

use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::json;
use tokenpay::notify::{DEFAULT_MAX_AGE, Notification, NotifyVerifier};
use tokenpay::types::{AmountUnit, TradeState};
use tokenpay::{Error, NotifyError};

use crate::support::{self, APP_ID, MCH_ID};

const TS_MS: i64 = 1_763_800_001_000;
const SIG_NONCE: &str = "7f3c9a0e5b2d4c6a8e1f0b3d5c7a9e2f";
const ORDER_PLAIN: &str = r#"{"out_trade_no":"A-1001","transaction_id":"e98b3029477f4bdcb971797a9d9e09ce","trade_state":"SUCCESS","amount":9000000,"decimals":6,"chain":"TRON","currency":"USDT"}"#;

/// `ORDER_PLAIN` sealed with AES-256-GCM under the vector secret by OpenSSL (Python
/// `cryptography`), not by this crate: (nonce, base64(ciphertext || tag)).
const OPENSSL_SEALED: [(&str, &str); 4] = [
    (
        "a1b2c3d4",
        "pJD/YyKQFiFRmcwc8HQ7AAX1paVcqsuGPtN8eLKkgznkmYkDesdnZhKCf8Wd4aXdLddBZuieEmwzdSmLhC1BNigQlPpf7QyGDfpqrdbxw/T83CrYq9eIllRzVxgBxePzm1n2r8v+lwi2gNu+4HtHrs0BIXxIxuNrmT6E0aCRiPQlM/mBN5kfbK7tHY7/nDyfhAujGp1psE1Hf4FwQLCTv0FoZs8yxrazb/ATa6LhpwliZ8ej",
    ),
    (
        "a1b2c3d4e5f6",
        "XB6AYUjndFbh+NAj34vT6jXohaFARQONblHne/kBFaKG+OqiDlMPUCoFpfNrOzywJhMcfWI0QB7Ovs+TwHSJMy8nJmracrsdnzG/DT7JWAP6E0nKPgG7lnWpjMTeJRcq+iRGURiOwYVM7rbdygf2QUH0N0nFzUBqRWo2UwIbf0SZDFq+AMs9NpPY3pol5eUoFg02KBro+sS3fG4MmRZk/QBqPwz/0QyUetJ+Yr1ZJvSbLCuN",
    ),
    (
        "a1b2c3d4e5f6a7b8",
        "Z7XNR7JO+h/R18JrjkiO0GBr/r3bZ4RvJfQhriuk8hH9yoo6AMr3HnuC4Qvt7hZIroRmOVGpYbJLdWXP4rpk7A0fvPeRvW1jz9/DFTqcUOryGrSiCanvPJ+qoExZGA0KUsNlgTfs75wB5fC0Gha6VSqsP79Wxr7BZ2DcV8oAsQK0OnRDVr56XZYcAvuPazWU4mjNOXewF23pJxWqtbgtngHPXQmYRcufrbt1XWUZoFUQ6dnp",
    ),
    (
        "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
        "3M37b6DCWrnHvHbr+vA8on+rxPCmrgfYBL75lAqphlSTYFeskK1GzpAc/lQhtOWAIbnrfJsSR7WUqDc1mTKiG4XRinJUjISCKt0zI/2YFSRaqYBqyk96d+eQbYb1Q9xqh+9lT0tTpH9C2HTmXYuOFjkpH+dFXjWuDQKblZoYhp+w0sXFiNxSuqmknBbbGHqTrh6EkGDy7HrXCAsPmocLjHPnzF4AFkyFmjQ5aB3JvxCCLMlW",
    ),
];

/// A callback body with this resource (`ciphertext` and `nonce` given as is).
fn envelope(event: &str, original_type: &str, ciphertext: &str, nonce: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "app_id": APP_ID,
        "mch_id": MCH_ID,
        "create_time": "2023-06-26T17:21:17.754429+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event,
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": ciphertext,
            "nonce": nonce,
        }
    }))
    .expect("JSON")
}

/// A callback body whose resource is `plain` sealed by the crate with a 12-byte nonce.
fn sealed(event: &str, original_type: &str, plain: &str) -> Vec<u8> {
    let nonce = "a1b2c3d4e5f6";
    let ct = support::key()
        .encrypt_resource(nonce, None, plain.as_bytes())
        .expect("seals");
    envelope(event, original_type, &ct, nonce)
}

fn verify_at(v: &NotifyVerifier, ts: &str, body: &[u8]) -> Result<Notification, Error> {
    v.verify(
        &support::header_map(support::sign_headers("TTPay", ts, SIG_NONCE, body)),
        body,
    )
}

fn verify(body: &[u8]) -> Result<Notification, Error> {
    verify_at(&support::notify_verifier(), &TS_MS.to_string(), body)
}

fn order_of(n: &Notification) -> &tokenpay::api::TransactionDetail {
    match n {
        Notification::Order(o) => &o.transaction,
        other => panic!("not an order: {other:?}"),
    }
}

#[test]
fn resource_nonces_of_8_12_16_and_32_bytes_decrypt() {
    for (nonce, ct) in OPENSSL_SEALED {
        let n = verify(&envelope("TRANSACTION.SUCCESS", "transaction", ct, nonce))
            .unwrap_or_else(|e| panic!("{}-byte nonce: {e}", nonce.len()));
        let t = order_of(&n);
        assert_eq!(t.out_trade_no.as_deref(), Some("A-1001"));
        assert_eq!(t.amount, Some(Decimal::from(9)), "{}", nonce.len());
        assert!(n.is_order_paid());
    }
}

#[test]
fn a_wrong_tag_or_a_nonce_other_than_the_sealing_one_is_refused() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    for (nonce, ct) in OPENSSL_SEALED {
        let mut raw = b64.decode(ct).expect("base64");
        let last = raw.len() - 1;
        raw[last] ^= 1;
        let wrong_tag = envelope(
            "TRANSACTION.SUCCESS",
            "transaction",
            &b64.encode(&raw),
            nonce,
        );
        assert!(
            matches!(verify(&wrong_tag), Err(Error::Notify(NotifyError::Decrypt))),
            "{}-byte nonce, wrong tag",
            nonce.len()
        );
        let other_nonce = format!("{nonce}x");
        let wrong_nonce = envelope("TRANSACTION.SUCCESS", "transaction", ct, &other_nonce);
        assert!(
            matches!(
                verify(&wrong_nonce),
                Err(Error::Notify(NotifyError::Decrypt))
            ),
            "{}-byte nonce, other nonce",
            nonce.len()
        );
    }
}

#[test]
fn a_0_or_65_byte_nonce_is_refused_naming_resource_nonce() {
    let (_, ct) = OPENSSL_SEALED[1];
    for nonce in [String::new(), "n".repeat(65), "n".repeat(200)] {
        let err = verify(&envelope("TRANSACTION.SUCCESS", "transaction", ct, &nonce))
            .expect_err("refused");
        let Error::Notify(NotifyError::MalformedField { field, problem }) = &err else {
            panic!("{}: {err:?}", nonce.len())
        };
        assert_eq!(field, "resource.nonce");
        assert!(
            problem.contains(&format!("is {} bytes", nonce.len())),
            "{problem}"
        );
        assert!(err.to_string().contains("resource.nonce"), "{err}");
    }
}

#[test]
fn the_accepted_nonce_lengths_are_configurable() {
    let (nonce16, ct16) = OPENSSL_SEALED[2];
    let (nonce12, ct12) = OPENSSL_SEALED[1];
    let only12 = support::notify_verifier().resource_nonce_lengths(12..=12);
    let ts = TS_MS.to_string();
    let err = verify_at(
        &only12,
        &ts,
        &envelope("TRANSACTION.SUCCESS", "transaction", ct16, nonce16),
    )
    .expect_err("16 bytes refused");
    assert!(
        matches!(&err, Error::Notify(NotifyError::MalformedField { field, problem })
            if field == "resource.nonce" && problem.contains("12 to 12")),
        "{err:?}"
    );
    verify_at(
        &only12,
        &ts,
        &envelope("TRANSACTION.SUCCESS", "transaction", ct12, nonce12),
    )
    .expect("12 bytes accepted");
    // A range wider than AES-GCM here can take is clamped to 1..=64.
    let wide = support::notify_verifier().resource_nonce_lengths(0..=1000);
    assert!(format!("{wide:?}").contains("1..=64"), "{wide:?}");
}

#[test]
fn a_payout_without_trade_state_takes_its_state_from_the_event_and_reads_a_decimal_amount() {
    let plain = r#"{"out_trade_no":"P-1","payanother_id":"pa-1","amount":"12.5","chain":"TRON","currency":"USDT","to_address":"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"}"#;
    let n = verify(&sealed("PAYPAYANOTHER.SUCCESS", "payanother", plain)).expect("verifies");
    let Notification::Payout(p) = &n else {
        panic!("{n:?}")
    };
    let t = &p.transaction;
    assert_eq!(t.trade_state, TradeState::Success);
    assert_eq!(t.transaction_id, "pa-1");
    assert_eq!(t.amount, Some(Decimal::new(125, 1)));
    assert_eq!(t.amount_minor, None, "no decimals: minor units unknown");
    assert!(!n.is_order_paid(), "a payout is never a paid order");

    // With decimals, the minor units follow; an unknown event gives an unknown state.
    let plain = r#"{"out_trade_no":"P-2","transaction_id":"t-2","amount":"12.5","decimals":6}"#;
    let n = verify(&sealed("PAYPAYOUT.FAILED", "payout", plain)).expect("verifies");
    let t = n.transaction().expect("typed");
    assert_eq!(
        t.trade_state,
        TradeState::Unknown("PAYPAYOUT.FAILED".to_owned())
    );
    assert_eq!(
        (t.amount, t.amount_minor),
        (Some(Decimal::new(125, 1)), Some(12_500_000))
    );
}

#[test]
fn a_payout_amount_is_read_per_the_configured_unit_never_through_a_float() {
    let plain = |amount: &str| {
        format!(
            r#"{{"out_trade_no":"P-3","transaction_id":"t-3","trade_state":"SUCCESS","amount":{amount},"decimals":6}}"#
        )
    };
    let read = |unit: AmountUnit, amount: &str| {
        let v = support::notify_verifier().amount_unit(unit);
        verify_at(
            &v,
            &TS_MS.to_string(),
            &sealed("PAYPAYOUT.SUCCESS", "payout", &plain(amount)),
        )
        .map(|n| {
            let t = n.transaction().expect("typed").clone();
            (t.amount, t.amount_minor)
        })
    };
    let d = |s: &str| Some(s.parse::<Decimal>().expect("decimal"));
    // Auto: an integer with decimals is minor units, a decimal text is major units.
    assert_eq!(
        read(AmountUnit::Auto, "25000000").expect("ok"),
        (d("25"), Some(25_000_000))
    );
    assert_eq!(
        read(AmountUnit::Auto, r#""25000000""#).expect("ok"),
        (d("25"), Some(25_000_000))
    );
    assert_eq!(
        read(AmountUnit::Auto, r#""0.1""#).expect("ok"),
        (d("0.1"), Some(100_000))
    );
    // 16 significant digits stay exact (an f64 would round them).
    assert_eq!(
        read(AmountUnit::Auto, r#""1234567890.123456""#).expect("ok"),
        (d("1234567890.123456"), Some(1_234_567_890_123_456))
    );
    // Major: an integer is major units too.
    assert_eq!(
        read(AmountUnit::Major, r#""25""#).expect("ok"),
        (d("25"), Some(25_000_000))
    );
    // Minor: a decimal point is an error naming the field.
    let err = read(AmountUnit::Minor, r#""12.5""#).expect_err("not minor units");
    assert!(
        matches!(&err, Error::Notify(NotifyError::MalformedField { field, .. }) if field == "resource.amount"),
        "{err:?}"
    );
    for bad in [r#""-1""#, r#""1e3""#, r#""12.""#, r#""abc""#, "true"] {
        let err = read(AmountUnit::Auto, bad).expect_err(bad);
        assert!(
            matches!(&err, Error::Notify(NotifyError::MalformedField { field, .. }) if field == "resource.amount"),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn wallet_callbacks_are_their_own_variant_never_an_order() {
    let deposit = r#"{"transaction_id":"w-1","trade_state":"SUCCESS","amount":5000000,"decimals":6,"chain":"TRON","currency":"USDT","from_address":"TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7","to_address":"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"}"#;
    let with_wallet = r#"{"out_trade_no":"X","transaction_id":"w-2","amount":"5","wallet_address":"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"}"#;
    for (what, body) in [
        (
            "transaction without out_trade_no",
            sealed("SUCCESS", "transaction", deposit),
        ),
        ("original_type wallet", sealed("SUCCESS", "wallet", deposit)),
        (
            "wallet event type",
            sealed("WALLET.SUCCESS", "transaction", ORDER_PLAIN),
        ),
        (
            "wallet_address in the resource",
            sealed("SUCCESS", "transaction", with_wallet),
        ),
    ] {
        let n = verify(&body).unwrap_or_else(|e| panic!("{what}: {e}"));
        let Notification::Wallet(w) = &n else {
            panic!("{what}: {n:?}")
        };
        assert_eq!(w.transaction.trade_state, TradeState::Success, "{what}");
        assert!(!n.is_order_paid(), "{what}");
        assert!(n.is_success(), "{what}");
    }
}

#[test]
fn freshness_is_checked_by_default_with_a_window_covering_the_retry_schedule() {
    assert_eq!(DEFAULT_MAX_AGE, Duration::from_secs(24 * 3600));
    let body = sealed("TRANSACTION.SUCCESS", "transaction", ORDER_PLAIN);
    let hour = 3_600_000;
    // Signed now, 6 h ago (the last retry) and 23 h ago: accepted.
    for age_ms in [0, 6 * hour, 6 * hour + 60_000, 23 * hour] {
        let v = support::notify_verifier_at(TS_MS + age_ms);
        verify_at(&v, &TS_MS.to_string(), &body).unwrap_or_else(|e| panic!("{age_ms} ms old: {e}"));
    }
    // A replay 3 days later: refused, typed.
    let v = support::notify_verifier_at(TS_MS + 72 * hour);
    let err = verify_at(&v, &TS_MS.to_string(), &body).expect_err("3 days old");
    assert!(
        matches!(
            err,
            Error::Notify(NotifyError::Stale {
                age_secs: 259_200,
                max_secs: 86_400
            })
        ),
        "{err:?}"
    );
    // Ahead of the clock: 5 min is skew, 1 h is refused.
    let v = support::notify_verifier_at(TS_MS - 5 * 60_000);
    verify_at(&v, &TS_MS.to_string(), &body).expect("5 min ahead");
    let v = support::notify_verifier_at(TS_MS - hour);
    let err = verify_at(&v, &TS_MS.to_string(), &body).expect_err("1 h ahead");
    assert!(
        matches!(
            err,
            Error::Notify(NotifyError::FromTheFuture {
                ahead_secs: 3600,
                max_secs: 600
            })
        ),
        "{err:?}"
    );
    // Overrides: a narrower window, a wider skew, or no window at all.
    let v = support::notify_verifier_at(TS_MS + 2 * hour).max_age(Duration::from_secs(3600));
    assert!(matches!(
        verify_at(&v, &TS_MS.to_string(), &body),
        Err(Error::Notify(NotifyError::Stale { .. }))
    ));
    let v = support::notify_verifier_at(TS_MS - hour).max_future_skew(Duration::from_secs(7200));
    verify_at(&v, &TS_MS.to_string(), &body).expect("wider skew");
    let v = support::notify_verifier_at(TS_MS + 72 * hour).without_max_age();
    verify_at(&v, &TS_MS.to_string(), &body).expect("no window");
}

#[test]
fn ten_digit_seconds_and_thirteen_digit_milliseconds_are_both_fresh() {
    let body = sealed("TRANSACTION.SUCCESS", "transaction", ORDER_PLAIN);
    let secs = (TS_MS / 1000).to_string();
    assert_eq!(secs.len(), 10);
    let millis = TS_MS.to_string();
    assert_eq!(millis.len(), 13);
    for now in [TS_MS, TS_MS + 6 * 3_600_000] {
        let v = support::notify_verifier_at(now);
        for ts in [&secs, &millis] {
            let n = verify_at(&v, ts, &body).unwrap_or_else(|e| panic!("{ts}: {e}"));
            assert_eq!(&n.meta().timestamp, ts);
        }
    }
    // Read as seconds, a 10-digit value 3 days old is stale (not taken as a time in 1970).
    let v = support::notify_verifier_at(TS_MS + 72 * 3_600_000);
    assert!(matches!(
        verify_at(&v, &secs, &body),
        Err(Error::Notify(NotifyError::Stale {
            age_secs: 259_200,
            ..
        }))
    ));
}

#[test]
fn a_client_verifier_uses_the_client_clock() {
    let body = sealed("TRANSACTION.SUCCESS", "transaction", ORDER_PLAIN);
    // The pinned client clock is 878 ms before the signing time: fresh.
    let v = support::offline_builder()
        .build()
        .expect("client")
        .notify_verifier();
    verify_at(&v, &TS_MS.to_string(), &body).expect("fresh on the client clock");
}

/// Counts `payhub_callbacks_total` increments by their `outcome` label.
#[derive(Default)]
struct CallbackCounts(std::sync::Mutex<Vec<(String, String)>>);

struct Hit(Arc<CallbackCounts>, String, String);

impl metrics::CounterFn for Hit {
    fn increment(&self, _: u64) {
        let mut seen = self
            .0
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.push((self.1.clone(), self.2.clone()));
    }
    fn absolute(&self, _: u64) {}
}

struct Recorder(Arc<CallbackCounts>);

impl metrics::Recorder for Recorder {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        let label = |name: &str| {
            key.labels()
                .find(|l| l.key() == name)
                .map(|l| l.value().to_owned())
                .unwrap_or_default()
        };
        let hit = Hit(Arc::clone(&self.0), label("provider"), label("outcome"));
        if key.name() == payhub_runtime::metrics::CALLBACKS_TOTAL {
            metrics::Counter::from_arc(Arc::new(hit))
        } else {
            metrics::Counter::noop()
        }
    }
    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }
    fn register_histogram(
        &self,
        _: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::noop()
    }
}

#[test]
fn verify_counts_verified_and_refused_callbacks() {
    let counts = Arc::new(CallbackCounts::default());
    let recorder = Recorder(Arc::clone(&counts));
    let body = sealed("TRANSACTION.SUCCESS", "transaction", ORDER_PLAIN);
    metrics::with_local_recorder(&recorder, || {
        verify(&body).expect("verifies");
        let mut tampered = body.clone();
        tampered[10] ^= 1;
        verify_at(&support::notify_verifier(), &TS_MS.to_string(), &tampered).expect_err("refused");
    });
    let seen = counts
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let pair = |o: &str| ("tokenpay".to_owned(), o.to_owned());
    assert_eq!(seen, vec![pair("verified"), pair("refused")]);
}
