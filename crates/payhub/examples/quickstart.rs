//! Quickstart: the whole payhub flow on all five providers, on this machine, in a few seconds.
//!
//! ```text
//! cargo run -p payhub --example quickstart --features full
//! ```
//!
//! 1. Starts the embedded sandbox (`payhub-sandbox`) on 127.0.0.1: no network, no accounts.
//! 2. Starts a callback endpoint on 127.0.0.1 (an ephemeral port) built with
//!    [`payhub::axum::notify_routes`] over the same hub (a [`NotifyRouter`] with an
//!    [`InMemoryDeduper`]), handing every verified notification to our handler; served with
//!    [`payhub::axum::serve`] (timeouts and a connection cap).
//! 3. Creates an order on each provider through the registry ([`Hub`]) from one order shape:
//!    a [`CheckoutRequest`] for gateway-recharge, paydesk and tokenpay, a [`RechargeRequest`]
//!    for vipcharge and jiuyi-dc, with the callback URL
//!    `http://127.0.0.1:PORT/callbacks/<provider>`.
//! 4. Marks each order paid in the sandbox, which sends the provider's signed callback.
//! 5. Waits (bounded) until each callback was verified on its raw bytes, checked against our own
//!    record of the order with [`Expected`], and acknowledged with the provider's exact reply.
//! 6. Queries each order's status back and prints a table. Exits 0 only if all five succeeded.
//!
//! `RUST_LOG=debug` (or `payhub=info`, ...) shows the SDK's tracing output on stderr.

#![forbid(unsafe_code)]
#![allow(clippy::print_stdout)] // Reason: an example's output is its table.

use std::convert::Infallible;
use std::fmt::Display;
use std::future::IntoFuture as _;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use payhub::{
    CheckoutRequest, Customer, Expected, GatewayRechargeAccount, Hub, InMemoryDeduper,
    JiuyiDcAccount, Notification, NotifyRouter, PaydeskAccount, PaymentStatus, Provider,
    RechargeRequest, TokenpayAccount, VipchargeAccount, gateway_recharge, jiuyi_dc, paydesk,
    tokenpay, vipcharge,
};
use payhub_sandbox::{OrderState, Sandbox, SandboxHandle};
use rust_decimal::Decimal;

/// The whole run, sandbox start to shutdown, must finish within this.
const OVERALL: Duration = Duration::from_secs(30);
/// How long to wait for the callbacks once the orders are paid (jiuyi-dc sends its first one
/// after a second; the others at once).
const CALLBACK_WAIT: Duration = Duration::from_secs(20);
/// Each HTTP exchange with the sandbox.
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    // The SDK's tracing output on stderr when RUST_LOG asks for it (default: warnings only).
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let started = Instant::now();
    match tokio::time::timeout(OVERALL, run()).await {
        Ok(Ok(rows)) => {
            print_table(&rows);
            let failed: Vec<&Row> = rows.iter().filter(|r| r.failure.is_some()).collect();
            if failed.is_empty() {
                println!(
                    "\nall five providers: order created, paid, callback verified, matched and acknowledged, status paid ({:.1} s)",
                    started.elapsed().as_secs_f64()
                );
                ExitCode::SUCCESS
            } else {
                for r in failed {
                    eprintln!(
                        "quickstart failed: {}: {}",
                        r.provider,
                        r.failure.as_deref().unwrap_or_default()
                    );
                }
                ExitCode::FAILURE
            }
        }
        Ok(Err(e)) => {
            eprintln!("quickstart failed: {e}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("quickstart failed: not finished within {OVERALL:?}");
            ExitCode::FAILURE
        }
    }
}

/// One line of the table.
#[derive(Debug)]
struct Row {
    provider: Provider,
    merchant_order_no: String,
    provider_order_no: String,
    /// The payment URL (checkout) or the receipt (recharge).
    shown: String,
    callback: String,
    ack: String,
    status: String,
    /// Why this provider did not succeed.
    failure: Option<String>,
}

impl Row {
    fn new(provider: Provider, merchant_order_no: &str) -> Self {
        Self {
            provider,
            merchant_order_no: merchant_order_no.to_owned(),
            provider_order_no: "-".into(),
            shown: "-".into(),
            callback: "-".into(),
            ack: "-".into(),
            status: "-".into(),
            failure: None,
        }
    }

    fn fail(&mut self, step: &str, e: impl Display) {
        if self.failure.is_none() {
            self.failure = Some(format!("{step}: {e}"));
        }
    }
}

/// Every notification our handler was given (verified and deduplicated by the router).
#[derive(Clone, Debug, Default)]
struct Inbox(Arc<Mutex<Vec<Notification>>>);

impl Inbox {
    fn push(&self, n: Notification) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(n);
    }

    /// The paid notification of `provider`'s order `order_no`, once it arrived.
    fn paid(&self, provider: Provider, order_no: &str) -> Option<Notification> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|n| {
                n.provider() == provider
                    && n.facts().merchant_order_no == order_no
                    && n.status().is_paid()
            })
            .cloned()
    }
}

/// The five clients, configured with the sandbox's URLs and test credentials.
struct Clients {
    gateway_recharge: gateway_recharge::Client,
    jiuyi_dc: jiuyi_dc::Client,
    paydesk: paydesk::Client,
    tokenpay: tokenpay::Client,
    vipcharge: vipcharge::Client,
}

/// A sandbox credential by its label (sandbox-only test values).
fn cred(sandbox: &SandboxHandle, module: &str, label: &str) -> Result<String, String> {
    sandbox
        .credentials(module)
        .into_iter()
        .find(|c| c.label() == label)
        .map(|c| c.value().to_owned())
        .ok_or_else(|| format!("the sandbox publishes no `{label}` for `{module}`"))
}

fn clients(sb: &SandboxHandle) -> Result<Clients, String> {
    let paydesk_merchant = cred(sb, "paydesk", "MerchantId")?;
    let paydesk_merchant = u64::from_str(&paydesk_merchant)
        .map_err(|e| format!("paydesk MerchantId `{paydesk_merchant}`: {e}"))?;
    Ok(Clients {
        gateway_recharge: gateway_recharge::Client::builder(
            cred(sb, "gateway_recharge", "merchant_no")?,
            cred(sb, "gateway_recharge", "key")?,
        )
        .base_url(sb.provider_url("gateway_recharge"))
        .timeout(HTTP_TIMEOUT)
        .build()
        .map_err(|e| format!("gateway-recharge client: {e}"))?,
        jiuyi_dc: jiuyi_dc::Client::builder(
            cred(sb, "jiuyi_dc", "appid")?,
            cred(sb, "jiuyi_dc", "appsecret")?,
        )
        .base_url(sb.provider_url("jiuyi_dc"))
        .timeout(HTTP_TIMEOUT)
        .build()
        .map_err(|e| format!("jiuyi-dc client: {e}"))?,
        paydesk: paydesk::Client::builder(paydesk_merchant, cred(sb, "paydesk", "apiKey")?)
            .base_url(sb.provider_url("paydesk"))
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| format!("paydesk client: {e}"))?,
        tokenpay: tokenpay::Client::builder(
            cred(sb, "tokenpay", "app_id")?,
            cred(sb, "tokenpay", "mch_id")?,
            cred(sb, "tokenpay", "app_secret")?,
        )
        .base_url(sb.provider_url("tokenpay"))
        .timeout(HTTP_TIMEOUT)
        .build()
        .map_err(|e| format!("tokenpay client: {e}"))?,
        // MD5 here; `Credentials::sha256_rsa_pem` + `platform_public_key` for the RSA sign type.
        vipcharge: vipcharge::Client::builder(
            cred(sb, "vipcharge", "merchantId")?,
            cred(sb, "vipcharge", "businessId")?,
            vipcharge::Credentials::md5(cred(sb, "vipcharge", "secret (MD5)")?),
        )
        .base_url(sb.provider_url("vipcharge"))
        .timeout(HTTP_TIMEOUT)
        .build()
        .map_err(|e| format!("vipcharge client: {e}"))?,
    })
}

/// The registry: one account per provider (named "default"), calling and verifying with the
/// credentials of its client. Several accounts per provider, key rotation and `payhub.toml`:
/// see the `Hub` docs.
fn hub(c: Clients) -> Result<Hub, String> {
    Hub::builder()
        .account(GatewayRechargeAccount::new("default", c.gateway_recharge))
        .account(JiuyiDcAccount::new("default", c.jiuyi_dc))
        .account(PaydeskAccount::new("default", c.paydesk))
        .account(TokenpayAccount::new("default", c.tokenpay))
        .account(
            VipchargeAccount::new("default", c.vipcharge)
                .map_err(|e| format!("vipcharge account: {e}"))?,
        )
        .deduper(Arc::new(InMemoryDeduper::new(
            10_000,
            Duration::from_secs(24 * 3600),
        )))
        .build()
        .map_err(|e| format!("hub: {e}"))
}

/// An order placed on one provider, with what our own records expect its callback to say.
struct Placed {
    row: Row,
    expected: Expected,
}

/// One order shape for every collection provider: each adapter takes what its provider needs
/// (and names what is missing before sending); the extras are each provider's own fields.
fn checkout_order(no: &str, amount: Decimal, currency: &str, notify: String) -> CheckoutRequest {
    CheckoutRequest::new(no, amount, currency)
        .description("Quickstart order")
        .notify_url(notify)
        .return_url("https://merchant.example/return")
        .customer(
            Customer::new()
                .id("user123")
                .ip("127.0.0.1")
                .name("Jeck")
                .phone("255700000001")
                .email("payer@example.com"),
        )
        .expires_in(Duration::from_secs(600))
        .extra(Provider::Paydesk, "mobile_money_phone", "721323213")
        .extra(Provider::Tokenpay, "chain", "TRON")
}

async fn place_orders(hub: &Hub, callbacks: &str) -> Vec<Placed> {
    let hook = |p: Provider| format!("{callbacks}/{p}");
    let mut placed = Vec::new();

    // Collection providers: a checkout returns where to send the payer.
    for (p, no, amount, currency) in [
        (
            Provider::GatewayRecharge,
            "QS-GW-0001",
            Decimal::new(10000, 2),
            "CNY",
        ),
        (Provider::Paydesk, "QS-PD-0001", Decimal::from(1000), "TZS"),
        (
            Provider::Tokenpay,
            "QS-TP-0001",
            Decimal::new(95, 1),
            "USDT",
        ),
    ] {
        let order = checkout_order(no, amount, currency, hook(p));
        let link = hub.checkout(p, None, &order).await;
        // WinPay and Cashy callbacks state no currency: only TokenPay's is checked.
        let mut expected = Expected::order(no).amount(amount);
        if p == Provider::Tokenpay {
            expected = expected.currency(currency);
        }
        placed.push(checkout_row(p, no, link, expected));
    }

    // Direct-recharge providers: a recharge returns a receipt.
    for (p, no, product, account) in [
        (Provider::Vipcharge, "QS-VC-0001", "87103", "w23b52"),
        (Provider::JiuyiDc, "QS-JY-0001", "43", "13800138000"),
    ] {
        let order = RechargeRequest::new(no, product, account).notify_url(hook(p));
        let receipt = hub.recharge(p, None, &order).await;
        // 91 card's notify carries no amount and no cost: only the order number can be checked.
        placed.push(recharge_row(p, no, receipt, p == Provider::Vipcharge));
    }
    placed
}

fn checkout_row(
    provider: Provider,
    no: &str,
    link: Result<payhub::PaymentLink, payhub::Error>,
    expected: Expected,
) -> Placed {
    let mut row = Row::new(provider, no);
    match link {
        Ok(link) => {
            row.provider_order_no = link.provider_order_no;
            row.shown = link.url.or(link.qr).unwrap_or_else(|| "(no link)".into());
        }
        Err(e) => row.fail("create checkout", e),
    }
    Placed { row, expected }
}

fn recharge_row(
    provider: Provider,
    no: &str,
    receipt: Result<payhub::RechargeReceipt, payhub::Error>,
    check_cost: bool,
) -> Placed {
    let mut row = Row::new(provider, no);
    let mut expected = Expected::order(no);
    match receipt {
        Ok(r) => {
            // An accepted order may come back without the provider's order number.
            row.provider_order_no = r.provider_order_no.unwrap_or_else(|| "-".into());
            row.shown = match r.cost {
                Some(cost) => format!("receipt: {}, cost {cost}", r.status),
                None => format!("receipt: {}", r.status),
            };
            // The cost is what we pay the provider, never the order amount: check it as a cost.
            if check_cost && let Some(cost) = r.cost {
                expected = expected.cost(cost);
            }
        }
        Err(e) => row.fail("recharge", e),
    }
    Placed { row, expected }
}

/// Waits for `placed`'s paid callback: handled by our handler and acknowledged in the sandbox's
/// record of the attempt. Fills the callback and ack columns.
async fn await_callback(
    sb: &SandboxHandle,
    inbox: &Inbox,
    router: &NotifyRouter,
    placed: &mut Placed,
    deadline: Instant,
) {
    let row = &mut placed.row;
    let (provider, no) = (row.provider, row.merchant_order_no.clone());
    loop {
        let acked = sb
            .callbacks_for(&no)
            .into_iter()
            .filter(|c| c.order_state == OrderState::Success)
            .flat_map(|c| c.attempts)
            .find(|a| a.acknowledged);
        if let (Some(n), Some(attempt)) = (inbox.paid(provider, &no), acked) {
            match n.check(&placed.expected) {
                Ok(()) => row.callback = format!("verified, {}, matches", n.status()),
                Err(m) => {
                    row.callback = "verified, MISMATCH".into();
                    row.fail("callback", m);
                }
            }
            let want = router.ack(provider);
            row.ack = format!("{} {:?}", attempt.status.unwrap_or(0), attempt.body_snippet);
            if attempt.status != Some(want.status()) || attempt.body_snippet != want.body() {
                row.fail(
                    "ack",
                    format!(
                        "the sandbox got {}, expected {} {:?}",
                        row.ack,
                        want.status(),
                        want.body()
                    ),
                );
            }
            return;
        }
        if Instant::now() >= deadline {
            let attempts: Vec<String> = sb
                .callbacks_for(&no)
                .iter()
                .flat_map(|c| &c.attempts)
                .map(|a| match (&a.status, &a.error) {
                    (Some(s), _) => format!("{s} {:?}", a.body_snippet),
                    (None, Some(e)) => e.clone(),
                    (None, None) => "no reply".into(),
                })
                .collect();
            row.fail(
                "callback",
                format!(
                    "no verified, acknowledged paid callback within {CALLBACK_WAIT:?} (attempts: {attempts:?})"
                ),
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn query_status(hub: &Hub, row: &mut Row) {
    match hub.status(row.provider, None, &row.merchant_order_no).await {
        Ok(s) => {
            row.status = s.to_string();
            if s != PaymentStatus::Paid {
                row.fail("status", format!("queried status is {s}, expected paid"));
            }
        }
        Err(e) => row.fail("status query", e),
    }
}

async fn run() -> Result<Vec<Row>, String> {
    // 1. The sandbox, in this process, at real-time speed.
    let sb = Sandbox::builder()
        .start()
        .await
        .map_err(|e| format!("sandbox: {e}"))?;
    let hub = hub(clients(&sb)?)?;
    let router = NotifyRouter::from(hub.clone());

    // 2. Our callback endpoint: POST /callbacks/{provider}.
    let inbox = Inbox::default();
    let handler = {
        let inbox = inbox.clone();
        move |n: Notification| {
            let inbox = inbox.clone();
            async move {
                // A real handler records the payment here (after checking it with `Expected`),
                // and returns Err to have the provider deliver again.
                inbox.push(n);
                Ok::<(), Infallible>(())
            }
        }
    };
    let app = axum::Router::new().nest(
        "/callbacks",
        payhub::axum::notify_routes(router.clone(), handler),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("callback endpoint: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("callback endpoint: {e}"))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // `payhub::axum::serve`, not a bare `axum::serve`: header, body and request timeouts and a
    // connection cap, so slow clients cannot hold the endpoint.
    let server = tokio::spawn(
        payhub::axum::serve(listener, app, payhub::axum::ServeOptions::default())
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .into_future(),
    );
    let callbacks = format!("http://{addr}/callbacks");
    println!(
        "payhub quickstart: sandbox at {}, callbacks at {callbacks}/<provider>\n",
        sb.base_url()
    );

    // 3. One order per provider.
    let mut placed = place_orders(&hub, &callbacks).await;

    // 4. The payer pays: the sandbox marks each order paid and sends its signed callback.
    for p in &mut placed {
        if p.row.failure.is_none()
            && let Err(e) = sb.mark_paid(&p.row.merchant_order_no)
        {
            p.row.fail("mark paid", e);
        }
    }

    // 5. Each callback verified, matched and acknowledged; 6. the status queried back.
    let deadline = Instant::now() + CALLBACK_WAIT;
    for p in &mut placed {
        if p.row.failure.is_none() {
            await_callback(&sb, &inbox, &router, p, deadline).await;
        }
        if p.row.failure.is_none() {
            query_status(&hub, &mut p.row).await;
        }
    }

    let _ = stop.send(());
    match tokio::time::timeout(Duration::from_secs(5), server).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => return Err(format!("callback endpoint: {e}")),
        Ok(Err(e)) => return Err(format!("callback endpoint: {e}")),
        Err(_) => return Err("callback endpoint did not stop within 5 s".into()),
    }
    sb.shutdown()
        .await
        .map_err(|e| format!("sandbox shutdown: {e}"))?;
    Ok(placed.into_iter().map(|p| p.row).collect())
}

fn print_table(rows: &[Row]) {
    let header = [
        "provider",
        "merchant order",
        "provider order",
        "payment URL / receipt",
        "callback",
        "ack",
        "status",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.provider.to_string(),
                r.merchant_order_no.clone(),
                short(r.provider_order_no.clone()),
                short(r.shown.clone()),
                r.callback.clone(),
                r.ack.clone(),
                if r.failure.is_some() && r.status == "-" {
                    "FAILED".into()
                } else {
                    r.status.clone()
                },
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for row in &cells {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cols: &[&str]| {
        let padded: Vec<String> = cols
            .iter()
            .zip(width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join(" | ").trim_end());
    };
    line(&header);
    let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
    println!("{}", rule.join("-|-"));
    for row in &cells {
        line(&row.each_ref().map(String::as_str));
    }
}

/// Shortens a long value (payment URLs, TokenPay's 64-character prepay ids) for the table.
fn short(text: String) -> String {
    const MAX: usize = 46;
    let n = text.chars().count();
    if n <= MAX {
        return text;
    }
    let head: String = text.chars().take(MAX - 13).collect();
    let tail: String = text.chars().skip(n - 12).collect();
    format!("{head}…{tail}")
}
