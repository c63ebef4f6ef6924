//! The endpoints, one file each: `<Op>Request` (private fields, `new(required..)`, setters,
//! validation) and `<Op>Response`, tied together by the [`Operation`] trait that
//! [`crate::Client::prepare`] and [`crate::Client::send`] accept.
//!
//! | request | method and path | idempotent |
//! |---|---|---|
//! | [`CurrenciesRequest`] | `GET /v1/currency/index` | yes |
//! | [`BalanceRequest`] | `POST /v1/merchant/balance` | yes |
//! | [`PrepayRequest`] | `POST /v1/transaction/prepayment` | no |
//! | [`QueryOrderRequest`] | `POST /v1/transaction/query` | yes |
//! | [`CloseOrderRequest`] | `POST /v1/transaction/close` | no |
//! | [`CreatePayoutRequest`] | `POST /v1/payanother/payment` (or `/v1/payout/payment`) | no |
//! | [`QueryPayoutRequest`] | `POST /v1/payanother/query` (or `/v1/payout/query`) | yes |
//! | [`ClosePayoutRequest`] | `POST /v1/payanother/close` (or `/v1/payout/close`) | no |
//! | [`InsertWalletRequest`] | `POST /v1/wallet/insert` | no |
//! | [`UpdateWalletRequest`] | `POST /v1/wallet/update` | no |
//! | [`DeleteWalletRequest`] | `POST /v1/wallet/delete` | no |
//! | [`QueryWalletRequest`] | `GET /v1/wallet/query` | yes |
//!
//! Every JSON body starts with `app_id` and `mch_id` (the client fills them in), then the
//! endpoint's fields in the order of the provider's examples; optional fields that are not set
//! are left out.
//!
//! # The protocol without I/O
//!
//! [`crate::Client::prepare`] gives the exact signed request [`crate::Client::send`] would put
//! on the wire, and [`crate::Client::read_reply`] reads a reply received by other means:
//!
//! ```
//! use payhub_runtime::{FixedClock, FixedNonce};
//! use std::sync::Arc;
//! use tokenpay::api::CloseOrderRequest;
//! use tokenpay::RawResponse;
//! let client = tokenpay::Client::builder("8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd", "1234567890", "0123456789abcdef0123456789abcdef")
//!     .clock(Arc::new(FixedClock::from_millis(1_763_800_000_456)))
//!     .nonce_source(Arc::new(FixedNonce("593BEC0C930BF1AFEB40B4A08C8FB242".into())))
//!     .build()
//!     .unwrap();
//! let p = client.prepare(&CloseOrderRequest::new("2a1cfa6568xxxxxxxx3050957024c559")).unwrap();
//! assert_eq!(p.body_bytes(), br#"{"app_id":"8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd","mch_id":"1234567890","transaction_id":"2a1cfa6568xxxxxxxx3050957024c559"}"#);
//! assert!(p.header_value("Authorization").unwrap().starts_with("TTPAY-AES-256-ECB app_id="));
//!
//! let raw = RawResponse {
//!     status: 200,
//!     headers: Default::default(),
//!     body: br#"{"code":12002,"msg":"not found","request_id":"r-1"}"#.to_vec().into(),
//!     elapsed: std::time::Duration::ZERO,
//! };
//! let err = client.read_reply::<CloseOrderRequest>(&raw).unwrap_err();
//! assert_eq!(err.request_id(), Some("r-1"));
//! ```

use std::fmt;

pub use payhub_runtime::{Idempotency, Method};
use serde::Serialize;
use url::Url;

use crate::error::{Error, Result};
use crate::types::{AddressFamily, Chain, check_address};

mod balance;
mod close_order;
mod close_payout;
mod create_payout;
mod currencies;
mod envelope;
mod prepay;
mod query_order;
mod query_payout;
mod transaction;
mod wallet;
mod wallet_delete;
mod wallet_insert;
mod wallet_query;
mod wallet_update;

pub use balance::{BalanceRequest, BalanceResponse, MerchantBalance};
pub use close_order::{CloseOrderRequest, CloseOrderResponse};
pub use close_payout::{ClosePayoutRequest, ClosePayoutResponse};
pub use create_payout::{CreatePayoutRequest, CreatePayoutResponse, PayoutAmount};
pub use currencies::{CurrenciesRequest, CurrenciesResponse, CurrencyDetail};
pub use envelope::ReplySignatureMode;
pub(crate) use envelope::{ReplyCheck, is_envelope, read, reply_setters};
pub use prepay::{PrepayRequest, PrepayResponse};
pub use query_order::{QueryOrderRequest, QueryOrderResponse};
pub use query_payout::{QueryPayoutRequest, QueryPayoutResponse};
pub use transaction::{CurrencyInfo, TransactionDetail};
pub use wallet::WalletDetail;
pub use wallet_delete::{DeleteWalletRequest, DeleteWalletResponse};
pub use wallet_insert::{InsertWalletRequest, InsertWalletResponse};
pub use wallet_query::{QueryWalletRequest, QueryWalletResponse};
pub use wallet_update::{UpdateWalletRequest, UpdateWalletResponse};

pub(crate) use transaction::{Lenient, parse_lenient, parse_transaction};

/// Which path family payouts use. The docs show both; `/v1/payanother/*` is in every source
/// but some English renderings, so it is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayoutPaths {
    /// `/v1/payanother/{payment,query,close}`; close sends `payanother_id` (default).
    #[default]
    PayAnother,
    /// `/v1/payout/{payment,query,close}`; close sends `payout_id`.
    Payout,
}

impl PayoutPaths {
    /// The path prefix, e.g. `/v1/payanother`.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::PayAnother => "/v1/payanother",
            Self::Payout => "/v1/payout",
        }
    }

    /// The field the close call uses for the payout id.
    pub fn close_id_field(self) -> &'static str {
        match self {
            Self::PayAnother => "payanother_id",
            Self::Payout => "payout_id",
        }
    }
}

/// What the client knows when it builds a body or reads a reply.
#[derive(Clone, Copy, Debug)]
pub struct WireContext<'a> {
    /// The application id, first member of every JSON body.
    pub app_id: &'a str,
    /// The merchant id, second member of every JSON body.
    pub mch_id: &'a str,
    /// The payout path family.
    pub payout_paths: PayoutPaths,
    /// Where relative `payment_url`s are resolved.
    pub cashier_base: &'a Url,
}

impl<'a> WireContext<'a> {
    pub(crate) fn new(
        (app_id, mch_id): (&'a str, &'a str),
        payout_paths: PayoutPaths,
        cashier_base: &'a Url,
    ) -> Self {
        Self {
            app_id,
            mch_id,
            payout_paths,
            cashier_base,
        }
    }
}

/// Resolves the cashier base URL setting (default: the API base URL).
pub(crate) fn cashier_base(setting: Option<&str>, api_base: &Url) -> Result<Url> {
    match setting {
        Some(u) => payhub_runtime::parse_base_url(u)
            .map_err(|e| Error::config("cashier_base_url", e.to_string())),
        None => Ok(api_base.clone()),
    }
}

/// The envelope members of a successful reply, handed to [`Operation::parse_data`].
#[derive(Clone, Debug)]
pub struct ReplyMeta {
    /// `msg`.
    pub msg: String,
    /// `request_id`.
    pub request_id: Option<String>,
}

mod private {
    /// Seals [`super::Operation`]: only this crate's requests implement it.
    #[allow(unreachable_pub)] // Sealed-trait pattern: public so it can bound a public trait.
    pub trait Sealed {}
}

/// One tokenpay endpoint: how to build its request and read its reply. Implemented by every
/// `*Request` type of this module (sealed). [`crate::Client`] calls these methods; you normally
/// do not.
pub trait Operation: private::Sealed + fmt::Debug + Send + Sync {
    /// The typed reply.
    type Response: fmt::Debug + Send;

    /// A short operation name for logs and errors, e.g. `prepay`.
    const NAME: &'static str;

    /// GET or POST.
    const METHOD: Method;

    /// Whether the call may be resent when its outcome is unknown.
    const IDEMPOTENCY: Idempotency;

    /// The path and query string, e.g. `/v1/wallet/query?wallet_address=T...`.
    fn path_and_query(&self, ctx: &WireContext<'_>) -> String;

    /// The field and value that identify the object (for logs and reconciliation).
    fn reference(&self) -> Option<(&'static str, &str)>;

    /// Checks every field; the first broken rule is returned.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field and the rule.
    fn validate(&self) -> Result<()>;

    /// The exact body bytes (empty for GET).
    ///
    /// # Errors
    /// [`Error::Validation`] when a value cannot be written.
    fn body(&self, ctx: &WireContext<'_>) -> Result<Vec<u8>>;

    /// Reads the envelope's `data` (its raw JSON text, `None` when absent).
    ///
    /// # Errors
    /// A description naming the field that could not be read.
    fn parse_data(
        data: Option<&str>,
        meta: ReplyMeta,
        ctx: &WireContext<'_>,
    ) -> std::result::Result<Self::Response, String>;
}

/// A body: `app_id`, `mch_id`, then the endpoint's fields, serialized once.
#[derive(Serialize)]
pub(crate) struct Body<'a, T: Serialize> {
    pub(crate) app_id: &'a str,
    pub(crate) mch_id: &'a str,
    #[serde(flatten)]
    pub(crate) fields: T,
}

/// Serializes a body (never fails for the body types of this crate; mapped to a validation
/// error naming `body` if it ever did).
pub(crate) fn to_json<T: Serialize>(ctx: &WireContext<'_>, fields: T) -> Result<Vec<u8>> {
    serde_json::to_vec(&Body {
        app_id: ctx.app_id,
        mch_id: ctx.mch_id,
        fields,
    })
    .map_err(|_| Error::validation("body", "cannot be serialized"))
}

/// A required text field: not empty, no surrounding whitespace, no control characters.
pub(crate) fn check_text(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty or blank"));
    }
    if value.trim() != value {
        return Err(Error::validation(
            field,
            "must not start or end with whitespace",
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::validation(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// A callback URL: absolute http(s).
pub(crate) fn check_url(field: &str, value: &str) -> Result<()> {
    check_text(field, value)?;
    match Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(Error::validation(field, "must be an absolute http(s) URL")),
    }
}

/// A wallet address for `chain` (checksum verified unless `checksum` is false).
pub(crate) fn check_chain_address(
    field: &str,
    chain: &Chain,
    value: &str,
    checksum: bool,
) -> Result<()> {
    check_text(field, value)?;
    match chain.address_family() {
        Some(family) => check_family_address(field, family, value, checksum),
        None => Ok(()),
    }
}

pub(crate) fn check_family_address(
    field: &str,
    family: AddressFamily,
    value: &str,
    checksum: bool,
) -> Result<()> {
    let name = match family {
        AddressFamily::Tron => "a TRON address",
        AddressFamily::Evm => "an EVM address",
    };
    check_address(family, value, checksum)
        .map_err(|e| Error::validation(field, format!("is not {name}: it {e}")))
}

/// A chain or currency: the text must not be empty.
pub(crate) fn check_code(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    check_text(field, value)
}

/// The `&str` of an optional owned string.
pub(crate) fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref()
}

/// A reply with no `data` where one was required.
pub(crate) fn need(data: Option<&str>) -> std::result::Result<&str, String> {
    data.ok_or_else(|| "`data` is missing".to_owned())
}
