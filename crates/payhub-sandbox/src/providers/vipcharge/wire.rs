//! vipcharge's wire shapes: the `{status, message, data}` envelope, refusals, order data and
//! status codes.

use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::Inner;
use crate::{Order, OrderState};

/// A refusal: the platform `status` and `message`.
pub(super) struct Fail {
    pub(super) status: i64,
    pub(super) message: String,
}

impl Fail {
    pub(super) fn new(status: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub(super) fn missing(field: &str) -> Self {
        Self::new(3, format!("请求参数缺失: {field}"))
    }

    pub(super) fn invalid(field: &str, why: &str) -> Self {
        Self::new(3, format!("参数错误: {field} {why}"))
    }
}

#[derive(Serialize)]
pub(super) struct Envelope<'a> {
    pub(super) status: i64,
    pub(super) message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) data: Option<&'a RawValue>,
}

pub(super) fn num(d: Decimal) -> Box<RawValue> {
    // A Decimal's Display is plain digits, sign and point: valid JSON.
    RawValue::from_string(d.to_string()).unwrap_or_default()
}

pub(super) fn to_raw<T: Serialize>(value: &T) -> Box<RawValue> {
    // Serializing plain data (strings, numbers, raw values) cannot fail.
    serde_json::value::to_raw_value(value).unwrap_or_default()
}

pub(super) fn order_status(state: OrderState) -> i64 {
    match state {
        OrderState::Created | OrderState::Paying => 0,
        OrderState::Processing => 1,
        OrderState::Success => 2,
        OrderState::Failed => 3,
        _ => 4,
    }
}

pub(super) fn payload_text(o: &Order, key: &str) -> Option<String> {
    o.payload
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

impl Inner {
    pub(super) fn charge_data(o: &Order) -> Box<RawValue> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Charge<'a> {
            order_code: &'a str,
            biz_code: &'a str,
            account: Option<String>,
            settlement_price: Box<RawValue>,
        }
        to_raw(&Charge {
            order_code: &o.platform_order_no,
            biz_code: &o.merchant_order_no,
            account: payload_text(o, "account"),
            settlement_price: num(o.amount),
        })
    }

    pub(super) fn order_data(o: &Order) -> Box<RawValue> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Info {
            order_code: String,
            biz_code: String,
            order_status: i64,
            account: Option<String>,
            product_code: Option<String>,
            product_name: Option<String>,
            settlement_price: Box<RawValue>,
            create_time: i64,
            #[serde(skip_serializing_if = "Option::is_none")]
            finish_time: Option<i64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            fail_reason: Option<String>,
        }
        to_raw(&Info {
            order_code: o.platform_order_no.clone(),
            biz_code: o.merchant_order_no.clone(),
            order_status: order_status(o.state),
            account: payload_text(o, "account"),
            product_code: payload_text(o, "productCode"),
            product_name: payload_text(o, "productName"),
            settlement_price: num(o.amount),
            create_time: o.created_at.unix_millis(),
            finish_time: o.completed_at.map(|t| t.unix_millis()),
            fail_reason: matches!(o.state, OrderState::Failed | OrderState::Cancelled)
                .then(|| o.reason.clone())
                .flatten(),
        })
    }
}

pub(super) fn envelope_response(http: StatusCode, status: i64, message: &str) -> Response {
    let body = serde_json::to_vec(&Envelope {
        status,
        message,
        data: None,
    })
    .unwrap_or_default();
    (
        http,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body,
    )
        .into_response()
}

pub(super) fn flip_first(sign: &str) -> String {
    sign.chars()
        .enumerate()
        .map(|(i, c)| match (i, c) {
            (0, 'A') => 'B',
            (0, _) => 'A',
            (_, c) => c,
        })
        .collect()
}
