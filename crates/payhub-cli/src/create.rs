//! `payhub create <provider>`: builds the provider's typed create request from flags and
//! `--set name=value`, sends it once, and prints the typed reply.
//!
//! The request per provider: gateway-recharge collection order (`/gateway/recharge`), paydesk
//! cashier order (`/api/payDesk`), tokenpay prepayment (`/v1/transaction/prepayment`),
//! vipcharge VIP direct recharge (`/v1/openapi/order/VIPCharge`), jiuyi-dc direct recharge
//! (`/dcapi/pay`). A create is never resent: when its outcome is unknown the exit code is 2;
//! run `payhub query` before trying again.

use crate::credentials::CredentialArgs;
use crate::error::{CliError, EXIT_OUTCOME_UNKNOWN};
use crate::providers::{self, Op, Provider};
use crate::template;

/// Arguments of `payhub create`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Fields without a flag go in with --set, by their wire names, e.g. \
    --set goodsSubject=Coffee (paydesk) or --set order_type=merchant_order (tokenpay); \
    --template prints a complete example.\n\
    Exit codes: 0 created; 1 error; 2 outcome unknown (the order may exist: run \
    `payhub query PROVIDER ORDER` before sending again); 64 usage error (nothing was sent)."
)]
pub(crate) struct Args {
    /// The provider.
    provider: Provider,
    /// Print a complete example of this provider's create (a command line; the JSON object of
    /// wire fields with --json) and exit.
    #[arg(long)]
    template: bool,
    #[command(flatten)]
    order: OrderArgs,
    #[command(flatten)]
    creds: CredentialArgs,
    #[command(flatten)]
    track: TrackArgs,
    /// Print the result as one JSON object.
    #[arg(long, help_heading = "Output")]
    json: bool,
}

/// Tracking the created order for the reconciler.
#[derive(Debug, Default, clap::Args)]
#[command(next_help_heading = "Tracking (payhub reconcile)")]
struct TrackArgs {
    /// After the create (also when its outcome is unknown), track the order in --store so
    /// `payhub reconcile` / `payhub serve --reconcile` settles it even if its callback is lost.
    #[arg(long)]
    track: bool,
    /// The store to track it in (`sqlite://payhub.db`, `postgres://user@host/db`).
    #[arg(long, value_name = "URL", env = "PAYHUB_STORE", hide_env_values = true)]
    store: Option<String>,
    /// When the reconciler first asks the provider: `now`, or an RFC 3339 date-time. Default:
    /// the provider's cadence (1–2 minutes, when its first callback would have come).
    #[arg(long, value_name = "WHEN", requires = "track")]
    first_check: Option<String>,
}

/// Money unit of a jiuyi-dc price ceiling (`money_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum MoneyUnit {
    /// 元 (`money_type=2`), at most two decimals.
    Yuan,
    /// 分 (`money_type=1`), a whole number.
    Fen,
}

/// The order fields as flags. Each applies to the providers named in its help; the others
/// refuse it, naming the flags they take.
#[derive(Debug, Default, clap::Args)]
#[command(next_help_heading = "Order fields")]
struct OrderArgs {
    /// Merchant order number (paydesk mchOrderNo, gateway-recharge order_no, tokenpay
    /// out_trade_no, vipcharge bizCode, jiuyi-dc out_order_id).
    #[arg(long, value_name = "NO")]
    order_no: Option<String>,
    /// Amount in major units, exact decimal (paydesk, gateway-recharge, tokenpay; jiuyi-dc price
    /// ceiling with --money-unit). A negative value reaches the provider's validation.
    #[arg(long, value_name = "DECIMAL", allow_hyphen_values = true)]
    amount: Option<String>,
    /// Currency code (paydesk e.g. TZS, tokenpay e.g. USDT).
    #[arg(long, value_name = "CODE")]
    currency: Option<String>,
    /// Where the provider sends callbacks (all five).
    #[arg(long, value_name = "URL")]
    notify_url: Option<String>,
    /// Where the payer's browser goes afterwards (paydesk, gateway-recharge, tokenpay).
    #[arg(long, value_name = "URL")]
    return_url: Option<String>,
    /// Remark (paydesk, gateway-recharge).
    #[arg(long)]
    remark: Option<String>,
    /// gateway-recharge: the end user's id.
    #[arg(long)]
    customer: Option<String>,
    /// gateway-recharge: the end user's IP address.
    #[arg(long)]
    ip: Option<String>,
    /// paydesk: the payer's mobile-money wallet number.
    #[arg(long, value_name = "NUMBER")]
    mobile_money_phone: Option<String>,
    /// paydesk: the payer's name.
    #[arg(long, value_name = "NAME")]
    real_name: Option<String>,
    /// paydesk: the payer's phone number.
    #[arg(long)]
    phone: Option<String>,
    /// paydesk: the payer's email.
    #[arg(long)]
    email: Option<String>,
    /// Validity in seconds (paydesk expireTime, tokenpay expire_second).
    #[arg(long, value_name = "SECS")]
    expire_seconds: Option<u64>,
    /// tokenpay: the chain (TRON, ETHEREUM, BSC).
    #[arg(long)]
    chain: Option<String>,
    /// tokenpay: the order description.
    #[arg(long)]
    description: Option<String>,
    /// tokenpay: the receiving wallet.
    #[arg(long, value_name = "ADDRESS")]
    to_address: Option<String>,
    /// tokenpay: a value echoed back in callbacks.
    #[arg(long)]
    attach: Option<String>,
    /// tokenpay: the cashier language (zh_cn, en).
    #[arg(long)]
    locale: Option<String>,
    /// vipcharge: the product code.
    #[arg(long, value_name = "CODE")]
    product_code: Option<String>,
    /// The account to recharge (vipcharge, jiuyi-dc).
    #[arg(long)]
    account: Option<String>,
    /// vipcharge: the user's mobile number.
    #[arg(long)]
    mobile: Option<String>,
    /// jiuyi-dc: the product id.
    #[arg(long, value_name = "ID")]
    card_id: Option<String>,
    /// jiuyi-dc: the quantity.
    #[arg(long)]
    number: Option<u32>,
    /// jiuyi-dc: the unit of --amount (money_type).
    #[arg(long, value_name = "UNIT", requires = "amount")]
    money_unit: Option<MoneyUnit>,
    /// jiuyi-dc: refuse the order when the product is out of stock (check=1).
    #[arg(long)]
    stock_check: bool,
    /// Any other field of the request, by its wire name (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
}

impl OrderArgs {
    /// The flags given, by flag name.
    fn flags(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut put = |name: &'static str, value: Option<String>| {
            if let Some(v) = value {
                out.push((name, v));
            }
        };
        put("order-no", self.order_no.clone());
        put("amount", self.amount.clone());
        put("currency", self.currency.clone());
        put("notify-url", self.notify_url.clone());
        put("return-url", self.return_url.clone());
        put("remark", self.remark.clone());
        put("customer", self.customer.clone());
        put("ip", self.ip.clone());
        put("mobile-money-phone", self.mobile_money_phone.clone());
        put("real-name", self.real_name.clone());
        put("phone", self.phone.clone());
        put("email", self.email.clone());
        put("expire-seconds", self.expire_seconds.map(|s| s.to_string()));
        put("chain", self.chain.clone());
        put("description", self.description.clone());
        put("to-address", self.to_address.clone());
        put("attach", self.attach.clone());
        put("locale", self.locale.clone());
        put("product-code", self.product_code.clone());
        put("account", self.account.clone());
        put("mobile", self.mobile.clone());
        put("card-id", self.card_id.clone());
        put("number", self.number.map(|n| n.to_string()));
        put(
            "money-unit",
            self.money_unit.map(|u| match u {
                MoneyUnit::Yuan => "2".to_owned(),
                MoneyUnit::Fen => "1".to_owned(),
            }),
        );
        put("stock-check", self.stock_check.then(|| "1".to_owned()));
        out
    }
}

/// Runs `payhub create`.
///
/// # Errors
/// A usage problem, missing credentials, or the provider's typed error.
pub(crate) async fn run(args: Args) -> Result<(), CliError> {
    let provider = args.provider;
    if args.template {
        return crate::print(&if args.json {
            template::json(provider, Op::Create)
        } else {
            template::command_line(provider)
        });
    }
    // The order number, for the advice after an unknown outcome.
    let order_wire = provider
        .create_flags()
        .iter()
        .find(|(flag, _)| *flag == "order-no")
        .map(|(_, wire)| *wire);
    let order_no = args.order.order_no.clone().or_else(|| {
        args.order.set.iter().find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            (Some(name.trim()) == order_wire).then(|| value.to_owned())
        })
    });
    if provider == Provider::JiuyiDc
        && args.order.amount.is_some()
        && args.order.money_unit.is_none()
    {
        return Err(CliError::usage(
            "jiuyi-dc: --amount is a price ceiling; give its unit with --money-unit yuan|fen",
        ));
    }
    let creds = provider.credentials(&args.creds)?;
    let fields = providers::create_fields(provider, args.order.flags(), &args.order.set)?;
    // Everything tracking needs is checked before anything is sent.
    let tracking = if args.track.track {
        Some(Tracking::prepare(provider, &args, order_no.as_deref(), creds.account()).await?)
    } else {
        None
    };
    let created = provider.create(&creds, fields).await.map_err(|e| {
        let e = providers::name_server(e, provider.base_url(&creds).as_deref());
        if e.exit_code() == EXIT_OUTCOME_UNKNOWN {
            e.hint(providers::query_hint(provider, order_no.as_deref()))
        } else {
            e
        }
    });
    let mut record = match (created, &tracking) {
        (Ok(record), _) => record,
        (Err(e), Some(t)) if e.exit_code() == EXIT_OUTCOME_UNKNOWN => {
            // The order may exist: the reconciler settles it either way.
            return Err(match t.track(None).await {
                Ok(id) => e.hint(format!("tracked as order {id} for `payhub reconcile`")),
                Err(te) => e.hint(format!("and it could not be tracked: {te}")),
            });
        }
        (Err(e), _) => return Err(e),
    };
    if creds.account() != payhub::DEFAULT_ACCOUNT {
        record.put("merchant", creds.account());
    }
    if let Some(t) = &tracking {
        let id = t.track(Some(&record)).await.map_err(|e| {
            e.map_message(|m| format!("the order was created but not tracked: {m}"))
        })?;
        record.int("tracked", u64::try_from(id).unwrap_or_default());
    }
    crate::print(&record.render(args.json))
}

/// What `--track` records, prepared before the create is sent.
struct Tracking {
    store: payhub_store::Store,
    order: payhub_store::NewOrder,
    provider: Provider,
}

impl Tracking {
    async fn prepare(
        provider: Provider,
        args: &Args,
        order_no: Option<&str>,
        account: &str,
    ) -> Result<Self, CliError> {
        use payhub_store::{NewOrder, OrderKind};
        let Some(url) = &args.track.store else {
            return Err(CliError::usage(
                "--track needs --store URL (or PAYHUB_STORE)",
            ));
        };
        let Some(order_no) = order_no.filter(|n| !n.is_empty()) else {
            return Err(CliError::usage("--track needs --order-no"));
        };
        let kind = match provider {
            Provider::Vipcharge | Provider::JiuyiDc => OrderKind::Recharge,
            _ => OrderKind::Checkout,
        };
        let mut order = NewOrder::new(provider.hub().name(), account, kind, order_no);
        if kind == OrderKind::Checkout
            && let Some(amount) = &args.order.amount
        {
            let amount: rust_decimal::Decimal = amount
                .trim()
                .parse()
                .map_err(|_| CliError::usage(format!("--amount: `{amount}` is not a decimal")))?;
            order = order.amount(amount, args.order.currency.clone());
        }
        if let Some(secs) = args.order.expire_seconds {
            let secs = i64::try_from(secs).unwrap_or(i64::MAX);
            order = order.expires_at(
                time::OffsetDateTime::now_utc().saturating_add(time::Duration::seconds(secs)),
            );
        }
        order.first_check_at = Some(match args.track.first_check.as_deref() {
            Some("now") => order.created_at,
            Some(at) => {
                time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                    .map_err(|_| {
                        CliError::usage(format!(
                            "--first-check: `{at}` is neither `now` nor an RFC 3339 date-time"
                        ))
                    })?
            }
            None => payhub_store::reconcile::Cadence::for_provider(provider.hub())
                .first_check(order.created_at),
        });
        let store = crate::serve::connect_store(url, true).await?;
        Ok(Self {
            store,
            order,
            provider,
        })
    }

    /// Tracks the order, with what the provider answered (`None`: the outcome is unknown).
    async fn track(&self, created: Option<&crate::output::Record>) -> Result<i64, CliError> {
        let mut order = self.order.clone();
        if let Some(r) = created {
            let key = match self.provider {
                Provider::GatewayRecharge => "trade_no",
                Provider::JiuyiDc => "order_id",
                Provider::Paydesk => "order_no",
                Provider::Tokenpay => "prepay_id",
                Provider::Vipcharge => "order_code",
            };
            if let Some(no) = r.get(key).filter(|n| !n.is_empty()) {
                order = order.provider_order_no(no);
            }
            let expires = r.get("expires_at").and_then(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            });
            if let Some(at) = expires {
                order = order.expires_at(at);
            }
        }
        let tracked = self
            .store
            .track(&order)
            .await
            .map_err(crate::events::store_error)?;
        Ok(tracked.id())
    }
}
