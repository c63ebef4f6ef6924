//! End-to-end tests of the `tokenpay` client against the sandbox's `tokenpay` module: every
//! endpoint with signed requests and strictly verified signed replies, orders that are paid,
//! underpaid, closed or expire, payouts that settle, wallets, encrypted and signed callbacks
//! received on a local listener and verified by `tokenpay::NotifyVerifier` on tokenpay's retry
//! schedule, redeliveries, and every injected fault.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use payhub_sandbox::{CallbackStatus, FaultKind, FaultRule, OrderState, Sandbox, SandboxHandle};
use rust_decimal::Decimal;
use tokenpay::api::{
    BalanceRequest, CloseOrderRequest, ClosePayoutRequest, CreatePayoutRequest, CurrenciesRequest,
    DeleteWalletRequest, InsertWalletRequest, PayoutPaths, PrepayRequest, QueryOrderRequest,
    QueryPayoutRequest, QueryWalletRequest, UpdateWalletRequest,
};
use tokenpay::notify::Notification;
use tokenpay::sign::TimestampUnit;
use tokenpay::types::{ApiCode, Chain, Currency, EventType, OriginalType, TradeState};
use tokenpay::{
    Client, ClientBuilder, Error, FixedClock, NotifyError, NotifyVerifier, Reconciliation,
    ReplySignatureMode, RetryPolicy,
};

const APP_ID: &str = "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd";
const MCH_ID: &str = "1234567890";
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const TRON: &str = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
const BUSD: &str = "0xe9e7CEA3DedcA5984780Bafc599bD69ADd087D56";
const SEC: i64 = 1000;

async fn sandbox() -> SandboxHandle {
    Sandbox::builder()
        .clock_speed(0)
        .start()
        .await
        .expect("sandbox starts")
}

async fn sandbox_with(config: &str) -> SandboxHandle {
    let table: toml::Table = toml::from_str(config).expect("config");
    Sandbox::builder()
        .clock_speed(0)
        .provider_config("tokenpay", table)
        .start()
        .await
        .expect("sandbox starts")
}

fn builder(sb: &SandboxHandle) -> ClientBuilder {
    Client::builder(APP_ID, MCH_ID, SECRET)
        .base_url(sb.provider_url("tokenpay"))
        .timeout(Duration::from_millis(800))
        .reply_signatures(ReplySignatureMode::Strict)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_delay(Duration::from_millis(5)),
        )
}

fn client(sb: &SandboxHandle) -> Client {
    builder(sb).build().expect("client")
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

fn order(no: &str, amount: &str, notify: &Listener) -> PrepayRequest {
    PrepayRequest::new(no, dec(amount), Chain::Tron, Currency::Usdt)
        .expire_second(600)
        .description("sandbox order")
        .attach("user-7")
        .notify_url(&notify.url)
}

/// One delivery: headers and body as received.
#[derive(Clone, Debug)]
struct Hit {
    headers: http::HeaderMap,
    body: Bytes,
}

/// A local notify endpoint: records every delivery and answers from a script (the last answer
/// repeats).
#[derive(Clone)]
struct Listener {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

#[derive(Clone)]
struct ListenerState {
    hits: Arc<Mutex<Vec<Hit>>>,
    answers: Arc<Vec<&'static str>>,
}

async fn notify_handler(
    State(st): State<ListenerState>,
    headers: http::HeaderMap,
    body: Bytes,
) -> (http::StatusCode, &'static str) {
    let mut hits = st.hits.lock().expect("lock");
    hits.push(Hit { headers, body });
    let answer = st.answers[(hits.len() - 1).min(st.answers.len() - 1)];
    // `fail` is an error page; anything else (including a wrongly cased `SUCCESS`) is HTTP 200.
    let status = if answer == "fail" {
        http::StatusCode::INTERNAL_SERVER_ERROR
    } else {
        http::StatusCode::OK
    };
    (status, answer)
}

impl Listener {
    async fn start(answers: &[&'static str]) -> Self {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/tokenpay/notify", l.local_addr().expect("addr"));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/tokenpay/notify", post(notify_handler))
            .with_state(ListenerState {
                hits: Arc::clone(&hits),
                answers: Arc::new(answers.to_vec()),
            });
        tokio::spawn(async move {
            let _ = axum::serve(l, app).await;
        });
        Self { url, hits }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("lock").clone()
    }
}

fn verifier() -> NotifyVerifier {
    NotifyVerifier::new(APP_ID, MCH_ID, SECRET).expect("verifier")
}

#[tokio::test]
async fn every_endpoint_against_the_sandbox() {
    let sb = sandbox().await;
    let c = client(&sb);
    let l = Listener::start(&["success"]).await;

    let cur = c.send(&CurrenciesRequest::new()).await.expect("currencies");
    assert_eq!(cur.decimals(&Chain::Tron, &Currency::Usdt), Some(6));
    assert_eq!(cur.decimals(&Chain::Bsc, &Currency::Busd), Some(18));

    let bal = c
        .send(&BalanceRequest::new(Chain::Tron, Currency::Usdt))
        .await
        .expect("balance");
    assert_eq!(bal.balance.balance, dec("10000"));
    assert_eq!(bal.balance.decimal, 6);

    let created = c.send(&order("E-1", "12.5", &l)).await.expect("prepay");
    let base = sb.provider_url("tokenpay");
    assert!(
        created
            .payment_url
            .as_str()
            .starts_with(&format!("{base}/pay/order?prepay_id=")),
        "absolute cashier URL: {}",
        created.payment_url
    );
    let page = reqwest::get(created.payment_url.as_str())
        .await
        .expect("cashier");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("E-1"));

    let q = c
        .send(&QueryOrderRequest::by_out_trade_no("E-1"))
        .await
        .expect("query");
    assert_eq!(q.order.trade_state, TradeState::NotPay);
    assert_eq!(q.order.amount, Some(dec("12.5")));
    assert_eq!(q.order.amount_minor, Some(12_500_000));
    assert_eq!(q.order.expire_second, Some(600));
    assert_eq!(
        q.order.currency_info.as_ref().and_then(|c| c.decimal),
        Some(6)
    );
    let id = q.order.transaction_id.clone();
    let by_id = c
        .send(&QueryOrderRequest::by_transaction_id(&id))
        .await
        .expect("by id");
    assert_eq!(by_id.order.out_trade_no.as_deref(), Some("E-1"));

    c.send(&CloseOrderRequest::new(&id)).await.expect("close");
    let closed = c
        .send(&QueryOrderRequest::by_transaction_id(&id))
        .await
        .expect("closed");
    assert_eq!(closed.order.trade_state, TradeState::Closed);
    assert!(closed.order.close_time.is_some());

    let payout = c
        .send(
            &CreatePayoutRequest::new("PO-1", dec("25"), Chain::Tron, Currency::Usdt, TRON)
                .notify_url(&l.url),
        )
        .await
        .expect("payout")
        .payout
        .expect("payout detail");
    assert_eq!(payout.trade_state, TradeState::NotPay);
    assert_eq!(payout.amount, Some(dec("25")));
    let pq = c
        .send(&QueryPayoutRequest::by_out_trade_no("PO-1"))
        .await
        .expect("query payout");
    assert_eq!(pq.payout.transaction_id, payout.transaction_id);
    c.send(&ClosePayoutRequest::new(&payout.transaction_id))
        .await
        .expect("close payout");
    let pq = c
        .send(&QueryPayoutRequest::by_transaction_id(
            &payout.transaction_id,
        ))
        .await
        .expect("query payout");
    assert_eq!(pq.payout.trade_state, TradeState::Closed);

    let w = c
        .send(&InsertWalletRequest::new(Chain::Tron, TRON).name("user-1"))
        .await
        .expect("insert")
        .wallet
        .expect("wallet");
    assert_eq!(w.name.as_deref(), Some("user-1"));
    c.send(&InsertWalletRequest::new(Chain::Bsc, BUSD))
        .await
        .expect("second wallet");
    let dup = c
        .send(&InsertWalletRequest::new(Chain::Tron, TRON))
        .await
        .expect_err("duplicate");
    assert_eq!(dup.api_code(), Some(&ApiCode::AlreadyExists));
    let u = c
        .send(&UpdateWalletRequest::new(Chain::Tron, TRON).name("user-2"))
        .await
        .expect("update")
        .wallet
        .expect("wallet");
    assert_eq!(u.name.as_deref(), Some("user-2"));
    let one = c
        .send(&QueryWalletRequest::new().wallet_address(TRON))
        .await
        .expect("query one");
    assert_eq!(one.wallets.len(), 1);
    assert_eq!(one.wallets[0].name.as_deref(), Some("user-2"));
    let all = c.send(&QueryWalletRequest::new()).await.expect("query all");
    assert_eq!(all.wallets.len(), 2);
    c.send(&DeleteWalletRequest::new(Chain::Tron, TRON))
        .await
        .expect("delete");
    let gone = c
        .send(&QueryWalletRequest::new().wallet_address(TRON))
        .await
        .expect_err("deleted");
    assert_eq!(gone.api_code(), Some(&ApiCode::NotFound));
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn paid_order_callback_is_verified_and_retried_on_schedule() {
    let sb = sandbox().await;
    let c = client(&sb);
    let l = Listener::start(&["fail", "fail", "SUCCESS", "success"]).await;
    c.send(&order("PAID-1", "15", &l)).await.expect("prepay");
    let paid = sb.mark_paid("PAID-1").expect("paid");
    let t0 = paid.completed_at.expect("completed").unix_millis();
    sb.settle().await.expect("settle");
    for _ in 0..3 {
        assert!(sb.advance_to_next_due().await.expect("advance").is_some());
    }
    let cb = &sb.callbacks_for("PAID-1")[0];
    assert_eq!(cb.status, CallbackStatus::Delivered);
    let offsets: Vec<i64> = cb
        .attempts
        .iter()
        .map(|a| a.sent_at.unix_millis() - t0)
        .collect();
    assert_eq!(offsets, [0, 15 * SEC, 30 * SEC, 180 * SEC]);
    let acks: Vec<bool> = cb.attempts.iter().map(|a| a.acknowledged).collect();
    assert_eq!(
        acks,
        [false, false, false, true],
        "`SUCCESS` is not the documented ack; `success` is"
    );

    let hits = l.hits();
    assert_eq!(hits.len(), 4);
    let v = verifier();
    let mut keys = Vec::new();
    for h in &hits {
        assert_eq!(h.body, hits[0].body, "redeliveries are byte-identical");
        let n = v.verify(&h.headers, &h.body).expect("verifies");
        keys.push(n.dedupe_key());
        let Notification::Order(o) = &n else {
            panic!("{n:?}")
        };
        assert_eq!(o.meta.event_type, EventType::TransactionSuccess);
        assert_eq!(o.meta.original_type, OriginalType::Transaction);
        assert_eq!(o.meta.timestamp, t0.to_string());
        let t = &o.transaction;
        assert!(t.is_paid());
        assert_eq!(t.out_trade_no.as_deref(), Some("PAID-1"));
        assert_eq!(t.amount, Some(dec("15")));
        assert_eq!(t.currency, Some(Currency::Usdt));
        assert_eq!(t.attach.as_deref(), Some("user-7"));
        assert_eq!(t.service_amount_minor, Some(45_000), "0.3 % fee");
        assert!(t.tx_id.as_deref().is_some_and(|x| x.len() == 64));
        let from = t.from_address.as_deref().expect("payer");
        assert!(
            tokenpay::types::validate_address(&Chain::Tron, from).is_ok(),
            "{from}"
        );
    }
    keys.dedup();
    assert_eq!(keys.len(), 1, "one dedupe key for every redelivery");

    // A changed byte, another merchant or another secret is refused.
    let mut tampered = hits[0].body.to_vec();
    tampered[20] ^= 1;
    assert!(matches!(
        v.verify(&hits[0].headers, &tampered),
        Err(Error::Notify(NotifyError::BadSignature))
    ));
    let other = NotifyVerifier::new(APP_ID, "999", SECRET).expect("verifier");
    assert!(matches!(
        other.verify(&hits[0].headers, &hits[0].body),
        Err(Error::Notify(NotifyError::WrongMerchant {
            field: "mch_id",
            ..
        }))
    ));

    // The query agrees with the callback, and the balance moved by amount minus fee.
    let q = c
        .send(&QueryOrderRequest::by_out_trade_no("PAID-1"))
        .await
        .expect("query");
    assert_eq!(q.order.trade_state, TradeState::Success);
    assert!(q.order.pay_time.is_some());
    let bal = c
        .send(&BalanceRequest::new(Chain::Tron, Currency::Usdt))
        .await
        .expect("balance");
    assert_eq!(bal.balance.balance, dec("10014.955"));
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn the_whole_schedule_is_ten_attempts_over_six_hours() {
    let sb = sandbox().await;
    let c = client(&sb);
    let l = Listener::start(&["fail"]).await;
    c.send(&order("GIVEUP-1", "1", &l)).await.expect("prepay");
    let t0 = sb
        .mark_paid("GIVEUP-1")
        .expect("paid")
        .completed_at
        .expect("at")
        .unix_millis();
    sb.settle().await.expect("settle");
    while sb.advance_to_next_due().await.expect("advance").is_some() {}
    let cb = &sb.callbacks_for("GIVEUP-1")[0];
    assert_eq!(cb.status, CallbackStatus::GaveUp);
    let offsets: Vec<i64> = cb
        .attempts
        .iter()
        .map(|a| (a.sent_at.unix_millis() - t0) / SEC)
        .collect();
    assert_eq!(
        offsets,
        [0, 15, 30, 180, 600, 1200, 1800, 3600, 10_800, 21_600]
    );
    assert_eq!(l.hits().len(), 10);
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn orders_expire_close_and_underpay() {
    let sb = sandbox_with(r#"notify_states = ["success", "underpaid", "closed", "expired"]"#).await;
    let c = client(&sb);
    let l = Listener::start(&["success"]).await;

    // Expiry after expire_second, on the sandbox clock.
    c.send(&order("EXP-1", "3", &l).expire_second(60))
        .await
        .expect("prepay");
    sb.advance(Duration::from_secs(61));
    sb.settle().await.expect("settle");
    let q = c
        .send(&QueryOrderRequest::by_out_trade_no("EXP-1"))
        .await
        .expect("query");
    assert_eq!(q.order.trade_state, TradeState::Closed);
    assert_eq!(sb.order("EXP-1").expect("order").state, OrderState::Expired);

    // Underpaid: the sandbox-only state reaches the client as an unknown, non-success state.
    c.send(&order("UNDER-1", "10", &l)).await.expect("prepay");
    sb.mark("UNDER-1", OrderState::Failed, Some("underpaid:4.25"))
        .expect("underpaid");
    sb.settle().await.expect("settle");
    let q = c
        .send(&QueryOrderRequest::by_out_trade_no("UNDER-1"))
        .await
        .expect("query");
    assert_eq!(q.order.trade_state, TradeState::Unknown("UNDERPAID".into()));
    assert!(!q.order.trade_state.is_success());
    assert_eq!(q.order.amount, Some(dec("4.25")), "the amount received");

    // Closing: once, then "operation failed"; a paid order cannot be closed.
    c.send(&order("CLOSE-1", "2", &l)).await.expect("prepay");
    let id = c
        .send(&QueryOrderRequest::by_out_trade_no("CLOSE-1"))
        .await
        .expect("query")
        .order
        .transaction_id;
    c.send(&CloseOrderRequest::new(&id)).await.expect("close");
    let again = c
        .send(&CloseOrderRequest::new(&id))
        .await
        .expect_err("closed");
    assert_eq!(again.api_code(), Some(&ApiCode::OperationFailed));

    sb.settle().await.expect("settle");
    let v = verifier();
    let events: Vec<(EventType, TradeState)> = l
        .hits()
        .iter()
        .map(|h| {
            let n = v.verify(&h.headers, &h.body).expect("verifies");
            let t = n.transaction().expect("typed").trade_state.clone();
            (n.event_type().clone(), t)
        })
        .collect();
    assert!(events.contains(&(
        EventType::Unknown("TRANSACTION.EXPIRED".into()),
        TradeState::Closed
    )));
    assert!(events.contains(&(
        EventType::Unknown("TRANSACTION.UNDERPAID".into()),
        TradeState::Unknown("UNDERPAID".into())
    )));
    assert!(events.contains(&(
        EventType::Unknown("TRANSACTION.CLOSED".into()),
        TradeState::Closed
    )));
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn payouts_settle_with_callbacks_per_path_family_and_respect_the_balance() {
    let sb = sandbox_with(r#"apps = [{ app_id = "8e4b8c2e7cxxxxxxxx1a1cbd3d59e0bd", mch_id = "1234567890", app_secret = "0123456789abcdef0123456789abcdef", balance = "100" }]"#).await;
    let l = Listener::start(&["success"]).await;
    for (paths, no, event, original) in [
        (
            PayoutPaths::PayAnother,
            "PA-1",
            EventType::PayanotherSuccess,
            OriginalType::Payanother,
        ),
        (
            PayoutPaths::Payout,
            "PO-2",
            EventType::PayoutSuccess,
            OriginalType::Payout,
        ),
    ] {
        let c = builder(&sb).payout_paths(paths).build().expect("client");
        c.send(
            &CreatePayoutRequest::new(no, dec("30"), Chain::Tron, Currency::Usdt, TRON)
                .notify_url(&l.url),
        )
        .await
        .expect("payout");
        sb.advance(Duration::from_secs(31));
        sb.settle().await.expect("settle");
        let q = c
            .send(&QueryPayoutRequest::by_out_trade_no(no))
            .await
            .expect("query");
        assert_eq!(q.payout.trade_state, TradeState::Success);
        let hit = l.hits().pop().expect("a callback");
        let n = verifier()
            .verify(&hit.headers, &hit.body)
            .expect("verifies");
        let Notification::Payout(p) = &n else {
            panic!("{n:?}")
        };
        assert_eq!(
            (&p.meta.event_type, &p.meta.original_type),
            (&event, &original)
        );
        assert_eq!(p.transaction.out_trade_no.as_deref(), Some(no));
        assert_eq!(p.transaction.amount, Some(dec("30")));
    }
    // 100 - 30 - 30 = 40 left: 50 is refused.
    let c = client(&sb);
    let err = c
        .send(&CreatePayoutRequest::new(
            "PA-3",
            dec("50"),
            Chain::Tron,
            Currency::Usdt,
            TRON,
        ))
        .await
        .expect_err("insufficient");
    assert_eq!(err.api_code(), Some(&ApiCode::InsufficientBalance));
    let bal = c
        .send(&BalanceRequest::new(Chain::Tron, Currency::Usdt))
        .await
        .expect("balance");
    assert_eq!(bal.balance.balance, dec("40"));
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn the_sandbox_checks_what_the_client_signs() {
    let sb = sandbox().await;
    let l = Listener::start(&["success"]).await;
    // Seconds are accepted as well as milliseconds.
    let seconds = builder(&sb)
        .timestamp_unit(TimestampUnit::Seconds)
        .build()
        .expect("client");
    seconds
        .send(&order("SEC-1", "1", &l))
        .await
        .expect("seconds timestamp");
    // A duplicate out_trade_no is 12001, and reconcile finds the original.
    let dup = seconds
        .send(&order("SEC-1", "1", &l))
        .await
        .expect_err("duplicate");
    assert_eq!(dup.api_code(), Some(&ApiCode::AlreadyExists));
    assert!(dup.request_id().is_some());
    assert!(
        seconds
            .reconcile("SEC-1")
            .await
            .expect("reconcile")
            .found()
            .is_some()
    );
    assert_eq!(
        seconds.reconcile("NOPE").await.expect("reconcile"),
        Reconciliation::NotFound
    );

    for (b, code) in [
        (
            Client::builder(APP_ID, MCH_ID, "ffffffffffffffffffffffffffffffff"),
            ApiCode::InvalidSignature,
        ),
        (
            Client::builder("00000000000000000000000000000000", MCH_ID, SECRET),
            ApiCode::AppNotFound,
        ),
        (
            Client::builder(APP_ID, MCH_ID, SECRET)
                .clock(Arc::new(FixedClock::from_millis(1_000_000_000_000))),
            ApiCode::SignatureExpired,
        ),
    ] {
        let c = b
            .base_url(sb.provider_url("tokenpay"))
            .reply_signatures(ReplySignatureMode::Strict)
            .build()
            .expect("client");
        let err = c
            .send(&QueryOrderRequest::by_out_trade_no("SEC-1"))
            .await
            .expect_err("refused");
        assert_eq!(err.api_code(), Some(&code), "{err}");
    }
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn injected_faults_reach_the_client_as_typed_errors() {
    let sb = sandbox().await;
    let c = client(&sb);
    let l = Listener::start(&["success"]).await;

    // A reply held back past the timeout: the order exists, the client must reconcile.
    sb.add_fault(
        FaultRule::new(FaultKind::Delay { ms: 2_000 })
            .provider("tokenpay")
            .route("/v1/transaction/prepayment")
            .once(),
    );
    let err = c
        .send(&order("SLOW-1", "1", &l))
        .await
        .expect_err("timeout");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(
        c.reconcile("SLOW-1")
            .await
            .expect("reconcile")
            .found()
            .is_some()
    );

    // A connection dropped mid-body on a create: unknown outcome, never resent.
    sb.add_fault(
        FaultRule::new(FaultKind::CloseMidBody)
            .provider("tokenpay")
            .route("/v1/payanother/payment")
            .once(),
    );
    let err = c
        .send(&CreatePayoutRequest::new(
            "MID-1",
            dec("1"),
            Chain::Tron,
            Currency::Usdt,
            TRON,
        ))
        .await
        .expect_err("cut");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(
        c.reconcile_payout("MID-1")
            .await
            .expect("query")
            .found()
            .is_some()
    );
    assert_eq!(
        sb.orders(&payhub_sandbox::OrderFilter::default().provider("tokenpay"))
            .iter()
            .filter(|o| o.merchant_order_no == "MID-1")
            .count(),
        1,
        "created once"
    );

    // A 503 on a read is retried.
    sb.add_fault(
        FaultRule::new(FaultKind::HttpStatus {
            status: 503,
            after_handler: false,
        })
        .provider("tokenpay")
        .route("/v1/transaction/query")
        .once(),
    );
    c.send(&QueryOrderRequest::by_out_trade_no("SLOW-1"))
        .await
        .expect("retried");

    // A rate-limit code is backed off and retried, even for a create.
    sb.add_fault(
        FaultRule::new(FaultKind::ProviderError {
            error: "11001".into(),
            after_handler: false,
        })
        .provider("tokenpay")
        .route("/v1/transaction/prepayment")
        .once(),
    );
    c.send(&order("RATE-1", "1", &l))
        .await
        .expect("retried after 11001");

    // An HTML proxy page every time: a decode error with the status (no envelope to read).
    let html = sb.add_fault(
        FaultRule::new(FaultKind::HtmlError {
            status: 502,
            after_handler: false,
        })
        .provider("tokenpay")
        .route("/v1/merchant/balance"),
    );
    let err = c
        .send(&BalanceRequest::new(Chain::Tron, Currency::Usdt))
        .await
        .expect_err("html");
    assert!(
        matches!(&err, Error::Decode(d) if d.is_http_status() && d.status() == 502),
        "{err:?}"
    );
    sb.remove_fault(html);

    // Truncated JSON on a read: retried (a cut-short reply is no answer), so a one-off
    // truncation is invisible; a persistent one is a decode error once attempts run out.
    let once = sb.add_fault(
        FaultRule::new(FaultKind::TruncatedJson)
            .provider("tokenpay")
            .route("/v1/currency/index")
            .once(),
    );
    c.send(&CurrenciesRequest::new())
        .await
        .expect("a one-off truncated reply is retried");
    sb.remove_fault(once);
    let always = sb.add_fault(
        FaultRule::new(FaultKind::TruncatedJson)
            .provider("tokenpay")
            .route("/v1/currency/index"),
    );
    let err = c
        .send(&CurrenciesRequest::new())
        .await
        .expect_err("truncated");
    assert!(
        matches!(&err, Error::Decode(d) if d.is_garbled()),
        "{err:?}"
    );
    sb.remove_fault(always);

    // A corrupted reply signature: refused in strict mode, logged in warn mode.
    sb.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .provider("tokenpay")
            .route("/v1/transaction/query")
            .times(1),
    );
    let err = c
        .send(&QueryOrderRequest::by_out_trade_no("SLOW-1"))
        .await
        .expect_err("bad signature");
    assert!(matches!(err, Error::Signature(_)), "{err:?}");
    sb.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .provider("tokenpay")
            .route("/v1/transaction/query")
            .times(1),
    );
    let warn = builder(&sb)
        .reply_signatures(ReplySignatureMode::Warn)
        .build()
        .expect("client");
    warn.send(&QueryOrderRequest::by_out_trade_no("SLOW-1"))
        .await
        .expect("warn mode accepts");

    // A corrupted callback signature: refused by the verifier, then redelivered correctly.
    let cl = Listener::start(&["fail", "success"]).await;
    c.send(&order("CBSIG-1", "1", &cl)).await.expect("prepay");
    sb.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .provider("tokenpay")
            .on_callbacks()
            .once(),
    );
    sb.mark_paid("CBSIG-1").expect("paid");
    sb.settle().await.expect("settle");
    sb.advance_to_next_due().await.expect("advance");
    let hits = cl.hits();
    assert_eq!(hits.len(), 2);
    let v = verifier();
    assert!(matches!(
        v.verify(&hits[0].headers, &hits[0].body),
        Err(Error::Notify(NotifyError::BadSignature))
    ));
    let diagnosis = v
        .diagnose(&hits[0].headers, &hits[0].body)
        .expect("headers");
    assert!(!diagnosis.matches());
    assert!(
        v.verify(&hits[1].headers, &hits[1].body)
            .expect("second")
            .is_success()
    );
    sb.shutdown().await.expect("shutdown");
}
