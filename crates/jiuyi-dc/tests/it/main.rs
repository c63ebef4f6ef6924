//! The one integration-test binary of jiuyi-dc: golden vectors, fixture snapshots, signed strings
//! per optional-field combination, loopback round trips, property tests and secret hygiene.

mod config;
mod loopback;
mod pay_combos;
mod props;
mod secrets;
mod snapshots;
mod support;
mod vectors;
