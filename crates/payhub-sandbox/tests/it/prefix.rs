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
