//! The transport runtime every payhub provider crate shares, so that the five crates behave the
//! same where behaviour is not provider-specific.
//!
//! - [`PreparedRequest`]: a signed request as pure data (method, path, headers, body, and the
//!   signed string with the secret masked). Provider crates build these without any I/O, which is
//!   what the fixture snapshot tests capture.
//! - [`Transport`]: sends a `PreparedRequest` (hyper's client over rustls, or an injected
//!   reqwest client): `https` required except for loopback,
//!   connect and total timeouts, redirects never followed for signed requests, response bodies
//!   read with a size cap. Errors say whether the request may have reached the provider
//!   ([`TransportError::outcome_unknown`]), because a create whose outcome is unknown must be
//!   reconciled by a query, never blindly resent.
//! - [`RetryPolicy`]: jittered exponential backoff for idempotent calls, inside one
//!   [`Deadline`] per call that every attempt and pause shares
//!   ([`TransportConfig::call_deadline`], default: the per-attempt `timeout`).
//! - [`Clock`] and [`NonceSource`]: injectable so fixtures are byte-stable.
//! - [`Pipeline`]: the one call loop (prepare -> send -> classify -> retry -> parse) every
//!   provider crate runs, in one `payhub.call` span with one schema, recording the
//!   [`metrics`]. A provider supplies only a [`Protocol`] value. [`ClientOptions`] holds what
//!   every client has ([`client_options_setters!`] gives each builder the same setters);
//!   [`Reconciliation`], [`Ack`] and [`open_enum!`] are the shared result, callback reply and
//!   open-enum vocabulary.
//!
//! ```
//! use payhub_runtime::{Method, PreparedRequest};
//! let req = PreparedRequest::new("getBalance", Method::Post, "/api/getBalance")
//!     .header("MerchantId", "1002001")
//!     .sensitive_header("Sign", "D8DC6AC630F87E8E3540E9AE27713F22")
//!     .body("application/json", br#"{"nonceStr":"4190026990"}"#.to_vec());
//! assert!(!format!("{req:?}").contains("D8DC6AC6"));
//! assert!(req.render().contains("Sign: D8DC6AC630F87E8E3540E9AE27713F22"));
//! ```
#![forbid(unsafe_code)]

mod ack;
mod base_url;
mod clock;
mod deadline;
mod direct;
mod error;
mod freshness;
pub mod metrics;
mod nonce;
#[doc(hidden)]
pub mod open_enum;
mod options;
mod pipeline;
mod reconcile;
mod request;
mod retry;
#[cfg(feature = "test-util")]
pub mod test_util;
mod transport;

pub use ack::{Ack, AckWords, AnyProvider};
pub use options::{ClientOptions, DEFAULT_MAX_NOTIFY_BODY_BYTES, OptionsError};
pub use pipeline::{Call, Disposition, Pipeline, Protocol};
pub use reconcile::Reconciliation;

pub use base_url::{BaseUrlError, parse_base_url};
pub use clock::{Clock, FixedClock, SystemClock};
pub use deadline::Deadline;
pub use error::{NoSuchRoute, TransportError, TransportErrorKind};
pub use freshness::{Staleness, check_freshness};
pub use nonce::{FixedNonce, NonceSource, RandomAlphanumeric, RandomHex, RandomUuid};
pub use request::{Idempotency, Method, PreparedRequest};
pub use retry::RetryPolicy;
pub use transport::{RawResponse, Transport, TransportConfig};
