//! The RealWorld surface signs clients in for as long as a session lasts:
//! the spec has no refresh, so a short-lived token would sign a RealWorld
//! front end out mid-use.

mod common;

use actix_web::http::StatusCode;
use actix_web::test;
use chrono::Utc;
use common::TestServices;
use folio_domain::accounts::SignedIn;
use folio_domain::accounts::model::{User, UserSettings};
use folio_domain::accounts::values::{
    AccessToken, AccountStatus, Email, IssuedTokens, RefreshToken, Role, TokenLifetime, UserId, Username,
};
use folio_http::HttpSettings;
use mockall::predicate::eq;
use serde_json::{Value, json};
use uuid::Uuid;

fn signed_in() -> SignedIn {
    let at = Utc::now();
    SignedIn {
        user: User {
            id: UserId::new(Uuid::from_u128(1)),
            email: Email::parse("jake@jake.jake").expect("valid"),
            username: Username::parse("jake").expect("valid"),
            display_name: None,
            bio: None,
            image: None,
            role: Role::User,
            status: AccountStatus::Active,
            created_at: at,
            updated_at: at,
            email_verified_at: None,
            settings: UserSettings::default(),
        },
        tokens: IssuedTokens {
            access_token: AccessToken::new("session-long".to_owned()),
            refresh_token: RefreshToken::new("unused".to_owned()),
            expires_in: 30 * 24 * 3600,
        },
    }
}

#[actix_web::test]
async fn realworld_log_in_asks_for_a_token_that_lives_as_long_as_the_session() {
    let mut services = TestServices::new();
    services
        .accounts
        .expect_log_in()
        .with(eq("jake@jake.jake".to_owned()), mockall::predicate::always(), eq(TokenLifetime::Session))
        .times(1)
        .returning(|_, _, _| Box::pin(async { Ok(signed_in()) }));
    let app = test::init_service(folio_http::app(services.into_state(), HttpSettings::default())).await;

    let request = test::TestRequest::post()
        .uri("/api/users/login")
        .set_json(json!({"user": {"email": "jake@jake.jake", "password": "jakejake"}}))
        .to_request();
    let response = test::call_service(&app, request).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = test::read_body_json(response).await;
    assert_eq!(body["user"]["token"], "session-long");
}

#[actix_web::test]
async fn realworld_registration_asks_for_a_token_that_lives_as_long_as_the_session() {
    let mut services = TestServices::new();
    services
        .accounts
        .expect_register()
        .withf(|registration, lifetime| registration.username.as_str() == "jake" && *lifetime == TokenLifetime::Session)
        .times(1)
        .returning(|_, _| Box::pin(async { Ok(signed_in()) }));
    let app = test::init_service(folio_http::app(services.into_state(), HttpSettings::default())).await;

    let request = test::TestRequest::post()
        .uri("/api/users")
        .set_json(json!({"user": {"username": "jake", "email": "jake@jake.jake", "password": "a long passphrase"}}))
        .to_request();
    let response = test::call_service(&app, request).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = test::read_body_json(response).await;
    assert_eq!(body["user"]["token"], "session-long");
}
