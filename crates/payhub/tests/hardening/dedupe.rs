//! The router with an `InMemoryDeduper`: a backlog flush while a handler runs must not make a
//! redelivery of that event run the handler a second time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use payhub::{Delivery, InMemoryDeduper, NotifyRouter, Provider};
use tokio::sync::oneshot;

use crate::support::{API_KEY, Callback, MERCHANT_ID};

fn router(capacity: usize) -> NotifyRouter {
    NotifyRouter::new()
        .paydesk(paydesk::notify::NotifyVerifier::new(MERCHANT_ID, API_KEY))
        .deduper(Arc::new(InMemoryDeduper::new(
            capacity,
            Duration::from_secs(3600),
        )))
}

#[tokio::test]
async fn a_backlog_flush_while_a_handler_runs_does_not_run_it_twice() {
    const CAPACITY: usize = 3;
    let router = router(CAPACITY);
    let p = Provider::Paydesk;
    let first = Callback::paid("FLUSH-FIRST");
    let runs = AtomicUsize::new(0);
    let (release, released) = oneshot::channel::<()>();
    let (started, running) = oneshot::channel::<()>();

    let first_headers = first.headers();
    let handling = router.deliver(p, &first_headers, &first.body, |_| async {
        runs.fetch_add(1, Ordering::SeqCst);
        let _ = started.send(());
        released.await.expect("released");
        Ok::<(), String>(())
    });
    let meanwhile = async {
        running.await.expect("the first handler runs");
        // The backlog: more other events than the deduper holds, all handled.
        for i in 0..=CAPACITY {
            let cb = Callback::paid(&format!("FLUSH-{i}"));
            let (ack, d) = router
                .deliver(p, &cb.headers(), &cb.body, |_| async {
                    Ok::<(), String>(())
                })
                .await;
            assert!(matches!(d, Delivery::Handled(_)), "{i}: {d:?}");
            assert_eq!(ack, router.ack(p));
        }
        // The provider redelivers the first event while its handler still runs.
        let (ack, d) = router
            .deliver(p, &first.headers(), &first.body, |_| async {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok::<(), String>(())
            })
            .await;
        release.send(()).expect("first handler waits");
        (ack, d)
    };
    let ((ack1, d1), (ack2, d2)) = tokio::join!(handling, meanwhile);
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the handler ran twice");
    assert!(matches!(d2, Delivery::InProgress(_)), "{d2:?}");
    assert_eq!(ack2, router.retry_ack(p), "asked to deliver again");
    assert!(matches!(d1, Delivery::Handled(_)), "{d1:?}");
    assert_eq!(ack1, router.ack(p));
    // Once handled, a redelivery is a duplicate.
    let (ack, d) = router
        .deliver(p, &first.headers(), &first.body, |_| async {
            Err::<(), String>("must not run".into())
        })
        .await;
    assert!(matches!(d, Delivery::Duplicate(_)), "{d:?}");
    assert_eq!(ack, router.ack(p));
}

#[tokio::test]
async fn a_deduper_full_of_running_handlers_asks_for_a_retry() {
    let router = router(1);
    let p = Provider::Paydesk;
    let a = Callback::paid("FULL-A");
    let b = Callback::paid("FULL-B");
    let (release, released) = oneshot::channel::<()>();
    let (started, running) = oneshot::channel::<()>();
    let a_headers = a.headers();
    let handling = router.deliver(p, &a_headers, &a.body, |_| async {
        let _ = started.send(());
        released.await.expect("released");
        Ok::<(), String>(())
    });
    let meanwhile = async {
        running.await.expect("a runs");
        let out = router
            .deliver(p, &b.headers(), &b.body, |_| async {
                Err::<(), String>("no room: must not run".into())
            })
            .await;
        release.send(()).expect("a waits");
        out
    };
    let ((_, da), (ack_b, db)) = tokio::join!(handling, meanwhile);
    assert!(matches!(da, Delivery::Handled(_)), "{da:?}");
    assert!(matches!(db, Delivery::InProgress(_)), "{db:?}");
    assert_eq!(ack_b, router.retry_ack(p));
    // The provider's next delivery of b finds room (a's done record is forgotten first).
    let (ack, d) = router
        .deliver(p, &b.headers(), &b.body, |_| async { Ok::<(), String>(()) })
        .await;
    assert!(matches!(d, Delivery::Handled(_)), "{d:?}");
    assert_eq!(ack, router.ack(p));
}
