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
            Self::HexLower => hex_encode(raw, b"0123456789abcdef"),
            Self::HexUpper => hex_encode(raw, b"0123456789ABCDEF"),
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

/// Hex with the given digits, written straight into one string.
/// (Bytes written in place, then checked as UTF-8 once: cheaper than pushing `char`s.)
fn hex_encode(raw: &[u8], digits: &[u8; 16]) -> String {
    let mut out = vec![0u8; raw.len() * 2];
    for (pair, &b) in out.chunks_exact_mut(2).zip(raw) {
        pair[0] = digits[usize::from(b >> 4)];
        pair[1] = digits[usize::from(b & 0x0f)];
    }
    // Hex digits are ASCII, so this is always `Ok`; the lossy form only avoids a panic path.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Decodes hex in either case into `buf`, as [`SignatureEncoding::decode`] would (an odd
/// length or a non-hex character is [`Error::MalformedSignature`]); `None` when the decoded
/// bytes would not fit in `buf`, for the caller to take the general path.
#[cfg_attr(not(any(feature = "md5", feature = "sha2")), allow(dead_code))]
pub(crate) fn hex_decode_into<'b>(
    text: &str,
    buf: &'b mut [u8],
) -> Option<Result<&'b [u8], Error>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let malformed = Error::MalformedSignature { encoding: "hex" };
    let text = text.as_bytes();
    if !text.len().is_multiple_of(2) {
        return Some(Err(malformed));
    }
    let out = buf.get_mut(..text.len() / 2)?;
    for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        match (nibble(pair[0]), nibble(pair[1])) {
            (Some(hi), Some(lo)) => *o = hi << 4 | lo,
            _ => return Some(Err(malformed)),
        }
    }
    Some(Ok(out))
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

/// The bytes PHP's `urlencode()` keeps as they are: `A-Za-z0-9-_.`.
static KEEP: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.';
        b += 1;
    }
    table
};

pub(crate) fn php_urlencode_into(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(value.len());
    // Runs of bytes kept as they are are copied in one go; every other byte is written as `+`
    // or `%XX` straight into `out` (no chunk strings, no second pass for `*`).
    let bytes = value.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if KEEP[usize::from(b)] {
            continue;
        }
        // `start < i` means `bytes[start..i]` is a run of ASCII bytes, so both ends are
        // character boundaries.
        if start < i {
            out.push_str(&value[start..i]);
        }
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        start = i + 1;
    }
    if start < bytes.len() {
        out.push_str(&value[start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::php_urlencode;

    /// The table of PHP's `urlencode()`: the previous implementation (url's form serializer
    /// with `*` escaped), kept here as the reference the fast path must match.
    fn reference(value: &str) -> String {
        url::form_urlencoded::byte_serialize(value.as_bytes())
            .map(|chunk| chunk.replace('*', "%2A"))
            .collect()
    }

    #[test]
    fn matches_php_urlencode_on_every_byte_and_on_mixed_text() {
        for c in (0u32..0x250).filter_map(char::from_u32) {
            let s = format!("a{c}b{c}");
            assert_eq!(php_urlencode(&s), reference(&s), "{c:?}");
        }
        for s in [
            "",
            "*",
            "~",
            " ",
            "https://merchant.test/jy/notify?a=1&b=x y~z",
            "é中文 €",
            "plain-text_1.0",
            "%2A%",
        ] {
            assert_eq!(php_urlencode(s), reference(s), "{s:?}");
        }
    }
}

#[cfg(test)]
mod hex_tests {
    use super::*;

    #[test]
    fn hex_encoding_matches_the_hex_crate() {
        let raw: Vec<u8> = (0..=255).collect();
        assert_eq!(SignatureEncoding::HexLower.encode(&raw), hex::encode(&raw));
        assert_eq!(
            SignatureEncoding::HexUpper.encode(&raw),
            hex::encode_upper(&raw)
        );
        assert_eq!(SignatureEncoding::HexLower.encode(&[]), "");
    }

    #[test]
    fn stack_hex_decoding_agrees_with_the_general_decoder() {
        let cases = [
            "",
            "0",
            "00",
            "aBcD",
            "abcg",
            "zz",
            "0123456789abcdefABCDEF00",
            " ab",
            "ab ",
            "é0",
            "0é",
        ];
        for text in cases {
            let mut buf = [0u8; 16];
            let fast = hex_decode_into(text, &mut buf).map(|r| r.map(<[u8]>::to_vec));
            let general = SignatureEncoding::HexLower.decode(text);
            // `decode` trims; the stack decoder is given trimmed text by its caller.
            if text.trim() == text {
                assert_eq!(fast.map(|r| r.ok()), Some(general.ok()), "{text:?}");
            }
        }
        let long = "ab".repeat(17);
        assert!(
            hex_decode_into(&long, &mut [0u8; 16]).is_none(),
            "too long for the buffer"
        );
        assert!(matches!(
            hex_decode_into("abc", &mut [0u8; 16]),
            Some(Err(Error::MalformedSignature { encoding: "hex" }))
        ));
    }
}
