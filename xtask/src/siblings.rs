//! The sibling rule: every provider crate has the same file set and the same public names, and
//! sends its calls only through the shared pipeline. Checked as text, the way rust-analyzer's
//! tidy tests check their code base: cheap, no compiler needed, and a missing item fails CI with
//! the crate, the file and the rule named.
//!
//! Why: five crates that only look alike drift (three names for one notify limit, two shapes of
//! one trait); a rule that CI checks keeps them siblings, so a change that crosses them is one
//! change repeated the same way, and a reader of one crate can read them all.

use std::path::Path;

/// At most this many lines in a provider's `src/client.rs` plus `src/client/**`: the client
/// holds only its protocol's calls; the pipeline lives in `payhub-runtime`.
pub(crate) const CLIENT_LINES_PER_CRATE: usize = 300;

/// Files every provider crate has, relative to the crate directory.
pub(crate) const FILES: &[&str] = &[
    "Cargo.toml",
    "README.md",
    "CHANGELOG.md",
    "src/lib.rs",
    "src/client.rs",
    "src/client/builder.rs",
    "src/protocol.rs",
    "src/sign.rs",
    "src/api.rs",
    "src/api/envelope.rs",
    "src/notify.rs",
    "src/types.rs",
    "src/error.rs",
    "tests/it/main.rs",
];

/// One textual rule: `file` (relative to the crate) must contain each of `needles` (compared
/// with runs of white space folded to one space; `a || b` accepts either), or must not contain
/// any, for `absent` rules.
struct Rule {
    file: &'static str,
    what: &'static str,
    needles: &'static [&'static str],
    absent: bool,
}

const fn present(file: &'static str, what: &'static str, needles: &'static [&'static str]) -> Rule {
    Rule {
        file,
        what,
        needles,
        absent: false,
    }
}

const fn absent(file: &'static str, what: &'static str, needles: &'static [&'static str]) -> Rule {
    Rule {
        file,
        what,
        needles,
        absent: true,
    }
}

const RULES: &[Rule] = &[
    present(
        "src/lib.rs",
        "`Client` and `ClientBuilder` at the root",
        &["Client", "ClientBuilder"],
    ),
    present(
        "src/lib.rs",
        "`Error` and `Result` at the root",
        &["pub use error::{", "Error", "Result"],
    ),
    present(
        "src/lib.rs",
        "`Reconciliation` re-exported from the runtime",
        &["Reconciliation"],
    ),
    present(
        "src/lib.rs",
        "an `ENV_BASE_URL` constant at the root",
        &["ENV_BASE_URL"],
    ),
    present(
        "src/lib.rs",
        "the public modules `api`, `notify`, `types`, `protocol`",
        &[
            "pub mod api;",
            "pub mod notify;",
            "pub mod types;",
            "pub mod protocol;",
        ],
    ),
    present(
        "src/lib.rs",
        "`#![forbid(unsafe_code)]`",
        &["#![forbid(unsafe_code)]"],
    ),
    present(
        "src/client/builder.rs",
        "the shared setters from `ClientOptions`",
        &["options: ClientOptions", "client_options_setters!()"],
    ),
    present(
        "src/client/builder.rs",
        "`from_env` and `from_vars`",
        &["pub fn from_env(", "pub fn from_vars("],
    ),
    present(
        "src/client.rs",
        "calls go through the pipeline",
        &[".execute("],
    ),
    present(
        "src/client.rs",
        "`reconcile` answers a `Reconciliation`",
        &["pub async fn reconcile", "Result<Reconciliation<"],
    ),
    absent(
        "src/client.rs",
        "no direct transport or retry calls (the pipeline owns them)",
        &[
            "transport.send",
            "send_until(",
            ".run(",
            "run_until(",
            "RetryPolicy::run",
        ],
    ),
    present(
        "src/protocol.rs",
        "the protocol seam and the acknowledgement words",
        &["impl Protocol for", "impl AckWords for"],
    ),
    present(
        "src/notify.rs",
        "`NotifyVerifier::verify(&self, headers: &HeaderMap, body: &[u8])`",
        &[
            "pub struct NotifyVerifier",
            "pub fn verify(&self, headers: &HeaderMap, body: &[u8])",
        ],
    ),
    present(
        "src/notify.rs",
        "the shared `Ack`",
        &["pub type Ack = payhub_runtime::Ack<"],
    ),
    present(
        "src/notify.rs",
        "a notify body limit named `max_body_bytes`",
        &["pub fn max_body_bytes("],
    ),
    absent(
        "src/notify.rs",
        "one public verify entry (no `verify_parts` / `verify_pairs` / `verify_headers`)",
        &[
            "pub fn verify_parts",
            "pub fn verify_pairs",
            "pub fn verify_headers",
        ],
    ),
    present(
        "src/error.rs",
        "the shared error variants",
        &[
            "Config(",
            "Validation(",
            "Transport(",
            "OutcomeUnknown(",
            "Decode(",
            "Api(",
            "Signature( || Signature {",
            "Notify(",
        ],
    ),
    present(
        "src/error.rs",
        "the shared error accessors",
        &[
            "#[non_exhaustive]",
            "pub fn is_retryable(",
            "pub fn is_outcome_unknown(",
        ],
    ),
    present(
        "src/api.rs",
        "the `Operation` trait with its shared items",
        &[
            "pub trait Operation",
            "const NAME: &'static str",
            "const IDEMPOTENCY: Idempotency",
            "type Response",
        ],
    ),
    absent(
        "src/types.rs",
        "open enums through `payhub_runtime::open_enum!`, not a macro of the crate's own",
        &[
            "macro_rules! status_enum",
            "macro_rules! string_enum",
            "macro_rules! code_enum",
        ],
    ),
];

/// Folds runs of white space into one space, drops the space after `(`, before `)` and a
/// trailing comma before `)`, and reads `&http::HeaderMap` as `&HeaderMap`, so a rule does not
/// depend on the line breaks rustfmt chose or on how a type is imported.
fn fold(text: &str) -> String {
    fold_space(text)
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(",)", ")")
        .replace("&http::HeaderMap", "&HeaderMap")
}

fn fold_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Lines of `src/client.rs` and every `.rs` file under `src/client/`.
fn client_lines(dir: &Path) -> usize {
    let count = |p: &Path| {
        std::fs::read_to_string(p)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    let mut total = count(&dir.join("src/client.rs"));
    if let Ok(entries) = std::fs::read_dir(dir.join("src/client")) {
        for e in entries.flatten() {
            if e.path().extension().is_some_and(|x| x == "rs") {
                total += count(&e.path());
            }
        }
    }
    total
}

/// Everything `crate_dir` (a provider crate named `name`) breaks of the rule, one line each.
pub(crate) fn check_crate(name: &str, crate_dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for file in FILES {
        if !crate_dir.join(file).is_file() {
            problems.push(format!("{name}: missing {file}"));
        }
    }
    let examples = std::fs::read_dir(crate_dir.join("examples"))
        .map(|d| d.flatten().count())
        .unwrap_or(0);
    if examples == 0 {
        problems.push(format!("{name}: no example under examples/"));
    }
    for rule in RULES {
        let Ok(text) = std::fs::read_to_string(crate_dir.join(rule.file)) else {
            continue; // reported above as a missing file
        };
        let text = fold(&text);
        for needle in rule.needles {
            let found = needle.split(" || ").any(|n| text.contains(&fold(n)));
            if found == rule.absent {
                let how = if rule.absent { "has" } else { "lacks" };
                problems.push(format!(
                    "{name}: {} {how} `{needle}` (rule: {})",
                    rule.file, rule.what
                ));
            }
        }
    }
    let lines = client_lines(crate_dir);
    if lines > CLIENT_LINES_PER_CRATE {
        problems.push(format!(
            "{name}: src/client.rs + src/client/ have {lines} lines (at most {CLIENT_LINES_PER_CRATE}: \
             the call loop belongs to payhub-runtime's pipeline, replies to api/envelope.rs)"
        ));
    }
    problems
}

/// Checks every provider crate under `crates/` (every crate not in `not_providers`). Prints
/// what it checked and every problem; `true` when there is none.
pub(crate) fn run(root: &Path, not_providers: &[&str]) -> bool {
    let mut providers = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root.join("crates")) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().join("Cargo.toml").is_file() && !not_providers.contains(&name.as_str()) {
                providers.push(name);
            }
        }
    }
    providers.sort();
    if providers.is_empty() {
        println!("siblings: found no provider crate under crates/");
        return false;
    }
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    for name in &providers {
        let dir = root.join("crates").join(name);
        lines.push(format!("{name} {}", client_lines(&dir)));
        problems.extend(check_crate(name, &dir));
    }
    println!(
        "siblings: {} provider crates, {} files and {} rules each; client lines: {}",
        providers.len(),
        FILES.len(),
        RULES.len(),
        lines.join(", ")
    );
    for p in &problems {
        println!("  {p}");
    }
    problems.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A provider crate that follows the rule, written into a temporary directory.
    fn model_crate(dir: &Path) {
        let files: &[(&str, &str)] = &[
            ("Cargo.toml", "[package]\nname = \"model\"\n"),
            ("README.md", "# model\n"),
            ("CHANGELOG.md", "# Changelog\n"),
            (
                "src/lib.rs",
                "//! Model.\n#![forbid(unsafe_code)]\npub mod api;\npub mod notify;\npub mod types;\npub mod protocol;\n\
                 pub use client::{Client, ClientBuilder, ENV_BASE_URL};\npub use error::{Error, Result};\n\
                 pub use payhub_runtime::Reconciliation;\n",
            ),
            (
                "src/client.rs",
                "//! Client.\nimpl Client {\n    pub async fn reconcile(&self) -> Result<Reconciliation<Order>> {\n        \
                 self.inner.pipeline.execute(p, call, prepare, parse).await\n    }\n}\n",
            ),
            (
                "src/client/builder.rs",
                "//! Builder.\npub struct ClientBuilder { options: ClientOptions }\nimpl ClientBuilder {\n    \
                 payhub_runtime::client_options_setters!();\n    pub fn from_env() {}\n    pub fn from_vars(l: L) {}\n}\n",
            ),
            (
                "src/protocol.rs",
                "//! P.\nimpl Protocol for Model {}\nimpl AckWords for Model {}\n",
            ),
            ("src/sign.rs", "//! Sign.\n"),
            (
                "src/api.rs",
                "//! Api.\npub trait Operation {\n    const NAME: &'static str;\n    const IDEMPOTENCY: Idempotency;\n    type Response;\n}\n",
            ),
            ("src/api/envelope.rs", "//! Envelope.\n"),
            (
                "src/notify.rs",
                "//! Notify.\npub struct NotifyVerifier;\nimpl NotifyVerifier {\n    pub fn verify(\n        &self,\n        \
                 headers: &HeaderMap,\n        body: &[u8],\n    ) -> Result<Notification> {}\n    \
                 pub fn max_body_bytes(self) {}\n}\npub type Ack = payhub_runtime::Ack<Model>;\n",
            ),
            ("src/types.rs", "//! Types.\n"),
            (
                "src/error.rs",
                "//! Error.\n#[non_exhaustive]\npub enum Error { Config(C), Validation(V), Transport(T), \
                 OutcomeUnknown(O), Decode(D), Api(A), Signature(S), Notify(N) }\n\
                 impl Error { pub fn is_retryable(&self) {} pub fn is_outcome_unknown(&self) {} }\n",
            ),
            ("tests/it/main.rs", "//! Tests.\n"),
            ("examples/create.rs", "//! Example.\nfn main() {}\n"),
        ];
        for (path, text) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
    }

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-siblings-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_crate_that_follows_the_rule_passes() {
        let dir = temp_dir("ok");
        model_crate(&dir);
        assert_eq!(check_crate("model", &dir), Vec::<String>::new());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_item_fails_and_is_named() {
        let dir = temp_dir("missing");
        model_crate(&dir);
        // Drift: the notify entry renamed, a file gone, the loop written again in the client.
        let notify = std::fs::read_to_string(dir.join("src/notify.rs")).expect("read");
        std::fs::write(
            dir.join("src/notify.rs"),
            notify.replace("pub fn verify(", "pub fn verify_parts("),
        )
        .expect("write");
        std::fs::remove_file(dir.join("src/api/envelope.rs")).expect("rm");
        let client = std::fs::read_to_string(dir.join("src/client.rs")).expect("read");
        std::fs::write(
            dir.join("src/client.rs"),
            client.replace(".execute(p, call, prepare, parse)", ".transport.send(&p)"),
        )
        .expect("write");
        let problems = check_crate("model", &dir);
        let text = problems.join("\n");
        assert!(
            text.contains("model: missing src/api/envelope.rs"),
            "{text}"
        );
        assert!(
            text.contains("src/notify.rs lacks `pub fn verify("),
            "{text}"
        );
        assert!(
            text.contains("src/notify.rs has `pub fn verify_parts`"),
            "{text}"
        );
        assert!(text.contains("src/client.rs lacks `.execute(`"), "{text}");
        assert!(
            text.contains("src/client.rs has `transport.send`"),
            "{text}"
        );
        assert_eq!(problems.len(), 5, "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_client_over_its_line_budget_fails() {
        let dir = temp_dir("long");
        model_crate(&dir);
        let long = "// filler\n".repeat(CLIENT_LINES_PER_CRATE);
        std::fs::write(dir.join("src/client/extra.rs"), long).expect("write");
        let problems = check_crate("model", &dir);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("lines (at most 300"), "{problems:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn folding_ignores_line_breaks_rustfmt_chose() {
        let wrapped =
            "pub fn verify(\n    &self,\n    headers: &http::HeaderMap,\n    body: &[u8],\n) -> R";
        assert_eq!(
            fold(wrapped),
            "pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> R"
        );
        assert_eq!(
            fold(wrapped),
            fold("pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> R")
        );
    }
}
