//! The error envelope every failure is answered with; the mapping from domain
//! errors to HTTP statuses and stable codes is in `from_domain`.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use folio_domain::{FieldError, PortError, ValidationErrors};
use serde::Serialize;

use crate::request_id;

mod from_domain;

/// The stable, documented error codes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400: malformed JSON or query.
    BadRequest,
    /// 400: well-formed input that breaks a rule; `details` lists every field.
    ValidationError,
    /// 401: no, or no valid, credentials.
    Unauthenticated,
    /// 403: authenticated but not allowed.
    Forbidden,
    /// 404: no such resource or route.
    NotFound,
    /// 405: the route exists, the method does not.
    MethodNotAllowed,
    /// 409: a unique value is taken, or the state forbids the change.
    Conflict,
    /// 413: the body is larger than allowed.
    PayloadTooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 429: too many requests.
    RateLimited,
    /// 500: a fault of ours; nothing internal is disclosed.
    InternalError,
    /// 503: a dependency is down; try again later.
    Unavailable,
}

impl ErrorCode {
    /// The status this code is always sent with.
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest | Self::ValidationError => StatusCode::BAD_REQUEST,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// An error answer: a code, a message a person can act on, and field details.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    details: Vec<FieldError>,
    allow: Option<&'static str>,
    retry_after: Option<std::time::Duration>,
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), details: Vec::new(), allow: None, retry_after: None }
    }

    /// 400 `VALIDATION_ERROR` listing every field problem.
    pub fn validation(errors: ValidationErrors) -> Self {
        let mut error = Self::new(ErrorCode::ValidationError, "The request has invalid fields; see details.");
        error.details = errors.errors().to_vec();
        error
    }

    /// 409 `CONFLICT` naming the field whose value is taken.
    pub fn conflict(field: &str, message: &str) -> Self {
        let mut error = Self::new(ErrorCode::Conflict, message);
        error.details.push(FieldError { field: field.to_owned(), code: "taken", message: message.to_owned() });
        error
    }

    /// 401 `UNAUTHENTICATED`.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthenticated, message)
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// 405 `METHOD_NOT_ALLOWED` with the `Allow` header.
    pub fn method_not_allowed(allow: &'static str) -> Self {
        let mut error = Self::new(ErrorCode::MethodNotAllowed, format!("This route supports only: {allow}."));
        error.allow = Some(allow);
        error
    }

    /// 429 `RATE_LIMITED` with `Retry-After`.
    pub fn rate_limited(message: impl Into<String>, retry_after: std::time::Duration) -> Self {
        let mut error = Self::new(ErrorCode::RateLimited, message);
        error.retry_after = Some(retry_after);
        error
    }

    /// The methods the route supports, for 405 answers.
    pub fn allow(&self) -> Option<&'static str> {
        self.allow
    }

    /// When the client may retry, for 429 answers.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.retry_after
    }

    /// 500 or 503 for an error nobody can act on. The cause chain is logged
    /// here, once, and never sent to the client.
    pub fn internal(error: &anyhow::Error) -> Self {
        if PortError::is_unavailable(error) {
            tracing::warn!(error = format!("{error:#}"), "dependency unavailable");
            return Self::new(ErrorCode::Unavailable, "The service is temporarily unavailable; try again shortly.");
        }
        tracing::error!(error = format!("{error:#}"), "internal error");
        Self::new(
            ErrorCode::InternalError,
            "Something went wrong on our side; the request id identifies it in our logs.",
        )
    }

    /// The code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message for a person.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The field problems, if any.
    pub fn details(&self) -> &[FieldError] {
        &self.details
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    code: ErrorCode,
    message: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    details: Vec<Detail<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

#[derive(Serialize)]
struct Detail<'a> {
    field: &'a str,
    code: &'a str,
    message: &'a str,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let body = Envelope {
            error: Body {
                code: self.code,
                message: &self.message,
                details: self
                    .details
                    .iter()
                    .map(|d| Detail { field: &d.field, code: d.code, message: &d.message })
                    .collect(),
                request_id: request_id::current(),
            },
        };
        let mut response = HttpResponse::build(self.status_code());
        match self.code {
            ErrorCode::Unauthenticated => {
                response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            ErrorCode::Unavailable => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            _ => {}
        }
        if let Some(allow) = self.allow {
            response.insert_header((header::ALLOW, HeaderValue::from_static(allow)));
        }
        if let Some(retry_after) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, retry_after_seconds(retry_after)));
        }
        response.json(body)
    }
}

/// Whole seconds, rounded up so a client never retries too early.
pub(crate) fn retry_after_seconds(retry_after: std::time::Duration) -> String {
    retry_after.as_secs_f64().ceil().max(1.0).to_string()
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        Self::validation(errors)
    }
}
