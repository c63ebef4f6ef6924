//! Text encodings of signatures (hex in either case, base64) and PHP's `urlencode`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::Error;

/// How a raw signature is written on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureEncoding {
    /// Lowercase hex (WinPay).
    HexLower,
    /// Uppercase hex (Cashy, 91 card, vipcharge MD5).
    HexUpper,
    /// Standard base64 with padding (RSA and AES signatures).
    Base64,
}

impl SignatureEncoding {
    /// Encodes raw signature bytes.
    ///
    /// ```
    /// use sign_core::SignatureEncoding;
    /// assert_eq!(SignatureEncoding::HexUpper.encode(&[0xab, 0x01]), "AB01");
    /// assert_eq!(SignatureEncoding::Base64.encode(b"hi"), "aGk=");
    /// ```
    pub fn encode(self, raw: &[u8]) -> String {
        match self {
            Self::HexLower => hex::encode(raw),
            Self::HexUpper => hex::encode_upper(raw),
            Self::Base64 => STANDARD.encode(raw),
        }
    }

    /// Decodes a received signature. Hex is accepted in either case.
    ///
    /// # Errors
    /// [`Error::MalformedSignature`] when the text is not valid in this encoding.
    pub fn decode(self, text: &str) -> Result<Vec<u8>, Error> {
        match self {
            Self::HexLower | Self::HexUpper => {
                hex::decode(text.trim()).map_err(|_| Error::MalformedSignature { encoding: "hex" })
            }
            Self::Base64 => STANDARD
                .decode(text.trim())
                .map_err(|_| Error::MalformedSignature { encoding: "base64" }),
        }
    }
}

/// PHP's `urlencode()`: `A-Za-z0-9-_.` kept, space as `+`, every other byte as `%XX` upper hex
/// (so `~` becomes `%7E` and `*` becomes `%2A`).
///
/// ```
/// assert_eq!(sign_core::php_urlencode("x y~z*"), "x+y%7Ez%2A");
/// ```
pub fn php_urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3 / 2);
    php_urlencode_into(value, &mut out);
    out
}

pub(crate) fn php_urlencode_into(value: &str, out: &mut String) {
    // `form_urlencoded` implements the same table except that it keeps `*` literal.
    for chunk in url::form_urlencoded::byte_serialize(value.as_bytes()) {
        if chunk.contains('*') {
            out.push_str(&chunk.replace('*', "%2A"));
        } else {
            out.push_str(chunk);
        }
    }
}
