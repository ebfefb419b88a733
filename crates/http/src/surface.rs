//! Which surface a request is on, and so which error shape it is answered in.
//!
//! Handlers of each surface answer in their own shape. Everything that answers
//! before or around a handler (the rate limits, the request time limit, unknown
//! routes and methods) asks [`Surface::of`] instead, so that every answer under
//! `/api` is in the RealWorld shape and every other one in the native envelope,
//! whatever produced it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, Resource, ResponseError, web};

use crate::error::ApiError;
use crate::realworld::RwError;

/// The API a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surface {
    /// `/api/v1` and everything outside `/api`: `{"error": {...}}`.
    Native,
    /// The RealWorld spec under `/api`: `{"errors": {...}}`.
    RealWorld,
}

impl Surface {
    /// The surface `path` is on.
    pub(crate) fn of(path: &str) -> Self {
        let Some(rest) = path.strip_prefix("/api") else {
            return Self::Native;
        };
        let native = rest.strip_prefix("/v1").is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        if native || !(rest.is_empty() || rest.starts_with('/')) { Self::Native } else { Self::RealWorld }
    }

    /// `error` in this surface's shape.
    pub(crate) fn error_response(self, error: &ApiError) -> HttpResponse {
        match self {
            Self::Native => error.error_response(),
            Self::RealWorld => RwError::from_api(error, "resource").error_response(),
        }
    }
}

/// A resource of either surface: its unsupported methods get a 405 naming the
/// allowed ones (in `Allow`) in the surface's shape, and its requests are held
/// to the request time limit.
pub(crate) fn resource(
    path: &str,
    allow: &'static str,
) -> Resource<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(path)
        .default_service(web::to(move |request: HttpRequest| async move {
            Surface::of(request.path()).error_response(&ApiError::method_not_allowed(allow))
        }))
        .wrap(from_fn(crate::headers::timeout))
}

#[cfg(test)]
mod tests {
    use super::Surface;

    #[test]
    fn paths_under_api_but_not_api_v1_are_realworld() {
        for path in ["/api", "/api/", "/api/users", "/api/articles/x/comments", "/api/v2"] {
            assert_eq!(Surface::of(path), Surface::RealWorld, "{path}");
        }
        for path in ["/", "/health", "/docs", "/api/v1", "/api/v1/", "/api/v1/posts", "/apix", "/api-docs"] {
            assert_eq!(Surface::of(path), Surface::Native, "{path}");
        }
    }
}
