//! Cashy's endpoints, one module per endpoint, and the [`Operation`] trait that ties a request to
//! its path, its idempotency and its typed response.
//!
//! | request | path | idempotency | response |
//! |---|---|---|---|
//! | [`PayDeskRequest`] | `/api/payDesk` | create | [`PayDeskResponse`] |
//! | [`PayDeskQueryRequest`] | `/api/payDeskQuery` | read | [`PayDeskQueryResponse`] |
//! | [`PayInRequest`] | `/api/payIn` | create | [`PayInResponse`] |
//! | [`PayInQueryRequest`] | `/api/payInQuery` | read | [`PayInQueryResponse`] |
//! | [`PayOutRequest`] | `/api/payOut` | create | [`PayOutResponse`] |
//! | [`PayOutQueryRequest`] | `/api/payOutQuery` | read | [`PayOutQueryResponse`] |
//! | [`BalanceRequest`] | `/api/getBalance` | read | [`BalanceResponse`] |
//! | [`BankListRequest`] | `/api/bankListQuery` | read | [`BankListResponse`] |
//! | [`PayInBankListRequest`] | `/api/payInBankListQuery` | read | [`PayInBankListResponse`] |
//!
//! Every request is validated before anything is sent ([`Operation::validate`]); every reply is
//! read from its exact text ([`parse_reply`]): numbers given as JSON numbers or strings are both
//! accepted, and amounts are [`Decimal`](rust_decimal::Decimal) parsed without floats.

use std::fmt;

pub use payhub_runtime::Idempotency;
use payhub_runtime::NonceSource;

use crate::error::{ConfigError, Error, ValidationError};
use crate::profile::Profiles;

/// `pub fn name(self, value: impl Into<String>) -> Self` setters for optional text fields.
/// With `in field;` first, the setters write `self.field.name`.
macro_rules! text_setters {
    (in $part:ident; $($(#[$meta:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$meta])*
            #[must_use]
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.$part.$name = Some(value.into());
                self
            }
        )*
    };
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$meta])*
            #[must_use]
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.$name = Some(value.into());
                self
            }
        )*
    };
}

#[macro_use]
mod collect;
#[macro_use]
mod query;

mod envelope;
pub(crate) use envelope::is_envelope;
mod fields;
mod scan;
mod validate;
mod wire;

mod balance;
mod bank_list;
mod pay_desk;
mod pay_desk_query;
mod pay_in;
mod pay_in_bank_list;
mod pay_in_query;
mod pay_out;
mod pay_out_query;
mod raw;

pub use balance::{BalanceRequest, BalanceResponse};
pub use bank_list::{Bank, BankListRequest, BankListResponse};
pub use pay_desk::{PayDeskRequest, PayDeskResponse};
pub use pay_desk_query::{PayDeskQueryRequest, PayDeskQueryResponse};
pub use pay_in::{PayInRequest, PayInResponse};
pub use pay_in_bank_list::{PayInBank, PayInBankListRequest, PayInBankListResponse};
pub use pay_in_query::{PayInQueryRequest, PayInQueryResponse};
pub use pay_out::{PayOutRequest, PayOutResponse, Payee};
pub use pay_out_query::{PayOutQueryRequest, PayOutQueryResponse};
pub use raw::{RawReply, RawRequest};

pub use crate::types::OrderKind;
pub(crate) use fields::{Fields, read};

/// The identifiers a request carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestIds<'a> {
    /// `mchOrderNo`, the merchant order number.
    pub mch_order_no: Option<&'a str>,
    /// `orderNo`, the platform order number.
    pub order_no: Option<&'a str>,
    /// `nonceStr` as set on the request; `None` lets the client draw one.
    pub nonce_str: Option<&'a str>,
}

impl<'a> RequestIds<'a> {
    pub(crate) fn new(
        mch_order_no: Option<&'a str>,
        order_no: Option<&'a str>,
        nonce_str: Option<&'a str>,
    ) -> Self {
        Self {
            mch_order_no,
            order_no,
            nonce_str,
        }
    }
}

/// A Cashy endpoint: its path, whether it may be retried, and how its body and reply look.
/// Implemented by every `*Request` type of this module (the trait is sealed).
pub trait Operation: fmt::Debug + Send + Sync + private::Sealed {
    /// The typed `data` of a successful reply.
    type Response: fmt::Debug + Send + private::FromData;

    /// The operation name used in errors and traces, e.g. `payDesk`.
    const NAME: &'static str;

    /// The path below the base URL, e.g. `/api/payDesk`.
    const PATH: &'static str;

    /// Creates are [`Idempotency::Unsafe`] (never resent blindly); reads are `Safe`.
    const IDEMPOTENCY: Idempotency;

    /// For creates, the kind of order to reconcile when the outcome is unknown.
    const KIND: Option<OrderKind>;

    /// The order numbers and `nonceStr` the request carries (for traces and reconciliation).
    fn ids(&self) -> RequestIds<'_>;

    /// Checks every documented rule against `profiles`, without sending anything.
    ///
    /// # Errors
    /// [`ValidationError`] listing every broken rule.
    fn validate(&self, profiles: &Profiles) -> Result<(), ValidationError> {
        let mut checks = validate::Checks::new();
        self.check(profiles, &mut checks);
        checks.finish(Self::NAME)
    }
}

pub(crate) mod private {
    use super::Fields;
    use crate::error::{DecodeError, Error};
    use crate::profile::Profiles;

    /// Seals [`Operation`](super::Operation) and holds the crate-internal encoding hooks.
    pub trait Sealed {
        /// Pushes every broken rule into `checks`.
        fn check(&self, profiles: &Profiles, checks: &mut super::validate::Checks);

        /// The exact body bytes (already validated) with `nonce` as `nonceStr`, numeric codes
        /// written as `codes` says.
        fn encode(
            &self,
            nonce: &str,
            profiles: &Profiles,
            codes: crate::types::CodeFormats,
        ) -> Result<Vec<u8>, Error>;
    }

    /// Reads a reply's `data`.
    pub trait FromData: Sized {
        /// Reads `data` (inside the success envelope).
        fn from_data(data: Data<'_>) -> Result<Self, DecodeError>;
    }

    /// A reply's `data`: its exact JSON text, and its fields when the envelope was read in
    /// one pass (see [`envelope`](super::envelope)).
    #[derive(Debug)]
    pub struct Data<'a> {
        text: &'a str,
        fields: Option<Fields<'a>>,
    }

    impl<'a> Data<'a> {
        pub(crate) fn new(text: &'a str, fields: Option<Fields<'a>>) -> Self {
            Self { text, fields }
        }

        /// The exact JSON text.
        pub(crate) fn text(&self) -> &'a str {
            self.text
        }

        /// The fields of an object (those read with the envelope, else parsed now).
        ///
        /// # Errors
        /// [`DecodeError`] when `data` is not a JSON object.
        pub(crate) fn fields(self) -> Result<Fields<'a>, DecodeError> {
            match self.fields {
                Some(fields) => Ok(fields),
                None => Fields::parse(self.text),
            }
        }
    }
}

/// Validates `req` and serializes its body once, with the request's own `nonceStr` or one
/// drawn from `nonces` (1 to 32 characters without spaces, else [`Error::Config`] naming
/// `nonce_source`).
pub(crate) fn encode<O: Operation>(
    req: &O,
    nonces: &dyn NonceSource,
    profiles: &Profiles,
    codes: crate::types::CodeFormats,
) -> Result<Vec<u8>, Error> {
    let nonce = match req.ids().nonce_str {
        Some(n) => n.to_owned(),
        None => {
            let nonce = nonces.nonce();
            let len = if nonce.is_ascii() {
                nonce.len()
            } else {
                nonce.chars().count()
            };
            if len == 0 || len > 32 || validate::spaced(&nonce) {
                let problem = format!(
                    "produced an unusable nonceStr ({len} characters; 1 to 32 without spaces)"
                );
                return Err(ConfigError::new("nonce_source", problem).into());
            }
            nonce
        }
    };
    req.validate(profiles)?;
    req.encode(&nonce, profiles, codes)
}

/// The kind of order the create `operation` makes (`None` for a read or a raw request): what
/// an [`OutcomeUnknown`](crate::error::OutcomeUnknown) tells the caller to reconcile.
pub(crate) fn create_kind(operation: &str) -> Option<OrderKind> {
    [
        (PayDeskRequest::NAME, PayDeskRequest::KIND),
        (PayInRequest::NAME, PayInRequest::KIND),
        (PayOutRequest::NAME, PayOutRequest::KIND),
    ]
    .into_iter()
    .find_map(|(name, kind)| (name == operation).then_some(kind).flatten())
}

/// An order found by [`Client::reconcile`](crate::Client::reconcile): the status query's reply
/// for the kind asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Order {
    /// The cashier order (`/api/payDeskQuery`).
    Cashier(PayDeskQueryResponse),
    /// The payin (`/api/payInQuery`).
    PayIn(PayInQueryResponse),
    /// The payout (`/api/payOutQuery`).
    PayOut(PayOutQueryResponse),
}

impl Order {
    /// Cashier, payin or payout.
    pub fn kind(&self) -> OrderKind {
        match self {
            Self::Cashier(_) => OrderKind::Cashier,
            Self::PayIn(_) => OrderKind::PayIn,
            Self::PayOut(_) => OrderKind::PayOut,
        }
    }
}

/// Reads a raw reply of `O`: the envelope (`code` 200 and `msg` `SUCCESS`, else
/// [`Error::Api`]), then the typed `data`. Pure: use it with your own HTTP client.
///
/// ```
/// use paydesk::api::{BalanceRequest, parse_reply};
/// let body = br#"{"msg":"SUCCESS","code":200,"data":{"mchId":"3002002","balance":133334.0,"unBalance":2437828.0}}"#;
/// let balance = parse_reply::<BalanceRequest>(200, body)?;
/// assert_eq!(balance.balance.to_string(), "133334.0");
/// # Ok::<(), paydesk::Error>(())
/// ```
///
/// # Errors
/// [`Error::Api`] for a provider error, [`Error::Decode`] for an unreadable reply.
pub fn parse_reply<O: Operation>(status: u16, body: &[u8]) -> Result<O::Response, Error> {
    let data = envelope::open(O::NAME, status, body)?;
    <O::Response as private::FromData>::from_data(data)
        .map_err(|e| Error::Decode(e.in_field("data").in_reply(O::NAME, status, body)))
}

/// Opens the envelope of a raw reply.
pub(crate) fn open_raw(
    status: u16,
    body: &[u8],
) -> Result<Box<serde_json::value::RawValue>, Error> {
    let data = envelope::open("raw", status, body)?;
    serde_json::value::RawValue::from_string(data.text().to_owned()).map_err(|e| {
        // Not expected: the text was read as JSON already.
        let e = crate::error::DecodeError::field("data", "is not valid JSON").with_source(e);
        Error::Decode(e.in_reply("raw", status, body))
    })
}

/// A small deterministic generator (xorshift64) for the randomized tests of the reply scanner
/// and the validation shortcuts.
#[cfg(test)]
pub(crate) fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
