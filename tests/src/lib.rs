#![doc = include_str!("../README.md")]

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use folio_postgres::testing::TestDatabase;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

mod cluster;
pub use cluster::PrivateCluster;

/// The `folio` binary under test: `FOLIO_BIN`, or the one Cargo built next to
/// this test executable (`cargo test --workspace` builds it).
pub fn folio_binary() -> PathBuf {
    if let Ok(path) = std::env::var("FOLIO_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test executable has a path");
    // target/<profile>/deps/<test> -> target/<profile>/folio
    let binary = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join(format!("folio{}", std::env::consts::EXE_SUFFIX)))
        .expect("the test executable lives in target/<profile>/deps");
    assert!(
        binary.exists(),
        "{} does not exist: run the tests with `cargo test --workspace`, or build it with \
         `cargo build -p folio-server` first",
        binary.display()
    );
    binary
}

/// A running `folio` with its own database, stopped when dropped.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The database the server uses.
    pub database: TestDatabase,
    /// The folder the server's file mailer writes to, its own.
    pub mail_dir: MailDir,
    client: Client,
    _server: Child,
}

/// Starts `folio serve` against a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts `folio serve` against a fresh database with extra environment
/// (settings such as `FOLIO__RATE_LIMIT__AUTH_MAX`).
pub async fn spawn_app_with(env: &[(&str, &str)]) -> TestApp {
    let database = TestDatabase::create().await;
    let url = database.url().expose_secret().to_owned();
    let mail_dir = MailDir::new();
    let mut all = vec![("FOLIO__DATABASE__URL", url.as_str()), ("FOLIO__MAIL__FILE_DIR", mail_dir.as_str())];
    all.extend_from_slice(env);
    let (server, address) = start_server(&all).await;
    TestApp { address, database, mail_dir, client: Client::new(), _server: server }
}

/// A fresh folder under the system's temporary directory for a server's
/// `.eml` files, removed when dropped.
#[derive(Debug)]
pub struct MailDir(PathBuf);

impl MailDir {
    /// A new, not yet created, folder name.
    pub fn new() -> Self {
        Self(std::env::temp_dir().join(format!("folio-test-mail-{}", uuid::Uuid::now_v7().simple())))
    }

    /// The folder.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    /// The folder, for an environment variable.
    pub fn as_str(&self) -> &str {
        self.0.to_str().expect("the temporary directory's path is UTF-8")
    }
}

impl Default for MailDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for MailDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `folio` command with the test environment, for CLI tests.
pub fn folio_command(database: &TestDatabase) -> Command {
    let mut command = Command::new(folio_binary());
    command
        .env("FOLIO_ENV", "test")
        .env("FOLIO__DATABASE__URL", database.url().expose_secret())
        .env_remove("FOLIO_ADMIN_PASSWORD")
        .kill_on_drop(true);
    command
}

/// Starts the binary with extra environment and waits for its "listening on" line.
pub async fn start_server(env: &[(&str, &str)]) -> (Child, String) {
    let server = ServerProcess::start(env).await;
    (server.child, server.address)
}

/// A running `folio serve` and the log lines it has printed; killed when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    log_reader: Option<JoinHandle<()>>,
}

impl ServerProcess {
    /// Starts `folio serve` with the test environment plus `env` (later
    /// entries win) on a free port, and waits until it listens.
    pub async fn start(env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(folio_binary());
        command
            .env("FOLIO_ENV", "test")
            .env("FOLIO__SERVER__PORT", "0")
            .env("FOLIO__SERVER__WORKERS", "1")
            .env("RUST_LOG", "info")
            // Servers started without a folder of their own share one outside
            // the source tree.
            .env("FOLIO__MAIL__FILE_DIR", std::env::temp_dir().join("folio-test-mail"))
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("the folio binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let log = Arc::new(Mutex::new(Vec::new()));
        let address = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.expect("stdout is readable") {
                let address = line.split("listening on ").nth(1).map(|rest| {
                    let end = rest.find(|c: char| c == '"' || c.is_whitespace()).unwrap_or(rest.len());
                    rest[..end].to_owned()
                });
                log.lock().expect("the log lock is not poisoned").push(line);
                if let Some(address) = address {
                    return address;
                }
            }
            let log = log.lock().expect("the log lock is not poisoned").join("\n");
            panic!("folio exited before listening; its error is above, its log:\n{log}")
        })
        .await
        .expect("folio starts listening within a minute");
        // Keep reading the log so the server never blocks on a full pipe.
        let reader_log = Arc::clone(&log);
        let log_reader = tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                reader_log.lock().expect("the log lock is not poisoned").push(line);
            }
        });
        Self { address, child, log, log_reader: Some(log_reader) }
    }

    /// `127.0.0.1:<port>`, for raw connections.
    pub fn socket_address(&self) -> &str {
        self.address.trim_start_matches("http://")
    }

    /// Sends the signal named `signal` (`TERM`, `INT`) with `kill(1)`.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("the server has not been reaped");
        let status =
            std::process::Command::new("kill").args(["-s", signal, &pid.to_string()]).status().expect("kill(1) runs");
        assert!(status.success(), "kill -s {signal} {pid} failed");
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("the process can be polled").is_none()
    }

    /// Waits for the process to exit and for its last log lines; panics with
    /// the log if it has not exited within `limit`.
    pub async fn wait_for_exit(&mut self, limit: Duration) -> ExitStatus {
        let Ok(status) = tokio::time::timeout(limit, self.child.wait()).await else {
            panic!("folio did not exit within {limit:?}; its log:\n{}", self.log().join("\n"))
        };
        if let Some(reader) = self.log_reader.take() {
            // The pipe closes with the process; the reader then ends.
            let _ = tokio::time::timeout(Duration::from_secs(5), reader).await;
        }
        status.expect("the exit status can be read")
    }

    /// The lines printed so far (JSON in the test environment).
    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("the log lock is not poisoned").clone()
    }

    /// Whether a printed line contains `text`.
    pub fn logged(&self, text: &str) -> bool {
        self.log.lock().expect("the log lock is not poisoned").iter().any(|line| line.contains(text))
    }
}

/// Waits until connecting to `socket_address` is refused, which it must be
/// within `limit`; returns how long that took.
pub async fn wait_until_refused(socket_address: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let left = limit.saturating_sub(started.elapsed());
        // A listener that no one accepts from leaves connections pending
        // once its backlog is full: that is not refusing either.
        let Ok(connected) = tokio::time::timeout(left, TcpStream::connect(socket_address)).await else {
            panic!("{socket_address} still takes connections after {limit:?}")
        };
        match connected {
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => return started.elapsed(),
            // The listener closed while this connection waited in its
            // backlog: the next attempt tells whether it is gone.
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {
                assert!(started.elapsed() < limit, "{socket_address} still resets connections after {limit:?}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(error) => panic!("connecting to {socket_address} failed otherwise than refused: {error}"),
            Ok(_accepted) => {
                assert!(started.elapsed() < limit, "{socket_address} still accepts connections after {limit:?}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// An HTTP/1.1 request written by hand on a connection of its own, so that
/// a test decides when its body arrives: begun, the request is in the
/// server's hands (in flight) and waits for its body.
#[derive(Debug)]
pub struct HeldRequest {
    stream: TcpStream,
    body: Vec<u8>,
}

/// How long a [`HeldRequest`] waits for the server before failing the test.
const RAW_IO_LIMIT: Duration = Duration::from_secs(60);

impl HeldRequest {
    /// Connects to `socket_address` and sends the head of a JSON request with
    /// `Expect: 100-continue`; returns once the server has answered
    /// `100 Continue`, that is once a worker has taken the request.
    pub async fn begin(socket_address: &str, method: &str, path: &str, body: &Value) -> Self {
        let body = serde_json::to_vec(body).expect("the body serialises");
        let mut stream = TcpStream::connect(socket_address).await.expect("the server accepts the connection");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {socket_address}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("the request head is sent");
        let mut received = Vec::new();
        let mut buffer = [0_u8; 1024];
        while !received.windows(4).any(|window| window == b"\r\n\r\n") {
            let read = tokio::time::timeout(RAW_IO_LIMIT, stream.read(&mut buffer))
                .await
                .expect("the server answers the request head")
                .expect("the connection is readable");
            assert!(read > 0, "the connection closed before 100 Continue: {}", String::from_utf8_lossy(&received));
            received.extend_from_slice(&buffer[..read]);
        }
        assert!(
            received.starts_with(b"HTTP/1.1 100 "),
            "expected 100 Continue, got: {}",
            String::from_utf8_lossy(&received)
        );
        Self { stream, body }
    }

    /// Sends the body and reads the whole response.
    pub async fn finish(mut self) -> Reply {
        self.stream.write_all(&self.body).await.expect("the body is sent");
        let received = self.read_to_end().await.expect("the response is readable");
        parse_response(&received)
    }

    /// Reads what the server sends, without sending the body, until the
    /// connection ends: empty when it ends without a response, `Err` when
    /// it is reset.
    pub async fn abandon(mut self) -> std::io::Result<Vec<u8>> {
        self.read_to_end().await
    }

    async fn read_to_end(&mut self) -> std::io::Result<Vec<u8>> {
        let mut received = Vec::new();
        tokio::time::timeout(RAW_IO_LIMIT, self.stream.read_to_end(&mut received))
            .await
            .expect("the server answers and closes the connection")?;
        Ok(received)
    }
}

/// Parses an HTTP/1.1 response read to the end of its connection.
fn parse_response(bytes: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(bytes);
    let end = text.find("\r\n\r\n").unwrap_or_else(|| panic!("no complete response head in: {text:?}"));
    let mut head = text[..end].split("\r\n");
    let status_line = head.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or_else(|| panic!("not an HTTP status line: {status_line:?}"));
    let mut headers = reqwest::header::HeaderMap::new();
    for line in head {
        let (name, value) = line.split_once(':').unwrap_or_else(|| panic!("not a header line: {line:?}"));
        headers.append(
            reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()).expect("a header name"),
            reqwest::header::HeaderValue::from_str(value.trim()).expect("a header value"),
        );
    }
    let mut body = bytes[end + 4..].to_vec();
    let chunked = headers
        .get(reqwest::header::TRANSFER_ENCODING)
        .is_some_and(|value| value.to_str().unwrap_or_default().eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("{status}: body is not JSON: {}", String::from_utf8_lossy(&body)))
    };
    Reply { status, headers, body }
}

/// Decodes a chunked body.
fn dechunk(mut bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = bytes.windows(2).position(|w| w == b"\r\n").expect("a chunk size line");
        let size = String::from_utf8_lossy(&bytes[..line_end]);
        let size = usize::from_str_radix(size.split(';').next().unwrap_or_default().trim(), 16).expect("a chunk size");
        if size == 0 {
            return body;
        }
        let start = line_end + 2;
        body.extend_from_slice(&bytes[start..start + size]);
        bytes = &bytes[start + size + 2..];
    }
}

/// A response with its status and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON, or `Null` when empty.
    pub body: Value,
}

impl Reply {
    async fn from(response: Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("the body is readable");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("{status}: body is not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        Self { status, headers, body }
    }

    /// The error code of an error envelope.
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
}

impl TestApp {
    /// A request to `path` (under the server's address).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address))
    }

    /// Sends a request, optionally authenticated and with a JSON body.
    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut request = self.request(method, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::from(request.send().await.expect("the server answers")).await
    }

    /// Registers `username` with `<username>@example.com` and a fixed password;
    /// returns the `data` of the answer.
    pub async fn register(&self, username: &str) -> Value {
        let reply = self
            .send(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(json!({
                    "email": format!("{username}@example.com"),
                    "username": username,
                    "password": PASSWORD,
                })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "register {username}: {}", reply.body);
        reply.body["data"].clone()
    }

    /// Logs in; returns the whole reply.
    pub async fn log_in(&self, email: &str, password: &str) -> Reply {
        self.send(Method::POST, "/api/v1/auth/login", None, Some(json!({"email": email, "password": password}))).await
    }
}

/// The password [`TestApp::register`] uses.
pub const PASSWORD: &str = "correct horse battery staple";

/// The access token in a sign-in answer's `data`.
pub fn access_token(data: &Value) -> String {
    data["accessToken"].as_str().expect("an access token").to_owned()
}

/// The refresh token in a sign-in answer's `data`.
pub fn refresh_token(data: &Value) -> String {
    data["refreshToken"].as_str().expect("a refresh token").to_owned()
}

/// Creates an admin with `folio create-admin` (password from the
/// environment) and logs them in; returns the log-in's `data`.
pub async fn sign_in_admin(app: &TestApp, username: &str) -> Value {
    let email = format!("{username}@example.com");
    let output = folio_command(&app.database)
        .args(["create-admin", "--email", &email, "--username", username])
        .env("FOLIO_ADMIN_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("folio create-admin runs");
    assert!(output.status.success(), "create-admin failed: {}", String::from_utf8_lossy(&output.stderr));
    let reply = app.log_in(&email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "the admin logs in: {}", reply.body);
    reply.body["data"].clone()
}

/// Polls `check` every 100 ms until it returns `Some`, or panics naming
/// `what` after `limit`: for effects of background jobs, never a fixed sleep.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
