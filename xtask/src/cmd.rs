//! Running cargo and friends: echo the command, inherit the terminal, time it.

use std::ffi::OsStr;
use std::process::{Command, Stdio};
use std::time::Instant;

/// `cargo` as this xtask was started with (`$CARGO`), else from `PATH`.
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// A printable form of a command with its non-inherited environment.
pub(crate) fn render(cmd: &Command) -> String {
    let mut out = String::new();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            out.push_str(&format!("{}={} ", k.to_string_lossy(), v.to_string_lossy()));
        }
    }
    let program = cmd.get_program().to_string_lossy();
    let program = if program.ends_with("cargo") {
        "cargo".into()
    } else {
        program
    };
    out.push_str(&program);
    for a in cmd.get_args() {
        out.push(' ');
        out.push_str(&a.to_string_lossy());
    }
    out
}

/// Runs `cmd` with the terminal inherited; `true` when it exits 0. A command that cannot start
/// counts as failed, with the reason printed.
pub(crate) fn run(cmd: &mut Command) -> bool {
    println!("$ {}", render(cmd));
    match cmd.status() {
        Ok(status) => status.success(),
        Err(e) => {
            println!("xtask: cannot run `{}`: {e}", render(cmd));
            false
        }
    }
}

/// Runs `cmd` and returns its stdout when it exits 0; on failure, stderr is passed through and
/// the error names the command.
pub(crate) fn output(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", render(cmd)))?;
    if !out.status.success() {
        return Err(format!("`{}` failed ({})", render(cmd), out.status));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("`{}` printed non-UTF-8", render(cmd)))
}

/// Builds a cargo command from arguments.
pub(crate) fn cargo_with<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = cargo();
    c.args(args);
    c
}

/// One step's outcome for the summary table.
#[derive(Debug)]
pub(crate) struct Step {
    pub(crate) name: String,
    pub(crate) ok: bool,
    pub(crate) secs: f64,
}

/// Runs `f`, timing it, and records the outcome under `name`.
pub(crate) fn step(steps: &mut Vec<Step>, name: impl Into<String>, f: impl FnOnce() -> bool) {
    let name = name.into();
    println!("\n==> {name}");
    let start = Instant::now();
    let ok = f();
    let secs = start.elapsed().as_secs_f64();
    if !ok {
        println!("==> {name}: FAILED");
    }
    steps.push(Step { name, ok, secs });
}

/// Prints the summary table; `true` when every step passed.
pub(crate) fn summary(steps: &[Step]) -> bool {
    let width = steps.iter().map(|s| s.name.len()).max().unwrap_or(4).max(4);
    println!("\n{:<width$}  {:<6}  {:>7}", "step", "result", "seconds");
    println!("{}", "-".repeat(width + 17));
    for s in steps {
        let result = if s.ok { "ok" } else { "FAILED" };
        println!("{:<width$}  {:<6}  {:>7.1}", s.name, result, s.secs);
    }
    let failed = steps.iter().filter(|s| !s.ok).count();
    let total: f64 = steps.iter().map(|s| s.secs).sum();
    println!("{}", "-".repeat(width + 17));
    println!("{} steps, {failed} failed, {total:.0} s", steps.len());
    failed == 0
}
