//! Several merchants of one provider side by side (the facade routes callbacks for several
//! merchant accounts of one provider): for gateway_recharge, jiuyi_dc and tokenpay, two
//! merchants configured through `SandboxBuilder::provider_config`, an order created by each
//! with the provider crate's `Client`, marked paid through the HTTP control API, and each
//! callback verified by its own merchant's `NotifyVerifier` and refused by the other's; a
//! request naming an unknown merchant is refused with the module's "unknown merchant" reply.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use http::HeaderMap;
use payhub_sandbox::{CallbackStatus, Sandbox, SandboxHandle};
use rust_decimal::Decimal;

/// One delivery as received: path, headers, body.
#[derive(Clone, Debug)]
struct Hit {
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

/// A local callback endpoint on 127.0.0.1 that records every delivery and acknowledges it with
/// the body each provider expects (`/gw` → `SUCCESS`, anything else → `success`).
#[derive(Clone)]
struct Receiver {
    base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

async fn receive(
    State(hits): State<Arc<Mutex<Vec<Hit>>>>,
    uri: http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> &'static str {
    let path = uri.path().to_owned();
    let ack = if path.starts_with("/gw") {
        "SUCCESS"
    } else {
        "success"
    };
    hits.lock().expect("lock").push(Hit {
        path,
        headers,
        body,
    });
    ack
}

impl Receiver {
    async fn start() -> Self {
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let base = format!("http://{}", tcp.local_addr().expect("addr"));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/{*path}", post(receive))
            .with_state(Arc::clone(&hits));
        tokio::spawn(async move {
            let _ = axum::serve(tcp, app).await;
        });
        Self { base, hits }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hit(&self, path: &str) -> Hit {
        let hits = self.hits.lock().expect("lock");
        let found: Vec<&Hit> = hits.iter().filter(|h| h.path == path).collect();
        assert_eq!(found.len(), 1, "one delivery to {path}: {hits:?}");
        found[0].clone()
    }
}

async fn sandbox(provider: &str, config: &str) -> SandboxHandle {
    let table: toml::Table = toml::from_str(config).expect("config table");
    Sandbox::builder()
        .clock_speed(0)
        .provider_config(provider, table)
        .start()
        .await
        .expect("sandbox starts")
}

/// Marks an order paid through the HTTP control API, then waits for the first callback attempt.
async fn pay_via_control_api(sb: &SandboxHandle, key: &str) {
    let url = format!("{}/_sandbox/orders/{key}/paid", sb.base_url());
    let reply = reqwest::Client::new()
        .post(&url)
        .send()
        .await
        .expect("control API answers");
    assert_eq!(reply.status(), 200, "{url}: {:?}", reply.text().await);
    sb.settle().await.expect("settle");
}

fn assert_delivered(sb: &SandboxHandle, key: &str) {
    let callbacks = sb.callbacks_for(key);
    assert_eq!(callbacks.len(), 1, "{key}: {callbacks:?}");
    assert_eq!(callbacks[0].status, CallbackStatus::Delivered, "{key}");
}

fn credential_values(sb: &SandboxHandle, provider: &str) -> Vec<String> {
    sb.credentials(provider)
        .iter()
        .map(|c| c.value().to_owned())
        .collect()
}

mod gateway {
    use super::*;
    use gateway_recharge::Client;
    use gateway_recharge::api::{BalanceRequest, CreateOrderRequest};
    use gateway_recharge::notify::NotifyVerifier;

    const CONFIG: &str = r#"merchants = [
        { merchant_no = "M1000000001", key = "key-one" },
        { merchant_no = "M1000000002", key = "key-two", initial_balance = "5.0000" },
    ]"#;

    fn client(sb: &SandboxHandle, merchant: &str, key: &str) -> Client {
        Client::builder(merchant, key)
            .base_url(sb.provider_url("gateway_recharge"))
            .timeout(Duration::from_secs(2))
            .build()
            .expect("client")
    }

    fn create(order_no: &str, callback: &str) -> CreateOrderRequest {
        CreateOrderRequest::new(
            order_no,
            Decimal::new(10000, 2),
            "multi",
            "user-1",
            "192.168.1.1",
            callback,
            "https://shop.example/return",
        )
    }

    #[tokio::test]
    async fn two_merchants_each_callback_signed_with_its_own_key() {
        let sb = sandbox("gateway_recharge", CONFIG).await;
        let rx = Receiver::start().await;
        let one = client(&sb, "M1000000001", "key-one");
        let two = client(&sb, "M1000000002", "key-two");
        // The same merchant order number for both: orders are per merchant.
        let a = one
            .send(&create("SAME-1", &rx.url("/gw/one")))
            .await
            .expect("merchant one creates");
        let b = two
            .send(&create("SAME-1", &rx.url("/gw/two")))
            .await
            .expect("merchant two creates");
        assert_ne!(a.trade_no, b.trade_no);
        assert_eq!(
            sb.order(&a.trade_no).expect("order a").merchant_id,
            "M1000000001"
        );
        assert_eq!(
            sb.order(&b.trade_no).expect("order b").merchant_id,
            "M1000000002"
        );

        pay_via_control_api(&sb, &a.trade_no).await;
        pay_via_control_api(&sb, &b.trade_no).await;
        assert_delivered(&sb, &a.trade_no);
        assert_delivered(&sb, &b.trade_no);

        let v_one = NotifyVerifier::new("M1000000001", "key-one");
        let v_two = NotifyVerifier::new("M1000000002", "key-two");
        let hit_a = rx.hit("/gw/one");
        let hit_b = rx.hit("/gw/two");
        let n = v_one
            .verify(&hit_a.headers, &hit_a.body)
            .expect("one's key");
        assert_eq!(n.trade_no, a.trade_no);
        v_two
            .verify(&hit_a.headers, &hit_a.body)
            .expect_err("merchant two's key refuses merchant one's callback");
        let n = v_two
            .verify(&hit_b.headers, &hit_b.body)
            .expect("two's key");
        assert_eq!(n.trade_no, b.trade_no);
        v_one
            .verify(&hit_b.headers, &hit_b.body)
            .expect_err("merchant one's key refuses merchant two's callback");

        // Balances are per merchant.
        let bal_one = one.send(&BalanceRequest::new()).await.expect("balance one");
        let bal_two = two.send(&BalanceRequest::new()).await.expect("balance two");
        assert_eq!(bal_one.balance.to_string(), "90162.0000");
        assert_eq!(bal_two.balance.to_string(), "105.0000");

        let creds = credential_values(&sb, "gateway_recharge");
        for v in ["M1000000001", "key-one", "M1000000002", "key-two"] {
            assert!(creds.iter().any(|c| c == v), "{v} listed: {creds:?}");
        }
        assert!(
            !creds.iter().any(|c| c == "M1234567890"),
            "a `merchants` list without top-level keys replaces the demo merchant"
        );
        sb.shutdown().await.expect("shutdown");
    }

    #[tokio::test]
    async fn unknown_merchant_and_cross_keys_are_refused() {
        let sb = sandbox("gateway_recharge", CONFIG).await;
        for (merchant, key, code) in [
            ("M999", "key-one", "1002"),
            ("M1234567890", "adesf235", "1002"),
            ("M1000000001", "key-two", "1001"),
        ] {
            let e = client(&sb, merchant, key)
                .balance()
                .await
                .expect_err("refused");
            assert_eq!(
                e.as_api().map(|a| a.code().as_str()),
                Some(code),
                "{merchant}: {e:?}"
            );
        }
        sb.shutdown().await.expect("shutdown");
    }

    #[tokio::test]
    async fn top_level_keys_stay_a_merchant_beside_the_list() {
        let config = format!("merchant_no = \"M1234567890\"\n{CONFIG}");
        let sb = sandbox("gateway_recharge", &config).await;
        for (merchant, key) in [("M1234567890", "adesf235"), ("M1000000002", "key-two")] {
            client(&sb, merchant, key)
                .balance()
                .await
                .expect("accepted");
        }
        let dup = Sandbox::builder()
            .provider_config(
                "gateway_recharge",
                toml::from_str(
                    r#"merchants = [{ merchant_no = "M1", key = "a" }, { merchant_no = "M1", key = "b" }]"#,
                )
                .expect("table"),
            )
            .start()
            .await
            .expect_err("a merchant twice");
        assert!(dup.to_string().contains("twice"), "{dup}");
        sb.shutdown().await.expect("shutdown");
    }
}

mod jiuyi {
    use super::*;
    use jiuyi_dc::Client;
    use jiuyi_dc::api::{PayRequest, QueryCashRequest, QueryOrderRequest};
    use jiuyi_dc::notify::NotifyVerifier;

    const CONFIG: &str = r#"
        auto_fulfil = false
        merchants = [
            { appid = "20000001", appsecret = "SECRET-ONE" },
            { appid = "20000002", appsecret = "SECRET-TWO", initial_balance = "100.00" },
        ]"#;

    fn client(sb: &SandboxHandle, appid: &str, secret: &str) -> Client {
        Client::builder(appid, secret)
            .base_url(sb.provider_url("jiuyi_dc"))
            .timeout(Duration::from_secs(2))
            .build()
            .expect("client")
    }

    #[tokio::test]
    async fn two_merchants_each_notify_signed_with_its_own_secret() {
        let sb = sandbox("jiuyi_dc", CONFIG).await;
        let rx = Receiver::start().await;
        let one = client(&sb, "20000001", "SECRET-ONE");
        let two = client(&sb, "20000002", "SECRET-TWO");
        let a = one
            .send(&PayRequest::new("43", "13800138000", "SAME-1").notify_url(rx.url("/jy/one")))
            .await
            .expect("merchant one pays");
        let b = two
            .send(&PayRequest::new("43", "13800138001", "SAME-1").notify_url(rx.url("/jy/two")))
            .await
            .expect("merchant two pays");
        assert_ne!(a.order_id, b.order_id);

        // One merchant cannot read the other's order, even by platform number.
        let other = two
            .send(&QueryOrderRequest::by_order_id(&a.order_id))
            .await
            .expect_err("not merchant two's order");
        assert_eq!(other.api_message(), Some("订单不存在"));

        pay_via_control_api(&sb, &a.order_id).await;
        pay_via_control_api(&sb, &b.order_id).await;
        // dcapi's first notify goes out 1 s after the change.
        sb.advance(Duration::from_secs(1));
        sb.settle().await.expect("settle");
        assert_delivered(&sb, &a.order_id);
        assert_delivered(&sb, &b.order_id);

        let v_one = NotifyVerifier::new("SECRET-ONE");
        let v_two = NotifyVerifier::new("SECRET-TWO");
        let hit_a = rx.hit("/jy/one");
        let hit_b = rx.hit("/jy/two");
        let n = v_one
            .verify(&hit_a.headers, &hit_a.body)
            .expect("one's secret");
        assert_eq!(n.order_id, a.order_id);
        v_two
            .verify(&hit_a.headers, &hit_a.body)
            .expect_err("merchant two's secret refuses merchant one's notify");
        let n = v_two
            .verify(&hit_b.headers, &hit_b.body)
            .expect("two's secret");
        assert_eq!(n.order_id, b.order_id);
        v_one
            .verify(&hit_b.headers, &hit_b.body)
            .expect_err("merchant one's secret refuses merchant two's notify");

        // Balances are per merchant: each spent one 19.80 order.
        let cash_one = one.send(&QueryCashRequest::new()).await.expect("cash one");
        let cash_two = two.send(&QueryCashRequest::new()).await.expect("cash two");
        assert_eq!(cash_one.yuan, Decimal::new(98020, 2));
        assert_eq!(cash_two.yuan, Decimal::new(8020, 2));

        let creds = credential_values(&sb, "jiuyi_dc");
        for v in ["20000001", "SECRET-ONE", "20000002", "SECRET-TWO"] {
            assert!(creds.iter().any(|c| c == v), "{v} listed: {creds:?}");
        }
        sb.shutdown().await.expect("shutdown");
    }

    #[tokio::test]
    async fn unknown_appid_and_cross_secrets_are_refused() {
        let sb = sandbox("jiuyi_dc", CONFIG).await;
        for (appid, secret, msg) in [
            ("29999999", "SECRET-ONE", "appid不存在"),
            ("19190009", "HJH546HKDHK", "appid不存在"),
            ("20000001", "SECRET-TWO", "签名错误"),
        ] {
            let e = client(&sb, appid, secret)
                .send(&QueryCashRequest::new())
                .await
                .expect_err("refused");
            assert_eq!(e.api_message(), Some(msg), "{appid}: {e:?}");
        }
        sb.shutdown().await.expect("shutdown");
    }
}

mod tokenpay_apps {
    use super::*;
    use tokenpay::api::PrepayRequest;
    use tokenpay::types::{ApiCode, Chain, Currency};
    use tokenpay::{Client, NotifyVerifier, ReplySignatureMode};

    const ONE: (&str, &str, &str) = ("app-one", "1000000001", "11111111111111111111111111111111");
    const TWO: (&str, &str, &str) = ("app-two", "1000000002", "22222222222222222222222222222222");

    fn config() -> String {
        // `merchants`, the name the other modules use, is accepted for `apps`.
        format!(
            r#"merchants = [
                {{ app_id = "{}", mch_id = "{}", app_secret = "{}" }},
                {{ app_id = "{}", mch_id = "{}", app_secret = "{}" }},
            ]"#,
            ONE.0, ONE.1, ONE.2, TWO.0, TWO.1, TWO.2
        )
    }

    fn client(sb: &SandboxHandle, (app, mch, secret): (&str, &str, &str)) -> Client {
        Client::builder(app, mch, secret)
            .base_url(sb.provider_url("tokenpay"))
            .timeout(Duration::from_secs(2))
            .reply_signatures(ReplySignatureMode::Strict)
            .build()
            .expect("client")
    }

    fn verifier((app, mch, secret): (&str, &str, &str)) -> NotifyVerifier {
        NotifyVerifier::new(app, mch, secret).expect("verifier")
    }

    fn order(no: &str, url: &str) -> PrepayRequest {
        PrepayRequest::new(no, Decimal::new(125, 1), Chain::Tron, Currency::Usdt)
            .expire_second(600)
            .notify_url(url)
    }

    #[tokio::test]
    async fn two_apps_each_callback_sealed_with_its_own_secret() {
        let sb = sandbox("tokenpay", &config()).await;
        let rx = Receiver::start().await;
        client(&sb, ONE)
            .send(&order("TP-ONE-1", &rx.url("/tp/one")))
            .await
            .expect("app one prepays");
        client(&sb, TWO)
            .send(&order("TP-TWO-1", &rx.url("/tp/two")))
            .await
            .expect("app two prepays");
        pay_via_control_api(&sb, "TP-ONE-1").await;
        pay_via_control_api(&sb, "TP-TWO-1").await;
        assert_delivered(&sb, "TP-ONE-1");
        assert_delivered(&sb, "TP-TWO-1");

        let hit_a = rx.hit("/tp/one");
        let hit_b = rx.hit("/tp/two");
        let n = verifier(ONE)
            .verify(&hit_a.headers, &hit_a.body)
            .expect("app one's secret");
        assert_eq!(
            n.transaction().expect("an order").out_trade_no.as_deref(),
            Some("TP-ONE-1")
        );
        verifier(TWO)
            .verify(&hit_a.headers, &hit_a.body)
            .expect_err("app two refuses app one's callback");
        let n = verifier(TWO)
            .verify(&hit_b.headers, &hit_b.body)
            .expect("app two's secret");
        assert_eq!(
            n.transaction().expect("an order").out_trade_no.as_deref(),
            Some("TP-TWO-1")
        );
        verifier(ONE)
            .verify(&hit_b.headers, &hit_b.body)
            .expect_err("app one refuses app two's callback");

        let creds = credential_values(&sb, "tokenpay");
        for v in [ONE.0, ONE.1, ONE.2, TWO.0, TWO.1, TWO.2] {
            assert!(creds.iter().any(|c| c == v), "{v} listed: {creds:?}");
        }
        sb.shutdown().await.expect("shutdown");
    }

    #[tokio::test]
    async fn unknown_app_and_foreign_mch_id_are_refused() {
        let sb = sandbox("tokenpay", &config()).await;
        let rx = Receiver::start().await;
        let unknown = client(&sb, ("app-three", "1000000003", ONE.2))
            .send(&order("TP-X-1", &rx.url("/tp/x")))
            .await
            .expect_err("unknown app");
        assert_eq!(
            unknown.api_code(),
            Some(&ApiCode::AppNotFound),
            "{unknown:?}"
        );
        let foreign = client(&sb, (ONE.0, TWO.1, ONE.2))
            .send(&order("TP-X-2", &rx.url("/tp/x")))
            .await
            .expect_err("another app's mch_id");
        assert_eq!(
            foreign.api_code(),
            Some(&ApiCode::from_code(103)),
            "{foreign:?}"
        );
        let cross = client(&sb, (ONE.0, ONE.1, TWO.2))
            .send(&order("TP-X-3", &rx.url("/tp/x")))
            .await
            .expect_err("another app's secret");
        assert_eq!(
            cross.api_code(),
            Some(&ApiCode::from_code(103)),
            "{cross:?}"
        );
        assert!(sb.orders(&Default::default()).is_empty(), "nothing created");
        sb.shutdown().await.expect("shutdown");
    }
}
