#![doc = include_str!("../README.md")]

mod auth;
mod cors;
mod envelope;
mod error;
mod extract;
mod realworld;
mod request_id;
mod services;
mod v1;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, web};

pub use auth::{Authenticated, MaybeAuthenticated};
pub use cors::CorsSettings;
pub use error::{ApiError, ErrorCode};
pub use request_id::REQUEST_ID_HEADER;
pub use services::Services;

/// Settings of the HTTP adapter.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Which browser origins may call the API.
    pub cors: CorsSettings,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self { body_limit: 1024 * 1024, cors: CorsSettings::default() }
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
    App::new()
        .app_data(services)
        .app_data(authenticator)
        .app_data(extract::json_config(settings.body_limit))
        .app_data(extract::payload_config(settings.body_limit))
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .service(web::resource("/health").route(web::get().to(health)))
        .service(web::resource("/ready").route(web::get().to(ready::<S>)))
        .service(web::scope("/api/v1").configure(v1::routes::<S>))
        .service(web::scope("/api").configure(realworld::routes::<S>))
        .default_service(web::to(extract::not_found))
        .wrap(cors::middleware(&settings.cors))
        .wrap(from_fn(request_id::middleware))
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
