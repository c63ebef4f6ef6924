//! Project automation in plain Rust: `cargo xtask <task>` (the alias is in `.cargo/config.toml`).
//!
//! Tasks:
//! - `test`: fmt check, clippy `-D warnings`, the whole test suite with pending snapshots failing,
//!   docs with warnings denied, the MSRV declaration, and a `cargo check` of every crate alone with
//!   its default features and with none (and each `payhub` provider feature alone). Prints a
//!   summary table and exits non-zero if any step failed.
//! - `snap [CARGO TEST ARGS]`: runs the tests with `INSTA_UPDATE=always` and lists the changed
//!   `.snap` files, for review with `git diff`.
//! - `siblings`: the sibling rule of the provider crates (also a step of `test`).
//! - `deps`: the dependency count of every provider crate built alone, failing on banned crates.
//! - `deny [CHECKS]`: `cargo deny check` with `deny.toml` (installs cargo-deny if missing).
#![forbid(unsafe_code)]
// Reason: a command-line tool reports on stdout.
#![allow(clippy::print_stdout)]

mod bench;
mod cmd;
mod deny;
mod deps;
mod fuzz;
mod metadata;
mod msrv;
mod services;
mod siblings;
mod snap;
mod test;
#[cfg(test)]
mod tidy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  test                 fmt, clippy, tests (pending snapshots fail), docs, MSRV declaration,
                       and every crate checked alone with default and no default features
  snap [ARGS]          run tests with INSTA_UPDATE=always (ARGS go to `cargo test`), list
                       changed .snap files
  deps                 dependency count per provider crate; fails on banned crates
  siblings             the provider crates' shared file set, public names and pipeline use
  deny [CHECKS]        cargo deny check [CHECKS] (installs cargo-deny if missing)
  bench [ARGS]         release-mode benchmarks against their floors, one table (BENCHMARKS.md)
  fuzz <TARGET> [--seconds N]
                       run a cargo-fuzz target of fuzz/ (nightly + cargo-fuzz); `fuzz list`";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    if let Err(e) = std::env::set_current_dir(project_root()) {
        println!("xtask: cannot enter the project root: {e}");
        return ExitCode::FAILURE;
    }
    let ok = match task.as_deref() {
        Some("test") if rest.is_empty() => test::run(),
        Some("snap") => snap::run(&rest),
        Some("deps") if rest.is_empty() => deps::run(),
        Some("siblings") if rest.is_empty() => siblings::run(&project_root(), &test::NOT_PROVIDERS),
        Some("bench") => bench::run(&rest),
        Some("deny") => deny::run(&rest),
        Some("fuzz") => fuzz::run(&rest),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            println!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The workspace root: the parent of this crate's directory.
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
