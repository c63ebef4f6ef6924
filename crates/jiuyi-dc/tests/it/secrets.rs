//! Secret hygiene: the app secret and card secrets never appear in `Debug`, `Display`, errors or
//! logs.

use std::sync::Arc;

use jiuyi_dc::api::CardPayOrderRequest;
use jiuyi_dc::api::PayRequest;
use jiuyi_dc::api::QueryCashRequest;
use jiuyi_dc::api::read_reply;
use jiuyi_dc::notify::NotifyVerifier;
use jiuyi_dc::sign::RequestSigner;
use jiuyi_dc::{Client, Error, FixedClock};
use payhub_runtime::test_util::LogCapture;

use crate::support::{Behaviour, Server, headers};

const SECRET: &str = "Sup3r-S3cret-Appsecret";
const CARD_PASS: &str = "CARD-PASS-0001-XYZ";

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(SECRET),
        "{what} leaks the app secret: {text}"
    );
    assert!(
        !text.contains(CARD_PASS),
        "{what} leaks a card secret: {text}"
    );
}

fn check_error(what: &str, e: &Error) {
    assert_clean(what, &format!("{e:?}"));
    assert_clean(what, &e.to_string());
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        assert_clean(what, &format!("{s} {s:?}"));
        src = s.source();
    }
}

fn test_client(base: &str) -> Client {
    Client::builder("19190009", SECRET)
        .base_url(base)
        .clock(Arc::new(FixedClock::from_millis(1_763_800_000_000)))
        .retry_policy(jiuyi_dc::RetryPolicy::none())
        .timeout(std::time::Duration::from_millis(500))
        .build()
        .expect("client")
}

#[tokio::test]
async fn nothing_prints_a_secret() {
    let builder = Client::builder("19190009", SECRET).base_url("http://127.0.0.1:9");
    assert_clean("ClientBuilder", &format!("{builder:?}"));
    let client = test_client("http://127.0.0.1:9");
    assert_clean("Client", &format!("{client:?}"));
    assert_clean("NotifyVerifier", &format!("{:?}", client.notify_verifier()));
    assert_clean(
        "NotifyVerifier::new",
        &format!("{:?}", NotifyVerifier::new(SECRET)),
    );
    assert_clean(
        "RequestSigner",
        &format!("{:?}", RequestSigner::new(SECRET.into())),
    );

    let req = PayRequest::new("43", "13800138000", "JY1");
    assert_clean("PayRequest", &format!("{req:?}"));
    let prepared = client.prepare(&req).expect("prepare");
    assert_clean("PreparedRequest Debug", &format!("{prepared:?}"));
    assert_clean("PreparedRequest render", &prepared.render());
    assert_clean("Explanation", &prepared.signed().expect("e").to_string());
    assert!(prepared.render().contains("&appsecret=***"));

    // Card secrets in a reply.
    let body = format!(
        r#"{{"code":1,"msg":"ok","result":[{{"order_id":"K1","card_pass":"{CARD_PASS}","status":3}}]}}"#
    );
    let cards = read_reply::<CardPayOrderRequest>(200, body.clone()).expect("cards");
    assert_clean("CardPayOrderResponse", &format!("{cards:?} {cards:#?}"));
    let pass = cards.cards[0].card_pass.as_ref().expect("pass");
    assert_clean("CardPass Display", &pass.to_string());
    assert_eq!(pass.expose(), CARD_PASS);

    // Every error variant this crate produces.
    let config = Client::builder("19190009", SECRET)
        .build()
        .expect_err("no base url");
    check_error("Config", &config);
    let config2 = Client::builder("19190009", SECRET)
        .base_url(format!("ftp://{SECRET}"))
        .build()
        .expect_err("bad scheme");
    assert!(matches!(config2, Error::Config(_)));
    let validation = client
        .prepare(&PayRequest::new("43", "", "JY1"))
        .expect_err("invalid");
    check_error("Validation", &validation);
    // A decode error whose body holds a card secret.
    let bad = format!(
        r#"{{"code":1,"msg":"ok","result":[{{"card_pass":"{CARD_PASS}","status":{{}}}}]}}"#
    );
    let decode = read_reply::<CardPayOrderRequest>(200, bad).expect_err("decode");
    check_error("Decode", &decode);
    let api =
        read_reply::<QueryCashRequest>(200, r#"{"code":0,"msg":"签名错误"}"#).expect_err("api");
    check_error("Api", &api);
    let notify = NotifyVerifier::new(SECRET)
        .verify(&headers(None), b"order_id=1&sign=00")
        .expect_err("notify");
    check_error("Notify", &notify);
    let transport = test_client("http://127.0.0.1:1")
        .send(&QueryCashRequest::new())
        .await
        .expect_err("transport");
    check_error("Transport", &transport);

    // OutcomeUnknown, with logs captured: the secret appears nowhere, the span fields do.
    let server = Server::always(Behaviour::Hang).await;
    let c = test_client(&server.base);
    let capture = LogCapture::start();
    let unknown = c
        .send(&PayRequest::new("43", "13800138000", "JY-LOG"))
        .await
        .expect_err("unknown");
    let logs = capture.finish();
    assert!(unknown.is_outcome_unknown());
    check_error("OutcomeUnknown", &unknown);
    assert_clean("logs", &logs);
    assert!(logs.contains("payhub.call"), "{logs}");
    assert!(
        logs.contains("provider=\"jiuyi-dc\"") || logs.contains("provider=jiuyi-dc"),
        "{logs}"
    );
    assert!(
        logs.contains("operation=\"pay\"") || logs.contains("operation=pay"),
        "{logs}"
    );
    assert!(logs.contains("JY-LOG"), "{logs}");
    let sign = prepared_sign(&c);
    assert!(!logs.contains(&sign), "the signature is not logged");
}

fn prepared_sign(c: &Client) -> String {
    let p = c
        .prepare(&PayRequest::new("43", "13800138000", "JY-LOG"))
        .expect("prepare");
    url::form_urlencoded::parse(p.body_bytes())
        .find(|(k, _)| k == "sign")
        .map(|(_, v)| v.into_owned())
        .expect("sign")
}
