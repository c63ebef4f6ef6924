//! Every endpoint as a typed request and response, and the [`Operation`] trait that ties them to
//! a path.
//!
//! | request | path | kind |
//! |---|---|---|
//! | [`VipChargeRequest`] | `/v1/openapi/order/VIPCharge` | order (async) |
//! | [`GasCardRequest`] | `/v1/openapi/order/gasCard` | order (async) |
//! | [`BatchRequest`] | `/v1/openapi/order/batch` | order (async) |
//! | [`RedPacketRequest`] | `/v1/openapi/order/redPacket` | order (async) |
//! | [`AlipayTransferRequest`] | `/v1/openapi/order/alipay/transfer` | order (async) |
//! | [`AlipayCouponsRequest`] | `/v1/openapi/order/alipay/coupons` | order (async) |
//! | [`WechatCouponsRequest`] | `/v1/openapi/order/wechat/coupons` | order (async) |
//! | [`WechatTransferRequest`] | `/v1/openapi/order/wechat/transfer` | order (async) |
//! | [`CouponRequest`] | `/v1/openapi/order/coupon` | order (card codes in the reply) |
//! | [`ProductCodeRequest`] | `/v1/openapi/order/productCode` | order (codes in the reply) |
//! | [`OrderInfoRequest`] | `/v1/openapi/order/info` | read |
//! | [`BalanceRequest`] | `/v1/openapi/merchant/business/balance` | read |
//! | [`ProductListRequest`] | `/v1/openapi/order/product/list` | read |
//!
//! Orders are never resent: an unknown outcome is `Error::OutcomeUnknown`, reconciled with
//! `Client::reconcile`. Reads are retried with a fresh nonce and timestamp.
//!
//! **Partially documented endpoints.** The public pages of several endpoints are cut off part way
//! through their field tables. Their requests type the fields that can be read, add typed
//! optional setters for the fields the sibling endpoints all have (`bizCode`, `productCode`,
//! `callbackUrl`; marked "not in the readable docs"), and accept any further field through
//! `field(name, value)`. Their responses type the fields that can be read and keep every other
//! field in a documented `extra` map.

use std::collections::BTreeMap;

use payhub_runtime::Idempotency;
use serde_json::Value;

use crate::error::ValidationError;

mod alipay;
mod balance;
mod batch;
mod charge;
mod coupon;
mod envelope;
mod gas_card;
mod order_info;
mod product_code;
mod product_list;
mod red_packet;
mod vip_charge;
mod wechat;

pub use alipay::{AlipayCouponsRequest, AlipayTransferRequest};
pub use balance::{BalanceRequest, BalanceResponse};
pub use batch::{BatchItem, BatchRequest, BatchResponse};
pub use charge::ChargeResponse;
pub use coupon::{CouponRequest, CouponResponse, MAX_CODES_PER_CALL};
pub use envelope::ReplySignatureMode;
pub(crate) use envelope::{ReplyReader, is_envelope};
pub use gas_card::GasCardRequest;
pub use order_info::{OrderInfoRequest, OrderInfoResponse};
pub use product_code::{ProductCodeRequest, ProductCodeResponse};
pub use product_list::{Product, ProductListRequest, ProductListResponse};
pub use red_packet::RedPacketRequest;
pub use vip_charge::VipChargeRequest;
pub use wechat::{WechatCouponsRequest, WechatTransferRequest};

pub(crate) use private::{BodyContext, FromReply, ParseContext, Sealed};

/// An endpoint: its path, whether it may be resent, its request body and its typed response.
///
/// Implemented by every `*Request` type of this module; sealed.
pub trait Operation: Sealed + std::fmt::Debug + Send + Sync {
    /// The typed `data` of a successful reply.
    type Response: FromReply + std::fmt::Debug + Send;

    /// The operation name used in logs and errors, e.g. `VIPCharge`.
    const NAME: &'static str;

    /// The path, e.g. `/v1/openapi/order/VIPCharge`.
    const PATH: &'static str;

    /// `Safe` for reads (retried), `Unsafe` for orders (never resent).
    const IDEMPOTENCY: Idempotency;
}

pub(crate) mod private {
    use rust_decimal::Decimal;
    use serde_json::value::RawValue;
    use sign_core::rsa::RsaPrivateKey;

    use crate::error::{DecodeError, ValidationError};
    use crate::types::OrderStatus;
    use crate::wire::Fields;

    /// What every request body may need from the client.
    #[derive(Debug)]
    pub struct BodyContext<'a> {
        pub(crate) merchant_id: &'a str,
        pub(crate) business_id: &'a str,
    }

    /// What reading a reply may need from the client.
    #[derive(Debug, Clone, Copy)]
    pub struct ParseContext<'a> {
        pub(crate) card_key: Option<&'a RsaPrivateKey>,
        pub(crate) status_fields: &'a [String],
    }

    impl ParseContext<'_> {
        /// Reads the order status from the first configured field that is present.
        pub(crate) fn order_status(
            &self,
            f: &mut Fields,
        ) -> Result<Option<OrderStatus>, DecodeError> {
            for name in self.status_fields {
                if let Some(text) = f.opt_string(name)? {
                    return Ok(Some(OrderStatus::parse(text.trim())));
                }
            }
            Ok(None)
        }
    }

    /// The request side of an operation.
    pub trait Sealed {
        /// Checks every field; the first violation names the field and the rule.
        fn validate(&self) -> Result<(), ValidationError>;
        /// Serializes the body once; these bytes are signed and sent.
        fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error>;
        /// The merchant order number, for logs, `OutcomeUnknown` and reconciliation.
        fn biz_code_ref(&self) -> Option<&str>;
        /// The platform order number, when the request names one (order query).
        fn order_code_ref(&self) -> Option<&str> {
            None
        }
        /// Whether the reply carries codes encrypted to the merchant key.
        fn needs_card_key(&self) -> bool {
            false
        }
    }

    /// Reads the `data` of a successful reply (`None` when absent or `null`).
    pub trait FromReply: Sized {
        /// Reads the reply data.
        fn from_reply(data: Option<&RawValue>, ctx: &ParseContext<'_>)
        -> Result<Self, DecodeError>;
    }

    /// A unit used by `Decimal` validation (0.01).
    pub(crate) fn cent() -> Decimal {
        Decimal::new(1, 2)
    }
}

/// Further body fields for a partially documented endpoint (`field(name, value)`), serialized
/// after the typed ones in name order.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Extra(pub(crate) BTreeMap<String, Value>);

impl Extra {
    pub(crate) fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(name.into(), value.into());
    }

    /// Refuses names the typed fields (or the client) already write.
    pub(crate) fn validate(&self, typed: &[&str]) -> Result<(), ValidationError> {
        for name in self.0.keys() {
            if name.is_empty() {
                return Err(ValidationError::new(
                    "(extra field)",
                    "name must not be empty",
                ));
            }
            if typed.contains(&name.as_str()) || name == "merchantId" || name == "businessId" {
                return Err(ValidationError::new(
                    name.clone(),
                    "is a typed field of this request; use its setter instead of field()",
                ));
            }
        }
        Ok(())
    }
}

/// Validation rules shared by every request.
pub(crate) mod rule {
    use rust_decimal::Decimal;

    use super::private::cent;
    use crate::error::ValidationError;

    /// Not empty, no surrounding whitespace, no control characters.
    pub(crate) fn text(field: &str, value: &str) -> Result<(), ValidationError> {
        if value.is_empty() {
            return Err(ValidationError::new(field, "must not be empty"));
        }
        if value.trim() != value {
            return Err(ValidationError::new(
                field,
                "must not start or end with whitespace",
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(ValidationError::new(
                field,
                "must not contain control characters",
            ));
        }
        Ok(())
    }

    /// As [`text`], when present.
    pub(crate) fn opt_text(field: &str, value: Option<&str>) -> Result<(), ValidationError> {
        value.map_or(Ok(()), |v| text(field, v))
    }

    /// A mainland China mobile number: `1` followed by ten digits.
    pub(crate) fn mobile(field: &str, value: Option<&str>) -> Result<(), ValidationError> {
        let Some(v) = value else { return Ok(()) };
        let ok = v.len() == 11 && v.starts_with('1') && v.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(())
        } else {
            Err(ValidationError::new(
                field,
                "must be a mainland China mobile number: 1 followed by 10 digits",
            ))
        }
    }

    /// An absolute `http` or `https` URL.
    pub(crate) fn url(field: &str, value: Option<&str>) -> Result<(), ValidationError> {
        let Some(v) = value else { return Ok(()) };
        text(field, v)?;
        match url::Url::parse(v) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
            _ => Err(ValidationError::new(
                field,
                "must be an absolute http(s) URL the platform can call",
            )),
        }
    }

    /// A money amount: at least 0.01 and at most two decimal places.
    pub(crate) fn amount(field: &str, value: Decimal) -> Result<(), ValidationError> {
        if value < cent() {
            return Err(ValidationError::new(field, "must be at least 0.01"));
        }
        if value.normalize().scale() > 2 {
            return Err(ValidationError::new(
                field,
                "must have at most two decimal places",
            ));
        }
        Ok(())
    }
}
