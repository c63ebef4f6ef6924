//! vipcharge's routes: the documented `/v1/openapi/...` paths and the request pipeline
//! (authenticate, the endpoint, the signed reply).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::any;
use http::{HeaderMap, Method};

use super::{Inner, NAME, Op, PREFIX};
use crate::{ProviderCtx, RawBody};

/// Router state.
#[derive(Clone)]
struct St {
    ctx: ProviderCtx,
    module: Arc<Inner>,
}

async fn handle(st: St, op: Op, method: Method, headers: HeaderMap, body: &[u8]) -> Response {
    let m = &st.module;
    match m.authenticate(&st.ctx, &method, &headers, body) {
        Ok((caller, fields)) => {
            match m.handle(&st.ctx, op, caller.merchant, caller.kind, &fields) {
                Ok(data) => m.reply(&st.ctx, 0, "success", Some(&data), Some(caller)),
                Err(fail) => {
                    tracing::info!(provider = NAME, status = fail.status, "request refused");
                    m.reply(&st.ctx, fail.status, &fail.message, None, Some(caller))
                }
            }
        }
        Err((fail, signer)) => {
            tracing::info!(provider = NAME, status = fail.status, "request refused");
            m.reply(&st.ctx, fail.status, &fail.message, None, signer)
        }
    }
}

macro_rules! route {
    ($op:expr) => {
        any(|State(st): State<St>, method: Method, headers: HeaderMap, RawBody(body): RawBody| async move {
            handle(st, $op, method, headers, &body).await
        })
    };
}

/// The module's routes at their documented paths.
pub(super) fn router(ctx: ProviderCtx, module: Arc<Inner>) -> Router {
    let p = |path: &str| format!("{PREFIX}{path}");
    Router::new()
        .route(&p("/order/VIPCharge"), route!(Op::VipCharge))
        .route(&p("/order/gasCard"), route!(Op::GasCard))
        .route(&p("/order/batch"), route!(Op::Batch))
        .route(&p("/order/redPacket"), route!(Op::RedPacket))
        .route(&p("/order/alipay/transfer"), route!(Op::AlipayTransfer))
        .route(&p("/order/alipay/coupons"), route!(Op::AlipayCoupons))
        .route(&p("/order/wechat/coupons"), route!(Op::WechatCoupons))
        .route(&p("/order/wechat/transfer"), route!(Op::WechatTransfer))
        .route(&p("/order/coupon"), route!(Op::Coupon))
        .route(&p("/order/productCode"), route!(Op::ProductCode))
        .route(&p("/order/info"), route!(Op::OrderInfo))
        .route(&p("/merchant/business/balance"), route!(Op::Balance))
        .route(&p("/order/product/list"), route!(Op::ProductList))
        .with_state(St { ctx, module })
}
