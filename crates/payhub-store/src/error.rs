//! [`Error`]: the one error type of the crate. Its first question for a callback gateway is
//! "may I acknowledge the provider?", so connection failures are one variant,
//! [`Error::Unavailable`], which the caller answers with the provider's *retry* reply.
//!
//! No variant carries a connection URL (it may hold a password), a secret, or an event's
//! contents.

/// A boxed error source.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong in the store, the deduper or the forwarder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store could not be reached (connection refused, timed out, pool exhausted, database
    /// shutting down, SQLite busy or unopenable). Nothing was recorded: answer the provider's
    /// retry reply so it delivers the callback again.
    #[error("store unavailable during {operation}: {source}")]
    Unavailable {
        /// What the store was doing (`connect`, `record`, `claim_due`, ...).
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// The configuration cannot work: an unsupported URL scheme, an engine whose feature is not
    /// enabled, an out-of-range setting.
    #[error("configuration: {field}: {problem}")]
    Config {
        /// The setting concerned.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The schema migrations could not be applied.
    #[error("migrations failed: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// The database refused a statement for another reason than availability.
    #[error("database error during {operation}: {source}")]
    Database {
        /// What the store was doing.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A stored row could not be read back into an event (a column holds a value this version
    /// does not understand).
    #[error("cannot decode stored column {field}: {problem}")]
    Decode {
        /// The column.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// An argument cannot be accepted (a status that is not final given to a settle call).
    #[error("invalid {field}: {problem}")]
    Invalid {
        /// The argument.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// An event could not be encoded for storage or forwarding.
    #[error("cannot encode {field}: {problem}")]
    Encode {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether this error means "the store could not be reached": answer the provider's retry
    /// reply (`/readyz` should report not ready).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Error::Unavailable { .. })
    }

    // Used by the SQL engines and the reconciler; a `redis`-only build has neither.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn config(field: &'static str, problem: impl Into<String>) -> Self {
        Error::Config {
            field,
            problem: problem.into(),
        }
    }

    pub(crate) fn decode(field: &'static str, problem: impl Into<String>) -> Self {
        Error::Decode {
            field,
            problem: problem.into(),
        }
    }

    /// Sorts a driver error into [`Error::Unavailable`] (the caller should retry later) or
    /// [`Error::Database`].
    pub(crate) fn sql(operation: &'static str, source: sqlx::Error) -> Self {
        if is_unavailable(&source) {
            Error::Unavailable {
                operation,
                source: Box::new(source),
            }
        } else {
            Error::Database { operation, source }
        }
    }
}

fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or("");
            #[cfg(feature = "sqlite")]
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLite: BUSY (5), LOCKED (6), CANTOPEN (14), and their extended codes (the
                // low byte is the primary code).
                return code
                    .parse::<i32>()
                    .is_ok_and(|c| matches!(c & 0xff, 5 | 6 | 14));
            }
            // Postgres: class 08 (connection exception), 53 (insufficient resources),
            // 57P01..57P03 (admin shutdown, crash shutdown, cannot connect now), 40001/40P01
            // (serialization failure, deadlock: retry).
            code.starts_with("08")
                || code.starts_with("53")
                || code.starts_with("57P")
                || code == "40001"
                || code == "40P01"
        }
        _ => false,
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::Execute(source) => Error::sql("migrate", source),
            other => Error::Migrate(other),
        }
    }
}
