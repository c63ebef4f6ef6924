//! The real servers some tests need: Postgres and Redis must answer before the tests run, or
//! the run fails here with how to start them (never a silent skip further down).

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// `host:port` of a `scheme://[user[:password]@]host[:port][/...]` URL, with `default_port`.
fn address(url: &str, default_port: u16) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.is_empty() {
        return None;
    }
    Some(if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:{default_port}")
    })
}

fn answers(addr: &str) -> bool {
    let Ok(addrs) = addr.to_socket_addrs() else {
        return false;
    };
    let addrs: Vec<SocketAddr> = addrs.collect();
    addrs
        .iter()
        .any(|a| TcpStream::connect_timeout(a, Duration::from_secs(3)).is_ok())
}

/// Checks Postgres (`DATABASE_URL`) and Redis (`REDIS_URL`); prints what is wrong.
pub(crate) fn check() -> bool {
    let services = [
        (
            "Postgres",
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/postgres",
            5432,
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
        ),
        (
            "Redis",
            "REDIS_URL",
            "redis://127.0.0.1:6379",
            6379,
            "redis-server --daemonize yes --bind 127.0.0.1 --save \"\"",
        ),
    ];
    let mut ok = true;
    for (name, var, default, port, start) in services {
        let url = std::env::var(var).unwrap_or_else(|_| default.to_owned());
        let Some(addr) = address(&url, port) else {
            println!("xtask: {var} is not a URL with a host");
            ok = false;
            continue;
        };
        if answers(&addr) {
            println!("xtask: {name} answers at {addr}");
        } else {
            println!(
                "xtask: {name} does not answer at {addr} ({var}, default {default}). The store, \
                 gateway and reconciler tests need it. Start it: {start}"
            );
            ok = false;
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::address;

    #[test]
    fn addresses_of_service_urls() {
        assert_eq!(
            address("postgres://postgres@127.0.0.1:5432/postgres", 5432).as_deref(),
            Some("127.0.0.1:5432")
        );
        assert_eq!(
            address("postgres://u:p@db/x?sslmode=disable", 5432).as_deref(),
            Some("db:5432")
        );
        assert_eq!(
            address("redis://127.0.0.1:6379", 6379).as_deref(),
            Some("127.0.0.1:6379")
        );
        assert_eq!(address("nonsense", 1), None);
    }
}
