//! `POST /api/payDesk`: create a hosted cashier order; the payer picks any payin method the
//! merchant has enabled on Cashy's page at `payUrl`.

use rust_decimal::Decimal;
use time::PrimitiveDateTime;

use super::collect::Collect;
use super::private::{Data, FromData, Sealed};
use super::validate::{Checks, SHORT_MAX};
use super::wire::{self, Amount, key};
use super::{Idempotency, Operation, OrderKind, RequestIds, read};
use crate::error::{DecodeError, Error};
use crate::profile::Profiles;
use crate::types::{CodeFormats, Extra};

/// Creates a cashier order (`/api/payDesk`).
///
/// ```
/// use paydesk::api::PayDeskRequest;
/// use rust_decimal::Decimal;
/// let req = PayDeskRequest::new(
///     "1386556787811426305",
///     "TZS",
///     Decimal::from(1000),
///     "https://merchant.com/webhooks",
/// )
/// .mobile_money_phone("721323213")
/// .real_name("Jeck")
/// .phone("255700000001")
/// .email("example@maildomain.com")
/// .remark("remark")
/// .return_url("https://merchant.com/jump");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayDeskRequest {
    collect: Collect,
    return_url: Option<String>,
    goods_subject: Option<String>,
    goods_body: Option<String>,
}

impl PayDeskRequest {
    /// A cashier order for `amount` `currency`, notified at `notify_url` (http/https).
    pub fn new(
        mch_order_no: impl Into<String>,
        currency: impl Into<String>,
        amount: Decimal,
        notify_url: impl Into<String>,
    ) -> Self {
        Self {
            collect: Collect::new(
                mch_order_no.into(),
                currency.into(),
                amount,
                notify_url.into(),
            ),
            return_url: None,
            goods_subject: None,
            goods_body: None,
        }
    }

    collect_setters!();

    text_setters! {
        /// Where the payer's browser goes after paying (`returnUrl`, string(250)).
        return_url,
        /// A product title (`goodsSubject`, string(32)).
        goods_subject,
        /// A product description (`goodsBody`, string(32)).
        goods_body,
    }
}

impl Sealed for PayDeskRequest {
    fn check(&self, profiles: &Profiles, checks: &mut Checks) {
        let profile = self.collect.check(profiles, checks);
        checks.url("returnUrl", self.return_url.as_deref());
        checks.opt_text("goodsSubject", self.goods_subject.as_deref(), SHORT_MAX);
        checks.opt_text("goodsBody", self.goods_body.as_deref(), SHORT_MAX);
        if let Some(p) = profile {
            checks.required_by_profile(p, p.required_for_collect(), |f| match f {
                "returnUrl" => Some(self.return_url.is_some()),
                "goodsSubject" => Some(self.goods_subject.is_some()),
                "goodsBody" => Some(self.goods_body.is_some()),
                other => self.collect.present(other),
            });
        }
    }

    fn encode(
        &self,
        nonce: &str,
        profiles: &Profiles,
        _codes: CodeFormats,
    ) -> Result<Vec<u8>, Error> {
        // The body, in the order of the provider's field table (written by `wire::Object`,
        // byte for byte what `serde_json` writes for the same struct: see the tests).
        let c = &self.collect;
        let mut body = wire::Object::new();
        body.opt_str(key!("mobileMoneyPhone"), c.mobile_money_phone.as_deref());
        body.str(key!("currency"), &c.currency);
        body.value(key!("amount"), &Amount(c.amount));
        body.bool(key!("reusableStatus"), c.reusable);
        body.str(key!("mchOrderNo"), &c.mch_order_no);
        body.opt_value(key!("expireTime"), c.expire_time(profiles).as_ref());
        body.str(key!("notifyUrl"), &c.notify_url);
        body.str(key!("nonceStr"), nonce);
        body.opt_str(key!("realName"), c.real_name.as_deref());
        body.opt_str(key!("phone"), c.phone.as_deref());
        body.opt_str(key!("email"), c.email.as_deref());
        body.opt_str(key!("remark"), c.remark.as_deref());
        body.opt_str(key!("returnUrl"), self.return_url.as_deref());
        body.opt_value(key!("idType"), c.id_type.as_ref());
        body.opt_str(key!("idCard"), c.id_card.as_deref());
        body.opt_str(key!("goodsSubject"), self.goods_subject.as_deref());
        body.opt_str(key!("goodsBody"), self.goods_body.as_deref());
        body.finish(Self::NAME)
    }
}

impl Operation for PayDeskRequest {
    type Response = PayDeskResponse;
    const NAME: &'static str = "payDesk";
    const PATH: &'static str = "/api/payDesk";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
    const KIND: Option<OrderKind> = Some(OrderKind::Cashier);

    fn ids(&self) -> RequestIds<'_> {
        RequestIds::new(
            Some(&self.collect.mch_order_no),
            None,
            self.collect.nonce_str.as_deref(),
        )
    }
}

/// The created cashier order. Only `orderNo` is required: the order exists once Cashy says
/// `SUCCESS`, so any other field that does not parse is left in `extra` instead of failing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayDeskResponse {
    /// `merchantId`.
    pub merchant_id: Option<u64>,
    /// `mchOrderNo`, echoed.
    pub mch_order_no: Option<String>,
    /// `orderNo`: the platform order number (`PAYDESK...`).
    pub order_no: String,
    /// `amount`.
    pub amount: Option<Decimal>,
    /// `payUrl`: the cashier page to send the payer to.
    pub pay_url: Option<String>,
    /// `expireTime`, provider-local time (`yyyy-MM-dd HH:mm:ss`).
    pub expire_time: Option<PrimitiveDateTime>,
    /// `orderFee` (Indonesia adds it).
    pub order_fee: Option<Decimal>,
    /// `payCode` (Indonesia: QR content).
    pub pay_code: Option<String>,
    /// `payDeskUrl` (Indonesia).
    pub pay_desk_url: Option<String>,
    /// Any other field, with its exact JSON text.
    pub extra: Extra,
}

impl FromData for PayDeskResponse {
    fn from_data(data: Data<'_>) -> Result<Self, DecodeError> {
        let mut f = data.fields()?;
        Ok(Self {
            order_no: f.text("orderNo")?,
            merchant_id: f.lenient("merchantId", read::opt_u64),
            mch_order_no: f.lenient("mchOrderNo", read::opt_text),
            amount: f.lenient("amount", read::opt_decimal),
            pay_url: f.lenient("payUrl", read::opt_text),
            expire_time: f.lenient("expireTime", read::opt_time),
            order_fee: f.lenient("orderFee", read::opt_decimal),
            pay_code: f.lenient("payCode", read::opt_text),
            pay_desk_url: f.lenient("payDeskUrl", read::opt_text),
            extra: f.extra(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::*;
    use crate::types::IdType;

    /// The body, in the order of the provider's field table.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Wire<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        mobile_money_phone: Option<&'a str>,
        currency: &'a str,
        amount: Amount,
        reusable_status: bool,
        mch_order_no: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        expire_time: Option<u64>,
        notify_url: &'a str,
        nonce_str: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        real_name: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        phone: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        email: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        remark: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        return_url: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        id_type: Option<&'a IdType>,
        #[serde(skip_serializing_if = "Option::is_none")]
        id_card: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        goods_subject: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        goods_body: Option<&'a str>,
    }

    /// The body as the derived `Serialize` of the field table writes it.
    fn derived(req: &PayDeskRequest, nonce: &str, profiles: &Profiles) -> Option<Vec<u8>> {
        let c = &req.collect;
        serde_json::to_vec(&Wire {
            mobile_money_phone: c.mobile_money_phone.as_deref(),
            currency: &c.currency,
            amount: Amount(c.amount),
            reusable_status: c.reusable,
            mch_order_no: &c.mch_order_no,
            expire_time: c.expire_time(profiles),
            notify_url: &c.notify_url,
            nonce_str: nonce,
            real_name: c.real_name.as_deref(),
            phone: c.phone.as_deref(),
            email: c.email.as_deref(),
            remark: c.remark.as_deref(),
            return_url: req.return_url.as_deref(),
            id_type: c.id_type.as_ref(),
            id_card: c.id_card.as_deref(),
            goods_subject: req.goods_subject.as_deref(),
            goods_body: req.goods_body.as_deref(),
        })
        .ok()
    }

    #[test]
    fn the_body_is_byte_for_byte_the_derived_serialization() {
        let profiles = Profiles::builtin();
        let texts = ["plain", "q\"uote", "back\\slash", "ctl\u{1}\n", "é 𝄞", ""];
        let amounts = ["1000", "10.50", "0.01", "123456789012345678901234"];
        for (i, text) in texts.iter().enumerate() {
            for (j, amount) in amounts.iter().enumerate() {
                let Ok(amount) = amount.parse::<Decimal>() else {
                    panic!("{amount}");
                };
                let mut req =
                    PayDeskRequest::new(*text, "TZS", amount, format!("https://a/{text}"));
                if (i + j) % 2 == 0 {
                    req = req
                        .mobile_money_phone(*text)
                        .real_name(*text)
                        .phone(*text)
                        .email(*text)
                        .remark(*text)
                        .return_url(*text)
                        .goods_subject(*text)
                        .goods_body(*text)
                        .id_card(*text)
                        .expire_after(std::time::Duration::from_secs(60 * (j as u64 + 1)))
                        .reusable(true);
                }
                if j % 2 == 1 {
                    req = req.id_type(if i % 2 == 0 {
                        IdType::number(1)
                    } else {
                        IdType::text(*text)
                    });
                }
                let ours = req.encode(text, &profiles, CodeFormats::default()).ok();
                assert_eq!(ours, derived(&req, text, &profiles), "{req:?}");
            }
        }
    }
}
