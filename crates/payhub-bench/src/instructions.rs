//! Group `instructions`: the end-to-end create-order figure counted in instructions per call.
//!
//! Why: the timed `e2e` figure is a loopback round trip of 20-150 µs on a shared 2-core VM,
//! and the host's other work moves it by more than a round of optimization does (runs an hour
//! apart have read 1.03x and 1.47x for the same binary). Instructions are what the code itself
//! costs, and the host cannot disturb them. So this group runs each side of the e2e figure
//! alone (client and canned server in one process, [`e2e::alone`]) at concurrency 1 and 64
//! under `valgrind --tool=callgrind` (which runs the threads one at a time but counts every
//! instruction), once for [`SHORT`] calls and once for [`LONG`] calls: start-up (runtime, root
//! certificates, the server, the first connections) is the same in both, so
//! `(long total - short total) / (LONG - SHORT)` is the cost of one call, client and server
//! together. [`PAIRS`] pairs per side, interleaved; the figure is the median. At concurrency 64
//! the floor costs fewer instructions per call (connections and wake-ups serve several calls),
//! so the same extra work is a larger share of it.
//!
//! It needs `valgrind` (`apt-get install valgrind`) and is never part of the default run: ask
//! for it with `--only instructions`. A missing valgrind is an error that says so.

use std::path::Path;
use std::process::Command;

use crate::Res;
use crate::e2e::{self, Alone};
use crate::harness::median;
use crate::table::{Row, Unit};

/// Calls in the short run of a pair (a multiple of every concurrency).
const SHORT: usize = 640;
/// Calls in the long run of a pair (a multiple of every concurrency).
const LONG: usize = 3_200;
/// Pairs per side and concurrency.
const PAIRS: usize = 3;
/// The concurrencies of the timed figure.
const CONCURRENCY: [usize; 2] = [1, 64];

/// The argument that makes the binary run one side alone (see [`Alone`]).
pub(crate) const ALONE_FLAG: &str = "--e2e-alone";

/// `ours` or `raw`, as [`ALONE_FLAG`] takes it.
pub(crate) fn side_name(which: Alone) -> &'static str {
    match which {
        Alone::Ours => "ours",
        Alone::Raw => "raw",
    }
}

/// The side named `name` ([`side_name`]).
pub(crate) fn parse_side(name: &str) -> Option<Alone> {
    [Alone::Ours, Alone::Raw]
        .into_iter()
        .find(|s| side_name(*s) == name)
}

/// The total instruction count of a callgrind output file (its `totals:` line, or `summary:`
/// in older formats).
fn totals(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Instructions of one process running `calls` calls of `which` under callgrind.
fn count(dir: &Path, which: Alone, calls: usize, concurrency: usize) -> Res<u64> {
    let exe = std::env::current_exe()?;
    let out = dir.join(format!(
        "{}-{calls}-{concurrency}.callgrind",
        side_name(which)
    ));
    let run = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe)
        .args([ALONE_FLAG, side_name(which), "--calls", &calls.to_string()])
        .args(["--concurrency", &concurrency.to_string()])
        .output()
        .map_err(|e| format!("cannot run valgrind ({e}); install it: apt-get install valgrind"))?;
    if !run.status.success() {
        let stderr = String::from_utf8_lossy(&run.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(format!(
            "callgrind run of {} ({calls} calls, concurrency {concurrency}) failed ({}): {}",
            side_name(which),
            run.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        )
        .into());
    }
    let text = std::fs::read_to_string(&out)
        .map_err(|e| format!("callgrind output {}: {e}", out.display()))?;
    let _ = std::fs::remove_file(&out);
    totals(&text).ok_or_else(|| format!("no totals line in {}", out.display()).into())
}

/// The group's rows, one per concurrency.
pub(crate) fn run() -> Res<Vec<Row>> {
    let dir = std::env::temp_dir().join(format!("payhub-bench-callgrind-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let measured = CONCURRENCY
        .iter()
        .map(|&concurrency| row(&dir, concurrency))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    measured
}

/// The row of one concurrency.
fn row(dir: &Path, concurrency: usize) -> Res<Row> {
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..PAIRS {
        for which in [Alone::Ours, Alone::Raw] {
            let short = count(dir, which, SHORT, concurrency)?;
            let long = count(dir, which, LONG, concurrency)?;
            let per_call = long.saturating_sub(short) as f64 / (LONG - SHORT) as f64;
            println!(
                "payhub-bench: concurrency {concurrency}, {} {per_call:.0} instructions per call",
                side_name(which)
            );
            match which {
                Alone::Ours => ours.push(per_call),
                Alone::Raw => raw.push(per_call),
            }
        }
    }
    Ok(Row {
        figure: format!(
            "create order paydesk, loopback, concurrency {concurrency}, instructions per call"
        ),
        ours_ns: median(&mut ours),
        floor_ns: Some(median(&mut raw)),
        goal: Some(e2e::GOAL),
        unit: Unit::Instructions,
    })
}

/// Runs one side alone for the parent's callgrind count:
/// `--e2e-alone ours|raw --calls N --concurrency C`.
pub(crate) fn alone(args: &[String]) -> Res<()> {
    let number = |flag: &str, n: &str| {
        n.parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{flag} `{n}`: not a positive number"))
    };
    let (which, calls, concurrency) = match args {
        [flag, side, calls_flag, n, concurrency_flag, c]
            if flag == ALONE_FLAG
                && calls_flag == "--calls"
                && concurrency_flag == "--concurrency" =>
        {
            (
                parse_side(side).ok_or_else(|| format!("unknown side `{side}` (ours or raw)"))?,
                number("--calls", n)?,
                number("--concurrency", c)?,
            )
        }
        _ => {
            return Err(format!(
                "usage: payhub-bench {ALONE_FLAG} ours|raw --calls N --concurrency C"
            )
            .into());
        }
    };
    e2e::alone(which, calls, concurrency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_read_from_either_line() {
        let file = "version: 1\ncmd: x\nevents: Ir\nfl=(1) a.rs\nfn=(1) f\n1 5\ntotals: 123456\n";
        assert_eq!(totals(file), Some(123_456));
        assert_eq!(totals("events: Ir\nsummary: 42 7\n"), Some(42));
        assert_eq!(totals("events: Ir\n"), None);
        assert_eq!(totals("totals: many\n"), None);
    }

    #[test]
    fn sides_round_trip_and_bad_arguments_are_refused() {
        for s in [Alone::Ours, Alone::Raw] {
            assert_eq!(parse_side(side_name(s)), Some(s));
        }
        assert_eq!(parse_side("floor"), None);
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let err = |a: &[&str]| alone(&args(a)).err().map(|e| e.to_string());
        let c = ["--concurrency", "1"];
        let with_c = |a: &[&str]| err(&[a, &c[..]].concat());
        assert!(
            with_c(&[ALONE_FLAG, "floor", "--calls", "5"]).is_some_and(|e| e.contains("floor"))
        );
        assert!(
            with_c(&[ALONE_FLAG, "ours", "--calls", "x"]).is_some_and(|e| e.contains("--calls"))
        );
        assert!(
            with_c(&[ALONE_FLAG, "ours", "--calls", "0"]).is_some_and(|e| e.contains("--calls"))
        );
        assert!(
            err(&[ALONE_FLAG, "ours", "--calls", "5", "--concurrency", "0"])
                .is_some_and(|e| e.contains("--concurrency"))
        );
        assert!(err(&[ALONE_FLAG, "ours", "--calls", "5"]).is_some_and(|e| e.contains("usage")));
    }
}
