//! Extractor configuration: every way a request can fail to parse is answered
//! in the error envelope, never with actix's plain-text defaults.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};

use crate::error::{ApiError, ErrorCode};
use crate::surface::Surface;

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
        JsonPayloadError::Deserialize(error) if error.is_data() => ApiError::new(
            ErrorCode::BadRequest,
            format!("The JSON body has the wrong shape: {}.", without_type_names(&error.to_string())),
        ),
        JsonPayloadError::Deserialize(error) => {
            ApiError::new(ErrorCode::BadRequest, format!("The request body is not valid JSON: {error}."))
        }
        _ => ApiError::new(ErrorCode::BadRequest, "The request body could not be read."),
    }
}

/// serde names the Rust type it expected (`expected struct UpdateMeRequest`);
/// clients need only know an object was expected.
fn without_type_names(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("struct ") {
        out.push_str(&rest[..at]);
        out.push_str("a JSON object");
        rest = &rest[at + "struct ".len()..];
        rest = rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
    }
    out.push_str(rest);
    out
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

/// The default service: an unknown route, in the shape of the surface its path is on.
pub(crate) async fn not_found(request: HttpRequest) -> actix_web::HttpResponse {
    let error = ApiError::not_found(format!("No route matches {} {}.", request.method(), request.path()));
    Surface::of(request.path()).error_response(&error)
}

#[cfg(test)]
mod tests {
    use super::without_type_names;

    #[test]
    fn type_names_are_left_out_of_messages() {
        assert_eq!(
            without_type_names("invalid type: sequence, expected struct UpdateMeRequest at line 1 column 1"),
            "invalid type: sequence, expected a JSON object at line 1 column 1"
        );
        assert_eq!(without_type_names("missing field `email`"), "missing field `email`");
    }
}
