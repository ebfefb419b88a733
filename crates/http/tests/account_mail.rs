//! E-mail verification, password reset and the account's settings over
//! mocked domain services: statuses, bodies and codes.

mod common;

use actix_web::http::StatusCode;
use actix_web::test;
use chrono::{TimeZone, Utc};
use common::TestServices;
use folio_domain::PortError;
use folio_domain::accounts::AuthenticateError;
use folio_domain::accounts::model::{User, UserSettings};
use folio_domain::accounts::values::{AccountStatus, Email, Principal, Role, SessionId, UserId, Username};
use folio_domain::mail::{RequestPasswordResetError, ResendVerificationError, ResetPasswordError, VerifyEmailError};
use folio_http::HttpSettings;
use serde_json::{Value, json};
use uuid::Uuid;

const TOKEN: &str = "valid-token";

fn principal() -> Principal {
    Principal {
        user_id: UserId::new(Uuid::from_u128(1)),
        username: Username::parse("alice").expect("valid"),
        session_id: SessionId::new(Uuid::from_u128(2)),
        role: Role::User,
    }
}

fn authenticating(mut services: TestServices) -> TestServices {
    services.accounts.expect_authenticate().returning(move |token| {
        Box::pin(async move { if token == TOKEN { Ok(principal()) } else { Err(AuthenticateError::InvalidToken) } })
    });
    services
}

macro_rules! app {
    ($services:expr) => {
        test::init_service(folio_http::app($services.into_state(), HttpSettings::default())).await
    };
}

async fn post(services: TestServices, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
    let app = app!(services);
    let mut request = test::TestRequest::post().uri(path);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    if let Some(body) = body {
        request = request.set_json(body);
    }
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status();
    let bytes = test::read_body(response).await;
    let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("JSON body") };
    (status, body)
}

fn only_detail(body: &Value) -> (&str, &str) {
    let details = body["error"]["details"].as_array().expect("details");
    assert_eq!(details.len(), 1, "{body}");
    (details[0]["field"].as_str().unwrap_or_default(), details[0]["code"].as_str().unwrap_or_default())
}

#[actix_web::test]
async fn verify_email_passes_the_token_and_answers_204() {
    let mut services = TestServices::new();
    services
        .mail
        .expect_verify_email()
        .withf(|token| token.expose_secret() == "abc.def")
        .times(1)
        .returning(|_| Box::pin(async { Ok(()) }));

    let (status, body) = post(services, "/api/v1/auth/verify-email", None, Some(json!({"token": "abc.def"}))).await;

    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
}

#[actix_web::test]
async fn an_unusable_link_is_a_validation_error_on_token() {
    let mut services = TestServices::new();
    services.mail.expect_verify_email().returning(|_| Box::pin(async { Err(VerifyEmailError::InvalidToken) }));
    let verify = post(services, "/api/v1/auth/verify-email", None, Some(json!({"token": "spent"}))).await;

    let mut services = TestServices::new();
    services.mail.expect_reset_password().returning(|_, _| Box::pin(async { Err(ResetPasswordError::InvalidToken) }));
    let body = json!({"token": "spent", "newPassword": "a brand new passphrase"});
    let reset = post(services, "/api/v1/auth/password-reset/confirm", None, Some(body)).await;

    for (status, body) in [verify, reset] {
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
        assert_eq!(only_detail(&body), ("token", "invalid_token"));
    }
}

#[actix_web::test]
async fn a_missing_token_is_required_and_reaches_no_service() {
    let mut services = TestServices::new();
    services.mail.expect_verify_email().times(0);

    let (status, body) = post(services, "/api/v1/auth/verify-email", None, Some(json!({"token": "  "}))).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(only_detail(&body), ("token", "required"));
}

#[actix_web::test]
async fn a_password_reset_request_is_202_with_one_body_for_every_address() {
    let mut services = TestServices::new();
    services
        .mail
        .expect_request_password_reset()
        .withf(|email| email.as_str() == "alice@example.com")
        .times(1)
        .returning(|_| Box::pin(async { Ok(()) }));

    let (status, body) =
        post(services, "/api/v1/auth/password-reset", None, Some(json!({"email": " Alice@Example.com "}))).await;

    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        body,
        json!({"data": {"message": "If an account uses this e-mail address, a link to reset its password is on its way."}})
    );
}

#[actix_web::test]
async fn a_malformed_address_is_a_validation_error_and_an_outage_is_503() {
    let mut services = TestServices::new();
    services.mail.expect_request_password_reset().times(0);
    let (status, body) = post(services, "/api/v1/auth/password-reset", None, Some(json!({"email": "nope"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(only_detail(&body), ("email", "invalid_email"));

    let mut services = TestServices::new();
    services.mail.expect_request_password_reset().returning(|_| {
        Box::pin(async {
            Err(RequestPasswordResetError::Unknown(anyhow::Error::new(PortError::Unavailable(anyhow::anyhow!(
                "pool timed out"
            )))))
        })
    });
    let (status, body) =
        post(services, "/api/v1/auth/password-reset", None, Some(json!({"email": "a@example.com"}))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!body.to_string().contains("pool"), "no internals: {body}");
}

#[actix_web::test]
async fn confirming_a_reset_checks_the_password_policy_first_then_answers_204() {
    // A weak password never reaches the service, and every problem is listed.
    let mut services = TestServices::new();
    services.mail.expect_reset_password().times(0);
    let (status, body) =
        post(services, "/api/v1/auth/password-reset/confirm", None, Some(json!({"newPassword": "short"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<(&str, &str)> = body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| (d["field"].as_str().unwrap_or_default(), d["code"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(fields, [("token", "required"), ("newPassword", "too_short")]);

    let mut services = TestServices::new();
    services
        .mail
        .expect_reset_password()
        .withf(|token, password| {
            token.expose_secret() == "abc.def" && password.expose_secret() == "a brand new passphrase"
        })
        .times(1)
        .returning(|_, _| Box::pin(async { Ok(()) }));
    let body = json!({"token": "abc.def", "newPassword": "a brand new passphrase"});
    let (status, _) = post(services, "/api/v1/auth/password-reset/confirm", None, Some(body)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn resending_a_verification_link_needs_a_caller_and_an_unverified_address() {
    let (status, _) = post(TestServices::new(), "/api/v1/auth/verify-email/resend", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let mut services = authenticating(TestServices::new());
    services
        .mail
        .expect_resend_verification()
        .withf(|caller| *caller == principal())
        .times(1)
        .returning(|_| Box::pin(async { Ok(()) }));
    let (status, body) = post(services, "/api/v1/auth/verify-email/resend", Some(TOKEN), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(body["data"]["message"].is_string());

    let mut services = authenticating(TestServices::new());
    services
        .mail
        .expect_resend_verification()
        .returning(|_| Box::pin(async { Err(ResendVerificationError::AlreadyVerified) }));
    let (status, body) = post(services, "/api/v1/auth/verify-email/resend", Some(TOKEN), None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("CONFLICT")));
}

fn user(verified: bool, notify_on_comment: bool) -> User {
    let at = Utc.with_ymd_and_hms(2026, 11, 21, 9, 30, 0).single().expect("valid time");
    User {
        id: UserId::new(Uuid::from_u128(1)),
        email: Email::parse("alice@example.com").expect("valid"),
        username: Username::parse("alice").expect("valid"),
        display_name: None,
        bio: None,
        image: None,
        role: Role::User,
        status: AccountStatus::Active,
        created_at: at,
        updated_at: at,
        email_verified_at: verified.then_some(at),
        settings: UserSettings { notify_on_comment },
    }
}

#[actix_web::test]
async fn my_account_shows_verification_and_settings() {
    let mut services = authenticating(TestServices::new());
    services.accounts.expect_current_user().returning(|_| Box::pin(async { Ok(user(true, false)) }));
    let app = app!(services);

    let request = test::TestRequest::get()
        .uri("/api/v1/users/me")
        .insert_header(("Authorization", format!("Bearer {TOKEN}")))
        .to_request();
    let body: Value = test::call_and_read_body_json(&app, request).await;

    assert_eq!(body["data"]["emailVerified"], true);
    assert_eq!(body["data"]["settings"], json!({"notifyOnComment": false}));
}

#[actix_web::test]
async fn patching_my_settings_changes_only_what_is_sent_and_refuses_null() {
    // Arrange
    let mut services = authenticating(TestServices::new());
    services
        .accounts
        .expect_update_profile()
        .withf(|_, changes| changes.notify_on_comment == Some(false) && changes.email.is_none())
        .times(1)
        .returning(|_, _| Box::pin(async { Ok(user(false, false)) }));
    let app = app!(services);
    let patch = |body: Value| {
        test::TestRequest::patch()
            .uri("/api/v1/users/me")
            .insert_header(("Authorization", format!("Bearer {TOKEN}")))
            .set_json(body)
            .to_request()
    };

    // Act / Assert
    let response = test::call_service(&app, patch(json!({"settings": {"notifyOnComment": false}}))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = test::read_body_json(response).await;
    assert_eq!(body["data"]["settings"]["notifyOnComment"], false);

    let response = test::call_service(&app, patch(json!({"settings": {"notifyOnComment": null}}))).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = test::read_body_json(response).await;
    assert_eq!(only_detail(&body), ("settings.notifyOnComment", "blank"));

    let response = test::call_service(&app, patch(json!({"settings": {"digest": true}}))).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "unknown settings are refused");
}
