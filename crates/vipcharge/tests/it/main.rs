//! The one integration-test binary of vipcharge: golden vectors, fixture snapshots, loopback
//! round trips, configuration and key handling, secrecy, and property tests.

mod config;
mod fixtures;
mod freshness;
mod loopback;
mod props;
mod secrets;
mod support;
mod vectors;
