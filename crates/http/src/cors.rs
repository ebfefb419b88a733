//! Cross-origin requests: only from configured origins.
//!
//! An allowed origin is written exactly (`https://app.example.com`) or with any
//! port (`http://localhost:*`, for development servers). Bearer tokens, not
//! cookies, carry credentials, so no origin is granted cookie access.

use actix_cors::Cors;

/// The origins browsers may call the API from.
#[derive(Debug, Clone, Default)]
pub struct CorsSettings {
    /// Exact origins, or `scheme://host:*` for any port of a host.
    pub allowed_origins: Vec<String>,
}

fn origin_allowed(allowed: &[String], origin: &str) -> bool {
    allowed.iter().any(|pattern| match pattern.strip_suffix(":*") {
        Some(host) => {
            origin == host
                || origin
                    .strip_prefix(host)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        }
        None => origin == pattern,
    })
}

/// The CORS middleware for these settings; with no origins, no cross-origin
/// request is allowed (preflights are refused).
pub(crate) fn middleware(settings: &CorsSettings) -> Cors {
    let allowed = settings.allowed_origins.clone();
    Cors::default()
        .allowed_origin_fn(move |origin, _| origin.to_str().is_ok_and(|origin| origin_allowed(&allowed, origin)))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        // Front ends send assorted headers (X-Requested-With, Cache-Control,
        // Accept-Language ...); none carries authority here, so any is allowed.
        .allow_any_header()
        .expose_headers(["x-request-id", "retry-after"])
        .max_age(3600)
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;

    #[test]
    fn exact_origins_and_any_port_patterns() {
        let allowed = vec!["https://app.example.com".to_owned(), "http://localhost:*".to_owned()];
        assert!(origin_allowed(&allowed, "https://app.example.com"));
        assert!(origin_allowed(&allowed, "http://localhost:3000"));
        assert!(origin_allowed(&allowed, "http://localhost"));
        assert!(!origin_allowed(&allowed, "http://localhost.evil.com"));
        assert!(!origin_allowed(&allowed, "http://localhost:3000.evil.com"));
        assert!(!origin_allowed(&allowed, "https://app.example.com.evil.com"));
        assert!(!origin_allowed(&allowed, "http://app.example.com"));
    }
}
