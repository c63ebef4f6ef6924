//! Injectable nonces. The random sources draw from the operating system's CSPRNG (through
//! `rand`'s thread-local generator, reseeded from the OS), because several providers refuse a
//! nonce seen twice and a predictable nonce helps an attacker replay.

use std::fmt::Debug;

use rand::{Rng as _, RngCore as _};

/// A source of fresh nonces.
pub trait NonceSource: Send + Sync + Debug {
    /// A new nonce.
    fn nonce(&self) -> String;
}

/// `len` random hex characters, upper or lower case.
///
/// ```
/// use payhub_runtime::{NonceSource, RandomHex};
/// let n = RandomHex::upper(32).nonce();
/// assert_eq!(n.len(), 32);
/// assert!(n.chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RandomHex {
    len: usize,
    upper: bool,
}

impl RandomHex {
    /// Uppercase hex of `len` characters.
    pub fn upper(len: usize) -> Self {
        Self { len, upper: true }
    }

    /// Lowercase hex of `len` characters.
    pub fn lower(len: usize) -> Self {
        Self { len, upper: false }
    }
}

impl NonceSource for RandomHex {
    fn nonce(&self) -> String {
        let digits: &[u8; 16] = if self.upper {
            b"0123456789ABCDEF"
        } else {
            b"0123456789abcdef"
        };
        // Two digits per random byte.
        let mut bytes = vec![0u8; self.len.div_ceil(2)];
        rand::rng().fill_bytes(&mut bytes);
        bytes
            .iter()
            .flat_map(|b| [b >> 4, b & 0x0f])
            .take(self.len)
            .map(|d| char::from(digits[usize::from(d)]))
            .collect()
    }
}

/// `len` random ASCII letters and digits.
#[derive(Clone, Copy, Debug)]
pub struct RandomAlphanumeric(pub usize);

impl NonceSource for RandomAlphanumeric {
    fn nonce(&self) -> String {
        const ALPHANUMERIC: &[u8; 62] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        // Six random bits per candidate: one of 64 values, the two that are not characters
        // rejected, so every character is equally likely (as with `rand`'s `Alphanumeric`,
        // which spends four bytes per candidate). Ten candidates from each 64-bit draw (the
        // last four bits unused): a 32-character nonce takes about four draws.
        let mut rng = rand::rng();
        let mut out = String::with_capacity(self.0);
        while out.len() < self.0 {
            let mut bits = rng.next_u64();
            for _ in 0..10 {
                if let Some(&c) = ALPHANUMERIC.get((bits & 63) as usize) {
                    out.push(char::from(c));
                    if out.len() == self.0 {
                        break;
                    }
                }
                bits >>= 6;
            }
        }
        out
    }
}

/// A random RFC 4122 version-4 UUID in its hyphenated lowercase form.
///
/// ```
/// use payhub_runtime::{NonceSource, RandomUuid};
/// let n = RandomUuid.nonce();
/// assert_eq!(n.len(), 36);
/// assert_eq!(&n[14..15], "4");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RandomUuid;

impl NonceSource for RandomUuid {
    fn nonce(&self) -> String {
        let mut b: [u8; 16] = rand::rng().random();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// Always the same nonce (fixtures only: providers refuse repeated nonces).
#[derive(Clone, Debug)]
pub struct FixedNonce(pub String);

impl NonceSource for FixedNonce {
    fn nonce(&self) -> String {
        self.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphanumeric_nonces_have_the_length_and_alphabet_and_differ() {
        for len in [0, 1, 16, 32, 63, 64, 65, 200] {
            let n = RandomAlphanumeric(len).nonce();
            assert_eq!(n.len(), len);
            assert!(n.bytes().all(|b| b.is_ascii_alphanumeric()), "{n}");
        }
        assert_ne!(
            RandomAlphanumeric(32).nonce(),
            RandomAlphanumeric(32).nonce()
        );
    }

    #[test]
    fn alphanumeric_nonces_use_every_character_about_equally() {
        let mut counts = [0u32; 128];
        for _ in 0..2_000 {
            for b in RandomAlphanumeric(62).nonce().bytes() {
                counts[usize::from(b)] += 1;
            }
        }
        // 2 000 draws per character expected; 6 sigma is about 270.
        let used: Vec<u32> = counts.iter().copied().filter(|&c| c > 0).collect();
        assert_eq!(used.len(), 62);
        assert!(
            used.iter().all(|&c| (1_700..=2_300).contains(&c)),
            "{used:?}"
        );
    }

    #[test]
    fn hex_nonces_have_the_length_and_case() {
        for len in [0, 1, 15, 16, 33] {
            let upper = RandomHex::upper(len).nonce();
            assert_eq!(upper.len(), len);
            assert!(
                upper
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F')),
                "{upper}"
            );
            let lower = RandomHex::lower(len).nonce();
            assert!(
                lower
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
                "{lower}"
            );
        }
        assert_ne!(RandomHex::lower(32).nonce(), RandomHex::lower(32).nonce());
    }
}
