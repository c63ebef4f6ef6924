//! Integration tests of the sandbox: the paydesk module end to end over raw HTTP, the frame
//! (control API, faults, custom modules, clock), the life cycle (shutdown, order retention) and
//! the binary and the module prefixes.

#![allow(clippy::unwrap_used)] // Test helpers panic on setup failures by design.

mod binary;
mod frame;
mod lifecycle;
mod paydesk;
mod paydesk_faults;
mod prefix;
mod support;
