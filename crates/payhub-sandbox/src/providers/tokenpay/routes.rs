//! tokenpay's routes: the documented paths, the request pipeline (method, authentication, body,
//! endpoint) and the cashier page.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::any;
use http::{HeaderMap, Method, Uri, header};
use serde::Deserialize;

use super::wire::{Fail, reply, text, trade_state};
use super::{Inner, NAME, ORDER, Op, PAYOUT};
use crate::page;
use crate::{OrderFilter, ProviderCtx, RawBody};

#[derive(Clone)]
struct St {
    ctx: ProviderCtx,
    module: Arc<Inner>,
}

async fn handle(
    st: St,
    op: Op,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: &[u8],
) -> Response {
    let m = &st.module;
    if method != op.method() {
        return reply(
            m,
            st.ctx.now(),
            None,
            100,
            &format!("request parameter error: use {}", op.method()),
            None,
        );
    }
    let path_and_query = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    if op == Op::Currencies && !headers.contains_key(header::AUTHORIZATION) {
        return reply(m, st.ctx.now(), None, 0, "ok", Some(Inner::currencies()));
    }
    let app = match m.authenticate(&st.ctx, &headers, &path_and_query, body) {
        Ok(app) => app,
        Err(fail) => {
            tracing::info!(provider = NAME, code = fail.code, msg = %fail.msg, "request refused");
            return reply(m, st.ctx.now(), None, fail.code, &fail.msg, None);
        }
    };
    let result = (|| {
        if op.method() == Method::GET {
            return match op {
                Op::WalletQuery => m.wallet_query(app, &uri),
                _ => Ok(Some(Inner::currencies())),
            };
        }
        let f = Inner::body_fields(app, body)?;
        match op {
            Op::Balance => m.balance(&st.ctx, app, &f),
            Op::Prepay => m.prepay(&st.ctx, app, &f),
            Op::QueryOrder => {
                let o = m.find(&st.ctx, app, ORDER, &f, "transaction_id")?;
                Ok(Some(m.detail(&st.ctx, &o, true)))
            }
            Op::CloseOrder => {
                let id = f.required_text("transaction_id")?;
                let o = st
                    .ctx
                    .order(&id)
                    .filter(|o| o.kind == ORDER && o.merchant_id == app.app_id)
                    .ok_or_else(|| Fail::new(12002, "data does not exist"))?;
                m.close(&st.ctx, &o)
            }
            Op::PayoutCreate(family) => m.create_payout(&st.ctx, app, &f, family),
            Op::PayoutQuery => {
                let o = m.find(&st.ctx, app, PAYOUT, &f, "transaction_id")?;
                Ok(Some(m.detail(&st.ctx, &o, true)))
            }
            Op::PayoutClose(field) => {
                let id = f.required_text(field)?;
                let o = st
                    .ctx
                    .order(&id)
                    .filter(|o| o.kind == PAYOUT && o.merchant_id == app.app_id)
                    .ok_or_else(|| Fail::new(12002, "data does not exist"))?;
                m.close(&st.ctx, &o)
            }
            Op::WalletInsert | Op::WalletUpdate | Op::WalletDelete => {
                m.wallet(&st.ctx, app, op, &f)
            }
            Op::Currencies | Op::WalletQuery => Ok(None),
        }
    })();
    match result {
        Ok(data) => {
            let msg = if data.is_some() { "ok" } else { "success" };
            reply(m, st.ctx.now(), Some(app), 0, msg, data)
        }
        Err(fail) => {
            tracing::info!(provider = NAME, code = fail.code, msg = %fail.msg, "request refused");
            reply(m, st.ctx.now(), Some(app), fail.code, &fail.msg, None)
        }
    }
}

macro_rules! route {
    ($op:expr) => {
        any(
            move |State(st): State<St>,
                  method: Method,
                  uri: Uri,
                  headers: HeaderMap,
                  RawBody(body): RawBody| async move {
                handle(st, $op, method, uri, headers, &body).await
            },
        )
    };
}

#[derive(Deserialize)]
struct CashierQuery {
    prepay_id: Option<String>,
}

async fn cashier_page(State(st): State<St>, Query(q): Query<CashierQuery>) -> Response {
    let prepay_id = q.prepay_id.unwrap_or_default();
    let order = st
        .ctx
        .store()
        .list(&OrderFilter::default().provider(NAME))
        .into_iter()
        .find(|o| o.kind == ORDER && !prepay_id.is_empty() && text(o, "prepay_id") == prepay_id);
    let Some(o) = order else {
        return page::not_found();
    };
    let details = format!(
        "<p>Pay {amount} {cur} on {chain} to <code>{to}</code></p><p>State: {state}</p>",
        amount = o.amount,
        cur = page::escape(text(&o, "currency")),
        chain = page::escape(text(&o, "chain")),
        to = page::escape(text(&o, "to_address")),
        state = trade_state(&o),
    );
    page::cashier(
        st.ctx.sandbox_url(),
        NAME,
        &o,
        "out_trade_no",
        &details,
        &[
            ("paid", "Pay in full"),
            ("failed", "Pay half (underpaid)"),
            ("closed", "Close"),
        ],
    )
}

/// The module's routes at their documented paths, with the cashier page.
pub(super) fn router(ctx: ProviderCtx, module: Arc<Inner>) -> Router {
    let mut r = Router::new()
        .route("/v1/currency/index", route!(Op::Currencies))
        .route("/v1/merchant/balance", route!(Op::Balance))
        .route("/v1/transaction/prepayment", route!(Op::Prepay))
        .route("/v1/transaction/query", route!(Op::QueryOrder))
        .route("/v1/transaction/close", route!(Op::CloseOrder))
        .route("/v1/wallet/insert", route!(Op::WalletInsert))
        .route("/v1/wallet/update", route!(Op::WalletUpdate))
        .route("/v1/wallet/delete", route!(Op::WalletDelete))
        .route("/v1/wallet/query", route!(Op::WalletQuery))
        .route("/pay/order", axum::routing::get(cashier_page));
    for (family, close_field) in [("payanother", "payanother_id"), ("payout", "payout_id")] {
        r = r
            .route(
                &format!("/v1/{family}/payment"),
                route!(Op::PayoutCreate(family)),
            )
            .route(&format!("/v1/{family}/query"), route!(Op::PayoutQuery))
            .route(
                &format!("/v1/{family}/close"),
                route!(Op::PayoutClose(close_field)),
            );
    }
    r.with_state(St { ctx, module })
}
