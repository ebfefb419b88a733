//! Request ids, the request's tracing span, and the access log line.
//!
//! The id is the client's `X-Request-Id` when it is short and plain (so it can't
//! inject into logs), otherwise a new UUID v7. It is echoed in the response,
//! recorded on the span that every log line of the request carries, and made
//! available to error bodies through a task-local.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument as _;
use tracing::field::Empty;

/// The header a request id travels in, both ways.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

const MAX_LEN: usize = 128;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, if called inside one.
pub(crate) fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Middleware: assigns the request id, opens the request span, logs the outcome.
pub(crate) async fn middleware(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| acceptable(id))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    let span = tracing::info_span!("request", request_id = %request_id, method = %request.method(), user_id = Empty);
    let started = Instant::now();
    let method = request.method().to_string();
    crate::metrics::request_started();
    let outcome = REQUEST_ID.scope(request_id.clone(), next.call(request).instrument(span.clone())).await;
    let mut response = match outcome {
        Ok(response) => response,
        Err(error) => {
            crate::metrics::request_finished(&method, "<error>", 500, started.elapsed().as_secs_f64());
            return Err(error);
        }
    };
    // Unmatched paths share one label, so scanners cannot blow up the metrics.
    let route = response.request().match_pattern().unwrap_or_else(|| "<unmatched>".to_owned());
    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    crate::metrics::request_finished(&method, &route, status, elapsed);
    let latency_ms = elapsed * 1000.0;
    // The route goes on the line, not the span: recording a field on a span
    // makes the JSON formatter parse and write all of the span's fields again,
    // and no other line of the request could carry it anyway (it is known
    // only once the response is).
    span.in_scope(|| tracing::info!(route = route.as_str(), status, latency_ms, "request handled"));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn only_short_plain_ids_are_accepted() {
        assert!(acceptable("abc-123_X.y:z"));
        assert!(!acceptable(""));
        assert!(!acceptable("has space"));
        assert!(!acceptable("new\nline"));
        assert!(!acceptable(&"a".repeat(129)));
    }
}
