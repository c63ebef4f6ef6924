//! The UI's form routes: the same internals as the JSON control API (state changes with
//! `ChangeCause::Control`, clock advance then settle), answered with `303 See Other` back to
//! the page the form was on, so a browser reload never repeats the action.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;

use super::html;
use crate::body::RawBody;
use crate::provider::ChangeCause;
use crate::shared::Shared;
use crate::store::OrderState;

/// How long a form waits for due work (callbacks, transitions) after moving the clock.
const SETTLE_LIMIT: Duration = Duration::from_secs(10);

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Where to go back to: a UI path from the form, else the orders page (never another site).
fn back(fields: &HashMap<String, String>) -> String {
    match fields.get("back") {
        Some(b)
            if (b == "/_sandbox/ui"
                || b.starts_with("/_sandbox/ui/")
                || b.starts_with("/_sandbox/ui?"))
                && !b.contains(['\\', '\r', '\n']) =>
        {
            b.clone()
        }
        _ => "/_sandbox/ui".to_owned(),
    }
}

/// `POST /_sandbox/ui/orders/{key}/{action}`: `paid`, `failed`, `expired` (or any state name
/// the control API takes); 303 to the order page, with `?notice=` when the change was refused.
pub(super) async fn mark(
    State(s): State<Arc<Shared>>,
    Path((key, action)): Path<(String, String)>,
) -> Response {
    let Some(to) = OrderState::parse(&action) else {
        return html::error(
            &s,
            StatusCode::BAD_REQUEST,
            &format!("unknown action `{action}`"),
        );
    };
    let no = match s.resolve(&key) {
        Ok(no) => no,
        Err(e) => return html::error(&s, StatusCode::NOT_FOUND, &e.to_string()),
    };
    let target = html::order_path(&no);
    match s.transition(&no, to, None, ChangeCause::Control) {
        Ok(_) => {
            // Let the first callback attempt happen before the page is shown again.
            s.settle(SETTLE_LIMIT).await;
            Redirect::to(&target).into_response()
        }
        Err(e) => {
            let notice: String =
                url::form_urlencoded::byte_serialize(e.to_string().as_bytes()).collect();
            Redirect::to(&format!("{target}?notice={notice}")).into_response()
        }
    }
}

/// `POST /_sandbox/ui/clock/advance` form `seconds`, `back`.
pub(super) async fn advance(State(s): State<Arc<Shared>>, RawBody(body): RawBody) -> Response {
    let fields = form(&body);
    let Some(seconds) = fields
        .get("seconds")
        .and_then(|v| v.trim().parse::<u64>().ok())
    else {
        return html::error(
            &s,
            StatusCode::BAD_REQUEST,
            "field `seconds` must be a whole number of seconds",
        );
    };
    s.clock
        .advance(Duration::from_millis(seconds.saturating_mul(1000)));
    s.settle(SETTLE_LIMIT).await;
    Redirect::to(&back(&fields)).into_response()
}

/// `POST /_sandbox/ui/clock/next` form `back`: to the next due time, then settle.
pub(super) async fn next(State(s): State<Arc<Shared>>, RawBody(body): RawBody) -> Response {
    let fields = form(&body);
    s.settle(SETTLE_LIMIT).await;
    if let Some(at) = s.next_due() {
        s.clock.advance_to(at);
        s.settle(SETTLE_LIMIT).await;
    }
    Redirect::to(&back(&fields)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn back_of(value: &str) -> String {
        back(&HashMap::from([("back".to_owned(), value.to_owned())]))
    }

    #[test]
    fn back_stays_inside_the_ui() {
        assert_eq!(back_of("/_sandbox/ui/orders/P1"), "/_sandbox/ui/orders/P1");
        assert_eq!(
            back_of("/_sandbox/ui?state=paying"),
            "/_sandbox/ui?state=paying"
        );
        for hostile in [
            "https://evil.example/",
            "//evil.example/_sandbox/ui",
            "/_sandbox/uix",
            "/_sandbox/ui/\\evil",
            "/_sandbox/ui/\r\nLocation: x",
        ] {
            assert_eq!(back_of(hostile), "/_sandbox/ui", "{hostile:?}");
        }
        assert_eq!(back(&HashMap::new()), "/_sandbox/ui");
    }
}
