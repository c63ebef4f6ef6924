//! The axum endpoint (`payhub::axum::notify_routes`) against the in-process sandbox: orders
//! created through the facade's `Checkout` / `Recharge`, marked paid in the sandbox, whose
//! signed callbacks reach the endpoint, are verified, handed typed to the handler and
//! acknowledged (as the sandbox records); a failing handler or a forged callback makes the
//! sandbox record a refused attempt and deliver again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gateway_recharge::api::CreateOrderRequest;
use jiuyi_dc::api::PayRequest;
use paydesk::api::PayDeskRequest;
use payhub::{
    Checkout, Expected, InMemoryDeduper, Notification, NotifyRouter, PaymentStatus, Provider,
    Recharge,
};
use payhub::{gateway_recharge, jiuyi_dc, paydesk, tokenpay, vipcharge};
use payhub_sandbox::{
    CallbackRecord, CallbackStatus, FaultKind, FaultRule, OrderState, Sandbox, SandboxClock,
    SandboxHandle,
};
use rust_decimal::Decimal;
use tokenpay::api::PrepayRequest;
use tokenpay::types::{Chain, Currency};
use tokio::sync::oneshot;
use vipcharge::api::VipChargeRequest;

use crate::support::{all_callbacks, router_all};

/// A callback endpoint on 127.0.0.1 built with `notify_routes`, whose handler records what it
/// is given and fails while `fail_next` is above zero.
struct Endpoint {
    base: String,
    seen: Arc<Mutex<Vec<Notification>>>,
    calls: Arc<AtomicUsize>,
    fail_next: Arc<AtomicUsize>,
    _stop: oneshot::Sender<()>,
}

impl Endpoint {
    async fn start(router: NotifyRouter) -> Self {
        let seen: Arc<Mutex<Vec<Notification>>> = Arc::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let fail_next = Arc::new(AtomicUsize::new(0));
        let handler = {
            let (seen, calls, fail_next) = (seen.clone(), calls.clone(), fail_next.clone());
            move |n: Notification| {
                let (seen, calls, fail_next) = (seen.clone(), calls.clone(), fail_next.clone());
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    let failing = fail_next
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if failing {
                        return Err(format!("handler refused {}", n.dedupe_key()));
                    }
                    seen.lock().expect("lock").push(n);
                    Ok(())
                }
            }
        };
        let app = axum::Router::new().nest(
            "/callbacks",
            payhub::axum::notify_routes(router.deduper(deduper()), handler),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}/callbacks", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Self {
            base,
            seen,
            calls,
            fail_next,
            _stop: stop,
        }
    }

    fn url(&self, p: Provider) -> String {
        format!("{}/{p}", self.base)
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn seen(&self) -> Vec<Notification> {
        self.seen.lock().expect("lock").clone()
    }

    /// The one notification the handler accepted for `order`.
    fn only(&self, p: Provider, order: &str) -> Notification {
        let found: Vec<Notification> = self
            .seen()
            .into_iter()
            .filter(|n| n.provider() == p && n.facts().merchant_order_no == order)
            .collect();
        assert_eq!(found.len(), 1, "{p} {order}: {found:?}");
        found.into_iter().next().expect("one")
    }
}

fn deduper() -> Arc<InMemoryDeduper> {
    Arc::new(InMemoryDeduper::new(1000, Duration::from_secs(3600)))
}

async fn sandbox() -> SandboxHandle {
    Sandbox::builder()
        .clock_speed(0)
        .start()
        .await
        .expect("sandbox starts")
}

fn cred(sb: &SandboxHandle, module: &str, label: &str) -> String {
    sb.credentials(module)
        .into_iter()
        .find(|c| c.label() == label)
        .unwrap_or_else(|| panic!("no {label} for {module}"))
        .value()
        .to_owned()
}

const TIMEOUT: Duration = Duration::from_secs(3);

fn paydesk(sb: &SandboxHandle) -> paydesk::Client {
    let id = cred(sb, "paydesk", "MerchantId").parse().expect("numeric");
    paydesk::Client::builder(id, cred(sb, "paydesk", "apiKey"))
        .base_url(sb.provider_url("paydesk"))
        .timeout(TIMEOUT)
        .build()
        .expect("paydesk client")
}

fn gateway_recharge(sb: &SandboxHandle) -> gateway_recharge::Client {
    gateway_recharge::Client::builder(
        cred(sb, "gateway_recharge", "merchant_no"),
        cred(sb, "gateway_recharge", "key"),
    )
    .base_url(sb.provider_url("gateway_recharge"))
    .timeout(TIMEOUT)
    .build()
    .expect("gateway-recharge client")
}

fn jiuyi_dc(sb: &SandboxHandle) -> jiuyi_dc::Client {
    jiuyi_dc::Client::builder(
        cred(sb, "jiuyi_dc", "appid"),
        cred(sb, "jiuyi_dc", "appsecret"),
    )
    .base_url(sb.provider_url("jiuyi_dc"))
    .timeout(TIMEOUT)
    .build()
    .expect("jiuyi-dc client")
}

fn tokenpay(sb: &SandboxHandle) -> tokenpay::Client {
    tokenpay::Client::builder(
        cred(sb, "tokenpay", "app_id"),
        cred(sb, "tokenpay", "mch_id"),
        cred(sb, "tokenpay", "app_secret"),
    )
    .base_url(sb.provider_url("tokenpay"))
    .timeout(TIMEOUT)
    .build()
    .expect("tokenpay client")
}

/// vipcharge signs a timestamp the sandbox checks against its own clock: with the sandbox clock
/// frozen, the client reads that clock.
struct SandboxNow(SandboxClock);

impl std::fmt::Debug for SandboxNow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SandboxNow")
    }
}

impl vipcharge::Clock for SandboxNow {
    fn now_millis(&self) -> i64 {
        self.0.now().unix_millis()
    }
}

fn vipcharge(sb: &SandboxHandle) -> vipcharge::Client {
    vipcharge::Client::builder(
        cred(sb, "vipcharge", "merchantId"),
        cred(sb, "vipcharge", "businessId"),
        vipcharge::Credentials::md5(cred(sb, "vipcharge", "secret (MD5)")),
    )
    .base_url(sb.provider_url("vipcharge"))
    .clock(Arc::new(SandboxNow(sb.clock().clone())))
    .timeout(TIMEOUT)
    .build()
    .expect("vipcharge client")
}

/// The callbacks announcing `order`'s success.
fn paid_callbacks(sb: &SandboxHandle, order: &str) -> Vec<CallbackRecord> {
    sb.callbacks_for(order)
        .into_iter()
        .filter(|c| c.order_state == OrderState::Success)
        .collect()
}

/// Advances the sandbox clock step by step until every order's paid callback was delivered.
async fn run_until_delivered(sb: &SandboxHandle, orders: &[&str]) {
    sb.settle().await.expect("settles");
    for _ in 0..20 {
        let done = orders.iter().all(|o| {
            paid_callbacks(sb, o)
                .iter()
                .any(|c| c.status == CallbackStatus::Delivered)
        });
        if done {
            return;
        }
        if sb.advance_to_next_due().await.expect("settles").is_none() {
            break;
        }
    }
    for o in orders {
        assert!(
            paid_callbacks(sb, o)
                .iter()
                .any(|c| c.status == CallbackStatus::Delivered),
            "{o}: {:?}",
            sb.callbacks_for(o)
        );
    }
}

/// The sandbox recorded exactly one paid callback for `order`, whose attempts were answered
/// with these acknowledgements (`true` = the provider's "received" reply).
fn assert_attempts(
    sb: &SandboxHandle,
    router: &NotifyRouter,
    p: Provider,
    order: &str,
    acks: &[bool],
) {
    let records = paid_callbacks(sb, order);
    assert_eq!(records.len(), 1, "{p} {order}: {records:?}");
    let got: Vec<bool> = records[0].attempts.iter().map(|a| a.acknowledged).collect();
    assert_eq!(got, acks, "{p} {order}: {:?}", records[0].attempts);
    for (a, received) in records[0].attempts.iter().zip(acks) {
        let want = if *received {
            router.ack(p)
        } else {
            router.retry_ack(p)
        };
        assert_eq!(
            (a.status, a.body_snippet.as_str()),
            (Some(want.status()), want.body()),
            "{p} {order} attempt {}",
            a.number
        );
    }
    assert_eq!(records[0].status, CallbackStatus::Delivered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_orders_of_four_providers_reach_the_handler_verified_and_acknowledged() {
    let sb = sandbox().await;
    let (pd, gw, jy, vc) = (
        paydesk(&sb),
        gateway_recharge(&sb),
        jiuyi_dc(&sb),
        vipcharge(&sb),
    );
    let router = NotifyRouter::new()
        .paydesk(pd.notify_verifier())
        .gateway_recharge(gw.notify_verifier())
        .jiuyi_dc(jy.notify_verifier())
        .vipcharge(vc.notify_verifier().expect("MD5 verifier"));
    let ep = Endpoint::start(router.clone()).await;

    let pd_amount = Decimal::from(1000);
    let link = pd
        .create_checkout(
            &PayDeskRequest::new("IT-PD-1", "TZS", pd_amount, ep.url(Provider::Paydesk))
                .mobile_money_phone("721323213")
                .real_name("Jeck")
                .phone("255700000001")
                .email("payer@example.com")
                .remark("it"),
        )
        .await
        .expect("paydesk checkout");
    assert_eq!(link.provider, Provider::Paydesk);
    assert_eq!(link.merchant_order_no, "IT-PD-1");
    assert!(link.provider_order_no.starts_with("PAYDESK"), "{link:?}");
    let url = link.url.clone().expect("a cashier URL");
    assert!(
        url.ends_with(&format!("/paydesk/cashier/{}", link.provider_order_no)),
        "{url}"
    );
    assert!(
        link.expires_local.is_some() && link.expires_at.is_none(),
        "{link:?}"
    );

    let gw_amount = Decimal::new(10000, 2);
    let link = gw
        .create_checkout(&CreateOrderRequest::new(
            "IT-GW-1",
            gw_amount,
            "it order",
            "user123",
            "127.0.0.1",
            ep.url(Provider::GatewayRecharge),
            "https://merchant.example/return",
        ))
        .await
        .expect("gateway-recharge checkout");
    assert_eq!(link.merchant_order_no, "IT-GW-1");
    assert!(link.provider_order_no.starts_with("RR"), "{link:?}");
    assert_eq!(link.qr, Some(format!("rsn://r/{}", link.provider_order_no)));
    assert!(link.url.is_some() && link.expires_at.is_some(), "{link:?}");

    let receipt = vc
        .recharge(
            &VipChargeRequest::new("87103", "w23b52", "IT-VC-1")
                .callback_url(ep.url(Provider::Vipcharge)),
        )
        .await
        .expect("vipcharge recharge");
    assert_eq!(receipt.status, PaymentStatus::Pending);
    assert!(
        receipt
            .provider_order_no
            .as_deref()
            .is_some_and(|n| n.starts_with("VC")),
        "{receipt:?}"
    );
    let vc_price = receipt.cost.expect("a settlement price (the cost)");
    assert_eq!(vc_price, Decimal::new(1980, 2));

    let receipt = jy
        .recharge(
            &PayRequest::new("43", "13800138000", "IT-JY-1").notify_url(ep.url(Provider::JiuyiDc)),
        )
        .await
        .expect("jiuyi-dc recharge");
    assert_eq!(
        (
            receipt.provider,
            receipt.merchant_order_no.as_str(),
            &receipt.status
        ),
        (Provider::JiuyiDc, "IT-JY-1", &PaymentStatus::Pending)
    );
    assert_eq!(
        jy.recharge_status("IT-JY-1").await.expect("status"),
        PaymentStatus::Pending
    );

    let orders = ["IT-PD-1", "IT-GW-1", "IT-VC-1", "IT-JY-1"];
    for o in orders {
        sb.mark_paid(o).expect("paid");
    }
    // jiuyi-dc sends its first notify a second after the change: the clock is moved to it.
    run_until_delivered(&sb, &orders).await;

    for (p, o, expected) in [
        (
            Provider::Paydesk,
            "IT-PD-1",
            Expected::order("IT-PD-1").amount(pd_amount),
        ),
        (
            Provider::GatewayRecharge,
            "IT-GW-1",
            Expected::order("IT-GW-1").amount(gw_amount),
        ),
        (
            Provider::Vipcharge,
            "IT-VC-1",
            // settlementPrice is what the merchant pays (the cost), checked as a cost.
            Expected::order("IT-VC-1").cost(vc_price),
        ),
        (Provider::JiuyiDc, "IT-JY-1", Expected::order("IT-JY-1")),
    ] {
        assert_attempts(&sb, &router, p, o, &[true]);
        let n = ep.only(p, o);
        assert_eq!(n.status(), PaymentStatus::Paid, "{p}");
        n.check(&expected).unwrap_or_else(|m| panic!("{p}: {m}"));
        // Collection providers carry the amount paid; recharge providers do not (their amount
        // check does not apply) but a wrong cost is caught.
        let wrong = match p {
            Provider::Vipcharge | Provider::JiuyiDc => Expected::order(o).cost(Decimal::new(1, 2)),
            _ => Expected::order(o).amount(Decimal::new(1, 2)),
        };
        assert!(
            n.check(&wrong).is_err(),
            "{p}: a wrong amount or cost is caught"
        );
    }
    match ep.only(Provider::Paydesk, "IT-PD-1") {
        Notification::Paydesk(paydesk::notify::Notification::Cashier(p)) => {
            assert!(p.order_no.starts_with("PAYDESK"));
            assert_eq!(p.amount, pd_amount);
        }
        other => panic!("a paydesk cashier notify, got {other:?}"),
    }
    assert_eq!(ep.calls(), 4);

    assert_eq!(
        pd.checkout_status("IT-PD-1").await.expect("status"),
        PaymentStatus::Paid
    );
    assert_eq!(
        gw.checkout_status("IT-GW-1").await.expect("status"),
        PaymentStatus::Paid
    );
    assert_eq!(
        vc.recharge_status("IT-VC-1").await.expect("status"),
        PaymentStatus::Paid
    );
    assert_eq!(
        jy.recharge_status("IT-JY-1").await.expect("status"),
        PaymentStatus::Paid
    );
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_handler_makes_the_sandbox_record_a_refused_attempt_and_deliver_again() {
    let sb = sandbox().await;
    let (pd, gw) = (paydesk(&sb), gateway_recharge(&sb));
    let router = NotifyRouter::new()
        .paydesk(pd.notify_verifier())
        .gateway_recharge(gw.notify_verifier());
    let ep = Endpoint::start(router.clone()).await;
    ep.fail_next.store(2, Ordering::SeqCst);

    pd.create_checkout(
        &PayDeskRequest::new(
            "IT-PD-F",
            "TZS",
            Decimal::from(500),
            ep.url(Provider::Paydesk),
        )
        .mobile_money_phone("721323213")
        .real_name("Jeck")
        .phone("255700000001")
        .email("payer@example.com")
        .remark("it"),
    )
    .await
    .expect("paydesk checkout");
    gw.create_checkout(&CreateOrderRequest::new(
        "IT-GW-F",
        Decimal::new(5000, 2),
        "it order",
        "user123",
        "127.0.0.1",
        ep.url(Provider::GatewayRecharge),
        "https://merchant.example/return",
    ))
    .await
    .expect("gateway-recharge checkout");
    sb.mark_paid("IT-PD-F").expect("paid");
    sb.mark_paid("IT-GW-F").expect("paid");
    sb.settle().await.expect("settles");

    // Both first deliveries reached the handler, which failed: the retry reply was sent and the
    // sandbox recorded the attempts as not received.
    assert_eq!(ep.calls(), 2);
    assert!(ep.seen().is_empty());
    for (p, o) in [
        (Provider::Paydesk, "IT-PD-F"),
        (Provider::GatewayRecharge, "IT-GW-F"),
    ] {
        let records = paid_callbacks(&sb, o);
        assert_eq!(records.len(), 1, "{p}");
        assert_eq!(
            records[0].status,
            CallbackStatus::Pending,
            "{p}: retry scheduled"
        );
        let a = &records[0].attempts;
        assert_eq!(a.len(), 1);
        assert!(!a[0].acknowledged);
        let retry = router.retry_ack(p);
        assert_eq!(
            (a[0].status, a[0].body_snippet.as_str()),
            (Some(retry.status()), retry.body())
        );
    }

    // The provider's retries (10 s for WinPay, a minute for Cashy) are handled.
    run_until_delivered(&sb, &["IT-PD-F", "IT-GW-F"]).await;
    assert_attempts(&sb, &router, Provider::Paydesk, "IT-PD-F", &[false, true]);
    assert_attempts(
        &sb,
        &router,
        Provider::GatewayRecharge,
        "IT-GW-F",
        &[false, true],
    );
    assert_eq!(ep.calls(), 4);
    assert_eq!(
        ep.only(Provider::Paydesk, "IT-PD-F").status(),
        PaymentStatus::Paid
    );
    assert_eq!(
        ep.only(Provider::GatewayRecharge, "IT-GW-F").status(),
        PaymentStatus::Paid
    );
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_callback_is_refused_at_the_endpoint_and_the_genuine_redelivery_handled() {
    let sb = sandbox().await;
    let tp = tokenpay(&sb);
    let router = NotifyRouter::new().tokenpay(tp.notify_verifier());
    let ep = Endpoint::start(router.clone()).await;
    let amount = Decimal::new(95, 1);
    let link = tp
        .create_checkout(
            &PrepayRequest::new("IT-TP-1", amount, Chain::Tron, Currency::Usdt)
                .expire_second(600)
                .notify_url(ep.url(Provider::Tokenpay)),
        )
        .await
        .expect("tokenpay checkout");
    assert!(
        link.url
            .as_deref()
            .is_some_and(|u| u.contains("prepay_id=")),
        "{link:?}"
    );
    assert_eq!(
        tp.checkout_status("IT-TP-1").await.expect("status"),
        PaymentStatus::Pending
    );

    sb.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .provider("tokenpay")
            .on_callbacks()
            .once(),
    );
    sb.mark_paid("IT-TP-1").expect("paid");
    run_until_delivered(&sb, &["IT-TP-1"]).await;

    assert_attempts(&sb, &router, Provider::Tokenpay, "IT-TP-1", &[false, true]);
    let attempts = &paid_callbacks(&sb, "IT-TP-1")[0].attempts;
    assert!(attempts[0].tampered && !attempts[1].tampered);
    assert_eq!(
        ep.calls(),
        1,
        "the forged delivery never reached the handler"
    );
    let n = ep.only(Provider::Tokenpay, "IT-TP-1");
    n.check(&Expected::order("IT-TP-1").amount(amount).currency("USDT"))
        .expect("matches the order");
    assert_eq!(
        tp.checkout_status("IT-TP-1").await.expect("status"),
        PaymentStatus::Paid
    );
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vector_callbacks_over_http_are_answered_with_each_provider_s_reply() {
    let ep = Endpoint::start(router_all()).await;
    let http = reqwest::Client::new();
    for round in 0..2 {
        for cb in all_callbacks() {
            let resp = http
                .post(ep.url(cb.provider))
                .headers(cb.headers.clone())
                .body(cb.body.clone())
                .send()
                .await
                .expect("endpoint answers");
            let status = resp.status().as_u16();
            let ct = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = resp.text().await.expect("body");
            assert_eq!(
                (status, body.as_str()),
                (cb.ack_status, cb.ack_body.as_str()),
                "{} round {round}",
                cb.provider
            );
            assert_eq!(
                ct.as_deref(),
                Some(router_all().ack(cb.provider).content_type())
            );
        }
    }
    // Five events, each handled once: the second round was answered as duplicates.
    assert_eq!(ep.calls(), 5);
    let mut providers: Vec<Provider> = ep.seen().iter().map(Notification::provider).collect();
    providers.sort();
    assert_eq!(providers, Provider::ALL);

    // An unknown provider is not found; a tampered body gets the provider's retry reply.
    let resp = http
        .post(format!("{}/stripe", ep.base))
        .body("{}")
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status().as_u16(), 404);
    let cb = crate::support::paydesk();
    let mut forged = cb.body.clone();
    forged[12] ^= 1;
    let resp = http
        .post(ep.url(Provider::Paydesk))
        .headers(cb.headers.clone())
        .body(forged)
        .send()
        .await
        .expect("answer");
    assert_eq!(
        (
            resp.status().as_u16(),
            resp.text().await.expect("body").as_str()
        ),
        (500, "FAIL")
    );
    assert_eq!(ep.calls(), 5);
}
