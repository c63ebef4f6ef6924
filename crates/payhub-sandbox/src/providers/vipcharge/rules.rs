//! vipcharge's endpoints: each one's fields in the documented order (`请求参数缺失`,
//! `参数错误`), then the order, codes, balance or product list it answers with.

use std::sync::PoisonError;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::wire::{Fail, num, payload_text, to_raw};
use super::{Inner, KIND, Merchant, Op, ProductKind, SignKind};
use crate::{JsonFields, ProviderCtx};

impl Inner {
    pub(super) fn handle(
        &self,
        ctx: &ProviderCtx,
        op: Op,
        merchant: &Merchant,
        kind: SignKind,
        f: &JsonFields,
    ) -> Result<Box<RawValue>, Fail> {
        let text = |name: &str| f.text(name).map_err(|_| Fail::invalid(name, "类型错误"));
        let need = |name: &str| -> Result<String, Fail> {
            text(name)?
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| Fail::missing(name))
        };
        let opt = |name: &str| -> Result<Option<String>, Fail> {
            Ok(text(name)?.filter(|v| !v.trim().is_empty()))
        };
        let mobile = |name: &str, required: bool| -> Result<Option<String>, Fail> {
            let v = if required {
                Some(need(name)?)
            } else {
                opt(name)?
            };
            if let Some(m) = &v
                && !(m.len() == 11 && m.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(Fail::invalid(name, "不是11位手机号"));
            }
            Ok(v)
        };
        let direct = |endpoint: &str,
                      product: Option<String>,
                      account: String,
                      biz: Option<String>,
                      amount: Option<Decimal>| {
            self.create_direct(
                ctx,
                merchant,
                kind,
                endpoint,
                product,
                account,
                biz,
                opt("callbackUrl")?,
                amount,
            )
            .map(|o| Self::charge_data(&o))
        };
        match op {
            Op::VipCharge => {
                let product = need("productCode")?;
                mobile("mobile", false)?;
                let account = need("account")?;
                let biz = need("bizCode")?;
                direct("VIPCharge", Some(product), account, Some(biz), None)
            }
            Op::GasCard => {
                mobile("mobile", false)?;
                let account = need("account")?;
                let card_type = need("cardType")?;
                if card_type != "ZSH" && card_type != "ZSY" {
                    return Err(Fail::invalid("cardType", "必须是ZSH或ZSY"));
                }
                let product = opt("productCode")?.unwrap_or_else(|| format!("{card_type}-100"));
                direct("gasCard", Some(product), account, opt("bizCode")?, None)
            }
            Op::RedPacket => {
                let template = need("templateId")?;
                mobile("mobile", false)?;
                let who = opt("openId")?
                    .or(opt("mobile")?)
                    .unwrap_or_else(|| template.clone());
                direct("redPacket", None, who, opt("bizCode")?, None)
            }
            Op::AlipayTransfer => {
                let biz = need("bizCode")?;
                let product = need("productCode")?;
                let amount = f
                    .decimal("amount")
                    .map_err(|_| Fail::invalid("amount", "不是数字"))?
                    .ok_or_else(|| Fail::missing("amount"))?;
                if amount < Decimal::new(1, 2) || amount.normalize().scale() > 2 {
                    return Err(Fail::invalid("amount", "最小0.01, 最多两位小数"));
                }
                let account = opt("account")?.unwrap_or_default();
                direct(
                    "alipay/transfer",
                    Some(product),
                    account,
                    Some(biz),
                    Some(amount),
                )
            }
            Op::AlipayCoupons => {
                let m = mobile("mobile", true)?.unwrap_or_default();
                let product = need("productCode")?;
                direct("alipay/coupons", Some(product), m, opt("bizCode")?, None)
            }
            Op::WechatCoupons => {
                let open_id = need("openId")?;
                direct(
                    "wechat/coupons",
                    opt("productCode")?,
                    open_id,
                    opt("bizCode")?,
                    None,
                )
            }
            Op::WechatTransfer => {
                let open_id = need("openId")?;
                let product = need("productCode")?;
                direct(
                    "wechat/transfer",
                    Some(product),
                    open_id,
                    opt("bizCode")?,
                    None,
                )
            }
            Op::Batch => self.batch(ctx, merchant, kind, f, &need, &opt),
            Op::Coupon => {
                let product = need("productCode")?;
                let biz = need("bizCode")?;
                let count = f
                    .integer("num")
                    .map_err(|_| Fail::invalid("num", "不是整数"))?
                    .unwrap_or(1);
                let count = u64::try_from(count)
                    .ok()
                    .filter(|n| (1..=50).contains(n))
                    .ok_or_else(|| Fail::invalid("num", "超出范围(1-50)"))?;
                self.buy_codes(
                    ctx,
                    merchant,
                    kind,
                    "coupon",
                    &product,
                    Some(biz),
                    count,
                    None,
                )
            }
            Op::ProductCode => {
                let product = need("productCode")?;
                let spec = f
                    .decimal("spec")
                    .map_err(|_| Fail::invalid("spec", "不是数字"))?;
                if spec.is_some_and(|s| s <= Decimal::ZERO) {
                    return Err(Fail::invalid("spec", "必须大于0"));
                }
                self.buy_codes(
                    ctx,
                    merchant,
                    kind,
                    "productCode",
                    &product,
                    opt("bizCode")?,
                    1,
                    spec,
                )
            }
            Op::OrderInfo => {
                let order_code = opt("orderCode")?;
                let biz = opt("bizCode")?;
                let found = match (&order_code, &biz) {
                    (Some(no), _) => ctx.order(no).filter(|o| {
                        o.merchant_id == merchant.business_id
                            && biz.as_ref().is_none_or(|b| *b == o.merchant_order_no)
                    }),
                    (None, Some(b)) => ctx.find_by_merchant_no(KIND, &merchant.business_id, b),
                    (None, None) => return Err(Fail::missing("orderCode/bizCode")),
                };
                found
                    .map(|o| Self::order_data(&o))
                    .ok_or_else(|| Fail::new(7, "资源不存在"))
            }
            Op::Balance => {
                #[derive(Serialize)]
                #[serde(rename_all = "camelCase")]
                struct Balance<'a> {
                    merchant_id: &'a str,
                    business_id: &'a str,
                    credit_line: Box<RawValue>,
                    amount: Box<RawValue>,
                }
                Ok(to_raw(&Balance {
                    merchant_id: &merchant.merchant_id,
                    business_id: &merchant.business_id,
                    credit_line: num(merchant.credit_line),
                    amount: num(self.available(ctx, merchant)),
                }))
            }
            Op::ProductList => {
                #[derive(Serialize)]
                #[serde(rename_all = "camelCase")]
                struct Item<'a> {
                    product_code: &'a str,
                    product_name: &'a str,
                    settlement_price: Box<RawValue>,
                    r#type: &'static str,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    stock: Option<u64>,
                }
                let stock = self.stock.lock().unwrap_or_else(PoisonError::into_inner);
                let items: Vec<Item<'_>> = self
                    .products
                    .iter()
                    .map(|p| Item {
                        product_code: &p.code,
                        product_name: &p.name,
                        settlement_price: num(p.price),
                        r#type: match p.kind {
                            ProductKind::Direct => "direct",
                            ProductKind::Card => "card",
                            ProductKind::Link => "link",
                        },
                        stock: stock.get(&p.code).copied(),
                    })
                    .collect();
                Ok(to_raw(&items))
            }
        }
    }

    pub(super) fn batch(
        &self,
        ctx: &ProviderCtx,
        merchant: &Merchant,
        kind: SignKind,
        f: &JsonFields,
        need: &dyn Fn(&str) -> Result<String, Fail>,
        opt: &dyn Fn(&str) -> Result<Option<String>, Fail>,
    ) -> Result<Box<RawValue>, Fail> {
        need("batchBizCode")?;
        let product = need("productCode")?;
        let callback = opt("callbackUrl")?;
        let items: Vec<serde_json::Map<String, Value>> = f
            .raw("itemList")
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| Fail::invalid("itemList", "不是对象数组"))?
            .unwrap_or_default();
        if items.is_empty() {
            return Err(Fail::missing("itemList"));
        }
        let mut parsed = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let get = |k: &str| {
                item.get(k)
                    .and_then(Value::as_str)
                    .filter(|v| !v.trim().is_empty())
                    .map(str::to_owned)
                    .ok_or_else(|| Fail::missing(&format!("itemList[{i}].{k}")))
            };
            let biz = get("bizCode")?;
            if ctx
                .find_by_merchant_no(KIND, &merchant.business_id, &biz)
                .is_some()
                || parsed.iter().any(|(b, _): &(String, String)| *b == biz)
            {
                return Err(Fail::new(8, format!("单号重复: itemList[{i}].bizCode")));
            }
            parsed.push((biz, get("account")?));
        }
        let mut out = Vec::with_capacity(parsed.len());
        for (biz, account) in parsed {
            let o = self.create_direct(
                ctx,
                merchant,
                kind,
                "batch",
                Some(product.clone()),
                account,
                Some(biz),
                callback.clone(),
                None,
            )?;
            out.push(json!({
                "bizCode": o.merchant_order_no,
                "orderCode": o.platform_order_no,
                "account": payload_text(&o, "account"),
            }));
        }
        Ok(to_raw(&out))
    }
}
