//! End-to-end tests of the `vipcharge` client against the sandbox's `vipcharge` module: the
//! golden-vector requests, every endpoint with both sign types, asynchronous order progress with
//! signed callbacks received on a local listener and verified by `vipcharge::NotifyVerifier`,
//! redeliveries on the platform's schedule, nonce replay, stale timestamps, typed refusals and
//! every injected fault.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use payhub_sandbox::{FaultKind, FaultRule, OrderState, Sandbox, SandboxClock, SandboxHandle};
use rust_decimal::Decimal;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use vipcharge::api::{
    AlipayCouponsRequest, AlipayTransferRequest, BalanceRequest, BatchItem, BatchRequest,
    CouponRequest, GasCardRequest, OrderInfoRequest, ProductCodeRequest, ProductListRequest,
    RedPacketRequest, VipChargeRequest, WechatCouponsRequest, WechatTransferRequest,
};
use vipcharge::error::{DecodeErrorKind, TransportErrorKind, UnknownReason};
use vipcharge::notify::CallbackHeaders;
use vipcharge::types::{GasCardType, OrderStatus, ReplyStatus};
use vipcharge::{
    Ack, Client, ClientBuilder, Clock, Credentials, Error, FixedClock, FixedNonce, Notification,
    NotifyVerifier, ReplySignatureMode, RetryPolicy,
};

const SECRET: &str = "testSignKey";

fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/vectors")
}

fn merchant_key() -> Vec<u8> {
    std::fs::read(fixtures().join("vipcharge_test_key.pem")).expect("vector key")
}

async fn sandbox() -> SandboxHandle {
    Sandbox::builder()
        .clock_speed(0)
        .start()
        .await
        .expect("sandbox starts")
}

/// The client's clock follows the (frozen, hand-advanced) sandbox clock, so its timestamps stay
/// fresh however far a test moves time.
struct SandboxNow(SandboxClock);

impl std::fmt::Debug for SandboxNow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SandboxNow")
    }
}

impl Clock for SandboxNow {
    fn now_millis(&self) -> i64 {
        self.0.now().unix_millis()
    }
}

fn base(sb: &SandboxHandle, credentials: Credentials) -> ClientBuilder {
    Client::builder("166", "166", credentials)
        .base_url(sb.provider_url("vipcharge"))
        .clock(Arc::new(SandboxNow(sb.clock().clone())))
        .timeout(Duration::from_millis(700))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_delay(Duration::from_millis(5)),
        )
}

fn md5_client(sb: &SandboxHandle) -> Client {
    base(sb, Credentials::md5(SECRET))
        .card_key(merchant_key())
        .reply_signatures(ReplySignatureMode::Strict)
        .build()
        .expect("MD5 client")
}

fn platform_public_key(sb: &SandboxHandle) -> String {
    sb.credentials("vipcharge")
        .into_iter()
        .find(|c| c.label() == "platform public key (PEM)")
        .expect("the sandbox publishes its platform key")
        .value()
        .to_owned()
}

fn rsa_client(sb: &SandboxHandle) -> Client {
    base(sb, Credentials::sha256_rsa_pem(merchant_key()))
        .platform_public_key(platform_public_key(sb))
        .reply_signatures(ReplySignatureMode::Strict)
        .build()
        .expect("RSA client")
}

/// One delivery received by the listener: the headers, the raw body and what the handler made
/// of it.
#[derive(Clone, Debug)]
struct Delivery {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    verified: Result<Notification, String>,
}

/// A merchant callback endpoint: verifies each delivery with `verifier`, answers `SUCCESS` when
/// it verifies (after the first `fail_first` deliveries, which get `FAIL`), `FAIL` otherwise.
struct Listener {
    url: String,
    seen: Arc<Mutex<Vec<Delivery>>>,
}

impl Listener {
    async fn start(verifier: NotifyVerifier, fail_first: usize) -> Self {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/vip/notify", l.local_addr().expect("addr"));
        let seen: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let seen2 = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let seen = Arc::clone(&seen2);
                let verifier = verifier.clone();
                tokio::spawn(async move {
                    let Some((headers, body)) = read_request(&mut s).await else {
                        return;
                    };
                    let mut h = CallbackHeaders::new();
                    for (k, v) in &headers {
                        h = h.header(k, v);
                    }
                    let verified = verifier
                        .verify(&h.to_header_map(), &body)
                        .map_err(|e| e.to_string());
                    let n = {
                        let mut seen = seen.lock().expect("lock");
                        seen.push(Delivery {
                            headers,
                            body,
                            verified: verified.clone(),
                        });
                        seen.len()
                    };
                    let ack = if verified.is_ok() && n > fail_first {
                        Ack::success()
                    } else {
                        Ack::retry()
                    };
                    let reply = format!(
                        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                        ack.status(),
                        ack.content_type(),
                        ack.body().len(),
                        ack.body()
                    );
                    let _ = s.write_all(reply.as_bytes()).await;
                    let _ = s.shutdown().await;
                });
            }
        });
        Self { url, seen }
    }

    fn deliveries(&self) -> Vec<Delivery> {
        self.seen.lock().expect("lock").clone()
    }
}

async fn read_request(s: &mut tokio::net::TcpStream) -> Option<(Vec<(String, String)>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let headers: Vec<(String, String)> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[end + 4..].to_vec();
    while body.len() < len {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((headers, body))
}

/// Runs every due transition and callback until nothing is scheduled.
async fn run_all(sb: &SandboxHandle) {
    for _ in 0..40 {
        if sb.advance_to_next_due().await.expect("settles").is_none() {
            return;
        }
    }
    panic!("work is still scheduled after 40 steps");
}

fn expect_unknown(err: &Error) -> &vipcharge::error::OutcomeUnknown {
    match err {
        Error::OutcomeUnknown(u) => u,
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
}

#[tokio::test]
async fn golden_vector_requests_are_accepted_and_a_replay_is_refused() {
    #[derive(serde::Deserialize)]
    struct File {
        cases: Vec<Case>,
    }
    #[derive(serde::Deserialize)]
    struct Case {
        name: String,
        kind: String,
        headers: std::collections::BTreeMap<String, String>,
        body: String,
        sign: String,
    }
    let file: File =
        serde_json::from_slice(&std::fs::read(fixtures().join("vipcharge.json")).expect("vectors"))
            .expect("vector file");
    let ts: i64 = 1_628_757_969_177;
    let sb = Sandbox::builder()
        .clock_speed(0)
        .start_time(payhub_sandbox::SandboxTime::from_unix_millis(ts))
        .start()
        .await
        .expect("sandbox");
    let http = reqwest::Client::new();
    // Each case is sent byte for byte, as published. The cases share one nonce, so the first
    // accepted request uses it up and every later one is a replay (status 6).
    let mut statuses = Vec::new();
    for case in file
        .cases
        .iter()
        .filter(|c| c.kind == "request" && !c.name.starts_with("doc_"))
    {
        let path = if case.body.contains("orderCode") {
            "order/info"
        } else {
            "order/VIPCharge"
        };
        let mut req = http
            .post(format!(
                "{}/v1/openapi/{path}",
                sb.provider_url("vipcharge")
            ))
            .header("Content-Type", "application/json; charset=utf-8")
            .header("sign", &case.sign)
            .body(case.body.clone());
        for (k, v) in &case.headers {
            req = req.header(k, v);
        }
        let bytes = req.send().await.expect("sent").bytes().await.expect("body");
        let reply: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
        statuses.push((case.name.clone(), reply["status"].as_i64().expect("status")));
    }
    assert_eq!(
        statuses[0],
        ("vip_charge_md5".to_owned(), 0),
        "{statuses:?}"
    );
    assert!(
        statuses[1..].iter().all(|(_, s)| *s == 6),
        "replays refused: {statuses:?}"
    );
    let order = sb.order("87103").expect("the vector order exists");
    assert_eq!(order.amount, Decimal::new(1980, 2));

    // The same request through the client, pinned to the vector clock and nonce: a replay too.
    let client = base(&sb, Credentials::md5(SECRET))
        .clock(Arc::new(FixedClock::from_millis(ts)))
        .nonce_source(Arc::new(FixedNonce(
            "b1946ac9-2492-4d23-87c6-235b4d261118".into(),
        )))
        .build()
        .expect("client");
    let err = client
        .send(
            &VipChargeRequest::new("87103", "w23b52", "87103")
                .mobile("15012616978")
                .callback_url("https://merchant.test/vip/notify"),
        )
        .await
        .expect_err("nonce replay");
    let u = expect_unknown(&err);
    assert!(matches!(
        u.reason(),
        UnknownReason::ProviderStatus {
            status: ReplyStatus::NonceRepeated,
            ..
        }
    ));
    let order = md5_client(&sb)
        .reconcile("87103")
        .await
        .expect("reconcile")
        .into_found()
        .expect("found");
    assert_eq!(
        order.order_code(),
        Some(sb.order("87103").expect("order").platform_order_no.as_str())
    );
}

#[tokio::test]
async fn every_endpoint_with_both_sign_types() {
    let sb = sandbox().await;
    for (label, c) in [("MD5", md5_client(&sb)), ("SHA256-RSA", rsa_client(&sb))] {
        let tag = |s: &str| format!("{label}-{s}");
        let before = c
            .send(&BalanceRequest::new())
            .await
            .expect("balance")
            .amount()
            .expect("amount");

        let r = c
            .send(&VipChargeRequest::new("87103", "w23b52", tag("VIP")).mobile("15012616978"))
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(r.settlement_price(), Some(Decimal::new(1980, 2)));
        assert!(r.order_code().is_some_and(|o| o.starts_with("VC")));

        c.send(
            &GasCardRequest::new("9030000012345678", GasCardType::PetroChina).biz_code(tag("GAS")),
        )
        .await
        .expect("gasCard");
        let batch = c
            .send(
                &BatchRequest::new(tag("BATCH"), "ZSH-100")
                    .item(BatchItem::new(tag("B1"), "1000113200000000001"))
                    .item(BatchItem::new(tag("B2"), "1000113200000000002")),
            )
            .await
            .expect("batch");
        assert_eq!(batch.items().len(), 2);
        c.send(
            &RedPacketRequest::new("TPL-1")
                .open_id("o-1")
                .biz_code(tag("RP")),
        )
        .await
        .expect("redPacket");
        let t = c
            .send(&AlipayTransferRequest::new(
                tag("AT"),
                "ALI-RP",
                Decimal::new(1050, 2),
            ))
            .await
            .expect("alipay/transfer");
        assert_eq!(t.settlement_price(), Some(Decimal::new(1050, 2)));
        c.send(&AlipayCouponsRequest::new("15012616978", "ALI-LJJ").biz_code(tag("AC")))
            .await
            .expect("alipay/coupons");
        c.send(
            &WechatCouponsRequest::new("o-1")
                .product_code("WX-LJJ")
                .biz_code(tag("WC")),
        )
        .await
        .expect("wechat/coupons");
        c.send(&WechatTransferRequest::new("o-1", "WX-LQ-5").biz_code(tag("WT")))
            .await
            .expect("wechat/transfer");

        // Card codes: decrypted with the merchant key, equal to what the sandbox issued.
        let coupons = c
            .send(&CouponRequest::new("P-100", tag("C")).num(3))
            .await
            .expect("coupon");
        let issued = sb.order(&tag("C")).expect("coupon order").payload["codes"].clone();
        assert_eq!(coupons.codes().len(), 3);
        for (code, want) in coupons
            .codes()
            .iter()
            .zip(issued.as_array().expect("codes"))
        {
            assert_eq!(
                code.cdkey().expose(),
                want["cdkey"].as_str().expect("cdkey")
            );
            assert_eq!(
                code.card_no().map(|s| s.expose()),
                want["cardNo"].as_str(),
                "{label}"
            );
        }
        assert_eq!(coupons.settlement_price(), Some(Decimal::new(2970, 2)));
        let links = c
            .send(&CouponRequest::new("LINK-1", tag("L")))
            .await
            .expect("links");
        let link = links.codes()[0].cdkey().expose();
        assert!(
            link.starts_with("https://sandbox.invalid/redeem") && link.len() > 245,
            "{link}"
        );
        assert!(links.codes()[0].card_no().is_none());
        let pc = c
            .send(&ProductCodeRequest::new("RP-001").biz_code(tag("PC")))
            .await
            .expect("productCode");
        assert_eq!(pc.codes().len(), 1);

        let info = c
            .send(&OrderInfoRequest::by_biz_code(tag("VIP")))
            .await
            .expect("order/info");
        assert_eq!(info.status(), Some(&OrderStatus::Accepted));
        assert_eq!(info.settlement_price(), Some(Decimal::new(1980, 2)));
        assert_eq!(info.account(), Some("w23b52"));
        let by_no = c
            .send(&OrderInfoRequest::by_order_code(
                r.order_code().expect("no"),
            ))
            .await
            .expect("by orderCode");
        assert_eq!(by_no.biz_code(), Some(tag("VIP").as_str()));

        let after = c
            .send(&BalanceRequest::new())
            .await
            .expect("balance")
            .amount()
            .expect("amount");
        let spent = Decimal::new(1980, 2) // VIP
            + Decimal::new(9950, 2) // gas
            + Decimal::new(19900, 2) // batch
            + Decimal::new(100, 2) // red packet
            + Decimal::new(1050, 2) // alipay transfer
            + Decimal::new(450, 2) * Decimal::from(2) // discounts
            + Decimal::new(500, 2) // wechat transfer
            + Decimal::new(2970, 2) // coupons
            + Decimal::new(300, 2) // link
            + Decimal::new(500, 2); // product code
        assert_eq!(
            before - after,
            spent,
            "{label}: the balance moves with orders"
        );

        let products = c
            .send(&ProductListRequest::new())
            .await
            .expect("product/list");
        assert!(
            products
                .products()
                .iter()
                .any(|p| p.product_code() == Some("87103"))
        );
    }
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn orders_progress_and_signed_callbacks_arrive_for_both_sign_types() {
    let sb = sandbox().await;
    let md5 = md5_client(&sb);
    let rsa = rsa_client(&sb);
    let md5_listener = Listener::start(md5.notify_verifier().expect("verifier"), 0).await;
    let rsa_listener = Listener::start(rsa.notify_verifier().expect("verifier"), 0).await;
    md5.send(&VipChargeRequest::new("87103", "acct-1", "CB-MD5").callback_url(&md5_listener.url))
        .await
        .expect("accepted");
    rsa.send(
        &VipChargeRequest::new("87103", "acct-2-fail", "CB-RSA").callback_url(&rsa_listener.url),
    )
    .await
    .expect("accepted");
    assert_eq!(
        md5.reconcile("CB-MD5")
            .await
            .expect("query")
            .into_found()
            .expect("found")
            .status(),
        Some(&OrderStatus::Accepted)
    );
    run_all(&sb).await;

    for (listener, client, biz, last) in [
        (&md5_listener, &md5, "CB-MD5", OrderStatus::Success),
        (&rsa_listener, &rsa, "CB-RSA", OrderStatus::Failed),
    ] {
        let seen = listener.deliveries();
        let statuses: Vec<OrderStatus> = seen
            .iter()
            .map(|d| d.verified.clone().unwrap_or_else(|e| panic!("{biz}: {e}")))
            .map(|n| n.status().cloned().expect("status"))
            .collect();
        assert_eq!(statuses, [OrderStatus::Processing, last.clone()], "{biz}");
        let n = seen[1].verified.clone().expect("verified");
        assert_eq!(n.biz_code(), Some(biz));
        assert_eq!(n.settlement_price(), Some(Decimal::new(1980, 2)));
        assert!(
            !seen[0]
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("signType")),
            "callbacks carry no signType"
        );
        if last == OrderStatus::Failed {
            assert_eq!(n.extra()["failReason"], "账号不存在");
        }
        let info = client
            .reconcile(biz)
            .await
            .expect("query")
            .into_found()
            .expect("found");
        assert_eq!(info.status(), Some(&last));
        for record in sb.callbacks_for(biz) {
            assert_eq!(record.attempts.len(), 1, "acknowledged at once");
            assert!(record.attempts[0].acknowledged);
        }
    }
    // A callback signed for the MD5 merchant does not verify with the platform key.
    let d = &md5_listener.deliveries()[0];
    let mut h = CallbackHeaders::new();
    for (k, v) in &d.headers {
        h = h.header(k, v);
    }
    assert!(
        rsa.notify_verifier()
            .expect("v")
            .verify(&h.to_header_map(), &d.body)
            .is_err()
    );
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn unacknowledged_callbacks_are_redelivered_on_schedule() {
    let sb = sandbox().await;
    let c = md5_client(&sb);
    let listener = Listener::start(c.notify_verifier().expect("verifier"), 3).await;
    // `-hold`: only the "processing" change, so one callback and its redeliveries.
    c.send(&VipChargeRequest::new("87103", "acct-hold", "RETRY-1").callback_url(&listener.url))
        .await
        .expect("accepted");
    run_all(&sb).await;
    let records = sb.callbacks_for("RETRY-1");
    assert_eq!(records.len(), 1);
    let attempts = &records[0].attempts;
    assert_eq!(attempts.len(), 4, "three FAIL answers, then SUCCESS");
    assert!(attempts[3].acknowledged && !attempts[2].acknowledged);
    let first = attempts[0].scheduled_at.unix_millis();
    let offsets: Vec<i64> = attempts
        .iter()
        .map(|a| (a.scheduled_at.unix_millis() - first) / 1000)
        .collect();
    assert_eq!(
        offsets,
        [0, 15, 45, 225],
        "15 s, 30 s, 3 min after the previous attempt"
    );
    let keys: Vec<String> = listener
        .deliveries()
        .iter()
        .map(|d| d.verified.clone().expect("verified").dedupe_key())
        .collect();
    assert_eq!(keys.len(), 4);
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "the same report each time: {keys:?}"
    );
    assert_eq!(
        vipcharge::notify::RETRY_SCHEDULE[..3],
        [
            Duration::from_secs(15),
            Duration::from_secs(30),
            Duration::from_secs(180)
        ]
    );
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn duplicates_stale_timestamps_and_replayed_nonces() {
    let sb = sandbox().await;
    let c = md5_client(&sb);
    c.send(&VipChargeRequest::new("87103", "a", "DUP-1"))
        .await
        .expect("first");
    let err = c
        .send(&VipChargeRequest::new("87103", "a", "DUP-1"))
        .await
        .expect_err("duplicate");
    assert_eq!(err.reply_status(), Some(&ReplyStatus::DuplicateOrder));
    assert!(err.is_outcome_unknown(), "never reported as failed");
    let found = c
        .reconcile(err.biz_code().expect("biz"))
        .await
        .expect("reconcile")
        .into_found()
        .expect("found");
    assert_eq!(found.biz_code(), Some("DUP-1"));

    let stale_ms = sb.now().unix_millis() - 10 * 60 * 1000;
    let stale = base(&sb, Credentials::md5(SECRET))
        .clock(Arc::new(FixedClock::from_millis(stale_ms)))
        .build()
        .expect("client");
    let err = stale
        .send(&VipChargeRequest::new("87103", "a", "STALE-1"))
        .await
        .expect_err("stale");
    assert!(matches!(
        expect_unknown(&err).reason(),
        UnknownReason::ProviderStatus {
            status: ReplyStatus::RequestExpired,
            ..
        }
    ));
    let err = stale
        .send(&BalanceRequest::new())
        .await
        .expect_err("stale read");
    assert_eq!(err.reply_status(), Some(&ReplyStatus::RequestExpired));
    assert!(
        sb.order("STALE-1").is_none(),
        "a stale request creates nothing"
    );

    let replay = base(&sb, Credentials::md5(SECRET))
        .nonce_source(Arc::new(FixedNonce("fixed-nonce-1".into())))
        .build()
        .expect("client");
    replay
        .send(&VipChargeRequest::new("87103", "a", "NONCE-1"))
        .await
        .expect("first use");
    let err = replay
        .send(&VipChargeRequest::new("87103", "a", "NONCE-2"))
        .await
        .expect_err("replayed nonce");
    assert!(matches!(
        expect_unknown(&err).reason(),
        UnknownReason::ProviderStatus {
            status: ReplyStatus::NonceRepeated,
            ..
        }
    ));
    assert!(sb.order("NONCE-2").is_none());
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn refusals_are_typed() {
    let mut table = toml::Table::new();
    table.insert(
        "merchants".into(),
        toml::Value::Array(vec![toml::Value::Table(toml::toml! {
            merchant_id = "166"
            business_id = "166"
            secret = "testSignKey"
            balance = "30"
        })]),
    );
    let sb = Sandbox::builder()
        .clock_speed(0)
        .provider_config("vipcharge", table)
        .start()
        .await
        .expect("sandbox");
    let c = md5_client(&sb);
    let api = |e: Error| match e {
        Error::Api(a) => a.status().clone(),
        other => panic!("expected Error::Api, got {other:?}"),
    };
    let wrong = base(&sb, Credentials::md5("not-the-secret"))
        .build()
        .expect("client");
    assert_eq!(
        api(wrong
            .send(&BalanceRequest::new())
            .await
            .expect_err("bad sign")),
        ReplyStatus::SignatureRejected
    );
    assert_eq!(
        api(c
            .send(&VipChargeRequest::new("ZSH-100", "a", "R-1"))
            .await
            .expect_err("balance")),
        ReplyStatus::InsufficientBalance
    );
    assert_eq!(
        api(c
            .send(&CouponRequest::new("SOLD-OUT", "R-2"))
            .await
            .expect_err("stock")),
        ReplyStatus::OutOfStock
    );
    assert_eq!(
        api(c
            .send(&VipChargeRequest::new("NO-SUCH", "a", "R-3"))
            .await
            .expect_err("product")),
        ReplyStatus::NotFound
    );
    assert_eq!(
        api(c
            .send(&OrderInfoRequest::by_biz_code("NOPE"))
            .await
            .expect_err("no order")),
        ReplyStatus::NotFound
    );
    sb.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn injected_faults() {
    let sb = sandbox().await;
    let c = md5_client(&sb);
    let route = |p: &str| format!("/v1/openapi{p}");

    // A 503 on a read is retried.
    sb.add_fault(
        FaultRule::new(FaultKind::HttpStatus {
            status: 503,
            after_handler: false,
        })
        .provider("vipcharge")
        .route(route("/merchant/business/balance"))
        .once(),
    );
    c.send(&BalanceRequest::new())
        .await
        .expect("retried after 503");

    // An HTML error page on a read, once: retried (5xx) and then answered.
    sb.add_fault(
        FaultRule::new(FaultKind::HtmlError {
            status: 502,
            after_handler: false,
        })
        .provider("vipcharge")
        .route(route("/order/product/list"))
        .once(),
    );
    c.send(&ProductListRequest::new())
        .await
        .expect("retried after the HTML page");

    // Orders whose reply is lost are never resent, and reconcile finds them.
    let lost: [(&str, FaultKind); 3] = [
        (
            "F-502",
            FaultKind::HttpStatus {
                status: 502,
                after_handler: true,
            },
        ),
        ("F-CLOSE", FaultKind::CloseMidBody),
        ("F-DELAY", FaultKind::Delay { ms: 1_500 }),
    ];
    for (biz, fault) in lost {
        sb.clear_faults();
        sb.add_fault(
            FaultRule::new(fault)
                .provider("vipcharge")
                .route(route("/order/VIPCharge")),
        );
        let err = c
            .send(&VipChargeRequest::new("87103", "a", biz))
            .await
            .expect_err("reply lost");
        let u = expect_unknown(&err);
        if biz == "F-DELAY" {
            assert_eq!(
                u.reason(),
                &UnknownReason::Transport(TransportErrorKind::Timeout)
            );
        }
        sb.clear_faults();
        let order = c
            .reconcile(biz)
            .await
            .unwrap_or_else(|e| panic!("{biz}: {e}"))
            .into_found()
            .unwrap_or_else(|| panic!("{biz}: not found"));
        assert_eq!(order.biz_code(), Some(biz), "the order exists");
        let orders = sb.orders(&payhub_sandbox::OrderFilter::default().merchant_order_no(biz));
        assert_eq!(orders.len(), 1, "{biz}: sent exactly once");
    }

    // Truncated JSON on a read is a decode error, not retried into success. (A strict client
    // refuses it earlier: its signature no longer matches the bytes; see below.)
    sb.add_fault(
        FaultRule::new(FaultKind::TruncatedJson)
            .provider("vipcharge")
            .route(route("/order/info")),
    );
    // Reply signatures off: the default also refuses the truncated (now mis-signed) reply.
    let lenient = base(&sb, Credentials::md5(SECRET))
        .reply_signatures(ReplySignatureMode::Off)
        .build()
        .expect("client");
    let err = lenient.reconcile("F-502").await.expect_err("truncated");
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.kind(), DecodeErrorKind::Truncated);
    let err = c.reconcile("F-502").await.expect_err("truncated, strict");
    assert!(matches!(err, Error::Signature(_)), "{err:?}");
    sb.clear_faults();

    // A corrupted reply signature fails strict verification; on an order the order exists.
    sb.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .provider("vipcharge")
            .route(route("/order/VIPCharge"))
            .once(),
    );
    let err = c
        .send(&VipChargeRequest::new("87103", "a", "F-SIG"))
        .await
        .expect_err("bad reply signature");
    assert!(
        matches!(&err, Error::OutcomeUnknown(u) if matches!(u.reason(), UnknownReason::ReplySignature(_))),
        "{err:?}"
    );
    assert!(sb.order("F-SIG").is_some());

    // A corrupted callback signature is refused by the merchant and delivered again.
    let listener = Listener::start(c.notify_verifier().expect("verifier"), 0).await;
    sb.add_fault(
        FaultRule::new(FaultKind::WrongSignature)
            .provider("vipcharge")
            .on_callbacks()
            .once(),
    );
    c.send(&VipChargeRequest::new("87103", "acct-hold", "F-CB").callback_url(&listener.url))
        .await
        .expect("accepted");
    run_all(&sb).await;
    let seen = listener.deliveries();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[0]
            .verified
            .as_ref()
            .is_err_and(|e| e.contains("signature does not match"))
    );
    assert!(seen[1].verified.is_ok());
    let attempts = &sb.callbacks_for("F-CB")[0].attempts;
    assert!(attempts[0].tampered && !attempts[0].acknowledged);
    assert!(!attempts[1].tampered && attempts[1].acknowledged);
    assert_eq!(
        sb.order("F-CB").expect("order").state,
        OrderState::Processing,
        "`-hold` accounts stay processing"
    );
    sb.shutdown().await.expect("shutdown");
}
