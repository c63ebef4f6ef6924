//! Group `instructions`: the end-to-end create-order figure counted in instructions per call.
//!
//! Why: the timed `e2e` figure is a loopback round trip of 20-150 µs on a shared 2-core VM,
//! and the host's other work moves it by more than a round of optimization does (runs an hour
//! apart have read 1.03x and 1.47x for the same binary). Instructions are what the code itself
//! costs, and the host cannot disturb them. So this group runs each side of the e2e figure
//! alone (client and canned server in one process, concurrency 1, [`e2e::alone`]) under
//! `valgrind --tool=callgrind`, once for [`SHORT`] calls and once for [`LONG`] calls: start-up
//! (runtime, root certificates, the server, the first connection) is the same in both, so
//! `(long total - short total) / (LONG - SHORT)` is the cost of one call, client and server
//! together. [`PAIRS`] pairs per side, interleaved; the figure is the median.
//!
//! It needs `valgrind` (`apt-get install valgrind`) and is never part of the default run: ask
//! for it with `--only instructions`. A missing valgrind is an error that says so.

use std::path::Path;
use std::process::Command;

use crate::Res;
use crate::e2e::{self, Alone};
use crate::harness::median;
use crate::table::{Row, Unit};

/// Calls in the short run of a pair.
const SHORT: usize = 500;
/// Calls in the long run of a pair.
const LONG: usize = 2_500;
/// Pairs per side.
const PAIRS: usize = 5;

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
fn count(dir: &Path, which: Alone, calls: usize) -> Res<u64> {
    let exe = std::env::current_exe()?;
    let out = dir.join(format!("{}-{calls}.callgrind", side_name(which)));
    let run = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe)
        .args([ALONE_FLAG, side_name(which), "--calls", &calls.to_string()])
        .output()
        .map_err(|e| format!("cannot run valgrind ({e}); install it: apt-get install valgrind"))?;
    if !run.status.success() {
        let stderr = String::from_utf8_lossy(&run.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(format!(
            "callgrind run of {} ({calls} calls) failed ({}): {}",
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

/// The group's one row.
pub(crate) fn run() -> Res<Vec<Row>> {
    let dir = std::env::temp_dir().join(format!("payhub-bench-callgrind-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    let measured = (|| -> Res<()> {
        for _ in 0..PAIRS {
            for which in [Alone::Ours, Alone::Raw] {
                let short = count(&dir, which, SHORT)?;
                let long = count(&dir, which, LONG)?;
                let per_call = long.saturating_sub(short) as f64 / (LONG - SHORT) as f64;
                println!(
                    "payhub-bench: {} {per_call:.0} instructions per call",
                    side_name(which)
                );
                match which {
                    Alone::Ours => ours.push(per_call),
                    Alone::Raw => raw.push(per_call),
                }
            }
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    measured?;
    Ok(vec![Row {
        figure: "create order paydesk, loopback, concurrency 1, instructions per call".to_owned(),
        ours_ns: median(&mut ours),
        floor_ns: Some(median(&mut raw)),
        goal: Some(e2e::GOAL),
        unit: Unit::Instructions,
    }])
}

/// Runs one side alone for the parent's callgrind count: `--e2e-alone ours|raw --calls N`.
pub(crate) fn alone(args: &[String]) -> Res<()> {
    let (which, calls) = match args {
        [flag, side, calls_flag, n] if flag == ALONE_FLAG && calls_flag == "--calls" => (
            parse_side(side).ok_or_else(|| format!("unknown side `{side}` (ours or raw)"))?,
            n.parse::<usize>()
                .map_err(|e| format!("--calls `{n}`: {e}"))?,
        ),
        _ => return Err(format!("usage: payhub-bench {ALONE_FLAG} ours|raw --calls N").into()),
    };
    e2e::alone(which, calls)
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
        assert!(err(&[ALONE_FLAG, "floor", "--calls", "5"]).is_some_and(|e| e.contains("floor")));
        assert!(err(&[ALONE_FLAG, "ours", "--calls", "x"]).is_some_and(|e| e.contains("--calls")));
        assert!(err(&[ALONE_FLAG, "ours"]).is_some_and(|e| e.contains("usage")));
    }
}
