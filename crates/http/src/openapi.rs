//! The OpenAPI 3.1 document of the native API (`/api/v1`), generated from the
//! code with `utoipa`: the handlers' `#[utoipa::path]` annotations, the DTOs'
//! `ToSchema` derives, and the error responses and security scheme below.
//!
//! Contract:
//! - the document names exactly the routes of the `/api/v1` route table (see
//!   `v1/mod.rs`; `tests/openapi.rs` checks it against the running router);
//! - every operation lists its own business errors in its annotation, and
//!   `CommonResponses` adds the ones every route shares, so no operation can
//!   forget them: 429, 500 and 503 everywhere; 401 where a bearer token is
//!   accepted; 400, 413 and 415 where a JSON body is read;
//! - every error response is the envelope
//!   `{"error": {"code", "message", "details", "requestId"}}` with one of the
//!   codes of [`ErrorCode`].
//!
//! It is served at `GET /api/v1/openapi.json`, printed by `folio openapi`, and
//! browsable at `/docs` (see `landing.rs`).

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::header::ContentType;
use serde_json::Value;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ArrayBuilder, ArrayItems, ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Schema};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::ErrorCode;
pub use crate::v1::V1_ROUTES;

/// The name of the bearer (JWT) security scheme in the document.
pub const BEARER: &str = "bearerAuth";

/// The name of the error envelope's schema in the document.
const ERROR_SCHEMA: &str = "Error";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Folio API",
        description = "The native API of Folio, a content-platform backend: accounts and roles, profiles and \
follows, posts with drafts, tags, comments and favourites, a personal feed, and signed webhooks.\n\n\
Successful answers are `{\"data\": ...}`; lists add `\"meta\": {\"page\", \"limit\", \"total\", \"totalPages\"}`. \
Every failure is `{\"error\": {\"code\", \"message\", \"details\", \"requestId\"}}` with a stable `code`. \
Field names are camelCase, times are RFC 3339 UTC with milliseconds, ids are UUIDs except comment ids (64-bit \
integers).\n\n\
Authenticate with `Authorization: Bearer <access token>`: the access token comes from `POST /api/v1/auth/login` \
(or `register`), lives 15 minutes, and is renewed with the refresh token at `POST /api/v1/auth/refresh`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    nest((path = "/api/v1", api = crate::v1::V1Api)),
    components(responses(
        BadRequest,
        Unauthenticated,
        Forbidden,
        NotFound,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        RateLimited,
        InternalError,
        Unavailable,
    )),
    modifiers(&CommonResponses, &ReferenceNamedSchemas),
    tags(
        (name = "auth", description = "Registration and sessions: access and refresh tokens."),
        (name = "users", description = "The caller's own account."),
        (name = "admin", description = "Account administration; admins only."),
        (name = "profiles", description = "Public profiles and following."),
        (name = "posts", description = "Posts, drafts, publishing, favourites and the personal feed."),
        (name = "comments", description = "Comments on posts."),
        (name = "tags", description = "Tags in use."),
        (name = "webhooks", description = "Webhook endpoints: signed POSTs of public events, and their delivery logs; \
admins only."),
        (name = "meta", description = "This document."),
    ),
)]
struct ApiDoc;

/// The OpenAPI document of the native API.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as pretty-printed JSON, as served and as `folio openapi` prints it.
pub fn to_json() -> String {
    // Serialising a tree of strings, maps and numbers cannot fail.
    document().to_pretty_json().unwrap_or_default()
}

static JSON: LazyLock<String> = LazyLock::new(to_json);

/// This document, in OpenAPI 3.1 JSON.
#[utoipa::path(
    get,
    path = crate::v1::paths::OPENAPI_JSON,
    operation_id = "getOpenApiDocument",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API.", content_type = "application/json",
        body = Object)),
)]
pub(crate) async fn serve() -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::json()).body(JSON.as_str())
}

/// Every error code, each with the status it is sent with and what it means.
const ERROR_CODES: [ErrorCode; 12] = [
    ErrorCode::BadRequest,
    ErrorCode::ValidationError,
    ErrorCode::Unauthenticated,
    ErrorCode::Forbidden,
    ErrorCode::NotFound,
    ErrorCode::MethodNotAllowed,
    ErrorCode::Conflict,
    ErrorCode::PayloadTooLarge,
    ErrorCode::UnsupportedMediaType,
    ErrorCode::RateLimited,
    ErrorCode::InternalError,
    ErrorCode::Unavailable,
];

/// The wire name of a code (as `ErrorCode` serialises; a unit test checks it)
/// and what it means. Exhaustive, so a new code cannot go undocumented.
fn describe(code: ErrorCode) -> (&'static str, &'static str) {
    match code {
        ErrorCode::BadRequest => ("BAD_REQUEST", "malformed JSON, a body of the wrong shape, or a bad query string"),
        ErrorCode::ValidationError => {
            ("VALIDATION_ERROR", "well-formed input that breaks a rule; `details` lists every field")
        }
        ErrorCode::Unauthenticated => {
            ("UNAUTHENTICATED", "no credentials, or credentials that are invalid, expired or revoked")
        }
        ErrorCode::Forbidden => ("FORBIDDEN", "authenticated, but not allowed to do this"),
        ErrorCode::NotFound => ("NOT_FOUND", "no such resource, or no such route"),
        ErrorCode::MethodNotAllowed => {
            ("METHOD_NOT_ALLOWED", "the route exists but not with this method; `Allow` lists the methods")
        }
        ErrorCode::Conflict => ("CONFLICT", "a unique value is taken, or the current state forbids the change"),
        ErrorCode::PayloadTooLarge => ("PAYLOAD_TOO_LARGE", "the request body is larger than allowed"),
        ErrorCode::UnsupportedMediaType => ("UNSUPPORTED_MEDIA_TYPE", "the body is not sent as `application/json`"),
        ErrorCode::RateLimited => ("RATE_LIMITED", "too many requests; retry after `Retry-After` seconds"),
        ErrorCode::InternalError => ("INTERNAL_ERROR", "a fault on the server; nothing internal is disclosed"),
        ErrorCode::Unavailable => ("UNAVAILABLE", "a dependency (the database) is unreachable; retry shortly"),
    }
}

/// The error envelope's schema.
fn error_schema() -> Schema {
    let codes = ERROR_CODES.map(|code| describe(code).0);
    let code_list = ERROR_CODES
        .iter()
        .map(|&code| {
            let (name, meaning) = describe(code);
            format!("- `{name}` ({}): {meaning}", code.status().as_u16())
        })
        .collect::<Vec<_>>()
        .join("\n");
    let detail = ObjectBuilder::new()
        .description(Some("One problem with one field of the request."))
        .property(
            "field",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("The field as the client named it (camelCase)."))
                .examples(["email"]),
        )
        .required("field")
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("A stable snake_case code for the problem."))
                .examples(["invalid_email"]),
        )
        .required("code")
        .property(
            "message",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("A sentence a person can act on."))
                .examples(["email must be a valid address such as name@example.com"]),
        )
        .required("message");
    let body = ObjectBuilder::new()
        .property(
            "code",
            ObjectBuilder::new().schema_type(Type::String).enum_values(Some(codes)).description(Some(format!(
                "The stable error code; each is always sent with the same status:\n{code_list}"
            ))),
        )
        .required("code")
        .property(
            "message",
            ObjectBuilder::new().schema_type(Type::String).description(Some("What went wrong, for a person.")),
        )
        .required("message")
        .property(
            "details",
            ArrayBuilder::new()
                .items(detail)
                .description(Some("Every field problem; present only when there are some (validation and conflicts).")),
        )
        .property(
            "requestId",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("The request's id, as echoed in `X-Request-Id`; quote it when reporting a problem.")),
        );
    ObjectBuilder::new()
        .description(Some("The body of every error response."))
        .property("error", body)
        .required("error")
        .into()
}

/// The request id in the examples.
const EXAMPLE_REQUEST_ID: &str = "0190f5a8-3c2e-7b4a-9d1e-5f6a7b8c9d0e";

/// An example error body.
fn example(code: ErrorCode, message: &str) -> Value {
    serde_json::json!({ "error": { "code": describe(code).0, "message": message, "requestId": EXAMPLE_REQUEST_ID } })
}

/// An error response: the envelope, with an example of each code it may carry.
fn error_response(description: &str, examples: Vec<(ErrorCode, Value)>) -> ResponseBuilder {
    let codes = examples.iter().map(|(code, _)| format!("`{}`", describe(*code).0)).collect::<Vec<_>>().join(" or ");
    let examples = examples.into_iter().map(|(code, value)| {
        let name = describe(code).0;
        (name, ExampleBuilder::new().summary(name).value(Some(value)).build())
    });
    let content =
        ContentBuilder::new().schema(Some(Ref::from_schema_name(ERROR_SCHEMA))).examples_from_iter(examples).build();
    ResponseBuilder::new()
        .description(format!("{description} Error code: {codes}."))
        .content("application/json", content)
}

/// A response header holding a whole number.
fn integer_header(description: &str) -> Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)))
        .description(Some(description))
        .build()
}

/// Reusable error responses, referenced from the operations by name
/// (`response = doc::NotFound`) and listed once in the components.
macro_rules! error_responses {
    ($($(#[$doc:meta])* $name:ident => $build:ident;)+) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), RefOr::T($build()))
            }
        }
    )+};
}

error_responses! {
    /// 400: a malformed request or invalid fields.
    BadRequest => bad_request;
    /// 401: no valid credentials.
    Unauthenticated => unauthenticated;
    /// 403: not allowed.
    Forbidden => forbidden;
    /// 404: nothing here.
    NotFound => not_found;
    /// 409: a conflict with what is stored.
    Conflict => conflict;
    /// 413: the body is too large.
    PayloadTooLarge => payload_too_large;
    /// 415: the body is not JSON.
    UnsupportedMediaType => unsupported_media_type;
    /// 429: too many requests.
    RateLimited => rate_limited;
    /// 500: a fault of ours.
    InternalError => internal_error;
    /// 503: a dependency is down, or the request took too long.
    Unavailable => unavailable;
}

fn bad_request() -> Response {
    let validation = serde_json::json!({ "error": {
        "code": describe(ErrorCode::ValidationError).0,
        "message": "The request has invalid fields; see details.",
        "details": [
            { "field": "email", "code": "invalid_email", "message": "email must be a valid address such as name@example.com" },
            { "field": "password", "code": "too_short", "message": "password must be at least 8 characters" },
        ],
        "requestId": EXAMPLE_REQUEST_ID,
    }});
    let malformed = example(ErrorCode::BadRequest, "The request body is not valid JSON: EOF while parsing an object.");
    error_response(
        "The request is malformed, or some fields are invalid (`details` lists every one, so a client can show \
         all its mistakes at once).",
        vec![(ErrorCode::ValidationError, validation), (ErrorCode::BadRequest, malformed)],
    )
    .build()
}

fn unauthenticated() -> Response {
    let message = "The access token has expired; refresh it or log in again.";
    error_response(
        "No credentials, or invalid, expired or revoked ones. Sent with `WWW-Authenticate: Bearer`.",
        vec![(ErrorCode::Unauthenticated, example(ErrorCode::Unauthenticated, message))],
    )
    .header(
        "WWW-Authenticate",
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::String))
            .description(Some("`Bearer`"))
            .build(),
    )
    .build()
}

fn forbidden() -> Response {
    error_response(
        "The caller is authenticated but may not do this.",
        vec![(ErrorCode::Forbidden, example(ErrorCode::Forbidden, "You may not change this."))],
    )
    .build()
}

fn not_found() -> Response {
    error_response(
        "Nothing exists at this path (or nothing the caller may see).",
        vec![(ErrorCode::NotFound, example(ErrorCode::NotFound, "No post has this slug."))],
    )
    .build()
}

fn conflict() -> Response {
    let taken = serde_json::json!({ "error": {
        "code": describe(ErrorCode::Conflict).0,
        "message": "This email is already registered.",
        "details": [{ "field": "email", "code": "taken", "message": "This email is already registered." }],
        "requestId": EXAMPLE_REQUEST_ID,
    }});
    error_response(
        "A unique value is taken (`details` names the field), or the current state forbids the change.",
        vec![(ErrorCode::Conflict, taken)],
    )
    .build()
}

fn payload_too_large() -> Response {
    let message = "The request body is larger than 1048576 bytes.";
    error_response(
        "The request body is larger than the configured limit (1 MiB by default).",
        vec![(ErrorCode::PayloadTooLarge, example(ErrorCode::PayloadTooLarge, message))],
    )
    .build()
}

fn unsupported_media_type() -> Response {
    let message = "The request body must be JSON, sent with 'Content-Type: application/json'.";
    error_response(
        "The body was not sent with `Content-Type: application/json`.",
        vec![(ErrorCode::UnsupportedMediaType, example(ErrorCode::UnsupportedMediaType, message))],
    )
    .build()
}

fn rate_limited() -> Response {
    let message = "Too many requests; try again later.";
    error_response(
        "Too many requests from this client, or too many failed log-ins for this account.",
        vec![(ErrorCode::RateLimited, example(ErrorCode::RateLimited, message))],
    )
    .header("Retry-After", integer_header("Seconds to wait before retrying."))
    .header("RateLimit-Limit", integer_header("Requests allowed in the current window."))
    .header("RateLimit-Remaining", integer_header("Requests left in the current window."))
    .header("RateLimit-Reset", integer_header("Seconds until the current window ends."))
    .build()
}

fn internal_error() -> Response {
    let message = "Something went wrong on our side; the request id identifies it in our logs.";
    error_response(
        "A fault on the server. Nothing internal is disclosed; the request id identifies it in the logs.",
        vec![(ErrorCode::InternalError, example(ErrorCode::InternalError, message))],
    )
    .build()
}

fn unavailable() -> Response {
    let message = "The service is temporarily unavailable; try again shortly.";
    error_response(
        "A dependency (the database) is unreachable, or the request took longer than the server allows.",
        vec![(ErrorCode::Unavailable, example(ErrorCode::Unavailable, message))],
    )
    .header("Retry-After", integer_header("Seconds to wait before retrying."))
    .build()
}

/// A `$ref` to a reusable response.
fn reference<R: for<'r> ToResponse<'r>>() -> RefOr<Response> {
    RefOr::Ref(Ref::from_response_name(R::response().0))
}

/// Adds what every operation shares: the error schema, the bearer scheme, and
/// the error responses that do not depend on the operation's own logic.
#[derive(Debug)]
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.schemas.insert(ERROR_SCHEMA.to_owned(), RefOr::T(error_schema()));
        components.security_schemes.insert(
            BEARER.to_owned(),
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A short-lived access token from `POST /api/v1/auth/login`, `register` or `refresh`, sent as \
                         `Authorization: Bearer <access token>`.",
                    ))
                    .build(),
            ),
        );
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                let takes_body = operation.request_body.is_some();
                let takes_token = operation.security.iter().flatten().any(|requirement| {
                    serde_json::to_value(requirement).is_ok_and(|value| value.get(BEARER).is_some())
                });
                let mut shared = Vec::new();
                if takes_body {
                    shared.extend([
                        ("400", reference::<BadRequest>()),
                        ("413", reference::<PayloadTooLarge>()),
                        ("415", reference::<UnsupportedMediaType>()),
                    ]);
                }
                if takes_token {
                    shared.push(("401", reference::<Unauthenticated>()));
                }
                shared.extend([
                    ("429", reference::<RateLimited>()),
                    ("500", reference::<InternalError>()),
                    ("503", reference::<Unavailable>()),
                ]);
                let responses = &mut operation.responses.responses;
                for (status, reference) in shared {
                    responses.entry(status.to_owned()).or_insert(reference);
                }
            }
        }
    }
}

/// Replaces every inline copy of a named schema with a `$ref` to it.
///
/// utoipa 5 inlines the arguments of generic schemas, so `Data<UserResponse>`
/// would carry a full copy of `User`, and client generators would see an
/// anonymous type instead of `User`. A subschema equal to a component schema
/// is that schema, so referencing it changes nothing but the names.
#[derive(Debug)]
struct ReferenceNamedSchemas;

impl Modify for ReferenceNamedSchemas {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let named: Vec<(String, RefOr<Schema>)> =
            components.schemas.iter().map(|(name, schema)| (name.clone(), schema.clone())).collect();
        for (name, schema) in &mut components.schemas {
            let RefOr::T(schema) = schema else { continue };
            replace_in_schema(schema, &named, name);
        }
    }
}

/// Replaces the copies in the subschemas of `schema` (not `schema` itself).
fn replace_in_schema(schema: &mut Schema, named: &[(String, RefOr<Schema>)], own_name: &str) {
    let children: Vec<&mut RefOr<Schema>> = match schema {
        Schema::Object(object) => object.properties.values_mut().collect(),
        Schema::Array(array) => match &mut array.items {
            ArrayItems::RefOrSchema(items) => vec![items.as_mut()],
            _ => Vec::new(),
        },
        Schema::AllOf(all_of) => all_of.items.iter_mut().collect(),
        Schema::OneOf(one_of) => one_of.items.iter_mut().collect(),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().collect(),
        _ => Vec::new(),
    };
    for child in children {
        if let Some((name, _)) = named.iter().find(|(name, schema)| name != own_name && schema == &*child) {
            *child = RefOr::Ref(Ref::from_schema_name(name.clone()));
        } else if let RefOr::T(child) = child {
            replace_in_schema(child, named, own_name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_code_names_are_the_serialised_ones() {
        for code in ERROR_CODES {
            let serialised = serde_json::to_value(code).expect("a code serialises");
            assert_eq!(serialised, describe(code).0, "{code:?}");
        }
    }
}
