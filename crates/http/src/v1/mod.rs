//! The native API under `/api/v1`.
//!
//! Every route is one row of the table at the bottom of this file, and that
//! table is the single source of truth: it registers the routes with actix,
//! lists them in [`ROUTES`], and feeds the same handlers to the OpenAPI
//! document ([`V1Api`]), so a handler cannot be routed without being
//! documented. Each handler's `#[utoipa::path]` states its method and path a
//! second time (utoipa needs them there); `tests/openapi.rs` fails when the two
//! disagree, and drives the real router to check that it serves exactly the
//! documented routes.

mod account_mail;
mod auth;
mod content_dto;
pub(crate) mod dto;
mod jobs;
mod posts;
mod profiles;
pub(crate) mod users;
mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{Resource, web};

use crate::error::ApiError;
use crate::landing;
use crate::openapi;
use crate::services::Services;

/// A resource whose unsupported methods get a 405 naming the allowed ones, and
/// whose requests are held to the request time limit.
fn resource(
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
        .default_service(web::to(move || async move {
            Err::<actix_web::HttpResponse, _>(ApiError::method_not_allowed(allow))
        }))
        .wrap(from_fn(crate::headers::timeout))
}

/// `"GET, PATCH"` from `GET, PATCH`, as a `&'static str` for the `Allow` header.
macro_rules! allow {
    ($method:ident) => { stringify!($method) };
    ($method:ident, $($rest:ident),+) => { concat!(stringify!($method), ", ", allow!($($rest),+)) };
}

/// Expands the route table into the router ([`routes`]), the list of routes
/// ([`ROUTES`]) and the document's path items ([`V1Api`]).
///
/// A row is `"/path" { METHOD => module::handler<S>, ... }`; `<S>` marks a
/// handler generic over the [`Services`]. Rows are registered in order, so a
/// literal path (`/posts/feed`) must come before a template it would match
/// (`/posts/{slug}`).
macro_rules! route_table {
    ($($path:literal { $($method:ident => $($segment:ident)::+ $(<$services:ident>)?),+ $(,)? })+) => {
        /// Every `/api/v1` route as `(method, path)`, the path relative to
        /// `/api/v1` and written as actix and OpenAPI both write templates.
        pub const ROUTES: &[(&str, &str)] = &[$($((stringify!($method), $path)),+),+];

        /// Registers every `/api/v1` route.
        pub(crate) fn routes<S: Services>(config: &mut web::ServiceConfig) {
            $(
                config.service(
                    resource($path, allow!($($method),+))
                        $(.route(web::method(Method::$method).to($($segment)::+ $(::<$services>)?)))+
                );
            )+
        }

        /// The path items of every `/api/v1` route, relative to `/api/v1`.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($($($segment)::+),+),+))]
        pub(crate) struct V1Api;
    };
}

// The router tries the routes in this order and matches each path with a
// template (a regular expression) until one fits: the reads that carry most
// of the traffic come first.
route_table! {
    "/posts" { GET => posts::list<S>, POST => posts::create<S> }
    "/posts/feed" { GET => posts::feed<S> }
    "/posts/{slug}" { GET => posts::get<S>, PATCH => posts::update<S>, DELETE => posts::delete<S> }
    "/posts/{slug}/publish" { POST => posts::publish<S> }
    "/posts/{slug}/favorite" { POST => posts::favorite<S>, DELETE => posts::unfavorite<S> }
    "/posts/{slug}/comments" { GET => posts::comments<S>, POST => posts::add_comment<S> }
    "/posts/{slug}/comments/{id}" { DELETE => posts::delete_comment<S> }
    "/tags" { GET => posts::tags<S> }
    "/auth/register" { POST => auth::register<S> }
    "/auth/login" { POST => auth::log_in<S> }
    "/auth/refresh" { POST => auth::refresh<S> }
    "/auth/logout" { POST => auth::log_out<S> }
    "/auth/verify-email" { POST => account_mail::verify_email<S> }
    "/auth/verify-email/resend" { POST => account_mail::resend_verification<S> }
    "/auth/password-reset" { POST => account_mail::request_password_reset<S> }
    "/auth/password-reset/confirm" { POST => account_mail::confirm_password_reset<S> }
    "/users/me" { GET => users::me<S>, PATCH => users::update_me<S> }
    "/users/me/password" { POST => users::change_password<S> }
    "/users" { GET => users::list<S> }
    "/users/{id}" { GET => users::get<S>, PATCH => users::change_role<S> }
    "/users/{id}/deactivate" { POST => users::deactivate<S> }
    "/users/{id}/reactivate" { POST => users::reactivate<S> }
    "/profiles/{username}" { GET => profiles::get<S> }
    "/profiles/{username}/follow" { POST => profiles::follow<S>, DELETE => profiles::unfollow<S> }
    "/admin/jobs" { GET => jobs::list<S> }
    "/admin/jobs/{id}/retry" { POST => jobs::retry<S> }
    "/webhooks" { GET => webhooks::list<S>, POST => webhooks::create<S> }
    "/webhooks/{id}" { GET => webhooks::get<S>, PATCH => webhooks::update<S>, DELETE => webhooks::delete<S> }
    "/webhooks/{id}/deliveries" { GET => webhooks::deliveries<S> }
    "/openapi.json" { GET => openapi::serve }
    "" { GET => landing::index }
}
