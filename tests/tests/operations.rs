//! Operating the binary: graceful shutdown on SIGTERM and SIGINT, and riding
//! out a database outage.

use std::time::{Duration, Instant};

use folio_postgres::testing::TestDatabase;
use folio_tests::{HeldRequest, PASSWORD, PrivateCluster, Reply, ServerProcess, wait_until_refused};
use reqwest::{Client, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

/// Starts folio on `database` with `extra` settings.
async fn start(database: &TestDatabase, extra: &[(&str, &str)]) -> ServerProcess {
    let url = database.url().expose_secret().to_owned();
    let mut env = vec![("FOLIO__DATABASE__URL", url.as_str())];
    env.extend_from_slice(extra);
    ServerProcess::start(&env).await
}

/// Sends a request; the body is `Null` unless JSON.
async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("the body is readable");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status, headers, body }
}

async fn register(client: &Client, address: &str, username: &str) {
    let reply = send(client.post(format!("{address}/api/v1/auth/register")).json(&json!({
        "email": format!("{username}@example.com"),
        "username": username,
        "password": PASSWORD,
    })))
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "register {username}: {}", reply.body);
}

fn login_body(username: &str) -> Value {
    json!({"email": format!("{username}@example.com"), "password": PASSWORD})
}

/// SIGTERM or SIGINT while logins are in flight: the listener closes at once,
/// the logins still complete, then folio closes its pool and exits 0.
async fn in_flight_requests_complete_after(signal: &str) {
    let database = TestDatabase::create().await;
    // Production's bcrypt cost: each login hashes for about a second in a
    // debug build, so these are genuinely slow requests.
    let mut server =
        start(&database, &[("FOLIO__AUTH__BCRYPT_COST", "12"), ("FOLIO__SERVER__SHUTDOWN_TIMEOUT_SECONDS", "60")])
            .await;
    let client = Client::new();
    register(&client, &server.address, "slow").await;

    // Three logins, each taken by the server (it answered 100 Continue) and
    // waiting for its body.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(HeldRequest::begin(server.socket_address(), "POST", "/api/v1/auth/login", &login_body("slow")).await);
    }

    server.signal(signal);
    wait_until_refused(server.socket_address(), Duration::from_secs(5)).await;
    assert!(server.is_running(), "folio waits for its in-flight requests; its log:\n{}", server.log().join("\n"));

    // The bodies arrive only after the signal; each login then hashes.
    let finishing: Vec<_> = held.into_iter().map(|request| tokio::spawn(request.finish())).collect();
    for reply in finishing {
        let reply = reply.await.expect("the request task ends");
        assert_eq!(reply.status, StatusCode::OK, "an in-flight login completes: {}", reply.body);
        assert!(reply.body["data"]["accessToken"].is_string(), "{}", reply.body);
    }

    let answered = Instant::now();
    let status = server.wait_for_exit(Duration::from_secs(10)).await;
    let log = server.log().join("\n");
    assert_eq!(status.code(), Some(0), "a graceful stop exits 0; log:\n{log}");
    assert!(answered.elapsed() < Duration::from_secs(5), "exits promptly once idle; log:\n{log}");
    assert!(server.logged("database pool closed"), "closes the pool; log:\n{log}");
}

#[tokio::test]
async fn sigterm_stops_accepting_and_lets_in_flight_requests_complete() {
    in_flight_requests_complete_after("TERM").await;
}

#[tokio::test]
async fn sigint_is_as_graceful_as_sigterm() {
    in_flight_requests_complete_after("INT").await;
}

#[tokio::test]
async fn an_idle_server_stops_at_once_despite_open_keep_alive_connections() {
    let database = TestDatabase::create().await;
    let mut server = start(&database, &[("FOLIO__SERVER__SHUTDOWN_TIMEOUT_SECONDS", "60")]).await;
    // The client keeps its connection open, idle, after each answer.
    let client = Client::new();
    for path in ["/health", "/ready", "/api/v1/posts"] {
        let reply = send(client.get(format!("{}{path}", server.address))).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }

    server.signal("TERM");
    let signalled = Instant::now();
    let status = server.wait_for_exit(Duration::from_secs(30)).await;
    let took = signalled.elapsed();
    let log = server.log().join("\n");
    assert_eq!(status.code(), Some(0), "log:\n{log}");
    // Idle keep-alive connections are closed at once; waiting for them to
    // time out would take at least the 5 s keep-alive.
    assert!(took < Duration::from_secs(4), "an idle server takes {took:?} to stop; log:\n{log}");
}

#[tokio::test]
async fn the_grace_period_bounds_the_wait_for_in_flight_requests() {
    let database = TestDatabase::create().await;
    let mut server = start(&database, &[("FOLIO__SERVER__SHUTDOWN_TIMEOUT_SECONDS", "2")]).await;
    // A request whose body never comes: in flight until it is cut off.
    let held = HeldRequest::begin(server.socket_address(), "POST", "/api/v1/auth/login", &login_body("nobody")).await;

    server.signal("TERM");
    let signalled = Instant::now();
    let status = server.wait_for_exit(Duration::from_secs(30)).await;
    let took = signalled.elapsed();
    let log = server.log().join("\n");
    assert!(
        took >= Duration::from_millis(1900),
        "waits for the in-flight request: stopped after {took:?}; log:\n{log}"
    );
    assert!(took < Duration::from_secs(5), "but no longer than the grace period: stopped after {took:?}; log:\n{log}");
    assert_eq!(status.code(), Some(0), "log:\n{log}");
    assert!(server.logged("grace period ran out"), "says requests were cut off; log:\n{log}");
    let rest = held.abandon().await;
    assert!(
        rest.as_ref().map_or(true, Vec::is_empty),
        "the cut-off request gets no response: {:?}",
        rest.map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    );
}

#[tokio::test]
async fn a_second_signal_stops_at_once() {
    let database = TestDatabase::create().await;
    let mut server = start(&database, &[("FOLIO__SERVER__SHUTDOWN_TIMEOUT_SECONDS", "60")]).await;
    // In flight until the end of the test.
    let _held = HeldRequest::begin(server.socket_address(), "POST", "/api/v1/auth/login", &login_body("nobody")).await;

    server.signal("TERM");
    wait_until_refused(server.socket_address(), Duration::from_secs(5)).await;
    assert!(server.is_running(), "the first signal waits for the in-flight request");
    server.signal("INT");
    let signalled = Instant::now();
    let status = server.wait_for_exit(Duration::from_secs(30)).await;
    let took = signalled.elapsed();
    let log = server.log().join("\n");
    assert!(took < Duration::from_secs(5), "the second signal stops it within {took:?}; log:\n{log}");
    assert_eq!(status.code(), Some(1), "a cut-short stop is a failure; log:\n{log}");
    assert!(server.logged("second stop signal"), "log:\n{log}");
}

/// The pool waits this long for a connection (and for connecting).
const WAIT_TIMEOUT: Duration = Duration::from_secs(1);
/// What a 503 may take beyond [`WAIT_TIMEOUT`]: a behaviour bound, not a benchmark.
const MARGIN: Duration = Duration::from_secs(4);

/// Starts folio on a database of `cluster` with a pool of `connections`
/// that waits [`WAIT_TIMEOUT`].
async fn start_on(cluster: &PrivateCluster, connections: usize) -> ServerProcess {
    let url = cluster.url("folio");
    let wait_ms = WAIT_TIMEOUT.as_millis().to_string();
    let connections = connections.to_string();
    ServerProcess::start(&[
        ("FOLIO__DATABASE__URL", url.as_str()),
        ("FOLIO__DATABASE__MAX_CONNECTIONS", connections.as_str()),
        ("FOLIO__DATABASE__WAIT_TIMEOUT_MS", wait_ms.as_str()),
        ("FOLIO__DATABASE__CONNECT_TIMEOUT_MS", wait_ms.as_str()),
        ("FOLIO__METRICS__ENABLED", "true"),
        ("FOLIO__METRICS__PORT", "0"),
    ])
    .await
}

/// Sends a request and measures how long the answer took.
async fn timed(request: reqwest::RequestBuilder) -> (Reply, Duration) {
    let started = Instant::now();
    let reply = send(request).await;
    (reply, started.elapsed())
}

/// Registers `alice` and checks that reads work.
async fn assert_up(address: &str) {
    let client = Client::new();
    register(&client, address, "alice").await;
    for path in ["/ready", "/api/v1/posts"] {
        let reply = send(client.get(format!("{address}{path}"))).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
}

/// With the database unreachable: `burst` requests at once (more than the
/// pool has connections; reads and log-ins) are each a 503 `UNAVAILABLE`
/// within the wait timeout and a margin, `/ready` says 503, `/health` 200,
/// and the process stays up.
async fn assert_unavailable(server: &mut ServerProcess, burst: usize) {
    let address = &server.address;
    let client = Client::new();
    let mut answers = Vec::new();
    for round in 0..burst {
        let request = match round % 3 {
            0 => client.get(format!("{address}/api/v1/posts")),
            1 => client.get(format!("{address}/api/v1/tags")),
            _ => client.post(format!("{address}/api/v1/auth/login")).json(&login_body("alice")),
        };
        answers.push(tokio::spawn(timed(request)));
    }
    for answer in answers {
        let (reply, took) = answer.await.expect("the request task ends");
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.body);
        assert_eq!(reply.error_code(), "UNAVAILABLE", "{}", reply.body);
        assert!(took <= WAIT_TIMEOUT + MARGIN, "a 503 took {took:?}");
    }
    let (reply, took) = timed(client.get(format!("{address}/ready"))).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "/ready during the outage: {}", reply.body);
    assert!(took <= WAIT_TIMEOUT + MARGIN, "/ready took {took:?}");
    let reply = send(client.get(format!("{address}/health"))).await;
    assert_eq!(reply.status, StatusCode::OK, "alive during the outage");
    assert!(server.is_running(), "the process stays up");
}

/// Once the database is back, service resumes by itself within 20 s, with
/// the data from before.
async fn assert_resumes(server: &ServerProcess, cluster: &PrivateCluster) {
    let address = &server.address;
    let client = Client::new();
    let back = Instant::now();
    loop {
        let reply = send(client.get(format!("{address}/api/v1/posts"))).await;
        if reply.status == StatusCode::OK {
            break;
        }
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.body);
        assert!(
            back.elapsed() < Duration::from_secs(20),
            "still {} 20 s after the database came back; folio's log:\n{}\nPostgreSQL's log:\n{}",
            reply.status,
            server.log().join("\n"),
            cluster.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let reply = send(client.get(format!("{address}/ready"))).await;
    assert_eq!(reply.status, StatusCode::OK, "ready again: {}", reply.body);
    let reply = send(client.post(format!("{address}/api/v1/auth/login")).json(&login_body("alice"))).await;
    assert_eq!(reply.status, StatusCode::OK, "alice, registered before the outage, logs in: {}", reply.body);
}

#[tokio::test]
async fn a_stopped_database_is_a_fast_503_and_service_resumes_when_it_returns() {
    let cluster = PrivateCluster::start().await;
    // The server creates and migrates its database on the cluster.
    let mut server = start_on(&cluster, 2).await;
    assert_up(&server.address).await;

    cluster.stop().await;
    assert_unavailable(&mut server, 6).await;

    cluster.resume().await;
    assert_resumes(&server, &cluster).await;
}

/// Idle connections in the pool, from `GET /metrics`.
async fn idle_connections(address: &str) -> u64 {
    let metrics = reqwest::get(format!("{address}/metrics"))
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("the metrics are text");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("folio_db_pool_connections{state=\"idle\"} "))
        .and_then(|value| value.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no idle-connections gauge in:\n{metrics}"))
}

#[tokio::test]
async fn a_hung_database_is_a_503_within_the_wait_timeout_and_service_resumes() {
    const CONNECTIONS: usize = 10;
    let cluster = PrivateCluster::start().await;
    let mut server = start_on(&cluster, CONNECTIONS).await;
    assert_up(&server.address).await;
    // Fill the pool with idle connections, each of which a checkout checks
    // before use. Checked one after another, as deadpool does on its own,
    // six of them take longer than the bound below. The public list's
    // concurrent reads share one connection per worker; a list by tag takes
    // a connection of its own, so concurrent ones open more.
    for _ in 0..10 {
        let warming: Vec<_> = (0..CONNECTIONS)
            .map(|_| tokio::spawn(timed(Client::new().get(format!("{}/api/v1/posts?tag=rust", server.address)))))
            .collect();
        for reply in warming {
            let (reply, _) = reply.await.expect("the request task ends");
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        }
        if idle_connections(&server.address).await >= 6 {
            break;
        }
    }
    let idle = idle_connections(&server.address).await;
    assert!(idle >= 6, "the pool holds only {idle} idle connections, too few for this test to prove anything");

    // The pool trusts a connection handed out within the last half second
    // without a check (folio_postgres's RECENTLY_USED); on a hung server a
    // statement on it waits for the request timeout, whatever the pool does.
    // Idle connections are checked, and that check is what is bounded here.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // The host hangs: connections open, nothing answers.
    cluster.freeze();
    // A lone request meets every idle connection in turn.
    let (reply, took) = timed(Client::new().get(format!("{}/api/v1/posts", server.address))).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.body);
    assert!(took <= WAIT_TIMEOUT + MARGIN, "a lone 503 took {took:?}");
    assert_unavailable(&mut server, 6).await;

    cluster.thaw();
    assert_resumes(&server, &cluster).await;
}
