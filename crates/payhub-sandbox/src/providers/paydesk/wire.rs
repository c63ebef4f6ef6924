//! Cashy's wire shapes: the `{"msg","code","data"}` envelope, error names, status codes and the
//! notify body, field order as in the provider's examples.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::{Order, OrderState};

/// The reply envelope, keys in the documented order (`msg`, `code`, `data`).
#[derive(Serialize)]
struct Envelope<'a, D> {
    msg: &'a str,
    code: u16,
    data: D,
}

/// A successful reply: HTTP 200, `{"msg":"SUCCESS","code":200,"data":...}`.
pub(super) fn success(data: impl Serialize) -> Response {
    Json(Envelope {
        msg: "SUCCESS",
        code: 200,
        data,
    })
    .into_response()
}

/// A refused request: HTTP status, the business `code` and the documented `msg` name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Fail {
    pub(super) http: StatusCode,
    pub(super) code: u16,
    pub(super) msg: String,
}

impl Fail {
    /// A business error: HTTP 200, `code` 500 (the old docs' "error" code).
    pub(super) fn error(msg: impl Into<String>) -> Self {
        Self {
            http: StatusCode::OK,
            code: 500,
            msg: msg.into(),
        }
    }

    /// An access error: HTTP 200, `code` 401 (the old docs' "no access" code).
    pub(super) fn access(msg: impl Into<String>) -> Self {
        Self {
            http: StatusCode::OK,
            code: 401,
            msg: msg.into(),
        }
    }

    /// `Params_<field>_Required`.
    pub(super) fn required(field: &str) -> Self {
        Self::error(format!("Params_{field}_Required"))
    }

    /// `Params_<field>_error`.
    pub(super) fn invalid(field: &str) -> Self {
        Self::error(format!("Params_{field}_error"))
    }

    /// Sets the HTTP status.
    pub(super) fn http(mut self, status: StatusCode) -> Self {
        self.http = status;
        self
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        (
            self.http,
            Json(Envelope {
                msg: &self.msg,
                code: self.code,
                data: Value::Null,
            }),
        )
            .into_response()
    }
}

/// Payin / cashier `orderStatus`.
pub(super) fn payin_status(state: OrderState) -> &'static str {
    match state {
        OrderState::Success => "SUCCESS",
        OrderState::Failed | OrderState::Expired | OrderState::Closed | OrderState::Cancelled => {
            "FAIL"
        }
        _ => "PAYING",
    }
}

/// Payout `orderStatus`.
pub(super) fn payout_status(state: OrderState) -> &'static str {
    match state {
        OrderState::Success => "SUCCESS",
        OrderState::Failed | OrderState::Expired | OrderState::Closed => "FAIL",
        OrderState::Cancelled => "CANCEL",
        _ => "PROCESSING",
    }
}

/// A JSON number with exactly `dp` decimals (`358320.00`), as Cashy writes amounts in notifies.
pub(super) fn number(d: Decimal, dp: u32) -> Box<RawValue> {
    // `rescale` rather than `{:.N}` formatting: rust_decimal's precision formatting panics on
    // 29-digit values. At the type's limit the scale may end up smaller; still a valid number.
    let mut r = d.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    r.rescale(dp);
    let text = r.to_string();
    // A formatted Decimal is always a valid JSON number.
    RawValue::from_string(text).unwrap_or_else(|_| Box::<RawValue>::default())
}

/// A JSON string literal.
fn string(s: &str) -> Box<RawValue> {
    RawValue::from_string(serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()))
        .unwrap_or_else(|_| Box::<RawValue>::default())
}

fn null() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).unwrap_or_default()
}

/// Serializes `(key, raw value)` pairs as one JSON object, in the given order.
fn object(pairs: Vec<(&str, Box<RawValue>)>) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(k).unwrap_or_default());
        out.push(':');
        out.push_str(v.get());
    }
    out.push('}');
    out
}

/// The notify body for a cashier, payin or payout order, keys in the order of the provider's
/// examples (alphabetical): `amount` (2 decimals), `completionTime`, `fee` (4 decimals),
/// `mchOrderNo`, `merchantId`, `nonceStr`, `orderNo`, `orderStatus`, then per kind `payCode`,
/// `payType`, `payUrl` (payin), `payUrl` (cashier) or `resultDesc` (payout).
pub(super) fn notify_body(order: &Order, completion_time: &str, nonce: &str) -> String {
    let p = &order.payload;
    let text = |k: &str| p.get(k).and_then(Value::as_str).map_or_else(null, string);
    let completion = if order.state.is_final() {
        string(completion_time)
    } else {
        null()
    };
    let mut pairs = vec![
        ("amount", number(order.amount, 2)),
        ("completionTime", completion),
        ("fee", number(order.fee, 4)),
        ("mchOrderNo", string(&order.merchant_order_no)),
        ("merchantId", string(&order.merchant_id)),
        ("nonceStr", string(nonce)),
        ("orderNo", string(&order.platform_order_no)),
    ];
    match order.kind.as_str() {
        super::PAYOUT => {
            pairs.push(("orderStatus", string(payout_status(order.state))));
            let reason = order
                .reason
                .as_deref()
                .filter(|_| !matches!(order.state, OrderState::Success));
            pairs.push(("resultDesc", reason.map_or_else(null, string)));
        }
        super::PAYIN => {
            pairs.push(("orderStatus", string(payin_status(order.state))));
            pairs.push(("payCode", text("payCode")));
            pairs.push(("payType", text("payType")));
            pairs.push(("payUrl", text("payUrl")));
        }
        _ => {
            pairs.push(("orderStatus", string(payin_status(order.state))));
            pairs.push(("payUrl", text("payUrl")));
        }
    }
    object(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_decimals() {
        assert_eq!(number(Decimal::new(358320, 0), 2).get(), "358320.00");
        assert_eq!(number(Decimal::new(25, 1), 4).get(), "2.5000");
        assert_eq!(number(Decimal::new(12345, 3), 2).get(), "12.35");
        assert_eq!(
            number(Decimal::MAX, 2).get(),
            "79228162514264337593543950335"
        );
        assert_eq!(
            object(vec![("a", string("x\"y")), ("b", null())]),
            r#"{"a":"x\"y","b":null}"#
        );
    }
}
