#![doc = include_str!("../README.md")]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use folio_postgres::testing::TestDatabase;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

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
    client: Client,
    _server: Child,
}

/// Starts `folio serve` against a fresh database.
pub async fn spawn_app() -> TestApp {
    let database = TestDatabase::create().await;
    let url = database.url().expose_secret().to_owned();
    let (server, address) = start_server(&[("FOLIO__DATABASE__URL", url.as_str())]).await;
    TestApp { address, database, client: Client::new(), _server: server }
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
    let mut command = Command::new(folio_binary());
    command
        .env("FOLIO_ENV", "test")
        .env("FOLIO__SERVER__PORT", "0")
        .env("FOLIO__SERVER__WORKERS", "1")
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("the folio binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let address = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("stdout is readable") {
            if let Some(rest) = line.split("listening on ").nth(1) {
                let end = rest.find(|c: char| c == '"' || c.is_whitespace()).unwrap_or(rest.len());
                return rest[..end].to_owned();
            }
        }
        panic!("folio exited before listening; its log is above")
    })
    .await
    .expect("folio starts listening within a minute");
    // Keep draining the log so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, address)
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
