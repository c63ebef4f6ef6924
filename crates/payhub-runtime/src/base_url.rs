//! Base URL validation: `https` everywhere except loopback, so credentials and signed bodies never
//! cross a network in clear text, while tests and the sandbox still run on `http://127.0.0.1`.

use url::{Host, Url};

/// Why a base URL was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// The text is not a URL.
    #[error("base URL `{url}` does not parse: {reason}")]
    Parse {
        /// The text given.
        url: String,
        /// What the parser said.
        reason: String,
    },
    /// Plain `http` to a host that is not loopback.
    #[error(
        "base URL `{0}` must use https (plain http is allowed only for 127.0.0.1, ::1 and localhost)"
    )]
    InsecureScheme(String),
    /// A scheme other than http/https.
    #[error("base URL `{0}` must be http(s)")]
    Scheme(String),
}

/// Parses and checks a provider base URL. A trailing slash is removed so paths join cleanly.
///
/// ```
/// use payhub_runtime::parse_base_url;
/// assert!(parse_base_url("https://api.example.com/").is_ok());
/// assert!(parse_base_url("http://127.0.0.1:8080").is_ok());
/// assert!(parse_base_url("http://api.example.com").is_err());
/// ```
///
/// # Errors
/// [`BaseUrlError`] when the URL does not parse, is not http(s), or is plain http off loopback.
pub fn parse_base_url(text: &str) -> Result<Url, BaseUrlError> {
    let trimmed = text.trim().trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|e| BaseUrlError::Parse {
        url: text.to_owned(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(BaseUrlError::InsecureScheme(text.to_owned())),
        _ => Err(BaseUrlError::Scheme(text.to_owned())),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}
