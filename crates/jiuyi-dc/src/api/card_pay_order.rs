//! `/dcapi/card/payOrder` (卡券购买下单): buy card codes. The codes come back synchronously; no
//! notify is documented for card orders (poll `card/queryOrder`). This call is a create: it is
//! never resent; an uncertain outcome is [`crate::Error::OutcomeUnknown`] and
//! [`crate::Client::reconcile_card`] queries the order.

use payhub_runtime::Idempotency;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::json::{Obj, Other};
use super::products::parse_items;
use super::{Operation, Reply, check_id};
use crate::types::{CardOrderStatus, CardPass, Money};
use crate::{Error, Result};

/// The `auto_confirm_hour` sent when none is set: 10 hours, the value of the provider's own
/// example and sign template. Longer warranties cost a surcharge.
pub const DEFAULT_AUTO_CONFIRM_HOUR: u32 = 10;

/// Buy `num` codes of card product `card_id`.
///
/// `order_money` is the price ceiling in yuan and is always sent and signed; `0` (the default)
/// means "no price check".
///
/// ```
/// use jiuyi_dc::api::CardPayOrderRequest;
/// use jiuyi_dc::types::Money;
/// let req = CardPayOrderRequest::new("43", 1, "C0001")
///     .auto_confirm_hour(24)
///     .max_price(Money::parse_yuan("4.20")?);
/// assert_eq!(req.out_order_id(), "C0001");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardPayOrderRequest {
    card_id: String,
    num: u32,
    auto_confirm_hour: u32,
    out_order_id: String,
    order_money: Option<Money>,
}

impl CardPayOrderRequest {
    /// `num` codes of product `card_id` under merchant order number `out_order_id`.
    pub fn new(card_id: impl Into<String>, num: u32, out_order_id: impl Into<String>) -> Self {
        Self {
            card_id: card_id.into(),
            num,
            auto_confirm_hour: DEFAULT_AUTO_CONFIRM_HOUR,
            out_order_id: out_order_id.into(),
            order_money: None,
        }
    }

    /// `auto_confirm_hour`: warranty hours before automatic confirmation (default
    /// [`DEFAULT_AUTO_CONFIRM_HOUR`]).
    #[must_use]
    pub fn auto_confirm_hour(mut self, hours: u32) -> Self {
        self.auto_confirm_hour = hours;
        self
    }

    /// `order_money`: refuse the order if the total price is higher. Sent in yuan (a fen amount is
    /// converted exactly). A zero amount means "no price check", as does not calling this.
    #[must_use]
    pub fn max_price(mut self, money: Money) -> Self {
        self.order_money = Some(money);
        self
    }

    /// Send `order_money = 0`: no price check (the default).
    #[must_use]
    pub fn no_price_check(mut self) -> Self {
        self.order_money = None;
        self
    }

    /// The merchant order number.
    pub fn out_order_id(&self) -> &str {
        &self.out_order_id
    }
}

impl Operation for CardPayOrderRequest {
    type Response = CardPayOrderResponse;
    const NAME: &'static str = "card/payOrder";
    const PATH: &'static str = "/dcapi/card/payOrder";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
    const UNSIGNED_FIELDS: &'static [&'static str] = &[];

    fn form_fields(&self, _now_seconds: i64) -> Result<Vec<(&'static str, String)>> {
        check_id("card_id", &self.card_id)?;
        check_id("out_order_id", &self.out_order_id)?;
        if self.num == 0 {
            return Err(Error::validation("num", "must be at least 1"));
        }
        if self.auto_confirm_hour == 0 {
            return Err(Error::validation("auto_confirm_hour", "must be at least 1"));
        }
        let order_money = match &self.order_money {
            None => "0".to_owned(),
            Some(m) if m.is_zero() => "0".to_owned(),
            Some(m) => m.in_yuan().wire(),
        };
        Ok(vec![
            ("card_id", self.card_id.clone()),
            ("num", self.num.to_string()),
            ("auto_confirm_hour", self.auto_confirm_hour.to_string()),
            ("out_order_id", self.out_order_id.clone()),
            ("order_money", order_money),
        ])
    }

    fn parse_reply(reply: &Reply) -> Result<CardPayOrderResponse> {
        let ctx = reply.ctx();
        let cards = match reply.result() {
            Some(raw) => parse_items(&ctx, "result", raw, CardOrder::parse)?,
            None => Vec::new(),
        };
        let other = Other::parse(&ctx, reply.other())?;
        Ok(CardPayOrderResponse {
            cards,
            price: other.price,
            message: reply.msg().to_owned(),
            other_extra: other.extra,
        })
    }

    fn out_order_id(&self) -> Option<&str> {
        Some(&self.out_order_id)
    }
}

/// The reply of `card/payOrder`: one entry per code.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CardPayOrderResponse {
    /// The codes bought (`result[]`).
    pub cards: Vec<CardOrder>,
    /// `other.price`, when sent.
    pub price: Option<Decimal>,
    /// The provider's `msg`.
    pub message: String,
    /// Other `other` fields.
    pub other_extra: Map<String, Value>,
}

/// One card code of a card order. `card_pass` never prints.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CardOrder {
    /// The platform order number.
    pub order_id: String,
    /// `card_num`: the card number (or image / URL, depending on the product's card type).
    pub card_num: Option<String>,
    /// `card_pass`: the card secret.
    pub card_pass: Option<CardPass>,
    /// `money`: the price in yuan.
    pub money: Option<Decimal>,
    /// The order status.
    pub status: CardOrderStatus,
    /// The product id (`card/queryOrder`).
    pub card_id: Option<String>,
    /// `create_time` as sent (e.g. `2022-08-26 21:25:00`).
    pub create_time: Option<String>,
    /// `update_time` as sent.
    pub update_time: Option<String>,
    /// `remark` (e.g. `-用户主动确认收货`).
    pub remark: Option<String>,
    /// Undocumented fields.
    pub extra: Map<String, Value>,
}

impl CardOrder {
    pub(crate) fn parse(mut o: Obj) -> Result<Self> {
        Ok(Self {
            order_id: o.req_text("order_id")?,
            card_num: o.text("card_num")?,
            card_pass: o.text("card_pass")?.map(CardPass::new),
            money: o.decimal("money")?,
            status: CardOrderStatus::parse(o.req_text("status")?.trim()),
            card_id: o.text("card_id")?,
            create_time: o.text("create_time")?,
            update_time: o.text("update_time")?,
            remark: o.text("remark")?,
            extra: o.rest(),
        })
    }
}
