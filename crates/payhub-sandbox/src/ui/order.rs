//! One order's page: its fields and payload, the buttons that change its state, and every
//! callback for it as a timeline of attempts (time, HTTP status, reply snippet, acknowledged or
//! not, next retry).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use http::StatusCode;

use super::html::{self, esc};
use crate::callback::{Attempt, CallbackRecord, CallbackStatus};
use crate::shared::Shared;
use crate::store::Order;

/// The state buttons: `(action, element id, label)`.
const ACTIONS: [(&str, &str, &str); 3] = [
    ("paid", "btn-pay", "pay"),
    ("failed", "btn-fail", "fail"),
    ("expired", "btn-expire", "expire"),
];

/// `GET /_sandbox/ui/orders/{key}[?notice=]`.
pub(super) async fn page(
    State(s): State<Arc<Shared>>,
    Path(key): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let order = match s.resolve(&key).map(|no| s.store.get(&no)) {
        Ok(Some(o)) => o,
        Ok(None) => return html::error(&s, StatusCode::NOT_FOUND, &format!("no order `{key}`")),
        Err(e) => return html::error(&s, StatusCode::NOT_FOUND, &e.to_string()),
    };
    let callbacks: Vec<CallbackRecord> = s
        .dispatcher
        .list()
        .into_iter()
        .filter(|c| c.platform_order_no == order.platform_order_no)
        .collect();
    let notice = q
        .get("notice")
        .map(|n| format!("<p class=\"notice\" id=\"notice\">{}</p>", esc(n)))
        .unwrap_or_default();
    let path = html::order_path(&order.platform_order_no);
    let body = format!(
        "<h1>Order <span id=\"order-no\">{no}</span> <span id=\"order-state\" data-state=\"{state}\">{state}</span></h1>\
         {notice}{buttons}<h2>Callbacks</h2>{timeline}<h2>Fields</h2>{fields}\
         <h2>Payload</h2><pre id=\"payload\">{payload}</pre>",
        no = esc(&order.platform_order_no),
        state = order.state.as_str(),
        buttons = buttons(&order, &path),
        fields = fields(&order),
        payload = esc(&serde_json::to_string_pretty(&order.payload).unwrap_or_default()),
        timeline = timeline(&callbacks),
    );
    html::page(
        &s,
        &format!("Order {}", order.platform_order_no),
        &path,
        &body,
    )
}

fn buttons(order: &Order, path: &str) -> String {
    let disabled = if order.state.is_final() {
        " disabled"
    } else {
        ""
    };
    let forms: String = ACTIONS
        .iter()
        .map(|(action, id, label)| {
            format!(
                "<form class=\"inline\" method=\"post\" action=\"{action_url}\">\
                 <button id=\"{id}\" data-action=\"{action}\"{disabled}>{label}</button></form>",
                action_url = esc(&format!("{path}/{action}")),
            )
        })
        .collect();
    format!("<div id=\"actions\">{forms}</div>")
}

fn fields(o: &Order) -> String {
    let time = |t: Option<crate::SandboxTime>| t.map(|t| t.to_string()).unwrap_or_default();
    let rows = [
        ("provider", o.provider.clone()),
        ("kind", o.kind.clone()),
        ("merchant", o.merchant_id.clone()),
        ("merchant_order_no", o.merchant_order_no.clone()),
        ("platform_order_no", o.platform_order_no.clone()),
        ("state", o.state.as_str().to_owned()),
        ("amount", o.amount.to_string()),
        ("fee", o.fee.to_string()),
        ("currency", o.currency.clone().unwrap_or_default()),
        ("notify_url", o.notify_url.clone().unwrap_or_default()),
        ("created_at", o.created_at.to_string()),
        ("expires_at", time(o.expires_at)),
        ("completed_at", time(o.completed_at)),
        ("reason", o.reason.clone().unwrap_or_default()),
        ("version", o.version.to_string()),
    ];
    let body: String = rows
        .iter()
        .map(|(k, v)| {
            format!(
                "<tr data-field=\"{k}\"><th>{k}</th><td>{}</td></tr>",
                esc(v)
            )
        })
        .collect();
    format!("<table id=\"fields\">{body}</table>")
}

fn status_name(s: CallbackStatus) -> &'static str {
    match s {
        CallbackStatus::Pending => "pending",
        CallbackStatus::Delivered => "delivered",
        CallbackStatus::GaveUp => "gave_up",
        CallbackStatus::Aborted => "aborted",
    }
}

fn timeline(callbacks: &[CallbackRecord]) -> String {
    if callbacks.is_empty() {
        return "<p id=\"no-callbacks\" class=\"muted\">No callbacks yet.</p>".to_owned();
    }
    callbacks
        .iter()
        .map(|c| {
            let rows: String = c.attempts.iter().map(|a| attempt_row(c, a)).collect();
            let next = match c.next_attempt_at {
                Some(at) if c.status == CallbackStatus::Pending => format!(
                    "<li class=\"next-retry\" id=\"cb-{id}-next\" data-callback=\"{id}\" data-next-at-ms=\"{ms}\">\
                     next attempt at {at}</li>",
                    id = c.id,
                    ms = at.unix_millis(),
                    at = esc(&at.to_string()),
                ),
                _ => String::new(),
            };
            format!(
                "<section class=\"callback\" id=\"cb-{id}\" data-callback=\"{id}\" data-status=\"{status}\">\
                 <h3>Callback #{id}: {state} → {method} {url} <span class=\"cb-status\">{status}</span></h3>\
                 <ol class=\"timeline\">{rows}{next}</ol></section>",
                id = c.id,
                status = status_name(c.status),
                state = c.order_state.as_str(),
                method = esc(&c.method),
                url = esc(&c.url),
            )
        })
        .collect()
}

fn attempt_row(c: &CallbackRecord, a: &Attempt) -> String {
    let http = a.status.map(|s| s.to_string()).unwrap_or_default();
    let outcome = match (a.status, &a.error) {
        (Some(s), _) => format!("HTTP <span class=\"http-status\">{s}</span>"),
        (None, Some(e)) => format!("error: {}", esc(e)),
        (None, None) => "no reply".to_owned(),
    };
    let (class, ack) = if a.acknowledged {
        ("ack", "acknowledged")
    } else {
        ("nack", "not acknowledged")
    };
    format!(
        "<li class=\"attempt\" id=\"cb-{id}-attempt-{n}\" data-callback=\"{id}\" data-attempt=\"{n}\" \
         data-http-status=\"{http}\" data-acknowledged=\"{acked}\">\
         #{n} at <time>{sent}</time>: {outcome}, <span class=\"{class}\">{ack}</span>{tampered}, \
         reply <code class=\"snippet\">{snippet}</code> <span class=\"muted\">({ms} ms)</span></li>",
        id = c.id,
        n = a.number,
        acked = a.acknowledged,
        sent = esc(&a.sent_at.to_string()),
        tampered = if a.tampered {
            " (signature tampered)"
        } else {
            ""
        },
        snippet = esc(&a.body_snippet),
        ms = a.elapsed_ms,
    )
}
