//! paydesk sandbox module. Owned by the `paydesk` provider issue, which replaces this file;
//! until then it registers no routes. See the crate README, "Adding a provider module".

use std::sync::Arc;

use axum::Router;

use crate::{ConfigError, ProviderConfig, ProviderCtx, ProviderModule};

/// The paydesk module (no routes yet).
#[derive(Debug, Default)]
pub struct Paydesk;

impl ProviderModule for Paydesk {
    fn name(&self) -> &'static str {
        "paydesk"
    }

    fn router(&self, _ctx: ProviderCtx) -> Router {
        Router::new()
    }
}

/// Builds the module from `[providers.paydesk]`.
///
/// # Errors
/// None yet.
pub fn build(_config: &ProviderConfig) -> Result<Arc<dyn ProviderModule>, ConfigError> {
    Ok(Arc::new(Paydesk))
}
