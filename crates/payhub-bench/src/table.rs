//! The one results table: figure, ours (median), floor (median), ratio, goal, result.

use std::fmt::Write as _;

/// How a row's times are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Time per operation only.
    PerOp,
    /// Time per operation and operations per second (RSA, end to end).
    PerOpAndRate,
    /// Bytes (memory figures): `ours_ns` and `floor_ns` hold byte counts.
    Bytes,
    /// Instructions per operation (`ours_ns` and `floor_ns` hold counts), as callgrind counts
    /// them: the figure a shared host cannot disturb.
    Instructions,
}

/// One line of the table. Times are nanoseconds per operation (bytes for [`Unit::Bytes`]).
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub(crate) figure: String,
    pub(crate) ours_ns: f64,
    /// `None` when the floor could not be measured (e.g. no `openssl`).
    pub(crate) floor_ns: Option<f64>,
    /// The largest acceptable `ours / floor`; `None` for an informational row.
    pub(crate) goal: Option<f64>,
    pub(crate) unit: Unit,
}

/// A row's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Pass,
    Fail,
    /// No goal: shown for context.
    Info,
    /// A goal, but no floor to compare with.
    Skip,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::Info => "info",
            Self::Skip => "skip",
        }
    }
}

impl Row {
    /// `ours / floor`, when there is a floor.
    pub(crate) fn ratio(&self) -> Option<f64> {
        self.floor_ns
            .filter(|f| *f > 0.0 && f.is_finite())
            .map(|f| self.ours_ns / f)
    }

    pub(crate) fn verdict(&self) -> Verdict {
        match (self.goal, self.ratio()) {
            (None, _) => Verdict::Info,
            (Some(_), None) => Verdict::Skip,
            (Some(goal), Some(r)) if r <= goal => Verdict::Pass,
            (Some(_), Some(_)) => Verdict::Fail,
        }
    }
}

/// `1.23 µs`, `456 ns`, `1.20 ms`: three significant digits.
pub(crate) fn format_time(ns: f64) -> String {
    if !ns.is_finite() {
        return "n/a".to_owned();
    }
    let (value, unit) = if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    if value >= 100.0 {
        format!("{value:.0} {unit}")
    } else if value >= 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.2} {unit}")
    }
}

/// `27.5k/s`, `1389/s`.
pub(crate) fn format_rate(ns: f64) -> String {
    if !(ns.is_finite() && ns > 0.0) {
        return String::new();
    }
    let per_s = 1e9 / ns;
    if per_s >= 10_000.0 {
        format!("{:.1}k/s", per_s / 1000.0)
    } else {
        format!("{per_s:.0}/s")
    }
}

/// `118.2k instr`, `950 instr`.
pub(crate) fn format_instructions(count: f64) -> String {
    if !count.is_finite() {
        return "n/a".to_owned();
    }
    if count >= 1000.0 {
        format!("{:.1}k instr", count / 1000.0)
    } else {
        format!("{count:.0} instr")
    }
}

/// `512 B`, `48.0 KiB`, `3.25 MiB`.
pub(crate) fn format_bytes(bytes: f64) -> String {
    if !bytes.is_finite() {
        return "n/a".to_owned();
    }
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.2} MiB", bytes / (1024.0 * 1024.0))
    } else if bytes >= 1024.0 {
        format!("{:.1} KiB", bytes / 1024.0)
    } else {
        format!("{bytes:.0} B")
    }
}

fn cell(ns: Option<f64>, unit: Unit) -> String {
    match ns {
        None => "n/a".to_owned(),
        Some(ns) => match unit {
            Unit::PerOp => format_time(ns),
            Unit::PerOpAndRate => format!("{} ({})", format_time(ns), format_rate(ns)),
            Unit::Bytes => format_bytes(ns),
            Unit::Instructions => format_instructions(ns),
        },
    }
}

/// Renders the table as Markdown (readable as plain text too).
pub(crate) fn render(rows: &[Row]) -> String {
    let header = [
        "figure",
        "ours (median)",
        "floor (median)",
        "ratio",
        "goal",
        "result",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.figure.clone(),
                cell(Some(r.ours_ns), r.unit),
                cell(r.floor_ns, r.unit),
                r.ratio()
                    .map_or_else(|| "n/a".to_owned(), |x| format!("{x:.2}x")),
                r.goal
                    .map_or_else(|| "-".to_owned(), |g| format!("<= {g}x")),
                r.verdict().as_str().to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &[String]| {
        out.push('|');
        for (i, (c, w)) in row.iter().zip(widths).enumerate() {
            let pad = w - c.chars().count();
            // Numbers right-aligned, text left-aligned.
            if i == 0 || i == 5 {
                let _ = write!(out, " {c}{} |", " ".repeat(pad));
            } else {
                let _ = write!(out, " {}{c} |", " ".repeat(pad));
            }
        }
        out.push('\n');
    };
    line(&mut out, &header.map(str::to_owned));
    out.push('|');
    for (i, w) in widths.iter().enumerate() {
        let dashes = "-".repeat(*w);
        if i == 0 || i == 5 {
            let _ = write!(out, " {dashes} |");
        } else {
            let _ = write!(out, " {}: |", &dashes[1..]);
        }
    }
    out.push('\n');
    for row in &cells {
        line(&mut out, row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ours: f64, floor: Option<f64>, goal: Option<f64>) -> Row {
        Row {
            figure: "x".to_owned(),
            ours_ns: ours,
            floor_ns: floor,
            goal,
            unit: Unit::PerOp,
        }
    }

    #[test]
    fn verdicts() {
        assert_eq!(row(200.0, Some(100.0), Some(2.0)).verdict(), Verdict::Pass);
        assert_eq!(row(201.0, Some(100.0), Some(2.0)).verdict(), Verdict::Fail);
        assert_eq!(row(201.0, Some(100.0), None).verdict(), Verdict::Info);
        assert_eq!(row(201.0, None, Some(1.7)).verdict(), Verdict::Skip);
        assert_eq!(row(1.0, Some(0.0), Some(1.7)).verdict(), Verdict::Skip);
    }

    #[test]
    fn times_and_rates_read_well() {
        assert_eq!(format_time(456.0), "456 ns");
        assert_eq!(format_time(1234.0), "1.23 µs");
        assert_eq!(format_time(45_600.0), "45.6 µs");
        assert_eq!(format_time(720_000.0), "720 µs");
        assert_eq!(format_time(1_500_000.0), "1.50 ms");
        assert_eq!(format_rate(36_000.0), "27.8k/s");
        assert_eq!(format_rate(720_000.0), "1389/s");
        assert_eq!(format_bytes(512.0), "512 B");
        assert_eq!(format_bytes(49_152.0), "48.0 KiB");
        assert_eq!(format_bytes(3_407_872.0), "3.25 MiB");
        assert_eq!(format_instructions(118_249.0), "118.2k instr");
        assert_eq!(format_instructions(950.4), "950 instr");
    }

    #[test]
    fn table_has_a_header_a_rule_and_aligned_rows() {
        let rows = [
            row(250.0, Some(100.0), Some(2.0)),
            Row {
                figure: "longer figure name".to_owned(),
                ..row(50_000.0, Some(40_000.0), Some(1.15))
            },
        ];
        let text = render(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("| figure"));
        assert!(lines[1].contains("---"));
        assert!(lines[2].contains("2.50x") && lines[2].contains("FAIL"));
        assert!(lines[3].contains("1.25x") && lines[3].contains("<= 1.15x"));
        let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{text}");
    }
}
