//! `cargo xtask bench [ARGS]`: the release-mode benchmark binary of `crates/payhub-bench`.
//!
//! It measures every hot path against its floor in the same run (interleaved, medians) and
//! prints one table; see `BENCHMARKS.md`. `ARGS` go to the binary: `--quick` (a smoke run),
//! `--only sign|rsa|e2e|notify|gateway|reconcile|instructions` (repeatable; `instructions`
//! needs valgrind and runs only when named), `--strict` (fail when a figure misses its goal).

use crate::cmd::{self, cargo_with};

/// The package holding the benchmark binary.
pub(crate) const PACKAGE: &str = "payhub-bench";

/// The `cargo` arguments that build and run the benchmark with `args` passed through.
pub(crate) fn cargo_args(args: &[String]) -> Vec<String> {
    let mut out: Vec<String> = ["run", "--release", "--quiet", "-p", PACKAGE, "--"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    out.extend(args.iter().cloned());
    out
}

pub(crate) fn run(args: &[String]) -> bool {
    cmd::run(&mut cargo_with(cargo_args(args)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_in_release_and_passes_arguments_through() {
        let args = cargo_args(&["--quick".to_owned(), "--only".to_owned(), "rsa".to_owned()]);
        assert_eq!(
            args,
            [
                "run",
                "--release",
                "--quiet",
                "-p",
                "payhub-bench",
                "--",
                "--quick",
                "--only",
                "rsa"
            ]
        );
    }
}
