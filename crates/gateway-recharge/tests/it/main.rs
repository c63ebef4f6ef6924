//! The one integration-test binary of gateway-recharge: golden vectors, fixture snapshots,
//! loopback round trips, property tests and secret-redaction checks.

mod fixtures;
mod kinds;
mod loopback;
mod metrics;
mod props;
mod secrets;
mod support;
mod vectors;
