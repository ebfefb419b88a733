//! The error responses every operation can give: the envelope's schema, one
//! reusable response per status with examples of its codes, and the table of
//! codes with what each means.

use serde_json::Value;
use utoipa::ToResponse;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Schema};

use super::ERROR_SCHEMA;
use crate::error::ErrorCode;

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
pub(super) fn error_schema() -> Schema {
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
pub(super) fn reference<R: for<'r> ToResponse<'r>>() -> RefOr<Response> {
    RefOr::Ref(Ref::from_response_name(R::response().0))
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
