//! End-to-end tests of the `gateway-recharge` client against the sandbox's WinPay module:
//! every endpoint, success callbacks received on a local listener and verified by the crate's
//! `NotifyVerifier`, WinPay's retry schedule (10 s, 10 attempts), duplicates, and every
//! injected fault.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use gateway_recharge::api::{
    BalanceRequest, CreateOrderRequest, DepositQueryRequest, DepositRequest,
};
use gateway_recharge::error::NotifyError;
use gateway_recharge::notify::{Ack, Notification};
use gateway_recharge::payhub_runtime::RetryPolicy;
use gateway_recharge::types::OrderStatus;
use gateway_recharge::{Client, Error};
use payhub_sandbox::{
    CallbackStatus, FaultKind, FaultRule, OrderFilter, OrderState, Sandbox, SandboxHandle,
};
use rust_decimal::Decimal;

const MERCHANT: &str = "M1234567890";
const KEY: &str = "adesf235";
const ROUTE_CREATE: &str = "/gateway/recharge";
const ROUTE_BALANCE: &str = "/gateway/balance";
const ROUTE_QUERY: &str = "/h5/deposit_query";

/// What the merchant's callback endpoint saw.
#[derive(Debug)]
struct Received {
    result: Result<Notification, Error>,
}

#[derive(Clone)]
struct Listener {
    client: Client,
    seen: Arc<Mutex<Vec<Received>>>,
    /// Answer `FAIL` to this many deliveries first.
    refuse_first: Arc<AtomicUsize>,
}

async fn on_callback(
    State(l): State<Listener>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, &'static str) {
    let result = l.client.notify_verifier().verify(&headers, &body);
    let verified = result.is_ok();
    l.seen.lock().expect("lock").push(Received { result });
    let refuse = l.refuse_first.load(Ordering::SeqCst);
    let ack = if verified && refuse == 0 {
        Ack::success()
    } else {
        if refuse > 0 {
            l.refuse_first.fetch_sub(1, Ordering::SeqCst);
        }
        Ack::retry()
    };
    (
        StatusCode::from_u16(ack.status()).expect("status"),
        ack.body(),
    )
}

struct Env {
    sandbox: SandboxHandle,
    client: Client,
    callback_url: String,
    seen: Arc<Mutex<Vec<Received>>>,
    refuse_first: Arc<AtomicUsize>,
}

impl Env {
    async fn start() -> Self {
        let sandbox = Sandbox::builder()
            .clock_speed(0)
            .start()
            .await
            .expect("sandbox starts");
        let client = Client::builder(MERCHANT, KEY)
            .base_url(sandbox.provider_url("gateway_recharge"))
            .timeout(Duration::from_millis(800))
            .retry_policy(
                RetryPolicy::default()
                    .max_attempts(3)
                    .initial_delay(Duration::from_millis(5)),
            )
            .build()
            .expect("client");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let refuse_first = Arc::new(AtomicUsize::new(0));
        let listener = Listener {
            client: client.clone(),
            seen: Arc::clone(&seen),
            refuse_first: Arc::clone(&refuse_first),
        };
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let callback_url = format!("http://{}/winpay/callback", tcp.local_addr().expect("addr"));
        let app = Router::new()
            .route("/winpay/callback", post(on_callback))
            .with_state(listener);
        tokio::spawn(async move {
            let _ = axum::serve(tcp, app).await;
        });
        Self {
            sandbox,
            client,
            callback_url,
            seen,
            refuse_first,
        }
    }

    fn create(&self, order_no: &str) -> CreateOrderRequest {
        CreateOrderRequest::new(
            order_no,
            Decimal::new(10000, 2),
            "Test order",
            "user123",
            "192.168.1.1",
            &self.callback_url,
            "https://yourapp.com/return",
        )
    }

    fn deposit(&self, order_no: &str) -> DepositRequest {
        DepositRequest::new(
            "user_001",
            order_no,
            Decimal::new(50000, 2),
            &self.callback_url,
            "https://yourapp.com/return",
            "Recharge to wallet",
            "192.168.1.88",
        )
    }

    fn received(&self) -> usize {
        self.seen.lock().expect("lock").len()
    }

    fn last(&self) -> Result<Notification, String> {
        let seen = self.seen.lock().expect("lock");
        match &seen.last().expect("a callback").result {
            Ok(n) => Ok(n.clone()),
            Err(e) => Err(format!("{e:?}")),
        }
    }
}

#[tokio::test]
async fn collection_order_paid_callback_verified_and_acknowledged() {
    let env = Env::start().await;
    let order = env
        .client
        .send(&env.create("E2E-C1"))
        .await
        .expect("created");
    assert!(order.trade_no.starts_with("RR"));
    assert_eq!(order.qr_code, format!("rsn://r/{}", order.trade_no));
    assert!(order.url.contains("?hash="));
    assert_eq!(order.pay_timeout_secs, 3600);

    let state = env
        .client
        .reconcile("E2E-C1")
        .await
        .expect("query finds a collection order")
        .into_found()
        .expect("found");
    assert_eq!(state.status, OrderStatus::Pending);
    assert_eq!(state.trade_no, order.trade_no);

    env.sandbox.mark_paid(&order.trade_no).expect("paid");
    env.sandbox.settle().await.expect("settled");
    assert_eq!(env.received(), 1);
    let n = env.last().expect("callback verifies");
    assert_eq!(n.order_no, "E2E-C1");
    assert_eq!(n.trade_no, order.trade_no);
    assert_eq!(n.amount, Decimal::new(10000, 2));
    assert_eq!(n.remark, "Test order");
    assert!(n.status.is_success());
    let cb = &env.sandbox.callbacks_for("E2E-C1")[0];
    assert_eq!(cb.status, CallbackStatus::Delivered);
    assert_eq!(cb.attempts.len(), 1);
    assert_eq!(cb.attempts[0].body_snippet, "SUCCESS");

    let state = env.client.reconcile("E2E-C1").await.expect("query");
    let state = state.into_found().expect("found");
    assert!(state.status.is_success());
    let balance = env.client.balance().await.expect("balance");
    assert_eq!(
        balance.balance.to_string(),
        "90162.0000",
        "initial 90062 + 100 paid"
    );
    assert_eq!(balance.freeze.to_string(), "0.0000");
}

#[tokio::test]
async fn deposit_and_query_round_trip() {
    let env = Env::start().await;
    let dep = env
        .client
        .send(&env.deposit("E2E-D1"))
        .await
        .expect("deposit");
    assert_eq!(dep.status, OrderStatus::Pending);
    assert!(dep.deposit_page_url.starts_with("http://127.0.0.1:"));
    let q = env
        .client
        .send(&DepositQueryRequest::new("E2E-D1"))
        .await
        .expect("query");
    assert_eq!(
        (q.amount, q.status.clone()),
        (Decimal::new(50000, 2), OrderStatus::Pending)
    );
    assert_eq!(
        q.trade_time.offset(),
        time::UtcOffset::from_hms(8, 0, 0).expect("offset")
    );
    env.sandbox.mark_paid("E2E-D1").expect("paid");
    env.sandbox.settle().await.expect("settled");
    let q = env
        .client
        .send(&DepositQueryRequest::new("E2E-D1"))
        .await
        .expect("query");
    assert!(q.status.is_success());
    assert_eq!(env.last().expect("verified").amount, Decimal::new(50000, 2));
}

#[tokio::test]
async fn callbacks_follow_the_10_second_schedule_and_duplicates_share_a_dedupe_key() {
    let env = Env::start().await;
    let order = env
        .client
        .send(&env.create("E2E-R1"))
        .await
        .expect("created");
    env.refuse_first.store(2, Ordering::SeqCst);
    env.sandbox.mark_paid(&order.trade_no).expect("paid");
    env.sandbox.settle().await.expect("first attempt");
    while env.sandbox.callbacks_for("E2E-R1")[0].status == CallbackStatus::Pending {
        env.sandbox.advance_to_next_due().await.expect("advance");
    }
    let cb = &env.sandbox.callbacks_for("E2E-R1")[0];
    assert_eq!(cb.status, CallbackStatus::Delivered);
    assert_eq!(cb.attempts.len(), 3, "FAIL, FAIL, SUCCESS");
    let t0 = cb.attempts[0].scheduled_at.unix_millis();
    let gaps: Vec<i64> = cb
        .attempts
        .iter()
        .map(|a| a.scheduled_at.unix_millis() - t0)
        .collect();
    assert_eq!(gaps, [0, 10_000, 20_000]);
    assert_eq!(cb.schedule_ms.len(), 10, "10 attempts in all");
    assert_eq!(cb.schedule_ms[9], 90_000);
    let keys: Vec<String> = env
        .seen
        .lock()
        .expect("lock")
        .iter()
        .map(|r| {
            r.result
                .as_ref()
                .expect("every delivery verifies")
                .dedupe_key()
        })
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "duplicates dedupe: {keys:?}"
    );
}

#[tokio::test]
async fn an_unacknowledged_callback_gives_up_after_10_attempts() {
    let env = Env::start().await;
    let order = env
        .client
        .send(&env.create("E2E-G1"))
        .await
        .expect("created");
    env.refuse_first.store(100, Ordering::SeqCst);
    env.sandbox.mark_paid(&order.trade_no).expect("paid");
    while env
        .sandbox
        .advance_to_next_due()
        .await
        .expect("advance")
        .is_some()
    {
        if env.sandbox.callbacks_for("E2E-G1")[0].status != CallbackStatus::Pending {
            break;
        }
    }
    let cb = &env.sandbox.callbacks_for("E2E-G1")[0];
    assert_eq!(cb.status, CallbackStatus::GaveUp);
    assert_eq!(cb.attempts.len(), 10);
    assert_eq!(env.received(), 10);
}

#[tokio::test]
async fn sandbox_business_errors_are_typed_api_errors() {
    let env = Env::start().await;
    env.client
        .send(&env.create("E2E-X1"))
        .await
        .expect("created");
    let dup = env
        .client
        .send(&env.create("E2E-X1"))
        .await
        .expect_err("duplicate");
    assert_eq!(
        dup.as_api().map(|a| a.code().as_str()),
        Some("1004"),
        "{dup:?}"
    );

    let missing = env
        .client
        .send(&DepositQueryRequest::new("NOPE"))
        .await
        .expect_err("unknown");
    assert_eq!(missing.as_api().map(|a| a.code().as_str()), Some("1005"));

    let wrong_key = Client::builder(MERCHANT, "not-the-key")
        .base_url(env.sandbox.provider_url("gateway_recharge"))
        .build()
        .expect("client");
    let e = wrong_key
        .send(&BalanceRequest::new())
        .await
        .expect_err("bad sign");
    assert_eq!(e.as_api().map(|a| a.code().as_str()), Some("1001"), "{e:?}");

    let wrong_merchant = Client::builder("M999", KEY)
        .base_url(env.sandbox.provider_url("gateway_recharge"))
        .build()
        .expect("client");
    let e = wrong_merchant
        .balance()
        .await
        .expect_err("unknown merchant");
    assert_eq!(e.as_api().map(|a| a.code().as_str()), Some("1002"));

    let e = env
        .client
        .send_raw("/not/a/route", [("order_no", "P1")])
        .await
        .expect_err("404");
    let api = e.as_api().expect("envelope error even on 404");
    assert_eq!((api.code().as_str(), api.http_status()), ("1000", 404));

    // The escape hatch reaches a real route with the same signing.
    let raw = env
        .client
        .send(
            &gateway_recharge::api::RawRequest::new(ROUTE_QUERY, [("order_no", "E2E-X1")])
                .idempotency(gateway_recharge::api::Idempotency::Safe),
        )
        .await
        .expect("raw query");
    assert_eq!(raw.fields().expect("fields")["order_no"], "E2E-X1");
}

#[tokio::test]
async fn fault_5xx_on_a_read_is_retried() {
    let env = Env::start().await;
    env.sandbox.add_fault(
        FaultRule::new(FaultKind::HttpStatus {
            status: 503,
            after_handler: false,
        })
        .provider("gateway_recharge")
        .route(ROUTE_BALANCE)
        .times(2),
    );
    env.client.balance().await.expect("third attempt succeeds");
    assert_eq!(env.sandbox.faults()[0].fired, 2);
}

#[tokio::test]
async fn fault_5xx_after_the_handler_on_a_create_is_outcome_unknown_then_reconciled() {
    let env = Env::start().await;
    env.sandbox.add_fault(
        FaultRule::new(FaultKind::HttpStatus {
            status: 503,
            after_handler: true,
        })
        .provider("gateway_recharge")
        .route(ROUTE_CREATE)
        .once(),
    );
    let e = env
        .client
        .send(&env.create("E2E-F1"))
        .await
        .expect_err("unknown");
    assert!(e.is_outcome_unknown(), "{e:?}");
    let orders = env.sandbox.orders(
        &OrderFilter::default()
            .provider("gateway_recharge")
            .merchant_order_no("E2E-F1"),
    );
    assert_eq!(
        orders.len(),
        1,
        "the order exists and was not created twice"
    );
    let state = env.client.reconcile("E2E-F1").await.expect("reconciled");
    let state = state.into_found().expect("the order exists");
    assert_eq!(state.trade_no, orders[0].platform_order_no);
}

#[tokio::test]
async fn fault_delay_on_a_create_is_outcome_unknown_and_never_resent() {
    let env = Env::start().await;
    env.sandbox.add_fault(
        FaultRule::new(FaultKind::Delay { ms: 2_000 })
            .provider("gateway_recharge")
            .route(ROUTE_CREATE)
            .once(),
    );
    let e = env
        .client
        .send(&env.create("E2E-F2"))
        .await
        .expect_err("timeout");
    let Error::OutcomeUnknown(u) = &e else {
        panic!("expected OutcomeUnknown: {e:?}")
    };
    assert_eq!(u.order_no(), Some("E2E-F2"));
    let orders = env
        .sandbox
        .orders(&OrderFilter::default().merchant_order_no("E2E-F2"));
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].state, OrderState::Paying);
}

#[tokio::test]
async fn fault_close_mid_body_html_and_truncated_json() {
    let env = Env::start().await;
    let once = |kind: FaultKind, route: &str| {
        FaultRule::new(kind)
            .provider("gateway_recharge")
            .route(route)
            .once()
    };
    // A create cut mid-body: unknown outcome.
    env.sandbox
        .add_fault(once(FaultKind::CloseMidBody, ROUTE_CREATE));
    let e = env
        .client
        .send(&env.create("E2E-F3"))
        .await
        .expect_err("cut");
    assert!(e.is_outcome_unknown(), "{e:?}");
    env.sandbox.clear_faults();

    // Reads: each fault fires once, the retry succeeds.
    for kind in [
        FaultKind::CloseMidBody,
        FaultKind::HtmlError {
            status: 502,
            after_handler: false,
        },
        FaultKind::TruncatedJson,
    ] {
        env.sandbox.add_fault(once(kind.clone(), ROUTE_BALANCE));
        env.client
            .balance()
            .await
            .unwrap_or_else(|e| panic!("{kind:?} then retry: {e:?}"));
        env.sandbox.clear_faults();
    }

    // Without retries the typed errors show.
    let no_retry = Client::builder(MERCHANT, KEY)
        .base_url(env.sandbox.provider_url("gateway_recharge"))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    env.sandbox.add_fault(once(
        FaultKind::HtmlError {
            status: 502,
            after_handler: false,
        },
        ROUTE_BALANCE,
    ));
    let e = no_retry.balance().await.expect_err("html");
    assert!(
        matches!(&e, Error::Decode(d) if d.http_status() == Some(502) && d.problem().contains("HTML")),
        "{e:?}"
    );
    env.sandbox
        .add_fault(once(FaultKind::TruncatedJson, ROUTE_BALANCE));
    let e = no_retry.balance().await.expect_err("truncated");
    assert!(
        matches!(&e, Error::Decode(d) if d.problem().contains("truncated")),
        "{e:?}"
    );
    env.sandbox
        .add_fault(once(FaultKind::CloseMidBody, ROUTE_BALANCE));
    let e = no_retry.balance().await.expect_err("closed");
    assert!(matches!(&e, Error::Transport(_)), "{e:?}");
    // A truncated create reply is an unknown outcome too.
    env.sandbox
        .add_fault(once(FaultKind::TruncatedJson, ROUTE_CREATE));
    let e = env
        .client
        .send(&env.create("E2E-F4"))
        .await
        .expect_err("truncated create");
    assert!(e.is_outcome_unknown(), "{e:?}");
}

#[tokio::test]
async fn fault_wrong_signature_on_a_callback_is_rejected_then_redelivered() {
    let env = Env::start().await;
    let order = env
        .client
        .send(&env.create("E2E-S1"))
        .await
        .expect("created");
    env.sandbox.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .provider("gateway_recharge")
            .on_callbacks()
            .once(),
    );
    env.sandbox.mark_paid(&order.trade_no).expect("paid");
    env.sandbox.settle().await.expect("first attempt");
    let first = env.last().expect_err("tampered callback");
    assert!(first.contains("BadSignature"), "{first}");
    env.sandbox.advance_to_next_due().await.expect("retry");
    assert_eq!(
        env.last().expect("second delivery verifies").trade_no,
        order.trade_no
    );
    let cb = &env.sandbox.callbacks_for("E2E-S1")[0];
    assert_eq!(cb.status, CallbackStatus::Delivered);
    assert_eq!(cb.attempts.len(), 2);
    assert!(cb.attempts[0].tampered && !cb.attempts[0].acknowledged && cb.attempts[1].acknowledged);
    // The rejection was an authentication failure, never acted upon.
    let seen = env.seen.lock().expect("lock");
    let Err(Error::Notify(e)) = &seen[0].result else {
        panic!("first result")
    };
    assert_eq!(e, &NotifyError::BadSignature);
    assert!(e.is_authentication_failure());
}

#[tokio::test]
async fn fault_wrong_signature_on_replies_does_not_apply_to_unsigned_winpay_replies() {
    let env = Env::start().await;
    env.sandbox.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .provider("gateway_recharge")
            .route(ROUTE_BALANCE)
            .once(),
    );
    let b = env
        .client
        .balance()
        .await
        .expect("unsigned reply goes out unchanged");
    assert_eq!(b.balance.to_string(), "90062.0000");
}

#[tokio::test]
async fn reconcile_of_an_order_the_sandbox_never_saw_is_not_found() {
    let env = Env::start().await;
    // The sandbox's "order not found" code (WinPay publishes none): configured, it is NotFound.
    let client = Client::builder(MERCHANT, KEY)
        .base_url(env.sandbox.provider_url("gateway_recharge"))
        .not_found_codes(["1005"])
        .build()
        .expect("client");
    let r = client.reconcile("E2E-NEVER").await.expect("answered");
    assert!(r.is_not_found(), "{r:?}");
    // Without the setting the refusal stays an API error with the code.
    let e = env.client.reconcile("E2E-NEVER").await.expect_err("api");
    assert_eq!(e.as_api().map(|a| a.code().as_str()), Some("1005"));
}
