//! Helpers: run the built binary in a clean directory and environment, start a sandbox, read
//! the golden vectors.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use payhub_sandbox::{Sandbox, SandboxHandle};
use serde_json::Value;

/// What a run of the binary produced.
#[derive(Debug)]
pub(crate) struct Out {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Out {
    #[track_caller]
    pub(crate) fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// The value of a `key: value` line.
    #[track_caller]
    pub(crate) fn field(&self, key: &str) -> String {
        let prefix = format!("{key}: ");
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no `{key}` in:\n{}", self.stdout))
            .to_owned()
    }

    /// Asserts a failure with `code` and exactly one line on stderr, which is returned.
    #[track_caller]
    pub(crate) fn failed(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert_eq!(self.stderr.lines().count(), 1, "stderr:\n{}", self.stderr);
        assert!(self.stderr.starts_with("error: "), "{}", self.stderr);
        self.stderr.trim_end()
    }
}

/// A fresh, empty working directory (so no stray `payhub.toml` is read).
pub(crate) fn workdir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "payhub-cli-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs the binary in `dir` with a clean environment plus `env`, feeding `stdin`.
pub(crate) fn run_blocking(
    dir: &Path,
    args: &[String],
    env: &[(String, String)],
    stdin: &[u8],
) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_payhub"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("payhub runs");
    {
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(stdin).expect("stdin written");
    }
    let out = child.wait_with_output().expect("payhub exits");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// [`run_blocking`] off the async runtime, so the in-process sandbox keeps serving.
pub(crate) async fn run(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Out {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let stdin = stdin.to_vec();
    tokio::task::spawn_blocking(move || run_blocking(&dir, &args, &env, &stdin))
        .await
        .expect("runner")
}

pub(crate) async fn sandbox() -> SandboxHandle {
    Sandbox::builder().start().await.expect("sandbox starts")
}

/// A credential the sandbox module accepts, by its label.
pub(crate) fn cred(sb: &SandboxHandle, module: &str, label: &str) -> String {
    sb.credentials(module)
        .iter()
        .find(|c| c.label() == label)
        .map(|c| c.value().to_owned())
        .unwrap_or_else(|| panic!("{module} has no credential `{label}`"))
}

pub(crate) fn vectors(provider: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/vectors")
        .join(format!("{provider}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).expect("JSON")
}

pub(crate) fn case(provider: &str, name: &str) -> Value {
    vectors(provider)["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no vector {provider}/{name}"))
}

pub(crate) fn text(v: &Value) -> &str {
    v.as_str().expect("a string")
}

/// The vector's signed string with the secret replaced by `***`, as `--explain` prints it.
pub(crate) fn masked(signed_string: &str, secret: &str) -> String {
    match signed_string.strip_suffix(secret) {
        Some(head) => format!("{head}***"),
        None => format!("{signed_string}***"),
    }
}

/// Reads the lines of a child's stdout or stderr on a thread, so the test can wait with a
/// timeout.
pub(crate) fn line_reader(
    stdout: impl std::io::Read + Send + 'static,
) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}
