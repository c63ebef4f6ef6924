//! Shared test helpers: a sandbox on a frozen clock, a callback listener, a raw HTTP client,
//! the paydesk golden vectors and a hand-rolled signer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::routing::any;
use http::{HeaderMap, StatusCode};
use payhub_sandbox::{Sandbox, SandboxHandle, SandboxTime};
use serde_json::Value;
use sign_core::{Md5Signer, Secret, SecretSuffix};

pub(crate) const MERCHANT: &str = "1002001";
pub(crate) const API_KEY: &str = "testApiKey";
/// 2024-12-02 09:00:00 UTC.
pub(crate) const START_MS: i64 = 1_733_130_000_000;

/// A sandbox on a frozen clock starting at [`START_MS`].
pub(crate) async fn sandbox() -> SandboxHandle {
    Sandbox::builder()
        .clock_speed(0)
        .start_time(SandboxTime::from_unix_millis(START_MS))
        .start()
        .await
        .expect("sandbox starts")
}

thread_local! {
    /// One client per test thread (each `#[tokio::test]` has its own thread and runtime);
    /// building a TLS-capable client per request is slow.
    static CLIENT: reqwest::Client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
}

/// A client that never uses a proxy and never waits more than 5 s.
pub(crate) fn client() -> reqwest::Client {
    CLIENT.with(Clone::clone)
}

/// Uppercase MD5 of `body` followed by the apiKey: the paydesk rule.
pub(crate) fn sign(body: &str) -> String {
    Md5Signer::new(Secret::new(API_KEY), SecretSuffix::Plain).sign_hex_upper(body.as_bytes())
}

/// One case of `fixtures/vectors/paydesk.json`.
pub(crate) fn vector(name: &str) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vectors/paydesk.json"
    );
    let text = std::fs::read_to_string(path).expect("paydesk vectors readable");
    let all: Value = serde_json::from_str(&text).expect("vectors are JSON");
    all["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
        .clone()
}

/// All request vectors.
pub(crate) fn request_vectors() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vectors/paydesk.json"
    );
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("JSON");
    all["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["kind"] == "request")
        .cloned()
        .collect()
}

/// A reply from the sandbox: HTTP status and the parsed envelope.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) http: u16,
    pub(crate) body: Value,
}

impl Reply {
    pub(crate) fn msg(&self) -> &str {
        self.body["msg"].as_str().unwrap_or("<none>")
    }
    pub(crate) fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(-1)
    }
    pub(crate) fn data(&self) -> &Value {
        &self.body["data"]
    }
}

/// POSTs `body` to a paydesk path with the given headers (no automatic signing).
pub(crate) async fn post_raw(
    sb: &SandboxHandle,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> Reply {
    let mut req = client().post(format!("{}{path}", sb.provider_url("paydesk")));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.body(body).send().await.expect("sandbox answers");
    let http = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let body =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("reply is not JSON ({e}): {text}"));
    Reply { http, body }
}

/// POSTs `body` signed with the test key as merchant 1002001.
pub(crate) async fn post(sb: &SandboxHandle, path: &str, body: &str) -> Reply {
    let sig = sign(body);
    post_raw(
        sb,
        path,
        &[
            ("MerchantId", MERCHANT),
            ("Sign", &sig),
            ("Content-Type", "application/json"),
        ],
        body.to_owned(),
    )
    .await
}

/// A cashier (payDesk) body for Tanzania with the given merchant order number.
pub(crate) fn tza_body(mch_order_no: &str, amount: &str, expire: u64) -> String {
    format!(
        r#"{{"mobileMoneyPhone":"721323213","currency":"TZS","amount":{amount},"reusableStatus":false,"mchOrderNo":"{mch_order_no}","expireTime":{expire},"notifyUrl":"https://merchant.com/webhooks","nonceStr":"n{mch_order_no}","realName":"Jeck","phone":"255700000001","email":"example@maildomain.com","remark":"remark"}}"#
    )
}

/// One request received by the [`Listener`].
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// A callback receiver on 127.0.0.1 answering with a scripted sequence of statuses (the last
/// one repeats), body `SUCCESS`.
pub(crate) struct Listener {
    pub(crate) url: String,
    pub(crate) hits: Arc<Mutex<Vec<Hit>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Listener {
    pub(crate) async fn start(statuses: &[u16]) -> Self {
        let statuses: Arc<Vec<u16>> = Arc::new(statuses.to_vec());
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let h = Arc::clone(&hits);
        let app = Router::new().route(
            "/notify",
            any(move |headers: HeaderMap, body: Bytes| {
                let h = Arc::clone(&h);
                let statuses = Arc::clone(&statuses);
                async move {
                    let n = {
                        let mut g = h.lock().unwrap();
                        g.push(Hit { headers, body });
                        g.len() - 1
                    };
                    let code = statuses.get(n).or(statuses.last()).copied().unwrap_or(200);
                    (StatusCode::from_u16(code).unwrap(), "SUCCESS")
                }
            }),
        );
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind listener");
        let url = format!("http://{}/notify", tcp.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(tcp, app).await.expect("listener serves");
        });
        Self { url, hits, task }
    }

    pub(crate) fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}
