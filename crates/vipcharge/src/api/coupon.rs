//! `POST /v1/openapi/order/coupon` (券码采购): buy card codes; they arrive encrypted to the
//! merchant key and are decrypted as the reply is read.

use payhub_runtime::Idempotency;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{BodyContext, FromReply, Operation, ParseContext, Sealed, rule};
use crate::card::CardCode;
use crate::error::{DecodeError, DecodeErrorKind, ValidationError};
use crate::wire::Fields;

/// Most card codes per call.
pub const MAX_CODES_PER_CALL: u32 = 50;

/// Buys `num` card codes (卡号卡密 or short links) of `product_code`.
///
/// The reply's codes are RSA-encrypted with the merchant's public key; the client decrypts them
/// with the merchant private key (the signing key, or `ClientBuilder::card_key` for MD5
/// merchants). Without a key, `prepare` refuses the request before anything is bought.
///
/// ```
/// use vipcharge::api::CouponRequest;
/// let req = CouponRequest::new("P-100", "BIZ-0002").num(5);
/// # let _ = req;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CouponRequest {
    product_code: String,
    biz_code: String,
    num: Option<u32>,
}

impl CouponRequest {
    /// A purchase of `product_code` under the merchant order number `biz_code`.
    pub fn new(product_code: impl Into<String>, biz_code: impl Into<String>) -> Self {
        Self {
            product_code: product_code.into(),
            biz_code: biz_code.into(),
            num: None,
        }
    }

    /// How many codes (采购数量), 1 to 50; the platform's default applies when unset.
    #[must_use]
    pub fn num(mut self, num: u32) -> Self {
        self.num = Some(num);
        self
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    merchant_id: &'a str,
    business_id: &'a str,
    product_code: &'a str,
    biz_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    num: Option<u32>,
}

impl Sealed for CouponRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rule::text("productCode", &self.product_code)?;
        rule::text("bizCode", &self.biz_code)?;
        match self.num {
            Some(n) if n == 0 || n > MAX_CODES_PER_CALL => Err(ValidationError::new(
                "num",
                format!("must be between 1 and {MAX_CODES_PER_CALL} per call"),
            )),
            _ => Ok(()),
        }
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&Wire {
            merchant_id: ctx.merchant_id,
            business_id: ctx.business_id,
            product_code: &self.product_code,
            biz_code: &self.biz_code,
            num: self.num,
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        Some(&self.biz_code)
    }

    fn needs_card_key(&self) -> bool {
        true
    }
}

impl Operation for CouponRequest {
    type Response = CouponResponse;
    const NAME: &'static str = "order/coupon";
    const PATH: &'static str = "/v1/openapi/order/coupon";
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;
}

/// The parts shared by the card-code and redemption-code replies (`CouponOrderResult`).
#[derive(Clone, Debug)]
pub(crate) struct CodeOrder {
    pub(crate) order_code: Option<String>,
    pub(crate) biz_code: Option<String>,
    pub(crate) product_name: Option<String>,
    pub(crate) settlement_price: Option<Decimal>,
    pub(crate) code_type: Option<i64>,
    pub(crate) codes: Vec<CardCode>,
    pub(crate) extra: Map<String, Value>,
}

impl CodeOrder {
    pub(crate) fn read(
        data: Option<&RawValue>,
        ctx: &ParseContext<'_>,
    ) -> Result<Self, DecodeError> {
        let mut f = Fields::data(data)?;
        let codes = if f.contains("couponInfo") {
            let key = ctx.card_key.ok_or_else(|| {
                DecodeError::field(
                    DecodeErrorKind::CardDecryption,
                    "couponInfo",
                    "no merchant private key configured to decrypt the codes",
                )
            })?;
            f.opt_list("couponInfo", |item| CardCode::read(item, key))?
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        Ok(Self {
            order_code: f.opt_string("orderCode")?,
            biz_code: f.opt_string("bizCode")?,
            product_name: f.opt_string("productName")?,
            settlement_price: f.opt_decimal("settlementPrice")?,
            code_type: f.opt_i64("type")?,
            codes,
            extra: f.rest(),
        })
    }
}

macro_rules! code_order_accessors {
    ($ty:ident) => {
        impl $ty {
            /// The platform order number.
            pub fn order_code(&self) -> Option<&str> {
                self.0.order_code.as_deref()
            }

            /// The merchant order number.
            pub fn biz_code(&self) -> Option<&str> {
                self.0.biz_code.as_deref()
            }

            /// The product name.
            pub fn product_name(&self) -> Option<&str> {
                self.0.product_name.as_deref()
            }

            /// The settlement amount, read from its text.
            pub fn settlement_price(&self) -> Option<rust_decimal::Decimal> {
                self.0.settlement_price
            }

            /// The `type` field: whether the codes are redemption URLs or card number + PIN. The
            /// numeric values are not in the readable docs, so the raw number is given.
            pub fn code_type(&self) -> Option<i64> {
                self.0.code_type
            }

            /// The decrypted codes (`couponInfo`), in the order received.
            pub fn codes(&self) -> &[crate::card::CardCode] {
                &self.0.codes
            }

            /// Fields of `data` this version does not type, as received.
            pub fn extra(&self) -> &serde_json::Map<String, serde_json::Value> {
                &self.0.extra
            }
        }

        impl FromReply for $ty {
            fn from_reply(
                data: Option<&RawValue>,
                ctx: &ParseContext<'_>,
            ) -> Result<Self, DecodeError> {
                CodeOrder::read(data, ctx).map(Self)
            }
        }
    };
}
pub(crate) use code_order_accessors;

/// Purchased card codes (`CouponOrderResult`), decrypted. Printing it never shows a code.
#[derive(Clone, Debug)]
pub struct CouponResponse(CodeOrder);

code_order_accessors!(CouponResponse);
