//! The orders page: every order (newest first) with a filter by provider and state, each row
//! linking to its order page.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;
use http::StatusCode;

use super::html::{self, esc};
use crate::shared::Shared;
use crate::store::{OrderFilter, OrderState};

/// Every state, in life-cycle order, for the filter.
const STATES: [OrderState; 8] = [
    OrderState::Created,
    OrderState::Paying,
    OrderState::Processing,
    OrderState::Success,
    OrderState::Failed,
    OrderState::Expired,
    OrderState::Closed,
    OrderState::Cancelled,
];

/// `GET /_sandbox/ui?provider=&state=`.
pub(super) async fn page(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let provider = q.get("provider").filter(|p| !p.is_empty());
    let state_name = q.get("state").filter(|p| !p.is_empty());
    let mut filter = OrderFilter::default();
    if let Some(p) = provider {
        filter = filter.provider(p.as_str());
    }
    let state = match state_name {
        None => None,
        Some(name) => match OrderState::parse(name) {
            Some(st) => Some(st),
            None => {
                return html::error(
                    &s,
                    StatusCode::BAD_REQUEST,
                    &format!("unknown state `{name}`"),
                );
            }
        },
    };
    if let Some(st) = state {
        filter = filter.state(st);
    }
    let mut orders = s.store.list(&filter);
    orders.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| b.platform_order_no.cmp(&a.platform_order_no))
    });

    let mut names: Vec<&str> = s.modules.keys().copied().collect();
    names.sort_unstable();
    let option = |value: &str, selected: bool| {
        format!(
            "<option value=\"{v}\"{sel}>{v}</option>",
            v = esc(value),
            sel = if selected { " selected" } else { "" }
        )
    };
    let provider_options: String = names
        .iter()
        .map(|n| option(n, provider.is_some_and(|p| p == n)))
        .collect();
    let state_options: String = STATES
        .iter()
        .map(|st| option(st.as_str(), state == Some(*st)))
        .collect();
    let filters = format!(
        "<form method=\"get\" action=\"/_sandbox/ui\" id=\"filter\">\
         <label>provider <select name=\"provider\" id=\"filter-provider\"><option value=\"\">all</option>{provider_options}</select></label> \
         <label>state <select name=\"state\" id=\"filter-state\"><option value=\"\">all</option>{state_options}</select></label> \
         <button id=\"btn-filter\">filter</button></form>"
    );
    let rows: String = orders
        .iter()
        .map(|o| {
            let no = esc(&o.platform_order_no);
            format!(
                "<tr class=\"order\" data-order=\"{no}\" data-provider=\"{prov}\" data-state=\"{state}\">\
                 <td><a class=\"order-link\" href=\"{href}\">{no}</a></td><td>{mch}</td><td>{prov}</td>\
                 <td>{kind}</td><td>{merchant}</td><td class=\"state\">{state}</td><td>{amount}</td><td>{created}</td></tr>",
                href = esc(&html::order_path(&o.platform_order_no)),
                mch = esc(&o.merchant_order_no),
                prov = esc(&o.provider),
                kind = esc(&o.kind),
                merchant = esc(&o.merchant_id),
                state = o.state.as_str(),
                amount = esc(&o.amount.to_string()),
                created = esc(&o.created_at.to_string()),
            )
        })
        .collect();
    let table = if orders.is_empty() {
        "<p id=\"no-orders\" class=\"muted\">No orders.</p>".to_owned()
    } else {
        format!(
            "<table id=\"orders\"><thead><tr><th>platform no</th><th>merchant order no</th><th>provider</th>\
             <th>kind</th><th>merchant</th><th>state</th><th>amount</th><th>created</th></tr></thead>\
             <tbody>{rows}</tbody></table>"
        )
    };
    let body = format!(
        "<h1>Orders <span class=\"muted\" id=\"order-count\" data-count=\"{n}\">({n})</span></h1>{filters}{table}",
        n = orders.len()
    );
    let mut back = "/_sandbox/ui".to_owned();
    let query: Vec<String> = [("provider", provider), ("state", state_name)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", html::segment(v))))
        .collect();
    if !query.is_empty() {
        back = format!("{back}?{}", query.join("&"));
    }
    html::page(&s, "Orders", &back, &body)
}
