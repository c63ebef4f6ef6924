//! The request shape shared by the three order queries: `mchOrderNo` and/or `orderNo` (at least
//! one; the provider recommends `orderNo`) and `nonceStr`. Order numbers may be up to 64
//! characters here (the provider's own query example has a 33-character `mchOrderNo`), while
//! creates keep the documented `string(32)`.

use serde::Serialize;

use super::validate::Checks;
use super::wire;
use crate::error::Error;

/// Which order a query asks about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) mch_order_no: Option<String>,
    pub(crate) order_no: Option<String>,
    pub(crate) nonce_str: Option<String>,
}

/// An empty text counts as not given.
pub(crate) fn non_empty(value: impl Into<String>) -> Option<String> {
    Some(value.into()).filter(|v| !v.is_empty())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    mch_order_no: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_no: Option<&'a str>,
    nonce_str: &'a str,
}

impl Target {
    pub(crate) fn check(&self, checks: &mut Checks) {
        match (&self.mch_order_no, &self.order_no) {
            (None, None) => checks.push("orderNo", "orderNo or mchOrderNo is required"),
            (mch, order) => {
                if let Some(v) = mch {
                    checks.lookup_id("mchOrderNo", v);
                }
                if let Some(v) = order {
                    checks.lookup_id("orderNo", v);
                }
            }
        }
        checks.nonce(self.nonce_str.as_deref());
    }

    pub(crate) fn encode(&self, operation: &'static str, nonce: &str) -> Result<Vec<u8>, Error> {
        wire::to_bytes(
            operation,
            &Wire {
                mch_order_no: self.mch_order_no.as_deref(),
                order_no: self.order_no.as_deref(),
                nonce_str: nonce,
            },
        )
    }
}

/// Declares a query request type over [`Target`].
macro_rules! query_request {
    (
        $(#[$meta:meta])*
        $name:ident {
            name: $op:literal,
            path: $path:literal,
            response: $response:ty,
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name {
            target: super::query::Target,
        }

        impl $name {
            /// A query by the merchant order number (`mchOrderNo`).
            pub fn by_mch_order_no(mch_order_no: impl Into<String>) -> Self {
                Self::from_target(super::query::Target {
                    mch_order_no: super::query::non_empty(mch_order_no),
                    ..Default::default()
                })
            }

            /// A query by the platform order number (`orderNo`, preferred by the provider).
            pub fn by_order_no(order_no: impl Into<String>) -> Self {
                Self::from_target(super::query::Target {
                    order_no: super::query::non_empty(order_no),
                    ..Default::default()
                })
            }

            fn from_target(target: super::query::Target) -> Self {
                Self { target }
            }

            /// Also sends the merchant order number.
            #[must_use]
            pub fn with_mch_order_no(mut self, mch_order_no: impl Into<String>) -> Self {
                self.target.mch_order_no = super::query::non_empty(mch_order_no);
                self
            }

            /// Also sends the platform order number.
            #[must_use]
            pub fn with_order_no(mut self, order_no: impl Into<String>) -> Self {
                self.target.order_no = super::query::non_empty(order_no);
                self
            }

            /// The `nonceStr` (string(32)); by default the client draws a fresh one.
            #[must_use]
            pub fn nonce_str(mut self, nonce_str: impl Into<String>) -> Self {
                self.target.nonce_str = Some(nonce_str.into());
                self
            }
        }

        impl super::private::Sealed for $name {
            fn check(
                &self,
                _profiles: &crate::profile::Profiles,
                checks: &mut super::validate::Checks,
            ) {
                self.target.check(checks);
            }

            fn encode(
                &self,
                nonce: &str,
                _profiles: &crate::profile::Profiles,
                _codes: crate::types::CodeFormats,
            ) -> Result<Vec<u8>, crate::error::Error> {
                self.target.encode($op, nonce)
            }
        }

        impl super::Operation for $name {
            type Response = $response;
            const NAME: &'static str = $op;
            const PATH: &'static str = $path;
            const IDEMPOTENCY: super::Idempotency = super::Idempotency::Safe;
            const KIND: Option<super::OrderKind> = None;

            fn ids(&self) -> super::RequestIds<'_> {
                super::RequestIds::new(
                    self.target.mch_order_no.as_deref(),
                    self.target.order_no.as_deref(),
                    self.target.nonce_str.as_deref(),
                )
            }
        }
    };
}

/// The body of the calls that carry only `nonceStr`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NonceOnly<'a> {
    pub(crate) nonce_str: &'a str,
}

/// Declares a request type whose body is only `{"nonceStr":...}`.
macro_rules! nonce_request {
    (
        $(#[$meta:meta])*
        $name:ident {
            name: $op:literal,
            path: $path:literal,
            response: $response:ty,
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct $name {
            nonce_str: Option<String>,
        }

        impl $name {
            /// The request; the client draws a fresh `nonceStr`.
            pub fn new() -> Self {
                Self::default()
            }

            /// The `nonceStr` (string(32)); by default the client draws a fresh one.
            #[must_use]
            pub fn nonce_str(mut self, nonce_str: impl Into<String>) -> Self {
                self.nonce_str = Some(nonce_str.into());
                self
            }
        }

        impl super::private::Sealed for $name {
            fn check(
                &self,
                _profiles: &crate::profile::Profiles,
                checks: &mut super::validate::Checks,
            ) {
                checks.nonce(self.nonce_str.as_deref());
            }

            fn encode(
                &self,
                nonce: &str,
                _profiles: &crate::profile::Profiles,
                _codes: crate::types::CodeFormats,
            ) -> Result<Vec<u8>, crate::error::Error> {
                super::wire::to_bytes($op, &super::query::NonceOnly { nonce_str: nonce })
            }
        }

        impl super::Operation for $name {
            type Response = $response;
            const NAME: &'static str = $op;
            const PATH: &'static str = $path;
            const IDEMPOTENCY: super::Idempotency = super::Idempotency::Safe;
            const KIND: Option<super::OrderKind> = None;

            fn ids(&self) -> super::RequestIds<'_> {
                super::RequestIds::new(None, None, self.nonce_str.as_deref())
            }
        }
    };
}
