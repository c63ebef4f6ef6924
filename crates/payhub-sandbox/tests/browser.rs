//! A real browser on `/_sandbox/ui`: Debian's headless Chromium driven through chromedriver
//! (WebDriver, via `fantoccini`) opens the orders page, clicks an order, clicks "pay", waits
//! until the delivered callback shows in the timeline as acknowledged with HTTP 200, and saves
//! a screenshot to `<target dir>/payhub-sandbox-ui.png`.
//!
//! The sandbox runs in-process with a real callback receiver on 127.0.0.1 that acknowledges
//! WinPay callbacks. chromedriver and Chromium must be installed (`apt-get install chromium
//! chromium-driver`; `.ci/run` does it): without them this test fails, it never skips.
//! Everything is bounded: the whole test has 60 s.

use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use gateway_recharge::Client;
use gateway_recharge::api::CreateOrderRequest;
use payhub_sandbox::{CallbackStatus, Sandbox};
use rust_decimal::Decimal;
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const INSTALL_HINT: &str = "install them with `apt-get install chromium chromium-driver`";
const TEST_LIMIT: Duration = Duration::from_secs(60);

/// `chromedriver` on a free local port, in its own process group; dropping it ends that group
/// (chromedriver and the Chromium it started), by the group's id.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Self {
        let port = StdListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free local port")
            .port();
        let mut command = Command::new("chromedriver");
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run chromedriver ({e}); {INSTALL_HINT}"));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits until chromedriver accepts connections.
    async fn ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let addr = self.url.trim_start_matches("http://").to_owned();
        loop {
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("chromedriver exited at start-up ({status}); {INSTALL_HINT}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {addr} within 15 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fails with the install hint when a program is missing.
fn require_installed() {
    let found = Command::new("chromedriver")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(found, "chromedriver is not installed; {INSTALL_HINT}");
    assert!(
        std::path::Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing; {INSTALL_HINT}"
    );
}

/// Where the screenshot goes: `$CARGO_TARGET_DIR`, else the workspace's `target/`.
fn screenshot_path() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    std::fs::create_dir_all(&dir).expect("target dir");
    dir.join("payhub-sandbox-ui.png")
}

/// A WinPay merchant endpoint on 127.0.0.1 that acknowledges every callback.
async fn callback_receiver() -> String {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind receiver");
    let url = format!("http://{}/winpay/callback", tcp.local_addr().expect("addr"));
    let app = Router::new().route("/winpay/callback", post(|| async { "SUCCESS" }));
    tokio::spawn(async move {
        let _ = axum::serve(tcp, app).await;
    });
    url
}

async fn open_browser(driver: &Driver) -> Browser {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--window-size=1200,900",
            ],
        }),
    );
    tokio::time::timeout(
        Duration::from_secs(20),
        ClientBuilder::rustls()
            .expect("a WebDriver client")
            .capabilities(caps)
            .connect(&driver.url),
    )
    .await
    .expect("a Chromium session within 20 s")
    .unwrap_or_else(|e| panic!("no Chromium session ({e}); {INSTALL_HINT}"))
}

/// Reloads the order page until the first attempt of its callback shows acknowledged.
async fn wait_for_acknowledged(browser: &Browser, row: &str) -> fantoccini::elements::Element {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(el) = browser.find(Locator::Css(row)).await
            && el.attr("data-acknowledged").await.ok().flatten().as_deref() == Some("true")
        {
            return el;
        }
        assert!(
            Instant::now() < deadline,
            "`{row}` not acknowledged within 15 s:\n{}",
            browser.source().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        browser.refresh().await.expect("reload");
    }
}

#[tokio::test]
async fn pay_an_order_in_chromium_and_see_its_callback_acknowledged() {
    require_installed();
    tokio::time::timeout(TEST_LIMIT, scenario())
        .await
        .expect("the browser test finishes within 60 s");
}

async fn scenario() {
    let sandbox = Sandbox::builder()
        .clock_speed(0)
        .start()
        .await
        .expect("sandbox starts");
    let callback_url = callback_receiver().await;
    let merchant = Client::builder("M1234567890", "adesf235")
        .base_url(sandbox.provider_url("gateway_recharge"))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let order = merchant
        .send(&CreateOrderRequest::new(
            "BROWSER-1",
            Decimal::new(12345, 2),
            "browser test",
            "user-1",
            "192.168.1.1",
            &callback_url,
            "https://shop.example/return",
        ))
        .await
        .expect("order created");
    let no = order.trade_no;

    let mut driver = Driver::start();
    driver.ready().await;
    let browser = open_browser(&driver).await;

    browser
        .goto(&format!("{}/_sandbox/ui", sandbox.base_url()))
        .await
        .expect("orders page");
    browser
        .find(Locator::Css(&format!(
            r#"tr[data-order="{no}"] a.order-link"#
        )))
        .await
        .expect("the order is listed")
        .click()
        .await
        .expect("open the order");
    let shown = browser
        .find(Locator::Id("order-no"))
        .await
        .expect("order page")
        .text()
        .await
        .expect("text");
    assert_eq!(shown, no);

    browser
        .find(Locator::Id("btn-pay"))
        .await
        .expect("pay button")
        .click()
        .await
        .expect("pay");
    let deadline = Instant::now() + Duration::from_secs(10);
    let callback = loop {
        let callbacks = sandbox.callbacks_for(&no);
        if let Some(first) = callbacks.first() {
            break first.clone();
        }
        assert!(Instant::now() < deadline, "no callback 10 s after paying");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let row = format!("#cb-{}-attempt-1", callback.id);
    let attempt = wait_for_acknowledged(&browser, &row).await;
    assert_eq!(
        attempt
            .attr("data-http-status")
            .await
            .expect("attr")
            .as_deref(),
        Some("200")
    );
    let text = attempt.text().await.expect("row text");
    assert!(
        text.contains("acknowledged") && text.contains("200"),
        "{text}"
    );
    let state = browser
        .find(Locator::Id("order-state"))
        .await
        .expect("state")
        .attr("data-state")
        .await
        .expect("attr");
    assert_eq!(state.as_deref(), Some("success"));
    assert_eq!(
        sandbox.callbacks_for(&no)[0].status,
        CallbackStatus::Delivered
    );

    let png = browser.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let path = screenshot_path();
    std::fs::write(&path, &png).expect("write screenshot");
    browser.close().await.expect("close the session");
    drop(driver);
    sandbox.shutdown().await.expect("shutdown");
}
