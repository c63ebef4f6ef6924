//! `NotifyRouter::deliver` with an `InMemoryDeduper`: a redelivery reaches the handler once and
//! is acknowledged, a redelivery while the handler runs is asked to come again, a failing
//! handler gets the retry reply and the next delivery runs it again, and a forged callback is
//! refused with the retry reply without reaching the handler.

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use payhub::{Ack, Delivery, Error, InMemoryDeduper, NotifyDeduper, NotifyRouter, Provider};

use crate::support::{all_callbacks, paydesk, router_all};

fn deduped() -> (NotifyRouter, Arc<InMemoryDeduper>) {
    let d = Arc::new(InMemoryDeduper::new(100, Duration::from_secs(3600)));
    let router = router_all().deduper(Arc::clone(&d) as Arc<dyn NotifyDeduper>);
    (router, d)
}

#[tokio::test]
async fn a_redelivery_is_acknowledged_without_calling_the_handler_again() {
    let (router, dedupe) = deduped();
    for cb in all_callbacks() {
        let p = cb.provider;
        let calls = Cell::new(0);
        for round in 0..3 {
            let (ack, delivery) = router
                .deliver(p, &cb.headers, &cb.body, |n| {
                    calls.set(calls.get() + 1);
                    let provider = n.provider();
                    async move {
                        assert_eq!(provider, p);
                        Ok::<(), String>(())
                    }
                })
                .await;
            assert_eq!(ack, router.ack(p), "{p} round {round}");
            assert!(delivery.is_received());
            match (round, &delivery) {
                (0, Delivery::Handled(n)) | (1 | 2, Delivery::Duplicate(n)) => {
                    assert_eq!(n.provider(), p);
                }
                _ => panic!("{p} round {round}: {delivery:?}"),
            }
        }
        assert_eq!(calls.get(), 1, "{p}: handler ran once for three deliveries");
    }
    assert_eq!(dedupe.len(), 5, "one key per provider's event");
}

#[tokio::test]
async fn without_a_deduper_every_delivery_reaches_the_handler() {
    let router = router_all();
    let cb = paydesk();
    let calls = Cell::new(0);
    for _ in 0..2 {
        let (_, delivery) = router
            .deliver(Provider::Paydesk, &cb.headers, &cb.body, |_| {
                calls.set(calls.get() + 1);
                async { Ok::<(), String>(()) }
            })
            .await;
        assert!(matches!(delivery, Delivery::Handled(_)));
    }
    assert_eq!(calls.get(), 2);
}

#[tokio::test]
async fn a_failing_handler_gets_the_retry_reply_and_runs_again_on_the_next_delivery() {
    let (router, dedupe) = deduped();
    let cb = paydesk();
    let p = Provider::Paydesk;

    let (ack, delivery) = router
        .deliver(p, &cb.headers, &cb.body, |_| async {
            Err::<(), _>("database unavailable".to_owned())
        })
        .await;
    assert_eq!(ack, router.retry_ack(p));
    assert_eq!((ack.status(), ack.body()), (500, "FAIL"));
    assert!(!ack.is_received());
    match delivery {
        Delivery::HandlerFailed(n, e) => {
            assert_eq!(e, "database unavailable");
            assert_eq!(n.facts().merchant_order_no, "1313068703462109184");
        }
        other => panic!("{other:?}"),
    }
    assert!(dedupe.is_empty(), "the failed event is forgotten");

    let calls = Cell::new(0);
    let (ack, delivery) = router
        .deliver(p, &cb.headers, &cb.body, |_| {
            calls.set(calls.get() + 1);
            async { Ok::<(), String>(()) }
        })
        .await;
    assert_eq!(calls.get(), 1, "the provider's retry is handled");
    assert_eq!(ack, router.ack(p));
    assert!(matches!(delivery, Delivery::Handled(_)));

    let (_, delivery) = router
        .deliver(p, &cb.headers, &cb.body, |_| async {
            panic!("a handled event must not run again")
        })
        .await;
    assert!(matches!(delivery, Delivery::<String>::Duplicate(_)));
}

#[tokio::test]
async fn a_forged_callback_is_rejected_with_the_retry_reply() {
    let (router, dedupe) = deduped();
    for cb in all_callbacks() {
        let p = cb.provider;
        let mut forged = cb.body.clone();
        let at = forged
            .iter()
            .position(|b| b.is_ascii_digit() && *b != b'9')
            .expect("a digit");
        forged[at] += 1;
        let (ack, delivery) = router
            .deliver(p, &cb.headers, &forged, |_| async {
                panic!("a forged callback must not reach the handler")
            })
            .await;
        assert_eq!(ack, router.retry_ack(p), "{p}");
        assert!(!delivery.is_received());
        match delivery {
            Delivery::<String>::Rejected(e) => assert!(e.is_notify_rejection(), "{p}: {e:?}"),
            other => panic!("{p}: {other:?}"),
        }
    }
    assert!(dedupe.is_empty(), "nothing forged is remembered");

    // A provider without a verifier: refused with its retry reply, so a genuine callback is
    // delivered again once the configuration is fixed.
    let cb = paydesk();
    let only_jiuyi = NotifyRouter::new().jiuyi_dc(crate::support::verifiers::jiuyi_dc());
    let (ack, delivery) = only_jiuyi
        .deliver(Provider::Paydesk, &cb.headers, &cb.body, |_| async {
            Ok::<(), String>(())
        })
        .await;
    assert_eq!(ack, only_jiuyi.retry_ack(Provider::Paydesk));
    assert!(matches!(
        delivery,
        Delivery::Rejected(Error::NotConfigured(Provider::Paydesk))
    ));
}

/// Delivers the paydesk sample with a handler that is still running when the same callback is
/// delivered again, `after` the first delivery began; the first handler returns once the
/// second delivery has. A second run of the handler panics.
async fn redeliver_while_handling(
    router: &NotifyRouter,
    after: Duration,
) -> ((Ack, Delivery<String>), (Ack, Delivery<String>)) {
    let cb = paydesk();
    let p = Provider::Paydesk;
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let first = router.deliver(p, &cb.headers, &cb.body, |_| async move {
        released.await.expect("released");
        Ok::<(), String>(())
    });
    let second = async {
        tokio::time::sleep(after).await;
        let out = router
            .deliver(p, &cb.headers, &cb.body, |_| async {
                panic!("an event being handled must not run twice at once")
            })
            .await;
        release.send(()).expect("first delivery waits");
        out
    };
    tokio::join!(first, second)
}

#[tokio::test]
async fn a_redelivery_while_the_handler_runs_is_asked_to_come_again() {
    let (router, _) = deduped();
    let cb = paydesk();
    let p = Provider::Paydesk;
    let ((ack1, d1), (ack2, d2)) = redeliver_while_handling(&router, Duration::ZERO).await;
    assert!(matches!(d2, Delivery::<String>::InProgress(_)), "{d2:?}");
    assert_eq!(
        ack2,
        router.retry_ack(p),
        "never acknowledged while the outcome is open"
    );
    assert!(matches!(d1, Delivery::Handled(_)), "{d1:?}");
    assert_eq!(ack1, router.ack(p));

    let (ack, d) = router
        .deliver(p, &cb.headers, &cb.body, |_| async {
            panic!("already handled")
        })
        .await;
    assert!(matches!(d, Delivery::<String>::Duplicate(_)));
    assert_eq!(ack, router.ack(p));
}

/// A live handler slower than the deduper's lease keeps its claim: the router renews it while
/// the handler runs, so a redelivery long after the first lease is still asked to come again
/// instead of running the handler a second time (the lease only frees the claims of dead
/// processes).
#[tokio::test]
async fn a_handler_slower_than_the_lease_keeps_its_claim() {
    let lease = Duration::from_millis(150);
    let d = Arc::new(InMemoryDeduper::new(100, Duration::from_secs(3600)).in_progress_lease(lease));
    let router = router_all().deduper(Arc::clone(&d) as Arc<dyn NotifyDeduper>);
    let p = Provider::Paydesk;
    // The redelivery four leases after the claim.
    let ((ack1, d1), (ack2, d2)) = redeliver_while_handling(&router, lease * 4).await;
    assert!(matches!(d2, Delivery::<String>::InProgress(_)), "{d2:?}");
    assert_eq!(ack2, router.retry_ack(p));
    assert!(matches!(d1, Delivery::Handled(_)), "{d1:?}");
    assert_eq!(ack1, router.ack(p));
}

/// The callback metrics through the router: the providers' verifiers count `verified`, the
/// router counts a redelivery of a handled event as `duplicate`, by provider.
#[test]
fn callbacks_are_counted_verified_and_duplicate_by_provider() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let (router, _) = deduped();
            for cb in all_callbacks() {
                for _ in 0..2 {
                    let _ = router
                        .deliver(cb.provider, &cb.headers, &cb.body, |_| async {
                            Ok::<(), String>(())
                        })
                        .await;
                }
            }
        });
    });
    let mut seen = Vec::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        if key.key().name() != "payhub_callbacks_total" {
            continue;
        }
        let label = |name: &str| {
            key.key()
                .labels()
                .find(|l| l.key() == name)
                .map(|l| l.value().to_owned())
                .unwrap_or_default()
        };
        let DebugValue::Counter(n) = value else {
            panic!("a counter")
        };
        seen.push(format!("{} {} {n}", label("provider"), label("outcome")));
    }
    seen.sort();
    let mut expected = Vec::new();
    for p in [
        "gateway-recharge",
        "jiuyi-dc",
        "paydesk",
        "tokenpay",
        "vipcharge",
    ] {
        expected.push(format!("{p} duplicate 1"));
        expected.push(format!("{p} verified 2"));
    }
    assert_eq!(seen, expected);
}

/// An inbox whose store is down.
#[derive(Debug)]
struct DownInbox;

impl payhub::Inbox for DownInbox {
    fn record<'a>(
        &'a self,
        _: payhub::InboxEvent<'a>,
    ) -> payhub::DedupeFuture<'a, Result<payhub::Recorded, payhub::InboxError>> {
        Box::pin(async { Err(payhub::InboxError::new("database unreachable")) })
    }
}

#[tokio::test]
async fn with_an_inbox_the_ack_follows_the_record_and_a_store_outage_gets_the_retry_reply() {
    let inbox = payhub::MemoryInbox::new();
    let router = router_all().inbox(inbox.clone());
    let callbacks = all_callbacks();
    for cb in &callbacks {
        let p = cb.provider;
        let calls = Cell::new(0);
        for round in 0..2 {
            let (ack, delivery) = router
                .deliver(p, &cb.headers, &cb.body, |_| {
                    calls.set(calls.get() + 1);
                    async { Ok::<(), String>(()) }
                })
                .await;
            assert_eq!(ack, router.ack(p), "{p} round {round}");
            match (round, &delivery) {
                (0, Delivery::Handled(_)) | (1, Delivery::Duplicate(_)) => {}
                _ => panic!("{p} round {round}: {delivery:?}"),
            }
        }
        assert_eq!(calls.get(), 1, "{p}");
    }
    assert_eq!(inbox.keys().len(), callbacks.len(), "one record per event");

    let down = router_all().inbox(Arc::new(DownInbox));
    for cb in &callbacks {
        let p = cb.provider;
        let (ack, delivery) = down
            .deliver(p, &cb.headers, &cb.body, |_| async {
                panic!("the handler must not run for an unrecorded event");
                #[allow(unreachable_code)]
                Ok::<(), String>(())
            })
            .await;
        assert_eq!(ack, down.retry_ack(p), "{p}: never the success reply");
        assert!(
            matches!(delivery, Delivery::NotRecorded(..)),
            "{p}: {delivery:?}"
        );
    }
}
