//! `payhub query <provider> <merchant-order-no>`: asks the provider about an order with the
//! provider crate's `reconcile` (reads are retried with backoff), and prints its state.

use crate::credentials::CredentialArgs;
use crate::error::CliError;
use crate::providers::{Provider, QueryKind};

/// Arguments of `payhub query`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The provider.
    provider: Provider,
    /// The merchant order number (the one given to `create --order-no`).
    order_no: String,
    /// Which kind of order (paydesk: payin, payout; tokenpay: payout).
    #[arg(long, value_enum, default_value_t)]
    kind: QueryKind,
    #[command(flatten)]
    creds: CredentialArgs,
    /// Print the result as one JSON object.
    #[arg(long, help_heading = "Output")]
    json: bool,
}

/// Runs `payhub query`.
///
/// # Errors
/// Missing credentials, an order the provider does not know, or the provider's typed error.
pub(crate) async fn run(args: Args) -> Result<(), CliError> {
    let creds = args.provider.credentials(&args.creds)?;
    let mut record = args
        .provider
        .query(&creds, args.order_no.trim(), args.kind)
        .await
        .map_err(|e| crate::providers::name_server(e, args.provider.base_url(&creds).as_deref()))?;
    if creds.account() != payhub::DEFAULT_ACCOUNT {
        record.put("merchant", creds.account());
    }
    crate::print(&record.render(args.json))
}
