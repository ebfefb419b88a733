//! Webhooks end to end: the real binary, its job workers, and a receiving
//! HTTP server that the test starts on 127.0.0.1 (so these servers allow
//! private targets, except where a test checks the refusal). Signatures are
//! checked here from the documented recipe, not with Folio's own code.

use std::time::Duration;

use folio_tests::{TestApp, access_token, eventually, sign_in_admin, spawn_app, spawn_app_with};
use folio_webhooks::testing::{ReceivedRequest, Receiver, Reply};
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

/// Long enough for a job worker to pick up, fail, back off (1 to 2 s in the
/// test settings) and retry.
const LIMIT: Duration = Duration::from_secs(30);

const ALLOW_PRIVATE: (&str, &str) = ("FOLIO__WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true");

async fn admin_token(app: &TestApp) -> String {
    access_token(&sign_in_admin(app, "webhook_admin").await)
}

/// Registers `url` for `events`; returns the answer's `data` (with the secret).
async fn register_endpoint(app: &TestApp, token: &str, url: &str, events: &[&str]) -> Value {
    let reply =
        app.send(Method::POST, "/api/v1/webhooks", Some(token), Some(json!({"url": url, "events": events}))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["data"].clone()
}

async fn publish_post(app: &TestApp, token: &str, title: &str) -> Value {
    let body = json!({"title": title, "description": "About it", "body": "Text.", "status": "published"});
    let reply = app.send(Method::POST, "/api/v1/posts", Some(token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["data"].clone()
}

async fn deliveries(app: &TestApp, token: &str, endpoint: &str) -> Value {
    let reply = app.send(Method::GET, &format!("/api/v1/webhooks/{endpoint}/deliveries"), Some(token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

fn path_of(endpoint: &str) -> String {
    format!("/api/v1/webhooks/{endpoint}")
}

fn unix_now() -> i64 {
    let elapsed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
    i64::try_from(elapsed.as_secs()).expect("fits")
}

/// Checks `X-Folio-Signature` as a receiver should: `t=<unix>,v1=<hex>` with
/// `<hex>` the HMAC-SHA256 of `"<t>.<body>"` under the secret, and `t` recent.
fn assert_signed(request: &ReceivedRequest, secret: &str) {
    let header = request.header("x-folio-signature").expect("a signature header");
    let (timestamp, signature) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
        .unwrap_or_else(|| panic!("t=<unix>,v1=<hex>: {header}"));
    let timestamp: i64 = timestamp.parse().expect("a unix time");
    assert!((unix_now() - timestamp).abs() < 300, "the timestamp {timestamp} is recent");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&request.body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(signature, expected, "the signature matches the body under the secret");
    // The same header does not verify another body.
    let mut other = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    other.update(format!("{timestamp}.{{}}").as_bytes());
    let forged: String = other.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_ne!(signature, forged);
}

#[tokio::test]
async fn a_published_post_is_delivered_signed_and_retried_after_a_500() {
    let app = spawn_app_with(&[ALLOW_PRIVATE]).await;
    let receiver = Receiver::scripted(vec![Reply::status(500)], Reply::status(204)).await;
    let admin = admin_token(&app).await;
    let endpoint = register_endpoint(&app, &admin, &receiver.url("/hooks/folio"), &["post.published"]).await;
    let secret = endpoint["secret"].as_str().expect("the secret, shown once").to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let endpoint_id = endpoint["id"].as_str().expect("an id").to_owned();
    let writer = access_token(&app.register("writer").await);

    let post = publish_post(&app, &writer, "Hello webhooks").await;

    // Answered 500 first, the delivery is retried; the second attempt succeeds.
    let requests = receiver.wait_for(2, LIMIT).await;
    let (first, second) = (&requests[0], &requests[1]);
    for request in [first, second] {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/hooks/folio");
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.header("x-folio-event"), Some("post.published"));
        assert!(request.header("user-agent").is_some_and(|ua| ua.starts_with("Folio-Webhooks/")), "{request:?}");
        assert_signed(request, &secret);
    }
    let delivery_id = first.header("x-folio-delivery").expect("a delivery id");
    assert_eq!(second.header("x-folio-delivery"), Some(delivery_id), "a retry keeps the delivery id");
    assert_eq!(first.body, second.body, "a retry sends the same event");
    let body: Value = serde_json::from_slice(&second.body).expect("a JSON body");
    assert_eq!(body["type"], "post.published");
    assert!(body["id"].as_str().is_some_and(|id| id.len() == 36), "{body}");
    assert!(body["createdAt"].as_str().is_some_and(|t| t.ends_with('Z') && t.contains('T')), "{body}");
    assert_eq!(body["data"]["post"]["slug"], post["slug"]);
    assert_eq!(body["data"]["post"]["title"], "Hello webhooks");
    assert_eq!(body["data"]["post"]["author"]["username"], "writer");
    let keys: Vec<&str> = body.as_object().expect("an object").keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 4, "only id, type, createdAt and data: {keys:?}");

    // The delivery log shows both attempts and the success.
    let log = eventually("the delivery log to show the success", LIMIT, || async {
        let log = deliveries(&app, &admin, &endpoint_id).await;
        (log["data"][0]["status"] == "succeeded").then_some(log)
    })
    .await;
    assert_eq!(log["meta"]["total"], 1);
    let delivery = &log["data"][0];
    assert_eq!(delivery["id"], delivery_id);
    assert_eq!(delivery["eventId"], body["id"]);
    assert_eq!(delivery["eventType"], "post.published");
    assert!(delivery["attempts"].as_u64().is_some_and(|n| n >= 2), "{delivery}");
    assert_eq!(delivery["responseCode"], 204);
    assert!(delivery["latencyMs"].is_u64(), "{delivery}");
    assert_eq!(delivery["lastError"], Value::Null);
    // The endpoint's failures were forgotten with the success, and the secret is never shown again.
    let reply = app.send(Method::GET, &format!("/api/v1/webhooks/{endpoint_id}"), Some(&admin), None).await;
    assert_eq!(reply.body["data"]["consecutiveFailures"], 0);
    assert!(reply.body["data"].get("secret").is_none());
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_disabled_and_gets_nothing_more() {
    let app = spawn_app_with(&[ALLOW_PRIVATE, ("FOLIO__WEBHOOKS__DISABLE_AFTER_FAILURES", "2")]).await;
    let receiver = Receiver::scripted(vec![], Reply::status(503)).await;
    let admin = admin_token(&app).await;
    let endpoint = register_endpoint(&app, &admin, &receiver.url("/"), &["post.published"]).await;
    let endpoint_id = endpoint["id"].as_str().expect("an id").to_owned();
    let writer = access_token(&app.register("writer").await);

    publish_post(&app, &writer, "First").await;

    let disabled = eventually("the endpoint to be disabled", LIMIT, || async {
        let reply = app.send(Method::GET, &format!("/api/v1/webhooks/{endpoint_id}"), Some(&admin), None).await;
        (reply.body["data"]["enabled"] == false).then_some(reply.body["data"].clone())
    })
    .await;
    assert_eq!(disabled["disabledReason"], "failures");
    assert_eq!(disabled["consecutiveFailures"], 2);
    let log = eventually("the delivery to be given up", LIMIT, || async {
        let log = deliveries(&app, &admin, &endpoint_id).await;
        (log["data"][0]["status"] == "failed").then_some(log)
    })
    .await;
    assert_eq!(log["data"][0]["attempts"], 2);
    assert_eq!(log["data"][0]["responseCode"], 503);
    assert!(log["data"][0]["lastError"].as_str().is_some_and(|e| e.contains("disabled")), "{log}");
    assert_eq!(receiver.requests().len(), 2);

    // A later event is not queued for it.
    publish_post(&app, &writer, "Second").await;
    let other = Receiver::start().await;
    let witness = register_endpoint(&app, &admin, &other.url("/"), &["post.published"]).await;
    publish_post(&app, &writer, "Third").await;
    other.wait_for(1, LIMIT).await;
    assert_eq!(deliveries(&app, &admin, &endpoint_id).await["meta"]["total"], 1);
    assert_eq!(receiver.requests().len(), 2);

    // Re-enabled by an admin, it receives again.
    let reply = app
        .send(Method::PATCH, &format!("/api/v1/webhooks/{endpoint_id}"), Some(&admin), Some(json!({"enabled": true})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        (reply.body["data"]["enabled"].clone(), reply.body["data"]["consecutiveFailures"].clone()),
        (json!(true), json!(0))
    );
    publish_post(&app, &writer, "Fourth").await;
    receiver.wait_for(3, LIMIT).await;
    assert!(witness["id"].is_string());
}

#[tokio::test]
async fn private_targets_are_refused_and_only_admins_manage_endpoints() {
    let app = spawn_app().await;
    let admin = admin_token(&app).await;
    let user = access_token(&app.register("ordinary").await);
    let receiver = Receiver::start().await;

    // Loopback and private hosts are refused when private targets are not allowed.
    for url in [
        receiver.url("/hook"),
        "http://localhost:8080/".to_owned(),
        "http://10.1.2.3/".to_owned(),
        "http://[::1]/".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
    ] {
        let reply = app
            .send(
                Method::POST,
                "/api/v1/webhooks",
                Some(&admin),
                Some(json!({"url": url, "events": ["post.published"]})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{url}: {}", reply.body);
        assert_eq!(reply.error_code(), "VALIDATION_ERROR", "{url}");
        assert_eq!(reply.body["error"]["details"][0]["field"], "url", "{url}");
        assert_eq!(reply.body["error"]["details"][0]["code"], "private_address", "{url}");
    }
    // Malformed input is reported field by field.
    let reply = app
        .send(Method::POST, "/api/v1/webhooks", Some(&admin), Some(json!({"url": "ftp://x", "events": ["post.nope"]})))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = reply.body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["field"].as_str())
        .collect();
    assert_eq!(fields, ["url", "events"]);

    // Anonymous callers are 401, non-admins 403, on every route.
    let id = uuid::Uuid::now_v7();
    let routes = [
        (Method::GET, "/api/v1/webhooks".to_owned()),
        (Method::POST, "/api/v1/webhooks".to_owned()),
        (Method::GET, format!("/api/v1/webhooks/{id}")),
        (Method::PATCH, format!("/api/v1/webhooks/{id}")),
        (Method::DELETE, format!("/api/v1/webhooks/{id}")),
        (Method::GET, format!("/api/v1/webhooks/{id}/deliveries")),
    ];
    let body = json!({"url": "https://hooks.example.com/", "events": ["post.published"]});
    for (method, path) in &routes {
        let sent = matches!(*method, Method::POST | Method::PATCH).then(|| body.clone());
        let reply = app.send(method.clone(), path, None, sent.clone()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "anonymous {method} {path}");
        let reply = app.send(method.clone(), path, Some(&user), sent).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "user {method} {path}: {}", reply.body);
        assert_eq!(reply.error_code(), "FORBIDDEN");
    }
    let reply = app.send(Method::GET, "/api/v1/webhooks", Some(&admin), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["meta"]["total"], 0, "nothing was registered");
}

#[tokio::test]
async fn admins_list_update_and_delete_endpoints() {
    let app = spawn_app_with(&[ALLOW_PRIVATE]).await;
    let admin = admin_token(&app).await;
    let receiver = Receiver::start().await;
    let first = register_endpoint(&app, &admin, &receiver.url("/a"), &["post.published", "user.registered"]).await;
    let second = register_endpoint(&app, &admin, &receiver.url("/b"), &["comment.created"]).await;
    assert_ne!(first["secret"], second["secret"]);
    let first_id = first["id"].as_str().expect("an id");

    let reply = app.send(Method::GET, "/api/v1/webhooks?limit=1&page=2", Some(&admin), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["meta"], json!({"page": 2, "limit": 1, "total": 2, "totalPages": 2}));
    assert_eq!(reply.body["data"][0]["id"], second["id"]);
    assert!(reply.body["data"][0].get("secret").is_none());

    let path = path_of(first_id);
    let reply = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"events": ["user.followed", "user.registered"], "enabled": false})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["data"]["events"], json!(["user.registered", "user.followed"]));
    assert_eq!(reply.body["data"]["enabled"], false);
    assert_eq!(reply.body["data"]["disabledReason"], "admin");
    assert_eq!(reply.body["data"]["url"], receiver.url("/a"));
    // A disabled endpoint receives nothing: once the relay has handled a new
    // user's registration, nothing was queued for it.
    app.register("newcomer").await;
    eventually("the relay to handle every event", LIMIT, || async {
        let pending = "SELECT count(*) AS n FROM outbox_events WHERE handled_at IS NULL";
        (app.database.number(pending).await == 0).then_some(())
    })
    .await;
    let log = app.send(Method::GET, &format!("{}/deliveries", path_of(first_id)), Some(&admin), None).await;
    assert_eq!(log.body["meta"]["total"], 0, "{}", log.body);

    let reply = app.send(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = app.send(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "NOT_FOUND");
    let reply = app.send(Method::GET, &format!("{path}/deliveries"), Some(&admin), None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(receiver.requests().is_empty());
}
