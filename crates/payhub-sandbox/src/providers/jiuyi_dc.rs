//! jiuyi-dc (91 card) sandbox module. Owned by the `jiuyi-dc` provider issue, which replaces this file;
//! until then it registers no routes. See the crate README, "Adding a provider module".

use std::sync::Arc;

use axum::Router;

use crate::{ConfigError, ProviderConfig, ProviderCtx, ProviderModule};

/// The jiuyi-dc module (no routes yet).
#[derive(Debug, Default)]
pub struct JiuyiDc;

impl ProviderModule for JiuyiDc {
    fn name(&self) -> &'static str {
        "jiuyi_dc"
    }

    fn router(&self, _ctx: ProviderCtx) -> Router {
        Router::new()
    }
}

/// Builds the module from `[providers.jiuyi_dc]`.
///
/// # Errors
/// None yet.
pub fn build(_config: &ProviderConfig) -> Result<Arc<dyn ProviderModule>, ConfigError> {
    Ok(Arc::new(JiuyiDc))
}
