//! The production edge against the real binary: rate limits, lockout, security
//! headers, compression, metrics.

use folio_tests::{PASSWORD, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn failed_log_ins_are_limited_per_ip_with_retry_after_and_successes_are_not_counted() {
    let app = spawn_app_with(&[("FOLIO__RATE_LIMIT__AUTH_MAX", "3")]).await;
    app.register("victim").await;
    // Successful log-ins do not count.
    for _ in 0..4 {
        assert_eq!(app.log_in("victim@example.com", PASSWORD).await.status, StatusCode::OK);
    }
    for attempt in 0..3 {
        let reply = app.log_in(&format!("nobody{attempt}@example.com"), "wrong password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let reply = app.log_in("victim@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.error_code(), "RATE_LIMITED");
    let retry_after: u64 =
        reply.headers["retry-after"].to_str().expect("ascii").parse().expect("Retry-After is seconds");
    assert!((1..=900).contains(&retry_after), "{retry_after}");
}

#[tokio::test]
async fn failed_log_ins_lock_the_account_across_addresses() {
    // The per-account rule is the domain's lockout; the HTTP budgets are per address.
    let app =
        spawn_app_with(&[("FOLIO__LOCKOUT__MAX_FAILURES", "3"), ("FOLIO__RATE_LIMIT__TRUSTED_PROXIES", "127.0.0.1")])
            .await;
    app.register("target").await;
    for attempt in 0..3 {
        let reply = app
            .request(Method::POST, "/api/v1/auth/login")
            .header("x-forwarded-for", format!("198.51.100.{attempt}"))
            .json(&json!({"email": "target@example.com", "password": "wrong password"}))
            .send()
            .await
            .expect("answers");
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    }
    // A fourth address, the right password: the account is locked.
    let reply = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("x-forwarded-for", "198.51.100.99")
        .json(&json!({"email": "target@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("answers");
    assert_eq!(reply.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another account from that address is unaffected.
    app.register("bystander").await;
    assert_eq!(app.log_in("bystander@example.com", PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn repeated_failures_lock_an_account_whether_or_not_it_exists() {
    let app = spawn_app_with(&[("FOLIO__RATE_LIMIT__ENABLED", "false"), ("FOLIO__LOCKOUT__MAX_FAILURES", "4")]).await;
    app.register("locked").await;
    for email in ["locked@example.com", "ghost@example.com"] {
        for _ in 0..4 {
            assert_eq!(app.log_in(email, "wrong password").await.status, StatusCode::UNAUTHORIZED);
        }
    }
    let real = app.log_in("locked@example.com", PASSWORD).await;
    let ghost = app.log_in("ghost@example.com", PASSWORD).await;
    assert_eq!(real.status, StatusCode::TOO_MANY_REQUESTS, "even the right password is refused while locked");
    assert_eq!(ghost.status, real.status, "a lock looks the same for an address without an account");
    assert_eq!(ghost.body["error"]["message"], real.body["error"]["message"]);
    assert!(real.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn the_global_budget_limits_every_route_and_reports_ratelimit_headers() {
    let app = spawn_app_with(&[("FOLIO__RATE_LIMIT__GLOBAL_MAX", "5")]).await;
    let response = app.request(Method::GET, "/api/v1/tags").send().await.expect("answers");
    assert_eq!(response.headers()["ratelimit-limit"], "5");
    assert_eq!(response.headers()["ratelimit-remaining"], "4");
    assert!(response.headers().contains_key("ratelimit-reset"));
    for _ in 0..4 {
        app.request(Method::GET, "/api/v1/tags").send().await.expect("answers");
    }
    let reply = app.send(Method::GET, "/api/v1/tags", None, None).await;
    assert_eq!((reply.status, reply.error_code()), (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"));
    assert!(reply.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = spawn_app().await;
    for path in ["/api/v1/tags", "/api/v1/nowhere", "/health"] {
        let response = app.request(Method::GET, path).send().await.expect("answers");
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert!(headers["content-security-policy"].to_str().expect("ascii").contains("default-src 'none'"), "{path}");
        assert!(headers.get("strict-transport-security").is_none(), "no HSTS unless served over TLS");
    }
    let tls = spawn_app_with(&[("FOLIO__SERVER__TLS", "true")]).await;
    let response = tls.request(Method::GET, "/health").send().await.expect("answers");
    assert!(response.headers()["strict-transport-security"].to_str().expect("ascii").contains("max-age="));
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = spawn_app().await;
    let author = app.register("writer").await;
    let token = folio_tests::access_token(&author);
    let body = "Long enough to be worth compressing. ".repeat(200);
    let reply = app
        .send(
            Method::POST,
            "/api/v1/posts",
            Some(&token),
            Some(json!({"title": "Big", "description": "d", "body": body, "status": "published"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    for encoding in ["gzip", "br"] {
        // reqwest is built without decompression here, so the raw encoding is visible.
        let response = app
            .request(Method::GET, "/api/v1/posts/big")
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("answers");
        assert_eq!(response.headers()["content-encoding"], encoding);
        let compressed = response.bytes().await.expect("body").len();
        assert!(compressed < body.len() / 4, "{encoding}: {compressed} bytes");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.request(Method::GET, "/api/v1/posts/some-slug").send().await.expect("answers");
    }
    let text = app.request(Method::GET, "/metrics").send().await.expect("answers").text().await.expect("text");
    let line = text
        .lines()
        .find(|line| {
            line.starts_with("folio_http_requests_total{")
                && line.contains(r#"route="/api/v1/posts/{slug}""#)
                && line.contains(r#"status="404""#)
        })
        .unwrap_or_else(|| panic!("no counter for the route template in:\n{text}"));
    assert!(line.ends_with(" 3"), "{line}");
    for name in [
        "folio_http_request_duration_seconds_bucket",
        "folio_http_requests_in_flight",
        "folio_db_pool_connections",
        "folio_rate_limit_refusals_total",
        "folio_process_resident_memory_bytes",
    ] {
        assert!(text.contains(name), "missing {name}");
    }
    let production_like = spawn_app_with(&[("FOLIO__METRICS__ENABLED", "false")]).await;
    let response = production_like.request(Method::GET, "/metrics").send().await.expect("answers");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
