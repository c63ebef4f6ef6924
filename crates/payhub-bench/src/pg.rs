//! Throw-away Postgres databases for the groups that measure a store on Postgres (`gateway`,
//! `reconcile`): one admin connection to `DATABASE_URL`, fresh databases named after the group
//! and this process, dropped at the end. A missing server is an error that says how to start
//! it, never a silent skip.

use sqlx::Connection as _;

use crate::Res;

/// `DATABASE_URL`, or the local server the README starts.
fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The URL of database `db` on the server of `DATABASE_URL`.
fn db_url(db: &str) -> String {
    let base = database_url();
    let head = base.rsplit_once('/').map_or(base.as_str(), |(h, _)| h);
    format!("{head}/{db}")
}

/// Fresh databases for one group, dropped by [`PgDatabases::drop_all`].
pub(crate) struct PgDatabases {
    admin: sqlx::PgConnection,
    group: &'static str,
    names: Vec<String>,
}

impl PgDatabases {
    /// Connects to the server for `group` (part of every database name).
    pub(crate) async fn connect(group: &'static str) -> Res<Self> {
        let admin = sqlx::PgConnection::connect(&database_url())
            .await
            .map_err(|e| {
                format!(
                    "Postgres at {}: {e} (start it: pg_ctlcluster --skip-systemctl-redirect \
                     $(ls /etc/postgresql) main start)",
                    database_url()
                )
            })?;
        Ok(Self {
            admin,
            group,
            names: Vec::new(),
        })
    }

    /// The URL of a new, empty database.
    pub(crate) async fn fresh(&mut self) -> Res<String> {
        let name = format!(
            "payhub_bench_{}_{}_{}",
            self.group,
            std::process::id(),
            self.names.len()
        );
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut self.admin)
            .await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut self.admin)
            .await?;
        let url = db_url(&name);
        self.names.push(name);
        Ok(url)
    }

    /// Drops the databases [`PgDatabases::fresh`] made.
    pub(crate) async fn drop_all(&mut self) -> Res<()> {
        for name in self.names.drain(..) {
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut self.admin)
                .await?;
        }
        Ok(())
    }
}
