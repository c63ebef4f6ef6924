//! Checking a verified notification against what the merchant expects.
//!
//! A valid signature proves the provider sent the callback, not that it is about the order and
//! amount you think: merchants have shipped goods on correctly signed callbacks for a smaller
//! amount or another order. [`Expected::check`] compares the fields that matter and names every
//! one that differs.
//!
//! The **amount** is what the payer paid you (collection providers). Direct-recharge providers
//! (vipcharge, jiuyi-dc) report what was delivered, not a sum paid to you: their notifications
//! carry no order amount ([`NotificationFacts::amount_applies`] is `false`), so an expected
//! amount is not compared with them. What they may carry is the **cost**, what you pay the
//! provider (vipcharge `settlementPrice`); it is never compared with the amount, and is checked
//! only against [`Expected::cost`].

use std::fmt;

use rust_decimal::Decimal;

/// What the merchant's own records say about the order a callback claims to be about.
///
/// ```
/// use payhub::{Expected, NotificationFacts};
/// use rust_decimal::Decimal;
/// let facts = NotificationFacts {
///     merchant_order_no: "ORD-1".into(),
///     amount: Some(Decimal::new(10000, 2)),
///     currency: Some("TZS".into()),
///     amount_applies: true,
///     cost: None,
/// };
/// let expected = Expected::order("ORD-1").amount(Decimal::new(10000, 2)).currency("TZS");
/// assert!(expected.check(&facts).is_ok());
///
/// let wrong = Expected::order("ORD-1").amount(Decimal::new(20000, 2));
/// let err = wrong.check(&facts).unwrap_err();
/// assert_eq!(err.fields()[0].field, "amount");
/// assert_eq!(err.to_string(), "notification does not match the order: amount expected 200.00, got 100.00");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    order_no: String,
    amount: Option<Decimal>,
    currency: Option<String>,
    cost: Option<Decimal>,
}

impl Expected {
    /// Expect the notification to be about merchant order `order_no`.
    pub fn order(order_no: impl Into<String>) -> Self {
        Self {
            order_no: order_no.into(),
            amount: None,
            currency: None,
            cost: None,
        }
    }

    /// Expect this amount paid to you, compared numerically (`100` equals `100.00`). Not compared
    /// with notifications that carry no order amount by nature (direct recharges, see
    /// [`NotificationFacts::amount_applies`]), and never with a cost.
    #[must_use]
    pub fn amount(mut self, amount: Decimal) -> Self {
        self.amount = Some(amount);
        self
    }

    /// Expect this cost, what you pay the provider for the order (vipcharge `settlementPrice`,
    /// e.g. from the create reply's [`RechargeReceipt::cost`](crate::RechargeReceipt::cost)),
    /// compared numerically. A notification without a cost is a mismatch: you asked for it.
    ///
    /// ```
    /// use payhub::{Expected, NotificationFacts};
    /// use rust_decimal::Decimal;
    /// let facts = NotificationFacts {
    ///     merchant_order_no: "VC-1".into(),
    ///     amount: None,
    ///     currency: None,
    ///     amount_applies: false,
    ///     cost: Some(Decimal::new(1980, 2)),
    /// };
    /// // The amount you charged your customer is not what you pay the provider: not compared.
    /// assert!(Expected::order("VC-1").amount(Decimal::new(2500, 2)).check(&facts).is_ok());
    /// assert!(Expected::order("VC-1").cost(Decimal::new(198, 1)).check(&facts).is_ok());
    /// assert!(Expected::order("VC-1").cost(Decimal::new(1500, 2)).check(&facts).is_err());
    /// ```
    #[must_use]
    pub fn cost(mut self, cost: Decimal) -> Self {
        self.cost = Some(cost);
        self
    }

    /// Expect this currency code (compared case-insensitively).
    ///
    /// Only tokenpay callbacks state a currency; gateway-recharge, jiuyi-dc, paydesk and
    /// vipcharge callbacks do not (the currency is fixed by the merchant account or the order).
    /// A notification that states no currency is therefore not a mismatch: the currency is not
    /// compared, and [`Expected::unchecked`] lists it, so you can log that it was not checked.
    /// A currency that is stated and differs is a mismatch.
    #[must_use]
    pub fn currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = Some(currency.into());
        self
    }

    /// Compares against the facts of a verified notification.
    ///
    /// # Errors
    /// [`Mismatch`] naming every field that differs. An expected amount or cost the notification
    /// does not carry counts as a mismatch: you asked for it to be checked. Two exceptions: an
    /// amount for a notification that never carries one ([`NotificationFacts::amount_applies`]
    /// `false`: direct recharges), and a currency the notification does not state (see
    /// [`Expected::currency`] and [`Expected::unchecked`]); neither is compared.
    pub fn check(&self, facts: &NotificationFacts) -> Result<(), Mismatch> {
        let mut fields = Vec::new();
        if facts.merchant_order_no != self.order_no {
            fields.push(FieldMismatch::new(
                "order_no",
                &self.order_no,
                &facts.merchant_order_no,
            ));
        }
        if let Some(want) = self.amount.filter(|_| facts.amount_applies) {
            match facts.amount {
                Some(got) if got == want => {}
                Some(got) => fields.push(FieldMismatch::new("amount", &want, &got)),
                None => fields.push(FieldMismatch::new("amount", &want, &"(absent)")),
            }
        }
        if let Some(want) = &self.currency {
            match &facts.currency {
                Some(got) if got.eq_ignore_ascii_case(want) => {}
                Some(got) => fields.push(FieldMismatch::new("currency", want, got)),
                // The callback does not state a currency: nothing to compare (`unchecked`).
                None => {}
            }
        }
        if let Some(want) = self.cost {
            match facts.cost {
                Some(got) if got == want => {}
                Some(got) => fields.push(FieldMismatch::new("cost", &want, &got)),
                None => fields.push(FieldMismatch::new("cost", &want, &"(absent)")),
            }
        }
        if fields.is_empty() {
            Ok(())
        } else {
            Err(Mismatch { fields })
        }
    }

    /// The expected fields that [`Expected::check`] could not compare because the notification
    /// does not state them: `["currency"]` when a currency is expected and the callback states
    /// none, else empty.
    ///
    /// ```
    /// use payhub::{Expected, NotificationFacts};
    /// let facts = NotificationFacts {
    ///     merchant_order_no: "ORD-1".into(),
    ///     amount: None,
    ///     currency: None,
    ///     amount_applies: true,
    ///     cost: None,
    /// };
    /// let expected = Expected::order("ORD-1").currency("TZS");
    /// assert!(expected.check(&facts).is_ok());
    /// assert_eq!(expected.unchecked(&facts), ["currency"]);
    /// ```
    pub fn unchecked(&self, facts: &NotificationFacts) -> Vec<&'static str> {
        let mut fields = Vec::new();
        if self.currency.is_some() && facts.currency.is_none() {
            fields.push("currency");
        }
        fields
    }
}

/// The provider-independent facts of a notification that [`Expected`] checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationFacts {
    /// The merchant's own order number.
    pub merchant_order_no: String,
    /// The amount paid to you, in major units, when the notification carries one.
    pub amount: Option<Decimal>,
    /// The currency, when the notification carries one.
    pub currency: Option<String>,
    /// Whether notifications of this kind carry an order amount at all: `true` for collection
    /// providers; `false` for direct-recharge providers (vipcharge, jiuyi-dc), whose reports say
    /// what was delivered, not a sum paid to you. When `false`, [`Expected::amount`] is not
    /// compared (and not reported as a mismatch).
    pub amount_applies: bool,
    /// What you pay the provider for this order (vipcharge `settlementPrice`), when the
    /// notification says. A cost, never the order amount: only [`Expected::cost`] compares it.
    pub cost: Option<Decimal>,
}

/// One differing field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldMismatch {
    /// The field name (`order_no`, `amount`, `currency`, `cost`).
    pub field: &'static str,
    /// What the merchant expected.
    pub expected: String,
    /// What the notification says.
    pub actual: String,
}

impl FieldMismatch {
    fn new(field: &'static str, expected: &dyn fmt::Display, actual: &dyn fmt::Display) -> Self {
        Self {
            field,
            expected: expected.to_string(),
            actual: actual.to_string(),
        }
    }
}

/// A verified notification that is not about what the merchant expects. Do not fulfil the order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Mismatch {
    fields: Vec<FieldMismatch>,
}

impl Mismatch {
    /// Every differing field.
    pub fn fields(&self) -> &[FieldMismatch] {
        &self.fields
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("notification does not match the order: ")?;
        for (i, m) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{} expected {}, got {}", m.field, m.expected, m.actual)?;
        }
        Ok(())
    }
}
