//! The MSRV claim, checked as far as this machine allows.
//!
//! A real MSRV check builds with the declared toolchain (`cargo +1.88 check`). CI machines here
//! have only rustup's stable toolchain and no network beyond the package registries, so another
//! toolchain cannot be installed. Instead the claim is checked in the three ways that catch what
//! usually breaks an MSRV:
//!
//! - the declaration: `rust-version` is set in `[workspace.package]`, every crate inherits it
//!   (`rust-version.workspace = true`), and it is not newer than the compiler in use;
//! - the dependencies: every crate in the locked dependency graph (all features) declares a
//!   `rust-version` no newer than ours (a dependency bump is the common way an MSRV breaks
//!   silently; cargo's MSRV-aware resolver keeps it so when the lock file is regenerated);
//! - our own code: clippy reads `rust-version` and its `incompatible_msrv` lint (on by default,
//!   and `-D warnings` in `cargo xtask test`) refuses standard-library items stabilized later.
//!
//! Language features newer than the MSRV are not caught by any of these; building with the
//! declared toolchain is left to a machine that can install it.

use std::path::Path;

use crate::cmd;
use crate::metadata::Package;

/// Checks the declaration; `Ok` carries a one-line description. `packages` (from cargo metadata)
/// must all resolve to the declared version.
///
/// # Errors
/// A readable description of what is missing or inconsistent.
pub(crate) fn check(root: &Path, packages: &[Package]) -> Result<String, String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let declared = workspace_rust_version(&manifest)
        .ok_or("`rust-version` is not set in [workspace.package] of the root Cargo.toml")?;
    let declared_v = parse_version(&declared)
        .ok_or_else(|| format!("rust-version {declared:?} is not X.Y[.Z]"))?;

    let mut not_inherited = Vec::new();
    for dir in member_dirs(root)? {
        let text = std::fs::read_to_string(dir.join("Cargo.toml"))
            .map_err(|e| format!("cannot read {}: {e}", dir.join("Cargo.toml").display()))?;
        if !inherits_rust_version(&text) {
            not_inherited.push(dir.display().to_string());
        }
    }
    if !not_inherited.is_empty() {
        return Err(format!(
            "these crates do not say `rust-version.workspace = true`: {}",
            not_inherited.join(", ")
        ));
    }

    let differing: Vec<String> = packages
        .iter()
        .filter(|p| p.rust_version.as_deref() != Some(declared.as_str()))
        .map(|p| {
            format!(
                "{} ({})",
                p.name,
                p.rust_version.as_deref().unwrap_or("none")
            )
        })
        .collect();
    if !differing.is_empty() {
        return Err(format!(
            "these crates resolve to another rust-version than {declared}: {}",
            differing.join(", ")
        ));
    }

    let rustc = cmd::output(
        std::process::Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
            .arg("--version"),
    )?;
    let installed = rustc
        .split_whitespace()
        .nth(1)
        .and_then(parse_version)
        .ok_or_else(|| format!("cannot read the version in {rustc:?}"))?;
    if declared_v > installed {
        return Err(format!(
            "rust-version {declared} is newer than the compiler in use ({})",
            rustc.trim()
        ));
    }
    let checked = dependencies_fit(declared_v)?;
    Ok(format!(
        "rust-version {declared} declared and inherited by every crate; {checked} locked \
         dependencies declare {declared} or older; building with {} (an older toolchain cannot \
         be installed here, so {declared} itself is not built)",
        rustc.trim()
    ))
}

/// Every registry package in the locked graph (all features) declares a `rust-version` no newer
/// than `declared`. `Ok` is how many packages were checked.
fn dependencies_fit(declared: (u32, u32, u32)) -> Result<usize, String> {
    let json = cmd::output(&mut cmd::cargo_with([
        "metadata",
        "--format-version",
        "1",
        "--all-features",
        "--locked",
    ]))?;
    too_new(&json, declared).and_then(|(checked, too_new)| {
        if too_new.is_empty() {
            Ok(checked)
        } else {
            Err(format!(
                "these dependencies need a newer Rust than the declared MSRV: {}",
                too_new.join(", ")
            ))
        }
    })
}

/// How many registry packages `cargo metadata` lists, and those whose `rust-version` is newer
/// than `declared`, as `name version (rust-version)`.
fn too_new(json: &str, declared: (u32, u32, u32)) -> Result<(usize, Vec<String>), String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("cargo metadata: not JSON: {e}"))?;
    let packages = value["packages"]
        .as_array()
        .ok_or("cargo metadata: no `packages` array")?;
    let mut checked = 0;
    let mut out = Vec::new();
    for p in packages.iter().filter(|p| !p["source"].is_null()) {
        checked += 1;
        let Some(rv) = p["rust_version"].as_str() else {
            continue;
        };
        if parse_version(rv).is_some_and(|v| v > declared) {
            out.push(format!(
                "{} {} ({rv})",
                p["name"].as_str().unwrap_or("?"),
                p["version"].as_str().unwrap_or("?")
            ));
        }
    }
    Ok((checked, out))
}

/// `crates/*` and `xtask`: the directories holding a member manifest.
fn member_dirs(root: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut out = vec![root.join("xtask")];
    let entries =
        std::fs::read_dir(root.join("crates")).map_err(|e| format!("cannot list crates/: {e}"))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list crates/: {e}"))?
            .path();
        if path.join("Cargo.toml").is_file() {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// The `rust-version` value in the `[workspace.package]` table, read line by line (enough for
/// the plain `key = "value"` form a root manifest uses).
pub(crate) fn workspace_rust_version(manifest: &str) -> Option<String> {
    let mut in_table = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_table = line == "[workspace.package]";
            continue;
        }
        if in_table && let Some(value) = line.strip_prefix("rust-version") {
            let value = value.trim_start().strip_prefix('=')?.trim();
            let value = value.split('#').next()?.trim().trim_matches('"');
            return (!value.is_empty()).then(|| value.to_owned());
        }
    }
    None
}

fn inherits_rust_version(manifest: &str) -> bool {
    manifest.lines().map(str::trim).any(|l| {
        let compact: String = l.chars().filter(|c| !c.is_whitespace()).collect();
        compact.starts_with("rust-version.workspace=true")
            || compact.starts_with("rust-version={workspace=true")
    })
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let core = text.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(str::parse::<u32>);
    let major = parts.next()?.ok()?;
    let minor = parts.next()?.ok()?;
    let patch = match parts.next() {
        Some(p) => p.ok()?,
        None => 0,
    };
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rust_version_from_the_workspace_package_table_only() {
        let manifest = "[package]\nrust-version = \"1.70\"\n\n[workspace.package]\nedition = \
                        \"2024\"\nrust-version = \"1.88\" # MSRV\n[workspace.dependencies]\n";
        assert_eq!(workspace_rust_version(manifest).as_deref(), Some("1.88"));
        assert_eq!(
            workspace_rust_version("[package]\nrust-version = \"1.70\"\n"),
            None
        );
        assert_eq!(
            workspace_rust_version("[workspace.package]\nrust-version = \"\"\n"),
            None
        );
    }

    #[test]
    fn recognizes_inheritance_forms() {
        assert!(inherits_rust_version("rust-version.workspace = true"));
        assert!(inherits_rust_version("rust-version = { workspace = true }"));
        assert!(!inherits_rust_version("rust-version = \"1.88\""));
    }

    #[test]
    fn finds_dependencies_newer_than_the_msrv() {
        let json = r#"{"packages":[
            {"name":"ours","version":"0.1.0","source":null,"rust_version":"1.99"},
            {"name":"old","version":"1.0.0","source":"registry+x","rust_version":"1.70"},
            {"name":"none","version":"1.0.0","source":"registry+x","rust_version":null},
            {"name":"new","version":"2.0.0","source":"registry+x","rust_version":"1.89.0"}
        ]}"#;
        let (checked, found) = too_new(json, (1, 88, 0)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(checked, 3, "workspace packages are not dependencies");
        assert_eq!(found, ["new 2.0.0 (1.89.0)"]);
        assert!(too_new("[]", (1, 88, 0)).is_err());
    }

    #[test]
    fn parses_versions() {
        assert_eq!(parse_version("1.88"), Some((1, 88, 0)));
        assert_eq!(parse_version("1.95.0"), Some((1, 95, 0)));
        assert_eq!(parse_version("1.96.0-nightly"), Some((1, 96, 0)));
        assert_eq!(parse_version("x"), None);
    }

    #[test]
    fn this_workspace_declares_and_inherits_its_msrv() {
        let root = crate::project_root();
        let packages = crate::metadata::crates(&root).unwrap_or_else(|e| panic!("{e}"));
        assert!(packages.iter().any(|p| p.name == "sign-core"));
        let described = check(&root, &packages).unwrap_or_else(|e| panic!("{e}"));
        assert!(described.contains("rust-version"), "{described}");
    }
}
