//! `auth.reject_common_passwords` end to end: off by default outside
//! production, so the RealWorld spec's `password123` signs up on both
//! surfaces; on, both refuse it, naming the field.

use folio_tests::{TestApp, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn register_both_ways(app: &TestApp) -> [(StatusCode, serde_json::Value); 2] {
    let native = app
        .send(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"email": "jake@example.com", "username": "jake", "password": "password123"})),
        )
        .await;
    let realworld = app
        .send(
            Method::POST,
            "/api/users",
            None,
            Some(json!({"user": {"email": "jane@example.com", "username": "jane", "password": "password123"}})),
        )
        .await;
    [(native.status, native.body), (realworld.status, realworld.body)]
}

#[tokio::test]
async fn the_realworld_example_password_signs_up_with_the_default_settings() {
    let app = spawn_app().await;

    let [(native, native_body), (realworld, realworld_body)] = register_both_ways(&app).await;

    assert_eq!(native, StatusCode::CREATED, "{native_body}");
    assert_eq!(realworld, StatusCode::CREATED, "{realworld_body}");
    let log_in = app
        .send(
            Method::POST,
            "/api/users/login",
            None,
            Some(json!({"user": {"email": "jane@example.com", "password": "password123"}})),
        )
        .await;
    assert_eq!(log_in.status, StatusCode::OK, "{}", log_in.body);
}

#[tokio::test]
async fn with_the_list_on_both_surfaces_refuse_a_well_known_password_naming_the_field() {
    let app = spawn_app_with(&[("FOLIO__AUTH__REJECT_COMMON_PASSWORDS", "true")]).await;

    let [(native, native_body), (realworld, realworld_body)] = register_both_ways(&app).await;

    assert_eq!(native, StatusCode::BAD_REQUEST, "{native_body}");
    let details = native_body["error"]["details"].as_array().expect("details");
    assert!(
        details.iter().any(|detail| detail["field"] == "password" && detail["code"] == "too_common"),
        "{native_body}"
    );
    assert_eq!(realworld, StatusCode::UNPROCESSABLE_ENTITY, "{realworld_body}");
    assert!(realworld_body["errors"]["password"].is_array(), "{realworld_body}");
}
