//! Value types: [`Money`] (an amount that carries its unit), the order status enums, card types,
//! [`OrderRef`] and [`CardPass`] (a card secret that never prints).

use std::fmt;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;
use sign_core::Secret;

/// The unit of a [`Money`] amount, sent as `money_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MoneyUnit {
    /// 分 (fen, 1/100 yuan): `money_type = 1`, an integer. The provider's default when
    /// `money_type` is not sent.
    Fen,
    /// 元 (yuan): `money_type = 2`, an integer or at most two decimals.
    Yuan,
}

impl MoneyUnit {
    /// The wire value of `money_type` (`"1"` or `"2"`).
    pub fn money_type(self) -> &'static str {
        match self {
            Self::Fen => "1",
            Self::Yuan => "2",
        }
    }
}

/// Why an amount was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// The text is not a plain decimal number.
    #[error("`{0}` is not a decimal amount")]
    NotANumber(String),
    /// Amounts are never negative.
    #[error("amount is negative")]
    Negative,
    /// Yuan amounts have at most two decimals (the provider would round or refuse).
    #[error("yuan amount has {0} decimals; at most 2 are allowed")]
    TooManyDecimals(u32),
    /// The converted amount does not fit.
    #[error("amount is out of range")]
    Overflow,
}

/// An amount with its unit. Conversions are exact and checked: fen to yuan always succeeds, yuan to
/// fen succeeds for every valid yuan amount that fits in `u64` fen.
///
/// ```
/// use jiuyi_dc::types::{Money, MoneyUnit};
/// let price = Money::parse_yuan("12.50")?;
/// assert_eq!(price.unit(), MoneyUnit::Yuan);
/// assert_eq!(price.to_fen()?, 1250);
/// assert_eq!(Money::from_fen(1250).to_yuan().to_string(), "12.50");
/// assert!(Money::parse_yuan("0.125").is_err());
/// # Ok::<(), jiuyi_dc::types::MoneyError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    unit: MoneyUnit,
}

impl Money {
    /// An amount in fen (分), sent with `money_type = 1`.
    pub fn from_fen(fen: u64) -> Self {
        Self {
            amount: Decimal::from(fen),
            unit: MoneyUnit::Fen,
        }
    }

    /// An amount in yuan (元), sent with `money_type = 2` exactly as given (`12`, `12.5`, `12.50`).
    ///
    /// # Errors
    /// [`MoneyError::Negative`]; [`MoneyError::TooManyDecimals`] beyond two significant decimals
    /// (trailing zeros are dropped first, so `12.500` becomes `12.5`).
    pub fn from_yuan(yuan: Decimal) -> Result<Self, MoneyError> {
        if yuan.is_sign_negative() && !yuan.is_zero() {
            return Err(MoneyError::Negative);
        }
        let mut amount = yuan;
        if amount.scale() > 2 {
            amount = amount.normalize();
            if amount.scale() > 2 {
                return Err(MoneyError::TooManyDecimals(amount.scale()));
            }
        }
        amount.set_sign_positive(true);
        Ok(Self {
            amount,
            unit: MoneyUnit::Yuan,
        })
    }

    /// Parses a yuan amount from text (never through a float).
    ///
    /// # Errors
    /// [`MoneyError::NotANumber`] and the errors of [`Money::from_yuan`].
    pub fn parse_yuan(text: &str) -> Result<Self, MoneyError> {
        Self::from_yuan(parse_plain_decimal(text)?)
    }

    /// The unit.
    pub fn unit(&self) -> MoneyUnit {
        self.unit
    }

    /// The amount in its own unit.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// The amount in fen.
    ///
    /// # Errors
    /// [`MoneyError::Overflow`] when it does not fit in `u64`.
    pub fn to_fen(&self) -> Result<u64, MoneyError> {
        let fen = match self.unit {
            MoneyUnit::Fen => self.amount,
            MoneyUnit::Yuan => self
                .amount
                .checked_mul(Decimal::ONE_HUNDRED)
                .ok_or(MoneyError::Overflow)?,
        };
        if !fen.fract().is_zero() {
            // Unreachable for values built by this type; kept so the conversion is never lossy.
            return Err(MoneyError::TooManyDecimals(self.amount.scale()));
        }
        fen.to_u64().ok_or(MoneyError::Overflow)
    }

    /// The amount in yuan with two decimals (exact).
    pub fn to_yuan(&self) -> Decimal {
        match self.unit {
            MoneyUnit::Yuan => self.amount,
            // Fen amounts are integers (scale 0) below 2^64, so this is exact.
            MoneyUnit::Fen => Decimal::from_i128_with_scale(self.amount.mantissa(), 2),
        }
    }

    /// The same amount expressed in yuan (exact).
    pub fn in_yuan(&self) -> Self {
        Self {
            amount: self.to_yuan(),
            unit: MoneyUnit::Yuan,
        }
    }

    /// The same amount expressed in fen.
    ///
    /// # Errors
    /// As [`Money::to_fen`].
    pub fn in_fen(&self) -> Result<Self, MoneyError> {
        self.to_fen().map(Self::from_fen)
    }

    /// The `money` wire text.
    pub(crate) fn wire(&self) -> String {
        self.amount.to_string()
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self})")
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            MoneyUnit::Fen => "fen",
            MoneyUnit::Yuan => "yuan",
        };
        write!(f, "{} {unit}", self.amount)
    }
}

/// Parses `123`, `123.4`, `-1.50`: digits with at most one point. No exponents, no spaces.
pub(crate) fn parse_plain_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let t = text.strip_prefix('-').unwrap_or(text);
    let ok = !t.is_empty()
        && t.chars().all(|c| c.is_ascii_digit() || c == '.')
        && t.chars().filter(|c| *c == '.').count() <= 1
        && t.chars().any(|c| c.is_ascii_digit());
    if !ok {
        return Err(MoneyError::NotANumber(truncate(text)));
    }
    text.parse::<Decimal>()
        .map_err(|_| MoneyError::NotANumber(truncate(text)))
}

fn truncate(text: &str) -> String {
    text.chars().take(32).collect()
}

/// How an order is named in a query or cancel: the platform's `order_id` or the merchant's
/// `out_order_id` (the provider uses `order_id` if both were sent, so this type sends one).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OrderRef {
    /// The platform order number (`order_id`, e.g. `API2022040622185551647`).
    OrderId(String),
    /// The merchant order number (`out_order_id`).
    OutOrderId(String),
}

impl OrderRef {
    pub(crate) fn field(&self) -> (&'static str, &str) {
        match self {
            Self::OrderId(v) => ("order_id", v),
            Self::OutOrderId(v) => ("out_order_id", v),
        }
    }
}

payhub_runtime::open_enum! {
    /// Status of a direct-recharge (代充) order, from `/dcapi/queryOrder` and notifies.
    ///
    /// Lifecycle: `Waiting` (1) → `Matching` (7) → `Charging` (2) →
    /// `SuccessAwaitingConfirmation` (3) → `Completed` (4), with `Disputed` (5) and `Failed` (6).
    /// Only `Waiting` orders can be cancelled (`drawOrder`). A success auto-confirms 24 hours later
    /// (not configurable); an order nobody fulfils within 7 days is withdrawn and refunded.
    pub enum OrderStatus (Trimmed) {
        /// 1 待充值: waiting for a fulfiller; cancellable.
        Waiting = "1" => "待充值 (waiting for a fulfiller)",
        /// 2 充值中: being recharged.
        Charging = "2" => "充值中 (recharging)",
        /// 3 充值成功-待确认: succeeded, awaiting confirmation (auto-confirmed after 24 h).
        SuccessAwaitingConfirmation = "3" => "充值成功-待确认 (success, awaiting confirmation)",
        /// 4 充值成功-已完成: succeeded and completed.
        Completed = "4" => "充值成功-已完成 (success, completed)",
        /// 5 充值成功-纠纷中: reported successful, under dispute.
        Disputed = "5" => "充值成功-纠纷中 (success, in dispute)",
        /// 6 充值失败-订单关闭: failed, order closed and refunded.
        Failed = "6" => "充值失败-订单关闭 (failed, order closed)",
        /// 7 充值匹配中: matching, waiting for a fulfiller to open the order.
        Matching = "7" => "充值匹配中 (matching, waiting for an order to open)",
    }
    unknown => "未知 (not documented)";
    final: [Completed, Failed]
}

impl OrderStatus {
    /// Whether the recharge was delivered: `SuccessAwaitingConfirmation`, `Completed` or
    /// `Disputed` (a disputed order was reported delivered; the dispute may still reverse it).
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            Self::SuccessAwaitingConfirmation | Self::Completed | Self::Disputed
        )
    }

    /// Whether the order failed (refunded to the balance).
    pub fn is_failure(&self) -> bool {
        matches!(self, Self::Failed)
    }

    /// Whether the order is still in progress (`Waiting`, `Matching`, `Charging`).
    pub fn is_pending(&self) -> bool {
        matches!(self, Self::Waiting | Self::Matching | Self::Charging)
    }

    /// Whether `drawOrder` (cancel) is allowed: only while `Waiting`.
    pub fn is_cancellable(&self) -> bool {
        matches!(self, Self::Waiting)
    }
}

payhub_runtime::open_enum! {
    /// Status of a card-code (卡券) order, from `/dcapi/card/payOrder` and `/dcapi/card/queryOrder`.
    /// The values come from the platform's public integration code (confidence M/L).
    pub enum CardOrderStatus (Trimmed) {
        /// 2 充值中: being processed.
        Processing = "2" => "充值中 (processing)",
        /// 3 已完成: completed; the card codes are valid.
        Completed = "3" => "已完成 (completed)",
        /// 4 纠纷中: under dispute.
        Disputed = "4" => "纠纷中 (in dispute)",
        /// 5 纠纷已完成: dispute closed (check the order remark for the outcome).
        DisputeClosed = "5" => "纠纷已完成 (dispute closed)",
        /// 6 已取消: cancelled.
        Cancelled = "6" => "已取消 (cancelled)",
    }
    unknown => "未知 (not documented)";
    final: [Completed, DisputeClosed, Cancelled]
}

impl CardOrderStatus {
    /// Whether the codes were delivered and stand: `Completed` only (a closed dispute's outcome is
    /// not encoded in the status).
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Completed)
    }
}

payhub_runtime::open_enum! {
    /// How a card code is delivered (`type` of a card product).
    pub enum CardType (Trimmed) {
        /// 0 官方激活码: an official activation code.
        ActivationCode = "0" => "官方激活码 (official activation code)",
        /// 1 卡号和密码: card number and password.
        NumberAndPassword = "1" => "卡号和密码 (card number and password)",
        /// 2 图片二维码: `card_num` is an image, `card_pass` the QR content.
        QrImage = "2" => "图片二维码 (image QR code)",
        /// 3 链接+卡密: a link and a code.
        LinkAndCode = "3" => "链接+卡密 (link and code)",
        /// 4 链接直兑: `card_num` is a direct-redeem URL.
        RedeemLink = "4" => "链接直兑 (direct-redeem link)",
    }
    unknown => "未知 (not documented)";
}

/// A card secret (`card_pass`). Never printed by `Debug` or `Display`; zeroized on drop.
///
/// ```
/// use jiuyi_dc::types::CardPass;
/// let p = CardPass::new("8888-9999");
/// assert_eq!(format!("{p:?} {p}"), "CardPass(***) ***");
/// assert_eq!(p.expose(), "8888-9999");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CardPass(Secret);

impl CardPass {
    /// Wraps a card secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Secret::new(value.into()))
    }

    /// The secret itself: hand it to the buyer, never to a log.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for CardPass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardPass(***)")
    }
}

impl fmt::Display for CardPass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests;
