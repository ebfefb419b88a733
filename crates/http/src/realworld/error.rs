//! The RealWorld error shape: `{"errors": {"<key>": ["<message>"]}}`, with the
//! spec's statuses (422 for any invalid input) and messages.
//!
//! Domain errors are mapped to [`ApiError`] once (in `crate::error`); this module
//! only re-expresses that answer in the spec's words, so no rule is written twice.

use std::collections::BTreeMap;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::{ApiError, ErrorCode};

/// An error answer in the RealWorld shape.
#[derive(Debug)]
pub(crate) struct RwError {
    status: StatusCode,
    errors: BTreeMap<String, Vec<String>>,
    retry_after: Option<String>,
    allow: Option<&'static str>,
}

impl RwError {
    pub(crate) fn new(status: StatusCode, key: &str, message: &str) -> Self {
        let mut errors = BTreeMap::new();
        errors.insert(key.to_owned(), vec![message.to_owned()]);
        let retry_after = (status == StatusCode::SERVICE_UNAVAILABLE).then(|| "5".to_owned());
        Self { status, errors, retry_after, allow: None }
    }

    /// 401 for a request without a token.
    pub(crate) fn token_missing() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "token", "is missing")
    }

    /// Maps a domain (or native) error, naming `resource` in 403 and 404 answers.
    pub(crate) fn about<E>(resource: &'static str) -> impl Fn(E) -> Self
    where
        ApiError: From<E>,
    {
        move |error| Self::from_api(&ApiError::from(error), resource)
    }

    /// `error` in the spec's words, naming `resource` in 403 and 404 answers.
    pub(crate) fn from_api(error: &ApiError, resource: &str) -> Self {
        match error.code() {
            ErrorCode::ValidationError | ErrorCode::BadRequest | ErrorCode::UnsupportedMediaType => {
                let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for detail in error.details() {
                    errors.entry(detail.field.clone()).or_default().push(spec_message(detail));
                }
                if errors.is_empty() {
                    errors.insert("body".to_owned(), vec![error.message().to_owned()]);
                }
                Self { status: StatusCode::UNPROCESSABLE_ENTITY, errors, retry_after: None, allow: None }
            }
            ErrorCode::Unauthenticated => Self::new(StatusCode::UNAUTHORIZED, "token", "is invalid"),
            ErrorCode::Forbidden => Self::new(StatusCode::FORBIDDEN, resource, "forbidden"),
            ErrorCode::NotFound => Self::new(StatusCode::NOT_FOUND, resource, "not found"),
            ErrorCode::Conflict => {
                let field = error.details().first().map_or(resource, |detail| detail.field.as_str());
                Self::new(StatusCode::CONFLICT, field, "has already been taken")
            }
            ErrorCode::PayloadTooLarge => Self::new(StatusCode::PAYLOAD_TOO_LARGE, "body", "is too large"),
            ErrorCode::MethodNotAllowed => {
                let mut refused = Self::new(StatusCode::METHOD_NOT_ALLOWED, "method", "is not allowed");
                refused.allow = error.allow();
                refused
            }
            ErrorCode::RateLimited => {
                let mut limited = Self::new(StatusCode::TOO_MANY_REQUESTS, "requests", "are too many");
                limited.retry_after = error.retry_after().map(crate::error::retry_after_seconds);
                limited
            }
            ErrorCode::InternalError => Self::new(StatusCode::INTERNAL_SERVER_ERROR, "server", "internal error"),
            ErrorCode::Unavailable => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "server", "is temporarily unavailable")
            }
        }
    }
}

/// The spec's phrasing: "can't be blank", "has already been taken", otherwise
/// the domain's sentence without its leading field name.
fn spec_message(detail: &folio_domain::FieldError) -> String {
    match detail.code {
        "required" | "blank" => "can't be blank".to_owned(),
        "taken" => "has already been taken".to_owned(),
        _ => {
            let message = detail.message.trim_end_matches('.');
            message.strip_prefix(detail.field.as_str()).map_or(message, str::trim_start).to_owned()
        }
    }
}

impl From<ApiError> for RwError {
    fn from(error: ApiError) -> Self {
        Self::from_api(&error, "resource")
    }
}

impl fmt::Display for RwError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {:?}", self.status, self.errors)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    errors: &'a BTreeMap<String, Vec<String>>,
}

impl ResponseError for RwError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Token")));
        }
        if let Some(seconds) = &self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.as_str()));
        }
        if let Some(allow) = self.allow {
            response.insert_header((header::ALLOW, HeaderValue::from_static(allow)));
        }
        response.json(Body { errors: &self.errors })
    }
}

#[cfg(test)]
mod tests {
    use folio_domain::ValidationErrors;

    use super::*;

    #[test]
    fn validation_errors_become_422_with_the_specs_phrasing() {
        let mut errors = ValidationErrors::new();
        errors.add("email", "blank", "email can't be blank");
        errors.add("password", "too_short", "password must be at least 8 characters");
        let error = RwError::from(ApiError::validation(errors));
        assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.errors["email"], ["can't be blank"]);
        assert_eq!(error.errors["password"], ["must be at least 8 characters"]);
    }

    #[test]
    fn conflicts_name_the_field() {
        let error = RwError::from(ApiError::conflict("username", "This username is already taken."));
        assert_eq!(error.status, StatusCode::CONFLICT);
        assert_eq!(error.errors["username"], ["has already been taken"]);
    }

    #[test]
    fn not_found_and_forbidden_name_the_resource() {
        let error = RwError::about::<ApiError>("article")(ApiError::not_found("gone"));
        assert_eq!((error.status, &error.errors["article"]), (StatusCode::NOT_FOUND, &vec!["not found".to_owned()]));
    }
}
