//! Accounts end to end: the real binary, a real database, over HTTP.

use std::process::Stdio;

use folio_tests::{PASSWORD, TestApp, access_token, folio_command, refresh_token, spawn_app, start_server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;

async fn create_admin(app: &TestApp, username: &str, password_via_stdin: bool) -> Value {
    let mut command = folio_command(&app.database);
    command.args(["create-admin", "--email", &format!("{username}@example.com"), "--username", username]);
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if !password_via_stdin {
        command.env("FOLIO_ADMIN_PASSWORD", PASSWORD);
    }
    let mut child = command.spawn().expect("folio create-admin starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    if password_via_stdin {
        stdin.write_all(format!("{PASSWORD}\n").as_bytes()).await.expect("password written");
    }
    drop(stdin);
    let output = child.wait_with_output().await.expect("folio create-admin finishes");
    assert!(output.status.success(), "create-admin failed: {}", String::from_utf8_lossy(&output.stderr));
    let reply = app.log_in(&format!("{username}@example.com"), PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "admin logs in: {}", reply.body);
    assert_eq!(reply.body["data"]["user"]["role"], "admin");
    reply.body["data"].clone()
}

#[tokio::test]
async fn a_session_lives_from_register_to_logout_and_dies_with_deactivation() {
    let app = spawn_app().await;

    // Register: 201, normalised identity, a token pair.
    let reply = app
        .send(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"email": "  Alice@Example.COM ", "username": "Alice", "password": PASSWORD, "displayName": "Alice A."})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let registered = &reply.body["data"];
    assert_eq!(registered["user"]["email"], "alice@example.com");
    assert_eq!(registered["user"]["username"], "alice");
    assert_eq!(registered["user"]["displayName"], "Alice A.");
    assert_eq!(registered["user"]["role"], "user");
    assert_eq!(registered["expiresIn"], 900);
    assert!(registered.get("passwordHash").is_none() && !reply.body.to_string().contains("$2b$"));
    let created_at = registered["user"]["createdAt"].as_str().expect("createdAt").to_owned();
    assert!(created_at.ends_with('Z') && created_at.len() == 24, "RFC 3339 with millis: {created_at}");

    // Log in: a second, independent session.
    let reply = app.log_in("ALICE@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let session = reply.body["data"].clone();
    let token = access_token(&session);

    // Me.
    let reply = app.send(Method::GET, "/api/v1/users/me", Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["data"]["username"], "alice");
    assert_eq!(reply.body["data"]["createdAt"], created_at.as_str(), "formatted from the stored value");

    // Refresh: a new pair; the old refresh token is spent.
    let first_refresh = refresh_token(&session);
    let reply =
        app.send(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refreshToken": first_refresh}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let rotated = reply.body["data"].clone();
    assert_ne!(refresh_token(&rotated), first_refresh);
    let rotated_access = access_token(&rotated);
    let reply = app.send(Method::GET, "/api/v1/users/me", Some(&rotated_access), None).await;
    assert_eq!(reply.status, StatusCode::OK);

    // Reuse detection: the spent token is refused and the whole family dies.
    let reply =
        app.send(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refreshToken": first_refresh}))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_code(), "UNAUTHENTICATED");
    let reply = app
        .send(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refreshToken": refresh_token(&rotated)})))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "the newest token of the family is revoked too");
    let reply = app.send(Method::GET, "/api/v1/users/me", Some(&rotated_access), None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "and so are its access tokens");

    // The registration session is untouched; log out ends it.
    let register_access = access_token(registered);
    let reply = app.send(Method::GET, "/api/v1/users/me", Some(&register_access), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app.send(Method::POST, "/api/v1/auth/logout", Some(&register_access), None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, Value::Null);
    let reply = app.send(Method::GET, "/api/v1/users/me", Some(&register_access), None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = app
        .send(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refreshToken": refresh_token(registered)})))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    // Admin deactivation: the live session stops at once, log-in is refused.
    let admin = create_admin(&app, "root_admin", false).await;
    let admin_token = access_token(&admin);
    let live = app.log_in("alice@example.com", PASSWORD).await.body["data"].clone();
    let alice_id = live["user"]["id"].as_str().expect("id").to_owned();
    let reply = app.send(Method::POST, &format!("/api/v1/users/{alice_id}/deactivate"), Some(&admin_token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["data"]["status"], "deactivated");
    let reply = app.send(Method::GET, "/api/v1/users/me", Some(&access_token(&live)), None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "access token refused before it expires");
    let reply =
        app.send(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refreshToken": refresh_token(&live)}))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = app.log_in("alice@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // Reactivation lets her back in.
    let reply = app.send(Method::POST, &format!("/api/v1/users/{alice_id}/reactivate"), Some(&admin_token), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(app.log_in("alice@example.com", PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    app.register("bob").await;
    let wrong_password = app.log_in("bob@example.com", "not the password").await;
    let unknown_email = app.log_in("nobody@example.com", PASSWORD).await;
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_email.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.body["error"]["message"], unknown_email.body["error"]["message"]);
    assert_eq!(wrong_password.error_code(), unknown_email.error_code());
}

#[tokio::test]
async fn registration_conflicts_name_the_field_and_store_nothing() {
    let app = spawn_app().await;
    app.register("carol").await;
    let body = |email: &str, username: &str| Some(json!({"email": email, "username": username, "password": PASSWORD}));
    let reply = app.send(Method::POST, "/api/v1/auth/register", None, body("CAROL@example.com", "other")).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body["error"]["details"][0]["field"], "email");
    let reply = app.send(Method::POST, "/api/v1/auth/register", None, body("other@example.com", "Carol")).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body["error"]["details"][0]["field"], "username");
    assert_eq!(app.log_in("other@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn password_policy_rejects_long_identical_and_short_passwords() {
    let app = spawn_app().await;
    let attempt =
        |password: String| Some(json!({"email": "dave@example.com", "username": "dave_d", "password": password}));
    for (password, code) in [
        ("x".repeat(73), "too_long"),
        ("dave_d".to_owned() + "", "too_short"),
        ("dave@example.com".to_owned(), "matches_identity"),
        ("short".to_owned(), "too_short"),
    ] {
        let reply = app.send(Method::POST, "/api/v1/auth/register", None, attempt(password.clone())).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{password}: {}", reply.body);
        assert_eq!(reply.error_code(), "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"][0]["code"], code, "{password}");
    }
    let reply = app.send(Method::POST, "/api/v1/auth/register", None, attempt("x".repeat(72))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "72 bytes is accepted");
}

#[tokio::test]
async fn profile_update_and_password_change_revoke_other_sessions() {
    let app = spawn_app().await;
    let first = app.register("erin").await;
    let second = app.log_in("erin@example.com", PASSWORD).await.body["data"].clone();
    let token = access_token(&first);

    let reply = app
        .send(
            Method::PATCH,
            "/api/v1/users/me",
            Some(&token),
            Some(json!({"bio": "Writes about Rust", "image": "https://img.example/erin.png", "username": "erin_w"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["data"]["username"], "erin_w");
    assert_eq!(reply.body["data"]["bio"], "Writes about Rust");
    let reply = app.send(Method::PATCH, "/api/v1/users/me", Some(&token), Some(json!({"bio": null}))).await;
    assert_eq!(reply.body["data"]["bio"], Value::Null);
    assert_eq!(reply.body["data"]["image"], "https://img.example/erin.png", "missing field kept");

    let reply = app
        .send(
            Method::POST,
            "/api/v1/users/me/password",
            Some(&token),
            Some(json!({"currentPassword": "wrong password", "newPassword": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app
        .send(
            Method::POST,
            "/api/v1/users/me/password",
            Some(&token),
            Some(json!({"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    assert_eq!(app.send(Method::GET, "/api/v1/users/me", Some(&token), None).await.status, StatusCode::OK);
    let other = app.send(Method::GET, "/api/v1/users/me", Some(&access_token(&second)), None).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "other sessions are revoked");
    assert_eq!(app.log_in("erin@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.log_in("erin@example.com", "a brand new passphrase").await.status, StatusCode::OK);
}

#[tokio::test]
async fn admins_manage_accounts_but_never_remove_the_last_admin() {
    let app = spawn_app().await;
    let admin = create_admin(&app, "the_admin", true).await;
    let admin_token = access_token(&admin);
    let admin_id = admin["user"]["id"].as_str().expect("id").to_owned();
    let user = app.register("frank").await;
    let user_id = user["user"]["id"].as_str().expect("id").to_owned();
    for name in ["grace", "heidi", "ivan"] {
        app.register(name).await;
    }

    // Users can't administer.
    let reply = app.send(Method::GET, "/api/v1/users", Some(&access_token(&user)), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "FORBIDDEN");

    // List with paging and search.
    let reply = app.send(Method::GET, "/api/v1/users?limit=2&page=2", Some(&admin_token), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["meta"], json!({"page": 2, "limit": 2, "total": 5, "totalPages": 3}));
    let reply = app.send(Method::GET, "/api/v1/users?q=HEID", Some(&admin_token), None).await;
    assert_eq!(reply.body["meta"]["total"], 1);
    assert_eq!(reply.body["data"][0]["username"], "heidi");
    let reply = app.send(Method::GET, "/api/v1/users?q=%25", Some(&admin_token), None).await;
    assert_eq!(reply.body["meta"]["total"], 0, "% is a literal, not a wildcard");

    // Get and change role.
    let reply = app.send(Method::GET, &format!("/api/v1/users/{user_id}"), Some(&admin_token), None).await;
    assert_eq!(reply.body["data"]["username"], "frank");
    let unknown = uuid::Uuid::now_v7();
    let reply = app.send(Method::GET, &format!("/api/v1/users/{unknown}"), Some(&admin_token), None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{user_id}"),
            Some(&admin_token),
            Some(json!({"role": "moderator"})),
        )
        .await;
    assert_eq!(reply.body["data"]["role"], "moderator");
    let reply = app
        .send(Method::PATCH, &format!("/api/v1/users/{user_id}"), Some(&admin_token), Some(json!({"role": "root"})))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // The last active admin can neither be demoted nor deactivated.
    let reply = app
        .send(Method::PATCH, &format!("/api/v1/users/{admin_id}"), Some(&admin_token), Some(json!({"role": "user"})))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let reply = app.send(Method::POST, &format!("/api/v1/users/{admin_id}/deactivate"), Some(&admin_token), None).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);

    // With a second admin, the first may step down, and then loses admin rights at once.
    let reply = app
        .send(Method::PATCH, &format!("/api/v1/users/{user_id}"), Some(&admin_token), Some(json!({"role": "admin"})))
        .await;
    assert_eq!(reply.body["data"]["role"], "admin");
    let reply = app
        .send(Method::PATCH, &format!("/api/v1/users/{admin_id}"), Some(&admin_token), Some(json!({"role": "user"})))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app.send(Method::GET, "/api/v1/users", Some(&admin_token), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "the role is read per request, not from the token");
}

#[tokio::test]
async fn envelope_covers_routing_and_parsing_failures() {
    let app = spawn_app().await;
    let reply = app.send(Method::GET, "/api/v1/nothing-here", None, None).await;
    assert_eq!((reply.status, reply.error_code()), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let reply = app.send(Method::GET, "/api/v1/auth/register", None, None).await;
    assert_eq!((reply.status, reply.error_code()), (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"));
    let raw = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("content-type", "application/json")
        .header("x-request-id", "trace-me-42")
        .body("{not json")
        .send()
        .await
        .expect("answers");
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    assert_eq!(raw.headers()["x-request-id"], "trace-me-42");
    let body: Value = raw.json().await.expect("json");
    assert_eq!(body["error"]["code"], "BAD_REQUEST");
    assert_eq!(body["error"]["requestId"], "trace-me-42");
    let raw = app.request(Method::POST, "/api/v1/auth/login").body("email=a").send().await.expect("answers");
    assert_eq!(raw.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = json!({"email": "a".repeat(2 * 1024 * 1024), "password": "x"});
    let reply = app.send(Method::POST, "/api/v1/auth/login", None, Some(big)).await;
    assert_eq!((reply.status, reply.error_code()), (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"));
    let reply = app.send(Method::GET, "/api/v1/users/me", Some("garbage"), None).await;
    assert_eq!((reply.status, reply.error_code()), (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"));
    let reply = app.send(Method::GET, "/ready", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn database_outage_is_a_fast_503_not_a_hang() {
    let (_server, address) = start_server(&[
        ("FOLIO__DATABASE__URL", "postgres://postgres@127.0.0.1:1/folio"),
        ("FOLIO__DATABASE__CREATE_IF_MISSING", "false"),
        ("FOLIO__DATABASE__MIGRATE_ON_START", "false"),
        ("FOLIO__DATABASE__CONNECT_TIMEOUT_MS", "500"),
        ("FOLIO__DATABASE__WAIT_TIMEOUT_MS", "500"),
    ])
    .await;
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(20)).build().expect("client");
    let response = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({"email": "a@example.com", "password": "whatever1"}))
        .send()
        .await
        .expect("answers instead of hanging");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "UNAVAILABLE");
    assert!(!body.to_string().contains("127.0.0.1:1"));
    let response = client.get(format!("{address}/ready")).send().await.expect("answers");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let response = client.get(format!("{address}/health")).send().await.expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
}
