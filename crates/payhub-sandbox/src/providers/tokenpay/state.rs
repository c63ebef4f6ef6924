//! tokenpay's orders and money: prepayments, payouts, closing, balances, and what a state
//! change records (transaction hash, payer, fee, underpaid amount).

use std::str::FromStr as _;
use std::sync::PoisonError;
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokenpay::types::{decimal_to_minor, eip55_checksum, tron_address};

use super::currency::{Currency, currency};
use super::wire::{Fail, invalid, random_hex, raw, text, trade_state};
use super::{App, Inner, NAME, ORDER, PAYOUT, Tokenpay};
use crate::{
    FieldError, JsonFields, NewOrder, Order, OrderFilter, OrderState, ProviderCtx, StateChange,
    TransitionError, TransitionPlan,
};

impl Inner {
    pub(super) fn balance_of(&self, ctx: &ProviderCtx, app: &App, c: &Currency) -> Decimal {
        let orders = ctx.store().ledger(&OrderFilter::default().provider(NAME));
        let mut balance = app.opening_balance;
        for o in orders.iter().filter(|o| {
            o.merchant_id == app.app_id
                && text(o, "chain") == c.chain
                && text(o, "currency") == c.currency
        }) {
            match (o.kind.as_str(), o.state) {
                (ORDER, OrderState::Success) => balance += o.amount - o.fee,
                (
                    PAYOUT,
                    OrderState::Created
                    | OrderState::Paying
                    | OrderState::Processing
                    | OrderState::Success,
                ) => {
                    balance -= o.amount;
                }
                _ => {}
            }
        }
        balance
    }

    pub(super) fn find(
        &self,
        ctx: &ProviderCtx,
        app: &App,
        kind: &str,
        f: &JsonFields,
        id_field: &str,
    ) -> Result<Order, Fail> {
        let id = f.text(id_field)?.filter(|s| !s.is_empty());
        let mch = f.text("out_trade_no")?.filter(|s| !s.is_empty());
        if id.is_none() && mch.is_none() {
            return Err(Fail::new(
                11003,
                format!("missing required parameter: {id_field} or out_trade_no"),
            ));
        }
        let found = match (&id, &mch) {
            (Some(id), _) => ctx
                .order(id)
                .filter(|o| o.kind == kind && o.merchant_id == app.app_id),
            (None, Some(m)) => ctx.find_by_merchant_no(kind, &app.app_id, m),
            (None, None) => None,
        };
        match (found, &mch) {
            (Some(o), Some(m)) if &o.merchant_order_no != m => {
                Err(Fail::new(12002, "data does not exist"))
            }
            (Some(o), _) => Ok(o),
            (None, _) => Err(Fail::new(12002, "data does not exist")),
        }
    }

    pub(super) fn prepay(
        &self,
        ctx: &ProviderCtx,
        app: &App,
        f: &JsonFields,
    ) -> Result<Option<Box<RawValue>>, Fail> {
        let out_trade_no = f.required_text("out_trade_no")?;
        let expire = f
            .integer("expire_second")?
            .ok_or_else(|| FieldError::missing("expire_second"))?;
        if expire <= 0 {
            return Err(invalid("expire_second", "must be positive"));
        }
        let amount = f
            .decimal("amount")?
            .ok_or_else(|| FieldError::missing("amount"))?;
        let c = Self::chain_currency(f)?;
        if amount <= Decimal::ZERO || decimal_to_minor(amount, c.decimal).is_none() {
            return Err(invalid(
                "amount",
                format!("must be positive with at most {} decimals", c.decimal),
            ));
        }
        let order_type = f.required_text("order_type")?;
        let to_address = f.text("to_address")?.filter(|s| !s.is_empty());
        match order_type.as_str() {
            "platform_order" => {}
            "merchant_order" if to_address.is_none() => {
                return Err(Fail::new(11003, "missing required parameter: to_address"));
            }
            "merchant_order" => {}
            other => return Err(invalid("order_type", format!("`{other}` is not supported"))),
        }
        if let Some(a) = &to_address {
            Self::address("to_address", c.chain, a)?;
        }
        if let Some(l) = f.text("locale")?
            && l != "zh_cn"
            && l != "en"
        {
            return Err(invalid("locale", "must be zh_cn or en"));
        }
        let notify_url = f.text("notify_url")?.or_else(|| app.notify_url.clone());
        let transaction_id = format!("{:0>32}", ctx.next_order_no(""));
        let prepay_id = random_hex(64);
        let to = to_address.unwrap_or_else(|| tron_or_evm_address(c.chain));
        let mut new = NewOrder::new(ORDER, &app.app_id, &out_trade_no, amount)
            .platform_order_no(&transaction_id)
            .state(OrderState::Paying)
            .currency(c.currency)
            .expires_in(Duration::from_secs(u64::try_from(expire).unwrap_or(0)))
            .payload(json!({
                "prepay_id": prepay_id,
                "chain": c.chain,
                "currency": c.currency,
                "description": f.text("description")?.unwrap_or_default(),
                "attach": f.text("attach")?.unwrap_or_default(),
                "to_address": to,
                "order_type": order_type,
                "locale": f.text("locale")?,
                "return_url": f.text("return_url")?,
            }));
        if let Some(u) = notify_url {
            new = new.notify_url(u);
        }
        ctx.create_order(new)
            .map_err(|_| Fail::new(12001, "data already exists: out_trade_no is taken"))?;
        let payment_url = format!("/{NAME}/pay/order?prepay_id={prepay_id}");
        Ok(Some(raw(
            json!({"prepay_id": prepay_id, "payment_url": payment_url}).to_string(),
        )))
    }

    pub(super) fn create_payout(
        &self,
        ctx: &ProviderCtx,
        app: &App,
        f: &JsonFields,
        family: &'static str,
    ) -> Result<Option<Box<RawValue>>, Fail> {
        let c = Self::chain_currency(f)?;
        let text_amount = f.required_text("amount")?;
        let amount = if self.payout_minor_units {
            let units = text_amount
                .trim()
                .parse::<i128>()
                .map_err(|_| invalid("amount", "must be an integer of minor units"))?;
            Decimal::try_from_i128_with_scale(units, c.decimal)
                .map_err(|_| invalid("amount", "does not fit"))?
        } else {
            Decimal::from_str(text_amount.trim())
                .map_err(|_| invalid("amount", "is not a decimal"))?
        };
        if amount <= Decimal::ZERO || decimal_to_minor(amount, c.decimal).is_none() {
            return Err(invalid(
                "amount",
                format!("must be positive with at most {} decimals", c.decimal),
            ));
        }
        let to_address = f.required_text("to_address")?;
        Self::address("to_address", c.chain, &to_address)?;
        let transaction_id = format!("{:0>32}", ctx.next_order_no(""));
        let out_trade_no = f
            .text("out_trade_no")?
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| transaction_id.clone());
        let notify_url = f.text("notify_url")?.or_else(|| app.notify_url.clone());
        let _guard = self
            .payout_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self.balance_of(ctx, app, c) < amount {
            return Err(Fail::new(20002, "insufficient balance"));
        }
        let mut new = NewOrder::new(PAYOUT, &app.app_id, &out_trade_no, amount)
            .platform_order_no(&transaction_id)
            .state(OrderState::Processing)
            .currency(c.currency)
            .payload(json!({
                "family": family,
                "chain": c.chain,
                "currency": c.currency,
                "description": f.text("description")?.unwrap_or_default(),
                "attach": f.text("attach")?.unwrap_or_default(),
                "to_address": to_address,
            }));
        if let Some(u) = notify_url {
            new = new.notify_url(u);
        }
        let order = ctx
            .create_order(new)
            .map_err(|_| Fail::new(12001, "data already exists: out_trade_no is taken"))?;
        if !self.payout_settle.is_zero() {
            ctx.schedule_transition(
                &transaction_id,
                ctx.now() + self.payout_settle,
                OrderState::Success,
                None,
            );
        }
        Ok(Some(self.detail(ctx, &order, true)))
    }

    pub(super) fn close(
        &self,
        ctx: &ProviderCtx,
        order: &Order,
    ) -> Result<Option<Box<RawValue>>, Fail> {
        let open = matches!(
            order.state,
            OrderState::Paying | OrderState::Processing | OrderState::Created
        );
        if !open {
            return Err(Fail::new(
                11000,
                format!("operation failed: the order is {}", trade_state(order)),
            ));
        }
        ctx.transition(&order.platform_order_no, OrderState::Closed, None)
            .map_err(|e| Fail::new(11000, format!("operation failed: {e}")))?;
        Ok(None)
    }

    pub(super) fn balance(
        &self,
        ctx: &ProviderCtx,
        app: &App,
        f: &JsonFields,
    ) -> Result<Option<Box<RawValue>>, Fail> {
        let c = Self::chain_currency(f)?;
        let balance = self.balance_of(ctx, app, c);
        let minor = decimal_to_minor(balance.max(Decimal::ZERO).round_dp(c.decimal), c.decimal)
            .unwrap_or(0);
        let now = ctx.now().unix_millis();
        Ok(Some(raw(json!({
            "merchant_id": 100 + app.index, "mch_id": app.mch_id, "network": c.network,
            "chain": c.chain, "balance": minor.to_string(), "currency": c.currency,
            "decimal": c.decimal, "create_time": now, "modify_time": now, "cash_time": 0
        })
        .to_string())))
    }
}

/// A fresh address of the chain's family (the payer of a simulated payment).
pub(super) fn tron_or_evm_address(chain: &str) -> String {
    let hex = random_hex(40);
    if chain == "TRON" {
        let mut account = [0u8; 20];
        for (i, b) in account.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
        }
        tron_address(account)
    } else {
        eip55_checksum(&format!("0x{hex}")).unwrap_or_else(|_| format!("0x{hex}"))
    }
}

impl Tokenpay {
    /// What a state change records (the `on_transition` hook).
    pub(super) fn transition_plan(
        &self,
        _ctx: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Result<TransitionPlan, TransitionError> {
        let allowed: &[OrderState] = if order.kind == PAYOUT {
            &[
                OrderState::Success,
                OrderState::Closed,
                OrderState::Failed,
                OrderState::Cancelled,
            ]
        } else {
            &[
                OrderState::Success,
                OrderState::Closed,
                OrderState::Expired,
                OrderState::Failed,
            ]
        };
        if !allowed.contains(&change.to) {
            return Err(TransitionError::not_allowed(
                order,
                change,
                format!(
                    "a tokenpay {} can only become {}",
                    order.kind,
                    allowed
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let mut payload = order.payload.clone();
        let mut plan = TransitionPlan::default();
        let at = change.at.unix_millis();
        let chain = text(order, "chain").to_owned();
        let decimals = currency(&chain, text(order, "currency")).map_or(6, |c| c.decimal);
        if let Some(map) = payload.as_object_mut() {
            match (order.kind.as_str(), change.to) {
                (ORDER, OrderState::Success) => {
                    map.insert("tx_id".into(), Value::String(random_hex(64)));
                    map.insert(
                        "from_address".into(),
                        Value::String(tron_or_evm_address(&chain)),
                    );
                    map.insert(
                        "block_no".into(),
                        json!(33_215_220 + at.rem_euclid(1_000_000)),
                    );
                    map.insert("pay_time".into(), json!(at));
                    plan =
                        plan.fee((order.amount * self.inner.service_fee_rate).round_dp(decimals));
                }
                (ORDER, OrderState::Failed) => {
                    let reason = change.reason.clone().unwrap_or_else(|| "underpaid".into());
                    let Some(rest) = reason.strip_prefix("underpaid") else {
                        return Err(TransitionError::not_allowed(
                            order,
                            change,
                            "a tokenpay order fails only as `underpaid` or `underpaid:<amount received>`",
                        ));
                    };
                    let paid = match rest.strip_prefix(':') {
                        Some(v) => Decimal::from_str(v.trim()).map_err(|_| {
                            TransitionError::not_allowed(
                                order,
                                change,
                                "the underpaid amount is not a decimal",
                            )
                        })?,
                        None => (order.amount / Decimal::TWO).round_dp(decimals),
                    };
                    if paid <= Decimal::ZERO || paid >= order.amount {
                        return Err(TransitionError::not_allowed(
                            order,
                            change,
                            "the underpaid amount must be above zero and below the order amount",
                        ));
                    }
                    map.insert("paid_amount".into(), Value::String(paid.to_string()));
                    map.insert("tx_id".into(), Value::String(random_hex(64)));
                    map.insert(
                        "from_address".into(),
                        Value::String(tron_or_evm_address(&chain)),
                    );
                    map.insert("pay_time".into(), json!(at));
                    plan = plan.reason("underpaid");
                }
                (PAYOUT, OrderState::Success) => {
                    map.insert("tx_id".into(), Value::String(random_hex(64)));
                    map.insert("pay_time".into(), json!(at));
                }
                _ => {}
            }
        }
        Ok(plan.payload(payload))
    }
}
