//! `/api/v1/webhooks` over a mocked webhook service: request parsing,
//! statuses, envelopes, and that the secret is shown once.

mod common;

use actix_web::http::{StatusCode, header};
use actix_web::test;
use chrono::{DateTime, TimeZone, Utc};
use common::TestServices;
use folio_domain::ValidationErrors;
use folio_domain::accounts::AuthenticateError;
use folio_domain::accounts::values::{Principal, Role, SessionId, UserId, Username};
use folio_domain::events::EventType;
use folio_domain::pagination::{Page, PageRequest};
use folio_domain::webhooks::model::{CreatedEndpoint, Delivery, EndpointState, WebhookEndpoint};
use folio_domain::webhooks::values::{
    DeliveryId, DeliveryStatus, DisabledReason, EventSet, WebhookId, WebhookSecret, WebhookUrl,
};
use folio_domain::webhooks::{CreateWebhookError, UpdateWebhookError, WebhookAdminError};
use folio_http::HttpSettings;
use serde_json::{Value, json};
use uuid::Uuid;

const TOKEN: &str = "valid-token";
const ENDPOINT: Uuid = Uuid::from_u128(0xe9d);
const SECRET: &str = "whsec_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn principal(role: Role) -> Principal {
    Principal {
        user_id: UserId::new(Uuid::from_u128(1)),
        username: Username::parse("alice").expect("a valid username"),
        session_id: SessionId::new(Uuid::from_u128(2)),
        role,
    }
}

/// Accepts [`TOKEN`] as a caller with `role`, refuses anything else.
fn authenticated_as(role: Role) -> TestServices {
    let mut services = TestServices::new();
    services.accounts.expect_authenticate().returning(move |token| {
        Box::pin(async move { if token == TOKEN { Ok(principal(role)) } else { Err(AuthenticateError::InvalidToken) } })
    });
    services
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 9, 30, 0).single().expect("valid time") + chrono::TimeDelta::milliseconds(123)
}

fn endpoint() -> WebhookEndpoint {
    WebhookEndpoint {
        id: WebhookId::new(ENDPOINT),
        url: WebhookUrl::parse("https://hooks.example.com/folio").expect("valid"),
        events: EventSet::parse(&["post.published", "user.registered"]).expect("valid"),
        state: EndpointState::Enabled,
        consecutive_failures: 0,
        created_at: at(),
        updated_at: at(),
    }
}

macro_rules! app {
    ($services:expr) => {
        test::init_service(folio_http::app($services.into_state(), HttpSettings::default())).await
    };
}

async fn json_body<B: actix_web::body::MessageBody>(response: actix_web::dev::ServiceResponse<B>) -> Value {
    let bytes = test::read_body(response).await;
    serde_json::from_slice(&bytes).expect("JSON body")
}

fn request(method: &str, uri: &str) -> test::TestRequest {
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("a method");
    test::TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}")))
}

#[actix_web::test]
async fn registering_answers_201_with_the_endpoint_and_its_secret() {
    let mut services = authenticated_as(Role::Admin);
    services
        .webhooks
        .expect_create_endpoint()
        .withf(|actor, registration| {
            actor.role == Role::Admin
                && registration.url.as_str() == "https://hooks.example.com/folio"
                && registration.events.names() == ["user.registered", "post.published"]
                && registration.enabled
        })
        .times(1)
        .returning(|_, _| {
            Box::pin(async { Ok(CreatedEndpoint { endpoint: endpoint(), secret: WebhookSecret::new(SECRET.into()) }) })
        });
    let app = app!(services);

    let response = test::call_service(
        &app,
        request("POST", "/api/v1/webhooks")
            .set_json(json!({
                "url": " HTTPS://Hooks.Example.com/folio ",
                "events": ["post.published", "user.registered", "post.published"],
            }))
            .to_request(),
    )
    .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body = json_body(response).await;
    assert_eq!(
        body["data"],
        json!({
            "id": ENDPOINT,
            "url": "https://hooks.example.com/folio",
            "events": ["user.registered", "post.published"],
            "enabled": true,
            "disabledReason": null,
            "disabledAt": null,
            "consecutiveFailures": 0,
            "createdAt": "2026-11-21T09:30:00.123Z",
            "updatedAt": "2026-11-21T09:30:00.123Z",
            "secret": SECRET,
        })
    );
}

#[actix_web::test]
async fn registering_lists_every_invalid_field_without_calling_the_service() {
    let mut services = authenticated_as(Role::Admin);
    services.webhooks.expect_create_endpoint().times(0);
    let app = app!(services);
    let cases = [
        (json!({}), vec![("url", "required"), ("events", "required")]),
        (json!({"url": "ftp://x.com/", "events": []}), vec![("url", "invalid_url"), ("events", "empty")]),
        (
            json!({"url": "https://u:p@x.com/", "events": ["user.password_reset_requested"]}),
            vec![("url", "credentials_in_url"), ("events", "unknown_event")],
        ),
    ];
    for (sent, expected) in cases {
        let response = test::call_service(&app, request("POST", "/api/v1/webhooks").set_json(&sent).to_request()).await;

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{sent}");
        let body = json_body(response).await;
        assert_eq!(body["error"]["code"], "VALIDATION_ERROR", "{sent}");
        let details: Vec<(String, String)> = body["error"]["details"]
            .as_array()
            .expect("details")
            .iter()
            .map(|d| (d["field"].as_str().unwrap_or("").to_owned(), d["code"].as_str().unwrap_or("").to_owned()))
            .collect();
        let expected: Vec<(String, String)> =
            expected.iter().map(|(f, c)| ((*f).to_owned(), (*c).to_owned())).collect();
        assert_eq!(details, expected, "{sent}");
    }
}

#[actix_web::test]
async fn a_private_target_is_a_validation_error_on_url() {
    let mut services = authenticated_as(Role::Admin);
    services.webhooks.expect_create_endpoint().times(1).returning(|_, _| {
        let errors = ValidationErrors::single(
            "url",
            "private_address",
            "url's host localhost resolves to 127.0.0.1, which is not a public address",
        );
        Box::pin(async move { Err(CreateWebhookError::Validation(errors)) })
    });
    let app = app!(services);

    let response = test::call_service(
        &app,
        request("POST", "/api/v1/webhooks")
            .set_json(json!({"url": "http://localhost:9000/", "events": ["post.published"]}))
            .to_request(),
    )
    .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json_body(response).await;
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
    assert_eq!(body["error"]["details"][0]["field"], "url");
    assert_eq!(body["error"]["details"][0]["code"], "private_address");
}

#[actix_web::test]
async fn anonymous_callers_get_401_and_non_admins_403() {
    let mut services = authenticated_as(Role::Moderator);
    services.webhooks.expect_list_endpoints().returning(|_, _| Box::pin(async { Err(WebhookAdminError::Forbidden) }));
    services.webhooks.expect_create_endpoint().returning(|_, _| Box::pin(async { Err(CreateWebhookError::Forbidden) }));
    let app = app!(services);

    let anonymous = test::call_service(&app, test::TestRequest::get().uri("/api/v1/webhooks").to_request()).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_body(anonymous).await["error"]["code"], "UNAUTHENTICATED");

    let listed = test::call_service(&app, request("GET", "/api/v1/webhooks").to_request()).await;
    assert_eq!(listed.status(), StatusCode::FORBIDDEN);
    assert_eq!(json_body(listed).await["error"]["code"], "FORBIDDEN");
    let created = test::call_service(
        &app,
        request("POST", "/api/v1/webhooks")
            .set_json(json!({"url": "https://x.com/", "events": ["post.published"]}))
            .to_request(),
    )
    .await;
    assert_eq!(created.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn listing_and_getting_never_show_the_secret() {
    let mut services = authenticated_as(Role::Admin);
    services
        .webhooks
        .expect_list_endpoints()
        .withf(|_, page| page.page() == 2 && page.limit() == 1)
        .times(1)
        .returning(|_, page| Box::pin(async move { Ok(Page { items: vec![endpoint()], request: page, total: 3 }) }));
    services.webhooks.expect_get_endpoint().withf(|_, id| id.as_uuid() == ENDPOINT).times(1).returning(|_, _| {
        let disabled = WebhookEndpoint {
            state: EndpointState::Disabled { reason: DisabledReason::Failures, since: at() },
            consecutive_failures: 10,
            ..endpoint()
        };
        Box::pin(async move { Ok(disabled) })
    });
    let app = app!(services);

    let listed =
        json_body(test::call_service(&app, request("GET", "/api/v1/webhooks?page=2&limit=1").to_request()).await).await;
    assert_eq!(listed["meta"], json!({"page": 2, "limit": 1, "total": 3, "totalPages": 3}));
    assert_eq!(listed["data"][0]["id"], ENDPOINT.to_string());
    assert!(listed["data"][0].get("secret").is_none());

    let got =
        json_body(test::call_service(&app, request("GET", &format!("/api/v1/webhooks/{ENDPOINT}")).to_request()).await)
            .await;
    assert!(got["data"].get("secret").is_none());
    assert_eq!(got["data"]["enabled"], false);
    assert_eq!(got["data"]["disabledReason"], "failures");
    assert_eq!(got["data"]["disabledAt"], "2026-11-21T09:30:00.123Z");
    assert_eq!(got["data"]["consecutiveFailures"], 10);
}

#[actix_web::test]
async fn a_bad_page_is_refused() {
    let mut services = authenticated_as(Role::Admin);
    services.webhooks.expect_list_endpoints().times(0);
    let app = app!(services);

    let response = test::call_service(&app, request("GET", "/api/v1/webhooks?limit=500").to_request()).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(response).await["error"]["details"][0]["field"], "limit");
}

#[actix_web::test]
async fn updating_keeps_what_is_left_out_and_refuses_nulls() {
    let mut services = authenticated_as(Role::Admin);
    services
        .webhooks
        .expect_update_endpoint()
        .withf(|_, id, changes| {
            id.as_uuid() == ENDPOINT
                && changes.url.is_none()
                && changes.events.as_ref().is_some_and(|events| events.names() == ["comment.created"])
                && changes.enabled == Some(false)
        })
        .times(1)
        .returning(|_, _, _| Box::pin(async { Ok(endpoint()) }));
    let app = app!(services);
    let uri = format!("/api/v1/webhooks/{ENDPOINT}");

    let updated = test::call_service(
        &app,
        request("PATCH", &uri).set_json(json!({"events": ["comment.created"], "enabled": false})).to_request(),
    )
    .await;
    assert_eq!(updated.status(), StatusCode::OK);

    let nulls = test::call_service(
        &app,
        request("PATCH", &uri).set_json(json!({"url": null, "events": null, "enabled": null})).to_request(),
    )
    .await;
    assert_eq!(nulls.status(), StatusCode::BAD_REQUEST);
    let body = json_body(nulls).await;
    let fields: Vec<&str> =
        body["error"]["details"].as_array().expect("details").iter().filter_map(|d| d["field"].as_str()).collect();
    assert_eq!(fields, ["url", "events", "enabled"]);

    let unknown_field =
        test::call_service(&app, request("PATCH", &uri).set_json(json!({"secret": "x"})).to_request()).await;
    assert_eq!(unknown_field.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(unknown_field).await["error"]["code"], "BAD_REQUEST");
}

#[actix_web::test]
async fn unknown_endpoints_are_404_and_deleting_answers_204() {
    let mut services = authenticated_as(Role::Admin);
    services
        .webhooks
        .expect_update_endpoint()
        .returning(|_, _, _| Box::pin(async { Err(UpdateWebhookError::NotFound) }));
    services.webhooks.expect_get_endpoint().returning(|_, _| Box::pin(async { Err(WebhookAdminError::NotFound) }));
    services
        .webhooks
        .expect_list_deliveries()
        .returning(|_, _, _| Box::pin(async { Err(WebhookAdminError::NotFound) }));
    let mut deleted = false;
    services.webhooks.expect_delete_endpoint().times(2).returning(move |_, _| {
        let first = !deleted;
        deleted = true;
        Box::pin(async move { if first { Ok(()) } else { Err(WebhookAdminError::NotFound) } })
    });
    let app = app!(services);
    let uri = format!("/api/v1/webhooks/{ENDPOINT}");

    for (method, uri) in [("GET", uri.clone()), ("GET", format!("{uri}/deliveries"))] {
        let response = test::call_service(&app, request(method, &uri).to_request()).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {uri}");
        assert_eq!(json_body(response).await["error"]["code"], "NOT_FOUND");
    }
    let response =
        test::call_service(&app, request("PATCH", &uri).set_json(json!({"enabled": true})).to_request()).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = test::call_service(&app, request("DELETE", &uri).to_request()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = test::call_service(&app, request("DELETE", &uri).to_request()).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // A path that is not a UUID names nothing.
    let response = test::call_service(&app, request("GET", "/api/v1/webhooks/not-a-uuid").to_request()).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_delivery_log_shows_each_deliverys_latest_attempt() {
    let mut services = authenticated_as(Role::Admin);
    services
        .webhooks
        .expect_list_deliveries()
        .withf(|_, id, page| id.as_uuid() == ENDPOINT && *page == PageRequest::default())
        .times(1)
        .returning(|_, id, page| {
            let delivery = Delivery {
                id: DeliveryId::new(Uuid::from_u128(0xde1)),
                endpoint_id: id,
                event_id: Uuid::from_u128(0xe7e),
                event_type: EventType::PostPublished,
                status: DeliveryStatus::Succeeded,
                attempts: 2,
                response_code: Some(200),
                latency_ms: Some(87),
                last_error: None,
                created_at: at(),
                last_attempt_at: Some(at()),
                updated_at: at(),
            };
            Box::pin(async move { Ok(Page { items: vec![delivery], request: page, total: 1 }) })
        });
    let app = app!(services);

    let response =
        test::call_service(&app, request("GET", &format!("/api/v1/webhooks/{ENDPOINT}/deliveries")).to_request()).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response).await;
    assert_eq!(
        body["data"][0],
        json!({
            "id": Uuid::from_u128(0xde1),
            "eventId": Uuid::from_u128(0xe7e),
            "eventType": "post.published",
            "status": "succeeded",
            "attempts": 2,
            "responseCode": 200,
            "latencyMs": 87,
            "lastError": null,
            "createdAt": "2026-11-21T09:30:00.123Z",
            "lastAttemptAt": "2026-11-21T09:30:00.123Z",
            "updatedAt": "2026-11-21T09:30:00.123Z",
        })
    );
    assert_eq!(body["meta"]["total"], 1);
}
