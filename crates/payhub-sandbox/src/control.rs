//! The control API under `/_sandbox/` (JSON in, JSON out). Every call mirrors a
//! [`SandboxHandle`](crate::SandboxHandle) method.
//!
//! | method and path | does |
//! |---|---|
//! | `GET /_sandbox/health` | `{"ok":true}` |
//! | `GET /_sandbox/info` | base URL, clock, order count and retention, providers with base URLs and credentials |
//! | `GET /_sandbox/orders?provider=&kind=&state=&merchant_order_no=` | list orders |
//! | `GET /_sandbox/orders/{key}` | one order (platform or unique merchant order number) |
//! | `POST /_sandbox/orders/{key}/mark` `{"state":"success","reason":null}` | change state |
//! | `POST /_sandbox/orders/{key}/{paid,failed,expired,cancelled,closed}` | shortcuts |
//! | `GET /_sandbox/callbacks?order=` | callbacks with every attempt |
//! | `POST /_sandbox/callbacks/redirect` `{"url":"http://127.0.0.1:9/n"}` or `{"url":null}` | redirect callbacks |
//! | `GET /_sandbox/faults` | fault rules with counters |
//! | `POST /_sandbox/faults` (a [`FaultRule`](crate::FaultRule) as JSON) | add; returns `{"id":n}` |
//! | `DELETE /_sandbox/faults`, `DELETE /_sandbox/faults/{id}` | remove all / one |
//! | `GET /_sandbox/clock` | `{"now_ms":..,"now":"..","speed":..,"next_due_ms":..}` |
//! | `POST /_sandbox/clock/advance` `{"ms":60000}` (or `seconds`, `minutes`) | advance, then settle |
//! | `POST /_sandbox/clock/speed` `{"speed":1000}` | set speed |
//! | `POST /_sandbox/clock/next` | advance to the next due time, then settle |
//! | `GET /_sandbox/ui` | HTML pages: orders, one order with its callback timeline, buttons (see `ui.rs`) |
//!
//! Errors are `{"error": code, "detail": text}` with 400 (bad input), 404 (unknown order),
//! 409 (already final, ambiguous, concurrent change) or 422 (refused by the module).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use crate::body::RawBody;
use crate::fault::FaultRule;
use crate::provider::{ChangeCause, TransitionError};
use crate::shared::Shared;
use crate::store::{OrderFilter, OrderState};

type St = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({"ok": true})) }))
        .route("/info", get(info))
        .route("/orders", get(list_orders))
        .route("/orders/{key}", get(get_order))
        .route("/orders/{key}/{action}", post(mark))
        .route("/callbacks", get(list_callbacks))
        .route("/callbacks/redirect", post(redirect))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/faults/{id}", delete(remove_fault))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route("/clock/speed", post(speed))
        .route("/clock/next", post(next))
        .nest("/ui", crate::ui::router())
        .fallback(|uri: http::Uri| async move {
            error(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no control route {}", uri.path()),
            )
        })
        .with_state(shared)
}

fn error(status: StatusCode, code: &str, detail: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": code, "detail": detail.into()})),
    )
        .into_response()
}

fn transition_error(e: &TransitionError) -> Response {
    let (status, code) = match e {
        TransitionError::NotFound(_) => (StatusCode::NOT_FOUND, "order_not_found"),
        TransitionError::Ambiguous { .. } => (StatusCode::CONFLICT, "ambiguous_order"),
        TransitionError::AlreadyFinal { .. } => (StatusCode::CONFLICT, "already_final"),
        TransitionError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
        _ => (StatusCode::UNPROCESSABLE_ENTITY, "not_allowed"),
    };
    error(status, code, e.to_string())
}

#[allow(clippy::result_large_err)] // An axum Response is the natural error of a handler helper.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("invalid JSON body: {e}"),
        )
    })
}

async fn info(State(s): St) -> Response {
    let mut providers: Vec<_> = s
        .modules
        .values()
        .map(|m| {
            let creds: Vec<_> = m
                .credentials()
                .iter()
                .map(|c| json!({"label": c.label(), "value": c.value(), "secret": c.is_secret()}))
                .collect();
            json!({"name": m.name(), "base_url": format!("{}/{}", s.base_url, m.name()), "credentials": creds})
        })
        .collect();
    providers.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    Json(json!({
        "base_url": s.base_url,
        "now": s.clock.now().to_string(),
        "speed": s.clock.speed(),
        "orders": s.store.len(),
        "orders_removed": s.orders_removed.load(std::sync::atomic::Ordering::SeqCst),
        "order_retention_ms": s.retention.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        "note": "credentials are sandbox-only test values",
        "providers": providers,
    }))
    .into_response()
}

async fn list_orders(State(s): St, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut f = OrderFilter::default();
    for (k, v) in &q {
        f = match k.as_str() {
            "provider" => f.provider(v),
            "kind" => f.kind(v),
            "merchant_order_no" => f.merchant_order_no(v),
            "state" => match OrderState::parse(v) {
                Some(st) => f.state(st),
                None => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        format!("unknown state `{v}`"),
                    );
                }
            },
            other => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    format!("unknown filter `{other}`"),
                );
            }
        };
    }
    Json(s.store.list(&f)).into_response()
}

async fn get_order(State(s): St, Path(key): Path<String>) -> Response {
    match s.resolve(&key) {
        Ok(no) => match s.store.get(&no) {
            Some(o) => Json(o).into_response(),
            None => transition_error(&TransitionError::NotFound(key)),
        },
        Err(e) => transition_error(&e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkBody {
    state: Option<String>,
    reason: Option<String>,
}

async fn mark(
    State(s): St,
    Path((key, action)): Path<(String, String)>,
    RawBody(body): RawBody,
) -> Response {
    let req: MarkBody = match parse(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let target = if action == "mark" {
        match req.state.as_deref() {
            Some(name) => OrderState::parse(name),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "field `state` is required",
                );
            }
        }
    } else {
        OrderState::parse(&action)
    };
    let Some(to) = target else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("unknown state or action `{action}`"),
        );
    };
    let result = s
        .resolve(&key)
        .and_then(|no| s.transition(&no, to, req.reason, ChangeCause::Control));
    match result {
        Ok(o) => Json(o).into_response(),
        Err(e) => transition_error(&e),
    }
}

async fn list_callbacks(State(s): St, Query(q): Query<HashMap<String, String>>) -> Response {
    let all = s.dispatcher.list();
    let list: Vec<_> = match q.get("order") {
        Some(o) => all
            .into_iter()
            .filter(|c| &c.platform_order_no == o || &c.merchant_order_no == o)
            .collect(),
        None => all,
    };
    Json(list).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedirectBody {
    url: Option<String>,
}

async fn redirect(State(s): St, RawBody(body): RawBody) -> Response {
    match parse::<RedirectBody>(&body) {
        Ok(b) => {
            s.dispatcher.set_redirect(b.url.clone());
            Json(json!({"redirect_to": b.url})).into_response()
        }
        Err(r) => r,
    }
}

async fn list_faults(State(s): St) -> Response {
    Json(s.faults.list()).into_response()
}

async fn add_fault(State(s): St, RawBody(body): RawBody) -> Response {
    match parse::<FaultRule>(&body) {
        Ok(rule) => (StatusCode::CREATED, Json(json!({"id": s.faults.add(rule)}))).into_response(),
        Err(r) => r,
    }
}

async fn clear_faults(State(s): St) -> Response {
    s.faults.clear();
    Json(json!({"cleared": true})).into_response()
}

async fn remove_fault(State(s): St, Path(id): Path<String>) -> Response {
    match id.parse::<u64>() {
        Ok(id) if s.faults.remove(id) => Json(json!({"removed": id})).into_response(),
        _ => error(
            StatusCode::NOT_FOUND,
            "fault_not_found",
            format!("no fault rule `{id}`"),
        ),
    }
}

fn clock_json(s: &Shared) -> Response {
    let now = s.clock.now();
    Json(json!({
        "now_ms": now.unix_millis(),
        "now": now.to_string(),
        "speed": s.clock.speed(),
        "next_due_ms": s.next_due().map(crate::SandboxTime::unix_millis),
    }))
    .into_response()
}

async fn clock(State(s): St) -> Response {
    clock_json(&s)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    ms: Option<u64>,
    seconds: Option<u64>,
    minutes: Option<u64>,
}

async fn advance(State(s): St, RawBody(body): RawBody) -> Response {
    let b: AdvanceBody = match parse(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let ms =
        b.ms.unwrap_or(0)
            .saturating_add(b.seconds.unwrap_or(0).saturating_mul(1000))
            .saturating_add(b.minutes.unwrap_or(0).saturating_mul(60_000));
    s.clock.advance(Duration::from_millis(ms));
    s.settle(Duration::from_secs(10)).await;
    clock_json(&s)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeedBody {
    speed: u32,
}

async fn speed(State(s): St, RawBody(body): RawBody) -> Response {
    match parse::<SpeedBody>(&body) {
        Ok(b) => {
            s.clock.set_speed(b.speed);
            clock_json(&s)
        }
        Err(r) => r,
    }
}

async fn next(State(s): St) -> Response {
    s.settle(Duration::from_secs(10)).await;
    if let Some(at) = s.next_due() {
        s.clock.advance_to(at);
        s.settle(Duration::from_secs(10)).await;
    }
    clock_json(&s)
}
