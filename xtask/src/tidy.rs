//! Tidy checks, run by `cargo test` like any other test: every Rust file opens with a `//!`
//! line, every crate root forbids unsafe code, the golden vectors are present, and no test installs
//! a scoped `tracing` subscriber.

use std::path::{Path, PathBuf};

use crate::project_root;

/// Every `.rs` file under `dir`, skipping `target` and hidden directories.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(project_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_rust_file_starts_with_a_module_doc_line() {
    let root = project_root();
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    rust_files(&root.join("xtask"), &mut files);
    assert!(files.len() > 10, "found only {} .rs files", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text.starts_with("//!")
        })
        .map(|f| relative(f))
        .collect();
    assert!(
        missing.is_empty(),
        "these files must start with a `//!` line saying what they hold:\n  {}",
        missing.join("\n  ")
    );
}

/// Library, binary and `src/bin/*` roots of every crate, and xtask's.
fn crate_roots(root: &Path) -> Vec<PathBuf> {
    let mut roots = vec![root.join("xtask/src/main.rs")];
    let Ok(entries) = std::fs::read_dir(root.join("crates")) else {
        return roots;
    };
    for entry in entries.flatten() {
        let src = entry.path().join("src");
        for name in ["lib.rs", "main.rs"] {
            if src.join(name).is_file() {
                roots.push(src.join(name));
            }
        }
        if let Ok(bins) = std::fs::read_dir(src.join("bin")) {
            for bin in bins.flatten() {
                let path = bin.path();
                if path.extension().is_some_and(|e| e == "rs") {
                    roots.push(path);
                } else if path.join("main.rs").is_file() {
                    roots.push(path.join("main.rs"));
                }
            }
        }
    }
    roots.sort();
    roots
}

#[test]
fn every_crate_root_forbids_unsafe_code() {
    let roots = crate_roots(&project_root());
    assert!(
        roots
            .iter()
            .any(|r| r.ends_with("crates/sign-core/src/lib.rs")),
        "{roots:?}"
    );
    let missing: Vec<String> = roots
        .iter()
        .filter(|r| {
            let text = std::fs::read_to_string(r).unwrap_or_default();
            !text.lines().any(|l| l.trim() == "#![forbid(unsafe_code)]")
        })
        .map(|r| relative(r))
        .collect();
    assert!(
        missing.is_empty(),
        "these crate roots lack `#![forbid(unsafe_code)]`:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn golden_vectors_are_present() {
    let dir = project_root().join("fixtures/vectors");
    for provider in [
        "gateway-recharge",
        "jiuyi-dc",
        "paydesk",
        "tokenpay",
        "vipcharge",
    ] {
        let path = dir.join(format!("{provider}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} is missing: {e}", relative(&path)));
        let v: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", relative(&path)));
        assert_eq!(v["provider"], provider, "{}", relative(&path));
        assert!(
            v["cases"].as_array().is_some_and(|c| !c.is_empty()),
            "{} has no cases",
            relative(&path)
        );
    }
    for key in ["vipcharge_test_key.pem", "vipcharge_test_key.pub.pem"] {
        assert!(dir.join(key).is_file(), "fixtures/vectors/{key} is missing");
    }
}

#[test]
fn fixture_convention_is_documented() {
    let readme = std::fs::read_to_string(project_root().join("fixtures/README.md"))
        .expect("fixtures/README.md exists");
    assert!(
        readme.contains("fixtures/vectors/"),
        "README names the vectors directory"
    );
}

/// A scoped subscriber (`set_default` / `with_default`) in a test loses lines under parallel
/// tests: while it is the only dispatcher, a callsite first reached on another thread is cached as
/// disabled. Tests that read logs use `payhub_runtime::test_util::LogCapture` instead.
#[test]
fn tests_capture_logs_with_log_capture_not_a_scoped_subscriber() {
    // The one exception: the runtime's unit test that a span some subscriber takes is kept
    // (its own callsite, in a binary where no other test reaches it).
    const ALLOWED: &[&str] = &["crates/payhub-runtime/src/pipeline.rs"];
    let mut files = Vec::new();
    rust_files(&project_root().join("crates"), &mut files);
    let offenders: Vec<String> = files
        .iter()
        .map(|f| relative(f))
        .filter(|f| !ALLOWED.contains(&f.as_str()))
        .filter(|f| {
            let text = std::fs::read_to_string(project_root().join(f)).unwrap_or_default();
            [
                "subscriber::set_default(",
                "subscriber::with_default(",
                ".set_default()",
            ]
            .iter()
            .any(|p| text.contains(p))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "these files install a scoped tracing subscriber; capture logs with \
         payhub_runtime::test_util::LogCapture (feature test-util) instead:\n  {}",
        offenders.join("\n  ")
    );
}
