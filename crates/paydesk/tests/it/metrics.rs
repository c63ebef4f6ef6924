//! The shared metrics carry this crate's provider name: calls by operation and outcome, retries,
//! and callbacks verified or refused.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use metrics::{
    Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use paydesk::api::PayInQueryRequest;
use paydesk::{RetryPolicy, Secret, sign};

use crate::support::{Reply, Server};
use crate::{KEY, MERCHANT, notify_headers};

/// Every counter increment as `name{label=value,...} +n`, labels sorted.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

struct Increment(String, Log);

impl CounterFn for Increment {
    fn increment(&self, value: u64) {
        let line = format!("{} +{value}", self.0);
        (self.1)
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }

    fn absolute(&self, _: u64) {}
}

impl Recorder for Log {
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
        Counter::from_arc(Arc::new(Increment(name, self.clone())))
    }

    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }

    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

#[test]
fn notify_verification_counts_verified_and_refused_callbacks() {
    let log = Log::default();
    let body = br#"{"orderStatus":"SUCCESS","amount":"1","mchOrderNo":"M1","orderNo":"PAYIN1"}"#;
    let good = sign::signature(&Secret::new(KEY), body);
    let verifier = paydesk::notify::NotifyVerifier::new(MERCHANT, KEY);
    metrics::with_local_recorder(&log, || {
        let ok = verifier.verify(&notify_headers(Some("1002001"), Some(&good), None), body);
        assert!(ok.is_ok(), "{ok:?}");
        let bad = verifier.verify(
            &notify_headers(Some("1002001"), Some(&"0".repeat(32)), None),
            body,
        );
        assert!(bad.is_err());
    });
    assert_eq!(
        log.lines(),
        [
            "payhub_callbacks_total{outcome=verified,provider=paydesk} +1",
            "payhub_callbacks_total{outcome=refused,provider=paydesk} +1",
        ]
    );
}

#[test]
fn calls_count_by_operation_and_outcome_with_retries() {
    let log = Log::default();
    metrics::with_local_recorder(&log, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let server = Server::start(vec![(
                "/api/payInQuery",
                vec![
                    Reply::api_error("System_busy"),
                    Reply::ok(r#"{"orderNo":"PAYIN7","amount":"1","orderStatus":"PAYING"}"#),
                ],
            )])
            .await;
            let client = paydesk::Client::builder(MERCHANT, KEY)
                .base_url(server.base())
                .retry_policy(RetryPolicy::default().initial_delay(Duration::from_millis(1)))
                .build()
                .expect("client");
            client
                .send(&PayInQueryRequest::by_mch_order_no("M7"))
                .await
                .expect("second attempt");
        });
    });
    assert_eq!(
        log.lines(),
        [
            "payhub_call_retries_total{operation=payInQuery,provider=paydesk} +1",
            "payhub_calls_total{operation=payInQuery,outcome=ok,provider=paydesk} +1",
        ]
    );
}
