//! tokenpay's signing rule, in one place.
//!
//! - Requests: `Authorization: TTPAY-AES-256-ECB app_id=..,mch_id=..,nonce_str=..,timestamp=..,
//!   signature=..` (no quotes, no spaces), where `signature` is the standard base64 of
//!   AES-256-ECB/PKCS#7 over `PATH[?QUERY]\nTIMESTAMP\nNONCE\nBODY` (no trailing newline; BODY is
//!   the exact bytes sent, empty for a GET), keyed with the 32-byte app secret as UTF-8.
//! - Replies and callbacks: headers `TTPay-Timestamp`, `TTPay-Nonce`, `TTPay-Signature` (older
//!   pages say `tokenpay-*`; both are read, case-insensitively) over `TIMESTAMP\nNONCE\nBODY`.
//! - Callback resources: AEAD_AES_256_GCM with the same key, nonce = the UTF-8 bytes of
//!   `resource.nonce` (usually 12 bytes; any length from 1 to 64 is accepted), AAD = `resource.associated_data` when present, ciphertext =
//!   base64(encrypted || 16-byte tag).
//!
//! The "signature" is reversible encryption, not a MAC: whoever holds the app secret can read
//! what a signature covers. [`AppKey::diagnose`] uses that to show what a received signature
//! actually encrypts when verification fails.
//!
//! ```
//! use tokenpay::sign::{AppKey, request_signing_string};
//! use tokenpay::Secret;
//! let key = AppKey::new(&Secret::new("0123456789abcdef0123456789abcdef")).unwrap();
//! let msg = request_signing_string("/v1/wallet/query", "1763800000789", "593BEC0C930BF1AFEB40B4A08C8FB242", b"");
//! let sig = key.sign(&msg).unwrap();
//! assert!(key.verify(&msg, &sig).is_ok());
//! assert_eq!(key.diagnose(&sig, &msg).decrypted(), String::from_utf8(msg).unwrap());
//! ```

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use payhub_runtime::{Clock, Idempotency, Method, NonceSource, PreparedRequest};
use sign_core::aes::{Aes256EcbSigner, Aes256Gcm, MAX_GCM_NONCE_LEN, MIN_GCM_NONCE_LEN};
use sign_core::{Secret, SignatureEncoding, Signer as _, Verifier as _};

use crate::error::{Error, SignatureProblem};

/// The authorization scheme tokenpay accepts.
pub const AUTH_SCHEME: &str = "TTPAY-AES-256-ECB";

/// The reply and callback signature headers, in lookup order (then the `tokenpay-` fallbacks).
pub const TIMESTAMP_HEADERS: [&str; 2] = ["TTPay-Timestamp", "tokenpay-Timestamp"];
/// Nonce header names, in lookup order.
pub const NONCE_HEADERS: [&str; 2] = ["TTPay-Nonce", "tokenpay-Nonce"];
/// Signature header names, in lookup order.
pub const SIGNATURE_HEADERS: [&str; 2] = ["TTPay-Signature", "tokenpay-Signature"];

/// The unit of the signed timestamp. The docs contradict themselves; milliseconds is what the
/// provider's own edits and the working integrations use, so it is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimestampUnit {
    /// 13-digit Unix milliseconds (default).
    #[default]
    Millis,
    /// 10-digit Unix seconds (the WeChat-derived examples).
    Seconds,
}

/// `PATH[?QUERY]\nTIMESTAMP\nNONCE\nBODY`, the bytes a request signature covers.
pub fn request_signing_string(
    path_and_query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut s =
        Vec::with_capacity(path_and_query.len() + timestamp.len() + nonce.len() + body.len() + 3);
    s.extend_from_slice(path_and_query.as_bytes());
    s.push(b'\n');
    s.extend_from_slice(timestamp.as_bytes());
    s.push(b'\n');
    s.extend_from_slice(nonce.as_bytes());
    s.push(b'\n');
    s.extend_from_slice(body);
    s
}

/// `TIMESTAMP\nNONCE\nBODY`, the bytes a reply or callback signature covers.
pub fn reply_signing_string(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 2);
    s.extend_from_slice(timestamp.as_bytes());
    s.push(b'\n');
    s.extend_from_slice(nonce.as_bytes());
    s.push(b'\n');
    s.extend_from_slice(body);
    s
}

/// The keys derived from an app secret: AES-256-ECB for signatures, AES-256-GCM for callback
/// resources. Never printed.
#[derive(Clone)]
pub struct AppKey {
    ecb: Aes256EcbSigner,
    gcm: Aes256Gcm,
}

impl fmt::Debug for AppKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppKey(***)")
    }
}

impl AppKey {
    /// Keys from the app secret, whose UTF-8 bytes must be exactly 32 long (it is used as the
    /// AES-256 key as is, not hex- or base64-decoded).
    ///
    /// # Errors
    /// [`Error::Config`] naming `app_secret` when it is not 32 bytes.
    pub fn new(secret: &Secret) -> Result<Self, Error> {
        let problem = |e: sign_core::KeyError| Error::config("app_secret", e.to_string());
        Ok(Self {
            ecb: Aes256EcbSigner::new(secret).map_err(problem)?,
            gcm: Aes256Gcm::new(secret).map_err(problem)?,
        })
    }

    /// The base64 signature of `message`.
    ///
    /// # Errors
    /// [`Error::Config`] if the cipher backend fails (it does not for valid keys).
    pub fn sign(&self, message: &[u8]) -> Result<String, Error> {
        self.ecb
            .sign_encoded(message, SignatureEncoding::Base64)
            .map_err(|e| Error::config("app_secret", e.to_string()))
    }

    /// Checks a base64 signature over `message` (constant-time comparison of ciphertexts).
    ///
    /// # Errors
    /// [`SignatureProblem::Malformed`] for text that is not base64,
    /// [`SignatureProblem::Mismatch`] otherwise.
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> Result<(), SignatureProblem> {
        match self
            .ecb
            .verify_encoded(message, signature_b64, SignatureEncoding::Base64)
        {
            Ok(()) => Ok(()),
            Err(sign_core::Error::MalformedSignature { .. }) => {
                Err(SignatureProblem::Malformed(SIGNATURE_HEADERS[0]))
            }
            Err(_) => Err(SignatureProblem::Mismatch),
        }
    }

    /// Decrypts a received signature to show what it covers, next to what was expected. A
    /// diagnostic: use it when verification fails to see whether the peer signed another body,
    /// another timestamp unit or another line order.
    pub fn diagnose(&self, signature_b64: &str, expected: &[u8]) -> SignatureDiagnosis {
        let decrypted = STANDARD
            .decode(signature_b64.trim())
            .map_err(|_| "the signature is not base64")
            .and_then(|raw| {
                self.ecb
                    .decrypt(&raw)
                    .map_err(|_| "the signature does not decrypt with this app secret")
            })
            .map(|plain| String::from_utf8_lossy(&plain).into_owned());
        let expected = String::from_utf8_lossy(expected).into_owned();
        match decrypted {
            Ok(d) => SignatureDiagnosis {
                matches: d == expected,
                decrypted: Some(d),
                expected,
                problem: None,
            },
            Err(p) => SignatureDiagnosis {
                matches: false,
                decrypted: None,
                expected,
                problem: Some(p),
            },
        }
    }

    /// Decrypts a callback resource: `ciphertext_b64` = base64(encrypted || tag), `nonce` used as
    /// its UTF-8 bytes (1 to 64 of them: [`NONCE_LEN`] is the usual length, the docs never fix
    /// it), `aad` the `associated_data` when present.
    ///
    /// # Errors
    /// [`ResourceError`] naming what failed.
    pub fn decrypt_resource(
        &self,
        nonce: &str,
        aad: Option<&str>,
        ciphertext_b64: &str,
    ) -> Result<Vec<u8>, ResourceError> {
        let raw = STANDARD
            .decode(ciphertext_b64.trim())
            .map_err(|_| ResourceError::Base64)?;
        if !NONCE_LENGTHS.contains(&nonce.len()) {
            return Err(ResourceError::NonceLength(nonce.len()));
        }
        self.gcm
            .decrypt(nonce.as_bytes(), aad.unwrap_or_default().as_bytes(), &raw)
            .map(|p| p.to_vec())
            .map_err(|_| ResourceError::Authentication)
    }

    /// Encrypts a callback resource the way tokenpay does (for the sandbox and tests): base64 of
    /// ciphertext || tag.
    ///
    /// # Errors
    /// [`ResourceError::NonceLength`] when `nonce` is not 1 to 64 bytes.
    pub fn encrypt_resource(
        &self,
        nonce: &str,
        aad: Option<&str>,
        plaintext: &[u8],
    ) -> Result<String, ResourceError> {
        if !NONCE_LENGTHS.contains(&nonce.len()) {
            return Err(ResourceError::NonceLength(nonce.len()));
        }
        self.gcm
            .encrypt(
                nonce.as_bytes(),
                aad.unwrap_or_default().as_bytes(),
                plaintext,
            )
            .map(|c| STANDARD.encode(c))
            .map_err(|_| ResourceError::Authentication)
    }
}

/// The usual GCM nonce length of tokenpay's resources (12 ASCII characters, as in the WeChat Pay
/// examples the docs descend from). The docs never fix it, so other lengths are accepted too:
/// see [`NONCE_LENGTHS`].
pub const NONCE_LEN: usize = 12;

/// Every `resource.nonce` length (in bytes) the crate can decrypt: 1 to 64. 12 bytes take the
/// aws-lc-rs fast path; other lengths use the general GCM derivation of NIST SP 800-38D. The
/// lengths a [`crate::notify::NotifyVerifier`] accepts can be narrowed with
/// [`crate::notify::NotifyVerifier::resource_nonce_lengths`].
pub const NONCE_LENGTHS: std::ops::RangeInclusive<usize> = MIN_GCM_NONCE_LEN..=MAX_GCM_NONCE_LEN;

/// Why a callback resource could not be decrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceError {
    /// `ciphertext` is not base64.
    #[error("ciphertext is not base64")]
    Base64,
    /// `nonce` is not 1 to 64 bytes.
    #[error("nonce is {0} bytes; 1 to 64 are accepted")]
    NonceLength(usize),
    /// The tag does not authenticate: wrong key, tampered ciphertext, nonce or AAD.
    #[error("ciphertext does not authenticate with this app secret")]
    Authentication,
}

/// What a received signature encrypts, next to what this side expected it to cover.
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureDiagnosis {
    decrypted: Option<String>,
    expected: String,
    matches: bool,
    problem: Option<&'static str>,
}

impl SignatureDiagnosis {
    /// The decrypted signature (lossy UTF-8), or an empty string when it does not decrypt.
    pub fn decrypted(&self) -> &str {
        self.decrypted.as_deref().unwrap_or_default()
    }

    /// The string this side expected the signature to cover.
    pub fn expected(&self) -> &str {
        &self.expected
    }

    /// Whether they are equal.
    pub fn matches(&self) -> bool {
        self.matches
    }

    /// Why the signature could not be decrypted, if it could not.
    pub fn problem(&self) -> Option<&'static str> {
        self.problem
    }
}

impl fmt::Debug for SignatureDiagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureDiagnosis")
            .field("decrypted", &self.decrypted)
            .field("expected", &self.expected)
            .field("matches", &self.matches)
            .field("problem", &self.problem)
            .finish()
    }
}

impl fmt::Display for SignatureDiagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.problem {
            return write!(f, "{p}; expected it to cover {:?}", self.expected);
        }
        let verdict = if self.matches {
            "matches"
        } else {
            "DIFFERS FROM"
        };
        write!(
            f,
            "signature encrypts {:?}, which {verdict} the expected {:?}",
            self.decrypted(),
            self.expected
        )
    }
}

/// A parsed `Authorization` header (what the sandbox reads from a request). Its `Debug` masks
/// the signature, like every signature elsewhere in payhub.
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    /// `app_id`.
    pub app_id: String,
    /// `mch_id`.
    pub mch_id: String,
    /// `nonce_str`.
    pub nonce_str: String,
    /// `timestamp`, as sent.
    pub timestamp: String,
    /// `signature`, base64.
    pub signature: String,
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("app_id", &self.app_id)
            .field("mch_id", &self.mch_id)
            .field("nonce_str", &self.nonce_str)
            .field("timestamp", &self.timestamp)
            .field("signature", &"***")
            .finish()
    }
}

impl Authorization {
    /// The header value: `TTPAY-AES-256-ECB app_id=..,mch_id=..,nonce_str=..,timestamp=..,
    /// signature=..` with no quotes and no spaces.
    pub fn to_header_value(&self) -> String {
        format!(
            "{AUTH_SCHEME} app_id={},mch_id={},nonce_str={},timestamp={},signature={}",
            self.app_id, self.mch_id, self.nonce_str, self.timestamp, self.signature
        )
    }

    /// Parses a header value (spaces after the commas are tolerated).
    ///
    /// # Errors
    /// A static description naming the missing or malformed part.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let rest = value
            .trim()
            .strip_prefix(AUTH_SCHEME)
            .ok_or("scheme is not TTPAY-AES-256-ECB")?;
        if !rest.starts_with(' ') {
            return Err("scheme is not followed by a space");
        }
        let (mut app_id, mut mch_id, mut nonce, mut ts, mut sig) = (None, None, None, None, None);
        for part in rest.trim().split(',') {
            let (k, v) = part
                .trim()
                .split_once('=')
                .ok_or("a part is not key=value")?;
            let slot = match k {
                "app_id" => &mut app_id,
                "mch_id" => &mut mch_id,
                "nonce_str" => &mut nonce,
                "timestamp" => &mut ts,
                "signature" => &mut sig,
                _ => return Err("unknown key"),
            };
            *slot = Some(v.to_owned());
        }
        Ok(Self {
            app_id: app_id.ok_or("app_id is missing")?,
            mch_id: mch_id.ok_or("mch_id is missing")?,
            nonce_str: nonce.ok_or("nonce_str is missing")?,
            timestamp: ts.ok_or("timestamp is missing")?,
            signature: sig.ok_or("signature is missing")?,
        })
    }
}

/// Looks up the first header present among `names`, case-insensitively.
pub(crate) fn find_header<'h>(
    headers: &'h [(String, Vec<u8>)],
    names: &[&str],
) -> Option<&'h [u8]> {
    names.iter().find_map(|n| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_slice())
    })
}

/// What a request signed, with its parts named (`PATH\nTIMESTAMP\nNONCE\nBODY`), so the
/// redacted rendering in errors and logs lists the body's fields, never their values.
fn explain(message: &[u8], path: &str, timestamp: &str, nonce: &str) -> sign_core::Explanation {
    let ts = path.len() + 1;
    let nc = ts + timestamp.len() + 1;
    let body = nc + nonce.len() + 1;
    sign_core::Explanation::for_message(message, "").with_parts([
        ("path", 0..path.len()),
        ("timestamp", ts..ts + timestamp.len()),
        ("nonce", nc..nc + nonce.len()),
        ("body", body.min(message.len())..message.len()),
    ])
}

/// Signs requests: the credentials, the key, the clock and nonce source, the timestamp unit and
/// the `User-Agent`. Built (and checked) once by the client builder.
pub(crate) struct RequestSigner {
    pub(crate) app_id: String,
    pub(crate) mch_id: String,
    pub(crate) key: Arc<AppKey>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) nonce: Arc<dyn NonceSource>,
    pub(crate) unit: TimestampUnit,
    pub(crate) user_agent: String,
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("app_id", &self.app_id)
            .field("mch_id", &self.mch_id)
            .field("app_secret", &"***")
            .field("timestamp_unit", &self.unit)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl RequestSigner {
    /// Checks the ids (they go into the `Authorization` header), the secret and the
    /// `User-Agent`.
    pub(crate) fn new(
        (app_id, mch_id, secret): (String, String, &Secret),
        (clock, nonce): (Arc<dyn Clock>, Arc<dyn NonceSource>),
        unit: TimestampUnit,
        user_agent: String,
    ) -> Result<Self, Error> {
        for (name, value) in [("app_id", &app_id), ("mch_id", &mch_id)] {
            if value.trim().is_empty() {
                return Err(Error::config(name, "must not be empty"));
            }
            if value
                .chars()
                .any(|c| c == ',' || c == '=' || c.is_whitespace() || c.is_control())
            {
                return Err(Error::config(
                    name,
                    "must not contain commas, `=`, spaces or control characters (it goes into \
                     the Authorization header)",
                ));
            }
        }
        let key = Arc::new(AppKey::new(secret)?);
        if http::HeaderValue::from_str(&user_agent).is_err() {
            return Err(Error::config("user_agent", "is not a valid header value"));
        }
        Ok(Self {
            app_id,
            mch_id,
            key,
            clock,
            nonce,
            unit,
            user_agent,
        })
    }

    /// Stamps (clock, nonce) and signs one request whose body is already serialized.
    pub(crate) fn sign(
        &self,
        (operation, method, idempotency): (&'static str, Method, Idempotency),
        path: String,
        body: Vec<u8>,
    ) -> Result<PreparedRequest, Error> {
        let timestamp = match self.unit {
            TimestampUnit::Seconds => self.clock.now_seconds(),
            TimestampUnit::Millis => self.clock.now_millis(),
        }
        .to_string();
        let nonce = self.nonce.nonce();
        let message = request_signing_string(&path, &timestamp, &nonce, &body);
        let signature = self.key.sign(&message)?;
        let explanation = explain(&message, &path, &timestamp, &nonce);
        let authorization = Authorization {
            app_id: self.app_id.clone(),
            mch_id: self.mch_id.clone(),
            nonce_str: nonce,
            timestamp,
            signature,
        };
        let mut prepared = PreparedRequest::new(operation, method, path)
            .sensitive_header("Authorization", authorization.to_header_value())
            .header("User-Agent", self.user_agent.clone())
            .idempotency(idempotency)
            .explanation(explanation);
        if method == Method::Post {
            prepared = prepared.body("application/json", body);
        }
        Ok(prepared)
    }
}
