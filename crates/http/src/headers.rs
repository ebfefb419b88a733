//! Response headers every answer carries, and the request time limit.

use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web;

use crate::error::{ApiError, ErrorCode};
use crate::surface::Surface;

/// The API serves JSON only, so its policy forbids everything a browser could
/// load or frame. Pages that need more (the API docs) set their own.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Security headers, added unless a handler set them itself.
pub(crate) fn security(hsts: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("Cross-Origin-Resource-Policy", "same-site"));
    if hsts { headers.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains")) } else { headers }
}

/// The longest a request may run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestTimeout(pub(crate) Duration);

/// Middleware: answers 503 `UNAVAILABLE` when a request outlives its time
/// limit; the handler's future is dropped, which rolls back any open
/// transaction with its connection. Wraps resources, not the app: it keeps a
/// handle on the request, which only routing may still need to change.
pub(crate) async fn timeout(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limit = request.app_data::<web::Data<RequestTimeout>>().map_or(Duration::from_secs(30), |t| t.0);
    let http_request = request.request().clone();
    match tokio::time::timeout(limit, next.call(request)).await {
        Ok(response) => Ok(response?.map_into_left_body()),
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis(), "request timed out");
            let error = ApiError::new(
                ErrorCode::Unavailable,
                format!("The request took longer than {} s and was stopped; try again.", limit.as_secs()),
            );
            let response = Surface::of(http_request.path()).error_response(&error);
            Ok(ServiceResponse::new(http_request, response).map_into_right_body())
        }
    }
}
