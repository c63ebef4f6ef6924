//! `cargo xtask test`: everything CI checks, in order, with a summary table.
//!
//! Every step runs even after a failure, so the table is complete; the exit code is non-zero
//! if any step failed.

use std::process::Command;

use crate::cmd::{self, cargo_with};
use crate::metadata;

/// Crates under `crates/` that are not providers: the shared ground, the sandbox, the facade, the
/// benchmarks and the CLI. Every other crate there is a provider crate (for `deps`, and for the
/// facade's provider features). Add a new non-provider crate here.
pub(crate) const NOT_PROVIDERS: [&str; 7] = [
    "sign-core",
    "payhub-runtime",
    "payhub-sandbox",
    "payhub",
    "payhub-bench",
    "payhub-cli",
    "payhub-store",
];

pub(crate) fn run() -> bool {
    let root = crate::project_root();
    let mut steps = Vec::new();

    cmd::step(&mut steps, "fmt", || {
        cmd::run(&mut cargo_with(["fmt", "--all", "--check"]))
    });
    // Provider crates read as siblings: same files, same public names, calls through the pipeline.
    cmd::step(&mut steps, "siblings", || {
        crate::siblings::run(&root, &NOT_PROVIDERS)
    });
    cmd::step(&mut steps, "clippy", || {
        cmd::run(&mut cargo_with([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]))
    });
    // Postgres and Redis answer (the store, gateway and reconciler tests use them), or the run
    // fails here saying how to start them.
    cmd::step(&mut steps, "services", crate::services::check);
    cmd::step(&mut steps, "test (+ doc tests)", || {
        cmd::run(&mut test_command())
    });
    // The README's first command: all five providers against the embedded sandbox.
    cmd::step(&mut steps, "quickstart", || {
        cmd::run(&mut cargo_with([
            "run",
            "--quiet",
            "-p",
            "payhub",
            "--example",
            "quickstart",
            "--features",
            "full",
        ]))
    });
    cmd::step(&mut steps, "doc", || {
        let mut c = cargo_with(["doc", "--workspace", "--no-deps", "--all-features"]);
        c.env("RUSTDOCFLAGS", "-Dwarnings");
        cmd::run(&mut c)
    });
    let mut packages = Vec::new();
    cmd::step(&mut steps, "cargo metadata", || {
        match metadata::crates(&root) {
            Ok(p) => {
                packages = p;
                true
            }
            Err(e) => {
                println!("{e}");
                false
            }
        }
    });
    cmd::step(&mut steps, "msrv declared", || {
        match crate::msrv::check(&root, &packages) {
            Ok(described) => {
                println!("{described}");
                true
            }
            Err(e) => {
                println!("{e}");
                false
            }
        }
    });
    for p in &packages {
        let name = p.name.as_str();
        cmd::step(&mut steps, format!("check {name}"), || {
            cmd::run(&mut cargo_with(["check", "-p", name]))
        });
        if p.has_features() {
            let mut args = vec!["check", "-p", name, "--no-default-features"];
            let minimal = p.minimal_features.join(",");
            if !minimal.is_empty() {
                args.extend(["--features", minimal.as_str()]);
            }
            let label = format!("check {name} {}", args[3..].join(" "));
            cmd::step(&mut steps, label, || cmd::run(&mut cargo_with(&args)));
        }
    }
    if let Some(facade) = packages.iter().find(|p| p.name == "payhub") {
        for feature in facade_provider_features(facade, &packages) {
            cmd::step(
                &mut steps,
                format!("check payhub --features {feature}"),
                || {
                    cmd::run(&mut cargo_with([
                        "check",
                        "-p",
                        "payhub",
                        "--no-default-features",
                        "--features",
                        &feature,
                    ]))
                },
            );
        }
    }

    cmd::summary(&steps)
}

/// `cargo test` over the workspace with pending snapshots failing (doc tests included).
fn test_command() -> Command {
    // `--no-fail-fast`: report every failing test binary, not just the first.
    let mut c = cargo_with(["test", "--workspace", "--all-features", "--no-fail-fast"]);
    c.env("INSTA_UPDATE", "no")
        .env("CI", "true")
        .env_remove("INSTA_FORCE_PASS");
    c
}

/// The facade's features that are named after a provider crate of the workspace.
pub(crate) fn facade_provider_features(
    facade: &metadata::Package,
    packages: &[metadata::Package],
) -> Vec<String> {
    facade
        .features
        .keys()
        .filter(|f| !NOT_PROVIDERS.contains(&f.as_str()) && packages.iter().any(|p| p.name == **f))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn package(name: &str, features: &[&str]) -> metadata::Package {
        metadata::Package {
            name: name.to_owned(),
            features: features
                .iter()
                .map(|f| ((*f).to_owned(), Vec::new()))
                .collect::<BTreeMap<_, _>>(),
            rust_version: None,
            minimal_features: Vec::new(),
        }
    }

    #[test]
    fn provider_features_are_those_named_after_provider_crates() {
        let packages = vec![
            package("paydesk", &[]),
            package("tokenpay", &["aes"]),
            package("sign-core", &[]),
            package(
                "payhub",
                &[
                    "default",
                    "full",
                    "paydesk",
                    "tokenpay",
                    "axum",
                    "sign-core",
                ],
            ),
        ];
        assert_eq!(
            facade_provider_features(&packages[3], &packages),
            ["paydesk", "tokenpay"]
        );
    }

    #[test]
    fn the_test_step_makes_pending_snapshots_fail() {
        let c = test_command();
        let envs: Vec<(String, Option<String>)> = c
            .get_envs()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.map(|v| v.to_string_lossy().into_owned()),
                )
            })
            .collect();
        assert!(envs.contains(&("INSTA_UPDATE".into(), Some("no".into()))));
        assert!(envs.contains(&("CI".into(), Some("true".into()))));
        assert!(envs.contains(&("INSTA_FORCE_PASS".into(), None)));
    }
}
