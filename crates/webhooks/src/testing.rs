//! A local HTTP receiver for tests (feature `testing`): it records every
//! request it is sent and answers with the replies a test scripts.
//!
//! It speaks just enough HTTP/1.1 for webhook deliveries: one request per
//! connection, a `Content-Length` body, then the reply and close.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How long the receiver waits for a request's bytes before dropping it.
const READ_LIMIT: Duration = Duration::from_secs(30);

/// A request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// `POST`, ...
    pub method: String,
    /// The request target, e.g. `/hook?x=1`.
    pub path: String,
    /// Header names (lower-cased) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl ReceivedRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(key, _)| *key == name).map(|(_, value)| value.as_str())
    }
}

/// What the receiver answers to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How long to wait before answering.
    pub delay: Duration,
}

impl Reply {
    /// A reply with `status` and an empty body.
    pub fn status(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new(), delay: Duration::ZERO }
    }

    /// The same reply with a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The same reply with a body.
    #[must_use]
    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// The same reply, sent after `delay`.
    #[must_use]
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Debug)]
struct State {
    requests: Vec<ReceivedRequest>,
    script: VecDeque<Reply>,
    otherwise: Reply,
}

/// A receiver listening on `127.0.0.1` on a free port; stops when dropped.
#[derive(Debug)]
pub struct Receiver {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
    task: JoinHandle<()>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Receiver {
    /// A receiver that answers every request `200`.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start() -> Self {
        Self::scripted(Vec::new(), Reply::status(200)).await
    }

    /// A receiver that answers the first requests with `script`, in order,
    /// and every later one with `otherwise`.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn scripted(script: Vec<Reply>, otherwise: Reply) -> Self {
        Self::scripted_at(SocketAddr::from(([127, 0, 0, 1], 0)), script, otherwise).await
    }

    /// As [`Receiver::scripted`], listening on `address` (port 0 picks a free one).
    ///
    /// # Panics
    /// When `address` cannot be bound.
    pub async fn scripted_at(address: SocketAddr, script: Vec<Reply>, otherwise: Reply) -> Self {
        let listener =
            TcpListener::bind(address).await.unwrap_or_else(|error| panic!("cannot bind {address}: {error}"));
        let address = listener.local_addr().expect("a bound address");
        let state = Arc::new(Mutex::new(State { requests: Vec::new(), script: script.into(), otherwise }));
        let arrived = Arc::new(Notify::new());
        let task = tokio::spawn(accept(listener, Arc::clone(&state), Arc::clone(&arrived)));
        Self { address, state, arrived, task }
    }

    /// The socket address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://<address><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        lock(&self.state).requests.clone()
    }

    /// Waits until at least `count` requests have arrived, then returns all
    /// of them.
    ///
    /// # Panics
    /// When they have not arrived within `limit`.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<ReceivedRequest> {
        let deadline = Instant::now() + limit;
        loop {
            let notified = self.arrived.notified();
            let requests = self.requests();
            if requests.len() >= count {
                return requests;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if tokio::time::timeout(left, notified).await.is_err() {
                panic!("{count} request(s) expected within {limit:?}, {} arrived: {requests:#?}", requests.len());
            }
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, state: Arc<Mutex<State>>, arrived: Arc<Notify>) {
    while let Ok((stream, _)) = listener.accept().await {
        let state = Arc::clone(&state);
        let arrived = Arc::clone(&arrived);
        tokio::spawn(async move {
            let _ = serve(stream, &state, &arrived).await;
        });
    }
}

async fn serve(mut stream: TcpStream, state: &Mutex<State>, arrived: &Notify) -> std::io::Result<()> {
    let Ok(request) = tokio::time::timeout(READ_LIMIT, read_request(&mut stream)).await else {
        return Ok(());
    };
    let Some(request) = request? else {
        return Ok(());
    };
    let reply = {
        let mut state = lock(state);
        state.requests.push(request);
        let otherwise = state.otherwise.clone();
        state.script.pop_front().unwrap_or(otherwise)
    };
    arrived.notify_waiters();
    tokio::time::sleep(reply.delay).await;
    let mut head =
        format!("HTTP/1.1 {} Scripted\r\nContent-Length: {}\r\nConnection: close\r\n", reply.status, reply.body.len());
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&reply.body).await?;
    stream.shutdown().await
}

/// Reads one request; `None` when the connection closes before a whole one.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<ReceivedRequest>> {
    let mut received = Vec::new();
    let mut buffer = [0_u8; 4096];
    let head_end = loop {
        if let Some(end) = received.windows(4).position(|window| window == b"\r\n\r\n") {
            break end;
        }
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Ok(None);
        }
        received.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let path = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = received[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Ok(None);
        }
        body.extend_from_slice(&buffer[..read]);
    }
    body.truncate(length);
    Ok(Some(ReceivedRequest { method, path, headers, body }))
}
