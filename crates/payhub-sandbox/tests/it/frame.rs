//! The frame on its own: a custom module exercising every hook, the control API over HTTP,
//! configuration files and errors, shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post as route_post;
use http::{HeaderMap, HeaderValue, StatusCode};
use payhub_sandbox::{
    AckRule, CallbackPolicy, CallbackStatus, Error, FaultKind, FaultRule, NewOrder, Notify, Order,
    OrderState, ProviderCtx, ProviderModule, RawBody, Rejection, RetrySchedule, Sandbox,
    SandboxTime, StateChange, TransitionError, TransitionPlan,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::{Listener, START_MS, client, post, sandbox, tza_body};

/// A module that uses every hook.
struct TestModule;

async fn echo(RawBody(body): RawBody) -> Response {
    ([("X-Sign", "good")], body).into_response()
}

async fn create(State(ctx): State<ProviderCtx>, RawBody(body): RawBody) -> Response {
    let mch = String::from_utf8_lossy(&body).into_owned();
    let new = NewOrder::new("t", "m1", mch, Decimal::new(10, 0))
        .state(OrderState::Paying)
        .notify_url("http://127.0.0.1:9/unused")
        .expires_in(Duration::from_secs(10));
    match ctx.create_order(new) {
        Ok(o) => {
            ctx.schedule_transition(
                &o.platform_order_no,
                ctx.now() + Duration::from_secs(5),
                OrderState::Success,
                None,
            );
            o.platform_order_no.into_response()
        }
        Err(dup) => (StatusCode::CONFLICT, dup.to_string()).into_response(),
    }
}

impl ProviderModule for TestModule {
    fn name(&self) -> &'static str {
        "test"
    }

    fn router(&self, ctx: ProviderCtx) -> Router {
        Router::new()
            .route("/echo", route_post(echo))
            .route("/create", route_post(create))
            .with_state(ctx)
    }

    fn order_keys(&self) -> &'static [&'static str] {
        &["id"]
    }

    fn reject(&self, rejection: &Rejection) -> Response {
        (
            StatusCode::IM_A_TEAPOT,
            axum::Json(json!({"test_error": rejection.code()})),
        )
            .into_response()
    }

    fn on_transition(
        &self,
        _: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Result<TransitionPlan, TransitionError> {
        if change.to == OrderState::Closed {
            return Err(TransitionError::not_allowed(
                order,
                change,
                "test orders cannot close",
            ));
        }
        Ok(TransitionPlan::default().fee(Decimal::ONE))
    }

    fn notify(&self, _: &ProviderCtx, order: &Order, change: &StateChange) -> Option<Notify> {
        let cause = serde_json::to_value(change.cause).ok()?;
        Some(
            Notify::post_json(
                json!({"no": order.platform_order_no, "state": order.state, "cause": cause})
                    .to_string(),
            )
            .header("X-Sign", "good"),
        )
    }

    fn callback_policy(&self) -> CallbackPolicy {
        CallbackPolicy::new(
            RetrySchedule::from_first(Duration::ZERO, [Duration::from_secs(10)]),
            AckRule::Body {
                expected: "success".into(),
                ignore_case: true,
            },
        )
    }

    fn tamper_reply_signature(&self, headers: &mut HeaderMap, _body: &mut Vec<u8>) -> bool {
        headers.insert("X-Sign", HeaderValue::from_static("bad"));
        true
    }
}

async fn test_sandbox() -> payhub_sandbox::SandboxHandle {
    Sandbox::builder()
        .clock_speed(0)
        .start_time(SandboxTime::from_unix_millis(START_MS))
        .body_limit(1024)
        .module(Arc::new(TestModule))
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_custom_module_gets_its_hooks_called() {
    let sb = test_sandbox().await;
    let c = client();
    let url = sb.provider_url("test");
    let resp = c
        .post(format!("{url}/echo"))
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            resp.status().as_u16(),
            resp.headers()["x-sign"].to_str().unwrap().to_owned()
        ),
        (200, "good".to_owned())
    );
    assert_eq!(resp.text().await.unwrap(), "hi");

    // Over the body limit and unknown paths: the module's own error shape.
    let resp = c
        .post(format!("{url}/echo"))
        .body("x".repeat(2048))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 418);
    assert_eq!(
        resp.text().await.unwrap(),
        r#"{"test_error":"body_too_large"}"#
    );
    let resp = c.get(format!("{url}/nowhere")).send().await.unwrap();
    assert_eq!(
        (resp.status().as_u16(), resp.text().await.unwrap()),
        (418, r#"{"test_error":"not_found"}"#.to_owned())
    );
    // Outside every provider: the frame's 404.
    let resp = c
        .get(format!("{}/nowhere", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert!(
        body["providers"]
            .as_array()
            .unwrap()
            .contains(&json!("test"))
    );

    // Reply signature fault through the module's hook, matched per order via order_keys.
    sb.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .provider("test")
            .order("o-7"),
    );
    let resp = c
        .post(format!("{url}/echo"))
        .body(r#"{"id":"o-7"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-sign"], "bad");
    let resp = c
        .post(format!("{url}/echo"))
        .body(r#"{"id":"o-8"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-sign"], "good");
}

#[tokio::test]
async fn scheduled_transitions_body_acks_and_vetoes() {
    let sb = test_sandbox().await;
    let listener = Listener::start(&[200]).await; // answers "SUCCESS": matches the body rule
    sb.redirect_callbacks(Some(&listener.url));
    let c = client();
    let no = c
        .post(format!("{}/create", sb.provider_url("test")))
        .body("A1")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(no.starts_with("SBX"), "{no}");
    let dup = c
        .post(format!("{}/create", sb.provider_url("test")))
        .body("A1")
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), 409);

    // The scheduled success (t+5 s) comes before the expiry (t+10 s).
    assert_eq!(
        sb.advance_to_next_due()
            .await
            .unwrap()
            .map(|t| t.unix_millis()),
        Some(START_MS + 5_000)
    );
    let o = sb.order(&no).unwrap();
    assert_eq!((o.state, o.fee), (OrderState::Success, Decimal::ONE));
    let cb = &sb.callbacks_for(&no)[0];
    assert_eq!(cb.status, CallbackStatus::Delivered);
    assert_eq!(cb.schedule_ms, [0, 10_000]);
    let sent: Value = serde_json::from_slice(&listener.hits()[0].body).unwrap();
    assert_eq!(sent["cause"], "scheduled");
    assert_eq!(
        sb.next_due(),
        None,
        "the expiry of a final order is dropped"
    );

    // A veto from on_transition, through the control API.
    let no2 = c
        .post(format!("{}/create", sb.provider_url("test")))
        .body("A2")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let resp = c
        .post(format!("{}/_sandbox/orders/{no2}/closed", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(body["error"], "not_allowed");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("test orders cannot close")
    );
    assert_eq!(sb.order(&no2).unwrap().state, OrderState::Paying);
    sb.advance(Duration::from_secs(10));
    sb.settle().await.unwrap();
    assert_eq!(
        sb.order(&no2).unwrap().state,
        OrderState::Success,
        "its own schedule still ran at t+5"
    );
    let expired = sb.mark_expired(&no2).unwrap_err();
    assert!(matches!(
        expired,
        TransitionError::AlreadyFinal {
            state: OrderState::Success,
            ..
        }
    ));
}

async fn control(
    sb: &payhub_sandbox::SandboxHandle,
    method: http::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client().request(method, format!("{}/_sandbox{path}", sb.base_url()));
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("control reply not JSON ({e}): {text}")),
    )
}

#[tokio::test]
async fn the_control_api_over_http() {
    use http::Method;
    let sb = sandbox().await;
    assert_eq!(
        control(&sb, Method::GET, "/health", None).await,
        (200, json!({"ok": true}))
    );
    let (_, info) = control(&sb, Method::GET, "/info", None).await;
    let paydesk = info["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "paydesk")
        .unwrap()
        .clone();
    assert_eq!(
        paydesk["credentials"][1],
        json!({"label": "apiKey", "value": "testApiKey", "secret": true})
    );
    assert!(paydesk["base_url"].as_str().unwrap().ends_with("/paydesk"));

    assert_eq!(
        post(&sb, "/api/payDesk", &tza_body("C1", "1000", 3600))
            .await
            .msg(),
        "SUCCESS"
    );
    let (s, list) = control(
        &sb,
        Method::GET,
        "/orders?provider=paydesk&state=paying",
        None,
    )
    .await;
    assert_eq!((s, list.as_array().unwrap().len()), (200, 1));
    assert_eq!(list[0]["merchant_order_no"], "C1");
    assert_eq!(list[0]["amount"], "1000");
    let (s, _) = control(&sb, Method::GET, "/orders?state=bogus", None).await;
    assert_eq!(s, 400);
    let (s, e) = control(&sb, Method::GET, "/orders/nope", None).await;
    assert_eq!((s, e["error"].as_str()), (404, Some("order_not_found")));
    let (s, e) = control(&sb, Method::POST, "/orders/C1/bogus", None).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("bad_request")));
    let (s, e) = control(
        &sb,
        Method::POST,
        "/orders/C1/mark",
        Some(json!({"state": "paid", "extra": 1})),
    )
    .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("bad_request")),
        "unknown fields are refused"
    );
    let (s, o) = control(
        &sb,
        Method::POST,
        "/orders/C1/mark",
        Some(json!({"state": "paid"})),
    )
    .await;
    assert_eq!((s, o["state"].as_str()), (200, Some("success")));
    let (s, e) = control(&sb, Method::POST, "/orders/C1/failed", None).await;
    assert_eq!((s, e["error"].as_str()), (409, Some("already_final")));
    let (_, o) = control(&sb, Method::GET, "/orders/C1", None).await;
    assert_eq!(o["state"], "success");

    sb.settle().await.unwrap();
    let (_, cbs) = control(&sb, Method::GET, "/callbacks?order=C1", None).await;
    assert_eq!(cbs.as_array().unwrap().len(), 1);
    assert_eq!(
        cbs[0]["attempts"][0]["error"],
        "blocked: non-loopback notify URL"
    );
    assert_eq!(cbs[0]["status"], "pending");
    let (s, r) = control(
        &sb,
        Method::POST,
        "/callbacks/redirect",
        Some(json!({"url": "http://127.0.0.1:1/x"})),
    )
    .await;
    assert_eq!(
        (s, r["redirect_to"].as_str()),
        (200, Some("http://127.0.0.1:1/x"))
    );

    let rule = json!({"provider": "paydesk", "route": "/api/*", "fault": {"kind": "http_status", "status": 503}, "trigger": {"times": 1}});
    let (s, created) = control(&sb, Method::POST, "/faults", Some(rule)).await;
    assert_eq!(s, 201);
    let id = created["id"].as_u64().unwrap();
    let (s, e) = control(
        &sb,
        Method::POST,
        "/faults",
        Some(json!({"fault": {"kind": "meteor"}})),
    )
    .await;
    assert_eq!((s, e["error"].as_str()), (400, Some("bad_request")));
    let resp = client()
        .post(format!("{}/api/getBalance", sb.provider_url("paydesk")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503, "the rule fires before the handler");
    assert_eq!(
        post(&sb, "/api/getBalance", r#"{"nonceStr":"1"}"#)
            .await
            .msg(),
        "SUCCESS",
        "one-shot"
    );
    let (_, faults) = control(&sb, Method::GET, "/faults", None).await;
    assert_eq!(
        (faults[0]["matched"].as_u64(), faults[0]["fired"].as_u64()),
        (Some(2), Some(1))
    );
    let (s, _) = control(&sb, Method::DELETE, &format!("/faults/{id}"), None).await;
    assert_eq!(s, 200);
    let (s, _) = control(&sb, Method::DELETE, &format!("/faults/{id}"), None).await;
    assert_eq!(s, 404);
    assert_eq!(control(&sb, Method::DELETE, "/faults", None).await.0, 200);

    let (_, clock) = control(&sb, Method::GET, "/clock", None).await;
    assert_eq!(clock["speed"], 0);
    let (_, clock) = control(
        &sb,
        Method::POST,
        "/clock/advance",
        Some(json!({"minutes": 1, "seconds": 1})),
    )
    .await;
    assert_eq!(clock["now_ms"].as_i64(), Some(START_MS + 61_000));
    assert_eq!(
        sb.callbacks_for("C1")[0].attempts.len(),
        2,
        "advance waits for the retry that became due"
    );
    let (_, clock) = control(&sb, Method::POST, "/clock/next", None).await;
    assert_eq!(
        clock["now_ms"].as_i64(),
        Some(START_MS + 180_000),
        "second retry: 1 + 2 minutes"
    );
    let (_, clock) = control(&sb, Method::POST, "/clock/speed", Some(json!({"speed": 7}))).await;
    assert_eq!(clock["speed"], 7);
    let (s, _) = control(&sb, Method::GET, "/nothing", None).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn config_files_and_start_errors() {
    let dir = std::env::temp_dir().join(format!("payhub-sandbox-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sandbox.toml");
    std::fs::write(&path, "[server]\nport = 0\n[clock]\nspeed = 0\nstart_unix_ms = 1000\n[providers.paydesk]\npayout_fee_rate = \"0\"\n").unwrap();
    let sb = Sandbox::builder().config_file(&path).start().await.unwrap();
    assert_eq!(sb.now().unix_millis(), 1000);
    assert_eq!(sb.clock().speed(), 0);
    sb.shutdown().await.unwrap();

    std::fs::write(&path, "[providers.nope]\n").unwrap();
    let err = Sandbox::builder()
        .config_file(&path)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown provider `nope`"), "{err}");
    std::fs::write(&path, "[server]\nport = \"eighty\"\n").unwrap();
    let err = Sandbox::builder()
        .config_file(&path)
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Config(_)) && err.to_string().contains("port"),
        "{err}"
    );
    let err = Sandbox::builder()
        .config_file(dir.join("missing.toml"))
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot read config file"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();

    let err = Sandbox::builder()
        .module(Arc::new(TestModule))
        .module(Arc::new(TestModule))
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::DuplicateModule(ref n) if n == "test"),
        "{err}"
    );
    let err = Sandbox::builder()
        .host("256.0.0.1")
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Bind { .. }), "{err}");
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sb = sandbox().await;
    let addr = sb.addr();
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    sb.shutdown().await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the port is closed after shutdown"
    );
}

#[tokio::test]
async fn logs_carry_no_keys_and_no_bodies() {
    let capture = payhub_runtime::test_util::LogCapture::start();

    let sb = sandbox().await; // current-thread runtime: every task logs on this thread
    let listener = Listener::start(&[500, 200]).await;
    sb.redirect_callbacks(Some(&listener.url));
    assert_eq!(
        post(&sb, "/api/payDesk", &tza_body("LOG1", "1000", 3600))
            .await
            .msg(),
        "SUCCESS"
    );
    let bad = crate::support::post_raw(
        &sb,
        "/api/payDesk",
        &[
            ("MerchantId", "1002001"),
            ("Sign", "00"),
            ("Content-Type", "application/json"),
        ],
        tza_body("LOG2", "1000", 3600),
    )
    .await;
    assert_eq!(bad.msg(), "Sign_verify_error");
    sb.mark_paid("LOG1").unwrap();
    sb.settle().await.unwrap();
    sb.advance_to_next_due().await.unwrap();
    sb.shutdown().await.unwrap();

    let logs = capture.finish();
    for expected in [
        "sandbox started",
        "order created",
        "order state changed",
        "callback attempt",
        "request refused",
        "Sign_verify_error",
    ] {
        assert!(
            logs.contains(expected),
            "missing `{expected}` in logs:\n{logs}"
        );
    }
    for secret in ["testApiKey", "example@maildomain.com", "Jeck", "721323213"] {
        assert!(
            !logs.contains(secret),
            "`{secret}` leaked into logs:\n{logs}"
        );
    }
}
