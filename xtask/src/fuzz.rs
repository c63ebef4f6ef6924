//! `cargo xtask fuzz <target> [--seconds N] [-- LIBFUZZER ARGS]`: runs one cargo-fuzz target of
//! `fuzz/` for N seconds (default 60) with `cargo +nightly fuzz run`, its corpus seeded from the
//! JSON bodies under `fixtures/` the first time. `cargo xtask fuzz list` lists the targets.
//!
//! Needs a nightly toolchain and cargo-fuzz (the address sanitizer is nightly-only); without
//! them it says how to install them and fails. Not part of `cargo xtask test`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::cmd;

const DEFAULT_SECONDS: u64 = 60;

const INSTALL: &str = "cargo xtask fuzz needs a nightly toolchain and cargo-fuzz:
    rustup toolchain install nightly
    cargo install cargo-fuzz --locked
then run it again. (Without them, `cargo check --manifest-path fuzz/Cargo.toml` still
type-checks every target on stable.)";

pub(crate) fn run(args: &[String]) -> bool {
    let root = crate::project_root();
    let targets = targets(&root);
    let (target, seconds, extra) = match parse(args) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("fuzz targets (fuzz/fuzz_targets):");
            for t in &targets {
                println!("  {t}");
            }
            return true;
        }
        Err(e) => {
            println!(
                "xtask fuzz: {e}\nusage: cargo xtask fuzz <target> [--seconds N] [-- LIBFUZZER ARGS]\n       cargo xtask fuzz list"
            );
            return false;
        }
    };
    if !targets.contains(&target) {
        println!(
            "xtask fuzz: no target `{target}`; targets: {}",
            targets.join(", ")
        );
        return false;
    }
    if !works(&["+nightly", "--version"]) || !works(&["+nightly", "fuzz", "--version"]) {
        println!("{INSTALL}");
        return false;
    }
    let corpus = root.join("fuzz").join("corpus").join(&target);
    match seed(&root, &target, &corpus) {
        Ok(0) => {}
        Ok(n) => println!("seeded {} with {n} inputs from fixtures/", corpus.display()),
        Err(e) => {
            println!("xtask fuzz: cannot seed the corpus: {e}");
            return false;
        }
    }
    // The rustup proxy (`cargo` on PATH) understands `+nightly`; `$CARGO` may not.
    let mut c = std::process::Command::new("cargo");
    c.current_dir(&root)
        .args(["+nightly", "fuzz", "run", &target]);
    c.arg(&corpus);
    c.arg("--");
    c.arg(format!("-max_total_time={seconds}"));
    c.args(&extra);
    cmd::run(&mut c)
}

/// `(target, seconds, libFuzzer args)`, or `None` for `list` / no arguments.
fn parse(args: &[String]) -> Result<Option<(String, u64, Vec<String>)>, String> {
    let mut target = None;
    let mut seconds = DEFAULT_SECONDS;
    let mut it = args.iter();
    let mut extra = Vec::new();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                let v = it.next().ok_or("--seconds needs a number")?;
                seconds = v
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("--seconds `{v}` is not a positive number"))?;
            }
            "--" => {
                extra.extend(it.by_ref().cloned());
            }
            "list" if target.is_none() => return Ok(None),
            other if other.starts_with('-') => return Err(format!("unknown option `{other}`")),
            other if target.is_none() => target = Some(other.to_owned()),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    Ok(target.map(|t| (t, seconds, extra)))
}

/// The targets: the file stems of `fuzz/fuzz_targets/*.rs`, sorted.
fn targets(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root.join("fuzz").join("fuzz_targets"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn works(args: &[&str]) -> bool {
    std::process::Command::new("cargo")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Fills an empty corpus directory with the JSON bodies of the target's provider fixtures
/// (every fixture for `sign_core_*`), shaped as the target reads its input. Returns how many
/// files were written (0 when the corpus already had some).
fn seed(root: &Path, target: &str, corpus: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(corpus)?;
    if std::fs::read_dir(corpus)?.next().is_some() {
        return Ok(0);
    }
    let providers: &[&str] = match target.split('_').next() {
        Some("paydesk") => &["paydesk"],
        Some("gateway") => &["gateway-recharge"],
        Some("jiuyi") => &["jiuyi-dc"],
        Some("vipcharge") => &["vipcharge"],
        Some("tokenpay") => &["tokenpay"],
        _ => &[
            "paydesk",
            "gateway-recharge",
            "jiuyi-dc",
            "vipcharge",
            "tokenpay",
        ],
    };
    let mut bodies = Vec::new();
    for p in providers {
        walk(&root.join("fixtures").join(p), &mut bodies);
    }
    bodies.sort();
    bodies.dedup();
    // Reply targets and paydesk_notify read a leading byte (status / mode); 0 is the plain case.
    let prefix = target.ends_with("_reply") || target == "paydesk_notify";
    for (i, body) in bodies.iter().enumerate() {
        let mut input = Vec::with_capacity(body.len() + 1);
        if prefix {
            input.push(0);
        }
        input.extend_from_slice(body);
        std::fs::write(corpus.join(format!("fixture-{i:04}")), input)?;
    }
    Ok(bodies.len())
}

fn walk(dir: &Path, out: &mut Vec<Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "json")
            && let Ok(text) = std::fs::read_to_string(&p)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        {
            collect(&v, None, out);
        }
    }
}

/// Strings that hold a JSON object or array, and objects under `body`-like keys.
fn collect(v: &serde_json::Value, key: Option<&str>, out: &mut Vec<Vec<u8>>) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if matches!(
                serde_json::from_str::<Value>(s),
                Ok(Value::Object(_) | Value::Array(_))
            ) {
                out.push(s.as_bytes().to_vec());
            }
        }
        Value::Object(m) => {
            if matches!(key, Some("body" | "envelope" | "data")) {
                out.push(v.to_string().into_bytes());
            }
            for (k, x) in m {
                collect(x, Some(k), out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, key, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn arguments() {
        assert_eq!(parse(&args(&[])), Ok(None));
        assert_eq!(parse(&args(&["list"])), Ok(None));
        assert_eq!(
            parse(&args(&["paydesk_reply"])),
            Ok(Some(("paydesk_reply".into(), DEFAULT_SECONDS, vec![])))
        );
        assert_eq!(
            parse(&args(&["t", "--seconds", "5", "--", "-jobs=2"])),
            Ok(Some(("t".into(), 5, vec!["-jobs=2".into()])))
        );
        assert!(parse(&args(&["t", "--seconds", "0"])).is_err());
        assert!(parse(&args(&["t", "--seconds"])).is_err());
        assert!(parse(&args(&["t", "u"])).is_err());
        assert!(parse(&args(&["t", "--minutes", "1"])).is_err());
    }

    #[test]
    fn every_target_is_listed_and_seedable() {
        let root = crate::project_root();
        let t = targets(&root);
        for expected in [
            "sign_core_canonical",
            "paydesk_reply",
            "paydesk_notify",
            "gateway_recharge_reply",
            "gateway_recharge_notify",
            "jiuyi_dc_reply",
            "jiuyi_dc_notify",
            "vipcharge_reply",
            "vipcharge_notify",
            "tokenpay_reply",
            "tokenpay_notify",
        ] {
            assert!(
                t.iter().any(|x| x == expected),
                "{expected} missing from {t:?}"
            );
        }
        let mut bodies = Vec::new();
        walk(&root.join("fixtures").join("paydesk"), &mut bodies);
        assert!(
            bodies.len() >= 10,
            "fixture bodies to seed from: {}",
            bodies.len()
        );
    }
}
