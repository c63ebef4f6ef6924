//! The one integration-test binary of the tokenpay crate.

mod addresses;
mod callbacks;
mod fixtures;
mod loopback;
mod props;
mod secrets;
mod support;
mod vectors;
