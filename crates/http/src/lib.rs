#![doc = include_str!("../README.md")]

mod auth;
mod cors;
mod envelope;
mod error;
mod extract;
mod headers;
mod json;
mod landing;
mod metrics;
pub mod openapi;
mod rate_limit;
mod realworld;
mod request_id;
mod services;
mod v1;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpResponse, web};

pub use auth::{Authenticated, MaybeAuthenticated};
pub use cors::CorsSettings;
pub use error::{ApiError, ErrorCode};
pub use landing::{DOCS_PATH, OPENAPI_PATH};
pub use metrics::PoolMetrics;
pub use rate_limit::RateLimitSettings;
pub use request_id::REQUEST_ID_HEADER;
pub use services::Services;

/// Settings of the HTTP adapter.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Which browser origins may call the API.
    pub cors: CorsSettings,
    /// Per-IP and per-account budgets.
    pub rate_limit: RateLimitSettings,
    /// Serve `GET /metrics` on this app (else on a separate port, or not at all).
    pub metrics: bool,
    /// Send `Strict-Transport-Security` (only when clients reach Folio over TLS).
    pub hsts: bool,
    /// Longest a request may take before it is answered 503.
    pub request_timeout: std::time::Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            cors: CorsSettings::default(),
            rate_limit: RateLimitSettings::default(),
            metrics: false,
            hsts: false,
            request_timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// Builds the whole application: routes, extractor error handling, request ids.
pub fn app<S: Services>(
    services: web::Data<S>,
    settings: HttpSettings,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let authenticator = web::Data::new(auth::Authenticator::new(services.clone()));
    let serve_metrics = settings.metrics;
    App::new()
        .app_data(services)
        .app_data(authenticator)
        .app_data(web::Data::new(settings.rate_limit.clone()))
        .app_data(web::Data::new(headers::RequestTimeout(settings.request_timeout)))
        .app_data(extract::json_config(settings.body_limit))
        .app_data(extract::payload_config(settings.body_limit))
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .service(web::resource("/health").route(web::get().to(health)).route(web::head().to(health)))
        .service(web::resource("/ready").route(web::get().to(ready::<S>)).route(web::head().to(ready::<S>)))
        .configure(|config| {
            if serve_metrics {
                config.service(web::resource("/metrics").route(web::get().to(metrics::endpoint::<S>)));
            }
        })
        .service(landing::root())
        .service(web::scope("/api/v1").configure(v1::routes::<S>))
        .service(landing::docs())
        .service(web::scope("/api").configure(|config| realworld::routes::<S>(config, settings.body_limit)))
        .default_service(web::to(extract::not_found))
        .wrap(from_fn(rate_limit::middleware::<S>))
        .wrap(cors::middleware(&settings.cors))
        .wrap(headers::security(settings.hsts))
        .wrap(Compress::default())
        .wrap(from_fn(request_id::middleware))
}

/// A separate app serving only `GET /metrics`, for `metrics.port`.
pub fn metrics_app<S: Services>(
    services: web::Data<S>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(services)
        .service(web::resource("/metrics").route(web::get().to(metrics::endpoint::<S>)))
        .default_service(web::to(extract::not_found))
}

/// Liveness: the process answers. Checks no dependency on purpose, so an
/// orchestrator does not restart a healthy process during a database outage.
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: every dependency answers, so this instance should get traffic.
async fn ready<S: Services>(services: web::Data<S>) -> HttpResponse {
    if services.ready().await {
        HttpResponse::Ok().json(serde_json::json!({ "status": "ready" }))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({ "status": "unavailable" }))
    }
}
