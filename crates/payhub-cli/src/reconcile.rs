//! `payhub reconcile` and `payhub orders list`: the tracked orders of the store.
//!
//! Why: callbacks get lost for good now and then. Orders tracked in the store (`payhub create
//! --track`, `POST /v1/orders` of `payhub serve`) are settled by asking the provider:
//! `payhub serve --reconcile` does it continuously, `payhub reconcile --once` does one pass (for
//! a cron job). `payhub orders list` shows what is still open and why (the last status the
//! provider answered, the attempts, the next check, the last error).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use payhub::Hub;
use payhub_store::reconcile::{Rate, ReconcilerBuilder};
use payhub_store::{OrderFilter, OrderState, Reconciler, Store, TrackedOrder};
use serde_json::{Value, json};

use crate::error::{CliError, chain};
use crate::events::store_error;
use crate::output::Record;
use crate::providers::instant;

/// Arguments of `payhub reconcile`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReconcileArgs {
    /// One pass over the due orders, print what it did, and exit (for a cron job); without it,
    /// run until Ctrl-C or SIGTERM.
    #[arg(long)]
    once: bool,
    /// The accounts (payhub.toml) the orders are queried with.
    #[arg(long, value_name = "FILE", default_value = crate::credentials::DEFAULT_CONFIG)]
    config: PathBuf,
    /// The lease owner name of this reconciler.
    #[arg(long, value_name = "ID")]
    instance_id: Option<String>,
    #[command(flatten)]
    common: crate::events::Common,
    // Last: the flattened flags start their own help heading.
    #[command(flatten)]
    settings: ReconcileSettings,
}

/// The reconciler's settings, the same flags for `payhub serve --reconcile` and
/// `payhub reconcile`. Unset, each is the library's default.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Reconciler")]
pub(crate) struct ReconcileSettings {
    /// Provider queries per second per account, 1..=1000 [default: 5]. The cap holds within
    /// one reconciler: with several, divide the provider's limit among them.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    reconcile_rate: Option<u32>,
    /// Seconds a reconciler holds the orders it claimed, 1..=86400 [default: 60]. An instance
    /// that dies holding orders leaves them to the others after this. Must be longer than
    /// --reconcile-query-timeout and than two batches take (2 * batch / rate + query timeout: a
    /// batch is claimed while up to a batch of orders is still waiting or in flight).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    reconcile_lease: Option<u64>,
    /// Orders claimed at once, and the most status queries in flight, 1..=1000 [default: 32].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    reconcile_batch: Option<u32>,
    /// Seconds one provider query may take before it counts as an error, 1..=3600
    /// [default: 20].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    reconcile_query_timeout: Option<u64>,
}

impl ReconcileSettings {
    /// The library's defaults, for the checks below.
    const LEASE: u64 = 60;
    const QUERY_TIMEOUT: u64 = 20;

    /// The first flag given, if any (`payhub serve` refuses them without `--reconcile`).
    pub(crate) fn first_given(&self) -> Option<&'static str> {
        [
            (self.reconcile_rate.is_some(), "--reconcile-rate"),
            (self.reconcile_lease.is_some(), "--reconcile-lease"),
            (self.reconcile_batch.is_some(), "--reconcile-batch"),
            (
                self.reconcile_query_timeout.is_some(),
                "--reconcile-query-timeout",
            ),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }

    /// Checks what clap cannot: the lease must outlast one query.
    ///
    /// # Errors
    /// A usage error naming both flags.
    pub(crate) fn validate(&self) -> Result<(), CliError> {
        let (lease, timeout) = self.lease_and_timeout();
        if lease <= timeout {
            return Err(CliError::usage(format!(
                "--reconcile-lease ({lease} s) must be longer than --reconcile-query-timeout \
                 ({timeout} s{})",
                if self.reconcile_query_timeout.is_none() {
                    ", its default"
                } else {
                    ""
                }
            )));
        }
        Ok(())
    }

    fn lease_and_timeout(&self) -> (u64, u64) {
        (
            self.reconcile_lease.unwrap_or(Self::LEASE),
            self.reconcile_query_timeout.unwrap_or(Self::QUERY_TIMEOUT),
        )
    }

    /// A reconciler builder with these settings (checked by [`Self::validate`] first; the
    /// builder's own checks still apply at `build`).
    pub(crate) fn builder(&self, store: Store, hub: Arc<Hub>) -> ReconcilerBuilder {
        let (lease, timeout) = self.lease_and_timeout();
        let mut builder = Reconciler::builder(store, hub)
            .lease(Duration::from_secs(lease))
            .query_timeout(Duration::from_secs(timeout));
        if let Some(n) = self.reconcile_rate {
            builder = builder.account_rate(Rate::per_second(n));
        }
        if let Some(n) = self.reconcile_batch {
            builder = builder.batch_size(n);
        }
        builder
    }
}

/// Arguments of `payhub orders`.
#[derive(Debug, clap::Args)]
pub(crate) struct OrdersArgs {
    #[command(subcommand)]
    command: OrdersCommand,
}

#[derive(Debug, clap::Subcommand)]
enum OrdersCommand {
    /// List tracked orders, oldest first: state, last status, attempts, next check, last error.
    List {
        /// Only orders in this state.
        #[arg(long, value_name = "STATE", value_parser = ["pending", "settled", "given_up"])]
        state: Option<String>,
        /// Only orders of this provider.
        #[arg(long, value_name = "PROVIDER")]
        provider: Option<String>,
        /// At most this many orders.
        #[arg(long, value_name = "N", default_value_t = OrderFilter::DEFAULT_LIMIT)]
        limit: u32,
        /// Only orders with an id above this one (the next page).
        #[arg(long, value_name = "ID")]
        after: Option<i64>,
        #[command(flatten)]
        common: crate::events::Common,
    },
}

/// Runs `payhub reconcile`.
///
/// # Errors
/// An unreadable config, a store that cannot be reached.
pub(crate) async fn run(args: ReconcileArgs) -> Result<(), CliError> {
    args.settings.validate()?;
    let hub = Hub::from_config_file(&args.config).map_err(|e| {
        CliError::new(format!("cannot load the accounts: {}", chain(&e))).with_kind("config")
    })?;
    let store = crate::serve::connect_store(&args.common.store, false).await?;
    let mut builder = args.settings.builder(store.clone(), Arc::new(hub));
    if let Some(id) = &args.instance_id {
        builder = builder.owner(id.clone());
    }
    let reconciler = builder
        .build()
        .map_err(|e| CliError::new(format!("reconciler: {}", chain(&e))))?;
    if !args.once {
        reconciler.run(crate::serve::shutdown_signal()).await;
        store.close().await;
        return Ok(());
    }
    let report = reconciler.run_once().await.map_err(store_error)?;
    store.close().await;
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    let mut r = Record::new();
    r.int("checked", count(report.checked))
        .int("settled", count(report.settled))
        .int("rescheduled", count(report.rescheduled))
        .int("given_up", count(report.given_up))
        .int("errors", count(report.errors))
        .int("lost", count(report.lost));
    crate::print(&r.render(args.common.json))
}

/// Runs `payhub orders`.
///
/// # Errors
/// A store that cannot be reached.
pub(crate) async fn orders(args: OrdersArgs) -> Result<(), CliError> {
    let OrdersCommand::List {
        state,
        provider,
        limit,
        after,
        common,
    } = args.command;
    let store = crate::serve::connect_store(&common.store, false).await?;
    let mut filter = OrderFilter::new().limit(limit.clamp(1, OrderFilter::MAX_LIMIT));
    if let Some(state) = state {
        let state: OrderState = state
            .parse()
            .map_err(|_| CliError::usage(format!("--state: unknown state `{state}`")))?;
        filter = filter.state(state);
    }
    if let Some(p) = provider {
        filter = filter.provider(p);
    }
    if let Some(id) = after {
        filter = filter.after_id(id);
    }
    let orders = store.list_orders(&filter).await.map_err(store_error)?;
    store.close().await;
    let text = if common.json {
        let rows: Vec<Value> = orders.iter().map(|o| summary(o).1).collect();
        format!("{}\n", Value::Array(rows))
    } else {
        let mut out = String::new();
        for o in &orders {
            out.push_str(&summary(o).0);
            out.push('\n');
        }
        out
    };
    crate::print(&text)
}

/// One line, and the JSON object, of a tracked order.
fn summary(o: &TrackedOrder) -> (String, Value) {
    let next = (o.state == OrderState::Pending).then(|| instant(o.next_check_at));
    let mut line = format!(
        "{id}  {state:<8}  {provider}/{account}  {kind}  {no}  last_status={status}  attempts={attempts}",
        id = o.id,
        state = o.state.as_str(),
        provider = o.provider,
        account = o.account,
        kind = o.kind.as_str(),
        no = o.merchant_order_no,
        status = o.last_status.as_deref().unwrap_or("-"),
        attempts = o.attempts,
    );
    if let Some(next) = &next {
        line.push_str(&format!("  next_check={next}"));
    }
    if let Some(error) = &o.last_error {
        line.push_str(&format!("  last_error={error}"));
    }
    let value = json!({
        "id": o.id,
        "state": o.state.as_str(),
        "provider": o.provider,
        "account": o.account,
        "kind": o.kind.as_str(),
        "merchant_order_no": o.merchant_order_no,
        "provider_order_no": o.provider_order_no,
        "amount": o.amount.map(|a| a.to_string()),
        "currency": o.currency,
        "expires_at": o.expires_at.map(instant),
        "last_status": o.last_status,
        "attempts": o.attempts,
        "next_check_at": next,
        "last_error": o.last_error,
    });
    (line, value)
}
