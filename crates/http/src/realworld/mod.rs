//! The RealWorld ("Conduit") surface under `/api`, to the letter of the public
//! spec (version 2.0.0): a second driving adapter over the same domain services.
//! Articles are posts; every rule and query is the domain's.

mod articles;
mod dto;
mod error;
mod users;

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, Resource, ResponseError, web};
use folio_domain::accounts::values::Principal;
use serde::Serialize;

use self::error::RwError;
use crate::auth::{Authenticated, MaybeAuthenticated, credentials};
use crate::extract::json_error;
use crate::services::Services;

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

/// A resource whose unsupported methods get a 405, held to the request time limit.
fn resource(
    path: &str,
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
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(RwError::new(
                actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
                "method",
                "is not allowed",
            ))
        }))
        .wrap(from_fn(crate::headers::timeout))
}

/// Registers every route of the spec, with extractor errors in its shape.
pub(crate) fn routes<S: Services>(config: &mut web::ServiceConfig, body_limit: usize) {
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
        .service(resource("/users/login").route(web::post().to(users::log_in::<S>)))
        .service(resource("/users").route(web::post().to(users::register::<S>)))
        .service(resource("/user").route(web::get().to(users::current::<S>)).route(web::put().to(users::update::<S>)))
        .service(resource("/profiles/{username}").route(web::get().to(users::profile::<S>)))
        .service(
            resource("/profiles/{username}/follow")
                .route(web::post().to(users::follow::<S>))
                .route(web::delete().to(users::unfollow::<S>)),
        )
        .service(resource("/articles/feed").route(web::get().to(articles::feed::<S>)))
        .service(
            resource("/articles")
                .route(web::get().to(articles::list::<S>))
                .route(web::post().to(articles::create::<S>)),
        )
        .service(
            resource("/articles/{slug}")
                .route(web::get().to(articles::get::<S>))
                .route(web::put().to(articles::update::<S>))
                .route(web::delete().to(articles::delete::<S>)),
        )
        .service(
            resource("/articles/{slug}/favorite")
                .route(web::post().to(articles::favorite::<S>))
                .route(web::delete().to(articles::unfavorite::<S>)),
        )
        .service(
            resource("/articles/{slug}/comments")
                .route(web::get().to(articles::comments::<S>))
                .route(web::post().to(articles::add_comment::<S>)),
        )
        .service(resource("/articles/{slug}/comments/{id}").route(web::delete().to(articles::delete_comment::<S>)))
        .service(resource("/tags").route(web::get().to(articles::tags::<S>)))
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(RwError::new(actix_web::http::StatusCode::NOT_FOUND, "route", "not found"))
        }));
}
