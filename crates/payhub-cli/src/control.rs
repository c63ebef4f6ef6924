//! The sandbox's control API (`/_sandbox/...`) as the CLI uses it: where the sandbox is, and
//! the few calls `listen`, `trigger` and `payhub sandbox orders|callbacks|pay|fail|advance`
//! make.
//!
//! The sandbox URL comes from `--sandbox URL`, else `PAYHUB_SANDBOX_URL`, else the config file
//! (`--config FILE` or `./payhub.toml`): its `[sandbox] url`, which `payhub sandbox
//! --write-config` writes, or for an older file the part of a provider's `base_url` before the
//! provider's path (`http://127.0.0.1:8080/paydesk` -> `http://127.0.0.1:8080`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::credentials::{Credentials, DEFAULT_CONFIG};
use crate::error::CliError;
use crate::providers::{Provider, host_port};

/// The environment variable naming the sandbox.
pub(crate) const ENV_SANDBOX_URL: &str = "PAYHUB_SANDBOX_URL";

/// Where the sandbox is, for the commands that talk to its control API.
#[derive(Clone, Debug, Default, clap::Args)]
#[command(next_help_heading = "Sandbox")]
pub(crate) struct SandboxArgs {
    /// The sandbox's base URL (default: PAYHUB_SANDBOX_URL, else `[sandbox] url` in the config
    /// file that `payhub sandbox --write-config` wrote).
    #[arg(long = "sandbox", value_name = "URL")]
    pub(crate) url: Option<String>,
}

/// A client of one sandbox's control API.
#[derive(Clone, Debug)]
pub(crate) struct Control {
    base: String,
    http: reqwest::Client,
}

impl Control {
    /// The sandbox named by `args`, else the environment, else the config file.
    ///
    /// # Errors
    /// No sandbox URL anywhere, or an unreadable config file.
    pub(crate) fn locate(args: &SandboxArgs, config: Option<&Path>) -> Result<Self, CliError> {
        let url = match args.url.clone().filter(|u| !u.trim().is_empty()) {
            Some(u) => u,
            None => match std::env::var(ENV_SANDBOX_URL)
                .ok()
                .filter(|u| !u.trim().is_empty())
            {
                Some(u) => u,
                None => from_config(config)?.ok_or_else(|| {
                    CliError::usage(format!(
                        "no sandbox URL: pass --sandbox URL, set {ENV_SANDBOX_URL}, or start one \
                         with `payhub sandbox --write-config {DEFAULT_CONFIG}` in this directory"
                    ))
                })?,
            },
        };
        Self::new(&url)
    }

    /// A client of the sandbox at `url`.
    ///
    /// # Errors
    /// Not an http(s) URL.
    pub(crate) fn new(url: &str) -> Result<Self, CliError> {
        let base = url.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://"))
            || host_port(&base).is_none()
        {
            return Err(CliError::usage(format!(
                "the sandbox URL `{base}` is not an http(s) URL"
            )));
        }
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| CliError::new(format!("cannot build an HTTP client: {e}")))?;
        Ok(Self { base, http })
    }

    /// The sandbox's base URL.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// A provider's base URL on this sandbox (`{base}/gateway_recharge`).
    pub(crate) fn provider_url(&self, provider: Provider) -> String {
        format!("{}/{}", self.base, provider.name().replace('-', "_"))
    }

    /// `GET /_sandbox/{path}`.
    ///
    /// # Errors
    /// As [`Control::call`].
    pub(crate) async fn get(&self, path: &str) -> Result<Value, CliError> {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// `POST /_sandbox/{path}` with a JSON body.
    ///
    /// # Errors
    /// As [`Control::call`].
    pub(crate) async fn post(&self, path: &str, body: Value) -> Result<Value, CliError> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// One control call.
    ///
    /// # Errors
    /// The sandbox cannot be reached (the message names host and port), or answers with an
    /// error (`{"error", "detail"}`, its detail in the message).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, CliError> {
        let url = format!("{}/_sandbox/{}", self.base, path.trim_start_matches('/'));
        let mut req = self.http.request(method, &url);
        if let Some(body) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let addr = host_port(&self.base).unwrap_or_else(|| self.base.clone());
        let resp = req.send().await.map_err(|e| {
            let what = if e.is_connect() {
                "could not connect"
            } else if e.is_timeout() {
                "timed out"
            } else {
                "request failed"
            };
            CliError::new(format!(
                "sandbox at {addr}: {what} (is `payhub sandbox` running there?)"
            ))
            .with_kind("transport")
        })?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| CliError::new(format!("sandbox at {addr}: reading the reply: {e}")))?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        if status.is_success() {
            return Ok(value);
        }
        let detail = value["detail"]
            .as_str()
            .map_or_else(|| text.chars().take(200).collect(), str::to_owned);
        let kind = if status.as_u16() == 404 {
            "not_found"
        } else {
            "sandbox"
        };
        Err(CliError::new(format!("sandbox: {detail} (HTTP {})", status.as_u16())).with_kind(kind))
    }

    /// Fills in, for `provider`, every credential the sandbox accepts and the provider's base
    /// URL on this sandbox, where flags, environment and config file leave them unset.
    ///
    /// # Errors
    /// As [`Control::get`].
    pub(crate) async fn fill_credentials(
        &self,
        provider: Provider,
        creds: &mut Credentials,
    ) -> Result<(), CliError> {
        creds.fallback("base_url", self.provider_url(provider));
        let info = self.get("info").await?;
        let module = provider.name().replace('-', "_");
        let Some(p) = info["providers"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == module.as_str()))
        else {
            return Ok(());
        };
        for c in p["credentials"].as_array().into_iter().flatten() {
            let (Some(label), Some(value)) = (c["label"].as_str(), c["value"].as_str()) else {
                continue;
            };
            if let Some(key) = crate::sandbox::config_key(provider, label) {
                creds.fallback(key, value.to_owned());
            }
        }
        if provider == Provider::Vipcharge {
            creds.fallback("sign_type", "MD5");
        }
        Ok(())
    }
}

/// The sandbox URL a config file records.
fn from_config(explicit: Option<&Path>) -> Result<Option<String>, CliError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = PathBuf::from(DEFAULT_CONFIG);
            if !p.is_file() {
                return Ok(None);
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| CliError::new(format!("cannot read config file `{}`: {e}", path.display())))?;
    let table = text.parse::<toml::Table>().map_err(|e| {
        CliError::new(format!(
            "config file `{}` is not valid TOML: {}",
            path.display(),
            e.message()
        ))
    })?;
    if let Some(url) = table
        .get("sandbox")
        .and_then(|s| s.get("url"))
        .and_then(toml::Value::as_str)
    {
        return Ok(Some(url.to_owned()));
    }
    // An older file: a provider's base URL on the sandbox ends with the module's path.
    for p in Provider::ALL {
        for name in [p.name().to_owned(), p.name().replace('-', "_")] {
            // One table, or the first of several accounts (`[[paydesk]]`).
            let Some(base) = table
                .get(&name)
                .and_then(|t| match t {
                    toml::Value::Array(items) => items.first(),
                    other => Some(other),
                })
                .and_then(|t| t.get("base_url"))
                .and_then(toml::Value::as_str)
            else {
                continue;
            };
            let module = format!("/{}", p.name().replace('-', "_"));
            if let Some(root) = base.trim_end_matches('/').strip_suffix(&module) {
                return Ok(Some(root.to_owned()));
            }
        }
    }
    Ok(None)
}

/// Parses a duration: `90s`, `10m`, `2h`, `1d`, `500ms`, or a number of seconds.
///
/// # Errors
/// Anything else.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits_end);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 90s, 10m, 2h, 500ms)"))?;
    let ms = match unit.trim() {
        "" | "s" | "sec" | "secs" => n.checked_mul(1000),
        "ms" => Some(n),
        "m" | "min" | "mins" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        "d" => n.checked_mul(86_400_000),
        other => return Err(format!("`{text}`: unknown unit `{other}` (ms, s, m, h, d)")),
    }
    .ok_or_else(|| format!("`{text}` is too long"))?;
    Ok(Duration::from_millis(ms))
}

/// `{"url": ...}` for `POST /_sandbox/callbacks/redirect`.
pub(crate) fn redirect_body(url: Option<&str>) -> Value {
    json!({ "url": url })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("61"), Ok(Duration::from_secs(61)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5y").is_err());
    }
}
