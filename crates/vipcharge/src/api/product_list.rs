//! `POST /v1/openapi/order/product/list` (商品列表查询): the products the merchant may order.

use payhub_runtime::Idempotency;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{BodyContext, FromReply, Operation, ParseContext, Sealed};
use crate::error::{DecodeError, DecodeErrorKind, ValidationError};
use crate::wire::Fields;

/// Lists the merchant's products. The body is the client's `merchantId` only.
///
/// ```
/// let req = vipcharge::api::ProductListRequest::new();
/// # let _ = req;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductListRequest {
    _private: (),
}

impl ProductListRequest {
    /// The product list query (it has no parameters of its own).
    pub fn new() -> Self {
        Self::default()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    merchant_id: &'a str,
}

impl Sealed for ProductListRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    fn write_body(&self, ctx: &BodyContext<'_>) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&Wire {
            merchant_id: ctx.merchant_id,
        })
    }

    fn biz_code_ref(&self) -> Option<&str> {
        None
    }
}

impl Operation for ProductListRequest {
    type Response = ProductListResponse;
    const NAME: &'static str = "product/list";
    const PATH: &'static str = "/v1/openapi/order/product/list";
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;
}

/// The product list.
///
/// The reply page is cut after its request. `data` is read as an array of products, or as an
/// object holding that array under `list`, `records` or `rows` (the other fields of such an
/// object are kept in [`ProductListResponse::extra`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ProductListResponse {
    products: Vec<Product>,
    extra: Map<String, Value>,
}

impl ProductListResponse {
    /// The products.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// Other fields of `data` when it is an object, as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

/// One product. Only `productCode` and `productName` are named by the docs' other pages; the
/// price is read from `settlementPrice` or `price` when present; the rest is in
/// [`Product::extra`].
#[derive(Clone, Debug, PartialEq)]
pub struct Product {
    product_code: Option<String>,
    product_name: Option<String>,
    price: Option<Decimal>,
    extra: Map<String, Value>,
}

impl Product {
    /// The product code to order with.
    pub fn product_code(&self) -> Option<&str> {
        self.product_code.as_deref()
    }

    /// The product name.
    pub fn product_name(&self) -> Option<&str> {
        self.product_name.as_deref()
    }

    /// The price (`settlementPrice`, else `price`), read from its text.
    pub fn price(&self) -> Option<Decimal> {
        self.price
    }

    /// Fields this version does not type, as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    fn read(mut f: Fields) -> Result<Self, DecodeError> {
        let price = match f.opt_decimal("settlementPrice")? {
            Some(p) => Some(p),
            None => f.opt_decimal("price")?,
        };
        Ok(Self {
            product_code: f.opt_string("productCode")?,
            product_name: f.opt_string("productName")?,
            price,
            extra: f.rest(),
        })
    }
}

fn read_array(raw: &RawValue, name: &str) -> Result<Vec<Product>, DecodeError> {
    let items: Vec<Box<RawValue>> = serde_json::from_str(raw.get()).map_err(|_| {
        DecodeError::field(DecodeErrorKind::InvalidField, name, "expected a JSON array")
    })?;
    let mut out = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let path = format!("{name}[{i}]");
        out.push(Product::read(Fields::parse(it, &path)?).map_err(|e| e.under(&path))?);
    }
    Ok(out)
}

impl FromReply for ProductListResponse {
    fn from_reply(data: Option<&RawValue>, _ctx: &ParseContext<'_>) -> Result<Self, DecodeError> {
        let Some(raw) = data.filter(|r| r.get() != "null") else {
            return Ok(Self {
                products: Vec::new(),
                extra: Map::new(),
            });
        };
        if raw.get().starts_with('[') {
            return Ok(Self {
                products: read_array(raw, "")?,
                extra: Map::new(),
            });
        }
        let mut f = Fields::data(Some(raw))?;
        let mut products = Vec::new();
        for name in ["list", "records", "rows"] {
            if let Some(list) = f.take_raw(name) {
                products = read_array(&list, name)?;
                break;
            }
        }
        Ok(Self {
            products,
            extra: f.rest(),
        })
    }
}
