//! A PostgreSQL cluster that a test owns, to stop and start under a running
//! server. It never touches the shared server on 127.0.0.1:5432: it has its
//! own data directory, port and socket directory.

use std::hash::{BuildHasher as _, RandomState};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::Command;

/// Ports tried for the cluster: below Linux's ephemeral range (32768 and
/// up), so that no outgoing connection or port-0 listener takes the port
/// while the cluster is stopped.
const PORTS: std::ops::Range<u16> = 20_000..30_000;

/// A cluster created with `initdb` in a temporary directory and started on a
/// free port, trusting local connections as `postgres`. Stopped and deleted
/// when dropped, also when the test panics.
///
/// The server binaries are found in `FOLIO_TEST_PG_BIN`, else in the newest
/// `/usr/lib/postgresql/<major>/bin` (Debian, Ubuntu), else on `PATH`. As
/// root, which `initdb` refuses, they run as the `postgres` user through
/// `runuser`.
#[derive(Debug)]
pub struct PrivateCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PrivateCluster {
    /// Creates the cluster and starts it.
    pub async fn start() -> Self {
        let bin = server_binaries();
        let dir = std::env::temp_dir().join(format!("folio-pg-{}-{:016x}", std::process::id(), random()));
        std::fs::create_dir(&dir).unwrap_or_else(|error| panic!("cannot create {}: {error}", dir.display()));
        let as_postgres = owned_by_root(&dir);
        let mut cluster = Self { bin, dir, port: 0, as_postgres };
        if as_postgres {
            let (uid, gid) = postgres_user_ids().await;
            std::os::unix::fs::chown(&cluster.dir, Some(uid), Some(gid))
                .unwrap_or_else(|error| panic!("cannot give {} to postgres: {error}", cluster.dir.display()));
        }
        cluster
            .run(
                "initdb",
                &[
                    "-D",
                    &cluster.data().to_string_lossy(),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ],
            )
            .await;
        cluster.port = free_port();
        let settings = format!(
            "\n# folio-tests: a private cluster\nport = {}\nlisten_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\nfsync = off\nmax_connections = 40\nshared_buffers = 16MB\n",
            cluster.port,
            cluster.dir.display(),
        );
        let config = cluster.data().join("postgresql.conf");
        let mut contents = std::fs::read_to_string(&config).expect("initdb wrote postgresql.conf");
        contents.push_str(&settings);
        std::fs::write(&config, contents).expect("postgresql.conf is writable");
        cluster.resume().await;
        cluster
    }

    /// The URL of `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Stops the server at once, as a crash would: every connection drops.
    pub async fn stop(&self) {
        let data = self.data().to_string_lossy().into_owned();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]).await;
    }

    /// Starts the (stopped) server again and waits until it accepts connections.
    pub async fn resume(&self) {
        let data = self.data().to_string_lossy().into_owned();
        let log = self.dir.join("postgres.log").to_string_lossy().into_owned();
        self.run("pg_ctl", &["-D", &data, "-l", &log, "-w", "-t", "60", "start"]).await;
    }

    /// Freezes the server (SIGSTOP to it and its backends), as a hung host
    /// would be: connections open at the TCP level but nothing answers.
    pub fn freeze(&self) {
        self.signal_processes("STOP");
    }

    /// Lets a frozen server run again.
    pub fn thaw(&self) {
        self.signal_processes("CONT");
    }

    /// Sends `signal` to the postmaster and its children, by process id.
    fn signal_processes(&self, signal: &str) {
        let pids = self.processes();
        assert!(!pids.is_empty(), "the cluster is not running");
        let status = std::process::Command::new("kill")
            .args(["-s", signal])
            .args(pids.iter().map(u32::to_string))
            .status()
            .expect("kill(1) runs");
        assert!(status.success(), "kill -s {signal} {pids:?} failed");
    }

    /// The postmaster's id (from its pid file) and its children's (from /proc).
    fn processes(&self) -> Vec<u32> {
        let Some(postmaster) = std::fs::read_to_string(self.data().join("postmaster.pid"))
            .ok()
            .and_then(|file| file.lines().next().and_then(|line| line.trim().parse::<u32>().ok()))
        else {
            return Vec::new();
        };
        let mut pids = vec![postmaster];
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else {
                continue;
            };
            // /proc/<pid>/stat: "pid (comm) state ppid ...", and comm may hold spaces.
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let parent = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1));
            if parent.and_then(|ppid| ppid.parse::<u32>().ok()) == Some(postmaster) {
                pids.push(pid);
            }
        }
        pids
    }

    /// The server's own log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, program: &str) -> std::process::Command {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = std::process::Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            std::process::Command::new(program)
        };
        // The postgres user may not be allowed into the caller's directory.
        command.current_dir(&self.dir).stdin(Stdio::null());
        command
    }

    async fn run(&self, program: &str, args: &[&str]) {
        let mut command = Command::from(self.command(program));
        command.args(args);
        // pg_ctl hands the server's output to the log file, so these pipes
        // close when pg_ctl itself exits.
        let output = command.output().await.unwrap_or_else(|error| panic!("cannot run {program}: {error}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed ({}):\n{}{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            self.log(),
        );
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        // A frozen server would not act on pg_ctl's signal.
        let pids = self.processes();
        if !pids.is_empty() {
            let _ = std::process::Command::new("kill")
                .args(["-s", "CONT"])
                .args(pids.iter().map(u32::to_string))
                .stderr(Stdio::null())
                .status();
        }
        // Blocking is fine here: pg_ctl returns as soon as the server is gone.
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn random() -> u64 {
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Whether `path`, just created by this process, belongs to root: then this
/// process runs as root.
fn owned_by_root(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(path).expect("the directory exists").uid() == 0
}

async fn postgres_user_ids() -> (u32, u32) {
    let id = |flag: &'static str| async move {
        let output = Command::new("id").args([flag, "postgres"]).output().await.expect("id(1) runs");
        assert!(output.status.success(), "running as root, the tests need a postgres user to run PostgreSQL as");
        String::from_utf8_lossy(&output.stdout).trim().parse::<u32>().expect("id prints a number")
    };
    (id("-u").await, id("-g").await)
}

fn server_binaries() -> PathBuf {
    if let Some(dir) = std::env::var_os("FOLIO_TEST_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((major, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).find(|dir| dir.join("initdb").is_file()))
        .expect(
            "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on PATH: \
             install the PostgreSQL server or set FOLIO_TEST_PG_BIN to their directory",
        )
}

fn free_port() -> u16 {
    let span = u64::from(PORTS.end - PORTS.start);
    for _ in 0..100 {
        let port = PORTS.start + u16::try_from(random() % span).expect("within the range");
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {PORTS:?}")
}
