//! The native API under `/api/v1`.
//!
//! Every route is one row of the table at the bottom of this file, and that
//! table is the single source of truth: it registers the routes with actix,
//! lists them in [`V1_ROUTES`], and feeds the same handlers to the OpenAPI
//! document ([`V1Api`]), so a handler cannot be routed without being
//! documented. A row names its path once (`NAME = "/path"`): the handler's
//! `#[utoipa::path]` refers to it as `crate::v1::paths::NAME`, and a route's
//! authentication budget is named in the row too. The method is still stated
//! in the annotation (utoipa needs it there); `tests/openapi.rs` fails when the
//! two disagree, and drives the real router to check that it serves exactly
//! the documented routes.

mod account_mail;
mod auth;
mod comments;
mod content_dto;
pub(crate) mod dto;
mod jobs;
mod posts;
mod profiles;
pub(crate) mod users;
mod webhook_dto;
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
/// A row is `NAME = "/path" { METHOD => module::handler, ... }`: the path is
/// written here only (the handler's `#[utoipa::path]` says
/// `path = crate::v1::paths::NAME`); a route that draws
/// on an authentication budget names it after the handler
/// (`POST => auth::log_in [log_in]`, a middleware of `crate::rate_limit`).
/// Rows are registered in order, so a literal path (`/posts/feed`) must come
/// before a template it would match (`/posts/{slug}`).
macro_rules! route_table {
    ($($name:ident = $path:literal { $($method:ident => $($segment:ident)::+ $([$budget:ident])?),+ $(,)? })+) => {
        /// Every `/api/v1` path, relative to `/api/v1`, by name: the handlers'
        /// `#[utoipa::path]` annotations name these rather than restate them.
        pub(crate) mod paths {
            $(pub(crate) const $name: &str = $path;)+
        }

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
    POSTS = "/posts" { GET => posts::list, POST => posts::create }
    POSTS_FEED = "/posts/feed" { GET => posts::feed }
    POSTS_SLUG = "/posts/{slug}" { GET => posts::get, PATCH => posts::update, DELETE => posts::delete }
    POSTS_SLUG_PUBLISH = "/posts/{slug}/publish" { POST => posts::publish }
    POSTS_SLUG_FAVORITE = "/posts/{slug}/favorite" { POST => posts::favorite, DELETE => posts::unfavorite }
    POSTS_SLUG_COMMENTS = "/posts/{slug}/comments" { GET => comments::list, POST => comments::create }
    POSTS_SLUG_COMMENTS_ID = "/posts/{slug}/comments/{id}" { DELETE => comments::delete }
    TAGS = "/tags" { GET => posts::tags }
    AUTH_REGISTER = "/auth/register" { POST => auth::register [register] }
    AUTH_LOGIN = "/auth/login" { POST => auth::log_in [log_in] }
    AUTH_REFRESH = "/auth/refresh" { POST => auth::refresh [refresh] }
    AUTH_LOGOUT = "/auth/logout" { POST => auth::log_out }
    AUTH_VERIFY_EMAIL = "/auth/verify-email" { POST => account_mail::verify_email [verify_email] }
    AUTH_VERIFY_EMAIL_RESEND = "/auth/verify-email/resend" { POST => account_mail::resend_verification [verify_email] }
    AUTH_PASSWORD_RESET = "/auth/password-reset" { POST => account_mail::request_password_reset [password_reset] }
    AUTH_PASSWORD_RESET_CONFIRM = "/auth/password-reset/confirm" { POST => account_mail::confirm_password_reset [password_reset] }
    USERS_ME = "/users/me" { GET => users::me, PATCH => users::update_me }
    USERS_ME_PASSWORD = "/users/me/password" { POST => users::change_password }
    USERS = "/users" { GET => users::list }
    USERS_ID = "/users/{id}" { GET => users::get, PATCH => users::change_role }
    USERS_ID_DEACTIVATE = "/users/{id}/deactivate" { POST => users::deactivate }
    USERS_ID_REACTIVATE = "/users/{id}/reactivate" { POST => users::reactivate }
    PROFILES_USERNAME = "/profiles/{username}" { GET => profiles::get }
    PROFILES_USERNAME_FOLLOW = "/profiles/{username}/follow" { POST => profiles::follow, DELETE => profiles::unfollow }
    ADMIN_JOBS = "/admin/jobs" { GET => jobs::list }
    ADMIN_JOBS_ID_RETRY = "/admin/jobs/{id}/retry" { POST => jobs::retry }
    WEBHOOKS = "/webhooks" { GET => webhooks::list, POST => webhooks::create }
    WEBHOOKS_ID = "/webhooks/{id}" { GET => webhooks::get, PATCH => webhooks::update, DELETE => webhooks::delete }
    WEBHOOKS_ID_DELIVERIES = "/webhooks/{id}/deliveries" { GET => webhooks::deliveries }
    OPENAPI_JSON = "/openapi.json" { GET => openapi::serve }
    ROOT = "" { GET => landing::index }
}
