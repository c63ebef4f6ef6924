//! `payhub events list | show | replay`: the events `payhub serve` recorded, for an operator.
//!
//! Why: when the merchant app missed or mishandled an event, someone has to see what was
//! received and send it again. `show` prints the stored facts but never the raw body or headers
//! (payers' data, signatures) unless `--raw` asks for them; `replay` puts the event back in the
//! forwarder's queue, due now (a running `payhub serve --forward-to` delivers it).

use payhub_store::{EventFilter, EventState, StoredEvent};
use serde_json::{Value, json};

use crate::error::{CliError, chain};
use crate::output::Record;
use crate::providers::instant;

/// Arguments of `payhub events`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// List stored events, oldest first (one line each).
    List {
        /// Only events in this state.
        #[arg(long, value_name = "STATE", value_parser = ["pending", "delivering", "delivered", "failed"])]
        state: Option<String>,
        /// Only events of this provider.
        #[arg(long, value_name = "PROVIDER")]
        provider: Option<String>,
        /// At most this many events.
        #[arg(long, value_name = "N", default_value_t = EventFilter::DEFAULT_LIMIT)]
        limit: u32,
        /// Only events with an id above this one (the next page).
        #[arg(long, value_name = "ID")]
        after: Option<i64>,
        #[command(flatten)]
        common: Common,
    },
    /// Print one stored event.
    Show {
        /// The event id.
        id: i64,
        /// Also print the raw headers and body received (payers' data and signatures).
        #[arg(long)]
        raw: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Deliver an event again: back to pending, due now, attempts reset.
    Replay {
        /// The event id.
        id: i64,
        #[command(flatten)]
        common: Common,
    },
}

/// The store and the output format.
#[derive(Debug, clap::Args)]
pub(crate) struct Common {
    /// The event store (`sqlite://payhub.db`, `postgres://user@host/db`).
    #[arg(long, value_name = "URL", env = "PAYHUB_STORE", hide_env_values = true)]
    pub(crate) store: String,
    /// Print JSON.
    #[arg(long, help_heading = "Output")]
    pub(crate) json: bool,
}

/// Runs `payhub events`.
///
/// # Errors
/// A store that cannot be reached, an unknown event id.
pub(crate) async fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        Command::List {
            state,
            provider,
            limit,
            after,
            common,
        } => {
            let store = crate::serve::connect_store(&common.store, false).await?;
            let mut filter = EventFilter::new().limit(limit.clamp(1, EventFilter::MAX_LIMIT));
            if let Some(state) = state {
                let state: EventState = state
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
            let events = store.list(&filter).await.map_err(store_error)?;
            let text = if common.json {
                let rows: Vec<Value> = events.iter().map(|e| summary(e).1).collect();
                format!("{}\n", Value::Array(rows))
            } else {
                let mut out = String::new();
                for e in &events {
                    out.push_str(&summary(e).0);
                    out.push('\n');
                }
                out
            };
            crate::print(&text)
        }
        Command::Show { id, raw, common } => {
            let store = crate::serve::connect_store(&common.store, false).await?;
            let event = store
                .get(id)
                .await
                .map_err(store_error)?
                .ok_or_else(|| CliError::new(format!("no event {id} in the store")))?;
            crate::print(&detail(&event, raw).render(common.json))
        }
        Command::Replay { id, common } => {
            let store = crate::serve::connect_store(&common.store, false).await?;
            if !store.replay(id).await.map_err(store_error)? {
                return Err(CliError::new(format!("no event {id} in the store")));
            }
            let mut r = Record::new();
            r.int("id", u64::try_from(id).unwrap_or_default())
                .put("state", EventState::Pending.as_str())
                .put(
                    "replayed",
                    "due now; a running `payhub serve --forward-to` delivers it",
                );
            crate::print(&r.render(common.json))
        }
    }
}

/// A store failure as a CLI error.
pub(crate) fn store_error(e: payhub_store::Error) -> CliError {
    CliError::new(format!("store: {}", chain(&e))).with_kind("store")
}

/// One line, and the JSON object, of an event in a list.
fn summary(e: &StoredEvent) -> (String, Value) {
    let line = format!(
        "{id}  {state:<10}  {provider}/{account}  {key}  attempts={attempts}{error}",
        id = e.id,
        state = e.state.as_str(),
        provider = e.provider,
        account = e.account,
        key = e.event_key,
        attempts = e.attempts,
        error = e
            .last_error
            .as_deref()
            .map(|err| format!("  last_error={err}"))
            .unwrap_or_default(),
    );
    let value = json!({
        "id": e.id,
        "state": e.state.as_str(),
        "provider": e.provider,
        "account": e.account,
        "event_key": e.event_key,
        "status": e.status,
        "merchant_order_no": e.merchant_order_no,
        "attempts": e.attempts,
        "received_at": instant(e.received_at),
        "next_attempt_at": instant(e.next_attempt_at),
        "last_error": e.last_error,
    });
    (line, value)
}

/// The fields of one event; the raw body and headers only with `raw`.
fn detail(e: &StoredEvent, raw: bool) -> Record {
    let mut r = Record::new();
    r.int("id", u64::try_from(e.id).unwrap_or_default())
        .put("state", e.state.as_str())
        .put("provider", &e.provider)
        .put("account", &e.account)
        .put("event_key", &e.event_key)
        .put("status", &e.status)
        .put("merchant_order_no", &e.merchant_order_no)
        .opt("provider_order_no", e.provider_order_no.as_deref())
        .opt("amount", e.amount)
        .opt("currency", e.currency.as_deref())
        .put("received_at", instant(e.received_at))
        .int("attempts", u64::from(e.attempts))
        .put("next_attempt_at", instant(e.next_attempt_at))
        .opt("delivered_at", e.delivered_at.map(instant))
        .opt("lease_owner", e.lease_owner.as_deref())
        .opt("last_error", e.last_error.as_deref());
    // The notification's facts; its `body` (the callback as received) only with --raw.
    let mut notification = e.notification.clone();
    if let (false, Value::Object(map)) = (raw, &mut notification) {
        map.remove("body");
    }
    if !notification.is_null() {
        r.put("notification", notification);
    }
    if raw {
        let headers: Vec<String> = e.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        r.put("raw_headers", headers.join("\n"))
            .put("raw_body", String::from_utf8_lossy(&e.body));
    }
    r
}
