//! End-to-end tests of the `payhub` binary: a sandbox runs in-process on 127.0.0.1 and the built
//! binary is run against it (create + query on all five providers, an unknown outcome, the
//! config file and environment sources), plus `sign --explain` on the golden vectors,
//! `verify-notify` on vector callbacks (and tampered ones), one-line errors, `payhub sandbox`
//! itself (ephemeral port, `--write-config`, the control subcommands, clean exit on SIGINT), the
//! `RUST_LOG` tracing output, the developer loop (exit codes, `--json` errors, templates, the
//! README's lines), `listen` + `trigger` against a sandbox and a small app, and several
//! accounts per provider (`--merchant`, `verify-notify` finding the account), and `payhub serve`
//! with `events`, `orders` and `reconcile` on SQLite and on Postgres + Redis.

#[path = "cli/accounts.rs"]
mod accounts;
#[path = "cli/dev_loop.rs"]
mod dev_loop;
#[path = "cli/errors.rs"]
mod errors;
#[path = "cli/listen.rs"]
mod listen;
#[path = "cli/notify.rs"]
mod notify;
#[path = "cli/orders.rs"]
mod orders;
#[path = "cli/rust_log.rs"]
mod rust_log;
#[path = "cli/sandbox.rs"]
mod sandbox;
#[path = "cli/serve.rs"]
mod serve;
#[path = "cli/sign.rs"]
mod sign;
#[path = "cli/support.rs"]
mod support;
