//! Injectable nonces. The random sources draw from the operating system's CSPRNG (through
//! `rand`'s thread-local generator, reseeded from the OS), because several providers refuse a
//! nonce seen twice and a predictable nonce helps an attacker replay.

use std::fmt::Debug;

use rand::Rng as _;
use rand::distr::Alphanumeric;

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
        let mut rng = rand::rng();
        (0..self.len)
            .map(|_| char::from(digits[rng.random_range(0..16)]))
            .collect()
    }
}

/// `len` random ASCII letters and digits.
#[derive(Clone, Copy, Debug)]
pub struct RandomAlphanumeric(pub usize);

impl NonceSource for RandomAlphanumeric {
    fn nonce(&self) -> String {
        rand::rng()
            .sample_iter(&Alphanumeric)
            .take(self.0)
            .map(char::from)
            .collect()
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
