//! The native API over mocked domain services: statuses, envelopes and codes.

mod common;

use actix_web::http::{StatusCode, header};
use actix_web::test;
use chrono::{TimeZone, Utc};
use common::TestServices;
use folio_domain::PortError;
use folio_domain::accounts::model::{FieldUpdate, User, UserSettings};
use folio_domain::accounts::values::{
    AccessToken, AccountStatus, Bio, Email, ImageUrl, IssuedTokens, Principal, RefreshToken, Role, SessionId,
    TokenLifetime, UserId, Username,
};
use folio_domain::accounts::{AdminError, AuthenticateError, LogInError, RegisterError, SignedIn};
use folio_domain::pagination::{Page, SearchTerm};
use folio_http::HttpSettings;
use serde_json::{Value, json};
use uuid::Uuid;

fn services() -> TestServices {
    TestServices::new()
}

const TOKEN: &str = "valid-token";

fn principal(role: Role) -> Principal {
    Principal {
        user_id: UserId::new(Uuid::from_u128(1)),
        username: folio_domain::accounts::values::Username::parse("alice").expect("a valid username"),
        session_id: SessionId::new(Uuid::from_u128(2)),
        role,
    }
}

/// Accepts [`TOKEN`] as a caller with `role`, refuses anything else.
fn authenticating(mut services: TestServices, role: Role) -> TestServices {
    services.accounts.expect_authenticate().returning(move |token| {
        Box::pin(async move { if token == TOKEN { Ok(principal(role)) } else { Err(AuthenticateError::InvalidToken) } })
    });
    services
}

fn user() -> User {
    let at = Utc.with_ymd_and_hms(2026, 11, 21, 9, 30, 0).single().expect("valid time")
        + chrono::TimeDelta::microseconds(123_456);
    User {
        id: UserId::new(Uuid::from_u128(1)),
        email: Email::parse("alice@example.com").expect("valid"),
        username: Username::parse("alice").expect("valid"),
        display_name: None,
        bio: Some(Bio::parse("Hello").expect("valid")),
        image: None,
        role: Role::User,
        status: AccountStatus::Active,
        created_at: at,
        updated_at: at,
        email_verified_at: None,
        settings: UserSettings::default(),
    }
}

fn signed_in() -> SignedIn {
    SignedIn {
        user: user(),
        tokens: IssuedTokens {
            access_token: AccessToken::new("access".to_owned()),
            refresh_token: RefreshToken::new("refresh".to_owned()),
            expires_in: 900,
        },
    }
}

macro_rules! app {
    ($services:expr) => {
        test::init_service(folio_http::app(
            $services.into_state(),
            HttpSettings { body_limit: 1024, ..HttpSettings::default() },
        ))
        .await
    };
}

async fn json_body<B: actix_web::body::MessageBody>(response: actix_web::dev::ServiceResponse<B>) -> Value {
    let bytes = test::read_body(response).await;
    serde_json::from_slice(&bytes).expect("JSON body")
}

#[actix_web::test]
async fn register_returns_201_with_user_and_tokens() {
    let mut services = services();
    services
        .accounts
        .expect_register()
        .withf(|r, lifetime| {
            r.email.as_str() == "bob@example.com" && r.username.as_str() == "bob_1" && *lifetime == TokenLifetime::Short
        })
        .times(1)
        .returning(|_, _| Box::pin(async { Ok(signed_in()) }));
    let app = app!(services);
    let request = test::TestRequest::post()
        .uri("/api/v1/auth/register")
        .set_json(json!({"email": " Bob@Example.com ", "username": "Bob_1", "password": "a long passphrase"}))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body = json_body(response).await;
    assert_eq!(body["data"]["accessToken"], "access");
    assert_eq!(body["data"]["refreshToken"], "refresh");
    assert_eq!(body["data"]["expiresIn"], 900);
    assert_eq!(body["data"]["user"]["username"], "alice");
    assert_eq!(body["data"]["user"]["createdAt"], "2026-11-21T09:30:00.123Z");
    assert_eq!(body["data"]["user"]["displayName"], Value::Null);
}

#[actix_web::test]
async fn register_lists_every_invalid_field_at_once() {
    let mut services = services();
    services.accounts.expect_register().times(0);
    let app = app!(services);
    let request = test::TestRequest::post()
        .uri("/api/v1/auth/register")
        .set_json(json!({"email": "not-an-email", "username": "a b", "password": "short"}))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json_body(response).await;
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
    let fields: Vec<&str> =
        body["error"]["details"].as_array().expect("details").iter().filter_map(|d| d["field"].as_str()).collect();
    assert_eq!(fields, ["email", "username", "password"]);
    assert_eq!(body["error"]["details"][0]["code"], "invalid_email");
}

#[actix_web::test]
async fn register_reports_missing_fields_as_required() {
    let app = app!(services());
    let request = test::TestRequest::post().uri("/api/v1/auth/register").set_json(json!({})).to_request();
    let body = json_body(test::call_service(&app, request).await).await;
    let codes: Vec<&str> =
        body["error"]["details"].as_array().expect("details").iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["required", "required", "required"]);
}

#[actix_web::test]
async fn register_conflict_names_the_field() {
    let mut services = services();
    services.accounts.expect_register().returning(|_, _| Box::pin(async { Err(RegisterError::UsernameTaken) }));
    let app = app!(services);
    let request = test::TestRequest::post()
        .uri("/api/v1/auth/register")
        .set_json(json!({"email": "bob@example.com", "username": "bob", "password": "a long passphrase"}))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body = json_body(response).await;
    assert_eq!(body["error"]["code"], "CONFLICT");
    assert_eq!(body["error"]["details"][0]["field"], "username");
}

#[actix_web::test]
async fn malformed_json_is_a_400_in_the_envelope_with_the_request_id() {
    let app = app!(services());
    let request = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header(("x-request-id", "req-123"))
        .set_payload("{\"email\": ")
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers().get("x-request-id").expect("echoed"), "req-123");
    let body = json_body(response).await;
    assert_eq!(body["error"]["code"], "BAD_REQUEST");
    assert_eq!(body["error"]["requestId"], "req-123");
}

#[actix_web::test]
async fn wrong_content_type_is_415() {
    let app = app!(services());
    let request = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header((header::CONTENT_TYPE, "text/plain"))
        .set_payload("email=a")
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(json_body(response).await["error"]["code"], "UNSUPPORTED_MEDIA_TYPE");
}

#[actix_web::test]
async fn oversized_body_is_413() {
    let app = app!(services());
    let request = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .set_json(json!({"email": "a".repeat(2000), "password": "x"}))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json_body(response).await["error"]["code"], "PAYLOAD_TOO_LARGE");
}

#[actix_web::test]
async fn unknown_route_is_404_and_wrong_method_is_405_with_allow() {
    let app = app!(services());
    let response = test::call_service(&app, test::TestRequest::get().uri("/api/v1/nope").to_request()).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let generated_id = response.headers().get("x-request-id").expect("generated").to_str().expect("ascii").to_owned();
    let body = json_body(response).await;
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert_eq!(body["error"]["requestId"], generated_id.as_str());

    let response = test::call_service(&app, test::TestRequest::delete().uri("/api/v1/auth/login").to_request()).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers().get(header::ALLOW).expect("allow"), "POST");
    assert_eq!(json_body(response).await["error"]["code"], "METHOD_NOT_ALLOWED");
}

#[actix_web::test]
async fn missing_or_malformed_token_is_401_with_www_authenticate() {
    let app = app!(authenticating(services(), Role::User));
    for header_value in [None, Some("Basic abc"), Some("Bearer"), Some("Bearer wrong")] {
        let mut request = test::TestRequest::get().uri("/api/v1/users/me");
        if let Some(value) = header_value {
            request = request.insert_header((header::AUTHORIZATION, value));
        }
        let response = test::call_service(&app, request.to_request()).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "header {header_value:?}");
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
        assert_eq!(json_body(response).await["error"]["code"], "UNAUTHENTICATED");
    }
}

#[actix_web::test]
async fn login_failure_is_401_and_database_outage_is_503_without_internals() {
    let mut services = services();
    services
        .accounts
        .expect_log_in()
        .times(1)
        .returning(|_, _, _| Box::pin(async { Err(LogInError::InvalidCredentials) }));
    services.accounts.expect_log_in().times(1).returning(|_, _, _| {
        Box::pin(async {
            Err(LogInError::from(PortError::Unavailable(anyhow::anyhow!("connection refused to db.internal:5432"))))
        })
    });
    services.accounts.expect_log_in().times(1).returning(|_, _, _| {
        Box::pin(async { Err(LogInError::Unknown(anyhow::anyhow!("syntax error at or near SELECT"))) })
    });
    let app = app!(services);
    let login = || {
        test::TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"email": "a@example.com", "password": "whatever1"}))
            .to_request()
    };
    let response = test::call_service(&app, login()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let response = test::call_service(&app, login()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let text = json_body(response).await.to_string();
    assert!(text.contains("UNAVAILABLE") && !text.contains("db.internal"), "{text}");

    let response = test::call_service(&app, login()).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = json_body(response).await.to_string();
    assert!(text.contains("INTERNAL_ERROR") && !text.contains("SELECT"), "{text}");
}

#[actix_web::test]
async fn patch_me_distinguishes_missing_null_and_value() {
    let mut services = authenticating(services(), Role::User);
    services
        .accounts
        .expect_update_profile()
        .withf(|_, changes| {
            changes.email.is_none()
                && changes.username.as_ref().map(Username::as_str) == Some("new_name")
                && changes.display_name == FieldUpdate::Keep
                && changes.bio == FieldUpdate::Clear
                && changes.image == FieldUpdate::Set(ImageUrl::parse("https://img.example/a.png").expect("valid"))
        })
        .times(1)
        .returning(|_, _| Box::pin(async { Ok(user()) }));
    let app = app!(services);
    let request = test::TestRequest::patch()
        .uri("/api/v1/users/me")
        .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}")))
        .set_json(json!({"username": "New_Name", "bio": null, "image": "https://img.example/a.png"}))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn patch_me_refuses_null_email_and_unknown_fields() {
    let mut services = authenticating(services(), Role::User);
    services.accounts.expect_update_profile().times(0);
    let app = app!(services);
    for payload in [json!({"email": null}), json!({"displayname": "typo"})] {
        let request = test::TestRequest::patch()
            .uri("/api/v1/users/me")
            .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}")))
            .set_json(&payload)
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "payload {payload}");
    }
}

#[actix_web::test]
async fn admin_list_has_meta_and_rejects_limit_over_100() {
    let mut services = authenticating(services(), Role::Admin);
    services
        .admin
        .expect_list_users()
        .withf(|_, query| {
            query.search.as_ref().map(SearchTerm::as_str) == Some("ali")
                && query.page.limit() == 2
                && query.page.page() == 1
        })
        .times(1)
        .returning(|_, query| {
            Box::pin(async move { Ok(Page { items: vec![user(), user()], request: query.page, total: 5 }) })
        });
    let app = app!(services);
    let request = test::TestRequest::get()
        .uri("/api/v1/users?q=ali&limit=2")
        .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}")))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response).await;
    assert_eq!(body["meta"], json!({"page": 1, "limit": 2, "total": 5, "totalPages": 3}));
    assert_eq!(body["data"].as_array().expect("list").len(), 2);

    let request = test::TestRequest::get()
        .uri("/api/v1/users?limit=101")
        .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}")))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(response).await["error"]["details"][0]["field"], "limit");
}

#[actix_web::test]
async fn admin_errors_map_to_403_404_and_409() {
    let mut services = authenticating(services(), Role::User);
    services.admin.expect_deactivate().times(1).returning(|_, _| Box::pin(async { Err(AdminError::Forbidden) }));
    services.admin.expect_deactivate().times(1).returning(|_, _| Box::pin(async { Err(AdminError::NotFound) }));
    services.admin.expect_deactivate().times(1).returning(|_, _| Box::pin(async { Err(AdminError::LastActiveAdmin) }));
    let app = app!(services);
    for (status, code) in
        [(StatusCode::FORBIDDEN, "FORBIDDEN"), (StatusCode::NOT_FOUND, "NOT_FOUND"), (StatusCode::CONFLICT, "CONFLICT")]
    {
        let request = test::TestRequest::post()
            .uri(&format!("/api/v1/users/{}/deactivate", Uuid::now_v7()))
            .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}")))
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), status);
        assert_eq!(json_body(response).await["error"]["code"], code);
    }
}

#[actix_web::test]
async fn non_uuid_user_id_is_404() {
    let app = app!(authenticating(services(), Role::Admin));
    let request = test::TestRequest::get()
        .uri("/api/v1/users/not-a-uuid")
        .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}")))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn logout_is_204_and_revokes_the_callers_session() {
    let mut services = authenticating(services(), Role::User);
    services
        .accounts
        .expect_log_out()
        .withf(|p| *p == principal(Role::User))
        .times(1)
        .returning(|_| Box::pin(async { Ok(()) }));
    let app = app!(services);
    let request = test::TestRequest::post()
        .uri("/api/v1/auth/logout")
        .insert_header((header::AUTHORIZATION, format!("Token {TOKEN}")))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn health_answers_without_dependencies() {
    let app = app!(services());
    let response = test::call_service(&app, test::TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
}

mod content {
    use folio_domain::content::model::{Author, Favorited, Following, Post, PostSummary, Profile};
    use folio_domain::content::values::{Body, Description, PostId, PostStatus, Slug, TagList, Title};
    use folio_domain::content::{AuthorSelector, PostError, ProfileError};

    use super::*;

    fn author() -> Author {
        Author {
            id: UserId::new(Uuid::from_u128(1)),
            username: Username::parse("alice").expect("valid"),
            display_name: None,
            bio: None,
            image: None,
            following: Following::No,
        }
    }

    fn post() -> Post {
        let at = Utc.with_ymd_and_hms(2026, 11, 21, 9, 30, 0).single().expect("valid time");
        Post {
            summary: PostSummary {
                id: PostId::new(Uuid::from_u128(9)),
                slug: Slug::parse("hello-world").expect("valid"),
                title: Title::parse("Hello, World").expect("valid"),
                description: Description::parse("A first post").expect("valid"),
                tags: TagList::parse(&["rust", "web"]).expect("valid"),
                status: PostStatus::Published,
                author: author(),
                favorited: Favorited::Yes,
                favorites_count: 3,
                created_at: at,
                updated_at: at,
                published_at: Some(at),
            },
            body: Body::parse("# Hello").expect("valid"),
        }
    }

    fn bearer() -> (header::HeaderName, String) {
        (header::AUTHORIZATION, format!("Bearer {TOKEN}"))
    }

    #[actix_web::test]
    async fn create_post_is_201_with_the_body_and_lists_leave_the_body_out() {
        let mut services = authenticating(services(), Role::User);
        services
            .content
            .expect_create_post()
            .withf(|_, draft| {
                draft.title.as_str() == "Hello, World"
                    && draft.status == PostStatus::Draft
                    && draft.tags.tags().iter().map(|t| t.as_str()).collect::<Vec<_>>() == ["rust", "web"]
            })
            .times(1)
            .returning(|_, _| Box::pin(async { Ok(post()) }));
        services.content.expect_list_posts().times(1).returning(|_, listing| {
            Box::pin(async move { Ok(Page { items: vec![post().summary], request: listing.page, total: 1 }) })
        });
        let app = app!(services);
        let request = test::TestRequest::post()
            .uri("/api/v1/posts")
            .insert_header(bearer())
            .set_json(json!({"title": "Hello, World", "description": "A first post", "body": "# Hello", "tags": ["Rust", "web"]}))
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body = json_body(response).await;
        assert_eq!(body["data"]["body"], "# Hello");
        assert_eq!(body["data"]["tags"], json!(["rust", "web"]));
        assert_eq!(body["data"]["author"]["following"], false);
        assert_eq!(body["data"]["favoritesCount"], 3);

        let response = test::call_service(&app, test::TestRequest::get().uri("/api/v1/posts").to_request()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = json_body(response).await;
        assert!(body["data"][0].get("body").is_none(), "lists carry no body key");
        assert_eq!(body["meta"]["total"], 1);
    }

    #[actix_web::test]
    async fn create_post_lists_every_missing_field() {
        let app = app!(authenticating(services(), Role::User));
        let request = test::TestRequest::post()
            .uri("/api/v1/posts")
            .insert_header(bearer())
            .set_json(json!({"tags": vec!["x"; 11]}))
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body = json_body(response).await;
        let fields: Vec<&str> =
            body["error"]["details"].as_array().expect("details").iter().filter_map(|d| d["field"].as_str()).collect();
        assert_eq!(fields, ["title", "description", "body"], "duplicates collapse, so 11 x is one tag");
    }

    #[actix_web::test]
    async fn author_me_is_passed_as_the_reader_selector() {
        let mut services = authenticating(services(), Role::User);
        services
            .content
            .expect_list_posts()
            .withf(|reader, listing| {
                reader.is_some()
                    && listing.author == Some(AuthorSelector::Me)
                    && listing.status == Some(PostStatus::Draft)
            })
            .times(1)
            .returning(|_, listing| {
                Box::pin(async move { Ok(Page { items: vec![], request: listing.page, total: 0 }) })
            });
        let app = app!(services);
        let request =
            test::TestRequest::get().uri("/api/v1/posts?author=me&status=draft").insert_header(bearer()).to_request();
        assert_eq!(test::call_service(&app, request).await.status(), StatusCode::OK);
    }

    #[actix_web::test]
    async fn post_errors_map_to_404_and_403_and_bad_slugs_never_reach_the_service() {
        let mut services = authenticating(services(), Role::User);
        services.content.expect_post().times(1).returning(|_, _| Box::pin(async { Err(PostError::NotFound) }));
        services.content.expect_delete_post().times(1).returning(|_, _| Box::pin(async { Err(PostError::Forbidden) }));
        let app = app!(services);
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/api/v1/posts/some-draft").to_request()).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/api/v1/posts/Not%20A%20Slug").to_request()).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let request = test::TestRequest::delete().uri("/api/v1/posts/hello-world").insert_header(bearer()).to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }

    #[actix_web::test]
    async fn following_yourself_is_a_400_validation_error() {
        let mut services = authenticating(services(), Role::User);
        services
            .content
            .expect_follow()
            .times(1)
            .returning(|_, _| Box::pin(async { Err(ProfileError::CannotFollowSelf) }));
        let app = app!(services);
        let request =
            test::TestRequest::post().uri("/api/v1/profiles/alice/follow").insert_header(bearer()).to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(json_body(response).await["error"]["code"], "VALIDATION_ERROR");
    }

    #[actix_web::test]
    async fn profile_has_counts_and_following() {
        let mut services = services();
        services.content.expect_profile().times(1).returning(|reader, _| {
            Box::pin(async move {
                assert!(reader.is_none());
                Ok(Profile { author: author(), followers_count: 2, following_count: 5 })
            })
        });
        let app = app!(services);
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/api/v1/profiles/alice").to_request()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = json_body(response).await;
        assert_eq!(
            body["data"],
            json!({"username": "alice", "displayName": null, "bio": null, "image": null, "following": false, "followersCount": 2, "followingCount": 5})
        );
    }

    #[actix_web::test]
    async fn feed_requires_authentication() {
        let app = app!(services());
        let response = test::call_service(&app, test::TestRequest::get().uri("/api/v1/posts/feed").to_request()).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}
