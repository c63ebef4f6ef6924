//! The provider modules and the registration list the frame builds them from.
//!
//! Each provider lives in `providers/<name>.rs` and exposes
//! `pub fn build(config: &ProviderConfig) -> Result<Arc<dyn ProviderModule>, ConfigError>`,
//! listed in [`REGISTRY`]. A module that is not written yet registers no routes.

use std::sync::Arc;

use crate::config::{ConfigError, ProviderConfig};
use crate::provider::ProviderModule;

pub mod gateway_recharge;
pub mod jiuyi_dc;
pub mod paydesk;
pub mod tokenpay;
pub mod vipcharge;

/// How the frame builds one module from its `[providers.<name>]` table.
#[derive(Clone, Copy, Debug)]
pub struct Registration {
    /// The module name (must equal [`ProviderModule::name`]).
    pub name: &'static str,
    /// Builds the module from its config section (an empty table when absent).
    pub build: fn(&ProviderConfig) -> Result<Arc<dyn ProviderModule>, ConfigError>,
}

/// Every built-in module, in the order they are mounted.
pub const REGISTRY: &[Registration] = &[
    Registration {
        name: "paydesk",
        build: paydesk::build,
    },
    Registration {
        name: "gateway_recharge",
        build: gateway_recharge::build,
    },
    Registration {
        name: "vipcharge",
        build: vipcharge::build,
    },
    Registration {
        name: "jiuyi_dc",
        build: jiuyi_dc::build,
    },
    Registration {
        name: "tokenpay",
        build: tokenpay::build,
    },
];
