//! The workspace as `cargo metadata --no-deps` describes it: which crates live under `crates/`,
//! and which features each declares.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::cmd;

/// One workspace package.
#[derive(Debug)]
pub(crate) struct Package {
    pub(crate) name: String,
    /// Declared features (`default` included when declared) and what each enables.
    pub(crate) features: BTreeMap<String, Vec<String>>,
    /// `rust-version` as resolved (inherited from the workspace), if any.
    pub(crate) rust_version: Option<String>,
    /// Features the crate cannot build without, from `[package.metadata.xtask]
    /// minimal-features = [...]`: the `--no-default-features` check turns on exactly these.
    /// Empty for almost every crate; a crate that sets it says so in its own manifest.
    pub(crate) minimal_features: Vec<String>,
}

impl Package {
    /// Whether the crate declares any feature of its own.
    pub(crate) fn has_features(&self) -> bool {
        !self.features.is_empty()
    }
}

/// The workspace packages whose manifest is under `crates/`, sorted by name.
///
/// # Errors
/// When `cargo metadata` fails (a broken manifest) or prints something unexpected.
pub(crate) fn crates(root: &Path) -> Result<Vec<Package>, String> {
    let json = cmd::output(&mut cmd::cargo_with([
        "metadata",
        "--no-deps",
        "--format-version",
        "1",
    ]))?;
    parse(&json, &root.join("crates"))
}

fn parse(json: &str, crates_dir: &Path) -> Result<Vec<Package>, String> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("cargo metadata: not JSON: {e}"))?;
    let packages = value["packages"]
        .as_array()
        .ok_or("cargo metadata: no `packages` array")?;
    let mut out = Vec::new();
    for p in packages {
        let name = p["name"]
            .as_str()
            .ok_or("cargo metadata: package without a name")?;
        let manifest = p["manifest_path"]
            .as_str()
            .ok_or_else(|| format!("cargo metadata: {name} has no manifest_path"))?;
        let dir = Path::new(manifest)
            .parent()
            .ok_or_else(|| format!("cargo metadata: {name}: odd manifest path"))?;
        if dir.parent() != Some(crates_dir) {
            continue;
        }
        let mut features = BTreeMap::new();
        if let Some(map) = p["features"].as_object() {
            for (feature, enables) in map {
                let enables = enables
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                features.insert(feature.clone(), enables);
            }
        }
        let minimal_features = p["metadata"]["xtask"]["minimal-features"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        out.push(Package {
            name: name.to_owned(),
            features,
            rust_version: p["rust_version"].as_str().map(str::to_owned),
            minimal_features,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_crates_under_the_crates_dir() {
        let json = r#"{"packages":[
            {"name":"b","manifest_path":"/w/crates/b/Cargo.toml","features":{"default":["x"],"x":[]},"rust_version":"1.88",
             "metadata":{"xtask":{"minimal-features":["x"]}}},
            {"name":"xtask","manifest_path":"/w/xtask/Cargo.toml","features":{}},
            {"name":"a","manifest_path":"/w/crates/a/Cargo.toml","features":{}}
        ]}"#;
        let got = parse(json, Path::new("/w/crates")).expect("parses");
        let names: Vec<&str> = got.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(!got[0].has_features());
        assert!(got[1].has_features());
        assert_eq!(got[1].features["default"], ["x"]);
        assert_eq!(got[1].rust_version.as_deref(), Some("1.88"));
        assert_eq!(got[0].rust_version, None);
        assert_eq!(got[1].minimal_features, ["x"]);
        assert!(got[0].minimal_features.is_empty());
    }

    #[test]
    fn refuses_output_without_packages() {
        assert!(parse("{}", Path::new("/w/crates")).is_err());
        assert!(parse("not json", Path::new("/w/crates")).is_err());
    }
}
