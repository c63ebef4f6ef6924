//! payhub's benchmarks: every hot path against its floor, measured in the same run, interleaved,
//! and printed as one table (`figure | ours | floor | ratio | goal | result`).
//!
//! Run it as `cargo xtask bench` (a release build). Arguments:
//! - `--quick`: short batches and few rounds, to check that the bench runs (noisy numbers);
//! - `--only GROUP` (repeatable): `sign`, `rsa`, `e2e`, `notify`, `gateway` (needs Postgres
//!   and Redis), `reconcile` (needs Postgres for its Postgres row), and `instructions` (needs
//!   valgrind; only when asked for by name: the e2e figure counted in instructions per call
//!   under callgrind);
//! - `--strict`: exit with status 1 when a figure misses its goal (default: report only, since
//!   shared CI machines are noisy).
//!
//! The figures, their floors and goals are described in `BENCHMARKS.md` at the repository root.
#![forbid(unsafe_code)]
// Reason: a benchmark reports on stdout.
#![allow(clippy::print_stdout)]

mod e2e;
mod gateway;
mod harness;
mod instructions;
mod notify;
mod openssl;
mod pg;
mod reconcile;
mod rsa_fig;
mod signing;
mod table;

use std::process::ExitCode;
use std::time::Instant;

use harness::Settings;
use table::{Row, Verdict};

/// Errors of a figure's setup: any of them aborts the run with a message.
pub(crate) type Res<T> = Result<T, Box<dyn std::error::Error>>;

const GROUPS: [&str; 7] = [
    "sign",
    "rsa",
    "e2e",
    "notify",
    "gateway",
    "reconcile",
    "instructions",
];

/// Groups that run only when named with `--only` (they need a tool the default run does not).
const ON_REQUEST: [&str; 1] = ["instructions"];

const USAGE: &str = "usage: payhub-bench [--quick] [--strict] \
     [--only sign|rsa|e2e|notify|gateway|reconcile|instructions]...";

/// Parsed command line.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    quick: bool,
    strict: bool,
    only: Vec<String>,
}

impl Args {
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut out = Self {
            quick: false,
            strict: false,
            only: Vec::new(),
        };
        let mut args = args.into_iter();
        while let Some(a) = args.next() {
            match a.as_str() {
                "--quick" => out.quick = true,
                "--strict" => out.strict = true,
                "--only" => {
                    let group = args.next().ok_or("--only needs a group")?;
                    if !GROUPS.contains(&group.as_str()) {
                        return Err(format!("unknown group `{group}`"));
                    }
                    out.only.push(group);
                }
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(out)
    }

    fn wants(&self, group: &str) -> bool {
        if self.only.is_empty() {
            !ON_REQUEST.contains(&group)
        } else {
            self.only.iter().any(|g| g == group)
        }
    }
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cores} cores available, {cpu}")
}

/// The 1-minute load average, if the OS tells it: other work on the machine skews the figures
/// (the end-to-end ones most), so the report shows it.
fn load_average() -> Option<String> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(str::to_owned))
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some(instructions::ALONE_FLAG) {
        // A child of the `instructions` group, counted under callgrind: only the calls.
        return match instructions::alone(&argv) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                println!("payhub-bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let args = match Args::parse(argv) {
        Ok(a) => a,
        Err(e) => {
            println!("payhub-bench: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if cfg!(debug_assertions) {
        println!("payhub-bench: warning: a debug build; run `cargo xtask bench` for real numbers");
    }
    let settings = if args.quick {
        Settings::quick()
    } else {
        Settings::full()
    };
    println!("payhub-bench: {}", machine());
    let load_before = load_average();
    println!(
        "payhub-bench: batches of {:?}, {} interleaved rounds, medians{}",
        settings.batch,
        settings.rounds,
        if args.quick { " (--quick: noisy)" } else { "" }
    );
    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut run = |group: &str, f: &mut dyn FnMut(&mut Vec<Row>) -> Res<()>| -> bool {
        if !args.wants(group) {
            return true;
        }
        let t = Instant::now();
        println!("payhub-bench: measuring {group} ...");
        match f(&mut rows) {
            Ok(()) => {
                println!(
                    "payhub-bench: {group} done in {:.1} s",
                    t.elapsed().as_secs_f64()
                );
                true
            }
            Err(e) => {
                println!("payhub-bench: {group} FAILED: {e}");
                false
            }
        }
    };
    let mut ok = true;
    ok &= run("sign", &mut |rows| {
        rows.extend(signing::run(settings)?);
        Ok(())
    });
    ok &= run("rsa", &mut |rows| {
        let outcome = rsa_fig::run(settings, if args.quick { 1 } else { 2 })?;
        rows.extend(outcome.rows);
        notes.push(match outcome.openssl {
            Ok(v) => format!("RSA floor: `openssl speed -seconds N -multi 1 rsa2048`, OpenSSL {v}"),
            Err(e) => format!("RSA floor: none ({e})"),
        });
        Ok(())
    });
    ok &= run("e2e", &mut |rows| {
        rows.extend(e2e::run(settings)?);
        Ok(())
    });
    ok &= run("notify", &mut |rows| {
        rows.extend(notify::run(settings)?);
        Ok(())
    });
    ok &= run("gateway", &mut |rows| {
        rows.extend(gateway::run(args.quick)?);
        Ok(())
    });
    ok &= run("reconcile", &mut |rows| {
        let (r, n) = reconcile::run(args.quick)?;
        rows.extend(r);
        notes.extend(n);
        Ok(())
    });
    ok &= run("instructions", &mut |rows| {
        rows.extend(instructions::run()?);
        Ok(())
    });
    println!();
    print!("{}", table::render(&rows));
    for n in &notes {
        println!("{n}");
    }
    if let (Some(before), Some(after)) = (load_before, load_average()) {
        println!("load average (1 min): {before} before, {after} after");
    }
    let missed: Vec<&str> = rows
        .iter()
        .filter(|r| r.verdict() == Verdict::Fail)
        .map(|r| r.figure.as_str())
        .collect();
    println!(
        "{} figures, {} with a goal, {} missed; {:.0} s",
        rows.len(),
        rows.iter().filter(|r| r.goal.is_some()).count(),
        missed.len(),
        started.elapsed().as_secs_f64()
    );
    if !ok {
        return ExitCode::FAILURE;
    }
    if args.strict && !missed.is_empty() {
        println!("missed (--strict): {}", missed.join(", "));
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        Args::parse(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn arguments() {
        let a = parse(&["--quick", "--only", "rsa", "--only", "e2e"]).expect("valid");
        assert!(a.quick && !a.strict);
        assert!(a.wants("rsa") && a.wants("e2e") && !a.wants("sign"));
        assert!(parse(&[]).expect("valid").wants("notify"));
        assert!(
            parse(&["--only", "reconcile"])
                .expect("valid")
                .wants("reconcile")
        );
        assert!(!parse(&[]).expect("valid").wants("instructions"));
        assert!(
            parse(&["--only", "instructions"])
                .expect("valid")
                .wants("instructions")
        );
        assert!(parse(&["--only", "nope"]).is_err());
        assert!(parse(&["--only"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }
}
