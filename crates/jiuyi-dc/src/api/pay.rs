//! `/dcapi/pay` (代充下单): place a direct-recharge order.
//!
//! An order nobody fulfils within 7 days is withdrawn and refunded to the balance. A successful
//! order is confirmed automatically 24 hours after success unless confirmed earlier with
//! [`crate::api::confirm_order`]. This call is a create: it is never resent; an uncertain outcome
//! is [`crate::Error::OutcomeUnknown`] and [`crate::Client::reconcile`] queries the order.

use payhub_runtime::Idempotency;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use url::Url;

use super::json::{Obj, Other, scalar_text};
use super::{Operation, Reply, check_id, check_text};
use crate::types::Money;
use crate::{Error, Result};

/// Place a direct recharge of product `card_id` to `account`.
///
/// ```
/// use jiuyi_dc::api::PayRequest;
/// use jiuyi_dc::types::Money;
/// let req = PayRequest::new("43", "13800138000", "JY202611220001")
///     .max_price(Money::parse_yuan("12.50")?)
///     .notify_url("https://merchant.example/jiuyi/notify")
///     .stock_check(true);
/// assert_eq!(req.out_order_id(), "JY202611220001");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayRequest {
    card_id: String,
    account: String,
    number: u32,
    money: Option<Money>,
    send_money_type: bool,
    out_order_id: String,
    notify_url: Option<String>,
    check: Option<bool>,
}

impl PayRequest {
    /// A recharge of one unit of product `card_id` (the direct-recharge product id from
    /// `queryCardList`) to `account`, under the merchant order number `out_order_id`.
    pub fn new(
        card_id: impl Into<String>,
        account: impl Into<String>,
        out_order_id: impl Into<String>,
    ) -> Self {
        Self {
            card_id: card_id.into(),
            account: account.into(),
            number: 1,
            money: None,
            send_money_type: true,
            out_order_id: out_order_id.into(),
            notify_url: None,
            check: None,
        }
    }

    /// The quantity (`number`, default 1, at least 1).
    #[must_use]
    pub fn number(mut self, number: u32) -> Self {
        self.number = number;
        self
    }

    /// The merchant's price ceiling (`money` with `money_type` from the unit): the order fails if
    /// the platform's price is higher. Not sent (and not signed) unless set.
    #[must_use]
    pub fn max_price(mut self, money: Money) -> Self {
        self.money = Some(money);
        self
    }

    /// Whether `money_type` is sent with `money` (default `true`). With `false`, `money` goes
    /// alone and the provider reads it in fen, its default unit, as in the provider's own worked
    /// example; a yuan amount is then converted to fen exactly (or refused if it does not fit).
    #[must_use]
    pub fn send_money_type(mut self, send: bool) -> Self {
        self.send_money_type = send;
        self
    }

    /// Where the provider pushes status notifies (`notify_url`, http or https). Not sent (and no
    /// notify is pushed) unless set.
    #[must_use]
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// `check`: refuse the order when the product is out of stock (`true` → `1`, `false` → `0`).
    /// Sent but never signed. Not sent unless set (the provider then does not check).
    #[must_use]
    pub fn stock_check(mut self, check: bool) -> Self {
        self.check = Some(check);
        self
    }

    /// The merchant order number.
    pub fn out_order_id(&self) -> &str {
        &self.out_order_id
    }

    /// The product id.
    pub fn card_id(&self) -> &str {
        &self.card_id
    }

    /// The account to recharge.
    pub fn account(&self) -> &str {
        &self.account
    }
}

impl Operation for PayRequest {
    type Response = PayResponse;
    const NAME: &'static str = "pay";
    const PATH: &'static str = "/dcapi/pay";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
    /// `check` (stock check, added 2023-09-07) is sent but not signed.
    const UNSIGNED_FIELDS: &'static [&'static str] = &["check"];

    fn form_fields(&self, now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        check_id("card_id", &self.card_id)?;
        check_text("account", &self.account)?;
        check_id("out_order_id", &self.out_order_id)?;
        if self.number == 0 {
            return Err(Error::validation("number", "must be at least 1"));
        }
        if now_seconds <= 0 {
            return Err(Error::validation(
                "datetime",
                "the clock must give a positive Unix time in seconds",
            ));
        }
        let mut fields = vec![
            ("card_id", self.card_id.clone()),
            ("account", self.account.clone()),
            ("number", self.number.to_string()),
        ];
        if let Some(money) = &self.money {
            if self.send_money_type {
                fields.push(("money_type", money.unit().money_type().to_owned()));
                fields.push(("money", money.wire()));
            } else {
                let fen = money
                    .to_fen()
                    .map_err(|e| Error::validation("money", e.to_string()))?;
                fields.push(("money", fen.to_string()));
            }
        }
        fields.push(("out_order_id", self.out_order_id.clone()));
        fields.push(("datetime", now_seconds.to_string()));
        if let Some(url) = &self.notify_url {
            check_notify_url(url)?;
            fields.push(("notify_url", url.clone()));
        }
        if let Some(check) = self.check {
            fields.push(("check", if check { "1" } else { "0" }.to_owned()));
        }
        Ok(fields)
    }

    fn parse_reply(reply: &Reply) -> Result<PayResponse> {
        let ctx = reply.ctx();
        let order_id = match reply.result() {
            Some(raw) if raw.get().starts_with('{') => {
                // Tolerate `{"order_id": ...}` in case the gateway wraps the number.
                let mut o = Obj::parse(&ctx, "result", raw)?;
                o.req_text("order_id")?
            }
            Some(raw) => scalar_text(&ctx, "result", raw)?.unwrap_or_default(),
            None => String::new(),
        };
        if order_id.is_empty() {
            return Err(ctx.field_error("result", "is missing (the platform order number)"));
        }
        let other = Other::parse(&ctx, reply.other())?;
        Ok(PayResponse {
            order_id,
            price: other.price,
            message: reply.msg().to_owned(),
            other_extra: other.extra,
        })
    }

    fn out_order_id(&self) -> Option<&str> {
        Some(&self.out_order_id)
    }
}

pub(crate) fn check_notify_url(url: &str) -> Result<()> {
    let parsed = Url::parse(url)
        .map_err(|e| Error::validation("notify_url", format!("must be an absolute URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::validation("notify_url", "must be http or https"));
    }
    // No length limit: the docs give none (the provider judges a long URL itself).
    if url.chars().any(char::is_control) {
        return Err(Error::validation(
            "notify_url",
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// The reply of `/dcapi/pay`: the platform order number and the price charged to the merchant.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PayResponse {
    /// The platform order number (`result`, e.g. `API2022040622185551647`).
    pub order_id: String,
    /// `other.price`: the price the platform charges the merchant for this order (yuan), i.e.
    /// the merchant's cost, when sent. Not an amount a customer paid.
    pub price: Option<Decimal>,
    /// The provider's `msg` (e.g. `下单成功`).
    pub message: String,
    /// Other `other` fields, as received.
    pub other_extra: Map<String, Value>,
}
