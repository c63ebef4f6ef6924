//! vipcharge sandbox module. Owned by the `vipcharge` provider issue, which replaces this file;
//! until then it registers no routes. See the crate README, "Adding a provider module".

use std::sync::Arc;

use axum::Router;

use crate::{ConfigError, ProviderConfig, ProviderCtx, ProviderModule};

/// The vipcharge module (no routes yet).
#[derive(Debug, Default)]
pub struct Vipcharge;

impl ProviderModule for Vipcharge {
    fn name(&self) -> &'static str {
        "vipcharge"
    }

    fn router(&self, _ctx: ProviderCtx) -> Router {
        Router::new()
    }
}

/// Builds the module from `[providers.vipcharge]`.
///
/// # Errors
/// None yet.
pub fn build(_config: &ProviderConfig) -> Result<Arc<dyn ProviderModule>, ConfigError> {
    Ok(Arc::new(Vipcharge))
}
