//! A one-pass reader of the usual reply: a JSON object split into its fields, and the success
//! envelope split together with the fields of its `data` object.
//!
//! Why: read with `serde_json`, an envelope's `data` is first skipped as raw text (every string
//! in it scanned) and then parsed again for its fields; every reply paid for its strings twice.
//! This reader takes each field's value as its exact text in one scan, the envelope's and
//! `data`'s at once.
//!
//! It reads a strict subset of JSON: strings without escapes (`\`) or control characters,
//! numbers, `true`, `false`, `null`, and arrays and objects nested at most [`MAX_DEPTH`] deep.
//! Anything else (an escape, deeper nesting, text that is not JSON at all) makes it answer
//! `None`, and the caller reads the text with `serde_json` as before, which then gives the same
//! fields or its own error. So every text taken here is valid JSON, and its fields are exactly
//! those `serde_json` gives (the tests compare both on generated texts).

use std::borrow::Cow;

use super::fields::{Entry, Fields, Raw};

/// How deep arrays and objects may nest inside a field's value here (`serde_json` allows 128;
/// deeper values are left to it).
const MAX_DEPTH: usize = 16;

/// The fields of the JSON object `text` (in the order of the text), or `None` when the text is
/// not of the subset read here.
pub(crate) fn object(text: &str) -> Option<Vec<Entry<'_>>> {
    let mut s = Scanner { text, pos: 0 };
    s.ws();
    let entries = s.fields(0)?;
    s.ws();
    s.at_end().then_some(entries)
}

/// What a reply envelope holds: the exact texts of its `code`, `msg` and `data` (the last of
/// each, as in a map; `None` when absent or `null`), and the fields of `data` when it is an
/// object and was read with the envelope.
#[derive(Debug, Default)]
pub(crate) struct Envelope<'a> {
    pub(crate) code: Option<Raw<'a>>,
    pub(crate) msg: Option<Raw<'a>>,
    pub(crate) data: Option<&'a str>,
    pub(crate) data_fields: Option<Fields<'a>>,
}

/// The envelope `text` with the fields of its `data` object, from one scan; `None` when the
/// text is not of the subset read here. Other members are checked and skipped.
pub(crate) fn envelope(text: &str) -> Option<Envelope<'_>> {
    let mut s = Scanner { text, pos: 0 };
    let mut parts = Envelope::default();
    let mut data_entries = None;
    s.ws();
    s.members(|s, key| {
        match key {
            "data" if s.peek() == Some(b'{') => {
                let start = s.pos;
                data_entries = Some(s.fields(0)?);
                parts.data = s.text.get(start..s.pos);
            }
            "data" => {
                // A later `data` replaces an earlier one, as in a map.
                data_entries = None;
                parts.data = Some(s.value(0)?);
            }
            "code" => parts.code = Some(Raw::plain(s.value(0)?)),
            "msg" => parts.msg = Some(Raw::plain(s.value(0)?)),
            _ => {
                s.value(0)?;
            }
        }
        Some(())
    })?;
    s.ws();
    if !s.at_end() {
        return None;
    }
    for part in [&mut parts.code, &mut parts.msg] {
        *part = part.filter(|raw| raw.text != "null");
    }
    parts.data = parts.data.filter(|raw| *raw != "null");
    parts.data_fields = data_entries.map(Fields::from_entries);
    Some(parts)
}

/// The length of the longest prefix of `bytes` that a JSON string holds as it is: without `"`,
/// `\` or a control character (below 0x20). Eight bytes at a time ([`specials`]).
pub(crate) fn plain_len(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let found = specials(u64::from_le_bytes(chunk));
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let rest = &bytes[at..];
    at + rest
        .iter()
        .position(|&b| is_special(b))
        .unwrap_or(rest.len())
}

/// Whether a JSON string must escape `b`: `"`, `\` or a control character (below 0x20).
pub(crate) fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The high bit of each byte of the little-endian `word` that [`is_special`] flags, found with
/// the usual "has a zero byte" arithmetic: a zero byte in `word ^ c` is a byte equal to `c`.
/// The lowest flagged byte is always a true match (a false flag needs a borrow from a lower,
/// matching byte), so the first special byte is at `trailing_zeros / 8`.
pub(crate) fn specials(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = ONES * 0x80;
    let zero_byte = |w: u64| w.wrapping_sub(ONES) & !w;
    (zero_byte(word ^ (ONES * u64::from(b'"')))
        | zero_byte(word ^ (ONES * u64::from(b'\\')))
        // Below 0x20: the subtraction borrows out of the byte, which had no high bit.
        | (word.wrapping_sub(ONES * 0x20) & !word))
        & HIGH
}

/// Whether `flag` (a word test such as [`specials`]: nonzero for a flagged byte) flags any
/// byte of `bytes`, eight bytes at a time as little-endian words; `None` for fewer than eight
/// bytes, which have no word to fill (the caller tests them byte by byte). A length that is
/// not a multiple of eight has its last eight bytes read again: only a yes or no, no position.
pub(crate) fn any_word(bytes: &[u8], flag: impl Fn(u64) -> u64) -> Option<bool> {
    let word = |at: usize| {
        bytes
            .get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map(|w| flag(u64::from_le_bytes(w)) != 0)
    };
    let last = word(bytes.len().checked_sub(8)?)?;
    let mut at = 0;
    while at + 8 <= bytes.len() {
        if word(at)? {
            return Some(true);
        }
        at += 8;
    }
    Some(last)
}

/// A position in a text; every method consumes what it reads, or answers `None`.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos == self.text.len()
    }

    /// JSON whitespace.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// A string without escapes or control characters: its content.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.pos;
        let rest = self.text.as_bytes().get(start..)?;
        let len = plain_len(rest);
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        self.pos = start + len + 1;
        self.text.get(start..start + len)
    }

    /// Digits; how many.
    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.').is_some() && self.digits() == 0 {
            return None;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let rest = self.text.get(self.pos..)?;
        rest.starts_with(word).then(|| self.pos += word.len())
    }

    /// One value at nesting `depth`: its exact text.
    fn value(&mut self, depth: usize) -> Option<&'a str> {
        let start = self.pos;
        match self.peek()? {
            b'"' => self.string().map(drop)?,
            b'-' | b'0'..=b'9' => self.number()?,
            b't' => self.literal("true")?,
            b'f' => self.literal("false")?,
            b'n' => self.literal("null")?,
            b'{' if depth < MAX_DEPTH => self.members(|s, _| s.value(depth + 1).map(drop))?,
            b'[' if depth < MAX_DEPTH => self.elements(depth + 1)?,
            _ => return None,
        }
        self.text.get(start..self.pos)
    }

    /// An object, its values read at nesting `depth`: its fields.
    fn fields(&mut self, depth: usize) -> Option<Vec<Entry<'a>>> {
        let mut entries = Vec::with_capacity(8);
        self.members(|s, key| {
            let text = s.value(depth)?;
            entries.push((Cow::Borrowed(key), Some(Raw::plain(text))));
            Some(())
        })?;
        Some(entries)
    }

    /// `{"key": value, ...}`: `member` reads each value (the scanner is at its first byte).
    fn members(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            member(self, key)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    self.ws();
                }
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `[value, ...]`, values at nesting `depth`.
    fn elements(&mut self, depth: usize) -> Option<()> {
        self.eat(b'[')?;
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.value(depth)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    self.ws();
                }
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names and value texts.
    type Texts<'a> = Vec<(Cow<'a, str>, Option<&'a str>)>;

    fn texts<'a>(fields: &Fields<'a>) -> Texts<'a> {
        let texts = fields.entries().iter();
        texts.map(|(k, v)| (k.clone(), v.map(|v| v.text))).collect()
    }

    /// What `serde_json` makes of `text`: the fields, or `None` for an error.
    fn slow(text: &str) -> Option<Texts<'_>> {
        Fields::parse_slow(text).ok().map(|f| texts(&f))
    }

    fn fast(text: &str) -> Option<Texts<'_>> {
        object(text).map(|e| texts(&Fields::from_entries(e)))
    }

    /// Asserts that the scan of `text`, when it answers, agrees with `serde_json`, for a
    /// plain object and as the `data` of an envelope; whether the scan answered.
    fn agrees(text: &str) -> bool {
        let Some(fields) = fast(text) else {
            return false;
        };
        assert_eq!(Some(&fields), slow(text).as_ref(), "object `{text}`");
        let wrapped = format!(r#"{{"code":200, "data" : {text} ,"msg":"SUCCESS","x":[{text}]}}"#);
        let Some(parts) = envelope(&wrapped) else {
            panic!("envelope around `{text}`");
        };
        let Ok(mut outer) = Fields::parse_slow(&wrapped) else {
            panic!("{wrapped}");
        };
        let code = parts.code.map(|r| r.text);
        assert_eq!(code, outer.take_raw("code"), "{wrapped}");
        assert_eq!(
            parts.msg.map(|r| r.text),
            outer.take_raw("msg"),
            "{wrapped}"
        );
        assert_eq!(parts.data, outer.take_raw("data"), "{wrapped}");
        assert!(
            parts
                .data_fields
                .as_ref()
                .is_some_and(|d| d.entries().iter().all(|(_, v)| v.is_some_and(|v| v.plain))),
            "{wrapped}"
        );
        let data = parts.data_fields.map(|d| texts(&d));
        assert_eq!(data, Some(fields), "{wrapped}");
        true
    }

    #[test]
    fn the_usual_reply_is_read_in_one_pass() {
        let reply = r#"{"msg":"SUCCESS","code":200,"data":{"merchantId":"100001","amount":"100000","expireTime":"2022-12-06 17:48:40"}}"#;
        let Some(Envelope {
            code,
            msg,
            data,
            data_fields: Some(mut fields),
        }) = envelope(reply)
        else {
            panic!("not read");
        };
        assert_eq!(
            (code, msg),
            (Some(Raw::plain("200")), Some(Raw::plain("\"SUCCESS\"")))
        );
        assert!(data.is_some_and(|d| d.starts_with("{\"merchantId\"") && d.ends_with("40\"}")));
        assert_eq!(fields.take_raw("amount"), Some("\"100000\""));
        assert!(agrees(
            r#"{"merchantId":"100001","a":[1,{"b":null}],"c":-0.5e+3}"#
        ));
    }

    #[test]
    fn a_later_member_replaces_an_earlier_one_and_null_is_absent() {
        let parts = envelope(r#"{"data":{"a":1},"code":1,"code":null,"data":null}"#);
        assert!(
            parts.is_some_and(|p| p.data.is_none() && p.data_fields.is_none() && p.code.is_none())
        );
        let parts = envelope(r#"{"data":[1],"data":{"b":2},"msg":"x"}"#);
        let Some(Envelope {
            data,
            data_fields,
            msg,
            ..
        }) = parts
        else {
            panic!("not read");
        };
        assert_eq!(
            (data, msg),
            (Some(r#"{"b":2}"#), Some(Raw::plain(r#""x""#)))
        );
        assert_eq!(data_fields.map(|d| texts(&d)), slow(r#"{"b":2}"#));
    }

    #[test]
    fn what_is_not_plain_is_left_to_serde_json() {
        for text in [
            r#"{"a":"x\"y"}"#,
            r#"{"a\u0062":1}"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":-}"#,
            r#"{"a":+1}"#,
            r#"{"a":tru}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":1} x"#,
            r#"{"a":[1,]}"#,
            r#"[1,2]"#,
            "",
            "{",
            r#"{"a":NaN}"#,
            "{\"a\":1}\u{a0}",
            r#"{"a":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}"#,
        ] {
            assert!(!agrees(text), "`{text}` was taken");
        }
        for text in [
            "{}",
            " { } ",
            "\t{\"a\" :\r\n1 }\n",
            r#"{"a":"é ü 𝄞","b":true,"c":false,"d":null,"e":[],"f":{}}"#,
            r#"{"a":1,"a":2,"b":"1","":""}"#,
            r#"{"n":-0,"m":0.0,"o":1E9,"p":12.50,"q":123456789012345678901234567890}"#,
        ] {
            assert!(agrees(text), "`{text}` was not taken");
        }
    }

    #[test]
    fn plain_len_finds_the_first_byte_a_string_cannot_hold() {
        let naive = |b: &[u8]| {
            b.iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(b.len())
        };
        const BYTES: &[u8] = b"\"\\\x00\x01\x1f\x20\x21\x5b\x5d\x7f\x80\xa2\xdc\xffa";
        let mut next = crate::api::xorshift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..100_000 {
            let len = (next() % 40) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    if next().is_multiple_of(4) {
                        BYTES[(next() % BYTES.len() as u64) as usize]
                    } else {
                        b'a' + (next() % 26) as u8
                    }
                })
                .collect();
            assert_eq!(plain_len(&text), naive(&text), "{text:?}");
        }
        for b in 0..=255u8 {
            for at in 0..17 {
                let mut text = vec![b'x'; 17];
                text[at] = b;
                assert_eq!(plain_len(&text), naive(&text), "{b} at {at}");
            }
        }
    }

    /// Random texts over the characters that matter to JSON: whatever the scan takes,
    /// `serde_json` takes too, with the same fields.
    #[test]
    fn the_scan_never_takes_what_serde_json_refuses() {
        const PIECES: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\n",
            "\"",
            "\"a\"",
            "\"b\":",
            "\\",
            "\\\"",
            "\\u0041",
            "0",
            "1",
            "-",
            ".",
            "e",
            "E",
            "+",
            "9",
            "true",
            "false",
            "null",
            "nul",
            "é",
            "\t",
            "\u{1}",
            "x",
            "\"k\":\"v\"",
            ",\"c\":",
        ];
        let mut next = crate::api::xorshift(0x2545_F491_4F6C_DD1D);
        let (mut taken, mut tried) = (0, 0);
        for _ in 0..200_000 {
            let mut text = String::from(if next().is_multiple_of(8) {
                ""
            } else {
                "{\"a\":"
            });
            for _ in 0..next() % 12 {
                text.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            if next().is_multiple_of(2) {
                text.push('}');
            }
            tried += 1;
            if agrees(&text) {
                taken += 1;
            }
        }
        assert!(taken > 1_000, "the scan took only {taken} of {tried} texts");
    }
}
