//! A private PostgreSQL cluster that a test may stop and start again: initdb
//! into a temporary directory, a free port on the loopback, trust
//! authentication. The machine's cluster (127.0.0.1:5432) is never touched.
//!
//! PostgreSQL refuses to run as root, so as root every command runs as the
//! `postgres` OS user (`runuser -u postgres`), which owns the directory.
//! Missing binaries or a missing `postgres` user fail the test with a message
//! saying so: this test is never skipped silently.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;

use allmine_postgres::PgConnectOptions;

/// Where Debian and Ubuntu keep each installed version's server binaries
/// (`<this>/<major>/bin`).
const VERSIONED_BIN_ROOT: &str = "/usr/lib/postgresql";

/// The binaries a private cluster needs.
const SERVER_TOOLS: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

/// A running (or stopped) private cluster; stopped and deleted on drop.
pub struct PrivateCluster {
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    socket_dir: PathBuf,
    port: u16,
    as_postgres: bool,
    // Deleted last, after the cluster is stopped.
    _dir: tempfile::TempDir,
}

impl PrivateCluster {
    /// Creates and starts a cluster. Blocking (about a second): call it from
    /// `spawn_blocking` in async code.
    pub fn start() -> Self {
        let bin = bin_dir();
        let as_postgres = is_root();
        if as_postgres {
            let user = Command::new("id")
                .args(["-u", "postgres"])
                .output()
                .expect("run `id`");
            assert!(
                user.status.success(),
                "the fault tests run as root and need the `postgres` OS user to run a private \
                 PostgreSQL cluster (PostgreSQL refuses to run as root): install PostgreSQL \
                 (apt-get install postgresql-15), which creates it"
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("allmine-faults-pg-")
            .tempdir()
            .expect("create a temporary directory for the private cluster");
        let data = dir.path().join("data");
        let log = dir.path().join("postgres.log");
        let socket_dir = dir.path().to_owned();
        if as_postgres {
            run_checked(
                Command::new("chown").arg("postgres:").arg(dir.path()),
                "chown the cluster directory to postgres",
            );
        }
        let mut cluster = Self {
            bin,
            data,
            log,
            socket_dir,
            port: 0,
            as_postgres,
            _dir: dir,
        };
        let initdb = cluster.bin.join("initdb");
        let data = cluster.data.clone();
        run_checked(
            cluster.command(&initdb).arg("-D").arg(&data).args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ]),
            "initdb",
        );
        // A port that is free now; another process could take it before
        // PostgreSQL binds it, so try a few.
        let mut last_error = String::new();
        for _ in 0..5 {
            cluster.port = free_port();
            match cluster.try_start() {
                Ok(()) => return cluster,
                Err(error) => last_error = error,
            }
        }
        panic!("cannot start the private PostgreSQL cluster: {last_error}");
    }

    /// The port it listens on (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connection options for `database` on this cluster.
    pub fn options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::from_str(&format!(
            "postgres://postgres@127.0.0.1:{}/{database}",
            self.port
        ))
        .expect("a valid URL")
    }

    /// `pg_ctl stop -m fast`: sessions are terminated, the server exits.
    /// Blocking.
    pub fn stop(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        run_checked(
            self.command(&pg_ctl)
                .arg("-D")
                .arg(&self.data)
                .args(["-m", "fast", "-w", "-t", "30", "stop"]),
            "pg_ctl stop",
        );
    }

    /// Starts the stopped cluster again on the same port. Blocking.
    pub fn restart(&self) {
        if let Err(error) = self.try_start() {
            panic!("cannot start the private PostgreSQL cluster again: {error}");
        }
    }

    fn try_start(&self) -> Result<(), String> {
        let pg_ctl = self.bin.join("pg_ctl");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c shared_buffers=16MB -c max_connections=60",
            self.port,
            self.socket_dir.display()
        );
        let output = self
            .command(&pg_ctl)
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(&self.log)
            .args(["-w", "-t", "30", "-o", &options, "start"])
            .output()
            .map_err(|e| format!("cannot run pg_ctl: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{}\n{}",
                describe(&output),
                std::fs::read_to_string(&self.log).unwrap_or_default()
            ))
        }
    }

    fn command(&self, program: &Path) -> Command {
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl");
        // Already stopped is fine; the output is of no interest here.
        let _ = self
            .command(&pg_ctl)
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "-t", "30", "stop"])
            .output();
    }
}

/// The directory holding the server binaries of whichever PostgreSQL is
/// installed: `PG_BIN_DIR` if set, else `pg_config --bindir` if the server is
/// there (a client-only `pg_config` may point at a version with no server),
/// else the newest version under `/usr/lib/postgresql`.
fn bin_dir() -> PathBuf {
    let dir = match std::env::var_os("PG_BIN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => pg_config_bin_dir()
            .filter(|dir| has_server_tools(dir))
            .or_else(newest_versioned_bin_dir)
            .unwrap_or_else(|| PathBuf::from(VERSIONED_BIN_ROOT)),
    };
    for tool in SERVER_TOOLS {
        assert!(
            dir.join(tool).is_file(),
            "the fault tests need PostgreSQL's server binaries to run a private cluster, but \
             {} is missing: install PostgreSQL (apt-get install postgresql) or point \
             PG_BIN_DIR at the directory holding initdb, pg_ctl and postgres",
            dir.join(tool).display()
        );
    }
    dir
}

fn has_server_tools(dir: &Path) -> bool {
    SERVER_TOOLS.iter().all(|tool| dir.join(tool).is_file())
}

fn pg_config_bin_dir() -> Option<PathBuf> {
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    let dir = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !dir.trim().is_empty()).then(|| PathBuf::from(dir.trim()))
}

/// `/usr/lib/postgresql/<major>/bin` of the highest major version that has
/// the server binaries.
fn newest_versioned_bin_dir() -> Option<PathBuf> {
    std::fs::read_dir(VERSIONED_BIN_ROOT)
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let major: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            has_server_tools(&bin).then_some((major, bin))
        })
        .max_by_key(|(major, _)| *major)
        .map(|(_, bin)| bin)
}

fn is_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("run `id -u`");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind a free port")
        .port()
}

fn run_checked(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}",
        describe(&output)
    );
}

fn describe(output: &Output) -> String {
    format!(
        "{}; stdout: {}; stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout).trim(),
        String::from_utf8_lossy(&output.stderr).trim()
    )
}
