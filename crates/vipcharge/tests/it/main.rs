//! The one integration-test binary of vipcharge: golden vectors, fixture snapshots, loopback
//! round trips, configuration and key handling, secrecy, and property tests.

mod fixtures;
mod support;
mod vectors;
