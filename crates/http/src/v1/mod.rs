//! The native API under `/api/v1`.

mod auth;
mod content_dto;
pub(crate) mod dto;
mod posts;
mod profiles;
mod users;

use actix_web::{Resource, web};

use crate::error::ApiError;
use crate::services::Services;

/// A resource whose unsupported methods get a 405 naming the allowed ones.
fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<actix_web::HttpResponse, _>(ApiError::method_not_allowed(allow))
    }))
}

/// Registers every `/api/v1` route.
pub(crate) fn routes<S: Services>(config: &mut web::ServiceConfig) {
    config
        .service(resource("/auth/register", "POST").route(web::post().to(auth::register::<S>)))
        .service(resource("/auth/login", "POST").route(web::post().to(auth::log_in::<S>)))
        .service(resource("/auth/refresh", "POST").route(web::post().to(auth::refresh::<S>)))
        .service(resource("/auth/logout", "POST").route(web::post().to(auth::log_out::<S>)))
        .service(
            resource("/users/me", "GET, PATCH")
                .route(web::get().to(users::me::<S>))
                .route(web::patch().to(users::update_me::<S>)),
        )
        .service(resource("/users/me/password", "POST").route(web::post().to(users::change_password::<S>)))
        .service(resource("/users", "GET").route(web::get().to(users::list::<S>)))
        .service(
            resource("/users/{id}", "GET, PATCH")
                .route(web::get().to(users::get::<S>))
                .route(web::patch().to(users::change_role::<S>)),
        )
        .service(resource("/users/{id}/deactivate", "POST").route(web::post().to(users::deactivate::<S>)))
        .service(resource("/users/{id}/reactivate", "POST").route(web::post().to(users::reactivate::<S>)))
        .service(resource("/profiles/{username}", "GET").route(web::get().to(profiles::get::<S>)))
        .service(
            resource("/profiles/{username}/follow", "POST, DELETE")
                .route(web::post().to(profiles::follow::<S>))
                .route(web::delete().to(profiles::unfollow::<S>)),
        )
        .service(
            resource("/posts", "GET, POST")
                .route(web::get().to(posts::list::<S>))
                .route(web::post().to(posts::create::<S>)),
        )
        .service(resource("/posts/feed", "GET").route(web::get().to(posts::feed::<S>)))
        .service(
            resource("/posts/{slug}", "GET, PATCH, DELETE")
                .route(web::get().to(posts::get::<S>))
                .route(web::patch().to(posts::update::<S>))
                .route(web::delete().to(posts::delete::<S>)),
        )
        .service(resource("/posts/{slug}/publish", "POST").route(web::post().to(posts::publish::<S>)))
        .service(
            resource("/posts/{slug}/favorite", "POST, DELETE")
                .route(web::post().to(posts::favorite::<S>))
                .route(web::delete().to(posts::unfavorite::<S>)),
        )
        .service(
            resource("/posts/{slug}/comments", "GET, POST")
                .route(web::get().to(posts::comments::<S>))
                .route(web::post().to(posts::add_comment::<S>)),
        )
        .service(resource("/posts/{slug}/comments/{id}", "DELETE").route(web::delete().to(posts::delete_comment::<S>)))
        .service(resource("/tags", "GET").route(web::get().to(posts::tags::<S>)));
}
