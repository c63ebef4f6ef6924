//! `POST /api/payIn`: create a payin (collection) with an explicit payment method (`payType`).

use rust_decimal::Decimal;
use serde::Serialize;

use super::collect::Collect;
use super::private::{Data, FromData, Sealed};
use super::validate::Checks;
use super::wire::{self, Amount, Code};
use super::{Idempotency, Operation, OrderKind, RequestIds, read};
use crate::error::{DecodeError, Error};
use crate::profile::Profiles;
use crate::types::{CodeField, CodeFormats, Extra, IdType, PayType};

/// Creates a payin (`/api/payIn`). In Tanzania, the push methods (810 to 813) send a USSD prompt
/// to `mobileMoneyPhone`; 821 and 888 return a URL.
///
/// ```
/// use paydesk::api::PayInRequest;
/// use paydesk::types::PayType;
/// use rust_decimal::Decimal;
/// let req = PayInRequest::new(
///     "order-0001",
///     "TZS",
///     Decimal::from(20_000),
///     PayType::TZ_PAY_LINK,
///     "https://merchant.example/callback",
/// )
/// .mobile_money_phone("7472512345")
/// .real_name("jack")
/// .phone("747258206")
/// .email("jack@gmail.com")
/// .remark("order 1");
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayInRequest {
    collect: Collect,
    pay_type: PayType,
}

impl PayInRequest {
    /// A payin of `amount` `currency` by `pay_type`, notified at `notify_url`.
    pub fn new(
        mch_order_no: impl Into<String>,
        currency: impl Into<String>,
        amount: Decimal,
        pay_type: PayType,
        notify_url: impl Into<String>,
    ) -> Self {
        Self {
            collect: Collect::new(
                mch_order_no.into(),
                currency.into(),
                amount,
                notify_url.into(),
            ),
            pay_type,
        }
    }

    collect_setters!();

    /// The payment method.
    pub fn pay_type(&self) -> PayType {
        self.pay_type
    }
}

/// The body, in the order of the provider's example.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    nonce_str: &'a str,
    currency: &'a str,
    pay_type: Code,
    amount: Amount,
    reusable_status: bool,
    mch_order_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire_time: Option<u64>,
    notify_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    remark: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    real_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_type: Option<&'a IdType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_card: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile_money_phone: Option<&'a str>,
}

impl Sealed for PayInRequest {
    fn check(&self, profiles: &Profiles, checks: &mut Checks) {
        let Some(profile) = self.collect.check(profiles, checks) else {
            return;
        };
        if let Some(allowed) = profile.allowed_pay_types()
            && !allowed.contains(&self.pay_type)
        {
            let list: Vec<String> = allowed.iter().map(ToString::to_string).collect();
            checks.push(
                "payType",
                format!(
                    "{} is not a {} payType (allowed: {})",
                    self.pay_type,
                    profile.currency(),
                    list.join(", ")
                ),
            );
        }
        checks.required_by_profile(profile, profile.required_for_collect(), |f| {
            self.collect.present(f)
        });
    }

    fn encode(
        &self,
        nonce: &str,
        profiles: &Profiles,
        codes: CodeFormats,
    ) -> Result<Vec<u8>, Error> {
        let c = &self.collect;
        wire::to_bytes(
            Self::NAME,
            &Wire {
                nonce_str: nonce,
                currency: &c.currency,
                pay_type: Code::new(self.pay_type.code(), codes, CodeField::PayType),
                amount: Amount(c.amount),
                reusable_status: c.reusable,
                mch_order_no: &c.mch_order_no,
                expire_time: c.expire_time(profiles),
                notify_url: &c.notify_url,
                remark: c.remark.as_deref(),
                real_name: c.real_name.as_deref(),
                phone: c.phone.as_deref(),
                email: c.email.as_deref(),
                id_type: c.id_type.as_ref(),
                id_card: c.id_card.as_deref(),
                mobile_money_phone: c.mobile_money_phone.as_deref(),
            },
        )
    }
}

impl Operation for PayInRequest {
    type Response = PayInResponse;
    const NAME: &'static str = "payIn";
    const PATH: &'static str = "/api/payIn";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
    const KIND: Option<OrderKind> = Some(OrderKind::PayIn);

    fn ids(&self) -> RequestIds<'_> {
        RequestIds::new(
            Some(&self.collect.mch_order_no),
            None,
            self.collect.nonce_str.as_deref(),
        )
    }
}

/// The created payin. Only `orderNo` is required; any other field that does not parse is left
/// in `extra`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayInResponse {
    /// `merchantId`.
    pub merchant_id: Option<u64>,
    /// `mchOrderNo`, echoed.
    pub mch_order_no: Option<String>,
    /// `orderNo`: the platform order number (`PAYIN...`).
    pub order_no: String,
    /// `payCode` (QR or USSD code where the method has one; "please ignore" in Tanzania).
    pub pay_code: Option<String>,
    /// `payUrl`.
    pub pay_url: Option<String>,
    /// `payDeskUrl`.
    pub pay_desk_url: Option<String>,
    /// `amount`.
    pub amount: Option<Decimal>,
    /// `orderFee`.
    pub order_fee: Option<Decimal>,
    /// Any other field, with its exact JSON text.
    pub extra: Extra,
}

impl FromData for PayInResponse {
    fn from_data(data: Data<'_>) -> Result<Self, DecodeError> {
        let mut f = data.fields()?;
        Ok(Self {
            order_no: f.text("orderNo")?,
            merchant_id: f.lenient("merchantId", read::opt_u64),
            mch_order_no: f.lenient("mchOrderNo", read::opt_text),
            pay_code: f.lenient("payCode", read::opt_text),
            pay_url: f.lenient("payUrl", read::opt_text),
            pay_desk_url: f.lenient("payDeskUrl", read::opt_text),
            amount: f.lenient("amount", read::opt_decimal),
            order_fee: f.lenient("orderFee", read::opt_decimal),
            extra: f.extra(),
        })
    }
}
