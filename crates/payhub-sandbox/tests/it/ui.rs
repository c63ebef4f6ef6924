//! `/_sandbox/ui`: the HTML pages over plain HTTP: the orders list and its filters, one order
//! with its callback timeline, the form routes (303 back), and escaping of hostile order data.

use std::time::Duration;

use gateway_recharge::Client;
use gateway_recharge::api::CreateOrderRequest;
use payhub_sandbox::SandboxHandle;
use rust_decimal::Decimal;

use crate::support::{Listener, client, post, sandbox, tza_body};

/// A merchant order number made to break out of HTML (no whitespace: WinPay refuses that).
const HOSTILE: &str = r#"<script>alert("x&y")</script>'<b>"#;
const HOSTILE_ESCAPED: &str =
    "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;&lt;b&gt;";

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap()
}

/// Creates a WinPay collection order numbered `order_no` with callbacks to `url`; returns the
/// platform number.
async fn gateway_order(sb: &SandboxHandle, order_no: &str, url: &str) -> String {
    let c = Client::builder("M1234567890", "adesf235")
        .base_url(sb.provider_url("gateway_recharge"))
        .build()
        .unwrap();
    c.send(&CreateOrderRequest::new(
        order_no,
        Decimal::new(10000, 2),
        "ui",
        "user-1",
        "192.168.1.1",
        url,
        "https://shop.example/return",
    ))
    .await
    .unwrap()
    .trade_no
}

async fn html(sb: &SandboxHandle, path: &str) -> (u16, String) {
    let resp = client()
        .get(format!("{}{path}", sb.base_url()))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    if status == 200 {
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
    }
    (status, resp.text().await.unwrap())
}

async fn form(sb: &SandboxHandle, path: &str, body: &str) -> String {
    let resp = no_redirects()
        .post(format!("{}{path}", sb.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "{path}");
    resp.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn orders_page_lists_filters_and_escapes() {
    let sb = sandbox().await;
    let listener = Listener::start(&[200]).await;
    let trade_no = gateway_order(&sb, HOSTILE, &listener.url).await;
    assert_eq!(
        post(&sb, "/api/payDesk", &tza_body("UI-PD-1", "1000", 3600))
            .await
            .msg(),
        "SUCCESS"
    );

    let (status, page) = html(&sb, "/_sandbox/ui").await;
    assert_eq!(status, 200);
    assert!(page.contains(HOSTILE_ESCAPED), "{page}");
    assert!(
        !page.contains("<script"),
        "no markup from order data: {page}"
    );
    assert!(page.contains("UI-PD-1"));
    assert!(page.contains(r#"data-count="2""#), "{page}");
    assert!(page.contains(&format!(r#"href="/_sandbox/ui/orders/{trade_no}""#)));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no external assets"
    );

    let (_, gw) = html(&sb, "/_sandbox/ui?provider=gateway_recharge").await;
    assert!(
        gw.contains(HOSTILE_ESCAPED) && !gw.contains("UI-PD-1"),
        "{gw}"
    );
    assert!(gw.contains(r#"<option value="gateway_recharge" selected>"#));
    let (_, paying) = html(&sb, "/_sandbox/ui?provider=paydesk&state=paying").await;
    assert!(paying.contains("UI-PD-1") && paying.contains(r#"data-count="1""#));
    let (_, none) = html(&sb, "/_sandbox/ui?state=success").await;
    assert!(none.contains(r#"id="no-orders""#), "{none}");
    let (status, bad) = html(&sb, "/_sandbox/ui?state=%3Cb%3E").await;
    assert_eq!(status, 400);
    assert!(bad.contains("&lt;b&gt;") && !bad.contains("<b>"), "{bad}");
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn order_page_buttons_and_callback_timeline() {
    let sb = sandbox().await;
    // First attempt refused (HTTP 500), the retry 10 s later acknowledged.
    let listener = Listener::start(&[500, 200]).await;
    let no = gateway_order(&sb, HOSTILE, &listener.url).await;
    let page_path = format!("/_sandbox/ui/orders/{no}");

    let (status, page) = html(&sb, &page_path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(HOSTILE_ESCAPED) && !page.contains("<script"),
        "{page}"
    );
    assert!(page.contains(r#"id="no-callbacks""#));
    assert!(
        page.contains(r#"<button id="btn-pay" data-action="paid">"#),
        "{page}"
    );
    // The hostile merchant number works as the key too (percent-encoded in the path).
    let encoded: String = HOSTILE.bytes().map(|b| format!("%{b:02X}")).collect();
    let (status, same) = html(&sb, &format!("/_sandbox/ui/orders/{encoded}")).await;
    assert_eq!(status, 200);
    assert!(same.contains(&format!(r#"<span id="order-no">{no}</span>"#)));

    let location = form(&sb, &format!("{page_path}/paid"), "").await;
    assert_eq!(location, page_path);
    let cb = sb.callbacks_for(&no)[0].id;
    let (_, paid) = html(&sb, &page_path).await;
    assert!(paid.contains(r#"data-state="success""#), "{paid}");
    assert!(paid.contains(r#"<button id="btn-pay" data-action="paid" disabled>"#));
    let first = format!(
        r#"id="cb-{cb}-attempt-1" data-callback="{cb}" data-attempt="1" data-http-status="500" data-acknowledged="false""#
    );
    assert!(paid.contains(&first), "{paid}");
    assert!(
        paid.contains(&format!(r#"id="cb-{cb}-next""#)),
        "next retry shown"
    );

    let location = form(
        &sb,
        "/_sandbox/ui/clock/advance",
        &format!("seconds=60&back={page_path}"),
    )
    .await;
    assert_eq!(location, page_path);
    let (_, delivered) = html(&sb, &page_path).await;
    let second = format!(
        r#"id="cb-{cb}-attempt-2" data-callback="{cb}" data-attempt="2" data-http-status="200" data-acknowledged="true""#
    );
    assert!(delivered.contains(&second), "{delivered}");
    assert!(delivered.contains(r#"data-status="delivered""#));
    assert!(!delivered.contains(&format!(r#"id="cb-{cb}-next""#)));
    assert_eq!(listener.hits().len(), 2);

    // A refused change comes back as a notice on the order page.
    let location = form(&sb, &format!("{page_path}/failed"), "").await;
    assert!(
        location.starts_with(&format!("{page_path}?notice=")),
        "{location}"
    );
    let (_, refused) = html(&sb, &location).await;
    assert!(refused.contains(r#"id="notice""#), "{refused}");

    // `back` never leaves the UI; bad input gets a 4xx page.
    let location = form(
        &sb,
        "/_sandbox/ui/clock/advance",
        "seconds=1&back=https://evil.example/",
    )
    .await;
    assert_eq!(location, "/_sandbox/ui");
    let resp = no_redirects()
        .post(format!("{}/_sandbox/ui/clock/advance", sb.base_url()))
        .body("seconds=soon")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let (status, _) = html(&sb, "/_sandbox/ui/orders/NO-SUCH-ORDER").await;
    assert_eq!(status, 404);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn clock_buttons_move_the_sandbox_clock() {
    let sb = sandbox().await;
    let before = sb.now().unix_millis();
    let location = form(
        &sb,
        "/_sandbox/ui/clock/advance",
        "seconds=3600&back=/_sandbox/ui",
    )
    .await;
    assert_eq!(location, "/_sandbox/ui");
    assert_eq!(sb.now().unix_millis() - before, 3_600_000);
    let (_, page) = html(&sb, "/_sandbox/ui").await;
    assert!(
        page.contains(&format!(r#"data-now-ms="{}""#, before + 3_600_000)),
        "{page}"
    );
    for id in ["btn-advance-1m", "btn-advance-1h", "btn-advance-next"] {
        assert!(page.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    // Nothing due: "next" leaves the clock alone.
    form(&sb, "/_sandbox/ui/clock/next", "back=/_sandbox/ui").await;
    assert_eq!(sb.now().unix_millis() - before, 3_600_000);
    sb.shutdown().await.unwrap();
}
