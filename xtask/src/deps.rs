//! `cargo xtask deps`: how much each provider crate pulls in when used alone, and no banned crate.
//!
//! A user who adds one provider crate gets its default features only; this task builds that
//! view (`cargo tree -p CRATE -e normal,features`) for each provider crate, prints the number of
//! distinct crates in it, and fails when one of [`BANNED`] appears outside its allowance.

use std::collections::BTreeSet;

use crate::cmd::{self, cargo_with};
use crate::metadata::{self, Package};
use crate::test::NOT_PROVIDERS;

/// A crate (or one feature of a crate) that a provider crate must not depend on.
#[derive(Debug)]
pub(crate) struct Ban {
    /// The crate name as `cargo tree` prints it.
    pub(crate) krate: &'static str,
    /// When set, only this feature of the crate is banned (the crate itself is fine).
    pub(crate) feature: Option<&'static str>,
    /// Why, printed when the ban trips.
    pub(crate) why: &'static str,
    /// `(provider crate, feature of that crate)` pairs under which the ban is lifted.
    pub(crate) allowed_with: &'static [(&'static str, &'static str)],
}

/// The banned list: the one place to edit it.
pub(crate) const BANNED: &[Ban] = &[
    Ban {
        krate: "axum",
        feature: None,
        why: "an HTTP server framework: only payhub (feature `axum`) and the sandbox serve HTTP",
        allowed_with: &[],
    },
    Ban {
        krate: "axum-core",
        feature: None,
        why: "part of axum: providers do not serve HTTP",
        allowed_with: &[],
    },
    Ban {
        krate: "actix-web",
        feature: None,
        why: "an HTTP server framework: providers do not serve HTTP",
        allowed_with: &[],
    },
    Ban {
        krate: "warp",
        feature: None,
        why: "an HTTP server framework: providers do not serve HTTP",
        allowed_with: &[],
    },
    Ban {
        krate: "hyper",
        feature: Some("server"),
        why: "hyper's server side: providers are clients only",
        allowed_with: &[],
    },
    Ban {
        krate: "hyper-util",
        feature: Some("server"),
        why: "hyper-util's server side: providers are clients only",
        allowed_with: &[],
    },
    Ban {
        krate: "clap",
        feature: None,
        why: "a CLI parser: only the payhub-cli crate has a command line",
        allowed_with: &[],
    },
    Ban {
        krate: "rsa",
        feature: None,
        why: "RUSTSEC-2023-0071 (Marvin timing attack, no fixed release); the RSA backend is \
              aws-lc-rs, and only vipcharge offers the `rsa` crate, behind its off-by-default \
              `rsa` feature",
        allowed_with: &[("vipcharge", "rsa")],
    },
];

/// What `cargo tree --prefix none -e normal,features` lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Tree {
    /// Distinct `name version` pairs, the root included.
    pub(crate) packages: BTreeSet<(String, String)>,
    /// Distinct `(crate, feature)` pairs enabled.
    pub(crate) features: BTreeSet<(String, String)>,
}

impl Tree {
    /// Parses `cargo tree` output lines such as `serde v1.0.219`, `aws-lc-rs v1.19.0 (*)`,
    /// `zeroize_derive v1.5.0 (proc-macro)` and `hyper feature "client"`.
    pub(crate) fn parse(text: &str) -> Self {
        let mut tree = Self::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let (Some(name), Some(second)) = (words.next(), words.next()) else {
                continue;
            };
            if second == "feature" {
                if let Some(feature) = words.next() {
                    tree.features
                        .insert((name.to_owned(), feature.trim_matches('"').to_owned()));
                }
            } else if let Some(version) = second.strip_prefix('v')
                && version.starts_with(|c: char| c.is_ascii_digit())
            {
                tree.packages.insert((name.to_owned(), version.to_owned()));
            }
        }
        tree
    }

    /// Distinct crates besides the root.
    pub(crate) fn dependency_count(&self) -> usize {
        self.packages.len().saturating_sub(1)
    }

    fn has_crate(&self, name: &str) -> bool {
        self.packages.iter().any(|(n, _)| n == name)
    }

    /// The bans this tree trips, for `krate` built with `features` on top of its defaults.
    pub(crate) fn violations(&self, krate: &str, features: &[&str]) -> Vec<&'static Ban> {
        BANNED
            .iter()
            .filter(|ban| match ban.feature {
                None => self.has_crate(ban.krate),
                Some(f) => self
                    .features
                    .contains(&(ban.krate.to_owned(), f.to_owned())),
            })
            .filter(|ban| {
                !ban.allowed_with
                    .iter()
                    .any(|(c, f)| *c == krate && features.contains(f))
            })
            .collect()
    }
}

fn tree(krate: &str, features: &[&str]) -> Result<Tree, String> {
    let mut c = cargo_with([
        "tree",
        "-p",
        krate,
        "-e",
        "normal,features",
        "--prefix",
        "none",
    ]);
    if !features.is_empty() {
        c.arg("--features").arg(features.join(","));
    }
    Ok(Tree::parse(&cmd::output(&mut c)?))
}

/// The provider crates: every crate under `crates/` but the shared ones and the facade.
pub(crate) fn providers(packages: &[Package]) -> Vec<&Package> {
    packages
        .iter()
        .filter(|p| !NOT_PROVIDERS.contains(&p.name.as_str()))
        .collect()
}

pub(crate) fn run() -> bool {
    let root = crate::project_root();
    let packages = match metadata::crates(&root) {
        Ok(p) => p,
        Err(e) => {
            println!("xtask deps: {e}");
            return false;
        }
    };
    let providers = providers(&packages);
    if providers.is_empty() {
        println!("xtask deps: no provider crates under crates/");
        return false;
    }
    let mut ok = true;
    let mut rows = Vec::new();
    for p in providers {
        // The default view, then each feature under which a ban is lifted (so the allowance is
        // exercised and its cost shown).
        let mut views: Vec<Vec<&str>> = vec![Vec::new()];
        for ban in BANNED {
            for (c, f) in ban.allowed_with {
                if *c == p.name && p.features.contains_key(*f) {
                    views.push(vec![*f]);
                }
            }
        }
        for features in views {
            let label = if features.is_empty() {
                p.name.clone()
            } else {
                format!("{} --features {}", p.name, features.join(","))
            };
            match tree(&p.name, &features) {
                Ok(t) => {
                    let bad = t.violations(&p.name, &features);
                    for ban in &bad {
                        let what = match ban.feature {
                            Some(f) => format!("{} (feature `{f}`)", ban.krate),
                            None => ban.krate.to_owned(),
                        };
                        println!("{label}: banned dependency {what}: {}", ban.why);
                    }
                    ok &= bad.is_empty();
                    let verdict = if bad.is_empty() { "ok" } else { "BANNED" };
                    rows.push((label, t.dependency_count().to_string(), verdict));
                }
                Err(e) => {
                    println!("{label}: {e}");
                    ok = false;
                    rows.push((label, "?".to_owned(), "FAILED"));
                }
            }
        }
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(5).max(5);
    println!("\n{:<width$}  {:>5}  result", "crate", "deps");
    for (label, count, verdict) in &rows {
        println!("{label:<width$}  {count:>5}  {verdict}");
    }
    println!(
        "(deps: distinct crates in `cargo tree -e normal` with default features, root excluded)"
    );
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "vipcharge v0.1.0 (/w/crates/vipcharge)
sign-core v0.1.0 (/w/crates/sign-core)
sign-core feature \"rsa\"
rsa v0.9.8
zeroize_derive v1.5.0 (proc-macro)
serde v1.0.219
serde v1.0.219 (*)
hyper feature \"client\"
hyper v1.6.0
";

    #[test]
    fn parses_and_deduplicates_cargo_tree_output() {
        let t = Tree::parse(SAMPLE);
        assert_eq!(t.packages.len(), 6);
        assert_eq!(t.dependency_count(), 5);
        assert!(
            t.features
                .contains(&("hyper".to_owned(), "client".to_owned()))
        );
        assert!(
            t.features
                .contains(&("sign-core".to_owned(), "rsa".to_owned()))
        );
    }

    #[test]
    fn rsa_is_allowed_only_in_vipcharge_with_its_feature() {
        let t = Tree::parse(SAMPLE);
        let names = |v: Vec<&Ban>| v.iter().map(|b| b.krate).collect::<Vec<_>>();
        assert_eq!(names(t.violations("vipcharge", &[])), ["rsa"]);
        assert!(t.violations("vipcharge", &["rsa"]).is_empty());
        assert_eq!(names(t.violations("paydesk", &["rsa"])), ["rsa"]);
    }

    #[test]
    fn banned_features_trip_but_the_crate_alone_does_not() {
        let client = Tree::parse("x v0.1.0\nhyper v1.6.0\nhyper feature \"client\"\n");
        assert!(client.violations("x", &[]).is_empty());
        let server = Tree::parse("x v0.1.0\nhyper v1.6.0\nhyper feature \"server\"\n");
        assert_eq!(server.violations("x", &[]).len(), 1);
        let axum = Tree::parse("x v0.1.0\naxum v0.8.1\nclap v4.5.0\n");
        assert_eq!(axum.violations("x", &[]).len(), 2);
    }

    #[test]
    fn every_ban_explains_itself_and_names_a_real_allowance() {
        for ban in BANNED {
            assert!(ban.why.len() > 10, "{}", ban.krate);
            for (krate, feature) in ban.allowed_with {
                assert!(!NOT_PROVIDERS.contains(krate), "{krate}");
                assert!(!feature.is_empty());
            }
        }
    }
}
