//! The registry (`payhub::Hub`) against the in-process sandbox: accounts built from settings and
//! from `payhub.toml` text, one order shape on every provider through `dyn Account`s, two
//! accounts of one provider side by side with their callbacks routed to each, a callback for an
//! account that is not configured refused, and a key rotation (the previous key accepted with a
//! warning, neither key refused).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use payhub::{
    Account, AccountSettings, CheckoutRequest, Customer, Delivery, Error, Hub, KeyUsed,
    PaymentStatus, Provider, RechargeRequest, Verified,
};
use payhub_runtime::test_util::LogCapture;
use payhub_sandbox::{OrderFilter, Sandbox, SandboxHandle};
use rust_decimal::Decimal;
use tokio::sync::oneshot;

fn cred(sb: &SandboxHandle, module: &str, label: &str) -> String {
    sb.credentials(module)
        .into_iter()
        .find(|c| c.label() == label)
        .unwrap_or_else(|| panic!("no {label} for {module}"))
        .value()
        .to_owned()
}

/// The sandbox's test credentials of every provider, as account settings (the keys of
/// `payhub.toml`).
fn settings(sb: &SandboxHandle, p: Provider) -> AccountSettings {
    let s = AccountSettings::new().set("timeout_secs", "5");
    match p {
        Provider::GatewayRecharge => s
            .set("base_url", sb.provider_url("gateway_recharge"))
            .set("merchant_no", cred(sb, "gateway_recharge", "merchant_no"))
            .set("key", cred(sb, "gateway_recharge", "key")),
        Provider::JiuyiDc => s
            .set("base_url", sb.provider_url("jiuyi_dc"))
            .set("appid", cred(sb, "jiuyi_dc", "appid"))
            .set("appsecret", cred(sb, "jiuyi_dc", "appsecret")),
        Provider::Paydesk => s
            .set("base_url", sb.provider_url("paydesk"))
            .set("merchant_id", cred(sb, "paydesk", "MerchantId"))
            .set("api_key", cred(sb, "paydesk", "apiKey")),
        Provider::Tokenpay => s
            .set("base_url", sb.provider_url("tokenpay"))
            .set("app_id", cred(sb, "tokenpay", "app_id"))
            .set("mch_id", cred(sb, "tokenpay", "mch_id"))
            .set("app_secret", cred(sb, "tokenpay", "app_secret")),
        Provider::Vipcharge => s
            .set("base_url", sb.provider_url("vipcharge"))
            .set("merchant_id", cred(sb, "vipcharge", "merchantId"))
            .set("business_id", cred(sb, "vipcharge", "businessId"))
            .set("sign_type", "MD5")
            .set("secret", cred(sb, "vipcharge", "secret (MD5)")),
        other => panic!("no settings for {other}"),
    }
}

/// A callback receiver on 127.0.0.1: `/cb/{provider}` and `/cb/{provider}/{account}` run
/// `Hub::deliver` and record what the handler was given.
struct Receiver {
    base: String,
    seen: Arc<Mutex<Vec<Verified>>>,
    refused: Arc<Mutex<Vec<String>>>,
    _stop: oneshot::Sender<()>,
}

#[derive(Clone)]
struct RecvState {
    hub: Arc<Hub>,
    seen: Arc<Mutex<Vec<Verified>>>,
    refused: Arc<Mutex<Vec<String>>>,
}

async fn receive(
    st: &RecvState,
    provider: &str,
    account: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let p: Provider = provider.parse().expect("provider");
    let seen = st.seen.clone();
    let (ack, delivery) = st
        .hub
        .deliver(p, account, headers, body, |v| async move {
            seen.lock().expect("lock").push(v);
            Ok::<(), String>(())
        })
        .await;
    if let Delivery::Rejected(e) = &delivery {
        st.refused.lock().expect("lock").push(e.to_string());
    }
    payhub::axum::ack_response(&ack)
}

impl Receiver {
    async fn start(hub: Hub) -> Self {
        let st = RecvState {
            hub: Arc::new(hub),
            seen: Arc::default(),
            refused: Arc::default(),
        };
        let app =
            axum::Router::new()
                .route(
                    "/cb/{provider}",
                    post(
                        |State(st): State<RecvState>,
                         Path(p): Path<String>,
                         h: HeaderMap,
                         b: Bytes| async move {
                            receive(&st, &p, None, &h, &b).await
                        },
                    ),
                )
                .route(
                    "/cb/{provider}/{account}",
                    post(
                        |State(st): State<RecvState>,
                         Path((p, a)): Path<(String, String)>,
                         h: HeaderMap,
                         b: Bytes| async move {
                            receive(&st, &p, Some(&a), &h, &b).await
                        },
                    ),
                )
                .with_state(st.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}/cb", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service())
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Self {
            base,
            seen: st.seen,
            refused: st.refused,
            _stop: stop,
        }
    }

    /// Waits (bounded) until the handler saw a paid callback for `order`; returns it.
    async fn paid(&self, order: &str) -> Verified {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found = self
                .seen
                .lock()
                .expect("lock")
                .iter()
                .find(|v| {
                    v.notification.facts().merchant_order_no == order
                        && v.notification.status().is_paid()
                })
                .cloned();
            if let Some(v) = found {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "no paid callback for {order}; refused: {:?}",
                self.refused.lock().expect("lock")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (bounded) until a callback was refused with a message containing `needle`.
    async fn refused_with(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(m) = self
                .refused
                .lock()
                .expect("lock")
                .iter()
                .find(|m| m.contains(needle))
            {
                return m.clone();
            }
            assert!(Instant::now() < deadline, "no refusal mentioning {needle}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn checkout(no: &str, amount: Decimal, currency: &str, notify: String) -> CheckoutRequest {
    CheckoutRequest::new(no, amount, currency)
        .description("hub test order")
        .notify_url(notify)
        .return_url("https://shop.example/thanks")
        .customer(
            Customer::new()
                .id("user-42")
                .ip("127.0.0.1")
                .name("Jeck")
                .phone("255700000001")
                .email("payer@example.com"),
        )
        .extra(Provider::Paydesk, "mobile_money_phone", "721323213")
        .extra(Provider::Tokenpay, "chain", "TRON")
}

fn mark_paid(sb: &SandboxHandle, no: &str) {
    let order = sb
        .orders(&OrderFilter::default())
        .into_iter()
        .find(|o| o.merchant_order_no == no)
        .unwrap_or_else(|| panic!("the sandbox has no order {no}"));
    sb.mark_paid(&order.platform_order_no).expect("mark paid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_order_shape_on_every_provider_through_dyn_accounts() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let mut builder = Hub::builder();
    for p in Provider::ALL {
        builder = builder.account_from_settings(p, "default", &settings(&sb, p));
    }
    let hub = builder.build().expect("hub");
    // Generic code: any provider's account as a trait object, in one map.
    let accounts: BTreeMap<Provider, &dyn Account> = Provider::ALL
        .into_iter()
        .map(|p| (p, hub.account(p, None).expect("account")))
        .collect();
    assert_eq!(accounts.len(), 5);
    let rx = Receiver::start(hub.clone()).await;

    let collection = [
        (
            Provider::GatewayRecharge,
            "HUB-GW-1",
            Decimal::new(10000, 2),
            "CNY",
        ),
        (Provider::Paydesk, "HUB-PD-1", Decimal::from(1000), "TZS"),
        (Provider::Tokenpay, "HUB-TP-1", Decimal::new(95, 1), "USDT"),
    ];
    for (p, no, amount, currency) in collection {
        let req = checkout(no, amount, currency, format!("{}/{p}", rx.base));
        let link = accounts[&p].checkout(&req).await.expect("checkout");
        assert_eq!(link.provider, p);
        assert_eq!(link.merchant_order_no, no);
        assert!(link.url.is_some() || link.qr.is_some(), "{p}: {link:?}");
        // A recharge on a collection provider is refused before anything is sent.
        let wrong = RechargeRequest::new("X", "1", "2");
        assert!(matches!(
            accounts[&p].recharge(&wrong).await,
            Err(Error::Unsupported { .. })
        ));
    }
    let recharge = [
        (Provider::Vipcharge, "HUB-VC-1", "87103", "w23b52"),
        (Provider::JiuyiDc, "HUB-JY-1", "43", "13800138000"),
    ];
    for (p, no, product, account) in recharge {
        let req = RechargeRequest::new(no, product, account).notify_url(format!("{}/{p}", rx.base));
        let receipt = hub.recharge(p, None, &req).await.expect("recharge");
        assert_eq!(receipt.provider, p);
        assert_eq!(receipt.merchant_order_no, no);
    }
    for no in ["HUB-GW-1", "HUB-PD-1", "HUB-TP-1", "HUB-VC-1", "HUB-JY-1"] {
        mark_paid(&sb, no);
    }
    for (p, no) in [
        (Provider::GatewayRecharge, "HUB-GW-1"),
        (Provider::Paydesk, "HUB-PD-1"),
        (Provider::Tokenpay, "HUB-TP-1"),
        (Provider::Vipcharge, "HUB-VC-1"),
        (Provider::JiuyiDc, "HUB-JY-1"),
    ] {
        let v = rx.paid(no).await;
        assert_eq!(v.notification.provider(), p);
        assert_eq!(v.account, "default");
        assert_eq!(v.key, KeyUsed::Current);
        assert!(
            hub.status(p, None, no).await.expect("status").is_paid(),
            "{p}"
        );
    }
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_field_is_named_before_anything_is_sent() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let hub = Hub::builder()
        .account_from_settings(
            Provider::GatewayRecharge,
            "default",
            &settings(&sb, Provider::GatewayRecharge),
        )
        .account_from_settings(
            Provider::Tokenpay,
            "default",
            &settings(&sb, Provider::Tokenpay),
        )
        .build()
        .expect("hub");
    let bare = CheckoutRequest::new("HUB-GW-MISSING", Decimal::ONE, "CNY");
    let e = hub
        .checkout(Provider::GatewayRecharge, None, &bare)
        .await
        .expect_err("fields missing");
    let text = e.to_string();
    for field in [
        "description",
        "customer.id",
        "customer.ip",
        "notify_url",
        "return_url",
    ] {
        assert!(text.contains(field), "{field} not named: {text}");
    }
    assert!(text.contains("gateway-recharge"), "{text}");
    let e = hub
        .checkout(Provider::Tokenpay, None, &bare)
        .await
        .expect_err("no chain");
    assert!(e.to_string().contains("chain"), "{e}");
    // With `chain` given, a misspelt extra is refused, not dropped.
    let typo =
        bare.extra(Provider::Tokenpay, "chain", "TRON")
            .extra(Provider::Tokenpay, "chian", "TRON");
    let e = hub
        .checkout(Provider::Tokenpay, None, &typo)
        .await
        .expect_err("unknown extra");
    assert!(
        matches!(
            e,
            Error::MissingRequestField { .. } | Error::UnknownExtra { .. }
        ),
        "{e}"
    );
    assert!(matches!(e, Error::UnknownExtra { .. }), "{e}");
    assert!(e.to_string().contains("chian"), "{e}");
    assert!(
        sb.orders(&OrderFilter::default()).is_empty(),
        "nothing reached the sandbox"
    );
    sb.shutdown().await.expect("shutdown");
}

/// A sandbox whose paydesk and vipcharge modules each have two merchants.
async fn two_merchant_sandbox() -> SandboxHandle {
    let paydesk: toml::Table = toml::from_str(
        r#"merchants = [
            { merchant_id = "1002001", api_key = "tzKey" },
            { merchant_id = "1002002", api_key = "keKey" },
        ]"#,
    )
    .expect("toml");
    let vipcharge: toml::Table = toml::from_str(
        r#"merchants = [
            { merchant_id = "166", business_id = "166", secret = "brandA" },
            { merchant_id = "167", business_id = "167", secret = "brandB" },
        ]"#,
    )
    .expect("toml");
    Sandbox::builder()
        .provider_config("paydesk", paydesk)
        .provider_config("vipcharge", vipcharge)
        .start()
        .await
        .expect("sandbox")
}

fn two_account_toml(sb: &SandboxHandle) -> String {
    let pd = sb.provider_url("paydesk");
    let vc = sb.provider_url("vipcharge");
    format!(
        r#"
        [[paydesk]]
        name = "tz"
        base_url = "{pd}"
        merchant_id = 1002001
        api_key = "tzKey"

        [[paydesk]]
        name = "ke"
        base_url = "{pd}"
        merchant_id = 1002002
        api_key = "keKey"

        [[vipcharge]]
        name = "brand-a"
        base_url = "{vc}"
        merchant_id = "166"
        business_id = "166"
        sign_type = "MD5"
        secret = "brandA"

        [[vipcharge]]
        name = "brand-b"
        base_url = "{vc}"
        merchant_id = "167"
        business_id = "167"
        sign_type = "MD5"
        secret = "brandB"
        "#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_accounts_of_one_provider_each_get_their_own_callbacks() {
    let sb = two_merchant_sandbox().await;
    let hub = Hub::from_toml(&two_account_toml(&sb), None).expect("hub from toml");
    assert_eq!(hub.account_names(Provider::Paydesk), ["ke", "tz"]);
    let rx = Receiver::start(hub.clone()).await;
    let hook = format!("{}/paydesk", rx.base);

    // Without a name, a provider with two accounts cannot pick.
    let e = hub
        .checkout(
            Provider::Paydesk,
            None,
            &checkout("X", Decimal::from(1000), "TZS", hook.clone()),
        )
        .await
        .expect_err("which account?");
    assert!(matches!(e, Error::AccountNotNamed { .. }), "{e}");

    for (account, no) in [("tz", "HUB-TZ-1"), ("ke", "HUB-KE-1")] {
        let req = checkout(no, Decimal::from(1000), "TZS", hook.clone());
        hub.checkout(Provider::Paydesk, Some(account), &req)
            .await
            .expect("checkout");
    }
    for (account, no) in [("brand-a", "HUB-VA-1"), ("brand-b", "HUB-VB-1")] {
        let req = RechargeRequest::new(no, "87103", "w23b52")
            .notify_url(format!("{}/vipcharge", rx.base));
        hub.recharge(Provider::Vipcharge, Some(account), &req)
            .await
            .expect("recharge");
    }
    for no in ["HUB-TZ-1", "HUB-KE-1", "HUB-VA-1", "HUB-VB-1"] {
        mark_paid(&sb, no);
    }
    // Each callback names its merchant (paydesk `MerchantId`, vipcharge `businessId`) and is
    // routed to, and verified by, its own account, over the one route per provider.
    for (no, account) in [
        ("HUB-TZ-1", "tz"),
        ("HUB-KE-1", "ke"),
        ("HUB-VA-1", "brand-a"),
        ("HUB-VB-1", "brand-b"),
    ] {
        assert_eq!(rx.paid(no).await.account, account, "{no}");
    }
    assert_eq!(
        hub.status(Provider::Paydesk, Some("ke"), "HUB-KE-1")
            .await
            .expect("status"),
        PaymentStatus::Paid
    );
    // The other account does not know the order (its merchant id differs).
    assert!(
        !hub.status(Provider::Paydesk, Some("tz"), "HUB-KE-1")
            .await
            .map(|s| s.is_paid())
            .unwrap_or(false)
    );
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_for_an_account_that_is_not_configured_is_refused() {
    let sb = two_merchant_sandbox().await;
    // Only the `tz` account is configured here; the sandbox's second merchant (1002002) sends
    // callbacks too.
    let tz_only = Hub::builder()
        .account_from_settings(Provider::Paydesk, "tz", &tz_settings(&sb))
        .build()
        .expect("hub");
    let rx = Receiver::start(tz_only.clone()).await;
    let ke = Hub::from_toml(&two_account_toml(&sb), None).expect("hub");
    let req = checkout(
        "HUB-KE-UNKNOWN",
        Decimal::from(1000),
        "TZS",
        format!("{}/paydesk", rx.base),
    );
    ke.checkout(Provider::Paydesk, Some("ke"), &req)
        .await
        .expect("checkout");
    // A callback routed by path to an account that does not exist.
    let req = checkout(
        "HUB-PATH-UNKNOWN",
        Decimal::from(1000),
        "TZS",
        format!("{}/paydesk/nosuch", rx.base),
    );
    tz_only
        .checkout(Provider::Paydesk, None, &req)
        .await
        .expect("checkout");
    mark_paid(&sb, "HUB-KE-UNKNOWN");
    mark_paid(&sb, "HUB-PATH-UNKNOWN");
    // With one account configured, the router uses it; its verifier refuses the other
    // merchant's callback (a different MerchantId and key).
    let m = rx.refused_with("1002002").await;
    assert!(m.contains("paydesk"), "{m}");
    let m = rx.refused_with("nosuch").await;
    assert!(m.contains("has no account `nosuch`"), "{m}");
    // Neither reached the handler; the sandbox was told to retry (not acknowledged).
    assert!(rx.seen.lock().expect("lock").is_empty());
    for no in ["HUB-KE-UNKNOWN", "HUB-PATH-UNKNOWN"] {
        let acked = sb
            .callbacks()
            .iter()
            .filter(|c| c.merchant_order_no == no)
            .flat_map(|c| c.attempts.iter())
            .any(|a| a.acknowledged);
        assert!(!acked, "{no} was acknowledged");
    }

    // With both accounts configured, a callback naming a third merchant is refused as unknown.
    let both = Hub::from_toml(&two_account_toml(&sb), None).expect("hub");
    let mut headers = HeaderMap::new();
    headers.insert("MerchantId", "1009999".parse().expect("header"));
    headers.insert("Sign", "00".parse().expect("header"));
    let e = both
        .verify(Provider::Paydesk, None, &headers, b"{}")
        .expect_err("unknown merchant");
    assert!(matches!(e, Error::UnknownMerchant { .. }), "{e}");
    assert!(e.to_string().contains("1009999"), "{e}");
    sb.shutdown().await.expect("shutdown");
}

fn tz_settings(sb: &SandboxHandle) -> AccountSettings {
    AccountSettings::new()
        .set("base_url", sb.provider_url("paydesk"))
        .set("merchant_id", "1002001")
        .set("api_key", "tzKey")
}

/// Catches raw callbacks (headers and body) and answers 500, so they can be verified by hand.
struct RawCatcher {
    url: String,
    caught: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    _stop: oneshot::Sender<()>,
}

impl RawCatcher {
    async fn start() -> Self {
        let caught: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
        let sink = caught.clone();
        let app = axum::Router::new().route(
            "/raw",
            post(move |h: HeaderMap, b: Bytes| {
                let sink = sink.clone();
                async move {
                    sink.lock().expect("lock").push((h, b));
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/raw", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Self {
            url,
            caught,
            _stop: stop,
        }
    }

    async fn first(&self) -> (HeaderMap, Bytes) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(c) = self.caught.lock().expect("lock").first() {
                return c.clone();
            }
            assert!(Instant::now() < deadline, "no callback caught");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn rotated_toml(sb: &SandboxHandle, current: &str, previous: &str) -> String {
    format!(
        r#"
        [[paydesk]]
        name = "tz"
        base_url = "{}"
        merchant_id = 1002001
        api_key = "{current}"
        previous_api_key = "{previous}"
        "#,
        sb.provider_url("paydesk")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_signed_with_the_previous_key_verifies_and_is_logged() {
    let sb = two_merchant_sandbox().await;
    let catcher = RawCatcher::start().await;
    // The provider still signs with `tzKey`; the merchant has moved to `tzKey2`.
    let before = Hub::builder()
        .account_from_settings(Provider::Paydesk, "tz", &tz_settings(&sb))
        .build()
        .expect("hub");
    let req = checkout("HUB-ROT-1", Decimal::from(1000), "TZS", catcher.url.clone());
    before
        .checkout(Provider::Paydesk, None, &req)
        .await
        .expect("checkout");
    mark_paid(&sb, "HUB-ROT-1");
    let (headers, body) = catcher.first().await;

    let rotating = Hub::from_toml(&rotated_toml(&sb, "tzKey2", "tzKey"), None).expect("hub");
    let logs = LogCapture::start();
    let verified = rotating
        .verify(Provider::Paydesk, None, &headers, &body)
        .expect("the previous key verifies");
    let text = logs.finish();
    assert_eq!(verified.key, KeyUsed::Previous);
    assert_eq!(verified.account, "tz");
    assert!(text.contains("previous key"), "{text}");
    assert!(
        text.contains("paydesk") && text.contains("tz"),
        "names provider and account: {text}"
    );
    assert!(!text.contains("tzKey"), "a key was logged: {text}");

    // The current key verifies without a warning.
    let current = Hub::from_toml(&rotated_toml(&sb, "tzKey", "old"), None).expect("hub");
    let v = current
        .verify(Provider::Paydesk, None, &headers, &body)
        .expect("current key");
    assert_eq!(v.key, KeyUsed::Current);

    // Neither key: refused with the provider crate's notify error.
    let neither = Hub::from_toml(&rotated_toml(&sb, "k1", "k2"), None).expect("hub");
    let e = neither
        .verify(Provider::Paydesk, None, &headers, &body)
        .expect_err("neither key");
    assert!(e.is_notify_rejection(), "{e}");
    sb.shutdown().await.expect("shutdown");
}

#[test]
fn a_bad_config_names_the_provider_account_and_key() {
    for (toml, needles) in [
        (
            "[[paydesk]]\nname = \"tz\"\nbase_url = \"https://x.example\"\nmerchant_id = 1\n",
            &["paydesk", "tz", "api_key", "not set"][..],
        ),
        (
            "[[paydesk]]\nname = \"tz\"\nbase_url = \"https://x.example\"\nmerchant_id = 1\napi_key = \"k\"\napi_kye = \"k\"\n",
            &["api_kye", "not a setting"][..],
        ),
        (
            "[[paydesk]]\nbase_url = \"https://x.example\"\nmerchant_id = 1\napi_key = \"k\"\n[[paydesk]]\nbase_url = \"https://y.example\"\nmerchant_id = 2\napi_key = \"k\"\n",
            &["needs a `name`"][..],
        ),
        (
            "[[paydesk]]\nname = \"a\"\nbase_url = \"https://x.example\"\nmerchant_id = \"x1\"\napi_key = \"secretvalue\"\n",
            &["merchant_id", "numeric"][..],
        ),
        ("[stripe]\nkey = 1\n", &["unknown table [stripe]"][..]),
    ] {
        let e = Hub::from_toml(toml, None).expect_err("invalid");
        let text = e.to_string();
        for n in needles {
            assert!(text.contains(n), "{n:?} missing from: {text}");
        }
        assert!(!text.contains("secretvalue"), "{text}");
    }
}
