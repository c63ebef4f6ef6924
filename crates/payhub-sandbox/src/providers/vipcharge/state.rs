//! vipcharge's orders and money: the available balance, direct orders with their scheduled
//! progress, card and link codes (stock, encryption), and what a state change records.

use std::sync::PoisonError;
use std::time::Duration;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use sign_core::{Md5Signer, Secret, SecretSuffix, SignatureEncoding};

use super::wire::{Fail, num, to_raw};
use super::{AutoComplete, Inner, KIND, Merchant, NAME, Product, ProductKind, SignKind, Vipcharge};
use crate::{
    NewOrder, Order, OrderFilter, OrderState, ProviderCtx, StateChange, TransitionError,
    TransitionPlan,
};

impl Inner {
    /// Available balance: opening balance minus every order that is not failed or cancelled.
    pub(super) fn available(&self, ctx: &ProviderCtx, merchant: &Merchant) -> Decimal {
        let spent: Decimal = ctx
            .store()
            .ledger(&OrderFilter::default().provider(NAME))
            .iter()
            .filter(|o| o.merchant_id == merchant.business_id)
            .filter(|o| !matches!(o.state, OrderState::Failed | OrderState::Cancelled))
            .map(|o| o.amount)
            .sum();
        merchant.balance - spent
    }

    /// Creates a direct-charge order and schedules its progress.
    #[allow(clippy::too_many_arguments)] // one call site per endpoint, all fields named there
    pub(super) fn create_direct(
        &self,
        ctx: &ProviderCtx,
        merchant: &Merchant,
        kind: SignKind,
        endpoint: &str,
        product_code: Option<String>,
        account: String,
        biz_code: Option<String>,
        callback_url: Option<String>,
        amount: Option<Decimal>,
    ) -> Result<Order, Fail> {
        let product = match &product_code {
            Some(code) => Some(
                self.product(code)
                    .filter(|p| p.kind == ProductKind::Direct)
                    .ok_or_else(|| Fail::new(7, format!("资源不存在: productCode {code}")))?,
            ),
            None => None,
        };
        let price = amount
            .or_else(|| product.map(|p| p.price))
            .unwrap_or_else(|| Decimal::new(100, 2));
        if let Some(url) = &callback_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(Fail::invalid("callbackUrl", "不是http(s)地址"));
        }
        let _guard = self
            .create_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if price > self.available(ctx, merchant) + merchant.credit_line {
            return Err(Fail::new(9, "余额不足"));
        }
        let no = ctx.next_order_no("VC");
        let biz = biz_code.unwrap_or_else(|| format!("SBX-{no}"));
        let mut new = NewOrder::new(KIND, &merchant.business_id, &biz, price)
            .platform_order_no(&no)
            .state(OrderState::Created)
            .payload(json!({
                "endpoint": endpoint,
                "account": account,
                "productCode": product_code,
                "productName": product.map(|p| p.name.clone()),
                "signType": kind.as_str(),
            }));
        if let Some(url) = callback_url.or_else(|| merchant.notify_url.clone()) {
            new = new.notify_url(url);
        }
        let order = ctx
            .create_order(new)
            .map_err(|_| Fail::new(8, "单号重复"))?;
        let now = ctx.now();
        let (hold, fail) = (account.ends_with("-hold"), account.ends_with("-fail"));
        if self.auto_complete != AutoComplete::None {
            ctx.schedule_transition(
                &no,
                now + self.processing_after,
                OrderState::Processing,
                None,
            );
            if !hold {
                let (to, reason) = if fail || self.auto_complete == AutoComplete::Failed {
                    (OrderState::Failed, Some("账号不存在".to_owned()))
                } else {
                    (OrderState::Success, None)
                };
                let at = now + self.complete_after.max(self.processing_after);
                ctx.schedule_transition(&no, at, to, reason);
            }
        }
        Ok(order)
    }

    /// Buys `count` codes of a card or link product: a final order whose codes are returned
    /// encrypted to the merchant's public key.
    #[allow(clippy::too_many_arguments)] // one call site per endpoint, all fields named there
    pub(super) fn buy_codes(
        &self,
        ctx: &ProviderCtx,
        merchant: &Merchant,
        kind: SignKind,
        endpoint: &str,
        product_code: &str,
        biz_code: Option<String>,
        count: u64,
        unit_price: Option<Decimal>,
    ) -> Result<Box<RawValue>, Fail> {
        let product = self
            .product(product_code)
            .filter(|p| p.kind != ProductKind::Direct)
            .ok_or_else(|| Fail::new(7, format!("资源不存在: productCode {product_code}")))?;
        let price = unit_price.unwrap_or(product.price) * Decimal::from(count);
        let _guard = self
            .create_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if product.limited {
            let stock = self.stock.lock().unwrap_or_else(PoisonError::into_inner);
            if stock.get(&product.code).copied().unwrap_or(0) < count {
                return Err(Fail::new(11, "库存不足"));
            }
        }
        if price > self.available(ctx, merchant) + merchant.credit_line {
            return Err(Fail::new(9, "余额不足"));
        }
        let no = ctx.next_order_no("VC");
        let biz = biz_code.unwrap_or_else(|| format!("SBX-{no}"));
        let codes: Vec<(String, String)> = (0..count).map(|i| make_code(product, &no, i)).collect();
        let order = ctx
            .create_order(
                NewOrder::new(KIND, &merchant.business_id, &biz, price)
                    .platform_order_no(&no)
                    .state(OrderState::Success)
                    .payload(json!({
                        "endpoint": endpoint,
                        "productCode": product.code,
                        "productName": product.name,
                        "signType": kind.as_str(),
                        "codes": codes.iter().map(|(c, k)| json!({"cardNo": c, "cdkey": k})).collect::<Vec<_>>(),
                    })),
            )
            .map_err(|_| Fail::new(8, "单号重复"))?;
        if product.limited {
            let mut stock = self.stock.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(n) = stock.get_mut(&product.code) {
                *n = n.saturating_sub(count);
            }
        }
        let encrypt = |text: &str| -> Result<String, Fail> {
            merchant
                .public_key
                .encrypt_pkcs1v15(text.as_bytes())
                .map(|ct| SignatureEncoding::Base64.encode(&ct))
                .map_err(|_| Fail::new(99, "数据异常: 加密失败"))
        };
        let mut info = Vec::with_capacity(codes.len());
        for (card_no, cdkey) in &codes {
            info.push(json!({
                "cardNo": if card_no.is_empty() { String::new() } else { encrypt(card_no)? },
                "cdkey": encrypt(cdkey)?,
                "validEndTime": (ctx.now() + Duration::from_secs(365 * 86_400)).format_local(8),
            }));
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Codes<'a> {
            order_code: &'a str,
            biz_code: &'a str,
            product_name: &'a str,
            settlement_price: Box<RawValue>,
            r#type: u8,
            coupon_info: Vec<Value>,
        }
        Ok(to_raw(&Codes {
            order_code: &order.platform_order_no,
            biz_code: &order.merchant_order_no,
            product_name: &product.name,
            settlement_price: num(order.amount),
            r#type: if product.kind == ProductKind::Link {
                2
            } else {
                1
            },
            coupon_info: info,
        }))
    }
}

/// Deterministic sandbox codes: a card number and PIN per index, or a long redemption link
/// (longer than one RSA block, so clients must decrypt block by block).
pub(super) fn make_code(product: &Product, order_no: &str, i: u64) -> (String, String) {
    let digest = Md5Signer::new(Secret::new("sandbox"), SecretSuffix::Plain)
        .sign_hex_upper(format!("{order_no}-{i}").as_bytes());
    match product.kind {
        ProductKind::Link => (
            String::new(),
            format!(
                "https://sandbox.invalid/redeem?order={order_no}&i={i}&code={}",
                digest.repeat(9)
            ),
        ),
        _ => {
            let tail: String = order_no
                .chars()
                .rev()
                .take(10)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            (
                format!("8{tail}{i:05}"),
                format!(
                    "{}-{}-{}-{}",
                    &digest[0..4],
                    &digest[4..8],
                    &digest[8..12],
                    &digest[12..16]
                ),
            )
        }
    }
}

impl Vipcharge {
    /// What a state change records (the `on_transition` hook).
    pub(super) fn transition_plan(
        &self,
        _ctx: &ProviderCtx,
        order: &Order,
        change: &StateChange,
    ) -> Result<TransitionPlan, TransitionError> {
        let allowed = [
            OrderState::Processing,
            OrderState::Success,
            OrderState::Failed,
            OrderState::Cancelled,
        ];
        if !allowed.contains(&change.to) || change.from == change.to {
            return Err(TransitionError::not_allowed(
                order,
                change,
                "a vipcharge order goes accepted -> processing -> success, failed or cancelled",
            ));
        }
        let mut plan = TransitionPlan::default();
        if change.reason.is_none() {
            match change.to {
                OrderState::Failed => plan = plan.reason("充值失败"),
                OrderState::Cancelled => plan = plan.reason("订单已取消"),
                _ => {}
            }
        }
        Ok(plan)
    }
}
