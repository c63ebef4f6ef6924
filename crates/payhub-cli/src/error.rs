//! [`CliError`]: one readable line (or one JSON object with `--json`), a kind and an exit code.
//!
//! Exit codes (also in `payhub --help` and the README): 0 success, 1 an error, 2 the outcome of
//! a create is unknown (the order may exist: query it before sending again), 64 a usage error
//! (`EX_USAGE`: a bad flag or argument; nothing was sent).

use std::fmt;

/// Exit code of any other failure.
pub(crate) const EXIT_ERROR: u8 = 1;

/// Exit code of a create whose outcome is unknown: the order may exist, query it first.
pub(crate) const EXIT_OUTCOME_UNKNOWN: u8 = 2;

/// Exit code of a usage error (`EX_USAGE` of sysexits.h): the command line is wrong.
pub(crate) const EXIT_USAGE: u8 = 64;

/// The exit codes, for `--help`.
pub(crate) const EXIT_CODES_HELP: &str = "Exit codes: 0 success; 1 error; 2 outcome unknown (a \
create may have reached the provider: run `payhub query PROVIDER ORDER` before sending it \
again); 64 usage error (a bad flag or argument, nothing was sent).\n\
With --json, an error is one JSON object on stdout, \
{\"error\":{\"kind\":..,\"message\":..,\"exit_code\":..}}, and stderr stays empty.";

/// A failure of a command: the message printed on stderr (one line), its kind and exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    message: String,
    kind: &'static str,
    code: u8,
}

impl CliError {
    /// A failure with exit code 1.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: one_line(&message.into()),
            kind: "error",
            code: EXIT_ERROR,
        }
    }

    /// A usage error (exit code 64): a flag or argument that cannot work as given.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(message).with_kind("usage").with_code(EXIT_USAGE)
    }

    /// Sets the exit code (2 for an unknown outcome).
    pub(crate) fn with_code(mut self, code: u8) -> Self {
        self.code = code;
        self
    }

    /// Sets the kind printed with `--json` (`usage`, `config`, `transport`, ...).
    pub(crate) fn with_kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    /// Appends a hint (`; run ...`) to the message.
    pub(crate) fn hint(mut self, hint: impl fmt::Display) -> Self {
        self.message = format!("{}; {hint}", self.message);
        self
    }

    /// Rewrites the message.
    pub(crate) fn map_message(mut self, f: impl FnOnce(String) -> String) -> Self {
        self.message = f(self.message);
        self
    }

    /// The process exit code.
    pub(crate) fn exit_code(&self) -> u8 {
        self.code
    }

    /// The kind, for `--json`.
    pub(crate) fn kind(&self) -> &'static str {
        self.kind
    }

    /// `error: <message>\n`, or with `json` the object
    /// `{"error":{"kind":..,"message":..,"exit_code":..}}\n`.
    pub(crate) fn render(&self, json: bool) -> String {
        if json {
            let value = serde_json::json!({"error": {
                "kind": self.kind,
                "message": self.message,
                "exit_code": self.code,
            }});
            format!("{value}\n")
        } else {
            format!("error: {}\n", self.message)
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The error's `Display` followed by its source chain, joined with `": "`. A source whose text
/// is already in the line is left out, and so is the text a source repeats from its parent
/// (`"prepay: prepay"`, `"(os error 2): No such file or directory (os error 2)"` do not occur).
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let part = s.to_string();
        let part = part.trim();
        if !part.is_empty() && !text.contains(part) {
            // A source that starts with what the line already ends with (`prepay` + `prepay:
            // cause`) adds only its rest.
            let rest = overlap_rest(&text, part);
            if !rest.is_empty() {
                text.push_str(": ");
                text.push_str(rest);
            }
        }
        source = s.source();
    }
    dedupe_segments(&text)
}

/// What `part` adds after the longest suffix of `text` (on a `": "` boundary) it starts with.
fn overlap_rest<'a>(text: &str, part: &'a str) -> &'a str {
    let mut best = part;
    for (i, _) in text.match_indices(": ") {
        let tail = &text[i + 2..];
        if let Some(rest) = part.strip_prefix(tail) {
            let rest = rest.trim_start_matches([':', ' ']);
            if rest.len() < best.len() {
                best = rest;
            }
        }
    }
    if let Some(rest) = part.strip_prefix(text) {
        let rest = rest.trim_start_matches([':', ' ']);
        if rest.len() < best.len() {
            best = rest;
        }
    }
    best
}

/// Drops a `": "`-separated segment that equals the one before it, and the trailing
/// `(os error N)` repeated right after the same text (`X (os error 2): X (os error 2)`).
fn dedupe_segments(text: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in text.split(": ") {
        let prev = out.last().copied();
        let repeated = prev.is_some_and(|p| {
            p == seg || (seg.ends_with(')') && seg.contains("(os error ") && p.ends_with(seg))
        });
        if !repeated {
            out.push(seg);
        }
    }
    out.join(": ")
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

    #[derive(Debug, thiserror::Error)]
    #[error("prepay")]
    struct Op(#[source] Cause);

    #[derive(Debug, thiserror::Error)]
    #[error("prepay: connection refused")]
    struct Cause;

    #[test]
    fn chain_skips_repeated_sources_and_joins_the_rest() {
        let e = Outer(Inner(std::io::Error::other("disk")));
        assert_eq!(chain(&e), "outer: inner: disk");
        assert_eq!(chain(&Op(Cause)), "prepay: connection refused");
        assert_eq!(
            dedupe_segments(
                "cannot read `k`: No such file (os error 2): No such file (os error 2)"
            ),
            "cannot read `k`: No such file (os error 2)"
        );
    }

    #[test]
    fn messages_are_one_line_and_json_has_kind_message_and_code() {
        assert_eq!(CliError::new("a\n  b\n\nc").to_string(), "a; b; c");
        let e = CliError::usage("bad \"flag\"");
        assert_eq!(e.exit_code(), 64);
        let v: serde_json::Value = serde_json::from_str(&e.render(true)).expect("JSON");
        assert_eq!(v["error"]["kind"], "usage");
        assert_eq!(v["error"]["message"], "bad \"flag\"");
        assert_eq!(v["error"]["exit_code"], 64);
        assert_eq!(e.render(false), "error: bad \"flag\"\n");
    }
}
