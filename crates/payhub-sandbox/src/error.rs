//! The sandbox's error type.

use crate::config::ConfigError;

/// What can go wrong starting, driving or stopping a sandbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address tried.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Two modules have the same name.
    #[error("two provider modules are named `{0}`")]
    DuplicateModule(String),
    /// The HTTP server stopped with an error.
    #[error("sandbox server failed: {0}")]
    Server(#[source] std::io::Error),
    /// The server did not stop within the shutdown grace period.
    #[error("sandbox server did not stop within {0:?}")]
    ShutdownTimeout(std::time::Duration),
    /// Work due at the current sandbox time did not finish in time (a callback target that
    /// never answers, for example).
    #[error("sandbox did not settle within {0:?}")]
    NotSettled(std::time::Duration),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
