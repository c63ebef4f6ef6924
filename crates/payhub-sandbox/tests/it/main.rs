//! Integration tests of the sandbox: the paydesk module end to end over raw HTTP, the frame
//! (control API, faults, custom modules, clock), the life cycle (shutdown, order retention), the
//! binary, the module prefixes and the `/_sandbox/ui` pages.

#![allow(clippy::unwrap_used)] // Test helpers panic on setup failures by design.

mod binary;
mod frame;
mod lifecycle;
mod paydesk;
mod paydesk_faults;
mod prefix;
mod support;
mod ui;
