//! Every answer under `/api` is in the RealWorld error shape
//! (`{"errors": {...}}`), whatever produced it: the rate limits, the body
//! extractors, the router, the request time limit and the handlers.

mod common;

use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::test;
use common::TestServices;
use folio_domain::PortError;
use folio_domain::content::ListPostsError;
use folio_http::{HttpSettings, RateLimitSettings};
use serde_json::{Value, json};

fn settings() -> HttpSettings {
    HttpSettings { body_limit: 1024, ..HttpSettings::default() }
}

async fn call(
    services: TestServices,
    settings: HttpSettings,
    request: test::TestRequest,
) -> (StatusCode, header::HeaderMap, Value) {
    let app = test::init_service(folio_http::app(services.into_state(), settings)).await;
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = test::read_body(response).await;
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("a JSON body: {bytes:?}"));
    (status, headers, body)
}

/// Asserts the RealWorld shape: one `errors` object whose values are lists of strings.
fn assert_realworld_shape(body: &Value) {
    assert!(body.get("error").is_none(), "no native envelope: {body}");
    let errors = body["errors"].as_object().unwrap_or_else(|| panic!("an errors object: {body}"));
    assert!(!errors.is_empty(), "{body}");
    for messages in errors.values() {
        let messages = messages.as_array().unwrap_or_else(|| panic!("a list of messages: {body}"));
        assert!(messages.iter().all(Value::is_string), "{body}");
    }
}

#[actix_web::test]
async fn rate_limited_requests_under_api_are_429_in_the_realworld_shape_with_retry_after() {
    let mut services = TestServices::new();
    services.limiter.refuse = true;
    let rate_limit = RateLimitSettings { enabled: true, ..RateLimitSettings::default() };
    let settings = HttpSettings { rate_limit, ..settings() };
    let request = test::TestRequest::post()
        .uri("/api/users")
        .peer_addr("203.0.113.9:5000".parse().expect("socket address"))
        .set_json(json!({"user": {"username": "a", "email": "a@example.com", "password": "password123"}}));
    let (status, headers, body) = call(services, settings, request).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers.get(header::RETRY_AFTER).expect("Retry-After"), "30");
    assert_realworld_shape(&body);
}

#[actix_web::test]
async fn the_authentication_budgets_are_drawn_by_the_routes_that_declare_them_on_both_surfaces() {
    let limited = || {
        let mut services = TestServices::new();
        services.limiter.refuse_keys = Some("auth:");
        services
    };
    let rate_limit = RateLimitSettings { enabled: true, ..RateLimitSettings::default() };
    let settings = || HttpSettings { rate_limit: rate_limit.clone(), ..settings() };
    let peer = || "203.0.113.9:5000".parse().expect("socket address");
    let log_in = json!({"user": {"email": "a@example.com", "password": "whatever1"}});
    for (uri, body) in [
        ("/api/users/login", log_in),
        ("/api/users", json!({"user": {}})),
        ("/api/v1/auth/login", json!({})),
        ("/api/v1/auth/register", json!({})),
        ("/api/v1/auth/refresh", json!({})),
        ("/api/v1/auth/password-reset", json!({})),
        ("/api/v1/auth/verify-email", json!({})),
    ] {
        let request = test::TestRequest::post().uri(uri).peer_addr(peer()).set_json(body);
        let (status, headers, _) = call(limited(), settings(), request).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{uri}");
        assert!(headers.contains_key(header::RETRY_AFTER), "{uri}");
    }
    // A route that declares no budget does not draw on one.
    let mut services = limited();
    services.content.expect_tags().times(1).returning(|| Box::pin(async { Ok(Vec::new()) }));
    let request = test::TestRequest::get().uri("/api/tags").peer_addr(peer());
    let (status, _, _) = call(services, settings(), request).await;
    assert_eq!(status, StatusCode::OK);
}

#[actix_web::test]
async fn the_native_surface_keeps_its_envelope_when_rate_limited() {
    let mut services = TestServices::new();
    services.limiter.refuse = true;
    let rate_limit = RateLimitSettings { enabled: true, ..RateLimitSettings::default() };
    let settings = HttpSettings { rate_limit, ..settings() };
    let request =
        test::TestRequest::get().uri("/api/v1/tags").peer_addr("203.0.113.9:5000".parse().expect("socket address"));
    let (status, _, body) = call(services, settings, request).await;
    assert_eq!((status, &body["error"]["code"]), (StatusCode::TOO_MANY_REQUESTS, &json!("RATE_LIMITED")));
}

#[actix_web::test]
async fn an_oversized_body_under_api_is_413_in_the_realworld_shape() {
    let request = test::TestRequest::post().uri("/api/users").set_json(json!({"user": {"username": "a".repeat(2000)}}));
    let (status, _, body) = call(TestServices::new(), settings(), request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_realworld_shape(&body);
}

#[actix_web::test]
async fn a_body_that_is_not_json_under_api_is_refused_in_the_realworld_shape() {
    let request = test::TestRequest::post()
        .uri("/api/users/login")
        .insert_header((header::CONTENT_TYPE, "text/plain"))
        .set_payload("email=a");
    let (status, _, body) = call(TestServices::new(), settings(), request).await;
    // The spec answers every unusable input with 422.
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_realworld_shape(&body);
}

#[actix_web::test]
async fn a_wrong_method_under_api_is_405_with_allow_in_the_realworld_shape() {
    for (request, allow) in [
        (test::TestRequest::delete().uri("/api/users/login"), "POST"),
        (test::TestRequest::patch().uri("/api/articles/some-slug"), "GET, PUT, DELETE"),
    ] {
        let (status, headers, body) = call(TestServices::new(), settings(), request).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(headers.get(header::ALLOW).expect("Allow"), allow);
        assert_realworld_shape(&body);
    }
}

#[actix_web::test]
async fn an_unknown_route_under_api_is_404_in_the_realworld_shape() {
    for uri in ["/api/nowhere", "/api/articles/a/b/c/d", "/api"] {
        let (status, _, body) = call(TestServices::new(), settings(), test::TestRequest::get().uri(uri)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_realworld_shape(&body);
    }
}

#[actix_web::test]
async fn an_unreachable_database_under_api_is_503_and_a_fault_500_in_the_realworld_shape() {
    let mut services = TestServices::new();
    services.content.expect_tags().times(1).returning(|| {
        Box::pin(async {
            Err(ListPostsError::from(PortError::Unavailable(anyhow::anyhow!("pool timed out on db.internal"))))
        })
    });
    services
        .content
        .expect_tags()
        .times(1)
        .returning(|| Box::pin(async { Err(ListPostsError::Unknown(anyhow::anyhow!("syntax error at SELECT"))) }));
    let app = test::init_service(folio_http::app(services.into_state(), settings())).await;

    let response = test::call_service(&app, test::TestRequest::get().uri("/api/tags").to_request()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let body: Value = test::read_body_json(response).await;
    assert_realworld_shape(&body);
    assert!(!body.to_string().contains("db.internal"), "{body}");

    let response = test::call_service(&app, test::TestRequest::get().uri("/api/tags").to_request()).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = test::read_body_json(response).await;
    assert_realworld_shape(&body);
    assert!(!body.to_string().contains("SELECT"), "{body}");
}

#[actix_web::test]
async fn a_request_over_the_time_limit_under_api_is_503_in_the_realworld_shape() {
    let mut services = TestServices::new();
    services.content.expect_tags().returning(|| {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(Vec::new())
        })
    });
    let settings = HttpSettings { request_timeout: Duration::from_millis(20), ..settings() };
    let (status, headers, body) = call(services, settings, test::TestRequest::get().uri("/api/tags")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(headers.contains_key(header::RETRY_AFTER));
    assert_realworld_shape(&body);
}
