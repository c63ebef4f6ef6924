//! [`CliError`]: one readable line and an exit code.

use std::fmt;

/// Exit code of a create whose outcome is unknown: the order may exist, query it first.
pub(crate) const EXIT_OUTCOME_UNKNOWN: u8 = 2;

/// A failure of a command: the message printed on stderr (one line) and the exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    message: String,
    code: u8,
}

impl CliError {
    /// A failure with exit code 1.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: one_line(&message.into()),
            code: 1,
        }
    }

    /// A provider error: `<provider>: <Display>: <source>: ...` (sources whose text is already
    /// in the message are left out), exit code 1.
    pub(crate) fn provider(provider: &str, error: &(dyn std::error::Error + 'static)) -> Self {
        Self::new(format!("{provider}: {}", chain(error)))
    }

    /// Sets the exit code (2 for an unknown outcome).
    pub(crate) fn with_code(mut self, code: u8) -> Self {
        self.code = code;
        self
    }

    /// The process exit code.
    pub(crate) fn exit_code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The error's `Display` followed by its source chain, joined with `": "`.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !part.is_empty() && !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// Joins the lines of a multi-line message, so every error is exactly one line.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer: {0}")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("inner")]
    struct Inner(#[source] std::io::Error);

    #[test]
    fn chain_skips_repeated_sources_and_joins_the_rest() {
        let e = Outer(Inner(std::io::Error::other("disk")));
        assert_eq!(chain(&e), "outer: inner: disk");
    }

    #[test]
    fn messages_are_one_line() {
        assert_eq!(CliError::new("a\n  b\n\nc").to_string(), "a; b; c");
    }
}
