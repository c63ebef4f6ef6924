//! Order creation, `POST /v1/transaction/prepayment`: returns a `prepay_id` and the cashier URL.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};
use url::Url;

use super::{
    Idempotency, Method, Operation, ReplyMeta, WireContext, check_chain_address, check_code,
    check_text, check_url, need, opt, private, to_json,
};
use crate::error::{Error, Result};
use crate::types::{Chain, Currency, JsonNumber, Locale, OrderType};
use crate::wire::Fields;

/// The most decimal places any tokenpay currency has (18, ETH and BEP-20 tokens).
const MAX_SCALE: u32 = 18;

/// Creates an order; the payer pays through the returned cashier URL.
///
/// `amount` is in major units (e.g. `9` USDT) and is written as a JSON number from its decimal
/// text, never through `f64`. `expire_second` defaults to 3600 and `order_type` to
/// `platform_order`.
///
/// ```
/// use std::str::FromStr;
/// use rust_decimal::Decimal;
/// use tokenpay::api::PrepayRequest;
/// use tokenpay::types::{Chain, Currency, Locale};
/// let req = PrepayRequest::new("A-1001", Decimal::from_str("12.5").unwrap(), Chain::Tron, Currency::Usdt)
///     .expire_second(600)
///     .description("Top-up")
///     .locale(Locale::En)
///     .notify_url("https://merchant.example/tokenpay/notify");
/// assert_eq!(req.out_trade_no(), "A-1001");
/// ```
#[derive(Clone, Debug)]
pub struct PrepayRequest {
    out_trade_no: String,
    amount: Decimal,
    chain: Chain,
    currency: Currency,
    expire_second: u64,
    description: Option<String>,
    to_address: Option<String>,
    attach: Option<String>,
    locale: Option<Locale>,
    notify_url: Option<String>,
    return_url: Option<String>,
    order_type: OrderType,
    address_checksum: bool,
}

impl PrepayRequest {
    /// An order of `amount` (major units) of `currency` on `chain`, under the merchant's unique
    /// `out_trade_no`.
    pub fn new(
        out_trade_no: impl Into<String>,
        amount: Decimal,
        chain: Chain,
        currency: Currency,
    ) -> Self {
        Self {
            out_trade_no: out_trade_no.into(),
            amount,
            chain,
            currency,
            expire_second: 3600,
            description: None,
            to_address: None,
            attach: None,
            locale: None,
            notify_url: None,
            return_url: None,
            order_type: OrderType::PlatformOrder,
            address_checksum: true,
        }
    }

    /// Validity in seconds (`expire_second`, default 3600); the cashier URL expires with it.
    #[must_use]
    pub fn expire_second(mut self, seconds: u64) -> Self {
        self.expire_second = seconds;
        self
    }

    /// Order description shown to the payer.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The receiving wallet (required for monitor orders). Checked against the chain's address
    /// format, checksum included.
    #[must_use]
    pub fn to_address(mut self, address: impl Into<String>) -> Self {
        self.to_address = Some(address.into());
        self
    }

    /// A value echoed back in queries and callbacks.
    #[must_use]
    pub fn attach(mut self, attach: impl Into<String>) -> Self {
        self.attach = Some(attach.into());
        self
    }

    /// Cashier language.
    #[must_use]
    pub fn locale(mut self, locale: Locale) -> Self {
        self.locale = Some(locale);
        self
    }

    /// Where tokenpay sends the paid callback (absolute http(s) URL; https advised).
    #[must_use]
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// Where the cashier's back button leads (an https URL or an app route).
    #[must_use]
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.return_url = Some(url.into());
        self
    }

    /// The collection mode (default `platform_order`).
    #[must_use]
    pub fn order_type(mut self, order_type: OrderType) -> Self {
        self.order_type = order_type;
        self
    }

    /// Checks `to_address` for shape only, not its checksum. Only for addresses you cannot
    /// check (the docs' masked examples); a mistyped address loses the payment.
    #[must_use]
    pub fn danger_skip_address_checksum(mut self) -> Self {
        self.address_checksum = false;
        self
    }

    /// The merchant's order number.
    pub fn out_trade_no(&self) -> &str {
        &self.out_trade_no
    }

    /// The amount in major units.
    pub fn amount(&self) -> Decimal {
        self.amount
    }
}

#[derive(Serialize)]
struct Wire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    out_trade_no: &'a str,
    expire_second: u64,
    amount: JsonNumber,
    chain: &'a str,
    currency: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attach: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locale: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    return_url: Option<&'a str>,
    order_type: &'a str,
}

impl private::Sealed for PrepayRequest {}

impl Operation for PrepayRequest {
    type Response = PrepayResponse;
    const NAME: &'static str = "prepay";
    const METHOD: Method = Method::Post;
    const IDEMPOTENCY: Idempotency = Idempotency::Unsafe;

    fn path_and_query(&self, _: &WireContext<'_>) -> String {
        "/v1/transaction/prepayment".to_owned()
    }

    fn reference(&self) -> Option<(&'static str, &str)> {
        Some(("out_trade_no", &self.out_trade_no))
    }

    fn validate(&self) -> Result<()> {
        check_text("out_trade_no", &self.out_trade_no)?;
        if self.amount <= Decimal::ZERO {
            return Err(Error::validation("amount", "must be greater than zero"));
        }
        if self.amount.normalize().scale() > MAX_SCALE {
            return Err(Error::validation(
                "amount",
                format!("must have at most {MAX_SCALE} decimal places"),
            ));
        }
        if self.expire_second == 0 {
            return Err(Error::validation(
                "expire_second",
                "must be at least 1 second",
            ));
        }
        check_code("chain", self.chain.as_str())?;
        check_code("currency", self.currency.as_str())?;
        check_code("order_type", self.order_type.as_str())?;
        if let Some(d) = &self.description {
            check_text("description", d)?;
        }
        if let Some(a) = &self.attach
            && a.is_empty()
        {
            return Err(Error::validation("attach", "must not be empty when set"));
        }
        if let Some(l) = &self.locale {
            check_code("locale", l.as_str())?;
        }
        match &self.to_address {
            Some(a) => check_chain_address("to_address", &self.chain, a, self.address_checksum)?,
            None if self.order_type == OrderType::MerchantOrder => {
                return Err(Error::validation(
                    "to_address",
                    "is required for merchant_order (monitor order) payments",
                ));
            }
            None => {}
        }
        if let Some(u) = &self.notify_url {
            check_url("notify_url", u)?;
        }
        if let Some(u) = &self.return_url {
            check_text("return_url", u)?;
        }
        Ok(())
    }

    fn body(&self, ctx: &WireContext<'_>) -> Result<Vec<u8>> {
        let amount = JsonNumber::from_decimal(self.amount)
            .ok_or_else(|| Error::validation("amount", "cannot be written as a JSON number"))?;
        to_json(
            ctx,
            Wire {
                description: opt(&self.description),
                out_trade_no: &self.out_trade_no,
                expire_second: self.expire_second,
                amount,
                chain: self.chain.as_str(),
                currency: self.currency.as_str(),
                to_address: opt(&self.to_address),
                attach: opt(&self.attach),
                locale: self.locale.as_ref().map(Locale::as_str),
                notify_url: opt(&self.notify_url),
                return_url: opt(&self.return_url),
                order_type: self.order_type.as_str(),
            },
        )
    }

    fn parse_data(
        data: Option<&str>,
        meta: ReplyMeta,
        ctx: &WireContext<'_>,
    ) -> std::result::Result<PrepayResponse, String> {
        let mut f = Fields::parse("data", need(data)?).map_err(|e| e.render())?;
        let prepay_id = f.str_req("prepay_id").map_err(|e| e.render())?;
        let raw_url = f.str_req("payment_url").map_err(|e| e.render())?;
        let payment_url = ctx
            .cashier_base
            .join(&raw_url)
            .map_err(|_| format!("`data.payment_url` `{raw_url}` is not a URL"))?;
        Ok(PrepayResponse {
            prepay_id,
            payment_url,
            request_id: meta.request_id,
            extra: f.extra(),
        })
    }
}

/// The created order's cashier session.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct PrepayResponse {
    /// The prepay session id, valid for `expire_second`.
    pub prepay_id: String,
    /// The cashier page, absolute (tokenpay returns it relative to its host; it is resolved
    /// against the client's cashier base, by default the API base URL).
    pub payment_url: Url,
    /// tokenpay's `request_id`.
    pub request_id: Option<String>,
    /// Members of `data` this crate does not type.
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for PrepayResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrepayResponse")
            .field("prepay_id", &self.prepay_id)
            .field("payment_url", &self.payment_url.as_str())
            .field("request_id", &self.request_id)
            .field("extra", &self.extra)
            .finish()
    }
}
