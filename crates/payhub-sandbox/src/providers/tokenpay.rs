//! tokenpay (TokenPay / TTPay) sandbox module. Owned by the `tokenpay` provider issue, which replaces this file;
//! until then it registers no routes. See the crate README, "Adding a provider module".

use std::sync::Arc;

use axum::Router;

use crate::{ConfigError, ProviderConfig, ProviderCtx, ProviderModule};

/// The tokenpay module (no routes yet).
#[derive(Debug, Default)]
pub struct Tokenpay;

impl ProviderModule for Tokenpay {
    fn name(&self) -> &'static str {
        "tokenpay"
    }

    fn router(&self, _ctx: ProviderCtx) -> Router {
        Router::new()
    }
}

/// Builds the module from `[providers.tokenpay]`.
///
/// # Errors
/// None yet.
pub fn build(_config: &ProviderConfig) -> Result<Arc<dyn ProviderModule>, ConfigError> {
    Ok(Arc::new(Tokenpay))
}
