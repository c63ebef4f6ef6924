//! The documented field rules, as small reusable checks that collect every violation.

use rust_decimal::Decimal;
use url::Url;

use crate::error::{ValidationError, Violation};
use crate::profile::{Profile, Profiles};

/// `nonceStr`, `mchOrderNo`, `orderNo`: `string(32)`.
pub(crate) const ID_MAX: usize = 32;
/// Order numbers in queries (see [`Checks::lookup_id`]).
pub(crate) const LOOKUP_MAX: usize = 64;
/// `notifyUrl`, `returnUrl`: `string(250)`.
pub(crate) const URL_MAX: usize = 250;
/// `realName`, `email`: `string(64)`.
pub(crate) const NAME_MAX: usize = 64;
/// `phone`, `mobileMoneyPhone`, `idCard`, `remark`, `goodsSubject`, `goodsBody`: `string(32)`.
pub(crate) const SHORT_MAX: usize = 32;

/// The number of characters of `value` when it is more than `max` (a text of at most `max` bytes
/// has at most `max` characters, so short texts are not counted).
fn chars_over(value: &str, max: usize) -> Option<usize> {
    if value.len() <= max {
        return None;
    }
    Some(value.chars().count()).filter(|&len| len > max)
}

/// Whether every byte of `value` is printable ASCII: `!` to `~`, and the space too when `space`.
/// The usual text (an id, a phone number, a nonce) is, and then needs no other check for
/// control characters or whitespace. Eight bytes at a time with the usual byte-wise arithmetic
/// (a byte below the lowest allowed, a byte with its high bit set, DEL), the last eight read
/// again when the length is not a multiple of eight; a shorter text byte by byte.
fn printable_ascii(value: &[u8], space: bool) -> bool {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = ONES * 0x80;
    let lowest: u8 = if space { b' ' } else { b'!' };
    let outside = |word: u64| {
        let del = word ^ (ONES * 0x7f);
        // Below `lowest` (exact as a yes or no for a bound up to 0x80), from 0x80 up, DEL.
        ((word.wrapping_sub(ONES * u64::from(lowest)) & !word)
            | word
            | (del.wrapping_sub(ONES) & !del))
            & HIGH
    };
    match super::scan::any_word(value, outside) {
        Some(any) => !any,
        None => value.iter().all(|&b| (lowest..=b'~').contains(&b)),
    }
}

/// Whether `value` holds a control character (`char::is_control`). Printable ASCII (and the
/// space) decides at once; a control byte or any byte from DEL up (which may start a C1
/// control, U+0080 to U+009F) sends it to the check of the characters.
fn has_control(value: &str) -> bool {
    !printable_ascii(value.as_bytes(), true) && value.chars().any(char::is_control)
}

/// `local@domain.tld`: text before the first `@`, no second `@`, a dot in the domain but not
/// at its ends nor two in a row. One pass over the bytes (all of these are ASCII).
fn email_shaped(value: &str) -> bool {
    let b = value.as_bytes();
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    // `true` at the start: a leading dot is refused like a doubled one.
    let mut after_dot = true;
    let mut dots = 0;
    for &c in &b[at + 1..] {
        match c {
            b'@' => return false,
            b'.' if after_dot => return false,
            b'.' => {
                after_dot = true;
                dots += 1;
            }
            _ => after_dot = false,
        }
    }
    at > 0 && dots > 0 && !after_dot
}

/// Whether `value` holds whitespace or a control character (what an id or a nonce must not
/// hold). Printable ASCII decides at once; other ASCII byte-wise (its whitespace is the space
/// and 0x09-0x0D, which are control characters, like DEL); anything else by characters.
pub(crate) fn spaced(value: &str) -> bool {
    if printable_ascii(value.as_bytes(), false) {
        false
    } else if value.is_ascii() {
        value.bytes().any(|b| b == b' ' || b.is_ascii_control())
    } else {
        value.chars().any(|c| c.is_whitespace() || c.is_control())
    }
}

/// Whether `value` holds whitespace (`char::is_whitespace`), byte-wise for ASCII.
fn has_whitespace(value: &str) -> bool {
    if printable_ascii(value.as_bytes(), false) {
        false
    } else if value.is_ascii() {
        value.bytes().any(|b| matches!(b, b'\t'..=b'\r' | b' '))
    } else {
        value.chars().any(char::is_whitespace)
    }
}

/// Whether `value` is, without doubt, an `http`/`https` URL with a host that [`Url::parse`]
/// accepts: lower-case scheme, a host of lower-case ASCII letters, digits and inner hyphens whose
/// last label starts with a letter (so it is not read as an IPv4 address), an optional port that
/// fits 16 bits, and a path of printable ASCII. Anything else (IP literals, user info, percent
/// signs, punycode, upper case, spaces...) is left to the full parser. This is only a shortcut:
/// it never accepts a URL the parser would refuse (see the tests), it saves parsing the same
/// merchant callback URL on every request.
///
/// One pass over the bytes (it runs twice per create, for `notifyUrl` and `returnUrl`); the
/// tests keep it equal to the plainer split-and-check version it replaced.
fn plain_http_url(value: &str) -> bool {
    let Some(rest) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    else {
        return false;
    };
    let b = rest.as_bytes();
    // The host: dot-separated labels, up to the port or the path.
    let label_ok = |label: &[u8]| {
        (1..=63).contains(&label.len())
            && !label.starts_with(b"xn--")
            && label[0] != b'-'
            && label[label.len() - 1] != b'-'
    };
    let mut at = 0;
    let mut label = 0;
    while let Some(&c) = b.get(at) {
        match c {
            b'.' => {
                if !label_ok(&b[label..at]) {
                    return false;
                }
                label = at + 1;
            }
            b'a'..=b'z' | b'0'..=b'9' | b'-' => {}
            b':' | b'/' => break,
            _ => return false,
        }
        at += 1;
    }
    let last = &b[label..at];
    if !label_ok(last) || !last[0].is_ascii_lowercase() {
        return false;
    }
    // The port: 1 to 5 digits that fit 16 bits.
    if b.get(at) == Some(&b':') {
        at += 1;
        let start = at;
        let mut port: u32 = 0;
        while let Some(&d) = b.get(at).filter(|d| d.is_ascii_digit()) {
            port = port * 10 + u32::from(d - b'0');
            at += 1;
            if at - start > 5 {
                return false;
            }
        }
        if at == start || port > u32::from(u16::MAX) {
            return false;
        }
    }
    // The path: printable ASCII but `\` and `%`.
    match b.get(at) {
        None => true,
        Some(b'/') => b[at..]
            .iter()
            .all(|&c| c.is_ascii_graphic() && c != b'\\' && c != b'%'),
        Some(_) => false,
    }
}

/// Collects violations; [`Checks::finish`] turns them into one [`ValidationError`].
#[derive(Debug, Default)]
pub struct Checks {
    violations: Vec<Violation>,
}

impl Checks {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&mut self, field: &'static str, rule: impl Into<String>) {
        self.violations.push(Violation::new(field, rule));
    }

    pub(crate) fn finish(self, operation: &'static str) -> Result<(), ValidationError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationError::new(operation, self.violations))
        }
    }

    /// A required text: not blank, at most `max` characters, no control characters.
    pub(crate) fn text(&mut self, field: &'static str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.push(field, "is required and must not be blank");
            return;
        }
        self.opt_text(field, Some(value), max);
    }

    /// An optional text: at most `max` characters, no control characters.
    pub(crate) fn opt_text(&mut self, field: &'static str, value: Option<&str>, max: usize) {
        let Some(value) = value else { return };
        if let Some(len) = chars_over(value, max) {
            self.push(
                field,
                format!("must be at most {max} characters, got {len}"),
            );
        }
        if has_control(value) {
            self.push(field, "must not contain control characters");
        }
    }

    /// An identifier we send (`mchOrderNo` on creates, `nonceStr`): 1 to 32 characters
    /// (`string(32)`), no whitespace.
    pub(crate) fn id(&mut self, field: &'static str, value: &str) {
        self.id_within(field, value, ID_MAX);
    }

    /// An order number we look up: 1 to 64 characters, no whitespace. Queries are more lenient
    /// than creates because the provider's own query example uses a 33-character `mchOrderNo`;
    /// a query must be able to find any order the provider holds.
    pub(crate) fn lookup_id(&mut self, field: &'static str, value: &str) {
        self.id_within(field, value, LOOKUP_MAX);
    }

    fn id_within(&mut self, field: &'static str, value: &str, max: usize) {
        if value.is_empty() {
            self.push(field, "is required and must not be empty");
        } else if let Some(len) = chars_over(value, max) {
            self.push(
                field,
                format!("must be at most {max} characters, got {len}"),
            );
        }
        if spaced(value) {
            self.push(field, "must not contain whitespace or control characters");
        }
    }

    /// An optional `nonceStr` set by the caller.
    pub(crate) fn nonce(&mut self, value: Option<&str>) {
        if let Some(v) = value {
            self.id("nonceStr", v);
        }
    }

    /// An http(s) URL of at most 250 characters with a host.
    pub(crate) fn url(&mut self, field: &'static str, value: Option<&str>) {
        let Some(value) = value else { return };
        if let Some(len) = chars_over(value, URL_MAX) {
            self.push(
                field,
                format!("must be at most {URL_MAX} characters, got {len}"),
            );
        }
        if plain_http_url(value) {
            return;
        }
        match Url::parse(value) {
            Ok(url) if !matches!(url.scheme(), "http" | "https") => {
                self.push(field, "must be an http or https URL");
            }
            Ok(url) if url.host_str().is_none_or(str::is_empty) => {
                self.push(field, "must have a host");
            }
            Ok(_) => {}
            Err(e) => self.push(field, format!("is not a URL ({e})")),
        }
    }

    /// An email address: `local@domain.tld`, no whitespace, at most 64 characters.
    pub(crate) fn email(&mut self, value: Option<&str>) {
        let Some(value) = value else { return };
        self.opt_text("email", Some(value), NAME_MAX);
        if !email_shaped(value) || has_whitespace(value) {
            self.push("email", "must look like local@domain.tld");
        }
    }

    /// `currency` and `amount` against the currency's profile; returns the profile.
    pub(crate) fn money<'p>(
        &mut self,
        profiles: &'p Profiles,
        currency: &str,
        amount: Decimal,
    ) -> Option<&'p Profile> {
        let Some(profile) = profiles.resolve(currency) else {
            self.push(
                "currency",
                format!(
                    "`{currency}` has no amount profile and there is no default profile; add one \
                     with ClientBuilder::profile or ClientBuilder::default_profile"
                ),
            );
            return None;
        };
        // The request's code, not the profile's (the default profile's is `*`).
        let cur = currency;
        if amount <= Decimal::ZERO {
            self.push("amount", "must be positive");
            return Some(profile);
        }
        let scale = profile.scale_digits();
        // `normalize` only lowers the scale: an amount already within it needs no normalizing.
        if amount.scale() > scale && amount.normalize().scale() > scale {
            let rule = if scale == 0 {
                format!("must be a whole number for {cur}, got {amount}")
            } else {
                format!("must have at most {scale} decimal places for {cur}, got {amount}")
            };
            self.push("amount", rule);
        }
        if amount < profile.min_amount() {
            self.push(
                "amount",
                format!(
                    "must be at least {} {cur}, got {amount}",
                    profile.min_amount()
                ),
            );
        }
        if let Some(max) = profile.max_amount().filter(|max| amount > *max) {
            self.push(
                "amount",
                format!("must be at most {max} {cur}, got {amount}"),
            );
        }
        Some(profile)
    }

    /// Fields a profile requires: `present(name)` says whether the request has the field
    /// (`None`: the endpoint has no such field, a mistake in a custom profile).
    pub(crate) fn required_by_profile(
        &mut self,
        profile: &Profile,
        required: &[&'static str],
        present: impl Fn(&str) -> Option<bool>,
    ) {
        for &field in required {
            match present(field) {
                Some(true) => {}
                Some(false) => self.push(
                    field,
                    format!(
                        "is required for {} ({})",
                        profile.currency(),
                        profile.country()
                    ),
                ),
                None => self.push(
                    field,
                    format!(
                        "is required by the {} profile but this endpoint has no such field",
                        profile.currency()
                    ),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-wise checks answer as the character-wise ones they replaced, on random texts
    /// over the characters that matter to them.
    #[test]
    fn the_byte_wise_text_checks_agree_with_the_character_wise_ones() {
        let shaped_by_splits = |value: &str| {
            value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            })
        };
        const PIECES: &[&str] = &[
            "a", "Z", "0", "@", ".", "..", " ", "\t", "\u{b}", "\u{c}", "\r", "\n", "\u{1c}",
            "\u{1f}", "\u{7f}", "\u{80}", "\u{85}", "\u{9f}", "\u{a0}", "é", "\u{2028}",
            "\u{3000}", "-", "_", "+",
        ];
        let mut next = crate::api::xorshift(0x2545_F491_4F6C_DD1D);
        let (mut shaped, mut control, mut spaced) = (0, 0, 0);
        for _ in 0..100_000 {
            let text: String = (0..next() % 10)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            assert_eq!(email_shaped(&text), shaped_by_splits(&text), "{text:?}");
            assert_eq!(
                has_control(&text),
                text.chars().any(char::is_control),
                "{text:?}"
            );
            let ws = text.chars().any(char::is_whitespace);
            assert_eq!(has_whitespace(&text), ws, "{text:?}");
            assert_eq!(
                super::spaced(&text),
                ws || text.chars().any(char::is_control),
                "{text:?}"
            );
            shaped += usize::from(email_shaped(&text));
            control += usize::from(has_control(&text));
            spaced += usize::from(ws);
        }
        assert!(
            shaped > 100 && control > 1_000 && spaced > 1_000,
            "{shaped} {control} {spaced}"
        );
    }

    /// The shortcut as it was first written (splits and checks): the one-pass version must
    /// answer the same.
    fn reference(value: &str) -> bool {
        let Some(rest) = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
        else {
            return false;
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if let Some(port) = port
            && (port.is_empty()
                || port.len() > 5
                || !port.bytes().all(|b| b.is_ascii_digit())
                || port.parse::<u16>().is_err())
        {
            return false;
        }
        let label_ok = |label: &str| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && !label.starts_with("xn--")
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
                && b.iter()
                    .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        };
        let last_ok = host
            .rsplit('.')
            .next()
            .is_some_and(|last| last.as_bytes().first().is_some_and(u8::is_ascii_lowercase));
        last_ok
            && host.split('.').all(label_ok)
            && path
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'\\' | b'%'))
    }

    /// What the full check accepts: parses, http(s), a non-empty host.
    fn parser_accepts(value: &str) -> bool {
        Url::parse(value).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        })
    }

    #[test]
    fn the_shortcut_takes_typical_callback_urls() {
        for url in [
            "https://merchant.com/webhooks",
            "http://shop.example.co.tz:8443/api/cashy/notify",
            "https://a-b.c9.example/x/y.php?id=1&t=2#top",
            "https://merchant.com",
            "http://localhost:65535/",
        ] {
            assert!(plain_http_url(url), "{url}");
            assert!(reference(url), "{url}");
            assert!(parser_accepts(url), "{url}");
        }
    }

    #[test]
    fn the_shortcut_leaves_unusual_urls_to_the_parser() {
        for url in [
            "HTTPS://merchant.com/x",
            "https://Merchant.com/x",
            "https://127.0.0.1/x",
            "https://1.2.3.999/x",
            "https://a.0x10/x",
            "https://user@merchant.com/x",
            "https://merchant.com:+80/x",
            "https://merchant.com:65536/x",
            "https://merchant.com:/x",
            "https://xn--nxasmq6b.com/",
            "https://-a.com/",
            "https://a..com/",
            "https://a.com./",
            "https://a.com/%zz",
            "https://a.com/a b",
            "https://a.com/\\x",
            " https://a.com/",
            "ftp://a.com/",
            "https:///x",
            "https://",
            "https://[::1]/",
            "https://a.com?q",
        ] {
            assert!(!plain_http_url(url), "{url}");
            assert!(!reference(url), "{url}");
        }
    }

    /// The shortcut never accepts what the parser refuses: random strings over an alphabet of
    /// the characters that matter to URL parsing, built on a valid prefix.
    #[test]
    fn the_shortcut_never_accepts_what_the_parser_refuses() {
        const ALPHABET: &[u8] = b"az09AZ-.:/@%?#[]\\ +_~x";
        const PREFIXES: [&str; 4] = ["https://", "http://", "https://a.b", "http://xn--"];
        let mut next = crate::api::xorshift(0x9E37_79B9_7F4A_7C15);
        let mut accepted = 0;
        for _ in 0..200_000 {
            let mut url = PREFIXES[(next() % 4) as usize].to_owned();
            let len = next() % 24;
            for _ in 0..len {
                url.push(char::from(
                    ALPHABET[(next() % ALPHABET.len() as u64) as usize],
                ));
            }
            assert_eq!(plain_http_url(&url), reference(&url), "`{url}`");
            if plain_http_url(&url) {
                accepted += 1;
                assert!(parser_accepts(&url), "shortcut accepted `{url}`");
            }
        }
        assert!(accepted > 1_000, "the shortcut took only {accepted} URLs");
    }

    #[test]
    fn long_hosts_and_labels_agree_with_the_parser() {
        let long_label = format!("https://{}.com/", "a".repeat(63));
        let too_long_label = format!("https://{}.com/", "a".repeat(64));
        let long_host = format!("https://{}com/", "abcdefghi.".repeat(30));
        for url in [long_label, too_long_label, long_host] {
            assert_eq!(plain_http_url(&url), reference(&url), "{url}");
            if plain_http_url(&url) {
                assert!(parser_accepts(&url), "{url}");
            }
        }
    }

    #[test]
    fn the_printable_ascii_check_agrees_with_its_definition() {
        let simple = |v: &[u8], space: bool| {
            v.iter()
                .all(|&b| b.is_ascii_graphic() || (space && b == b' '))
        };
        // Mostly printable bytes, with the edges of each range mixed in.
        let edges = [
            0x00, 0x09, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0x9f, 0xc3, 0xff,
        ];
        let mut next = crate::api::xorshift(0x51_7CC1_B727_220A);
        for _ in 0..100_000 {
            let len = (next() % 40) as usize;
            let value: Vec<u8> = (0..len)
                .map(|_| match next() % 16 {
                    0 => edges[(next() % edges.len() as u64) as usize],
                    _ => b'!' + (next() % 94) as u8,
                })
                .collect();
            for space in [false, true] {
                assert_eq!(
                    printable_ascii(&value, space),
                    simple(&value, space),
                    "{value:?} {space}"
                );
            }
        }
    }
}
