//! The provider side of the reconciliation proof: the in-process sandbox (orders only move when
//! the test moves them), `payhub.toml` with its five merchants (read by the `payhub serve`
//! instances and by the test's own `payhub::Hub`), orders created through the hub, their
//! outcomes, and `POST /v1/orders` to track them. Provider details as in
//! `crates/payhub-store/tests/it/reconcile.rs`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use payhub::{CheckoutRequest, Customer, Hub, PaymentStatus, Provider, RechargeRequest};
use payhub_sandbox::{Sandbox, SandboxHandle};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::fleet::TOKEN;

/// What the test does to an order in the sandbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Paid,
    Failed,
    Expired,
}

/// The outcomes `p`'s orders get in turn, with the final status the provider then answers
/// (gateway-recharge documents no failure status; tokenpay has no failure, only expiry;
/// vipcharge's recharges succeed or fail; paydesk and jiuyi-dc answer an expired order as
/// failed).
pub(crate) fn outcomes(p: Provider) -> &'static [(Outcome, PaymentStatus)] {
    match p {
        Provider::GatewayRecharge => &[(Outcome::Paid, PaymentStatus::Paid)],
        Provider::Tokenpay => &[
            (Outcome::Paid, PaymentStatus::Paid),
            (Outcome::Expired, PaymentStatus::Expired),
        ],
        Provider::Vipcharge => &[
            (Outcome::Paid, PaymentStatus::Paid),
            (Outcome::Failed, PaymentStatus::Failed),
        ],
        _ => &[
            (Outcome::Paid, PaymentStatus::Paid),
            (Outcome::Failed, PaymentStatus::Failed),
            (Outcome::Expired, PaymentStatus::Failed),
        ],
    }
}

/// One order of the proof.
#[derive(Clone, Debug)]
pub(crate) struct Planned {
    pub(crate) provider: Provider,
    pub(crate) no: String,
    pub(crate) outcome: Outcome,
    /// The final status the app must see, once.
    pub(crate) status: PaymentStatus,
    /// The `POST /v1/orders` body (without `first_check_at`).
    pub(crate) track: Value,
}

impl Planned {
    pub(crate) fn key(&self) -> (String, String) {
        (self.provider.name().to_owned(), self.no.clone())
    }
}

/// The sandbox and a hub of its five merchants.
pub(crate) struct Env {
    pub(crate) sb: SandboxHandle,
    pub(crate) hub: Arc<Hub>,
    pub(crate) dir: PathBuf,
}

fn cred(sb: &SandboxHandle, module: &str, label: &str) -> String {
    sb.credentials(module)
        .into_iter()
        .find(|c| c.label() == label)
        .unwrap_or_else(|| panic!("no {label} for {module}"))
        .value()
        .to_owned()
}

/// `payhub.toml` with the sandbox's five merchants, one `default` account each.
fn config(sb: &SandboxHandle) -> String {
    let table = |name: &str, rows: &[(&str, String)]| {
        let mut t = format!("[{name}]\ntimeout_secs = 5\n");
        for (k, v) in rows {
            t.push_str(&format!("{k} = \"{v}\"\n"));
        }
        t + "\n"
    };
    [
        table(
            "gateway-recharge",
            &[
                ("base_url", sb.provider_url("gateway_recharge")),
                ("merchant_no", cred(sb, "gateway_recharge", "merchant_no")),
                ("key", cred(sb, "gateway_recharge", "key")),
            ],
        ),
        table(
            "jiuyi-dc",
            &[
                ("base_url", sb.provider_url("jiuyi_dc")),
                ("appid", cred(sb, "jiuyi_dc", "appid")),
                ("appsecret", cred(sb, "jiuyi_dc", "appsecret")),
            ],
        ),
        format!(
            "[paydesk]\ntimeout_secs = 5\nbase_url = \"{}\"\nmerchant_id = {}\napi_key = \"{}\"\n\n",
            sb.provider_url("paydesk"),
            cred(sb, "paydesk", "MerchantId"),
            cred(sb, "paydesk", "apiKey"),
        ),
        table(
            "tokenpay",
            &[
                ("base_url", sb.provider_url("tokenpay")),
                ("app_id", cred(sb, "tokenpay", "app_id")),
                ("mch_id", cred(sb, "tokenpay", "mch_id")),
                ("app_secret", cred(sb, "tokenpay", "app_secret")),
            ],
        ),
        table(
            "vipcharge",
            &[
                ("base_url", sb.provider_url("vipcharge")),
                ("merchant_id", cred(sb, "vipcharge", "merchantId")),
                ("business_id", cred(sb, "vipcharge", "businessId")),
                ("sign_type", "MD5".to_owned()),
                ("secret", cred(sb, "vipcharge", "secret (MD5)")),
            ],
        ),
    ]
    .concat()
}

fn table(text: &str) -> toml::Table {
    toml::from_str(text).expect("provider table")
}

impl Env {
    /// The sandbox (callbacks sent to `redirect` when given, else to each order's notify URL),
    /// `payhub.toml` in a fresh directory, the hub.
    pub(crate) async fn start(tag: &str, redirect: Option<&str>) -> Self {
        // Tokenpay documents success callbacks only; the sandbox can send one for an expiry
        // too, so the late callbacks cover that final state as well.
        let mut builder = Sandbox::builder()
            .provider_config("vipcharge", table(r#"auto_complete = "none""#))
            .provider_config(
                "tokenpay",
                table(r#"notify_states = ["success", "expired"]"#),
            )
            .provider_config(
                "jiuyi_dc",
                table("auto_fulfil = false\ninitial_balance = \"1000000.00\""),
            );
        if let Some(url) = redirect {
            builder = builder.redirect_callbacks(url);
        }
        let sb = builder.start().await.expect("start the sandbox");
        let dir = std::env::temp_dir().join(format!("payhub-proof-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("payhub.toml");
        std::fs::write(&path, config(&sb)).expect("payhub.toml");
        let hub = Arc::new(Hub::from_config_file(&path).expect("hub of payhub.toml"));
        Self { sb, hub, dir }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// `per_provider` orders on each provider, created through the hub (16 at a time), their
    /// callbacks to `notify(provider, order no)`. Outcomes cycle through `outcomes(p)`.
    pub(crate) async fn create(
        &self,
        run: &str,
        per_provider: usize,
        notify: impl Fn(Provider, &str) -> String,
    ) -> Vec<Planned> {
        let mut plan = Vec::new();
        for p in Provider::ALL {
            for i in 0..per_provider {
                let no = format!("{run}-{}-{i:04}", &p.name()[..3]);
                let (outcome, status) = outcomes(p)[i % outcomes(p).len()].clone();
                let notify_url = notify(p, &no);
                plan.push((p, no, outcome, status, notify_url));
            }
        }
        let plan = Arc::new(plan);
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let (plan, next, hub) = (Arc::clone(&plan), Arc::clone(&next), Arc::clone(&self.hub));
            tasks.spawn(async move {
                let mut done = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((p, no, outcome, status, notify)) = plan.get(i) else {
                        return done;
                    };
                    let track = create_one(&hub, *p, no, notify).await;
                    done.push((
                        i,
                        Planned {
                            provider: *p,
                            no: no.clone(),
                            outcome: *outcome,
                            status: status.clone(),
                            track,
                        },
                    ));
                }
            });
        }
        let mut all = Vec::new();
        while let Some(done) = tasks.join_next().await {
            all.extend(done.expect("creator"));
        }
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, o)| o).collect()
    }

    /// Gives every order its outcome in the sandbox.
    pub(crate) fn apply(&self, plan: &[Planned]) {
        for o in plan {
            let done = match o.outcome {
                Outcome::Paid => self.sb.mark_paid(&o.no),
                Outcome::Failed => self.sb.mark_failed(&o.no),
                Outcome::Expired => self.sb.mark_expired(&o.no),
            };
            done.unwrap_or_else(|e| panic!("mark {} {:?}: {e}", o.no, o.outcome));
        }
    }
}

/// Creates one order; returns its `POST /v1/orders` body.
async fn create_one(hub: &Hub, p: Provider, no: &str, notify: &str) -> Value {
    match p {
        Provider::Vipcharge | Provider::JiuyiDc => {
            let (product, account) = if p == Provider::Vipcharge {
                ("87103", "w23b52")
            } else {
                ("43", "13800138000")
            };
            let req = RechargeRequest::new(no, product, account).notify_url(notify);
            hub.recharge(p, None, &req)
                .await
                .unwrap_or_else(|e| panic!("recharge on {p}: {e}"));
            json!({"provider": p.name(), "account": "default", "kind": "recharge",
                   "merchant_order_no": no})
        }
        _ => {
            let (amount, currency) = match p {
                Provider::GatewayRecharge => (Decimal::new(10000, 2), "CNY"),
                Provider::Paydesk => (Decimal::from(1000), "TZS"),
                _ => (Decimal::new(95, 1), "USDT"),
            };
            let req = CheckoutRequest::new(no, amount, currency)
                .description("reconciliation proof")
                .notify_url(notify)
                .return_url("https://shop.example/thanks")
                .customer(
                    Customer::new()
                        .id("user-42")
                        .ip("127.0.0.1")
                        .name("Jeck")
                        .phone("255700000001")
                        .email("payer@example.com"),
                )
                .extra(Provider::Paydesk, "mobile_money_phone", "721323213")
                .extra(Provider::Tokenpay, "chain", "TRON");
            let link = hub
                .checkout(p, None, &req)
                .await
                .unwrap_or_else(|e| panic!("checkout on {p}: {e}"));
            let mut body = json!({"provider": p.name(), "account": "default", "kind": "checkout",
                "merchant_order_no": no, "provider_order_no": link.provider_order_no,
                "amount": amount.to_string(), "currency": currency});
            if let Some(at) = link.expires_at {
                body["expires_at"] = rfc3339(at).into();
            }
            body
        }
    }
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).expect("an RFC 3339 date-time")
}

/// Tracks `orders` through `POST /v1/orders` of `gateway` (16 at a time), each with the
/// `first_check_at` that `first_check` gives it (none: now, checked at once).
pub(crate) async fn track(
    http: &reqwest::Client,
    gateway: &str,
    orders: Vec<(Value, Option<OffsetDateTime>)>,
) {
    let orders = Arc::new(orders);
    let next = Arc::new(AtomicUsize::new(0));
    let url = format!("{gateway}/v1/orders");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (orders, next, http, url) = (
            Arc::clone(&orders),
            Arc::clone(&next),
            http.clone(),
            url.clone(),
        );
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((body, first)) = orders.get(i) else {
                    return;
                };
                let mut body = body.clone();
                // Without a time the callbacks are known lost: checked now (the default would
                // be the provider's cadence, a minute or two away).
                let at = first.unwrap_or_else(OffsetDateTime::now_utc);
                body["first_check_at"] = rfc3339(at).into();
                let r = http
                    .post(&url)
                    .bearer_auth(TOKEN)
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .timeout(Duration::from_secs(30))
                    .send()
                    .await
                    .expect("POST /v1/orders");
                let code = r.status().as_u16();
                let reply = r.text().await.unwrap_or_default();
                assert_eq!(code, 201, "POST /v1/orders {body}: {reply}");
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("tracker");
    }
}
