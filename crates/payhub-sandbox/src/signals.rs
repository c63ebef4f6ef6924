//! [`Signals`]: SIGINT and SIGTERM caught before anything else starts, so a signal sent while a
//! sandbox is still starting stops it cleanly instead of being lost.

/// SIGINT (Ctrl-C) and SIGTERM, caught from the moment [`Signals::install`] runs: a signal
/// that arrives before [`recv`](Signals::recv) is awaited is kept, not lost. Both sandbox
/// binaries (`payhub-sandbox` and `payhub sandbox`) stop on it.
///
/// ```no_run
/// # #[tokio::main] async fn main() {
/// let mut signals = payhub_sandbox::Signals::install(); // first, before start-up work
/// // ... start the sandbox ...
/// let name = signals.recv().await;
/// eprintln!("{name}: stopping");
/// # }
/// ```
#[derive(Debug)]
pub struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(windows)]
    ctrl_c: Option<tokio::signal::windows::CtrlC>,
}

impl Signals {
    /// Installs the handlers now: call it first thing in `main`, before any start-up work,
    /// so a signal sent during start-up is caught (a background job of a script starts with
    /// SIGINT ignored until a handler is installed).
    pub fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(windows)]
        {
            Self {
                ctrl_c: tokio::signal::windows::ctrl_c().ok(),
            }
        }
    }

    /// Waits for the next signal; returns its name.
    pub async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
                if let Some(s) = s
                    && s.recv().await.is_some()
                {
                    return;
                }
                std::future::pending::<()>().await;
            }
            tokio::select! {
                () = next(&mut self.interrupt) => "SIGINT",
                () = next(&mut self.terminate) => "SIGTERM",
            }
        }
        #[cfg(windows)]
        {
            if let Some(c) = &mut self.ctrl_c
                && c.recv().await.is_some()
            {
                return "Ctrl-C";
            }
            std::future::pending().await
        }
    }
}
