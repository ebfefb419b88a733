//! Extractor configuration: every way a request can fail to parse is answered
//! in the error envelope, never with actix's plain-text defaults.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};

use crate::error::{ApiError, ErrorCode};

/// JSON bodies: size limit, content type required, errors in the envelope.
pub(crate) fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|error, _| json_error(&error).into())
}

/// Maps a JSON extraction failure to its envelope.
pub(crate) fn json_error(error: &JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::OverflowKnownLength { limit, .. } | JsonPayloadError::Overflow { limit } => {
            ApiError::new(ErrorCode::PayloadTooLarge, format!("The request body is larger than {limit} bytes."))
        }
        JsonPayloadError::ContentType => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "The request body must be JSON, sent with 'Content-Type: application/json'.",
        ),
        JsonPayloadError::Deserialize(error) if error.is_data() => {
            ApiError::new(ErrorCode::BadRequest, format!("The JSON body has the wrong shape: {error}."))
        }
        JsonPayloadError::Deserialize(error) => {
            ApiError::new(ErrorCode::BadRequest, format!("The request body is not valid JSON: {error}."))
        }
        _ => ApiError::new(ErrorCode::BadRequest, "The request body could not be read."),
    }
}

/// Raw bodies: the same size limit.
pub(crate) fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// Query strings: a malformed one is a 400.
pub(crate) fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error: QueryPayloadError, _: &HttpRequest| {
        ApiError::new(ErrorCode::BadRequest, format!("The query string is invalid: {error}.")).into()
    })
}

/// Path segments that don't parse (say, an id that is not a UUID) name nothing
/// that exists.
pub(crate) fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_: PathError, request: &HttpRequest| {
        ApiError::not_found(format!("Nothing exists at {}.", request.path())).into()
    })
}

/// The default service: an unknown route.
pub(crate) async fn not_found(request: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found(format!("No route matches {} {}.", request.method(), request.path())))
}
