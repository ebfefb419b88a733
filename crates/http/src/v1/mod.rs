//! The native API under `/api/v1`.
//!
//! Every route is one row of the table at the bottom of this file, and that
//! table is the single source of truth: it registers the routes with actix,
//! lists them in [`V1_ROUTES`], and feeds the same handlers to the OpenAPI
//! document ([`V1Api`]), so a handler cannot be routed without being
//! documented. Each handler's `#[utoipa::path]` states its method and path a
//! second time (utoipa needs them there); `tests/openapi.rs` fails when the two
//! disagree, and drives the real router to check that it serves exactly the
//! documented routes.

mod account_mail;
mod auth;
mod comments;
mod content_dto;
pub(crate) mod dto;
mod jobs;
mod posts;
mod profiles;
pub(crate) mod users;
mod webhooks;

use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::web;

use crate::landing;
use crate::openapi;
use crate::rate_limit;
use crate::surface::resource;

/// `"GET, PATCH"` from `GET, PATCH`, as a `&'static str` for the `Allow` header.
macro_rules! allow {
    ($method:ident) => { stringify!($method) };
    ($method:ident, $($rest:ident),+) => { concat!(stringify!($method), ", ", allow!($($rest),+)) };
}

/// Expands the route table into the router ([`routes`]), the list of routes
/// ([`V1_ROUTES`]) and the document's path items ([`V1Api`]).
///
/// A row is `"/path" { METHOD => module::handler, ... }`; a route that draws
/// on an authentication budget names it after the handler
/// (`POST => auth::log_in [log_in]`, a middleware of `crate::rate_limit`).
/// Rows are registered in order, so a literal path (`/posts/feed`) must come
/// before a template it would match (`/posts/{slug}`).
macro_rules! route_table {
    ($($path:literal { $($method:ident => $($segment:ident)::+ $([$budget:ident])?),+ $(,)? })+) => {
        /// Every `/api/v1` route as `(method, path)`, the path relative to
        /// `/api/v1` and written as actix and OpenAPI both write templates.
        pub const V1_ROUTES: &[(&str, &str)] = &[$($((stringify!($method), $path)),+),+];

        /// Registers every `/api/v1` route.
        pub(crate) fn routes(config: &mut web::ServiceConfig) {
            $(
                config.service(
                    resource($path, allow!($($method),+))
                        $(.route(
                            web::method(Method::$method)
                                .to($($segment)::+)
                                $(.wrap(from_fn(rate_limit::$budget)))?
                        ))+
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
    "/posts" { GET => posts::list, POST => posts::create }
    "/posts/feed" { GET => posts::feed }
    "/posts/{slug}" { GET => posts::get, PATCH => posts::update, DELETE => posts::delete }
    "/posts/{slug}/publish" { POST => posts::publish }
    "/posts/{slug}/favorite" { POST => posts::favorite, DELETE => posts::unfavorite }
    "/posts/{slug}/comments" { GET => comments::list, POST => comments::create }
    "/posts/{slug}/comments/{id}" { DELETE => comments::delete }
    "/tags" { GET => posts::tags }
    "/auth/register" { POST => auth::register [register] }
    "/auth/login" { POST => auth::log_in [log_in] }
    "/auth/refresh" { POST => auth::refresh [refresh] }
    "/auth/logout" { POST => auth::log_out }
    "/auth/verify-email" { POST => account_mail::verify_email [verify_email] }
    "/auth/verify-email/resend" { POST => account_mail::resend_verification [verify_email] }
    "/auth/password-reset" { POST => account_mail::request_password_reset [password_reset] }
    "/auth/password-reset/confirm" { POST => account_mail::confirm_password_reset [password_reset] }
    "/users/me" { GET => users::me, PATCH => users::update_me }
    "/users/me/password" { POST => users::change_password }
    "/users" { GET => users::list }
    "/users/{id}" { GET => users::get, PATCH => users::change_role }
    "/users/{id}/deactivate" { POST => users::deactivate }
    "/users/{id}/reactivate" { POST => users::reactivate }
    "/profiles/{username}" { GET => profiles::get }
    "/profiles/{username}/follow" { POST => profiles::follow, DELETE => profiles::unfollow }
    "/admin/jobs" { GET => jobs::list }
    "/admin/jobs/{id}/retry" { POST => jobs::retry }
    "/webhooks" { GET => webhooks::list, POST => webhooks::create }
    "/webhooks/{id}" { GET => webhooks::get, PATCH => webhooks::update, DELETE => webhooks::delete }
    "/webhooks/{id}/deliveries" { GET => webhooks::deliveries }
    "/openapi.json" { GET => openapi::serve }
    "" { GET => landing::index }
}
