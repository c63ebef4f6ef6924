//! `cargo xtask deny [CHECKS]`: `cargo deny check` with the root `deny.toml`, installing
//! cargo-deny first when it is missing.
//!
//! The `advisories` check downloads the RustSec advisory database from GitHub. Where only the
//! package registries are reachable, run the other checks: `cargo xtask deny bans licenses
//! sources`.

use crate::cmd::{self, cargo_with};

pub(crate) fn run(checks: &[String]) -> bool {
    if !installed() {
        println!("cargo-deny is not installed; installing it (a few minutes, once)");
        if !cmd::run(&mut cargo_with(["install", "cargo-deny", "--locked"])) {
            println!("xtask deny: could not install cargo-deny");
            return false;
        }
    }
    let mut c = cargo_with(["deny", "--all-features", "check"]);
    c.args(checks);
    cmd::run(&mut c)
}

fn installed() -> bool {
    cargo_with(["deny", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
