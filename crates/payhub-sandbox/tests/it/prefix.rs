//! Module prefixes: every module answers under both spellings of its name (`/gateway_recharge`
//! and `/gateway-recharge`), and a config section may use either spelling too.

use gateway_recharge::Client;
use payhub_sandbox::Sandbox;

use crate::support::{client, sandbox};

#[tokio::test]
async fn both_spellings_of_every_module_name_are_prefixes() {
    let sb = sandbox().await;
    for info in sb.providers() {
        let dashed = info.name.replace('_', "-");
        for name in [info.name.to_owned(), dashed] {
            // An unknown path under the prefix reaches the module's own 404 reply (its error
            // shape), not the sandbox's `{"error":"not_found"}` fallback.
            let resp = client()
                .post(format!("{}/{name}/no/such/route", sb.base_url()))
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 404, "{name}");
            let text = resp.text().await.unwrap();
            assert!(
                !text.contains("\"providers\""),
                "/{name} is routed to the module: {text}"
            );
        }
    }
    let resp = client()
        .post(format!(
            "{}/gateway~recharge/gateway/balance",
            sb.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("\"providers\""));
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_client_works_through_the_dashed_prefix() {
    let sb = sandbox().await;
    for prefix in ["gateway-recharge", "gateway_recharge"] {
        let c = Client::builder("M1234567890", "adesf235")
            .base_url(format!("{}/{prefix}", sb.base_url()))
            .build()
            .unwrap();
        let balance = c.balance().await.unwrap();
        assert_eq!(balance.balance.to_string(), "90062.0000", "{prefix}");
    }
    assert_eq!(
        sb.credentials("gateway-recharge").len(),
        sb.credentials("gateway_recharge").len()
    );
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn config_sections_accept_the_dashed_name() {
    let table: toml::Table = toml::from_str(r#"merchant_no = "M42""#).unwrap();
    let sb = Sandbox::builder()
        .clock_speed(0)
        .provider_config("gateway-recharge", table.clone())
        .start()
        .await
        .unwrap();
    let creds = sb.credentials("gateway_recharge");
    assert!(creds.iter().any(|c| c.value() == "M42"), "{creds:?}");
    sb.shutdown().await.unwrap();

    let both = Sandbox::builder()
        .provider_config("gateway-recharge", table.clone())
        .provider_config("gateway_recharge", table)
        .start()
        .await
        .expect_err("one module configured under both names");
    assert!(both.to_string().contains("configured twice"), "{both}");
}

/// A create sent under a misspelt prefix (`/paydeskk`) reaches the sandbox's own 404, not a
/// module: every client reports a configuration error naming the URL it called and saying to
/// check `base_url`, never "outcome unknown" (nothing was executed).
#[tokio::test]
async fn a_create_under_a_wrong_prefix_is_a_config_error_naming_the_url() {
    use rust_decimal::Decimal;

    let sb = sandbox().await;
    let wrong = |prefix: &str| format!("{}/{prefix}", sb.base_url());
    let check = |text: String, unknown: bool, config: bool, url: String| {
        assert!(!unknown, "not outcome unknown: {text}");
        assert!(config, "a config error: {text}");
        assert!(text.contains(&format!("POST {url}")), "names {url}: {text}");
        assert!(text.contains("check base_url"), "{text}");
    };

    let base = wrong("paydeskk");
    let e = paydesk::Client::builder(1_002_001, "testApiKey")
        .base_url(&base)
        .build()
        .unwrap()
        .send(
            &paydesk::api::PayDeskRequest::new(
                "WP-1",
                "TZS",
                Decimal::from(1000),
                "http://127.0.0.1:9/notify",
            )
            .mobile_money_phone("721323213")
            .real_name("Jeck")
            .phone("255700000001")
            .email("payer@example.com")
            .remark("wrong prefix"),
        )
        .await
        .unwrap_err();
    let config = matches!(&e, paydesk::Error::Config(_));
    check(
        e.to_string(),
        e.is_outcome_unknown(),
        config,
        format!("{base}/api/payDesk"),
    );

    let base = wrong("gateway-rechargee");
    let e = Client::builder("M1234567890", "adesf235")
        .base_url(&base)
        .build()
        .unwrap()
        .send(&gateway_recharge::api::CreateOrderRequest::new(
            "WP-2",
            Decimal::new(10000, 2),
            "Test order",
            "user123",
            "192.168.1.1",
            "http://127.0.0.1:9/notify",
            "https://yourapp.com/return",
        ))
        .await
        .unwrap_err();
    let config = matches!(&e, gateway_recharge::Error::Config(_));
    check(
        e.to_string(),
        e.is_outcome_unknown(),
        config,
        format!("{base}/gateway/recharge"),
    );

    let base = wrong("vipchargee");
    let e = vipcharge::Client::builder("166", "166", vipcharge::Credentials::md5("testSignKey"))
        .base_url(&base)
        .build()
        .unwrap()
        .send(&vipcharge::api::VipChargeRequest::new(
            "87103", "w23b52", "WP-3",
        ))
        .await
        .unwrap_err();
    let config = matches!(&e, vipcharge::Error::Config(_));
    let url = e
        .to_string()
        .split_whitespace()
        .find(|w| w.starts_with(&base))
        .map(str::to_owned)
        .unwrap_or_default();
    assert!(url.len() > base.len(), "{e}");
    check(e.to_string(), e.is_outcome_unknown(), config, url);

    let base = wrong("jiuyi-dcc");
    let e = jiuyi_dc::Client::builder("19190009", "HJH546HKDHK")
        .base_url(&base)
        .build()
        .unwrap()
        .send(&jiuyi_dc::api::PayRequest::new("43", "13800138000", "WP-4"))
        .await
        .unwrap_err();
    let config = matches!(&e, jiuyi_dc::Error::Config(_));
    check(
        e.to_string(),
        e.is_outcome_unknown(),
        config,
        format!("{base}/dcapi/pay"),
    );

    let base = wrong("tokenpayy");
    let e = tokenpay::Client::builder(
        "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd",
        "1234567890",
        "0123456789abcdef0123456789abcdef",
    )
    .base_url(&base)
    .build()
    .unwrap()
    .send(&tokenpay::api::PrepayRequest::new(
        "WP-5",
        Decimal::from(9),
        tokenpay::types::Chain::Tron,
        tokenpay::types::Currency::Usdt,
    ))
    .await
    .unwrap_err();
    let config = matches!(&e, tokenpay::Error::Config(_));
    check(
        e.to_string(),
        e.is_outcome_unknown(),
        config,
        format!("{base}/v1/transaction/prepayment"),
    );

    assert!(
        sb.orders(&payhub_sandbox::OrderFilter::default())
            .is_empty(),
        "no order was created"
    );
    sb.shutdown().await.unwrap();
}
