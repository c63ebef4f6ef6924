//! Integration tests of payhub-store against real servers: SQLite in a temporary file, Postgres
//! at `DATABASE_URL` (a fresh database per test, dropped afterwards) and Redis at `REDIS_URL`
//! (a fresh key prefix per test). A missing server fails the test with how to start it.

mod common;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod debug;
#[cfg(feature = "redis")]
mod dedupe;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod forward;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod reconcile;
mod signature;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod store;
