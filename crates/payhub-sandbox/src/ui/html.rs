//! The UI's HTML helpers: escaping, URL path segments, the page shell with its inline CSS and
//! the clock bar. Everything the pages show goes through [`esc`].

use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;

use crate::shared::Shared;

/// Escapes text for element content and quoted attributes (`& < > " '`).
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes one URL path segment (everything but unreserved characters).
pub(super) fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The UI path of one order.
pub(super) fn order_path(platform_order_no: &str) -> String {
    format!("/_sandbox/ui/orders/{}", segment(platform_order_no))
}

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}.clock{background:#eef;padding:6px 10px;margin-bottom:1em}\
form.inline{display:inline-block;margin:0 4px 4px 0}button{padding:3px 10px}\
pre{background:#f7f7f7;padding:8px;overflow:auto;max-width:100%}\
.ack{color:#070;font-weight:bold}.nack{color:#a00;font-weight:bold}.notice{background:#ffd;padding:6px 10px}\
ol.timeline li{margin-bottom:6px}.muted{color:#777}";

/// The page shell: title, clock bar (with advance buttons returning to `back`), body.
pub(super) fn page(shared: &Shared, title: &str, back: &str, body: &str) -> Response {
    let now = shared.clock.now();
    let next = shared
        .next_due()
        .map_or_else(|| "nothing due".to_owned(), |t| format!("next due {t}"));
    let back = esc(back);
    let advance = |id: &str, seconds: u64, label: &str| {
        format!(
            "<form class=\"inline\" method=\"post\" action=\"/_sandbox/ui/clock/advance\">\
             <input type=\"hidden\" name=\"seconds\" value=\"{seconds}\">\
             <input type=\"hidden\" name=\"back\" value=\"{back}\">\
             <button id=\"{id}\" data-advance-seconds=\"{seconds}\">{label}</button></form>"
        )
    };
    let clock = format!(
        "<div class=\"clock\" id=\"clock\" data-now-ms=\"{ms}\">Sandbox clock <b id=\"clock-now\">{now}</b> \
         (speed {speed}; <span class=\"muted\">{next}</span>) {m1}{h1}\
         <form class=\"inline\" method=\"post\" action=\"/_sandbox/ui/clock/next\">\
         <input type=\"hidden\" name=\"back\" value=\"{back}\">\
         <button id=\"btn-advance-next\">to next due</button></form></div>",
        ms = now.unix_millis(),
        now = esc(&now.to_string()),
        speed = shared.clock.speed(),
        next = esc(&next),
        m1 = advance("btn-advance-1m", 60, "+1 min"),
        h1 = advance("btn-advance-1h", 3600, "+1 h"),
    );
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title} · payhub sandbox</title><style>{CSS}</style></head><body>\
         <p><a href=\"/_sandbox/ui\" id=\"nav-orders\">Orders</a> · payhub sandbox (no money moves)</p>\
         {clock}{body}</body></html>",
        title = esc(title),
    );
    ([(http::header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// A plain error page (404 unknown order, 400 bad filter).
pub(super) fn error(shared: &Shared, status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<h1>{}</h1><p class=\"notice\" id=\"error\">{}</p>",
        status.as_u16(),
        esc(message)
    );
    let mut resp = page(shared, "error", "/_sandbox/ui", &body);
    *resp.status_mut() = status;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            esc(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(esc("订单-1"), "订单-1");
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("PAYIN-1_a.b~"), "PAYIN-1_a.b~");
        assert_eq!(segment("a/b?c d"), "a%2Fb%3Fc%20d");
        assert_eq!(segment("é"), "%C3%A9");
    }
}
