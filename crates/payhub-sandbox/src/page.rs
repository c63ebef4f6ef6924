//! The sandbox's hosted cashier pages: one HTML shell for every provider that sends payers to a
//! page, so a module only says what to show about its order and which buttons to offer.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::Order;

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page for an order that does not exist.
pub(crate) fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<h1>Order not found</h1>".to_owned()),
    )
        .into_response()
}

/// A cashier page for `order`: a title, `details` (already escaped HTML), and one button per
/// `(control action, label)`, each posting to the sandbox control API for this order.
pub(crate) fn cashier(
    sandbox_url: &str,
    provider: &str,
    order: &Order,
    merchant_label: &str,
    details: &str,
    buttons: &[(&str, &str)],
) -> Response {
    let no = escape(&order.platform_order_no);
    let control = format!("{sandbox_url}/_sandbox/orders/{no}");
    let forms: String = buttons
        .iter()
        .map(|(action, label)| {
            format!("<form method=\"post\" action=\"{control}/{action}\"><button>{label}</button></form>")
        })
        .collect();
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sandbox cashier {no}</title></head><body>\
         <h1>payhub sandbox cashier ({provider})</h1><p>Order <b>{no}</b> ({merchant_label} {mch})</p>\
         {details}{forms}<p>Sandbox only: no money moves.</p></body></html>",
        mch = escape(&order.merchant_order_no),
    ))
    .into_response()
}
