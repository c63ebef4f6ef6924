//! The RSA floor: `openssl speed -seconds 2 -multi 1 rsa2048`, when `openssl` is on `PATH`.

use std::process::{Command, Stdio};

/// What `openssl speed rsa2048` reported.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Speed {
    /// Signatures per second.
    pub(crate) sign_per_s: f64,
    /// Verifications per second.
    pub(crate) verify_per_s: f64,
    /// `openssl version` as printed in the report, if found.
    pub(crate) version: Option<String>,
}

/// Runs `openssl speed` for `seconds` per operation; `Err` says why there is no floor.
pub(crate) fn run(seconds: u32) -> Result<Speed, String> {
    let out = Command::new("openssl")
        .args([
            "speed",
            "-seconds",
            &seconds.to_string(),
            "-multi",
            "1",
            "rsa2048",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    if !out.status.success() {
        return Err(format!("openssl speed failed ({})", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    parse(&text).ok_or_else(|| "cannot read the rsa 2048 line of `openssl speed`".to_owned())
}

/// Reads the summary line `rsa 2048 bits 0.000720s 0.000036s   1389.1  27497.0`, or failing
/// that the `-multi` report line `Got: +F2:2:2048:1389.108911:27497.000000 from 0`.
pub(crate) fn parse(text: &str) -> Option<Speed> {
    let version = text
        .lines()
        .find_map(|l| l.strip_prefix("version:"))
        .map(|v| v.trim().to_owned());
    let from_table = text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("rsa 2048 bits")?;
        let numbers: Vec<f64> = rest
            .split_whitespace()
            .filter_map(|w| w.trim_end_matches('s').parse().ok())
            .collect();
        match numbers.as_slice() {
            [_, _, sign, verify, ..] => Some((*sign, *verify)),
            _ => None,
        }
    });
    let from_multi = || {
        text.lines().find_map(|line| {
            let f2 = line.split_whitespace().find(|w| w.starts_with("+F2:"))?;
            let parts: Vec<&str> = f2.split(':').collect();
            match parts.as_slice() {
                ["+F2", _, "2048", sign, verify, ..] => {
                    Some((sign.parse().ok()?, verify.parse().ok()?))
                }
                _ => None,
            }
        })
    };
    let (sign_per_s, verify_per_s) = from_table.or_else(from_multi)?;
    (sign_per_s > 0.0 && verify_per_s > 0.0).then_some(Speed {
        sign_per_s,
        verify_per_s,
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENSSL_3_0: &str = "Forked child 0
Got: +F2:2:2048:1389.108911:27497.000000 from 0
version: 3.0.19
built on: Fri Apr  3 12:29:32 2026 UTC
options: bn(64,64)
                  sign    verify    sign/s verify/s
rsa 2048 bits 0.000720s 0.000036s   1389.1  27497.0
";

    #[test]
    fn reads_the_summary_line() {
        let s = parse(OPENSSL_3_0).expect("parsed");
        assert_eq!(s.sign_per_s, 1389.1);
        assert_eq!(s.verify_per_s, 27497.0);
        assert_eq!(s.version.as_deref(), Some("3.0.19"));
    }

    #[test]
    fn falls_back_to_the_multi_report_line() {
        let s = parse("Got: +F2:2:2048:1400.5:28000.25 from 0\n").expect("parsed");
        assert_eq!(s.sign_per_s, 1400.5);
        assert_eq!(s.verify_per_s, 28000.25);
        assert_eq!(s.version, None);
    }

    #[test]
    fn refuses_output_without_rsa_2048() {
        assert_eq!(parse("rsa 4096 bits 0.005s 0.0001s 200.0 9000.0\n"), None);
        assert_eq!(parse("rsa 2048 bits 0.000720s 0.000036s   0  0\n"), None);
        assert_eq!(parse(""), None);
    }
}
