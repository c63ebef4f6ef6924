//! End-to-end tests of the `jiuyi-dc` client against the sandbox's `jiuyi_dc` module: every
//! endpoint, the status machine with signed notifies received on a local listener and verified by
//! `jiuyi_dc::notify::NotifyVerifier`, redeliveries, and every injected fault.

#![allow(deprecated)] // The retired list endpoints are exercised too.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiuyi_dc::api::CardPayOrderRequest;
use jiuyi_dc::api::CardQueryCardDetailRequest;
use jiuyi_dc::api::CardQueryCardListRequest;
use jiuyi_dc::api::CardQueryCardRequest;
use jiuyi_dc::api::CardQueryOrderRequest;
use jiuyi_dc::api::ConfirmOrderRequest;
use jiuyi_dc::api::DrawOrderRequest;
use jiuyi_dc::api::PayRequest;
use jiuyi_dc::api::QueryCardCategoryRequest;
use jiuyi_dc::api::QueryCardInfoRequest;
use jiuyi_dc::api::QueryCardListRequest;
use jiuyi_dc::api::QueryCardRequest;
use jiuyi_dc::api::QueryCashRequest;
use jiuyi_dc::api::QueryOrderRequest;
use jiuyi_dc::error::{DecodeErrorKind, NotifyError};
use jiuyi_dc::notify::Notification;
use jiuyi_dc::types::{CardOrderStatus, Money, OrderStatus};
use jiuyi_dc::{Client, Error, RetryPolicy};
use payhub_sandbox::{FaultKind, FaultRule, OrderState, Sandbox, SandboxHandle};
use rust_decimal::Decimal;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

const APPID: &str = "19190009";
const SECRET: &str = "HJH546HKDHK";

async fn sandbox() -> SandboxHandle {
    Sandbox::builder()
        .clock_speed(0)
        .start()
        .await
        .expect("sandbox starts")
}

fn client(sb: &SandboxHandle) -> Client {
    Client::builder(APPID, SECRET)
        .base_url(sb.provider_url("jiuyi_dc"))
        .timeout(Duration::from_millis(700))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_delay(Duration::from_millis(5)),
        )
        .build()
        .expect("client")
}

/// Deliveries received: content type and body.
type Seen = Arc<Mutex<Vec<(Option<String>, Vec<u8>)>>>;

/// A local notify endpoint: records every delivery, answers `fail` to the first `fail_first`
/// deliveries and `success` afterwards.
#[derive(Clone)]
struct Listener {
    url: String,
    seen: Seen,
}

impl Listener {
    async fn start(fail_first: usize) -> Self {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/jiuyi/notify", l.local_addr().expect("addr"));
        let seen: Seen = Arc::default();
        let seen2 = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let seen = seen2.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (head_end, len, ct) = loop {
                        let Ok(n) = s.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..p]).to_string();
                            let header = |name: &str| {
                                head.lines().find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
                                })
                            };
                            let len = header("content-length")
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(0);
                            break (p + 4, len, header("content-type"));
                        }
                    };
                    while buf.len() < head_end + len {
                        let Ok(n) = s.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let n = {
                        let mut g = seen.lock().expect("lock");
                        g.push((ct, buf[head_end..head_end + len].to_vec()));
                        g.len()
                    };
                    let body = if n <= fail_first { "fail" } else { "success" };
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = s.write_all(reply.as_bytes()).await;
                });
            }
        });
        Self { url, seen }
    }

    fn count(&self) -> usize {
        self.seen.lock().expect("lock").len()
    }

    /// Waits until `n` deliveries arrived, then verifies them all.
    async fn verified(&self, c: &Client, n: usize) -> Vec<Result<Notification, Error>> {
        for _ in 0..250 {
            if self.count() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let v = c.notify_verifier();
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .map(|(ct, body)| {
                let mut headers = http::HeaderMap::new();
                if let Some(ct) = ct.as_deref().and_then(|ct| ct.parse().ok()) {
                    headers.insert(http::header::CONTENT_TYPE, ct);
                }
                v.verify(&headers, body)
            })
            .collect()
    }
}

/// Advances the sandbox clock one second at a time (so every scheduled step fires in order).
async fn advance(sb: &SandboxHandle, secs: u64) {
    for _ in 0..secs {
        sb.advance(Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

#[tokio::test]
async fn every_endpoint_round_trips() {
    let sb = sandbox().await;
    let c = client(&sb);

    let balance = c.send(&QueryCashRequest::new()).await.expect("balance");
    assert_eq!(balance.yuan, Decimal::new(100_000, 2));
    let cats = c
        .send(&QueryCardCategoryRequest::new())
        .await
        .expect("categories");
    assert_eq!(cats.len(), 3);
    let list = c
        .send(&QueryCardListRequest::new().page(1, 2).keyword("腾讯"))
        .await
        .expect("list");
    assert_eq!((list.items.len(), list.total), (1, Some(1)));
    assert_eq!(list.items[0].price, Some(Decimal::new(1980, 2)));
    let all = c
        .send(&QueryCardListRequest::new().page(2, 2).pid("1"))
        .await
        .expect("page 2");
    assert_eq!((all.items.len(), all.total), (0, Some(2)));
    let info = c
        .send(&QueryCardInfoRequest::new("43"))
        .await
        .expect("info");
    assert_eq!(info.avg_seconds, Some(35));
    let old = c.send(&QueryCardRequest::new()).await.expect("old list");
    assert!(old.iter().any(|g| g.products.iter().any(|p| p.id == "50")));
    let cards = c
        .send(&CardQueryCardListRequest::new().pid("3"))
        .await
        .expect("card list");
    assert_eq!(cards.items.len(), 2);
    let detail = c
        .send(&CardQueryCardDetailRequest::new("43"))
        .await
        .expect("detail");
    assert_eq!(detail.stock, Some(100));
    let old_cards = c
        .send(&CardQueryCardRequest::new())
        .await
        .expect("old card list");
    assert_eq!(old_cards[0].products.len(), 2);

    // Card codes, synchronously, then queried.
    let bought = c
        .send(
            &CardPayOrderRequest::new("43", 2, "C-E2E-1")
                .max_price(Money::parse_yuan("8.40").expect("yuan")),
        )
        .await
        .expect("card order");
    assert_eq!(bought.cards.len(), 2);
    assert_eq!(bought.price, Some(Decimal::new(840, 2)));
    assert!(
        bought
            .cards
            .iter()
            .all(|k| k.status == CardOrderStatus::Completed)
    );
    let pass = bought.cards[0].card_pass.as_ref().expect("pass");
    assert!(!format!("{bought:?}").contains(pass.expose()));
    let queried = c
        .send(&CardQueryOrderRequest::new("C-E2E-1"))
        .await
        .expect("card query");
    assert_eq!(queried[0].card_pass, bought.cards[0].card_pass);
    let reconciled = c
        .reconcile_card("C-E2E-1")
        .await
        .expect("reconcile card")
        .into_found()
        .expect("found");
    assert_eq!(reconciled.len(), 2);

    // Direct recharge, queried, cancelled while waiting.
    let order = c
        .send(&PayRequest::new("43", "13800138000", "JY-E2E-1"))
        .await
        .expect("pay");
    assert!(order.order_id.starts_with("API"));
    assert_eq!(order.price, Some(Decimal::new(1980, 2)));
    let q = c
        .send(&QueryOrderRequest::by_order_id(&order.order_id))
        .await
        .expect("query");
    assert_eq!(
        (q.status, q.out_order_id.as_deref()),
        (OrderStatus::Waiting, Some("JY-E2E-1"))
    );
    let after = c.send(&QueryCashRequest::new()).await.expect("balance");
    assert_eq!(after.yuan, Decimal::new(100_000 - 840 - 1980, 2));
    let drawn = c
        .send(&DrawOrderRequest::by_out_order_id("JY-E2E-1"))
        .await
        .expect("cancel");
    assert_eq!(drawn.message, "下架成功");
    let q = c
        .reconcile("JY-E2E-1")
        .await
        .expect("reconcile")
        .into_found()
        .expect("found");
    assert_eq!(q.status, OrderStatus::Failed);
    let refunded = c.send(&QueryCashRequest::new()).await.expect("balance");
    assert_eq!(
        refunded.yuan,
        Decimal::new(100_000 - 840, 2),
        "cancel refunds"
    );

    // Refusals keep the provider's message.
    let dup = c
        .send(&PayRequest::new("43", "13800138000", "JY-E2E-1"))
        .await
        .expect_err("dup");
    assert_eq!(dup.api_message(), Some("订单号重复"));
    let missing = c
        .send(&QueryOrderRequest::by_out_order_id("nope"))
        .await
        .expect_err("missing");
    assert_eq!(missing.api_message(), Some("订单不存在"));
    let wrong = Client::builder(APPID, "not-the-secret")
        .base_url(sb.provider_url("jiuyi_dc"))
        .build()
        .expect("client")
        .send(&QueryCashRequest::new())
        .await
        .expect_err("bad sign");
    assert_eq!(wrong.api_message(), Some("签名错误"));
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn stock_check_and_price_ceiling() {
    let sb = sandbox().await;
    let c = client(&sb);
    let no_stock = c
        .send(&PayRequest::new("44", "13800138000", "JY-STOCK-1").stock_check(true))
        .await
        .expect_err("no stock");
    assert_eq!(no_stock.api_message(), Some("当前商品库存不足"));
    c.send(&PayRequest::new("44", "13800138000", "JY-STOCK-2"))
        .await
        .expect("without check the order is accepted");
    let cheap = c
        .send(&PayRequest::new("43", "13800138000", "JY-PRICE-1").max_price(Money::from_fen(1979)))
        .await
        .expect_err("ceiling");
    assert_eq!(
        cheap.api_message(),
        Some("合作商价格小于平台价格，下单失败")
    );
    c.send(&PayRequest::new("43", "13800138000", "JY-PRICE-2").max_price(Money::from_fen(1980)))
        .await
        .expect("ceiling equal to the price");
    c.send(
        &PayRequest::new("43", "13800138000", "JY-PRICE-3")
            .max_price(Money::parse_yuan("19.8").expect("yuan"))
            .send_money_type(false),
    )
    .await
    .expect("fen without money_type");
    let card = c
        .send(&CardPayOrderRequest::new("46", 1, "C-STOCK"))
        .await
        .expect_err("card stock");
    assert_eq!(card.api_message(), Some("库存不足"));
    let card = c
        .send(&CardPayOrderRequest::new("43", 1, "C-PRICE").max_price(Money::from_fen(419)))
        .await
        .expect_err("card ceiling");
    assert_eq!(card.api_message(), Some("订单金额小于商品价格"));
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn status_machine_with_verified_notifies_and_confirm() {
    let sb = sandbox().await;
    let c = client(&sb);
    let hook = Listener::start(0).await;
    let order = c
        .send(&PayRequest::new("43", "13800138000", "JY-FLOW-1").notify_url(&hook.url))
        .await
        .expect("pay");

    advance(&sb, 3).await; // matching at 2 s, its notify at +1 s
    let q = c
        .reconcile("JY-FLOW-1")
        .await
        .expect("query")
        .into_found()
        .expect("found");
    assert_eq!(q.status, OrderStatus::Matching);
    advance(&sb, 9).await; // charging at 5 s, success at 10 s, notifies 1 s later
    let notes = hook.verified(&c, 3).await;
    let statuses: Vec<OrderStatus> = notes
        .iter()
        .map(|n| n.as_ref().expect("verified").status.clone())
        .collect();
    assert_eq!(
        statuses,
        [
            OrderStatus::Matching,
            OrderStatus::Charging,
            OrderStatus::SuccessAwaitingConfirmation
        ]
    );
    let last = notes[2].as_ref().expect("verified");
    assert_eq!(
        (last.order_id.as_str(), last.out_order_id.as_str()),
        (order.order_id.as_str(), "JY-FLOW-1")
    );
    assert_eq!(last.account.as_deref(), Some("13800138000"));
    assert!(last.evidence.is_some());

    // Cancel is refused once fulfilment started; confirm moves 3 -> 4 and notifies.
    let refused = c
        .send(&DrawOrderRequest::by_order_id(&order.order_id))
        .await
        .expect_err("not waiting");
    assert!(matches!(refused, Error::Api(_)));
    c.send(&ConfirmOrderRequest::new(&order.order_id))
        .await
        .expect("confirm");
    assert_eq!(
        c.reconcile("JY-FLOW-1")
            .await
            .expect("query")
            .into_found()
            .expect("found")
            .status,
        OrderStatus::Completed
    );
    advance(&sb, 2).await;
    let notes = hook.verified(&c, 4).await;
    assert_eq!(
        notes[3].as_ref().expect("verified").status,
        OrderStatus::Completed
    );
    let again = c
        .send(&ConfirmOrderRequest::new(&order.order_id))
        .await
        .expect_err("twice");
    assert!(matches!(again, Error::Api(_)));
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn auto_confirm_after_24_hours_and_failures() {
    let sb = sandbox().await;
    let c = client(&sb);
    let hook = Listener::start(0).await;
    c.send(&PayRequest::new("43", "13800138000", "JY-AUTO"))
        .await
        .expect("pay");
    c.send(&PayRequest::new("50", "fail-13800000000", "JY-FAIL").notify_url(&hook.url))
        .await
        .expect("pay");
    advance(&sb, 12).await;
    assert_eq!(
        c.reconcile("JY-AUTO")
            .await
            .expect("q")
            .into_found()
            .expect("found")
            .status,
        OrderStatus::SuccessAwaitingConfirmation
    );
    let failed = c
        .reconcile("JY-FAIL")
        .await
        .expect("q")
        .into_found()
        .expect("found");
    assert!(failed.status.is_final() && !failed.status.is_success());
    let notes = hook.verified(&c, 3).await;
    let last = notes.last().expect("notes").as_ref().expect("verified");
    assert_eq!(last.status, OrderStatus::Failed);
    assert!(last.evidence.as_deref().is_some_and(|e| e.contains("失败")));
    sb.advance(Duration::from_secs(24 * 3600));
    assert_eq!(
        c.reconcile("JY-AUTO")
            .await
            .expect("q")
            .into_found()
            .expect("found")
            .status,
        OrderStatus::Completed
    );

    // Disputes (set through the control API) and the 7-day takedown.
    let disputed = c
        .send(&PayRequest::new("43", "13800138000", "JY-DISPUTE"))
        .await
        .expect("pay");
    let stale = c
        .send(&PayRequest::new("43", "13800138000", "JY-STALE"))
        .await
        .expect("pay");
    sb.mark(&disputed.order_id, OrderState::Success, Some("disputed"))
        .expect("dispute");
    assert_eq!(
        c.reconcile("JY-DISPUTE")
            .await
            .expect("q")
            .into_found()
            .expect("found")
            .status,
        OrderStatus::Disputed
    );
    sb.mark_expired(&stale.order_id).expect("takedown");
    assert_eq!(
        c.reconcile("JY-STALE")
            .await
            .expect("q")
            .into_found()
            .expect("found")
            .status,
        OrderStatus::Failed
    );
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn notify_redelivered_until_success_on_schedule() {
    let sb = sandbox().await;
    let c = client(&sb);
    let hook = Listener::start(2).await;
    let order = c
        .send(&PayRequest::new("43", "13800138000", "JY-RETRY").notify_url(&hook.url))
        .await
        .expect("pay");
    sb.mark_paid(&order.order_id).expect("success now");
    advance(&sb, 16).await; // attempts at 1, 5 and 15 s
    let notes = hook.verified(&c, 3).await;
    assert_eq!(
        notes.len(),
        3,
        "two failures, then acknowledged, then no more"
    );
    let keys: Vec<String> = notes
        .iter()
        .map(|n| n.as_ref().expect("verified").dedupe_key())
        .collect();
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "duplicates share the dedupe key"
    );
    let record = sb.callbacks_for(&order.order_id);
    let r = record.last().expect("record");
    assert_eq!(
        r.schedule_ms,
        [1, 5, 15, 20, 25, 30, 35, 40, 45, 50]
            .map(|s| s * 1000)
            .to_vec()
    );
    assert_eq!(r.attempts.len(), 3);
    assert!(r.attempts[2].acknowledged && !r.attempts[1].acknowledged);
    advance(&sb, 40).await;
    assert_eq!(hook.count(), 3);
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn injected_faults() {
    let sb = sandbox().await;
    let c = client(&sb);
    let p = |route: &str, kind: FaultKind| FaultRule::new(kind).provider("jiuyi_dc").route(route);

    // 503 once on a read: retried, succeeds.
    sb.add_fault(
        p(
            "/dcapi/queryCash",
            FaultKind::HttpStatus {
                status: 503,
                after_handler: false,
            },
        )
        .once(),
    );
    c.send(&QueryCashRequest::new())
        .await
        .expect("retried after 503");

    // Connection closed mid-body on a read: retried.
    sb.add_fault(p("/dcapi/queryCardCategory", FaultKind::CloseMidBody).once());
    c.send(&QueryCardCategoryRequest::new())
        .await
        .expect("retried after close");

    // HTML error page every time on a read: typed decode error after the retries.
    let id = sb.add_fault(p(
        "/dcapi/queryCardInfo",
        FaultKind::HtmlError {
            status: 502,
            after_handler: false,
        },
    ));
    let e = c
        .send(&QueryCardInfoRequest::new("43"))
        .await
        .expect_err("html");
    assert!(matches!(&e, Error::Decode(d) if d.status() == 502), "{e:?}");
    sb.remove_fault(id);

    // Truncated JSON on a read: a one-off truncation is retried away; a persistent one is a
    // typed decode error once the attempts run out.
    let once = sb.add_fault(p("/dcapi/card/queryCardDetail", FaultKind::TruncatedJson).once());
    c.send(&CardQueryCardDetailRequest::new("43"))
        .await
        .expect("a one-off truncated reply is retried");
    sb.remove_fault(once);
    let always = sb.add_fault(p("/dcapi/card/queryCardDetail", FaultKind::TruncatedJson));
    let e = c
        .send(&CardQueryCardDetailRequest::new("43"))
        .await
        .expect_err("truncated");
    assert!(
        matches!(&e, Error::Decode(d) if matches!(d.kind(), DecodeErrorKind::NotJson { .. })),
        "{e:?}"
    );
    sb.remove_fault(always);

    // A create whose reply is lost after the order was made: unknown outcome, never resent,
    // settled by reconcile.
    sb.add_fault(
        p(
            "/dcapi/pay",
            FaultKind::HttpStatus {
                status: 503,
                after_handler: true,
            },
        )
        .once(),
    );
    let e = c
        .send(&PayRequest::new("43", "13800138000", "JY-FAULT-1"))
        .await
        .expect_err("unknown");
    assert!(e.is_outcome_unknown(), "{e:?}");
    assert_eq!(
        c.reconcile("JY-FAULT-1")
            .await
            .expect("exists")
            .into_found()
            .expect("found")
            .status,
        OrderStatus::Waiting
    );

    // A create slower than the client's timeout: unknown outcome, the order exists once.
    sb.add_fault(p("/dcapi/pay", FaultKind::Delay { ms: 1500 }).once());
    let e = c
        .send(&PayRequest::new("43", "13800138000", "JY-FAULT-2"))
        .await
        .expect_err("timeout");
    assert!(e.is_outcome_unknown(), "{e:?}");
    assert_eq!(
        c.reconcile("JY-FAULT-2")
            .await
            .expect("exists")
            .into_found()
            .expect("found")
            .out_order_id
            .as_deref(),
        Some("JY-FAULT-2")
    );
    let orders: Vec<_> = sb
        .orders(&payhub_sandbox::OrderFilter::default().provider("jiuyi_dc"))
        .into_iter()
        .filter(|o| o.merchant_order_no == "JY-FAULT-2")
        .collect();
    assert_eq!(orders.len(), 1, "never resent");

    // A card purchase cut mid-body: unknown outcome, reconciled.
    sb.add_fault(p("/dcapi/card/payOrder", FaultKind::CloseMidBody).once());
    let e = c
        .send(&CardPayOrderRequest::new("43", 1, "C-FAULT"))
        .await
        .expect_err("unknown");
    assert!(e.is_outcome_unknown(), "{e:?}");
    assert_eq!(
        c.reconcile_card("C-FAULT")
            .await
            .expect("exists")
            .into_found()
            .expect("found")
            .len(),
        1
    );

    // Callbacks with a corrupted signature are rejected by the verifier; the handler answers
    // `fail` (Ack::retry) to that one and the provider redelivers an intact notify.
    let hook = Listener::start(1).await;
    let order = c
        .send(&PayRequest::new("43", "13800138000", "JY-FAULT-3").notify_url(&hook.url))
        .await
        .expect("pay");
    sb.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .provider("jiuyi_dc")
            .on_callbacks()
            .once(),
    );
    sb.mark_paid(&order.order_id).expect("paid");
    advance(&sb, 6).await;
    let notes = hook.verified(&c, 2).await;
    assert!(
        matches!(notes[0], Err(Error::Notify(NotifyError::BadSignature))),
        "{:?}",
        notes[0]
    );
    assert!(notes[1].is_ok(), "the redelivery is intact");
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn retention_waits_for_the_confirmation_window_and_keeps_the_balance() {
    let sb = Sandbox::builder()
        .clock_speed(0)
        .order_retention(Some(Duration::from_secs(600)))
        .start()
        .await
        .expect("sandbox starts");
    let c = client(&sb);
    let order = c
        .send(&PayRequest::new("43", "13800138000", "JY-RET"))
        .await
        .expect("pay");
    advance(&sb, 12).await;
    assert_eq!(
        c.reconcile("JY-RET")
            .await
            .expect("q")
            .into_found()
            .expect("found")
            .status,
        OrderStatus::SuccessAwaitingConfirmation
    );
    let cash = c
        .send(&QueryCashRequest::new())
        .await
        .expect("balance")
        .yuan;

    // Final in the shared store, but still awaiting confirmation: kept well past the retention.
    sb.advance(Duration::from_secs(12 * 3600));
    sb.settle().await.expect("settle");
    assert!(sb.order(&order.order_id).is_some());
    c.send(&ConfirmOrderRequest::new(&order.order_id))
        .await
        .expect("confirm after 12 h");
    assert_eq!(
        c.reconcile("JY-RET")
            .await
            .expect("q")
            .into_found()
            .expect("found")
            .status,
        OrderStatus::Completed
    );

    // Past the 24-hour window plus the retention: removed, the balance unchanged.
    sb.advance(Duration::from_secs(13 * 3600));
    sb.settle().await.expect("settle");
    assert!(sb.order(&order.order_id).is_none());
    assert!(
        c.reconcile("JY-RET")
            .await
            .expect("answered")
            .is_not_found(),
        "not found any more"
    );
    assert_eq!(
        c.send(&QueryCashRequest::new())
            .await
            .expect("balance")
            .yuan,
        cash
    );
    sb.shutdown().await.expect("shutdown");
}
