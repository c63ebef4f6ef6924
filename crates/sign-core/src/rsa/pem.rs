//! Recognising key text: PEM (by its label), DER, or the bare base64 DER that Java-based
//! providers hand out. Only framing is done here; the DER itself is parsed by the backend.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::KeyError;

/// Key bytes with what their framing says they are. `Debug` shows the form and length only.
#[non_exhaustive]
pub enum KeyMaterial {
    /// `-----BEGIN PRIVATE KEY-----`.
    Pkcs8Private(Zeroizing<Vec<u8>>),
    /// `-----BEGIN RSA PRIVATE KEY-----`.
    Pkcs1Private(Zeroizing<Vec<u8>>),
    /// `-----BEGIN PUBLIC KEY-----`.
    SpkiPublic(Vec<u8>),
    /// `-----BEGIN RSA PUBLIC KEY-----`.
    Pkcs1Public(Vec<u8>),
    /// DER or base64 DER without a label: the backend tries each form.
    UnknownDer(Zeroizing<Vec<u8>>),
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the bytes: a private key's DER is the private key.
        let (form, len) = match self {
            Self::Pkcs8Private(der) => ("Pkcs8Private", der.len()),
            Self::Pkcs1Private(der) => ("Pkcs1Private", der.len()),
            Self::SpkiPublic(der) => ("SpkiPublic", der.len()),
            Self::Pkcs1Public(der) => ("Pkcs1Public", der.len()),
            Self::UnknownDer(der) => ("UnknownDer", der.len()),
        };
        f.debug_struct("KeyMaterial")
            .field("form", &form)
            .field("der_len", &len)
            .finish()
    }
}

impl KeyMaterial {
    /// Reads PEM, DER or bare base64.
    ///
    /// # Errors
    /// [`KeyError::Format`] or [`KeyError::Empty`].
    pub fn read(input: &[u8]) -> Result<Self, KeyError> {
        let trimmed = input.trim_ascii();
        if trimmed.is_empty() {
            return Err(KeyError::Empty("key"));
        }
        if trimmed.starts_with(b"-----BEGIN ") {
            let text =
                std::str::from_utf8(trimmed).map_err(|_| KeyError::Format("PEM is not UTF-8"))?;
            let (label, der) = decode(text)?;
            return Ok(match label.as_str() {
                "PRIVATE KEY" => Self::Pkcs8Private(der),
                "RSA PRIVATE KEY" => Self::Pkcs1Private(der),
                "PUBLIC KEY" => Self::SpkiPublic(der.to_vec()),
                "RSA PUBLIC KEY" => Self::Pkcs1Public(der.to_vec()),
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(KeyError::Format(
                        "encrypted private keys are not supported; decrypt it first",
                    ));
                }
                _ => return Err(KeyError::Format("unknown PEM label")),
            });
        }
        if trimmed[0] == 0x30 {
            return Ok(Self::UnknownDer(Zeroizing::new(trimmed.to_vec())));
        }
        let compact: Zeroizing<Vec<u8>> = Zeroizing::new(
            trimmed
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect(),
        );
        let der = STANDARD
            .decode(&*compact)
            .map_err(|_| KeyError::Format("not PEM, DER or base64"))?;
        Ok(Self::UnknownDer(Zeroizing::new(der)))
    }
}

fn decode(text: &str) -> Result<(String, Zeroizing<Vec<u8>>), KeyError> {
    let mut lines = text.lines().map(str::trim);
    let first = lines.next().unwrap_or_default();
    let label = first
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or(KeyError::Format("bad PEM header"))?
        .to_owned();
    let end = format!("-----END {label}-----");
    let mut body = Zeroizing::new(String::new());
    let mut closed = false;
    for line in lines {
        if line == end {
            closed = true;
            break;
        }
        if line.contains(':') {
            return Err(KeyError::Format(
                "PEM headers (encrypted keys) are not supported",
            ));
        }
        body.push_str(line);
    }
    if !closed {
        return Err(KeyError::Format("PEM has no matching END line"));
    }
    let der = STANDARD
        .decode(body.as_bytes())
        .map_err(|_| KeyError::Format("PEM body is not base64"))?;
    Ok((label, Zeroizing::new(der)))
}

pub(super) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
