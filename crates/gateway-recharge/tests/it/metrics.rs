//! The shared metrics: callbacks counted as verified or refused, calls by outcome, retries.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use gateway_recharge::notify::{Ack, NotifyVerifier};
use metrics::{
    Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};

use crate::support::{KEY, MERCHANT, Reply, Server, VerifyCt as _, builder};

/// A recorder that counts every counter by name and sorted labels.
#[derive(Clone, Default)]
struct Counts(Arc<Mutex<BTreeMap<String, Arc<AtomicU64>>>>);

struct Cell(Arc<AtomicU64>);

impl CounterFn for Cell {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }

    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }
}

impl Counts {
    fn get(&self, name: &str) -> u64 {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(name).map_or(0, |c| c.load(Ordering::Relaxed))
    }
}

impl Recorder for Counts {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let cell = Arc::clone(map.entry(name).or_default());
        Counter::from_arc(Arc::new(Cell(cell)))
    }

    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }

    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

const CALLBACK: &[u8] = br#"{"trade_no":"RR241015203135953635","order_no":"1728995495","amount":"200.00","remark":"66666","status":"success","trade_time":"2024-10-15 20:31:50","sign":"75a22322245516066c853fddd0136d2b"}"#;

#[test]
fn callbacks_are_counted_as_verified_or_refused() {
    let counts = Counts::default();
    let verifier = NotifyVerifier::new(MERCHANT, KEY);
    metrics::with_local_recorder(&counts, || {
        verifier
            .verify_ct(Some("application/json"), CALLBACK)
            .expect("verifies");
        let forged = String::from_utf8_lossy(CALLBACK).replace("200.00", "900.00");
        verifier
            .verify_ct(Some("application/json"), forged.as_bytes())
            .expect_err("forged");
        verifier.verify_ct(None, b"").expect_err("empty");
    });
    let name = |outcome: &str| {
        format!("payhub_callbacks_total{{outcome={outcome},provider=gateway-recharge}}")
    };
    assert_eq!(counts.get(&name("verified")), 1);
    assert_eq!(counts.get(&name("refused")), 2);
}

#[test]
fn the_ack_is_the_shared_type_with_winpays_words() {
    let ok = Ack::success();
    assert_eq!(
        (ok.status(), ok.body(), ok.is_received()),
        (200, "SUCCESS", true)
    );
    let retry = Ack::retry();
    assert_eq!(
        (retry.status(), retry.body(), retry.is_received()),
        (500, "FAIL", false)
    );
    let response = ok.into_response();
    assert_eq!(response.body(), "SUCCESS");
    assert_eq!(
        response.headers()[http::header::CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
}

#[test]
fn calls_and_retries_are_counted_by_outcome() {
    let counts = Counts::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    metrics::with_local_recorder(&counts, || {
        runtime.block_on(async {
            let server = Server::start(vec![
                Reply::Respond(503, "text/plain", b"busy".to_vec()),
                Reply::json(r#"{"code":"0","msg":"","data":{"balance":"1","freeze":"0"}}"#),
            ])
            .await;
            let c = builder(&server.url).build().expect("client");
            c.balance().await.expect("retried");
        });
    });
    let labels = "operation=balance,outcome=ok,provider=gateway-recharge";
    assert_eq!(counts.get(&format!("payhub_calls_total{{{labels}}}")), 1);
    assert_eq!(
        counts.get("payhub_call_retries_total{operation=balance,provider=gateway-recharge}"),
        1
    );
}
