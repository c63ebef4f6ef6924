//! A stateful local server that speaks the payhub providers' APIs, so merchant code and the
//! payhub clients can be tested end to end without accounts, money or network.
//!
//! - Real HTTP/1.1 on `127.0.0.1` (chosen or ephemeral port), started in-process with
//!   [`Sandbox::builder`] or as the `payhub-sandbox` binary.
//! - One module per provider under `/<provider>/` (see [`providers`]): documented paths,
//!   signature checks with the configured test credentials, field validation and the
//!   provider's own success and error replies.
//! - Orders kept in memory with their state; expiry, duplicates refused the provider's way.
//!   Final orders are removed an hour of sandbox time after they settled
//!   ([`SandboxBuilder::order_retention`]), so long load tests stay flat; balances do not move.
//! - Signed callbacks on each state change, retried on the provider's schedule, every attempt
//!   recorded; a [`SandboxClock`] that runs fast or is advanced by hand.
//! - Fault injection ([`FaultRule`]) per route or order: delays, 5xx, connections closed
//!   mid-body, HTML error pages, truncated JSON, wrong signatures.
//! - A control API under `/_sandbox/` and the same as [`SandboxHandle`] methods; HTML pages
//!   under `/_sandbox/ui` (orders, one order's callback timeline, pay / fail / expire and
//!   clock buttons) to look at it with a browser.
//! - [`SandboxHandle::shutdown`] lets requests in flight finish (5 s by default), then closes
//!   what is still open (half-sent requests) and succeeds.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use payhub_sandbox::Sandbox;
//!
//! let sandbox = Sandbox::builder().clock_speed(0).start().await?;
//! let base = sandbox.provider_url("paydesk"); // give this to paydesk::Client
//! assert!(base.starts_with("http://127.0.0.1:"));
//! sandbox.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! Writing a provider module: see [`ProviderModule`] and the README section "Adding a provider
//! module".
#![forbid(unsafe_code)]

mod body;
mod callback;
mod clock;
mod config;
mod conn;
mod control;
mod error;
mod fault;
mod fields;
mod layers;
mod page;
mod provider;
pub mod providers;
mod sandbox;
mod shared;
mod signals;
mod store;
mod ui;

pub use body::{DEFAULT_BODY_LIMIT, RawBody};
pub use callback::{
    AckRule, Attempt, CallbackPolicy, CallbackRecord, CallbackStatus, Notify, RetrySchedule,
    ScheduleAnchor,
};
pub use clock::{SandboxClock, SandboxTime};
pub use config::{
    CallbacksConfig, ClockConfig, ConfigError, DEFAULT_ORDER_RETENTION, OrdersConfig,
    ProviderConfig, SandboxConfig, ServerConfig,
};
pub use error::{Error, Result};
pub use fault::{FaultKind, FaultRule, FaultStatus, FaultTarget, Trigger};
pub use fields::{FieldError, FieldProblem, JsonFields};
pub use provider::{
    ChangeCause, Credential, ProviderCtx, ProviderModule, Rejection, StateChange, TransitionError,
    TransitionPlan,
};
pub use sandbox::{DEFAULT_SHUTDOWN_GRACE, ProviderInfo, Sandbox, SandboxBuilder, SandboxHandle};
pub use signals::Signals;
pub use store::{DuplicateOrder, NewOrder, Order, OrderFilter, OrderState, OrderStore};
