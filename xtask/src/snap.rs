//! `cargo xtask snap [CARGO TEST ARGS]`: rewrite snapshots, then list what changed.
//!
//! Runs `cargo test` (default: `--workspace --all-features`) with `INSTA_UPDATE=always` and
//! `INSTA_FORCE_PASS=1`, so every snapshot of every test is written in one run, then lists the
//! `.snap` files that differ from git. Review them with `git diff` (or `cargo insta review`
//! when cargo-insta is installed) before committing; `cargo xtask test` fails on any snapshot
//! that does not match what is committed.

use std::process::Command;

use crate::cmd::{self, cargo_with};

pub(crate) fn run(args: &[String]) -> bool {
    let mut c = cargo_with(["test"]);
    if args.is_empty() {
        c.args(["--workspace", "--all-features"]);
    } else {
        c.args(args);
    }
    c.env("INSTA_UPDATE", "always").env("INSTA_FORCE_PASS", "1");
    let tests_ok = cmd::run(&mut c);

    let status = match cmd::output(Command::new("git").args([
        "status",
        "--porcelain",
        "--untracked-files=all",
        "--",
        "crates",
        "fixtures",
    ])) {
        Ok(s) => s,
        Err(e) => {
            println!("xtask snap: {e}");
            return false;
        }
    };
    let changed = changed_snapshots(&status);
    if changed.is_empty() {
        println!("\nno snapshot changed");
    } else {
        println!("\nchanged snapshots (review with `git diff`, then commit):");
        for line in &changed {
            println!("  {line}");
        }
    }
    if !tests_ok {
        println!("\nsome tests failed for reasons other than snapshots; see above");
    }
    tests_ok
}

/// The `git status --porcelain` lines that concern snapshot files (new, modified or deleted),
/// including insta's leftovers (`.snap.new`, `.pending-snap`).
pub(crate) fn changed_snapshots(porcelain: &str) -> Vec<String> {
    porcelain
        .lines()
        .filter(|l| {
            let path = l.get(3..).unwrap_or_default().trim_matches('"');
            path.ends_with(".snap")
                || path.ends_with(".snap.new")
                || path.ends_with(".pending-snap")
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_only_snapshot_files() {
        let porcelain = " M crates/paydesk/tests/it/snapshots/it__fixtures@ok.json.snap
?? crates/tokenpay/tests/it/snapshots/it__new@x.json.snap
 M crates/paydesk/src/lib.rs
 D crates/jiuyi-dc/tests/it/snapshots/it__gone.snap
?? crates/x/tests/it/snapshots/it__y.snap.new
";
        assert_eq!(
            changed_snapshots(porcelain),
            [
                " M crates/paydesk/tests/it/snapshots/it__fixtures@ok.json.snap",
                "?? crates/tokenpay/tests/it/snapshots/it__new@x.json.snap",
                " D crates/jiuyi-dc/tests/it/snapshots/it__gone.snap",
                "?? crates/x/tests/it/snapshots/it__y.snap.new",
            ]
        );
    }
}
