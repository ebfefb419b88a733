//! The RealWorld ("Conduit") surface under `/api`, to the letter of the public
//! spec (version 2.0.0): a second driving adapter over the same domain services.
//! Articles are posts; every rule and query is the domain's.

mod articles;
mod dto;
mod error;
mod users;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError, web};
use folio_domain::accounts::values::Principal;
use serde::Serialize;

pub(crate) use self::error::RwError;
use crate::auth::{Authenticated, MaybeAuthenticated, credentials};
use crate::extract::json_error;
use crate::rate_limit;
use crate::surface::resource;

/// `body` as this surface's JSON, or its internal error if it cannot be written.
fn respond<T: Serialize>(response: HttpResponseBuilder, body: &T) -> HttpResponse {
    crate::json::respond(response, body).unwrap_or_else(|error| RwError::from(error).error_response())
}

/// As [`respond`], for a list of `items` entries (see [`crate::json::respond_list`]).
fn respond_list<T: Serialize>(response: HttpResponseBuilder, body: &T, items: usize) -> HttpResponse {
    crate::json::respond_list(response, body, items).unwrap_or_else(|error| RwError::from(error).error_response())
}

/// The caller and the token they sent (`GET /user` echoes it back).
#[derive(Debug)]
pub(crate) struct RwUser {
    principal: Principal,
    token: String,
}

impl FromRequest for RwUser {
    type Error = RwError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let token = credentials(request);
        let authenticated = Authenticated::from_request(request, payload);
        Box::pin(async move {
            // The spec tells a missing token from a bad one.
            let token = token.ok_or_else(RwError::token_missing)??;
            let Authenticated(principal) = authenticated.await?;
            Ok(Self { principal, token })
        })
    }
}

/// The caller if a token was sent (an invalid one is still a 401).
#[derive(Debug)]
pub(crate) struct MaybeRwUser(Option<Principal>);

impl FromRequest for MaybeRwUser {
    type Error = RwError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let reader = MaybeAuthenticated::from_request(request, payload);
        Box::pin(async move { Ok(Self(reader.await?.0)) })
    }
}

/// Registers every route of the spec, with extractor errors in its shape.
pub(crate) fn routes(config: &mut web::ServiceConfig, body_limit: usize) {
    config
        .app_data(
            web::JsonConfig::default()
                .limit(body_limit)
                .error_handler(|error: JsonPayloadError, _| RwError::from(json_error(&error)).into()),
        )
        .app_data(web::QueryConfig::default().error_handler(|error: QueryPayloadError, _| {
            RwError::new(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, "query", &error.to_string()).into()
        }))
        .app_data(
            web::PathConfig::default().error_handler(|_, _| {
                RwError::new(actix_web::http::StatusCode::NOT_FOUND, "resource", "not found").into()
            }),
        )
        .service(
            resource("/users/login", "POST").route(web::post().to(users::log_in).wrap(from_fn(rate_limit::log_in))),
        )
        .service(resource("/users", "POST").route(web::post().to(users::register).wrap(from_fn(rate_limit::register))))
        .service(resource("/user", "GET, PUT").route(web::get().to(users::current)).route(web::put().to(users::update)))
        .service(resource("/profiles/{username}", "GET").route(web::get().to(users::profile)))
        .service(
            resource("/profiles/{username}/follow", "POST, DELETE")
                .route(web::post().to(users::follow))
                .route(web::delete().to(users::unfollow)),
        )
        .service(resource("/articles/feed", "GET").route(web::get().to(articles::feed)))
        .service(
            resource("/articles", "GET, POST")
                .route(web::get().to(articles::list))
                .route(web::post().to(articles::create)),
        )
        .service(
            resource("/articles/{slug}", "GET, PUT, DELETE")
                .route(web::get().to(articles::get))
                .route(web::put().to(articles::update))
                .route(web::delete().to(articles::delete)),
        )
        .service(
            resource("/articles/{slug}/favorite", "POST, DELETE")
                .route(web::post().to(articles::favorite))
                .route(web::delete().to(articles::unfavorite)),
        )
        .service(
            resource("/articles/{slug}/comments", "GET, POST")
                .route(web::get().to(articles::comments))
                .route(web::post().to(articles::add_comment)),
        )
        .service(resource("/articles/{slug}/comments/{id}", "DELETE").route(web::delete().to(articles::delete_comment)))
        .service(resource("/tags", "GET").route(web::get().to(articles::tags)))
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(RwError::new(actix_web::http::StatusCode::NOT_FOUND, "route", "not found"))
        }));
}
